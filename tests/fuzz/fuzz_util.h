/* Shared by the fuzz targets: a silent log sink (diagnostics are expected for malformed input and
 * would only slow the fuzzer down) and exact-size copies of the input, so AddressSanitizer sees
 * any read past the length a parser was given. */
#ifndef PT_FUZZ_UTIL_H
#define PT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_quiet_sink(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)priority;
    /* Touch every byte: a message built from unterminated input shows up under ASan here. */
    volatile size_t n = strlen(msg);
    (void)n;
}

static inline void fuzz_quiet(void)
{
    pt_log_set_sink(fuzz_quiet_sink, NULL);
}

/* A heap copy of exactly size bytes (no terminator): reading data[size] is a heap overflow. */
static inline char *fuzz_copy_exact(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    if (p != NULL && size)
        memcpy(p, data, size);
    return p;
}

/* A NUL-terminated heap copy, for APIs taking C strings. An embedded NUL simply ends it early,
 * as it would for any C caller. */
static inline char *fuzz_copy_cstr(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);
    if (p != NULL) {
        memcpy(p, data, size);
        p[size] = '\0';
    }
    return p;
}

/* A property the target checks failed: crash loudly so the fuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                                    \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

#endif

/* A stand-in libargon2.so.1 for the unit tests that count argon2id evaluations (test_backup,
 * test_verify). The core loads libargon2 by its SONAME at the first backup code; a test linked
 * with this library has an object of that SONAME loaded already, so the core's dlopen returns
 * it, exactly as it would return a libargon2 that a host process had mapped. Every call is
 * counted, shown to the test's observer, and forwarded to the real libargon2 (opened by its
 * path, PT_ARGON2_REAL, so that it is a separate object): nothing is faked. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "argon2_shim.h"

#ifndef PT_ARGON2_REAL
#error "PT_ARGON2_REAL (the real libargon2's path) is defined by tests/CMakeLists.txt"
#endif

typedef int (*hash_fn)(const uint32_t, const uint32_t, const uint32_t, const void *, const size_t,
                       const void *, const size_t, void *, const size_t);
typedef const char *(*msg_fn)(int);

static pt_argon2_observer observer;
static unsigned calls;

static void *real(const char *sym)
{
    static void *lib;
    if (lib == NULL)
        lib = dlopen(PT_ARGON2_REAL, RTLD_NOW | RTLD_LOCAL);
    void *f = lib != NULL ? dlsym(lib, sym) : NULL;
    if (f == NULL) {
        fprintf(stderr, "argon2 shim: cannot reach %s in %s\n", sym, PT_ARGON2_REAL);
        abort();
    }
    return f;
}

void pt_argon2_shim_observe(pt_argon2_observer fn)
{
    observer = fn;
}

unsigned pt_argon2_shim_calls(void)
{
    return calls;
}

int argon2id_hash_raw(const uint32_t t_cost, const uint32_t m_cost, const uint32_t parallelism,
                      const void *pwd, const size_t pwdlen, const void *salt, const size_t saltlen,
                      void *hash, const size_t hashlen)
{
    calls++;
    if (observer != NULL)
        observer(t_cost, m_cost, parallelism, pwdlen, saltlen, hashlen);
    return ((hash_fn)real("argon2id_hash_raw"))(t_cost, m_cost, parallelism, pwd, pwdlen, salt,
                                                saltlen, hash, hashlen);
}

const char *argon2_error_message(int error_code)
{
    return ((msg_fn)real("argon2_error_message"))(error_code);
}

/* Strict reading of the "key = value" line files the core writes (enrolment, runtime state).
 * Internal to the core. Nothing here guesses: a NUL, a CR, a control character, an overlong line,
 * a missing final newline or a line without '=' is an error naming the path and line. Input is
 * (data, len) and never needs a terminating NUL. */
#ifndef PT_KVLINE_H
#define PT_KVLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *data;
    size_t len;
    size_t pos;
    unsigned line;      /* the line last returned (1-based) */
    const char *path;   /* for messages */
    size_t line_max;    /* longest line allowed, newline excluded */
} pt_kv_reader;

typedef struct {
    const char *key; /* [a-z0-9_]+, not NUL-terminated */
    size_t keylen;
    const char *val; /* printable ASCII, surrounding blanks removed, not NUL-terminated */
    size_t vallen;
    unsigned line;
} pt_kv;

void pt_kv_init(pt_kv_reader *r, const char *data, size_t len, const char *path, size_t line_max);
/* The next key/value line, skipping blank lines and '#' comments: 1 with *kv, 0 at the end,
 * PT_ERR_MALFORMED (already reported). */
int pt_kv_next(pt_kv_reader *r, pt_kv *kv);

/* Reports "PATH line N: message" (or "PATH: message" for line 0) and returns PT_ERR_MALFORMED. */
int pt_kv_error(const char *path, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool pt_kv_key_is(const pt_kv *kv, const char *key);
/* A decimal integer (optional '-', no '+', no leading zeros but "0") within [min, max]. */
bool pt_kv_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);
/* Exactly 2*outlen hex digits (either case). */
bool pt_kv_parse_hex(const char *s, size_t n, uint8_t *out, size_t outlen);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void pt_kv_hex(const uint8_t *in, size_t n, char *out);

/* Appends printf-style text to buf (capacity cap) at *pos; false when it does not fit. */
bool pt_kv_put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

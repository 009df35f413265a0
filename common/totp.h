/* HOTP (RFC 4226) and TOTP (RFC 6238) on libgcrypt's HMAC. */
#ifndef PT_TOTP_H
#define PT_TOTP_H

#include <stddef.h>
#include <stdint.h>

typedef enum { PT_ALG_SHA1 = 0, PT_ALG_SHA256 = 1, PT_ALG_SHA512 = 2 } pt_alg;

#define PT_SECRET_MAX 64 /* bytes: the longest secret we generate (sha512) or accept */
#define PT_CODE_MAX 8    /* digits */

const char *pt_alg_name(pt_alg alg);              /* "sha1", "sha256", "sha512" */
const char *pt_alg_uri_name(pt_alg alg);          /* "SHA1", "SHA256", "SHA512" */
int pt_alg_parse(const char *name, pt_alg *out);  /* case-insensitive; PT_OK or PT_ERR_INVAL */
size_t pt_alg_secret_len(pt_alg alg);             /* 20, 32, 64: the secret size we generate */

/* Initialise libgcrypt once per process without disturbing a host that already did. PT_OK or
 * PT_ERR_CRYPTO. Every function below calls it; callers need not. */
int pt_crypto_init(void);

/* The HOTP value for counter, as digits (6 or 8) zero-padded decimal characters plus NUL. */
int pt_hotp(pt_alg alg, const uint8_t *key, size_t keylen, uint64_t counter, unsigned digits,
            char out[PT_CODE_MAX + 1]);

/* The time step of a moment: floor(now / period). */
int64_t pt_totp_step(int64_t now, unsigned period);

typedef enum {
    PT_TOTP_NOMATCH = 0, /* no step within the window gives this code */
    PT_TOTP_MATCH = 1,   /* matched a step newer than after_step; *matched_step says which */
    PT_TOTP_REPLAY = 2,  /* matched only steps at or before after_step: a replay */
} pt_totp_result;

/* Checks code (exactly `digits` ASCII digits, else NOMATCH) against every step in
 * [step(now) - window, step(now) + window]. All candidate steps are computed and compared in
 * constant time, with no early exit. A step <= after_step never matches (pass -1 for "none").
 * When several steps match, the newest is reported. Returns a pt_totp_result, or < 0 on error. */
int pt_totp_verify(pt_alg alg, const uint8_t *key, size_t keylen, unsigned digits, unsigned period,
                   int64_t now, unsigned window, int64_t after_step, const char *code,
                   int64_t *matched_step);

/* Constant-time equality of n bytes: 1 equal, 0 different. */
int pt_ct_equal(const void *a, const void *b, size_t n);

/* Wipe memory holding a secret (not optimised away). */
void pt_wipe(void *p, size_t n);

/* Random bytes from libgcrypt's CSPRNG at GCRY_STRONG_RANDOM, for secrets, backup codes, salts
 * and ids alike. PT_OK or PT_ERR_CRYPTO.
 * Why not GCRY_VERY_STRONG_RANDOM for secrets: on Linux both levels come from the same
 * CSPRNG seeded by getrandom(); the "very strong" level only adds another kernel entropy draw per
 * call, which measured 16-28 ms per process here (0.2 ms for this level) and would dominate
 * `pam-totp enrol --begin` and every enrolment at login without adding real strength. */
int pt_random_bytes(void *buf, size_t n);

#endif

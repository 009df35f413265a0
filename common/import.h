/* Parsers for the files of other TOTP modules, for `pam-totp import` (pam-totp(1), IMPORT).
 * Pure functions over a buffer: no I/O, no logging; what is wrong is written into why.
 *
 * google-authenticator-libpam: ~/.google_authenticator, as its pam module reads it:
 *   line 1        the secret, base32 as google-authenticator decodes it: case-insensitive,
 *                 spaces, tabs and '-' ignored, '0' read as 'O', '1' as 'L', '8' as 'B', no '='
 *                 padding, trailing bits dropped (16, 26 and 32 characters give 10, 16, 20 bytes)
 *   "\" KEY ..."  options: TOTP_AUTH, HOTP_COUNTER N, STEP_SIZE S (1..60), WINDOW_SIZE N (1..100),
 *                 RATE_LIMIT N S [T...], DISALLOW_REUSE [STEP...]
 *   NNNNNNNN      scratch codes: 8 digits, no leading zero
 *
 * pam_oath (oath-toolkit) users file: one line per token, "TYPE USER PIN SECRET [COUNTER [TIME]]",
 * blank lines and '#' comments ignored, TYPE e.g. HOTP, HOTP/E, HOTP/T30, HOTP/T30/6, HOTP/T60/8,
 * PIN "-" (none) or "+" (the system password) or a password, SECRET in hex. */
#ifndef PT_IMPORT_H
#define PT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "totp.h"

#define PT_GA_MAX_SIZE (64 * 1024)      /* a larger ~/.google_authenticator is refused */
#define PT_GA_SCRATCH_MAX 100
#define PT_GA_SCRATCH_LEN 8
#define PT_GA_REUSE_MAX 64
#define PT_IMPORT_SECRET_MIN 10         /* bytes: 80 bits, google-authenticator's 16 characters */
#define PT_OATH_MAX_SIZE (4 * 1024 * 1024)
#define PT_IMPORT_WHY 160

typedef struct {
    uint8_t secret[PT_SECRET_MAX];
    size_t secret_len;
    unsigned period;            /* STEP_SIZE, 30 when absent */
    bool totp;                  /* TOTP_AUTH */
    bool hotp;                  /* HOTP_COUNTER */
    unsigned window_size;       /* WINDOW_SIZE (codes in all, google-authenticator's 3 when absent) */
    bool rate_limit;            /* RATE_LIMIT present */
    unsigned rate_n, rate_s;    /* RATE_LIMIT N S: at most N logins in S seconds */
    bool disallow_reuse;        /* DISALLOW_REUSE present */
    int64_t last_used_step;     /* the newest step DISALLOW_REUSE lists, -1 none (in period units) */
    unsigned nscratch;
    char scratch[PT_GA_SCRATCH_MAX][PT_GA_SCRATCH_LEN + 1];
} pt_ga_file;

/* Parses a whole file. PT_OK, or PT_ERR_MALFORMED with why saying what is wrong (line numbers
 * from 1; never the secret or a scratch code). g is wiped on error; the caller wipes it after
 * use (pt_ga_wipe). A file that parses may still be unusable (hotp, !totp): the caller decides. */
int pt_ga_parse(const char *data, size_t len, pt_ga_file *g, char *why, size_t whysz);
void pt_ga_wipe(pt_ga_file *g);

/* google-authenticator's base32 decoding (above). Returns bytes written, or -1 for a character
 * outside the alphabet or a secret longer than outsz. */
int pt_ga_base32_decode(const char *s, size_t n, uint8_t *out, size_t outsz);

typedef enum {
    PT_OATH_TOTP = 0,    /* usable: HOTP/T30, HOTP/T30/6, HOTP/T30/8, HOTP/T60[/6|/8] */
    PT_OATH_REFUSED,     /* parsed, but cannot become a TOTP enrolment: why says so */
} pt_oath_kind;

typedef struct {
    unsigned line;                 /* 1-based */
    char user[256];
    pt_oath_kind kind;
    char why[PT_IMPORT_WHY];       /* for PT_OATH_REFUSED */
    unsigned digits, period;
    uint8_t secret[PT_SECRET_MAX];
    size_t secret_len;
} pt_oath_entry;

/* Calls fn for every token line of a users file, in order. A line that cannot be read as a token
 * at all (too few fields, bad user name) is reported with kind PT_OATH_REFUSED and user "" when
 * no user field could be read. fn returns 0 to go on, non-zero to stop (that value is returned).
 * The entry passed to fn is wiped after the call. Returns 0, fn's value, or PT_ERR_MALFORMED for
 * a NUL byte or a line over 4096 bytes (why says which line). */
typedef int (*pt_oath_fn)(void *ctx, const pt_oath_entry *e);
int pt_oath_parse(const char *data, size_t len, pt_oath_fn fn, void *ctx, char *why, size_t whysz);

#endif

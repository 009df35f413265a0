/* The otpauth:// Key URI understood by authenticator apps. */
#ifndef PT_URI_H
#define PT_URI_H

#include <stddef.h>
#include "totp.h"

/* Percent-encodes everything but RFC 3986 unreserved characters (UTF-8 bytes become %XX).
 * PT_OK or PT_ERR_TOOBIG. */
int pt_percent_encode(const char *in, char *out, size_t outsz);

/* otpauth://totp/ISSUER:LABEL?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer and label percent-encoded. Returns a malloc'd string (the caller wipes and frees
 * it: it holds the secret), or NULL when out of memory or an argument is invalid. */
char *pt_otpauth_uri(const char *issuer, const char *label, const char *secret_b32, pt_alg alg,
                     unsigned digits, unsigned period);

#endif

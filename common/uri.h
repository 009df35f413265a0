/* The otpauth:// Key URI understood by authenticator apps. */
#ifndef PT_URI_H
#define PT_URI_H

#include <stddef.h>
#include "totp.h"

/* Percent-encodes everything but RFC 3986 unreserved characters (UTF-8 bytes become %XX).
 * PT_OK or PT_ERR_TOOBIG. */
int pt_percent_encode(const char *in, char *out, size_t outsz);

/* otpauth://totp/ISSUER:LABEL?secret=B32&issuer=ISSUER[&algorithm=A][&digits=D][&period=P]
 * with issuer and label percent-encoded; algorithm, digits and period appear only where they
 * differ from the Key URI defaults (SHA1, 6, 30), so the QR code is as small as it can be. Returns a malloc'd string (the caller wipes and frees
 * it: it holds the secret), or NULL when out of memory or an argument is invalid. */
char *pt_otpauth_uri(const char *issuer, const char *label, const char *secret_b32, pt_alg alg,
                     unsigned digits, unsigned period);

/* When alg, digits or period differ from the Key URI defaults (SHA1, 6, 30), which some
 * authenticator apps assume whatever the URI says, writes into out one sentence (under 400
 * bytes: one PAM message) that names each such setting, says that some apps ignore it, and that
 * the confirmation code proves the app got it right; returns 1. Otherwise out is empty and the
 * result 0. The text is cut to outsz. */
int pt_uri_settings_note(pt_alg alg, unsigned digits, unsigned period, char *out, size_t outsz);

#endif

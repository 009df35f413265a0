/* The otpauth:// Key URI (the de facto format authenticator apps scan from a QR code). */
#include "uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_error.h"

/* Longest issuer or label we put in a URI, in bytes before encoding. */
#define PT_URI_TEXT_MAX 256
/* Longest base32 secret: PT_SECRET_MAX bytes encode to 103 symbols. */
#define PT_URI_SECRET_MAX 128

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

int pt_percent_encode(const char *in, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    if (in == NULL || out == NULL || outsz == 0)
        return PT_ERR_INVAL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        size_t need = unreserved(*p) ? 1 : 3;
        if (outsz - o < need + 1) {
            out[0] = '\0';
            return PT_ERR_TOOBIG;
        }
        if (need == 1) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 0x0f];
        }
    }
    out[o] = '\0';
    return PT_OK;
}

/* A base32 secret as we write it: upper-case symbols, no padding or separators. */
static int secret_ok(const char *s)
{
    size_t n = strnlen(s, PT_URI_SECRET_MAX + 1);
    if (n == 0 || n > PT_URI_SECRET_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return 0;
    }
    return 1;
}

static int text_ok(const char *s)
{
    size_t n = strnlen(s, PT_URI_TEXT_MAX + 1);
    return n > 0 && n <= PT_URI_TEXT_MAX;
}

char *pt_otpauth_uri(const char *issuer, const char *label, const char *secret_b32, pt_alg alg,
                     unsigned digits, unsigned period)
{
    if (issuer == NULL || label == NULL || secret_b32 == NULL || !text_ok(issuer) ||
        !text_ok(label) || !secret_ok(secret_b32) || (digits != 6 && digits != 8) ||
        period == 0 || pt_alg_secret_len(alg) == 0)
        return NULL;
    char enc_issuer[PT_URI_TEXT_MAX * 3 + 1];
    char enc_label[PT_URI_TEXT_MAX * 3 + 1];
    if (pt_percent_encode(issuer, enc_issuer, sizeof(enc_issuer)) != PT_OK ||
        pt_percent_encode(label, enc_label, sizeof(enc_label)) != PT_OK)
        return NULL;

    /* Parameters that only repeat the Key URI defaults (SHA1, 6 digits, 30 seconds) are left
     * out: every app assumes them, and a shorter URI needs a smaller QR code. */
    char extra[64] = "";
    size_t xl = 0;
    if (alg != PT_ALG_SHA1)
        xl += (size_t)snprintf(extra + xl, sizeof(extra) - xl, "&algorithm=%s",
                               pt_alg_uri_name(alg));
    if (digits != 6)
        xl += (size_t)snprintf(extra + xl, sizeof(extra) - xl, "&digits=%u", digits);
    if (period != 30)
        xl += (size_t)snprintf(extra + xl, sizeof(extra) - xl, "&period=%u", period);
    if (xl >= sizeof(extra))
        return NULL;
    static const char fmt[] = "otpauth://totp/%s:%s?secret=%s&issuer=%s%s";
    int len = snprintf(NULL, 0, fmt, enc_issuer, enc_label, secret_b32, enc_issuer, extra);
    if (len < 0)
        return NULL;
    char *uri = malloc((size_t)len + 1);
    if (uri == NULL)
        return NULL;
    if (snprintf(uri, (size_t)len + 1, fmt, enc_issuer, enc_label, secret_b32, enc_issuer,
                 extra) != len) {
        pt_wipe(uri, (size_t)len + 1);
        free(uri);
        return NULL;
    }
    return uri;
}

int pt_uri_settings_note(pt_alg alg, unsigned digits, unsigned period, char *out, size_t outsz)
{
    char item[3][48];
    size_t n = 0;
    if (out == NULL || outsz == 0)
        return 0;
    out[0] = '\0';
    if (alg != PT_ALG_SHA1)
        snprintf(item[n++], sizeof(item[0]), "algorithm %s (usual: SHA1)", pt_alg_uri_name(alg));
    if (digits != 6)
        snprintf(item[n++], sizeof(item[0]), "%u digits (usual: 6)", digits);
    if (period != 30)
        snprintf(item[n++], sizeof(item[0]), "period %u seconds (usual: 30)", period);
    if (n == 0)
        return 0;
    const char *sep1 = n == 1 ? "" : n == 2 ? " and " : ", ";
    const char *sep2 = n == 3 ? " and " : "";
    snprintf(out, outsz,
             "Note: this account uses %s%s%s%s%s. Some authenticator apps ignore %s and show codes "
             "that are not accepted; the code you confirm with proves that your app got %s right.",
             item[0], sep1, n > 1 ? item[1] : "", sep2, n > 2 ? item[2] : "",
             n == 1 ? "this setting" : "these settings", n == 1 ? "it" : "them");
    return 1;
}

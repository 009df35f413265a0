/* pam_oath users files (oath-toolkit's usersfile format), read for import (import.h). */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvline.h"
#include "pt_error.h"

#define OATH_LINE_MAX 4096

static void why_put(char *why, size_t whysz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_put(char *why, size_t whysz, const char *fmt, ...)
{
    if (why != NULL && whysz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whysz, fmt, ap);
        va_end(ap);
    }
}

static size_t next_field(const char **p, const char *end, const char **w)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    *w = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    return (size_t)(*p - *w);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* TYPE: HOTP/T<period>[/<digits>] is time-based; HOTP, HOTP/E[/<digits>] count events. */
static void parse_type(const char *w, size_t n, pt_oath_entry *e)
{
    char t[32];
    if (n >= sizeof t) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "unknown token type");
        return;
    }
    memcpy(t, w, n);
    t[n] = '\0';
    if (strcmp(t, "HOTP") == 0 || strncmp(t, "HOTP/E", 6) == 0) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "%s is counter-based (HOTP): pam_totp supports only "
                                       "time-based codes; enrol this user anew", t);
        return;
    }
    const char *p = t + 6, *slash;
    int64_t period = 0, digits = 6;
    if (strncmp(t, "HOTP/T", 6) != 0) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "unknown token type");
        return;
    }
    slash = strchr(p, '/');
    size_t plen = slash ? (size_t)(slash - p) : strlen(p);
    if (!pt_kv_parse_i64(p, plen, 1, 100000, &period) ||
        (slash && !pt_kv_parse_i64(slash + 1, strlen(slash + 1), 1, 10, &digits))) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "token type %s does not parse", t);
        return;
    }
    if (period != 30 && period != 60) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "time step of %lld s: only 30 and 60 are imported",
                (long long)period);
        return;
    }
    if (digits != 6 && digits != 8) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "%lld-digit codes: pam_totp supports 6 or 8",
                (long long)digits);
        return;
    }
    e->period = (unsigned)period;
    e->digits = (unsigned)digits;
}

static void parse_secret(const char *w, size_t n, pt_oath_entry *e)
{
    if (n == 0 || n % 2 != 0 || n / 2 > sizeof e->secret) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "the secret is not an even number of hex digits up to %d "
                                       "bytes", PT_SECRET_MAX);
        return;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(w[i]), lo = hexval(w[i + 1]);
        if (hi < 0 || lo < 0) {
            pt_wipe(e->secret, sizeof e->secret);
            e->kind = PT_OATH_REFUSED;
            why_put(e->why, sizeof e->why, "the secret is not hex");
            return;
        }
        e->secret[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    e->secret_len = n / 2;
    if (e->secret_len < PT_IMPORT_SECRET_MIN) {
        pt_wipe(e->secret, sizeof e->secret);
        e->secret_len = 0;
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "the secret has fewer than %d bytes", PT_IMPORT_SECRET_MIN);
    }
}

static void parse_token(const char *p, const char *end, pt_oath_entry *e)
{
    const char *type, *user, *pin, *secret;
    size_t ntype = next_field(&p, end, &type);
    size_t nuser = next_field(&p, end, &user);
    size_t npin = next_field(&p, end, &pin);
    size_t nsecret = next_field(&p, end, &secret);

    e->kind = PT_OATH_TOTP;
    if (nuser > 0 && nuser < sizeof e->user && memchr(user, '/', nuser) == NULL) {
        memcpy(e->user, user, nuser);
        e->user[nuser] = '\0';
    } else if (nuser > 0) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "the user name is too long or holds '/'");
        return;
    }
    if (nsecret == 0) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "fewer than 4 fields (TYPE USER PIN SECRET)");
        return;
    }
    parse_type(type, ntype, e);
    if (e->kind != PT_OATH_TOTP)
        return;
    /* "-": no PIN; "+": the PIN is someone else's business (another module). */
    if (!(npin == 1 && (pin[0] == '-' || pin[0] == '+'))) {
        e->kind = PT_OATH_REFUSED;
        why_put(e->why, sizeof e->why, "the line has a PIN: pam_totp asks for the code alone, "
                                       "after the password step; enrol this user anew");
        return;
    }
    parse_secret(secret, nsecret, e);
}

int pt_oath_parse(const char *data, size_t len, pt_oath_fn fn, void *ctx, char *why, size_t whysz)
{
    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (len > PT_OATH_MAX_SIZE) {
        why_put(why, whysz, "larger than %d bytes", PT_OATH_MAX_SIZE);
        return PT_ERR_MALFORMED;
    }
    if (memchr(data, '\0', len) != NULL) {
        why_put(why, whysz, "holds a NUL byte: not a users file");
        return PT_ERR_MALFORMED;
    }
    unsigned line = 0;
    const char *p = data, *end = data + len;
    pt_oath_entry e;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *next = nl ? nl + 1 : end;
        line++;
        if (n > OATH_LINE_MAX) {
            why_put(why, whysz, "line %u is longer than %d bytes", line, OATH_LINE_MAX);
            return PT_ERR_MALFORMED;
        }
        if (n > 0 && p[n - 1] == '\r')
            n--;
        const char *q = p;
        while (q < p + n && (*q == ' ' || *q == '\t'))
            q++;
        if (q == p + n || *q == '#') {
            p = next;
            continue;
        }
        memset(&e, 0, sizeof e);
        e.line = line;
        parse_token(q, p + n, &e);
        int r = fn(ctx, &e);
        pt_wipe(&e, sizeof e);
        if (r != 0)
            return r;
        p = next;
    }
    return 0;
}

/* ~/.google_authenticator, read as google-authenticator-libpam reads it (import.h). */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvline.h"
#include "pt_error.h"

#define GA_LINE_MAX 4096

static int why_set(char *why, size_t whysz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t whysz, const char *fmt, ...)
{
    if (why != NULL && whysz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whysz, fmt, ap);
        va_end(ap);
    }
    return PT_ERR_MALFORMED;
}

int pt_ga_base32_decode(const char *s, size_t n, uint8_t *out, size_t outsz)
{
    unsigned buffer = 0, bits = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '-')
            continue;
        /* google-authenticator's fixes for commonly mistyped characters. */
        if (ch == '0')
            ch = 'O';
        else if (ch == '1')
            ch = 'L';
        else if (ch == '8')
            ch = 'B';
        unsigned v;
        if (ch >= 'A' && ch <= 'Z')
            v = (unsigned)(ch - 'A');
        else if (ch >= 'a' && ch <= 'z')
            v = (unsigned)(ch - 'a');
        else if (ch >= '2' && ch <= '7')
            v = (unsigned)(ch - '2' + 26);
        else
            return -1;
        buffer = ((buffer << 5) | v) & 0xffffu;
        bits += 5;
        if (bits >= 8) {
            if (count == outsz)
                return -1;
            out[count++] = (uint8_t)(buffer >> (bits - 8));
            bits -= 8;
        }
    }
    buffer = 0;
    return (int)count;
}

/* The next whitespace-separated word of [*p, end): its start and length (0 at the end). */
static size_t next_word(const char **p, const char *end, const char **w)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    *w = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    return (size_t)(*p - *w);
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

static bool word_num(const char *w, size_t n, int64_t min, int64_t max, int64_t *out)
{
    return n > 0 && pt_kv_parse_i64(w, n, min, max, out);
}

/* One option line: `" KEY args...` (the quote already skipped). */
static int parse_option(const char *p, const char *end, unsigned line, pt_ga_file *g, char *why,
                        size_t whysz)
{
    const char *w;
    size_t n = next_word(&p, end, &w);
    int64_t x, y;
    if (word_is(w, n, "TOTP_AUTH")) {
        g->totp = true;
    } else if (word_is(w, n, "HOTP_COUNTER")) {
        g->hotp = true; /* refused by the caller, whatever the counter */
    } else if (word_is(w, n, "STEP_SIZE")) {
        n = next_word(&p, end, &w);
        if (!word_num(w, n, 1, 60, &x))
            return why_set(why, whysz, "line %u: STEP_SIZE must be 1 to 60 seconds", line);
        g->period = (unsigned)x;
    } else if (word_is(w, n, "WINDOW_SIZE")) {
        n = next_word(&p, end, &w);
        if (!word_num(w, n, 1, 100, &x))
            return why_set(why, whysz, "line %u: WINDOW_SIZE must be 1 to 100", line);
        g->window_size = (unsigned)x;
    } else if (word_is(w, n, "RATE_LIMIT")) {
        const char *w2;
        n = next_word(&p, end, &w);
        size_t n2 = next_word(&p, end, &w2);
        if (!word_num(w, n, 1, 100, &x) || !word_num(w2, n2, 1, 3600, &y))
            return why_set(why, whysz, "line %u: RATE_LIMIT must be N (1-100) and S (1-3600)",
                           line);
        g->rate_limit = true;
        g->rate_n = (unsigned)x;
        g->rate_s = (unsigned)y;
        /* The timestamps of recent logins that follow are google-authenticator's own. */
    } else if (word_is(w, n, "DISALLOW_REUSE")) {
        g->disallow_reuse = true;
        while ((n = next_word(&p, end, &w)) > 0) {
            if (!word_num(w, n, 0, INT64_MAX / 3600, &x))
                return why_set(why, whysz, "line %u: DISALLOW_REUSE lists something that is not "
                                           "a time step", line);
            if (x > g->last_used_step)
                g->last_used_step = x;
        }
    } else {
        /* Options a later google-authenticator may add change nothing we import. */
    }
    return PT_OK;
}

static bool scratch_shape(const char *p, size_t n)
{
    if (n != PT_GA_SCRATCH_LEN || p[0] < '1' || p[0] > '9')
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static int parse_line(const char *p, size_t n, unsigned line, pt_ga_file *g, char *why,
                      size_t whysz)
{
    if (line == 1) {
        int got = pt_ga_base32_decode(p, n, g->secret, sizeof g->secret);
        if (got < 0)
            return why_set(why, whysz, "line 1: the secret is not base32 or longer than %d bytes",
                           PT_SECRET_MAX);
        if (got < PT_IMPORT_SECRET_MIN)
            return why_set(why, whysz, "line 1: the secret has %d bytes, fewer than %d", got,
                           PT_IMPORT_SECRET_MIN);
        g->secret_len = (size_t)got;
        return PT_OK;
    }
    if (n >= 2 && p[0] == '"' && p[1] == ' ')
        return parse_option(p + 2, p + n, line, g, why, whysz);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return PT_OK;
    if (!scratch_shape(p, n))
        return why_set(why, whysz, "line %u: neither an option nor an 8-digit scratch code", line);
    if (g->nscratch == PT_GA_SCRATCH_MAX)
        return why_set(why, whysz, "more than %d scratch codes", PT_GA_SCRATCH_MAX);
    memcpy(g->scratch[g->nscratch], p, n);
    g->scratch[g->nscratch][n] = '\0';
    g->nscratch++;
    return PT_OK;
}

int pt_ga_parse(const char *data, size_t len, pt_ga_file *g, char *why, size_t whysz)
{
    memset(g, 0, sizeof *g);
    g->period = 30;
    g->window_size = 3;
    g->last_used_step = -1;
    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (len > PT_GA_MAX_SIZE)
        return why_set(why, whysz, "larger than %d bytes", PT_GA_MAX_SIZE);
    if (memchr(data, '\0', len) != NULL)
        return why_set(why, whysz, "holds a NUL byte: not a google-authenticator file");

    int rc = PT_OK;
    unsigned line = 0;
    const char *p = data, *end = data + len;
    while (rc == PT_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (n > GA_LINE_MAX)
            rc = why_set(why, whysz, "line %u is longer than %d bytes", line, GA_LINE_MAX);
        else
            rc = parse_line(p, n > 0 && p[n - 1] == '\r' ? n - 1 : n, line, g, why, whysz);
        p = nl ? nl + 1 : end;
    }
    if (rc == PT_OK && g->secret_len == 0)
        rc = why_set(why, whysz, "empty: no secret on line 1");
    if (rc != PT_OK)
        pt_ga_wipe(g);
    return rc;
}

void pt_ga_wipe(pt_ga_file *g)
{
    pt_wipe(g, sizeof *g);
}

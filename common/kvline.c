/* Strict "key = value" line reading for the files the core writes (kvline.h). */
#include "kvline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"

void pt_kv_init(pt_kv_reader *r, const char *data, size_t len, const char *path, size_t line_max)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->line = 0;
    r->path = path ? path : "(unnamed)";
    r->line_max = line_max;
}

int pt_kv_error(const char *path, unsigned line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        pt_log(LOG_ERR, "%s line %u: %s", path, line, msg);
    else
        pt_log(LOG_ERR, "%s: %s", path, msg);
    return PT_ERR_MALFORMED;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Checks the raw bytes of one line (without its newline). */
static int check_line(const pt_kv_reader *r, const char *s, size_t n)
{
    if (n > r->line_max)
        return pt_kv_error(r->path, r->line, "line longer than %zu bytes", r->line_max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0')
            return pt_kv_error(r->path, r->line, "NUL byte");
        if (c == '\r')
            return pt_kv_error(r->path, r->line, "carriage return (CRLF line ending); the file "
                                                 "was edited on another system");
        if ((c < 0x20 && c != '\t') || c >= 0x7f)
            return pt_kv_error(r->path, r->line, "unexpected byte 0x%02x", c);
    }
    return PT_OK;
}

/* Splits "key = value" (blanks optional around '='). */
static int split_line(const pt_kv_reader *r, const char *s, size_t n, pt_kv *kv)
{
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    size_t k0 = i;
    while (i < n && is_key_char(s[i]))
        i++;
    size_t k1 = i;
    while (i < n && is_blank(s[i]))
        i++;
    if (k1 == k0 || i >= n || s[i] != '=')
        return pt_kv_error(r->path, r->line, "expected \"key = value\"");
    i++;
    while (i < n && is_blank(s[i]))
        i++;
    size_t v1 = n;
    while (v1 > i && is_blank(s[v1 - 1]))
        v1--;
    kv->key = s + k0;
    kv->keylen = k1 - k0;
    kv->val = s + i;
    kv->vallen = v1 - i;
    kv->line = r->line;
    return PT_OK;
}

int pt_kv_next(pt_kv_reader *r, pt_kv *kv)
{
    while (r->pos < r->len) {
        const char *s = r->data + r->pos;
        size_t rest = r->len - r->pos;
        const char *nl = memchr(s, '\n', rest);
        size_t n = nl ? (size_t)(nl - s) : rest;
        r->line++;
        int rc = check_line(r, s, n);
        if (rc != PT_OK)
            return rc;
        if (!nl)
            return pt_kv_error(r->path, r->line, "truncated: the last line has no newline");
        r->pos += n + 1;
        size_t i = 0;
        while (i < n && is_blank(s[i]))
            i++;
        if (i == n || s[i] == '#')
            continue;
        rc = split_line(r, s, n, kv);
        return rc == PT_OK ? 1 : rc;
    }
    return 0;
}

bool pt_kv_key_is(const pt_kv *kv, const char *key)
{
    size_t n = strlen(key);
    return kv->keylen == n && memcmp(kv->key, key, n) == 0;
}

bool pt_kv_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
    bool neg = false;
    size_t i = 0;
    if (n > 0 && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= n || n - i > 19)
        return false;
    if (s[i] == '0' && n - i > 1)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits cannot overflow 64 bits */
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    int64_t x = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (neg && v == 0)
        return false; /* "-0" */
    if (x < min || x > max)
        return false;
    *out = x;
    return true;
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

bool pt_kv_parse_hex(const char *s, size_t n, uint8_t *out, size_t outlen)
{
    if (n != 2 * outlen)
        return false;
    for (size_t i = 0; i < outlen; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void pt_kv_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool pt_kv_put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *pos)
        return false;
    *pos += (size_t)n;
    return true;
}

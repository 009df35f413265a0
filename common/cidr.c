/* Numeric addresses and CIDR prefixes (cidr.h). inet_pton(3) does the address syntax: it never
 * resolves names, and for AF_INET it takes only four decimal octets (no "10.1", no octal). */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pt_error.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool pt_addr_is_v4(const pt_addr *a)
{
    return memcmp(a->a, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0;
}

static bool zone_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static bool zone_ok(const char *z, size_t n)
{
    if (n == 0 || n >= PT_ZONE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!zone_char(z[i]))
            return false;
    return true;
}

/* Parses text of n bytes (no zone) as IPv4 or IPv6 into a 16-byte mapped form. */
static bool parse_numeric(const char *s, size_t n, uint8_t out[16], bool *v4)
{
    char buf[PT_ADDR_TEXT_MAX + 1];
    if (n == 0 || n > PT_ADDR_TEXT_MAX)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        memcpy(out, v4_mapped_prefix, sizeof v4_mapped_prefix);
        memcpy(out + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    struct in6_addr a6;
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        memcpy(out, &a6, 16);
        *v4 = false;
        return true;
    }
    return false;
}

int pt_addr_parse(const char *s, pt_addr *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return PT_ERR_INVAL;
    size_t n = strnlen(s, PT_ADDR_TEXT_MAX + 1);
    if (n == 0 || n > PT_ADDR_TEXT_MAX)
        return PT_ERR_INVAL;
    const char *pct = memchr(s, '%', n);
    size_t alen = pct ? (size_t)(pct - s) : n;
    bool v4 = false;
    if (!parse_numeric(s, alen, out->a, &v4))
        goto bad;
    if (pct) {
        /* A scope only makes sense on IPv6 text (fe80::1%eth0), never on dotted IPv4. */
        size_t zlen = n - alen - 1;
        if (v4 || !zone_ok(pct + 1, zlen))
            goto bad;
        /* An IPv4-mapped address is the IPv4 address, which has no scope: with one it would
         * have no canonical text (pt_addr_format writes IPv4 as a.b.c.d). */
        if (pt_addr_is_v4(out))
            goto bad;
        memcpy(out->zone, pct + 1, zlen);
        out->zone[zlen] = '\0';
    }
    return PT_OK;
bad:
    memset(out, 0, sizeof *out);
    return PT_ERR_INVAL;
}

int pt_addr_format(const pt_addr *a, char *out, size_t outsz)
{
    char text[INET6_ADDRSTRLEN];
    if (outsz == 0)
        return PT_ERR_TOOBIG;
    out[0] = '\0';
    const char *r = pt_addr_is_v4(a) ? inet_ntop(AF_INET, a->a + 12, text, sizeof text)
                                     : inet_ntop(AF_INET6, a->a, text, sizeof text);
    if (r == NULL)
        return PT_ERR_INVAL;
    int len = snprintf(out, outsz, "%s%s%s", text, a->zone[0] ? "%" : "", a->zone);
    if (len < 0 || (size_t)len >= outsz) {
        out[0] = '\0';
        return PT_ERR_TOOBIG;
    }
    return PT_OK;
}

bool pt_addr_equal(const pt_addr *x, const pt_addr *y)
{
    return memcmp(x->a, y->a, sizeof x->a) == 0 && strcmp(x->zone, y->zone) == 0;
}

/* Decimal 0..max, no sign, no leading zeros (but "0"). */
static bool parse_len(const char *s, size_t n, unsigned max, unsigned *out)
{
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static void clear_host_bits(uint8_t a[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits > 8 * i ? bits - 8 * i : 0;
        if (keep >= 8)
            continue;
        a[i] &= (uint8_t)(0xff00u >> keep);
    }
}

int pt_cidr_parse(const char *s, pt_cidr *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    memset(out, 0, sizeof *out);
    if (s == NULL || *s == '\0') {
        *why = "empty network";
        return PT_ERR_INVAL;
    }
    size_t n = strnlen(s, PT_ADDR_TEXT_MAX + 5);
    if (n > PT_ADDR_TEXT_MAX + 4) {
        *why = "too long to be a network";
        return PT_ERR_INVAL;
    }
    if (memchr(s, '%', n)) {
        *why = "a zone (%interface) is not allowed in a network; write the prefix alone "
               "(fe80::/10)";
        return PT_ERR_INVAL;
    }
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    bool v4 = false;
    if (!parse_numeric(s, alen, out->a, &v4)) {
        *why = "not a numeric IPv4 or IPv6 address (names are not allowed: no DNS is used)";
        return PT_ERR_INVAL;
    }
    unsigned len = v4 ? 32 : 128;
    if (slash && !parse_len(slash + 1, n - alen - 1, v4 ? 32 : 128, &len)) {
        *why = v4 ? "the prefix length after / must be a number from 0 to 32 for IPv4"
                  : "the prefix length after / must be a number from 0 to 128 for IPv6";
        memset(out, 0, sizeof *out);
        return PT_ERR_INVAL;
    }
    out->bits = v4 ? 96 + len : len;
    clear_host_bits(out->a, out->bits);
    return PT_OK;
}

bool pt_cidr_contains(const pt_cidr *c, const pt_addr *a)
{
    if (c->bits > 128)
        return false;
    uint8_t masked[16];
    memcpy(masked, a->a, sizeof masked);
    clear_host_bits(masked, c->bits);
    return memcmp(masked, c->a, sizeof masked) == 0;
}

static bool list_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

/* Calls fn for every item of the list; stops when fn returns false. */
typedef bool (*item_fn)(const char *item, void *arg);

static void each_item(const char *list, item_fn fn, void *arg)
{
    char item[PT_ADDR_TEXT_MAX + 8];
    const char *p = list;
    while (p && *p) {
        while (list_sep(*p))
            p++;
        if (*p == '\0')
            break;
        size_t n = 0;
        while (p[n] && !list_sep(p[n]))
            n++;
        if (n >= sizeof item) {
            /* Too long to be a network: hand on a marker the parser refuses. */
            snprintf(item, sizeof item, "%.*s...", (int)(sizeof item - 4), p);
        } else {
            memcpy(item, p, n);
            item[n] = '\0';
        }
        if (!fn(item, arg))
            return;
        p += n;
    }
}

typedef struct {
    char *msg;
    size_t msgsz;
    bool bad;
} check_arg;

static bool check_item(const char *item, void *arg)
{
    check_arg *c = arg;
    pt_cidr cidr;
    const char *why = NULL;
    if (pt_cidr_parse(item, &cidr, &why) == PT_OK)
        return true;
    c->bad = true;
    if (c->msg && c->msgsz)
        snprintf(c->msg, c->msgsz, "\"%.48s\": %s", item, why ? why : "not a network");
    return false;
}

int pt_cidr_list_check(const char *list, char *msg, size_t msgsz)
{
    check_arg c = {msg, msgsz, false};
    if (msg && msgsz)
        msg[0] = '\0';
    if (list == NULL)
        return PT_OK;
    each_item(list, check_item, &c);
    return c.bad ? PT_ERR_INVAL : PT_OK;
}

typedef struct {
    const pt_addr *addr;
    bool hit;
} match_arg;

static bool match_item(const char *item, void *arg)
{
    match_arg *m = arg;
    pt_cidr cidr;
    if (pt_cidr_parse(item, &cidr, NULL) == PT_OK && pt_cidr_contains(&cidr, m->addr)) {
        m->hit = true;
        return false;
    }
    return true;
}

bool pt_cidr_list_match(const char *list, const pt_addr *a)
{
    match_arg m = {a, false};
    if (list == NULL || a == NULL)
        return false;
    each_item(list, match_item, &m);
    return m.hit;
}

bool pt_rhost_trusted(const char *list, const char *rhost)
{
    pt_addr a;
    if (list == NULL || list[0] == '\0' || pt_addr_parse(rhost, &a) != PT_OK)
        return false;
    return pt_cidr_list_match(list, &a);
}

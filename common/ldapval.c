/* Values for the ldap store (ldapval.h). */
#include "ldapval.h"

#include <string.h>

#include "pt_error.h"

static bool must_escape(char c)
{
    return strchr("\"+,;<>\\=", c) != NULL;
}

int pt_ldap_user_dn(const char *name, size_t namelen, const char *base, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    if (!name || !base || namelen == 0 || base[0] == '\0' || memchr(name, '\0', namelen))
        return PT_ERR_INVAL;
    size_t pos = 0;
#define PUT(ch)                                                                                \
    do {                                                                                       \
        if (pos + 1 >= outsz)                                                                  \
            return PT_ERR_TOOBIG;                                                              \
        out[pos++] = (ch);                                                                     \
    } while (0)
    PUT('u'); PUT('i'); PUT('d'); PUT('=');
    for (size_t i = 0; i < namelen; i++) {
        unsigned char c = (unsigned char)name[i];
        bool edge = (i == 0 && (c == ' ' || c == '#')) || (i == namelen - 1 && c == ' ');
        if (c < 0x20 || c == 0x7f) {
            PUT('\\');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            if (edge || must_escape((char)c))
                PUT('\\');
            PUT((char)c);
        }
    }
    PUT(',');
    for (const char *b = base; *b; b++)
        PUT(*b);
#undef PUT
    out[pos] = '\0';
    return PT_OK;
}

bool pt_ldap_name_ok(const char *val, size_t n)
{
    if (!val || n == 0 || n > 255)
        return false;
    if ((n == 1 && val[0] == '.') || (n == 2 && val[0] == '.' && val[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)val[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' || c == ',')
            return false;
    }
    return true;
}

/* One URI's host part is loopback. */
static bool host_loopback(const char *h, size_t n)
{
    static const char *const names[] = { "127.", "[::1]", "localhost" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t l = strlen(names[i]);
        if (strcmp(names[i], "127.") == 0) {
            if (n > l && memcmp(h, names[i], l) == 0 && strspn(h, "0123456789.") >= n)
                return true;
        } else if (n == l && memcmp(h, names[i], l) == 0) {
            return true;
        }
    }
    return false;
}

bool pt_ldap_uris_loopback(const char *uris)
{
    const char *p = uris;
    bool any = false;
    while (*p) {
        p += strspn(p, " \t");
        if (*p == '\0')
            break;
        size_t len = strcspn(p, " \t");
        const char *s = memchr(p, '/', len); /* "ldap://" */
        if (!s || (size_t)(s - p) + 2 > len || s[1] != '/')
            return false;
        const char *h = s + 2, *end = p + len;
        size_t hl;
        if (h < end && *h == '[') {
            const char *rb = memchr(h, ']', (size_t)(end - h));
            if (!rb)
                return false;
            hl = (size_t)(rb - h) + 1;
        } else {
            hl = strcspn(h, ":/");
            if (hl > (size_t)(end - h))
                hl = (size_t)(end - h);
        }
        if (!host_loopback(h, hl))
            return false;
        any = true;
        p += len;
    }
    return any;
}

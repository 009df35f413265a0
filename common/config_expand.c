/* Template expansion (%u, %h, %H, %%), name lists and the issuer shown to the user. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pt_error.h"

#define PT_HOST_MAX 256

static void host_name(char *out, size_t outsz)
{
    if (gethostname(out, outsz) != 0 || out[0] == '\0')
        snprintf(out, outsz, "%s", "localhost");
    out[outsz - 1] = '\0';
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

/* A name stands for one path component: no '/', not "." or "..", not empty. */
static bool name_ok(const char *s)
{
    return s && s[0] != '\0' && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
           !has_control(s);
}

static bool append(char *out, size_t outsz, size_t *pos, const char *s, size_t n)
{
    if (n >= outsz - *pos)
        return false;
    memcpy(out + *pos, s, n);
    *pos += n;
    out[*pos] = '\0';
    return true;
}

int pt_expand(const char *tmpl, const char *user, const char *home, char *out, size_t outsz)
{
    char host[PT_HOST_MAX];
    size_t pos = 0;

    if (!tmpl || !out || outsz == 0)
        return PT_ERR_INVAL;
    out[0] = '\0';
    host[0] = '\0';
    /* A hostile user name is refused whether or not this template uses it. */
    if (user && !name_ok(user))
        return PT_ERR_INVAL;
    for (const char *p = tmpl; *p; p++) {
        const char *s = p;
        size_t n = 1;
        if (*p == '%') {
            p++;
            switch (*p) {
            case 'u':
                if (!user)
                    goto inval;
                s = user;
                break;
            case 'h':
                /* A home that is not absolute would make the path relative to the cwd. */
                if (!home || home[0] != '/' || has_control(home))
                    goto inval;
                s = home;
                break;
            case 'H':
                if (host[0] == '\0')
                    host_name(host, sizeof host);
                if (!name_ok(host))
                    goto inval;
                s = host;
                break;
            case '%':
                s = "%";
                break;
            default:
                goto inval;
            }
            n = strlen(s);
        }
        if (!append(out, outsz, &pos, s, n)) {
            out[0] = '\0';
            return PT_ERR_TOOBIG;
        }
    }
    return PT_OK;
inval:
    out[0] = '\0';
    return PT_ERR_INVAL;
}

void pt_options_issuer(const pt_options *o, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return;
    if (o && o->issuer[0] != '\0')
        snprintf(out, outsz, "%s", o->issuer);
    else
        host_name(out, outsz);
}

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool pt_list_contains(const char *list, const char *name)
{
    size_t nlen;

    if (!list || !name || name[0] == '\0')
        return false;
    nlen = strlen(name);
    for (const char *p = list; *p;) {
        while (*p && is_sep(*p))
            p++;
        const char *start = p;
        while (*p && !is_sep(*p))
            p++;
        if ((size_t)(p - start) == nlen && memcmp(start, name, nlen) == 0)
            return true;
    }
    return false;
}

/* Audit event lines "event=NAME user=U key=value ..." (DESIGN section 7). Values that are not
 * plainly safe are quoted and escaped, so no user name or other value can add a field or a line.
 * When the line does not fit, it is cut between escape units and ends with " truncated=1". */
#include "audit.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define TRUNC_MARK " truncated=1"

typedef struct {
    char *out;
    size_t len;
    size_t limit; /* content may grow to this many bytes (a NUL and the mark fit after it) */
    bool cut;
} writer;

/* Appends n bytes as one unit, or nothing when they do not fit. */
static bool put(writer *w, const char *s, size_t n)
{
    if (w->cut || n > w->limit - w->len) {
        w->cut = true;
        return false;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    return true;
}

static bool bare_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("._:/@+-", c) != NULL;
}

static bool bare_value(const char *v)
{
    if (*v == '\0')
        return false;
    for (; *v; v++)
        if (!bare_char((unsigned char)*v))
            return false;
    return true;
}

/* The escaped form of one byte inside quotes, into unit (at most 4 bytes + NUL). */
static size_t escape_unit(unsigned char c, char unit[5])
{
    if (c == '"' || c == '\\') {
        unit[0] = '\\';
        unit[1] = (char)c;
        return 2;
    }
    if (c < 0x20 || c >= 0x7f) {
        snprintf(unit, 5, "\\x%02x", c);
        return 4;
    }
    unit[0] = (char)c;
    return 1;
}

/* " key=value" (no leading space for the first field). A value that does not fit whole is
 * quoted and cut at a unit boundary, keeping the closing quote; then nothing more is written. */
static void put_field(writer *w, const char *key, const char *val, bool first)
{
    size_t start = w->len;
    char unit[5];

    if (w->cut)
        return;
    if ((!first && !put(w, " ", 1)) || !put(w, key, strlen(key)) || !put(w, "=", 1)) {
        w->len = start;
        return;
    }
    if (bare_value(val) && put(w, val, strlen(val)))
        return;
    w->cut = false;
    /* Quoted: keep one byte for the closing quote while writing the inside. */
    if (w->limit - w->len < 2) {
        w->len = start;
        w->cut = true;
        return;
    }
    w->limit--;
    put(w, "\"", 1);
    for (const char *p = val; *p; p++) {
        size_t n = escape_unit((unsigned char)*p, unit);
        if (!put(w, unit, n))
            break;
    }
    w->limit++;
    w->out[w->len++] = '"';
}

/* Keys come from our own code; anything but [a-z0-9_] is dropped rather than trusted. */
static bool key_ok(const char *k)
{
    if (*k == '\0')
        return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
            return false;
    return true;
}

/* One pass: every field, with the content limited to limit bytes. */
static writer format_fields(char *out, size_t limit, const char *event, const char *user,
                            va_list ap)
{
    writer w = {.out = out, .limit = limit};
    const char *key, *val;

    put_field(&w, "event", event ? event : "", true);
    put_field(&w, "user", user ? user : "", false);
    while ((key = va_arg(ap, const char *)) != NULL) {
        val = va_arg(ap, const char *);
        if (!val || !key_ok(key))
            continue;
        put_field(&w, key, val, false);
    }
    return w;
}

static size_t vformat(char *out, size_t outsz, const char *event, const char *user, va_list ap)
{
    const size_t mlen = sizeof TRUNC_MARK - 1;
    va_list again;
    writer w;

    if (!out || outsz == 0)
        return 0;
    /* First try the whole buffer; only a line that does not fit gives up room for the mark. */
    va_copy(again, ap);
    w = format_fields(out, outsz - 1, event, user, ap);
    if (w.cut && outsz - 1 > mlen)
        w = format_fields(out, outsz - 1 - mlen, event, user, again);
    va_end(again);
    if (w.cut) {
        /* No leading space when not even the event fitted. */
        const char *mark = w.len ? TRUNC_MARK : &TRUNC_MARK[1];
        size_t n = strlen(mark);
        if (outsz - 1 - w.len >= n) {
            memcpy(out + w.len, mark, n);
            w.len += n;
        }
    }
    out[w.len] = '\0';
    return w.len;
}

const char *pt_audit_value(char *out, size_t outsz, const char *value)
{
    if (!out || outsz == 0)
        return "";
    out[0] = '\0';
    if (!value)
        value = "";
    if (bare_value(value) && strlen(value) < outsz) {
        memcpy(out, value, strlen(value) + 1);
        return out;
    }
    if (outsz < 3)
        return out;
    size_t len = 0;
    char unit[5];
    out[len++] = '"';
    for (const char *p = value; *p; p++) {
        size_t n = escape_unit((unsigned char)*p, unit);
        if (len + n + 2 > outsz) /* room for the closing quote and the NUL */
            break;
        memcpy(out + len, unit, n);
        len += n;
    }
    out[len++] = '"';
    out[len] = '\0';
    return out;
}

size_t pt_audit_format(char *out, size_t outsz, const char *event, const char *user, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, user);
    n = vformat(out, outsz, event, user, ap);
    va_end(ap);
    return n;
}

void pt_audit(int priority, const char *event, const char *user, ...)
{
    char line[PT_AUDIT_MAX];
    va_list ap;

    va_start(ap, user);
    vformat(line, sizeof line, event, user, ap);
    va_end(ap);
    pt_log_audit(priority, line);
}

/* A plausible login name: what useradd accepts by default, a trailing '$' for machine accounts. */
static bool name_looks_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= sizeof(((pt_actor *)0)->admin) || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '$' && i == n - 1)
            continue;
        if (!(bare_char(c) && c != ':' && c != '/' && c != '+'))
            return false;
    }
    return true;
}

static void read_loginuid(char *out, size_t outsz)
{
    char buf[16];
    ssize_t n;
    int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    snprintf(out, outsz, "-");
    if (fd < 0)
        return;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char *end = NULL;
    unsigned long v = strtoul(buf, &end, 10);
    if (end == buf || (*end != '\0' && *end != '\n') || buf[0] < '0' || buf[0] > '9' ||
        v >= 4294967295UL)
        return;
    snprintf(out, outsz, "%lu", v);
}

void pt_actor_get(pt_actor *a)
{
    const char *sudo_user = getenv("SUDO_USER");
    uid_t uid = getuid();

    if (!a)
        return;
    memset(a, 0, sizeof *a);
    snprintf(a->uid, sizeof a->uid, "%u", (unsigned)uid);
    read_loginuid(a->loginuid, sizeof a->loginuid);
    if (sudo_user && name_looks_valid(sudo_user)) {
        snprintf(a->admin, sizeof a->admin, "%s", sudo_user);
        return;
    }
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name)
        snprintf(a->admin, sizeof a->admin, "%s", res->pw_name);
    else
        snprintf(a->admin, sizeof a->admin, "%s", a->uid);
}

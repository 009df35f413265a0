/* Audit lines: field layout, escaping that no value can break out of, truncation that never
 * splits an escape, the sentinel-terminated pairs, delivery through the sink, the acting admin. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "log.h"

static bool bare_char(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("._:/@+-", c));
}

/* Checks the grammar: fields "key=bare" or key="escaped" separated by single spaces. */
static bool well_formed(const char *s)
{
    if (*s == '\0')
        return true;
    for (;;) {
        const char *k = s;
        while (islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_')
            s++;
        if (s == k || *s++ != '=')
            return false;
        if (*s == '"') {
            for (s++; *s != '"'; s++) {
                if (*s == '\0' || (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
                    return false;
                if (*s != '\\')
                    continue;
                s++;
                if (*s == 'x' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]))
                    s += 2;
                else if (*s != '"' && *s != '\\')
                    return false;
            }
            s++;
        } else {
            const char *v = s;
            while (bare_char(*s))
                s++;
            if (s == v)
                return false;
        }
        if (*s == '\0')
            return true;
        if (*s++ != ' ')
            return false;
    }
}

static size_t count_fields(const char *s, const char *key)
{
    size_t n = 0, klen = strlen(key);
    bool inq = false;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && inq) {
            p++;
            continue;
        }
        if (*p == '"')
            inq = !inq;
        if (!inq && (p == s || p[-1] == ' ') && strncmp(p, key, klen) == 0 && p[klen] == '=')
            n++;
    }
    return n;
}

static void test_basic(void **state)
{
    char buf[PT_AUDIT_MAX];
    (void)state;
    size_t n = pt_audit_format(buf, sizeof buf, "login_ok", "alice", "method", "totp",
                               "codes_left", "9", NULL);
    assert_string_equal(buf, "event=login_ok user=alice method=totp codes_left=9");
    assert_int_equal(n, strlen(buf));
    pt_audit_format(buf, sizeof buf, "reset", "bob", NULL);
    assert_string_equal(buf, "event=reset user=bob");
    pt_audit_format(buf, sizeof buf, "x", "a.b_c-d@e:f/g+h", "path", "/var/lib/pam_totp/a", NULL);
    assert_string_equal(buf, "event=x user=a.b_c-d@e:f/g+h path=/var/lib/pam_totp/a");
    assert_true(well_formed(buf));
}

static void test_bare_and_quoted(void **state)
{
    char buf[PT_AUDIT_MAX];
    (void)state;
    /* Every bare character stays bare. */
    pt_audit_format(buf, sizeof buf, "x", "A-z.0_9:/@+", NULL);
    assert_string_equal(buf, "event=x user=A-z.0_9:/@+");
    /* A space forces quotes, so "bob event=x" is one value, not a second event field. */
    pt_audit_format(buf, sizeof buf, "login_failed", "bob event=x", "reason", "bad code", NULL);
    assert_string_equal(buf, "event=login_failed user=\"bob event=x\" reason=\"bad code\"");
    assert_int_equal(count_fields(buf, "event"), 1);
    assert_true(well_formed(buf));
}

static void test_escaping(void **state)
{
    char buf[PT_AUDIT_MAX];
    (void)state;
    pt_audit_format(buf, sizeof buf, "x", "bob\nevent=forged user=root", NULL);
    assert_string_equal(buf, "event=x user=\"bob\\x0aevent=forged user=root\"");
    assert_null(strchr(buf, '\n'));
    assert_int_equal(count_fields(buf, "event"), 1);
    assert_int_equal(count_fields(buf, "user"), 1);

    pt_audit_format(buf, sizeof buf, "x", "a\"b\\c", NULL);
    assert_string_equal(buf, "event=x user=\"a\\\"b\\\\c\"");
    pt_audit_format(buf, sizeof buf, "x", "\x01\r\t\x7f", NULL);
    assert_string_equal(buf, "event=x user=\"\\x01\\x0d\\x09\\x7f\"");
    pt_audit_format(buf, sizeof buf, "x", "jos\xc3\xa9", NULL);
    assert_string_equal(buf, "event=x user=\"jos\\xc3\\xa9\"");
    /* A value that tries to close its own quotes. */
    pt_audit_format(buf, sizeof buf, "x", "u\" admin=\"root", NULL);
    assert_string_equal(buf, "event=x user=\"u\\\" admin=\\\"root\"");
    assert_int_equal(count_fields(buf, "admin"), 0);
    /* Empty and NULL values. */
    pt_audit_format(buf, sizeof buf, "x", "", "k", "", NULL);
    assert_string_equal(buf, "event=x user=\"\" k=\"\"");
    pt_audit_format(buf, sizeof buf, "x", NULL, NULL);
    assert_string_equal(buf, "event=x user=\"\"");
    assert_true(well_formed(buf));
}

/* A value for a diagnostic: bare when safe, else quoted and escaped, and cut inside the quotes. */
static void test_value(void **state)
{
    char out[64];
    (void)state;
    assert_string_equal(pt_audit_value(out, sizeof out, "alice"), "alice");
    assert_string_equal(pt_audit_value(out, sizeof out, "x\" event=login_ok user=root z=\""),
                        "\"x\\\" event=login_ok user=root z=\\\"\"");
    assert_string_equal(pt_audit_value(out, sizeof out, "a\nb"), "\"a\\x0ab\"");
    assert_string_equal(pt_audit_value(out, sizeof out, ""), "\"\"");
    char small[8];
    assert_string_equal(pt_audit_value(small, sizeof small, "a b c d e"), "\"a b c\"");
    assert_string_equal(pt_audit_value(small, sizeof small, "\x01\x02"), "\"\\x01\"");
}

static void test_pairs_and_sentinel(void **state)
{
    char buf[PT_AUDIT_MAX];
    (void)state;
    /* A NULL value skips its pair; the pairs after it still come. */
    pt_audit_format(buf, sizeof buf, "login_failed", "alice", "reason", NULL, "method", "totp",
                    "admin", NULL, "uid", "0", NULL);
    assert_string_equal(buf, "event=login_failed user=alice method=totp uid=0");
    /* A key that is not [a-z0-9_] is dropped, not trusted. */
    pt_audit_format(buf, sizeof buf, "x", "alice", "bad key", "v", "ok", "1", "", "v", NULL);
    assert_string_equal(buf, "event=x user=alice ok=1");
}

static void test_truncation(void **state)
{
    char full[PT_AUDIT_MAX], buf[PT_AUDIT_MAX];
    const char *user = "m\xc3\xa9" "chant \"user\"\nevent=forged";
    (void)state;
    size_t fulllen = pt_audit_format(full, sizeof full, "login_failed", user, "reason",
                                     "bad_code", "service", "sshd", NULL);
    assert_true(well_formed(full));
    /* Every buffer size: bounded, NUL-terminated, well formed, marked when cut. */
    for (size_t sz = 1; sz <= fulllen + 2; sz++) {
        memset(buf, 'Z', sizeof buf);
        size_t n = pt_audit_format(buf, sz, "login_failed", user, "reason", "bad_code", "service",
                                   "sshd", NULL);
        assert_true(n < sz);
        assert_int_equal(strlen(buf), n);
        assert_int_equal(buf[sz], 'Z'); /* nothing written past the buffer */
        if (!well_formed(buf))
            fail_msg("size %zu: malformed \"%s\"", sz, buf);
        if (sz > fulllen) {
            assert_string_equal(buf, full);
        } else if (sz > 48) {
            /* Room for the mark and at least the event: cut lines say so. */
            if (!strstr(buf, " truncated=1"))
                fail_msg("size %zu: no truncation mark in \"%s\"", sz, buf);
            assert_int_equal(strncmp(buf, "event=login_failed user=\"m\\xc3\\xa9", 34), 0);
        }
    }
    memset(buf, 'Z', sizeof buf);
    pt_audit_format(buf, 0, "x", "y", NULL); /* a zero size writes nothing */
    assert_int_equal(buf[0], 'Z');
}

static void test_truncation_long_user(void **state)
{
    char user[300], buf[PT_AUDIT_MAX];
    (void)state;
    memset(user, 0x01, sizeof user - 1);
    user[sizeof user - 1] = '\0';
    /* 299 control bytes escape to 1196 characters: more than a whole audit line. */
    size_t n = pt_audit_format(buf, sizeof buf, "reset", user, "admin", "root", NULL);
    assert_true(n < sizeof buf);
    assert_true(well_formed(buf));
    assert_non_null(strstr(buf, "\" truncated=1"));
    assert_null(strstr(buf, "admin="));
}

/* ---- delivery ---- */

static char got[PT_AUDIT_MAX + 64];
static int got_kind = -1, got_prio = -1, got_n;

static void capture(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    got_kind = (int)kind;
    got_prio = priority;
    got_n++;
    snprintf(got, sizeof got, "%s", msg);
}

static void test_pt_audit_sink(void **state)
{
    (void)state;
    pt_log_set_sink(capture, NULL);
    got_n = 0;
    pt_audit(LOG_ALERT, "reset", "bob", "admin", "alice", NULL);
    assert_int_equal(got_n, 1);
    assert_int_equal(got_kind, PT_LOG_AUDIT);
    assert_int_equal(got_prio, LOG_ALERT);
    assert_string_equal(got, "event=reset user=bob admin=alice");
    pt_audit(LOG_NOTICE, "grace_login", "x y", NULL);
    assert_int_equal(got_prio, LOG_NOTICE);
    assert_string_equal(got, "event=grace_login user=\"x y\"");
    /* Diagnostics are a different kind, and debug ones are dropped unless asked for. */
    pt_log(LOG_ERR, "%s", "a diagnostic");
    assert_int_equal(got_kind, PT_LOG_DIAG);
    got_n = 0;
    pt_log(LOG_DEBUG, "hidden");
    assert_int_equal(got_n, 0);
    pt_log_set_debug(1);
    pt_log(LOG_DEBUG, "shown");
    assert_int_equal(got_n, 1);
    pt_log_set_debug(0);
    /* A control byte in a diagnostic argument cannot start a new line. */
    pt_log(LOG_ERR, "file %s", "a\nforged");
    assert_string_equal(got, "file a?forged");
    pt_log_fn fn = NULL;
    void *ctx = &fn;
    pt_log_get_sink(&fn, &ctx);
    assert_ptr_equal(fn, capture);
    assert_null(ctx);
    pt_log_set_sink(NULL, NULL);
}

/* ---- the acting admin ---- */

static void expected_loginuid(char *out, size_t outsz)
{
    FILE *f = fopen("/proc/self/loginuid", "r");
    unsigned long v = 4294967295UL;
    if (f) {
        if (fscanf(f, "%lu", &v) != 1)
            v = 4294967295UL;
        fclose(f);
    }
    if (v == 4294967295UL)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%lu", v);
}

static void test_actor(void **state)
{
    pt_actor a;
    char uid[16], luid[16], me[256];
    (void)state;
    snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
    expected_loginuid(luid, sizeof luid);
    struct passwd *pw = getpwuid(getuid());
    snprintf(me, sizeof me, "%s", pw ? pw->pw_name : uid);

    unsetenv("SUDO_USER");
    pt_actor_get(&a);
    assert_string_equal(a.admin, me);
    assert_string_equal(a.uid, uid);
    assert_string_equal(a.loginuid, luid);

    setenv("SUDO_USER", "carol", 1);
    pt_actor_get(&a);
    assert_string_equal(a.admin, "carol");
    assert_string_equal(a.uid, uid);

    static const char *const odd[] = {"", "bad name", "x\ny", "-rf", "a\"b", "a/b"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        setenv("SUDO_USER", odd[i], 1);
        pt_actor_get(&a);
        assert_string_equal(a.admin, me);
    }
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    setenv("SUDO_USER", longname, 1);
    pt_actor_get(&a);
    assert_string_equal(a.admin, me);
    setenv("SUDO_USER", "host$", 1);
    pt_actor_get(&a);
    assert_string_equal(a.admin, "host$");
    unsetenv("SUDO_USER");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_bare_and_quoted),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_pairs_and_sentinel),
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_truncation_long_user),
        cmocka_unit_test(test_pt_audit_sink),
        cmocka_unit_test(test_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

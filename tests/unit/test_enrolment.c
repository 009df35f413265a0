/* The enrolment file: format/parse round trip; every kind of malformed input rejected whole,
 * with the line named and the enrolment wiped, in version 1 (one authenticator, as earlier
 * releases write it) and version 2 (several devices: cap, duplicate and hostile names, keys out
 * of place); load/store/remove in system mode (root-owned) and home mode (acting as the user),
 * with unsafe files refused. The file tests need root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/fsuid.h>

#include <cmocka.h>

#include "config.h"
#include "enrolment.h"
#include "pt_error.h"
#include "pt_testfs.h"

#define NOBODY 65534

static pt_enrolment sample;
static char *text; /* sample, formatted as version 1 (the line-by-line tests edit it) */
static size_t textlen;
static char *text2; /* sample, formatted as version 2 (what this release writes) */
static size_t text2len;

static void make_sample(pt_enrolment *e)
{
    pt_options o;
    pt_options_defaults(&o);
    assert_int_equal(pt_enrolment_new(&o, 1700000000, e), PT_OK);
    pt_enrolment_activate(e);
    /* As a version-1 file is read: the device's id is the enrolment's. */
    memcpy(e->dev[0].id, e->id, sizeof e->id);
    e->backup.count = 3;
    for (unsigned i = 0; i < 3; i++)
        memset(e->backup.hash[i], 0x11 * (int)(i + 1), PT_BACKUP_HASH_LEN);
}

/* The version-1 layout, exactly as releases before devices wrote it (common/enrolment.c at
 * the time; tests/integration/fixtures/enrolment-v1 is one such file). */
static char *format_v1(const pt_enrolment *e, size_t *len)
{
    char b32[2 * PT_SECRET_MAX], salt[2 * PT_BACKUP_SALT_LEN + 1];
    assert_int_equal(pt_device_secret_b32(&e->dev[0], b32, sizeof b32), PT_OK);
    for (unsigned i = 0; i < PT_BACKUP_SALT_LEN; i++)
        sprintf(salt + 2 * i, "%02x", e->backup.salt[i]);
    char *out = malloc(8192);
    int n = sprintf(out,
                    "# pam_totp enrolment: written by pam-totp; do not edit\n"
                    "version = 1\nid = %s\nstatus = %s\ncreated = %lld\nexpires = %lld\n"
                    "algorithm = %s\ndigits = %u\nperiod = %u\nsecret = %s\n"
                    "backup_kdf = argon2id m=%u t=%u p=%u\nbackup_salt = %s\n"
                    "confirmed_step = %lld\n",
                    e->id, e->status == PT_ENROL_ACTIVE ? "active" : "pending",
                    (long long)e->created, (long long)e->expires, pt_alg_name(e->dev[0].alg),
                    e->dev[0].digits, e->dev[0].period, b32, e->backup.kdf.m_kib,
                    e->backup.kdf.t, e->backup.kdf.p, salt, (long long)e->dev[0].confirmed_step);
    for (unsigned i = 0; i < e->backup.count; i++) {
        n += sprintf(out + n, "backup = ");
        for (unsigned j = 0; j < PT_BACKUP_HASH_LEN; j++)
            n += sprintf(out + n, "%02x", e->backup.hash[i][j]);
        n += sprintf(out + n, "\n");
    }
    *len = (size_t)n;
    return out;
}

static int setup(void **state)
{
    if (tfs_setup(state) != 0)
        return -1;
    make_sample(&sample);
    text = format_v1(&sample, &textlen);
    if (pt_enrolment_format(&sample, &text2, &text2len) != PT_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    free(text);
    text = NULL;
    free(text2);
    text2 = NULL;
    return tfs_teardown(state);
}

static void assert_same(const pt_enrolment *a, const pt_enrolment *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->expires, b->expires);
    assert_int_equal(a->ndevices, b->ndevices);
    for (unsigned i = 0; i < a->ndevices; i++) {
        assert_string_equal(a->dev[i].id, b->dev[i].id);
        assert_string_equal(a->dev[i].name, b->dev[i].name);
        assert_int_equal(a->dev[i].status, b->dev[i].status);
        assert_int_equal(a->dev[i].created, b->dev[i].created);
        assert_int_equal(a->dev[i].expires, b->dev[i].expires);
        assert_int_equal(a->dev[i].confirmed_step, b->dev[i].confirmed_step);
        assert_int_equal(a->dev[i].alg, b->dev[i].alg);
        assert_int_equal(a->dev[i].digits, b->dev[i].digits);
        assert_int_equal(a->dev[i].period, b->dev[i].period);
        assert_int_equal(a->dev[i].secret_len, b->dev[i].secret_len);
        assert_memory_equal(a->dev[i].secret, b->dev[i].secret, a->dev[i].secret_len);
    }
    assert_int_equal(a->backup.kdf.m_kib, b->backup.kdf.m_kib);
    assert_int_equal(a->backup.kdf.t, b->backup.kdf.t);
    assert_int_equal(a->backup.kdf.p, b->backup.kdf.p);
    assert_memory_equal(a->backup.salt, b->backup.salt, PT_BACKUP_SALT_LEN);
    assert_int_equal(a->backup.count, b->backup.count);
    for (unsigned i = 0; i < a->backup.count; i++)
        assert_memory_equal(a->backup.hash[i], b->backup.hash[i], PT_BACKUP_HASH_LEN);
}

static void test_round_trip(void **state)
{
    (void)state;
    pt_enrolment e;
    assert_int_equal(pt_enrolment_parse(text, textlen, "t", &e), PT_OK);
    assert_same(&sample, &e);
    assert_int_equal(e.version, 1);
    assert_string_equal(e.dev[0].name, "default");
    assert_int_equal(pt_enrolment_parse(text2, text2len, "t", &e), PT_OK);
    assert_same(&sample, &e);
    assert_int_equal(e.version, 2);
    assert_non_null(strstr(text2, "version = 2\n"));
    assert_non_null(strstr(text2, "\nname = default\n"));
    assert_non_null(strstr(text, "version = 1\n"));
    assert_non_null(strstr(text, "backup_kdf = argon2id m=19456 t=2 p=1\n"));
    assert_int_equal(strlen(sample.id), PT_ID_HEX);

    /* Pending, sha512, 8 digits, no backup codes: also round trips. */
    pt_options o;
    pt_options_defaults(&o);
    o.algorithm = PT_ALG_SHA512;
    o.digits = 8;
    o.period = 60;
    pt_enrolment p, q;
    assert_int_equal(pt_enrolment_new(&o, 1000, &p), PT_OK);
    assert_int_equal(p.dev[0].secret_len, 64);
    assert_int_equal(p.expires, 1000 + (int64_t)o.pending_ttl);
    assert_int_equal(p.status, PT_ENROL_PENDING);
    char *out;
    size_t len;
    assert_int_equal(pt_enrolment_format(&p, &out, &len), PT_OK);
    assert_int_equal(pt_enrolment_parse(out, len, "t", &q), PT_OK);
    assert_same(&p, &q);
    free(out);

    char b32[128];
    assert_int_equal(pt_device_secret_b32(&p.dev[0], b32, sizeof b32), PT_OK);
    assert_int_equal(strlen(b32), 103);
    char id2[PT_ID_HEX + 1];
    assert_int_equal(pt_enrolment_new_id(id2), PT_OK);
    assert_string_not_equal(id2, p.id);
}

/* ---- building malformed variants of the sample, line by line ---- */

/* The sample with line n (1-based) replaced by repl (NULL: deleted; with insert: put before). */
static char *edit_line(unsigned n, const char *repl, int insert)
{
    size_t cap = textlen + (repl ? strlen(repl) : 0) + 2;
    char *out = malloc(cap);
    size_t o = 0;
    unsigned line = 1;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p) + 1;
        if (line == n && repl) {
            o += (size_t)sprintf(out + o, "%s\n", repl);
        }
        if (line != n || insert) {
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
        line++;
    }
    out[o] = '\0';
    return out;
}

static void expect_malformed(const char *data, size_t len, const char *what)
{
    pt_enrolment e;
    memset(&e, 0xAA, sizeof e);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_parse(data, len, "/home/u/.pam_totp", &e), PT_ERR_MALFORMED);
    assert_logged("/home/u/.pam_totp");
    assert_logged(what);
    /* Rejected whole: nothing of it is left behind. */
    assert_int_equal(e.dev[0].secret_len, 0);
    assert_int_equal(e.backup.count, 0);
    static const uint8_t zero[PT_SECRET_MAX];
    assert_memory_equal(e.dev[0].secret, zero, sizeof zero);
}

static void expect_line(unsigned n, const char *repl, int insert, const char *what)
{
    char *t = edit_line(n, repl, insert);
    expect_malformed(t, strlen(t), what);
    free(t);
}

static void test_truncated(void **state)
{
    (void)state;
    expect_malformed(text, textlen - 10, "line 16: truncated");
    /* Cut after line 9: the file ends before the secret. */
    const char *p = text;
    for (int i = 0; i < 9; i++)
        p = strchr(p, '\n') + 1;
    expect_malformed(text, (size_t)(p - text), "line 10: missing key \"secret\"");
    expect_malformed(text, 0, "empty");
}

static void test_bad_version(void **state)
{
    (void)state;
    expect_line(2, "version = 3", 0, "line 2: format version 3 is not supported");
    expect_line(2, "version = 0", 0, "line 2: format version 0 is not supported");
    /* Version-2 keys in a version-1 file, and version-1 keys at the user level of version 2. */
    expect_line(8, "device = 0123456789abcdef0123456789abcdef", 1,
                "line 8: unknown key \"device\" in a version 1 file");
    expect_line(8, "name = phone", 1, "line 8: unknown key \"name\" in a version 1 file");
    expect_line(2, "version = one", 0, "line 2: version");
    expect_line(2, NULL, 0, "line 2: the first key must be version");
}

static void test_unknown_and_duplicate(void **state)
{
    (void)state;
    expect_line(8, "colour = blue", 0, "line 8: unknown key \"colour\"");
    expect_line(10, "digits = 6", 1, "line 10: duplicate key \"digits\"");
    expect_line(9, NULL, 0, "missing key \"period\"");
    expect_line(8, "digits 6", 0, "line 8: expected \"key = value\"");
    expect_line(8, "Digits = 6", 0, "line 8: expected");
}

static void test_bad_values(void **state)
{
    (void)state;
    tfs_clear_msgs();
    expect_line(10, "secret = ABC!DEFG", 0, "line 10: secret is not valid base32");
    expect_line(10, "secret = JBSWY3DP", 0, "line 10: secret shorter than 10 bytes");
    expect_line(12, "backup_salt = zz0102030405060708090a0b0c0d0e0f", 0,
                "line 12: backup_salt must be 32 hex digits");
    expect_line(13, "backup = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 0,
                "line 13: backup must be 64 hex digits");
    expect_line(3, "id = 0123", 0, "line 3: id must be 32");
    expect_line(3, "id = 0123456789ABCDEF0123456789ABCDEF", 0, "line 3: id");
    expect_line(4, "status = maybe", 0, "line 4: status");
    expect_line(5, "created = -5", 0, "line 5: created");
    expect_line(5, "created = 99999999999999999999", 0, "line 5: created");
    expect_line(7, "algorithm = md5", 0, "line 7: algorithm");
    expect_line(8, "digits = 7", 0, "line 8: digits must be 6 or 8");
    expect_line(9, "period = 0", 0, "line 9: period");
    expect_line(9, "period = 030", 0, "line 9: period");
}

static void test_kdf_params(void **state)
{
    (void)state;
    expect_line(11, "backup_kdf = argon2id m=4294967295 t=2 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=1024 t=2 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=19456 t=1000 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=19456 t=2 p=64", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2i m=19456 t=2 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=19456 t=2", 0, "line 11: backup_kdf");
    /* A user-edited home-mode file must not make each backup-code check cost a gigabyte. */
    expect_line(11, "backup_kdf = argon2id m=1048576 t=2 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=65537 t=2 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=19456 t=5 p=1", 0, "line 11: backup_kdf");
    expect_line(11, "backup_kdf = argon2id m=19456 t=2 p=5", 0, "line 11: backup_kdf");
    /* Stronger than the minimum, within the ceiling, is accepted. */
    char *t = edit_line(11, "backup_kdf = argon2id m=65536 t=3 p=4", 0);
    pt_enrolment e;
    assert_int_equal(pt_enrolment_parse(t, strlen(t), "t", &e), PT_OK);
    assert_int_equal(e.backup.kdf.m_kib, 65536);
    assert_int_equal(e.backup.kdf.p, 4);
    free(t);
}

static void test_bytes(void **state)
{
    (void)state;
    /* CRLF line endings. */
    char *crlf = malloc(2 * textlen + 1);
    size_t o = 0;
    for (size_t i = 0; i < textlen; i++) {
        if (text[i] == '\n')
            crlf[o++] = '\r';
        crlf[o++] = text[i];
    }
    expect_malformed(crlf, o, "line 1: carriage return");
    free(crlf);

    /* A NUL byte inside line 3. */
    char *nul = malloc(textlen);
    memcpy(nul, text, textlen);
    char *l3 = strstr(nul, "\nid = ") + 1;
    l3[8] = '\0';
    expect_malformed(nul, textlen, "line 3: NUL byte");
    free(nul);

    expect_line(8, "digits = 6\x01", 0, "line 8: unexpected byte 0x01");
    expect_line(8, "digits = \xc3\xa9", 0, "line 8: unexpected byte 0xc3");

    char longline[700];
    memset(longline, ' ', sizeof longline);
    memcpy(longline, "# ", 2);
    longline[sizeof longline - 1] = '\0';
    expect_line(8, longline, 1, "line 8: line longer than 512 bytes");
}

static void test_sizes(void **state)
{
    (void)state;
    /* 101 backup lines: one too many; the line named is the 101st. */
    size_t cap = textlen + 101 * 80;
    char *t = malloc(cap);
    memcpy(t, text, textlen);
    size_t o = textlen;
    for (int i = 0; i < 97; i++)
        o += (size_t)sprintf(t + o, "backup = %064d\n", i);
    t[o] = '\0';
    pt_enrolment e;
    if (pt_enrolment_parse(t, o, "t", &e) != PT_OK) fail_msg("%s", tfs_msgs);
    assert_int_equal(e.backup.count, PT_BACKUP_MAX);
    o += (size_t)sprintf(t + o, "backup = %064d\n", 99);
    expect_malformed(t, o, "line 114: too many backup lines (at most 100)");
    free(t);

    /* Over the size cap. */
    size_t big = PT_ENROL_MAX_SIZE + 10;
    char *b = malloc(big);
    memcpy(b, text, textlen);
    memset(b + textlen, '\n', big - textlen);
    expect_malformed(b, big, "larger than");
    free(b);
}

/* ---- version 2: several devices ---- */

/* s with the first occurrence of from replaced by to (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    char *out = malloc(strlen(s) + strlen(to) + 1);
    size_t pre = (size_t)(at - s);
    memcpy(out, s, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

/* An enrolment of n active devices named dev1..devN (or names[i]), formatted. */
static char *devices_text(unsigned n, pt_enrolment *e)
{
    pt_options o;
    pt_options_defaults(&o);
    *e = sample;
    for (unsigned i = 1; i < n; i++) {
        pt_device d;
        char name[16];
        snprintf(name, sizeof name, "dev%u", i + 1);
        assert_int_equal(pt_device_new(&o, 1700000000 + i, name, &d), PT_OK);
        d.status = PT_ENROL_ACTIVE;
        d.expires = 0;
        assert_int_equal(pt_device_add(e, &d), PT_OK);
    }
    char *out;
    size_t len;
    assert_int_equal(pt_enrolment_format(e, &out, &len), PT_OK);
    return out;
}

static void expect_bad(char *t, const char *what)
{
    expect_malformed(t, strlen(t), what);
    free(t);
}

static void test_devices(void **state)
{
    (void)state;
    static pt_enrolment e, back;
    char *t = devices_text(PT_DEVICES_MAX, &e);
    assert_int_equal(pt_enrolment_parse(t, strlen(t), "t", &back), PT_OK);
    assert_same(&e, &back);
    assert_int_equal(back.ndevices, PT_DEVICES_MAX);
    assert_int_equal(pt_device_find(&back, "DEV3"), 2); /* names match ignoring case */
    assert_int_equal(pt_device_find(&back, "nope"), -1);

    /* The cap: a ninth device is refused by the API and by the parser. */
    pt_device d;
    pt_options o;
    pt_options_defaults(&o);
    assert_int_equal(pt_device_new(&o, 1, "ninth", &d), PT_OK);
    assert_int_equal(pt_device_add(&e, &d), PT_ERR_TOOBIG);
    const char *last = strstr(t, "device = ");
    for (const char *n; (n = strstr(last + 1, "device = ")) != NULL;)
        last = n;
    char *more = malloc(strlen(t) * 2);
    strcpy(more, t);
    strcat(more, last);
    /* The copy needs its own id and name to get as far as the count. */
    char *m2 = replace(more, "name = dev8\nstatus", "name = dev9\nstatus");
    free(more);
    size_t off = strlen(t);
    memcpy(m2 + off + 9, "ffffffffffffffffffffffffffffffff", 32);
    expect_bad(m2, "more than 8 devices");

    /* Duplicate names (ignoring case) and ids. */
    expect_bad(replace(t, "name = dev2\n", "name = DEFAULT\n"), "the same name \"DEFAULT\"");
    expect_bad(replace(t, "name = dev2\n", "name = dev3\n"), "the same name");
    char id2[48];
    snprintf(id2, sizeof id2, "device = %s\n", e.dev[1].id);
    char id0[48];
    snprintf(id0, sizeof id0, "device = %s\n", e.dev[0].id);
    expect_bad(replace(t, id2, id0), "the same id");
    assert_int_equal(pt_device_add(&back, &back.dev[1]), PT_ERR_EXISTS);

    /* Hostile or malformed names: what reaches terminals, JSON and logs is a short plain word. */
    static const char *const bad_names[] = {
        "name = ph one", "name = -rf", "name = .hidden", "name = a/b", "name = \"x\"",
        "name = a;b", "name = a\\b", "name = \xc3\xa9", "name = a\x1b[2J", "name =",
        "name = abcdefghijabcdefghijabcdefghijabc", "name = $(id)", "name = a%s",
    };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        char *b = replace(t, "name = dev2", bad_names[i]);
        pt_enrolment x;
        tfs_clear_msgs();
        assert_int_equal(pt_enrolment_parse(b, strlen(b), "t", &x), PT_ERR_MALFORMED);
        free(b);
    }
    expect_bad(replace(t, "name = dev2", "name = ph one"), "device name must be 1 to 32");
    assert_true(pt_device_name_ok("new-phone"));
    assert_true(pt_device_name_ok("Pixel_7.work"));
    assert_true(pt_device_name_ok("abcdefghijabcdefghijabcdefghijab")); /* 32 */
    assert_false(pt_device_name_ok("abcdefghijabcdefghijabcdefghijabc"));
    assert_false(pt_device_name_ok(""));
    assert_false(pt_device_name_ok("_x"));

    /* Keys in the wrong part, missing or repeated. */
    expect_bad(replace(t, "backup_kdf", "algorithm = sha1\nbackup_kdf"),
               "\"algorithm\" does not belong before the first device");
    expect_bad(replace(t, "name = dev2\n", "name = dev2\nbackup_salt = 00\n"),
               "\"backup_salt\" does not belong to a device");
    expect_bad(replace(t, "name = dev2\n", "name = dev2\nbackup = 00\n"),
               "backup lines belong before the first device");
    expect_bad(replace(t, "name = dev2\n", "name = dev2\nname = dev9\n"),
               "duplicate key \"name\" in device 2");
    char *nosecret = strdup(t);
    char *sec = strstr(strstr(nosecret, "name = dev2"), "secret = ");
    memcpy(sec, "#ecret", 6);
    expect_bad(nosecret, "device 2 lacks key \"secret\"");
    free(t);

    /* Status agrees with the devices; at most one pending device; at least one device. */
    t = devices_text(3, &e);
    char *p1 = replace(t, "name = dev2\nstatus = active", "name = dev2\nstatus = pending");
    assert_int_equal(pt_enrolment_parse(p1, strlen(p1), "t", &back), PT_OK);
    assert_int_equal(pt_device_pending(&back), 1);
    assert_int_equal(pt_device_active_count(&back), 2);
    expect_bad(replace(p1, "name = dev3\nstatus = active", "name = dev3\nstatus = pending"),
               "more than one pending device");
    free(p1);
    expect_bad(replace(text2, "name = default\nstatus = active", "name = default\nstatus = pending"),
               "status is active but no device is");
    char *pend = replace(t, "status = active", "status = pending");
    expect_bad(pend, "a pending enrolment has exactly one pending device");
    char *nodev = strdup(text2);
    *strstr(nodev, "device = ") = '\0';
    expect_bad(nodev, "no device");
    free(t);

    /* Removing a device keeps the others in order and wipes its secret. */
    t = devices_text(3, &e);
    pt_device_remove(&e, 1);
    assert_int_equal(e.ndevices, 2);
    assert_string_equal(e.dev[1].name, "dev3");
    static const uint8_t zero[PT_SECRET_MAX];
    assert_memory_equal(e.dev[2].secret, zero, sizeof zero);
    free(t);
}

/* ---- files ---- */

static void set_user(pt_user *u, const char *name, uid_t uid, const char *home)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->uid = uid;
    u->gid = uid;
    snprintf(u->home, sizeof u->home, "%s", home);
    snprintf(u->shell, sizeof u->shell, "/bin/sh");
}

static void test_system_mode(void **state)
{
    (void)state;
    tfs_need_root();
    pt_options o;
    pt_options_defaults(&o);
    snprintf(o.enrolment_file, sizeof o.enrolment_file, "%s/enrol/%%u", tfs_dir);
    assert_true(pt_options_system_mode(&o));
    pt_user u;
    set_user(&u, "nobody", NOBODY, "/nonexistent");
    char path[512];
    assert_int_equal(pt_enrolment_path(&o, &u, path, sizeof path), PT_OK);
    assert_string_equal(path, tfs_path("enrol/nobody"));

    pt_enrolment e;
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_NOENT);
    assert_int_equal(pt_enrolment_store(&o, &u, &sample), PT_OK);
    struct stat sb;
    assert_int_equal(lstat(tfs_path("enrol"), &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_OK);
    assert_same(&sample, &e);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);

    /* A user-owned file in system mode is not trusted. */
    assert_int_equal(chown(path, NOBODY, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_logged(path);
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(chmod(tfs_path("enrol"), 0777), 0);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_int_equal(chmod(tfs_path("enrol"), 0700), 0);

    /* Malformed content is reported with the path and line. */
    assert_int_equal(tfs_write_str("enrol/nobody", "version = 1\nid = x\n", 0600), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_MALFORMED);
    assert_logged(path);
    assert_logged("line 2");

    assert_int_equal(pt_enrolment_remove(&o, &u), PT_OK);
    assert_int_equal(pt_enrolment_remove(&o, &u), PT_ERR_NOENT);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_NOENT);
}

static void test_home_mode(void **state)
{
    (void)state;
    tfs_need_root();
    pt_options o;
    pt_options_defaults(&o);
    assert_false(pt_options_system_mode(&o));
    assert_int_equal(mkdir(tfs_path("home"), 0700), 0);
    assert_int_equal(chown(tfs_path("home"), NOBODY, NOBODY), 0);
    pt_user u;
    set_user(&u, "nobody", NOBODY, tfs_path("home"));
    const char *path = tfs_path("home/.pam_totp");

    pt_enrolment e;
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_NOENT);
    assert_int_equal(pt_enrolment_store(&o, &u, &sample), PT_OK);
    assert_int_equal(setfsuid((uid_t)-1), 0); /* back to our own identity */
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_uid, NOBODY);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_OK);
    assert_same(&sample, &e);
    assert_int_equal(setfsuid((uid_t)-1), 0);

    /* A file in the home that is not the user's: refused when readable, and when not even
     * readable as the user, an error all the same (it is read as the user, never as root). */
    assert_int_equal(chown(path, 1234, 1234), 0);
    assert_int_equal(chmod(path, 0644), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_logged("owned by uid 1234");
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(chmod(path, 0600), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_PERM);
    assert_logged("permission denied");
    assert_int_equal(chown(path, NOBODY, NOBODY), 0);
    assert_int_equal(chmod(path, 0644), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_logged("chmod 600");

    /* A symlink planted at the name. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink("/etc/shadow", path), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_UNSAFE);
    assert_logged("symbolic link");
    /* Storing replaces the link itself, as the user, and leaves the target alone. */
    assert_int_equal(pt_enrolment_store(&o, &u, &sample), PT_OK);
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(pt_enrolment_remove(&o, &u), PT_OK);
    assert_int_equal(lstat(path, &sb), -1);

    /* A home owned by someone else. */
    assert_int_equal(chown(tfs_path("home"), 1234, 1234), 0);
    tfs_clear_msgs();
    if (pt_enrolment_load(&o, &u, &e) != PT_ERR_UNSAFE)
        fail_msg("%s", tfs_msgs);
    assert_logged("owned by uid 1234");
    /* A root-owned home is trusted, but we write as the user, who may not write there. */
    assert_int_equal(chown(tfs_path("home"), 0, 0), 0);
    assert_int_equal(chmod(tfs_path("home"), 0755), 0);
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_NOENT);
    assert_int_equal(pt_enrolment_store(&o, &u, &sample), PT_ERR_PERM);
    assert_int_equal(setfsuid((uid_t)-1), 0);

    /* No home at all: no enrolment. */
    set_user(&u, "nobody", NOBODY, tfs_path("gone"));
    assert_int_equal(pt_enrolment_load(&o, &u, &e), PT_ERR_NOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kdf_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

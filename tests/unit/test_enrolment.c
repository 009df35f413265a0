/* The enrolment file: format/parse round trip; every kind of malformed input rejected whole,
 * with the line named and the enrolment wiped; load/store/remove in system mode (root-owned)
 * and home mode (acting as the user), with unsafe files refused. The file tests need root. */
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
static char *text; /* sample, formatted */
static size_t textlen;

static void make_sample(pt_enrolment *e)
{
    pt_options o;
    pt_options_defaults(&o);
    assert_int_equal(pt_enrolment_new(&o, 1700000000, e), PT_OK);
    e->status = PT_ENROL_ACTIVE;
    e->expires = 0;
    e->backup.count = 3;
    for (unsigned i = 0; i < 3; i++)
        memset(e->backup.hash[i], 0x11 * (int)(i + 1), PT_BACKUP_HASH_LEN);
}

static int setup(void **state)
{
    if (tfs_setup(state) != 0)
        return -1;
    make_sample(&sample);
    if (pt_enrolment_format(&sample, &text, &textlen) != PT_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    free(text);
    text = NULL;
    return tfs_teardown(state);
}

static void assert_same(const pt_enrolment *a, const pt_enrolment *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->expires, b->expires);
    assert_int_equal(a->alg, b->alg);
    assert_int_equal(a->digits, b->digits);
    assert_int_equal(a->period, b->period);
    assert_int_equal(a->secret_len, b->secret_len);
    assert_memory_equal(a->secret, b->secret, a->secret_len);
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
    assert_int_equal(p.secret_len, 64);
    assert_int_equal(p.expires, 1000 + (int64_t)o.pending_ttl);
    assert_int_equal(p.status, PT_ENROL_PENDING);
    char *out;
    size_t len;
    assert_int_equal(pt_enrolment_format(&p, &out, &len), PT_OK);
    assert_int_equal(pt_enrolment_parse(out, len, "t", &q), PT_OK);
    assert_same(&p, &q);
    free(out);

    char b32[128];
    assert_int_equal(pt_enrolment_secret_b32(&p, b32, sizeof b32), PT_OK);
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
    assert_int_equal(e.secret_len, 0);
    assert_int_equal(e.backup.count, 0);
    static const uint8_t zero[PT_SECRET_MAX];
    assert_memory_equal(e.secret, zero, sizeof zero);
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
    expect_line(2, "version = 2", 0, "line 2: format version 2 is not supported");
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
        cmocka_unit_test_setup_teardown(test_system_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The runtime state: format/parse round trip and malformed input; the lockout arithmetic
 * (deny within fail_interval locks, old failures expire, unlock_time 0 locks until an admin
 * unlocks, an expired lock starts a fresh count); binding to an enrolment; and the file: created
 * root:<gid> 0640 in a root 0711 directory, unsafe or empty files refused, and concurrent
 * locked updates from many processes serialised with none lost. The file tests need root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "config.h"
#include "pt_error.h"
#include "pt_testfs.h"
#include "state.h"

#define NOBODY 65534
#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static pt_state st; /* large: static */

static void test_round_trip(void **state)
{
    (void)state;
    static pt_state back;
    pt_state_init(&st);
    assert_int_equal(st.last_step, -1);
    char *out;
    size_t len;
    assert_int_equal(pt_state_format(&st, &out, &len), PT_OK);
    assert_int_equal(pt_state_parse(out, len, "t", &back), PT_OK);
    assert_string_equal(back.enrolment, "");
    assert_int_equal(back.last_step, -1);
    assert_int_equal(back.nfailures, 0);
    free(out);

    memcpy(st.enrolment, ID_A, sizeof st.enrolment);
    st.last_step = 56666666;
    st.used[0] = st.used[7] = st.used[99] = 1;
    st.nfailures = PT_FAILURES_MAX;
    for (unsigned i = 0; i < PT_FAILURES_MAX; i++)
        st.failures[i] = 1700000000 + i;
    st.lock_until = -1;
    st.first_required = 1690000000;
    assert_int_equal(pt_state_format(&st, &out, &len), PT_OK);
    assert_true(len <= PT_STATE_MAX_SIZE);
    assert_non_null(strstr(out, "used = 0,7,99\n"));
    assert_int_equal(pt_state_parse(out, len, "t", &back), PT_OK);
    assert_memory_equal(&st.used, &back.used, sizeof st.used);
    assert_string_equal(back.enrolment, ID_A);
    assert_int_equal(back.last_step, st.last_step);
    assert_int_equal(back.nfailures, PT_FAILURES_MAX);
    assert_memory_equal(back.failures, st.failures, sizeof st.failures);
    assert_int_equal(back.lock_until, -1);
    assert_int_equal(back.first_required, 1690000000);
    free(out);
}

static const char good[] = "version = 1\nenrolment = -\nlast_step = -1\nused =\nfailures =\n"
                           "lock_until = 0\nfirst_required = 0\n";

/* good with line n replaced by repl. */
static void expect_line(unsigned n, const char *repl, const char *what)
{
    char buf[PT_STATE_MAX_SIZE + 100];
    size_t o = 0;
    unsigned line = 1;
    for (const char *p = good; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t l = (size_t)(nl - p) + 1;
        if (line == n)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s\n", repl);
        else {
            memcpy(buf + o, p, l);
            o += l;
        }
        p += l;
    }
    tfs_clear_msgs();
    assert_int_equal(pt_state_parse(buf, o, "/var/lib/pam_totp/u", &st), PT_ERR_MALFORMED);
    assert_logged("/var/lib/pam_totp/u");
    assert_logged(what);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_int_equal(pt_state_parse(good, strlen(good), "t", &st), PT_OK);
    tfs_clear_msgs();
    assert_int_equal(pt_state_parse("", 0, "/s/u", &st), PT_ERR_MALFORMED);
    assert_logged("empty file");
    assert_int_equal(pt_state_parse(good, strlen(good) - 3, "t", &st), PT_ERR_MALFORMED);
    expect_line(1, "version = 2", "line 1: format version 2");
    expect_line(1, "last_step = 5", "line 1: the first key must be version");
    expect_line(2, "enrolment = abc", "line 2: enrolment");
    expect_line(3, "last_step = -2", "line 3: last_step");
    expect_line(4, "used = 100", "line 4: used");
    expect_line(4, "used = 1,,2", "line 4: used");
    expect_line(4, "used = 1,2,", "line 4: used");
    expect_line(5, "failures = 12,x", "line 5: failures");
    expect_line(6, "lock_until = -2", "line 6: lock_until");
    expect_line(7, "colour = red", "line 7: unknown key");
    expect_line(7, "lock_until = 5", "line 7: duplicate key \"lock_until\"");
    expect_line(7, "# gone", "line 8: missing key \"first_required\"");
    expect_line(3, "last_step = 1\r", "line 3: carriage return");

    /* More than PT_FAILURES_MAX failures. */
    static char many[PT_STATE_MAX_SIZE];
    size_t o = (size_t)snprintf(many, sizeof many, "version = 1\nenrolment = -\nlast_step = -1\n"
                                                   "used =\nfailures = 1");
    for (int i = 0; i < PT_FAILURES_MAX; i++)
        o += (size_t)snprintf(many + o, sizeof many - o, ",%d", i + 2);
    o += (size_t)snprintf(many + o, sizeof many - o, "\nlock_until = 0\nfirst_required = 0\n");
    tfs_clear_msgs();
    assert_int_equal(pt_state_parse(many, o, "t", &st), PT_ERR_MALFORMED);
    assert_logged("line 5: failures must be a comma-separated list of at most 1000");
}

/* Each device's last use: one last_used line per device, round trip, bounds, and pruning to the
 * devices an enrolment still has. */
static void test_last_used(void **state)
{
    (void)state;
    static pt_state back;
    static const char *const ids[] = {
        "00000000000000000000000000000001", "00000000000000000000000000000002",
        "00000000000000000000000000000003",
    };
    pt_state_init(&st);
    assert_int_equal(pt_state_device_last_used(&st, ids[0]), -1);
    pt_state_device_used(&st, ids[0], 100);
    pt_state_device_used(&st, ids[1], 200);
    pt_state_device_used(&st, ids[0], 300);
    assert_int_equal(st.ndevices, 2);
    assert_int_equal(pt_state_device_last_used(&st, ids[0]), 300);
    char *text;
    size_t len;
    assert_int_equal(pt_state_format(&st, &text, &len), PT_OK);
    assert_non_null(strstr(text, "\nlast_used = 00000000000000000000000000000001,300\n"));
    assert_int_equal(pt_state_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(pt_state_device_last_used(&back, ids[1]), 200);
    free(text);

    /* Full: the oldest entry makes room. */
    for (unsigned i = 0; i < PT_DEVICES_MAX + 2; i++) {
        char id[PT_ID_HEX + 1];
        snprintf(id, sizeof id, "%032x", 0x100 + i);
        pt_state_device_used(&st, id, 1000 + i);
    }
    assert_int_equal(st.ndevices, PT_DEVICES_MAX);
    assert_int_equal(pt_state_device_last_used(&st, ids[0]), -1);

    /* Pruned to the enrolment's devices. */
    static pt_enrolment e;
    memset(&e, 0, sizeof e);
    e.ndevices = 1;
    snprintf(e.dev[0].id, sizeof e.dev[0].id, "%032x", 0x100 + PT_DEVICES_MAX + 1);
    pt_state_prune_devices(&st, &e);
    assert_int_equal(st.ndevices, 1);
    assert_int_equal(pt_state_device_last_used(&st, e.dev[0].id), 1000 + PT_DEVICES_MAX + 1);

    expect_line(7, "first_required = 0\nlast_used = 0123,5", "line 8: last_used must be DEVICE,TIME");
    expect_line(7, "first_required = 0\nlast_used = 00000000000000000000000000000001,-5",
                "line 8: last_used");
    expect_line(7, "first_required = 0\nlast_used = 00000000000000000000000000000001,5\n"
                   "last_used = 00000000000000000000000000000001,6", "line 9: last_used names");
    expect_line(1, "last_used = 00000000000000000000000000000001,5",
                "line 1: the first key must be version");
}

static pt_options opts(unsigned deny, unsigned interval, unsigned unlock)
{
    pt_options o;
    pt_options_defaults(&o);
    o.deny = deny;
    o.fail_interval = interval;
    o.unlock_time = unlock;
    return o;
}

static void test_lockout(void **state)
{
    (void)state;
    pt_options o = opts(3, 900, 600);
    int64_t t = 1700000000;
    pt_state_init(&st);
    assert_false(pt_state_record_failure(&st, &o, t));
    assert_false(pt_state_record_failure(&st, &o, t + 10));
    assert_int_equal(pt_state_lock_left(&st, t + 10), 0);
    assert_true(pt_state_record_failure(&st, &o, t + 20)); /* the third within 900 s locks */
    assert_int_equal(st.lock_until, t + 20 + 600);
    assert_int_equal(pt_state_lock_left(&st, t + 21), 599);
    assert_int_equal(pt_state_lock_left(&st, t + 620), 0); /* expired */
    /* A failure while locked does not lock again (nor extend). */
    assert_false(pt_state_record_failure(&st, &o, t + 30));
    assert_int_equal(st.lock_until, t + 620);
    /* After the lock runs out, the count starts afresh. */
    assert_false(pt_state_record_failure(&st, &o, t + 700));
    assert_int_equal(st.nfailures, 1);
    assert_int_equal(st.lock_until, 0);

    /* Older failures expire: three failures spread over more than fail_interval do not lock. */
    pt_state_init(&st);
    assert_false(pt_state_record_failure(&st, &o, t));
    assert_false(pt_state_record_failure(&st, &o, t + 500));
    assert_false(pt_state_record_failure(&st, &o, t + 950));
    assert_int_equal(st.nfailures, 2);
    assert_int_equal(st.failures[0], t + 500);
    assert_true(pt_state_record_failure(&st, &o, t + 960));

    /* unlock_time = 0: until an admin unlocks. */
    pt_options forever = opts(1, 900, 0);
    pt_state_init(&st);
    assert_true(pt_state_record_failure(&st, &forever, t));
    assert_int_equal(st.lock_until, -1);
    assert_int_equal(pt_state_lock_left(&st, t + 1000000), -1);
    pt_state_clear_failures(&st);
    assert_int_equal(pt_state_lock_left(&st, t), 0);
    assert_int_equal(st.nfailures, 0);

    /* The list never grows past PT_FAILURES_MAX: the oldest goes. */
    pt_options lots = opts(1000, 604800, 600);
    pt_state_init(&st);
    for (int i = 0; i < PT_FAILURES_MAX + 5; i++)
        pt_state_record_failure(&st, &lots, t + i);
    assert_int_equal(st.nfailures, PT_FAILURES_MAX);
    assert_int_equal(st.failures[PT_FAILURES_MAX - 1], t + PT_FAILURES_MAX + 4);
}

static void test_bind(void **state)
{
    (void)state;
    pt_backup_set set;
    memset(&set, 0, sizeof set);
    set.count = 10;
    pt_state_init(&st);
    pt_state_bind(&st, ID_A);
    st.used[2] = st.used[5] = 1;
    st.last_step = 1234;
    st.nfailures = 1;
    st.failures[0] = 99;
    st.first_required = 5;
    assert_int_equal(pt_state_codes_left(&st, &set), 8);
    pt_state_bind(&st, ID_A); /* the same id: nothing changes */
    assert_int_equal(pt_state_codes_left(&st, &set), 8);
    pt_state_bind(&st, ID_B); /* a new enrolment: its codes are all unused */
    assert_string_equal(st.enrolment, ID_B);
    assert_int_equal(pt_state_codes_left(&st, &set), 10);
    assert_int_equal(st.last_step, 1234); /* never lowered by re-enrolment */
    assert_int_equal(st.nfailures, 1);
    assert_int_equal(st.first_required, 5);
}

/* ---- the file ---- */

static pt_options fopts;
static pt_user user;

static int fsetup(void **state)
{
    if (geteuid() != 0)
        return 0; /* the tests skip themselves */
    if (tfs_setup(state) != 0)
        return -1;
    pt_options_defaults(&fopts);
    snprintf(fopts.state_dir, sizeof fopts.state_dir, "%s/state", tfs_dir);
    memset(&user, 0, sizeof user);
    snprintf(user.name, sizeof user.name, "pt-test-user");
    user.uid = 4242;
    user.gid = NOBODY;
    snprintf(user.home, sizeof user.home, "/nonexistent");
    return 0;
}

static int fteardown(void **state)
{
    if (geteuid() != 0)
        return 0;
    return tfs_teardown(state);
}

static void need_root(void)
{
    if (geteuid() != 0)
        skip();
}

static void test_file(void **state)
{
    (void)state;
    need_root();
    /* Nothing yet: reading gives the initial state, and creates nothing. */
    assert_int_equal(pt_state_read(&fopts, &user, &st), PT_OK);
    assert_int_equal(st.last_step, -1);
    struct stat sb;
    assert_int_equal(lstat(fopts.state_dir, &sb), -1);

    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    assert_int_equal(lstat(fopts.state_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0711);
    assert_int_equal(sb.st_uid, 0);
    const char *path = tfs_path("state/pt-test-user");
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(sb.st_size > 0, 1); /* never an empty file */
    st.last_step = 777;
    memcpy(st.enrolment, ID_A, sizeof st.enrolment);
    st.used[3] = 1;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    st.last_step = 778; /* a second commit under the same lock */
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(h.fd, -1);
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);

    static pt_state back;
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_OK);
    assert_int_equal(back.last_step, 778);
    assert_int_equal(back.used[3], 1);
    assert_string_equal(back.enrolment, ID_A);

    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(lstat(path, &sb), -1);
}

static void test_file_refused(void **state)
{
    (void)state;
    need_root();
    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    pt_state_close(&h);
    const char *path = tfs_path("state/pt-test-user");

    /* Empty: damage, never a fresh start. */
    assert_int_equal(truncate(path, 0), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged(path);
    assert_int_equal(h.fd, -1);
    assert_int_equal(pt_state_read(&fopts, &user, &st), PT_ERR_MALFORMED);

    /* Garbage. */
    assert_int_equal(tfs_write_str("state/pt-test-user", "version = 1\nlast_step = x\n", 0640),
                     0);
    assert_int_equal(chown(path, 0, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged("line 2");

    /* Wrong mode, owner, group; a symlink. */
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(pt_state_read(&fopts, &user, &st), PT_ERR_UNSAFE);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(chown(path, NOBODY, NOBODY), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(chown(path, 0, 0), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_logged("group is gid 0");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(unlink(path), 0);

    /* A state directory others may write. */
    assert_int_equal(chmod(fopts.state_dir, 0777), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(chmod(fopts.state_dir, 0711), 0);

    /* A user name that is not a file name. */
    pt_user bad = user;
    snprintf(bad.name, sizeof bad.name, "..");
    assert_int_equal(pt_state_open_locked(&fopts, &bad, &h, &st), PT_ERR_INVAL);
}

/* 20 processes each add failures under the lock; every one of them must survive. */
static void test_concurrent(void **state)
{
    (void)state;
    need_root();
    enum { CHILDREN = 20, EACH = 5 };
    pt_options o = fopts;
    o.deny = 1000;
    o.fail_interval = 604800;
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0) {
            static pt_state cs;
            for (int i = 0; i < EACH; i++) {
                pt_state_handle h;
                if (pt_state_open_locked(&o, &user, &h, &cs) != PT_OK)
                    _exit(1);
                pt_state_record_failure(&cs, &o, 1700000000 + c * EACH + i);
                if (cs.last_step < 0)
                    cs.last_step = 0;
                cs.last_step++;
                if (pt_state_commit(&h, &cs) != PT_OK)
                    _exit(2);
                pt_state_close(&h);
            }
            _exit(0);
        }
    }
    for (int c = 0; c < CHILDREN; c++) {
        int status;
        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("child %d failed (status %d)", c, status);
    }
    assert_int_equal(pt_state_read(&o, &user, &st), PT_OK);
    assert_int_equal(st.nfailures, CHILDREN * EACH);
    assert_int_equal(st.last_step, CHILDREN * EACH);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);
}

int main(void)
{
    pt_log_set_sink(tfs_capture, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_last_used),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_bind),
        cmocka_unit_test_setup_teardown(test_file, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_file_refused, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_concurrent, fsetup, fteardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0 && geteuid() != 0)
        return 77; /* the file tests were skipped */
    return rc;
}

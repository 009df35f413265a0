/* The runtime state: format/parse round trip and malformed input; the lockout arithmetic
 * (deny within fail_interval locks, old failures expire, unlock_time 0 locks until an admin
 * unlocks, an expired lock starts a fresh count); binding to an enrolment; and the file: created
 * root:<gid> 0640 in a root 0711 directory, unsafe or empty files refused, and concurrent
 * locked updates from many processes serialised with none lost. The file tests need root. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

static pt_options opts(unsigned deny, unsigned interval, unsigned unlock);

/* Remembered hosts: recorded only for numeric addresses, canonical (IPv4-mapped = IPv4), valid
 * from the code login for remember_host seconds (not a second more), only for the enrolment the
 * state is bound to, bounded (oldest dropped), forgotten on a new enrolment and on a lock, and
 * kept through the file format; malformed host lines refused. */
static void test_hosts(void **state)
{
    (void)state;
    static pt_state back;
    pt_state_init(&st);
    pt_state_bind(&st, ID_A);
    assert_true(pt_state_remember_host(&st, "::ffff:192.0.2.7", 1000));
    assert_false(pt_state_remember_host(&st, "host.example.com", 1000));
    assert_false(pt_state_remember_host(&st, "", 1000));
    assert_false(pt_state_remember_host(&st, NULL, 1000));
    assert_int_equal(st.nhosts, 1);
    assert_string_equal(st.hosts[0].addr, "192.0.2.7");

    assert_true(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 1000, 3600));
    assert_true(pt_state_host_remembered(&st, ID_A, "::ffff:192.0.2.7", 4599, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 4600, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 999, 3600)); /* clock went back */
    assert_false(pt_state_host_remembered(&st, ID_A, "192.0.2.8", 1001, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "::1", 1001, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, NULL, 1001, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "", 1001, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 1001, 0));
    assert_false(pt_state_host_remembered(&st, ID_B, "192.0.2.7", 1001, 3600));
    assert_false(pt_state_host_remembered(&st, "", "192.0.2.7", 1001, 3600));

    /* A new code login restarts the period. */
    assert_true(pt_state_remember_host(&st, "192.0.2.7", 2000));
    assert_int_equal(st.nhosts, 1);
    assert_true(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 5599, 3600));

    /* Zones are part of the address. */
    assert_true(pt_state_remember_host(&st, "fe80::1%eth0", 2100));
    assert_true(pt_state_host_remembered(&st, ID_A, "fe80::1%eth0", 2101, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "fe80::1%eth1", 2101, 3600));

    /* Through the file format. */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(pt_state_format(&st, &text, &len), PT_OK);
    assert_non_null(strstr(text, "\nhosts = 192.0.2.7@2000,fe80::1%eth0@2100\n"));
    assert_int_equal(pt_state_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(back.nhosts, 2);
    assert_true(pt_state_host_remembered(&back, ID_A, "fe80::1%eth0", 2101, 3600));
    free(text);

    /* Bounded: the oldest is dropped. */
    char addr[32];
    for (int i = 0; i < PT_HOSTS_MAX + 3; i++) {
        snprintf(addr, sizeof addr, "10.0.0.%d", i);
        assert_true(pt_state_remember_host(&st, addr, 3000 + i));
    }
    assert_int_equal(st.nhosts, PT_HOSTS_MAX);
    assert_false(pt_state_host_remembered(&st, ID_A, "192.0.2.7", 3100, 3600));
    assert_false(pt_state_host_remembered(&st, ID_A, "10.0.0.2", 3100, 3600));
    assert_true(pt_state_host_remembered(&st, ID_A, "10.0.0.3", 3100, 3600));
    assert_true(pt_state_host_remembered(&st, ID_A, "10.0.0.18", 3100, 3600));

    /* A new enrolment forgets them. */
    pt_state_bind(&st, ID_B);
    assert_int_equal(st.nhosts, 0);

    /* So does a lock. */
    pt_state_remember_host(&st, "192.0.2.7", 5000);
    pt_options o = opts(2, 900, 600);
    assert_false(pt_state_record_failure(&st, &o, 5001));
    assert_int_equal(st.nhosts, 1);
    assert_true(pt_state_record_failure(&st, &o, 5002));
    assert_int_equal(st.nhosts, 0);
}

static void expect_hosts_bad(const char *line)
{
    char text[512];
    int n = snprintf(text, sizeof text, "version = 1\nenrolment = -\nlast_step = -1\nused =\n"
                     "failures =\nlock_until = 0\nfirst_required = 0\n%s\n", line);
    if (pt_state_parse(text, (size_t)n, "t", &st) != PT_ERR_MALFORMED)
        fail_msg("accepted: %s", line);
}

static void test_hosts_malformed(void **state)
{
    (void)state;
    expect_hosts_bad("hosts = 192.0.2.7");
    expect_hosts_bad("hosts = 192.0.2.7@");
    expect_hosts_bad("hosts = @5");
    expect_hosts_bad("hosts = 192.0.2.7@-5");
    expect_hosts_bad("hosts = ::ffff:192.0.2.7@5");   /* not canonical */
    expect_hosts_bad("hosts = 2001:DB8::1@5");         /* not canonical */
    expect_hosts_bad("hosts = example.com@5");
    expect_hosts_bad("hosts = 192.0.2.7@5,192.0.2.7@6"); /* twice */
    expect_hosts_bad("hosts = 192.0.2.7@5,");
    expect_hosts_bad("burned = x");
    expect_hosts_bad("burned = -1");
    char many[1024] = "hosts = 10.0.0.0@1";
    for (int i = 1; i <= PT_HOSTS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",10.0.0.%d@1", i);
    expect_hosts_bad(many);
    char ok[] = "version = 1\nenrolment = -\nlast_step = -1\nused =\nfailures =\n"
                "lock_until = 0\nfirst_required = 0\nhosts = 2001:db8::1@5,127.0.0.1@7\n"
                "burned = 9,10\n";
    assert_int_equal(pt_state_parse(ok, strlen(ok), "t", &st), PT_OK);
    assert_int_equal(st.nhosts, 2);
    assert_int_equal(st.nburned, 2);
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
    assert_true(pt_state_remember_host(&st, "192.0.2.7", 1000));
    pt_state_prune_devices(&st, &e);
    assert_int_equal(st.ndevices, 1);
    assert_int_equal(pt_state_device_last_used(&st, e.dev[0].id), 1000 + PT_DEVICES_MAX + 1);
    /* A device that logged in is gone: remembered hosts are forgotten (it may be the lost one);
     * pruning with nothing to drop keeps them. */
    assert_int_equal(st.nhosts, 0);
    assert_true(pt_state_remember_host(&st, "192.0.2.7", 1000));
    pt_state_prune_devices(&st, &e);
    assert_int_equal(st.nhosts, 1);

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

    /* Back to A (a second name of the uid with an enrolment of its own): A's used codes are
     * still used, and B's stay used for when B comes back. */
    st.used[7] = 1;
    pt_state_bind(&st, ID_A);
    assert_int_equal(st.used[2] && st.used[5], 1);
    assert_int_equal(pt_state_codes_left(&st, &set), 8);
    assert_int_equal(st.nothers, 1);
    char *out;
    size_t len;
    assert_int_equal(pt_state_format(&st, &out, &len), PT_OK);
    assert_non_null(strstr(out, "other_used = " ID_B ":7\n"));
    static pt_state back;
    assert_int_equal(pt_state_parse(out, len, "t", &back), PT_OK);
    free(out);
    pt_state_bind(&back, ID_B);
    assert_int_equal(back.used[7], 1);
    assert_int_equal(pt_state_codes_left(&back, &set), 9);

    /* At most PT_STATE_OTHERS other sets: the oldest goes. */
    pt_state_init(&st);
    char id[PT_ID_HEX + 1];
    for (int i = 0; i < PT_STATE_OTHERS + 2; i++) {
        snprintf(id, sizeof id, "%032x", i);
        pt_state_bind(&st, id);
        st.used[0] = 1;
    }
    assert_int_equal(st.nothers, PT_STATE_OTHERS);
    assert_int_equal(pt_state_format(&st, &out, &len), PT_OK);
    assert_int_equal(pt_state_parse(out, len, "t", &back), PT_OK);
    assert_int_equal(back.nothers, PT_STATE_OTHERS);
    free(out);
}

static void test_other_used_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "other_used = " ID_A "\n",
        "other_used = " ID_A ":\n",
        "other_used = " ID_A ":1;\n",
        "other_used = " ID_A ":1;" ID_A ":2\n",
        "other_used = " ID_B ":1\n", /* the current enrolment */
        "other_used = " ID_A ":100\n",
        "other_used = xyz:1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "version = 1\nenrolment = " ID_B "\nlast_step = -1\n"
                 "used =\nfailures =\nlock_until = 0\nfirst_required = 0\n%s", bad[i]);
        if (pt_state_parse(text, strlen(text), "t", &st) != PT_ERR_MALFORMED)
            fail_msg("accepted: %s", bad[i]);
    }
}

/* Merging never allows what either side forbids, and merging twice adds nothing. */
static void test_merge(void **state)
{
    (void)state;
    static pt_state a, b;
    pt_state_init(&a);
    pt_state_init(&b);
    pt_state_bind(&a, ID_A);
    a.used[1] = 1;
    a.last_step = 50;
    a.failures[a.nfailures++] = 10;
    a.failures[a.nfailures++] = 30;
    a.first_required = 500;
    pt_state_bind(&b, ID_A);
    b.used[2] = 1;
    b.last_step = 70;
    b.failures[b.nfailures++] = 20;
    b.failures[b.nfailures++] = 30;
    b.lock_until = 900;
    b.first_required = 400;
    assert_int_equal(pt_state_merge(&a, &b), PT_OK);
    assert_int_equal(a.used[1] && a.used[2], 1);
    assert_int_equal(a.last_step, 70);
    assert_int_equal(a.nfailures, 3);
    assert_int_equal(a.failures[0], 10);
    assert_int_equal(a.failures[2], 30);
    assert_int_equal(a.lock_until, 900);
    assert_int_equal(a.first_required, 400);
    assert_int_equal(pt_state_merge(&a, &b), PT_OK);
    assert_int_equal(a.nfailures, 3);
    /* -1 (until an admin unlocks) beats any time; a lower last_step does not lower it. */
    b.lock_until = -1;
    b.last_step = 5;
    assert_int_equal(pt_state_merge(&a, &b), PT_OK);
    assert_int_equal(a.lock_until, -1);
    assert_int_equal(a.last_step, 70);
    /* Another enrolment's used codes are kept aside, and come back when it is bound. */
    pt_state_init(&b);
    pt_state_bind(&b, ID_B);
    b.used[9] = 1;
    assert_int_equal(pt_state_merge(&a, &b), PT_OK);
    assert_string_equal(a.enrolment, ID_A);
    pt_state_bind(&a, ID_B);
    assert_int_equal(a.used[9], 1);
    /* Into nothing: the other side as it is. */
    pt_state_init(&b);
    assert_int_equal(pt_state_merge(&b, &a), PT_OK);
    assert_string_equal(b.enrolment, ID_B);
    assert_int_equal(b.used[9], 1);
    assert_int_equal(b.lock_until, -1);
}

/* A clock before 1970: a time of 0 or -1 is a sentinel ("none", "until unlocked"), never a
 * time; nobody counts as locked, a lock still works, and what is stored still formats. */
static void test_clock_before_1970(void **state)
{
    (void)state;
    pt_options o = opts(3, 900, 600);
    const int64_t t = -86400; /* 1969-12-31 */
    pt_state_init(&st);
    assert_int_equal(pt_state_lock_left(&st, t), 0);
    assert_false(pt_state_record_failure(&st, &o, t));
    assert_false(pt_state_record_failure(&st, &o, t + 1));
    assert_true(pt_state_record_failure(&st, &o, t + 2));
    assert_true(pt_state_lock_left(&st, t + 3) > 0);
    assert_true(st.lock_until > 0);
    char *out;
    size_t len;
    assert_int_equal(pt_state_format(&st, &out, &len), PT_OK);
    free(out);
    pt_state_clear_failures(&st);
    assert_int_equal(pt_state_lock_left(&st, t), 0);
    assert_int_equal(pt_state_lock_left(&st, -1), 0);
    /* now + unlock_time landing on a sentinel must still lock. */
    pt_options one = opts(1, 900, 600);
    pt_state_init(&st);
    assert_true(pt_state_record_failure(&st, &one, -600));
    assert_true(pt_state_lock_left(&st, -600) != 0);
    pt_state_init(&st);
    assert_true(pt_state_record_failure(&st, &one, -601));
    assert_true(pt_state_lock_left(&st, -601) > 0);
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
    /* The lock: root's, 0600, in a root-only 0700 directory; the record is made at commit. */
    assert_int_equal(lstat(tfs_path("state/locks:"), &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(lstat(tfs_path("state/locks:/4242"), &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_uid, 0);
    const char *path = tfs_path("state/uid:4242");
    assert_int_equal(lstat(path, &sb), -1);
    st.last_step = 777;
    memcpy(st.enrolment, ID_A, sizeof st.enrolment);
    st.used[3] = 1;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    st.last_step = 778; /* a second commit under the same lock */
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(h.lockfd, -1);
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_uid, 0);
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

/* Commits ST with last_step = step under a fresh lock. */
static void commit_step(int64_t step)
{
    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    st.last_step = step;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
}

static void read_file(const char *path, unsigned char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
    close(fd);
}

static void write_at(const char *path, const void *buf, size_t len, off_t at)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, buf, len, at), (ssize_t)len);
    close(fd);
}

static int64_t read_step(void)
{
    static pt_state back;
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_OK);
    return back.last_step;
}

/* The two-slot record (state_slots.h): made once by atomic replacement, then updated in place,
 * alternating slots, with the file's inode and size unchanged; whatever a crash can leave of
 * the slot being written (nothing, a torn prefix at any sector, a flipped byte) reads as the
 * previous record, and the next update writes over it; a record that outgrows its slots gets a
 * bigger file; both slots damaged, or a size no pam_totp record has, fail closed. */
static void test_slots(void **state)
{
    (void)state;
    need_root();
    const char *path = tfs_path("state/uid:4242");
    commit_step(100);
    struct stat first, sb;
    assert_int_equal(lstat(path, &first), 0);
    assert_int_equal(first.st_size, 2 * PT_SLOT_MIN);
    commit_step(101);
    commit_step(102);
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(sb.st_ino == first.st_ino && sb.st_size == first.st_size);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);
    assert_int_equal(read_step(), 102);

    /* Now A holds 102 (seq 3), B 101 (seq 2). Write 103 into B as an update would, then undo
     * parts of it as a crash could, from each 512-byte sector on. */
    static unsigned char before[2 * PT_SLOT_MIN], after[2 * PT_SLOT_MIN];
    read_file(path, before, sizeof before);
    commit_step(103);
    read_file(path, after, sizeof after);
    assert_int_equal(memcmp(before, after, PT_SLOT_MIN), 0); /* slot A untouched */
    assert_int_equal(read_step(), 103);
    /* Torn after each byte: the new slot up to `torn`, the old one after it. Until the last
     * byte where they differ has landed, the slot is not whole and the previous record holds. */
    size_t last_diff = 0;
    for (size_t i = 0; i < PT_SLOT_MIN; i++)
        if (before[PT_SLOT_MIN + i] != after[PT_SLOT_MIN + i])
            last_diff = i;
    assert_true(last_diff > PT_SLOT_HEADER);
    for (size_t torn = 0; torn <= last_diff + 1; torn++) {
        write_at(path, after + PT_SLOT_MIN, torn, PT_SLOT_MIN);
        write_at(path, before + PT_SLOT_MIN + torn, PT_SLOT_MIN - torn, PT_SLOT_MIN + torn);
        assert_int_equal(read_step(), torn <= last_diff ? 102 : 103);
    }
    /* A slot never written (zeros), and one flipped byte in the header or the text. */
    static unsigned char zero[PT_SLOT_MIN];
    write_at(path, zero, sizeof zero, PT_SLOT_MIN);
    assert_int_equal(read_step(), 102);
    const size_t flips[] = { 0, 9, 17, 21, 30, PT_SLOT_HEADER, PT_SLOT_HEADER + 20 };
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        unsigned char slot[PT_SLOT_MIN];
        memcpy(slot, after + PT_SLOT_MIN, sizeof slot);
        slot[flips[i]] ^= 0x10;
        write_at(path, slot, sizeof slot, PT_SLOT_MIN);
        assert_int_equal(read_step(), 102);
    }
    /* The next update writes over the damaged slot with the next sequence number. */
    commit_step(104);
    assert_int_equal(read_step(), 104);
    commit_step(105);
    assert_int_equal(read_step(), 105);
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(sb.st_ino == first.st_ino);

    /* Outgrowing a slot (1000 recent failures are some 11 KiB of text): a bigger two-slot file
     * replaces the record. */
    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    for (unsigned i = 0; i < PT_FAILURES_MAX; i++)
        st.failures[i] = 1767225600 + i;
    st.nfailures = PT_FAILURES_MAX;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    st.last_step = 106; /* and in place again, in the bigger file */
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(sb.st_ino != first.st_ino && sb.st_size > first.st_size);
    static pt_state back;
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_OK);
    assert_int_equal(back.nfailures, PT_FAILURES_MAX);
    assert_int_equal(back.last_step, 106);

    /* Both slots damaged, or cut short: fail closed, naming the file. */
    size_t big = (size_t)sb.st_size;
    unsigned char *junk = calloc(1, big);
    assert_non_null(junk);
    memset(junk, 0x41, PT_SLOT_HEADER);
    write_at(path, junk, big, 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_ERR_MALFORMED);
    assert_logged("uid:4242");
    assert_logged("neither slot");
    assert_int_equal(truncate(path, (off_t)big - 4096), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged("not the size of a two-slot record");
    free(junk);
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
}

/* A whole-file text record (the previous release's form) is read as it is and becomes a
 * two-slot record, by atomic replacement, at its first update. */
static void test_text_upgrade(void **state)
{
    (void)state;
    need_root();
    const char *path = tfs_path("state/uid:4242");
    assert_int_equal(mkdir(tfs_path("state"), 0711), 0);
    assert_int_equal(tfs_write_str("state/uid:4242",
                                   "version = 1\nenrolment = -\nlast_step = 555\nused = \n"
                                   "failures = \nlock_until = 0\nfirst_required = 0\n", 0640), 0);
    assert_int_equal(chown(path, 0, NOBODY), 0);
    struct stat old, sb;
    assert_int_equal(lstat(path, &old), 0);
    assert_int_equal(read_step(), 555);
    commit_step(556);
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(sb.st_ino != old.st_ino && sb.st_size == 2 * PT_SLOT_MIN);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(read_step(), 556);
    commit_step(557);
    assert_int_equal(lstat(path, &old), 0);
    assert_true(sb.st_ino == old.st_ino);
    assert_int_equal(read_step(), 557);
}

static void test_file_refused(void **state)
{
    (void)state;
    need_root();
    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    const char *path = tfs_path("state/uid:4242");

    /* Empty: damage, never a fresh start. */
    assert_int_equal(truncate(path, 0), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged(path);
    assert_int_equal(h.lockfd, -1);
    assert_int_equal(pt_state_read(&fopts, &user, &st), PT_ERR_MALFORMED);

    /* Garbage. */
    assert_int_equal(tfs_write_str("state/uid:4242", "version = 1\nlast_step = x\n", 0640),
                     0);
    assert_int_equal(chown(path, 0, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged("line 2");

    /* Wrong mode, owner, group; a symlink. */
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
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

    /* A lock directory or lock file someone loosened: refused. */
    assert_int_equal(chmod(tfs_path("state/locks:"), 0755), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(chmod(tfs_path("state/locks:"), 0700), 0);
    assert_int_equal(chmod(tfs_path("state/locks:/4242"), 0644), 0);
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_UNSAFE);
    assert_int_equal(chmod(tfs_path("state/locks:/4242"), 0600), 0);

    /* A user name that is not a file name has no earlier record; the uid's is still used. */
    pt_user bad = user;
    snprintf(bad.name, sizeof bad.name, "..");
    assert_int_equal(pt_state_open_locked(&fopts, &bad, &h, &st), PT_OK);
    pt_state_close(&h);
}

/* A record of the previous release (state_dir/<name>) is honoured: merged into the uid's record
 * under the lock, removed once the merged record is written; reading merges it too. */
static void test_legacy(void **state)
{
    (void)state;
    need_root();
    pt_state_handle h;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    memcpy(st.enrolment, ID_A, sizeof st.enrolment);
    st.used[1] = 1;
    st.last_step = 100;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(tfs_write_str("state/pt-test-user",
                                   "version = 1\nenrolment = " ID_A "\nlast_step = 200\n"
                                   "used = 4\nfailures = 1700000000\nlock_until = -1\n"
                                   "first_required = 0\n", 0640), 0);
    assert_int_equal(chown(tfs_path("state/pt-test-user"), 0, NOBODY), 0);

    static pt_state back;
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_OK);
    assert_int_equal(back.last_step, 200);
    assert_int_equal(back.used[1] && back.used[4], 1);
    assert_int_equal(back.lock_until, -1);
    struct stat sb;
    assert_int_equal(lstat(tfs_path("state/pt-test-user"), &sb), 0); /* reading removes nothing */

    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_OK);
    assert_int_equal(st.last_step, 200);
    assert_int_equal(st.lock_until, -1);
    assert_int_equal(st.nfailures, 1);
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    assert_int_equal(lstat(tfs_path("state/pt-test-user"), &sb), -1);
    assert_int_equal(pt_state_read(&fopts, &user, &back), PT_OK);
    assert_int_equal(back.lock_until, -1);
    assert_int_equal(back.used[4], 1);

    /* A damaged earlier record fails closed, naming it. */
    assert_int_equal(tfs_write_str("state/pt-test-user", "garbage\n", 0640), 0);
    assert_int_equal(chown(tfs_path("state/pt-test-user"), 0, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h, &st), PT_ERR_MALFORMED);
    assert_logged("state/pt-test-user");
    /* reset removes both. */
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(lstat(tfs_path("state/pt-test-user"), &sb), -1);
    assert_int_equal(lstat(tfs_path("state/uid:4242"), &sb), -1);
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* The read made to decide, kept for the locked update: reused when the record was not replaced
 * since, read again when it was (or was removed), never kept with an earlier release's record;
 * nothing leaks. */
static void test_kept(void **state)
{
    (void)state;
    need_root();
    int fds = open_fds();
    pt_state_kept k;
    pt_state_handle h;
    /* Nothing on disk: nothing kept; the locked open creates as pt_state_open_locked does. */
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_false(k.valid);
    assert_int_equal(pt_state_open_locked_kept(&fopts, &user, &k, &h, &st), PT_OK);
    assert_int_equal(st.last_step, -1);
    st.last_step = 10;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);

    /* Unchanged since the read: what was read. */
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_true(k.valid);
    assert_int_equal(st.last_step, 10);
    st.last_step = 99; /* the caller's copy is not what is reused */
    assert_int_equal(pt_state_open_locked_kept(&fopts, &user, &k, &h, &st), PT_OK);
    assert_false(k.valid);
    assert_int_equal(st.last_step, 10);
    st.last_step = 11;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);

    /* Replaced by another update in between: read again, so that update is not lost. */
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_int_equal(st.last_step, 11);
    static pt_state other;
    pt_state_handle h2;
    assert_int_equal(pt_state_open_locked(&fopts, &user, &h2, &other), PT_OK);
    other.last_step = 12;
    assert_int_equal(pt_state_commit(&h2, &other), PT_OK);
    pt_state_close(&h2);
    assert_int_equal(pt_state_open_locked_kept(&fopts, &user, &k, &h, &st), PT_OK);
    assert_int_equal(st.last_step, 12);
    pt_state_close(&h);

    /* Removed in between (reset): the initial state, not the old record. */
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_true(k.valid);
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
    assert_int_equal(pt_state_open_locked_kept(&fopts, &user, &k, &h, &st), PT_OK);
    assert_int_equal(st.last_step, -1);
    st.last_step = 20;
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);

    /* An earlier release's record: merged, not kept; the locked open merges and the commit
     * removes it, as pt_state_open_locked does. */
    assert_int_equal(tfs_write_str("state/pt-test-user",
                                   "version = 1\nenrolment = " ID_A "\nlast_step = 30\n"
                                   "used = 4\nfailures = 1700000000\nlock_until = -1\n"
                                   "first_required = 0\n", 0640), 0);
    assert_int_equal(chown(tfs_path("state/pt-test-user"), 0, NOBODY), 0);
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_false(k.valid);
    assert_int_equal(st.last_step, 30);
    assert_int_equal(pt_state_open_locked_kept(&fopts, &user, &k, &h, &st), PT_OK);
    assert_int_equal(st.last_step, 30);
    assert_int_equal(pt_state_commit(&h, &st), PT_OK);
    pt_state_close(&h);
    struct stat sb;
    assert_int_equal(lstat(tfs_path("state/pt-test-user"), &sb), -1);

    /* Releasing twice, or what was never filled, is harmless; no descriptor is left open. */
    assert_int_equal(pt_state_read_kept(&fopts, &user, &k, &st), PT_OK);
    assert_true(k.valid);
    pt_state_kept_close(&k);
    pt_state_kept_close(&k);
    pt_state_kept zero;
    memset(&zero, 0, sizeof zero);
    pt_state_kept_close(&zero);
    assert_int_equal(open_fds(), fds);
    assert_int_equal(pt_state_remove(&fopts, &user), PT_OK);
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

/* Readers without the lock while updates write in place: writers commit in turn as fast as they
 * can, readers read all the while. Every read succeeds, and what one reader sees never goes
 * back. (The race read_stable closes, a reader preempted between the two slots of one pread
 * while two updates complete, needs a busy machine: integ_hardening_races met it once in a
 * parallel ctest run; this test did not in runs here without it. It guards the property.) */
static void test_read_while_writing(void **state)
{
    (void)state;
    need_root();
    enum { WRITERS = 2, EACH = 1000, READERS = 4 };
    commit_step(0);
    pid_t pids[WRITERS + READERS];
    for (int c = 0; c < WRITERS + READERS; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] != 0)
            continue;
        static pt_state cs;
        if (c < WRITERS) {
            for (int i = 0; i < EACH; i++) {
                pt_state_handle h;
                if (pt_state_open_locked(&fopts, &user, &h, &cs) != PT_OK)
                    _exit(1);
                cs.last_step++;
                if (pt_state_commit(&h, &cs) != PT_OK)
                    _exit(2);
                pt_state_close(&h);
            }
            _exit(0);
        }
        alarm(120); /* a writer that failed early must not leave the readers waiting forever */
        int64_t seen = -1;
        while (seen < WRITERS * EACH) {
            if (pt_state_read(&fopts, &user, &cs) != PT_OK)
                _exit(3);
            if (cs.last_step < seen)
                _exit(4);
            seen = cs.last_step;
        }
        _exit(0);
    }
    for (int c = 0; c < WRITERS + READERS; c++) {
        int status;
        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("%s %d failed (status %d)", c < WRITERS ? "writer" : "reader", c, status);
    }
    assert_int_equal(read_step(), WRITERS * EACH);
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
        cmocka_unit_test(test_other_used_malformed),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_clock_before_1970),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_hosts_malformed),
        cmocka_unit_test_setup_teardown(test_file, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_file_refused, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_concurrent, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_legacy, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_kept, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_slots, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_read_while_writing, fsetup, fteardown),
        cmocka_unit_test_setup_teardown(test_text_upgrade, fsetup, fteardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0 && geteuid() != 0)
        return 77; /* the file tests were skipped */
    return rc;
}

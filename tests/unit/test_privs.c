/* Acting as a user on the file system: after pt_privs_drop the kernel reports the user's fsuid,
 * fsgid and groups and enforces them on real files; pt_privs_restore brings everything back.
 * Needs root (it is what the module runs as); skips with 77 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "privs.h"
#include "pt_error.h"

#define NOBODY_UID 65534
#define NOBODY_GID 65534

static char dir[64];

/* An invalid id changes nothing and returns the current one. */
static uid_t cur_fsuid(void)
{
    return (uid_t)setfsuid((uid_t)-1);
}

static gid_t cur_fsgid(void)
{
    return (gid_t)setfsgid((gid_t)-1);
}

static int cmp_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return x < y ? -1 : x > y;
}

/* The current supplementary groups, sorted, into g (returns the count). */
static int groups_sorted(gid_t *g, int max)
{
    int n = getgroups(max, g);
    assert_true(n >= 0);
    qsort(g, (size_t)n, sizeof *g, cmp_gid);
    return n;
}

static int setup(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        fprintf(stderr, "test_privs needs root: skipped\n");
        exit(77);
    }
    snprintf(dir, sizeof dir, "/tmp/pt-test-privs-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return chmod(dir, 0755);
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_drop_and_restore(void **state)
{
    gid_t before[NGROUPS_MAX], during[NGROUPS_MAX], want[NGROUPS_MAX], after[NGROUPS_MAX];
    char secret[128], mine[160], sub[128];
    pt_privs p;
    struct stat sb;
    (void)state;

    /* A root-only file, and a directory the user may write. */
    snprintf(secret, sizeof secret, "%s/root-only", dir);
    int fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(sub, sizeof sub, "%s/home", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(chown(sub, NOBODY_UID, NOBODY_GID), 0);
    snprintf(mine, sizeof mine, "%s/file", sub);

    int nbefore = groups_sorted(before, NGROUPS_MAX);
    int nwant = NGROUPS_MAX;
    assert_true(getgrouplist("nobody", NOBODY_GID, want, &nwant) >= 0);
    qsort(want, (size_t)nwant, sizeof *want, cmp_gid);

    assert_int_equal(pt_privs_drop(&p, "nobody", NOBODY_UID, NOBODY_GID), PT_OK);
    assert_true(p.active);
    assert_int_equal(cur_fsuid(), NOBODY_UID);
    assert_int_equal(cur_fsgid(), NOBODY_GID);
    int nduring = groups_sorted(during, NGROUPS_MAX);
    assert_int_equal(nduring, nwant);
    assert_memory_equal(during, want, (size_t)nwant * sizeof *want);
    /* The kernel now treats our file access as the user's. */
    errno = 0;
    assert_int_equal(open(secret, O_RDONLY), -1);
    assert_int_equal(errno, EACCES);
    fd = open(mine, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &sb), 0);
    close(fd);
    assert_int_equal(sb.st_uid, NOBODY_UID);
    assert_int_equal(sb.st_gid, NOBODY_GID);
    /* The real and effective ids are untouched: only the file-system identity changed. */
    assert_int_equal(getuid(), 0);
    assert_int_equal(geteuid(), 0);

    assert_int_equal(pt_privs_restore(&p), PT_OK);
    assert_false(p.active);
    assert_null(p.groups);
    assert_int_equal(cur_fsuid(), 0);
    assert_int_equal(cur_fsgid(), 0);
    int nafter = groups_sorted(after, NGROUPS_MAX);
    assert_int_equal(nafter, nbefore);
    assert_memory_equal(after, before, (size_t)nbefore * sizeof *before);
    fd = open(secret, O_RDONLY);
    assert_true(fd >= 0);
    close(fd);

    /* Restoring twice is harmless. */
    assert_int_equal(pt_privs_restore(&p), PT_OK);
}

static void test_drop_without_name(void **state)
{
    gid_t g[NGROUPS_MAX];
    pt_privs p;
    (void)state;
    assert_int_equal(pt_privs_drop(&p, NULL, 12345, 23456), PT_OK);
    assert_int_equal(cur_fsuid(), 12345);
    assert_int_equal(cur_fsgid(), 23456);
    assert_int_equal(getgroups(NGROUPS_MAX, g), 1);
    assert_int_equal(g[0], 23456);
    assert_int_equal(pt_privs_restore(&p), PT_OK);
    assert_int_equal(cur_fsuid(), 0);
    assert_int_equal(cur_fsgid(), 0);
}

/* pt_privs_drop_user uses the gids already in the pt_user (no second group lookup): here a
 * made-up list that no database holds, which only the cached path can produce. */
static void test_drop_user_cached_gids(void **state)
{
    gid_t g[NGROUPS_MAX];
    gid_t mine[2] = { 23456, 34567 };
    pt_user u;
    pt_privs p;
    (void)state;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "nobody");
    u.uid = 12345;
    u.gid = 23456;
    u.gids = mine;
    u.ngids = 2;
    assert_int_equal(pt_privs_drop_user(&p, &u), PT_OK);
    assert_int_equal(cur_fsuid(), 12345);
    assert_int_equal(cur_fsgid(), 23456);
    int n = getgroups(NGROUPS_MAX, g);
    assert_int_equal(n, 2);
    assert_true((g[0] == 23456 && g[1] == 34567) || (g[0] == 34567 && g[1] == 23456));
    assert_int_equal(pt_privs_restore(&p), PT_OK);
    assert_int_equal(cur_fsuid(), 0);
}

/* Not root: nothing to switch, fine only for ourselves. Run in a child that gave up root. */
static void test_not_root(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pt_privs p;
        int bad = 0;
        pt_log_set_sink(NULL, NULL);
        if (setgroups(0, NULL) != 0 || setgid(NOBODY_GID) != 0 || setuid(NOBODY_UID) != 0)
            _exit(10);
        if (pt_privs_drop(&p, "nobody", NOBODY_UID, NOBODY_GID) != PT_OK || p.active)
            bad |= 1;
        if (pt_privs_restore(&p) != PT_OK)
            bad |= 2;
        if (pt_privs_drop(&p, "root", 0, 0) != PT_ERR_PERM)
            bad |= 4;
        if (pt_privs_drop(&p, "daemon", 1, 1) != PT_ERR_PERM)
            bad |= 8;
        _exit(bad);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_restore_inactive(void **state)
{
    pt_privs p;
    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(pt_privs_restore(&p), PT_OK);
    assert_int_equal(pt_privs_restore(NULL), PT_ERR_PERM);
    assert_int_equal(pt_privs_drop(NULL, "nobody", NOBODY_UID, NOBODY_GID), PT_ERR_PERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_and_restore),
        cmocka_unit_test(test_drop_without_name),
        cmocka_unit_test(test_drop_user_cached_gids),
        cmocka_unit_test(test_not_root),
        cmocka_unit_test(test_restore_inactive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

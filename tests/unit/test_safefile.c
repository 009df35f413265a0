/* Safe file I/O: every unsafe file is refused with a message naming it and the reason (symlink,
 * wrong owner or group, group/world access, FIFO, directory, hard link, oversize, NUL), reads
 * work, and replacement is atomic: no temp files are left, a failed replace keeps the old file,
 * and a reader never sees a half-written file. Needs root (owners are tested); skips otherwise. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "pt_error.h"
#include "pt_testfs.h"
#include "safefile.h"

#define NOBODY 65534

static int dirfd_;

static int setup(void **state)
{
    if (tfs_setup(state) != 0)
        return -1;
    dirfd_ = open(tfs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    close(dirfd_);
    return tfs_teardown(state);
}

static const pt_file_rules rules_0600 = { .uid = 0, .allowed = 0600, .max_size = 100 };

/* Reads tfs_dir/name with rules; returns the rc and frees any data. */
static int read_rc(const char *name, const pt_file_rules *r)
{
    char *data = NULL;
    size_t len = 0;
    tfs_clear_msgs();
    int rc = pt_file_read_at(dirfd_, name, tfs_path(name), r, &data, &len);
    if (rc == PT_OK) {
        assert_non_null(data);
        free(data);
    } else {
        assert_null(data);
    }
    return rc;
}

static void test_read_ok(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("ok", "hello\n", 0600), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(pt_file_read_at(dirfd_, "ok", "ok", &rules_0600, &data, &len), PT_OK);
    assert_int_equal(len, 6);
    assert_string_equal(data, "hello\n");
    free(data);
    /* Stricter than allowed is fine. */
    assert_int_equal(tfs_write_str("strict", "x", 0400), 0);
    assert_int_equal(read_rc("strict", &rules_0600), PT_OK);
    assert_int_equal(read_rc("missing", &rules_0600), PT_ERR_NOENT);
}

static void test_symlink(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("real", "x\n", 0600), 0);
    assert_int_equal(symlink(tfs_path("real"), tfs_path("link")), 0);
    assert_int_equal(read_rc("link", &rules_0600), PT_ERR_UNSAFE);
    assert_logged(tfs_path("link"));
    assert_logged("symbolic link");
}

static void test_wrong_owner(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("theirs", "x\n", 0600), 0);
    assert_int_equal(chown(tfs_path("theirs"), NOBODY, NOBODY), 0);
    assert_int_equal(read_rc("theirs", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("owned by uid 65534");
    /* The group is checked when asked. */
    assert_int_equal(tfs_write_str("grp", "x\n", 0640), 0);
    assert_int_equal(chown(tfs_path("grp"), 0, NOBODY), 0);
    pt_file_rules r = { .uid = 0, .check_gid = true, .gid = 0, .allowed = 0640, .max_size = 10 };
    assert_int_equal(read_rc("grp", &r), PT_ERR_UNSAFE);
    assert_logged("group is gid 65534");
    r.gid = NOBODY;
    assert_int_equal(read_rc("grp", &r), PT_OK);
}

static void test_modes(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("m644", "x\n", 0644), 0);
    assert_int_equal(read_rc("m644", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("mode 0644 allows access by the group and others");
    assert_logged("chmod 600");
    assert_logged(tfs_path("m644"));

    assert_int_equal(tfs_write_str("m620", "x\n", 0620), 0);
    assert_int_equal(read_rc("m620", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("the group");
    assert_int_equal(tfs_write_str("m602", "x\n", 0602), 0);
    assert_int_equal(read_rc("m602", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("others");
    assert_int_equal(tfs_write_str("setuid", "x\n", 04600), 0);
    assert_int_equal(read_rc("setuid", &rules_0600), PT_ERR_UNSAFE);
}

static void on_alarm(int sig)
{
    (void)sig;
    fprintf(stderr, "hung on a FIFO\n");
    _exit(1);
}

static void test_fifo(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(tfs_path("fifo"), 0600), 0);
    signal(SIGALRM, on_alarm);
    alarm(5); /* opening a FIFO without a writer must not block */
    assert_int_equal(read_rc("fifo", &rules_0600), PT_ERR_UNSAFE);
    alarm(0);
    assert_logged("FIFO");
}

static void test_directory(void **state)
{
    (void)state;
    assert_int_equal(mkdir(tfs_path("adir"), 0700), 0);
    assert_int_equal(read_rc("adir", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("directory");
}

static void test_hard_link(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("orig", "x\n", 0600), 0);
    assert_int_equal(link(tfs_path("orig"), tfs_path("hl")), 0);
    assert_int_equal(read_rc("hl", &rules_0600), PT_ERR_UNSAFE);
    assert_logged("hard links");
    assert_int_equal(read_rc("orig", &rules_0600), PT_ERR_UNSAFE);
}

static void test_size_and_nul(void **state)
{
    (void)state;
    char big[101];
    memset(big, 'a', sizeof big);
    assert_int_equal(tfs_write("exact", big, 100, 0600), 0);
    assert_int_equal(read_rc("exact", &rules_0600), PT_OK);
    assert_int_equal(tfs_write("big", big, 101, 0600), 0);
    assert_int_equal(read_rc("big", &rules_0600), PT_ERR_TOOBIG);
    assert_logged("101 bytes");
    assert_int_equal(tfs_write("nul", "ab\0cd\n", 6, 0600), 0);
    assert_int_equal(read_rc("nul", &rules_0600), PT_ERR_MALFORMED);
    assert_logged("NUL");
    /* The cap is enforced on what is read too, not only on what fstat said. */
    int fd;
    assert_int_equal(tfs_write("grows", "small", 5, 0600), 0);
    assert_int_equal(pt_file_open_checked(dirfd_, "grows", "grows", &rules_0600, &fd), PT_OK);
    int wfd = open(tfs_path("grows"), O_WRONLY | O_APPEND);
    assert_true(wfd >= 0);
    assert_int_equal(write(wfd, big, 101), 101);
    close(wfd);
    char *data = NULL;
    size_t len;
    assert_int_equal(pt_file_read_fd(fd, "grows", 100, &data, &len), PT_ERR_TOOBIG);
    assert_null(data);
    close(fd);
}

static void read_expect(const char *name, const char *want)
{
    char *data = NULL;
    size_t len = 0;
    pt_file_rules r = { .uid = 0, .allowed = 0777, .max_size = 1 << 20 };
    assert_int_equal(pt_file_read_at(dirfd_, name, name, &r, &data, &len), PT_OK);
    assert_string_equal(data, want);
    free(data);
}

static void test_replace(void **state)
{
    (void)state;
    assert_int_equal(tfs_write_str("r", "old\n", 0600), 0);
    assert_int_equal(pt_file_replace_at(dirfd_, "r", "r", "new\n", 4, 0, NOBODY, 0640), PT_OK);
    struct stat sb;
    assert_int_equal(stat(tfs_path("r"), &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(sb.st_gid, NOBODY);
    read_expect("r", "new\n");
    assert_int_equal(tfs_count_temps(tfs_dir), 0);

    /* A symlink at the name is replaced, its target untouched. */
    assert_int_equal(tfs_write_str("target", "keep\n", 0600), 0);
    assert_int_equal(symlink(tfs_path("target"), tfs_path("sl")), 0);
    assert_int_equal(pt_file_replace_at(dirfd_, "sl", "sl", "file\n", 5, 0, 0, 0600), PT_OK);
    assert_int_equal(lstat(tfs_path("sl"), &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    read_expect("target", "keep\n");

    /* A failed replace (a non-empty directory holds the name) leaves no temp file behind. */
    assert_int_equal(mkdir(tfs_path("d"), 0700), 0);
    assert_int_equal(tfs_write_str("d/inside", "x", 0600), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_file_replace_at(dirfd_, "d", "d", "x", 1, 0, 0, 0600), PT_ERR_IO);
    assert_logged("cannot move");
    assert_int_equal(tfs_count_temps(tfs_dir), 0);
    read_expect("d/inside", "x");
}

/* A reader racing a writer sees the old or the new file, whole, never a mixture or nothing. */
static void test_replace_atomic(void **state)
{
    (void)state;
    enum { SZ = 8192 };
    static char a[SZ + 1], b[SZ + 1];
    memset(a, 'a', SZ);
    memset(b, 'b', SZ);
    assert_int_equal(tfs_write("race", a, SZ, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int i = 0; i < 300; i++)
            if (pt_file_replace_at(dirfd_, "race", "race", (i & 1) ? a : b, SZ, 0, 0, 0600))
                _exit(1);
        _exit(0);
    }
    pt_file_rules r = { .uid = 0, .allowed = 0600, .max_size = SZ };
    int whole = 0;
    char bad[512] = "";
    for (int i = 0; i < 600; i++) {
        char *data = NULL;
        size_t len = 0;
        tfs_clear_msgs();
        int rc = pt_file_read_at(dirfd_, "race", "race", &r, &data, &len);
        if (rc == PT_OK && len == SZ && (memcmp(data, a, SZ) == 0 || memcmp(data, b, SZ) == 0))
            whole++;
        else if (!bad[0])
            snprintf(bad, sizeof bad, "rc %d, %zu bytes: %.400s", rc, len, tfs_msgs);
        free(data);
    }
    /* Collect the writer before asserting, so a failure leaves no process behind. */
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (whole != 600)
        fail_msg("a read during replacement saw something else: %s", bad);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);
}

static void test_create_at(void **state)
{
    (void)state;
    assert_int_equal(pt_file_create_at(dirfd_, "c", "c", "first\n", 6, 0, 0, 0640), PT_OK);
    assert_int_equal(pt_file_create_at(dirfd_, "c", "c", "second\n", 7, 0, 0, 0640),
                     PT_ERR_EXISTS);
    read_expect("c", "first\n");
    struct stat sb;
    assert_int_equal(stat(tfs_path("c"), &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(sb.st_nlink, 1);
    assert_int_equal(tfs_count_temps(tfs_dir), 0);

    assert_int_equal(pt_file_remove_at(dirfd_, "c", "c"), PT_OK);
    assert_int_equal(pt_file_remove_at(dirfd_, "c", "c"), PT_ERR_NOENT);
    assert_int_equal(pt_file_replace_at(dirfd_, "a/b", "a/b", "x", 1, 0, 0, 0600), PT_ERR_INVAL);
}

static void test_dirs(void **state)
{
    (void)state;
    int fd;
    assert_int_equal(mkdir(tfs_path("good"), 0700), 0);
    assert_int_equal(pt_dir_open(tfs_path("good"), 0, &fd), PT_OK);
    close(fd);
    assert_int_equal(pt_dir_open(tfs_path("nope"), 0, &fd), PT_ERR_NOENT);
    assert_int_equal(fd, -1);

    assert_int_equal(mkdir(tfs_path("gw"), 0770), 0);
    assert_int_equal(chmod(tfs_path("gw"), 0770), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open(tfs_path("gw"), 0, &fd), PT_ERR_UNSAFE);
    assert_logged("chmod go-w");

    assert_int_equal(mkdir(tfs_path("sticky"), 0700), 0);
    assert_int_equal(chmod(tfs_path("sticky"), 01777), 0);
    assert_int_equal(pt_dir_open(tfs_path("sticky"), 0, &fd), PT_ERR_UNSAFE);

    assert_int_equal(symlink(tfs_path("good"), tfs_path("dlink")), 0);
    assert_int_equal(pt_dir_open(tfs_path("dlink"), 0, &fd), PT_ERR_UNSAFE);

    assert_int_equal(mkdir(tfs_path("nob"), 0700), 0);
    assert_int_equal(chown(tfs_path("nob"), NOBODY, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open(tfs_path("nob"), 0, &fd), PT_ERR_UNSAFE);
    assert_logged("owned by uid 65534");
    assert_int_equal(pt_dir_open(tfs_path("nob"), NOBODY, &fd), PT_OK);
    close(fd);
    /* A root-owned directory may hold a user's files (pt_dir_open_user), another's may not. */
    assert_int_equal(pt_dir_open_user(tfs_path("good"), NOBODY, &fd), PT_OK);
    close(fd);
    /* A home directory's path may be a symlink (/home/bob -> /data/bob); the directory it
     * resolves to is still checked. */
    assert_int_equal(pt_dir_open_user(tfs_path("dlink"), NOBODY, &fd), PT_OK);
    close(fd);
    assert_int_equal(symlink(tfs_path("gw"), tfs_path("gwlink")), 0);
    assert_int_equal(pt_dir_open_user(tfs_path("gwlink"), 0, &fd), PT_ERR_UNSAFE);
    assert_int_equal(pt_dir_open_user(tfs_path("nob"), 1234, &fd), PT_ERR_UNSAFE);

    assert_int_equal(tfs_write_str("plain", "x", 0600), 0);
    assert_int_equal(pt_dir_open(tfs_path("plain"), 0, &fd), PT_ERR_UNSAFE);
}

static void test_dir_create(void **state)
{
    (void)state;
    int fd;
    mode_t old = umask(077);
    assert_int_equal(pt_dir_open_or_create(tfs_path("made"), 0, NOBODY, 0711, &fd), PT_OK);
    umask(old);
    close(fd);
    struct stat sb;
    assert_int_equal(lstat(tfs_path("made"), &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 07777, 0711);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(pt_dir_open_or_create(tfs_path("made"), 0, 0, 0711, &fd), PT_OK);
    close(fd);
    assert_int_equal(pt_dir_open_or_create(tfs_path("no/such/parent"), 0, 0, 0700, &fd),
                     PT_ERR_NOENT);
}

/* Every directory from "/" down is checked, not only the last one (DESIGN section 8). */
static void test_dir_parents(void **state)
{
    (void)state;
    int fd;
    /* A group-writable directory above: refused, naming it, and nothing is created below it. */
    assert_int_equal(mkdir(tfs_path("gwp"), 0775), 0);
    assert_int_equal(chmod(tfs_path("gwp"), 0775), 0);
    assert_int_equal(mkdir(tfs_path("gwp/sub"), 0711), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open(tfs_path("gwp/sub"), 0, &fd), PT_ERR_UNSAFE);
    assert_logged(tfs_path("gwp"));
    assert_logged("chmod go-w");
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open_or_create(tfs_path("gwp/new"), 0, 0, 0711, &fd), PT_ERR_UNSAFE);
    assert_logged(tfs_path("gwp"));
    struct stat sb;
    assert_int_equal(lstat(tfs_path("gwp/new"), &sb), -1);
    /* A missing directory below an unsafe one is still reported as unsafe, not as missing. */
    assert_int_equal(pt_dir_open(tfs_path("gwp/nope/deeper"), 0, &fd), PT_ERR_UNSAFE);

    /* A directory above owned by someone else: they could rename what is below. */
    assert_int_equal(mkdir(tfs_path("nobp"), 0755), 0);
    assert_int_equal(chown(tfs_path("nobp"), NOBODY, 0), 0);
    assert_int_equal(mkdir(tfs_path("nobp/sub"), 0711), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open(tfs_path("nobp/sub"), 0, &fd), PT_ERR_UNSAFE);
    assert_logged("not root");

    /* A sticky, world-writable directory above a root-owned one is safe (like /tmp). */
    assert_int_equal(mkdir(tfs_path("stk"), 0700), 0);
    assert_int_equal(chmod(tfs_path("stk"), 01777), 0);
    assert_int_equal(mkdir(tfs_path("stk/sub"), 0711), 0);
    assert_int_equal(pt_dir_open(tfs_path("stk/sub"), 0, &fd), PT_OK);
    close(fd);
    assert_int_equal(pt_dir_open_or_create(tfs_path("stk/made"), 0, 0, 0700, &fd), PT_OK);
    close(fd);

    /* A root-owned link on the way is followed and its target checked; one pointing into an
     * unsafe directory is refused; "//" and "." are harmless; ".." is refused. */
    assert_int_equal(mkdir(tfs_path("real"), 0755), 0);
    assert_int_equal(mkdir(tfs_path("real/sub"), 0711), 0);
    assert_int_equal(symlink("real", tfs_path("rlink")), 0);
    assert_int_equal(pt_dir_open(tfs_path("rlink/sub"), 0, &fd), PT_OK);
    close(fd);
    assert_int_equal(mkdir(tfs_path("a"), 0755), 0);
    assert_int_equal(symlink("../real", tfs_path("a/up")), 0); /* like /var/run -> ../run */
    assert_int_equal(pt_dir_open(tfs_path("a/up/sub"), 0, &fd), PT_OK);
    close(fd);
    assert_int_equal(symlink("./../gwp", tfs_path("a/upbad")), 0);
    assert_int_equal(pt_dir_open(tfs_path("a/upbad/sub"), 0, &fd), PT_ERR_UNSAFE);
    assert_int_equal(symlink(tfs_path("gwp"), tfs_path("badlink")), 0);
    assert_int_equal(pt_dir_open(tfs_path("badlink/sub"), 0, &fd), PT_ERR_UNSAFE);
    assert_int_equal(symlink("real", tfs_path("userlink")), 0);
    assert_int_equal(lchown(tfs_path("userlink"), NOBODY, NOBODY), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_dir_open(tfs_path("userlink/sub"), 0, &fd), PT_ERR_UNSAFE);
    assert_logged("not owned by root");
    char p[512];
    snprintf(p, sizeof p, "%s//./real//sub", tfs_dir);
    assert_int_equal(pt_dir_open(p, 0, &fd), PT_OK);
    close(fd);
    snprintf(p, sizeof p, "%s/real/../real/sub", tfs_dir);
    assert_int_equal(pt_dir_open(p, 0, &fd), PT_ERR_INVAL);
    assert_int_equal(pt_dir_open("relative", 0, &fd), PT_ERR_INVAL);
    assert_int_equal(pt_dir_open("/", 0, &fd), PT_OK);
    close(fd);

    /* pt_file_read_path: the same walk for a file. */
    assert_int_equal(tfs_write_str("real/key", "k\n", 0600), 0);
    pt_file_rules r = { .uid = 0, .allowed = 0600, .max_size = 64 };
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(pt_file_read_path(tfs_path("real/key"), &r, &data, &len), PT_OK);
    assert_int_equal(len, 2);
    free(data);
    assert_int_equal(tfs_write_str("gwp/key", "k\n", 0600), 0);
    assert_int_equal(pt_file_read_path(tfs_path("gwp/key"), &r, &data, &len), PT_ERR_UNSAFE);
}

static void test_split(void **state)
{
    (void)state;
    int fd;
    char name[64];
    assert_int_equal(mkdir(tfs_path("sp"), 0700), 0);
    assert_int_equal(pt_path_split_open(tfs_path("sp/file"), 0, &fd, name, sizeof name), PT_OK);
    assert_string_equal(name, "file");
    close(fd);
    assert_int_equal(pt_path_split_open("relative/file", 0, &fd, name, sizeof name),
                     PT_ERR_INVAL);
    assert_int_equal(pt_path_split_open("nofile", 0, &fd, name, sizeof name), PT_ERR_INVAL);
    assert_int_equal(pt_path_split_open("/etc/", 0, &fd, name, sizeof name), PT_ERR_INVAL);
    assert_int_equal(pt_path_split_open("/etc/..", 0, &fd, name, sizeof name), PT_ERR_INVAL);
    char dir[64];
    assert_int_equal(pt_path_split("/top", dir, sizeof dir, name, sizeof name), PT_OK);
    assert_string_equal(dir, "/");
    assert_string_equal(name, "top");
    assert_int_equal(pt_path_split("/a/verylongname", dir, sizeof dir, name, 4), PT_ERR_TOOBIG);
}

int main(void)
{
    tfs_need_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_and_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

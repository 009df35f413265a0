/* Shared by the file tests (safefile, enrolment, state, verify): a private scratch directory,
 * captured diagnostics, and small file helpers. Header-only: each test is one program. */
#ifndef PT_TESTFS_H
#define PT_TESTFS_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* ---- captured diagnostics ---- */
static char tfs_msgs[16384];

static inline void tfs_capture(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)priority;
    size_t n = strlen(tfs_msgs);
    snprintf(tfs_msgs + n, sizeof tfs_msgs - n, "%s\n", msg);
}

static inline void tfs_clear_msgs(void)
{
    tfs_msgs[0] = '\0';
}

/* Every diagnostic since the last clear must together contain s. */
#define assert_logged(s)                                                                       \
    do {                                                                                       \
        if (!strstr(tfs_msgs, (s)))                                                            \
            fail_msg("diagnostics \"%s\" lack \"%s\"", tfs_msgs, (s));                         \
    } while (0)

/* ---- scratch directory ---- */
static char tfs_dir[128];

static inline int tfs_rm_entry(const char *p, const struct stat *sb, int flag,
                               struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tfs_rm_rf(const char *path)
{
    nftw(path, tfs_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh root-owned directory, searchable (0711) so a test may act as another user below it. */
static inline int tfs_setup(void **state)
{
    (void)state;
    snprintf(tfs_dir, sizeof tfs_dir, "/tmp/pt-test-files-XXXXXX");
    if (!mkdtemp(tfs_dir))
        return -1;
    chmod(tfs_dir, 0711);
    pt_log_set_sink(tfs_capture, NULL);
    tfs_clear_msgs();
    return 0;
}

static inline int tfs_teardown(void **state)
{
    (void)state;
    tfs_rm_rf(tfs_dir);
    return 0;
}

/* tfs_dir + "/" + name */
static inline const char *tfs_path(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", tfs_dir, name);
    return buf[i];
}

/* Writes len bytes to tfs_dir/name with mode; returns 0 on success. */
static inline int tfs_write(const char *name, const void *data, size_t len, mode_t mode)
{
    const char *p = tfs_path(name);
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    close(fd);
    return ok ? 0 : -1;
}

static inline int tfs_write_str(const char *name, const char *s, mode_t mode)
{
    return tfs_write(name, s, strlen(s), mode);
}

/* Number of entries in dir whose name contains ".tmp." (leftover temp files). */
static inline int tfs_count_temps(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.tmp.*' | grep -c . || true", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static inline void tfs_need_root(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "needs root (owners are part of what is tested); skipping\n");
        exit(77);
    }
}

#endif

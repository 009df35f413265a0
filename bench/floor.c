/* See floor.h. */
#include "floor.h"

#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <unistd.h>

#define FLOOR_NAME "pt-bench-floor"
#define FLOOR_TMP "pt-bench-floor.tmp"

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Two 4 KiB slots; the file is made once (outside any measured call's steady state). */
static int floor_inplace(int dirfd, const char *buf, unsigned n)
{
    int fd = openat(dirfd, FLOOR_NAME, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    int rc = pwrite(fd, buf, BENCH_FLOOR_BYTES, (off_t)(n % 2) * 4096) == BENCH_FLOOR_BYTES &&
             fdatasync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

int bench_floor_once(int dirfd, bench_floor_mode mode, unsigned n)
{
    char buf[BENCH_FLOOR_BYTES];
    memset(buf, 'x', sizeof(buf));
    buf[sizeof(buf) - 1] = '\n';
    if (mode == FLOOR_INPLACE)
        return floor_inplace(dirfd, buf, n);
    int fd = openat(dirfd, FLOOR_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (write_all(fd, buf, sizeof(buf)) != 0 || fsync(fd) != 0) {
        close(fd);
        unlinkat(dirfd, FLOOR_TMP, 0);
        return -1;
    }
    if (close(fd) != 0 || renameat(dirfd, FLOOR_TMP, dirfd, FLOOR_NAME) != 0) {
        unlinkat(dirfd, FLOOR_TMP, 0);
        return -1;
    }
    return mode == FLOOR_NO_DIRSYNC ? 0 : fsync(dirfd);
}

void bench_floor_cleanup(int dirfd)
{
    unlinkat(dirfd, FLOOR_TMP, 0);
    unlinkat(dirfd, FLOOR_NAME, 0);
}

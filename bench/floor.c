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

int bench_floor_once(int dirfd)
{
    char buf[BENCH_FLOOR_BYTES];
    memset(buf, 'x', sizeof(buf));
    buf[sizeof(buf) - 1] = '\n';
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
    return fsync(dirfd);
}

void bench_floor_cleanup(int dirfd)
{
    unlinkat(dirfd, FLOOR_TMP, 0);
    unlinkat(dirfd, FLOOR_NAME, 0);
}

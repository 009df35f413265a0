/* See files.h. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bench_mkdir(const char *dir, mode_t mode, uid_t uid, gid_t gid)
{
    if (mkdir(dir, mode) != 0 && errno != EEXIST) {
        fprintf(stderr, "pt-bench: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (chown(dir, uid, gid) != 0 || chmod(dir, mode) != 0) {
        fprintf(stderr, "pt-bench: cannot set owner and mode of %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int bench_path(char *out, size_t outsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outsz, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= outsz) {
        fprintf(stderr, "pt-bench: path too long\n");
        return -1;
    }
    return 0;
}

int bench_write_file(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
                     gid_t gid)
{
    char tmp[4096];
    if (bench_path(tmp, sizeof(tmp), "%s.pt-bench-tmp", path) != 0)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        fprintf(stderr, "pt-bench: cannot create %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    int ok = 1;
    while (ok && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0)
            ok = 0;
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (ok && (fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0))
        ok = 0;
    if (close(fd) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "pt-bench: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int bench_write_other(const char *confdir)
{
    static const char text[] = "# pt-bench: no default stack; every service is named explicitly\n";
    char path[4096];
    if (bench_path(path, sizeof(path), "%s/other", confdir) != 0)
        return -1;
    return bench_write_file(path, text, sizeof(text) - 1, 0644, 0, 0);
}

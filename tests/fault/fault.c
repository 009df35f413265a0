/* pt-fault.so: an LD_PRELOAD shim that makes file operations under one directory fail, to prove
 * the module fails closed on disk errors (EIO, ENOSPC, EROFS, EDQUOT) without leaving temp files
 * or damaging what was there. Test-only: never installed, never linked into shipped code.
 *
 * Environment (read at every call, so a test sets it on the one command it runs):
 *   PT_FAULT_PATH   absolute directory; only operations on files under it fail (required)
 *   PT_FAULT_OPS    comma list: write, fsync, rename, link, create, truncate, or all
 *   PT_FAULT_ERRNO  EIO (default), ENOSPC, EROFS or EDQUOT
 *   PT_FAULT_SKIP   let this many matching calls succeed first (default 0)
 *   PT_FAULT_LOG    file to which every injected failure is appended as "OP PATH" (so the test
 *                   can prove the fault was hit and not passed by luck)
 * fd-based calls find their path through /proc/self/fd; *at calls through their dirfd. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* O_TMPFILE includes O_DIRECTORY: only the whole value means a nameless temp file. */
#define CREATES(flags) (((flags) & O_CREAT) || ((flags) & __O_TMPFILE) == __O_TMPFILE)

static __thread int in_shim; /* our own bookkeeping never faults itself */
static int skipped;          /* matching calls let through so far (per process) */

static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL)
        abort();
    return f;
}

static int op_selected(const char *op)
{
    const char *ops = getenv("PT_FAULT_OPS");
    if (ops == NULL)
        return 0;
    size_t n = strlen(op);
    for (const char *p = ops; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if ((len == n && strncmp(p, op, n) == 0) || (len == 3 && strncmp(p, "all", 3) == 0))
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int fault_errno(void)
{
    const char *e = getenv("PT_FAULT_ERRNO");
    if (e == NULL || strcmp(e, "EIO") == 0)
        return EIO;
    if (strcmp(e, "ENOSPC") == 0)
        return ENOSPC;
    if (strcmp(e, "EROFS") == 0)
        return EROFS;
    if (strcmp(e, "EDQUOT") == 0)
        return EDQUOT;
    return EIO;
}

static int under_prefix(const char *path)
{
    const char *pre = getenv("PT_FAULT_PATH");
    if (pre == NULL || *pre == '\0' || path == NULL)
        return 0;
    size_t n = strlen(pre);
    while (n > 1 && pre[n - 1] == '/')
        n--;
    return strncmp(path, pre, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void fd_path(int fd, char *out, size_t outsz)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, outsz - 1);
    out[n > 0 ? (size_t)n : 0] = '\0';
}

/* Joins dir and name; a path too long to hold is treated as no path (never faulted). */
static void join(char *out, size_t outsz, const char *dir, const char *name)
{
    int n = snprintf(out, outsz, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outsz)
        out[0] = '\0';
}

static void at_path(int dirfd, const char *name, char *out, size_t outsz)
{
    if (name == NULL) {
        out[0] = '\0';
        return;
    }
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        if (name[0] == '/')
            snprintf(out, outsz, "%s", name);
        else {
            char cwd[PATH_MAX];
            if (getcwd(cwd, sizeof cwd) == NULL)
                cwd[0] = '\0';
            join(out, outsz, cwd, name);
        }
        return;
    }
    char dir[PATH_MAX];
    fd_path(dirfd, dir, sizeof dir);
    join(out, outsz, dir, name);
}

static void note(const char *op, const char *path)
{
    const char *log = getenv("PT_FAULT_LOG");
    if (log == NULL)
        return;
    int (*ropen)(const char *, int, ...) = real("open");
    int fd = ropen(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char line[PATH_MAX + 32];
    int n = snprintf(line, sizeof line, "%s %s\n", op, path);
    if (n > 0)
        (void)syscall(SYS_write, fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    close(fd);
}

/* Should this call fail? path is the file the call acts on. */
static int inject(const char *op, const char *path)
{
    if (in_shim || !op_selected(op) || !under_prefix(path))
        return 0;
    const char *s = getenv("PT_FAULT_SKIP");
    if (s != NULL && skipped < atoi(s)) {
        skipped++;
        return 0;
    }
    in_shim = 1;
    note(op, path);
    in_shim = 0;
    errno = fault_errno();
    return 1;
}

static int fd_inject(const char *op, int fd)
{
    if (in_shim || !op_selected(op))
        return 0;
    char p[PATH_MAX];
    in_shim = 1;
    fd_path(fd, p, sizeof p);
    in_shim = 0;
    return inject(op, p);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*f)(int, const void *, size_t);
    if (f == NULL)
        f = real("write");
    return fd_inject("write", fd) ? -1 : f(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*f)(int, const void *, size_t, off_t);
    if (f == NULL)
        f = real("pwrite");
    return fd_inject("write", fd) ? -1 : f(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    static ssize_t (*f)(int, const struct iovec *, int);
    if (f == NULL)
        f = real("writev");
    return fd_inject("write", fd) ? -1 : f(fd, iov, cnt);
}

int fsync(int fd)
{
    static int (*f)(int);
    if (f == NULL)
        f = real("fsync");
    return fd_inject("fsync", fd) ? -1 : f(fd);
}

int fdatasync(int fd)
{
    static int (*f)(int);
    if (f == NULL)
        f = real("fdatasync");
    return fd_inject("fsync", fd) ? -1 : f(fd);
}

int ftruncate(int fd, off_t len)
{
    static int (*f)(int, off_t);
    if (f == NULL)
        f = real("ftruncate");
    return fd_inject("truncate", fd) ? -1 : f(fd, len);
}

int ftruncate64(int fd, off_t len)
{
    return ftruncate(fd, len);
}

static int path_inject(const char *op, int dirfd, const char *name)
{
    if (in_shim || !op_selected(op))
        return 0;
    char p[PATH_MAX];
    in_shim = 1;
    at_path(dirfd, name, p, sizeof p);
    in_shim = 0;
    return inject(op, p);
}

int renameat2(int od, const char *o, int nd, const char *n, unsigned flags)
{
    static int (*f)(int, const char *, int, const char *, unsigned);
    if (f == NULL)
        f = real("renameat2");
    return path_inject("rename", nd, n) ? -1 : f(od, o, nd, n, flags);
}

int renameat(int od, const char *o, int nd, const char *n)
{
    static int (*f)(int, const char *, int, const char *);
    if (f == NULL)
        f = real("renameat");
    return path_inject("rename", nd, n) ? -1 : f(od, o, nd, n);
}

int rename(const char *o, const char *n)
{
    static int (*f)(const char *, const char *);
    if (f == NULL)
        f = real("rename");
    return path_inject("rename", AT_FDCWD, n) ? -1 : f(o, n);
}

int linkat(int od, const char *o, int nd, const char *n, int flags)
{
    static int (*f)(int, const char *, int, const char *, int);
    if (f == NULL)
        f = real("linkat");
    return path_inject("link", nd, n) ? -1 : f(od, o, nd, n, flags);
}

int link(const char *o, const char *n)
{
    static int (*f)(const char *, const char *);
    if (f == NULL)
        f = real("link");
    return path_inject("link", AT_FDCWD, n) ? -1 : f(o, n);
}

/* Creating a file (O_CREAT) under the directory: what a full or read-only disk refuses first. */
int openat(int dirfd, const char *name, int flags, ...)
{
    static int (*f)(int, const char *, int, ...);
    if (f == NULL)
        f = real("openat");
    mode_t mode = 0;
    if (CREATES(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
        if (path_inject("create", dirfd, name))
            return -1;
    }
    return f(dirfd, name, flags, mode);
}

int openat64(int dirfd, const char *name, int flags, ...)
{
    mode_t mode = 0;
    if (CREATES(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return openat(dirfd, name, flags, mode);
}

int open(const char *name, int flags, ...)
{
    static int (*f)(const char *, int, ...);
    if (f == NULL)
        f = real("open");
    mode_t mode = 0;
    if (CREATES(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
        if (path_inject("create", AT_FDCWD, name))
            return -1;
    }
    return f(name, flags, mode);
}

int open64(const char *name, int flags, ...)
{
    mode_t mode = 0;
    if (CREATES(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return open(name, flags, mode);
}

/* Root-only files reached by a fully checked path (rootfile.h). */
#include "rootfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pt_error.h"

static int check_dir(int fd, const char *what, const char *shown)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat %s: %s", what, shown, strerror(errno));
        return PT_ERR_IO;
    }
    if (sb.st_uid != 0) {
        pt_log(LOG_ERR, "%s: directory %s is owned by uid %lu, not root: its owner can replace "
                        "what is in it; chown root %s", what, shown, (unsigned long)sb.st_uid,
               shown);
        return PT_ERR_UNSAFE;
    }
    if ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX)) {
        pt_log(LOG_ERR, "%s: directory %s has mode %04o: others can replace what is in it; run "
                        "chmod go-w %s", what, shown, (unsigned)(sb.st_mode & 07777), shown);
        return PT_ERR_UNSAFE;
    }
    return PT_OK;
}

static int open_errno(int err, const char *what, const char *shown)
{
    if (err == ENOENT)
        return PT_ERR_NOENT;
    pt_log(LOG_ERR, "%s: %s: %s%s", what, shown, strerror(err),
           err == ELOOP || err == ENOTDIR ? " (a symbolic link or not a directory: give the "
                                            "real path)" : "");
    return err == EACCES ? PT_ERR_PERM
           : (err == ELOOP || err == ENOTDIR) ? PT_ERR_UNSAFE : PT_ERR_IO;
}

/* The last directory of path, every directory on the way checked; *name: the file name. */
static int open_dir(const char *path, const char *what, int *dirfd, const char **name)
{
    *dirfd = -1;
    if (path[0] != '/' || strlen(path) >= PATH_MAX) {
        pt_log(LOG_ERR, "%s %s: must be an absolute path", what, path);
        return PT_ERR_INVAL;
    }
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return PT_ERR_IO;
    char shown[PATH_MAX] = "/";
    int rc = check_dir(fd, what, shown);
    const char *p = path;
    while (rc == PT_OK) {
        while (*p == '/')
            p++;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
            n > NAME_MAX) {
            pt_log(LOG_ERR, "%s %s: not a plain path to a file (no trailing '/', '.' or '..')",
                   what, path);
            rc = PT_ERR_INVAL;
            break;
        }
        if (!slash) {
            *name = p;
            *dirfd = fd;
            return PT_OK;
        }
        char comp[NAME_MAX + 1];
        memcpy(comp, p, n);
        comp[n] = '\0';
        size_t sl = (size_t)(slash - path);
        memcpy(shown, path, sl);
        shown[sl] = '\0';
        int next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(fd);
        fd = next;
        if (fd < 0)
            return open_errno(err, what, shown);
        rc = check_dir(fd, what, shown);
        p = slash;
    }
    close(fd);
    return rc;
}

static int read_fd(int fd, const char *what, const char *path, mode_t allowed, void *buf,
                   size_t bufsz, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s %s: cannot stat: %s", what, path, strerror(errno));
        return PT_ERR_IO;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 07777 & ~allowed)) {
        pt_log(LOG_ERR, "%s %s: must be a regular file owned by root with mode %04o or stricter "
                        "(it is uid %lu, mode %04o): run chown root %s && chmod %04o %s", what,
               path, (unsigned)allowed, (unsigned long)sb.st_uid,
               (unsigned)(sb.st_mode & 07777), path, (unsigned)allowed, path);
        return PT_ERR_UNSAFE;
    }
    if ((size_t)sb.st_size > bufsz && buf != NULL) {
        pt_log(LOG_ERR, "%s %s: larger than %zu bytes", what, path, bufsz);
        return PT_ERR_TOOBIG;
    }
    size_t got = 0;
    while (buf != NULL && got < bufsz) {
        ssize_t r = read(fd, (char *)buf + got, bufsz - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            pt_log(LOG_ERR, "%s %s: cannot read: %s", what, path, strerror(errno));
            return PT_ERR_IO;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (buf != NULL && got == bufsz) {
        char extra;
        if (read(fd, &extra, 1) > 0) { /* grew past the cap after the fstat */
            pt_log(LOG_ERR, "%s %s: larger than %zu bytes", what, path, bufsz);
            return PT_ERR_TOOBIG;
        }
    }
    *len = got;
    return PT_OK;
}

int pt_root_file_read(const char *path, const char *what, mode_t allowed, void *buf, size_t bufsz,
                      size_t *len)
{
    *len = 0;
    int dirfd;
    const char *name;
    int rc = open_dir(path, what, &dirfd, &name);
    if (rc != PT_OK)
        return rc;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    int err = errno;
    close(dirfd);
    if (fd < 0)
        return open_errno(err, what, path);
    rc = read_fd(fd, what, path, allowed, buf, bufsz, len);
    close(fd);
    return rc;
}

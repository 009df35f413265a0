/* Symlink-safe, checked reads and atomic, durable replacement of small files (safefile.h).
 * Every check is made on an open descriptor, never on a path, so nothing can be swapped between
 * the check and the use. */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pt_error.h"
#include "totp.h" /* pt_wipe */

#define READ_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* ".NAME.tmp.XXXXXX": the name plus this many characters must fit NAME_MAX. */
#define TMP_EXTRA 13
#define TMP_TRIES 16
/* A cap on caps: no file we read is anywhere near this. */
#define READ_CAP_MAX (16u * 1024u * 1024u)
#define READ_FIRST_CHUNK 4096u /* bytes: one page holds every usual config and enrolment */

static const char *type_name(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    if (S_ISLNK(m))
        return "a symbolic link";
    return "not a regular file";
}

/* Maps an errno from open/openat of a path we meant to be a file or directory. */
static int open_errno_rc(int err, const char *path, const char *what)
{
    switch (err) {
    case ENOENT:
        pt_log(LOG_DEBUG, "%s: does not exist", path);
        return PT_ERR_NOENT;
    case ELOOP:
        pt_log(LOG_ERR, "%s: is a symbolic link; pam_totp never follows links here: replace it "
                        "with the real %s", path, what);
        return PT_ERR_UNSAFE;
    case ENOTDIR:
        pt_log(LOG_ERR, "%s: a path component is not a directory", path);
        return PT_ERR_UNSAFE;
    case ENXIO:
        pt_log(LOG_ERR, "%s: is a socket or device, not a regular %s; remove it", path, what);
        return PT_ERR_UNSAFE;
    case EACCES:
    case EPERM:
        pt_log(LOG_ERR, "%s: permission denied; check the owner and mode of it and of its "
                        "directories", path);
        return PT_ERR_PERM;
    default:
        pt_log(LOG_ERR, "%s: cannot open: %s", path, strerror(err));
        return PT_ERR_IO;
    }
}

/* "the group and others" for the bits of m beyond what is allowed. */
static const char *who_gets(mode_t extra)
{
    if ((extra & 0070) && (extra & 0007))
        return "the group and others";
    if (extra & 0007)
        return "others";
    if (extra & 0070)
        return "the group";
    if (extra & 07000)
        return "set-id or sticky bits";
    return "the owner";
}

int pt_file_open_raw(int dirfd, const char *name, const char *path, int *fd)
{
    *fd = -1;
    int f = openat(dirfd, name, READ_FLAGS);
    if (f < 0)
        return open_errno_rc(errno, path, "file");
    *fd = f;
    return PT_OK;
}

int pt_file_check_stat(const struct stat *sb, const char *path, const pt_file_rules *r)
{
    if (!S_ISREG(sb->st_mode)) {
        pt_log(LOG_ERR, "%s: is %s, not a regular file; remove it", path, type_name(sb->st_mode));
        return PT_ERR_UNSAFE;
    }
    if (sb->st_uid != r->uid) {
        pt_log(LOG_ERR, "%s: owned by uid %lu, but must be owned by uid %lu; someone else may "
                        "have put it there: check it, then remove it or fix its owner",
               path, (unsigned long)sb->st_uid, (unsigned long)r->uid);
        return PT_ERR_UNSAFE;
    }
    if (r->check_gid && sb->st_gid != r->gid) {
        pt_log(LOG_ERR, "%s: group is gid %lu, but must be gid %lu; run chgrp %lu %s", path,
               (unsigned long)sb->st_gid, (unsigned long)r->gid, (unsigned long)r->gid, path);
        return PT_ERR_UNSAFE;
    }
    mode_t perm = sb->st_mode & 07777;
    mode_t extra = perm & ~r->allowed;
    if (extra) {
        pt_log(LOG_ERR, "%s: mode %04o allows access by %s (at most %04o is allowed); run chmod "
                        "%03o %s",
               path, (unsigned)perm, who_gets(extra), (unsigned)r->allowed,
               (unsigned)(perm & r->allowed & 0777), path);
        return PT_ERR_UNSAFE;
    }
    /* 0 links is fine: the file was replaced or removed after we opened it, and what we read
     * is what was there. More than one lets another name (someone else's) stand for it. */
    if (sb->st_nlink > 1) {
        pt_log(LOG_ERR, "%s: has %lu hard links, expected 1 (another name for it may belong to "
                        "someone else); remove the file and set it up again",
               path, (unsigned long)sb->st_nlink);
        return PT_ERR_UNSAFE;
    }
    if (sb->st_size < 0 || (uintmax_t)sb->st_size > r->max_size) {
        pt_log(LOG_ERR, "%s: %lld bytes, more than the %zu allowed; it is not a file pam_totp "
                        "wrote: remove it", path, (long long)sb->st_size, r->max_size);
        return PT_ERR_TOOBIG;
    }
    return PT_OK;
}

int pt_file_check_fd(int fd, const char *path, const pt_file_rules *r)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    return pt_file_check_stat(&sb, path, r);
}

int pt_file_open_checked(int dirfd, const char *name, const char *path, const pt_file_rules *r,
                         int *fd)
{
    int f;
    int rc = pt_file_open_raw(dirfd, name, path, &f);
    if (rc != PT_OK)
        return rc;
    rc = pt_file_check_fd(f, path, r);
    if (rc != PT_OK) {
        close(f);
        return rc;
    }
    *fd = f;
    return PT_OK;
}

/* Moves buf (got bytes used) to a new buffer of newsz bytes, wiping the old one: it may hold a
 * secret (an enrolment), which realloc could leave behind in freed memory. */
static char *grow_wiped(char *buf, size_t got, size_t newsz)
{
    char *n = malloc(newsz);
    if (n != NULL)
        memcpy(n, buf, got);
    pt_wipe(buf, got);
    free(buf);
    return n;
}

int pt_file_read_fd(int fd, const char *path, size_t max_size, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (max_size > READ_CAP_MAX)
        return PT_ERR_INVAL;
    /* One byte more than allowed tells "grew past the cap" from "exactly the cap", one more for
     * the terminating NUL. The buffer starts at a page and doubles up to that: a login in a fresh
     * process pays a page fault for every page it touches, and a whole-cap buffer (64 KiB for the
     * config) would touch one at its far end for nothing (docs/BENCHMARKS.md). */
    size_t cap = max_size + 1;
    size_t bufsz = cap + 1 < READ_FIRST_CHUNK ? cap + 1 : READ_FIRST_CHUNK;
    char *buf = malloc(bufsz);
    if (!buf)
        return PT_ERR_NOMEM;
    size_t got = 0;
    while (got < cap) {
        if (got == bufsz - 1) {
            size_t newsz = bufsz * 2 < cap + 1 ? bufsz * 2 : cap + 1;
            buf = grow_wiped(buf, got, newsz);
            if (!buf)
                return PT_ERR_NOMEM;
            bufsz = newsz;
        }
        ssize_t n = read(fd, buf + got, bufsz - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            pt_log(LOG_ERR, "%s: read failed: %s", path, strerror(err));
            pt_wipe(buf, got);
            free(buf);
            return PT_ERR_IO;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    int rc = PT_OK;
    if (got > max_size) {
        pt_log(LOG_ERR, "%s: more than the %zu bytes allowed; it is not a file pam_totp wrote: "
                        "remove it", path, max_size);
        rc = PT_ERR_TOOBIG;
    } else if (memchr(buf, '\0', got)) {
        pt_log(LOG_ERR, "%s: contains a NUL byte; it is damaged: remove it", path);
        rc = PT_ERR_MALFORMED;
    }
    if (rc != PT_OK) {
        pt_wipe(buf, got);
        free(buf);
        return rc;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return PT_OK;
}

int pt_file_read_at(int dirfd, const char *name, const char *path, const pt_file_rules *r,
                    char **data, size_t *len)
{
    int fd;
    int rc = pt_file_open_checked(dirfd, name, path, r, &fd);
    if (rc != PT_OK)
        return rc;
    rc = pt_file_read_fd(fd, path, r->max_size, data, len);
    close(fd);
    return rc;
}

static int fsync_dir(int dirfd, const char *path)
{
    if (fsync(dirfd) != 0) {
        pt_log(LOG_ERR, "%s: cannot sync its directory: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* ".NAME.tmp.XXXXXX" with six random letters and digits. */
static int temp_name(const char *name, const char *path, char *out, size_t outsz)
{
    static const char alnum[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[6];
    size_t got = 0;
    while (got < sizeof rnd) {
        ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pt_log(LOG_ERR, "%s: no random bytes for a temporary name: %s", path, strerror(errno));
            return PT_ERR_IO;
        }
        got += (size_t)n;
    }
    char sfx[7];
    for (size_t i = 0; i < 6; i++)
        sfx[i] = alnum[rnd[i] % (sizeof alnum - 1)];
    sfx[6] = '\0';
    int n = snprintf(out, outsz, ".%s.tmp.%s", name, sfx);
    if (n < 0 || (size_t)n >= outsz)
        return PT_ERR_TOOBIG;
    return PT_OK;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int valid_name(const char *name, const char *path)
{
    size_t n = strlen(name);
    if (n == 0 || n + TMP_EXTRA > NAME_MAX || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        pt_log(LOG_ERR, "%s: not a usable file name", path);
        return PT_ERR_INVAL;
    }
    return PT_OK;
}

/* Creates and fills the temp file: written, owned, moded and synced. The caller gets the open
 * descriptor and the temp name, and must unlink the temp on its own later failures. */
static int write_temp(int dirfd, const char *name, const char *path, const void *data, size_t len,
                      uid_t uid, gid_t gid, mode_t mode, char tmp[NAME_MAX + 1], int *fdout)
{
    int rc = valid_name(name, path);
    if (rc != PT_OK)
        return rc;
    int fd = -1;
    for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
        rc = temp_name(name, path, tmp, NAME_MAX + 1);
        if (rc != PT_OK)
            return rc;
        /* 0600 until owner and mode are final: nobody else may open it in between. */
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                    0600);
        if (fd < 0 && errno != EEXIST) {
            int err = errno;
            pt_log(LOG_ERR, "%s: cannot create a temporary file next to it: %s", path,
                   strerror(err));
            return (err == EACCES || err == EPERM) ? PT_ERR_PERM : PT_ERR_IO;
        }
    }
    if (fd < 0) {
        pt_log(LOG_ERR, "%s: cannot find a free temporary name", path);
        return PT_ERR_IO;
    }
    const char *step = NULL;
    if (write_all(fd, data, len) != 0)
        step = "write";
    else if (geteuid() == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0)
        step = "set the owner of";
    else if (fchmod(fd, mode) != 0)
        step = "set the mode of";
    else if (fsync(fd) != 0)
        step = "sync";
    if (step) {
        pt_log(LOG_ERR, "%s: cannot %s the new file: %s", path, step, strerror(errno));
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return PT_ERR_IO;
    }
    *fdout = fd;
    return PT_OK;
}

static int close_temp(int fd, int dirfd, const char *tmp, const char *path)
{
    if (close(fd) != 0) {
        pt_log(LOG_ERR, "%s: cannot close the new file: %s", path, strerror(errno));
        unlinkat(dirfd, tmp, 0);
        return PT_ERR_IO;
    }
    return PT_OK;
}

static int rename_in(int dirfd, const char *tmp, const char *name, const char *path)
{
    if (renameat(dirfd, tmp, dirfd, name) != 0) {
        pt_log(LOG_ERR, "%s: cannot move the new file into place: %s", path, strerror(errno));
        unlinkat(dirfd, tmp, 0);
        return PT_ERR_IO;
    }
    return PT_OK;
}

int pt_file_replace_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                       uid_t uid, gid_t gid, mode_t mode)
{
    char tmp[NAME_MAX + 1];
    int fd;
    int rc = write_temp(dirfd, name, path, data, len, uid, gid, mode, tmp, &fd);
    if (rc != PT_OK)
        return rc;
    rc = close_temp(fd, dirfd, tmp, path);
    if (rc == PT_OK)
        rc = rename_in(dirfd, tmp, name, path);
    if (rc == PT_OK)
        rc = fsync_dir(dirfd, path);
    return rc;
}

/* link-then-unlink, for file systems without RENAME_NOREPLACE. */
static int link_in(int dirfd, const char *tmp, const char *name, const char *path)
{
    if (linkat(dirfd, tmp, dirfd, name, 0) != 0) {
        int err = errno;
        unlinkat(dirfd, tmp, 0);
        if (err == EEXIST)
            return PT_ERR_EXISTS;
        pt_log(LOG_ERR, "%s: cannot link the new file into place: %s", path, strerror(err));
        return PT_ERR_IO;
    }
    if (unlinkat(dirfd, tmp, 0) != 0) {
        pt_log(LOG_ERR, "%s: cannot remove the temporary name %s: %s", path, tmp, strerror(errno));
        return PT_ERR_IO;
    }
    return PT_OK;
}

int pt_file_create_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                      uid_t uid, gid_t gid, mode_t mode)
{
    char tmp[NAME_MAX + 1];
    int fd;
    int rc = write_temp(dirfd, name, path, data, len, uid, gid, mode, tmp, &fd);
    if (rc != PT_OK)
        return rc;
    rc = close_temp(fd, dirfd, tmp, path);
    if (rc != PT_OK)
        return rc;
    /* RENAME_NOREPLACE makes the file appear complete with a single link; the link-then-unlink
     * fallback briefly shows two links (a reader checking nlink then refuses it once). */
    if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) != 0) {
        int err = errno;
        if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
            rc = link_in(dirfd, tmp, name, path);
        } else {
            unlinkat(dirfd, tmp, 0);
            if (err == EEXIST)
                return PT_ERR_EXISTS;
            pt_log(LOG_ERR, "%s: cannot move the new file into place: %s", path, strerror(err));
            return PT_ERR_IO;
        }
        if (rc != PT_OK)
            return rc;
    }
    return fsync_dir(dirfd, path);
}

int pt_file_remove_at(int dirfd, const char *name, const char *path)
{
    if (unlinkat(dirfd, name, 0) != 0) {
        int err = errno;
        if (err == ENOENT)
            return PT_ERR_NOENT;
        pt_log(LOG_ERR, "%s: cannot remove: %s", path, strerror(err));
        return (err == EACCES || err == EPERM) ? PT_ERR_PERM : PT_ERR_IO;
    }
    return fsync_dir(dirfd, path);
}

/* owner, or also root when root_ok. */
static int check_dir_fd(int fd, const char *path, uid_t owner, bool root_ok)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    if (!S_ISDIR(sb.st_mode)) {
        pt_log(LOG_ERR, "%s: is %s, not a directory", path, type_name(sb.st_mode));
        return PT_ERR_UNSAFE;
    }
    if (sb.st_uid != owner && !(root_ok && sb.st_uid == 0)) {
        pt_log(LOG_ERR, "%s: directory owned by uid %lu, but must be owned by uid %lu%s; fix its "
                        "owner", path, (unsigned long)sb.st_uid, (unsigned long)owner,
               root_ok ? " or root" : "");
        return PT_ERR_UNSAFE;
    }
    /* Group- or world-writable lets someone else swap names in it (a sticky bit does not help:
     * they could still create the name first). */
    if (sb.st_mode & 022) {
        pt_log(LOG_ERR, "%s: directory mode %04o lets %s create and rename files in it; run "
                        "chmod go-w %s", path, (unsigned)(sb.st_mode & 07777),
               (sb.st_mode & 002) ? "anyone" : "its group", path);
        return PT_ERR_UNSAFE;
    }
    return PT_OK;
}

/* Opens the last directory of a walk for use: read-only when we may list it, else O_PATH (a
 * directory we may search but not list, such as the 0711 state directory for a user: enough to
 * open names in it and to fstat it). */
static int open_last_dir(int parent, const char *name, bool follow)
{
    int nofollow = follow ? 0 : O_NOFOLLOW;
    int fd = openat(parent, name, (DIR_FLAGS & ~O_NOFOLLOW) | nofollow);
    if (fd < 0 && errno == EACCES)
        fd = openat(parent, name, O_PATH | O_DIRECTORY | nofollow | O_CLOEXEC);
    return fd;
}

/* follow: the directory's own path may be a symbolic link. Only for a home directory, whose path
 * comes from the passwd database (root's) and is opened as the user: a site's
 * /home/bob -> /data/bob then works, the resolved directory is still checked for owner and mode,
 * and the file inside is still opened with O_NOFOLLOW. */
static int dir_open(const char *path, uid_t owner, bool root_ok, bool follow, int *dirfd)
{
    *dirfd = -1;
    int fd = open_last_dir(AT_FDCWD, path, follow);
    if (fd < 0)
        return open_errno_rc(errno, path, "directory");
    int rc = check_dir_fd(fd, path, owner, root_ok);
    if (rc != PT_OK) {
        close(fd);
        return rc;
    }
    *dirfd = fd;
    return PT_OK;
}

/* ---- walking a path from "/" down ----
 * Checking only the last directory is not enough: whoever can rename an entry in any directory
 * above it can move the whole subtree away and put another in its place (an empty state
 * directory forgets used codes and locks; an empty enrolment directory makes a user "not
 * enrolled"). So every directory from "/" down is opened in turn (openat, O_NOFOLLOW, relative
 * to the one checked before) and checked on its descriptor: owned by root and writable by
 * nobody else. A sticky directory (such as /tmp) may be writable by others when the entry below
 * it is root's: the sticky bit keeps everyone but root and the entry's owner from renaming it.
 * A symbolic link on the way (/var/run -> /run) is followed when root owns it (it sits in a
 * directory just checked, so only root could have put it there, or, in a sticky directory,
 * only its owner); its target is walked with the same checks. */

#define WALK_MAX_LINKS 16

typedef struct {
    char path[PATH_MAX];  /* what is left to walk, rewritten when a link is followed */
    char done[PATH_MAX];  /* the directories checked so far, for messages */
    int fd;               /* the last directory checked (O_PATH) */
    unsigned links;
} walk_state;

/* The root directory, or any directory above the last one: root's, and not writable by group
 * or others unless sticky. */
static int check_ancestor(int fd, const char *shown)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", shown, strerror(errno));
        return PT_ERR_IO;
    }
    if (!S_ISDIR(sb.st_mode)) {
        pt_log(LOG_ERR, "%s: is %s, not a directory", shown, type_name(sb.st_mode));
        return PT_ERR_UNSAFE;
    }
    if (sb.st_uid != 0) {
        pt_log(LOG_ERR, "%s: directory owned by uid %lu, not root: uid %lu can rename what is "
                        "below it; pam_totp needs every directory on the way to its files to "
                        "be root's (chown root %s)", shown, (unsigned long)sb.st_uid,
               (unsigned long)sb.st_uid, shown);
        return PT_ERR_UNSAFE;
    }
    /* Writable by others is safe only with the sticky bit: then nobody but root and an entry's
     * owner (root, as the next step checks) can rename or remove the entry below. */
    if ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX)) {
        pt_log(LOG_ERR, "%s: directory mode %04o lets %s rename what is below it, so the files "
                        "pam_totp reads there cannot be trusted; run chmod go-w %s",
               shown, (unsigned)(sb.st_mode & 07777), (sb.st_mode & 002) ? "anyone" : "its group",
               shown);
        return PT_ERR_UNSAFE;
    }
    return PT_OK;
}

static void walk_note(walk_state *w, const char *name)
{
    size_t n = strlen(w->done);
    snprintf(w->done + n, sizeof w->done - n, "%s%s", (n == 1 && w->done[0] == '/') ? "" : "/",
             name);
}

static int walk_restart(walk_state *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (w->fd < 0) {
        pt_log(LOG_ERR, "/: cannot open: %s", strerror(errno));
        return PT_ERR_IO;
    }
    snprintf(w->done, sizeof w->done, "/");
    return check_ancestor(w->fd, "/");
}

/* Resolves "." and ".." in an absolute path in place ("/a/b/../c" -> "/a/c"; ".." at "/"
 * stays at "/"). Only for a path whose directories are all real (no links), so that ".." means
 * the parent as the kernel would take it. */
static void normalise(char *path)
{
    char *out = path, *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        char *end = p + strcspn(p, "/");
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, p, n);
            out += n;
        }
        p = end;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* name in w->fd is a symbolic link: check its owner, read it and walk again from "/" along
 * its target followed by rest. A relative target is taken from w->done, the real path of the
 * directory holding the link (every directory walked so far is a real one). */
static int walk_link(walk_state *w, const char *name, const char *rest)
{
    struct stat sb;
    char target[PATH_MAX];
    if (++w->links > WALK_MAX_LINKS) {
        pt_log(LOG_ERR, "%s/%s: too many symbolic links", w->done, name);
        return PT_ERR_UNSAFE;
    }
    if (fstatat(w->fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || sb.st_uid != 0) {
        pt_log(LOG_ERR, "%s%s%s: a symbolic link not owned by root; pam_totp does not follow "
                        "it: give the real path", w->done, strcmp(w->done, "/") ? "/" : "", name);
        return PT_ERR_UNSAFE;
    }
    ssize_t n = readlinkat(w->fd, name, target, sizeof target - 1);
    if (n <= 0) {
        pt_log(LOG_ERR, "%s/%s: cannot read the link: %s", w->done, name, strerror(errno));
        return PT_ERR_IO;
    }
    target[n] = '\0';
    /* The target's own "." and ".." are resolved against real directories; the rest of the
     * configured path is kept as it is (a ".." there is still refused). */
    size_t cap = 2 * PATH_MAX + 2;
    char *joined = malloc(cap); /* the link's path */
    char *next = malloc(cap);   /* the new path (rest lives in w->path) */
    if (!joined || !next) {
        free(joined);
        free(next);
        return PT_ERR_NOMEM;
    }
    int m = snprintf(joined, cap, "%s/%s", target[0] == '/' ? "" : w->done, target);
    if (m >= 0 && (size_t)m < cap) {
        normalise(joined);
        m = snprintf(next, cap, "%s%s%s", joined, strcmp(joined, "/") == 0 ? "" : "/", rest);
    }
    int rc = PT_OK;
    if (m < 0 || (size_t)m >= sizeof w->path) {
        pt_log(LOG_ERR, "%s/%s: path too long after following the link", w->done, name);
        rc = PT_ERR_TOOBIG;
    } else {
        memcpy(w->path, next, (size_t)m + 1);
    }
    free(joined);
    free(next);
    return rc == PT_OK ? walk_restart(w) : rc;
}

static bool is_link_at(int dirfd, const char *name)
{
    struct stat sb;
    return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode);
}

/* Walks every directory of w->path (absolute) but the last: on PT_OK, w->fd is the checked
 * directory holding the last component and *last points to that component inside w->path
 * ("." when the path is "/"). */
static int walk_parents(walk_state *w, const char **last)
{
    int rc = walk_restart(w);
    char *p = w->path;
    while (rc == PT_OK) {
        while (*p == '/')
            p++;
        char *end = p + strcspn(p, "/");
        char *next = end;
        while (*next == '/')
            next++;
        *end = '\0';
        if (strcmp(p, "..") == 0) {
            pt_log(LOG_ERR, "%s: \"..\" in a path pam_totp checks; give the path without it",
                   w->done);
            return PT_ERR_INVAL;
        }
        if (*next == '\0') {
            *last = *p ? p : ".";
            return PT_OK;
        }
        if (strcmp(p, ".") == 0) {
            p = next;
            continue;
        }
        int nfd = openat(w->fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0 && errno == ENOTDIR && is_link_at(w->fd, p)) {
            rc = walk_link(w, p, next);
            p = w->path;
            continue;
        }
        if (nfd < 0) {
            int err = errno;
            walk_note(w, p);
            return open_errno_rc(err, w->done, "directory");
        }
        close(w->fd);
        w->fd = nfd;
        walk_note(w, p);
        rc = check_ancestor(nfd, w->done);
        p = next;
    }
    return rc;
}

static int walk_begin(walk_state *w, const char *path)
{
    w->fd = -1;
    w->links = 0;
    w->done[0] = '\0';
    if (!path || path[0] != '/') {
        pt_log(LOG_ERR, "%s: not an absolute path", path ? path : "(null)");
        return PT_ERR_INVAL;
    }
    if (strlen(path) >= sizeof w->path) {
        pt_log(LOG_ERR, "%s: path too long", path);
        return PT_ERR_TOOBIG;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    return PT_OK;
}

/* The last directory: opened without following a link, owned by owner, not writable by group
 * or others (sticky or not: someone else could still create a name in it first). */
static int walk_open_last(walk_state *w, const char *last, const char *path, uid_t owner,
                          int *dirfd)
{
    int fd = open_last_dir(w->fd, last, false);
    if (fd < 0)
        return open_errno_rc(errno, path, "directory");
    int rc = check_dir_fd(fd, path, owner, false);
    if (rc != PT_OK) {
        close(fd);
        return rc;
    }
    *dirfd = fd;
    return PT_OK;
}

int pt_dir_open(const char *path, uid_t owner, int *dirfd)
{
    walk_state w;
    const char *last = NULL;
    *dirfd = -1;
    int rc = walk_begin(&w, path);
    if (rc == PT_OK)
        rc = walk_parents(&w, &last);
    if (rc == PT_OK)
        rc = walk_open_last(&w, last, path, owner, dirfd);
    if (w.fd >= 0)
        close(w.fd);
    return rc;
}

int pt_dir_open_user(const char *path, uid_t owner, int *dirfd)
{
    return dir_open(path, owner, true, true, dirfd);
}

/* We made name in parent: set the owner and the exact mode (mkdirat applied the umask). */
static int finish_new_dir(int parent, const char *name, const char *path, uid_t owner,
                          gid_t group, mode_t mode, int *dirfd)
{
    int fd = openat(parent, name, DIR_FLAGS);
    if (fd < 0)
        return open_errno_rc(errno, path, "directory");
    if ((geteuid() == 0 && fchown(fd, owner, group) != 0) || fchmod(fd, mode) != 0) {
        pt_log(LOG_ERR, "%s: cannot set the owner and mode of the new directory: %s", path,
               strerror(errno));
        close(fd);
        return PT_ERR_IO;
    }
    int rc = check_dir_fd(fd, path, owner, false);
    /* The walk holds the parent as O_PATH, which cannot be synced: open it for that. */
    int pfd = rc == PT_OK ? openat(parent, ".", DIR_FLAGS) : -1;
    if (rc == PT_OK && (fsync(fd) != 0 || pfd < 0 || fsync(pfd) != 0)) {
        pt_log(LOG_ERR, "%s: cannot sync the new directory: %s", path, strerror(errno));
        rc = PT_ERR_IO;
    }
    if (pfd >= 0)
        close(pfd);
    if (rc != PT_OK) {
        close(fd);
        return rc;
    }
    *dirfd = fd;
    return PT_OK;
}

int pt_dir_open_or_create(const char *path, uid_t owner, gid_t group, mode_t mode, int *dirfd)
{
    walk_state w;
    const char *last = NULL;
    *dirfd = -1;
    int rc = walk_begin(&w, path);
    /* The parents are checked first: nothing is created below an unsafe directory. */
    if (rc == PT_OK)
        rc = walk_parents(&w, &last);
    if (rc == PT_OK) {
        if (mkdirat(w.fd, last, mode) == 0) {
            rc = finish_new_dir(w.fd, last, path, owner, group, mode, dirfd);
        } else if (errno == EEXIST) {
            rc = walk_open_last(&w, last, path, owner, dirfd);
        } else {
            int err = errno;
            pt_log(LOG_ERR, "%s: cannot create the directory: %s", path, strerror(err));
            rc = err == ENOENT ? PT_ERR_NOENT : (err == EACCES ? PT_ERR_PERM : PT_ERR_IO);
        }
    }
    if (w.fd >= 0)
        close(w.fd);
    return rc;
}

int pt_path_split(const char *path, char *dir, size_t dirsz, char *name, size_t namesz)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash || path[0] != '/' || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
        strcmp(slash + 1, "..") == 0) {
        pt_log(LOG_ERR, "%s: not a path to a file (it must be absolute and end in a file name)",
               path ? path : "(null)");
        return PT_ERR_INVAL;
    }
    size_t dlen = (size_t)(slash - path);
    size_t nlen = strlen(slash + 1);
    if (dlen == 0)
        dlen = 1; /* "/name": the root directory */
    if (dlen >= dirsz || nlen >= namesz) {
        pt_log(LOG_ERR, "%s: path too long", path);
        return PT_ERR_TOOBIG;
    }
    memcpy(dir, path, dlen);
    dir[dlen] = '\0';
    memcpy(name, slash + 1, nlen + 1);
    return PT_OK;
}

int pt_path_split_open(const char *path, uid_t owner, int *dirfd, char *name, size_t namesz)
{
    char dir[PATH_MAX];
    *dirfd = -1;
    int rc = pt_path_split(path, dir, sizeof dir, name, namesz);
    if (rc != PT_OK)
        return rc;
    return pt_dir_open(dir, owner, dirfd);
}

int pt_file_read_path(const char *path, const pt_file_rules *r, char **data, size_t *len)
{
    char name[NAME_MAX + 1];
    int dirfd = -1;
    *data = NULL;
    *len = 0;
    int rc = pt_path_split_open(path, r->uid, &dirfd, name, sizeof name);
    if (rc != PT_OK)
        return rc;
    rc = pt_file_read_at(dirfd, name, path, r, data, len);
    close(dirfd);
    return rc;
}

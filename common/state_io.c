/* The runtime state file on disk: read, locked update and removal (state.h).
 *
 * Writers serialise on flock() of the state file itself. A commit replaces the file by rename,
 * so the lock moves with it: the new file is locked before it is renamed into place
 * (pt_file_replace_locked_at) and whoever waited on the old inode notices, after getting its
 * lock, that the path now names another file and starts over on the new one. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pt_error.h"
#include "safefile.h"

#define STATE_MODE 0640
#define STATE_DIR_MODE 0711
#define OPEN_TRIES 200

static bool name_ok(const char *s)
{
    if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

/* Fills h->name and h->path for u. */
static int state_names(const pt_options *o, const pt_user *u, pt_state_handle *h)
{
    if (!name_ok(u->name) || strlen(u->name) >= sizeof h->name) {
        pt_log(LOG_ERR, "user name %s cannot name a state file", u->name);
        return PT_ERR_INVAL;
    }
    snprintf(h->name, sizeof h->name, "%s", u->name);
    int n = snprintf(h->path, sizeof h->path, "%s/%s", o->state_dir, u->name);
    if (n < 0 || (size_t)n >= sizeof h->path) {
        pt_log(LOG_ERR, "state_dir %s: path too long", o->state_dir);
        return PT_ERR_TOOBIG;
    }
    return PT_OK;
}

static pt_file_rules state_rules(gid_t gid)
{
    pt_file_rules r = { .uid = 0, .check_gid = true, .gid = gid, .allowed = STATE_MODE,
                        .max_size = PT_STATE_MAX_SIZE };
    return r;
}

static int create_initial(pt_state_handle *h)
{
    pt_state st;
    char *data = NULL;
    size_t len = 0;
    pt_state_init(&st);
    int rc = pt_state_format(&st, &data, &len);
    if (rc != PT_OK)
        return rc;
    rc = pt_file_create_at(h->dirfd, h->name, h->path, data, len, 0, h->gid, STATE_MODE);
    free(data);
    return rc == PT_ERR_EXISTS ? PT_OK : rc; /* someone else made it first: fine */
}

static int lock_fd(int fd, const char *path)
{
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            pt_log(LOG_ERR, "%s: cannot lock: %s", path, strerror(errno));
            return PT_ERR_IO;
        }
    }
    return PT_OK;
}

static void short_pause(void)
{
    struct timespec ts = { 0, 2 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

#define TRY_AGAIN 1

/* One attempt: open (creating when missing), lock, make sure the path still names the locked
 * file, check it and read it. TRY_AGAIN when the file changed under us. */
static int open_attempt(pt_state_handle *h, bool last, pt_state *st)
{
    int fd;
    int rc = pt_file_open_raw(h->dirfd, h->name, h->path, &fd);
    if (rc == PT_ERR_NOENT) {
        rc = create_initial(h);
        return rc == PT_OK ? TRY_AGAIN : rc;
    }
    if (rc != PT_OK)
        return rc;
    rc = lock_fd(fd, h->path);
    struct stat locked, named;
    if (rc == PT_OK && fstat(fd, &locked) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", h->path, strerror(errno));
        rc = PT_ERR_IO;
    }
    if (rc == PT_OK) {
        if (fstatat(h->dirfd, h->name, &named, AT_SYMLINK_NOFOLLOW) != 0 ||
            named.st_dev != locked.st_dev || named.st_ino != locked.st_ino) {
            rc = TRY_AGAIN; /* replaced or removed while we waited */
        } else if (locked.st_nlink > 1 && !last) {
            /* A creator without RENAME_NOREPLACE links before it unlinks its temp name. */
            short_pause();
            rc = TRY_AGAIN;
        }
    }
    pt_file_rules r = state_rules(h->gid);
    if (rc == PT_OK)
        rc = pt_file_check_fd(fd, h->path, &r);
    char *data = NULL;
    size_t len = 0;
    if (rc == PT_OK)
        rc = pt_file_read_fd(fd, h->path, PT_STATE_MAX_SIZE, &data, &len);
    if (rc == PT_OK) {
        rc = pt_state_parse(data, len, h->path, st);
        free(data);
    }
    if (rc != PT_OK) {
        close(fd);
        return rc;
    }
    h->fd = fd;
    return PT_OK;
}

static int open_dir(const pt_options *o, bool create, int *dirfd)
{
    if (create && geteuid() == 0)
        return pt_dir_open_or_create(o->state_dir, 0, 0, STATE_DIR_MODE, dirfd);
    return pt_dir_open(o->state_dir, 0, dirfd);
}

int pt_state_open_locked(const pt_options *o, const pt_user *u, pt_state_handle *h, pt_state *st)
{
    memset(h, 0, sizeof *h);
    h->dirfd = -1;
    h->fd = -1;
    h->gid = u->gid;
    pt_state_init(st);
    int rc = state_names(o, u, h);
    if (rc == PT_OK)
        rc = open_dir(o, true, &h->dirfd);
    for (int i = 0; rc == PT_OK && h->fd < 0; i++) {
        if (i == OPEN_TRIES) {
            pt_log(LOG_ERR, "%s: keeps changing while being opened; try again", h->path);
            rc = PT_ERR_IO;
            break;
        }
        rc = open_attempt(h, i == OPEN_TRIES - 1, st);
        if (rc == TRY_AGAIN)
            rc = PT_OK;
    }
    if (rc != PT_OK) {
        pt_state_close(h);
        pt_state_init(st);
    }
    return rc;
}

int pt_state_commit(pt_state_handle *h, const pt_state *st)
{
    if (h->fd < 0 || h->dirfd < 0)
        return PT_ERR_INVAL;
    char *data = NULL;
    size_t len = 0;
    int rc = pt_state_format(st, &data, &len);
    if (rc != PT_OK)
        return rc;
    int newfd = -1;
    rc = pt_file_replace_locked_at(h->dirfd, h->name, h->path, data, len, 0, h->gid, STATE_MODE,
                                   &newfd);
    free(data);
    if (newfd >= 0) {
        /* The new file is ours and locked: only now let go of the old one. */
        close(h->fd);
        h->fd = newfd;
    }
    return rc;
}

void pt_state_close(pt_state_handle *h)
{
    if (h->fd >= 0)
        close(h->fd);
    if (h->dirfd >= 0)
        close(h->dirfd);
    h->fd = -1;
    h->dirfd = -1;
}

int pt_state_read(const pt_options *o, const pt_user *u, pt_state *st)
{
    pt_state_handle h;
    pt_state_init(st);
    memset(&h, 0, sizeof h);
    int rc = state_names(o, u, &h);
    if (rc != PT_OK)
        return rc;
    int dirfd;
    rc = open_dir(o, false, &dirfd);
    if (rc == PT_ERR_NOENT)
        return PT_OK; /* nothing recorded yet */
    if (rc != PT_OK)
        return rc;
    pt_file_rules r = state_rules(u->gid);
    char *data = NULL;
    size_t len = 0;
    rc = pt_file_read_at(dirfd, h.name, h.path, &r, &data, &len);
    close(dirfd);
    if (rc == PT_ERR_NOENT)
        return PT_OK;
    if (rc != PT_OK)
        return rc;
    rc = pt_state_parse(data, len, h.path, st);
    free(data);
    return rc;
}

int pt_state_remove(const pt_options *o, const pt_user *u)
{
    pt_state_handle h;
    memset(&h, 0, sizeof h);
    int rc = state_names(o, u, &h);
    if (rc != PT_OK)
        return rc;
    int dirfd;
    rc = open_dir(o, false, &dirfd);
    if (rc == PT_ERR_NOENT)
        return PT_OK;
    if (rc != PT_OK)
        return rc;
    rc = pt_file_remove_at(dirfd, h.name, h.path);
    close(dirfd);
    return rc == PT_ERR_NOENT ? PT_OK : rc;
}

/* Where the enrolment file lives and how it is read, written and removed (enrolment.h).
 *
 * Home mode (enrolment_file contains %h): every file operation runs with the user's file-system
 * identity (pt_privs_drop), so root never creates, follows or reads anything in a home directory
 * with root's rights; the file is the user's, 0600.
 * System mode: the file is root's, 0600, in a root-owned directory nobody else can write. */
#include "enrolment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "privs.h"
#include "pt_error.h"
#include "safefile.h"

#define ENROL_MODE 0600
#define SYSTEM_DIR_MODE 0700

int pt_enrolment_path(const pt_options *o, const pt_user *u, char *out, size_t outsz)
{
    int rc = pt_expand(o->enrolment_file, u->name, u->home, out, outsz);
    if (rc != PT_OK) {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_ERR, "enrolment_file \"%s\": cannot be expanded for user %s (%s); check the "
                        "setting and the account's home directory",
               o->enrolment_file, pt_audit_value(q, sizeof q, u->name), pt_strerror(rc));
        return rc;
    }
    if (out[0] != '/') {
        pt_log(LOG_ERR, "enrolment_file \"%s\": gives %s, which is not an absolute path",
               o->enrolment_file, out);
        return PT_ERR_INVAL;
    }
    return PT_OK;
}

/* One operation on the file, given its path and its open, checked directory. */
typedef int (*enrol_op)(int dirfd, const char *name, const char *path, uid_t owner, void *ctx);

/* Opens the directory of path, checked for the mode's owner, and runs op. */
static int in_dir(const char *path, bool system, uid_t owner, bool create_dir, enrol_op op,
                  void *ctx)
{
    char dir[PATH_MAX], name[NAME_MAX + 1];
    int rc = pt_path_split(path, dir, sizeof dir, name, sizeof name);
    if (rc != PT_OK)
        return rc;
    int dirfd = -1;
    if (system && create_dir)
        rc = pt_dir_open_or_create(dir, 0, 0, SYSTEM_DIR_MODE, &dirfd);
    else if (system)
        rc = pt_dir_open(dir, 0, &dirfd);
    else
        rc = pt_dir_open_user(dir, owner, &dirfd);
    if (rc != PT_OK)
        return rc;
    rc = op(dirfd, name, path, owner, ctx);
    close(dirfd);
    return rc;
}

/* Runs op with the identity the mode calls for. A failure to get back to our own identity is
 * fatal for the caller: PT_ERR_PERM. */
static int run(const pt_options *o, const pt_user *u, bool create_dir, enrol_op op, void *ctx)
{
    char path[PATH_MAX];
    int rc = pt_enrolment_path(o, u, path, sizeof path);
    if (rc != PT_OK)
        return rc;
    if (pt_options_system_mode(o))
        return in_dir(path, true, 0, create_dir, op, ctx);

    pt_privs saved;
    memset(&saved, 0, sizeof saved);
    if (pt_privs_drop_user(&saved, u) != PT_OK) {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_ERR, "%s: cannot act as user %s to reach it", path,
               pt_audit_value(q, sizeof q, u->name));
        return PT_ERR_PERM;
    }
    rc = in_dir(path, false, u->uid, false, op, ctx);
    if (pt_privs_restore(&saved) != PT_OK) {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_CRIT, "%s: cannot return from acting as user %s; stopping", path,
               pt_audit_value(q, sizeof q, u->name));
        return PT_ERR_PERM;
    }
    return rc;
}

static void stamp_of(const struct stat *sb, pt_enrol_stamp *s)
{
    s->dev = (uint64_t)sb->st_dev;
    s->ino = (uint64_t)sb->st_ino;
    s->ctime_sec = (int64_t)sb->st_ctim.tv_sec;
    s->ctime_nsec = (int64_t)sb->st_ctim.tv_nsec;
    s->size = (int64_t)sb->st_size;
}

static int load_op(int dirfd, const char *name, const char *path, uid_t owner, void *ctx)
{
    pt_file_rules r = { .uid = owner, .check_gid = false, .gid = 0, .allowed = ENROL_MODE,
                        .max_size = PT_ENROL_MAX_SIZE };
    pt_enrolment *e = ctx;
    char *data = NULL;
    size_t len = 0;
    int fd = -1;
    struct stat sb;
    int rc = pt_file_open_checked(dirfd, name, path, &r, &fd);
    if (rc != PT_OK)
        return rc;
    /* The same call as changed_op's, so both see the same times (a preloaded library such as
     * libfaketime may rewrite the times of one and not the other). */
    if (fstatat(fd, "", &sb, AT_EMPTY_PATH) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return PT_ERR_IO;
    }
    rc = pt_file_read_fd(fd, path, PT_ENROL_MAX_SIZE, &data, &len);
    close(fd);
    if (rc != PT_OK)
        return rc;
    rc = pt_enrolment_parse(data, len, path, e);
    pt_wipe(data, len);
    free(data);
    if (rc == PT_OK)
        stamp_of(&sb, &e->stamp);
    return rc;
}

/* Every write replaces the file by rename (a new inode) and a removal unlinks it, so another
 * inode, change time or size under the name means another file than the one loaded. */
static int changed_op(int dirfd, const char *name, const char *path, uid_t owner, void *ctx)
{
    (void)path;
    (void)owner;
    const pt_enrolment *e = ctx;
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return 1; /* gone (or unreachable): changed */
    pt_enrol_stamp now;
    stamp_of(&sb, &now);
    return memcmp(&now, &e->stamp, sizeof now) != 0;
}

int pt_enrolment_changed(const pt_options *o, const pt_user *u, const pt_enrolment *e)
{
    return run(o, u, false, changed_op, (void *)e);
}

static int restamp_op(int dirfd, const char *name, const char *path, uid_t owner, void *ctx)
{
    (void)owner;
    pt_enrolment *e = ctx;
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", path, strerror(errno));
        return errno == ENOENT ? PT_ERR_NOENT : PT_ERR_IO;
    }
    stamp_of(&sb, &e->stamp);
    return PT_OK;
}

int pt_enrolment_restamp(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    return run(o, u, false, restamp_op, e);
}

int pt_enrolment_load(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    int rc = run(o, u, false, load_op, e);
    if (rc != PT_OK)
        pt_enrolment_wipe(e);
    return rc;
}

int pt_enrolment_load_user_file(const pt_user *u, const char *path, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    if (path[0] != '/') {
        pt_log(LOG_ERR, "%s: not an absolute path", path);
        return PT_ERR_INVAL;
    }
    pt_privs saved;
    memset(&saved, 0, sizeof saved);
    char q[PT_AUDIT_NAME_MAX];
    if (pt_privs_drop_user(&saved, u) != PT_OK) {
        pt_log(LOG_ERR, "%s: cannot act as user %s to reach it", path,
               pt_audit_value(q, sizeof q, u->name));
        return PT_ERR_PERM;
    }
    int rc = in_dir(path, false, u->uid, false, load_op, e);
    if (pt_privs_restore(&saved) != PT_OK) {
        pt_log(LOG_CRIT, "%s: cannot return from acting as user %s; stopping", path,
               pt_audit_value(q, sizeof q, u->name));
        rc = PT_ERR_PERM;
    }
    if (rc != PT_OK)
        pt_enrolment_wipe(e);
    return rc;
}

typedef struct {
    const char *data;
    size_t len;
    bool system;
} store_ctx;

static int store_op(int dirfd, const char *name, const char *path, uid_t owner, void *ctx)
{
    const store_ctx *s = ctx;
    (void)owner;
    /* Home mode: we act as the user, so the new file is already theirs; nothing to chown. */
    if (s->system)
        return pt_file_replace_at(dirfd, name, path, s->data, s->len, 0, 0, ENROL_MODE);
    return pt_file_replace_at(dirfd, name, path, s->data, s->len, (uid_t)-1, (gid_t)-1,
                              ENROL_MODE);
}

int pt_enrolment_store(const pt_options *o, const pt_user *u, const pt_enrolment *e)
{
    store_ctx s = { .system = pt_options_system_mode(o) };
    if (s.system && geteuid() != 0) {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_ERR, "enrolments are kept by root (enrolment_file = %s): ask an "
                        "administrator to run pam-totp enrol --user %s", o->enrolment_file,
               pt_audit_value(q, sizeof q, u->name));
        return PT_ERR_PERM;
    }
    char *data = NULL;
    int rc = pt_enrolment_format(e, &data, &s.len);
    if (rc != PT_OK)
        return rc;
    s.data = data;
    rc = run(o, u, true, store_op, &s);
    pt_wipe(data, s.len);
    free(data);
    return rc;
}

static int remove_op(int dirfd, const char *name, const char *path, uid_t owner, void *ctx)
{
    (void)owner;
    (void)ctx;
    return pt_file_remove_at(dirfd, name, path);
}

int pt_enrolment_remove(const pt_options *o, const pt_user *u)
{
    return run(o, u, false, remove_op, NULL);
}

/* lstat as the user: root's rights never reach into the home (root_squash, SELinux), and a
 * symlink counts as present (it is what the user left there). */
int pt_home_enrolment_present(const pt_user *u)
{
    char path[PATH_MAX];
    if (u->home[0] != '/' ||
        pt_expand(PT_HOME_ENROLMENT_FILE, u->name, u->home, path, sizeof path) != PT_OK)
        return 0;
    pt_privs saved;
    memset(&saved, 0, sizeof saved);
    if (pt_privs_drop_user(&saved, u) != PT_OK)
        return 0; /* cannot look as the user: say nothing rather than look as root */
    struct stat st;
    int present = lstat(path, &st) == 0;
    if (pt_privs_restore(&saved) != PT_OK) {
        pt_log(LOG_CRIT, "%s: cannot return from acting as user %s; stopping", path, u->name);
        return PT_ERR_PERM;
    }
    return present;
}

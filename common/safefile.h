/* Symlink-safe, checked reads and atomic, durable replacement of small files.
 * Every path is reached through a directory descriptor; the last component is opened with
 * O_NOFOLLOW; type, owner, mode and size are checked on the open descriptor (fstat), so a swap
 * between check and use is impossible. */
#ifndef PT_SAFEFILE_H
#define PT_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct {
    uid_t uid;         /* required owner */
    bool check_gid;
    gid_t gid;         /* required group, when check_gid */
    mode_t allowed;    /* permission bits that may be set (e.g. 0600, 0640); any other is unsafe */
    size_t max_size;   /* larger files are PT_ERR_TOOBIG */
} pt_file_rules;

/* Opens the directory at an absolute path, checking every directory from "/" down on its
 * descriptor (DESIGN section 8): each one above the last must be owned by root and not writable
 * by group or others, except that a sticky directory (such as /tmp) may be, since nobody but
 * root can then rename the root-owned entry below it; a symbolic link on the way is followed
 * only when root owns it, and its target is checked the same way. The last directory is opened
 * without following a link (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC; O_PATH when it may be searched
 * but not listed) and must be owned by owner and not writable by group or others, sticky or not.
 * A failure names the unsafe directory and what to run. PT_OK with *dirfd, PT_ERR_NOENT,
 * PT_ERR_UNSAFE, PT_ERR_PERM, PT_ERR_INVAL (relative, or ".." in it), PT_ERR_IO. Every file the
 * module or the command reads outside a home directory is reached through this check (the
 * config, state_dir, a system-mode enrolment directory, key and password files:
 * pt_file_read_path). */
int pt_dir_open(const char *path, uid_t owner, int *dirfd);

/* Like pt_dir_open, but creates the last component (mode, owner:group) when it is missing; the
 * directories above it are checked first, so nothing is ever created below an unsafe one. */
int pt_dir_open_or_create(const char *path, uid_t owner, gid_t group, mode_t mode, int *dirfd);

/* Opens dirfd/name read-only (O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC; a FIFO never blocks), checks the
 * rules on the descriptor, and returns it in *fd. path is only for messages. */
int pt_file_open_checked(int dirfd, const char *name, const char *path, const pt_file_rules *r,
                         int *fd);

/* Reads a whole checked file from an open descriptor into a NUL-terminated malloc'd buffer
 * (refusing NUL bytes inside: PT_ERR_MALFORMED). The caller wipes and frees *data. */
int pt_file_read_fd(int fd, const char *path, size_t max_size, char **data, size_t *len);

/* pt_file_open_checked + pt_file_read_fd + close. */
int pt_file_read_at(int dirfd, const char *name, const char *path, const pt_file_rules *r,
                    char **data, size_t *len);

/* Atomically replaces dirfd/name: a temp file (O_EXCL, mode) in the same directory, write all,
 * fchown to uid:gid when running as root (pass (uid_t)-1/(gid_t)-1 to leave it), fsync, renameat,
 * fsync(dirfd). On any failure the temp file is removed and the old file is untouched. */
int pt_file_replace_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                       uid_t uid, gid_t gid, mode_t mode);

/* Like pt_file_replace_at but fails with PT_ERR_EXISTS instead of replacing an existing file
 * (rename with RENAME_NOREPLACE, or link-then-unlink where the file system lacks it, so the new
 * file appears complete or not at all). */
int pt_file_create_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                      uid_t uid, gid_t gid, mode_t mode);

/* Reads a whole file by absolute path: its directory through pt_dir_open (every directory from
 * "/" down checked, owned by r->uid), then pt_file_read_at. For the config file and for key and
 * password files: the one way to read such a file. The caller wipes and frees *data. */
int pt_file_read_path(const char *path, const pt_file_rules *r, char **data, size_t *len);

/* unlinkat + fsync(dirfd). A missing file is PT_ERR_NOENT. */
int pt_file_remove_at(int dirfd, const char *name, const char *path);

/* Splits "/a/b/c" into an open, checked directory for "/a/b" and the last component "c".
 * owner: required owner of the directory. PT_ERR_INVAL for a relative path or one ending in '/'. */
int pt_path_split_open(const char *path, uid_t owner, int *dirfd, char *name, size_t namesz);

/* The two halves of pt_file_open_checked, for a caller that must act between opening and
 * checking (the state file is locked first, then checked). pt_file_open_raw opens read-only
 * with the same flags and no checks (a missing file is PT_ERR_NOENT, not reported);
 * pt_file_check_fd applies the rules to an open descriptor, reporting what is wrong. */
int pt_file_open_raw(int dirfd, const char *name, const char *path, int *fd);
int pt_file_check_fd(int fd, const char *path, const pt_file_rules *r);
/* pt_file_check_fd on what fstat of the descriptor gave, for a caller that needs the stat too. */
int pt_file_check_stat(const struct stat *sb, const char *path, const pt_file_rules *r);

/* For a home directory: like pt_dir_open, but root may own the directory too (a home directory
 * root keeps for an account: only root and the user can change names in it, as sshd's
 * StrictModes accepts), and the directory's path may be a symbolic link (/home/bob ->
 * /data/bob; the path comes from the passwd database). */
int pt_dir_open_user(const char *path, uid_t owner, int *dirfd);

/* Splits an absolute "/a/b/c" into "/a/b" and "c" without opening anything. PT_ERR_INVAL for a
 * relative path or one ending in '/', ".", ".."; PT_ERR_TOOBIG when a part does not fit. */
int pt_path_split(const char *path, char *dir, size_t dirsz, char *name, size_t namesz);

#endif

/* The runtime state on disk: read, locked update and removal (state.h).
 *
 * state_dir/               root:root 0711: users reach their own record, list nothing
 *   uid:<uid>              the record, root:<primary group> 0640, two checksummed slots
 *                          (state_slots.h): updated in place, one fdatasync; created, upgraded
 *                          from an earlier release's text or grown by atomic replacement
 *   locks:/                root:root 0700
 *     <uid>                root 0600: the lock updates of that uid serialise on; it also
 *                          holds the durable mark (below), never synced
 *   <name>                 a record of an earlier release (keyed by name), merged and removed
 *
 * The lock is a file of its own that only root can open: the record must stay readable by its
 * user (and, in home mode, by the user's group), and any process that can open a file can
 * flock() it and hold everyone else up. Lock files are never removed: removing one while a
 * process waits on it would let a second holder in through a new file. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
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
#include "state_slots.h"
#include "totp.h"

#define STATE_MODE 0640
#define STATE_DIR_MODE 0711
#define LOCK_DIR "locks:"
#define LOCK_DIR_MODE 0700
#define LOCK_MODE 0600

/* An earlier release's record name: the user name itself. */
static bool legacy_name_ok(const char *s)
{
    if (s[0] == '\0' || s[0] == '.' || strchr(s, ':') || strlen(s) >= PT_USER_MAX)
        return false;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

/* Fills the names and paths of h for u. */
static int state_names(const pt_options *o, const pt_user *u, pt_state_handle *h)
{
    memset(h, 0, sizeof *h);
    h->dirfd = -1;
    h->lockfd = -1;
    h->uid = u->uid;
    h->gid = u->gid;
    snprintf(h->name, sizeof h->name, "uid:%lu", (unsigned long)u->uid);
    int n = snprintf(h->path, sizeof h->path, "%s/%s", o->state_dir, h->name);
    if (n < 0 || (size_t)n >= sizeof h->path) {
        pt_log(LOG_ERR, "state_dir %s: path too long", o->state_dir);
        return PT_ERR_TOOBIG;
    }
    /* A name that cannot be a file name never had a record of its own. */
    if (legacy_name_ok(u->name)) {
        n = snprintf(h->legacy_path, sizeof h->legacy_path, "%s/%s", o->state_dir, u->name);
        if (n > 0 && (size_t)n < sizeof h->legacy_path)
            snprintf(h->legacy, sizeof h->legacy, "%s", u->name);
    }
    return PT_OK;
}

/* The primary group of the uid's first passwd entry (what getpwuid finds): the record's group
 * whichever name of the uid writes it first. Falls back to the login name's group. */
static gid_t uid_group(uid_t uid, gid_t fallback)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
        return res->pw_gid;
    return fallback;
}

/* The whole record file behind fd, from offset 0 (pread: a kept descriptor is read again under
 * the lock), into a NUL-terminated malloc'd buffer. The caller wipes and frees *out. */
static int read_all(int fd, const char *path, size_t size, char **out, size_t *len)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return PT_ERR_NOMEM;
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pt_log(LOG_ERR, "%s: cannot read: %s", path, strerror(errno));
            free(buf);
            return PT_ERR_IO;
        }
        if (n == 0)
            break; /* shorter than fstat said (cut short meanwhile): decoding judges it */
        got += (size_t)n;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return PT_OK;
}

/* Whether fd, read again from offset 0 up to size bytes, holds exactly the len bytes of buf.
 * Compared through a stack buffer of the smallest slot (a usual record is two of them: two
 * reads) rather than a second whole copy on the heap, whose new pages a login in a fresh
 * process would pay a page fault each for; and not through a smaller one, which costs a system
 * call per piece, on a virtual machine about as dear as a fault (docs/BENCHMARKS.md). */
static int reads_the_same(int fd, const char *path, size_t size, const char *buf, size_t len,
                          bool *same)
{
    unsigned char chunk[PT_SLOT_MIN];
    size_t off = 0;
    *same = false;
    while (off < size) {
        size_t want = size - off < sizeof chunk ? size - off : sizeof chunk;
        ssize_t n = pread(fd, chunk, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pt_log(LOG_ERR, "%s: cannot read: %s", path, strerror(errno));
            pt_wipe(chunk, sizeof chunk);
            return PT_ERR_IO;
        }
        if (n == 0)
            break; /* the end of the file, now: the same only if buf ended there too */
        if (off + (size_t)n > len || memcmp(chunk, buf + off, (size_t)n) != 0) {
            pt_wipe(chunk, sizeof chunk);
            return PT_OK; /* longer now, or other bytes */
        }
        off += (size_t)n;
    }
    *same = off == len;
    pt_wipe(chunk, sizeof chunk);
    return PT_OK;
}

/* read_all, made consistent for a reader without the lock: updates write in place, and one
 * pread may copy a slot before an update and the other during the next one, which could show
 * an older record than one finished before the read began. Two reads that agree byte for byte
 * are what the file held between them (sequence numbers only grow, so a slot never changes
 * back), so a read that the next read agrees with is taken. A lock holder has no writer to
 * race. */
static int read_stable(int fd, const char *path, size_t size, bool locked, char **out,
                       size_t *len)
{
    *out = NULL;
    *len = 0;
    int rc = read_all(fd, path, size, out, len);
    for (int tries = 0; rc == PT_OK && !locked; tries++) {
        bool same = false;
        rc = reads_the_same(fd, path, size, *out, *len, &same);
        if (rc != PT_OK || same)
            break;
        if (tries == 64) {
            pt_log(LOG_ERR, "%s: kept changing while it was read; failing closed", path);
            rc = PT_ERR_IO;
            break;
        }
        pt_wipe(*out, *len);
        free(*out);
        *out = NULL;
        rc = read_all(fd, path, size, out, len);
    }
    if (rc != PT_OK && *out) {
        pt_wipe(*out, *len);
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Checks the open record fd (root's, 0640 at most, one link, the login name's or the uid's
 * primary group: two names of one uid may have different ones), reads and decodes it into st,
 * and notes in h what an update needs (its group, slot, sequence, inode). */
static int read_fd(pt_state_handle *h, int fd, pt_state *st)
{
    pt_file_rules r = { .uid = 0, .check_gid = false, .allowed = STATE_MODE,
                        .max_size = PT_SLOT_FILE_MAX };
    struct stat sb;
    int rc = PT_OK;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", h->path, strerror(errno));
        rc = PT_ERR_IO;
    }
    if (rc == PT_OK)
        rc = pt_file_check_stat(&sb, h->path, &r);
    if (rc == PT_OK && sb.st_gid != h->gid && sb.st_gid != uid_group(h->uid, h->gid)) {
        pt_log(LOG_ERR, "%s: group is gid %lu, but must be the account's primary group, gid "
                        "%lu; run chgrp %lu %s", h->path, (unsigned long)sb.st_gid,
               (unsigned long)h->gid, (unsigned long)h->gid, h->path);
        rc = PT_ERR_UNSAFE;
    }
    char *data = NULL;
    size_t len = 0;
    if (rc == PT_OK)
        rc = read_stable(fd, h->path, (size_t)sb.st_size, h->lockfd >= 0, &data, &len);
    if (rc != PT_OK)
        return rc;
    pt_slot_pick pick;
    rc = pt_state_decode(data, len, h->path, st, &pick);
    pt_wipe(data, len);
    free(data);
    if (rc != PT_OK)
        return rc;
    h->gid = sb.st_gid;
    h->gid_known = true;
    h->slotted = pick.seq > 0;
    h->slot = pick.slot;
    h->slot_size = pick.slot_size;
    h->seq = pick.seq;
    h->dev = sb.st_dev;
    h->ino = sb.st_ino;
    return PT_OK;
}

/* Reads and decodes dirfd/name into st; a missing file is PT_ERR_NOENT (not reported). With
 * keep_fd, the open record is handed over instead of closed. */
static int read_record(pt_state_handle *h, pt_state *st, int *keep_fd)
{
    int fd;
    int rc = pt_file_open_raw(h->dirfd, h->name, h->path, &fd);
    if (rc != PT_OK)
        return rc;
    rc = read_fd(h, fd, st);
    if (rc == PT_OK && keep_fd)
        *keep_fd = fd;
    else
        close(fd);
    return rc;
}

/* Merges the record an earlier release kept under the login name (root:<its group> 0640), if
 * there is one. *found tells whether there was. */
static int merge_legacy(const pt_state_handle *h, gid_t gid, pt_state *st, bool *found)
{
    *found = false;
    if (h->legacy[0] == '\0')
        return PT_OK;
    pt_file_rules r = { .uid = 0, .check_gid = true, .gid = gid, .allowed = STATE_MODE,
                        .max_size = PT_STATE_MAX_SIZE };
    char *data = NULL;
    size_t len = 0;
    int rc = pt_file_read_at(h->dirfd, h->legacy, h->legacy_path, &r, &data, &len);
    if (rc == PT_ERR_NOENT)
        return PT_OK;
    if (rc != PT_OK)
        return rc;
    pt_state *old = malloc(sizeof *old); /* large: off a PAM host's thread stack */
    if (!old) {
        free(data);
        return PT_ERR_NOMEM;
    }
    rc = pt_state_parse(data, len, h->legacy_path, old);
    free(data);
    if (rc == PT_OK) {
        rc = pt_state_merge(st, old);
        *found = rc == PT_OK;
    }
    free(old);
    return rc;
}

/* The record with the legacy one merged in; nothing at all is an initial state. */
static int load(pt_state_handle *h, gid_t name_gid, pt_state *st, bool *legacy_found, int *keep_fd)
{
    int rc = read_record(h, st, keep_fd);
    if (rc == PT_ERR_NOENT) {
        pt_state_init(st);
        rc = PT_OK;
    }
    if (rc == PT_OK)
        rc = merge_legacy(h, name_gid, st, legacy_found);
    return rc;
}

static int open_dir(const pt_options *o, bool create, int *dirfd)
{
    if (create && geteuid() == 0)
        return pt_dir_open_or_create(o->state_dir, 0, 0, STATE_DIR_MODE, dirfd);
    return pt_dir_open(o->state_dir, 0, dirfd);
}

/* ---- the lock ---- */

/* locks:/ must be root's and writable by nobody else (else someone could put a file of their
 * own in place of a lock file). */
static int check_lock_dir(int dirfd, const char *state_dir)
{
    struct stat sb;
    if (fstatat(dirfd, LOCK_DIR, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        pt_log(LOG_ERR, "%s/%s: cannot stat: %s", state_dir, LOCK_DIR, strerror(errno));
        return PT_ERR_IO;
    }
    if (!S_ISDIR(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 077)) {
        pt_log(LOG_ERR, "%s/%s: must be a directory owned by root, mode 0700 (it is %s%04o, "
                        "uid %lu); remove it and it is made again", state_dir, LOCK_DIR,
               S_ISDIR(sb.st_mode) ? "" : "not a directory, ", (unsigned)(sb.st_mode & 07777),
               (unsigned long)sb.st_uid);
        return PT_ERR_UNSAFE;
    }
    return PT_OK;
}

static int check_lock_file(int fd, const char *path)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        pt_log(LOG_ERR, "%s: cannot stat: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 077) || sb.st_nlink != 1) {
        pt_log(LOG_ERR, "%s: the lock must be a regular file of root's, mode 0600, one link; "
                        "remove it and it is made again", path);
        return PT_ERR_UNSAFE;
    }
    return PT_OK;
}

/* Opens (creating when missing) state_dir/locks:/<uid>. One openat on the usual path. */
static int open_lock(const pt_options *o, pt_state_handle *h, int *fd)
{
    char rel[64], shown[4200];
    snprintf(rel, sizeof rel, "%s/%lu", LOCK_DIR, (unsigned long)h->uid);
    snprintf(shown, sizeof shown, "%s/%s", o->state_dir, rel);
    if (geteuid() != 0) {
        pt_log(LOG_ERR, "%s: only root can update the runtime state", shown);
        return PT_ERR_PERM;
    }
    int rc = PT_OK;
    const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    /* Usually there: one openat. Creating is the exception (the uid's first update), so a file
     * system that refuses new files still lets the usual login find out what it can. */
    *fd = openat(h->dirfd, rel, flags);
    /* Read-write for the durable mark; on a read-only file system the lock still works and the
     * update then fails at the record, which is the file to name. */
    if (*fd < 0 && errno == EROFS)
        *fd = openat(h->dirfd, rel, (flags & ~O_RDWR) | O_RDONLY);
    if (*fd < 0 && errno == ENOENT)
        *fd = openat(h->dirfd, rel, flags | O_CREAT, LOCK_MODE);
    if (*fd < 0 && errno == ENOENT) {
        /* The first update after an install or upgrade: make the lock directory. */
        if (mkdirat(h->dirfd, LOCK_DIR, LOCK_DIR_MODE) != 0 && errno != EEXIST) {
            pt_log(LOG_ERR, "%s/%s: cannot create: %s", o->state_dir, LOCK_DIR, strerror(errno));
            return PT_ERR_IO;
        }
        *fd = openat(h->dirfd, rel, flags | O_CREAT, LOCK_MODE);
    }
    if (*fd < 0) {
        pt_log(LOG_ERR, "%s: cannot open the lock: %s", shown, strerror(errno));
        return PT_ERR_IO;
    }
    rc = check_lock_dir(h->dirfd, o->state_dir);
    if (rc == PT_OK)
        rc = check_lock_file(*fd, shown);
    if (rc != PT_OK) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

/* What tells that a holder finished: the record replaced (a new inode, or new times). */
typedef struct {
    bool there;
    dev_t dev;
    ino_t ino;
    struct timespec mtime, ctime;
} record_mark;

static record_mark mark_record(const pt_state_handle *h)
{
    record_mark m;
    struct stat sb;
    memset(&m, 0, sizeof m);
    if (fstatat(h->dirfd, h->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        m.there = true;
        m.dev = sb.st_dev;
        m.ino = sb.st_ino;
        m.mtime = sb.st_mtim;
        m.ctime = sb.st_ctim;
    }
    return m;
}

static bool same_mark(const record_mark *a, const record_mark *b)
{
    return a->there == b->there && a->dev == b->dev && a->ino == b->ino &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* flock(LOCK_EX) with a bound: non-blocking tries with growing pauses (1 ms up to 20 ms). Each
 * holder that writes the record shows progress, so a login queued behind others of the same
 * account (one argon2id evaluation each) keeps waiting while they finish; once
 * PT_STATE_LOCK_WAIT_MS of pauses pass with no progress, the holder is taken to be stuck and
 * the caller fails closed. Counting pauses rather than reading a clock keeps the bound whatever
 * the clock does. */
static int lock_bounded(const pt_state_handle *h, int fd, const char *state_dir)
{
    long idle_ms = 0, pause_ms = 1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return PT_OK; /* the usual case: nobody else is updating this account */
    record_mark seen = mark_record(h);
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return PT_OK;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            pt_log(LOG_ERR, "%s/%s/%lu: cannot lock: %s", state_dir, LOCK_DIR,
                   (unsigned long)h->uid, strerror(errno));
            return PT_ERR_IO;
        }
        record_mark now = mark_record(h);
        if (!same_mark(&now, &seen)) {
            seen = now;
            idle_ms = 0; /* the holder finished an update: whoever holds it now is new */
        }
        if (idle_ms >= PT_STATE_LOCK_WAIT_MS) {
            pt_log(LOG_ERR, "%s/%s/%lu: the runtime state of uid %lu has been locked by another "
                            "process for %d seconds; failing closed. Only root can hold this "
                            "lock: look for a stuck login or pam-totp (fuser -v %s/%s/%lu)",
                   state_dir, LOCK_DIR, (unsigned long)h->uid, (unsigned long)h->uid,
                   PT_STATE_LOCK_WAIT_MS / 1000, state_dir, LOCK_DIR, (unsigned long)h->uid);
            return PT_ERR_IO;
        }
        struct timespec ts = { 0, pause_ms * 1000 * 1000 };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        idle_ms += pause_ms;
        if (pause_ms < 20)
            pause_ms *= 2;
    }
}

static int take_lock(const pt_options *o, pt_state_handle *h)
{
    int fd;
    int rc = open_lock(o, h, &fd);
    if (rc != PT_OK)
        return rc;
    rc = lock_bounded(h, fd, o->state_dir);
    if (rc != PT_OK) {
        close(fd);
        return rc;
    }
    h->lockfd = fd;
    return PT_OK;
}

int pt_state_open_locked(const pt_options *o, const pt_user *u, pt_state_handle *h, pt_state *st)
{
    pt_state_init(st);
    int rc = state_names(o, u, h);
    if (rc == PT_OK)
        rc = open_dir(o, true, &h->dirfd);
    if (rc == PT_OK)
        rc = take_lock(o, h);
    bool legacy = false;
    if (rc == PT_OK)
        rc = load(h, u->gid, st, &legacy, NULL);
    if (!legacy)
        h->legacy[0] = '\0'; /* nothing to remove at commit */
    if (rc != PT_OK) {
        pt_state_close(h);
        pt_state_init(st);
    }
    return rc;
}

/* ---- the durable mark ----
 * An update writes over the slot that does not hold the record read, so that record must be
 * durable before: else a crash during this write (the slot torn) could leave only an older
 * record on disk. It is not always durable: an update killed between its write and its
 * fdatasync leaves a valid slot in the page cache only, and a record renamed into place by a
 * process killed before the directory fsync may lose its name at a power cut. So the lock file
 * holds the mark of the last record an update made durable (device, inode, sequence number),
 * written after its sync and never synced itself; an update whose record read does not match it
 * syncs that record and its directory first. The usual login matches and pays nothing; after a
 * killed update or a reboot (a lost or stale mark), one login pays one more sync. */
typedef struct {
    unsigned char magic[8];
    uint64_t dev, ino, seq;
} durable_mark;
static const unsigned char mark_magic[8] = { 'P', 'T', 'S', 'Y', 'N', 'C', '1', '\n' };

static bool mark_matches(const pt_state_handle *h)
{
    durable_mark m;
    return pread(h->lockfd, &m, sizeof m, 0) == (ssize_t)sizeof m &&
           memcmp(m.magic, mark_magic, sizeof m.magic) == 0 && m.dev == (uint64_t)h->dev &&
           m.ino == (uint64_t)h->ino && m.seq == h->seq;
}

/* Best effort: a mark not written only costs the next update a sync. */
static void mark_durable(const pt_state_handle *h)
{
    durable_mark m = { .dev = (uint64_t)h->dev, .ino = (uint64_t)h->ino, .seq = h->seq };
    memcpy(m.magic, mark_magic, sizeof m.magic);
    (void)!pwrite(h->lockfd, &m, sizeof m, 0);
}

/* Before a record is made new or removed: a new file may get the old one's inode number and
 * sequence number, and must not match a mark it did not earn, not even one an earlier boot's
 * writeback left on disk, so the cleared mark is synced (these are the rare updates). */
static int mark_clear(const pt_state_handle *h)
{
    static const durable_mark none;
    if (pwrite(h->lockfd, &none, sizeof none, 0) != (ssize_t)sizeof none ||
        fdatasync(h->lockfd) != 0) {
        pt_log(LOG_ERR, "%s: cannot clear the durable mark in its lock (%s/%lu): %s", h->path,
               LOCK_DIR, (unsigned long)h->uid, errno ? strerror(errno) : "short write");
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* Makes the record read (fd, open read-write) and its name durable, when the mark does not
 * show it is. The slot is written again first: after a failed writeback that some other fsync
 * already reported, its pages are clean in the cache but not on disk, and fdatasync alone
 * would return 0 without writing them. A failure fails closed and changes nothing: the slot may
 * be a record a killed login reported as accepted, so it must stay the newest. */
static int make_base_durable(const pt_state_handle *h, int fd)
{
    if (mark_matches(h))
        return PT_OK;
    int rc = PT_OK;
    unsigned char *slot = malloc(h->slot_size);
    off_t at = (off_t)(h->slot * h->slot_size);
    if (!slot)
        return PT_ERR_NOMEM;
    if (pread(fd, slot, h->slot_size, at) != (ssize_t)h->slot_size ||
        pwrite(fd, slot, h->slot_size, at) != (ssize_t)h->slot_size || fdatasync(fd) != 0 ||
        fsync(h->dirfd) != 0) {
        pt_log(LOG_ERR, "%s: cannot make the record read durable before updating it: %s",
               h->path, errno ? strerror(errno) : "short read or write");
        rc = PT_ERR_IO;
    }
    pt_wipe(slot, h->slot_size);
    free(slot);
    return rc;
}

/* Writes the next record into the slot that does not hold the one read, then fdatasync: the
 * one sync of a usual update. The file must still be the one read (only lock holders write it). */
static int write_in_place(pt_state_handle *h, const char *text, size_t len)
{
    unsigned char *slot = malloc(h->slot_size);
    if (!slot)
        return PT_ERR_NOMEM;
    unsigned other = h->slot ^ 1u;
    int rc = pt_slots_encode(h->seq + 1, text, len, h->slot_size, slot);
    int fd = -1;
    if (rc == PT_OK) {
        fd = openat(h->dirfd, h->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            pt_log(LOG_ERR, "%s: cannot open to update: %s", h->path, strerror(errno));
            rc = PT_ERR_IO;
        }
    }
    struct stat sb;
    if (rc == PT_OK && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_dev != h->dev ||
                        sb.st_ino != h->ino || sb.st_uid != 0 || sb.st_nlink != 1 ||
                        (off_t)(2 * h->slot_size) != sb.st_size)) {
        pt_log(LOG_ERR, "%s: replaced or changed by something other than pam_totp while its "
                        "lock was held; not updated: look for what else writes to it", h->path);
        rc = PT_ERR_UNSAFE;
    }
    if (rc == PT_OK)
        rc = make_base_durable(h, fd);
    if (rc == PT_OK) {
        ssize_t n;
        do
            n = pwrite(fd, slot, h->slot_size, (off_t)(other * h->slot_size));
        while (n < 0 && errno == EINTR);
        int err = n < 0 ? errno : n != (ssize_t)h->slot_size ? EIO : 0;
        if (err == 0 && fdatasync(fd) != 0)
            err = errno;
        if (err != 0) {
            pt_log(LOG_ERR, "%s: cannot write: %s", h->path, strerror(err));
            /* The slot may be in the page cache yet not on disk. Left valid, it would be read as
             * the newest record, and the next update would write over the other slot, the last
             * durable record, before this one is known durable: a crash then could bring back
             * an older record. Cleared (best effort, page cache only), the other slot stays the
             * newest and the next update writes here again. */
            static const unsigned char none[PT_SLOT_HEADER];
            if (n > 0)
                (void)!pwrite(fd, none, sizeof none, (off_t)(other * h->slot_size));
            rc = PT_ERR_IO;
        }
    }
    if (fd >= 0)
        close(fd);
    pt_wipe(slot, h->slot_size);
    free(slot);
    if (rc == PT_OK) {
        h->slot = other;
        h->seq++;
        mark_durable(h);
    }
    return rc;
}

/* The smallest slot size for state_dir's file system: a write to one slot must not rewrite the
 * other's blocks (st_blksize) or page, so that a torn write can only damage the slot written. */
static size_t slot_granule(int dirfd)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t want = page > 0 ? (size_t)page : 0, g = PT_SLOT_MIN;
    struct stat sb;
    if (fstat(dirfd, &sb) == 0 && sb.st_blksize > 0 && (size_t)sb.st_blksize > want)
        want = (size_t)sb.st_blksize;
    while (g < want && g < PT_SLOT_MAX)
        g *= 2;
    return g;
}

/* A new two-slot file (the record in slot A, slot B empty) put in place atomically: the first
 * record of a uid, the upgrade of an earlier release's text, or a record grown past its slots. */
static int write_new(pt_state_handle *h, const char *text, size_t len)
{
    size_t size = pt_slots_size_for(len), granule = slot_granule(h->dirfd);
    if (size == 0)
        return PT_ERR_TOOBIG;
    if (size < granule)
        size = granule;
    unsigned char *file = calloc(2, size);
    if (!file)
        return PT_ERR_NOMEM;
    int rc = pt_slots_encode(h->seq + 1, text, len, size, file);
    if (rc == PT_OK)
        rc = mark_clear(h);
    if (rc == PT_OK)
        rc = pt_file_replace_at(h->dirfd, h->name, h->path, file, 2 * size, 0, h->gid,
                                STATE_MODE);
    pt_wipe(file, 2 * size);
    free(file);
    struct stat sb;
    if (rc == PT_OK && fstatat(h->dirfd, h->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        /* Under the lock nobody else renames it: a second commit updates this file in place. */
        h->slotted = true;
        h->slot = 0;
        h->slot_size = size;
        h->seq++;
        h->dev = sb.st_dev;
        h->ino = sb.st_ino;
        mark_durable(h); /* pt_file_replace_at synced the file and the directory */
    } else if (rc == PT_OK) {
        h->slotted = false; /* a second commit replaces it again */
        h->seq++;
    }
    return rc;
}

int pt_state_commit(pt_state_handle *h, const pt_state *st)
{
    if (h->lockfd < 0 || h->dirfd < 0)
        return PT_ERR_INVAL;
    char *data = NULL;
    size_t len = 0;
    int rc = pt_state_format(st, &data, &len);
    if (rc != PT_OK)
        return rc;
    /* A new record takes the group of the uid's first passwd entry, whichever name writes it. */
    if (!h->gid_known) {
        h->gid = uid_group(h->uid, h->gid);
        h->gid_known = true;
    }
    if (h->slotted && len <= h->slot_size - PT_SLOT_HEADER)
        rc = write_in_place(h, data, len);
    else
        rc = write_new(h, data, len);
    pt_wipe(data, len);
    free(data);
    /* The earlier release's record goes only once its content is durably in the new one; a
     * crash in between merges it again next time, which adds nothing (pt_state_merge). */
    if (rc == PT_OK && h->legacy[0] != '\0') {
        int r = pt_file_remove_at(h->dirfd, h->legacy, h->legacy_path);
        if (r != PT_OK && r != PT_ERR_NOENT)
            return r;
        pt_log(LOG_INFO, "%s: merged into %s and removed (records are kept by uid now)",
               h->legacy_path, h->path);
        h->legacy[0] = '\0';
    }
    return rc;
}

void pt_state_close(pt_state_handle *h)
{
    if (h->lockfd >= 0)
        close(h->lockfd);
    if (h->dirfd >= 0)
        close(h->dirfd);
    h->lockfd = -1;
    h->dirfd = -1;
}

int pt_state_read(const pt_options *o, const pt_user *u, pt_state *st)
{
    pt_state_kept k;
    int rc = pt_state_read_kept(o, u, &k, st);
    pt_state_kept_close(&k);
    return rc;
}

int pt_state_read_kept(const pt_options *o, const pt_user *u, pt_state_kept *k, pt_state *st)
{
    memset(k, 0, sizeof *k);
    pt_state_init(st);
    pt_state_handle *h = malloc(sizeof *h); /* paths: off a PAM host's thread stack */
    if (!h)
        return PT_ERR_NOMEM;
    int rc = state_names(o, u, h);
    if (rc == PT_OK)
        rc = open_dir(o, false, &h->dirfd);
    bool legacy = false;
    int fd = -1;
    if (rc == PT_ERR_NOENT)
        rc = PT_OK; /* no state_dir: nothing recorded yet, nothing to keep */
    else if (rc == PT_OK)
        rc = load(h, u->gid, st, &legacy, &fd);
    /* Kept only in the usual case: a record of this release and none of an earlier one. */
    if (rc == PT_OK && fd >= 0 && !legacy) {
        *k = (pt_state_kept){ .valid = true, .recfd = fd, .h = h };
        return PT_OK;
    }
    if (fd >= 0)
        close(fd);
    pt_state_close(h);
    free(h);
    if (rc != PT_OK)
        pt_state_init(st);
    return rc;
}

/* Does state_dir/uid:<uid> still name the inode the kept read held open (h->dev, h->ino: what
 * it read)? */
static bool kept_current(const pt_state_handle *h)
{
    struct stat named;
    return fstatat(h->dirfd, h->name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
           named.st_dev == h->dev && named.st_ino == h->ino;
}

int pt_state_open_locked_kept(const pt_options *o, const pt_user *u, pt_state_kept *k,
                              pt_state_handle *h, pt_state *st)
{
    if (!k || !k->valid) {
        pt_state_kept_close(k);
        return pt_state_open_locked(o, u, h, st);
    }
    pt_state_init(st);
    *h = *k->h; /* names, the checked state_dir and the record's checked group */
    k->h->dirfd = -1;
    h->lockfd = -1;
    bool legacy = false;
    int rc = take_lock(o, h);
    /* Updates write the record in place, so the held inode may hold a newer record than the
     * one read before the lock: it is read again, through the descriptor already open. */
    if (rc == PT_OK && kept_current(h)) {
        rc = read_fd(h, k->recfd, st); /* the read found no earlier release's record */
    } else if (rc == PT_OK) {
        h->gid = u->gid; /* as a fresh read: the record found decides */
        h->gid_known = false;
        h->slotted = false;
        h->seq = 0;
        rc = load(h, u->gid, st, &legacy, NULL);
    }
    if (!legacy)
        h->legacy[0] = '\0'; /* nothing to remove at commit */
    pt_state_kept_close(k);
    if (rc != PT_OK) {
        pt_state_close(h);
        pt_state_init(st);
    }
    return rc;
}

void pt_state_kept_close(pt_state_kept *k)
{
    if (!k || !k->valid) {
        if (k)
            memset(k, 0, sizeof *k);
        return;
    }
    close(k->recfd);
    pt_state_close(k->h);
    free(k->h);
    memset(k, 0, sizeof *k);
}

static int remove_if_there(int dirfd, const char *name, const char *path)
{
    int rc = pt_file_remove_at(dirfd, name, path);
    return rc == PT_ERR_NOENT ? PT_OK : rc;
}

int pt_state_remove(const pt_options *o, const pt_user *u)
{
    pt_state_handle *h = malloc(sizeof *h);
    if (!h)
        return PT_ERR_NOMEM;
    int rc = state_names(o, u, h);
    if (rc == PT_OK)
        rc = open_dir(o, false, &h->dirfd);
    if (rc == PT_ERR_NOENT) {
        free(h);
        return PT_OK;
    }
    if (rc == PT_OK)
        rc = take_lock(o, h);
    if (rc == PT_OK)
        rc = mark_clear(h);
    if (rc == PT_OK)
        rc = remove_if_there(h->dirfd, h->name, h->path);
    if (rc == PT_OK && h->legacy[0] != '\0')
        rc = remove_if_there(h->dirfd, h->legacy, h->legacy_path);
    pt_state_close(h);
    free(h);
    return rc;
}

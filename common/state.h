/* The runtime state, state_dir/<user>: root-owned, group = the user's primary group, 0640, in a
 * root-owned 0711 directory (users can read their own entry by name but cannot list). On disk
 * the text below sits in one of two checksummed slots (state_slots.h), updated in place; an
 * earlier release's record is the text alone. Format:
 *
 *   version = 1
 *   enrolment = ID | -        the enrolment id `used` refers to
 *   last_step = N | -1        newest accepted TOTP step (kept across re-enrolments: never lowered)
 *   used = 0,3,7              indices of consumed backup codes of that enrolment (may be empty)
 *   failures = T,T,...        times of recent failures (within fail_interval; at most 1000)
 *   lock_until = T            0 none, -1 until an admin unlocks
 *   first_required = T        0 never; when MFA first became required without an enrolment
 *   step_period = S           seconds per step of last_step (0 unknown: the enrolment's period);
 *                             a re-enrolment with another period compares step start times
 *   other_used = ID:N,N;ID:N  optional: used backup codes of other enrolments this account
 *                             used lately (names sharing the uid with enrolments of their own,
 *                             system mode %u), at most PT_STATE_OTHERS, oldest dropped first
 *   hosts = ADDR@T,...        optional: remembered hosts (remember_host), the canonical numeric
 *                             address (cidr.h) and the time of the code login from it; at most
 *                             PT_HOSTS_MAX, they count only for the enrolment bound above
 *   burned = S,...            optional: future steps whose code was typed with a clock that
 *                             looked off (clock_skew): never accepted later, at most PT_BURNED_MAX
 *   last_used = DEVICE,T      optional, one line per device (at most PT_DEVICES_MAX, distinct
 *                             ids): when a code of that device last logged in (the device's
 *                             last use lives here, root-owned, not in the user's file)
 *
 * Keys are one per line, in any order after version; a key a later release adds is optional and
 * read as its default when absent, so a record stays a plain key = value file.
 *
 * The record belongs to the account's uid: state_dir/uid:<uid> (a ':' is never part of a user
 * name, so it cannot meet a record of an earlier release, state_dir/<name>; such a record is
 * merged into the uid's one under the lock and then removed). Concurrent updates of one uid
 * serialise on flock() of state_dir/locks:/<uid>: root's, 0600, in a root-only 0700 directory,
 * so no other process can open it, let alone hold it; a wait for it is bounded: after
 * PT_STATE_LOCK_WAIT_MS in which no holder finished an update, the caller fails closed. */
#ifndef PT_STATE_H
#define PT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "backup.h"
#include "cidr.h"
#include "config.h"
#include "enrolment.h"
#include "state_slots.h"
#include "user.h"

#define PT_STATE_VERSION 1
#define PT_STATE_MAX_SIZE (64 * 1024)
#define PT_FAILURES_MAX 1000
#define PT_STATE_OTHERS 8
/* How long a login or command waits for the lock of one uid, with no holder finishing an update
 * meanwhile, before it fails closed. The lock is held only while a record is read, checked (one
 * argon2id evaluation at most) and written. */
#define PT_STATE_LOCK_WAIT_MS 5000

typedef struct {
    char enrolment[PT_ID_HEX + 1];
    uint8_t used[PT_BACKUP_MAX];
} pt_used_set;
#define PT_HOSTS_MAX 16   /* remembered hosts per account; the oldest is dropped */
#define PT_BURNED_MAX 8   /* burned future steps kept; the oldest is dropped */

typedef struct {
    char enrolment[PT_ID_HEX + 1];  /* "" when none */
    int64_t last_step;              /* -1 when none */
    unsigned step_period;           /* seconds per step of last_step; 0 unknown */
    uint8_t used[PT_BACKUP_MAX];    /* 1 = consumed */
    unsigned nfailures;
    int64_t failures[PT_FAILURES_MAX];
    int64_t lock_until;
    int64_t first_required;
    unsigned nothers;
    pt_used_set others[PT_STATE_OTHERS]; /* other enrolments' used codes (other_used) */
    unsigned nhosts;
    struct {
        char addr[PT_ADDR_STR];     /* canonical (pt_addr_format) */
        int64_t at;                 /* the code login that remembered it */
    } hosts[PT_HOSTS_MAX];
    unsigned nburned;
    int64_t burned[PT_BURNED_MAX];  /* steps of the bound enrolment's period */
    unsigned ndevices;              /* entries in last_used */
    struct {
        char id[PT_ID_HEX + 1];     /* a device id (enrolment.h) */
        int64_t t;                  /* UNIX seconds of its last code login */
    } last_used[PT_DEVICES_MAX];
} pt_state;

void pt_state_init(pt_state *st);
int pt_state_parse(const char *data, size_t len, const char *path, pt_state *st);
int pt_state_format(const pt_state *st, char **out, size_t *len);
/* A record file's whole content in either form (state_slots.h): the two-slot form (the newest
 * valid slot's text is parsed) or an earlier release's whole-file text. PT_OK, or
 * PT_ERR_MALFORMED reported naming path (st then initial). *pick (may be NULL) tells which slot
 * was read; its seq is 0 for the text form. */
int pt_state_decode(const void *data, size_t len, const char *path, pt_state *st,
                    pt_slot_pick *pick);

/* Binds the state to an enrolment id: if st->enrolment differs, its used-code marks are kept
 * among the other sets (other_used), the marks of enrolment_id are taken from there (none for
 * a new enrolment), remembered hosts are cleared, and the id recorded (last_step, burned steps,
 * failures, lock and first_required are kept). */
void pt_state_bind(pt_state *st, const char *enrolment_id);
/* Merges src into dst so that nothing src forbids becomes allowed: the newer last_step, used
 * codes of each enrolment united, failures united (each time once), the longer lock (-1
 * longest), the earlier first_required. Merging the same src twice changes nothing more.
 * PT_OK, or PT_ERR_NOMEM with dst unchanged. */
int pt_state_merge(pt_state *dst, const pt_state *src); /* PT_OK or PT_ERR_NOMEM */
/* Backup codes of the set not yet used. */
unsigned pt_state_codes_left(const pt_state *st, const pt_backup_set *set);

/* The time as the state keeps it: 0 and -1 are sentinels in it (lock_until: none / until an
 * admin unlocks; first_required: never), so a clock before 1970 counts as one second after the
 * epoch. Every time stored in or compared with the state goes through this. */
static inline int64_t pt_state_time(int64_t now)
{
    return now < 1 ? 1 : now;
}
/* ---- devices' last use (state_devices.c) ---- */
/* Records that device_id logged in at now (replacing the oldest entry when full). */
void pt_state_device_used(pt_state *st, const char *device_id, int64_t now);
/* When device_id last logged in, or -1 never. */
int64_t pt_state_device_last_used(const pt_state *st, const char *device_id);
/* Forgets the entries of devices e no longer has, and when there were any, the remembered hosts
 * (a host remembered after a removed device's code must not skip the prompt). */
void pt_state_prune_devices(pt_state *st, const pt_enrolment *e);
/* Parses one "last_used = ID,T" value into st (for pt_state_parse). */
int pt_state_parse_last_used(const char *v, size_t n, const char *path, unsigned line,
                             pt_state *st);
/* Appends the last_used lines (for pt_state_format). */
bool pt_state_format_last_used(const pt_state *st, char *buf, size_t cap, size_t *pos);

/* Lockout bookkeeping. record_failure drops failures older than fail_interval, appends now and
 * sets lock_until (now + unlock_time, or -1 when unlock_time = 0) once deny is reached; returns
 * true when this failure locked the user. */
bool pt_state_record_failure(pt_state *st, const pt_options *o, int64_t now);
void pt_state_clear_failures(pt_state *st);

/* Remembered hosts (remember_host). remember records a code login from rhost at now: only a
 * numeric address (pt_addr_parse) counts, a known address gets the new time, and when the list
 * is full the oldest entry is dropped. Returns true when recorded.
 * host_remembered: true when the state is bound to enrolment_id (non-empty), rhost is numeric
 * and was remembered at a time T with T <= now < T + seconds. seconds == 0 is always false.
 * forget_hosts empties the list (a lock, a new enrolment). */
bool pt_state_remember_host(pt_state *st, const char *rhost, int64_t now);
bool pt_state_host_remembered(const pt_state *st, const char *enrolment_id, const char *rhost,
                              int64_t now, unsigned seconds);
void pt_state_forget_hosts(pt_state *st);

/* Burned steps: a code that matched a future step outside the window (clock skew) was shown to
 * whoever typed it; the step is recorded so that code is refused when its time comes.
 * burn adds a step (dropping past steps, then the oldest); is_burned tells. */
void pt_state_burn_step(pt_state *st, int64_t step, int64_t now_step);
bool pt_state_is_burned(const pt_state *st, int64_t step);
/* Seconds left on a lock: 0 not locked (an expired lock counts as none), -1 until unlocked. */
int64_t pt_state_lock_left(const pt_state *st, int64_t now);

typedef struct {
    int dirfd;
    int lockfd;                  /* state_dir/locks:/<uid>, held */
    char name[32];               /* "uid:<uid>" */
    char path[4096];
    char legacy[PT_USER_MAX];    /* the name of an earlier release's record merged in, or "" */
    char legacy_path[4096];
    uid_t uid;
    gid_t gid;                   /* the record's group */
    bool gid_known;              /* gid is the existing record's (checked), else looked up */
    /* The record read (state_slots.h): a two-slot record is updated in place, in the slot that
     * does not hold it; anything else (none yet, an earlier release's text, a record grown past
     * its slots) is replaced atomically by a new two-slot file. */
    bool slotted;
    unsigned slot;               /* the slot read: 0 = A, 1 = B */
    size_t slot_size;
    uint64_t seq;                /* its sequence number; 0 for none or the text form */
    dev_t dev;                   /* the record file read (slotted only) */
    ino_t ino;
} pt_state_handle;

/* Opens state_dir (every directory from "/" down checked; created root:root 0711 when missing
 * and we are root), takes the uid's lock (waiting at most PT_STATE_LOCK_WAIT_MS, then
 * PT_ERR_IO with a message), reads state_dir/uid:<uid> (root:<the uid's primary group> 0640;
 * missing: an initial state) and merges in the record an earlier release kept under u->name,
 * if any. Only root can take the lock (PT_ERR_PERM otherwise). Use pt_state_commit to write,
 * pt_state_close always. */
int pt_state_open_locked(const pt_options *o, const pt_user *u, pt_state_handle *h, pt_state *st);
/* Writes st durably before returning PT_OK: in place, into the slot of the two-slot record that
 * does not hold the record read, then one fdatasync (a crash leaves the record read or st in
 * force, state_slots.h); when there is no two-slot record to update (none yet, an earlier
 * release's text, st outgrew the slots), a new two-slot file replaces it atomically (temp file,
 * fsync, rename, fsync of the directory). Then removes the earlier release's record merged in
 * at open (its content now lives in st). */
int pt_state_commit(pt_state_handle *h, const pt_state *st);
void pt_state_close(pt_state_handle *h);

/* Read-only, no lock (status for users, list): the uid's record with an earlier release's
 * record of u->name merged in (in memory). Nothing recorded gives an initial state and PT_OK. */
int pt_state_read(const pt_options *o, const pt_user *u, pt_state *st);
/* A lock-free read kept for the locked update that may follow (the module reads the state to
 * decide, asks for the code, then updates it under the lock). It holds the record open, so the
 * record's inode cannot be freed and its number reused while it is kept: if state_dir/uid:<uid>
 * still names that inode once the lock is held, the record is read again through the open
 * descriptor (updates write in place, so it may hold a newer record), without opening anything;
 * otherwise (replaced, removed) it is read afresh by name. */
typedef struct {
    bool valid;              /* a record was read and is held open; else nothing is kept */
    int recfd;               /* the record read (valid only) */
    pt_state_handle *h;      /* names, the open state_dir and the record's group (valid only) */
} pt_state_kept;

/* pt_state_read, keeping the record for pt_state_open_locked_kept. k must be zeroed or closed
 * before; on success and on error alike, release it with pt_state_kept_close. */
int pt_state_read_kept(const pt_options *o, const pt_user *u, pt_state_kept *k, pt_state *st);
/* pt_state_open_locked, reading the record kept by pt_state_read_kept again through its open
 * descriptor when the name still names it (no second open); otherwise (nothing kept, record
 * replaced or removed) exactly pt_state_open_locked. Always releases k. */
int pt_state_open_locked_kept(const pt_options *o, const pt_user *u, pt_state_kept *k,
                              pt_state_handle *h, pt_state *st);
/* Releases what k holds; safe on a zeroed or already released k. */
void pt_state_kept_close(pt_state_kept *k);

/* Removes the uid's record and u->name's record of an earlier release (reset), under the lock.
 * Missing ones are fine. */
int pt_state_remove(const pt_options *o, const pt_user *u);

#endif

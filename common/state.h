/* The runtime state, state_dir/<user>: root-owned, group = the user's primary group, 0640, in a
 * root-owned 0711 directory (users can read their own entry by name but cannot list). Format:
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
 *   last_used = DEVICE,T      optional, one line per device (at most PT_DEVICES_MAX, distinct
 *                             ids): when a code of that device last logged in (the device's
 *                             last use lives here, root-owned, not in the user's file)
 *
 * Concurrent logins of one user serialise on flock() of the state file itself; after the lock is
 * taken the path is checked to still name the locked inode (else reopen), then it is read. */
#ifndef PT_STATE_H
#define PT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "backup.h"
#include "config.h"
#include "enrolment.h"
#include "user.h"

#define PT_STATE_VERSION 1
#define PT_STATE_MAX_SIZE (64 * 1024)
#define PT_FAILURES_MAX 1000

typedef struct {
    char enrolment[PT_ID_HEX + 1];  /* "" when none */
    int64_t last_step;              /* -1 when none */
    unsigned step_period;           /* seconds per step of last_step; 0 unknown */
    uint8_t used[PT_BACKUP_MAX];    /* 1 = consumed */
    unsigned nfailures;
    int64_t failures[PT_FAILURES_MAX];
    int64_t lock_until;
    int64_t first_required;
    unsigned ndevices;              /* entries in last_used */
    struct {
        char id[PT_ID_HEX + 1];     /* a device id (enrolment.h) */
        int64_t t;                  /* UNIX seconds of its last code login */
    } last_used[PT_DEVICES_MAX];
} pt_state;

void pt_state_init(pt_state *st);
int pt_state_parse(const char *data, size_t len, const char *path, pt_state *st);
int pt_state_format(const pt_state *st, char **out, size_t *len);

/* Binds the state to an enrolment id: if st->enrolment differs, the used-code marks are cleared
 * and the id recorded (last_step, failures, lock and first_required are kept). */
void pt_state_bind(pt_state *st, const char *enrolment_id);
/* Backup codes of the set not yet used. */
unsigned pt_state_codes_left(const pt_state *st, const pt_backup_set *set);

/* ---- devices' last use (state_devices.c) ---- */
/* Records that device_id logged in at now (replacing the oldest entry when full). */
void pt_state_device_used(pt_state *st, const char *device_id, int64_t now);
/* When device_id last logged in, or -1 never. */
int64_t pt_state_device_last_used(const pt_state *st, const char *device_id);
/* Forgets the entries of devices e no longer has. */
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
/* Seconds left on a lock: 0 not locked (an expired lock counts as none), -1 until unlocked. */
int64_t pt_state_lock_left(const pt_state *st, int64_t now);

typedef struct {
    int dirfd;
    int fd;                      /* the locked state file */
    char name[PT_USER_MAX];
    char path[4096];
    gid_t gid;
} pt_state_handle;

/* Opens state_dir (creating it root:root 0711 when missing and we are root), opens or creates
 * state_dir/<user> (root:<gid> 0640), takes an exclusive lock, re-checks that the path still names
 * the locked file, reads and parses it. Use pt_state_commit to write, pt_state_close always. */
int pt_state_open_locked(const pt_options *o, const pt_user *u, pt_state_handle *h, pt_state *st);
/* Writes st atomically and durably (fsync of file and directory) before returning PT_OK. */
int pt_state_commit(pt_state_handle *h, const pt_state *st);
void pt_state_close(pt_state_handle *h);

/* Read-only, no lock (status for users, list). A missing file gives an initial state and PT_OK. */
int pt_state_read(const pt_options *o, const pt_user *u, pt_state *st);
/* Removes the state file (reset). A missing one is fine. */
int pt_state_remove(const pt_options *o, const pt_user *u);

#endif

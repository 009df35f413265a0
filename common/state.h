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
 *   hosts = ADDR@T,...        optional: remembered hosts (remember_host), the canonical numeric
 *                             address (cidr.h) and the time of the code login from it; at most
 *                             PT_HOSTS_MAX, they count only for the enrolment bound above
 *   burned = S,...            optional: future steps whose code was typed with a clock that
 *                             looked off (clock_skew): never accepted later, at most PT_BURNED_MAX
 *
 * Concurrent logins of one user serialise on flock() of the state file itself; after the lock is
 * taken the path is checked to still name the locked inode (else reopen), then it is read. */
#ifndef PT_STATE_H
#define PT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "backup.h"
#include "cidr.h"
#include "config.h"
#include "enrolment.h"
#include "user.h"

#define PT_STATE_VERSION 1
#define PT_STATE_MAX_SIZE (64 * 1024)
#define PT_FAILURES_MAX 1000
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
    unsigned nhosts;
    struct {
        char addr[PT_ADDR_STR];     /* canonical (pt_addr_format) */
        int64_t at;                 /* the code login that remembered it */
    } hosts[PT_HOSTS_MAX];
    unsigned nburned;
    int64_t burned[PT_BURNED_MAX];  /* steps of the bound enrolment's period */
} pt_state;

void pt_state_init(pt_state *st);
int pt_state_parse(const char *data, size_t len, const char *path, pt_state *st);
int pt_state_format(const pt_state *st, char **out, size_t *len);

/* Binds the state to an enrolment id: if st->enrolment differs, the used-code marks, remembered
 * hosts and burned steps are cleared and the id recorded (last_step, failures, lock and
 * first_required are kept). */
void pt_state_bind(pt_state *st, const char *enrolment_id);
/* Backup codes of the set not yet used. */
unsigned pt_state_codes_left(const pt_state *st, const pt_backup_set *set);

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

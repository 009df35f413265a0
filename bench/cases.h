/* What the login benchmark measures: a "case" is one PAM stack (our module or Google's, with its
 * own service directory and files) or the floor. Each case is set up here so that every login
 * presents a fresh, valid answer: a TOTP code for the benchmark clock's current step, or a
 * backup/scratch code not used before. */
#ifndef PT_BENCH_CASES_H
#define PT_BENCH_CASES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backup.h"
#include "config.h"
#include "enrolment.h"
#include "stats.h"
#include "totp.h"
#include "user.h"

typedef enum { CASE_OURS, CASE_GOOGLE, CASE_FLOOR } bench_kind;

#define BENCH_LABEL_MAX 64
#define BENCH_GOOGLE_CODE_LEN 8

typedef struct {
    char label[BENCH_LABEL_MAX];
    bench_kind kind;
    char module[PATH_MAX];   /* absolute path of the .so */
    char workdir[PATH_MAX];  /* pam.d/, state/, enrol/ and the config file live here */
    bool system_mode;        /* ours: enrolment_file = WORKDIR/enrol/%u instead of %h/.pam_totp */
    bool sshd_host;          /* --fresh, kind "ours+sshd"/"google+sshd": the login process has
                                libgcrypt mapped and the account resolved before pam_start, as
                                Debian's sshd (pt-bench-login1 --sshd) */
    char confdir[PATH_MAX];  /* WORKDIR/pam.d, holding the service "bench" */

    /* ours */
    pt_options opt;
    pt_enrolment enr;
    pt_backup_code codes[PT_BACKUP_MAX];
    /* google */
    char gcodes[PT_BACKUP_MAX][BENCH_GOOGLE_CODE_LEN + 1];
    char gpath[PATH_MAX];

    unsigned ncodes;            /* backup codes per set: from the spec, else the product default */
    unsigned next_code;         /* backup mode: the next unused one */
    int dirfd;                  /* floor: the directory written to */
    int floor_mode;             /* floor: bench_floor_mode (kind floor, floor-1sync, floor-inplace) */
    unsigned floor_n;           /* floor: calls so far */
    bench_samples samples;      /* pam_start_confdir + pam_authenticate: what the user waits for */
    bench_samples full;         /* the same plus pam_end (unloading the module) */
    bench_samples proc;         /* --fresh: fork to exit of the process that logged in */
    long child_rss_kb;          /* --fresh: the largest peak RSS of such a process */
    bench_samples start_flt;    /* --fresh: minor page faults of pam_start_confdir (counts) */
    bench_samples auth_flt;     /* --fresh: minor page faults of pam_authenticate (counts) */
    long last_flt[2];           /* --fresh: those of the latest login */
} bench_case;

/* What all cases share. */
typedef struct {
    const pt_user *user;
    uint8_t secret[20];      /* one SHA-1 TOTP secret for every case */
    unsigned period;         /* 30 */
    bool backup;             /* backup-code logins instead of TOTP */
    const char *child;       /* --fresh: pt-bench-login1, one login per process; else NULL */
} bench_env;

/* Parses "LABEL:ours:MODULE:WORKDIR:home|system[:CODES]", "LABEL:google:MODULE:WORKDIR[:CODES]"
 * or "LABEL:floor:DIR" (also floor-1sync, floor-inplace: floor.h); "ours+sshd" or "google+sshd" as the kind marks an sshd-like host for
 * --fresh (sshd_host). CODES is the number of backup codes per set (default: the product's own,
 * 10 for ours and 5 for google-authenticator). Google's secret file is WORKDIR/ga/secret, in a
 * directory owned by the user as its default ~/.google_authenticator is. 0 or -1. */
int bench_case_parse(bench_case *c, const char *spec);

/* Writes the service file, configuration and enrolment (or secret file), removing any replay
 * state left from an earlier run. 0 or -1 (message on stderr). */
int bench_case_setup(bench_case *c, const bench_env *env);

/* The answer for the next login at the benchmark clock's current time. In backup mode this takes
 * the next unused code, first writing a fresh set (new enrolment id, or a rewritten secret file)
 * when the current one is used up; that happens outside the timed region. 0 or -1. */
int bench_case_answer(bench_case *c, const bench_env *env, char *out, size_t outsz);

/* Undoes what setup left in memory (secrets wiped). Files stay for the caller to remove. */
void bench_case_free(bench_case *c);

#endif

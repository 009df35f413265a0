/* pam-totp doctor: the checks that need no terminal and no PAM handle. They read text (the
 * output of `sshd -T`, PAM service files) and options, and add findings to a report: what would
 * break logins or silently weaken MFA, each with its fix. The command (cli/cmd_doctor.c) gathers
 * the inputs, runs these and prints the report. */
#ifndef PT_DOCTOR_H
#define PT_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef enum {
    PT_DR_BREAKS = 0,  /* logins fail (or sshd does not start) */
    PT_DR_WEAKENS = 1, /* a login can pass without the code it should need */
    PT_DR_ADVICE = 2,  /* worth knowing; changes no exit status */
} pt_dr_severity;

#define PT_DR_TEXT_MAX 1024

typedef struct {
    pt_dr_severity severity;
    char check[48];              /* a stable identifier, e.g. "sshd_kbdint_disabled" */
    char where[PATH_MAX + 32];   /* the file (and line) or the subject, e.g. "/etc/pam.d/sshd:5" */
    char problem[PT_DR_TEXT_MAX];
    char fix[PT_DR_TEXT_MAX];
    bool ignored;                /* named by --ignore: printed, not counted */
} pt_dr_finding;

typedef struct {
    pt_dr_finding *v;
    size_t n, cap;
    bool nomem; /* a finding could not be stored: the report is incomplete */
} pt_dr_report;

/* Adds a finding (problem and fix are printf formats; user- or file-supplied text goes in as
 * arguments). A finding with the same check and where as an earlier one is dropped (stacks
 * that include one file report its lines once). Never fails: on no memory r->nomem is set. */
void pt_dr_add(pt_dr_report *r, pt_dr_severity sev, const char *check, const char *where,
               const char *fix, const char *problem_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* How many findings of severity sev are not ignored. */
size_t pt_dr_count(const pt_dr_report *r, pt_dr_severity sev);
/* Marks the findings whose check is in the whitespace/comma list names as ignored. */
void pt_dr_ignore(pt_dr_report *r, const char *names);
void pt_dr_free(pt_dr_report *r);
const char *pt_dr_severity_name(pt_dr_severity s);

/* ---- paths (doctor_paths.c) ---- */

/* Checks every component of path from / down: root-owned, not writable by group or others
 * (a sticky directory is fine above a root-owned entry). what names the setting for messages
 * ("state_dir"). A missing component ends the walk (the module creates or reports it). Adds an
 * `unsafe_path` finding and returns false at the first unsafe one. */
bool pt_dr_check_path(pt_dr_report *r, const char *what, const char *path);

/* ---- sshd (doctor_sshd.c) ---- */

/* What the checks need of `sshd -T` (lower-case "key value" lines, OpenSSH 9.2). */
typedef struct {
    bool usepam, kbdint, password, pubkey;
    char permitrootlogin[32];  /* "yes", "no", "without-password", "forced-commands-only" */
    char methods[1024];        /* authenticationmethods: "any" or lists of comma-joined methods */
    bool have_methods;
} pt_sshd_view;

/* Parses the output of `sshd -T` (at most 1 MiB read by the caller). PT_OK, or PT_ERR_INVAL
 * when a key the checks need is missing (not the output of sshd -T). */
int pt_sshd_parse(const char *text, size_t len, pt_sshd_view *v);

/* The sshd checks for a server whose PAM stack loads pam_totp.so: any is `sshd -T` (no Match
 * applied), root is `sshd -T -C user=root,...` (root's Match blocks applied). where names the
 * configuration for messages. */
void pt_dr_check_sshd(pt_dr_report *r, const char *where, const pt_sshd_view *any,
                      const pt_sshd_view *root);

/* ---- PAM stacks (doctor_pam.c) ---- */

#define PT_PAM_LINE_MAX 4096
#define PT_PAM_ARGS_MAX 64

/* One line of a PAM stack after @include, include and substack are expanded. */
typedef struct {
    char file[PATH_MAX];   /* where it was read */
    unsigned lineno;
    char type[16];         /* auth, account, password, session */
    bool dash;             /* "-auth": silently skipped when the module cannot be loaded */
    char control[256];     /* "required", ..., or the bracket form without the brackets */
    char module[PATH_MAX];
    int argc;
    char *argv[PT_PAM_ARGS_MAX];
    unsigned scope;        /* 0: the service's own stack; n: the n-th substack opened */
    unsigned parent;       /* the scope this one was opened from */
} pt_pam_line;

typedef struct {
    pt_pam_line *v;
    size_t n, cap;
    unsigned scopes;
} pt_pam_stack;

/* Reads the service file dir/service and everything it includes (depth at most 8), keeping the
 * lines of every type in order. Unreadable or unsafe files (symlink, not root-owned, writable by
 * others, larger than 64 KiB) and syntax errors are added to r as findings. PT_OK, PT_ERR_NOENT
 * (no such service), PT_ERR_NOMEM. */
int pt_pam_stack_load(const char *dir, const char *service, pt_pam_stack *s, pt_dr_report *r);
/* Parses one service file's text into s (no includes expanded: include lines are kept with
 * module = the included name and control "include"/"substack"/"@include"). For the fuzzer and the
 * loader. PT_OK or PT_ERR_NOMEM; bad lines are reported in r and skipped. */
int pt_pam_parse_text(const char *text, size_t len, const char *file, pt_pam_stack *s,
                      pt_dr_report *r);
void pt_pam_stack_free(pt_pam_stack *s);
/* True when the line loads pam_totp.so (by base name). */
bool pt_pam_is_totp(const pt_pam_line *l);

/* The checks of one service's stack that loads pam_totp.so: the module on a line of a type it
 * does not implement, a control that lets a wrong code through, `-auth`, a line before it that
 * can end the stack or jump past it (sufficient, done, a jump), a module file that does not
 * exist (module_dirs: colon-separated directories for relative names). */
void pt_dr_check_pam(pt_dr_report *r, const char *service, const pt_pam_stack *s,
                     const char *module_dirs);

#endif

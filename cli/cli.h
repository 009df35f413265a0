/* pam-totp: shared declarations of the command's front end. The core logic lives in common/;
 * these files only parse arguments, talk to the terminal and print. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "enrolment.h"
#include "log.h"
#include "state.h"
#include "store.h"
#include "user.h"

/* Exit statuses (DESIGN section 6). */
enum {
    CLI_OK = 0,      /* done */
    CLI_REFUSED = 1, /* wrong code, not enrolled, not allowed */
    CLI_USAGE = 2,   /* usage error */
    CLI_SYSERR = 3,  /* system error (files, memory, crypto) */
};

/* What every subcommand shares: the options and who runs the command. */
typedef struct {
    pt_options opt;
    const char *config_path; /* --config, or NULL for the default file */
    bool config_loaded;
    bool root;               /* effective uid 0: may act on anyone */
    const char *verb;        /* the subcommand, for messages */
    bool quiet;              /* cli_view_user: no messages (list, system accounts) */
    pt_store *store;         /* opened by cli_load_config; closed by main */
} cli_ctx;

/* A subcommand: argv[0] is its name; returns an exit status. */
typedef int (*cli_cmd_fn)(cli_ctx *c, int argc, char **argv);

int cmd_enrol(cli_ctx *c, int argc, char **argv);
int cmd_status(cli_ctx *c, int argc, char **argv);
int cmd_disable(cli_ctx *c, int argc, char **argv);
int cmd_backup_codes(cli_ctx *c, int argc, char **argv);
int cmd_reset(cli_ctx *c, int argc, char **argv);
int cmd_unlock(cli_ctx *c, int argc, char **argv);
int cmd_list(cli_ctx *c, int argc, char **argv);

/* ---- context.c: configuration and whom we act on ---- */

/* The log sink: diagnostics to stderr ("pam-totp: ..."), audit lines to syslog (LOG_AUTHPRIV). */
void cli_log_sink(void *ctx, pt_log_kind kind, int priority, const char *msg);

/* Reads the configuration (defaults, then the file; a missing default file is fine) and opens
 * the store it names. With store = ldap only root may go on (the directory is reached with a
 * root-only password): anyone else is told where self-service is. */
int cli_load_config(cli_ctx *c);
/* Resolves the target user: name (from --user) or, when NULL, the invoking user. Anyone but root
 * may only name themselves. Fills u (free with pt_user_free); returns an exit status. */
int cli_target_user(cli_ctx *c, const char *name, pt_user *u);
/* True when the command acts on an account other than the invoking one (an admin action). */
bool cli_is_other_user(const pt_user *u);
/* Refuses (exit status 1) unless running as root; what names the action for the message. */
int cli_need_root(const cli_ctx *c, const char *what);
/* A non-root user cannot touch a root-owned (system mode) enrolment: says so, returns 1 or 0. */
int cli_refuse_system_mode(const cli_ctx *c, const char *what);
/* Maps a core error to an exit status (the core has already said what went wrong). */
int cli_status_for_rc(int rc);
/* A usage error: prints msg and the hint to --help, returns CLI_USAGE. */
int cli_usage_error(const cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After getopt has named a bad option: only the hint to --help. Returns CLI_USAGE. */
int cli_usage_hint(const cli_ctx *c);
/* "pam-totp: ..." on stderr (user text only as arguments). */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sends an audit event naming the acting admin when acting on another user. */
void cli_audit(int priority, const char *event, const pt_user *u, bool admin, const char *k1,
               const char *v1, const char *k2, const char *v2);
/* The current time (a function so every subcommand takes it the same way). */
int64_t cli_now(void);

/* Loads the user's enrolment with its secret (opened when sealed). Returns PT_OK, PT_ERR_NOENT,
 * or the core's error. cli_load_enrolment_meta: without opening a sealed secret (status, list). */
int cli_load_enrolment(const cli_ctx *c, const pt_user *u, pt_enrolment *e);
int cli_load_enrolment_meta(const cli_ctx *c, const pt_user *u, pt_enrolment *e);

/* Checks the user's current code (or backup code when allow_backup) before a change to their own
 * MFA. Root needs none unless code is given. Non-root: stateless check against the state read
 * (replay and lock are enforced by the module, not here). Returns an exit status. */
int cli_confirm_code(cli_ctx *c, const pt_user *u, const pt_enrolment *e, const char *code,
                     bool allow_backup, const char *why);

/* ---- policy view (status and list) ---- */
typedef struct {
    bool enrolled;        /* an active enrolment */
    bool pending;         /* a pending one that has not expired */
    bool required;        /* MFA required by policy (after exemptions and mfa=disabled) */
    bool exempt;
    bool locked;
    int64_t lock_left;    /* seconds, -1 until unlocked */
    unsigned codes_left;
    unsigned codes_total;
    int64_t deadline;     /* end of the enrolment grace; 0 none; -1 starts at first login */
    int64_t since;        /* created, when enrolled */
} cli_view;

/* Fills v from the user's enrolment and state. Returns an exit status. */
int cli_view_user(cli_ctx *c, const pt_user *u, int64_t now, cli_view *v);
/* The deadline as text: "-", "2026-01-05 10:00 UTC", "passed", "7d after first login". */
void cli_deadline_text(const cli_ctx *c, const cli_view *v, int64_t now, char *out, size_t outsz);

/* ---- output.c ---- */
void cli_json_string(FILE *f, const char *s);
void cli_json_bool(FILE *f, bool b);
void cli_json_codes(FILE *f, const pt_backup_code *codes, unsigned n);
void cli_print_codes(FILE *f, const pt_backup_code *codes, unsigned n);
/* Formats a UNIX time as local "YYYY-MM-DD HH:MM TZ". */
void cli_time_text(int64_t t, char *out, size_t outsz);
/* "4 days 3 hours", "12 minutes". */
void cli_duration_text(int64_t s, char *out, size_t outsz);

/* ---- term.c ---- */
/* Reads one answer: from the terminal with echo off when stdin is one (prompt on stderr), else
 * one line of stdin. Trailing newline dropped; over-long lines are consumed and refused.
 * Returns 0, or -1 at end of input, -2 when the line was too long. */
int cli_read_answer(const char *prompt, char *buf, size_t bufsz);
/* Asks a yes/no question on the terminal (echo on). True only for "y" or "yes". */
bool cli_ask_yes(const char *question);
bool cli_stdin_is_tty(void);

/* ---- qr.c ---- */
typedef enum { CLI_QR_AUTO = 0, CLI_QR_UTF8, CLI_QR_ANSI, CLI_QR_NONE } cli_qr_mode;
int cli_qr_parse(const char *s, cli_qr_mode *m);
/* Draws text as a QR code; AUTO picks UTF-8 half blocks when the locale's codeset is UTF-8,
 * ANSI colours otherwise. Returns 0 or -1 (reported). */
int cli_qr_print(FILE *f, const char *text, cli_qr_mode m);

/* ---- enrolment helpers (cmd_enrol.c) ---- */
/* Generates the backup set of e (count from the options; 0 allowed) into codes. */
int cli_new_backup_set(const cli_ctx *c, pt_enrolment *e, pt_backup_code *codes, unsigned *n);

#endif

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
#include "policy.h"
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
    const char *service;     /* --service: the options of that PAM service's pam_totp.so line */
    bool config_loaded;
    bool root;               /* effective uid 0: may act on anyone */
    const char *verb;        /* the subcommand, for messages */
    bool quiet;              /* cli_view_user: no messages (list, system accounts) */
    pt_group_policy gp;      /* the configured groups as gids, resolved on first use */
    bool gp_loaded;
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
int cmd_migrate(cli_ctx *c, int argc, char **argv);
int cmd_doctor(cli_ctx *c, int argc, char **argv);
int cmd_import(cli_ctx *c, int argc, char **argv);
int cmd_devices(cli_ctx *c, int argc, char **argv);
int cmd_remove_device(cli_ctx *c, int argc, char **argv);

/* ---- context.c: configuration and whom we act on ---- */

/* The log sink: diagnostics to stderr ("pam-totp: ..."), audit lines to syslog (LOG_AUTHPRIV). */
void cli_log_sink(void *ctx, pt_log_kind kind, int priority, const char *msg);

#define CLI_PAM_DIR "/etc/pam.d"
/* Reads the configuration (defaults, then the file; a missing default file is fine), or with
 * --service the options that service's pam_totp.so line gives the module, and opens the store
 * it names. With store = ldap only root may go on (the directory is reached with a root-only
 * password): anyone else is told where self-service is. */
int cli_load_config(cli_ctx *c);
/* Resolves the target user: name (from --user) or, when NULL, the invoking user. Anyone but root
 * may only name themselves. Fills u (free with pt_user_free); returns an exit status. */
int cli_target_user(cli_ctx *c, const char *name, pt_user *u);
/* The user a subcommand acts on, taken the same way by every verb: a bare NAME after the
 * options (getopt has finished, optind points past them) or --user NAME (already in *name);
 * both may be given only when they agree. required: a verb that always acts on a named user
 * (reset, unlock). Returns CLI_OK or CLI_USAGE (reported). */
int cli_take_user(const cli_ctx *c, int argc, char **argv, const char **name, bool required);
/* True when the command acts on an account other than the invoking one (an admin action). */
bool cli_is_other_user(const pt_user *u);
/* Refuses (exit status 1) unless running as root; what names the action for the message. */
int cli_need_root(const cli_ctx *c, const char *what);
/* A non-root user cannot touch a root-owned (system mode) enrolment: says so, returns 1 or 0. */
int cli_refuse_system_mode(const cli_ctx *c, const char *what);
/* How u gets an enrolment, as a clause for messages: `pam-totp enrol` only where u can run it
 * (home mode); in system mode an administrator, or the next login when enrol_at_login is set.
 * Returns out. */
const char *cli_enrol_hint(const cli_ctx *c, const pt_user *u, char *out, size_t outsz);
/* The same for a new set of backup codes. */
const char *cli_codes_hint(const cli_ctx *c, const pt_user *u, char *out, size_t outsz);
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
/* Stores e, a changed copy of what cli_load_enrolment loaded, unless the file was replaced
 * since (then nothing is written and the user is told to run the command again: a change made
 * meanwhile, such as a removed device, is never undone); then e's stamp names the file written.
 * Returns an exit status; says what went wrong. */
int cli_store_if_unchanged(const cli_ctx *c, const pt_user *u, pt_enrolment *e);

/* Checks the user's current code (or backup code when allow_backup) before a change to their own
 * MFA. code: a --code argument (see cli_code_arg), or NULL to ask on the terminal. Root needs none
 * unless code is given. Non-root: stateless check against the state read (lock and replay from
 * it), and an accepted TOTP step is stored in e and its file as the device's command_step, so
 * the code never logs in afterwards. Returns an exit status. */
int cli_confirm_code(cli_ctx *c, const pt_user *u, pt_enrolment *e, const char *code,
                     bool allow_backup, const char *why);
/* The code of a --code argument into buf: "-" reads one line of standard input (echo off on a
 * terminal); anything else is the code itself (with a note that others can read it). Returns an
 * exit status (CLI_OK, CLI_USAGE, CLI_REFUSED). */
int cli_code_arg(const char *arg, char *buf, size_t bufsz);

/* ---- accounts.c ---- */
#define CLI_LOGIN_DEFS "/etc/login.defs"
struct passwd;
/* UID_MIN from login.defs ("UID_MIN  1000"), or 1000. */
unsigned long cli_uid_min(void);
/* A login account: root, or uid >= uid_min, with a shell other than nologin or false. */
bool cli_login_account(const struct passwd *pw, unsigned long uid_min);

/* Reports why a code was refused (cli_err): the wrong number of digits, or (with skew_hint, only
 * where trying costs nothing more than at a login) a clock that looks typed_digits/skew minutes
 * off, else "check the phone's clock". typed_digits and skew as in pt_verify_outcome. */
void cli_report_refused(const pt_enrolment *e, unsigned typed_digits, int64_t skew);

/* Like cli_confirm_code, but a code of device skip (an index in e) does not count: removing a
 * device needs a code of another device or a backup code. */
int cli_confirm_code_except(cli_ctx *c, const pt_user *u, pt_enrolment *e, int skip,
                            const char *code, const char *why);
/* Checks a device name from the command line; says what is allowed when it is not. */
int cli_check_device_name(const char *name);

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
    unsigned devices;     /* active devices (authenticators) */
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
/* The size of the terminal f writes to (TIOCGWINSZ), in character cells; 80 x 24 when f is not
 * a terminal or it does not say. */
void cli_term_size(FILE *f, unsigned *cols, unsigned *rows);
/* Draws text as a QR code, dark modules on a light field in explicit colours whatever the
 * terminal's theme: UTF-8 half blocks (UTF8, and AUTO in a UTF-8 locale) or ANSI background
 * colours. Only a code that fits is drawn: its width within the terminal's columns and its
 * lines plus `after` (the lines printed after it, prompt included) within its rows; otherwise a
 * message says what it needs and what to do (a larger window; a UTF-8 locale for ANSI). The
 * caller shows the key and the URI before. Returns 0 drawn (or NONE), 1 did not fit, -1 cannot
 * be drawn (said why). */
int cli_qr_print(FILE *f, const char *text, cli_qr_mode m, unsigned after);
/* Prints a key grouped as "ABCD EFGH ..." after indent, wrapped to the terminal's width between
 * groups only (continuation lines get the same indent). */
void cli_print_key(FILE *f, const char *grouped, const char *indent);

/* ---- enrolment helpers (cmd_enrol.c) ---- */
/* Generates the backup set of e (count from the options; 0 allowed) into codes. */
int cli_new_backup_set(const cli_ctx *c, pt_enrolment *e, pt_backup_code *codes, unsigned *n);

#endif

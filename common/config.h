/* Options: defaults, then the config file, then overrides (module arguments or CLI flags),
 * all through one struct and one key=value setter (the pam_faillock pattern). */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include "totp.h"

typedef enum {
    PT_MFA_DISABLED = 0,
    PT_MFA_OPTIONAL = 1,
    PT_MFA_REQUIRED_FOR_ADMINS = 2,
    PT_MFA_REQUIRED = 3,
} pt_mfa_mode;

typedef enum { PT_STORE_FILES = 0, PT_STORE_LDAP = 1 } pt_store_kind;

#define PT_LIST_MAX 1024   /* a whitespace- or comma-separated list of names */
#define PT_TEXT_MAX 256    /* issuer, label */
#define PT_OPT_PATH_MAX 1024 /* a path setting: at most 1023 bytes (pam_totp.conf(5)) */
#define PT_CONFIG_MAX_SIZE (64 * 1024)
#define PT_CONFIG_LINE_MAX 2048
#define PT_REMEMBER_MAX (31 * 86400) /* remember_host: at most a month */

typedef struct pt_options {
    pt_mfa_mode mfa;
    char admin_groups[PT_LIST_MAX];   /* default "sudo wheel" */
    char require_groups[PT_LIST_MAX];
    char require_users[PT_LIST_MAX];
    char exempt_users[PT_LIST_MAX];
    char exempt_groups[PT_LIST_MAX];
    unsigned enrol_grace_days;        /* 0..3650 */
    bool enrol_at_login;
    char issuer[PT_TEXT_MAX];         /* empty: the host name */
    char label[PT_TEXT_MAX];          /* default "%u@%H" */
    pt_alg algorithm;
    unsigned digits;                  /* 6 or 8 */
    unsigned period;                  /* 10..300 */
    unsigned window;                  /* 0..10 */
    unsigned backup_codes;            /* 0..PT_BACKUP_MAX */
    unsigned deny;                    /* 1..1000 */
    unsigned fail_interval;           /* seconds, 1..604800 */
    unsigned unlock_time;             /* seconds, 0 = until an admin unlocks */
    char enrolment_file[PT_OPT_PATH_MAX]; /* default "%h/.pam_totp" */
    char state_dir[PT_OPT_PATH_MAX];  /* default "/var/lib/pam_totp" */
    unsigned pending_ttl;             /* seconds, 60..86400 */
    char trusted_networks[PT_LIST_MAX]; /* CIDR prefixes, checked by pt_cidr_list_check */
    unsigned remember_host;           /* seconds, 0 (off)..PT_REMEMBER_MAX */
    char secret_key_file[PT_OPT_PATH_MAX]; /* empty: secrets stored as they are (seal.h) */
    pt_store_kind store;              /* files (default) or ldap */
    char ldap_uri[PT_LIST_MAX];       /* ldap:// or ldaps:// URIs, whitespace-separated */
    char ldap_base[PT_LIST_MAX];      /* the DN under which each user has one entry */
    char ldap_binddn[PT_LIST_MAX];    /* the service identity */
    char ldap_bindpw_file[PT_OPT_PATH_MAX]; /* root-only file holding its password */
    char ldap_tls_cacert[PT_OPT_PATH_MAX]; /* CA certificate(s) the server's is verified against */
    unsigned ldap_timeout;            /* seconds, 1..300: connect and every operation */

    /* Module arguments only (not accepted in the file). */
    bool debug, silent, use_first_pass, try_first_pass, forward_pass;
    char config_path[PT_OPT_PATH_MAX]; /* default PT_DEFAULT_CONFIG */
} pt_options;

/* The default enrolment_file (home mode). */
#define PT_HOME_ENROLMENT_FILE "%h/.pam_totp"

#ifndef PT_DEFAULT_CONFIG
#define PT_DEFAULT_CONFIG "/etc/security/pam_totp.conf"
#endif

void pt_options_defaults(pt_options *o);

/* Sets one key. where names the origin for messages ("/etc/security/pam_totp.conf:12",
 * "module argument", "--config"). An unknown key or bad value is reported through pt_log naming
 * where and key, and returns PT_ERR_INVAL with o unchanged. from_file refuses the argument-only
 * keys (debug, silent, use_first_pass, try_first_pass, forward_pass, config). */
int pt_options_set(pt_options *o, const char *key, const char *value, const char *where,
                   bool from_file);

/* One module argument: "key=value", or a bare flag (debug, silent, use_first_pass,
 * try_first_pass, forward_pass). */
int pt_options_set_arg(pt_options *o, const char *arg);

/* Reads a config file: "key = value" lines, '#' comments, blank lines. The file is opened
 * symlink-safely and must be a regular root-owned file not writable by group or others, at most
 * PT_CONFIG_MAX_SIZE bytes. A missing file is PT_ERR_NOENT (callers decide whether that is fine).
 * The lines are applied to o as they are read (no scratch copy: a login in a fresh process
 * pays for every page it touches, docs/BENCHMARKS.md). When a line is bad, o is reset to the
 * built-in defaults, never left half-applied (callers refuse it anyway: the module the login,
 * the CLI the command); when the file cannot be read, o is untouched. */
int pt_options_load_file(pt_options *o, const char *path);

/* The whole sequence for the module: defaults; config= from argv (if any); the file (missing is
 * fine only for the default path); then every argument in order over it. */
int pt_options_load(pt_options *o, int argc, const char **argv);

/* Expands %u (user), %h (home), %H (host name) and %% in tmpl. PT_OK, PT_ERR_TOOBIG, or
 * PT_ERR_INVAL for an unknown % sequence or an expansion containing '/' where a name belongs
 * (a user name with '/' is refused). */
int pt_expand(const char *tmpl, const char *user, const char *home, char *out, size_t outsz);

/* True when enrolment_file does not live in the home directory (does not contain %h), or with
 * store = ldap: enrolments are then root's ("system mode", DESIGN section 3). */
bool pt_options_system_mode(const pt_options *o);

/* The issuer to show: o->issuer, or the host name when empty. */
void pt_options_issuer(const pt_options *o, char *out, size_t outsz);

/* True when name is in a whitespace/comma separated list. */
bool pt_list_contains(const char *list, const char *name);

const char *pt_mfa_name(pt_mfa_mode m);

#endif

/* Options: defaults and the one key=value setter shared by the config file, module arguments
 * and the CLI. Every value is validated here, so the rest of the core can trust the struct. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backup.h"
#include "cidr.h"
#include "log.h"
#include "pt_error.h"

/* The longest stretch of a value quoted back in a message. */
#define PT_QUOTE_MAX 128

typedef enum {
    K_MFA,
    K_BOOL,
    K_UINT,
    K_DIGITS,
    K_ALG,
    K_LIST,  /* names separated by whitespace or commas */
    K_TEXT,  /* free text (issuer) */
    K_LABEL, /* text with %u/%h/%H/%% */
    K_EFILE, /* enrolment_file template */
    K_DIR,   /* absolute directory, no % sequences */
    K_CONFIG, /* absolute path of the config file */
    K_CIDRS,  /* CIDR prefixes separated by whitespace or commas */
    K_FILE,   /* absolute path of a file, no % sequences, no '..'; empty = unset */
    K_STORE,  /* files | ldap */
    K_URIS,   /* ldap:// or ldaps:// URIs separated by blanks */
    K_DN      /* an LDAP distinguished name (text; the server checks its syntax) */
} key_kind;

typedef struct {
    const char *name;
    key_kind kind;
    size_t off;
    size_t size; /* of the field, for strings */
    unsigned min, max;
    bool arg_only;
} key_def;

#define F(field) offsetof(pt_options, field), sizeof(((pt_options *)0)->field)

static const key_def keys[] = {
    {"mfa", K_MFA, F(mfa), 0, 0, false},
    {"admin_groups", K_LIST, F(admin_groups), 0, 0, false},
    {"require_groups", K_LIST, F(require_groups), 0, 0, false},
    {"require_users", K_LIST, F(require_users), 0, 0, false},
    {"exempt_users", K_LIST, F(exempt_users), 0, 0, false},
    {"exempt_groups", K_LIST, F(exempt_groups), 0, 0, false},
    {"enrol_grace_days", K_UINT, F(enrol_grace_days), 0, 3650, false},
    {"enrol_at_login", K_BOOL, F(enrol_at_login), 0, 0, false},
    {"issuer", K_TEXT, F(issuer), 0, 0, false},
    {"label", K_LABEL, F(label), 0, 0, false},
    {"algorithm", K_ALG, F(algorithm), 0, 0, false},
    {"digits", K_DIGITS, F(digits), 6, 8, false},
    {"period", K_UINT, F(period), 10, 300, false},
    {"window", K_UINT, F(window), 0, 10, false},
    {"backup_codes", K_UINT, F(backup_codes), 0, PT_BACKUP_MAX, false},
    {"deny", K_UINT, F(deny), 1, 1000, false},
    {"fail_interval", K_UINT, F(fail_interval), 1, 604800, false},
    {"unlock_time", K_UINT, F(unlock_time), 0, 31536000, false},
    {"enrolment_file", K_EFILE, F(enrolment_file), 0, 0, false},
    {"state_dir", K_DIR, F(state_dir), 0, 0, false},
    {"pending_ttl", K_UINT, F(pending_ttl), 60, 86400, false},
    {"trusted_networks", K_CIDRS, F(trusted_networks), 0, 0, false},
    {"remember_host", K_UINT, F(remember_host), 0, PT_REMEMBER_MAX, false},
    {"secret_key_file", K_FILE, F(secret_key_file), 0, 0, false},
    {"store", K_STORE, F(store), 0, 0, false},
    {"ldap_uri", K_URIS, F(ldap_uri), 0, 0, false},
    {"ldap_base", K_DN, F(ldap_base), 0, 0, false},
    {"ldap_binddn", K_DN, F(ldap_binddn), 0, 0, false},
    {"ldap_bindpw_file", K_FILE, F(ldap_bindpw_file), 0, 0, false},
    {"ldap_tls_cacert", K_FILE, F(ldap_tls_cacert), 0, 0, false},
    {"ldap_timeout", K_UINT, F(ldap_timeout), 1, 300, false},
    {"debug", K_BOOL, F(debug), 0, 0, true},
    {"silent", K_BOOL, F(silent), 0, 0, true},
    {"use_first_pass", K_BOOL, F(use_first_pass), 0, 0, true},
    {"try_first_pass", K_BOOL, F(try_first_pass), 0, 0, true},
    {"forward_pass", K_BOOL, F(forward_pass), 0, 0, true},
    {"config", K_CONFIG, F(config_path), 0, 0, true},
};

#undef F

static const char *const mfa_names[] = {"disabled", "optional", "required_for_admins", "required"};

const char *pt_mfa_name(pt_mfa_mode m)
{
    if ((unsigned)m < sizeof mfa_names / sizeof mfa_names[0])
        return mfa_names[m];
    return "unknown";
}

void pt_options_defaults(pt_options *o)
{
    memset(o, 0, sizeof *o);
    o->mfa = PT_MFA_OPTIONAL;
    snprintf(o->admin_groups, sizeof o->admin_groups, "%s", "sudo wheel");
    o->enrol_grace_days = 0;
    o->enrol_at_login = false;
    snprintf(o->label, sizeof o->label, "%s", "%u@%H");
    o->algorithm = PT_ALG_SHA1;
    o->digits = 6;
    o->period = 30;
    o->window = 1;
    o->backup_codes = 10;
    o->deny = 5;
    o->fail_interval = 900;
    o->unlock_time = 600;
    snprintf(o->enrolment_file, sizeof o->enrolment_file, "%s", PT_HOME_ENROLMENT_FILE);
    snprintf(o->state_dir, sizeof o->state_dir, "%s", "/var/lib/pam_totp");
    o->pending_ttl = 600;
    o->store = PT_STORE_FILES;
    o->ldap_timeout = 5;
    snprintf(o->config_path, sizeof o->config_path, "%s", PT_DEFAULT_CONFIG);
}

static const key_def *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Strictly decimal digits, no sign, no spaces, no overflow. */
static bool parse_uint(const char *s, unsigned *out)
{
    unsigned long v = 0;

    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 0xffffffffUL)
            return false;
    }
    *out = (unsigned)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "1", "on"};
    static const char *const no[] = {"no", "false", "0", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

/* Every '%' starts one of %u %h %H %%. */
static bool template_ok(const char *s)
{
    for (; *s; s++) {
        if (*s != '%')
            continue;
        s++;
        if (*s != 'u' && *s != 'h' && *s != 'H' && *s != '%')
            return false;
    }
    return true;
}

/* Does the template use the sequence %c (not counting a literal "%%c")? */
static bool template_uses(const char *s, char c)
{
    for (; *s; s++) {
        if (*s != '%')
            continue;
        s++;
        if (*s == c)
            return true;
        if (*s == '\0')
            break;
    }
    return false;
}

/* A ".." path component would let a template climb out of the directory it names. */
static bool has_dotdot(const char *p)
{
    const char *s = p;

    while ((s = strstr(s, "..")) != NULL) {
        bool starts = (s == p || s[-1] == '/');
        bool ends = (s[2] == '\0' || s[2] == '/');
        if (starts && ends)
            return true;
        s += 2;
    }
    return false;
}

static const char *check_efile(const char *v)
{
    if (!template_ok(v))
        return "unknown % sequence: use %u (user), %h (home), %H (host) or %%";
    if (v[0] != '/' && strncmp(v, "%h/", 3) != 0)
        return "must be an absolute path or start with %h/";
    if (v[0] == '/' && !template_uses(v, 'u'))
        return "must contain %u (one file per user) unless it starts with %h/";
    if (has_dotdot(v))
        return "must not contain a '..' component";
    if (v[strlen(v) - 1] == '/')
        return "must name a file, not end with '/'";
    return NULL;
}

/* The otpauth label is "issuer:account" with one colon between them (Key URI format): a colon
 * inside either makes apps split it in the wrong place, so it is refused here. */
static const char *check_no_colon(const char *v)
{
    if (strchr(v, ':'))
        return "must not contain a colon (the otpauth label separates issuer and account with "
               "one); use another character such as a dash";
    return NULL;
}

static const char *check_file(const char *v)
{
    if (v[0] == '\0')
        return NULL; /* unset */
    if (v[0] != '/' || strchr(v, '%'))
        return "must be an absolute path without % sequences";
    if (has_dotdot(v))
        return "must not contain a '..' component";
    if (v[strlen(v) - 1] == '/')
        return "must name a file, not end with '/'";
    return NULL;
}

/* Each blank-separated word starts with ldap:// or ldaps:// (ldapi:// needs no network and no
 * TLS, but neither does it reach another host: it is not offered). */
static const char *check_uris(const char *v)
{
    const char *p = v;
    bool any = false;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        if (strncmp(p, "ldap://", 7) != 0 && strncmp(p, "ldaps://", 8) != 0)
            return "each URI must start with ldap:// or ldaps://";
        while (*p && *p != ' ' && *p != '\t')
            p++;
        any = true;
    }
    /* Empty is unset (store = ldap then refuses to open: store_ldap.c); blanks alone are not. */
    return any || v[0] == '\0' ? NULL : "must list at least one ldap:// or ldaps:// URI";
}

static const char *check_dir(const char *v)
{
    if (v[0] != '/' || strchr(v, '%'))
        return "must be an absolute path without % sequences";
    if (has_dotdot(v))
        return "must not contain a '..' component";
    return NULL;
}

/* Validates value for def and stores it; returns NULL or what is accepted (possibly written
 * into buf). o is only written on success. */
static const char *apply(pt_options *o, const key_def *def, const char *v, char *buf, size_t bufsz)
{
    char *field = (char *)o + def->off;
    unsigned u;
    bool b;
    pt_alg alg;

    switch (def->kind) {
    case K_MFA:
        for (unsigned i = 0; i < sizeof mfa_names / sizeof mfa_names[0]; i++) {
            if (strcmp(v, mfa_names[i]) == 0) {
                o->mfa = (pt_mfa_mode)i;
                return NULL;
            }
        }
        return "must be disabled, optional, required_for_admins or required";
    case K_BOOL:
        if (!parse_bool(v, &b))
            return "must be yes or no (or true/false, on/off, 1/0)";
        memcpy(field, &b, sizeof b);
        return NULL;
    case K_UINT:
        if (!parse_uint(v, &u) || u < def->min || u > def->max) {
            snprintf(buf, bufsz, "must be a whole number from %u to %u", def->min, def->max);
            return buf;
        }
        memcpy(field, &u, sizeof u);
        return NULL;
    case K_DIGITS:
        if (!parse_uint(v, &u) || (u != 6 && u != 8))
            return "must be 6 or 8";
        memcpy(field, &u, sizeof u);
        return NULL;
    case K_ALG:
        /* Exact lower-case names, as documented; pt_alg_parse would also take "SHA1". */
        if (strcmp(v, "sha1") == 0)
            alg = PT_ALG_SHA1;
        else if (strcmp(v, "sha256") == 0)
            alg = PT_ALG_SHA256;
        else if (strcmp(v, "sha512") == 0)
            alg = PT_ALG_SHA512;
        else
            return "must be sha1, sha256 or sha512";
        o->algorithm = alg;
        return NULL;
    case K_STORE:
        if (strcmp(v, "files") == 0)
            o->store = PT_STORE_FILES;
        else if (strcmp(v, "ldap") == 0)
            o->store = PT_STORE_LDAP;
        else
            return "must be files or ldap";
        return NULL;
    default:
        break;
    }

    /* The string kinds. */
    if (strlen(v) >= def->size) {
        snprintf(buf, bufsz, "too long (at most %zu characters)", def->size - 1);
        return buf;
    }
    if (has_control(v))
        return "must not contain control characters";
    const char *why = NULL;
    switch (def->kind) {
    case K_TEXT:
        why = check_no_colon(v);
        break;
    case K_LABEL:
        if (!template_ok(v))
            why = "unknown % sequence: use %u (user), %h (home), %H (host) or %%";
        else
            why = check_no_colon(v);
        break;
    case K_CIDRS:
        if (pt_cidr_list_check(v, buf, bufsz) != PT_OK)
            why = buf;
        break;
    case K_EFILE:
        why = check_efile(v);
        break;
    case K_DIR:
        why = check_dir(v);
        break;
    case K_CONFIG:
        if (v[0] != '/')
            why = "must be an absolute path";
        break;
    case K_FILE:
        why = check_file(v);
        break;
    case K_URIS:
        why = check_uris(v);
        break;
    case K_DN:
        if (v[0] != '\0' && strchr(v, '=') == NULL) /* empty = unset */
            why = "must be a distinguished name such as ou=pam_totp,dc=example,dc=org";
        break;
    default:
        break;
    }
    if (why)
        return why;
    memcpy(field, v, strlen(v) + 1);
    return NULL;
}

int pt_options_set(pt_options *o, const char *key, const char *value, const char *where,
                   bool from_file)
{
    const key_def *def;
    const char *why;
    char buf[192];

    if (!where)
        where = "option";
    if (!o || !key || !value) {
        pt_log(LOG_ERR, "%s: missing key or value", where);
        return PT_ERR_INVAL;
    }
    def = find_key(key);
    if (!def) {
        pt_log(LOG_ERR, "%s: unknown key \"%.64s\"; see pam_totp.conf(5) for the valid keys",
               where, key);
        return PT_ERR_INVAL;
    }
    if (from_file && def->arg_only) {
        pt_log(LOG_ERR, "%s: %s: only allowed as a module argument, not in the configuration file",
               where, key);
        return PT_ERR_INVAL;
    }
    why = apply(o, def, value, buf, sizeof buf);
    if (why) {
        pt_log(LOG_ERR, "%s: %s = %.*s%s: %s", where, key, PT_QUOTE_MAX, value,
               strlen(value) > PT_QUOTE_MAX ? "..." : "", why);
        return PT_ERR_INVAL;
    }
    return PT_OK;
}

int pt_options_set_arg(pt_options *o, const char *arg)
{
    char key[64];
    const char *eq;
    size_t klen;

    if (!o || !arg) {
        pt_log(LOG_ERR, "module argument: missing");
        return PT_ERR_INVAL;
    }
    eq = strchr(arg, '=');
    if (!eq) {
        const key_def *def = find_key(arg);
        if (!def || def->kind != K_BOOL || !def->arg_only) {
            pt_log(LOG_ERR,
                   "module argument \"%.64s\": not a flag; use debug, silent, use_first_pass, "
                   "try_first_pass, forward_pass or key=value",
                   arg);
            return PT_ERR_INVAL;
        }
        return pt_options_set(o, arg, "yes", "module argument", false);
    }
    klen = (size_t)(eq - arg);
    if (klen == 0 || klen >= sizeof key) {
        pt_log(LOG_ERR, "module argument \"%.64s\": expected key=value", arg);
        return PT_ERR_INVAL;
    }
    memcpy(key, arg, klen);
    key[klen] = '\0';
    return pt_options_set(o, key, eq + 1, "module argument", false);
}

bool pt_options_system_mode(const pt_options *o)
{
    /* With store = ldap the enrolments are in the directory, which only root reaches. */
    return o->store == PT_STORE_LDAP || !template_uses(o->enrolment_file, 'h');
}

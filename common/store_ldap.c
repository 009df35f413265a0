/* store = ldap (DESIGN section 11): every host's enrolments and runtime state in one directory,
 * one entry per user, uid=NAME,<ldap_base>, object class pamTotpUser (ldap/pam_totp.schema):
 *
 *   pamTotpEnrolment   the enrolment, in the enrolment file's own format (enrolment.h), with
 *                      the secret sealed when secret_key_file is set
 *   pamTotpState       the runtime state, in the state file's format (state.h)
 *
 * Both are single-valued octet strings parsed by the same strict parsers as the files, so a
 * directory value is no more trusted than a file.
 *
 * The state changes by compare-and-swap at the server: one modify that deletes the exact value
 * read and adds the new one. If another host changed it in between, the delete finds no such
 * value (or the add meets a value on a single-valued attribute, or the entry already exists),
 * the server refuses the whole modify, and the update starts over from a fresh read, at most
 * CAS_TRIES times. So a code or backup code is accepted once across all hosts, and every
 * failure is counted.
 *
 * One connection per login or command, to the first server of ldap_uri that answers; TLS
 * (StartTLS on ldap://, or ldaps://) verified against ldap_tls_cacert; ldap_timeout bounds the
 * connection and every operation. libldap is loaded here on demand (PT_LDAP_SONAME), so a login
 * with store = files never maps it. */
#include <gcrypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldapval.h"
#include "log.h"
#include "pt_error.h"
#include "totp.h"
#include "rootfile.h"
#include "store_impl.h"

#ifndef PT_LDAP_SONAME
#error "PT_LDAP_SONAME (libldap's SONAME) is defined by common/CMakeLists.txt"
#endif

#define CAS_TRIES 64
#define BINDPW_MAX 256
#define DN_MAX 2048
#define A_ENROL "pamTotpEnrolment"
#define A_STATE "pamTotpState"
#define OC_USER "pamTotpUser"

/* The functions used, with the header's signatures. */
typedef struct {
    void *handle;
    __typeof__(ldap_initialize) *initialize;
    __typeof__(ldap_set_option) *set_option;
    __typeof__(ldap_get_option) *get_option;
    __typeof__(ldap_start_tls_s) *start_tls_s;
    __typeof__(ldap_sasl_bind_s) *sasl_bind_s;
    __typeof__(ldap_unbind_ext_s) *unbind_ext_s;
    __typeof__(ldap_search_ext_s) *search_ext_s;
    __typeof__(ldap_first_entry) *first_entry;
    __typeof__(ldap_next_entry) *next_entry;
    __typeof__(ldap_get_values_len) *get_values_len;
    __typeof__(ldap_value_free_len) *value_free_len;
    __typeof__(ldap_msgfree) *msgfree;
    __typeof__(ldap_modify_ext_s) *modify_ext_s;
    __typeof__(ldap_add_ext_s) *add_ext_s;
    __typeof__(ldap_delete_ext_s) *delete_ext_s;
    __typeof__(ldap_err2string) *err2string;
    __typeof__(ldap_memfree) *memfree;
} ldap_api;

typedef struct {
    ldap_api api;
    LDAP *ld;
    char uri[PT_LIST_MAX]; /* the server in use, for messages */
} ldap_store;

static ldap_store *priv(pt_store *s)
{
    return s->priv;
}

/* ---- loading libldap ---- */

#define SYM(field, name)                                                                       \
    do {                                                                                       \
        *(void **)&a->field = dlsym(a->handle, name);                                          \
        if (a->field == NULL)                                                                  \
            missing = name;                                                                    \
    } while (0)

/* NODELETE, as for libqrencode: once mapped it stays, and nothing is unmapped under libldap's
 * own exit handlers. */
static int load_api(ldap_api *a)
{
    memset(a, 0, sizeof *a);
    a->handle = dlopen(PT_LDAP_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!a->handle) {
        const char *why = dlerror();
        pt_log(LOG_ERR, "store = ldap: cannot load %s (%s); install libldap (Debian: "
                        "libldap-2.5-0)", PT_LDAP_SONAME, why ? why : "unknown error");
        return PT_ERR_IO;
    }
    const char *missing = NULL;
    SYM(initialize, "ldap_initialize");
    SYM(set_option, "ldap_set_option");
    SYM(get_option, "ldap_get_option");
    SYM(start_tls_s, "ldap_start_tls_s");
    SYM(sasl_bind_s, "ldap_sasl_bind_s");
    SYM(unbind_ext_s, "ldap_unbind_ext_s");
    SYM(search_ext_s, "ldap_search_ext_s");
    SYM(first_entry, "ldap_first_entry");
    SYM(next_entry, "ldap_next_entry");
    SYM(get_values_len, "ldap_get_values_len");
    SYM(value_free_len, "ldap_value_free_len");
    SYM(msgfree, "ldap_msgfree");
    SYM(modify_ext_s, "ldap_modify_ext_s");
    SYM(add_ext_s, "ldap_add_ext_s");
    SYM(delete_ext_s, "ldap_delete_ext_s");
    SYM(err2string, "ldap_err2string");
    SYM(memfree, "ldap_memfree");
    if (missing) {
        pt_log(LOG_ERR, "store = ldap: %s lacks %s; reinstall libldap", PT_LDAP_SONAME, missing);
        dlclose(a->handle);
        memset(a, 0, sizeof *a);
        return PT_ERR_IO;
    }
    return PT_OK;
}

#undef SYM

/* ---- connecting ---- */

/* The server's own words on the last failure, when it gave any. */
static void diag(ldap_store *l, char *out, size_t outsz)
{
    char *msg = NULL;
    out[0] = '\0';
    if (l->ld && l->api.get_option(l->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS &&
        msg) {
        snprintf(out, outsz, ": %.200s", msg);
        for (char *p = out; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
                *p = '?';
        l->api.memfree(msg);
    }
}

static int report(ldap_store *l, int lrc, const char *what, const char *dn)
{
    char d[256];
    diag(l, d, sizeof d);
    pt_log(LOG_ERR, "ldap %s: %s%s%s: %s%s", l->uri, what, dn ? " " : "", dn ? dn : "",
           l->api.err2string(lrc), d);
    switch (lrc) {
    case LDAP_SERVER_DOWN:
    case LDAP_TIMEOUT:
    case LDAP_CONNECT_ERROR:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
        return PT_ERR_IO;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
        return PT_ERR_PERM;
    default:
        return PT_ERR_IO;
    }
}

static int set_opt(ldap_store *l, int opt, const void *val, const char *name)
{
    int lrc = l->api.set_option(l->ld, opt, val);
    if (lrc != LDAP_OPT_SUCCESS) {
        pt_log(LOG_ERR, "ldap %s: cannot set %s: %s", l->uri, name, l->api.err2string(lrc));
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* Protocol, time limits and TLS, on a handle not yet connected. */
static int set_options(ldap_store *l, const pt_options *o)
{
    int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, newctx = 0;
    struct timeval tv = { (time_t)o->ldap_timeout, 0 };
    int rc = set_opt(l, LDAP_OPT_PROTOCOL_VERSION, &v3, "the protocol version");
    if (rc == PT_OK)
        rc = set_opt(l, LDAP_OPT_NETWORK_TIMEOUT, &tv, "ldap_timeout (connect)");
    if (rc == PT_OK)
        rc = set_opt(l, LDAP_OPT_TIMEOUT, &tv, "ldap_timeout (operations)");
    if (rc == PT_OK)
        rc = set_opt(l, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "no referrals");
    if (rc == PT_OK && o->ldap_tls_cacert[0] != '\0') {
        rc = set_opt(l, LDAP_OPT_X_TLS_CACERTFILE, o->ldap_tls_cacert, "ldap_tls_cacert");
        if (rc == PT_OK)
            rc = set_opt(l, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "certificate checking");
        if (rc == PT_OK) /* a TLS context of this handle's own, with the settings above */
            rc = set_opt(l, LDAP_OPT_X_TLS_NEWCTX, &newctx, "the TLS context");
    }
    return rc;
}

/* One server: connect (StartTLS on ldap:// when a CA is set), bind. */
static int connect_one(ldap_store *l, const pt_options *o, const char *pw)
{
    int lrc = l->api.initialize(&l->ld, l->uri);
    if (lrc != LDAP_SUCCESS) {
        pt_log(LOG_ERR, "ldap_uri %s: %s", l->uri, l->api.err2string(lrc));
        return PT_ERR_INVAL;
    }
    int rc = set_options(l, o);
    if (rc != PT_OK)
        return rc;
    if (o->ldap_tls_cacert[0] != '\0' && strncmp(l->uri, "ldap://", 7) == 0) {
        lrc = l->api.start_tls_s(l->ld, NULL, NULL);
        if (lrc != LDAP_SUCCESS)
            return report(l, lrc, "StartTLS (the certificate is checked against ldap_tls_cacert)",
                          NULL);
    }
    struct berval cred = { .bv_len = strlen(pw), .bv_val = (char *)pw };
    lrc = l->api.sasl_bind_s(l->ld, o->ldap_binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    if (lrc != LDAP_SUCCESS)
        return report(l, lrc, "bind as", o->ldap_binddn);
    return PT_OK;
}

static void disconnect(ldap_store *l)
{
    if (l->ld)
        l->api.unbind_ext_s(l->ld, NULL, NULL);
    l->ld = NULL;
}

/* The service password: the file's first line. */
static int read_bindpw(const pt_options *o, char *pw, size_t pwsz)
{
    size_t len = 0;
    int rc = pt_root_file_read(o->ldap_bindpw_file, "ldap_bindpw_file", 0600, pw, pwsz - 1, &len);
    if (rc == PT_ERR_NOENT)
        pt_log(LOG_ERR, "ldap_bindpw_file %s: missing", o->ldap_bindpw_file);
    if (rc != PT_OK)
        return rc;
    pw[len] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    if (pw[0] == '\0') {
        pt_log(LOG_ERR, "ldap_bindpw_file %s: empty (it holds the password of ldap_binddn on "
                        "its first line)", o->ldap_bindpw_file);
        return PT_ERR_MALFORMED;
    }
    return PT_OK;
}

static int check_config(const pt_options *o)
{
    const char *missing = o->ldap_uri[0] == '\0'          ? "ldap_uri"
                          : o->ldap_base[0] == '\0'       ? "ldap_base"
                          : o->ldap_binddn[0] == '\0'     ? "ldap_binddn"
                          : o->ldap_bindpw_file[0] == '\0' ? "ldap_bindpw_file"
                                                           : NULL;
    if (missing) {
        pt_log(LOG_ERR, "store = ldap needs %s to be set (see pam_totp.conf(5))", missing);
        return PT_ERR_INVAL;
    }
    if (o->ldap_tls_cacert[0] == '\0' && !pt_ldap_uris_loopback(o->ldap_uri)) {
        pt_log(LOG_ERR, "store = ldap: ldap_tls_cacert is not set, and ldap_uri names a server "
                        "beyond this host: the password and the secrets would cross the network "
                        "in the clear; set ldap_tls_cacert to the CA of the directory's "
                        "certificate");
        return PT_ERR_INVAL;
    }
    if (o->ldap_tls_cacert[0] != '\0') {
        size_t n;
        int rc = pt_root_file_read(o->ldap_tls_cacert, "ldap_tls_cacert", 0644, NULL, 0, &n);
        if (rc == PT_ERR_NOENT)
            pt_log(LOG_ERR, "ldap_tls_cacert %s: missing", o->ldap_tls_cacert);
        if (rc != PT_OK)
            return rc;
    }
    return PT_OK;
}

/* The servers of ldap_uri in order; the first that connects and binds is used. */
static int connect_any(ldap_store *l, const pt_options *o)
{
    char pw[BINDPW_MAX];
    int rc = read_bindpw(o, pw, sizeof pw);
    if (rc != PT_OK)
        return rc;
    rc = PT_ERR_IO;
    const char *p = o->ldap_uri;
    while (*p) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        snprintf(l->uri, sizeof l->uri, "%.*s", (int)n, p);
        p += n;
        rc = connect_one(l, o, pw);
        if (rc == PT_OK)
            break;
        disconnect(l);
    }
    pt_wipe(pw, sizeof pw);
    if (rc != PT_OK)
        pt_log(LOG_ERR, "store = ldap: no server of ldap_uri (%s) could be used within "
                        "ldap_timeout (%u s each): failing closed", o->ldap_uri,
               o->ldap_timeout);
    return rc;
}

/* ---- reading and writing one entry ---- */

static int user_dn(pt_store *s, const pt_user *u, char *dn, size_t dnsz)
{
    int rc = pt_ldap_user_dn(u->name, strlen(u->name), s->opt->ldap_base, dn, dnsz);
    if (rc != PT_OK)
        pt_log(LOG_ERR, "user %s: cannot make the DN of an entry under %s (%s)", u->name,
               s->opt->ldap_base, pt_strerror(rc));
    return rc;
}

/* Whether the entry is name's own: its uid holds name exactly. uid matches without regard to
 * case, so uid=Alice finds alice's entry; two accounts whose names differ only in case must not
 * share an entry (one would log in with the other's codes, or use up its state). */
static int entry_is_own(ldap_store *l, LDAPMessage *e, const char *dn, const char *name)
{
    struct berval **v = l->api.get_values_len(l->ld, e, "uid");
    bool own = false;
    for (size_t i = 0; v && v[i] && !own; i++)
        own = v[i]->bv_len == strlen(name) && memcmp(v[i]->bv_val, name, v[i]->bv_len) == 0;
    if (v)
        l->api.value_free_len(v);
    if (own)
        return PT_OK;
    pt_log(LOG_ERR, "ldap: %s is the entry of a user whose name differs from %s only in case: "
                    "accounts must not share an entry; failing closed (rename one account)",
           dn, name);
    return PT_ERR_UNSAFE;
}

/* The entry's value of attr (single-valued), malloc'd, NUL-terminated, in *val (NULL when the
 * entry or the attribute is missing: *exists says which). An entry that is not name's own
 * (entry_is_own) is PT_ERR_UNSAFE. */
static int read_attr(pt_store *s, const char *name, const char *dn, const char *attr, size_t max,
                     char **val, size_t *len, bool *exists)
{
    ldap_store *l = priv(s);
    char *attrs[] = { (char *)attr, "uid", NULL };
    struct timeval tv = { (time_t)s->opt->ldap_timeout, 0 };
    LDAPMessage *res = NULL;
    *val = NULL;
    *len = 0;
    *exists = false;
    int lrc = l->api.search_ext_s(l->ld, dn, LDAP_SCOPE_BASE, "(objectClass=" OC_USER ")", attrs,
                                  0, NULL, NULL, &tv, 1, &res);
    if (lrc == LDAP_NO_SUCH_OBJECT) {
        l->api.msgfree(res);
        return PT_OK;
    }
    if (lrc != LDAP_SUCCESS) {
        l->api.msgfree(res);
        return report(l, lrc, "read", dn);
    }
    LDAPMessage *e = l->api.first_entry(l->ld, res);
    int rc = e ? entry_is_own(l, e, dn, name) : PT_OK;
    if (e && rc == PT_OK) {
        *exists = true;
        struct berval **v = l->api.get_values_len(l->ld, e, attr);
        if (v && v[0]) {
            if (v[1]) {
                pt_log(LOG_ERR, "ldap: %s holds more than one %s: the schema is not "
                                "ldap/pam_totp.schema (it is single-valued)", dn, attr);
                rc = PT_ERR_MALFORMED;
            } else if (v[0]->bv_len > max) {
                pt_log(LOG_ERR, "ldap: %s: %s larger than %zu bytes", dn, attr, max);
                rc = PT_ERR_MALFORMED;
            } else if ((*val = malloc(v[0]->bv_len + 1)) == NULL) {
                rc = PT_ERR_NOMEM;
            } else {
                memcpy(*val, v[0]->bv_val, v[0]->bv_len);
                (*val)[v[0]->bv_len] = '\0';
                *len = v[0]->bv_len;
            }
        }
        if (v)
            l->api.value_free_len(v);
    }
    l->api.msgfree(res);
    return rc;
}

static void free_val(char *v, size_t len)
{
    if (v) {
        pt_wipe(v, len);
        free(v);
    }
}

/* Before a write that reads nothing first: the entry at dn, when there is one, is name's own
 * (entry_is_own). */
static int check_own(pt_store *s, const char *name, const char *dn)
{
    char *v;
    size_t len;
    bool exists;
    int rc = read_attr(s, name, dn, "uid", PT_ENROL_MAX_SIZE, &v, &len, &exists);
    free_val(v, len);
    return rc;
}

/* Creates the entry with attr = val. LDAP_ALREADY_EXISTS is passed back (not reported). */
static int add_entry(pt_store *s, const pt_user *u, const char *dn, const char *attr,
                     const char *val, size_t len, int *lrc_out)
{
    ldap_store *l = priv(s);
    char *oc_vals[] = { "top", OC_USER, NULL };
    char *uid_vals[] = { (char *)u->name, NULL };
    struct berval bv = { .bv_len = len, .bv_val = (char *)val };
    struct berval *bvals[] = { &bv, NULL };
    LDAPMod oc = { .mod_op = LDAP_MOD_ADD, .mod_type = "objectClass", .mod_values = oc_vals };
    LDAPMod uid = { .mod_op = LDAP_MOD_ADD, .mod_type = "uid", .mod_values = uid_vals };
    LDAPMod a = { .mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES, .mod_type = (char *)attr,
                  .mod_bvalues = bvals };
    LDAPMod *mods[] = { &oc, &uid, &a, NULL };
    int lrc = l->api.add_ext_s(l->ld, dn, mods, NULL, NULL);
    *lrc_out = lrc;
    if (lrc == LDAP_SUCCESS || lrc == LDAP_ALREADY_EXISTS)
        return PT_OK;
    return report(l, lrc, "create", dn);
}

/* ---- the operations ---- */

/* A stamp of an enrolment value: its SHA-256 (in the fields a file's stamp uses for where it
 * is) and its length. Two values with the same stamp are the same value. */
static void value_stamp(const char *v, size_t len, pt_enrol_stamp *st)
{
    uint8_t h[32];
    /* libgcrypt is set up as the core sets it up (often the first call of a login). Without it
     * the stamp is all ones: it matches no value's, so the enrolment counts as changed and is
     * read again (fail safe). */
    if (pt_crypto_init() != PT_OK) {
        memset(st, 0xff, sizeof *st);
        return;
    }
    gcry_md_hash_buffer(GCRY_MD_SHA256, h, v, len);
    memcpy(&st->dev, h, 8);
    memcpy(&st->ino, h + 8, 8);
    memcpy(&st->ctime_sec, h + 16, 8);
    memcpy(&st->ctime_nsec, h + 24, 8);
    st->size = (int64_t)len;
}

/* The user's DN into dn (DN_MAX bytes) and the stored enrolment value in *v (malloc'd; NULL:
 * none; free with free_val). */
static int read_enrol_value(pt_store *s, const pt_user *u, char *dn, char **v, size_t *len)
{
    bool exists;
    *v = NULL;
    *len = 0;
    int rc = user_dn(s, u, dn, DN_MAX);
    if (rc != PT_OK)
        return rc;
    return read_attr(s, u->name, dn, A_ENROL, PT_ENROL_MAX_SIZE, v, len, &exists);
}

static int ldap_enrol_load(pt_store *s, const pt_user *u, pt_enrolment *e)
{
    char dn[DN_MAX];
    char *v;
    size_t len;
    int rc = read_enrol_value(s, u, dn, &v, &len);
    if (rc == PT_OK && !v)
        rc = PT_ERR_NOENT;
    if (rc == PT_OK) {
        char where[DN_MAX + 32];
        snprintf(where, sizeof where, "ldap %s " A_ENROL, dn);
        rc = pt_enrolment_parse(v, len, where, e);
        if (rc == PT_OK)
            value_stamp(v, len, &e->stamp);
    }
    free_val(v, len);
    return rc;
}

static int ldap_enrol_changed(pt_store *s, const pt_user *u, const pt_enrolment *e)
{
    char dn[DN_MAX];
    char *v;
    size_t len;
    int rc = read_enrol_value(s, u, dn, &v, &len);
    if (rc != PT_OK)
        return rc;
    if (!v)
        return 1; /* gone */
    pt_enrol_stamp now;
    value_stamp(v, len, &now);
    free_val(v, len);
    return memcmp(&now, &e->stamp, sizeof now) != 0;
}

static int ldap_enrol_store(pt_store *s, const pt_user *u, pt_enrolment *e)
{
    ldap_store *l = priv(s);
    char dn[DN_MAX];
    int rc = user_dn(s, u, dn, sizeof dn);
    if (rc == PT_OK)
        rc = check_own(s, u->name, dn);
    if (rc != PT_OK)
        return rc;
    char *data = NULL;
    size_t len = 0;
    rc = pt_enrolment_format(e, &data, &len);
    if (rc != PT_OK)
        return rc;
    int lrc = LDAP_SUCCESS;
    rc = add_entry(s, u, dn, A_ENROL, data, len, &lrc);
    if (rc == PT_OK && lrc == LDAP_ALREADY_EXISTS) {
        struct berval bv = { .bv_len = len, .bv_val = data };
        struct berval *bvals[] = { &bv, NULL };
        LDAPMod m = { .mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, .mod_type = A_ENROL,
                      .mod_bvalues = bvals };
        LDAPMod *mods[] = { &m, NULL };
        lrc = l->api.modify_ext_s(l->ld, dn, mods, NULL, NULL);
        if (lrc != LDAP_SUCCESS)
            rc = report(l, lrc, "write the enrolment of", dn);
    }
    if (rc == PT_OK)
        value_stamp(data, len, &e->stamp);
    pt_wipe(data, len);
    free(data);
    return rc;
}

/* Deletes attr from the entry; PT_ERR_NOENT when it (or the entry) is not there. */
static int delete_attr(pt_store *s, const char *dn, const char *attr)
{
    ldap_store *l = priv(s);
    LDAPMod m = { .mod_op = LDAP_MOD_DELETE, .mod_type = (char *)attr, .mod_values = NULL };
    LDAPMod *mods[] = { &m, NULL };
    int lrc = l->api.modify_ext_s(l->ld, dn, mods, NULL, NULL);
    if (lrc == LDAP_NO_SUCH_ATTRIBUTE || lrc == LDAP_NO_SUCH_OBJECT)
        return PT_ERR_NOENT;
    if (lrc != LDAP_SUCCESS)
        return report(l, lrc, "remove an attribute of", dn);
    return PT_OK;
}

static int ldap_enrol_remove(pt_store *s, const pt_user *u)
{
    char dn[DN_MAX];
    int rc = user_dn(s, u, dn, sizeof dn);
    if (rc == PT_OK)
        rc = check_own(s, u->name, dn);
    return rc == PT_OK ? delete_attr(s, dn, A_ENROL) : rc;
}

/* The state and its exact text as stored (the value a compare-and-swap deletes). */
static int read_state(pt_store *s, const char *name, const char *dn, pt_state *st, char **raw,
                      size_t *rawlen, bool *exists)
{
    int rc = read_attr(s, name, dn, A_STATE, PT_STATE_MAX_SIZE, raw, rawlen, exists);
    pt_state_init(st);
    if (rc == PT_OK && *raw) {
        char where[DN_MAX + 32];
        snprintf(where, sizeof where, "ldap %s " A_STATE, dn);
        rc = pt_state_parse(*raw, *rawlen, where, st);
    }
    return rc;
}

static int ldap_state_read(pt_store *s, const pt_user *u, pt_state *st)
{
    char dn[DN_MAX];
    int rc = user_dn(s, u, dn, sizeof dn);
    if (rc != PT_OK)
        return rc;
    char *raw;
    size_t len;
    bool exists;
    rc = read_state(s, u->name, dn, st, &raw, &len, &exists);
    free_val(raw, len);
    return rc;
}

/* Swaps old (NULL: none) for new in one modify. 1 when another writer came first. */
static int swap_state(pt_store *s, const pt_user *u, const char *dn, bool exists, const char *old,
                      size_t oldlen, const char *new, size_t newlen)
{
    ldap_store *l = priv(s);
    int lrc;
    if (!exists) {
        int rc = add_entry(s, u, dn, A_STATE, new, newlen, &lrc);
        return rc != PT_OK ? rc : (lrc == LDAP_ALREADY_EXISTS ? 1 : PT_OK);
    }
    struct berval ob = { .bv_len = oldlen, .bv_val = (char *)old };
    struct berval nb = { .bv_len = newlen, .bv_val = (char *)new };
    struct berval *ovals[] = { &ob, NULL }, *nvals[] = { &nb, NULL };
    LDAPMod del = { .mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES, .mod_type = A_STATE,
                    .mod_bvalues = ovals };
    LDAPMod add = { .mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES, .mod_type = A_STATE,
                    .mod_bvalues = nvals };
    LDAPMod *mods[] = { &del, &add, NULL };
    LDAPMod **m = old ? mods : mods + 1;
    lrc = l->api.modify_ext_s(l->ld, dn, m, NULL, NULL);
    if (lrc == LDAP_SUCCESS)
        return PT_OK;
    /* Not the value we read any more (deleted by another), or a value appeared meanwhile on a
     * single-valued attribute, or the entry went away: someone else wrote first. */
    if (lrc == LDAP_NO_SUCH_ATTRIBUTE || lrc == LDAP_CONSTRAINT_VIOLATION ||
        lrc == LDAP_TYPE_OR_VALUE_EXISTS || lrc == LDAP_NO_SUCH_OBJECT)
        return 1;
    return report(l, lrc, "update the runtime state of", dn);
}

/* A few milliseconds, different for each contender, before reading again. */
static void backoff(int attempt)
{
    unsigned r = 0;
    pt_random_bytes(&r, sizeof r);
    long ms = 1 + (long)(r % (unsigned)(2 + (attempt < 8 ? attempt : 8) * 2));
    struct timespec ts = { 0, ms * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

static int ldap_state_update(pt_store *s, const pt_user *u, pt_state_fn fn, void *ctx,
                             pt_state *st)
{
    char dn[DN_MAX];
    int rc = user_dn(s, u, dn, sizeof dn);
    if (rc != PT_OK)
        return rc;
    for (int attempt = 0; attempt < CAS_TRIES; attempt++) {
        char *raw = NULL, *data = NULL;
        size_t rawlen = 0, len = 0;
        bool exists = false, write = false;
        rc = read_state(s, u->name, dn, st, &raw, &rawlen, &exists);
        if (rc == PT_OK)
            rc = fn(ctx, st, &write);
        if (rc == PT_OK && write)
            rc = pt_state_format(st, &data, &len);
        if (rc == PT_OK && write)
            rc = swap_state(s, u, dn, exists, raw, rawlen, data, len);
        free_val(raw, rawlen);
        free_val(data, len);
        if (rc != 1)
            return rc;
        backoff(attempt);
    }
    pt_log(LOG_ERR, "ldap %s: the runtime state of %s changed %d times while it was being "
                    "updated; giving up (failing closed)", priv(s)->uri, u->name, CAS_TRIES);
    return PT_ERR_IO;
}

/* The state goes; so does the entry when no enrolment is left in it. */
static int ldap_state_remove(pt_store *s, const pt_user *u)
{
    ldap_store *l = priv(s);
    char dn[DN_MAX];
    int rc = user_dn(s, u, dn, sizeof dn);
    if (rc == PT_OK)
        rc = check_own(s, u->name, dn);
    if (rc != PT_OK)
        return rc;
    rc = delete_attr(s, dn, A_STATE);
    if (rc != PT_OK && rc != PT_ERR_NOENT)
        return rc;
    char *v;
    size_t len;
    bool exists;
    rc = read_attr(s, u->name, dn, A_ENROL, PT_ENROL_MAX_SIZE, &v, &len, &exists);
    bool empty = rc == PT_OK && exists && !v;
    free_val(v, len);
    if (rc != PT_OK || !empty)
        return rc;
    int lrc = l->api.delete_ext_s(l->ld, dn, NULL, NULL);
    if (lrc != LDAP_SUCCESS && lrc != LDAP_NO_SUCH_OBJECT)
        return report(l, lrc, "remove the entry", dn);
    return PT_OK;
}

static int ldap_list(pt_store *s, pt_name_fn fn, void *ctx)
{
    ldap_store *l = priv(s);
    char *attrs[] = { "uid", NULL };
    struct timeval tv = { (time_t)s->opt->ldap_timeout, 0 };
    LDAPMessage *res = NULL;
    int lrc = l->api.search_ext_s(l->ld, s->opt->ldap_base, LDAP_SCOPE_ONELEVEL,
                                  "(objectClass=" OC_USER ")", attrs, 0, NULL, NULL, &tv, 0,
                                  &res);
    if (lrc != LDAP_SUCCESS) {
        l->api.msgfree(res);
        return report(l, lrc, "list the entries under", s->opt->ldap_base);
    }
    int rc = PT_OK;
    for (LDAPMessage *e = l->api.first_entry(l->ld, res); e && rc == PT_OK;
         e = l->api.next_entry(l->ld, e)) {
        struct berval **v = l->api.get_values_len(l->ld, e, "uid");
        if (v && v[0] && !v[1] && pt_ldap_name_ok(v[0]->bv_val, v[0]->bv_len)) {
            char name[256];
            memcpy(name, v[0]->bv_val, v[0]->bv_len);
            name[v[0]->bv_len] = '\0';
            rc = fn(ctx, name);
        } else {
            pt_log(LOG_WARNING, "ldap: an entry under %s has no usable uid; skipped",
                   s->opt->ldap_base);
        }
        if (v)
            l->api.value_free_len(v);
    }
    l->api.msgfree(res);
    return rc;
}

static void ldap_close(pt_store *s)
{
    ldap_store *l = priv(s);
    if (!l)
        return;
    disconnect(l);
    if (l->api.handle)
        dlclose(l->api.handle);
    free(l);
    s->priv = NULL;
}

static const pt_store_ops ldap_ops = {
    .name = "ldap",
    .enrol_load = ldap_enrol_load,
    .enrol_store = ldap_enrol_store,
    .enrol_changed = ldap_enrol_changed,
    .enrol_remove = ldap_enrol_remove,
    .state_read = ldap_state_read,
    .state_update = ldap_state_update,
    .state_remove = ldap_state_remove,
    .list = ldap_list,
    .close = ldap_close,
};

int pt_store_ldap_open(pt_store *s)
{
    int rc = check_config(s->opt);
    if (rc != PT_OK)
        return rc;
    ldap_store *l = calloc(1, sizeof *l);
    if (!l)
        return PT_ERR_NOMEM;
    s->priv = l;
    s->ops = &ldap_ops;
    rc = load_api(&l->api);
    if (rc == PT_OK)
        rc = connect_any(l, s->opt);
    if (rc != PT_OK) {
        ldap_close(s);
        s->ops = NULL;
    }
    return rc;
}

/* The enrolment file: strict format and parse (the layout is in enrolment.h and pam_totp(8)). */
#include "enrolment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base32.h"
#include "kvline.h"
#include "log.h"
#include "pt_error.h"

#define LINE_MAX_ENROL 512
/* 80 bits: below RFC 4226's 128, but what google-authenticator's 16-character secrets hold, so
 * imported enrolments keep working (pam-totp import). Secrets we generate are 20 to 64 bytes. */
#define SECRET_MIN 10
#define PERIOD_MIN 10
#define PERIOD_MAX 300

enum {
    K_VERSION, K_ID, K_STATUS, K_CREATED, K_EXPIRES, K_ALGORITHM, K_DIGITS, K_PERIOD, K_SECRET,
    K_KDF, K_SALT,
    K_NREQUIRED,              /* keys before this one must appear */
    K_CONFIRMED = K_NREQUIRED, /* optional: absent in files written before pending activation */
    K_COMMAND,                 /* optional: written once a user-run command accepted a code */
    K_NKEYS
};
static const char *const key_names[K_NKEYS] = {
    "version", "id", "status", "created", "expires", "algorithm", "digits", "period", "secret",
    "backup_kdf", "backup_salt", "confirmed_step", "command_step",
};

void pt_enrolment_wipe(pt_enrolment *e)
{
    if (e)
        pt_wipe(e, sizeof *e);
}

static bool parse_id(const char *s, size_t n, char out[PT_ID_HEX + 1])
{
    if (n != PT_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* "argon2id m=M t=T p=P", exactly, with each parameter in the accepted range. */
static bool parse_kdf(const char *s, size_t n, pt_kdf_params *k)
{
    static const char pfx[] = "argon2id m=";
    size_t pl = sizeof pfx - 1;
    if (n <= pl || memcmp(s, pfx, pl) != 0)
        return false;
    const char *p = s + pl, *end = s + n;
    const char *sp1 = memchr(p, ' ', (size_t)(end - p));
    if (!sp1 || end - sp1 < 4 || memcmp(sp1, " t=", 3) != 0)
        return false;
    const char *t = sp1 + 3;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (!sp2 || end - sp2 < 4 || memcmp(sp2, " p=", 3) != 0)
        return false;
    const char *pp = sp2 + 3;
    int64_t m, tt, par;
    if (!pt_kv_parse_i64(p, (size_t)(sp1 - p), PT_KDF_DEFAULT_M, PT_KDF_MAX_M, &m) ||
        !pt_kv_parse_i64(t, (size_t)(sp2 - t), PT_KDF_DEFAULT_T, PT_KDF_MAX_T, &tt) ||
        !pt_kv_parse_i64(pp, (size_t)(end - pp), PT_KDF_DEFAULT_P, PT_KDF_MAX_P, &par))
        return false;
    k->m_kib = (uint32_t)m;
    k->t = (uint32_t)tt;
    k->p = (uint32_t)par;
    return true;
}

static int parse_secret(const pt_kv *kv, const char *path, pt_enrolment *e)
{
    if (pt_seal_is_sealed(kv->val, kv->vallen)) {
        if (pt_seal_parse(kv->val, kv->vallen, e->sealed, sizeof e->sealed, &e->sealed_len) !=
            PT_OK)
            return pt_kv_error(path, kv->line, "sealed secret must be \"%s\" and %d to %d hex "
                               "digits", PT_SEAL_PREFIX,
                               2 * (PT_SEAL_NONCE_LEN + SECRET_MIN + PT_SEAL_TAG_LEN),
                               2 * PT_SEALED_MAX);
        return PT_OK;
    }
    char b32[LINE_MAX_ENROL + 1];
    memcpy(b32, kv->val, kv->vallen);
    b32[kv->vallen] = '\0';
    size_t n = 0;
    int rc = pt_base32_decode(b32, e->secret, sizeof e->secret, &n);
    pt_wipe(b32, sizeof b32);
    if (rc == PT_ERR_TOOBIG)
        return pt_kv_error(path, kv->line, "secret longer than %d bytes", PT_SECRET_MAX);
    if (rc != PT_OK)
        return pt_kv_error(path, kv->line, "secret is not valid base32");
    if (n < SECRET_MIN)
        return pt_kv_error(path, kv->line, "secret shorter than %d bytes", SECRET_MIN);
    e->secret_len = n;
    return PT_OK;
}

/* One value of a known key. */
static int parse_value(int key, const pt_kv *kv, const char *path, pt_enrolment *e)
{
    const char *v = kv->val;
    size_t n = kv->vallen;
    int64_t x;
    char word[16];

    switch (key) {
    case K_VERSION:
        if (!pt_kv_parse_i64(v, n, 0, INT32_MAX, &x))
            return pt_kv_error(path, kv->line, "version is not a number");
        if (x != PT_ENROL_VERSION)
            return pt_kv_error(path, kv->line, "format version %lld is not supported (this "
                               "pam_totp reads version %d); enrol again", (long long)x,
                               PT_ENROL_VERSION);
        return PT_OK;
    case K_ID:
        if (!parse_id(v, n, e->id))
            return pt_kv_error(path, kv->line, "id must be %d lower-case hex digits", PT_ID_HEX);
        return PT_OK;
    case K_STATUS:
        if (n == 7 && memcmp(v, "pending", 7) == 0)
            e->status = PT_ENROL_PENDING;
        else if (n == 6 && memcmp(v, "active", 6) == 0)
            e->status = PT_ENROL_ACTIVE;
        else
            return pt_kv_error(path, kv->line, "status must be pending or active");
        return PT_OK;
    case K_CREATED:
    case K_EXPIRES:
        if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "%s must be a time in UNIX seconds",
                               key_names[key]);
        *(key == K_CREATED ? &e->created : &e->expires) = x;
        return PT_OK;
    case K_ALGORITHM:
        if (n >= sizeof word)
            return pt_kv_error(path, kv->line, "algorithm must be sha1, sha256 or sha512");
        memcpy(word, v, n);
        word[n] = '\0';
        if (pt_alg_parse(word, &e->alg) != PT_OK)
            return pt_kv_error(path, kv->line, "algorithm must be sha1, sha256 or sha512");
        return PT_OK;
    case K_DIGITS:
        if (!pt_kv_parse_i64(v, n, 6, 8, &x) || x == 7)
            return pt_kv_error(path, kv->line, "digits must be 6 or 8");
        e->digits = (unsigned)x;
        return PT_OK;
    case K_PERIOD:
        if (!pt_kv_parse_i64(v, n, PERIOD_MIN, PERIOD_MAX, &x))
            return pt_kv_error(path, kv->line, "period must be %d to %d seconds", PERIOD_MIN,
                               PERIOD_MAX);
        e->period = (unsigned)x;
        return PT_OK;
    case K_SECRET:
        return parse_secret(kv, path, e);
    case K_KDF:
        if (!parse_kdf(v, n, &e->backup.kdf))
            return pt_kv_error(path, kv->line, "backup_kdf must be \"argon2id m=M t=T p=P\" with "
                               "m %u..%u, t %u..%u, p %u..%u", PT_KDF_DEFAULT_M, PT_KDF_MAX_M,
                               PT_KDF_DEFAULT_T, PT_KDF_MAX_T, PT_KDF_DEFAULT_P, PT_KDF_MAX_P);
        return PT_OK;
    case K_SALT:
        if (!pt_kv_parse_hex(v, n, e->backup.salt, PT_BACKUP_SALT_LEN))
            return pt_kv_error(path, kv->line, "backup_salt must be %d hex digits",
                               2 * PT_BACKUP_SALT_LEN);
        return PT_OK;
    case K_CONFIRMED:
        if (n == 2 && memcmp(v, "-1", 2) == 0)
            x = -1;
        else if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "confirmed_step must be a time step or -1");
        e->confirmed_step = x;
        return PT_OK;
    case K_COMMAND:
        if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "command_step must be a time step");
        e->command_step = x;
        return PT_OK;
    default:
        return pt_kv_error(path, kv->line, "internal error");
    }
}

static int parse_backup(const pt_kv *kv, const char *path, pt_enrolment *e)
{
    if (e->backup.count >= PT_BACKUP_MAX)
        return pt_kv_error(path, kv->line, "too many backup lines (at most %d)", PT_BACKUP_MAX);
    if (!pt_kv_parse_hex(kv->val, kv->vallen, e->backup.hash[e->backup.count],
                         PT_BACKUP_HASH_LEN))
        return pt_kv_error(path, kv->line, "backup must be %d hex digits",
                           2 * PT_BACKUP_HASH_LEN);
    e->backup.count++;
    return PT_OK;
}

static int lookup_key(const pt_kv *kv)
{
    for (int k = 0; k < K_NKEYS; k++)
        if (pt_kv_key_is(kv, key_names[k]))
            return k;
    return -1;
}

static int parse_lines(pt_kv_reader *r, pt_enrolment *e)
{
    bool seen[K_NKEYS] = { false };
    bool any = false;
    pt_kv kv;
    int rc;

    while ((rc = pt_kv_next(r, &kv)) == 1) {
        if (pt_kv_key_is(&kv, "backup")) {
            rc = any ? parse_backup(&kv, r->path, e)
                     : pt_kv_error(r->path, kv.line, "the first key must be version");
        } else {
            int k = lookup_key(&kv);
            if (k < 0) {
                /* Only [a-z0-9_] reach here, so the key is safe to show. */
                return pt_kv_error(r->path, kv.line, "unknown key \"%.*s\"", (int)kv.keylen,
                                   kv.key);
            }
            if (!any && k != K_VERSION)
                return pt_kv_error(r->path, kv.line, "the first key must be version");
            if (seen[k])
                return pt_kv_error(r->path, kv.line, "duplicate key \"%s\"", key_names[k]);
            seen[k] = true;
            rc = parse_value(k, &kv, r->path, e);
        }
        if (rc != PT_OK)
            return rc;
        any = true;
    }
    if (rc < 0)
        return rc;
    for (int k = 0; k < K_NREQUIRED; k++)
        if (!seen[k])
            return pt_kv_error(r->path, r->line + 1, "missing key \"%s\" (the file ends here; "
                               "it may be truncated)", key_names[k]);
    return PT_OK;
}

int pt_enrolment_parse(const char *data, size_t len, const char *path, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    e->confirmed_step = -1;
    e->command_step = -1;
    if (!path)
        path = "(enrolment)";
    if (!data || len == 0) {
        pt_kv_error(path, 0, "empty file");
        return PT_ERR_MALFORMED;
    }
    if (len > PT_ENROL_MAX_SIZE) {
        pt_kv_error(path, 0, "larger than %d bytes", PT_ENROL_MAX_SIZE);
        return PT_ERR_MALFORMED;
    }
    pt_kv_reader r;
    pt_kv_init(&r, data, len, path, LINE_MAX_ENROL);
    int rc = parse_lines(&r, e);
    if (rc != PT_OK) {
        pt_enrolment_wipe(e);
        return PT_ERR_MALFORMED;
    }
    return PT_OK;
}


static bool format_body(const pt_enrolment *e, const char *secret, char *buf, size_t cap,
                        size_t *pos)
{
    char salt[2 * PT_BACKUP_SALT_LEN + 1];
    pt_kv_hex(e->backup.salt, PT_BACKUP_SALT_LEN, salt);
    bool ok = pt_kv_put(buf, cap, pos,
                  "# pam_totp enrolment: written by pam-totp; do not edit\n"
                  "version = %d\nid = %s\nstatus = %s\ncreated = %lld\nexpires = %lld\n"
                  "algorithm = %s\ndigits = %u\nperiod = %u\nsecret = %s\n"
                  "backup_kdf = argon2id m=%u t=%u p=%u\nbackup_salt = %s\n"
                  "confirmed_step = %lld\n",
                  PT_ENROL_VERSION, e->id,
                  e->status == PT_ENROL_ACTIVE ? "active" : "pending", (long long)e->created,
                  (long long)e->expires, pt_alg_name(e->alg), e->digits, e->period, secret,
                  e->backup.kdf.m_kib, e->backup.kdf.t, e->backup.kdf.p, salt,
                  (long long)e->confirmed_step);
    /* Only when set, so a file no command has touched reads as before (and in older releases). */
    if (ok && e->command_step >= 0)
        ok = pt_kv_put(buf, cap, pos, "command_step = %lld\n", (long long)e->command_step);
    for (unsigned i = 0; ok && i < e->backup.count; i++) {
        char h[2 * PT_BACKUP_HASH_LEN + 1];
        pt_kv_hex(e->backup.hash[i], PT_BACKUP_HASH_LEN, h);
        ok = pt_kv_put(buf, cap, pos, "backup = %s\n", h);
    }
    return ok;
}

int pt_enrolment_format(const pt_enrolment *e, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if ((e->secret_len == 0 && e->sealed_len == 0) || e->secret_len > PT_SECRET_MAX ||
        e->sealed_len > PT_SEALED_MAX || e->backup.count > PT_BACKUP_MAX ||
        (e->digits != 6 && e->digits != 8))
        return PT_ERR_INVAL;
    /* The sealed form when there is one: the plain secret then never reaches the store. */
    char b32[sizeof PT_SEAL_PREFIX + 2 * PT_SEALED_MAX];
    int rc = e->sealed_len > 0 ? pt_seal_format(e->sealed, e->sealed_len, b32, sizeof b32)
                               : pt_base32_encode(e->secret, e->secret_len, b32, sizeof b32);
    if (rc != PT_OK)
        return rc;
    size_t cap = 1024 + (size_t)e->backup.count * (2 * PT_BACKUP_HASH_LEN + 16);
    char *buf = malloc(cap);
    if (!buf) {
        pt_wipe(b32, sizeof b32);
        return PT_ERR_NOMEM;
    }
    size_t pos = 0;
    bool ok = format_body(e, b32, buf, cap, &pos);
    pt_wipe(b32, sizeof b32);
    if (!ok) {
        pt_wipe(buf, cap);
        free(buf);
        return PT_ERR_TOOBIG;
    }
    *out = buf;
    *len = pos;
    return PT_OK;
}

int pt_enrolment_new_id(char id[PT_ID_HEX + 1])
{
    uint8_t raw[PT_ID_HEX / 2];
    int rc = pt_random_bytes(raw, sizeof raw);
    if (rc != PT_OK)
        return rc;
    pt_kv_hex(raw, sizeof raw, id);
    return PT_OK;
}

int pt_enrolment_new(const pt_options *o, int64_t now, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    int rc = pt_enrolment_new_id(e->id);
    if (rc != PT_OK)
        return rc;
    e->status = PT_ENROL_PENDING;
    e->created = now;
    e->expires = now + (int64_t)o->pending_ttl;
    e->confirmed_step = -1;
    e->command_step = -1;
    e->alg = o->algorithm;
    e->digits = o->digits;
    e->period = o->period;
    e->secret_len = pt_alg_secret_len(o->algorithm);
    if (e->secret_len == 0 || e->secret_len > PT_SECRET_MAX)
        return PT_ERR_INVAL;
    rc = pt_random_bytes(e->secret, e->secret_len);
    /* A valid (empty) backup set, so a pending enrolment formats and parses back. */
    if (rc == PT_OK) {
        pt_kdf_default(&e->backup.kdf);
        rc = pt_random_bytes(e->backup.salt, sizeof e->backup.salt);
    }
    if (rc != PT_OK)
        pt_enrolment_wipe(e);
    return rc;
}

int pt_enrolment_secret_b32(const pt_enrolment *e, char *out, size_t outsz)
{
    return pt_base32_encode(e->secret, e->secret_len, out, outsz);
}

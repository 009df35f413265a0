/* The enrolment file: strict format and parse (the layout is in enrolment.h and pam_totp(8)). */
#include "enrolment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base32.h"
#include "kvline.h"
#include "log.h"
#include "pt_error.h"

#define LINE_MAX_ENROL 512
/* 80 bits: below RFC 4226's 128, but what google-authenticator's 16-character secrets hold, so
 * imported enrolments keep working (pam-totp import). Secrets we generate are 20 to 64 bytes. */
#define SECRET_MIN PT_SEAL_SECRET_MIN /* 10 bytes */
#define PERIOD_MIN 10
#define PERIOD_MAX 300

enum {
    K_VERSION, K_ID, K_STATUS, K_CREATED, K_EXPIRES, K_ALGORITHM, K_DIGITS, K_PERIOD, K_SECRET,
    K_KDF, K_SALT, K_CONFIRMED, K_COMMAND, K_DEVICE, K_NAME,
    K_NKEYS
};
static const char *const key_names[K_NKEYS] = {
    "version", "id", "status", "created", "expires", "algorithm", "digits", "period", "secret",
    "backup_kdf", "backup_salt", "confirmed_step", "command_step", "device", "name",
};

#define B(k) (1u << (k))
/* Which keys each part of a file must and may hold (confirmed_step is optional: files written
 * before pending activation lack it; command_step is written only once a command accepted a
 * code). */
#define V1_REQUIRED (B(K_VERSION) | B(K_ID) | B(K_STATUS) | B(K_CREATED) | B(K_EXPIRES) |      \
                     B(K_ALGORITHM) | B(K_DIGITS) | B(K_PERIOD) | B(K_SECRET) | B(K_KDF) |      \
                     B(K_SALT))
#define V1_ALLOWED (V1_REQUIRED | B(K_CONFIRMED) | B(K_COMMAND))
#define V2_USER (B(K_VERSION) | B(K_ID) | B(K_STATUS) | B(K_CREATED) | B(K_EXPIRES) | B(K_KDF) | \
                 B(K_SALT))
#define V2_DEVICE_REQUIRED (B(K_DEVICE) | B(K_NAME) | B(K_STATUS) | B(K_CREATED) |              \
                            B(K_EXPIRES) | B(K_ALGORITHM) | B(K_DIGITS) | B(K_PERIOD) |        \
                            B(K_SECRET))
#define V2_DEVICE_ALLOWED (V2_DEVICE_REQUIRED | B(K_CONFIRMED) | B(K_COMMAND))

/* Where the parser is: the user-level keys, or device number dev. */
typedef struct {
    pt_kv_reader *r;
    pt_enrolment *e;
    unsigned version;  /* 0 until the version line */
    int dev;           /* -1: user level (v2); v1 files keep their device keys in dev[0] */
    unsigned seen;     /* keys of the current part */
} parser;

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

static int parse_secret(const pt_kv *kv, const char *path, pt_device *e)
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

static int parse_name(const pt_kv *kv, const char *path, pt_device *d)
{
    char name[PT_DEVICE_NAME_MAX + 1];
    if (kv->vallen > PT_DEVICE_NAME_MAX)
        return pt_kv_error(path, kv->line, "device name longer than %d characters",
                           PT_DEVICE_NAME_MAX);
    memcpy(name, kv->val, kv->vallen);
    name[kv->vallen] = '\0';
    if (!pt_device_name_ok(name))
        return pt_kv_error(path, kv->line, "device name must be %s", PT_DEVICE_NAME_RULE);
    memcpy(d->name, name, kv->vallen + 1);
    return PT_OK;
}

static int parse_version(const pt_kv *kv, const char *path, unsigned *version)
{
    int64_t x;
    if (!pt_kv_parse_i64(kv->val, kv->vallen, 0, INT32_MAX, &x))
        return pt_kv_error(path, kv->line, "version is not a number");
    if (x < PT_ENROL_VERSION_MIN || x > PT_ENROL_VERSION)
        return pt_kv_error(path, kv->line, "format version %lld is not supported (this "
                           "pam_totp reads versions %d to %d); enrol again", (long long)x,
                           PT_ENROL_VERSION_MIN, PT_ENROL_VERSION);
    *version = (unsigned)x;
    return PT_OK;
}

/* One value of a known key. status, created and expires belong to the user level when ul is
 * set, else to device d; the other device keys always go to d. */
static int parse_value(int key, const pt_kv *kv, const char *path, pt_enrolment *e, bool ul,
                       pt_device *d)
{
    const char *v = kv->val;
    size_t n = kv->vallen;
    int64_t x;
    char word[16];

    switch (key) {
    case K_ID:
    case K_DEVICE:
        if (!parse_id(v, n, key == K_ID ? e->id : d->id))
            return pt_kv_error(path, kv->line, "%s must be %d lower-case hex digits",
                               key_names[key], PT_ID_HEX);
        return PT_OK;
    case K_NAME:
        return parse_name(kv, path, d);
    case K_STATUS: {
        pt_enrol_status *st = ul ? &e->status : &d->status;
        if (n == 7 && memcmp(v, "pending", 7) == 0)
            *st = PT_ENROL_PENDING;
        else if (n == 6 && memcmp(v, "active", 6) == 0)
            *st = PT_ENROL_ACTIVE;
        else
            return pt_kv_error(path, kv->line, "status must be pending or active");
        return PT_OK;
    }
    case K_CREATED:
    case K_EXPIRES:
        if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "%s must be a time in UNIX seconds",
                               key_names[key]);
        if (key == K_CREATED)
            *(ul ? &e->created : &d->created) = x;
        else
            *(ul ? &e->expires : &d->expires) = x;
        return PT_OK;
    case K_ALGORITHM:
        if (n >= sizeof word)
            return pt_kv_error(path, kv->line, "algorithm must be sha1, sha256 or sha512");
        memcpy(word, v, n);
        word[n] = '\0';
        if (pt_alg_parse(word, &d->alg) != PT_OK)
            return pt_kv_error(path, kv->line, "algorithm must be sha1, sha256 or sha512");
        return PT_OK;
    case K_DIGITS:
        if (!pt_kv_parse_i64(v, n, 6, 8, &x) || x == 7)
            return pt_kv_error(path, kv->line, "digits must be 6 or 8");
        d->digits = (unsigned)x;
        return PT_OK;
    case K_PERIOD:
        if (!pt_kv_parse_i64(v, n, PERIOD_MIN, PERIOD_MAX, &x))
            return pt_kv_error(path, kv->line, "period must be %d to %d seconds", PERIOD_MIN,
                               PERIOD_MAX);
        d->period = (unsigned)x;
        return PT_OK;
    case K_SECRET:
        return parse_secret(kv, path, d);
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
        d->confirmed_step = x;
        return PT_OK;
    case K_COMMAND:
        if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "command_step must be a time step");
        d->command_step = x;
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

/* The keys of the current part that are missing, as an error at the line where it ended. */
static int check_part(parser *p, unsigned required, unsigned line)
{
    for (int k = 0; k < K_NKEYS; k++) {
        if ((required & B(k)) && !(p->seen & B(k))) {
            if (p->dev >= 0 && p->version >= 2)
                return pt_kv_error(p->r->path, line, "device %d lacks key \"%s\"", p->dev + 1,
                                   key_names[k]);
            return pt_kv_error(p->r->path, line, "missing key \"%s\" (the file ends here; "
                               "it may be truncated)", key_names[k]);
        }
    }
    return PT_OK;
}

static unsigned part_required(const parser *p)
{
    if (p->version < 2)
        return V1_REQUIRED;
    return p->dev < 0 ? V2_USER : V2_DEVICE_REQUIRED;
}

static unsigned part_allowed(const parser *p)
{
    if (p->version < 2)
        return V1_ALLOWED;
    return p->dev < 0 ? V2_USER : V2_DEVICE_ALLOWED;
}

/* "device = ID": ends the part before it and starts a new device. */
static int start_device(parser *p, const pt_kv *kv)
{
    if (p->version < 2)
        return pt_kv_error(p->r->path, kv->line, "unknown key \"device\" in a version %u file",
                           p->version);
    int rc = check_part(p, part_required(p), kv->line);
    if (rc != PT_OK)
        return rc;
    if (p->e->ndevices >= PT_DEVICES_MAX)
        return pt_kv_error(p->r->path, kv->line, "more than %d devices", PT_DEVICES_MAX);
    p->dev = (int)p->e->ndevices++;
    p->e->dev[p->dev].confirmed_step = -1;
    p->e->dev[p->dev].command_step = -1;
    p->seen = B(K_DEVICE);
    return parse_value(K_DEVICE, kv, p->r->path, p->e, false, &p->e->dev[p->dev]);
}

static int parse_key(parser *p, const pt_kv *kv)
{
    int k = lookup_key(kv);
    if (k < 0) {
        /* Only [a-z0-9_] reach here, so the key is safe to show. */
        return pt_kv_error(p->r->path, kv->line, "unknown key \"%.*s\"", (int)kv->keylen,
                           kv->key);
    }
    if (p->version == 0) {
        if (k != K_VERSION)
            return pt_kv_error(p->r->path, kv->line, "the first key must be version");
        p->seen = B(K_VERSION);
        return parse_version(kv, p->r->path, &p->version);
    }
    if (k == K_DEVICE)
        return start_device(p, kv);
    if (!(part_allowed(p) & B(k))) {
        if (p->version < 2)
            return pt_kv_error(p->r->path, kv->line, "unknown key \"%s\" in a version 1 file",
                               key_names[k]);
        return pt_kv_error(p->r->path, kv->line, "key \"%s\" does not belong %s", key_names[k],
                           p->dev < 0 ? "before the first device" : "to a device");
    }
    if (p->seen & B(k)) {
        if (p->dev >= 0 && p->version >= 2)
            return pt_kv_error(p->r->path, kv->line, "duplicate key \"%s\" in device %d",
                               key_names[k], p->dev + 1);
        return pt_kv_error(p->r->path, kv->line, "duplicate key \"%s\"", key_names[k]);
    }
    p->seen |= B(k);
    bool ul = p->version < 2 || p->dev < 0;
    return parse_value(k, kv, p->r->path, p->e, ul, &p->e->dev[p->dev < 0 ? 0 : p->dev]);
}

static int parse_lines(parser *p)
{
    pt_kv kv;
    int rc;

    while ((rc = pt_kv_next(p->r, &kv)) == 1) {
        if (pt_kv_key_is(&kv, "backup")) {
            if (p->version == 0)
                rc = pt_kv_error(p->r->path, kv.line, "the first key must be version");
            else if (p->version >= 2 && p->dev >= 0)
                rc = pt_kv_error(p->r->path, kv.line, "backup lines belong before the first "
                                 "device");
            else
                rc = parse_backup(&kv, p->r->path, p->e);
        } else {
            rc = parse_key(p, &kv);
        }
        if (rc != PT_OK)
            return rc;
    }
    if (rc < 0)
        return rc;
    if (p->version == 0)
        return pt_kv_error(p->r->path, p->r->line + 1, "missing key \"version\"");
    return check_part(p, part_required(p), p->r->line + 1);
}

/* A version-1 file is one device: the enrolment's own id, named "default". */
static void v1_device(pt_enrolment *e)
{
    pt_device *d = &e->dev[0];
    memcpy(d->id, e->id, sizeof d->id);
    snprintf(d->name, sizeof d->name, "%s", PT_DEVICE_DEFAULT);
    d->status = e->status;
    d->created = e->created;
    d->expires = e->expires;
    e->ndevices = 1;
}

static bool same_name(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* What a version-2 file must hold together: distinct ids and names, at most one pending
 * device, and a status that agrees with its devices. */
static int check_devices(const parser *p)
{
    const pt_enrolment *e = p->e;
    const char *path = p->r->path;
    unsigned line = p->r->line;
    if (e->ndevices == 0)
        return pt_kv_error(path, line, "no device (an enrolment has at least one)");
    unsigned pending = 0, active = 0;
    for (unsigned i = 0; i < e->ndevices; i++) {
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(e->dev[i].id, e->dev[j].id) == 0)
                return pt_kv_error(path, line, "devices %u and %u have the same id", j + 1,
                                   i + 1);
            if (same_name(e->dev[i].name, e->dev[j].name))
                return pt_kv_error(path, line, "devices %u and %u have the same name \"%s\"",
                                   j + 1, i + 1, e->dev[i].name);
        }
        if (e->dev[i].status == PT_ENROL_ACTIVE)
            active++;
        else
            pending++;
    }
    if (pending > 1)
        return pt_kv_error(path, line, "more than one pending device");
    if (e->status == PT_ENROL_ACTIVE && active == 0)
        return pt_kv_error(path, line, "status is active but no device is");
    if (e->status == PT_ENROL_PENDING && (active > 0 || e->ndevices != 1))
        return pt_kv_error(path, line, "a pending enrolment has exactly one pending device");
    return PT_OK;
}

int pt_enrolment_parse(const char *data, size_t len, const char *path, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    e->dev[0].confirmed_step = -1;
    e->dev[0].command_step = -1;
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
    parser p = { .r = &r, .e = e, .version = 0, .dev = -1, .seen = 0 };
    int rc = parse_lines(&p);
    if (rc == PT_OK && p.version < 2)
        v1_device(e);
    else if (rc == PT_OK)
        rc = check_devices(&p);
    e->version = p.version;
    if (rc != PT_OK) {
        pt_enrolment_wipe(e);
        return PT_ERR_MALFORMED;
    }
    return PT_OK;
}


static bool format_device(const pt_device *d, char *buf, size_t cap, size_t *pos)
{
    /* The sealed form when there is one: the plain secret then never reaches the store. */
    char b32[sizeof PT_SEAL_PREFIX + 2 * PT_SEALED_MAX];
    int rc = d->sealed_len > 0 ? pt_seal_format(d->sealed, d->sealed_len, b32, sizeof b32)
                               : pt_base32_encode(d->secret, d->secret_len, b32, sizeof b32);
    if (rc != PT_OK)
        return false;
    bool ok = pt_kv_put(buf, cap, pos,
                        "device = %s\nname = %s\nstatus = %s\ncreated = %lld\nexpires = %lld\n"
                        "algorithm = %s\ndigits = %u\nperiod = %u\nsecret = %s\n"
                        "confirmed_step = %lld\n",
                        d->id, d->name, d->status == PT_ENROL_ACTIVE ? "active" : "pending",
                        (long long)d->created, (long long)d->expires, pt_alg_name(d->alg),
                        d->digits, d->period, b32, (long long)d->confirmed_step);
    /* Only when set, so a device no command has touched reads as in earlier releases. */
    if (ok && d->command_step >= 0)
        ok = pt_kv_put(buf, cap, pos, "command_step = %lld\n", (long long)d->command_step);
    pt_wipe(b32, sizeof b32);
    return ok;
}

static bool format_body(const pt_enrolment *e, char *buf, size_t cap, size_t *pos)
{
    char salt[2 * PT_BACKUP_SALT_LEN + 1];
    pt_kv_hex(e->backup.salt, PT_BACKUP_SALT_LEN, salt);
    bool ok = pt_kv_put(buf, cap, pos,
                  "# pam_totp enrolment: written by pam-totp; do not edit\n"
                  "version = %d\nid = %s\nstatus = %s\ncreated = %lld\nexpires = %lld\n"
                  "backup_kdf = argon2id m=%u t=%u p=%u\nbackup_salt = %s\n",
                  PT_ENROL_VERSION, e->id,
                  e->status == PT_ENROL_ACTIVE ? "active" : "pending", (long long)e->created,
                  (long long)e->expires, e->backup.kdf.m_kib, e->backup.kdf.t, e->backup.kdf.p,
                  salt);
    for (unsigned i = 0; ok && i < e->backup.count; i++) {
        char h[2 * PT_BACKUP_HASH_LEN + 1];
        pt_kv_hex(e->backup.hash[i], PT_BACKUP_HASH_LEN, h);
        ok = pt_kv_put(buf, cap, pos, "backup = %s\n", h);
    }
    for (unsigned i = 0; ok && i < e->ndevices; i++)
        ok = format_device(&e->dev[i], buf, cap, pos);
    return ok;
}

static bool device_formattable(const pt_device *d)
{
    return (d->secret_len > 0 || d->sealed_len > 0) && d->secret_len <= PT_SECRET_MAX &&
           d->sealed_len <= PT_SEALED_MAX && (d->digits == 6 || d->digits == 8) &&
           pt_device_name_ok(d->name);
}

int pt_enrolment_format(const pt_enrolment *e, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (e->backup.count > PT_BACKUP_MAX || e->ndevices == 0 || e->ndevices > PT_DEVICES_MAX)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < e->ndevices; i++)
        if (!device_formattable(&e->dev[i]))
            return PT_ERR_INVAL;
    size_t cap = 1024 + (size_t)e->backup.count * (2 * PT_BACKUP_HASH_LEN + 16) +
                 (size_t)e->ndevices * 768;
    char *buf = malloc(cap);
    if (!buf)
        return PT_ERR_NOMEM;
    size_t pos = 0;
    bool ok = format_body(e, buf, cap, &pos);
    if (!ok || pos > PT_ENROL_MAX_SIZE) {
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

int pt_device_new(const pt_options *o, int64_t now, const char *name, pt_device *d)
{
    memset(d, 0, sizeof *d);
    if (!pt_device_name_ok(name))
        return PT_ERR_INVAL;
    int rc = pt_enrolment_new_id(d->id);
    if (rc != PT_OK)
        return rc;
    snprintf(d->name, sizeof d->name, "%s", name);
    d->status = PT_ENROL_PENDING;
    d->created = now;
    d->expires = now + (int64_t)o->pending_ttl;
    d->confirmed_step = -1;
    d->command_step = -1;
    d->alg = o->algorithm;
    d->digits = o->digits;
    d->period = o->period;
    d->secret_len = pt_alg_secret_len(o->algorithm);
    if (d->secret_len == 0 || d->secret_len > PT_SECRET_MAX)
        return PT_ERR_INVAL;
    rc = pt_random_bytes(d->secret, d->secret_len);
    if (rc != PT_OK)
        pt_wipe(d, sizeof *d);
    return rc;
}

int pt_enrolment_new(const pt_options *o, int64_t now, pt_enrolment *e)
{
    memset(e, 0, sizeof *e);
    e->version = PT_ENROL_VERSION;
    int rc = pt_enrolment_new_id(e->id);
    if (rc != PT_OK)
        return rc;
    e->status = PT_ENROL_PENDING;
    e->created = now;
    e->expires = now + (int64_t)o->pending_ttl;
    rc = pt_device_new(o, now, PT_DEVICE_DEFAULT, &e->dev[0]);
    if (rc == PT_OK)
        e->ndevices = 1;
    /* A valid (empty) backup set, so a pending enrolment formats and parses back. */
    if (rc == PT_OK) {
        pt_kdf_default(&e->backup.kdf);
        rc = pt_random_bytes(e->backup.salt, sizeof e->backup.salt);
    }
    if (rc != PT_OK)
        pt_enrolment_wipe(e);
    return rc;
}

void pt_enrolment_activate(pt_enrolment *e)
{
    e->status = PT_ENROL_ACTIVE;
    e->expires = 0;
    for (unsigned i = 0; i < e->ndevices; i++) {
        e->dev[i].status = PT_ENROL_ACTIVE;
        e->dev[i].expires = 0;
    }
}

int pt_device_secret_b32(const pt_device *d, char *out, size_t outsz)
{
    return pt_base32_encode(d->secret, d->secret_len, out, outsz);
}

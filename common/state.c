/* The runtime state: strict format and parse, and the lockout bookkeeping (state.h).
 * Reading and writing the file under its lock is in state_io.c. */
#include "state.h"
#include "state_slots.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"
#include "log.h"
#include "pt_error.h"

#define STATE_FORMAT_CAP (PT_STATE_MAX_SIZE / 2)

enum {
    K_VERSION, K_ENROLMENT, K_LAST_STEP, K_USED, K_FAILURES, K_LOCK, K_FIRST,
    K_NREQUIRED,                 /* keys before this one must appear */
    K_PERIOD = K_NREQUIRED,      /* optional: 0 (unknown) when absent */
    K_OTHER_USED,                /* optional: none when absent */
    K_HOSTS,                     /* optional: none when absent */
    K_BURNED,                    /* optional: none when absent */
    K_NKEYS
};
static const char *const key_names[K_NKEYS] = {
    "version", "enrolment", "last_step", "used", "failures", "lock_until", "first_required",
    "step_period", "other_used", "hosts", "burned",
};

void pt_state_init(pt_state *st)
{
    memset(st, 0, sizeof *st);
    st->last_step = -1;
}

static bool parse_enrolment_id(const char *s, size_t n, char out[PT_ID_HEX + 1])
{
    if (n == 1 && s[0] == '-') {
        out[0] = '\0';
        return true;
    }
    if (n != PT_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* Calls item() for each element of a comma-separated list ("" is an empty list). */
typedef bool (*list_item_fn)(const char *s, size_t n, pt_state *st);

static bool parse_list(const char *s, size_t n, pt_state *st, list_item_fn item)
{
    size_t i = 0;
    while (i < n) {
        const char *comma = memchr(s + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - s) : n;
        if (!item(s + i, end - i, st))
            return false;
        if (comma && end + 1 == n)
            return false; /* trailing comma */
        i = end + 1;
    }
    return true;
}

static bool used_item(const char *s, size_t n, pt_state *st)
{
    int64_t x;
    if (!pt_kv_parse_i64(s, n, 0, PT_BACKUP_MAX - 1, &x))
        return false;
    st->used[x] = 1;
    return true;
}

static bool failure_item(const char *s, size_t n, pt_state *st)
{
    int64_t x;
    if (st->nfailures >= PT_FAILURES_MAX || !pt_kv_parse_i64(s, n, 0, INT64_MAX, &x))
        return false;
    st->failures[st->nfailures++] = x;
    return true;
}

/* other_used: "ID:i,i,...;ID:i" (each set non-empty, each id once, not the current one). */
static bool parse_other_used(const char *s, size_t n, pt_state *st)
{
    size_t i = 0;
    while (i < n) {
        const char *semi = memchr(s + i, ';', n - i);
        size_t end = semi ? (size_t)(semi - s) : n;
        if (st->nothers >= PT_STATE_OTHERS || end - i < PT_ID_HEX + 2 || s[i + PT_ID_HEX] != ':')
            return false;
        pt_used_set *o = &st->others[st->nothers];
        memset(o, 0, sizeof *o);
        if (!parse_enrolment_id(s + i, PT_ID_HEX, o->enrolment))
            return false;
        for (unsigned k = 0; k < st->nothers; k++)
            if (strcmp(st->others[k].enrolment, o->enrolment) == 0)
                return false;
        /* parse_list fills st->used: parse into a scratch state's marks. */
        uint8_t saved[PT_BACKUP_MAX];
        memcpy(saved, st->used, sizeof saved);
        memset(st->used, 0, sizeof st->used);
        bool ok = parse_list(s + i + PT_ID_HEX + 1, end - i - PT_ID_HEX - 1, st, used_item);
        memcpy(o->used, st->used, sizeof o->used);
        memcpy(st->used, saved, sizeof saved);
        if (!ok || (semi && end + 1 == n))
            return false;
        st->nothers++;
        i = end + 1;
    }
    return true;
}

/* ADDR@T with ADDR in canonical form (what pt_state_remember_host writes), T >= 0. */
static bool host_item(const char *s, size_t n, pt_state *st)
{
    const char *at = memchr(s, '@', n);
    if (st->nhosts >= PT_HOSTS_MAX || at == NULL || at == s || (size_t)(at - s) >= PT_ADDR_STR)
        return false;
    char text[PT_ADDR_STR], canon[PT_ADDR_STR];
    memcpy(text, s, (size_t)(at - s));
    text[at - s] = '\0';
    pt_addr a;
    if (pt_addr_parse(text, &a) != PT_OK || pt_addr_format(&a, canon, sizeof canon) != PT_OK ||
        strcmp(canon, text) != 0)
        return false;
    int64_t t;
    if (!pt_kv_parse_i64(at + 1, n - (size_t)(at - s) - 1, 0, INT64_MAX, &t))
        return false;
    for (unsigned i = 0; i < st->nhosts; i++)
        if (strcmp(st->hosts[i].addr, canon) == 0)
            return false; /* each address once */
    snprintf(st->hosts[st->nhosts].addr, sizeof st->hosts[0].addr, "%s", canon);
    st->hosts[st->nhosts].at = t;
    st->nhosts++;
    return true;
}

static bool burned_item(const char *s, size_t n, pt_state *st)
{
    int64_t x;
    if (st->nburned >= PT_BURNED_MAX || !pt_kv_parse_i64(s, n, 0, INT64_MAX, &x))
        return false;
    st->burned[st->nburned++] = x;
    return true;
}

static int parse_value(int k, const pt_kv *kv, const char *path, pt_state *st)
{
    int64_t x;
    const char *v = kv->val;
    size_t n = kv->vallen;

    switch (k) {
    case K_VERSION:
        if (!pt_kv_parse_i64(v, n, 0, INT32_MAX, &x))
            return pt_kv_error(path, kv->line, "version is not a number");
        if (x != PT_STATE_VERSION)
            return pt_kv_error(path, kv->line, "format version %lld is not supported (this "
                               "pam_totp reads version %d)", (long long)x, PT_STATE_VERSION);
        return PT_OK;
    case K_ENROLMENT:
        if (!parse_enrolment_id(v, n, st->enrolment))
            return pt_kv_error(path, kv->line, "enrolment must be - or %d lower-case hex digits",
                               PT_ID_HEX);
        return PT_OK;
    case K_LAST_STEP:
    case K_LOCK:
        if (!pt_kv_parse_i64(v, n, -1, INT64_MAX, &x))
            return pt_kv_error(path, kv->line, "%s must be a number, at least -1", key_names[k]);
        *(k == K_LAST_STEP ? &st->last_step : &st->lock_until) = x;
        return PT_OK;
    case K_PERIOD:
        if (!pt_kv_parse_i64(v, n, 0, 300, &x) || (x != 0 && x < 10))
            return pt_kv_error(path, kv->line, "step_period must be 0 or 10 to 300 seconds");
        st->step_period = (unsigned)x;
        return PT_OK;
    case K_FIRST:
        if (!pt_kv_parse_i64(v, n, 0, INT64_MAX, &st->first_required))
            return pt_kv_error(path, kv->line, "first_required must be a time in UNIX seconds");
        return PT_OK;
    case K_USED:
        if (!parse_list(v, n, st, used_item))
            return pt_kv_error(path, kv->line, "used must be a comma-separated list of code "
                               "numbers below %d", PT_BACKUP_MAX);
        return PT_OK;
    case K_OTHER_USED:
        if (!parse_other_used(v, n, st))
            return pt_kv_error(path, kv->line, "other_used must be at most %d entries "
                               "\"ENROLMENT-ID:N,N,...\" separated by ';'", PT_STATE_OTHERS);
        return PT_OK;
    case K_FAILURES:
        if (!parse_list(v, n, st, failure_item))
            return pt_kv_error(path, kv->line, "failures must be a comma-separated list of at "
                               "most %d times", PT_FAILURES_MAX);
        return PT_OK;
    case K_HOSTS:
        if (!parse_list(v, n, st, host_item))
            return pt_kv_error(path, kv->line, "hosts must be a comma-separated list of at most "
                               "%d distinct ADDRESS@TIME items", PT_HOSTS_MAX);
        return PT_OK;
    case K_BURNED:
        if (!parse_list(v, n, st, burned_item))
            return pt_kv_error(path, kv->line, "burned must be a comma-separated list of at "
                               "most %d steps", PT_BURNED_MAX);
        return PT_OK;
    default:
        return pt_kv_error(path, kv->line, "internal error");
    }
}

static int parse_lines(pt_kv_reader *r, pt_state *st)
{
    bool seen[K_NKEYS] = { false };
    bool any = false;
    pt_kv kv;
    int rc;

    while ((rc = pt_kv_next(r, &kv)) == 1) {
        if (pt_kv_key_is(&kv, "last_used")) { /* repeated: one line per device */
            rc = any ? pt_state_parse_last_used(kv.val, kv.vallen, r->path, kv.line, st)
                     : pt_kv_error(r->path, kv.line, "the first key must be version");
            if (rc != PT_OK)
                return rc;
            continue;
        }
        int k = -1;
        for (int i = 0; i < K_NKEYS && k < 0; i++)
            if (pt_kv_key_is(&kv, key_names[i]))
                k = i;
        if (k < 0)
            return pt_kv_error(r->path, kv.line, "unknown key \"%.*s\"", (int)kv.keylen, kv.key);
        if (!any && k != K_VERSION)
            return pt_kv_error(r->path, kv.line, "the first key must be version");
        if (seen[k])
            return pt_kv_error(r->path, kv.line, "duplicate key \"%s\"", key_names[k]);
        seen[k] = true;
        any = true;
        rc = parse_value(k, &kv, r->path, st);
        if (rc != PT_OK)
            return rc;
    }
    if (rc < 0)
        return rc;
    for (int k = 0; k < K_NREQUIRED; k++)
        if (!seen[k])
            return pt_kv_error(r->path, r->line + 1, "missing key \"%s\" (the file ends here; "
                               "it may be truncated)", key_names[k]);
    for (unsigned i = 0; i < st->nothers; i++)
        if (strcmp(st->others[i].enrolment, st->enrolment) == 0)
            return pt_kv_error(r->path, r->line, "other_used repeats the current enrolment");
    return PT_OK;
}

int pt_state_parse(const char *data, size_t len, const char *path, pt_state *st)
{
    pt_state_init(st);
    if (!path)
        path = "(state)";
    /* An empty state file is damage (a crash mid-write elsewhere, a truncation), never "fresh":
     * treating it as fresh would forget the replay guard and the lock. */
    if (!data || len == 0)
        return pt_kv_error(path, 0, "empty file; remove it only if you know why it is empty "
                                    "(pam-totp reset)");
    if (len > PT_STATE_MAX_SIZE)
        return pt_kv_error(path, 0, "larger than %d bytes", PT_STATE_MAX_SIZE);
    pt_kv_reader r;
    pt_kv_init(&r, data, len, path, PT_STATE_MAX_SIZE);
    if (parse_lines(&r, st) != PT_OK) {
        pt_state_init(st);
        return PT_ERR_MALFORMED;
    }
    return PT_OK;
}

int pt_state_decode(const void *data, size_t len, const char *path, pt_state *st,
                    pt_slot_pick *pick)
{
    pt_slot_pick p = { 0 };
    int rc = PT_OK;
    if (pt_slots_is_slotted(data, len)) {
        rc = pt_slots_decode(data, len, path ? path : "(state)", &p);
        if (rc == PT_OK)
            rc = pt_state_parse(p.text, p.len, path, st);
    } else {
        rc = pt_state_parse(data, len, path, st);
    }
    if (rc != PT_OK) {
        pt_state_init(st);
        memset(&p, 0, sizeof p);
    }
    if (pick)
        *pick = p;
    return rc;
}

static bool any_used(const uint8_t used[PT_BACKUP_MAX])
{
    for (unsigned i = 0; i < PT_BACKUP_MAX; i++)
        if (used[i])
            return true;
    return false;
}

static bool format_marks(const uint8_t used[PT_BACKUP_MAX], char *buf, size_t cap, size_t *pos)
{
    bool ok = true;
    const char *sep = "";
    for (unsigned i = 0; ok && i < PT_BACKUP_MAX; i++) {
        if (used[i]) {
            ok = pt_kv_put(buf, cap, pos, "%s%u", sep, i);
            sep = ",";
        }
    }
    return ok;
}

/* other_used, only when some other enrolment has used codes (a file without it reads as
 * before). */
static bool format_others(const pt_state *st, char *buf, size_t cap, size_t *pos)
{
    bool ok = true;
    const char *sep = "other_used = ";
    for (unsigned i = 0; ok && i < st->nothers; i++) {
        if (!any_used(st->others[i].used))
            continue;
        ok = pt_kv_put(buf, cap, pos, "%s%s:", sep, st->others[i].enrolment) &&
             format_marks(st->others[i].used, buf, cap, pos);
        sep = ";";
    }
    if (ok && sep[0] == ';')
        ok = pt_kv_put(buf, cap, pos, "\n");
    return ok;
}

static bool format_lists(const pt_state *st, char *buf, size_t cap, size_t *pos)
{
    bool ok = pt_kv_put(buf, cap, pos, "used =");
    const char *sep = " ";
    for (unsigned i = 0; ok && i < PT_BACKUP_MAX; i++) {
        if (st->used[i]) {
            ok = pt_kv_put(buf, cap, pos, "%s%u", sep, i);
            sep = ",";
        }
    }
    ok = ok && pt_kv_put(buf, cap, pos, "\nfailures =");
    sep = " ";
    for (unsigned i = 0; ok && i < st->nfailures; i++) {
        ok = pt_kv_put(buf, cap, pos, "%s%lld", sep, (long long)st->failures[i]);
        sep = ",";
    }
    return ok && pt_kv_put(buf, cap, pos, "\n");
}

/* The optional lines, written only when they hold something (older readers never see them
 * unless the feature is used). */
static bool format_optional(const pt_state *st, char *buf, size_t cap, size_t *pos)
{
    bool ok = true;
    const char *sep = " ";
    if (st->nhosts > 0) {
        ok = pt_kv_put(buf, cap, pos, "hosts =");
        for (unsigned i = 0; ok && i < st->nhosts; i++) {
            ok = pt_kv_put(buf, cap, pos, "%s%s@%lld", sep, st->hosts[i].addr,
                           (long long)st->hosts[i].at);
            sep = ",";
        }
        ok = ok && pt_kv_put(buf, cap, pos, "\n");
    }
    sep = " ";
    if (ok && st->nburned > 0) {
        ok = pt_kv_put(buf, cap, pos, "burned =");
        for (unsigned i = 0; ok && i < st->nburned; i++) {
            ok = pt_kv_put(buf, cap, pos, "%s%lld", sep, (long long)st->burned[i]);
            sep = ",";
        }
        ok = ok && pt_kv_put(buf, cap, pos, "\n");
    }
    return ok;
}

int pt_state_format(const pt_state *st, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (st->nfailures > PT_FAILURES_MAX || st->last_step < -1 || st->lock_until < -1 ||
        st->first_required < 0 || st->nothers > PT_STATE_OTHERS)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < st->nfailures; i++)
        if (st->failures[i] < 0)
            return PT_ERR_INVAL;
    if (st->nhosts > PT_HOSTS_MAX || st->nburned > PT_BURNED_MAX)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < st->nhosts; i++) {
        pt_addr a;
        if (st->hosts[i].at < 0 || strchr(st->hosts[i].addr, ',') ||
            pt_addr_parse(st->hosts[i].addr, &a) != PT_OK)
            return PT_ERR_INVAL;
    }
    for (unsigned i = 0; i < st->nburned; i++)
        if (st->burned[i] < 0)
            return PT_ERR_INVAL;
    char *buf = malloc(STATE_FORMAT_CAP);
    if (!buf)
        return PT_ERR_NOMEM;
    size_t pos = 0;
    bool ok = pt_kv_put(buf, STATE_FORMAT_CAP, &pos, "version = %d\nenrolment = %s\nlast_step = %lld\n",
                  PT_STATE_VERSION, st->enrolment[0] ? st->enrolment : "-",
                  (long long)st->last_step) &&
              format_lists(st, buf, STATE_FORMAT_CAP, &pos) &&
              pt_kv_put(buf, STATE_FORMAT_CAP, &pos,
                  "lock_until = %lld\nfirst_required = %lld\nstep_period = %u\n",
                  (long long)st->lock_until, (long long)st->first_required, st->step_period) &&
              format_others(st, buf, STATE_FORMAT_CAP, &pos) &&
              format_optional(st, buf, STATE_FORMAT_CAP, &pos) &&
              pt_state_format_last_used(st, buf, STATE_FORMAT_CAP, &pos);
    if (!ok) {
        free(buf);
        return PT_ERR_TOOBIG;
    }
    *out = buf;
    *len = pos;
    return PT_OK;
}

static pt_used_set *find_other(pt_state *st, const char *id)
{
    for (unsigned i = 0; i < st->nothers; i++)
        if (strcmp(st->others[i].enrolment, id) == 0)
            return &st->others[i];
    return NULL;
}

static void drop_other(pt_state *st, pt_used_set *o)
{
    size_t i = (size_t)(o - st->others);
    memmove(o, o + 1, (st->nothers - i - 1) * sizeof *o);
    st->nothers--;
}

/* Adds used marks of enrolment id to the other sets (a union with what is there); when full,
 * the oldest set goes. */
static void keep_other(pt_state *st, const char *id, const uint8_t used[PT_BACKUP_MAX])
{
    if (id[0] == '\0' || !any_used(used))
        return;
    pt_used_set *o = find_other(st, id);
    if (!o) {
        if (st->nothers == PT_STATE_OTHERS)
            drop_other(st, &st->others[0]);
        o = &st->others[st->nothers++];
        memset(o, 0, sizeof *o);
        snprintf(o->enrolment, sizeof o->enrolment, "%s", id);
    }
    for (unsigned i = 0; i < PT_BACKUP_MAX; i++)
        o->used[i] |= used[i];
}

void pt_state_bind(pt_state *st, const char *enrolment_id)
{
    if (strncmp(st->enrolment, enrolment_id, sizeof st->enrolment) == 0)
        return;
    /* Two names of one uid may have two enrolments (system mode, %u): the record alternates
     * between them, and each set's used codes must stay used. */
    keep_other(st, st->enrolment, st->used);
    memset(st->used, 0, sizeof st->used);
    pt_used_set *o = find_other(st, enrolment_id);
    if (o) {
        memcpy(st->used, o->used, sizeof st->used);
        drop_other(st, o);
    }
    pt_state_forget_hosts(st);
    /* Burned steps are kept: a new id may keep the secret (new backup codes), and a burned step
     * can only refuse a code for at most the 15 minutes it lies ahead. */
    snprintf(st->enrolment, sizeof st->enrolment, "%s", enrolment_id);
}

/* The start of a step in seconds, for comparing steps of different periods (0: the same
 * unknown period on both sides, compare the steps themselves). */
static bool step_newer(int64_t a, unsigned pa, int64_t b, unsigned pb)
{
    if (a < 0 || b < 0 || pa == 0 || pb == 0 || pa == pb)
        return a > b;
    int64_t sa, sb;
    if (__builtin_mul_overflow(a, (int64_t)pa, &sa))
        return true;
    if (__builtin_mul_overflow(b, (int64_t)pb, &sb))
        return false;
    return sa > sb;
}

static int cmp_time(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

int pt_state_merge(pt_state *dst, const pt_state *src)
{
    int64_t *all = malloc(2 * PT_FAILURES_MAX * sizeof *all);
    if (!all)
        return PT_ERR_NOMEM;
    if (step_newer(src->last_step, src->step_period, dst->last_step, dst->step_period)) {
        dst->last_step = src->last_step;
        dst->step_period = src->step_period;
    }
    /* Used codes: of the same enrolment, a union; of another, kept as another set. */
    if (dst->enrolment[0] == '\0' && src->enrolment[0] != '\0') {
        pt_used_set *o = find_other(dst, src->enrolment);
        snprintf(dst->enrolment, sizeof dst->enrolment, "%s", src->enrolment);
        if (o) {
            memcpy(dst->used, o->used, sizeof dst->used);
            drop_other(dst, o);
        }
    }
    if (strcmp(dst->enrolment, src->enrolment) == 0) {
        for (unsigned i = 0; i < PT_BACKUP_MAX; i++)
            dst->used[i] |= src->used[i];
    } else {
        keep_other(dst, src->enrolment, src->used);
    }
    for (unsigned k = 0; k < src->nothers; k++) {
        if (strcmp(dst->enrolment, src->others[k].enrolment) == 0) {
            for (unsigned i = 0; i < PT_BACKUP_MAX; i++)
                dst->used[i] |= src->others[k].used[i];
        } else {
            keep_other(dst, src->others[k].enrolment, src->others[k].used);
        }
    }
    /* Devices' last use: the newer of the two per device. */
    for (unsigned i = 0; i < src->ndevices && i < PT_DEVICES_MAX; i++)
        if (src->last_used[i].t > pt_state_device_last_used(dst, src->last_used[i].id))
            pt_state_device_used(dst, src->last_used[i].id, src->last_used[i].t);
    /* Failures: the union of both (a time in both counts once: merging the same record twice
     * adds nothing), the newest PT_FAILURES_MAX kept. */
    unsigned n = 0;
    for (unsigned i = 0; i < dst->nfailures && i < PT_FAILURES_MAX; i++)
        all[n++] = dst->failures[i];
    for (unsigned i = 0; i < src->nfailures && i < PT_FAILURES_MAX; i++)
        all[n++] = src->failures[i];
    qsort(all, n, sizeof all[0], cmp_time);
    unsigned u = 0;
    for (unsigned i = 0; i < n; i++)
        if (u == 0 || all[u - 1] != all[i])
            all[u++] = all[i];
    unsigned from = u > PT_FAILURES_MAX ? u - PT_FAILURES_MAX : 0;
    dst->nfailures = u - from;
    memcpy(dst->failures, all + from, dst->nfailures * sizeof all[0]);
    free(all);
    /* The longer lock wins; until an admin unlocks (-1) is the longest. */
    if (src->lock_until == -1 || (dst->lock_until != -1 && src->lock_until > dst->lock_until))
        dst->lock_until = src->lock_until;
    /* Grace only shrinks: the earlier start. */
    if (src->first_required > 0 &&
        (dst->first_required == 0 || src->first_required < dst->first_required))
        dst->first_required = src->first_required;
    return PT_OK;
}

bool pt_state_remember_host(pt_state *st, const char *rhost, int64_t now)
{
    pt_addr a;
    char canon[PT_ADDR_STR];
    if (now < 0 || pt_addr_parse(rhost, &a) != PT_OK ||
        pt_addr_format(&a, canon, sizeof canon) != PT_OK)
        return false;
    for (unsigned i = 0; i < st->nhosts; i++) {
        if (strcmp(st->hosts[i].addr, canon) == 0) {
            st->hosts[i].at = now;
            return true;
        }
    }
    if (st->nhosts >= PT_HOSTS_MAX) {
        unsigned oldest = 0;
        for (unsigned i = 1; i < st->nhosts; i++)
            if (st->hosts[i].at < st->hosts[oldest].at)
                oldest = i;
        st->hosts[oldest] = st->hosts[st->nhosts - 1];
        st->nhosts--;
    }
    snprintf(st->hosts[st->nhosts].addr, sizeof st->hosts[0].addr, "%s", canon);
    st->hosts[st->nhosts].at = now;
    st->nhosts++;
    return true;
}

bool pt_state_host_remembered(const pt_state *st, const char *enrolment_id, const char *rhost,
                              int64_t now, unsigned seconds)
{
    pt_addr a;
    char canon[PT_ADDR_STR];
    if (seconds == 0 || enrolment_id == NULL || enrolment_id[0] == '\0' ||
        strcmp(st->enrolment, enrolment_id) != 0 || pt_addr_parse(rhost, &a) != PT_OK ||
        pt_addr_format(&a, canon, sizeof canon) != PT_OK)
        return false;
    for (unsigned i = 0; i < st->nhosts && i < PT_HOSTS_MAX; i++) {
        if (strcmp(st->hosts[i].addr, canon) != 0)
            continue;
        /* A time in the future (the clock went back) does not count: fail closed. */
        int64_t at = st->hosts[i].at;
        return at <= now && now - at < (int64_t)seconds;
    }
    return false;
}

void pt_state_forget_hosts(pt_state *st)
{
    memset(st->hosts, 0, sizeof st->hosts);
    st->nhosts = 0;
}

void pt_state_burn_step(pt_state *st, int64_t step, int64_t now_step)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < st->nburned && i < PT_BURNED_MAX; i++)
        if (st->burned[i] >= now_step - 1 && st->burned[i] != step)
            st->burned[kept++] = st->burned[i];
    st->nburned = kept;
    if (st->nburned == PT_BURNED_MAX) {
        memmove(st->burned, st->burned + 1, (PT_BURNED_MAX - 1) * sizeof st->burned[0]);
        st->nburned--;
    }
    st->burned[st->nburned++] = step;
}

bool pt_state_is_burned(const pt_state *st, int64_t step)
{
    for (unsigned i = 0; i < st->nburned && i < PT_BURNED_MAX; i++)
        if (st->burned[i] == step)
            return true;
    return false;
}

unsigned pt_state_codes_left(const pt_state *st, const pt_backup_set *set)
{
    unsigned left = 0;
    for (unsigned i = 0; i < set->count && i < PT_BACKUP_MAX; i++)
        if (!st->used[i])
            left++;
    return left;
}

int64_t pt_state_lock_left(const pt_state *st, int64_t now)
{
    if (st->lock_until == -1)
        return -1;
    if (st->lock_until == 0)
        return 0; /* none, whatever the clock says */
    now = pt_state_time(now);
    if (st->lock_until > now)
        return st->lock_until - now;
    return 0;
}

bool pt_state_record_failure(pt_state *st, const pt_options *o, int64_t now)
{
    now = pt_state_time(now);
    bool was_locked = pt_state_lock_left(st, now) != 0;
    /* A lock that has run out starts a fresh count: the failures that caused it are spent. */
    if (st->lock_until > 0 && st->lock_until <= now) {
        st->lock_until = 0;
        st->nfailures = 0;
    }
    /* Keep only the failures within fail_interval of now. */
    unsigned kept = 0;
    for (unsigned i = 0; i < st->nfailures && i < PT_FAILURES_MAX; i++)
        if (st->failures[i] > now - (int64_t)o->fail_interval)
            st->failures[kept++] = st->failures[i];
    st->nfailures = kept;
    if (st->nfailures == PT_FAILURES_MAX) {
        memmove(st->failures, st->failures + 1, (PT_FAILURES_MAX - 1) * sizeof st->failures[0]);
        st->nfailures--;
    }
    st->failures[st->nfailures++] = now;
    if (was_locked || st->nfailures < o->deny)
        return false;
    st->lock_until = o->unlock_time ? now + (int64_t)o->unlock_time : -1;
    /* A locked account starts over: no remembered host lets it skip a code afterwards. */
    pt_state_forget_hosts(st);
    return true;
}

void pt_state_clear_failures(pt_state *st)
{
    st->nfailures = 0;
    st->lock_until = 0;
}

/* The runtime state: strict format and parse, and the lockout bookkeeping (state.h).
 * Reading and writing the file under its lock is in state_io.c. */
#include "state.h"

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
    K_NKEYS
};
static const char *const key_names[K_NKEYS] = {
    "version", "enrolment", "last_step", "used", "failures", "lock_until", "first_required",
    "step_period",
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
    case K_FAILURES:
        if (!parse_list(v, n, st, failure_item))
            return pt_kv_error(path, kv->line, "failures must be a comma-separated list of at "
                               "most %d times", PT_FAILURES_MAX);
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

int pt_state_format(const pt_state *st, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (st->nfailures > PT_FAILURES_MAX || st->last_step < -1 || st->lock_until < -1 ||
        st->first_required < 0)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < st->nfailures; i++)
        if (st->failures[i] < 0)
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
              pt_state_format_last_used(st, buf, STATE_FORMAT_CAP, &pos);
    if (!ok) {
        free(buf);
        return PT_ERR_TOOBIG;
    }
    *out = buf;
    *len = pos;
    return PT_OK;
}

void pt_state_bind(pt_state *st, const char *enrolment_id)
{
    if (strncmp(st->enrolment, enrolment_id, sizeof st->enrolment) == 0)
        return;
    memset(st->used, 0, sizeof st->used);
    snprintf(st->enrolment, sizeof st->enrolment, "%s", enrolment_id);
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
    if (st->lock_until > now)
        return st->lock_until - now;
    return 0;
}

bool pt_state_record_failure(pt_state *st, const pt_options *o, int64_t now)
{
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
    return true;
}

void pt_state_clear_failures(pt_state *st)
{
    st->nfailures = 0;
    st->lock_until = 0;
}

/* The runtime state's record of when each device last logged in (state.h). Kept by root in
 * state_dir, not in the user's file: the user cannot fake it, and logins never write into homes. */
#include "state.h"

#include <stdio.h>
#include <string.h>

#include "kvline.h"
#include "pt_error.h"

static int find(const pt_state *st, const char *id)
{
    for (unsigned i = 0; i < st->ndevices && i < PT_DEVICES_MAX; i++)
        if (strncmp(st->last_used[i].id, id, sizeof st->last_used[i].id) == 0)
            return (int)i;
    return -1;
}

void pt_state_device_used(pt_state *st, const char *device_id, int64_t now)
{
    int i = find(st, device_id);
    if (i < 0 && st->ndevices < PT_DEVICES_MAX) {
        i = (int)st->ndevices++;
    } else if (i < 0) {
        i = 0;
        for (unsigned j = 1; j < PT_DEVICES_MAX; j++)
            if (st->last_used[j].t < st->last_used[i].t)
                i = (int)j;
    }
    snprintf(st->last_used[i].id, sizeof st->last_used[i].id, "%s", device_id);
    st->last_used[i].t = now;
}

int64_t pt_state_device_last_used(const pt_state *st, const char *device_id)
{
    int i = find(st, device_id);
    return i < 0 ? -1 : st->last_used[i].t;
}

void pt_state_prune_devices(pt_state *st, const pt_enrolment *e)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < st->ndevices && i < PT_DEVICES_MAX; i++) {
        bool known = false;
        for (unsigned j = 0; j < e->ndevices && !known; j++)
            known = strcmp(st->last_used[i].id, e->dev[j].id) == 0;
        if (known)
            st->last_used[kept++] = st->last_used[i];
    }
    for (unsigned i = kept; i < PT_DEVICES_MAX; i++)
        memset(&st->last_used[i], 0, sizeof st->last_used[i]);
    /* A device that logged in is gone (removed, maybe lost): a host remembered after one of its
     * codes must ask again. Which device remembered which host is not kept, so all go. */
    if (kept < st->ndevices)
        pt_state_forget_hosts(st);
    st->ndevices = kept;
}

static bool hex_id(const char *s, size_t n)
{
    if (n != PT_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int pt_state_parse_last_used(const char *v, size_t n, const char *path, unsigned line,
                             pt_state *st)
{
    const char *comma = memchr(v, ',', n);
    int64_t t;
    if (comma == NULL || !hex_id(v, (size_t)(comma - v)) ||
        !pt_kv_parse_i64(comma + 1, n - (size_t)(comma - v) - 1, 0, INT64_MAX, &t))
        return pt_kv_error(path, line, "last_used must be DEVICE,TIME (%d lower-case hex "
                           "digits, a comma, UNIX seconds)", PT_ID_HEX);
    char id[PT_ID_HEX + 1];
    memcpy(id, v, PT_ID_HEX);
    id[PT_ID_HEX] = '\0';
    if (find(st, id) >= 0)
        return pt_kv_error(path, line, "last_used names device %s twice", id);
    if (st->ndevices >= PT_DEVICES_MAX)
        return pt_kv_error(path, line, "more than %d last_used lines", PT_DEVICES_MAX);
    memcpy(st->last_used[st->ndevices].id, id, sizeof id);
    st->last_used[st->ndevices++].t = t;
    return PT_OK;
}

bool pt_state_format_last_used(const pt_state *st, char *buf, size_t cap, size_t *pos)
{
    bool ok = true;
    for (unsigned i = 0; ok && i < st->ndevices && i < PT_DEVICES_MAX; i++)
        ok = pt_kv_put(buf, cap, pos, "last_used = %s,%lld\n", st->last_used[i].id,
                       (long long)st->last_used[i].t);
    return ok;
}

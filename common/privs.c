/* Acting as the user on the file system: supplementary groups, fsgid, fsuid, in that order, and
 * back in reverse. Every step is checked after it is made (setfsuid/setfsgid report no errors,
 * only the previous value), and a failure undoes what was done, so the caller either acts fully
 * as the user or not at all. */
#include "privs.h"

#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "log.h"
#include "pt_error.h"
#include "user.h"

/* The current supplementary groups in a malloc'd array. */
static int current_groups(gid_t **out, int *count)
{
    int n = getgroups(0, NULL);
    gid_t *g;

    if (n < 0)
        return PT_ERR_PERM;
    g = calloc((size_t)n + 1, sizeof *g);
    if (!g)
        return PT_ERR_NOMEM;
    n = getgroups(n, g);
    if (n < 0) {
        free(g);
        return PT_ERR_PERM;
    }
    *out = g;
    *count = n;
    return PT_OK;
}

/* The user's groups (getgrouplist, as user.c looks them up), or just gid when there is no name. */
static int user_groups(const char *name, gid_t gid, gid_t **out, int *count)
{
    if (name)
        return pt_user_group_ids(name, gid, out, count) == PT_OK ? PT_OK : PT_ERR_PERM;
    *out = malloc(sizeof **out);
    if (!*out)
        return PT_ERR_NOMEM;
    (*out)[0] = gid;
    *count = 1;
    return PT_OK;
}

/* Did setgroups take effect? The kernel keeps its own order, so compare as sets. */
static bool groups_are(const gid_t *want, int nwant)
{
    gid_t *have = NULL;
    int nhave = 0;
    bool same;

    if (current_groups(&have, &nhave) != PT_OK)
        return false;
    same = nhave == nwant;
    for (int i = 0; same && i < nwant; i++) {
        bool found = false;
        for (int j = 0; j < nhave && !found; j++)
            found = have[j] == want[i];
        same = found;
    }
    free(have);
    return same;
}

static bool set_groups_checked(const gid_t *g, int n)
{
    return setgroups((size_t)n, g) == 0 && groups_are(g, n);
}

/* setfsgid/setfsuid return the previous id; setting the same id again returns the current one. */
static bool set_fsgid_checked(gid_t gid)
{
    setfsgid(gid);
    return (gid_t)setfsgid(gid) == gid;
}

static bool set_fsuid_checked(uid_t uid)
{
    setfsuid(uid);
    return (uid_t)setfsuid(uid) == uid;
}

/* Switches to uid/gid with the supplementary groups g[0..n-1]. */
static int drop_to(pt_privs *saved, uid_t uid, gid_t gid, const gid_t *ug, int nug)
{
    if (current_groups(&saved->groups, &saved->ngroups) != PT_OK)
        goto fail;
    saved->old_fsgid = (gid_t)setfsgid((gid_t)-1); /* an invalid id only reports the current */
    saved->old_fsuid = (uid_t)setfsuid((uid_t)-1);
    if (!set_groups_checked(ug, nug))
        goto undo_groups;
    if (!set_fsgid_checked(gid))
        goto undo_fsgid;
    if (!set_fsuid_checked(uid))
        goto undo_fsuid;
    saved->active = 1;
    return PT_OK;

undo_fsuid:
    set_fsuid_checked(saved->old_fsuid);
undo_fsgid:
    set_fsgid_checked(saved->old_fsgid);
undo_groups:
    set_groups_checked(saved->groups, saved->ngroups);
fail:
    free(saved->groups);
    saved->groups = NULL;
    pt_log(LOG_ERR, "cannot switch the file-system identity to uid %u gid %u", (unsigned)uid,
           (unsigned)gid);
    return PT_ERR_PERM;
}

/* PT_OK and nothing to do when not root but already uid; PT_ERR_PERM when not root otherwise;
 * 1 when a switch is needed. */
static int need_switch(pt_privs *saved, uid_t uid)
{
    if (!saved)
        return PT_ERR_PERM;
    memset(saved, 0, sizeof *saved);
    if (geteuid() == 0)
        return 1;
    if (uid == geteuid())
        return PT_OK;
    pt_log(LOG_ERR, "cannot act as uid %u: not running as root", (unsigned)uid);
    return PT_ERR_PERM;
}

int pt_privs_drop(pt_privs *saved, const char *name, uid_t uid, gid_t gid)
{
    int rc = need_switch(saved, uid);
    if (rc != 1)
        return rc;
    gid_t *ug = NULL;
    int nug = 0;
    if (user_groups(name, gid, &ug, &nug) != PT_OK) {
        pt_log(LOG_ERR, "cannot switch the file-system identity to uid %u gid %u: the group "
                        "list is unreadable", (unsigned)uid, (unsigned)gid);
        return PT_ERR_PERM;
    }
    rc = drop_to(saved, uid, gid, ug, nug);
    free(ug);
    return rc;
}

int pt_privs_drop_user(pt_privs *saved, const pt_user *u)
{
    if (!u)
        return PT_ERR_PERM;
    if (u->ngids <= 0) /* filled without gids: look them up */
        return pt_privs_drop(saved, u->name, u->uid, u->gid);
    int rc = need_switch(saved, u->uid);
    return rc != 1 ? rc : drop_to(saved, u->uid, u->gid, u->gids, u->ngids);
}

int pt_privs_restore(pt_privs *saved)
{
    bool ok = true;

    if (!saved)
        return PT_ERR_PERM;
    if (!saved->active)
        return PT_OK;
    ok = set_fsuid_checked(saved->old_fsuid) && ok;
    ok = set_fsgid_checked(saved->old_fsgid) && ok;
    ok = set_groups_checked(saved->groups, saved->ngroups) && ok;
    free(saved->groups);
    saved->groups = NULL;
    saved->ngroups = 0;
    saved->active = 0;
    if (!ok) {
        pt_log(LOG_ERR, "cannot restore the file-system identity; refusing to continue");
        return PT_ERR_PERM;
    }
    return PT_OK;
}

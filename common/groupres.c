/* The policy's group names resolved to gids (policy.h). Done once per login or command, before
 * the pure decision: the kernel, sudo and the file system know a group by its gid, and two names
 * may share one (groupadd -o), so deciding by name would miss a member listed under the other. */
#include "policy.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"

#define NSS_BUF_MAX (1024 * 1024) /* as user.c: a sane upper bound for one group record */

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

/* The gid of name: PT_OK (found), PT_ERR_NOENT (no such group), PT_ERR_NOMEM, PT_ERR_IO. */
static int gid_of(const char *name, gid_t *gid)
{
    size_t bufsz = 1024;
    char *buf = NULL;
    struct group gr, *res = NULL;
    int err;

    for (;;) {
        char *grown = realloc(buf, bufsz);
        if (!grown) {
            free(buf);
            return PT_ERR_NOMEM;
        }
        buf = grown;
        err = getgrnam_r(name, &gr, buf, bufsz, &res);
        if (err != ERANGE || bufsz >= NSS_BUF_MAX)
            break;
        bufsz *= 2;
    }
    if (err == 0 && res)
        *gid = res->gr_gid;
    free(buf);
    if (err == 0 || err == ENOENT || err == ESRCH)
        return res ? PT_OK : PT_ERR_NOENT;
    pt_log(LOG_ERR, "group %s: lookup failed: %s", name, strerror(err));
    return PT_ERR_IO;
}

static int add_gid(pt_gidset *set, gid_t gid)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->gids[i] == gid)
            return PT_OK;
    gid_t *g = realloc(set->gids, (set->n + 1) * sizeof *g);
    if (!g)
        return PT_ERR_NOMEM;
    set->gids = g;
    set->gids[set->n++] = gid;
    return PT_OK;
}

/* Every name of list into set. key names the list for the warning about a missing group. */
static int resolve_list(const char *list, const char *key, bool warn, pt_gidset *set)
{
    char name[PT_LIST_MAX];
    for (const char *p = list; *p;) {
        while (*p && is_sep(*p))
            p++;
        const char *start = p;
        while (*p && !is_sep(*p))
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            continue;
        memcpy(name, start, n);
        name[n] = '\0';
        gid_t gid = 0;
        int rc = gid_of(name, &gid);
        if (rc == PT_ERR_NOENT) {
            /* The config is root's: its names are safe to log (and escaped by pt_log anyway). */
            pt_log(warn ? LOG_WARNING : LOG_DEBUG, "%s: no group named %s; it matches no one",
                   key, name);
            continue;
        }
        if (rc == PT_OK)
            rc = add_gid(set, gid);
        if (rc != PT_OK)
            return rc;
    }
    return PT_OK;
}

int pt_group_policy_resolve(const pt_options *o, pt_group_policy *gp)
{
    memset(gp, 0, sizeof *gp);
    int rc = PT_OK;
    if (o->mfa == PT_MFA_REQUIRED_FOR_ADMINS)
        rc = resolve_list(o->admin_groups, "admin_groups", false, &gp->admin);
    if (rc == PT_OK)
        rc = resolve_list(o->require_groups, "require_groups", true, &gp->require);
    if (rc == PT_OK)
        rc = resolve_list(o->exempt_groups, "exempt_groups", false, &gp->exempt);
    if (rc != PT_OK)
        pt_group_policy_free(gp);
    return rc;
}

void pt_group_policy_free(pt_group_policy *gp)
{
    if (!gp)
        return;
    free(gp->admin.gids);
    free(gp->require.gids);
    free(gp->exempt.gids);
    memset(gp, 0, sizeof *gp);
}

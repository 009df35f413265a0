/* What the core knows about an account: name, ids, home, shell and every group by name.
 * Group membership decides policy (admin_groups, require_groups, exempt_groups), so a lookup
 * that fails part-way is an error, never a shorter list. */
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "pt_error.h"

#define PT_NSS_BUF_MAX (1024 * 1024) /* a sane upper bound for one passwd/group record */

static bool name_ok(const char *name)
{
    size_t n = name ? strnlen(name, PT_USER_MAX) : 0;

    return n > 0 && n < PT_USER_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

int pt_user_group_ids(const char *name, gid_t gid, gid_t **out, int *count)
{
    int n = 32;
    gid_t *ids = NULL;

    for (;;) {
        gid_t *grown = realloc(ids, (size_t)n * sizeof *ids);
        if (!grown) {
            free(ids);
            return PT_ERR_NOMEM;
        }
        ids = grown;
        int want = n;
        if (getgrouplist(name, gid, ids, &want) >= 0) {
            n = want;
            break;
        }
        /* Fail closed: a list cut short could hide a require_groups membership. */
        if (want > PT_GROUPS_MAX || want <= n) {
            free(ids);
            char q[PT_AUDIT_NAME_MAX];
            pt_log(LOG_ERR, "user %s: in more than %d groups (or the group list is unreadable)",
                   pt_audit_value(q, sizeof q, name), PT_GROUPS_MAX);
            return PT_ERR_INVAL;
        }
        n = want;
    }
    *out = ids;
    *count = n;
    return PT_OK;
}

/* The name of gid in a malloc'd string; *name NULL when the group has no entry. */
static int group_name(gid_t gid, char **name)
{
    size_t bufsz = 1024;
    char *buf = NULL;
    struct group gr, *res = NULL;
    int err;

    *name = NULL;
    for (;;) {
        char *grown = realloc(buf, bufsz);
        if (!grown) {
            free(buf);
            return PT_ERR_NOMEM;
        }
        buf = grown;
        err = getgrgid_r(gid, &gr, buf, bufsz, &res);
        if (err != ERANGE || bufsz >= PT_NSS_BUF_MAX)
            break;
        bufsz *= 2;
    }
    if (err == 0 && res && res->gr_name)
        *name = strdup(res->gr_name);
    free(buf);
    if (err != 0 && err != ENOENT && err != ESRCH) {
        pt_log(LOG_ERR, "group %u: lookup failed: %s", (unsigned)gid, strerror(err));
        return PT_ERR_IO;
    }
    if (res && !*name)
        return PT_ERR_NOMEM;
    return PT_OK;
}

int pt_user_load_group_names(pt_user *u)
{
    int rc = PT_OK;

    if (!u || u->ngids <= 0 || u->groups)
        return u && u->groups ? PT_OK : PT_ERR_INVAL;
    u->groups = calloc((size_t)u->ngids + 1, sizeof *u->groups);
    if (!u->groups)
        return PT_ERR_NOMEM;
    for (int i = 0; i < u->ngids; i++) {
        char *name = NULL;
        rc = group_name(u->gids[i], &name);
        if (rc != PT_OK)
            break;
        if (name) /* a gid without a group entry has no name to match in the config */
            u->groups[u->ngroups++] = name;
    }
    return rc;
}

int pt_user_init(pt_user *u, const char *name, uid_t uid, gid_t gid, const char *home,
                 const char *shell)
{
    if (!u)
        return PT_ERR_INVAL;
    memset(u, 0, sizeof *u);
    if (!name_ok(name))
        return PT_ERR_INVAL;
    if (!home)
        home = "";
    if (!shell)
        shell = "";
    if (strlen(home) >= sizeof u->home || strlen(shell) >= sizeof u->shell)
        return PT_ERR_INVAL;
    snprintf(u->name, sizeof u->name, "%s", name);
    snprintf(u->home, sizeof u->home, "%s", home);
    snprintf(u->shell, sizeof u->shell, "%s", shell);
    u->uid = uid;
    u->gid = gid;
    return PT_OK;
}

int pt_user_from_passwd_ids(pt_user *u, const char *name, uid_t uid, gid_t gid,
                            const char *home, const char *shell)
{
    int rc = pt_user_init(u, name, uid, gid, home, shell);
    if (rc == PT_OK)
        rc = pt_user_group_ids(u->name, u->gid, &u->gids, &u->ngids);
    if (rc != PT_OK && u)
        pt_user_free(u);
    return rc;
}

int pt_user_from_passwd(pt_user *u, const char *name, uid_t uid, gid_t gid, const char *home,
                        const char *shell)
{
    int rc = pt_user_from_passwd_ids(u, name, uid, gid, home, shell);
    if (rc == PT_OK)
        rc = pt_user_load_group_names(u);
    if (rc != PT_OK && u)
        pt_user_free(u);
    return rc;
}

int pt_user_lookup(pt_user *u, const char *name)
{
    size_t bufsz = 4096;
    char *buf = NULL;
    struct passwd pw, *res = NULL;
    int err, rc;

    if (!u)
        return PT_ERR_INVAL;
    memset(u, 0, sizeof *u);
    if (!name_ok(name))
        return PT_ERR_INVAL;
    for (;;) {
        char *grown = realloc(buf, bufsz);
        if (!grown) {
            free(buf);
            return PT_ERR_NOMEM;
        }
        buf = grown;
        err = getpwnam_r(name, &pw, buf, bufsz, &res);
        if (err != ERANGE || bufsz >= PT_NSS_BUF_MAX)
            break;
        bufsz *= 2;
    }
    if (err == 0 && res)
        rc = pt_user_from_passwd(u, res->pw_name, res->pw_uid, res->pw_gid, res->pw_dir,
                                 res->pw_shell);
    else if (err == 0 || err == ENOENT || err == ESRCH)
        rc = PT_ERR_NOENT;
    else {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_ERR, "user %s: lookup failed: %s", pt_audit_value(q, sizeof q, name),
               strerror(err));
        rc = PT_ERR_IO;
    }
    free(buf);
    return rc;
}

void pt_user_free(pt_user *u)
{
    if (!u)
        return;
    if (u->groups) {
        for (size_t i = 0; i < u->ngroups; i++)
            free(u->groups[i]);
        free(u->groups);
    }
    u->groups = NULL;
    u->ngroups = 0;
    free(u->gids);
    u->gids = NULL;
    u->ngids = 0;
}

/* What the core needs to know about an account. The front ends fill it (the module from
 * pam_modutil_getpwnam, the CLI from getpwnam). */
#ifndef PT_USER_H
#define PT_USER_H

#include <stddef.h>
#include <sys/types.h>

#define PT_USER_MAX 256
#define PT_GROUPS_MAX 1024

typedef struct {
    char name[PT_USER_MAX];
    uid_t uid;
    gid_t gid;
    char home[4096];
    char shell[4096];
    size_t ngroups;
    char **groups; /* names of every group the user is in, primary included (when looked up) */
    int ngids;
    gid_t *gids;   /* every gid the user is in, primary first (for acting as the user) */
} pt_user;

/* Fills u from a passwd entry and getgrouplist() (gids and group names). PT_OK, PT_ERR_NOENT
 * (no such user), PT_ERR_INVAL (name too long or with '/'), PT_ERR_NOMEM. */
int pt_user_from_passwd(pt_user *u, const char *name, uid_t uid, gid_t gid, const char *home,
                        const char *shell);
/* The passwd fields only, checked (name without '/', not "." or ".."; lengths): no groups. */
int pt_user_init(pt_user *u, const char *name, uid_t uid, gid_t gid, const char *home,
                 const char *shell);
/* The same with the gids only (one getgrouplist, no name lookups): for a login whose policy
 * names no groups. pt_user_load_group_names adds the names when the policy needs them. */
int pt_user_from_passwd_ids(pt_user *u, const char *name, uid_t uid, gid_t gid,
                            const char *home, const char *shell);
int pt_user_load_group_names(pt_user *u);
/* Every gid of a user (getgrouplist, primary first), growing the buffer as it asks; more than
 * PT_GROUPS_MAX, or an unreadable list, is PT_ERR_INVAL (never a shorter list). */
int pt_user_group_ids(const char *name, gid_t gid, gid_t **out, int *count);
/* getpwnam + pt_user_from_passwd. */
int pt_user_lookup(pt_user *u, const char *name);
void pt_user_free(pt_user *u);

/* The group database read once, for commands that resolve every account (pam-totp list):
 * getgrouplist() reads the whole database for each user, so calling it per account is
 * users x groups. The map comes from one setgrent/getgrent_r/endgrent pass: member name ->
 * gids, and gid -> name (the first entry of each gid, as getgrgid finds it). It sees what the
 * NSS sources enumerate; a source that does not enumerate (LDAP with enumeration off) answers
 * getgrouplist only, so one-user paths (the module) keep pt_user_from_passwd. */
typedef struct pt_groupmap pt_groupmap;

/* Reads the group database. PT_OK, PT_ERR_NOMEM, PT_ERR_IO (the database could not be read to
 * its end: no partial map). Free with pt_groupmap_free. */
int pt_groupmap_load(pt_groupmap **out);
void pt_groupmap_free(pt_groupmap *m);

/* As pt_user_from_passwd, with the groups from m instead of getgrouplist(): the primary gid,
 * then every group listing the user as a member, each gid once, named by m (a gid without a
 * group entry has no name). More than PT_GROUPS_MAX groups is PT_ERR_INVAL, never a shorter
 * list. */
int pt_user_from_passwd_map(pt_user *u, const pt_groupmap *m, const char *name, uid_t uid,
                            gid_t gid, const char *home, const char *shell);
/* The gids of that list, primary first, each once (what getgrouplist gives, for setgroups): a
 * malloc'd array in *out, its length in *count. PT_OK, PT_ERR_INVAL (over PT_GROUPS_MAX, or no
 * map), PT_ERR_NOMEM. */
int pt_groupmap_gids(const pt_groupmap *m, const char *name, gid_t gid, gid_t **out, int *count);

#endif

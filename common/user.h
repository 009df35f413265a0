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
    char **groups; /* names of every group the user is in, primary included */
} pt_user;

/* Fills u from a passwd entry and getgrouplist(). PT_OK, PT_ERR_NOENT (no such user),
 * PT_ERR_INVAL (name too long or with '/'), PT_ERR_NOMEM. */
int pt_user_from_passwd(pt_user *u, const char *name, uid_t uid, gid_t gid, const char *home,
                        const char *shell);
/* getpwnam + pt_user_from_passwd. */
int pt_user_lookup(pt_user *u, const char *name);
void pt_user_free(pt_user *u);

#endif

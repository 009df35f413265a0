/* Acting as a user: switch the file-system identity (fsuid, fsgid, supplementary groups) to the
 * user's while touching files in their home, and back afterwards. Only effective when the process
 * runs as root; otherwise the calls do nothing and succeed when we already are that user. */
#ifndef PT_PRIVS_H
#define PT_PRIVS_H

#include <sys/types.h>

#include "user.h"

typedef struct {
    int active;
    uid_t old_fsuid;
    gid_t old_fsgid;
    int ngroups;
    gid_t *groups; /* the saved supplementary groups */
} pt_privs;

/* Becomes uid/gid with the user's groups (getgrouplist(name)). PT_OK or PT_ERR_PERM. */
int pt_privs_drop(pt_privs *saved, const char *name, uid_t uid, gid_t gid);
/* The same with the gids already in u (pt_user_from_passwd*), so no group lookup is repeated;
 * looks them up when u has none. */
int pt_privs_drop_user(pt_privs *saved, const pt_user *u);
/* Restores what pt_privs_drop saved. PT_OK or PT_ERR_PERM (the caller must then fail closed). */
int pt_privs_restore(pt_privs *saved);

#endif

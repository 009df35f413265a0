/* Internal to the core: what a store implements behind store.h. Each operation gets the store
 * (its options and private data); sealing is done by store.c, never here. */
#ifndef PT_STORE_IMPL_H
#define PT_STORE_IMPL_H

#include "store.h"

typedef struct {
    const char *name;
    int (*enrol_load)(pt_store *s, const pt_user *u, pt_enrolment *e);
    /* Writes e and sets e->stamp to what was written. */
    int (*enrol_store)(pt_store *s, const pt_user *u, pt_enrolment *e);
    /* 1 when the stored enrolment is no longer the one e->stamp names, 0 the same, < 0 cannot
     * tell (callers take it as changed). */
    int (*enrol_changed)(pt_store *s, const pt_user *u, const pt_enrolment *e);
    int (*enrol_remove)(pt_store *s, const pt_user *u);
    int (*state_read)(pt_store *s, const pt_user *u, pt_state *st);
    int (*state_update)(pt_store *s, const pt_user *u, pt_state_fn fn, void *ctx, pt_state *st);
    int (*state_remove)(pt_store *s, const pt_user *u);
    int (*list)(pt_store *s, pt_name_fn fn, void *ctx);
    void (*close)(pt_store *s);
} pt_store_ops;

struct pt_store {
    const pt_options *opt;
    const pt_store_ops *ops;
    void *priv;
};

extern const pt_store_ops pt_store_files_ops;
/* Opens the ldap store into s (s->opt set): store_ldap.c. */
int pt_store_ldap_open(pt_store *s);

#endif

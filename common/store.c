/* The storage seam (store.h): opening a store and sealing, common to every store. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "store_impl.h"

int pt_store_open(const pt_options *o, pt_store **out)
{
    *out = NULL;
    pt_store *s = calloc(1, sizeof *s);
    if (!s)
        return PT_ERR_NOMEM;
    s->opt = o;
    int rc = PT_OK;
    if (o->store == PT_STORE_LDAP)
        rc = pt_store_ldap_open(s);
    else
        s->ops = &pt_store_files_ops;
    if (rc != PT_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return PT_OK;
}

void pt_store_close(pt_store *s)
{
    if (!s)
        return;
    if (s->ops && s->ops->close)
        s->ops->close(s);
    free(s);
}

const char *pt_store_name(const pt_store *s)
{
    return s->ops->name;
}

int pt_store_enrolment_load(pt_store *s, const pt_user *u, pt_enrolment *e, unsigned flags)
{
    memset(e, 0, sizeof *e);
    int rc = s->ops->enrol_load(s, u, e);
    if (rc == PT_OK && (flags & PT_LOAD_SECRET))
        rc = pt_enrolment_unseal(s->opt, u, e);
    if (rc != PT_OK)
        pt_enrolment_wipe(e);
    return rc;
}

int pt_store_enrolment_store(pt_store *s, const pt_user *u, pt_enrolment *e)
{
    int rc = pt_enrolment_seal(s->opt, u, e);
    if (rc != PT_OK)
        return rc;
    return s->ops->enrol_store(s, u, e);
}

int pt_store_enrolment_changed(pt_store *s, const pt_user *u, const pt_enrolment *e)
{
    return s->ops->enrol_changed(s, u, e);
}

int pt_store_enrolment_remove(pt_store *s, const pt_user *u)
{
    return s->ops->enrol_remove(s, u);
}

int pt_store_state_read(pt_store *s, const pt_user *u, pt_state *st)
{
    return s->ops->state_read(s, u, st);
}

int pt_store_state_update(pt_store *s, const pt_user *u, pt_state_fn fn, void *ctx,
                          pt_state *st)
{
    return s->ops->state_update(s, u, fn, ctx, st);
}

int pt_store_state_remove(pt_store *s, const pt_user *u)
{
    return s->ops->state_remove(s, u);
}

int pt_store_list(pt_store *s, pt_name_fn fn, void *ctx)
{
    return s->ops->list(s, fn, ctx);
}

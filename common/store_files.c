/* store = files: a thin wrapper over the enrolment file (enrolment_io.c) and the runtime state
 * file (state_io.c); their behaviour, locking and checks are theirs. */
#include <stdlib.h>

#include "log.h"
#include "pt_error.h"
#include "store_impl.h"

static int files_enrol_load(pt_store *s, const pt_user *u, pt_enrolment *e)
{
    return pt_enrolment_load(s->opt, u, e);
}

static int files_enrol_store(pt_store *s, const pt_user *u, pt_enrolment *e)
{
    int rc = pt_enrolment_store(s->opt, u, e);
    /* What was written is what a later change by this process must find. */
    return rc == PT_OK ? pt_enrolment_restamp(s->opt, u, e) : rc;
}

static int files_enrol_changed(pt_store *s, const pt_user *u, const pt_enrolment *e)
{
    return pt_enrolment_changed(s->opt, u, e);
}

static int files_enrol_remove(pt_store *s, const pt_user *u)
{
    return pt_enrolment_remove(s->opt, u);
}

/* The last lock-free read, kept for the locked update that may follow (a login reads the state
 * to decide, asks for the code, then updates it): pt_state_read_kept, pt_state_open_locked_kept.
 * One at a time: a read for another account releases the one before. */
typedef struct {
    pt_state_kept kept;
    uid_t uid;
} files_priv;

static int files_state_read(pt_store *s, const pt_user *u, pt_state *st)
{
    files_priv *p = s->priv;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return PT_ERR_NOMEM;
        s->priv = p;
    }
    pt_state_kept_close(&p->kept);
    p->uid = u->uid;
    return pt_state_read_kept(s->opt, u, &p->kept, st);
}

/* Under the state file's lock: read (through the kept read's open record when it is still the
 * one named, else afresh), change, commit when asked, unlock. */
static int files_state_update(pt_store *s, const pt_user *u, pt_state_fn fn, void *ctx,
                              pt_state *st)
{
    pt_state_handle h;
    files_priv *p = s->priv;
    int rc = p && p->kept.valid && p->uid == u->uid
                 ? pt_state_open_locked_kept(s->opt, u, &p->kept, &h, st)
                 : pt_state_open_locked(s->opt, u, &h, st);
    if (rc != PT_OK)
        return rc;
    bool write = false;
    rc = fn(ctx, st, &write);
    if (rc == PT_OK && write)
        rc = pt_state_commit(&h, st);
    pt_state_close(&h);
    return rc;
}

static int files_state_remove(pt_store *s, const pt_user *u)
{
    return pt_state_remove(s->opt, u);
}

static int files_list(pt_store *s, pt_name_fn fn, void *ctx)
{
    (void)s;
    (void)fn;
    (void)ctx;
    return PT_ERR_INVAL;
}

static void files_close(pt_store *s)
{
    files_priv *p = s->priv;
    if (p) {
        pt_state_kept_close(&p->kept);
        free(p);
        s->priv = NULL;
    }
}

const pt_store_ops pt_store_files_ops = {
    .name = "files",
    .enrol_load = files_enrol_load,
    .enrol_store = files_enrol_store,
    .enrol_changed = files_enrol_changed,
    .enrol_remove = files_enrol_remove,
    .state_read = files_state_read,
    .state_update = files_state_update,
    .state_remove = files_state_remove,
    .list = files_list,
    .close = files_close,
};

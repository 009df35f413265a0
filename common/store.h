/* The storage seam: where enrolments and runtime state live (store = files | ldap).
 *
 * The module and the command reach enrolments and state only through these calls; `files`
 * (enrolment_file, state_dir: enrolment_io.c, state_io.c) and `ldap` (store_ldap.c: one entry
 * per user under ldap_base, DESIGN section 11) implement them. Sealing with secret_key_file is
 * done here, above both stores, so neither ever sees a secret it would write in the clear.
 *
 * A store is opened per login or per command (pt_store_open) and closed after (pt_store_close).
 * Every failure has been reported through pt_log naming what failed and why; the callers fail
 * closed on anything but PT_OK (and PT_ERR_NOENT where documented). */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <stdbool.h>
#include "config.h"
#include "enrolment.h"
#include "state.h"
#include "user.h"

typedef struct pt_store pt_store;

/* Opens the store the options name. files: nothing is opened yet. ldap: loads the LDAP client
 * library, connects to the first server of ldap_uri that answers within ldap_timeout (TLS
 * verified against ldap_tls_cacert) and binds as ldap_binddn. PT_OK with *out, else
 * PT_ERR_INVAL (configuration), PT_ERR_IO (unreachable), PT_ERR_PERM (bind refused),
 * PT_ERR_UNSAFE (a file the configuration names), PT_ERR_NOMEM. o must outlive the store. */
int pt_store_open(const pt_options *o, pt_store **out);
void pt_store_close(pt_store *s);
/* "files" or "ldap". */
const char *pt_store_name(const pt_store *s);

/* What pt_store_enrolment_load needs. PT_LOAD_SECRET: the secret is opened (unsealed) and a
 * configured secret_key_file must load; without it a sealed secret stays sealed (secret_len 0),
 * which is enough for status and list. */
#define PT_LOAD_SECRET 1u

/* The user's enrolment: PT_OK, PT_ERR_NOENT (none), or a failure. */
int pt_store_enrolment_load(pt_store *s, const pt_user *u, pt_enrolment *e, unsigned flags);
/* Writes it (sealed first when secret_key_file is set: each device's sealed form is filled).
 * Durable before PT_OK; then e->stamp names what was written. */
int pt_store_enrolment_store(pt_store *s, const pt_user *u, pt_enrolment *e);
/* Whether the stored enrolment is no longer the one e was loaded as (or last stored as): files
 * compare the file's device, inode, change time and size; ldap a SHA-256 of the attribute value.
 * 1 changed (or gone), 0 the same, < 0 cannot tell (callers take it as changed). */
int pt_store_enrolment_changed(pt_store *s, const pt_user *u, const pt_enrolment *e);
/* Removes it. PT_ERR_NOENT when there is none. */
int pt_store_enrolment_remove(pt_store *s, const pt_user *u);

/* The runtime state, read without a lock (status, list). None recorded: an initial state. */
int pt_store_state_read(pt_store *s, const pt_user *u, pt_state *st);

/* A change of the runtime state: called with the current state, it changes it in place and sets
 * *write when there is something to record. It may be called more than once in one update (the
 * ldap store re-reads and calls it again when another host changed the state in between), each
 * time with the state as it then is: it must depend only on that and its ctx, and report
 * nothing it would not report on the last call. A return other than PT_OK stops the update
 * without writing and is passed back. */
typedef int (*pt_state_fn)(void *ctx, pt_state *st, bool *write);
/* Read-modify-write of the user's state, atomic against every other login and command using
 * the same store (files: under the state file's lock; ldap: compare-and-swap at the server,
 * bounded retries). *st holds the state as last read and changed by fn. */
int pt_store_state_update(pt_store *s, const pt_user *u, pt_state_fn fn, void *ctx,
                          pt_state *st);
/* Removes the user's state (reset). None is fine. */
int pt_store_state_remove(pt_store *s, const pt_user *u);

/* The names of every user the store holds an enrolment or state for, each once, to fn (a
 * non-PT_OK return stops the walk and is passed back). files: PT_ERR_INVAL (its files are found
 * through the account database: pam-totp list walks that); ldap: the entries under ldap_base. */
typedef int (*pt_name_fn)(void *ctx, const char *name);
int pt_store_list(pt_store *s, pt_name_fn fn, void *ctx);

#endif

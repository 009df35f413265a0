/* Sealing and opening an enrolment's secrets with secret_key_file (enrolment.h, seal.h): each
 * device's secret is sealed on its own, bound to the user, the enrolment id and the device id,
 * so a sealed value copied to another user, enrolment or device does not open. */
#include "enrolment.h"

#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "seal.h"

static void forget_sealed(pt_device *d)
{
    pt_wipe(d->sealed, sizeof d->sealed);
    d->sealed_len = 0;
}

int pt_enrolment_seal(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    if (e->ndevices == 0 || e->ndevices > PT_DEVICES_MAX)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < e->ndevices; i++)
        if (e->dev[i].secret_len < PT_SEAL_SECRET_MIN)
            return PT_ERR_INVAL; /* only a sealed copy (nothing to seal anew), or too short */
    if (o->secret_key_file[0] == '\0') {
        for (unsigned i = 0; i < e->ndevices; i++)
            forget_sealed(&e->dev[i]);
        return PT_OK;
    }
    pt_seal_key key;
    int rc = pt_seal_key_load(o->secret_key_file, &key);
    for (unsigned i = 0; rc == PT_OK && i < e->ndevices; i++) {
        pt_device *d = &e->dev[i];
        rc = pt_seal(&key, u->name, e->id, d->id, d->secret, d->secret_len, d->sealed,
                     sizeof d->sealed, &d->sealed_len);
    }
    pt_wipe(&key, sizeof key);
    if (rc != PT_OK)
        pt_log(LOG_ERR, "cannot seal the secrets of %s with secret_key_file %s (%s): nothing "
                        "was stored", u->name, o->secret_key_file, pt_strerror(rc));
    return rc;
}

static int unseal_device(const pt_options *o, const pt_seal_key *key, const pt_user *u,
                         const pt_enrolment *e, pt_device *d)
{
    if (d->sealed_len == 0)
        return PT_OK;
    int rc = pt_unseal(key, u->name, e->id, d->id, d->sealed, d->sealed_len, d->secret,
                       sizeof d->secret, &d->secret_len);
    if (rc != PT_OK) {
        pt_log(LOG_ERR, "the sealed secret of %s (device %s) does not open with secret_key_file "
                        "%s: it was sealed with another key, or for another user, enrolment or "
                        "device, or altered; failing closed (pam-totp reset %s, then enrol again)",
               u->name, d->name, o->secret_key_file, u->name);
    } else if (d->secret_len < PT_SEAL_SECRET_MIN) {
        pt_wipe(d->secret, sizeof d->secret);
        d->secret_len = 0;
        rc = PT_ERR_MALFORMED;
    }
    return rc;
}

int pt_enrolment_unseal(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    if (o->secret_key_file[0] == '\0') {
        for (unsigned i = 0; i < e->ndevices; i++) {
            if (e->dev[i].sealed_len > 0) {
                pt_log(LOG_ERR, "the secret of %s is sealed, but secret_key_file is not set: set "
                                "it to the key the secret was sealed with", u->name);
                return PT_ERR_CRYPTO;
            }
        }
        return PT_OK;
    }
    pt_seal_key key;
    int rc = pt_seal_key_load(o->secret_key_file, &key);
    /* A missing key must never read as "no enrolment" (which a login would let through). */
    if (rc == PT_ERR_NOENT)
        rc = PT_ERR_CRYPTO;
    for (unsigned i = 0; rc == PT_OK && i < e->ndevices; i++)
        rc = unseal_device(o, &key, u, e, &e->dev[i]);
    pt_wipe(&key, sizeof key);
    return rc;
}

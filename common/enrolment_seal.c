/* Sealing and opening an enrolment's secret with secret_key_file (enrolment.h, seal.h). */
#include "enrolment.h"

#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "seal.h"

int pt_enrolment_seal(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    if (o->secret_key_file[0] == '\0') {
        pt_wipe(e->sealed, sizeof e->sealed);
        e->sealed_len = 0;
        return e->secret_len > 0 ? PT_OK : PT_ERR_INVAL;
    }
    if (e->secret_len == 0)
        return PT_ERR_INVAL; /* only a sealed copy: nothing to seal anew */
    pt_seal_key key;
    int rc = pt_seal_key_load(o->secret_key_file, &key);
    if (rc == PT_OK)
        rc = pt_seal(&key, u->name, e->id, e->secret, e->secret_len, e->sealed,
                     sizeof e->sealed, &e->sealed_len);
    pt_wipe(&key, sizeof key);
    if (rc != PT_OK)
        pt_log(LOG_ERR, "cannot seal the secret of %s with secret_key_file %s (%s): nothing "
                        "was stored", u->name, o->secret_key_file, pt_strerror(rc));
    return rc;
}

int pt_enrolment_unseal(const pt_options *o, const pt_user *u, pt_enrolment *e)
{
    if (o->secret_key_file[0] == '\0') {
        if (e->sealed_len == 0)
            return PT_OK;
        pt_log(LOG_ERR, "the secret of %s is sealed, but secret_key_file is not set: set it to "
                        "the key the secret was sealed with", u->name);
        return PT_ERR_CRYPTO;
    }
    pt_seal_key key;
    int rc = pt_seal_key_load(o->secret_key_file, &key);
    /* A missing key must never read as "no enrolment" (which a login would let through). */
    if (rc == PT_ERR_NOENT)
        rc = PT_ERR_CRYPTO;
    if (rc == PT_OK && e->sealed_len > 0) {
        rc = pt_unseal(&key, u->name, e->id, e->sealed, e->sealed_len, e->secret,
                       sizeof e->secret, &e->secret_len);
        if (rc != PT_OK)
            pt_log(LOG_ERR, "the sealed secret of %s does not open with secret_key_file %s: it "
                            "was sealed with another key, or for another user or enrolment, or "
                            "altered; failing closed (pam-totp reset %s, then enrol again)",
                   u->name, o->secret_key_file, u->name);
        else if (e->secret_len < 16) {
            pt_wipe(e->secret, sizeof e->secret);
            e->secret_len = 0;
            rc = PT_ERR_MALFORMED;
        }
    }
    pt_wipe(&key, sizeof key);
    return rc;
}

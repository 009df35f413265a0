/* Fuzzes the enrolment-file parser (pt_enrolment_parse), versions 1 and 2 (several devices).
 * Properties: what parses is within the documented bounds (device count, names, distinct names,
 * at most one pending device); it formats back (always as version 2) to a file that parses to
 * the same enrolment (nothing is lost or invented on rewrite, a version-1 file included). */
#include "fuzz_util.h"

#include "enrolment.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void same_device(const pt_device *a, const pt_device *b)
{
    FUZZ_ASSERT(strcmp(a->id, b->id) == 0);
    FUZZ_ASSERT(strcmp(a->name, b->name) == 0);
    FUZZ_ASSERT(a->status == b->status);
    FUZZ_ASSERT(a->created == b->created);
    FUZZ_ASSERT(a->expires == b->expires);
    FUZZ_ASSERT(a->confirmed_step == b->confirmed_step);
    FUZZ_ASSERT(a->alg == b->alg);
    FUZZ_ASSERT(a->digits == b->digits);
    FUZZ_ASSERT(a->period == b->period);
    FUZZ_ASSERT(a->secret_len == b->secret_len);
    FUZZ_ASSERT(a->secret_len <= PT_SECRET_MAX);
    FUZZ_ASSERT(memcmp(a->secret, b->secret, a->secret_len) == 0);
    FUZZ_ASSERT(a->sealed_len == b->sealed_len);
    FUZZ_ASSERT(a->sealed_len <= PT_SEALED_MAX);
    FUZZ_ASSERT(memcmp(a->sealed, b->sealed, a->sealed_len) == 0);
}

static void same_enrolment(const pt_enrolment *a, const pt_enrolment *b)
{
    FUZZ_ASSERT(strcmp(a->id, b->id) == 0);
    FUZZ_ASSERT(a->status == b->status);
    FUZZ_ASSERT(a->created == b->created);
    FUZZ_ASSERT(a->expires == b->expires);
    FUZZ_ASSERT(a->ndevices == b->ndevices);
    for (unsigned i = 0; i < a->ndevices; i++)
        same_device(&a->dev[i], &b->dev[i]);
    FUZZ_ASSERT(a->backup.count == b->backup.count);
    FUZZ_ASSERT(a->backup.count <= PT_BACKUP_MAX);
    FUZZ_ASSERT(a->backup.kdf.m_kib == b->backup.kdf.m_kib);
    FUZZ_ASSERT(a->backup.kdf.t == b->backup.kdf.t);
    FUZZ_ASSERT(a->backup.kdf.p == b->backup.kdf.p);
    if (a->backup.count > 0)
        FUZZ_ASSERT(memcmp(a->backup.salt, b->backup.salt, PT_BACKUP_SALT_LEN) == 0);
    for (unsigned i = 0; i < a->backup.count; i++)
        FUZZ_ASSERT(memcmp(a->backup.hash[i], b->backup.hash[i], PT_BACKUP_HASH_LEN) == 0);
}

static void check_bounds(const pt_enrolment *e)
{
    FUZZ_ASSERT(e->version == 1 || e->version == 2);
    FUZZ_ASSERT(e->status == PT_ENROL_PENDING || e->status == PT_ENROL_ACTIVE);
    FUZZ_ASSERT(strlen(e->id) == PT_ID_HEX);
    FUZZ_ASSERT(e->ndevices >= 1 && e->ndevices <= PT_DEVICES_MAX);
    unsigned pending = 0;
    for (unsigned i = 0; i < e->ndevices; i++) {
        const pt_device *d = &e->dev[i];
        FUZZ_ASSERT(d->digits == 6 || d->digits == 8);
        FUZZ_ASSERT(d->alg == PT_ALG_SHA1 || d->alg == PT_ALG_SHA256 || d->alg == PT_ALG_SHA512);
        FUZZ_ASSERT(d->status == PT_ENROL_PENDING || d->status == PT_ENROL_ACTIVE);
        /* Either the secret or its sealed form (secret = sealed:v1:HEX), never both. */
        FUZZ_ASSERT((d->secret_len > 0) != (d->sealed_len > 0));
        FUZZ_ASSERT(d->secret_len <= PT_SECRET_MAX && d->sealed_len <= PT_SEALED_MAX);
        FUZZ_ASSERT(strlen(d->id) == PT_ID_HEX);
        FUZZ_ASSERT(pt_device_name_ok(d->name));
        FUZZ_ASSERT(pt_device_find(e, d->name) == (int)i); /* names distinct, ignoring case */
        pending += d->status == PT_ENROL_PENDING;
    }
    FUZZ_ASSERT(pending <= 1);
    FUZZ_ASSERT(e->status != PT_ENROL_ACTIVE || pt_device_active_count(e) >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * PT_ENROL_MAX_SIZE)
        return 0;
    char *in = fuzz_copy_exact(data, size);
    if (in == NULL)
        return 0;
    static pt_enrolment e, again; /* large (backup hashes): keep them off the stack */
    int rc = pt_enrolment_parse(in, size, "fuzz", &e);
    FUZZ_ASSERT(rc == PT_OK || rc < 0);
    if (rc == PT_OK) {
        /* What parses is within the documented bounds. */
        check_bounds(&e);
        char *out = NULL;
        size_t outlen = 0;
        int frc = pt_enrolment_format(&e, &out, &outlen);
        FUZZ_ASSERT(frc == PT_OK);
        FUZZ_ASSERT(out != NULL && outlen <= PT_ENROL_MAX_SIZE);
        FUZZ_ASSERT(pt_enrolment_parse(out, outlen, "fuzz-again", &again) == PT_OK);
        FUZZ_ASSERT(again.version == PT_ENROL_VERSION);
        same_enrolment(&e, &again);
        pt_wipe(out, outlen);
        free(out);
        pt_enrolment_wipe(&again);
    }
    pt_enrolment_wipe(&e);
    free(in);
    return 0;
}

/* Fuzzes the enrolment-file parser (pt_enrolment_parse). Property: a file that parses formats
 * back to a file that parses to the same enrolment (nothing is lost or invented on rewrite). */
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

static void same_enrolment(const pt_enrolment *a, const pt_enrolment *b)
{
    FUZZ_ASSERT(strcmp(a->id, b->id) == 0);
    FUZZ_ASSERT(a->status == b->status);
    FUZZ_ASSERT(a->created == b->created);
    FUZZ_ASSERT(a->expires == b->expires);
    FUZZ_ASSERT(a->alg == b->alg);
    FUZZ_ASSERT(a->digits == b->digits);
    FUZZ_ASSERT(a->period == b->period);
    FUZZ_ASSERT(a->secret_len == b->secret_len);
    FUZZ_ASSERT(a->secret_len <= PT_SECRET_MAX);
    FUZZ_ASSERT(memcmp(a->secret, b->secret, a->secret_len) == 0);
    FUZZ_ASSERT(a->sealed_len == b->sealed_len);
    FUZZ_ASSERT(a->sealed_len <= PT_SEALED_MAX);
    FUZZ_ASSERT(memcmp(a->sealed, b->sealed, a->sealed_len) == 0);
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
        FUZZ_ASSERT(e.digits == 6 || e.digits == 8);
        FUZZ_ASSERT(e.alg == PT_ALG_SHA1 || e.alg == PT_ALG_SHA256 || e.alg == PT_ALG_SHA512);
        FUZZ_ASSERT(e.status == PT_ENROL_PENDING || e.status == PT_ENROL_ACTIVE);
        /* Either the secret or its sealed form (secret = sealed:v1:HEX), never both. */
        FUZZ_ASSERT((e.secret_len > 0) != (e.sealed_len > 0));
        FUZZ_ASSERT(e.secret_len <= PT_SECRET_MAX && e.sealed_len <= PT_SEALED_MAX);
        FUZZ_ASSERT(strlen(e.id) == PT_ID_HEX);
        char *out = NULL;
        size_t outlen = 0;
        int frc = pt_enrolment_format(&e, &out, &outlen);
        FUZZ_ASSERT(frc == PT_OK);
        FUZZ_ASSERT(out != NULL && outlen <= PT_ENROL_MAX_SIZE);
        FUZZ_ASSERT(pt_enrolment_parse(out, outlen, "fuzz-again", &again) == PT_OK);
        same_enrolment(&e, &again);
        pt_wipe(out, outlen);
        free(out);
        pt_enrolment_wipe(&again);
    }
    pt_enrolment_wipe(&e);
    free(in);
    return 0;
}

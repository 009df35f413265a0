/* One-time backup codes: generation, normalisation and matching (see backup.h for the scheme).
 *
 * libargon2 is loaded here, on demand, rather than linked: the module is loaded by every process
 * that authenticates, and only a backup-code answer (or a new set) needs argon2id, so a TOTP
 * login never maps it. It is opened by its SONAME (PT_ARGON2_SONAME, read from the library
 * pkg-config found by common/CMakeLists.txt), the ABI the header below describes. */
#include "backup.h"

#include <argon2.h>
#include <dlfcn.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "totp.h"

/* Crockford's base32: no I, L, O or U, so codes read aloud or typed from paper stay unambiguous. */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void pt_kdf_default(pt_kdf_params *k)
{
    k->m_kib = PT_KDF_DEFAULT_M;
    k->t = PT_KDF_DEFAULT_T;
    k->p = PT_KDF_DEFAULT_P;
}

/* Parameters between OWASP's minimum and our ceiling: a hostile or corrupted file can neither
 * weaken the hash nor make a login allocate gigabytes. */
static int kdf_ok(const pt_kdf_params *k)
{
    return k->m_kib >= PT_KDF_DEFAULT_M && k->m_kib <= PT_KDF_MAX_M && k->t >= PT_KDF_DEFAULT_T &&
           k->t <= PT_KDF_MAX_T && k->p >= PT_KDF_DEFAULT_P && k->p <= PT_KDF_MAX_P &&
           k->m_kib >= 8 * k->p; /* libargon2's own floor */
}

#ifndef PT_ARGON2_SONAME
#error "PT_ARGON2_SONAME (libargon2's SONAME) is defined by common/CMakeLists.txt"
#endif

/* The two functions used, with the signatures argon2.h declares. */
typedef int (*argon2id_fn)(const uint32_t, const uint32_t, const uint32_t, const void *,
                           const size_t, const void *, const size_t, void *, const size_t);
typedef const char *(*argon2_msg_fn)(int);

/* Opens libargon2 for one evaluation. NODELETE: once mapped it stays, so later opens are a
 * reference count and nothing is unmapped under a concurrent caller; no global state is kept,
 * so threads need no synchronisation here. PT_OK with *handle and the two functions, or
 * PT_ERR_CRYPTO with the reason logged. */
static int argon2_open(void **handle, argon2id_fn *hash, argon2_msg_fn *msg)
{
    *handle = dlopen(PT_ARGON2_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (*handle == NULL) {
        const char *why = dlerror();
        pt_log(LOG_ERR, "backup codes unavailable: cannot load %s (%s); install libargon2",
               PT_ARGON2_SONAME, why != NULL ? why : "unknown error");
        return PT_ERR_CRYPTO;
    }
    /* POSIX guarantees a function's address survives the trip through void *. */
    *hash = (argon2id_fn)dlsym(*handle, "argon2id_hash_raw");
    *msg = (argon2_msg_fn)dlsym(*handle, "argon2_error_message");
    if (*hash == NULL || *msg == NULL) {
        pt_log(LOG_ERR, "backup codes unavailable: %s lacks argon2id_hash_raw or "
               "argon2_error_message; reinstall libargon2", PT_ARGON2_SONAME);
        dlclose(*handle);
        *handle = NULL;
        return PT_ERR_CRYPTO;
    }
    return PT_OK;
}

/* canon: a normalised code, 12 characters of ours or 8 digits of an imported scratch code (the
 * length is part of what is hashed, so the two kinds never collide). */
static int kdf(const pt_kdf_params *k, const uint8_t salt[PT_BACKUP_SALT_LEN], const char *canon,
               uint8_t out[PT_BACKUP_HASH_LEN])
{
    void *lib;
    argon2id_fn hash;
    argon2_msg_fn msg;
    int rc = argon2_open(&lib, &hash, &msg);
    if (rc != PT_OK)
        return rc;
    rc = hash(k->t, k->m_kib, k->p, canon, strlen(canon), salt, PT_BACKUP_SALT_LEN, out,
              PT_BACKUP_HASH_LEN);
    if (rc != ARGON2_OK) {
        pt_log(LOG_ERR, "argon2id failed (m=%u KiB, t=%u, p=%u): %s; check free memory",
               (unsigned)k->m_kib, (unsigned)k->t, (unsigned)k->p, msg(rc));
        rc = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? PT_ERR_NOMEM : PT_ERR_CRYPTO;
    } else {
        rc = PT_OK;
    }
    dlclose(lib);
    return rc;
}

/* A random canonical code. 256 is a multiple of 32, so taking 5 bits of each random byte gives
 * every symbol the same probability (no modulo bias). */
static int random_code(char canon[PT_BACKUP_CHARS + 1])
{
    uint8_t rnd[PT_BACKUP_CHARS];
    int rc = pt_random_bytes(rnd, sizeof(rnd));
    if (rc == PT_OK) {
        for (size_t i = 0; i < PT_BACKUP_CHARS; i++)
            canon[i] = alphabet[rnd[i] & 0x1f];
        canon[PT_BACKUP_CHARS] = '\0';
    }
    pt_wipe(rnd, sizeof(rnd));
    return rc;
}

static void display_form(const char canon[PT_BACKUP_CHARS], pt_backup_code out)
{
    size_t o = 0;
    for (size_t i = 0; i < PT_BACKUP_CHARS; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        out[o++] = canon[i];
    }
    out[o] = '\0';
}

/* 1 when canon equals one of the first n codes already drawn (display form). */
static int drawn_before(const char canon[PT_BACKUP_CHARS + 1], const pt_backup_code *codes,
                        unsigned n)
{
    char other[PT_BACKUP_CHARS + 1];
    int dup = 0;
    for (unsigned i = 0; i < n && !dup; i++) {
        if (pt_backup_normalise(codes[i], other) == PT_OK &&
            memcmp(other, canon, PT_BACKUP_CHARS) == 0)
            dup = 1;
    }
    pt_wipe(other, sizeof(other));
    return dup;
}

int pt_backup_generate(unsigned count, pt_backup_set *set, pt_backup_code *codes)
{
    if (set == NULL || codes == NULL || count == 0 || count > PT_BACKUP_MAX)
        return PT_ERR_INVAL;
    memset(set, 0, sizeof(*set));
    pt_kdf_default(&set->kdf);
    int rc = pt_random_bytes(set->salt, sizeof(set->salt));
    char canon[PT_BACKUP_CHARS + 1];
    for (unsigned i = 0; rc == PT_OK && i < count; i++) {
        /* A repeat among 60-bit codes is all but impossible, but two equal codes would make
         * one of them unusable after the other is consumed, so draw again. */
        do {
            rc = random_code(canon);
        } while (rc == PT_OK && drawn_before(canon, codes, i));
        if (rc == PT_OK)
            rc = kdf(&set->kdf, set->salt, canon, set->hash[i]);
        if (rc == PT_OK)
            display_form(canon, codes[i]);
    }
    pt_wipe(canon, sizeof(canon));
    if (rc != PT_OK) {
        pt_wipe(set, sizeof(*set));
        pt_wipe(codes, (size_t)count * sizeof(*codes));
        return rc;
    }
    set->count = count;
    return PT_OK;
}

/* The canonical symbol for a typed character, 0 for a separator, -1 for anything else. */
static int canonical_char(char c)
{
    if (c == ' ' || c == '-')
        return 0;
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 'O')
        return '0';
    if (c == 'I' || c == 'L')
        return '1';
    if (c != '\0' && strchr(alphabet, c) != NULL)
        return c;
    return -1;
}

int pt_backup_normalise(const char *input, char out[PT_BACKUP_CHARS + 1])
{
    if (out == NULL)
        return PT_ERR_INVAL;
    out[0] = '\0';
    if (input == NULL || strnlen(input, PT_BACKUP_INPUT_MAX + 1) > PT_BACKUP_INPUT_MAX)
        return PT_ERR_INVAL;
    size_t n = 0;
    for (const char *p = input; *p != '\0'; p++) {
        int c = canonical_char(*p);
        if (c == 0)
            continue;
        if (c < 0 || n == PT_BACKUP_CHARS) {
            pt_wipe(out, PT_BACKUP_CHARS + 1);
            return PT_ERR_INVAL;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n != PT_BACKUP_CHARS && !(n == PT_BACKUP_SCRATCH_LEN && strspn(out, "0123456789") == n)) {
        pt_wipe(out, PT_BACKUP_CHARS + 1);
        return PT_ERR_INVAL;
    }
    return PT_OK;
}

int pt_backup_import(const char (*codes)[PT_BACKUP_SCRATCH_LEN + 1], unsigned count,
                     pt_backup_set *set)
{
    if (set == NULL || codes == NULL || count == 0 || count > PT_BACKUP_MAX)
        return PT_ERR_INVAL;
    memset(set, 0, sizeof(*set));
    pt_kdf_default(&set->kdf);
    int rc = pt_random_bytes(set->salt, sizeof(set->salt));
    char canon[PT_BACKUP_CHARS + 1];
    for (unsigned i = 0; rc == PT_OK && i < count; i++) {
        if (strlen(codes[i]) != PT_BACKUP_SCRATCH_LEN || pt_backup_normalise(codes[i], canon) != PT_OK)
            rc = PT_ERR_INVAL;
        else
            rc = kdf(&set->kdf, set->salt, canon, set->hash[i]);
    }
    pt_wipe(canon, sizeof(canon));
    if (rc != PT_OK) {
        pt_wipe(set, sizeof(*set));
        return rc;
    }
    set->count = count;
    return PT_OK;
}

int pt_backup_match(const pt_backup_set *set, const char *input, int *index)
{
    if (set == NULL || index == NULL)
        return PT_ERR_INVAL;
    *index = -1;
    char canon[PT_BACKUP_CHARS + 1];
    if (pt_backup_normalise(input, canon) != PT_OK)
        return PT_ERR_INVAL; /* not a code: no hashing spent on it */
    if (set->count == 0) {
        pt_wipe(canon, sizeof(canon));
        return 0; /* nothing to match (a pending enrolment); that the set is empty is no secret */
    }
    if (set->count > PT_BACKUP_MAX || !kdf_ok(&set->kdf)) {
        pt_wipe(canon, sizeof(canon));
        pt_log(LOG_ERR, "backup code set is invalid (%u codes, m=%u KiB, t=%u, p=%u); "
                        "generate a new set with 'pam-totp backup-codes'",
               set->count, (unsigned)set->kdf.m_kib, (unsigned)set->kdf.t, (unsigned)set->kdf.p);
        return PT_ERR_INVAL;
    }

    uint8_t h[PT_BACKUP_HASH_LEN];
    int rc = kdf(&set->kdf, set->salt, canon, h);
    pt_wipe(canon, sizeof(canon));
    if (rc != PT_OK) {
        pt_wipe(h, sizeof(h));
        return rc;
    }
    /* Compare with every stored hash, with no early exit and a branch-free index select, so
     * the time taken does not depend on which code (if any) matched. */
    unsigned found = 0, which = 0;
    for (unsigned i = 0; i < set->count; i++) {
        unsigned eq = (unsigned)pt_ct_equal(h, set->hash[i], PT_BACKUP_HASH_LEN);
        unsigned mask = 0u - eq;
        which = (which & ~mask) | (i & mask);
        found |= eq;
    }
    pt_wipe(h, sizeof(h));
    if (found) {
        *index = (int)which;
        return 1;
    }
    return 0;
}

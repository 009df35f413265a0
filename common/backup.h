/* One-time backup codes: 12 characters of Crockford's base32 alphabet (60 bits), shown grouped
 * as XXXX-XXXX-XXXX, stored only as argon2id hashes.
 *
 * All codes of a set are hashed with one per-set random salt, so checking an answer costs
 * exactly ONE argon2id evaluation however many codes the set holds: hash the answer once, then
 * compare the result with every stored hash in constant time. The 60-bit codes make a shared
 * salt safe; the per-set salt stops precomputation across sets and users. */
#ifndef PT_BACKUP_H
#define PT_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#define PT_BACKUP_MAX 100          /* codes in a set, at most */
#define PT_BACKUP_CHARS 12         /* significant characters in a code */
#define PT_BACKUP_DISPLAY_LEN 14   /* "XXXX-XXXX-XXXX" */
#define PT_BACKUP_HASH_LEN 32
#define PT_BACKUP_SALT_LEN 16
#define PT_BACKUP_INPUT_MAX 64     /* longer answers are not backup codes */
#define PT_BACKUP_SCRATCH_LEN 8    /* imported google-authenticator scratch codes: 8 digits */

typedef struct {
    uint32_t m_kib; /* memory cost, KiB */
    uint32_t t;     /* passes */
    uint32_t p;     /* lanes */
} pt_kdf_params;

/* OWASP's minimum for argon2id: m=19 MiB, t=2, p=1. */
#define PT_KDF_DEFAULT_M 19456u
#define PT_KDF_DEFAULT_T 2u
#define PT_KDF_DEFAULT_P 1u
/* Parsers refuse parameters below the default or far above it. In home mode the enrolment file
 * is the user's: malware running as the user must not make the root-run module spend a gigabyte
 * and seconds on every backup-code answer (anyone who knows the user name can send one). Nothing
 * legitimate writes more than the default; these caps leave room for stronger future defaults
 * while bounding one check to 64 MiB and about 8 times the default work. */
#define PT_KDF_MAX_M 65536u
#define PT_KDF_MAX_T 4u
#define PT_KDF_MAX_P 4u

typedef struct {
    pt_kdf_params kdf;
    uint8_t salt[PT_BACKUP_SALT_LEN];
    unsigned count;
    uint8_t hash[PT_BACKUP_MAX][PT_BACKUP_HASH_LEN];
} pt_backup_set;

typedef char pt_backup_code[PT_BACKUP_DISPLAY_LEN + 1]; /* "A7K2-M9P3-X4B1" + NUL */

void pt_kdf_default(pt_kdf_params *k);

/* A new set of count (1..PT_BACKUP_MAX) codes with default KDF parameters and a fresh salt.
 * The plaintext codes go to codes[0..count-1] (display form); the caller shows them once and
 * wipes them. */
int pt_backup_generate(unsigned count, pt_backup_set *set, pt_backup_code *codes);

/* Normalises an answer to the 12 canonical characters: case folded, spaces and hyphens dropped,
 * Crockford's look-alikes mapped (O->0, I and L->1). An answer that comes to exactly 8 digits is
 * also a code (an imported google-authenticator scratch code): out then holds those 8 digits.
 * PT_OK, or PT_ERR_INVAL when the answer is not shaped like a backup code (wrong length, other
 * characters, longer than PT_BACKUP_INPUT_MAX). */
int pt_backup_normalise(const char *input, char out[PT_BACKUP_CHARS + 1]);

/* A set made of given codes (google-authenticator's scratch codes, 8 digits each, validated
 * again here) with default KDF parameters and a fresh salt: one hash per code, in order. */
int pt_backup_import(const char (*codes)[PT_BACKUP_SCRATCH_LEN + 1], unsigned count,
                     pt_backup_set *set);

/* One argon2id evaluation of the normalised answer, compared in constant time with all
 * set->count hashes, skipping none. Returns 1 and sets *index on a match, 0 for no match,
 * PT_ERR_INVAL if the answer is not shaped like a code (no hashing then), or < 0 on error.
 * Whether the matched code was already used is the caller's business (runtime state). */
int pt_backup_match(const pt_backup_set *set, const char *input, int *index);

#endif

/* Enrolment secrets sealed at rest (secret_key_file, pam_totp.conf(5)).
 *
 * The key is 32 random bytes in a root-only file. A secret is sealed with AES-256-GCM-SIV
 * (RFC 8452; libgcrypt) under a fresh random 96-bit nonce; the associated data binds it to the
 * user name and the enrolment id, so a sealed value copied into another user's enrolment (or
 * entry, with store = ldap) or into another enrolment of the same user does not open: it fails
 * closed. GCM-SIV is chosen over GCM because a repeated nonce (a broken RNG) then reveals only
 * that two sealed secrets are equal, never the key stream.
 *
 * The sealed form is one printable line value, the "secret" value of an enrolment:
 *
 *   sealed:v1:HEX     HEX = 2 * (12 nonce + N ciphertext + 16 tag) lower-case hex digits,
 *                     N = the secret's length (16 .. PT_SECRET_MAX bytes)
 *
 * Associated data: "pam_totp sealed secret v1" NUL user-name NUL enrolment-id, followed by NUL
 * device-id when the secret is one device's of an enrolment with several (pt_seal_value). */
#ifndef PT_SEAL_H
#define PT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "totp.h"

#define PT_SEAL_KEY_LEN 32
#define PT_SEAL_NONCE_LEN 12
#define PT_SEAL_TAG_LEN 16
#define PT_SEALED_MAX (PT_SEAL_NONCE_LEN + PT_SECRET_MAX + PT_SEAL_TAG_LEN)
/* The shortest secret an enrolment holds (10 bytes: an imported 16-character
 * google-authenticator key); its sealed form is the shortest sealed value read back. */
#define PT_SEAL_SECRET_MIN 10
#define PT_SEAL_PREFIX "sealed:v1:"

typedef struct {
    uint8_t k[PT_SEAL_KEY_LEN];
} pt_seal_key;

/* Reads the key file at path (absolute). Every directory from / down must be root-owned and not
 * writable by group or others (a sticky directory counts as safe for the root-owned entry below
 * it); the file must be a regular file, not a symbolic link, owned by root, with no permission
 * bits beyond 0600, and exactly PT_SEAL_KEY_LEN bytes long. PT_OK with *key filled, else
 * PT_ERR_NOENT (missing), PT_ERR_UNSAFE, PT_ERR_MALFORMED (wrong size), PT_ERR_PERM (not
 * readable: not root), PT_ERR_IO; each reported through pt_log naming the file and the fix.
 * The caller wipes *key (pt_wipe) after use. */
int pt_seal_key_load(const char *path, pt_seal_key *key);

/* Seals secret (len bytes, 1..PT_SECRET_MAX) for user, enrolment id and device id (NULL or "":
 * none) into out (capacity outsz), *outlen = PT_SEAL_NONCE_LEN + len + PT_SEAL_TAG_LEN. PT_OK,
 * PT_ERR_INVAL, PT_ERR_TOOBIG, PT_ERR_CRYPTO. */
int pt_seal(const pt_seal_key *key, const char *user, const char *id, const char *device,
            const uint8_t *secret, size_t len, uint8_t *out, size_t outsz, size_t *outlen);

/* Opens a sealed blob for user, enrolment id and device id into secret (capacity secretsz).
 * PT_OK, or PT_ERR_CRYPTO when it does not open (another key, user, enrolment or device, or
 * altered: nothing is written to secret), PT_ERR_INVAL for a blob of impossible length. */
int pt_unseal(const pt_seal_key *key, const char *user, const char *id, const char *device,
              const uint8_t *blob, size_t bloblen, uint8_t *secret, size_t secretsz, size_t *len);

/* The text form: true when the value starts with PT_SEAL_PREFIX. */
bool pt_seal_is_sealed(const char *val, size_t n);
/* Parses "sealed:v1:HEX" (exactly; lower- or upper-case hex) into blob. PT_OK, or
 * PT_ERR_MALFORMED (wrong prefix, odd or non-hex digits, a length no secret can have). */
int pt_seal_parse(const char *val, size_t n, uint8_t *blob, size_t blobsz, size_t *bloblen);
/* Formats blob as "sealed:v1:HEX" into out (NUL-terminated). PT_OK or PT_ERR_TOOBIG. */
int pt_seal_format(const uint8_t *blob, size_t bloblen, char *out, size_t outsz);

/* One secret value as an enrolment stores it ("secret = ..."), sealed for user, enrolment id and
 * device id (NULL or "": none; enrolments seal each device's secret with its device id, a
 * version-1 file's one device having the enrolment id as its id: enrolment_seal.c). pt_seal_value writes
 * "sealed:v1:HEX" NUL-terminated into out (capacity outsz: sizeof PT_SEAL_PREFIX +
 * 2 * PT_SEALED_MAX suffices). pt_unseal_value opens such a value into secret; PT_ERR_MALFORMED
 * for a value not of that form, PT_ERR_CRYPTO when it does not open for this user, enrolment
 * and device (copied from another, other key, altered). Errors as pt_seal / pt_unseal. */
int pt_seal_value(const pt_seal_key *key, const char *user, const char *id, const char *device,
                  const uint8_t *secret, size_t len, char *out, size_t outsz);
int pt_unseal_value(const pt_seal_key *key, const char *user, const char *id, const char *device,
                    const char *val, size_t n, uint8_t *secret, size_t secretsz, size_t *len);

#endif

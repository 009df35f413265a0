/* Sealing enrolment secrets with a root-only key (seal.h). */
#include "seal.h"

#include <gcrypt.h>
#include <string.h>

#include "kvline.h"
#include "log.h"
#include "pt_error.h"
#include "rootfile.h"

#define AD_LABEL "pam_totp sealed secret v1"
#define SEALED_MIN (PT_SEAL_NONCE_LEN + PT_SEAL_SECRET_MIN + PT_SEAL_TAG_LEN)
#define PREFIX_LEN (sizeof PT_SEAL_PREFIX - 1)

/* ---- the key file ---- */

int pt_seal_key_load(const char *path, pt_seal_key *key)
{
    memset(key, 0, sizeof *key);
    size_t len = 0;
    int rc = pt_root_file_read(path, "secret_key_file", 0600, key->k, sizeof key->k, &len);
    if (rc == PT_ERR_NOENT)
        pt_log(LOG_ERR, "secret_key_file %s: missing: sealed secrets can be neither opened nor "
                        "written; restore it, or create it once with (umask 077; head -c %d "
                        "/dev/urandom > %s)", path, PT_SEAL_KEY_LEN, path);
    if (rc == PT_OK && len != PT_SEAL_KEY_LEN) {
        pt_log(LOG_ERR, "secret_key_file %s: is %zu bytes, must be exactly %d random bytes "
                        "(head -c %d /dev/urandom)", path, len, PT_SEAL_KEY_LEN,
               PT_SEAL_KEY_LEN);
        rc = PT_ERR_MALFORMED;
    }
    if (rc != PT_OK)
        pt_wipe(key, sizeof *key);
    return rc;
}

/* ---- AEAD ---- */

/* device NULL or "": the associated data of seal.h; else a NUL and the device id follow it (the
 * id is PT_ID_HEX hex digits, so the two forms cannot meet). */
static int aead_open(const pt_seal_key *key, const uint8_t nonce[PT_SEAL_NONCE_LEN],
                     const char *user, const char *id, const char *device, gcry_cipher_hd_t *h)
{
    if (pt_crypto_init() != PT_OK)
        return PT_ERR_CRYPTO;
    if (gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM_SIV, GCRY_CIPHER_SECURE))
        return PT_ERR_CRYPTO;
    /* Length-unambiguous: neither a user name nor an id can hold a NUL. */
    size_t ul = strlen(user), il = strlen(id);
    if (gcry_cipher_setkey(*h, key->k, PT_SEAL_KEY_LEN) ||
        gcry_cipher_setiv(*h, nonce, PT_SEAL_NONCE_LEN) ||
        gcry_cipher_authenticate(*h, AD_LABEL, sizeof AD_LABEL) || /* with its NUL */
        gcry_cipher_authenticate(*h, user, ul + 1) ||
        gcry_cipher_authenticate(*h, id, il) ||
        (device && device[0] && (gcry_cipher_authenticate(*h, "", 1) ||
                                 gcry_cipher_authenticate(*h, device, strlen(device))))) {
        gcry_cipher_close(*h);
        return PT_ERR_CRYPTO;
    }
    return PT_OK;
}

static int seal_blob(const pt_seal_key *key, const char *user, const char *id,
                     const char *device, const uint8_t *secret, size_t len, uint8_t *out,
                     size_t outsz, size_t *outlen)
{
    *outlen = 0;
    if (!key || !user || !id || !secret || len == 0 || len > PT_SECRET_MAX)
        return PT_ERR_INVAL;
    size_t total = PT_SEAL_NONCE_LEN + len + PT_SEAL_TAG_LEN;
    if (total > outsz)
        return PT_ERR_TOOBIG;
    int rc = pt_random_bytes(out, PT_SEAL_NONCE_LEN);
    if (rc != PT_OK)
        return rc;
    gcry_cipher_hd_t h;
    rc = aead_open(key, out, user, id, device, &h);
    if (rc != PT_OK)
        return rc;
    uint8_t *ct = out + PT_SEAL_NONCE_LEN;
    if (gcry_cipher_final(h) || gcry_cipher_encrypt(h, ct, len, secret, len) ||
        gcry_cipher_gettag(h, ct + len, PT_SEAL_TAG_LEN))
        rc = PT_ERR_CRYPTO;
    gcry_cipher_close(h);
    if (rc != PT_OK) {
        pt_wipe(out, total);
        return rc;
    }
    *outlen = total;
    return PT_OK;
}

static int unseal_blob(const pt_seal_key *key, const char *user, const char *id,
                       const char *device, const uint8_t *blob, size_t bloblen, uint8_t *secret,
                       size_t secretsz, size_t *len)
{
    *len = 0;
    if (!key || !user || !id || !blob || bloblen < SEALED_MIN || bloblen > PT_SEALED_MAX)
        return PT_ERR_INVAL;
    size_t n = bloblen - PT_SEAL_NONCE_LEN - PT_SEAL_TAG_LEN;
    if (n > secretsz)
        return PT_ERR_INVAL;
    uint8_t tmp[PT_SECRET_MAX];
    gcry_cipher_hd_t h;
    int rc = aead_open(key, blob, user, id, device, &h);
    if (rc != PT_OK)
        return rc;
    const uint8_t *ct = blob + PT_SEAL_NONCE_LEN;
    /* GCM-SIV checks the tag while decrypting: a mismatch is GPG_ERR_CHECKSUM. */
    if (gcry_cipher_set_decryption_tag(h, ct + n, PT_SEAL_TAG_LEN) || gcry_cipher_final(h) ||
        gcry_cipher_decrypt(h, tmp, n, ct, n))
        rc = PT_ERR_CRYPTO;
    gcry_cipher_close(h);
    if (rc == PT_OK) {
        memcpy(secret, tmp, n);
        *len = n;
    }
    pt_wipe(tmp, sizeof tmp);
    return rc;
}

int pt_seal(const pt_seal_key *key, const char *user, const char *id, const char *device,
            const uint8_t *secret, size_t len, uint8_t *out, size_t outsz, size_t *outlen)
{
    return seal_blob(key, user, id, device, secret, len, out, outsz, outlen);
}

int pt_unseal(const pt_seal_key *key, const char *user, const char *id, const char *device,
              const uint8_t *blob, size_t bloblen, uint8_t *secret, size_t secretsz, size_t *len)
{
    return unseal_blob(key, user, id, device, blob, bloblen, secret, secretsz, len);
}

/* ---- the text form ---- */

bool pt_seal_is_sealed(const char *val, size_t n)
{
    return n >= PREFIX_LEN && memcmp(val, PT_SEAL_PREFIX, PREFIX_LEN) == 0;
}

int pt_seal_parse(const char *val, size_t n, uint8_t *blob, size_t blobsz, size_t *bloblen)
{
    *bloblen = 0;
    if (!pt_seal_is_sealed(val, n))
        return PT_ERR_MALFORMED;
    const char *hex = val + PREFIX_LEN;
    size_t hl = n - PREFIX_LEN;
    if (hl % 2 != 0 || hl / 2 < SEALED_MIN || hl / 2 > PT_SEALED_MAX || hl / 2 > blobsz)
        return PT_ERR_MALFORMED;
    if (!pt_kv_parse_hex(hex, hl, blob, hl / 2))
        return PT_ERR_MALFORMED;
    *bloblen = hl / 2;
    return PT_OK;
}

int pt_seal_format(const uint8_t *blob, size_t bloblen, char *out, size_t outsz)
{
    if (bloblen > PT_SEALED_MAX || PREFIX_LEN + 2 * bloblen + 1 > outsz)
        return PT_ERR_TOOBIG;
    memcpy(out, PT_SEAL_PREFIX, PREFIX_LEN);
    pt_kv_hex(blob, bloblen, out + PREFIX_LEN);
    return PT_OK;
}

/* ---- one secret value, as stored ---- */

int pt_seal_value(const pt_seal_key *key, const char *user, const char *id, const char *device,
                  const uint8_t *secret, size_t len, char *out, size_t outsz)
{
    uint8_t blob[PT_SEALED_MAX];
    size_t bl;
    if (outsz > 0)
        out[0] = '\0';
    int rc = seal_blob(key, user, id, device, secret, len, blob, sizeof blob, &bl);
    if (rc == PT_OK)
        rc = pt_seal_format(blob, bl, out, outsz);
    pt_wipe(blob, sizeof blob);
    return rc;
}

int pt_unseal_value(const pt_seal_key *key, const char *user, const char *id, const char *device,
                    const char *val, size_t n, uint8_t *secret, size_t secretsz, size_t *len)
{
    uint8_t blob[PT_SEALED_MAX];
    size_t bl;
    *len = 0;
    int rc = pt_seal_parse(val, n, blob, sizeof blob, &bl);
    if (rc == PT_OK)
        rc = unseal_blob(key, user, id, device, blob, bl, secret, secretsz, len);
    pt_wipe(blob, sizeof blob);
    return rc;
}

/* HOTP (RFC 4226) and TOTP (RFC 6238) on libgcrypt's HMAC, plus the small crypto helpers the
 * core shares: library initialisation, random bytes, constant-time compare and wiping. */
#include "totp.h"

#include <gcrypt.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "pt_error.h"

/* Sanity cap on the verification window: the config allows 0..10; anything far above that is a
 * caller bug, and an unbounded loop of HMACs would be a denial of service. */
#define PT_TOTP_WINDOW_CAP 100u

static const struct {
    const char *name;
    const char *uri_name;
    int mac_algo;
    size_t secret_len;
} alg_table[] = {
    [PT_ALG_SHA1] = { "sha1", "SHA1", GCRY_MAC_HMAC_SHA1, 20 },
    [PT_ALG_SHA256] = { "sha256", "SHA256", GCRY_MAC_HMAC_SHA256, 32 },
    [PT_ALG_SHA512] = { "sha512", "SHA512", GCRY_MAC_HMAC_SHA512, 64 },
};

static int alg_valid(pt_alg alg)
{
    return (unsigned)alg < sizeof(alg_table) / sizeof(alg_table[0]);
}

const char *pt_alg_name(pt_alg alg)
{
    return alg_valid(alg) ? alg_table[alg].name : "unknown";
}

const char *pt_alg_uri_name(pt_alg alg)
{
    return alg_valid(alg) ? alg_table[alg].uri_name : "UNKNOWN";
}

int pt_alg_parse(const char *name, pt_alg *out)
{
    if (name == NULL || out == NULL)
        return PT_ERR_INVAL;
    for (unsigned i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++) {
        if (strcasecmp(name, alg_table[i].name) == 0) {
            *out = (pt_alg)i;
            return PT_OK;
        }
    }
    return PT_ERR_INVAL;
}

size_t pt_alg_secret_len(pt_alg alg)
{
    return alg_valid(alg) ? alg_table[alg].secret_len : 0;
}

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_rc = PT_ERR_CRYPTO;

/* We live inside hosts (sshd, sudo, login) that may use libgcrypt themselves. If the host has
 * already finished initialisation we leave its settings alone. Otherwise we disable secure
 * memory rather than set it up: GCRYCTL_INIT_SECMEM would drop privileges in some setups and
 * mlock a pool inside someone else's process. Our secrets are short-lived and wiped instead. */
static void crypto_init_once(void)
{
    if (gcry_check_version(GCRYPT_VERSION) == NULL) {
        pt_log(LOG_ERR, "libgcrypt is older than %s, the version pam_totp was built with; "
                        "update libgcrypt", GCRYPT_VERSION);
        return;
    }
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    crypto_rc = PT_OK;
}

int pt_crypto_init(void)
{
    if (pthread_once(&crypto_once, crypto_init_once) != 0)
        return PT_ERR_CRYPTO;
    return crypto_rc;
}

static int hmac(pt_alg alg, const uint8_t *key, size_t keylen, const uint8_t *msg, size_t msglen,
                uint8_t *mac, size_t *maclen)
{
    gcry_mac_hd_t h;
    gcry_error_t err = gcry_mac_open(&h, alg_table[alg].mac_algo, 0, NULL);
    if (err != 0) {
        pt_log(LOG_ERR, "HMAC-%s unavailable in libgcrypt: %s", alg_table[alg].uri_name,
               gcry_strerror(err));
        return PT_ERR_CRYPTO;
    }
    err = gcry_mac_setkey(h, key, keylen);
    if (err == 0)
        err = gcry_mac_write(h, msg, msglen);
    if (err == 0)
        err = gcry_mac_read(h, mac, maclen);
    gcry_mac_close(h);
    if (err != 0) {
        pt_log(LOG_ERR, "HMAC-%s failed in libgcrypt: %s", alg_table[alg].uri_name,
               gcry_strerror(err));
        return PT_ERR_CRYPTO;
    }
    return PT_OK;
}

int pt_hotp(pt_alg alg, const uint8_t *key, size_t keylen, uint64_t counter, unsigned digits,
            char out[PT_CODE_MAX + 1])
{
    if (out == NULL)
        return PT_ERR_INVAL;
    out[0] = '\0';
    if (!alg_valid(alg) || key == NULL || keylen == 0 || keylen > PT_SECRET_MAX ||
        (digits != 6 && digits != 8))
        return PT_ERR_INVAL;
    int rc = pt_crypto_init();
    if (rc != PT_OK)
        return rc;

    uint8_t msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    uint8_t mac[64];
    size_t maclen = sizeof(mac);
    rc = hmac(alg, key, keylen, msg, sizeof(msg), mac, &maclen);
    if (rc == PT_OK && maclen < 20)
        rc = PT_ERR_CRYPTO;
    if (rc == PT_OK) {
        /* RFC 4226 section 5.3: dynamic truncation. */
        unsigned off = mac[maclen - 1] & 0x0f;
        uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                       ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
        for (unsigned i = digits; i > 0; i--) {
            out[i - 1] = (char)('0' + bin % 10);
            bin /= 10;
        }
        out[digits] = '\0';
        pt_wipe(&bin, sizeof(bin));
    }
    pt_wipe(mac, sizeof(mac));
    pt_wipe(msg, sizeof(msg));
    return rc;
}

int64_t pt_totp_step(int64_t now, unsigned period)
{
    if (period == 0)
        return -1;
    int64_t q = now / (int64_t)period;
    if (now % (int64_t)period < 0)
        q--; /* floor, not truncation, before 1970 */
    return q;
}

/* 1 when code is exactly `digits` ASCII digits. The shape of an answer is not secret. */
static int code_shaped(const char *code, unsigned digits)
{
    if (code == NULL)
        return 0;
    for (unsigned i = 0; i < digits; i++) {
        if (code[i] < '0' || code[i] > '9')
            return 0;
    }
    return code[digits] == '\0';
}

/* All-ones when x is non-zero, else zero, without a branch. */
static uint64_t mask_if(uint64_t x)
{
    return (uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63);
}

int pt_totp_verify(pt_alg alg, const uint8_t *key, size_t keylen, unsigned digits, unsigned period,
                   int64_t now, unsigned window, int64_t after_step, const char *code,
                   int64_t *matched_step)
{
    if (!alg_valid(alg) || key == NULL || keylen == 0 || keylen > PT_SECRET_MAX ||
        (digits != 6 && digits != 8) || period == 0 || now < 0 || window > PT_TOTP_WINDOW_CAP)
        return PT_ERR_INVAL;
    int64_t cur = pt_totp_step(now, period);
    if (cur > INT64_MAX - (int64_t)window)
        return PT_ERR_INVAL;
    if (!code_shaped(code, digits))
        return PT_TOTP_NOMATCH;

    /* Every step in the window is computed and compared, match or not, so the time taken says
     * nothing about which step (if any) matched. Steps only grow, so the last match is the
     * newest one. */
    uint64_t any_new = 0, any_old = 0, newest = 0;
    int rc = PT_OK;
    for (int64_t s = cur - (int64_t)window; s <= cur + (int64_t)window; s++) {
        char cand[PT_CODE_MAX + 1];
        int hrc = s < 0 ? PT_ERR_INVAL : pt_hotp(alg, key, keylen, (uint64_t)s, digits, cand);
        if (hrc == PT_ERR_CRYPTO)
            rc = hrc;
        if (hrc != PT_OK)
            memset(cand, 0, sizeof(cand)); /* never equals a digit string */
        uint64_t eq = (uint64_t)pt_ct_equal(cand, code, digits);
        uint64_t is_new = (uint64_t)(s > after_step);
        uint64_t m_new = mask_if(eq & is_new);
        any_new |= m_new;
        any_old |= mask_if(eq & (is_new ^ 1));
        newest = (newest & ~m_new) | ((uint64_t)s & m_new);
        pt_wipe(cand, sizeof(cand));
    }
    if (rc != PT_OK)
        return rc;
    if (any_new) {
        if (matched_step != NULL)
            *matched_step = (int64_t)newest;
        return PT_TOTP_MATCH;
    }
    return any_old ? PT_TOTP_REPLAY : PT_TOTP_NOMATCH;
}

int pt_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint8_t)(x[i] ^ y[i]);
    /* 1 when acc == 0, computed without a branch on the data. */
    return (int)(1 & (((unsigned)acc - 1) >> 8));
}

void pt_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        explicit_bzero(p, n);
}

int pt_random_bytes(void *buf, size_t n)
{
    if (buf == NULL)
        return PT_ERR_INVAL;
    if (n == 0)
        return PT_OK;
    int rc = pt_crypto_init();
    if (rc != PT_OK)
        return rc;
    gcry_randomize(buf, n, GCRY_STRONG_RANDOM);
    return PT_OK;
}

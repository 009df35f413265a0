/* The two-slot form of the runtime-state record (state_slots.h). Pure: bytes in, bytes out; the
 * file I/O is state_io.c's. The digest is libgcrypt's SHA-256 (DESIGN section 2: no hand-written
 * hash); it detects a torn or partly lost slot write, not an attacker (only root writes here). */
#include "state_slots.h"

#include <gcrypt.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "totp.h"

static const unsigned char magic[8] = { 'P', 'T', 'S', 'L', 'O', 'T', '1', '\n' };
#define DIGEST_AT 24
#define DIGEST_LEN 32

static uint64_t get_le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static bool valid_slot_size(size_t s)
{
    return s >= PT_SLOT_MIN && s <= PT_SLOT_MAX && (s & (s - 1)) == 0;
}

/* SHA-256 of the first DIGEST_AT header bytes followed by the text. */
static int digest(const unsigned char *slot, size_t len, unsigned char out[DIGEST_LEN])
{
    if (pt_crypto_init() != PT_OK)
        return PT_ERR_CRYPTO;
    gcry_buffer_t iov[2] = {
        { .size = 0, .off = 0, .len = DIGEST_AT, .data = (void *)slot },
        { .size = 0, .off = 0, .len = len, .data = (void *)(slot + PT_SLOT_HEADER) },
    };
    if (gcry_md_hash_buffers(GCRY_MD_SHA256, 0, out, iov, 2) != 0)
        return PT_ERR_CRYPTO;
    return PT_OK;
}

bool pt_slots_is_slotted(const void *data, size_t len)
{
    return memchr(data, '\0', len) != NULL;
}

size_t pt_slots_size_for(size_t len)
{
    for (size_t s = PT_SLOT_MIN; s <= PT_SLOT_MAX; s *= 2)
        if (len <= s - PT_SLOT_HEADER)
            return s;
    return 0;
}

/* Is the slot of size s at p whole (magic, sizes, digest)? Its sequence and text length out. */
static bool slot_valid(const unsigned char *p, size_t s, uint64_t *seq, size_t *len)
{
    if (memcmp(p, magic, sizeof magic) != 0 || get_le(p + 20, 4) != s)
        return false;
    *seq = get_le(p + 8, 8);
    *len = (size_t)get_le(p + 16, 4);
    if (*seq == 0 || *len > s - PT_SLOT_HEADER)
        return false;
    /* The text never holds a NUL byte (state.h). */
    if (memchr(p + PT_SLOT_HEADER, '\0', *len) != NULL)
        return false;
    unsigned char d[DIGEST_LEN];
    if (digest(p, *len, d) != PT_OK)
        return false;
    return memcmp(d, p + DIGEST_AT, DIGEST_LEN) == 0;
}

int pt_slots_decode(const void *data, size_t len, const char *path, pt_slot_pick *out)
{
    const unsigned char *b = data;
    size_t s = len / 2;
    if (len % 2 != 0 || !valid_slot_size(s)) {
        pt_log(LOG_ERR, "%s: %zu bytes, not the size of a two-slot record; it was not written "
                        "by pam_totp: remove it (the account's replay and lockout state is lost "
                        "with it)", path, len);
        return PT_ERR_MALFORMED;
    }
    uint64_t seq[2] = { 0, 0 };
    size_t tlen[2] = { 0, 0 };
    bool ok[2];
    for (unsigned i = 0; i < 2; i++)
        ok[i] = slot_valid(b + i * s, s, &seq[i], &tlen[i]);
    if (!ok[0] && !ok[1]) {
        pt_log(LOG_ERR, "%s: neither slot of the record is whole (checksum); it was damaged "
                        "outside pam_totp: remove it (the account's replay and lockout state is "
                        "lost with it)", path);
        return PT_ERR_MALFORMED;
    }
    unsigned pick = !ok[0] ? 1 : !ok[1] ? 0 : (seq[1] > seq[0] ? 1 : 0);
    *out = (pt_slot_pick){ .text = (const char *)b + pick * s + PT_SLOT_HEADER,
                           .len = tlen[pick], .seq = seq[pick], .slot = pick, .slot_size = s };
    return PT_OK;
}

int pt_slots_encode(uint64_t seq, const char *text, size_t len, size_t slot_size,
                    unsigned char *out)
{
    if (!valid_slot_size(slot_size) || seq == 0)
        return PT_ERR_INVAL;
    if (len > slot_size - PT_SLOT_HEADER)
        return PT_ERR_TOOBIG;
    memset(out, 0, slot_size);
    memcpy(out, magic, sizeof magic);
    put_le(out + 8, seq, 8);
    put_le(out + 16, len, 4);
    put_le(out + 20, slot_size, 4);
    memcpy(out + PT_SLOT_HEADER, text, len);
    return digest(out, len, out + DIGEST_AT);
}

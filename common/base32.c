/* Base32 (RFC 4648 section 6). Secrets pass through here, so symbols are mapped with arithmetic
 * rather than table lookups indexed by secret data, and scratch state is wiped. */
#include "base32.h"

#include <stdint.h>
#include <string.h>

#include "pt_error.h"
#include "totp.h"

/* All-ones (0xff) when lo <= c <= hi, else 0, with no branch on c. */
static uint8_t in_range(unsigned c, unsigned lo, unsigned hi)
{
    return (uint8_t)((((lo - 1 - c) & (c - hi - 1)) >> 8) & 0xff);
}

/* The symbol for a 5-bit value v: 'A'..'Z' for 0..25, '2'..'7' for 26..31. */
static char symbol(unsigned v)
{
    uint8_t letter = in_range(v, 0, 25);
    return (char)(((v + 'A') & letter) | ((v - 26 + '2') & (uint8_t)~letter));
}

/* The 5-bit value of c (either case), or -1 when c is not a base32 symbol. */
static int value(unsigned c)
{
    uint8_t up = in_range(c, 'A', 'Z');
    uint8_t low = in_range(c, 'a', 'z');
    uint8_t dig = in_range(c, '2', '7');
    unsigned v = ((c - 'A') & up) | ((c - 'a') & low) | ((c - '2' + 26) & dig);
    return (up | low | dig) ? (int)v : -1;
}

size_t pt_base32_encoded_len(size_t n)
{
    if (n > (SIZE_MAX - 4) / 8)
        return SIZE_MAX; /* no buffer is that large: callers' size checks fail */
    return (n * 8 + 4) / 5;
}

int pt_base32_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
    if (out == NULL || (in == NULL && n > 0))
        return PT_ERR_INVAL;
    size_t len = pt_base32_encoded_len(n);
    if (len == SIZE_MAX || outsz < len + 1) {
        if (outsz > 0)
            out[0] = '\0';
        return PT_ERR_TOOBIG;
    }
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = symbol((acc >> bits) & 0x1f);
        }
    }
    if (bits > 0)
        out[o++] = symbol((acc << (5 - bits)) & 0x1f);
    out[o] = '\0';
    pt_wipe(&acc, sizeof(acc));
    return PT_OK;
}

static int ignorable(char c)
{
    return c == ' ' || c == '-';
}

/* Counts symbols and checks the shape: only symbols, separators, then optional trailing '='. */
static int scan(const char *in, size_t *nsym)
{
    size_t n = 0;
    int padding = 0;
    for (const char *p = in; *p != '\0'; p++) {
        if (ignorable(*p))
            continue;
        if (*p == '=') {
            padding = 1;
            continue;
        }
        if (padding || value((unsigned char)*p) < 0)
            return PT_ERR_INVAL;
        n++;
    }
    /* Unpadded RFC 4648 lengths: 8k + 0, 2, 4, 5 or 7 symbols. */
    unsigned r = (unsigned)(n % 8);
    if (r == 1 || r == 3 || r == 6)
        return PT_ERR_INVAL;
    *nsym = n;
    return PT_OK;
}

int pt_base32_decode(const char *in, uint8_t *out, size_t outsz, size_t *outlen)
{
    if (in == NULL || out == NULL || outlen == NULL)
        return PT_ERR_INVAL;
    *outlen = 0;
    size_t nsym;
    int rc = scan(in, &nsym);
    if (rc != PT_OK)
        return rc;
    size_t nbytes = nsym / 8 * 5 + (nsym % 8) * 5 / 8;
    if (nbytes > outsz)
        return PT_ERR_TOOBIG;

    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (const char *p = in; *p != '\0' && *p != '='; p++) {
        if (ignorable(*p))
            continue;
        acc = (acc << 5) | (uint32_t)value((unsigned char)*p);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be zero: one byte string, one encoding (RFC 4648 section 3.5). */
    uint32_t rest = acc & ((1u << bits) - 1);
    pt_wipe(&acc, sizeof(acc));
    if (rest != 0) {
        pt_wipe(out, o);
        return PT_ERR_INVAL;
    }
    *outlen = o;
    return PT_OK;
}

int pt_base32_group(const char *b32, char *out, size_t outsz)
{
    if (b32 == NULL || out == NULL)
        return PT_ERR_INVAL;
    size_t len = strlen(b32);
    size_t need = len + (len > 0 ? (len - 1) / 4 : 0) + 1;
    if (outsz < need) {
        if (outsz > 0)
            out[0] = '\0';
        return PT_ERR_TOOBIG;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = ' ';
        out[o++] = b32[i];
    }
    out[o] = '\0';
    return PT_OK;
}

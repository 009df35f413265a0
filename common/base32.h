/* Base32 (RFC 4648, upper-case alphabet, output without padding). */
#ifndef PT_BASE32_H
#define PT_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes, without padding and without the NUL. */
size_t pt_base32_encoded_len(size_t n);

/* Encodes n bytes into out (NUL-terminated, no '=' padding). PT_OK, or PT_ERR_TOOBIG if outsz is short. */
int pt_base32_encode(const uint8_t *in, size_t n, char *out, size_t outsz);

/* Decodes case-insensitively, ignoring spaces and hyphens and trailing '=' padding. Any other
 * character, or a length that is not a whole number of bytes' worth of bits (RFC 4648 lengths
 * only), is PT_ERR_INVAL; more output than outsz is PT_ERR_TOOBIG. */
int pt_base32_decode(const char *in, uint8_t *out, size_t outsz, size_t *outlen);

/* Copies a base32 string into groups of four separated by spaces, for manual entry
 * ("JBSW Y3DP EHPK 3PXP"). PT_OK or PT_ERR_TOOBIG. */
int pt_base32_group(const char *b32, char *out, size_t outsz);

#endif

/* The runtime-state record's on-disk form: two fixed-size, checksummed slots, so that an update
 * is one write in place and one fdatasync (issue 15), and a crash at any moment leaves either
 * the previous record or the new one in force, never a mix.
 *
 * A record file is 2 * S bytes, S a power of two from PT_SLOT_MIN to PT_SLOT_MAX (at least the
 * file system's block and the page size, so that writing one slot never rewrites the other's
 * blocks); slot A is at offset 0, slot B at offset S. Each slot:
 *
 *   offset  size  field
 *   0       8     magic "PTSLOT1\n"
 *   8       8     sequence number, little-endian, >= 1
 *   16      4     length L of the record text, little-endian, <= S - PT_SLOT_HEADER
 *   20      4     S, little-endian (the slot size; must match the file's size)
 *   24      32    SHA-256 (libgcrypt) of bytes 0..23 followed by the L bytes of text
 *   56      L     the record text (state.h: the key = value form, no NUL byte)
 *   56+L    ...   zero bytes up to S
 *
 * The valid slot with the higher sequence number is the record. An update writes the other slot
 * with the next number, so a torn or lost write of it leaves the previous record in force (what
 * a crash before the write would give). A file with no NUL byte is a whole-file text record of
 * an earlier release (read as such; the next update writes the slotted form). */
#ifndef PT_STATE_SLOTS_H
#define PT_STATE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_SLOT_HEADER 56
#define PT_SLOT_MIN 4096
#define PT_SLOT_MAX (128 * 1024)   /* holds a record of PT_STATE_MAX_SIZE */
#define PT_SLOT_FILE_MAX (2 * PT_SLOT_MAX)

/* The record found in a slotted file. */
typedef struct {
    const char *text;   /* points into the file's bytes */
    size_t len;         /* bytes of text */
    uint64_t seq;       /* its sequence number */
    unsigned slot;      /* 0 = A, 1 = B */
    size_t slot_size;   /* S */
} pt_slot_pick;

/* Is data (len bytes, a whole file) in the slotted form? True when it holds a NUL byte: the text
 * form never does (state.h), every slotted file does (zero padding, small numbers). */
bool pt_slots_is_slotted(const void *data, size_t len);

/* Finds the record in a slotted file of len bytes. PT_OK with *out (pointing into data);
 * PT_ERR_MALFORMED, reported naming path, when the size is not 2 * S or neither slot is valid.
 * Needs libgcrypt initialised (pt_crypto_init). */
int pt_slots_decode(const void *data, size_t len, const char *path, pt_slot_pick *out);

/* The smallest slot size that holds len bytes of text; 0 when none does (len too large). */
size_t pt_slots_size_for(size_t len);

/* Writes one slot of slot_size bytes to out: header for seq, the text, zero padding.
 * PT_ERR_TOOBIG when the text does not fit; PT_ERR_INVAL for a bad slot size or seq 0. */
int pt_slots_encode(uint64_t seq, const char *text, size_t len, size_t slot_size,
                    unsigned char *out);

#endif

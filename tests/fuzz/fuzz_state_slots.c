/* Fuzzes the two-slot record layer (state_slots.h) two ways:
 *  - any bytes through pt_slots_decode: it never reads outside them and whatever it picks lies
 *    inside them;
 *  - a record file built from the input (two texts, two sequence numbers, slot B maybe never
 *    written) with one byte of a slot's header or text changed, as a torn or lost write would:
 *    the decoder picks exactly the newest undamaged slot, and refuses the file when none is.
 * Input for the second: byte 0 = damage (bit 0: slot A, bit 1: slot B, bit 2: B never written,
 * the rest: where), bytes 1 and 2 = the sequence numbers of A and B (plus 1), then the text. */
#include "fuzz_util.h"

#include <stdlib.h>

#include "pt_error.h"
#include "state_slots.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void raw(const uint8_t *data, size_t size)
{
    pt_slot_pick p;
    if (pt_slots_decode(data, size, "fuzz", &p) == PT_OK) {
        FUZZ_ASSERT(p.slot < 2 && p.seq > 0 && 2 * p.slot_size == size);
        FUZZ_ASSERT((const uint8_t *)p.text >= data + PT_SLOT_HEADER &&
                    (const uint8_t *)p.text + p.len <= data + size);
    }
}

static void damage(unsigned char *slot, size_t len, unsigned where)
{
    slot[where % (PT_SLOT_HEADER + len)] ^= 0x5a;
}

static void built(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    unsigned flags = data[0];
    uint64_t seq[2] = { (uint64_t)data[1] + 1, (uint64_t)data[2] + 1 };
    size_t len = size - 3;
    char *text = malloc(len + 1);
    if (!text)
        return;
    for (size_t i = 0; i < len; i++)
        text[i] = data[3 + i] == '\0' ? 'x' : (char)data[3 + i]; /* a text holds no NUL */
    size_t s = pt_slots_size_for(len), tl[2] = { len, len / 2 };
    unsigned char *file = s ? calloc(2, s) : NULL;
    if (!file) {
        free(text);
        return;
    }
    bool written_b = !(flags & 4);
    FUZZ_ASSERT(pt_slots_encode(seq[0], text, tl[0], s, file) == PT_OK);
    if (written_b)
        FUZZ_ASSERT(pt_slots_encode(seq[1], text, tl[1], s, file + s) == PT_OK);
    bool ok[2] = { !(flags & 1), written_b && !(flags & 2) };
    for (unsigned i = 0; i < 2; i++)
        if (!ok[i] && (i == 0 || written_b))
            damage(file + i * s, tl[i], (flags >> 3) * 37u + i);
    pt_slot_pick p;
    int rc = pt_slots_decode(file, 2 * s, "fuzz", &p);
    if (!ok[0] && !ok[1]) {
        FUZZ_ASSERT(rc == PT_ERR_MALFORMED);
    } else {
        unsigned want = !ok[0] ? 1 : !ok[1] ? 0 : seq[1] > seq[0] ? 1 : 0;
        FUZZ_ASSERT(rc == PT_OK && p.slot == want && p.seq == seq[want] && p.len == tl[want]);
        FUZZ_ASSERT(memcmp(p.text, text, p.len) == 0);
    }
    free(file);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PT_SLOT_FILE_MAX)
        return 0;
    raw(data, size);
    if (size <= PT_SLOT_MAX / 2)
        built(data, size);
    return 0;
}

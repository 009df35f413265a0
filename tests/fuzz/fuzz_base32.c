/* Fuzzes base32 decoding (pt_base32_decode) and grouping. The first input byte picks the output
 * buffer size, so the TOOBIG paths are reached too. Property: whatever decodes re-encodes to a
 * string that decodes to the same bytes. */
#include "fuzz_util.h"

#include "base32.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    size_t outsz = data[0];
    char *in = fuzz_copy_cstr(data + 1, size - 1);
    uint8_t *out = malloc(outsz ? outsz : 1); /* exact size: ASan sees any overrun */
    if (in == NULL || out == NULL)
        goto done;
    size_t outlen = (size_t)-1;
    int rc = pt_base32_decode(in, out, outsz, &outlen);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_INVAL || rc == PT_ERR_TOOBIG);
    if (rc == PT_OK) {
        FUZZ_ASSERT(outlen <= outsz);
        size_t enclen = pt_base32_encoded_len(outlen);
        char *enc = malloc(enclen + 1);
        uint8_t *back = malloc(outlen ? outlen : 1);
        FUZZ_ASSERT(enc != NULL && back != NULL);
        FUZZ_ASSERT(pt_base32_encode(out, outlen, enc, enclen + 1) == PT_OK);
        FUZZ_ASSERT(strlen(enc) == enclen);
        size_t backlen = 0;
        FUZZ_ASSERT(pt_base32_decode(enc, back, outlen, &backlen) == PT_OK);
        FUZZ_ASSERT(backlen == outlen && memcmp(back, out, outlen) == 0);
        /* A too-small buffer for the encoding is refused, never overrun. */
        if (enclen > 0)
            FUZZ_ASSERT(pt_base32_encode(out, outlen, enc, enclen) == PT_ERR_TOOBIG);
        free(enc);
        free(back);
    }
    /* Grouping takes any string; the output buffer is sized by the same byte. */
    size_t gsz = outsz;
    char *grouped = malloc(gsz ? gsz : 1);
    if (grouped != NULL) {
        int grc = pt_base32_group(in, grouped, gsz);
        FUZZ_ASSERT(grc == PT_OK || grc == PT_ERR_TOOBIG || grc == PT_ERR_INVAL);
        if (grc == PT_OK)
            FUZZ_ASSERT(strlen(grouped) < gsz);
        free(grouped);
    }
done:
    free(in);
    free(out);
    return 0;
}

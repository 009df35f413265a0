/* Fuzzes the pam_oath users-file parser (pt_oath_parse). Properties: it never reads past the
 * buffer; every usable entry is time-based with a 30 or 60 s step, 6 or 8 digits, a secret of
 * 10..PT_SECRET_MAX bytes and a user name without '/'; every refused entry says why; line
 * numbers only grow. */
#include "fuzz_util.h"

#include "import.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static int check(void *ctx, const pt_oath_entry *e)
{
    unsigned *last = ctx;
    FUZZ_ASSERT(e->line > *last);
    *last = e->line;
    FUZZ_ASSERT(strlen(e->user) < sizeof e->user && strchr(e->user, '/') == NULL);
    if (e->kind == PT_OATH_TOTP) {
        FUZZ_ASSERT(e->user[0] != '\0');
        FUZZ_ASSERT(e->period == 30 || e->period == 60);
        FUZZ_ASSERT(e->digits == 6 || e->digits == 8);
        FUZZ_ASSERT(e->secret_len >= PT_IMPORT_SECRET_MIN && e->secret_len <= PT_SECRET_MAX);
    } else {
        FUZZ_ASSERT(e->kind == PT_OATH_REFUSED && e->why[0] != '\0');
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    char *in = fuzz_copy_exact(data, size);
    if (in == NULL)
        return 0;
    char why[PT_IMPORT_WHY];
    unsigned last = 0;
    int rc = pt_oath_parse(in, size, check, &last, why, sizeof why);
    FUZZ_ASSERT(rc == 0 || (rc == PT_ERR_MALFORMED && why[0] != '\0'));
    free(in);
    return 0;
}

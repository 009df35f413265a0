/* Fuzzes the ~/.google_authenticator parser (pt_ga_parse). Properties: it never reads past the
 * buffer; what parses holds a secret of 10..PT_SECRET_MAX bytes, a period of 1..60, at most
 * PT_GA_SCRATCH_MAX scratch codes of exactly 8 digits (no leading zero), which the backup-code
 * normaliser accepts; a refusal says why. */
#include "fuzz_util.h"

#include "backup.h"
#include "import.h"
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
    if (size > 2 * PT_GA_MAX_SIZE)
        return 0;
    char *in = fuzz_copy_exact(data, size);
    if (in == NULL)
        return 0;
    static pt_ga_file g;
    char why[PT_IMPORT_WHY];
    int rc = pt_ga_parse(in, size, &g, why, sizeof why);
    if (rc == PT_OK) {
        FUZZ_ASSERT(g.secret_len >= PT_IMPORT_SECRET_MIN && g.secret_len <= PT_SECRET_MAX);
        FUZZ_ASSERT(g.period >= 1 && g.period <= 60);
        FUZZ_ASSERT(g.nscratch <= PT_GA_SCRATCH_MAX);
        for (unsigned i = 0; i < g.nscratch; i++) {
            char canon[PT_BACKUP_CHARS + 1];
            FUZZ_ASSERT(strlen(g.scratch[i]) == PT_GA_SCRATCH_LEN && g.scratch[i][0] != '0');
            FUZZ_ASSERT(pt_backup_normalise(g.scratch[i], canon) == PT_OK);
            FUZZ_ASSERT(strcmp(canon, g.scratch[i]) == 0);
        }
    } else {
        FUZZ_ASSERT(rc == PT_ERR_MALFORMED && why[0] != '\0' && g.secret_len == 0);
    }
    pt_ga_wipe(&g);
    free(in);
    return 0;
}

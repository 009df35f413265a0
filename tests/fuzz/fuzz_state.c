/* Fuzzes the runtime-state reader (pt_state_decode: the two-slot form or text), then the
 * bookkeeping on what parsed.
 * Properties: a state that parses formats back to one that parses to the same values; the
 * bookkeeping keeps its bounds (at most PT_FAILURES_MAX failures, codes left <= count). */
#include "fuzz_util.h"

#include "config.h"
#include "pt_error.h"
#include "state.h"

static pt_options opts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    pt_options_defaults(&opts);
    opts.deny = 1000;
    return 0;
}

static void same_state(const pt_state *a, const pt_state *b)
{
    FUZZ_ASSERT(strcmp(a->enrolment, b->enrolment) == 0);
    FUZZ_ASSERT(a->last_step == b->last_step);
    FUZZ_ASSERT(memcmp(a->used, b->used, sizeof a->used) == 0);
    FUZZ_ASSERT(a->nfailures == b->nfailures);
    FUZZ_ASSERT(a->nfailures <= PT_FAILURES_MAX);
    FUZZ_ASSERT(memcmp(a->failures, b->failures, a->nfailures * sizeof a->failures[0]) == 0);
    FUZZ_ASSERT(a->lock_until == b->lock_until);
    FUZZ_ASSERT(a->first_required == b->first_required);
    FUZZ_ASSERT(a->nothers == b->nothers && a->nothers <= PT_STATE_OTHERS);
    for (unsigned i = 0; i < a->nothers; i++) {
        FUZZ_ASSERT(strcmp(a->others[i].enrolment, b->others[i].enrolment) == 0);
        FUZZ_ASSERT(memcmp(a->others[i].used, b->others[i].used, sizeof a->others[i].used) == 0);
    }
    FUZZ_ASSERT(a->ndevices == b->ndevices && a->ndevices <= PT_DEVICES_MAX);
    for (unsigned i = 0; i < a->ndevices; i++) {
        FUZZ_ASSERT(strcmp(a->last_used[i].id, b->last_used[i].id) == 0);
        FUZZ_ASSERT(a->last_used[i].t == b->last_used[i].t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PT_SLOT_FILE_MAX)
        return 0;
    char *in = fuzz_copy_exact(data, size);
    if (in == NULL)
        return 0;
    static pt_state st, again;
    int rc = pt_state_decode(in, size, "fuzz", &st, NULL); /* either form (state_slots.h) */
    FUZZ_ASSERT(rc == PT_OK || rc < 0);
    if (rc == PT_OK) {
        char *out = NULL;
        size_t outlen = 0;
        FUZZ_ASSERT(pt_state_format(&st, &out, &outlen) == PT_OK);
        FUZZ_ASSERT(out != NULL && outlen <= PT_STATE_MAX_SIZE);
        FUZZ_ASSERT(pt_state_parse(out, outlen, "fuzz-again", &again) == PT_OK);
        same_state(&st, &again);
        free(out);

        /* Bookkeeping on a hostile but well-formed state: bounds hold, nothing overflows. */
        int64_t now = 1767225600; /* 2026-01-01 */
        (void)pt_state_lock_left(&st, now);
        (void)pt_state_lock_left(&st, INT64_MAX);
        pt_state_record_failure(&st, &opts, now);
        FUZZ_ASSERT(st.nfailures <= PT_FAILURES_MAX);
        pt_backup_set set;
        memset(&set, 0, sizeof set);
        set.count = PT_BACKUP_MAX;
        FUZZ_ASSERT(pt_state_codes_left(&st, &set) <= PT_BACKUP_MAX);
        /* Binding to another enrolment and back keeps each one's used marks (same id: nothing
         * changes); the result still formats. */
        const char *other = strcmp(st.enrolment, "0123456789abcdef0123456789abcdef") == 0
                                ? "fedcba9876543210fedcba9876543210"
                                : "0123456789abcdef0123456789abcdef";
        unsigned before = pt_state_codes_left(&st, &set);
        char same[PT_ID_HEX + 1];
        memcpy(same, st.enrolment, sizeof same);
        pt_state_bind(&st, same);
        FUZZ_ASSERT(pt_state_codes_left(&st, &set) == before);
        pt_state_bind(&st, other);
        FUZZ_ASSERT(strcmp(st.enrolment, other) == 0);
        if (same[0] != '\0') {
            pt_state_bind(&st, same);
            FUZZ_ASSERT(pt_state_codes_left(&st, &set) == before);
        }
        /* Merging what parsed into itself and into a fresh state forbids at least as much. */
        FUZZ_ASSERT(pt_state_merge(&again, &st) == PT_OK);
        FUZZ_ASSERT(again.nfailures <= PT_FAILURES_MAX && again.nothers <= PT_STATE_OTHERS);
        FUZZ_ASSERT(again.last_step >= st.last_step || st.step_period != again.step_period);
        FUZZ_ASSERT(pt_state_format(&again, &out, &outlen) == PT_OK);
        free(out);
        pt_state_clear_failures(&st);
        FUZZ_ASSERT(st.nfailures == 0);
    }
    free(in);
    return 0;
}

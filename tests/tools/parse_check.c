/* pt-parse_check: does a state or enrolment file parse? For the hardening tests, which must
 * prove that crashes and races never leave a file the module would refuse.
 *
 *   pt-parse_check state FILE        prints "last_step=N used=I,J failures=K lock_until=T
 *                                    seq=Q slot=S" (Q 0, S - for an earlier release's text)
 *   pt-parse_check state-text FILE   prints the record's text (of the newest whole slot)
 *   pt-parse_check enrolment FILE    prints "id=ID status=S backup_codes=N version=V devices=D"
 *
 * Reads the file as it is (no owner or mode checks: those are the module's business and are
 * tested separately). Exit status 0 when it parses, 1 when it does not (the parser's diagnostic
 * is on stderr), 2 on usage or read errors. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrolment.h"
#include "pt_error.h"
#include "state.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = PT_SLOT_FILE_MAX + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (buf != NULL) {
        n = fread(buf, 1, cap, f);
        buf[n] = '\0';
    }
    fclose(f);
    *len = n;
    return buf;
}

static int check_state(const char *data, size_t len, const char *path, bool text)
{
    static pt_state st;
    pt_slot_pick pick;
    if (pt_state_decode(data, len, path, &st, &pick) != PT_OK)
        return 1;
    if (text) {
        if (pick.seq > 0)
            fwrite(pick.text, 1, pick.len, stdout);
        else
            fwrite(data, 1, len, stdout);
        return 0;
    }
    printf("last_step=%" PRId64 " used=", st.last_step);
    const char *sep = "";
    for (int i = 0; i < PT_BACKUP_MAX; i++) {
        if (st.used[i]) {
            printf("%s%d", sep, i);
            sep = ",";
        }
    }
    printf(" failures=%u lock_until=%" PRId64 " seq=%" PRIu64 " slot=%s\n", st.nfailures,
           st.lock_until, pick.seq, pick.seq == 0 ? "-" : pick.slot == 0 ? "A" : "B");
    return 0;
}

static int check_enrolment(const char *data, size_t len, const char *path)
{
    static pt_enrolment e;
    if (pt_enrolment_parse(data, len, path, &e) != PT_OK)
        return 1;
    printf("id=%s status=%s backup_codes=%u version=%u devices=%u\n", e.id,
           e.status == PT_ENROL_ACTIVE ? "active" : "pending", e.backup.count, e.version,
           e.ndevices);
    pt_enrolment_wipe(&e);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "state") != 0 && strcmp(argv[1], "state-text") != 0 &&
                      strcmp(argv[1], "enrolment") != 0)) {
        fprintf(stderr, "usage: %s state|state-text|enrolment FILE\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    char *data = slurp(argv[2], &len);
    if (data == NULL)
        return 2;
    int rc = strcmp(argv[1], "enrolment") == 0
                 ? check_enrolment(data, len, argv[2])
                 : check_state(data, len, argv[2], strcmp(argv[1], "state-text") == 0);
    pt_wipe(data, len);
    free(data);
    return rc;
}

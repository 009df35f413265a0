/* pt-parse_check: does a state or enrolment file parse? For the hardening tests, which must
 * prove that crashes and races never leave a file the module would refuse.
 *
 *   pt-parse_check state FILE        prints "last_step=N used=I,J failures=K lock_until=T"
 *   pt-parse_check enrolment FILE    prints "id=ID status=S backup_codes=N version=V devices=D"
 *
 * Reads the file as it is (no owner or mode checks: those are the module's business and are
 * tested separately). Exit status 0 when it parses, 1 when it does not (the parser's diagnostic
 * is on stderr), 2 on usage or read errors. */
#include <inttypes.h>
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
    size_t cap = PT_STATE_MAX_SIZE * 2, n = 0;
    char *buf = malloc(cap + 1);
    if (buf != NULL) {
        n = fread(buf, 1, cap, f);
        buf[n] = '\0';
    }
    fclose(f);
    *len = n;
    return buf;
}

static int check_state(const char *data, size_t len, const char *path)
{
    static pt_state st;
    if (pt_state_parse(data, len, path, &st) != PT_OK)
        return 1;
    printf("last_step=%" PRId64 " used=", st.last_step);
    const char *sep = "";
    for (int i = 0; i < PT_BACKUP_MAX; i++) {
        if (st.used[i]) {
            printf("%s%d", sep, i);
            sep = ",";
        }
    }
    printf(" failures=%u lock_until=%" PRId64 "\n", st.nfailures, st.lock_until);
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
    if (argc != 3 || (strcmp(argv[1], "state") != 0 && strcmp(argv[1], "enrolment") != 0)) {
        fprintf(stderr, "usage: %s state|enrolment FILE\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    char *data = slurp(argv[2], &len);
    if (data == NULL)
        return 2;
    int rc = strcmp(argv[1], "state") == 0 ? check_state(data, len, argv[2])
                                           : check_enrolment(data, len, argv[2]);
    pt_wipe(data, len);
    free(data);
    return rc;
}

/* pt-bench populate: fills a system-mode enrolment directory and a state directory with COUNT
 * other users' files (ptb00001, ptb00002, ...), and appends matching passwd and group lines to
 * two files, so that a mount namespace can present them as /etc/passwd and /etc/group. Every
 * user is enrolled (the most files to read for `pam-totp list`) and has a state file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrolment.h"
#include "files.h"
#include "pt_error.h"
#include "state.h"

typedef struct {
    const char *workdir;
    unsigned count, uid_base;
    FILE *passwd, *group;
} populate_args;

static int write_user(const populate_args *a, pt_enrolment *tmpl, unsigned i)
{
    char name[32], path[4096], *data = NULL;
    size_t len = 0;
    unsigned id = a->uid_base + i;
    if (bench_path(name, sizeof(name), "ptb%05u", i) != 0 || pt_enrolment_new_id(tmpl->id) != PT_OK ||
        pt_enrolment_format(tmpl, &data, &len) != PT_OK)
        return -1;
    int rc = bench_path(path, sizeof(path), "%s/enrol/%s", a->workdir, name);
    if (rc == 0)
        rc = bench_write_file(path, data, len, 0600, 0, 0);
    pt_wipe(data, len);
    free(data);
    if (rc != 0)
        return -1;

    pt_state st;
    pt_state_init(&st);
    pt_state_bind(&st, tmpl->id);
    st.last_step = tmpl->created / 30;
    st.used[0] = 1;
    if (pt_state_format(&st, &data, &len) != PT_OK)
        return -1;
    rc = bench_path(path, sizeof(path), "%s/state/uid:%u", a->workdir, id);
    if (rc == 0)
        rc = bench_write_file(path, data, len, 0640, 0, (gid_t)id);
    free(data);
    if (rc != 0)
        return -1;
    if (fprintf(a->passwd, "%s:x:%u:%u:pam_totp benchmark:/nonexistent:/bin/sh\n", name, id, id) < 0 ||
        fprintf(a->group, "%s:x:%u:\n", name, id) < 0)
        return -1;
    return 0;
}

static int populate(const populate_args *a)
{
    char dir[4096];
    if (bench_mkdir(a->workdir, 0755, 0, 0) != 0 || bench_path(dir, sizeof(dir), "%s/enrol", a->workdir) != 0 ||
        bench_mkdir(dir, 0700, 0, 0) != 0 || bench_path(dir, sizeof(dir), "%s/state", a->workdir) != 0 ||
        bench_mkdir(dir, 0711, 0, 0) != 0)
        return -1;
    pt_options o;
    pt_options_defaults(&o);
    pt_enrolment e;
    static pt_backup_code codes[PT_BACKUP_MAX];
    if (pt_enrolment_new(&o, 1700000000, &e) != PT_OK || pt_backup_generate(o.backup_codes, &e.backup, codes) != PT_OK)
        return -1;
    pt_wipe(codes, sizeof(codes));
    e.status = PT_ENROL_ACTIVE;
    e.expires = 0;
    int rc = 0;
    for (unsigned i = 1; rc == 0 && i <= a->count; i++)
        rc = write_user(a, &e, i);
    pt_enrolment_wipe(&e);
    return rc;
}

int bench_populate_main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: pt-bench populate WORKDIR COUNT UID_BASE PASSWD_OUT GROUP_OUT\n");
        return 2;
    }
    populate_args a = {.workdir = argv[1]};
    a.count = (unsigned)strtoul(argv[2], NULL, 10);
    a.uid_base = (unsigned)strtoul(argv[3], NULL, 10);
    if (a.count == 0 || a.count > 99999 || a.uid_base < 1000 || argv[1][0] != '/') {
        fprintf(stderr, "pt-bench: populate: COUNT 1..99999, UID_BASE >= 1000, WORKDIR absolute\n");
        return 2;
    }
    a.passwd = fopen(argv[4], "a");
    a.group = fopen(argv[5], "a");
    int rc = (a.passwd && a.group) ? populate(&a) : -1;
    if (a.passwd && fclose(a.passwd) != 0)
        rc = -1;
    if (a.group && fclose(a.group) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "pt-bench: populate failed\n");
    return rc == 0 ? 0 : 1;
}

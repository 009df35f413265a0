/* pt-mkenrol: writes an enrolment with a known secret, for tests (through the same core code the
 * module and the CLI use, so the file is exactly what they write).
 *
 *   pt-mkenrol [--pending] USER BASE32 [MODULE-ARGUMENT...]
 *   pt-mkenrol --add DEVICE USER BASE32 [MODULE-ARGUMENT...]
 *
 * --add adds an active device named DEVICE with that secret to the user's active enrolment
 * (the backup codes stay; nothing is printed).
 * MODULE-ARGUMENTs are read like the module's (config=PATH, enrolment_file=..., digits=8,
 * algorithm=sha256, backup_codes=N, ...). The enrolment is active with a fresh set of backup
 * codes, printed one per line on stdout, unless --pending. It is stored through the store the
 * options name (store = files or ldap), sealed when secret_key_file is set. Exit 0 on success. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "base32.h"
#include "config.h"
#include "enrolment.h"
#include "pt_error.h"
#include "store.h"
#include "user.h"

static int add_device(const pt_options *o, const pt_user *u, const char *name, const char *b32,
                      const char *prog)
{
    static pt_enrolment e;
    pt_device d;
    int rc = pt_enrolment_load(o, u, &e);
    if (rc == PT_OK)
        rc = pt_device_new(o, (int64_t)time(NULL), name, &d);
    if (rc == PT_OK)
        rc = pt_base32_decode(b32, d.secret, sizeof(d.secret), &d.secret_len);
    if (rc == PT_OK) {
        d.status = PT_ENROL_ACTIVE;
        d.expires = 0;
        rc = pt_device_add(&e, &d);
    }
    if (rc == PT_OK)
        rc = pt_enrolment_store(o, u, &e);
    pt_enrolment_wipe(&e);
    if (rc != PT_OK) {
        fprintf(stderr, "%s: %s\n", prog, pt_strerror(rc));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    int pending = 0;
    const char *add = NULL;
    if (i < argc && strcmp(argv[i], "--pending") == 0) {
        pending = 1;
        i++;
    } else if (i + 1 < argc && strcmp(argv[i], "--add") == 0) {
        add = argv[i + 1];
        i += 2;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: %s [--pending] USER BASE32 [MODULE-ARGUMENT...]\n", argv[0]);
        return 2;
    }
    const char *name = argv[i], *b32 = argv[i + 1];
    static pt_options o;
    static pt_enrolment e;
    static pt_backup_code codes[PT_BACKUP_MAX];
    pt_user u = {0};
    if (pt_options_load(&o, argc - i - 2, (const char **)argv + i + 2) != PT_OK)
        return 2;
    if (pt_user_lookup(&u, name) != PT_OK) {
        fprintf(stderr, "%s: no user %s\n", argv[0], name);
        return 1;
    }
    if (add != NULL) {
        int st = add_device(&o, &u, add, b32, argv[0]);
        pt_user_free(&u);
        return st;
    }
    int rc = pt_enrolment_new(&o, (int64_t)time(NULL), &e);
    if (rc == PT_OK)
        rc = pt_base32_decode(b32, e.dev[0].secret, sizeof(e.dev[0].secret),
                              &e.dev[0].secret_len);
    if (rc == PT_OK && !pending) {
        if (o.backup_codes > 0)
            rc = pt_backup_generate(o.backup_codes, &e.backup, codes);
        pt_enrolment_activate(&e);
    }
    pt_store *st = NULL;
    if (rc == PT_OK)
        rc = pt_store_open(&o, &st);
    if (rc == PT_OK)
        rc = pt_store_enrolment_store(st, &u, &e);
    pt_store_close(st);
    if (rc != PT_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], pt_strerror(rc));
        return 1;
    }
    for (unsigned k = 0; !pending && k < o.backup_codes; k++)
        printf("%s\n", codes[k]);
    pt_enrolment_wipe(&e);
    pt_user_free(&u);
    return 0;
}

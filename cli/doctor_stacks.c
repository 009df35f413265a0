/* pam-totp doctor: every PAM service that loads pam_totp.so, its stack and its options. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "doctor_cli.h"
#include "pt_error.h"

#ifndef PT_PAM_MODULE_DIR
#define PT_PAM_MODULE_DIR "/lib/x86_64-linux-gnu/security"
#endif
/* Where libpam looks for a module named without a path: the build's module directory and
 * the places Debian's and other distributions' libpam use. */
#define MODULE_DIRS                                                                            \
    PT_PAM_MODULE_DIR ":/lib/x86_64-linux-gnu/security:/usr/lib/x86_64-linux-gnu/security:"     \
                      "/lib/security:/usr/lib/security:/lib64/security:/usr/lib64/security"

/* A name libpam could take as a service (editor backups and package leftovers are not). */
static bool service_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && len < 256 && n[len - 1] != '~' && strstr(n, ".dpkg-") == NULL &&
           strstr(n, ".ucf-") == NULL;
}

/* The options one pam_totp.so line gives the module: the configuration file it names (config=)
 * or the default one, then its arguments, exactly as the module loads them. Errors are
 * findings at that line. */
static bool line_options(pt_dr_report *r, const char *service, const pt_pam_line *l,
                         pt_options *o)
{
    const char *argv[PT_PAM_ARGS_MAX];
    for (int i = 0; i < l->argc; i++)
        argv[i] = l->argv[i];
    doctor_capture cap;
    doctor_capture_begin(&cap);
    int rc = pt_options_load(o, l->argc, argv);
    doctor_capture_end(&cap);
    if (rc == PT_OK)
        return true;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof where, "%s:%u", l->file, l->lineno);
    pt_dr_add(r, PT_DR_BREAKS, "config_error", where,
              "correct the file or the arguments named (pam_totp.conf(5): each key at most "
              "once; a key on the PAM line overrides the file)",
              "service %s: the module refuses its configuration, so every login through this "
              "stack fails: %s", service, cap.text);
    return false;
}

static int add_service(doctor_services *out, const char *name, const pt_options *o, bool ok)
{
    doctor_service *v = realloc(out->v, (out->n + 1) * sizeof *v);
    if (v == NULL)
        return PT_ERR_NOMEM;
    out->v = v;
    doctor_service *s = &v[out->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->opt = *o;
    s->options_ok = ok;
    return PT_OK;
}

static int one_service(pt_dr_report *r, const char *name, doctor_services *out)
{
    pt_pam_stack st;
    int rc = pt_pam_stack_load(DOCTOR_PAM_DIR, name, &st, r);
    if (rc != PT_OK)
        return rc == PT_ERR_NOMEM ? rc : PT_OK;
    bool loads = false, ok = true;
    pt_options o;
    pt_options_defaults(&o);
    for (size_t i = 0; i < st.n; i++) {
        if (!pt_pam_is_totp(&st.v[i]) || strcmp(st.v[i].type, "auth") != 0)
            continue;
        loads = true;
        /* The last line decides what the checking step uses; every line must load. */
        pt_options lo;
        bool lok = line_options(r, name, &st.v[i], &lo);
        ok = ok && lok;
        if (lok)
            o = lo;
    }
    for (size_t i = 0; i < st.n && !loads; i++)
        loads = pt_pam_is_totp(&st.v[i]);
    if (loads) {
        pt_dr_check_pam(r, name, &st, MODULE_DIRS);
        rc = add_service(out, name, &o, ok);
    }
    pt_pam_stack_free(&st);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int doctor_pam(cli_ctx *c, pt_dr_report *r, doctor_services *out)
{
    (void)c;
    memset(out, 0, sizeof *out);
    DIR *d = opendir(DOCTOR_PAM_DIR);
    if (d == NULL) {
        pt_dr_add(r, PT_DR_ADVICE, "pam_unreadable", DOCTOR_PAM_DIR, "check the directory",
                  "cannot read the PAM configuration directory");
        return CLI_OK;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    int rc = PT_OK;
    while ((e = readdir(d)) != NULL && rc == PT_OK) {
        if (!service_name(e->d_name) || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN &&
                                         e->d_type != DT_LNK))
            continue;
        char **v = realloc(names, (n + 1) * sizeof *v);
        if (v == NULL || (v[n] = strdup(e->d_name)) == NULL) {
            names = v ? v : names;
            rc = PT_ERR_NOMEM;
            break;
        }
        names = v;
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && rc == PT_OK; i++)
        rc = one_service(r, names[i], out);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != PT_OK) {
        cli_err("out of memory while reading the PAM stacks");
        return CLI_SYSERR;
    }
    if (out->n == 0)
        pt_dr_add(r, PT_DR_ADVICE, "pam_not_used", DOCTOR_PAM_DIR,
                  "add `auth required pam_totp.so` after the password step of the services to "
                  "protect (README, pam_totp(8))",
                  "no PAM stack loads pam_totp.so: no login asks for a code");
    return CLI_OK;
}

void doctor_services_free(doctor_services *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

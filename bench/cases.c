/* Case specifications and dispatch to the per-module fixtures. */
#include "cases.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeclock.h"
#include "floor.h"
#include "files.h"
#include "pt_error.h"

int bench_ours_setup(bench_case *c, const bench_env *env);
int bench_ours_backup(bench_case *c, const bench_env *env, char *out, size_t outsz);
int bench_google_setup(bench_case *c, const bench_env *env);
int bench_google_backup(bench_case *c, const bench_env *env, char *out, size_t outsz);

/* Splits spec at ':' into at most max fields (modifies buf). Returns the number of fields. */
static int split(char *buf, char **f, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ":", &save); t != NULL && n < max + 1; t = strtok_r(NULL, ":", &save))
        f[n++] = t;
    return n;
}

static int bad_spec(const char *spec)
{
    fprintf(stderr,
            "pt-bench: bad case \"%s\": use LABEL:ours:MODULE.so:WORKDIR:home|system[:CODES], "
            "LABEL:google:MODULE.so:WORKDIR[:CODES] or LABEL:floor:DIR (absolute paths; ours+sshd, "
            "google+sshd: an sshd-like host with --fresh)\n",
            spec);
    return -1;
}

int bench_case_parse(bench_case *c, const char *spec)
{
    char buf[3 * PATH_MAX], *f[6];
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
    if (strlen(spec) >= sizeof(buf))
        return bad_spec(spec);
    strcpy(buf, spec);
    int n = split(buf, f, 5);
    if (n < 3 || strlen(f[0]) >= sizeof(c->label))
        return bad_spec(spec);
    strcpy(c->label, f[0]);
    int fm = strcmp(f[1], "floor") == 0 ? FLOOR_REPLACE : strcmp(f[1], "floor-1sync") == 0 ? FLOOR_NO_DIRSYNC
             : strcmp(f[1], "floor-inplace") == 0 ? FLOOR_INPLACE : -1;
    if (fm >= 0 && n == 3 && f[2][0] == '/') {
        c->kind = CASE_FLOOR;
        c->floor_mode = fm;
        return bench_path(c->workdir, sizeof(c->workdir), "%s", f[2]);
    }
    size_t kl = strlen(f[1]);
    if (kl > 5 && strcmp(f[1] + kl - 5, "+sshd") == 0) {
        c->sshd_host = true;
        f[1][kl - 5] = '\0';
    }
    int want = strcmp(f[1], "ours") == 0 ? 5 : strcmp(f[1], "google") == 0 ? 4 : -1;
    if ((n != want && n != want + 1) || f[2][0] != '/' || f[3][0] != '/')
        return bad_spec(spec);
    if (n == want + 1) {
        char *end;
        unsigned long k = strtoul(f[want], &end, 10);
        if (*end != '\0' || k < 1 || k > PT_BACKUP_MAX)
            return bad_spec(spec);
        c->ncodes = (unsigned)k;
    }
    c->kind = want == 5 ? CASE_OURS : CASE_GOOGLE;
    if (c->kind == CASE_OURS) {
        if (strcmp(f[4], "system") != 0 && strcmp(f[4], "home") != 0)
            return bad_spec(spec);
        c->system_mode = strcmp(f[4], "system") == 0;
    }
    if (bench_path(c->module, sizeof(c->module), "%s", f[2]) != 0 ||
        bench_path(c->workdir, sizeof(c->workdir), "%s", f[3]) != 0 ||
        bench_path(c->confdir, sizeof(c->confdir), "%s/pam.d", f[3]) != 0)
        return -1;
    if (access(c->module, R_OK) != 0) {
        fprintf(stderr, "pt-bench: %s: module %s not found; build it or install its package\n", c->label,
                c->module);
        return -1;
    }
    return 0;
}

int bench_case_setup(bench_case *c, const bench_env *env)
{
    if (c->kind == CASE_FLOOR) {
        c->dirfd = open(c->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->dirfd < 0) {
            perror(c->workdir);
            return -1;
        }
        return 0;
    }
    if (bench_mkdir(c->workdir, 0755, 0, 0) != 0)
        return -1;
    return c->kind == CASE_OURS ? bench_ours_setup(c, env) : bench_google_setup(c, env);
}

int bench_case_answer(bench_case *c, const bench_env *env, char *out, size_t outsz)
{
    if (!env->backup) {
        int64_t step = pt_totp_step(bench_clock_get(), env->period);
        if (outsz <= PT_CODE_MAX)
            return -1;
        return pt_hotp(PT_ALG_SHA1, env->secret, sizeof(env->secret), (uint64_t)step, 6, out) == PT_OK ? 0 : -1;
    }
    if (c->kind == CASE_OURS)
        return bench_ours_backup(c, env, out, outsz);
    if (c->kind == CASE_GOOGLE)
        return bench_google_backup(c, env, out, outsz);
    return -1;
}

void bench_case_free(bench_case *c)
{
    if (c->kind == CASE_FLOOR && c->dirfd >= 0) {
        bench_floor_cleanup(c->dirfd);
        close(c->dirfd);
    }
    if (c->kind == CASE_OURS)
        pt_enrolment_wipe(&c->enr);
    pt_wipe(c->codes, sizeof(c->codes));
    pt_wipe(c->gcodes, sizeof(c->gcodes));
    bench_samples_free(&c->samples);
    bench_samples_free(&c->full);
    bench_samples_free(&c->proc);
    bench_samples_free(&c->start_flt);
    bench_samples_free(&c->auth_flt);
}

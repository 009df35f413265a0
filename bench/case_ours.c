/* Our module's fixture: a configuration file of the benchmark's own, an active enrolment written
 * through the core (so the format is exactly what pam-totp writes), and an empty state dir. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "fakeclock.h"
#include "files.h"
#include "pt_error.h"

/* The product's default number of codes per set, used when the benchmark is measuring TOTP. */
#define OURS_DEFAULT_CODES 10u

static int set_opt(pt_options *o, const char *key, const char *value)
{
    if (pt_options_set(o, key, value, "pt-bench", false) != PT_OK) {
        fprintf(stderr, "pt-bench: option %s=%s refused\n", key, value);
        return -1;
    }
    return 0;
}

static int write_service(const bench_case *c, const char *conf, const char *state, const char *enrol)
{
    char line[3 * PATH_MAX + 256], path[PATH_MAX];
    if (bench_mkdir(c->confdir, 0755, 0, 0) != 0 || bench_write_other(c->confdir) != 0 ||
        bench_path(path, sizeof(path), "%s/bench", c->confdir) != 0)
        return -1;
    int n = snprintf(line, sizeof(line), "auth required %s config=%s state_dir=%s enrolment_file=%s window=1\n",
                     c->module, conf, state, enrol);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    return bench_write_file(path, line, (size_t)n, 0644, 0, 0);
}

/* Writes the enrolment with a fresh id; a new id also makes the state forget used codes. */
static int store_enrolment(bench_case *c, const bench_env *env)
{
    if (pt_enrolment_new_id(c->enr.id) != PT_OK || pt_enrolment_store(&c->opt, env->user, &c->enr) != PT_OK) {
        fprintf(stderr, "pt-bench: %s: cannot write the enrolment\n", c->label);
        return -1;
    }
    c->next_code = 0;
    return 0;
}

int bench_ours_setup(bench_case *c, const bench_env *env)
{
    char conf[PATH_MAX], state[PATH_MAX], enrol[PATH_MAX], old[PATH_MAX];
    static const char conf_text[] = "# pam_totp benchmark: every setting is a module argument\n";
    if (bench_path(conf, sizeof(conf), "%s/pam_totp.conf", c->workdir) != 0 ||
        bench_path(state, sizeof(state), "%s/state", c->workdir) != 0 ||
        bench_path(old, sizeof(old), "%s/uid:%lu", state, (unsigned long)env->user->uid) != 0)
        return -1;
    if (c->system_mode ? bench_path(enrol, sizeof(enrol), "%s/enrol/%%u", c->workdir) != 0
                       : bench_path(enrol, sizeof(enrol), "%%h/.pam_totp") != 0)
        return -1;
    if (bench_write_file(conf, conf_text, sizeof(conf_text) - 1, 0644, 0, 0) != 0 ||
        write_service(c, conf, state, enrol) != 0)
        return -1;
    if (unlink(old) != 0 && errno != ENOENT) /* replay state of an earlier run */
        return -1;

    pt_options_defaults(&c->opt);
    if (set_opt(&c->opt, "state_dir", state) != 0 || set_opt(&c->opt, "enrolment_file", enrol) != 0 ||
        set_opt(&c->opt, "window", "1") != 0)
        return -1;
    if (pt_enrolment_new(&c->opt, bench_clock_get(), &c->enr) != PT_OK)
        return -1;
    pt_enrolment_activate(&c->enr);
    c->enr.dev[0].alg = PT_ALG_SHA1;
    c->enr.dev[0].digits = 6;
    c->enr.dev[0].period = env->period;
    memcpy(c->enr.dev[0].secret, env->secret, sizeof(env->secret));
    c->enr.dev[0].secret_len = sizeof(env->secret);
    if (c->ncodes == 0)
        c->ncodes = OURS_DEFAULT_CODES;
    if (pt_backup_generate(c->ncodes, &c->enr.backup, c->codes) != PT_OK) {
        fprintf(stderr, "pt-bench: %s: cannot generate backup codes\n", c->label);
        return -1;
    }
    return store_enrolment(c, env);
}

int bench_ours_backup(bench_case *c, const bench_env *env, char *out, size_t outsz)
{
    if (c->next_code >= c->ncodes && store_enrolment(c, env) != 0)
        return -1;
    return bench_path(out, outsz, "%s", c->codes[c->next_code++]);
}

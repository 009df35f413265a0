/* pt-bench: logs in through real libpam, in-process, many times, with our module and with
 * Google's, alternating batches so that both see the same machine state, and measures the floor
 * (one durable small-file replacement) in between.
 *
 *   pt-bench login [-u USER] [-n LOGINS] [-b BATCH] [-w WARMUP] [--backup] [--fresh] CASE...
 *   pt-bench populate WORKDIR COUNT UID_BASE PASSWD_OUT GROUP_OUT
 *
 * CASE is LABEL:ours:MODULE.so:WORKDIR:home|system[:CODES], LABEL:google:MODULE.so:WORKDIR[:CODES]
 * or LABEL:floor:DIR (see cases.h). Each login is pam_start_confdir + pam_authenticate + pam_end, as a login
 * process does it, with the wall clock (time, clock_gettime, gettimeofday: fakeclock.c) one
 * period later than the previous login, so every TOTP code is fresh. With --backup every login
 * uses a new backup (scratch) code from sets of CODES codes. With --fresh every login runs in a
 * process of its own (fork, exec pt-bench-login1: see fresh.h), as over sshd, where the module is
 * loaded for each login; without it, our module (linked nodelete) is loaded once for the whole run
 * while Google's is loaded and unloaded by every login. Before measuring, each case must accept
 * its warm-up logins and refuse a replayed answer (proof that reuse is disallowed).
 *
 * Output, one line per case: "case=LABEL median_us=.. p99_us=.. mean_us=.. min_us=.. n=..
 * full_median_us=.. full_p99_us=.." (median_us etc.: pam_start_confdir + pam_authenticate;
 * full_*: including pam_end; with --fresh both are timed in the child, and proc_median_us,
 * proc_p99_us (fork to exit, timed here), child_maxrss_kb and the medians of the child's minor page
 * faults during pam_start_confdir and pam_authenticate, start_faults and auth_faults, follow), then "maxrss_kb=N": the
 * peak RSS of the measured phase (getrusage, with the peak reset after the fixtures were set up,
 * which hash backup codes). Exit status 0, or 1 when any login failed (the figures would be
 * meaningless). */
#include <limits.h>
#include <malloc.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cases.h"
#include "conv.h"
#include "fakeclock.h"
#include "floor.h"
#include "fresh.h"
#include "pt_error.h"
#include "user.h"

int bench_populate_main(int argc, char **argv);

#define MAX_CASES 16
#define ANSWER_MAX 64

/* One login, in this process or (--fresh) in a process of its own. ns[0]: pam_start_confdir +
 * pam_authenticate, the latency a user waits for (a login process calls pam_end only when the
 * session ends); ns[1]: the whole cycle including pam_end; ns[2]: fork to exit with --fresh, else
 * ns[1]. In this process, our module (linked nodelete) stays loaded after the first pam_end while
 * Google's is loaded and unloaded by every login; --fresh loads both once per login, as sshd does.
 * Returns the PAM result, or BENCH_FRESH_HARNESS_ERR when the child could not run. */
static int login_once(bench_case *c, const bench_env *env, const char *answer, int64_t ns[3])
{
    if (env->child != NULL) {
        long rss = 0;
        int rc = bench_fresh_login(env->child, c->sshd_host, c->confdir, env->user->name, bench_clock_get(), answer, ns,
                                   c->last_flt, &rss);
        if (rss > c->child_rss_kb)
            c->child_rss_kb = rss;
        return rc;
    }
    bench_conv_data d = {answer, 0};
    struct pam_conv conv = {bench_converse, &d};
    pam_handle_t *h = NULL;
    int64_t t0 = bench_mono_ns();
    int rc = pam_start_confdir("bench", env->user->name, &conv, c->confdir, &h);
    if (rc == PAM_SUCCESS) {
        pam_set_item(h, PAM_FAIL_DELAY, (const void *)bench_no_delay);
        rc = pam_authenticate(h, 0);
        ns[0] = bench_mono_ns() - t0;
        pam_end(h, rc);
    }
    ns[1] = ns[2] = bench_mono_ns() - t0;
    if (rc != PAM_SUCCESS)
        ns[0] = ns[1];
    return rc;
}

/* One measured operation of a case at the current benchmark time. */
static int run_one(bench_case *c, const bench_env *env, int64_t ns[3], char *answer)
{
    if (c->kind == CASE_FLOOR) {
        int64_t t0 = bench_mono_ns();
        int rc = bench_floor_once(c->dirfd, (bench_floor_mode)c->floor_mode, c->floor_n++);
        ns[0] = ns[1] = ns[2] = bench_mono_ns() - t0;
        if (rc != 0)
            perror("pt-bench: floor write");
        return rc;
    }
    if (bench_case_answer(c, env, answer, ANSWER_MAX) != 0) {
        fprintf(stderr, "pt-bench: %s: cannot prepare the answer\n", c->label);
        return -1;
    }
    int rc = login_once(c, env, answer, ns);
    if (rc == BENCH_FRESH_HARNESS_ERR)
        return -1;
    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "pt-bench: %s: login at t=%lld refused: %s (%d)\n", c->label,
                (long long)bench_clock_get(), pam_strerror(NULL, rc), rc);
        return -1;
    }
    return 0;
}

static void tick(const bench_env *env)
{
    bench_clock_set(bench_clock_get() + env->period);
}

/* Warm-up logins, then the same answer again at the same time must be refused. */
static int warm_up(bench_case *c, const bench_env *env, unsigned warmup)
{
    char answer[ANSWER_MAX] = "";
    int64_t ns[3];
    for (unsigned i = 0; i < warmup; i++) {
        tick(env);
        if (run_one(c, env, ns, answer) != 0)
            return -1;
    }
    if (c->kind == CASE_FLOOR || warmup == 0)
        return 0;
    int rc = login_once(c, env, answer, ns);
    if (rc == BENCH_FRESH_HARNESS_ERR)
        return -1;
    if (rc == PAM_SUCCESS) {
        fprintf(stderr, "pt-bench: %s: a replayed answer was accepted; reuse must be disallowed\n", c->label);
        return -1;
    }
    pt_wipe(answer, sizeof(answer));
    return 0;
}

static int measure(bench_case *cases, int ncases, const bench_env *env, unsigned n, unsigned batch)
{
    char answer[ANSWER_MAX];
    for (unsigned done = 0; done < n; done += batch) {
        unsigned k = n - done < batch ? n - done : batch;
        for (int ci = 0; ci < ncases; ci++) {
            for (unsigned i = 0; i < k; i++) {
                int64_t ns[3];
                tick(env);
                if (run_one(&cases[ci], env, ns, answer) != 0)
                    return -1;
                bench_samples_add(&cases[ci].samples, ns[0]);
                bench_samples_add(&cases[ci].full, ns[1]);
                bench_samples_add(&cases[ci].proc, ns[2]);
                bench_samples_add(&cases[ci].start_flt, cases[ci].last_flt[0]);
                bench_samples_add(&cases[ci].auth_flt, cases[ci].last_flt[1]);
            }
        }
    }
    pt_wipe(answer, sizeof(answer));
    return 0;
}

/* Forgets the peak RSS so far (Linux >= 4.0): the fixtures hash backup codes with argon2id, which a
 * login of the product being measured may not do. getrusage then reports the peak from here on. */
static void reset_peak_rss(void)
{
    malloc_trim(0); /* give back the heap the hashing grew (glibc keeps it otherwise) */
    FILE *f = fopen("/proc/self/clear_refs", "we");
    if (f == NULL || fputs("5", f) == EOF)
        fprintf(stderr, "pt-bench: cannot reset the peak RSS; maxrss_kb includes the setup\n");
    if (f != NULL)
        fclose(f);
}

static void report(bench_case *cases, int ncases, const bench_env *env)
{
    for (int ci = 0; ci < ncases; ci++) {
        bench_summary s, f, p, sf, af;
        bench_summarise(&cases[ci].samples, &s);
        bench_summarise(&cases[ci].full, &f);
        bench_summarise(&cases[ci].proc, &p);
        bench_summarise(&cases[ci].start_flt, &sf); /* counts: the summary's "us" are counts / 1000 */
        bench_summarise(&cases[ci].auth_flt, &af);
        printf("case=%s median_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f n=%zu full_median_us=%.1f "
               "full_p99_us=%.1f",
               cases[ci].label, s.median_us, s.p99_us, s.mean_us, s.min_us, s.n, f.median_us, f.p99_us);
        if (env->child != NULL && cases[ci].kind != CASE_FLOOR)
            printf(" proc_median_us=%.1f proc_p99_us=%.1f child_maxrss_kb=%ld start_faults=%.0f auth_faults=%.0f",
                   p.median_us, p.p99_us, cases[ci].child_rss_kb, sf.median_us * 1000.0, af.median_us * 1000.0);
        printf("\n");
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("maxrss_kb=%ld\n", ru.ru_maxrss);
}

static int usage(void)
{
    fprintf(stderr, "usage: pt-bench login [-u USER] [-n LOGINS] [-b BATCH] [-w WARMUP] [--backup] [--fresh] CASE...\n"
                    "       pt-bench populate WORKDIR COUNT UID_BASE PASSWD_OUT GROUP_OUT\n"
                    "CASE: LABEL:ours:MODULE.so:WORKDIR:home|system[:CODES] | LABEL:google:MODULE.so:WORKDIR[:CODES] | "
                    "LABEL:floor:DIR\n");
    return 2;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int login_main(int argc, char **argv)
{
    static bench_case cases[MAX_CASES];
    const char *user = "ptbench";
    unsigned n = 2000, batch = 100, warmup = 3;
    bool backup = false, fresh = false;
    int ncases = 0, i;
    for (i = 2; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--backup") == 0) {
            backup = true;
            continue;
        }
        if (strcmp(argv[i], "--fresh") == 0) {
            fresh = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return usage();
        int bad = 0;
        if (strcmp(argv[i], "-u") == 0)
            user = v;
        else if (strcmp(argv[i], "-n") == 0)
            bad = parse_uint(v, 1, 1000000, &n);
        else if (strcmp(argv[i], "-b") == 0)
            bad = parse_uint(v, 1, 1000000, &batch);
        else if (strcmp(argv[i], "-w") == 0)
            bad = parse_uint(v, 0, 1000, &warmup);
        else
            return usage();
        if (bad)
            return usage();
        i++;
    }
    for (; i < argc; i++) {
        if (ncases == MAX_CASES || bench_case_parse(&cases[ncases], argv[i]) != 0)
            return usage();
        ncases++;
    }
    if (ncases == 0)
        return usage();

    pt_user u;
    if (pt_user_lookup(&u, user) != PT_OK) {
        fprintf(stderr, "pt-bench: no account %s: create the test user first (scripts/bench.sh does)\n", user);
        return 1;
    }
    static char child[PATH_MAX];
    if (fresh && bench_fresh_child_path(child, sizeof(child)) != 0) {
        pt_user_free(&u);
        return 1;
    }
    if (fresh)
        signal(SIGPIPE, SIG_IGN); /* a child that dies early must not take the benchmark with it */
    bench_env env = {.user = &u, .period = 30, .backup = backup, .child = fresh ? child : NULL};
    /* Start mid-step at the real time: enrolments look recent, logs look sane. */
    bench_clock_set(bench_real_time() / 30 * 30 + 15);
    int rc = pt_random_bytes(env.secret, sizeof(env.secret)) == PT_OK ? 0 : -1;
    for (int ci = 0; rc == 0 && ci < ncases; ci++) {
        if (bench_samples_init(&cases[ci].samples, n) != 0 || bench_samples_init(&cases[ci].full, n) != 0 ||
            bench_samples_init(&cases[ci].proc, n) != 0 || bench_samples_init(&cases[ci].start_flt, n) != 0 ||
            bench_samples_init(&cases[ci].auth_flt, n) != 0 ||
            bench_case_setup(&cases[ci], &env) != 0)
            rc = -1;
    }
    if (rc == 0)
        reset_peak_rss();
    for (int ci = 0; rc == 0 && ci < ncases; ci++)
        rc = warm_up(&cases[ci], &env, warmup);
    if (rc == 0)
        rc = measure(cases, ncases, &env, n, batch);
    if (rc == 0)
        report(cases, ncases, &env);
    for (int ci = 0; ci < ncases; ci++)
        bench_case_free(&cases[ci]);
    pt_wipe(env.secret, sizeof(env.secret));
    pt_user_free(&u);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "login") == 0)
        return login_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "populate") == 0)
        return bench_populate_main(argc - 1, argv + 1);
    return usage();
}

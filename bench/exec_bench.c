/* pt-exec-bench: runs a command many times and reports the median and 99th percentile of its
 * wall-clock time (fork to exit), and the largest peak RSS of a run.
 *
 *   pt-exec-bench [-n RUNS] [-w WARMUP] [--unlink PATH]... -- COMMAND [ARG...]
 *
 * --unlink removes PATH before every run, outside the timed region (e.g. the pending enrolment
 * that `pam-totp enrol --begin` creates). The command's stdout goes to /dev/null; every run must
 * exit 0, or the figures would be meaningless and the exit status is 1.
 * Output: "median_us=.. p99_us=.. mean_us=.. min_us=.. n=.. maxrss_kb=..". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define MAX_UNLINK 8

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One run: 0 and *ns, *rss_kb, or -1 (message printed). */
static int run(char **cmd, int64_t *ns, long *rss_kb)
{
    int64_t t0 = mono_ns();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execvp(cmd[0], cmd);
        fprintf(stderr, "pt-exec-bench: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *ns = mono_ns() - t0;
    *rss_kb = ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pt-exec-bench: %s failed (status %d)\n", cmd[0], status);
        return -1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: pt-exec-bench [-n RUNS] [-w WARMUP] [--unlink PATH]... -- COMMAND [ARG...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned n = 50, warmup = 3, nunlink = 0;
    const char *unlinks[MAX_UNLINK];
    int i;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "-n") == 0)
            n = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-w") == 0)
            warmup = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--unlink") == 0 && nunlink < MAX_UNLINK)
            unlinks[nunlink++] = argv[i + 1];
        else
            return usage();
    }
    if (i + 1 >= argc || n == 0 || n > 100000)
        return usage();
    char **cmd = argv + i + 1;
    bench_samples s;
    if (bench_samples_init(&s, n) != 0)
        return 1;
    long maxrss = 0;
    for (unsigned r = 0; r < warmup + n; r++) {
        for (unsigned u = 0; u < nunlink; u++)
            if (unlink(unlinks[u]) != 0 && errno != ENOENT)
                perror(unlinks[u]);
        int64_t ns;
        long rss;
        if (run(cmd, &ns, &rss) != 0) {
            bench_samples_free(&s);
            return 1;
        }
        if (r >= warmup)
            bench_samples_add(&s, ns);
        if (rss > maxrss)
            maxrss = rss;
    }
    bench_summary sum;
    bench_summarise(&s, &sum);
    printf("median_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f n=%zu maxrss_kb=%ld\n", sum.median_us, sum.p99_us,
           sum.mean_us, sum.min_us, sum.n, maxrss);
    bench_samples_free(&s);
    return 0;
}

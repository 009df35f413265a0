/* See fresh.h. */
#include "fresh.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeclock.h"

#define CHILD_NAME "pt-bench-login1"
#define RESULT_FD 3

int bench_fresh_child_path(char *out, size_t outsz)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return perror("pt-bench: /proc/self/exe"), -1;
    self[n] = '\0';
    int k = snprintf(out, outsz, "%s/%s", dirname(self), CHILD_NAME);
    if (k < 0 || (size_t)k >= outsz || access(out, X_OK) != 0) {
        fprintf(stderr, "pt-bench: %s not found next to pt-bench: build the pt-bench-login1 target\n", CHILD_NAME);
        return -1;
    }
    return 0;
}

/* In the child: stdin from the answer pipe, fd 3 to the result pipe, then exec. Never returns. */
static void exec_child(const char *child, bool sshd_host, const char *confdir, const char *user, int64_t now, int in, int out)
{
    char when[32];
    snprintf(when, sizeof(when), "%lld", (long long)now);
    if (dup2(in, STDIN_FILENO) < 0 || (out == RESULT_FD ? fcntl(out, F_SETFD, 0) : dup2(out, RESULT_FD)) < 0)
        _exit(2);
    if (sshd_host)
        execl(child, CHILD_NAME, "--sshd", confdir, user, when, (char *)NULL);
    else
        execl(child, CHILD_NAME, confdir, user, when, (char *)NULL);
    _exit(127);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until EOF (the child's exit closes the pipe). */
static int read_all(int fd, char *buf, size_t bufsz)
{
    size_t n = 0;
    while (n < bufsz - 1) {
        ssize_t r = read(fd, buf + n, bufsz - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return n > 0 ? 0 : -1;
}

int bench_fresh_login(const char *child, bool sshd_host, const char *confdir, const char *user, int64_t now,
                      const char *answer, int64_t ns[3], long flt[2], long *rss_kb)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return perror("pt-bench: pipe"), BENCH_FRESH_HARNESS_ERR;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        return perror("pt-bench: pipe"), BENCH_FRESH_HARNESS_ERR;
    }
    int64_t t0 = bench_mono_ns();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(child, sshd_host, confdir, user, now, in[0], out[1]);
    close(in[0]), close(out[1]);
    char res[128] = "";
    int ok = pid > 0 && write_all(in[1], answer, strlen(answer)) == 0 && write_all(in[1], "\n", 1) == 0;
    close(in[1]);
    ok = ok && read_all(out[0], res, sizeof(res)) == 0;
    close(out[0]);
    int status = 0;
    struct rusage ru;
    if (pid > 0 && wait4(pid, &status, 0, &ru) != pid)
        ok = 0;
    ns[2] = bench_mono_ns() - t0;
    int rc;
    long long auth, full;
    if (!ok || sscanf(res, "rc=%d auth_ns=%lld full_ns=%lld start_flt=%ld auth_flt=%ld", &rc, &auth, &full, &flt[0],
                      &flt[1]) != 5 || !WIFEXITED(status) ||
        WEXITSTATUS(status) > 1) {
        fprintf(stderr, "pt-bench: %s did not complete a login (status %d)\n", CHILD_NAME, status);
        return BENCH_FRESH_HARNESS_ERR;
    }
    ns[0] = auth;
    ns[1] = full;
    *rss_kb = ru.ru_maxrss;
    return rc;
}

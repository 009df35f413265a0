/* pt-bench-login1: one login in a process of its own, as sshd does it (one connection, one
 * process, the module loaded for that login only). Run by `pt-bench login --fresh`, never by hand.
 *
 *   pt-bench-login1 [--sshd] CONFDIR USER UNIX_TIME      (the answer on stdin, one line)
 *
 * It links libpam and nothing of ours: the module loads its own libraries (libgcrypt, libargon2)
 * as in a host that has none of them, and initialises them (the "libpam only" host, as login(1)).
 * --sshd makes it the host Debian 12's sshd is before it calls pam_start: libgcrypt mapped and
 * relocated (sshd links libsystemd, which links libgcrypt; neither initialises it) and the account
 * resolved with getpwnam (sshd looks the user up before PAM, which loads the NSS passwd module).
 * Both happen before the clock starts, as they are the host's cost, not the module's. The benchmark clock (fakeclock.c) is
 * set to UNIX_TIME, so the answer the parent computed is valid. Writes
 * "rc=N auth_ns=N full_ns=N start_flt=N auth_flt=N" to fd 3: auth_ns from before
 * pam_start_confdir to after pam_authenticate (what the user waits for), full_ns to after
 * pam_end; start_flt and auth_flt the minor page faults of pam_start_confdir and of
 * pam_authenticate. Exit status 0 when the
 * login succeeded, 1 when it was refused, 2 on a usage or setup error. */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "conv.h"
#include "fakeclock.h"

#define ANSWER_MAX 64
#define RESULT_FD 3

/* Reads one line of at most ANSWER_MAX - 1 bytes from stdin, without the newline. */
static int read_answer(char *out)
{
    size_t n = 0;
    while (n < ANSWER_MAX - 1) {
        ssize_t r = read(STDIN_FILENO, out + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || out[n] == '\n')
            break;
        n++;
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

static long minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

int main(int argc, char **argv)
{
    char answer[ANSWER_MAX], *end;
    if (argc == 5 && strcmp(argv[1], "--sshd") == 0) {
        /* RTLD_GLOBAL: a DT_NEEDED library of the executable is in the global scope too. */
        if (dlopen("libgcrypt.so.20", RTLD_NOW | RTLD_GLOBAL) == NULL || getpwnam(argv[3]) == NULL) {
            fprintf(stderr, "pt-bench-login1: --sshd: cannot map libgcrypt or resolve %s\n", argv[3]);
            return 2;
        }
        argc--, argv++;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: pt-bench-login1 [--sshd] CONFDIR USER UNIX_TIME (answer on stdin; run by pt-bench)\n");
        return 2;
    }
    long long now = strtoll(argv[3], &end, 10);
    if (*argv[3] == '\0' || *end != '\0' || now <= 0 || read_answer(answer) != 0) {
        fprintf(stderr, "pt-bench-login1: bad time or no answer on stdin\n");
        return 2;
    }
    bench_clock_set(now);

    bench_conv_data d = {answer, 0};
    struct pam_conv conv = {bench_converse, &d};
    pam_handle_t *h = NULL;
    /* Minor page faults of each phase: in a fresh process every page a login touches first is
     * one, and on this kind of machine each costs several microseconds (docs/BENCHMARKS.md). */
    long flt0 = minor_faults(), flt1 = flt0, flt2 = flt0;
    int64_t t0 = bench_mono_ns(), auth_ns = -1;
    int rc = pam_start_confdir("bench", argv[2], &conv, argv[1], &h);
    flt1 = minor_faults();
    if (rc == PAM_SUCCESS) {
        pam_set_item(h, PAM_FAIL_DELAY, (const void *)bench_no_delay);
        rc = pam_authenticate(h, 0);
        auth_ns = bench_mono_ns() - t0;
        flt2 = minor_faults();
        pam_end(h, rc);
    }
    int64_t full_ns = bench_mono_ns() - t0;
    if (auth_ns < 0) /* pam_start_confdir failed */
        auth_ns = full_ns;
    explicit_bzero(answer, sizeof(answer)); /* a benchmark code, but keep the habit */
    if (dprintf(RESULT_FD, "rc=%d auth_ns=%lld full_ns=%lld start_flt=%ld auth_flt=%ld\n", rc, (long long)auth_ns,
                (long long)full_ns, flt1 - flt0, flt2 - flt1) < 0) {
        perror("pt-bench-login1: fd 3");
        return 2;
    }
    return rc == PAM_SUCCESS ? 0 : 1;
}

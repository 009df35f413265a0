/* A login in a fresh process (pt-bench login --fresh): fork, exec pt-bench-login1 (login_child.c),
 * hand it the answer on a pipe, read its timings back on another. */
#ifndef PT_BENCH_FRESH_H
#define PT_BENCH_FRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_FRESH_HARNESS_ERR (-1)

/* One login by `child` (absolute path of pt-bench-login1) with service directory confdir, at
 * benchmark time now; sshd_host: the child first maps libgcrypt and resolves the account, as
 * Debian's sshd has done before it calls pam_start (login_child.c). ns[0]: pam_start_confdir + pam_authenticate, ns[1]: the same plus pam_end,
 * both measured in the child; ns[2]: fork to exit (process creation, exec, dynamic linking, the
 * login, exit), measured here. flt[0], flt[1]: the child's minor page faults during
 * pam_start_confdir and during pam_authenticate. *rss_kb: the child's peak RSS. Returns the PAM result of the login,
 * or BENCH_FRESH_HARNESS_ERR (message printed) when the child could not run or report. */
int bench_fresh_login(const char *child, bool sshd_host, const char *confdir, const char *user, int64_t now,
                      const char *answer, int64_t ns[3], long flt[2], long *rss_kb);

/* The path of pt-bench-login1: next to the running executable. 0 or -1 (message printed). */
int bench_fresh_child_path(char *out, size_t outsz);

#endif

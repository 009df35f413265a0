/* pam-totp doctor: running sshd -T and reading what it prints. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "doctor_cli.h"

#define RUN_OUTPUT_MAX (1024 * 1024)
#define RUN_TIMEOUT_MS 20000

typedef struct {
    int fd;
    char *buf;
    size_t len;
} sink;

/* Reads what is available; returns false at end of file or error. Output past the cap is read
 * and dropped, so the child never blocks on a full pipe. */
static bool drain(sink *s)
{
    char tmp[4096];
    ssize_t n = read(s->fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    if (s->len + (size_t)n <= RUN_OUTPUT_MAX) {
        char *b = realloc(s->buf, s->len + (size_t)n + 1);
        if (b == NULL)
            return false;
        memcpy(b + s->len, tmp, (size_t)n);
        s->buf = b;
        s->len += (size_t)n;
        s->buf[s->len] = '\0';
    }
    return true;
}

static void child(char *const argv[], int out, int err)
{
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(127);
    execve(argv[0], argv, envp);
    _exit(127);
}

int doctor_run(char *const argv[], char **out, size_t *outlen, char **err, int *status)
{
    int po[2], pe[2];
    *out = *err = NULL;
    *outlen = 0;
    if (pipe2(po, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]), close(po[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, po[1], pe[1]);
    close(po[1]), close(pe[1]);
    if (pid < 0) {
        close(po[0]), close(pe[0]);
        return -1;
    }
    sink s[2] = {{po[0], NULL, 0}, {pe[0], NULL, 0}};
    bool open_[2] = {true, true};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (open_[0] || open_[1]) {
        struct pollfd p[2] = {{open_[0] ? s[0].fd : -1, POLLIN, 0},
                              {open_[1] ? s[1].fd : -1, POLLIN, 0}};
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= RUN_TIMEOUT_MS) {
            kill(pid, SIGKILL); /* a hung sshd -T must not hang the doctor */
            break;
        }
        int n = poll(p, 2, (int)(RUN_TIMEOUT_MS - spent));
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++)
            if (open_[i] && p[i].revents && !drain(&s[i]))
                open_[i] = false;
    }
    close(s[0].fd), close(s[1].fd);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    *out = s[0].buf;
    *outlen = s[0].len;
    *err = s[1].buf;
    return 0;
}

/* pt-ptyrun: runs a command on a pseudo-terminal and answers its prompts, for tests of
 * interactive programs (the terminal's echo and isatty() behave as for a person).
 *
 *   pt-ptyrun [-t SECONDS] [-l LOGFILE] [-e TEXT (-s ANSWER | -x SHELLCMD)]... -- CMD [ARG...]
 *
 * Everything the command writes is copied to LOGFILE (default: stdout), raw. The -e/-s and -e/-x
 * pairs are expectations in order: when TEXT appears in the output after the previous match, the
 * answer is typed followed by Enter: the literal ANSWER (-s), or the first line printed by
 * SHELLCMD run with PTY_LOG set to a file holding the output so far (-x; for answers computed
 * from what the command showed, e.g. a TOTP code for the secret it printed).
 * Exit status: the command's, 128+N if killed by signal N, 124 on timeout (the command is then
 * killed), 125 on a usage or system error. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 32

struct step {
    const char *expect;
    const char *send;  /* literal, or NULL */
    const char *shell; /* command printing the answer, or NULL */
};

static char *transcript;
static size_t tlen, tcap;

static void append(const char *buf, size_t n)
{
    if (tlen + n + 1 > tcap) {
        tcap = (tlen + n + 1) * 2;
        transcript = realloc(transcript, tcap);
        if (transcript == NULL) {
            perror("pt-ptyrun");
            exit(125);
        }
    }
    memcpy(transcript + tlen, buf, n);
    tlen += n;
    transcript[tlen] = '\0';
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* The answer of a -x step: first line of the shell command's output. */
static int shell_answer(const char *cmd, char *out, size_t outsz)
{
    char path[] = "/tmp/pt-ptyrun-log.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    write_all(fd, transcript ? transcript : "", tlen);
    close(fd);
    setenv("PTY_LOG", path, 1);
    FILE *p = popen(cmd, "r");
    int ok = p != NULL && fgets(out, (int)outsz, p) != NULL;
    if (p != NULL)
        pclose(p);
    unlink(path);
    unsetenv("PTY_LOG");
    if (!ok)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: pt-ptyrun [-t SECONDS] [-l LOGFILE] [-e TEXT (-s ANSWER | -x CMD)]... "
                    "-- CMD [ARG...]\n");
    return 125;
}

int main(int argc, char **argv)
{
    struct step steps[MAX_STEPS];
    size_t nsteps = 0, next = 0, matched_at = 0;
    int timeout = 60, opt;
    FILE *log = stdout;

    memset(steps, 0, sizeof(steps));
    while ((opt = getopt(argc, argv, "+t:l:e:s:x:")) != -1) {
        switch (opt) {
        case 't': timeout = atoi(optarg); break;
        case 'l':
            log = fopen(optarg, "w");
            if (log == NULL) {
                perror(optarg);
                return 125;
            }
            break;
        case 'e':
            if (nsteps == MAX_STEPS)
                return usage();
            steps[nsteps++].expect = optarg;
            break;
        case 's':
        case 'x':
            if (nsteps == 0 || steps[nsteps - 1].send || steps[nsteps - 1].shell)
                return usage();
            if (opt == 's')
                steps[nsteps - 1].send = optarg;
            else
                steps[nsteps - 1].shell = optarg;
            break;
        default: return usage();
        }
    }
    if (optind >= argc)
        return usage();

    struct winsize ws = {.ws_row = 200, .ws_col = 250};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("forkpty");
        return 125;
    }
    if (pid == 0) {
        execvp(argv[optind], argv + optind);
        perror(argv[optind]);
        _exit(127);
    }

    time_t deadline = time(NULL) + timeout;
    int timed_out = 0;
    for (;;) {
        struct pollfd pfd = {.fd = master, .events = POLLIN};
        int r = poll(&pfd, 1, 200);
        if (r < 0 && errno != EINTR)
            break;
        if (time(NULL) > deadline) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(master, buf, sizeof(buf));
        if (n <= 0) /* EIO: the command closed the terminal (exited) */
            break;
        fwrite(buf, 1, (size_t)n, log);
        fflush(log);
        append(buf, (size_t)n);
        while (next < nsteps) {
            char *hit = strstr(transcript + matched_at, steps[next].expect);
            if (hit == NULL)
                break;
            matched_at = (size_t)(hit - transcript) + strlen(steps[next].expect);
            char answer[1024];
            if (steps[next].shell) {
                if (shell_answer(steps[next].shell, answer, sizeof(answer)) != 0) {
                    fprintf(stderr, "pt-ptyrun: no answer from: %s\n", steps[next].shell);
                    answer[0] = '\0';
                }
            } else {
                snprintf(answer, sizeof(answer), "%s", steps[next].send);
            }
            write_all(master, answer, strlen(answer));
            write_all(master, "\r", 1);
            next++;
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    if (log != stdout)
        fclose(log);
    free(transcript);
    if (timed_out) {
        fprintf(stderr, "pt-ptyrun: timed out after %d s\n", timeout);
        return 124;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

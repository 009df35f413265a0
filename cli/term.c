/* pam-totp: reading codes and confirmations. A code is read from the terminal with echo off
 * (and the terminal restored even when interrupted), or as one line of stdin for scripts. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "cli.h"
#include "totp.h"

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_and_die(int sig)
{
    if (tio_saved)
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
    signal(sig, SIG_DFL);
    raise(sig);
}

bool cli_stdin_is_tty(void)
{
    return isatty(STDIN_FILENO) == 1;
}

/* One line from stdin into buf; the rest of an over-long line is consumed. */
static int read_line(char *buf, size_t bufsz)
{
    size_t n = 0;
    int ch, too_long = 0;
    while ((ch = getchar()) != EOF && ch != '\n') {
        if (n + 1 < bufsz)
            buf[n++] = (char)ch;
        else
            too_long = 1;
    }
    buf[n] = '\0';
    if (ch == EOF && n == 0 && !too_long)
        return -1;
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    if (too_long) {
        pt_wipe(buf, bufsz);
        return -2;
    }
    return 0;
}

int cli_read_answer(const char *prompt, char *buf, size_t bufsz)
{
    struct sigaction sa, old_int, old_term, old_hup;
    struct termios tio;
    int r;

    fflush(stdout);
    if (!cli_stdin_is_tty() || tcgetattr(STDIN_FILENO, &saved_tio) != 0) {
        if (cli_stdin_is_tty())
            fputs(prompt, stderr);
        return read_line(buf, bufsz);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = restore_and_die;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    tio = saved_tio;
    tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    tio.c_lflag |= ICANON;
    tio_saved = 1;
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);

    fputs(prompt, stderr);
    fflush(stderr);
    r = read_line(buf, bufsz);
    fputc('\n', stderr); /* the Enter the user typed was not echoed */

    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
    tio_saved = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return r;
}

bool cli_ask_yes(const char *question)
{
    char line[16];
    fflush(stdout);
    fputs(question, stderr);
    fflush(stderr);
    if (read_line(line, sizeof(line)) != 0)
        return false;
    return strcmp(line, "y") == 0 || strcmp(line, "yes") == 0 || strcmp(line, "Y") == 0 ||
           strcmp(line, "YES") == 0 || strcmp(line, "Yes") == 0;
}

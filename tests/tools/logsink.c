/* pt-logsink SOCKET FILE: binds a datagram socket at SOCKET (for tests: /dev/log when no syslog
 * daemon runs) and appends every message received to FILE, one per line, until SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SOCKET FILE\n", argv[0]);
        return 2;
    }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof(sa.sun_path))
        return 2;
    strcpy(sa.sun_path, argv[1]);
    FILE *out = fopen(argv[2], "a");
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (out == NULL || s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("pt-logsink");
        return 1;
    }
    chmod(argv[1], 0666);
    struct sigaction act = { .sa_handler = on_term };
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    char buf[8192];
    while (!stop) {
        ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
            n--;
        buf[n] = '\0';
        fprintf(out, "%s\n", buf);
        fflush(out);
    }
    close(s);
    unlink(argv[1]);
    fclose(out);
    return 0;
}

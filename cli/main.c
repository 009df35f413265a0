/* pam-totp: global options, process hardening, logging, and the subcommand dispatch table
 * (one file per subcommand, like wireguard-tools' wg). */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"enrol", cmd_enrol, "set up an authenticator app (QR code, confirm a code, backup codes)"},
    {"status", cmd_status, "show whether MFA is set up, required, locked, and codes left"},
    {"disable", cmd_disable, "remove your enrolment (needs a current code)"},
    {"devices", cmd_devices, "list your devices (authenticators): name, added, last used"},
    {"remove-device", cmd_remove_device, "remove a device; its codes stop working at once"},
    {"backup-codes", cmd_backup_codes, "make a new set of backup codes; the old set stops working"},
    {"reset", cmd_reset, "(root) remove a user's enrolment and runtime state"},
    {"unlock", cmd_unlock, "(root) clear a user's failure lock"},
    {"list", cmd_list, "(root) every login account and its MFA state"},
    {"migrate", cmd_migrate, "(root) move home-mode enrolments to the system-mode enrolment_file"},
    {"doctor", cmd_doctor, "(root) check sshd, the PAM stacks and the configuration"},
    {"import", cmd_import, "(root) take over google-authenticator or pam_oath enrolments"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pam-totp [--config PATH | --service NAME] COMMAND [OPTIONS]\n\n"
               "Time-based one-time codes (TOTP) as a second factor for logins (pam_totp(8)).\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nOptions:\n"
               "  --config PATH  read PATH instead of %s\n"
               "  --service NAME the settings of /etc/pam.d/NAME's pam_totp.so line (its\n"
               "                 config= file or the default one, then its key=value arguments)\n"
               "  --help         this text; `pam-totp COMMAND --help` for a command\n"
               "  --version      print the version\n\n"
               "Exit status: 0 done, 1 refused, 2 usage error, 3 system error. See pam-totp(1).\n",
            PT_DEFAULT_CONFIG);
}

/* No core dumps and no ptrace by other users: memory holds secrets and codes. */
static void harden(void)
{
    struct rlimit rl = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &rl);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    umask(077);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"service", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_ctx c;
    int ch;

    harden();
    /* Only the character set matters (which QR drawing the terminal can show). */
    setlocale(LC_CTYPE, "");
    openlog("pam-totp", LOG_PID, LOG_AUTHPRIV);
    pt_log_set_sink(cli_log_sink, NULL);

    memset(&c, 0, sizeof(c));
    c.root = geteuid() == 0;
    pt_options_defaults(&c.opt);

    /* '+': stop at the first non-option (the command). */
    while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': c.config_path = optarg; break;
        case 's': c.service = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        case 'V': printf("pam-totp %s\n", PT_VERSION); return CLI_OK;
        default: fprintf(stderr, "Try `pam-totp --help`.\n"); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *verb = argv[optind];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(verb, commands[i].name) == 0) {
            c.verb = commands[i].name;
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* glibc: fully re-initialise getopt for the subcommand */
            /* getopt names argv[0] in its messages: "pam-totp enrol: unrecognized option". */
            char prog[64];
            snprintf(prog, sizeof(prog), "pam-totp %s", commands[i].name);
            sub_argv[0] = prog;
            int rc = commands[i].fn(&c, sub_argc, sub_argv);
            pt_group_policy_free(&c.gp); /* resolved by status and list (cli/view.c) */
            pt_store_close(c.store);
            fflush(stdout);
            if (ferror(stdout)) {
                fprintf(stderr, "pam-totp: could not write the output\n");
                return CLI_SYSERR;
            }
            closelog();
            return rc;
        }
    }
    fprintf(stderr, "pam-totp: unknown command `%s`. Try `pam-totp --help`.\n", verb);
    return CLI_USAGE;
}

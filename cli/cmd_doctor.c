/* pam-totp doctor [--json] [--ignore CHECKS] (root): reads what decides whether logins work and
 * whether MFA holds — sshd's effective configuration, every PAM stack that loads pam_totp.so,
 * the module's configuration with each stack's overrides, the paths it trusts, the accounts,
 * the clock — and names what breaks logins or silently weakens MFA, each with its fix.
 * Exit status: 0 nothing found (advice may be printed), 1 something breaks or weakens,
 * 2 usage, 3 the checks could not run. It changes nothing. */
#include <getopt.h>
#include <string.h>
#include "doctor_cli.h"

static void help(void)
{
    printf("Usage: pam-totp doctor [--json] [--ignore CHECK[,CHECK...]]\n\n"
           "(root) Checks sshd (sshd -T), every PAM stack in " DOCTOR_PAM_DIR " that loads\n"
           "pam_totp.so, the configuration with each stack's overrides, the paths the module\n"
           "trusts, the accounts and the clock. Names what breaks logins or weakens MFA, with\n"
           "the fix. Changes nothing.\n\n"
           "  --json           one JSON object: problems, findings[] (check, severity, where,\n"
           "                   problem, fix, ignored)\n"
           "  --ignore CHECKS  report these checks (names, comma-separated; may be repeated)\n"
           "                   but do not count them\n"
           "  --config PATH, --help\n\n"
           "Exit status: 0 nothing breaks or weakens, 1 something does, 2 usage, 3 error.\n");
}

static void print_text(const pt_dr_report *r, const doctor_services *svc)
{
    static const char *const label[] = {"BREAKS ", "WEAKENS", "ADVICE "};
    printf("PAM services loading pam_totp.so:");
    for (size_t i = 0; i < svc->n; i++)
        printf(" %s", svc->v[i].name);
    printf("%s\n\n", svc->n ? "" : " none");
    for (int sev = PT_DR_BREAKS; sev <= PT_DR_ADVICE; sev++)
        for (size_t i = 0; i < r->n; i++) {
            const pt_dr_finding *f = &r->v[i];
            if ((int)f->severity != sev)
                continue;
            printf("%s %s [%s]%s\n  %s\n  fix: %s\n\n", label[sev], f->where, f->check,
                   f->ignored ? " (ignored)" : "", f->problem, f->fix);
        }
    size_t b = pt_dr_count(r, PT_DR_BREAKS), w = pt_dr_count(r, PT_DR_WEAKENS);
    if (b + w == 0)
        printf("Nothing found that breaks logins or weakens MFA.\n");
    else
        printf("%zu problem%s: %zu break%s logins, %zu weaken%s MFA.\n", b + w,
               b + w == 1 ? "" : "s", b, b == 1 ? "s" : "", w, w == 1 ? "s" : "");
}

static void print_json(const pt_dr_report *r, const doctor_services *svc)
{
    printf("{\"problems\": %zu, \"services\": [",
           pt_dr_count(r, PT_DR_BREAKS) + pt_dr_count(r, PT_DR_WEAKENS));
    for (size_t i = 0; i < svc->n; i++) {
        printf("%s", i ? ", " : "");
        cli_json_string(stdout, svc->v[i].name);
    }
    printf("], \"findings\": [");
    for (size_t i = 0; i < r->n; i++) {
        const pt_dr_finding *f = &r->v[i];
        printf("%s\n  {\"check\": ", i ? "," : "");
        cli_json_string(stdout, f->check);
        printf(", \"severity\": ");
        cli_json_string(stdout, pt_dr_severity_name(f->severity));
        printf(", \"where\": ");
        cli_json_string(stdout, f->where);
        printf(", \"problem\": ");
        cli_json_string(stdout, f->problem);
        printf(", \"fix\": ");
        cli_json_string(stdout, f->fix);
        printf(", \"ignored\": ");
        cli_json_bool(stdout, f->ignored);
        printf("}");
    }
    printf("%s]}\n", r->n ? "\n" : "");
}

int cmd_doctor(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},         {"ignore", required_argument, NULL, 'i'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *ignore[16];
    size_t nignore = 0;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'i':
            if (nignore == sizeof ignore / sizeof ignore[0])
                return cli_usage_error(c, "too many --ignore options: list the checks in one");
            ignore[nignore++] = optarg;
            break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if (optind < argc)
        return cli_usage_error(c, "unexpected argument: %s", argv[optind]);
    if ((st = cli_need_root(c, "check the installation")) != CLI_OK)
        return st;

    pt_dr_report r = {0};
    doctor_services svc = {0};
    doctor_config(c, &r);
    st = doctor_pam(c, &r, &svc);
    if (st == CLI_OK) {
        doctor_sshd(&r, &svc);
        doctor_paths(&r, &svc);
        doctor_shared_state(&r, &svc);
        st = doctor_accounts(c, &r, &svc);
        if (svc.n > 0) /* the clock matters only where codes are checked */
            doctor_clock(&r);
    }
    if (st == CLI_OK && r.nomem) {
        cli_err("out of memory: the report is incomplete");
        st = CLI_SYSERR;
    }
    if (st == CLI_OK) {
        for (size_t i = 0; i < nignore; i++)
            pt_dr_ignore(&r, ignore[i]);
        if (json)
            print_json(&r, &svc);
        else
            print_text(&r, &svc);
        st = pt_dr_count(&r, PT_DR_BREAKS) + pt_dr_count(&r, PT_DR_WEAKENS) ? CLI_REFUSED
                                                                             : CLI_OK;
    }
    doctor_services_free(&svc);
    pt_dr_free(&r);
    return st;
}

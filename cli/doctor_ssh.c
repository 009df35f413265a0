/* pam-totp doctor: the ssh server's effective configuration, from `sshd -T` (which also proves
 * that sshd would start with it: a reload of a configuration `sshd -t` refuses leaves no sshd). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "doctor_cli.h"
#include "pt_error.h"

#define SSHD_WHERE "sshd -T"

/* The first line of sshd's complaint, without control characters. */
static void first_line(const char *err, char *out, size_t outsz)
{
    size_t n = 0;
    for (const char *p = err ? err : ""; *p && *p != '\n' && n + 1 < outsz; p++)
        out[n++] = (*p >= 0x20 && *p != 0x7f) ? *p : '?';
    out[n] = '\0';
}

/* Runs sshd -T with the extra arguments; fills v. Returns true when it could be checked. */
static bool effective(pt_dr_report *r, const char *spec, pt_sshd_view *v)
{
    char *argv[] = {DOCTOR_SSHD, "-T", spec ? "-C" : NULL, (char *)spec, NULL};
    char *out = NULL, *err = NULL;
    size_t len = 0;
    int status = 0;
    bool ok = false;
    if (doctor_run(argv, &out, &len, &err, &status) != 0) {
        pt_dr_add(r, PT_DR_ADVICE, "sshd_unchecked", SSHD_WHERE, "run `sshd -t` by hand",
                  "could not run " DOCTOR_SSHD " -T");
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[512];
        first_line(err, line, sizeof line);
        pt_dr_add(r, PT_DR_BREAKS, "sshd_config_invalid", SSHD_WHERE,
                  "correct the configuration until `sshd -t` passes, before any reload or "
                  "reboot (a drop-in in /etc/ssh/sshd_config.d/ is read before sshd_config)",
                  "sshd refuses its configuration, so a reload or reboot leaves no ssh server: "
                  "%s", line[0] ? line : "(no message)");
    } else if (pt_sshd_parse(out ? out : "", len, v) != PT_OK) {
        pt_dr_add(r, PT_DR_ADVICE, "sshd_unchecked", SSHD_WHERE, "check sshd -T by hand",
                  "sshd -T printed nothing the checks understand");
    } else {
        ok = true;
    }
    free(out);
    free(err);
    return ok;
}

void doctor_sshd(pt_dr_report *r, const doctor_services *svc)
{
    bool protected_ = false;
    for (size_t i = 0; i < svc->n; i++)
        protected_ = protected_ || strcmp(svc->v[i].name, "sshd") == 0;
    if (access(DOCTOR_SSHD, X_OK) != 0)
        return; /* no ssh server here */
    pt_sshd_view any, root;
    if (!effective(r, NULL, &any))
        return;
    if (!protected_) {
        pt_dr_add(r, PT_DR_ADVICE, "sshd_not_protected", DOCTOR_PAM_DIR "/sshd",
                  "add `auth required pam_totp.so` after `@include common-auth` in "
                  "/etc/pam.d/sshd (README)",
                  "sshd's PAM stack does not load pam_totp.so: ssh logins ask for no code");
        return;
    }
    /* The connection root would make: root's Match blocks applied. */
    bool have_root = effective(r, "user=root,host=localhost,addr=127.0.0.1,laddr=127.0.0.1,"
                                  "lport=22", &root);
    pt_dr_check_sshd(r, SSHD_WHERE, &any, have_root ? &root : NULL);
}

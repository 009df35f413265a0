/* pam-totp doctor: the pieces of the command (cmd_doctor.c runs them in order). The checks on
 * text live in common/doctor*.c; these gather the inputs from the running system. */
#ifndef PT_CLI_DOCTOR_H
#define PT_CLI_DOCTOR_H

#include "cli.h"
#include "doctor.h"

#define DOCTOR_PAM_DIR "/etc/pam.d"
#define DOCTOR_SSHD "/usr/sbin/sshd"

/* A PAM service whose stack loads pam_totp.so, with the options its checking line gives the
 * module (the file, then that line's arguments). */
typedef struct {
    char name[256];
    bool options_ok;
    pt_options opt;
} doctor_service;

typedef struct {
    doctor_service *v;
    size_t n;
} doctor_services;

/* doctor_exec.c: runs argv (absolute path, empty environment but PATH, stdin /dev/null) and
 * collects up to 1 MiB of its standard output and error. Returns 0 and *status (as waitpid),
 * or -1 when it could not be run (errno). Free *out and *err. */
int doctor_run(char *const argv[], char **out, size_t *outlen, char **err, int *status);

/* doctor_stacks.c: every service in DOCTOR_PAM_DIR that loads pam_totp.so, its stack checked and
 * its options loaded over base (the configuration as read). */
int doctor_pam(cli_ctx *c, pt_dr_report *r, doctor_services *out);
void doctor_services_free(doctor_services *s);

/* doctor_ssh.c: sshd -T (and as root's connection) checked, when sshd's stack loads the module. */
void doctor_sshd(pt_dr_report *r, const doctor_services *svc);

/* doctor_host.c: the configuration file, the paths, the accounts, the clock. */
void doctor_config(cli_ctx *c, pt_dr_report *r);
void doctor_paths(pt_dr_report *r, const doctor_services *svc);
void doctor_shared_state(pt_dr_report *r, const doctor_services *svc);
int doctor_accounts(cli_ctx *c, pt_dr_report *r, const doctor_services *svc);
void doctor_clock(pt_dr_report *r);

/* Captures what the core reports through pt_log while a check runs, as one line of text. */
typedef struct {
    char text[PT_DR_TEXT_MAX];
    pt_log_fn old_fn;
    void *old_ctx;
} doctor_capture;
void doctor_capture_begin(doctor_capture *cap);
void doctor_capture_end(doctor_capture *cap);

#endif

/* pam-totp enrol: what the enrolment files of the command share (cmd_enrol.c, enrol_add.c). */
#ifndef PT_CLI_ENROL_H
#define PT_CLI_ENROL_H

#include "cli.h"

typedef struct {
    bool force, begin, json, add;
    const char *verify_code, *code, *name; /* name: --user */
    const char *device;                    /* --name */
    cli_qr_mode qr;
} enrol_args;

/* cmd_enrol.c */
/* Shows a pending device for the two-step flow: JSON (secret, uri, expires) or the QR code and
 * secret with the hint to confirm with --verify. Returns an exit status. */
int cli_enrol_show_pending(const cli_ctx *c, const pt_user *u, const pt_device *d,
                           const enrol_args *a);
/* The QR code and secret of d. Returns an exit status. */
int cli_enrol_setup(const cli_ctx *c, const pt_user *u, const pt_device *d, cli_qr_mode qr);
/* Asks for a code of e's pending device (3 tries) and records its step. Exit status. */
int cli_enrol_ask_code(cli_ctx *c, pt_enrolment *e);

/* enrol_add.c */
/* enrol --add --name DEVICE, interactive or --begin. */
int cli_enrol_add(cli_ctx *c, const pt_user *u, const enrol_args *a);
/* enrol --verify CODE when the active enrolment e has a pending device: activates it. */
int cli_enrol_add_verify(cli_ctx *c, const pt_user *u, pt_enrolment *e, const enrol_args *a);

#endif

/* pam-totp enrol --add --name DEVICE: another authenticator for an active enrolment.
 *   interactive:      QR code + secret, confirm a code of the new device, then add it
 *   --begin/--verify: the device is stored pending (never accepted at login) until confirmed
 * Adding needs proof of possession from a user (a code of a device they have, or a backup
 * code), like replacing the enrolment: a new device is a way in for as long as it exists.
 * Root needs none. Backup codes belong to the user and stay as they are. At most one device
 * is pending: a new --begin replaces an unconfirmed one. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "enrol.h"
#include "pt_error.h"
#include "verify.h"

/* Loads the active enrolment a device is added to. Returns an exit status. */
static int load_active(cli_ctx *c, const pt_user *u, pt_enrolment *e)
{
    int rc = cli_load_enrolment(c, u, e);
    if (rc == PT_ERR_NOENT || (rc == PT_OK && e->status != PT_ENROL_ACTIVE)) {
        pt_enrolment_wipe(e);
        cli_err("%s is not enrolled yet: run `pam-totp enrol --name DEVICE` for the first "
                "device", u->name);
        return CLI_REFUSED;
    }
    if (rc != PT_OK) {
        cli_err("the enrolment of %s cannot be used (%s): `pam-totp reset %s` as root removes it",
                u->name, pt_strerror(rc), u->name);
        return CLI_SYSERR;
    }
    return CLI_OK;
}

/* Drops an unconfirmed device (a new one takes its place). */
static void drop_pending(pt_enrolment *e)
{
    int p;
    while ((p = pt_device_pending(e)) >= 0)
        pt_device_remove(e, (unsigned)p);
}

/* Whether name can be added to e (after drop_pending). Returns an exit status. */
static int room_for(const pt_user *u, const pt_enrolment *e, const char *name)
{
    int i = pt_device_find(e, name);
    if (i >= 0) {
        cli_err("%s already has a device named \"%s\": choose another name, or remove it first "
                "(`pam-totp remove-device %s`)", u->name, e->dev[i].name, e->dev[i].name);
        return CLI_REFUSED;
    }
    if (e->ndevices >= PT_DEVICES_MAX) {
        cli_err("%s already has %d devices, the most allowed: remove one first "
                "(`pam-totp devices`, `pam-totp remove-device NAME`)", u->name, PT_DEVICES_MAX);
        return CLI_REFUSED;
    }
    return CLI_OK;
}

static int store(cli_ctx *c, const pt_user *u, pt_enrolment *e)
{
    return cli_store_if_unchanged(c, u, e);
}

static void report_added(const pt_user *u, const pt_device *d, bool json, unsigned total)
{
    cli_audit(LOG_NOTICE, "device_added", u, cli_is_other_user(u), "device", d->name, NULL,
              NULL);
    if (json) {
        printf("{\"device\": ");
        cli_json_string(stdout, d->name);
        printf("}\n");
    } else {
        printf("Device \"%s\" added for %s: its codes work from now on (%u device%s; the backup "
               "codes are unchanged).\n", d->name, u->name, total, total == 1 ? "" : "s");
    }
}

/* Interactive: the device is confirmed in memory, then added to the file as it is now. */
static int add_interactive(cli_ctx *c, const pt_user *u, const enrol_args *a, pt_enrolment *e,
                           pt_device *d)
{
    printf("Adding the device \"%s\" for %s.\n\n", d->name, u->name);
    int st = cli_enrol_setup(c, u, d, a->qr);
    if (st == CLI_OK) {
        /* Only the new device is pending in e, so the code is checked against it alone. */
        st = pt_device_add(e, d) == PT_OK ? cli_enrol_ask_code(c, e) : CLI_SYSERR;
    }
    int p = pt_device_pending(e);
    if (st != CLI_OK || p < 0)
        return st != CLI_OK ? st : CLI_SYSERR;
    *d = e->dev[p];
    /* Another command may have changed the file while the user typed: add to what is there. */
    pt_enrolment_wipe(e);
    if ((st = load_active(c, u, e)) != CLI_OK)
        return st;
    drop_pending(e);
    if ((st = room_for(u, e, d->name)) != CLI_OK)
        return st;
    d->status = PT_ENROL_ACTIVE;
    d->expires = 0;
    if (pt_device_add(e, d) != PT_OK)
        return CLI_SYSERR;
    if ((st = store(c, u, e)) == CLI_OK)
        report_added(u, d, false, pt_device_active_count(e));
    return st;
}

int cli_enrol_add(cli_ctx *c, const pt_user *u, const enrol_args *a)
{
    pt_enrolment e;
    pt_device d;
    int st = load_active(c, u, &e);
    if (st != CLI_OK)
        return st;
    drop_pending(&e);
    st = room_for(u, &e, a->device);
    if (st == CLI_OK)
        st = cli_confirm_code(c, u, &e, a->code, true, "adding a device");
    if (st == CLI_OK && pt_device_new(&c->opt, cli_now(), a->device, &d) != PT_OK) {
        cli_err("cannot create a new secret");
        st = CLI_SYSERR;
    }
    if (st == CLI_OK) {
        cli_audit(LOG_NOTICE, "enrol_started", u, cli_is_other_user(u), "mode",
                  a->begin ? "add_two_step" : "add_interactive", "device", d.name);
        if (!a->begin) {
            st = add_interactive(c, u, a, &e, &d);
        } else if (pt_device_add(&e, &d) != PT_OK) {
            st = CLI_SYSERR;
        } else if ((st = store(c, u, &e)) == CLI_OK) {
            st = cli_enrol_show_pending(c, u, &d, a);
        }
        pt_wipe(&d, sizeof(d));
    }
    pt_enrolment_wipe(&e);
    return st;
}

int cli_enrol_add_verify(cli_ctx *c, const pt_user *u, pt_enrolment *e, const enrol_args *a)
{
    int p = pt_device_pending(e);
    int64_t now = cli_now();
    if (p < 0)
        return CLI_SYSERR;
    pt_device *d = &e->dev[p];
    if (now > d->expires) {
        char t[64];
        cli_time_text(d->expires, t, sizeof(t));
        cli_err("the pending device \"%s\" expired at %s: run `pam-totp enrol --add --name %s "
                "--begin` again", d->name, t, d->name);
        return CLI_REFUSED;
    }
    /* "-": the code from standard input (a code on the line is harmless here: the step that
     * activates is recorded as the device's confirmed_step and never accepted at login). */
    char answer[PT_ANSWER_MAX + 1] = "";
    const char *code = a->verify_code;
    if (strcmp(code, "-") == 0) {
        int st = cli_code_arg(code, answer, sizeof(answer));
        if (st != CLI_OK)
            return st;
        code = answer;
    }
    int ok = pt_verify_confirm(&c->opt, e, code, now);
    unsigned typed = 0;
    int64_t skew = 0;
    if (ok == 0 && pt_verify_explain(&c->opt, e, code, now, &typed, &skew) < 0)
        ok = -1;
    pt_wipe(answer, sizeof(answer));
    if (ok < 0)
        return CLI_SYSERR;
    if (ok != 1) {
        cli_err("code not accepted for the device \"%s\"", d->name);
        cli_report_refused(e, typed, skew);
        return CLI_REFUSED;
    }
    pt_enrolment_activate(e);
    int st = store(c, u, e);
    if (st == CLI_OK)
        report_added(u, d, a->json, pt_device_active_count(e));
    return st;
}

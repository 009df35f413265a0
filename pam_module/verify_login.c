/* PT_DECIDE_VERIFY: ask, then lock the state, re-read it and check. The lock is never held
 * while the user types: a concurrent login that used a code or locked the account while we
 * waited is seen in the state read after the lock, and the check uses only that. */
#include <inttypes.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "module.h"
#include "pt_error.h"

void ptm_report_locked(ptm_ctx *m, int64_t lock_left, const char *phase)
{
    char left[64];
    if (lock_left < 0) {
        snprintf(left, sizeof(left), "admin");
        ptm_notice(m, "Too many failed verification attempts: this account is locked until an "
                      "administrator unlocks it (pam-totp unlock %s).", m->user.name);
    } else {
        char human[64];
        ptm_duration(lock_left, human, sizeof(human));
        snprintf(left, sizeof(left), "%" PRId64, lock_left);
        ptm_notice(m, "Too many failed verification attempts: this account is locked. Try again "
                      "in %s.", human);
    }
    PTM_AUDIT(m, LOG_WARNING, "login_failed", "reason", "locked", "phase", phase, "lock_left",
              left, NULL);
}

/* Re-reads the enrolment once the state lock is held when it may no longer be the copy loaded
 * before the prompt:
 *  - the state is bound to another enrolment id: another login already used a newer enrolment
 *    (pam-totp backup-codes or enrol --force ran meanwhile), and checking against the old copy
 *    would bind the state back to the old id and forget the new set's used codes;
 *  - the file is not the one loaded (another inode, change time or size: every write replaces
 *    it): a device was removed or added, or codes regenerated, while this login waited at its
 *    prompt. A removed device's codes must stop at once, so the answer is checked against what
 *    the file holds now.
 * What is read under the lock is never older than what the previous lock holder used. When
 * neither changed, the copy is used as it is (one stat, no read, per login). */
static int reload_enrolment(ptm_ctx *m)
{
    pt_enrolment fresh;
    int rc = pt_enrolment_load(&m->opt, &m->user, &fresh);
    if (rc == PT_OK && fresh.status == PT_ENROL_ACTIVE) {
        pt_enrolment_wipe(&m->enrol);
        m->enrol = fresh;
        pt_wipe(&fresh, sizeof fresh);
        return PAM_SUCCESS;
    }
    pt_enrolment_wipe(&fresh);
    pam_syslog(m->pamh, LOG_ERR, "enrolment of %s changed or became unusable during the login "
               "(%s): failing closed", m->lname,
               rc == PT_OK ? "no longer active" : pt_strerror(rc));
    return PAM_AUTHINFO_UNAVAIL;
}

int ptm_check_locked(ptm_ctx *m, const pt_enrolment *e, const char *answer,
                     pt_verify_outcome *out, unsigned *nfailures)
{
    pt_state_handle h;
    /* What the decision read, unless the record was replaced since (pt_state_open_locked_kept). */
    int rc = pt_state_open_locked_kept(&m->opt, &m->user, &m->kept, &h, &m->state);
    if (rc != PT_OK) {
        pam_syslog(m->pamh, LOG_ERR, "runtime state of %s unusable (%s): failing closed",
                   m->lname, pt_strerror(rc));
        return PAM_AUTHINFO_UNAVAIL;
    }
    /* The login's own enrolment (not one being set up at login): the state is bound to another
     * id, or the file was replaced while the user typed. */
    if (e == &m->enrol && ((m->state.enrolment[0] != '\0' &&
                            strcmp(m->state.enrolment, m->enrol.id) != 0) ||
                           pt_enrolment_changed(&m->opt, &m->user, &m->enrol) != 0)) {
        rc = reload_enrolment(m);
        if (rc != PAM_SUCCESS) {
            pt_state_close(&h);
            return rc;
        }
    }
    int64_t now = (int64_t)time(NULL);
    int64_t left = pt_state_lock_left(&m->state, now);
    if (left != 0) {
        pt_state_close(&h);
        ptm_report_locked(m, left, e->status == PT_ENROL_ACTIVE ? "verify" : "enrol");
        return PAM_AUTH_ERR;
    }
    rc = pt_verify_answer(&m->opt, e, &m->state, answer, now, out);
    /* remember_host: a code login from a numeric address starts (or restarts) its period. Only
     * the login's own active enrolment counts, not a code confirming an enrolment at login. */
    if (rc == PT_OK && m->opt.remember_host > 0 && e == &m->enrol &&
        (out->result == PT_ANSWER_TOTP_OK || out->result == PT_ANSWER_BACKUP_OK))
        pt_state_remember_host(&m->state, m->rhost, now);
    if (rc == PT_OK)
        rc = pt_state_commit(&h, &m->state);
    pt_state_close(&h);
    if (rc != PT_OK) {
        pam_syslog(m->pamh, LOG_ERR, "could not check or record the answer of %s (%s): failing "
                   "closed", m->lname, pt_strerror(rc));
        return PAM_AUTHINFO_UNAVAIL;
    }
    *nfailures = m->state.nfailures;
    return PAM_SUCCESS;
}

static void report_backup_left(ptm_ctx *m, unsigned left)
{
    ptm_info(m, "Backup code accepted. %u backup code%s left.", left, left == 1 ? "" : "s");
    if (left > 3)
        return;
    if (pt_options_system_mode(&m->opt))
        ptm_info(m, "Ask an administrator for a new set of backup codes "
                    "(pam-totp backup-codes --user %s).", m->user.name);
    else
        ptm_info(m, "Run `pam-totp backup-codes` now to get a new set.");
}

static void report_success(ptm_ctx *m, const pt_verify_outcome *out)
{
    if (out->result == PT_ANSWER_BACKUP_OK) {
        char left[16];
        snprintf(left, sizeof(left), "%u", out->codes_left);
        PTM_AUDIT(m, LOG_NOTICE, "login_ok", "method", "backup", "codes_left", left, NULL);
        report_backup_left(m, out->codes_left);
    } else {
        PTM_AUDIT(m, LOG_NOTICE, "login_ok", "method", "totp", "device", out->device_name,
                  NULL);
    }
}

void ptm_report_skew(ptm_ctx *m, int64_t skew)
{
    char human[64];
    int64_t mag = skew < 0 ? -skew : skew;
    int64_t minutes = (mag + 30) / 60;
    if (minutes < 1)
        minutes = 1;
    snprintf(human, sizeof(human), "%lld minute%s", (long long)minutes, minutes == 1 ? "" : "s");
    ptm_error(m, "That code is not valid now, but it is the code for %s %s: the phone's clock "
                 "looks %s %s this server's (or the server's clock is off). Turn on automatic "
                 "date and time on the phone; if the phone is right, ask an administrator to "
                 "fix the server's clock (timedatectl).",
              human, skew > 0 ? "from now" : "ago", human, skew > 0 ? "ahead of" : "behind");
}

void ptm_report_digits(ptm_ctx *m, unsigned typed, unsigned digits)
{
    ptm_error(m, "That code has %u digit%s; the code from the app has %u digits (or use a backup "
                 "code).", typed, typed == 1 ? "" : "s", digits);
}

static void report_failure(ptm_ctx *m, const pt_verify_outcome *out, unsigned nfailures)
{
    char nf[16], off[32];
    snprintf(nf, sizeof(nf), "%u", nfailures);
    snprintf(off, sizeof(off), "%+" PRId64, out->skew);
    PTM_AUDIT(m, LOG_WARNING, "login_failed", "reason", out->reason, "failures", nf, "offset",
              out->result == PT_ANSWER_CLOCK_SKEW ? off : NULL, NULL);
    if (out->result == PT_ANSWER_REPLAY)
        ptm_error(m, "That code was already used. Wait for the next code and try again.");
    else if (out->result == PT_ANSWER_BACKUP_USED)
        ptm_error(m, "That backup code was already used.");
    else if (out->result == PT_ANSWER_CLOCK_SKEW)
        ptm_report_skew(m, out->skew);
    else if (out->result == PT_ANSWER_MALFORMED && out->typed_digits > 0)
        ptm_report_digits(m, out->typed_digits, pt_enrolment_digits(&m->enrol));
    if (out->locked_now) {
        int64_t left = pt_state_lock_left(&m->state, (int64_t)time(NULL));
        char l[32];
        snprintf(l, sizeof(l), "%" PRId64, left);
        PTM_AUDIT(m, LOG_WARNING, "locked", "failures", nf, "lock_left", left < 0 ? "admin" : l,
                  NULL);
        if (left < 0) {
            ptm_notice(m, "Too many failed verification attempts: this account is now locked "
                          "until an administrator unlocks it.");
        } else {
            char human[64];
            ptm_duration(left, human, sizeof(human));
            ptm_notice(m, "Too many failed verification attempts: this account is now locked "
                          "for %s.", human);
        }
    }
}

int ptm_verify_login(ptm_ctx *m)
{
    char *answer = NULL, *rest = NULL;
    bool from_authtok = false;
    int rc = ptm_get_answer(m, &answer, &from_authtok, &rest);
    if (rc != PAM_SUCCESS) {
        pt_log(LOG_DEBUG, "no answer from %s (%s)", m->lname, pam_strerror(m->pamh, rc));
        return rc;
    }
    for (int attempt = 0;; attempt++) {
        pt_verify_outcome out;
        unsigned nfailures = 0;
        rc = ptm_check_locked(m, &m->enrol, answer, &out, &nfailures);
        if (rc != PAM_SUCCESS)
            break;
        if (out.result == PT_ANSWER_TOTP_OK || out.result == PT_ANSWER_BACKUP_OK) {
            /* Hand on the password part only once the code in PAM_AUTHTOK proved to be one. */
            if (rest != NULL && pam_set_item(m->pamh, PAM_AUTHTOK, rest) != PAM_SUCCESS)
                pam_syslog(m->pamh, LOG_WARNING, "could not pass on the password part");
            report_success(m, &out);
            rc = PAM_SUCCESS;
            break;
        }
        report_failure(m, &out, nfailures);
        rc = PAM_AUTH_ERR;
        const char *again = "Verification code: ";
        bool used = out.result == PT_ANSWER_REPLAY || out.result == PT_ANSWER_BACKUP_USED;
        if (used && !from_authtok && ptm_can_notice(m) && attempt == 0) {
            /* Under PAM_SILENT the message above was dropped: say it in the prompt and ask once
             * more (a used code is not counted, and can never succeed). */
            again = out.result == PT_ANSWER_REPLAY
                        ? "That code was already used: wait for the app's next code. "
                          "Verification code: "
                        : "That backup code was already used. Verification code: ";
        } else if (!(from_authtok && m->opt.try_first_pass && !m->opt.use_first_pass &&
                     attempt == 0 && !out.locked_now)) {
            /* try_first_pass: what PAM_AUTHTOK ended with was not the code; ask once. */
            break;
        }
        ptm_answer_free(&answer);
        ptm_answer_free(&rest);
        from_authtok = false;
        rc = ptm_prompt(m, again, false, &answer);
        if (rc != PAM_SUCCESS)
            break;
    }
    ptm_answer_free(&answer);
    ptm_answer_free(&rest);
    return rc;
}

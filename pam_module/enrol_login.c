/* PT_DECIDE_ENROL: enrolment inside the login conversation (enrol_at_login = yes).
 *
 *   1. intro, the otpauth URI and the QR code (UTF-8 half blocks) last, then "Press Enter"
 *   2. the secret grouped for manual entry, then "Verification code: " (3 tries; each refused
 *      code counts toward the lock, checked under the state lock like a login)
 *   3. the backup codes, then "Press Enter"
 *   4. only now is the enrolment stored (as the user in home mode, by root in system mode), so
 *      a conversation abandoned at any step leaves no active enrolment.
 * Every block of text goes with a prompt: OpenSSH shows text only together with the next
 * prompt. This text is shown even under PAM_SILENT / `silent`: enrolment cannot work without it.
 *
 * Safety: the module must only be reached by someone who passed the password step. Stack the
 * password module as `requisite` (pam_totp(8)). A forward_pass line never gets here: it only
 * asks and hands on (forward.c). */
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "backup.h"
#include "base32.h"
#include "module.h"
#include "pt_error.h"
#include "qrtext.h"
#include "totp.h"
#include "uri.h"

#define PTM_ENROL_TRIES 3
#define PTM_B32_MAX 128        /* base32 of PT_SECRET_MAX bytes is 103 characters */
#define PTM_LINES_MAX 128
#define PTM_KEY_GROUPS 8       /* groups of 4 per line when the key needs lines of its own */
#define PTM_KEY_COLS 80        /* the key goes on lines of its own beyond this */

/* What one enrolment shows; everything here is wiped at the end. */
typedef struct {
    pt_enrolment e;
    char b32[PTM_B32_MAX];
    char grouped[PTM_B32_MAX * 2];
    char *uri;
    pt_qrtext qr;
    pt_backup_code codes[PT_BACKUP_MAX];
    unsigned ncodes;
    const char *lines[PTM_LINES_MAX];
    char text[8][PAM_MAX_MSG_SIZE]; /* formatted lines of text */
    char note[PAM_MAX_MSG_SIZE];    /* settings some apps ignore, or empty */
    bool qr_colour;                 /* the code has explicit colours */
} enrol_session;

/* Does the conversation reach a terminal that interprets colour escapes? A login on a terminal
 * device (login, su, sudo) sets PAM_TTY to its name ("/dev/pts/0", "tty1") and prints the
 * messages as they are. sshd sets "ssh", and the OpenSSH client shows control characters in
 * keyboard-interactive text as octal escapes ("\033[30;47m" as text), which would break the
 * code; graphical greeters set a display (":0"). Only the first kind gets explicit colours. */
static bool colour_client(ptm_ctx *m)
{
    const void *item = NULL;
    if (pam_get_item(m->pamh, PAM_TTY, &item) != PAM_SUCCESS || item == NULL)
        return false;
    const char *tty = item;
    return strncmp(tty, "/dev/", 5) == 0 || strncmp(tty, "tty", 3) == 0 ||
           strncmp(tty, "pts/", 4) == 0 || strcmp(tty, "console") == 0;
}

static void session_wipe(enrol_session *s)
{
    pt_enrolment_wipe(&s->e);
    if (s->uri != NULL) {
        pt_wipe(s->uri, strlen(s->uri));
        free(s->uri);
    }
    pt_qrtext_free(&s->qr);
    pt_wipe(s, sizeof(*s));
}

static int make_uri(ptm_ctx *m, enrol_session *s)
{
    char issuer[PT_TEXT_MAX], label[PT_TEXT_MAX * 2];
    pt_options_issuer(&m->opt, issuer, sizeof(issuer));
    int rc = pt_expand(m->opt.label, m->user.name, m->user.home, label, sizeof(label));
    if (rc != PT_OK)
        return rc;
    /* The setting was checked when read; an expansion (%h) could still bring a colon in, which
     * apps would read as the end of the issuer. */
    if (strchr(label, ':') != NULL) {
        pam_syslog(m->pamh, LOG_ERR, "label expands to a text with a colon for %s: change "
                   "`label` in the configuration", m->lname);
        return PT_ERR_INVAL;
    }
    rc = pt_device_secret_b32(&s->e.dev[0], s->b32, sizeof(s->b32));
    if (rc == PT_OK)
        rc = pt_base32_group(s->b32, s->grouped, sizeof(s->grouped));
    if (rc != PT_OK)
        return rc;
    s->uri = pt_otpauth_uri(issuer, label, s->b32, s->e.dev[0].alg, s->e.dev[0].digits,
                            s->e.dev[0].period);
    if (s->uri == NULL)
        return PT_ERR_NOMEM;
    (void)pt_uri_settings_note(s->e.dev[0].alg, s->e.dev[0].digits, s->e.dev[0].period, s->note, sizeof(s->note));
    /* Without a QR code (libqrencode not loadable, already logged) the link and the key still
     * let the user enrol: carry on with s->qr empty. Smallest code (qrtext.h): it must fit a
     * screen of unknown size. */
    s->qr_colour = colour_client(m);
    rc = pt_qrtext_render(s->uri, s->qr_colour ? PT_QR_HALF_COLOUR : PT_QR_HALF_PLAIN, &s->qr);
    return rc == PT_ERR_NOMEM ? rc : PT_OK;
}

/* Block 1: what is happening, the URI and the QR code, last so that it stays on screen with the
 * prompt. The QR code must arrive in one conversation call: a prompt in the middle of it would
 * break it on the client's screen. A very long URI (long issuer or label) makes a code too large
 * for that; the key is then typed. */
static int show_qr(ptm_ctx *m, enrol_session *s)
{
    size_t n = 0;
    s->lines[n++] = "Multi-factor authentication is required for this account and is not set up yet.";
    s->lines[n++] = "Set it up now: scan this QR code with an authenticator app (Google or "
                    "Microsoft Authenticator, Authy, 1Password, Bitwarden, KeePassXC...),";
    s->lines[n++] = "or open this link on the device that runs the app:";
    s->lines[n++] = s->uri;
    if (s->note[0] != '\0')
        s->lines[n++] = s->note;
    size_t intro = n;
    if (s->qr.nlines > 0 && !s->qr_colour)
        s->lines[n++] = "(The code is drawn in your terminal's colours: on a light background "
                        "it may not scan; then type the key shown next.)";
    for (size_t i = 0; i < s->qr.nlines && n < PTM_LINES_MAX; i++)
        s->lines[n++] = s->qr.lines[i];
    if (s->qr.nlines == 0 || n == PTM_LINES_MAX ||
        ptm_count_messages(s->lines, n) > PAM_MAX_NUM_MSG - 1) {
        n = intro;
        s->lines[1] = "Set it up now with an authenticator app (Google or Microsoft "
                      "Authenticator, Authy, 1Password, Bitwarden, KeePassXC...).";
        s->lines[n++] = s->qr.nlines == 0
                            ? "(No QR code can be drawn here: type the key shown next into the "
                              "app.)"
                            : "(The QR code for this link is too large to show here: type the "
                              "key shown next into the app.)";
    }
    char *ans = NULL;
    int rc = ptm_blocks_prompt(m, s->lines, n, "Press Enter when you have scanned the code: ",
                               true, &ans);
    ptm_answer_free(&ans);
    return rc;
}

/* The grouped key as lines of PTM_KEY_GROUPS groups, indented, into s->text[3..] and s->lines
 * from n; returns the new n. */
static size_t key_lines(enrol_session *s, size_t n)
{
    const char *p = s->grouped;
    for (size_t t = 3; *p != '\0' && t < sizeof(s->text) / sizeof(s->text[0]); t++) {
        size_t len = 0, groups = 0;
        while (p[len] != '\0' && groups < PTM_KEY_GROUPS) {
            len += strcspn(p + len, " ");
            groups++;
            if (groups < PTM_KEY_GROUPS && p[len] == ' ')
                len++;
        }
        snprintf(s->text[t], sizeof(s->text[t]), "  %.*s", (int)len, p);
        s->lines[n++] = s->text[t];
        p += len;
        while (*p == ' ')
            p++;
    }
    return n;
}

/* Block 2, then the code prompt: manual entry details; on a retry, why. */
static int ask_code(ptm_ctx *m, enrol_session *s, int attempt, const pt_verify_outcome *prev,
                    char **answer)
{
    size_t n = 0;
    if (attempt == 0) {
        static const char lead[] = "Or type this key into the app by hand: ";
        if (sizeof(lead) - 1 + strlen(s->grouped) <= PTM_KEY_COLS) {
            snprintf(s->text[0], sizeof(s->text[0]), "%s%s", lead, s->grouped);
            s->lines[n++] = s->text[0];
        } else {
            /* A long key on lines of its own, split between groups only. */
            s->lines[n++] = "Or type this key into the app by hand:";
            n = key_lines(s, n);
        }
        snprintf(s->text[1], sizeof(s->text[1]),
                 "(time-based, %s, %u digits, every %u seconds)",
                 pt_alg_uri_name(s->e.dev[0].alg), s->e.dev[0].digits, s->e.dev[0].period);
        s->lines[n++] = s->text[1];
        s->lines[n++] = "Then type the code the app shows, to confirm.";
    } else if (prev->result == PT_ANSWER_CLOCK_SKEW) {
        int64_t mag = prev->skew < 0 ? -prev->skew : prev->skew;
        long long min = (long long)((mag + 30) / 60);
        snprintf(s->text[0], sizeof(s->text[0]),
                 "That code is the code for %lld minute%s %s: the device's clock looks %lld "
                 "minute%s %s this server's. Turn on automatic date and time on the device and "
                 "type the current code (if the device is right, the server's clock needs "
                 "fixing: timedatectl).",
                 min < 1 ? 1 : min, min == 1 ? "" : "s", prev->skew > 0 ? "from now" : "ago",
                 min < 1 ? 1 : min, min == 1 ? "" : "s", prev->skew > 0 ? "ahead of" : "behind");
        s->lines[n++] = s->text[0];
    } else if (prev->result == PT_ANSWER_MALFORMED && prev->typed_digits > 0) {
        snprintf(s->text[0], sizeof(s->text[0]),
                 "That code has %u digit%s; the app shows %u digits. Type the current code.",
                 prev->typed_digits, prev->typed_digits == 1 ? "" : "s", s->e.dev[0].digits);
        s->lines[n++] = s->text[0];
    } else if (prev->result == PT_ANSWER_REPLAY) {
        /* A code of a step already used (by an earlier, abandoned try): never accepted twice. */
        s->lines[n++] = "That code was already used. Wait for the app to show the next code and "
                        "type that one.";
    } else {
        s->lines[n++] = "That code is not right. Check that the device's clock is correct and "
                        "type the current code.";
    }
    return ptm_blocks_prompt(m, s->lines, n, "Verification code: ", false, answer);
}

/* Up to PTM_ENROL_TRIES codes, each checked and recorded under the state lock. */
static int confirm_code(ptm_ctx *m, enrol_session *s)
{
    pt_verify_outcome prev = {.result = PT_ANSWER_WRONG};
    for (int attempt = 0; attempt < PTM_ENROL_TRIES; attempt++) {
        char *answer = NULL;
        int rc = ask_code(m, s, attempt, &prev, &answer);
        if (rc != PAM_SUCCESS)
            return rc;
        pt_verify_outcome out;
        unsigned nfailures = 0;
        rc = ptm_check_locked(m, &s->e, answer, &out, &nfailures);
        ptm_answer_free(&answer);
        if (rc != PAM_SUCCESS)
            return rc;
        if (out.result == PT_ANSWER_TOTP_OK) {
            /* Recorded in the state already; in the file too, like pam-totp does, so the code
             * stays used even if the state is lost. */
            s->e.dev[0].confirmed_step = out.step;
            return PAM_SUCCESS;
        }
        prev = out;
        char nf[16], off[32];
        snprintf(nf, sizeof(nf), "%u", nfailures);
        snprintf(off, sizeof(off), "%+lld", (long long)out.skew);
        PTM_AUDIT(m, LOG_WARNING, "login_failed", "reason", out.reason, "phase", "enrol",
                  "failures", nf, "offset", out.result == PT_ANSWER_CLOCK_SKEW ? off : NULL,
                  NULL);
        if (out.locked_now) {
            PTM_AUDIT(m, LOG_WARNING, "locked", "failures", nf, NULL);
            ptm_report_locked(m, pt_state_lock_left(&m->state, (int64_t)time(NULL)), "enrol");
            return PAM_AUTH_ERR;
        }
    }
    ptm_error(m, "Set-up not completed: no correct code was given. Log in again to retry.");
    return PAM_AUTH_ERR;
}

/* Block 3: the backup codes, shown once. */
static int show_backup_codes(ptm_ctx *m, enrol_session *s)
{
    size_t n = 0;
    if (s->ncodes == 0)
        return PAM_SUCCESS;
    snprintf(s->text[2], sizeof(s->text[2]),
             "Set-up is almost done. Save these %u one-time backup codes somewhere safe: each "
             "logs you in once if you lose the device. They are not shown again.", s->ncodes);
    s->lines[n++] = s->text[2];
    for (unsigned i = 0; i < s->ncodes && n < PTM_LINES_MAX; i++)
        s->lines[n++] = s->codes[i];
    char *ans = NULL;
    int rc = ptm_blocks_prompt(m, s->lines, n, "Press Enter when you have saved the codes: ",
                               true, &ans);
    ptm_answer_free(&ans);
    return rc;
}

static int run(ptm_ctx *m, enrol_session *s, const char *mode)
{
    int rc = pt_enrolment_new(&m->opt, (int64_t)time(NULL), &s->e);
    if (rc == PT_OK)
        rc = make_uri(m, s);
    if (rc != PT_OK) {
        pam_syslog(m->pamh, LOG_ERR, "could not prepare an enrolment for %s (%s)", m->lname,
                   pt_strerror(rc));
        return PAM_AUTHINFO_UNAVAIL;
    }
    PTM_AUDIT(m, LOG_NOTICE, "enrol_started", "mode", mode, "via", "login", NULL);
    rc = show_qr(m, s);
    if (rc == PAM_SUCCESS)
        rc = confirm_code(m, s);
    if (rc != PAM_SUCCESS)
        return rc;
    s->ncodes = m->opt.backup_codes;
    if (s->ncodes > 0 && pt_backup_generate(s->ncodes, &s->e.backup, s->codes) != PT_OK) {
        pam_syslog(m->pamh, LOG_ERR, "could not generate backup codes for %s", m->lname);
        return PAM_AUTHINFO_UNAVAIL;
    }
    rc = show_backup_codes(m, s);
    if (rc != PAM_SUCCESS)
        return rc;
    pt_enrolment_activate(&s->e);
    int prc = pt_store_enrolment_store(m->store, &m->user, &s->e);
    if (prc != PT_OK) {
        pam_syslog(m->pamh, LOG_ERR, "could not store the enrolment of %s (%s, see above)",
                   m->lname, pt_strerror(prc));
        ptm_error(m, "Set-up could not be saved. Ask an administrator.");
        return PAM_AUTHINFO_UNAVAIL;
    }
    char nc[16];
    snprintf(nc, sizeof(nc), "%u", s->ncodes);
    PTM_AUDIT(m, LOG_NOTICE, "enrol_completed", "mode", mode, "via", "login", "codes", nc,
              "device", s->e.dev[0].name, NULL);
    ptm_info(m, "Multi-factor authentication is set up. From now on, log in with a code from "
                "the app. The code you just entered is used up: for the next login, wait until "
                "the app shows a new code.");
    return PAM_SUCCESS;
}

int ptm_enrol_at_login(ptm_ctx *m)
{
    enrol_session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return PAM_BUF_ERR;
    const char *mode = pt_options_system_mode(&m->opt) ? "system" : "home";
    int rc = run(m, s, mode);
    if (rc != PAM_SUCCESS && s->e.id[0] != '\0')
        PTM_AUDIT(m, LOG_NOTICE, "enrol_abandoned", "mode", mode, "via", "login", NULL);
    session_wipe(s);
    free(s);
    return rc;
}

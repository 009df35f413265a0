/* The sshd checks of pam-totp doctor (doctor.h): the effective configuration as `sshd -T`
 * prints it (OpenSSH 9.2: lower-case keys, one "key value" per line, PermitRootLogin
 * prohibit-password printed as without-password). */
#include "doctor.h"

#include <stdio.h>
#include <string.h>

#include "pt_error.h"

/* The value of key in the text (the first line starting with "key "), copied into out. */
static bool find_value(const char *text, size_t len, const char *key, char *out, size_t outsz)
{
    size_t klen = strlen(key);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ' ') {
            size_t n = (size_t)(eol - p) - klen - 1;
            if (n >= outsz)
                n = outsz - 1;
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return true;
        }
        p = eol + 1;
    }
    return false;
}

static int yes_no(const char *text, size_t len, const char *key, bool *out)
{
    char v[16];
    if (!find_value(text, len, key, v, sizeof v))
        return PT_ERR_INVAL;
    *out = strcmp(v, "yes") == 0;
    return PT_OK;
}

int pt_sshd_parse(const char *text, size_t len, pt_sshd_view *v)
{
    memset(v, 0, sizeof *v);
    if (yes_no(text, len, "usepam", &v->usepam) != PT_OK ||
        yes_no(text, len, "kbdinteractiveauthentication", &v->kbdint) != PT_OK ||
        yes_no(text, len, "passwordauthentication", &v->password) != PT_OK ||
        yes_no(text, len, "pubkeyauthentication", &v->pubkey) != PT_OK ||
        !find_value(text, len, "permitrootlogin", v->permitrootlogin, sizeof v->permitrootlogin))
        return PT_ERR_INVAL;
    v->have_methods = find_value(text, len, "authenticationmethods", v->methods,
                                 sizeof v->methods);
    if (!v->have_methods)
        snprintf(v->methods, sizeof v->methods, "any");
    return PT_OK;
}

/* Calls fn for every list of AuthenticationMethods ("a,b c" is two lists). */
static bool any_list(const char *methods, bool (*fn)(const char *list, size_t len))
{
    const char *p = methods;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n > 0 && fn(p, n))
            return true;
        p += n;
    }
    return false;
}

/* Whether a list names method m (possibly with a ":submethod"). */
static bool list_has(const char *list, size_t len, const char *m)
{
    size_t mlen = strlen(m);
    const char *p = list, *end = list + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        size_t n = (size_t)(e - p);
        const char *colon = memchr(p, ':', n);
        if (colon)
            n = (size_t)(colon - p);
        if (n == mlen && memcmp(p, m, mlen) == 0)
            return true;
        p = e + 1;
    }
    return false;
}

static bool lacks_kbdint(const char *list, size_t len)
{
    return !list_has(list, len, "keyboard-interactive");
}

/* A list a key alone satisfies: no password and no keyboard-interactive in it. */
static bool key_only(const char *list, size_t len)
{
    return list_has(list, len, "publickey") && !list_has(list, len, "keyboard-interactive") &&
           !list_has(list, len, "password");
}

#define SSHD_DROPIN "a drop-in file /etc/ssh/sshd_config.d/pam_totp.conf"

static void check_pam_reachable(pt_dr_report *r, const char *where, const pt_sshd_view *v)
{
    if (!v->usepam) {
        pt_dr_add(r, PT_DR_WEAKENS, "sshd_usepam_no", where,
                  "put `UsePAM yes` in " SSHD_DROPIN ", then `sshd -t` and `systemctl reload "
                  "ssh`",
                  "sshd does not use PAM (UsePAM no): ssh logins never reach pam_totp.so, so no "
                  "code is asked");
        return;
    }
    if (!v->kbdint) {
        pt_dr_add(r, PT_DR_BREAKS, "sshd_kbdint_disabled", where,
                  "put `KbdInteractiveAuthentication yes` in " SSHD_DROPIN " (Debian's "
                  "sshd_config says no, and sshd keeps the first value it reads: the drop-ins "
                  "are read first), then `sshd -t` and `systemctl reload ssh`",
                  "keyboard-interactive authentication is disabled: sshd cannot ask for the "
                  "code%s",
                  v->password ? "; with password authentication sshd answers the code prompt "
                                "with the password, so enrolled users cannot log in"
                              : ", so ssh logins never reach pam_totp.so");
    }
}

static void check_methods(pt_dr_report *r, const char *where, const pt_sshd_view *v)
{
    if (strcmp(v->methods, "any") == 0) {
        if (v->pubkey)
            pt_dr_add(r, PT_DR_WEAKENS, "sshd_methods_bypass", where,
                      "put `AuthenticationMethods keyboard-interactive` (password and code) or "
                      "`AuthenticationMethods publickey,keyboard-interactive` (key and code) in "
                      SSHD_DROPIN,
                      "AuthenticationMethods is `any`: a public key alone logs in without "
                      "reaching the PAM stack, so without a code");
        return;
    }
    if (any_list(v->methods, lacks_kbdint))
        pt_dr_add(r, PT_DR_WEAKENS, "sshd_methods_bypass", where,
                  "make every list of AuthenticationMethods include keyboard-interactive "
                  "(`keyboard-interactive` or `publickey,keyboard-interactive`)",
                  "AuthenticationMethods `%s` has a list without keyboard-interactive: a login "
                  "through it never reaches pam_totp.so", v->methods);
}

static void check_root(pt_dr_report *r, const char *where, const pt_sshd_view *root)
{
    const char *p = root->permitrootlogin;
    bool key_only_root = strcmp(p, "without-password") == 0 ||
                         strcmp(p, "prohibit-password") == 0 ||
                         strcmp(p, "forced-commands-only") == 0;
    if (!key_only_root || strcmp(root->methods, "any") == 0 || !root->pubkey)
        return;
    /* sshd refuses keyboard-interactive to root unless PermitRootLogin is yes, so a list that
     * needs it can never complete for root. */
    if (!any_list(root->methods, key_only))
        pt_dr_add(r, PT_DR_BREAKS, "sshd_root_key_lost", where,
                  "decide how root logs in: keep its key login with a block at the end of the "
                  "drop-in, `Match User root` / `    AuthenticationMethods publickey`; or "
                  "`PermitRootLogin no` and log in as a user, then su or sudo",
                  "root's key login is lost: PermitRootLogin prohibit-password refuses "
                  "keyboard-interactive to root, and AuthenticationMethods `%s` has no list a key "
                  "alone completes", root->methods);
}

void pt_dr_check_sshd(pt_dr_report *r, const char *where, const pt_sshd_view *any,
                      const pt_sshd_view *root)
{
    check_pam_reachable(r, where, any);
    if (any->usepam && any->kbdint)
        check_methods(r, where, any);
    if (root != NULL)
        check_root(r, where, root);
}

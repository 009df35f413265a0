/* The PAM checks of pam-totp doctor (doctor.h): service files read the way Linux-PAM 1.5 reads
 * them (type, control, module, arguments; '#' comments; '\' continues a line; a bracketed
 * control or argument may hold spaces; "-type" skips a module that cannot be loaded; @include
 * and the include and substack controls), flattened into one list of lines per service, then
 * checked for what lets a login past pam_totp.so or makes it fail. */
#include "doctor.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pt_error.h"
#include "safefile.h"

#define PAM_FILE_MAX (64 * 1024)
#define INCLUDE_DEPTH_MAX 8

static pt_pam_line *new_line(pt_pam_stack *s)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        pt_pam_line *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        s->v = v;
        s->cap = cap;
    }
    pt_pam_line *l = &s->v[s->n++];
    memset(l, 0, sizeof *l);
    return l;
}

static void free_line(pt_pam_line *l)
{
    for (int i = 0; i < l->argc; i++)
        free(l->argv[i]);
    l->argc = 0;
}

void pt_pam_stack_free(pt_pam_stack *s)
{
    for (size_t i = 0; i < s->n; i++)
        free_line(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The next token of *p: a run of non-blanks, where '[' ... ']' may hold blanks ("\]" is a
 * literal bracket inside). Returns its length (0 at the end), *start its first byte. */
static size_t next_token(const char **p, const char **start)
{
    const char *q = *p;
    while (*q == ' ' || *q == '\t')
        q++;
    *start = q;
    int depth = 0;
    while (*q && (depth > 0 || (*q != ' ' && *q != '\t'))) {
        if (*q == '\\' && q[1] == ']' && depth > 0)
            q++;
        else if (*q == '[')
            depth = 1;
        else if (*q == ']')
            depth = 0;
        q++;
    }
    *p = q;
    return (size_t)(q - *start);
}

static bool copy_token(char *out, size_t outsz, const char *t, size_t n)
{
    if (n >= outsz)
        return false;
    memcpy(out, t, n);
    out[n] = '\0';
    return true;
}

static void bad_line(pt_dr_report *r, const char *file, unsigned lineno, const char *why)
{
    char where[PATH_MAX + 32];
    snprintf(where, sizeof where, "%s:%u", file, lineno);
    pt_dr_add(r, PT_DR_ADVICE, "pam_syntax", where,
              "correct the line (pam.conf(5)); libpam logs and skips lines it cannot read",
              "this line cannot be read: %s", why);
}

/* One logical line (comments and continuations already removed). */
static int parse_line(char *text, const char *file, unsigned lineno, pt_pam_stack *s,
                      pt_dr_report *r)
{
    const char *p = text, *t;
    size_t n = next_token(&p, &t);
    if (n == 0)
        return PT_OK;
    pt_pam_line *l = new_line(s);
    if (l == NULL)
        return PT_ERR_NOMEM;
    snprintf(l->file, sizeof l->file, "%s", file);
    l->lineno = lineno;
    if (n == 8 && strncmp(t, "@include", 8) == 0) {
        snprintf(l->control, sizeof l->control, "@include");
        n = next_token(&p, &t);
        if (n == 0 || !copy_token(l->module, sizeof l->module, t, n)) {
            s->n--;
            bad_line(r, file, lineno, "@include without a file name");
        }
        return PT_OK;
    }
    if (*t == '-') {
        l->dash = true;
        t++, n--;
    }
    const char *why = NULL;
    if (!copy_token(l->type, sizeof l->type, t, n))
        why = "the type is too long";
    for (char *c = l->type; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    n = next_token(&p, &t);
    if (!why && (n == 0 || (n >= 2 && t[0] == '[' && t[n - 1] != ']')))
        why = "no control, or a '[' without its ']'";
    else if (!why && t[0] == '[' && !copy_token(l->control, sizeof l->control, t + 1, n - 2))
        why = "the control is too long";
    else if (!why && t[0] != '[' && !copy_token(l->control, sizeof l->control, t, n))
        why = "the control is too long";
    n = next_token(&p, &t);
    if (!why && (n == 0 || !copy_token(l->module, sizeof l->module, t, n)))
        why = "no module, or a module path too long";
    while (!why && (n = next_token(&p, &t)) > 0) {
        if (l->argc == PT_PAM_ARGS_MAX) {
            why = "too many arguments";
            break;
        }
        char *a = strndup(t, n);
        if (a == NULL) {
            s->n--;
            free_line(l);
            return PT_ERR_NOMEM;
        }
        l->argv[l->argc++] = a;
    }
    if (!why && strcmp(l->type, "auth") != 0 && strcmp(l->type, "account") != 0 &&
        strcmp(l->type, "password") != 0 && strcmp(l->type, "session") != 0)
        why = "the type is not auth, account, password or session";
    if (why) {
        s->n--;
        free_line(l);
        bad_line(r, file, lineno, why);
    }
    return PT_OK;
}

int pt_pam_parse_text(const char *text, size_t len, const char *file, pt_pam_stack *s,
                      pt_dr_report *r)
{
    char buf[PT_PAM_LINE_MAX];
    size_t b = 0;
    unsigned lineno = 1, start = 1;
    bool comment = false, toolong = false;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        if (c == '\\' && i + 1 < len && text[i + 1] == '\n' && !comment) {
            i++, lineno++;
            continue; /* a continued line */
        }
        if (c != '\n') {
            if (c == '#')
                comment = true;
            if (comment)
                continue;
            if (b + 1 < sizeof buf)
                buf[b++] = c == '\r' ? ' ' : c;
            else
                toolong = true;
            continue;
        }
        buf[b] = '\0';
        if (toolong)
            bad_line(r, file, start, "longer than the checker reads");
        else if (parse_line(buf, file, start, s, r) != PT_OK)
            return PT_ERR_NOMEM;
        b = 0;
        comment = toolong = false;
        start = ++lineno;
    }
    return PT_OK;
}

/* Reads dir/name (or an absolute name) as libpam would, root-owned and safe. */
static int read_service(const char *dir, const char *name, char *path, size_t pathsz,
                        char **data, size_t *len, pt_dr_report *r)
{
    if (name[0] == '/')
        snprintf(path, pathsz, "%s", name);
    else if (strchr(name, '/') != NULL || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
        return PT_ERR_INVAL;
    else
        snprintf(path, pathsz, "%s/%s", dir, name);
    int dirfd = -1;
    char base[256];
    int rc = pt_path_split_open(path, 0, &dirfd, base, sizeof base);
    if (rc == PT_OK) {
        pt_file_rules rules = { .uid = 0, .allowed = 0644, .max_size = PAM_FILE_MAX };
        rc = pt_file_read_at(dirfd, base, path, &rules, data, len);
        close(dirfd);
    }
    if (rc != PT_OK && rc != PT_ERR_NOENT)
        pt_dr_add(r, PT_DR_ADVICE, "pam_unreadable", path,
                  "make it a regular file owned by root, not writable by group or others",
                  "cannot check this PAM file: %s", pt_strerror(rc));
    return rc;
}

static int load(const char *dir, const char *name, const char *only_type, unsigned scope,
                unsigned parent, int depth, pt_pam_stack *s, pt_dr_report *r)
{
    char path[PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    int rc = read_service(dir, name, path, sizeof path, &data, &len, r);
    if (rc != PT_OK)
        return rc;
    pt_pam_stack own = {0};
    rc = pt_pam_parse_text(data, len, path, &own, r);
    free(data);
    for (size_t i = 0; rc == PT_OK && i < own.n; i++) {
        pt_pam_line *l = &own.v[i];
        bool at = strcmp(l->control, "@include") == 0;
        bool inc = !at && strcasecmp(l->control, "include") == 0;
        bool sub = !at && strcasecmp(l->control, "substack") == 0;
        if (!at && only_type != NULL && strcmp(l->type, only_type) != 0)
            continue;
        if (at || inc || sub) {
            char where[PATH_MAX + 32];
            snprintf(where, sizeof where, "%s:%u", l->file, l->lineno);
            if (depth >= INCLUDE_DEPTH_MAX) {
                pt_dr_add(r, PT_DR_ADVICE, "pam_include_depth", where,
                          "include fewer levels deep", "includes nest deeper than %d levels",
                          INCLUDE_DEPTH_MAX);
                continue;
            }
            unsigned sc = scope;
            if (sub)
                sc = ++s->scopes;
            int irc = load(dir, l->module, at ? only_type : l->type, sc, sub ? scope : parent,
                           depth + 1, s, r);
            if (irc == PT_ERR_NOMEM)
                rc = irc;
            else if (irc == PT_ERR_NOENT)
                pt_dr_add(r, PT_DR_BREAKS, "pam_include_missing", where,
                          "create the included file or remove the line",
                          "includes %s, which does not exist: libpam fails this stack",
                          l->module);
            continue;
        }
        pt_pam_line *d = new_line(s);
        if (d == NULL) {
            rc = PT_ERR_NOMEM;
            break;
        }
        *d = *l;
        d->scope = scope;
        d->parent = parent;
        l->argc = 0; /* the arguments moved to d */
    }
    pt_pam_stack_free(&own);
    return rc;
}

int pt_pam_stack_load(const char *dir, const char *service, pt_pam_stack *s, pt_dr_report *r)
{
    memset(s, 0, sizeof *s);
    int rc = load(dir, service, NULL, 0, 0, 0, s, r);
    if (rc != PT_OK)
        pt_pam_stack_free(s);
    return rc;
}

bool pt_pam_is_totp(const pt_pam_line *l)
{
    const char *base = strrchr(l->module, '/');
    base = base ? base + 1 : l->module;
    return strcmp(base, "pam_totp.so") == 0;
}

/* ---- checks ---- */

/* The action of a bracketed control for one return value ("auth_err"), else its default;
 * NULL when neither is given. Copies into out. */
static const char *bracket_action(const char *control, const char *value, char *out, size_t sz)
{
    const char *found = NULL, *def = NULL;
    size_t vlen = strlen(value);
    const char *p = control;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            size_t k = (size_t)(eq - p);
            if (k == vlen && strncmp(p, value, k) == 0)
                found = eq + 1;
            else if (k == 7 && strncmp(p, "default", 7) == 0)
                def = eq + 1;
        }
        p += n;
    }
    const char *a = found ? found : def;
    if (a == NULL)
        return NULL;
    size_t n = strcspn(a, " \t");
    if (n >= sz)
        n = sz - 1;
    memcpy(out, a, n);
    out[n] = '\0';
    return out;
}

/* Whether a line's control can end the stack with success, or jump past a line `distance`
 * auth lines after it (a jump of N lands on the (N+1)-th line after). *how says how. */
static bool can_skip(const pt_pam_line *l, size_t distance, const char **how)
{
    if (strcasecmp(l->control, "sufficient") == 0) {
        *how = "`sufficient`: when it succeeds the stack ends there";
        return true;
    }
    if (strcasecmp(l->control, "required") == 0 || strcasecmp(l->control, "requisite") == 0 ||
        strcasecmp(l->control, "optional") == 0)
        return false;
    const char *p = l->control;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            const char *a = eq + 1;
            size_t an = n - (size_t)(a - p);
            if (an == 4 && strncmp(a, "done", 4) == 0) {
                *how = "an action `done`: the stack can end there";
                return true;
            }
            if (an > 0 && isdigit((unsigned char)*a)) {
                unsigned long jump = strtoul(a, NULL, 10);
                if (jump >= distance) {
                    *how = "a jump that lands past pam_totp.so";
                    return true;
                }
            }
        }
        p += n;
    }
    return false;
}

static bool scope_reaches(const pt_pam_stack *s, size_t upto, unsigned from, unsigned to)
{
    /* from is `to` or one of its ancestors: follow to's parents through the lines seen. */
    for (int hops = 0; hops <= INCLUDE_DEPTH_MAX + 1; hops++) {
        if (from == to)
            return true;
        if (to == 0)
            return false;
        unsigned parent = 0;
        for (size_t i = 0; i < upto; i++)
            if (s->v[i].scope == to) {
                parent = s->v[i].parent;
                break;
            }
        to = parent;
    }
    return false;
}

static void where_of(const pt_pam_line *l, char *out, size_t sz)
{
    snprintf(out, sz, "%s:%u", l->file, l->lineno);
}

static bool module_exists(const pt_pam_line *l, const char *dirs)
{
    if (l->module[0] == '/')
        return access(l->module, F_OK) == 0;
    const char *p = dirs;
    while (p && *p) {
        size_t n = strcspn(p, ":");
        char path[PATH_MAX];
        if (n > 0 && (size_t)snprintf(path, sizeof path, "%.*s/%s", (int)n, p, l->module) <
                         sizeof path &&
            access(path, F_OK) == 0)
            return true;
        p += n;
        if (*p == ':')
            p++;
    }
    return false;
}

static void check_control(pt_dr_report *r, const char *service, const pt_pam_line *l,
                          const char *where)
{
    char act[32];
    const char *c = l->control;
    bool weak = strcasecmp(c, "optional") == 0 || strcasecmp(c, "sufficient") == 0;
    if (!weak && strcasecmp(c, "required") != 0 && strcasecmp(c, "requisite") != 0) {
        const char *a = bracket_action(c, "auth_err", act, sizeof act);
        weak = a == NULL || (strcmp(a, "bad") != 0 && strcmp(a, "die") != 0);
    }
    if (weak)
        pt_dr_add(r, PT_DR_WEAKENS, "pam_totp_control", where,
                  "use `auth required pam_totp.so` (the control `required`)",
                  "service %s: pam_totp.so has the control `%s`, so a wrong code does not stop "
                  "the login", service, c);
}

static bool has_arg(const pt_pam_line *l, const char *arg)
{
    for (int i = 0; i < l->argc; i++)
        if (strcmp(l->argv[i], arg) == 0)
            return true;
    return false;
}

/* A forward_pass line only asks and hands the code on; the code is checked by a plain pam_totp.so
 * line after the password step. Without one (the two-line stack of earlier releases) no code is
 * ever checked. */
static void check_forward(pt_dr_report *r, const char *service, const pt_pam_stack *s, size_t t,
                          const char *where)
{
    if (!has_arg(&s->v[t], "forward_pass"))
        return;
    for (size_t k = t + 1; k < s->n; k++) {
        if (strcmp(s->v[k].type, "auth") != 0 || !pt_pam_is_totp(&s->v[k]) ||
            has_arg(&s->v[k], "forward_pass"))
            continue;
        /* The checking line: every auth line between must end the stack on a wrong password
         * (requisite), or the check runs after one and counts failures, or enrols, for anyone
         * who knows only the user name. */
        for (size_t b = t + 1; b < k; b++) {
            const pt_pam_line *l = &s->v[b];
            char bw[PATH_MAX + 32], act[32];
            if (strcmp(l->type, "auth") != 0 || strcasecmp(l->control, "requisite") == 0)
                continue;
            const char *a = bracket_action(l->control, "auth_err", act, sizeof act);
            if (a != NULL && strcmp(a, "die") == 0)
                continue;
            where_of(l, bw, sizeof bw);
            pt_dr_add(r, PT_DR_WEAKENS, "pam_totp_forward_not_requisite", bw,
                      "make the password line `auth requisite pam_unix.so use_first_pass`",
                      "service %s: %s between the forward_pass line and the line that checks the "
                      "code is `%s`, so the check also runs after a wrong password: anyone who "
                      "knows a user name can count failures against it (and, with enrol_at_login, "
                      "enrol a phone)", service, l->module, l->control);
        }
        return;
    }
    pt_dr_add(r, PT_DR_WEAKENS, "pam_totp_forward_unchecked", where,
              "add `auth required pam_totp.so` after the password step (pam_totp(8), ONE PROMPT "
              "FOR PASSWORD AND CODE)",
              "service %s: pam_totp.so forward_pass only asks and hands the code on, and no "
              "pam_totp.so line after it checks the code: logins pass with the password alone",
              service);
}

void pt_dr_check_pam(pt_dr_report *r, const char *service, const pt_pam_stack *s,
                     const char *module_dirs)
{
    char where[PATH_MAX + 32], fix[PT_DR_TEXT_MAX];
    for (size_t t = 0; t < s->n; t++) {
        const pt_pam_line *l = &s->v[t];
        if (!pt_pam_is_totp(l))
            continue;
        where_of(l, where, sizeof where);
        if (strcmp(l->type, "auth") != 0) {
            pt_dr_add(r, PT_DR_BREAKS, "pam_totp_type", where,
                      "remove the line: pam_totp.so belongs on auth lines only",
                      "service %s: pam_totp.so on a `%s` line, which it does not implement: "
                      "libpam fails that step", service, l->type);
            continue;
        }
        if (!module_exists(l, module_dirs))
            pt_dr_add(r, l->dash ? PT_DR_WEAKENS : PT_DR_BREAKS, "pam_totp_missing", where,
                      "install the module (the package, or `cmake --install`) or correct the "
                      "path",
                      "service %s: the module %s cannot be found: %s", service, l->module,
                      l->dash ? "the line is skipped (`-auth`) and no code is asked"
                              : "every login through this stack fails");
        else if (l->dash)
            pt_dr_add(r, PT_DR_WEAKENS, "pam_totp_dash", where,
                      "write `auth`, not `-auth`, on the pam_totp.so line",
                      "service %s: `-auth` skips pam_totp.so silently whenever it cannot be "
                      "loaded", service);
        check_control(r, service, l, where);
        check_forward(r, service, s, t, where);
        for (size_t i = 0; i < t; i++) {
            const pt_pam_line *b = &s->v[i];
            const char *how = NULL;
            if (strcmp(b->type, "auth") != 0 || pt_pam_is_totp(b))
                continue;
            size_t distance = 0; /* jumps count the lines of the same type only */
            for (size_t k = i + 1; k <= t; k++)
                distance += strcmp(s->v[k].type, "auth") == 0;
            if (!scope_reaches(s, t, b->scope, l->scope) || !can_skip(b, distance, &how))
                continue;
            char bw[PATH_MAX + 32];
            where_of(b, bw, sizeof bw);
            snprintf(fix, sizeof fix, "put pam_totp.so before that line, or make the line "
                     "`required`/`requisite` (a jump must not land past %.300s)", where);
            pt_dr_add(r, PT_DR_WEAKENS, "pam_totp_skippable", bw, fix,
                      "service %s: %s has %s, so a login can succeed without reaching "
                      "pam_totp.so (%s)", service, b->module, how, where);
        }
    }
}

/* pam-totp import google-authenticator (--user NAME... | --all) [--force] [--json]
 * pam-totp import oath --file USERSFILE (--user NAME... | --all) [--force] [--json]
 * (root) Turns the enrolments of google-authenticator-libpam and pam_oath into ours, keeping each
 * secret so every phone goes on working. The source files are only read, never changed, so a
 * switch can be rolled back. The parsers are in common/import_*.c; this file finds the files,
 * reads them as their owners, writes enrolments and state, and reports one line per user. */
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "audit.h"
#include "cli.h"
#include "import.h"
#include "privs.h"
#include "pt_error.h"
#include "safefile.h"

#define GA_FILE ".google_authenticator"
#define NOTES_MAX 512

typedef enum { SRC_GA, SRC_OATH } src_kind;

typedef struct {
    src_kind kind;
    bool force, json, all, tty;
    const char *file;          /* oath: the users file */
    char **users;              /* --user names */
    int nusers;
    pt_groupmap *gm;
    int64_t now;
    unsigned imported, skipped;
    bool first_json;
} imp_ctx;

/* One token of a source: a device of the enrolment written. */
typedef struct {
    char name[PT_DEVICE_NAME_MAX + 1];
    uint8_t secret[PT_SECRET_MAX];
    size_t secret_len;
    unsigned digits, period;
} imp_token;

/* What to write for one user, from either source. */
typedef struct {
    unsigned ntokens;          /* 1..PT_DEVICES_MAX */
    imp_token token[PT_DEVICES_MAX];
    unsigned nscratch;
    const char (*scratch)[PT_GA_SCRATCH_LEN + 1];
    int64_t last_used_step;    /* -1 none */
    char notes[NOTES_MAX];     /* "; "-separated remarks for the report */
} imp_src;

static const char *src_name(const imp_ctx *x)
{
    return x->kind == SRC_GA ? "google-authenticator" : "oath";
}

static void help(src_kind k)
{
    if (k == SRC_GA)
        printf("Usage: pam-totp import google-authenticator (--user NAME... | --all) [--force] "
               "[--json]\n\n"
               "(root) Imports ~NAME/.google_authenticator (read as the user): the same secret and\n"
               "time step, scratch codes as backup codes, codes already used kept unusable.\n"
               "Counter-based files are refused. The source files are left untouched.\n\n");
    else
        printf("Usage: pam-totp import oath --file USERSFILE (--user NAME... | --all) [--force] "
               "[--json]\n\n"
               "(root) Imports the time-based lines (HOTP/T30, HOTP/T60) of a pam_oath users file.\n"
               "Counter-based lines and lines with a PIN are refused. The file is left untouched.\n\n");
    printf("  --user NAME  import this user (repeat, or list more names after it)\n"
           "  --all        every user with something to import\n"
           "  --force      replace an existing active enrolment\n"
           "  --json       an array of {user, imported, reason, backup_codes, notes}\n\n"
           "Exit status: 0 when every user requested was imported, 1 when one was skipped, 2 usage\n"
           "error, 3 system error. See pam-totp(1).\n");
}

static void note_add(imp_src *s, const char *text)
{
    size_t n = strlen(s->notes);
    snprintf(s->notes + n, sizeof s->notes - n, "%s%s", n ? "; " : "", text);
}

/* ---- reporting ---- */

static void report(imp_ctx *x, const char *user, bool imported, const char *reason,
                   unsigned codes, const char *notes)
{
    if (imported)
        x->imported++;
    else
        x->skipped++;
    if (x->tty && x->all)
        fputs("\r\033[K", stderr); /* the progress line goes away before a report line */
    if (!x->json) {
        if (imported)
            printf("%s: imported (%u backup codes)%s%s\n", user, codes, notes && *notes ? "; " : "",
                   notes ? notes : "");
        else
            printf("%s: skipped: %s%s%s\n", user, reason, notes && *notes ? "; " : "",
                   notes ? notes : "");
        return;
    }
    printf("%s\n  {\"user\": ", x->first_json ? "" : ",");
    x->first_json = false;
    cli_json_string(stdout, user);
    printf(", \"imported\": ");
    cli_json_bool(stdout, imported);
    printf(", \"reason\": ");
    if (imported)
        printf("null");
    else
        cli_json_string(stdout, reason);
    printf(", \"backup_codes\": %u, \"notes\": ", codes);
    cli_json_string(stdout, notes ? notes : "");
    printf("}");
}

/* The error text of the core's pt_log lines is on stderr already; this is the short reason. */
static const char *rc_reason(int rc)
{
    switch (rc) {
    case PT_ERR_UNSAFE: return "unsafe file (symlink, owner or mode): see the message above";
    case PT_ERR_TOOBIG: return "file too large: see the message above";
    case PT_ERR_MALFORMED: return "malformed file: see the message above";
    case PT_ERR_PERM: return "not allowed: see the message above";
    default: return "cannot read or write: see the message above";
    }
}

/* ---- writing ---- */

/* newest step already used, in the enrolment's period (state.h: step_period) */
static bool newer_than_state(const pt_state *st, int64_t step, unsigned period)
{
    if (st->last_step < 0)
        return true;
    unsigned sp = st->step_period ? st->step_period : period;
    return step * (int64_t)period > st->last_step * (int64_t)sp;
}

/* Binds the state to the imported enrolment with last_step raised to the steps the source
 * already used (under the store's update: see pt_state_fn); *before keeps the state as read. */
typedef struct {
    const pt_enrolment *e;
    int64_t last_used_step;
    pt_state before;
} bind_ctx;

static int bind_imported(void *ctx, pt_state *st, bool *write)
{
    bind_ctx *b = ctx;
    b->before = *st;
    pt_state_bind(st, b->e->id);
    if (newer_than_state(st, b->last_used_step, b->e->dev[0].period)) { /* google-authenticator's */
        st->last_step = b->last_used_step;
        st->step_period = b->e->dev[0].period;
    }
    *write = true;
    return PT_OK;
}

/* Puts back the state as it was before bind_imported. */
static int put_back(void *ctx, pt_state *st, bool *write)
{
    bind_ctx *b = ctx;
    *st = b->before;
    *write = true;
    return PT_OK;
}

/* Writes e; when s lists steps already used, first binds the runtime state to e with last_step
 * raised to them, so a code used just before the switch cannot be used again. On a failure to
 * write e the state is put back as it was. */
static int write_enrolment(imp_ctx *x, cli_ctx *c, const pt_user *u, pt_enrolment *e,
                           const imp_src *s)
{
    (void)x;
    if (s->last_used_step < 0)
        return pt_store_enrolment_store(c->store, u, e);
    pt_state st;
    bind_ctx b = { .e = e, .last_used_step = s->last_used_step };
    int rc = pt_store_state_update(c->store, u, bind_imported, &b, &st);
    if (rc == PT_OK) {
        rc = pt_store_enrolment_store(c->store, u, e);
        if (rc != PT_OK && pt_store_state_update(c->store, u, put_back, &b, &st) != PT_OK)
            cli_err("%s: the runtime state could not be put back: run `pam-totp reset %s` if "
                    "logins fail", u->name, u->name);
    }
    pt_wipe(&b.before, sizeof b.before);
    return rc;
}

/* One user: checks what is there, builds the enrolment, writes it, audits, reports. */
static int import_one(imp_ctx *x, cli_ctx *c, const pt_user *u, imp_src *s)
{
    pt_enrolment old, e;
    int rc = cli_load_enrolment(c, u, &old);
    bool active = rc == PT_OK && old.status == PT_ENROL_ACTIVE;
    pt_enrolment_wipe(&old);
    if (rc != PT_OK && rc != PT_ERR_NOENT && !x->force) {
        report(x, u->name, false, "the existing enrolment cannot be read (see above); --force "
                                  "replaces it", 0, s->notes);
        return CLI_REFUSED;
    }
    if (active && !x->force) {
        report(x, u->name, false, "already enrolled with pam_totp; --force replaces it", 0,
               s->notes);
        return CLI_REFUSED;
    }

    memset(&e, 0, sizeof e);
    if (pt_enrolment_new_id(e.id) != PT_OK) {
        report(x, u->name, false, "no random id (libgcrypt)", 0, s->notes);
        return CLI_SYSERR;
    }
    e.status = PT_ENROL_ACTIVE;
    e.created = x->now;
    e.expires = 0;
    for (unsigned i = 0; i < s->ntokens && i < PT_DEVICES_MAX; i++) {
        pt_device *d = &e.dev[e.ndevices++];
        const imp_token *t = &s->token[i];
        if (pt_enrolment_new_id(d->id) != PT_OK) {
            pt_enrolment_wipe(&e);
            report(x, u->name, false, "no random id (libgcrypt)", 0, s->notes);
            return CLI_SYSERR;
        }
        snprintf(d->name, sizeof d->name, "%s", t->name);
        d->status = PT_ENROL_ACTIVE;
        d->created = x->now;
        d->expires = 0;
        d->confirmed_step = -1;
        d->command_step = -1;
        d->alg = PT_ALG_SHA1; /* both sources are HMAC-SHA1 */
        d->digits = t->digits;
        d->period = t->period;
        memcpy(d->secret, t->secret, t->secret_len);
        d->secret_len = t->secret_len;
    }
    if (s->nscratch > 0) {
        rc = pt_backup_import(s->scratch, s->nscratch, &e.backup);
    } else { /* no codes: an empty set with valid parameters, as `backup_codes = 0` makes */
        pt_kdf_default(&e.backup.kdf);
        rc = pt_random_bytes(e.backup.salt, sizeof e.backup.salt);
    }
    if (rc != PT_OK) {
        pt_enrolment_wipe(&e);
        report(x, u->name, false, "the scratch codes could not be hashed (see above)", 0,
               s->notes);
        return CLI_SYSERR;
    }
    rc = write_enrolment(x, c, u, &e, s);
    pt_enrolment_wipe(&e);
    if (rc != PT_OK) {
        report(x, u->name, false, rc_reason(rc), 0, s->notes);
        return rc == PT_ERR_UNSAFE || rc == PT_ERR_PERM ? CLI_REFUSED : CLI_SYSERR;
    }
    char n[16];
    snprintf(n, sizeof n, "%u", s->nscratch);
    cli_audit(LOG_NOTICE, "imported", u, true, "source", src_name(x), "codes", n);
    report(x, u->name, true, NULL, s->nscratch, s->notes);
    return CLI_OK;
}

/* ---- accounts ---- */

static int user_from_pw(imp_ctx *x, const struct passwd *pw, pt_user *u)
{
    memset(u, 0, sizeof *u);
    return pt_user_from_passwd_map(u, x->gm, pw->pw_name, pw->pw_uid, pw->pw_gid,
                                   pw->pw_dir ? pw->pw_dir : "", pw->pw_shell ? pw->pw_shell : "");
}

static void progress(const imp_ctx *x, unsigned done, unsigned total)
{
    if (x->tty && x->all && (done % 100 == 0 || done == total))
        fprintf(stderr, "\rimporting: %u of %u accounts checked", done, total);
}

/* ---- google-authenticator ---- */

/* Reads ~/.google_authenticator as the user: the home directory checked as the module checks
 * it, the file opened without following a symlink, owned by the user, no access for group or
 * others, size-capped. PT_ERR_NOENT when there is none. */
static int ga_read(const pt_user *u, char *path, size_t pathsz, char **data, size_t *len)
{
    snprintf(path, pathsz, "%s/%s", u->home, GA_FILE);
    pt_privs saved;
    memset(&saved, 0, sizeof saved);
    if (pt_privs_drop_user(&saved, u) != PT_OK)
        return PT_ERR_PERM;
    int dirfd = -1;
    int rc = pt_dir_open_user(u->home, u->uid, &dirfd);
    if (rc == PT_OK) {
        pt_file_rules r = { .uid = u->uid, .allowed = 0600, .max_size = PT_GA_MAX_SIZE };
        int fd = -1;
        rc = pt_file_open_raw(dirfd, GA_FILE, path, &fd);
        if (rc == PT_OK) {
            rc = pt_file_check_fd(fd, path, &r);
            if (rc == PT_OK)
                rc = pt_file_read_fd(fd, path, PT_GA_MAX_SIZE, data, len);
            close(fd);
        }
        close(dirfd);
    }
    if (pt_privs_restore(&saved) != PT_OK) {
        cli_err("cannot return from acting as %s; stopping", u->name);
        exit(CLI_SYSERR);
    }
    return rc;
}

static int ga_one(imp_ctx *x, cli_ctx *c, const pt_user *u, bool requested)
{
    char path[PATH_MAX + 32], why[PT_IMPORT_WHY], text[PATH_MAX + 256];
    char *data = NULL;
    size_t len = 0;
    int rc = ga_read(u, path, sizeof path, &data, &len);
    if (rc == PT_ERR_NOENT) {
        if (requested) {
            report(x, u->name, false, "no ~/.google_authenticator", 0, NULL);
            return CLI_REFUSED;
        }
        return CLI_OK;
    }
    if (rc != PT_OK) {
        report(x, u->name, false, rc_reason(rc), 0, NULL);
        return CLI_REFUSED;
    }
    pt_ga_file *g = calloc(1, sizeof *g);
    imp_src *s = calloc(1, sizeof *s);
    if (g == NULL || s == NULL) {
        free(g), free(s), pt_wipe(data, len), free(data);
        return CLI_SYSERR;
    }
    rc = pt_ga_parse(data, len, g, why, sizeof why);
    pt_wipe(data, len);
    free(data);
    int st = CLI_REFUSED;
    if (rc != PT_OK) {
        snprintf(text, sizeof text, "%s: %s", path, why);
        report(x, u->name, false, text, 0, NULL);
    } else if (g->hotp) {
        report(x, u->name, false, "counter-based codes (HOTP_COUNTER) are not supported: pam_totp "
                                  "checks time-based codes only; enrol the user anew", 0, NULL);
    } else if (!g->totp) {
        report(x, u->name, false, "no TOTP_AUTH option: not a time-based file", 0, NULL);
    } else if (g->period < 10) {
        snprintf(text, sizeof text, "STEP_SIZE %u: pam_totp needs a time step of 10 s or more",
                 g->period);
        report(x, u->name, false, text, 0, NULL);
    } else {
        imp_token *t = &s->token[s->ntokens++];
        snprintf(t->name, sizeof t->name, "%s", PT_DEVICE_DEFAULT);
        memcpy(t->secret, g->secret, g->secret_len);
        t->secret_len = g->secret_len;
        t->digits = 6; /* google-authenticator's codes are always 6 digits */
        t->period = g->period;
        s->nscratch = g->nscratch;
        s->scratch = (const char(*)[PT_GA_SCRATCH_LEN + 1])g->scratch;
        s->last_used_step = g->disallow_reuse ? g->last_used_step : -1;
        unsigned either = (g->window_size - 1) / 2;
        if (either > c->opt.window) {
            snprintf(text, sizeof text, "WINDOW_SIZE %u accepted codes %u steps either side; "
                     "window = %u here", g->window_size, either, c->opt.window);
            note_add(s, text);
        }
        if (g->rate_limit) {
            snprintf(text, sizeof text, "RATE_LIMIT %u %u is replaced by deny = %u within "
                     "fail_interval = %u s", g->rate_n, g->rate_s, c->opt.deny,
                     c->opt.fail_interval);
            note_add(s, text);
        }
        st = import_one(x, c, u, s);
    }
    pt_ga_wipe(g);
    pt_wipe(s, sizeof *s);
    free(g);
    free(s);
    return st;
}

/* ---- oath ---- */

typedef struct {
    pt_oath_entry *v;
    size_t n, cap;
    bool nomem;
} oath_list;

static int oath_collect(void *ctx, const pt_oath_entry *e)
{
    oath_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        pt_oath_entry *v = calloc(cap, sizeof *v);
        if (v == NULL) {
            l->nomem = true;
            return 1;
        }
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        pt_wipe(l->v, l->cap * sizeof *l->v);
        free(l->v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *e;
    return 0;
}

static int by_user_line(const void *a, const void *b)
{
    const pt_oath_entry *x = a, *y = b;
    int d = strcmp(x->user, y->user);
    return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* The lines of one user, v[0..n): the first time-based line, the others as notes. */
static int oath_user(imp_ctx *x, cli_ctx *c, const pt_oath_entry *v, size_t n)
{
    char text[PT_IMPORT_WHY + 64];
    struct passwd *pw = getpwnam(v[0].user);
    if (pw == NULL) {
        report(x, v[0].user, false, "no such account", 0, NULL);
        return CLI_REFUSED;
    }
    imp_src *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CLI_SYSERR;
    s->last_used_step = -1;
    /* Several lines are several tokens: each time-based one becomes a device of its own (the
     * first named "default", the others after their line), up to PT_DEVICES_MAX. */
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != PT_OATH_TOTP) {
            snprintf(text, sizeof text, "line %u not imported: %s", v[i].line, v[i].why);
            note_add(s, text);
        } else if (s->ntokens == PT_DEVICES_MAX) {
            snprintf(text, sizeof text, "warning: line %u (another token) not imported: at most "
                     "%d devices per user", v[i].line, PT_DEVICES_MAX);
            note_add(s, text);
        } else {
            imp_token *t = &s->token[s->ntokens];
            if (s->ntokens == 0)
                snprintf(t->name, sizeof t->name, "%s", PT_DEVICE_DEFAULT);
            else
                snprintf(t->name, sizeof t->name, "line-%u", v[i].line);
            memcpy(t->secret, v[i].secret, v[i].secret_len);
            t->secret_len = v[i].secret_len;
            t->digits = v[i].digits;
            t->period = v[i].period;
            s->ntokens++;
        }
    }
    if (s->ntokens == 0) {
        snprintf(text, sizeof text, "line %u: %s", v[0].line, v[0].why);
        report(x, v[0].user, false, text, 0, NULL);
        pt_wipe(s, sizeof *s);
        free(s);
        return CLI_REFUSED;
    }
    if (s->ntokens > 1) {
        snprintf(text, sizeof text, "%u tokens imported as %u devices (`pam-totp devices`)",
                 s->ntokens, s->ntokens);
        note_add(s, text);
    }
    pt_user u;
    int st;
    if (user_from_pw(x, pw, &u) != PT_OK) {
        report(x, v[0].user, false, "cannot read the account's groups", 0, s->notes);
        st = CLI_SYSERR;
    } else {
        st = import_one(x, c, &u, s);
        pt_user_free(&u);
    }
    pt_wipe(s, sizeof *s);
    free(s);
    return st;
}

static bool requested(const imp_ctx *x, const char *name)
{
    if (x->all)
        return true;
    for (int i = 0; i < x->nusers; i++)
        if (strcmp(x->users[i], name) == 0)
            return true;
    return false;
}

static int run_oath(imp_ctx *x, cli_ctx *c)
{
    int dirfd = -1;
    char name[NAME_MAX + 1], why[PT_IMPORT_WHY + 32];
    char *data = NULL;
    size_t len = 0;
    /* root's file in a directory only root can change, as pam_oath keeps it (/etc/users.oath) */
    int rc = pt_path_split_open(x->file, 0, &dirfd, name, sizeof name);
    if (rc == PT_OK) {
        pt_file_rules r = { .uid = 0, .allowed = 0644, .max_size = PT_OATH_MAX_SIZE };
        rc = pt_file_read_at(dirfd, name, x->file, &r, &data, &len);
        close(dirfd);
    }
    if (rc != PT_OK) {
        cli_err("%s: cannot read it (%s)", x->file, pt_strerror(rc));
        return rc == PT_ERR_NOENT ? CLI_USAGE : CLI_SYSERR;
    }
    oath_list l = {0};
    rc = pt_oath_parse(data, len, oath_collect, &l, why, sizeof why);
    pt_wipe(data, len);
    free(data);
    int worst = CLI_OK;
    if (rc != 0 || l.nomem) {
        cli_err("%s: %s", x->file, l.nomem ? "out of memory" : why);
        worst = CLI_SYSERR;
    } else {
        qsort(l.v, l.n, sizeof *l.v, by_user_line);
        for (int i = 0; i < x->nusers; i++) {
            bool found = false;
            for (size_t j = 0; j < l.n && !found; j++)
                found = strcmp(l.v[j].user, x->users[i]) == 0;
            if (!found) {
                report(x, x->users[i], false, "no line for this user in the users file", 0, NULL);
                worst = worst > CLI_REFUSED ? worst : CLI_REFUSED;
            }
        }
        size_t users = 0, done = 0;
        for (size_t i = 0; i < l.n; i++)
            users += i == 0 || strcmp(l.v[i].user, l.v[i - 1].user) != 0;
        for (size_t i = 0; i < l.n;) {
            size_t j = i + 1;
            while (j < l.n && strcmp(l.v[j].user, l.v[i].user) == 0)
                j++;
            if (l.v[i].user[0] == '\0') {
                for (size_t k = i; k < j; k++) {
                    snprintf(why, sizeof why, "line %u: %s", l.v[k].line, l.v[k].why);
                    report(x, "-", false, why, 0, NULL);
                }
                worst = worst > CLI_REFUSED ? worst : CLI_REFUSED;
            } else if (requested(x, l.v[i].user)) {
                int st = oath_user(x, c, l.v + i, j - i);
                worst = worst > st ? worst : st;
            }
            progress(x, (unsigned)++done, (unsigned)users);
            i = j;
        }
    }
    pt_wipe(l.v, l.cap * sizeof *l.v);
    free(l.v);
    return worst;
}

static int run_ga(imp_ctx *x, cli_ctx *c)
{
    int worst = CLI_OK;
    if (!x->all) {
        for (int i = 0; i < x->nusers; i++) {
            struct passwd *pw = getpwnam(x->users[i]);
            pt_user u;
            int st;
            if (pw == NULL) {
                report(x, x->users[i], false, "no such account", 0, NULL);
                st = CLI_REFUSED;
            } else if (user_from_pw(x, pw, &u) != PT_OK) {
                report(x, x->users[i], false, "cannot read the account's groups", 0, NULL);
                st = CLI_SYSERR;
            } else {
                st = ga_one(x, c, &u, true);
                pt_user_free(&u);
            }
            worst = worst > st ? worst : st;
        }
        return worst;
    }
    /* --all: every account whose home holds the file; the others are not mentioned. */
    struct passwd *pw;
    unsigned total = 0, done = 0;
    setpwent();
    while ((pw = getpwent()) != NULL)
        total++;
    setpwent();
    while ((pw = getpwent()) != NULL) {
        pt_user u;
        progress(x, done++, total);
        if (user_from_pw(x, pw, &u) != PT_OK)
            continue; /* a name the core cannot act on has no file of ours to import */
        /* Homes of system accounts (/nonexistent, /bin, another user's directory) are not
         * worth a warning each: quiet until a file is found. */
        int st = ga_one(x, c, &u, false);
        worst = worst > st ? worst : st;
        pt_user_free(&u);
    }
    endpwent();
    progress(x, total, total);
    return worst;
}

int cmd_import(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},  {"all", no_argument, NULL, 'a'},
        {"file", required_argument, NULL, 'F'},  {"force", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    imp_ctx x;
    memset(&x, 0, sizeof x);
    x.first_json = true;
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            help(SRC_GA);
            printf("\n");
            help(SRC_OATH);
            return CLI_OK;
        }
        return cli_usage_error(c, "name the source: google-authenticator or oath");
    }
    if (strcmp(argv[1], "google-authenticator") == 0)
        x.kind = SRC_GA;
    else if (strcmp(argv[1], "oath") == 0)
        x.kind = SRC_OATH;
    else
        return cli_usage_error(c, "unknown source `%s`: google-authenticator or oath", argv[1]);
    argv[1] = argv[0];
    argc--, argv++;

    char **users = calloc((size_t)argc + 1, sizeof *users);
    if (users == NULL)
        return CLI_SYSERR;
    x.users = users;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': users[x.nusers++] = optarg; break;
        case 'a': x.all = true; break;
        case 'F': x.file = optarg; break;
        case 'f': x.force = true; break;
        case 'j': x.json = true; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(x.kind); free(users); return CLI_OK;
        default: free(users); return cli_usage_hint(c);
        }
    }
    /* --user alice bob carol: names after --user are more names */
    while (optind < argc && x.nusers > 0)
        users[x.nusers++] = argv[optind++];
    st = CLI_OK;
    if (optind < argc)
        st = cli_usage_error(c, "unexpected argument: %s", argv[optind]);
    else if (x.all == (x.nusers > 0))
        st = cli_usage_error(c, "give --user NAME... or --all (one of them)");
    else if (x.kind == SRC_OATH && x.file == NULL)
        st = cli_usage_error(c, "import oath needs --file USERSFILE (pam_oath's usersfile=)");
    else if (x.kind == SRC_GA && x.file != NULL)
        st = cli_usage_error(c, "--file goes with import oath");
    else if ((st = cli_need_root(c, "import enrolments")) == CLI_OK &&
             (st = cli_load_config(c)) == CLI_OK && pt_groupmap_load(&x.gm) != PT_OK) {
        cli_err("the group database could not be read (see above)");
        st = CLI_SYSERR;
    }
    if (st != CLI_OK) {
        free(users);
        return st;
    }

    x.tty = isatty(STDERR_FILENO) == 1;
    x.now = cli_now();
    if (x.json)
        printf("[");
    st = x.kind == SRC_GA ? run_ga(&x, c) : run_oath(&x, c);
    if (x.json)
        printf("%s]\n", x.first_json ? "" : "\n");
    if (x.tty && x.all)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "pam-totp: %u imported, %u skipped. %s was only read and is unchanged: "
                    "remove it (and its PAM line) once logins with pam_totp work.\n",
            x.imported, x.skipped,
            x.kind == SRC_GA ? "Each ~/.google_authenticator" : x.file);
    pt_groupmap_free(x.gm);
    free(users);
    return st;
}

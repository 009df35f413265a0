/* pam-totp migrate (NAME... | --all) [--from PATTERN] (root): moves home-mode enrolments to the
 * configured system-mode enrolment_file, or with store = ldap into the directory (DESIGN
 * sections 6 and 11).
 *
 * Every source is a file of the user's own, so it is read as that user with the module's own
 * checks (pt_enrolment_load_user_file: no symlink followed, a regular file owned by the user,
 * 0600, size-capped, a FIFO or device refused without blocking): a link to /etc/shadow, /dev/zero
 * or a FIFO is skipped with the reason, never copied, never waited on. Each result is written by
 * root, atomically and durably, exactly where the module will look. The enrolment keeps its id,
 * so the runtime state (used codes, last step, lock) still applies. The source is left in place:
 * an admin removes it once logins work (with system mode the module never reads it again). */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"

#define DEFAULT_FROM "%h/.pam_totp"

static void help(void)
{
    printf("Usage: pam-totp migrate (NAME... | --all) [--from PATTERN]\n\n"
           "(root) Moves home-mode enrolments to the configured enrolment_file, which must be a\n"
           "system-mode path (for example /var/lib/pam_totp/enrol/%%u), or with store = ldap\n"
           "into the directory. Each source is read as\n"
           "its user with the module's file checks; one line per user says migrated or skipped\n"
           "and why. Sources are left in place: remove them once logins work.\n\n"
           "  --all           every account with a source file (progress on a terminal)\n"
           "  --from PATTERN  where the sources are (%%u user, %%h home; default %%h/.pam_totp)\n"
           "  --config PATH, --help\n");
}

typedef struct {
    const char *from;
    bool all;
    unsigned migrated, skipped, none;
} migrate_run;

/* Why a source could not be read, for the user's line (the core has said the details). */
static const char *read_reason(int rc)
{
    switch (rc) {
    case PT_ERR_UNSAFE: return "unsafe source (see above)";
    case PT_ERR_MALFORMED: return "malformed source (see above)";
    case PT_ERR_TOOBIG: return "source too large (see above)";
    case PT_ERR_PERM: return "cannot act as the user";
    default: return "source unreadable (see above)";
    }
}

/* One user: read the source, refuse to overwrite, store as root. Returns an exit status. */
static int migrate_user(cli_ctx *c, migrate_run *r, const pt_user *u)
{
    char src[4096], dst[4096];
    if (pt_expand(r->from, u->name, u->home, src, sizeof(src)) != PT_OK || src[0] != '/') {
        printf("%s: skipped: --from does not give an absolute path for this user\n", u->name);
        r->skipped++;
        return CLI_REFUSED;
    }
    if (c->opt.store == PT_STORE_LDAP)
        snprintf(dst, sizeof(dst), "the directory (store = ldap)");
    else if (pt_enrolment_path(&c->opt, u, dst, sizeof(dst)) != PT_OK) {
        printf("%s: skipped: enrolment_file cannot be expanded for this user\n", u->name);
        r->skipped++;
        return CLI_REFUSED;
    }
    /* Never overwrite: an enrolment already at the destination is the one the module uses. */
    pt_enrolment e;
    int erc = pt_store_enrolment_load(c->store, u, &e, 0);
    pt_enrolment_wipe(&e);
    if (erc == PT_OK) {
        printf("%s: skipped: already enrolled at %s (`pam-totp reset %s` first to replace it)\n",
               u->name, dst, u->name);
        r->skipped++;
        return CLI_REFUSED;
    }
    if (erc != PT_ERR_NOENT) {
        printf("%s: skipped: the destination %s is unusable (see above)\n", u->name, dst);
        r->skipped++;
        return CLI_REFUSED;
    }
    int rc = pt_enrolment_load_user_file(u, src, &e);
    if (rc == PT_ERR_NOENT && r->all) {
        r->none++; /* most accounts have none: counted, not listed */
        return CLI_OK;
    }
    if (rc == PT_ERR_NOENT) {
        printf("%s: skipped: no enrolment at %s\n", u->name, src);
        r->skipped++;
        return CLI_REFUSED;
    }
    if (rc != PT_OK) {
        printf("%s: skipped: %s: %s\n", u->name, src, read_reason(rc));
        r->skipped++;
        return CLI_REFUSED;
    }
    int st = CLI_OK;
    if (e.status != PT_ENROL_ACTIVE) {
        printf("%s: skipped: %s is a pending enrolment, not confirmed; enrol again instead\n",
               u->name, src);
        st = CLI_REFUSED;
    } else if ((rc = pt_store_enrolment_store(c->store, u, &e)) != PT_OK) {
        printf("%s: skipped: cannot write %s (%s)\n", u->name, dst, pt_strerror(rc));
        st = CLI_SYSERR;
    } else {
        cli_audit(LOG_NOTICE, "migrated", u, true, "from", src, "to", dst);
        printf("%s: migrated from %s to %s (the source is left in place)\n", u->name, src, dst);
        r->migrated++;
    }
    pt_enrolment_wipe(&e);
    if (st != CLI_OK)
        r->skipped++;
    return st;
}

static int worse(int a, int b)
{
    return a > b ? a : b;
}

static int migrate_named(cli_ctx *c, migrate_run *r, char **names, int n)
{
    int st = CLI_OK;
    for (int i = 0; i < n; i++) {
        pt_user u;
        int rc = pt_user_lookup(&u, names[i]);
        if (rc != PT_OK) {
            printf("%s: skipped: %s\n", names[i],
                   rc == PT_ERR_NOENT || rc == PT_ERR_INVAL ? "no such user" : "lookup failed");
            r->skipped++;
            st = worse(st, CLI_REFUSED);
            continue;
        }
        st = worse(st, migrate_user(c, r, &u));
        pt_user_free(&u);
    }
    return st;
}

/* Every account in the passwd database; progress on stderr when it is a terminal. */
static int migrate_all(cli_ctx *c, migrate_run *r)
{
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct passwd *pw;
    int st = CLI_OK;
    setpwent();
    while ((pw = getpwent()) != NULL) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(names, cap * sizeof(*g));
            if (g == NULL) {
                st = CLI_SYSERR;
                break;
            }
            names = g;
        }
        if ((names[n] = strdup(pw->pw_name)) == NULL) {
            st = CLI_SYSERR;
            break;
        }
        n++;
    }
    endpwent();
    bool progress = isatty(STDERR_FILENO) == 1;
    for (size_t i = 0; st != CLI_SYSERR && i < n; i++) {
        if (progress) {
            fprintf(stderr, "\rchecked %zu of %zu accounts", i, n);
            fflush(stderr);
        }
        st = worse(st, migrate_named(c, r, &names[i], 1));
    }
    if (progress)
        fprintf(stderr, "\rchecked %zu of %zu accounts\n", n, n);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (st == CLI_SYSERR && n < cap)
        cli_err("out of memory reading the account list");
    return st;
}

int cmd_migrate(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},          {"from", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    migrate_run r = {.from = DEFAULT_FROM};
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': r.all = true; break;
        case 'f': r.from = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if (r.all == (optind < argc))
        return cli_usage_error(c, "name the users to migrate, or give --all (not both)");
    if ((st = cli_need_root(c, "migrate enrolments")) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    if (!pt_options_system_mode(&c->opt)) {
        cli_err("enrolment_file (%s) is in the users' homes: set a system-mode enrolment_file "
                "such as /var/lib/pam_totp/enrol/%%u in the configuration first (pam_totp(8))",
                c->opt.enrolment_file);
        return CLI_USAGE;
    }
    /* store = ldap does not use enrolment_file: the default %h/.pam_totp is a source then. */
    if (c->opt.store == PT_STORE_FILES && strcmp(r.from, c->opt.enrolment_file) == 0)
        return cli_usage_error(c, "--from names the configured enrolment_file itself");
    if (r.all)
        st = migrate_all(c, &r);
    else
        st = migrate_named(c, &r, argv + optind, argc - optind);
    printf("%u migrated, %u skipped%s", r.migrated, r.skipped, r.all ? "" : "\n");
    if (r.all)
        printf(", %u without an enrolment\n", r.none);
    return st;
}

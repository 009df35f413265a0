/* pam-totp unlock NAME (root): clear the failure lock and the recent failures. Audited with the
 * acting admin. */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"
#include "log.h"
#include "pt_error.h"

static void help(void)
{
    printf("Usage: pam-totp unlock NAME   (or --user NAME)\n\n"
           "(root) Clears NAME's lock after too many wrong codes, and the count of recent\n"
           "failures. The enrolment is not changed.\n\n"
           "  --user NAME  the same as a bare NAME\n"
           "  --config PATH, --help\n");
}

/* Under the store's update: the lock and the failures as they are now. */
typedef struct {
    bool opened;     /* the state was read: a failure after is the write's */
    bool was_locked;
} unlock_ctx;

static int clear_lock(void *ctx, pt_state *s, bool *write)
{
    unlock_ctx *x = ctx;
    x->opened = true;
    x->was_locked = pt_state_lock_left(s, cli_now()) != 0;
    pt_state_clear_failures(s);
    s->lock_until = 0;
    *write = true;
    return PT_OK;
}

int cmd_unlock(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'}, {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *name = NULL;
    int ch, st;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': name = optarg; break;
        case 'c': c->config_path = optarg; break;
        case 'h': help(); return CLI_OK;
        default: return cli_usage_hint(c);
        }
    }
    if ((st = cli_take_user(c, argc, argv, &name, true)) != CLI_OK)
        return st;
    if ((st = cli_need_root(c, "unlock a user")) != CLI_OK)
        return st;
    if ((st = cli_load_config(c)) != CLI_OK)
        return st;
    pt_user u;
    if ((st = cli_target_user(c, name, &u)) != CLI_OK)
        return st;

    pt_state s;
    unlock_ctx x = {false, false};
    int rc = pt_store_state_update(c->store, &u, clear_lock, &x, &s);
    bool was_locked = x.was_locked;
    if (rc != PT_OK) {
        cli_err("cannot %s the runtime state of %s: %s", x.opened ? "write" : "open", u.name,
                pt_strerror(rc));
        st = CLI_SYSERR;
    } else {
        cli_audit(LOG_NOTICE, "unlocked", &u, true, "was_locked", was_locked ? "yes" : "no", NULL,
                  NULL);
        printf(was_locked ? "Unlocked %s.\n" : "%s was not locked; failures cleared.\n", u.name);
    }
    pt_user_free(&u);
    return st;
}

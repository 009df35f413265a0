/* Which accounts are login accounts, for list and doctor. */
#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define DEFAULT_UID_MIN 1000

unsigned long cli_uid_min(void)
{
    unsigned long v = DEFAULT_UID_MIN;
    char line[512];
    FILE *f = fopen(CLI_LOGIN_DEFS, "re");
    if (f == NULL)
        return v;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (strncmp(p, "UID_MIN", 7) != 0 || !isspace((unsigned char)p[7]))
            continue;
        char *end;
        unsigned long n = strtoul(p + 7, &end, 10);
        if (end != p + 7)
            v = n;
    }
    fclose(f);
    return v;
}

static bool login_shell(const char *shell)
{
    const char *base = strrchr(shell, '/');
    base = base ? base + 1 : shell;
    return strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0;
}

bool cli_login_account(const struct passwd *pw, unsigned long uid_min)
{
    /* root is a login account whatever UID_MIN says: it is the account an attacker wants. */
    return (pw->pw_uid >= uid_min || pw->pw_uid == 0) &&
           login_shell(pw->pw_shell ? pw->pw_shell : "");
}

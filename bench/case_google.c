/* Google's module's fixture: a secret file as its documentation (FILEFORMAT) describes it, in a
 * directory owned by the user (like its default, ~/.google_authenticator), with the settings equivalent to ours: TOTP, WINDOW_SIZE 3 (one step either side),
 * DISALLOW_REUSE, and no RATE_LIMIT line. Scratch codes are eight random digits, as its
 * google-authenticator tool writes them. */
#include <stdio.h>
#include <string.h>

#include "base32.h"
#include "cases.h"
#include "files.h"
#include "pt_error.h"

/* google-authenticator's default number of scratch codes, used when measuring TOTP. */
#define GOOGLE_DEFAULT_CODES 5u

static int random_code(char out[BENCH_GOOGLE_CODE_LEN + 1])
{
    uint32_t r;
    if (pt_random_bytes(&r, sizeof(r)) != PT_OK)
        return -1;
    return bench_path(out, BENCH_GOOGLE_CODE_LEN + 1, "%08u", 10000000u + r % 90000000u);
}

/* Rewrites the secret file with a fresh list of scratch codes (and no used timestamps). */
static int write_secret_file(bench_case *c, const bench_env *env)
{
    char b32[64], text[4096];
    if (pt_base32_encode(env->secret, sizeof(env->secret), b32, sizeof(b32)) != PT_OK)
        return -1;
    int n = snprintf(text, sizeof(text), "%s\n\" TOTP_AUTH\n\" WINDOW_SIZE 3\n\" DISALLOW_REUSE\n", b32);
    for (unsigned i = 0; i < c->ncodes && n > 0 && (size_t)n < sizeof(text); i++) {
        if (random_code(c->gcodes[i]) != 0)
            return -1;
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%s\n", c->gcodes[i]);
    }
    pt_wipe(b32, sizeof(b32));
    if (n < 0 || (size_t)n >= sizeof(text))
        return -1;
    int rc = bench_write_file(c->gpath, text, (size_t)n, 0600, env->user->uid, env->user->gid);
    pt_wipe(text, sizeof(text));
    c->next_code = 0;
    return rc;
}

int bench_google_setup(bench_case *c, const bench_env *env)
{
    char line[2 * PATH_MAX + 64], path[PATH_MAX], dir[PATH_MAX];
    if (bench_path(dir, sizeof(dir), "%s/ga", c->workdir) != 0 ||
        bench_mkdir(dir, 0700, env->user->uid, env->user->gid) != 0 ||
        bench_path(c->gpath, sizeof(c->gpath), "%s/secret", dir) != 0 ||
        bench_mkdir(c->confdir, 0755, 0, 0) != 0 || bench_write_other(c->confdir) != 0 ||
        bench_path(path, sizeof(path), "%s/bench", c->confdir) != 0 ||
        bench_path(line, sizeof(line), "auth required %s secret=%s\n", c->module, c->gpath) != 0)
        return -1;
    if (bench_write_file(path, line, strlen(line), 0644, 0, 0) != 0)
        return -1;
    if (c->ncodes == 0)
        c->ncodes = GOOGLE_DEFAULT_CODES;
    return write_secret_file(c, env);
}

int bench_google_backup(bench_case *c, const bench_env *env, char *out, size_t outsz)
{
    if (c->next_code >= c->ncodes && write_secret_file(c, env) != 0)
        return -1;
    return bench_path(out, outsz, "%s", c->gcodes[c->next_code++]);
}

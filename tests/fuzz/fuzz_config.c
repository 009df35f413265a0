/* Fuzzes the configuration parser three ways, since the loader reads files and has no in-memory
 * entry point:
 *   1. every input line as "key=value" through pt_options_set (file and argument origin) and as
 *      a module argument through pt_options_set_arg;
 *   2. the whole input as a config file through pt_options_load_file (a root-owned 0600 file in a
 *      private 0700 directory; when not run as root the loader refuses it on owner, which is a
 *      path worth running too);
 *   3. pt_options_load with config=THAT_FILE followed by the lines as module arguments.
 * Property: whatever was accepted stays within the documented bounds, and the templates expand
 * without overrunning. */
#include "fuzz_util.h"

#include <fcntl.h>
#include <unistd.h>

#include "backup.h"
#include "cidr.h"
#include "config.h"
#include "pt_error.h"

#define MAX_LINES 32

static char dir[64];
static char file[96];
static char config_arg[128];

static void cleanup(void)
{
    unlink(file);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    snprintf(dir, sizeof dir, "/tmp/pt-fuzz-config.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    snprintf(file, sizeof file, "%s/pam_totp.conf", dir);
    snprintf(config_arg, sizeof config_arg, "config=%s", file);
    atexit(cleanup);
    return 0;
}

static void check_bounds(const pt_options *o)
{
    FUZZ_ASSERT(o->mfa >= PT_MFA_DISABLED && o->mfa <= PT_MFA_REQUIRED);
    FUZZ_ASSERT(o->enrol_grace_days <= 3650);
    FUZZ_ASSERT(o->algorithm == PT_ALG_SHA1 || o->algorithm == PT_ALG_SHA256 ||
                o->algorithm == PT_ALG_SHA512);
    FUZZ_ASSERT(o->digits == 6 || o->digits == 8);
    FUZZ_ASSERT(o->period >= 10 && o->period <= 300);
    FUZZ_ASSERT(o->window <= 10);
    FUZZ_ASSERT(o->backup_codes <= PT_BACKUP_MAX);
    FUZZ_ASSERT(o->deny >= 1 && o->deny <= 1000);
    FUZZ_ASSERT(o->fail_interval >= 1 && o->fail_interval <= 604800);
    FUZZ_ASSERT(o->pending_ttl >= 60 && o->pending_ttl <= 86400);
    FUZZ_ASSERT(memchr(o->admin_groups, 0, sizeof o->admin_groups) != NULL);
    FUZZ_ASSERT(memchr(o->require_groups, 0, sizeof o->require_groups) != NULL);
    FUZZ_ASSERT(memchr(o->exempt_users, 0, sizeof o->exempt_users) != NULL);
    FUZZ_ASSERT(memchr(o->exempt_groups, 0, sizeof o->exempt_groups) != NULL);
    FUZZ_ASSERT(memchr(o->require_users, 0, sizeof o->require_users) != NULL);
    FUZZ_ASSERT(memchr(o->trusted_networks, 0, sizeof o->trusted_networks) != NULL);
    /* An accepted list is one the matcher reads without complaint. */
    FUZZ_ASSERT(pt_cidr_list_check(o->trusted_networks, NULL, 0) == PT_OK);
    FUZZ_ASSERT(o->remember_host <= PT_REMEMBER_MAX);
    FUZZ_ASSERT(strchr(o->issuer, ':') == NULL && strchr(o->label, ':') == NULL);
    FUZZ_ASSERT(memchr(o->issuer, 0, sizeof o->issuer) != NULL);
    FUZZ_ASSERT(memchr(o->label, 0, sizeof o->label) != NULL);
    FUZZ_ASSERT(memchr(o->enrolment_file, 0, sizeof o->enrolment_file) != NULL);
    FUZZ_ASSERT(memchr(o->state_dir, 0, sizeof o->state_dir) != NULL);
    FUZZ_ASSERT(memchr(o->config_path, 0, sizeof o->config_path) != NULL);

    char out[256]; /* smaller than PATH_MAX on purpose: TOOBIG must be reported, not overrun */
    int rc = pt_expand(o->enrolment_file, "alice", "/home/alice", out, sizeof out);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_TOOBIG || rc == PT_ERR_INVAL);
    if (rc == PT_OK)
        FUZZ_ASSERT(strlen(out) < sizeof out);
    rc = pt_expand(o->label, "alice", "/home/alice", out, sizeof out);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_TOOBIG || rc == PT_ERR_INVAL);
    (void)pt_options_system_mode(o);
    char issuer[PT_TEXT_MAX];
    pt_options_issuer(o, issuer, sizeof issuer);
    FUZZ_ASSERT(memchr(issuer, 0, sizeof issuer) != NULL);
    FUZZ_ASSERT(pt_mfa_name(o->mfa) != NULL);
}

static int split_lines(char *text, char **lines)
{
    int n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l != NULL && n < MAX_LINES;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

static void fuzz_setters(char **lines, int n)
{
    static pt_options o;
    pt_options_defaults(&o);
    check_bounds(&o);
    for (int i = 0; i < n; i++) {
        char *line = strdup(lines[i]);
        if (line == NULL)
            return;
        char *eq = strchr(line, '=');
        if (eq != NULL) {
            *eq = '\0';
            static pt_options before;
            before = o;
            int rc = pt_options_set(&o, line, eq + 1, "fuzz:1", i & 1);
            FUZZ_ASSERT(rc == PT_OK || rc < 0);
            /* "o unchanged" on error is part of the contract. */
            if (rc != PT_OK)
                FUZZ_ASSERT(memcmp(&before, &o, sizeof o) == 0);
        }
        free(line);
        int rc = pt_options_set_arg(&o, lines[i]);
        FUZZ_ASSERT(rc == PT_OK || rc < 0);
        check_bounds(&o);
    }
}

static int write_file(const char *data, size_t len)
{
    unlink(file);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PT_CONFIG_MAX_SIZE + 1024)
        return 0;
    char *text = fuzz_copy_cstr(data, size);
    if (text == NULL)
        return 0;

    /* 2. The file loader sees the raw bytes, NULs and all. */
    static pt_options o;
    if (write_file((const char *)data, size) == 0) {
        pt_options_defaults(&o);
        int rc = pt_options_load_file(&o, file);
        FUZZ_ASSERT(rc == PT_OK || rc < 0);
        check_bounds(&o);
    }

    /* 1 and 3: line by line. */
    char *lines[MAX_LINES + 1];
    int n = split_lines(text, lines);
    fuzz_setters(lines, n);

    const char *argv[MAX_LINES + 1];
    argv[0] = config_arg;
    for (int i = 0; i < n; i++)
        argv[i + 1] = lines[i];
    int rc = pt_options_load(&o, n + 1, argv);
    FUZZ_ASSERT(rc == PT_OK || rc < 0);
    if (rc == PT_OK)
        check_bounds(&o);

    free(text);
    return 0;
}

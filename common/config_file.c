/* The configuration file: read symlink-safely (root-owned, not writable by group or others,
 * size-capped), parsed strictly. One bad line fails the whole load and resets the options to
 * the built-in defaults, so nothing ever runs on half a policy. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pt_error.h"
#include "safefile.h"
#include "totp.h"

#define PT_KEY_MAX 64
#define PT_KEYS_SEEN 64 /* more distinct keys than the file format has */

typedef struct {
    char key[PT_KEY_MAX];
    unsigned line;
} seen_key;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Parses one line (NUL-terminated, no newline) into o. */
static int parse_line(pt_options *o, char *line, const char *path, unsigned lineno,
                      seen_key *seen, size_t *nseen)
{
    char where[PATH_MAX + 32];
    char *p = line, *key, *val, *end;

    snprintf(where, sizeof where, "%s:%u", path, lineno);
    while (is_blank(*p))
        p++;
    if (*p == '\0' || *p == '#')
        return PT_OK;

    key = p;
    while (key_char(*p))
        p++;
    end = p;
    while (is_blank(*p))
        p++;
    if (end == key || *p != '=') {
        pt_log(LOG_ERR, "%s: expected \"key = value\" (a lower-case key, '=', a value)", where);
        return PT_ERR_MALFORMED;
    }
    if ((size_t)(end - key) >= PT_KEY_MAX) {
        pt_log(LOG_ERR, "%s: key too long; see pam_totp.conf(5) for the valid keys", where);
        return PT_ERR_MALFORMED;
    }
    *end = '\0';
    p++;
    while (is_blank(*p))
        p++;
    val = p;
    end = val + strlen(val);
    while (end > val && is_blank(end[-1]))
        *--end = '\0';

    for (size_t i = 0; i < *nseen; i++) {
        if (strcmp(seen[i].key, key) == 0) {
            pt_log(LOG_ERR, "%s: %s is set twice (first on line %u); keep one", where, key,
                   seen[i].line);
            return PT_ERR_MALFORMED;
        }
    }
    int rc = pt_options_set(o, key, val, where, true);
    if (rc != PT_OK)
        return rc;
    if (*nseen < PT_KEYS_SEEN) {
        snprintf(seen[*nseen].key, sizeof seen[*nseen].key, "%s", key);
        seen[*nseen].line = lineno;
        (*nseen)++;
    }
    return PT_OK;
}

/* Parses the whole text into o, line by line (see pt_options_load_file). */
static int parse_text(pt_options *o, char *text, size_t len, const char *path)
{
    seen_key seen[PT_KEYS_SEEN];
    size_t nseen = 0;
    unsigned lineno = 0;
    char *p = text, *stop = text + len;

    if (strlen(text) != len) {
        pt_log(LOG_ERR, "%s: contains a NUL byte; this is not a text file", path);
        return PT_ERR_MALFORMED;
    }
    while (p < stop) {
        char *nl = memchr(p, '\n', (size_t)(stop - p));
        char *eol = nl ? nl : stop;
        lineno++;
        if ((size_t)(eol - p) >= PT_CONFIG_LINE_MAX) {
            pt_log(LOG_ERR, "%s:%u: line longer than %d characters", path, lineno,
                   PT_CONFIG_LINE_MAX - 1);
            return PT_ERR_MALFORMED;
        }
        if (memchr(p, '\r', (size_t)(eol - p))) {
            pt_log(LOG_ERR,
                   "%s:%u: carriage return (DOS line ending); save the file with Unix line endings",
                   path, lineno);
            return PT_ERR_MALFORMED;
        }
        *eol = '\0';
        int rc = parse_line(o, p, path, lineno, seen, &nseen);
        if (rc != PT_OK)
            return rc;
        p = eol + 1;
    }
    return PT_OK;
}

static int read_config(const char *path, char **data, size_t *len)
{
    const pt_file_rules rules = {
        .uid = 0, .check_gid = false, .gid = 0, .allowed = 0644, .max_size = PT_CONFIG_MAX_SIZE};
    if (path[0] != '/') {
        pt_log(LOG_ERR, "%s: the configuration file must be given by an absolute path", path);
        return PT_ERR_INVAL;
    }
    /* Every directory from "/" down is checked: whoever could rename one of them could take
     * the policy away (a missing default file means the built-in defaults). */
    return pt_file_read_path(path, &rules, data, len);
}

int pt_options_load_file(pt_options *o, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (!o || !path)
        return PT_ERR_INVAL;
    rc = read_config(path, &data, &len);
    if (rc != PT_OK)
        return rc;
    rc = parse_text(o, data, len, path);
    pt_wipe(data, len);
    free(data);
    if (rc != PT_OK)
        pt_options_defaults(o); /* after the messages: path may point into o (config_path) */
    return rc;
}

int pt_options_load(pt_options *o, int argc, const char **argv)
{
    bool explicit_path = false;
    int rc;

    if (!o || argc < 0 || (argc > 0 && !argv))
        return PT_ERR_INVAL;
    pt_options_defaults(o);
    /* config= first, so the file sits under every other argument. */
    for (int i = 0; i < argc; i++) {
        if (argv[i] && strncmp(argv[i], "config=", 7) == 0) {
            rc = pt_options_set_arg(o, argv[i]);
            if (rc != PT_OK)
                return rc;
            explicit_path = true;
        }
    }
    rc = pt_options_load_file(o, o->config_path);
    if (rc == PT_ERR_NOENT && !explicit_path) {
        pt_log(LOG_DEBUG, "%s: not found; using the built-in defaults", o->config_path);
    } else if (rc == PT_ERR_NOENT) {
        pt_log(LOG_ERR, "%s: configuration file (config=) not found", o->config_path);
        return rc;
    } else if (rc != PT_OK) {
        return rc;
    }
    for (int i = 0; i < argc; i++) {
        if (!argv[i]) {
            pt_log(LOG_ERR, "module argument %d: missing", i + 1);
            return PT_ERR_INVAL;
        }
        rc = pt_options_set_arg(o, argv[i]);
        if (rc != PT_OK)
            return rc;
    }
    return PT_OK;
}

/* The path check of pam-totp doctor: every directory from / down to a path the module trusts
 * (the configuration, state_dir, a system-mode enrolment directory) must be root's and not
 * writable by group or others, or whoever can write it can replace what lies below (DESIGN
 * section 8). A sticky directory (/tmp) counts as safe for the root-owned entry below it. */
#include "doctor.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *unsafe_reason(const struct stat *st, bool sticky_ok)
{
    if (st->st_uid != 0)
        return "is not owned by root";
    if ((st->st_mode & 022) != 0 && !(sticky_ok && (st->st_mode & S_ISVTX)))
        return "is writable by group or others";
    return NULL;
}

bool pt_dr_check_path(pt_dr_report *r, const char *what, const char *path)
{
    char prefix[PATH_MAX];
    size_t len = strlen(path);
    if (path[0] != '/' || len >= sizeof prefix) {
        pt_dr_add(r, PT_DR_BREAKS, "unsafe_path", path, "use an absolute path",
                  "%s is not an absolute path", what);
        return false;
    }
    /* i = 1 is "/" itself; then every prefix ending before a '/' and the whole path. */
    for (size_t i = 1; i <= len; i++) {
        if (i > 1 && i < len && path[i] != '/')
            continue;
        if (i > 1 && path[i - 1] == '/')
            continue; /* "//" or a trailing '/': the same directory again */
        size_t n = i;
        memcpy(prefix, path, n);
        prefix[n] = '\0';
        struct stat st;
        if (lstat(prefix, &st) != 0)
            return true; /* missing: the module creates or reports it; nothing below to check */
        const char *why = NULL;
        if (S_ISLNK(st.st_mode)) {
            struct stat t;
            why = st.st_uid != 0 ? "is a symbolic link not owned by root"
                  : stat(prefix, &t) != 0 ? NULL : unsafe_reason(&t, i < len);
        } else if (i < len && !S_ISDIR(st.st_mode)) {
            why = "is not a directory";
        } else {
            why = unsafe_reason(&st, i < len);
        }
        if (why) {
            char fix[PT_DR_TEXT_MAX];
            snprintf(fix, sizeof fix, "chown root:root %.400s && chmod go-w %.400s", prefix,
                     prefix);
            pt_dr_add(r, PT_DR_BREAKS, "unsafe_path", prefix, fix,
                      "%s %s: %s, so whoever can write it can replace what the module trusts "
                      "(%s); the module refuses such paths", prefix, why,
                      S_ISDIR(st.st_mode) ? "a directory on the way" : "the path", what);
            return false;
        }
    }
    return true;
}

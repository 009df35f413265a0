/* Small file helpers for setting up benchmark fixtures (not the product's safe I/O: these write
 * into the benchmark's own temporary directories). */
#ifndef PT_BENCH_FILES_H
#define PT_BENCH_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Creates dir (mode, owner) if missing; an existing one gets mode and owner set. 0 or -1. */
int bench_mkdir(const char *dir, mode_t mode, uid_t uid, gid_t gid);
/* Writes path from scratch (temp file + rename) with mode and owner. 0 or -1 (message printed). */
int bench_write_file(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
                     gid_t gid);
/* Writes confdir/other with no rules, so that libpam finds the default stack it looks for on every
 * pam_start (and does not log its absence each time). 0 or -1. */
int bench_write_other(const char *confdir);
/* snprintf that reports truncation as -1. */
int bench_path(char *out, size_t outsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/* The floor: the least a replay-safe verification can cost. Recording "this code is used" so that
 * it survives a crash takes at least one durable replacement of a small file: a temp file in the
 * same directory, write, fsync, rename over the old one, fsync of the directory. */
#ifndef PT_BENCH_FLOOR_H
#define PT_BENCH_FLOOR_H

#define BENCH_FLOOR_BYTES 200

/* How the 200 bytes are made durable. */
typedef enum {
    FLOOR_REPLACE,     /* temp file, write, fsync, rename, fsync of the directory (crash-safe) */
    FLOOR_NO_DIRSYNC,  /* the same without the directory fsync (Google's module: one sync) */
    FLOOR_INPLACE,     /* pwrite into one of two fixed slots of an existing file, fdatasync (the
                          one-sync A/B record a checksummed in-place design would make) */
} bench_floor_mode;

/* One durable 200-byte write of dirfd/"pt-bench-floor" in that mode; n counts the calls (the
 * in-place mode alternates slots by it). 0, or -1 with errno set. */
int bench_floor_once(int dirfd, bench_floor_mode mode, unsigned n);
/* Removes what bench_floor_once left in the directory. */
void bench_floor_cleanup(int dirfd);

#endif

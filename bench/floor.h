/* The floor: the least a replay-safe verification can cost. Recording "this code is used" so that
 * it survives a crash takes at least one durable replacement of a small file: a temp file in the
 * same directory, write, fsync, rename over the old one, fsync of the directory. */
#ifndef PT_BENCH_FLOOR_H
#define PT_BENCH_FLOOR_H

#define BENCH_FLOOR_BYTES 200

/* One durable 200-byte replacement of dirfd/"pt-bench-floor". 0, or -1 with errno set. */
int bench_floor_once(int dirfd);
/* Removes what bench_floor_once left in the directory. */
void bench_floor_cleanup(int dirfd);

#endif

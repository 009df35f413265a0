/* The benchmark's wall clock. The executable defines time(), clock_gettime() and gettimeofday()
 * and exports them (see CMakeLists.txt), so a PAM module it dlopens binds to these instead of
 * libc's: every login can then present a fresh, valid code without waiting for the next period.
 * Only CLOCK_REALTIME (and its coarse variant) is replaced; every other clock is the real one. */
#ifndef PT_BENCH_FAKECLOCK_H
#define PT_BENCH_FAKECLOCK_H

#include <stdint.h>

void bench_clock_set(int64_t unix_seconds);
int64_t bench_clock_get(void);
/* The real wall clock, in seconds. */
int64_t bench_real_time(void);
/* CLOCK_MONOTONIC from the real clock, in nanoseconds (for measuring). */
int64_t bench_mono_ns(void);

#endif

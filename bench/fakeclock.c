/* Interposed wall-clock functions (see fakeclock.h). */
#include "fakeclock.h"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t fake_now;

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

void bench_clock_set(int64_t unix_seconds)
{
    fake_now = unix_seconds;
}

int64_t bench_clock_get(void)
{
    return fake_now;
}

/* libc's clock_gettime (the vDSO-backed one), found once; the raw system call if that fails. */
static int real_clock_gettime(clockid_t id, struct timespec *ts)
{
    static clock_gettime_fn real;
    if (real == NULL)
        real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    if (real != NULL)
        return real(id, ts);
    return (int)syscall(SYS_clock_gettime, id, ts);
}

int64_t bench_mono_ns(void)
{
    struct timespec ts;
    real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_real_time(void)
{
    struct timespec ts;
    real_clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

time_t time(time_t *out)
{
    if (out != NULL)
        *out = (time_t)fake_now;
    return (time_t)fake_now;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
        ts->tv_sec = (time_t)fake_now;
        ts->tv_nsec = 0;
        return 0;
    }
    return real_clock_gettime(id, ts);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz; /* glibc declares tv non-null */
    tv->tv_sec = (time_t)fake_now;
    tv->tv_usec = 0;
    return 0;
}

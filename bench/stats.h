/* Samples of one measured operation and their summary. */
#ifndef PT_BENCH_STATS_H
#define PT_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t *ns;
    size_t n, cap;
} bench_samples;

int bench_samples_init(bench_samples *s, size_t cap);
void bench_samples_add(bench_samples *s, int64_t ns);
void bench_samples_free(bench_samples *s);

typedef struct {
    double median_us, p99_us, min_us, mean_us;
    size_t n;
} bench_summary;

/* Sorts the samples in place. */
void bench_summarise(bench_samples *s, bench_summary *out);

#endif

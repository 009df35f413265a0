/* Median and 99th percentile (nearest rank) of a set of timings. */
#include "stats.h"

#include <stdlib.h>

int bench_samples_init(bench_samples *s, size_t cap)
{
    s->n = 0;
    s->cap = cap;
    s->ns = calloc(cap ? cap : 1, sizeof(*s->ns));
    return s->ns ? 0 : -1;
}

void bench_samples_add(bench_samples *s, int64_t ns)
{
    if (s->n < s->cap)
        s->ns[s->n++] = ns;
}

void bench_samples_free(bench_samples *s)
{
    free(s->ns);
    s->ns = NULL;
    s->n = s->cap = 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile: the smallest sample with at least p% of samples at or below it. */
static double rank_us(const bench_samples *s, unsigned p)
{
    size_t k = (s->n * p + 99) / 100;
    if (k == 0)
        k = 1;
    return (double)s->ns[k - 1] / 1000.0;
}

void bench_summarise(bench_samples *s, bench_summary *out)
{
    out->n = s->n;
    if (s->n == 0) {
        out->median_us = out->p99_us = out->min_us = out->mean_us = 0;
        return;
    }
    qsort(s->ns, s->n, sizeof(*s->ns), cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += (double)s->ns[i];
    out->mean_us = sum / (double)s->n / 1000.0;
    out->min_us = (double)s->ns[0] / 1000.0;
    out->median_us = rank_us(s, 50);
    out->p99_us = rank_us(s, 99);
}

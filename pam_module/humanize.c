/* Durations for people: the two largest units, rounded up so a countdown never shows "0". */
#include <stdio.h>

#include "module.h"

static int unit(char *out, size_t outsz, int64_t n, const char *name)
{
    return snprintf(out, outsz, "%lld %s%s", (long long)n, name, n == 1 ? "" : "s");
}

void ptm_duration(int64_t s, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    if (s < 60) {
        snprintf(out, outsz, "less than a minute");
        return;
    }
    int64_t minutes = (s + 59) / 60; /* round up: "9 minutes" while 8m01s remain */
    int64_t days = minutes / (24 * 60), hours = (minutes / 60) % 24, mins = minutes % 60;
    char a[32], b[32];
    if (days > 0) {
        unit(a, sizeof(a), days, "day");
        if (hours > 0) {
            unit(b, sizeof(b), hours, "hour");
            snprintf(out, outsz, "%s %s", a, b);
        } else {
            snprintf(out, outsz, "%s", a);
        }
    } else if (hours > 0) {
        unit(a, sizeof(a), hours, "hour");
        if (mins > 0) {
            unit(b, sizeof(b), mins, "minute");
            snprintf(out, outsz, "%s %s", a, b);
        } else {
            snprintf(out, outsz, "%s", a);
        }
    } else {
        unit(out, outsz, mins, "minute");
    }
}

/* pam-totp: output helpers: JSON strings (RFC 8259 escaping), backup-code lists, times. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f); /* UTF-8 passes through unchanged */
        }
    }
    fputc('"', f);
}

void cli_json_bool(FILE *f, bool b)
{
    fputs(b ? "true" : "false", f);
}

void cli_json_codes(FILE *f, const pt_backup_code *codes, unsigned n)
{
    fputc('[', f);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        cli_json_string(f, codes[i]);
    }
    fputc(']', f);
}

void cli_print_codes(FILE *f, const pt_backup_code *codes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "  %2u. %s\n", i + 1, codes[i]);
}

void cli_time_text(int64_t t, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (localtime_r(&tt, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M %Z", &tm) == 0)
        snprintf(out, outsz, "@%lld", (long long)t);
}

void cli_duration_text(int64_t s, char *out, size_t outsz)
{
    int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60;
    /* Two units at most: days and hours, hours and minutes, or minutes. */
    const char *big = "day", *small = "hour";
    int64_t a = d, b = h;
    if (d == 0 && h > 0) {
        big = "hour", small = "minute";
        a = h, b = m;
    } else if (d == 0) {
        big = "minute";
        a = m, b = 0;
    }
    if (a == 0)
        a = 1; /* under a minute: "1 minute" */
    if (b > 0)
        snprintf(out, outsz, "%lld %s%s %lld %s%s", (long long)a, big, a == 1 ? "" : "s",
                 (long long)b, small, b == 1 ? "" : "s");
    else
        snprintf(out, outsz, "%lld %s%s", (long long)a, big, a == 1 ? "" : "s");
}

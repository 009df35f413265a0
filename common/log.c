/* The one diagnostic callback of the core. The sink and the debug switch are thread-local: a
 * threaded PAM host may authenticate several users at once, each with its own pam handle. */
#include "log.h"

#include <stdio.h>
#include <string.h>

/* Long enough for any diagnostic we write (a path of PATH_MAX is cut, never overrun). */
#define PT_LOG_LINE_MAX 2048

static __thread pt_log_fn sink_fn;
static __thread void *sink_ctx;
static __thread int debug_on;

void pt_log_set_sink(pt_log_fn fn, void *ctx)
{
    sink_fn = fn;
    sink_ctx = ctx;
}

void pt_log_get_sink(pt_log_fn *fn, void **ctx)
{
    if (fn)
        *fn = sink_fn;
    if (ctx)
        *ctx = sink_ctx;
}

void pt_log_set_debug(int on)
{
    debug_on = on ? 1 : 0;
}

/* A message is one line: a control byte that came in through an argument (a file name, a
 * config value) must not start a forged log line, so it is shown as '?'. */
static void neutralise_controls(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            *s = '?';
    }
}

static void deliver(pt_log_kind kind, int priority, const char *msg)
{
    if (sink_fn) {
        sink_fn(sink_ctx, kind, priority, msg);
        return;
    }
    fprintf(stderr, "pam_totp: %s\n", msg);
}

void pt_vlog(int priority, const char *fmt, va_list ap)
{
    char buf[PT_LOG_LINE_MAX];

    if (priority == LOG_DEBUG && !debug_on)
        return;
    if (!fmt)
        return;
    if (vsnprintf(buf, sizeof buf, fmt, ap) < 0)
        return;
    neutralise_controls(buf);
    deliver(PT_LOG_DIAG, priority, buf);
}

void pt_log(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pt_vlog(priority, fmt, ap);
    va_end(ap);
}

void pt_log_audit(int priority, const char *line)
{
    char buf[PT_LOG_LINE_MAX];

    if (!line)
        return;
    /* Audit lines are escaped by pt_audit_format already; copy so a caller's raw line is cut to
     * one bounded, control-free line too. */
    snprintf(buf, sizeof buf, "%s", line);
    neutralise_controls(buf);
    deliver(PT_LOG_AUDIT, priority, buf);
}

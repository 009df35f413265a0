/* One diagnostic callback for the whole core (the pam_faillock pattern): the module points it at
 * pam_syslog, the CLI at stderr (diagnostics) and syslog (audit events).
 * The sink is thread-local, so a threaded PAM host can authenticate users in parallel. */
#ifndef PT_LOG_H
#define PT_LOG_H

#include <stdarg.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

typedef enum {
    PT_LOG_DIAG = 0,  /* a diagnostic: what went wrong and where */
    PT_LOG_AUDIT = 1, /* an audit event line "event=NAME user=U ..." (DESIGN section 7) */
} pt_log_kind;

typedef void (*pt_log_fn)(void *ctx, pt_log_kind kind, int priority, const char *msg);

/* Install a sink for the calling thread (NULL: messages go to stderr). */
void pt_log_set_sink(pt_log_fn fn, void *ctx);
/* The calling thread's current sink (NULL fn: stderr), so a caller can put it back. */
void pt_log_get_sink(pt_log_fn *fn, void **ctx);
/* When off (the default), LOG_DEBUG diagnostics are dropped before formatting. */
void pt_log_set_debug(int on);

/* Never pass user-typed text as fmt; pass it as an argument. Never log a code or a secret. */
void pt_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_vlog(int priority, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Sends an already formatted audit line (see audit.h) to the sink. */
void pt_log_audit(int priority, const char *line);

#endif

/* Audit events (DESIGN section 7): one line "event=NAME user=U key=value ...". Values made only
 * of [A-Za-z0-9._:/@+-] are written bare; others are double-quoted with '"' and '\' escaped and
 * control or non-ASCII bytes written as \xHH, so a hostile user name cannot forge fields or lines.
 * Never pass a code or a secret. */
#ifndef PT_AUDIT_H
#define PT_AUDIT_H

#include <stddef.h>

#define PT_AUDIT_MAX 1024

/* Formats the event; the variable part is key, value pairs ending with NULL. A pair with a NULL
 * value is skipped. Truncates safely (never splits an escape). Returns the length written. */
size_t pt_audit_format(char *out, size_t outsz, const char *event, const char *user, ...)
    __attribute__((sentinel));

/* One value as an audit line writes it (bare, or quoted and escaped), for diagnostics that name
 * something a user can choose or type (a user name): no such value can forge a field or a line.
 * Cut at an escape unit when out is too small (the closing quote kept). Returns out. */
const char *pt_audit_value(char *out, size_t outsz, const char *value);
/* Room for any user name (PT_USER_MAX) escaped: 4 bytes a byte, two quotes, NUL. */
#define PT_AUDIT_NAME_MAX (256 * 4 + 3)

/* Formats and sends through pt_log_audit at priority (LOG_NOTICE usually; LOG_ALERT for reset). */
void pt_audit(int priority, const char *event, const char *user, ...) __attribute__((sentinel));

/* The acting admin for admin actions, as audit pairs: fills admin ("SUDO_USER or the login
 * user's name"), uid and loginuid strings (loginuid from /proc/self/loginuid, "-" if unset). */
typedef struct {
    char admin[256];
    char uid[16];
    char loginuid[16];
} pt_actor;
void pt_actor_get(pt_actor *a);

#endif

/* The core reports through one callback; in the module it goes to pam_syslog, which tags lines
 * with the module and service ("pam_totp(sshd:auth): ...") at LOG_AUTHPRIV. */
#include <security/pam_ext.h>

#include "log.h"
#include "module.h"

static void to_syslog(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)kind; /* diagnostics and audit events both belong in the auth log */
    pam_syslog((pam_handle_t *)ctx, priority, "%s", msg);
}

void ptm_log_attach(pam_handle_t *pamh)
{
    pt_log_set_sink(to_syslog, pamh);
}

void ptm_log_detach(void)
{
    /* The handle is not ours after we return. */
    pt_log_set_sink(NULL, NULL);
    pt_log_set_debug(0);
}

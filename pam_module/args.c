/* Module arguments: the same key=value setter as the config file (pt_options_load). A bad
 * argument or config file is an administrator's error in the service configuration: the module
 * fails closed with PAM_SERVICE_ERR, and the core has already logged file, line and key. */
#include <security/pam_ext.h>
#include <syslog.h>

#include "config.h"
#include "log.h"
#include "module.h"
#include "pt_error.h"

int ptm_load_options(pam_handle_t *pamh, int argc, const char **argv, pt_options *o)
{
    int rc = pt_options_load(o, argc, argv);
    if (rc != PT_OK) {
        pam_syslog(pamh, LOG_ERR,
                   "configuration refused (%s): fix the file or module arguments named above; "
                   "failing closed",
                   pt_strerror(rc));
        return PAM_SERVICE_ERR;
    }
    pt_log_set_debug(o->debug);
    return PAM_SUCCESS;
}

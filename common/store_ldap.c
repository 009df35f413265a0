/* store = ldap: not built yet. */
#include "log.h"
#include "pt_error.h"
#include "store_impl.h"

int pt_store_ldap_open(pt_store *s)
{
    (void)s;
    pt_log(LOG_ERR, "store = ldap is not available in this build");
    return PT_ERR_INVAL;
}

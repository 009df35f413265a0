/* Fixed phrases for pt_rc values: safe to log, never built from input. */
#include "pt_error.h"

const char *pt_strerror(int rc)
{
    switch (rc) {
    case PT_OK: return "success";
    case PT_ERR_NOENT: return "no such file or entry";
    case PT_ERR_UNSAFE: return "unsafe file (symlink, wrong type, owner or mode)";
    case PT_ERR_MALFORMED: return "malformed content";
    case PT_ERR_IO: return "input/output error";
    case PT_ERR_NOMEM: return "out of memory";
    case PT_ERR_INVAL: return "invalid argument or value";
    case PT_ERR_TOOBIG: return "too large";
    case PT_ERR_CRYPTO: return "cryptographic library failure";
    case PT_ERR_PERM: return "not permitted";
    case PT_ERR_EXISTS: return "already exists";
    default: return "unknown error";
    }
}

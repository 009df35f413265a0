/* Values the ldap store puts into and takes out of the directory, without libldap (so they are
 * unit-tested and fuzzed on their own). */
#ifndef PT_LDAPVAL_H
#define PT_LDAPVAL_H

#include <stdbool.h>
#include <stddef.h>

/* The DN of a user's entry: "uid=" + name escaped per RFC 4514 section 2.4 + "," + base.
 * Escaped: a leading space or '#', a trailing space, and every one of " + , ; < > \ = with a
 * backslash; control bytes and NUL as \XX. PT_OK, PT_ERR_INVAL (empty name or base, or a name
 * with a NUL), PT_ERR_TOOBIG. */
int pt_ldap_user_dn(const char *name, size_t namelen, const char *base, char *out, size_t outsz);

/* A uid value read back from the directory (pam-totp list) that may name an account here:
 * 1..255 bytes, printable ASCII other than '/', ':' and ',', not "." or "..". Anything else is
 * skipped by the caller (and reported). */
bool pt_ldap_name_ok(const char *val, size_t n);

/* Is every URI in ldap_uri on the loopback interface (127.0.0.0/8, [::1], localhost)? The only
 * case in which a directory may be used without TLS. */
bool pt_ldap_uris_loopback(const char *uris);

#endif

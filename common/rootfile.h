/* Small root-only files named by an absolute path in the configuration (secret_key_file,
 * ldap_bindpw_file, ldap_tls_cacert): the whole path is checked, from / down, as DESIGN section 8
 * asks of every file whose content decides who gets in. */
#ifndef PT_ROOTFILE_H
#define PT_ROOTFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Walks path (absolute, no '.', '..' or empty components) from /: every directory is opened
 * without following a symbolic link and must be owned by root and not writable by group or
 * others (a sticky directory counts as safe, since the next component, root's, cannot be renamed
 * by anyone else). The file is opened with O_NOFOLLOW and must be a regular file owned by root
 * whose permission bits are within allowed (0600 for a secret, 0644 for a certificate). Up to
 * bufsz bytes are read into buf (*len); a longer file is PT_ERR_TOOBIG. buf may be NULL with
 * bufsz 0 to check only. what names the configuration key in messages.
 * PT_OK, PT_ERR_NOENT (missing: not reported, the caller says what it means), PT_ERR_INVAL,
 * PT_ERR_UNSAFE, PT_ERR_PERM (not readable by this process), PT_ERR_TOOBIG, PT_ERR_IO. The
 * caller wipes buf when it holds a secret. */
int pt_root_file_read(const char *path, const char *what, mode_t allowed, void *buf, size_t bufsz,
                      size_t *len);

#endif

/* Result codes shared by the whole core. Functions return PT_OK (0) or a negative pt_rc;
 * the detail (which file, which line, why) has already been reported through pt_log(). */
#ifndef PT_ERROR_H
#define PT_ERROR_H

typedef enum {
    PT_OK = 0,
    PT_ERR_NOENT = -1,     /* the file or entry does not exist */
    PT_ERR_UNSAFE = -2,    /* symlink, wrong type, owner or mode */
    PT_ERR_MALFORMED = -3, /* content does not parse */
    PT_ERR_IO = -4,        /* read/write/fsync/rename failed */
    PT_ERR_NOMEM = -5,
    PT_ERR_INVAL = -6,     /* bad argument or value */
    PT_ERR_TOOBIG = -7,    /* over a size cap */
    PT_ERR_CRYPTO = -8,    /* libgcrypt or libargon2 failed */
    PT_ERR_PERM = -9,      /* not allowed (privileges) */
    PT_ERR_EXISTS = -10,   /* already there */
} pt_rc;

/* A short, fixed English phrase for rc ("unsafe file", ...). Never NULL. */
const char *pt_strerror(int rc);

#endif

/* The enrolment file: versioned, human-readable "key = value" lines (format in pam_totp(8)).
 * Version 2 (written by this release) holds several named devices (authenticators):
 *
 *   # pam_totp enrolment: written by pam-totp; do not edit
 *   version = 2
 *   id = 32 hex digits (random; a new one for every enrolment and every new backup-code set)
 *   status = pending | active      active once any device is active
 *   created = UNIX seconds
 *   expires = UNIX seconds (pending only; 0 when active)
 *   backup_kdf = argon2id m=19456 t=2 p=1
 *   backup_salt = 32 hex digits
 *   backup = 64 hex digits          (one line per code, in order; index = line order)
 *   device = 32 hex digits          starts a device; the keys up to the next `device` are its own:
 *   name = NAME                     1..PT_DEVICE_NAME_MAX of [A-Za-z0-9._-], starting with a
 *                                   letter or digit; unique in the file (ignoring case)
 *   status = pending | active
 *   created = UNIX seconds
 *   expires = UNIX seconds (pending only; 0 when active)
 *   algorithm = sha1 | sha256 | sha512
 *   digits = 6 | 8
 *   period = seconds
 *   secret = BASE32 | sealed:v1:HEX   (sealed with secret_key_file: seal.h)
 *   confirmed_step = N | -1         the TOTP step of the code that activated the device: never
 *                                   accepted at login (optional; -1 when absent)
 *   command_step = N                the newest step of this device a pam-totp command run by the
 *                                   user accepted (disable, backup-codes, enrol --force,
 *                                   remove-device, enrol --add): never accepted at login, so a
 *                                   code seen on a command line cannot log in (optional)
 *
 * Every user-level key appears once, before the first device (backup: any number); every device
 * key once per device (confirmed_step and command_step optional). 1..PT_DEVICES_MAX devices with
 * distinct ids and names; at most one pending device; a pending enrolment has exactly one (pending) device; an
 * active one at least one active device.
 *
 * Version 1 (earlier releases) has one authenticator: algorithm, digits, period, secret,
 * confirmed_step and command_step among the user-level keys, backup lines last. It is read as
 * one device named "default" whose id is the enrolment id, and stays as it is until something changes it; every
 * write is version 2.
 *
 * Unknown keys, duplicates, CR, NUL, lines over 512 bytes and files over PT_ENROL_MAX_SIZE are
 * malformed. A malformed file is rejected whole. */
#ifndef PT_ENROLMENT_H
#define PT_ENROLMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "backup.h"
#include "config.h"
#include "seal.h"
#include "totp.h"
#include "user.h"

#define PT_ENROL_VERSION 2      /* what is written */
#define PT_ENROL_VERSION_MIN 1  /* oldest version read */
#define PT_ENROL_MAX_SIZE (16 * 1024)
#define PT_ID_HEX 32
/* Devices per user: bounds the work of one answer (window * 2 + 1 HMACs per device). */
#define PT_DEVICES_MAX 8
#define PT_DEVICE_NAME_MAX 32
#define PT_DEVICE_DEFAULT "default"

typedef enum { PT_ENROL_PENDING = 0, PT_ENROL_ACTIVE = 1 } pt_enrol_status;

/* One authenticator (app, phone, password manager) with its own secret. */
typedef struct {
    char id[PT_ID_HEX + 1];   /* random; keys its last_used in the runtime state */
    char name[PT_DEVICE_NAME_MAX + 1];
    pt_enrol_status status;
    int64_t created;
    int64_t expires;          /* pending only */
    int64_t confirmed_step;   /* step of the activating code, -1 none: counts as used */
    int64_t command_step;     /* newest step a user-run command accepted, -1 none: counts as used */
    pt_alg alg;
    unsigned digits;
    unsigned period;
    uint8_t secret[PT_SECRET_MAX];
    size_t secret_len;        /* 0 while only the sealed form is known */
    uint8_t sealed[PT_SEALED_MAX]; /* the secret sealed for (user, enrolment id, device id);
                                      written instead of it */
    size_t sealed_len;        /* 0: the secret is stored as base32 */
} pt_device;

/* Where the loaded file was (device, inode, change time, size): a login compares it under the
 * state lock to notice a file replaced while it waited at its prompt. Zero when not loaded. */
typedef struct {
    uint64_t dev, ino;
    int64_t ctime_sec, ctime_nsec, size;
} pt_enrol_stamp;

typedef struct {
    unsigned version;         /* as read (1 or 2); files are written as PT_ENROL_VERSION */
    char id[PT_ID_HEX + 1];
    pt_enrol_status status;
    int64_t created;
    int64_t expires;          /* pending only */
    pt_backup_set backup;     /* count 0 while pending; belongs to the user, not to a device */
    unsigned ndevices;
    pt_device dev[PT_DEVICES_MAX];
    pt_enrol_stamp stamp;     /* pt_enrolment_load fills it */
} pt_enrolment;

/* Parses a whole file; on error reports "PATH line N: what is wrong" through pt_log and returns
 * PT_ERR_MALFORMED with e wiped. */
int pt_enrolment_parse(const char *data, size_t len, const char *path, pt_enrolment *e);
/* Serialises; *out is malloc'd and holds the secret: the caller wipes and frees it. */
int pt_enrolment_format(const pt_enrolment *e, char **out, size_t *len);
void pt_enrolment_wipe(pt_enrolment *e);

/* A new pending enrolment from the options: fresh id, no backup codes, expires = now +
 * pending_ttl, and one pending device named "default" (pt_device_new). */
int pt_enrolment_new(const pt_options *o, int64_t now, pt_enrolment *e);
/* A new pending device: fresh id and secret (pt_alg_secret_len bytes), algorithm, digits and
 * period from the options, expires = now + pending_ttl. name must pass pt_device_name_ok. */
int pt_device_new(const pt_options *o, int64_t now, const char *name, pt_device *d);
/* Makes the enrolment and its pending device(s) active (expires 0). */
void pt_enrolment_activate(pt_enrolment *e);
/* A fresh random id (used for every new backup-code set too). */
int pt_enrolment_new_id(char id[PT_ID_HEX + 1]);

/* The secret of a device as base32 (for the URI and manual entry). */
int pt_device_secret_b32(const pt_device *d, char *out, size_t outsz);

/* ---- devices (device.c) ---- */
/* A device name: 1..PT_DEVICE_NAME_MAX characters of [A-Za-z0-9._-], the first a letter or a
 * digit (names reach terminals, JSON and logs unescaped by design). */
bool pt_device_name_ok(const char *name);
/* What a name may be, for messages. */
#define PT_DEVICE_NAME_RULE "1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit"
/* The device called name (ignoring case), or -1. */
int pt_device_find(const pt_enrolment *e, const char *name);
/* The pending device, or -1. */
int pt_device_pending(const pt_enrolment *e);
/* Active devices. */
unsigned pt_device_active_count(const pt_enrolment *e);
/* Appends d (PT_ERR_TOOBIG at PT_DEVICES_MAX, PT_ERR_EXISTS for a name in use). */
int pt_device_add(pt_enrolment *e, const pt_device *d);
/* Removes device i (wiping its secret); the others keep their order. */
void pt_device_remove(pt_enrolment *e, unsigned i);
/* The digits of the first active device (else the first device; 6 when none): the code length
 * the module splits off a combined password+code answer. */
unsigned pt_enrolment_digits(const pt_enrolment *e);

/* Sealing (secret_key_file, seal.h). pt_enrolment_seal: when secret_key_file is set, seals
 * e->secret for u and e->id into e->sealed (what format then writes); when it is not, clears any
 * sealed form. pt_enrolment_unseal: a sealed secret is opened into e->secret; when
 * secret_key_file is set the key must load even for a secret stored unsealed (written before
 * the key existed), so a missing or unsafe key always fails closed. Both PT_OK or the failure,
 * reported naming the user and what to do; unseal never returns PT_ERR_NOENT (a missing key is
 * PT_ERR_CRYPTO), which callers take for "not enrolled". */
int pt_enrolment_seal(const pt_options *o, const pt_user *u, pt_enrolment *e);
int pt_enrolment_unseal(const pt_options *o, const pt_user *u, pt_enrolment *e);

/* Where a user's enrolment file lives (enrolment_file expanded). */
int pt_enrolment_path(const pt_options *o, const pt_user *u, char *out, size_t outsz);

/* Loads the user's enrolment file. Home mode: read with the user's fsuid/fsgid/groups, the file
 * must be owned by the user with mode 0600 (or stricter). System mode: owned by root, 0600, in a
 * root-owned directory not writable by others. PT_OK, PT_ERR_NOENT (none), PT_ERR_UNSAFE,
 * PT_ERR_MALFORMED, PT_ERR_TOOBIG, PT_ERR_IO; each failure is reported naming the file and why. */
int pt_enrolment_load(const pt_options *o, const pt_user *u, pt_enrolment *e);
/* Loads the enrolment file at path as a file of the user's own, with the home-mode checks whatever
 * the configuration says (read with the user's fsuid/fsgid/groups, no symlink followed, a regular
 * file owned by the user, 0600 or stricter, size-capped; a FIFO or device is refused without
 * blocking): what `pam-totp migrate` reads. Errors as pt_enrolment_load. */
int pt_enrolment_load_user_file(const pt_user *u, const char *path, pt_enrolment *e);
/* Writes it atomically and durably with the owner the mode calls for (the user in home mode,
 * acting as the user; root in system mode, creating the directory 0700 when missing). */
int pt_enrolment_store(const pt_options *o, const pt_user *u, const pt_enrolment *e);
/* Whether the user's enrolment file is no longer the one e was loaded from (replaced, removed,
 * or changed): 1 changed, 0 the same, < 0 cannot tell (the caller treats it as changed). */
int pt_enrolment_changed(const pt_options *o, const pt_user *u, const pt_enrolment *e);
/* Sets e->stamp to the user's enrolment file as it is now (after e was stored, so that a later
 * pt_enrolment_changed compares with what was written). PT_OK, PT_ERR_NOENT, PT_ERR_IO. */
int pt_enrolment_restamp(const pt_options *o, const pt_user *u, pt_enrolment *e);
/* Removes the user's enrolment file. PT_ERR_NOENT when there is none. */
int pt_enrolment_remove(const pt_options *o, const pt_user *u);
/* Whether u has a file at the home-mode default place (PT_HOME_ENROLMENT_FILE), which system
 * mode ignores (pam-totp migrate moves it). Looks with lstat as the user; reads nothing.
 * Returns 1 present, 0 absent or not reachable as the user, PT_ERR_PERM when the process could
 * not return from acting as the user (the caller must fail closed). */
int pt_home_enrolment_present(const pt_user *u);

#endif

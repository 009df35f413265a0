/* A QR code as lines of UTF-8 text (half blocks), for showing an otpauth URI where only text can
 * travel: the PAM conversation (enrolment at login) and the CLI. Pure string output: no terminal
 * I/O here. Each text line carries two rows of modules using U+2580 (upper half), U+2584 (lower
 * half), U+2588 (full block) and space, with a quiet zone of 4 light modules on every side.
 *
 * The text encodes a secret (the URI holds it): pt_qrtext_free wipes it. */
#ifndef PT_QRTEXT_H
#define PT_QRTEXT_H

#include <stddef.h>

#define PT_QR_QUIET 4          /* modules of quiet zone on each side */
#define PT_QR_TEXT_MAX 2048    /* longer input is refused */

typedef struct {
    char **lines;  /* nlines NUL-terminated UTF-8 lines, no newline */
    size_t nlines;
    size_t width;  /* modules per line, quiet zone included (= characters per line) */
} pt_qrtext;

/* Encodes text (8-bit mode, error correction level M) and renders it.
 * dark_blocks = 0: drawn halves are the LIGHT modules, spaces the dark ones: right for the usual
 *   light-on-dark terminal, the same convention as `qrencode -t UTF8`.
 * dark_blocks = 1: drawn halves are the DARK modules (dark-on-light terminals, `qrencode -t UTF8i`).
 * PT_OK, PT_ERR_INVAL (empty or over PT_QR_TEXT_MAX, or too long for any QR version),
 * PT_ERR_NOENT (libqrencode, loaded on first use, could not be loaded: logged), PT_ERR_NOMEM.
 * On error q is empty. */
int pt_qrtext_render(const char *text, int dark_blocks, pt_qrtext *q);

/* Wipes and frees the lines; q becomes empty. Safe on an empty q. */
void pt_qrtext_free(pt_qrtext *q);

#endif

/* A QR code as lines of text, for showing an otpauth URI where only text can travel: the PAM
 * conversation (enrolment at login) and the CLI. Pure string output: no terminal I/O here.
 *
 * The code is as small as the standard allows, so that it fits an ordinary terminal: error
 * correction level L (the phone is held to a screen, not a damaged print), the smallest version
 * the text needs (libqrencode also picks the densest mode for each run of characters), and a
 * quiet zone of PT_QR_QUIET light modules on every side (ISO/IEC 18004 asks for 4; phone
 * scanners, zbar included, read 2 reliably when the zone is drawn light explicitly, and 2 keeps
 * a 41-module code within 23 lines of text).
 *
 * Styles (see pt_qr_style): half blocks, two module rows per line, with explicit colours or in
 * the terminal's own colours; or ANSI background colours, one module per line and two cells.
 *
 * The text encodes a secret (the URI holds it): pt_qrtext_free wipes it. */
#ifndef PT_QRTEXT_H
#define PT_QRTEXT_H

#include <stddef.h>

#define PT_QR_QUIET 2          /* modules of quiet zone on each side */
#define PT_QR_TEXT_MAX 2048    /* longer input is refused */

typedef enum {
    /* UTF-8 half blocks (U+2580, U+2584, U+2588, space) for the dark modules, each line set to
     * black on white with SGR 30;47 and reset (SGR 0) at its end: dark modules on a light field
     * on every terminal theme. For terminals that interpret SGR (a local terminal). */
    PT_QR_HALF_COLOUR = 0,
    /* The same half blocks without escape sequences, drawing the LIGHT modules (spaces are the
     * dark ones), as `qrencode -t UTF8`: right only where the background is dark. For clients
     * that show control characters as text (the OpenSSH client does, for keyboard-interactive
     * prompts), where no colour can be set. */
    PT_QR_HALF_PLAIN,
    /* No UTF-8: each module is two cells of SGR background colour, 40 (black) for dark and 47
     * (white) for light, one module row per line; each line ends with SGR 0. */
    PT_QR_ANSI,
} pt_qr_style;

typedef struct {
    char **lines;  /* nlines NUL-terminated lines, no newline */
    size_t nlines; /* lines of text (= rows on a terminal) */
    size_t width;  /* cells each line takes on a terminal, quiet zone included */
    size_t modules; /* modules per side of the symbol, quiet zone excluded */
} pt_qrtext;

/* Encodes text (8-bit, error correction level L, smallest version) and renders it in style.
 * PT_OK, PT_ERR_INVAL (empty or over PT_QR_TEXT_MAX, too long for any QR version, or an
 * unknown style), PT_ERR_NOENT (libqrencode, loaded on first use, could not be loaded: logged),
 * PT_ERR_NOMEM. On error q is empty. */
int pt_qrtext_render(const char *text, pt_qr_style style, pt_qrtext *q);

/* Wipes and frees the lines; q becomes empty. Safe on an empty q. */
void pt_qrtext_free(pt_qrtext *q);

#endif

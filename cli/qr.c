/* pam-totp: the QR code on the terminal. UTF-8 half blocks come from the core (pt_qrtext, shared
 * with enrolment at login); this file adds the ANSI-colour drawing for terminals without UTF-8 and
 * the choice between them. */
#include <errno.h>
#include <langinfo.h>
#include <qrencode.h>
#include <string.h>
#include "cli.h"
#include "qrtext.h"
#include "totp.h"

/* Background colours: black for dark modules, white for light ones; each module is two cells
 * wide so it comes out roughly square. */
#define ANSI_DARK "\033[40m  "
#define ANSI_LIGHT "\033[47m  "
#define ANSI_RESET "\033[0m"

int cli_qr_parse(const char *s, cli_qr_mode *m)
{
    if (strcmp(s, "utf8") == 0)
        *m = CLI_QR_UTF8;
    else if (strcmp(s, "ansi") == 0)
        *m = CLI_QR_ANSI;
    else if (strcmp(s, "none") == 0)
        *m = CLI_QR_NONE;
    else
        return -1;
    return 0;
}

static cli_qr_mode auto_mode(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && strcmp(cs, "UTF-8") == 0 ? CLI_QR_UTF8 : CLI_QR_ANSI;
}

static int print_utf8(FILE *f, const char *text)
{
    pt_qrtext q;
    /* Drawn halves are the light modules: right for the usual light-on-dark terminal. */
    if (pt_qrtext_render(text, 0, &q) != 0) {
        cli_err("cannot encode the QR code");
        return -1;
    }
    for (size_t i = 0; i < q.nlines; i++)
        fprintf(f, "%s\n", q.lines[i]);
    pt_qrtext_free(&q);
    return 0;
}

static int dark_at(const QRcode *qr, long x, long y)
{
    x -= PT_QR_QUIET;
    y -= PT_QR_QUIET;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return 0;
    return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

static int print_ansi(FILE *f, const char *text)
{
    if (strnlen(text, PT_QR_TEXT_MAX + 1) > PT_QR_TEXT_MAX)
        return -1;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL) {
        cli_err("cannot encode the QR code: %s", strerror(errno));
        return -1;
    }
    long width = qr->width + 2 * PT_QR_QUIET;
    for (long y = 0; y < width; y++) {
        for (long x = 0; x < width; x++)
            fputs(dark_at(qr, x, y) ? ANSI_DARK : ANSI_LIGHT, f);
        fputs(ANSI_RESET "\n", f);
    }
    pt_wipe(qr->data, (size_t)qr->width * (size_t)qr->width); /* it encodes the secret */
    QRcode_free(qr);
    return 0;
}

int cli_qr_print(FILE *f, const char *text, cli_qr_mode m)
{
    if (m == CLI_QR_AUTO)
        m = auto_mode();
    switch (m) {
    case CLI_QR_UTF8: return print_utf8(f, text);
    case CLI_QR_ANSI: return print_ansi(f, text);
    default: return 0;
    }
}

/* pam-totp: the QR code on the terminal. The drawing comes from the core (pt_qrtext, shared with
 * enrolment at login); this file picks the style, measures the terminal and refuses to draw a
 * code that would not fit: a wrapped or scrolled-off code cannot be scanned, and a user who sees
 * a broken code does not know why. */
#include <langinfo.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"
#include "pt_error.h"
#include "qrtext.h"

/* Assumed when standard output is not a terminal (or says nothing): the classic screen. */
#define DEFAULT_COLS 80
#define DEFAULT_ROWS 24

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

static bool utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && strcmp(cs, "UTF-8") == 0;
}

void cli_term_size(FILE *f, unsigned *cols, unsigned *rows)
{
    struct winsize ws;
    *cols = DEFAULT_COLS;
    *rows = DEFAULT_ROWS;
    if (isatty(fileno(f)) == 1 && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
        ws.ws_row > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}

/* Says why no code is drawn and what to do; the key and the URI were printed before. */
static void explain_no_fit(FILE *f, const pt_qrtext *q, bool ansi, unsigned cols, unsigned rows,
                           unsigned after)
{
    size_t side = q->modules + 2 * PT_QR_QUIET;
    fprintf(f,
            "The QR code is not shown: it needs %zu columns and %zu lines, and this terminal has "
            "%u columns and %u lines.\n",
            q->width, q->nlines + after, cols, rows);
    if (ansi)
        fprintf(f,
                "In a UTF-8 locale (for example LC_ALL=C.UTF-8) it is drawn half as large: %zu "
                "columns and %zu lines.\n",
                side, (side + 1) / 2 + after);
    fprintf(f, "Use a larger window%s and run the command again, or enter the key or the URI "
               "shown above into the app.\n",
            ansi ? " or a UTF-8 locale" : "");
}

int cli_qr_print(FILE *f, const char *text, cli_qr_mode m, unsigned after)
{
    if (m == CLI_QR_NONE)
        return 0;
    if (m == CLI_QR_AUTO)
        m = utf8_locale() ? CLI_QR_UTF8 : CLI_QR_ANSI;
    bool ansi = m == CLI_QR_ANSI;
    pt_qrtext q;
    int rc = pt_qrtext_render(text, ansi ? PT_QR_ANSI : PT_QR_HALF_COLOUR, &q);
    if (rc != PT_OK) {
        fprintf(f, "(The QR code cannot be drawn: %s. Enter the key or the URI shown above into "
                   "the app.)\n",
                rc == PT_ERR_NOENT ? "libqrencode is not installed" : pt_strerror(rc));
        return -1;
    }
    unsigned cols, rows;
    cli_term_size(f, &cols, &rows);
    if (q.width > cols || q.nlines + after > rows) {
        explain_no_fit(f, &q, ansi, cols, rows, after);
        pt_qrtext_free(&q);
        return 1;
    }
    for (size_t i = 0; i < q.nlines; i++)
        fprintf(f, "%s\n", q.lines[i]);
    pt_qrtext_free(&q);
    return 0;
}

void cli_print_key(FILE *f, const char *grouped, const char *indent)
{
    unsigned cols, rows;
    cli_term_size(f, &cols, &rows);
    size_t used = (size_t)fprintf(f, "%s", indent);
    size_t start = used;
    const char *p = grouped;
    while (*p != '\0') {
        size_t n = strcspn(p, " ");
        /* A group never splits: it goes to the next line when it would pass the last column. */
        if (used > start && used + 1 + n > cols) {
            used = (size_t)fprintf(f, "\n%s", indent) - 1;
        } else if (used > start) {
            fputc(' ', f);
            used++;
        }
        fwrite(p, 1, n, f);
        used += n;
        p += n;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

/* QR code to lines of terminal text (see qrtext.h).
 *
 * libqrencode is loaded here, on demand, rather than linked: the module is loaded by every
 * process that authenticates, and only enrolment at login draws a QR code. The header gives the
 * types; PT_QRENCODE_SONAME (common/CMakeLists.txt) names the library the header belongs to. */
#include "qrtext.h"

#include <dlfcn.h>
#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pt_error.h"
#include "totp.h"

#ifndef PT_QRENCODE_SONAME
#error "PT_QRENCODE_SONAME (libqrencode's SONAME) is defined by common/CMakeLists.txt"
#endif

/* The two functions used, with the signatures the header declares. */
typedef QRcode *(*qr_encode_fn)(const char *, int, QRecLevel, QRencodeMode, int);
typedef void (*qr_free_fn)(QRcode *);
typedef struct {
    void *handle;
    qr_encode_fn encode;
    qr_free_fn release;
} qr_lib;

/* Opens libqrencode. NODELETE: once mapped it stays (dlclose only drops the reference), so a
 * second enrolment in the same process costs nothing and no code is unmapped under a caller.
 * PT_OK, or PT_ERR_NOENT with the reason logged. */
static int qr_lib_open(qr_lib *lib)
{
    memset(lib, 0, sizeof(*lib));
    lib->handle = dlopen(PT_QRENCODE_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib->handle == NULL) {
        const char *why = dlerror();
        pt_log(LOG_ERR, "QR code not drawn: cannot load %s (%s); install libqrencode to show QR codes",
               PT_QRENCODE_SONAME, why != NULL ? why : "unknown error");
        return PT_ERR_NOENT;
    }
    /* POSIX guarantees a function's address survives the trip through void *. */
    lib->encode = (qr_encode_fn)dlsym(lib->handle, "QRcode_encodeString");
    lib->release = (qr_free_fn)dlsym(lib->handle, "QRcode_free");
    if (lib->encode == NULL || lib->release == NULL) {
        pt_log(LOG_ERR, "QR code not drawn: %s lacks QRcode_encodeString or QRcode_free; reinstall "
               "libqrencode", PT_QRENCODE_SONAME);
        dlclose(lib->handle);
        memset(lib, 0, sizeof(*lib));
        return PT_ERR_NOENT;
    }
    return PT_OK;
}

static const char BLOCK_UPPER[] = "\xe2\x96\x80"; /* U+2580 */
static const char BLOCK_LOWER[] = "\xe2\x96\x84"; /* U+2584 */
static const char BLOCK_FULL[] = "\xe2\x96\x88";  /* U+2588 */
/* ECMA-48 SGR: black on white for the half blocks; black / white backgrounds; reset. */
static const char SGR_BLACK_ON_WHITE[] = "\033[30;47m";
static const char SGR_BG_DARK[] = "\033[40m";
static const char SGR_BG_LIGHT[] = "\033[47m";
static const char SGR_RESET[] = "\033[0m";

/* Is module (x, y) of the padded symbol dark? Outside the symbol is quiet zone (light). */
static int module_dark(const QRcode *qr, long x, long y)
{
    x -= PT_QR_QUIET;
    y -= PT_QR_QUIET;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return 0;
    return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

/* The glyph for a cell whose upper/lower halves are drawn (1) or not (0). */
static const char *glyph(int upper, int lower)
{
    if (upper && lower)
        return BLOCK_FULL;
    if (upper)
        return BLOCK_UPPER;
    if (lower)
        return BLOCK_LOWER;
    return " ";
}

static size_t put(char *line, size_t pos, const char *s)
{
    size_t n = strlen(s);
    memcpy(line + pos, s, n);
    return pos + n;
}

/* Half-block text line `row` (module rows 2*row and 2*row+1; size = modules per side, quiet
 * zone included) into a fresh string. */
static char *half_line(const QRcode *qr, size_t size, size_t row, pt_qr_style style)
{
    int colour = style == PT_QR_HALF_COLOUR;
    char *line = malloc(size * 3 + sizeof(SGR_BLACK_ON_WHITE) + sizeof(SGR_RESET));
    if (line == NULL)
        return NULL;
    size_t pos = colour ? put(line, 0, SGR_BLACK_ON_WHITE) : 0;
    long y = (long)row * 2;
    for (size_t x = 0; x < size; x++) {
        int top = module_dark(qr, (long)x, y);
        /* An odd last row pairs with one more light row: a little more quiet zone. */
        int bottom = module_dark(qr, (long)x, y + 1);
        if (!colour) {
            top = !top;
            bottom = !bottom;
        }
        pos = put(line, pos, glyph(top, bottom));
    }
    if (colour)
        pos = put(line, pos, SGR_RESET);
    line[pos] = '\0';
    return line;
}

/* ANSI text line `row` (= module row): two cells per module, a colour change only where the
 * module colour changes. */
static char *ansi_line(const QRcode *qr, size_t size, size_t row)
{
    char *line = malloc(size * (sizeof(SGR_BG_LIGHT) + 1) + sizeof(SGR_RESET));
    if (line == NULL)
        return NULL;
    size_t pos = 0;
    int last = -1;
    for (size_t x = 0; x < size; x++) {
        int dark = module_dark(qr, (long)x, (long)row);
        if (dark != last)
            pos = put(line, pos, dark ? SGR_BG_DARK : SGR_BG_LIGHT);
        last = dark;
        pos = put(line, pos, "  ");
    }
    pos = put(line, pos, SGR_RESET);
    line[pos] = '\0';
    return line;
}

int pt_qrtext_render(const char *text, pt_qr_style style, pt_qrtext *q)
{
    memset(q, 0, sizeof(*q));
    if (text == NULL || text[0] == '\0' || strnlen(text, PT_QR_TEXT_MAX + 1) > PT_QR_TEXT_MAX ||
        (style != PT_QR_HALF_COLOUR && style != PT_QR_HALF_PLAIN && style != PT_QR_ANSI))
        return PT_ERR_INVAL;
    qr_lib lib;
    int rc = qr_lib_open(&lib);
    if (rc != PT_OK)
        return rc;
    errno = 0;
    /* Version 0: the smallest that holds the text. */
    QRcode *qr = lib.encode(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (qr == NULL) {
        rc = errno == ENOMEM ? PT_ERR_NOMEM : PT_ERR_INVAL;
        dlclose(lib.handle);
        return rc;
    }
    size_t size = (size_t)qr->width + 2 * PT_QR_QUIET;
    size_t nlines = style == PT_QR_ANSI ? size : (size + 1) / 2;
    q->lines = calloc(nlines, sizeof(*q->lines));
    if (q->lines == NULL)
        rc = PT_ERR_NOMEM;
    for (size_t i = 0; rc == PT_OK && i < nlines; i++) {
        q->lines[i] = style == PT_QR_ANSI ? ansi_line(qr, size, i) : half_line(qr, size, i, style);
        if (q->lines[i] == NULL)
            rc = PT_ERR_NOMEM;
        q->nlines = i + 1;
    }
    q->width = style == PT_QR_ANSI ? 2 * size : size;
    q->modules = (size_t)qr->width;
    /* The symbol encodes the secret too. */
    pt_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
    lib.release(qr);
    dlclose(lib.handle);
    if (rc != PT_OK)
        pt_qrtext_free(q);
    return rc;
}

void pt_qrtext_free(pt_qrtext *q)
{
    if (q->lines != NULL) {
        for (size_t i = 0; i < q->nlines; i++) {
            if (q->lines[i] != NULL) {
                pt_wipe(q->lines[i], strlen(q->lines[i]));
                free(q->lines[i]);
            }
        }
        free(q->lines);
    }
    memset(q, 0, sizeof(*q));
}

/* QR code to UTF-8 half-block text (see qrtext.h).
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

/* Renders text line `row` (module rows 2*row and 2*row+1) into a fresh string. */
static char *render_line(const QRcode *qr, size_t width, size_t row, int dark_blocks)
{
    char *line = malloc(width * 3 + 1);
    if (line == NULL)
        return NULL;
    size_t pos = 0;
    long y = (long)row * 2;
    for (size_t x = 0; x < width; x++) {
        int top = module_dark(qr, (long)x, y);
        /* A last odd row pairs with a light row of quiet zone below the symbol. */
        int bottom = (size_t)(y + 1) < width ? module_dark(qr, (long)x, y + 1) : 0;
        if (!dark_blocks) {
            top = !top;
            bottom = !bottom;
        }
        const char *g = glyph(top, bottom);
        size_t gl = strlen(g);
        memcpy(line + pos, g, gl);
        pos += gl;
    }
    line[pos] = '\0';
    return line;
}

int pt_qrtext_render(const char *text, int dark_blocks, pt_qrtext *q)
{
    memset(q, 0, sizeof(*q));
    if (text == NULL || text[0] == '\0' || strnlen(text, PT_QR_TEXT_MAX + 1) > PT_QR_TEXT_MAX)
        return PT_ERR_INVAL;
    qr_lib lib;
    int rc = qr_lib_open(&lib);
    if (rc != PT_OK)
        return rc;
    errno = 0;
    QRcode *qr = lib.encode(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL) {
        rc = errno == ENOMEM ? PT_ERR_NOMEM : PT_ERR_INVAL;
        dlclose(lib.handle);
        return rc;
    }
    size_t width = (size_t)qr->width + 2 * PT_QR_QUIET;
    size_t nlines = (width + 1) / 2;
    q->lines = calloc(nlines, sizeof(*q->lines));
    if (q->lines == NULL)
        rc = PT_ERR_NOMEM;
    for (size_t i = 0; rc == PT_OK && i < nlines; i++) {
        q->lines[i] = render_line(qr, width, i, dark_blocks);
        if (q->lines[i] == NULL)
            rc = PT_ERR_NOMEM;
        q->nlines = i + 1;
    }
    q->width = width;
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

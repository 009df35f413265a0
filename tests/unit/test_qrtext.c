/* The QR code as terminal text: sizes that fit an 80x24 terminal (level L, smallest version,
 * quiet zone of 2), the three styles' characters and colours, refusal of bad input. What the
 * drawings decode to is proven by zbarimg in the integration tests (pt-qr2pbm, and a real
 * xterm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pt_error.h"
#include "qrtext.h"

/* 129 characters: a default enrolment on an ordinary host name (32-symbol key, no default
 * parameters). */
static const char URI[] = "otpauth://totp/db-01.example.com:alice-admin%40db-01.example.com"
                          "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=db-01.example.com";

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_half_colour_fits_80x24(void **state)
{
    (void)state;
    pt_qrtext q;
    assert_int_equal(strlen(URI), 129);
    assert_int_equal(pt_qrtext_render(URI, PT_QR_HALF_COLOUR, &q), PT_OK);
    /* Version 6 (41 modules) at level L; 45 with the quiet zone: 23 lines and the prompt. */
    assert_int_equal(q.modules, 41);
    assert_int_equal(q.width, 45);
    assert_int_equal(q.nlines, 23);
    for (size_t i = 0; i < q.nlines; i++) {
        /* Black on white set at the start, reset at the end, 45 cells between. */
        assert_int_equal(strncmp(q.lines[i], "\033[30;47m", 8), 0);
        size_t len = strlen(q.lines[i]);
        assert_string_equal(q.lines[i] + len - 4, "\033[0m");
        size_t blocks = count(q.lines[i], "\xe2\x96\x80") + count(q.lines[i], "\xe2\x96\x84") +
                        count(q.lines[i], "\xe2\x96\x88");
        assert_int_equal(len - 12 - 3 * blocks + blocks, 45);
    }
    /* The quiet zone: the first line is light (spaces only); so are the 2 cells at each end. */
    assert_int_equal(count(q.lines[0], " "), 45);
    assert_int_equal(strncmp(q.lines[5] + 8, "  ", 2), 0);
    pt_qrtext_free(&q);
    assert_null(q.lines);
    assert_int_equal(q.nlines, 0);
}

static void test_plain_and_ansi(void **state)
{
    (void)state;
    pt_qrtext q;
    assert_int_equal(pt_qrtext_render(URI, PT_QR_HALF_PLAIN, &q), PT_OK);
    assert_int_equal(q.nlines, 23);
    assert_int_equal(q.width, 45);
    for (size_t i = 0; i < q.nlines; i++)
        assert_null(strchr(q.lines[i], '\033'));
    /* Light modules drawn: the quiet zone line is all full blocks. */
    assert_int_equal(count(q.lines[0], "\xe2\x96\x88"), 45);
    pt_qrtext_free(&q);

    assert_int_equal(pt_qrtext_render(URI, PT_QR_ANSI, &q), PT_OK);
    assert_int_equal(q.nlines, 45);
    assert_int_equal(q.width, 90);
    for (size_t i = 0; i < q.nlines; i++) {
        assert_null(strstr(q.lines[i], "\xe2\x96"));
        assert_string_equal(q.lines[i] + strlen(q.lines[i]) - 4, "\033[0m");
        assert_int_equal(count(q.lines[i], " "), 90);
        assert_int_equal(strncmp(q.lines[i], "\033[47m", 5), 0); /* quiet zone first */
    }
    pt_qrtext_free(&q);
}

static void test_refused(void **state)
{
    (void)state;
    pt_qrtext q;
    char big[PT_QR_TEXT_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(pt_qrtext_render(NULL, PT_QR_HALF_COLOUR, &q), PT_ERR_INVAL);
    assert_int_equal(pt_qrtext_render("", PT_QR_HALF_COLOUR, &q), PT_ERR_INVAL);
    assert_int_equal(pt_qrtext_render(big, PT_QR_HALF_COLOUR, &q), PT_ERR_INVAL);
    assert_int_equal(pt_qrtext_render(URI, (pt_qr_style)7, &q), PT_ERR_INVAL);
    assert_null(q.lines);
    pt_qrtext_free(&q); /* safe on an empty one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_colour_fits_80x24),
        cmocka_unit_test(test_plain_and_ansi),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* pt-qr2pbm: turns a QR code drawn on a terminal back into an image, so a test can read it with
 * `zbarimg --nodbus --raw -q -`.
 *
 *   pt-qr2pbm utf8 [--dark-blocks] < TRANSCRIPT > IMAGE.pbm
 *   pt-qr2pbm ansi < TRANSCRIPT > IMAGE.pbm
 *
 * utf8: the first run of lines made only of U+2580, U+2584, U+2588 and spaces (with at least one
 *       block); each character is one module wide and two modules tall. The drawn halves are the
 *       light modules (as `qrencode -t UTF8`), or the dark ones with --dark-blocks.
 * ansi: the first run of lines holding SGR background colours; 40/100 are dark, 47/107 (and the
 *       default) light; each cell is half a module wide (modules are two cells).
 * Carriage returns are ignored. Every pixel is scaled by 4, with a light border added.
 * Exit status 0, or 1 when no QR code was found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE 4
#define BORDER 16
#define MAX_ROWS 1024
#define MAX_COLS 1024

static unsigned char px[MAX_ROWS][MAX_COLS]; /* 1 = dark */
static int rows, cols;

static void set_px(int r, int c, int dark)
{
    if (r < MAX_ROWS && c < MAX_COLS) {
        px[r][c] = (unsigned char)dark;
        if (r + 1 > rows)
            rows = r + 1;
        if (c + 1 > cols)
            cols = c + 1;
    }
}

/* UTF-8 half blocks: returns 1 if the line is a QR line and fills two pixel rows. */
static int utf8_line(const char *s, int row, int dark_blocks)
{
    int c = 0, blocks = 0;
    const unsigned char *p = (const unsigned char *)s;
    /* First pass: validate. */
    for (const unsigned char *q = p; *q;) {
        if (*q == ' ' || *q == '\r') {
            q++;
        } else if (q[0] == 0xe2 && q[1] == 0x96 && (q[2] == 0x80 || q[2] == 0x84 || q[2] == 0x88)) {
            q += 3;
            blocks++;
        } else {
            return 0;
        }
    }
    if (blocks == 0)
        return 0;
    while (*p) {
        int up = 0, lo = 0;
        if (*p == '\r') {
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
        } else {
            up = p[2] == 0x80 || p[2] == 0x88;
            lo = p[2] == 0x84 || p[2] == 0x88;
            p += 3;
        }
        /* drawn = light unless dark_blocks */
        set_px(2 * row, c, dark_blocks ? up : !up);
        set_px(2 * row + 1, c, dark_blocks ? lo : !lo);
        c++;
    }
    return 1;
}

/* ANSI: returns 1 if the line holds colour cells; each line is two pixel rows. */
static int ansi_line(const char *s, int row)
{
    int c = 0, dark = 0, seen = 0;
    while (*s) {
        if (s[0] == '\033' && s[1] == '[') {
            int n = 0;
            s += 2;
            while (*s && *s != 'm') {
                if (*s >= '0' && *s <= '9') {
                    n = n * 10 + (*s - '0');
                } else if (*s == ';') {
                    dark = n == 40 || n == 100 ? 1 : (n == 47 || n == 107 || n == 0 ? 0 : dark);
                    n = 0;
                }
                s++;
            }
            dark = n == 40 || n == 100 ? 1 : (n == 47 || n == 107 || n == 0 ? 0 : dark);
            if (*s)
                s++;
            seen = 1;
            continue;
        }
        if (*s == '\r' || *s == '\n') {
            s++;
            continue;
        }
        if (seen) {
            set_px(2 * row, c, dark);
            set_px(2 * row + 1, c, dark);
            c++;
        }
        s++;
    }
    return seen && c > 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "utf8") != 0 && strcmp(argv[1], "ansi") != 0)) {
        fprintf(stderr, "usage: pt-qr2pbm utf8 [--dark-blocks] | ansi  < transcript > image.pbm\n");
        return 2;
    }
    int ansi = strcmp(argv[1], "ansi") == 0;
    int dark_blocks = argc > 2 && strcmp(argv[2], "--dark-blocks") == 0;
    char *line = NULL;
    size_t cap = 0;
    int row = 0, started = 0;
    while (getline(&line, &cap, stdin) != -1) {
        line[strcspn(line, "\n")] = '\0';
        int is_qr = ansi ? ansi_line(line, row) : utf8_line(line, row, dark_blocks);
        if (is_qr) {
            started = 1;
            row++;
        } else if (started) {
            break;
        }
    }
    free(line);
    if (!started) {
        fprintf(stderr, "pt-qr2pbm: no QR code found\n");
        return 1;
    }
    int w = cols * SCALE + 2 * BORDER, h = rows * SCALE + 2 * BORDER;
    printf("P1\n%d %d\n", w, h);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int r = (y - BORDER) / SCALE, c = (x - BORDER) / SCALE;
            int in = y >= BORDER && x >= BORDER && r < rows && c < cols;
            putchar(in && px[r][c] ? '1' : '0');
        }
        putchar('\n');
    }
    return 0;
}

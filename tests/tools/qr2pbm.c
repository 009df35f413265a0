/* pt-qr2pbm: turns a QR code drawn on a terminal back into an image, as the terminal would show
 * it, so a test can read it with `zbarimg --nodbus --raw -q -` (which does not try inverted codes).
 *
 *   pt-qr2pbm utf8 [--light-terminal] < TRANSCRIPT > IMAGE.pbm
 *   pt-qr2pbm ansi [--light-terminal] < TRANSCRIPT > IMAGE.pbm
 *
 * The terminal's own colours are light on dark, or dark on light with --light-terminal (the old
 * name --dark-blocks is accepted). SGR colours set explicitly win: foreground 30/90 dark, 37/97
 * light, 39 default; background 40/100 dark, 47/107 light, 49 default; 0 resets both.
 * utf8: the first run of lines made only of SGR sequences, U+2580, U+2584, U+2588 and spaces
 *       (with a block or an SGR sequence); each character is one module wide and two modules
 *       tall: a drawn half in the foreground colour, the rest in the background colour.
 * ansi: the first run of lines holding SGR sequences; each cell is the background colour, half a
 *       module wide (modules are two cells).
 * Carriage returns are ignored. Every pixel is scaled by 4; around the code a border in the
 * terminal's background colour (so a code without its own light quiet zone fails on a dark
 * terminal, as on a real one). Exit status 0, or 1 when no QR code was found. */
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

/* The terminal's colours (1 = dark) and the current SGR state. */
static int def_fg, def_bg, fg, bg;

/* Applies the SGR sequence at s (after ESC [) up to its 'm'; returns the position after it. */
static const char *sgr(const char *s)
{
    int n = 0;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s - '0');
            continue;
        }
        if (n == 0) {
            fg = def_fg;
            bg = def_bg;
        } else if (n == 30 || n == 90) {
            fg = 1;
        } else if (n == 37 || n == 97) {
            fg = 0;
        } else if (n == 39) {
            fg = def_fg;
        } else if (n == 40 || n == 100) {
            bg = 1;
        } else if (n == 47 || n == 107) {
            bg = 0;
        } else if (n == 49) {
            bg = def_bg;
        }
        n = 0;
        if (*s != ';')
            break;
    }
    return *s == 'm' ? s + 1 : s;
}

static int is_block(const unsigned char *q)
{
    return q[0] == 0xe2 && q[1] == 0x96 && (q[2] == 0x80 || q[2] == 0x84 || q[2] == 0x88);
}

/* UTF-8 half blocks: returns 1 if the line is a QR line and fills two pixel rows. */
static int utf8_line(const char *s, int row)
{
    int c = 0, marks = 0;
    /* First pass: validate. */
    for (const unsigned char *q = (const unsigned char *)s; *q;) {
        if (*q == ' ' || *q == '\r') {
            q++;
        } else if (q[0] == '\033' && q[1] == '[') {
            q = (const unsigned char *)strchr((const char *)q, 'm');
            if (q == NULL)
                return 0;
            q++;
            marks++;
        } else if (is_block(q)) {
            q += 3;
            marks++;
        } else {
            return 0;
        }
    }
    if (marks == 0)
        return 0;
    fg = def_fg;
    bg = def_bg;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int up = 0, lo = 0;
        if (*p == '\r') {
            p++;
            continue;
        }
        if (p[0] == '\033') {
            p = (const unsigned char *)sgr((const char *)p + 2);
            continue;
        }
        if (*p == ' ') {
            p++;
        } else {
            up = p[2] == 0x80 || p[2] == 0x88;
            lo = p[2] == 0x84 || p[2] == 0x88;
            p += 3;
        }
        set_px(2 * row, c, up ? fg : bg);
        set_px(2 * row + 1, c, lo ? fg : bg);
        c++;
    }
    return 1;
}

/* ANSI: returns 1 if the line holds colour cells; each line is two pixel rows. */
static int ansi_line(const char *s, int row)
{
    int c = 0, seen = 0;
    fg = def_fg;
    bg = def_bg;
    while (*s) {
        if (s[0] == '\033' && s[1] == '[') {
            s = sgr(s + 2);
            seen = 1;
            continue;
        }
        if (*s == '\r' || *s == '\n') {
            s++;
            continue;
        }
        if (seen) {
            set_px(2 * row, c, bg);
            set_px(2 * row + 1, c, bg);
            c++;
        }
        s++;
    }
    return seen && c > 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "utf8") != 0 && strcmp(argv[1], "ansi") != 0)) {
        fprintf(stderr, "usage: pt-qr2pbm utf8|ansi [--light-terminal] < transcript > image.pbm\n");
        return 2;
    }
    int ansi = strcmp(argv[1], "ansi") == 0;
    int light = argc > 2 && (strcmp(argv[2], "--light-terminal") == 0 ||
                             strcmp(argv[2], "--dark-blocks") == 0);
    def_fg = light;
    def_bg = !light;
    memset(px, def_bg, sizeof(px));
    char *line = NULL;
    size_t cap = 0;
    int row = 0, started = 0;
    while (getline(&line, &cap, stdin) != -1) {
        line[strcspn(line, "\n")] = '\0';
        int is_qr = ansi ? ansi_line(line, row) : utf8_line(line, row);
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
            putchar((in ? px[r][c] : def_bg) ? '1' : '0');
        }
        putchar('\n');
    }
    return 0;
}

/* pt-bench-costs: what a fresh login process pays for each piece the module adds, each measured
 * alone in a process of its own (fork, exec, time one piece, exit), as sshd or login pays it.
 *
 *   pt-bench-costs [-n RUNS] USER MODULE.so GOOGLE_MODULE.so
 *
 * Pieces (median and p99 over RUNS processes each, alternating):
 *   gcrypt-map      dlopen("libgcrypt.so.20"): map, relocate, run its constructors
 *   gcrypt-init     gcry_check_version + GCRYCTL_DISABLE_SECMEM + INITIALIZATION_FINISHED + one
 *                   HMAC-SHA1 of 8 bytes, with libgcrypt already mapped (what the sshd-like host
 *                   leaves to the module)
 *   getgrouplist    the user's groups (every NSS module `group:` lists), account resolved first
 *   ours-dlopen     dlopen of our module (maps libgcrypt too unless mapped), no call
 *   google-dlopen   dlopen of Google's module
 *   touch-64-pages  the first write to each of 64 new anonymous pages (64 minor page faults): a
 *                   login in a fresh process pays one for every page of heap, stack or data it
 *                   touches first
 * Output: one line per piece, "piece=NAME median_us=.. p99_us=.. n=..". Exit 0, 1 on failure. */
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeclock.h"
#include "stats.h"

#define NPIECES 6
#define TOUCH_PAGES 64
static const char *const pieces[NPIECES] = {"gcrypt-map", "gcrypt-init", "getgrouplist", "ours-dlopen",
                                            "google-dlopen", "touch-64-pages"};

typedef const char *(*check_version_fn)(const char *);
typedef int (*control_fn)(int, ...);
typedef int (*hmac_fn)(int, unsigned, void *, const void *, size_t, const void *, size_t);
typedef int (*hash_buffers_fn)(int, unsigned, void *, const void *, int);

/* libgcrypt's enum values (gcrypt.h), so this program needs no libgcrypt headers or link. */
#define GCRYCTL_DISABLE_SECMEM 37
#define GCRYCTL_INITIALIZATION_FINISHED 38
#define GCRY_MD_SHA1 2
#define GCRY_MD_FLAG_HMAC 2

typedef struct {
    size_t size, off, len;
    void *data;
} gcry_buffer_t;

/* The child: one piece, timed; prints the nanoseconds. */
static int child(const char *piece, const char *user, const char *ours, const char *google)
{
    int64_t t0 = 0, t1;
    void *h = NULL;
    if (strcmp(piece, "gcrypt-map") == 0) {
        t0 = bench_mono_ns();
        h = dlopen("libgcrypt.so.20", RTLD_NOW | RTLD_GLOBAL);
    } else if (strcmp(piece, "gcrypt-init") == 0) {
        void *g = dlopen("libgcrypt.so.20", RTLD_NOW | RTLD_GLOBAL);
        check_version_fn cv = g ? (check_version_fn)dlsym(g, "gcry_check_version") : NULL;
        control_fn ctl = g ? (control_fn)dlsym(g, "gcry_control") : NULL;
        hash_buffers_fn hb = g ? (hash_buffers_fn)dlsym(g, "gcry_md_hash_buffers") : NULL;
        if (!cv || !ctl || !hb)
            return 1;
        unsigned char key[20] = {1}, msg[8] = {2}, out[20];
        gcry_buffer_t iov[2] = {{0, 0, sizeof key, key}, {0, 0, sizeof msg, msg}};
        t0 = bench_mono_ns();
        if (cv("1.8.0") == NULL)
            return 1;
        ctl(GCRYCTL_DISABLE_SECMEM, 0);
        ctl(GCRYCTL_INITIALIZATION_FINISHED, 0);
        h = hb(GCRY_MD_SHA1, GCRY_MD_FLAG_HMAC, out, iov, 2) == 0 ? g : NULL;
    } else if (strcmp(piece, "getgrouplist") == 0) {
        struct passwd *pw = getpwnam(user);
        gid_t g[256];
        int n = 256;
        if (pw == NULL)
            return 1;
        gid_t gid = pw->pw_gid;
        t0 = bench_mono_ns();
        h = getgrouplist(user, gid, g, &n) >= 0 ? (void *)g : NULL;
    } else if (strcmp(piece, "touch-64-pages") == 0) {
        long pg = sysconf(_SC_PAGESIZE);
        volatile char *m = mmap(NULL, (size_t)pg * TOUCH_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return 1;
        t0 = bench_mono_ns();
        for (int k = 0; k < TOUCH_PAGES; k++)
            m[(long)k * pg] = 1;
        h = (void *)m;
    } else if (strcmp(piece, "ours-dlopen") == 0 || strcmp(piece, "google-dlopen") == 0) {
        t0 = bench_mono_ns();
        h = dlopen(piece[0] == 'o' ? ours : google, RTLD_NOW);
    }
    t1 = bench_mono_ns();
    if (h == NULL)
        return 1;
    printf("%lld\n", (long long)(t1 - t0));
    return 0;
}

static int run_child(const char *self, const char *piece, char **argv, int64_t *ns)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        execl(self, self, "--child", piece, argv[0], argv[1], argv[2], (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[64] = "";
    ssize_t r = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (r <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    *ns = strtoll(buf, NULL, 10);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3], argv[4], argv[5]);
    unsigned n = 200;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = (unsigned)strtoul(argv[2], NULL, 10);
        i = 3;
    }
    if (argc - i != 3 || n == 0) {
        fprintf(stderr, "usage: pt-bench-costs [-n RUNS] USER MODULE.so GOOGLE_MODULE.so\n");
        return 2;
    }
    bench_samples s[NPIECES];
    for (int k = 0; k < NPIECES; k++)
        if (bench_samples_init(&s[k], n) != 0)
            return 1;
    for (unsigned r = 0; r < n; r++)
        for (int k = 0; k < NPIECES; k++) {
            int64_t ns;
            if (run_child("/proc/self/exe", pieces[k], argv + i, &ns) != 0) {
                fprintf(stderr, "pt-bench-costs: %s failed\n", pieces[k]);
                return 1;
            }
            bench_samples_add(&s[k], ns);
        }
    for (int k = 0; k < NPIECES; k++) {
        bench_summary sum;
        bench_summarise(&s[k], &sum);
        printf("piece=%s median_us=%.1f p99_us=%.1f n=%zu\n", pieces[k], sum.median_us, sum.p99_us, sum.n);
    }
    return 0;
}

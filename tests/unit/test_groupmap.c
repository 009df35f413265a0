/* The group database read once (pt_groupmap) gives every account the same groups as
 * getgrouplist(): checked for every account in the passwd database, for a test account made with
 * groupadd/useradd (supplementary groups, a group sharing a gid, membership of its own primary
 * group), and, in a private mount namespace over a generated /etc/group, at the PT_GROUPS_MAX
 * edge, for an entry larger than the first buffer and for repeated and over-long member names.
 * Root only (it adds and removes an account and mounts): exit 77 otherwise. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_error.h"
#include "user.h"

#define MAX_ACCOUNTS 100000
#define TRIES 5 /* other tests on the machine add and remove accounts while we compare */

static char base[32]; /* ptgm<pid>: the test account; its groups add a suffix */

/* ---- helpers ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shadow tool, retrying while another process holds the account files' lock. */
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = -1;
    for (int i = 0; i < 30; i++) {
        st = system(cmd);
        if (st == 0)
            return 0;
        usleep(200 * 1000);
    }
    fprintf(stderr, "failed: %s (status %d)\n", cmd, st);
    return -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return x < y ? -1 : x > y;
}

/* A sorted copy of the names without repeats (getgrouplist repeats a gid two groups share, and
 * user.c then its name) in *out; returns its length. */
static size_t uniq_names(char *const *names, size_t n, char ***out)
{
    size_t k = 0;
    char **v = calloc(n + 1, sizeof *v);
    assert_non_null(v);
    memcpy(v, names, n * sizeof *v);
    *out = v;
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    return k;
}

static size_t uniq_gids(gid_t *v, size_t n)
{
    size_t k = 0;
    qsort(v, n, sizeof *v, cmp_gid);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

/* getgrouplist with room for all; -1 when over PT_GROUPS_MAX (as user.c refuses). */
static int system_gids(const char *name, gid_t gid, gid_t **out)
{
    int n = PT_GROUPS_MAX;
    gid_t *g = malloc(sizeof *g * (PT_GROUPS_MAX + 1));
    if (!g || getgrouplist(name, gid, g, &n) < 0) {
        free(g);
        return -1;
    }
    *out = g;
    return n;
}

/* The map and the system agree on one account: same result code, same group names (as sets,
 * with pt_user_from_passwd as the reference), same gids (as sets, with getgrouplist). Prints
 * the difference; returns true when they agree. */
static bool agrees(const pt_groupmap *m, const char *name, uid_t uid, gid_t gid, const char *home,
                   const char *shell)
{
    pt_user ref, got;
    bool ok = true;
    int rr = pt_user_from_passwd(&ref, name, uid, gid, home, shell);
    int rg = pt_user_from_passwd_map(&got, m, name, uid, gid, home, shell);
    if (rr != rg) {
        fprintf(stderr, "%s: getgrouplist gives %d, the map %d\n", name, rr, rg);
        ok = false;
    } else if (rr == PT_OK) {
        char **r = NULL, **g = NULL;
        size_t nr = uniq_names(ref.groups, ref.ngroups, &r);
        size_t ng = uniq_names(got.groups, got.ngroups, &g);
        ok = nr == ng && got.ngroups == ng; /* the map never repeats a name */
        for (size_t i = 0; ok && i < nr; i++)
            ok = strcmp(r[i], g[i]) == 0;
        free(r);
        free(g);
        if (!ok)
            fprintf(stderr, "%s: %zu group names from getgrouplist, %zu from the map (or they "
                            "differ)\n", name, nr, got.ngroups);
        ok = ok && strcmp(ref.home, got.home) == 0 && strcmp(ref.shell, got.shell) == 0 &&
             ref.uid == got.uid && ref.gid == got.gid;
    }
    if (rr == PT_OK)
        pt_user_free(&ref);
    if (rg == PT_OK)
        pt_user_free(&got);

    gid_t *sys = NULL, *mine = NULL;
    int ns = system_gids(name, gid, &sys), nm = 0;
    int rm = pt_groupmap_gids(m, name, gid, &mine, &nm);
    if ((ns < 0) != (rm != PT_OK)) {
        fprintf(stderr, "%s: getgrouplist %d gids, the map rc %d\n", name, ns, rm);
        ok = false;
    } else if (ns >= 0) {
        bool same = mine[0] == gid; /* the primary group first, as setgroups callers expect */
        size_t a = uniq_gids(sys, (size_t)ns), b = uniq_gids(mine, (size_t)nm);
        same = same && a == b && (size_t)nm == b && memcmp(sys, mine, a * sizeof *sys) == 0;
        if (!same)
            fprintf(stderr, "%s: gid sets differ (%zu from getgrouplist, %d from the map)\n", name,
                    a, nm);
        ok = ok && same;
    }
    free(sys);
    free(mine);
    return ok;
}

typedef struct {
    char *name, *home, *shell;
    uid_t uid;
    gid_t gid;
} account;

static size_t read_accounts(account *a, size_t max)
{
    size_t n = 0;
    struct passwd *pw;
    setpwent();
    while (n < max && (pw = getpwent()) != NULL) {
        a[n].name = strdup(pw->pw_name);
        a[n].home = strdup(pw->pw_dir ? pw->pw_dir : "");
        a[n].shell = strdup(pw->pw_shell ? pw->pw_shell : "");
        a[n].uid = pw->pw_uid;
        a[n].gid = pw->pw_gid;
        assert_true(a[n].name && a[n].home && a[n].shell);
        n++;
    }
    endpwent();
    return n;
}

static void free_accounts(account *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].name);
        free(a[i].home);
        free(a[i].shell);
    }
}

/* ---- the test account ---- */

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "ptgm%ld", (long)getpid());
    if (sh("groupadd %sp", base) || sh("groupadd %sa", base) || sh("groupadd %sb", base) ||
        sh("groupadd %sc", base))
        return -1;
    char name[40];
    snprintf(name, sizeof name, "%sa", base);
    struct group *a = getgrnam(name);
    if (!a)
        return -1;
    /* x shares a's gid (after it in the file): getgrgid, and so the map, name it "a". */
    if (sh("groupadd -o -g %u %sx", (unsigned)a->gr_gid, base) ||
        sh("useradd -M -N -d /nonexistent -s /usr/sbin/nologin -g %sp -G %sa,%sb,%sc,%sx %s",
           base, base, base, base, base, base) ||
        sh("gpasswd -a %s %sp >/dev/null", base, base)) /* a member of its own primary group */
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int bad = 0;
    bad |= sh("userdel %s 2>/dev/null || ! getent passwd %s >/dev/null", base, base);
    const char *suffix[] = { "x", "a", "b", "c", "p" };
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++)
        bad |= sh("groupdel %s%s 2>/dev/null || ! getent group %s%s >/dev/null", base, suffix[i],
                  base, suffix[i]);
    return bad ? -1 : 0;
}

static bool has(const pt_user *u, const char *suffix)
{
    char want[40];
    snprintf(want, sizeof want, "%s%s", base, suffix);
    for (size_t i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], want) == 0)
            return true;
    return false;
}

static void test_test_account(void **state)
{
    (void)state;
    struct passwd *pw = getpwnam(base);
    assert_non_null(pw);
    pt_groupmap *m = NULL;
    assert_int_equal(pt_groupmap_load(&m), PT_OK);
    pt_user u;
    assert_int_equal(pt_user_from_passwd_map(&u, m, pw->pw_name, pw->pw_uid, pw->pw_gid,
                                             pw->pw_dir, pw->pw_shell),
                     PT_OK);
    /* primary, a, b, c; x is a's gid (named a); the primary listed as a membership once. */
    assert_int_equal(u.ngroups, 4);
    assert_true(has(&u, "p") && has(&u, "a") && has(&u, "b") && has(&u, "c"));
    assert_false(has(&u, "x"));
    char primary[40];
    snprintf(primary, sizeof primary, "%sp", base);
    assert_string_equal(u.groups[0], primary);
    assert_string_equal(u.home, "/nonexistent");
    assert_int_equal(u.uid, pw->pw_uid);
    pt_user_free(&u);
    assert_true(agrees(m, pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir, pw->pw_shell));
    /* Refusals as pt_user_from_passwd's. */
    assert_int_equal(pt_user_from_passwd_map(&u, m, "a/b", 1, 1, "/", "/bin/sh"), PT_ERR_INVAL);
    assert_int_equal(pt_user_from_passwd_map(&u, m, "..", 1, 1, "/", "/bin/sh"), PT_ERR_INVAL);
    assert_int_equal(pt_user_from_passwd_map(&u, m, "", 1, 1, "/", "/bin/sh"), PT_ERR_INVAL);
    assert_int_equal(pt_user_from_passwd_map(&u, NULL, "root", 0, 0, "/", "/"), PT_ERR_INVAL);
    assert_null(u.groups);
    /* A name in no group: its primary group only. */
    assert_int_equal(pt_user_from_passwd_map(&u, m, "pt-in-no-group", 1, 0, NULL, NULL), PT_OK);
    assert_int_equal(u.ngroups, 1);
    assert_string_equal(u.groups[0], getgrgid(0)->gr_name);
    pt_user_free(&u);
    pt_groupmap_free(m);
}

static void test_every_account(void **state)
{
    (void)state;
    account *a = calloc(MAX_ACCOUNTS, sizeof *a);
    assert_non_null(a);
    bool all = false;
    size_t n = 0;
    for (int t = 0; t < TRIES && !all; t++) {
        if (t > 0)
            sleep(1);
        pt_groupmap *m = NULL;
        assert_int_equal(pt_groupmap_load(&m), PT_OK);
        free_accounts(a, n);
        n = read_accounts(a, MAX_ACCOUNTS);
        assert_true(n > 1);
        all = true;
        for (size_t i = 0; i < n; i++)
            all = agrees(m, a[i].name, a[i].uid, a[i].gid, a[i].home, a[i].shell) && all;
        pt_groupmap_free(m);
    }
    bool seen = false; /* the test account is among them */
    for (size_t i = 0; i < n; i++)
        seen = seen || strcmp(a[i].name, base) == 0;
    free_accounts(a, n);
    free(a);
    assert_true(seen);
    assert_true(all);
}

/* ---- a generated group database, in a private mount namespace ---- */

#define OV_GID 300000
#define OV_GROUPS 1100

/* ov0000..ov1099, gids OV_GID+i, list:
 *   ptgmfull  in ov0001..ov1023            + primary ov0000 = 1024 groups: fine
 *   ptgmprim  in ov0000..ov1023 (1024)     primary among them = 1024: fine
 *   ptgmedge  in ov0001..ov1024 (1024)     + primary ov0000 = 1025: refused
 *   ptgmover  in all 1100: refused
 * and ovbig (over the first 4096-byte buffer) lists ptgmbig twice among 3000 other names and
 * one name longer than a user name can be; ovbigalias shares its gid and lists ptgmbig too. */
static int write_groups(const char *path)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -1;
    fprintf(f, "root:x:0:\n");
    for (int i = 0; i < OV_GROUPS; i++) {
        fprintf(f, "ov%04d:x:%d:ptgmover", i, OV_GID + i);
        if (i >= 1 && i <= 1023)
            fprintf(f, ",ptgmfull");
        if (i <= 1023)
            fprintf(f, ",ptgmprim");
        if (i >= 1 && i <= 1024)
            fprintf(f, ",ptgmedge");
        fprintf(f, "\n");
    }
    fprintf(f, "ovbig:x:%d:ptgmbig", OV_GID + 5000);
    for (int i = 0; i < 3000; i++)
        fprintf(f, ",m%04d", i);
    fprintf(f, ",ptgmbig,");
    for (int i = 0; i < PT_USER_MAX + 10; i++)
        fputc('L', f);
    fprintf(f, "\novbigalias:x:%d:ptgmbig\n", OV_GID + 5000);
    return fclose(f) == 0 ? 0 : -1;
}

/* In the child: 0 when every case holds, else the number of the case that failed. */
static int generated_cases(void)
{
    pt_groupmap *m = NULL;
    pt_user u;
    if (pt_groupmap_load(&m) != PT_OK)
        return 2;
    static const struct {
        const char *name;
        int rc;
        size_t ngroups;
    } want[] = {
        { "ptgmfull", PT_OK, 1024 },        { "ptgmprim", PT_OK, 1024 },
        { "ptgmedge", PT_ERR_INVAL, 0 },    { "ptgmover", PT_ERR_INVAL, 0 },
        { "ptgmbig", PT_OK, 2 },            { "m2999", PT_OK, 2 },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (!agrees(m, want[i].name, 60000, OV_GID, "/", "/bin/sh"))
            return 10 + (int)i;
        int rc = pt_user_from_passwd_map(&u, m, want[i].name, 60000, OV_GID, "/", "/bin/sh");
        if (rc != want[i].rc || (rc == PT_OK && u.ngroups != want[i].ngroups)) {
            fprintf(stderr, "%s: rc %d, %zu groups\n", want[i].name, rc, u.ngroups);
            return 20 + (int)i;
        }
        if (rc == PT_OK)
            pt_user_free(&u);
    }
    pt_groupmap_free(m);
    return 0;
}

static void test_generated_database(void **state)
{
    (void)state;
    char dir[] = "/tmp/pt-groupmap.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/group", dir);
    assert_int_equal(write_groups(path), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Only this process sees the generated file as /etc/group (the type is ignored for
         * these flags; named so that valgrind sees no NULL string). */
        if (unshare(CLONE_NEWNS) != 0 ||
            mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount(path, "/etc/group", "none", MS_BIND, NULL) != 0) {
            fprintf(stderr, "private mount namespace: %s\n", strerror(errno));
            _exit(1);
        }
        _exit(generated_cases());
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    unlink(path);
    rmdir(dir);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_groupmap: needs root (adds an account and mounts); skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_test_account),
        cmocka_unit_test(test_every_account),
        cmocka_unit_test(test_generated_database),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

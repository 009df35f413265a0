/* Account lookup: ids, home, shell and every group by name, checked against the system's own
 * answers; refusals for unknown and malformed names. */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_error.h"
#include "user.h"

static bool has_group(const pt_user *u, const char *name)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], name) == 0)
            return true;
    return false;
}

static void test_lookup_root(void **state)
{
    pt_user u;
    gid_t g[NGROUPS_MAX];
    int n = NGROUPS_MAX;
    (void)state;
    assert_int_equal(pt_user_lookup(&u, "root"), PT_OK);
    assert_string_equal(u.name, "root");
    assert_int_equal(u.uid, 0);
    assert_int_equal(u.gid, 0);
    struct passwd *pw = getpwnam("root");
    assert_non_null(pw);
    assert_string_equal(u.home, pw->pw_dir);
    assert_string_equal(u.shell, pw->pw_shell);
    assert_true(has_group(&u, "root"));
    /* Every named group getgrouplist reports is there. */
    assert_true(getgrouplist("root", 0, g, &n) >= 0);
    size_t named = 0;
    for (int i = 0; i < n; i++) {
        struct group *gr = getgrgid(g[i]);
        if (gr) {
            named++;
            assert_true(has_group(&u, gr->gr_name));
        }
    }
    assert_int_equal(u.ngroups, named);
    pt_user_free(&u);
    assert_null(u.groups);
    assert_int_equal(u.ngroups, 0);
    pt_user_free(&u); /* twice is harmless */
}

static void test_from_passwd(void **state)
{
    pt_user u;
    (void)state;
    /* The groups come from the name and the primary gid given, not from a passwd lookup. */
    assert_int_equal(pt_user_from_passwd(&u, "nobody", 65534, 0, "/nonexistent", "/bin/false"),
                     PT_OK);
    assert_int_equal(u.uid, 65534);
    assert_int_equal(u.gid, 0);
    assert_string_equal(u.home, "/nonexistent");
    assert_string_equal(u.shell, "/bin/false");
    assert_true(has_group(&u, "root"));
    pt_user_free(&u);

    assert_int_equal(pt_user_from_passwd(&u, "x", 1, 1, NULL, NULL), PT_OK);
    assert_string_equal(u.home, "");
    pt_user_free(&u);
}

static void test_refusals(void **state)
{
    pt_user u;
    char longname[PT_USER_MAX + 2];
    char longhome[5000];
    (void)state;
    assert_int_equal(pt_user_lookup(&u, "pt-no-such-user-here"), PT_ERR_NOENT);
    assert_null(u.groups);
    assert_int_equal(pt_user_lookup(&u, "a/b"), PT_ERR_INVAL);
    assert_int_equal(pt_user_lookup(&u, ".."), PT_ERR_INVAL);
    assert_int_equal(pt_user_lookup(&u, "."), PT_ERR_INVAL);
    assert_int_equal(pt_user_lookup(&u, ""), PT_ERR_INVAL);
    assert_int_equal(pt_user_lookup(&u, NULL), PT_ERR_INVAL);
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(pt_user_lookup(&u, longname), PT_ERR_INVAL);
    assert_int_equal(pt_user_from_passwd(&u, longname, 1, 1, "/", "/bin/sh"), PT_ERR_INVAL);
    memset(longhome, 'h', sizeof longhome - 1);
    longhome[0] = '/';
    longhome[sizeof longhome - 1] = '\0';
    assert_int_equal(pt_user_from_passwd(&u, "root", 0, 0, longhome, "/bin/sh"), PT_ERR_INVAL);
    assert_int_equal(pt_user_from_passwd(NULL, "root", 0, 0, "/", "/"), PT_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_root),
        cmocka_unit_test(test_from_passwd),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

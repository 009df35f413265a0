/* The ldap store's values (ldapval.h): user DNs escaped per RFC 4514, names read back from the
 * directory, and the loopback rule for a directory without TLS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ldapval.h"
#include "pt_error.h"

#define BASE "ou=pam_totp,dc=example,dc=org"

static void dn(const char *name, const char *want)
{
    char out[512];
    assert_int_equal(pt_ldap_user_dn(name, strlen(name), BASE, out, sizeof out), PT_OK);
    assert_string_equal(out, want);
}

static void user_dn(void **state)
{
    (void)state;
    dn("alice", "uid=alice," BASE);
    dn("a.b-c_d", "uid=a.b-c_d," BASE);
    /* Every special of RFC 4514 section 2.4: no name can add a component or another RDN. */
    dn("a,ou=admins", "uid=a\\,ou\\=admins," BASE);
    dn("a+cn=x", "uid=a\\+cn\\=x," BASE);
    dn("q\"<>;\\", "uid=q\\\"\\<\\>\\;\\\\," BASE);
    dn("#lead", "uid=\\#lead," BASE);
    dn(" sp ", "uid=\\ sp\\ ," BASE);
    dn("mid#dle", "uid=mid#dle," BASE);
    dn("tab\tnl\n", "uid=tab\\09nl\\0a," BASE);
    char out[512];
    assert_int_equal(pt_ldap_user_dn("a\0b", 3, BASE, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_ldap_user_dn("", 0, BASE, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_ldap_user_dn("a", 1, "", out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_ldap_user_dn("alice", 5, BASE, out, 10), PT_ERR_TOOBIG);
    size_t exact = strlen("uid=alice," BASE) + 1;
    assert_int_equal(pt_ldap_user_dn("alice", 5, BASE, out, exact), PT_OK);
    assert_int_equal(pt_ldap_user_dn("alice", 5, BASE, out, exact - 1), PT_ERR_TOOBIG);
}

static void names(void **state)
{
    (void)state;
    assert_true(pt_ldap_name_ok("alice", 5));
    assert_true(pt_ldap_name_ok("a.b@c", 5));
    assert_false(pt_ldap_name_ok("", 0));
    assert_false(pt_ldap_name_ok(".", 1));
    assert_false(pt_ldap_name_ok("..", 2));
    assert_false(pt_ldap_name_ok("a/b", 3));
    assert_false(pt_ldap_name_ok("a b", 3));
    assert_false(pt_ldap_name_ok("a:b", 3));
    assert_false(pt_ldap_name_ok("a\nb", 3));
    assert_false(pt_ldap_name_ok("a\0b", 3));
    assert_false(pt_ldap_name_ok("\xc3\xa9", 2));
    char longname[257];
    memset(longname, 'a', sizeof longname);
    assert_true(pt_ldap_name_ok(longname, 255));
    assert_false(pt_ldap_name_ok(longname, 256));
}

static void loopback(void **state)
{
    (void)state;
    assert_true(pt_ldap_uris_loopback("ldap://127.0.0.1"));
    assert_true(pt_ldap_uris_loopback("ldap://127.0.0.1:389/"));
    assert_true(pt_ldap_uris_loopback("ldap://127.1.2.3:389 ldap://[::1]:3389 ldap://localhost"));
    assert_false(pt_ldap_uris_loopback(""));
    assert_false(pt_ldap_uris_loopback("ldap://"));
    assert_false(pt_ldap_uris_loopback("ldap://ldap.example.org"));
    assert_false(pt_ldap_uris_loopback("ldap://127.0.0.1 ldap://ldap.example.org"));
    assert_false(pt_ldap_uris_loopback("ldap://127.0.0.1.example.org"));
    assert_false(pt_ldap_uris_loopback("ldap://127.0.0.1@example.org"));
    assert_false(pt_ldap_uris_loopback("ldap://localhost.example.org"));
    assert_false(pt_ldap_uris_loopback("ldap://[::1"));
    assert_false(pt_ldap_uris_loopback("ldap://10.0.0.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_dn),
        cmocka_unit_test(names),
        cmocka_unit_test(loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

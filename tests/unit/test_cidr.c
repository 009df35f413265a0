/* Numeric addresses and CIDR prefixes (common/cidr.c): what parses, what never does (names,
 * empty, junk), IPv4-mapped IPv6, zones, prefix edges, and the trusted-network question for
 * PAM_RHOST values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"
#include "pt_error.h"

static void canon(const char *in, const char *want)
{
    pt_addr a;
    char out[PT_ADDR_STR];
    if (pt_addr_parse(in, &a) != PT_OK)
        fail_msg("\"%s\" did not parse", in);
    assert_int_equal(pt_addr_format(&a, out, sizeof out), PT_OK);
    assert_string_equal(out, want);
}

static void test_addr_parse(void **state)
{
    (void)state;
    canon("192.0.2.7", "192.0.2.7");
    canon("::ffff:192.0.2.7", "192.0.2.7");
    canon("::FFFF:c000:0207", "192.0.2.7");
    canon("0.0.0.0", "0.0.0.0");
    canon("255.255.255.255", "255.255.255.255");
    canon("::1", "::1");
    canon("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    canon("fe80::1%eth0", "fe80::1%eth0");
    canon("fe80::1%2", "fe80::1%2");
    canon("fe80::a:b%enp0s31f6.100", "fe80::a:b%enp0s31f6.100");

    static const char *const refused[] = {
        "", "localhost", "host.example.com", "192.0.2", "192.0.2.7.", "192.0.2.256", "300.1.1.1",
        "0x7f.0.0.1", "127.1", "01.2.3.4", " 192.0.2.7", "192.0.2.7 ", "[::1]", "[::1]:22",
        "192.0.2.7:22", "192.0.2.7%eth0", "fe80::1%", "fe80::1%eth0%eth1", "fe80::1%eth 0",
        "fe80::1%a234567890123456", "fe80::1%e/0", "::ffff:1.1.2.3%7",
        "::ffff:c000:207%eth0", ":::", "1::2::3", "::ffff:1.2.3",
        "1.2.3.4/32", "-", "\xff"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        pt_addr a;
        memset(&a, 0x5a, sizeof a);
        if (pt_addr_parse(refused[i], &a) == PT_OK)
            fail_msg("\"%s\" parsed as an address", refused[i]);
        /* Refused: nothing half-parsed is left behind. */
        pt_addr zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&a, &zero, sizeof a);
    }
    pt_addr a;
    assert_int_equal(pt_addr_parse(NULL, &a), PT_ERR_INVAL);
    char big[200];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(pt_addr_parse(big, &a), PT_ERR_INVAL);
    /* The longest zone (15) parses, one more does not. */
    assert_int_equal(pt_addr_parse("fe80::1%a23456789012345", &a), PT_OK);
    assert_int_equal(pt_addr_parse("fe80::1%a234567890123456", &a), PT_ERR_INVAL);
}

static void test_addr_equal_and_format(void **state)
{
    (void)state;
    pt_addr x, y;
    assert_int_equal(pt_addr_parse("127.0.0.1", &x), PT_OK);
    assert_int_equal(pt_addr_parse("::ffff:127.0.0.1", &y), PT_OK);
    assert_true(pt_addr_equal(&x, &y));
    assert_true(pt_addr_is_v4(&x));
    assert_int_equal(pt_addr_parse("::1", &y), PT_OK);
    assert_false(pt_addr_equal(&x, &y));
    assert_false(pt_addr_is_v4(&y));
    assert_int_equal(pt_addr_parse("fe80::1%eth0", &x), PT_OK);
    assert_int_equal(pt_addr_parse("fe80::1%eth1", &y), PT_OK);
    assert_false(pt_addr_equal(&x, &y));
    assert_int_equal(pt_addr_parse("fe80::1", &y), PT_OK);
    assert_false(pt_addr_equal(&x, &y));
    char small[8];
    assert_int_equal(pt_addr_format(&x, small, sizeof small), PT_ERR_TOOBIG);
    assert_string_equal(small, "");
}

static bool in(const char *cidr, const char *addr)
{
    pt_cidr c;
    pt_addr a;
    const char *why = NULL;
    if (pt_cidr_parse(cidr, &c, &why) != PT_OK)
        fail_msg("\"%s\" refused: %s", cidr, why);
    if (pt_addr_parse(addr, &a) != PT_OK)
        fail_msg("\"%s\" is no address", addr);
    return pt_cidr_contains(&c, &a);
}

static void test_cidr_contains(void **state)
{
    (void)state;
    assert_true(in("10.0.0.0/8", "10.255.1.2"));
    assert_false(in("10.0.0.0/8", "11.0.0.0"));
    assert_false(in("10.0.0.0/8", "9.255.255.255"));
    assert_true(in("192.168.1.0/24", "::ffff:192.168.1.99"));
    assert_false(in("192.168.1.0/24", "192.168.2.1"));
    assert_true(in("192.168.1.7", "192.168.1.7"));
    assert_false(in("192.168.1.7", "192.168.1.8"));
    assert_true(in("192.168.1.7/32", "192.168.1.7"));
    assert_true(in("0.0.0.0/0", "203.0.113.9"));
    assert_false(in("0.0.0.0/0", "2001:db8::1"));
    assert_true(in("10.1.2.3/8", "10.9.9.9")); /* host bits cleared */
    assert_true(in("172.16.0.0/12", "172.31.255.255"));
    assert_false(in("172.16.0.0/12", "172.32.0.0"));
    assert_true(in("10.0.0.128/25", "10.0.0.200"));
    assert_false(in("10.0.0.128/25", "10.0.0.127"));
    assert_true(in("10.0.0.0/31", "10.0.0.1"));
    assert_false(in("10.0.0.0/31", "10.0.0.2"));

    assert_true(in("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(in("2001:db8::/32", "2001:db9::1"));
    assert_true(in("::1", "::1"));
    assert_false(in("::1", "127.0.0.1"));
    assert_false(in("127.0.0.0/8", "::1"));
    assert_true(in("fe80::/10", "fe80::1%eth0"));
    assert_true(in("fe80::/10", "febf::1"));
    assert_false(in("fe80::/10", "fec0::1"));
    assert_true(in("::ffff:10.0.0.0/104", "10.2.3.4"));
    assert_true(in("2001:db8::1/128", "2001:db8::1"));
    assert_false(in("2001:db8::1/127", "2001:db8::2"));
    assert_true(in("2001:db8::/127", "2001:db8::1"));
    assert_true(in("::/0", "2001:db8::1"));
}

static void cidr_bad(const char *s, const char *says)
{
    pt_cidr c;
    const char *why = NULL;
    if (pt_cidr_parse(s, &c, &why) == PT_OK)
        fail_msg("\"%s\" accepted", s);
    assert_non_null(why);
    if (!strstr(why, says))
        fail_msg("\"%s\": \"%s\" lacks \"%s\"", s, why, says);
}

static void test_cidr_refused(void **state)
{
    (void)state;
    cidr_bad("10.0.0.0/33", "0 to 32");
    cidr_bad("2001:db8::/129", "0 to 128");
    cidr_bad("300.1.1.1/8", "not a numeric");
    cidr_bad("junk", "not a numeric");
    cidr_bad("", "empty");
    cidr_bad("10.0.0.0/", "0 to 32");
    cidr_bad("10.0.0.0/+8", "0 to 32");
    cidr_bad("10.0.0.0/08", "0 to 32");
    cidr_bad("10.0.0.0/8 ", "0 to 32");
    cidr_bad("10.0.0.0/1000", "0 to 32");
    cidr_bad("10/8", "not a numeric");
    cidr_bad("fe80::/10%eth0", "zone");
    cidr_bad("fe80::1%eth0", "zone");
    cidr_bad("example.com/24", "names are not allowed");
    pt_cidr c;
    assert_int_equal(pt_cidr_parse(NULL, &c, NULL), PT_ERR_INVAL);
    assert_int_equal(pt_cidr_parse("10.0.0.0/0", &c, NULL), PT_OK);
    assert_int_equal(c.bits, 96);
    assert_int_equal(pt_cidr_parse("::/0", &c, NULL), PT_OK);
    assert_int_equal(c.bits, 0);
}

static void test_lists(void **state)
{
    (void)state;
    char msg[160];
    assert_int_equal(pt_cidr_list_check("", msg, sizeof msg), PT_OK);
    assert_int_equal(pt_cidr_list_check(" , ", msg, sizeof msg), PT_OK);
    assert_int_equal(pt_cidr_list_check("10.0.0.0/8,192.0.2.0/24\t2001:db8::/32", msg, sizeof msg),
                     PT_OK);
    assert_int_equal(pt_cidr_list_check("10.0.0.0/8, 10.0.0.0/33", msg, sizeof msg), PT_ERR_INVAL);
    assert_non_null(strstr(msg, "\"10.0.0.0/33\""));
    assert_int_equal(pt_cidr_list_check("10.0.0.0/8 bogus.example", msg, sizeof msg), PT_ERR_INVAL);
    assert_non_null(strstr(msg, "\"bogus.example\""));
    char big[300];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(pt_cidr_list_check(big, msg, sizeof msg), PT_ERR_INVAL);

    const char *list = "10.0.0.0/8, 192.0.2.0/24 2001:db8::/32,fe80::/10";
    assert_true(pt_rhost_trusted(list, "10.1.2.3"));
    assert_true(pt_rhost_trusted(list, "::ffff:10.1.2.3"));
    assert_true(pt_rhost_trusted(list, "192.0.2.200"));
    assert_true(pt_rhost_trusted(list, "2001:db8::5"));
    assert_true(pt_rhost_trusted(list, "fe80::1%eth0"));
    assert_false(pt_rhost_trusted(list, "11.1.2.3"));
    assert_false(pt_rhost_trusted(list, "2001:db9::5"));
    assert_false(pt_rhost_trusted(list, "::1"));
    /* Never a name, never empty or unset, never with junk around the address. */
    assert_false(pt_rhost_trusted(list, "localhost"));
    assert_false(pt_rhost_trusted(list, "10.1.2.3.example.com"));
    assert_false(pt_rhost_trusted(list, ""));
    assert_false(pt_rhost_trusted(list, NULL));
    assert_false(pt_rhost_trusted(list, "10.1.2.3 "));
    assert_false(pt_rhost_trusted(list, "[10.1.2.3]"));
    assert_false(pt_rhost_trusted("", "10.1.2.3"));
    assert_false(pt_rhost_trusted(NULL, "10.1.2.3"));
    assert_true(pt_rhost_trusted("0.0.0.0/0", "127.0.0.1"));
    assert_false(pt_rhost_trusted("0.0.0.0/0", "::1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_addr_equal_and_format),
        cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_cidr_refused),
        cmocka_unit_test(test_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

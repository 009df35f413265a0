/* The text checks of pam-totp doctor: PAM service files as Linux-PAM reads them (continuations,
 * bracket controls, -type, include lines kept) and what lets a login past pam_totp.so; the
 * output of sshd -T and the sshd checks (keyboard-interactive, UsePAM, AuthenticationMethods,
 * root's key login). The stacks and sshd of a real system are tested through the command in
 * integ_doctor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "doctor.h"
#include "log.h"
#include "pt_error.h"

static void quiet(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx, (void)kind, (void)priority, (void)msg;
}

static bool has(const pt_dr_report *r, const char *check)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].check, check) == 0)
            return true;
    return false;
}

/* Parses text as one service and runs the PAM checks (module dirs: none, so a relative module
 * is "missing"; the checks of interest are named explicitly). */
static void pam_checks(const char *text, pt_dr_report *r, pt_pam_stack *s)
{
    memset(r, 0, sizeof *r);
    memset(s, 0, sizeof *s);
    assert_int_equal(pt_pam_parse_text(text, strlen(text), "/etc/pam.d/t", s, r), PT_OK);
    pt_dr_check_pam(r, "t", s, "/nonexistent");
}

static void test_parse_lines(void **state)
{
    (void)state;
    pt_dr_report r = {0};
    pt_pam_stack s = {0};
    const char *text = "# comment\n"
                       "auth [success=1 default=ignore] pam_unix.so nullok # trailing\n"
                       "-auth optional pam_x.so [a b] c\\\n"
                       "   d\n"
                       "@include common-auth\n"
                       "AUTH include other\n"
                       "bogus required pam_y.so\n";
    assert_int_equal(pt_pam_parse_text(text, strlen(text), "f", &s, &r), PT_OK);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.v[0].control, "success=1 default=ignore");
    assert_string_equal(s.v[0].module, "pam_unix.so");
    assert_int_equal(s.v[0].argc, 1);
    assert_int_equal(s.v[0].lineno, 2);
    assert_true(s.v[1].dash);
    assert_int_equal(s.v[1].argc, 3);
    assert_string_equal(s.v[1].argv[0], "[a b]");
    assert_string_equal(s.v[1].argv[2], "d");
    assert_string_equal(s.v[2].control, "@include");
    assert_string_equal(s.v[2].module, "common-auth");
    assert_string_equal(s.v[3].type, "auth");
    assert_string_equal(s.v[3].control, "include");
    assert_true(has(&r, "pam_syntax")); /* "bogus" is no type */
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
}

static void test_debian_common_auth_is_not_a_skip(void **state)
{
    (void)state;
    pt_dr_report r;
    pt_pam_stack s;
    /* Debian's common-auth, then the module: the jump lands on pam_permit, before the module. */
    pam_checks("auth [success=1 default=ignore] pam_unix.so nullok\n"
               "auth requisite pam_deny.so\n"
               "auth required pam_permit.so\n"
               "account required pam_unix.so\n"
               "auth required /x/pam_totp.so\n", &r, &s);
    assert_false(has(&r, "pam_totp_skippable"));
    assert_false(has(&r, "pam_totp_control"));
    assert_true(has(&r, "pam_totp_missing")); /* /x/pam_totp.so does not exist */
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
}

static void test_skips(void **state)
{
    (void)state;
    static const char *const skippers[] = {
        "auth sufficient pam_permit.so\nauth required pam_totp.so\n",
        "auth [success=done default=ignore] pam_unix.so\nauth required pam_totp.so\n",
        ("auth [success=2 default=ignore] pam_unix.so\nauth requisite pam_deny.so\n"
         "auth required pam_totp.so\nauth required pam_permit.so\n"), /* one stack, two lines */
    };
    for (size_t i = 0; i < sizeof skippers / sizeof skippers[0]; i++) {
        pt_dr_report r;
        pt_pam_stack s;
        pam_checks(skippers[i], &r, &s);
        assert_true(has(&r, "pam_totp_skippable"));
        pt_pam_stack_free(&s);
        pt_dr_free(&r);
    }
    /* A jump over a line of another type does not count: lines of one type form the chain. */
    pt_dr_report r;
    pt_pam_stack s;
    pam_checks("auth [success=1 default=ignore] pam_unix.so\nsession required pam_a.so\n"
               "auth requisite pam_deny.so\nauth required pam_totp.so\n", &r, &s);
    assert_false(has(&r, "pam_totp_skippable"));
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
}

static void test_module_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *check;
    } cases[] = {
        {"auth optional pam_totp.so\n", "pam_totp_control"},
        {"auth sufficient pam_totp.so\n", "pam_totp_control"},
        {"auth [success=ok default=ignore] pam_totp.so\n", "pam_totp_control"},
        {"-auth required pam_totp.so\n", "pam_totp_missing"},
        {"account required pam_totp.so\n", "pam_totp_type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pt_dr_report r;
        pt_pam_stack s;
        pam_checks(cases[i].text, &r, &s);
        assert_true(has(&r, cases[i].check));
        pt_pam_stack_free(&s);
        pt_dr_free(&r);
    }
    pt_dr_report r;
    pt_pam_stack s;
    pam_checks("auth [success=ok default=die] pam_totp.so\n", &r, &s);
    assert_false(has(&r, "pam_totp_control"));
    pt_pam_stack_free(&s);
    pt_dr_free(&r);

    /* The two-line stack of earlier releases: the forward_pass line checks no code. */
    pam_checks("auth required pam_totp.so forward_pass\nauth required pam_unix.so try_first_pass\n",
               &r, &s);
    assert_true(has(&r, "pam_totp_forward_unchecked"));
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
    pam_checks("auth required pam_totp.so forward_pass\nauth requisite pam_unix.so use_first_pass\n"
               "auth required pam_totp.so\n", &r, &s);
    assert_false(has(&r, "pam_totp_forward_unchecked"));
    assert_false(has(&r, "pam_totp_forward_not_requisite"));
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
    /* Only the third line added to the old stack: the password line is still `required`. */
    pam_checks("auth required pam_totp.so forward_pass\nauth required pam_unix.so try_first_pass\n"
               "auth required pam_totp.so\n", &r, &s);
    assert_true(has(&r, "pam_totp_forward_not_requisite"));
    assert_false(has(&r, "pam_totp_forward_unchecked"));
    pt_pam_stack_free(&s);
    pt_dr_free(&r);
}

#define SSHD_BASE "usepam yes\npubkeyauthentication yes\npasswordauthentication yes\n"

static void sshd(const char *any_text, const char *root_text, pt_dr_report *r)
{
    pt_sshd_view any, root;
    memset(r, 0, sizeof *r);
    assert_int_equal(pt_sshd_parse(any_text, strlen(any_text), &any), PT_OK);
    assert_int_equal(pt_sshd_parse(root_text, strlen(root_text), &root), PT_OK);
    pt_dr_check_sshd(r, "sshd -T", &any, &root);
}

static void test_sshd(void **state)
{
    (void)state;
    pt_dr_report r;
    const char *stock = SSHD_BASE "kbdinteractiveauthentication no\n"
                                  "permitrootlogin without-password\nauthenticationmethods any\n";
    sshd(stock, stock, &r);
    assert_true(has(&r, "sshd_kbdint_disabled"));
    pt_dr_free(&r);

    const char *readme = SSHD_BASE "kbdinteractiveauthentication yes\n"
                                   "permitrootlogin without-password\n"
                                   "authenticationmethods keyboard-interactive\n";
    const char *readme_root = SSHD_BASE "kbdinteractiveauthentication yes\n"
                                        "permitrootlogin without-password\n"
                                        "authenticationmethods publickey\n";
    sshd(readme, readme_root, &r);
    assert_int_equal(r.n, 0);
    pt_dr_free(&r);

    sshd(readme, readme, &r); /* no Match block for root */
    assert_true(has(&r, "sshd_root_key_lost"));
    pt_dr_free(&r);

    const char *any = SSHD_BASE "kbdinteractiveauthentication yes\n"
                                "permitrootlogin no\nauthenticationmethods any\n";
    sshd(any, any, &r);
    assert_true(has(&r, "sshd_methods_bypass"));
    assert_false(has(&r, "sshd_root_key_lost"));
    pt_dr_free(&r);

    const char *two = SSHD_BASE "kbdinteractiveauthentication yes\npermitrootlogin no\n"
                                "authenticationmethods publickey,keyboard-interactive:pam "
                                "publickey\n";
    sshd(two, two, &r);
    assert_true(has(&r, "sshd_methods_bypass"));
    pt_dr_free(&r);

    const char *nopam = "usepam no\npubkeyauthentication yes\npasswordauthentication yes\n"
                        "kbdinteractiveauthentication yes\npermitrootlogin no\n";
    sshd(nopam, nopam, &r);
    assert_true(has(&r, "sshd_usepam_no"));
    pt_dr_free(&r);

    pt_sshd_view v;
    assert_int_equal(pt_sshd_parse("port 22\n", 8, &v), PT_ERR_INVAL);
}

static void test_report(void **state)
{
    (void)state;
    pt_dr_report r = {0};
    pt_dr_add(&r, PT_DR_BREAKS, "a", "w", "fix", "p %d", 1);
    pt_dr_add(&r, PT_DR_BREAKS, "a", "w", "fix", "p %d", 2); /* the same check and place */
    pt_dr_add(&r, PT_DR_ADVICE, "b", "w", "fix", "p");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.v[0].problem, "p 1");
    assert_int_equal(pt_dr_count(&r, PT_DR_BREAKS), 1);
    pt_dr_ignore(&r, "x,a");
    assert_int_equal(pt_dr_count(&r, PT_DR_BREAKS), 0);
    pt_dr_free(&r);
}

int main(void)
{
    pt_log_set_sink(quiet, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lines),
        cmocka_unit_test(test_debian_common_auth_is_not_a_skip),
        cmocka_unit_test(test_skips),
        cmocka_unit_test(test_module_line),
        cmocka_unit_test(test_sshd),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

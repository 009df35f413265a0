/* Fuzzes the text parsers of pam-totp doctor: a PAM service file (pt_pam_parse_text, then the
 * stack checks over what it parsed) and the output of `sshd -T` (pt_sshd_parse, then the sshd
 * checks). Properties: every parsed line has a type, a control and a module within their
 * buffers and at most PT_PAM_ARGS_MAX arguments; every finding's texts are terminated. */
#include "fuzz_util.h"

#include "doctor.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void check_report(const pt_dr_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const pt_dr_finding *f = &r->v[i];
        FUZZ_ASSERT(memchr(f->where, 0, sizeof f->where) != NULL);
        FUZZ_ASSERT(memchr(f->problem, 0, sizeof f->problem) != NULL);
        FUZZ_ASSERT(memchr(f->fix, 0, sizeof f->fix) != NULL);
        FUZZ_ASSERT(f->severity <= PT_DR_ADVICE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 128 * 1024)
        return 0;
    char *text = fuzz_copy_cstr(data, size);
    if (text == NULL)
        return 0;
    size_t len = strlen(text);

    pt_dr_report r = {0};
    pt_pam_stack s = {0};
    int rc = pt_pam_parse_text(text, len, "/etc/pam.d/fuzz", &s, &r);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_NOMEM);
    for (size_t i = 0; i < s.n; i++) {
        const pt_pam_line *l = &s.v[i];
        FUZZ_ASSERT(memchr(l->type, 0, sizeof l->type) != NULL);
        FUZZ_ASSERT(memchr(l->control, 0, sizeof l->control) != NULL);
        FUZZ_ASSERT(memchr(l->module, 0, sizeof l->module) != NULL);
        FUZZ_ASSERT(l->argc >= 0 && l->argc <= PT_PAM_ARGS_MAX);
        for (int a = 0; a < l->argc; a++)
            FUZZ_ASSERT(l->argv[a] != NULL);
    }
    pt_dr_check_pam(&r, "fuzz", &s, "/nonexistent");
    pt_pam_stack_free(&s);

    pt_sshd_view any, root;
    if (pt_sshd_parse(text, len, &any) == PT_OK) {
        FUZZ_ASSERT(memchr(any.methods, 0, sizeof any.methods) != NULL);
        root = any;
        pt_dr_check_sshd(&r, "sshd -T", &any, &root);
    }
    check_report(&r);
    pt_dr_free(&r);
    free(text);
    return 0;
}

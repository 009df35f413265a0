/* pt-pam_harness: drives one PAM authentication through real libpam, using a service directory of
 * the test's own (pam_start_confdir, libpam >= 1.4).
 *
 *   pt-pam_harness [--confdir DIR] [--service NAME] [--silent] USER [ANSWER...]
 *
 * Every message the stack sends is printed on stdout, one line each:
 *   PROMPT_ECHO_OFF: text | PROMPT_ECHO_ON: text | INFO: text | ERROR: text
 * Prompts are answered with the ANSWERs in order; a prompt with no answer left fails the
 * conversation (PAM_CONV_ERR), like a client that hung up. (libpam refuses PAM_AUTHTOK set by an
 * application, so a password step is simulated with pam_wrapper's pam_set_items.so in the
 * stack instead.) The last line is "RESULT: <pam_strerror> (<n>)", and the exit
 * status is the PAM return code n (0 = PAM_SUCCESS). */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct answers {
    char **v;
    int n, next;
};

static const char *style_name(int style)
{
    switch (style) {
    case PAM_PROMPT_ECHO_OFF: return "PROMPT_ECHO_OFF";
    case PAM_PROMPT_ECHO_ON: return "PROMPT_ECHO_ON";
    case PAM_ERROR_MSG: return "ERROR";
    case PAM_TEXT_INFO: return "INFO";
    default: return "UNKNOWN";
    }
}

static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct answers *a = data;
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        int style = msg[i]->msg_style;
        printf("%s: %s\n", style_name(style), msg[i]->msg ? msg[i]->msg : "");
        if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
            continue;
        if (a->next >= a->n) {
            for (int j = 0; j < i; j++)
                free(r[j].resp);
            free(r);
            return PAM_CONV_ERR;
        }
        r[i].resp = strdup(a->v[a->next++]);
        if (r[i].resp == NULL) {
            for (int j = 0; j < i; j++)
                free(r[j].resp);
            free(r);
            return PAM_BUF_ERR;
        }
    }
    fflush(stdout);
    *resp = r;
    return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
    const char *confdir = NULL, *service = "pt-test", *rhost = NULL;
    int flags = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--confdir") == 0 && i + 1 < argc)
            confdir = argv[++i];
        else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
            service = argv[++i];
        else if (strcmp(argv[i], "--silent") == 0)
            flags |= PAM_SILENT;
        else if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
            rhost = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--confdir DIR] [--service NAME] [--silent] [--rhost HOST] USER [ANSWER...]\n", argv[0]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "%s: USER missing\n", argv[0]);
        return 2;
    }
    const char *user = argv[i++];
    struct answers a = { .v = argv + i, .n = argc - i, .next = 0 };
    struct pam_conv conv = { converse, &a };
    pam_handle_t *pamh = NULL;
    int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
    if (rc == PAM_SUCCESS && rhost != NULL)
        rc = pam_set_item(pamh, PAM_RHOST, rhost);
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(pamh, flags);
    printf("RESULT: %s (%d)\n", pamh ? pam_strerror(pamh, rc) : "pam_start failed", rc);
    fflush(stdout);
    if (pamh != NULL)
        pam_end(pamh, rc);
    return rc;
}

/* See conv.h. */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

int bench_converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    bench_conv_data *d = data;
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        int style = msg[i]->msg_style;
        if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
            continue;
        if (d->asked++ > 0 || (r[i].resp = strdup(d->answer)) == NULL) {
            for (int j = 0; j < i; j++)
                free(r[j].resp);
            free(r);
            return PAM_CONV_ERR;
        }
    }
    *resp = r;
    return PAM_SUCCESS;
}

void bench_no_delay(int retval, unsigned usec_delay, void *appdata)
{
    (void)retval, (void)usec_delay, (void)appdata;
}

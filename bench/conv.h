/* The benchmark's PAM conversation, shared by the in-process loop (login_bench.c) and the
 * fresh-process child (login_child.c): one prepared answer to the one prompt, and no failure
 * delay (a refused replay in the sanity check should not sleep). */
#ifndef PT_BENCH_CONV_H
#define PT_BENCH_CONV_H

#include <security/pam_appl.h>

typedef struct {
    const char *answer;
    int asked;
} bench_conv_data;

/* Answers the first prompt with d->answer; informational messages are ignored. A second prompt
 * fails the conversation, like a client with nothing more to say. */
int bench_converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data);

/* For PAM_FAIL_DELAY: no delay. */
void bench_no_delay(int retval, unsigned usec_delay, void *appdata);

#endif

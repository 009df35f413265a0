/* The conversation with the user. Texts go to the application as data ("%s"), so nothing a user
 * or a file supplies can act as a format. Answers are wiped before they are freed. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "totp.h"

#define PTM_TEXT_MAX PAM_MAX_MSG_SIZE

int ptm_prompt(ptm_ctx *m, const char *text, bool echo, char **answer)
{
    *answer = NULL;
    int rc = pam_prompt(m->pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, answer, "%s",
                        text);
    if (rc != PAM_SUCCESS) {
        ptm_answer_free(answer);
        return rc;
    }
    if (*answer == NULL)
        return PAM_CONV_ERR; /* a client that returns no response at all */
    return PAM_SUCCESS;
}

static void vsay(ptm_ctx *m, int style, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vsay(ptm_ctx *m, int style, const char *fmt, va_list ap)
{
    char buf[PTM_TEXT_MAX];
    if (m->quiet)
        return;
    if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
        return;
    /* The reply (none for messages) does not matter: text is a courtesy. */
    char *ignored = NULL;
    (void)pam_prompt(m->pamh, style, &ignored, "%s", buf);
    ptm_answer_free(&ignored);
}

void ptm_info(ptm_ctx *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, PAM_TEXT_INFO, fmt, ap);
    va_end(ap);
}

void ptm_error(ptm_ctx *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, PAM_ERROR_MSG, fmt, ap);
    va_end(ap);
}

bool ptm_can_notice(const ptm_ctx *m)
{
    return (m->flags & PAM_SILENT) != 0 && !m->opt.silent && !m->opt.use_first_pass &&
           !m->opt.forward_pass;
}

void ptm_notice(ptm_ctx *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!m->quiet) {
        vsay(m, PAM_ERROR_MSG, fmt, ap);
    } else if (ptm_can_notice(m)) {
        static const char tail[] = " Press Enter: ";
        char buf[PTM_TEXT_MAX];
        if (vsnprintf(buf, sizeof(buf) - sizeof(tail), fmt, ap) >= 0) {
            strcat(buf, tail);
            char *ignored = NULL;
            (void)ptm_prompt(m, buf, true, &ignored); /* only waits: the answer is not used */
            ptm_answer_free(&ignored);
        }
    }
    va_end(ap);
}

void ptm_answer_free(char **answer)
{
    if (*answer != NULL) {
        pt_wipe(*answer, strlen(*answer));
        free(*answer);
        *answer = NULL;
    }
}

/* Packs lines[*next..] into one message of at most PAM_MAX_MSG_SIZE - 1 bytes, joined by
 * newlines; a single line longer than that is cut (never happens for our texts). */
static char *pack_message(const char *const *lines, size_t nlines, size_t *next)
{
    char *msg = malloc(PTM_TEXT_MAX);
    if (msg == NULL)
        return NULL;
    size_t len = 0;
    msg[0] = '\0';
    while (*next < nlines) {
        const char *line = lines[*next];
        size_t l = strlen(line);
        size_t need = l + (len > 0 ? 1 : 0);
        if (len > 0 && len + need > PTM_TEXT_MAX - 1)
            break;
        if (len > 0)
            msg[len++] = '\n';
        if (l > PTM_TEXT_MAX - 1 - len)
            l = PTM_TEXT_MAX - 1 - len;
        memcpy(msg + len, line, l);
        len += l;
        msg[len] = '\0';
        (*next)++;
    }
    return msg;
}

size_t ptm_count_messages(const char *const *lines, size_t nlines)
{
    size_t next = 0, count = 0;
    while (next < nlines) {
        size_t len = 0;
        /* The same greedy packing as pack_message, without copying. */
        while (next < nlines) {
            size_t l = strlen(lines[next]);
            if (len > 0 && len + 1 + l > PTM_TEXT_MAX - 1)
                break;
            len += (len > 0 ? 1 : 0) + (l > PTM_TEXT_MAX - 1 ? PTM_TEXT_MAX - 1 : l);
            next++;
        }
        count++;
    }
    return count;
}

static void free_messages(struct pam_message *msgs, int n)
{
    for (int i = 0; i < n; i++) {
        char *t = (char *)msgs[i].msg;
        if (t != NULL) {
            pt_wipe(t, strlen(t)); /* may hold the secret or backup codes */
            free(t);
        }
    }
}

static void free_responses(struct pam_response *resp, int n)
{
    if (resp == NULL)
        return;
    for (int i = 0; i < n; i++)
        ptm_answer_free(&resp[i].resp);
    free(resp);
}

/* One conversation call: up to PAM_MAX_NUM_MSG - 1 info messages from lines[*next..], then the
 * prompt. Returns the answer to the prompt. */
static int converse_once(const struct pam_conv *conv, const char *const *lines,
                         size_t nlines, size_t *next, const char *prompt, bool echo,
                         char **answer)
{
    struct pam_message msgs[PAM_MAX_NUM_MSG];
    const struct pam_message *ptrs[PAM_MAX_NUM_MSG];
    int n = 0, rc = PAM_SUCCESS;
    memset(msgs, 0, sizeof(msgs));
    while (*next < nlines && n < PAM_MAX_NUM_MSG - 1) {
        char *t = pack_message(lines, nlines, next);
        if (t == NULL) {
            rc = PAM_BUF_ERR;
            break;
        }
        msgs[n].msg_style = PAM_TEXT_INFO;
        msgs[n].msg = t;
        n++;
    }
    if (rc == PAM_SUCCESS) {
        msgs[n].msg_style = echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;
        msgs[n].msg = strdup(prompt);
        if (msgs[n].msg == NULL)
            rc = PAM_BUF_ERR;
        n++;
    }
    for (int i = 0; i < n; i++)
        ptrs[i] = &msgs[i];
    struct pam_response *resp = NULL;
    if (rc == PAM_SUCCESS)
        rc = conv->conv(n, ptrs, &resp, conv->appdata_ptr);
    if (rc == PAM_SUCCESS && (resp == NULL || resp[n - 1].resp == NULL))
        rc = PAM_CONV_ERR;
    if (rc == PAM_SUCCESS) {
        *answer = resp[n - 1].resp;
        resp[n - 1].resp = NULL;
    }
    free_responses(resp, n);
    free_messages(msgs, n);
    return rc;
}

int ptm_blocks_prompt(ptm_ctx *m, const char *const *lines, size_t nlines, const char *prompt,
                      bool echo, char **answer)
{
    const struct pam_conv *conv = NULL;
    *answer = NULL;
    int rc = pam_get_item(m->pamh, PAM_CONV, (const void **)&conv);
    if (rc != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
        return PAM_CONV_ERR;
    size_t next = 0;
    /* More text than one call can carry: continue with "Press Enter" prompts in between. */
    for (;;) {
        size_t before = next;
        /* Does the rest fit into this call? */
        bool last = ptm_count_messages(lines + next, nlines - next) <= PAM_MAX_NUM_MSG - 1;
        rc = converse_once(conv, lines, nlines, &next, last ? prompt : "Press Enter to continue: ",
                           last ? echo : true, answer);
        if (rc != PAM_SUCCESS || last)
            return rc;
        ptm_answer_free(answer);
        if (next == before)
            return PAM_BUF_ERR; /* no progress: cannot happen, but never loop forever */
    }
}

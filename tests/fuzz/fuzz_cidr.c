/* Fuzzes the address and prefix parsers (common/cidr.c) and the trusted_networks list. The input
 * is split at the first newline: before it a list of prefixes, after it an rhost. Properties:
 * whatever parses as an address formats to a canonical text that parses to the same address and
 * formats to itself; a parsed prefix contains its own network address and every address
 * pt_rhost_trusted accepts parses; a list that checks out matches exactly what one of its items
 * matches. */
#include "fuzz_util.h"

#include "cidr.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void check_addr(const char *s)
{
    pt_addr a, b;
    char text[PT_ADDR_STR], again[PT_ADDR_STR];
    if (pt_addr_parse(s, &a) != PT_OK)
        return;
    FUZZ_ASSERT(strlen(s) <= PT_ADDR_TEXT_MAX);
    FUZZ_ASSERT(pt_addr_format(&a, text, sizeof text) == PT_OK);
    FUZZ_ASSERT(pt_addr_parse(text, &b) == PT_OK);
    FUZZ_ASSERT(pt_addr_equal(&a, &b));
    FUZZ_ASSERT(pt_addr_format(&b, again, sizeof again) == PT_OK);
    FUZZ_ASSERT(strcmp(text, again) == 0);
    /* A buffer one byte short is refused, never overrun. */
    size_t need = strlen(text) + 1;
    char *small = malloc(need - 1);
    FUZZ_ASSERT(small != NULL);
    FUZZ_ASSERT(pt_addr_format(&a, small, need - 1) == PT_ERR_TOOBIG);
    free(small);
}

static void check_cidr(const char *s)
{
    pt_cidr c;
    const char *why = NULL;
    int rc = pt_cidr_parse(s, &c, &why);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_INVAL);
    if (rc != PT_OK) {
        FUZZ_ASSERT(why != NULL);
        return;
    }
    FUZZ_ASSERT(c.bits <= 128);
    pt_addr net;
    memset(&net, 0, sizeof net);
    memcpy(net.a, c.a, sizeof net.a);
    FUZZ_ASSERT(pt_cidr_contains(&c, &net));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *in = fuzz_copy_cstr(data, size);
    if (in == NULL)
        return 0;
    char *nl = strchr(in, '\n');
    const char *list = in, *rhost = "";
    if (nl) {
        *nl = '\0';
        rhost = nl + 1;
    }
    check_addr(rhost);
    check_addr(list);
    check_cidr(list);
    check_cidr(rhost);

    char msg[160];
    int rc = pt_cidr_list_check(list, msg, sizeof msg);
    FUZZ_ASSERT(rc == PT_OK || rc == PT_ERR_INVAL);
    FUZZ_ASSERT(rc == PT_OK || msg[0] != '\0');
    bool trusted = pt_rhost_trusted(list, rhost);
    if (trusted) {
        pt_addr a;
        FUZZ_ASSERT(pt_addr_parse(rhost, &a) == PT_OK);
        FUZZ_ASSERT(pt_cidr_list_match(list, &a));
    }
    free(in);
    return 0;
}

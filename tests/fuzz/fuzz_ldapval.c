/* Fuzzes what the ldap store makes of names and URIs (ldapval.h). Properties: the DN of any name
 * is "uid=" + an escaped value + "," + base, in which no unescaped separator (',', '+', '=') or
 * control byte can appear, so no name reaches another entry; a name accepted from the directory
 * is printable and cannot climb out of a directory; the loopback test never reads past the
 * string. Input: one byte choosing the part, then the text. */
#include "fuzz_util.h"

#include "ldapval.h"
#include "pt_error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

#define BASE "ou=pam_totp,dc=example,dc=org"

/* The escaped value ends at the first unescaped ',' and holds no unescaped '+', '=' or bytes
 * below 0x20. Returns its length. */
static size_t check_value(const char *v)
{
    size_t i = 0;
    for (; v[i] && v[i] != ','; i++) {
        unsigned char c = (unsigned char)v[i];
        FUZZ_ASSERT(c >= 0x20 && c != 0x7f);
        FUZZ_ASSERT(c != '+' && c != '=' && c != ';' && c != '<' && c != '>' && c != '"');
        if (c == '\\') {
            i++;
            FUZZ_ASSERT(v[i] != '\0');
            if (strchr("0123456789abcdef", v[i]) && v[i] != '\0') {
                FUZZ_ASSERT(v[i + 1] != '\0');
                if (strchr("0123456789abcdef", v[i + 1]))
                    i++;
            }
        }
    }
    return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *in = fuzz_copy_exact(data + 1, size - 1);
    if (!in)
        return 0;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: {
        char dn[3 * 4096 + sizeof BASE + 8];
        int rc = pt_ldap_user_dn(in, n, BASE, dn, sizeof dn);
        if (memchr(in, '\0', n) || n == 0) {
            FUZZ_ASSERT(rc == PT_ERR_INVAL);
            break;
        }
        FUZZ_ASSERT(rc == PT_OK);
        FUZZ_ASSERT(strncmp(dn, "uid=", 4) == 0);
        size_t vl = check_value(dn + 4);
        FUZZ_ASSERT(strcmp(dn + 4 + vl, "," BASE) == 0);
        char small[16];
        rc = pt_ldap_user_dn(in, n, BASE, small, sizeof small);
        FUZZ_ASSERT(rc == PT_ERR_TOOBIG);
        break;
    }
    case 1:
        if (pt_ldap_name_ok(in, n)) {
            FUZZ_ASSERT(n >= 1 && n <= 255);
            FUZZ_ASSERT(!memchr(in, '/', n) && !memchr(in, '\0', n) && !memchr(in, ',', n));
            FUZZ_ASSERT(!(n <= 2 && in[0] == '.' && (n == 1 || in[1] == '.')));
        }
        break;
    default: {
        char *z = malloc(n + 1);
        if (!z)
            break;
        memcpy(z, in, n);
        z[n] = '\0';
        (void)pt_ldap_uris_loopback(z);
        free(z);
        break;
    }
    }
    free(in);
    return 0;
}

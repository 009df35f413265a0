/* Numeric network addresses and CIDR prefixes, for trusted_networks and remembered hosts.
 * Pure: no DNS, no I/O. Addresses parse with inet_pton(3) only, so a host name never becomes an
 * address (a name in PAM_RHOST, for instance from sshd's `UseDNS yes`, never matches anything).
 *
 * IPv4 is held as an IPv4-mapped IPv6 address (RFC 4291 section 2.5.5.2, ::ffff:a.b.c.d), so
 * "192.0.2.7" and "::ffff:192.0.2.7" are the same address and an IPv4 prefix a.b.c.d/n is the
 * IPv6 prefix ::ffff:a.b.c.d/(96+n). */
#ifndef PT_CIDR_H
#define PT_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_ZONE_MAX 16      /* an interface name (IFNAMSIZ) or a numeric scope id, plus NUL */
#define PT_ADDR_TEXT_MAX 64 /* the longest address text accepted, zone included */
/* INET6_ADDRSTRLEN (46) + '%' + zone: enough for any canonical form pt_addr_format writes. */
#define PT_ADDR_STR 64

typedef struct {
    uint8_t a[16];          /* network byte order; IPv4 as ::ffff:a.b.c.d */
    char zone[PT_ZONE_MAX]; /* IPv6 scope ("eth0" of fe80::1%eth0), "" when none */
} pt_addr;

typedef struct {
    uint8_t a[16];          /* the network, host bits cleared */
    unsigned bits;          /* prefix length over the 128-bit form: 0..128 */
} pt_cidr;

/* True when the address is IPv4 (or IPv4-mapped IPv6). */
bool pt_addr_is_v4(const pt_addr *a);

/* Parses a numeric address: dotted-quad IPv4 (inet_pton, so no octal, hex or short forms) or
 * IPv6 text, which may end in "%ZONE" (1 to 15 of [A-Za-z0-9._-]; not on an IPv4-mapped
 * address, which is IPv4). NULL, "", names, brackets,
 * ports and anything longer than PT_ADDR_TEXT_MAX bytes are refused. PT_OK or PT_ERR_INVAL. */
int pt_addr_parse(const char *s, pt_addr *out);

/* Canonical text: "a.b.c.d" for IPv4 (mapped ones included), inet_ntop's IPv6 form otherwise,
 * then "%zone" when there is one. PT_OK, or PT_ERR_TOOBIG when outsz is too small. */
int pt_addr_format(const pt_addr *a, char *out, size_t outsz);

/* Same address and same zone. */
bool pt_addr_equal(const pt_addr *x, const pt_addr *y);

/* Parses "ADDRESS[/LEN]": IPv4 with LEN 0..32, IPv6 with LEN 0..128 (no zone); without LEN the
 * prefix is the single address. LEN is decimal without sign or leading zeros. Host bits beyond
 * LEN are cleared (10.1.2.3/8 is 10.0.0.0/8). On error returns PT_ERR_INVAL and, when why is
 * given, a static text saying what is wrong. */
int pt_cidr_parse(const char *s, pt_cidr *out, const char **why);

/* Is the address inside the prefix? The zone plays no part (fe80::1%eth0 is in fe80::/10). */
bool pt_cidr_contains(const pt_cidr *c, const pt_addr *a);

/* A list of prefixes separated by whitespace or commas, as trusted_networks holds it.
 * pt_cidr_list_check: PT_OK when every item parses (an empty list is fine); otherwise
 * PT_ERR_INVAL with a message naming the first bad item written to msg.
 * pt_cidr_list_match: true when the address is inside any valid item (invalid items never
 * match; the config loader has refused them already). */
int pt_cidr_list_check(const char *list, char *msg, size_t msgsz);
bool pt_cidr_list_match(const char *list, const pt_addr *a);

/* The whole trusted-network question for a PAM_RHOST value: true only when rhost parses as a
 * numeric address inside one of the list's prefixes. NULL, "", and names are false. */
bool pt_rhost_trusted(const char *list, const char *rhost);

#endif

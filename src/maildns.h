/* SPDX-License-Identifier: MIT */
/*
 * Mail DNS: what MX, PTR and DNSBL answers mean for mail (RFC 5321 5.1,
 * RFC 7505, RFC 2181 10.3, FCrDNS, RFC 5782). Pure functions over struct
 * dns_answer (unit-tested with canned answers), plus resolvers that run the
 * queries concurrently through dns.c and fill the same reports. Never prints:
 * cmd_dns.c and shell.c present the reports.
 */
#ifndef SMTPSH_MAILDNS_H
#define SMTPSH_MAILDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "target.h"

/* ------------------------------------------------------------------ names and addresses */

/* Copy src into dst of size bytes, cut if need be, always terminated. */
void maildns_copy(char *dst, size_t size, const char *src);
/* "Example.TEST." and "example.test" are the same host name. */
bool maildns_same_name(const char *a, const char *b);
/* The name without its final dot, into out ("." stays "."). */
const char *maildns_undot(const char *name, char *out, size_t outlen);
/* The name is an address literal: "192.0.2.1", "192.0.2.1.", "[192.0.2.1]", "[IPv6:...]". */
bool maildns_is_ip_literal(const char *name);
/* Numeric addresses equal once parsed ("::1" == "0::1"); false when either is not one. */
bool maildns_addr_equal(const char *a, const char *b);
/* The kind of a numeric address, for reports. */
enum maildns_addr_class {
	MAILDNS_ADDR_PUBLIC = 0,
	MAILDNS_ADDR_LOOPBACK,   /* 127.0.0.0/8, ::1 */
	MAILDNS_ADDR_PRIVATE,    /* RFC 1918, RFC 4193 fc00::/7, 100.64/10 (RFC 6598) */
	MAILDNS_ADDR_LINKLOCAL,  /* 169.254/16, fe80::/10 */
	MAILDNS_ADDR_RESERVED,   /* 0/8, 240/4, multicast, documentation (RFC 5737, 3849) ... */
	MAILDNS_ADDR_INVALID,    /* not a numeric address */
};
enum maildns_addr_class maildns_addr_class(const char *addr);
const char *maildns_addr_class_name(enum maildns_addr_class c);

/* ------------------------------------------------------------------ MX (RFC 5321 5.1, RFC 7505) */

enum mx_host_flag {
	MXH_NULL = 1u << 0,        /* the exchange is "." (null MX) */
	MXH_CNAME = 1u << 1,       /* the exchange is an alias: not allowed (RFC 2181 10.3) */
	MXH_IP_LITERAL = 1u << 2,  /* the exchange is an address, not a host name */
	MXH_NO_ADDRESS = 1u << 3,  /* the address lookups succeeded but found nothing */
	MXH_ADDR_TEMP = 1u << 4,   /* an address lookup failed (SERVFAIL, timeout, bogus) */
	MXH_NXDOMAIN = 1u << 5,    /* the exchange does not exist */
	MXH_LOOPBACK = 1u << 6,    /* an address is a loopback address */
	MXH_PRIVATE = 1u << 7,     /* an address is private, link-local or reserved */
};

struct mx_host {
	char *name;                /* the exchange, absolute ("mx1.example.test.") */
	uint16_t pref;
	unsigned flags;            /* enum mx_host_flag */
	char **addrs;              /* A then AAAA, numeric */
	size_t naddrs;
	char *alias_of;            /* MXH_CNAME: the end of the CNAME chain */
	int rcode_a, rcode_aaaa;   /* of the address lookups; -2: not looked up */
	enum dns_sec sec_a, sec_aaaa;
	char error[200];           /* why an address lookup failed */
};

enum mx_kind {
	MX_LIST,        /* MX records */
	MX_IMPLICIT,    /* no MX records (NODATA): the domain's own address, preference 0 */
	MX_NULL,        /* "0 ." alone: the domain accepts no mail (RFC 7505) */
	MX_NXDOMAIN,    /* the domain does not exist: a hard error */
	MX_TEMPFAIL,    /* SERVFAIL, timeout, refused, bogus: a temporary error */
	MX_NONE,        /* no MX records and no address records */
};

struct mx_report {
	char *domain;              /* as asked, absolute */
	enum mx_kind kind;
	int rcode;                 /* of the MX query, -1: no answer */
	enum dns_sec sec;          /* of the MX answer */
	char error[200];           /* why there was no answer / why bogus */
	char **cnames;             /* the domain is an alias: the chain followed */
	size_t ncnames;
	bool null_mixed;           /* "0 ." together with other MX records: misconfigured */
	struct mx_host *hosts;     /* by preference, then name (for display) */
	size_t nhosts;
	size_t usable;             /* hosts with at least one address (after mx_finish) */
};

/* The MX answer for domain (as asked) -> kind, hosts sorted, null MX, IP literals.
 * For MX_IMPLICIT one host is made: the domain itself (the end of its CNAME chain), 0. */
void mx_analyse(const char *domain, const struct dns_answer *mx, struct mx_report *out);
/* Fold an A or AAAA answer about host i into the report. */
void mx_add_addresses(struct mx_report *r, size_t i, const struct dns_answer *a);
/* After the address answers: usable count, loopback/private flags, implicit MX without
 * addresses -> MX_NONE. */
void mx_finish(struct mx_report *r);
void mx_report_finish(struct mx_report *r);

/* The order a sending MTA tries the hosts in: lowest preference first, equal preferences
 * shuffled with rnd (NULL: keep the display order), the null MX left out. order has room
 * for r->nhosts; returns how many it filled. */
typedef unsigned mx_rand_fn(void *ctx);
size_t mx_order(const struct mx_report *r, size_t *order, mx_rand_fn *rnd, void *ctx);

/* MX query, then every exchange's A and AAAA at once. false only for local errors (not a
 * domain name, no resolver); DNS failures are in the report. */
bool mx_resolve(struct dns *d, const char *domain, struct mx_report *out, struct err *e);

/* An mx: connection: the resolved hosts in delivery order and the next one to try. */
struct mx_route {
	char domain[256];          /* as given, without port */
	char port[8];
	enum target_proto proto;
	struct mx_report rep;
	size_t *order;             /* indexes into rep.hosts */
	size_t norder;
	size_t next;               /* the next entry of order to try */
};
void mx_route_free(struct mx_route *r);

/* "example.test:2525" -> "example.test" and "2525"; port stays as it is without ":".
 * false when the port is not 1-65535. */
bool mx_split_port(const char *spec, char *domain, size_t dlen, char *port, size_t plen);

/* Copy the exchanges with a name (not ".") as plain host names, for completion. */
void mx_hosts_collect(const struct mx_report *r, char ***hosts, size_t *n);
void mx_hosts_free(char **hosts, size_t n);

/* ------------------------------------------------------------------ PTR and FCrDNS */

struct ptr_name {
	char *name;                /* a PTR target, or a name to check (banner, EHLO) */
	char **addrs;              /* its addresses of the family of the address checked */
	size_t naddrs;
	int rcode;                 /* of the forward lookup, -1: no answer, -2: not done */
	enum dns_sec sec;
	bool match;                /* one of addrs is the address checked */
	bool generic;              /* looks like an ISP's generic name (PTR names only) */
	char error[200];
};

enum ptr_verdict {
	PTR_FCRDNS_OK,             /* a PTR name resolves back to the address */
	PTR_FCRDNS_FAIL,           /* PTR names, but none resolves back to it */
	PTR_NONE,                  /* no PTR record (NXDOMAIN or NODATA) */
	PTR_TEMPFAIL,              /* SERVFAIL, timeout, bogus */
};

struct ptr_report {
	char addr[64];             /* as given, checked to be numeric */
	char qname[80];            /* d.c.b.a.in-addr.arpa. / nibbles.ip6.arpa. */
	int rcode;
	enum dns_sec sec;
	char error[200];
	enum ptr_verdict verdict;
	struct ptr_name *names;    /* PTR targets (at most PTR_MAX_NAMES are checked) */
	size_t nnames;
	struct ptr_name *checks;   /* extra names resolved to compare (banner, EHLO) */
	size_t nchecks;
};
#define PTR_MAX_NAMES 10

/* Pure parts: fold the PTR answer, then each forward answer; then the verdict. */
void ptr_analyse(const char *addr, const struct dns_answer *ptr, struct ptr_report *out);
void ptr_add_forward(struct ptr_name *n, const char *addr, const struct dns_answer *a);
void ptr_finish(struct ptr_report *r);
void ptr_report_finish(struct ptr_report *r);
/* Generic-looking reverse names: the address's digits in the name, or words such as
 * dynamic, dhcp, pool, dsl, cable, ppp, dialup, client, broadband. */
bool ptr_name_generic(const char *name, const char *addr);
/* name (a banner or EHLO domain) is one of the PTR names. */
bool ptr_name_is_ptr(const struct ptr_report *r, const char *name);

/* PTR of addr, then its names (and the extra names) forward, all at once. false for a
 * local error (not an address, no resolver). */
bool ptr_resolve(struct dns *d, const char *addr, const char *const *extra, size_t nextra,
	struct ptr_report *out, struct err *e);

/* ------------------------------------------------------------------ DNSBL / RHSBL (RFC 5782) */

enum dnsbl_status {
	DNSBL_NOT_LISTED,          /* NXDOMAIN (or NODATA) */
	DNSBL_LISTED,              /* a 127.0.0.0/8 return code that is a listing */
	DNSBL_ERROR_CODE,          /* a code that signals a problem with the query, not a listing */
	DNSBL_BAD_ANSWER,          /* an answer outside 127.0.0.0/8: not a DNSBL answer */
	DNSBL_UNKNOWN,             /* SERVFAIL, timeout, refused: no verdict */
};
const char *dnsbl_status_name(enum dnsbl_status s);

/* The zone is a Spamhaus zone (zen/sbl/xbl/pbl/dbl/zrd ... .spamhaus.org, DQS). */
bool dnsbl_zone_is_spamhaus(const char *zone);
/* What one returned address means for zone; *meaning is a static text (never NULL). */
enum dnsbl_status dnsbl_interpret(const char *zone, const char *code, const char **meaning);
/* The query name: reversed address (IPv4 octets, IPv6 nibbles) or DOMAIN, under zone.
 * *is_domain tells which; false when item is neither an address nor a name. */
bool dnsbl_query_name(const char *item, const char *zone, char *out, size_t outlen,
	bool *is_domain);
/* Built-in zones for addresses and for domains. */
const char *const *dnsbl_default_zones(bool domain, size_t *n);

struct dnsbl_code {
	char addr[64];
	enum dnsbl_status status;
	const char *meaning;
};

struct dnsbl_result {
	char *zone;
	char qname[400];
	enum dnsbl_status status;  /* LISTED if any code is; else ERROR_CODE, BAD_ANSWER ... */
	int rcode;                 /* of the A query, -1: no answer */
	char error[200];
	struct dnsbl_code *codes;
	size_t ncodes;
	char **txt;                /* the TXT records (reasons, URLs) */
	size_t ntxt;
};

/* Pure: one zone's A (and TXT, may be NULL) answers -> the result. */
void dnsbl_analyse(const char *zone, const struct dns_answer *a, const struct dns_answer *txt,
	struct dnsbl_result *out);
void dnsbl_results_free(struct dnsbl_result *r, size_t n);

/* A and TXT in every zone at once. false for a local error (item is neither an address
 * nor a domain name). */
bool dnsbl_lookup(struct dns *d, const char *item, const char *const *zones, size_t nzones,
	struct dnsbl_result **out, struct err *e);

#endif

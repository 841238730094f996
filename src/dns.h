/* SPDX-License-Identifier: MIT */
/*
 * DNS for the shell: the only module that knows ldns. Queries against the
 * system resolver or --dns-server, many at once over one poll loop, each
 * answer with its DNSSEC status. Returns our own structs; ldns types never
 * leave dns.c. Never prints.
 */
#ifndef SMTPSH_DNS_H
#define SMTPSH_DNS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* RR types the mail checks use (values from the IANA registry). */
enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_DS = 43,
	DNS_T_RRSIG = 46, DNS_T_DNSKEY = 48, DNS_T_TLSA = 52,
};

/* RFC 4035 4.3 states, as protocol.md D.9 describes how to tell them apart. */
enum dns_sec {
	DNS_SEC_INDETERMINATE = 0, /* no usable answer, or nothing to judge by */
	DNS_SEC_SECURE,            /* validated (AD from a validating resolver, or locally) */
	DNS_SEC_INSECURE,          /* no AD: unsigned, or a resolver that does not validate */
	DNS_SEC_BOGUS,             /* SERVFAIL that goes away with CD: validation failed */
};
const char *dns_sec_name(enum dns_sec s);  /* "secure", "insecure", "bogus", "indeterminate" */

struct dns_opts {
	const char *server;        /* "ADDR", "ADDR:PORT", "[v6]:PORT" (also "ADDR@PORT", a
	                              bare IPv6 address); numeric only; NULL: resolv.conf */
	int timeout_ms;            /* per query, retries included; 0: 5000 */
	const char *trust_anchor;  /* file of DS/DNSKEY records: validate locally instead of
	                              trusting the AD bit; NULL: trust AD */
	const char *resolv_conf;   /* used when server is NULL; NULL: /etc/resolv.conf */
};

struct dns_rr {
	char *owner;               /* absolute, with the final dot */
	uint16_t type;
	uint32_t ttl;
	char *rdata;               /* presentation form of the RDATA */
	/* parsed, by type */
	uint16_t pref;             /* MX */
	char *target;              /* MX exchange, CNAME, PTR, NS target (absolute) */
	char *txt;                 /* TXT: the character-strings concatenated (RFC 7208 3.3) */
	size_t txt_len;            /* its length (a TXT string may hold a NUL byte) */
	char addr[64];             /* A / AAAA, numeric */
	uint8_t tlsa_usage, tlsa_selector, tlsa_mtype;
	unsigned char *tlsa_data;
	size_t tlsa_len;
};

struct dns_answer {
	char *qname;
	uint16_t qtype;
	int rcode;                 /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ...; -1: no answer (e.g. timeout) */
	bool ad, aa, tc;
	bool tcp;                  /* the answer came over TCP (after a truncated UDP one) */
	enum dns_sec sec;
	struct dns_rr *rrs;        /* answer-section records of qtype, owner = end of the CNAME chain
	                              (a bogus answer from a resolver is a SERVFAIL without
	                              records; validated locally, it keeps them: check sec) */
	size_t nrrs;
	char **cnames;             /* CNAME chain followed from qname, in order (targets) */
	size_t ncnames;
	int ede;                   /* extended DNS error info-code (RFC 8914), -1: none */
	char error[200];           /* why rcode is -1, why the status is bogus or
	                              indeterminate, or the extended DNS error text */
	char server[64];           /* which server answered, "127.0.0.1 port 53" */
	int elapsed_ms;
};
void dns_answer_finish(struct dns_answer *a);
/* Decode a DNS response (wire format) to the answer for name/type, as dns_submit
 * would without the CD re-query: sec from the AD bit and the rcode. For canned
 * answers in tests. false with ERR_PROTO when the packet does not parse. */
bool dns_answer_parse(const unsigned char *wire, size_t len, const char *name, uint16_t type,
	struct dns_answer *out, struct err *e);

struct dns;

/* Nothing is read or sent until the first query (lazy resolver setup). */
struct dns *dns_create(const struct dns_opts *opts);
void dns_destroy(struct dns *d);
/* Change the server (for /set dns-server; NULL or "": back to resolv.conf, read at the
 * next query); false with ERR_USAGE when bad, and the old server stays. */
bool dns_set_server(struct dns *d, const char *server, struct err *e);
const char *dns_server_desc(struct dns *d);  /* "127.0.0.1 port 5353" or "system resolver (...)" */
/* Per-query timeout for the queries submitted from now on (clamped to 100 ms .. 120 s). */
void dns_set_timeout(struct dns *d, int timeout_ms);

/* Asynchronous queries. The callback owns *ans (dns_answer_finish it): *ans itself is
 * valid during the call only, so copy the struct to keep the answer (the copy then
 * owns the contents). Callbacks may submit queries, but not destroy d. */
typedef void dns_done_fn(void *ctx, struct dns_answer *ans);
bool dns_submit(struct dns *d, const char *name, uint16_t type, dns_done_fn *cb, void *ctx,
	struct err *e);
bool dns_busy(const struct dns *d);
/* The sockets to poll (fds NULL: how many there are; else the number filled, at most
 * max) and the time until the next retry or timeout (-1: none, 0: answers are due). */
size_t dns_pollfds(const struct dns *d, struct pollfd *fds, size_t max);
int dns_timeout_ms(const struct dns *d);
/* Handle readable sockets and expired timers; runs callbacks. fds may hold other
 * descriptors too: only the DNS ones are looked at. */
void dns_process(struct dns *d, const struct pollfd *fds, size_t nfds);
/* Run the loop until no query is left (used by the synchronous helpers). */
void dns_run(struct dns *d);

/* One query, waiting for it (other queries' callbacks may run meanwhile). false only
 * for local errors (bad name, no resolver, unreadable trust anchor). */
bool dns_query(struct dns *d, const char *name, uint16_t type, struct dns_answer *out,
	struct err *e);

/* "MX" <-> 15, any type ldns knows; 0 when unknown. */
uint16_t dns_type_from_name(const char *name);
const char *dns_type_name(uint16_t type, char *buf, size_t len);
const char *dns_rcode_name(int rcode);

/* The reverse-lookup name of an address ("1.0.0.127.in-addr.arpa.", nibbles under
 * ip6.arpa.), or under zone for DNSBLs; false when addr is not an address. */
bool dns_reverse_name(const char *addr, const char *zone, char *out, size_t outlen);

#endif

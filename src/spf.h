/* SPDX-License-Identifier: MIT */
/*
 * SPF (RFC 7208): the record parsed term by term (pure), the macro language
 * (section 7), the include/redirect tree fetched concurrently with its
 * lookup counts (section 4.6.4), and check_host() for a given address.
 * DNS goes through dns.h; nothing here prints.
 */
#ifndef SMTPSH_SPF_H
#define SMTPSH_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim.h"
#include "dns.h"

#define SPF_MAX_LOOKUPS 10   /* DNS-querying terms (RFC 7208 4.6.4) */
#define SPF_MAX_VOID 2       /* lookups answered NXDOMAIN or empty */
#define SPF_MAX_MX 10        /* MX names one mx term may look up */

enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR,
};
const char *spf_result_name(enum spf_result r);   /* "pass", "permerror" ... */

enum spf_kind {
	SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6, SPF_EXISTS,
	SPF_REDIRECT, SPF_EXP, SPF_MODIFIER,   /* the last: an unknown modifier (ignored) */
};
const char *spf_kind_name(enum spf_kind k);       /* "include", "redirect", ... */

struct spf_term {
	enum spf_kind kind;
	char qual;            /* '+', '-', '~' or '?' (mechanisms) */
	bool qual_explicit;
	char *text;           /* as written */
	char *domain;         /* domain-spec or modifier value (macros unexpanded); NULL: none */
	int cidr4, cidr6;     /* prefix lengths; -1 when absent */
	int family;           /* ip4 / ip6: 4 or 6 */
	unsigned char addr[16];
	unsigned macros;      /* macro letters used, bit ('a' - letter) */
	bool counts;          /* costs a DNS lookup (include a mx ptr exists redirect) */
	bool bad;             /* a syntax error (in the record's notes) */
};

struct spf_record {
	struct spf_term *terms;
	size_t n;
	int redirect, exp;    /* index of the modifier, -1 none */
	int all;              /* index of the first "all", -1 none */
	bool syntax_ok;
	struct pol_notes notes;   /* errors (permerror) and warnings */
};

/* Is this TXT string an SPF record: "v=spf1" then a space or the end? */
bool spf_is_record(const char *txt, size_t len);
/* Parse an SPF record; false (errors in notes) on a syntax error: permerror. */
bool spf_parse(const char *txt, size_t len, struct spf_record *out);
void spf_record_finish(struct spf_record *r);

/* Macros (RFC 7208 7). */
struct spf_macro_ctx {
	const char *sender;   /* local-part@domain; NULL: postmaster@domain */
	const char *domain;   /* the current domain (d) */
	const char *ip;       /* the client address, numeric; NULL: unknown */
	const char *helo;     /* h; NULL: "unknown" */
	long long now;        /* t */
};
/* Expand spec into out. exp: the c, r and t letters are allowed (explanations).
 * p expands to "unknown" (no validated name is looked up). False with why. */
bool spf_macro_expand(const char *spec, const struct spf_macro_ctx *c, bool exp, char *out,
	size_t outlen, char *why, size_t whylen);
/* Letters used by a macro-string (bit 'x'-'a' for %{x}); false on bad syntax. */
bool spf_macro_scan(const char *spec, bool exp, unsigned *letters);

/* Addresses: "192.0.2.1", "2001:db8::1" (an IPv4-mapped IPv6 address becomes IPv4). */
bool spf_ip_parse(const char *s, int *family, unsigned char addr[16]);
bool spf_ip_in(int family, const unsigned char *addr, int nfamily, const unsigned char *net,
	int prefix);

/* ------------------------------------------------------------ the tree */

struct spf_node;

struct spf_tterm {                /* what the tree found for one term */
	struct spf_node *child;       /* include / redirect */
	char target[256];             /* the expanded domain looked up, "" none */
	int pending;                  /* answers still due */
	bool skipped;                 /* not looked up: macros, ptr, bad expansion */
	bool unreached;               /* never evaluated: after all, redirect beside all */
	bool failed;                  /* SERVFAIL or no answer */
	bool is_void;                 /* NXDOMAIN or no records */
	int answered, empty;          /* answers in, of which void */
	int naddrs, nmx;              /* a / mx: addresses; mx: exchanges */
	int lookup_no, void_no;       /* running counts at this term (0: not counted) */
	char note[200];
};

struct spf_node {
	char domain[256];
	int depth;
	struct spf_node *parent;
	enum spf_kind via;            /* how it was reached; SPF_ALL for the root */
	bool loop, capped, done;
	int rcode;                    /* of the TXT query; -1 no answer */
	enum dns_sec sec;
	char error[200];              /* DNS error text */
	int nrecords;                 /* v=spf1 records found */
	char *txt;
	size_t txt_len;
	bool parsed;
	struct spf_record rec;
	struct spf_tterm *tt;         /* rec.n entries, in record order */
	size_t *order;                /* evaluation order of the terms (mechanisms, then modifiers) */
};

struct spf_tree {
	struct dns *dns;
	struct spf_node *root;
	size_t nnodes;
	int pending;
	int queries;                  /* submitted so far */
	/* spf_tree_summarize */
	int lookups, voids;
	enum spf_result verdict;      /* SPF_PASS when valid, else NONE/TEMPERROR/PERMERROR */
	char why[240];
	struct pol_notes notes;       /* tree-wide findings */
};

/* Submit the lookups for domain's tree; more are submitted from the callbacks.
 * Run the resolver (dns_run) until done, then summarise. */
bool spf_tree_start(struct spf_tree *t, struct dns *d, const char *domain, struct err *e);
void spf_tree_summarize(struct spf_tree *t);
void spf_tree_finish(struct spf_tree *t);

/* ------------------------------------------------------------ check_host() */

struct spf_eval_opts {
	const char *ip;
	const char *sender;           /* NULL: postmaster@DOMAIN */
	const char *helo;
};

struct spf_eval {
	enum spf_result result;
	char mech[300];               /* the term that decided, "" when none */
	char where[256];              /* the domain whose record held it */
	char why[240];                /* for errors, and "no term matched" */
	char explanation[300];        /* exp= text for a fail */
	int lookups, voids;
};

/* One line of the evaluation's trace, depth 0 for the top record. */
typedef void spf_trace_fn(void *ctx, int depth, enum pol_level level, const char *text);

/* Evaluate like a receiver would (RFC 7208 4), with synchronous queries. */
enum spf_result spf_check_host(struct dns *d, const char *domain, const struct spf_eval_opts *o,
	spf_trace_fn *trace, void *ctx, struct spf_eval *out);

#endif

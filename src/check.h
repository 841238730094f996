/* SPDX-License-Identifier: MIT */
/*
 * /check DOMAIN: a domain's mail health in one report. Every query that does
 * not depend on another is in flight at once over the resolver's one event
 * loop; the answers submit the next wave from their callbacks (addresses of
 * the MX hosts, their TLSA records, PTR of each address, forward lookups of
 * the PTR names), so the whole check takes about as long as its longest chain
 * of dependent queries, not the sum. Then the MTA-STS policy is fetched over
 * HTTPS. The report is data: the command's handler shows it.
 */
#ifndef SMTPSH_CHECK_H
#define SMTPSH_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "tls.h"

enum check_verdict { CHECK_OK, CHECK_WARN, CHECK_FAIL };
const char *check_verdict_name(enum check_verdict v);   /* "ok", "warn", "fail" */

struct check_line {
	enum check_verdict v;
	char text[480];          /* "SPF: v=spf1 ... (4 lookups)" */
};

struct check_report {
	struct check_line *lines;
	size_t n;
	int nok, nwarn, nfail;
	int queries;             /* DNS queries made */
	int dns_ms;              /* from the first submit to the last answer */
	int slowest_ms;          /* the slowest single answer */
	int fetch_ms;            /* the MTA-STS policy fetch, 0 none */
};

struct check_opts {
	const char *domain;
	struct dns *dns;
	const struct tlsc_opts *tls;   /* CA settings for the policy fetch */
	const char *sts_port;          /* NULL: 443 */
	int timeout_ms;                /* the policy fetch */
	bool fetch_policy;             /* fetch the MTA-STS policy when a TXT record is there */
};

bool check_run(const struct check_opts *o, struct check_report *out, struct err *e);
void check_report_finish(struct check_report *r);

#endif

/* SPDX-License-Identifier: MIT */
/* Reverse DNS and forward-confirmed reverse DNS (FCrDNS): the PTR names of an
 * address, each resolved back to see whether it names the address again. Never prints. */
#include "maildns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static void name_init(struct ptr_name *n, const char *name)
{
	size_t len = strlen(name);

	memset(n, 0, sizeof(*n));
	n->name = len && name[len - 1] == '.' ? xstrdup(name) : xasprintf("%s.", name);
	n->rcode = -2;
}

static void name_free(struct ptr_name *n)
{
	size_t i;

	for (i = 0; i < n->naddrs; i++)
		free(n->addrs[i]);
	free(n->addrs);
	free(n->name);
}

void ptr_analyse(const char *addr, const struct dns_answer *ptr, struct ptr_report *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	maildns_copy(out->addr, sizeof(out->addr), addr);
	if (!dns_reverse_name(addr, NULL, out->qname, sizeof(out->qname)))
		out->qname[0] = '\0';
	out->rcode = ptr->rcode;
	out->sec = ptr->sec;
	maildns_copy(out->error, sizeof(out->error), ptr->error);
	if (ptr->rcode == 3 && ptr->sec != DNS_SEC_BOGUS) {
		out->verdict = PTR_NONE;
		return;
	}
	if (ptr->rcode != 0 || ptr->sec == DNS_SEC_BOGUS) {
		out->verdict = PTR_TEMPFAIL;
		return;
	}
	out->names = xcalloc(PTR_MAX_NAMES, sizeof(*out->names));
	for (i = 0; i < ptr->nrrs && out->nnames < PTR_MAX_NAMES; i++) {
		struct ptr_name *n;

		if (ptr->rrs[i].type != DNS_T_PTR || !ptr->rrs[i].target)
			continue;
		n = &out->names[out->nnames++];
		name_init(n, ptr->rrs[i].target);
		n->generic = ptr_name_generic(n->name, addr);
	}
	out->verdict = out->nnames ? PTR_FCRDNS_FAIL : PTR_NONE;
}

void ptr_add_forward(struct ptr_name *n, const char *addr, const struct dns_answer *a)
{
	size_t i;

	n->rcode = a->rcode;
	n->sec = a->sec;
	if (a->error[0])
		maildns_copy(n->error, sizeof(n->error), a->error);
	if (a->rcode != 0 || a->sec == DNS_SEC_BOGUS)
		return;
	for (i = 0; i < a->nrrs; i++) {
		const struct dns_rr *rr = &a->rrs[i];

		if ((rr->type != DNS_T_A && rr->type != DNS_T_AAAA) || !rr->addr[0])
			continue;
		n->addrs = xrealloc(n->addrs, (n->naddrs + 1) * sizeof(char *));
		n->addrs[n->naddrs++] = xstrdup(rr->addr);
		if (maildns_addr_equal(rr->addr, addr))
			n->match = true;
	}
}

void ptr_finish(struct ptr_report *r)
{
	size_t i;
	bool temp = false;

	if (r->verdict == PTR_NONE || r->verdict == PTR_TEMPFAIL)
		return;
	for (i = 0; i < r->nnames; i++) {
		if (r->names[i].match) {
			r->verdict = PTR_FCRDNS_OK;
			return;
		}
		if (r->names[i].rcode != 0 && r->names[i].rcode != 3)
			temp = true;
		if (r->names[i].sec == DNS_SEC_BOGUS)
			temp = true;
	}
	r->verdict = temp ? PTR_TEMPFAIL : PTR_FCRDNS_FAIL;
}

void ptr_report_finish(struct ptr_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nnames; i++)
		name_free(&r->names[i]);
	free(r->names);
	for (i = 0; i < r->nchecks; i++)
		name_free(&r->checks[i]);
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

/* Is the decimal number v one of the digit runs of s? */
static bool has_number(const char *s, unsigned v)
{
	while (*s) {
		if (isdigit((unsigned char)*s)) {
			unsigned long n = 0;
			size_t len = 0;

			while (isdigit((unsigned char)s[len]) && len < 10)
				n = n * 10 + (unsigned long)(s[len++] - '0');
			if (len <= 3 && n == v)
				return true;
			s += len;
			while (isdigit((unsigned char)*s))
				s++;
		} else {
			s++;
		}
	}
	return false;
}

bool ptr_name_generic(const char *name, const char *addr)
{
	static const char *const words[] = {
		"dynamic", "dyn-", "-dyn", ".dyn.", "dhcp", "pool", "dsl", "cable", "ppp", "dialup",
		"dial-up", "client", "broadband", "customer", "residential", "unassigned",
		"in-addr", "ip6.arpa",
	};
	char low[256], hex[9];
	unsigned char a[16];
	size_t i;

	if (!name)
		return false;
	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	if (addr && inet_pton(AF_INET, addr, a) == 1) {
		/* 192-0-2-10.isp, 10.2.0.192.isp, host-2-10.isp, c0000210.isp ... */
		if (has_number(low, a[3]) && has_number(low, a[2]) &&
				(has_number(low, a[1]) || has_number(low, a[0])))
			return true;
		snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", a[0], a[1], a[2], a[3]);
		if (strstr(low, hex))
			return true;
	}
	return false;
}

bool ptr_name_is_ptr(const struct ptr_report *r, const char *name)
{
	size_t i;

	for (i = 0; name && i < r->nnames; i++)
		if (maildns_same_name(r->names[i].name, name))
			return true;
	return false;
}

struct ptr_q {
	struct ptr_name *n;
	const char *addr;
};

static void ptr_fwd_done(void *ctx, struct dns_answer *ans)
{
	struct ptr_q *q = ctx;

	ptr_add_forward(q->n, q->addr, ans);
	dns_answer_finish(ans);
}

bool ptr_resolve(struct dns *d, const char *addr, const char *const *extra, size_t nextra,
	struct ptr_report *out, struct err *e)
{
	struct dns_answer ptr;
	struct ptr_q *qs;
	unsigned char a[16];
	char qname[80];
	uint16_t type;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, a) == 1)
		type = DNS_T_A;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		type = DNS_T_AAAA;
	else
		return err_set(e, ERR_USAGE, "not an IP address: %s", addr);
	if (!dns_reverse_name(addr, NULL, qname, sizeof(qname)))
		return err_set(e, ERR_USAGE, "not an IP address: %s", addr);
	if (!dns_query(d, qname, DNS_T_PTR, &ptr, e))
		return false;
	ptr_analyse(addr, &ptr, out);
	dns_answer_finish(&ptr);
	if (nextra) {
		out->checks = xcalloc(nextra, sizeof(*out->checks));
		for (i = 0; i < nextra; i++)
			name_init(&out->checks[out->nchecks++], extra[i]);
	}
	qs = xcalloc(out->nnames + out->nchecks + 1, sizeof(*qs));
	n = 0;
	for (i = 0; i < out->nnames + out->nchecks; i++) {
		struct ptr_name *pn = i < out->nnames ? &out->names[i] : &out->checks[i - out->nnames];
		struct err qe;

		if (maildns_is_ip_literal(pn->name))
			continue;
		qs[n].n = pn;
		qs[n].addr = out->addr;
		err_clear(&qe);
		if (dns_submit(d, pn->name, type, ptr_fwd_done, &qs[n], &qe))
			n++;
		else
			maildns_copy(pn->error, sizeof(pn->error), qe.msg);
	}
	dns_run(d);
	free(qs);
	ptr_finish(out);
	return true;
}

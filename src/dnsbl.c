/* SPDX-License-Identifier: MIT */
/* DNS blocklists (RFC 5782): query names, return codes and what they mean,
 * with Spamhaus's published codes and the codes that are errors, not listings.
 * Never prints. */
#include "maildns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const default_ip_zones[] = {
	"zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com",
};
static const char *const default_domain_zones[] = {
	"dbl.spamhaus.org", "multi.surbl.org",
};

const char *const *dnsbl_default_zones(bool domain, size_t *n)
{
	if (domain) {
		*n = sizeof(default_domain_zones) / sizeof(default_domain_zones[0]);
		return default_domain_zones;
	}
	*n = sizeof(default_ip_zones) / sizeof(default_ip_zones[0]);
	return default_ip_zones;
}

const char *dnsbl_status_name(enum dnsbl_status s)
{
	switch (s) {
	case DNSBL_NOT_LISTED:
		return "not listed";
	case DNSBL_LISTED:
		return "listed";
	case DNSBL_ERROR_CODE:
		return "error code";
	case DNSBL_BAD_ANSWER:
		return "bad answer";
	case DNSBL_UNKNOWN:
		break;
	}
	return "unknown";
}

struct code_meaning {
	const char *code;
	enum dnsbl_status status;
	const char *meaning;
};

/* Return codes that report a problem with the query in every list that uses them. */
static const struct code_meaning error_codes[] = {
	{ "127.0.0.1", DNSBL_ERROR_CODE,
		"127.0.0.1 is never a listing (RFC 5782 5): the list refused or blocked the query" },
	{ "127.0.1.255", DNSBL_ERROR_CODE,
		"error code: IP queries prohibited (a domain list asked about an address)" },
	{ "127.255.255.252", DNSBL_ERROR_CODE, "error code: typing error in the DNSBL name" },
	{ "127.255.255.254", DNSBL_ERROR_CODE,
		"error code: query through a public or open resolver, refused by the list" },
	{ "127.255.255.255", DNSBL_ERROR_CODE, "error code: excessive number of queries" },
};

/* Spamhaus's return codes (ZEN = SBL + CSS + XBL + PBL; DBL; DROP; BCL). */
static const struct code_meaning spamhaus_codes[] = {
	{ "127.0.0.2", DNSBL_LISTED, "SBL: a spam source or spam operation" },
	{ "127.0.0.3", DNSBL_LISTED, "SBL CSS: a snowshoe spam source" },
	{ "127.0.0.4", DNSBL_LISTED, "XBL: an exploited or infected host (CBL)" },
	{ "127.0.0.5", DNSBL_LISTED, "XBL: an exploited or infected host" },
	{ "127.0.0.6", DNSBL_LISTED, "XBL: an exploited or infected host" },
	{ "127.0.0.7", DNSBL_LISTED, "XBL: an exploited or infected host" },
	{ "127.0.0.9", DNSBL_LISTED, "DROP: a hijacked or criminal network" },
	{ "127.0.0.10", DNSBL_LISTED,
		"PBL: an end-user range that its ISP says should not send mail directly" },
	{ "127.0.0.11", DNSBL_LISTED,
		"PBL: an end-user range that Spamhaus says should not send mail directly" },
	{ "127.0.0.30", DNSBL_LISTED, "BCL: a botnet controller" },
	{ "127.0.1.2", DNSBL_LISTED, "DBL: a spam domain" },
	{ "127.0.1.4", DNSBL_LISTED, "DBL: a phishing domain" },
	{ "127.0.1.5", DNSBL_LISTED, "DBL: a malware domain" },
	{ "127.0.1.6", DNSBL_LISTED, "DBL: a botnet command and control domain" },
	{ "127.0.1.102", DNSBL_LISTED, "DBL: an abused legitimate domain, spam" },
	{ "127.0.1.103", DNSBL_LISTED, "DBL: an abused legitimate domain, spammed redirector" },
	{ "127.0.1.104", DNSBL_LISTED, "DBL: an abused legitimate domain, phishing" },
	{ "127.0.1.105", DNSBL_LISTED, "DBL: an abused legitimate domain, malware" },
	{ "127.0.1.106", DNSBL_LISTED, "DBL: an abused legitimate domain, botnet C&C" },
};

bool dnsbl_zone_is_spamhaus(const char *zone)
{
	static const char *const suffixes[] = { "spamhaus.org", "spamhaus.net" };
	char z[256];
	size_t i, n;

	if (!zone)
		return false;
	maildns_undot(zone, z, sizeof(z));
	n = strlen(z);
	for (i = 0; i < 2; i++) {
		size_t sl = strlen(suffixes[i]);

		if (n >= sl && strcasecmp(z + n - sl, suffixes[i]) == 0 &&
				(n == sl || z[n - sl - 1] == '.'))
			return true;
	}
	return false;
}

static const struct code_meaning *find_code(const struct code_meaning *t, size_t n,
	const unsigned char *a)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char b[4];

		if (inet_pton(AF_INET, t[i].code, b) == 1 && memcmp(a, b, 4) == 0)
			return &t[i];
	}
	return NULL;
}

enum dnsbl_status dnsbl_interpret(const char *zone, const char *code, const char **meaning)
{
	const struct code_meaning *m;
	unsigned char a[4];

	if (!code || inet_pton(AF_INET, code, a) != 1) {
		*meaning = "not an IPv4 address: not a DNSBL answer";
		return DNSBL_BAD_ANSWER;
	}
	if (a[0] != 127) {
		*meaning = "outside 127.0.0.0/8: not a DNSBL answer (a wildcard, or a resolver that "
			"rewrites NXDOMAIN)";
		return DNSBL_BAD_ANSWER;
	}
	m = find_code(error_codes, sizeof(error_codes) / sizeof(error_codes[0]), a);
	if (m) {
		*meaning = m->meaning;
		return m->status;
	}
	if (dnsbl_zone_is_spamhaus(zone)) {
		m = find_code(spamhaus_codes, sizeof(spamhaus_codes) / sizeof(spamhaus_codes[0]), a);
		if (m) {
			*meaning = m->meaning;
			return m->status;
		}
		if (a[1] == 0 && a[2] == 2 && a[3] >= 2 && a[3] <= 24) {
			*meaning = "ZRD: a newly observed domain (first seen in the last 24 hours)";
			return DNSBL_LISTED;
		}
		*meaning = "listed (a return code not in Spamhaus's table)";
		return DNSBL_LISTED;
	}
	*meaning = "listed";
	return DNSBL_LISTED;
}

static bool domain_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				c == '-' || c == '.' || c == '_'))
			return false;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return false;
	}
	return true;
}

bool dnsbl_query_name(const char *item, const char *zone, char *out, size_t outlen,
	bool *is_domain)
{
	unsigned char a[16];
	char it[256], z[256];
	int n;

	*is_domain = false;
	if (!item || !zone || !*zone)
		return false;
	maildns_undot(zone, z, sizeof(z));
	if (!domain_ok(z))
		return false;
	if (inet_pton(AF_INET, item, a) == 1 || inet_pton(AF_INET6, item, a) == 1)
		return dns_reverse_name(item, z, out, outlen);
	maildns_undot(item, it, sizeof(it));
	if (!domain_ok(it))
		return false;
	*is_domain = true;
	n = snprintf(out, outlen, "%s.%s.", it, z);
	return n > 0 && (size_t)n < outlen;
}

void dnsbl_analyse(const char *zone, const struct dns_answer *a, const struct dns_answer *txt,
	struct dnsbl_result *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->zone = xstrdup(zone);
	maildns_copy(out->qname, sizeof(out->qname), a->qname ? a->qname : "");
	out->rcode = a->rcode;
	maildns_copy(out->error, sizeof(out->error), a->error);
	if (a->sec == DNS_SEC_BOGUS || (a->rcode != 0 && a->rcode != 3)) {
		out->status = DNSBL_UNKNOWN;
		return;
	}
	out->status = DNSBL_NOT_LISTED;
	if (a->rcode == 3)
		return;
	out->codes = xcalloc(a->nrrs + 1, sizeof(*out->codes));
	for (i = 0; i < a->nrrs; i++) {
		struct dnsbl_code *c;

		if (a->rrs[i].type != DNS_T_A)
			continue;
		c = &out->codes[out->ncodes++];
		maildns_copy(c->addr, sizeof(c->addr), a->rrs[i].addr);
		c->status = dnsbl_interpret(zone, c->addr, &c->meaning);
		/* LISTED beats an error code, which beats a bad answer. */
		if (c->status == DNSBL_LISTED ||
				(c->status == DNSBL_ERROR_CODE && out->status != DNSBL_LISTED) ||
				(c->status == DNSBL_BAD_ANSWER && out->status == DNSBL_NOT_LISTED))
			out->status = c->status;
	}
	if (txt && txt->rcode == 0 && txt->sec != DNS_SEC_BOGUS && txt->nrrs) {
		out->txt = xcalloc(txt->nrrs, sizeof(char *));
		for (i = 0; i < txt->nrrs; i++)
			if (txt->rrs[i].type == DNS_T_TXT && txt->rrs[i].txt)
				out->txt[out->ntxt++] = xstrndup(txt->rrs[i].txt, txt->rrs[i].txt_len);
	}
}

void dnsbl_results_free(struct dnsbl_result *r, size_t n)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < n; i++) {
		free(r[i].zone);
		free(r[i].codes);
		for (k = 0; k < r[i].ntxt; k++)
			free(r[i].txt[k]);
		free(r[i].txt);
	}
	free(r);
}

struct bl_q {
	struct dns_answer ans;
	bool done;
};

static void bl_done(void *ctx, struct dns_answer *ans)
{
	struct bl_q *q = ctx;

	q->ans = *ans;   /* the copy owns the contents now */
	q->done = true;
}

bool dnsbl_lookup(struct dns *d, const char *item, const char *const *zones, size_t nzones,
	struct dnsbl_result **out, struct err *e)
{
	struct bl_q *qs;
	struct dnsbl_result *res;
	char qname[400];
	bool is_domain;
	size_t i;

	*out = NULL;
	if (nzones == 0)
		return err_set(e, ERR_USAGE, "no DNSBL zone to ask");
	for (i = 0; i < nzones; i++)
		if (!dnsbl_query_name(item, zones[i], qname, sizeof(qname), &is_domain))
			return err_set(e, ERR_USAGE, "cannot look up %s in %s: not an address or domain name",
				item, zones[i]);
	qs = xcalloc(nzones * 2, sizeof(*qs));
	res = xcalloc(nzones, sizeof(*res));
	for (i = 0; i < nzones * 2; i++) {
		struct err qe;

		dnsbl_query_name(item, zones[i / 2], qname, sizeof(qname), &is_domain);
		err_clear(&qe);
		if (!dns_submit(d, qname, i % 2 ? DNS_T_TXT : DNS_T_A, bl_done, &qs[i], &qe)) {
			qs[i].ans.qname = xstrdup(qname);
			qs[i].ans.rcode = -1;
			qs[i].ans.ede = -1;
			maildns_copy(qs[i].ans.error, sizeof(qs[i].ans.error), qe.msg);
			qs[i].done = true;
		}
	}
	dns_run(d);
	for (i = 0; i < nzones; i++) {
		struct bl_q *a = &qs[2 * i], *t = &qs[2 * i + 1];

		if (!a->done) {
			a->ans.rcode = -1;
			snprintf(a->ans.error, sizeof(a->ans.error), "no answer");
		}
		dnsbl_analyse(zones[i], &a->ans, t->done ? &t->ans : NULL, &res[i]);
		dns_answer_finish(&a->ans);
		dns_answer_finish(&t->ans);
	}
	free(qs);
	*out = res;
	return true;
}

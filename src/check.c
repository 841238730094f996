/* SPDX-License-Identifier: MIT */
/* /check: the mail DNS of a domain, every independent query at once, in one report. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "maildns.h"
#include "mtasts.h"
#include "spf.h"
#include "util.h"

#define CHK_MAX_HOSTS 10
#define CHK_MAX_ADDRS 40
#define CHK_MAX_PTR 3

struct host {
	char name[256];
	int pref;
	struct dns_answer a4, a6, tlsa;
	bool got4, got6, got_tlsa, addrs_done;
};

struct addr {
	char addr[64];
	size_t host;
	struct dns_answer ptr;
	bool got_ptr, confirmed;
	char by[256];
};

struct chk {
	const struct check_opts *o;
	struct dns_answer mx, a, aaaa, sts, rpt, sts4, sts6;
	bool got_mx, got_a, got_aaaa, got_sts, got_rpt, got_sts4, got_sts6;
	struct host hosts[CHK_MAX_HOSTS];
	size_t nhosts, mx_total, addrs_dropped;
	bool implicit, nullmx, mixed_null;
	struct addr addrs[CHK_MAX_ADDRS];
	size_t naddrs;
	struct spf_tree spf;
	struct dmarc_lookup dmarc;
	int queries, slowest;
	struct check_report *r;
};

enum kind { K_MX, K_A, K_AAAA, K_STS, K_RPT, K_STS4, K_STS6, K_H4, K_H6, K_TLSA, K_PTR, K_FWD };

struct cq {
	struct chk *c;
	enum kind kind;
	size_t idx;
};

const char *check_verdict_name(enum check_verdict v)
{
	return v == CHECK_OK ? "ok" : v == CHECK_WARN ? "warn" : "fail";
}

static void cb(void *ctx, struct dns_answer *a);

static void sub(struct chk *c, enum kind kind, size_t idx, const char *name, uint16_t type)
{
	struct cq *q = xcalloc(1, sizeof(*q));
	struct err e;

	q->c = c;
	q->kind = kind;
	q->idx = idx;
	err_clear(&e);
	if (dns_submit(c->o->dns, name, type, cb, q, &e)) {
		c->queries++;
		return;
	}
	{
		struct dns_answer fake;

		memset(&fake, 0, sizeof(fake));
		fake.qname = xstrdup(name);
		fake.qtype = type;
		fake.rcode = -1;
		fake.ede = -1;
		snprintf(fake.error, sizeof(fake.error), "%.190s", e.msg);
		cb(q, &fake);
	}
}

/* The addresses of host i are in: look up the PTR of each new one. */
static void host_addrs(struct chk *c, size_t hi, const struct dns_answer *a4, const struct dns_answer *a6)
{
	const struct dns_answer *set[2] = { a4, a6 };
	size_t s, i, k;

	c->hosts[hi].addrs_done = true;
	for (s = 0; s < 2; s++) {
		for (i = 0; set[s]->rcode == 0 && i < set[s]->nrrs; i++) {
			const char *ad = set[s]->rrs[i].addr;
			char rev[128];

			for (k = 0; k < c->naddrs && !maildns_addr_equal(c->addrs[k].addr, ad); k++)
				;
			if (k < c->naddrs)
				continue;
			if (c->naddrs == CHK_MAX_ADDRS) {
				c->addrs_dropped++;
				continue;
			}
			k = c->naddrs++;
			snprintf(c->addrs[k].addr, sizeof(c->addrs[k].addr), "%s", ad);
			c->addrs[k].host = hi;
			if (dns_reverse_name(ad, NULL, rev, sizeof(rev)))
				sub(c, K_PTR, k, rev, DNS_T_PTR);
		}
	}
}

static void try_implicit(struct chk *c)
{
	if (c->implicit && c->nhosts == 1 && !c->hosts[0].addrs_done && c->got_a && c->got_aaaa)
		host_addrs(c, 0, &c->a, &c->aaaa);
}

static void on_mx(struct chk *c)
{
	const struct dns_answer *a = &c->mx;
	size_t i, k;

	if (a->rcode != 0)
		return;
	for (i = 0; i < a->nrrs; i++)
		if (!a->rrs[i].target || strcmp(a->rrs[i].target, ".") == 0)
			c->nullmx = true;
	c->mixed_null = c->nullmx && a->nrrs > 1;
	if (c->nullmx)
		return;
	if (a->nrrs == 0) {
		c->implicit = true;
		c->nhosts = 1;
		snprintf(c->hosts[0].name, sizeof(c->hosts[0].name), "%s", c->o->domain);
	}
	c->mx_total = a->nrrs;
	/* by preference; the order of equal ones as the answer gave it */
	for (i = 0; i < a->nrrs && c->nhosts < CHK_MAX_HOSTS; i++) {
		struct host h;

		memset(&h, 0, sizeof(h));
		snprintf(h.name, sizeof(h.name), "%s", a->rrs[i].target);
		if (strlen(h.name) > 1 && h.name[strlen(h.name) - 1] == '.')
			h.name[strlen(h.name) - 1] = '\0';
		h.pref = a->rrs[i].pref;
		for (k = c->nhosts; k > 0 && c->hosts[k - 1].pref > h.pref; k--)
			c->hosts[k] = c->hosts[k - 1];
		c->hosts[k] = h;
		c->nhosts++;
	}
	for (i = 0; i < c->nhosts; i++) {
		char tlsa[300];

		if (!c->implicit) {
			sub(c, K_H4, i, c->hosts[i].name, DNS_T_A);
			sub(c, K_H6, i, c->hosts[i].name, DNS_T_AAAA);
		}
		snprintf(tlsa, sizeof(tlsa), "_25._tcp.%s", c->hosts[i].name);
		sub(c, K_TLSA, i, tlsa, DNS_T_TLSA);
	}
	try_implicit(c);
}

static bool host_has(const struct chk *c, size_t hi, const char *addr)
{
	const struct host *h = &c->hosts[hi];
	const struct dns_answer *set[2];
	size_t s, i;

	set[0] = c->implicit ? &c->a : &h->a4;
	set[1] = c->implicit ? &c->aaaa : &h->a6;
	for (s = 0; s < 2; s++)
		for (i = 0; set[s]->rcode == 0 && i < set[s]->nrrs; i++)
			if (maildns_addr_equal(set[s]->rrs[i].addr, addr))
				return true;
	return false;
}

static void on_ptr(struct chk *c, size_t ai)
{
	struct addr *ad = &c->addrs[ai];
	size_t i, h;

	for (i = 0; ad->ptr.rcode == 0 && i < ad->ptr.nrrs && i < CHK_MAX_PTR; i++) {
		const char *name = ad->ptr.rrs[i].target;
		bool known = false;

		/* a name the check resolved already needs no second query */
		for (h = 0; h < c->nhosts && !known; h++)
			if (c->hosts[h].addrs_done && maildns_same_name(c->hosts[h].name, name)) {
				known = true;
				if (host_has(c, h, ad->addr) && !ad->confirmed) {
					ad->confirmed = true;
					snprintf(ad->by, sizeof(ad->by), "%s", c->hosts[h].name);
				}
			}
		if (!known)
			sub(c, K_FWD, ai, name, strchr(ad->addr, ':') ? DNS_T_AAAA : DNS_T_A);
	}
}

static void cb(void *ctx, struct dns_answer *a)
{
	struct cq *q = ctx;
	struct chk *c = q->c;
	struct host *h = q->idx < CHK_MAX_HOSTS ? &c->hosts[q->idx] : NULL;
	size_t i;

	if (a->elapsed_ms > c->slowest)
		c->slowest = a->elapsed_ms;
	switch (q->kind) {
	case K_MX: c->mx = *a; c->got_mx = true; on_mx(c); break;
	case K_A: c->a = *a; c->got_a = true; try_implicit(c); break;
	case K_AAAA: c->aaaa = *a; c->got_aaaa = true; try_implicit(c); break;
	case K_STS: c->sts = *a; c->got_sts = true; break;
	case K_RPT: c->rpt = *a; c->got_rpt = true; break;
	case K_STS4: c->sts4 = *a; c->got_sts4 = true; break;
	case K_STS6: c->sts6 = *a; c->got_sts6 = true; break;
	case K_TLSA: h->tlsa = *a; h->got_tlsa = true; break;
	case K_H4:
	case K_H6:
		*(q->kind == K_H4 ? &h->a4 : &h->a6) = *a;
		*(q->kind == K_H4 ? &h->got4 : &h->got6) = true;
		if (h->got4 && h->got6)
			host_addrs(c, q->idx, &h->a4, &h->a6);
		break;
	case K_PTR:
		c->addrs[q->idx].ptr = *a;
		c->addrs[q->idx].got_ptr = true;
		on_ptr(c, q->idx);
		break;
	case K_FWD:
		for (i = 0; a->rcode == 0 && i < a->nrrs; i++)
			if (maildns_addr_equal(a->rrs[i].addr, c->addrs[q->idx].addr) && !c->addrs[q->idx].confirmed) {
				c->addrs[q->idx].confirmed = true;
				snprintf(c->addrs[q->idx].by, sizeof(c->addrs[q->idx].by), "%s", a->qname);
				if (strlen(a->qname) > 1 && a->qname[strlen(a->qname) - 1] == '.')
					c->addrs[q->idx].by[strlen(c->addrs[q->idx].by) - 1] = '\0';
			}
		dns_answer_finish(a);
		break;
	}
	free(q);
}

/* ------------------------------------------------------------ the report */

static void add(struct check_report *r, enum check_verdict v, const char *fmt, ...) PRINTF(3, 4);

static void add(struct check_report *r, enum check_verdict v, const char *fmt, ...)
{
	va_list ap;

	r->lines = xrealloc(r->lines, (r->n + 1) * sizeof(*r->lines));
	r->lines[r->n].v = v;
	va_start(ap, fmt);
	vsnprintf(r->lines[r->n].text, sizeof(r->lines[r->n].text), fmt, ap);
	va_end(ap);
	r->n++;
	*(v == CHECK_OK ? &r->nok : v == CHECK_WARN ? &r->nwarn : &r->nfail) += 1;
}

/* A finding without its "SPF: " style prefix. */
static const char *rest(const char *note)
{
	const char *p = note ? strstr(note, ": ") : NULL;

	return p ? p + 2 : note ? note : "";
}

static const char *why(const struct dns_answer *a, bool got)
{
	return !got ? "no answer" : a->rcode < 0 ? a->error : dns_rcode_name(a->rcode);
}

static bool failed(const struct dns_answer *a, bool got)
{
	return !got || (a->rcode != 0 && a->rcode != 3);
}

static void report_ptr(struct check_report *r, const struct addr *ad)
{
	if (failed(&ad->ptr, ad->got_ptr))
		add(r, CHECK_WARN, "PTR %s: lookup failed: %s", ad->addr, why(&ad->ptr, ad->got_ptr));
	else if (ad->ptr.rcode != 0 || ad->ptr.nrrs == 0)
		add(r, CHECK_WARN, "PTR %s: no PTR record (reverse DNS)", ad->addr);
	else if (ad->confirmed)
		add(r, CHECK_OK, "PTR %s: %s (forward-confirmed)", ad->addr, ad->by);
	else
		add(r, CHECK_WARN, "PTR %s: %.*s does not resolve back to %s (no FCrDNS)", ad->addr,
			(int)strlen(ad->ptr.rrs[0].target) - (strlen(ad->ptr.rrs[0].target) > 1),
			ad->ptr.rrs[0].target, ad->addr);
}

static void report_mx(struct chk *c)
{
	struct check_report *r = c->r;
	const char *d = c->o->domain;
	struct strbuf b;
	size_t i, j, s;

	if (failed(&c->mx, c->got_mx)) {
		add(r, CHECK_FAIL, "MX: lookup failed: %s%s%s", why(&c->mx, c->got_mx),
			c->mx.rcode >= 0 && c->mx.error[0] ? ": " : "", c->mx.rcode >= 0 ? c->mx.error : "");
		return;
	}
	if (c->mx.rcode == 3) {
		add(r, CHECK_FAIL, "MX: %s does not exist (NXDOMAIN)", d);
		return;
	}
	if (c->nullmx) {
		if (c->mixed_null)
			add(r, CHECK_FAIL, "MX: a null MX (0 .) beside other MX records (RFC 7505 3)");
		else
			add(r, CHECK_OK, "MX: null MX (RFC 7505): %s accepts no mail", d);
		return;
	}
	strbuf_init(&b);
	for (i = 0; i < c->nhosts; i++)
		strbuf_addf(&b, "%s%d %s", i ? ", " : "", c->hosts[i].pref, c->hosts[i].name);
	if (c->implicit)
		add(r, CHECK_WARN, "MX: no MX records: mail goes to the addresses of %s (implicit MX, RFC 5321 5.1)", d);
	else
		add(r, CHECK_OK, "MX: %zu host%s: %s%s", c->mx_total, c->mx_total == 1 ? "" : "s", b.s,
			c->mx_total > c->nhosts ? " (the rest not checked)" : "");
	strbuf_finish(&b);
	for (i = 0; i < c->nhosts; i++) {
		const struct host *h = &c->hosts[i];
		const struct dns_answer *set[2] = { c->implicit ? &c->a : &h->a4, c->implicit ? &c->aaaa : &h->a6 };
		bool got[2] = { c->implicit ? c->got_a : h->got4, c->implicit ? c->got_aaaa : h->got6 };
		const char *cls = NULL;
		size_t n = 0;

		strbuf_init(&b);
		for (s = 0; s < 2; s++)
			for (j = 0; set[s]->rcode == 0 && j < set[s]->nrrs; j++, n++) {
				strbuf_addf(&b, "%s%s", n ? ", " : "", set[s]->rrs[j].addr);
				if (!cls && maildns_addr_class(set[s]->rrs[j].addr) != MAILDNS_ADDR_PUBLIC)
					cls = maildns_addr_class_name(maildns_addr_class(set[s]->rrs[j].addr));
			}
		if (n == 0 && (failed(set[0], got[0]) || failed(set[1], got[1])))
			add(r, CHECK_FAIL, "MX %s: address lookup failed: %s", h->name,
				why(failed(set[0], got[0]) ? set[0] : set[1], failed(set[0], got[0]) ? got[0] : got[1]));
		else if (n == 0)
			add(r, CHECK_FAIL, "MX: no address for %s", h->name);
		else if (set[0]->ncnames || set[1]->ncnames) {
			const char *cn = set[0]->ncnames ? set[0]->cnames[set[0]->ncnames - 1]
				: set[1]->cnames[set[1]->ncnames - 1];

			add(r, CHECK_WARN, "MX %s: an alias (CNAME to %.*s): an MX must name a host (RFC 2181 10.3): %s",
				h->name, (int)strlen(cn) - (strlen(cn) > 1 && cn[strlen(cn) - 1] == '.'), cn, b.s);
		}
		else if (cls)
			add(r, CHECK_WARN, "MX %s: %s (%s address: not reachable from the Internet)", h->name, b.s, cls);
		else
			add(r, CHECK_OK, "MX %s: %s", h->name, b.s);
		strbuf_finish(&b);
	}
	for (i = 0; i < c->nhosts; i++) {
		const struct dns_answer *set[2] = { c->implicit ? &c->a : &c->hosts[i].a4,
			c->implicit ? &c->aaaa : &c->hosts[i].a6 };

		for (s = 0; s < 2; s++)
			for (j = 0; set[s]->rcode == 0 && j < set[s]->nrrs; j++) {
				size_t k;

				for (k = 0; k < c->naddrs; k++)
					if (c->addrs[k].host == i && maildns_addr_equal(c->addrs[k].addr, set[s]->rrs[j].addr))
						report_ptr(r, &c->addrs[k]);
			}
	}
	if (c->addrs_dropped)
		add(r, CHECK_WARN, "PTR: %zu more addresses not checked", c->addrs_dropped);
}

static void report_dane(struct chk *c)
{
	struct check_report *r = c->r;
	enum dns_sec sec = c->got_mx ? c->mx.sec : DNS_SEC_INDETERMINATE;
	size_t i, k;

	if (sec != DNS_SEC_BOGUS && (!c->got_mx || failed(&c->mx, c->got_mx)))
		return;
	if (sec == DNS_SEC_SECURE)
		add(r, CHECK_OK, "DNSSEC: the %s of %s is signed and validated (secure)",
			c->mx.rcode == 0 && c->mx.nrrs ? "MX RRset" : "denial of MX records", c->o->domain);
	else if (sec == DNS_SEC_BOGUS)
		add(r, CHECK_FAIL, "DNSSEC: the MX RRset of %s is bogus: validation failed%s%s", c->o->domain,
			c->mx.error[0] ? ": " : "", c->mx.error);
	else
		add(r, CHECK_WARN, "DNSSEC: the MX RRset of %s is %s: DANE cannot apply (RFC 7672 2.2)",
			c->o->domain, sec == DNS_SEC_INSECURE ? "not signed (insecure)" : dns_sec_name(sec));
	for (i = 0; i < c->nhosts; i++) {
		const struct host *h = &c->hosts[i];
		const struct dns_answer *t = &h->tlsa;
		size_t unusable = 0;

		for (k = 0; t->rcode == 0 && k < t->nrrs; k++)
			unusable += t->rrs[k].tlsa_usage < 2 || t->rrs[k].tlsa_usage > 3;
		if (failed(t, h->got_tlsa) || t->sec == DNS_SEC_BOGUS)
			add(r, CHECK_FAIL, "DANE %s: TLSA lookup failed (%s): a DANE sender will not deliver to it",
				h->name, t->sec == DNS_SEC_BOGUS ? "bogus" : why(t, h->got_tlsa));
		else if (t->rcode != 0 || t->nrrs == 0)
			add(r, CHECK_WARN, "DANE %s: no TLSA records at _25._tcp.%s (%s): no DANE", h->name, h->name,
				dns_sec_name(t->sec));
		else if (t->sec != DNS_SEC_SECURE)
			add(r, CHECK_WARN, "DANE %s: %zu TLSA record%s, not DNSSEC-secure (%s): unusable", h->name,
				t->nrrs, t->nrrs == 1 ? "" : "s", dns_sec_name(t->sec));
		else if (sec != DNS_SEC_SECURE)
			add(r, CHECK_WARN, "DANE %s: %zu TLSA record%s, but the MX RRset is not secure: DANE does not apply",
				h->name, t->nrrs, t->nrrs == 1 ? "" : "s");
		else if (unusable == t->nrrs)
			add(r, CHECK_FAIL, "DANE %s: only PKIX-TA/PKIX-EE (0/1) TLSA records: unusable for SMTP (RFC 7672 3.1.3)", h->name);
		else
			add(r, unusable ? CHECK_WARN : CHECK_OK, "DANE %s: %zu TLSA record%s (%u %u %u%s), DNSSEC secure%s", h->name, t->nrrs,
				t->nrrs == 1 ? "" : "s", t->rrs[0].tlsa_usage, t->rrs[0].tlsa_selector,
				t->rrs[0].tlsa_mtype, t->nrrs > 1 ? " ..." : "",
				unusable ? "; some with usage 0/1, unusable for SMTP" : "");
	}
}

static void report_spf(struct chk *c)
{
	struct check_report *r = c->r;
	const struct spf_tree *t = &c->spf;
	const char *err, *warn;
	char *rec;

	spf_tree_summarize(&c->spf);
	if (t->verdict == SPF_NONE) {
		add(r, CHECK_FAIL, "SPF: no SPF record at %s", c->o->domain);
		return;
	}
	if (t->verdict != SPF_PASS) {
		add(r, CHECK_FAIL, "SPF: %s: %s (%d lookup%s)", spf_result_name(t->verdict), t->why,
			t->lookups, t->lookups == 1 ? "" : "s");
		return;
	}
	rec = pol_printable(t->root->txt, t->root->txt_len, 200);
	err = pol_notes_first(&t->notes, POL_ERROR);
	warn = pol_notes_first(&t->notes, POL_WARN);
	if (!warn)
		warn = pol_notes_first(&t->root->rec.notes, POL_WARN);
	if (err || warn)
		add(r, err ? CHECK_FAIL : CHECK_WARN, "SPF: %s (%d lookup%s): %s", rec, t->lookups,
			t->lookups == 1 ? "" : "s", rest(err ? err : warn));
	else
		add(r, CHECK_OK, "SPF: %s (%d lookup%s)", rec, t->lookups, t->lookups == 1 ? "" : "s");
	free(rec);
}

static void report_dmarc(struct chk *c)
{
	struct check_report *r = c->r;
	struct dmarc_found f;
	struct dmarc_record rec;
	const char *pol, *warn, *where, *tag;
	size_t i;

	for (i = 0; i < c->dmarc.n; i++)
		if (c->dmarc.ans[i].elapsed_ms > c->slowest)
			c->slowest = c->dmarc.ans[i].elapsed_ms;
	dmarc_lookup_result(&c->dmarc, &f);
	if (f.index < 0) {
		if (f.temperror)
			add(r, CHECK_FAIL, "DMARC: lookup failed: %s", f.error);
		else if (c->dmarc.n > 1)
			add(r, CHECK_FAIL, "DMARC: no record at _dmarc.%s nor above it up to _dmarc.%s (RFC 9989 tree walk)%s%s",
				c->dmarc.names[0], c->dmarc.names[c->dmarc.n - 1], f.duplicates ? "; " : "",
				f.duplicates ? f.error : "");
		else
			add(r, CHECK_FAIL, "DMARC: no record at _dmarc.%s%s%s", c->dmarc.names[0],
				f.duplicates ? "; " : "", f.duplicates ? f.error : "");
		return;
	}
	where = c->dmarc.names[f.index];
	dmarc_parse(f.txt, f.len, &rec);
	if (!rec.valid) {
		add(r, CHECK_FAIL, "DMARC: _dmarc.%s: %s", where, rest(pol_notes_first(&rec.notes, POL_ERROR)));
		dmarc_record_finish(&rec);
		return;
	}
	/* the domain's own record: p; an ancestor's: sp, or np when the domain does not exist */
	tag = f.index == 0 ? "p" : c->got_mx && c->mx.rcode == 3 ? "np" : "sp";
	pol = f.index == 0 ? rec.p : tag[0] == 'n' ? rec.np : rec.sp;
	warn = pol_notes_first(&rec.notes, POL_WARN);
	if (strcmp(pol, "none") == 0)
		add(r, CHECK_WARN, "DMARC: %s=none (monitoring only)%s%s", tag,
			f.index ? ", from the record of the organisational domain " : "", f.index ? where : "");
	else if (warn)
		add(r, CHECK_WARN, "DMARC: %s=%s (_dmarc.%s): %s", tag, pol, where, rest(warn));
	else if (f.index)
		add(r, CHECK_OK, "DMARC: %s=%s from the organisational domain's record _dmarc.%s (RFC 9989 tree walk)",
			tag, pol, where);
	else
		add(r, CHECK_OK, "DMARC: p=%s (_dmarc.%s)", pol, where);
	dmarc_record_finish(&rec);
}

/* The one record of a TXT answer starting as is_rec says: its index; -1 none, -2 several. */
static int one_record(const struct dns_answer *a, bool (*is_rec)(const char *, size_t))
{
	size_t i;
	int found = -1;

	for (i = 0; a->rcode == 0 && i < a->nrrs; i++)
		if (a->rrs[i].txt && is_rec(a->rrs[i].txt, a->rrs[i].txt_len))
			found = found == -1 ? (int)i : -2;
	return found;
}

static void report_sts(struct chk *c)
{
	struct check_report *r = c->r;
	const char *d = c->o->domain;
	struct mtasts_txt txt;
	struct mtasts_policy pol;
	struct mtasts_fetch f;
	const char *addrs[16];
	size_t n = 0, i;
	int k;

	if (failed(&c->sts, c->got_sts)) {
		add(r, CHECK_FAIL, "MTA-STS: _mta-sts.%s: lookup failed: %s", d, why(&c->sts, c->got_sts));
		return;
	}
	k = one_record(&c->sts, mtasts_is_txt);
	if (k == -1) {
		add(r, CHECK_WARN, "MTA-STS: no _mta-sts.%s record (no policy)", d);
		return;
	}
	if (k == -2) {
		add(r, CHECK_FAIL, "MTA-STS: several v=STSv1 records at _mta-sts.%s: senders see no policy (RFC 8461 3.1)", d);
		return;
	}
	mtasts_txt_parse(c->sts.rrs[k].txt, c->sts.rrs[k].txt_len, &txt);
	if (!txt.valid) {
		add(r, CHECK_FAIL, "MTA-STS: _mta-sts.%s: %s", d, rest(pol_notes_first(&txt.notes, POL_ERROR)));
		mtasts_txt_finish(&txt);
		return;
	}
	if (!c->o->fetch_policy) {
		add(r, CHECK_OK, "MTA-STS: id=%s (policy not fetched)", txt.id);
		mtasts_txt_finish(&txt);
		return;
	}
	for (i = 0; c->sts4.rcode == 0 && i < c->sts4.nrrs && n < 16; i++)
		addrs[n++] = c->sts4.rrs[i].addr;
	for (i = 0; c->sts6.rcode == 0 && i < c->sts6.nrrs && n < 16; i++)
		addrs[n++] = c->sts6.rrs[i].addr;
	mtasts_fetch(d, addrs, n, c->o->sts_port, c->o->tls, c->o->timeout_ms, &f);
	r->fetch_ms = f.elapsed_ms;
	if (!f.ok) {
		add(r, CHECK_FAIL, "MTA-STS: id=%s, but the policy fetch failed: %s: %s", txt.id, f.result, f.error);
		goto out;
	}
	mtasts_policy_parse(f.body, f.body_len, &pol);
	if (!pol.valid) {
		add(r, CHECK_FAIL, "MTA-STS: id=%s, sts-policy-invalid: %s", txt.id, rest(pol_notes_first(&pol.notes, POL_ERROR)));
	} else {
		struct strbuf b;
		const char *warn = pol_notes_first(&pol.notes, POL_WARN);

		strbuf_init(&b);
		for (i = 0; i < pol.nmx; i++)
			strbuf_addf(&b, "%s%s", i ? ", " : "", pol.mx[i]);
		add(r, warn ? CHECK_WARN : CHECK_OK, "MTA-STS: id=%s, mode %s, max_age %ld, mx %s%s%s", txt.id,
			pol.mode, pol.max_age, b.s ? b.s : "(none)", warn ? ": " : "", warn ? rest(warn) : "");
		strbuf_finish(&b);
		for (i = 0; strcmp(pol.mode, "none") != 0 && !c->nullmx && i < c->nhosts; i++) {
			const char *m = mtasts_policy_match(&pol, c->hosts[i].name);

			if (m)
				add(r, CHECK_OK, "MTA-STS %s: matches the mx pattern %s", c->hosts[i].name, m);
			else
				add(r, strcmp(pol.mode, "enforce") == 0 ? CHECK_FAIL : CHECK_WARN,
					"MTA-STS %s: matches no mx pattern of the policy: senders %s", c->hosts[i].name,
					strcmp(pol.mode, "enforce") == 0 ? "will not deliver to it" : "report a failure");
		}
	}
	mtasts_policy_finish(&pol);
out:
	mtasts_fetch_finish(&f);
	mtasts_txt_finish(&txt);
}

static void report_rpt(struct chk *c)
{
	struct check_report *r = c->r;
	struct tlsrpt_txt t;
	int k;

	if (failed(&c->rpt, c->got_rpt)) {
		add(r, CHECK_FAIL, "TLS-RPT: _smtp._tls.%s: lookup failed: %s", c->o->domain, why(&c->rpt, c->got_rpt));
		return;
	}
	k = one_record(&c->rpt, tlsrpt_is_txt);
	if (k == -1) {
		add(r, CHECK_WARN, "TLS-RPT: no _smtp._tls.%s record: nobody hears of TLS failures", c->o->domain);
		return;
	}
	if (k == -2) {
		add(r, CHECK_FAIL, "TLS-RPT: several v=TLSRPTv1 records at _smtp._tls.%s (RFC 8460 3)", c->o->domain);
		return;
	}
	tlsrpt_parse(c->rpt.rrs[k].txt, c->rpt.rrs[k].txt_len, &t);
	if (t.valid)
		add(r, CHECK_OK, "TLS-RPT: rua=%s", pol_tags_get(&t.tags, "rua"));
	else
		add(r, CHECK_FAIL, "TLS-RPT: %s", rest(pol_notes_first(&t.notes, POL_ERROR)));
	tlsrpt_finish(&t);
}

bool check_run(const struct check_opts *o, struct check_report *out, struct err *e)
{
	struct chk *c;
	char name[300];
	int64_t t0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!o->domain || !*o->domain || strlen(o->domain) > 253 || strchr(o->domain, ' '))
		return err_set(e, ERR_USAGE, "not a domain name: %s", o->domain ? o->domain : "");
	c = xcalloc(1, sizeof(*c));
	c->o = o;
	c->r = out;
	t0 = now_ms();
	/* the first wave: everything that depends on nothing */
	sub(c, K_MX, 0, o->domain, DNS_T_MX);
	sub(c, K_A, 0, o->domain, DNS_T_A);
	sub(c, K_AAAA, 0, o->domain, DNS_T_AAAA);
	snprintf(name, sizeof(name), "_mta-sts.%s", o->domain);
	sub(c, K_STS, 0, name, DNS_T_TXT);
	snprintf(name, sizeof(name), "mta-sts.%s", o->domain);
	sub(c, K_STS4, 0, name, DNS_T_A);
	sub(c, K_STS6, 0, name, DNS_T_AAAA);
	snprintf(name, sizeof(name), "_smtp._tls.%s", o->domain);
	sub(c, K_RPT, 0, name, DNS_T_TXT);
	if (!spf_tree_start(&c->spf, o->dns, o->domain, e) ||
	    !dmarc_lookup_start(&c->dmarc, o->dns, o->domain, e)) {
		dns_run(o->dns);
		spf_tree_finish(&c->spf);
		goto out;
	}
	dns_run(o->dns);
	out->dns_ms = (int)(now_ms() - t0);
	out->queries = c->queries + c->spf.queries + (int)c->dmarc.n;

	report_mx(c);
	report_dane(c);
	report_spf(c);
	report_dmarc(c);
	report_sts(c);
	report_rpt(c);
	out->slowest_ms = c->slowest;
	spf_tree_finish(&c->spf);
	dmarc_lookup_finish(&c->dmarc);
out:
	dns_answer_finish(&c->mx);
	dns_answer_finish(&c->a);
	dns_answer_finish(&c->aaaa);
	dns_answer_finish(&c->sts);
	dns_answer_finish(&c->rpt);
	dns_answer_finish(&c->sts4);
	dns_answer_finish(&c->sts6);
	for (i = 0; i < CHK_MAX_HOSTS; i++) {
		dns_answer_finish(&c->hosts[i].a4);
		dns_answer_finish(&c->hosts[i].a6);
		dns_answer_finish(&c->hosts[i].tlsa);
	}
	for (i = 0; i < c->naddrs; i++)
		dns_answer_finish(&c->addrs[i].ptr);
	free(c);
	return out->n > 0;
}

void check_report_finish(struct check_report *r)
{
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

/* SPDX-License-Identifier: MIT */
/* SPF (RFC 7208): check_host() for a given address, with synchronous queries. */
#include "spf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_int.h"
#include "util.h"

struct ev {
	struct dns *d;
	const struct spf_eval_opts *o;
	int fam;
	unsigned char ip[16];
	spf_trace_fn *trace;
	void *ctx;
	struct spf_eval *out;
	char stack[SPF_MAX_DEPTH + 2][256];
};

static void say(struct ev *ev, int depth, enum pol_level l, const char *fmt, ...) PRINTF(4, 5);

static void say(struct ev *ev, int depth, enum pol_level l, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (!ev->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ev->trace(ev->ctx, depth, l, buf);
}

/* One query; the rcode, or -1 (with why) when there is no usable answer. */
static int ev_query(struct ev *ev, const char *name, uint16_t type, struct dns_answer *a, char *why,
	size_t whylen)
{
	struct err e;

	err_clear(&e);
	if (!dns_query(ev->d, name, type, a, &e)) {
		memset(a, 0, sizeof(*a));
		snprintf(why, whylen, "%.200s", e.msg);
		return -1;
	}
	if (a->rcode != 0 && a->rcode != 3) {
		snprintf(why, whylen, "%.120s: %.100s", name, a->rcode < 0 ? a->error : dns_rcode_name(a->rcode));
		dns_answer_finish(a);
		return -1;
	}
	return a->rcode;   /* the caller finishes *a */
}

/* 1 match, 0 no match, -1 temperror, -2 permerror (why filled). */
static int ev_void(struct ev *ev, int depth, const char *name, char *why, size_t whylen)
{
	ev->out->voids++;
	say(ev, depth + 1, POL_WARN, "void lookup %d/%d: %s has no records", ev->out->voids, SPF_MAX_VOID, name);
	if (ev->out->voids > SPF_MAX_VOID) {
		snprintf(why, whylen, "more than %d void lookups (RFC 7208 4.6.4)", SPF_MAX_VOID);
		return -2;
	}
	return 0;
}

static int ev_addrs(struct ev *ev, const char *name, int c4, int c6, int *naddrs, char *why, size_t whylen)
{
	struct dns_answer a;
	int rc = ev_query(ev, name, ev->fam == 4 ? DNS_T_A : DNS_T_AAAA, &a, why, whylen), m = 0;
	size_t i;

	if (rc < 0)
		return -1;
	for (i = 0; rc == 0 && i < a.nrrs; i++) {
		int fam;
		unsigned char x[16];

		if (spf_ip_parse(a.rrs[i].addr, &fam, x) &&
		    spf_ip_in(ev->fam, ev->ip, fam, x, ev->fam == 4 ? (c4 < 0 ? 32 : c4) : (c6 < 0 ? 128 : c6)))
			m = 1;
	}
	*naddrs = rc == 0 ? (int)a.nrrs : 0;
	dns_answer_finish(&a);
	return m;
}

static enum spf_result ev_host(struct ev *ev, const char *domain, int depth, char *dec, size_t declen);

static int ev_term(struct ev *ev, const struct spf_term *tm, const char *domain, int depth,
	char *why, size_t whylen, char *dec, size_t declen)
{
	struct spf_macro_ctx mc = { ev->o->sender, domain, ev->o->ip, ev->o->helo, 0 };
	char target[256];
	struct dns_answer a;
	enum spf_result r;
	int rc, n = 0, m = 0;
	size_t i;

	switch (tm->kind) {
	case SPF_ALL:
		return 1;
	case SPF_IP4:
	case SPF_IP6:
		return spf_ip_in(ev->fam, ev->ip, tm->family, tm->addr, tm->family == 4 ? tm->cidr4 : tm->cidr6);
	default:
		break;
	}
	if (!spf_macro_expand(tm->domain ? tm->domain : domain, &mc, false, target, sizeof(target), why, whylen))
		return -2;
	if (tm->macros)
		say(ev, depth + 1, POL_INFO, "macros expand to %s", target);
	switch (tm->kind) {
	case SPF_INCLUDE:
		r = ev_host(ev, target, depth + 1, dec, declen);
		if (r == SPF_TEMPERROR || r == SPF_PERMERROR || r == SPF_NONE) {
			snprintf(why, whylen, "include:%.200s gave %s", target, spf_result_name(r));
			return r == SPF_TEMPERROR ? -1 : -2;
		}
		return r == SPF_PASS;
	case SPF_A:
		m = ev_addrs(ev, target, tm->cidr4, tm->cidr6, &n, why, whylen);
		if (m >= 0)
			say(ev, depth + 1, POL_INFO, "%s %s: %d address%s", target, ev->fam == 4 ? "A" : "AAAA", n,
				n == 1 ? "" : "es");
		return m == 0 && n == 0 ? ev_void(ev, depth, target, why, whylen) : m;
	case SPF_MX:
		if ((rc = ev_query(ev, target, DNS_T_MX, &a, why, whylen)) < 0)
			return -1;
		if (rc != 0 || a.nrrs == 0) {
			dns_answer_finish(&a);
			return ev_void(ev, depth, target, why, whylen);
		}
		if (a.nrrs > SPF_MAX_MX) {
			snprintf(why, whylen, "%.200s has %zu MX hosts, more than %d", target, a.nrrs, SPF_MAX_MX);
			dns_answer_finish(&a);
			return -2;
		}
		for (i = 0; i < a.nrrs && m == 0; i++) {
			if (!a.rrs[i].target || strcmp(a.rrs[i].target, ".") == 0)
				continue;
			m = ev_addrs(ev, a.rrs[i].target, tm->cidr4, tm->cidr6, &n, why, whylen);
			say(ev, depth + 1, POL_INFO, "MX %.*s: %s", (int)strlen(a.rrs[i].target) - 1, a.rrs[i].target,
				m > 0 ? "match" : m < 0 ? why : "no match");
			if (m < 0)
				m = 0;   /* one MX host failing to resolve is not fatal */
		}
		dns_answer_finish(&a);
		return m;
	case SPF_EXISTS:
		if ((rc = ev_query(ev, target, DNS_T_A, &a, why, whylen)) < 0)
			return -1;
		n = rc == 0 ? (int)a.nrrs : 0;
		dns_answer_finish(&a);
		return n > 0 ? 1 : ev_void(ev, depth, target, why, whylen);
	case SPF_PTR: {
		char rev[128];

		if (!dns_reverse_name(ev->o->ip, NULL, rev, sizeof(rev)) ||
		    (rc = ev_query(ev, rev, DNS_T_PTR, &a, why, whylen)) < 0)
			return 0;   /* a PTR failure is no match (RFC 7208 5.5) */
		for (i = 0; rc == 0 && i < a.nrrs && i < 10 && !m; i++) {
			const char *name = a.rrs[i].target;
			size_t ln = strlen(name), lt = strlen(target);

			if (ln && name[ln - 1] == '.')
				ln--;
			if (!(spf_same_name(name, target) || (ln > lt && name[ln - lt - 1] == '.' &&
					strncasecmp(name + ln - lt, target, lt) == 0)))
				continue;
			if (ev_addrs(ev, name, -1, -1, &n, why, whylen) > 0) {
				say(ev, depth + 1, POL_INFO, "validated PTR name %.*s", (int)ln, name);
				m = 1;
			}
		}
		if (rc == 3 || a.nrrs == 0)
			say(ev, depth + 1, POL_INFO, "no PTR record for %s", ev->o->ip);
		dns_answer_finish(&a);
		return m;
	}
	default:
		return 0;
	}
}

static enum spf_result qual_result(char q)
{
	return q == '-' ? SPF_FAIL : q == '~' ? SPF_SOFTFAIL : q == '?' ? SPF_NEUTRAL : SPF_PASS;
}

static enum spf_result ev_fail(struct ev *ev, int depth, enum spf_result r, const char *why)
{
	if (!ev->out->why[0])
		snprintf(ev->out->why, sizeof(ev->out->why), "%.230s", why);
	say(ev, depth, POL_ERROR, "%s: %s", spf_result_name(r), why);
	return r;
}

/* dec gets the term that decided: "ip4:192.0.2.0/24 in example.org", or for an
 * include "include:x > ip4:... in x". */
static enum spf_result ev_host(struct ev *ev, const char *domain, int depth, char *dec, size_t declen)
{
	char inner[300] = "";
	struct dns_answer a;
	struct spf_record rec;
	char why[300], *txt = NULL;
	size_t i, n = 0, len = 0;
	enum spf_result r = SPF_NEUTRAL;
	int rc, d;

	if (depth > SPF_MAX_DEPTH)
		return ev_fail(ev, depth, SPF_PERMERROR, "includes nested too deep");
	for (d = 0; d < depth; d++)
		if (spf_same_name(ev->stack[d], domain)) {
			snprintf(why, sizeof(why), "include loop: %.200s is already being evaluated", domain);
			return ev_fail(ev, depth, SPF_PERMERROR, why);
		}
	snprintf(ev->stack[depth], sizeof(ev->stack[depth]), "%s", domain);
	if ((rc = ev_query(ev, domain, DNS_T_TXT, &a, why, sizeof(why))) < 0)
		return ev_fail(ev, depth, SPF_TEMPERROR, why);
	for (i = 0; rc == 0 && i < a.nrrs; i++)
		if (a.rrs[i].txt && spf_is_record(a.rrs[i].txt, a.rrs[i].txt_len) && n++ == 0) {
			txt = a.rrs[i].txt;
			len = a.rrs[i].txt_len;
		}
	if (n != 1) {
		dns_answer_finish(&a);
		if (n == 0) {
			say(ev, depth, POL_INFO, "%s: no SPF record%s", domain, rc == 3 ? " (NXDOMAIN)" : "");
			return SPF_NONE;
		}
		snprintf(why, sizeof(why), "%.200s has %zu SPF records (RFC 7208 4.5)", domain, n);
		return ev_fail(ev, depth, SPF_PERMERROR, why);
	}
	spf_parse(txt, len, &rec);
	{
		char *p = pol_printable(txt, len, 400);

		say(ev, depth, POL_INFO, "%s: %s", domain, p);
		free(p);
	}
	dns_answer_finish(&a);
	if (!rec.syntax_ok) {
		snprintf(why, sizeof(why), "%s", pol_notes_first(&rec.notes, POL_ERROR));
		spf_record_finish(&rec);
		return ev_fail(ev, depth, SPF_PERMERROR, why);
	}
	for (i = 0; i < rec.n; i++) {
		const struct spf_term *tm = &rec.terms[i];
		int m;

		if (tm->kind > SPF_EXISTS)
			continue;
		if (tm->counts) {
			if (++ev->out->lookups > SPF_MAX_LOOKUPS) {
				r = ev_fail(ev, depth, SPF_PERMERROR, "more than 10 DNS lookups (RFC 7208 4.6.4)");
				goto out;
			}
			say(ev, depth, POL_INFO, "%s: lookup %d/%d", tm->text, ev->out->lookups, SPF_MAX_LOOKUPS);
		}
		why[0] = '\0';
		m = ev_term(ev, tm, domain, depth, why, sizeof(why), inner, sizeof(inner));
		if (m < 0) {
			r = ev_fail(ev, depth, m == -1 ? SPF_TEMPERROR : SPF_PERMERROR, why);
			goto out;
		}
		say(ev, depth, POL_INFO, "%s: %s", tm->text, m ? "match" : "no match");
		if (m) {
			r = qual_result(tm->qual);
			if (tm->kind == SPF_INCLUDE)
				snprintf(dec, declen, "%.100s > %.190s", tm->text, inner);
			else
				snprintf(dec, declen, "%.100s in %.190s", tm->text, domain);
			snprintf(ev->out->where, sizeof(ev->out->where), "%s", domain);
			goto out;
		}
	}
	if (rec.redirect >= 0 && rec.all < 0) {
		const struct spf_term *tm = &rec.terms[rec.redirect];
		struct spf_macro_ctx mc = { ev->o->sender, domain, ev->o->ip, ev->o->helo, 0 };
		char target[256];

		if (++ev->out->lookups > SPF_MAX_LOOKUPS) {
			r = ev_fail(ev, depth, SPF_PERMERROR, "more than 10 DNS lookups (RFC 7208 4.6.4)");
			goto out;
		}
		say(ev, depth, POL_INFO, "%s: lookup %d/%d", tm->text, ev->out->lookups, SPF_MAX_LOOKUPS);
		if (!spf_macro_expand(tm->domain, &mc, false, target, sizeof(target), why, sizeof(why))) {
			r = ev_fail(ev, depth, SPF_PERMERROR, why);
			goto out;
		}
		r = ev_host(ev, target, depth + 1, inner, sizeof(inner));
		if (inner[0])
			snprintf(dec, declen, "%.100s > %.190s", tm->text, inner);
		if (r == SPF_NONE) {
			snprintf(why, sizeof(why), "redirect=%.200s has no SPF record", target);
			r = ev_fail(ev, depth, SPF_PERMERROR, why);
		}
		goto out;
	}
	if (!ev->out->why[0] && depth == 0)
		snprintf(ev->out->why, sizeof(ev->out->why), "no mechanism matched: the default is neutral");
out:
	if (r == SPF_FAIL && depth == 0 && rec.exp >= 0) {
		struct spf_macro_ctx mc = { ev->o->sender, domain, ev->o->ip, ev->o->helo, 0 };
		char target[256];

		if (spf_macro_expand(rec.terms[rec.exp].domain, &mc, false, target, sizeof(target), why, sizeof(why)) &&
		    ev_query(ev, target, DNS_T_TXT, &a, why, sizeof(why)) >= 0) {
			if (a.rcode == 0 && a.nrrs == 1 && a.rrs[0].txt) {
				char *p = pol_printable(a.rrs[0].txt, a.rrs[0].txt_len, 0);

				if (!spf_macro_expand(p, &mc, true, ev->out->explanation,
						sizeof(ev->out->explanation), why, sizeof(why)))
					ev->out->explanation[0] = '\0';
				free(p);
			}
			dns_answer_finish(&a);
		}
	}
	spf_record_finish(&rec);
	return r;
}

enum spf_result spf_check_host(struct dns *d, const char *domain, const struct spf_eval_opts *o,
	spf_trace_fn *trace, void *ctx, struct spf_eval *out)
{
	struct ev ev;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	ev.d = d;
	ev.o = o;
	ev.trace = trace;
	ev.ctx = ctx;
	ev.out = out;
	if (!o->ip || !spf_ip_parse(o->ip, &ev.fam, ev.ip)) {
		snprintf(out->why, sizeof(out->why), "not an IP address: %.200s", o->ip ? o->ip : "(none)");
		return out->result = SPF_PERMERROR;
	}
	out->result = ev_host(&ev, domain, 0, out->mech, sizeof(out->mech));
	if (out->result == SPF_PERMERROR || out->result == SPF_TEMPERROR)
		out->mech[0] = '\0';
	if (out->result == SPF_NONE && !out->why[0])
		snprintf(out->why, sizeof(out->why), "no SPF record at %.200s", domain);
	return out->result;
}

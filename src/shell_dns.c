/* SPDX-License-Identifier: MIT */
/* The session's resolver, and DANE: TLSA records matched against the live chain. */
#include "shell_dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct dns *shell_dns(struct shell *sh)
{
	struct dns_opts o;

	if (sh->dns)
		return sh->dns;
	memset(&o, 0, sizeof(o));
	o.server = sh->opts.dns_server;
	o.timeout_ms = sh->opts.dns_timeout_ms;
	o.trust_anchor = sh->opts.dns_anchor;
	sh->dns = dns_create(&o);
	return sh->dns;
}

void shell_tlsa_finish(struct shell_tlsa *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->data[i]);
	free(t->data);
	free(t->recs);
	memset(t, 0, sizeof(*t));
}

bool shell_tlsa_lookup(struct shell *sh, const char *host, const char *port, struct shell_tlsa *out)
{
	struct dns_answer a;
	struct err e;
	size_t i;

	memset(out, 0, sizeof(*out));
	err_clear(&e);
	snprintf(out->owner, sizeof(out->owner), "_%s._tcp.%s", port, host);
	if (!dns_query(shell_dns(sh), out->owner, DNS_T_TLSA, &a, &e)) {
		shell_emit(sh, RENDER_ERROR, "TLSA lookup of %s: %s", out->owner, e.msg);
		return false;
	}
	out->sec = a.sec;
	out->rcode = a.rcode;
	out->recs = xcalloc(a.nrrs ? a.nrrs : 1, sizeof(*out->recs));
	out->data = xcalloc(a.nrrs ? a.nrrs : 1, sizeof(*out->data));
	for (i = 0; i < a.nrrs; i++) {
		const struct dns_rr *rr = &a.rrs[i];

		out->data[i] = xmalloc(rr->tlsa_len ? rr->tlsa_len : 1);
		memcpy(out->data[i], rr->tlsa_data, rr->tlsa_len);
		out->recs[i].usage = rr->tlsa_usage;
		out->recs[i].selector = rr->tlsa_selector;
		out->recs[i].mtype = rr->tlsa_mtype;
		out->recs[i].data = out->data[i];
		out->recs[i].len = rr->tlsa_len;
	}
	out->n = a.nrrs;
	if (a.rcode < 0)
		shell_emit(sh, RENDER_ERROR, "TLSA lookup of %s: %s", out->owner, a.error);
	dns_answer_finish(&a);
	return true;
}

static char *hex_dup(const unsigned char *p, size_t n)
{
	char *s = xmalloc(n * 2 + 1);
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[n * 2] = '\0';
	return s;
}

enum shell_status shell_dane_show(struct shell *sh, const char *host, const char *port)
{
	struct shell_tlsa t;
	struct tlsc *live = sh->tr ? transport_tls(sh->tr) : NULL;
	bool usable_any = false, matched_any = false;
	enum shell_status st = SHELL_OK;
	size_t i;

	if (!shell_tlsa_lookup(sh, host, port, &t))
		return SHELL_FAILED;
	shell_emit(sh, RENDER_INFO, "%s TLSA: %zu record%s, DNSSEC %s (%s)", t.owner, t.n,
		t.n == 1 ? "" : "s", dns_sec_name(t.sec), dns_rcode_name(t.rcode));
	if (t.n > 0 && t.sec != DNS_SEC_SECURE)
		shell_emit(sh, RENDER_WARN, "the TLSA answer is not DNSSEC-secure: unusable for DANE (RFC 7672 2.2)");
	if (t.n == 0 && t.sec == DNS_SEC_SECURE)
		shell_emit(sh, RENDER_INFO, "no TLSA records (securely denied): no DANE, opportunistic TLS");
	if (t.sec == DNS_SEC_BOGUS) {
		shell_emit(sh, RENDER_ERROR, "the TLSA answer is BOGUS: a DANE sender must not deliver to this host");
		st = SHELL_FAILED;
	}
	for (i = 0; i < t.n; i++) {
		const struct tlsc_tlsa *r = &t.recs[i];
		char *hex = hex_dup(r->data, r->len);
		int m = live ? tlsc_tlsa_match_live(live, r) : -3;
		const char *verdict;
		char buf[64];

		if (m == -2)
			verdict = "unusable for SMTP";
		else if (m == -3)
			verdict = "not checked (no TLS session)";
		else if (m == -1)
			verdict = "NO MATCH in the live chain";
		else {
			snprintf(buf, sizeof(buf), "matches certificate %d of the live chain", m);
			verdict = buf;
		}
		if (m != -2)
			usable_any = true;
		if (m >= 0)
			matched_any = true;
		shell_emit(sh, RENDER_INFO, "  %u %u %u %.64s%s  %s %s %s: %s", r->usage, r->selector, r->mtype,
			hex, strlen(hex) > 64 ? "..." : "", tlsc_tlsa_usage_name(r->usage),
			tlsc_tlsa_selector_name(r->selector), tlsc_tlsa_mtype_name(r->mtype), verdict);
		free(hex);
	}
	if (live && t.n > 0) {
		if (t.sec != DNS_SEC_SECURE)
			shell_emit(sh, RENDER_WARN, "DANE verdict: not applicable (TLSA not DNSSEC-secure)");
		else if (!usable_any)
			shell_emit(sh, RENDER_WARN, "DANE verdict: no usable TLSA record");
		else if (matched_any)
			shell_emit(sh, RENDER_EVENT, "DANE verdict: the live chain matches a TLSA record");
		else {
			shell_emit(sh, RENDER_ERROR, "DANE verdict: FAIL: no TLSA record matches the live chain");
			st = SHELL_FAILED;
		}
	}
	shell_tlsa_finish(&t);
	return st;
}

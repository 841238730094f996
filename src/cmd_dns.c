/* SPDX-License-Identifier: MIT */
/* Handlers of the DNS commands /dns, /mx, /ptr, /bl and /next-mx: they run the
 * lookups of maildns.h and present its reports as marked lines. */
#include "cmd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildns.h"
#include "shell_dns.h"
#include "util.h"

/* Text from the network, made safe for the terminal; the caller frees it. */
static char *safe(const char *s)
{
	char *r = render_sanitize_dup(s ? s : "", s ? strlen(s) : 0);

	return r ? r : xstrdup("");
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static enum shell_status lookup_failed(struct shell *sh, const char *cmd, const struct err *e)
{
	char *m = safe(e->msg);

	shell_emit(sh, RENDER_ERROR, "/%s: %s", cmd, m);
	free(m);
	return e->kind == ERR_USAGE ? SHELL_USAGE : SHELL_CONN;
}

/* "NOERROR, 2 records, DNSSEC secure" and the like, for a header line. */
static void answer_summary(struct strbuf *b, const struct dns_answer *a)
{
	if (a->rcode < 0) {
		strbuf_addf(b, "no answer%s%s%s", a->error[0] ? " (" : "", a->error, a->error[0] ? ")" : "");
		return;
	}
	strbuf_adds(b, dns_rcode_name(a->rcode));
	if (a->rcode == 3)
		strbuf_adds(b, " (no such name)");
	else if (a->rcode == 0 && a->nrrs == 0)
		strbuf_adds(b, ", no records (NODATA)");
	else if (a->rcode == 0)
		strbuf_addf(b, ", %zu record%s", a->nrrs, plural(a->nrrs));
	strbuf_addf(b, ", DNSSEC %s", dns_sec_name(a->sec));
}

/* The header line, the reason of a failure and the CNAME chain of an answer. */
static void show_answer_head(struct shell *sh, const struct dns_answer *a)
{
	struct strbuf b;
	char t[24], *q = safe(a->qname), *err = safe(a->error);
	bool bad = a->rcode < 0 || (a->rcode != 0 && a->rcode != 3) || a->sec == DNS_SEC_BOGUS;
	size_t i;

	strbuf_init(&b);
	strbuf_addf(&b, "%s %s: ", q, dns_type_name(a->qtype, t, sizeof(t)));
	answer_summary(&b, a);
	if (a->rcode >= 0)
		strbuf_addf(&b, " (%s, %d ms%s)", a->server[0] ? a->server : "?", a->elapsed_ms,
			a->tcp ? ", over TCP" : "");
	shell_emit(sh, bad ? RENDER_ERROR : RENDER_EVENT, "%s", b.s);
	if (err[0] && a->rcode >= 0)
		shell_emit(sh, bad ? RENDER_ERROR : RENDER_EVENT, "%s: %s",
			a->sec == DNS_SEC_BOGUS ? "DNSSEC bogus" : "note", err);
	if (a->ncnames) {
		strbuf_reset(&b);
		strbuf_addf(&b, "CNAME chain: %s", q);
		for (i = 0; i < a->ncnames; i++) {
			char *c = safe(a->cnames[i]);

			strbuf_addf(&b, " -> %s", c);
			free(c);
		}
		shell_emit(sh, RENDER_EVENT, "%s", b.s);
	}
	strbuf_finish(&b);
	free(q);
	free(err);
}

/* ------------------------------------------------------------------ /dns */

enum shell_status cmd_dns(struct shell *sh, int argc, char **argv)
{
	const char *tname = argv[1], *name = argv[2];
	uint16_t type = dns_type_from_name(tname);
	struct dns_answer a;
	struct err e;
	char rev[80], t[24];
	enum shell_status st;
	size_t i;

	(void)argc;
	if (!type && dns_type_from_name(argv[2])) {
		/* "/dns example.org MX", as dig takes it */
		tname = argv[2];
		name = argv[1];
		type = dns_type_from_name(tname);
	}
	if (!type) {
		char *s = safe(tname);

		shell_emit(sh, RENDER_ERROR, "/dns: unknown record type \"%s\" (A, AAAA, MX, TXT, TLSA, PTR ...)", s);
		shell_emit(sh, RENDER_ERROR, "usage: /dns <type> <name>");
		free(s);
		return SHELL_USAGE;
	}
	/* PTR of an address: its reverse name. */
	if (type == DNS_T_PTR && dns_reverse_name(name, NULL, rev, sizeof(rev)))
		name = rev;
	err_clear(&e);
	if (!dns_query(shell_dns(sh), name, type, &a, &e))
		return lookup_failed(sh, "dns", &e);
	show_answer_head(sh, &a);
	for (i = 0; i < a.nrrs; i++) {
		char *o = safe(a.rrs[i].owner), *r = safe(a.rrs[i].rdata);

		shell_emit(sh, RENDER_INFO, "  %s %u %s %s", o, (unsigned)a.rrs[i].ttl,
			dns_type_name(a.rrs[i].type, t, sizeof(t)), r);
		free(o);
		free(r);
	}
	st = a.rcode < 0 ? SHELL_CONN : SHELL_OK;
	dns_answer_finish(&a);
	return st;
}

/* ------------------------------------------------------------------ /mx */

static void addr_list(struct strbuf *b, const struct mx_host *h)
{
	size_t k;

	if (h->naddrs == 0) {
		strbuf_adds(b, "no address");
		return;
	}
	for (k = 0; k < h->naddrs; k++)
		strbuf_addf(b, "%s%s", k ? ", " : "", h->addrs[k]);
}

static void show_host(struct shell *sh, const struct mx_host *h)
{
	struct strbuf b;
	char *n = safe(h->name);

	strbuf_init(&b);
	if (h->flags & MXH_NULL) {
		shell_emit(sh, RENDER_INFO, "  %u .", h->pref);
		free(n);
		return;
	}
	strbuf_addf(&b, "  %u %s -> ", h->pref, n);
	addr_list(&b, h);
	shell_emit(sh, RENDER_INFO, "%s", b.s);
	if (h->flags & MXH_CNAME) {
		char *al = safe(h->alias_of);

		shell_emit(sh, RENDER_WARN, "%s is an alias (CNAME) of %s: an MX exchange must not be an alias "
			"(RFC 2181 10.3)", n, al);
		free(al);
	}
	if (h->flags & MXH_IP_LITERAL)
		shell_emit(sh, RENDER_WARN, "%s is an IP address, not a host name: invalid as an MX exchange "
			"(RFC 5321 5.1)", n);
	if (h->flags & MXH_NXDOMAIN)
		shell_emit(sh, RENDER_WARN, "%s does not exist (NXDOMAIN): exchange without addresses, unusable", n);
	else if (h->flags & MXH_NO_ADDRESS)
		shell_emit(sh, RENDER_WARN, "%s has no A or AAAA records: exchange without addresses, unusable", n);
	if (h->flags & MXH_ADDR_TEMP) {
		char *er = safe(h->error);

		shell_emit(sh, RENDER_WARN, "%s: address lookup failed (%s): temporary", n, er);
		free(er);
	}
	if (h->flags & (MXH_LOOPBACK | MXH_PRIVATE)) {
		size_t k;

		strbuf_reset(&b);
		for (k = 0; k < h->naddrs; k++) {
			enum maildns_addr_class c = maildns_addr_class(h->addrs[k]);

			if (c != MAILDNS_ADDR_PUBLIC)
				strbuf_addf(&b, "%s%s (%s)", b.len ? ", " : "", h->addrs[k],
					maildns_addr_class_name(c));
		}
		shell_emit(sh, RENDER_WARN, "%s: not a public address: %s", n, b.s);
	}
	strbuf_finish(&b);
	free(n);
}

/* "mx1.example.test. (10), then mx2.example.test. or mx3.example.test. (20)" */
static void delivery_order(struct strbuf *b, const struct mx_report *r)
{
	size_t i;
	bool first = true;
	int group = -1;

	for (i = 0; i < r->nhosts; i++) {
		const struct mx_host *h = &r->hosts[i];
		char *n;

		if (h->flags & MXH_NULL)
			continue;
		n = safe(h->name);
		if ((int)h->pref != group) {
			if (!first)
				strbuf_addf(b, " (%d), then ", group);
			group = h->pref;
			strbuf_adds(b, n);
		} else {
			strbuf_addf(b, " or %s", n);
		}
		first = false;
		free(n);
	}
	if (!first)
		strbuf_addf(b, " (%d)", group);
}

enum shell_status cmd_mx(struct shell *sh, int argc, char **argv)
{
	struct mx_report r;
	struct dns_answer h;
	struct strbuf b;
	struct err e;
	char *dom;
	size_t i;
	enum shell_status st = SHELL_OK;

	(void)argc;
	err_clear(&e);
	if (!mx_resolve(shell_dns(sh), argv[1], &r, &e))
		return lookup_failed(sh, "mx", &e);
	dom = safe(r.domain);
	strbuf_init(&b);
	/* the header of /dns MX; a failure's reason comes with the verdict below */
	memset(&h, 0, sizeof(h));
	h.qtype = DNS_T_MX;
	h.rcode = r.rcode;
	h.sec = r.sec;
	h.nrrs = r.kind == MX_IMPLICIT || r.kind == MX_NONE ? 0 : r.nhosts;
	answer_summary(&b, &h);
	shell_emit(sh, r.kind == MX_TEMPFAIL ? RENDER_ERROR : RENDER_EVENT, "%s MX: %s", dom, b.s);
	strbuf_reset(&b);
	if (r.ncnames) {
		char *last = safe(r.cnames[r.ncnames - 1]);

		shell_emit(sh, RENDER_EVENT, "%s is an alias of %s: its MX records are used (RFC 5321 5.1)", dom, last);
		free(last);
	}
	switch (r.kind) {
	case MX_NXDOMAIN:
		shell_emit(sh, RENDER_ERROR, "%s: NXDOMAIN: the domain does not exist (a hard error: mail to it bounces)",
			dom);
		st = SHELL_CONN;
		break;
	case MX_TEMPFAIL: {
		char *er = safe(r.error);

		if (r.rcode < 0)
			shell_emit(sh, RENDER_ERROR, "%s: temporary DNS failure (%s): a sender queues the mail and "
				"retries", dom, er[0] ? er : "no answer");
		else
			shell_emit(sh, RENDER_ERROR, "%s: temporary DNS failure (%s%s%s%s): a sender queues the mail "
				"and retries", dom, dns_rcode_name(r.rcode), r.sec == DNS_SEC_BOGUS ? ", DNSSEC bogus" : "",
				er[0] ? ": " : "", er);
		free(er);
		st = SHELL_CONN;
		break;
	}
	case MX_NULL:
		for (i = 0; i < r.nhosts; i++)
			show_host(sh, &r.hosts[i]);
		shell_emit(sh, RENDER_EVENT, "null MX: this domain accepts no mail (RFC 7505; a sender fails at once "
			"with 556 5.1.10)");
		break;
	case MX_NONE:
		shell_emit(sh, RENDER_ERROR, "%s: no MX records and no address records: the domain cannot receive mail",
			dom);
		st = SHELL_CONN;
		break;
	case MX_IMPLICIT:
		shell_emit(sh, RENDER_EVENT, "implicit MX (no MX records): the domain's address records");
		show_host(sh, &r.hosts[0]);
		if (r.usable == 0) {
			shell_emit(sh, RENDER_ERROR, "%s: its address lookups failed: no delivery for now", dom);
			st = SHELL_CONN;
		}
		break;
	case MX_LIST:
		for (i = 0; i < r.nhosts; i++)
			show_host(sh, &r.hosts[i]);
		if (r.null_mixed)
			shell_emit(sh, RENDER_WARN, "null MX mixed with other MX records: a misconfiguration (RFC 7505 3)");
		if (r.usable == 0) {
			shell_emit(sh, RENDER_ERROR, "none of the MX hosts has an address: mail to %s cannot be "
				"delivered", dom);
			st = SHELL_CONN;
			break;
		}
		delivery_order(&b, &r);
		shell_emit(sh, RENDER_EVENT, "delivery order: %s%s", b.s,
			r.usable < r.nhosts - (r.null_mixed ? 1 : 0) ? "; hosts without addresses are skipped" : "");
		break;
	}
	mx_hosts_collect(&r, &sh->mx_hosts, &sh->nmx_hosts);
	strbuf_finish(&b);
	free(dom);
	mx_report_finish(&r);
	return st;
}

enum shell_status cmd_next_mx(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return shell_next_mx(sh);
}

/* ------------------------------------------------------------------ /ptr */

static bool looks_like_host(const char *s)
{
	size_t i;

	if (!s || !strchr(s, '.') || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				c == '-' || c == '.' || c == '_'))
			return false;
	}
	return !maildns_is_ip_literal(s);
}

static void show_ptr(struct shell *sh, const struct ptr_report *r)
{
	struct strbuf b;
	char *err = safe(r->error);
	size_t i;

	strbuf_init(&b);
	if (r->rcode < 0)
		strbuf_adds(&b, "no answer");
	else if (r->rcode == 0 && r->nnames == 0)
		strbuf_addf(&b, "NOERROR, no records (NODATA), DNSSEC %s", dns_sec_name(r->sec));
	else if (r->rcode == 0)
		strbuf_addf(&b, "NOERROR, %zu record%s, DNSSEC %s", r->nnames, plural(r->nnames),
			dns_sec_name(r->sec));
	else
		strbuf_addf(&b, "%s, DNSSEC %s", dns_rcode_name(r->rcode), dns_sec_name(r->sec));
	shell_emit(sh, r->verdict == PTR_TEMPFAIL && r->nnames == 0 ? RENDER_ERROR : RENDER_EVENT,
		"%s PTR (%s): %s", r->addr, r->qname, b.s);
	for (i = 0; i < r->nnames; i++) {
		const struct ptr_name *n = &r->names[i];
		char *nm = safe(n->name);
		size_t k;

		strbuf_reset(&b);
		strbuf_addf(&b, "  %s -> ", nm);
		if (n->naddrs == 0)
			strbuf_addf(&b, "%s", n->rcode == 0 ? "no address" : n->rcode == -2 ? "not looked up"
				: n->rcode < 0 ? "no answer" : dns_rcode_name(n->rcode));
		for (k = 0; k < n->naddrs; k++)
			strbuf_addf(&b, "%s%s", k ? ", " : "", n->addrs[k]);
		strbuf_addf(&b, " (%s)", n->match ? "matches" : "does not match");
		shell_emit(sh, RENDER_INFO, "%s", b.s);
		if (n->generic)
			shell_emit(sh, RENDER_WARN, "%s looks generic (dynamic or ISP-assigned): receivers may distrust it",
				nm);
		free(nm);
	}
	switch (r->verdict) {
	case PTR_FCRDNS_OK:
		for (i = 0; i < r->nnames && !r->names[i].match; i++)
			;
		{
			char *nm = safe(r->names[i].name);

			shell_emit(sh, RENDER_EVENT, "forward-confirmed reverse DNS: %s resolves back to %s", nm, r->addr);
			free(nm);
		}
		break;
	case PTR_FCRDNS_FAIL:
		shell_emit(sh, RENDER_WARN, "forward-confirmed reverse DNS fails: no PTR name resolves back to %s",
			r->addr);
		break;
	case PTR_NONE:
		shell_emit(sh, RENDER_WARN, "%s has no PTR record (%s): many receivers refuse mail from it",
			r->addr, r->rcode == 3 ? "NXDOMAIN" : "NODATA");
		break;
	case PTR_TEMPFAIL:
		shell_emit(sh, RENDER_ERROR, "reverse DNS of %s: temporary DNS failure%s%s%s", r->addr,
			err[0] ? " (" : "", err, err[0] ? ")" : "");
		break;
	}
	strbuf_finish(&b);
	free(err);
}

/* The banner, EHLO or connected name against the reverse DNS of the peer. */
static void compare_name(struct shell *sh, const struct ptr_report *r, const char *what,
	const char *label, const char *given)
{
	const struct ptr_name *c = NULL;
	char *g = safe(given);
	size_t i;

	if (!given) {
		free(g);
		return;
	}
	if (!looks_like_host(given)) {
		shell_emit(sh, RENDER_WARN, "the %s does not give a host name (\"%s\"): nothing to compare", what, g);
		free(g);
		return;
	}
	for (i = 0; i < r->nchecks; i++)
		if (maildns_same_name(r->checks[i].name, given))
			c = &r->checks[i];
	if (ptr_name_is_ptr(r, given)) {
		shell_emit(sh, RENDER_EVENT, "%s %s matches the reverse DNS of %s", label, g, r->addr);
	} else if (r->nnames) {
		char *p = safe(r->names[0].name);

		shell_emit(sh, RENDER_WARN, "reverse DNS does not match %s: %s %s, the PTR of %s is %s", what, label, g,
			r->addr, p);
		free(p);
	}
	if (c && c->match)
		shell_emit(sh, RENDER_EVENT, "%s %s resolves to %s", label, g, r->addr);
	else if (c)
		shell_emit(sh, RENDER_WARN, "%s %s does not resolve to %s (%s)", label, g, r->addr,
			c->naddrs ? "other addresses" : c->rcode == 3 ? "NXDOMAIN" : c->rcode == 0 ? "no address"
			: c->rcode < 0 ? "no answer" : dns_rcode_name(c->rcode));
	free(g);
}

enum shell_status cmd_ptr(struct shell *sh, int argc, char **argv)
{
	struct ptr_report r;
	struct err e;
	const char *addr, *extra[3] = { NULL, NULL, NULL };
	const char *banner = NULL, *ehlo = NULL, *host = NULL;
	size_t nextra = 0;
	enum shell_status st;

	err_clear(&e);
	if (argc == 2) {
		addr = argv[1];
	} else {
		if (!shell_connected(sh) || sh->target.kind == TARGET_UNIX) {
			shell_emit(sh, RENDER_ERROR, "/ptr: not connected over TCP: give an address (/ptr ADDRESS)");
			return SHELL_USAGE;
		}
		addr = transport_peer_addr(sh->tr);
		banner = sh->sess.greeting_domain;
		ehlo = sh->sess.ehlo_domain;
		if (looks_like_host(sh->target.host))
			host = sh->target.host;
		if (looks_like_host(banner))
			extra[nextra++] = banner;
		if (looks_like_host(ehlo))
			extra[nextra++] = ehlo;
		if (host)
			extra[nextra++] = host;
	}
	if (!ptr_resolve(shell_dns(sh), addr, extra, nextra, &r, &e))
		return lookup_failed(sh, "ptr", &e);
	show_ptr(sh, &r);
	if (argc == 1) {
		if (banner)
			compare_name(sh, &r, "banner", "banner name", banner);
		else
			shell_emit(sh, RENDER_WARN, "no banner host name to compare (no 220 greeting yet)");
		if (ehlo)
			compare_name(sh, &r, "EHLO", "EHLO name", ehlo);
		else
			shell_emit(sh, RENDER_EVENT, "no EHLO reply yet: send EHLO to compare its host name");
		if (host)
			compare_name(sh, &r, "host name", "host name", host);
	}
	st = r.verdict == PTR_TEMPFAIL ? SHELL_CONN : SHELL_OK;
	ptr_report_finish(&r);
	return st;
}

/* ------------------------------------------------------------------ /bl */

enum shell_status cmd_bl(struct shell *sh, int argc, char **argv)
{
	const char *item = argv[1];
	const char *const *zones;
	struct dnsbl_result *res;
	struct err e;
	unsigned char a[16];
	bool is_domain = !(inet_pton(AF_INET, item, a) == 1 || inet_pton(AF_INET6, item, a) == 1);
	size_t nzones, i, k, listed = 0, unknown = 0, errors = 0;
	char *it = safe(item);

	if (argc > 2) {
		zones = (const char *const *)argv + 2;
		nzones = (size_t)argc - 2;
	} else if (sh->opts.dnsbl_zones && (!is_domain || sh->opts.ndnsbl_zones == 0)) {
		zones = sh->opts.dnsbl_zones;
		nzones = sh->opts.ndnsbl_zones;
	} else {
		zones = dnsbl_default_zones(is_domain, &nzones);
	}
	if (nzones == 0) {
		shell_emit(sh, RENDER_ERROR, "/bl: no zones (dnsbl-zones is none): name them, /bl %s ZONE...", it);
		free(it);
		return SHELL_USAGE;
	}
	err_clear(&e);
	if (!dnsbl_lookup(shell_dns(sh), item, zones, nzones, &res, &e)) {
		free(it);
		return lookup_failed(sh, "bl", &e);
	}
	shell_emit(sh, RENDER_EVENT, "%s %s in %zu zone%s", is_domain ? "RHSBL: domain" : "DNSBL: address", it,
		nzones, plural(nzones));
	for (i = 0; i < nzones; i++) {
		const struct dnsbl_result *r = &res[i];
		char *z = safe(r->zone), *q = safe(r->qname), *er = safe(r->error);

		switch (r->status) {
		case DNSBL_LISTED:
			listed++;
			shell_emit(sh, RENDER_WARN, "%s: %s is LISTED", z, it);
			break;
		case DNSBL_NOT_LISTED:
			shell_emit(sh, RENDER_EVENT, "%s: not listed (%s)", z, r->rcode == 3 ? "NXDOMAIN" : "NODATA");
			break;
		case DNSBL_ERROR_CODE:
			errors++;
			shell_emit(sh, RENDER_WARN, "%s: no verdict: the list answered an error code, not a listing", z);
			break;
		case DNSBL_BAD_ANSWER:
			errors++;
			shell_emit(sh, RENDER_WARN, "%s: no verdict: not a DNSBL answer", z);
			break;
		case DNSBL_UNKNOWN:
			unknown++;
			if (r->rcode < 0)
				shell_emit(sh, RENDER_ERROR, "%s: unknown (%s)", z, er[0] ? er : "no answer");
			else
				shell_emit(sh, RENDER_ERROR, "%s: unknown (%s%s%s)", z, dns_rcode_name(r->rcode),
					er[0] ? ": " : "", er);
			break;
		}
		for (k = 0; k < r->ncodes; k++)
			shell_emit(sh, RENDER_INFO, "  %s A %s: %s", q, r->codes[k].addr, r->codes[k].meaning);
		for (k = 0; k < r->ntxt; k++) {
			char *t = safe(r->txt[k]);

			shell_emit(sh, RENDER_INFO, "  %s TXT \"%s\"", q, t);
			free(t);
		}
		free(z);
		free(q);
		free(er);
	}
	{
		size_t noverdict = unknown + errors, clean = nzones - listed - noverdict;
		char more[64] = "";

		if (noverdict)
			snprintf(more, sizeof(more), "; no verdict from %zu", noverdict);
		if (listed)
			shell_emit(sh, RENDER_WARN, "%s: listed in %zu of %zu zone%s%s", it, listed, nzones,
				plural(nzones), more);
		else if (clean == 0)
			shell_emit(sh, RENDER_WARN, "%s: no verdict from %s%zu zone%s", it, nzones > 1 ? "any of " : "",
				nzones, plural(nzones));
		else if (noverdict)
			shell_emit(sh, RENDER_WARN, "%s: not listed in %zu of %zu zone%s%s", it, clean, nzones,
				plural(nzones), more);
		else
			shell_emit(sh, RENDER_EVENT, "%s: not listed in %s%zu zone%s", it, nzones > 1 ? "any of " : "",
				nzones, plural(nzones));
	}
	dnsbl_results_free(res, nzones);
	free(it);
	return unknown ? SHELL_CONN : SHELL_OK;
}

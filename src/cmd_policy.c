/* SPDX-License-Identifier: MIT */
/* Handlers of the mail policy commands: /spf /dmarc /dkim /tls-rpt /mta-sts /check. */
#include "cmd.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "dkim.h"
#include "dmarc.h"
#include "interrupt.h"
#include "mtasts.h"
#include "shell_dns.h"
#include "spf.h"
#include "util.h"

/* ------------------------------------------------------------ helpers */

/* Every line here may carry bytes from DNS or a web server (record text, names,
 * HTTP headers): sanitise the whole line before it reaches the screen. */
static void say(struct shell *sh, enum render_kind kind, const char *fmt, ...) PRINTF(3, 4);

static void say(struct shell *sh, enum render_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *s, *safe;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	safe = render_sanitize_dup(s, strlen(s));
	shell_emit(sh, kind, "%s", safe ? safe : "");
	free(safe);
	free(s);
}

/* An answer filled by a callback, for several queries in flight at once. */
struct slot {
	struct dns_answer a;
	bool got;
};

static void slot_cb(void *ctx, struct dns_answer *a)
{
	struct slot *s = ctx;

	s->a = *a;
	s->got = true;
}

static void slot_submit(struct shell *sh, struct slot *s, const char *name, uint16_t type)
{
	struct err e;

	memset(s, 0, sizeof(*s));
	err_clear(&e);
	if (!dns_submit(shell_dns(sh), name, type, slot_cb, s, &e)) {
		s->got = true;
		s->a.rcode = -1;
		snprintf(s->a.error, sizeof(s->a.error), "%.190s", e.msg);
	}
}

static bool slot_failed(const struct slot *s)
{
	return !s->got || (s->a.rcode != 0 && s->a.rcode != 3);
}

static const char *slot_why(const struct slot *s)
{
	return !s->got ? "no answer" : s->a.rcode < 0 ? s->a.error : dns_rcode_name(s->a.rcode);
}

static enum render_kind note_kind(enum pol_level l)
{
	return l == POL_ERROR ? RENDER_ERROR : l == POL_WARN ? RENDER_WARN : RENDER_INFO;
}

static void emit_notes(struct shell *sh, const struct pol_notes *ns, const char *indent)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		say(sh, note_kind(ns->v[i].level), "%s%s", ns->v[i].level == POL_INFO ? indent : "",
			ns->v[i].text);
}

/* Record text for the screen: printable, shortened. Caller frees. */
static char *shown(const char *txt, size_t len)
{
	return pol_printable(txt, len, 300);
}

static bool domain_arg(struct shell *sh, const char *cmd, const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n > 253 || strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != n) {
		char *safe = render_sanitize_dup(d, n);

		say(sh, RENDER_ERROR, "/%s: \"%s\" is not a domain name", cmd, safe);
		free(safe);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ /spf */

static const char *qual_word(char q)
{
	return q == '-' ? "fail" : q == '~' ? "softfail" : q == '?' ? "neutral" : "pass";
}

static void spf_term_line(struct shell *sh, const struct spf_node *nd, size_t i, int depth)
{
	const struct spf_term *tm = &nd->rec.terms[i];
	const struct spf_tterm *tt = &nd->tt[i];
	const char *dom = tt->target[0] ? tt->target : tm->domain ? tm->domain : nd->domain;
	char what[400], extra[300] = "";
	char ip[64];

	switch (tm->bad ? SPF_MODIFIER + 1 : (int)tm->kind) {
	case SPF_ALL: snprintf(what, sizeof(what), "every other address"); break;
	case SPF_INCLUDE: snprintf(what, sizeof(what), "if %s passes", dom); break;
	case SPF_A: snprintf(what, sizeof(what), "an address of %s", dom); break;
	case SPF_MX: snprintf(what, sizeof(what), "an address of an MX host of %s", dom); break;
	case SPF_PTR: snprintf(what, sizeof(what), "a validated PTR name under %s", dom); break;
	case SPF_EXISTS: snprintf(what, sizeof(what), "if %s has an A record", dom); break;
	case SPF_IP4:
	case SPF_IP6:
		if (!inet_ntop(tm->family == 4 ? AF_INET : AF_INET6, tm->addr, ip, sizeof(ip)))
			snprintf(ip, sizeof(ip), "?");
		snprintf(what, sizeof(what), "in %s/%d", ip, tm->family == 4 ? tm->cidr4 : tm->cidr6);
		break;
	case SPF_REDIRECT: snprintf(what, sizeof(what), "if nothing matched: the record of %s decides", dom); break;
	case SPF_EXP: snprintf(what, sizeof(what), "the explanation for a fail is the TXT of %s", dom); break;
	case SPF_MODIFIER: snprintf(what, sizeof(what), "unknown modifier (ignored)"); break;
	default: snprintf(what, sizeof(what), "syntax error"); break;
	}
	if ((tm->kind == SPF_A || tm->kind == SPF_MX) && (tm->cidr4 >= 0 || tm->cidr6 >= 0))
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " (prefix /%d, //%d)",
			tm->cidr4 >= 0 ? tm->cidr4 : 32, tm->cidr6 >= 0 ? tm->cidr6 : 128);
	if (tt->lookup_no)
		snprintf(extra, sizeof(extra), "  [lookup %d/%d%s]", tt->lookup_no, SPF_MAX_LOOKUPS,
			tt->lookup_no > SPF_MAX_LOOKUPS ? ": over the limit" : "");
	if (tt->void_no)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " [void %d/%d%s]", tt->void_no,
			SPF_MAX_VOID, tt->void_no > SPF_MAX_VOID ? ": over the limit" : "");
	if (tm->kind == SPF_A || tm->kind == SPF_MX) {
		size_t l = strlen(extra);

		if (tt->pending == 0 && !tt->skipped && !tt->unreached && !tt->failed && tt->answered &&
		    tm->kind == SPF_MX)
			snprintf(extra + l, sizeof(extra) - l, " %d MX host%s, %d address%s", tt->nmx,
				tt->nmx == 1 ? "" : "s", tt->naddrs, tt->naddrs == 1 ? "" : "es");
		else if (tt->pending == 0 && !tt->skipped && !tt->unreached && !tt->failed && tt->answered)
			snprintf(extra + l, sizeof(extra) - l, " %d address%s", tt->naddrs,
				tt->naddrs == 1 ? "" : "es");
	}
	if (tt->note[0])
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " (%s)", tt->note);
	say(sh, RENDER_INFO, "%*s%-28s %-9s %s%s", 2 + 2 * depth, "", tm->text,
		tm->kind <= SPF_EXISTS && !tm->bad ? qual_word(tm->qual) : "", what, extra);
}

static void spf_node_show(struct shell *sh, const struct spf_node *nd, int depth)
{
	int ind = 2 + 2 * depth;
	size_t k;

	if (nd->loop) {
		say(sh, RENDER_ERROR, "%*s%s: include loop: already being evaluated above (permerror)", ind, "", nd->domain);
		return;
	}
	if (nd->capped) {
		say(sh, RENDER_ERROR, "%*s%s: not followed: the tree is too large or too deep", ind, "", nd->domain);
		return;
	}
	if (nd->rcode != 0) {
		say(sh, nd->rcode == 3 ? RENDER_WARN : RENDER_ERROR, "%*s%s: %s", ind, "", nd->domain,
			nd->rcode == 3 ? "does not exist (NXDOMAIN): no SPF record" : nd->rcode < 0 ? nd->error
			: dns_rcode_name(nd->rcode));
		return;
	}
	if (nd->nrecords != 1) {
		say(sh, nd->nrecords ? RENDER_ERROR : (depth ? RENDER_ERROR : RENDER_WARN), "%*s%s: %s", ind, "",
			nd->domain, nd->nrecords ? "more than one SPF record (RFC 7208 4.5: permerror)" : "no SPF record");
		return;
	}
	{
		char *t = shown(nd->txt, nd->txt_len);

		if (depth)
			say(sh, RENDER_INFO, "%*s%s: \"%s\"", ind, "", nd->domain, t);
		else
			say(sh, RENDER_INFO, "%*s%s: \"%s\" (DNSSEC %s)", ind, "", nd->domain, t,
				dns_sec_name(nd->sec));
		free(t);
	}
	emit_notes(sh, &nd->rec.notes, "");
	for (k = 0; k < nd->rec.n; k++) {
		size_t i = nd->order[k];

		spf_term_line(sh, nd, i, depth);
		if (nd->tt[i].unreached)
			continue;
		if (nd->tt[i].child)
			spf_node_show(sh, nd->tt[i].child, depth + 1);
	}
}

static void spf_trace(void *ctx, int depth, enum pol_level level, const char *text)
{
	struct shell *sh = ctx;

	say(sh, level == POL_ERROR ? RENDER_ERROR : RENDER_INFO, "%*s%s",
		level == POL_ERROR ? 0 : 2 + 2 * depth, "", text);
}

static enum shell_status spf_eval_show(struct shell *sh, const char *domain, const char *ip,
	const char *sender)
{
	struct spf_eval_opts o;
	struct spf_eval ev;
	char snd[320];
	enum spf_result r;

	memset(&o, 0, sizeof(o));
	o.ip = ip;
	snprintf(snd, sizeof(snd), "%s%s", sender ? sender : "postmaster@", sender ? "" : domain);
	o.sender = snd;
	o.helo = sh->opts.ehlo_name;
	say(sh, RENDER_INFO, "SPF check_host(%s, %s, %s):", ip, domain, snd);
	r = spf_check_host(shell_dns(sh), domain, &o, spf_trace, sh, &ev);
	if (ev.mech[0])
		say(sh, RENDER_INFO, "SPF result: %s (%s); %d DNS lookup%s, %d void lookup%s",
			spf_result_name(r), ev.mech, ev.lookups, ev.lookups == 1 ? "" : "s", ev.voids,
			ev.voids == 1 ? "" : "s");
	else
		say(sh, RENDER_INFO, "SPF result: %s (%s); %d DNS lookup%s, %d void lookup%s",
			spf_result_name(r), ev.why, ev.lookups, ev.lookups == 1 ? "" : "s", ev.voids,
			ev.voids == 1 ? "" : "s");
	if (ev.explanation[0]) {
		char *safe = render_sanitize_dup(ev.explanation, strlen(ev.explanation));

		say(sh, RENDER_INFO, "SPF explanation: %s", safe);
		free(safe);
	}
	return r == SPF_PERMERROR || r == SPF_TEMPERROR ? SHELL_FAILED : SHELL_OK;
}

enum shell_status cmd_spf(struct shell *sh, int argc, char **argv)
{
	struct spf_tree t;
	struct err e;
	enum shell_status st = SHELL_OK;

	if (!domain_arg(sh, "spf", argv[1]))
		return SHELL_USAGE;
	if (argc >= 3) {
		int fam;
		unsigned char a[16];

		if (!spf_ip_parse(argv[2], &fam, a)) {
			say(sh, RENDER_ERROR, "/spf: \"%.60s\" is not an IP address", argv[2]);
			return SHELL_USAGE;
		}
		if (argc == 4 && !strchr(argv[3], '@')) {
			say(sh, RENDER_ERROR, "/spf: the sender is an address: local-part@domain");
			return SHELL_USAGE;
		}
		return spf_eval_show(sh, argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	}
	err_clear(&e);
	if (!spf_tree_start(&t, shell_dns(sh), argv[1], &e)) {
		say(sh, RENDER_ERROR, "/spf: %s", e.msg);
		return SHELL_USAGE;
	}
	dns_run(shell_dns(sh));
	spf_tree_summarize(&t);
	say(sh, RENDER_INFO, "SPF record of %s:", argv[1]);
	spf_node_show(sh, t.root, 0);
	emit_notes(sh, &t.notes, "");
	if (t.verdict == SPF_PASS) {
		say(sh, RENDER_INFO, "SPF %s: valid; %d DNS lookup%s (limit %d), %d void lookup%s (limit %d)",
			argv[1], t.lookups, t.lookups == 1 ? "" : "s", SPF_MAX_LOOKUPS, t.voids,
			t.voids == 1 ? "" : "s", SPF_MAX_VOID);
	} else {
		say(sh, RENDER_ERROR, "SPF %s: %s: %s; %d DNS lookup%s (limit %d), %d void lookup%s (limit %d)",
			argv[1], spf_result_name(t.verdict), t.why, t.lookups, t.lookups == 1 ? "" : "s",
			SPF_MAX_LOOKUPS, t.voids, t.voids == 1 ? "" : "s", SPF_MAX_VOID);
		st = SHELL_FAILED;
	}
	spf_tree_finish(&t);
	return st;
}

/* ------------------------------------------------------------ /dmarc */

static bool under(const char *host, const char *dom)
{
	size_t lh = strlen(host), ld = strlen(dom);

	return (lh == ld && strcasecmp(host, dom) == 0) ||
		(lh > ld && host[lh - ld - 1] == '.' && strcasecmp(host + lh - ld, dom) == 0);
}

static void dmarc_external(struct shell *sh, const char *org, const char *list)
{
	struct pol_notes ns = { NULL, 0 };
	char hosts[8][256];
	struct slot s[8];
	size_t n = 0, i, k;

	dmarc_uris_check("rua", list, &ns, hosts, 8, &n);
	pol_notes_finish(&ns);
	for (i = 0; i < n; i++) {
		char name[600];

		s[i].got = false;
		if (under(hosts[i], org))
			continue;
		snprintf(name, sizeof(name), "%.253s._report._dmarc.%.253s", org, hosts[i]);
		slot_submit(sh, &s[i], name, DNS_T_TXT);
	}
	dns_run(shell_dns(sh));
	for (i = 0; i < n; i++) {
		bool yes = false;

		if (under(hosts[i], org))
			continue;
		for (k = 0; s[i].a.rcode == 0 && k < s[i].a.nrrs; k++)
			yes |= s[i].a.rrs[k].txt && dmarc_is_record(s[i].a.rrs[k].txt, s[i].a.rrs[k].txt_len);
		if (yes)
			say(sh, RENDER_INFO, "  reports to %s: authorised by %s._report._dmarc.%s", hosts[i], org, hosts[i]);
		else
			say(sh, RENDER_WARN, "DMARC: reports to %s are not authorised: no v=DMARC1 at %s._report._dmarc.%s (%s): receivers will not send them (RFC 7489 7.1)",
				hosts[i], org, hosts[i], slot_failed(&s[i]) ? slot_why(&s[i]) : "no record");
		dns_answer_finish(&s[i].a);
	}
}

enum shell_status cmd_dmarc(struct shell *sh, int argc, char **argv)
{
	struct dmarc_lookup l;
	struct dmarc_found f;
	struct dmarc_record rec;
	struct strbuf walk;
	struct err e;
	const char *where, *v;
	size_t i;
	char buf[300];
	bool ok;

	(void)argc;
	if (!domain_arg(sh, "dmarc", argv[1]))
		return SHELL_USAGE;
	err_clear(&e);
	if (!dmarc_lookup_start(&l, shell_dns(sh), argv[1], &e)) {
		say(sh, RENDER_ERROR, "/dmarc: %s", e.msg);
		return SHELL_USAGE;
	}
	dns_run(shell_dns(sh));
	dmarc_lookup_result(&l, &f);
	strbuf_init(&walk);
	for (i = 0; i < l.n; i++)
		strbuf_addf(&walk, "%s_dmarc.%s", i ? ", " : "", l.names[i]);
	say(sh, RENDER_INFO, "DMARC policy discovery for %s: RFC 9989 DNS tree walk (no Public Suffix List), at most %d names: %s",
		argv[1], DMARC_WALK_MAX, walk.s);
	strbuf_finish(&walk);
	for (i = 0; i < l.n && (f.index < 0 || i <= (size_t)f.index); i++) {
		const struct dns_answer *a = &l.ans[i];
		size_t k, nrec = 0;

		for (k = 0; a->rcode == 0 && k < a->nrrs; k++)
			nrec += a->rrs[k].txt && dmarc_is_record(a->rrs[k].txt, a->rrs[k].txt_len);
		if (a->rcode != 0 && a->rcode != 3)
			say(sh, RENDER_ERROR, "  _dmarc.%s: %s", l.names[i], a->rcode < 0 ? a->error : dns_rcode_name(a->rcode));
		else if (nrec > 1)
			say(sh, RENDER_ERROR, "  _dmarc.%s: %zu DMARC records: an error, all are ignored", l.names[i], nrec);
		else if (nrec == 0)
			say(sh, RENDER_INFO, "  _dmarc.%s: no record%s", l.names[i], a->rcode == 3 ? " (NXDOMAIN)" : "");
	}
	if (f.index < 0) {
		say(sh, RENDER_ERROR, "DMARC %s: %s", argv[1], f.temperror ? f.error : "no DMARC record");
		dmarc_lookup_finish(&l);
		return SHELL_FAILED;
	}
	where = l.names[f.index];
	{
		char *t = shown(f.txt, f.len);

		say(sh, RENDER_INFO, "  _dmarc.%s: \"%s\" (DNSSEC %s)", where, t, dns_sec_name(f.sec));
		free(t);
	}
	if (f.index > 0)
		say(sh, RENDER_INFO, "found at %s, above %s: the organisational domain's record by the tree walk", where, argv[1]);
	dmarc_parse(f.txt, f.len, &rec);
	for (i = 0; i < rec.tags.n; i++) {
		char tv[96];

		snprintf(tv, sizeof(tv), "%s=%.50s", rec.tags.v[i].name, rec.tags.v[i].value);
		say(sh, RENDER_INFO, "  %-28s %s", tv, dmarc_explain(rec.tags.v[i].name, rec.tags.v[i].value, buf, sizeof(buf)));
	}
	emit_notes(sh, &rec.notes, "  ");
	if ((v = pol_tags_get(&rec.tags, "rua")))
		dmarc_external(sh, where, v);
	if (!rec.valid) {
		say(sh, RENDER_ERROR, "DMARC %s: invalid record at _dmarc.%s", argv[1], where);
	} else {
		say(sh, RENDER_INFO, "policy: %s: %s%s; subdomains: sp=%s; non-existent subdomains: np=%s",
			argv[1], f.index ? "sp=" : "p=", f.index ? rec.sp : rec.p, rec.sp, rec.np);
		say(sh, RENDER_INFO, "alignment: DKIM %s, SPF %s%s%s", rec.adkim == 's' ? "strict" : "relaxed",
			rec.aspf == 's' ? "strict" : "relaxed", rec.pct < 100 ? "; pct<100: partial" : "",
			rec.testing ? "; t=y: test mode" : "");
		say(sh, RENDER_INFO, "DMARC %s: %s%s%s (from _dmarc.%s)", argv[1], f.index ? "sp=" : "p=",
			f.index ? rec.sp : rec.p, strcmp(f.index ? rec.sp : rec.p, "none") == 0 ? " (monitoring only)" : "", where);
	}
	ok = rec.valid;
	if (f.duplicates) {
		say(sh, RENDER_ERROR, "DMARC %s: %s: by RFC 7489 the domain then has no policy at all; "
			"RFC 9989 skips those records and walks on, as shown", argv[1], f.error);
		ok = false;
	}
	dmarc_record_finish(&rec);
	dmarc_lookup_finish(&l);
	return ok ? SHELL_OK : SHELL_FAILED;
}

/* ------------------------------------------------------------ /dkim */

enum shell_status cmd_dkim(struct shell *sh, int argc, char **argv)
{
	struct slot s;
	struct dkim_key k;
	char name[600];
	size_t i, ntxt = 0;
	bool ok;

	(void)argc;
	if (!domain_arg(sh, "dkim", argv[1]) || !domain_arg(sh, "dkim", argv[2]))
		return SHELL_USAGE;
	snprintf(name, sizeof(name), "%s._domainkey.%s", argv[1], argv[2]);
	slot_submit(sh, &s, name, DNS_T_TXT);
	dns_run(shell_dns(sh));
	if (slot_failed(&s)) {
		say(sh, RENDER_ERROR, "DKIM %s: lookup failed: %s", name, slot_why(&s));
		dns_answer_finish(&s.a);
		return SHELL_FAILED;
	}
	for (i = 0; i < s.a.ncnames; i++)
		say(sh, RENDER_INFO, "DKIM %s: CNAME -> %s", i ? s.a.cnames[i - 1] : name, s.a.cnames[i]);
	for (i = 0; s.a.rcode == 0 && i < s.a.nrrs; i++)
		ntxt += s.a.rrs[i].txt != NULL;
	if (ntxt == 0) {
		say(sh, RENDER_ERROR, "DKIM %s: no key record%s", name, s.a.rcode == 3 ? " (NXDOMAIN)" : "");
		dns_answer_finish(&s.a);
		return SHELL_FAILED;
	}
	if (ntxt > 1) {
		say(sh, RENDER_ERROR, "DKIM %s: %zu TXT records: verifiers may use either, or fail (RFC 6376 3.6.2.2)", name, ntxt);
		for (i = 0; i < s.a.nrrs; i++) {
			char *t = shown(s.a.rrs[i].txt, s.a.rrs[i].txt_len);

			say(sh, RENDER_INFO, "  \"%s\"", t);
			free(t);
		}
		dns_answer_finish(&s.a);
		return SHELL_FAILED;
	}
	{
		char *t = pol_printable(s.a.rrs[0].txt, s.a.rrs[0].txt_len, 120);

		say(sh, RENDER_INFO, "DKIM %s: \"%s\" (DNSSEC %s)", name, t, dns_sec_name(s.a.sec));
		free(t);
	}
	dkim_parse(s.a.rrs[0].txt, s.a.rrs[0].txt_len, &k);
	for (i = 0; i < k.tags.n; i++) {
		char tv[96];
		size_t vl = strlen(k.tags.v[i].value);

		if (vl > 40)
			snprintf(tv, sizeof(tv), "%s=%.20s...", k.tags.v[i].name, k.tags.v[i].value);
		else
			snprintf(tv, sizeof(tv), "%s=%s", k.tags.v[i].name, k.tags.v[i].value);
		say(sh, RENDER_INFO, "  %-28s %s%s", tv, dkim_tag_meaning(k.tags.v[i].name),
			vl > 40 ? " (long value shortened)" : "");
	}
	emit_notes(sh, &k.notes, "  ");
	if (k.key_type[0])
		say(sh, RENDER_INFO, "key: %s %d bits (k=%s)", k.key_type, k.bits, k.k);
	say(sh, RENDER_INFO, "flags: %s%s%s", k.testing ? "t=y testing" : "", k.testing && k.strict ? ", " : "",
		k.strict ? "t=s strict (no subdomains in i=)" : !k.testing ? "none" : "");
	if (k.revoked)
		say(sh, RENDER_ERROR, "DKIM %s: revoked (empty p=)", name);
	else if (!k.valid)
		say(sh, RENDER_ERROR, "DKIM %s: unusable: %s", name, pol_notes_first(&k.notes, POL_ERROR));
	else
		say(sh, RENDER_INFO, "DKIM %s: %s %d bits%s", name, k.key_type, k.bits,
			k.testing ? ", testing" : "");
	ok = k.valid;
	dkim_key_finish(&k);
	dns_answer_finish(&s.a);
	return ok ? SHELL_OK : SHELL_FAILED;
}

/* ------------------------------------------------------------ /tls-rpt */

/* The one record of a TXT answer that is_rec accepts; NULL with a message otherwise. */
static const struct dns_rr *one_txt(struct shell *sh, const struct slot *s, const char *what,
	const char *name, bool (*is_rec)(const char *, size_t))
{
	const struct dns_rr *found = NULL;
	size_t i, n = 0;

	if (slot_failed(s)) {
		say(sh, RENDER_ERROR, "%s %s: lookup failed: %s", what, name, slot_why(s));
		return NULL;
	}
	for (i = 0; s->a.rcode == 0 && i < s->a.nrrs; i++)
		if (s->a.rrs[i].txt && is_rec(s->a.rrs[i].txt, s->a.rrs[i].txt_len) && n++ == 0)
			found = &s->a.rrs[i];
	if (n == 0)
		say(sh, RENDER_ERROR, "%s %s: no record%s", what, name, s->a.rcode == 3 ? " (NXDOMAIN)" : "");
	else if (n > 1)
		say(sh, RENDER_ERROR, "%s %s: %zu records, exactly one is allowed", what, name, n);
	if (n != 1)
		return NULL;
	{
		char *t = shown(found->txt, found->txt_len);

		say(sh, RENDER_INFO, "%s %s: \"%s\" (DNSSEC %s)", what, name, t, dns_sec_name(s->a.sec));
		free(t);
	}
	return found;
}

enum shell_status cmd_tlsrpt(struct shell *sh, int argc, char **argv)
{
	struct slot s;
	struct tlsrpt_txt t;
	const struct dns_rr *rr;
	char name[300];
	bool ok;

	(void)argc;
	if (!domain_arg(sh, "tls-rpt", argv[1]))
		return SHELL_USAGE;
	snprintf(name, sizeof(name), "_smtp._tls.%s", argv[1]);
	slot_submit(sh, &s, name, DNS_T_TXT);
	dns_run(shell_dns(sh));
	rr = one_txt(sh, &s, "TLS-RPT", name, tlsrpt_is_txt);
	if (!rr) {
		dns_answer_finish(&s.a);
		return SHELL_FAILED;
	}
	tlsrpt_parse(rr->txt, rr->txt_len, &t);
	emit_notes(sh, &t.notes, "  ");
	if (t.valid)
		say(sh, RENDER_INFO, "TLS-RPT %s: ok: %zu report URI%s: %s", argv[1], t.nrua,
			t.nrua == 1 ? "" : "s", pol_tags_get(&t.tags, "rua"));
	else
		say(sh, RENDER_ERROR, "TLS-RPT %s: invalid record", argv[1]);
	ok = t.valid;
	tlsrpt_finish(&t);
	dns_answer_finish(&s.a);
	return ok ? SHELL_OK : SHELL_FAILED;
}

/* ------------------------------------------------------------ /mta-sts */

/* The port of the policy fetch: 443, or SMTPSH_MTA_STS_PORT (a test and
 * debugging override). NULL (and a message) when the variable is bad. */
static const char *sts_port(struct shell *sh)
{
	const char *p = getenv("SMTPSH_MTA_STS_PORT");
	long v;

	if (!p || !*p)
		return "443";
	if (!str_to_long(p, 1, 65535, &v)) {
		say(sh, RENDER_ERROR, "SMTPSH_MTA_STS_PORT: not a port number (1-65535)");
		return NULL;
	}
	return p;
}

static void sts_match(struct shell *sh, const struct mtasts_policy *pol, const char *what,
	const char *host, bool *all_ok)
{
	const char *m = mtasts_policy_match(pol, host);
	unsigned char a[16];
	int fam;

	if (spf_ip_parse(host, &fam, a)) {
		say(sh, RENDER_WARN, "%s %s: an address: MTA-STS checks host names", what, host);
		*all_ok = false;
	} else if (m) {
		say(sh, RENDER_INFO, "%s %s: matches %s", what, host, m);
	} else {
		say(sh, strcmp(pol->mode, "enforce") == 0 ? RENDER_ERROR : RENDER_WARN,
			"%s %s: matches no mx pattern of the policy: %s", what, host,
			strcmp(pol->mode, "enforce") == 0 ? "senders will not deliver to it" : "senders report a failure");
		*all_ok = false;
	}
}

enum shell_status cmd_mtasts(struct shell *sh, int argc, char **argv)
{
	struct slot txt, a4, a6, mx;
	struct mtasts_txt t;
	struct mtasts_policy pol;
	struct mtasts_fetch f;
	const struct dns_rr *rr;
	const char *addrs[16], *port = sts_port(sh);
	char name[300], host[300];
	size_t i, n = 0;
	bool ok = false, all_ok = true;

	(void)argc;
	if (!domain_arg(sh, "mta-sts", argv[1]))
		return SHELL_USAGE;
	if (!port)
		return SHELL_USAGE;
	snprintf(name, sizeof(name), "_mta-sts.%s", argv[1]);
	snprintf(host, sizeof(host), "mta-sts.%s", argv[1]);
	slot_submit(sh, &txt, name, DNS_T_TXT);
	slot_submit(sh, &a4, host, DNS_T_A);
	slot_submit(sh, &a6, host, DNS_T_AAAA);
	slot_submit(sh, &mx, argv[1], DNS_T_MX);
	dns_run(shell_dns(sh));
	memset(&t, 0, sizeof(t));
	memset(&f, 0, sizeof(f));
	rr = one_txt(sh, &txt, "MTA-STS", name, mtasts_is_txt);
	if (!rr)
		goto out;
	mtasts_txt_parse(rr->txt, rr->txt_len, &t);
	emit_notes(sh, &t.notes, "  ");
	if (t.valid)
		say(sh, RENDER_INFO, "  id=%s", t.id);
	for (i = 0; a4.a.rcode == 0 && i < a4.a.nrrs && n < 16; i++)
		addrs[n++] = a4.a.rrs[i].addr;
	for (i = 0; a6.a.rcode == 0 && i < a6.a.nrrs && n < 16; i++)
		addrs[n++] = a6.a.rrs[i].addr;
	if (n == 0)
		say(sh, RENDER_ERROR, "MTA-STS policy: sts-policy-fetch-error: %s has no address (%s)", host,
			slot_failed(&a4) ? slot_why(&a4) : "no A or AAAA record");
	if (n == 0)
		goto out;
	say(sh, RENDER_INFO, "policy: https://%s/.well-known/mta-sts.txt%s%s", host,
		strcmp(port, "443") ? " on port " : "", strcmp(port, "443") ? port : "");
	mtasts_fetch(argv[1], addrs, n, port, &sh->opts.tls, sh->opts.timeout_ms, &f);
	if (f.addr[0])
		say(sh, RENDER_INFO, "  connected to %s port %s; TLS: %s%s", f.addr, f.port,
			f.tls_ok ? "certificate verified for " : "not established", f.tls_ok ? f.host : "");
	if (f.status == 200)
		say(sh, RENDER_INFO, "  HTTP 200, Content-Type %s, %zu bytes", f.ctype[0] ? f.ctype : "(none)",
			f.body_len);
	else if (f.status)
		say(sh, RENDER_INFO, "  HTTP %d%s%s", f.status, f.location[0] ? ", Location " : "", f.location);
	if (!f.ok) {
		say(sh, RENDER_ERROR, "MTA-STS policy: %s: %s", f.result, f.error);
		goto out;
	}
	mtasts_policy_parse(f.body, f.body_len, &pol);
	{
		const char *p = f.body, *end = f.body + f.body_len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = (size_t)((nl ? nl : end) - p);
			char *line;

			if (len && p[len - 1] == '\r')
				len--;
			line = render_sanitize_dup(p, len);
			if (len)
				say(sh, RENDER_INFO, "  | %s", line);
			free(line);
			p = nl ? nl + 1 : end;
		}
	}
	emit_notes(sh, &pol.notes, "  ");
	if (pol.valid && strcmp(pol.mode, "none") != 0) {
		for (i = 1; mx.a.rcode == 0 && i < mx.a.nrrs; i++) {
			size_t j;

			for (j = i; j > 0 && mx.a.rrs[j - 1].pref > mx.a.rrs[j].pref; j--) {
				struct dns_rr tmp = mx.a.rrs[j];

				mx.a.rrs[j] = mx.a.rrs[j - 1];
				mx.a.rrs[j - 1] = tmp;
			}
		}
		for (i = 0; mx.a.rcode == 0 && i < mx.a.nrrs; i++) {
			char h[256];

			snprintf(h, sizeof(h), "%s", mx.a.rrs[i].target);
			if (strlen(h) > 1 && h[strlen(h) - 1] == '.')
				h[strlen(h) - 1] = '\0';
			if (strcmp(h, ".") != 0)
				sts_match(sh, &pol, "MX", h, &all_ok);
		}
		if (shell_connected(sh) && sh->have_target && sh->target.kind == TARGET_INET)
			sts_match(sh, &pol, "connected host", sh->target.host, &all_ok);
	}
	ok = pol.valid && t.valid && (all_ok || strcmp(pol.mode, "enforce") != 0);
	if (pol.valid && t.valid)
		say(sh, all_ok ? RENDER_INFO : RENDER_WARN, "MTA-STS %s: mode %s, id %s, max_age %ld%s", argv[1],
			pol.mode, t.id, pol.max_age, all_ok ? "" : "; some hosts do not match");
	else
		say(sh, RENDER_ERROR, "MTA-STS %s: sts-policy-invalid", argv[1]);
	mtasts_policy_finish(&pol);
out:
	mtasts_fetch_finish(&f);
	mtasts_txt_finish(&t);
	dns_answer_finish(&txt.a);
	dns_answer_finish(&a4.a);
	dns_answer_finish(&a6.a);
	dns_answer_finish(&mx.a);
	return ok ? SHELL_OK : SHELL_FAILED;
}

/* ------------------------------------------------------------ /check */

enum shell_status cmd_check(struct shell *sh, int argc, char **argv)
{
	struct check_opts o;
	struct check_report r;
	struct err e;
	size_t i;
	int64_t t0 = now_ms();

	(void)argc;
	if (!domain_arg(sh, "check", argv[1]))
		return SHELL_USAGE;
	memset(&o, 0, sizeof(o));
	o.domain = argv[1];
	o.dns = shell_dns(sh);
	o.tls = &sh->opts.tls;
	o.sts_port = sts_port(sh);
	if (!o.sts_port)
		return SHELL_USAGE;
	o.timeout_ms = sh->opts.timeout_ms;
	o.fetch_policy = true;
	say(sh, RENDER_INFO, "check %s (resolver %s):", argv[1], dns_server_desc(o.dns));
	err_clear(&e);
	if (!check_run(&o, &r, &e)) {
		say(sh, RENDER_ERROR, "/check: %s", e.msg);
		check_report_finish(&r);
		return SHELL_USAGE;
	}
	if (interrupt_pending()) {
		/* Every unanswered query failed at once: those are not findings. */
		say(sh, RENDER_WARN, "check %s: stopped after %d ms, no verdict", argv[1],
			(int)(now_ms() - t0));
		check_report_finish(&r);
		return SHELL_INTERRUPTED;
	}
	for (i = 0; i < r.n; i++)
		say(sh, RENDER_INFO, "%-4s %s", check_verdict_name(r.lines[i].v), r.lines[i].text);
	say(sh, RENDER_INFO, "check %s: %d ok, %d warn, %d fail; %d DNS queries in %d ms (slowest answer %d ms)%s%.0d%s, %d ms in all",
		argv[1], r.nok, r.nwarn, r.nfail, r.queries, r.dns_ms, r.slowest_ms,
		r.fetch_ms ? ", policy fetch " : "", r.fetch_ms, r.fetch_ms ? " ms" : "", (int)(now_ms() - t0));
	i = (size_t)r.nfail;
	check_report_finish(&r);
	return i ? SHELL_FAILED : SHELL_OK;
}

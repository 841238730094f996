/* SPDX-License-Identifier: MIT */
/* SPF (RFC 7208): parser, macros, the include tree and check_host(). */
#include "spf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

const char *spf_result_name(enum spf_result r)
{
	static const char *const n[] = { "none", "neutral", "pass", "fail", "softfail",
		"temperror", "permerror" };

	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

const char *spf_kind_name(enum spf_kind k)
{
	static const char *const n[] = { "all", "include", "a", "mx", "ptr", "ip4", "ip6",
		"exists", "redirect", "exp", "modifier" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

bool spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

/* ------------------------------------------------------------ macros */

#define LETTER(c) (1u << ((c) - 'a'))

bool spf_macro_scan(const char *spec, bool exp, unsigned *letters)
{
	const char *p = spec;

	*letters = 0;
	while (*p) {
		unsigned char c = (unsigned char)*p;

		if (c != '%') {
			if ((c < 0x21 || c > 0x7e) && !(exp && c == ' '))
				return false;
			p++;
			continue;
		}
		if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
			p += 2;
			continue;
		}
		if (p[1] != '{')
			return false;
		c = (unsigned char)tolower((unsigned char)p[2]);
		if (!c || (!strchr("slodiphv", c) && !(exp && strchr("crt", c))))
			return false;
		*letters |= LETTER(c);
		p += 3;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == 'r' || *p == 'R')
			p++;
		while (*p && strchr(".-+,/_=", *p))
			p++;
		if (*p != '}')
			return false;
		p++;
	}
	return true;
}

/* "1.2.3.4" / nibbles "2.0.0.1.0.d.b.8...." for %{i}. */
static void ip_dotted(int fam, const unsigned char *a, char *out, size_t len)
{
	size_t i, o = 0;

	if (fam == 4) {
		snprintf(out, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	for (i = 0; i < 16 && o + 4 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%x.%x", i ? "." : "", a[i] >> 4, a[i] & 15);
}

static void url_escape(const char *in, struct strbuf *b)
{
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c) || strchr("-._~", c))
			strbuf_add(b, (const char *)&c, 1);
		else
			strbuf_addf(b, "%%%02X", c);
	}
}

bool spf_macro_expand(const char *spec, const struct spf_macro_ctx *c, bool exp, char *out,
	size_t outlen, char *why, size_t whylen)
{
	struct strbuf b;
	unsigned letters;
	const char *p = spec;
	char sender[512];
	int fam = 0;
	unsigned char a[16];

	if (!spf_macro_scan(spec, exp, &letters)) {
		snprintf(why, whylen, "bad macro syntax in \"%.80s\"", spec);
		return false;
	}
	if (c->sender && strchr(c->sender, '@'))
		snprintf(sender, sizeof(sender), "%s%s", c->sender[0] == '@' ? "postmaster" : "", c->sender);
	else
		snprintf(sender, sizeof(sender), "postmaster@%s", c->domain ? c->domain : "");
	if (c->ip && !spf_ip_parse(c->ip, &fam, a))
		fam = 0;
	strbuf_init(&b);
	strbuf_adds(&b, "");
	while (*p) {
		char val[600], *parts[128];
		const char *q;
		char delims[16] = "", *save = NULL, *tok;
		size_t nparts = 0, i, keep = 0, nd = 0, start;
		bool rev = false, upper;
		int letter;

		if (*p != '%') {
			strbuf_add(&b, p++, 1);
			continue;
		}
		if (p[1] != '{') {
			strbuf_adds(&b, p[1] == '%' ? "%" : p[1] == '_' ? " " : "%20");
			p += 2;
			continue;
		}
		letter = tolower((unsigned char)p[2]);
		upper = isupper((unsigned char)p[2]);
		q = p + 3;
		while (isdigit((unsigned char)*q))
			keep = keep * 10 + (size_t)(*q++ - '0');
		if (q > p + 3 && keep == 0) {
			snprintf(why, whylen, "macro %%{%c0}: zero parts (RFC 7208 7.3)", letter);
			strbuf_finish(&b);
			return false;
		}
		if (*q == 'r' || *q == 'R') {
			rev = true;
			q++;
		}
		while (*q != '}' && nd + 1 < sizeof(delims))
			delims[nd++] = *q++;
		if (!nd)
			delims[nd++] = '.';
		delims[nd] = '\0';
		p = strchr(q, '}') + 1;
		switch (letter) {
		case 's': snprintf(val, sizeof(val), "%s", sender); break;
		case 'l': snprintf(val, sizeof(val), "%.*s", (int)(strrchr(sender, '@') - sender), sender); break;
		case 'o': snprintf(val, sizeof(val), "%s", strrchr(sender, '@') + 1); break;
		case 'd': snprintf(val, sizeof(val), "%s", c->domain ? c->domain : ""); break;
		case 'i':
		case 'c':
			if (!fam) {
				snprintf(why, whylen, "%%{%c} needs the client address", letter);
				strbuf_finish(&b);
				return false;
			}
			if (letter == 'i')
				ip_dotted(fam, a, val, sizeof(val));
			else
				inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, val, sizeof(val));
			break;
		case 'v': snprintf(val, sizeof(val), "%s", fam == 6 ? "ip6" : "in-addr"); break;
		case 'h': snprintf(val, sizeof(val), "%s", c->helo ? c->helo : "unknown"); break;
		case 't': snprintf(val, sizeof(val), "%lld", c->now ? c->now : (long long)time(NULL)); break;
		default: snprintf(val, sizeof(val), "unknown"); break;   /* p, r */
		}
		for (tok = strtok_r(val, delims, &save); tok && nparts < 128; tok = strtok_r(NULL, delims, &save))
			parts[nparts++] = tok;
		if (rev)
			for (i = 0; i < nparts / 2; i++) {
				char *t = parts[i];

				parts[i] = parts[nparts - 1 - i];
				parts[nparts - 1 - i] = t;
			}
		start = keep && keep < nparts ? nparts - keep : 0;
		for (i = start; i < nparts; i++) {
			struct strbuf one;

			if (i > start)
				strbuf_adds(&b, ".");
			if (!upper) {
				strbuf_adds(&b, parts[i]);
				continue;
			}
			strbuf_init(&one);
			url_escape(parts[i], &one);
			strbuf_adds(&b, one.s ? one.s : "");
			strbuf_finish(&one);
		}
	}
	if (!exp) {
		/* RFC 7208 7.3: longer than 253: drop labels from the left */
		const char *s = b.s;
		size_t n = b.len;

		if (n && s[n - 1] == '.')
			n--;
		while (n > 253 && strchr(s, '.')) {
			const char *dot = strchr(s, '.');

			n -= (size_t)(dot + 1 - s);
			s = dot + 1;
		}
		snprintf(out, outlen, "%.*s", (int)n, s);
	} else {
		snprintf(out, outlen, "%s", b.s);
	}
	strbuf_finish(&b);
	return true;
}

/* ------------------------------------------------------------ addresses */

bool spf_ip_parse(const char *s, int *family, unsigned char addr[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		if (memcmp(addr, mapped, 12) == 0) {
			memmove(addr, addr + 12, 4);
			*family = 4;
		}
		return true;
	}
	return false;
}

bool spf_ip_in(int family, const unsigned char *addr, int nfamily, const unsigned char *net,
	int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (family != nfamily || prefix < 0 || prefix > (family == 4 ? 32 : 128))
		return false;
	if (memcmp(addr, net, (size_t)full) != 0)
		return false;
	return !rest || ((addr[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* ------------------------------------------------------------ parser */

static bool cidr_ok(const char *s, size_t n, int max, int *out)
{
	size_t i;
	int v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return v <= max;
}

/* domain-spec = macro-string domain-end (RFC 7208 7.1). */
static bool domain_spec_ok(const char *d, unsigned *letters)
{
	size_t n = strlen(d), i, lab = 0;
	const char *top;
	bool alpha = false;

	if (!n || !spf_macro_scan(d, false, letters))
		return false;
	if (d[n - 1] == '}' || (n >= 2 && d[n - 2] == '%'))
		return true;   /* ends in a macro-expand */
	if (d[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (lab == 0 && !*letters)
				return false;
			lab = 0;
		} else if (++lab > 63) {
			return false;
		}
	}
	top = d + n;
	while (top > d && top[-1] != '.')
		top--;
	if (top == d || top == d + n || *top == '-' || d[n - 1] == '-')
		return false;
	for (; top < d + n; top++) {
		if (!isalnum((unsigned char)*top) && *top != '-')
			return false;
		alpha |= isalpha((unsigned char)*top) != 0 || *top == '-';
	}
	return alpha;
}

static void bad(struct spf_record *r, const char *term, const char *what)
{
	pol_note_add(&r->notes, POL_ERROR, "SPF: \"%.80s\": %s", term, what);
	r->syntax_ok = false;
}

static void parse_term(struct spf_record *r, const char *w, size_t n)
{
	static const struct { const char *name; enum spf_kind kind; } mechs[] = {
		{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A }, { "mx", SPF_MX },
		{ "ptr", SPF_PTR }, { "ip4", SPF_IP4 }, { "ip6", SPF_IP6 }, { "exists", SPF_EXISTS },
	};
	struct spf_term t;
	char *text = xstrndup(w, n), *work = xstrndup(w, n), *arg = NULL;
	size_t sep = strcspn(text, ":/="), i, nl;
	bool was_ok = r->syntax_ok;

	memset(&t, 0, sizeof(t));
	r->syntax_ok = true;
	t.text = text;
	t.cidr4 = t.cidr6 = -1;
	t.qual = '+';
	if (text[sep] == '=') {
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(sep < 63 ? sep : 63), text);
		t.domain = xstrdup(text + sep + 1);
		t.kind = strcasecmp(name, "redirect") == 0 ? SPF_REDIRECT
			: strcasecmp(name, "exp") == 0 ? SPF_EXP : SPF_MODIFIER;
		for (i = 0; i < sep; i++)
			if (!(isalpha((unsigned char)text[i]) || (i && (isdigit((unsigned char)text[i]) ||
					strchr("-_.", text[i])))))
				break;
		if (sep == 0 || i < sep)
			bad(r, text, "bad modifier name");
		else if (t.kind == SPF_MODIFIER && !spf_macro_scan(t.domain, false, &t.macros))
			bad(r, text, "bad macro in the modifier's value");
		else if (t.kind != SPF_MODIFIER && !domain_spec_ok(t.domain, &t.macros))
			bad(r, text, "bad domain");
		if (t.kind == SPF_REDIRECT || t.kind == SPF_EXP) {
			int *slot = t.kind == SPF_REDIRECT ? &r->redirect : &r->exp;

			if (*slot >= 0)
				bad(r, text, t.kind == SPF_REDIRECT ? "duplicate redirect (RFC 7208 6)"
					: "duplicate exp (RFC 7208 6)");
			else
				*slot = (int)r->n;
		}
		t.counts = t.kind == SPF_REDIRECT;
		goto add;
	}
	if (strchr("+-~?", text[0])) {
		t.qual = text[0];
		t.qual_explicit = true;
	}
	nl = strcspn(text + t.qual_explicit, ":/");
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == nl && strncasecmp(text + t.qual_explicit, mechs[i].name, nl) == 0)
			break;
	if (i == sizeof(mechs) / sizeof(mechs[0])) {
		bad(r, text, "unknown mechanism");
		goto add;
	}
	t.kind = mechs[i].kind;
	t.counts = t.kind == SPF_INCLUDE || t.kind == SPF_A || t.kind == SPF_MX ||
		t.kind == SPF_PTR || t.kind == SPF_EXISTS;
	arg = work + t.qual_explicit + nl;
	if (t.kind == SPF_ALL) {
		if (*arg)
			bad(r, text, "all takes no argument");
		else if (r->all < 0)
			r->all = (int)r->n;
		goto add;
	}
	if (t.kind == SPF_A || t.kind == SPF_MX || t.kind == SPF_IP4 || t.kind == SPF_IP6) {
		/* cidr lengths from the end: "/24", "//64", "/24//64" */
		char *sl = strstr(arg, "//");
		int max = t.kind == SPF_IP6 ? 128 : 32;

		if (sl && t.kind != SPF_IP6 && t.kind != SPF_IP4) {
			if (!cidr_ok(sl + 2, strlen(sl + 2), 128, &t.cidr6)) {
				bad(r, text, "bad IPv6 CIDR length (0-128)");
				goto add;
			}
			*sl = '\0';
		}
		sl = strrchr(arg, '/');
		if (sl && (t.kind != SPF_IP6 || strchr(arg, ':'))) {
			int *dst = t.kind == SPF_IP6 ? &t.cidr6 : &t.cidr4;

			if (!cidr_ok(sl + 1, strlen(sl + 1), max, dst)) {
				bad(r, text, max == 128 ? "bad CIDR length (0-128)" : "bad CIDR length (0-32)");
				goto add;
			}
			*sl = '\0';
		}
	}
	if (*arg == ':') {
		arg++;
		if (t.kind == SPF_IP4 || t.kind == SPF_IP6) {
			int fam = 0;

			if (t.kind == SPF_IP6)
				fam = inet_pton(AF_INET6, arg, t.addr) == 1 ? 6 : 0;
			else
				fam = inet_pton(AF_INET, arg, t.addr) == 1 ? 4 : 0;
			if (!fam)
				bad(r, text, t.kind == SPF_IP4 ? "bad IPv4 address" : "bad IPv6 address");
			t.family = t.kind == SPF_IP4 ? 4 : 6;
			if (t.kind == SPF_IP4 && t.cidr4 < 0)
				t.cidr4 = 32;
			if (t.kind == SPF_IP6 && t.cidr6 < 0)
				t.cidr6 = 128;
			if ((t.kind == SPF_IP4 ? t.cidr4 : t.cidr6) == 0)
				pol_note_add(&r->notes, POL_WARN, "SPF: \"%.80s\" matches every address", text);
		} else if (!domain_spec_ok(arg, &t.macros)) {
			bad(r, text, "bad domain");
		} else {
			t.domain = xstrdup(arg);
		}
	} else if (*arg) {
		bad(r, text, "bad syntax after the mechanism name");
	} else if (t.kind == SPF_INCLUDE || t.kind == SPF_EXISTS || t.kind == SPF_IP4 || t.kind == SPF_IP6) {
		bad(r, text, "needs an argument after \":\"");
	}
	if (t.kind == SPF_PTR)
		pol_note_add(&r->notes, POL_WARN, "SPF: \"%.80s\": ptr should not be used (RFC 7208 5.5): slow, and often ignored", text);
add:
	free(work);
	t.bad = !r->syntax_ok;
	r->syntax_ok = was_ok && r->syntax_ok;
	if (t.bad)
		t.counts = false;
	r->terms = xrealloc(r->terms, (r->n + 1) * sizeof(*r->terms));
	r->terms[r->n++] = t;
}

bool spf_parse(const char *txt, size_t len, struct spf_record *out)
{
	size_t pos = 6;

	memset(out, 0, sizeof(*out));
	out->redirect = out->exp = out->all = -1;
	out->syntax_ok = true;
	if (!spf_is_record(txt, len)) {
		pol_note_add(&out->notes, POL_ERROR, "SPF: the record does not start with v=spf1");
		out->syntax_ok = false;
		return false;
	}
	if (memchr(txt, '\0', len))
		bad(out, "v=spf1", "NUL byte in the record");
	while (pos < len) {
		size_t end;

		if (txt[pos] == ' ') {
			pos++;
			continue;
		}
		end = pos;
		while (end < len && txt[end] != ' ')
			end++;
		parse_term(out, txt + pos, end - pos);
		pos = end;
	}
	if (len > 450)
		pol_note_add(&out->notes, POL_WARN, "SPF: the record is %zu bytes: keep it under about 450 so answers fit in UDP", len);
	if (out->all >= 0 && out->redirect >= 0)
		pol_note_add(&out->notes, POL_WARN, "SPF: redirect= is ignored: the record has all (RFC 7208 6.1)");
	return out->syntax_ok;
}

void spf_record_finish(struct spf_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->terms[i].text);
		free(r->terms[i].domain);
	}
	free(r->terms);
	pol_notes_finish(&r->notes);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ the tree */

#define TREE_MAX_NODES 64
#define TREE_MAX_DEPTH 10

enum tq_kind { TQ_TXT, TQ_ADDR, TQ_MX, TQ_MXADDR, TQ_EXISTS };

struct tq {
	struct spf_tree *t;
	struct spf_node *node;
	size_t term;
	enum tq_kind kind;
};

static void tree_cb(void *ctx, struct dns_answer *a);

static bool same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static void tree_submit(struct spf_tree *t, struct spf_node *nd, size_t term, enum tq_kind kind,
	const char *name, uint16_t type)
{
	struct tq *q = xcalloc(1, sizeof(*q));
	struct err e;

	q->t = t;
	q->node = nd;
	q->term = term;
	q->kind = kind;
	err_clear(&e);
	if (!dns_submit(t->dns, name, type, tree_cb, q, &e)) {
		free(q);
		if (kind == TQ_TXT) {
			nd->done = true;
			nd->rcode = -1;
			snprintf(nd->error, sizeof(nd->error), "%.199s", e.msg);
		} else {
			nd->tt[term].failed = true;
			snprintf(nd->tt[term].note, sizeof(nd->tt[term].note), "%.199s", e.msg);
		}
		return;
	}
	t->pending++;
	t->queries++;
	if (kind != TQ_TXT)
		nd->tt[term].pending++;
}

static struct spf_node *tree_node(struct spf_tree *t, struct spf_node *parent, enum spf_kind via,
	const char *domain)
{
	struct spf_node *nd = xcalloc(1, sizeof(*nd)), *up;

	snprintf(nd->domain, sizeof(nd->domain), "%s", domain);
	nd->parent = parent;
	nd->via = via;
	nd->depth = parent ? parent->depth + 1 : 0;
	nd->rcode = -1;
	t->nnodes++;
	for (up = parent; up; up = up->parent)
		if (same_name(up->domain, domain))
			nd->loop = true;
	if (nd->loop)
		return nd;
	if (t->nnodes > TREE_MAX_NODES || nd->depth > TREE_MAX_DEPTH) {
		nd->capped = true;
		return nd;
	}
	tree_submit(t, nd, 0, TQ_TXT, domain, DNS_T_TXT);
	return nd;
}

/* The evaluation order: mechanisms as written, then the modifiers. */
static void tree_order(struct spf_node *nd)
{
	size_t i, k = 0;

	nd->order = xcalloc(nd->rec.n ? nd->rec.n : 1, sizeof(*nd->order));
	for (i = 0; i < nd->rec.n; i++)
		if (nd->rec.terms[i].kind <= SPF_EXISTS)
			nd->order[k++] = i;
	for (i = 0; i < nd->rec.n; i++)
		if (nd->rec.terms[i].kind > SPF_EXISTS)
			nd->order[k++] = i;
}

static void tree_follow(struct spf_tree *t, struct spf_node *nd)
{
	bool after_all = false;
	size_t k;

	for (k = 0; k < nd->rec.n; k++) {
		size_t i = nd->order[k];
		const struct spf_term *tm = &nd->rec.terms[i];
		struct spf_tterm *tt = &nd->tt[i];
		struct spf_macro_ctx mc;
		char why[160];

		if (after_all && tm->kind <= SPF_EXISTS) {
			tt->unreached = true;
			snprintf(tt->note, sizeof(tt->note), "never reached: after all (RFC 7208 5.1)");
			continue;
		}
		if (tm->kind == SPF_ALL)
			after_all = true;
		if (tm->kind == SPF_REDIRECT && nd->rec.all >= 0) {
			tt->unreached = true;
			snprintf(tt->note, sizeof(tt->note), "ignored: the record has all");
			continue;
		}
		if (!tm->counts)
			continue;
		if (tm->kind == SPF_PTR) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "needs the client address: not looked up");
			continue;
		}
		if (tm->macros & ~LETTER('d')) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "depends on the message (macros): not looked up");
			continue;
		}
		memset(&mc, 0, sizeof(mc));
		mc.domain = nd->domain;
		if (!spf_macro_expand(tm->domain ? tm->domain : nd->domain, &mc, false, tt->target,
				sizeof(tt->target), why, sizeof(why))) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "%s", why);
			continue;
		}
		switch (tm->kind) {
		case SPF_INCLUDE:
		case SPF_REDIRECT:
			tt->child = tree_node(t, nd, tm->kind, tt->target);
			break;
		case SPF_A:
			tree_submit(t, nd, i, TQ_ADDR, tt->target, DNS_T_A);
			tree_submit(t, nd, i, TQ_ADDR, tt->target, DNS_T_AAAA);
			break;
		case SPF_MX:
			tree_submit(t, nd, i, TQ_MX, tt->target, DNS_T_MX);
			break;
		case SPF_EXISTS:
			tree_submit(t, nd, i, TQ_EXISTS, tt->target, DNS_T_A);
			break;
		default:
			break;
		}
	}
}

static void tree_txt(struct spf_tree *t, struct spf_node *nd, const struct dns_answer *a)
{
	size_t i;

	nd->done = true;
	nd->rcode = a->rcode;
	nd->sec = a->sec;
	snprintf(nd->error, sizeof(nd->error), "%s", a->error);
	for (i = 0; a->rcode == 0 && i < a->nrrs; i++) {
		if (!a->rrs[i].txt || !spf_is_record(a->rrs[i].txt, a->rrs[i].txt_len))
			continue;
		if (nd->nrecords++ == 0) {
			nd->txt = xstrndup(a->rrs[i].txt, a->rrs[i].txt_len);
			nd->txt_len = a->rrs[i].txt_len;
		}
	}
	if (nd->nrecords != 1)
		return;
	nd->parsed = true;
	spf_parse(nd->txt, nd->txt_len, &nd->rec);
	nd->tt = xcalloc(nd->rec.n ? nd->rec.n : 1, sizeof(*nd->tt));
	tree_order(nd);
	if (nd->rec.syntax_ok)
		tree_follow(t, nd);
}

static void tree_cb(void *ctx, struct dns_answer *a)
{
	struct tq *q = ctx;
	struct spf_tree *t = q->t;
	struct spf_node *nd = q->node;
	struct spf_tterm *tt = q->kind == TQ_TXT ? NULL : &nd->tt[q->term];
	size_t i, n = 0;

	t->pending--;
	if (!tt) {
		tree_txt(t, nd, a);
		goto out;
	}
	tt->pending--;
	if (a->rcode != 0 && a->rcode != 3) {
		tt->failed = true;
		snprintf(tt->note, sizeof(tt->note), "%.120s %s: %.60s", a->qname,
			a->qtype == DNS_T_MX ? "MX" : "address", a->rcode < 0 ? a->error : dns_rcode_name(a->rcode));
		goto out;
	}
	n = a->rcode == 0 ? a->nrrs : 0;
	switch (q->kind) {
	case TQ_MX:
		tt->answered++;
		for (i = 0; i < n; i++) {
			if (strcmp(a->rrs[i].target ? a->rrs[i].target : ".", ".") == 0)
				continue;
			if (tt->nmx++ < SPF_MAX_MX) {
				tree_submit(t, nd, q->term, TQ_MXADDR, a->rrs[i].target, DNS_T_A);
				tree_submit(t, nd, q->term, TQ_MXADDR, a->rrs[i].target, DNS_T_AAAA);
			}
		}
		if (tt->nmx == 0)
			tt->empty++;
		break;
	case TQ_MXADDR:
		tt->naddrs += (int)n;
		break;
	default:
		tt->answered++;
		tt->naddrs += (int)n;
		if (n == 0)
			tt->empty++;
		break;
	}
	if (tt->pending == 0 && tt->answered > 0 && tt->empty == tt->answered)
		tt->is_void = true;
out:
	dns_answer_finish(a);
	free(q);
}

bool spf_tree_start(struct spf_tree *t, struct dns *d, const char *domain, struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->dns = d;
	if (!domain || !*domain || strlen(domain) > 253)
		return err_set(e, ERR_USAGE, "not a domain name");
	t->root = tree_node(t, NULL, SPF_ALL, domain);
	return true;
}

static void tree_error(struct spf_tree *t, enum spf_result r, const char *fmt, ...) PRINTF(3, 4);

static void tree_error(struct spf_tree *t, enum spf_result r, const char *fmt, ...)
{
	va_list ap;

	if (t->verdict != SPF_PASS)
		return;   /* the first error decides, as in an evaluation */
	t->verdict = r;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

static void tree_walk(struct spf_tree *t, struct spf_node *nd)
{
	size_t k;
	bool root = nd == t->root;

	if (nd->loop) {
		char chain[200] = "";
		const struct spf_node *up;

		for (up = nd; up; up = up->parent) {
			char tmp[200];

			snprintf(tmp, sizeof(tmp), "%.80s%s%.110s", up->domain, chain[0] ? " -> " : "", chain);
			memcpy(chain, tmp, sizeof(chain));
			if (up != nd && same_name(up->domain, nd->domain))
				break;
		}
		tree_error(t, SPF_PERMERROR, "include loop: %s", chain);
		return;
	}
	if (nd->capped) {
		tree_error(t, SPF_PERMERROR, "more than %d records or %d levels deep", TREE_MAX_NODES,
			TREE_MAX_DEPTH);
		return;
	}
	if (nd->rcode != 0 && nd->rcode != 3) {
		tree_error(t, SPF_TEMPERROR, "TXT %s: %s", nd->domain,
			nd->rcode < 0 ? nd->error : dns_rcode_name(nd->rcode));
		return;
	}
	if (nd->nrecords == 0) {
		if (root)
			tree_error(t, SPF_NONE, "no SPF record at %s", nd->domain);
		else
			tree_error(t, SPF_PERMERROR, "%s=%s has no SPF record", spf_kind_name(nd->via), nd->domain);
		return;
	}
	if (nd->nrecords > 1) {
		tree_error(t, SPF_PERMERROR, "%s has %d SPF records (RFC 7208 4.5)", nd->domain, nd->nrecords);
		return;
	}
	if (!nd->rec.syntax_ok) {
		tree_error(t, SPF_PERMERROR, "syntax error in the record of %s: %s", nd->domain,
			pol_notes_first(&nd->rec.notes, POL_ERROR) + 5);
		return;
	}
	for (k = 0; k < nd->rec.n; k++) {
		size_t i = nd->order[k];
		const struct spf_term *tm = &nd->rec.terms[i];
		struct spf_tterm *tt = &nd->tt[i];

		if (!tm->counts || tt->unreached)
			continue;
		tt->lookup_no = ++t->lookups;
		if (t->lookups == SPF_MAX_LOOKUPS + 1)
			tree_error(t, SPF_PERMERROR, "more than %d DNS lookups (RFC 7208 4.6.4)", SPF_MAX_LOOKUPS);
		if (tt->is_void || (tt->child && tt->child->done && tt->child->rcode == 3) ||
		    (tt->child && tt->child->rcode == 0 && tt->child->nrecords == 0 && !tt->child->loop)) {
			tt->void_no = ++t->voids;
			if (t->voids == SPF_MAX_VOID + 1)
				tree_error(t, SPF_PERMERROR, "more than %d void lookups (RFC 7208 4.6.4)", SPF_MAX_VOID);
		}
		if (tt->failed)
			tree_error(t, SPF_TEMPERROR, "%s", tt->note);
		if (tt->nmx > SPF_MAX_MX)
			tree_error(t, SPF_PERMERROR, "%s has %d MX hosts, more than %d (RFC 7208 4.6.4)",
				tt->target, tt->nmx, SPF_MAX_MX);
		if (tt->child)
			tree_walk(t, tt->child);
	}
}

void spf_tree_summarize(struct spf_tree *t)
{
	const struct spf_record *r;

	t->verdict = SPF_PASS;
	t->lookups = t->voids = 0;
	pol_notes_finish(&t->notes);
	if (!t->root)
		return;
	tree_walk(t, t->root);
	if (t->verdict == SPF_PASS && t->lookups > SPF_MAX_LOOKUPS - 3)
		pol_note_add(&t->notes, POL_WARN, "SPF: %d DNS lookups: close to the limit of %d",
			t->lookups, SPF_MAX_LOOKUPS);
	if (!t->root->parsed)
		return;
	r = &t->root->rec;
	if (r->all < 0 && r->redirect < 0)
		pol_note_add(&t->notes, POL_WARN, "SPF: no all and no redirect: unmatched addresses get neutral");
	if (r->all >= 0 && r->terms[r->all].qual == '+')
		pol_note_add(&t->notes, POL_ERROR, "SPF: +all: every address of the Internet passes");
	else if (r->all >= 0 && r->terms[r->all].qual == '?')
		pol_note_add(&t->notes, POL_WARN, "SPF: ?all: unmatched addresses get neutral, no protection");
}

static void node_free(struct spf_node *nd)
{
	size_t i;

	if (!nd)
		return;
	for (i = 0; nd->tt && i < nd->rec.n; i++)
		node_free(nd->tt[i].child);
	free(nd->tt);
	free(nd->order);
	free(nd->txt);
	spf_record_finish(&nd->rec);
	free(nd);
}

void spf_tree_finish(struct spf_tree *t)
{
	node_free(t->root);
	pol_notes_finish(&t->notes);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ check_host() */

struct ev {
	struct dns *d;
	const struct spf_eval_opts *o;
	int fam;
	unsigned char ip[16];
	spf_trace_fn *trace;
	void *ctx;
	struct spf_eval *out;
	char stack[TREE_MAX_DEPTH + 2][256];
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
			if (!(same_name(name, target) || (ln > lt && name[ln - lt - 1] == '.' &&
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

	if (depth > TREE_MAX_DEPTH)
		return ev_fail(ev, depth, SPF_PERMERROR, "includes nested too deep");
	for (d = 0; d < depth; d++)
		if (same_name(ev->stack[d], domain)) {
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

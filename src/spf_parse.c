/* SPDX-License-Identifier: MIT */
/* SPF (RFC 7208): the record parsed term by term, the macro language and addresses. */
#include "spf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "spf_int.h"
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

bool spf_same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* ------------------------------------------------------------ macros */

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
		*letters |= SPF_LETTER(c);
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

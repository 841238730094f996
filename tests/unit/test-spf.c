/* SPDX-License-Identifier: MIT */
/* Unit tests for the SPF parser, macros and address matching (RFC 7208). */
#include "spf.h"
#include "tap.h"

#include <string.h>

static bool parse(const char *txt, struct spf_record *r)
{
	return spf_parse(txt, strlen(txt), r);
}

/* Does the record parse, and does an error note contain want? */
static void bad(const char *txt, const char *want, const char *what)
{
	struct spf_record r;
	size_t i;
	bool found = false;

	ok(!parse(txt, &r), "%s: permerror", what);
	for (i = 0; i < r.notes.n; i++)
		if (r.notes.v[i].level == POL_ERROR && strstr(r.notes.v[i].text, want))
			found = true;
	if (!ok(found, "%s: the error names \"%s\"", what, want))
		for (i = 0; i < r.notes.n; i++)
			printf("#   note: %s\n", r.notes.v[i].text);
	spf_record_finish(&r);
}

static bool has_note(const struct spf_record *r, enum pol_level l, const char *want)
{
	size_t i;

	for (i = 0; i < r->notes.n; i++)
		if (r->notes.v[i].level == l && strstr(r->notes.v[i].text, want))
			return true;
	return false;
}

static void test_record_detection(void)
{
	ok(spf_is_record("v=spf1 -all", 11), "v=spf1 -all is SPF");
	ok(spf_is_record("v=spf1", 6), "a bare v=spf1 is SPF");
	ok(spf_is_record("V=SPF1 -all", 11), "the version is case-insensitive");
	ok(!spf_is_record("v=spf10 -all", 12), "v=spf10 is not SPF");
	ok(!spf_is_record("v=spf1-all", 10), "v=spf1 must be followed by a space");
	ok(!spf_is_record("spf1 -all", 9), "no v= prefix");
	ok(!spf_is_record("v=DMARC1; p=none", 16), "DMARC is not SPF");
}

static void test_every_mechanism(void)
{
	struct spf_record r;
	const char *txt = "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 "
		"mx mx:example.com/28 ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 "
		"exists:%{i}.bl.example.com redirect=_spf.example.net exp=exp.example.com "
		"x-custom=whatever";

	ok(parse(txt, &r), "a record with every mechanism and modifier parses");
	is_int(r.n, 14, "14 terms");
	is_int(r.terms[0].kind, SPF_ALL, "all");
	is_int(r.terms[0].qual, '+', "explicit + qualifier");
	ok(r.terms[0].qual_explicit, "the qualifier was written");
	is_int(r.terms[1].kind, SPF_INCLUDE, "include");
	is_int(r.terms[1].qual, '-', "- qualifier");
	is_str(r.terms[1].domain, "_spf.example.com", "include domain");
	is_int(r.terms[2].kind, SPF_A, "a");
	is_int(r.terms[2].qual, '~', "~ qualifier");
	ok(r.terms[2].domain == NULL, "a without a domain: the current domain");
	is_int(r.terms[3].qual, '?', "? qualifier");
	is_str(r.terms[3].domain, "mail.example.com", "a:domain");
	is_int(r.terms[3].cidr4, 24, "a: IPv4 prefix");
	is_int(r.terms[3].cidr6, 64, "a: IPv6 prefix (dual-cidr-length)");
	is_int(r.terms[4].kind, SPF_MX, "mx");
	is_int(r.terms[4].qual, '+', "the default qualifier is +");
	ok(!r.terms[4].qual_explicit, "and it was not written");
	is_int(r.terms[5].cidr4, 28, "mx:domain/28");
	is_int(r.terms[5].cidr6, -1, "no IPv6 prefix");
	is_int(r.terms[6].kind, SPF_PTR, "ptr");
	is_str(r.terms[7].domain, "example.org", "ptr:domain");
	is_int(r.terms[8].kind, SPF_IP4, "ip4");
	is_int(r.terms[8].cidr4, 24, "ip4 prefix");
	is_int(r.terms[8].addr[0], 192, "ip4 address");
	is_int(r.terms[9].kind, SPF_IP6, "ip6");
	is_int(r.terms[9].cidr6, 32, "ip6 prefix");
	is_int(r.terms[10].kind, SPF_EXISTS, "exists");
	ok(r.terms[10].macros & (1u << ('i' - 'a')), "exists: the %%{i} macro is seen");
	is_int(r.terms[11].kind, SPF_REDIRECT, "redirect");
	is_int(r.redirect, 11, "redirect index");
	is_int(r.terms[12].kind, SPF_EXP, "exp");
	is_int(r.exp, 12, "exp index");
	is_int(r.terms[13].kind, SPF_MODIFIER, "an unknown modifier is kept (and ignored)");
	is_int(r.all, 0, "the all index");
	ok(r.terms[1].counts && r.terms[2].counts && r.terms[4].counts && r.terms[6].counts &&
		r.terms[10].counts && r.terms[11].counts, "include a mx ptr exists redirect cost a lookup");
	ok(!r.terms[0].counts && !r.terms[8].counts && !r.terms[9].counts && !r.terms[12].counts &&
		!r.terms[13].counts, "all ip4 ip6 exp and unknown modifiers do not");
	ok(has_note(&r, POL_WARN, "ptr should not be used"), "ptr is warned about");
	ok(has_note(&r, POL_WARN, "redirect= is ignored"), "redirect beside all is warned about");
	spf_record_finish(&r);

	ok(parse("v=spf1 ip4:192.0.2.1 IP4:192.0.2.2 MX -ALL", &r), "mechanism names are case-insensitive");
	is_int(r.terms[0].cidr4, 32, "ip4 without a prefix is /32");
	is_int(r.terms[1].kind, SPF_IP4, "IP4");
	is_int(r.terms[3].kind, SPF_ALL, "-ALL");
	spf_record_finish(&r);
	ok(parse("v=spf1", &r) && r.n == 0, "an empty record is valid");
	spf_record_finish(&r);
	ok(parse("v=spf1  ip4:192.0.2.1   -all ", &r) && r.n == 2, "several spaces between terms");
	spf_record_finish(&r);
	ok(parse("v=spf1 a//64 mx/24", &r), "a//64 and mx/24");
	is_int(r.terms[0].cidr6, 64, "a//64");
	is_int(r.terms[0].cidr4, -1, "a//64 has no IPv4 prefix");
	is_int(r.terms[1].cidr4, 24, "mx/24");
	spf_record_finish(&r);
	ok(parse("v=spf1 ip6:::1 ip6:::ffff:192.0.2.1/128 ip4:0.0.0.0/0", &r), "ip6 forms");
	ok(has_note(&r, POL_WARN, "matches every address"), "/0 is warned about");
	spf_record_finish(&r);
}

static void test_syntax_errors(void)
{
	bad("v=spf1 ip4:192.0.2.1/33 -all", "bad CIDR length", "ip4 prefix 33");
	bad("v=spf1 ip4:192.0.2.1/024 -all", "bad CIDR length", "a prefix with a leading zero");
	bad("v=spf1 ip6:2001:db8::/129", "bad CIDR length", "ip6 prefix 129");
	bad("v=spf1 a/33", "bad CIDR length", "a/33");
	bad("v=spf1 mx//129", "bad IPv6 CIDR", "mx//129");
	bad("v=spf1 ip4:192.0.2.300", "bad IPv4 address", "a bad IPv4 address");
	bad("v=spf1 ip4:2001:db8::1", "bad IPv4 address", "IPv6 in ip4");
	bad("v=spf1 ip6:192.0.2.1", "bad IPv6 address", "IPv4 in ip6");
	bad("v=spf1 foo:bar -all", "unknown mechanism", "an unknown mechanism");
	bad("v=spf1 include -all", "needs an argument", "include without a domain");
	bad("v=spf1 exists", "needs an argument", "exists without a domain");
	bad("v=spf1 ip4", "needs an argument", "ip4 without an address");
	bad("v=spf1 all:x", "takes no argument", "all with an argument");
	bad("v=spf1 include:localhost", "bad domain", "a single-label domain");
	bad("v=spf1 include:example.123", "bad domain", "an all-numeric top label");
	bad("v=spf1 include:exa..mple.com", "bad domain", "an empty label");
	bad("v=spf1 redirect=a.example.com redirect=b.example.com", "duplicate redirect", "two redirects");
	bad("v=spf1 exp=a.example.com exp=b.example.com -all", "duplicate exp", "two exps");
	bad("v=spf1 exists:%{z}.example.com", "bad domain", "an unknown macro letter");
	bad("v=spf1 exists:%{i.example.com", "bad domain", "an unclosed macro");
	bad("v=spf1 exists:%x.example.com", "bad domain", "a bad % escape");
	bad("v=spf1 exists:%{c}.example.com", "bad domain", "%%{c} outside exp");
	bad("v=spf1 1bad=x", "bad modifier name", "a modifier name starting with a digit");
	bad("v=spf1 -all x=%{", "bad macro", "a bad macro in an unknown modifier");
	bad("spf1 -all", "does not start with v=spf1", "no version");
}

static void test_macros(void)
{
	struct spf_macro_ctx c = { "strong-bad@email.example.com", "email.example.com", "192.0.2.3",
		"mx.example.org", 1000 };
	struct spf_macro_ctx c6 = { "strong-bad@email.example.com", "email.example.com",
		"2001:db8::cb01", NULL, 0 };
	char out[300], why[100];
	unsigned letters;

	/* the examples of RFC 7208 7.4 */
	ok(spf_macro_expand("%{s}", &c, false, out, sizeof(out), why, sizeof(why)), "%%{s}");
	is_str(out, "strong-bad@email.example.com", "%%{s} is the sender");
	spf_macro_expand("%{o}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "email.example.com", "%%{o}");
	spf_macro_expand("%{d}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "email.example.com", "%%{d}");
	spf_macro_expand("%{d4}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "email.example.com", "%%{d4}");
	spf_macro_expand("%{d3}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "email.example.com", "%%{d3}");
	spf_macro_expand("%{d2}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "example.com", "%%{d2}");
	spf_macro_expand("%{d1}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "com", "%%{d1}");
	spf_macro_expand("%{dr}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "com.example.email", "%%{dr}");
	spf_macro_expand("%{d2r}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "example.email", "%%{d2r}");
	spf_macro_expand("%{l}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "strong-bad", "%%{l}");
	spf_macro_expand("%{l-}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "strong.bad", "%%{l-}");
	spf_macro_expand("%{lr}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "strong-bad", "%%{lr}");
	spf_macro_expand("%{lr-}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "bad.strong", "%%{lr-}");
	spf_macro_expand("%{l1r-}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "strong", "%%{l1r-}");
	spf_macro_expand("%{ir}.%{v}._spf.%{d2}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "3.2.0.192.in-addr._spf.example.com", "%%{ir}.%%{v}._spf.%%{d2}");
	spf_macro_expand("%{lr-}.lp._spf.%{d2}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "bad.strong.lp._spf.example.com", "%%{lr-}.lp._spf.%%{d2}");
	spf_macro_expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "3.2.0.192.in-addr.strong.lp._spf.example.com", "the long example");
	spf_macro_expand("%{d2}.trusted-domains.example.net", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "example.com.trusted-domains.example.net", "%%{d2}.trusted-domains");
	spf_macro_expand("%{ir}.%{v}._spf.%{d2}", &c6, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
		"IPv6 %%{ir}.%%{v}");
	spf_macro_expand("%{h}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "mx.example.org", "%%{h}");
	spf_macro_expand("%{h}", &c6, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "unknown", "%%{h} without a HELO name");
	spf_macro_expand("%{p}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "unknown", "%%{p} is unknown (no validated name is looked up)");
	spf_macro_expand("%%%_%-", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "% %20", "%%%% %%_ %%-");
	spf_macro_expand("%{L}", &c, false, out, sizeof(out), why, sizeof(why));
	is_str(out, "strong-bad", "upper case: URL-escaped (nothing to escape)");
	{
		struct spf_macro_ctx cs = { "a b@example.com", "example.com", NULL, NULL, 0 };

		spf_macro_expand("%{L}", &cs, false, out, sizeof(out), why, sizeof(why));
		is_str(out, "a%20b", "upper case: a space is URL-escaped");
	}
	{
		struct spf_macro_ctx cn = { NULL, "example.com", NULL, NULL, 0 };

		spf_macro_expand("%{s}", &cn, false, out, sizeof(out), why, sizeof(why));
		is_str(out, "postmaster@example.com", "no sender: postmaster@domain");
		ok(!spf_macro_expand("%{i}", &cn, false, out, sizeof(out), why, sizeof(why)),
			"%%{i} without an address fails");
	}
	ok(spf_macro_expand("%{c} %{r} %{t}", &c, true, out, sizeof(out), why, sizeof(why)), "c r t in exp");
	is_str(out, "192.0.2.3 unknown 1000", "c r t expansions");
	ok(!spf_macro_expand("%{c}", &c, false, out, sizeof(out), why, sizeof(why)), "c outside exp fails");
	ok(!spf_macro_expand("%{d0}", &c, false, out, sizeof(out), why, sizeof(why)), "%%{d0} is an error");
	{
		static char label[51], big[400], res[300];
		struct spf_macro_ctx cl = { NULL, NULL, NULL, NULL, 0 };

		memset(label, 'a', 50);
		snprintf(big, sizeof(big), "%s.%s.%s.%s.%s.example.com", label, label, label, label, label);
		ok(strlen(big) > 253, "a domain over 253 bytes (%zu)", strlen(big));
		cl.domain = big;
		spf_macro_expand("%{d}", &cl, false, res, sizeof(res), why, sizeof(why));
		ok(strlen(res) <= 253, "an expansion over 253 bytes is cut from the left (%zu)", strlen(res));
		ok(strstr(res, ".example.com") != NULL, "keeping the right end");
	}
	ok(spf_macro_scan("%{ir}.%{v}.%{d2}", false, &letters), "scan");
	is_int(letters, (1u << ('i' - 'a')) | (1u << ('v' - 'a')) | (1u << ('d' - 'a')), "letters i v d");
}

static void test_addresses(void)
{
	unsigned char a[16], n[16];
	int fa, fn;

	ok(spf_ip_parse("192.0.2.1", &fa, a) && fa == 4, "IPv4");
	ok(spf_ip_parse("2001:db8::1", &fa, a) && fa == 6, "IPv6");
	ok(spf_ip_parse("::ffff:192.0.2.1", &fa, a) && fa == 4 && a[3] == 1, "IPv4-mapped IPv6 becomes IPv4");
	ok(!spf_ip_parse("192.0.2", &fa, a), "not an address");
	spf_ip_parse("192.0.2.1", &fa, a);
	spf_ip_parse("192.0.2.0", &fn, n);
	ok(spf_ip_in(fa, a, fn, n, 24), "192.0.2.1 in 192.0.2.0/24");
	ok(spf_ip_in(fa, a, fn, n, 0), "anything in /0");
	ok(!spf_ip_in(fa, a, fn, n, 32), "not in 192.0.2.0/32");
	spf_ip_parse("192.0.3.0", &fn, n);
	ok(spf_ip_in(fa, a, fn, n, 23), "192.0.2.1 in 192.0.3.0/23");
	ok(!spf_ip_in(fa, a, fn, n, 24), "not in 192.0.3.0/24");
	spf_ip_parse("2001:db8::1", &fa, a);
	spf_ip_parse("2001:db8::", &fn, n);
	ok(spf_ip_in(fa, a, fn, n, 32), "2001:db8::1 in 2001:db8::/32");
	ok(spf_ip_in(fa, a, fn, n, 127), "in /127");
	ok(!spf_ip_in(fa, a, fn, n, 128), "not in /128");
	spf_ip_parse("192.0.2.1", &fn, n);
	ok(!spf_ip_in(fa, a, fn, n, 0), "an IPv6 address is never in an IPv4 network");
}

static void test_names(void)
{
	is_str(spf_result_name(SPF_PERMERROR), "permerror", "result names");
	is_str(spf_result_name(SPF_SOFTFAIL), "softfail", "softfail");
	is_str(spf_kind_name(SPF_REDIRECT), "redirect", "kind names");
}

int main(void)
{
	test_record_detection();
	test_every_mechanism();
	test_syntax_errors();
	test_macros();
	test_addresses();
	test_names();
	return done_testing();
}

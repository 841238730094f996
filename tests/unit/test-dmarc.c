/* SPDX-License-Identifier: MIT */
/* Unit tests for DMARC records, report URIs and the RFC 9989 tree walk. */
#include "dmarc.h"
#include "notes.h"
#include "tap.h"

#include <string.h>

static bool parse(const char *txt, struct dmarc_record *r)
{
	return dmarc_parse(txt, strlen(txt), r);
}

static void bad(const char *txt, const char *want, const char *what)
{
	struct dmarc_record r;

	ok(!parse(txt, &r), "%s: invalid", what);
	ok(has_note(&r.notes, POL_ERROR, want), "%s: the error names \"%s\"", what, want);
	dmarc_record_finish(&r);
}

static void test_detection(void)
{
	ok(dmarc_is_record("v=DMARC1; p=none", 16), "v=DMARC1;");
	ok(dmarc_is_record("v=DMARC1", 8), "a bare v=DMARC1");
	ok(dmarc_is_record(" v = DMARC1 ;p=none", 19), "blanks around = are allowed");
	ok(!dmarc_is_record("v=dmarc1; p=none", 16), "the version is case-sensitive");
	ok(!dmarc_is_record("v=DMARC10; p=none", 17), "v=DMARC10 is not DMARC1");
	ok(!dmarc_is_record("p=none; v=DMARC1", 16), "v must come first");
	ok(!dmarc_is_record("v=spf1 -all", 11), "SPF is not DMARC");
}

static void test_tags(void)
{
	struct dmarc_record r;
	char buf[200];

	ok(parse("v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=100; "
		"rua=mailto:agg@example.com!10m; ruf=mailto:forensic@example.com; fo=1:d:s; rf=afrf; "
		"ri=3600; psd=n; t=n", &r), "every tag parses");
	is_str(r.p, "reject", "p");
	is_str(r.sp, "quarantine", "sp");
	is_str(r.np, "reject", "np");
	is_int(r.adkim, 's', "adkim");
	is_int(r.aspf, 'r', "aspf");
	is_int(r.pct, 100, "pct");
	is_int(r.psd, 'n', "psd");
	ok(!r.testing, "t=n");
	ok(!pol_notes_has(&r.notes, POL_WARN), "no warnings");
	is_int(r.tags.n, 14, "14 tags");
	dmarc_record_finish(&r);

	ok(parse("v=DMARC1; p=quarantine; rua=mailto:a@example.com", &r), "the defaults");
	is_str(r.sp, "quarantine", "sp defaults to p");
	is_str(r.np, "quarantine", "np defaults to sp");
	is_int(r.adkim, 'r', "adkim defaults to r");
	is_int(r.aspf, 'r', "aspf defaults to r");
	is_int(r.pct, 100, "pct defaults to 100");
	is_int(r.psd, 'u', "psd defaults to u");
	dmarc_record_finish(&r);

	ok(parse("v=DMARC1; p=none; rua=mailto:a@example.com", &r), "p=none is valid");
	ok(has_note(&r.notes, POL_WARN, "monitoring only"), "p=none: monitoring only");
	dmarc_record_finish(&r);
	ok(parse("v=DMARC1; p=reject; pct=25; rua=mailto:a@example.com", &r), "pct=25");
	is_int(r.pct, 25, "pct value");
	ok(has_note(&r.notes, POL_WARN, "25%"), "pct<100 is noted");
	dmarc_record_finish(&r);
	ok(parse("v=DMARC1; p=reject; t=y; rua=mailto:a@example.com", &r), "t=y");
	ok(r.testing && has_note(&r.notes, POL_WARN, "test mode"), "t=y is noted");
	dmarc_record_finish(&r);
	ok(parse("v=DMARC1; p=reject", &r), "no rua is valid");
	ok(has_note(&r.notes, POL_WARN, "no rua="), "but warned about");
	dmarc_record_finish(&r);
	ok(parse("v=DMARC1; p=reject; rua=mailto:a@example.com; foo=bar", &r), "unknown tags are ignored");
	ok(has_note(&r.notes, POL_INFO, "unknown tag foo"), "and named");
	dmarc_record_finish(&r);
	ok(parse("v=DMARC1; rua=mailto:a@example.com; p=reject", &r), "p not second (RFC 9989 allows it)");
	ok(has_note(&r.notes, POL_INFO, "not right after v="), "noted for RFC 7489");
	dmarc_record_finish(&r);

	is_str(dmarc_explain("p", "none", buf, sizeof(buf)),
		"policy for the domain: monitoring only: failing mail is delivered as usual", "explain p=none");
	ok(strstr(dmarc_explain("sp", "reject", buf, sizeof(buf)), "subdomains: failing mail is rejected") != NULL,
		"explain sp=reject");
	ok(strstr(dmarc_explain("adkim", "s", buf, sizeof(buf)), "DKIM alignment: strict") != NULL, "explain adkim");
	ok(strstr(dmarc_explain("aspf", "r", buf, sizeof(buf)), "SPF alignment: relaxed") != NULL, "explain aspf");
	ok(strstr(dmarc_explain("pct", "50", buf, sizeof(buf)), "removed in RFC 9989") != NULL, "explain pct");
	ok(strstr(dmarc_explain("t", "y", buf, sizeof(buf)), "test mode") != NULL, "explain t");
	ok(strstr(dmarc_explain("psd", "y", buf, sizeof(buf)), "public suffix") != NULL, "explain psd");
	ok(strstr(dmarc_explain("np", "reject", buf, sizeof(buf)), "non-existent") != NULL, "explain np");
	ok(strstr(dmarc_explain("zz", "1", buf, sizeof(buf)), "unknown") != NULL, "explain an unknown tag");
}

static void test_errors(void)
{
	bad("v=DMARC1; sp=reject", "no p=", "no p");
	bad("v=DMARC1; p=block", "p=block", "a bad p");
	bad("v=DMARC1; p=reject; sp=maybe", "sp=maybe", "a bad sp");
	bad("v=DMARC1; p=reject; np=x", "np=x", "a bad np");
	bad("v=DMARC1; p=reject; adkim=x", "adkim=x", "a bad adkim");
	bad("v=DMARC1; p=reject; aspf=relaxed", "aspf=relaxed", "a bad aspf");
	bad("v=DMARC1; p=reject; pct=101", "pct=101", "pct over 100");
	bad("v=DMARC1; p=reject; pct=-1", "pct=-1", "a negative pct");
	bad("v=DMARC1; p=reject; fo=2", "fo=2", "a bad fo");
	bad("v=DMARC1; p=reject; ri=soon", "ri=soon", "a bad ri");
	bad("v=DMARC1; p=reject; psd=x", "psd=x", "a bad psd");
	bad("v=DMARC1; p=reject; t=maybe", "t=maybe", "a bad t");
	bad("v=DMARC1; p=reject; p=none", "appears twice", "a duplicate tag");
	bad("p=reject; v=DMARC1", "must start with v=DMARC1", "v not first");
	bad("v=DMARC1; p=reject; rua=agg@example.com", "not a URI", "rua without a scheme");
	bad("v=DMARC1; p=reject; rua=mailto:agg", "not a mailto: address", "rua without a domain");
	bad("v=DMARC1; p=reject; rua=mailto:a@example.com!10x", "bad size limit", "a bad size suffix");
	bad("v=DMARC1; p=reject; rua=mailto:a@example.com,,mailto:b@example.com", "empty URI", "an empty URI");
	bad("v=DMARC1; p=reject; ruf=", "ruf= is empty", "an empty ruf");
	bad("v=DMARC1; p=reject; broken", "not tag=value", "a tag without =");
}

static void test_uris(void)
{
	struct pol_notes ns = { NULL, 0 };
	char hosts[4][256];
	size_t n = 0;

	dmarc_uris_check("rua", "mailto:a@example.com, mailto:b@reports.example.net!50k,https://x.example/r",
		&ns, hosts, 4, &n);
	is_int(n, 2, "two mailto domains");
	is_str(hosts[0], "example.com", "the first domain");
	is_str(hosts[1], "reports.example.net", "the second, without the size");
	ok(!pol_notes_has(&ns, POL_ERROR), "no errors");
	ok(pol_notes_has(&ns, POL_WARN), "https: is warned about (mailto: is what receivers support)");
	pol_notes_finish(&ns);
}

static void test_walk(void)
{
	char names[DMARC_WALK_MAX][256];
	size_t n;

	n = dmarc_walk("mail.example.com", names, DMARC_WALK_MAX);
	is_int(n, 3, "mail.example.com: 3 names");
	is_str(names[0], "mail.example.com", "the domain first");
	is_str(names[1], "example.com", "then its parent");
	is_str(names[2], "com", "then the top-level domain");
	n = dmarc_walk("example.com.", names, DMARC_WALK_MAX);
	is_int(n, 2, "a final dot is ignored");
	is_str(names[0], "example.com", "without the dot");
	n = dmarc_walk("a.b.c.d.e.f.g.h.i.j.example.com", names, DMARC_WALK_MAX);
	is_int(n, 8, "12 labels: 8 queries at most");
	is_str(names[0], "a.b.c.d.e.f.g.h.i.j.example.com", "the domain itself");
	is_str(names[1], "f.g.h.i.j.example.com", "then shortened to 7 labels (RFC 9989 4.10)");
	is_str(names[2], "g.h.i.j.example.com", "then one label less");
	is_str(names[7], "com", "down to the top-level domain");
	n = dmarc_walk("a.b.c.d.e.f.g.h", names, DMARC_WALK_MAX);
	is_int(n, 8, "8 labels: 8 names");
	is_str(names[1], "b.c.d.e.f.g.h", "8 labels: shortened to 7");
	n = dmarc_walk("com", names, DMARC_WALK_MAX);
	is_int(n, 1, "one label: one name");
	n = dmarc_walk("", names, DMARC_WALK_MAX);
	is_int(n, 0, "an empty name: none");
}

int main(void)
{
	test_detection();
	test_tags();
	test_errors();
	test_uris();
	test_walk();
	return done_testing();
}

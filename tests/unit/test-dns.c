/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of dns.c: reverse names, type and rcode names,
 * server addresses, and answers decoded from hand-built wire packets. Nothing
 * here sends a packet. */
#include "dns.h"
#include "tap.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ a tiny packet builder */

struct pk {
	unsigned char b[4096];
	size_t n;
};

static void put8(struct pk *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void put16(struct pk *p, unsigned v)
{
	put8(p, (v >> 8) & 0xff);
	put8(p, v & 0xff);
}

static void put32(struct pk *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void putbytes(struct pk *p, const void *s, size_t n)
{
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

/* "a.b.c." in wire form, no compression */
static void putname(struct pk *p, const char *name)
{
	const char *dot;

	while (*name && strcmp(name, ".") != 0) {
		dot = strchr(name, '.');
		if (!dot) {
			dot = name + strlen(name);
		}
		put8(p, (unsigned)(dot - name));
		putbytes(p, name, (size_t)(dot - name));
		name = *dot ? dot + 1 : dot;
	}
	put8(p, 0);
}

enum { F_QR = 0x8000, F_AA = 0x0400, F_TC = 0x0200, F_RD = 0x0100, F_RA = 0x0080,
	F_AD = 0x0020 };

static void header(struct pk *p, unsigned flags, unsigned rcode, unsigned an, unsigned ar)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, flags | rcode);
	put16(p, 1);
	put16(p, an);
	put16(p, 0);
	put16(p, ar);
}

static void question(struct pk *p, const char *name, unsigned type)
{
	putname(p, name);
	put16(p, type);
	put16(p, 1);
}

/* Starts an RR; returns where its RDLENGTH goes (filled by rr_end). */
static size_t rr_begin(struct pk *p, const char *owner, unsigned type, uint32_t ttl)
{
	size_t at;

	putname(p, owner);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	at = p->n;
	put16(p, 0);
	return at;
}

static void rr_end(struct pk *p, size_t at)
{
	size_t len = p->n - at - 2;

	p->b[at] = (unsigned char)(len >> 8);
	p->b[at + 1] = (unsigned char)len;
}

static void rr_name(struct pk *p, const char *owner, unsigned type, const char *target)
{
	size_t at = rr_begin(p, owner, type, 300);

	putname(p, target);
	rr_end(p, at);
}

static void rr_a(struct pk *p, const char *owner, unsigned a, unsigned b, unsigned c,
	unsigned d)
{
	size_t at = rr_begin(p, owner, DNS_T_A, 60);

	put8(p, a);
	put8(p, b);
	put8(p, c);
	put8(p, d);
	rr_end(p, at);
}

/* ------------------------------------------------------------ tests */

static void test_reverse(void)
{
	char out[200];

	ok(dns_reverse_name("127.0.0.1", NULL, out, sizeof(out)), "IPv4 reverse name");
	is_str(out, "1.0.0.127.in-addr.arpa.", "IPv4 under in-addr.arpa.");
	ok(dns_reverse_name("192.0.2.10", "zen.example", out, sizeof(out)), "DNSBL name");
	is_str(out, "10.2.0.192.zen.example.", "IPv4 under a DNSBL zone, dot added");
	ok(dns_reverse_name("127.0.0.2", "zen.example.", out, sizeof(out)), "zone with its dot");
	is_str(out, "2.0.0.127.zen.example.", "no double dot");
	ok(dns_reverse_name("::1", NULL, out, sizeof(out)), "IPv6 reverse name");
	is_str(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
		"::1 in nibbles under ip6.arpa.");
	/* RFC 3596 section 2.5's example */
	ok(dns_reverse_name("2001:db8::567:89ab", NULL, out, sizeof(out)), "RFC 3596 example");
	is_str(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"RFC 3596 example nibbles");
	ok(dns_reverse_name("::FFFF:7F00:2", "dnsbl.test", out, sizeof(out)),
		"RFC 5782 IPv6 test point");
	is_str(out, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.dnsbl.test.",
		"IPv6 under a DNSBL zone, lower-case nibbles");
	ok(!dns_reverse_name("300.1.1.1", NULL, out, sizeof(out)), "not an IPv4 address");
	ok(!dns_reverse_name("mx1.example.test", NULL, out, sizeof(out)), "a name is no address");
	ok(!dns_reverse_name("", NULL, out, sizeof(out)), "empty is no address");
	ok(!dns_reverse_name(NULL, NULL, out, sizeof(out)), "NULL is no address");
	ok(!dns_reverse_name("127.0.0.1", NULL, out, 10), "too small a buffer");
	ok(dns_reverse_name("127.0.0.1", NULL, out, 24), "exactly enough room");
}

static void test_names(void)
{
	char buf[32];

	is_int(dns_type_from_name("MX"), DNS_T_MX, "MX");
	is_int(dns_type_from_name("mx"), DNS_T_MX, "mx (any case)");
	is_int(dns_type_from_name("TLSA"), DNS_T_TLSA, "TLSA");
	is_int(dns_type_from_name("aaaa"), DNS_T_AAAA, "aaaa");
	is_int(dns_type_from_name("CAA"), 257, "CAA, a type the header has no constant for");
	is_int(dns_type_from_name("TYPE65280"), 65280, "TYPEnnn (RFC 3597)");
	is_int(dns_type_from_name("NOSUCHTYPE"), 0, "unknown name: 0");
	is_int(dns_type_from_name(""), 0, "empty: 0");
	is_int(dns_type_from_name(NULL), 0, "NULL: 0");
	is_str(dns_type_name(DNS_T_MX, buf, sizeof(buf)), "MX", "15 is MX");
	is_str(dns_type_name(DNS_T_TLSA, buf, sizeof(buf)), "TLSA", "52 is TLSA");
	is_str(dns_type_name(DNS_T_RRSIG, buf, sizeof(buf)), "RRSIG", "46 is RRSIG");
	is_str(dns_type_name(65280, buf, sizeof(buf)), "TYPE65280", "unknown type: TYPEnnn");
	is_str(dns_rcode_name(0), "NOERROR", "rcode 0");
	is_str(dns_rcode_name(2), "SERVFAIL", "rcode 2");
	is_str(dns_rcode_name(3), "NXDOMAIN", "rcode 3");
	is_str(dns_rcode_name(5), "REFUSED", "rcode 5");
	is_str(dns_rcode_name(16), "BADVERS", "rcode 16 (extended)");
	is_str(dns_rcode_name(-1), "NO-ANSWER", "rcode -1: no answer");
	is_str(dns_rcode_name(99), "UNKNOWN", "rcode 99");
	is_str(dns_sec_name(DNS_SEC_SECURE), "secure", "secure");
	is_str(dns_sec_name(DNS_SEC_INSECURE), "insecure", "insecure");
	is_str(dns_sec_name(DNS_SEC_BOGUS), "bogus", "bogus");
	is_str(dns_sec_name(DNS_SEC_INDETERMINATE), "indeterminate", "indeterminate");
}

static void test_servers(void)
{
	struct dns_opts o = { .server = "127.0.0.1:5353", .timeout_ms = 1000 };
	struct dns *d = dns_create(&o);
	struct dns_answer a;
	struct err e;
	struct pollfd fds[4];

	is_str(dns_server_desc(d), "127.0.0.1 port 5353", "ADDR:PORT");
	ok(!dns_busy(d), "not busy when created");
	is_int(dns_timeout_ms(d), -1, "no timer when idle");
	is_int(dns_pollfds(d, fds, 4), 0, "no socket when idle");
	ok(dns_set_server(d, "[::1]:53", &e), "[V6]:PORT");
	is_str(dns_server_desc(d), "::1 port 53", "[::1]:53");
	ok(dns_set_server(d, "::1", &e), "bare IPv6");
	is_str(dns_server_desc(d), "::1 port 53", "::1, default port");
	ok(dns_set_server(d, "127.0.0.2", &e), "bare IPv4");
	is_str(dns_server_desc(d), "127.0.0.2 port 53", "IPv4, default port");
	ok(dns_set_server(d, "127.0.0.1@5354", &e), "ADDR@PORT (drill's way)");
	is_str(dns_server_desc(d), "127.0.0.1 port 5354", "ADDR@PORT");
	err_clear(&e);
	ok(!dns_set_server(d, "127.0.0.1:99999", &e), "port out of range");
	is_int(e.kind, ERR_USAGE, "... ERR_USAGE");
	ok(!dns_set_server(d, "[::1", &e), "missing ]");
	ok(!dns_set_server(d, "ns.example.test:53", &e), "names are not resolved");
	ok(strstr(e.msg, "not an IP address") != NULL, "... says why: %s", e.msg);
	is_str(dns_server_desc(d), "127.0.0.1 port 5354", "a bad address leaves the old one");

	err_clear(&e);
	ok(!dns_query(d, "bad..name", DNS_T_A, &a, &e), "a bad name fails before any packet");
	is_int(e.kind, ERR_USAGE, "... ERR_USAGE");
	err_clear(&e);
	ok(!dns_submit(d, "example.test", 0, NULL, NULL, &e), "type 0 fails");
	ok(!dns_busy(d), "nothing was submitted");

	ok(dns_set_server(d, NULL, &e), "back to the system resolver");
	is_str(dns_server_desc(d), "system resolver (/etc/resolv.conf)",
		"not read until the first query");
	dns_destroy(d);

	o.server = "not-an-address";
	d = dns_create(&o);
	is_str(dns_server_desc(d), "not-an-address (invalid)", "a bad server from the options");
	err_clear(&e);
	ok(!dns_submit(d, "example.test", DNS_T_A, NULL, NULL, &e),
		"... is reported by the first query");
	is_int(e.kind, ERR_USAGE, "... ERR_USAGE");
	dns_destroy(d);

	o.server = NULL;
	o.resolv_conf = "/nonexistent/resolv.conf";
	d = dns_create(&o);
	is_str(dns_server_desc(d), "system resolver (/nonexistent/resolv.conf)",
		"resolv.conf named, not read");
	err_clear(&e);
	ok(!dns_submit(d, "example.test", DNS_T_A, NULL, NULL, &e),
		"an unreadable resolv.conf is a local error");
	is_int(e.kind, ERR_DNS, "... ERR_DNS");
	dns_destroy(d);

	o.resolv_conf = NULL;
	o.server = "127.0.0.1";
	o.trust_anchor = "/nonexistent/anchors.ds";
	d = dns_create(&o);
	err_clear(&e);
	ok(!dns_submit(d, "example.test", DNS_T_A, NULL, NULL, &e),
		"an unreadable trust anchor is a local error");
	is_int(e.kind, ERR_IO, "... ERR_IO");
	dns_destroy(d);

	dns_destroy(NULL);
	dns_answer_finish(NULL);
	ok(1, "destroy and finish accept NULL");
}

static void test_parse_chain(void)
{
	struct pk p;
	struct dns_answer a;
	struct err e;

	header(&p, F_QR | F_RD | F_RA | F_AD, 0, 4, 0);
	question(&p, "alias.example.test.", DNS_T_A);
	rr_name(&p, "alias.example.test.", DNS_T_CNAME, "www.example.test.");
	rr_name(&p, "www.example.test.", DNS_T_CNAME, "MX1.example.test.");
	rr_a(&p, "mx1.example.test.", 127, 0, 0, 1);
	rr_a(&p, "other.example.test.", 127, 0, 0, 99);
	ok(dns_answer_parse(p.b, p.n, "Alias.Example.TEST", DNS_T_A, &a, &e), "CNAME chain parses");
	is_str(a.qname, "Alias.Example.TEST.", "qname made absolute");
	is_int(a.rcode, 0, "NOERROR");
	ok(a.ad && !a.aa && !a.tc, "flags: ad");
	is_int(a.sec, DNS_SEC_SECURE, "AD: secure");
	is_int(a.ncnames, 2, "two CNAMEs followed (names compared without case)");
	if (a.ncnames == 2) {
		is_str(a.cnames[0], "www.example.test.", "first target");
		is_str(a.cnames[1], "MX1.example.test.", "second target");
	}
	is_int(a.nrrs, 1, "only the A record of the chain's end");
	if (a.nrrs == 1) {
		is_str(a.rrs[0].owner, "mx1.example.test.", "owner");
		is_str(a.rrs[0].addr, "127.0.0.1", "address");
		is_str(a.rrs[0].rdata, "127.0.0.1", "rdata");
		is_int(a.rrs[0].ttl, 60, "ttl");
		is_int(a.rrs[0].type, DNS_T_A, "type");
	}
	is_int(a.ede, -1, "no EDE");
	dns_answer_finish(&a);

	ok(dns_answer_parse(p.b, p.n, "alias.example.test.", DNS_T_CNAME, &a, &e),
		"the same packet as a CNAME answer");
	is_int(a.ncnames, 0, "a CNAME query follows no chain");
	is_int(a.nrrs, 1, "the CNAME record itself");
	if (a.nrrs == 1) {
		is_str(a.rrs[0].target, "www.example.test.", "CNAME target");
	}
	dns_answer_finish(&a);

	/* a CNAME loop ends */
	header(&p, F_QR | F_RD | F_RA, 0, 2, 0);
	question(&p, "a.example.test.", DNS_T_A);
	rr_name(&p, "a.example.test.", DNS_T_CNAME, "b.example.test.");
	rr_name(&p, "b.example.test.", DNS_T_CNAME, "a.example.test.");
	ok(dns_answer_parse(p.b, p.n, "a.example.test", DNS_T_A, &a, &e), "CNAME loop parses");
	ok(a.ncnames > 0 && a.ncnames <= 16, "a CNAME loop is cut (%zu)", a.ncnames);
	is_int(a.nrrs, 0, "no data");
	is_int(a.sec, DNS_SEC_INSECURE, "no AD: insecure");
	dns_answer_finish(&a);
}

static void test_parse_types(void)
{
	static const unsigned char hash[32] = {
		0x2c, 0x15, 0xc6, 0x21, 0x3c, 0xf2, 0x37, 0xfd, 0x83, 0xba, 0x12, 0x27, 0x91, 0x00,
		0x6d, 0xf7, 0x34, 0x78, 0x45, 0xf0, 0xb7, 0xbf, 0x96, 0x0d, 0xcb, 0xf1, 0x44, 0x26,
		0x3a, 0x4f, 0xe5, 0x83,
	};
	struct pk p;
	struct dns_answer a;
	struct err e;
	size_t at;

	/* TXT: three strings, one with a NUL byte */
	header(&p, F_QR | F_RD | F_RA, 0, 1, 0);
	question(&p, "multi.example.test.", DNS_T_TXT);
	at = rr_begin(&p, "multi.example.test.", DNS_T_TXT, 300);
	put8(&p, 7);
	putbytes(&p, "v=spf1 ", 7);
	put8(&p, 3);
	putbytes(&p, "a\0b", 3);
	put8(&p, 0);
	rr_end(&p, at);
	ok(dns_answer_parse(p.b, p.n, "multi.example.test", DNS_T_TXT, &a, &e), "TXT parses");
	if (a.nrrs == 1) {
		is_int(a.rrs[0].txt_len, 10, "strings concatenated, no separator");
		ok(memcmp(a.rrs[0].txt, "v=spf1 a\0b", 11) == 0, "the bytes, NUL included");
		is_str(a.rrs[0].rdata, "\"v=spf1 \" \"a\\000b\" \"\"", "presentation form");
	} else {
		ok(0, "one TXT record (got %zu)", a.nrrs);
	}
	dns_answer_finish(&a);

	/* MX, null MX, and a record of another type that must be left out */
	header(&p, F_QR | F_AA, 0, 3, 0);
	question(&p, "example.test.", DNS_T_MX);
	at = rr_begin(&p, "example.test.", DNS_T_MX, 300);
	put16(&p, 20);
	putname(&p, "mx2.example.test.");
	rr_end(&p, at);
	at = rr_begin(&p, "example.test.", DNS_T_MX, 300);
	put16(&p, 0);
	putname(&p, ".");
	rr_end(&p, at);
	rr_a(&p, "example.test.", 127, 0, 0, 1);
	ok(dns_answer_parse(p.b, p.n, "example.test", DNS_T_MX, &a, &e), "MX parses");
	is_int(a.nrrs, 2, "only the MX records");
	if (a.nrrs == 2) {
		is_int(a.rrs[0].pref, 20, "preference");
		is_str(a.rrs[0].target, "mx2.example.test.", "exchange");
		is_str(a.rrs[0].rdata, "20 mx2.example.test.", "rdata");
		is_int(a.rrs[1].pref, 0, "null MX preference");
		is_str(a.rrs[1].target, ".", "null MX exchange");
	}
	ok(a.aa && !a.ad, "flags: aa");
	dns_answer_finish(&a);

	/* TLSA 3 1 1 */
	header(&p, F_QR | F_RD | F_RA | F_AD, 0, 1, 0);
	question(&p, "_25._tcp.mx1.example.test.", DNS_T_TLSA);
	at = rr_begin(&p, "_25._tcp.mx1.example.test.", DNS_T_TLSA, 300);
	put8(&p, 3);
	put8(&p, 1);
	put8(&p, 1);
	putbytes(&p, hash, sizeof(hash));
	rr_end(&p, at);
	ok(dns_answer_parse(p.b, p.n, "_25._tcp.mx1.example.test.", DNS_T_TLSA, &a, &e),
		"TLSA parses");
	if (a.nrrs == 1) {
		ok(a.rrs[0].tlsa_usage == 3 && a.rrs[0].tlsa_selector == 1 &&
			a.rrs[0].tlsa_mtype == 1, "usage, selector, matching type");
		is_int(a.rrs[0].tlsa_len, 32, "32 bytes of data");
		ok(a.rrs[0].tlsa_data && memcmp(a.rrs[0].tlsa_data, hash, 32) == 0, "the data");
		is_str(a.rrs[0].rdata,
			"3 1 1 2c15c6213cf237fd83ba122791006df7347845f0b7bf960dcbf144263a4fe583",
			"rdata in hex");
	} else {
		ok(0, "one TLSA record (got %zu)", a.nrrs);
	}
	dns_answer_finish(&a);

	/* AAAA and PTR */
	header(&p, F_QR, 0, 1, 0);
	question(&p, "mx1.example.test.", DNS_T_AAAA);
	at = rr_begin(&p, "mx1.example.test.", DNS_T_AAAA, 300);
	putbytes(&p, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	rr_end(&p, at);
	ok(dns_answer_parse(p.b, p.n, "mx1.example.test", DNS_T_AAAA, &a, &e), "AAAA parses");
	is_str(a.nrrs == 1 ? a.rrs[0].addr : NULL, "2001:db8::1", "IPv6 address");
	dns_answer_finish(&a);
	header(&p, F_QR, 0, 1, 0);
	question(&p, "1.0.0.127.in-addr.arpa.", DNS_T_PTR);
	rr_name(&p, "1.0.0.127.in-addr.arpa.", DNS_T_PTR, "localhost.");
	ok(dns_answer_parse(p.b, p.n, "1.0.0.127.in-addr.arpa.", DNS_T_PTR, &a, &e),
		"PTR parses");
	is_str(a.nrrs == 1 ? a.rrs[0].target : NULL, "localhost.", "PTR target");
	dns_answer_finish(&a);
}

static void test_parse_rcodes(void)
{
	static const char text[] = "signature crypto failed";
	struct pk p;
	struct dns_answer a;
	struct err e;
	size_t at;

	header(&p, F_QR | F_RD | F_RA, 3, 0, 0);
	question(&p, "nonexist.example.test.", DNS_T_A);
	ok(dns_answer_parse(p.b, p.n, "nonexist.example.test", DNS_T_A, &a, &e),
		"NXDOMAIN parses");
	is_int(a.rcode, 3, "NXDOMAIN");
	is_int(a.sec, DNS_SEC_INSECURE, "NXDOMAIN without AD: insecure");
	dns_answer_finish(&a);

	/* SERVFAIL with an OPT record carrying EDE 6 */
	header(&p, F_QR | F_RD | F_RA, 2, 0, 1);
	question(&p, "bogus.test.", DNS_T_A);
	put8(&p, 0);              /* root owner */
	put16(&p, 41);            /* OPT */
	put16(&p, 1232);          /* UDP size */
	put32(&p, 0x00008000);    /* DO */
	at = p.n;
	put16(&p, 0);
	put16(&p, 15);            /* EDE */
	put16(&p, 2 + sizeof(text) - 1);
	put16(&p, 6);             /* DNSSEC Bogus */
	putbytes(&p, text, sizeof(text) - 1);
	rr_end(&p, at);
	ok(dns_answer_parse(p.b, p.n, "bogus.test", DNS_T_A, &a, &e), "SERVFAIL parses");
	is_int(a.rcode, 2, "SERVFAIL");
	is_int(a.sec, DNS_SEC_INDETERMINATE, "SERVFAIL alone: indeterminate");
	is_int(a.ede, 6, "EDE info-code");
	is_str(a.error, "EDE 6 (DNSSEC Bogus): signature crypto failed", "EDE text");
	dns_answer_finish(&a);

	err_clear(&e);
	ok(!dns_answer_parse(p.b, 7, "bogus.test", DNS_T_A, &a, &e), "a cut packet fails");
	is_int(e.kind, ERR_PROTO, "... ERR_PROTO");
	err_clear(&e);
	ok(!dns_answer_parse(p.b, p.n, "bad..name", DNS_T_A, &a, &e), "a bad name fails");
	is_int(e.kind, ERR_USAGE, "... ERR_USAGE");
}

int main(void)
{
	test_reverse();
	test_names();
	test_servers();
	test_parse_chain();
	test_parse_types();
	test_parse_rcodes();
	return done_testing();
}

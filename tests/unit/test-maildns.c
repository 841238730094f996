/* SPDX-License-Identifier: MIT */
/* Unit tests for maildns.h: MX, PTR/FCrDNS and DNSBL interpretation of answers
 * built by hand. Nothing here sends a packet. */
#include "maildns.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------------ canned answers */

static void ans(struct dns_answer *a, const char *qname, uint16_t qtype, int rcode, enum dns_sec sec)
{
	memset(a, 0, sizeof(*a));
	a->qname = xstrdup(qname);
	a->qtype = qtype;
	a->rcode = rcode;
	a->sec = sec;
	a->ad = sec == DNS_SEC_SECURE;
	a->ede = -1;
}

static struct dns_rr *add_rr(struct dns_answer *a, uint16_t type)
{
	struct dns_rr *r;

	a->rrs = xrealloc(a->rrs, (a->nrrs + 1) * sizeof(*a->rrs));
	r = &a->rrs[a->nrrs++];
	memset(r, 0, sizeof(*r));
	r->owner = xstrdup(a->ncnames ? a->cnames[a->ncnames - 1] : a->qname);
	r->type = type;
	r->ttl = 300;
	return r;
}

static void add_mx(struct dns_answer *a, uint16_t pref, const char *target)
{
	struct dns_rr *r = add_rr(a, DNS_T_MX);

	r->pref = pref;
	r->target = xstrdup(target);
	r->rdata = xasprintf("%u %s", pref, target);
}

static void add_addr(struct dns_answer *a, const char *addr)
{
	struct dns_rr *r = add_rr(a, strchr(addr, ':') ? DNS_T_AAAA : DNS_T_A);

	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	r->rdata = xstrdup(addr);
}

static void add_ptr(struct dns_answer *a, const char *target)
{
	struct dns_rr *r = add_rr(a, DNS_T_PTR);

	r->target = xstrdup(target);
	r->rdata = xstrdup(target);
}

static void add_txt(struct dns_answer *a, const char *text)
{
	struct dns_rr *r = add_rr(a, DNS_T_TXT);

	r->txt = xstrdup(text);
	r->txt_len = strlen(text);
	r->rdata = xasprintf("\"%s\"", text);
}

static void add_cname(struct dns_answer *a, const char *target)
{
	a->cnames = xrealloc(a->cnames, (a->ncnames + 1) * sizeof(char *));
	a->cnames[a->ncnames++] = xstrdup(target);
}

/* ------------------------------------------------------------------ names and addresses */

static void test_names(void)
{
	char buf[64];

	ok(maildns_same_name("MX1.Example.TEST.", "mx1.example.test"), "names: case and final dot");
	ok(!maildns_same_name("mx1.example.test", "mx10.example.test"), "names: different");
	ok(!maildns_same_name("", ""), "names: empty is no name");
	is_str(maildns_undot("mx1.example.test.", buf, sizeof(buf)), "mx1.example.test", "undot");
	is_str(maildns_undot(".", buf, sizeof(buf)), ".", "undot keeps the root");
	ok(maildns_is_ip_literal("192.0.2.1."), "IP literal: dotted quad as a name");
	ok(maildns_is_ip_literal("[192.0.2.1]"), "IP literal: bracketed");
	ok(maildns_is_ip_literal("\\[192.0.2.1\\]."), "IP literal: escaped presentation form");
	ok(maildns_is_ip_literal("[IPv6:2001:db8::1]"), "IP literal: IPv6 tag");
	ok(!maildns_is_ip_literal("mx1.example.test."), "IP literal: a host name is not");
	ok(!maildns_is_ip_literal("1.2.3.example."), "IP literal: digits in labels are not");
	ok(maildns_addr_equal("::1", "0:0::1"), "addresses: IPv6 forms");
	ok(!maildns_addr_equal("127.0.0.1", "::1"), "addresses: families differ");
	ok(!maildns_addr_equal("localhost", "localhost"), "addresses: names are not addresses");
	is_int(maildns_addr_class("127.0.0.2"), MAILDNS_ADDR_LOOPBACK, "class: 127/8 loopback");
	is_int(maildns_addr_class("::1"), MAILDNS_ADDR_LOOPBACK, "class: ::1 loopback");
	is_int(maildns_addr_class("10.1.2.3"), MAILDNS_ADDR_PRIVATE, "class: 10/8 private");
	is_int(maildns_addr_class("172.31.0.1"), MAILDNS_ADDR_PRIVATE, "class: 172.16/12 private");
	is_int(maildns_addr_class("172.32.0.1"), MAILDNS_ADDR_PUBLIC, "class: 172.32 public");
	is_int(maildns_addr_class("fd00::1"), MAILDNS_ADDR_PRIVATE, "class: ULA private");
	is_int(maildns_addr_class("::ffff:192.168.1.1"), MAILDNS_ADDR_PRIVATE, "class: v4-mapped private");
	is_int(maildns_addr_class("fe80::1"), MAILDNS_ADDR_LINKLOCAL, "class: fe80::/10");
	is_int(maildns_addr_class("192.0.2.1"), MAILDNS_ADDR_RESERVED, "class: documentation");
	is_int(maildns_addr_class("2001:db8::1"), MAILDNS_ADDR_RESERVED, "class: IPv6 documentation");
	is_int(maildns_addr_class("8.8.8.8"), MAILDNS_ADDR_PUBLIC, "class: public");
	is_int(maildns_addr_class("mx"), MAILDNS_ADDR_INVALID, "class: not an address");
}

/* ------------------------------------------------------------------ MX */

static void test_mx_list(void)
{
	struct dns_answer a, x;
	struct mx_report r;
	size_t order[8], n;

	ans(&a, "example.test.", DNS_T_MX, 0, DNS_SEC_SECURE);
	add_mx(&a, 20, "mx2.example.test.");
	add_mx(&a, 10, "mx1.example.test.");
	mx_analyse("example.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_LIST, "MX list: kind");
	is_str(r.domain, "example.test.", "MX list: absolute domain");
	is_int(r.sec, DNS_SEC_SECURE, "MX list: DNSSEC status kept");
	is_int(r.nhosts, 2, "MX list: two hosts");
	is_str(r.hosts[0].name, "mx1.example.test.", "MX list: sorted by preference");
	is_int(r.hosts[0].pref, 10, "MX list: preference");
	ok(!r.null_mixed, "MX list: no null MX");

	ans(&x, "mx1.example.test.", DNS_T_A, 0, DNS_SEC_SECURE);
	add_addr(&x, "192.0.2.10");
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	ans(&x, "mx1.example.test.", DNS_T_AAAA, 0, DNS_SEC_SECURE);
	add_addr(&x, "2001:db8::10");
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	ans(&x, "mx2.example.test.", DNS_T_A, 3, DNS_SEC_SECURE);
	mx_add_addresses(&r, 1, &x);
	dns_answer_finish(&x);
	ans(&x, "mx2.example.test.", DNS_T_AAAA, 3, DNS_SEC_SECURE);
	mx_add_addresses(&r, 1, &x);
	dns_answer_finish(&x);
	mx_finish(&r);
	is_int(r.hosts[0].naddrs, 2, "MX list: A and AAAA of mx1");
	is_str(r.hosts[0].addrs[1], "2001:db8::10", "MX list: the AAAA after the A");
	ok(r.hosts[0].flags & MXH_PRIVATE, "MX list: documentation addresses flagged");
	ok(r.hosts[1].flags & MXH_NXDOMAIN, "MX list: an exchange that does not exist");
	is_int(r.hosts[1].naddrs, 0, "MX list: exchange without addresses");
	is_int(r.usable, 1, "MX list: one usable host");
	n = mx_order(&r, order, NULL, NULL);
	is_int(n, 2, "MX order: both hosts (unusable ones are skipped when connecting)");
	is_int(order[0], 0, "MX order: lowest preference first");
	mx_report_finish(&r);
}

/* A fixed sequence for the shuffle. */
static unsigned seq_rand(void *ctx)
{
	unsigned *s = ctx;

	return (*s)++;
}

static void test_mx_equal(void)
{
	struct dns_answer a;
	struct mx_report r;
	size_t order[8], n;
	unsigned s;
	int first_a = 0, first_b = 0, i;

	ans(&a, "example.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_mx(&a, 10, "b.example.test.");
	add_mx(&a, 10, "a.example.test.");
	add_mx(&a, 5, "first.example.test.");
	add_mx(&a, 30, "last.example.test.");
	mx_analyse("example.test.", &a, &r);
	dns_answer_finish(&a);
	is_str(r.hosts[1].name, "a.example.test.", "equal preferences: by name for display");
	for (i = 0; i < 20; i++) {
		s = (unsigned)i;
		n = mx_order(&r, order, seq_rand, &s);
		if (n != 4 || order[0] != 0 || order[3] != 3)
			break;
		if (order[1] == 1)
			first_a++;
		else
			first_b++;
	}
	is_int(i, 20, "equal preferences: the lowest first and the highest last every time");
	ok(first_a > 0 && first_b > 0, "equal preferences: both orders of the tie happen (%d/%d)", first_a,
		first_b);
	mx_report_finish(&r);
}

static void test_mx_special(void)
{
	struct dns_answer a, x;
	struct mx_report r;
	size_t order[4];

	/* RFC 7505 null MX */
	ans(&a, "nullmx.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_mx(&a, 0, ".");
	mx_analyse("nullmx.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_NULL, "null MX");
	ok(r.hosts[0].flags & MXH_NULL, "null MX: the host is flagged");
	is_int(mx_order(&r, order, NULL, NULL), 0, "null MX: nothing to connect to");
	mx_report_finish(&r);

	ans(&a, "mixed.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_mx(&a, 0, ".");
	add_mx(&a, 10, "mx1.mixed.test.");
	mx_analyse("mixed.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_LIST, "null MX mixed: still a list");
	ok(r.null_mixed, "null MX mixed: flagged");
	is_int(mx_order(&r, order, NULL, NULL), 1, "null MX mixed: the null MX is left out");
	is_int(order[0], 1, "null MX mixed: the real host");
	mx_report_finish(&r);

	/* NODATA: implicit MX, through a CNAME */
	ans(&a, "alias.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_cname(&a, "real.test.");
	mx_analyse("alias.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_IMPLICIT, "implicit MX");
	is_int(r.nhosts, 1, "implicit MX: one host");
	is_str(r.hosts[0].name, "real.test.", "implicit MX: the end of the domain's CNAME chain");
	is_int(r.hosts[0].pref, 0, "implicit MX: preference 0");
	is_int(r.ncnames, 1, "implicit MX: the chain is kept");
	ans(&x, "alias.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_cname(&x, "real.test.");
	add_addr(&x, "198.51.100.7");
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	mx_finish(&r);
	ok(!(r.hosts[0].flags & MXH_CNAME), "implicit MX: the domain may be an alias");
	is_int(r.usable, 1, "implicit MX: usable");
	mx_report_finish(&r);

	/* NODATA and no addresses either */
	ans(&a, "empty.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	mx_analyse("empty.test", &a, &r);
	dns_answer_finish(&a);
	ans(&x, "empty.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	ans(&x, "empty.test.", DNS_T_AAAA, 0, DNS_SEC_INSECURE);
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	mx_finish(&r);
	is_int(r.kind, MX_NONE, "no MX and no address: nowhere to deliver");
	ok(r.hosts[0].flags & MXH_NO_ADDRESS, "no MX and no address: host flagged");
	mx_report_finish(&r);

	/* NXDOMAIN is hard, SERVFAIL and timeouts are temporary, bogus too */
	ans(&a, "nosuch.test.", DNS_T_MX, 3, DNS_SEC_SECURE);
	mx_analyse("nosuch.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_NXDOMAIN, "NXDOMAIN: a hard error");
	mx_report_finish(&r);
	ans(&a, "broken.test.", DNS_T_MX, 2, DNS_SEC_INDETERMINATE);
	mx_analyse("broken.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_TEMPFAIL, "SERVFAIL: temporary");
	mx_report_finish(&r);
	ans(&a, "slow.test.", DNS_T_MX, -1, DNS_SEC_INDETERMINATE);
	snprintf(a.error, sizeof(a.error), "timeout");
	mx_analyse("slow.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_TEMPFAIL, "no answer: temporary");
	is_str(r.error, "timeout", "no answer: the reason is kept");
	mx_report_finish(&r);
	ans(&a, "bogus.test.", DNS_T_MX, 0, DNS_SEC_BOGUS);
	add_mx(&a, 10, "mx1.bogus.test.");
	mx_analyse("bogus.test", &a, &r);
	dns_answer_finish(&a);
	is_int(r.kind, MX_TEMPFAIL, "bogus records (validated locally): not used");
	mx_report_finish(&r);

	/* the exchange is a CNAME, an IP literal; an address lookup fails */
	ans(&a, "odd.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_mx(&a, 10, "alias.odd.test.");
	add_mx(&a, 20, "192.0.2.1.");
	add_mx(&a, 30, "flaky.odd.test.");
	mx_analyse("odd.test", &a, &r);
	dns_answer_finish(&a);
	ok(r.hosts[1].flags & MXH_IP_LITERAL, "IP literal exchange flagged");
	ans(&x, "alias.odd.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_cname(&x, "mx.odd.test.");
	add_addr(&x, "8.8.4.4");
	mx_add_addresses(&r, 0, &x);
	dns_answer_finish(&x);
	ans(&x, "flaky.odd.test.", DNS_T_A, 2, DNS_SEC_INDETERMINATE);
	mx_add_addresses(&r, 2, &x);
	dns_answer_finish(&x);
	mx_finish(&r);
	ok(r.hosts[0].flags & MXH_CNAME, "CNAME exchange flagged");
	is_str(r.hosts[0].alias_of, "mx.odd.test.", "CNAME exchange: its target");
	ok(!(r.hosts[0].flags & (MXH_PRIVATE | MXH_LOOPBACK)), "public address not flagged");
	ok(r.hosts[2].flags & MXH_ADDR_TEMP, "failed address lookup: temporary");
	ok(!(r.hosts[2].flags & MXH_NO_ADDRESS), "failed address lookup: not 'no address'");
	ok(strstr(r.hosts[2].error, "SERVFAIL") != NULL, "failed address lookup: reason (%s)", r.hosts[2].error);
	is_int(r.usable, 1, "one usable exchange");
	mx_report_finish(&r);
}

static void test_mx_misc(void)
{
	char dom[256], port[8] = "25";
	struct mx_report r;
	struct dns_answer a;
	char **hosts = NULL;
	size_t n = 0;

	ok(mx_split_port("example.test", dom, sizeof(dom), port, sizeof(port)), "mx: without port");
	is_str(port, "25", "mx: default port kept");
	ok(mx_split_port("example.test:2525", dom, sizeof(dom), port, sizeof(port)), "mx: with port");
	is_str(dom, "example.test", "mx: domain");
	is_str(port, "2525", "mx: port");
	ok(!mx_split_port("example.test:0", dom, sizeof(dom), port, sizeof(port)), "mx: port 0");
	ok(!mx_split_port("example.test:x", dom, sizeof(dom), port, sizeof(port)), "mx: bad port");
	ok(!mx_split_port(":25", dom, sizeof(dom), port, sizeof(port)), "mx: no domain");

	ans(&a, "example.test.", DNS_T_MX, 0, DNS_SEC_INSECURE);
	add_mx(&a, 0, ".");
	add_mx(&a, 10, "mx1.example.test.");
	mx_analyse("example.test", &a, &r);
	dns_answer_finish(&a);
	mx_hosts_collect(&r, &hosts, &n);
	is_int(n, 1, "completion hosts: the null MX is not a host");
	is_str(hosts[0], "mx1.example.test", "completion hosts: plain names");
	ok(hosts[1] == NULL, "completion hosts: NULL-terminated");
	mx_hosts_free(hosts, n);
	mx_report_finish(&r);
}

/* ------------------------------------------------------------------ PTR */

static void test_ptr(void)
{
	struct dns_answer a, x;
	struct ptr_report r;

	ans(&a, "1.0.0.127.in-addr.arpa.", DNS_T_PTR, 0, DNS_SEC_INSECURE);
	add_ptr(&a, "mx1.example.test.");
	add_ptr(&a, "other.example.test.");
	ptr_analyse("127.0.0.1", &a, &r);
	dns_answer_finish(&a);
	is_str(r.qname, "1.0.0.127.in-addr.arpa.", "PTR: reverse name");
	is_int(r.nnames, 2, "PTR: two names");
	ans(&x, "mx1.example.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_addr(&x, "127.0.0.2");
	ptr_add_forward(&r.names[0], r.addr, &x);
	dns_answer_finish(&x);
	ans(&x, "other.example.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_addr(&x, "127.0.0.9");
	add_addr(&x, "127.0.0.1");
	ptr_add_forward(&r.names[1], r.addr, &x);
	dns_answer_finish(&x);
	ptr_finish(&r);
	ok(!r.names[0].match, "FCrDNS: first name points elsewhere");
	ok(r.names[1].match, "FCrDNS: second name resolves back");
	is_int(r.verdict, PTR_FCRDNS_OK, "FCrDNS: passes with one confirmed name");
	ok(ptr_name_is_ptr(&r, "MX1.example.test"), "banner name compared with the PTR names");
	ok(!ptr_name_is_ptr(&r, "fake.example.test"), "banner name that is no PTR name");
	ptr_report_finish(&r);

	ans(&a, "4.0.0.127.in-addr.arpa.", DNS_T_PTR, 0, DNS_SEC_INSECURE);
	add_ptr(&a, "mx1.example.test.");
	ptr_analyse("127.0.0.4", &a, &r);
	dns_answer_finish(&a);
	ans(&x, "mx1.example.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_addr(&x, "127.0.0.1");
	ptr_add_forward(&r.names[0], r.addr, &x);
	dns_answer_finish(&x);
	ptr_finish(&r);
	is_int(r.verdict, PTR_FCRDNS_FAIL, "FCrDNS: fails when no name comes back");
	ptr_report_finish(&r);

	ans(&a, "9.0.0.127.in-addr.arpa.", DNS_T_PTR, 3, DNS_SEC_INSECURE);
	ptr_analyse("127.0.0.9", &a, &r);
	dns_answer_finish(&a);
	ptr_finish(&r);
	is_int(r.verdict, PTR_NONE, "no PTR: NXDOMAIN");
	ptr_report_finish(&r);

	ans(&a, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", DNS_T_PTR, 2,
		DNS_SEC_INDETERMINATE);
	ptr_analyse("::1", &a, &r);
	dns_answer_finish(&a);
	ptr_finish(&r);
	is_int(r.verdict, PTR_TEMPFAIL, "PTR SERVFAIL: temporary");
	is_str(r.qname, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
		"PTR: IPv6 nibbles");
	ptr_report_finish(&r);

	/* a forward lookup that fails leaves the verdict open */
	ans(&a, "5.0.0.127.in-addr.arpa.", DNS_T_PTR, 0, DNS_SEC_INSECURE);
	add_ptr(&a, "slow.example.test.");
	ptr_analyse("127.0.0.5", &a, &r);
	dns_answer_finish(&a);
	ans(&x, "slow.example.test.", DNS_T_A, -1, DNS_SEC_INDETERMINATE);
	ptr_add_forward(&r.names[0], r.addr, &x);
	dns_answer_finish(&x);
	ptr_finish(&r);
	is_int(r.verdict, PTR_TEMPFAIL, "FCrDNS: a failed forward lookup is no verdict");
	ptr_report_finish(&r);

	ok(ptr_name_generic("dyn-127-0-0-5.dynamic.example.test.", "127.0.0.5"), "generic: dynamic");
	ok(ptr_name_generic("host-203-0-113-45.isp.example.", "203.0.113.45"), "generic: the address digits");
	ok(ptr_name_generic("45.113.0.203.in-addr.example.", "203.0.113.45"), "generic: reversed digits");
	ok(!ptr_name_generic("cb007145.isp.example.", "203.0.113.45"), "generic: hex of another address");
	ok(ptr_name_generic("cb00712d.isp.example.", "203.0.113.45"), "generic: the address in hex");
	ok(ptr_name_generic("adsl-pool.example.", "192.0.2.1"), "generic: adsl pool");
	ok(!ptr_name_generic("mx1.example.test.", "127.0.0.1"), "generic: mx1 is not");
	ok(!ptr_name_generic("mail.example.org.", "203.0.113.45"), "generic: mail is not");
}

/* ------------------------------------------------------------------ DNSBL */

static void test_dnsbl(void)
{
	const char *m;
	char q[200];
	bool dom;
	struct dns_answer a, t;
	struct dnsbl_result *r;
	size_t n;

	ok(dnsbl_zone_is_spamhaus("zen.spamhaus.org"), "spamhaus: zen");
	ok(dnsbl_zone_is_spamhaus("KEY.zen.dq.spamhaus.net."), "spamhaus: DQS");
	ok(!dnsbl_zone_is_spamhaus("notspamhaus.org"), "spamhaus: a lookalike is not");
	ok(!dnsbl_zone_is_spamhaus("dnsbl.test"), "spamhaus: the test zone is not");

	is_int(dnsbl_interpret("zen.spamhaus.org", "127.0.0.2", &m), DNSBL_LISTED, "zen 127.0.0.2 listed");
	ok(strstr(m, "SBL") != NULL, "zen 127.0.0.2: SBL (%s)", m);
	is_int(dnsbl_interpret("zen.spamhaus.org", "127.0.0.4", &m), DNSBL_LISTED, "zen 127.0.0.4 listed");
	ok(strstr(m, "XBL") != NULL, "zen 127.0.0.4: XBL");
	dnsbl_interpret("zen.spamhaus.org", "127.0.0.3", &m);
	ok(strstr(m, "CSS") != NULL, "zen 127.0.0.3: CSS");
	dnsbl_interpret("zen.spamhaus.org", "127.0.0.9", &m);
	ok(strstr(m, "DROP") != NULL, "zen 127.0.0.9: DROP");
	dnsbl_interpret("zen.spamhaus.org", "127.0.0.10", &m);
	ok(strstr(m, "PBL") != NULL, "zen 127.0.0.10: PBL");
	dnsbl_interpret("zen.spamhaus.org", "127.0.0.11", &m);
	ok(strstr(m, "PBL") != NULL, "zen 127.0.0.11: PBL");
	dnsbl_interpret("zen.spamhaus.org", "127.0.0.30", &m);
	ok(strstr(m, "BCL") != NULL, "127.0.0.30: BCL");
	is_int(dnsbl_interpret("dbl.spamhaus.org", "127.0.1.2", &m), DNSBL_LISTED, "DBL spam domain");
	ok(strstr(m, "DBL") != NULL, "DBL 127.0.1.2 (%s)", m);
	is_int(dnsbl_interpret("dbl.spamhaus.org", "127.0.1.255", &m), DNSBL_ERROR_CODE,
		"DBL 127.0.1.255: IP queries prohibited, an error");
	is_int(dnsbl_interpret("zen.spamhaus.org", "127.255.255.254", &m), DNSBL_ERROR_CODE,
		"127.255.255.254: public resolver, an error");
	ok(strstr(m, "public") != NULL, "127.255.255.254 meaning (%s)", m);
	is_int(dnsbl_interpret("zen.spamhaus.org", "127.255.255.255", &m), DNSBL_ERROR_CODE,
		"127.255.255.255: excessive queries");
	is_int(dnsbl_interpret("other.example", "127.255.255.252", &m), DNSBL_ERROR_CODE,
		"127.255.255.252: typing error, any zone");
	is_int(dnsbl_interpret("other.example", "127.0.0.2", &m), DNSBL_LISTED, "other zone: listed");
	is_str(m, "listed", "other zone: no Spamhaus meaning");
	is_int(dnsbl_interpret("other.example", "127.0.0.1", &m), DNSBL_ERROR_CODE, "127.0.0.1: never a listing");
	is_int(dnsbl_interpret("other.example", "192.0.2.1", &m), DNSBL_BAD_ANSWER, "outside 127/8: bad answer");
	is_int(dnsbl_interpret("zen.spamhaus.org", "127.0.0.99", &m), DNSBL_LISTED, "unknown Spamhaus code: listed");

	ok(dnsbl_query_name("192.0.2.1", "zen.spamhaus.org", q, sizeof(q), &dom), "query name: IPv4");
	is_str(q, "1.2.0.192.zen.spamhaus.org.", "query name: octets reversed");
	ok(!dom, "query name: an address");
	ok(dnsbl_query_name("2001:db8::1", "dnsbl.test.", q, sizeof(q), &dom), "query name: IPv6");
	is_str(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.dnsbl.test.",
		"query name: 32 nibbles reversed");
	ok(dnsbl_query_name("bad.example.", "dbl.spamhaus.org", q, sizeof(q), &dom), "query name: domain");
	is_str(q, "bad.example.dbl.spamhaus.org.", "query name: DOMAIN.ZONE");
	ok(dom, "query name: a domain");
	ok(!dnsbl_query_name("bad name", "dnsbl.test", q, sizeof(q), &dom), "query name: not a name");
	ok(!dnsbl_query_name("192.0.2.1", "", q, sizeof(q), &dom), "query name: empty zone");
	ok(dnsbl_default_zones(false, &n) && n >= 1, "default address zones");
	ok(dnsbl_default_zones(true, &n) && n >= 1, "default domain zones");

	r = xcalloc(1, sizeof(*r));
	ans(&a, "2.0.0.127.dnsbl.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_addr(&a, "127.0.0.2");
	add_addr(&a, "127.255.255.254");
	ans(&t, "2.0.0.127.dnsbl.test.", DNS_T_TXT, 0, DNS_SEC_INSECURE);
	add_txt(&t, "listed: test point");
	dnsbl_analyse("dnsbl.test", &a, &t, r);
	is_int(r->status, DNSBL_LISTED, "result: a listing beats an error code");
	is_int(r->ncodes, 2, "result: both codes");
	is_int(r->codes[1].status, DNSBL_ERROR_CODE, "result: each code interpreted");
	is_int(r->ntxt, 1, "result: the TXT");
	is_str(r->txt[0], "listed: test point", "result: TXT text");
	is_str(r->qname, "2.0.0.127.dnsbl.test.", "result: query name");
	dns_answer_finish(&a);
	dns_answer_finish(&t);
	dnsbl_results_free(r, 1);

	r = xcalloc(1, sizeof(*r));
	ans(&a, "1.0.0.127.dnsbl.test.", DNS_T_A, 3, DNS_SEC_INSECURE);
	dnsbl_analyse("dnsbl.test", &a, NULL, r);
	is_int(r->status, DNSBL_NOT_LISTED, "result: NXDOMAIN, not listed");
	dns_answer_finish(&a);
	dnsbl_results_free(r, 1);

	r = xcalloc(1, sizeof(*r));
	ans(&a, "1.0.0.127.dnsbl.test.", DNS_T_A, 2, DNS_SEC_INDETERMINATE);
	dnsbl_analyse("dnsbl.test", &a, NULL, r);
	is_int(r->status, DNSBL_UNKNOWN, "result: SERVFAIL, unknown");
	dns_answer_finish(&a);
	dnsbl_results_free(r, 1);

	r = xcalloc(1, sizeof(*r));
	ans(&a, "1.0.0.127.dnsbl.test.", DNS_T_A, -1, DNS_SEC_INDETERMINATE);
	dnsbl_analyse("dnsbl.test", &a, NULL, r);
	is_int(r->status, DNSBL_UNKNOWN, "result: no answer, unknown");
	dns_answer_finish(&a);
	dnsbl_results_free(r, 1);

	r = xcalloc(1, sizeof(*r));
	ans(&a, "3.0.0.127.dnsbl.test.", DNS_T_A, 0, DNS_SEC_INSECURE);
	add_addr(&a, "127.255.255.254");
	dnsbl_analyse("dnsbl.test", &a, NULL, r);
	is_int(r->status, DNSBL_ERROR_CODE, "result: only an error code");
	dns_answer_finish(&a);
	dnsbl_results_free(r, 1);
	is_str(dnsbl_status_name(DNSBL_UNKNOWN), "unknown", "status name");
}

int main(void)
{
	test_names();
	test_mx_list();
	test_mx_equal();
	test_mx_special();
	test_mx_misc();
	test_ptr();
	test_dnsbl();
	return done_testing();
}

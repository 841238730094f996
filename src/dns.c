/* SPDX-License-Identifier: MIT */
/*
 * DNS over our own non-blocking sockets; ldns builds, parses and verifies the
 * packets. Every query has a UDP socket of its own, is sent again once after
 * half its timeout, and goes over TCP when the answer is truncated; many run
 * at once on the caller's poll loop. DNSSEC status comes either from the AD
 * bit of a validating resolver (a SERVFAIL that turns into data with CD=1 is
 * bogus), or from a validation done here from a trust anchor file.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "util.h"

#define DNS_MAX_SERVERS 3
#define DNS_EDNS_SIZE 1232
#define DNS_MAX_CHAIN 16
#define DNS_VAL_MAX_FETCH 32
#define DNS_VAL_MAX_DEPTH 8
#define DNS_DEFAULT_TIMEOUT 5000
#define DNS_EDE_OPTION 15

struct dns_server {
	struct sockaddr_storage ss;
	socklen_t len;
	char desc[64];
};

enum dns_qstate {
	DNS_Q_ACTIVE,      /* in d->active: sockets open, timers running */
	DNS_Q_JUDGED,      /* answered, held by its validation job */
	DNS_Q_DONE,        /* in d->done: the callback is due */
	DNS_Q_DEAD,        /* a finished sub-query in d->dead, freed after the loop */
};

enum dns_tcp_state {
	DNS_TCP_NONE, DNS_TCP_CONNECT, DNS_TCP_WRITE, DNS_TCP_READ_LEN, DNS_TCP_READ_BODY,
};

struct dns_val;

struct dns_query {
	struct dns_query *next;
	struct dns *d;
	enum dns_qstate state;
	dns_done_fn *cb;
	void *ctx;
	struct dns_val *feeds;     /* a validation sub-query: the job it fetches for */
	size_t slot;               /* ... and the fetch slot it fills */
	bool local;                /* judge the answer with the trust anchors */
	char *name;                /* absolute */
	ldns_rdf *qname;
	uint16_t type;
	bool cd;                   /* CD bit of the packet in flight */
	bool cd_pass;              /* the re-query with CD=1 after a SERVFAIL */
	struct dns_server srv[DNS_MAX_SERVERS];
	size_t nsrv;
	int timeout_ms;
	int64_t t_submit, retry_at, deadline;
	uint16_t id;
	uint8_t *wire;
	size_t wire_len;
	/* UDP: a socket per attempt; the retry goes to the next server, if any */
	int ufd[2];
	size_t usrv[2];
	bool ufailed[2];
	int nsent;
	char why[160];             /* the last socket error */
	/* TCP, after a truncated UDP answer */
	int tfd;
	size_t tsrv;
	enum dns_tcp_state tstate;
	int ttries;                /* TCP connections made (a busy server may close one) */
	uint8_t *tbuf;
	size_t tlen, toff;
	uint8_t tlenbuf[2];
	/* results */
	ldns_pkt *servfail;        /* the SERVFAIL kept across the CD re-query */
	ldns_pkt *trunc;           /* a truncated UDP answer, in case TCP fails */
	ldns_pkt *pkt;             /* the answer */
	size_t answered_by;
	bool via_tcp;
	struct dns_answer ans;
};

struct dns_fetch {
	ldns_rdf *name;
	uint16_t type;
	bool done;
	ldns_pkt *pkt;             /* NULL when the query failed (why) */
	char why[200];
};

/* Validation of one answer against the trust anchors: a pass over the packets
 * fetched so far either decides or names the one packet it still needs. */
struct dns_val {
	struct dns_query *q;
	struct dns_fetch fetch[DNS_VAL_MAX_FETCH];
	size_t nfetch;
	ldns_rdf *need_name;
	uint16_t need_type;
};

/* Ordered from best to worst, so that combining two results is a max(). */
enum dns_vres {
	DNS_V_SECURE, DNS_V_INSECURE, DNS_V_INDETERMINATE, DNS_V_BOGUS, DNS_V_PENDING,
};

struct dns_vctx {
	struct dns *d;
	struct dns_val *job;
	char why[200];             /* the first reason for bogus / indeterminate */
};

struct dns {
	char *server;              /* as given; NULL: resolv.conf */
	char *resolv_conf;
	char *anchor_file;
	int timeout_ms;
	bool ready;                /* srv[] known */
	struct dns_server srv[DNS_MAX_SERVERS];
	size_t nsrv;
	char desc[256];
	ldns_rr_list *anchors;
	struct dns_query *active, *done, *dead;
	uint8_t rbuf[65536];
};

static void dns_q_start(struct dns_query *q);
static void dns_copy(char *dst, size_t size, const char *src);
static void dns_val_run(struct dns *d, struct dns_val *job);

/* Copy src into dst[size], cut if need be. */
static void dns_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0) {
		return;
	}
	if (n >= size) {
		n = size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------ names */

const char *dns_sec_name(enum dns_sec s)
{
	switch (s) {
	case DNS_SEC_SECURE:
		return "secure";
	case DNS_SEC_INSECURE:
		return "insecure";
	case DNS_SEC_BOGUS:
		return "bogus";
	case DNS_SEC_INDETERMINATE:
		break;
	}
	return "indeterminate";
}

const char *dns_rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
	};

	if (rcode < 0) {
		return "NO-ANSWER";
	}
	if ((size_t)rcode < sizeof(names) / sizeof(names[0])) {
		return names[rcode];
	}
	switch (rcode) {
	case 16:
		return "BADVERS";
	case 17:
		return "BADKEY";
	case 18:
		return "BADTIME";
	case 19:
		return "BADMODE";
	case 20:
		return "BADNAME";
	case 21:
		return "BADALG";
	case 22:
		return "BADTRUNC";
	case 23:
		return "BADCOOKIE";
	default:
		break;
	}
	return "UNKNOWN";
}

uint16_t dns_type_from_name(const char *name)
{
	if (!name || !*name) {
		return 0;
	}
	return (uint16_t)ldns_get_rr_type_by_name(name);
}

const char *dns_type_name(uint16_t type, char *buf, size_t len)
{
	char *s = ldns_rr_type2str((ldns_rr_type)type);

	if (len == 0) {
		free(s);
		return buf;
	}
	if (s) {
		snprintf(buf, len, "%s", s);
	} else {
		snprintf(buf, len, "TYPE%u", (unsigned)type);
	}
	free(s);
	return buf;
}

static const char *dns_ede_name(unsigned code)
{
	static const char *const names[] = {
		"Other Error", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
		"Stale Answer", "Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus",
		"Signature Expired", "Signature Not Yet Valid", "DNSKEY Missing",
		"RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing", "Cached Error",
		"Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
		"Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
		"No Reachable Authority", "Network Error", "Invalid Data",
		"Signature Expired before Valid", "Too Early",
		"Unsupported NSEC3 Iterations Value", "Unable to conform to policy",
		"Synthesized", "Invalid Query Type",
	};

	if (code < sizeof(names) / sizeof(names[0])) {
		return names[code];
	}
	return "Unknown";
}

bool dns_reverse_name(const char *addr, const char *zone, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	struct strbuf b;
	bool ok = false;
	int i;

	strbuf_init(&b);
	if (!addr || !out || outlen == 0) {
		goto out;
	}
	if (inet_pton(AF_INET, addr, a) == 1) {
		for (i = 3; i >= 0; i--) {
			strbuf_addf(&b, "%u.", (unsigned)a[i]);
		}
		if (!zone) {
			zone = "in-addr.arpa.";
		}
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		for (i = 15; i >= 0; i--) {
			strbuf_addf(&b, "%c.%c.", hex[a[i] & 0xf], hex[a[i] >> 4]);
		}
		if (!zone) {
			zone = "ip6.arpa.";
		}
	} else {
		goto out;
	}
	while (*zone == '.' && zone[1] != '\0') {
		zone++;
	}
	if (strcmp(zone, ".") != 0) {
		strbuf_adds(&b, zone);
	}
	if (b.len == 0 || b.s[b.len - 1] != '.') {
		strbuf_adds(&b, ".");
	}
	if (b.len + 1 > outlen) {
		goto out;
	}
	memcpy(out, b.s, b.len + 1);
	ok = true;
out:
	strbuf_finish(&b);
	return ok;
}

/* ------------------------------------------------------------ answers */

void dns_answer_finish(struct dns_answer *a)
{
	size_t i;

	if (!a) {
		return;
	}
	free(a->qname);
	for (i = 0; i < a->nrrs; i++) {
		free(a->rrs[i].owner);
		free(a->rrs[i].rdata);
		free(a->rrs[i].target);
		free(a->rrs[i].txt);
		free(a->rrs[i].tlsa_data);
	}
	free(a->rrs);
	for (i = 0; i < a->ncnames; i++) {
		free(a->cnames[i]);
	}
	free(a->cnames);
	memset(a, 0, sizeof(*a));
}

/* ldns_rdf2str, never NULL, for free(). */
static char *dns_rdf_str(const ldns_rdf *rdf)
{
	char *s = rdf ? ldns_rdf2str(rdf) : NULL;

	return s ? s : xstrdup("");
}

static bool dns_same_name(const ldns_rdf *a, const ldns_rdf *b)
{
	return a && b && ldns_dname_compare(a, b) == 0;
}

static void dns_rr_fill(struct dns_rr *r, const ldns_rr *rr)
{
	struct strbuf b;
	const ldns_rdf *f;
	size_t i, n = ldns_rr_rd_count(rr);
	char *s;
	int fam;

	memset(r, 0, sizeof(*r));
	r->owner = dns_rdf_str(ldns_rr_owner(rr));
	r->type = (uint16_t)ldns_rr_get_type(rr);
	r->ttl = ldns_rr_ttl(rr);
	strbuf_init(&b);
	for (i = 0; i < n; i++) {
		s = dns_rdf_str(ldns_rr_rdf(rr, i));
		if (i > 0) {
			strbuf_adds(&b, " ");
		}
		strbuf_adds(&b, s);
		free(s);
	}
	r->rdata = strbuf_steal(&b);
	strbuf_finish(&b);

	switch (r->type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		f = ldns_rr_rdf(rr, 0);
		fam = r->type == DNS_T_A ? AF_INET : AF_INET6;
		if (f && ldns_rdf_size(f) == (fam == AF_INET ? 4u : 16u)) {
			inet_ntop(fam, ldns_rdf_data(f), r->addr, sizeof(r->addr));
		}
		break;
	case DNS_T_MX:
		if (n >= 2) {
			r->pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
			r->target = dns_rdf_str(ldns_rr_rdf(rr, 1));
		}
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_NS:
	case 39: /* DNAME */
		if (n >= 1) {
			r->target = dns_rdf_str(ldns_rr_rdf(rr, 0));
		}
		break;
	case DNS_T_TXT:
	case 99: /* SPF */
		strbuf_init(&b);
		for (i = 0; i < n; i++) {
			f = ldns_rr_rdf(rr, i);
			if (ldns_rdf_size(f) >= 1) {
				size_t len = ldns_rdf_data(f)[0];

				if (len > ldns_rdf_size(f) - 1) {
					len = ldns_rdf_size(f) - 1;
				}
				strbuf_add(&b, (const char *)ldns_rdf_data(f) + 1, len);
			}
		}
		r->txt_len = b.len;
		r->txt = strbuf_steal(&b);
		strbuf_finish(&b);
		break;
	case DNS_T_TLSA:
		if (n >= 4) {
			r->tlsa_usage = ldns_rdf2native_int8(ldns_rr_rdf(rr, 0));
			r->tlsa_selector = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
			r->tlsa_mtype = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
			f = ldns_rr_rdf(rr, 3);
			r->tlsa_len = ldns_rdf_size(f);
			r->tlsa_data = xmalloc(r->tlsa_len);
			memcpy(r->tlsa_data, ldns_rdf_data(f), r->tlsa_len);
		}
		break;
	default:
		break;
	}
}

/* The first extended DNS error (RFC 8914) of the packet, into a->ede / a->error. */
static void dns_ede_fill(struct dns_answer *a, ldns_pkt *pkt)
{
	ldns_edns_option_list *ol;
	ldns_edns_option *o;
	const uint8_t *data;
	char text[120];
	size_t i, j, size, k = 0;

	a->ede = -1;
	ol = ldns_pkt_edns_get_option_list(pkt);
	if (!ol) {
		return;
	}
	for (i = 0; i < ldns_edns_option_list_get_count(ol); i++) {
		o = ldns_edns_option_list_get_option(ol, i);
		if (!o || ldns_edns_get_code(o) != DNS_EDE_OPTION || ldns_edns_get_size(o) < 2) {
			continue;
		}
		data = ldns_edns_get_data(o);
		size = ldns_edns_get_size(o);
		a->ede = (data[0] << 8) | data[1];
		for (j = 2; j < size && k + 1 < sizeof(text); j++) {
			/* the text is UTF-8 from the server: keep printable ASCII only */
			text[k++] = (data[j] >= 0x20 && data[j] < 0x7f) ? (char)data[j] : '?';
		}
		text[k] = '\0';
		snprintf(a->error, sizeof(a->error), "EDE %d (%s)%s%s", a->ede,
			dns_ede_name((unsigned)a->ede), k ? ": " : "", text);
		return;
	}
}

static int dns_pkt_rcode(const ldns_pkt *pkt)
{
	return (ldns_pkt_edns_extended_rcode(pkt) << 4) | (int)ldns_pkt_get_rcode(pkt);
}

/* Records, flags and the CNAME chain of pkt as the answer to qname/qtype. */
static void dns_answer_fill(struct dns_answer *a, ldns_pkt *pkt, const ldns_rdf *qname,
	uint16_t qtype)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rdf *cur = qname;
	const ldns_rr *rr;
	size_t i, n, count = ldns_rr_list_rr_count(an);
	bool found;

	a->rcode = dns_pkt_rcode(pkt);
	a->ad = ldns_pkt_ad(pkt);
	a->aa = ldns_pkt_aa(pkt);
	a->tc = ldns_pkt_tc(pkt);
	dns_ede_fill(a, pkt);
	if (qtype != DNS_T_CNAME) {
		for (n = 0; n < DNS_MAX_CHAIN; n++) {
			found = false;
			for (i = 0; i < count; i++) {
				rr = ldns_rr_list_rr(an, i);
				if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
					ldns_rr_rd_count(rr) >= 1 &&
					dns_same_name(ldns_rr_owner(rr), cur)) {
					found = true;
					break;
				}
			}
			if (!found) {
				break;
			}
			cur = ldns_rr_rdf(rr, 0);
			a->cnames = xrealloc(a->cnames, (a->ncnames + 1) * sizeof(*a->cnames));
			a->cnames[a->ncnames++] = dns_rdf_str(cur);
		}
	}
	for (i = 0; i < count; i++) {
		rr = ldns_rr_list_rr(an, i);
		if (!dns_same_name(ldns_rr_owner(rr), cur)) {
			continue;
		}
		if (ldns_rr_get_type(rr) != qtype &&
			(qtype != LDNS_RR_TYPE_ANY || ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG)) {
			continue;
		}
		a->rrs = xrealloc(a->rrs, (a->nrrs + 1) * sizeof(*a->rrs));
		dns_rr_fill(&a->rrs[a->nrrs++], rr);
	}
}

/* "example.test" -> "example.test." as an ldns name; NULL when not a name. */
static ldns_rdf *dns_name_rdf(const char *name, char **abs_out)
{
	ldns_rdf *rdf = NULL;
	char *abs = NULL;
	size_t len;

	if (!name || !*name) {
		goto out;
	}
	len = strlen(name);
	if (name[len - 1] == '.' && (len == 1 || name[len - 2] != '\\')) {
		abs = xstrdup(name);
	} else {
		abs = xasprintf("%s.", name);
	}
	rdf = ldns_dname_new_frm_str(abs);
out:
	if (rdf && abs_out) {
		*abs_out = abs;
		abs = NULL;
	}
	free(abs);
	return rdf;
}

bool dns_answer_parse(const unsigned char *wire, size_t len, const char *name, uint16_t type,
	struct dns_answer *out, struct err *e)
{
	ldns_pkt *pkt = NULL;
	ldns_rdf *qname = NULL;
	char *abs = NULL;
	ldns_status st;
	bool ok = false;

	qname = dns_name_rdf(name, &abs);
	if (!qname) {
		err_set(e, ERR_USAGE, "not a domain name: %s", name ? name : "(null)");
		goto out;
	}
	st = ldns_wire2pkt(&pkt, wire, len);
	if (st != LDNS_STATUS_OK) {
		err_set(e, ERR_PROTO, "malformed DNS packet: %s", ldns_get_errorstr_by_id(st));
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->qname = abs;
	abs = NULL;
	out->qtype = type;
	dns_answer_fill(out, pkt, qname, type);
	if (out->rcode == LDNS_RCODE_NOERROR || out->rcode == LDNS_RCODE_NXDOMAIN) {
		out->sec = out->ad ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	} else {
		out->sec = DNS_SEC_INDETERMINATE;
	}
	ok = true;
out:
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	free(abs);
	return ok;
}

/* ------------------------------------------------------------ servers */

static bool dns_server_from(struct dns_server *s, int fam, const void *addr, unsigned port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->ss;
	char host[INET6_ADDRSTRLEN];

	memset(s, 0, sizeof(*s));
	if (fam == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, addr, 4);
		s->len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, addr, 16);
		s->len = sizeof(*sin6);
	}
	if (!inet_ntop(fam, addr, host, sizeof(host))) {
		return false;
	}
	snprintf(s->desc, sizeof(s->desc), "%s port %u", host, port);
	return true;
}

/* "ADDR", "ADDR:PORT", "ADDR@PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address. */
static bool dns_parse_server(const char *spec, struct dns_server *s, struct err *e)
{
	char host[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	const char *port = NULL, *p, *colon;
	size_t hlen;
	long pn = 53;
	int fam;

	if (!spec || !*spec) {
		return err_set(e, ERR_USAGE, "empty DNS server address");
	}
	if (spec[0] == '[') {
		p = strchr(spec, ']');
		if (!p) {
			return err_set(e, ERR_USAGE, "DNS server %s: missing ]", spec);
		}
		hlen = (size_t)(p - spec - 1);
		if (hlen >= sizeof(host)) {
			return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
		}
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		if (p[1] == ':' || p[1] == '@') {
			port = p + 2;
		} else if (p[1] != '\0') {
			return err_set(e, ERR_USAGE, "DNS server %s: junk after ]", spec);
		}
	} else {
		p = strchr(spec, '@');
		colon = strchr(spec, ':');
		if (!p && colon && !strchr(colon + 1, ':')) {
			p = colon;  /* one colon: ADDR:PORT; more: a bare IPv6 address */
		}
		hlen = p ? (size_t)(p - spec) : strlen(spec);
		if (hlen >= sizeof(host)) {
			return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
		}
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		if (p) {
			port = p + 1;
		}
	}
	if (port && !str_to_long(port, 1, 65535, &pn)) {
		return err_set(e, ERR_USAGE, "DNS server %s: bad port", spec);
	}
	if (inet_pton(AF_INET, host, addr) == 1) {
		fam = AF_INET;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		fam = AF_INET6;
	} else {
		return err_set(e, ERR_USAGE, "DNS server %s: not an IP address "
			"(use ADDR, ADDR:PORT or [IPV6]:PORT)", spec);
	}
	if (!dns_server_from(s, fam, addr, (unsigned)pn)) {
		return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
	}
	return true;
}

static void dns_desc_update(struct dns *d)
{
	size_t i;
	int n;

	if (d->server) {
		if (d->ready) {
			snprintf(d->desc, sizeof(d->desc), "%s", d->srv[0].desc);
		} else {
			snprintf(d->desc, sizeof(d->desc), "%s (invalid)", d->server);
		}
		return;
	}
	if (!d->ready) {
		snprintf(d->desc, sizeof(d->desc), "system resolver (%s)",
			d->resolv_conf ? d->resolv_conf : "/etc/resolv.conf");
		return;
	}
	n = snprintf(d->desc, sizeof(d->desc), "%s (",
		d->resolv_conf ? d->resolv_conf : "system resolver");
	for (i = 0; i < d->nsrv && n > 0 && (size_t)n < sizeof(d->desc); i++) {
		n += snprintf(d->desc + n, sizeof(d->desc) - (size_t)n, "%s%s", i ? ", " : "",
			d->srv[i].desc);
	}
	if (n > 0 && (size_t)n < sizeof(d->desc)) {
		snprintf(d->desc + n, sizeof(d->desc) - (size_t)n, ")");
	}
}

static bool dns_load_resolv_conf(struct dns *d, struct err *e)
{
	const char *path = d->resolv_conf ? d->resolv_conf : "/etc/resolv.conf";
	ldns_resolver *res = NULL;
	ldns_rdf **ns;
	ldns_status st;
	size_t i;
	bool ok = false;

	st = ldns_resolver_new_frm_file(&res, d->resolv_conf);
	if (st != LDNS_STATUS_OK) {
		err_set(e, ERR_DNS, "cannot use %s: %s", path, ldns_get_errorstr_by_id(st));
		goto out;
	}
	ns = ldns_resolver_nameservers(res);
	d->nsrv = 0;
	for (i = 0; i < ldns_resolver_nameserver_count(res) && d->nsrv < DNS_MAX_SERVERS; i++) {
		if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_A && ldns_rdf_size(ns[i]) == 4) {
			dns_server_from(&d->srv[d->nsrv++], AF_INET, ldns_rdf_data(ns[i]),
				ldns_resolver_port(res));
		} else if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_AAAA &&
			ldns_rdf_size(ns[i]) == 16) {
			dns_server_from(&d->srv[d->nsrv++], AF_INET6, ldns_rdf_data(ns[i]),
				ldns_resolver_port(res));
		}
	}
	if (d->nsrv == 0) {
		err_set(e, ERR_DNS, "no nameserver in %s", path);
		goto out;
	}
	d->ready = true;
	dns_desc_update(d);
	ok = true;
out:
	ldns_resolver_deep_free(res);
	return ok;
}

/* The trust anchor file: DS and DNSKEY records in zone file syntax. */
static bool dns_load_anchors(struct dns *d, struct err *e)
{
	ldns_rr_list *list = NULL;
	ldns_rdf *origin = NULL, *prev = NULL;
	ldns_rr *rr = NULL;
	ldns_status st;
	uint32_t ttl = 3600;
	int line = 1;
	FILE *fp = NULL;
	bool ok = false;

	fp = fopen(d->anchor_file, "r");
	if (!fp) {
		err_set(e, ERR_IO, "trust anchor %s: %s", d->anchor_file, strerror(errno));
		goto out;
	}
	list = ldns_rr_list_new();
	while (!feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
			st == LDNS_STATUS_SYNTAX_ORIGIN || st == LDNS_STATUS_SYNTAX_INCLUDE) {
			continue;
		}
		if (st != LDNS_STATUS_OK) {
			if (feof(fp)) {
				break;
			}
			err_set(e, ERR_IO, "trust anchor %s line %d: %s", d->anchor_file, line,
				ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS ||
			ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_list_push_rr(list, rr);
		} else {
			ldns_rr_free(rr);
		}
	}
	if (ldns_rr_list_rr_count(list) == 0) {
		err_set(e, ERR_IO, "trust anchor %s: no DS or DNSKEY record", d->anchor_file);
		goto out;
	}
	d->anchors = list;
	list = NULL;
	ok = true;
out:
	ldns_rr_list_deep_free(list);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (fp) {
		fclose(fp);
	}
	return ok;
}

/* Lazy set-up: the first query reads resolv.conf and the trust anchors. */
static bool dns_setup(struct dns *d, struct err *e)
{
	if (!d->ready) {
		if (d->server) {
			if (!dns_parse_server(d->server, &d->srv[0], e)) {
				return false;
			}
			d->nsrv = 1;
			d->ready = true;
			dns_desc_update(d);
		} else if (!dns_load_resolv_conf(d, e)) {
			return false;
		}
	}
	if (d->anchor_file && !d->anchors && !dns_load_anchors(d, e)) {
		return false;
	}
	return true;
}

struct dns *dns_create(const struct dns_opts *opts)
{
	struct dns *d = xcalloc(1, sizeof(*d));

	d->timeout_ms = DNS_DEFAULT_TIMEOUT;
	if (opts) {
		if (opts->server && *opts->server) {
			d->server = xstrdup(opts->server);
		}
		if (opts->resolv_conf) {
			d->resolv_conf = xstrdup(opts->resolv_conf);
		}
		if (opts->trust_anchor) {
			d->anchor_file = xstrdup(opts->trust_anchor);
		}
		if (opts->timeout_ms > 0) {
			dns_set_timeout(d, opts->timeout_ms);
		}
	}
	/* Parsing the server address reads nothing: do it now for dns_server_desc. */
	if (d->server && dns_parse_server(d->server, &d->srv[0], NULL)) {
		d->nsrv = 1;
		d->ready = true;
	}
	dns_desc_update(d);
	return d;
}

bool dns_set_server(struct dns *d, const char *server, struct err *e)
{
	struct dns_server s;

	if (!server || !*server) {
		free(d->server);
		d->server = NULL;
		d->ready = false;
		d->nsrv = 0;
		dns_desc_update(d);
		return true;
	}
	if (!dns_parse_server(server, &s, e)) {
		return false;
	}
	free(d->server);
	d->server = xstrdup(server);
	d->srv[0] = s;
	d->nsrv = 1;
	d->ready = true;
	dns_desc_update(d);
	return true;
}

void dns_set_timeout(struct dns *d, int timeout_ms)
{
	if (timeout_ms < 100) {
		timeout_ms = 100;
	} else if (timeout_ms > 120000) {
		timeout_ms = 120000;
	}
	d->timeout_ms = timeout_ms;
}

const char *dns_server_desc(struct dns *d)
{
	return d->desc;
}

/* ------------------------------------------------------------ queries */

static uint16_t dns_random_id(void)
{
	uint16_t v;

	if (getentropy(&v, sizeof(v)) != 0) {
		v = ldns_get_random();
	}
	return v;
}

static bool dns_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void dns_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void dns_q_close_sockets(struct dns_query *q)
{
	dns_close(&q->ufd[0]);
	dns_close(&q->ufd[1]);
	dns_close(&q->tfd);
	free(q->tbuf);
	q->tbuf = NULL;
	q->tstate = DNS_TCP_NONE;
}

static void dns_q_free(struct dns_query *q)
{
	if (!q) {
		return;
	}
	dns_q_close_sockets(q);
	free(q->name);
	ldns_rdf_deep_free(q->qname);
	free(q->wire);
	ldns_pkt_free(q->servfail);
	ldns_pkt_free(q->trunc);
	ldns_pkt_free(q->pkt);
	dns_answer_finish(&q->ans);
	free(q);
}

static void dns_val_free(struct dns_val *job)
{
	size_t i;

	if (!job) {
		return;
	}
	for (i = 0; i < job->nfetch; i++) {
		ldns_rdf_deep_free(job->fetch[i].name);
		ldns_pkt_free(job->fetch[i].pkt);
	}
	ldns_rdf_deep_free(job->need_name);
	dns_q_free(job->q);
	free(job);
}

static void dns_unlink(struct dns_query **head, struct dns_query *q)
{
	struct dns_query **pp;

	for (pp = head; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			q->next = NULL;
			return;
		}
	}
}

static struct dns_query *dns_q_new(struct dns *d, const char *name, uint16_t type, struct err *e)
{
	struct dns_query *q;
	ldns_rdf *qname;
	char *abs = NULL;

	if (type == 0) {
		err_set(e, ERR_USAGE, "no query type");
		return NULL;
	}
	qname = dns_name_rdf(name, &abs);
	if (!qname) {
		err_set(e, ERR_USAGE, "not a domain name: %s", name ? name : "(null)");
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->name = abs;
	q->qname = qname;
	q->type = type;
	memcpy(q->srv, d->srv, sizeof(q->srv));
	q->nsrv = d->nsrv;
	q->timeout_ms = d->timeout_ms;
	q->ufd[0] = q->ufd[1] = q->tfd = -1;
	q->t_submit = now_ms();
	q->ans.ede = -1;
	return q;
}

/* The answer is in q->ans: hand it to the callback at the next dns_process. */
static void dns_q_deliver(struct dns_query *q)
{
	struct dns *d = q->d;
	struct dns_query **pp;

	if (q->state == DNS_Q_ACTIVE) {
		dns_unlink(&d->active, q);
	}
	dns_q_close_sockets(q);
	q->state = DNS_Q_DONE;
	q->ans.elapsed_ms = (int)(now_ms() - q->t_submit);
	for (pp = &d->done; *pp; pp = &(*pp)->next) {
	}
	q->next = NULL;
	*pp = q;
}

/* Fill q->ans from pkt (may be NULL: no answer). */
static void dns_q_build(struct dns_query *q, ldns_pkt *pkt, enum dns_sec sec, const char *why)
{
	struct dns_answer *a = &q->ans;

	dns_answer_finish(a);
	a->qname = xstrdup(q->name);
	a->qtype = q->type;
	a->ede = -1;
	if (pkt) {
		dns_answer_fill(a, pkt, q->qname, q->type);
		snprintf(a->server, sizeof(a->server), "%s", q->srv[q->answered_by].desc);
	} else {
		a->rcode = -1;
		snprintf(a->server, sizeof(a->server), "%s", q->nsrv ? q->srv[0].desc : "");
	}
	a->tcp = q->via_tcp;
	a->sec = sec;
	if (why && *why) {
		if (a->error[0]) {
			char *both = xasprintf("%s; %s", why, a->error);

			dns_copy(a->error, sizeof(a->error), both);
			free(both);
		} else {
			dns_copy(a->error, sizeof(a->error), why);
		}
	}
}

static void dns_val_fed(struct dns_query *q);

/* No answer at all (timeout, unreachable). */
static void dns_q_fail(struct dns_query *q, const char *why)
{
	if (q->feeds) {
		dns_copy(q->why, sizeof(q->why), why);
		dns_val_fed(q);
		return;
	}
	if (q->cd_pass && q->servfail) {
		/* SERVFAIL, and nothing with CD: cannot tell bogus from broken */
		dns_q_build(q, q->servfail, DNS_SEC_INDETERMINATE, "SERVFAIL; no answer with CD=1");
	} else {
		dns_q_build(q, NULL, DNS_SEC_INDETERMINATE, why);
	}
	dns_q_deliver(q);
}

static void dns_q_timeout_text(struct dns_query *q, char *buf, size_t len)
{
	const char *who = q->nsrv ? q->srv[0].desc : "?";

	if (q->timeout_ms % 1000 == 0) {
		snprintf(buf, len, "no answer from %s%s within %d s", who,
			q->nsrv > 1 ? " and the other servers" : "", q->timeout_ms / 1000);
	} else {
		snprintf(buf, len, "no answer from %s%s within %.1f s", who,
			q->nsrv > 1 ? " and the other servers" : "", q->timeout_ms / 1000.0);
	}
}

/* Send attempt number q->nsent (0 or 1) over UDP; false when it failed at once. */
static bool dns_q_send_udp(struct dns_query *q)
{
	size_t si = (size_t)q->nsent % q->nsrv;
	int slot = q->nsent, fd;
	ssize_t n;

	q->nsent++;
	if (slot == 1 && q->ufd[0] >= 0 && q->usrv[0] == si) {
		slot = 0;  /* the same server again: the same socket */
	}
	fd = q->ufd[slot];
	if (fd < 0) {
		fd = socket(q->srv[si].ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || !dns_set_nonblock(fd) ||
			connect(fd, (const struct sockaddr *)&q->srv[si].ss, q->srv[si].len) != 0) {
			snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[si].desc,
				strerror(errno));
			if (fd >= 0) {
				close(fd);
			}
			q->ufailed[slot] = true;
			return false;
		}
		q->ufd[slot] = fd;
		q->usrv[slot] = si;
	}
	n = send(fd, q->wire, q->wire_len, 0);
	if (n < 0 || (size_t)n != q->wire_len) {
		snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[si].desc,
			n < 0 ? strerror(errno) : "short write");
		q->ufailed[slot] = true;
		return false;
	}
	q->ufailed[slot] = false;
	return true;
}

/* An attempt failed at once (send error, ICMP unreachable): retry now, or give up. */
static void dns_q_udp_failed(struct dns_query *q)
{
	char why[sizeof(q->why) + 32];

	while (q->nsent < 2) {
		if (dns_q_send_udp(q)) {
			return;
		}
	}
	if ((q->ufd[0] < 0 || q->ufailed[0]) && (q->ufd[1] < 0 || q->ufailed[1])) {
		snprintf(why, sizeof(why), "no answer: %s", q->why);
		dns_q_fail(q, why);
	}
}

/* (Re)start the query: a new packet and ID, fresh timers, the first UDP attempt. */
static void dns_q_start(struct dns_query *q)
{
	ldns_pkt *pkt = NULL;
	ldns_status st;
	int64_t now = now_ms();
	char why[120];

	dns_q_close_sockets(q);
	q->ufailed[0] = q->ufailed[1] = false;
	q->nsent = 0;
	q->via_tcp = false;
	ldns_pkt_free(q->trunc);
	q->trunc = NULL;
	free(q->wire);
	q->wire = NULL;
	pkt = ldns_pkt_query_new(ldns_rdf_clone(q->qname), (ldns_rr_type)q->type,
		LDNS_RR_CLASS_IN, LDNS_RD | (q->cd ? LDNS_CD : 0));
	if (!pkt) {
		dns_q_fail(q, "cannot build the query packet");
		goto out;
	}
	q->id = dns_random_id();
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
	ldns_pkt_set_edns_do(pkt, true);
	st = ldns_pkt2wire(&q->wire, pkt, &q->wire_len);
	if (st != LDNS_STATUS_OK) {
		snprintf(why, sizeof(why), "cannot build the query packet: %s",
			ldns_get_errorstr_by_id(st));
		dns_q_fail(q, why);
		goto out;
	}
	q->retry_at = now + q->timeout_ms / 2;
	q->deadline = now + q->timeout_ms;
	if (!dns_q_send_udp(q)) {
		dns_q_udp_failed(q);
	}
out:
	ldns_pkt_free(pkt);
}

/* The response if it answers q (ID, QR, question), else NULL. */
static ldns_pkt *dns_q_match(struct dns_query *q, const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;
	const ldns_rr *qr;

	if (len < 12 || ((buf[0] << 8) | buf[1]) != q->id) {
		return NULL;
	}
	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK) {
		return NULL;
	}
	if (!ldns_pkt_qr(pkt) || ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1) {
		goto bad;
	}
	qr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (ldns_rr_get_type(qr) != q->type || ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN ||
		!dns_same_name(ldns_rr_owner(qr), q->qname)) {
		goto bad;
	}
	return pkt;
bad:
	ldns_pkt_free(pkt);
	return NULL;
}

static void dns_q_tcp_start(struct dns_query *q, size_t si, bool again);

/* A matching response came in (pkt is taken). */
static void dns_q_answered(struct dns_query *q, ldns_pkt *pkt, size_t si)
{
	struct dns *d = q->d;
	struct dns_val *job;
	int rcode;

	if (ldns_pkt_tc(pkt) && !q->via_tcp) {
		ldns_pkt_free(q->trunc);
		q->trunc = pkt;
		dns_q_tcp_start(q, si, false);
		return;
	}
	dns_q_close_sockets(q);
	q->answered_by = si;
	ldns_pkt_free(q->pkt);
	q->pkt = pkt;
	if (q->feeds) {
		dns_val_fed(q);
		return;
	}
	if (q->local) {
		dns_unlink(&d->active, q);
		q->state = DNS_Q_JUDGED;
		job = xcalloc(1, sizeof(*job));
		job->q = q;
		dns_val_run(d, job);
		return;
	}
	rcode = dns_pkt_rcode(pkt);
	if (q->cd_pass) {
		/* SERVFAIL without CD: data with CD means validation failed */
		q->pkt = NULL;
		if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
			dns_q_build(q, q->servfail, DNS_SEC_BOGUS,
				"SERVFAIL, but an answer with CD=1: DNSSEC validation failed");
		} else {
			dns_q_build(q, q->servfail, DNS_SEC_INDETERMINATE,
				"SERVFAIL (also with CD=1)");
		}
		ldns_pkt_free(pkt);
		dns_q_deliver(q);
		return;
	}
	if (rcode == LDNS_RCODE_SERVFAIL) {
		q->servfail = pkt;
		q->pkt = NULL;
		q->cd_pass = true;
		q->cd = true;
		dns_q_start(q);
		return;
	}
	if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
		dns_q_build(q, pkt, ldns_pkt_ad(pkt) ? DNS_SEC_SECURE : DNS_SEC_INSECURE, NULL);
	} else {
		dns_q_build(q, pkt, DNS_SEC_INDETERMINATE, NULL);
	}
	dns_q_deliver(q);
}

static void dns_q_read_udp(struct dns_query *q, int slot)
{
	struct dns *d = q->d;
	ldns_pkt *pkt;
	ssize_t n;

	for (;;) {
		n = recv(q->ufd[slot], d->rbuf, sizeof(d->rbuf), 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return;
			}
			snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[q->usrv[slot]].desc,
				strerror(errno));
			q->ufailed[slot] = true;
			dns_q_udp_failed(q);
			return;
		}
		pkt = dns_q_match(q, d->rbuf, (size_t)n);
		if (pkt) {
			dns_q_answered(q, pkt, q->usrv[slot]);
			return;
		}
	}
}

/* TCP failed: hand out the truncated UDP answer (tc set), which nothing can be
 * judged by, or report no answer. */
static void dns_q_tcp_failed(struct dns_query *q, const char *what)
{
	char why[sizeof(q->why) + 64];

	snprintf(why, sizeof(why), "truncated over UDP; TCP to %s: %s", q->srv[q->tsrv].desc,
		what);
	dns_close(&q->tfd);
	q->tstate = DNS_TCP_NONE;
	if (q->ttries < 2 && now_ms() < q->deadline) {
		dns_q_tcp_start(q, q->tsrv, true);
		return;
	}
	if (q->feeds || !q->trunc || q->cd_pass) {
		dns_q_fail(q, why);
		return;
	}
	q->answered_by = q->tsrv;
	dns_q_build(q, q->trunc, DNS_SEC_INDETERMINATE, why);
	dns_q_deliver(q);
}

/* Over TCP to server si: a fresh deadline, unless this is the second connection. */
static void dns_q_tcp_start(struct dns_query *q, size_t si, bool again)
{
	int fd;

	dns_q_close_sockets(q);
	q->via_tcp = true;
	q->tsrv = si;
	if (!again) {
		q->deadline = now_ms() + q->timeout_ms;
		q->ttries = 0;
	}
	q->ttries++;
	fd = socket(q->srv[si].ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dns_q_tcp_failed(q, strerror(errno));
		return;
	}
	q->tfd = fd;
	if (!dns_set_nonblock(fd)) {
		dns_q_tcp_failed(q, strerror(errno));
		return;
	}
	q->tlen = q->wire_len + 2;
	q->tbuf = xmalloc(q->tlen);
	q->tbuf[0] = (uint8_t)(q->wire_len >> 8);
	q->tbuf[1] = (uint8_t)q->wire_len;
	memcpy(q->tbuf + 2, q->wire, q->wire_len);
	q->toff = 0;
	if (connect(fd, (const struct sockaddr *)&q->srv[si].ss, q->srv[si].len) == 0) {
		q->tstate = DNS_TCP_WRITE;
	} else if (errno == EINPROGRESS) {
		q->tstate = DNS_TCP_CONNECT;
	} else {
		dns_q_tcp_failed(q, strerror(errno));
	}
}

static void dns_q_tcp_io(struct dns_query *q)
{
	ldns_pkt *pkt;
	socklen_t sl;
	ssize_t n;
	int soerr = 0;

	if (q->tstate == DNS_TCP_CONNECT) {
		sl = sizeof(soerr);
		if (getsockopt(q->tfd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
			soerr = errno;
		}
		if (soerr != 0) {
			dns_q_tcp_failed(q, strerror(soerr));
			return;
		}
		q->tstate = DNS_TCP_WRITE;
	}
	if (q->tstate == DNS_TCP_WRITE) {
		n = send(q->tfd, q->tbuf + q->toff, q->tlen - q->toff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				dns_q_tcp_failed(q, strerror(errno));
			}
			return;
		}
		q->toff += (size_t)n;
		if (q->toff < q->tlen) {
			return;
		}
		free(q->tbuf);
		q->tbuf = NULL;
		q->toff = 0;
		q->tstate = DNS_TCP_READ_LEN;
		return;
	}
	if (q->tstate == DNS_TCP_READ_LEN) {
		n = recv(q->tfd, q->tlenbuf + q->toff, 2 - q->toff, 0);
	} else {
		n = recv(q->tfd, q->tbuf + q->toff, q->tlen - q->toff, 0);
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			dns_q_tcp_failed(q, strerror(errno));
		}
		return;
	}
	if (n == 0) {
		dns_q_tcp_failed(q, "connection closed before the answer");
		return;
	}
	q->toff += (size_t)n;
	if (q->tstate == DNS_TCP_READ_LEN) {
		if (q->toff < 2) {
			return;
		}
		q->tlen = ((size_t)q->tlenbuf[0] << 8) | q->tlenbuf[1];
		if (q->tlen < 12) {
			dns_q_tcp_failed(q, "malformed answer");
			return;
		}
		q->tbuf = xmalloc(q->tlen);
		q->toff = 0;
		q->tstate = DNS_TCP_READ_BODY;
		return;
	}
	if (q->toff < q->tlen) {
		return;
	}
	pkt = dns_q_match(q, q->tbuf, q->tlen);
	if (!pkt) {
		dns_q_tcp_failed(q, "an answer that does not match the query");
		return;
	}
	dns_q_answered(q, pkt, q->tsrv);
}

static void dns_q_timer(struct dns_query *q, int64_t now)
{
	char why[200];

	if (q->tstate == DNS_TCP_NONE && q->nsent == 1 && now >= q->retry_at) {
		if (!dns_q_send_udp(q)) {
			dns_q_udp_failed(q);
			if (q->state != DNS_Q_ACTIVE) {
				return;
			}
		}
	}
	if (now >= q->deadline) {
		if (q->tstate != DNS_TCP_NONE) {
			dns_q_tcp_failed(q, "no answer in time");
			return;
		}
		dns_q_timeout_text(q, why, sizeof(why));
		dns_q_fail(q, why);
	}
}

bool dns_submit(struct dns *d, const char *name, uint16_t type, dns_done_fn *cb, void *ctx,
	struct err *e)
{
	struct dns_query *q;

	if (!dns_setup(d, e)) {
		return false;
	}
	q = dns_q_new(d, name, type, e);
	if (!q) {
		return false;
	}
	q->cb = cb;
	q->ctx = ctx;
	q->local = d->anchors != NULL;
	q->cd = q->local;  /* validating here: ask for the data even if a resolver says bogus */
	q->state = DNS_Q_ACTIVE;
	q->next = d->active;
	d->active = q;
	dns_q_start(q);
	return true;
}

bool dns_busy(const struct dns *d)
{
	return d && (d->active || d->done);
}

size_t dns_pollfds(const struct dns *d, struct pollfd *fds, size_t max)
{
	const struct dns_query *q;
	size_t n = 0;
	int i;

	for (q = d->active; q; q = q->next) {
		for (i = 0; i < 2; i++) {
			if (q->ufd[i] >= 0) {
				if (fds && n < max) {
					fds[n].fd = q->ufd[i];
					fds[n].events = POLLIN;
					fds[n].revents = 0;
				}
				n++;
			}
		}
		if (q->tfd >= 0) {
			if (fds && n < max) {
				fds[n].fd = q->tfd;
				fds[n].events = (q->tstate == DNS_TCP_CONNECT ||
					q->tstate == DNS_TCP_WRITE) ? POLLOUT : POLLIN;
				fds[n].revents = 0;
			}
			n++;
		}
	}
	return fds && n > max ? max : n;
}

int dns_timeout_ms(const struct dns *d)
{
	const struct dns_query *q;
	int64_t next = -1, t, now;

	if (d->done) {
		return 0;
	}
	for (q = d->active; q; q = q->next) {
		t = q->deadline;
		if (q->tstate == DNS_TCP_NONE && q->nsent == 1 && q->retry_at < t) {
			t = q->retry_at;
		}
		if (next < 0 || t < next) {
			next = t;
		}
	}
	if (next < 0) {
		return -1;
	}
	now = now_ms();
	if (next <= now) {
		return 0;
	}
	return next - now > 0x7fffffff ? 0x7fffffff : (int)(next - now);
}

void dns_process(struct dns *d, const struct pollfd *fds, size_t nfds)
{
	struct dns_query *q, *next;
	struct dns_answer a;
	dns_done_fn *cb;
	void *ctx;
	size_t i;

	for (q = d->active; q; q = next) {
		next = q->next;
		for (i = 0; i < nfds && q->state == DNS_Q_ACTIVE; i++) {
			if (fds[i].revents == 0 || fds[i].fd < 0) {
				continue;
			}
			if (fds[i].fd == q->ufd[0]) {
				dns_q_read_udp(q, 0);
			} else if (fds[i].fd == q->ufd[1]) {
				dns_q_read_udp(q, 1);
			} else if (fds[i].fd == q->tfd) {
				dns_q_tcp_io(q);
			}
		}
	}
	for (q = d->active; q; q = next) {
		next = q->next;
		dns_q_timer(q, now_ms());
	}
	while ((q = d->dead)) {
		d->dead = q->next;
		dns_q_free(q);
	}
	while ((q = d->done)) {
		d->done = q->next;
		a = q->ans;
		memset(&q->ans, 0, sizeof(q->ans));
		cb = q->cb;
		ctx = q->ctx;
		dns_q_free(q);
		if (cb) {
			cb(ctx, &a);
		} else {
			dns_answer_finish(&a);
		}
	}
}

static void dns_run_once(struct dns *d)
{
	struct pollfd *fds;
	size_t n;
	int rc;

	n = dns_pollfds(d, NULL, 0);
	fds = xcalloc(n ? n : 1, sizeof(*fds));
	n = dns_pollfds(d, fds, n);
	rc = poll(fds, n, dns_timeout_ms(d));
	if (rc < 0 && errno != EINTR) {
		/* cannot wait: let the timers run out rather than spin */
		usleep(10000);
	}
	dns_process(d, fds, rc > 0 ? n : 0);
	free(fds);
}

void dns_run(struct dns *d)
{
	while (dns_busy(d)) {
		dns_run_once(d);
	}
}

struct dns_wait {
	struct dns_answer *out;
	bool done;
};

static void dns_query_done(void *ctx, struct dns_answer *ans)
{
	struct dns_wait *w = ctx;

	*w->out = *ans;
	w->done = true;
}

bool dns_query(struct dns *d, const char *name, uint16_t type, struct dns_answer *out,
	struct err *e)
{
	struct dns_wait w = { .out = out, .done = false };

	if (!dns_submit(d, name, type, dns_query_done, &w, e)) {
		return false;
	}
	while (!w.done && dns_busy(d)) {
		dns_run_once(d);
	}
	return true;
}

void dns_destroy(struct dns *d)
{
	struct dns_query *q;

	if (!d) {
		return;
	}
	while ((q = d->active)) {
		d->active = q->next;
		if (q->feeds) {
			dns_val_free(q->feeds);
		}
		dns_q_free(q);
	}
	while ((q = d->done)) {
		d->done = q->next;
		dns_q_free(q);
	}
	while ((q = d->dead)) {
		d->dead = q->next;
		dns_q_free(q);
	}
	ldns_rr_list_deep_free(d->anchors);
	free(d->server);
	free(d->resolv_conf);
	free(d->anchor_file);
	free(d);
}

/* ------------------------------------------------------------ local validation */

static void dns_vwhy(struct dns_vctx *vc, const char *fmt, ...) PRINTF(2, 3);

static void dns_vwhy(struct dns_vctx *vc, const char *fmt, ...)
{
	va_list ap;

	if (vc->why[0]) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(vc->why, sizeof(vc->why), fmt, ap);
	va_end(ap);
}

/* The packet for name/type, if fetched; else *st says pending or failed. */
static ldns_pkt *dns_val_get(struct dns_vctx *vc, const ldns_rdf *name, uint16_t type,
	enum dns_vres *st)
{
	struct dns_val *job = vc->job;
	struct dns_fetch *f;
	char *s;
	size_t i;

	for (i = 0; i < job->nfetch; i++) {
		f = &job->fetch[i];
		if (f->type != type || !dns_same_name(f->name, name)) {
			continue;
		}
		if (!f->done) {
			*st = DNS_V_PENDING;
			return NULL;
		}
		if (!f->pkt) {
			dns_vwhy(vc, "%s", f->why);
			*st = DNS_V_INDETERMINATE;
			return NULL;
		}
		return f->pkt;
	}
	if (job->nfetch >= DNS_VAL_MAX_FETCH) {
		s = dns_rdf_str(name);
		dns_vwhy(vc, "validation of %s needs too many queries", s);
		free(s);
		*st = DNS_V_INDETERMINATE;
		return NULL;
	}
	if (!job->need_name) {
		job->need_name = ldns_rdf_clone(name);
		job->need_type = type;
	}
	*st = DNS_V_PENDING;
	return NULL;
}

/* The closest trust anchor at or above name (its owner), or NULL. */
static const ldns_rdf *dns_val_anchor(struct dns *d, const ldns_rdf *name)
{
	const ldns_rdf *best = NULL, *o;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(d->anchors); i++) {
		o = ldns_rr_owner(ldns_rr_list_rr(d->anchors, i));
		if (!dns_same_name(o, name) && !ldns_dname_is_subdomain(name, o)) {
			continue;
		}
		if (!best || ldns_dname_label_count(o) > ldns_dname_label_count(best)) {
			best = o;
		}
	}
	return best;
}

/* Records of owner/type in list, and the RRSIGs covering them (shallow lists). */
static void dns_val_select(const ldns_rr_list *list, const ldns_rdf *owner, uint16_t type,
	ldns_rr_list *rrset, ldns_rr_list *sigs)
{
	ldns_rr *rr;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		rr = ldns_rr_list_rr(list, i);
		if (!dns_same_name(ldns_rr_owner(rr), owner)) {
			continue;
		}
		if (ldns_rr_get_type(rr) == type) {
			if (rrset) {
				ldns_rr_list_push_rr(rrset, rr);
			}
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && sigs &&
			ldns_rr_rd_count(rr) >= 8 &&
			ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type) {
			ldns_rr_list_push_rr(sigs, rr);
		}
	}
}

static enum dns_vres dns_val_packet(struct dns_vctx *vc, ldns_pkt *pkt, const ldns_rdf *qname,
	uint16_t qtype, int depth);

/* Is there a zone cut at name? From the NSEC/NSEC3 of a (validated) DS denial. */
static bool dns_val_is_cut(ldns_pkt *pkt, const ldns_rdf *name)
{
	const ldns_rr_list *au = ldns_pkt_authority(pkt);
	ldns_rdf *hashed = NULL, *zone = NULL, *bitmap = NULL;
	ldns_rr *rr;
	size_t i;
	bool cut = false;

	for (i = 0; i < ldns_rr_list_rr_count(au) && !cut; i++) {
		rr = ldns_rr_list_rr(au, i);
		bitmap = NULL;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC &&
			dns_same_name(ldns_rr_owner(rr), name)) {
			bitmap = ldns_nsec_get_bitmap(rr);
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3) {
			hashed = ldns_nsec3_hash_name_frm_nsec3(rr, name);
			zone = ldns_dname_left_chop(ldns_rr_owner(rr));
			if (hashed && zone && ldns_dname_cat(hashed, zone) == LDNS_STATUS_OK &&
				dns_same_name(hashed, ldns_rr_owner(rr))) {
				bitmap = ldns_nsec3_bitmap(rr);
			}
			ldns_rdf_deep_free(hashed);
			ldns_rdf_deep_free(zone);
			hashed = zone = NULL;
		}
		if (bitmap && ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NS) &&
			!ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_SOA) &&
			!ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_DS)) {
			cut = true;
		}
	}
	return cut;
}

/* Unsigned data at owner: insecure when no anchor covers it or an insecure
 * delegation (a proven absent DS) lies between the anchor and owner; else bogus. */
static enum dns_vres dns_val_unsigned(struct dns_vctx *vc, const ldns_rdf *owner,
	uint16_t type, int depth)
{
	const ldns_rdf *anchor = dns_val_anchor(vc->d, owner);
	enum dns_vres st = DNS_V_BOGUS, r;
	ldns_rdf *name = NULL;
	ldns_rr_list *ds = NULL;
	ldns_pkt *p;
	char tname[32], *s = NULL;
	size_t n, la, lo;

	if (!anchor) {
		return DNS_V_INSECURE;
	}
	if (depth > DNS_VAL_MAX_DEPTH) {
		dns_vwhy(vc, "DNSSEC chain too long");
		return DNS_V_BOGUS;
	}
	la = ldns_dname_label_count(anchor);
	lo = ldns_dname_label_count(owner);
	for (n = la + 1; n <= lo; n++) {
		ldns_rdf_deep_free(name);
		name = ldns_dname_clone_from(owner, (uint16_t)(lo - n));
		if (!name) {
			break;
		}
		p = dns_val_get(vc, name, LDNS_RR_TYPE_DS, &r);
		if (!p) {
			st = r;
			goto out;
		}
		r = dns_val_packet(vc, p, name, LDNS_RR_TYPE_DS, depth + 1);
		if (r != DNS_V_SECURE) {
			st = r;
			goto out;
		}
		ds = ldns_rr_list_new();
		dns_val_select(ldns_pkt_answer(p), name, LDNS_RR_TYPE_DS, ds, NULL);
		if (ldns_rr_list_rr_count(ds) == 0 && dns_val_is_cut(p, name)) {
			st = DNS_V_INSECURE;
			goto out;
		}
		ldns_rr_list_free(ds);
		ds = NULL;
	}
	s = dns_rdf_str(owner);
	dns_vwhy(vc, "no RRSIG for %s %s below the trust anchor", s,
		dns_type_name(type, tname, sizeof(tname)));
	st = DNS_V_BOGUS;
out:
	ldns_rr_list_free(ds);
	ldns_rdf_deep_free(name);
	free(s);
	return st;
}

/* The validated DNSKEY RRset of zone into *keys (a shallow list), or why not. */
static enum dns_vres dns_val_keys(struct dns_vctx *vc, const ldns_rdf *zone, int depth,
	ldns_rr_list **keys)
{
	const ldns_rdf *anchor = dns_val_anchor(vc->d, zone);
	ldns_rr_list *dnskeys = NULL, *ksigs = NULL, *trusted = NULL, *ds = NULL;
	const ldns_rr_list *an = vc->d->anchors;
	enum dns_vres st = DNS_V_BOGUS, r;
	ldns_pkt *kp, *dp;
	ldns_rr *a, *k;
	ldns_status vs;
	size_t i, j;
	char *zs = NULL;

	*keys = NULL;
	if (!anchor) {
		return DNS_V_INSECURE;
	}
	zs = dns_rdf_str(zone);
	if (depth > DNS_VAL_MAX_DEPTH) {
		dns_vwhy(vc, "DNSSEC chain too long at %s", zs);
		goto out;
	}
	kp = dns_val_get(vc, zone, LDNS_RR_TYPE_DNSKEY, &r);
	if (!kp) {
		st = r;
		goto out;
	}
	dnskeys = ldns_rr_list_new();
	ksigs = ldns_rr_list_new();
	trusted = ldns_rr_list_new();
	dns_val_select(ldns_pkt_answer(kp), zone, LDNS_RR_TYPE_DNSKEY, dnskeys, ksigs);
	if (ldns_rr_list_rr_count(dnskeys) == 0) {
		dns_vwhy(vc, "no DNSKEY for %s (%s)", zs,
			dns_rcode_name(dns_pkt_rcode(kp)));
		goto out;
	}
	if (dns_same_name(anchor, zone)) {
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			a = ldns_rr_list_rr(an, i);
			if (!dns_same_name(ldns_rr_owner(a), zone)) {
				continue;
			}
			for (j = 0; j < ldns_rr_list_rr_count(dnskeys); j++) {
				k = ldns_rr_list_rr(dnskeys, j);
				if ((ldns_rr_get_type(a) == LDNS_RR_TYPE_DS &&
						ldns_rr_compare_ds(a, k)) ||
					(ldns_rr_get_type(a) == LDNS_RR_TYPE_DNSKEY &&
						ldns_rr_compare(a, k) == 0)) {
					ldns_rr_list_push_rr(trusted, k);
				}
			}
		}
	} else {
		dp = dns_val_get(vc, zone, LDNS_RR_TYPE_DS, &r);
		if (!dp) {
			st = r;
			goto out;
		}
		r = dns_val_packet(vc, dp, zone, LDNS_RR_TYPE_DS, depth + 1);
		if (r != DNS_V_SECURE) {
			st = r;
			goto out;
		}
		ds = ldns_rr_list_new();
		dns_val_select(ldns_pkt_answer(dp), zone, LDNS_RR_TYPE_DS, ds, NULL);
		if (ldns_rr_list_rr_count(ds) == 0) {
			st = DNS_V_INSECURE;  /* a proven absent DS: insecure delegation */
			goto out;
		}
		for (i = 0; i < ldns_rr_list_rr_count(ds); i++) {
			for (j = 0; j < ldns_rr_list_rr_count(dnskeys); j++) {
				k = ldns_rr_list_rr(dnskeys, j);
				if (ldns_rr_compare_ds(ldns_rr_list_rr(ds, i), k)) {
					ldns_rr_list_push_rr(trusted, k);
				}
			}
		}
	}
	if (ldns_rr_list_rr_count(trusted) == 0) {
		dns_vwhy(vc, "no DNSKEY of %s matches %s", zs,
			dns_same_name(anchor, zone) ? "the trust anchor" : "its DS");
		goto out;
	}
	vs = ldns_verify(dnskeys, ksigs, trusted, NULL);
	if (vs != LDNS_STATUS_OK) {
		dns_vwhy(vc, "DNSKEY %s: %s", zs, ldns_get_errorstr_by_id(vs));
		goto out;
	}
	*keys = dnskeys;
	dnskeys = NULL;
	st = DNS_V_SECURE;
out:
	ldns_rr_list_free(dnskeys);
	ldns_rr_list_free(ksigs);
	ldns_rr_list_free(trusted);
	ldns_rr_list_free(ds);
	free(zs);
	return st;
}

/* One RRset of section: signed by a key that chains to an anchor? */
static enum dns_vres dns_val_rrset(struct dns_vctx *vc, const ldns_rr_list *section,
	const ldns_rdf *owner, uint16_t type, int depth)
{
	ldns_rr_list *rrset = ldns_rr_list_new(), *sigs = ldns_rr_list_new(), *keys = NULL;
	const ldns_rdf *signer;
	enum dns_vres st;
	ldns_status vs;
	char *os = NULL, tname[32];

	dns_val_select(section, owner, type, rrset, sigs);
	if (ldns_rr_list_rr_count(sigs) == 0) {
		st = dns_val_unsigned(vc, owner, type, depth);
		goto out;
	}
	signer = ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, 0));
	if (!signer || (!dns_same_name(signer, owner) && !ldns_dname_is_subdomain(owner, signer))) {
		os = dns_rdf_str(owner);
		dns_vwhy(vc, "RRSIG of %s %s from a signer outside its tree", os,
			dns_type_name(type, tname, sizeof(tname)));
		st = DNS_V_BOGUS;
		goto out;
	}
	st = dns_val_keys(vc, signer, depth, &keys);
	if (st != DNS_V_SECURE) {
		goto out;
	}
	vs = ldns_verify(rrset, sigs, keys, NULL);
	if (vs != LDNS_STATUS_OK) {
		os = dns_rdf_str(owner);
		dns_vwhy(vc, "RRSIG of %s %s: %s", os, dns_type_name(type, tname, sizeof(tname)),
			ldns_get_errorstr_by_id(vs));
		st = DNS_V_BOGUS;
	}
out:
	ldns_rr_list_free(rrset);
	ldns_rr_list_free(sigs);
	ldns_rr_list_free(keys);
	free(os);
	return st;
}

/* Every RRset of type NSEC/NSEC3... in section validated; worst result. */
static enum dns_vres dns_val_section(struct dns_vctx *vc, const ldns_rr_list *section,
	bool denial_only, int depth)
{
	enum dns_vres st = DNS_V_SECURE, r;
	const ldns_rr *rr, *prev;
	ldns_rr_type t;
	size_t i, j;
	bool seen;

	for (i = 0; i < ldns_rr_list_rr_count(section); i++) {
		rr = ldns_rr_list_rr(section, i);
		t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_RRSIG) {
			continue;
		}
		if (denial_only && t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3) {
			continue;
		}
		seen = false;
		for (j = 0; j < i && !seen; j++) {
			prev = ldns_rr_list_rr(section, j);
			seen = ldns_rr_get_type(prev) == t &&
				dns_same_name(ldns_rr_owner(prev), ldns_rr_owner(rr));
		}
		if (seen) {
			continue;
		}
		r = dns_val_rrset(vc, section, ldns_rr_owner(rr), (uint16_t)t, depth);
		if (r > st) {
			st = r;
		}
		if (st == DNS_V_PENDING) {
			break;
		}
	}
	return st;
}

/* NODATA proven by NSEC: the name's NSEC lacks the type (and CNAME), or the
 * name is an empty non-terminal covered by an NSEC whose next name is below it. */
static bool dns_val_nsec_nodata(const ldns_rr_list *nsecs, const ldns_rdf *name,
	uint16_t qtype)
{
	const ldns_rr *rr;
	const ldns_rdf *bitmap, *nextname;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(nsecs); i++) {
		rr = ldns_rr_list_rr(nsecs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC || ldns_rr_rd_count(rr) < 2) {
			continue;
		}
		bitmap = ldns_nsec_get_bitmap(rr);
		nextname = ldns_rr_rdf(rr, 0);
		if (dns_same_name(ldns_rr_owner(rr), name)) {
			if (!ldns_nsec_bitmap_covers_type(bitmap, qtype) &&
				!ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_CNAME)) {
				return true;
			}
			continue;
		}
		if (ldns_nsec_covers_name(rr, name) && ldns_dname_is_subdomain(nextname, name)) {
			return true;
		}
	}
	return false;
}

/* A negative answer for name/qtype: the NSEC/NSEC3 proof, validated. */
static enum dns_vres dns_val_denial(struct dns_vctx *vc, ldns_pkt *pkt, const ldns_rdf *name,
	uint16_t qtype, int depth)
{
	const ldns_rr_list *au = ldns_pkt_authority(pkt);
	ldns_rr_list *nsecs = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	enum dns_vres st;
	ldns_rr *rr, *qrr = NULL;
	ldns_status vs = LDNS_STATUS_OK;
	int rcode = dns_pkt_rcode(pkt);
	bool nsec3 = false, proven;
	char *s = NULL, tname[32];
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(au); i++) {
		rr = ldns_rr_list_rr(au, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC ||
			ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3) {
			nsec3 = nsec3 || ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3;
			ldns_rr_list_push_rr(nsecs, rr);
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG) {
			ldns_rr_list_push_rr(sigs, rr);
		}
	}
	if (ldns_rr_list_rr_count(nsecs) == 0) {
		st = dns_val_unsigned(vc, name, qtype, depth);
		goto out;
	}
	st = dns_val_section(vc, au, true, depth);
	if (st != DNS_V_SECURE) {
		goto out;
	}
	qrr = ldns_rr_new();
	ldns_rr_set_owner(qrr, ldns_rdf_clone(name));
	ldns_rr_set_type(qrr, (ldns_rr_type)qtype);
	ldns_rr_set_class(qrr, LDNS_RR_CLASS_IN);
	if (nsec3) {
		vs = ldns_dnssec_verify_denial_nsec3(qrr, nsecs, sigs, (ldns_pkt_rcode)rcode,
			(ldns_rr_type)qtype, ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) == 0);
		proven = vs == LDNS_STATUS_OK;
	} else if (rcode == LDNS_RCODE_NXDOMAIN) {
		vs = ldns_dnssec_verify_denial(qrr, nsecs, sigs);
		proven = vs == LDNS_STATUS_OK;
	} else {
		proven = dns_val_nsec_nodata(nsecs, name, qtype);
		vs = LDNS_STATUS_DNSSEC_NSEC_RR_NOT_COVERED;
	}
	if (!proven) {
		s = dns_rdf_str(name);
		dns_vwhy(vc, "no valid proof that %s %s does not exist: %s", s,
			dns_type_name(qtype, tname, sizeof(tname)), ldns_get_errorstr_by_id(vs));
		st = DNS_V_BOGUS;
	}
out:
	ldns_rr_list_free(nsecs);
	ldns_rr_list_free(sigs);
	ldns_rr_free(qrr);
	free(s);
	return st;
}

/* A wildcard expansion of owner (its RRSIG has fewer labels) needs a proof that
 * no closer name exists: an NSEC covering owner, or an NSEC3 covering the next
 * closer name. The NSEC/NSEC3 RRsets themselves are validated by the caller. */
static bool dns_val_wildcard_proven(ldns_pkt *pkt, const ldns_rdf *owner, uint8_t labels)
{
	const ldns_rr_list *au = ldns_pkt_authority(pkt);
	ldns_rdf *nc = NULL, *hashed = NULL, *zone = NULL;
	uint8_t lo = ldns_dname_label_count(owner);
	const ldns_rr *rr;
	bool proven = false;
	size_t i;

	nc = ldns_dname_clone_from(owner, (uint16_t)(lo - labels - 1));
	for (i = 0; nc && i < ldns_rr_list_rr_count(au) && !proven; i++) {
		rr = ldns_rr_list_rr(au, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC) {
			proven = !dns_same_name(ldns_rr_owner(rr), owner) &&
				ldns_nsec_covers_name(rr, owner);
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3) {
			hashed = ldns_nsec3_hash_name_frm_nsec3(rr, nc);
			zone = ldns_dname_left_chop(ldns_rr_owner(rr));
			proven = hashed && zone && ldns_dname_cat(hashed, zone) == LDNS_STATUS_OK &&
				ldns_nsec_covers_name(rr, hashed);
			ldns_rdf_deep_free(hashed);
			ldns_rdf_deep_free(zone);
			hashed = zone = NULL;
		}
	}
	ldns_rdf_deep_free(nc);
	return proven;
}

/* Every wildcard expansion in the answer section proven (see above)? */
static enum dns_vres dns_val_wildcards(struct dns_vctx *vc, ldns_pkt *pkt, int depth)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rr *rr;
	enum dns_vres st = DNS_V_SECURE;
	uint8_t labels;
	bool checked = false;
	char *s;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 8) {
			continue;
		}
		labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(rr));
		if (labels >= ldns_dname_label_count(ldns_rr_owner(rr))) {
			continue;
		}
		if (!checked) {
			st = dns_val_section(vc, ldns_pkt_authority(pkt), true, depth);
			if (st != DNS_V_SECURE) {
				return st;
			}
			checked = true;
		}
		if (!dns_val_wildcard_proven(pkt, ldns_rr_owner(rr), labels)) {
			s = dns_rdf_str(ldns_rr_owner(rr));
			dns_vwhy(vc, "a wildcard answer for %s without proof that no closer "
				"name exists", s);
			free(s);
			return DNS_V_BOGUS;
		}
	}
	return st;
}

/* NS records but no SOA in the authority section. */
static bool dns_val_is_referral(const ldns_pkt *pkt)
{
	const ldns_rr_list *au = ldns_pkt_authority(pkt);
	bool ns = false;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(au); i++) {
		if (ldns_rr_get_type(ldns_rr_list_rr(au, i)) == LDNS_RR_TYPE_SOA) {
			return false;
		}
		ns = ns || ldns_rr_get_type(ldns_rr_list_rr(au, i)) == LDNS_RR_TYPE_NS;
	}
	return ns;
}

/* A whole answer to qname/qtype: each RRset of the answer section (CNAMEs and the
 * data), or the proof of non-existence for the end of the CNAME chain. */
static enum dns_vres dns_val_packet(struct dns_vctx *vc, ldns_pkt *pkt, const ldns_rdf *qname,
	uint16_t qtype, int depth)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rdf *end = qname;
	const ldns_rr *rr;
	enum dns_vres st, r;
	int rcode = dns_pkt_rcode(pkt);
	size_t i, n;
	bool more, has_data = false;
	char *s;

	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		s = dns_rdf_str(qname);
		dns_vwhy(vc, "%s for %s: nothing to validate", dns_rcode_name(rcode), s);
		free(s);
		return DNS_V_INDETERMINATE;
	}
	for (n = 0, more = qtype != LDNS_RR_TYPE_CNAME; more && n < DNS_MAX_CHAIN; n++) {
		more = false;
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
				ldns_rr_rd_count(rr) >= 1 && dns_same_name(ldns_rr_owner(rr), end)) {
				end = ldns_rr_rdf(rr, 0);
				more = true;
				break;
			}
		}
	}
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == qtype && dns_same_name(ldns_rr_owner(rr), end)) {
			has_data = true;
		}
	}
	if (!has_data && rcode == LDNS_RCODE_NOERROR && !ldns_pkt_aa(pkt) &&
		ldns_rr_list_rr_count(an) == 0 && dns_val_is_referral(pkt)) {
		s = dns_rdf_str(qname);
		dns_vwhy(vc, "a referral for %s, not an answer (the server does not recurse)", s);
		free(s);
		return DNS_V_INDETERMINATE;
	}
	st = dns_val_section(vc, an, false, depth);
	if (st == DNS_V_SECURE) {
		st = dns_val_wildcards(vc, pkt, depth);
	}
	if (st == DNS_V_PENDING || has_data) {
		return st;
	}
	r = dns_val_denial(vc, pkt, end, qtype, depth);
	return r > st ? r : st;
}

static void dns_val_finish(struct dns_val *job, enum dns_vres st, const char *why)
{
	struct dns_query *q = job->q;
	enum dns_sec sec = DNS_SEC_INDETERMINATE;

	switch (st) {
	case DNS_V_SECURE:
		sec = DNS_SEC_SECURE;
		break;
	case DNS_V_INSECURE:
		sec = DNS_SEC_INSECURE;
		break;
	case DNS_V_BOGUS:
		sec = DNS_SEC_BOGUS;
		break;
	case DNS_V_INDETERMINATE:
	case DNS_V_PENDING:
		break;
	}
	dns_q_build(q, q->pkt, sec,
		(sec == DNS_SEC_BOGUS || sec == DNS_SEC_INDETERMINATE) ? why : NULL);
	job->q = NULL;
	dns_val_free(job);
	dns_q_deliver(q);
}

/* Another pass over the job: decide, or send the query it still needs. */
static void dns_val_run(struct dns *d, struct dns_val *job)
{
	struct dns_vctx vc = { .d = d, .job = job };
	struct dns_query *sub = NULL;
	struct dns_fetch *f;
	enum dns_vres st;
	struct err e;
	char *name = NULL;

	ldns_rdf_deep_free(job->need_name);
	job->need_name = NULL;
	st = dns_val_packet(&vc, job->q->pkt, job->q->qname, job->q->type, 0);
	if (st != DNS_V_PENDING) {
		dns_val_finish(job, st, vc.why);
		return;
	}
	if (!job->need_name) {
		dns_val_finish(job, DNS_V_INDETERMINATE, "validation stalled");
		return;
	}
	name = dns_rdf_str(job->need_name);
	err_clear(&e);
	sub = dns_q_new(d, name, job->need_type, &e);
	if (!sub) {
		dns_val_finish(job, DNS_V_INDETERMINATE, e.msg);
		goto out;
	}
	/* the sub-query goes where the answer came from */
	memcpy(sub->srv, job->q->srv, sizeof(sub->srv));
	sub->nsrv = job->q->nsrv;
	sub->timeout_ms = job->q->timeout_ms;
	f = &job->fetch[job->nfetch];
	memset(f, 0, sizeof(*f));
	f->name = job->need_name;
	f->type = job->need_type;
	job->need_name = NULL;
	sub->feeds = job;
	sub->slot = job->nfetch++;
	sub->cd = true;
	sub->state = DNS_Q_ACTIVE;
	sub->next = d->active;
	d->active = sub;
	dns_q_start(sub);
out:
	free(name);
}

/* A validation sub-query finished (q->pkt, or no answer: q->why). */
static void dns_val_fed(struct dns_query *q)
{
	struct dns *d = q->d;
	struct dns_val *job = q->feeds;
	struct dns_fetch *f = &job->fetch[q->slot];
	char tname[32];

	f->done = true;
	if (q->pkt) {
		f->pkt = q->pkt;
		q->pkt = NULL;
	} else {
		snprintf(f->why, sizeof(f->why), "%s %s for validation: %s", q->name,
			dns_type_name(q->type, tname, sizeof(tname)), q->why);
	}
	/* the caller may still look at q: free it after the loop */
	if (q->state == DNS_Q_ACTIVE) {
		dns_unlink(&d->active, q);
	}
	dns_q_close_sockets(q);
	q->state = DNS_Q_DEAD;
	q->next = d->dead;
	d->dead = q;
	dns_val_run(d, job);
}

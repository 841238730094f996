/* SPDX-License-Identifier: MIT */
/* DNS answers: packets into struct dns_answer, names of types and codes, reverse names. */
#include "dns_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DNS_EDE_OPTION 15

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
char *dns_rdf_str(const ldns_rdf *rdf)
{
	char *s = rdf ? ldns_rdf2str(rdf) : NULL;

	return s ? s : xstrdup("");
}

bool dns_same_name(const ldns_rdf *a, const ldns_rdf *b)
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

int dns_pkt_rcode(const ldns_pkt *pkt)
{
	return (ldns_pkt_edns_extended_rcode(pkt) << 4) | (int)ldns_pkt_get_rcode(pkt);
}

/* Records, flags and the CNAME chain of pkt as the answer to qname/qtype. */
void dns_answer_fill(struct dns_answer *a, ldns_pkt *pkt, const ldns_rdf *qname,
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
ldns_rdf *dns_name_rdf(const char *name, char **abs_out)
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


/* SPDX-License-Identifier: MIT */
/* Local DNSSEC validation from the trust anchors: fetch DS/DNSKEY, check the chain. */
#include "dns_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DNS_VAL_MAX_FETCH 32
#define DNS_VAL_MAX_DEPTH 8

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

void dns_val_free(struct dns_val *job)
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
/* Validate q's answer in a job of its own. */
void dns_val_start(struct dns *d, struct dns_query *q)
{
	struct dns_val *job = xcalloc(1, sizeof(*job));

	job->q = q;
	dns_val_run(d, job);
}

void dns_val_fed(struct dns_query *q)
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

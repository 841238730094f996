/* SPDX-License-Identifier: MIT */
/* What the authority section of an answer proves: NSEC/NSEC3 facts, cuts, referrals. */
#include "dns_int.h"

/* Is there a zone cut at name? From the NSEC/NSEC3 of a (validated) DS denial. */
bool dns_val_is_cut(ldns_pkt *pkt, const ldns_rdf *name)
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

/* NODATA proven by NSEC: the name's NSEC lacks the type (and CNAME), or the
 * name is an empty non-terminal covered by an NSEC whose next name is below it. */
bool dns_val_nsec_nodata(const ldns_rr_list *nsecs, const ldns_rdf *name,
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

/* A wildcard expansion of owner (its RRSIG has fewer labels) needs a proof that
 * no closer name exists: an NSEC covering owner, or an NSEC3 covering the next
 * closer name. The NSEC/NSEC3 RRsets themselves are validated by the caller. */
bool dns_val_wildcard_proven(ldns_pkt *pkt, const ldns_rdf *owner, uint8_t labels)
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

/* NS records but no SOA in the authority section. */
bool dns_val_is_referral(const ldns_pkt *pkt)
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

/* SPDX-License-Identifier: MIT */
/* What the handshake showed: protocol, the chain and its certificates, verification, OCSP. */
#include "tls_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util.h"

/* ---- What the handshake showed ---- */

void tlsc_name_text(X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (!b) {
		return;
	}
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		snprintf(out, len, "%.*s", (int)(n > 0 ? n : 0), p);
	}
	BIO_free(b);
}

static void tlsc_time_text(const ASN1_TIME *at, char *out, size_t len, const char *fmt)
{
	struct tm tm;

	out[0] = '\0';
	if (at && ASN1_TIME_to_tm(at, &tm) == 1) {
		strftime(out, len, fmt, &tm);
	}
}

const char *tlsc_pkey_type_name(EVP_PKEY *pk)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	case EVP_PKEY_ED448:
		return "Ed448";
	case EVP_PKEY_DSA:
		return "DSA";
	default:
		return EVP_PKEY_get0_type_name(pk);
	}
}

static void tlsc_key_info(X509 *x, struct tlsc_cert *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *name = pk ? tlsc_pkey_type_name(pk) : NULL;

	tlsc_copy(c->key_type, sizeof(c->key_type), name ? name : "unknown");
	if (pk)
		c->key_bits = EVP_PKEY_get_bits(pk);
}

static void tlsc_sans(X509 *x, struct tlsc_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	if (n <= 0) {
		goto out;
	}
	c->sans = xcalloc((size_t)n, sizeof(*c->sans));
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		char addr[INET6_ADDRSTRLEN], *v;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			v = tlsc_escape_dup(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			c->sans[c->nsans++] = xasprintf("%s:%s", g->type == GEN_DNS ? "DNS" :
				g->type == GEN_EMAIL ? "email" : "URI", v);
			free(v);
			break;
		case GEN_IPADD:
			s = g->d.ip;
			if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16) {
				inet_ntop(ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6,
					ASN1_STRING_get0_data(s), addr, sizeof(addr));
				c->sans[c->nsans++] = xasprintf("IP:%s", addr);
			}
			break;
		default:
			break;
		}
	}
out:
	GENERAL_NAMES_free(gens);
}

static void tlsc_cert_fill(X509 *x, struct tlsc_cert *c)
{
	char name[1024];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	int days = 0, secs = 0;
	BIO *b;

	tlsc_name_text(X509_get_subject_name(x), name, sizeof(name));
	c->subject = xstrdup(name);
	tlsc_name_text(X509_get_issuer_name(x), name, sizeof(name));
	c->issuer = xstrdup(name);
	tlsc_sans(x, c);
	tlsc_time_text(nb, c->not_before, sizeof(c->not_before), "%Y-%m-%d %H:%M:%S UTC");
	tlsc_time_text(na, c->not_after, sizeof(c->not_after), "%Y-%m-%d %H:%M:%S UTC");
	if (na && ASN1_TIME_diff(&days, &secs, NULL, na) == 1) {
		long total = (long)days * 86400 + secs;

		/* Round towards minus infinity: an hour past expiry is day -1. */
		c->days_left = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
	}
	c->expired = na && X509_cmp_current_time(na) < 0;
	c->not_yet_valid = nb && X509_cmp_current_time(nb) > 0;
	c->self_signed = X509_self_signed(x, 0) == 1;
	tlsc_key_info(x, c);
	tlsc_copy(c->sig_alg, sizeof(c->sig_alg), OBJ_nid2ln(X509_get_signature_nid(x)));
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
		size_t o = 0;

		for (unsigned int i = 0; i < mdlen && o + 3 < sizeof(c->sha256); i++) {
			o += (size_t)snprintf(c->sha256 + o, sizeof(c->sha256) - o, "%s%02X", i ? ":" : "",
				md[i]);
		}
	}
	b = BIO_new(BIO_s_mem());
	if (b && PEM_write_bio_X509(b, x) == 1) {
		char *p;
		long n = BIO_get_mem_data(b, &p);

		c->pem = xstrndup(p, n > 0 ? (size_t)n : 0);
	}
	BIO_free(b);
}

static void tlsc_ocsp(struct tlsc *t, X509 *leaf, STACK_OF(X509) *chain, struct tlsc_info *info)
{
	const unsigned char *p = NULL;
	long len = SSL_get_tlsext_status_ocsp_resp(t->ssl, &p);
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	int status = -1, reason = -1, st;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	char when[32], next[32];
	const char *sig;

	if (len <= 0 || !p) {
		return;
	}
	info->ocsp_stapled = true;
	resp = d2i_OCSP_RESPONSE(NULL, &p, len);
	if (!resp) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is not valid OCSP");
		goto out;
	}
	st = OCSP_response_status(resp);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(info->ocsp, sizeof(info->ocsp), "responder error: %s",
			OCSP_response_status_str(st));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is not a basic response");
		goto out;
	}
	/* Match by serial number: the issuer may not be in the chain sent. */
	for (int i = 0; leaf && i < OCSP_resp_count(bs); i++) {
		OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
		/* 3.0 takes a non-const id here although it only reads it. */
		OCSP_CERTID *id = (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(single);
		ASN1_INTEGER *serial = NULL;

		if (OCSP_id_get0_info(NULL, NULL, NULL, &serial, id) == 1 &&
				ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(leaf)) == 0) {
			status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
			break;
		}
	}
	if (status < 0) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is for another certificate");
		goto out;
	}
	ERR_set_mark();
	sig = OCSP_basic_verify(bs, chain, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(t->ssl)), 0) == 1 ?
		"" : "; signature not verified";
	ERR_pop_to_mark();
	tlsc_time_text(nextupd, next, sizeof(next), "%Y-%m-%d %H:%M UTC");
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		snprintf(info->ocsp, sizeof(info->ocsp), "good%s%s%s%s", next[0] ? ", next update " : "",
			next, nextupd && X509_cmp_current_time(nextupd) < 0 ? " (stale)" : "", sig);
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		tlsc_time_text(rev, when, sizeof(when), "%Y-%m-%d");
		snprintf(info->ocsp, sizeof(info->ocsp), "revoked %s%s%s%s", when,
			reason >= 0 ? " (" : "", reason >= 0 ? OCSP_crl_reason_str(reason) : "",
			reason >= 0 ? ")" : "");
		snprintf(info->ocsp + strlen(info->ocsp), sizeof(info->ocsp) - strlen(info->ocsp),
			"%s", sig);
		break;
	default:
		snprintf(info->ocsp, sizeof(info->ocsp), "unknown to the responder%s", sig);
		break;
	}
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
}

static void tlsc_group(SSL *ssl, char *out, size_t len)
{
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
	tlsc_copy(out, len, SSL_get0_group_name(ssl));
#else
	/* OpenSSL 3.0/3.1: a NID, or TLSEXT_nid_unknown|id for provider groups. */
	int nid = SSL_get_negotiated_group(ssl);
	const char *name = NULL;

	if (nid > 0) {
		name = SSL_group_to_name(ssl, nid);
		if (!name && !(nid & TLSEXT_nid_unknown)) {
			name = OBJ_nid2sn(nid);
		}
	}
	tlsc_copy(out, len, name);
#endif
}

static void tlsc_peer_sig(SSL *ssl, char *out, size_t len)
{
	int type = NID_undef, hash = NID_undef;
	const char *name;

	out[0] = '\0';
	if (SSL_get_peer_signature_type_nid(ssl, &type) != 1) {
		return;
	}
	switch (type) {
	case EVP_PKEY_RSA:
		name = "RSA-PKCS1";
		break;
	case EVP_PKEY_RSA_PSS:
		name = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		name = "ECDSA";
		break;
	case EVP_PKEY_ED25519:
		name = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		name = "Ed448";
		break;
	default:
		name = OBJ_nid2sn(type);
		break;
	}
	if (SSL_get_peer_signature_nid(ssl, &hash) == 1 && hash != NID_undef &&
			type != EVP_PKEY_ED25519 && type != EVP_PKEY_ED448) {
		snprintf(out, len, "%s %s", name ? name : "?", OBJ_nid2sn(hash));
	} else {
		tlsc_copy(out, len, name);
	}
}

bool tlsc_info_get(struct tlsc *t, struct tlsc_info *info, struct err *e)
{
	const SSL_CIPHER *c;
	STACK_OF(X509) *chain;
	X509 *leaf;

	if (!info) {
		return err_set(e, ERR_INTERNAL, "no place for the TLS details");
	}
	memset(info, 0, sizeof(*info));
	info->dane_depth = -1;
	if (!t || !t->ssl || !t->connected) {
		return err_set(e, ERR_INTERNAL, "no TLS session");
	}
	tlsc_copy(info->protocol, sizeof(info->protocol), SSL_get_version(t->ssl));
	c = SSL_get_current_cipher(t->ssl);
	if (c) {
		tlsc_copy(info->cipher, sizeof(info->cipher), SSL_CIPHER_get_name(c));
		info->cipher_bits = SSL_CIPHER_get_bits(c, NULL);
	}
	tlsc_group(t->ssl, info->group, sizeof(info->group));
	tlsc_peer_sig(t->ssl, info->peer_sig, sizeof(info->peer_sig));
	tlsc_copy(info->sni, sizeof(info->sni), t->sni);
	info->resumed = SSL_session_reused(t->ssl) == 1;

	/* The client side's chain includes the leaf; a resumed session has only the leaf. */
	chain = SSL_get_peer_cert_chain(t->ssl);
	leaf = SSL_get0_peer_certificate(t->ssl);
	if (chain && sk_X509_num(chain) > 0) {
		info->nchain = (size_t)sk_X509_num(chain);
		info->chain = xcalloc(info->nchain, sizeof(*info->chain));
		for (size_t i = 0; i < info->nchain; i++) {
			tlsc_cert_fill(sk_X509_value(chain, (int)i), &info->chain[i]);
		}
	} else if (leaf) {
		info->nchain = 1;
		info->chain = xcalloc(1, sizeof(*info->chain));
		tlsc_cert_fill(leaf, &info->chain[0]);
	}

	/* Verification: the chain result and the name check apart. */
	tlsc_copy(info->verify_name, sizeof(info->verify_name), t->verify_name);
	if (!leaf) {
		info->verify_code = X509_V_ERR_UNSPECIFIED;
		tlsc_copy(info->verify_reason, sizeof(info->verify_reason),
			"the server sent no certificate");
	} else if (!t->verify_called) {
		/* A resumed session: OpenSSL kept the result of the first handshake. */
		info->verify_code = SSL_get_verify_result(t->ssl);
	} else {
		info->verify_code = t->chain_err;
	}
	if (leaf && !info->verify_reason[0]) {
		if (info->verify_code != X509_V_OK && t->chain_err_depth > 0 && t->verify_called) {
			snprintf(info->verify_reason, sizeof(info->verify_reason), "%s (depth %d)",
				X509_verify_cert_error_string(info->verify_code), t->chain_err_depth);
		} else {
			tlsc_copy(info->verify_reason, sizeof(info->verify_reason),
				X509_verify_cert_error_string(info->verify_code));
		}
	}
	info->verified = leaf && info->verify_code == X509_V_OK;

	info->ntlsa = t->ntlsa;
	if (t->ntlsa > 0) {
		info->tlsa_match = xcalloc(t->ntlsa, sizeof(*info->tlsa_match));
		for (size_t i = 0; i < t->ntlsa; i++) {
			info->tlsa_match[i] = tlsc_tlsa_match(t, i, chain);
		}
	}
	info->dane = t->dane;
	if (t->dane) {
		int d = SSL_get0_dane_authority(t->ssl, NULL, NULL);

		/* OpenSSL answers only when verification as a whole passed; a
		 * DANE-TA match with a wrong name is still a match to report. */
		for (size_t i = 0; d < 0 && info->verified && i < t->ntlsa; i++) {
			int m = info->tlsa_match[i];

			if (m >= 0 && (d < 0 || m < d)) {
				d = m;
			}
		}
		info->dane_depth = info->verified ? d : -1;
		/* DANE-EE skips the name check (RFC 7672 section 3.1.1). */
		info->name_checked = info->dane_depth > 0;
	} else {
		info->name_checked = t->name_set && (t->verify_called || info->resumed) && leaf;
	}
	info->name_ok = info->name_checked && !t->name_mismatch;
	if (info->resumed && !t->verify_called) {
		info->name_ok = info->name_checked && info->verify_code != X509_V_ERR_HOSTNAME_MISMATCH &&
			info->verify_code != X509_V_ERR_IP_ADDRESS_MISMATCH;
	}
	tlsc_ocsp(t, leaf, chain, info);
	ERR_clear_error();
	return true;
}

void tlsc_info_finish(struct tlsc_info *info)
{
	if (!info) {
		return;
	}
	for (size_t i = 0; info->chain && i < info->nchain; i++) {
		struct tlsc_cert *c = &info->chain[i];

		free(c->subject);
		free(c->issuer);
		for (size_t j = 0; j < c->nsans; j++) {
			free(c->sans[j]);
		}
		free(c->sans);
		free(c->pem);
	}
	free(info->chain);
	free(info->tlsa_match);
	memset(info, 0, sizeof(*info));
}

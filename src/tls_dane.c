/* SPDX-License-Identifier: MIT */
/* DANE for TLS (RFC 7672): TLSA records to OpenSSL, and matching them against the chain. */
#include "tls_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util.h"

bool tlsc_tlsa_valid(const struct tlsc_tlsa *r)
{
	if (r->usage != 2 && r->usage != 3) {
		return false;   /* PKIX-TA/EE: unusable for SMTP, RFC 7672 section 3.1.3 */
	}
	if (r->selector > 1 || !r->data || r->len == 0) {
		return false;
	}
	switch (r->mtype) {
	case 0:
		return true;
	case 1:
		return r->len == 32;
	case 2:
		return r->len == 64;
	default:
		return false;
	}
}

void tlsc_tlsa_copy(struct tlsc *t, const struct tlsc_opts *o)
{
	size_t total = 0, off = 0;

	if (o->ntlsa == 0 || !o->tlsa) {
		return;
	}
	for (size_t i = 0; i < o->ntlsa; i++) {
		total += o->tlsa[i].data ? o->tlsa[i].len : 0;
	}
	t->ntlsa = o->ntlsa;
	t->tlsa = xcalloc(o->ntlsa, sizeof(*t->tlsa));
	t->unusable = xcalloc(o->ntlsa, sizeof(*t->unusable));
	t->tlsa_blob = xmalloc(total);
	for (size_t i = 0; i < o->ntlsa; i++) {
		t->tlsa[i] = o->tlsa[i];
		if (o->tlsa[i].data && o->tlsa[i].len) {
			memcpy(t->tlsa_blob + off, o->tlsa[i].data, o->tlsa[i].len);
			t->tlsa[i].data = t->tlsa_blob + off;
			off += o->tlsa[i].len;
		} else {
			t->tlsa[i].data = NULL;
			t->tlsa[i].len = 0;
		}
		t->unusable[i] = !tlsc_tlsa_valid(&t->tlsa[i]);
	}
}

bool tlsc_setup_dane(struct tlsc *t, SSL_CTX *ctx, const struct tlsc_opts *o,
	const char *host, size_t *added, struct err *e)
{
	const char *base = o->dane_base && *o->dane_base ? o->dane_base :
		o->verify_name && *o->verify_name ? o->verify_name : host;
	char why[300] = "";

	*added = 0;
	tlsc_bare_name(base, t->verify_name, sizeof(t->verify_name));
	if (SSL_CTX_dane_enable(ctx) <= 0 || SSL_dane_enable(t->ssl, t->verify_name) <= 0) {
		tlsc_ssl_errors(why, sizeof(why));
		return err_set(e, ERR_TLS, "cannot enable DANE: %s", why);
	}
	/* RFC 7672 section 3.1.1: DANE-EE ignores names (and expiry). */
	SSL_dane_set_flags(t->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	if (o->verify_name && *o->verify_name) {
		char extra[256];

		tlsc_bare_name(o->verify_name, extra, sizeof(extra));
		if (strcmp(extra, t->verify_name) != 0) {
			SSL_add1_host(t->ssl, extra);
		}
	}
	for (size_t i = 0; i < t->ntlsa; i++) {
		const struct tlsc_tlsa *r = &t->tlsa[i];
		int rc;

		if (t->unusable[i]) {
			continue;
		}
		rc = SSL_dane_tlsa_add(t->ssl, r->usage, r->selector, r->mtype, r->data, r->len);
		if (rc > 0) {
			(*added)++;
		} else {
			/* 0: OpenSSL judged it unusable (say, a TA that is not a certificate). */
			t->unusable[i] = true;
			ERR_clear_error();
			if (rc < 0) {
				return err_set(e, ERR_TLS, "cannot add TLSA record %zu", i + 1);
			}
		}
	}
	return true;
}

static bool tlsc_tlsa_match_one(X509 *x, const struct tlsc_tlsa *r)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len;
	bool ok = false;

	if (r->selector == 0) {
		len = i2d_X509(x, &der);
	} else {
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	}
	if (len <= 0) {
		goto out;
	}
	switch (r->mtype) {
	case 0:
		ok = (size_t)len == r->len && memcmp(der, r->data, r->len) == 0;
		break;
	case 1:
	case 2:
		if (EVP_Digest(der, (size_t)len, md, &mdlen, r->mtype == 1 ? EVP_sha256() : EVP_sha512(),
				NULL) == 1) {
			ok = mdlen == r->len && memcmp(md, r->data, r->len) == 0;
		}
		break;
	default:
		break;
	}
out:
	OPENSSL_free(der);
	return ok;
}

/* Which certificate the server sent each record matches, by hand, so that
 * every record gets an answer and not only the one OpenSSL stopped at. */
int tlsc_tlsa_match(struct tlsc *t, size_t i, STACK_OF(X509) *chain)
{
	const struct tlsc_tlsa *r = &t->tlsa[i];
	int n = chain ? sk_X509_num(chain) : 0;

	if (t->unusable[i]) {
		return -2;
	}
	/* DANE-EE names the leaf only, DANE-TA an issuer only. */
	for (int d = r->usage == 3 ? 0 : 1; d < n && (r->usage != 3 || d == 0); d++) {
		if (tlsc_tlsa_match_one(sk_X509_value(chain, d), r)) {
			return d;
		}
	}
	return -1;
}

int tlsc_tlsa_match_live(struct tlsc *t, const struct tlsc_tlsa *r)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(t->ssl);
	int n = chain ? sk_X509_num(chain) : 0;

	/* RFC 7672 3.1.3: PKIX usages are not for SMTP; unknown values never match. */
	if (r->usage < 2 || r->usage > 3 || r->selector > 1 || r->mtype > 2)
		return -2;
	for (int d = r->usage == 3 ? 0 : 1; d < n && (r->usage != 3 || d == 0); d++) {
		if (tlsc_tlsa_match_one(sk_X509_value(chain, d), r)) {
			return d;
		}
	}
	return -1;
}

/* ---- RFC 7218 names ---- */

const char *tlsc_tlsa_usage_name(uint8_t usage)
{
	static const char *const names[] = { "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE" };

	if (usage < 4) {
		return names[usage];
	}
	return usage == 255 ? "PrivCert" : "unassigned";
}

const char *tlsc_tlsa_selector_name(uint8_t selector)
{
	static const char *const names[] = { "Cert", "SPKI" };

	if (selector < 2) {
		return names[selector];
	}
	return selector == 255 ? "PrivSel" : "unassigned";
}

const char *tlsc_tlsa_mtype_name(uint8_t mtype)
{
	static const char *const names[] = { "Full", "SHA2-256", "SHA2-512" };

	if (mtype < 3) {
		return names[mtype];
	}
	return mtype == 255 ? "PrivMatch" : "unassigned";
}

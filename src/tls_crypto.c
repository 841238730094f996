/* SPDX-License-Identifier: MIT */
/* Digests, HMAC, PBKDF2, randomness and wiping over libcrypto. */
#include "tls_crypto.h"
#include "tls_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

/* Map a caller's name to the OpenSSL digest name; NULL when not allowed. */
static const char *tlsc_md_name(const char *alg)
{
	static const char *const names[] = { "MD5", "SHA1", "SHA256", "SHA512" };

	if (!alg) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(alg, names[i]) == 0) {
			return names[i];
		}
	}
	return NULL;
}

bool tlsc_digest(const char *alg, const void *data, size_t len, unsigned char *out,
	size_t *outlen)
{
	const char *name = tlsc_md_name(alg);
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD *md = NULL;
	bool ok = false;

	if (!name || !out || !outlen || (!data && len > 0)) {
		goto out;
	}
	md = EVP_MD_fetch(NULL, name, NULL);
	if (!md) {
		goto out;
	}
	if (EVP_Digest(len > 0 ? data : "", len, buf, &n, md, NULL) != 1 || n > *outlen) {
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		out[i] = buf[i];
	}
	*outlen = n;
	ok = true;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_MD_free(md);
	return ok;
}

bool tlsc_hmac(const char *alg, const void *key, size_t keylen, const void *data, size_t len,
	unsigned char *out, size_t *outlen)
{
	static const unsigned char nothing[1];
	const char *name = tlsc_md_name(alg);
	unsigned char buf[EVP_MAX_MD_SIZE];
	size_t n = 0;
	bool ok = false;

	if (!name || !out || !outlen || (!key && keylen > 0) || (!data && len > 0)) {
		goto out;
	}
	/* EVP_Q_mac refuses a NULL key, so an empty key points at a dummy byte. */
	if (!EVP_Q_mac(NULL, "HMAC", NULL, name, NULL, keylen > 0 ? key : nothing, keylen,
			len > 0 ? data : nothing, len, buf, sizeof(buf), &n)) {
		goto out;
	}
	if (n > *outlen) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = buf[i];
	}
	*outlen = n;
	ok = true;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok;
}

bool tlsc_pbkdf2(const char *alg, const void *pass, size_t passlen, const void *salt,
	size_t saltlen, unsigned iterations, unsigned char *out, size_t outlen)
{
	static const unsigned char nothing[1];
	const char *name = tlsc_md_name(alg);
	EVP_MD *md = NULL;
	bool ok = false;

	if (!name || !out || outlen == 0 || iterations == 0 || (!pass && passlen > 0) ||
			(!salt && saltlen > 0)) {
		goto out;
	}
	if (passlen > INT_MAX || saltlen > INT_MAX || outlen > INT_MAX || iterations > INT_MAX) {
		goto out;
	}
	md = EVP_MD_fetch(NULL, name, NULL);
	if (!md) {
		goto out;
	}
	if (PKCS5_PBKDF2_HMAC(passlen > 0 ? pass : (const void *)nothing, (int)passlen,
			saltlen > 0 ? salt : nothing, (int)saltlen, (int)iterations, md,
			(int)outlen, out) != 1) {
		OPENSSL_cleanse(out, outlen);
		goto out;
	}
	ok = true;
out:
	EVP_MD_free(md);
	return ok;
}

bool tlsc_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	if (!buf && len > 0) {
		return false;
	}
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

void tlsc_cleanse(void *p, size_t len)
{
	if (p && len > 0) {
		OPENSSL_cleanse(p, len);
	}
}

bool tlsc_memeq(const void *a, const void *b, size_t len)
{
	if (len == 0) {
		return true;
	}
	if (!a || !b) {
		return false;
	}
	return CRYPTO_memcmp(a, b, len) == 0;
}

bool tlsc_pubkey_info(const unsigned char *der, size_t len, char *type, size_t typelen,
	int *bits)
{
	const unsigned char *p = der;
	const char *name = NULL;
	bool pkcs1 = false;
	EVP_PKEY *pk;

	if (!der || len == 0 || len > LONG_MAX) {
		return false;
	}
	pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (!pk || p != der + len) {
		EVP_PKEY_free(pk);
		p = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
		if (!pk || p != der + len) {
			EVP_PKEY_free(pk);
			/* leave no stale reason behind for the next TLS error report */
			ERR_clear_error();
			return false;
		}
		ERR_clear_error();
		pkcs1 = true;
	}
	name = tlsc_pkey_type_name(pk);
	if (pkcs1 && name && strcmp(name, "RSA") == 0)
		name = "RSA (PKCS#1)";
	if (type && typelen > 0) {
		snprintf(type, typelen, "%s", name ? name : "unknown");
	}
	if (bits) {
		*bits = EVP_PKEY_get_bits(pk);
	}
	EVP_PKEY_free(pk);
	return true;
}

/* SPDX-License-Identifier: MIT */
/*
 * Small libcrypto wrappers (part of the tls module) so that SASL and any
 * other user of digests, MACs or randomness never include OpenSSL headers.
 * alg names are "MD5", "SHA1", "SHA256" or "SHA512" (case-insensitive);
 * anything else fails. No function here prints or keeps state.
 */
#ifndef SMTPSH_TLS_CRYPTO_H
#define SMTPSH_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

/* Largest digest or MAC any supported alg produces (SHA-512). */
#define TLSC_MD_MAX 64

/*
 * Hash len bytes at data with alg. *outlen is in/out: the size of out on
 * entry, the digest length on success. Fails on an unknown alg, an out
 * buffer that is too small, or a libcrypto error; out is then unchanged.
 */
bool tlsc_digest(const char *alg, const void *data, size_t len, unsigned char *out,
	size_t *outlen);

/* HMAC(key, data) with alg; *outlen is in/out as for tlsc_digest(). An empty
 * key is allowed. */
bool tlsc_hmac(const char *alg, const void *key, size_t keylen, const void *data, size_t len,
	unsigned char *out, size_t *outlen);

/* PBKDF2 with HMAC-alg (RFC 8018): fill exactly outlen bytes of out.
 * iterations must be at least 1. */
bool tlsc_pbkdf2(const char *alg, const void *pass, size_t passlen, const void *salt,
	size_t saltlen, unsigned iterations, unsigned char *out, size_t outlen);

/* Fill buf with len bytes from the CSPRNG; false if it cannot. */
bool tlsc_random(void *buf, size_t len);

/* Wipe len bytes at p in a way the compiler cannot elide. p may be NULL. */
void tlsc_cleanse(void *p, size_t len);

/* Compare len bytes in time independent of the contents; true when equal. */
bool tlsc_memeq(const void *a, const void *b, size_t len);

/*
 * What a DER public key is: type ("RSA", "EC", "Ed25519", "Ed448", or
 * "RSA (PKCS#1)" when der is a bare RSAPublicKey instead of a
 * SubjectPublicKeyInfo) and size in bits. False when der is neither.
 */
bool tlsc_pubkey_info(const unsigned char *der, size_t len, char *type, size_t typelen,
	int *bits);

#endif

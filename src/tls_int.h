/* SPDX-License-Identifier: MIT */
/* Internals of the tls module shared by its files (tls*.c only: OpenSSL is here). */
#ifndef SMTPSH_TLS_INT_H
#define SMTPSH_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"

struct tlsc {
	SSL *ssl;
	int fd;
	bool verify_required;
	bool dane;              /* usable TLSA records went to OpenSSL */
	bool name_set;          /* a host name or address is checked */
	bool connected;         /* the handshake completed */
	bool fatal;             /* a fatal error: no close_notify may follow */
	char sni[256];
	char verify_name[256];
	/* Filled by the verify callback. */
	bool verify_called;
	long chain_err;         /* the first error that is not a name mismatch */
	int chain_err_depth;
	char chain_err_subject[160];
	bool name_mismatch;
	/* Filled by the info and message callbacks, for error messages. */
	int alert_in;           /* last alert received, -1 none */
	int alert_out;          /* last alert sent, -1 none */
	unsigned char rec_hdr[5];
	size_t rec_hdr_len;
	bool cert_requested;    /* the server sent a CertificateRequest */
	bool have_cert;         /* and there was a client certificate to give */
	/* Copies of the TLSA records given; unusable[i] when OpenSSL did not take one. */
	struct tlsc_tlsa *tlsa;
	unsigned char *tlsa_blob;
	bool *unusable;
	size_t ntlsa;
};

/* tls.c */

void tlsc_copy(char *dst, size_t len, const char *src);
/* Copy a host name for SNI and name checks: no brackets, no IPv6 zone, no
 * trailing dot (RFC 6066 forbids it in SNI; certificates never carry it). */
void tlsc_bare_name(const char *name, char *out, size_t len);
bool tlsc_is_ip(const char *s);

/* tls_ctx.c */

/* A socket BIO on fd that sends with MSG_NOSIGNAL; NULL on failure. */
BIO *tlsc_bio_new(int fd);
/* The SSL_CTX for this option set, from the cache when it matches. The trust
 * store is loaded only when PKIX verification is used (not for DANE). */
SSL_CTX *tlsc_ctx_get(const struct tlsc_opts *o, bool need_store, struct err *e);

/* tls_explain.c */

/* Append OpenSSL's error queue (and empty it) to out, "; "-separated. */
void tlsc_ssl_errors(char *out, size_t len);
/* Printable rendering of untrusted bytes: \r, \n and \xNN escapes. */
void tlsc_escape(const unsigned char *s, size_t n, char *out, size_t len);
char *tlsc_escape_dup(const unsigned char *s, size_t n);
/* Explain why a TLS operation failed: what the server did in words an admin
 * knows, then OpenSSL's own reasons. ssl_err is SSL_get_error's answer. */
void tlsc_explain(struct tlsc *t, int ssl_err, int saved_errno, const char *what,
	char *out, size_t len);

/* tls_dane.c */

bool tlsc_tlsa_valid(const struct tlsc_tlsa *r);
/* Keep copies of the TLSA records of o in t, each marked usable or not. */
void tlsc_tlsa_copy(struct tlsc *t, const struct tlsc_opts *o);
/* DANE (RFC 7672) with OpenSSL's own support; false on an internal error. */
bool tlsc_setup_dane(struct tlsc *t, SSL_CTX *ctx, const struct tlsc_opts *o,
	const char *host, size_t *added, struct err *e);
/* The depth in chain record i of t matches, -1 none, -2 unusable. */
int tlsc_tlsa_match(struct tlsc *t, size_t i, STACK_OF(X509) *chain);

/* tls_info.c */

void tlsc_name_text(X509_NAME *name, char *out, size_t len);

/* "RSA", "EC", "Ed25519" ...: the name of a public key's algorithm. */
const char *tlsc_pkey_type_name(EVP_PKEY *pk);

#endif

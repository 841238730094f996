/* SPDX-License-Identifier: MIT */
/*
 * TLS for the session: the only module that knows OpenSSL. Handshake on a
 * connected socket (STARTTLS or implicit TLS), verification that reports
 * rather than refuses (unless asked to), what the handshake showed, and
 * DANE (RFC 7672) matching of TLSA records against the live chain.
 */
#ifndef SMTPSH_TLS_H
#define SMTPSH_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* A TLSA record (RFC 6698) as the DNS gave it. */
struct tlsc_tlsa {
	uint8_t usage;      /* 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE */
	uint8_t selector;   /* 0 full certificate, 1 SubjectPublicKeyInfo */
	uint8_t mtype;      /* 0 exact, 1 SHA-256, 2 SHA-512 */
	const unsigned char *data;
	size_t len;
};

struct tlsc_opts {
	const char *ca_file;        /* NULL: the system trust store */
	const char *ca_path;
	const char *sni;            /* NULL: the connect host unless it is an IP literal */
	bool no_sni;
	const char *verify_name;    /* name checked against the certificate; NULL: the connect host */
	int min_version;            /* 0 default, else 10 11 12 13 (TLS 1.0 ... 1.3) */
	int max_version;
	const char *ciphers;        /* TLS 1.2 and below, OpenSSL syntax; NULL default */
	const char *ciphersuites;   /* TLS 1.3; NULL default */
	const char *cert_file;      /* client certificate (with its chain), PEM */
	const char *key_file;
	bool verify_required;       /* a verification failure fails the handshake */
	/* DANE: when ntlsa > 0 verification uses these records (OpenSSL's DANE
	 * support, no name checks for DANE-EE as RFC 7672 says) with dane_base
	 * as the TLSA base domain and SNI. */
	const struct tlsc_tlsa *tlsa;
	size_t ntlsa;
	const char *dane_base;
};

struct tlsc;

/*
 * Handshake as a client on fd (a connected, non-blocking socket), within
 * timeout_ms (<= 0: no limit). host is the name the user connected to (may be
 * an address literal). Returns NULL with ERR_TLS and OpenSSL's reason when the
 * handshake fails, or when verify_required and verification fails (then the
 * reason names the verification error). Bytes already waiting on fd fail it
 * too, with a message starting "bytes arrived before the TLS handshake".
 * Bad options give ERR_USAGE, unreadable CA/certificate/key files ERR_IO.
 * opts may be NULL; nothing in opts is used after the call returns.
 */
struct tlsc *tlsc_start(int fd, const char *host, const struct tlsc_opts *opts, int timeout_ms,
	struct err *e);
/* Best-effort close_notify, then free. Accepts NULL. Does not close fd. */
void tlsc_destroy(struct tlsc *t);

/*
 * Whether bytes are waiting on fd (without reading them); *n, if not NULL,
 * gets how many. Just before a handshake any byte is a fault: in TLS the
 * client speaks first (STARTTLS response injection, or a plaintext port).
 */
bool tlsc_peek_early_bytes(int fd, size_t *n);

/* Free the SSL_CTX kept between handshakes (trust store included). Optional,
 * at exit; a later tlsc_start builds a new one. */
void tlsc_cleanup(void);

enum tlsc_io { TLSC_DATA, TLSC_AGAIN, TLSC_EOF, TLSC_ERROR };

/*
 * Read decrypted bytes without blocking; *got is set for TLSC_DATA. A caller
 * that calls it until TLSC_AGAIN leaves nothing decrypted inside OpenSSL and
 * may then poll the socket. TLSC_EOF clears e after the server's close_notify;
 * without one (a truncation the peer did not announce) e says so (ERR_CONN).
 */
enum tlsc_io tlsc_read(struct tlsc *t, void *buf, size_t len, size_t *got, struct err *e);
/* Write all of buf, waiting at most timeout_ms (<= 0: no limit); ERR_TIMEOUT
 * when time runs out. Never raises SIGPIPE. */
bool tlsc_write(struct tlsc *t, const void *buf, size_t len, int timeout_ms, struct err *e);

struct tlsc_cert {
	char *subject;         /* one-line, RFC 2253 style */
	char *issuer;
	char **sans;           /* "DNS:mx.example.org", "IP:192.0.2.1" */
	size_t nsans;
	char not_before[32];   /* "2026-11-23 06:00:00 UTC" */
	char not_after[32];
	long days_left;        /* negative when expired */
	bool expired, not_yet_valid, self_signed;
	char key_type[16];     /* "RSA", "EC", "Ed25519" */
	int key_bits;
	char sig_alg[48];      /* "sha256WithRSAEncryption" */
	char sha256[96];       /* "AB:CD:..." */
	char *pem;
};

struct tlsc_info {
	char protocol[16];     /* "TLSv1.3" */
	char cipher[64];
	int cipher_bits;
	char group[32];        /* key exchange group, "X25519"; "" if unknown */
	char peer_sig[48];     /* server signature type and hash, "RSA-PSS SHA256", "Ed25519" */
	char sni[256];         /* "" when none was sent */
	bool verified;         /* chain (or DANE) verification passed */
	long verify_code;      /* X509_V_OK (0) or the error */
	char verify_reason[160];
	/* verified and verify_code are about the chain only; the name is apart:
	 * authenticated = verified && (name_ok || !name_checked), the latter
	 * only for DANE-EE, which checks no name. */
	bool name_checked;     /* a hostname check was made */
	bool name_ok;
	char verify_name[256];
	bool ocsp_stapled;
	char ocsp[96];         /* "good, next update 2026-11-30", or "" */
	bool resumed;
	struct tlsc_cert *chain;   /* as the server sent it, leaf first */
	size_t nchain;
	/* DANE */
	bool dane;             /* DANE was used for verification */
	int dane_depth;        /* depth of the matching certificate, -1 none */
	int *tlsa_match;       /* per record given: matching depth in the chain the
	                        * server sent, -1 no match, -2 unusable (usage 0/1,
	                        * unknown selector or type, bad digest length) */
	size_t ntlsa;
};

/* Fill info from the connection; free with tlsc_info_finish. */
bool tlsc_info_get(struct tlsc *t, struct tlsc_info *info, struct err *e);
void tlsc_info_finish(struct tlsc_info *info);

/* Match one TLSA record against the chain the server sent on this
 * connection: the depth it matches, -1 none, -2 unusable for SMTP (PKIX
 * usages 0/1 per RFC 7672, or unknown values). */
int tlsc_tlsa_match_live(struct tlsc *t, const struct tlsc_tlsa *r);

/* Name of a TLSA usage/selector/matching type (RFC 7218 acronyms): "DANE-EE", "SPKI", "SHA2-256". */
const char *tlsc_tlsa_usage_name(uint8_t usage);
const char *tlsc_tlsa_selector_name(uint8_t selector);
const char *tlsc_tlsa_mtype_name(uint8_t mtype);

#endif

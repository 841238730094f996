/* SPDX-License-Identifier: MIT */
/*
 * SMTP MTA Strict Transport Security (RFC 8461) and SMTP TLS Reporting
 * (RFC 8460): the TXT records and the policy text (pure), mx pattern
 * matching, a minimal HTTP/1.1 response reader, and the policy fetch over
 * HTTPS with certificate verification (through transport.h and tls.h).
 * Problems are named with the RFC 8460 result types where one applies.
 */
#ifndef SMTPSH_MTASTS_H
#define SMTPSH_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim.h"
#include "tls.h"

#define MTASTS_MAX_BODY 65536        /* policy size limit (RFC 8461 3.3 suggests 64 KiB) */
#define MTASTS_MAX_AGE 31557600L     /* about a year (RFC 8461 3.2) */

/* _mta-sts TXT: "v=STSv1; id=...;" */
struct mtasts_txt {
	struct pol_tags tags;
	char id[33];
	bool valid;
	struct pol_notes notes;
};
bool mtasts_is_txt(const char *txt, size_t len);       /* starts with v=STSv1 */
bool mtasts_txt_parse(const char *txt, size_t len, struct mtasts_txt *out);
void mtasts_txt_finish(struct mtasts_txt *t);

/* _smtp._tls TXT: "v=TLSRPTv1; rua=mailto:...,https://..." */
struct tlsrpt_txt {
	struct pol_tags tags;
	size_t nrua;                 /* URIs in rua= */
	bool valid;
	struct pol_notes notes;
};
bool tlsrpt_is_txt(const char *txt, size_t len);       /* starts with v=TLSRPTv1 */
bool tlsrpt_parse(const char *txt, size_t len, struct tlsrpt_txt *out);
void tlsrpt_finish(struct tlsrpt_txt *t);

/* The policy text of .well-known/mta-sts.txt. */
struct mtasts_policy {
	char version[16];
	char mode[16];               /* enforce, testing, none; "" when missing */
	long max_age;                /* -1 when missing */
	char **mx;
	size_t nmx;
	bool valid;
	struct pol_notes notes;
};
bool mtasts_policy_parse(const char *body, size_t len, struct mtasts_policy *out);
void mtasts_policy_finish(struct mtasts_policy *p);
/* Does host match an mx pattern ("mx1.example.com", "*.example.com": exactly
 * one more leftmost label)? Case-insensitive; a final dot is ignored. */
bool mtasts_mx_match(const char *pattern, const char *host);
/* The first pattern of p that host matches, or NULL. */
const char *mtasts_policy_match(const struct mtasts_policy *p, const char *host);

/* HTTP/1.x response head. */
struct mtasts_http {
	int status;
	char ctype[128];             /* media type, lower case, without parameters */
	char location[512];
	long long clen;              /* Content-Length, -1 none */
	bool chunked;
	size_t head_len;             /* bytes of the status line and headers */
};
/* 1 the head is complete, 0 more bytes needed, -1 not HTTP (why). */
int mtasts_http_head(const char *buf, size_t len, struct mtasts_http *h, char *why, size_t whylen);
/* The body after the head: 1 complete (*body malloc'd), 0 more needed, -1 bad
 * or larger than max (why). eof: the server closed the connection. */
int mtasts_http_body(const char *buf, size_t len, const struct mtasts_http *h, bool eof,
	size_t max, char **body, size_t *blen, char *why, size_t whylen);

/* Fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt from the addresses
 * given (tried in order until one connects), verifying the certificate for
 * mta-sts.DOMAIN with the CA settings of tls. No redirect is followed. */
struct mtasts_fetch {
	char host[300];              /* mta-sts.DOMAIN */
	char addr[64], port[8];      /* where it connected */
	bool tls_ok;                 /* the certificate verified */
	int status;                  /* HTTP status, 0 none */
	char ctype[128];
	char location[512];
	char *body;
	size_t body_len;
	bool ok;                     /* 200, text/plain, a body within the limit */
	const char *result;          /* RFC 8460 result type when !ok */
	char error[400];
	int elapsed_ms;
};
bool mtasts_fetch(const char *domain, const char *const *addrs, size_t naddrs, const char *port,
	const struct tlsc_opts *tls, int timeout_ms, struct mtasts_fetch *out);
void mtasts_fetch_finish(struct mtasts_fetch *f);

#endif

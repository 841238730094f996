/* SPDX-License-Identifier: MIT */
/* DNS in the shell core: the resolver the session uses, and DANE (RFC 7672):
 * TLSA records with their DNSSEC status, matched against the live chain. */
#ifndef SMTPSH_SHELL_DNS_H
#define SMTPSH_SHELL_DNS_H

#include <stddef.h>

#include "shell.h"
#include "tls.h"

/* The resolver, created at the first use from the options. */
struct dns *shell_dns(struct shell *sh);

/* TLSA records of _PORT._tcp.HOST, as the handshake takes them. */
struct shell_tlsa {
	struct tlsc_tlsa *recs;
	size_t n;
	unsigned char **data;     /* owned copies of the record data */
	enum dns_sec sec;
	int rcode;
	char owner[300];
};
void shell_tlsa_finish(struct shell_tlsa *t);

/* Look up the TLSA records; false (and a message shown) when the query
 * could not be made at all. */
bool shell_tlsa_lookup(struct shell *sh, const char *host, const char *port, struct shell_tlsa *out);

/* /dane HOST [PORT]: the records, their DNSSEC status and, on a TLS
 * connection, which certificate of the live chain each one matches. */
enum shell_status shell_dane_show(struct shell *sh, const char *host, const char *port);

#endif

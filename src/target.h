/* SPDX-License-Identifier: MIT */
/* Parsing of connection targets: host, host:port, [v6]:port, smtp://, smtps://, lmtp://, unix:. */
#ifndef SMTPSH_TARGET_H
#define SMTPSH_TARGET_H

#include <stdbool.h>

#include "err.h"

enum target_proto {
	TARGET_SMTP,   /* EHLO, port 25 */
	TARGET_SMTPS,  /* implicit TLS, port 465 */
	TARGET_LMTP,   /* LHLO, RFC 2033; port 24 */
};

enum target_kind {
	TARGET_INET,   /* host (name or address literal) and port */
	TARGET_UNIX,   /* a Unix-domain socket path */
	TARGET_MX,     /* mx:DOMAIN, resolved through DNS */
};

struct target {
	enum target_proto proto;
	enum target_kind kind;
	char host[256];   /* name or address without brackets; the domain for MX */
	char port[8];     /* decimal */
	char path[108];   /* Unix socket path */
};

/* Parse spec into t. Returns false with ERR_USAGE and a reason when it is not a target. */
bool target_parse(const char *spec, struct target *t, struct err *e);

const char *target_proto_name(enum target_proto p);

/* The target as a TARGET argument that target_parse() reads back the same:
 * "smtps://[::1]:465", "lmtp://host:24", "unix:/path", "host:25". */
const char *target_spec(const struct target *t, char *buf, unsigned len);

#endif

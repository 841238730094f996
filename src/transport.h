/* SPDX-License-Identifier: MIT */
/*
 * The byte stream to the server: TCP over IPv4/IPv6 with connect timeouts,
 * or a Unix socket, with a read buffer the caller drains as it parses.
 * Knows nothing of SMTP.
 */
#ifndef SMTPSH_TRANSPORT_H
#define SMTPSH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "target.h"
#include "tls.h"

enum transport_family { TRANSPORT_ANY = 0, TRANSPORT_V4, TRANSPORT_V6 };

enum transport_attempt_phase { TRANSPORT_TRYING, TRANSPORT_CONNECTED, TRANSPORT_FAILED };

/* Called for each address tried, so the user sees every attempt. */
typedef void transport_attempt_fn(void *ctx, enum transport_attempt_phase phase,
	const char *addr, const char *port, const char *why);

struct transport;

/*
 * Resolve t (TARGET_INET or TARGET_UNIX) and connect, trying every address in
 * turn, each within timeout_ms. Returns NULL with ERR_CONN (or ERR_DNS when
 * the name does not resolve) when no address answered.
 */
struct transport *transport_connect(const struct target *t, enum transport_family family,
	int timeout_ms, transport_attempt_fn *cb, void *ctx, struct err *e);
void transport_destroy(struct transport *t);

int transport_fd(const struct transport *t);
/* Numeric peer and local addresses, e.g. "127.0.0.1" / "::1", and ports. */
const char *transport_peer_addr(const struct transport *t);
const char *transport_peer_port(const struct transport *t);
const char *transport_local_addr(const struct transport *t);
const char *transport_local_port(const struct transport *t);

enum transport_read {
	TRANSPORT_READ_DATA,   /* new bytes are in the buffer */
	TRANSPORT_READ_AGAIN,  /* nothing to read now */
	TRANSPORT_READ_EOF,    /* the peer closed */
	TRANSPORT_READ_ERROR,  /* reset or other error, e filled */
};

/* Read what is available without blocking into the buffer. */
enum transport_read transport_fill(struct transport *t, struct err *e);
/* Buffered bytes not yet consumed. */
const char *transport_data(const struct transport *t, size_t *len);
void transport_consume(struct transport *t, size_t n);
/* Drop everything buffered (returns how many bytes were dropped). */
size_t transport_discard(struct transport *t);

/*
 * Switch the stream to TLS (STARTTLS or implicit TLS). The caller must have
 * consumed or discarded every buffered plaintext byte first: nothing read
 * before the handshake may be taken as data received under TLS.
 */
bool transport_start_tls(struct transport *t, const char *host, const struct tlsc_opts *opts,
	int timeout_ms, struct err *e);
/* The TLS connection, or NULL when the stream is plaintext. */
struct tlsc *transport_tls(const struct transport *t);

/* Write all of data, waiting at most timeout_ms for the socket to take it. */
bool transport_send(struct transport *t, const char *data, size_t len, int timeout_ms,
	struct err *e);

#endif

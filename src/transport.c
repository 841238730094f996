/* SPDX-License-Identifier: MIT */
/* TCP and Unix-socket transport with connect timeouts and a read buffer. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "interrupt.h"
#include "util.h"

#define READ_CHUNK 65536

struct transport {
	int fd;
	char peer_addr[64], peer_port[8];
	char local_addr[64], local_port[8];
	char *buf;
	size_t start, end, cap;
	struct tlsc *tls;
};

static bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void addr_text(const struct sockaddr *sa, socklen_t len, char *host, size_t hlen,
	char *port, size_t plen)
{
	if (sa->sa_family == AF_UNIX) {
		snprintf(host, hlen, "unix");
		snprintf(port, plen, "-");
		return;
	}
	if (getnameinfo(sa, len, host, (socklen_t)hlen, port, (socklen_t)plen,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, hlen, "?");
		snprintf(port, plen, "?");
	}
}

/* Non-blocking connect bounded by timeout_ms; fills why on failure. */
static int connect_one(const struct sockaddr *sa, socklen_t len, int timeout_ms, char *why,
	size_t whylen)
{
	int fd, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd pfd;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (!set_nonblock(fd)) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	if (connect(fd, sa, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	before_wait();
	/* EINTR is not retried: Ctrl-C during a connect means give up on it. */
	rc = interrupt_pending() ? -1 : poll(&pfd, 1, timeout_ms);
	if (rc < 0 && interrupt_pending())
		errno = EINTR;
	if (rc < 0) {
		snprintf(why, whylen, "%s", errno == EINTR ? "interrupted" : strerror(errno));
		goto fail;
	}
	if (rc == 0) {
		snprintf(why, whylen, "no answer within %d.%d s", timeout_ms / 1000,
			(timeout_ms % 1000) / 100);
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		snprintf(why, whylen, "%s", strerror(soerr ? soerr : errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static struct transport *transport_new(int fd)
{
	struct transport *t = xcalloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	t->fd = fd;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_text((struct sockaddr *)&ss, sl, t->peer_addr, sizeof(t->peer_addr),
			t->peer_port, sizeof(t->peer_port));
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		addr_text((struct sockaddr *)&ss, sl, t->local_addr, sizeof(t->local_addr),
			t->local_port, sizeof(t->local_port));
		if (ss.ss_family != AF_UNIX)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return t;
}

static struct transport *connect_unix(const struct target *tg, transport_attempt_fn *cb,
	void *ctx, struct err *e)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(tg->path) >= sizeof(sun.sun_path)) {
		err_set(e, ERR_USAGE, "socket path too long");
		return NULL;
	}
	strcpy(sun.sun_path, tg->path);
	if (cb)
		cb(ctx, TRANSPORT_TRYING, tg->path, "", NULL);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	before_wait();   /* a blocking connect: it waits while the listener's backlog is full */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || !set_nonblock(fd)) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		if (cb)
			cb(ctx, TRANSPORT_FAILED, tg->path, "", strerror(saved));
		err_set(e, ERR_CONN, "cannot connect to unix:%s: %s", tg->path, strerror(saved));
		return NULL;
	}
	if (cb)
		cb(ctx, TRANSPORT_CONNECTED, tg->path, "", NULL);
	return transport_new(fd);
}

struct transport *transport_connect(const struct target *tg, enum transport_family family,
	int timeout_ms, transport_attempt_fn *cb, void *ctx, struct err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct transport *t = NULL;
	char why[256] = "";
	int rc, tried = 0;

	if (tg->kind == TARGET_UNIX)
		return connect_unix(tg, cb, ctx, e);
	if (tg->kind != TARGET_INET) {
		err_set(e, ERR_USAGE, "this target needs a DNS lookup first");
		return NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = family == TRANSPORT_V4 ? AF_INET : family == TRANSPORT_V6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_flags = AI_NUMERICSERV;
	before_wait();   /* the lookup may ask DNS servers */
	rc = getaddrinfo(tg->host, tg->port, &hints, &res);
	if (rc != 0) {
		err_set(e, ERR_DNS, "cannot resolve %s: %s", tg->host, gai_strerror(rc));
		return NULL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char host[64], port[8];
		int fd;

		addr_text(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), port, sizeof(port));
		tried++;
		if (cb)
			cb(ctx, TRANSPORT_TRYING, host, port, NULL);
		fd = connect_one(ai->ai_addr, ai->ai_addrlen, timeout_ms, why, sizeof(why));
		if (fd >= 0) {
			if (cb)
				cb(ctx, TRANSPORT_CONNECTED, host, port, NULL);
			t = transport_new(fd);
			break;
		}
		if (cb)
			cb(ctx, TRANSPORT_FAILED, host, port, why);
		if (strcmp(why, "interrupted") == 0)
			break;
	}
	freeaddrinfo(res);
	if (!t) {
		if (tried > 1)
			err_set(e, ERR_CONN, "cannot connect to %s port %s: all %d addresses failed (last: %s)",
				tg->host, tg->port, tried, why);
		else
			err_set(e, ERR_CONN, "cannot connect to %s port %s: %s", tg->host, tg->port, why);
	}
	return t;
}

void transport_destroy(struct transport *t)
{
	if (!t)
		return;
	tlsc_destroy(t->tls);
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}

int transport_fd(const struct transport *t)
{
	return t->fd;
}

const char *transport_peer_addr(const struct transport *t)
{
	return t->peer_addr;
}

const char *transport_peer_port(const struct transport *t)
{
	return t->peer_port;
}

const char *transport_local_addr(const struct transport *t)
{
	return t->local_addr;
}

const char *transport_local_port(const struct transport *t)
{
	return t->local_port;
}

enum transport_read transport_fill(struct transport *t, struct err *e)
{
	ssize_t n;

	if (t->start == t->end)
		t->start = t->end = 0;
	if (t->cap - t->end < READ_CHUNK) {
		if (t->start > 0) {
			memmove(t->buf, t->buf + t->start, t->end - t->start);
			t->end -= t->start;
			t->start = 0;
		}
		if (t->cap - t->end < READ_CHUNK) {
			t->cap = t->end + READ_CHUNK;
			t->buf = xrealloc(t->buf, t->cap);
		}
	}
	if (t->tls) {
		size_t got = 0;

		switch (tlsc_read(t->tls, t->buf + t->end, t->cap - t->end, &got, e)) {
		case TLSC_DATA:
			t->end += got;
			return TRANSPORT_READ_DATA;
		case TLSC_AGAIN:
			return TRANSPORT_READ_AGAIN;
		case TLSC_EOF:
			return TRANSPORT_READ_EOF;
		case TLSC_ERROR:
			return TRANSPORT_READ_ERROR;
		}
		return TRANSPORT_READ_ERROR;
	}
	do {
		n = recv(t->fd, t->buf + t->end, t->cap - t->end, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		t->end += (size_t)n;
		return TRANSPORT_READ_DATA;
	}
	if (n == 0)
		return TRANSPORT_READ_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return TRANSPORT_READ_AGAIN;
	err_set(e, ERR_CONN, "read error: %s", strerror(errno));
	return TRANSPORT_READ_ERROR;
}

const char *transport_data(const struct transport *t, size_t *len)
{
	*len = t->end - t->start;
	return t->buf ? t->buf + t->start : "";
}

void transport_consume(struct transport *t, size_t n)
{
	if (n > t->end - t->start)
		n = t->end - t->start;
	t->start += n;
}

size_t transport_discard(struct transport *t)
{
	size_t n = t->end - t->start;

	t->start = t->end = 0;
	return n;
}

bool transport_send(struct transport *t, const char *data, size_t len, int timeout_ms,
	struct err *e)
{
	int64_t deadline = now_ms() + timeout_ms;

	if (t->tls) {
		/* The TLS layer waits for room in the socket on its own. */
		before_wait();
		return tlsc_write(t->tls, data, len, timeout_ms, e);
	}
	while (len > 0) {
		ssize_t n = send(t->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = t->fd, .events = POLLOUT };
			int64_t left = deadline - now_ms();

			if (interrupt_pending())
				return err_set(e, ERR_CONN, "writing interrupted");
			if (left > 0)
				before_wait();
			if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
				return err_set(e, ERR_TIMEOUT, "server did not take data within %d s",
					timeout_ms / 1000);
			continue;
		}
		return err_set(e, ERR_CONN, "write error: %s", strerror(errno));
	}
	return true;
}

bool transport_start_tls(struct transport *t, const char *host, const struct tlsc_opts *opts,
	int timeout_ms, struct err *e)
{
	if (t->tls)
		return err_set(e, ERR_TLS, "TLS is already active on this connection");
	if (t->end != t->start)
		return err_set(e, ERR_INTERNAL, "plaintext bytes still buffered before the TLS handshake");
	before_wait();   /* the handshake waits for the server */
	t->tls = tlsc_start(t->fd, host, opts, timeout_ms, e);
	return t->tls != NULL;
}

struct tlsc *transport_tls(const struct transport *t)
{
	return t->tls;
}

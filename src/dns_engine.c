/* SPDX-License-Identifier: MIT */
/* DNS query engine: UDP sockets, a retry, TCP after truncation, the poll loop. */
#include "dns_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interrupt.h"
#include "util.h"

#define DNS_EDNS_SIZE 1232

/* Copy src into dst[size], cut if need be. */
static void dns_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0) {
		return;
	}
	if (n >= size) {
		n = size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint16_t dns_random_id(void)
{
	uint16_t v;

	if (getentropy(&v, sizeof(v)) != 0) {
		v = ldns_get_random();
	}
	return v;
}

static bool dns_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void dns_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

void dns_q_close_sockets(struct dns_query *q)
{
	dns_close(&q->ufd[0]);
	dns_close(&q->ufd[1]);
	dns_close(&q->tfd);
	free(q->tbuf);
	q->tbuf = NULL;
	q->tstate = DNS_TCP_NONE;
}

void dns_q_free(struct dns_query *q)
{
	if (!q) {
		return;
	}
	dns_q_close_sockets(q);
	free(q->name);
	ldns_rdf_deep_free(q->qname);
	free(q->wire);
	ldns_pkt_free(q->servfail);
	ldns_pkt_free(q->trunc);
	ldns_pkt_free(q->pkt);
	dns_answer_finish(&q->ans);
	free(q);
}

void dns_unlink(struct dns_query **head, struct dns_query *q)
{
	struct dns_query **pp;

	for (pp = head; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			q->next = NULL;
			return;
		}
	}
}

struct dns_query *dns_q_new(struct dns *d, const char *name, uint16_t type, struct err *e)
{
	struct dns_query *q;
	ldns_rdf *qname;
	char *abs = NULL;

	if (type == 0) {
		err_set(e, ERR_USAGE, "no query type");
		return NULL;
	}
	qname = dns_name_rdf(name, &abs);
	if (!qname) {
		err_set(e, ERR_USAGE, "not a domain name: %s", name ? name : "(null)");
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->name = abs;
	q->qname = qname;
	q->type = type;
	memcpy(q->srv, d->srv, sizeof(q->srv));
	q->nsrv = d->nsrv;
	q->timeout_ms = d->timeout_ms;
	q->ufd[0] = q->ufd[1] = q->tfd = -1;
	q->t_submit = now_ms();
	q->ans.ede = -1;
	return q;
}

/* The answer is in q->ans: hand it to the callback at the next dns_process. */
void dns_q_deliver(struct dns_query *q)
{
	struct dns *d = q->d;
	struct dns_query **pp;

	if (q->state == DNS_Q_ACTIVE) {
		dns_unlink(&d->active, q);
	}
	dns_q_close_sockets(q);
	q->state = DNS_Q_DONE;
	q->ans.elapsed_ms = (int)(now_ms() - q->t_submit);
	for (pp = &d->done; *pp; pp = &(*pp)->next) {
	}
	q->next = NULL;
	*pp = q;
}

/* Fill q->ans from pkt (may be NULL: no answer). */
void dns_q_build(struct dns_query *q, ldns_pkt *pkt, enum dns_sec sec, const char *why)
{
	struct dns_answer *a = &q->ans;

	dns_answer_finish(a);
	a->qname = xstrdup(q->name);
	a->qtype = q->type;
	a->ede = -1;
	if (pkt) {
		dns_answer_fill(a, pkt, q->qname, q->type);
		snprintf(a->server, sizeof(a->server), "%s", q->srv[q->answered_by].desc);
	} else {
		a->rcode = -1;
		snprintf(a->server, sizeof(a->server), "%s", q->nsrv ? q->srv[0].desc : "");
	}
	a->tcp = q->via_tcp;
	a->sec = sec;
	if (why && *why) {
		if (a->error[0]) {
			char *both = xasprintf("%s; %s", why, a->error);

			dns_copy(a->error, sizeof(a->error), both);
			free(both);
		} else {
			dns_copy(a->error, sizeof(a->error), why);
		}
	}
}

/* No answer at all (timeout, unreachable). */
static void dns_q_fail(struct dns_query *q, const char *why)
{
	if (q->feeds) {
		dns_copy(q->why, sizeof(q->why), why);
		dns_val_fed(q);
		return;
	}
	if (q->cd_pass && q->servfail) {
		/* SERVFAIL, and nothing with CD: cannot tell bogus from broken */
		dns_q_build(q, q->servfail, DNS_SEC_INDETERMINATE, "SERVFAIL; no answer with CD=1");
	} else {
		dns_q_build(q, NULL, DNS_SEC_INDETERMINATE, why);
	}
	dns_q_deliver(q);
}

static void dns_q_timeout_text(struct dns_query *q, char *buf, size_t len)
{
	const char *who = q->nsrv ? q->srv[0].desc : "?";

	if (q->timeout_ms % 1000 == 0) {
		snprintf(buf, len, "no answer from %s%s within %d s", who,
			q->nsrv > 1 ? " and the other servers" : "", q->timeout_ms / 1000);
	} else {
		snprintf(buf, len, "no answer from %s%s within %.1f s", who,
			q->nsrv > 1 ? " and the other servers" : "", q->timeout_ms / 1000.0);
	}
}

/* Send attempt number q->nsent (0 or 1) over UDP; false when it failed at once. */
static bool dns_q_send_udp(struct dns_query *q)
{
	size_t si = (size_t)q->nsent % q->nsrv;
	int slot = q->nsent, fd;
	ssize_t n;

	q->nsent++;
	if (slot == 1 && q->ufd[0] >= 0 && q->usrv[0] == si) {
		slot = 0;  /* the same server again: the same socket */
	}
	fd = q->ufd[slot];
	if (fd < 0) {
		fd = socket(q->srv[si].ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || !dns_set_nonblock(fd) ||
			connect(fd, (const struct sockaddr *)&q->srv[si].ss, q->srv[si].len) != 0) {
			snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[si].desc,
				strerror(errno));
			if (fd >= 0) {
				close(fd);
			}
			q->ufailed[slot] = true;
			return false;
		}
		q->ufd[slot] = fd;
		q->usrv[slot] = si;
	}
	n = send(fd, q->wire, q->wire_len, 0);
	if (n < 0 || (size_t)n != q->wire_len) {
		snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[si].desc,
			n < 0 ? strerror(errno) : "short write");
		q->ufailed[slot] = true;
		return false;
	}
	q->ufailed[slot] = false;
	return true;
}

/* An attempt failed at once (send error, ICMP unreachable): retry now, or give up. */
static void dns_q_udp_failed(struct dns_query *q)
{
	char why[sizeof(q->why) + 32];

	while (q->nsent < 2) {
		if (dns_q_send_udp(q)) {
			return;
		}
	}
	if ((q->ufd[0] < 0 || q->ufailed[0]) && (q->ufd[1] < 0 || q->ufailed[1])) {
		snprintf(why, sizeof(why), "no answer: %s", q->why);
		dns_q_fail(q, why);
	}
}

/* (Re)start the query: a new packet and ID, fresh timers, the first UDP attempt. */
void dns_q_start(struct dns_query *q)
{
	ldns_pkt *pkt = NULL;
	ldns_status st;
	int64_t now = now_ms();
	char why[120];

	dns_q_close_sockets(q);
	q->ufailed[0] = q->ufailed[1] = false;
	q->nsent = 0;
	q->via_tcp = false;
	ldns_pkt_free(q->trunc);
	q->trunc = NULL;
	free(q->wire);
	q->wire = NULL;
	if (interrupt_pending()) {
		dns_q_fail(q, "interrupted");
		goto out;
	}
	pkt = ldns_pkt_query_new(ldns_rdf_clone(q->qname), (ldns_rr_type)q->type,
		LDNS_RR_CLASS_IN, LDNS_RD | (q->cd ? LDNS_CD : 0));
	if (!pkt) {
		dns_q_fail(q, "cannot build the query packet");
		goto out;
	}
	q->id = dns_random_id();
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
	ldns_pkt_set_edns_do(pkt, true);
	st = ldns_pkt2wire(&q->wire, pkt, &q->wire_len);
	if (st != LDNS_STATUS_OK) {
		snprintf(why, sizeof(why), "cannot build the query packet: %s",
			ldns_get_errorstr_by_id(st));
		dns_q_fail(q, why);
		goto out;
	}
	q->retry_at = now + q->timeout_ms / 2;
	q->deadline = now + q->timeout_ms;
	if (!dns_q_send_udp(q)) {
		dns_q_udp_failed(q);
	}
out:
	ldns_pkt_free(pkt);
}

/* The response if it answers q (ID, QR, question), else NULL. */
static ldns_pkt *dns_q_match(struct dns_query *q, const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;
	const ldns_rr *qr;

	if (len < 12 || ((buf[0] << 8) | buf[1]) != q->id) {
		return NULL;
	}
	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK) {
		return NULL;
	}
	if (!ldns_pkt_qr(pkt) || ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1) {
		goto bad;
	}
	qr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (ldns_rr_get_type(qr) != q->type || ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN ||
		!dns_same_name(ldns_rr_owner(qr), q->qname)) {
		goto bad;
	}
	return pkt;
bad:
	ldns_pkt_free(pkt);
	return NULL;
}

static void dns_q_tcp_start(struct dns_query *q, size_t si, bool again);

/* A matching response came in (pkt is taken). */
static void dns_q_answered(struct dns_query *q, ldns_pkt *pkt, size_t si)
{
	struct dns *d = q->d;
	int rcode;

	if (ldns_pkt_tc(pkt) && !q->via_tcp) {
		ldns_pkt_free(q->trunc);
		q->trunc = pkt;
		dns_q_tcp_start(q, si, false);
		return;
	}
	dns_q_close_sockets(q);
	q->answered_by = si;
	ldns_pkt_free(q->pkt);
	q->pkt = pkt;
	if (q->feeds) {
		dns_val_fed(q);
		return;
	}
	if (q->local) {
		dns_unlink(&d->active, q);
		q->state = DNS_Q_JUDGED;
		dns_val_start(d, q);
		return;
	}
	rcode = dns_pkt_rcode(pkt);
	if (q->cd_pass) {
		/* SERVFAIL without CD: data with CD means validation failed */
		q->pkt = NULL;
		if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
			dns_q_build(q, q->servfail, DNS_SEC_BOGUS,
				"SERVFAIL, but an answer with CD=1: DNSSEC validation failed");
		} else {
			dns_q_build(q, q->servfail, DNS_SEC_INDETERMINATE,
				"SERVFAIL (also with CD=1)");
		}
		ldns_pkt_free(pkt);
		dns_q_deliver(q);
		return;
	}
	if (rcode == LDNS_RCODE_SERVFAIL) {
		q->servfail = pkt;
		q->pkt = NULL;
		q->cd_pass = true;
		q->cd = true;
		dns_q_start(q);
		return;
	}
	if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
		dns_q_build(q, pkt, ldns_pkt_ad(pkt) ? DNS_SEC_SECURE : DNS_SEC_INSECURE, NULL);
	} else {
		dns_q_build(q, pkt, DNS_SEC_INDETERMINATE, NULL);
	}
	dns_q_deliver(q);
}

static void dns_q_read_udp(struct dns_query *q, int slot)
{
	struct dns *d = q->d;
	ldns_pkt *pkt;
	ssize_t n;

	for (;;) {
		n = recv(q->ufd[slot], d->rbuf, sizeof(d->rbuf), 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return;
			}
			snprintf(q->why, sizeof(q->why), "%s: %s", q->srv[q->usrv[slot]].desc,
				strerror(errno));
			q->ufailed[slot] = true;
			dns_q_udp_failed(q);
			return;
		}
		pkt = dns_q_match(q, d->rbuf, (size_t)n);
		if (pkt) {
			dns_q_answered(q, pkt, q->usrv[slot]);
			return;
		}
	}
}

/* TCP failed: hand out the truncated UDP answer (tc set), which nothing can be
 * judged by, or report no answer. */
static void dns_q_tcp_failed(struct dns_query *q, const char *what)
{
	char why[sizeof(q->why) + 64];

	snprintf(why, sizeof(why), "truncated over UDP; TCP to %s: %s", q->srv[q->tsrv].desc,
		what);
	dns_close(&q->tfd);
	q->tstate = DNS_TCP_NONE;
	if (q->ttries < 2 && now_ms() < q->deadline) {
		dns_q_tcp_start(q, q->tsrv, true);
		return;
	}
	if (q->feeds || !q->trunc || q->cd_pass) {
		dns_q_fail(q, why);
		return;
	}
	q->answered_by = q->tsrv;
	dns_q_build(q, q->trunc, DNS_SEC_INDETERMINATE, why);
	dns_q_deliver(q);
}

/* Over TCP to server si: a fresh deadline, unless this is the second connection. */
static void dns_q_tcp_start(struct dns_query *q, size_t si, bool again)
{
	int fd;

	dns_q_close_sockets(q);
	q->via_tcp = true;
	q->tsrv = si;
	if (!again) {
		q->deadline = now_ms() + q->timeout_ms;
		q->ttries = 0;
	}
	q->ttries++;
	fd = socket(q->srv[si].ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dns_q_tcp_failed(q, strerror(errno));
		return;
	}
	q->tfd = fd;
	if (!dns_set_nonblock(fd)) {
		dns_q_tcp_failed(q, strerror(errno));
		return;
	}
	q->tlen = q->wire_len + 2;
	q->tbuf = xmalloc(q->tlen);
	q->tbuf[0] = (uint8_t)(q->wire_len >> 8);
	q->tbuf[1] = (uint8_t)q->wire_len;
	memcpy(q->tbuf + 2, q->wire, q->wire_len);
	q->toff = 0;
	if (connect(fd, (const struct sockaddr *)&q->srv[si].ss, q->srv[si].len) == 0) {
		q->tstate = DNS_TCP_WRITE;
	} else if (errno == EINPROGRESS) {
		q->tstate = DNS_TCP_CONNECT;
	} else {
		dns_q_tcp_failed(q, strerror(errno));
	}
}

static void dns_q_tcp_io(struct dns_query *q)
{
	ldns_pkt *pkt;
	socklen_t sl;
	ssize_t n;
	int soerr = 0;

	if (q->tstate == DNS_TCP_CONNECT) {
		sl = sizeof(soerr);
		if (getsockopt(q->tfd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
			soerr = errno;
		}
		if (soerr != 0) {
			dns_q_tcp_failed(q, strerror(soerr));
			return;
		}
		q->tstate = DNS_TCP_WRITE;
	}
	if (q->tstate == DNS_TCP_WRITE) {
		n = send(q->tfd, q->tbuf + q->toff, q->tlen - q->toff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				dns_q_tcp_failed(q, strerror(errno));
			}
			return;
		}
		q->toff += (size_t)n;
		if (q->toff < q->tlen) {
			return;
		}
		free(q->tbuf);
		q->tbuf = NULL;
		q->toff = 0;
		q->tstate = DNS_TCP_READ_LEN;
		return;
	}
	if (q->tstate == DNS_TCP_READ_LEN) {
		n = recv(q->tfd, q->tlenbuf + q->toff, 2 - q->toff, 0);
	} else {
		n = recv(q->tfd, q->tbuf + q->toff, q->tlen - q->toff, 0);
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			dns_q_tcp_failed(q, strerror(errno));
		}
		return;
	}
	if (n == 0) {
		dns_q_tcp_failed(q, "connection closed before the answer");
		return;
	}
	q->toff += (size_t)n;
	if (q->tstate == DNS_TCP_READ_LEN) {
		if (q->toff < 2) {
			return;
		}
		q->tlen = ((size_t)q->tlenbuf[0] << 8) | q->tlenbuf[1];
		if (q->tlen < 12) {
			dns_q_tcp_failed(q, "malformed answer");
			return;
		}
		q->tbuf = xmalloc(q->tlen);
		q->toff = 0;
		q->tstate = DNS_TCP_READ_BODY;
		return;
	}
	if (q->toff < q->tlen) {
		return;
	}
	pkt = dns_q_match(q, q->tbuf, q->tlen);
	if (!pkt) {
		dns_q_tcp_failed(q, "an answer that does not match the query");
		return;
	}
	dns_q_answered(q, pkt, q->tsrv);
}

static void dns_q_timer(struct dns_query *q, int64_t now)
{
	char why[200];

	if (q->tstate == DNS_TCP_NONE && q->nsent == 1 && now >= q->retry_at) {
		if (!dns_q_send_udp(q)) {
			dns_q_udp_failed(q);
			if (q->state != DNS_Q_ACTIVE) {
				return;
			}
		}
	}
	if (now >= q->deadline) {
		if (q->tstate != DNS_TCP_NONE) {
			dns_q_tcp_failed(q, "no answer in time");
			return;
		}
		dns_q_timeout_text(q, why, sizeof(why));
		dns_q_fail(q, why);
	}
}

bool dns_busy(const struct dns *d)
{
	return d && (d->active || d->done);
}

size_t dns_pollfds(const struct dns *d, struct pollfd *fds, size_t max)
{
	const struct dns_query *q;
	size_t n = 0;
	int i;

	for (q = d->active; q; q = q->next) {
		for (i = 0; i < 2; i++) {
			if (q->ufd[i] >= 0) {
				if (fds && n < max) {
					fds[n].fd = q->ufd[i];
					fds[n].events = POLLIN;
					fds[n].revents = 0;
				}
				n++;
			}
		}
		if (q->tfd >= 0) {
			if (fds && n < max) {
				fds[n].fd = q->tfd;
				fds[n].events = (q->tstate == DNS_TCP_CONNECT ||
					q->tstate == DNS_TCP_WRITE) ? POLLOUT : POLLIN;
				fds[n].revents = 0;
			}
			n++;
		}
	}
	return fds && n > max ? max : n;
}

int dns_timeout_ms(const struct dns *d)
{
	const struct dns_query *q;
	int64_t next = -1, t, now;

	if (d->done) {
		return 0;
	}
	for (q = d->active; q; q = q->next) {
		t = q->deadline;
		if (q->tstate == DNS_TCP_NONE && q->nsent == 1 && q->retry_at < t) {
			t = q->retry_at;
		}
		if (next < 0 || t < next) {
			next = t;
		}
	}
	if (next < 0) {
		return -1;
	}
	now = now_ms();
	if (next <= now) {
		return 0;
	}
	return next - now > 0x7fffffff ? 0x7fffffff : (int)(next - now);
}

void dns_process(struct dns *d, const struct pollfd *fds, size_t nfds)
{
	struct dns_query *q, *next;
	struct dns_answer a;
	dns_done_fn *cb;
	void *ctx;
	size_t i;

	for (q = d->active; q; q = next) {
		next = q->next;
		for (i = 0; i < nfds && q->state == DNS_Q_ACTIVE; i++) {
			if (fds[i].revents == 0 || fds[i].fd < 0) {
				continue;
			}
			if (fds[i].fd == q->ufd[0]) {
				dns_q_read_udp(q, 0);
			} else if (fds[i].fd == q->ufd[1]) {
				dns_q_read_udp(q, 1);
			} else if (fds[i].fd == q->tfd) {
				dns_q_tcp_io(q);
			}
		}
	}
	/* Ctrl-C: end every query now. Each failure may end or start others
	 * (validation), which is why the list is read from its head each time. */
	while (interrupt_pending() && (q = d->active)) {
		dns_q_fail(q, "interrupted");
	}
	for (q = d->active; q; q = next) {
		next = q->next;
		dns_q_timer(q, now_ms());
	}
	while ((q = d->dead)) {
		d->dead = q->next;
		dns_q_free(q);
	}
	while ((q = d->done)) {
		d->done = q->next;
		a = q->ans;
		memset(&q->ans, 0, sizeof(q->ans));
		cb = q->cb;
		ctx = q->ctx;
		dns_q_free(q);
		if (cb) {
			cb(ctx, &a);
		} else {
			dns_answer_finish(&a);
		}
	}
}

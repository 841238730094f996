/* SPDX-License-Identifier: MIT */
/* Connecting the shell: every address in turn, implicit TLS, and mx: targets
 * tried as a sending MTA would, with /next-mx. */
#include "shell.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain.h"
#include "maildns.h"
#include "shell_dns.h"
#include "shell_int.h"
#include "shell_tls.h"
#include "shell_transcript.h"
#include "util.h"

static void on_attempt(void *ctx, enum transport_attempt_phase phase, const char *addr,
	const char *port, const char *why)
{
	struct shell *sh = ctx;
	bool v6 = strchr(addr, ':') != NULL;

	switch (phase) {
	case TRANSPORT_TRYING:
		if (*port)
			shell_emit(sh, RENDER_EVENT, "trying %s%s%s port %s ...", v6 ? "[" : "", addr,
				v6 ? "]" : "", port);
		else
			shell_emit(sh, RENDER_EVENT, "trying unix:%s ...", addr);
		break;
	case TRANSPORT_CONNECTED:
		if (*port)
			shell_emit(sh, RENDER_EVENT, "connected to %s%s%s port %s", v6 ? "[" : "", addr,
				v6 ? "]" : "", port);
		else
			shell_emit(sh, RENDER_EVENT, "connected to unix:%s", addr);
		break;
	case TRANSPORT_FAILED:
		if (*port)
			shell_emit(sh, RENDER_ERROR, "%s%s%s port %s: %s", v6 ? "[" : "", addr, v6 ? "]" : "",
				port, why ? why : "failed");
		else
			shell_emit(sh, RENDER_ERROR, "unix:%s: %s", addr, why ? why : "failed");
		break;
	}
}

/* A connection was made to t: the session starts and the greeting is awaited. */
static enum shell_status attach(struct shell *sh, struct transport *tr, const struct target *t)
{
	sh->tr = tr;
	sh->target = *t;
	sh->have_target = true;
	shell_transcript_connected(sh);
	sh->lost = false;
	session_finish(&sh->sess);
	session_init(&sh->sess, t->proto == TARGET_LMTP);
	session_connected(&sh->sess);
	reply_parser_finish(&sh->parser);
	reply_parser_init(&sh->parser);
	sh->reply_anoms_shown = 0;
	sh->tls_fault = false;
	sh->io_status = SHELL_OK;
	sh->awaiting = 1;
	sh->abandoned = 0;
	shell_sent_clear(sh);
	shell_sent_push(sh, 1, NULL);
	shell_arm_deadline(sh);
	if (t->proto == TARGET_SMTPS || sh->opts.implicit_tls) {
		enum shell_status st = shell_tls_start(sh, false);

		if (st != SHELL_OK)
			return st;
		shell_arm_deadline(sh);
	}
	return SHELL_OK;
}

/* A small generator for the order of equal MX preferences; not for secrets. */
static unsigned mx_rand(void *ctx)
{
	uint64_t *s = ctx;

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned)(*s >> 11);
}

/* Try the hosts of the MX route from the next one on, each address in turn, as a
 * sending MTA does; the host name (not the address) becomes the target, for SNI and
 * DANE. */
static enum shell_status mx_try_next(struct shell *sh)
{
	struct mx_route *r = sh->mx_route;
	struct err e;

	while (r->next < r->norder) {
		const struct mx_host *h = &r->rep.hosts[r->order[r->next++]];
		char name[256];
		size_t k, tried = 0;

		maildns_undot(h->name, name, sizeof(name));
		shell_emit(sh, RENDER_EVENT, "trying MX %s (preference %u, %zu of %zu) ...", name, h->pref,
			r->next, r->norder);
		if (h->flags & MXH_CNAME)
			shell_emit(sh, RENDER_WARN, "MX %s is an alias (CNAME), not allowed (RFC 2181 10.3): "
				"trying it anyway", name);
		if (h->naddrs == 0) {
			shell_emit(sh, RENDER_WARN, "MX %s has no address (%s): skipped", name,
				h->flags & MXH_ADDR_TEMP ? "the lookup failed" : h->flags & MXH_NXDOMAIN ? "NXDOMAIN"
				: "no A or AAAA records");
			continue;
		}
		for (k = 0; k < h->naddrs; k++) {
			struct target at;
			struct transport *tr;
			bool v6 = strchr(h->addrs[k], ':') != NULL;

			if ((sh->opts.family == TRANSPORT_V4 && v6) || (sh->opts.family == TRANSPORT_V6 && !v6))
				continue;
			memset(&at, 0, sizeof(at));
			at.proto = r->proto;
			at.kind = TARGET_INET;
			snprintf(at.host, sizeof(at.host), "%s", h->addrs[k]);
			snprintf(at.port, sizeof(at.port), "%s", r->port);
			err_clear(&e);
			tried++;
			tr = transport_connect(&at, sh->opts.family, sh->opts.timeout_ms, on_attempt, sh, &e);
			if (tr) {
				snprintf(at.host, sizeof(at.host), "%s", name);
				return attach(sh, tr, &at);
			}
			if (strstr(e.msg, "interrupted"))
				return SHELL_CONN;
		}
		if (tried == 0)
			shell_emit(sh, RENDER_WARN, "MX %s has no address of the family asked for: skipped", name);
		else
			shell_emit(sh, RENDER_WARN, "MX %s: no address accepted the connection", name);
	}
	shell_emit(sh, RENDER_ERROR, "no MX host of %s accepted a connection (%zu tried)", r->domain, r->norder);
	return SHELL_CONN;
}

/* mx:DOMAIN[:PORT]: the MX records (or the implicit MX), then the hosts in order. */
static enum shell_status connect_mx(struct shell *sh, const struct target *t)
{
	struct mx_route *r = xcalloc(1, sizeof(*r));
	struct err e;
	struct strbuf b;
	uint64_t seed;
	size_t i;

	mx_route_free(sh->mx_route);
	sh->mx_route = NULL;
	snprintf(r->port, sizeof(r->port), "%s", t->port);
	r->proto = t->proto;
	if (!mx_split_port(t->host, r->domain, sizeof(r->domain), r->port, sizeof(r->port)) || !r->domain[0]) {
		shell_emit(sh, RENDER_ERROR, "bad target mx:%s (mx:DOMAIN or mx:DOMAIN:PORT, port 1-65535)", t->host);
		free(r);
		return SHELL_USAGE;
	}
	err_clear(&e);
	if (!mx_resolve(shell_dns(sh), r->domain, &r->rep, &e)) {
		shell_emit(sh, RENDER_ERROR, "mx:%s: %s", r->domain, e.msg);
		free(r);
		return e.kind == ERR_USAGE ? SHELL_USAGE : SHELL_CONN;
	}
	mx_hosts_collect(&r->rep, &sh->mx_hosts, &sh->nmx_hosts);
	switch (r->rep.kind) {
	case MX_NULL:
		shell_emit(sh, RENDER_ERROR, "mx:%s: null MX: this domain accepts no mail (RFC 7505; a sender "
			"fails at once with 556 5.1.10)", r->domain);
		mx_route_free(r);
		return SHELL_CONN;
	case MX_NXDOMAIN:
		shell_emit(sh, RENDER_ERROR, "mx:%s: NXDOMAIN: the domain does not exist", r->domain);
		mx_route_free(r);
		return SHELL_CONN;
	case MX_TEMPFAIL:
		if (r->rep.rcode < 0)
			shell_emit(sh, RENDER_ERROR, "mx:%s: temporary DNS failure (%s)", r->domain,
				r->rep.error[0] ? r->rep.error : "no answer");
		else
			shell_emit(sh, RENDER_ERROR, "mx:%s: temporary DNS failure (%s%s%s%s)", r->domain,
				dns_rcode_name(r->rep.rcode), r->rep.sec == DNS_SEC_BOGUS ? ", DNSSEC bogus" : "",
				r->rep.error[0] ? ": " : "", r->rep.error);
		mx_route_free(r);
		return SHELL_CONN;
	case MX_NONE:
		shell_emit(sh, RENDER_ERROR, "mx:%s: no MX records and no address records: the domain cannot "
			"receive mail", r->domain);
		mx_route_free(r);
		return SHELL_CONN;
	case MX_IMPLICIT:
		shell_emit(sh, RENDER_EVENT, "mx:%s: implicit MX (no MX records): the domain's address records",
			r->domain);
		break;
	case MX_LIST:
		if (r->rep.null_mixed)
			shell_emit(sh, RENDER_WARN, "mx:%s: null MX mixed with other MX records: a misconfiguration "
				"(RFC 7505 3); the null MX is skipped", r->domain);
		break;
	}
	r->order = xcalloc(r->rep.nhosts + 1, sizeof(*r->order));
	seed = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)r;
	if (!seed)
		seed = 1;
	r->norder = mx_order(&r->rep, r->order, mx_rand, &seed);
	strbuf_init(&b);
	for (i = 0; i < r->norder; i++) {
		const struct mx_host *h = &r->rep.hosts[r->order[i]];
		char name[256];

		strbuf_addf(&b, "%s%s (%u)", i ? ", " : "", maildns_undot(h->name, name, sizeof(name)), h->pref);
	}
	shell_emit(sh, RENDER_EVENT, "mx:%s: %zu host%s in delivery order, DNSSEC %s: %s", r->domain, r->norder,
		r->norder == 1 ? "" : "s", dns_sec_name(r->rep.sec), b.s ? b.s : "");
	strbuf_finish(&b);
	sh->mx_route = r;
	return mx_try_next(sh);
}

enum shell_status shell_next_mx(struct shell *sh)
{
	struct mx_route *r = sh->mx_route;

	if (!r) {
		shell_emit(sh, RENDER_ERROR, "/next-mx: no MX list: connect with /connect mx:DOMAIN first");
		return SHELL_USAGE;
	}
	if (r->next >= r->norder) {
		shell_emit(sh, RENDER_ERROR, "/next-mx: no MX host of %s is left (all %zu tried)", r->domain,
			r->norder);
		return SHELL_CONN;
	}
	if (sh->tr)
		shell_close(sh, "closing the connection: next MX");
	return mx_try_next(sh);
}

enum shell_status shell_connect(struct shell *sh, const struct target *t)
{
	struct err e;
	struct transport *tr;

	err_clear(&e);
	if (sh->tr)
		shell_close(sh, "closing the current connection");
	/* Known before the attempt: a transcript of a failed connection names it too. */
	sh->target = *t;
	sh->have_target = true;
	if (t->kind == TARGET_MX)
		return connect_mx(sh, t);
	/* A connection by name or address ends the MX list of an earlier mx: target. */
	mx_route_free(sh->mx_route);
	sh->mx_route = NULL;
	tr = transport_connect(t, sh->opts.family, sh->opts.timeout_ms, on_attempt, sh, &e);
	if (!tr) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		return SHELL_CONN;
	}
	return attach(sh, tr, t);
}


/* SPDX-License-Identifier: MIT */
/*
 * DNS over our own non-blocking sockets; ldns builds, parses and verifies the
 * packets. Every query has a UDP socket of its own, is sent again once after
 * half its timeout, and goes over TCP when the answer is truncated; many run
 * at once on the caller's poll loop. DNSSEC status comes either from the AD
 * bit of a validating resolver (a SERVFAIL that turns into data with CD=1 is
 * bogus), or from a validation done here from a trust anchor file.
 * This file: the resolver set-up (servers, resolv.conf, trust anchors) and the
 * public entry points; the rest is in dns_engine.c, dns_parse.c,
 * dns_validate.c and dns_nsec.c.
 */
#include "dns_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "util.h"

#define DNS_DEFAULT_TIMEOUT 5000

/* ------------------------------------------------------------ servers */

static bool dns_server_from(struct dns_server *s, int fam, const void *addr, unsigned port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->ss;
	char host[INET6_ADDRSTRLEN];

	memset(s, 0, sizeof(*s));
	if (fam == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, addr, 4);
		s->len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, addr, 16);
		s->len = sizeof(*sin6);
	}
	if (!inet_ntop(fam, addr, host, sizeof(host))) {
		return false;
	}
	snprintf(s->desc, sizeof(s->desc), "%s port %u", host, port);
	return true;
}

/* "ADDR", "ADDR:PORT", "ADDR@PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address. */
static bool dns_parse_server(const char *spec, struct dns_server *s, struct err *e)
{
	char host[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	const char *port = NULL, *p, *colon;
	size_t hlen;
	long pn = 53;
	int fam;

	if (!spec || !*spec) {
		return err_set(e, ERR_USAGE, "empty DNS server address");
	}
	if (spec[0] == '[') {
		p = strchr(spec, ']');
		if (!p) {
			return err_set(e, ERR_USAGE, "DNS server %s: missing ]", spec);
		}
		hlen = (size_t)(p - spec - 1);
		if (hlen >= sizeof(host)) {
			return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
		}
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		if (p[1] == ':' || p[1] == '@') {
			port = p + 2;
		} else if (p[1] != '\0') {
			return err_set(e, ERR_USAGE, "DNS server %s: junk after ]", spec);
		}
	} else {
		p = strchr(spec, '@');
		colon = strchr(spec, ':');
		if (!p && colon && !strchr(colon + 1, ':')) {
			p = colon;  /* one colon: ADDR:PORT; more: a bare IPv6 address */
		}
		hlen = p ? (size_t)(p - spec) : strlen(spec);
		if (hlen >= sizeof(host)) {
			return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
		}
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		if (p) {
			port = p + 1;
		}
	}
	if (port && !str_to_long(port, 1, 65535, &pn)) {
		return err_set(e, ERR_USAGE, "DNS server %s: bad port", spec);
	}
	if (inet_pton(AF_INET, host, addr) == 1) {
		fam = AF_INET;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		fam = AF_INET6;
	} else {
		return err_set(e, ERR_USAGE, "DNS server %s: not an IP address "
			"(use ADDR, ADDR:PORT or [IPV6]:PORT)", spec);
	}
	if (!dns_server_from(s, fam, addr, (unsigned)pn)) {
		return err_set(e, ERR_USAGE, "DNS server %s: not an IP address", spec);
	}
	return true;
}

static void dns_desc_update(struct dns *d)
{
	size_t i;
	int n;

	if (d->server) {
		if (d->ready) {
			snprintf(d->desc, sizeof(d->desc), "%s", d->srv[0].desc);
		} else {
			snprintf(d->desc, sizeof(d->desc), "%s (invalid)", d->server);
		}
		return;
	}
	if (!d->ready) {
		snprintf(d->desc, sizeof(d->desc), "system resolver (%s)",
			d->resolv_conf ? d->resolv_conf : "/etc/resolv.conf");
		return;
	}
	n = snprintf(d->desc, sizeof(d->desc), "%s (",
		d->resolv_conf ? d->resolv_conf : "system resolver");
	for (i = 0; i < d->nsrv && n > 0 && (size_t)n < sizeof(d->desc); i++) {
		n += snprintf(d->desc + n, sizeof(d->desc) - (size_t)n, "%s%s", i ? ", " : "",
			d->srv[i].desc);
	}
	if (n > 0 && (size_t)n < sizeof(d->desc)) {
		snprintf(d->desc + n, sizeof(d->desc) - (size_t)n, ")");
	}
}

static bool dns_load_resolv_conf(struct dns *d, struct err *e)
{
	const char *path = d->resolv_conf ? d->resolv_conf : "/etc/resolv.conf";
	ldns_resolver *res = NULL;
	ldns_rdf **ns;
	ldns_status st;
	size_t i;
	bool ok = false;

	st = ldns_resolver_new_frm_file(&res, d->resolv_conf);
	if (st != LDNS_STATUS_OK) {
		err_set(e, ERR_DNS, "cannot use %s: %s", path, ldns_get_errorstr_by_id(st));
		goto out;
	}
	ns = ldns_resolver_nameservers(res);
	d->nsrv = 0;
	for (i = 0; i < ldns_resolver_nameserver_count(res) && d->nsrv < DNS_MAX_SERVERS; i++) {
		if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_A && ldns_rdf_size(ns[i]) == 4) {
			dns_server_from(&d->srv[d->nsrv++], AF_INET, ldns_rdf_data(ns[i]),
				ldns_resolver_port(res));
		} else if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_AAAA &&
			ldns_rdf_size(ns[i]) == 16) {
			dns_server_from(&d->srv[d->nsrv++], AF_INET6, ldns_rdf_data(ns[i]),
				ldns_resolver_port(res));
		}
	}
	if (d->nsrv == 0) {
		err_set(e, ERR_DNS, "no nameserver in %s", path);
		goto out;
	}
	d->ready = true;
	dns_desc_update(d);
	ok = true;
out:
	ldns_resolver_deep_free(res);
	return ok;
}

/* The trust anchor file: DS and DNSKEY records in zone file syntax. */
static bool dns_load_anchors(struct dns *d, struct err *e)
{
	ldns_rr_list *list = NULL;
	ldns_rdf *origin = NULL, *prev = NULL;
	ldns_rr *rr = NULL;
	ldns_status st;
	uint32_t ttl = 3600;
	int line = 1;
	FILE *fp = NULL;
	bool ok = false;

	fp = fopen(d->anchor_file, "r");
	if (!fp) {
		err_set(e, ERR_IO, "trust anchor %s: %s", d->anchor_file, strerror(errno));
		goto out;
	}
	list = ldns_rr_list_new();
	while (!feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
			st == LDNS_STATUS_SYNTAX_ORIGIN || st == LDNS_STATUS_SYNTAX_INCLUDE) {
			continue;
		}
		if (st != LDNS_STATUS_OK) {
			if (feof(fp)) {
				break;
			}
			err_set(e, ERR_IO, "trust anchor %s line %d: %s", d->anchor_file, line,
				ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS ||
			ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_list_push_rr(list, rr);
		} else {
			ldns_rr_free(rr);
		}
	}
	if (ldns_rr_list_rr_count(list) == 0) {
		err_set(e, ERR_IO, "trust anchor %s: no DS or DNSKEY record", d->anchor_file);
		goto out;
	}
	d->anchors = list;
	list = NULL;
	ok = true;
out:
	ldns_rr_list_deep_free(list);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (fp) {
		fclose(fp);
	}
	return ok;
}

/* Lazy set-up: the first query reads resolv.conf and the trust anchors. */
static bool dns_setup(struct dns *d, struct err *e)
{
	if (!d->ready) {
		if (d->server) {
			if (!dns_parse_server(d->server, &d->srv[0], e)) {
				return false;
			}
			d->nsrv = 1;
			d->ready = true;
			dns_desc_update(d);
		} else if (!dns_load_resolv_conf(d, e)) {
			return false;
		}
	}
	if (d->anchor_file && !d->anchors && !dns_load_anchors(d, e)) {
		return false;
	}
	return true;
}

struct dns *dns_create(const struct dns_opts *opts)
{
	struct dns *d = xcalloc(1, sizeof(*d));

	d->timeout_ms = DNS_DEFAULT_TIMEOUT;
	if (opts) {
		if (opts->server && *opts->server) {
			d->server = xstrdup(opts->server);
		}
		if (opts->resolv_conf) {
			d->resolv_conf = xstrdup(opts->resolv_conf);
		}
		if (opts->trust_anchor) {
			d->anchor_file = xstrdup(opts->trust_anchor);
		}
		if (opts->timeout_ms > 0) {
			dns_set_timeout(d, opts->timeout_ms);
		}
	}
	/* Parsing the server address reads nothing: do it now for dns_server_desc. */
	if (d->server && dns_parse_server(d->server, &d->srv[0], NULL)) {
		d->nsrv = 1;
		d->ready = true;
	}
	dns_desc_update(d);
	return d;
}

bool dns_set_server(struct dns *d, const char *server, struct err *e)
{
	struct dns_server s;

	if (!server || !*server) {
		free(d->server);
		d->server = NULL;
		d->ready = false;
		d->nsrv = 0;
		dns_desc_update(d);
		return true;
	}
	if (!dns_parse_server(server, &s, e)) {
		return false;
	}
	free(d->server);
	d->server = xstrdup(server);
	d->srv[0] = s;
	d->nsrv = 1;
	d->ready = true;
	dns_desc_update(d);
	return true;
}

void dns_set_timeout(struct dns *d, int timeout_ms)
{
	if (timeout_ms < 100) {
		timeout_ms = 100;
	} else if (timeout_ms > 120000) {
		timeout_ms = 120000;
	}
	d->timeout_ms = timeout_ms;
}

const char *dns_server_desc(struct dns *d)
{
	return d->desc;
}

/* ------------------------------------------------------------ entry points */

bool dns_submit(struct dns *d, const char *name, uint16_t type, dns_done_fn *cb, void *ctx,
	struct err *e)
{
	struct dns_query *q;

	if (!dns_setup(d, e)) {
		return false;
	}
	q = dns_q_new(d, name, type, e);
	if (!q) {
		return false;
	}
	q->cb = cb;
	q->ctx = ctx;
	q->local = d->anchors != NULL;
	q->cd = q->local;  /* validating here: ask for the data even if a resolver says bogus */
	q->state = DNS_Q_ACTIVE;
	q->next = d->active;
	d->active = q;
	dns_q_start(q);
	return true;
}

static void dns_run_once(struct dns *d)
{
	struct pollfd *fds;
	size_t n;
	int rc;

	n = dns_pollfds(d, NULL, 0);
	fds = xcalloc(n ? n : 1, sizeof(*fds));
	n = dns_pollfds(d, fds, n);
	/* After a Ctrl-C, dns_process() ends every query at once: do not wait. */
	if (!interrupt_pending())
		before_wait();
	rc = interrupt_pending() ? 0 : poll(fds, n, dns_timeout_ms(d));
	if (rc < 0 && errno != EINTR) {
		/* cannot wait: let the timers run out rather than spin */
		usleep(10000);
	}
	dns_process(d, fds, rc > 0 ? n : 0);
	free(fds);
}

void dns_run(struct dns *d)
{
	while (dns_busy(d)) {
		dns_run_once(d);
	}
}

struct dns_wait {
	struct dns_answer *out;
	bool done;
};

static void dns_query_done(void *ctx, struct dns_answer *ans)
{
	struct dns_wait *w = ctx;

	*w->out = *ans;
	w->done = true;
}

bool dns_query(struct dns *d, const char *name, uint16_t type, struct dns_answer *out,
	struct err *e)
{
	struct dns_wait w = { .out = out, .done = false };

	if (!dns_submit(d, name, type, dns_query_done, &w, e)) {
		return false;
	}
	while (!w.done && dns_busy(d)) {
		dns_run_once(d);
	}
	return true;
}

void dns_destroy(struct dns *d)
{
	struct dns_query *q;

	if (!d) {
		return;
	}
	while ((q = d->active)) {
		d->active = q->next;
		if (q->feeds) {
			dns_val_free(q->feeds);
		}
		dns_q_free(q);
	}
	while ((q = d->done)) {
		d->done = q->next;
		dns_q_free(q);
	}
	while ((q = d->dead)) {
		d->dead = q->next;
		dns_q_free(q);
	}
	ldns_rr_list_deep_free(d->anchors);
	free(d->server);
	free(d->resolv_conf);
	free(d->anchor_file);
	free(d);
}

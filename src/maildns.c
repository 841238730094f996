/* SPDX-License-Identifier: MIT */
/* Mail DNS: names and addresses, and MX resolution as a sending MTA does it
 * (RFC 5321 5.1, RFC 7505 null MX, RFC 2181 10.3). Never prints. */
#include "maildns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ------------------------------------------------------------------ names and addresses */

static size_t name_len(const char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		n--;
	return n;
}

void maildns_copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

bool maildns_same_name(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;
	la = name_len(a);
	lb = name_len(b);
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

const char *maildns_undot(const char *name, char *out, size_t outlen)
{
	size_t n = name_len(name);

	if (outlen == 0)
		return out;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, name, n);
	out[n] = '\0';
	return out;
}

bool maildns_is_ip_literal(const char *name)
{
	char buf[128];
	size_t i, k = 0, n;
	unsigned char a[16];

	if (!name)
		return false;
	/* Drop presentation escapes ("\[") and the brackets of an address literal. */
	for (i = 0; name[i] && k + 1 < sizeof(buf); i++) {
		if (name[i] == '\\' || name[i] == '[' || name[i] == ']')
			continue;
		buf[k++] = name[i];
	}
	buf[k] = '\0';
	n = name_len(buf);
	buf[n] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, a) == 1;
	return inet_pton(AF_INET, buf, a) == 1 || inet_pton(AF_INET6, buf, a) == 1;
}

bool maildns_addr_equal(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (!a || !b)
		return false;
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
	return false;
}

static enum maildns_addr_class class_v4(const unsigned char *a)
{
	if (a[0] == 127)
		return MAILDNS_ADDR_LOOPBACK;
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
			(a[0] == 100 && (a[1] & 0xc0) == 64))
		return MAILDNS_ADDR_PRIVATE;
	if (a[0] == 169 && a[1] == 254)
		return MAILDNS_ADDR_LINKLOCAL;
	if (a[0] == 0 || a[0] >= 224 || (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
			(a[0] == 198 && a[1] == 51 && a[2] == 100) || (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
			(a[0] == 198 && (a[1] & 0xfe) == 18))
		return MAILDNS_ADDR_RESERVED;
	return MAILDNS_ADDR_PUBLIC;
}

enum maildns_addr_class maildns_addr_class(const char *addr)
{
	static const unsigned char loop6[16] = { [15] = 1 }, zero6[16] = { 0 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char a[16];

	if (!addr)
		return MAILDNS_ADDR_INVALID;
	if (inet_pton(AF_INET, addr, a) == 1)
		return class_v4(a);
	if (inet_pton(AF_INET6, addr, a) != 1)
		return MAILDNS_ADDR_INVALID;
	if (memcmp(a, loop6, 16) == 0)
		return MAILDNS_ADDR_LOOPBACK;
	if (memcmp(a, mapped, 12) == 0)
		return class_v4(a + 12);
	if ((a[0] & 0xfe) == 0xfc)
		return MAILDNS_ADDR_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return MAILDNS_ADDR_LINKLOCAL;
	if (memcmp(a, zero6, 16) == 0 || a[0] == 0xff ||
			(a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8))
		return MAILDNS_ADDR_RESERVED;
	return MAILDNS_ADDR_PUBLIC;
}

const char *maildns_addr_class_name(enum maildns_addr_class c)
{
	switch (c) {
	case MAILDNS_ADDR_PUBLIC:
		return "public";
	case MAILDNS_ADDR_LOOPBACK:
		return "loopback";
	case MAILDNS_ADDR_PRIVATE:
		return "private";
	case MAILDNS_ADDR_LINKLOCAL:
		return "link-local";
	case MAILDNS_ADDR_RESERVED:
		return "reserved";
	case MAILDNS_ADDR_INVALID:
		break;
	}
	return "not an address";
}

/* ------------------------------------------------------------------ MX analysis */

static char *absolute_dup(const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		return xstrdup(name);
	return xasprintf("%s.", name);
}

static int host_cmp(const void *pa, const void *pb)
{
	const struct mx_host *a = pa, *b = pb;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return strcasecmp(a->name, b->name);
}

static void host_init(struct mx_host *h, const char *name, uint16_t pref)
{
	memset(h, 0, sizeof(*h));
	h->name = absolute_dup(name);
	h->pref = pref;
	h->rcode_a = h->rcode_aaaa = -2;
	if (strcmp(h->name, ".") == 0)
		h->flags |= MXH_NULL;
	else if (maildns_is_ip_literal(h->name))
		h->flags |= MXH_IP_LITERAL;
}

void mx_analyse(const char *domain, const struct dns_answer *mx, struct mx_report *out)
{
	size_t i, nnull = 0;

	memset(out, 0, sizeof(*out));
	out->domain = absolute_dup(domain && *domain ? domain : ".");
	out->rcode = mx->rcode;
	out->sec = mx->sec;
	maildns_copy(out->error, sizeof(out->error), mx->error);
	if (mx->ncnames) {
		out->cnames = xcalloc(mx->ncnames, sizeof(char *));
		for (i = 0; i < mx->ncnames; i++)
			out->cnames[i] = xstrdup(mx->cnames[i]);
		out->ncnames = mx->ncnames;
	}
	if (mx->rcode == 3) {
		out->kind = MX_NXDOMAIN;
		return;
	}
	if (mx->rcode != 0) {
		out->kind = MX_TEMPFAIL;
		return;
	}
	out->hosts = xcalloc(mx->nrrs + 1, sizeof(*out->hosts));
	for (i = 0; i < mx->nrrs; i++) {
		const struct dns_rr *rr = &mx->rrs[i];

		if (rr->type != DNS_T_MX || !rr->target)
			continue;
		host_init(&out->hosts[out->nhosts], rr->target, rr->pref);
		if (out->hosts[out->nhosts].flags & MXH_NULL)
			nnull++;
		out->nhosts++;
	}
	if (out->nhosts == 0) {
		/* RFC 5321 5.1: no MX records, the domain itself at preference 0. */
		out->kind = MX_IMPLICIT;
		host_init(&out->hosts[0], out->ncnames ? out->cnames[out->ncnames - 1] : out->domain, 0);
		out->nhosts = 1;
	} else {
		qsort(out->hosts, out->nhosts, sizeof(*out->hosts), host_cmp);
		out->kind = nnull == out->nhosts ? MX_NULL : MX_LIST;
		out->null_mixed = nnull > 0 && nnull < out->nhosts;
	}
	/* Data that failed validation is not to be used, even if it came back. */
	if (mx->sec == DNS_SEC_BOGUS)
		out->kind = MX_TEMPFAIL;
}

static void add_addr(struct mx_host *h, const char *addr)
{
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (maildns_addr_equal(h->addrs[i], addr))
			return;
	h->addrs = xrealloc(h->addrs, (h->naddrs + 1) * sizeof(char *));
	h->addrs[h->naddrs++] = xstrdup(addr);
}

void mx_add_addresses(struct mx_report *r, size_t i, const struct dns_answer *a)
{
	struct mx_host *h;
	size_t k;

	if (i >= r->nhosts)
		return;
	h = &r->hosts[i];
	if (a->qtype == DNS_T_AAAA) {
		h->rcode_aaaa = a->rcode;
		h->sec_aaaa = a->sec;
	} else {
		h->rcode_a = a->rcode;
		h->sec_a = a->sec;
	}
	/* The domain of an implicit MX may be an alias (RFC 5321 5.1); an exchange may not. */
	if (r->kind != MX_IMPLICIT && a->ncnames > 0 && !(h->flags & MXH_CNAME)) {
		h->flags |= MXH_CNAME;
		h->alias_of = xstrdup(a->cnames[a->ncnames - 1]);
	}
	if (a->rcode == 0 && a->sec != DNS_SEC_BOGUS) {
		for (k = 0; k < a->nrrs; k++)
			if ((a->rrs[k].type == DNS_T_A || a->rrs[k].type == DNS_T_AAAA) && a->rrs[k].addr[0])
				add_addr(h, a->rrs[k].addr);
	} else if (a->rcode == 3 && a->sec != DNS_SEC_BOGUS) {
		h->flags |= MXH_NXDOMAIN;
	} else {
		h->flags |= MXH_ADDR_TEMP;
		if (!h->error[0]) {
			char t[16], *why;

			why = xasprintf("%s %s%s%s%s", dns_type_name(a->qtype, t, sizeof(t)),
				a->rcode < 0 ? "no answer" : dns_rcode_name(a->rcode),
				a->sec == DNS_SEC_BOGUS ? ", DNSSEC bogus" : "", a->error[0] ? ": " : "", a->error);
			maildns_copy(h->error, sizeof(h->error), why);
			free(why);
		}
	}
}

void mx_finish(struct mx_report *r)
{
	size_t i, k;
	bool temp = false;

	r->usable = 0;
	for (i = 0; i < r->nhosts; i++) {
		struct mx_host *h = &r->hosts[i];
		size_t v4 = 0;

		if (h->flags & MXH_NULL)
			continue;
		/* IPv4 first, then IPv6, each in the order of its answer, whichever came first. */
		for (k = 0; k < h->naddrs; k++) {
			if (!strchr(h->addrs[k], ':')) {
				char *t = h->addrs[k];

				memmove(h->addrs + v4 + 1, h->addrs + v4, (k - v4) * sizeof(char *));
				h->addrs[v4++] = t;
			}
		}
		if (h->flags & MXH_ADDR_TEMP)
			temp = true;
		if (h->naddrs == 0) {
			if (!(h->flags & (MXH_ADDR_TEMP | MXH_NXDOMAIN)) &&
					(h->rcode_a != -2 || h->rcode_aaaa != -2))
				h->flags |= MXH_NO_ADDRESS;
			continue;
		}
		r->usable++;
		for (k = 0; k < h->naddrs; k++) {
			enum maildns_addr_class c = maildns_addr_class(h->addrs[k]);

			if (c == MAILDNS_ADDR_LOOPBACK)
				h->flags |= MXH_LOOPBACK;
			else if (c != MAILDNS_ADDR_PUBLIC)
				h->flags |= MXH_PRIVATE;
		}
	}
	if (r->kind == MX_IMPLICIT && r->usable == 0 && !temp)
		r->kind = MX_NONE;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void mx_report_finish(struct mx_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nhosts; i++) {
		free(r->hosts[i].name);
		free(r->hosts[i].alias_of);
		strv_free(r->hosts[i].addrs, r->hosts[i].naddrs);
	}
	free(r->hosts);
	strv_free(r->cnames, r->ncnames);
	free(r->domain);
	memset(r, 0, sizeof(*r));
}

size_t mx_order(const struct mx_report *r, size_t *order, mx_rand_fn *rnd, void *ctx)
{
	size_t i, n = 0, start, end;

	for (i = 0; i < r->nhosts; i++)
		if (!(r->hosts[i].flags & MXH_NULL))
			order[n++] = i;
	if (!rnd)
		return n;
	/* The hosts are sorted by preference: shuffle each run of equal ones (RFC 5321 5.1). */
	for (start = 0; start < n; start = end) {
		for (end = start + 1; end < n && r->hosts[order[end]].pref == r->hosts[order[start]].pref; end++)
			;
		for (i = end - 1; i > start; i--) {
			size_t j = start + rnd(ctx) % (i - start + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
	}
	return n;
}

/* ------------------------------------------------------------------ MX resolution */

struct mx_q {
	struct mx_report *rep;
	size_t i;
};

static void mx_addr_done(void *ctx, struct dns_answer *ans)
{
	struct mx_q *q = ctx;

	mx_add_addresses(q->rep, q->i, ans);
	dns_answer_finish(ans);
}

bool mx_resolve(struct dns *d, const char *domain, struct mx_report *out, struct err *e)
{
	static const uint16_t types[2] = { DNS_T_A, DNS_T_AAAA };
	struct dns_answer mx;
	struct mx_q *qs;
	size_t i, t;

	memset(out, 0, sizeof(*out));
	if (!dns_query(d, domain, DNS_T_MX, &mx, e))
		return false;
	mx_analyse(domain, &mx, out);
	dns_answer_finish(&mx);
	if (out->kind != MX_LIST && out->kind != MX_IMPLICIT) {
		mx_finish(out);
		return true;
	}
	qs = xcalloc(out->nhosts, sizeof(*qs));
	for (i = 0; i < out->nhosts; i++) {
		qs[i].rep = out;
		qs[i].i = i;
		if (out->hosts[i].flags & MXH_NULL)
			continue;
		for (t = 0; t < 2; t++) {
			struct err qe;

			err_clear(&qe);
			if (!dns_submit(d, out->hosts[i].name, types[t], mx_addr_done, &qs[i], &qe)) {
				out->hosts[i].flags |= MXH_ADDR_TEMP;
				maildns_copy(out->hosts[i].error, sizeof(out->hosts[i].error), qe.msg);
			}
		}
	}
	dns_run(d);
	free(qs);
	mx_finish(out);
	return true;
}

void mx_route_free(struct mx_route *r)
{
	if (!r)
		return;
	mx_report_finish(&r->rep);
	free(r->order);
	free(r);
}

bool mx_split_port(const char *spec, char *domain, size_t dlen, char *port, size_t plen)
{
	const char *colon = strrchr(spec, ':');
	long v;

	if (!colon) {
		if (strlen(spec) >= dlen)
			return false;
		snprintf(domain, dlen, "%s", spec);
		return true;
	}
	if (strchr(spec, ':') != colon || colon == spec || (size_t)(colon - spec) >= dlen ||
			strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
			!str_to_long(colon + 1, 1, 65535, &v) || strlen(colon + 1) >= plen)
		return false;
	snprintf(domain, dlen, "%.*s", (int)(colon - spec), spec);
	snprintf(port, plen, "%s", colon + 1);
	return true;
}

void mx_hosts_collect(const struct mx_report *r, char ***hosts, size_t *n)
{
	size_t i;
	char buf[256];

	mx_hosts_free(*hosts, *n);
	*hosts = NULL;
	*n = 0;
	if (r->nhosts == 0)
		return;
	*hosts = xcalloc(r->nhosts + 1, sizeof(char *));
	for (i = 0; i < r->nhosts; i++) {
		if (r->hosts[i].flags & MXH_NULL)
			continue;
		(*hosts)[(*n)++] = xstrdup(maildns_undot(r->hosts[i].name, buf, sizeof(buf)));
	}
}

void mx_hosts_free(char **hosts, size_t n)
{
	strv_free(hosts, n);
}

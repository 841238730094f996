/* SPDX-License-Identifier: MIT */
/* DMARC records, tag meanings, report URIs and policy discovery by tree walk. */
#include "dmarc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

bool dmarc_is_record(const char *txt, size_t len)
{
	const char *p = txt, *end = txt + len;

	p = skip_ws(p, end);
	if (p == end || *p++ != 'v')
		return false;
	p = skip_ws(p, end);
	if (p == end || *p++ != '=')
		return false;
	p = skip_ws(p, end);
	if (end - p < 6 || strncmp(p, "DMARC1", 6) != 0)
		return false;
	p = skip_ws(p + 6, end);
	return p == end || *p == ';';
}

static bool is_policy(const char *v)
{
	return strcmp(v, "none") == 0 || strcmp(v, "quarantine") == 0 || strcmp(v, "reject") == 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

const char *dmarc_explain(const char *tag, const char *v, char *buf, size_t len)
{
	const char *what = NULL;

	if (strcmp(tag, "p") == 0 || strcmp(tag, "sp") == 0 || strcmp(tag, "np") == 0) {
		const char *who = tag[0] == 'p' ? "the domain" : tag[0] == 's' ? "subdomains"
			: "non-existent subdomains (RFC 9091)";

		what = strcmp(v, "none") == 0 ? "monitoring only: failing mail is delivered as usual"
			: strcmp(v, "quarantine") == 0 ? "failing mail is treated as suspicious (spam folder)"
			: strcmp(v, "reject") == 0 ? "failing mail is rejected" : "not none, quarantine or reject";
		snprintf(buf, len, "policy for %s: %s", who, what);
		return buf;
	}
	if (strcmp(tag, "adkim") == 0 || strcmp(tag, "aspf") == 0) {
		snprintf(buf, len, "%s alignment: %s", tag[1] == 'd' ? "DKIM" : "SPF",
			strcmp(v, "s") == 0 ? "strict (the exact From domain)"
			: strcmp(v, "r") == 0 ? "relaxed (the same organisational domain)" : "not r or s");
		return buf;
	}
	if (strcmp(tag, "v") == 0)
		what = "version: DMARC1";
	else if (strcmp(tag, "pct") == 0)
		what = "percentage of failing mail the policy applies to (removed in RFC 9989)";
	else if (strcmp(tag, "rua") == 0)
		what = "where aggregate reports go";
	else if (strcmp(tag, "ruf") == 0)
		what = "where failure (forensic) reports go";
	else if (strcmp(tag, "fo") == 0)
		what = "failure report options: 0 all fail, 1 any fails, d DKIM fails, s SPF fails";
	else if (strcmp(tag, "rf") == 0)
		what = "failure report format (afrf; removed in RFC 9989)";
	else if (strcmp(tag, "ri") == 0)
		what = "aggregate report interval in seconds (removed in RFC 9989)";
	else if (strcmp(tag, "psd") == 0)
		what = strcmp(v, "y") == 0 ? "a public suffix domain's record (RFC 9989)"
			: strcmp(v, "n") == 0 ? "an organisational domain: the tree walk stops here (RFC 9989)"
			: "public suffix domain: unknown (RFC 9989)";
	else if (strcmp(tag, "t") == 0)
		what = strcmp(v, "y") == 0 ? "test mode: receivers apply one step less (RFC 9989)"
			: "test mode off (RFC 9989)";
	else
		what = "unknown tag: ignored";
	snprintf(buf, len, "%s", what);
	return buf;
}

void dmarc_uris_check(const char *tag, const char *list, struct pol_notes *notes,
	char (*hosts)[256], size_t max, size_t *nhosts)
{
	const char *p = list;

	if (nhosts)
		*nhosts = 0;
	if (!*list)
		pol_note_add(notes, POL_ERROR, "DMARC: %s= is empty", tag);
	while (*p) {
		size_t n = strcspn(p, ","), a = 0, b = n;
		char uri[512], *bang, *at;

		while (a < b && isspace((unsigned char)p[a]))
			a++;
		while (b > a && isspace((unsigned char)p[b - 1]))
			b--;
		snprintf(uri, sizeof(uri), "%.*s", (int)(b - a), p + a);
		p += n + (p[n] == ',');
		if (!*uri) {
			pol_note_add(notes, POL_ERROR, "DMARC: %s: empty URI in the list", tag);
			continue;
		}
		bang = strrchr(uri, '!');
		if (bang) {
			size_t k = 1;

			while (isdigit((unsigned char)bang[k]))
				k++;
			if (k == 1 || (bang[k] && (!strchr("kmgtKMGT", bang[k]) || bang[k + 1])))
				pol_note_add(notes, POL_ERROR, "DMARC: %s: bad size limit \"%.40s\" (!digits[kmgt])", tag, bang);
			*bang = '\0';
		}
		if (strncasecmp(uri, "mailto:", 7) == 0) {
			at = strchr(uri + 7, '@');
			if (!at || at == uri + 7 || !at[1] || !strchr(at + 1, '.') || strchr(at + 1, '@') ||
			    strpbrk(uri, " <>\"")) {
				pol_note_add(notes, POL_ERROR, "DMARC: %s: \"%.100s\" is not a mailto: address", tag, uri);
			} else if (hosts && nhosts && *nhosts < max) {
				snprintf(hosts[*nhosts], 256, "%s", at + 1);
				(*nhosts)++;
			}
		} else if (strncasecmp(uri, "https:", 6) == 0 || strncasecmp(uri, "http:", 5) == 0) {
			pol_note_add(notes, POL_WARN, "DMARC: %s: %.100s: receivers only have to support mailto:", tag, uri);
		} else {
			pol_note_add(notes, POL_ERROR, "DMARC: %s: \"%.100s\" is not a URI (mailto:address)", tag, uri);
		}
	}
}

bool dmarc_parse(const char *txt, size_t len, struct dmarc_record *out)
{
	const char *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->adkim = out->aspf = 'r';
	out->pct = 100;
	out->psd = 'u';
	pol_tags_parse(txt, len, "DMARC", &out->tags, &out->notes);
	if (!out->tags.n || strcmp(out->tags.v[0].name, "v") != 0 || strcmp(out->tags.v[0].value, "DMARC1") != 0)
		pol_note_add(&out->notes, POL_ERROR, "DMARC: the record must start with v=DMARC1");
	v = pol_tags_get(&out->tags, "p");
	if (!v) {
		pol_note_add(&out->notes, POL_ERROR, "DMARC: no p= tag (required by RFC 7489%s)",
			pol_tags_get(&out->tags, "rua") ? "; with rua= receivers read it as p=none" : "");
	} else if (!is_policy(v)) {
		pol_note_add(&out->notes, POL_ERROR, "DMARC: p=%.40s: not none, quarantine or reject", v);
	} else {
		snprintf(out->p, sizeof(out->p), "%s", v);
		if (out->tags.n > 1 && strcmp(out->tags.v[1].name, "p") != 0)
			pol_note_add(&out->notes, POL_INFO, "DMARC: p= is not right after v= (RFC 7489 wants it there; RFC 9989 does not)");
	}
	snprintf(out->sp, sizeof(out->sp), "%s", out->p);
	v = pol_tags_get(&out->tags, "sp");
	if (v && !is_policy(v))
		pol_note_add(&out->notes, POL_ERROR, "DMARC: sp=%.40s: not none, quarantine or reject", v);
	else if (v)
		snprintf(out->sp, sizeof(out->sp), "%s", v);
	snprintf(out->np, sizeof(out->np), "%s", out->sp);
	v = pol_tags_get(&out->tags, "np");
	if (v && !is_policy(v))
		pol_note_add(&out->notes, POL_ERROR, "DMARC: np=%.40s: not none, quarantine or reject", v);
	else if (v)
		snprintf(out->np, sizeof(out->np), "%s", v);
	for (i = 0; i < 2; i++) {
		const char *name = i ? "aspf" : "adkim";

		v = pol_tags_get(&out->tags, name);
		if (v && strcmp(v, "r") != 0 && strcmp(v, "s") != 0)
			pol_note_add(&out->notes, POL_ERROR, "DMARC: %s=%.40s: not r or s", name, v);
		else if (v)
			*(i ? &out->aspf : &out->adkim) = v[0];
	}
	v = pol_tags_get(&out->tags, "pct");
	if (v && (!all_digits(v) || strlen(v) > 3 || atoi(v) > 100))
		pol_note_add(&out->notes, POL_ERROR, "DMARC: pct=%.40s: not a number from 0 to 100", v);
	else if (v)
		out->pct = atoi(v);
	v = pol_tags_get(&out->tags, "fo");
	if (v) {
		const char *q = v;

		while (*q) {
			size_t n = strcspn(q, ":");

			if (n != 1 || !strchr("01ds", *q))
				pol_note_add(&out->notes, POL_ERROR, "DMARC: fo=%.40s: options are 0, 1, d, s separated by \":\"", v);
			if (n != 1 || !strchr("01ds", *q))
				break;
			q += n + (q[n] == ':');
		}
	}
	v = pol_tags_get(&out->tags, "rf");
	if (v && strcasecmp(v, "afrf") != 0)
		pol_note_add(&out->notes, POL_WARN, "DMARC: rf=%.40s: only afrf is defined", v);
	v = pol_tags_get(&out->tags, "ri");
	if (v && (!all_digits(v) || strlen(v) > 10))
		pol_note_add(&out->notes, POL_ERROR, "DMARC: ri=%.40s: not a number of seconds", v);
	v = pol_tags_get(&out->tags, "psd");
	if (v && (strlen(v) != 1 || !strchr("ynu", v[0])))
		pol_note_add(&out->notes, POL_ERROR, "DMARC: psd=%.40s: not y, n or u", v);
	else if (v)
		out->psd = v[0];
	v = pol_tags_get(&out->tags, "t");
	if (v && strcmp(v, "y") != 0 && strcmp(v, "n") != 0)
		pol_note_add(&out->notes, POL_ERROR, "DMARC: t=%.40s: not y or n", v);
	out->testing = v && strcmp(v, "y") == 0;
	if ((v = pol_tags_get(&out->tags, "rua")))
		dmarc_uris_check("rua", v, &out->notes, NULL, 0, NULL);
	else
		pol_note_add(&out->notes, POL_WARN, "DMARC: no rua=: nobody receives aggregate reports");
	if ((v = pol_tags_get(&out->tags, "ruf")))
		dmarc_uris_check("ruf", v, &out->notes, NULL, 0, NULL);
	for (i = 0; i < out->tags.n; i++) {
		static const char *const known[] = { "v", "p", "sp", "np", "adkim", "aspf", "pct", "rua",
			"ruf", "fo", "rf", "ri", "psd", "t" };
		size_t k;

		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(out->tags.v[i].name, known[k]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			pol_note_add(&out->notes, POL_INFO, "DMARC: unknown tag %s (ignored)", out->tags.v[i].name);
	}
	if (strcmp(out->p, "none") == 0)
		pol_note_add(&out->notes, POL_WARN, "DMARC: p=none: monitoring only, failing mail is not stopped");
	if (out->pct < 100)
		pol_note_add(&out->notes, POL_WARN, "DMARC: pct=%d: the policy applies to %d%% of failing mail only",
			out->pct, out->pct);
	if (out->testing)
		pol_note_add(&out->notes, POL_WARN, "DMARC: t=y: test mode, receivers apply a policy one step less strict");
	out->valid = !pol_notes_has(&out->notes, POL_ERROR);
	return out->valid;
}

void dmarc_record_finish(struct dmarc_record *r)
{
	pol_tags_finish(&r->tags);
	pol_notes_finish(&r->notes);
	memset(r, 0, sizeof(*r));
}

size_t dmarc_walk(const char *domain, char (*names)[256], size_t max)
{
	char d[256];
	const char *p;
	size_t n = 0, labels = 1, len;

	snprintf(d, sizeof(d), "%s", domain);
	len = strlen(d);
	while (len && d[len - 1] == '.')
		d[--len] = '\0';
	if (!len || max == 0)
		return 0;
	for (p = d; *p; p++)
		labels += *p == '.';
	p = d;
	snprintf(names[n++], 256, "%s", p);
	while (labels > 1 && n < max) {
		/* RFC 9989 4.10: 8 labels or more: keep the last 7; else drop one */
		size_t drop = labels >= 8 ? labels - 7 : 1;

		while (drop--) {
			p = strchr(p, '.') + 1;
			labels--;
		}
		snprintf(names[n++], 256, "%s", p);
	}
	return n;
}

struct dl_q {
	struct dmarc_lookup *l;
	size_t i;
};

static void dl_cb(void *ctx, struct dns_answer *a)
{
	struct dl_q *q = ctx;

	q->l->ans[q->i] = *a;   /* the copy owns the contents now */
	q->l->answered[q->i] = true;
	free(q);
}

bool dmarc_lookup_start(struct dmarc_lookup *l, struct dns *d, const char *domain, struct err *e)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->n = dmarc_walk(domain, l->names, DMARC_WALK_MAX);
	if (!l->n)
		return err_set(e, ERR_USAGE, "not a domain name");
	for (i = 0; i < l->n; i++) {
		struct dl_q *q = xcalloc(1, sizeof(*q));
		char name[300];

		q->l = l;
		q->i = i;
		snprintf(name, sizeof(name), "_dmarc.%s", l->names[i]);
		if (!dns_submit(d, name, DNS_T_TXT, dl_cb, q, e)) {
			free(q);
			l->ans[i].rcode = -1;
			snprintf(l->ans[i].error, sizeof(l->ans[i].error), "%.190s", e->msg);
			l->answered[i] = true;
		}
	}
	return true;
}

void dmarc_lookup_finish(struct dmarc_lookup *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		dns_answer_finish(&l->ans[i]);
	memset(l, 0, sizeof(*l));
}

void dmarc_lookup_result(const struct dmarc_lookup *l, struct dmarc_found *f)
{
	size_t i, k;

	memset(f, 0, sizeof(*f));
	f->index = -1;
	for (i = 0; i < l->n; i++) {
		const struct dns_answer *a = &l->ans[i];
		int nrec = 0;
		size_t which = 0;

		if (!l->answered[i] || (a->rcode != 0 && a->rcode != 3)) {
			if (!f->temperror)
				snprintf(f->error, sizeof(f->error), "_dmarc.%.150s: %.60s", l->names[i],
					!l->answered[i] ? "no answer" : a->rcode < 0 ? a->error : dns_rcode_name(a->rcode));
			f->temperror = true;
			continue;
		}
		for (k = 0; a->rcode == 0 && k < a->nrrs; k++)
			if (a->rrs[k].txt && dmarc_is_record(a->rrs[k].txt, a->rrs[k].txt_len) && nrec++ == 0)
				which = k;
		if (nrec > 1) {
			if (!f->duplicates && !f->temperror)
				snprintf(f->error, sizeof(f->error), "_dmarc.%.180s has %d DMARC records: all ignored",
					l->names[i], nrec);
			f->duplicates++;
			continue;
		}
		if (nrec == 1) {
			f->index = (int)i;
			f->txt = a->rrs[which].txt;
			f->len = a->rrs[which].txt_len;
			f->sec = a->sec;
			return;
		}
	}
}

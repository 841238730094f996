/* SPDX-License-Identifier: MIT */
/* SPF (RFC 7208): the include/redirect tree fetched concurrently, with its lookup counts. */
#include "spf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_int.h"
#include "util.h"

#define TREE_MAX_NODES 64

enum tq_kind { TQ_TXT, TQ_ADDR, TQ_MX, TQ_MXADDR, TQ_EXISTS };

struct tq {
	struct spf_tree *t;
	struct spf_node *node;
	size_t term;
	enum tq_kind kind;
};

static void tree_cb(void *ctx, struct dns_answer *a);

static void tree_submit(struct spf_tree *t, struct spf_node *nd, size_t term, enum tq_kind kind,
	const char *name, uint16_t type)
{
	struct tq *q = xcalloc(1, sizeof(*q));
	struct err e;

	q->t = t;
	q->node = nd;
	q->term = term;
	q->kind = kind;
	err_clear(&e);
	if (!dns_submit(t->dns, name, type, tree_cb, q, &e)) {
		free(q);
		if (kind == TQ_TXT) {
			nd->done = true;
			nd->rcode = -1;
			snprintf(nd->error, sizeof(nd->error), "%.199s", e.msg);
		} else {
			nd->tt[term].failed = true;
			snprintf(nd->tt[term].note, sizeof(nd->tt[term].note), "%.199s", e.msg);
		}
		return;
	}
	t->pending++;
	t->queries++;
	if (kind != TQ_TXT)
		nd->tt[term].pending++;
}

static struct spf_node *tree_node(struct spf_tree *t, struct spf_node *parent, enum spf_kind via,
	const char *domain)
{
	struct spf_node *nd = xcalloc(1, sizeof(*nd)), *up;

	snprintf(nd->domain, sizeof(nd->domain), "%s", domain);
	nd->parent = parent;
	nd->via = via;
	nd->depth = parent ? parent->depth + 1 : 0;
	nd->rcode = -1;
	t->nnodes++;
	for (up = parent; up; up = up->parent)
		if (spf_same_name(up->domain, domain))
			nd->loop = true;
	if (nd->loop)
		return nd;
	if (t->nnodes > TREE_MAX_NODES || nd->depth > SPF_MAX_DEPTH) {
		nd->capped = true;
		return nd;
	}
	tree_submit(t, nd, 0, TQ_TXT, domain, DNS_T_TXT);
	return nd;
}

/* The evaluation order: mechanisms as written, then the modifiers. */
static void tree_order(struct spf_node *nd)
{
	size_t i, k = 0;

	nd->order = xcalloc(nd->rec.n ? nd->rec.n : 1, sizeof(*nd->order));
	for (i = 0; i < nd->rec.n; i++)
		if (nd->rec.terms[i].kind <= SPF_EXISTS)
			nd->order[k++] = i;
	for (i = 0; i < nd->rec.n; i++)
		if (nd->rec.terms[i].kind > SPF_EXISTS)
			nd->order[k++] = i;
}

static void tree_follow(struct spf_tree *t, struct spf_node *nd)
{
	bool after_all = false;
	size_t k;

	for (k = 0; k < nd->rec.n; k++) {
		size_t i = nd->order[k];
		const struct spf_term *tm = &nd->rec.terms[i];
		struct spf_tterm *tt = &nd->tt[i];
		struct spf_macro_ctx mc;
		char why[160];

		if (after_all && tm->kind <= SPF_EXISTS) {
			tt->unreached = true;
			snprintf(tt->note, sizeof(tt->note), "never reached: after all (RFC 7208 5.1)");
			continue;
		}
		if (tm->kind == SPF_ALL)
			after_all = true;
		if (tm->kind == SPF_REDIRECT && nd->rec.all >= 0) {
			tt->unreached = true;
			snprintf(tt->note, sizeof(tt->note), "ignored: the record has all");
			continue;
		}
		if (!tm->counts)
			continue;
		if (tm->kind == SPF_PTR) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "needs the client address: not looked up");
			continue;
		}
		if (tm->macros & ~SPF_LETTER('d')) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "depends on the message (macros): not looked up");
			continue;
		}
		memset(&mc, 0, sizeof(mc));
		mc.domain = nd->domain;
		if (!spf_macro_expand(tm->domain ? tm->domain : nd->domain, &mc, false, tt->target,
				sizeof(tt->target), why, sizeof(why))) {
			tt->skipped = true;
			snprintf(tt->note, sizeof(tt->note), "%s", why);
			continue;
		}
		switch (tm->kind) {
		case SPF_INCLUDE:
		case SPF_REDIRECT:
			tt->child = tree_node(t, nd, tm->kind, tt->target);
			break;
		case SPF_A:
			tree_submit(t, nd, i, TQ_ADDR, tt->target, DNS_T_A);
			tree_submit(t, nd, i, TQ_ADDR, tt->target, DNS_T_AAAA);
			break;
		case SPF_MX:
			tree_submit(t, nd, i, TQ_MX, tt->target, DNS_T_MX);
			break;
		case SPF_EXISTS:
			tree_submit(t, nd, i, TQ_EXISTS, tt->target, DNS_T_A);
			break;
		default:
			break;
		}
	}
}

static void tree_txt(struct spf_tree *t, struct spf_node *nd, const struct dns_answer *a)
{
	size_t i;

	nd->done = true;
	nd->rcode = a->rcode;
	nd->sec = a->sec;
	snprintf(nd->error, sizeof(nd->error), "%s", a->error);
	for (i = 0; a->rcode == 0 && i < a->nrrs; i++) {
		if (!a->rrs[i].txt || !spf_is_record(a->rrs[i].txt, a->rrs[i].txt_len))
			continue;
		if (nd->nrecords++ == 0) {
			nd->txt = xstrndup(a->rrs[i].txt, a->rrs[i].txt_len);
			nd->txt_len = a->rrs[i].txt_len;
		}
	}
	if (nd->nrecords != 1)
		return;
	nd->parsed = true;
	spf_parse(nd->txt, nd->txt_len, &nd->rec);
	nd->tt = xcalloc(nd->rec.n ? nd->rec.n : 1, sizeof(*nd->tt));
	tree_order(nd);
	if (nd->rec.syntax_ok)
		tree_follow(t, nd);
}

static void tree_cb(void *ctx, struct dns_answer *a)
{
	struct tq *q = ctx;
	struct spf_tree *t = q->t;
	struct spf_node *nd = q->node;
	struct spf_tterm *tt = q->kind == TQ_TXT ? NULL : &nd->tt[q->term];
	size_t i, n = 0;

	t->pending--;
	if (!tt) {
		tree_txt(t, nd, a);
		goto out;
	}
	tt->pending--;
	if (a->rcode != 0 && a->rcode != 3) {
		tt->failed = true;
		snprintf(tt->note, sizeof(tt->note), "%.120s %s: %.60s", a->qname,
			a->qtype == DNS_T_MX ? "MX" : "address", a->rcode < 0 ? a->error : dns_rcode_name(a->rcode));
		goto out;
	}
	n = a->rcode == 0 ? a->nrrs : 0;
	switch (q->kind) {
	case TQ_MX:
		tt->answered++;
		for (i = 0; i < n; i++) {
			if (strcmp(a->rrs[i].target ? a->rrs[i].target : ".", ".") == 0)
				continue;
			if (tt->nmx++ < SPF_MAX_MX) {
				tree_submit(t, nd, q->term, TQ_MXADDR, a->rrs[i].target, DNS_T_A);
				tree_submit(t, nd, q->term, TQ_MXADDR, a->rrs[i].target, DNS_T_AAAA);
			}
		}
		if (tt->nmx == 0)
			tt->empty++;
		break;
	case TQ_MXADDR:
		tt->naddrs += (int)n;
		break;
	default:
		tt->answered++;
		tt->naddrs += (int)n;
		if (n == 0)
			tt->empty++;
		break;
	}
	if (tt->pending == 0 && tt->answered > 0 && tt->empty == tt->answered)
		tt->is_void = true;
out:
	dns_answer_finish(a);
	free(q);
}

bool spf_tree_start(struct spf_tree *t, struct dns *d, const char *domain, struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->dns = d;
	if (!domain || !*domain || strlen(domain) > 253)
		return err_set(e, ERR_USAGE, "not a domain name");
	t->root = tree_node(t, NULL, SPF_ALL, domain);
	return true;
}

static void tree_error(struct spf_tree *t, enum spf_result r, const char *fmt, ...) PRINTF(3, 4);

static void tree_error(struct spf_tree *t, enum spf_result r, const char *fmt, ...)
{
	va_list ap;

	if (t->verdict != SPF_PASS)
		return;   /* the first error decides, as in an evaluation */
	t->verdict = r;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

static void tree_walk(struct spf_tree *t, struct spf_node *nd)
{
	size_t k;
	bool root = nd == t->root;

	if (nd->loop) {
		char chain[200] = "";
		const struct spf_node *up;

		for (up = nd; up; up = up->parent) {
			char tmp[200];

			snprintf(tmp, sizeof(tmp), "%.80s%s%.110s", up->domain, chain[0] ? " -> " : "", chain);
			memcpy(chain, tmp, sizeof(chain));
			if (up != nd && spf_same_name(up->domain, nd->domain))
				break;
		}
		tree_error(t, SPF_PERMERROR, "include loop: %s", chain);
		return;
	}
	if (nd->capped) {
		tree_error(t, SPF_PERMERROR, "more than %d records or %d levels deep", TREE_MAX_NODES,
			SPF_MAX_DEPTH);
		return;
	}
	if (nd->rcode != 0 && nd->rcode != 3) {
		tree_error(t, SPF_TEMPERROR, "TXT %s: %s", nd->domain,
			nd->rcode < 0 ? nd->error : dns_rcode_name(nd->rcode));
		return;
	}
	if (nd->nrecords == 0) {
		if (root)
			tree_error(t, SPF_NONE, "no SPF record at %s", nd->domain);
		else
			tree_error(t, SPF_PERMERROR, "%s=%s has no SPF record", spf_kind_name(nd->via), nd->domain);
		return;
	}
	if (nd->nrecords > 1) {
		tree_error(t, SPF_PERMERROR, "%s has %d SPF records (RFC 7208 4.5)", nd->domain, nd->nrecords);
		return;
	}
	if (!nd->rec.syntax_ok) {
		tree_error(t, SPF_PERMERROR, "syntax error in the record of %s: %s", nd->domain,
			pol_notes_first(&nd->rec.notes, POL_ERROR) + 5);
		return;
	}
	for (k = 0; k < nd->rec.n; k++) {
		size_t i = nd->order[k];
		const struct spf_term *tm = &nd->rec.terms[i];
		struct spf_tterm *tt = &nd->tt[i];

		if (!tm->counts || tt->unreached)
			continue;
		tt->lookup_no = ++t->lookups;
		if (t->lookups == SPF_MAX_LOOKUPS + 1)
			tree_error(t, SPF_PERMERROR, "more than %d DNS lookups (RFC 7208 4.6.4)", SPF_MAX_LOOKUPS);
		if (tt->is_void || (tt->child && tt->child->done && tt->child->rcode == 3) ||
		    (tt->child && tt->child->rcode == 0 && tt->child->nrecords == 0 && !tt->child->loop)) {
			tt->void_no = ++t->voids;
			if (t->voids == SPF_MAX_VOID + 1)
				tree_error(t, SPF_PERMERROR, "more than %d void lookups (RFC 7208 4.6.4)", SPF_MAX_VOID);
		}
		if (tt->failed)
			tree_error(t, SPF_TEMPERROR, "%s", tt->note);
		if (tt->nmx > SPF_MAX_MX)
			tree_error(t, SPF_PERMERROR, "%s has %d MX hosts, more than %d (RFC 7208 4.6.4)",
				tt->target, tt->nmx, SPF_MAX_MX);
		if (tt->child)
			tree_walk(t, tt->child);
	}
}

void spf_tree_summarize(struct spf_tree *t)
{
	const struct spf_record *r;

	t->verdict = SPF_PASS;
	t->lookups = t->voids = 0;
	pol_notes_finish(&t->notes);
	if (!t->root)
		return;
	tree_walk(t, t->root);
	if (t->verdict == SPF_PASS && t->lookups > SPF_MAX_LOOKUPS - 3)
		pol_note_add(&t->notes, POL_WARN, "SPF: %d DNS lookups: close to the limit of %d",
			t->lookups, SPF_MAX_LOOKUPS);
	if (!t->root->parsed)
		return;
	r = &t->root->rec;
	if (r->all < 0 && r->redirect < 0)
		pol_note_add(&t->notes, POL_WARN, "SPF: no all and no redirect: unmatched addresses get neutral");
	if (r->all >= 0 && r->terms[r->all].qual == '+')
		pol_note_add(&t->notes, POL_ERROR, "SPF: +all: every address of the Internet passes");
	else if (r->all >= 0 && r->terms[r->all].qual == '?')
		pol_note_add(&t->notes, POL_WARN, "SPF: ?all: unmatched addresses get neutral, no protection");
}

static void node_free(struct spf_node *nd)
{
	size_t i;

	if (!nd)
		return;
	for (i = 0; nd->tt && i < nd->rec.n; i++)
		node_free(nd->tt[i].child);
	free(nd->tt);
	free(nd->order);
	free(nd->txt);
	spf_record_finish(&nd->rec);
	free(nd);
}

void spf_tree_finish(struct spf_tree *t)
{
	node_free(t->root);
	pol_notes_finish(&t->notes);
	memset(t, 0, sizeof(*t));
}

/* SPDX-License-Identifier: MIT */
/* Plain-language meaning of reply codes and enhanced status codes. */
#include "explain.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "reply.h"
#include "util.h"

static void basic_short(struct strbuf *b, int code)
{
	const struct code_reply *c = codes_reply_find(code);
	const char *cls = codes_reply_class(code / 100);
	const char *cat = codes_reply_category((code / 10) % 10);

	if (c)
		strbuf_addf(b, "%d %s", code, c->meaning);
	else if (cls)
		strbuf_addf(b, "%d (unregistered) %s%s%s", code, cls, cat ? ", " : "", cat ? cat : "");
	else
		strbuf_addf(b, "%d is not a valid reply code", code);
}

static bool esc_split(const char *esc, int *cls, int *subj, int *det)
{
	return esc && sscanf(esc, "%d.%d.%d", cls, subj, det) == 3;
}

static void esc_short(struct strbuf *b, const char *esc)
{
	int cls, subj, det;
	const struct code_esc *x;

	if (!esc_split(esc, &cls, &subj, &det))
		return;
	x = codes_esc_find(subj, det);
	if (x) {
		strbuf_addf(b, "%s %s", esc, x->meaning);
	} else {
		const char *s = codes_esc_subject(subj);

		strbuf_addf(b, "%s (unregistered detail) %s", esc, s ? s : "unknown subject");
	}
}

char *explain_reply_dup(int code, const char *esc)
{
	struct strbuf b;

	strbuf_init(&b);
	basic_short(&b, code);
	if (esc && *esc) {
		strbuf_adds(&b, "; ");
		esc_short(&b, esc);
	}
	return strbuf_steal(&b);
}

static void explain_basic(struct strbuf *b, int code)
{
	const struct code_reply *c = codes_reply_find(code);
	const char *cls = codes_reply_class(code / 100);
	const char *cat = codes_reply_category((code / 10) % 10);

	if (!c) {
		strbuf_addf(b, "%s%d: not a registered reply code", b->len ? "\n" : "", code);
		if (cls)
			strbuf_addf(b, "\n  class %dxx: %s (clients act on the first digit)", code / 100, cls);
		if (cat)
			strbuf_addf(b, "\n  category x%dx: %s", (code / 10) % 10, cat);
		return;
	}
	for (; c; c = codes_reply_next(c)) {
		strbuf_addf(b, "%s%d: %s", b->len ? "\n" : "", code, c->meaning);
		if (c->context && *c->context)
			strbuf_addf(b, " [%s]", c->context);
		strbuf_addf(b, " (%s)", c->rfc);
	}
	if (cls)
		strbuf_addf(b, "\n  class %dxx: %s", code / 100, cls);
	if (cat)
		strbuf_addf(b, "\n  category x%dx: %s", (code / 10) % 10, cat);
}

static void explain_esc(struct strbuf *b, const char *esc)
{
	int cls, subj, det;
	const struct code_esc *x;
	const char *cl, *su;

	if (!esc_split(esc, &cls, &subj, &det))
		return;
	x = codes_esc_find(subj, det);
	cl = codes_esc_class(cls);
	su = codes_esc_subject(subj);
	if (b->len)
		strbuf_adds(b, "\n");
	if (x) {
		strbuf_addf(b, "%s: %s (%s)", esc, x->meaning, x->rfc);
		if (x->basic && *x->basic)
			strbuf_addf(b, "\n  usual basic codes: %s", x->basic);
	} else {
		strbuf_addf(b, "%s: not in the IANA registry; read it by its class and subject", esc);
	}
	if (cl)
		strbuf_addf(b, "\n  class %d.X.X: %s", cls, cl);
	if (su)
		strbuf_addf(b, "\n  subject X.%d.X: %s", subj, su);
}

char *explain_code_dup(const char *arg, struct err *e)
{
	struct strbuf b;
	const char *p = arg;
	bool any = false;

	strbuf_init(&b);
	while (*p) {
		char word[32], esc[16];
		size_t n = 0;
		long code;

		while (*p == ' ' || *p == '\t')
			p++;
		while (p[n] && p[n] != ' ' && p[n] != '\t')
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(word))
			goto bad;
		memcpy(word, p, n);
		word[n] = '\0';
		p += n;
		if (str_to_long(word, 100, 999, &code) && n == 3) {
			explain_basic(&b, (int)code);
		} else if (reply_parse_esc(word, n, esc) == n) {
			explain_esc(&b, esc);
		} else {
			goto bad;
		}
		any = true;
	}
	if (!any)
		goto bad;
	return strbuf_steal(&b);
bad:
	strbuf_finish(&b);
	err_set(e, ERR_USAGE, "\"%s\" is neither a reply code (550) nor an enhanced status code (5.7.1)",
		arg);
	return NULL;
}

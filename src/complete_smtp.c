/* SPDX-License-Identifier: MIT */
/* Completion of SMTP lines: verbs for the session's phase, MAIL and RCPT paths and parameters. */
#include "complete_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "codes.h"
#include "util.h"

#define NAMES_MAX 96

/* A small set of names (verbs, parameters), copied so that tokens can come from
 * space-separated table strings. */
struct names {
	char v[NAMES_MAX][NAME_MAX_LEN];
	size_t n;
};

/* Next space-separated token of *p into out; false at the end. */
static bool next_token(const char **p, char *out, size_t outlen)
{
	const char *s = *p, *b;
	size_t n;

	if (!s) {
		return false;
	}
	while (complete_is_blank(*s)) {
		s++;
	}
	if (!*s) {
		*p = s;
		return false;
	}
	b = s;
	while (*s && !complete_is_blank(*s)) {
		s++;
	}
	n = (size_t)(s - b);
	if (n >= outlen) {
		n = outlen - 1;
	}
	memcpy(out, b, n);
	out[n] = '\0';
	*p = s;
	return true;
}

static bool names_has(const struct names *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcasecmp(l->v[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void names_add(struct names *l, const char *name)
{
	if (!name[0] || l->n >= NAMES_MAX || strlen(name) >= NAME_MAX_LEN || names_has(l, name)) {
		return;
	}
	strcpy(l->v[l->n++], name);
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void names_sort(struct names *l)
{
	qsort(l->v, l->n, sizeof(l->v[0]), names_cmp);
}

static void offer_names(struct cands *c, const struct names *l, size_t fold)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		complete_offer(c, l->v[i], fold);
	}
}

/* Capabilities from an EHLO that still hold: not HELO, not learned before TLS. */
static bool caps_usable(const struct session *s)
{
	return s && s->caps_valid && !s->caps_stale && !s->helo_only;
}

/* ------------------------------------------------------------------------ */
/* SMTP verbs (first word of a line that does not start with '/') */

static void add_list(struct names *l, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		names_add(l, v[i]);
	}
}

/* Verbs of the advertised extensions that make sense outside a transaction (C.3). */
static void add_extension_verbs(struct names *l, const struct session *s)
{
	size_t i;

	for (i = 0; i < s->ncaps; i++) {
		const struct code_ehlo *k = codes_ehlo_find(s->caps[i].keyword);
		const char *p = k ? k->verbs : NULL;
		char verb[NAME_MAX_LEN];

		while (next_token(&p, verb, sizeof(verb))) {
			if ((strcmp(verb, "STARTTLS") == 0 && s->tls) ||
			    (strcmp(verb, "AUTH") == 0 && s->authenticated) ||
			    strcmp(verb, "BDAT") == 0) {
				continue;
			}
			names_add(l, verb);
		}
	}
}

/* The verbs that fit the session's phase and capabilities, sorted. */
static void phase_verbs(struct names *l, const struct session *s)
{
	static const char *const base[] = { "EHLO", "HELO", "HELP", "LHLO", "NOOP", "QUIT",
		"RSET", "VRFY" };
	static const char *const ready[] = { "EXPN", "HELP", "MAIL", "NOOP", "QUIT", "RSET",
		"VRFY" };
	static const char *const mail[] = { "NOOP", "QUIT", "RCPT", "RSET" };
	static const char *const rcpt[] = { "DATA", "NOOP", "QUIT", "RCPT", "RSET" };
	enum session_phase phase = s ? s->phase : SESSION_CLOSED;

	switch (phase) {
	case SESSION_READY:
		add_list(l, ready, NELEM(ready));
		if (caps_usable(s)) {
			add_extension_verbs(l, s);
		}
		break;
	case SESSION_MAIL:
		add_list(l, mail, NELEM(mail));
		break;
	case SESSION_RCPT:
		add_list(l, rcpt, NELEM(rcpt));
		if (caps_usable(s) && session_has_cap(s, "CHUNKING")) {
			names_add(l, "BDAT");
		}
		break;
	case SESSION_QUITTING:
		names_add(l, "QUIT");
		break;
	case SESSION_DATA:
		break;
	case SESSION_CLOSED:
	case SESSION_GREETING:
	case SESSION_CONNECTED:
	default:
		add_list(l, base, NELEM(base));
		break;
	}
	names_sort(l);
}

static void smtp_first_word(struct cands *out, const struct complete_ctx *c)
{
	struct names l = { .n = 0 };
	size_t i, nv;
	const struct smtp_verb *verbs = cmd_verbs(&nv);

	phase_verbs(&l, c->sess);
	offer_names(out, &l, FOLD_ALL);
	if (!c->advertised_only) {
		for (i = 0; i < nv; i++) {
			complete_offer(out, verbs[i].name, FOLD_ALL);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* MAIL and RCPT arguments */

/* An address without the angle brackets it may come with; its length in *n. */
static const char *address_bare(const char *a, size_t *n)
{
	if (!a) {
		*n = 0;
		return "";
	}
	if (*a == '<') {
		a++;
	}
	*n = strlen(a);
	if (*n > 0 && a[*n - 1] == '>') {
		(*n)--;
	}
	return a;
}

/* "FROM:<" until the word has it, then "FROM:<addr>" for each known address. */
static void smtp_path(struct cands *out, const struct complete_ctx *c, const char *kw,
	bool null_path)
{
	size_t kl = strlen(kw), i;
	char *s;

	if (out->wlen < kl || strncasecmp(out->word, kw, kl) != 0) {
		complete_offer(out, kw, FOLD_ALL);
		return;
	}
	for (i = 0; i < c->naddresses; i++) {
		size_t n;
		const char *a = address_bare(c->addresses[i], &n);

		if (n == 0) {
			continue;
		}
		s = xasprintf("%s%.*s>", kw, (int)n, a);
		complete_offer(out, s, kl);
		free(s);
	}
	if (null_path) {
		s = xasprintf("%s>", kw);
		complete_offer(out, s, kl);
		free(s);
	}
}

/* Length of a parameter's name: "BODY=8BITMIME" -> 4. */
static size_t param_name_len(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '='; i++) {
	}
	return i;
}

/* Parameters of MAIL (rcpt false) or RCPT that the last EHLO advertised, sorted. */
static void advertised_params(const struct session *s, bool rcpt, struct names *l)
{
	size_t i;

	if (!caps_usable(s)) {
		return;
	}
	for (i = 0; i < s->ncaps; i++) {
		const struct code_ehlo *k = codes_ehlo_find(s->caps[i].keyword);
		const char *p = k ? (rcpt ? k->rcpt_params : k->mail_params) : NULL;
		char tok[NAME_MAX_LEN];

		while (next_token(&p, tok, sizeof(tok))) {
			if (strcmp(tok, "REQUIRETLS") == 0 && !s->tls) {
				continue;
			}
			names_add(l, tok);
		}
	}
	names_sort(l);
}

/* True when a word other than the current one, after the path, sets parameter name. */
static bool param_on_line(const struct linev *v, const char *name, size_t nlen)
{
	size_t i, b, e;

	for (i = 2; complete_nth_word(v, i, &b, &e); i++) {
		if (b == v->start) {
			continue;   /* the word being completed */
		}
		if (param_name_len(v->s + b, e - b) == nlen &&
		    strncasecmp(v->s + b, name, nlen) == 0) {
			return true;
		}
	}
	return false;
}

/* Values of parameters that take one from a short fixed set. */
static const struct param_value {
	const char *param;
	const char *value;
	const char *needs;   /* EHLO keyword the value also needs, or NULL */
	bool keep_case;      /* "rfc822;" stays as written */
} param_values[] = {
	{ "AUTH", "<>", NULL, true },
	{ "BODY", "7BIT", NULL, false },
	{ "BODY", "8BITMIME", NULL, false },
	{ "BODY", "BINARYMIME", "BINARYMIME", false },
	{ "NOTIFY", "NEVER", NULL, false },
	{ "NOTIFY", "SUCCESS", NULL, false },
	{ "NOTIFY", "FAILURE", NULL, false },
	{ "NOTIFY", "DELAY", NULL, false },
	{ "NOTIFY", "SUCCESS,FAILURE", NULL, false },
	{ "NOTIFY", "SUCCESS,FAILURE,DELAY", NULL, false },
	{ "ORCPT", "rfc822;", NULL, true },
	{ "RET", "FULL", NULL, false },
	{ "RET", "HDRS", NULL, false },
};

/* "NOTIFY=SUCCESS," -> the conditions not in the list yet. */
static void notify_more(struct cands *out, const char *value, size_t vlen)
{
	static const char *const conds[] = { "SUCCESS", "FAILURE", "DELAY" };
	size_t comma = vlen, i, b, e;
	size_t plen = (size_t)(value - out->word);

	while (comma > 0 && value[comma - 1] != ',') {
		comma--;
	}
	for (i = 0; i < NELEM(conds); i++) {
		bool used = false;
		char *s;

		for (b = 0; b < comma; b = e + 1) {
			for (e = b; e < comma && value[e] != ','; e++) {
			}
			if (e - b == strlen(conds[i]) &&
			    strncasecmp(value + b, conds[i], e - b) == 0) {
				used = true;
			}
			if (e - b == 5 && strncasecmp(value + b, "NEVER", 5) == 0) {
				return;
			}
		}
		if (used) {
			continue;
		}
		s = xasprintf("%.*s%s", (int)(plen + comma), out->word, conds[i]);
		complete_offer(out, s, FOLD_ALL);
		free(s);
	}
}

static void param_value(struct cands *out, const struct session *s, const char *name,
	size_t nlen)
{
	const char *value = out->word + nlen + 1;
	size_t vlen = out->wlen - nlen - 1, i;

	if (nlen == 6 && strncasecmp(name, "NOTIFY", 6) == 0 && memchr(value, ',', vlen)) {
		notify_more(out, value, vlen);
		return;
	}
	for (i = 0; i < NELEM(param_values); i++) {
		const struct param_value *pv = &param_values[i];
		char *cand;

		if (strlen(pv->param) != nlen || strncasecmp(pv->param, name, nlen) != 0) {
			continue;
		}
		if (pv->needs && !session_has_cap(s, pv->needs)) {
			continue;
		}
		cand = xasprintf("%s=%s", pv->param, pv->value);
		complete_offer(out, cand, pv->keep_case ? nlen + 1 : FOLD_ALL);
		free(cand);
	}
}

/* Third and later words of MAIL/RCPT: advertised parameters, or a parameter's values. */
static void smtp_params(struct cands *out, const struct complete_ctx *c, const struct linev *v,
	bool rcpt)
{
	struct names l = { .n = 0 };
	size_t nlen = param_name_len(out->word, out->wlen), i;

	advertised_params(c->sess, rcpt, &l);
	if (nlen < out->wlen) {
		/* A value: only for a parameter the server advertised. */
		for (i = 0; i < l.n; i++) {
			size_t tl = strlen(l.v[i]);

			if (tl == nlen + 1 && l.v[i][nlen] == '=' &&
			    strncasecmp(l.v[i], out->word, nlen) == 0) {
				param_value(out, c->sess, out->word, nlen);
				return;
			}
		}
		return;
	}
	for (i = 0; i < l.n; i++) {
		if (!param_on_line(v, l.v[i], param_name_len(l.v[i], strlen(l.v[i])))) {
			complete_offer(out, l.v[i], FOLD_ALL);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Other SMTP arguments */

void complete_auth_mechanisms(struct cands *out, const struct session *s)
{
	const struct session_cap *cap;
	const char *p;
	char mech[NAME_MAX_LEN];

	if (!caps_usable(s) || !(cap = session_cap_find(s, "AUTH"))) {
		return;
	}
	p = cap->params;
	while (next_token(&p, mech, sizeof(mech))) {
		complete_offer(out, mech, FOLD_ALL);
	}
}

void complete_smtp(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	char verb[NAME_MAX_LEN];
	size_t i, nv;

	if (v->argi == 0) {
		smtp_first_word(out, c);
		return;
	}
	complete_word_copy(v, 0, verb, sizeof(verb));
	out->lower_default = complete_typed_lower(verb, strlen(verb), false);
	if (strcasecmp(verb, "MAIL") == 0 || strcasecmp(verb, "RCPT") == 0) {
		bool rcpt = strcasecmp(verb, "RCPT") == 0;

		if (v->argi == 1) {
			smtp_path(out, c, rcpt ? "TO:<" : "FROM:<", !rcpt);
		} else {
			smtp_params(out, c, v, rcpt);
		}
	} else if (strcasecmp(verb, "AUTH") == 0 && v->argi == 1) {
		complete_auth_mechanisms(out, c->sess);
	} else if (strcasecmp(verb, "BDAT") == 0 && v->argi == 2) {
		complete_offer(out, "LAST", FOLD_ALL);
	} else if (strcasecmp(verb, "VRFY") == 0 && v->argi == 1) {
		for (i = 0; i < c->naddresses; i++) {
			size_t n;
			const char *a = address_bare(c->addresses[i], &n);

			if (n > 0) {
				char *s = xstrndup(a, n);

				complete_offer(out, s, 0);
				free(s);
			}
		}
	} else if ((strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0 ||
			strcasecmp(verb, "LHLO") == 0) && v->argi == 1 && c->ehlo_name && *c->ehlo_name) {
		complete_offer(out, c->ehlo_name, 0);
	} else if (strcasecmp(verb, "HELP") == 0 && v->argi == 1) {
		const struct smtp_verb *verbs = cmd_verbs(&nv);

		for (i = 0; i < nv; i++) {
			complete_offer(out, verbs[i].name, FOLD_ALL);
		}
	}
}


/* SPDX-License-Identifier: MIT */
/* Completion candidates from the command tables, the EHLO keyword table and the session. */
#include "complete.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "codes.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FOLD_ALL ((size_t)-1)
#define NAME_MAX_LEN 48
#define NAMES_MAX 96

/* The line being completed: the word under the cursor is words[argi]. */
struct linev {
	const char *s;
	size_t len;          /* of the whole line */
	size_t start, end;   /* the word typed so far */
	size_t argi;         /* index of that word, 0 for the command or verb */
};

struct cands {
	char **v;
	size_t n, cap;
	const char *word;    /* the word typed so far, not NUL-terminated */
	size_t wlen;
	bool lower_default;  /* case to follow when the word has no letters */
};

/* A small set of names (verbs, parameters), copied so that tokens can come from
 * space-separated table strings. */
struct names {
	char v[NAMES_MAX][NAME_MAX_LEN];
	size_t n;
};

/* ------------------------------------------------------------------------ */
/* Helpers */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Bounds of word i of the line, counting from 0; false when there is none. */
static bool nth_word(const struct linev *v, size_t i, size_t *b, size_t *e)
{
	size_t p = 0, k = 0;

	for (;;) {
		while (p < v->len && is_blank(v->s[p])) {
			p++;
		}
		if (p >= v->len) {
			return false;
		}
		*b = p;
		while (p < v->len && !is_blank(v->s[p])) {
			p++;
		}
		*e = p;
		if (k == i) {
			return true;
		}
		k++;
	}
}

/* Copy word i into out (truncated to fit); "" when there is none. */
static void word_copy(const struct linev *v, size_t i, char *out, size_t outlen)
{
	size_t b, e, n;

	out[0] = '\0';
	if (!nth_word(v, i, &b, &e)) {
		return;
	}
	n = e - b;
	if (n >= outlen) {
		n = outlen - 1;
	}
	memcpy(out, v->s + b, n);
	out[n] = '\0';
}

/* True when s[0..n) has letters and all of them are lower case; dflt without letters. */
static bool typed_lower(const char *s, size_t n, bool dflt)
{
	bool lower = false, upper = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (islower((unsigned char)s[i])) {
			lower = true;
		} else if (isupper((unsigned char)s[i])) {
			upper = true;
		}
	}
	if (!lower && !upper) {
		return dflt;
	}
	return lower && !upper;
}

/* Next space-separated token of *p into out; false at the end. */
static bool next_token(const char **p, char *out, size_t outlen)
{
	const char *s = *p, *b;
	size_t n;

	if (!s) {
		return false;
	}
	while (is_blank(*s)) {
		s++;
	}
	if (!*s) {
		*p = s;
		return false;
	}
	b = s;
	while (*s && !is_blank(*s)) {
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

/*
 * Offer cand when it starts with the word typed (case-insensitively). Its
 * first fold bytes are given in lower case when the word was typed in lower
 * case; the rest keeps its case (addresses, hosts, "rfc822;").
 */
static void offer(struct cands *c, const char *cand, size_t fold)
{
	size_t len = strlen(cand), i;
	char *s;

	if (len < c->wlen || strncasecmp(cand, c->word, c->wlen) != 0) {
		return;
	}
	s = xstrdup(cand);
	if (fold > len) {
		fold = len;
	}
	if (fold > 0 && typed_lower(c->word, c->wlen < fold ? c->wlen : fold, c->lower_default)) {
		for (i = 0; i < fold; i++) {
			s[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i], s) == 0) {
			free(s);
			return;
		}
	}
	if (c->n + 1 >= c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = s;
}

static void offer_names(struct cands *c, const struct names *l, size_t fold)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		offer(c, l->v[i], fold);
	}
}

static void offer_hosts(struct cands *c, const struct complete_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nhosts; i++) {
		if (ctx->hosts[i] && ctx->hosts[i][0]) {
			offer(c, ctx->hosts[i], 0);
		}
	}
}

static char **cands_finish(struct cands *c)
{
	if (c->n == 0) {
		free(c->v);
		return NULL;
	}
	c->v[c->n] = NULL;
	return c->v;
}

static void cands_discard(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i]);
	}
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
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
			offer(out, verbs[i].name, FOLD_ALL);
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
		offer(out, kw, FOLD_ALL);
		return;
	}
	for (i = 0; i < c->naddresses; i++) {
		size_t n;
		const char *a = address_bare(c->addresses[i], &n);

		if (n == 0) {
			continue;
		}
		s = xasprintf("%s%.*s>", kw, (int)n, a);
		offer(out, s, kl);
		free(s);
	}
	if (null_path) {
		s = xasprintf("%s>", kw);
		offer(out, s, kl);
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

	for (i = 2; nth_word(v, i, &b, &e); i++) {
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
		offer(out, s, FOLD_ALL);
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
		offer(out, cand, pv->keep_case ? nlen + 1 : FOLD_ALL);
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
			offer(out, l.v[i], FOLD_ALL);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Other SMTP arguments */

static void auth_mechanisms(struct cands *out, const struct session *s)
{
	const struct session_cap *cap;
	const char *p;
	char mech[NAME_MAX_LEN];

	if (!caps_usable(s) || !(cap = session_cap_find(s, "AUTH"))) {
		return;
	}
	p = cap->params;
	while (next_token(&p, mech, sizeof(mech))) {
		offer(out, mech, FOLD_ALL);
	}
}

static void complete_smtp(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	char verb[NAME_MAX_LEN];
	size_t i, nv;

	if (v->argi == 0) {
		smtp_first_word(out, c);
		return;
	}
	word_copy(v, 0, verb, sizeof(verb));
	out->lower_default = typed_lower(verb, strlen(verb), false);
	if (strcasecmp(verb, "MAIL") == 0 || strcasecmp(verb, "RCPT") == 0) {
		bool rcpt = strcasecmp(verb, "RCPT") == 0;

		if (v->argi == 1) {
			smtp_path(out, c, rcpt ? "TO:<" : "FROM:<", !rcpt);
		} else {
			smtp_params(out, c, v, rcpt);
		}
	} else if (strcasecmp(verb, "AUTH") == 0 && v->argi == 1) {
		auth_mechanisms(out, c->sess);
	} else if (strcasecmp(verb, "BDAT") == 0 && v->argi == 2) {
		offer(out, "LAST", FOLD_ALL);
	} else if (strcasecmp(verb, "VRFY") == 0 && v->argi == 1) {
		for (i = 0; i < c->naddresses; i++) {
			size_t n;
			const char *a = address_bare(c->addresses[i], &n);

			if (n > 0) {
				char *s = xstrndup(a, n);

				offer(out, s, 0);
				free(s);
			}
		}
	} else if ((strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0 ||
			strcasecmp(verb, "LHLO") == 0) && v->argi == 1 && c->ehlo_name && *c->ehlo_name) {
		offer(out, c->ehlo_name, 0);
	} else if (strcasecmp(verb, "HELP") == 0 && v->argi == 1) {
		const struct smtp_verb *verbs = cmd_verbs(&nv);

		for (i = 0; i < nv; i++) {
			offer(out, verbs[i].name, FOLD_ALL);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Local commands */

/* Settings of /set with their values, the one list completion knows. */
static const struct setting {
	const char *name;
	const char *values[4];
} settings[] = {
	{ "dns-server", { "system", NULL } },
	{ "explain", { "errors", "all", "off", NULL } },
	{ "on-error", { "stop", "continue", NULL } },
	{ "timeout", { NULL } },
	{ "tls-verify", { "on", "off", NULL } },
};

static void args_set(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	char name[NAME_MAX_LEN];
	size_t i, k;

	(void)c;
	if (v->argi == 1) {
		for (i = 0; i < NELEM(settings); i++) {
			offer(out, settings[i].name, 0);
		}
		return;
	}
	word_copy(v, 1, name, sizeof(name));
	for (i = 0; i < NELEM(settings); i++) {
		if (strcasecmp(settings[i].name, name) != 0) {
			continue;
		}
		for (k = 0; settings[i].values[k]; k++) {
			offer(out, settings[i].values[k], 0);
		}
	}
}

static void args_help(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	size_t i, n, nv;
	const struct cmd *cmds = cmd_table(&n);
	const struct smtp_verb *verbs = cmd_verbs(&nv);

	(void)c;
	(void)v;
	for (i = 0; i < n; i++) {
		char *s = xasprintf("/%s", cmds[i].name);

		offer(out, s, 0);
		free(s);
	}
	for (i = 0; i < nv; i++) {
		offer(out, verbs[i].name, FOLD_ALL);
	}
}

static void args_connect(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	static const struct {
		const char *prefix;
		bool host;   /* a host name follows */
	} schemes[] = {
		{ "smtp://", true },
		{ "smtps://", true },
		{ "lmtp://", true },
		{ "unix:", false },
		{ "mx:", true },
	};
	size_t i, k;

	(void)v;
	for (i = 0; i < NELEM(schemes); i++) {
		size_t pl = strlen(schemes[i].prefix);

		if (!schemes[i].host || out->wlen < pl ||
		    strncasecmp(out->word, schemes[i].prefix, pl) != 0) {
			continue;
		}
		for (k = 0; k < c->nhosts; k++) {
			char *s;

			if (!c->hosts[k] || !c->hosts[k][0]) {
				continue;
			}
			s = xasprintf("%s%s", schemes[i].prefix, c->hosts[k]);
			offer(out, s, 0);
			free(s);
		}
		return;
	}
	for (i = 0; i < NELEM(schemes); i++) {
		offer(out, schemes[i].prefix, 0);
	}
	offer_hosts(out, c);
}

static void args_expect(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	static const char *const patterns[] = { "2xx", "220", "221", "235", "250", "251", "354",
		"4xx", "421", "450", "451", "5xx", "530", "535", "550", "554", "5.7.1" };
	size_t i;

	(void)c;
	(void)v;
	for (i = 0; i < NELEM(patterns); i++) {
		offer(out, patterns[i], 0);
	}
}

static void args_dns(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	static const char *const types[] = { "A", "AAAA", "MX", "TXT", "TLSA", "PTR", "NS", "SOA",
		"CNAME", "SRV", "CAA", "DS", "DNSKEY" };
	size_t i;

	if (v->argi != 1) {
		offer_hosts(out, c);
		return;
	}
	for (i = 0; i < NELEM(types); i++) {
		offer(out, types[i], FOLD_ALL);
	}
}

static void args_hosts(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	(void)v;
	offer_hosts(out, c);
}

static void args_cert(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	(void)c;
	(void)v;
	offer(out, "--pem", 0);
}

static void args_auth(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	if (v->argi == 1) {
		auth_mechanisms(out, c->sess);
	}
}

typedef void args_fn(struct cands *out, const struct complete_ctx *c, const struct linev *v);

/*
 * Argument completers by command name. A command that is not in the command
 * table never reaches its entry, so entries may name commands still to come.
 */
static const struct arg_completer {
	const char *cmd;
	args_fn *fn;      /* NULL: file names */
} arg_completers[] = {
	{ "auth", args_auth },
	{ "bl", args_hosts },
	{ "cert", args_cert },
	{ "check", args_hosts },
	{ "connect", args_connect },
	{ "dane", args_hosts },
	{ "dmarc", args_hosts },
	{ "dns", args_dns },
	{ "expect", args_expect },
	{ "help", args_help },
	{ "mta-sts", args_hosts },
	{ "mx", args_hosts },
	{ "ptr", args_hosts },
	{ "send", NULL },
	{ "set", args_set },
	{ "source", NULL },
	{ "spf", args_hosts },
	{ "tls-rpt", args_hosts },
	{ "transcript", NULL },
};

/* The local command a line names ("/se" resolves like the dispatcher), or NULL. */
static const struct cmd *line_command(const char *line, size_t len)
{
	char name[NAME_MAX_LEN];
	size_t n = 0;
	bool ambiguous;

	if (len < 2 || line[0] != '/' || line[1] == '/') {
		return NULL;
	}
	while (1 + n < len && !is_blank(line[1 + n]) && n + 1 < sizeof(name)) {
		name[n] = line[1 + n];
		n++;
	}
	name[n] = '\0';
	return n ? cmd_find(name, &ambiguous) : NULL;
}

/* Returns false when the caller should complete file names instead. */
static bool complete_local(struct cands *out, const struct complete_ctx *c,
	const struct linev *v)
{
	const struct cmd *cmd;
	size_t i, n;

	if (v->argi == 0) {
		const struct cmd *cmds = cmd_table(&n);

		for (i = 0; i < n; i++) {
			char *s = xasprintf("/%s", cmds[i].name);

			offer(out, s, 0);
			free(s);
		}
		return true;
	}
	cmd = line_command(v->s, v->len);
	if (!cmd || (cmd->max_args >= 0 && v->argi > (size_t)cmd->max_args)) {
		return true;
	}
	for (i = 0; i < NELEM(arg_completers); i++) {
		if (strcmp(arg_completers[i].cmd, cmd->name) != 0) {
			continue;
		}
		if (!arg_completers[i].fn) {
			return false;
		}
		arg_completers[i].fn(out, c, v);
		break;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* API */

char **complete_line(const struct complete_ctx *c, const char *line, size_t start, size_t end,
	bool *want_files)
{
	struct linev v;
	struct cands out = { NULL, 0, 0, NULL, 0, false };
	size_t b, e;

	if (want_files) {
		*want_files = false;
	}
	if (!c || !line || c->in_data || (c->sess && c->sess->phase == SESSION_DATA)) {
		return NULL;
	}
	v.s = line;
	v.len = strlen(line);
	v.end = end > v.len ? v.len : end;
	v.start = start > v.end ? v.end : start;
	for (v.argi = 0; nth_word(&v, v.argi, &b, &e) && b < v.start; v.argi++) {
	}
	out.word = line + v.start;
	out.wlen = v.end - v.start;
	if (line[0] == '/') {
		if (line[1] == '/') {
			return NULL;
		}
		if (!complete_local(&out, c, &v)) {
			cands_discard(&out);
			if (want_files) {
				*want_files = true;
			}
			return NULL;
		}
	} else {
		complete_smtp(&out, c, &v);
	}
	return cands_finish(&out);
}

void complete_free(char **list)
{
	size_t i;

	if (!list) {
		return;
	}
	for (i = 0; list[i]; i++) {
		free(list[i]);
	}
	free(list);
}

char *complete_usage_dup(const char *line, size_t end)
{
	const struct smtp_verb *verb;
	const struct cmd *cmd;
	char name[NAME_MAX_LEN];
	size_t len, b = 0, n = 0;

	if (!line) {
		return NULL;
	}
	len = strlen(line);
	if (end < len) {
		len = end;
	}
	if (len > 0 && line[0] == '/') {
		cmd = line_command(line, len);
		if (!cmd) {
			return NULL;
		}
		return xasprintf("usage: /%s%s%s", cmd->name, cmd->args[0] ? " " : "", cmd->args);
	}
	while (b < len && is_blank(line[b])) {
		b++;
	}
	while (b + n < len && !is_blank(line[b + n]) && n + 1 < sizeof(name)) {
		name[n] = line[b + n];
		n++;
	}
	name[n] = '\0';
	verb = n ? cmd_verb_find(name) : NULL;
	return verb ? xasprintf("usage: %s", verb->syntax) : NULL;
}

bool complete_wants_space(const char *candidate)
{
	size_t n = candidate ? strlen(candidate) : 0;

	return n == 0 || !strchr("<=:/;,", candidate[n - 1]);
}

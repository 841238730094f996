/* SPDX-License-Identifier: MIT */
/*
 * Completion cases from a data file (complete-cases.txt): each block of lines
 * describes a session, built from real replies through the reply parser and
 * the session state machine, then inputs with the cursor marked by '|' and
 * the candidates expected. The file's own comments describe the format.
 */
#include "cmd.h"
#include "codes.h"
#include "complete.h"
#include "session.h"
#include "feed.h"
#include "tap.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef COMPLETE_CASES
#define COMPLETE_CASES "tests/unit/complete-cases.txt"
#endif

#define LIST_MAX 32

struct state {
	bool connected;
	bool have_ehlo;
	char *ehlo;
	bool helo, tls, stale, auth, in_data, adv_only;
	char *phase;
	char *addresses[LIST_MAX];
	size_t naddresses;
	char *hosts[LIST_MAX];
	size_t nhosts;
	char *requires[LIST_MAX];  /* local commands the block needs */
	size_t nrequires;
};

static void state_reset(struct state *st)
{
	size_t i;

	free(st->ehlo);
	free(st->phase);
	for (i = 0; i < st->naddresses; i++) {
		free(st->addresses[i]);
	}
	for (i = 0; i < st->nhosts; i++) {
		free(st->hosts[i]);
	}
	for (i = 0; i < st->nrequires; i++) {
		free(st->requires[i]);
	}
	memset(st, 0, sizeof(*st));
	st->connected = true;
	st->adv_only = true;
}

/* Split value at blanks into list (owned copies). */
static void split_words(const char *value, char **list, size_t *n)
{
	const char *p = value;

	while (*p) {
		const char *b;

		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (!*p) {
			break;
		}
		b = p;
		while (*p && *p != ' ' && *p != '\t') {
			p++;
		}
		if (*n < LIST_MAX) {
			list[(*n)++] = xstrndup(b, (size_t)(p - b));
		}
	}
}

/* Send a line and feed its reply. */
static void exchange(struct session *s, const char *line, const char *wire)
{
	session_line_sent(s, line);
	feed_replies(s, wire, NULL);
}

/* True when tok starts a new EHLO keyword line: a known keyword, or "AUTH=..." */
static bool is_keyword(const char *tok)
{
	char kw[64];
	size_t n = strcspn(tok, "=");

	if (n >= sizeof(kw)) {
		return false;
	}
	memcpy(kw, tok, n);
	kw[n] = '\0';
	return codes_ehlo_find(kw) != NULL;
}

/*
 * The EHLO reply for "PIPELINING SIZE 1000 AUTH PLAIN LOGIN": a token that is
 * a known keyword starts a line, others are parameters of the line before.
 * With ';' in the value the lines are exactly the ';'-separated parts.
 */
static char *ehlo_wire(const char *value)
{
	struct strbuf lines, wire;
	char *v = xstrdup(value), *p, *save = NULL;
	const char *sep = strchr(value, ';') ? ";" : " ";
	size_t i, start;
	bool first = true;

	strbuf_init(&lines);
	for (p = strtok_r(v, sep, &save); p; p = strtok_r(NULL, sep, &save)) {
		while (*p == ' ') {
			p++;
		}
		if (!*p) {
			continue;
		}
		if (sep[0] == ';' || first || is_keyword(p)) {
			strbuf_adds(&lines, "\n");
			strbuf_adds(&lines, p);
		} else {
			strbuf_adds(&lines, " ");
			strbuf_adds(&lines, p);
		}
		first = false;
	}
	free(v);
	strbuf_init(&wire);
	strbuf_adds(&wire, "250");
	strbuf_adds(&wire, lines.len ? "-" : " ");
	strbuf_adds(&wire, "mx.example.org Hello client.example.net\r\n");
	start = 1;
	for (i = 1; lines.s && i <= lines.len; i++) {
		if (i == lines.len || lines.s[i] == '\n') {
			bool last = i == lines.len;

			strbuf_addf(&wire, "250%c%.*s\r\n", last ? ' ' : '-', (int)(i - start),
				lines.s + start);
			start = i + 1;
		}
	}
	strbuf_finish(&lines);
	return strbuf_steal(&wire);
}

/* Build the session a block describes. Returns false (with why) if it differs from
 * the phase the block names. */
static bool build(struct session *s, const struct state *st, char *why, size_t whylen)
{
	session_init(s, false);
	why[0] = '\0';
	if (!st->connected) {
		return true;
	}
	session_connected(s);
	feed_replies(s, "220 mx.example.org ESMTP\r\n", NULL);
	if (st->tls) {
		session_tls_started(s);
	}
	if (st->have_ehlo) {
		char *wire = ehlo_wire(st->ehlo);

		exchange(s, "EHLO client.example.net", wire);
		free(wire);
	} else if (st->helo) {
		exchange(s, "HELO client.example.net", "250 mx.example.org\r\n");
	}
	if (st->stale) {
		session_tls_started(s);
	}
	if (st->auth) {
		exchange(s, "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
			"235 2.7.0 Authentication successful\r\n");
	}
	if (st->phase) {
		const char *ph = st->phase;

		if (strcmp(ph, "mail") == 0 || strcmp(ph, "rcpt") == 0 || strcmp(ph, "data") == 0) {
			exchange(s, "MAIL FROM:<alice@example.org>", "250 2.1.0 Ok\r\n");
		}
		if (strcmp(ph, "rcpt") == 0 || strcmp(ph, "data") == 0) {
			exchange(s, "RCPT TO:<bob@example.net>", "250 2.1.5 Ok\r\n");
		}
		if (strcmp(ph, "data") == 0) {
			exchange(s, "DATA", "354 End data with <CR><LF>.<CR><LF>\r\n");
		}
		if (strcmp(ph, "quitting") == 0) {
			exchange(s, "QUIT", "221 2.0.0 Bye\r\n");
		}
		if (strcmp(session_phase_name(s->phase), ph) != 0) {
			snprintf(why, whylen, "session is in phase %s, the case wants %s",
				session_phase_name(s->phase), ph);
			return false;
		}
	}
	return true;
}

static bool yes(const char *v)
{
	return strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

/* Words of s joined by one space (the canonical form of an expect: line). */
static char *normalize(const char *s)
{
	char *list[LIST_MAX * 4];
	size_t n = 0, i;
	struct strbuf b;
	const char *p = s;

	while (*p && n < sizeof(list) / sizeof(list[0])) {
		const char *w;

		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (!*p) {
			break;
		}
		w = p;
		while (*p && *p != ' ' && *p != '\t') {
			p++;
		}
		list[n++] = xstrndup(w, (size_t)(p - w));
	}
	strbuf_init(&b);
	strbuf_adds(&b, "");
	for (i = 0; i < n; i++) {
		strbuf_addf(&b, "%s%s", i ? " " : "", list[i]);
		free(list[i]);
	}
	return strbuf_steal(&b);
}

static char *join(char **list)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	strbuf_adds(&b, "");
	for (i = 0; list && list[i]; i++) {
		strbuf_addf(&b, "%s%s", i ? " " : "", list[i]);
	}
	return strbuf_steal(&b);
}

struct input {
	char *line;      /* without the cursor mark */
	size_t start, end;
	int lineno;
};

/* Run one expectation line against the current state and input. */
static void run_case(const char *file, const struct state *st, const struct input *in,
	const char *key, const char *value, int lineno)
{
	struct session s;
	struct complete_ctx ctx;
	char why[160];
	char **got = NULL;
	char *g = NULL, *w = NULL;
	bool files = false, pass;

	if (!in->line) {
		ok(0, "%s:%d: %s before any input:", file, lineno, key);
		return;
	}
	for (size_t i = 0; i < st->nrequires; i++) {
		bool ambiguous;
		const struct cmd *cmd = cmd_find(st->requires[i], &ambiguous);

		if (!cmd || strcmp(cmd->name, st->requires[i]) != 0) {
			printf("ok %d # skip %s:%d: /%s is not in the command table\n",
				++tap_n, file, lineno, st->requires[i]);
			return;
		}
	}
	if (!build(&s, st, why, sizeof(why))) {
		ok(0, "%s:%d: \"%s\"", file, lineno, in->line);
		printf("#   %s\n", why);
		session_finish(&s);
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.sess = st->connected ? &s : NULL;
	ctx.in_data = st->in_data;
	ctx.addresses = (const char *const *)st->addresses;
	ctx.naddresses = st->naddresses;
	ctx.hosts = (const char *const *)st->hosts;
	ctx.nhosts = st->nhosts;
	ctx.advertised_only = st->adv_only;

	if (strcmp(key, "usage") == 0 || strcmp(key, "usage-none") == 0) {
		char *u = complete_usage_dup(in->line, in->end);

		g = xstrdup(u ? u : "(none)");
		w = value ? xasprintf("usage: %s", value) : xstrdup("(none)");
		free(u);
	} else {
		got = complete_line(&ctx, in->line, in->start, in->end, &files);
		if (files) {
			g = xasprintf("(files)%s%s", got ? " and " : "", got ? "candidates" : "");
		} else if (!got) {
			g = xstrdup("(none)");
		} else if (!got[0]) {
			g = xstrdup("(empty list instead of NULL)");
		} else {
			g = join(got);
		}
		if (strcmp(key, "expect") == 0) {
			w = normalize(value ? value : "");
		} else if (strcmp(key, "expect-files") == 0) {
			w = xstrdup("(files)");
		} else {
			w = xstrdup("(none)");
		}
	}
	pass = strcmp(g, w) == 0;
	ok(pass, "%s:%d: \"%s\" (cursor at %zu)", file, lineno, in->line, in->end);
	if (!pass) {
		printf("#   %s:%d: got:  %s\n", file, lineno, g);
		printf("#   %s:%d: want: %s\n", file, lineno, w);
	}
	complete_free(got);
	free(g);
	free(w);
	session_finish(&s);
}

static void set_input(struct input *in, const char *value, int lineno)
{
	const char *bar = strchr(value, '|');
	size_t len = strlen(value), cur = bar ? (size_t)(bar - value) : len;

	free(in->line);
	in->line = xmalloc(len + 1);
	memcpy(in->line, value, cur);
	if (bar) {
		memcpy(in->line + cur, bar + 1, len - cur - 1);
		in->line[len - 1] = '\0';
	} else {
		in->line[len] = '\0';
	}
	/* The word starts after the last blank before the cursor, as the caller breaks words. */
	in->end = cur;
	in->start = cur;
	while (in->start > 0 && in->line[in->start - 1] != ' ' && in->line[in->start - 1] != '\t') {
		in->start--;
	}
	in->lineno = lineno;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[2048];
	struct state st;
	struct input in = { NULL, 0, 0, 0 };
	int lineno = 0, cases = 0;

	if (!f) {
		ok(0, "open %s", path);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	state_reset(&st);
	while (fgets(buf, sizeof(buf), f)) {
		size_t n = strlen(buf);
		char *key = buf, *value = NULL, *colon;

		lineno++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
			buf[--n] = '\0';
		}
		if (buf[0] == '#') {
			continue;
		}
		if (strspn(buf, " \t") == n) {
			/* A blank line ends the block: back to a fresh, greeted session. */
			state_reset(&st);
			free(in.line);
			in.line = NULL;
			continue;
		}
		colon = strchr(buf, ':');
		if (colon) {
			*colon = '\0';
			value = colon + 1;
			if (*value == ' ') {
				value++;
			}
		}
		if (strcmp(key, "input") == 0 && value) {
			set_input(&in, value, lineno);
			continue;
		}
		if (strcmp(key, "expect") == 0 || strcmp(key, "expect-none") == 0 ||
		    strcmp(key, "expect-files") == 0 || strcmp(key, "usage") == 0 ||
		    strcmp(key, "usage-none") == 0) {
			run_case(path, &st, &in, key, value, lineno);
			cases++;
			continue;
		}
		if (!value) {
			ok(0, "%s:%d: unknown line \"%s\"", path, lineno, buf);
			continue;
		}
		while (*value == ' ' || *value == '\t') {
			value++;
		}
		if (strcmp(key, "ehlo") == 0) {
			free(st.ehlo);
			st.ehlo = xstrdup(value);
			st.have_ehlo = true;
		} else if (strcmp(key, "helo") == 0) {
			st.helo = yes(value);
		} else if (strcmp(key, "phase") == 0) {
			free(st.phase);
			st.phase = xstrdup(value);
		} else if (strcmp(key, "tls") == 0) {
			st.tls = yes(value);
		} else if (strcmp(key, "tls-started-after-ehlo") == 0) {
			st.stale = yes(value);
		} else if (strcmp(key, "authenticated") == 0) {
			st.auth = yes(value);
		} else if (strcmp(key, "connected") == 0) {
			st.connected = yes(value);
		} else if (strcmp(key, "in-data") == 0) {
			st.in_data = yes(value);
		} else if (strcmp(key, "advertised-only") == 0) {
			st.adv_only = yes(value);
		} else if (strcmp(key, "addresses") == 0) {
			split_words(value, st.addresses, &st.naddresses);
		} else if (strcmp(key, "hosts") == 0) {
			split_words(value, st.hosts, &st.nhosts);
		} else if (strcmp(key, "requires") == 0) {
			split_words(value, st.requires, &st.nrequires);
		} else {
			ok(0, "%s:%d: unknown key \"%s\"", path, lineno, key);
		}
	}
	fclose(f);
	free(in.line);
	state_reset(&st);
	return cases;
}

/* What the data file cannot express: the helpers around the candidate list. */
static void test_api(void)
{
	bool files = true;
	struct complete_ctx ctx;
	char **list;

	memset(&ctx, 0, sizeof(ctx));
	complete_free(NULL);
	list = complete_line(&ctx, "", 0, 0, &files);
	ok(list && list[0] && !files, "an empty line offers the verbs");
	complete_free(list);
	files = true;
	ok(complete_line(NULL, "MAIL", 0, 4, &files) == NULL && !files, "no context: nothing");
	list = complete_line(&ctx, "EH", 0, 2, NULL);
	ok(list && list[0] && strcmp(list[0], "EHLO") == 0 && !list[1], "want_files may be NULL");
	complete_free(list);
	list = complete_line(&ctx, "EH", 0, 9, NULL);
	ok(list && strcmp(list[0], "EHLO") == 0, "an end past the line is clamped");
	complete_free(list);
	ok(!complete_wants_space("FROM:<"), "no space after FROM:<");
	ok(!complete_wants_space("SIZE="), "no space after SIZE=");
	ok(!complete_wants_space("ORCPT=rfc822;"), "no space after ORCPT=rfc822;");
	ok(!complete_wants_space("smtp://"), "no space after smtp://");
	ok(!complete_wants_space("unix:"), "no space after unix:");
	ok(complete_wants_space("FROM:<>"), "a space after FROM:<>");
	ok(complete_wants_space("MAIL"), "a space after MAIL");
	ok(complete_wants_space("/connect"), "a space after /connect");
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : COMPLETE_CASES;
	int cases;

	test_api();
	cases = run_file(path);
	ok(cases >= 40, "%d completion cases in %s", cases, path);
	return done_testing();
}

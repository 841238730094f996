/* SPDX-License-Identifier: MIT */
/* AUTH through a SASL mechanism, driven by the shell core. */
#include "shell_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"
#include "tls_crypto.h"
#include "util.h"

#define SECRET_ENV_DEFAULT "SMTPSH_SECRET"
#define AUTH_STEPS_MAX 10

static void secret_free(char *s)
{
	if (s) {
		tlsc_cleanse(s, strlen(s));
		free(s);
	}
}

/* The first line of a file, without its line ending. */
static char *read_secret_file(struct shell *sh, const char *path)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	before_wait();   /* the file may be a pipe, from a password manager say */
	fp = fopen(path, "r");
	if (!fp) {
		shell_emit(sh, RENDER_ERROR, "/auth: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n < 0) {
		free(line);
		shell_emit(sh, RENDER_ERROR, "/auth: %s is empty", path);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static char *get_secret(struct shell *sh, const struct shell_auth_req *req, bool token)
{
	const char *env = req->secret_env ? req->secret_env : SECRET_ENV_DEFAULT;
	const char *v;

	if (req->secret_file)
		return read_secret_file(sh, req->secret_file);
	v = getenv(env);
	if (v && *v)
		return xstrdup(v);
	if (req->secret_env) {
		shell_emit(sh, RENDER_ERROR, "/auth: the environment variable %s is not set", env);
		return NULL;
	}
	if (sh->ask_secret) {
		char *prompt = xasprintf("%s for %s: ", token ? "Token" : "Password",
			req->user && *req->user ? req->user : "AUTH");
		char *s = sh->ask_secret(sh, prompt);

		free(prompt);
		if (!s)
			shell_emit(sh, RENDER_EVENT, "/auth: cancelled");
		return s;
	}
	shell_emit(sh, RENDER_ERROR,
		"/auth: no secret: batch mode never prompts; set %s, or use --secret-env NAME or --secret-file FILE",
		SECRET_ENV_DEFAULT);
	return NULL;
}

/* Is word one of the blank-separated words of list (case-insensitive)? */
static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);

	while (*list) {
		size_t n;

		list += strspn(list, " \t");
		n = strcspn(list, " \t");
		if (n == wl && strncasecmp(list, word, wl) == 0)
			return true;
		list += n;
	}
	return false;
}

static enum shell_status send_and_wait(struct shell *sh, const char *line, const char *display)
{
	const char *dec = display ? strstr(display, " (decoded: ") : NULL;
	enum shell_status st;

	if (dec) {
		/* The sent line shows (and is recorded) as sent, so a replay sends
		 * the same bytes; what it decodes to is an event of its own. */
		char *shown = xstrndup(display, (size_t)(dec - display));
		size_t dl = strlen(dec + 11);

		st = shell_send_secret(sh, line, shown);
		if (st == SHELL_OK)
			shell_emit(sh, RENDER_EVENT, "decoded: %.*s", (int)(dl && dec[11 + dl - 1] == ')' ? dl - 1 : dl),
				dec + 11);
		free(shown);
	} else {
		st = shell_send_secret(sh, line, display);
	}
	if (st == SHELL_OK)
		st = shell_wait(sh);
	return st;
}

/* The text of a 334 reply after the code. */
static const char *challenge_of(const struct reply *r)
{
	return r->nlines ? reply_line_text(&r->lines[0]) : "";
}

enum shell_status shell_auth(struct shell *sh, const struct shell_auth_req *req)
{
	enum sasl_mech m;
	struct sasl *sasl = NULL;
	struct err e;
	char *secret = NULL, *line = NULL, *display = NULL, *decoded = NULL;
	enum shell_status st = SHELL_OK;
	unsigned port = 0;
	int steps;

	err_clear(&e);
	if (!sasl_mech_from_name(req->mech, &m)) {
		shell_emit(sh, RENDER_ERROR,
			"/auth: unknown mechanism %s (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER, SCRAM-SHA-256)",
			req->mech);
		return SHELL_USAGE;
	}
	if (!shell_connected(sh)) {
		shell_emit(sh, RENDER_ERROR, "not connected (use /connect TARGET)");
		return SHELL_CONN;
	}
	if (sh->sess.caps_valid && !sh->sess.caps_stale) {
		const struct session_cap *c = session_cap_find(&sh->sess, "AUTH");

		if (!c)
			shell_emit(sh, RENDER_WARN, "warning: AUTH not advertised in EHLO");
		else if (!word_in(c->params, sasl_mech_name(m)))
			shell_emit(sh, RENDER_WARN, "warning: %s is not among the advertised mechanisms (%s)",
				sasl_mech_name(m), c->params);
	}
	/* PLAIN, LOGIN and the bearer tokens get session.c's warning when the line is sent. */
	if (!sh->sess.tls && (m == SASL_CRAM_MD5 || m == SASL_SCRAM_SHA_256))
		shell_emit(sh, RENDER_WARN,
			"warning: AUTH over a plaintext connection: the user name shows and the exchange can be downgraded");
	secret = get_secret(sh, req, m == SASL_XOAUTH2 || m == SASL_OAUTHBEARER);
	if (!secret)
		return sh->ask_secret ? SHELL_FAILED : SHELL_USAGE;
	if (sh->target.kind == TARGET_INET) {
		long p;

		if (str_to_long(sh->target.port, 1, 65535, &p))
			port = (unsigned)p;
	}
	sasl = sasl_create(m, req->user, secret, req->authzid,
		sh->target.kind == TARGET_INET ? sh->target.host : NULL, port, &e);
	secret_free(secret);
	secret = NULL;
	if (!sasl) {
		shell_emit(sh, RENDER_ERROR, "/auth: %s", e.msg);
		return SHELL_USAGE;
	}
	if (!sasl_start(sasl, &line, &display, &e)) {
		shell_emit(sh, RENDER_ERROR, "/auth: %s", e.msg);
		st = SHELL_FAILED;
		goto out;
	}
	st = send_and_wait(sh, line, display);
	for (steps = 0; st == SHELL_OK && sh->have_last && sh->last.code == 334; steps++) {
		char *safe;

		sasl_line_free(line);
		free(display);
		line = display = NULL;
		free(decoded);
		decoded = NULL;
		if (steps >= AUTH_STEPS_MAX) {
			shell_emit(sh, RENDER_ERROR, "/auth: more than %d challenges: cancelling", AUTH_STEPS_MAX);
			st = send_and_wait(sh, "*", "*");
			break;
		}
		if (!sasl_step(sasl, challenge_of(&sh->last), &line, &display, &decoded, &e)) {
			if (decoded) {
				safe = render_sanitize_dup(decoded, strlen(decoded));
				shell_emit(sh, RENDER_EVENT, "challenge: %s", safe);
				free(safe);
			}
			shell_emit(sh, RENDER_ERROR, "/auth: %s; cancelling with \"*\"", e.msg);
			st = send_and_wait(sh, "*", "*");
			if (st == SHELL_OK)
				st = SHELL_FAILED;
			break;
		}
		safe = render_sanitize_dup(decoded ? decoded : "", decoded ? strlen(decoded) : 0);
		shell_emit(sh, RENDER_EVENT, "challenge: %s", safe);
		free(safe);
		st = send_and_wait(sh, line, display);
	}
	if (st == SHELL_OK && sh->have_last && sh->last.code == 235) {
		if (!sasl_finished_ok(sasl)) {
			shell_emit(sh, RENDER_ERROR,
				"/auth: the server said 235 but did not prove it knows the password (no valid server signature)");
			st = SHELL_FAILED;
		} else {
			shell_emit(sh, RENDER_EVENT, "authenticated as %s with %s",
				req->user ? req->user : "(token)", sasl_mech_name(m));
		}
	}
out:
	sasl_line_free(line);
	free(display);
	free(decoded);
	sasl_destroy(sasl);
	return st;
}

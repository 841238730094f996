/* SPDX-License-Identifier: MIT */
/* Handlers of the session commands: connect, close, quit, ehlo, expect, explain, set, sleep, echo. */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "explain.h"
#include "interrupt.h"
#include "script.h"
#include "shell_auth.h"
#include "shell_dns.h"
#include "shell_send.h"
#include "shell_tls.h"
#include "shell_transcript.h"
#include "util.h"

enum shell_status cmd_connect(struct shell *sh, int argc, char **argv)
{
	struct target t;
	struct err e;

	(void)argc;
	err_clear(&e);
	if (!target_parse(argv[1], &t, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		return SHELL_USAGE;
	}
	return shell_connect(sh, &t);
}

enum shell_status cmd_close(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	shell_close(sh, "connection closed");
	return SHELL_OK;
}

enum shell_status cmd_quit(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	shell_close(sh, "connection closed");
	return SHELL_QUIT;
}

enum shell_status cmd_echo(struct shell *sh, int argc, char **argv)
{
	struct strbuf b;
	char *safe;
	int i;

	strbuf_init(&b);
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strbuf_adds(&b, " ");
		strbuf_adds(&b, argv[i]);
	}
	safe = render_sanitize_dup(b.s ? b.s : "", b.len);
	shell_emit(sh, RENDER_INFO, "%s", safe);
	free(safe);
	strbuf_finish(&b);
	return SHELL_OK;
}

enum shell_status cmd_ehlo(struct shell *sh, int argc, char **argv)
{
	const struct session *s = &sh->sess;
	size_t i;

	(void)argc;
	(void)argv;
	if (s->helo_only) {
		shell_emit(sh, RENDER_INFO, "HELO was used: the server announced no extensions");
		return SHELL_OK;
	}
	if (!s->caps_valid) {
		shell_emit(sh, RENDER_INFO, "no EHLO reply yet: send EHLO (LHLO for LMTP) first");
		return SHELL_OK;
	}
	shell_emit(sh, RENDER_INFO, "%s capabilities of %s%s:", s->lmtp ? "LHLO" : "EHLO",
		s->ehlo_domain ? s->ehlo_domain : "?",
		s->caps_stale ? " (STALE: learned before TLS, send EHLO again)" : "");
	if (s->ncaps == 0)
		shell_emit(sh, RENDER_INFO, "  (none)");
	for (i = 0; i < s->ncaps; i++) {
		const struct code_ehlo *k = codes_ehlo_find(s->caps[i].keyword);
		char *kw = render_sanitize_dup(s->caps[i].keyword, strlen(s->caps[i].keyword));
		char *pa = render_sanitize_dup(s->caps[i].params, strlen(s->caps[i].params));
		char left[80];

		snprintf(left, sizeof(left), "%s%s%s", kw, pa[0] ? " " : "", pa);
		if (k)
			shell_emit(sh, RENDER_INFO, "  %-30s %s (%s)", left, k->meaning, k->rfc);
		else
			shell_emit(sh, RENDER_INFO, "  %-30s unknown extension", left);
		free(kw);
		free(pa);
	}
	return SHELL_OK;
}

/* "250", "2xx", "25x" against a code. */
static bool match_code(const char *pat, int code)
{
	char digits[4];
	int i;

	if (strlen(pat) != 3 || code < 100 || code > 999)
		return false;
	snprintf(digits, sizeof(digits), "%d", code);
	for (i = 0; i < 3; i++) {
		if (pat[i] == 'x' || pat[i] == 'X')
			continue;
		if (pat[i] != digits[i])
			return false;
	}
	return true;
}

/* "5.7.1", "5.x.x" against an enhanced code, component by component. */
static bool match_esc(const char *pat, const char *esc)
{
	while (*pat && *esc) {
		size_t pl = strcspn(pat, "."), el = strcspn(esc, ".");

		if (!(pl == 1 && (*pat == 'x' || *pat == 'X')) && (pl != el || strncmp(pat, esc, pl) != 0))
			return false;
		pat += pl;
		esc += el;
		if (*pat != *esc)
			return false;
		if (*pat == '.') {
			pat++;
			esc++;
		}
	}
	return !*pat && !*esc;
}

static bool valid_pattern(const char *p)
{
	size_t i, dots = 0;

	if (strchr(p, '.')) {
		for (i = 0; p[i]; i++) {
			if (p[i] == '.')
				dots++;
			else if (!(p[i] >= '0' && p[i] <= '9') && p[i] != 'x' && p[i] != 'X')
				return false;
		}
		return dots == 2 && p[0] != '.' && p[strlen(p) - 1] != '.' && !strstr(p, "..");
	}
	if (strlen(p) != 3)
		return false;
	for (i = 0; i < 3; i++)
		if (!(p[i] >= '0' && p[i] <= '9') && p[i] != 'x' && p[i] != 'X')
			return false;
	return true;
}

enum shell_status cmd_expect(struct shell *sh, int argc, char **argv)
{
	struct strbuf want;
	char *got;
	int i;

	for (i = 1; i < argc; i++) {
		if (!valid_pattern(argv[i])) {
			char *safe = render_sanitize_dup(argv[i], strlen(argv[i]));

			shell_emit(sh, RENDER_ERROR, "/expect: \"%s\" is not a code (250), a class (2xx) or an enhanced code (5.7.1)", safe);
			free(safe);
			return SHELL_USAGE;
		}
	}
	strbuf_init(&want);
	for (i = 1; i < argc; i++)
		strbuf_addf(&want, "%s%s", i > 1 ? " or " : "", argv[i]);
	if (!sh->have_last) {
		shell_emit(sh, RENDER_ERROR, "expectation failed: wanted %s, but no reply has arrived", want.s);
		strbuf_finish(&want);
		return SHELL_EXPECT;
	}
	for (i = 1; i < argc; i++) {
		bool hit = strchr(argv[i], '.') ? match_esc(argv[i], sh->last.esc)
				: match_code(argv[i], sh->last.code);

		if (hit) {
			strbuf_finish(&want);
			return SHELL_OK;
		}
	}
	got = sh->last.nlines ? render_sanitize_dup(sh->last.lines[sh->last.nlines - 1].text,
					sh->last.lines[sh->last.nlines - 1].len)
			      : xstrdup("");
	snprintf(sh->failed_verb, sizeof(sh->failed_verb), "%s", sh->sess.last_verb);
	shell_emit(sh, RENDER_ERROR, "expectation failed: wanted %s, got %d%s%s (\"%s\")", want.s,
		sh->last.code, sh->last.esc[0] ? " " : "", sh->last.esc, got);
	free(got);
	strbuf_finish(&want);
	return SHELL_EXPECT;
}

enum shell_status cmd_explain(struct shell *sh, int argc, char **argv)
{
	struct strbuf arg;
	struct err e;
	char *text, *line, *save = NULL;
	int i;

	err_clear(&e);
	strbuf_init(&arg);
	for (i = 1; i < argc; i++)
		strbuf_addf(&arg, "%s%s", i > 1 ? " " : "", argv[i]);
	text = explain_code_dup(arg.s, &e);
	strbuf_finish(&arg);
	if (!text) {
		char *safe = render_sanitize_dup(e.msg, strlen(e.msg));

		shell_emit(sh, RENDER_ERROR, "%s", safe);
		free(safe);
		return SHELL_USAGE;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		shell_emit(sh, RENDER_INFO, "%s", line);
	free(text);
	return SHELL_OK;
}

static const char *const explain_names[] = { "off", "errors", "all" };

enum shell_status cmd_set(struct shell *sh, int argc, char **argv)
{
	if (argc == 1) {
		shell_emit(sh, RENDER_INFO, "timeout %d.%d", sh->opts.timeout_ms / 1000,
			(sh->opts.timeout_ms % 1000) / 100);
		shell_emit(sh, RENDER_INFO, "explain %s", explain_names[sh->opts.explain]);
		shell_emit(sh, RENDER_INFO, "tls-verify %s", sh->opts.tls_verify ? "on" : "off");
		shell_emit(sh, RENDER_INFO, "on-error %s", sh->opts.keep_going ? "continue" : "stop");
		shell_emit(sh, RENDER_INFO, "dns-server %s", dns_server_desc(shell_dns(sh)));
		return SHELL_OK;
	}
	if (strcasecmp(argv[1], "timeout") == 0) {
		double v;
		char *end;

		if (argc == 2) {
			shell_emit(sh, RENDER_INFO, "timeout %d.%d", sh->opts.timeout_ms / 1000,
				(sh->opts.timeout_ms % 1000) / 100);
			return SHELL_OK;
		}
		errno = 0;
		v = strtod(argv[2], &end);
		if (errno || *end || !(v > 0 && v <= 86400)) {
			shell_emit(sh, RENDER_ERROR, "/set timeout: seconds between 0 and 86400, e.g. 30 or 2.5");
			return SHELL_USAGE;
		}
		sh->opts.timeout_ms = (int)lround(v * 1000);
		return SHELL_OK;
	}
	if (strcasecmp(argv[1], "explain") == 0) {
		size_t i;

		if (argc == 2) {
			shell_emit(sh, RENDER_INFO, "explain %s", explain_names[sh->opts.explain]);
			return SHELL_OK;
		}
		for (i = 0; i < 3; i++) {
			if (strcasecmp(argv[2], explain_names[i]) == 0) {
				sh->opts.explain = (enum explain_mode)i;
				return SHELL_OK;
			}
		}
		shell_emit(sh, RENDER_ERROR, "/set explain: off, errors or all");
		return SHELL_USAGE;
	}
	if (strcasecmp(argv[1], "tls-verify") == 0) {
		if (argc == 2) {
			shell_emit(sh, RENDER_INFO, "tls-verify %s", sh->opts.tls_verify ? "on" : "off");
			return SHELL_OK;
		}
		if (strcasecmp(argv[2], "on") == 0 || strcasecmp(argv[2], "off") == 0) {
			sh->opts.tls_verify = strcasecmp(argv[2], "on") == 0;
			return SHELL_OK;
		}
		shell_emit(sh, RENDER_ERROR, "/set tls-verify: on or off");
		return SHELL_USAGE;
	}
	if (strcasecmp(argv[1], "on-error") == 0) {
		if (argc == 2) {
			shell_emit(sh, RENDER_INFO, "on-error %s", sh->opts.keep_going ? "continue" : "stop");
			return SHELL_OK;
		}
		if (strcasecmp(argv[2], "stop") == 0 || strcasecmp(argv[2], "continue") == 0) {
			sh->opts.keep_going = strcasecmp(argv[2], "continue") == 0;
			return SHELL_OK;
		}
		shell_emit(sh, RENDER_ERROR, "/set on-error: stop or continue");
		return SHELL_USAGE;
	}
	if (strcasecmp(argv[1], "dns-server") == 0) {
		struct err e;

		err_clear(&e);
		if (argc == 2) {
			shell_emit(sh, RENDER_INFO, "dns-server %s", dns_server_desc(shell_dns(sh)));
			return SHELL_OK;
		}
		if (!dns_set_server(shell_dns(sh), strcasecmp(argv[2], "system") == 0 ? NULL : argv[2], &e)) {
			shell_emit(sh, RENDER_ERROR, "/set dns-server: %s", e.msg);
			return SHELL_USAGE;
		}
		return SHELL_OK;
	}
	shell_emit(sh, RENDER_ERROR, "/set: unknown setting (timeout, explain, tls-verify, on-error, dns-server)");
	return SHELL_USAGE;
}

enum shell_status cmd_sleep(struct shell *sh, int argc, char **argv)
{
	double v;
	char *end;
	int64_t until;

	(void)argc;
	errno = 0;
	v = strtod(argv[1], &end);
	if (errno || *end || !(v >= 0 && v <= 86400)) {
		shell_emit(sh, RENDER_ERROR, "/sleep: seconds between 0 and 86400");
		return SHELL_USAGE;
	}
	until = now_ms() + (int64_t)llround(v * 1000);
	for (;;) {
		int64_t left = until - now_ms();
		struct pollfd pfd = { .fd = shell_fd(sh), .events = POLLIN };
		int rc;

		if (interrupt_pending())
			return SHELL_INTERRUPTED;
		if (left <= 0)
			return SHELL_OK;
		before_wait();
		rc = poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc > 0)
			shell_io(sh);
	}
}

enum shell_status cmd_starttls(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return shell_send_smtp(sh, "STARTTLS");
}

enum shell_status cmd_tls(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return shell_tls_show(sh);
}

enum shell_status cmd_cert(struct shell *sh, int argc, char **argv)
{
	long index = 0;
	bool pem = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pem") == 0) {
			pem = true;
		} else if (!str_to_long(argv[i], 0, 99, &index)) {
			shell_emit(sh, RENDER_ERROR, "usage: /cert [index] [--pem]");
			return SHELL_USAGE;
		}
	}
	return shell_tls_show_cert(sh, (int)index, pem);
}

enum shell_status cmd_timing(struct shell *sh, int argc, char **argv)
{
	if (argc == 1) {
		shell_emit(sh, RENDER_INFO, "timing %s", sh->opts.timing ? "on" : "off");
		return SHELL_OK;
	}
	if (strcasecmp(argv[1], "on") == 0 || strcasecmp(argv[1], "off") == 0) {
		sh->opts.timing = strcasecmp(argv[1], "on") == 0;
		return SHELL_OK;
	}
	shell_emit(sh, RENDER_ERROR, "usage: /timing [on|off]");
	return SHELL_USAGE;
}

enum shell_status cmd_history(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!sh->show_history) {
		shell_emit(sh, RENDER_ERROR, "/history: there is no history in batch mode");
		return SHELL_FAILED;
	}
	sh->show_history(sh);
	return SHELL_OK;
}

enum shell_status cmd_source(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	return script_source_file(sh, argv[1]);
}

enum shell_status cmd_send(struct shell *sh, int argc, char **argv)
{
	const char *path = NULL;
	bool bdat = false;
	long chunk = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bdat") == 0) {
			bdat = true;
		} else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
			if (!str_to_long(argv[++i], 1, 1L << 30, &chunk)) {
				shell_emit(sh, RENDER_ERROR, "/send: --chunk takes a size in octets (1 to 1073741824)");
				return SHELL_USAGE;
			}
			bdat = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			shell_emit(sh, RENDER_ERROR, "usage: /send [file] [--bdat] [--chunk octets]");
			return SHELL_USAGE;
		} else if (!path) {
			path = argv[i];
		} else {
			shell_emit(sh, RENDER_ERROR, "usage: /send [file] [--bdat] [--chunk octets]");
			return SHELL_USAGE;
		}
	}
	/* The message file may be a pipe whose writer is not there yet. */
	if (path)
		before_wait();
	return shell_send_message(sh, path, bdat, (size_t)chunk);
}

enum shell_status cmd_pipeline(struct shell *sh, int argc, char **argv)
{
	size_t i;

	if (argc == 1) {
		if (sh->pipelining) {
			shell_emit(sh, RENDER_ERROR, "/pipeline: already queueing (%zu lines); /pipeline end sends them",
				sh->nqueue);
			return SHELL_USAGE;
		}
		sh->pipelining = true;
		shell_emit(sh, RENDER_EVENT, "queueing SMTP lines: /pipeline end sends them, /pipeline cancel drops them");
		return SHELL_OK;
	}
	if (strcasecmp(argv[1], "end") == 0) {
		if (!sh->pipelining) {
			shell_emit(sh, RENDER_ERROR, "/pipeline end: nothing is being queued (start with /pipeline)");
			return SHELL_USAGE;
		}
		return shell_pipeline_flush(sh);
	}
	if (strcasecmp(argv[1], "cancel") == 0) {
		for (i = 0; i < sh->nqueue; i++)
			free(sh->queue[i]);
		free(sh->queue);
		sh->queue = NULL;
		shell_emit(sh, RENDER_EVENT, "dropped %zu queued line%s", sh->nqueue, sh->nqueue == 1 ? "" : "s");
		sh->nqueue = 0;
		sh->pipelining = false;
		return SHELL_OK;
	}
	shell_emit(sh, RENDER_ERROR, "usage: /pipeline [end|cancel]");
	return SHELL_USAGE;
}

enum shell_status cmd_auth(struct shell *sh, int argc, char **argv)
{
	struct shell_auth_req req;
	int i;

	memset(&req, 0, sizeof(req));
	req.mech = argv[1];
	for (i = 2; i < argc; i++) {
		const char **slot = NULL;

		if (strcmp(argv[i], "--authzid") == 0)
			slot = &req.authzid;
		else if (strcmp(argv[i], "--secret-env") == 0)
			slot = &req.secret_env;
		else if (strcmp(argv[i], "--secret-file") == 0)
			slot = &req.secret_file;
		if (slot) {
			if (i + 1 >= argc) {
				shell_emit(sh, RENDER_ERROR, "/auth: %s needs a value", argv[i]);
				return SHELL_USAGE;
			}
			*slot = argv[++i];
		} else if (argv[i][0] == '-' || req.user) {
			shell_emit(sh, RENDER_ERROR,
				"usage: /auth <mechanism> [user] [--authzid id] [--secret-env name] [--secret-file file]");
			return SHELL_USAGE;
		} else {
			req.user = argv[i];
		}
	}
	return shell_auth(sh, &req);
}

enum shell_status cmd_dane(struct shell *sh, int argc, char **argv)
{
	long port = 25;

	if (argc == 3 && !str_to_long(argv[2], 1, 65535, &port)) {
		shell_emit(sh, RENDER_ERROR, "/dane: bad port \"%s\"", argv[2]);
		return SHELL_USAGE;
	}
	return shell_dane_show(sh, argv[1], argc == 3 ? argv[2] : "25");
}

enum shell_status cmd_transcript(struct shell *sh, int argc, char **argv)
{
	enum transcript_format fmt = TRANSCRIPT_TEXT;
	struct err e;

	err_clear(&e);
	if (strcmp(argv[1], "off") == 0 && argc == 2) {
		if (!sh->transcript) {
			shell_emit(sh, RENDER_EVENT, "no transcript is being written");
			return SHELL_OK;
		}
		shell_emit(sh, RENDER_EVENT, "transcript %s closed", transcript_path(sh->transcript));
		shell_transcript_close(sh);
		return SHELL_OK;
	}
	if (argc == 3 && !transcript_format_parse(argv[2], &fmt)) {
		shell_emit(sh, RENDER_ERROR, "/transcript: format text or jsonl");
		return SHELL_USAGE;
	}
	if (!shell_transcript_open(sh, argv[1], fmt, &e)) {
		shell_emit(sh, RENDER_ERROR, "/transcript: %s", e.msg);
		return SHELL_FAILED;
	}
	shell_emit(sh, RENDER_EVENT, "recording the session to %s (%s)", argv[1], transcript_format_name(fmt));
	return SHELL_OK;
}

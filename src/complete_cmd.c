/* SPDX-License-Identifier: MIT */
/* Completion of local commands: their names and the arguments of each. */
#include "complete_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "util.h"

/* Hosts from the last /mx and from history. */
static void offer_hosts(struct cands *c, const struct complete_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nhosts; i++) {
		if (ctx->hosts[i] && ctx->hosts[i][0]) {
			complete_offer(c, ctx->hosts[i], 0);
		}
	}
}

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
			complete_offer(out, settings[i].name, 0);
		}
		return;
	}
	complete_word_copy(v, 1, name, sizeof(name));
	for (i = 0; i < NELEM(settings); i++) {
		if (strcasecmp(settings[i].name, name) != 0) {
			continue;
		}
		for (k = 0; settings[i].values[k]; k++) {
			complete_offer(out, settings[i].values[k], 0);
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

		complete_offer(out, s, 0);
		free(s);
	}
	for (i = 0; i < nv; i++) {
		complete_offer(out, verbs[i].name, FOLD_ALL);
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
			complete_offer(out, s, 0);
			free(s);
		}
		return;
	}
	for (i = 0; i < NELEM(schemes); i++) {
		complete_offer(out, schemes[i].prefix, 0);
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
		complete_offer(out, patterns[i], 0);
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
		complete_offer(out, types[i], FOLD_ALL);
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
	complete_offer(out, "--pem", 0);
}

static void args_auth(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	if (v->argi == 1) {
		complete_auth_mechanisms(out, c->sess);
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
const struct cmd *complete_line_command(const char *line, size_t len)
{
	char name[NAME_MAX_LEN];
	size_t n = 0;
	bool ambiguous;

	if (len < 2 || line[0] != '/' || line[1] == '/') {
		return NULL;
	}
	while (1 + n < len && !complete_is_blank(line[1 + n]) && n + 1 < sizeof(name)) {
		name[n] = line[1 + n];
		n++;
	}
	name[n] = '\0';
	return n ? cmd_find(name, &ambiguous) : NULL;
}

/* Returns false when the caller should complete file names instead. */
bool complete_local(struct cands *out, const struct complete_ctx *c, const struct linev *v)
{
	const struct cmd *cmd;
	size_t i, n;

	if (v->argi == 0) {
		const struct cmd *cmds = cmd_table(&n);

		for (i = 0; i < n; i++) {
			char *s = xasprintf("/%s", cmds[i].name);

			complete_offer(out, s, 0);
			free(s);
		}
		return true;
	}
	cmd = complete_line_command(v->s, v->len);
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


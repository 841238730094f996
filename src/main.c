/* SPDX-License-Identifier: MIT */
/* smtpsh: command line, choice of interactive or batch mode, exit code. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "version.h"
#include "config.h"
#include "cli.h"
#include "cmd.h"
#include "output.h"
#include "replay_run.h"
#include "script.h"
#include "shell_transcript.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: smtpsh [OPTIONS] [TARGET]\n"
		"\n"
		"An interactive SMTP diagnostic shell. Lines starting with / are local\n"
		"commands (/help lists them); every other line goes to the server as typed.\n"
		"\n"
		"TARGET: host, host:port, [v6addr]:port, smtp://host[:port], smtps://host[:port],\n"
		"        lmtp://host:port, unix:/path, mx:DOMAIN[:PORT] (port 25 by default)\n"
		"\n"
		"Options:\n"
		"  -c, --command LINE    run LINE in batch mode (repeatable, in order)\n"
		"  -f, --file FILE       run the lines of FILE in batch mode (repeatable)\n"
		"  -k, --keep-going      in batch mode, go on after a failure\n"
		"  -D NAME=VALUE         define ${NAME} for batch lines (repeatable)\n"
		"  -t, --timeout SECS    connect and reply timeout (default 30)\n"
		"  -4, -6                connect over IPv4 or IPv6 only\n"
		"      --explain WHEN    meaning under replies: errors (default), all, off\n"
		"      --color WHEN      auto (default), always, never\n"
		"      --no-history      do not read or write the history file\n"
		"      --no-config       do not read the configuration file\n"
		"      --no-redact       show AUTH secrets in output and transcripts\n"
		"      --transcript FILE record the session to FILE (timestamps, latency)\n"
		"      --transcript-format text|jsonl\n"
		"      --replay FILE     send the client side of transcript FILE again and\n"
		"                        report every reply code that differs\n"
		"      --replay-message FILE  with --replay, the text of the messages sent with\n"
		"                        /send FILE, which transcripts do not hold (repeatable:\n"
		"                        one for every message, or one per message in order)\n"
		"\n"
		"TLS options:\n"
		"      --tls             implicit TLS: handshake before the greeting (as smtps://)\n"
		"      --tls-verify      end the session when certificate verification fails\n"
		"      --ca-file FILE    trust the CA certificates in FILE instead of the system's\n"
		"      --ca-path DIR     trust the hashed CA directory DIR\n"
		"      --tls-verify-name NAME  check the certificate against NAME\n"
		"      --sni NAME        send NAME as SNI (default: the host connected to)\n"
		"      --no-sni          send no SNI\n"
		"      --tls-min VER     lowest TLS version: 1.0, 1.1, 1.2 (default), 1.3\n"
		"      --tls-max VER     highest TLS version\n"
		"      --tls-ciphers LIST       TLS 1.2 cipher list (OpenSSL syntax)\n"
		"      --tls-ciphersuites LIST  TLS 1.3 cipher suites\n"
		"      --cert FILE       client certificate (PEM, with its chain)\n"
		"      --key FILE        private key of the client certificate\n"
		"      --dane            verify with DNSSEC-secure TLSA records (RFC 7672) when present\n"
		"\n"
		"DNS options:\n"
		"      --dns-server ADDR[:PORT]  ask this resolver instead of the system's\n"
		"      --dns-timeout SECS        DNS query timeout (default 5)\n"
		"      --dns-trust-anchor FILE   validate DNSSEC locally from these DS/DNSKEY\n"
		"                                records instead of trusting the AD bit\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Without -c or -f, standard input is read as a batch file when it is not a\n"
		"terminal. Exit codes: 0 ok, 1 a command or an /expect on another reply\n"
		"failed, 2 usage, 3 connection or no reply in time, 4 TLS, and for a failed\n"
		"/expect the phase: 5 greeting, 6 EHLO/HELO/LHLO, 7 AUTH, 8 MAIL, 9 RCPT,\n"
		"10 DATA/BDAT. See smtpsh(1).\n", fp);
}

enum {
	OPT_COLOR = 256, OPT_EXPLAIN, OPT_NO_HISTORY, OPT_NO_CONFIG, OPT_NO_REDACT, OPT_LIST_COMMANDS,
	OPT_TRANSCRIPT, OPT_TRANSCRIPT_FORMAT, OPT_REPLAY, OPT_REPLAY_MESSAGE,
	OPT_TLS, OPT_TLS_VERIFY, OPT_CA_FILE, OPT_CA_PATH, OPT_VERIFY_NAME, OPT_SNI, OPT_NO_SNI,
	OPT_TLS_MIN, OPT_TLS_MAX, OPT_CIPHERS, OPT_CIPHERSUITES, OPT_CERT, OPT_KEY,
	OPT_DANE, OPT_DNS_SERVER, OPT_DNS_TIMEOUT, OPT_DNS_ANCHOR,
};

static const struct option long_opts[] = {
	{ "command", required_argument, NULL, 'c' },
	{ "file", required_argument, NULL, 'f' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "timeout", required_argument, NULL, 't' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
	{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
	{ "transcript", required_argument, NULL, OPT_TRANSCRIPT },
	{ "transcript-format", required_argument, NULL, OPT_TRANSCRIPT_FORMAT },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "replay-message", required_argument, NULL, OPT_REPLAY_MESSAGE },
	{ "list-commands", no_argument, NULL, OPT_LIST_COMMANDS },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "tls-verify", no_argument, NULL, OPT_TLS_VERIFY },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "ca-path", required_argument, NULL, OPT_CA_PATH },
	{ "tls-verify-name", required_argument, NULL, OPT_VERIFY_NAME },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "no-sni", no_argument, NULL, OPT_NO_SNI },
	{ "tls-min", required_argument, NULL, OPT_TLS_MIN },
	{ "tls-max", required_argument, NULL, OPT_TLS_MAX },
	{ "tls-ciphers", required_argument, NULL, OPT_CIPHERS },
	{ "tls-ciphersuites", required_argument, NULL, OPT_CIPHERSUITES },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "dane", no_argument, NULL, OPT_DANE },
	{ "dns-server", required_argument, NULL, OPT_DNS_SERVER },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	{ "dns-trust-anchor", required_argument, NULL, OPT_DNS_ANCHOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Hidden: the command table for shell completion scripts and their test. */
static void list_commands(void)
{
	size_t i, n;
	const struct cmd *c = cmd_table(&n);

	for (i = 0; i < n; i++)
		printf("/%s\t%s\n", c[i].name, c[i].summary);
}

/* "1.2" -> 12; 0 when not a TLS version this build knows. */
static int tls_version(const char *s)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return 10 + i;
	return 0;
}

/* Defaults from the configuration file; options given later override them. */
static void apply_config(const struct config *cfg, struct shell_opts *so, enum color_mode *color,
	bool *no_history, const char **history_path)
{
	if (cfg->timeout_ms > 0)
		so->timeout_ms = cfg->timeout_ms;
	if (cfg->explain >= 0)
		so->explain = (enum explain_mode)cfg->explain;
	if (cfg->color >= 0)
		*color = (enum color_mode)cfg->color;
	if (cfg->dns_server)
		so->dns_server = cfg->dns_server;
	if (cfg->dns_timeout_ms > 0)
		so->dns_timeout_ms = cfg->dns_timeout_ms;
	if (cfg->tls_verify >= 0)
		so->tls_verify = cfg->tls_verify == 1;
	if (cfg->ca_file)
		so->tls.ca_file = cfg->ca_file;
	if (cfg->ca_path)
		so->tls.ca_path = cfg->ca_path;
	if (cfg->tls_min)
		so->tls.min_version = cfg->tls_min;
	if (cfg->tls_max)
		so->tls.max_version = cfg->tls_max;
	if (cfg->complete_verbs >= 0)
		so->complete_all = cfg->complete_verbs == 1;
	if (cfg->dnsbl_zones) {
		so->dnsbl_zones = (const char *const *)cfg->dnsbl_zones;
		so->ndnsbl_zones = cfg->ndnsbl_zones;
	}
	so->ehlo_name = cfg->ehlo_name;
	so->from = cfg->from;
	so->to = cfg->to;
	if (cfg->history && !cfg->history[0])
		*no_history = true;
	else if (cfg->history)
		*history_path = cfg->history;
}

static void load_config(struct config *cfg, int argc, char **argv)
{
	char **problems = NULL, *path;
	struct err e;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-config") == 0)
			return;
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	path = config_path_dup();
	if (!path)
		return;
	err_clear(&e);
	if (!config_load(cfg, path, &problems, &e))
		fprintf(stderr, "smtpsh: warning: %s\n", e.msg);
	for (i = 0; problems && problems[i]; i++)
		fprintf(stderr, "smtpsh: warning: %s\n", problems[i]);
	config_problems_free(problems);
	free(path);
}

/* The options that change behaviour, for the transcript header (never a secret). */
static char *describe_options(const struct shell_opts *o, const struct target *t)
{
	struct strbuf b;

	strbuf_init(&b);
	strbuf_addf(&b, "timeout=%d.%ds", o->timeout_ms / 1000, (o->timeout_ms % 1000) / 100);
	if (t && t->proto != TARGET_SMTP)
		strbuf_addf(&b, " proto=%s", target_proto_name(t->proto));
	if (o->family != TRANSPORT_ANY)
		strbuf_adds(&b, o->family == TRANSPORT_V4 ? " -4" : " -6");
	if (o->implicit_tls)
		strbuf_adds(&b, " --tls");
	if (o->tls_verify)
		strbuf_adds(&b, " --tls-verify");
	if (o->dane)
		strbuf_adds(&b, " --dane");
	if (o->tls.ca_file)
		strbuf_addf(&b, " --ca-file=%s", o->tls.ca_file);
	if (o->tls.ca_path)
		strbuf_addf(&b, " --ca-path=%s", o->tls.ca_path);
	if (o->tls.verify_name)
		strbuf_addf(&b, " --tls-verify-name=%s", o->tls.verify_name);
	if (o->tls.sni)
		strbuf_addf(&b, " --sni=%s", o->tls.sni);
	if (o->tls.no_sni)
		strbuf_adds(&b, " --no-sni");
	if (o->tls.min_version)
		strbuf_addf(&b, " --tls-min=%d.%d", o->tls.min_version / 10, o->tls.min_version % 10);
	if (o->tls.max_version)
		strbuf_addf(&b, " --tls-max=%d.%d", o->tls.max_version / 10, o->tls.max_version % 10);
	if (o->tls.cert_file)
		strbuf_addf(&b, " --cert=%s", o->tls.cert_file);
	if (o->dns_server)
		strbuf_addf(&b, " --dns-server=%s", o->dns_server);
	if (o->no_redact)
		strbuf_adds(&b, " --no-redact");
	if (o->keep_going)
		strbuf_adds(&b, " --keep-going");
	return strbuf_steal(&b);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("smtpsh: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'smtpsh --help'.\n", stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct shell_opts so = { .timeout_ms = 30000, .family = TRANSPORT_ANY,
		.explain = EXPLAIN_ERRORS };
	enum color_mode color = COLOR_AUTO;
	struct script_source *src = NULL;
	size_t nsrc = 0;
	const char **replay_msgs = NULL;
	size_t nreplay_msgs = 0;
	bool no_history = false;
	struct shell sh;
	struct target target, *tp = NULL;
	struct config cfg;
	const char *history_path = NULL, *transcript_path = NULL, *replay_path = NULL;
	char *options_desc = NULL;
	enum transcript_format tfmt = TRANSCRIPT_TEXT;
	int opt, rc;

	config_init(&cfg);
	load_config(&cfg, argc, argv);
	apply_config(&cfg, &so, &color, &no_history, &history_path);
	src = xcalloc((size_t)argc + 1, sizeof(*src));
	replay_msgs = xcalloc((size_t)argc + 1, sizeof(*replay_msgs));
	shell_init(&sh, &so, NULL, NULL);
	while ((opt = getopt_long(argc, argv, "c:f:kt:46D:hV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			src[nsrc].kind = SCRIPT_LINE;
			src[nsrc++].text = optarg;
			break;
		case 'f':
			src[nsrc].kind = strcmp(optarg, "-") == 0 ? SCRIPT_STDIN : SCRIPT_FILE;
			src[nsrc++].text = optarg;
			break;
		case 'k':
			so.keep_going = true;
			break;
		case 'D': {
			char *eq = strchr(optarg, '=');
			size_t i;

			for (i = 0; eq && optarg + i < eq; i++)
				if (!(optarg[i] == '_' || (optarg[i] >= 'A' && optarg[i] <= 'Z') ||
						(optarg[i] >= 'a' && optarg[i] <= 'z') ||
						(i > 0 && optarg[i] >= '0' && optarg[i] <= '9')))
					break;
			if (!eq || eq == optarg || optarg + i != eq) {
				rc = usage_error("-D: \"%s\" is not NAME=VALUE (NAME: letters, digits, _)", optarg);
				goto out;
			}
			*eq = '\0';
			shell_set_var(&sh, optarg, eq + 1);
			*eq = '=';
			break;
		}
		case 't': {
			char *end;
			double v = strtod(optarg, &end);

			if (*end || !(v > 0 && v <= 86400)) {
				rc = usage_error("--timeout: \"%s\" is not a number of seconds (0-86400]", optarg);
				goto out;
			}
			so.timeout_ms = (int)lround(v * 1000);
			break;
		}
		case '4':
			so.family = TRANSPORT_V4;
			break;
		case '6':
			so.family = TRANSPORT_V6;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				color = COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				color = COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				color = COLOR_NEVER;
			else {
				rc = usage_error("--color: \"%s\" is not auto, always or never", optarg);
				goto out;
			}
			break;
		case OPT_EXPLAIN:
			if (strcmp(optarg, "errors") == 0)
				so.explain = EXPLAIN_ERRORS;
			else if (strcmp(optarg, "all") == 0)
				so.explain = EXPLAIN_ALL;
			else if (strcmp(optarg, "off") == 0)
				so.explain = EXPLAIN_OFF;
			else {
				rc = usage_error("--explain: \"%s\" is not errors, all or off", optarg);
				goto out;
			}
			break;
		case OPT_NO_HISTORY:
			no_history = true;
			break;
		case OPT_NO_CONFIG:
			break;
		case OPT_NO_REDACT:
			so.no_redact = true;
			break;
		case OPT_TRANSCRIPT:
			transcript_path = optarg;
			break;
		case OPT_TRANSCRIPT_FORMAT:
			if (!transcript_format_parse(optarg, &tfmt)) {
				rc = usage_error("--transcript-format: \"%s\" is not text or jsonl", optarg);
				goto out;
			}
			break;
		case OPT_REPLAY:
			replay_path = optarg;
			break;
		case OPT_REPLAY_MESSAGE:
			replay_msgs[nreplay_msgs++] = optarg;
			break;
		case OPT_TLS:
			so.implicit_tls = true;
			break;
		case OPT_TLS_VERIFY:
			so.tls_verify = true;
			break;
		case OPT_CA_FILE:
			so.tls.ca_file = optarg;
			break;
		case OPT_CA_PATH:
			so.tls.ca_path = optarg;
			break;
		case OPT_VERIFY_NAME:
			so.tls.verify_name = optarg;
			break;
		case OPT_SNI:
			so.tls.sni = optarg;
			break;
		case OPT_NO_SNI:
			so.tls.no_sni = true;
			break;
		case OPT_TLS_MIN:
		case OPT_TLS_MAX: {
			int v = tls_version(optarg);

			if (!v) {
				rc = usage_error("TLS version \"%s\": use 1.0, 1.1, 1.2 or 1.3", optarg);
				goto out;
			}
			if (opt == OPT_TLS_MIN)
				so.tls.min_version = v;
			else
				so.tls.max_version = v;
			break;
		}
		case OPT_CIPHERS:
			so.tls.ciphers = optarg;
			break;
		case OPT_CIPHERSUITES:
			so.tls.ciphersuites = optarg;
			break;
		case OPT_CERT:
			so.tls.cert_file = optarg;
			break;
		case OPT_KEY:
			so.tls.key_file = optarg;
			break;
		case OPT_DANE:
			so.dane = true;
			break;
		case OPT_DNS_SERVER:
			so.dns_server = optarg;
			break;
		case OPT_DNS_TIMEOUT: {
			char *end;
			double v = strtod(optarg, &end);

			if (*end || !(v > 0 && v <= 120)) {
				rc = usage_error("--dns-timeout: \"%s\" is not a number of seconds (0-120]", optarg);
				goto out;
			}
			so.dns_timeout_ms = (int)lround(v * 1000);
			break;
		}
		case OPT_DNS_ANCHOR:
			so.dns_anchor = optarg;
			break;
		case OPT_LIST_COMMANDS:
			list_commands();
			rc = 0;
			goto out;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'V':
			printf("smtpsh %s\n", SMTPSH_VERSION);
			rc = 0;
			goto out;
		default:
			fputs("Try 'smtpsh --help'.\n", stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if ((so.tls.cert_file == NULL) != (so.tls.key_file == NULL)) {
		rc = usage_error("%s", "--cert and --key go together");
		goto out;
	}
	if (so.tls.min_version && so.tls.max_version && so.tls.min_version > so.tls.max_version) {
		rc = usage_error("%s", "--tls-min is above --tls-max");
		goto out;
	}
	if (nreplay_msgs > 0 && !replay_path) {
		rc = usage_error("%s", "--replay-message goes with --replay");
		goto out;
	}
	if (optind < argc - 1) {
		rc = usage_error("too many arguments: one TARGET at most (\"%s\")", argv[optind + 1]);
		goto out;
	}
	if (optind == argc - 1) {
		struct err e;

		err_clear(&e);
		if (!target_parse(argv[optind], &target, &e)) {
			rc = usage_error("%s", e.msg);
			goto out;
		}
		tp = &target;
	}
	sh.opts = so;
	options_desc = describe_options(&so, tp);
	sh.options_desc = options_desc;
	if (transcript_path) {
		struct err e;

		err_clear(&e);
		if (!shell_transcript_open(&sh, transcript_path, tfmt, &e)) {
			fprintf(stderr, "smtpsh: --transcript: %s\n", e.msg);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (replay_path) {
		struct output out = { stdout, render_color_enabled(color, STDOUT_FILENO) };

		if (nsrc > 0) {
			rc = usage_error("%s", "--replay runs the transcript's lines: no -c or -f with it");
			goto out;
		}
		output_start(&out);
		sh.out = output_line;
		sh.out_ctx = &out;
		if (isatty(STDIN_FILENO))
			sh.ask_secret = cli_ask_secret;
		rc = replay_run(&sh, replay_path, tp, replay_msgs, nreplay_msgs);
		shell_transcript_close(&sh);
		sh.out = NULL;
		output_stop(&out);
	} else if (nsrc == 0 && isatty(STDIN_FILENO)) {
		struct cli_opts co = { .color = render_color_enabled(color, STDOUT_FILENO) };
		char *hist = no_history ? NULL : history_path ? xstrdup(history_path) : cli_history_path_dup();

		co.history_path = hist;
		rc = cli_run(&sh, &co, tp);
		free(hist);
	} else {
		struct output out = { stdout, render_color_enabled(color, STDOUT_FILENO) };

		if (nsrc == 0) {
			src[0].kind = SCRIPT_STDIN;
			src[0].text = "-";
			nsrc = 1;
		}
		output_start(&out);
		sh.out = output_line;
		sh.out_ctx = &out;
		rc = script_run(&sh, tp, src, nsrc);
		shell_transcript_close(&sh);
		sh.out = NULL;
		output_stop(&out);
	}
out:
	shell_finish(&sh);
	free(options_desc);
	free(src);
	free(replay_msgs);
	config_finish(&cfg);
	return rc;
}

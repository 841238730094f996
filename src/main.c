/* SPDX-License-Identifier: MIT */
/* smtpsh: command line, choice of interactive or batch mode, exit code. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "cmd.h"
#include "output.h"
#include "script.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: smtpsh [OPTIONS] [TARGET]\n"
		"\n"
		"An interactive SMTP diagnostic shell. Lines starting with / are local\n"
		"commands (/help lists them); every other line goes to the server as typed.\n"
		"\n"
		"TARGET: host, host:port, [v6addr]:port, smtp://host[:port],\n"
		"        lmtp://host:port, unix:/path (port 25 by default)\n"
		"\n"
		"Options:\n"
		"  -c, --command LINE    run LINE in batch mode (repeatable, in order)\n"
		"  -f, --file FILE       run the lines of FILE in batch mode (repeatable)\n"
		"  -k, --keep-going      in batch mode, go on after a failure\n"
		"  -t, --timeout SECS    connect and reply timeout (default 30)\n"
		"  -4, -6                connect over IPv4 or IPv6 only\n"
		"      --explain WHEN    meaning under replies: errors (default), all, off\n"
		"      --color WHEN      auto (default), always, never\n"
		"      --no-history      do not read or write the history file\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Without -c or -f, standard input is read as a batch file when it is not a\n"
		"terminal. Exit codes: 0 ok, 1 an /expect or command failed, 2 usage,\n"
		"3 connection failure or no reply in time. See smtpsh(1).\n", fp);
}

enum { OPT_COLOR = 256, OPT_EXPLAIN, OPT_NO_HISTORY, OPT_LIST_COMMANDS };

static const struct option long_opts[] = {
	{ "command", required_argument, NULL, 'c' },
	{ "file", required_argument, NULL, 'f' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "timeout", required_argument, NULL, 't' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "list-commands", no_argument, NULL, OPT_LIST_COMMANDS },
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
	bool keep_going = false, no_history = false;
	struct target target, *tp = NULL;
	int opt, rc;

	src = xcalloc((size_t)argc + 1, sizeof(*src));
	while ((opt = getopt_long(argc, argv, "c:f:kt:46hV", long_opts, NULL)) != -1) {
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
			keep_going = true;
			break;
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
	if (nsrc == 0 && isatty(STDIN_FILENO)) {
		struct cli_opts co = { .color = render_color_enabled(color, STDOUT_FILENO) };
		char *hist = no_history ? NULL : cli_history_path_dup();

		co.history_path = hist;
		rc = cli_run(&so, &co, tp);
		free(hist);
	} else {
		struct output out = { stdout, render_color_enabled(color, STDOUT_FILENO) };
		struct shell sh;

		if (nsrc == 0) {
			src[0].kind = SCRIPT_STDIN;
			src[0].text = "-";
			nsrc = 1;
		}
		shell_init(&sh, &so, output_line, &out);
		rc = script_run(&sh, tp, src, nsrc, keep_going);
		shell_finish(&sh);
	}
out:
	free(src);
	return rc;
}

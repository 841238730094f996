/* SPDX-License-Identifier: MIT */
/*
 * Interactive mode: readline in callback mode inside one poll loop over the
 * terminal and the server socket, so server lines (an idle 421) appear above
 * the prompt at once and the line being edited survives.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "interrupt.h"
#include "util.h"

static struct {
	struct shell *sh;
	bool color;
	const char *history_path;
	bool prompt_shown;      /* the readline handler is installed */
	char *prompt;
	char *last_history;
	bool done;
} cli;

static volatile sig_atomic_t got_sigwinch;

static void on_sigint(int sig)
{
	(void)sig;
	interrupt_raise();
}

static void on_sigwinch(int sig)
{
	(void)sig;
	got_sigwinch = 1;
}

static void print_line(const char *s)
{
	if (cli.prompt_shown) {
		char *saved = rl_copy_text(0, rl_end);
		int point = rl_point;

		/* Clear the prompt line, print above it, then redraw the edit. */
		rl_set_prompt("");
		rl_replace_line("", 0);
		rl_redisplay();
		fputs(s, stdout);
		fputc('\n', stdout);
		rl_set_prompt(cli.prompt);
		rl_replace_line(saved, 0);
		rl_point = point;
		rl_redisplay();
		free(saved);
	} else {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static void cli_output(void *ctx, enum render_kind kind, bool tls, int code, const char *text)
{
	char *s = render_line_dup(kind, tls, code, text, cli.color);

	(void)ctx;
	if (s)
		print_line(s);
	free(s);
}

static void update_prompt(void)
{
	char state[128];

	free(cli.prompt);
	cli.prompt = render_prompt_dup(shell_prompt_host(cli.sh),
		shell_prompt_state(cli.sh, state, sizeof(state)), cli.color);
	if (cli.prompt_shown)
		rl_set_prompt(cli.prompt);
}

static void history_add(const char *line)
{
	if (!*line || shell_line_sensitive(cli.sh, line))
		return;
	if (cli.last_history && strcmp(cli.last_history, line) == 0)
		return;
	free(cli.last_history);
	cli.last_history = xstrdup(line);
	add_history(line);
	if (cli.history_path)
		append_history(1, cli.history_path);
}

static void on_line(char *line);

/* Add the address inside <...> after "FROM:" or "TO:" in line to list, once. */
static void collect_address(const char *line, const char ***list, size_t *n)
{
	const char *lt = strchr(line, '<'), *gt;
	char *addr;
	size_t i;

	if (!lt || !(gt = strchr(lt, '>')) || gt == lt + 1)
		return;
	addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i], addr) == 0) {
			free(addr);
			return;
		}
	}
	*list = xrealloc(*list, sizeof(**list) * (*n + 1));
	(*list)[(*n)++] = addr;
}

/* Hosts typed after /connect, without scheme or port. */
static void collect_host(const char *line, const char ***list, size_t *n)
{
	struct target t;
	struct err e;
	char word[300];
	size_t i;

	if (sscanf(line, "/connect %299s", word) != 1 && sscanf(line, "/c %299s", word) != 1)
		return;
	if (!target_parse(word, &t, &e) || t.kind == TARGET_UNIX)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i], t.host) == 0)
			return;
	*list = xrealloc(*list, sizeof(**list) * (*n + 1));
	(*list)[(*n)++] = xstrdup(t.host);
}

static void free_list(const char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)list[i]);
	free(list);
}

static char **cli_complete(const char *text, int start, int end)
{
	struct complete_ctx ctx;
	const char **addrs = NULL, **hosts = NULL;
	size_t naddrs = 0, nhosts = 0, n, i;
	HIST_ENTRY **hl = history_list();
	bool want_files = false;
	char **cands, **matches = NULL;
	int h;

	(void)text;
	rl_attempted_completion_over = 1;
	if (cli.sh->opts.from && cli.sh->opts.from[0]) {
		char *f = xasprintf("<%s>", cli.sh->opts.from);

		collect_address(f, &addrs, &naddrs);
		free(f);
	}
	for (i = 0; i < cli.sh->nmx_hosts; i++) {
		hosts = xrealloc(hosts, sizeof(*hosts) * (nhosts + 1));
		hosts[nhosts++] = xstrdup(cli.sh->mx_hosts[i]);
	}
	for (h = hl ? history_length - 1 : -1; h >= 0; h--) {
		if (!hl[h])
			continue;
		if (str_iprefix(hl[h]->line, "MAIL FROM:") || str_iprefix(hl[h]->line, "RCPT TO:"))
			collect_address(hl[h]->line, &addrs, &naddrs);
		else if (hl[h]->line[0] == '/')
			collect_host(hl[h]->line, &hosts, &nhosts);
	}
	if (cli.sh->opts.to && cli.sh->opts.to[0]) {
		char *t = xasprintf("<%s>", cli.sh->opts.to);

		collect_address(t, &addrs, &naddrs);
		free(t);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.sess = shell_connected(cli.sh) ? &cli.sh->sess : NULL;
	ctx.in_data = shell_in_data(cli.sh);
	ctx.addresses = addrs;
	ctx.naddresses = naddrs;
	ctx.hosts = hosts;
	ctx.nhosts = nhosts;
	ctx.advertised_only = !cli.sh->opts.complete_all;
	ctx.ehlo_name = cli.sh->opts.ehlo_name;
	cands = complete_line(&ctx, rl_line_buffer, (size_t)start, (size_t)end, &want_files);
	if (want_files) {
		/* Let readline complete file names. */
		rl_attempted_completion_over = 0;
		goto out;
	}
	if (!cands) {
		char *usage = ctx.in_data ? NULL : complete_usage_dup(rl_line_buffer, (size_t)end);

		if (usage) {
			char *line = render_line_dup(RENDER_NOTE, false, 0, usage, cli.color);

			print_line(line);
			free(line);
			free(usage);
		}
		goto out;
	}
	for (n = 0; cands[n]; n++)
		;
	matches = xcalloc(n + 2, sizeof(char *));
	if (n == 1) {
		matches[0] = xstrdup(cands[0]);
		rl_completion_append_character = complete_wants_space(cands[0]) ? ' ' : '\0';
	} else {
		size_t lcd = strlen(cands[0]);

		/* matches[0] is what replaces the word: the longest common prefix. */
		for (i = 1; i < n; i++) {
			size_t k = 0;

			while (k < lcd && cands[i][k] == cands[0][k])
				k++;
			lcd = k;
		}
		matches[0] = xstrndup(cands[0], lcd);
		for (i = 0; i < n; i++)
			matches[i + 1] = xstrdup(cands[i]);
		rl_completion_append_character = '\0';
	}
out:
	complete_free(cands);
	free_list(addrs, naddrs);
	free_list(hosts, nhosts);
	return matches;
}

/* A line from the terminal without echo, for AUTH secrets. Read byte by byte
 * so nothing typed after it is taken from readline. */
char *cli_ask_secret(struct shell *sh, const char *prompt)
{
	struct termios old, quiet;
	struct strbuf b;
	bool restore;
	char c;

	(void)sh;
	strbuf_init(&b);
	fputs(prompt, stdout);
	fflush(stdout);
	restore = tcgetattr(STDIN_FILENO, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	for (;;) {
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n == 1 && c != '\n' && c != '\r') {
			strbuf_add(&b, &c, 1);
			continue;
		}
		if (n == 1 || (n == 0 && b.len))
			break;
		/* Ctrl-C (EINTR) or end of input: cancelled. */
		if (b.s)
			memset(b.s, 0, b.len);
		strbuf_finish(&b);
		interrupt_take();
		if (restore)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stdout);
		return NULL;
	}
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return strbuf_steal(&b);
}

static void show_history(struct shell *sh)
{
	HIST_ENTRY **list = history_list();
	int i;

	for (i = 0; list && list[i]; i++) {
		char *safe = render_sanitize_dup(list[i]->line, strlen(list[i]->line));

		shell_emit(sh, RENDER_INFO, "%5d  %s", i + history_base, safe);
		free(safe);
	}
}

static void show_prompt(void)
{
	if (cli.prompt_shown || cli.done)
		return;
	update_prompt();
	rl_callback_handler_install(cli.prompt, on_line);
	cli.prompt_shown = true;
}

static void hide_prompt(void)
{
	if (!cli.prompt_shown)
		return;
	rl_callback_handler_remove();
	cli.prompt_shown = false;
}

static void quit_politely(void)
{
	if (shell_connected(cli.sh) && cli.sh->sess.phase != SESSION_QUITTING &&
			!shell_in_data(cli.sh)) {
		if (shell_send_smtp(cli.sh, "QUIT") == SHELL_OK)
			shell_wait(cli.sh);
	}
	shell_close(cli.sh, NULL);
	cli.done = true;
}

static void on_line(char *line)
{
	enum shell_status st;

	if (!line) {
		/* Ctrl-D: the line handler gets NULL. */
		hide_prompt();
		fputc('\n', stdout);
		quit_politely();
		return;
	}
	/* Remove the handler first: output while running prints plainly, and
	 * readline's prompt comes back only when the reply is in. */
	hide_prompt();
	/* Message text is not a command worth recalling, and may be private. */
	if (!shell_in_text(cli.sh))
		history_add(line);
	st = shell_exec_line(cli.sh, line);
	free(line);
	/* A Ctrl-C while the command ran stopped it; it is spent now. */
	if (interrupt_take())
		shell_emit(cli.sh, RENDER_WARN, "interrupted");
	if (st == SHELL_QUIT)
		cli.done = true;
}

static void history_open(void)
{
	int fd;
	char *dir, *slash;

	if (!cli.history_path)
		return;
	dir = xstrdup(cli.history_path);
	/* mkdir -p with 0700: history may hold addresses the user typed. */
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	free(dir);
	fd = open(cli.history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli.history_path = NULL;
		return;
	}
	fchmod(fd, 0600);
	close(fd);
	read_history(cli.history_path);
	history_truncate_file(cli.history_path, 2000);
	/* Duplicates are dropped across sessions too: start from the file's last line. */
	if (history_length > 0) {
		HIST_ENTRY *last = history_get(history_base + history_length - 1);

		if (last && last->line)
			cli.last_history = xstrdup(last->line);
	}
}

char *cli_history_path_dup(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (state && state[0] == '/')
		return xasprintf("%s/smtpsh/history", state);
	if (home && home[0] == '/')
		return xasprintf("%s/.local/state/smtpsh/history", home);
	return NULL;
}

static void loop(void)
{
	while (!cli.done) {
		struct pollfd pfd[2];
		int nfds = 0, timeout, rc, sock = shell_fd(cli.sh);

		if (!shell_busy(cli.sh))
			show_prompt();
		if (cli.prompt_shown) {
			pfd[nfds].fd = STDIN_FILENO;
			pfd[nfds++].events = POLLIN;
		}
		if (sock >= 0) {
			pfd[nfds].fd = sock;
			pfd[nfds++].events = POLLIN;
		}
		timeout = shell_timeout_left(cli.sh);
		rc = poll(pfd, (nfds_t)nfds, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (got_sigwinch) {
			got_sigwinch = 0;
			rl_resize_terminal();
		}
		if (interrupt_take()) {
			if (shell_busy(cli.sh)) {
				shell_cancel_wait(cli.sh);
			} else if (cli.prompt_shown) {
				/* Ctrl-C drops the line being typed, as in a shell. */
				rl_replace_line("", 0);
				rl_crlf();
				rl_on_new_line();
				rl_redisplay();
			}
			continue;
		}
		if (rc == 0) {
			if (shell_busy(cli.sh) && shell_timeout_left(cli.sh) == 0)
				shell_timed_out(cli.sh);
			continue;
		}
		if (rc < 0)
			continue;
		for (int i = 0; i < nfds; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == STDIN_FILENO) {
				if (cli.prompt_shown)
					rl_callback_read_char();
			} else if (pfd[i].fd == shell_fd(cli.sh)) {
				shell_io(cli.sh);
				/* A Ctrl-C that stopped a TLS handshake in there is spent;
				 * one that came while replies are awaited still cancels
				 * the wait at the next turn. */
				if (!shell_busy(cli.sh))
					interrupt_take();
				update_prompt();
				if (cli.prompt_shown)
					rl_redisplay();
			}
		}
	}
}

int cli_run(struct shell *sh, const struct cli_opts *copts, const struct target *target)
{
	struct sigaction sa;

	memset(&cli, 0, sizeof(cli));
	cli.sh = sh;
	sh->opts.interactive = true;
	sh->out = cli_output;
	sh->out_ctx = NULL;
	sh->show_history = show_history;
	sh->ask_secret = cli_ask_secret;
	cli.color = copts->color;
	cli.history_path = copts->history_path;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: poll must wake up */
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_readline_name = "smtpsh";
	rl_attempted_completion_function = cli_complete;
	rl_completer_word_break_characters = (char *)" \t";
	/* Words are SMTP text, not file names: no quoting, no trailing slashes added. */
	rl_completer_quote_characters = NULL;
	rl_sort_completion_matches = 0;
	using_history();
	history_open();

	if (target)
		shell_connect(cli.sh, target);
	else
		shell_emit(cli.sh, RENDER_EVENT, "not connected: /connect TARGET, /help for commands");
	loop();
	hide_prompt();
	shell_close(sh, NULL);
	sh->out = NULL;
	free(cli.prompt);
	free(cli.last_history);
	return 0;
}

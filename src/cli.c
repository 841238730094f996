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
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "util.h"

static struct {
	struct shell sh;
	bool color;
	const char *history_path;
	bool prompt_shown;      /* the readline handler is installed */
	char *prompt;
	char *last_history;
	bool done;
} cli;

static volatile sig_atomic_t got_sigint, got_sigwinch;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
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
	cli.prompt = render_prompt_dup(shell_prompt_host(&cli.sh),
		shell_prompt_state(&cli.sh, state, sizeof(state)), cli.color);
	if (cli.prompt_shown)
		rl_set_prompt(cli.prompt);
}

static void history_add(const char *line)
{
	if (!*line || shell_line_sensitive(&cli.sh, line))
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
	if (shell_connected(&cli.sh) && cli.sh.sess.phase != SESSION_QUITTING &&
			!shell_in_data(&cli.sh)) {
		if (shell_send_smtp(&cli.sh, "QUIT") == SHELL_OK)
			shell_wait(&cli.sh);
	}
	shell_close(&cli.sh, NULL);
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
	if (!shell_in_data(&cli.sh))
		history_add(line);
	st = shell_exec_line(&cli.sh, line);
	free(line);
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
		int nfds = 0, timeout, rc, sock = shell_fd(&cli.sh);

		if (!shell_busy(&cli.sh))
			show_prompt();
		if (cli.prompt_shown) {
			pfd[nfds].fd = STDIN_FILENO;
			pfd[nfds++].events = POLLIN;
		}
		if (sock >= 0) {
			pfd[nfds].fd = sock;
			pfd[nfds++].events = POLLIN;
		}
		timeout = shell_timeout_left(&cli.sh);
		rc = poll(pfd, (nfds_t)nfds, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (got_sigwinch) {
			got_sigwinch = 0;
			rl_resize_terminal();
		}
		if (got_sigint) {
			got_sigint = 0;
			if (shell_busy(&cli.sh)) {
				shell_cancel_wait(&cli.sh);
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
			if (shell_busy(&cli.sh) && shell_timeout_left(&cli.sh) == 0)
				shell_timed_out(&cli.sh);
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
			} else if (pfd[i].fd == shell_fd(&cli.sh)) {
				shell_io(&cli.sh);
				update_prompt();
				if (cli.prompt_shown)
					rl_redisplay();
			}
		}
	}
}

int cli_run(const struct shell_opts *sopts, const struct cli_opts *copts, const struct target *target)
{
	struct sigaction sa;
	struct shell_opts so = *sopts;

	memset(&cli, 0, sizeof(cli));
	so.interactive = true;
	cli.color = copts->color;
	cli.history_path = copts->history_path;
	shell_init(&cli.sh, &so, cli_output, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: poll must wake up */
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_readline_name = "smtpsh";
	using_history();
	history_open();

	if (target)
		shell_connect(&cli.sh, target);
	else
		shell_emit(&cli.sh, RENDER_EVENT, "not connected: /connect TARGET, /help for commands");
	loop();
	hide_prompt();
	shell_finish(&cli.sh);
	free(cli.prompt);
	free(cli.last_history);
	return 0;
}

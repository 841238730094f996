/* SPDX-License-Identifier: MIT */
/* Unit tests for rendering: sanitising hostile server bytes, markers, colour and prompts. */
/* posix_openpt() and friends are XSI, outside plain POSIX 2008. */
#define _XOPEN_SOURCE 700

#include "render.h"
#include "tap.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Nothing in s may drive a terminal: it is valid UTF-8 with no C0, DEL or
 * C1 code point (decoded here independently of render.c). */
static bool terminal_safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (u[i]) {
		uint32_t cp, min;
		size_t n;

		if (u[i] < 0x80) {
			if (u[i] < 0x20 || u[i] == 0x7f) {
				return false;
			}
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = u[i] & 0x1f;
			min = 0x80;
		} else if ((u[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = u[i] & 0x0f;
			min = 0x800;
		} else if ((u[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = u[i] & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		for (size_t k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f)) {
			return false;
		}
		i += n;
	}
	return true;
}

static void check_sanitize(const char *in, size_t len, const char *want, const char *what)
{
	char *got = render_sanitize_dup(in, len);

	is_str(got, want, "sanitize %s", what);
	ok(got && terminal_safe(got), "sanitize %s: terminal safe", what);
	free(got);
}

#define SANITIZE(in, want, what) check_sanitize((in), sizeof(in) - 1, (want), (what))

static void test_sanitize(void)
{
	SANITIZE("250 ok", "250 ok", "plain ASCII");
	SANITIZE("", "", "empty");
	SANITIZE("\x1b[2J", "\\x1b[2J", "clear screen");
	SANITIZE("a\x1b]52;c;ZXZpbA==\x07z", "a\\x1b]52;c;ZXZpbA==\\x07z",
		"OSC 52 clipboard write");
	SANITIZE("\x1b]0;title\x1b\\", "\\x1b]0;title\\x1b\\", "OSC title with ST");
	SANITIZE("ding\x07", "ding\\x07", "BEL");
	SANITIZE("a\0b", "a\\x00b", "NUL");
	SANITIZE("a\tb\rc\nd", "a\\tb\\rc\\nd", "TAB CR LF");
	SANITIZE("del\x7f", "del\\x7f", "DEL");
	SANITIZE("\xc2\x9b" "31mred", "\\u009b31mred", "C1 CSI as UTF-8");
	SANITIZE("\xc2\x80\xc2\x9f", "\\u0080\\u009f", "C1 range ends");
	SANITIZE("\x9b" "31m", "\\x9b31m", "raw 8-bit CSI");
	SANITIZE("caf\xc3\xa9", "caf\xc3\xa9", "keeps e acute");
	SANITIZE("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", "keeps CJK");
	SANITIZE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "keeps 4-byte emoji");
	SANITIZE("\xc2\xa0", "\xc2\xa0", "keeps NBSP (first non-C1 in C2 range)");
	SANITIZE("\xff\xfe", "\\xff\\xfe", "invalid bytes");
	SANITIZE("\xe6\x97" "a", "\\xe6\\x97a", "truncated sequence");
	SANITIZE("\xe6\x97", "\\xe6\\x97", "truncated at the end");
	SANITIZE("\xc0\xaf", "\\xc0\\xaf", "overlong");
	SANITIZE("\xe0\x80\xaf", "\\xe0\\x80\\xaf", "3-byte overlong");
	SANITIZE("\xed\xa0\x80", "\\xed\\xa0\\x80", "surrogate");
	SANITIZE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "above U+10FFFF");
	SANITIZE("a\\x1b", "a\\x1b", "backslash kept as is");
	SANITIZE("\xe2\x80\xae" "evil", "\\u202eevil", "bidi override escaped");

	/* Every single byte, and pseudo-random strings, come out safe. */
	bool safe = true;
	char in[64];
	uint32_t seed = 12345;

	for (int c = 0; c < 256; c++) {
		char b = (char)c, *out = render_sanitize_dup(&b, 1);

		safe = safe && out && terminal_safe(out);
		free(out);
	}
	ok(safe, "every single byte sanitised safely");
	safe = true;
	for (int round = 0; round < 5000; round++) {
		size_t len = (size_t)(round % 64);
		char *out;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Bias towards the interesting bytes: ESC, C2, continuations. */
			switch ((seed >> 28) & 3) {
			case 0:
				in[i] = "\x1b\xc2\x9b\x07\0\x7f\r\n"[(seed >> 16) & 7];
				break;
			default:
				in[i] = (char)(seed >> 16);
				break;
			}
		}
		out = render_sanitize_dup(in, len);
		safe = safe && out && terminal_safe(out);
		free(out);
	}
	ok(safe, "random hostile strings sanitised safely");
}

static void test_markers(void)
{
	is_str(render_marker(RENDER_SENT, false), "->", "SENT marker");
	is_str(render_marker(RENDER_SENT, true), "~>", "SENT marker in TLS");
	is_str(render_marker(RENDER_RECV, false), "<-", "RECV marker");
	is_str(render_marker(RENDER_RECV, true), "<~", "RECV marker in TLS");
	is_str(render_marker(RENDER_EVENT, false), "**", "EVENT marker");
	is_str(render_marker(RENDER_ERROR, false), "!!", "ERROR marker");
	is_str(render_marker(RENDER_WARN, false), "!!", "WARN marker");
	is_str(render_marker(RENDER_INFO, false), "", "INFO marker");
	is_str(render_marker(RENDER_NOTE, true), "", "NOTE marker");
}

static void check_line(enum render_kind kind, bool tls, int code, const char *text, bool color,
	const char *want, const char *what)
{
	char *got = render_line_dup(kind, tls, code, text, color);

	is_str(got, want, "line %s", what);
	free(got);
}

static void test_lines(void)
{
	check_line(RENDER_SENT, false, 0, "EHLO client.example", false, "-> EHLO client.example",
		"sent");
	check_line(RENDER_SENT, true, 0, "MAIL FROM:<>", false, "~> MAIL FROM:<>", "sent in TLS");
	check_line(RENDER_RECV, false, 250, "250 ok", false, "<- 250 ok", "received");
	check_line(RENDER_RECV, true, 250, "250 ok", false, "<~ 250 ok", "received in TLS");
	check_line(RENDER_EVENT, false, 0, "connected", false, "** connected", "event");
	check_line(RENDER_ERROR, false, 0, "refused", false, "!! refused", "error");
	check_line(RENDER_WARN, false, 0, "RCPT before MAIL", false, "!! RCPT before MAIL", "warn");
	check_line(RENDER_INFO, false, 0, "help text", false, "help text", "info");
	check_line(RENDER_NOTE, false, 0, "5.7.1 policy", false, "   5.7.1 policy", "note");
	check_line(RENDER_SENT, false, 0, NULL, false, "-> ", "NULL text");

	check_line(RENDER_RECV, false, 250, "250 ok", true, "\033[32m<- 250 ok\033[0m",
		"2xx green");
	check_line(RENDER_RECV, false, 354, "354 go", true, "\033[36m<- 354 go\033[0m", "3xx cyan");
	check_line(RENDER_RECV, false, 421, "421 bye", true, "\033[33m<- 421 bye\033[0m",
		"4xx yellow");
	check_line(RENDER_RECV, true, 550, "550 no", true, "\033[31m<~ 550 no\033[0m", "5xx red");
	check_line(RENDER_RECV, false, 0, "abc", true, "\033[35m<- abc\033[0m", "bad code magenta");
	check_line(RENDER_RECV, false, 199, "199 x", true, "\033[35m<- 199 x\033[0m",
		"1xx magenta");
	check_line(RENDER_ERROR, false, 0, "x", true, "\033[1;31m!! x\033[0m", "error bold red");
	check_line(RENDER_WARN, false, 0, "x", true, "\033[33m!! x\033[0m", "warn yellow");
	check_line(RENDER_NOTE, false, 0, "x", true, "\033[2m   x\033[0m", "note dim");
	check_line(RENDER_EVENT, false, 0, "x", true, "\033[34m** x\033[0m", "event blue");
	check_line(RENDER_SENT, false, 0, "x", true, "\033[1m-> x\033[0m", "sent bold");
	check_line(RENDER_INFO, false, 0, "x", true, "x", "info plain");

	static const enum render_kind kinds[] = {
		RENDER_SENT, RENDER_RECV, RENDER_EVENT, RENDER_ERROR, RENDER_WARN, RENDER_INFO,
		RENDER_NOTE,
	};
	bool no_esc = true, reset = true, basic = true;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (int code = 0; code < 700; code += 50) {
			char *plain = render_line_dup(kinds[i], code & 1, code, "text", false);
			char *col = render_line_dup(kinds[i], code & 1, code, "text", true);
			size_t n = col ? strlen(col) : 0;

			no_esc = no_esc && plain && !strchr(plain, '\033');
			if (col && strchr(col, '\033')) {
				reset = reset && n >= 4 && strcmp(col + n - 4, "\033[0m") == 0;
				basic = basic && !strstr(col, "38;5") && !strstr(col, "38;2");
			}
			free(plain);
			free(col);
		}
	}
	ok(no_esc, "no ESC byte in any line without colour");
	ok(reset, "coloured lines end with a reset");
	ok(basic, "only basic colours");
}

/* A pseudo-terminal to test AUTO against: returns its slave side and puts
 * the master in *master; -1 when the system has none to give. */
static int open_tty(int *master)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;
	char *name;

	if (m < 0) {
		return -1;
	}
	if (grantpt(m) != 0 || unlockpt(m) != 0 || !(name = ptsname(m))) {
		close(m);
		return -1;
	}
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0) {
		close(m);
		return -1;
	}
	*master = m;
	return s;
}

static void test_color_enabled(void)
{
	int pipefd[2], m = -1, s;

	if (pipe(pipefd) != 0) {
		ok(0, "pipe");
		return;
	}
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	ok(!render_color_enabled(COLOR_AUTO, pipefd[1]), "auto: off on a pipe");
	ok(render_color_enabled(COLOR_ALWAYS, pipefd[1]), "always: on on a pipe");
	ok(!render_color_enabled(COLOR_NEVER, pipefd[1]), "never: off on a pipe");
	setenv("NO_COLOR", "1", 1);
	setenv("TERM", "dumb", 1);
	ok(render_color_enabled(COLOR_ALWAYS, pipefd[1]), "always wins over NO_COLOR and dumb");
	close(pipefd[0]);
	close(pipefd[1]);

	s = open_tty(&m);
	if (s < 0) {
		for (int i = 0; i < 6; i++) {
			ok(1, "# SKIP no pseudo-terminal available");
		}
		return;
	}
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	ok(render_color_enabled(COLOR_AUTO, s), "auto: on on a terminal");
	setenv("NO_COLOR", "", 1);
	ok(render_color_enabled(COLOR_AUTO, s), "auto: empty NO_COLOR does not disable");
	setenv("NO_COLOR", "1", 1);
	ok(!render_color_enabled(COLOR_AUTO, s), "auto: NO_COLOR disables");
	ok(render_color_enabled(COLOR_ALWAYS, s), "always: NO_COLOR does not matter");
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	ok(!render_color_enabled(COLOR_AUTO, s), "auto: TERM=dumb disables");
	ok(!render_color_enabled(COLOR_NEVER, s), "never: off on a terminal");
	close(s);
	close(m);
}

/* Remove readline's \001 ... \002 spans, leaving what takes columns. */
static void strip_ignored(const char *in, char *out)
{
	bool hidden = false;

	for (; *in; in++) {
		if (*in == '\001') {
			hidden = true;
		} else if (*in == '\002') {
			hidden = false;
		} else if (!hidden) {
			*out++ = *in;
		}
	}
	*out = '\0';
}

/* Every ESC sits inside a \001 ... \002 span. */
static bool escapes_wrapped(const char *s)
{
	bool inside = false, escs = false;

	for (; *s; s++) {
		if (*s == '\001') {
			if (inside) {
				return false;
			}
			inside = true;
		} else if (*s == '\002') {
			if (!inside) {
				return false;
			}
			inside = false;
		} else if (*s == '\033') {
			if (!inside) {
				return false;
			}
			escs = true;
		}
	}
	return !inside && escs;
}

static void test_prompt(void)
{
	char *p, visible[256];

	p = render_prompt_dup("mx1.example.net", "tls mail", false);
	is_str(p, "mx1.example.net tls mail> ", "prompt with state");
	free(p);
	p = render_prompt_dup("mx1.example.net", NULL, false);
	is_str(p, "mx1.example.net> ", "prompt without state");
	free(p);
	p = render_prompt_dup("mx1.example.net", "", false);
	is_str(p, "mx1.example.net> ", "prompt with empty state");
	free(p);
	p = render_prompt_dup(NULL, NULL, false);
	is_str(p, "smtpsh> ", "prompt when not connected");
	free(p);

	p = render_prompt_dup("mx1.example.net", "tls mail", true);
	ok(p && escapes_wrapped(p), "coloured prompt: escapes inside \\001 \\002");
	strip_ignored(p ? p : "", visible);
	is_str(visible, "mx1.example.net tls mail> ", "coloured prompt: visible text");
	free(p);
	p = render_prompt_dup(NULL, NULL, true);
	ok(p && escapes_wrapped(p), "coloured default prompt: escapes wrapped");
	strip_ignored(p ? p : "", visible);
	is_str(visible, "smtpsh> ", "coloured default prompt: visible text");
	free(p);

	p = render_prompt_dup("evil\033[2J\001", "x\002", true);
	strip_ignored(p ? p : "", visible);
	is_str(visible, "evil\\x1b[2J\\x01 x\\x02> ", "hostile host name made inert in the prompt");
	ok(p && escapes_wrapped(p), "hostile host name: only our escapes remain");
	free(p);
}

int main(void)
{
	test_sanitize();
	test_markers();
	test_lines();
	test_color_enabled();
	test_prompt();
	return done_testing();
}

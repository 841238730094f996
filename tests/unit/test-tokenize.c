/* SPDX-License-Identifier: MIT */
/* Unit tests for the quote-aware splitting of local command lines. */
#include "tokenize.h"
#include "tap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/*
 * Split line and compare with the expected words (a NULL-terminated list).
 * Checks the count, each word, and the NULL after the last one.
 */
static void words(const char *line, const char *what, ...)
{
	struct tokens t = { -1, NULL };
	struct err e;
	const char *want[64];
	int n = 0, i, same;
	va_list ap;

	va_start(ap, what);
	while ((want[n] = va_arg(ap, const char *)) != NULL) {
		n++;
	}
	va_end(ap);
	err_clear(&e);
	if (!ok(tokenize(line, &t, &e), "%s: splits", what)) {
		printf("#   error: %s\n", e.msg);
		return;
	}
	is_int(t.argc, n, "%s: word count", what);
	same = t.argc == n;
	for (i = 0; same && i < n; i++) {
		if (strcmp(t.argv[i], want[i]) != 0) {
			printf("#   word %d: got \"%s\", want \"%s\"\n", i, t.argv[i], want[i]);
			same = 0;
		}
	}
	ok(same, "%s: words", what);
	ok(t.argv && t.argv[t.argc] == NULL, "%s: argv ends with NULL", what);
	tokens_finish(&t);
	ok(t.argv == NULL && t.argc == 0, "%s: tokens_finish resets", what);
}

static void fails(const char *line, const char *what, const char *msg_has)
{
	struct tokens t = { 7, NULL };
	struct err e;

	err_clear(&e);
	ok(!tokenize(line, &t, &e), "%s: is an error", what);
	is_int(e.kind, ERR_USAGE, "%s: usage error", what);
	ok(strstr(e.msg, msg_has) != NULL, "%s: message says \"%s\" (\"%s\")", what, msg_has, e.msg);
	ok(t.argc == 7 && t.argv == NULL, "%s: output left untouched", what);
}

static void test_blanks(void)
{
	words("", "empty line", NULL);
	words("   \t  ", "only blanks", NULL);
	words("connect", "one word", "connect", NULL);
	words("connect mx.example.org", "two words", "connect", "mx.example.org", NULL);
	words("  a   b  ", "leading, repeated and trailing blanks", "a", "b", NULL);
	words("a\tb\t\tc", "tabs", "a", "b", "c", NULL);
	words("a \t b\r\n", "CR and LF are blanks", "a", "b", NULL);
}

static void test_quotes(void)
{
	words("echo \"hello world\"", "double quotes group", "echo", "hello world", NULL);
	words("echo 'hello world'", "single quotes group", "echo", "hello world", NULL);
	words("'a\"b'", "double quote inside single quotes", "a\"b", NULL);
	words("\"a'b\"", "single quote inside double quotes", "a'b", NULL);
	words("\"\"", "empty double-quoted word is kept", "", NULL);
	words("''", "empty single-quoted word is kept", "", NULL);
	words("set explain \"\" x", "empty word between others", "set", "explain", "", "x", NULL);
	words("a\"b c\"d", "adjacent quoted parts join", "ab cd", NULL);
	words("'a'\"b\"c", "single, double and bare parts join", "abc", NULL);
	words("\"  lead and trail  \"", "blanks inside quotes are kept", "  lead and trail  ", NULL);
	words("\"a\tb\"", "tab inside quotes is kept", "a\tb", NULL);
}

static void test_backslash(void)
{
	words("a\\ b", "backslash escapes a blank", "a b", NULL);
	words("\\\"x\\\"", "backslash escapes a double quote", "\"x\"", NULL);
	words("\\'", "backslash escapes a single quote", "'", NULL);
	words("a\\\\b", "backslash escapes a backslash", "a\\b", NULL);
	words("\\a", "backslash before a letter gives the letter", "a", NULL);
	words("\"a\\\"b\"", "backslash inside double quotes", "a\"b", NULL);
	words("\"a\\\\b\"", "escaped backslash inside double quotes", "a\\b", NULL);
	words("'a\\b'", "backslash is literal inside single quotes", "a\\b", NULL);
	words("'a\\'", "single quotes end at the next quote, backslash or not", "a\\", NULL);
	words("\\ ", "escaped blank alone is a word", " ", NULL);
}

static void test_errors(void)
{
	fails("\"abc", "unterminated double quote", "double");
	fails("'abc", "unterminated single quote", "single");
	fails("echo \"a b", "unterminated double quote after a word", "unterminated");
	fails("a\"b\"\"", "quote opened again and left open", "unterminated");
	fails("abc\\", "trailing backslash", "backslash");
	fails("\"abc\\", "trailing backslash inside double quotes", "backslash");
	fails("\\", "lone backslash", "backslash");
}

static void test_no_expansion(void)
{
	words("echo $HOME", "$VAR is literal", "echo", "$HOME", NULL);
	words("echo ${HOME}", "${VAR} is literal", "echo", "${HOME}", NULL);
	words("echo $(id)", "$(cmd) is literal", "echo", "$(id)", NULL);
	words("echo `id`", "backquotes are literal", "echo", "`id`", NULL);
	words("echo ~ ~/x", "~ is literal", "echo", "~", "~/x", NULL);
	words("echo *.c ?", "globs are literal", "echo", "*.c", "?", NULL);
	words("a;b|c&d>e<f", "shell operators are literal", "a;b|c&d>e<f", NULL);
	words("echo \"$HOME\"", "$VAR in double quotes is literal", "echo", "$HOME", NULL);
	words("#x", "# does not start a comment", "#x", NULL);
}

static void test_long(void)
{
	enum { N = 10000 };
	size_t len = (size_t)N * 6 + 1, pos = 0;
	char *line = malloc(len);
	struct tokens t = { 0, NULL };
	struct err e;
	int i, bad = 0;

	if (!line) {
		ok(0, "allocate the long line");
		return;
	}
	for (i = 0; i < N; i++) {
		pos += (size_t)snprintf(line + pos, len - pos, "%d ", i);
	}
	err_clear(&e);
	ok(tokenize(line, &t, &e), "10,000 words split");
	is_int(t.argc, N, "10,000 words counted");
	for (i = 0; i < t.argc && i < N; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d", i);
		if (strcmp(t.argv[i], want) != 0) {
			bad++;
		}
	}
	is_int(bad, 0, "every one of the 10,000 words is right");
	ok(t.argc == N && t.argv[N] == NULL, "argv ends with NULL after 10,000 words");
	tokens_finish(&t);

	/* One very long quoted word. */
	memset(line, 'x', len - 1);
	line[0] = '"';
	line[len - 2] = '"';
	line[len - 1] = '\0';
	ok(tokenize(line, &t, &e), "one 60,000-byte quoted word splits");
	ok(t.argc == 1 && strlen(t.argv[0]) == len - 3, "and is kept whole");
	tokens_finish(&t);
	free(line);

	tokens_finish(NULL);
	tokens_finish(&t);
	ok(1, "tokens_finish accepts NULL and finished tokens");
}

int main(void)
{
	test_blanks();
	test_quotes();
	test_backslash();
	test_errors();
	test_no_expansion();
	test_long();
	return done_testing();
}

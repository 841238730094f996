/* SPDX-License-Identifier: MIT */
/* Unit tests for the plain-language meaning of reply codes and enhanced status codes. */
#include "explain.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* True when some line of text starts with prefix. */
static int has_line(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p) {
		if (strncmp(p, prefix, n) == 0) {
			return 1;
		}
		p = strchr(p, '\n');
		if (p) {
			p++;
		}
	}
	return 0;
}

static int count_lines_starting(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	int count = 0;

	while (p) {
		if (strncmp(p, prefix, n) == 0) {
			count++;
		}
		p = strchr(p, '\n');
		if (p) {
			p++;
		}
	}
	return count;
}

/* Explain arg, which must succeed; the caller frees. */
static char *explain(const char *arg)
{
	struct err e;
	char *s;

	err_clear(&e);
	s = explain_code_dup(arg, &e);
	if (!ok(s != NULL, "\"%s\" is explained", arg)) {
		printf("#   error: %s\n", e.msg);
		return NULL;
	}
	ok(s[0] && s[strlen(s) - 1] != '\n', "\"%s\": text without a final newline", arg);
	return s;
}

static void bad(const char *arg, const char *what)
{
	struct err e;
	char *s;

	err_clear(&e);
	s = explain_code_dup(arg, &e);
	ok(s == NULL, "%s is an error", what);
	is_int(e.kind, ERR_USAGE, "%s: usage error", what);
	ok(e.msg[0] != '\0', "%s: with a message (\"%s\")", what, e.msg);
	free(s);
}

static void test_basic(void)
{
	char *s;

	s = explain("550");
	if (s) {
		ok(strstr(s, "mailbox unavailable") != NULL, "550 means mailbox unavailable");
		ok(strstr(s, "RFC 5321") != NULL, "550 cites RFC 5321");
		ok(has_line(s, "550: "), "550: the meaning starts with the code");
		ok(strstr(s, "permanent") != NULL, "550: the class is permanent");
		free(s);
	}

	s = explain("454");
	if (s) {
		ok(strstr(s, "TLS") && strstr(s, "RFC 3207"), "454 lists the STARTTLS meaning");
		ok(strstr(s, "authentication") && strstr(s, "RFC 4954"), "454 lists the AUTH meaning");
		is_int(count_lines_starting(s, "454: "), 2, "454: one line per meaning");
		ok(strstr(s, "transient") != NULL, "454: the class is transient");
		free(s);
	}

	s = explain("599");
	if (s) {
		ok(strstr(s, "not a registered") != NULL, "599 is said to be unregistered");
		ok(strstr(s, "5xx") && strstr(s, "permanent"), "599: the class is still explained");
		free(s);
	}

	s = explain("221");
	if (s) {
		ok(strstr(s, "positive completion") != NULL, "221: class 2 is positive completion");
		ok(strstr(s, "connections") != NULL, "221: category x2x is connections");
		free(s);
	}
}

static void test_esc(void)
{
	char *s;

	s = explain("5.7.26");
	if (s) {
		ok(has_line(s, "5.7.26: Multiple authentication checks failed"),
			"5.7.26 means multiple authentication checks failed");
		ok(strstr(s, "RFC 7372") != NULL, "5.7.26 cites RFC 7372");
		ok(strstr(s, "permanent failure") != NULL, "5.7.26: class 5 is permanent failure");
		ok(strstr(s, "security or policy") != NULL, "5.7.26: subject 7 is security or policy");
		free(s);
	}

	s = explain("4.7.0");
	if (s) {
		ok(has_line(s, "4.7.0: Other or undefined security status"), "4.7.0 is looked up");
		ok(strstr(s, "persistent transient failure") != NULL, "4.7.0: class 4 is transient");
		ok(strstr(s, "RFC 3463") != NULL, "4.7.0 cites RFC 3463");
		free(s);
	}

	s = explain("5.7.99");
	if (s) {
		ok(strstr(s, "5.7.99") && strstr(s, "not in the IANA registry"),
			"5.7.99 is said to be unregistered");
		ok(strstr(s, "security or policy") != NULL, "5.7.99: the subject is still explained");
		ok(strstr(s, "permanent failure") != NULL, "5.7.99: the class is still explained");
		free(s);
	}

	s = explain("2.0.0");
	if (s) {
		ok(strstr(s, "success") != NULL, "2.0.0: class 2 is success");
		free(s);
	}
}

static void test_both(void)
{
	char *s;

	s = explain("550 5.7.1");
	if (s) {
		ok(has_line(s, "550: ") && strstr(s, "mailbox unavailable"), "550 5.7.1: the basic code");
		ok(has_line(s, "5.7.1: Delivery not authorized"), "550 5.7.1: the enhanced code");
		ok(strstr(s, "550: ") < strstr(s, "5.7.1: "), "550 5.7.1: in the order given");
		free(s);
	}

	s = explain("  550\t 5.7.1  ");
	if (s) {
		ok(has_line(s, "550: ") && has_line(s, "5.7.1: "), "blanks around and between are ignored");
		free(s);
	}

	/* Every explanation starts on its own line, registered or not. */
	s = explain("550 599");
	if (s) {
		ok(has_line(s, "550: ") && has_line(s, "599: "), "550 599: each code starts a line");
		free(s);
	}
	s = explain("5.7.1 599 5.7.99");
	if (s) {
		ok(has_line(s, "5.7.1: ") && has_line(s, "599: ") && has_line(s, "5.7.99: "),
			"5.7.1 599 5.7.99: each code starts a line");
		free(s);
	}
}

static void test_errors(void)
{
	bad("abc", "\"abc\"");
	bad("55", "\"55\" (two digits)");
	bad("5.7", "\"5.7\" (two parts)");
	bad("", "an empty argument");
	bad("   ", "only blanks");
	bad("1000", "\"1000\" (four digits)");
	bad("099", "\"099\"");
	bad("+55", "\"+55\"");
	bad("3.7.1", "\"3.7.1\" (no such class)");
	bad("5.7.1x", "\"5.7.1x\"");
	bad("550 abc", "a good code followed by a bad one");
	bad("55555555555555555555555555555555555555", "a very long word");
}

static void test_reply_line(void)
{
	char *s;

	s = explain_reply_dup(550, "5.7.1");
	ok(s && strstr(s, "550") && strstr(s, "mailbox unavailable"),
		"explain_reply_dup(550, 5.7.1) has the basic meaning (\"%s\")", s ? s : "");
	ok(s && strstr(s, "5.7.1") && strstr(s, "Delivery not authorized"),
		"explain_reply_dup(550, 5.7.1) has the enhanced meaning");
	ok(s && !strchr(s, '\n'), "explain_reply_dup gives one line");
	free(s);

	s = explain_reply_dup(250, "");
	ok(s && strstr(s, "250") && !strchr(s, ';'), "explain_reply_dup without an enhanced code");
	free(s);
	s = explain_reply_dup(250, NULL);
	ok(s && strstr(s, "250"), "explain_reply_dup with a NULL enhanced code");
	free(s);

	s = explain_reply_dup(599, "5.7.99");
	ok(s && strstr(s, "599") && strstr(s, "unregistered") && strstr(s, "permanent"),
		"explain_reply_dup of an unregistered code gives its class (\"%s\")", s ? s : "");
	ok(s && strstr(s, "5.7.99") && strstr(s, "security or policy"),
		"explain_reply_dup of an unregistered detail gives its subject");
	free(s);
}

int main(void)
{
	test_basic();
	test_esc();
	test_both();
	test_errors();
	test_reply_line();
	return done_testing();
}

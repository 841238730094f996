/* SPDX-License-Identifier: MIT */
/* Unit tests for the local command table and the SMTP verb table. */
#include "cmd.h"
#include "tap.h"

#include <ctype.h>
#include <string.h>

static int nonempty(const char *s)
{
	return s && *s;
}

static int all_chars(const char *s, int (*cls)(int))
{
	if (!nonempty(s)) {
		return 0;
	}
	for (; *s; s++) {
		if (!cls((unsigned char)*s)) {
			return 0;
		}
	}
	return 1;
}

static int is_lower_name(int c)
{
	return islower(c) || isdigit(c) || c == '-';
}

static int is_upper_name(int c)
{
	return isupper(c) || isdigit(c);
}

/*
 * <> and [] are balanced and properly nested, <> never nests. Returns the
 * number of top-level <...> words (the required arguments), or -1.
 */
static int count_required(const char *args)
{
	char stack[32];
	int depth = 0, required = 0;
	const char *p;

	for (p = args; *p; p++) {
		if (*p == '<' || *p == '[') {
			if (depth >= (int)sizeof(stack) || (depth > 0 && stack[depth - 1] == '<')) {
				return -1;
			}
			if (*p == '<' && depth == 0) {
				required++;
			}
			stack[depth++] = *p;
		} else if (*p == '>' || *p == ']') {
			if (depth == 0 || stack[depth - 1] != (*p == '>' ? '<' : '[')) {
				return -1;
			}
			depth--;
		}
	}
	return depth == 0 ? required : -1;
}

static void test_helpers(void)
{
	is_int(count_required(""), 0, "checker: no arguments");
	is_int(count_required("<a> [b]"), 1, "checker: one required, one optional");
	is_int(count_required("[a [b]]"), 0, "checker: nested optional");
	is_int(count_required("<a"), -1, "checker: unclosed <");
	is_int(count_required("[a>"), -1, "checker: mismatched pair");
	is_int(count_required("a]"), -1, "checker: stray ]");
	is_int(count_required("<a <b>>"), -1, "checker: nested <>");
}

static void test_commands(void)
{
	size_t i, n;
	const struct cmd *c = cmd_table(&n);
	int unsorted = 0, dup = 0, badname = 0, nosummary = 0, noexample = 0, badargs = 0,
		badcount = 0, nohandler = 0;

	ok(n >= 10, "the command table has the commands (%zu)", n);
	for (i = 0; i < n; i++) {
		char example[64];
		int req;

		if (i > 0 && strcmp(c[i - 1].name, c[i].name) >= 0) {
			printf("# %s is not after %s\n", c[i].name, c[i - 1].name);
			if (strcmp(c[i - 1].name, c[i].name) == 0) {
				dup++;
			} else {
				unsorted++;
			}
		}
		if (!all_chars(c[i].name, is_lower_name)) {
			printf("# command name \"%s\"\n", c[i].name);
			badname++;
		}
		if (!nonempty(c[i].summary) || strchr(c[i].summary, '\n')) {
			printf("# /%s: summary\n", c[i].name);
			nosummary++;
		}
		snprintf(example, sizeof(example), "Example: /%s", c[i].name);
		if (!nonempty(c[i].help) || !strstr(c[i].help, example)) {
			printf("# /%s: help without \"%s\"\n", c[i].name, example);
			noexample++;
		}
		if (c[i].max_args != -1 && (c[i].max_args < 0 || c[i].min_args > c[i].max_args)) {
			printf("# /%s: min %d max %d\n", c[i].name, c[i].min_args, c[i].max_args);
			badargs++;
		}
		if (c[i].min_args < 0) {
			badargs++;
		}
		req = c[i].args ? count_required(c[i].args) : -1;
		if (req != c[i].min_args) {
			printf("# /%s: args \"%s\" (%d required words), min_args %d\n", c[i].name,
				c[i].args ? c[i].args : "(null)", req, c[i].min_args);
			badcount++;
		}
		if (!c[i].run) {
			printf("# /%s: no handler\n", c[i].name);
			nohandler++;
		}
	}
	is_int(unsorted, 0, "commands are sorted by name");
	is_int(dup, 0, "command names are unique");
	is_int(badname, 0, "command names are lower case");
	is_int(nosummary, 0, "every command has a one-line summary");
	is_int(noexample, 0, "every command's help has an example of it");
	is_int(badargs, 0, "min_args <= max_args, or max_args is -1");
	is_int(badcount, 0, "args strings are balanced and name min_args <...> words");
	is_int(nohandler, 0, "every command has a handler");
}

static void test_verbs(void)
{
	size_t i, n;
	const struct smtp_verb *v = cmd_verbs(&n);
	int unsorted = 0, dup = 0, badname = 0, nosummary = 0, nosyntax = 0, norfc = 0,
		noexample = 0;

	ok(n >= 15, "the verb table has the verbs (%zu)", n);
	for (i = 0; i < n; i++) {
		size_t len = v[i].name ? strlen(v[i].name) : 0;

		if (i > 0 && strcmp(v[i - 1].name, v[i].name) >= 0) {
			printf("# %s is not after %s\n", v[i].name, v[i - 1].name);
			if (strcmp(v[i - 1].name, v[i].name) == 0) {
				dup++;
			} else {
				unsorted++;
			}
		}
		if (!all_chars(v[i].name, is_upper_name)) {
			printf("# verb name \"%s\"\n", v[i].name);
			badname++;
		}
		if (!nonempty(v[i].summary)) {
			nosummary++;
		}
		/* The syntax and the example start with the verb itself. */
		if (!nonempty(v[i].syntax) || strncmp(v[i].syntax, v[i].name, len) != 0 ||
		    (v[i].syntax[len] != '\0' && v[i].syntax[len] != ' ')) {
			printf("# %s: syntax \"%s\"\n", v[i].name, v[i].syntax);
			nosyntax++;
		}
		if (!nonempty(v[i].rfc)) {
			norfc++;
		}
		if (!nonempty(v[i].example) || strncmp(v[i].example, v[i].name, len) != 0 ||
		    (v[i].example[len] != '\0' && v[i].example[len] != ' ')) {
			printf("# %s: example \"%s\"\n", v[i].name, v[i].example);
			noexample++;
		}
	}
	is_int(unsorted, 0, "verbs are sorted by name");
	is_int(dup, 0, "verb names are unique");
	is_int(badname, 0, "verb names are upper case");
	is_int(nosummary, 0, "every verb has a summary");
	is_int(nosyntax, 0, "every verb has a syntax starting with it");
	is_int(norfc, 0, "every verb names its RFC");
	is_int(noexample, 0, "every verb has an example starting with it");

	/* The verbs a user types most must be there. */
	ok(cmd_verb_find("EHLO") && cmd_verb_find("MAIL") && cmd_verb_find("RCPT") &&
		cmd_verb_find("DATA") && cmd_verb_find("QUIT") && cmd_verb_find("STARTTLS") &&
		cmd_verb_find("AUTH") && cmd_verb_find("BDAT") && cmd_verb_find("LHLO"),
		"the core verbs are in the table");
}

static void test_find(void)
{
	bool amb;
	const struct cmd *c;
	const struct smtp_verb *v;

	amb = true;
	c = cmd_find("connect", &amb);
	is_str(c ? c->name : NULL, "connect", "exact name finds connect");
	ok(!amb, "exact name is not ambiguous");
	amb = true;
	c = cmd_find("close", &amb);
	is_str(c ? c->name : NULL, "close", "exact name finds close");
	amb = true;
	c = cmd_find("conn", &amb);
	is_str(c ? c->name : NULL, "connect", "\"conn\" is a unique prefix of connect");
	ok(!amb, "\"conn\" is not ambiguous");
	c = cmd_find("q", &amb);
	is_str(c ? c->name : NULL, "quit", "\"q\" finds quit");
	c = cmd_find("expl", &amb);
	is_str(c ? c->name : NULL, "explain", "\"expl\" finds explain");
	c = cmd_find("sl", &amb);
	is_str(c ? c->name : NULL, "sleep", "\"sl\" finds sleep");
	c = cmd_find("set", &amb);
	is_str(c ? c->name : NULL, "set", "\"set\" is exact");

	amb = false;
	c = cmd_find("e", &amb);
	ok(c == NULL && amb, "\"e\" is ambiguous (echo, ehlo, expect, explain)");
	amb = false;
	c = cmd_find("exp", &amb);
	ok(c == NULL && amb, "\"exp\" is ambiguous (expect, explain)");
	amb = false;
	c = cmd_find("c", &amb);
	ok(c == NULL && amb, "\"c\" is ambiguous (close, connect)");

	amb = true;
	c = cmd_find("frobnicate", &amb);
	ok(c == NULL && !amb, "an unknown name is not found and not ambiguous");
	amb = true;
	c = cmd_find("connectx", &amb);
	ok(c == NULL && !amb, "a name longer than a command is not found");
	amb = true;
	c = cmd_find("", &amb);
	ok(c == NULL && !amb, "an empty name is not found");

	v = cmd_verb_find("MAIL");
	is_str(v ? v->name : NULL, "MAIL", "verb MAIL found");
	v = cmd_verb_find("mail");
	is_str(v ? v->name : NULL, "MAIL", "verb lookup is case-insensitive (mail)");
	v = cmd_verb_find("StartTLS");
	is_str(v ? v->name : NULL, "STARTTLS", "verb lookup is case-insensitive (StartTLS)");
	ok(cmd_verb_find("MAI") == NULL, "verbs are not found by prefix");
	ok(cmd_verb_find("FROB") == NULL, "an unknown verb is not found");
	ok(cmd_verb_find("") == NULL, "an empty verb is not found");
}

int main(void)
{
	test_helpers();
	test_commands();
	test_verbs();
	test_find();
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
/* Unit tests for the reply code, enhanced status code and EHLO keyword tables. */
#include "codes.h"
#include "tap.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int nonempty(const char *s)
{
	return s && *s;
}

/* True when the space-separated list has tok as one of its words. */
static int has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = list;

	if (!list) {
		return 0;
	}
	while ((p = strstr(p, tok))) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ')) {
			return 1;
		}
		p += n;
	}
	return 0;
}

static void test_basic_codes(void)
{
	/* RFC 5321 4.2.3: a client must know every one of these. */
	static const int rfc5321[] = {
		211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455,
		500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555,
	};
	static const int extensions[] = {
		235, 253, 334, 355, 432, 453, 454, 458, 459, 521, 523, 524, 525,
		530, 534, 535, 538, 556,
	};
	size_t i;
	int missing = 0, not_first = 0;
	const struct code_reply *r;

	for (i = 0; i < sizeof(rfc5321) / sizeof(rfc5321[0]); i++) {
		r = codes_reply_find(rfc5321[i]);
		if (!r) {
			printf("# %d missing\n", rfc5321[i]);
			missing++;
		} else if (strcmp(r->rfc, "RFC 5321") != 0) {
			/* the generic meaning must win when the command is unknown */
			printf("# %d: first entry is from %s\n", rfc5321[i], r->rfc);
			not_first++;
		}
	}
	is_int(missing, 0, "every RFC 5321 basic code is found");
	is_int(not_first, 0, "the RFC 5321 meaning comes first for each of them");

	missing = 0;
	for (i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		if (!codes_reply_find(extensions[i])) {
			printf("# %d missing\n", extensions[i]);
			missing++;
		}
	}
	is_int(missing, 0, "every extension reply code is found");

	r = codes_reply_find(550);
	ok(r && strstr(r->meaning, "mailbox unavailable"), "550 decodes");
	is_str(r ? r->rfc : NULL, "RFC 5321", "550 is from RFC 5321");
	ok(codes_reply_find(599) == NULL, "599 is not found");
	ok(codes_reply_find(0) == NULL, "0 is not found");

	r = codes_reply_find(454);
	is_str(r ? r->rfc : NULL, "RFC 3207", "454 first means TLS not available");
	r = codes_reply_next(r);
	is_str(r ? r->rfc : NULL, "RFC 4954", "454 also means AUTH temporary failure");
	ok(r && nonempty(r->context), "the second 454 says where it is seen");
	ok(codes_reply_next(r) == NULL || codes_reply_next(r)->code == 454,
	    "codes_reply_next stays on one code");

	r = codes_reply_find(220);
	ok(r && r->context && strstr(r->context, "greeting"), "220 first is the greeting");
	r = codes_reply_next(r);
	ok(r && strstr(r->meaning, "TLS"), "220 also answers STARTTLS");
	ok(codes_reply_next(codes_reply_find(211)) == NULL, "211 has one meaning");
	ok(codes_reply_next(NULL) == NULL, "codes_reply_next(NULL) is NULL");
	ok(codes_reply_at(codes_reply_count()) == NULL, "codes_reply_at past the end is NULL");
}

static void test_reply_classes(void)
{
	is_str(codes_reply_class(2), "positive completion", "class 2");
	is_str(codes_reply_class(3), "positive intermediate", "class 3");
	is_str(codes_reply_class(4), "transient negative completion", "class 4");
	is_str(codes_reply_class(5), "permanent negative completion", "class 5");
	ok(codes_reply_class(1) == NULL, "class 1 is out of range");
	ok(codes_reply_class(6) == NULL, "class 6 is out of range");
	ok(codes_reply_class(-1) == NULL, "class -1 is out of range");

	is_str(codes_reply_category(0), "syntax", "category 0");
	is_str(codes_reply_category(1), "information", "category 1");
	is_str(codes_reply_category(2), "connections", "category 2");
	is_str(codes_reply_category(3), "unspecified", "category 3");
	is_str(codes_reply_category(4), "unspecified", "category 4");
	is_str(codes_reply_category(5), "mail system", "category 5");
	ok(codes_reply_category(6) == NULL, "category 6 is out of range");
	ok(codes_reply_category(-1) == NULL, "category -1 is out of range");
}

static void test_reply_invariants(void)
{
	size_t i, n = codes_reply_count();
	int bad_range = 0, bad_text = 0, unsorted = 0;
	const struct code_reply *r, *prev = NULL;

	ok(n > 0, "reply table is not empty");
	for (i = 0; i < n; i++) {
		r = codes_reply_at(i);
		if (r->code < 200 || r->code > 599 || r->code / 10 % 10 > 5) {
			printf("# reply %d out of range\n", r->code);
			bad_range++;
		}
		if (!nonempty(r->meaning) || !nonempty(r->rfc) ||
		    (r->context && !*r->context)) {
			printf("# reply %d has an empty text\n", r->code);
			bad_text++;
		}
		/* codes_reply_next relies on one code's entries being adjacent */
		if (prev && prev->code > r->code) {
			printf("# reply %d after %d\n", r->code, prev->code);
			unsorted++;
		}
		prev = r;
	}
	is_int(bad_range, 0, "reply codes are in 200-599, first digit 2-5, second 0-5");
	is_int(bad_text, 0, "every reply entry has meaning and RFC");
	is_int(unsorted, 0, "reply table is sorted by code");
}

static void test_esc(void)
{
	const struct code_esc *e;

	e = codes_esc_find(7, 26);
	ok(e != NULL, "5.7.26 is found");
	is_str(e ? e->meaning : NULL, "Multiple authentication checks failed",
	    "5.7.26 decodes");
	is_str(e ? e->rfc : NULL, "RFC 7372", "5.7.26 is from RFC 7372");

	e = codes_esc_find(7, 30);
	is_str(e ? e->meaning : NULL, "REQUIRETLS support required", "5.7.30 decodes");
	is_str(e ? e->rfc : NULL, "RFC 8689", "5.7.30 is from RFC 8689");

	e = codes_esc_find(1, 10);
	is_str(e ? e->meaning : NULL, "Recipient address has null MX", "5.1.10 decodes");
	is_str(e ? e->basic : NULL, "556", "5.1.10 goes with 556");

	e = codes_esc_find(1, 1);
	ok(e && strstr(e->basic, "550"), "5.1.1 goes with 550");
	ok(codes_esc_find(1, 9) && codes_esc_find(3, 6) && codes_esc_find(6, 10),
	    "X.1.9, X.3.6 and X.6.10 are found");

	ok(codes_esc_find(7, 99) == NULL, "5.7.99 is not found");
	is_str(codes_esc_subject(7), "security or policy status",
	    "but subject 7 has a text to fall back to");
	is_str(codes_esc_class(5), "permanent failure", "and class 5 too");
	ok(codes_esc_find(8, 0) == NULL, "X.8.0 is not found");

	is_str(codes_esc_class(2), "success", "esc class 2");
	is_str(codes_esc_class(4), "persistent transient failure", "esc class 4");
	ok(codes_esc_class(3) == NULL, "esc class 3 does not exist");
	ok(codes_esc_class(6) == NULL, "esc class 6 does not exist");
	ok(codes_esc_subject(8) == NULL, "esc subject 8 does not exist");
	ok(codes_esc_subject(-1) == NULL, "esc subject -1 does not exist");
	ok(codes_esc_at(codes_esc_count()) == NULL, "codes_esc_at past the end is NULL");
}

static void test_esc_invariants(void)
{
	size_t i, n = codes_esc_count();
	int bad_subject = 0, bad_text = 0, unsorted = 0, no_subject = 0;
	const struct code_esc *e, *prev = NULL;

	ok(n >= 70, "at least 70 enhanced status codes (%zu)", n);
	for (i = 0; i < n; i++) {
		e = codes_esc_at(i);
		if (e->subject < 0 || e->subject > 7 || e->detail < 0) {
			printf("# X.%d.%d out of range\n", e->subject, e->detail);
			bad_subject++;
		}
		if (!nonempty(e->meaning) || !nonempty(e->rfc) || !e->basic) {
			printf("# X.%d.%d has an empty text\n", e->subject, e->detail);
			bad_text++;
		}
		/* strictly increasing: bsearch needs order, and no duplicates */
		if (prev && (prev->subject > e->subject ||
		    (prev->subject == e->subject && prev->detail >= e->detail))) {
			printf("# X.%d.%d after X.%d.%d\n", e->subject, e->detail,
			    prev->subject, prev->detail);
			unsorted++;
		}
		prev = e;
	}
	for (i = 0; i <= 7; i++) {
		if (!nonempty(codes_esc_subject((int)i)) || !codes_esc_find((int)i, 0)) {
			no_subject++;
		}
	}
	is_int(bad_subject, 0, "esc subjects are 0-7");
	is_int(bad_text, 0, "every esc entry has meaning, basic and RFC");
	is_int(unsorted, 0, "esc table is sorted with no duplicates");
	is_int(no_subject, 0, "every subject 0-7 has a text and an X.n.0 entry");

	/* every registered detail up to the last one of each subject is present */
	static const int last[] = { 0, 10, 4, 6, 7, 6, 10, 30 };
	int holes = 0;
	for (i = 0; i <= 7; i++) {
		int d;

		for (d = 0; d <= last[i]; d++) {
			if (!codes_esc_find((int)i, d)) {
				printf("# X.%zu.%d missing\n", i, d);
				holes++;
			}
		}
	}
	is_int(holes, 0, "no hole in the registry from X.0.0 to X.7.30");
}

static void test_ehlo(void)
{
	const struct code_ehlo *k;

	k = codes_ehlo_find("pipelining");
	is_str(k ? k->keyword : NULL, "PIPELINING", "lookup is case-insensitive");
	k = codes_ehlo_find("StartTLS");
	is_str(k ? k->verbs : NULL, "STARTTLS", "STARTTLS adds the STARTTLS verb");
	ok(codes_ehlo_find("LHLO") == NULL, "LHLO is a verb, not a keyword");
	ok(codes_ehlo_find("NOSUCHKEYWORD") == NULL, "unknown keyword is not found");
	ok(codes_ehlo_find("") == NULL, "empty keyword is not found");
	ok(codes_ehlo_find(NULL) == NULL, "NULL keyword is not found");

	k = codes_ehlo_find("DSN");
	ok(k && has_token(k->rcpt_params, "NOTIFY="), "DSN carries NOTIFY= in RCPT params");
	ok(k && has_token(k->rcpt_params, "ORCPT="), "DSN carries ORCPT= in RCPT params");
	ok(k && has_token(k->mail_params, "RET=") && has_token(k->mail_params, "ENVID="),
	    "DSN carries RET= and ENVID= in MAIL params");

	k = codes_ehlo_find("size");
	ok(k && has_token(k->mail_params, "SIZE="), "SIZE adds SIZE=");
	k = codes_ehlo_find("8bitmime");
	ok(k && has_token(k->mail_params, "BODY="), "8BITMIME adds BODY=");
	k = codes_ehlo_find("chunking");
	ok(k && has_token(k->verbs, "BDAT"), "CHUNKING adds BDAT");
	k = codes_ehlo_find("auth");
	ok(k && has_token(k->mail_params, "AUTH=") && has_token(k->verbs, "AUTH"),
	    "AUTH adds AUTH= and the AUTH verb");
	k = codes_ehlo_find("futurerelease");
	ok(k && has_token(k->mail_params, "HOLDFOR=") &&
	    has_token(k->mail_params, "HOLDUNTIL="), "FUTURERELEASE adds HOLDFOR= HOLDUNTIL=");
	k = codes_ehlo_find("rrvs");
	ok(k && has_token(k->rcpt_params, "RRVS="), "RRVS adds RRVS= to RCPT");
	k = codes_ehlo_find("xclient");
	is_str(k ? k->rfc : NULL, "Postfix", "XCLIENT comes from Postfix");

	static const char *const must[] = {
		"8BITMIME", "ATRN", "AUTH", "BINARYMIME", "BURL", "CHECKPOINT",
		"CHUNKING", "CONNEG", "CONPERM", "DELIVERBY", "DSN",
		"ENHANCEDSTATUSCODES", "ETRN", "EXPN", "FUTURERELEASE", "HELP",
		"LIMITS", "MT-PRIORITY", "MTRK", "NO-SOLICITING", "ONEX",
		"PIPELINING", "REQUIRETLS", "RRVS", "SAML", "SEND", "SIZE",
		"SMTPUTF8", "SOML", "STARTTLS", "TURN", "UTF8SMTP", "VERB", "VRFY",
		"X-ANONYMOUSTLS", "X-EXPS", "X-LINK2STATE", "XCLIENT", "XEXCH50",
		"XFORWARD", "XUSR", "XVERP",
	};
	size_t i;
	int missing = 0;

	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		if (!codes_ehlo_find(must[i])) {
			printf("# %s missing\n", must[i]);
			missing++;
		}
	}
	is_int(missing, 0, "every registered and common private keyword is found");
	ok(codes_ehlo_at(codes_ehlo_count()) == NULL, "codes_ehlo_at past the end is NULL");
}

static void test_ehlo_invariants(void)
{
	size_t i, n = codes_ehlo_count();
	int unsorted = 0, bad_text = 0, not_upper = 0, not_found = 0;
	const struct code_ehlo *k, *prev = NULL;

	ok(n > 0, "EHLO table is not empty");
	for (i = 0; i < n; i++) {
		const char *p;

		k = codes_ehlo_at(i);
		if (!nonempty(k->keyword) || !nonempty(k->meaning) || !nonempty(k->rfc)) {
			printf("# entry %zu has an empty text\n", i);
			bad_text++;
			continue;
		}
		for (p = k->keyword; *p; p++) {
			if (islower((unsigned char)*p)) {
				not_upper++;
				break;
			}
		}
		/* strictly increasing, case-insensitively: sorted and no duplicates */
		if (prev && strcasecmp(prev->keyword, k->keyword) >= 0) {
			printf("# %s after %s\n", k->keyword, prev->keyword);
			unsorted++;
		}
		if (codes_ehlo_find(k->keyword) != k) {
			not_found++;
		}
		prev = k;
	}
	is_int(bad_text, 0, "every EHLO entry has keyword, meaning and RFC");
	is_int(not_upper, 0, "keywords are upper case");
	is_int(unsorted, 0, "EHLO table is sorted with no duplicate keyword");
	is_int(not_found, 0, "every keyword finds its own entry");
}

int main(void)
{
	test_basic_codes();
	test_reply_classes();
	test_reply_invariants();
	test_esc();
	test_esc_invariants();
	test_ehlo();
	test_ehlo_invariants();
	return done_testing();
}

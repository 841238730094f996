/* SPDX-License-Identifier: MIT */
/* Unit tests for the advisory SMTP state machine, driven by replies from the real parser. */
#include "session.h"
#include "feed.h"
#include "tap.h"

#include <string.h>

static const char ehlo_reply[] =
	"250-mx.example.org Hello client.example.net [192.0.2.1]\r\n"
	"250-PIPELINING\r\n"
	"250-size 10240000\r\n"
	"250-AUTH=LOGIN PLAIN\r\n"
	"250-ENHANCEDSTATUSCODES\r\n"
	"250-8BITMIME\r\n"
	"250 SMTPUTF8\r\n";

/* Feed wire bytes through the reply parser and hand the one complete reply to s. */
static const char *reply(struct session *s, const char *wire)
{
	const char *verb = NULL;
	int complete = feed_replies(s, wire, &verb);

	if (complete != 1)
		printf("# %d complete replies in \"%s\"\n", complete, wire);
	return verb;
}

static bool warns(const struct session *s, const char *line, char *warn, size_t len)
{
	return session_check_line(s, line, warn, len);
}

/* Connected, greeted and EHLO'd with ehlo_reply. */
static void ready(struct session *s, bool lmtp)
{
	session_init(s, lmtp);
	session_connected(s);
	reply(s, "220 mx.example.org ESMTP\r\n");
	session_line_sent(s, lmtp ? "LHLO client.example.net" : "EHLO client.example.net");
	reply(s, ehlo_reply);
}

static void test_flow(void)
{
	struct session s;
	const struct session_cap *cap;
	const char *verb;

	session_init(&s, false);
	is_str(session_phase_name(s.phase), "closed", "a new session is closed");
	session_connected(&s);
	is_str(session_phase_name(s.phase), "greeting", "connect: waiting for the greeting");
	is_int(s.npending, 1, "connect: the greeting is the one pending reply");

	verb = reply(&s, "220 mx.example.org ESMTP Postfix\r\n");
	is_str(verb, "GREETING", "220 answers the greeting");
	is_str(session_phase_name(s.phase), "connected", "220: connected");
	is_str(s.greeting_domain, "mx.example.org", "220: greeting domain");
	is_int(s.npending, 0, "220: nothing pending");

	is_int(session_line_sent(&s, "ehlo client.example.net"), 1, "EHLO waits for one reply");
	is_str(s.pending[0], "EHLO", "the pending verb is upper-cased");
	verb = reply(&s, ehlo_reply);
	is_str(verb, "EHLO", "250 answers EHLO");
	is_str(session_phase_name(s.phase), "ready", "EHLO 250: ready");
	ok(s.caps_valid && !s.caps_stale, "EHLO 250: capabilities valid, not stale");
	is_str(s.ehlo_domain, "mx.example.org", "the first line gives the EHLO domain");
	is_int(s.ncaps, 6, "six capabilities");
	ok(session_has_cap(&s, "PIPELINING"), "PIPELINING advertised");
	ok(session_has_cap(&s, "pipelining"), "capability lookup is case-insensitive");
	cap = session_cap_find(&s, "SIZE");
	ok(cap != NULL, "lower-case size is found as SIZE");
	is_str(cap ? cap->keyword : NULL, "SIZE", "keywords are upper-cased");
	is_str(cap ? cap->params : NULL, "10240000", "SIZE keeps its parameter");
	cap = session_cap_find(&s, "AUTH");
	ok(cap != NULL, "old AUTH=LOGIN PLAIN is understood as AUTH");
	is_str(cap ? cap->params : NULL, "LOGIN PLAIN", "AUTH= keeps both mechanisms");
	ok(!session_has_cap(&s, "AUTH=LOGIN"), "no AUTH=LOGIN keyword");
	cap = session_cap_find(&s, "8BITMIME");
	is_str(cap ? cap->params : NULL, "", "a keyword without parameters has \"\"");
	ok(session_has_cap(&s, "SMTPUTF8"), "the last line is a capability too");
	ok(!session_has_cap(&s, "STARTTLS"), "STARTTLS not advertised");
	ok(!session_has_cap(&s, "MX.EXAMPLE.ORG"), "the domain line is not a capability");

	is_int(session_line_sent(&s, "MAIL FROM:<a@example.net>"), 1, "MAIL waits for one reply");
	is_str(reply(&s, "250 2.1.0 Ok\r\n"), "MAIL", "250 answers MAIL");
	is_str(session_phase_name(s.phase), "mail", "MAIL 250: mail");

	session_line_sent(&s, "RCPT TO:<nobody@example.org>");
	is_str(reply(&s, "550 5.1.1 <nobody@example.org>: User unknown\r\n"), "RCPT",
		"550 answers RCPT");
	is_str(session_phase_name(s.phase), "mail", "RCPT 550: still mail");
	is_int(s.rcpts_accepted, 0, "RCPT 550: no recipient accepted");

	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 2.1.5 Ok\r\n");
	is_str(session_phase_name(s.phase), "rcpt", "RCPT 250: rcpt");
	is_int(s.rcpts_accepted, 1, "RCPT 250: one recipient accepted");

	session_line_sent(&s, "DATA");
	is_str(reply(&s, "354 End data with <CR><LF>.<CR><LF>\r\n"), "DATA", "354 answers DATA");
	is_str(session_phase_name(s.phase), "data", "DATA 354: data");
	is_int(session_line_sent(&s, "Subject: test"), 0, "message text waits for nothing");
	is_int(session_line_sent(&s, ""), 0, "an empty line of text waits for nothing");
	is_int(session_line_sent(&s, ".."), 0, "a dot-stuffed line waits for nothing");
	is_int(s.npending, 0, "no reply pending during the text");
	is_int(session_line_sent(&s, "."), 1, "\".\" waits for one reply on SMTP");
	is_str(reply(&s, "250 2.0.0 Ok: queued as 4F1\r\n"), "DATA-END", "250 answers the end of data");
	is_str(session_phase_name(s.phase), "ready", "after the message: ready");
	is_int(s.rcpts_accepted, 0, "after the message: no recipients");

	session_line_sent(&s, "NOOP");
	is_str(reply(&s, "421 4.4.2 mx.example.org Error: timeout exceeded\r\n"), "NOOP",
		"421 answers the pending command");
	is_str(session_phase_name(s.phase), "quitting", "421: quitting");
	session_closed(&s);
	is_str(session_phase_name(s.phase), "closed", "closed");
	session_finish(&s);
}

static void test_pipelining(void)
{
	struct session s;

	ready(&s, false);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	session_line_sent(&s, "RCPT TO:<c@example.org>");
	session_line_sent(&s, "DATA");
	is_int(s.npending, 4, "four pipelined commands pending");
	is_str(reply(&s, "250 Ok\r\n"), "MAIL", "first reply answers MAIL");
	is_str(reply(&s, "250 Ok\r\n"), "RCPT", "second reply answers RCPT");
	is_str(reply(&s, "252 Cannot VRFY but will accept\r\n"), "RCPT", "third reply answers RCPT");
	is_int(s.rcpts_accepted, 2, "250 and 252 both accept a recipient");
	is_str(reply(&s, "354 Go ahead\r\n"), "DATA", "fourth reply answers DATA");
	is_str(session_phase_name(s.phase), "data", "pipelined transaction reaches data");
	is_str(reply(&s, "250 Ok\r\n"), "", "an unsolicited reply answers nothing");
	session_finish(&s);
}

static void test_lmtp(void)
{
	struct session s;
	char warn[256];

	ready(&s, true);
	is_str(session_phase_name(s.phase), "ready", "LHLO 250: ready");
	ok(session_has_cap(&s, "PIPELINING"), "LHLO reply capabilities parsed");
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<x@example.org>");
	reply(&s, "550 No such user\r\n");
	session_line_sent(&s, "RCPT TO:<c@example.org>");
	reply(&s, "250 Ok\r\n");
	is_int(s.rcpts_accepted, 2, "LMTP: two of three recipients accepted");
	session_line_sent(&s, "DATA");
	reply(&s, "354 Go ahead\r\n");
	is_int(session_line_sent(&s, "."), 2, "LMTP: \".\" waits for one reply per accepted recipient");
	is_int(s.npending, 2, "LMTP: two replies pending");
	is_str(reply(&s, "250 2.0.0 <b@example.org> Ok\r\n"), "DATA-END", "first recipient's status");
	is_str(reply(&s, "452 4.2.2 <c@example.org> Mailbox full\r\n"), "DATA-END",
		"second recipient's status");
	is_int(s.npending, 0, "LMTP: all replies received");

	ok(warns(&s, "EHLO client.example.net", warn, sizeof(warn)), "EHLO on LMTP warns");
	ok(strstr(warn, "LHLO") != NULL, "and says LHLO (\"%s\")", warn);
	ok(!warns(&s, "LHLO client.example.net", warn, sizeof(warn)), "LHLO on LMTP is fine");
	session_finish(&s);

	ready(&s, false);
	ok(warns(&s, "LHLO client.example.net", warn, sizeof(warn)), "LHLO on SMTP warns");
	session_finish(&s);
}

static void test_warnings(void)
{
	struct session s;
	char warn[256];

	session_init(&s, false);
	session_connected(&s);
	ok(warns(&s, "EHLO client.example.net", warn, sizeof(warn)),
		"sending before the greeting warns");
	reply(&s, "220 mx.example.org ESMTP\r\n");

	ok(!warns(&s, "EHLO client.example.net", warn, sizeof(warn)), "EHLO after 220 is fine");
	is_str(warn, "", "and the warning is empty");
	ok(warns(&s, "MAIL FROM:<a@example.net>", warn, sizeof(warn)), "MAIL before EHLO warns");
	ok(strstr(warn, "EHLO") != NULL, "and names EHLO (\"%s\")", warn);
	ok(warns(&s, "RCPT TO:<b@example.org>", warn, sizeof(warn)), "RCPT before EHLO warns");
	session_finish(&s);

	ready(&s, false);
	ok(warns(&s, "RCPT TO:<b@example.org>", warn, sizeof(warn)), "RCPT before MAIL warns");
	ok(strstr(warn, "MAIL") != NULL, "and names MAIL (\"%s\")", warn);
	ok(warns(&s, "rcpt to:<b@example.org>", warn, sizeof(warn)), "lower-case rcpt warns too");
	ok(warns(&s, "DATA", warn, sizeof(warn)), "DATA before MAIL warns");
	ok(warns(&s, "STARTTLS", warn, sizeof(warn)), "STARTTLS not advertised warns");
	ok(strstr(warn, "STARTTLS") && strstr(warn, "advertised"),
		"and says it was not advertised (\"%s\")", warn);
	ok(warns(&s, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", warn, sizeof(warn)),
		"AUTH PLAIN in plaintext warns");
	ok(strstr(warn, "PLAIN") && strstr(warn, "clear"), "and says why (\"%s\")", warn);
	ok(warns(&s, "auth login", warn, sizeof(warn)), "auth login in plaintext warns");
	ok(!warns(&s, "AUTH CRAM-MD5", warn, sizeof(warn)), "AUTH CRAM-MD5 in plaintext is fine");
	ok(!warns(&s, "NOOP", warn, sizeof(warn)), "NOOP is fine");
	ok(!warns(&s, "VRFY postmaster", warn, sizeof(warn)), "VRFY is fine (base verb)");

	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	ok(warns(&s, "DATA", warn, sizeof(warn)), "DATA before any accepted RCPT warns");
	ok(strstr(warn, "recipient") != NULL, "and says no recipient (\"%s\")", warn);
	ok(warns(&s, "MAIL FROM:<a@example.net>", warn, sizeof(warn)),
		"MAIL inside a transaction warns");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	ok(warns(&s, "BDAT 100 LAST", warn, sizeof(warn)), "BDAT without CHUNKING warns");
	ok(strstr(warn, "CHUNKING") != NULL, "and names CHUNKING (\"%s\")", warn);
	ok(!warns(&s, "DATA", warn, sizeof(warn)), "DATA after an accepted RCPT is fine");
	session_finish(&s);

	/* A good session with the extensions advertised says nothing. */
	session_init(&s, false);
	session_connected(&s);
	reply(&s, "220 mx.example.org ESMTP\r\n");
	{
		static const char *const good[] = {
			"EHLO client.example.net",
			"STARTTLS",
		};
		static const char *const good_tls[] = {
			"EHLO client.example.net",
			"AUTH PLAIN AGFsaWNlAHNlY3JldA==",
			"MAIL FROM:<a@example.net> SIZE=100",
			"RCPT TO:<b@example.org>",
			"RCPT TO:<c@example.org>",
			"BDAT 10",
			"BDAT 10 LAST",
			"MAIL FROM:<a@example.net>",
			"RCPT TO:<b@example.org>",
			"DATA",
		};
		static const char *const replies[] = {
			"250-mx.example.org\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 CHUNKING\r\n",
			"220 2.0.0 Ready to start TLS\r\n",
		};
		static const char *const replies_tls[] = {
			"250-mx.example.org\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n"
				"250-SIZE 1000000\r\n250 CHUNKING\r\n",
			"235 2.7.0 Authentication successful\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"250 Ok\r\n",
			"354 Go ahead\r\n",
		};
		size_t i;
		int spoke = 0;

		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			if (warns(&s, good[i], warn, sizeof(warn))) {
				printf("# \"%s\": %s\n", good[i], warn);
				spoke++;
			}
			session_line_sent(&s, good[i]);
			reply(&s, replies[i]);
		}
		session_tls_started(&s);
		for (i = 0; i < sizeof(good_tls) / sizeof(good_tls[0]); i++) {
			if (warns(&s, good_tls[i], warn, sizeof(warn))) {
				printf("# \"%s\": %s\n", good_tls[i], warn);
				spoke++;
			}
			session_line_sent(&s, good_tls[i]);
			reply(&s, replies_tls[i]);
		}
		is_int(spoke, 0, "a good session with STARTTLS, AUTH and BDAT gets no warning");
		ok(s.authenticated, "235 marks the session authenticated");
		is_str(session_phase_name(s.phase), "data", "the good session reaches data");
	}
	session_finish(&s);
}

static void test_tls_and_helo(void)
{
	struct session s;
	char warn[256];

	ready(&s, false);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_tls_started(&s);
	ok(s.tls, "TLS started");
	ok(s.caps_valid && s.caps_stale, "capabilities from before TLS are stale");
	is_str(session_phase_name(s.phase), "connected", "TLS resets the session to connected");
	ok(warns(&s, "STARTTLS", warn, sizeof(warn)), "STARTTLS inside TLS warns");
	ok(warns(&s, "MAIL FROM:<a@example.net>", warn, sizeof(warn)),
		"MAIL after TLS without a new EHLO warns");
	session_line_sent(&s, "EHLO client.example.net");
	reply(&s, "250-mx.example.org\r\n250 AUTH PLAIN\r\n");
	ok(s.caps_valid && !s.caps_stale, "a new EHLO after TLS gives fresh capabilities");
	ok(!session_has_cap(&s, "PIPELINING"), "the old capabilities are gone");
	ok(!warns(&s, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", warn, sizeof(warn)),
		"AUTH PLAIN inside TLS is fine");

	session_line_sent(&s, "HELO client.example.net");
	is_str(reply(&s, "250 mx.example.org\r\n"), "HELO", "250 answers HELO");
	ok(!s.caps_valid && s.ncaps == 0, "HELO clears the capabilities");
	ok(!session_has_cap(&s, "AUTH"), "no AUTH after HELO");
	ok(s.helo_only, "HELO marks the session without extensions");
	is_str(session_phase_name(s.phase), "ready", "HELO 250: ready");
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	ok(!warns(&s, "BDAT 10 LAST", warn, sizeof(warn)),
		"after HELO nothing is known, so BDAT gets no capability warning");
	ok(warns(&s, "STARTTLS", warn, sizeof(warn)) && strstr(warn, "inside TLS"),
		"after HELO only the TLS state is held against STARTTLS (\"%s\")", warn);
	session_finish(&s);

	session_init(&s, false);
	session_tls_started(&s);
	ok(!s.caps_stale, "TLS without an EHLO marks nothing stale");
	session_finish(&s);
}

static void test_bdat(void)
{
	struct session s;
	char warn[256];

	ready(&s, false);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	is_int(session_line_sent(&s, "BDAT 100"), 1, "BDAT waits for one reply");
	is_str(reply(&s, "250 2.0.0 100 octets received\r\n"), "BDAT", "250 answers BDAT");
	is_str(session_phase_name(s.phase), "rcpt", "a chunk that is not the last keeps the transaction");
	is_int(session_line_sent(&s, "BDAT 10 LAST"), 1, "BDAT LAST waits for one reply on SMTP");
	is_str(reply(&s, "250 2.0.0 Ok: queued as 4F1\r\n"), "BDAT", "250 answers BDAT LAST");
	is_str(session_phase_name(s.phase), "ready", "BDAT LAST ends the transaction");
	is_int(s.rcpts_accepted, 0, "BDAT LAST: no recipients left");
	ok(!warns(&s, "MAIL FROM:<a@example.net>", warn, sizeof(warn)),
		"MAIL after BDAT LAST is not inside a transaction (\"%s\")", warn);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "bdat 0 last  ");
	is_str(session_phase_name(s.phase), "ready", "lower-case bdat last with blanks after it");
	session_finish(&s);

	ready(&s, false);
	is_int(session_line_sent(&s, "BDAT 10 LAST"), 1, "BDAT LAST outside a transaction: one reply");
	reply(&s, "503 5.5.1 Error: need RCPT command\r\n");
	is_str(session_phase_name(s.phase), "ready", "and nothing changes");
	session_finish(&s);

	ready(&s, true);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<b@example.org>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RCPT TO:<c@example.org>");
	reply(&s, "250 Ok\r\n");
	is_int(session_line_sent(&s, "BDAT 10"), 1, "LMTP: a chunk gets one reply");
	reply(&s, "250 Ok\r\n");
	is_int(session_line_sent(&s, "BDAT 10 LAST"), 2,
		"LMTP: BDAT LAST gets one reply per accepted recipient");
	is_str(reply(&s, "250 2.0.0 <b@example.org> Ok\r\n"), "BDAT", "first recipient's status");
	is_str(reply(&s, "250 2.0.0 <c@example.org> Ok\r\n"), "BDAT", "second recipient's status");
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	is_int(session_line_sent(&s, "BDAT 0 LAST"), 0,
		"LMTP: BDAT LAST without an accepted recipient gets no reply (RFC 2033 4.3)");
	session_finish(&s);
}

static void test_greeting(void)
{
	struct session s;
	char warn[256];

	session_init(&s, false);
	session_connected(&s);
	is_str(reply(&s, "554 5.7.1 mx.example.org no service for you\r\n"), "GREETING",
		"554 answers the greeting");
	is_int(s.npending, 0, "554 greeting: nothing pending");
	ok(!warns(&s, "QUIT", warn, sizeof(warn)),
		"QUIT after a 554 greeting is not \"before the greeting\" (\"%s\")", warn);
	ok(s.greeting_domain == NULL, "554 greeting: no greeting domain");
	session_finish(&s);

	session_init(&s, false);
	session_connected(&s);
	reply(&s, "220-mx.example.org ESMTP\r\n220-second line\r\n220 last line\r\n");
	is_str(session_phase_name(s.phase), "connected", "a multi-line 220 greeting");
	is_str(s.greeting_domain, "mx.example.org", "the domain comes from the first line");
	session_finish(&s);
}

static void test_misc(void)
{
	struct session s;

	is_str(session_phase_name(SESSION_DATA), "data", "phase name data");
	is_str(session_phase_name((enum session_phase)99), "?", "unknown phase name");

	ready(&s, false);
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 Ok\r\n");
	session_line_sent(&s, "RSET");
	reply(&s, "250 Ok\r\n");
	is_str(session_phase_name(s.phase), "ready", "RSET 250: back to ready");
	session_line_sent(&s, "EHLO again.example.net");
	reply(&s, "250-other.example.org\r\n250 8BITMIME\r\n");
	is_str(s.ehlo_domain, "other.example.org", "a second EHLO replaces the domain");
	is_int(s.ncaps, 1, "a second EHLO replaces the capabilities");
	session_line_sent(&s, "QUIT");
	is_str(reply(&s, "221 2.0.0 Bye\r\n"), "QUIT", "221 answers QUIT");
	is_str(session_phase_name(s.phase), "quitting", "QUIT: quitting");

	session_connected(&s);
	ok(!s.caps_valid && s.ncaps == 0 && s.ehlo_domain == NULL,
		"a new connection forgets the old capabilities");
	is_str(session_phase_name(s.phase), "greeting", "a new connection waits for a greeting");
	session_closed(&s);
	is_int(s.npending, 0, "closing drops what was pending");
	session_finish(&s);
	session_finish(NULL);
	ok(1, "session_finish accepts NULL");
}

/* MAIL and RCPT parameters are checked against what EHLO advertised. */
static void test_params(void)
{
	struct session s;
	char warn[256];

	ready(&s, false);
	ok(!warns(&s, "MAIL FROM:<a@example.net> SIZE=100 BODY=8BITMIME SMTPUTF8", warn, sizeof(warn)),
		"advertised MAIL parameters: no warning");
	ok(!warns(&s, "MAIL FROM:<a@example.net> BODY=7BIT", warn, sizeof(warn)),
		"BODY=7BIT needs nothing");
	ok(warns(&s, "MAIL FROM:<a@example.net> RET=HDRS", warn, sizeof(warn)) && strstr(warn, "DSN"),
		"RET= without DSN warns, naming DSN: %s", warn);
	ok(warns(&s, "MAIL FROM:<a@example.net> BODY=BINARYMIME", warn, sizeof(warn)) &&
		strstr(warn, "BINARYMIME"), "BODY=BINARYMIME without BINARYMIME warns: %s", warn);
	ok(warns(&s, "MAIL FROM:<a@example.net> REQUIRETLS", warn, sizeof(warn)) &&
		strstr(warn, "REQUIRETLS"), "REQUIRETLS without REQUIRETLS warns: %s", warn);
	reply(&s, "250 ok\r\n");
	session_line_sent(&s, "MAIL FROM:<a@example.net>");
	reply(&s, "250 ok\r\n");
	ok(warns(&s, "RCPT TO:<b@example.org> NOTIFY=SUCCESS", warn, sizeof(warn)) && strstr(warn, "DSN"),
		"NOTIFY= without DSN warns: %s", warn);
	ok(!warns(&s, "RCPT TO:<b@example.org> X-UNKNOWN=1", warn, sizeof(warn)),
		"an unknown parameter is left to the server");
	session_finish(&s);
}

int main(void)
{
	test_params();
	test_flow();
	test_pipelining();
	test_lmtp();
	test_warnings();
	test_tls_and_helo();
	test_bdat();
	test_greeting();
	test_misc();
	return done_testing();
}

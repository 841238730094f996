/* SPDX-License-Identifier: MIT */
/* Unit tests for reading transcripts back: step rules, strict JSON, bad and cut-off files. */
#include "replay.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];
static char *tmpfile_path;

#define TS "2026-11-23T06:00:00.000Z "
#define J(dir, line) "{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"" dir "\",\"line\":\"" line "\"}\n"

static void put_file(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, s, len) != (ssize_t)len) {
		ok(0, "write %s", path);
	}
	if (fd >= 0) {
		close(fd);
	}
}

/* Load s (len bytes) from the temporary file. */
static bool load_n(const char *s, size_t len, struct replay *r, struct err *e)
{
	put_file(tmpfile_path, s, len);
	err_clear(e);
	return replay_load(tmpfile_path, r, e);
}

static bool load(const char *s, struct replay *r, struct err *e)
{
	return load_n(s, strlen(s), r, e);
}

/* s must fail with "PATH:" want. */
static void bad(const char *s, const char *want, const char *what)
{
	struct replay r;
	struct err e;
	char *full = xasprintf("%s:%s", tmpfile_path, want);
	bool loaded = load(s, &r, &e);

	ok(!loaded && strncmp(e.msg, full, strlen(full)) == 0, "%s: %s", what, e.msg);
	if (loaded) {
		replay_finish(&r);
	} else if (strncmp(e.msg, full, strlen(full)) != 0) {
		printf("#   want \"%s...\"\n", full);
	}
	free(full);
}

static void check_step(const struct replay *r, size_t i, const char *line, int code,
	const char *esc, const char *what)
{
	if (!ok(i < r->nsteps, "%s: step %zu exists", what, i)) {
		return;
	}
	if (line) {
		is_str(r->steps[i].line, line, "%s: step %zu line", what, i);
	} else {
		ok(r->steps[i].line == NULL, "%s: step %zu is the greeting", what, i);
	}
	is_int(r->steps[i].expect_code, code, "%s: step %zu expects %d", what, i, code);
	is_str(r->steps[i].expect_esc, esc, "%s: step %zu esc", what, i);
}

static void test_samples(const char *dir)
{
	static const char *const names[] = { "session.txt", "session.jsonl" };

	for (size_t n = 0; n < 2; n++) {
		char *path = xasprintf("%s/%s", dir, names[n]);
		struct replay r;
		struct err e;

		err_clear(&e);
		if (!ok(replay_load(path, &r, &e), "sample %s loads (%s)", names[n], e.msg)) {
			free(path);
			continue;
		}
		ok(r.fmt == (n ? TRANSCRIPT_JSONL : TRANSCRIPT_TEXT), "%s: format", names[n]);
		is_str(r.target, "mx1.example.test", "%s: target", names[n]);
		is_int(r.nsteps, 15, "%s: steps", names[n]);
		check_step(&r, 0, NULL, 220, "", names[n]);
		check_step(&r, 1, "EHLO client.example.test", 250, "", names[n]);
		check_step(&r, 2, "STARTTLS", 220, "2.0.0", names[n]);
		check_step(&r, 3, "EHLO client.example.test", 250, "", names[n]);
		ok(!r.steps[2].tls && r.steps[3].tls, "%s: TLS from the EHLO after STARTTLS", names[n]);
		check_step(&r, 4, "AUTH PLAIN [redacted]", 235, "2.7.0", names[n]);
		ok(r.steps[4].redacted && !r.steps[3].redacted, "%s: AUTH is redacted", names[n]);
		check_step(&r, 5, "MAIL FROM:<alice@client.example.test>", 250, "2.1.0", names[n]);
		check_step(&r, 6, "RCPT TO:<bob@example.test>", 250, "2.1.5", names[n]);
		check_step(&r, 7, "RCPT TO:<nobody@example.test>", 550, "5.1.1", names[n]);
		check_step(&r, 8, "DATA", 354, "", names[n]);
		check_step(&r, 9, "Subject: replay sample", 0, "", names[n]);
		check_step(&r, 10, "", 0, "", names[n]);
		check_step(&r, 11, "Hello Bob.", 0, "", names[n]);
		check_step(&r, 12, "..a line that starts with a dot", 0, "", names[n]);
		check_step(&r, 13, ".", 250, "2.0.0", names[n]);
		check_step(&r, 14, "QUIT", 221, "2.0.0", names[n]);
		if (r.nsteps == 15) {
			is_int(r.steps[1].source_line, n ? 4 : 10, "%s: EHLO line number", names[n]);
			is_int(r.steps[0].source_line, n ? 3 : 9, "%s: greeting line number", names[n]);
		}
		replay_finish(&r);
		free(path);
	}
}

static void test_sample_midsession(const char *dir)
{
	char *path = xasprintf("%s/midsession.txt", dir);
	struct replay r;
	struct err e;

	err_clear(&e);
	if (ok(replay_load(path, &r, &e), "midsession.txt loads (%s)", e.msg)) {
		is_str(r.target, "[192.0.2.25]:587", "midsession: target");
		is_int(r.nsteps, 5, "midsession: greeting plus four commands");
		check_step(&r, 0, NULL, 0, "", "midsession: no greeting was recorded");
		is_int(r.steps[0].source_line, 0, "midsession: greeting has no line");
		check_step(&r, 1, "RSET", 250, "2.0.0", "midsession");
		check_step(&r, 2, "VRFY postmaster", 252, "2.0.0", "midsession");
		check_step(&r, 3, "DATA", 503, "5.5.1", "midsession: DATA refused");
		check_step(&r, 4, "NOOP", 250, "2.0.0",
			"midsession: no message text after a refused DATA, the idle 421 unmatched");
		replay_finish(&r);
	}
	free(path);

	path = xasprintf("%s/truncated.jsonl", dir);
	err_clear(&e);
	if (ok(replay_load(path, &r, &e), "truncated.jsonl loads (%s)", e.msg)) {
		is_int(r.incomplete_line, 26, "truncated: the cut line is reported");
		is_int(r.nsteps, 9, "truncated: steps up to the cut");
		check_step(&r, 5, "MAIL FROM:<alice@client.example.test>", 250, "2.1.0", "truncated");
		check_step(&r, 6, "RCPT TO:<bob@example.test>", 0, "", "truncated: reply lost");
		check_step(&r, 8, "DATA", 0, "", "truncated");
		replay_finish(&r);
	}
	free(path);
}

static void test_rules(void)
{
	struct replay r;
	struct err e;

	/* Pipelining: four commands, then four replies, matched in order. */
	if (ok(load(TS "<- 220 hi\n" TS "-> MAIL FROM:<a@x>\n" TS "-> RCPT TO:<b@x>\n"
		TS "-> RCPT TO:<c@x>\n" TS "-> DATA\n" TS "<- 250 2.1.0 ok\n"
		TS "<- 451-4.3.0 try\n" TS "<- 451 4.3.0 later\n" TS "<- 250 2.1.5 ok\n"
		TS "<- 354 go\n" TS "-> body\n" TS "-> .\n" TS "<- 250 queued\n", &r, &e),
		"pipelined group loads (%s)", e.msg)) {
		check_step(&r, 1, "MAIL FROM:<a@x>", 250, "2.1.0", "pipelining");
		check_step(&r, 2, "RCPT TO:<b@x>", 451, "4.3.0", "pipelining: a multi-line reply");
		check_step(&r, 3, "RCPT TO:<c@x>", 250, "2.1.5", "pipelining");
		check_step(&r, 4, "DATA", 354, "", "pipelining");
		check_step(&r, 5, "body", 0, "", "pipelining: message text");
		check_step(&r, 6, ".", 250, "", "pipelining: end of data");
		replay_finish(&r);
	}

	/* DATA refused: what follows is commands again. */
	if (ok(load(TS "<- 220 hi\n" TS "-> DATA\n" TS "<- 554 5.5.1 no valid recipients\n"
		TS "-> QUIT\n" TS "<- 221 bye\n", &r, &e), "refused DATA loads")) {
		check_step(&r, 1, "DATA", 554, "5.5.1", "refused DATA");
		check_step(&r, 2, "QUIT", 221, "", "refused DATA: QUIT is a command");
		replay_finish(&r);
	}

	/* Lower-case data with a parameter still opens message text. */
	if (ok(load(TS "<- 220 hi\n" TS "-> data  \n" TS "<- 354 go\n" TS "-> QUIT\n"
		TS "-> .\n" TS "<- 250 ok\n", &r, &e), "lower-case DATA loads")) {
		check_step(&r, 2, "QUIT", 0, "", "QUIT inside message text is text");
		check_step(&r, 3, ".", 250, "", "the dot takes the reply");
		replay_finish(&r);
	}

	/* Implicit TLS: the greeting arrives inside TLS. */
	if (ok(load(TS "** TLS first\n" TS "<~ 220 hi\n" TS "~> EHLO x\n" TS "<~ 250 ok\n",
		&r, &e), "implicit TLS loads")) {
		ok(r.steps[0].tls && r.steps[1].tls, "implicit TLS: greeting and EHLO in TLS");
		is_int(r.steps[0].source_line, 2, "implicit TLS: greeting line");
		ok(r.target == NULL, "no header, no target");
		replay_finish(&r);
	}

	/* Unsolicited replies and skipped lines. */
	if (ok(load("# just a comment\n\n" TS "<- 220 hi\n" TS "<- 421 4.4.2 idle\n"
		TS "!! something\n" TS ".. info\n" TS "** event\n" TS "-> NOOP\n" TS "<- 250 ok\n",
		&r, &e), "unsolicited reply loads")) {
		is_int(r.nsteps, 2, "unsolicited: greeting and NOOP");
		check_step(&r, 1, "NOOP", 250, "", "an unmatched 421 does not shift replies");
		replay_finish(&r);
	}

	/* Replies that never came. */
	if (ok(load(TS "<- 220 hi\n" TS "-> EHLO x\n", &r, &e), "no reply loads")) {
		check_step(&r, 1, "EHLO x", 0, "", "a command without a reply expects 0");
		replay_finish(&r);
	}

	/* Header only: nothing to send but the connection. */
	if (ok(load("# smtpsh 0.1.0 transcript\n# target mx.example.test\n", &r, &e),
		"header only loads")) {
		is_int(r.nsteps, 1, "header only: the greeting step");
		is_str(r.target, "mx.example.test", "header only: target");
		replay_finish(&r);
	}

	/* Malformed replies from the server are recorded, not refused. */
	if (ok(load(TS "<- 220 hi\n" TS "-> EHLO x\n" TS "<- 250-one\n" TS "<- garbage\n"
		TS "-> NOOP\n" TS "<- 999 odd\n" TS "-> RSET\n" TS "<- 250\n", &r, &e),
		"odd replies load")) {
		check_step(&r, 1, "EHLO x", 0, "", "a line without a code ends the reply, code 0");
		check_step(&r, 2, "NOOP", 0, "", "999 is no reply code");
		check_step(&r, 3, "RSET", 250, "", "a bare code");
		replay_finish(&r);
	}

	/* Latency, CRLF, BOM, redaction markers, markers without text. */
	if (ok(load("\xef\xbb\xbf# target t\r\n" TS "<- 220 hi\t[12 ms]\r\n"
		TS "-> AUTH LOGIN\r\n" TS "<- 334 VXNlcm5hbWU6\t[0 ms]\r\n"
		TS "-> [redacted]\r\n" TS "<- 334 UGFzc3dvcmQ6\r\n" TS "-> [redacted]\r\n"
		TS "<- 535 5.7.8 no\t[1234567 ms]\r\n" TS "->\r\n" TS "<- \t[3 ms]\r\n", &r, &e),
		"CRLF, BOM and latencies load (%s)", e.msg)) {
		is_str(r.target, "t", "target after a BOM, CR stripped");
		check_step(&r, 0, NULL, 220, "", "latency stripped from the greeting");
		check_step(&r, 2, "[redacted]", 334, "", "AUTH LOGIN user name");
		ok(r.steps[2].redacted && r.steps[3].redacted && !r.steps[1].redacted,
			"redacted answers to 334 are marked");
		check_step(&r, 3, "[redacted]", 535, "5.7.8", "AUTH LOGIN password");
		check_step(&r, 4, "", 0, "", "an empty line with an empty reply");
		replay_finish(&r);
	}

	/* JSONL: recorded code, esc and last win over the text; unknown keys are skipped. */
	if (ok(load("{\"type\":\"header\",\"target\":\"j\"}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"hi\",\"code\":220,"
		"\"last\":true}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":\"MAIL FROM:<>\","
		"\"redacted\":true,\"future\":-1.5e3}\n"
		"{ \"t\" : \"2026-11-23T06:00:00.000Z\" , \"dir\" : \"recv\" , \"line\" : "
		"\"250-x\" , \"code\" : 250 , \"esc\" : \"2.1.0\" , \"last\" : true , "
		"\"tls\" : null }\n", &r, &e), "JSONL with recorded fields loads (%s)", e.msg)) {
		is_str(r.target, "j", "JSONL target");
		check_step(&r, 0, NULL, 220, "", "JSONL: code from the field");
		check_step(&r, 1, "MAIL FROM:<>", 250, "2.1.0", "JSONL: last and esc from the fields");
		ok(r.steps[1].redacted, "JSONL: redacted from the field");
		replay_finish(&r);
	}

	/* JSON escapes decoded. */
	if (ok(load(J("sent", "\\u00e9\\u20ac\\ud83d\\ude00 \\/ \\\" \\\\ \\t\\b\\f \\u001b"), &r,
		&e), "escapes load (%s)", e.msg)) {
		is_str(r.steps[1].line, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 / \" \\ \t\b\f \x1b",
			"\\u escapes, a surrogate pair and the short escapes decode");
		replay_finish(&r);
	}
}

/* step i is a message /send sent: how, its name, its octets, the reply it expects. */
static void check_msg(const struct replay *r, size_t i, enum replay_msg how, const char *name,
	unsigned long long octets, int code, const char *what)
{
	const struct replay_step *st;

	if (!ok(i < r->nsteps, "%s: step %zu exists", what, i)) {
		return;
	}
	st = &r->steps[i];
	is_int(st->msg, how, "%s: step %zu is a message of /send", what, i);
	if (name) {
		is_str(st->msg_name, name, "%s: step %zu names the message", what, i);
	} else {
		ok(st->msg_name == NULL, "%s: step %zu has no name", what, i);
	}
	ok(st->msg_octets == octets, "%s: step %zu: %llu octets, want %llu", what, i,
		st->msg_octets, octets);
	is_int(st->expect_code, code, "%s: step %zu expects %d", what, i, code);
}

/* Messages sent with /send (recorded as a summary, not their text), and BDAT typed by hand. */
static void test_send(void)
{
	struct replay r;
	struct err e;

	/* DATA: the DATA step stands for the message and expects the reply to its ".";
	 * the name is read up to the last ": " the counts fit after. */
	if (ok(load(TS "<- 220 hi\n" TS "-> MAIL FROM:<a@x>\n" TS "<- 250 ok\n"
		TS "-> DATA\n" TS "<- 354 go\n"
		TS "** message text now: a line with a single \".\" ends it\n"
		TS "** sent a: 1 line, 2 octets on the wire: 5 lines, 44 octets on the wire (line endings made CRLF)\n"
		TS "** 1 line starting with \".\" dot-stuffed\n"
		TS "-> .\n" TS "<- 250 2.0.0 queued\n" TS "-> QUIT\n" TS "<- 221 bye\n", &r, &e),
		"/send with DATA loads (%s)", e.msg)) {
		is_int(r.nsteps, 4, "/send DATA: greeting, MAIL, the message, QUIT");
		check_step(&r, 2, "DATA", 250, "2.0.0", "/send DATA");
		check_msg(&r, 2, REPLAY_MSG_DATA, "a: 1 line, 2 octets on the wire", 44, 250, "/send DATA");
		ok(r.nsteps > 2 && !r.steps[2].msg_test, "/send DATA: a file, not the test message");
		is_int(r.nsteps > 2 ? r.steps[2].source_line : 0, 4, "/send DATA: the line of DATA");
		check_step(&r, 3, "QUIT", 221, "", "/send DATA: then commands again");
		is_int(r.nsteps > 3 ? (int)r.steps[3].msg : -1, REPLAY_MSG_NONE, "/send DATA: QUIT is no message");
		replay_finish(&r);
	}
	/* Typed message text: not a message of /send, even with a summary-like event. */
	if (ok(load(TS "<- 220 hi\n" TS "-> DATA\n" TS "<- 354 go\n" TS "-> typed\n"
		TS "** sent x: 1 line, 7 octets on the wire\n" TS "-> .\n" TS "<- 250 ok\n"
		TS "** sent y: 1 line, 7 octets on the wire\n" TS "-> QUIT\n" TS "<- 221 bye\n", &r, &e),
		"typed DATA loads (%s)", e.msg)) {
		is_int(r.nsteps, 5, "typed DATA: every line a step");
		check_step(&r, 1, "DATA", 354, "", "typed DATA");
		check_step(&r, 3, ".", 250, "", "typed DATA");
		for (size_t i = 0; i < r.nsteps; i++) {
			is_int(r.steps[i].msg, REPLAY_MSG_NONE, "typed DATA: step %zu is no message", i);
		}
		replay_finish(&r);
	}
	/* BDAT (JSONL): three chunks, one step; the summary after them names the message. */
	if (ok(load("{\"type\":\"header\",\"target\":\"h:25\"}\n" J("recv", "220 hi")
		J("sent", "BDAT 20") J("event", "(20 octets of chunk data)") J("recv", "250 2.0.0 a")
		J("sent", "BDAT 20") J("event", "(20 octets of chunk data)") J("recv", "250 2.0.0 b")
		J("sent", "BDAT 3 LAST") J("event", "(3 octets of chunk data)")
		J("recv", "250 2.0.0 queued") J("event", "sent the test message: 5 lines, 43 octets on the wire")
		J("sent", "QUIT") J("recv", "221 bye"), &r, &e), "/send --bdat loads (%s)", e.msg)) {
		is_int(r.nsteps, 3, "/send --bdat: greeting, the message, QUIT");
		check_step(&r, 1, "BDAT 20", 250, "2.0.0", "/send --bdat");
		check_msg(&r, 1, REPLAY_MSG_BDAT, "the test message", 43, 250, "/send --bdat");
		if (r.nsteps > 1) {
			ok(r.steps[1].msg_test, "/send --bdat: the test message");
			is_int(r.steps[1].msg_chunks, 3, "/send --bdat: three chunks");
			is_int(r.steps[1].msg_chunk_max, 20, "/send --bdat: of 20 octets at most");
			is_int(r.steps[1].source_line, 3, "/send --bdat: the line of the first BDAT");
		}
		check_step(&r, 2, "QUIT", 221, "", "/send --bdat");
		replay_finish(&r);
	}
	/* A chunk refused (no summary follows), a second /send at once, then typed BDAT. */
	if (ok(load(TS "<- 220 hi\n"
		TS "-> BDAT 5\n" TS "** (5 octets of chunk data)\n" TS "<- 250 ok\n"
		TS "-> BDAT 5\n" TS "** (5 octets of chunk data)\n" TS "<- 552 5.3.4 too big\n"
		TS "!! chunk refused: the rest of the message was not sent\n"
		TS "-> BDAT 2 LAST\n" TS "** (2 octets of chunk data)\n" TS "<- 503 5.5.1 no\n"
		TS "-> BDAT 9 LAST\n" TS "** chunk data now: 9 octets (each line counts with its CRLF)\n"
		TS "-> abc\n" TS "-> BDAT\n" TS "<- 250 2.0.0 ok\n"
		TS "** (1 octets of chunk data)\n" TS "-> QUIT\n" TS "<- 221 bye\n", &r, &e),
		"refused chunks load (%s)", e.msg)) {
		is_int(r.nsteps, 7, "refused chunks: greeting, two messages, BDAT, two lines of data, QUIT");
		check_msg(&r, 1, REPLAY_MSG_BDAT, NULL, 10, 552, "a refused chunk ends the message");
		check_msg(&r, 2, REPLAY_MSG_BDAT, NULL, 2, 503, "the next /send is a message of its own");
		check_step(&r, 3, "BDAT 9 LAST", 250, "2.0.0", "BDAT typed by hand: its reply after the data");
		check_step(&r, 4, "abc", 0, "", "chunk data waits for nothing");
		check_step(&r, 5, "BDAT", 0, "", "chunk data even when it looks like a command");
		is_int(r.nsteps > 3 ? (int)r.steps[3].msg : -1, REPLAY_MSG_NONE, "BDAT by hand: no message");
		/* the "(1 octets ...)" event after a reply is about no BDAT: nothing changes */
		check_step(&r, 6, "QUIT", 221, "", "refused chunks: QUIT");
		is_int(r.nsteps > 6 ? (int)r.steps[6].msg : -1, REPLAY_MSG_NONE, "refused chunks: QUIT is no message");
		replay_finish(&r);
	}
	/* The QUIT after the data: the reply order is kept. */
	if (ok(load(TS "<- 220 hi\n" TS "-> BDAT 5 LAST\n"
		TS "** chunk data now: 5 octets (each line counts with its CRLF)\n" TS "-> abc\n"
		TS "<- 250 ok\n" TS "-> QUIT\n" TS "<- 221 bye\n", &r, &e), "typed BDAT loads (%s)", e.msg)) {
		is_int(r.nsteps, 4, "typed BDAT: greeting, BDAT, data, QUIT");
		check_step(&r, 1, "BDAT 5 LAST", 250, "", "typed BDAT");
		check_step(&r, 2, "abc", 0, "", "typed BDAT: data");
		check_step(&r, 3, "QUIT", 221, "", "typed BDAT: QUIT gets its own reply");
		replay_finish(&r);
	}
}

static void test_errors(void)
{
	char *big;
	size_t n;

	bad("", " empty", "an empty file");
	bad("\n\n  \n", " empty", "blank lines only");
	bad(TS "<- 220 hi", " nothing but an incomplete line", "only a cut-off line");
	bad("# ok\n" TS "<- 220 hi\n" TS "=> EHLO\n", "3: unknown marker \"=>\"", "unknown marker");
	bad(TS "->EHLO x\n", "1: unknown marker \"->EHLO\"", "marker glued to the text");
	bad(TS "<<- 220\n", "1: unknown marker \"<<-\"", "a longer marker");
	bad("2026-11-23 06:00:00 -> EHLO x\n", "1: bad timestamp", "timestamp with a space");
	bad("2026-13-23T06:00:00.000Z -> EHLO x\n", "1: bad timestamp", "month 13");
	bad("2026-11-23T24:00:00.000Z -> EHLO x\n", "1: bad timestamp", "hour 24");
	bad("2026-11-23T06:00:00Z -> EHLO x\n", "1: bad timestamp", "no milliseconds");
	bad("-> EHLO x\n", "1: bad timestamp", "no timestamp at all");
	bad(TS "\n", "1: unknown marker \"\"", "a timestamp alone");
	bad(TS "-\n", "1: unknown marker \"-\"", "half a marker");
	bad("2026-11-23T06:00:00.000Z\n", "1: bad timestamp", "a timestamp without its space");
	bad(TS "-> EHLO\tx\n", "1: TAB in a line", "a TAB in a sent line");
	bad(TS "-> EHLO x\t[3 ms]\n", "1: TAB in a line", "a latency on a sent line");
	bad(TS "<- 250 x\t[3ms]\n", "1: TAB in a line", "a malformed latency");
	bad(TS "<- 250 x\t[3 ms] more\n", "1: TAB in a line", "text after the latency");
	bad(TS "-> EHLO \x1b[31mx\n", "1: control byte 0x1b", "an escape byte");
	{
		static const char nul[] = TS "-> EHLO \0x\n";
		struct replay r;
		struct err e;
		char *want = xasprintf("%s:1: control byte 0x00", tmpfile_path);

		ok(!load_n(nul, sizeof(nul) - 1, &r, &e) && strncmp(e.msg, want, strlen(want)) == 0,
			"a NUL byte: %s", e.msg);
		free(want);
	}

	/* JSONL */
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":\"x\"\n",
		"1: bad JSON at column 56: expected ',' or '}'", "an unclosed object");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":\"x}\n",
		"1: bad JSON at column 56: unterminated string", "an unterminated string");
	bad("{\"t\" \"x\"}\n", "1: bad JSON at column 6: expected ':'", "a missing colon");
	bad("{\"t\":\"x\",}\n", "1: bad JSON at column 10: expected a key", "a trailing comma");
	bad("{\"t\":}\n", "1: bad JSON at column 6: expected a value", "a missing value");
	bad("{\"t\":tru}\n", "1: bad JSON at column 6: expected a value", "a broken literal");
	bad("{\"a\":01}\n", "1: bad JSON at column 7: number with a leading zero", "leading zero");
	bad("{\"a\":1.}\n", "1: bad JSON at column 8: bad number", "a dot without digits");
	bad("{\"a\":-}\n", "1: bad JSON at column 7: bad number", "a lone minus");
	bad("{\"a\":1e}\n", "1: bad JSON at column 8: bad number", "an empty exponent");
	bad("{\"a\":{}}\n", "1: bad JSON at column 6: nested", "a nested object");
	bad("{\"a\":[1]}\n", "1: bad JSON at column 6: nested", "an array");
	bad("{\"future\":{\"a\":1}}\n", "1: bad JSON at column 11: nested",
		"nested values are refused under unknown keys too");
	bad("{\"a\":\"\\x41\"}\n", "1: bad JSON at column 7: bad escape", "\\x is no JSON escape");
	bad("{\"a\":\"\\u12\"}\n", "1: bad JSON at column 7: bad \\u escape", "a short \\u");
	bad("{\"a\":\"\\u0000\"}\n", "1: bad JSON at column 7: \\u0000 is not allowed", "NUL");
	bad("{\"a\":\"\\ud83d\"}\n", "1: bad JSON at column 7: high surrogate without a low",
		"a lone high surrogate");
	bad("{\"a\":\"\\ud83d\\u0041\"}\n", "1: bad JSON at column 7: high surrogate without a low",
		"a high surrogate and no low one");
	bad("{\"a\":\"\\ude00\"}\n", "1: bad JSON at column 7: lone low surrogate",
		"a lone low surrogate");
	bad("{\"a\":\"\xff\"}\n", "1: bad JSON at column 7: invalid UTF-8", "a bad byte");
	bad("{\"a\":\"\xc3\"}\n", "1: bad JSON at column 7: invalid UTF-8", "a cut sequence");
	bad("{\"a\":\"\xc0\xaf\"}\n", "1: bad JSON at column 7: invalid UTF-8", "an overlong form");
	bad("{\"a\":\"\xed\xa0\x80\"}\n", "1: bad JSON at column 7: invalid UTF-8",
		"an encoded surrogate");
	bad("{\"a\":\"x\ty\"}\n", "1: bad JSON at column 8: control byte", "a raw TAB in a string");
	bad("{\"a\":1} x\n", "1: bad JSON at column 9: more after the object", "trailing text");
	bad("{\"a\":1}{\"b\":2}\n", "1: bad JSON at column 8: more after", "two objects");
	bad("{\"type\":\"header\"}\nnot json\n", "2: bad JSON at column 1: expected '{'",
		"a text line in a JSONL file");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"t\":\"x\"}\n",
		"1: bad JSON at column 33: duplicate key \"t\"",
		"a duplicate key");
	bad(J("sent", "x") J("sideways", "y"), "2: unknown \"dir\" \"sideways\"", "unknown dir");
	bad("{\"dir\":\"sent\",\"line\":\"x\"}\n", "1: no \"t\"", "no timestamp");
	bad("{\"t\":\"2026-11-23T06:00:00Z\",\"dir\":\"sent\",\"line\":\"x\"}\n",
		"1: bad timestamp \"2026-11-23T06:00:00Z\"", "a short timestamp");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"line\":\"x\"}\n", "1: no \"dir\"", "no dir");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\"}\n", "1: no \"line\"", "no line");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"x\",\"code\":\"250\"}\n",
		"1: \"code\" must be a number", "a code as a string");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"x\",\"code\":2.5}\n",
		"1: \"code\" must be a whole number", "a fractional code");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"x\",\"code\":1000}\n",
		"1: \"code\" must be a whole number", "a code out of range");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"x\",\"last\":1}\n",
		"1: \"last\" must be true or false", "last as a number");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":1}\n",
		"1: \"line\" must be a string", "line as a number");
	bad("{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"x\","
		"\"esc\":\"5.1.1.1.1.1.1.1.1\"}\n", "1: \"esc\" is too long", "an over-long esc");
	bad("{\"type\":\"footer\"}\n", "1: unknown \"type\" \"footer\"", "unknown type");
	bad(J("sent", "MAIL\\r\\nRCPT"), "1: a sent line holds a line break",
		"CRLF inside a sent line would smuggle a command");

	/* A line of more than 1 MB. */
	n = REPLAY_LINE_MAX + 100;
	big = xmalloc(n + 128);
	memcpy(big, TS "<- 220 hi\n" TS "-> ", 2 * strlen(TS) + 13);
	memset(big + 2 * strlen(TS) + 13, 'x', n);
	memcpy(big + 2 * strlen(TS) + 13 + n, "\n", 2);
	bad(big, "2: line longer than 1048576 bytes", "an over-long line");
	/* ... with no newline at all. */
	memset(big, 'x', n);
	big[n] = '\0';
	bad(big, "1: line longer than", "an over-long line without a newline");
	free(big);

	/* Not a file. */
	{
		struct replay r;
		struct err e;
		char *missing = xasprintf("%s/missing.txt", tmpdir);

		err_clear(&e);
		ok(!replay_load(missing, &r, &e) && e.kind == ERR_IO && strstr(e.msg, missing) &&
			strstr(e.msg, "No such file"), "a missing file: %s", e.msg);
		err_clear(&e);
		ok(!replay_load(tmpdir, &r, &e) && e.kind == ERR_IO, "a directory: %s", e.msg);
		free(missing);
	}
}

/* Cut-off files: the last line without its newline is left out, whole lines before it count. */
static void test_cut_off(void)
{
	static const char text[] = TS "<- 220 hi\n" TS "-> EHLO x\n" TS "<- 250 ok\n"
		TS "-> MAIL FROM:<a@x>\n" TS "<- 250 ok\n";
	static const char jsonl[] =
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"220 hi\"}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":\"EHLO x\"}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"250 ok\"}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"sent\",\"line\":\"MAIL FROM:<a@x>\"}\n"
		"{\"t\":\"2026-11-23T06:00:00.000Z\",\"dir\":\"recv\",\"line\":\"250 ok\"}\n";
	const char *const files[] = { text, jsonl };

	for (int f = 0; f < 2; f++) {
		const char *s = files[f];
		size_t len = strlen(s), line_start = 0;
		long lineno = 1;
		bool all = true;

		/* Cut after every byte: never an error once a whole line is there. */
		for (size_t cut = 1; cut < len; cut++) {
			struct replay r;
			struct err e;
			bool good = load_n(s, cut, &r, &e);
			bool whole = s[cut - 1] == '\n';

			if (whole) {
				lineno++;
				line_start = cut;
			}
			if (line_start == 0) {
				all &= !good;
				continue;
			}
			all &= good && r.incomplete_line == (whole ? 0 : lineno);
			if (good) {
				replay_finish(&r);
			}
		}
		ok(all, "%s cut at every byte: whole lines load, the cut one is reported",
			f ? "JSONL" : "text");
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Whatever the bytes, loading returns a verdict: steps that make sense, or "FILE:..." */
static bool sane(bool good, const struct replay *r, const struct err *e)
{
	if (!good) {
		return strncmp(e->msg, tmpfile_path, strlen(tmpfile_path)) == 0 &&
			e->msg[strlen(tmpfile_path)] == ':';
	}
	if (r->nsteps < 1 || r->steps[0].line != NULL) {
		return false;
	}
	for (size_t i = 1; i < r->nsteps; i++) {
		if (!r->steps[i].line || r->steps[i].expect_code < 0 ||
		    r->steps[i].expect_code > 999 || strlen(r->steps[i].expect_esc) > 15) {
			return false;
		}
	}
	return true;
}

static void test_fuzz(const char *dir)
{
	static const char alphabet[] = "{}[]\":,\\u0123456789abcdefnrtl.-+eE \t\n\r\x01\xc3\xa9"
		"\xed\xf0\x9f\xff<>~*!#TZ";
	const char *names[] = { "session.txt", "session.jsonl" };
	char buf[4096];
	bool all = true;
	int loaded = 0;

	/* Random bytes, and random bytes from the characters that matter. */
	for (int round = 0; round < 600; round++) {
		size_t len = rng() % sizeof(buf);
		struct replay r;
		struct err e;
		bool good;

		for (size_t i = 0; i < len; i++) {
			buf[i] = round % 2 ? (char)rng() : alphabet[rng() % (sizeof(alphabet) - 1)];
		}
		if (round % 3 == 0 && len > 8) {
			buf[0] = '{';
		}
		good = load_n(buf, len, &r, &e);
		all &= sane(good, &r, &e);
		if (good) {
			replay_finish(&r);
		}
	}
	ok(all, "random bytes never crash and always give a verdict");

	/* Valid files with a few bytes changed. */
	for (int f = 0; f < 2; f++) {
		char *path = xasprintf("%s/%s", dir, names[f]);
		int fd = open(path, O_RDONLY);
		char sample[8192];
		ssize_t slen = fd >= 0 ? read(fd, sample, sizeof(sample)) : -1;

		if (fd >= 0) {
			close(fd);
		}
		free(path);
		if (slen <= 0) {
			ok(0, "read %s", names[f]);
			continue;
		}
		all = true;
		for (int round = 0; round < 1500; round++) {
			size_t len = (size_t)slen;
			struct replay r;
			struct err e;
			bool good;

			memcpy(buf, sample, len < sizeof(buf) ? len : sizeof(buf));
			if (len > sizeof(buf)) {
				len = sizeof(buf);
			}
			for (int k = 0, edits = 1 + (int)(rng() % 4); k < edits; k++) {
				size_t at = rng() % len;

				switch (rng() % 3) {
				case 0:
					buf[at] = (char)rng();
					break;
				case 1:
					buf[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
					break;
				default:
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
					break;
				}
			}
			good = load_n(buf, len, &r, &e);
			loaded += good;
			all &= sane(good, &r, &e);
			if (good) {
				replay_finish(&r);
			}
		}
		ok(all, "%s with random edits never crashes and always gives a verdict", names[f]);
	}
	ok(loaded > 0 && loaded < 3000, "some edited files still load, most do not (%d)", loaded);
}

/* The step limit holds (a file of a million commands and one more). */
static void test_step_limit(void)
{
	static const char line[] = TS "-> NOOP\n";
	size_t ll = sizeof(line) - 1, n = REPLAY_STEPS_MAX;
	char *s = xmalloc(ll * n + 1);
	struct replay r;
	struct err e;
	char *want;

	for (size_t i = 0; i < n; i++) {
		memcpy(s + i * ll, line, ll);
	}
	want = xasprintf("%ld: more than %d steps", (long)n, REPLAY_STEPS_MAX);
	{
		char *full = xasprintf("%s:%s", tmpfile_path, want);
		bool good = load_n(s, ll * n, &r, &e);

		ok(!good && strncmp(e.msg, full, strlen(full)) == 0, "step limit: %s", e.msg);
		if (good) {
			replay_finish(&r);
		}
		free(full);
		good = load_n(s, ll * (n - 1), &r, &e);
		ok(good && r.nsteps == n, "exactly the limit loads (%s)", e.msg);
		if (good) {
			replay_finish(&r);
		}
	}
	free(want);
	free(s);
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR");
	const char *data = argc > 1 ? argv[1] : "tests/unit/data";

	snprintf(tmpdir, sizeof(tmpdir), "%s/test-replay-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		ok(0, "make a temporary directory");
		return done_testing();
	}
	tmpfile_path = xasprintf("%s/t.transcript", tmpdir);
	test_samples(data);
	test_sample_midsession(data);
	test_rules();
	test_send();
	test_errors();
	test_cut_off();
	test_fuzz(data);
	test_step_limit();
	unlink(tmpfile_path);
	free(tmpfile_path);
	rmdir(tmpdir);
	return done_testing();
}

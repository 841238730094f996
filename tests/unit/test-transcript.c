/* SPDX-License-Identifier: MIT */
/* Unit tests for the transcript writer: formats, escaping, file mode, round trips via replay. */
#include "replay.h"
#include "tap.h"
#include "transcript.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[4096];

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path, size_t *lenp)
{
	struct strbuf b;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		return NULL;
	}
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		strbuf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	if (lenp) {
		*lenp = b.len;
	}
	return strbuf_steal(&b);
}

/* Line n (from 1) of s, without its newline, in a static buffer. */
static const char *nth_line(const char *s, int n)
{
	static char line[8192];
	const char *end;
	size_t len;

	for (int i = 1; i < n && s; i++) {
		s = strchr(s, '\n');
		if (s) {
			s++;
		}
	}
	if (!s || !*s) {
		return "(no such line)";
	}
	end = strchr(s, '\n');
	len = end ? (size_t)(end - s) : strlen(s);
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
	}
	memcpy(line, s, len);
	line[len] = '\0';
	return line;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		n += *s == '\n';
	}
	return n;
}

/* YYYY-MM-DDTHH:MM:SS.mmmZ */
static bool is_timestamp(const char *s)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i]) {
			return false;
		}
	}
	return true;
}

/* A text event line without its timestamp ("" when the timestamp is bad). */
static const char *after_stamp(const char *line)
{
	if (strlen(line) < 25 || !is_timestamp(line) || line[24] != ' ') {
		return "";
	}
	return line + 25;
}

/* A JSONL event line with the value of "t" checked and replaced by "T". */
static const char *json_no_stamp(const char *line)
{
	static char out[8192];

	if (strncmp(line, "{\"t\":\"", 6) != 0 || strlen(line) < 31 || !is_timestamp(line + 6) ||
	    line[30] != '"') {
		return "";
	}
	snprintf(out, sizeof(out), "{\"t\":\"T\"%s", line + 31);
	return out;
}

static struct transcript_event ev(enum render_kind kind, bool tls, const char *text)
{
	struct transcript_event e = {
		.kind = kind, .tls = tls, .text = text, .esc = "", .latency_ms = -1,
	};

	return e;
}

static struct transcript_event recv_line(bool tls, const char *text, int code, const char *esc,
	bool last, int latency)
{
	struct transcript_event e = ev(RENDER_RECV, tls, text);

	e.code = code;
	e.esc = esc;
	e.last = last;
	e.latency_ms = latency;
	return e;
}

static void test_open(void)
{
	char *path = tmp_path("mode.txt"), *missing = tmp_path("no/such/dir.txt");
	struct transcript *t;
	struct stat st;
	struct err e;
	int fd;

	err_clear(&e);
	umask(022);
	t = transcript_open(path, TRANSCRIPT_TEXT, &e);
	ok(t != NULL, "open creates a new file");
	is_str(transcript_path(t), path, "transcript_path gives the path back");
	ok(transcript_get_format(t) == TRANSCRIPT_TEXT, "the format is kept");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "a new transcript is mode 0600 "
		"whatever the umask (got %o)", (unsigned)(st.st_mode & 0777));
	transcript_close(t);

	/* An older, world-readable file is truncated and closed up. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "old contents\n", 13) == 13, "an old transcript is there");
	close(fd);
	chmod(path, 0644);
	t = transcript_open(path, TRANSCRIPT_JSONL, &e);
	ok(t != NULL, "open replaces an existing file");
	ok(stat(path, &st) == 0 && st.st_size == 0, "the old contents are gone");
	ok((st.st_mode & 0777) == 0600, "an existing file is set to 0600 (got %o)",
		(unsigned)(st.st_mode & 0777));
	ok(transcript_get_format(t) == TRANSCRIPT_JSONL, "JSONL is kept");
	transcript_close(t);

	err_clear(&e);
	t = transcript_open(missing, TRANSCRIPT_TEXT, &e);
	ok(t == NULL, "open in a missing directory fails");
	ok(e.kind == ERR_IO && strncmp(e.msg, missing, strlen(missing)) == 0 &&
		strstr(e.msg, "No such file") != NULL, "the error names the file: %s", e.msg);
	err_clear(&e);
	ok(transcript_open("", TRANSCRIPT_TEXT, &e) == NULL && e.kind == ERR_USAGE,
		"an empty file name is refused");

	/* NULL is a transcript that is off. */
	{
		struct transcript_event x = ev(RENDER_SENT, false, "NOOP");

		ok(transcript_write(NULL, &x, &e), "writing to no transcript is a no-op");
		ok(transcript_header(NULL, NULL, &e), "a header to no transcript is a no-op");
		transcript_close(NULL);
		ok(transcript_path(NULL) == NULL, "no transcript has no path");
	}
	/* A full disk: the write fails and says why. */
	if (access("/dev/full", W_OK) == 0) {
		struct transcript_event x = ev(RENDER_SENT, false, "NOOP");

		t = transcript_open("/dev/full", TRANSCRIPT_TEXT, &e);
		err_clear(&e);
		ok(t && !transcript_write(t, &x, &e) && e.kind == ERR_IO &&
			strstr(e.msg, "/dev/full: ") == e.msg, "a failed write is reported: %s", e.msg);
		err_clear(&e);
		ok(!transcript_write(t, &x, &e) && strstr(e.msg, "No space") != NULL,
			"and again, nothing was half written: %s", e.msg);
		transcript_close(t);
	} else {
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
	}
	unlink(path);
	free(path);
	free(missing);
}

static void test_names(void)
{
	enum transcript_format f = TRANSCRIPT_TEXT;

	ok(transcript_format_parse("jsonl", &f) && f == TRANSCRIPT_JSONL, "\"jsonl\" parses");
	ok(transcript_format_parse("text", &f) && f == TRANSCRIPT_TEXT, "\"text\" parses");
	ok(!transcript_format_parse("json", &f) && !transcript_format_parse(NULL, &f),
		"anything else is refused");
	is_str(transcript_format_name(TRANSCRIPT_JSONL), "jsonl", "format name");
	is_str(transcript_marker(RENDER_SENT, false), "->", "sent marker");
	is_str(transcript_marker(RENDER_SENT, true), "~>", "sent in TLS marker");
	is_str(transcript_marker(RENDER_RECV, false), "<-", "received marker");
	is_str(transcript_marker(RENDER_RECV, true), "<~", "received in TLS marker");
	is_str(transcript_marker(RENDER_EVENT, false), "**", "event marker");
	is_str(transcript_marker(RENDER_ERROR, false), "!!", "error marker");
	is_str(transcript_marker(RENDER_WARN, false), "!!", "a warning shares the error marker");
	is_str(transcript_marker(RENDER_INFO, false), "..", "shell output marker");
	is_str(transcript_marker(RENDER_NOTE, false), "..", "explanations share it");
	is_str(transcript_dir_name(RENDER_NOTE), "note", "JSONL dir of a note");
}

static void test_text_format(void)
{
	char *path = tmp_path("format.txt"), *s;
	struct transcript_header h = {
		.version = "0.1.0", .target = "mx1.example.test", .local_addr = "192.0.2.10",
		.local_port = "40312", .remote_addr = "2001:db8::25", .remote_port = "25",
		.options = "--transcript x\n--tls",
	};
	struct transcript_event x;
	struct transcript *t;
	struct err e;

	err_clear(&e);
	t = transcript_open(path, TRANSCRIPT_TEXT, &e);
	ok(transcript_header(t, &h, &e), "header written");
	x = ev(RENDER_EVENT, false, "connected to mx1.example.test");
	ok(transcript_write(t, &x, &e), "event written");
	x = recv_line(false, "220 mx1.example.test ESMTP", 220, "", true, 31);
	transcript_write(t, &x, &e);
	x = ev(RENDER_SENT, false, "EHLO client.example.test");
	transcript_write(t, &x, &e);
	x = recv_line(false, "250-mx1.example.test", 250, "", false, 5);
	transcript_write(t, &x, &e);
	x = recv_line(false, "250 PIPELINING", 250, "", true, 5);
	transcript_write(t, &x, &e);
	x = recv_line(true, "250 2.0.0 Ok", 250, "2.0.0", true, -1);
	transcript_write(t, &x, &e);
	x = ev(RENDER_SENT, true, "AUTH PLAIN [redacted]");
	x.redacted = true;
	transcript_write(t, &x, &e);
	x = ev(RENDER_WARN, false, "RCPT before MAIL");
	transcript_write(t, &x, &e);
	x = ev(RENDER_ERROR, false, "connection lost");
	transcript_write(t, &x, &e);
	x = ev(RENDER_INFO, false, "PIPELINING\tgroups of commands");
	transcript_write(t, &x, &e);
	x = ev(RENDER_NOTE, false, "two\nlines \x1b[31m and \x7f \r");
	transcript_write(t, &x, &e);
	x = ev(RENDER_SENT, true, "");
	transcript_write(t, &x, &e);
	x = recv_line(false, "", 0, "", true, 7);
	transcript_write(t, &x, &e);
	x = ev(RENDER_INFO, false, "caf\xc3\xa9 \xf0\x9f\x93\xa8");
	transcript_write(t, &x, &e);
	transcript_close(t);

	s = slurp(path, NULL);
	ok(s != NULL, "the file can be read");
	if (!s) {
		free(path);
		return;
	}
	is_str(nth_line(s, 1), "# smtpsh 0.1.0 transcript", "first header line");
	ok(strncmp(nth_line(s, 2), "# date ", 7) == 0 && strlen(nth_line(s, 2)) == 27 &&
		nth_line(s, 2)[26] == 'Z' && nth_line(s, 2)[17] == 'T' && nth_line(s, 2)[20] == ':',
		"date line in UTC to the second: %s", nth_line(s, 2));
	is_str(nth_line(s, 3), "# target mx1.example.test", "target line");
	is_str(nth_line(s, 4), "# local 192.0.2.10 port 40312", "local line");
	is_str(nth_line(s, 5), "# remote 2001:db8::25 port 25", "remote line");
	is_str(nth_line(s, 6), "# options --transcript x\\n--tls",
		"a newline in a header value cannot start a new line");
	ok(strncmp(nth_line(s, 7), "# markers -> sent", 17) == 0, "the markers are explained");
	ok(is_timestamp(nth_line(s, 8)), "event lines start with a full UTC timestamp: %s",
		nth_line(s, 8));
	is_str(after_stamp(nth_line(s, 8)), "** connected to mx1.example.test", "event line");
	is_str(after_stamp(nth_line(s, 9)), "<- 220 mx1.example.test ESMTP\t[31 ms]",
		"a final reply line carries its latency after a TAB");
	is_str(after_stamp(nth_line(s, 10)), "-> EHLO client.example.test", "sent line");
	is_str(after_stamp(nth_line(s, 11)), "<- 250-mx1.example.test",
		"a continuation line has no latency");
	is_str(after_stamp(nth_line(s, 12)), "<- 250 PIPELINING\t[5 ms]", "final line");
	is_str(after_stamp(nth_line(s, 13)), "<~ 250 2.0.0 Ok", "unknown latency is left out");
	is_str(after_stamp(nth_line(s, 14)), "~> AUTH PLAIN [redacted]", "sent in TLS");
	is_str(after_stamp(nth_line(s, 15)), "!! RCPT before MAIL", "a warning");
	is_str(after_stamp(nth_line(s, 16)), "!! connection lost", "an error");
	is_str(after_stamp(nth_line(s, 17)), ".. PIPELINING\\tgroups of commands",
		"shell output, its TAB made visible");
	is_str(after_stamp(nth_line(s, 18)), ".. two\\nlines \\x1b[31m and \\x7f \\r",
		"control bytes in a note are escaped, so it stays one line");
	is_str(after_stamp(nth_line(s, 19)), "~>", "an empty line ends at its marker");
	is_str(after_stamp(nth_line(s, 20)), "<- \t[7 ms]", "an empty reply line with a latency");
	is_str(after_stamp(nth_line(s, 21)), ".. caf\xc3\xa9 \xf0\x9f\x93\xa8", "UTF-8 kept");
	is_int(count_lines(s), 21, "one line per event, nothing else");
	ok(s[strlen(s) - 1] == '\n', "the file ends with a newline");
	free(s);

	/* A header with nothing known. */
	{
		struct transcript_header none = { 0 };

		t = transcript_open(path, TRANSCRIPT_TEXT, &e);
		transcript_header(t, &none, &e);
		transcript_close(t);
		s = slurp(path, NULL);
		is_str(nth_line(s, 1), "# smtpsh transcript", "header without a version");
		ok(strncmp(nth_line(s, 3), "# markers", 9) == 0, "unknown fields are left out");
		is_int(count_lines(s), 3, "three header lines");
		free(s);
	}
	unlink(path);
	free(path);
}

static void test_jsonl_format(void)
{
	char *path = tmp_path("format.jsonl"), *s;
	struct transcript_header h = {
		.version = "0.1.0", .target = "mx1.example.test", .remote_addr = "192.0.2.25",
		.remote_port = "25", .options = "--x \"quoted\"",
	};
	struct transcript_event x;
	struct transcript *t;
	struct err e;

	err_clear(&e);
	t = transcript_open(path, TRANSCRIPT_JSONL, &e);
	ok(transcript_header(t, &h, &e), "JSONL header written");
	x = recv_line(false, "220 mx1.example.test ESMTP", 220, "", true, 31);
	transcript_write(t, &x, &e);
	x = recv_line(true, "550-5.1.1 no", 550, "5.1.1", false, 12);
	transcript_write(t, &x, &e);
	x = recv_line(true, "550 5.1.1 such user", 550, "5.1.1", true, 12);
	transcript_write(t, &x, &e);
	x = recv_line(true, "250 ok", 250, NULL, true, -1);
	transcript_write(t, &x, &e);
	x = ev(RENDER_SENT, true, "AUTH PLAIN [redacted]");
	x.redacted = true;
	transcript_write(t, &x, &e);
	x = ev(RENDER_SENT, false, "say \"hi\" C:\\path \x01\x1f\x7f\b\f\n\r\t caf\xc3\xa9 \xf0\x9f\x98\x80");
	transcript_write(t, &x, &e);
	x = ev(RENDER_NOTE, false, "bad \xff byte");
	transcript_write(t, &x, &e);
	x = ev(RENDER_WARN, false, "w");
	transcript_write(t, &x, &e);
	x = ev(RENDER_ERROR, false, "e");
	transcript_write(t, &x, &e);
	x = ev(RENDER_INFO, false, "i");
	transcript_write(t, &x, &e);
	x = ev(RENDER_EVENT, false, NULL);
	transcript_write(t, &x, &e);
	transcript_close(t);

	s = slurp(path, NULL);
	if (!ok(s != NULL, "the JSONL file can be read")) {
		free(path);
		return;
	}
	is_str(json_no_stamp(nth_line(s, 1)), "{\"t\":\"T\",\"type\":\"header\",\"version\":\"0.1.0\","
		"\"target\":\"mx1.example.test\",\"remote_addr\":\"192.0.2.25\",\"remote_port\":\"25\","
		"\"options\":\"--x \\\"quoted\\\"\"}", "header object, unknown fields left out");
	is_str(json_no_stamp(nth_line(s, 2)), "{\"t\":\"T\",\"dir\":\"recv\",\"tls\":false,"
		"\"line\":\"220 mx1.example.test ESMTP\",\"code\":220,\"last\":true,\"latency_ms\":31}",
		"a reply line: code, last and latency, no esc");
	is_str(json_no_stamp(nth_line(s, 3)), "{\"t\":\"T\",\"dir\":\"recv\",\"tls\":true,"
		"\"line\":\"550-5.1.1 no\",\"code\":550,\"esc\":\"5.1.1\",\"last\":false}",
		"a continuation line has no latency");
	is_str(json_no_stamp(nth_line(s, 4)), "{\"t\":\"T\",\"dir\":\"recv\",\"tls\":true,"
		"\"line\":\"550 5.1.1 such user\",\"code\":550,\"esc\":\"5.1.1\",\"last\":true,"
		"\"latency_ms\":12}", "the final line with esc and latency");
	is_str(json_no_stamp(nth_line(s, 5)), "{\"t\":\"T\",\"dir\":\"recv\",\"tls\":true,"
		"\"line\":\"250 ok\",\"code\":250,\"last\":true}", "NULL esc and unknown latency");
	is_str(json_no_stamp(nth_line(s, 6)), "{\"t\":\"T\",\"dir\":\"sent\",\"tls\":true,"
		"\"line\":\"AUTH PLAIN [redacted]\",\"redacted\":true}", "a redacted sent line");
	is_str(json_no_stamp(nth_line(s, 7)), "{\"t\":\"T\",\"dir\":\"sent\",\"tls\":false,"
		"\"line\":\"say \\\"hi\\\" C:\\\\path \\u0001\\u001f\\u007f\\b\\f\\n\\r\\t "
		"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
		"quotes, backslashes and control bytes escaped, UTF-8 kept");
	is_str(json_no_stamp(nth_line(s, 8)), "{\"t\":\"T\",\"dir\":\"note\",\"tls\":false,"
		"\"line\":\"bad \\\\xff byte\"}", "a byte that is not UTF-8 stays valid JSON");
	ok(strstr(nth_line(s, 9), "\"dir\":\"warn\"") != NULL, "warn");
	ok(strstr(nth_line(s, 10), "\"dir\":\"error\"") != NULL, "error");
	ok(strstr(nth_line(s, 11), "\"dir\":\"info\"") != NULL, "info");
	ok(strstr(nth_line(s, 12), "\"dir\":\"event\",\"tls\":false,\"line\":\"\"}") != NULL,
		"NULL text is an empty line");
	is_int(count_lines(s), 12, "one object per line");
	free(s);
	unlink(path);
	free(path);
}

/* The same session in either format; returns the line number of each event. */
struct sess_line {
	enum render_kind kind;
	bool tls;
	const char *text;
	int code;
	const char *esc;
	bool last;
};

static const struct sess_line session[] = {
	{ RENDER_EVENT, false, "connected to mx.example.test (127.0.0.1) port 25", 0, "", false },
	{ RENDER_RECV, false, "220 mx.example.test ESMTP", 220, "", true },
	{ RENDER_SENT, false, "EHLO client.example.test", 0, "", false },
	{ RENDER_RECV, false, "250-mx.example.test", 250, "", false },
	{ RENDER_RECV, false, "250-PIPELINING", 250, "", false },
	{ RENDER_RECV, false, "250-STARTTLS", 250, "", false },
	{ RENDER_RECV, false, "250 ENHANCEDSTATUSCODES", 250, "", true },
	{ RENDER_INFO, false, "PIPELINING    commands may be sent in groups", 0, "", false },
	{ RENDER_SENT, false, "STARTTLS", 0, "", false },
	{ RENDER_RECV, false, "220 2.0.0 Ready to start TLS", 220, "2.0.0", true },
	{ RENDER_EVENT, true, "TLSv1.3 TLS_AES_256_GCM_SHA384, verified", 0, "", false },
	{ RENDER_SENT, true, "EHLO client.example.test", 0, "", false },
	{ RENDER_RECV, true, "250-mx.example.test", 250, "", false },
	{ RENDER_RECV, true, "250-AUTH PLAIN LOGIN", 250, "", false },
	{ RENDER_RECV, true, "250 PIPELINING", 250, "", true },
	{ RENDER_SENT, true, "AUTH PLAIN [redacted]", 0, "", false },
	{ RENDER_RECV, true, "235 2.7.0 Authentication successful", 235, "2.7.0", true },
	{ RENDER_SENT, true, "MAIL FROM:<a@example.test>", 0, "", false },
	{ RENDER_RECV, true, "250 2.1.0 Ok", 250, "2.1.0", true },
	{ RENDER_SENT, true, "RCPT TO:<nobody@example.test>", 0, "", false },
	{ RENDER_RECV, true, "550 5.1.1 <nobody@example.test>: unknown", 550, "5.1.1", true },
	{ RENDER_NOTE, true, "5.1.1 bad destination mailbox address", 0, "", false },
	{ RENDER_SENT, true, "RSET", 0, "", false },
	{ RENDER_RECV, true, "250 2.0.0 Ok", 250, "2.0.0", true },
	{ RENDER_SENT, true, "MAIL FROM:<a@example.test>", 0, "", false },
	{ RENDER_SENT, true, "RCPT TO:<b@example.test>", 0, "", false },
	{ RENDER_SENT, true, "RCPT TO:<c@example.test>", 0, "", false },
	{ RENDER_SENT, true, "DATA", 0, "", false },
	{ RENDER_RECV, true, "250 2.1.0 Ok", 250, "2.1.0", true },
	{ RENDER_RECV, true, "250 2.1.5 Ok", 250, "2.1.5", true },
	{ RENDER_RECV, true, "550-5.1.1 <c@example.test>: no", 550, "5.1.1", false },
	{ RENDER_RECV, true, "550 5.1.1 such user here", 550, "5.1.1", true },
	{ RENDER_RECV, true, "354 End data with <CR><LF>.<CR><LF>", 354, "", true },
	{ RENDER_EVENT, true, "message text now", 0, "", false },
	{ RENDER_SENT, true, "Subject: \"test\" \\ it", 0, "", false },
	{ RENDER_SENT, true, "", 0, "", false },
	{ RENDER_SENT, true, "MAIL FROM:<looks@like.a.command>", 0, "", false },
	{ RENDER_SENT, true, "..dot-stuffed", 0, "", false },
	{ RENDER_SENT, true, ".", 0, "", false },
	{ RENDER_RECV, true, "250 2.0.0 Ok: queued as ABC123", 250, "2.0.0", true },
	{ RENDER_SENT, true, "QUIT", 0, "", false },
	{ RENDER_RECV, true, "221 2.0.0 Bye", 221, "2.0.0", true },
	{ RENDER_EVENT, true, "connection closed", 0, "", false },
};
#define SESSION_LEN (sizeof(session) / sizeof(session[0]))

struct want_step {
	const char *line;
	bool tls, redacted;
	int code;
	const char *esc;
	size_t event;         /* index in session[] of the sent line (or the greeting) */
};

static const struct want_step want_steps[] = {
	{ NULL, false, false, 220, "", 1 },
	{ "EHLO client.example.test", false, false, 250, "", 2 },
	{ "STARTTLS", false, false, 220, "2.0.0", 8 },
	{ "EHLO client.example.test", true, false, 250, "", 11 },
	{ "AUTH PLAIN [redacted]", true, true, 235, "2.7.0", 15 },
	{ "MAIL FROM:<a@example.test>", true, false, 250, "2.1.0", 17 },
	{ "RCPT TO:<nobody@example.test>", true, false, 550, "5.1.1", 19 },
	{ "RSET", true, false, 250, "2.0.0", 22 },
	{ "MAIL FROM:<a@example.test>", true, false, 250, "2.1.0", 24 },
	{ "RCPT TO:<b@example.test>", true, false, 250, "2.1.5", 25 },
	{ "RCPT TO:<c@example.test>", true, false, 550, "5.1.1", 26 },
	{ "DATA", true, false, 354, "", 27 },
	{ "Subject: \"test\" \\ it", true, false, 0, "", 34 },
	{ "", true, false, 0, "", 35 },
	{ "MAIL FROM:<looks@like.a.command>", true, false, 0, "", 36 },
	{ "..dot-stuffed", true, false, 0, "", 37 },
	{ ".", true, false, 250, "2.0.0", 38 },
	{ "QUIT", true, false, 221, "2.0.0", 40 },
};
#define WANT_LEN (sizeof(want_steps) / sizeof(want_steps[0]))

static void write_session(const char *path, enum transcript_format fmt, int *header_lines)
{
	struct transcript_header h = { .version = "0.1.0", .target = "mx.example.test:25" };
	struct transcript *t;
	struct err e;
	char *s;

	err_clear(&e);
	t = transcript_open(path, fmt, &e);
	transcript_header(t, &h, &e);
	s = slurp(path, NULL);
	*header_lines = s ? count_lines(s) : 0;
	free(s);
	for (size_t i = 0; i < SESSION_LEN; i++) {
		struct transcript_event x = ev(session[i].kind, session[i].tls, session[i].text);

		if (x.kind == RENDER_RECV) {
			x.code = session[i].code;
			x.esc = session[i].esc;
			x.last = session[i].last;
			x.latency_ms = x.last ? (int)i : -1;
		}
		x.redacted = x.kind == RENDER_SENT && strstr(x.text, "[redacted]") != NULL;
		if (!transcript_write(t, &x, &e)) {
			break;
		}
	}
	transcript_close(t);
}

static void test_round_trip(enum transcript_format fmt)
{
	const char *name = transcript_format_name(fmt);
	char *path = tmp_path(fmt == TRANSCRIPT_JSONL ? "session.jsonl" : "session.txt");
	struct replay r;
	struct err e;
	int header_lines = 0;

	write_session(path, fmt, &header_lines);
	err_clear(&e);
	if (!ok(replay_load(path, &r, &e), "%s: the written session loads back (%s)", name,
		e.msg)) {
		free(path);
		return;
	}
	ok(r.fmt == fmt, "%s: format detected", name);
	is_str(r.target, "mx.example.test:25", "%s: target from the header", name);
	is_int(r.incomplete_line, 0, "%s: no incomplete line", name);
	is_int(r.nsteps, WANT_LEN, "%s: one step per sent line, plus the greeting", name);
	for (size_t i = 0; i < WANT_LEN && i < r.nsteps; i++) {
		const struct replay_step *st = &r.steps[i];
		const struct want_step *w = &want_steps[i];
		long want_line = header_lines + (long)w->event + 1;

		if (w->line) {
			is_str(st->line, w->line, "%s: step %zu line", name, i);
		} else {
			ok(st->line == NULL, "%s: step 0 is the greeting", name);
		}
		is_int(st->expect_code, w->code, "%s: step %zu (%s) expects %d", name, i,
			w->line ? w->line : "greeting", w->code);
		is_str(st->expect_esc, w->esc, "%s: step %zu enhanced code", name, i);
		ok(st->tls == w->tls && st->redacted == w->redacted,
			"%s: step %zu tls %d redacted %d", name, i, w->tls, w->redacted);
		is_int(st->source_line, want_line, "%s: step %zu source line", name, i);
	}
	replay_finish(&r);
	ok(r.steps == NULL && r.nsteps == 0 && r.target == NULL, "replay_finish zeroes");
	replay_finish(&r);
	unlink(path);
	free(path);
}

/* Text with every byte a sanitised line may hold survives JSONL exactly. */
static void test_json_escape_round_trip(void)
{
	static const char *const lines[] = {
		"quote \" and backslash \\ and slash /",
		"\\\"already escaped looking\\u0041\\n\"",
		"ctl \x01\x02\x1b[0m\x7f\t\b\f end",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xe2\x80\xa8",
		"",
		"{\"t\":\"not an object\"}",
	};
	char *path = tmp_path("escape.jsonl");
	struct transcript *t;
	struct replay r;
	struct err e;

	err_clear(&e);
	t = transcript_open(path, TRANSCRIPT_JSONL, &e);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct transcript_event x = ev(RENDER_SENT, false, lines[i]);

		transcript_write(t, &x, &e);
	}
	transcript_close(t);
	if (!ok(replay_load(path, &r, &e), "escaped lines load (%s)", e.msg)) {
		free(path);
		return;
	}
	is_int(r.nsteps, 1 + sizeof(lines) / sizeof(lines[0]), "every line is a step");
	for (size_t i = 0; i + 1 < r.nsteps; i++) {
		is_str(r.steps[i + 1].line, lines[i], "JSON round trip of line %zu", i);
	}
	replay_finish(&r);
	unlink(path);
	free(path);
}

/* A writer killed at a random moment leaves whole lines, but for the last one at most. */
static void test_killed_writer(enum transcript_format fmt)
{
	char *path = tmp_path("killed.txt"), *s;
	struct replay r;
	struct stat st;
	struct err e;
	size_t len = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct transcript *t = transcript_open(path, fmt, &e);
		struct transcript_header h = { .version = "0.1.0" };

		transcript_header(t, &h, &e);
		for (unsigned long i = 0;; i++) {
			struct transcript_event x = ev(i % 2 ? RENDER_RECV : RENDER_SENT, false,
				i % 2 ? "250 2.0.0 a rather long reply line to make the writes bigger"
				: "NOOP with some text so that lines are long enough to matter");

			x.code = i % 2 ? 250 : 0;
			x.last = true;
			transcript_write(t, &x, &e);
		}
	}
	ok(pid > 0, "fork");
	if (pid <= 0) {
		free(path);
		return;
	}
	for (int i = 0; i < 2000; i++) {
		if (stat(path, &st) == 0 && st.st_size > 200000) {
			break;
		}
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	s = slurp(path, &len);
	err_clear(&e);
	/* The kernel may stop a write that spans a page at a SIGKILL, so the
	 * last line may be cut: the reader must then stop before it. */
	ok(replay_load(path, &r, &e) && r.nsteps > 100, "%s: the killed writer's file loads (%s)",
		transcript_format_name(fmt), e.msg);
	ok(s && len > 0 && (s[len - 1] == '\n') == (r.incomplete_line == 0),
		"%s: only a last line without its newline is left out",
		transcript_format_name(fmt));
	replay_finish(&r);
	free(s);
	unlink(path);
	free(path);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test-transcript-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		ok(0, "make a temporary directory");
		return done_testing();
	}
	test_names();
	test_open();
	test_text_format();
	test_jsonl_format();
	test_round_trip(TRANSCRIPT_TEXT);
	test_round_trip(TRANSCRIPT_JSONL);
	test_json_escape_round_trip();
	test_killed_writer(TRANSCRIPT_TEXT);
	test_killed_writer(TRANSCRIPT_JSONL);
	rmdir(tmpdir);
	return done_testing();
}

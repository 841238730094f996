/* SPDX-License-Identifier: MIT */
/* Unit tests for MTA-STS (records, policy text, mx patterns, HTTP) and TLS-RPT. */
#include "check.h"
#include "mtasts.h"
#include "notes.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_sts_txt(void)
{
	struct mtasts_txt t;
	const char *s;

	ok(mtasts_is_txt("v=STSv1; id=1", 13), "v=STSv1 is MTA-STS");
	ok(!mtasts_is_txt("v=stsv1; id=1", 13), "the version is case-sensitive");
	ok(!mtasts_is_txt("id=1; v=STSv1", 13), "the version comes first");
	ok(!mtasts_is_txt("v=STSv10; id=1", 14), "v=STSv10 is not v=STSv1");
	s = "v=STSv1; id=20240101T000000Z;";
	ok(mtasts_txt_parse(s, strlen(s), &t), "a record with an id");
	is_str(t.id, "20240101T000000Z", "the id");
	mtasts_txt_finish(&t);
	s = "v=STSv1;id=abc ; ext=1";
	ok(mtasts_txt_parse(s, strlen(s), &t), "blanks and extension fields");
	mtasts_txt_finish(&t);
	s = "v=STSv1; id=12345678901234567890123456789012";
	ok(mtasts_txt_parse(s, strlen(s), &t), "a 32-character id");
	mtasts_txt_finish(&t);
	s = "v=STSv1; id=123456789012345678901234567890123";
	ok(!mtasts_txt_parse(s, strlen(s), &t), "a 33-character id is bad");
	ok(has_note(&t.notes, POL_ERROR, "1 to 32 letters and digits"), "and named");
	mtasts_txt_finish(&t);
	s = "v=STSv1; id=2024-01-01";
	ok(!mtasts_txt_parse(s, strlen(s), &t), "an id with dashes is bad");
	mtasts_txt_finish(&t);
	s = "v=STSv1; id=";
	ok(!mtasts_txt_parse(s, strlen(s), &t), "an empty id is bad");
	mtasts_txt_finish(&t);
	s = "v=STSv1";
	ok(!mtasts_txt_parse(s, strlen(s), &t), "no id");
	ok(has_note(&t.notes, POL_ERROR, "no id="), "named");
	mtasts_txt_finish(&t);
}

static void test_tlsrpt(void)
{
	struct tlsrpt_txt t;
	const char *s;

	ok(tlsrpt_is_txt("v=TLSRPTv1; rua=mailto:a@example.com", 36), "v=TLSRPTv1 is TLS-RPT");
	ok(!tlsrpt_is_txt("rua=mailto:a@example.com; v=TLSRPTv1", 36), "v must come first");
	s = "v=TLSRPTv1; rua=mailto:tls@example.com,https://report.example.com/v1";
	ok(tlsrpt_parse(s, strlen(s), &t), "mailto and https");
	is_int(t.nrua, 2, "two URIs");
	tlsrpt_finish(&t);
	s = "v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.com";
	ok(tlsrpt_parse(s, strlen(s), &t), "blanks around commas");
	is_int(t.nrua, 2, "two URIs");
	tlsrpt_finish(&t);
	s = "v=TLSRPTv1";
	ok(!tlsrpt_parse(s, strlen(s), &t), "rua is required");
	ok(has_note(&t.notes, POL_ERROR, "no rua="), "named");
	tlsrpt_finish(&t);
	s = "v=TLSRPTv1; rua=ftp://example.com/";
	ok(!tlsrpt_parse(s, strlen(s), &t), "ftp: is not allowed");
	ok(has_note(&t.notes, POL_ERROR, "only mailto: and https:"), "named");
	tlsrpt_finish(&t);
	s = "v=TLSRPTv1; rua=mailto:nobody";
	ok(!tlsrpt_parse(s, strlen(s), &t), "a mailto: without a domain");
	tlsrpt_finish(&t);
	s = "v=TLSRPTv1; rua=https://";
	ok(!tlsrpt_parse(s, strlen(s), &t), "an https: URL without a host");
	tlsrpt_finish(&t);
	s = "rua=mailto:a@example.com";
	ok(!tlsrpt_parse(s, strlen(s), &t), "no version");
	tlsrpt_finish(&t);
}

static void test_policy(void)
{
	struct mtasts_policy p;
	const char *s;

	s = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";
	ok(mtasts_policy_parse(s, strlen(s), &p), "a policy with CRLF");
	is_str(p.version, "STSv1", "version");
	is_str(p.mode, "enforce", "mode");
	is_int(p.max_age, 604800, "max_age");
	is_int(p.nmx, 2, "two mx patterns");
	is_str(p.mx[1], "*.example.net", "the wildcard pattern");
	ok(!pol_notes_has(&p.notes, POL_WARN), "no warnings");
	is_str(mtasts_policy_match(&p, "mx1.example.net"), "*.example.net", "a host matches the wildcard");
	ok(mtasts_policy_match(&p, "example.com") == NULL, "another host matches nothing");
	mtasts_policy_finish(&p);
	s = "mode:testing\nmax_age:86400\nversion:STSv1\nmx:mx.example.com\nfoo: bar";
	ok(mtasts_policy_parse(s, strlen(s), &p), "LF, any order, no blank after the colon, no final newline");
	ok(has_note(&p.notes, POL_WARN, "mode testing"), "testing is noted");
	ok(has_note(&p.notes, POL_INFO, "unknown key \"foo\""), "unknown keys are ignored");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode: none\nmax_age: 86400\n";
	ok(mtasts_policy_parse(s, strlen(s), &p), "mode none needs no mx");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode: enforce\nmax_age: 86400\n";
	ok(!mtasts_policy_parse(s, strlen(s), &p), "enforce needs an mx");
	ok(has_note(&p.notes, POL_ERROR, "no mx:"), "named");
	mtasts_policy_finish(&p);
	s = "version: STSv2\nmode: strict\nmx: mx.example.com\nmax_age: 31557601\n";
	ok(!mtasts_policy_parse(s, strlen(s), &p), "bad values");
	ok(has_note(&p.notes, POL_ERROR, "must be STSv1"), "a bad version");
	ok(has_note(&p.notes, POL_ERROR, "not enforce, testing or none"), "a bad mode");
	ok(has_note(&p.notes, POL_ERROR, "more than 31557600"), "max_age over a year");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: soon\n";
	ok(!mtasts_policy_parse(s, strlen(s), &p), "max_age not a number");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 60\n";
	ok(mtasts_policy_parse(s, strlen(s), &p), "a short max_age is valid");
	ok(has_note(&p.notes, POL_WARN, "under a day"), "but warned about");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode: enforce\nmx: *.*.example.com\nmx: mx..example.com\nmax_age: 86400\n";
	ok(!mtasts_policy_parse(s, strlen(s), &p), "bad mx patterns");
	mtasts_policy_finish(&p);
	s = "version: STSv1\nmode enforce\nmx: mx.example.com\nmax_age: 86400\n";
	ok(!mtasts_policy_parse(s, strlen(s), &p), "a line without a colon");
	ok(has_note(&p.notes, POL_ERROR, "no mode: line"), "so no mode");
	mtasts_policy_finish(&p);
	ok(!mtasts_policy_parse("", 0, &p), "an empty policy");
	mtasts_policy_finish(&p);
}

static void test_mx_match(void)
{
	ok(mtasts_mx_match("mail.example.com", "mail.example.com"), "exact");
	ok(mtasts_mx_match("mail.example.com", "MAIL.Example.COM."), "case and a final dot do not matter");
	ok(mtasts_mx_match("mail.example.com.", "mail.example.com"), "a final dot in the pattern");
	ok(!mtasts_mx_match("mail.example.com", "mail2.example.com"), "another name");
	ok(mtasts_mx_match("*.example.com", "mx1.example.com"), "the wildcard matches one label");
	ok(!mtasts_mx_match("*.example.com", "example.com"), "not the domain itself");
	ok(!mtasts_mx_match("*.example.com", "a.b.example.com"), "not two labels");
	ok(!mtasts_mx_match("*.example.com", ".example.com"), "not an empty label");
	ok(!mtasts_mx_match("*.example.com", "mx1.example.org"), "not another domain");
	ok(!mtasts_mx_match("*.example.com", "mx1example.com"), "the dot is required");
	ok(!mtasts_mx_match("", "example.com"), "an empty pattern matches nothing");
}

static void test_http(void)
{
	struct mtasts_http h;
	char why[200], *body;
	size_t blen;
	const char *r;

	r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), 1, "a complete head");
	is_int(h.status, 200, "status");
	is_str(h.ctype, "text/plain", "the media type, without parameters");
	is_int(h.clen, 5, "Content-Length");
	is_int(mtasts_http_body(r, strlen(r), &h, false, 100, &body, &blen, why, sizeof(why)), 1, "the body");
	ok(blen == 5 && memcmp(body, "hello", 5) == 0, "is hello");
	free(body);
	is_int(mtasts_http_body(r, strlen(r) - 2, &h, false, 100, &body, &blen, why, sizeof(why)), 0,
		"part of the body: more is needed");
	is_int(mtasts_http_body(r, strlen(r) - 2, &h, true, 100, &body, &blen, why, sizeof(why)), -1,
		"part of the body and the end: an error");
	is_int(mtasts_http_body(r, strlen(r), &h, false, 4, &body, &blen, why, sizeof(why)), -1,
		"over the size limit");
	ok(strstr(why, "larger than 4 bytes") != NULL, "named");
	r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), 0, "an incomplete head");
	r = "HTTP/1.0 301 Moved Permanently\nLocation: https://other.example/x\nContent-Type: TEXT/HTML\n\n";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), 1, "LF only");
	is_int(h.status, 301, "a redirect");
	is_str(h.location, "https://other.example/x", "Location");
	is_str(h.ctype, "text/html", "the media type in lower case");
	r = "HTTP/1.0 200 OK\r\n\r\nno length";
	mtasts_http_head(r, strlen(r), &h, why, sizeof(why));
	is_int(h.clen, -1, "no Content-Length");
	is_int(mtasts_http_body(r, strlen(r), &h, false, 100, &body, &blen, why, sizeof(why)), 0,
		"without a length the body ends at the close");
	is_int(mtasts_http_body(r, strlen(r), &h, true, 100, &body, &blen, why, sizeof(why)), 1, "closed");
	is_str(body, "no length", "the body");
	free(body);
	r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
	mtasts_http_head(r, strlen(r), &h, why, sizeof(why));
	ok(h.chunked, "chunked");
	is_int(mtasts_http_body(r, strlen(r), &h, false, 100, &body, &blen, why, sizeof(why)), 1, "chunks");
	is_str(body, "hello world", "joined");
	free(body);
	is_int(mtasts_http_body(r, strlen(r) - 7, &h, false, 100, &body, &blen, why, sizeof(why)), 0,
		"no last chunk yet");
	r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
	mtasts_http_head(r, strlen(r), &h, why, sizeof(why));
	is_int(mtasts_http_body(r, strlen(r), &h, false, 100, &body, &blen, why, sizeof(why)), -1, "a bad chunk size");
	r = "SSH-2.0-OpenSSH\r\n\r\n";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), -1, "not HTTP");
	r = "HTTP/1.1 2000 OK\r\n\r\n";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), -1, "a bad status");
	r = "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n";
	is_int(mtasts_http_head(r, strlen(r), &h, why, sizeof(why)), -1, "a bad Content-Length");
}

static void test_verdict_names(void)
{
	is_str(check_verdict_name(CHECK_WARN), "warn", "verdict names");
}

int main(void)
{
	test_sts_txt();
	test_tlsrpt();
	test_policy();
	test_mx_match();
	test_http();
	test_verdict_names();
	return done_testing();
}

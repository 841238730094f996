/* SPDX-License-Identifier: MIT */
/* Unit tests for the SASL mechanisms, their base64 and the libcrypto wrappers. */
#include "sasl.h"
#include "tls_crypto.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* RFC 7677 section 3 */
#define SCRAM_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define SCRAM_SNONCE SCRAM_CNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define SCRAM_SFIRST "r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SCRAM_CFINAL "c=biws,r=" SCRAM_SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SCRAM_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* Strings no display form may ever contain. */
static const char *const forbidden[] = {
	"tanstaaftanstaaf",                      /* the password */
	"dGFuc3RhYWZ0YW5zdGFhZg==",              /* its base64 */
	"AHRpbQB0YW5zdGFhZnRhbnN0YWFm",          /* PLAIN blob */
	"YWRtaW4AdGltAHRhbnN0YWFmdGFuc3RhYWY=",  /* PLAIN blob with authzid */
	"pencil",
	"ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
	"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	"dHzbZapWIk4jUhN",                        /* SCRAM proof */
	"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", /* CRAM response */
	"b913a602c7eda7a495b4e6e7334d3890",
	"dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5",
	"bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQz",
};

static int display_checks, display_leaks;

/* Record whether a display string holds any secret. */
static void check_display(const char *display)
{
	display_checks++;
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		if (!display || strstr(display, forbidden[i])) {
			printf("# display leaks \"%s\": %s\n", forbidden[i],
				display ? display : "(null)");
			display_leaks++;
		}
	}
}

static char *b64(const char *s)
{
	char *out = NULL;

	if (!sasl_b64_encode(s, strlen(s), &out)) {
		return NULL;
	}
	return out;
}

/* Decode base64 into a C string, or NULL. */
static char *unb64(const char *s)
{
	unsigned char *out = NULL;
	size_t n = 0;

	if (!s || !sasl_b64_decode(s, &out, &n)) {
		return NULL;
	}
	return (char *)out;
}

static struct sasl *mk(enum sasl_mech m, const char *user, const char *secret,
	const char *authzid, const char *host, unsigned port)
{
	struct err e;
	struct sasl *s;

	err_clear(&e);
	s = sasl_create(m, user, secret, authzid, host, port, &e);
	if (!s) {
		printf("# sasl_create: %s\n", e.msg);
	}
	return s;
}

/* Start s; check the line and display (NULL: not compared). */
static void start_is(struct sasl *s, const char *want_line, const char *want_display,
	const char *what)
{
	char *line = NULL, *display = NULL;
	struct err e;

	err_clear(&e);
	if (!ok(s && sasl_start(s, &line, &display, &e), "%s: start", what)) {
		printf("#   error: %s\n", e.msg);
		return;
	}
	if (want_line) {
		is_str(line, want_line, "%s: AUTH line", what);
	}
	if (want_display) {
		is_str(display, want_display, "%s: display", what);
	}
	check_display(display);
	sasl_line_free(line);
	free(display);
}

/* One step that must succeed; check line/display/decoded where given. */
static void step_is(struct sasl *s, const char *chal, const char *want_line,
	const char *want_display, const char *want_decoded, const char *what)
{
	char *line = NULL, *display = NULL, *decoded = NULL;
	struct err e;

	err_clear(&e);
	if (!ok(s && sasl_step(s, chal, &line, &display, &decoded, &e), "%s: step", what)) {
		printf("#   error: %s\n", e.msg);
		free(decoded);
		return;
	}
	if (want_line) {
		is_str(line, want_line, "%s: line", what);
	}
	if (want_display) {
		is_str(display, want_display, "%s: display", what);
	}
	if (want_decoded) {
		is_str(decoded, want_decoded, "%s: decoded challenge", what);
	}
	check_display(display);
	sasl_line_free(line);
	free(display);
	free(decoded);
}

/* One step that must fail with kind and a message containing needle. */
static void step_fails(struct sasl *s, const char *chal, enum err_kind kind,
	const char *needle, const char *what)
{
	char *line = NULL, *display = NULL, *decoded = NULL;
	struct err e;
	bool r;

	err_clear(&e);
	r = s && sasl_step(s, chal, &line, &display, &decoded, &e);
	ok(!r && !line && !display, "%s: fails", what);
	is_int(e.kind, kind, "%s: error kind", what);
	if (needle) {
		ok(strstr(e.msg, needle) != NULL, "%s: message mentions \"%s\"", what, needle);
		if (!strstr(e.msg, needle)) {
			printf("#   message: %s\n", e.msg);
		}
	}
	sasl_line_free(line);
	free(display);
	free(decoded);
}

static void test_names(void)
{
	enum sasl_mech m = SASL_PLAIN;

	ok(sasl_mech_from_name("plain", &m) && m == SASL_PLAIN, "plain");
	ok(sasl_mech_from_name("Login", &m) && m == SASL_LOGIN, "Login");
	ok(sasl_mech_from_name("cram-md5", &m) && m == SASL_CRAM_MD5, "cram-md5");
	ok(sasl_mech_from_name("XOAUTH2", &m) && m == SASL_XOAUTH2, "XOAUTH2");
	ok(sasl_mech_from_name("oauthbearer", &m) && m == SASL_OAUTHBEARER, "oauthbearer");
	ok(sasl_mech_from_name("Scram-Sha-256", &m) && m == SASL_SCRAM_SHA_256, "Scram-Sha-256");
	m = SASL_LOGIN;
	ok(!sasl_mech_from_name("DIGEST-MD5", &m) && m == SASL_LOGIN,
		"DIGEST-MD5 unknown, out untouched");
	ok(!sasl_mech_from_name("SCRAM-SHA-256-PLUS", &m), "SCRAM-SHA-256-PLUS unknown");
	ok(!sasl_mech_from_name("", &m), "empty name unknown");
	ok(!sasl_mech_from_name(NULL, &m), "NULL name unknown");
	for (int i = 0; i < SASL_MECH_COUNT; i++) {
		enum sasl_mech back;

		ok(sasl_mech_from_name(sasl_mech_name((enum sasl_mech)i), &back) && (int)back == i,
			"name round trip %s", sasl_mech_name((enum sasl_mech)i));
	}
	is_str(sasl_mech_name(SASL_CRAM_MD5), "CRAM-MD5", "canonical CRAM-MD5");
	ok(sasl_mech_name(SASL_MECH_COUNT) == NULL, "out of range name is NULL");
}

static void test_b64(void)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "====", "Zm9v\n", " Zm9v", "Zm9v ", "Zm9v\r\n",
		"Zh==", "Zm9=", "Zg==Zg==", "A=BC", "AB=C", "Zm!v", "Zm9v-_8=", "Zm9v____",
		"\303\251AA", "Zm9v=", "Zm9v====", "=AAA",
	};
	unsigned char all[256], *out = NULL;
	size_t n = 0;
	char *enc = NULL;
	bool rt = true;

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char *dec;

		enc = b64(vec[i][0]);
		is_str(enc, vec[i][1], "base64 of \"%s\"", vec[i][0]);
		free(enc);
		dec = unb64(vec[i][1]);
		is_str(dec, vec[i][0], "decode %s", vec[i][1]);
		free(dec);
	}
	for (int i = 0; i < 256; i++) {
		all[i] = (unsigned char)(255 - i);
	}
	for (size_t len = 0; len <= sizeof(all); len++) {
		enc = NULL;
		out = NULL;
		if (!sasl_b64_encode(all, len, &enc) || strlen(enc) != (len + 2) / 3 * 4 ||
				!sasl_b64_decode(enc, &out, &n) || n != len ||
				memcmp(out, all, len) != 0) {
			printf("# round trip failed at length %zu\n", len);
			rt = false;
		}
		free(enc);
		free(out);
	}
	ok(rt, "base64 round trips for every length 0..256");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = NULL;
		n = 12345;
		ok(!sasl_b64_decode(bad[i], &out, &n) && out == NULL && n == 12345,
			"strict decode rejects bad input %zu", i);
	}
	ok(!sasl_b64_decode(NULL, &out, &n), "decode NULL fails");
	ok(sasl_b64_decode("", &out, &n) && n == 0 && out && out[0] == '\0', "empty decodes");
	free(out);
}

static void test_crypto(void)
{
	static const unsigned char sha256_abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad,
	};
	/* RFC 4231 test case 2 */
	static const unsigned char hmac_jefe[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
		0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
		0x64, 0xec, 0x38, 0x43,
	};
	/* RFC 2104 / RFC 2202 HMAC-MD5 with the same key and data */
	static const unsigned char hmac_md5_jefe[16] = {
		0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03, 0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d,
		0xb7, 0x38,
	};
	/* PBKDF2-HMAC-SHA256("password", "salt", 1, 32) */
	static const unsigned char pbkdf2_1[32] = {
		0x12, 0x0f, 0xb6, 0xcf, 0xfc, 0xf8, 0xb3, 0x2c, 0x43, 0xe7, 0x22, 0x52, 0x56, 0xc4,
		0xf8, 0x37, 0xa8, 0x65, 0x48, 0xc9, 0x2c, 0xcc, 0x35, 0x48, 0x08, 0x05, 0x98, 0x7c,
		0xb7, 0x0b, 0xe1, 0x7b,
	};
	static const char jefe_data[] = "what do ya want for nothing?";
	unsigned char out[TLSC_MD_MAX], small[8], a[16], b[16];
	size_t n = sizeof(out);

	ok(tlsc_digest("SHA256", "abc", 3, out, &n) && n == 32 && memcmp(out, sha256_abc, 32) == 0,
		"SHA-256(abc)");
	n = sizeof(out);
	ok(tlsc_digest("sha1", "", 0, out, &n) && n == 20,
		"SHA-1 of nothing, alg case-insensitive");
	n = sizeof(small);
	ok(!tlsc_digest("SHA256", "abc", 3, small, &n) && n == sizeof(small),
		"digest into a too small buffer fails");
	n = sizeof(out);
	ok(!tlsc_digest("SHA3-256", "abc", 3, out, &n), "digest with an unlisted alg fails");
	n = sizeof(out);
	ok(tlsc_hmac("SHA256", "Jefe", 4, jefe_data, strlen(jefe_data), out, &n) && n == 32 &&
		memcmp(out, hmac_jefe, 32) == 0, "HMAC-SHA-256 RFC 4231 case 2");
	n = sizeof(out);
	ok(tlsc_hmac("MD5", "Jefe", 4, jefe_data, strlen(jefe_data), out, &n) && n == 16 &&
		memcmp(out, hmac_md5_jefe, 16) == 0, "HMAC-MD5 RFC 2104 example");
	n = sizeof(out);
	ok(tlsc_hmac("SHA256", "", 0, "x", 1, out, &n) && n == 32, "HMAC with an empty key");
	n = sizeof(out);
	ok(!tlsc_hmac("NOPE", "k", 1, "x", 1, out, &n), "HMAC with an unknown alg fails");
	ok(tlsc_pbkdf2("SHA256", "password", 8, "salt", 4, 1, out, 32) &&
		memcmp(out, pbkdf2_1, 32) == 0, "PBKDF2-HMAC-SHA256 one iteration");
	ok(tlsc_pbkdf2("SHA256", "", 0, "salt", 4, 2, out, 32), "PBKDF2 with an empty password");
	ok(!tlsc_pbkdf2("SHA256", "p", 1, "s", 1, 0, out, 32), "PBKDF2 with 0 iterations fails");
	ok(tlsc_random(a, sizeof(a)) && tlsc_random(b, sizeof(b)) && memcmp(a, b, sizeof(a)) != 0,
		"two random draws differ");
	ok(tlsc_memeq(a, a, sizeof(a)) && !tlsc_memeq(a, b, sizeof(a)), "constant-time compare");
	tlsc_cleanse(a, sizeof(a));
	memset(b, 0, sizeof(b));
	ok(memcmp(a, b, sizeof(a)) == 0, "cleanse zeroes");
	tlsc_cleanse(NULL, 10);
}

static void test_create(void)
{
	struct err e;

	err_clear(&e);
	ok(!sasl_create(SASL_PLAIN, "tim", NULL, NULL, NULL, 0, &e) && e.kind == ERR_USAGE,
		"no password refused");
	err_clear(&e);
	ok(!sasl_create(SASL_LOGIN, "", "pw", NULL, NULL, 0, &e) && e.kind == ERR_USAGE,
		"empty user refused for LOGIN");
	err_clear(&e);
	ok(!sasl_create(SASL_SCRAM_SHA_256, NULL, "pw", NULL, NULL, 0, &e) && e.kind == ERR_USAGE,
		"NULL user refused for SCRAM");
	err_clear(&e);
	ok(!sasl_create(SASL_CRAM_MD5, "tim", "pw", "admin", NULL, 0, &e) && e.kind == ERR_USAGE,
		"authzid refused for CRAM-MD5");
	err_clear(&e);
	ok(!sasl_create(SASL_XOAUTH2, "tim", "to\x01ken", NULL, NULL, 0, &e) && e.kind == ERR_USAGE,
		"0x01 in a token refused");
	err_clear(&e);
	ok(!sasl_create(SASL_OAUTHBEARER, "tim", "tok", NULL, "h", 70000, &e) &&
		e.kind == ERR_USAGE, "port out of range refused");
	err_clear(&e);
	ok(!sasl_create(SASL_MECH_COUNT, "tim", "pw", NULL, NULL, 0, &e) && e.kind == ERR_USAGE,
		"unknown mechanism refused");
	sasl_destroy(NULL);
	ok(1, "sasl_destroy(NULL)");
}

static void test_plain(void)
{
	struct sasl *s = mk(SASL_PLAIN, "tim", "tanstaaftanstaaf", NULL, NULL, 0);
	char *line = NULL, *display = NULL, *decoded = NULL;
	struct err e;

	ok(!sasl_finished_ok(s), "PLAIN: not ok before start");
	start_is(s, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "AUTH PLAIN [redacted]", "PLAIN");
	ok(sasl_finished_ok(s), "PLAIN: ok after 235");
	err_clear(&e);
	ok(!sasl_start(s, &line, &display, &e) && e.kind == ERR_USAGE && !line,
		"PLAIN: second start refused");
	step_fails(s, "", ERR_PROTO, "unexpected", "PLAIN: 334 after the initial response");
	ok(!sasl_finished_ok(s), "PLAIN: not ok after a failed step");
	step_fails(s, "", ERR_USAGE, NULL, "PLAIN: steps after a failure");
	sasl_destroy(s);

	s = mk(SASL_PLAIN, "tim", "tanstaaftanstaaf", "admin", NULL, 0);
	start_is(s, "AUTH PLAIN YWRtaW4AdGltAHRhbnN0YWFmdGFuc3RhYWY=", "AUTH PLAIN [redacted]",
		"PLAIN with authzid");
	sasl_destroy(s);
	s = mk(SASL_PLAIN, "tim", "tanstaaftanstaaf", "", NULL, 0);
	start_is(s, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", NULL, "PLAIN with empty authzid");
	sasl_destroy(s);

	s = mk(SASL_LOGIN, "tim", "pw", NULL, NULL, 0);
	err_clear(&e);
	ok(!sasl_step(s, "VXNlcm5hbWU6", &line, &display, &decoded, &e) && e.kind == ERR_USAGE &&
		!decoded, "step before start refused");
	sasl_destroy(s);
}

static void test_login(void)
{
	struct sasl *s = mk(SASL_LOGIN, "tim", "tanstaaftanstaaf", NULL, NULL, 0);

	start_is(s, "AUTH LOGIN", "AUTH LOGIN", "LOGIN");
	step_is(s, "VXNlcm5hbWU6", "dGlt", "dGlt (decoded: tim)", "Username:", "LOGIN user");
	ok(!sasl_finished_ok(s), "LOGIN: not ok after the user name only");
	step_is(s, "UGFzc3dvcmQ6", "dGFuc3RhYWZ0YW5zdGFhZg==", "[redacted]", "Password:",
		"LOGIN password");
	ok(sasl_finished_ok(s), "LOGIN: ok after both steps");
	step_fails(s, "UGFzc3dvcmQ6", ERR_PROTO, "third", "LOGIN: third challenge");
	sasl_destroy(s);

	/* The order decides, not the prompt text. */
	s = mk(SASL_LOGIN, "tim", "tanstaaftanstaaf", NULL, NULL, 0);
	start_is(s, "AUTH LOGIN", NULL, "LOGIN swapped prompts");
	step_is(s, "UGFzc3dvcmQ6", "dGlt", NULL, "Password:",
		"LOGIN swapped: first answer is user");
	step_is(s, "", "dGFuc3RhYWZ0YW5zdGFhZg==", "[redacted]", "", "LOGIN empty prompt");
	sasl_destroy(s);

	s = mk(SASL_LOGIN, "tim", "tanstaaftanstaaf", NULL, NULL, 0);
	start_is(s, NULL, NULL, "LOGIN bad base64");
	step_fails(s, "VXNlcm5hbWU6 ", ERR_PROTO, "base64", "LOGIN: challenge with a blank");
	step_fails(s, "VXNlcm5hbWU6", ERR_USAGE, NULL, "LOGIN: failure is final");
	sasl_destroy(s);
}

static void test_cram(void)
{
	struct sasl *s = mk(SASL_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL, NULL, 0);
	char *line = NULL, *display = NULL, *decoded = NULL, *plain;
	struct err e;

	start_is(s, "AUTH CRAM-MD5", "AUTH CRAM-MD5", "CRAM-MD5");
	err_clear(&e);
	ok(sasl_step(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", &line,
		&display, &decoded, &e), "CRAM-MD5: RFC 2195 step");
	is_str(line, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", "CRAM-MD5: line");
	plain = unb64(line);
	is_str(plain, "tim b913a602c7eda7a495b4e6e7334d3890", "CRAM-MD5: decoded answer");
	is_str(display, "[redacted]", "CRAM-MD5: display");
	is_str(decoded, "<1896.697170952@postoffice.reston.mci.net>", "CRAM-MD5: challenge");
	check_display(display);
	ok(sasl_finished_ok(s), "CRAM-MD5: ok");
	free(plain);
	sasl_line_free(line);
	free(display);
	free(decoded);
	step_fails(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", ERR_PROTO,
		"second", "CRAM-MD5: second challenge");
	sasl_destroy(s);

	s = mk(SASL_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL, NULL, 0);
	start_is(s, NULL, NULL, "CRAM-MD5 empty");
	step_fails(s, "", ERR_PROTO, "empty", "CRAM-MD5: empty challenge");
	ok(!sasl_finished_ok(s), "CRAM-MD5: not ok after failure");
	sasl_destroy(s);
}

static void test_oauth(void)
{
	struct sasl *s = mk(SASL_XOAUTH2, "someuser@example.com",
		"ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", NULL, NULL, 0);
	char *line = NULL, *display = NULL, *plain;
	struct err e;

	start_is(s, "AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWR"
		"mdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==", "AUTH XOAUTH2 [redacted]",
		"XOAUTH2");
	ok(sasl_finished_ok(s), "XOAUTH2: ok without an error challenge");
	step_is(s, "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haW"
		"wuZ29vZ2xlLmNvbS8ifQ==", "", "",
		"{\"status\":\"401\",\"schemes\":\"bearer\","
		"\"scope\":\"https://mail.google.com/\"}",
		"XOAUTH2 error");
	ok(!sasl_finished_ok(s), "XOAUTH2: not ok after the error challenge");
	step_fails(s, "", ERR_PROTO, "second", "XOAUTH2: second challenge");
	sasl_destroy(s);

	/* RFC 7628 section 4.1 */
	s = mk(SASL_OAUTHBEARER, "user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
		NULL, "server.example.com", 143);
	start_is(s, "AUTH OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY2"
		"9tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMj"
		"l0Q2c9PQEB", "AUTH OAUTHBEARER [redacted]", "OAUTHBEARER RFC 7628");
	step_is(s, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", "AQ==", "AQ==",
		"{\"status\":\"invalid_token\"}", "OAUTHBEARER error");
	ok(!sasl_finished_ok(s), "OAUTHBEARER: not ok after the error challenge");
	sasl_destroy(s);

	s = mk(SASL_OAUTHBEARER, "a=b,c", "tok", NULL, "mx.example.net", 587);
	start_is(s, "AUTH OAUTHBEARER bixhPWE9M0RiPTJDYywBaG9zdD1teC5leGFtcGxlLm5ldAFwb3J0PTU4NwFh"
		"dXRoPUJlYXJlciB0b2sBAQ==", NULL, "OAUTHBEARER gs2 escaping");
	ok(sasl_finished_ok(s), "OAUTHBEARER: ok without an error challenge");
	sasl_destroy(s);

	s = mk(SASL_OAUTHBEARER, "user", "tok", NULL, NULL, 0);
	err_clear(&e);
	ok(s && sasl_start(s, &line, &display, &e), "OAUTHBEARER without host and port");
	plain = line && strlen(line) > 17 ? unb64(line + 17) : NULL;
	is_str(plain, "n,a=user,\x01" "auth=Bearer tok\x01\x01", "OAUTHBEARER minimal message");
	free(plain);
	sasl_line_free(line);
	free(display);
	sasl_destroy(s);
}

/* A SCRAM exchange started with the RFC 7677 nonce. */
static struct sasl *scram_started(const char *what)
{
	struct sasl *s = mk(SASL_SCRAM_SHA_256, "user", "pencil", NULL, NULL, 0);

	ok(s && sasl_set_nonce_for_test(s, SCRAM_CNONCE), "%s: fixed nonce", what);
	start_is(s, NULL, NULL, what);
	return s;
}

static void scram_bad_first(const char *first, const char *needle, const char *what)
{
	struct sasl *s = scram_started(what);
	char *enc = b64(first);

	step_fails(s, enc, ERR_PROTO, needle, what);
	ok(!sasl_finished_ok(s), "%s: not ok", what);
	sasl_destroy(s);
	free(enc);
}

static void test_scram(void)
{
	struct sasl *s = mk(SASL_SCRAM_SHA_256, "user", "pencil", NULL, NULL, 0);
	char *sfirst = b64(SCRAM_SFIRST), *cfinal = b64(SCRAM_CFINAL), *sfinal = b64(SCRAM_SFINAL);
	char *line = NULL, *display = NULL, *decoded = NULL, *line2 = NULL, *enc;
	struct err e;

	ok(s && sasl_set_nonce_for_test(s, SCRAM_CNONCE), "SCRAM: fixed nonce");
	ok(!sasl_set_nonce_for_test(s, "a,b"), "SCRAM: nonce with a comma refused");
	ok(!sasl_set_nonce_for_test(s, "a b"), "SCRAM: nonce with a space refused");
	start_is(s, "AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=",
		"AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8= "
		"(decoded: n,,n=user,r=rOprNGfwEbeRWgbNEkqO)", "SCRAM RFC 7677");
	ok(!sasl_set_nonce_for_test(s, "late"), "SCRAM: nonce after start refused");
	step_is(s, sfirst, cfinal, "[redacted]", SCRAM_SFIRST, "SCRAM server-first");
	ok(!sasl_finished_ok(s), "SCRAM: not ok before the server signature");
	step_is(s, sfinal, "", "", SCRAM_SFINAL, "SCRAM server-final");
	ok(sasl_finished_ok(s), "SCRAM: ok after the server signature matched");
	step_fails(s, "", ERR_PROTO, "after", "SCRAM: challenge after server-final");
	sasl_destroy(s);

	/* Wrong server signature: first byte of the signature changed. */
	s = scram_started("SCRAM wrong signature");
	step_is(s, sfirst, cfinal, NULL, NULL, "SCRAM wrong signature: server-first");
	enc = b64("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	step_fails(s, enc, ERR_PROTO, "signature does NOT match", "SCRAM wrong signature");
	ok(!sasl_finished_ok(s), "SCRAM wrong signature: not ok");
	free(enc);
	sasl_destroy(s);

	s = scram_started("SCRAM short signature");
	step_is(s, sfirst, NULL, NULL, NULL, "SCRAM short signature: server-first");
	enc = b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9");
	step_fails(s, enc, ERR_PROTO, "signature", "SCRAM short signature");
	free(enc);
	sasl_destroy(s);

	s = scram_started("SCRAM server error");
	step_is(s, sfirst, NULL, NULL, NULL, "SCRAM server error: server-first");
	enc = b64("e=invalid-proof");
	step_fails(s, enc, ERR_PROTO, "invalid-proof", "SCRAM e= from the server");
	free(enc);
	sasl_destroy(s);

	s = scram_started("SCRAM final garbage");
	step_is(s, sfirst, NULL, NULL, NULL, "SCRAM final garbage: server-first");
	enc = b64("x=1");
	step_fails(s, enc, ERR_PROTO, "neither", "SCRAM server-final without v=");
	free(enc);
	sasl_destroy(s);

	s = scram_started("SCRAM final bad base64");
	step_is(s, sfirst, NULL, NULL, NULL, "SCRAM final bad base64: server-first");
	enc = b64("v=!!!!");
	step_fails(s, enc, ERR_PROTO, "base64", "SCRAM server signature not base64");
	free(enc);
	sasl_destroy(s);

	scram_bad_first("r=XXXXNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "extend", "SCRAM foreign nonce");
	scram_bad_first("r=" SCRAM_CNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "extend",
		"SCRAM nonce not extended");
	scram_bad_first("r=rOprNG,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "extend",
		"SCRAM nonce shorter than ours");
	scram_bad_first("r=" SCRAM_SNONCE ",i=4096", "s=", "SCRAM missing salt");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==", "i=",
		"SCRAM missing iteration count");
	scram_bad_first("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" SCRAM_SNONCE ",i=4096", "r=",
		"SCRAM attributes out of order");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", "positive",
		"SCRAM i=0");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100000000", "outside",
		"SCRAM i=100000000");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999",
		"positive", "SCRAM i overflowing");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", "outside",
		"SCRAM i=4095");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096", "positive",
		"SCRAM i negative");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x", "positive",
		"SCRAM i with junk");
	scram_bad_first("r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=", "positive",
		"SCRAM i empty");
	scram_bad_first("r=" SCRAM_SNONCE ",s=not*base64,i=4096", "salt", "SCRAM salt garbage");
	scram_bad_first("r=" SCRAM_SNONCE ",s=,i=4096", "salt", "SCRAM salt empty");
	scram_bad_first("m=ext,r=" SCRAM_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "m=",
		"SCRAM mandatory extension");
	scram_bad_first("", "r=", "SCRAM empty server-first");
	scram_bad_first("r=", "extend", "SCRAM empty nonce");
	scram_bad_first("garbage", "r=", "SCRAM garbage server-first");

	/* A NUL byte inside the server-first message. */
	s = scram_started("SCRAM NUL");
	step_fails(s, "cj1yT3ByAA==", ERR_PROTO, "NUL", "SCRAM NUL in server-first");
	sasl_destroy(s);

	/* Decoded challenges show NUL bytes as \x00, even when the step fails. */
	s = scram_started("SCRAM decoded NUL");
	err_clear(&e);
	ok(!sasl_step(s, "cj1yT3ByAA==", &line, &display, &decoded, &e) && !line,
		"SCRAM decoded NUL: fails");
	is_str(decoded, "r=rOpr\\x00", "SCRAM decoded NUL: decoded shown with \\x00");
	free(decoded);
	decoded = NULL;
	sasl_destroy(s);

	s = scram_started("SCRAM bad base64");
	step_fails(s, "cj1y!!==", ERR_PROTO, "base64", "SCRAM challenge not base64");
	sasl_destroy(s);

	/* Extensions after i= are allowed and ignored. */
	s = scram_started("SCRAM extension");
	enc = b64(SCRAM_SFIRST ",x=future");
	step_is(s, enc, NULL, "[redacted]", NULL, "SCRAM server-first with an extension");
	free(enc);
	sasl_destroy(s);

	/* A random nonce: 24 bytes, base64, different each time. */
	s = mk(SASL_SCRAM_SHA_256, "a,b=c", "pencil", "admin", NULL, 0);
	err_clear(&e);
	ok(s && sasl_start(s, &line, &display, &e), "SCRAM random nonce: start");
	enc = line && strlen(line) > 19 ? unb64(line + 19) : NULL;
	ok(enc && strncmp(enc, "n,a=admin,n=a=2Cb=3Dc,r=", 24) == 0 && strlen(enc) == 24 + 32,
		"SCRAM: gs2 header, escaped user and a 32-character nonce");
	free(enc);
	free(display);
	display = NULL;
	sasl_destroy(s);
	s = mk(SASL_SCRAM_SHA_256, "a,b=c", "pencil", "admin", NULL, 0);
	ok(s && sasl_start(s, &line2, &display, &e) && line && line2 && strcmp(line, line2) != 0,
		"SCRAM: two random nonces differ");
	check_display(display);
	sasl_line_free(line);
	sasl_line_free(line2);
	free(display);
	sasl_destroy(s);

	free(sfirst);
	free(cfinal);
	free(sfinal);
}

int main(void)
{
	test_names();
	test_b64();
	test_crypto();
	test_create();
	test_plain();
	test_login();
	test_cram();
	test_oauth();
	test_scram();
	ok(display_checks > 20 && display_leaks == 0,
		"no display string holds a secret (%d checked)", display_checks);
	return done_testing();
}

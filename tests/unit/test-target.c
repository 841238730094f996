/* SPDX-License-Identifier: MIT */
/* Unit tests for the parsing of connection targets (host, host:port, URLs, unix:, mx:). */
#include "target.h"
#include "tap.h"

#include <string.h>

/* Parse spec, which must succeed, and compare every field that matters. */
static void good(const char *spec, enum target_kind kind, enum target_proto proto,
	const char *host, const char *port, const char *path)
{
	struct target t;
	struct err e;
	bool r;

	memset(&t, 0x55, sizeof(t));
	err_clear(&e);
	r = target_parse(spec, &t, &e);
	if (!ok(r, "\"%s\" parses", spec)) {
		printf("#   error: %s\n", e.msg);
		return;
	}
	is_int(t.kind, kind, "\"%s\": kind", spec);
	is_str(target_proto_name(t.proto), target_proto_name(proto), "\"%s\": protocol", spec);
	if (host) {
		is_str(t.host, host, "\"%s\": host", spec);
	}
	if (port) {
		is_str(t.port, port, "\"%s\": port", spec);
	}
	if (path) {
		is_str(t.path, path, "\"%s\": socket path", spec);
	}
}

/* Parse spec, which must fail with ERR_USAGE and a message, leaving t alone. */
static void bad(const char *spec, const char *what)
{
	struct target t, before;
	struct err e;
	bool r;

	memset(&t, 0x55, sizeof(t));
	before = t;
	err_clear(&e);
	r = target_parse(spec, &t, &e);
	ok(!r, "%s is rejected", what);
	is_int(e.kind, ERR_USAGE, "%s: usage error", what);
	ok(e.msg[0] != '\0', "%s: with a message (\"%s\")", what, e.msg);
	ok(memcmp(&t, &before, sizeof(t)) == 0, "%s: the target is left untouched", what);
}

static void test_inet(void)
{
	good("mx.example.org", TARGET_INET, TARGET_SMTP, "mx.example.org", "25", NULL);
	good("192.0.2.1", TARGET_INET, TARGET_SMTP, "192.0.2.1", "25", NULL);
	good("mx.example.org:587", TARGET_INET, TARGET_SMTP, "mx.example.org", "587", NULL);
	good("h:1", TARGET_INET, TARGET_SMTP, "h", "1", NULL);
	good("h:65535", TARGET_INET, TARGET_SMTP, "h", "65535", NULL);
	good("[::1]:2525", TARGET_INET, TARGET_SMTP, "::1", "2525", NULL);
	good("[::1]", TARGET_INET, TARGET_SMTP, "::1", "25", NULL);
	good("[192.0.2.1]:26", TARGET_INET, TARGET_SMTP, "192.0.2.1", "26", NULL);
	good("::1", TARGET_INET, TARGET_SMTP, "::1", "25", NULL);
	good("2001:db8::1", TARGET_INET, TARGET_SMTP, "2001:db8::1", "25", NULL);
}

static void test_urls(void)
{
	good("smtp://h", TARGET_INET, TARGET_SMTP, "h", "25", NULL);
	good("smtp://h:2525/", TARGET_INET, TARGET_SMTP, "h", "2525", NULL);
	good("smtp://h/", TARGET_INET, TARGET_SMTP, "h", "25", NULL);
	good("SMTP://h", TARGET_INET, TARGET_SMTP, "h", "25", NULL);
	good("smtp://[2001:db8::1]:587", TARGET_INET, TARGET_SMTP, "2001:db8::1", "587", NULL);
	good("smtps://h", TARGET_INET, TARGET_SMTPS, "h", "465", NULL);
	good("smtps://h:4465", TARGET_INET, TARGET_SMTPS, "h", "4465", NULL);
	good("lmtp://h:24", TARGET_INET, TARGET_LMTP, "h", "24", NULL);
	good("lmtp://h", TARGET_INET, TARGET_LMTP, "h", "24", NULL);
	good("lmtp://h:2003", TARGET_INET, TARGET_LMTP, "h", "2003", NULL);
}

static void test_unix_mx(void)
{
	char path[108 + 8];

	good("unix:/run/x.sock", TARGET_UNIX, TARGET_SMTP, NULL, NULL, "/run/x.sock");
	good("unix:relative.sock", TARGET_UNIX, TARGET_SMTP, NULL, NULL, "relative.sock");
	good("mx:example.org", TARGET_MX, TARGET_SMTP, "example.org", "25", NULL);

	/* sun_path holds 108 bytes with the NUL. */
	memcpy(path, "unix:/", 6);
	memset(path + 6, 'p', 106);
	path[112] = '\0';
	good(path, TARGET_UNIX, TARGET_SMTP, NULL, NULL, path + 5);
	path[112] = 'p';
	path[113] = '\0';
	bad(path, "a 108-byte socket path");
}

static void test_errors(void)
{
	char longhost[301], longurl[320];
	struct err e;

	bad("", "an empty target");
	err_clear(&e);
	ok(!target_parse(NULL, &(struct target){ 0 }, &e) && e.kind == ERR_USAGE,
		"a NULL target is a usage error");
	bad("h:0", "port 0");
	bad("h:65536", "port 65536");
	bad("h:-25", "a negative port");
	bad("h:abc", "a port that is not a number");
	bad("h:25x", "a port with trailing junk");
	bad("h:+25", "a port with a sign");
	bad("h: 25", "a port with a leading blank");
	bad("[::1]:+25", "a port with a sign after ']'");
	bad("h:", "an empty port");
	bad(":25", "an empty host");
	bad("[::1", "a missing ']'");
	bad("[::1]x", "text after ']'");
	bad("[::1]:", "an empty port after ']'");
	bad("[::1]:0", "port 0 after ']'");
	bad("[]", "empty brackets");
	bad("foo://h", "an unknown scheme");
	bad("smtp://h/path", "a URL with a path");
	bad("smtp://", "a URL without a host");
	bad("smtp://h:99999", "a URL with a bad port");
	bad("a b", "a host with a blank");
	bad("a\tb", "a host with a tab");
	bad("user@h", "a host with '@'");
	bad("unix:", "unix: with an empty path");
	bad("mx:", "mx: without a domain");

	memset(longhost, 'a', 300);
	longhost[300] = '\0';
	bad(longhost, "a 300-character host");
	snprintf(longurl, sizeof(longurl), "smtp://%s", longhost);
	bad(longurl, "a URL with a 300-character host");
	longhost[255] = '\0';
	good(longhost, TARGET_INET, TARGET_SMTP, longhost, "25", NULL);
	longhost[255] = 'a';
	longhost[256] = '\0';
	bad(longhost, "a 256-character host");
}

static void test_spec(void)
{
	static const char *const specs[] = {
		"192.0.2.1:587", "mx.example.org:25", "[2001:db8::1]:2525", "smtps://mx.example.org:465",
		"lmtp://[::1]:24", "unix:/run/x.sock", "mx:example.org",
	};
	struct target t, back;
	char buf[300];
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		ok(target_parse(specs[i], &t, NULL), "parse %s", specs[i]);
		is_str(target_spec(&t, buf, sizeof(buf)), specs[i], "spec of %s", specs[i]);
		ok(target_parse(buf, &back, NULL) && memcmp(&t, &back, sizeof(t)) == 0,
			"%s reads back the same", specs[i]);
	}
	ok(target_parse("::1", &t, NULL), "parse bare v6");
	is_str(target_spec(&t, buf, sizeof(buf)), "[::1]:25", "a bare v6 address gets brackets and a port");
	ok(target_parse("[2001:db8::1]:2525", &t, NULL), "parse v6 for a short buffer");
	is_str(target_spec(&t, buf, 8), "[2001:d", "the spec is cut to the buffer");

	is_str(target_proto_name(TARGET_SMTP), "SMTP", "protocol name SMTP");
	is_str(target_proto_name(TARGET_SMTPS), "SMTPS", "protocol name SMTPS");
	is_str(target_proto_name(TARGET_LMTP), "LMTP", "protocol name LMTP");
}

int main(void)
{
	test_inet();
	test_urls();
	test_unix_mx();
	test_errors();
	test_spec();
	return done_testing();
}

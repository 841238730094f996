/* SPDX-License-Identifier: MIT */
/* Unit tests for the configuration file: every setting, the syntax, bad lines, reading files. */
#include "config.h"
#include "render.h"
#include "shell.h"
#include "tap.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

/* Parse text as "t.conf" into a fresh c; returns the problems (NULL: none). */
static char **parse(struct config *c, const char *text)
{
	char **problems = NULL;
	bool clean;

	config_init(c);
	clean = config_parse_string(c, "t.conf", text, &problems);
	ok(clean == (problems == NULL), "return value agrees with the problems for \"%.40s\"", text);
	return problems;
}

static size_t count(char **p)
{
	size_t n = 0;

	while (p && p[n]) {
		n++;
	}
	return n;
}

/* text must give exactly one problem, want. */
static void bad(const char *text, const char *want)
{
	struct config c;
	char **p = parse(&c, text);

	is_int(count(p), 1, "one problem for \"%.50s\"", text);
	is_str(p ? p[0] : NULL, want, "message for \"%.50s\"", text);
	config_problems_free(p);
	config_finish(&c);
}

/* text must parse without problems. */
static void good(struct config *c, const char *text)
{
	char **p = parse(c, text);

	if (!ok(p == NULL, "no problem in \"%.50s\"", text)) {
		size_t i;

		for (i = 0; p[i]; i++) {
			printf("#   %s\n", p[i]);
		}
	}
	config_problems_free(p);
}

static char *write_file(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");

	if (fp) {
		fwrite(data, 1, len, fp);
		fclose(fp);
	}
	return path;
}

static void test_init(void)
{
	struct config c;

	config_init(&c);
	ok(!c.ehlo_name && !c.from && !c.to && !c.dns_server && !c.ca_file && !c.ca_path
		&& !c.history && !c.dnsbl_zones, "init: strings unset");
	is_int(c.color, -1, "init: color unset");
	is_int(c.timeout_ms, -1, "init: timeout unset");
	is_int(c.dns_timeout_ms, -1, "init: dns-timeout unset");
	is_int(c.tls_verify, -1, "init: tls-verify unset");
	is_int(c.tls_min, 0, "init: tls-min unset");
	is_int(c.tls_max, 0, "init: tls-max unset");
	is_int(c.ndnsbl_zones, 0, "init: no zones");
	is_int(c.explain, -1, "init: explain unset");
	is_int(c.complete_verbs, -1, "init: complete-verbs unset");
	config_finish(&c);
	config_finish(NULL);
	ok(1, "finish accepts NULL");
}

static void test_every_key(void)
{
	struct config c;

	good(&c,
		"ehlo-name = client.example.org\n"
		"from = alice@example.org\n"
		"to = postmaster@example.net\n"
		"color = always\n"
		"dns-server = 127.0.0.1:5353\n"
		"timeout = 2.5\n"
		"dns-timeout = 5\n"
		"tls-verify = yes\n"
		"ca-file = /etc/ssl/certs/ca-certificates.crt\n"
		"ca-path = /etc/ssl/certs\n"
		"tls-min = 1.2\n"
		"tls-max = 1.3\n"
		"dnsbl-zones = zen.spamhaus.org bl.spamcop.net\n"
		"explain = all\n"
		"history = /var/tmp/smtpsh-history\n"
		"complete-verbs = all\n");
	is_str(c.ehlo_name, "client.example.org", "ehlo-name");
	is_str(c.from, "alice@example.org", "from");
	is_str(c.to, "postmaster@example.net", "to");
	is_int(c.color, COLOR_ALWAYS, "color");
	is_str(c.dns_server, "127.0.0.1:5353", "dns-server");
	is_int(c.timeout_ms, 2500, "timeout in ms");
	is_int(c.dns_timeout_ms, 5000, "dns-timeout in ms");
	is_int(c.tls_verify, 1, "tls-verify");
	is_str(c.ca_file, "/etc/ssl/certs/ca-certificates.crt", "ca-file");
	is_str(c.ca_path, "/etc/ssl/certs", "ca-path");
	is_int(c.tls_min, 12, "tls-min");
	is_int(c.tls_max, 13, "tls-max");
	is_int(c.ndnsbl_zones, 2, "two zones");
	is_str(c.dnsbl_zones[0], "zen.spamhaus.org", "zone 1");
	is_str(c.dnsbl_zones[1], "bl.spamcop.net", "zone 2");
	ok(c.dnsbl_zones[2] == NULL, "zones NULL-terminated");
	is_int(c.explain, EXPLAIN_ALL, "explain");
	is_str(c.history, "/var/tmp/smtpsh-history", "history file");
	is_int(c.complete_verbs, 1, "complete-verbs all");
	config_finish(&c);
	ok(c.ehlo_name == NULL && c.dnsbl_zones == NULL && c.timeout_ms == -1,
		"finish leaves it unset");
}

static void test_choices(void)
{
	struct config c;

	good(&c, "color = auto");
	is_int(c.color, COLOR_AUTO, "color auto");
	config_finish(&c);
	good(&c, "color = NEVER");
	is_int(c.color, COLOR_NEVER, "color is case-insensitive");
	config_finish(&c);
	good(&c, "explain = errors\n");
	is_int(c.explain, EXPLAIN_ERRORS, "explain errors");
	config_finish(&c);
	good(&c, "explain = off\n");
	is_int(c.explain, EXPLAIN_OFF, "explain off");
	config_finish(&c);
	good(&c, "complete-verbs = advertised\n");
	is_int(c.complete_verbs, 0, "complete-verbs advertised");
	config_finish(&c);

	good(&c, "tls-verify = no\n");
	is_int(c.tls_verify, 0, "tls-verify no");
	config_finish(&c);
	good(&c, "tls-verify = On\n");
	is_int(c.tls_verify, 1, "tls-verify On");
	config_finish(&c);
	good(&c, "tls-verify = false\n");
	is_int(c.tls_verify, 0, "tls-verify false");
	config_finish(&c);
	good(&c, "tls-verify = 1\n");
	is_int(c.tls_verify, 1, "tls-verify 1");
	config_finish(&c);

	good(&c, "tls-min = 1.0\ntls-max = TLSv1.1\n");
	is_int(c.tls_min, 10, "tls-min 1.0");
	is_int(c.tls_max, 11, "tls-max TLSv1.1");
	config_finish(&c);
	good(&c, "tls-min = tls1.3\n");
	is_int(c.tls_min, 13, "tls-min tls1.3");
	config_finish(&c);
}

static void test_seconds(void)
{
	static const struct {
		const char *v;
		int ms;
	} cases[] = {
		{ "30", 30000 }, { "0.5", 500 }, { ".25", 250 }, { "5.", 5000 },
		{ "0.001", 1 }, { "0.0005", 1 }, { "1.2345", 1235 }, { "86400", 86400000 },
		{ "86400.000", 86400000 }, { "007", 7000 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char *text = xasprintf("timeout = %s", cases[i].v);

		good(&c, text);
		is_int(c.timeout_ms, cases[i].ms, "timeout %s", cases[i].v);
		config_finish(&c);
		free(text);
	}
	bad("timeout = 0", "t.conf:1: timeout: 0 seconds is out of range (0.001 to 86400)");
	bad("timeout = 0.0004",
		"t.conf:1: timeout: 0.0004 seconds is out of range (0.001 to 86400)");
	bad("timeout = 86400.001",
		"t.conf:1: timeout: 86400.001 seconds is out of range (0.001 to 86400)");
	bad("timeout = 99999999999999999999999",
		"t.conf:1: timeout: 99999999999999999999999 seconds is out of range (0.001 to 86400)");
	bad("timeout = 30s", "t.conf:1: timeout: '30s' is not a number of seconds");
	bad("timeout = -1", "t.conf:1: timeout: '-1' is not a number of seconds");
	bad("timeout = 1e3", "t.conf:1: timeout: '1e3' is not a number of seconds");
	bad("timeout = 0x10", "t.conf:1: timeout: '0x10' is not a number of seconds");
	bad("timeout = .", "t.conf:1: timeout: '.' is not a number of seconds");
	bad("timeout = 1 2", "t.conf:1: timeout: '1 2' is not a number of seconds");
	bad("dns-timeout = soon", "t.conf:1: dns-timeout: 'soon' is not a number of seconds");
}

static void test_dns_server(void)
{
	static const char *const goods[] = {
		"127.0.0.1", "127.0.0.1:53", "192.0.2.1:65535", "::1", "2001:db8::53",
		"[::1]:5353", "[2001:db8::1]", "[::ffff:192.0.2.1]:1",
	};
	static const char *const bads[] = {
		"localhost", "ns1.example.org:53", "256.0.0.1", "[::1", "[::1]x", "[127.0.0.1]:53",
		"1.2.3", "::1:53x", ":53",
	};
	static const char *const bad_ports[][2] = {
		{ "127.0.0.1:0", "0" }, { "127.0.0.1:65536", "65536" }, { "127.0.0.1:", "" },
		{ "[::1]:", "" }, { "[::1]:5a", "5a" }, { "127.0.0.1:+53", "+53" },
		{ "127.0.0.1:000053", "000053" },
	};
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct config c;
		char *text = xasprintf("dns-server = %s", goods[i]);

		good(&c, text);
		is_str(c.dns_server, goods[i], "dns-server %s kept as written", goods[i]);
		config_finish(&c);
		free(text);
	}
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char *text = xasprintf("dns-server = %s", bads[i]);
		char *want = xasprintf("t.conf:1: dns-server: '%s' is not an IP address "
			"(ADDR, ADDR:PORT or [IPv6]:PORT)", bads[i]);

		bad(text, want);
		free(text);
		free(want);
	}
	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		char *text = xasprintf("dns-server = %s", bad_ports[i][0]);
		char *want = xasprintf("t.conf:1: dns-server: port '%s' is not a number from 1 "
			"to 65535", bad_ports[i][1]);

		bad(text, want);
		free(text);
		free(want);
	}
}

static void test_addresses(void)
{
	struct config c;

	good(&c, "from = <alice@example.org>\nto = <bob@example.net>");
	is_str(c.from, "alice@example.org", "from: angle brackets dropped");
	is_str(c.to, "bob@example.net", "to: angle brackets dropped");
	config_finish(&c);
	good(&c, "from = <>");
	is_str(c.from, "", "from <> is the null sender");
	config_finish(&c);
	good(&c, "from = \"\\\"odd\\\"@example.org\"");
	is_str(c.from, "\"odd\"@example.org", "escaped quotes inside a quoted value");
	config_finish(&c);
	good(&c, "to = odd\"@example.org");
	is_str(c.to, "odd\"@example.org", "a quote inside an unquoted value is kept");
	config_finish(&c);
	bad("to = <>", "t.conf:1: to: '<>' is not an address (local-part@domain)");
	bad("to = postmaster", "t.conf:1: to: 'postmaster' is not an address (local-part@domain)");
	bad("from = alice",
		"t.conf:1: from: 'alice' is not an address (local-part@domain, or <> for none)");
	bad("from = <alice@example.org",
		"t.conf:1: from: '<alice@example.org' is not an address "
		"(local-part@domain, or <> for none)");
	bad("to = bob @example.net",
		"t.conf:1: to: 'bob @example.net' is not an address (local-part@domain)");

	good(&c, "ehlo-name = [192.0.2.1]");
	is_str(c.ehlo_name, "[192.0.2.1]", "ehlo-name address literal");
	config_finish(&c);
	bad("ehlo-name = client example", "t.conf:1: ehlo-name: 'client example' must be one word");
}

static void test_paths(void)
{
	struct config c;
	const char *home = getenv("HOME");
	char *saved = home ? xstrdup(home) : NULL;

	setenv("HOME", "/home/alice", 1);
	good(&c, "ca-file = ~/ca.pem\nca-path = ~\nhistory = ~/.smtpsh_history\n");
	is_str(c.ca_file, "/home/alice/ca.pem", "~/ expanded in ca-file");
	is_str(c.ca_path, "/home/alice", "~ alone expanded");
	is_str(c.history, "/home/alice/.smtpsh_history", "~/ expanded in history");
	config_finish(&c);
	unsetenv("HOME");
	bad("ca-file = ~/ca.pem", "t.conf:1: ca-file: '~/ca.pem': ~ needs HOME set to an absolute path");
	if (saved) {
		setenv("HOME", saved, 1);
	}
	free(saved);
	bad("ca-file = ca.pem",
		"t.conf:1: ca-file: 'ca.pem' is not an absolute path (or one starting with ~/)");
	bad("ca-path = ~alice/certs",
		"t.conf:1: ca-path: '~alice/certs' is not an absolute path (or one starting with ~/)");

	good(&c, "history = no");
	is_str(c.history, "", "history no: empty string");
	config_finish(&c);
	good(&c, "history = off\nhistory = yes");
	ok(c.history == NULL, "history yes after off: back to the default");
	config_finish(&c);
	good(&c, "history = \"/var/tmp/my history\"");
	is_str(c.history, "/var/tmp/my history", "quoted path with a space");
	config_finish(&c);
	bad("history = maybe",
		"t.conf:1: history: 'maybe' is not an absolute path (or one starting with ~/)");
}

static void test_zones(void)
{
	struct config c;

	good(&c, "dnsbl-zones = zen.spamhaus.org,bl.spamcop.net , b.barracudacentral.org.\t"
		"ZEN.spamhaus.org");
	is_int(c.ndnsbl_zones, 3, "comma and space separated, duplicates dropped");
	is_str(c.dnsbl_zones[0], "zen.spamhaus.org", "zone 1");
	is_str(c.dnsbl_zones[1], "bl.spamcop.net", "zone 2");
	is_str(c.dnsbl_zones[2], "b.barracudacentral.org.", "zone 3 with its final dot");
	config_finish(&c);

	good(&c, "dnsbl-zones = a.example\ndnsbl-zones =\n");
	ok(c.dnsbl_zones != NULL && c.dnsbl_zones[0] == NULL, "empty dnsbl-zones: set, none");
	is_int(c.ndnsbl_zones, 0, "empty dnsbl-zones: 0 zones");
	config_finish(&c);
	good(&c, "dnsbl-zones = \"\"\n");
	is_int(c.ndnsbl_zones, 0, "quoted empty dnsbl-zones");
	ok(c.dnsbl_zones != NULL, "quoted empty dnsbl-zones is set");
	config_finish(&c);

	bad("dnsbl-zones = zen.spamhaus.org bad..zone",
		"t.conf:1: dnsbl-zones: 'bad..zone' is not a DNS zone");
	bad("dnsbl-zones = a/b", "t.conf:1: dnsbl-zones: 'a/b' is not a DNS zone");
	bad("dnsbl-zones = .", "t.conf:1: dnsbl-zones: '.' is not a DNS zone");

	/* A bad list changes nothing. */
	config_init(&c);
	config_parse_string(&c, "t.conf", "dnsbl-zones = a.example\ndnsbl-zones = x y!z\n", NULL);
	is_int(c.ndnsbl_zones, 1, "a bad list keeps the earlier one");
	is_str(c.dnsbl_zones[0], "a.example", "the earlier list");
	config_finish(&c);
}

static void test_syntax(void)
{
	struct config c;

	good(&c, "# a comment\n\n   # indented comment\n\t\n"
		"  ehlo-name\t=\t client.example.org  # trailing comment\n"
		"from = a#b@example.org\n"
		"to=x@example.net\n");
	is_str(c.ehlo_name, "client.example.org", "whitespace trimmed, trailing comment dropped");
	is_str(c.from, "a#b@example.org", "# not after whitespace is part of the value");
	is_str(c.to, "x@example.net", "no spaces around =");
	config_finish(&c);

	good(&c, "ehlo-name = \"quoted.example\"  # comment\n");
	is_str(c.ehlo_name, "quoted.example", "quoted value, then a comment");
	config_finish(&c);
	good(&c, "history = \"/tmp/a # b\"");
	is_str(c.history, "/tmp/a # b", "# inside quotes is kept");
	config_finish(&c);
	good(&c, "history = \"/tmp/q\\\"uote\\\\d\"");
	is_str(c.history, "/tmp/q\"uote\\d", "\\\" and \\\\ escapes");
	config_finish(&c);
	good(&c, "from = a=b@example.org");
	is_str(c.from, "a=b@example.org", "only the first = separates");
	config_finish(&c);

	/* Later lines override earlier ones. */
	good(&c, "timeout = 10\ncolor = never\ntimeout = 20\nehlo-name = a\nehlo-name = b\n");
	is_int(c.timeout_ms, 20000, "later timeout wins");
	is_str(c.ehlo_name, "b", "later ehlo-name wins");
	is_int(c.color, COLOR_NEVER, "other settings stay");
	config_finish(&c);

	/* Two texts into one config: the second overrides, unset ones stay. */
	config_init(&c);
	ok(config_parse_string(&c, "a", "timeout = 1\nexplain = all", NULL), "first text");
	ok(config_parse_string(&c, "b", "timeout = 2", NULL), "second text");
	is_int(c.timeout_ms, 2000, "second text overrides");
	is_int(c.explain, EXPLAIN_ALL, "first text's other setting stays");
	config_finish(&c);

	/* A UTF-8 BOM before the first line. */
	good(&c, "\xef\xbb\xbftimeout = 3\n");
	is_int(c.timeout_ms, 3000, "BOM skipped");
	config_finish(&c);

	/* No final newline, and an empty text. */
	good(&c, "explain = all");
	is_int(c.explain, EXPLAIN_ALL, "no final newline");
	config_finish(&c);
	good(&c, "");
	is_int(c.explain, -1, "empty text sets nothing");
	config_finish(&c);
	good(&c, "explain = all\r\ncolor = never\r\n");
	is_int(c.explain, EXPLAIN_ALL, "CRLF in a string");
	is_int(c.color, COLOR_NEVER, "CRLF in a string, second line");
	config_finish(&c);
}

static void test_bad_lines(void)
{
	struct config c;
	char **p;

	bad("colour = never",
		"t.conf:1: unknown setting 'colour' (known: ehlo-name, from, to, color, dns-server, "
		"timeout, dns-timeout, tls-verify, ca-file, ca-path, tls-min, tls-max, dnsbl-zones, "
		"explain, history, complete-verbs)");
	bad("timeout 30", "t.conf:1: missing '=' in 'timeout 30' (expected 'setting = value')");
	bad("= 30", "t.conf:1: missing setting name before '='");
	bad("timeout =", "t.conf:1: timeout: empty value (expected SECONDS)");
	bad("timeout =   # nothing", "t.conf:1: timeout: empty value (expected SECONDS)");
	bad("timeout =\t# nothing", "t.conf:1: timeout: empty value (expected SECONDS)");
	bad("timeout =#5", "t.conf:1: timeout: '#5' is not a number of seconds");
	bad("ehlo-name = \"\"", "t.conf:1: ehlo-name: empty value (expected NAME)");
	bad("tls-verify = maybe", "t.conf:1: tls-verify: 'maybe' is not yes or no");
	bad("color = sometimes", "t.conf:1: color: 'sometimes' is not auto, always or never");
	bad("explain = some", "t.conf:1: explain: 'some' is not errors, all or off");
	bad("complete-verbs = few", "t.conf:1: complete-verbs: 'few' is not advertised or all");
	bad("tls-min = 1.4",
		"t.conf:1: tls-min: '1.4' is not a TLS version (1.0, 1.1, 1.2 or 1.3)");
	bad("tls-max = SSLv3",
		"t.conf:1: tls-max: 'SSLv3' is not a TLS version (1.0, 1.1, 1.2 or 1.3)");
	bad("ehlo-name = \"open", "t.conf:1: ehlo-name: missing closing quote");
	bad("ehlo-name = \"open\\", "t.conf:1: ehlo-name: missing closing quote");
	bad("ehlo-name = \"a\"b", "t.conf:1: ehlo-name: text after the closing quote");
	bad("ehlo-name = \"a\"#b", "t.conf:1: ehlo-name: text after the closing quote");
	bad("ehlo-name = \"a\\nb\"",
		"t.conf:1: ehlo-name: unknown escape '\\n' in quotes (only \\\" and \\\\)");
	bad("ehlo-name = a\x1b[31mb", "t.conf:1: ehlo-name: control character \\x1b in the value");
	bad("ehlo-name = a\rb", "t.conf:1: ehlo-name: control character \\x0d in the value");
	bad("tim\x1b[0me = 1",
		"t.conf:1: unknown setting 'tim\\x1b[0me' (known: ehlo-name, from, to, color, "
		"dns-server, timeout, dns-timeout, tls-verify, ca-file, ca-path, tls-min, tls-max, "
		"dnsbl-zones, explain, history, complete-verbs)");
	bad("Timeout = 1",
		"t.conf:1: unknown setting 'Timeout' (known: ehlo-name, from, to, color, "
		"dns-server, timeout, dns-timeout, tls-verify, ca-file, ca-path, tls-min, tls-max, "
		"dnsbl-zones, explain, history, complete-verbs)");
	bad("tls-min = 1.3\ntls-max = 1.2", "t.conf:2: tls-max: 1.2 is below tls-min 1.3");
	bad("tls-max = 1.2\ntls-min = 1.3", "t.conf:2: tls-min: 1.3 is above tls-max 1.2");

	/* Bad lines do not stop the parse; each names its line. */
	p = parse(&c,
		"# header\n"
		"timeout = 5\n"
		"bogus = 1\n"
		"\n"
		"timeout = soon\n"
		"explain all\n"
		"color = never\n"
		"tls-verify = perhaps\n"
		"tls-min = 1.3\n"
		"tls-max = 1.2\n"
		"from = alice@example.org\n");
	is_int(count(p), 5, "five bad lines");
	ok(p && strncmp(p[0], "t.conf:3: unknown setting 'bogus'", 33) == 0, "line 3: %s",
		p ? p[0] : "");
	is_str(p ? p[1] : NULL, "t.conf:5: timeout: 'soon' is not a number of seconds", "line 5");
	is_str(p ? p[2] : NULL,
		"t.conf:6: missing '=' in 'explain all' (expected 'setting = value')", "line 6");
	is_str(p ? p[3] : NULL, "t.conf:8: tls-verify: 'perhaps' is not yes or no", "line 8");
	is_str(p ? p[4] : NULL, "t.conf:10: tls-max: 1.2 is below tls-min 1.3", "line 10");
	is_int(c.timeout_ms, 5000, "a bad line leaves the earlier value");
	is_int(c.explain, -1, "the line without '=' set nothing");
	is_int(c.color, COLOR_NEVER, "good lines after bad ones apply");
	is_int(c.tls_verify, -1, "bad boolean set nothing");
	is_int(c.tls_min, 13, "tls-min kept");
	is_int(c.tls_max, 0, "the conflicting tls-max dropped");
	is_str(c.from, "alice@example.org", "last line applied");
	config_problems_free(p);
	config_finish(&c);

	/* Problems append to an existing array; NULL problems are ignored. */
	{
		char **acc = NULL;

		config_init(&c);
		ok(!config_parse_string(&c, "a.conf", "x = 1", &acc), "first bad text");
		ok(!config_parse_string(&c, "b.conf", "\n\ny = 2", &acc), "second bad text");
		is_int(count(acc), 2, "problems accumulate");
		ok(acc && strncmp(acc[1], "b.conf:3: ", 10) == 0, "second names its file and line");
		ok(!config_parse_string(&c, "c.conf", "z = 3", NULL), "NULL problems: still false");
		config_problems_free(acc);
		config_problems_free(NULL);
		config_finish(&c);
	}

	/* A file of garbage: the list is capped, every good line still applies. */
	{
		struct strbuf b;
		char **acc = NULL;
		size_t i;

		strbuf_init(&b);
		for (i = 0; i < 100000; i++) {
			strbuf_adds(&b, "garbage\n");
		}
		strbuf_adds(&b, "explain = off\n");
		config_init(&c);
		ok(!config_parse_string(&c, "g.conf", b.s, &acc), "garbage: not clean");
		is_int(count(acc), 51, "garbage: 50 problems and a summary");
		is_str(acc ? acc[49] : NULL,
			"g.conf:50: missing '=' in 'garbage' (expected 'setting = value')",
			"garbage: the 50th problem");
		is_str(acc ? acc[50] : NULL, "g.conf:51: 99950 more problems from this line on not listed",
			"garbage: the summary");
		is_int(c.explain, EXPLAIN_OFF, "garbage: the good last line applied");
		config_problems_free(acc);
		strbuf_finish(&b);
		config_finish(&c);
	}
}

static void test_long_lines(void)
{
	struct config c;
	struct strbuf b;
	char **p;
	char *want;

	/* The longest line accepted, and one byte more. */
	strbuf_init(&b);
	strbuf_adds(&b, "dnsbl-zones =");
	while (b.len + 2 <= CONFIG_LINE_MAX) {
		strbuf_adds(&b, " a");
	}
	while (b.len < CONFIG_LINE_MAX) {
		strbuf_adds(&b, " ");
	}
	is_int(b.len, CONFIG_LINE_MAX, "line of the maximum length built");
	good(&c, b.s);
	is_int(c.ndnsbl_zones, 1, "line of the maximum length parsed (duplicates dropped)");
	config_finish(&c);
	strbuf_adds(&b, "\r\n");
	good(&c, b.s);
	is_int(c.ndnsbl_zones, 1, "CRLF does not count towards the length");
	config_finish(&c);
	strbuf_reset(&b);

	strbuf_adds(&b, "explain = all\nehlo-name = ");
	while (b.len < 100000) {
		strbuf_adds(&b, "x");
	}
	strbuf_adds(&b, "\ncolor = never\n");
	p = parse(&c, b.s);
	want = xasprintf("t.conf:2: line too long (%zu bytes, at most %d)",
		(size_t)100000 - strlen("explain = all\n"), CONFIG_LINE_MAX);
	is_int(count(p), 1, "one problem for a 100 kB line");
	is_str(p ? p[0] : NULL, want, "long line reported with its length");
	ok(c.ehlo_name == NULL, "long line not applied");
	is_int(c.explain, EXPLAIN_ALL, "line before the long one applied");
	is_int(c.color, COLOR_NEVER, "line after the long one applied");
	free(want);
	config_problems_free(p);
	config_finish(&c);
	strbuf_reset(&b);

	strbuf_adds(&b, "ehlo-name = ");
	while (b.len < 12 + 256) {
		strbuf_adds(&b, "h");
	}
	bad(b.s, "t.conf:1: ehlo-name: longer than 255 bytes");
	strbuf_reset(&b);
	strbuf_adds(&b, "color = ");
	while (b.len < 8 + 100) {
		strbuf_adds(&b, "z");
	}
	bad(b.s, "t.conf:1: color: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' "
		"is not auto, always or never");
	strbuf_finish(&b);
}

static void test_files(void)
{
	static const char crlf[] = "# CRLF file\r\ntimeout = 7\r\nexplain = all\r\n\r\n"
		"ehlo-name = \"q.example\"\r\nbogus = 1\r\n";
	static const char nul[] = "timeout = 5\0junk\nexplain = off\n\0\ncolor = always";
	struct config c;
	struct err e;
	char **p = NULL;
	char *path, *want;

	/* A missing file is not an error. */
	path = xasprintf("%s/missing/config", tmpdir);
	config_init(&c);
	err_clear(&e);
	ok(config_load(&c, path, &p, &e), "missing file: true");
	ok(p == NULL, "missing file: no problems");
	is_int(c.timeout_ms, -1, "missing file: nothing set");
	free(path);

	/* A path through a regular file (ENOTDIR) is missing too. */
	path = write_file("plain", "x", 1);
	free(path);
	path = xasprintf("%s/plain/config", tmpdir);
	ok(config_load(&c, path, &p, &e), "path through a file: treated as missing");
	free(path);

	/* A directory cannot be read as a file. */
	err_clear(&e);
	ok(!config_load(&c, tmpdir, &p, &e), "directory: false");
	is_int(e.kind, ERR_IO, "directory: ERR_IO");
	want = xasprintf("%s: is a directory", tmpdir);
	is_str(e.msg, want, "directory: message names the path");
	free(want);
	ok(p == NULL, "directory: no problems");

	/* CRLF line ends. */
	path = write_file("crlf", crlf, sizeof(crlf) - 1);
	err_clear(&e);
	ok(config_load(&c, path, &p, &e), "CRLF file read");
	is_int(c.timeout_ms, 7000, "CRLF: timeout");
	is_int(c.explain, EXPLAIN_ALL, "CRLF: explain");
	is_str(c.ehlo_name, "q.example", "CRLF: quoted value");
	is_int(count(p), 1, "CRLF: one problem");
	want = xasprintf("%s:6: unknown setting 'bogus'", path);
	ok(p && strncmp(p[0], want, strlen(want)) == 0, "CRLF: problem names the file and line 6");
	free(want);
	config_problems_free(p);
	p = NULL;
	free(path);
	config_finish(&c);

	/* NUL bytes: the line holding one is rejected, the rest applies. */
	path = write_file("nul", nul, sizeof(nul) - 1);
	config_init(&c);
	ok(config_load(&c, path, &p, &e), "file with NUL bytes read");
	is_int(count(p), 2, "two lines with NUL bytes");
	want = xasprintf("%s:1: NUL byte in the line", path);
	is_str(p ? p[0] : NULL, want, "NUL on line 1");
	free(want);
	want = xasprintf("%s:3: NUL byte in the line", path);
	is_str(p && p[0] ? p[1] : NULL, want, "NUL on line 3");
	free(want);
	is_int(c.timeout_ms, -1, "NUL line not applied");
	is_int(c.explain, EXPLAIN_OFF, "line after NUL applied");
	is_int(c.color, COLOR_ALWAYS, "last line without newline applied");
	config_problems_free(p);
	p = NULL;
	free(path);
	config_finish(&c);

	/* An empty file. */
	path = write_file("empty", "", 0);
	config_init(&c);
	ok(config_load(&c, path, &p, &e) && p == NULL, "empty file: fine");
	free(path);

	/* Too large. */
	{
		size_t n = CONFIG_FILE_MAX + 1;
		char *big = xmalloc(n);

		memset(big, '\n', n);
		path = write_file("big", big, n);
		err_clear(&e);
		ok(!config_load(&c, path, &p, &e), "file over CONFIG_FILE_MAX: false");
		want = xasprintf("%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		is_str(e.msg, want, "too large: message");
		free(want);
		unlink(path);
		free(path);
		free(big);
	}
	config_finish(&c);

	path = xasprintf("%s/plain", tmpdir);
	unlink(path);
	free(path);
	path = xasprintf("%s/crlf", tmpdir);
	unlink(path);
	free(path);
	path = xasprintf("%s/nul", tmpdir);
	unlink(path);
	free(path);
	path = xasprintf("%s/empty", tmpdir);
	unlink(path);
	free(path);
}

static void restore_env(const char *name, const char *value)
{
	if (value) {
		setenv(name, value, 1);
	} else {
		unsetenv(name);
	}
}

static void test_path(void)
{
	char *old_xdg = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *p;

	setenv("HOME", "/home/alice", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	p = config_path_dup();
	is_str(p, "/cfg/smtpsh/config", "absolute XDG_CONFIG_HOME");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
	p = config_path_dup();
	is_str(p, "/home/alice/.config/smtpsh/config", "relative XDG_CONFIG_HOME ignored");
	free(p);
	setenv("XDG_CONFIG_HOME", "", 1);
	p = config_path_dup();
	is_str(p, "/home/alice/.config/smtpsh/config", "empty XDG_CONFIG_HOME ignored");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = config_path_dup();
	is_str(p, "/home/alice/.config/smtpsh/config", "XDG_CONFIG_HOME unset: HOME");
	free(p);
	unsetenv("HOME");
	p = config_path_dup();
	ok(p == NULL, "neither set: NULL");
	free(p);
	setenv("HOME", "home", 1);
	p = config_path_dup();
	ok(p == NULL, "relative HOME: NULL");
	free(p);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	p = config_path_dup();
	is_str(p, "/cfg/smtpsh/config", "absolute XDG_CONFIG_HOME without HOME");
	free(p);
	restore_env("XDG_CONFIG_HOME", old_xdg);
	restore_env("HOME", old_home);
	free(old_xdg);
	free(old_home);
}

static void test_table(const char *example)
{
	const char *name, *syntax, *help;
	size_t i, j;
	bool all_help = true, unique = true;
	struct config c;
	struct err e;
	char **p = NULL;
	FILE *fp;

	for (i = 0; (name = config_setting_info(i, &syntax, &help)); i++) {
		all_help = all_help && syntax && *syntax && help && *help;
		for (j = 0; j < i; j++) {
			unique = unique && strcmp(config_setting_info(j, NULL, NULL), name) != 0;
		}
	}
	is_int(i, 16, "sixteen settings");
	ok(all_help, "every setting has a syntax and help");
	ok(unique, "setting names are unique");

	fp = fopen(example, "r");
	if (!fp) {
		ok(1, "# SKIP example file %s not found", example);
		return;
	}
	{
		struct strbuf text;
		char buf[4096];
		size_t n;

		strbuf_init(&text);
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
			strbuf_add(&text, buf, n);
		}
		fclose(fp);
		for (i = 0; (name = config_setting_info(i, NULL, NULL)); i++) {
			char *needle = xasprintf("\n# %s = ", name);

			ok(text.s && strstr(text.s, needle), "the example documents %s", name);
			free(needle);
		}
		strbuf_finish(&text);
	}
	/* Its commented settings, uncommented, must parse cleanly. */
	config_init(&c);
	err_clear(&e);
	ok(config_load(&c, example, &p, &e), "the example file reads");
	ok(p == NULL, "the example file has no problems");
	config_problems_free(p);
	config_finish(&c);
	{
		struct strbuf text, out;
		char buf[4096];
		size_t n;
		char *line, *save = NULL;

		fp = fopen(example, "r");
		strbuf_init(&text);
		strbuf_init(&out);
		while (fp && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
			strbuf_add(&text, buf, n);
		}
		if (fp) {
			fclose(fp);
		}
		for (line = strtok_r(text.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			for (i = 0; (name = config_setting_info(i, NULL, NULL)); i++) {
				size_t len = strlen(name);

				if (strncmp(line, "# ", 2) == 0 && strncmp(line + 2, name, len) == 0
					&& strncmp(line + 2 + len, " = ", 3) == 0) {
					strbuf_addf(&out, "%s\n", line + 2);
				}
			}
		}
		p = NULL;
		config_init(&c);
		ok(out.s && config_parse_string(&c, "example", out.s, &p), "the example's settings "
			"parse when uncommented");
		for (i = 0; p && p[i]; i++) {
			printf("#   %s\n", p[i]);
		}
		ok(c.ehlo_name && c.from && c.to && c.dns_server && c.ca_file && c.ca_path
			&& c.dnsbl_zones && c.color >= 0 && c.timeout_ms > 0 && c.dns_timeout_ms > 0
			&& c.tls_verify >= 0 && c.tls_min && c.tls_max && c.explain >= 0
			&& c.history && c.complete_verbs >= 0, "the example sets every field");
		config_problems_free(p);
		config_finish(&c);
		strbuf_finish(&text);
		strbuf_finish(&out);
	}
}

int main(int argc, char **argv)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/test-config.XXXXXX", t && t[0] == '/' ? t : "/tmp");

	if (!mkdtemp(tmpl)) {
		printf("Bail out! cannot create a temporary directory\n");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	free(tmpl);

	test_init();
	test_every_key();
	test_choices();
	test_seconds();
	test_dns_server();
	test_addresses();
	test_paths();
	test_zones();
	test_syntax();
	test_bad_lines();
	test_long_lines();
	test_files();
	test_path();
	test_table(argc > 1 ? argv[1] : "doc/examples/config");

	rmdir(tmpdir);
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
/* Parsing of connection targets. */
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const struct {
	const char *scheme;
	enum target_proto proto;
	const char *port;
} schemes[] = {
	{ "smtp://", TARGET_SMTP, "25" },
	{ "smtps://", TARGET_SMTPS, "465" },
	{ "lmtp://", TARGET_LMTP, "24" },
};

/* Digits only: strtol alone would also take "+25" and " 25". */
static bool port_ok(const char *p)
{
	long v;

	if (strspn(p, "0123456789") != strlen(p)) {
		return false;
	}
	return str_to_long(p, 1, 65535, &v);
}

static bool set_str(char *dst, size_t cap, const char *src, size_t n, struct err *e, const char *what)
{
	if (n == 0)
		return err_set(e, ERR_USAGE, "empty %s", what);
	if (n >= cap)
		return err_set(e, ERR_USAGE, "%s too long", what);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

/* host, host:port, [v6], [v6]:port, or a bare IPv6 literal (more than one colon). */
static bool parse_hostport(const char *s, struct target *t, struct err *e)
{
	const char *colon;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return err_set(e, ERR_USAGE, "missing ']' in \"%s\"", s);
		if (!set_str(t->host, sizeof(t->host), s + 1, (size_t)(close - s - 1), e, "address"))
			return false;
		if (close[1] == '\0')
			return true;
		if (close[1] != ':')
			return err_set(e, ERR_USAGE, "unexpected text after ']' in \"%s\"", s);
		s = close + 2;
		if (!port_ok(s))
			return err_set(e, ERR_USAGE, "bad port \"%s\" (1-65535)", s);
		return set_str(t->port, sizeof(t->port), s, strlen(s), e, "port");
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))
		return set_str(t->host, sizeof(t->host), s, strlen(s), e, "address");
	if (!colon)
		return set_str(t->host, sizeof(t->host), s, strlen(s), e, "host");
	if (!set_str(t->host, sizeof(t->host), s, (size_t)(colon - s), e, "host"))
		return false;
	if (!port_ok(colon + 1))
		return err_set(e, ERR_USAGE, "bad port \"%s\" (1-65535)", colon + 1);
	return set_str(t->port, sizeof(t->port), colon + 1, strlen(colon + 1), e, "port");
}

bool target_parse(const char *spec, struct target *t, struct err *e)
{
	struct target tmp;
	const char *rest = spec;
	size_t i;

	memset(&tmp, 0, sizeof(tmp));
	tmp.proto = TARGET_SMTP;
	tmp.kind = TARGET_INET;
	strcpy(tmp.port, "25");
	if (!spec || !*spec)
		return err_set(e, ERR_USAGE, "empty target");
	if (strncasecmp(spec, "unix:", 5) == 0) {
		tmp.kind = TARGET_UNIX;
		if (!set_str(tmp.path, sizeof(tmp.path), spec + 5, strlen(spec + 5), e, "socket path"))
			return false;
		*t = tmp;
		return true;
	}
	if (strncasecmp(spec, "mx:", 3) == 0) {
		tmp.kind = TARGET_MX;
		if (!set_str(tmp.host, sizeof(tmp.host), spec + 3, strlen(spec + 3), e, "domain"))
			return false;
		*t = tmp;
		return true;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].scheme);

		if (strncasecmp(spec, schemes[i].scheme, n) == 0) {
			tmp.proto = schemes[i].proto;
			strcpy(tmp.port, schemes[i].port);
			rest = spec + n;
			break;
		}
	}
	if (rest == spec && strstr(spec, "://"))
		return err_set(e, ERR_USAGE, "unknown scheme in \"%s\" (smtp://, smtps://, lmtp://)", spec);
	/* Allow a trailing slash after a URL authority, as people paste them. */
	if (rest != spec) {
		size_t n = strlen(rest);
		char buf[300];

		if (n && rest[n - 1] == '/')
			n--;
		if (n >= sizeof(buf))
			return err_set(e, ERR_USAGE, "target too long");
		memcpy(buf, rest, n);
		buf[n] = '\0';
		if (strchr(buf, '/'))
			return err_set(e, ERR_USAGE, "unexpected path in \"%s\"", spec);
		if (!parse_hostport(buf, &tmp, e))
			return false;
	} else if (!parse_hostport(rest, &tmp, e)) {
		return false;
	}
	if (strpbrk(tmp.host, " \t/@"))
		return err_set(e, ERR_USAGE, "bad host name \"%s\"", tmp.host);
	*t = tmp;
	return true;
}

const char *target_proto_name(enum target_proto p)
{
	switch (p) {
	case TARGET_SMTP:
		return "SMTP";
	case TARGET_SMTPS:
		return "SMTPS";
	case TARGET_LMTP:
		return "LMTP";
	}
	return "?";
}

const char *target_spec(const struct target *t, char *buf, unsigned len)
{
	const char *scheme = t->proto == TARGET_SMTPS ? "smtps://" : t->proto == TARGET_LMTP ? "lmtp://" : "";
	bool v6 = strchr(t->host, ':') != NULL;

	switch (t->kind) {
	case TARGET_UNIX:
		snprintf(buf, len, "unix:%s", t->path);
		break;
	case TARGET_MX:
		snprintf(buf, len, "mx:%s", t->host);
		break;
	case TARGET_INET:
		snprintf(buf, len, "%s%s%s%s:%s", scheme, v6 ? "[" : "", t->host, v6 ? "]" : "", t->port);
		break;
	}
	return buf;
}

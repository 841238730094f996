/* SPDX-License-Identifier: MIT */
/* The settings of the configuration file: their table and the check of each value. */
#include "config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "shell.h"
#include "util.h"

struct choice {
	const char *name;
	int value;
};

static config_setter_fn set_word, set_address, set_choice, set_dns_server, set_seconds,
	set_bool, set_path, set_tls_version, set_zones, set_history;

static const struct choice color_choices[] = {
	{ "auto", COLOR_AUTO }, { "always", COLOR_ALWAYS }, { "never", COLOR_NEVER }, { NULL, 0 },
};
static const struct choice explain_choices[] = {
	{ "errors", EXPLAIN_ERRORS }, { "all", EXPLAIN_ALL }, { "off", EXPLAIN_OFF }, { NULL, 0 },
};
static const struct choice verbs_choices[] = {
	{ "advertised", 0 }, { "all", 1 }, { NULL, 0 },
};
static const struct choice bool_choices[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 }, { "on", 1 }, { "off", 0 },
	{ "1", 1 }, { "0", 0 }, { NULL, 0 },
};

#define FIELD(f) offsetof(struct config, f)

static const struct config_setting settings[] = {
	{ "ehlo-name", "NAME", set_word, FIELD(ehlo_name), NULL, 0,
		"name the client gives in EHLO and HELO" },
	{ "from", "ADDRESS", set_address, FIELD(from), NULL, CONFIG_SET_NULL_SENDER,
		"sender for completion and the test message (<> for the null sender)" },
	{ "to", "ADDRESS", set_address, FIELD(to), NULL, 0,
		"recipient for completion and the test message" },
	{ "color", "auto|always|never", set_choice, FIELD(color), color_choices, 0,
		"colour the output, as --color" },
	{ "dns-server", "ADDR[:PORT]", set_dns_server, FIELD(dns_server), NULL, 0,
		"DNS server to query instead of the system's ([IPv6]:PORT with a port)" },
	{ "timeout", "SECONDS", set_seconds, FIELD(timeout_ms), NULL, 0,
		"connect and reply timeout, as --timeout" },
	{ "dns-timeout", "SECONDS", set_seconds, FIELD(dns_timeout_ms), NULL, 0,
		"DNS query timeout" },
	{ "tls-verify", "yes|no", set_bool, FIELD(tls_verify), NULL, 0,
		"end the session when certificate verification fails, as --tls-verify" },
	{ "ca-file", "FILE", set_path, FIELD(ca_file), NULL, 0,
		"trust the CA certificates in FILE instead of the system's" },
	{ "ca-path", "DIR", set_path, FIELD(ca_path), NULL, 0,
		"trust the hashed CA directory DIR" },
	{ "tls-min", "1.0|1.1|1.2|1.3", set_tls_version, FIELD(tls_min), NULL, 0,
		"lowest TLS version to offer" },
	{ "tls-max", "1.0|1.1|1.2|1.3", set_tls_version, FIELD(tls_max), NULL, 0,
		"highest TLS version to offer" },
	{ "dnsbl-zones", "ZONE...", set_zones, 0, NULL, CONFIG_SET_EMPTY_OK,
		"DNS blocklists to check, space or comma separated (empty: none)" },
	{ "explain", "errors|all|off", set_choice, FIELD(explain), explain_choices, 0,
		"meaning under replies, as --explain" },
	{ "history", "yes|no|FILE", set_history, FIELD(history), NULL, 0,
		"keep the input history (in FILE), no as --no-history" },
	{ "complete-verbs", "advertised|all", set_choice, FIELD(complete_verbs), verbs_choices, 0,
		"complete the SMTP verbs the server advertised, or all of them" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static char **str_field(struct config *c, const struct config_setting *s)
{
	return (char **)(void *)((char *)c + s->offset);
}

static int *int_field(struct config *c, const struct config_setting *s)
{
	return (int *)(void *)((char *)c + s->offset);
}

static void replace_str(char **field, char *value)
{
	free(*field);
	*field = value;
}

static void free_zones(struct config *c)
{
	size_t i;

	if (c->dnsbl_zones) {
		for (i = 0; c->dnsbl_zones[i]; i++) {
			free(c->dnsbl_zones[i]);
		}
	}
	free(c->dnsbl_zones);
	c->dnsbl_zones = NULL;
	c->ndnsbl_zones = 0;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->color = -1;
	c->timeout_ms = -1;
	c->dns_timeout_ms = -1;
	c->tls_verify = -1;
	c->explain = -1;
	c->complete_verbs = -1;
}

void config_finish(struct config *c)
{
	if (!c) {
		return;
	}
	free(c->ehlo_name);
	free(c->from);
	free(c->to);
	free(c->dns_server);
	free(c->ca_file);
	free(c->ca_path);
	free(c->history);
	free_zones(c);
	config_init(c);
}

const char *config_setting_info(size_t i, const char **syntax, const char **help)
{
	if (i >= NSETTINGS) {
		return NULL;
	}
	if (syntax) {
		*syntax = settings[i].syntax;
	}
	if (help) {
		*help = settings[i].help;
	}
	return settings[i].name;
}

const struct config_setting *config_setting_find(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0) {
			return &settings[i];
		}
	}
	return NULL;
}

char *config_show_dup(const char *s, size_t len)
{
	struct strbuf b;
	size_t i, n = len > 60 ? 60 : len;

	strbuf_init(&b);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f) {
			strbuf_addf(&b, "\\x%02x", ch);
		} else {
			strbuf_add(&b, &s[i], 1);
		}
	}
	if (n < len) {
		strbuf_adds(&b, "...");
	}
	return strbuf_steal(&b);
}

/* A reason with one shown value: the "%s" in fmt stands for it. Built by
 * hand rather than with printf so fmt is not a format string. */
static char *reason(const char *fmt, const char *value)
{
	const char *at = strstr(fmt, "%s");
	char *shown = config_show_dup(value, strlen(value));
	struct strbuf b;

	strbuf_init(&b);
	if (at) {
		strbuf_add(&b, fmt, (size_t)(at - fmt));
		strbuf_adds(&b, shown);
		strbuf_adds(&b, at + 2);
	} else {
		strbuf_adds(&b, fmt);
	}
	free(shown);
	return strbuf_steal(&b);
}

/* "auto, always or never" */
static char *choices_dup(const struct choice *ch)
{
	struct strbuf b;
	size_t i, n = 0;

	while (ch[n].name) {
		n++;
	}
	strbuf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			strbuf_adds(&b, i + 1 == n ? " or " : ", ");
		}
		strbuf_adds(&b, ch[i].name);
	}
	return strbuf_steal(&b);
}

static bool find_choice(const struct choice *ch, const char *v, int *out)
{
	for (; ch->name; ch++) {
		if (strcasecmp(ch->name, v) == 0) {
			*out = ch->value;
			return true;
		}
	}
	return false;
}

static char *set_choice(struct config *c, const struct config_setting *s, const char *v)
{
	char *list, *shown, *r;
	int value;

	if (find_choice(s->choices, v, &value)) {
		*int_field(c, s) = value;
		return NULL;
	}
	list = choices_dup(s->choices);
	shown = config_show_dup(v, strlen(v));
	r = xasprintf("'%s' is not %s", shown, list);
	free(shown);
	free(list);
	return r;
}

static char *set_bool(struct config *c, const struct config_setting *s, const char *v)
{
	int value;

	if (!find_choice(bool_choices, v, &value)) {
		return reason("'%s' is not yes or no", v);
	}
	*int_field(c, s) = value;
	return NULL;
}

static bool has_space(const char *v)
{
	return strpbrk(v, " \t") != NULL;
}

static char *set_word(struct config *c, const struct config_setting *s, const char *v)
{
	if (has_space(v)) {
		return reason("'%s' must be one word", v);
	}
	if (strlen(v) > 255) {
		return xstrdup("longer than 255 bytes");
	}
	replace_str(str_field(c, s), xstrdup(v));
	return NULL;
}

static char *set_address(struct config *c, const struct config_setting *s, const char *v)
{
	size_t len = strlen(v);
	char *addr;

	/* Accept the address as in MAIL FROM:<...> too. */
	if (len >= 2 && v[0] == '<' && v[len - 1] == '>') {
		addr = xstrndup(v + 1, len - 2);
	} else {
		addr = xstrdup(v);
	}
	if (!addr[0] && (s->flags & CONFIG_SET_NULL_SENDER)) {
		replace_str(str_field(c, s), addr);
		return NULL;
	}
	if (has_space(addr) || strpbrk(addr, "<>") || !strchr(addr, '@')) {
		free(addr);
		return reason((s->flags & CONFIG_SET_NULL_SENDER)
			? "'%s' is not an address (local-part@domain, or <> for none)"
			: "'%s' is not an address (local-part@domain)", v);
	}
	if (strlen(addr) > 254) {
		free(addr);
		return xstrdup("address longer than 254 bytes");
	}
	replace_str(str_field(c, s), addr);
	return NULL;
}

/* "~/x" from $HOME; other paths must be absolute. Caller frees; NULL with *why set. */
static char *expand_path_dup(const char *v, char **why)
{
	const char *home;

	if (v[0] == '/') {
		return xstrdup(v);
	}
	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
		home = getenv("HOME");
		if (!home || home[0] != '/') {
			*why = reason("'%s': ~ needs HOME set to an absolute path", v);
			return NULL;
		}
		return xasprintf("%s%s", home, v + 1);
	}
	*why = reason("'%s' is not an absolute path (or one starting with ~/)", v);
	return NULL;
}

static char *set_path(struct config *c, const struct config_setting *s, const char *v)
{
	char *why = NULL, *path = expand_path_dup(v, &why);

	if (!path) {
		return why;
	}
	replace_str(str_field(c, s), path);
	return NULL;
}

static char *set_history(struct config *c, const struct config_setting *s, const char *v)
{
	int on;

	if (find_choice(bool_choices, v, &on)) {
		replace_str(str_field(c, s), on ? NULL : xstrdup(""));
		return NULL;
	}
	return set_path(c, s, v);
}

/*
 * Decimal seconds, fractions allowed, to milliseconds (rounded). Parsed by
 * hand so that the locale's decimal point does not matter.
 * 0 ok, 1 not a number, 2 out of range.
 */
static int parse_seconds(const char *v, int *ms)
{
	const char *p = v;
	long whole = 0, frac = 0, total;
	int ndigits = 0, nfrac = 0, round_up = 0;

	while (isdigit((unsigned char)*p)) {
		if (whole <= 86400) {
			whole = whole * 10 + (*p - '0');
		}
		ndigits++;
		p++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (nfrac < 3) {
				frac = frac * 10 + (*p - '0');
			} else if (nfrac == 3) {
				round_up = *p >= '5';
			}
			nfrac++;
			ndigits++;
			p++;
		}
	}
	if (*p || ndigits == 0) {
		return 1;
	}
	for (; nfrac < 3; nfrac++) {
		frac *= 10;
	}
	if (whole > 86400) {
		return 2;
	}
	total = whole * 1000 + frac + round_up;
	if (total < 1 || total > 86400000L) {
		return 2;
	}
	*ms = (int)total;
	return 0;
}

static char *set_seconds(struct config *c, const struct config_setting *s, const char *v)
{
	int ms;

	switch (parse_seconds(v, &ms)) {
	case 0:
		*int_field(c, s) = ms;
		return NULL;
	case 2:
		return reason("%s seconds is out of range (0.001 to 86400)", v);
	default:
		return reason("'%s' is not a number of seconds", v);
	}
}

static char *set_tls_version(struct config *c, const struct config_setting *s, const char *v)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
	const char *num = v;
	int i;

	if (strncasecmp(num, "TLSv", 4) == 0) {
		num += 4;
	} else if (strncasecmp(num, "TLS", 3) == 0) {
		num += 3;
	}
	for (i = 0; i < 4; i++) {
		if (strcmp(num, names[i]) == 0) {
			*int_field(c, s) = 10 + i;
			return NULL;
		}
	}
	return reason("'%s' is not a TLS version (1.0, 1.1, 1.2 or 1.3)", v);
}

static bool port_ok(const char *p)
{
	long v = 0;
	size_t n = 0;

	for (; p[n]; n++) {
		if (!isdigit((unsigned char)p[n]) || n >= 5) {
			return false;
		}
		v = v * 10 + (p[n] - '0');
	}
	return n > 0 && v >= 1 && v <= 65535;
}

static char *set_dns_server(struct config *c, const struct config_setting *s, const char *v)
{
	unsigned char addr[16];
	const char *colon = strchr(v, ':'), *port = NULL;
	char *host = NULL;
	bool good = false;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close) {
			host = xstrndup(v + 1, (size_t)(close - v - 1));
			good = inet_pton(AF_INET6, host, addr) == 1;
			if (close[1] == ':') {
				port = close + 2;
			} else if (close[1]) {
				good = false;
			}
		}
	} else if (colon && strchr(colon + 1, ':')) {
		good = inet_pton(AF_INET6, v, addr) == 1;
	} else if (colon) {
		host = xstrndup(v, (size_t)(colon - v));
		good = inet_pton(AF_INET, host, addr) == 1;
		port = colon + 1;
	} else {
		good = inet_pton(AF_INET, v, addr) == 1;
	}
	free(host);
	if (!good) {
		return reason("'%s' is not an IP address (ADDR, ADDR:PORT or [IPv6]:PORT)", v);
	}
	if (port && !port_ok(port)) {
		return reason("port '%s' is not a number from 1 to 65535", port);
	}
	replace_str(str_field(c, s), xstrdup(v));
	return NULL;
}

/* A DNS name: labels of letters, digits, '-' and '_', 1-63 bytes, 253 in all,
 * an optional final dot. */
static bool zone_ok(const char *z)
{
	size_t i, label = 0, len = strlen(z);

	if (len > 0 && z[len - 1] == '.') {
		len--;
	}
	if (len == 0 || len > 253) {
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)z[i];

		if (ch == '.') {
			if (label == 0) {
				return false;
			}
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63) {
				return false;
			}
		} else {
			return false;
		}
	}
	return label > 0;
}

static char *set_zones(struct config *c, const struct config_setting *s, const char *v)
{
	char **zones = xcalloc(strlen(v) / 2 + 2, sizeof(*zones));
	size_t n = 0, i, len;
	const char *p = v;
	char *why = NULL;

	(void)s;
	for (;;) {
		bool dup = false;
		char *z;

		p += strspn(p, " \t,");
		if (!*p) {
			break;
		}
		len = strcspn(p, " \t,");
		z = xstrndup(p, len);
		p += len;
		if (!zone_ok(z)) {
			why = reason("'%s' is not a DNS zone", z);
			free(z);
			break;
		}
		for (i = 0; i < n; i++) {
			dup = dup || strcasecmp(zones[i], z) == 0;
		}
		if (dup) {
			free(z);
		} else {
			zones[n++] = z;
		}
	}
	if (why) {
		for (i = 0; i < n; i++) {
			free(zones[i]);
		}
		free(zones);
		return why;
	}
	free_zones(c);
	c->dnsbl_zones = zones;
	c->ndnsbl_zones = n;
	return NULL;
}

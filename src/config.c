/* SPDX-License-Identifier: MIT */
/* The configuration file: one table of settings, a line parser and the checks of each value. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render.h"
#include "shell.h"
#include "util.h"

struct choice {
	const char *name;
	int value;
};

struct setting;

/*
 * Apply a value (trimmed, unquoted, free of control bytes other than TAB,
 * non-empty unless SET_EMPTY_OK). Returns NULL when applied, else a malloc'd
 * reason; nothing changes then.
 */
typedef char *setter_fn(struct config *c, const struct setting *s, const char *v);

enum {
	SET_EMPTY_OK = 1 << 0,      /* an empty value means "none" */
	SET_NULL_SENDER = 1 << 1,   /* "<>" is allowed and stored as "" */
};

struct setting {
	const char *name;
	const char *syntax;
	setter_fn *set;
	size_t offset;              /* of the field in struct config */
	const struct choice *choices;
	unsigned flags;
	const char *help;
};

static setter_fn set_word, set_address, set_choice, set_dns_server, set_seconds, set_bool,
	set_path, set_tls_version, set_zones, set_history;

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

static const struct setting settings[] = {
	{ "ehlo-name", "NAME", set_word, FIELD(ehlo_name), NULL, 0,
		"name the client gives in EHLO and HELO" },
	{ "from", "ADDRESS", set_address, FIELD(from), NULL, SET_NULL_SENDER,
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
	{ "dnsbl-zones", "ZONE...", set_zones, 0, NULL, SET_EMPTY_OK,
		"DNS blocklists to check, space or comma separated (empty: none)" },
	{ "explain", "errors|all|off", set_choice, FIELD(explain), explain_choices, 0,
		"meaning under replies, as --explain" },
	{ "history", "yes|no|FILE", set_history, FIELD(history), NULL, 0,
		"keep the input history (in FILE), no as --no-history" },
	{ "complete-verbs", "advertised|all", set_choice, FIELD(complete_verbs), verbs_choices, 0,
		"complete the SMTP verbs the server advertised, or all of them" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static char **str_field(struct config *c, const struct setting *s)
{
	return (char **)(void *)((char *)c + s->offset);
}

static int *int_field(struct config *c, const struct setting *s)
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

char *config_path_dup(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		return xasprintf("%s/smtpsh/config", xdg);
	}
	if (home && home[0] == '/') {
		return xasprintf("%s/.config/smtpsh/config", home);
	}
	return NULL;
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

/* A value as it may appear in a message: control and non-ASCII bytes
 * escaped, cut after 60 bytes. Caller frees. */
static char *show_dup(const char *s, size_t len)
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
	char *shown = show_dup(value, strlen(value));
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

static char *set_choice(struct config *c, const struct setting *s, const char *v)
{
	char *list, *shown, *r;
	int value;

	if (find_choice(s->choices, v, &value)) {
		*int_field(c, s) = value;
		return NULL;
	}
	list = choices_dup(s->choices);
	shown = show_dup(v, strlen(v));
	r = xasprintf("'%s' is not %s", shown, list);
	free(shown);
	free(list);
	return r;
}

static char *set_bool(struct config *c, const struct setting *s, const char *v)
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

static char *set_word(struct config *c, const struct setting *s, const char *v)
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

static char *set_address(struct config *c, const struct setting *s, const char *v)
{
	size_t len = strlen(v);
	char *addr;

	/* Accept the address as in MAIL FROM:<...> too. */
	if (len >= 2 && v[0] == '<' && v[len - 1] == '>') {
		addr = xstrndup(v + 1, len - 2);
	} else {
		addr = xstrdup(v);
	}
	if (!addr[0] && (s->flags & SET_NULL_SENDER)) {
		replace_str(str_field(c, s), addr);
		return NULL;
	}
	if (has_space(addr) || strpbrk(addr, "<>") || !strchr(addr, '@')) {
		free(addr);
		return reason((s->flags & SET_NULL_SENDER)
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

static char *set_path(struct config *c, const struct setting *s, const char *v)
{
	char *why = NULL, *path = expand_path_dup(v, &why);

	if (!path) {
		return why;
	}
	replace_str(str_field(c, s), path);
	return NULL;
}

static char *set_history(struct config *c, const struct setting *s, const char *v)
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

static char *set_seconds(struct config *c, const struct setting *s, const char *v)
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

static char *set_tls_version(struct config *c, const struct setting *s, const char *v)
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

static char *set_dns_server(struct config *c, const struct setting *s, const char *v)
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

static char *set_zones(struct config *c, const struct setting *s, const char *v)
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

/* ------------------------------------------------------------------ */

struct parse {
	struct config *c;
	const char *name;
	char ***problems;
	size_t nproblems;           /* entries in *problems */
	size_t shown, hidden;       /* problems of this text listed / past PROBLEMS_MAX */
	unsigned long first_hidden; /* line of the first problem not listed */
	bool clean;
	unsigned long line;
	unsigned long tls_min_line, tls_max_line;
};

/* A binary file read by mistake must not bury the terminal. */
#define PROBLEMS_MAX 50

static void add_problem(struct parse *p, char *msg)
{
	*p->problems = xrealloc(*p->problems, (p->nproblems + 2) * sizeof(**p->problems));
	(*p->problems)[p->nproblems++] = msg;
	(*p->problems)[p->nproblems] = NULL;
}

static void problem(struct parse *p, const char *fmt, ...) PRINTF(2, 3);

static void problem(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	p->clean = false;
	if (!p->problems) {
		return;
	}
	if (p->shown == PROBLEMS_MAX) {
		if (p->hidden++ == 0) {
			p->first_hidden = p->line;
		}
		return;
	}
	p->shown++;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	add_problem(p, xasprintf("%s:%lu: %s", p->name, p->line, msg));
	free(msg);
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const struct setting *find_setting(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0) {
			return &settings[i];
		}
	}
	return NULL;
}

static void unknown_setting(struct parse *p, const char *key)
{
	struct strbuf known;
	char *shown = show_dup(key, strlen(key));
	size_t i;

	strbuf_init(&known);
	for (i = 0; i < NSETTINGS; i++) {
		strbuf_addf(&known, "%s%s", i ? ", " : "", settings[i].name);
	}
	problem(p, "unknown setting '%s' (known: %s)", shown, known.s);
	strbuf_finish(&known);
	free(shown);
}

/*
 * The value after '=' (v, a writable NUL-terminated copy of the rest of the
 * line) unquoted and stripped of a trailing comment, in place. NULL with a
 * problem reported when the quotes are wrong.
 */
static char *take_value(struct parse *p, const struct setting *s, char *v)
{
	char *end, *out, *q;

	while (is_blank(*v)) {
		v++;
	}
	if (*v != '"') {
		for (end = v; *end; end++) {
			/* end[-1] exists: at worst it is the '='. */
			if (*end == '#' && is_blank(end[-1])) {
				break;
			}
		}
		while (end > v && is_blank(end[-1])) {
			end--;
		}
		*end = '\0';
		return v;
	}
	out = v;
	for (q = v + 1; *q != '"'; q++) {
		if (!*q) {
			problem(p, "%s: missing closing quote", s->name);
			return NULL;
		}
		if (*q == '\\') {
			q++;
			if (!*q) {
				problem(p, "%s: missing closing quote", s->name);
				return NULL;
			}
			if (*q != '"' && *q != '\\') {
				char *shown = show_dup(q, 1);

				problem(p, "%s: unknown escape '\\%s' in quotes (only \\\" and \\\\)",
					s->name, shown);
				free(shown);
				return NULL;
			}
		}
		*out++ = *q;
	}
	*out = '\0';
	q++;
	while (is_blank(*q)) {
		q++;
	}
	if (*q && !(*q == '#' && is_blank(q[-1]))) {
		problem(p, "%s: text after the closing quote", s->name);
		return NULL;
	}
	return v;
}

static void parse_line(struct parse *p, const char *line, size_t len)
{
	const struct setting *s;
	char *copy, *key, *eq, *end, *v, *why;
	size_t i;

	if (len > 0 && line[len - 1] == '\r') {
		len--;
	}
	if (memchr(line, '\0', len)) {
		problem(p, "NUL byte in the line");
		return;
	}
	if (len > CONFIG_LINE_MAX) {
		problem(p, "line too long (%zu bytes, at most %d)", len, CONFIG_LINE_MAX);
		return;
	}
	copy = xstrndup(line, len);
	key = copy;
	while (is_blank(*key)) {
		key++;
	}
	if (!*key || *key == '#') {
		goto out;
	}
	eq = strchr(key, '=');
	if (!eq) {
		char *shown = show_dup(key, strlen(key));

		problem(p, "missing '=' in '%s' (expected 'setting = value')", shown);
		free(shown);
		goto out;
	}
	end = eq;
	while (end > key && is_blank(end[-1])) {
		end--;
	}
	*end = '\0';
	if (!*key) {
		problem(p, "missing setting name before '='");
		goto out;
	}
	s = find_setting(key);
	if (!s) {
		unknown_setting(p, key);
		goto out;
	}
	v = take_value(p, s, eq + 1);
	if (!v) {
		goto out;
	}
	for (i = 0; v[i]; i++) {
		unsigned char ch = (unsigned char)v[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			problem(p, "%s: control character \\x%02x in the value", s->name, ch);
			goto out;
		}
	}
	if (!*v && !(s->flags & SET_EMPTY_OK)) {
		problem(p, "%s: empty value (expected %s)", s->name, s->syntax);
		goto out;
	}
	why = s->set(p->c, s, v);
	if (why) {
		problem(p, "%s: %s", s->name, why);
		free(why);
		goto out;
	}
	if (strcmp(s->name, "tls-min") == 0) {
		p->tls_min_line = p->line;
	} else if (strcmp(s->name, "tls-max") == 0) {
		p->tls_max_line = p->line;
	}
out:
	free(copy);
}

static bool parse_buffer(struct config *c, const char *name, const char *text, size_t len,
	char ***problems)
{
	struct parse p = { .c = c, .name = name, .problems = problems, .clean = true };
	const char *nl;

	while (problems && *problems && (*problems)[p.nproblems]) {
		p.nproblems++;
	}

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	while (len > 0) {
		size_t n;

		p.line++;
		nl = memchr(text, '\n', len);
		n = nl ? (size_t)(nl - text) : len;
		parse_line(&p, text, n);
		if (!nl) {
			break;
		}
		text += n + 1;
		len -= n + 1;
	}
	/* An impossible range set in this text: the later line loses. */
	if (c->tls_min && c->tls_max && c->tls_min > c->tls_max
		&& (p.tls_min_line || p.tls_max_line)) {
		int min = c->tls_min, max = c->tls_max;

		if (p.tls_min_line > p.tls_max_line) {
			p.line = p.tls_min_line;
			problem(&p, "tls-min: %d.%d is above tls-max %d.%d", min / 10, min % 10,
				max / 10, max % 10);
			c->tls_min = 0;
		} else {
			p.line = p.tls_max_line;
			problem(&p, "tls-max: %d.%d is below tls-min %d.%d", max / 10, max % 10,
				min / 10, min % 10);
			c->tls_max = 0;
		}
	}
	if (p.hidden) {
		add_problem(&p, xasprintf("%s:%lu: %zu more problem%s from this line on not listed",
			name, p.first_hidden, p.hidden, p.hidden == 1 ? "" : "s"));
	}
	return p.clean;
}

bool config_parse_string(struct config *c, const char *name, const char *text, char ***problems)
{
	return parse_buffer(c, name, text, strlen(text), problems);
}

bool config_load(struct config *c, const char *path, char ***problems, struct err *e)
{
	struct strbuf buf;
	struct stat st;
	char chunk[8192];
	int fd;

	/* O_NONBLOCK: a FIFO without a writer reads as empty instead of hanging. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			return true;
		}
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_IO, "%s: is a directory", path);
	}
	strbuf_init(&buf);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0) {
			break;
		}
		if (buf.len + (size_t)n > CONFIG_FILE_MAX) {
			err_set(e, ERR_IO, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
			goto fail;
		}
		strbuf_add(&buf, chunk, (size_t)n);
	}
	close(fd);
	parse_buffer(c, path, buf.s ? buf.s : "", buf.len, problems);
	strbuf_finish(&buf);
	return true;
fail:
	close(fd);
	strbuf_finish(&buf);
	return false;
}

void config_problems_free(char **p)
{
	size_t i;

	if (!p) {
		return;
	}
	for (i = 0; p[i]; i++) {
		free(p[i]);
	}
	free(p);
}

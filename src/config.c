/* SPDX-License-Identifier: MIT */
/* The configuration file: where it is, reading it and parsing its lines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"

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

static void unknown_setting(struct parse *p, const char *key)
{
	struct strbuf known;
	char *shown = config_show_dup(key, strlen(key));
	const char *name;
	size_t i;

	strbuf_init(&known);
	for (i = 0; (name = config_setting_info(i, NULL, NULL)); i++) {
		strbuf_addf(&known, "%s%s", i ? ", " : "", name);
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
static char *take_value(struct parse *p, const struct config_setting *s, char *v)
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
				char *shown = config_show_dup(q, 1);

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
	const struct config_setting *s;
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
		char *shown = config_show_dup(key, strlen(key));

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
	s = config_setting_find(key);
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
	if (!*v && !(s->flags & CONFIG_SET_EMPTY_OK)) {
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

/* SPDX-License-Identifier: MIT */
/* Terminal presentation: colour policy, SGR sequences and sanitising of server bytes. */
#include "render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Basic 8-colour SGR only: the terminal's palette keeps them readable on
 * dark and light backgrounds, which 256-colour picks do not. */
#define RENDER_SGR_RESET "\033[0m"
#define RENDER_SGR_BOLD "1"
#define RENDER_SGR_DIM "2"
#define RENDER_SGR_RED "31"
#define RENDER_SGR_GREEN "32"
#define RENDER_SGR_YELLOW "33"
#define RENDER_SGR_BLUE "34"
#define RENDER_SGR_MAGENTA "35"
#define RENDER_SGR_CYAN "36"

bool render_color_enabled(enum color_mode mode, int fd)
{
	const char *v;

	if (mode == COLOR_ALWAYS) {
		return true;
	}
	if (mode == COLOR_NEVER) {
		return false;
	}
	v = getenv("NO_COLOR");
	if (v && *v) {
		return false;
	}
	v = getenv("TERM");
	if (v && strcmp(v, "dumb") == 0) {
		return false;
	}
	return isatty(fd) == 1;
}

/* Valid code points that must not reach the terminal as themselves: C1
 * controls (U+009B is a CSI) and bidi overrides, which can make text read
 * in an order other than the one received. */
static bool render_cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
		cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
		(cp >= 0x2066 && cp <= 0x2069);
}

char *render_sanitize_dup(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char *out, *o, *shrunk;
	size_t i = 0;

	/* Worst case is 4 output bytes per input byte (\xNN). */
	if (len > (SIZE_MAX - 1) / 4) {
		return NULL;
	}
	out = malloc(len * 4 + 1);
	if (!out) {
		return NULL;
	}
	o = out;
	while (i < len) {
		unsigned char c = u[i];
		uint32_t cp;
		size_t n;

		if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c == '\t' || c == '\r' || c == '\n') {
			*o++ = '\\';
			*o++ = c == '\t' ? 't' : c == '\r' ? 'r' : 'n';
			i++;
			continue;
		}
		n = c >= 0x80 ? utf8_seq(u + i, len - i, &cp) : 0;
		if (n == 0) {
			/* C0, DEL, or a byte that is not valid UTF-8 here. */
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			i++;
			continue;
		}
		if (render_cp_hidden(cp)) {
			/* \uNNNN (6 bytes) never exceeds 4 per input byte here. */
			*o++ = '\\';
			*o++ = 'u';
			for (int shift = 12; shift >= 0; shift -= 4) {
				*o++ = hex[(cp >> shift) & 0xf];
			}
		} else {
			memcpy(o, u + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	shrunk = realloc(out, (size_t)(o - out) + 1);
	return shrunk ? shrunk : out;
}

const char *render_marker(enum render_kind kind, bool tls)
{
	switch (kind) {
	case RENDER_SENT:
		return tls ? "~>" : "->";
	case RENDER_RECV:
		return tls ? "<~" : "<-";
	case RENDER_EVENT:
		return "**";
	case RENDER_ERROR:
	case RENDER_WARN:
		return "!!";
	case RENDER_INFO:
	case RENDER_NOTE:
		break;
	}
	return "";
}

/* SGR parameters for a kind, NULL for no colour. */
static const char *render_sgr(enum render_kind kind, int code)
{
	switch (kind) {
	case RENDER_SENT:
		return RENDER_SGR_BOLD;
	case RENDER_RECV:
		switch (code / 100) {
		case 2:
			return RENDER_SGR_GREEN;
		case 3:
			return RENDER_SGR_CYAN;
		case 4:
			return RENDER_SGR_YELLOW;
		case 5:
			return RENDER_SGR_RED;
		default:
			/* Malformed or unknown: stands out from every class colour. */
			return RENDER_SGR_MAGENTA;
		}
	case RENDER_EVENT:
		return RENDER_SGR_BLUE;
	case RENDER_ERROR:
		return RENDER_SGR_BOLD ";" RENDER_SGR_RED;
	case RENDER_WARN:
		return RENDER_SGR_YELLOW;
	case RENDER_NOTE:
		return RENDER_SGR_DIM;
	case RENDER_INFO:
		break;
	}
	return NULL;
}

/* malloc'd concatenation of parts; NULL on out of memory. */
static char *render_join(const char *const *parts, size_t nparts)
{
	size_t total = 1, off = 0;
	char *out;

	for (size_t i = 0; i < nparts; i++) {
		total += strlen(parts[i]);
	}
	out = malloc(total);
	if (!out) {
		return NULL;
	}
	for (size_t i = 0; i < nparts; i++) {
		size_t n = strlen(parts[i]);

		memcpy(out + off, parts[i], n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

char *render_line_dup(enum render_kind kind, bool tls, int code, const char *text, bool color)
{
	const char *marker = render_marker(kind, tls);
	const char *sgr = color ? render_sgr(kind, code) : NULL;
	const char *prefix = "", *sep = "";

	if (!text) {
		text = "";
	}
	if (kind == RENDER_NOTE) {
		prefix = "   ";
	} else if (*marker) {
		prefix = marker;
		sep = " ";
	}
	if (!sgr) {
		const char *parts[] = { prefix, sep, text };

		return render_join(parts, 3);
	} else {
		const char *parts[] = { "\033[", sgr, "m", prefix, sep, text, RENDER_SGR_RESET };

		return render_join(parts, 7);
	}
}

char *render_prompt_dup(const char *host, const char *state, bool color)
{
	char *h, *st = NULL, *out;
	bool has_state = state && *state;

	/* A host name may come from DNS or a config file: keep it inert too. */
	h = render_sanitize_dup(host ? host : "smtpsh", strlen(host ? host : "smtpsh"));
	if (!h) {
		return NULL;
	}
	if (has_state) {
		st = render_sanitize_dup(state, strlen(state));
		if (!st) {
			free(h);
			return NULL;
		}
	}
	if (color) {
		/* \001 and \002 tell readline the escapes take no columns. */
		const char *parts[] = {
			"\001\033[" RENDER_SGR_BOLD "m\002", h, "\001" RENDER_SGR_RESET "\002",
			has_state ? " \001\033[" RENDER_SGR_CYAN "m\002" : "",
			has_state ? st : "",
			has_state ? "\001" RENDER_SGR_RESET "\002" : "",
			"> ",
		};

		out = render_join(parts, 7);
	} else {
		const char *parts[] = { h, has_state ? " " : "", has_state ? st : "", "> " };

		out = render_join(parts, 4);
	}
	free(h);
	free(st);
	return out;
}

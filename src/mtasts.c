/* SPDX-License-Identifier: MIT */
/* MTA-STS and TLS-RPT records, the policy text, and the policy fetch over HTTPS. */
#include "mtasts.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "interrupt.h"
#include "transport.h"
#include "util.h"
#include "version.h"

/* ------------------------------------------------------------ TXT records */

static bool starts_version(const char *txt, size_t len, const char *v)
{
	size_t n = strlen(v);

	/* case-sensitive (%s"v=STSv1"), then a separator or the end */
	return len >= n && memcmp(txt, v, n) == 0 &&
		(len == n || txt[n] == ';' || txt[n] == ' ' || txt[n] == '\t');
}

bool mtasts_is_txt(const char *txt, size_t len)
{
	return starts_version(txt, len, "v=STSv1");
}

bool tlsrpt_is_txt(const char *txt, size_t len)
{
	return starts_version(txt, len, "v=TLSRPTv1");
}

bool mtasts_txt_parse(const char *txt, size_t len, struct mtasts_txt *out)
{
	const char *id;
	size_t i;

	memset(out, 0, sizeof(*out));
	pol_tags_parse(txt, len, "MTA-STS", &out->tags, &out->notes);
	if (!mtasts_is_txt(txt, len))
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS: the record must start with v=STSv1");
	id = pol_tags_get(&out->tags, "id");
	if (!id) {
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS: no id= (1 to 32 letters and digits)");
	} else {
		for (i = 0; id[i] && isalnum((unsigned char)id[i]); i++)
			;
		if (id[i] || i == 0 || i > 32)
			pol_note_add(&out->notes, POL_ERROR, "MTA-STS: id=%.60s: must be 1 to 32 letters and digits (RFC 8461 3.1)", id);
		else
			snprintf(out->id, sizeof(out->id), "%s", id);
	}
	out->valid = !pol_notes_has(&out->notes, POL_ERROR);
	return out->valid;
}

void mtasts_txt_finish(struct mtasts_txt *t)
{
	pol_tags_finish(&t->tags);
	pol_notes_finish(&t->notes);
	memset(t, 0, sizeof(*t));
}

bool tlsrpt_parse(const char *txt, size_t len, struct tlsrpt_txt *out)
{
	const char *rua, *p;

	memset(out, 0, sizeof(*out));
	pol_tags_parse(txt, len, "TLS-RPT", &out->tags, &out->notes);
	if (!tlsrpt_is_txt(txt, len))
		pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: the record must start with v=TLSRPTv1");
	rua = pol_tags_get(&out->tags, "rua");
	if (!rua) {
		pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: no rua= (required, RFC 8460 3)");
	} else {
		for (p = rua; *p;) {
			size_t n = strcspn(p, ","), a = 0, b = n;
			char uri[512];
			const char *at;

			while (a < b && isspace((unsigned char)p[a]))
				a++;
			while (b > a && isspace((unsigned char)p[b - 1]))
				b--;
			snprintf(uri, sizeof(uri), "%.*s", (int)(b - a), p + a);
			p += n + (p[n] == ',');
			out->nrua++;
			if (strncasecmp(uri, "mailto:", 7) == 0) {
				at = strchr(uri + 7, '@');
				if (!at || at == uri + 7 || !strchr(at + 1, '.') || strpbrk(uri, " <>\""))
					pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: rua: \"%.100s\" is not a mailto: address", uri);
			} else if (strncasecmp(uri, "https://", 8) == 0) {
				if (!uri[8] || uri[8] == '/' || strpbrk(uri, " <>\""))
					pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: rua: \"%.100s\" is not an https URL", uri);
			} else {
				pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: rua: \"%.100s\": only mailto: and https: are defined", uri);
			}
		}
		if (!out->nrua)
			pol_note_add(&out->notes, POL_ERROR, "TLS-RPT: rua= is empty");
	}
	out->valid = !pol_notes_has(&out->notes, POL_ERROR);
	return out->valid;
}

void tlsrpt_finish(struct tlsrpt_txt *t)
{
	pol_tags_finish(&t->tags);
	pol_notes_finish(&t->notes);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ the policy */

static bool pattern_ok(const char *p)
{
	size_t lab = 0;

	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	if (!*p || !strchr(p, '.'))
		return false;
	for (; *p; p++) {
		if (*p == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++lab > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

bool mtasts_policy_parse(const char *body, size_t len, struct mtasts_policy *out)
{
	const char *p = body, *end = body + len;
	bool seen_version = false, seen_mode = false, seen_age = false;

	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	if (memchr(body, '\0', len))
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: NUL byte in the text");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end, *colon;
		char key[64], val[300];
		size_t kl, a, b;

		if (le > p && le[-1] == '\r')
			le--;
		colon = memchr(p, ':', (size_t)(le - p));
		if (le == p) {
			p = nl ? nl + 1 : end;
			continue;
		}
		if (!colon) {
			pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: line \"%.*s\" is not key: value",
				(int)(le - p > 60 ? 60 : le - p), p);
			p = nl ? nl + 1 : end;
			continue;
		}
		kl = (size_t)(colon - p);
		snprintf(key, sizeof(key), "%.*s", (int)(kl < 63 ? kl : 63), p);
		a = (size_t)(colon + 1 - body);
		b = (size_t)(le - body);
		while (a < b && (body[a] == ' ' || body[a] == '\t'))
			a++;
		while (b > a && (body[b - 1] == ' ' || body[b - 1] == '\t'))
			b--;
		snprintf(val, sizeof(val), "%.*s", (int)(b - a), body + a);
		p = nl ? nl + 1 : end;
		if (strcmp(key, "version") == 0) {
			if (seen_version)
				pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: version given twice");
			seen_version = true;
			snprintf(out->version, sizeof(out->version), "%.15s", val);
			if (strcmp(val, "STSv1") != 0)
				pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: version: %.40s: must be STSv1", val);
		} else if (strcmp(key, "mode") == 0) {
			if (seen_mode)
				pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: mode given twice");
			seen_mode = true;
			if (strcmp(val, "enforce") && strcmp(val, "testing") && strcmp(val, "none"))
				pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: mode: %.40s: not enforce, testing or none", val);
			else
				snprintf(out->mode, sizeof(out->mode), "%.15s", val);
		} else if (strcmp(key, "max_age") == 0) {
			long v;

			if (seen_age)
				pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: max_age given twice");
			seen_age = true;
			if (strlen(val) > 10 || !str_to_long(val, 0, 9999999999L, &v))
				pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: max_age: %.40s: not a number of seconds", val);
			else if (v > MTASTS_MAX_AGE)
				pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: max_age %ld is more than %ld (about a year)", v, MTASTS_MAX_AGE);
			else
				out->max_age = v;
			if (out->max_age >= 0 && out->max_age < 86400)
				pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: max_age %ld is under a day: senders refetch often and a downgrade window opens (weeks are usual)", out->max_age);
		} else if (strcmp(key, "mx") == 0) {
			if (!pattern_ok(val))
				pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: mx: \"%.100s\" is not a host name or *.domain pattern", val);
			out->mx = xrealloc(out->mx, (out->nmx + 1) * sizeof(*out->mx));
			out->mx[out->nmx++] = xstrdup(val);
		} else {
			pol_note_add(&out->notes, POL_INFO, "MTA-STS policy: unknown key \"%.40s\" (ignored)", key);
		}
	}
	if (!seen_version)
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: no version: line");
	if (!seen_mode)
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: no mode: line");
	if (!seen_age)
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: no max_age: line");
	if (out->nmx == 0 && strcmp(out->mode, "none") != 0)
		pol_note_add(&out->notes, POL_ERROR, "MTA-STS policy: no mx: line");
	if (strcmp(out->mode, "testing") == 0)
		pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: mode testing: failures are reported, not enforced");
	else if (strcmp(out->mode, "none") == 0)
		pol_note_add(&out->notes, POL_WARN, "MTA-STS policy: mode none: the policy is withdrawn");
	out->valid = !pol_notes_has(&out->notes, POL_ERROR);
	return out->valid;
}

void mtasts_policy_finish(struct mtasts_policy *p)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	pol_notes_finish(&p->notes);
	memset(p, 0, sizeof(*p));
}

bool mtasts_mx_match(const char *pattern, const char *host)
{
	size_t lp = strlen(pattern), lh = strlen(host);

	if (lp && pattern[lp - 1] == '.')
		lp--;
	if (lh && host[lh - 1] == '.')
		lh--;
	if (lp >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		const char *dot = memchr(host, '.', lh);

		/* exactly one label (non-empty, without dots) before the suffix */
		return dot && dot > host && (size_t)(host + lh - dot) == lp - 1 &&
			strncasecmp(dot, pattern + 1, lp - 1) == 0;
	}
	return lp == lh && lp && strncasecmp(pattern, host, lp) == 0;
}

const char *mtasts_policy_match(const struct mtasts_policy *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		if (mtasts_mx_match(p->mx[i], host))
			return p->mx[i];
	return NULL;
}

/* ------------------------------------------------------------ HTTP */

static const char *find_head_end(const char *buf, size_t len, size_t *hl)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			*hl = i + 2;
			return buf + i;
		}
		if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			*hl = i + 4;
			return buf + i;
		}
	}
	return NULL;
}

int mtasts_http_head(const char *buf, size_t len, struct mtasts_http *h, char *why, size_t whylen)
{
	const char *p, *end;
	size_t hl = 0;

	memset(h, 0, sizeof(*h));
	h->clen = -1;
	if (len >= 5 && strncmp(buf, "HTTP/", 5) != 0) {
		snprintf(why, whylen, "the answer is not HTTP");
		return -1;
	}
	end = find_head_end(buf, len, &hl);
	if (!end)
		return len > 16384 ? (snprintf(why, whylen, "HTTP header larger than 16 KiB"), -1) : 0;
	h->head_len = hl;
	{
		const char *sp = memchr(buf, ' ', hl);

		if (sp && sp + 4 < buf + hl && isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
		    isdigit((unsigned char)sp[3]) && (sp[4] == ' ' || sp[4] == '\r' || sp[4] == '\n'))
			h->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	}
	if (h->status < 100) {
		snprintf(why, whylen, "bad HTTP status line");
		return -1;
	}
	p = memchr(buf, '\n', (size_t)(end - buf));
	while (p && p < end) {
		const char *ls = p + 1, *le = memchr(ls, '\n', (size_t)(end + 1 - ls)), *colon;
		char name[64], val[600];
		size_t a, i;

		if (!le || le > end)
			le = end;
		p = le < end ? le : NULL;
		colon = memchr(ls, ':', (size_t)(le - ls));
		if (!colon || colon - ls >= (long)sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - ls), ls);
		for (a = 1; colon + a < le && (colon[a] == ' ' || colon[a] == '\t'); a++)
			;
		snprintf(val, sizeof(val), "%.*s", (int)(le - colon - a), colon + a);
		while (*val && isspace((unsigned char)val[strlen(val) - 1]))
			val[strlen(val) - 1] = '\0';
		if (strcasecmp(name, "Content-Type") == 0) {
			size_t n = strcspn(val, "; \t");

			for (i = 0; i < n && i + 1 < sizeof(h->ctype); i++)
				h->ctype[i] = (char)tolower((unsigned char)val[i]);
			h->ctype[i] = '\0';
		} else if (strcasecmp(name, "Location") == 0) {
			snprintf(h->location, sizeof(h->location), "%.500s", val);
		} else if (strcasecmp(name, "Content-Length") == 0) {
			char *e;

			errno = 0;
			h->clen = strtoll(val, &e, 10);
			if (errno || *e || e == val || h->clen < 0) {
				snprintf(why, whylen, "bad Content-Length: %.60s", val);
				return -1;
			}
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			for (i = 0; val[i]; i++)
				val[i] = (char)tolower((unsigned char)val[i]);
			h->chunked = strstr(val, "chunked") != NULL;
		}
	}
	return 1;
}

int mtasts_http_body(const char *buf, size_t len, const struct mtasts_http *h, bool eof,
	size_t max, char **body, size_t *blen, char *why, size_t whylen)
{
	const char *p = buf + h->head_len, *end = buf + len;
	struct strbuf b;

	*body = NULL;
	*blen = 0;
	if (!h->chunked) {
		size_t have = (size_t)(end - p);

		if (h->clen > (long long)max || have > max) {
			snprintf(why, whylen, "the policy is larger than %zu bytes", max);
			return -1;
		}
		if (h->clen >= 0 && have < (size_t)h->clen) {
			if (!eof)
				return 0;
			snprintf(why, whylen, "the connection closed after %zu of %lld bytes", have, h->clen);
			return -1;
		}
		if (h->clen < 0 && !eof)
			return 0;
		*blen = h->clen >= 0 ? (size_t)h->clen : have;
		*body = xstrndup(p, *blen);
		return 1;
	}
	strbuf_init(&b);
	strbuf_adds(&b, "");
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e;
		unsigned long long n;

		if (!nl)
			break;
		errno = 0;
		n = strtoull(p, &e, 16);
		if (e == p || errno || (*e != '\r' && *e != '\n' && *e != ';')) {
			snprintf(why, whylen, "bad chunk size in the HTTP body");
			strbuf_finish(&b);
			return -1;
		}
		if (n > max || b.len + n > max) {
			snprintf(why, whylen, "the policy is larger than %zu bytes", max);
			strbuf_finish(&b);
			return -1;
		}
		if (n == 0) {
			*blen = b.len;
			*body = strbuf_steal(&b);
			return 1;
		}
		if ((size_t)(end - (nl + 1)) < n + 1)
			break;
		strbuf_add(&b, nl + 1, (size_t)n);
		p = nl + 1 + n;
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
	}
	strbuf_finish(&b);
	if (eof) {
		snprintf(why, whylen, "the connection closed in the middle of the chunked body");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the fetch */

static bool fetch_one(struct mtasts_fetch *f, struct transport *tr, const struct tlsc_opts *base,
	int timeout_ms, int64_t deadline)
{
	struct tlsc_opts o = *base;
	struct mtasts_http h;
	struct err e;
	char req[700], why[200];
	int got_head = 0;

	o.sni = f->host;
	o.no_sni = false;
	o.verify_name = f->host;
	o.verify_required = true;
	o.tlsa = NULL;
	o.ntlsa = 0;
	o.dane_base = NULL;
	o.cert_file = o.key_file = NULL;
	err_clear(&e);
	if (!transport_start_tls(tr, f->host, &o, timeout_ms, &e)) {
		f->result = strstr(e.msg, "certificate verification failed") ? "sts-webpki-invalid"
			: "sts-policy-fetch-error";
		snprintf(f->error, sizeof(f->error), "%.390s", e.msg);
		return false;
	}
	f->tls_ok = true;
	snprintf(req, sizeof(req), "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: %s%s%s\r\n"
		"User-Agent: smtpsh/%s\r\nAccept: text/plain\r\nConnection: close\r\n\r\n", f->host,
		strcmp(f->port, "443") ? ":" : "", strcmp(f->port, "443") ? f->port : "", SMTPSH_VERSION);
	if (!transport_send(tr, req, strlen(req), timeout_ms, &e)) {
		f->result = "sts-policy-fetch-error";
		snprintf(f->error, sizeof(f->error), "sending the request: %.300s", e.msg);
		return false;
	}
	for (;;) {
		enum transport_read r = transport_fill(tr, &e);
		size_t len;
		const char *buf = transport_data(tr, &len);
		bool eof = r == TRANSPORT_READ_EOF;

		if (r == TRANSPORT_READ_ERROR) {
			f->result = "sts-policy-fetch-error";
			snprintf(f->error, sizeof(f->error), "reading the answer: %.300s", e.msg);
			return false;
		}
		if (r == TRANSPORT_READ_AGAIN) {
			struct pollfd pfd = { .fd = transport_fd(tr), .events = POLLIN };
			int64_t left = deadline - now_ms();

			if (interrupt_pending()) {
				f->result = "sts-policy-fetch-error";
				snprintf(f->error, sizeof(f->error), "interrupted");
				return false;
			}
			if (left <= 0) {
				f->result = "sts-policy-fetch-error";
				snprintf(f->error, sizeof(f->error), "no complete answer within %d.%d s",
					timeout_ms / 1000, (timeout_ms % 1000) / 100);
				return false;
			}
			before_wait();
			poll(&pfd, 1, (int)left);
			continue;
		}
		if (!got_head && (got_head = mtasts_http_head(buf, len, &h, why, sizeof(why))) == 0 && !eof)
			continue;
		if (got_head <= 0) {
			f->result = "sts-policy-fetch-error";
			snprintf(f->error, sizeof(f->error), "%s", got_head < 0 ? why : "the server closed before the HTTP header ended");
			return false;
		}
		f->status = h.status;
		snprintf(f->ctype, sizeof(f->ctype), "%s", h.ctype);
		snprintf(f->location, sizeof(f->location), "%s", h.location);
		if (h.status != 200) {
			f->result = "sts-policy-fetch-error";
			if (h.status >= 300 && h.status < 400)
				snprintf(f->error, sizeof(f->error), "HTTP %d redirect%s%.300s: redirects must not be followed (RFC 8461 3.3)",
					h.status, h.location[0] ? " to " : "", h.location);
			else
				snprintf(f->error, sizeof(f->error), "HTTP status %d, not 200", h.status);
			return false;
		}
		switch (mtasts_http_body(buf, len, &h, eof, MTASTS_MAX_BODY, &f->body, &f->body_len, why, sizeof(why))) {
		case 0:
			continue;
		case -1:
			f->result = strstr(why, "larger") ? "sts-policy-invalid" : "sts-policy-fetch-error";
			snprintf(f->error, sizeof(f->error), "%s", why);
			return false;
		default:
			break;
		}
		if (strcmp(h.ctype, "text/plain") != 0) {
			f->result = "sts-policy-invalid";
			snprintf(f->error, sizeof(f->error), "Content-Type is \"%.100s\", not text/plain (RFC 8461 3.2)",
				h.ctype[0] ? h.ctype : "(none)");
			return false;
		}
		return true;
	}
}

bool mtasts_fetch(const char *domain, const char *const *addrs, size_t naddrs, const char *port,
	const struct tlsc_opts *tls, int timeout_ms, struct mtasts_fetch *out)
{
	int64_t t0 = now_ms(), deadline;
	struct tlsc_opts none;
	size_t i;
	char last[300] = "";

	memset(out, 0, sizeof(*out));
	memset(&none, 0, sizeof(none));
	snprintf(out->host, sizeof(out->host), "mta-sts.%.250s", domain);
	snprintf(out->port, sizeof(out->port), "%s", port && *port ? port : "443");
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	deadline = t0 + timeout_ms;
	for (i = 0; i < naddrs && !interrupt_pending(); i++) {
		struct target t;
		struct transport *tr;
		struct err e;

		memset(&t, 0, sizeof(t));
		t.kind = TARGET_INET;
		snprintf(t.host, sizeof(t.host), "%s", addrs[i]);
		snprintf(t.port, sizeof(t.port), "%s", out->port);
		err_clear(&e);
		tr = transport_connect(&t, TRANSPORT_ANY, timeout_ms, NULL, NULL, &e);
		if (!tr) {
			snprintf(last, sizeof(last), "%.290s", e.msg);
			continue;
		}
		snprintf(out->addr, sizeof(out->addr), "%s", addrs[i]);
		out->ok = fetch_one(out, tr, tls ? tls : &none, timeout_ms, deadline);
		transport_destroy(tr);
		out->elapsed_ms = (int)(now_ms() - t0);
		return out->ok;
	}
	out->result = "sts-policy-fetch-error";
	if (interrupt_pending())
		snprintf(out->error, sizeof(out->error), "interrupted");
	else if (!naddrs)
		snprintf(out->error, sizeof(out->error), "%s has no address", out->host);
	else
		snprintf(out->error, sizeof(out->error), "%s", last);
	out->elapsed_ms = (int)(now_ms() - t0);
	return false;
}

void mtasts_fetch_finish(struct mtasts_fetch *f)
{
	free(f->body);
	memset(f, 0, sizeof(*f));
}

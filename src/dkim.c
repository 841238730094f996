/* SPDX-License-Identifier: MIT */
/* DKIM key records, findings and tag=value lists shared by the policy checks. */
#include "dkim.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"
#include "tls_crypto.h"
#include "util.h"

/* ------------------------------------------------------------ findings */

void pol_note_add(struct pol_notes *ns, enum pol_level level, const char *fmt, ...)
{
	va_list ap;
	struct pol_note *n;

	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	n = &ns->v[ns->n++];
	n->level = level;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

void pol_notes_finish(struct pol_notes *ns)
{
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

bool pol_notes_has(const struct pol_notes *ns, enum pol_level level)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (ns->v[i].level >= level)
			return true;
	return false;
}

const char *pol_notes_first(const struct pol_notes *ns, enum pol_level level)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (ns->v[i].level == level)
			return ns->v[i].text;
	return NULL;
}

const char *pol_level_name(enum pol_level level)
{
	return level == POL_ERROR ? "error" : level == POL_WARN ? "warn" : "info";
}

char *pol_printable(const char *s, size_t len, size_t max)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	strbuf_adds(&b, "");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (max && b.len >= max) {
			strbuf_adds(&b, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			strbuf_addf(&b, "\\x%02x", c);
		else
			strbuf_add(&b, (const char *)&c, 1);
	}
	return strbuf_steal(&b);
}

/* ------------------------------------------------------------ tag=value lists */

static bool is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool pol_tags_parse(const char *s, size_t len, const char *what, struct pol_tags *out,
	struct pol_notes *notes)
{
	size_t pos = 0;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		size_t end = pos, a, b, eq, i;
		bool dup = false, badname = false;
		char name[32];

		while (end < len && s[end] != ';')
			end++;
		a = pos;
		b = end;
		while (a < b && is_wsp((unsigned char)s[a]))
			a++;
		while (b > a && is_wsp((unsigned char)s[b - 1]))
			b--;
		pos = end + 1;
		if (a == b) {
			/* a trailing ";" is allowed; an empty tag in the middle is sloppy */
			if (end < len && pos < len) {
				size_t k = pos;

				while (k < len && is_wsp((unsigned char)s[k]))
					k++;
				if (k < len)
					pol_note_add(notes, POL_WARN, "%s: empty tag (\";;\")", what);
			}
			continue;
		}
		for (eq = a; eq < b && s[eq] != '='; eq++)
			;
		if (eq == b) {
			char *p = pol_printable(s + a, b - a, 40);

			pol_note_add(notes, POL_ERROR, "%s: \"%s\" is not tag=value", what, p);
			free(p);
			ok = false;
			continue;
		}
		i = eq;
		while (i > a && is_wsp((unsigned char)s[i - 1]))
			i--;
		if (i == a || i - a >= sizeof(name)) {
			badname = true;
		} else {
			memcpy(name, s + a, i - a);
			name[i - a] = '\0';
			if (!isalpha((unsigned char)name[0]))
				badname = true;
			for (i = 0; name[i]; i++)
				if (!isalnum((unsigned char)name[i]) && name[i] != '_')
					badname = true;
		}
		if (badname) {
			char *p = pol_printable(s + a, eq - a, 40);

			pol_note_add(notes, POL_ERROR, "%s: bad tag name \"%s\"", what, p);
			free(p);
			ok = false;
			continue;
		}
		for (i = 0; i < out->n; i++)
			if (strcmp(out->v[i].name, name) == 0)
				dup = true;
		if (dup) {
			pol_note_add(notes, POL_ERROR, "%s: tag %s appears twice", what, name);
			ok = false;
			continue;
		}
		eq++;
		while (eq < b && is_wsp((unsigned char)s[eq]))
			eq++;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		snprintf(out->v[out->n].name, sizeof(out->v[out->n].name), "%s", name);
		out->v[out->n].value = xstrndup(s + eq, b - eq);
		out->n++;
	}
	return ok;
}

void pol_tags_finish(struct pol_tags *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].value);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const char *pol_tags_get(const struct pol_tags *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return t->v[i].value;
	return NULL;
}

/* ------------------------------------------------------------ DKIM */

const char *dkim_tag_meaning(const char *tag)
{
	static const struct {
		const char *tag, *meaning;
	} m[] = {
		{ "v", "version (DKIM1)" },
		{ "k", "key type (rsa, ed25519)" },
		{ "p", "public key (base64; empty: revoked)" },
		{ "h", "acceptable hash algorithms" },
		{ "s", "service types (* or email)" },
		{ "t", "flags (y: testing, s: no subdomains in i=)" },
		{ "n", "notes for humans" },
		{ "g", "granularity (obsolete, RFC 4871)" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].tag, tag) == 0)
			return m[i].meaning;
	return "unknown tag (ignored)";
}

/* Each colon-separated item of list, whitespace trimmed, into fn. */
static void each_item(const char *list, void (*fn)(void *ctx, const char *item), void *ctx)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ":");
		char item[64];
		size_t a = 0, b = n;

		while (a < b && is_wsp((unsigned char)p[a]))
			a++;
		while (b > a && is_wsp((unsigned char)p[b - 1]))
			b--;
		snprintf(item, sizeof(item), "%.*s", (int)(b - a), p + a);
		fn(ctx, item);
		p += n;
		if (*p == ':')
			p++;
	}
}

struct flag_ctx {
	struct dkim_key *k;
	bool sha1, sha256, other, email;
};

static void flag_item(void *ctx, const char *item)
{
	struct flag_ctx *f = ctx;

	if (strcmp(item, "y") == 0)
		f->k->testing = true;
	else if (strcmp(item, "s") == 0)
		f->k->strict = true;
	else if (*item)
		pol_note_add(&f->k->notes, POL_INFO, "DKIM: unknown flag t=%s (ignored)", item);
}

static void hash_item(void *ctx, const char *item)
{
	struct flag_ctx *f = ctx;

	if (strcmp(item, "sha1") == 0)
		f->sha1 = true;
	else if (strcmp(item, "sha256") == 0)
		f->sha256 = true;
	else
		f->other = true;
}

static void service_item(void *ctx, const char *item)
{
	struct flag_ctx *f = ctx;

	if (strcmp(item, "*") == 0 || strcmp(item, "email") == 0)
		f->email = true;
}

bool dkim_parse(const char *txt, size_t len, struct dkim_key *out)
{
	const char *v, *k, *p, *h, *s, *t;
	struct flag_ctx f;

	memset(out, 0, sizeof(*out));
	pol_tags_parse(txt, len, "DKIM", &out->tags, &out->notes);
	v = pol_tags_get(&out->tags, "v");
	if (v) {
		if (strcmp(v, "DKIM1") != 0)
			pol_note_add(&out->notes, POL_ERROR, "DKIM: v=%.40s: must be DKIM1", v);
		else if (strcmp(out->tags.v[0].name, "v") != 0)
			pol_note_add(&out->notes, POL_ERROR, "DKIM: v=DKIM1 must be the first tag");
	}
	k = pol_tags_get(&out->tags, "k");
	snprintf(out->k, sizeof(out->k), "%s", k ? k : "rsa");
	if (strcmp(out->k, "rsa") != 0 && strcmp(out->k, "ed25519") != 0)
		pol_note_add(&out->notes, POL_ERROR, "DKIM: unknown key type k=%.40s (rsa or ed25519)", out->k);

	memset(&f, 0, sizeof(f));
	f.k = out;
	t = pol_tags_get(&out->tags, "t");
	if (t)
		each_item(t, flag_item, &f);
	if (out->testing)
		pol_note_add(&out->notes, POL_WARN, "DKIM: t=y: testing mode, verifiers may treat signed mail as unsigned");
	if (out->strict)
		pol_note_add(&out->notes, POL_INFO, "DKIM: t=s: the i= domain must be exactly d= (no subdomains)");

	h = pol_tags_get(&out->tags, "h");
	if (h) {
		memset(&f, 0, sizeof(f));
		f.k = out;
		each_item(h, hash_item, &f);
		if (!f.sha256)
			pol_note_add(&out->notes, POL_ERROR, "DKIM: h=%.40s: no sha256; verifiers must not accept rsa-sha1 (RFC 8301)", h);
		else if (f.sha1)
			pol_note_add(&out->notes, POL_WARN, "DKIM: h= allows sha1, which verifiers must not accept (RFC 8301)");
	}
	s = pol_tags_get(&out->tags, "s");
	if (s) {
		memset(&f, 0, sizeof(f));
		f.k = out;
		each_item(s, service_item, &f);
		if (!f.email)
			pol_note_add(&out->notes, POL_ERROR, "DKIM: s=%.40s: the key is not for email (* or email)", s);
	}
	if (pol_tags_get(&out->tags, "g"))
		pol_note_add(&out->notes, POL_INFO, "DKIM: g= is obsolete (RFC 4871), ignored by RFC 6376 verifiers");

	p = pol_tags_get(&out->tags, "p");
	if (!p) {
		pol_note_add(&out->notes, POL_ERROR, "DKIM: no p= tag (the public key is required)");
	} else {
		struct strbuf b;
		size_t i;

		strbuf_init(&b);
		strbuf_adds(&b, "");
		for (i = 0; p[i]; i++)
			if (!is_wsp((unsigned char)p[i]))
				strbuf_add(&b, p + i, 1);
		if (b.len == 0) {
			out->revoked = true;
			pol_note_add(&out->notes, POL_ERROR, "DKIM: p= is empty: the key is revoked");
		} else if (!sasl_b64_decode(b.s, &out->key, &out->keylen)) {
			pol_note_add(&out->notes, POL_ERROR, "DKIM: p= is not valid base64");
		}
		strbuf_finish(&b);
	}
	if (out->key && strcmp(out->k, "ed25519") == 0) {
		if (out->keylen == 32) {
			snprintf(out->key_type, sizeof(out->key_type), "Ed25519");
			out->bits = 256;
		} else {
			pol_note_add(&out->notes, POL_ERROR,
				"DKIM: an ed25519 key is 32 bytes (RFC 8463), p= has %zu", out->keylen);
		}
	} else if (out->key && strcmp(out->k, "rsa") == 0) {
		char type[24];
		int bits = 0;

		if (!tlsc_pubkey_info(out->key, out->keylen, type, sizeof(type), &bits)) {
			pol_note_add(&out->notes, POL_ERROR, "DKIM: p= is not a DER public key");
		} else {
			snprintf(out->key_type, sizeof(out->key_type), "%s", type);
			out->bits = bits;
			if (strncmp(type, "RSA", 3) != 0)
				pol_note_add(&out->notes, POL_ERROR, "DKIM: k=rsa but p= holds a %s key", type);
			else if (strcmp(type, "RSA") != 0)
				pol_note_add(&out->notes, POL_WARN,
					"DKIM: p= is a bare RSAPublicKey, not a SubjectPublicKeyInfo (RFC 6376 3.6.1)");
			if (strncmp(type, "RSA", 3) == 0 && bits < 1024)
				pol_note_add(&out->notes, POL_ERROR,
					"DKIM: weak key: RSA %d bits; verifiers must not accept less than 1024 (RFC 8301)", bits);
			else if (strncmp(type, "RSA", 3) == 0 && bits < 2048)
				pol_note_add(&out->notes, POL_WARN,
					"DKIM: RSA %d bits; signers should use 2048 (RFC 8301)", bits);
		}
	}
	out->valid = !pol_notes_has(&out->notes, POL_ERROR);
	return out->valid;
}

void dkim_key_finish(struct dkim_key *k)
{
	pol_tags_finish(&k->tags);
	pol_notes_finish(&k->notes);
	free(k->key);
	memset(k, 0, sizeof(*k));
}

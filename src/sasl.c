/* SPDX-License-Identifier: MIT */
/* SMTP AUTH client mechanisms as a state machine; secrets wiped after use. */
#include "sasl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls_crypto.h"
#include "util.h"

#define SASL_REDACTED "[redacted]"
#define SASL_SCRAM_NONCE_BYTES 24
#define SASL_SHA256_LEN 32

struct sasl {
	enum sasl_mech mech;
	char *user;             /* never NULL after create ("" when absent) */
	char *secret;
	char *authzid;          /* NULL when absent */
	char *host;             /* NULL when absent */
	unsigned port;
	unsigned steps;         /* 334 challenges answered */
	bool started;
	bool failed;
	bool oauth_error;       /* XOAUTH2/OAUTHBEARER: the server sent its error JSON */
	bool verified;          /* SCRAM: server signature checked */
	/* SCRAM */
	char *nonce;            /* client nonce */
	char *client_first_bare;
	unsigned char server_sig[SASL_SHA256_LEN];
};

static const char *const sasl_mech_names[SASL_MECH_COUNT] = {
	[SASL_PLAIN] = "PLAIN",
	[SASL_LOGIN] = "LOGIN",
	[SASL_CRAM_MD5] = "CRAM-MD5",
	[SASL_XOAUTH2] = "XOAUTH2",
	[SASL_OAUTHBEARER] = "OAUTHBEARER",
	[SASL_SCRAM_SHA_256] = "SCRAM-SHA-256",
};

static const char sasl_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * A growable buffer for material that may be secret: growing copies into a
 * fresh allocation and wipes the old one, so no stale copy is left behind
 * in freed memory (which realloc would do).
 */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->len + n + 1 <= b->cap) {
		return;
	}
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1) {
		cap *= 2;
	}
	np = xmalloc(cap);
	if (b->p) {
		memcpy(np, b->p, b->len);
		tlsc_cleanse(b->p, b->cap);
		free(b->p);
	}
	np[b->len] = '\0';
	b->p = np;
	b->cap = cap;
}

static void sbuf_add(struct sbuf *b, const void *data, size_t n)
{
	sbuf_reserve(b, n);
	if (n > 0) {
		memcpy(b->p + b->len, data, n);
	}
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static void sbuf_wipe(struct sbuf *b)
{
	if (b->p) {
		tlsc_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Hand over the contents (never NULL); the buffer is left empty. */
static char *sbuf_steal(struct sbuf *b)
{
	char *p;

	sbuf_reserve(b, 0);
	p = b->p;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

static bool b64_encoded_len(size_t len, size_t *out)
{
	if (len > (SIZE_MAX - 1) / 4 * 3 - 3) {
		return false;
	}
	*out = (len + 2) / 3 * 4;
	return true;
}

/* Write the base64 of src to dst, which has room for the encoded length. */
static void b64_encode_into(char *dst, const unsigned char *src, size_t len)
{
	size_t i = 0;

	while (len - i >= 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];

		*dst++ = sasl_b64_alphabet[v >> 18 & 0x3f];
		*dst++ = sasl_b64_alphabet[v >> 12 & 0x3f];
		*dst++ = sasl_b64_alphabet[v >> 6 & 0x3f];
		*dst++ = sasl_b64_alphabet[v & 0x3f];
		i += 3;
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)src[i] << 16;

		*dst++ = sasl_b64_alphabet[v >> 18 & 0x3f];
		*dst++ = sasl_b64_alphabet[v >> 12 & 0x3f];
		*dst++ = '=';
		*dst++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;

		*dst++ = sasl_b64_alphabet[v >> 18 & 0x3f];
		*dst++ = sasl_b64_alphabet[v >> 12 & 0x3f];
		*dst++ = sasl_b64_alphabet[v >> 6 & 0x3f];
		*dst++ = '=';
	}
}

/* Append the base64 of data to b. */
static void sbuf_add_b64(struct sbuf *b, const void *data, size_t len)
{
	/* No overflow: data is at most half the address space (an object in
	 * memory), so its encoding fits in size_t. */
	size_t n = (len + 2) / 3 * 4;

	sbuf_reserve(b, n);
	b64_encode_into(b->p + b->len, data, len);
	b->len += n;
	b->p[b->len] = '\0';
}

bool sasl_b64_encode(const void *data, size_t len, char **out)
{
	size_t n;
	char *p;

	if (!out || (!data && len > 0) || !b64_encoded_len(len, &n)) {
		return false;
	}
	p = xmalloc(n + 1);
	b64_encode_into(p, data, len);
	p[n] = '\0';
	*out = p;
	return true;
}

static int b64_value(unsigned char c)
{
	const char *hit;

	if (c == '\0') {
		return -1;
	}
	hit = strchr(sasl_b64_alphabet, c);
	return hit ? (int)(hit - sasl_b64_alphabet) : -1;
}

bool sasl_b64_decode(const char *in, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL;
	size_t len = 0, n = 0;
	bool ok = false;

	if (!in || !out || !outlen) {
		goto out;
	}
	len = strlen(in);
	if (len % 4 != 0) {
		goto out;
	}
	buf = xmalloc(len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4];
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + k];

			if (c == '=' && last && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0) {
				/* Data after padding, as in "AB=C". */
				goto out;
			}
			v[k] = b64_value(c);
			if (v[k] < 0) {
				goto out;
			}
		}
		/* Padding bits must be zero so each byte string has one encoding. */
		if ((pad == 2 && (v[1] & 0x0f) != 0) || (pad == 1 && (v[2] & 0x03) != 0)) {
			goto out;
		}
		buf[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2) {
			buf[n++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		}
		if (pad < 1) {
			buf[n++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
		}
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	ok = true;
out:
	if (buf) {
		tlsc_cleanse(buf, len / 4 * 3 + 1);
		free(buf);
	}
	return ok;
}

bool sasl_mech_from_name(const char *name, enum sasl_mech *out)
{
	if (!name || !out) {
		return false;
	}
	for (int i = 0; i < SASL_MECH_COUNT; i++) {
		if (strcasecmp(name, sasl_mech_names[i]) == 0) {
			*out = (enum sasl_mech)i;
			return true;
		}
	}
	return false;
}

const char *sasl_mech_name(enum sasl_mech m)
{
	if ((int)m < 0 || m >= SASL_MECH_COUNT) {
		return NULL;
	}
	return sasl_mech_names[m];
}

static void sasl_free_secret_str(char *p)
{
	if (p) {
		tlsc_cleanse(p, strlen(p));
		free(p);
	}
}

void sasl_line_free(char *line)
{
	sasl_free_secret_str(line);
}

void sasl_destroy(struct sasl *s)
{
	if (!s) {
		return;
	}
	sasl_free_secret_str(s->user);
	sasl_free_secret_str(s->secret);
	sasl_free_secret_str(s->authzid);
	sasl_free_secret_str(s->host);
	sasl_free_secret_str(s->nonce);
	sasl_free_secret_str(s->client_first_bare);
	tlsc_cleanse(s, sizeof(*s));
	free(s);
}

struct sasl *sasl_create(enum sasl_mech m, const char *user, const char *secret,
	const char *authzid, const char *host, unsigned port, struct err *e)
{
	struct sasl *s = NULL;
	const char *name = sasl_mech_name(m);
	bool oauth = m == SASL_XOAUTH2 || m == SASL_OAUTHBEARER;

	if (!name) {
		err_set(e, ERR_USAGE, "unknown SASL mechanism");
		goto out;
	}
	if (authzid && authzid[0] == '\0') {
		authzid = NULL;
	}
	if (!secret) {
		err_set(e, ERR_USAGE, "%s needs a %s", name, oauth ? "bearer token" : "password");
		goto out;
	}
	if ((!user || user[0] == '\0') && m != SASL_OAUTHBEARER) {
		err_set(e, ERR_USAGE, "%s needs a user name", name);
		goto out;
	}
	if (authzid && (m == SASL_LOGIN || m == SASL_CRAM_MD5 || m == SASL_XOAUTH2)) {
		err_set(e, ERR_USAGE, "%s cannot carry an authorization identity", name);
		goto out;
	}
	if (oauth && ((user && strchr(user, '\x01')) || strchr(secret, '\x01') ||
			(authzid && strchr(authzid, '\x01')) || (host && strchr(host, '\x01')))) {
		err_set(e, ERR_USAGE, "%s fields cannot contain the byte 0x01", name);
		goto out;
	}
	if (port > 65535) {
		err_set(e, ERR_USAGE, "port %u is out of range", port);
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	s->mech = m;
	s->user = xstrdup(user ? user : "");
	s->secret = xstrdup(secret);
	s->authzid = authzid ? xstrdup(authzid) : NULL;
	s->host = host && host[0] != '\0' ? xstrdup(host) : NULL;
	s->port = port;
out:
	return s;
}

bool sasl_set_nonce_for_test(struct sasl *s, const char *nonce)
{
	if (!s || s->started || !nonce || nonce[0] == '\0') {
		return false;
	}
	for (const char *p = nonce; *p; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == ',') {
			return false;
		}
	}
	sasl_free_secret_str(s->nonce);
	s->nonce = xstrdup(nonce);
	return true;
}

/* RFC 5802 saslname: ',' and '=' become =2C and =3D (also RFC 7628's gs2). */
static void sbuf_add_saslname(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ',') {
			sbuf_adds(b, "=2C");
		} else if (*s == '=') {
			sbuf_adds(b, "=3D");
		} else {
			sbuf_add(b, s, 1);
		}
	}
}

/* The GS2 header: "n,," or "n,a=<authzid>,". */
static void sbuf_add_gs2_header(struct sbuf *b, const char *authzid)
{
	sbuf_adds(b, "n,");
	if (authzid && authzid[0] != '\0') {
		sbuf_adds(b, "a=");
		sbuf_add_saslname(b, authzid);
	}
	sbuf_adds(b, ",");
}

/* Build the mechanism's initial response into blob; false on failure. */
static bool sasl_initial_response(struct sasl *s, struct sbuf *blob, struct err *e)
{
	unsigned char raw[SASL_SCRAM_NONCE_BYTES];
	struct sbuf bare = { NULL, 0, 0 };
	bool ok = false;
	char portbuf[32];

	switch (s->mech) {
	case SASL_PLAIN:
		if (s->authzid) {
			sbuf_adds(blob, s->authzid);
		}
		sbuf_add(blob, "", 1);
		sbuf_adds(blob, s->user);
		sbuf_add(blob, "", 1);
		sbuf_adds(blob, s->secret);
		break;
	case SASL_XOAUTH2:
		sbuf_adds(blob, "user=");
		sbuf_adds(blob, s->user);
		sbuf_adds(blob, "\x01" "auth=Bearer ");
		sbuf_adds(blob, s->secret);
		sbuf_adds(blob, "\x01\x01");
		break;
	case SASL_OAUTHBEARER:
		sbuf_add_gs2_header(blob, s->authzid ? s->authzid : s->user);
		sbuf_adds(blob, "\x01");
		if (s->host) {
			sbuf_adds(blob, "host=");
			sbuf_adds(blob, s->host);
			sbuf_adds(blob, "\x01");
		}
		if (s->port > 0) {
			snprintf(portbuf, sizeof(portbuf), "port=%u\x01", s->port);
			sbuf_adds(blob, portbuf);
		}
		sbuf_adds(blob, "auth=Bearer ");
		sbuf_adds(blob, s->secret);
		sbuf_adds(blob, "\x01\x01");
		break;
	case SASL_SCRAM_SHA_256:
		if (!s->nonce) {
			if (!tlsc_random(raw, sizeof(raw))) {
				err_set(e, ERR_INTERNAL, "no random bytes for the SCRAM nonce");
				goto out;
			}
			if (!sasl_b64_encode(raw, sizeof(raw), &s->nonce)) {
				err_set(e, ERR_INTERNAL, "cannot encode the SCRAM nonce");
				goto out;
			}
		}
		sbuf_adds(&bare, "n=");
		sbuf_add_saslname(&bare, s->user);
		sbuf_adds(&bare, ",r=");
		sbuf_adds(&bare, s->nonce);
		sasl_free_secret_str(s->client_first_bare);
		s->client_first_bare = sbuf_steal(&bare);
		sbuf_add_gs2_header(blob, s->authzid);
		sbuf_adds(blob, s->client_first_bare);
		break;
	case SASL_LOGIN:
	case SASL_CRAM_MD5:
	case SASL_MECH_COUNT:
		break;
	}
	ok = true;
out:
	tlsc_cleanse(raw, sizeof(raw));
	sbuf_wipe(&bare);
	return ok;
}

bool sasl_start(struct sasl *s, char **line, char **display, struct err *e)
{
	struct sbuf blob = { NULL, 0, 0 };
	struct sbuf out = { NULL, 0, 0 };
	const char *name;
	bool ok = false;

	if (!s || !line || !display) {
		err_set(e, ERR_INTERNAL, "sasl_start: missing argument");
		goto out;
	}
	if (s->started) {
		err_set(e, ERR_USAGE, "the SASL exchange was already started");
		goto out;
	}
	name = sasl_mech_names[s->mech];
	if (!sasl_initial_response(s, &blob, e)) {
		s->failed = true;
		goto out;
	}
	sbuf_adds(&out, "AUTH ");
	sbuf_adds(&out, name);
	if (s->mech == SASL_LOGIN || s->mech == SASL_CRAM_MD5) {
		*display = xstrdup(out.p);
	} else {
		sbuf_adds(&out, " ");
		sbuf_add_b64(&out, blob.p, blob.len);
		if (s->mech == SASL_SCRAM_SHA_256) {
			/* The client-first message holds the user name and a nonce. */
			*display = xasprintf("%s (decoded: %s)", out.p, blob.p);
		} else {
			*display = xasprintf("AUTH %s " SASL_REDACTED, name);
		}
	}
	*line = sbuf_steal(&out);
	s->started = true;
	ok = true;
out:
	sbuf_wipe(&blob);
	sbuf_wipe(&out);
	return ok;
}

/* The decoded challenge as a C string, NUL bytes written as the text \x00. */
static char *sasl_challenge_text(const unsigned char *d, size_t n)
{
	struct strbuf b;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\0') {
			strbuf_adds(&b, "\\x00");
		} else {
			strbuf_add(&b, (const char *)d + i, 1);
		}
	}
	return strbuf_steal(&b);
}

/* Copy up to 200 bytes of server text into out, printable ASCII only. */
static void sasl_safe_copy(char *out, size_t outlen, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < outlen && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

/*
 * Take the attribute name at *p (e.g. 'r' for "r=...") up to the next ','
 * or end; advance past the ','. False when the next attribute is not name.
 */
static bool scram_attr(const char **p, const char *end, char name, const char **val,
	size_t *vlen)
{
	const char *q = *p, *comma;

	if (end - q < 2 || q[0] != name || q[1] != '=') {
		return false;
	}
	q += 2;
	comma = memchr(q, ',', (size_t)(end - q));
	*val = q;
	*vlen = comma ? (size_t)(comma - q) : (size_t)(end - q);
	*p = comma ? comma + 1 : end;
	return true;
}

struct scram_first {
	const char *nonce;
	size_t nonce_len;
	unsigned char *salt;
	size_t salt_len;
	unsigned iter;
};

/* Parse and check a server-first-message (RFC 5802 section 7). */
static bool scram_parse_first(const struct sasl *s, const char *msg, size_t len,
	struct scram_first *sf, struct err *e)
{
	const char *p = msg, *end = msg + len, *v;
	char *salt_text = NULL;
	size_t vlen, ours = strlen(s->nonce);
	unsigned long iter = 0;
	bool ok = false;

	if (strlen(msg) != len) {
		err_set(e, ERR_PROTO, "SCRAM server-first message contains a NUL byte");
		goto out;
	}
	if (len >= 2 && msg[0] == 'm' && msg[1] == '=') {
		err_set(e, ERR_PROTO, "SCRAM server requires an unsupported extension (m=)");
		goto out;
	}
	if (!scram_attr(&p, end, 'r', &v, &vlen)) {
		err_set(e, ERR_PROTO, "SCRAM server-first message does not start with r= (nonce)");
		goto out;
	}
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < 0x21 || v[i] > 0x7e) {
			err_set(e, ERR_PROTO, "SCRAM server nonce contains a non-printable byte");
			goto out;
		}
	}
	if (vlen <= ours || memcmp(v, s->nonce, ours) != 0) {
		err_set(e, ERR_PROTO, "SCRAM server nonce does not extend the client nonce "
			"(replayed or forged exchange)");
		goto out;
	}
	sf->nonce = v;
	sf->nonce_len = vlen;
	if (!scram_attr(&p, end, 's', &v, &vlen)) {
		err_set(e, ERR_PROTO, "SCRAM server-first message lacks s= (salt) after the nonce");
		goto out;
	}
	salt_text = xstrndup(v, vlen);
	if (!sasl_b64_decode(salt_text, &sf->salt, &sf->salt_len)) {
		err_set(e, ERR_PROTO, "SCRAM salt is not valid base64");
		goto out;
	}
	if (sf->salt_len == 0) {
		err_set(e, ERR_PROTO, "SCRAM salt is empty");
		goto out;
	}
	if (!scram_attr(&p, end, 'i', &v, &vlen)) {
		err_set(e, ERR_PROTO, "SCRAM server-first message lacks i= (iteration count) "
			"after the salt");
		goto out;
	}
	if (vlen == 0 || vlen > 10 || v[0] == '0') {
		err_set(e, ERR_PROTO, "SCRAM iteration count is not a positive number");
		goto out;
	}
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9') {
			err_set(e, ERR_PROTO, "SCRAM iteration count is not a positive number");
			goto out;
		}
		iter = iter * 10 + (unsigned long)(v[i] - '0');
	}
	if (iter < SASL_SCRAM_ITER_MIN || iter > SASL_SCRAM_ITER_MAX) {
		err_set(e, ERR_PROTO, "SCRAM iteration count %lu is outside the accepted %u..%u",
			iter, SASL_SCRAM_ITER_MIN, SASL_SCRAM_ITER_MAX);
		goto out;
	}
	sf->iter = (unsigned)iter;
	ok = true;
out:
	free(salt_text);
	if (!ok && sf->salt) {
		free(sf->salt);
		sf->salt = NULL;
	}
	return ok;
}

/* HMAC-SHA-256 into a 32-byte buffer. */
static bool scram_hmac(const void *key, size_t keylen, const void *data, size_t len,
	unsigned char out[SASL_SHA256_LEN])
{
	size_t n = SASL_SHA256_LEN;

	return tlsc_hmac("SHA256", key, keylen, data, len, out, &n) && n == SASL_SHA256_LEN;
}

/* Answer the server-first message with the client-final message. */
static bool scram_client_final(struct sasl *s, const char *msg, size_t len, struct sbuf *reply,
	struct err *e)
{
	struct scram_first sf = { NULL, 0, NULL, 0, 0 };
	unsigned char salted[SASL_SHA256_LEN], client_key[SASL_SHA256_LEN];
	unsigned char stored_key[SASL_SHA256_LEN], client_sig[SASL_SHA256_LEN];
	unsigned char proof[SASL_SHA256_LEN], server_key[SASL_SHA256_LEN];
	struct sbuf gs2 = { NULL, 0, 0 };
	struct sbuf final = { NULL, 0, 0 };
	struct sbuf auth = { NULL, 0, 0 };
	size_t n = SASL_SHA256_LEN;
	bool ok = false;

	if (!scram_parse_first(s, msg, len, &sf, e)) {
		goto out;
	}
	sbuf_add_gs2_header(&gs2, s->authzid);
	sbuf_adds(&final, "c=");
	sbuf_add_b64(&final, gs2.p, gs2.len);
	sbuf_adds(&final, ",r=");
	sbuf_add(&final, sf.nonce, sf.nonce_len);

	sbuf_adds(&auth, s->client_first_bare);
	sbuf_adds(&auth, ",");
	sbuf_add(&auth, msg, len);
	sbuf_adds(&auth, ",");
	sbuf_add(&auth, final.p, final.len);

	if (!tlsc_pbkdf2("SHA256", s->secret, strlen(s->secret), sf.salt, sf.salt_len, sf.iter,
			salted, sizeof(salted)) ||
			!scram_hmac(salted, sizeof(salted), "Client Key", 10, client_key) ||
			!tlsc_digest("SHA256", client_key, sizeof(client_key), stored_key, &n) ||
			n != SASL_SHA256_LEN ||
			!scram_hmac(stored_key, sizeof(stored_key), auth.p, auth.len, client_sig) ||
			!scram_hmac(salted, sizeof(salted), "Server Key", 10, server_key) ||
			!scram_hmac(server_key, sizeof(server_key), auth.p, auth.len,
				s->server_sig)) {
		err_set(e, ERR_INTERNAL, "SCRAM-SHA-256 key derivation failed in libcrypto");
		goto out;
	}
	for (size_t i = 0; i < SASL_SHA256_LEN; i++) {
		proof[i] = client_key[i] ^ client_sig[i];
	}
	sbuf_add(reply, final.p, final.len);
	sbuf_adds(reply, ",p=");
	sbuf_add_b64(reply, proof, sizeof(proof));
	ok = true;
out:
	if (sf.salt) {
		free(sf.salt);
	}
	tlsc_cleanse(salted, sizeof(salted));
	tlsc_cleanse(client_key, sizeof(client_key));
	tlsc_cleanse(stored_key, sizeof(stored_key));
	tlsc_cleanse(client_sig, sizeof(client_sig));
	tlsc_cleanse(proof, sizeof(proof));
	tlsc_cleanse(server_key, sizeof(server_key));
	sbuf_wipe(&gs2);
	sbuf_wipe(&final);
	sbuf_wipe(&auth);
	return ok;
}

/* Check the server-final message: v= must be the server signature. */
static bool scram_check_final(struct sasl *s, const char *msg, size_t len, struct err *e)
{
	const char *p = msg, *end = msg + len, *v;
	unsigned char *sig = NULL;
	char *text = NULL;
	char shown[256];
	size_t vlen, siglen = 0;
	bool ok = false;

	if (strlen(msg) != len) {
		err_set(e, ERR_PROTO, "SCRAM server-final message contains a NUL byte");
		goto out;
	}
	if (scram_attr(&p, end, 'e', &v, &vlen)) {
		sasl_safe_copy(shown, sizeof(shown), v, vlen);
		err_set(e, ERR_PROTO, "SCRAM server reported an error: %s", shown);
		goto out;
	}
	if (!scram_attr(&p, end, 'v', &v, &vlen)) {
		err_set(e, ERR_PROTO, "SCRAM server-final message has neither v= nor e=");
		goto out;
	}
	text = xstrndup(v, vlen);
	if (!sasl_b64_decode(text, &sig, &siglen)) {
		err_set(e, ERR_PROTO, "SCRAM server signature is not valid base64");
		goto out;
	}
	if (siglen != SASL_SHA256_LEN || !tlsc_memeq(sig, s->server_sig, SASL_SHA256_LEN)) {
		err_set(e, ERR_PROTO, "SCRAM server signature does NOT match: the server did not "
			"prove it knows the password (impostor or man in the middle?)");
		goto out;
	}
	s->verified = true;
	ok = true;
out:
	free(text);
	free(sig);
	return ok;
}

/* One step of the mechanism: fill reply (the bytes to base64) or set *raw_line. */
static bool sasl_mech_step(struct sasl *s, const unsigned char *chal, size_t clen,
	struct sbuf *reply, char **raw_line, char **display, struct err *e)
{
	unsigned char mac[TLSC_MD_MAX];
	size_t maclen = sizeof(mac);
	const char *name = sasl_mech_names[s->mech];
	char *b64 = NULL;
	bool ok = false;

	switch (s->mech) {
	case SASL_PLAIN:
		err_set(e, ERR_PROTO, "unexpected 334 challenge after the %s initial response",
			name);
		goto out;
	case SASL_LOGIN:
		if (s->steps == 0) {
			if (!sasl_b64_encode(s->user, strlen(s->user), &b64)) {
				err_set(e, ERR_INTERNAL, "cannot encode the user name");
				goto out;
			}
			sbuf_adds(reply, s->user);
			*display = xasprintf("%s (decoded: %s)", b64, s->user);
		} else if (s->steps == 1) {
			sbuf_adds(reply, s->secret);
			*display = xstrdup(SASL_REDACTED);
		} else {
			err_set(e, ERR_PROTO, "unexpected third LOGIN challenge");
			goto out;
		}
		break;
	case SASL_CRAM_MD5:
		if (s->steps > 0) {
			err_set(e, ERR_PROTO, "unexpected second CRAM-MD5 challenge");
			goto out;
		}
		if (clen == 0) {
			err_set(e, ERR_PROTO, "empty CRAM-MD5 challenge");
			goto out;
		}
		if (!tlsc_hmac("MD5", s->secret, strlen(s->secret), chal, clen, mac, &maclen)) {
			err_set(e, ERR_INTERNAL, "HMAC-MD5 is not available in libcrypto");
			goto out;
		}
		sbuf_adds(reply, s->user);
		sbuf_adds(reply, " ");
		for (size_t i = 0; i < maclen; i++) {
			sbuf_add(reply, &"0123456789abcdef"[mac[i] >> 4], 1);
			sbuf_add(reply, &"0123456789abcdef"[mac[i] & 0x0f], 1);
		}
		*display = xstrdup(SASL_REDACTED);
		break;
	case SASL_XOAUTH2:
	case SASL_OAUTHBEARER:
		if (s->steps > 0) {
			err_set(e, ERR_PROTO, "unexpected second %s challenge", name);
			goto out;
		}
		/* The challenge is the server's JSON error; the client must answer
		 * so the server can send the final failure reply. */
		s->oauth_error = true;
		*raw_line = xstrdup(s->mech == SASL_XOAUTH2 ? "" : "AQ==");
		*display = xstrdup(*raw_line);
		break;
	case SASL_SCRAM_SHA_256:
		if (s->steps == 0) {
			if (!scram_client_final(s, (const char *)chal, clen, reply, e)) {
				goto out;
			}
			*display = xstrdup(SASL_REDACTED);
		} else if (s->steps == 1) {
			if (!scram_check_final(s, (const char *)chal, clen, e)) {
				goto out;
			}
			*raw_line = xstrdup("");
			*display = xstrdup("");
		} else {
			err_set(e, ERR_PROTO, "unexpected 334 challenge after the SCRAM "
				"server-final message");
			goto out;
		}
		break;
	case SASL_MECH_COUNT:
		err_set(e, ERR_INTERNAL, "unknown SASL mechanism");
		goto out;
	}
	ok = true;
out:
	tlsc_cleanse(mac, sizeof(mac));
	free(b64);
	return ok;
}

bool sasl_step(struct sasl *s, const char *challenge_b64, char **line, char **display,
	char **decoded, struct err *e)
{
	struct sbuf reply = { NULL, 0, 0 };
	unsigned char *chal = NULL;
	size_t clen = 0;
	char *raw_line = NULL, *disp = NULL;
	bool ok = false;

	if (!s || !line || !display || !decoded) {
		err_set(e, ERR_INTERNAL, "sasl_step: missing argument");
		goto out;
	}
	if (!s->started) {
		err_set(e, ERR_USAGE, "the SASL exchange has not been started");
		goto out;
	}
	if (s->failed) {
		err_set(e, ERR_USAGE, "the SASL exchange already failed; cancel it with \"*\"");
		goto out;
	}
	if (!sasl_b64_decode(challenge_b64 ? challenge_b64 : "", &chal, &clen)) {
		s->failed = true;
		err_set(e, ERR_PROTO, "334 challenge is not valid base64");
		goto out;
	}
	*decoded = sasl_challenge_text(chal, clen);
	if (!sasl_mech_step(s, chal, clen, &reply, &raw_line, &disp, e)) {
		s->failed = true;
		goto out;
	}
	if (!raw_line) {
		struct sbuf enc = { NULL, 0, 0 };

		sbuf_add_b64(&enc, reply.p, reply.len);
		raw_line = sbuf_steal(&enc);
	}
	s->steps++;
	*line = raw_line;
	*display = disp;
	raw_line = NULL;
	disp = NULL;
	ok = true;
out:
	sasl_line_free(raw_line);
	free(disp);
	sbuf_wipe(&reply);
	if (chal) {
		tlsc_cleanse(chal, clen);
		free(chal);
	}
	return ok;
}

bool sasl_finished_ok(const struct sasl *s)
{
	if (!s || !s->started || s->failed) {
		return false;
	}
	switch (s->mech) {
	case SASL_PLAIN:
		return s->steps == 0;
	case SASL_LOGIN:
		return s->steps == 2;
	case SASL_CRAM_MD5:
		return s->steps == 1;
	case SASL_XOAUTH2:
	case SASL_OAUTHBEARER:
		return !s->oauth_error;
	case SASL_SCRAM_SHA_256:
		return s->verified;
	case SASL_MECH_COUNT:
		break;
	}
	return false;
}

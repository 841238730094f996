/* SPDX-License-Identifier: MIT */
/* SMTP AUTH client mechanisms as a state machine; secrets wiped after use. */
#include "sasl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sasl_int.h"
#include "tls_crypto.h"
#include "util.h"

#define SASL_REDACTED "[redacted]"

static const char *const sasl_mech_names[SASL_MECH_COUNT] = {
	[SASL_PLAIN] = "PLAIN",
	[SASL_LOGIN] = "LOGIN",
	[SASL_CRAM_MD5] = "CRAM-MD5",
	[SASL_XOAUTH2] = "XOAUTH2",
	[SASL_OAUTHBEARER] = "OAUTHBEARER",
	[SASL_SCRAM_SHA_256] = "SCRAM-SHA-256",
};

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

/* Build the mechanism's initial response into blob; false on failure. */
static bool sasl_initial_response(struct sasl *s, struct sasl_buf *blob, struct err *e)
{
	char portbuf[32];

	switch (s->mech) {
	case SASL_PLAIN:
		if (s->authzid) {
			sasl_buf_adds(blob, s->authzid);
		}
		sasl_buf_add(blob, "", 1);
		sasl_buf_adds(blob, s->user);
		sasl_buf_add(blob, "", 1);
		sasl_buf_adds(blob, s->secret);
		break;
	case SASL_XOAUTH2:
		sasl_buf_adds(blob, "user=");
		sasl_buf_adds(blob, s->user);
		sasl_buf_adds(blob, "\x01" "auth=Bearer ");
		sasl_buf_adds(blob, s->secret);
		sasl_buf_adds(blob, "\x01\x01");
		break;
	case SASL_OAUTHBEARER:
		sasl_buf_add_gs2_header(blob, s->authzid ? s->authzid : s->user);
		sasl_buf_adds(blob, "\x01");
		if (s->host) {
			sasl_buf_adds(blob, "host=");
			sasl_buf_adds(blob, s->host);
			sasl_buf_adds(blob, "\x01");
		}
		if (s->port > 0) {
			snprintf(portbuf, sizeof(portbuf), "port=%u\x01", s->port);
			sasl_buf_adds(blob, portbuf);
		}
		sasl_buf_adds(blob, "auth=Bearer ");
		sasl_buf_adds(blob, s->secret);
		sasl_buf_adds(blob, "\x01\x01");
		break;
	case SASL_SCRAM_SHA_256:
		return sasl_scram_client_first(s, blob, e);
	case SASL_LOGIN:
	case SASL_CRAM_MD5:
	case SASL_MECH_COUNT:
		break;
	}
	return true;
}

bool sasl_start(struct sasl *s, char **line, char **display, struct err *e)
{
	struct sasl_buf blob = { NULL, 0, 0 };
	struct sasl_buf out = { NULL, 0, 0 };
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
	sasl_buf_adds(&out, "AUTH ");
	sasl_buf_adds(&out, name);
	if (s->mech == SASL_LOGIN || s->mech == SASL_CRAM_MD5) {
		*display = xstrdup(out.p);
	} else {
		sasl_buf_adds(&out, " ");
		sasl_buf_add_b64(&out, blob.p, blob.len);
		if (s->mech == SASL_SCRAM_SHA_256) {
			/* The client-first message holds the user name and a nonce. */
			*display = xasprintf("%s (decoded: %s)", out.p, blob.p);
		} else {
			*display = xasprintf("AUTH %s " SASL_REDACTED, name);
		}
	}
	*line = sasl_buf_steal(&out);
	s->started = true;
	ok = true;
out:
	sasl_buf_wipe(&blob);
	sasl_buf_wipe(&out);
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

/* One step of the mechanism: fill reply (the bytes to base64) or set *raw_line. */
static bool sasl_mech_step(struct sasl *s, const unsigned char *chal, size_t clen,
	struct sasl_buf *reply, char **raw_line, char **display, struct err *e)
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
			sasl_buf_adds(reply, s->user);
			*display = xasprintf("%s (decoded: %s)", b64, s->user);
		} else if (s->steps == 1) {
			sasl_buf_adds(reply, s->secret);
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
		sasl_buf_adds(reply, s->user);
		sasl_buf_adds(reply, " ");
		for (size_t i = 0; i < maclen; i++) {
			sasl_buf_add(reply, &"0123456789abcdef"[mac[i] >> 4], 1);
			sasl_buf_add(reply, &"0123456789abcdef"[mac[i] & 0x0f], 1);
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
			if (!sasl_scram_client_final(s, (const char *)chal, clen, reply, e)) {
				goto out;
			}
			*display = xstrdup(SASL_REDACTED);
		} else if (s->steps == 1) {
			if (!sasl_scram_check_final(s, (const char *)chal, clen, e)) {
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
	struct sasl_buf reply = { NULL, 0, 0 };
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
		struct sasl_buf enc = { NULL, 0, 0 };

		sasl_buf_add_b64(&enc, reply.p, reply.len);
		raw_line = sasl_buf_steal(&enc);
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
	sasl_buf_wipe(&reply);
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

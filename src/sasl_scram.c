/* SPDX-License-Identifier: MIT */
/* SCRAM-SHA-256 (RFC 5802, RFC 7677): the client's messages and the checks of the server's. */
#include "sasl_int.h"

#include <stdlib.h>
#include <string.h>

#include "tls_crypto.h"
#include "util.h"

#define SASL_SCRAM_NONCE_BYTES 24

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

bool sasl_scram_client_first(struct sasl *s, struct sasl_buf *blob, struct err *e)
{
	unsigned char raw[SASL_SCRAM_NONCE_BYTES];
	struct sasl_buf bare = { NULL, 0, 0 };
	bool ok = false;

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
	sasl_buf_adds(&bare, "n=");
	sasl_buf_add_saslname(&bare, s->user);
	sasl_buf_adds(&bare, ",r=");
	sasl_buf_adds(&bare, s->nonce);
	sasl_free_secret_str(s->client_first_bare);
	s->client_first_bare = sasl_buf_steal(&bare);
	sasl_buf_add_gs2_header(blob, s->authzid);
	sasl_buf_adds(blob, s->client_first_bare);
	ok = true;
out:
	tlsc_cleanse(raw, sizeof(raw));
	sasl_buf_wipe(&bare);
	return ok;
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

bool sasl_scram_client_final(struct sasl *s, const char *msg, size_t len,
	struct sasl_buf *reply, struct err *e)
{
	struct scram_first sf = { NULL, 0, NULL, 0, 0 };
	unsigned char salted[SASL_SHA256_LEN], client_key[SASL_SHA256_LEN];
	unsigned char stored_key[SASL_SHA256_LEN], client_sig[SASL_SHA256_LEN];
	unsigned char proof[SASL_SHA256_LEN], server_key[SASL_SHA256_LEN];
	struct sasl_buf gs2 = { NULL, 0, 0 };
	struct sasl_buf final = { NULL, 0, 0 };
	struct sasl_buf auth = { NULL, 0, 0 };
	size_t n = SASL_SHA256_LEN;
	bool ok = false;

	if (!scram_parse_first(s, msg, len, &sf, e)) {
		goto out;
	}
	sasl_buf_add_gs2_header(&gs2, s->authzid);
	sasl_buf_adds(&final, "c=");
	sasl_buf_add_b64(&final, gs2.p, gs2.len);
	sasl_buf_adds(&final, ",r=");
	sasl_buf_add(&final, sf.nonce, sf.nonce_len);

	sasl_buf_adds(&auth, s->client_first_bare);
	sasl_buf_adds(&auth, ",");
	sasl_buf_add(&auth, msg, len);
	sasl_buf_adds(&auth, ",");
	sasl_buf_add(&auth, final.p, final.len);

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
	sasl_buf_add(reply, final.p, final.len);
	sasl_buf_adds(reply, ",p=");
	sasl_buf_add_b64(reply, proof, sizeof(proof));
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
	sasl_buf_wipe(&gs2);
	sasl_buf_wipe(&final);
	sasl_buf_wipe(&auth);
	return ok;
}

bool sasl_scram_check_final(struct sasl *s, const char *msg, size_t len, struct err *e)
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

/* SPDX-License-Identifier: MIT */
/* The wiping buffer of the SASL code and the encodings it builds messages with. */
#include "sasl_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_crypto.h"
#include "util.h"

static const char sasl_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void sasl_buf_reserve(struct sasl_buf *b, size_t n)
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

void sasl_buf_add(struct sasl_buf *b, const void *data, size_t n)
{
	sasl_buf_reserve(b, n);
	if (n > 0) {
		memcpy(b->p + b->len, data, n);
	}
	b->len += n;
	b->p[b->len] = '\0';
}

void sasl_buf_adds(struct sasl_buf *b, const char *s)
{
	sasl_buf_add(b, s, strlen(s));
}

void sasl_buf_wipe(struct sasl_buf *b)
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
char *sasl_buf_steal(struct sasl_buf *b)
{
	char *p;

	sasl_buf_reserve(b, 0);
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
void sasl_buf_add_b64(struct sasl_buf *b, const void *data, size_t len)
{
	/* No overflow: data is at most half the address space (an object in
	 * memory), so its encoding fits in size_t. */
	size_t n = (len + 2) / 3 * 4;

	sasl_buf_reserve(b, n);
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

void sasl_free_secret_str(char *p)
{
	if (p) {
		tlsc_cleanse(p, strlen(p));
		free(p);
	}
}

/* RFC 5802 saslname: ',' and '=' become =2C and =3D (also RFC 7628's gs2). */
void sasl_buf_add_saslname(struct sasl_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ',') {
			sasl_buf_adds(b, "=2C");
		} else if (*s == '=') {
			sasl_buf_adds(b, "=3D");
		} else {
			sasl_buf_add(b, s, 1);
		}
	}
}

/* The GS2 header: "n,," or "n,a=<authzid>,". */
void sasl_buf_add_gs2_header(struct sasl_buf *b, const char *authzid)
{
	sasl_buf_adds(b, "n,");
	if (authzid && authzid[0] != '\0') {
		sasl_buf_adds(b, "a=");
		sasl_buf_add_saslname(b, authzid);
	}
	sasl_buf_adds(b, ",");
}

/* SPDX-License-Identifier: MIT */
/* TLS with OpenSSL: handshake, verification that reports, chain summary, DANE. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util.h"

/* How long a read may wait for the socket to take a pending TLS write
 * (a key update answer) before it gives up for this call. */
#define TLSC_READ_FLUSH_MS 1000
/* How much of early plaintext goes into an error message. */
#define TLSC_PREVIEW 40

struct tlsc {
	SSL *ssl;
	int fd;
	bool verify_required;
	bool dane;              /* usable TLSA records went to OpenSSL */
	bool name_set;          /* a host name or address is checked */
	bool connected;         /* the handshake completed */
	bool fatal;             /* a fatal error: no close_notify may follow */
	char sni[256];
	char verify_name[256];
	/* Filled by the verify callback. */
	bool verify_called;
	long chain_err;         /* the first error that is not a name mismatch */
	int chain_err_depth;
	char chain_err_subject[160];
	bool name_mismatch;
	/* Filled by the info and message callbacks, for error messages. */
	int alert_in;           /* last alert received, -1 none */
	int alert_out;          /* last alert sent, -1 none */
	unsigned char rec_hdr[5];
	size_t rec_hdr_len;
	bool cert_requested;    /* the server sent a CertificateRequest */
	bool have_cert;         /* and there was a client certificate to give */
	/* Copies of the TLSA records given; unusable[i] when OpenSSL did not take one. */
	struct tlsc_tlsa *tlsa;
	unsigned char *tlsa_blob;
	bool *unusable;
	size_t ntlsa;
};

/* One SSL_CTX is kept for the last option set: loading trust roots is most
 * of the cost of a STARTTLS probe, and a session usually repeats it. */
static struct {
	SSL_CTX *ctx;
	char *key;
	bool store_loaded;
} tlsc_cache;

static BIO_METHOD *tlsc_bio_method;

/* ---- Small helpers ---- */

static void tlsc_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Append OpenSSL's error queue (and empty it) to out, "; "-separated. */
static void tlsc_ssl_errors(char *out, size_t len)
{
	unsigned long code;
	char one[256], last[256] = "";
	size_t used = strlen(out);

	while ((code = ERR_get_error()) != 0) {
		ERR_error_string_n(code, one, sizeof(one));
		if (strcmp(one, last) == 0) {
			continue;
		}
		snprintf(last, sizeof(last), "%s", one);
		if (used + 3 < len) {
			snprintf(out + used, len - used, "%s%s", used ? "; " : "", one);
			used = strlen(out);
		}
	}
}

/* Printable rendering of untrusted bytes: \r, \n and \xNN escapes. */
static void tlsc_escape(const unsigned char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i++) {
		if (s[i] == '\r') {
			o += (size_t)snprintf(out + o, len - o, "\\r");
		} else if (s[i] == '\n') {
			o += (size_t)snprintf(out + o, len - o, "\\n");
		} else if (s[i] == '"' || s[i] == '\\') {
			o += (size_t)snprintf(out + o, len - o, "\\%c", s[i]);
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			out[o++] = (char)s[i];
		} else {
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", s[i]);
		}
	}
	out[o < len ? o : len - 1] = '\0';
}

static char *tlsc_escape_dup(const unsigned char *s, size_t n)
{
	size_t len = n * 4 + 1;
	char *out = xmalloc(len);

	tlsc_escape(s, n, out, len);
	return out;
}

/* Copy a host name for SNI and name checks: no brackets, no IPv6 zone, no
 * trailing dot (RFC 6066 forbids it in SNI; certificates never carry it). */
static void tlsc_bare_name(const char *name, char *out, size_t len)
{
	size_t n;
	char *p;

	if (name[0] == '[') {
		name++;
	}
	tlsc_copy(out, len, name);
	n = strlen(out);
	if (n > 0 && out[n - 1] == ']') {
		out[--n] = '\0';
	}
	if ((p = strchr(out, '%')) != NULL && strchr(out, ':') != NULL) {
		*p = '\0';
		n = strlen(out);
	}
	if (n > 1 && out[n - 1] == '.') {
		out[n - 1] = '\0';
	}
}

static bool tlsc_is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Wait for fd to become readable or writable, until deadline (ms, <0 none). */
static int tlsc_wait(int fd, bool want_write, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = want_write ? POLLOUT : POLLIN };
	int r;

	for (;;) {
		int left = -1;

		if (deadline >= 0) {
			int64_t d = deadline - now_ms();

			if (d <= 0) {
				return 0;
			}
			left = d > INT32_MAX ? INT32_MAX : (int)d;
		}
		r = poll(&p, 1, left);
		if (r >= 0 || errno != EINTR) {
			return r;
		}
	}
}

static int64_t tlsc_deadline(int timeout_ms)
{
	return timeout_ms > 0 ? now_ms() + timeout_ms : -1;
}

/* ---- A socket BIO that cannot raise SIGPIPE ---- */

/* OpenSSL's socket BIO writes with write(2): a server that has gone away
 * would kill the shell with SIGPIPE. This one sends with MSG_NOSIGNAL. */
static int tlsc_bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int tlsc_bio_write(BIO *b, const char *buf, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(tlsc_bio_fd(b), buf, (size_t)len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		BIO_set_retry_write(b);
	}
	return (int)n;
}

static int tlsc_bio_read(BIO *b, char *buf, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(tlsc_bio_fd(b), buf, (size_t)len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		BIO_set_retry_read(b);
	} else if (n == 0) {
		/* What lets OpenSSL 3 tell an EOF from a socket error. */
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	}
	return (int)n;
}

static long tlsc_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	case BIO_C_GET_FD:
		if (ptr) {
			*(int *)ptr = tlsc_bio_fd(b);
		}
		return tlsc_bio_fd(b);
	default:
		return 0;
	}
}

static BIO *tlsc_bio_new(int fd)
{
	BIO *b;

	if (!tlsc_bio_method) {
		BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
			BIO_TYPE_DESCRIPTOR, "smtpsh socket");

		if (!m) {
			return NULL;
		}
		BIO_meth_set_write(m, tlsc_bio_write);
		BIO_meth_set_read(m, tlsc_bio_read);
		BIO_meth_set_ctrl(m, tlsc_bio_ctrl);
		tlsc_bio_method = m;
	}
	b = BIO_new(tlsc_bio_method);
	if (b) {
		BIO_set_data(b, (void *)(intptr_t)fd);
		BIO_set_init(b, 1);
	}
	return b;
}

/* ---- The SSL_CTX ---- */

static int tlsc_proto(int v)
{
	switch (v) {
	case 10:
		return TLS1_VERSION;
	case 11:
		return TLS1_1_VERSION;
	case 12:
		return TLS1_2_VERSION;
	case 13:
		return TLS1_3_VERSION;
	default:
		return -1;
	}
}

/* Never let OpenSSL prompt on the terminal for a key's pass phrase. */
static int tlsc_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static void tlsc_key_add(struct strbuf *b, const char *s)
{
	if (s) {
		strbuf_addf(b, "+%s\x1f", s);
	} else {
		strbuf_adds(b, "-\x1f");
	}
}

static SSL_CTX *tlsc_ctx_new(const struct tlsc_opts *o, struct err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX *ret = NULL;
	int min = o->min_version ? tlsc_proto(o->min_version) : TLS1_2_VERSION;
	int max = o->max_version ? tlsc_proto(o->max_version) : 0;
	char why[400] = "";

	if (!ctx) {
		tlsc_ssl_errors(why, sizeof(why));
		err_set(e, ERR_TLS, "cannot set up TLS: %s", why);
		goto out;
	}
	if (min < 0 || max < 0) {
		err_set(e, ERR_USAGE, "TLS version %d: use 10, 11, 12 or 13 (TLS 1.0 to 1.3)",
			min < 0 ? o->min_version : o->max_version);
		goto out;
	}
	if (max && min > max) {
		err_set(e, ERR_USAGE, "the minimum TLS version is above the maximum");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ctx, min);
	SSL_CTX_set_max_proto_version(ctx, max);
	if (min < TLS1_2_VERSION) {
		/* OpenSSL 3 refuses TLS 1.0/1.1 at the default security level;
		 * asking for them is asking to talk to old servers. */
		SSL_CTX_set_security_level(ctx, 0);
	}
	if (o->ciphers && SSL_CTX_set_cipher_list(ctx, o->ciphers) != 1) {
		ERR_clear_error();
		err_set(e, ERR_USAGE, "no TLS 1.2 cipher matches \"%s\"", o->ciphers);
		goto out;
	}
	if (o->ciphersuites && SSL_CTX_set_ciphersuites(ctx, o->ciphersuites) != 1) {
		ERR_clear_error();
		err_set(e, ERR_USAGE, "not a valid TLS 1.3 cipher suite list: \"%s\"", o->ciphersuites);
		goto out;
	}
	SSL_CTX_set_default_passwd_cb(ctx, tlsc_no_password);
	if (o->cert_file) {
		const char *key = o->key_file ? o->key_file : o->cert_file;

		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1) {
			tlsc_ssl_errors(why, sizeof(why));
			err_set(e, ERR_IO, "client certificate %s: %s", o->cert_file, why);
			goto out;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
			tlsc_ssl_errors(why, sizeof(why));
			err_set(e, ERR_IO, "client key %s (it must be PEM and not encrypted): %s", key, why);
			goto out;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			tlsc_ssl_errors(why, sizeof(why));
			err_set(e, ERR_IO, "client key %s does not belong to certificate %s: %s", key,
				o->cert_file, why);
			goto out;
		}
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	ret = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	return ret;
}

/* The SSL_CTX for this option set, from the cache when it matches. The trust
 * store is loaded only when PKIX verification is used (not for DANE). */
static SSL_CTX *tlsc_ctx_get(const struct tlsc_opts *o, bool need_store, struct err *e)
{
	struct strbuf key;
	SSL_CTX *ret = NULL;
	char why[400] = "";

	strbuf_init(&key);
	tlsc_key_add(&key, o->ca_file);
	tlsc_key_add(&key, o->ca_path);
	tlsc_key_add(&key, o->ciphers);
	tlsc_key_add(&key, o->ciphersuites);
	tlsc_key_add(&key, o->cert_file);
	tlsc_key_add(&key, o->key_file);
	strbuf_addf(&key, "%d\x1f%d", o->min_version, o->max_version);

	if (!tlsc_cache.ctx || strcmp(tlsc_cache.key, key.s) != 0) {
		SSL_CTX *ctx = tlsc_ctx_new(o, e);

		if (!ctx) {
			goto out;
		}
		SSL_CTX_free(tlsc_cache.ctx);
		free(tlsc_cache.key);
		tlsc_cache.ctx = ctx;
		tlsc_cache.key = strbuf_steal(&key);
		tlsc_cache.store_loaded = false;
	}
	if (need_store && !tlsc_cache.store_loaded) {
		int ok;

		if (o->ca_file || o->ca_path) {
			ok = SSL_CTX_load_verify_locations(tlsc_cache.ctx, o->ca_file, o->ca_path);
		} else {
			ok = SSL_CTX_set_default_verify_paths(tlsc_cache.ctx);
		}
		if (ok != 1) {
			tlsc_ssl_errors(why, sizeof(why));
			err_set(e, ERR_IO, "cannot load trusted CA certificates from %s: %s",
				o->ca_file ? o->ca_file : o->ca_path ? o->ca_path : "the system store",
				why);
			goto out;
		}
		tlsc_cache.store_loaded = true;
	}
	ret = tlsc_cache.ctx;
out:
	strbuf_finish(&key);
	return ret;
}

void tlsc_cleanup(void)
{
	SSL_CTX_free(tlsc_cache.ctx);
	free(tlsc_cache.key);
	memset(&tlsc_cache, 0, sizeof(tlsc_cache));
	BIO_meth_free(tlsc_bio_method);
	tlsc_bio_method = NULL;
}

/* ---- Callbacks ---- */

static void tlsc_name_text(X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (!b) {
		return;
	}
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		snprintf(out, len, "%.*s", (int)(n > 0 ? n : 0), p);
	}
	BIO_free(b);
}

/* Record what verification found; fail the handshake only when asked to,
 * so that an opportunistic session still shows the certificate. */
static int tlsc_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tlsc *t = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!t) {
		return ok;
	}
	t->verify_called = true;
	if (!ok) {
		int err = X509_STORE_CTX_get_error(sctx);

		if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
			t->name_mismatch = true;
		} else if (t->chain_err == X509_V_OK) {
			X509 *cert = X509_STORE_CTX_get_current_cert(sctx);

			t->chain_err = err != X509_V_OK ? err : X509_V_ERR_UNSPECIFIED;
			t->chain_err_depth = X509_STORE_CTX_get_error_depth(sctx);
			t->chain_err_subject[0] = '\0';
			if (cert) {
				tlsc_name_text(X509_get_subject_name(cert), t->chain_err_subject,
					sizeof(t->chain_err_subject));
			}
		}
	}
	return t->verify_required ? ok : 1;
}

static void tlsc_info_cb(const SSL *ssl, int where, int ret)
{
	struct tlsc *t = SSL_get_app_data(ssl);

	if (!t || !(where & SSL_CB_ALERT) || (ret & 0xff) == SSL_AD_CLOSE_NOTIFY) {
		return;
	}
	if (where & SSL_CB_READ) {
		t->alert_in = ret & 0xff;
	} else {
		t->alert_out = ret & 0xff;
	}
}

/* Keep the first record header received: when it is plaintext, the error
 * message can show what the server actually said. */
static void tlsc_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
	SSL *ssl, void *arg)
{
	struct tlsc *t = SSL_get_app_data(ssl);

	(void)version;
	(void)arg;
	if (!t || write_p) {
		return;
	}
	if (content_type == SSL3_RT_HANDSHAKE && len > 0 &&
			((const unsigned char *)buf)[0] == SSL3_MT_CERTIFICATE_REQUEST) {
		t->cert_requested = true;
	}
	if (content_type != SSL3_RT_HEADER || t->rec_hdr_len > 0) {
		return;
	}
	t->rec_hdr_len = len < sizeof(t->rec_hdr) ? len : sizeof(t->rec_hdr);
	memcpy(t->rec_hdr, buf, t->rec_hdr_len);
}

/* ---- Error messages ---- */

/* RFC 8446 alert names; OpenSSL 3.0 calls some of the TLS 1.3 ones "unknown". */
static const char *tlsc_alert_name(int desc)
{
	switch (desc) {
	case SSL_AD_CLOSE_NOTIFY:
		return "close notify";
	case SSL_AD_UNEXPECTED_MESSAGE:
		return "unexpected message";
	case SSL_AD_BAD_RECORD_MAC:
		return "bad record MAC";
	case SSL_AD_RECORD_OVERFLOW:
		return "record overflow";
	case SSL_AD_HANDSHAKE_FAILURE:
		return "handshake failure";
	case SSL_AD_BAD_CERTIFICATE:
		return "bad certificate";
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
		return "unsupported certificate";
	case SSL_AD_CERTIFICATE_REVOKED:
		return "certificate revoked";
	case SSL_AD_CERTIFICATE_EXPIRED:
		return "certificate expired";
	case SSL_AD_CERTIFICATE_UNKNOWN:
		return "certificate unknown";
	case SSL_AD_ILLEGAL_PARAMETER:
		return "illegal parameter";
	case SSL_AD_UNKNOWN_CA:
		return "unknown CA";
	case SSL_AD_ACCESS_DENIED:
		return "access denied";
	case SSL_AD_DECODE_ERROR:
		return "decode error";
	case SSL_AD_DECRYPT_ERROR:
		return "decrypt error";
	case SSL_AD_PROTOCOL_VERSION:
		return "protocol version";
	case SSL_AD_INSUFFICIENT_SECURITY:
		return "insufficient security";
	case SSL_AD_INTERNAL_ERROR:
		return "internal error";
	case SSL_AD_INAPPROPRIATE_FALLBACK:
		return "inappropriate fallback";
	case SSL_AD_USER_CANCELLED:
		return "user canceled";
	case SSL_AD_MISSING_EXTENSION:
		return "missing extension";
	case SSL_AD_UNSUPPORTED_EXTENSION:
		return "unsupported extension";
	case SSL_AD_UNRECOGNIZED_NAME:
		return "unrecognized name";
	case SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE:
		return "bad certificate status response";
	case SSL_AD_UNKNOWN_PSK_IDENTITY:
		return "unknown PSK identity";
	case SSL_AD_CERTIFICATE_REQUIRED:
		return "certificate required";
	case SSL_AD_NO_APPLICATION_PROTOCOL:
		return "no application protocol";
	default:
		return SSL_alert_desc_string_long(desc);
	}
}

static const char *tlsc_alert_hint(int desc)
{
	switch (desc) {
	case SSL_AD_HANDSHAKE_FAILURE:
		return "no protocol version or cipher in common, or the server wants a client "
			"certificate";
	case SSL_AD_PROTOCOL_VERSION:
		return "the server does not accept the TLS versions offered";
	case SSL_AD_INSUFFICIENT_SECURITY:
		return "the server wants stronger ciphers than those offered";
	case SSL_AD_UNRECOGNIZED_NAME:
		return "the server does not know the name sent as SNI";
	case SSL_AD_CERTIFICATE_REQUIRED:
		return "the server requires a client certificate";
	case SSL_AD_BAD_CERTIFICATE:
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
	case SSL_AD_CERTIFICATE_REVOKED:
	case SSL_AD_CERTIFICATE_EXPIRED:
	case SSL_AD_CERTIFICATE_UNKNOWN:
	case SSL_AD_UNKNOWN_CA:
	case SSL_AD_ACCESS_DENIED:
		return "the server rejected the client certificate";
	case SSL_AD_INTERNAL_ERROR:
		return "the server had an internal error";
	default:
		return NULL;
	}
}

static bool tlsc_printable(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((s[i] < 0x20 || s[i] >= 0x7f) && s[i] != '\r' && s[i] != '\n' && s[i] != '\t') {
			return false;
		}
	}
	return n > 0;
}

/* Explain why a TLS operation failed: what the server did in words an admin
 * knows, then OpenSSL's own reasons. ssl_err is SSL_get_error's answer. */
static void tlsc_explain(struct tlsc *t, int ssl_err, int saved_errno, const char *what,
	char *out, size_t len)
{
	unsigned long first = ERR_peek_error();
	int reason = ERR_GET_LIB(first) == ERR_LIB_SSL ? ERR_GET_REASON(first) : 0;
	char queue[320] = "";
	char lead[320];
	bool got_bytes = BIO_number_read(SSL_get_rbio(t->ssl)) > 0;

	tlsc_ssl_errors(queue, sizeof(queue));
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && t->chain_err != X509_V_OK) {
		if (t->chain_err == X509_V_ERR_DANE_NO_MATCH) {
			snprintf(lead, sizeof(lead), "certificate verification failed: no TLSA record "
				"matches the certificates the server sent (DANE)");
		} else {
			snprintf(lead, sizeof(lead), "certificate verification failed: %s (depth %d%s%s)",
				X509_verify_cert_error_string(t->chain_err), t->chain_err_depth,
				t->chain_err_subject[0] ? ": " : "", t->chain_err_subject);
		}
	} else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && t->name_mismatch) {
		snprintf(lead, sizeof(lead), "certificate verification failed: the certificate is not "
			"valid for %.200s (%s)", t->verify_name,
			tlsc_is_ip(t->verify_name) ? "IP address mismatch" : "hostname mismatch");
	} else if (t->alert_in >= 0) {
		const char *hint = tlsc_alert_hint(t->alert_in);

		if ((t->alert_in == SSL_AD_HANDSHAKE_FAILURE ||
				t->alert_in == SSL_AD_CERTIFICATE_REQUIRED) && t->cert_requested &&
				!t->have_cert) {
			hint = "the server asked for a client certificate and none was given";
		}

		snprintf(lead, sizeof(lead), "%s: the server sent the TLS alert \"%s\"%s%s", what,
			tlsc_alert_name(t->alert_in), hint ? ": " : "", hint ? hint : "");
	} else if ((reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST ||
			reason == SSL_R_PACKET_LENGTH_TOO_LONG) && t->rec_hdr_len > 0) {
		char seen[32];

		tlsc_escape(t->rec_hdr, t->rec_hdr_len, seen, sizeof(seen));
		snprintf(lead, sizeof(lead), "%s: the server sent %s instead of a TLS record "
			"(\"%s...\": wrong version number)", what,
			tlsc_printable(t->rec_hdr, t->rec_hdr_len) ? "plaintext" : "bytes that are not TLS",
			seen);
	} else if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
			(ssl_err == SSL_ERROR_SYSCALL && saved_errno == 0)) {
		snprintf(lead, sizeof(lead), "%s: the server closed the connection%s", what,
			got_bytes ? "" : " without answering");
	} else if (ssl_err == SSL_ERROR_SYSCALL &&
			(saved_errno == EPIPE || saved_errno == ECONNRESET)) {
		snprintf(lead, sizeof(lead), "%s: the server closed the connection (%s)", what,
			strerror(saved_errno));
	} else if (ssl_err == SSL_ERROR_SYSCALL && saved_errno != 0) {
		snprintf(lead, sizeof(lead), "%s: %s", what, strerror(saved_errno));
	} else if (t->alert_out >= 0) {
		snprintf(lead, sizeof(lead), "%s: this side sent the TLS alert \"%s\"", what,
			tlsc_alert_name(t->alert_out));
	} else {
		snprintf(lead, sizeof(lead), "%s", what);
	}
	snprintf(out, len, "%s", lead);
	if (queue[0]) {
		size_t n = strlen(out);

		snprintf(out + n, len - n, " (OpenSSL: %s)", queue);
	}
}

/* ---- Handshake ---- */

static bool tlsc_peek(int fd, unsigned char *buf, size_t len, size_t *n)
{
	ssize_t r = recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
	int avail = 0;

	*n = r > 0 ? (size_t)r : 0;
	if (r > 0 && ioctl(fd, FIONREAD, &avail) == 0 && (size_t)avail > *n) {
		*n = (size_t)avail;
	}
	return r > 0;
}

bool tlsc_peek_early_bytes(int fd, size_t *n)
{
	unsigned char buf[512];
	size_t got;
	bool any = tlsc_peek(fd, buf, sizeof(buf), &got);

	if (n) {
		*n = got;
	}
	return any;
}

static bool tlsc_tlsa_valid(const struct tlsc_tlsa *r)
{
	if (r->usage != 2 && r->usage != 3) {
		return false;   /* PKIX-TA/EE: unusable for SMTP, RFC 7672 section 3.1.3 */
	}
	if (r->selector > 1 || !r->data || r->len == 0) {
		return false;
	}
	switch (r->mtype) {
	case 0:
		return true;
	case 1:
		return r->len == 32;
	case 2:
		return r->len == 64;
	default:
		return false;
	}
}

static void tlsc_tlsa_copy(struct tlsc *t, const struct tlsc_opts *o)
{
	size_t total = 0, off = 0;

	if (o->ntlsa == 0 || !o->tlsa) {
		return;
	}
	for (size_t i = 0; i < o->ntlsa; i++) {
		total += o->tlsa[i].data ? o->tlsa[i].len : 0;
	}
	t->ntlsa = o->ntlsa;
	t->tlsa = xcalloc(o->ntlsa, sizeof(*t->tlsa));
	t->unusable = xcalloc(o->ntlsa, sizeof(*t->unusable));
	t->tlsa_blob = xmalloc(total);
	for (size_t i = 0; i < o->ntlsa; i++) {
		t->tlsa[i] = o->tlsa[i];
		if (o->tlsa[i].data && o->tlsa[i].len) {
			memcpy(t->tlsa_blob + off, o->tlsa[i].data, o->tlsa[i].len);
			t->tlsa[i].data = t->tlsa_blob + off;
			off += o->tlsa[i].len;
		} else {
			t->tlsa[i].data = NULL;
			t->tlsa[i].len = 0;
		}
		t->unusable[i] = !tlsc_tlsa_valid(&t->tlsa[i]);
	}
}

/* DANE (RFC 7672) with OpenSSL's own support; false on an internal error. */
static bool tlsc_setup_dane(struct tlsc *t, SSL_CTX *ctx, const struct tlsc_opts *o,
	const char *host, size_t *added, struct err *e)
{
	const char *base = o->dane_base && *o->dane_base ? o->dane_base :
		o->verify_name && *o->verify_name ? o->verify_name : host;
	char why[300] = "";

	*added = 0;
	tlsc_bare_name(base, t->verify_name, sizeof(t->verify_name));
	if (SSL_CTX_dane_enable(ctx) <= 0 || SSL_dane_enable(t->ssl, t->verify_name) <= 0) {
		tlsc_ssl_errors(why, sizeof(why));
		return err_set(e, ERR_TLS, "cannot enable DANE: %s", why);
	}
	/* RFC 7672 section 3.1.1: DANE-EE ignores names (and expiry). */
	SSL_dane_set_flags(t->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	if (o->verify_name && *o->verify_name) {
		char extra[256];

		tlsc_bare_name(o->verify_name, extra, sizeof(extra));
		if (strcmp(extra, t->verify_name) != 0) {
			SSL_add1_host(t->ssl, extra);
		}
	}
	for (size_t i = 0; i < t->ntlsa; i++) {
		const struct tlsc_tlsa *r = &t->tlsa[i];
		int rc;

		if (t->unusable[i]) {
			continue;
		}
		rc = SSL_dane_tlsa_add(t->ssl, r->usage, r->selector, r->mtype, r->data, r->len);
		if (rc > 0) {
			(*added)++;
		} else {
			/* 0: OpenSSL judged it unusable (say, a TA that is not a certificate). */
			t->unusable[i] = true;
			ERR_clear_error();
			if (rc < 0) {
				return err_set(e, ERR_TLS, "cannot add TLSA record %zu", i + 1);
			}
		}
	}
	return true;
}

static void tlsc_setup_names(struct tlsc *t, const struct tlsc_opts *o, const char *host)
{
	const char *name = o->verify_name && *o->verify_name ? o->verify_name : host;

	tlsc_bare_name(name, t->verify_name, sizeof(t->verify_name));
	if (!t->verify_name[0]) {
		return;
	}
	t->name_set = true;
	if (tlsc_is_ip(t->verify_name)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), t->verify_name);
	} else {
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(t->ssl, t->verify_name);
	}
}

static void tlsc_early_error(int fd, size_t n, struct err *e)
{
	unsigned char buf[TLSC_PREVIEW];
	char seen[TLSC_PREVIEW * 4 + 1];
	size_t got = 0;
	ssize_t r = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	if (r > 0) {
		got = (size_t)r;
	}
	tlsc_escape(buf, got, seen, sizeof(seen));
	err_set(e, ERR_TLS, "bytes arrived before the TLS handshake: the server sent %zu byte%s "
		"(\"%s%s\") before the client's hello; in TLS the client speaks first, so this is "
		"a plaintext service or injected data (STARTTLS response injection)",
		n, n == 1 ? "" : "s", seen, n > got ? "..." : "");
}

struct tlsc *tlsc_start(int fd, const char *host, const struct tlsc_opts *opts, int timeout_ms,
	struct err *e)
{
	static const struct tlsc_opts defaults;
	struct tlsc *t = NULL, *ret = NULL;
	SSL_CTX *ctx;
	BIO *bio;
	size_t early, usable = 0, added = 0;
	int64_t deadline = tlsc_deadline(timeout_ms);
	const char *sni;
	int fl;

	if (!opts) {
		opts = &defaults;
	}
	if (!host) {
		host = "";
	}
	ERR_clear_error();
	if (tlsc_peek_early_bytes(fd, &early)) {
		tlsc_early_error(fd, early, e);
		goto out;
	}
	for (size_t i = 0; opts->tlsa && i < opts->ntlsa; i++) {
		usable += tlsc_tlsa_valid(&opts->tlsa[i]);
	}
	ctx = tlsc_ctx_get(opts, usable == 0, e);
	if (!ctx) {
		goto out;
	}
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->fatal = true;    /* until the handshake completes */
	t->verify_required = opts->verify_required;
	t->have_cert = opts->cert_file != NULL;
	t->alert_in = t->alert_out = -1;
	t->ssl = SSL_new(ctx);
	bio = t->ssl ? tlsc_bio_new(fd) : NULL;
	if (!bio) {
		char why[300] = "";

		tlsc_ssl_errors(why, sizeof(why));
		err_set(e, ERR_TLS, "cannot set up TLS: %s", why);
		goto out;
	}
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_app_data(t->ssl, t);
	SSL_set_verify(t->ssl, SSL_VERIFY_PEER, tlsc_verify_cb);
	SSL_set_info_callback(t->ssl, tlsc_info_cb);
	SSL_set_msg_callback(t->ssl, tlsc_msg_cb);
	SSL_set_tlsext_status_type(t->ssl, TLSEXT_STATUSTYPE_ocsp);
	tlsc_tlsa_copy(t, opts);

	if (usable > 0) {
		if (!tlsc_setup_dane(t, ctx, opts, host, &added, e)) {
			goto out;
		}
		t->dane = added > 0;
		if (!t->dane) {
			/* OpenSSL refused every record: plain PKIX, as RFC 7672 says
			 * for a host without usable TLSA records. */
			ctx = tlsc_ctx_get(opts, true, e);
			if (!ctx) {
				goto out;
			}
			t->name_set = t->verify_name[0] != '\0';
		}
	} else {
		tlsc_setup_names(t, opts, host);
	}

	/* SNI: never an address literal (RFC 6066); the TLSA base for DANE (RFC 7672 section 8.1). */
	if (opts->no_sni) {
		t->sni[0] = '\0';
	} else if (opts->sni && *opts->sni) {
		tlsc_copy(t->sni, sizeof(t->sni), opts->sni);
	} else if (usable > 0) {
		tlsc_copy(t->sni, sizeof(t->sni), t->verify_name);
	} else {
		tlsc_bare_name(host, t->sni, sizeof(t->sni));
		if (tlsc_is_ip(t->sni)) {
			t->sni[0] = '\0';
		}
	}
	/* Also clears the SNI that SSL_dane_enable set, when none is wanted (the
	 * macro does not parenthesise its argument, hence the variable). */
	sni = t->sni[0] ? t->sni : NULL;
	SSL_set_tlsext_host_name(t->ssl, sni);

	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK)) {
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	}

	for (;;) {
		int r, err, saved;

		ERR_clear_error();
		errno = 0;
		r = SSL_connect(t->ssl);
		if (r == 1) {
			break;
		}
		saved = errno;
		err = SSL_get_error(t->ssl, r);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			r = tlsc_wait(fd, err == SSL_ERROR_WANT_WRITE, deadline);
			if (r > 0) {
				continue;
			}
			if (r < 0) {
				err_set(e, ERR_TLS, "TLS handshake: poll: %s", strerror(errno));
			} else if (BIO_number_read(SSL_get_rbio(t->ssl)) == 0) {
				err_set(e, ERR_TLS, "server did not answer the TLS handshake within %d.%03d s",
					timeout_ms / 1000, timeout_ms % 1000);
			} else {
				err_set(e, ERR_TLS, "TLS handshake timed out after %d.%03d s: the server "
					"stopped answering halfway", timeout_ms / 1000, timeout_ms % 1000);
			}
			ERR_clear_error();
			goto out;
		}
		if (e) {
			e->kind = ERR_TLS;
			tlsc_explain(t, err, saved, "TLS handshake failed", e->msg, sizeof(e->msg));
		}
		goto out;
	}
	SSL_set_msg_callback(t->ssl, NULL);
	t->connected = true;
	t->fatal = false;
	ret = t;
	t = NULL;
out:
	tlsc_destroy(t);
	ERR_clear_error();
	return ret;
}

void tlsc_destroy(struct tlsc *t)
{
	if (!t) {
		return;
	}
	if (t->ssl) {
		if (t->connected && !t->fatal) {
			/* One non-blocking attempt: the peer may be gone already. */
			(void)SSL_shutdown(t->ssl);
		}
		SSL_free(t->ssl);
	}
	free(t->tlsa);
	free(t->tlsa_blob);
	free(t->unusable);
	free(t);
	ERR_clear_error();
}

/* ---- Data ---- */

enum tlsc_io tlsc_read(struct tlsc *t, void *buf, size_t len, size_t *got, struct err *e)
{
	if (got) {
		*got = 0;
	}
	if (!t || !t->ssl || !t->connected || len == 0) {
		err_set(e, ERR_INTERNAL, "TLS read on a session that is not usable");
		return TLSC_ERROR;
	}
	for (;;) {
		size_t n = 0;
		int r, err, saved;
		unsigned long first;

		ERR_clear_error();
		errno = 0;
		r = SSL_read_ex(t->ssl, buf, len, &n);
		if (r == 1) {
			if (got) {
				*got = n;
			}
			return TLSC_DATA;
		}
		saved = errno;
		err = SSL_get_error(t->ssl, r);
		switch (err) {
		case SSL_ERROR_WANT_READ:
			/* Without read-ahead OpenSSL takes one record at a time from the
			 * socket, so nothing decrypted is left behind: polling the fd is
			 * enough from here. */
			return TLSC_AGAIN;
		case SSL_ERROR_WANT_WRITE:
			/* A key update answer is waiting for room in the socket. */
			if (tlsc_wait(t->fd, true, tlsc_deadline(TLSC_READ_FLUSH_MS)) > 0) {
				continue;
			}
			return TLSC_AGAIN;
		case SSL_ERROR_ZERO_RETURN:
			err_clear(e);
			return TLSC_EOF;
		default:
			break;
		}
		t->fatal = true;
		first = ERR_peek_error();
		if ((ERR_GET_LIB(first) == ERR_LIB_SSL &&
				ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
				(err == SSL_ERROR_SYSCALL && saved == 0 && first == 0)) {
			ERR_clear_error();
			err_set(e, ERR_CONN, "the server closed the connection without a TLS close_notify "
				"(data may have been cut short)");
			return TLSC_EOF;
		}
		if (e) {
			e->kind = err == SSL_ERROR_SYSCALL ? ERR_CONN : ERR_TLS;
			tlsc_explain(t, err, saved, "TLS read failed", e->msg, sizeof(e->msg));
		}
		ERR_clear_error();
		return TLSC_ERROR;
	}
}

bool tlsc_write(struct tlsc *t, const void *buf, size_t len, int timeout_ms, struct err *e)
{
	const unsigned char *p = buf;
	int64_t deadline = tlsc_deadline(timeout_ms);

	if (!t || !t->ssl || !t->connected || t->fatal) {
		return err_set(e, ERR_CONN, "the TLS session is no longer usable after an earlier "
			"error");
	}
	while (len > 0) {
		size_t n = 0;
		int r, err, saved;

		ERR_clear_error();
		errno = 0;
		r = SSL_write_ex(t->ssl, p, len, &n);
		if (r == 1) {
			p += n;
			len -= n;
			continue;
		}
		saved = errno;
		err = SSL_get_error(t->ssl, r);
		if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
			r = tlsc_wait(t->fd, err == SSL_ERROR_WANT_WRITE, deadline);
			if (r > 0) {
				continue;
			}
			ERR_clear_error();
			/* OpenSSL holds part of a record and wants the same buffer
			 * again: the session cannot carry other data any more. */
			t->fatal = true;
			if (r < 0) {
				return err_set(e, ERR_CONN, "TLS write: poll: %s", strerror(errno));
			}
			return err_set(e, ERR_TIMEOUT, "TLS write timed out after %d.%03d s with %zu "
				"bytes unsent", timeout_ms / 1000, timeout_ms % 1000, len);
		}
		t->fatal = true;
		if (err == SSL_ERROR_ZERO_RETURN) {
			ERR_clear_error();
			return err_set(e, ERR_CONN, "the server closed the TLS session");
		}
		if (e) {
			e->kind = err == SSL_ERROR_SYSCALL ? ERR_CONN : ERR_TLS;
			tlsc_explain(t, err, saved, "TLS write failed", e->msg, sizeof(e->msg));
		}
		ERR_clear_error();
		return false;
	}
	return true;
}

/* ---- What the handshake showed ---- */

static void tlsc_time_text(const ASN1_TIME *at, char *out, size_t len, const char *fmt)
{
	struct tm tm;

	out[0] = '\0';
	if (at && ASN1_TIME_to_tm(at, &tm) == 1) {
		strftime(out, len, fmt, &tm);
	}
}

static void tlsc_key_info(X509 *x, struct tlsc_cert *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *name;

	if (!pk) {
		tlsc_copy(c->key_type, sizeof(c->key_type), "unknown");
		return;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		name = "RSA";
		break;
	case EVP_PKEY_RSA_PSS:
		name = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		name = "EC";
		break;
	case EVP_PKEY_ED25519:
		name = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		name = "Ed448";
		break;
	case EVP_PKEY_DSA:
		name = "DSA";
		break;
	default:
		name = EVP_PKEY_get0_type_name(pk);
		break;
	}
	tlsc_copy(c->key_type, sizeof(c->key_type), name ? name : "unknown");
	c->key_bits = EVP_PKEY_get_bits(pk);
}

static void tlsc_sans(X509 *x, struct tlsc_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	if (n <= 0) {
		goto out;
	}
	c->sans = xcalloc((size_t)n, sizeof(*c->sans));
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		char addr[INET6_ADDRSTRLEN], *v;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			v = tlsc_escape_dup(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			c->sans[c->nsans++] = xasprintf("%s:%s", g->type == GEN_DNS ? "DNS" :
				g->type == GEN_EMAIL ? "email" : "URI", v);
			free(v);
			break;
		case GEN_IPADD:
			s = g->d.ip;
			if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16) {
				inet_ntop(ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6,
					ASN1_STRING_get0_data(s), addr, sizeof(addr));
				c->sans[c->nsans++] = xasprintf("IP:%s", addr);
			}
			break;
		default:
			break;
		}
	}
out:
	GENERAL_NAMES_free(gens);
}

static void tlsc_cert_fill(X509 *x, struct tlsc_cert *c)
{
	char name[1024];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	int days = 0, secs = 0;
	BIO *b;

	tlsc_name_text(X509_get_subject_name(x), name, sizeof(name));
	c->subject = xstrdup(name);
	tlsc_name_text(X509_get_issuer_name(x), name, sizeof(name));
	c->issuer = xstrdup(name);
	tlsc_sans(x, c);
	tlsc_time_text(nb, c->not_before, sizeof(c->not_before), "%Y-%m-%d %H:%M:%S UTC");
	tlsc_time_text(na, c->not_after, sizeof(c->not_after), "%Y-%m-%d %H:%M:%S UTC");
	if (na && ASN1_TIME_diff(&days, &secs, NULL, na) == 1) {
		long total = (long)days * 86400 + secs;

		/* Round towards minus infinity: an hour past expiry is day -1. */
		c->days_left = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
	}
	c->expired = na && X509_cmp_current_time(na) < 0;
	c->not_yet_valid = nb && X509_cmp_current_time(nb) > 0;
	c->self_signed = X509_self_signed(x, 0) == 1;
	tlsc_key_info(x, c);
	tlsc_copy(c->sig_alg, sizeof(c->sig_alg), OBJ_nid2ln(X509_get_signature_nid(x)));
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
		size_t o = 0;

		for (unsigned int i = 0; i < mdlen && o + 3 < sizeof(c->sha256); i++) {
			o += (size_t)snprintf(c->sha256 + o, sizeof(c->sha256) - o, "%s%02X", i ? ":" : "",
				md[i]);
		}
	}
	b = BIO_new(BIO_s_mem());
	if (b && PEM_write_bio_X509(b, x) == 1) {
		char *p;
		long n = BIO_get_mem_data(b, &p);

		c->pem = xstrndup(p, n > 0 ? (size_t)n : 0);
	}
	BIO_free(b);
}

static bool tlsc_tlsa_match_one(X509 *x, const struct tlsc_tlsa *r)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len;
	bool ok = false;

	if (r->selector == 0) {
		len = i2d_X509(x, &der);
	} else {
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	}
	if (len <= 0) {
		goto out;
	}
	switch (r->mtype) {
	case 0:
		ok = (size_t)len == r->len && memcmp(der, r->data, r->len) == 0;
		break;
	case 1:
	case 2:
		if (EVP_Digest(der, (size_t)len, md, &mdlen, r->mtype == 1 ? EVP_sha256() : EVP_sha512(),
				NULL) == 1) {
			ok = mdlen == r->len && memcmp(md, r->data, r->len) == 0;
		}
		break;
	default:
		break;
	}
out:
	OPENSSL_free(der);
	return ok;
}

/* Which certificate the server sent each record matches, by hand, so that
 * every record gets an answer and not only the one OpenSSL stopped at. */
static int tlsc_tlsa_match(struct tlsc *t, size_t i, STACK_OF(X509) *chain)
{
	const struct tlsc_tlsa *r = &t->tlsa[i];
	int n = chain ? sk_X509_num(chain) : 0;

	if (t->unusable[i]) {
		return -2;
	}
	/* DANE-EE names the leaf only, DANE-TA an issuer only. */
	for (int d = r->usage == 3 ? 0 : 1; d < n && (r->usage != 3 || d == 0); d++) {
		if (tlsc_tlsa_match_one(sk_X509_value(chain, d), r)) {
			return d;
		}
	}
	return -1;
}

int tlsc_tlsa_match_live(struct tlsc *t, const struct tlsc_tlsa *r)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(t->ssl);
	int n = chain ? sk_X509_num(chain) : 0;

	/* RFC 7672 3.1.3: PKIX usages are not for SMTP; unknown values never match. */
	if (r->usage < 2 || r->usage > 3 || r->selector > 1 || r->mtype > 2)
		return -2;
	for (int d = r->usage == 3 ? 0 : 1; d < n && (r->usage != 3 || d == 0); d++) {
		if (tlsc_tlsa_match_one(sk_X509_value(chain, d), r)) {
			return d;
		}
	}
	return -1;
}

static void tlsc_ocsp(struct tlsc *t, X509 *leaf, STACK_OF(X509) *chain, struct tlsc_info *info)
{
	const unsigned char *p = NULL;
	long len = SSL_get_tlsext_status_ocsp_resp(t->ssl, &p);
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	int status = -1, reason = -1, st;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	char when[32], next[32];
	const char *sig;

	if (len <= 0 || !p) {
		return;
	}
	info->ocsp_stapled = true;
	resp = d2i_OCSP_RESPONSE(NULL, &p, len);
	if (!resp) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is not valid OCSP");
		goto out;
	}
	st = OCSP_response_status(resp);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(info->ocsp, sizeof(info->ocsp), "responder error: %s",
			OCSP_response_status_str(st));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is not a basic response");
		goto out;
	}
	/* Match by serial number: the issuer may not be in the chain sent. */
	for (int i = 0; leaf && i < OCSP_resp_count(bs); i++) {
		OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
		/* 3.0 takes a non-const id here although it only reads it. */
		OCSP_CERTID *id = (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(single);
		ASN1_INTEGER *serial = NULL;

		if (OCSP_id_get0_info(NULL, NULL, NULL, &serial, id) == 1 &&
				ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(leaf)) == 0) {
			status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
			break;
		}
	}
	if (status < 0) {
		tlsc_copy(info->ocsp, sizeof(info->ocsp), "stapled response is for another certificate");
		goto out;
	}
	ERR_set_mark();
	sig = OCSP_basic_verify(bs, chain, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(t->ssl)), 0) == 1 ?
		"" : "; signature not verified";
	ERR_pop_to_mark();
	tlsc_time_text(nextupd, next, sizeof(next), "%Y-%m-%d %H:%M UTC");
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		snprintf(info->ocsp, sizeof(info->ocsp), "good%s%s%s%s", next[0] ? ", next update " : "",
			next, nextupd && X509_cmp_current_time(nextupd) < 0 ? " (stale)" : "", sig);
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		tlsc_time_text(rev, when, sizeof(when), "%Y-%m-%d");
		snprintf(info->ocsp, sizeof(info->ocsp), "revoked %s%s%s%s", when,
			reason >= 0 ? " (" : "", reason >= 0 ? OCSP_crl_reason_str(reason) : "",
			reason >= 0 ? ")" : "");
		snprintf(info->ocsp + strlen(info->ocsp), sizeof(info->ocsp) - strlen(info->ocsp),
			"%s", sig);
		break;
	default:
		snprintf(info->ocsp, sizeof(info->ocsp), "unknown to the responder%s", sig);
		break;
	}
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
}

static void tlsc_group(SSL *ssl, char *out, size_t len)
{
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
	tlsc_copy(out, len, SSL_get0_group_name(ssl));
#else
	/* OpenSSL 3.0/3.1: a NID, or TLSEXT_nid_unknown|id for provider groups. */
	int nid = SSL_get_negotiated_group(ssl);
	const char *name = NULL;

	if (nid > 0) {
		name = SSL_group_to_name(ssl, nid);
		if (!name && !(nid & TLSEXT_nid_unknown)) {
			name = OBJ_nid2sn(nid);
		}
	}
	tlsc_copy(out, len, name);
#endif
}

static void tlsc_peer_sig(SSL *ssl, char *out, size_t len)
{
	int type = NID_undef, hash = NID_undef;
	const char *name;

	out[0] = '\0';
	if (SSL_get_peer_signature_type_nid(ssl, &type) != 1) {
		return;
	}
	switch (type) {
	case EVP_PKEY_RSA:
		name = "RSA-PKCS1";
		break;
	case EVP_PKEY_RSA_PSS:
		name = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		name = "ECDSA";
		break;
	case EVP_PKEY_ED25519:
		name = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		name = "Ed448";
		break;
	default:
		name = OBJ_nid2sn(type);
		break;
	}
	if (SSL_get_peer_signature_nid(ssl, &hash) == 1 && hash != NID_undef &&
			type != EVP_PKEY_ED25519 && type != EVP_PKEY_ED448) {
		snprintf(out, len, "%s %s", name ? name : "?", OBJ_nid2sn(hash));
	} else {
		tlsc_copy(out, len, name);
	}
}

bool tlsc_info_get(struct tlsc *t, struct tlsc_info *info, struct err *e)
{
	const SSL_CIPHER *c;
	STACK_OF(X509) *chain;
	X509 *leaf;

	if (!info) {
		return err_set(e, ERR_INTERNAL, "no place for the TLS details");
	}
	memset(info, 0, sizeof(*info));
	info->dane_depth = -1;
	if (!t || !t->ssl || !t->connected) {
		return err_set(e, ERR_INTERNAL, "no TLS session");
	}
	tlsc_copy(info->protocol, sizeof(info->protocol), SSL_get_version(t->ssl));
	c = SSL_get_current_cipher(t->ssl);
	if (c) {
		tlsc_copy(info->cipher, sizeof(info->cipher), SSL_CIPHER_get_name(c));
		info->cipher_bits = SSL_CIPHER_get_bits(c, NULL);
	}
	tlsc_group(t->ssl, info->group, sizeof(info->group));
	tlsc_peer_sig(t->ssl, info->peer_sig, sizeof(info->peer_sig));
	tlsc_copy(info->sni, sizeof(info->sni), t->sni);
	info->resumed = SSL_session_reused(t->ssl) == 1;

	/* The client side's chain includes the leaf; a resumed session has only the leaf. */
	chain = SSL_get_peer_cert_chain(t->ssl);
	leaf = SSL_get0_peer_certificate(t->ssl);
	if (chain && sk_X509_num(chain) > 0) {
		info->nchain = (size_t)sk_X509_num(chain);
		info->chain = xcalloc(info->nchain, sizeof(*info->chain));
		for (size_t i = 0; i < info->nchain; i++) {
			tlsc_cert_fill(sk_X509_value(chain, (int)i), &info->chain[i]);
		}
	} else if (leaf) {
		info->nchain = 1;
		info->chain = xcalloc(1, sizeof(*info->chain));
		tlsc_cert_fill(leaf, &info->chain[0]);
	}

	/* Verification: the chain result and the name check apart. */
	tlsc_copy(info->verify_name, sizeof(info->verify_name), t->verify_name);
	if (!leaf) {
		info->verify_code = X509_V_ERR_UNSPECIFIED;
		tlsc_copy(info->verify_reason, sizeof(info->verify_reason),
			"the server sent no certificate");
	} else if (!t->verify_called) {
		/* A resumed session: OpenSSL kept the result of the first handshake. */
		info->verify_code = SSL_get_verify_result(t->ssl);
	} else {
		info->verify_code = t->chain_err;
	}
	if (leaf && !info->verify_reason[0]) {
		if (info->verify_code != X509_V_OK && t->chain_err_depth > 0 && t->verify_called) {
			snprintf(info->verify_reason, sizeof(info->verify_reason), "%s (depth %d)",
				X509_verify_cert_error_string(info->verify_code), t->chain_err_depth);
		} else {
			tlsc_copy(info->verify_reason, sizeof(info->verify_reason),
				X509_verify_cert_error_string(info->verify_code));
		}
	}
	info->verified = leaf && info->verify_code == X509_V_OK;

	info->ntlsa = t->ntlsa;
	if (t->ntlsa > 0) {
		info->tlsa_match = xcalloc(t->ntlsa, sizeof(*info->tlsa_match));
		for (size_t i = 0; i < t->ntlsa; i++) {
			info->tlsa_match[i] = tlsc_tlsa_match(t, i, chain);
		}
	}
	info->dane = t->dane;
	if (t->dane) {
		int d = SSL_get0_dane_authority(t->ssl, NULL, NULL);

		/* OpenSSL answers only when verification as a whole passed; a
		 * DANE-TA match with a wrong name is still a match to report. */
		for (size_t i = 0; d < 0 && info->verified && i < t->ntlsa; i++) {
			int m = info->tlsa_match[i];

			if (m >= 0 && (d < 0 || m < d)) {
				d = m;
			}
		}
		info->dane_depth = info->verified ? d : -1;
		/* DANE-EE skips the name check (RFC 7672 section 3.1.1). */
		info->name_checked = info->dane_depth > 0;
	} else {
		info->name_checked = t->name_set && (t->verify_called || info->resumed) && leaf;
	}
	info->name_ok = info->name_checked && !t->name_mismatch;
	if (info->resumed && !t->verify_called) {
		info->name_ok = info->name_checked && info->verify_code != X509_V_ERR_HOSTNAME_MISMATCH &&
			info->verify_code != X509_V_ERR_IP_ADDRESS_MISMATCH;
	}
	tlsc_ocsp(t, leaf, chain, info);
	ERR_clear_error();
	return true;
}

void tlsc_info_finish(struct tlsc_info *info)
{
	if (!info) {
		return;
	}
	for (size_t i = 0; info->chain && i < info->nchain; i++) {
		struct tlsc_cert *c = &info->chain[i];

		free(c->subject);
		free(c->issuer);
		for (size_t j = 0; j < c->nsans; j++) {
			free(c->sans[j]);
		}
		free(c->sans);
		free(c->pem);
	}
	free(info->chain);
	free(info->tlsa_match);
	memset(info, 0, sizeof(*info));
}

/* ---- RFC 7218 names ---- */

const char *tlsc_tlsa_usage_name(uint8_t usage)
{
	static const char *const names[] = { "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE" };

	if (usage < 4) {
		return names[usage];
	}
	return usage == 255 ? "PrivCert" : "unassigned";
}

const char *tlsc_tlsa_selector_name(uint8_t selector)
{
	static const char *const names[] = { "Cert", "SPKI" };

	if (selector < 2) {
		return names[selector];
	}
	return selector == 255 ? "PrivSel" : "unassigned";
}

const char *tlsc_tlsa_mtype_name(uint8_t mtype)
{
	static const char *const names[] = { "Full", "SHA2-256", "SHA2-512" };

	if (mtype < 3) {
		return names[mtype];
	}
	return mtype == 255 ? "PrivMatch" : "unassigned";
}

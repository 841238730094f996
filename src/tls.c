/* SPDX-License-Identifier: MIT */
/* TLS with OpenSSL: handshake, verification that reports, reading and writing.
 * The SSL_CTX and socket BIO are in tls_ctx.c, error messages in tls_explain.c,
 * DANE in tls_dane.c, what the handshake showed in tls_info.c. */
#include "tls_int.h"

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

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "interrupt.h"
#include "util.h"

/* How long a read may wait for the socket to take a pending TLS write
 * (a key update answer) before it gives up for this call. */
#define TLSC_READ_FLUSH_MS 1000
/* How much of early plaintext goes into an error message. */
#define TLSC_PREVIEW 40

/* ---- Small helpers ---- */

void tlsc_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void tlsc_bare_name(const char *name, char *out, size_t len)
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

bool tlsc_is_ip(const char *s)
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
		if (interrupt_pending()) {
			errno = EINTR;
			return -1;
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

/* ---- Callbacks ---- */

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
				err_set(e, ERR_TLS, "%s", errno == EINTR ? "interrupted" : strerror(errno));
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
				return err_set(e, ERR_CONN, "TLS write: %s", errno == EINTR ? "interrupted" :
					strerror(errno));
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


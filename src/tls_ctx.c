/* SPDX-License-Identifier: MIT */
/* OpenSSL objects kept between handshakes: the cached SSL_CTX and the socket BIO method. */
#include "tls_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "util.h"

/* One SSL_CTX is kept for the last option set: loading trust roots is most
 * of the cost of a STARTTLS probe, and a session usually repeats it. */
static struct {
	SSL_CTX *ctx;
	char *key;
	bool store_loaded;
} tlsc_cache;

static BIO_METHOD *tlsc_bio_method;

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

BIO *tlsc_bio_new(int fd)
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
/*
 * The system's hashed certificate directory, when it is one and no
 * SSL_CERT_FILE asks for a bundle: OpenSSL then reads a CA certificate only
 * when a chain needs it, where the default paths parse the whole bundle
 * (some 20 ms) at every start. NULL: use the default paths.
 */
static const char *tlsc_hashed_cert_dir(void)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	struct dirent *d;
	DIR *dp;
	bool hashed = false;

	if (getenv(X509_get_default_cert_file_env()))
		return NULL;
	if (!dir || !*dir)
		dir = X509_get_default_cert_dir();
	/* SSL_CERT_DIR may list several: leave that to the default paths */
	if (strchr(dir, ':'))
		return NULL;
	dp = opendir(dir);
	if (!dp)
		return NULL;
	while (!hashed && (d = readdir(dp))) {
		size_t n = strspn(d->d_name, "0123456789abcdef");

		hashed = n == 8 && d->d_name[8] == '.' && d->d_name[9] >= '0' && d->d_name[9] <= '9';
	}
	closedir(dp);
	return hashed ? dir : NULL;
}


SSL_CTX *tlsc_ctx_get(const struct tlsc_opts *o, bool need_store, struct err *e)
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
		const char *dir;
		int ok;

		if (o->ca_file || o->ca_path) {
			ok = SSL_CTX_load_verify_locations(tlsc_cache.ctx, o->ca_file, o->ca_path);
		} else if ((dir = tlsc_hashed_cert_dir())) {
			ok = SSL_CTX_load_verify_dir(tlsc_cache.ctx, dir);
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

/* SPDX-License-Identifier: MIT */
/*
 * tls.c for real: handshakes on loopback against a small OpenSSL server that
 * lives only in this test (a child process per case), with certificates that
 * tests/tls/mkcerts.sh generates.
 *
 * Usage: test-tls [CERTDIR]. Without CERTDIR, $TLS_CERTS; without that,
 * $TLS_MKCERTS (or tests/tls/mkcerts.sh) is run into a temporary directory
 * that is removed afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "tap.h"
#include "tls.h"
#include "util.h"

#define MB (1024 * 1024)

static char certdir[4096];

/* ---- Paths and files ---- */

static const char *cert(const char *name)
{
	static char bufs[8][4200];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", certdir, name);
	return b;
}

static bool file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static bool run_mkcerts(const char *script, const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		return false;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", script, dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		return false;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4400];

	if (!d) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

/* A TLSA file written by mkcerts.sh: "U S M hex". */
static bool load_tlsa(const char *name, struct tlsc_tlsa *r, unsigned char *data, size_t cap)
{
	FILE *f = fopen(cert(name), "r");
	unsigned u, s, m;
	char hex[300];
	size_t n = 0;
	bool ok = false;

	if (!f) {
		return false;
	}
	if (fscanf(f, "%u %u %u %299s", &u, &s, &m, hex) == 4) {
		for (n = 0; hex[2 * n] && hex[2 * n + 1] && n < cap; n++) {
			unsigned v;

			sscanf(hex + 2 * n, "%2x", &v);
			data[n] = (unsigned char)v;
		}
		r->usage = (uint8_t)u;
		r->selector = (uint8_t)s;
		r->mtype = (uint8_t)m;
		r->data = data;
		r->len = n;
		ok = true;
	}
	fclose(f);
	return ok;
}

/* 3 1 1 data of a certificate file, computed here, independently of tls.c. */
static bool spki_sha256(const char *name, unsigned char md[32])
{
	FILE *f = fopen(cert(name), "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int len = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
	bool ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1;

	OPENSSL_free(der);
	X509_free(x);
	if (f) {
		fclose(f);
	}
	return ok && mdlen == 32;
}

/* ---- The test server (child process) ---- */

enum srv_mode {
	SRV_TLS,             /* TLS server */
	SRV_PLAIN_FIRST,     /* "220 hello" at once, like an SMTP greeting */
	SRV_PLAIN_REPLY,     /* reads the ClientHello, answers "220 hello" */
	SRV_SILENT,          /* accepts and never answers */
};

struct srv {
	enum srv_mode mode;
	const char *cert, *key;    /* file names in certdir; cert may hold a chain */
	const char *extra;         /* one more certificate to send */
	int min, max;              /* TLS1_x_VERSION, 0 default */
	bool client_auth;          /* require a client certificate from client-ca.pem */
	const char *ocsp;          /* staple this DER response */
	bool serve;                /* run the command loop after the handshake */
	bool stall;                /* after the handshake, never read */
};

struct conn {
	pid_t pid;
	int fd;
};

static unsigned char *ocsp_der;
static long ocsp_len;

static int srv_status_cb(SSL *ssl, void *arg)
{
	unsigned char *copy;

	(void)arg;
	if (!ocsp_der) {
		return SSL_TLSEXT_ERR_NOACK;
	}
	copy = OPENSSL_memdup(ocsp_der, (size_t)ocsp_len);
	if (!copy || SSL_set_tlsext_status_ocsp_resp(ssl, copy, ocsp_len) != 1) {
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

static bool srv_write_all(SSL *ssl, const void *buf, size_t len)
{
	size_t n;

	while (len > 0) {
		if (SSL_write_ex(ssl, buf, len, &n) != 1) {
			return false;
		}
		buf = (const char *)buf + n;
		len -= n;
	}
	return true;
}

static bool srv_line(SSL *ssl, char *line, size_t cap)
{
	size_t n = 0, got;

	while (n + 1 < cap) {
		if (SSL_read_ex(ssl, line + n, 1, &got) != 1) {
			return false;
		}
		if (line[n] == '\n') {
			break;
		}
		n++;
	}
	line[n] = '\0';
	return true;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

/* Commands: "SEND n" (n pattern bytes), "RECV n" (read n, answer "GOT n sum"),
 * "SNI" (answer the name received), "QUIT" (close_notify), "DROP" (close
 * without close_notify). */
static int srv_serve(SSL *ssl, int fd)
{
	char line[128], out[300];
	static unsigned char buf[65536];

	for (;;) {
		size_t n;

		if (!srv_line(ssl, line, sizeof(line))) {
			return 0;
		}
		if (sscanf(line, "SEND %zu", &n) == 1) {
			for (size_t off = 0; off < n;) {
				size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

				for (size_t i = 0; i < k; i++) {
					buf[i] = pattern(off + i);
				}
				if (!srv_write_all(ssl, buf, k)) {
					return 4;
				}
				off += k;
			}
		} else if (sscanf(line, "RECV %zu", &n) == 1) {
			unsigned long sum = 0;
			size_t have = 0, got;

			while (have < n) {
				size_t want = n - have < sizeof(buf) ? n - have : sizeof(buf);

				if (SSL_read_ex(ssl, buf, want, &got) != 1) {
					return 5;
				}
				for (size_t i = 0; i < got; i++) {
					sum += (unsigned long)buf[i] == pattern(have + i) ? 1 : 0;
				}
				have += got;
			}
			snprintf(out, sizeof(out), "GOT %zu %lu\n", have, sum);
			srv_write_all(ssl, out, strlen(out));
		} else if (strcmp(line, "SNI") == 0) {
			const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

			snprintf(out, sizeof(out), "SNI %s\n", sni ? sni : "-");
			srv_write_all(ssl, out, strlen(out));
		} else if (strcmp(line, "QUIT") == 0) {
			SSL_shutdown(ssl);
			return 0;
		} else if (strcmp(line, "DROP") == 0) {
			close(fd);
			return 0;
		}
	}
}

static void srv_drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

static int srv_tls(int fd, const struct srv *s)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;
	char buf[4096];
	size_t got;
	int rc = 0;

	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert(s->cert)) != 1 ||
			SSL_CTX_use_PrivateKey_file(ctx, cert(s->key), SSL_FILETYPE_PEM) != 1) {
		return 2;
	}
	if (s->extra) {
		FILE *f = fopen(cert(s->extra), "r");
		X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

		if (f) {
			fclose(f);
		}
		if (!x || SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			return 2;
		}
	}
	if (s->min) {
		SSL_CTX_set_min_proto_version(ctx, s->min);
	}
	if (s->max) {
		SSL_CTX_set_max_proto_version(ctx, s->max);
	}
	if (s->client_auth) {
		SSL_CTX_load_verify_locations(ctx, cert("client-ca.pem"), NULL);
		SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(cert("client-ca.pem")));
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	if (s->ocsp) {
		FILE *f = fopen(cert(s->ocsp), "rb");

		ocsp_der = malloc(65536);
		ocsp_len = f ? (long)fread(ocsp_der, 1, 65536, f) : 0;
		if (f) {
			fclose(f);
		}
		SSL_CTX_set_tlsext_status_cb(ctx, srv_status_cb);
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		return 1;
	}
	if (s->client_auth) {
		X509 *peer = SSL_get0_peer_certificate(ssl);

		if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) {
			return 3;
		}
	}
	if (s->stall) {
		sleep(30);
	} else if (s->serve) {
		rc = srv_serve(ssl, fd);
	} else {
		while (SSL_read_ex(ssl, buf, sizeof(buf), &got) == 1) {
		}
	}
	return rc;
}

static void srv_child(int lfd, const struct srv *s)
{
	int fd;
	char buf[4096];
	int rc = 0;

	signal(SIGPIPE, SIG_IGN);
	alarm(30);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		_exit(2);
	}
	switch (s->mode) {
	case SRV_PLAIN_FIRST:
		if (write(fd, "220 hello\r\n", 11) != 11) {
			rc = 2;
		}
		srv_drain(fd);
		break;
	case SRV_PLAIN_REPLY:
		if (read(fd, buf, sizeof(buf)) <= 0 || write(fd, "220 hello\r\n", 11) != 11) {
			rc = 2;
		}
		srv_drain(fd);
		break;
	case SRV_SILENT:
		srv_drain(fd);
		break;
	case SRV_TLS:
		rc = srv_tls(fd, s);
		break;
	}
	_exit(rc);
}

/* Start a server for one connection and connect to it (non-blocking fd). */
static bool srv_start(const struct srv *s, struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	c->pid = -1;
	c->fd = -1;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 1) != 0 ||
			getsockname(lfd, (struct sockaddr *)&sa, &slen) != 0) {
		goto fail;
	}
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0) {
		goto fail;
	}
	if (c->pid == 0) {
		srv_child(lfd, s);
	}
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		goto fail;
	}
	close(lfd);
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	return true;
fail:
	if (lfd >= 0) {
		close(lfd);
	}
	return false;
}

/* Close the client side and collect the server's exit code (-1: killed). */
static int srv_finish(struct conn *c)
{
	int status = 0;

	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->pid <= 0) {
		return -1;
	}
	for (int i = 0; i < 500; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(10000);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	c->pid = -1;
	return -1;
}

/* ---- Client helpers ---- */

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Read exactly want bytes the way the shell does: tlsc_read until
 * TLSC_AGAIN, and only then poll the socket. Data left inside OpenSSL
 * would make the poll time out. */
static bool read_exact(struct tlsc *t, int fd, unsigned char *buf, size_t want, size_t chunk,
	struct err *e)
{
	size_t have = 0;

	while (have < want) {
		size_t got = 0, ask = want - have < chunk ? want - have : chunk;
		enum tlsc_io r = tlsc_read(t, buf + have, ask, &got, e);

		if (r == TLSC_DATA) {
			have += got;
			continue;
		}
		if (r != TLSC_AGAIN) {
			return false;
		}
		if (!wait_readable(fd, 5000)) {
			return err_set(e, ERR_TIMEOUT, "poll timed out with %zu of %zu bytes", have, want);
		}
	}
	return true;
}

static bool read_line(struct tlsc *t, int fd, char *line, size_t cap, struct err *e)
{
	size_t n = 0;

	while (n + 1 < cap) {
		if (!read_exact(t, fd, (unsigned char *)line + n, 1, 1, e)) {
			return false;
		}
		if (line[n] == '\n') {
			break;
		}
		n++;
	}
	line[n] = '\0';
	return true;
}

/* Read until something other than data and TLSC_AGAIN, within ms. */
static enum tlsc_io read_until_end(struct tlsc *t, int fd, int ms, struct err *e)
{
	unsigned char buf[4096];
	int64_t end = now_ms() + ms;

	for (;;) {
		size_t got;
		enum tlsc_io r = tlsc_read(t, buf, sizeof(buf), &got, e);

		if (r == TLSC_DATA) {
			continue;
		}
		if (r != TLSC_AGAIN) {
			return r;
		}
		if (now_ms() >= end || !wait_readable(fd, (int)(end - now_ms()))) {
			return TLSC_AGAIN;
		}
	}
}

static bool has(const char *s, const char *sub)
{
	return s && strstr(s, sub) != NULL;
}

/* Handshake with a server; returns the session (or NULL) and fills info when it worked. */
static struct tlsc *handshake(const struct srv *s, struct conn *c, const char *host,
	const struct tlsc_opts *o, int timeout_ms, struct tlsc_info *info, struct err *e)
{
	struct tlsc *t;

	memset(info, 0, sizeof(*info));
	err_clear(e);
	if (!srv_start(s, c)) {
		err_set(e, ERR_INTERNAL, "test server did not start");
		return NULL;
	}
	t = tlsc_start(c->fd, host, o, timeout_ms, e);
	if (t && !tlsc_info_get(t, info, e)) {
		tlsc_destroy(t);
		t = NULL;
	}
	if (!t) {
		printf("# tlsc_start: %s\n", e->msg);
	}
	return t;
}

static void done(struct tlsc *t, struct conn *c, struct tlsc_info *info)
{
	tlsc_info_finish(info);
	tlsc_destroy(t);
	srv_finish(c);
}

static const struct srv srv_valid = { .cert = "valid.pem", .key = "valid.key" };

/* ---- Cases ---- */

static void test_valid(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	char line[300];

	s.serve = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "valid: handshake");
	if (!t) {
		srv_finish(&c);
		return;
	}
	ok(info.verified, "valid: verified");
	is_int(info.verify_code, X509_V_OK, "valid: verify code 0");
	is_str(info.verify_reason, "ok", "valid: verify reason");
	ok(info.name_checked && info.name_ok, "valid: name checked and ok");
	is_str(info.verify_name, "mx1.example.test", "valid: name checked");
	is_str(info.sni, "mx1.example.test", "valid: SNI reported");
	is_str(info.protocol, "TLSv1.3", "valid: TLS 1.3 by default");
	ok(info.cipher[0] && info.cipher_bits >= 128, "valid: cipher %s, %d bits", info.cipher,
		info.cipher_bits);
	ok(info.group[0], "valid: group \"%s\"", info.group);
	ok(has(info.peer_sig, "RSA-PSS"), "valid: peer signature \"%s\"", info.peer_sig);
	ok(!info.resumed && !info.dane && info.dane_depth == -1, "valid: not resumed, no DANE");
	ok(!info.ocsp_stapled && info.ocsp[0] == '\0', "valid: no OCSP staple");
	is_int(info.nchain, 1, "valid: one certificate sent");
	if (info.nchain == 1) {
		struct tlsc_cert *x = &info.chain[0];

		ok(has(x->subject, "CN=mx1.example.test"), "valid: subject %s", x->subject);
		ok(has(x->issuer, "CN=smtpsh test root CA"), "valid: issuer %s", x->issuer);
		is_int(x->nsans, 4, "valid: four SANs");
		if (x->nsans == 4) {
			is_str(x->sans[0], "DNS:mx1.example.test", "valid: SAN 1");
			is_str(x->sans[1], "DNS:localhost", "valid: SAN 2");
			is_str(x->sans[2], "IP:127.0.0.1", "valid: SAN 3");
			is_str(x->sans[3], "IP:::1", "valid: SAN 4");
		}
		ok(x->days_left >= 363 && x->days_left <= 365, "valid: %ld days left", x->days_left);
		ok(!x->expired && !x->not_yet_valid && !x->self_signed, "valid: in date, not self-signed");
		ok(has(x->not_after, " UTC") && strlen(x->not_after) == 23, "valid: not after %s",
			x->not_after);
		is_str(x->key_type, "RSA", "valid: RSA key");
		is_int(x->key_bits, 2048, "valid: 2048 bits");
		is_str(x->sig_alg, "ecdsa-with-SHA256", "valid: signed by the EC root");
		ok(strlen(x->sha256) == 95 && x->sha256[2] == ':', "valid: fingerprint %s", x->sha256);
		ok(has(x->pem, "-----BEGIN CERTIFICATE-----"), "valid: PEM");
	}
	ok(tlsc_write(t, "SNI\n", 4, 3000, &e) && read_line(t, c.fd, line, sizeof(line), &e),
		"valid: data round trip");
	is_str(line, "SNI mx1.example.test", "valid: server received the SNI");
	done(t, &c, &info);
}

static void test_ip_literal(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	char line[300] = "";

	s.serve = true;
	t = handshake(&s, &c, "127.0.0.1", &o, 5000, &info, &e);
	ok(t != NULL, "IP literal: handshake");
	if (t) {
		is_str(info.sni, "", "IP literal: no SNI");
		ok(info.verified && info.name_checked && info.name_ok, "IP literal: IP SAN checked, ok");
		is_str(info.verify_name, "127.0.0.1", "IP literal: name is the address");
		ok(tlsc_write(t, "SNI\n", 4, 3000, &e) && read_line(t, c.fd, line, sizeof(line), &e),
			"IP literal: data");
		is_str(line, "SNI -", "IP literal: server received no SNI");
	}
	done(t, &c, &info);

	/* An IPv6 literal in brackets (checked as an address, whatever the route). */
	s.serve = false;
	t = handshake(&s, &c, "[::1]", &o, 5000, &info, &e);
	ok(t && info.sni[0] == '\0' && info.name_ok && strcmp(info.verify_name, "::1") == 0,
		"IPv6 literal: no SNI, IP:::1 matches");
	done(t, &c, &info);

	/* An address that is not in the certificate. */
	t = handshake(&s, &c, "127.0.0.2", &o, 5000, &info, &e);
	ok(t && info.verified && info.name_checked && !info.name_ok,
		"IP literal: wrong address is a name mismatch, chain ok");
	done(t, &c, &info);
}

static void test_sni_options(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem"), .no_sni = true };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	char line[300] = "";

	s.serve = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	if (t) {
		tlsc_write(t, "SNI\n", 4, 3000, &e);
		read_line(t, c.fd, line, sizeof(line), &e);
	}
	ok(t && strcmp(info.sni, "") == 0 && strcmp(line, "SNI -") == 0, "no_sni: none sent (%s)",
		line);
	ok(t && info.name_ok, "no_sni: the name is still checked");
	done(t, &c, &info);

	o.no_sni = false;
	o.sni = "custom.example.test";
	line[0] = '\0';
	t = handshake(&s, &c, "mx1.example.test.", &o, 5000, &info, &e);
	if (t) {
		tlsc_write(t, "SNI\n", 4, 3000, &e);
		read_line(t, c.fd, line, sizeof(line), &e);
	}
	is_str(line, "SNI custom.example.test", "sni option: sent as given");
	ok(t && info.name_ok && strcmp(info.verify_name, "mx1.example.test") == 0,
		"sni option: the host (trailing dot dropped) is still the name checked");
	done(t, &c, &info);
}

static void test_expired(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .cert = "expired.pem", .key = "expired.key" };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "expired: handshake completes (report mode)");
	if (t) {
		is_int(info.verify_code, X509_V_ERR_CERT_HAS_EXPIRED, "expired: verify code");
		ok(!info.verified, "expired: not verified");
		ok(has(info.verify_reason, "expired"), "expired: reason \"%s\"", info.verify_reason);
		ok(info.name_ok, "expired: the name still matches");
		ok(info.nchain == 1 && info.chain[0].expired && info.chain[0].days_left < 0,
			"expired: expired, %ld days left", info.nchain ? info.chain[0].days_left : 0);
		ok(info.nchain == 1 && strcmp(info.chain[0].not_after, "2021-01-01 00:00:00 UTC") == 0,
			"expired: not after");
	}
	done(t, &c, &info);

	o.verify_required = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t == NULL && e.kind == ERR_TLS, "expired + verify_required: handshake fails");
	ok(has(e.msg, "certificate has expired"), "expired + verify_required: says why");
	done(t, &c, &info);
}

static void test_wrong_name(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .cert = "wrongname.pem", .key = "wrongname.key" };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "wrong name: handshake");
	if (t) {
		ok(info.verified && info.verify_code == X509_V_OK, "wrong name: chain ok");
		ok(info.name_checked && !info.name_ok, "wrong name: name mismatch");
		ok(info.nchain == 1 && info.chain[0].nsans == 1 &&
			strcmp(info.chain[0].sans[0], "DNS:other.example.test") == 0, "wrong name: SAN");
	}
	done(t, &c, &info);

	o.verify_name = "other.example.test";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.name_ok && strcmp(info.sni, "mx1.example.test") == 0,
		"wrong name: verify_name overrides the name, not the SNI");
	done(t, &c, &info);

	o.verify_name = NULL;
	o.verify_required = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t == NULL && has(e.msg, "hostname mismatch") && has(e.msg, "mx1.example.test"),
		"wrong name + verify_required: fails naming the mismatch");
	done(t, &c, &info);
}

static void test_self_signed(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .cert = "selfsigned.pem", .key = "selfsigned.key" };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && !info.verified && info.verify_code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
		"self-signed: not verified (%ld %s)", info.verify_code, info.verify_reason);
	ok(t && info.nchain == 1 && info.chain[0].self_signed && info.chain[0].key_bits == 256 &&
		strcmp(info.chain[0].key_type, "EC") == 0, "self-signed: flagged, EC 256");
	ok(t && has(info.peer_sig, "ECDSA"), "self-signed: ECDSA signature (%s)", info.peer_sig);
	done(t, &c, &info);
}

static void test_chain(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .cert = "chain.pem", .key = "chain.key" };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && !info.verified && info.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
		"leaf without intermediate: %ld %s", info.verify_code, info.verify_reason);
	ok(t && info.nchain == 1, "leaf without intermediate: one certificate");
	done(t, &c, &info);

	s.cert = "chain-full.pem";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.verified && info.name_ok, "leaf + intermediate: verified");
	is_int(info.nchain, 2, "leaf + intermediate: two certificates");
	ok(info.nchain == 2 && has(info.chain[1].subject, "intermediate") &&
		has(info.chain[0].issuer, "intermediate"), "leaf + intermediate: order as sent");
	done(t, &c, &info);
}

static void test_versions(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem"), .min_version = 12, .max_version = 12 };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "TLS 1.2 only: handshake");
	is_str(info.protocol, "TLSv1.2", "TLS 1.2 only: protocol");
	ok(t && has(info.cipher, "ECDHE") && info.group[0], "TLS 1.2 only: %s, group %s",
		info.cipher, info.group);
	done(t, &c, &info);

	o.min_version = o.max_version = 13;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	is_str(info.protocol, "TLSv1.3", "TLS 1.3 only: protocol");
	done(t, &c, &info);

	/* The server stops at 1.2, the client starts at 1.3. */
	s.max = TLS1_2_VERSION;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t == NULL && has(e.msg, "protocol version"), "no common version: says so");
	done(t, &c, &info);

	o.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
	o.max_version = 0;
	s.max = 0;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	is_str(info.cipher, "TLS_CHACHA20_POLY1305_SHA256", "ciphersuites: used");
	done(t, &c, &info);
}

static void test_client_cert(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem"), .cert_file = cert("client.pem"),
		.key_file = cert("client.key") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	enum tlsc_io r;

	s.client_auth = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL && info.verified, "client cert: handshake");
	tlsc_info_finish(&info);
	tlsc_destroy(t);
	is_int(srv_finish(&c), 0, "client cert: the server verified it");

	/* Without one: TLS 1.2 fails in the handshake. */
	o.cert_file = o.key_file = NULL;
	o.max_version = 12;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t == NULL && has(e.msg, "handshake failure") &&
		has(e.msg, "asked for a client certificate and none was given"),
		"no client cert, TLS 1.2: handshake fails with the alert");
	tlsc_destroy(t);
	ok(srv_finish(&c) != 0, "no client cert, TLS 1.2: server refused");

	/* TLS 1.3: the client finishes first, the alert comes with the first read. */
	o.max_version = 0;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "no client cert, TLS 1.3: client side of the handshake completes");
	if (t) {
		r = read_until_end(t, c.fd, 3000, &e);
		ok(r == TLSC_ERROR && has(e.msg, "certificate required") && has(e.msg, "none was given"),
			"no client cert, TLS 1.3: first read gives the alert: %s", e.msg);
	}
	done(t, &c, &info);
}

static void test_dane(void)
{
	unsigned char ee[64], ta[64], rnd[32], exp_md[32];
	struct tlsc_tlsa recs[2];
	struct tlsc_tlsa tlsa_ee, tlsa_ta;
	struct tlsc_opts o = { .dane_base = "wrong.example.test" };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	if (!load_tlsa("valid.tlsa", &tlsa_ee, ee, sizeof(ee)) ||
			!load_tlsa("root.tlsa", &tlsa_ta, ta, sizeof(ta))) {
		ok(0, "DANE: TLSA files");
		return;
	}
	ok(tlsa_ee.usage == 3 && tlsa_ee.len == 32 && tlsa_ta.usage == 2 && tlsa_ta.len == 32,
		"DANE: TLSA files parsed");

	/* 3 1 1 of the leaf: verified although the name is wrong and no CA is given. */
	o.tlsa = &tlsa_ee;
	o.ntlsa = 1;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t != NULL, "DANE-EE: handshake");
	ok(info.dane && info.verified, "DANE-EE: verified with a wrong name (%s)", info.verify_reason);
	is_int(info.ntlsa, 1, "DANE-EE: one result");
	is_int(info.ntlsa ? info.tlsa_match[0] : 99, 0, "DANE-EE: matches depth 0");
	is_int(info.dane_depth, 0, "DANE-EE: OpenSSL agrees");
	ok(!info.name_checked, "DANE-EE: no name check");
	is_str(info.sni, "wrong.example.test", "DANE-EE: SNI is the TLSA base");
	done(t, &c, &info);

	/* Random data: no match. */
	for (size_t i = 0; i < sizeof(rnd); i++) {
		rnd[i] = (unsigned char)(i * 37 + 11);
	}
	recs[0] = tlsa_ee;
	recs[0].data = rnd;
	o.tlsa = recs;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.dane && !info.verified && info.verify_code == X509_V_ERR_DANE_NO_MATCH,
		"DANE-EE no match: not verified (%s)", info.verify_reason);
	is_int(info.ntlsa ? info.tlsa_match[0] : 99, -1, "DANE-EE no match: -1");
	is_int(info.dane_depth, -1, "DANE-EE no match: no authority");
	done(t, &c, &info);

	o.verify_required = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t == NULL && has(e.msg, "no TLSA record matches"), "DANE no match + verify_required: fails");
	done(t, &c, &info);
	o.verify_required = false;

	/* Usage 1 is unusable for SMTP, even when its data would match. */
	recs[0] = tlsa_ee;
	recs[0].usage = 1;
	recs[1] = tlsa_ee;
	o.ntlsa = 2;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.dane && info.verified, "usage 1 + 3: verified by the usable record");
	ok(info.ntlsa == 2 && info.tlsa_match[0] == -2 && info.tlsa_match[1] == 0,
		"usage 1 + 3: -2 and 0");
	done(t, &c, &info);

	/* Only unusable records: no DANE, plain PKIX. */
	o.ntlsa = 1;
	o.ca_file = cert("root.pem");
	o.dane_base = NULL;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && !info.dane && info.verified && info.name_ok, "only usage 1: PKIX instead");
	is_int(info.ntlsa ? info.tlsa_match[0] : 99, -2, "only usage 1: unusable");
	done(t, &c, &info);
	o.ca_file = NULL;

	/* A SHA-256 record with the wrong length is unusable too. */
	recs[0] = tlsa_ee;
	recs[0].len = 20;
	recs[1] = tlsa_ee;
	o.ntlsa = 2;
	o.dane_base = "mx1.example.test";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.verified && info.ntlsa == 2 && info.tlsa_match[0] == -2 &&
		info.tlsa_match[1] == 0, "bad digest length: unusable");
	done(t, &c, &info);

	/* 2 0 1 of the root, which the server sends after the leaf. */
	s.cert = "valid-full.pem";
	o.tlsa = &tlsa_ta;
	o.ntlsa = 1;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.dane && info.verified, "DANE-TA: verified (%s)", info.verify_reason);
	is_int(info.ntlsa ? info.tlsa_match[0] : 99, 1, "DANE-TA: matches depth 1");
	is_int(info.dane_depth, 1, "DANE-TA: OpenSSL agrees");
	ok(info.name_checked && info.name_ok, "DANE-TA: name checked against the base");
	done(t, &c, &info);

	o.dane_base = "wrong.example.test";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.verified && info.name_checked && !info.name_ok,
		"DANE-TA wrong base: chain matched, name mismatch");
	is_int(info.ntlsa ? info.tlsa_match[0] : 99, 1, "DANE-TA wrong base: still matches depth 1");
	done(t, &c, &info);

	/* The root's record when the server does not send the root. */
	s.cert = "valid.pem";
	o.dane_base = "mx1.example.test";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && !info.verified && info.tlsa_match[0] == -1, "DANE-TA not sent: no match");
	done(t, &c, &info);

	/* DANE-EE ignores expiry (RFC 7672 section 3.1.1). */
	if (spki_sha256("expired.pem", exp_md)) {
		recs[0] = tlsa_ee;
		recs[0].data = exp_md;
		o.tlsa = recs;
		o.verify_required = true;
		s.cert = "expired.pem";
		s.key = "expired.key";
		t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
		ok(t && info.verified && info.tlsa_match[0] == 0 && info.chain[0].expired,
			"DANE-EE: an expired leaf is fine, even with verify_required");
		done(t, &c, &info);
	} else {
		ok(0, "DANE-EE expired: SPKI digest");
	}
}

static void test_ocsp(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;

	s.ocsp = "valid.ocsp";
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.ocsp_stapled, "OCSP: staple received");
	ok(strncmp(info.ocsp, "good, next update 20", 20) == 0 && !has(info.ocsp, "not verified"),
		"OCSP: \"%s\"", info.ocsp);
	done(t, &c, &info);

	s.max = TLS1_2_VERSION;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && info.ocsp_stapled && strncmp(info.ocsp, "good", 4) == 0, "OCSP over TLS 1.2: \"%s\"",
		info.ocsp);
	done(t, &c, &info);

	/* Without the root the signature cannot be checked: said, not hidden. */
	o.ca_file = cert("client-ca.pem");
	s.max = 0;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	ok(t && has(info.ocsp, "good") && has(info.ocsp, "not verified"), "OCSP unverified: \"%s\"",
		info.ocsp);
	done(t, &c, &info);
}

static void test_plaintext(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .mode = SRV_PLAIN_REPLY };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	int64_t t0 = now_ms();
	size_t n = 0;

	t = handshake(&s, &c, "mx1.example.test", &o, 3000, &info, &e);
	ok(t == NULL && e.kind == ERR_TLS, "plaintext reply: handshake fails");
	ok(has(e.msg, "plaintext instead of a TLS record") && has(e.msg, "220 h") &&
		has(e.msg, "wrong version number"), "plaintext reply: says so");
	ok(now_ms() - t0 < 2500, "plaintext reply: no hang (%lld ms)", (long long)(now_ms() - t0));
	done(t, &c, &info);

	/* The server speaks first: the bytes are there before the handshake. */
	s.mode = SRV_PLAIN_FIRST;
	if (!srv_start(&s, &c)) {
		ok(0, "early bytes: server");
		return;
	}
	ok(wait_readable(c.fd, 3000), "early bytes: the greeting arrived");
	ok(tlsc_peek_early_bytes(c.fd, &n), "early bytes: found");
	is_int(n, 11, "early bytes: all 11 counted");
	ok(tlsc_peek_early_bytes(c.fd, NULL), "early bytes: peeking does not consume");
	err_clear(&e);
	t = tlsc_start(c.fd, "mx1.example.test", &o, 3000, &e);
	ok(t == NULL && e.kind == ERR_TLS &&
		strncmp(e.msg, "bytes arrived before the TLS handshake", 38) == 0,
		"early bytes: tlsc_start refuses");
	ok(has(e.msg, "220 hello\\r\\n"), "early bytes: shows them: %s", e.msg);
	tlsc_destroy(t);
	srv_finish(&c);

	s.mode = SRV_SILENT;
	if (srv_start(&s, &c)) {
		ok(!tlsc_peek_early_bytes(c.fd, &n) && n == 0, "early bytes: none from a silent server");
		srv_finish(&c);
	}
}

static void test_silent(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = { .mode = SRV_SILENT };
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	int64_t t0 = now_ms(), dt;

	t = handshake(&s, &c, "mx1.example.test", &o, 800, &info, &e);
	dt = now_ms() - t0;
	ok(t == NULL && e.kind == ERR_TLS && has(e.msg, "server did not answer the TLS handshake"),
		"silent server: times out");
	ok(dt >= 700 && dt < 2000, "silent server: within the bound (%lld ms)", (long long)dt);
	done(t, &c, &info);
}

static void test_data(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	unsigned char *big = malloc(MB);
	char line[300] = "", want[64];
	bool same = true;
	enum tlsc_io r;

	s.serve = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	if (!t || !big) {
		ok(0, "data: handshake");
		free(big);
		done(t, &c, &info);
		return;
	}
	/* 1 MB from the server, read in pieces that do not fit records. */
	ok(tlsc_write(t, "SEND 1048576\n", 13, 3000, &e), "data: request");
	ok(read_exact(t, c.fd, big, MB, 1000, &e), "data: 1 MB read, nothing left inside OpenSSL (%s)",
		e.msg);
	for (size_t i = 0; i < MB; i++) {
		if (big[i] != pattern(i)) {
			same = false;
			break;
		}
	}
	ok(same, "data: 1 MB intact");
	r = read_until_end(t, c.fd, 200, &e);
	ok(r == TLSC_AGAIN, "data: nothing more");

	/* 1 MB to the server in one write. */
	for (size_t i = 0; i < MB; i++) {
		big[i] = pattern(i);
	}
	ok(tlsc_write(t, "RECV 1048576\n", 13, 3000, &e) && tlsc_write(t, big, MB, 5000, &e),
		"data: 1 MB written");
	ok(read_line(t, c.fd, line, sizeof(line), &e), "data: answer");
	snprintf(want, sizeof(want), "GOT %d %d", MB, MB);
	is_str(line, want, "data: the server got it all, intact");

	/* A clean end: close_notify, then EOF with no error. */
	ok(tlsc_write(t, "QUIT\n", 5, 3000, &e), "data: quit");
	e.kind = ERR_INTERNAL;
	r = read_until_end(t, c.fd, 3000, &e);
	ok(r == TLSC_EOF && e.kind == ERR_NONE, "data: EOF after close_notify, no error");
	free(big);
	done(t, &c, &info);

	/* A cut connection: EOF, noted. */
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	if (t) {
		tlsc_write(t, "DROP\n", 5, 3000, &e);
		r = read_until_end(t, c.fd, 3000, &e);
		ok(r == TLSC_EOF && e.kind == ERR_CONN && has(e.msg, "close_notify"),
			"data: EOF without close_notify is noted: %s", e.msg);
		ok(!tlsc_write(t, "x", 1, 1000, &e), "data: no write after the end");
	}
	done(t, &c, &info);

	/* Writing to a server that has gone must fail, not raise SIGPIPE. */
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	if (t) {
		bool failed = false;

		tlsc_write(t, "DROP\n", 5, 3000, &e);
		usleep(100000);
		for (int i = 0; i < 50 && !failed; i++) {
			failed = !tlsc_write(t, "NOOP\n", 5, 1000, &e);
			usleep(10000);
		}
		ok(failed && e.kind != ERR_NONE, "data: writing to a closed peer fails: %s", e.msg);
	}
	done(t, &c, &info);
}

static void test_write_timeout(void)
{
	struct tlsc_opts o = { .ca_file = cert("root.pem") };
	struct srv s = srv_valid;
	struct tlsc_info info;
	struct conn c;
	struct err e;
	struct tlsc *t;
	size_t len = 32 * MB;
	unsigned char *big = calloc(1, len);
	int64_t t0;

	s.stall = true;
	t = handshake(&s, &c, "mx1.example.test", &o, 5000, &info, &e);
	if (t && big) {
		t0 = now_ms();
		ok(!tlsc_write(t, big, len, 300, &e) && e.kind == ERR_TIMEOUT,
			"write timeout: a server that does not read: %s", e.msg);
		ok(now_ms() - t0 < 1500, "write timeout: within the bound (%lld ms)",
			(long long)(now_ms() - t0));
		ok(!tlsc_write(t, "x", 1, 300, &e) && has(e.msg, "no longer usable"),
			"write timeout: the session is not used again");
	} else {
		ok(0, "write timeout: handshake");
	}
	if (c.pid > 0) {
		kill(c.pid, SIGKILL);
	}
	free(big);
	done(t, &c, &info);
}

static void test_options(void)
{
	struct tlsc_opts o = { .min_version = 9 };
	struct err e;
	int sv[2];

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "options: socketpair");
	err_clear(&e);
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_USAGE, "options: bad version");
	o.min_version = 13;
	o.max_version = 12;
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_USAGE, "options: min above max");
	o.min_version = o.max_version = 0;
	o.ciphers = "NO-SUCH-CIPHER";
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_USAGE, "options: bad cipher list");
	o.ciphers = NULL;
	o.ca_file = cert("no-such-file.pem");
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_IO, "options: missing CA file: %s",
		e.msg);
	o.ca_file = cert("root.pem");
	o.cert_file = cert("no-such-file.pem");
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_IO, "options: missing client cert");
	o.cert_file = cert("client.pem");
	o.key_file = cert("valid.key");
	ok(!tlsc_start(sv[0], "x", &o, 100, &e) && e.kind == ERR_IO && has(e.msg, "does not belong"),
		"options: key of another certificate");
	close(sv[0]);
	close(sv[1]);

	tlsc_destroy(NULL);
	struct tlsc_info zero;

	memset(&zero, 0, sizeof(zero));
	tlsc_info_finish(&zero);
	tlsc_info_finish(NULL);
	ok(1, "options: destroy(NULL) and finish of a zeroed info");
	is_str(tlsc_tlsa_usage_name(3), "DANE-EE", "names: usage 3");
	is_str(tlsc_tlsa_usage_name(0), "PKIX-TA", "names: usage 0");
	is_str(tlsc_tlsa_selector_name(1), "SPKI", "names: selector 1");
	is_str(tlsc_tlsa_selector_name(0), "Cert", "names: selector 0");
	is_str(tlsc_tlsa_mtype_name(1), "SHA2-256", "names: type 1");
	is_str(tlsc_tlsa_mtype_name(2), "SHA2-512", "names: type 2");
	is_str(tlsc_tlsa_mtype_name(0), "Full", "names: type 0");
	is_str(tlsc_tlsa_usage_name(9), "unassigned", "names: unknown usage");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("TLS_CERTS");
	char tmp[4096] = "";
	int rc;

	alarm(240);
	if (dir && *dir) {
		snprintf(certdir, sizeof(certdir), "%s", dir);
	} else {
		const char *script = getenv("TLS_MKCERTS");
		const char *base = getenv("TMPDIR");

		if (!script || !*script) {
			script = "tests/tls/mkcerts.sh";
		}
		snprintf(tmp, sizeof(tmp), "%s/test-tls.XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmp)) {
			printf("Bail out! cannot create a directory in %s\n", base && *base ? base : "/tmp");
			return 1;
		}
		if (!run_mkcerts(script, tmp)) {
			printf("Bail out! cannot generate certificates with %s\n", script);
			remove_dir(tmp);
			return 1;
		}
		snprintf(certdir, sizeof(certdir), "%s", tmp);
	}
	if (!file_exists(cert("valid.pem"))) {
		printf("Bail out! no certificates in %s (run tests/tls/mkcerts.sh DIR)\n", certdir);
		return 1;
	}

	test_valid();
	test_ip_literal();
	test_sni_options();
	test_expired();
	test_wrong_name();
	test_self_signed();
	test_chain();
	test_versions();
	test_client_cert();
	test_dane();
	test_ocsp();
	test_plaintext();
	test_silent();
	test_data();
	test_write_timeout();
	test_options();

	tlsc_cleanup();
	rc = done_testing();
	if (tmp[0]) {
		remove_dir(tmp);
	}
	return rc;
}

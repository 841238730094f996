/* SPDX-License-Identifier: MIT */
/* Why a TLS operation failed, in words: alerts, plaintext replies, OpenSSL's queue. */
#include "tls_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "util.h"

void tlsc_ssl_errors(char *out, size_t len)
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

void tlsc_escape(const unsigned char *s, size_t n, char *out, size_t len)
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

char *tlsc_escape_dup(const unsigned char *s, size_t n)
{
	size_t len = n * 4 + 1;
	char *out = xmalloc(len);

	tlsc_escape(s, n, out, len);
	return out;
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

void tlsc_explain(struct tlsc *t, int ssl_err, int saved_errno, const char *what,
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

/* SPDX-License-Identifier: MIT */
/* STARTTLS and implicit TLS in the shell core, and the reports of what the handshake showed. */
#include "shell_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell_dns.h"
#include "util.h"

/* The host a certificate should name: what the user connected to. */
static const char *connect_host(const struct shell *sh)
{
	return sh->target.kind == TARGET_UNIX ? "localhost" : sh->target.host;
}

static void cert_validity(struct strbuf *b, const struct tlsc_cert *c)
{
	if (c->expired)
		strbuf_addf(b, "EXPIRED %ld days ago", -c->days_left);
	else if (c->not_yet_valid)
		strbuf_addf(b, "NOT YET VALID (from %s)", c->not_before);
	else
		strbuf_addf(b, "%ld days left", c->days_left);
}

static void emit_summary(struct shell *sh, const struct tlsc_info *in)
{
	struct strbuf b;
	bool bad = !in->verified || (in->name_checked && !in->name_ok);
	const struct tlsc_cert *leaf = in->nchain ? &in->chain[0] : NULL;

	strbuf_init(&b);
	strbuf_addf(&b, "TLS %s %s", in->protocol, in->cipher);
	if (in->group[0])
		strbuf_addf(&b, " %s", in->group);
	if (in->peer_sig[0])
		strbuf_addf(&b, " %s", in->peer_sig);
	strbuf_addf(&b, ", SNI %s; ", in->sni[0] ? in->sni : "none");
	if (leaf) {
		char *subj = render_sanitize_dup(leaf->subject, strlen(leaf->subject));

		strbuf_addf(&b, "certificate %s ", subj);
		free(subj);
	}
	if (in->dane && in->verified && in->name_checked && !in->name_ok)
		strbuf_adds(&b, "DANE-TA matched but not authenticated");
	else if (in->dane)
		strbuf_addf(&b, "%s", in->verified ? "DANE-verified" : "DANE verification FAILED");
	else if (in->verified)
		strbuf_adds(&b, "verified");
	else
		strbuf_addf(&b, "NOT verified: %s", in->verify_reason);
	if (in->name_checked)
		strbuf_addf(&b, ", name %s %s", in->verify_name, in->name_ok ? "ok" : "MISMATCH");
	if (leaf) {
		strbuf_adds(&b, ", ");
		cert_validity(&b, leaf);
	}
	shell_emit(sh, bad ? RENDER_WARN : RENDER_EVENT, "%s", b.s);
	strbuf_finish(&b);
}

/* Bytes waiting after the 220 to STARTTLS: report them, escaped, and drop them. */
static bool injection_guard(struct shell *sh)
{
	size_t len, shown;
	const char *data = transport_data(sh->tr, &len);
	char *safe;

	if (len == 0)
		return true;
	shown = len > 200 ? 200 : len;
	safe = render_sanitize_dup(data, shown);
	shell_emit(sh, RENDER_ERROR,
		"STARTTLS RESPONSE INJECTION: %zu byte%s arrived after the 220 and before the TLS handshake "
		"(CVE-2011-0411 class); discarded, never read as replies: \"%s%s\"",
		len, len == 1 ? "" : "s", safe, len > shown ? "..." : "");
	free(safe);
	transport_discard(sh->tr);
	sh->tls_fault = true;
	return false;
}

enum shell_status shell_tls_start(struct shell *sh, bool starttls)
{
	struct err e;
	struct tlsc_info info;
	struct tlsc_opts o = sh->opts.tls;

	struct shell_tlsa tlsa;

	err_clear(&e);
	memset(&tlsa, 0, sizeof(tlsa));
	if (!sh->tr)
		return SHELL_CONN;
	if (starttls)
		injection_guard(sh);
	o.verify_required = sh->opts.tls_verify;
	if (sh->opts.dane && sh->target.kind == TARGET_INET &&
			shell_tlsa_lookup(sh, sh->target.host, sh->target.port, &tlsa)) {
		size_t usable = 0, i;

		for (i = 0; i < tlsa.n; i++)
			if ((tlsa.recs[i].usage == 2 || tlsa.recs[i].usage == 3) && tlsa.recs[i].selector <= 1 &&
					tlsa.recs[i].mtype <= 2)
				usable++;
		if (tlsa.sec == DNS_SEC_BOGUS) {
			/* RFC 7672 2.2: a bogus TLSA answer means do not deliver to this host. */
			shell_emit(sh, RENDER_WARN,
				"DANE: TLSA at %s is bogus: a DANE sender must not deliver to this host; verifying with PKIX",
				tlsa.owner);
			if (sh->opts.tls_verify) {
				shell_tlsa_finish(&tlsa);
				shell_emit(sh, RENDER_ERROR, "DANE: bogus TLSA and --tls-verify is set");
				shell_close(sh, "connection closed");
				return SHELL_TLS;
			}
		} else if (tlsa.n > 0 && tlsa.sec == DNS_SEC_SECURE && usable > 0) {
			o.tlsa = tlsa.recs;
			o.ntlsa = tlsa.n;
			o.dane_base = sh->target.host;
			shell_emit(sh, RENDER_EVENT, "DANE: %zu DNSSEC-secure TLSA record%s at %s: verifying with them",
				tlsa.n, tlsa.n == 1 ? "" : "s", tlsa.owner);
		} else if (tlsa.n > 0 && tlsa.sec == DNS_SEC_SECURE) {
			for (i = 0; i < tlsa.n; i++)
				shell_emit(sh, RENDER_WARN, "DANE: TLSA %u %u %u (%s %s %s): unusable for SMTP",
					tlsa.recs[i].usage, tlsa.recs[i].selector, tlsa.recs[i].mtype,
					tlsc_tlsa_usage_name(tlsa.recs[i].usage),
					tlsc_tlsa_selector_name(tlsa.recs[i].selector),
					tlsc_tlsa_mtype_name(tlsa.recs[i].mtype));
			shell_emit(sh, RENDER_WARN, "DANE: no usable TLSA record at %s: verifying with PKIX", tlsa.owner);
		} else if (tlsa.n > 0) {
			shell_emit(sh, RENDER_WARN, "DANE: TLSA at %s is %s, not secure: unusable, verifying with PKIX",
				tlsa.owner, dns_sec_name(tlsa.sec));
		} else {
			shell_emit(sh, RENDER_EVENT, "DANE: no TLSA records at %s (%s): verifying with PKIX",
				tlsa.owner, dns_sec_name(tlsa.sec));
		}
	}
	if (!transport_start_tls(sh->tr, connect_host(sh), &o, sh->opts.timeout_ms, &e)) {
		char *safe = render_sanitize_dup(e.msg, strlen(e.msg));

		/* tls.c may already say what failed; do not say it twice. */
		if (strncmp(safe, "TLS handshake failed", 20) == 0)
			shell_emit(sh, RENDER_ERROR, "%s", safe);
		else
			shell_emit(sh, RENDER_ERROR, "TLS handshake failed: %s", safe);
		free(safe);
		shell_tlsa_finish(&tlsa);
		shell_close(sh, "connection closed: no plaintext fallback after a failed handshake");
		return SHELL_TLS;
	}
	session_tls_started(&sh->sess);
	memset(&info, 0, sizeof(info));
	if (tlsc_info_get(transport_tls(sh->tr), &info, &e)) {
		size_t i;

		emit_summary(sh, &info);
		for (i = 0; o.ntlsa && i < info.ntlsa && i < tlsa.n; i++) {
			const struct tlsc_tlsa *r = &tlsa.recs[i];
			int m = info.tlsa_match[i];
			char what[48];

			if (m >= 0)
				snprintf(what, sizeof(what), "matches certificate %d%s", m, m > 0 ? " (an issuer)" : "");
			else
				snprintf(what, sizeof(what), "%s", m == -2 ? "unusable for SMTP" : "no match");
			shell_emit(sh, m >= 0 ? RENDER_EVENT : RENDER_WARN, "DANE: TLSA %u %u %u (%s %s %s): %s",
				r->usage, r->selector, r->mtype, tlsc_tlsa_usage_name(r->usage),
				tlsc_tlsa_selector_name(r->selector), tlsc_tlsa_mtype_name(r->mtype), what);
		}
		if (info.dane && sh->opts.tls_verify && !info.verified) {
			tlsc_info_finish(&info);
			shell_tlsa_finish(&tlsa);
			shell_emit(sh, RENDER_ERROR, "DANE verification failed and --tls-verify is set");
			shell_close(sh, "connection closed");
			return SHELL_TLS;
		}
		tlsc_info_finish(&info);
	}
	shell_tlsa_finish(&tlsa);
	if (starttls && sh->sess.have_pre_tls_caps)
		shell_emit(sh, RENDER_EVENT, "capabilities learned before TLS are stale: send EHLO again");
	if (sh->tls_fault)
		return SHELL_TLS;
	return SHELL_OK;
}

static bool cap_in(const struct session_cap *caps, size_t n, const struct session_cap *c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(caps[i].keyword, c->keyword) == 0 && strcmp(caps[i].params, c->params) == 0)
			return true;
	return false;
}

void shell_tls_caps_changed(struct shell *sh)
{
	const struct session *s = &sh->sess;
	struct strbuf b;
	size_t i;

	if (!s->tls || !s->have_pre_tls_caps)
		return;
	strbuf_init(&b);
	for (i = 0; i < s->ncaps; i++)
		if (!cap_in(s->pre_tls_caps, s->npre_tls_caps, &s->caps[i]))
			strbuf_addf(&b, "%s+%s%s%s", b.len ? ", " : "", s->caps[i].keyword,
				s->caps[i].params[0] ? " " : "", s->caps[i].params);
	for (i = 0; i < s->npre_tls_caps; i++)
		if (!cap_in(s->caps, s->ncaps, &s->pre_tls_caps[i]))
			strbuf_addf(&b, "%s-%s%s%s", b.len ? ", " : "", s->pre_tls_caps[i].keyword,
				s->pre_tls_caps[i].params[0] ? " " : "", s->pre_tls_caps[i].params);
	if (b.len) {
		char *safe = render_sanitize_dup(b.s, b.len);

		shell_emit(sh, RENDER_EVENT, "capabilities changed across TLS: %s", safe);
		free(safe);
	} else {
		shell_emit(sh, RENDER_EVENT, "capabilities unchanged across TLS");
	}
	strbuf_finish(&b);
	/* Reported once, for the first EHLO inside TLS. */
	sh->sess.have_pre_tls_caps = false;
}

static void show_cert(struct shell *sh, const struct tlsc_cert *c, size_t depth, bool pem)
{
	struct strbuf b;
	char *s;
	size_t i;

	s = render_sanitize_dup(c->subject, strlen(c->subject));
	shell_emit(sh, RENDER_INFO, "  %zu %s%s", depth, s, c->self_signed ? " (self-signed)" : "");
	free(s);
	s = render_sanitize_dup(c->issuer, strlen(c->issuer));
	shell_emit(sh, RENDER_INFO, "    issuer    %s", s);
	free(s);
	strbuf_init(&b);
	for (i = 0; i < c->nsans; i++)
		strbuf_addf(&b, "%s%s", i ? ", " : "", c->sans[i]);
	s = render_sanitize_dup(b.s ? b.s : "", b.len);
	shell_emit(sh, RENDER_INFO, "    SANs      %s", c->nsans ? s : "(none)");
	free(s);
	strbuf_reset(&b);
	cert_validity(&b, c);
	shell_emit(sh, RENDER_INFO, "    valid     %s to %s (%s)", c->not_before, c->not_after, b.s);
	strbuf_finish(&b);
	shell_emit(sh, RENDER_INFO, "    key       %s %d bits, signed %s", c->key_type, c->key_bits,
		c->sig_alg);
	shell_emit(sh, RENDER_INFO, "    SHA-256   %s", c->sha256);
	if (pem && c->pem) {
		char *save = NULL, *copy = xstrdup(c->pem), *line;

		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			shell_emit(sh, RENDER_INFO, "%s", line);
		free(copy);
	}
}

static bool get_info(struct shell *sh, struct tlsc_info *info)
{
	struct err e;

	err_clear(&e);
	memset(info, 0, sizeof(*info));
	if (!sh->tr || !transport_tls(sh->tr)) {
		shell_emit(sh, RENDER_ERROR, "no TLS on this connection: STARTTLS (or smtps://) first");
		return false;
	}
	if (!tlsc_info_get(transport_tls(sh->tr), info, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		return false;
	}
	return true;
}

enum shell_status shell_tls_show(struct shell *sh)
{
	struct tlsc_info in;
	size_t i;

	if (!get_info(sh, &in))
		return SHELL_FAILED;
	shell_emit(sh, RENDER_INFO, "protocol      %s", in.protocol);
	shell_emit(sh, RENDER_INFO, "cipher        %s (%d bits)", in.cipher, in.cipher_bits);
	shell_emit(sh, RENDER_INFO, "key exchange  %s", in.group[0] ? in.group : "(unknown)");
	shell_emit(sh, RENDER_INFO, "server sig    %s", in.peer_sig[0] ? in.peer_sig : "(unknown)");
	shell_emit(sh, RENDER_INFO, "SNI sent      %s", in.sni[0] ? in.sni : "(none)");
	if (in.verified)
		shell_emit(sh, RENDER_INFO, "verification  ok%s", in.dane ? " (DANE)" : "");
	else
		shell_emit(sh, RENDER_INFO, "verification  FAILED: %s (code %ld)", in.verify_reason,
			in.verify_code);
	if (in.name_checked)
		shell_emit(sh, RENDER_INFO, "name check    %s: %s", in.verify_name,
			in.name_ok ? "ok" : "MISMATCH");
	else
		shell_emit(sh, RENDER_INFO, "name check    not made%s", in.dane ? " (DANE-EE: RFC 7672)" : "");
	shell_emit(sh, RENDER_INFO, "OCSP staple   %s", in.ocsp_stapled ? in.ocsp : "none");
	shell_emit(sh, RENDER_INFO, "resumed       %s", in.resumed ? "yes" : "no");
	shell_emit(sh, RENDER_INFO, "chain (%zu certificate%s, as sent by the server):", in.nchain,
		in.nchain == 1 ? "" : "s");
	for (i = 0; i < in.nchain; i++)
		show_cert(sh, &in.chain[i], i, false);
	tlsc_info_finish(&in);
	return SHELL_OK;
}

enum shell_status shell_tls_show_cert(struct shell *sh, int index, bool pem)
{
	struct tlsc_info in;

	if (!get_info(sh, &in))
		return SHELL_FAILED;
	if (index < 0 || (size_t)index >= in.nchain) {
		shell_emit(sh, RENDER_ERROR, "/cert: the server sent %zu certificate%s (0 to %zu)", in.nchain,
			in.nchain == 1 ? "" : "s", in.nchain ? in.nchain - 1 : 0);
		tlsc_info_finish(&in);
		return SHELL_USAGE;
	}
	show_cert(sh, &in.chain[index], (size_t)index, pem);
	tlsc_info_finish(&in);
	return SHELL_OK;
}

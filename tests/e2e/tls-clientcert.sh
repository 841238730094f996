#!/bin/bash
# Client certificates against a real Postfix that asks for them and verifies them against the
# test client CA: with --cert/--key Postfix logs a trusted client certificate (and which one),
# without them an anonymous client, with a certificate from another CA an untrusted one; the
# same over implicit TLS; --cert without --key (or the reverse) is a usage error.
source "$(dirname "$0")/lib.sh"

make_certs
C=$CERTS
start_postfix --cert "$C/valid.pem" --key "$C/valid.key" --smtps --ask-ccert "$C/client-ca.pem"

# Postfix's fingerprint of a certificate (smtpd_tls_fingerprint_digest = sha256 by default).
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2
}

starttls_probe() {
	run_smtpsh --ca-file "$C/root.pem" "$@" -c 'EHLO x' -c STARTTLS -c 'EHLO x' -c '/expect 250' \
		-c QUIT "127.0.0.1:$PF_PORT"
}

# ---- with the client certificate ----
starttls_probe --cert "$C/client.pem" --key "$C/client.key"
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.[23] .* verified, name 127\.0\.0\.1 ok, '
assert_out_matches '^<~ 221 '
assert_pflog_contains 'Trusted TLS connection established from unknown[127.0.0.1]'
assert_pflog_contains 'subject_CN=client.example.test, issuer=smtpsh test client CA'
assert_pflog_contains "fingerprint=$(fingerprint "$C/client.pem")"
assert_pflog_not_contains 'Anonymous TLS connection'
assert_pflog_not_contains 'Untrusted TLS connection'

# ---- without: anonymous ----
starttls_probe
assert_rc 0
assert_out_matches '^<~ 221 '
assert_pflog_contains 'Anonymous TLS connection established from unknown[127.0.0.1]'
assert_pflog_not_contains 'Trusted TLS connection'
assert_pflog_not_contains 'subject_CN=client.example.test'

# ---- a certificate the server's client CA did not sign: presented, not trusted ----
starttls_probe --cert "$C/valid.pem" --key "$C/valid.key"
assert_rc 0
assert_out_matches '^<~ 221 '
assert_pflog_contains 'Untrusted TLS connection established from unknown[127.0.0.1]'
assert_pflog_contains 'subject_CN=mx1.example.test, issuer=smtpsh test root CA'
assert_pflog_not_contains ': Trusted TLS connection'

# ---- the client certificate over implicit TLS ----
run_smtpsh --ca-file "$C/root.pem" --cert "$C/client.pem" --key "$C/client.key" \
	-c 'EHLO x' -c '/expect 250' -c QUIT "smtps://127.0.0.1:$PF_SMTPS_PORT"
assert_rc 0
assert_out_matches '^<~ 220 mx1\.example\.test ESMTP$'
assert_out_matches '^<~ 221 '
assert_pflog_contains 'Trusted TLS connection established from unknown[127.0.0.1]'
assert_pflog_contains 'subject_CN=client.example.test, issuer=smtpsh test client CA'

# ---- usage errors: one without the other, before any connection ----
run_smtpsh --cert "$C/client.pem" -c 'EHLO x' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 2
assert_err_contains '--cert and --key go together'
assert_out_not_contains 'connected'
run_smtpsh --key "$C/client.key" -c 'EHLO x' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 2
assert_err_contains '--cert and --key go together'
assert_out_not_contains 'connected'

pass

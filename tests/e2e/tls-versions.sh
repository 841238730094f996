#!/bin/bash
# TLS versions and ciphers against a real Postfix: --tls-max 1.2 and --tls-min 1.3 get what
# they ask for (smtpsh and Postfix's log agree), --tls-ciphers / --tls-ciphersuites choose the
# cipher; --tls-min 1.3 against a Postfix limited to TLS 1.2 fails the handshake with exit 4
# and a reason, and the connection is closed: nothing more is sent, in TLS or in plaintext.
source "$(dirname "$0")/lib.sh"

make_certs
C=$CERTS

starttls_probe() {
	local port=$1
	shift
	run_smtpsh --ca-file "$C/root.pem" "$@" -c 'EHLO x' -c STARTTLS -c 'EHLO x' -c /tls -c QUIT \
		"127.0.0.1:$port"
}

# ---- a Postfix with its default protocols (TLS 1.2 and 1.3 on this OpenSSL) ----
start_postfix --cert "$C/valid.pem" --key "$C/valid.key"

starttls_probe "$PF_PORT" --tls-max 1.2
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.2 [A-Z0-9-]+ .* verified, name 127\.0\.0\.1 ok, '
assert_out_matches '^protocol +TLSv1\.2$'
assert_out_matches '^<~ 221 '
assert_pflog_contains 'Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.2 with cipher'

starttls_probe "$PF_PORT" --tls-min 1.3
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.3 TLS_[A-Z0-9_]+ .* verified, name 127\.0\.0\.1 ok, '
assert_out_matches '^protocol +TLSv1\.3$'
assert_pflog_contains 'Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher'

# both bounds at once
starttls_probe "$PF_PORT" --tls-min 1.2 --tls-max 1.2
assert_rc 0
assert_out_matches '^protocol +TLSv1\.2$'

# the cipher, TLS 1.2 and TLS 1.3 each its own way
starttls_probe "$PF_PORT" --tls-max 1.2 --tls-ciphers ECDHE-RSA-AES128-GCM-SHA256
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.2 ECDHE-RSA-AES128-GCM-SHA256 '
assert_out_matches '^cipher +ECDHE-RSA-AES128-GCM-SHA256 \(128 bits\)$'
assert_pflog_contains 'TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)'

starttls_probe "$PF_PORT" --tls-min 1.3 --tls-ciphersuites TLS_AES_128_GCM_SHA256
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.3 TLS_AES_128_GCM_SHA256 '
assert_out_matches '^cipher +TLS_AES_128_GCM_SHA256 \(128 bits\)$'
assert_pflog_contains 'TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)'

# bad versions and bounds are usage errors, before any connection
run_smtpsh --tls-min 1.4 -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 2
assert_err_contains '1.4'
assert_out_not_contains 'connected'
run_smtpsh --tls-min 1.3 --tls-max 1.2 -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 2
assert_err_contains '--tls-min is above --tls-max'
assert_out_not_contains 'connected'

stop_postfix

# ---- a Postfix that speaks TLS 1.2 at most ----
start_postfix --cert "$C/valid.pem" --key "$C/valid.key" \
	--main 'smtpd_tls_protocols = <=TLSv1.2' \
	--main 'smtpd_tls_mandatory_protocols = <=TLSv1.2'

# sanity: it does speak TLS 1.2
starttls_probe "$PF_PORT"
assert_rc 0
assert_out_matches '^protocol +TLSv1\.2$'

# --tls-min 1.3: no version in common
run_smtpsh --ca-file "$C/root.pem" --tls-min 1.3 --timeout 10 \
	-c 'EHLO x' -c STARTTLS -c 'EHLO y' -c 'MAIL FROM:<a@example.test>' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 4
assert_out_matches '^<- 220 2\.0\.0 '
assert_out_matches '^!! TLS handshake failed: .*protocol version'
assert_out_not_contains 'TLS handshake failed: TLS handshake failed'
# the connection is closed, and it says so: no plaintext fallback
assert_out_contains 'connection closed: no plaintext fallback'
# nothing after the failed handshake: not the EHLO, not the rest, neither in TLS nor in clear
assert_out_not_contains 'EHLO y'
assert_out_not_contains 'MAIL FROM'
assert_out_not_matches '^~> '
assert_out_not_matches '^-> QUIT'
assert_out_matches '^!! -c line 2: stopped here \(exit code 4\)$'
assert_elapsed_lt 5
# Postfix saw one EHLO, a STARTTLS whose handshake failed, and nothing after it
assert_pflog_contains 'SSL_accept error from unknown[127.0.0.1]'
assert_pflog_matches 'disconnect from unknown\[127\.0\.0\.1\] ehlo=1 starttls=0/1 commands=1/2$'
assert_pflog_not_contains 'mail='

# the same with -k: the session is over, the next lines find no connection
run_smtpsh -k --ca-file "$C/root.pem" --tls-min 1.3 --timeout 10 \
	-c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: '
assert_out_not_matches '^(->|~>) EHLO y'
assert_out_not_matches '^(->|~>) QUIT'
assert_out_matches '^!! .*not connected'
assert_pflog_matches 'disconnect from unknown\[127\.0\.0\.1\] ehlo=1 starttls=0/1 commands=1/2$'

pass

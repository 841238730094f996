#!/bin/bash
# Implicit TLS (RFC 8314 "smtps") against a real Postfix in wrapper mode: with smtps:// and
# with --tls the handshake comes before the greeting, the greeting arrives inside TLS
# (<~ 220), and the session works; --tls against the STARTTLS port, where the server speaks
# plaintext first, fails at once with exit 4 and says why.
source "$(dirname "$0")/lib.sh"

make_certs
C=$CERTS
# a leaf signed by the intermediate, which Postfix sends after it (--chain)
start_postfix --cert "$C/chain.pem" --key "$C/chain.key" --chain "$C/inter.pem" --smtps

# Everything inside TLS, the verdict before the greeting.
implicit_ok() {
	assert_rc 0
	assert_out_matches '^\*\* TLS TLSv1\.[23] .* verified, name (127\.0\.0\.1|::1) ok, [0-9]+ days left$'
	assert_out_matches '^<~ 220 mx1\.example\.test ESMTP$'
	assert_out_matches '^~> EHLO x$'
	assert_out_matches '^<~ 250-mx1\.example\.test$'
	assert_out_matches '^<~ 221 '
	# nothing in plaintext, and no STARTTLS on offer or needed
	assert_out_not_matches '^(<-|->) '
	assert_out_not_matches '^<~ 250.STARTTLS'
	assert_out_not_contains 'capabilities learned before TLS'
	awk '/^\*\* TLS / && !t { t = NR } /^<~ 220 / && !g { g = NR } END { exit !(t && g && t < g) }' \
		"$OUT" || fail "the TLS verdict does not come before the greeting"
	assert_pflog_contains 'Anonymous TLS connection established from unknown'
	assert_pflog_matches 'disconnect from unknown\[[0-9a-f.:]+\] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4$'
}

session=(-c '/expect 220' -c 'EHLO x' -c '/expect 250' -c 'MAIL FROM:<a@example.test>'
	-c '/expect 250' -c 'RCPT TO:<reject@example.test>' -c '/expect 5.7.1' -c /tls -c QUIT)

# ---- smtps:// ----
run_smtpsh --ca-file "$C/root.pem" "${session[@]}" "smtps://127.0.0.1:$PF_SMTPS_PORT"
implicit_ok
assert_out_matches '^<~ 550 5\.7\.1 '
assert_out_matches '^protocol +TLSv1\.3$'
assert_out_matches '^verification +ok$'
assert_out_contains 'chain (2 certificates, as sent by the server):'
assert_out_matches '^  1 .*CN=smtpsh test intermediate CA'

# ---- --tls host:port ----
run_smtpsh --ca-file "$C/root.pem" --tls "${session[@]}" "127.0.0.1:$PF_SMTPS_PORT"
implicit_ok

# ---- over IPv6 ----
run_smtpsh --ca-file "$C/root.pem" "${session[@]}" "smtps://[::1]:$PF_SMTPS_PORT"
implicit_ok
assert_pflog_contains 'Anonymous TLS connection established from unknown[::1]'

# ---- required verification works the same way ----
run_smtpsh --ca-file "$C/root.pem" --tls --tls-verify "${session[@]}" "127.0.0.1:$PF_SMTPS_PORT"
implicit_ok

# ---- --tls against the plaintext (STARTTLS) port: the server's 220 is not TLS ----
run_smtpsh --ca-file "$C/root.pem" --tls --timeout 10 -c 'EHLO x' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: .*plaintext'
# the server's plaintext greeting is quoted in the reason, never shown as a reply
assert_out_contains '220'
assert_out_not_matches '^<[-~] '
assert_out_not_matches '^(->|~>) '
assert_out_contains 'connection closed: no plaintext fallback'
# at once, not after the 10 s timeout
assert_elapsed_lt 5

# ---- smtps:// against the plaintext port: the same ----
run_smtpsh --ca-file "$C/root.pem" --timeout 10 -c 'EHLO x' -c QUIT "smtps://127.0.0.1:$PF_PORT"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: .*plaintext'
assert_out_not_matches '^<[-~] '
assert_out_not_matches '^(->|~>) '
assert_elapsed_lt 5

pass

#!/bin/bash
# STARTTLS against a real Postfix, one certificate case per port (tests/tls/mkcerts.sh): the
# one-line verdict after the handshake (verified, expired, wrong name, self-signed, missing and
# present intermediate), the TLS markers, stale capabilities and what changed across TLS,
# /tls and /cert (PEM that openssl can read; an index out of range), and SNI.
source "$(dirname "$0")/lib.sh"

make_certs
C=$CERTS
# The main port: a leaf signed by the root. AUTH (through Dovecot) is offered only inside TLS.
start_postfix --cert "$C/valid.pem" --key "$C/valid.key" \
	--listener expired "$C/expired.pem" "$C/expired.key" \
	--listener wrongname "$C/wrongname.pem" "$C/wrongname.key" \
	--listener selfsigned "$C/selfsigned.pem" "$C/selfsigned.key" \
	--listener leafonly "$C/chain.pem" "$C/chain.key" \
	--listener withinter "$C/chain.pem,$C/inter.pem" "$C/chain.key" \
	--auth

# The headline command, against port $1, with extra options after it.
starttls_probe() {
	local port=$1
	shift
	run_smtpsh --ca-file "$C/root.pem" "$@" -c 'EHLO x' -c STARTTLS -c 'EHLO x' -c QUIT \
		"127.0.0.1:$port"
}

# The verdict line: "TLS <protocol> <cipher> ..., SNI ...; certificate <subject> <verdict>..."
verdict() {
	assert_out_matches "^$1 TLS TLSv1\\.[23] [A-Z0-9_-]+ .*, SNI [^;]+; certificate (.*,)?CN=$2(,.*)? $3"
}

# ---- a valid leaf signed by the root, for 127.0.0.1 ----
starttls_probe "$PF_PORT"
assert_rc 0
verdict '\*\*' 'mx1\.example\.test' 'verified, name 127\.0\.0\.1 ok, [0-9]+ days left$'
assert_out_not_contains 'NOT verified'
# plaintext up to the 220, then everything inside TLS
assert_out_contains '-> STARTTLS'
assert_out_matches '^<- 220 2\.0\.0 '
assert_out_contains '~> EHLO x'
assert_out_contains '<~ 250-mx1.example.test'
assert_out_contains '~> QUIT'
assert_out_matches '^<~ 221 '
[[ $(grep -c '^-> EHLO x$' "$OUT") == 1 ]] || fail "the second EHLO went out in plaintext"
assert_out_not_matches '^<- 221'
# the verdict comes after the 220 and before the EHLO inside TLS
awk '/^<- 220 2\.0\.0/ { a = NR } /^\*\* TLS / { b = NR } /^~> EHLO/ { c = NR }
	END { exit !(a && a < b && b < c) }' "$OUT" ||
	fail "220, TLS verdict and EHLO inside TLS are not in that order"
# capabilities: stale after the handshake, then what changed (STARTTLS gone, AUTH new)
assert_out_contains '** capabilities learned before TLS are stale: send EHLO again'
# ... and nothing else changed
assert_out_matches '^\*\* capabilities changed across TLS: (\+AUTH [A-Z0-9 -]+, -STARTTLS|-STARTTLS, \+AUTH [A-Z0-9 -]+)$'
assert_out_matches '^<- 250-STARTTLS$'
assert_out_not_matches '^<~ 250.STARTTLS'
assert_out_not_matches '^<- 250.AUTH'
assert_out_matches '^<~ 250.AUTH '
assert_no_esc
assert_pflog_contains 'Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3'
assert_pflog_matches 'disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 quit=1 commands=4'

# the name the certificate is checked against
starttls_probe "$PF_PORT" --tls-verify-name mx1.example.test
assert_rc 0
verdict '\*\*' 'mx1\.example\.test' 'verified, name mx1\.example\.test ok, '

# ---- expired ----
starttls_probe "${PF_LISTENER_PORT[expired]}"
assert_rc 0
verdict '!!' 'mx1\.example\.test' 'NOT verified: certificate has expired, name 127\.0\.0\.1 ok, EXPIRED [0-9]+ days ago$'
# not refused (no --tls-verify): the session goes on inside TLS
assert_out_contains '~> EHLO x'
assert_out_matches '^<~ 221 '

# ---- signed by the root, but for another name ----
starttls_probe "${PF_LISTENER_PORT[wrongname]}"
assert_rc 0
verdict '!!' 'other\.example\.test' 'verified, name 127\.0\.0\.1 MISMATCH, [0-9]+ days left$'
assert_out_not_contains 'NOT verified'
starttls_probe "${PF_LISTENER_PORT[wrongname]}" --tls-verify-name mx1.example.test
assert_rc 0
verdict '!!' 'other\.example\.test' 'verified, name mx1\.example\.test MISMATCH, '

# ---- self-signed ----
starttls_probe "${PF_LISTENER_PORT[selfsigned]}"
assert_rc 0
verdict '!!' 'mx1\.example\.test' 'NOT verified: self-signed certificate, name 127\.0\.0\.1 ok, '

# ---- signed by the intermediate, which the server does not send ----
run_smtpsh --ca-file "$C/root.pem" -c 'EHLO x' -c STARTTLS -c /tls -c QUIT \
	"127.0.0.1:${PF_LISTENER_PORT[leafonly]}"
assert_rc 0
verdict '!!' 'mx1\.example\.test' 'NOT verified: unable to get local issuer certificate, name 127\.0\.0\.1 ok, '
assert_out_matches '^verification +FAILED: unable to get local issuer certificate \(code [0-9]+\)$'
assert_out_contains 'chain (1 certificate, as sent by the server):'

# ---- ... and with the intermediate sent after the leaf ----
run_smtpsh --ca-file "$C/root.pem" -c 'EHLO x' -c STARTTLS -c /tls -c QUIT \
	"127.0.0.1:${PF_LISTENER_PORT[withinter]}"
assert_rc 0
verdict '\*\*' 'mx1\.example\.test' 'verified, name 127\.0\.0\.1 ok, '
assert_out_contains 'chain (2 certificates, as sent by the server):'
assert_out_matches '^  0 (O=smtpsh tests,)?CN=mx1\.example\.test(,O=smtpsh tests)?$'
assert_out_matches '^  1 .*CN=smtpsh test intermediate CA'
assert_out_matches '^    issuer +.*CN=smtpsh test intermediate CA'
assert_out_matches '^    issuer +.*CN=smtpsh test root CA'
assert_out_matches '^verification +ok$'

# ---- /tls and /cert in detail ----
run_smtpsh --ca-file "$C/root.pem" -c 'EHLO x' -c STARTTLS -c /tls -c '/cert 0 --pem' -c QUIT \
	"127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_matches '^protocol +TLSv1\.3$'
assert_out_matches '^cipher +TLS_[A-Z0-9_]+ \([0-9]+ bits\)$'
assert_out_matches '^key exchange +[A-Za-z0-9_-]+$'
assert_out_not_matches '^key exchange +\(unknown\)'
assert_out_matches '^SNI sent +\(none\)$'
assert_out_matches '^verification +ok$'
assert_out_matches '^name check +127\.0\.0\.1: ok$'
assert_out_contains 'chain (1 certificate, as sent by the server):'
assert_out_matches '^    SANs +DNS:mx1\.example\.test, DNS:localhost, IP:127\.0\.0\.1, IP:(::1|0:0:0:0:0:0:0:1)$'
assert_out_matches '^    key +RSA 2048 bits'
assert_out_matches '^    SHA-256 +([0-9A-F]{2}:){31}[0-9A-F]{2}$'
# /cert 0 --pem: the server's certificate, as openssl reads it, byte for byte the one served
sed -n '/^-----BEGIN CERTIFICATE-----$/,/^-----END CERTIFICATE-----$/p' "$OUT" >"$SCRATCH/cert0.pem"
[[ -s $SCRATCH/cert0.pem ]] || fail "/cert 0 --pem printed no PEM block"
subject=$(openssl x509 -in "$SCRATCH/cert0.pem" -noout -subject 2>&1) ||
	fail "openssl cannot read the PEM block of /cert 0 --pem: $subject"
[[ $subject == *"CN = mx1.example.test"* ]] || fail "unexpected subject from the PEM block: $subject"
want=$(openssl x509 -in "$C/valid.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
got=$(openssl x509 -in "$SCRATCH/cert0.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[[ $want == "$got" ]] || fail "/cert 0 --pem is not the certificate Postfix serves"
# the fingerprint /tls shows is that of the certificate
fp=$(openssl x509 -in "$C/valid.pem" -noout -fingerprint -sha256 | cut -d= -f2)
assert_out_matches "^    SHA-256 +$fp\$"

# /cert with an index past the chain: a usage error, exit 2
run_smtpsh --ca-file "$C/root.pem" -c 'EHLO x' -c STARTTLS -c '/cert 5' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 2
assert_out_matches '^!! /cert: the server sent 1 certificate'
assert_out_not_contains '~> QUIT'

# ---- SNI ----
# an IP literal target: no SNI (RFC 6066 forbids IP literals as SNI)
starttls_probe "$PF_PORT"
assert_out_contains ', SNI none; '
# asked for
run_smtpsh --ca-file "$C/root.pem" --sni mx1.example.test -c 'EHLO x' -c STARTTLS -c /tls -c QUIT \
	"127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains ', SNI mx1.example.test; '
assert_out_matches '^SNI sent +mx1\.example\.test$'
# the name is still checked against what was connected to
assert_out_matches '^name check +127\.0\.0\.1: ok$'
# a name target sends its name, unless --no-sni
run_smtpsh --ca-file "$C/root.pem" -c 'EHLO x' -c STARTTLS -c /tls -c QUIT "localhost:$PF_PORT"
assert_rc 0
assert_out_contains ', SNI localhost; '
assert_out_matches '^SNI sent +localhost$'
verdict '\*\*' 'mx1\.example\.test' 'verified, name localhost ok, '
run_smtpsh --ca-file "$C/root.pem" --no-sni -c 'EHLO x' -c STARTTLS -c /tls -c QUIT "localhost:$PF_PORT"
assert_rc 0
assert_out_contains ', SNI none; '
assert_out_matches '^SNI sent +\(none\)$'

pass

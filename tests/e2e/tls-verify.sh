#!/bin/bash
# Required verification against a real Postfix: --tls-verify (or /set tls-verify on in the
# script) turns a certificate problem into a failed handshake: exit 4, the reason named, and
# no EHLO or anything else after it; a good certificate passes; /set tls-verify off undoes it.
source "$(dirname "$0")/lib.sh"

make_certs
C=$CERTS
start_postfix --cert "$C/valid.pem" --key "$C/valid.key" \
	--listener expired "$C/expired.pem" "$C/expired.key" \
	--listener wrongname "$C/wrongname.pem" "$C/wrongname.key" \
	--listener selfsigned "$C/selfsigned.pem" "$C/selfsigned.key"
EXPIRED=${PF_LISTENER_PORT[expired]}

# After a refused handshake: the connection is gone, nothing more was sent, and Postfix saw
# one EHLO and a STARTTLS (the handshake may complete on its side before the client refuses).
refused() {
	assert_rc 4
	assert_out_matches '^<- 220 2\.0\.0 '
	assert_out_matches "^!! TLS handshake failed: certificate verification failed: $1"
	assert_out_contains 'connection closed: no plaintext fallback'
	assert_out_not_matches '^(->|~>) EHLO y'
	assert_out_not_matches '^(->|~>) QUIT'
	assert_out_not_matches '^<~ '
	# no verdict line as if the session were usable
	assert_out_not_matches '^(\*\*|!!) TLS TLSv'
	assert_elapsed_lt 5
	pflog_wait_disconnect
	assert_pflog_matches 'disconnect from unknown\[127\.0\.0\.1\] ehlo=1 starttls=[01]/1 commands=[12]/2$'
}

# ---- --tls-verify and an expired certificate ----
run_smtpsh --ca-file "$C/root.pem" --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT \
	"127.0.0.1:$EXPIRED"
refused 'certificate has expired'
assert_out_matches '^!! -c line 2: stopped here \(exit code 4\)$'
# smtpsh told the server why, with the TLS alert for it
assert_pflog_contains 'alert certificate expired'

# ---- the same asked for inside the script ----
run_smtpsh --ca-file "$C/root.pem" -c '/set tls-verify on' -c 'EHLO x' -c STARTTLS -c 'EHLO y' \
	-c QUIT "127.0.0.1:$EXPIRED"
refused 'certificate has expired'
assert_out_matches '^!! -c line 3: stopped here \(exit code 4\)$'

# ---- other verification failures are refused the same way ----
run_smtpsh --ca-file "$C/root.pem" --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT \
	"127.0.0.1:${PF_LISTENER_PORT[selfsigned]}"
refused 'self-signed certificate'

run_smtpsh --ca-file "$C/root.pem" --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT \
	"127.0.0.1:${PF_LISTENER_PORT[wrongname]}"
refused '.*not valid for 127\.0\.0\.1'

# without --ca-file the system trust store is used, which does not know the test root
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
refused 'unable to get local issuer certificate'

# ---- a valid certificate passes ----
run_smtpsh --ca-file "$C/root.pem" --tls-verify -c 'EHLO x' -c STARTTLS -c '/expect 220' \
	-c 'EHLO y' -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_matches '^\*\* TLS TLSv1\.[23] .* verified, name 127\.0\.0\.1 ok, '
assert_out_contains '~> EHLO y'
assert_out_matches '^<~ 250 '
assert_out_matches '^<~ 221 '
assert_out_not_contains 'handshake failed'
assert_pflog_matches 'disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 quit=1 commands=4$'

# with the name it is checked against
run_smtpsh --ca-file "$C/root.pem" --tls-verify --tls-verify-name mx1.example.test \
	-c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_matches '^\*\* TLS .* verified, name mx1\.example\.test ok, '

# ---- the system's trust store: a hashed directory, read as chains need it, or a bundle ----
unset SSL_CERT_DIR SSL_CERT_FILE
mkdir "$SCRATCH/certdir" "$SCRATCH/unhashed"
cp "$C/root.pem" "$SCRATCH/certdir/"
cp "$C/root.pem" "$SCRATCH/unhashed/"
openssl rehash "$SCRATCH/certdir" 2>/dev/null || c_rehash "$SCRATCH/certdir" >/dev/null
ls "$SCRATCH/certdir" | grep -Eq '^[0-9a-f]{8}\.0$' || _die "openssl rehash made no hashed name"
trusted() {
	assert_rc 0
	assert_out_matches '^\*\* TLS TLSv1\.[23] .* verified, name 127\.0\.0\.1 ok, '
	assert_out_matches '^<~ 221 '
}
export SSL_CERT_DIR=$SCRATCH/certdir
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
trusted
# a directory without hashed names is no store of that kind: the default paths are used
export SSL_CERT_DIR=$SCRATCH/unhashed
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
refused 'unable to get local issuer certificate'
unset SSL_CERT_DIR
export SSL_CERT_FILE=$C/root.pem
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
trusted
unset SSL_CERT_FILE
# the machine's own store does not know the test CA
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
refused 'unable to get local issuer certificate'

# ---- /set tls-verify off: report, do not refuse ----
run_smtpsh --ca-file "$C/root.pem" --tls-verify -c '/set tls-verify off' -c 'EHLO x' -c STARTTLS \
	-c 'EHLO y' -c QUIT "127.0.0.1:$EXPIRED"
assert_rc 0
assert_out_matches '^!! TLS TLSv1\.[23] .*NOT verified: certificate has expired, .*EXPIRED [0-9]+ days ago$'
assert_out_contains '~> EHLO y'
assert_out_matches '^<~ 221 '

pass

#!/bin/bash
# /mta-sts and the MTA-STS lines of /check: the _mta-sts TXT records from NSD and a
# validating Unbound on loopback (tests/dns/), the policy from an HTTPS server of the
# test's own (mtasts-https.py) on 127.0.0.1 at a port chosen now, reached through
# SMTPSH_MTA_STS_PORT, with a certificate for the mta-sts.* names signed by the test
# CA of tests/tls/mkcerts.sh. Cases: a valid policy (Content-Length and chunked), a
# redirect (reported, not followed), a wrong content type, an untrusted certificate,
# an MX host outside the policy, a bad id, and the host connected to.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_dns
make_certs

# A certificate for every mta-sts.* name the server answers for, from the test root.
sts_cert() {
	local d=$SCRATCH/sts
	mkdir -p "$d"
	cat >"$d/ext.cnf" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mta-sts.example.test, DNS:mta-sts.sts-partial.example.test, DNS:mta-sts.sts-redirect.example.test, DNS:mta-sts.sts-ctype.example.test
EOF
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/sts.key" \
		-subj "/O=smtpsh tests/CN=mta-sts.example.test" -out "$d/sts.csr" >"$d/openssl.log" 2>&1 &&
		openssl x509 -req -in "$d/sts.csr" -CA "$CERTS/root.pem" -CAkey "$CERTS/root.key" -days 2 \
			-set_serial "0x5$(openssl rand -hex 7)" -extfile "$d/ext.cnf" -out "$d/sts.pem" \
			>>"$d/openssl.log" 2>&1 || _die "cannot make the mta-sts certificate: $(cat "$d/openssl.log")"
}
sts_cert

STS_LOG=$SCRATCH/sts/requests.log
: >"$STS_LOG"
"$PYTHON" "$TESTS_DIR/e2e/mtasts-https.py" --cert "$SCRATCH/sts/sts.pem" --key "$SCRATCH/sts/sts.key" \
	--port-file "$SCRATCH/sts/port" --log "$STS_LOG" </dev/null >"$SCRATCH/sts/server.out" 2>&1 &
_FAKE_PIDS+=("$!")
for ((i = 0; i < 500; i++)); do
	[[ -s $SCRATCH/sts/port ]] && break
	sleep 0.02
done
[[ -s $SCRATCH/sts/port ]] || _die "mtasts-https.py did not start: $(cat "$SCRATCH/sts/server.out")"
export SMTPSH_MTA_STS_PORT=$(<"$SCRATCH/sts/port")

q() {
	run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "$@"
}

requests() {
	grep -c "$1" "$STS_LOG" || true
}

# ------------------------------------------------------------------ a valid policy

q --ca-file "$CERTS/root.pem" -c '/mta-sts example.test'
assert_rc 0
assert_out_contains 'MTA-STS _mta-sts.example.test: "v=STSv1; id=20240101T000000Z" (DNSSEC secure)'
assert_out_contains "policy: https://mta-sts.example.test/.well-known/mta-sts.txt on port $SMTPSH_MTA_STS_PORT"
assert_out_contains "  connected to 127.0.0.1 port $SMTPSH_MTA_STS_PORT; TLS: certificate verified for mta-sts.example.test"
assert_out_contains '  HTTP 200, Content-Type text/plain, 68 bytes'
assert_out_contains '  | mode: enforce'
assert_out_contains '  | mx: *.example.test'
assert_out_sequence '^MX mx1\.example\.test: matches \*\.example\.test$' '^MX mx2\.example\.test: matches \*\.example\.test$'
assert_out_contains 'MTA-STS example.test: mode enforce, id 20240101T000000Z, max_age 604800'
[[ $(requests 'mta-sts.example.test /.well-known/mta-sts.txt') == 1 ]] || fail "no GET of the policy with the Host header"

# chunked, and an MX host the policy does not list
q --ca-file "$CERTS/root.pem" -c '/mta-sts sts-partial.example.test'
assert_rc 1
assert_out_contains '  HTTP 200, Content-Type text/plain, 65 bytes'
assert_out_contains '  | mx: mx1.example.test'
assert_out_contains 'MX mx1.example.test: matches mx1.example.test'
assert_out_contains '!! MX mx2.example.test: matches no mx pattern of the policy: senders will not deliver to it'
assert_out_contains 'some hosts do not match'

# ------------------------------------------------------------------ failures

: >"$STS_LOG"
q --ca-file "$CERTS/root.pem" -c '/mta-sts sts-redirect.example.test'
assert_rc 1
assert_out_contains '  HTTP 301, Location https://elsewhere.example.test/.well-known/mta-sts.txt'
assert_out_contains '!! MTA-STS policy: sts-policy-fetch-error: HTTP 301 redirect to https://elsewhere.example.test/.well-known/mta-sts.txt: redirects must not be followed (RFC 8461 3.3)'
[[ $(wc -l <"$STS_LOG") == 1 ]] || fail "the redirect was followed: $(cat "$STS_LOG")"

q --ca-file "$CERTS/root.pem" -c '/mta-sts sts-ctype.example.test'
assert_rc 1
assert_out_contains '!! MTA-STS policy: sts-policy-invalid: Content-Type is "text/html", not text/plain (RFC 8461 3.2)'

# no --ca-file: the test root is not trusted
q -c '/mta-sts example.test'
assert_rc 1
assert_out_contains "  connected to 127.0.0.1 port $SMTPSH_MTA_STS_PORT; TLS: not established"
assert_out_matches '^!! MTA-STS policy: sts-webpki-invalid: certificate verification failed: .*(unable to get local issuer certificate|self.signed)'

q --ca-file "$CERTS/root.pem" -c '/mta-sts sts-badid.example.test'
assert_rc 1
assert_out_contains '!! MTA-STS: id=not-alnum!: must be 1 to 32 letters and digits (RFC 8461 3.1)'

q --ca-file "$CERTS/root.pem" -c '/mta-sts sub.example.test'
assert_rc 1
assert_out_contains '!! MTA-STS _mta-sts.sub.example.test: no record (NXDOMAIN)'

# nothing listens: a fetch error, not a hang
SMTPSH_MTA_STS_PORT=$(free_port) q --ca-file "$CERTS/root.pem" -c '/mta-sts example.test'
assert_rc 1
assert_out_matches '^!! MTA-STS policy: sts-policy-fetch-error: cannot connect to 127\.0\.0\.1 port [0-9]+'

SMTPSH_MTA_STS_PORT=99999 q -c '/mta-sts example.test'
assert_rc 2
assert_out_contains 'SMTPSH_MTA_STS_PORT: not a port number (1-65535)'

# ------------------------------------------------------------------ the host connected to

start_fake esmtp.scn
q --ca-file "$CERTS/root.pem" -c "/connect localhost:$FAKE_PORT" -c 'EHLO client.example.test' -c '/mta-sts example.test' -c QUIT
assert_out_contains '!! connected host localhost: matches no mx pattern of the policy: senders will not deliver to it'

# ------------------------------------------------------------------ /check

q --ca-file "$CERTS/root.pem" -c '/check example.test'
assert_out_contains 'ok   MTA-STS: id=20240101T000000Z, mode enforce, max_age 604800, mx *.example.test'
assert_out_contains 'ok   MTA-STS mx1.example.test: matches the mx pattern *.example.test'
assert_out_contains 'ok   MTA-STS mx2.example.test: matches the mx pattern *.example.test'
assert_out_matches '^check example\.test: [0-9]+ ok, 3 warn, 0 fail; [0-9]+ DNS queries in [0-9]+ ms \(slowest answer [0-9]+ ms\), policy fetch [0-9]+ ms'
assert_rc 0

q --ca-file "$CERTS/root.pem" -c '/check sts-partial.example.test'
assert_rc 1
assert_out_contains 'ok   MTA-STS mx1.example.test: matches the mx pattern mx1.example.test'
assert_out_contains 'fail MTA-STS mx2.example.test: matches no mx pattern of the policy: senders will not deliver to it'

q -c '/check example.test'
assert_rc 1
assert_out_matches '^fail MTA-STS: id=20240101T000000Z, but the policy fetch failed: sts-webpki-invalid: certificate verification failed'

q --ca-file "$CERTS/root.pem" -c '/check sts-redirect.example.test'
assert_out_contains 'fail MTA-STS: id=redirect1, but the policy fetch failed: sts-policy-fetch-error: HTTP 301 redirect'

pass

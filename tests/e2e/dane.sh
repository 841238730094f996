#!/bin/bash
# DANE for SMTP (RFC 7672) against a real Postfix and real DNS (NSD + a validating Unbound,
# tests/dns/dns-lib.sh), all on loopback:
#   - --dane: the TLSA records of _PORT._tcp.HOST (HOST and PORT: the connect target) with
#     their DNSSEC status; secure ones go to OpenSSL's DANE verification, with a line per
#     record (usage, selector, matching type: matched or not); DANE-EE ignores names;
#     DANE-TA needs the trust anchor in the chain and checks the name; PKIX-TA/EE records
#     are unusable for SMTP; TLSA answers that are not DNSSEC-secure (unsigned zone, bogus
#     zone) are unusable and PKIX is used instead;
#   - /dane HOST [PORT]: the records, their DNSSEC status and their match against the live
#     chain (or "not checked" without TLS);
#   - --dns-trust-anchor: the same with DNSSEC validated by smtpsh itself, against NSD.
#
# The Postfix ports are chosen at run time, so the TLSA records are placed at
# _PORT._tcp.mx1.{example,insecure,bogus}.test once they are known. smtpsh connects to those
# names: it runs in a private mount namespace whose /etc/hosts maps them to 127.0.0.1 and
# whose /etc/nsswitch.conf says "hosts: files", so no name is ever sent to a DNS server
# but the test's own (see addresses.sh).
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

# ---------------------------------------------------------------- servers

make_certs
C=$CERTS
# DANE-TA with a leaf whose name is wrong: the trust anchor is sent, the name check fails
cat "$C/wrongname.pem" "$C/root.pem" >"$C/wrongname-full.pem"
start_postfix --cert "$C/valid.pem" --key "$C/valid.key" \
	--listener wrongname "$C/wrongname.pem" "$C/wrongname.key" \
	--listener nomatch "$C/valid.pem" "$C/valid.key" \
	--listener ta "$C/valid-full.pem" "$C/valid.key" \
	--listener tawrong "$C/wrongname-full.pem" "$C/wrongname.key" \
	--listener pkix "$C/valid.pem" "$C/valid.key" \
	--listener mixed "$C/valid.pem" "$C/valid.key"
P=$PF_PORT
P_WRONG=${PF_LISTENER_PORT[wrongname]}
P_NOMATCH=${PF_LISTENER_PORT[nomatch]}
P_TA=${PF_LISTENER_PORT[ta]}
P_TAWRONG=${PF_LISTENER_PORT[tawrong]}
P_PKIX=${PF_LISTENER_PORT[pkix]}
P_MIXED=${PF_LISTENER_PORT[mixed]}

# 3 1 1: SHA-256 of the certificate's SubjectPublicKeyInfo, computed here
spki_sha256() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1
}
read -r _ _ _ VALID <"$C/valid.tlsa"
WRONG=$(spki_sha256 "$C/wrongname.pem")
read -r _ _ _ ROOT <"$C/root.tlsa"
[[ $(spki_sha256 "$C/valid.pem") == "$VALID" ]] || _die "valid.tlsa is not the 3 1 1 of valid.pem"
RANDOM_HASH=$(openssl rand -hex 32)
[[ ${#VALID} == 64 && ${#WRONG} == 64 && ${#ROOT} == 64 && ${#RANDOM_HASH} == 64 ]] ||
	_die "could not compute the TLSA data"

TLSA=$SCRATCH/tlsa
cat >"$TLSA" <<EOF
; signed zone: a matching and a non-matching DANE-EE record
_$P._tcp.mx1.example.test 3 1 1 $VALID
_$P._tcp.mx1.example.test 3 1 1 $RANDOM_HASH
; DANE-EE of a certificate for another name
_$P_WRONG._tcp.mx1.example.test 3 1 1 $WRONG
; nothing matches
_$P_NOMATCH._tcp.mx1.example.test 3 1 1 $RANDOM_HASH
; DANE-TA: the root, which the server sends after the leaf
_$P_TA._tcp.mx1.example.test 2 0 1 $ROOT
_$P_TAWRONG._tcp.mx1.example.test 2 0 1 $ROOT
; PKIX-EE alone, and PKIX-EE next to a matching DANE-EE
_$P_PKIX._tcp.mx1.example.test 1 1 1 $VALID
_$P_MIXED._tcp.mx1.example.test 1 1 1 $VALID
_$P_MIXED._tcp.mx1.example.test 3 1 1 $VALID
; the matching record, but in the unsigned zone and in the bogus zone
_$P._tcp.mx1.insecure.test 3 1 1 $VALID
_$P._tcp.mx1.bogus.test 3 1 1 $VALID
EOF
start_dns --tlsa-file "$TLSA"

# ---------------------------------------------------------------- private /etc/hosts

private_hosts $'127.0.0.1\tlocalhost' $'127.0.0.1\tmx1.example.test mx1.insecure.test mx1.bogus.test'
got=$(in_private_hosts "$PYTHON" -c '
import socket
print(" ".join(sorted({a[4][0] for n in ("mx1.example.test", "mx1.insecure.test", "mx1.bogus.test")
                       for a in socket.getaddrinfo(n, 25, 0, socket.SOCK_STREAM)})))
') || _die "cannot run in a private mount namespace (unshare --mount)"
[[ $got == 127.0.0.1 ]] || _die "the test names resolve to \"$got\" in the private namespace"

DNS=(--dns-server "127.0.0.1:$DNS_PORT" --dns-timeout 3)
# EHLO, STARTTLS, EHLO again, QUIT; extra lines (-c ...) after the second EHLO
session() {
	local target=$1
	shift
	run_smtpsh --timeout 5 "${DNS[@]}" "${OPTS[@]}" -c 'EHLO x' -c STARTTLS -c 'EHLO y' "$@" \
		-c QUIT "$target"
}
# a fixed string as an ERE
# shellcheck disable=SC2001,SC2016  # a bracket expression, not an expansion
rx() { sed 's/[][\.*^$()+?{}|]/\\&/g' <<<"$1"; }

# ---------------------------------------------------------------- 1. DANE-EE, matching

OPTS=(--dane)
session "mx1.example.test:$P"
assert_rc 0
assert_out_contains "** DANE: 2 DNSSEC-secure TLSA records at _$P._tcp.mx1.example.test: verifying with them"
assert_out_matches '^\*\* TLS TLSv1\.[23] .*, SNI mx1\.example\.test; certificate .* DANE-verified, [0-9]+ days left$'
assert_out_contains '** DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): matches certificate 0'
assert_out_contains '!! DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): no match'
[[ $(grep -c '^.. DANE: TLSA ' "$OUT") == 2 ]] || fail "not exactly one line per TLSA record"
assert_out_not_contains 'verifying with PKIX'
assert_out_contains '~> EHLO y'
assert_out_matches '^<~ 221 '

# DANE, not PKIX: --tls-verify passes without the test root in any trust store
OPTS=(--dane --tls-verify)
session "mx1.example.test:$P"
assert_rc 0
assert_out_matches '^\*\* TLS .* DANE-verified, '
assert_out_matches '^<~ 221 '

# DANE-EE ignores names (RFC 7672 3.1.1): a certificate for other.example.test passes,
# even with --tls-verify, and no name check is made
OPTS=(--dane --tls-verify)
session "mx1.example.test:$P_WRONG" -c /tls
assert_rc 0
assert_out_contains "** DANE: 1 DNSSEC-secure TLSA record at _$P_WRONG._tcp.mx1.example.test: verifying with them"
assert_out_matches '^\*\* TLS .*; certificate CN=other\.example\.test.* DANE-verified, [0-9]+ days left$'
assert_out_contains '** DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): matches certificate 0'
assert_out_not_contains 'MISMATCH'
assert_out_matches '^verification +ok \(DANE\)$'
assert_out_matches '^name check +not made \(DANE-EE: RFC 7672\)$'
assert_out_matches '^<~ 221 '

# ---------------------------------------------------------------- 2. DANE-EE, no match

OPTS=(--dane)
session "mx1.example.test:$P_NOMATCH"
assert_rc 0
assert_out_contains "** DANE: 1 DNSSEC-secure TLSA record at _$P_NOMATCH._tcp.mx1.example.test: verifying with them"
assert_out_matches '^!! TLS .* DANE verification FAILED, [0-9]+ days left$'
assert_out_contains '!! DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): no match'
assert_out_not_contains 'DANE-verified'
assert_out_not_contains 'matches certificate'

# ... with --tls-verify the session ends: exit 4, nothing sent after the handshake
OPTS=(--dane --tls-verify)
session "mx1.example.test:$P_NOMATCH"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: certificate verification failed: no TLSA record matches the certificates the server sent \(DANE\)'
assert_out_contains 'connection closed: no plaintext fallback'
assert_out_matches '^!! -c line 2: stopped here \(exit code 4\)$'
assert_out_not_matches '^~> '
assert_out_not_contains 'DANE-verified'

# ---------------------------------------------------------------- 3. unsigned zone

OPTS=(--dane --ca-file "$C/root.pem")
session "mx1.insecure.test:$P"
assert_rc 0
assert_out_contains "!! DANE: TLSA at _$P._tcp.mx1.insecure.test is insecure, not secure: unusable, verifying with PKIX"
assert_out_not_contains 'DANE-verified'
assert_out_not_contains 'DNSSEC-secure TLSA'
assert_out_not_matches '^.. DANE: TLSA [0-9]'
# PKIX instead: the chain verifies, the name (mx1.insecure.test) does not
assert_out_matches '^!! TLS .*, SNI mx1\.insecure\.test; .* verified, name mx1\.insecure\.test MISMATCH, '

# ---------------------------------------------------------------- 4. bogus zone

OPTS=(--dane --ca-file "$C/root.pem")
session "mx1.bogus.test:$P"
assert_rc 0
assert_out_not_contains 'DANE-verified'
assert_out_not_contains 'DNSSEC-secure TLSA'
# the TLSA RRset exists but fails validation: reported as bogus, as a problem (!!), and
# not as if there were no records
assert_out_matches "^!! DANE: .*_$P\._tcp\.mx1\.bogus\.test.*bogus"
assert_out_not_contains "no TLSA records at _$P._tcp.mx1.bogus.test"

# ---------------------------------------------------------------- 5. DANE-TA

# the root's 2 0 1; the server sends leaf + root
OPTS=(--dane --tls-verify)
session "mx1.example.test:$P_TA" -c "/dane mx1.example.test $P_TA"
assert_rc 0
assert_out_contains "** DANE: 1 DNSSEC-secure TLSA record at _$P_TA._tcp.mx1.example.test: verifying with them"
# DANE-TA checks the name against the TLSA base domain
assert_out_matches '^\*\* TLS .*, SNI mx1\.example\.test; .* DANE-verified, name mx1\.example\.test ok, '
assert_out_matches '^\*\* DANE: TLSA 2 0 1 \(DANE-TA Cert SHA2-256\): matches .*issuer'
assert_out_matches "^  2 0 1 $ROOT  DANE-TA Cert SHA2-256: matches certificate 1 of the live chain$"
assert_out_contains '** DANE verdict: the live chain matches a TLSA record'

# DANE-TA with a certificate for another name: the anchor matches, the name check
# against the TLSA base domain fails and is flagged (the chain and the name are reported
# apart, as for PKIX)
OPTS=(--dane)
session "mx1.example.test:$P_TAWRONG"
assert_rc 0
assert_out_matches '^!! TLS .*, SNI mx1\.example\.test; certificate CN=other\.example\.test.*, name mx1\.example\.test MISMATCH, '
assert_out_not_matches '^\*\* TLS '
OPTS=(--dane --tls-verify)
session "mx1.example.test:$P_TAWRONG"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: '
assert_out_not_matches '^~> '

# ---------------------------------------------------------------- 6. PKIX-EE (usage 1)

# next to a usable record: that one decides, the PKIX-EE one is unusable for SMTP
OPTS=(--dane)
session "mx1.example.test:$P_MIXED"
assert_rc 0
assert_out_matches '^\*\* TLS .* DANE-verified, '
assert_out_matches '^!! DANE: TLSA 1 1 1 \(PKIX-EE SPKI SHA2-256\): unusable for SMTP$'
assert_out_contains '** DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): matches certificate 0'

# alone: no usable record, so no DANE (PKIX verification), and the record is named unusable
OPTS=(--dane --ca-file "$C/root.pem")
session "mx1.example.test:$P_PKIX" -c "/dane mx1.example.test $P_PKIX"
assert_rc 0
assert_out_not_contains 'DANE-verified'
assert_out_matches '^\*\* TLS .* verified, name mx1\.example\.test ok, '
assert_out_matches "^  1 1 1 $VALID  PKIX-EE SPKI SHA2-256: unusable for SMTP$"
assert_out_contains '!! DANE verdict: no usable TLSA record'
# ... at the handshake too, not only in /dane
assert_out_matches '^.. DANE: TLSA 1 1 1 \(PKIX-EE SPKI SHA2-256\): unusable for SMTP$'
assert_out_not_contains 'verifying with them'

# ---------------------------------------------------------------- 7. /dane

OPTS=()
# -k: /dane fails (exit 1) on the bogus zone, as a check in a batch file should
run_smtpsh -k --timeout 5 "${DNS[@]}" -c 'EHLO x' -c "/dane mx1.example.test $P" -c STARTTLS \
	-c "/dane mx1.example.test $P" -c "/dane mx1.insecure.test $P" -c "/dane mx1.bogus.test $P" \
	-c '/dane mx1.example.test' -c QUIT "mx1.example.test:$P"
assert_rc 1
assert_out_matches "^!! -c line 6: failed, going on \\(exit code 1\\)\$"
assert_out_contains '<~ 221'
# no --dane: the handshake itself uses no TLSA record
assert_out_not_contains '** DANE:'
V_RE=$(rx "  3 1 1 $VALID  DANE-EE SPKI SHA2-256: ")
R_RE=$(rx "  3 1 1 $RANDOM_HASH  DANE-EE SPKI SHA2-256: ")
H_RE=$(rx "_$P._tcp.mx1.example.test TLSA: 2 records, DNSSEC secure (NOERROR)")
# before STARTTLS: listed, not checked
assert_out_sequence "^$H_RE$" '^-> STARTTLS$'
n_starttls=$(out_line_exact '-> STARTTLS')
before=$(head -n "$n_starttls" "$OUT")
grep -qE "^${V_RE}not checked \(no TLS session\)$" <<<"$before" ||
	fail "/dane before STARTTLS: the matching record is not listed as not checked"
grep -qE "^${R_RE}not checked \(no TLS session\)$" <<<"$before" ||
	fail "/dane before STARTTLS: the other record is not listed as not checked"
grep -q 'DANE verdict' <<<"$before" && fail "/dane before STARTTLS gives a verdict"
# after: each record against the live chain
assert_out_sequence '^-> STARTTLS$' "^$H_RE$" "^(${V_RE}matches certificate 0 of the live chain|${R_RE}NO MATCH in the live chain)$" \
	"^(${V_RE}matches certificate 0 of the live chain|${R_RE}NO MATCH in the live chain)$" \
	'^\*\* DANE verdict: the live chain matches a TLSA record$'
assert_out_matches "^${V_RE}matches certificate 0 of the live chain$"
assert_out_matches "^${R_RE}NO MATCH in the live chain$"
# the unsigned zone: the record matches the chain, but it is unusable
assert_out_contains "_$P._tcp.mx1.insecure.test TLSA: 1 record, DNSSEC insecure (NOERROR)"
assert_out_contains '!! the TLSA answer is not DNSSEC-secure: unusable for DANE (RFC 7672 2.2)'
assert_out_contains '!! DANE verdict: not applicable (TLSA not DNSSEC-secure)'
# the bogus zone
assert_out_contains "_$P._tcp.mx1.bogus.test TLSA: 0 records, DNSSEC bogus (SERVFAIL)"
assert_out_contains '!! the TLSA answer is BOGUS: a DANE sender must not deliver to this host'
# port 25 by default: no TLSA there, securely denied
assert_out_contains '_25._tcp.mx1.example.test TLSA: 0 records, DNSSEC secure (NXDOMAIN)'
assert_out_contains 'no TLSA records (securely denied): no DANE, opportunistic TLS'
assert_out_matches '^<~ 221 '

# ---------------------------------------------------------------- 8. local validation

# against NSD, which sets no AD bit: smtpsh validates from the DS records itself
DNS=(--dns-server "127.0.0.1:$DNS_AUTH_PORT" --dns-trust-anchor "$DNS_ANCHOR" --dns-timeout 3)
OPTS=(--dane)
session "mx1.example.test:$P" -c "/dane mx1.example.test $P" -c "/dane mx1.insecure.test $P"
assert_rc 0
assert_out_contains "** DANE: 2 DNSSEC-secure TLSA records at _$P._tcp.mx1.example.test: verifying with them"
assert_out_matches '^\*\* TLS .* DANE-verified, '
assert_out_contains '** DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): matches certificate 0'
assert_out_contains '!! DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): no match'
assert_out_contains "_$P._tcp.mx1.example.test TLSA: 2 records, DNSSEC secure (NOERROR)"
assert_out_matches "^${V_RE}matches certificate 0 of the live chain$"
assert_out_matches "^${R_RE}NO MATCH in the live chain$"
assert_out_contains '** DANE verdict: the live chain matches a TLSA record'
assert_out_contains "_$P._tcp.mx1.insecure.test TLSA: 1 record, DNSSEC insecure (NOERROR)"
assert_out_contains '!! DANE verdict: not applicable (TLSA not DNSSEC-secure)'

# a non-matching record fails the same way
session "mx1.example.test:$P_NOMATCH"
assert_rc 0
assert_out_matches '^!! TLS .* DANE verification FAILED, '
assert_out_contains '!! DANE: TLSA 3 1 1 (DANE-EE SPKI SHA2-256): no match'

# validated here, the bogus RRset comes with its records, and still is not used
OPTS=(--dane --ca-file "$C/root.pem")
session "mx1.bogus.test:$P" -c "/dane mx1.bogus.test $P"
# /dane fails on a bogus answer: the batch stops there (exit 1), QUIT is not sent
assert_rc 1
assert_out_not_contains 'DANE-verified'
assert_out_not_contains 'DNSSEC-secure TLSA'
assert_out_contains "!! DANE: TLSA at _$P._tcp.mx1.bogus.test is bogus: a DANE sender must not deliver to this host; verifying with PKIX"
assert_out_matches "^_$P\._tcp\.mx1\.bogus\.test TLSA: [0-9]+ records?, DNSSEC bogus "
assert_out_contains '!! the TLSA answer is BOGUS: a DANE sender must not deliver to this host'

pass

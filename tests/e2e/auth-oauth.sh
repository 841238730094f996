#!/bin/bash
# /auth XOAUTH2 and OAUTHBEARER against the fake server: the exact initial responses
# (computed here: XOAUTH2's user=...^Aauth=Bearer TOKEN^A^A, RFC 7628's
# n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A), 235 accepted; and the error
# path, where the server sends its JSON error in a 334: smtpsh shows it decoded, answers
# as the mechanism requires (XOAUTH2: an empty line; OAUTHBEARER: AQ==), and the final 535
# satisfies /expect 535. The token never shows in smtpsh's output.
source "$(dirname "$0")/lib.sh"

unset SMTPSH_SECRET
USER_ID=alice@example.test
TOKEN=tok123
JSON='{"status":"401","schemes":"bearer","scope":"https://mail.example.test/"}'
XOAUTH2_B64=$(printf 'user=%s\001auth=Bearer %s\001\001' "$USER_ID" "$TOKEN" | base64 -w0)
[[ $XOAUTH2_B64 == dXNlcj1hbGljZUBleGFtcGxlLnRlc3QBYXV0aD1CZWFyZXIgdG9rMTIzAQE= ]] ||
	_die "base64 of the XOAUTH2 blob differs from the one in the scenarios: $XOAUTH2_B64"
# OAUTHBEARER carries the host and port connected to
oauthbearer_b64() {
	printf 'n,a=%s,\001host=%s\001port=%s\001auth=Bearer %s\001\001' "$USER_ID" "$1" "$2" "$TOKEN" |
		base64 -w0
}

# log_next_line TEXT: the fake log's line right after the line TEXT, in [brackets]
# (nothing when there is none)
log_next_line() {
	awk -v a="$1" 'found { print "[" $0 "]"; exit } $0 == a { found = 1 }' "$FAKE_LOG"
}

# no_token: the token and everything that carries it stay out of stdout and stderr
no_token() {
	local s
	for s in "$TOKEN" "$XOAUTH2_B64" "${1:-}"; do
		[[ -n $s ]] || continue
		assert_out_not_contains "$s"
		assert_err_not_contains "$s"
	done
}

# ------------------------------------------------------------------ XOAUTH2 accepted
start_fake oauth-xoauth2.scn
SMTPSH_SECRET=$TOKEN run_smtpsh -c 'EHLO x' -c "/auth XOAUTH2 $USER_ID" -c '/expect 235' -c QUIT \
	"$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> AUTH XOAUTH2 [redacted]'
assert_out_contains '<- 235 2.7.0 Accepted'
assert_out_contains "** authenticated as $USER_ID with XOAUTH2"
assert_any_contains 'warning: AUTH XOAUTH2 over a plaintext connection sends the token in the clear'
no_token
wait_fake
LC_ALL=C grep -qxF -e "AUTH XOAUTH2 $XOAUTH2_B64" "$FAKE_LOG" ||
	fail "the fake server did not get exactly: AUTH XOAUTH2 $XOAUTH2_B64"
assert_log_not_contains UNEXPECTED
assert_log_contains QUIT

# ------------------------------------------------------------------ OAUTHBEARER accepted
start_fake oauth-oauthbearer.scn
OB_B64=$(oauthbearer_b64 127.0.0.1 "$FAKE_PORT")
SMTPSH_SECRET=$TOKEN run_smtpsh -c 'EHLO x' -c "/auth OAUTHBEARER $USER_ID" -c '/expect 235' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> AUTH OAUTHBEARER [redacted]'
assert_out_contains '<- 235 2.7.0 Accepted'
assert_out_contains "** authenticated as $USER_ID with OAUTHBEARER"
assert_any_contains 'warning: AUTH OAUTHBEARER over a plaintext connection sends the token in the clear'
no_token "$OB_B64"
wait_fake
LC_ALL=C grep -qxF -e "AUTH OAUTHBEARER $OB_B64" "$FAKE_LOG" ||
	fail "the fake server did not get exactly: AUTH OAUTHBEARER $OB_B64"
assert_log_not_contains UNEXPECTED
assert_log_contains QUIT

# ------------------------------------------------------------------ XOAUTH2 refused
start_fake oauth-xoauth2-fail.scn
SMTPSH_SECRET=$TOKEN run_smtpsh -c 'EHLO x' -c "/auth XOAUTH2 $USER_ID" -c '/expect 535' \
	-c '/expect 5.7.8' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> AUTH XOAUTH2 [redacted]'
assert_out_matches '^<- 334 eyJ'
# the JSON error, decoded
assert_out_contains "** challenge: $JSON"
# the empty answer (shown as it is: no secret in it)
assert_out_matches '^-> ?$'
assert_out_contains '<- 535 5.7.8 Username and Password not accepted'
assert_out_not_contains 'authenticated as'
assert_out_not_contains 'expectation failed'
assert_out_contains '<- 221'
no_token
wait_fake
LC_ALL=C grep -qxF -e "AUTH XOAUTH2 $XOAUTH2_B64" "$FAKE_LOG" ||
	fail "the fake server did not get exactly: AUTH XOAUTH2 $XOAUTH2_B64"
[[ $(log_next_line "AUTH XOAUTH2 $XOAUTH2_B64") == '[]' ]] ||
	fail "the answer to the JSON error is not an empty line: $(log_next_line "AUTH XOAUTH2 $XOAUTH2_B64")"
assert_log_not_contains UNEXPECTED
assert_log_contains QUIT

# without /expect 535 the failed AUTH alone does not fail the batch, /expect 235 does (exit 7)
start_fake oauth-xoauth2-fail.scn
SMTPSH_SECRET=$TOKEN run_smtpsh -c 'EHLO x' -c "/auth XOAUTH2 $USER_ID" -c '/expect 235' \
	-c QUIT "$FAKE_TARGET"
assert_rc 7
assert_out_contains '<- 535 5.7.8 Username and Password not accepted'
assert_out_matches '^!! expectation failed'
no_token
wait_fake

# ------------------------------------------------------------------ OAUTHBEARER refused
start_fake oauth-oauthbearer-fail.scn
OB_B64=$(oauthbearer_b64 127.0.0.1 "$FAKE_PORT")
SMTPSH_SECRET=$TOKEN run_smtpsh -c 'EHLO x' -c "/auth OAUTHBEARER $USER_ID" -c '/expect 535' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> AUTH OAUTHBEARER [redacted]'
assert_out_contains "** challenge: $JSON"
# AQ== (the byte 0x01) holds no secret: shown as it is
assert_out_matches '^-> AQ==$'
assert_out_contains '<- 535 5.7.8 Authentication failed'
assert_out_not_contains 'authenticated as'
assert_out_not_contains 'expectation failed'
assert_out_contains '<- 221'
no_token "$OB_B64"
wait_fake
LC_ALL=C grep -qxF -e "AUTH OAUTHBEARER $OB_B64" "$FAKE_LOG" ||
	fail "the fake server did not get exactly: AUTH OAUTHBEARER $OB_B64"
[[ $(log_next_line "AUTH OAUTHBEARER $OB_B64") == '[AQ==]' ]] ||
	fail "the answer to the JSON error is not AQ==: $(log_next_line "AUTH OAUTHBEARER $OB_B64")"
assert_log_not_contains UNEXPECTED
assert_log_contains QUIT

# ------------------------------------------------------------------ the token from a file
start_fake oauth-xoauth2.scn
TOKEN_FILE=$SCRATCH/token
(umask 077 && printf '%s\n' "$TOKEN" >"$TOKEN_FILE")
run_smtpsh -c 'EHLO x' -c "/auth XOAUTH2 $USER_ID --secret-file $TOKEN_FILE" -c '/expect 235' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains "** authenticated as $USER_ID with XOAUTH2"
no_token
wait_fake
LC_ALL=C grep -qxF -e "AUTH XOAUTH2 $XOAUTH2_B64" "$FAKE_LOG" ||
	fail "the fake server did not get exactly: AUTH XOAUTH2 $XOAUTH2_B64"

# --no-redact shows the initial response (so the checks above can see a token)
start_fake oauth-xoauth2.scn
SMTPSH_SECRET=$TOKEN run_smtpsh --no-redact -c 'EHLO x' -c "/auth XOAUTH2 $USER_ID" \
	-c '/expect 235' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains "-> AUTH XOAUTH2 $XOAUTH2_B64"
wait_fake

pass

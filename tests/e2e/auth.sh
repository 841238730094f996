#!/bin/bash
# /auth against a real server: Postfix with Dovecot as its SASL backend (start_postfix --auth).
# Every mechanism the server advertises authenticates with the password from $SMTPSH_SECRET,
# --secret-env or --secret-file; a wrong password gets 535 and a failed /expect 235 exits 7
# (the AUTH phase); batch mode without a secret never prompts (exit 2). The password, its
# base64 and the base64 of the PLAIN blob appear nowhere in the output (nor in transcripts),
# raw AUTH lines typed by hand are redacted too, and --no-redact shows them - which proves
# the check for secrets can fail. Over STARTTLS with smtpd_tls_auth_only, AUTH shows up
# only after TLS, and /auth PLAIN inside TLS gives no plaintext warning.
source "$(dirname "$0")/lib.sh"

unset MY_SECRET UNSET_SECRET_VAR
start_postfix_auth Tr1cky-pw
T=127.0.0.1:$PF_PORT

# --transcript: checked when this smtpsh has it.
HAVE_TRANSCRIPT=0
HAVE_JSONL=0
if "$SMTPSH" --help 2>&1 | grep -q -- '--transcript'; then
	HAVE_TRANSCRIPT=1
	if "$SMTPSH" --help 2>&1 | grep -q -- '--transcript-format'; then
		HAVE_JSONL=1
	fi
fi
TR_ARGS=()
TR_FILE=
# transcript_args NAME [FORMAT]: sets TR_ARGS and TR_FILE for the next run (none without
# --transcript)
transcript_args() {
	TR_ARGS=()
	TR_FILE=
	((HAVE_TRANSCRIPT)) || return 0
	TR_FILE=$SCRATCH/transcript.$1
	TR_ARGS=(--transcript "$TR_FILE")
	if [[ -n ${2:-} ]]; then
		TR_ARGS+=(--transcript-format "$2")
	fi
}
# check_transcript: the transcript of the last run exists, shows the exchange, holds no secret
check_transcript() {
	[[ -n $TR_FILE ]] || return 0
	[[ -s $TR_FILE ]] || fail "--transcript $TR_FILE: no transcript written"
	LC_ALL=C grep -aqF -e '235' "$TR_FILE" || fail "the transcript lacks the 235 reply: $(cat -v "$TR_FILE")"
	LC_ALL=C grep -aqF -e 'AUTH' "$TR_FILE" || fail "the transcript lacks the AUTH line: $(cat -v "$TR_FILE")"
	assert_no_secret "$TR_FILE"
}

# ------------------------------------------------------------------ what the server offers
run_smtpsh -c 'EHLO x' -c '/expect 250' -c /ehlo -c QUIT "$T"
assert_rc 0
MECHS=$(sed -n -E 's/^<- 250[- ]AUTH (.*)$/\1/p' "$OUT")
[[ -n $MECHS ]] || fail "no AUTH line in the EHLO reply"
for m in PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256; do
	[[ " $MECHS " == *" $m "* ]] || fail "the server does not advertise $m (AUTH $MECHS)"
done
# /ehlo lists it too
assert_out_matches '^ +AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256( |$)'

# ------------------------------------------------------------------ every advertised mechanism
for m in $MECHS; do
	transcript_args "$m"
	SMTPSH_SECRET=$AUTH_PASS run_smtpsh "${TR_ARGS[@]}" -c 'EHLO x' -c "/auth $m $AUTH_USER" \
		-c '/expect 235' -c QUIT "$T"
	assert_rc 0
	assert_out_matches '^<- 235 2\.7\.0 '
	assert_out_contains "** authenticated as $AUTH_USER with $m"
	assert_out_contains '<- 221'
	assert_out_not_contains 'expectation failed'
	case $m in
	PLAIN)
		assert_out_contains '-> AUTH PLAIN [redacted]'
		assert_any_contains 'warning: AUTH PLAIN over a plaintext connection sends the password in the clear'
		;;
	LOGIN)
		assert_out_contains '-> AUTH LOGIN'
		assert_out_contains '** challenge: Username:'
		# the line as sent (a replay sends it again), then what it decodes to
		assert_out_contains "-> $USER_B64"
		assert_out_contains "** decoded: $AUTH_USER"
		assert_out_contains '** challenge: Password:'
		assert_out_matches '^-> \[redacted\]$'
		assert_any_contains 'warning: AUTH LOGIN over a plaintext connection sends the password in the clear'
		;;
	CRAM-MD5)
		assert_out_contains '-> AUTH CRAM-MD5'
		# the challenge decoded: <random.timestamp@host>
		assert_out_matches '^\*\* challenge: <[^>@]+@[^>]+>$'
		assert_out_matches '^-> \[redacted\]$'
		assert_any_contains 'warning: AUTH over a plaintext connection: the user name shows'
		;;
	SCRAM-SHA-256)
		# the client-first message holds no secret: shown, with its decoding
		assert_out_matches "^-> AUTH SCRAM-SHA-256 [A-Za-z0-9+/=]+\$"
		assert_out_matches "^\\*\\* decoded: n,,n=$AUTH_USER,r=[^,]+\$"
		cnonce=$(sed -n -E 's/^\*\* decoded: n,,n=[^,]*,r=([^,]+)$/\1/p' "$OUT")
		[[ -n $cnonce ]] || fail "no client nonce in the SCRAM client-first message"
		# the server-first challenge, decoded: our nonce extended, salt, iteration count
		assert_out_matches '^\*\* challenge: r=[^,]+,s=[A-Za-z0-9+/=]+,i=[0-9]+$'
		assert_out_contains "** challenge: r=$cnonce"
		! LC_ALL=C grep -aqxF -e "** challenge: r=$cnonce" "$OUT" ||
			fail "the server nonce does not extend the client nonce"
		assert_out_matches '^-> \[redacted\]$'
		# the server-final message (its signature, checked) and the empty answer
		assert_out_matches '^\*\* challenge: v=[A-Za-z0-9+/=]+$'
		assert_out_not_contains 'did not prove'
		assert_any_contains 'warning: AUTH over a plaintext connection: the user name shows'
		;;
	*)
		fail "the server advertises $m, which this test does not know"
		;;
	esac
	assert_no_secret
	check_transcript
done
if ((HAVE_JSONL)); then
	# the JSONL transcript too (PLAIN: the secret sits in the line itself)
	for m in PLAIN LOGIN; do
		transcript_args "$m.jsonl" jsonl
		SMTPSH_SECRET=$AUTH_PASS run_smtpsh "${TR_ARGS[@]}" -c 'EHLO x' -c "/auth $m $AUTH_USER" \
			-c '/expect 235' -c QUIT "$T"
		assert_rc 0
		assert_out_contains "** authenticated as $AUTH_USER with $m"
		assert_no_secret
		check_transcript
	done
fi
if ((!HAVE_TRANSCRIPT)); then
	# Not a skip of the test: smtpsh --help lists no --transcript option, so there is no
	# transcript to inspect; the assertions above run as soon as the option exists.
	echo "# note: smtpsh has no --transcript option: the transcript assertions did not run" >&2
fi

# ------------------------------------------------------------------ a wrong password
for m in $MECHS; do
	SMTPSH_SECRET=not-the-password run_smtpsh -c 'EHLO x' -c "/auth $m $AUTH_USER" \
		-c '/expect 235' -c QUIT "$T"
	assert_rc 7
	assert_out_matches '^<- 535 5\.7\.8 '
	assert_out_matches '^!! expectation failed'
	assert_out_not_contains 'authenticated as'
	# the batch stopped at the failed expectation
	assert_out_not_contains '-> QUIT'
done
# ... and /expect 535 accepts that outcome
SMTPSH_SECRET=not-the-password run_smtpsh -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" \
	-c '/expect 535' -c '/expect 5.7.8' -c QUIT "$T"
assert_rc 0
assert_out_contains '<- 221'

# ------------------------------------------------------------------ where the secret comes from
# --secret-env NAME
MY_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' -c "/auth LOGIN $AUTH_USER --secret-env MY_SECRET" \
	-c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "** authenticated as $AUTH_USER with LOGIN"
assert_no_secret
# --secret-env wins over $SMTPSH_SECRET
SMTPSH_SECRET=not-the-password MY_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' \
	-c "/auth SCRAM-SHA-256 $AUTH_USER --secret-env MY_SECRET" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "** authenticated as $AUTH_USER with SCRAM-SHA-256"
assert_no_secret
# --secret-env naming an unset variable: a usage error, nothing sent
SMTPSH_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' \
	-c "/auth PLAIN $AUTH_USER --secret-env UNSET_SECRET_VAR" -c '/expect 235' -c QUIT "$T"
assert_rc 2
assert_any_contains 'the environment variable UNSET_SECRET_VAR is not set'
assert_out_not_contains '-> AUTH'
assert_no_secret

# --secret-file FILE: its first line
SECRET_FILE=$SCRATCH/secret
(umask 077 && printf '%s\nsecond line is ignored\n' "$AUTH_PASS" >"$SECRET_FILE")
run_smtpsh -c 'EHLO x' -c "/auth CRAM-MD5 $AUTH_USER --secret-file $SECRET_FILE" \
	-c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "** authenticated as $AUTH_USER with CRAM-MD5"
assert_no_secret
# a CRLF line ending is not part of the password; the file wins over $SMTPSH_SECRET
CRLF_FILE=$SCRATCH/secret.crlf
(umask 077 && printf '%s\r\n' "$AUTH_PASS" >"$CRLF_FILE")
SMTPSH_SECRET=not-the-password run_smtpsh -c 'EHLO x' \
	-c "/auth PLAIN $AUTH_USER --secret-file $CRLF_FILE" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "** authenticated as $AUTH_USER with PLAIN"
assert_no_secret
# a missing file: a usage error, nothing sent
run_smtpsh -c 'EHLO x' -c "/auth PLAIN $AUTH_USER --secret-file $SCRATCH/no-such-file" \
	-c '/expect 235' -c QUIT "$T"
assert_rc 2
assert_any_contains "cannot open $SCRATCH/no-such-file"
assert_out_not_contains '-> AUTH'

# no secret at all: batch mode never prompts, exits 2 at once, sends nothing
run_smtpsh -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c QUIT "$T"
assert_rc 2
assert_any_contains 'batch mode never prompts'
assert_any_contains 'SMTPSH_SECRET'
assert_out_not_contains '-> AUTH'
assert_elapsed_lt 10

# ------------------------------------------------------------------ raw AUTH lines typed by hand
# an initial response typed on the AUTH line
run_smtpsh -c 'EHLO x' -c "AUTH PLAIN $PLAIN_B64" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains '-> AUTH PLAIN [redacted]'
assert_out_matches '^<- 235 2\.7\.0 '
assert_any_contains 'warning: AUTH PLAIN over a plaintext connection'
assert_no_secret
# LOGIN by hand: the answers to the two 334s are redacted (the shell cannot tell which one
# is the user name), the AUTH LOGIN line itself holds nothing secret
run_smtpsh -c 'EHLO x' -c 'AUTH LOGIN' -c '/expect 334' -c "$USER_B64" -c '/expect 334' \
	-c "$PASS_B64" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_matches '^-> AUTH LOGIN$'
assert_out_contains '<- 334 VXNlcm5hbWU6'
assert_out_contains '<- 334 UGFzc3dvcmQ6'
[[ $(grep -cx -e '-> \[redacted\]' "$OUT") == 2 ]] || fail "not two '-> [redacted]' lines for the LOGIN answers"
assert_out_not_contains "$USER_B64"
assert_out_matches '^<- 235 2\.7\.0 '
assert_no_secret

# ------------------------------------------------------------------ --no-redact shows it all
# (and so proves that the checks above can see a leak)
transcript_args no-redact
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --no-redact "${TR_ARGS[@]}" -c 'EHLO x' \
	-c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "-> AUTH PLAIN $PLAIN_B64"
assert_out_not_contains '[redacted]'
has_secret "$OUT" >/dev/null || fail "has_secret does not see the PLAIN blob in --no-redact output"
if [[ -n $TR_FILE ]]; then
	LC_ALL=C grep -aqF -e "$PLAIN_B64" "$TR_FILE" ||
		fail "--no-redact: the transcript does not show the PLAIN blob: $(cat -v "$TR_FILE")"
fi
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --no-redact -c 'EHLO x' -c "/auth LOGIN $AUTH_USER" \
	-c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_matches "^-> $PASS_B64\$"
has_secret "$OUT" >/dev/null || fail "has_secret does not see the password's base64 in --no-redact output"
run_smtpsh --no-redact -c 'EHLO x' -c 'AUTH LOGIN' -c "$USER_B64" -c "$PASS_B64" -c '/expect 235' \
	-c QUIT "$T"
assert_rc 0
assert_out_matches "^-> $USER_B64\$"
assert_out_matches "^-> $PASS_B64\$"
run_smtpsh --no-redact -c 'EHLO x' -c "AUTH PLAIN $PLAIN_B64" -c '/expect 235' -c QUIT "$T"
assert_rc 0
assert_out_contains "-> AUTH PLAIN $PLAIN_B64"

# ------------------------------------------------------------------ STARTTLS, AUTH only inside TLS
PLAIN_PORT=$PF_PORT
start_postfix --auth --tls
TT=127.0.0.1:$PF_PORT
[[ $PF_PORT != "$PLAIN_PORT" ]] || _die "two Postfix instances on one port"
for m in $MECHS; do
	SMTPSH_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' -c '/expect 250' -c STARTTLS -c '/expect 220' \
		-c 'EHLO x' -c '/expect 250' -c "/auth $m $AUTH_USER" -c '/expect 235' -c QUIT "$TT"
	assert_rc 0
	# before TLS: STARTTLS, no AUTH; after it: AUTH with every mechanism
	assert_out_matches '^<- 250[- ]STARTTLS$'
	assert_out_not_matches '^<- 250[- ]AUTH'
	assert_out_matches '^<~ 250[- ]AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256$'
	assert_out_contains '** capabilities changed across TLS: +AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256'
	assert_out_matches "^~> AUTH $m"
	assert_out_matches '^<~ 235 2\.7\.0 '
	assert_out_contains "** authenticated as $AUTH_USER with $m"
	# inside TLS: no plaintext warning of either kind
	assert_out_not_contains 'plaintext connection'
	assert_err_not_contains 'plaintext connection'
	assert_no_secret
done
# /auth PLAIN inside TLS: redacted all the same
SMTPSH_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' -c STARTTLS -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" \
	-c '/expect 235' -c QUIT "$TT"
assert_rc 0
assert_out_contains '~> AUTH PLAIN [redacted]'
assert_no_secret
# before STARTTLS the server offers no AUTH: smtpsh warns, still sends (a debug tool),
# Postfix refuses with 503
SMTPSH_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" -c '/expect 503' \
	-c QUIT "$TT"
assert_rc 0
assert_any_contains 'warning: AUTH not advertised in EHLO'
assert_out_contains '-> AUTH PLAIN [redacted]'
assert_out_matches '^<- 503 5\.5\.1 '
assert_out_not_contains 'authenticated as'
assert_no_secret
# and on the instance without TLS the same /auth PLAIN warns (checked per mechanism above)
SMTPSH_SECRET=$AUTH_PASS run_smtpsh -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" -c '/expect 235' \
	-c QUIT "127.0.0.1:$PLAIN_PORT"
assert_rc 0
assert_any_contains 'warning: AUTH PLAIN over a plaintext connection sends the password in the clear'

# Dovecot saw the failures of the wrong passwords, and nothing else went wrong there
grep -q 'Password mismatch' "$SCRATCH"/postfix1/dovecot/dovecot.log ||
	fail "Dovecot's log shows no failed login: $(cat "$SCRATCH"/postfix1/dovecot/dovecot.log)"
! grep -E -q '(Error|Fatal|Panic):' "$SCRATCH"/postfix*/dovecot/dovecot.log ||
	fail "errors in Dovecot's log: $(cat "$SCRATCH"/postfix*/dovecot/dovecot.log)"

pass

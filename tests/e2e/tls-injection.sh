#!/bin/bash
# What no real MTA does on purpose, from the project's test server:
# a) STARTTLS response injection: plaintext "replies" sent with the 220, before the TLS
#    handshake, are reported (STARTTLS RESPONSE INJECTION), never parsed as replies, cannot
#    satisfy an /expect, do not become capabilities, and the batch exits 4;
# b) a server that answers 220 and then speaks plaintext instead of TLS: the handshake fails
#    with a reason, the connection is closed (no plaintext fallback), exit 4, at once;
# c) a server that answers 220 and then nothing: the same, at --timeout.
source "$(dirname "$0")/lib.sh"

make_certs
export TLS_CERT=$CERTS/valid.pem TLS_KEY=$CERTS/valid.key

# ---- a) injection: the batch stops at STARTTLS ----
start_fake starttls-injection.scn
run_smtpsh --ca-file "$CERTS/root.pem" -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "$FAKE_TARGET"
assert_rc 4
assert_out_matches '^<- 220 2\.0\.0 Ready to start TLS$'
assert_out_matches '^!! .*STARTTLS RESPONSE INJECTION'
# the injected lines never appear as received replies
assert_out_not_matches '^<[-~] .*evil'
assert_out_not_matches '^<[-~] .*AUTH'
assert_out_not_matches '^<[-~] 250 AUTH PLAIN'
assert_out_matches '^!! -c line 2: stopped here \(exit code 4\)$'
assert_out_not_contains 'EHLO y'
assert_no_ctrl
wait_fake
# the handshake itself was fine; then nothing more came from the client
assert_log_contains 'TLS TLSv1'
assert_log_not_contains 'EHLO y'
assert_log_not_contains 'DISCARDED'

# ---- a) again, going on (-k): prove the injected bytes were not parsed ----
start_fake starttls-injection.scn
run_smtpsh -k --ca-file "$CERTS/root.pem" -c 'EHLO x' -c STARTTLS -c '/expect 250' \
	-c 'EHLO y' -c '/expect 250' -c /ehlo -c QUIT "$FAKE_TARGET"
# the first failure, the injection, decides the exit status
assert_rc 4
assert_out_matches '^!! .*STARTTLS RESPONSE INJECTION'
assert_out_not_matches '^<[-~] .*evil'
# the last reply is still the 220: the injected "250" cannot satisfy /expect 250
assert_out_matches '^!! expectation failed: wanted 250, got 220'
# the EHLO reply inside TLS is the real server's, not the injected one
assert_out_contains '~> EHLO y'
assert_out_matches '^<~ 250-fake\.example\.test$'
assert_out_matches '^<~ 250 SIZE 1000$'
assert_out_not_matches '^<~ .*AUTH'
# /expect 250 after it passes, on the real reply: exactly one expectation failed
[[ $(grep -c 'expectation failed' "$OUT") == 1 ]] || fail "expected exactly one failed /expect"
# /ehlo shows what the real server sent inside TLS: SIZE, and neither AUTH nor evil
sed -n '/^~> EHLO y$/,/^~> QUIT$/p' "$OUT" >"$SCRATCH/after-ehlo"
grep -q 'SIZE' "$SCRATCH/after-ehlo" || fail "/ehlo does not show SIZE from the real EHLO reply"
! grep -E -q 'AUTH|evil' "$SCRATCH/after-ehlo" || fail "/ehlo shows injected capabilities"
assert_out_matches '^\*\* capabilities changed across TLS: .*\+SIZE 1000'
assert_out_not_matches '^\*\* capabilities changed across TLS: .*AUTH'
assert_out_matches '^<~ 221 '
wait_fake
assert_log_contains 'EHLO y'
assert_log_contains 'QUIT'

# ---- b) plaintext instead of TLS after the 220 ----
start_fake starttls-plaintext.scn
run_smtpsh --timeout 3 -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "$FAKE_TARGET"
assert_rc 4
assert_out_matches '^<- 220 2\.0\.0 Ready to start TLS$'
assert_out_matches '^!! TLS handshake failed: .*plaintext'
assert_out_matches '^!! TLS handshake failed: .*wrong version'
assert_out_not_contains 'TLS handshake failed: TLS handshake failed'
assert_out_contains 'connection closed: no plaintext fallback'
# the server's plaintext is not read as a reply, and nothing more is sent
assert_out_not_matches '^<[-~] 250 this is plaintext'
assert_out_not_contains 'EHLO y'
assert_out_not_matches '^(->|~>) QUIT'
assert_out_matches '^!! -c line 2: stopped here \(exit code 4\)$'
# at once, not at the 3 s timeout
assert_elapsed_lt 3
wait_fake
assert_log_not_contains 'EHLO y'
assert_log_not_contains 'QUIT'

# ---- c) 220, then silence: the handshake gives up at --timeout, the same way ----
start_fake starttls-silent.scn
run_smtpsh --timeout 2 -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "$FAKE_TARGET"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: .*(did not answer|timed out)'
assert_out_contains 'connection closed: no plaintext fallback'
assert_out_not_contains 'EHLO y'
assert_elapsed_ge 1.9
assert_elapsed_lt 4
wait_fake
assert_log_not_contains 'EHLO y'

pass

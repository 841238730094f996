#!/bin/bash
# /auth in a real terminal (tmux) against Postfix + Dovecot: the password is asked without
# echo and never shows on the screen; Ctrl-C at that prompt cancels without sending AUTH; a
# raw AUTH LOGIN answered by hand is redacted on screen. Afterwards the history file holds
# the commands typed (/auth PLAIN USER included: it holds no secret) but no AUTH line, no
# answer to a 334, no password and no base64 of it.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tty-lib.sh"

start_postfix_auth Hist-pw

T=127.0.0.1:$PF_PORT
start_tty "$T"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_screen '^<- 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256$'
wait_prompt '^127\.0\.0\.1 ready>$'

# ------------------------------------------------------------------ Ctrl-C at the password prompt
type_line "/auth CRAM-MD5 $AUTH_USER"
wait_prompt "^Password for $AUTH_USER:\$"
key C-c
wait_screen '^\*\* /auth: cancelled$'
wait_prompt '^127\.0\.0\.1 ready>$'
[[ $(count_screen_fixed '-> AUTH CRAM-MD5') == 0 ]] || tfail "AUTH was sent after Ctrl-C at the password prompt"

# ------------------------------------------------------------------ the password, without echo
type_line "/auth PLAIN $AUTH_USER"
wait_prompt "^Password for $AUTH_USER:\$"
type_line "$AUTH_PASS"
wait_screen '^-> AUTH PLAIN \[redacted\]$'
wait_screen '^<- 235 2\.7\.0 Authentication successful$'
wait_screen "^\\*\\* authenticated as $AUTH_USER with PLAIN\$"
# the prompt shows the session is authenticated
wait_prompt '^127\.0\.0\.1 auth ready>$'
screen >"$SCRATCH/screen.auth"
for s in "$AUTH_PASS" "$PASS_B64" "$PLAIN_B64"; do
	! LC_ALL=C grep -qF -e "$s" "$SCRATCH/screen.auth" ||
		tfail "the screen shows a secret ($s) after the password prompt"
done
# the password prompt line itself: nothing after the colon
LC_ALL=C grep -qx -e "Password for $AUTH_USER: *" "$SCRATCH/screen.auth" ||
	tfail "the password prompt line is not empty after the colon"
type_line QUIT
wait_screen '^<- 221 '
wait_prompt '^smtpsh>$'

# ------------------------------------------------------------------ AUTH LOGIN by hand
type_line "/connect $T"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'AUTH LOGIN'
wait_screen '^<- 334 VXNlcm5hbWU6$'
type_line "$USER_B64"
wait_screen '^<- 334 UGFzc3dvcmQ6$'
type_line "$PASS_B64"
wait_screen "^<- 235 2\\.7\\.0 Authentication successful\$"
[[ $(count_screen_fixed '-> AUTH LOGIN') == 1 ]] || tfail "the AUTH LOGIN line is not shown as typed"
[[ $(count_screen_fixed '-> [redacted]') == 2 ]] || tfail "the answers to the 334s are not shown as -> [redacted]"
[[ $(count_screen_fixed "-> $PASS_B64") == 0 ]] || tfail "the password's base64 is shown as sent"
[[ $(count_screen_fixed "-> $USER_B64") == 0 ]] || tfail "an answer to a 334 is shown as sent"
type_line QUIT
wait_screen '^<- 221 .*' 5
wait_prompt '^smtpsh>$'
type_line '/quit'
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status"

# ------------------------------------------------------------------ the history file
hist=$STATE/smtpsh/history
[[ -f $hist ]] || tfail "no history file $hist"
[[ $(stat -c %a "$hist") == 600 ]] || tfail "history file mode $(stat -c %a "$hist"), not 600"
showhist() { cat -v "$hist"; }
grep -qxF 'EHLO x' "$hist" || tfail "EHLO x is not in the history: $(showhist)"
# the /auth command holds no secret: it is kept, as typed
grep -qxF "/auth PLAIN $AUTH_USER" "$hist" || tfail "/auth PLAIN $AUTH_USER is not in the history: $(showhist)"
grep -qxF "/auth CRAM-MD5 $AUTH_USER" "$hist" || tfail "/auth CRAM-MD5 $AUTH_USER is not in the history: $(showhist)"
grep -qxF "/connect $T" "$hist" || tfail "/connect is not in the history: $(showhist)"
grep -qxF 'QUIT' "$hist" || tfail "QUIT is not in the history: $(showhist)"
# never a secret: not the password typed at the prompt, nor any base64 of it, nor the
# answers to the 334s; and no AUTH line at all (smtpsh keeps none, even AUTH LOGIN alone)
for s in "$AUTH_PASS" "$PASS_B64" "$PLAIN_B64" "$USER_B64"; do
	! grep -qF -e "$s" "$hist" || tfail "the history holds a secret or a 334 answer ($s): $(showhist)"
done
! grep -qi '^ *AUTH' "$hist" || tfail "an AUTH line is in the history: $(showhist)"

pass

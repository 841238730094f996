#!/bin/bash
# Keys and session state in a real terminal (tmux): the prompt shows tls after STARTTLS and
# auth after AUTH (Postfix + Dovecot, a certificate of the test PKI), in colour, and
# readline measures that prompt right (editing a long wrapped line at its start and end);
# /timing on adds "VERB reply after N ms"; /history lists the lines with numbers; Ctrl-L
# clears the screen and keeps the line; Ctrl-C while waiting for a reply stops waiting at
# once, the session stays and the late reply still shows; the next command's reply is
# waited for.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tty-lib.sh"

make_certs
AUTH_USER=alice@example.test
AUTH_PASS=Keys-pw.$RANDOM$RANDOM
start_postfix --auth --cert "$CERTS/valid.pem" --key "$CERTS/valid.key"
start_fake noop-delay.scn

start_tty "127.0.0.1:$PF_PORT"
wait_prompt '^127\.0\.0\.1 connected>$' 10
type_line 'EHLO x'
wait_screen '^<- 250 CHUNKING$'
wait_prompt '^127\.0\.0\.1 ready>$'

# ------------------------------------------------------------------ /timing
type_line 'NOOP'
wait_screen '^<- 250 2\.0\.0 Ok$'
wait_prompt '^127\.0\.0\.1 ready>$'
[[ $(count_screen '.*reply after.*') == 0 ]] || tfail "a latency note with /timing off"
type_line '/timing on'
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'NOOP'
wait_screen '^   NOOP reply after [0-9]+ ms$'
wait_prompt '^127\.0\.0\.1 ready>$'
# right under the reply
n=$(screen | grep -n -x -e '   NOOP reply after [0-9]* ms' | tail -n 1 | cut -d: -f1)
[[ $(screen | sed -n "$((n - 1))p") == '<- 250 2.0.0 Ok' ]] || tfail "the latency note is not under the reply"
type_line '/timing off'
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'NOOP'
wait_prompt '^127\.0\.0\.1 ready>$'
wait_screen '^-> NOOP$'
sleep 0.3
[[ $(count_screen '   NOOP reply after [0-9]+ ms') == 1 ]] || tfail "a latency note after /timing off"

# ------------------------------------------------------------------ tls and auth in the prompt
type_line 'STARTTLS'
wait_screen '^<- 220 2\.0\.0 Ready to start TLS$'
wait_screen '^(\*\*|!!) TLS TLSv1\.[23] '
wait_prompt '^127\.0\.0\.1 tls connected>$'
type_line 'EHLO y'
wait_screen '^<~ 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256$'
wait_prompt '^127\.0\.0\.1 tls ready>$'
type_line "/auth PLAIN $AUTH_USER"
wait_prompt "^Password for $AUTH_USER:\$"
type_line "$AUTH_PASS"
wait_screen '^<~ 235 2\.7\.0 Authentication successful$'
wait_prompt '^127\.0\.0\.1 tls auth ready>$'
! screen | grep -qF -e "$AUTH_PASS" || tfail "the password shows on the screen"
# the prompt is in colour: host bold, state cyan
screen_esc | tail -n 5 | LC_ALL=C grep -qE $'\e\\[[0-9;]*36mtls auth ready(\e\\[[0-9;]*m)*> ' ||
	tfail "no coloured state in the prompt: $(screen_esc | tail -n 3 | cat -v)"

# ------------------------------------------------------------------ editing under a colour prompt
# The escapes take no columns (readline was told): a line longer than the terminal wraps
# where it should, and edits at its start and end land where the keys say.
long="VRFY $(printf 'abcdefghi%d' 1 2 3 4 5 6 7 8 9 1 2 3 4 5)"
type_text "$long"
wait_prompt "^127\\.0\\.0\\.1 tls auth ready> $long\$"
key C-a
type_text 'X'
key C-e
key BSpace BSpace
type_text 'Z'
want="X${long%??}Z"
wait_prompt "^127\\.0\\.0\\.1 tls auth ready> $want\$"
# on the terminal: the first row full (120 columns), the rest on the next one
rows=$(screen_visible | sed -e 's/[[:space:]]*$//' -e '/^$/d' | tail -n 2)
first=$(head -n 1 <<<"$rows")
[[ ${#first} == 120 ]] || tfail "the wrapped line's first row is ${#first} columns, not 120: [$first]"
[[ "$first$(tail -n 1 <<<"$rows")" == "127.0.0.1 tls auth ready> $want" ]] ||
	tfail "the wrapped line is not what was typed: $rows"
key C-a C-k
wait_prompt '^127\.0\.0\.1 tls auth ready>$'

# ------------------------------------------------------------------ Ctrl-L
type_text 'NOOP'
wait_prompt '^127\.0\.0\.1 tls auth ready> NOOP$'
key C-l
deadline=$(($(_now_us) + 5000000))
until [[ $(screen_visible | head -n 1 | sed 's/[[:space:]]*$//') == '127.0.0.1 tls auth ready> NOOP' ]]; do
	(($(_now_us) < deadline)) || tfail "after Ctrl-L the prompt is not at the top: $(screen_visible | head -n 3)"
	sleep 0.05
done
[[ -z $(screen_visible | sed -n '2,$p' | tr -d '[:space:]') ]] || tfail "Ctrl-L left text under the prompt"
# the line kept is the one sent
key Enter
wait_screen '^~> NOOP$'
wait_prompt '^127\.0\.0\.1 tls auth ready>$'

# ------------------------------------------------------------------ /history
type_line '/history'
wait_screen '^ +[0-9]+  /history$'
wait_prompt '^127\.0\.0\.1 tls auth ready>$'
screen >"$SCRATCH/screen.hist"
# numbered from 1, in order, as typed (the password is not a line of history)
for want in '    1  EHLO x' '    2  NOOP' '    3  /timing on' '    5  /timing off' \
	'    7  STARTTLS' '    8  EHLO y' "    9  /auth PLAIN $AUTH_USER" '   10  NOOP' '   11  /history'; do
	grep -qxF -e "$want" "$SCRATCH/screen.hist" || tfail "/history has no line: $want"
done
! grep -qF -e "$AUTH_PASS" "$SCRATCH/screen.hist" || tfail "/history shows the password"
type_line 'QUIT'
wait_screen '^<~ 221 2\.0\.0 Bye$'
wait_prompt '^smtpsh>$'

# ------------------------------------------------------------------ Ctrl-C while waiting
# noop-delay.scn answers NOOP after 5 s, then RSET 1 s after that.
type_line "/connect $FAKE_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'NOOP'
wait_screen '^-> NOOP$'
sleep 0.5
# still waiting: no prompt
prompt_line | grep -qx -e '-> NOOP' || tfail "not waiting for the reply to NOOP"
t0=$(_now_us)
key C-c
wait_screen '^(\^C)?\*\* stopped waiting for the reply' 2
# the prompt at once, still connected
wait_prompt '^127\.0\.0\.1 ready>$' 2
((($(_now_us) - t0) < 1500000)) || tfail "the prompt took more than 1.5 s to come back after Ctrl-C"
! screen | grep -q '^<- 250 2\.0\.0 late reply to NOOP$' || tfail "the NOOP reply came before Ctrl-C: too slow"
# the next command: sent, and its reply is waited for
type_line 'RSET'
wait_screen '^-> RSET$'
# the late reply to NOOP is shown when it comes
wait_screen '^<- 250 2\.0\.0 late reply to NOOP$' 8
# RSET's own reply comes 1 s after it: the prompt must not come back before it
wait_prompt '^127\.0\.0\.1 ready>$' 5
screen | grep -q '^<- 250 2\.0\.0 reset after the late reply$' ||
	tfail "the prompt came back before the reply to RSET (the late NOOP reply was taken for it)"
n_late=$(screen | grep -n -x -e '<- 250 2.0.0 late reply to NOOP' | cut -d: -f1)
n_rset=$(screen | grep -n -x -e '<- 250 2.0.0 reset after the late reply' | cut -d: -f1)
((n_late < n_rset)) || tfail "the replies are not in the order they came"
assert_log_contains 'RSET'

key C-d
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status after Ctrl-D"
screen | grep -qx -e '-> QUIT' || tfail "Ctrl-D did not send QUIT"
wait_fake
assert_log_contains 'QUIT'

pass

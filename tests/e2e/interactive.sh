#!/bin/bash
# The interactive shell in a real terminal (tmux): a server line that arrives while the user
# types is printed above the prompt and the half-typed line is kept; the prompt shows host
# and phase (data after 354); Ctrl-C drops the line being typed; Ctrl-D sends QUIT and
# exits; the history file is private, keeps the lines typed but not AUTH.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tty-lib.sh"

# line number (on the screen) of the last line matching a fixed string; 0 if none
screen_line_of() {
	local n
	n=$(screen | LC_ALL=C grep -n -F -e "$1" | tail -n 1 | cut -d: -f1)
	echo "${n:-0}"
}

# ------------------------------------------------------------------ an idle 421 while typing
start_fake interactive-421.scn
start_tty "$FAKE_TARGET"
wait_screen "^\*\* connected to 127\.0\.0\.1 port $FAKE_PORT\$"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$'
wait_screen '^<- 250 PIPELINING$'
# colour in a terminal by default: the 250 lines are green
# (tmux sends only changes of attributes: the SGR is on the first of the green lines)
screen_esc | LC_ALL=C grep -qE -e $'\e\\[32m(\e\\[[0-9;]*m)*<- 250-fake\\.example\\.test' ||
	tfail "no green 250 line in the terminal: $(screen_esc | cat -v)"
# half a line, no Enter; the server has not given up yet
type_text 'MAIL FROM:<half'
wait_prompt '^127\.0\.0\.1 ready> MAIL FROM:<half$'
screen >"$SCRATCH/screen.before"
! grep -q '^<- 421' "$SCRATCH/screen.before" ||
	tfail "the 421 came before the line was typed: the test was too slow"
# the 421 arrives while the line is being edited
wait_screen '^<- 421 4\.4\.2 fake\.example\.test idle timeout$' 5
wait_screen '^\*\* connection closed by server$' 5
sleep 0.2
n421=$(screen_line_of '<- 421 4.4.2 fake.example.test idle timeout')
nprompt=$(screen | grep -n '[^[:space:]]' | tail -n 1 | cut -d: -f1)
((n421 > 0 && n421 < nprompt)) || tfail "the 421 line is not above the prompt line"
prompt_line | grep -qE '> MAIL FROM:<half$' || tfail "the half-typed line was not kept after the 421"
# exactly one copy of the half-typed line on the screen: the prompt was redrawn, not doubled
[[ $(screen | grep -c 'MAIL FROM:<half') == 1 ]] || tfail "the half-typed line shows more than once"
# and it was not sent
wait_fake
assert_log_contains 'EHLO x'
assert_log_not_contains 'MAIL'
# Ctrl-C drops the kept line (Ctrl-D on a non-empty line deletes a character, as in bash),
# then Ctrl-D leaves: not connected, nothing to QUIT
key C-c
wait_prompt '^smtpsh>$'
key C-d
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status"

# ------------------------------------------------------------------ prompts, Ctrl-C, Ctrl-D
start_fake simple.scn
start_tty "$FAKE_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'MAIL FROM:<a@example.test>'
wait_prompt '^127\.0\.0\.1 mail>$'
type_line 'RCPT TO:<b@example.test>'
wait_prompt '^127\.0\.0\.1 rcpt>$'
type_line 'DATA'
wait_screen '^<- 354 go ahead$'
wait_prompt '^127\.0\.0\.1 data>$'
# in DATA mode a line starting with / is text, not a command
type_line 'Subject: typed in a terminal'
type_line '/help is text here'
type_line '.'
wait_screen '^<- 250 2\.0\.0 queued$'
wait_prompt '^127\.0\.0\.1 ready>$'
assert_log_contains 'Subject: typed in a terminal'
assert_log_contains '/help is text here'
# Ctrl-C drops the half-typed line; the session stays
type_text 'VRFY dropped'
wait_prompt '^127\.0\.0\.1 ready> VRFY dropped$'
key C-c
wait_prompt '^127\.0\.0\.1 ready>$'
type_line 'NOOP'
wait_screen '^-> NOOP$'
wait_prompt '^127\.0\.0\.1 ready>$'
[[ $(screen | grep -c '^<- 250 ok$') -ge 4 ]] || tfail "no reply to NOOP after Ctrl-C"
assert_log_contains 'NOOP'
type_line 'VRFY postmaster'
wait_screen '^-> VRFY postmaster$'
wait_prompt '^127\.0\.0\.1 ready>$'
# a secret: sent, shown as [redacted], never written to history
type_line 'AUTH PLAIN dGVzdAB0ZXN0AHNlY3JldA=='
wait_screen '^-> AUTH PLAIN \[redacted\]$'
wait_prompt '^127\.0\.0\.1 ready>$'
# Ctrl-D: QUIT, its reply, then exit 0
key C-d
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status after Ctrl-D"
screen | grep -qx -e '-> QUIT' || tfail "Ctrl-D did not send QUIT"
screen | grep -qx -e '<- 221 2.0.0 bye' || tfail "the reply to QUIT is not shown"
wait_fake
assert_log_contains 'QUIT'
assert_log_not_contains 'dropped'

# ------------------------------------------------------------------ the history file
hist=$STATE/smtpsh/history
[[ -f $hist ]] || tfail "no history file $hist"
[[ $(stat -c %a "$hist") == 600 ]] || tfail "history file mode $(stat -c %a "$hist"), not 600"
[[ $(stat -c %a "$STATE/smtpsh") == 700 ]] || tfail "history directory mode $(stat -c %a "$STATE/smtpsh"), not 700"
grep -qxF 'EHLO x' "$hist" || tfail "EHLO x is not in the history: $(cat -v "$hist")"
grep -qxF 'VRFY postmaster' "$hist" || tfail "VRFY postmaster is not in the history"
! grep -qi 'AUTH' "$hist" || tfail "an AUTH line is in the history: $(cat -v "$hist")"
! grep -qF 'dGVzdAB0ZXN0AHNlY3JldA' "$hist" || tfail "the AUTH secret is in the history"
! grep -qF 'dropped' "$hist" || tfail "a line dropped with Ctrl-C is in the history"

# a new session reads it back: Up recalls the last line saved
start_tty
wait_prompt '^smtpsh>$'
key Up
wait_prompt '^smtpsh> VRFY postmaster$'
key C-u
type_line '/quit'
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status after /quit"
grep -qxF '/quit' "$hist" || tfail "/quit is not in the history"

# No line equal to the one saved just before it: "EHLO x" ended the history of the first
# session and began the second, which appended it again right after the first.
[[ -z $(uniq -d "$hist") ]] ||
	tfail "the same line twice in a row in the history (across sessions): $(cat -v "$hist")"

pass

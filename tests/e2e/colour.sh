#!/bin/bash
# Colour by reply class with --color=always (even into a file or pipe, even with
# TERM=dumb or NO_COLOR: always wins); none at all with --color=never, nor with
# --color=auto into a pipe.
source "$(dirname "$0")/lib.sh"

unset NO_COLOR
export TERM=xterm
E=$'\033'
lines=(-c 'EHLO x' -c 'RCPT TO:<nobody@example.test>' -c NOOP -c DATA -c 'hi' -c . -c QUIT)

# has_line TEXT: stdout has a line that is exactly TEXT
has_line() {
	LC_ALL=C grep -aqxF -e "$1" "$OUT" || fail "no line $(printf '%q' "$1") in stdout"
}

start_fake colour.scn --connections 6

# --color=always into a file
run_smtpsh --color=always "${lines[@]}" "$FAKE_TARGET"
assert_rc 0
has_line "${E}[32m<- 250 fake.example.test${E}[0m"
has_line "${E}[31m<- 550 5.1.1 no such user${E}[0m"
has_line "${E}[33m<- 451 4.3.0 try again later${E}[0m"
has_line "${E}[36m<- 354 go ahead${E}[0m"
has_line "${E}[32m<- 221 2.0.0 bye${E}[0m"
# lines sent are bold, events blue
has_line "${E}[1m-> EHLO x${E}[0m"
has_line "${E}[34m** connected to 127.0.0.1 port $FAKE_PORT${E}[0m"
# no line is left without its reset
LC_ALL=C awk -v e="$E" 'index($0, e "[") && substr($0, length($0) - 3) != e "[0m" { bad = 1 }
	END { exit bad }' "$OUT" || fail "a coloured line without a reset at its end"
always_out=$(<"$OUT")

# NO_COLOR with --color=auto, into a real pipe: no ESC at all
piped=$SCRATCH/piped.out
set +e
NO_COLOR=1 HOME=$SCRATCH/home XDG_STATE_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config \
	timeout 20 "$SMTPSH" --color=auto "${lines[@]}" "$FAKE_TARGET" </dev/null 2>&1 | cat >"$piped"
st=${PIPESTATUS[0]}
set -e
((st == 0)) || fail "--color=auto into a pipe: exit status $st: $(cat -v "$piped")"
grep -qxF -e '<- 550 5.1.1 no such user' "$piped" || fail "--color=auto into a pipe: no 550 line"
! LC_ALL=C grep -aq "$E" "$piped" || fail "--color=auto with NO_COLOR into a pipe: ESC in the output"

# --color=auto into a pipe without NO_COLOR: still no colour (not a terminal)
set +e
HOME=$SCRATCH/home XDG_STATE_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config \
	timeout 20 "$SMTPSH" "${lines[@]}" "$FAKE_TARGET" </dev/null 2>&1 | cat >"$piped"
st=${PIPESTATUS[0]}
set -e
((st == 0)) || fail "default colour into a pipe: exit status $st: $(cat -v "$piped")"
grep -qxF -e '<- 250 fake.example.test' "$piped" || fail "default colour into a pipe: no 250 line"
! LC_ALL=C grep -aq "$E" "$piped" || fail "default colour into a pipe: ESC in the output"

# --color=never: none, and the same lines as with always, escapes aside
run_smtpsh --color=never "${lines[@]}" "$FAKE_TARGET"
assert_rc 0
assert_no_esc
assert_out_contains '<- 550 5.1.1 no such user'
stripped=$(sed -e "s/$E\\[[0-9;]*m//g" <<<"$always_out" | sed -e "s/port [0-9]*/port N/")
never=$(sed -e "s/port [0-9]*/port N/" "$OUT")
[[ $stripped == "$never" ]] || fail "--color=always differs from --color=never in more than colour:
$(diff <(echo "$stripped") <(echo "$never"))"

# TERM=dumb does not stop --color=always ...
TERM=dumb run_smtpsh --color=always "${lines[@]}" "$FAKE_TARGET"
assert_rc 0
has_line "${E}[32m<- 250 fake.example.test${E}[0m"
has_line "${E}[31m<- 550 5.1.1 no such user${E}[0m"

# ... nor does NO_COLOR
NO_COLOR=1 run_smtpsh --color=always "${lines[@]}" "$FAKE_TARGET"
assert_rc 0
has_line "${E}[31m<- 550 5.1.1 no such user${E}[0m"
wait_fake

# errors are bold red, even without a connection
run_smtpsh --color=always -c '/frobnicate'
assert_rc 2
LC_ALL=C grep -aq "^${E}\\[1;31m!! unknown command /frobnicate" "$OUT" ||
	fail "the error line is not bold red"

pass

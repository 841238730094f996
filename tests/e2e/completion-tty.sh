#!/bin/bash
# Tab completion in a real terminal (tmux), from what the server advertised: against Postfix
# (STARTTLS, SIZE, 8BITMIME, DSN, SMTPUTF8; AUTH only after TLS) and a fake server that
# advertises SIZE alone. Verbs of the phase and the extensions, MAIL parameters and their
# values, AUTH mechanisms, addresses typed before, local commands and their arguments, file
# names for /send; a Tab that finds nothing prints the usage above the prompt and keeps the
# line.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tty-lib.sh"

start_postfix --tls --auth
start_fake size-only.scn

# /send completes file names from smtpsh's working directory: one file in it
WORK=$SCRATCH/work
mkdir -p "$WORK"
printf 'Subject: completion\n\nhello\n' >"$WORK/hello.eml"
TTY_CWD=$WORK # read by start_tty

# listing: the candidates readline listed after the mark, one a line, sorted
listing() { since_mark | tr -s ' \t' '\n' | sed '/^$/d' | LC_ALL=C sort; }

# wait_listing: until a listing has appeared after the mark (5 s)
wait_listing() {
	local secs=5 deadline
	deadline=$(($(_now_us) + secs * 1000000))
	while (($(_now_us) < deadline)); do
		[[ -n $(since_mark) ]] && return 0
		sleep 0.05
	done
	tfail "no candidates listed after ${secs}s"
}

# tab2 TEXT: on an empty prompt, type TEXT and Tab Tab; the listing is in $LIST
tab2() {
	mark
	[[ -z $1 ]] || type_text "$1"
	key Tab Tab
	wait_listing
	sleep 0.1
	LIST=$(listing)
}

# expect_list WORD...: the listing is exactly these words
expect_list() {
	local want
	want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	[[ $LIST == "$want" ]] || tfail "listed:
$LIST
expected:
$want"
}

listed() { grep -qxF -e "$1" <<<"$LIST"; }
assert_listed() {
	local w
	for w in "$@"; do
		listed "$w" || tfail "$w is not offered; listed: ${LIST//$'\n'/ }"
	done
}
assert_not_listed() {
	local w
	for w in "$@"; do
		! listed "$w" || tfail "$w is offered, it must not be; listed: ${LIST//$'\n'/ }"
	done
}

# clear the line being typed, and wait for the empty prompt
clear_line() {
	key C-e C-u
	wait_prompt "$1"'$'
}

# the line just above the prompt line
above_prompt() { _screen_trimmed | tail -n 2 | head -n 1; }

P='^127\.0\.0\.1 ready>'
start_tty "127.0.0.1:$PF_PORT"
wait_prompt '^127\.0\.0\.1 connected>$' 10
type_line 'EHLO x'
wait_screen '^<- 250 CHUNKING$'
wait_prompt "$P\$"

# ------------------------------------------------------------------ verbs after EHLO
# Double Tab on an empty line: what may come now, and the advertised extensions' verbs.
tab2 ''
assert_listed MAIL RSET NOOP QUIT VRFY HELP STARTTLS ETRN
# not in this phase, or not advertised (AUTH only after STARTTLS here)
assert_not_listed BDAT DATA RCPT AUTH
prompt_line | grep -qE "$P\$" || tfail "the empty line changed after Tab Tab"

# ST + Tab: STARTTLS, and a space after it
type_text 'ST'
key Tab
type_text '#'
wait_prompt "$P STARTTLS #\$"
clear_line "$P"

# ------------------------------------------------------------------ MAIL parameters
# Only those of the advertised keywords: SIZE, 8BITMIME (BODY=), DSN (RET= ENVID=), SMTPUTF8;
# not AUTH= (no AUTH before TLS), BY=, MT-PRIORITY=, REQUIRETLS, HOLDFOR=, TRANSID= ...
tab2 'MAIL FROM:<a@example.test> '
expect_list BODY= ENVID= RET= SIZE= SMTPUTF8
wait_prompt "$P MAIL FROM:<a@example\\.test>\$"
clear_line "$P"
# the values of BODY=: BINARYMIME is not advertised
tab2 'MAIL FROM:<a@example.test> BODY='
expect_list BODY=7BIT BODY=8BITMIME
clear_line "$P"
# a parameter already on the line is not offered again
tab2 'MAIL FROM:<a@example.test> SIZE=100 '
expect_list BODY= ENVID= RET= SMTPUTF8
clear_line "$P"

# ------------------------------------------------------------------ nothing to offer: the usage
type_text 'RSET x'
key Tab
wait_screen '^   usage: RSET$'
above_prompt | grep -qx '   usage: RSET' || tfail "the usage is not right above the prompt"
wait_prompt "$P RSET x\$"
# the line is kept and editing goes on
type_text 'y'
wait_prompt "$P RSET xy\$"
[[ $(count_screen '.*RSET xy?') == 1 ]] || tfail "the typed line shows more than once"
clear_line "$P"
# AUTH is not advertised before TLS: no mechanism, the usage of AUTH
type_text 'AUTH '
key Tab
wait_screen '^   usage: AUTH '
wait_prompt "$P AUTH\$"
clear_line "$P"

# ------------------------------------------------------------------ addresses typed before
type_line 'MAIL FROM:<alice@example.test>'
wait_screen '^<- 250 2\.1\.0 Ok$'
wait_prompt '^127\.0\.0\.1 mail>$'
type_line 'RSET'
wait_prompt "$P\$"
tab2 'MAIL FROM:<'
assert_listed 'FROM:<alice@example.test>' 'FROM:<>'
# one more letter makes it unique: the whole address, and a space
type_text 'a'
key Tab
type_text '#'
wait_prompt "$P MAIL FROM:<alice@example\\.test> #\$"
clear_line "$P"
type_text 'VRFY al'
key Tab
wait_prompt "$P VRFY alice@example\\.test\$"
clear_line "$P"

# ------------------------------------------------------------------ /send: file names
type_text '/send '
key Tab
wait_prompt "$P /send hello\\.eml\$"
clear_line "$P"

# ------------------------------------------------------------------ after STARTTLS and EHLO
type_line 'STARTTLS'
wait_screen '^<- 220 2\.0\.0 Ready to start TLS$'
wait_prompt '^127\.0\.0\.1 tls connected>$'
type_line 'EHLO y'
wait_screen '^<~ 250 CHUNKING$'
PT='^127\.0\.0\.1 tls ready>'
wait_prompt "$PT\$"
tab2 'AUTH '
expect_list PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256
clear_line "$PT"
tab2 '/auth '
expect_list PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256
clear_line "$PT"
tab2 ''
assert_listed AUTH MAIL RSET NOOP QUIT VRFY HELP
assert_not_listed STARTTLS BDAT DATA RCPT
tab2 'MAIL FROM:<a@example.test> '
expect_list AUTH= BODY= ENVID= RET= SIZE= SMTPUTF8
clear_line "$PT"
type_line 'QUIT'
wait_screen '^<~ 221 2\.0\.0 Bye$'
wait_prompt '^smtpsh>$'

# ------------------------------------------------------------------ a server with SIZE only
type_line "/connect $FAKE_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_screen '^<- 250 SIZE 10240000$'
wait_prompt "$P\$"
# ST + Tab: nothing to offer and no usage ("ST" is no verb): the screen does not change
n_before=$(_screen_trimmed | wc -l)
type_text 'ST'
key Tab
sleep 0.3
key Tab
sleep 0.5
wait_prompt "$P ST\$"
[[ $(_screen_trimmed | wc -l) == "$n_before" ]] || tfail "ST + Tab printed something"
! screen | grep -q 'usage:.*ST' || tfail "a usage line for ST"
clear_line "$P"
tab2 ''
assert_listed MAIL RSET NOOP QUIT VRFY HELP
assert_not_listed STARTTLS AUTH BDAT DATA RCPT ETRN
# the one parameter advertised: Tab puts it in at once
type_text 'MAIL FROM:<a@example.test> '
key Tab
wait_prompt "$P MAIL FROM:<a@example\\.test> SIZE=\$"
clear_line "$P"
# no AUTH advertised
type_text 'AUTH '
key Tab
wait_screen '^   usage: AUTH '
clear_line "$P"

# ------------------------------------------------------------------ local commands
# /se is /send or /set (the dispatcher calls it ambiguous too): Tab Tab lists both
tab2 '/se'
expect_list /send /set
wait_prompt "$P /se\$"
type_text 't'
key Tab
type_text '#'
wait_prompt "$P /set #\$"
key BSpace
wait_prompt "$P /set\$"
# the values of a setting
tab2 'explain '
expect_list all errors off
key C-e C-w
wait_prompt "$P /set\$"
# every setting /set knows (its own error message lists them)
tab2 ''
expect_list explain timeout tls-verify on-error dns-server
clear_line "$P"
tab2 '/set on-error '
expect_list stop continue
clear_line "$P"

key C-d
status=$(wait_dead 5)
[[ $status == 0 ]] || tfail "smtpsh exited with status $status after Ctrl-D"
wait_fake
assert_log_contains 'QUIT'

pass

#!/bin/bash
# Ctrl-C in a real terminal stops whatever blocks the prompt, within a second, and the
# session goes on where SMTP allows it: /sleep; a /source file (all of it, not just the
# line that was running); /auth waiting for the server; /send --bdat between chunks (the
# session stays, RSET works); /dns and /check waiting on a resolver that never answers;
# /send in the middle of DATA (the connection is closed: SMTP cannot abort DATA); a TLS
# handshake the server never answers (the connection is closed).
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tty-lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_fake_dns silent
DNS=127.0.0.1:$FAKE_DNS_PORT
start_fake intr-tls.scn
TLS_TARGET=$FAKE_TARGET
start_fake intr-hold.scn
HOLD_TARGET=$FAKE_TARGET HOLD_LOG=$FAKE_LOG
start_fake intr-slow.scn
SLOW_TARGET=$FAKE_TARGET

# 4.5 MiB of text: 70 chunks of 64 KiB with --bdat; with DATA, more than the socket
# buffers hold, so a server that stops reading blocks the writer.
BIG=$SCRATCH/big.txt
{
	printf 'Subject: big\r\n\r\n'
	seq -f 'line %06g of a long message, to fill the socket buffers.' 1 80000 | sed 's/$/\r/'
} >"$BIG"
((($(stat -c %s "$BIG")) > 4000000)) || _die "the big message is too small"

cat >"$SCRATCH/sleeps.smtpsh" <<'EOF'
/echo first line ran
/sleep 20
/echo NOT-REACHED-1
/sleep 20
/echo NOT-REACHED-2
EOF

# ctrl_c: press Ctrl-C; back_within REGEX WHAT: the prompt is back within 1.5 s of it
T0=0
ctrl_c() {
	T0=$(_now_us)
	key C-c
}
back_within() {
	wait_prompt "$1" 3
	local took=$((($(_now_us) - T0) / 1000))
	((took < 1500)) || tfail "$2: the prompt took $took ms to come back after Ctrl-C"
}

# envelope: MAIL and RCPT, each answered
envelope() {
	type_line 'MAIL FROM:<a@example.test>'
	wait_prompt '^127\.0\.0\.1 mail>$' 5
	type_line 'RCPT TO:<b@example.test>'
	wait_prompt '^127\.0\.0\.1 rcpt>$' 5
}

TTY_ENV=(SMTPSH_SECRET=Intr-pw.$RANDOM)
start_tty --dns-server "$DNS" --dns-timeout 30 --timeout 30 "$SLOW_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$'
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$'

# ------------------------------------------------------------------ /sleep
mark
type_line '/sleep 30'
sleep 0.5
prompt_line | grep -q -e '> /sleep 30$' || tfail "/sleep 30 did not block the prompt"
ctrl_c
back_within '^127\.0\.0\.1 ready>$' "/sleep"
since_mark | grep -Eq '^(\^C)?!! interrupted$' || tfail "no 'interrupted' after Ctrl-C in /sleep"

# ------------------------------------------------------------------ /source
mark
type_line "/source $SCRATCH/sleeps.smtpsh"
wait_screen '^first line ran$' 5
sleep 0.3
ctrl_c
back_within '^127\.0\.0\.1 ready>$' "/source"
sleep 0.5
! screen | grep -q 'NOT-REACHED' || tfail "Ctrl-C stopped one line of the sourced file, not the file"

# ------------------------------------------------------------------ /auth waiting
mark
type_line '/auth PLAIN alice'
wait_screen '^-> AUTH PLAIN ' 5
ctrl_c
back_within '^127\.0\.0\.1 ready>$' "/auth"
since_mark | grep -q 'stopped waiting for the reply' || tfail "/auth: no 'stopped waiting' line"
# the late reply still shows, and the session goes on
wait_screen '^<- 250 ok$' 5
type_line 'NOOP'
wait_screen '^-> NOOP$' 3
wait_prompt '^127\.0\.0\.1 ready>$' 5

# ------------------------------------------------------------------ /send --bdat
envelope
mark
type_line "/send $BIG --bdat --chunk 65536"
wait_screen '^-> BDAT 65536$' 5
sleep 0.3
ctrl_c
# Ctrl-C while the first chunk's reply is awaited: no further chunk goes out
wait_prompt '^127\.0\.0\.1 ' 5
since_mark | grep -Eq '^!! stopped after [0-9]+ octets: the server holds an unfinished message; RSET discards it$' ||
	tfail "/send --bdat: no 'stopped after N octets' line"
n_chunks=$(since_mark | grep -c '^-> BDAT ')
((n_chunks <= 2)) || tfail "/send --bdat went on for $n_chunks chunks after Ctrl-C"
! since_mark | grep -q 'LAST' || tfail "/send --bdat sent the LAST chunk after Ctrl-C"
type_line 'RSET'
wait_screen '^-> RSET$' 3
wait_prompt '^127\.0\.0\.1 ready>$' 5

# ------------------------------------------------------------------ /dns, /check
mark
type_line '/dns A example.test'
sleep 0.5
ctrl_c
back_within '^127\.0\.0\.1 ready>$' "/dns"
since_mark | grep -q 'interrupted' || tfail "/dns: no word of the interruption"
mark
type_line '/check example.test'
sleep 0.5
ctrl_c
back_within '^127\.0\.0\.1 ready>$' "/check"
since_mark | grep -Eq '^(\^C)?!! check example\.test: stopped after [0-9]+ ms, no verdict$' ||
	tfail "/check: no 'stopped' line"
! since_mark | grep -Eq '^(\^C)?(ok|warn|fail) ' || tfail "/check gave verdicts from queries it cut short"
type_line 'QUIT'
wait_prompt '^smtpsh>$' 5

# ------------------------------------------------------------------ /send stuck in DATA
type_line "/connect $HOLD_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$' 5
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$' 5
envelope
mark
type_line "/send $BIG"
wait_screen '^<- 354 go ahead$' 5
sleep 1
! prompt_line | grep -Eq '^127\.0\.0\.1 [a-z]+>' || tfail "/send did not block on a server that stopped reading"
ctrl_c
back_within '^smtpsh>$' "/send in DATA"
since_mark | grep -q 'interrupted in the middle of the message: closing the connection' ||
	tfail "/send in DATA: no word of closing the connection"
grep -q '^CLOSED' "$HOLD_LOG" 2>/dev/null || sleep 1

# ------------------------------------------------------------------ a stalled TLS handshake
type_line "/connect $TLS_TARGET"
wait_prompt '^127\.0\.0\.1 connected>$' 5
type_line 'EHLO x'
wait_prompt '^127\.0\.0\.1 ready>$' 5
mark
type_line 'STARTTLS'
wait_screen '^<- 220 2\.0\.0 go ahead$' 5
sleep 0.5
ctrl_c
back_within '^smtpsh>$' "TLS handshake"
since_mark | grep -Eq '^(\^C)?!! TLS handshake failed: interrupted$' || tfail "no 'TLS handshake failed: interrupted'"

# ------------------------------------------------------------------ and the shell is still there
type_line '/echo still here'
wait_screen '^still here$' 3
wait_prompt '^smtpsh>$' 3
# the Ctrl-C that stopped the handshake is spent: it does not wipe the next line typed
n=$(screen | sed -e 's/[[:space:]]*$//' | grep -cx 'smtpsh>')
((n == 1)) || tfail "$n empty prompts: a spent Ctrl-C was taken again"
key C-d
rc=$(wait_dead 10) || tfail "smtpsh did not exit after Ctrl-D"
[[ $rc == 0 ]] || tfail "exit status $rc after Ctrl-D"
pass

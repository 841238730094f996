#!/bin/bash
# Batch output is buffered, but whatever smtpsh has shown is out before it waits: on a
# reply (read through a pipe while the server holds the reply back, and still there when
# smtpsh is killed in that wait), during a /sleep, and for the next line of a batch read
# from a pipe. A /pipeline of tens of thousands of lines is queued in linear time.
source "$(dirname "$0")/lib.sh"

# Background smtpsh runs still alive when a check fails are stopped with the servers.
_BG=()
_bg_cleanup() {
	local rc=$? p
	set +e
	for p in "${_BG[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	(exit "$rc")
	_cleanup
}
trap _bg_cleanup EXIT

wrap=()
[[ -z ${SMTPSH_WRAPPER:-} ]] || read -r -a wrap <<<"$SMTPSH_WRAPPER"

# smtpsh_piped OUTFILE ARGS...: start smtpsh in the background, stdin /dev/null, its
# stdout a pipe copied by cat to OUTFILE (stderr to $ERRF); sets SPID (smtpsh) and CPID
# (cat)
smtpsh_piped() {
	local out=$1 fifo=$SCRATCH/stdout.fifo
	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	cat "$fifo" >"$out" &
	CPID=$!
	HOME=$SCRATCH/home XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/state \
		"${wrap[@]}" "$SMTPSH" "$@" </dev/null >"$fifo" 2>"$ERRF" &
	SPID=$!
	_BG+=("$SPID" "$CPID")
	LAST_CMD="smtpsh$(printf ' %q' "$@") | cat (in the background)"
}

# wait_line FILE REGEX: wait up to 10 s for a line of FILE matching REGEX (grep -E)
wait_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# kill_smtpsh: SIGKILL the background smtpsh, let cat copy the rest; RC its status
kill_smtpsh() {
	RC=0
	{
		kill -KILL "$SPID"
		wait "$SPID" || RC=$?
	} 2>/dev/null
	wait "$CPID" 2>/dev/null || true
	((RC == 137)) || fail "smtpsh was not killed by SIGKILL (status $RC)"
}

mkdir -p "$SCRATCH/home" "$SCRATCH/config" "$SCRATCH/state"

# ---------------------------------------------------------------- waiting for a reply

# The VRFY reply never comes: everything up to "-> VRFY" must reach the pipe while
# smtpsh waits for it, and nothing is lost when smtpsh is killed there.
start_fake output-hold.scn
piped=$SCRATCH/hold.out
smtpsh_piped "$piped" --timeout 30 -c 'EHLO client.example' -c NOOP -c 'VRFY postmaster' \
	-c QUIT "$FAKE_TARGET"
wait_line "$piped" '^-> VRFY postmaster$' ||
	fail "\"-> VRFY postmaster\" did not reach the pipe while smtpsh waited: $(cat -A "$piped")"
kill -0 "$SPID" 2>/dev/null || fail "smtpsh did not wait for the VRFY reply"
assert_log_contains 'VRFY postmaster'
kill_smtpsh
cp "$piped" "$OUT"
cp "$ERRF" "$SCRATCH/hold.err"
assert_out_sequence '^\*\* connected to ' '^<- 220 fake\.example\.test ESMTP$' \
	'^-> EHLO client\.example$' '^<- 250 PIPELINING$' '^-> NOOP$' '^<- 250 2\.0\.0 first noop$' \
	'^-> VRFY postmaster$'
tail -n 1 "$OUT" | grep -qx -e '-> VRFY postmaster' ||
	fail "the output does not end with the command waited on: $(tail -n 3 "$OUT" | cat -A)"
[[ $(tail -c 1 "$OUT" | od -An -c | tr -d ' ') == '\n' ]] || fail "the output ends mid-line"
[[ ! -s $ERRF ]] || fail "stderr is not empty: $(cat "$ERRF")"

# ---------------------------------------------------------------- /sleep

start_fake simple.scn
piped=$SCRATCH/sleep.out
smtpsh_piped "$piped" -c 'EHLO client.example' -c NOOP -c '/sleep 30' -c QUIT "$FAKE_TARGET"
wait_line "$piped" '^<- 250 ok$' || fail "the NOOP reply did not reach the pipe during /sleep: $(cat -A "$piped")"
kill -0 "$SPID" 2>/dev/null || fail "smtpsh did not sleep"
kill_smtpsh
cp "$piped" "$OUT"
assert_out_sequence '^-> NOOP$' '^<- 250 ok$'
assert_out_not_contains '-> QUIT'

# ---------------------------------------------------------------- batch lines from a pipe

# The next line is not there yet: the reply to the last one is shown before smtpsh waits
# for it.
start_fake simple.scn
piped=$SCRATCH/stdin.out
infifo=$SCRATCH/stdin.fifo
mkfifo "$infifo"
exec 7<>"$infifo"   # read-write: opening does not wait for the other end
HOME=$SCRATCH/home XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/state \
	"${wrap[@]}" "$SMTPSH" "$FAKE_TARGET" <"$infifo" >"$piped" 2>"$ERRF" 7>&- &
SPID=$!
_BG+=("$SPID")
LAST_CMD="smtpsh $FAKE_TARGET < FIFO (in the background)"
printf 'EHLO client.example\nNOOP\n' >&7
wait_line "$piped" '^<- 250 ok$' ||
	fail "the NOOP reply was not shown while smtpsh waited for its next input line: $(cat -A "$piped")"
kill -0 "$SPID" 2>/dev/null || fail "smtpsh did not wait for more input"
printf 'QUIT\n' >&7
exec 7>&-
RC=0
wait "$SPID" || RC=$?
cp "$piped" "$OUT"
assert_rc 0
assert_out_sequence '^-> EHLO client\.example$' '^-> NOOP$' '^<- 250 ok$' '^-> QUIT$' '^<- 221 '

# ---------------------------------------------------------------- message text in the queue

# After a queued DATA, comments, blank lines and /lines are message text up to the "."; after
# it, and in a queue started again after /pipeline cancel dropped one that ended inside
# message text, they are not.
start_fake simple.scn
run_smtpsh -c 'EHLO client.example' -c '/pipeline' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c DATA -c '# text 1' -c '' -c '/text 2' -c '//text 3' -c . \
	-c '# comment 1' -c '//NOOP slash' -c '/pipeline end' -c '/expect 250' \
	-c '/pipeline' -c 'MAIL FROM:<c@example.test>' -c DATA -c 'dropped text' -c '/pipeline cancel' \
	-c '/pipeline' -c '# comment 2' -c '//NOOP again' -c '/pipeline end' -c '/expect 250' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '** dropped 3 queued lines'
wait_fake
expected='EHLO client.example
MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
DATA
# text 1

/text 2
//text 3
.
/NOOP slash
/NOOP again
QUIT
CLOSED'
[[ $(<"$FAKE_LOG") == "$expected" ]] || fail "the fake server's log differs; expected:
$expected"

# ---------------------------------------------------------------- a long /pipeline

# 3000 messages of 21 lines in one queue (63,000 lines), then dropped: queueing is
# linear. Quadratic, it took seconds for a few thousand messages; linear, it is a matter
# of milliseconds, so the bound is loose.
start_fake simple.scn
{
	printf 'EHLO client.example\n/pipeline\n'
	for ((i = 0; i < 3000; i++)); do
		printf 'MAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\nDATA\nSubject: %d\n\n' "$i"
		printf 'line %d\n' {1..15}
		printf '.\n'
	done
	printf '/pipeline cancel\nQUIT\n'
} >"$SCRATCH/long.smtpsh"
run_smtpsh -f "$SCRATCH/long.smtpsh" "$FAKE_TARGET"
assert_rc 0
assert_out_contains '** dropped 63000 queued lines'
assert_out_sequence '^\*\* dropped 63000 queued lines$' '^-> QUIT$' '^<- 221 '
assert_elapsed_lt 3

pass

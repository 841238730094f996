#!/bin/bash
# /auth in a real terminal (tmux) against Postfix + Dovecot: the password is asked without
# echo and never shows on the screen; Ctrl-C at that prompt cancels without sending AUTH; a
# raw AUTH LOGIN answered by hand is redacted on screen. Afterwards the history file holds
# the commands typed (/auth PLAIN USER included: it holds no secret) but no AUTH line, no
# answer to a 334, no password and no base64 of it.
source "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || _die "tmux is needed"

unset SMTPSH_SECRET
AUTH_USER=alice@example.test
AUTH_PASS=Hist-pw.$RANDOM$RANDOM
start_postfix --auth
PASS_B64=$(printf '%s' "$AUTH_PASS" | base64 -w0)
PLAIN_B64=$(printf '\0%s\0%s' "$AUTH_USER" "$AUTH_PASS" | base64 -w0)
USER_B64=$(printf '%s' "$AUTH_USER" | base64 -w0)

# A private tmux server: its own socket directory and name, no user configuration.
export TMUX_TMPDIR=$SCRATCH
unset TMUX
TSOCK=smtpsh-e2e-$$
TCONF=$SCRATCH/tmux.conf
cat >"$TCONF" <<'CONF'
set -g remain-on-exit on
set -g default-terminal screen
set -g history-limit 2000
set -g status off
CONF
tmx() { tmux -L "$TSOCK" -f "$TCONF" "$@"; }
# shellcheck disable=SC2317  # run by the EXIT trap
_tmux_exit() {
	local rc=$?
	set +e
	tmux -L "$TSOCK" kill-server >/dev/null 2>&1
	(exit "$rc") # _cleanup exits with the status it finds in $?
	_cleanup
}
trap _tmux_exit EXIT

STATE=$SCRATCH/tstate
SESSION=
STATUS_FILE=
N_SESS=0

# start_tty ARGS...: smtpsh ARGS in a new 120x40 tmux session, as a child of bash that
# records its exit status (see interactive.sh); no $SMTPSH_SECRET in its environment.
start_tty() {
	local launch wrap=()
	N_SESS=$((N_SESS + 1))
	SESSION=s$N_SESS
	launch=$SCRATCH/launch$N_SESS.sh
	STATUS_FILE=$SCRATCH/status$N_SESS
	if [[ -n ${SMTPSH_WRAPPER:-} ]]; then
		read -r -a wrap <<<"$SMTPSH_WRAPPER"
	fi
	{
		echo '#!/bin/bash'
		printf 'env -u NO_COLOR -u SMTPSH_SECRET HOME=%q XDG_STATE_HOME=%q XDG_CONFIG_HOME=%q INPUTRC=/dev/null' \
			"$SCRATCH/home" "$STATE" "$SCRATCH/config"
		printf ' %q' "${wrap[@]}" "$SMTPSH" "$@"
		echo
		printf 'echo $? >%q.tmp && mv %q.tmp %q\n' "$STATUS_FILE" "$STATUS_FILE" "$STATUS_FILE"
	} >"$launch"
	mkdir -p "$SCRATCH/home" "$SCRATCH/config"
	tmx new-session -d -s "$SESSION" -x 120 -y 40 "bash $(printf %q "$launch")" ||
		_die "tmux new-session failed"
}

screen() { tmx capture-pane -p -J -S - -t "$SESSION"; }
prompt_line() { screen | sed -e 's/[[:space:]]*$//' -e '/^$/d' | tail -n 1; }

tfail() {
	{
		echo "FAIL: $TEST_NAME: $*"
		echo "--- screen of tmux session $SESSION:"
		screen 2>&1 | sed -e '/^[[:space:]]*$/d' | cat -v | sed 's/^/    /'
		echo "--- postfix maillog:"
		_show_file "$PF_LOG"
		echo "--- dovecot log:"
		_show_file "$DC_LOG"
	} >&2
	exit 1
}

wait_screen() {
	local re=$1 secs=${2:-5} deadline
	deadline=$((${EPOCHREALTIME/[.,]/} + secs * 1000000))
	while ((${EPOCHREALTIME/[.,]/} < deadline)); do
		screen | LC_ALL=C grep -qE -e "$re" && return 0
		sleep 0.05
	done
	tfail "nothing on the screen matches /$re/ after ${secs}s"
}

wait_prompt() {
	local re=$1 secs=${2:-5} deadline
	deadline=$((${EPOCHREALTIME/[.,]/} + secs * 1000000))
	while ((${EPOCHREALTIME/[.,]/} < deadline)); do
		prompt_line | LC_ALL=C grep -qE -e "$re" && return 0
		sleep 0.05
	done
	tfail "the prompt line does not match /$re/ after ${secs}s"
}

wait_dead() {
	local secs=${1:-5} deadline
	deadline=$((${EPOCHREALTIME/[.,]/} + secs * 1000000))
	while ((${EPOCHREALTIME/[.,]/} < deadline)); do
		if [[ -s $STATUS_FILE ]]; then
			cat "$STATUS_FILE"
			return 0
		fi
		sleep 0.05
	done
	tfail "smtpsh still running after ${secs}s"
}

type_text() { tmx send-keys -t "$SESSION" -l -- "$1"; }
type_line() {
	type_text "$1"
	tmx send-keys -t "$SESSION" Enter
}
key() { tmx send-keys -t "$SESSION" "$@"; }
count_screen() { screen | LC_ALL=C grep -cx -e "$1" || true; }

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
[[ $(count_screen '-> AUTH CRAM-MD5') == 0 ]] || tfail "AUTH was sent after Ctrl-C at the password prompt"

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
[[ $(count_screen '-> AUTH LOGIN') == 1 ]] || tfail "the AUTH LOGIN line is not shown as typed"
[[ $(count_screen '-> \[redacted\]') == 2 ]] || tfail "the answers to the 334s are not shown as -> [redacted]"
[[ $(count_screen "-> $PASS_B64") == 0 ]] || tfail "the password's base64 is shown as sent"
[[ $(count_screen "-> $USER_B64") == 0 ]] || tfail "an answer to a 334 is shown as sent"
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

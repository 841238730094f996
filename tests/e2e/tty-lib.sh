# shellcheck shell=bash
# tty-lib.sh: sourced (after lib.sh) by the end-to-end tests that drive smtpsh in a real
# terminal: a private tmux server (its own socket directory and name, no user
# configuration), sessions of 120x40, screen polling with deadlines.
#
#   source "$(dirname "$0")/lib.sh"
#   source "$(dirname "$0")/tty-lib.sh"
#   start_tty "$FAKE_TARGET"
#   wait_prompt '^127\.0\.0\.1 connected>$'
#   type_line 'EHLO x'
#
# Functions:
#   start_tty ARGS...        run smtpsh ARGS in a new tmux session (sets SESSION, STATUS_FILE);
#                            TTY_CWD: its working directory (default $SCRATCH); TTY_ENV: more
#                            NAME=VALUE words for its environment
#   screen                   the pane, its history included, wrapped lines joined
#   screen_visible           only what the pane shows now, row by row (wrapped lines not joined)
#   screen_esc               the pane with its colour escapes
#   prompt_line              the last non-blank line: the prompt and what is being typed
#   wait_screen REGEX [S]    until a line of the screen matches REGEX (grep -E), S seconds
#   wait_prompt REGEX [S]    until the prompt line matches REGEX
#   wait_dead [S]            until smtpsh has exited; prints its exit status
#   type_text TEXT, type_line TEXT, key KEY...
#   count_screen REGEX       how many lines of the screen match REGEX (grep -E, whole line)
#   count_screen_fixed TEXT  how many lines of the screen are exactly TEXT
#   mark                     remember how many lines the screen has (for since_mark)
#   since_mark               the lines that came after the mark, the prompt line left out
#   tfail MESSAGE            print MESSAGE and the screen, exit 1
#
# smtpsh is not the pane's process itself but a child of bash, which records its exit
# status: tmux built with utempter may miss the SIGCHLD of a pane's process (tmux issue
# #311) and then never marks the pane dead.  bash waits for a child that handles SIGINT.

command -v tmux >/dev/null || _die "tmux is needed"
# the panes may start in another directory (TTY_CWD)
if [[ -n $SMTPSH && $SMTPSH != /* && $SMTPSH == */* ]]; then
	SMTPSH=$PWD/$SMTPSH
fi

export TMUX_TMPDIR=$SCRATCH
unset TMUX
TSOCK=smtpsh-e2e-$$
TCONF=$SCRATCH/tmux.conf
cat >"$TCONF" <<'CONF'
set -g remain-on-exit on
set -g default-terminal screen
set -g history-limit 5000
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
TTY_CWD=
TTY_ENV=()
_MARK=0

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
		printf ' %q' "${TTY_ENV[@]}" "${wrap[@]}" "$SMTPSH" "$@"
		echo
		printf 'echo $? >%q.tmp && mv %q.tmp %q\n' "$STATUS_FILE" "$STATUS_FILE" "$STATUS_FILE"
	} >"$launch"
	mkdir -p "$SCRATCH/home" "$SCRATCH/config"
	tmx new-session -d -s "$SESSION" -x 120 -y 40 -c "${TTY_CWD:-$SCRATCH}" \
		"bash $(printf %q "$launch")" || _die "tmux new-session failed"
	_MARK=0
}

screen() { tmx capture-pane -p -J -S - -t "$SESSION"; }
screen_visible() { tmx capture-pane -p -t "$SESSION"; }
screen_esc() { tmx capture-pane -p -e -J -S - -t "$SESSION"; }
# without the blanks a redisplay may leave at the end of a line, nor the blank lines under
# the prompt
_screen_trimmed() { screen | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
prompt_line() { _screen_trimmed | tail -n 1; }

tfail() {
	{
		echo "FAIL: $TEST_NAME: $*"
		echo "--- screen of tmux session $SESSION:"
		screen 2>&1 | sed -e '/^[[:space:]]*$/d' | cat -v | sed 's/^/    /'
		if [[ -n $FAKE_LOG && -e $FAKE_LOG ]]; then
			echo "--- fake server log ($FAKE_LOG):"
			sed 's/^/    /' "$FAKE_LOG"
		fi
		if [[ -n $PF_LOG && -e $PF_LOG ]]; then
			echo "--- postfix maillog:"
			_show_file "$PF_LOG"
		fi
		if [[ -n $DC_LOG && -e $DC_LOG ]]; then
			echo "--- dovecot log:"
			_show_file "$DC_LOG"
		fi
	} >&2
	exit 1
}

_now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

wait_screen() {
	local re=$1 secs=${2:-5} deadline
	deadline=$(($(_now_us) + secs * 1000000))
	while (($(_now_us) < deadline)); do
		screen | LC_ALL=C grep -qE -e "$re" && return 0
		sleep 0.05
	done
	tfail "nothing on the screen matches /$re/ after ${secs}s"
}

wait_prompt() {
	local re=$1 secs=${2:-5} deadline
	deadline=$(($(_now_us) + secs * 1000000))
	while (($(_now_us) < deadline)); do
		prompt_line | LC_ALL=C grep -qE -e "$re" && return 0
		sleep 0.05
	done
	tfail "the prompt line does not match /$re/ after ${secs}s"
}

wait_dead() {
	local secs=${1:-5} deadline
	deadline=$(($(_now_us) + secs * 1000000))
	while (($(_now_us) < deadline)); do
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
count_screen() { screen | LC_ALL=C grep -cxE -e "$1" || true; }
count_screen_fixed() { screen | LC_ALL=C grep -cxF -e "$1" || true; }

mark() { _MARK=$(_screen_trimmed | wc -l); }
since_mark() { _screen_trimmed | sed -n "$((_MARK + 1)),\$p" | sed '$d'; }

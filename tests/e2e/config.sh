#!/bin/bash
# The configuration file ($XDG_CONFIG_HOME/smtpsh/config, else ~/.config/smtpsh/config) in
# batch mode: timeout, explain, color, tls-verify + ca-file, from/to of the quick test
# message act as their options do; a command-line option wins over the file; every bad
# line is reported on stderr as "smtpsh: warning: FILE:LINE: ..." and the good lines still
# apply; --no-config ignores the file; a missing file is silent.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

CONF_DIR=$SCRATCH/config/smtpsh # run_smtpsh sets XDG_CONFIG_HOME=$SCRATCH/config
CONF=$CONF_DIR/config
mkdir -p "$CONF_DIR" "$SCRATCH/home"

# write_config LINE...: the configuration file, one argument a line
write_config() {
	printf '%s\n' "$@" >"$CONF"
}

# the warnings in stderr, one a line, without the "smtpsh: warning: " prefix
warnings() {
	LC_ALL=C sed -n 's/^smtpsh: warning: //p' "$ERRF"
}

assert_no_warning() {
	_need_run
	! LC_ALL=C grep -aq 'warning' "$ERRF" || fail "a warning on stderr"
}

# ------------------------------------------------------------------ timeout = 1
write_config '# a server that never answers gives up after 1 s' 'timeout = 1'
start_fake silent.scn
run_smtpsh -c NOOP "$FAKE_TARGET"
assert_rc 3
assert_out_contains '-> NOOP'
assert_out_matches '^!! no reply within 1\.0 s'
assert_elapsed_ge 0.9
assert_elapsed_lt 4
assert_no_warning
# the option still wins: 2 s
start_fake silent.scn
run_smtpsh --timeout 2 -c NOOP "$FAKE_TARGET"
assert_rc 3
assert_out_matches '^!! no reply within 2\.0 s'
assert_elapsed_ge 1.9

# ------------------------------------------------------------------ explain = all
write_config 'explain = all'
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_no_warning
# the meaning right under the 250, as --explain all puts it
n=$(out_line_exact '<- 250 ok')
((n > 0)) || fail "no 250 reply"
sed -n "$((n + 1))p" "$OUT" | grep -qE '^   250 Requested mail action okay' ||
	fail "no explanation under the 250 (line $((n + 1)))"
assert_out_matches '^   221 '
# ... and --explain off on the command line overrides it
start_fake simple.scn
run_smtpsh --explain off -c 'EHLO x' -c 'RCPT TO:<x@example.test>' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 250 ok'
assert_out_not_matches '^   [0-9]{3} '
assert_out_not_contains 'Requested mail action'

# ------------------------------------------------------------------ color = always
write_config 'color = always'
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
# stdout is a file here, yet the 250 is green
LC_ALL=C grep -aqE $'^\e\\[[0-9;]*32m<- 250 ok' "$OUT" || fail "no green 250 line in piped output with color = always"
# --color never wins over it
start_fake simple.scn
run_smtpsh --color never -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 250 ok'
assert_no_esc
# NO_COLOR disables only the automatic choice, not the one the file asks for
start_fake simple.scn
NO_COLOR=1 run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
LC_ALL=C grep -aq $'\e\\[' "$OUT" || fail "color = always did not colour with NO_COLOR set"

# ------------------------------------------------------------------ from and to of /send
# Nothing typed for the envelope: the quick test message takes its From: and To: from the file.
write_config 'from = alice@example.test' 'to = <bob@example.test>'
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c /send -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '** sent the test message'
assert_log_line 'From: <alice@example.test>'
assert_log_line 'To: <bob@example.test>'
# What the session typed wins over the file (the envelope of this very transaction).
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<carol@example.test>' -c 'RCPT TO:<dave@example.test>' \
	-c /send -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_log_line 'From: <carol@example.test>'
assert_log_line 'To: <dave@example.test>'
assert_log_not_contains 'alice@example.test'
assert_log_not_contains 'bob@example.test'

# ------------------------------------------------------------------ bad lines
# Each bad line is reported with its own number; the good lines around them still apply.
write_config \
	'# smtpsh configuration with mistakes' \
	'explain = all' \
	'colour-scheme = dark' \
	'timeout 5' \
	'' \
	'timeout = soon' \
	'color = purple' \
	'  # an indented comment' \
	'timeout = 1 # one second'
start_fake silent.scn
run_smtpsh -c NOOP "$FAKE_TARGET"
assert_rc 3
warnings >"$SCRATCH/warnings"
[[ $(wc -l <"$SCRATCH/warnings") == 4 ]] ||
	fail "expected 4 warnings, got: $(cat "$SCRATCH/warnings")"
assert_err_contains "smtpsh: warning: $CONF:3: unknown setting 'colour-scheme'"
assert_err_contains "smtpsh: warning: $CONF:4: missing '='"
assert_err_contains "smtpsh: warning: $CONF:6: timeout: 'soon' is not a number of seconds"
assert_err_contains "smtpsh: warning: $CONF:7: color: 'purple' is not auto, always or never"
# nothing of that in stdout, where the session goes
assert_out_not_contains 'warning: '
# the good lines: explain = all (line 2) and timeout = 1 (line 9, with its comment)
assert_out_matches '^   220 '
assert_out_matches '^!! no reply within 1\.0 s'
assert_elapsed_lt 4
# color = purple was dropped: the default (auto) does not colour a file
assert_no_esc

# ------------------------------------------------------------------ --no-config
write_config 'color = always' 'explain = all' 'timeout = 1' 'nonsense here'
start_fake simple.scn
run_smtpsh --no-config -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 250 ok'
assert_no_esc
assert_out_not_matches '^   [0-9]{3} '
[[ ! -s $ERRF ]] || fail "stderr is not empty with --no-config"
# the same file read without it: warned about, and applied
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_err_contains "smtpsh: warning: $CONF:4: missing '='"
LC_ALL=C grep -aq $'\e\\[' "$OUT" || fail "color = always not applied"

# ------------------------------------------------------------------ a missing file is silent
rm -f "$CONF"
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 221 2.0.0 bye'
[[ ! -s $ERRF ]] || fail "stderr is not empty without a configuration file"
# ... and so is a missing directory
rmdir "$CONF_DIR"
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
[[ ! -s $ERRF ]] || fail "stderr is not empty without a configuration directory"
mkdir -p "$CONF_DIR"

# ------------------------------------------------------------------ ~/.config without XDG_CONFIG_HOME
mkdir -p "$SCRATCH/home/.config/smtpsh"
printf '%s\n' 'explain = all' 'bogus = 1' >"$SCRATCH/home/.config/smtpsh/config"
saved_wrapper=${SMTPSH_WRAPPER:-}
SMTPSH_WRAPPER="env -u XDG_CONFIG_HOME${saved_wrapper:+ $saved_wrapper}"
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
SMTPSH_WRAPPER=$saved_wrapper
assert_rc 0
assert_out_matches '^   250 Requested mail action okay'
assert_err_contains "smtpsh: warning: $SCRATCH/home/.config/smtpsh/config:2: unknown setting 'bogus'"

# ------------------------------------------------------------------ tls-verify and ca-file
make_certs
start_postfix --cert "$CERTS/valid.pem" --key "$CERTS/valid.key" \
	--listener expired "$CERTS/expired.pem" "$CERTS/expired.key"
EXPIRED=${PF_LISTENER_PORT[expired]}
# ca-file may start with ~/ (from HOME)
cp "$CERTS/root.pem" "$SCRATCH/home/test-root.pem"
write_config 'tls-verify = yes' 'ca-file = ~/test-root.pem'
# a certificate from that CA passes verification ...
run_smtpsh -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_no_warning
assert_out_matches '^\*\* TLS TLSv1\.[23] .* verified, name 127\.0\.0\.1 ok, '
assert_out_matches '^<~ 221 '
# ... an expired one ends the session, as --tls-verify --ca-file do
run_smtpsh -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$EXPIRED"
assert_rc 4
assert_out_matches '^!! TLS handshake failed: certificate verification failed: certificate has expired'
assert_out_not_matches '^(->|~>) EHLO y'
# without the file: reported, not refused, and the system's trust store does not know the CA
run_smtpsh --no-config -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$EXPIRED"
assert_rc 0
assert_out_matches '^!! TLS TLSv1\.[23] .*NOT verified: '
assert_out_contains '~> EHLO y'
# tls-verify = no in the file, --tls-verify on the command line: the option wins
write_config 'tls-verify = no' "ca-file = $CERTS/root.pem"
run_smtpsh --tls-verify -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$EXPIRED"
assert_rc 4
assert_out_matches 'certificate verification failed: certificate has expired'
# and with the file alone the expired certificate is only reported
run_smtpsh -c 'EHLO x' -c STARTTLS -c 'EHLO y' -c QUIT "127.0.0.1:$EXPIRED"
assert_rc 0
assert_out_matches '^!! TLS TLSv1\.[23] .*NOT verified: certificate has expired'

pass

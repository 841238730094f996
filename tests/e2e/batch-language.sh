#!/bin/bash
# The batch language: ${NAME} from -D and the environment (-D wins), an undefined variable,
# $${ for a literal ${, /source (nested, paths relative to the current directory, failures
# reported as FILE:LINE and stopping the run, the nesting limit), /set on-error continue
# (the exit code is the first failure's), /echo and /sleep, comments and blank lines skipped
# outside DATA but sent inside it.
# shellcheck disable=SC2016  # ${NAME} in single quotes is for smtpsh to expand
source "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- variables

# -D NAME=VALUE
start_fake simple.scn
run_smtpsh -D HOST_NAME=x -c 'EHLO ${HOST_NAME}' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> EHLO x'
wait_fake
assert_log_line 'EHLO x'

# from the environment; -D wins over it; several in one line, next to other text
start_fake simple.scn
SMTPSH_E2E_NAME=from-env SMTPSH_E2E_DOMAIN=example.test run_smtpsh -D SMTPSH_E2E_DOMAIN=example.org \
	-c 'EHLO ${SMTPSH_E2E_NAME}' -c 'MAIL FROM:<${SMTPSH_E2E_NAME}@${SMTPSH_E2E_DOMAIN}>' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> EHLO from-env'
assert_out_contains '-> MAIL FROM:<from-env@example.org>'
wait_fake
assert_log_line 'EHLO from-env'
assert_log_line 'MAIL FROM:<from-env@example.org>'

# a value is inserted as it is, not expanded again
run_smtpsh -D 'A=${B} and $${C}' -D B=no -c '/echo ${A}'
assert_rc 0
[[ $(<"$OUT") == '${B} and $${C}' ]] || fail "a variable's value was expanded again"

# $${X} is the literal text ${X}; a lone $ is itself
start_fake simple.scn
run_smtpsh -c 'EHLO $${X}' -c 'NOOP $$ and $HOME' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> EHLO ${X}'
wait_fake
assert_log_line 'EHLO ${X}'
assert_log_line 'NOOP $$ and $HOME'

# an undefined variable: exit 2 naming it, the line not sent, the run stopped
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<${NOPE}@example.test>' -c '/echo not reached' "$FAKE_TARGET"
assert_rc 2
assert_out_matches '^!! undefined variable \$\{NOPE\}'
assert_out_contains '-D NOPE=VALUE'
assert_out_contains '-c line 2: stopped here (exit code 2)'
assert_out_not_contains '-> MAIL'
assert_out_not_contains 'not reached'
wait_fake
assert_log_not_contains 'MAIL'

# a malformed reference: exit 2
run_smtpsh -c '/echo ${not closed'
assert_rc 2
assert_out_contains 'bad variable reference'
# -D must be NAME=VALUE
run_smtpsh -D 1X=y -c '/echo'
assert_rc 2
assert_err_contains '-D: "1X=y" is not NAME=VALUE'

# ---------------------------------------------------------------- /source

mkdir -p "$SCRATCH/work/checks"
cd "$SCRATCH/work"
cat >checks/outer.smtpsh <<'EOF'
# sources another file; paths are relative to the current directory
/echo outer begins
/source checks/inner.smtpsh
/echo outer ends
EOF
cat >checks/inner.smtpsh <<'EOF'
/echo inner runs with ${WHO}
EHLO ${WHO}
/expect 250
EOF
cat >checks/failing.smtpsh <<'EOF'
/echo failing begins

# the third line above is blank, this is a comment: line 4 fails
/expect 550
/echo not reached
EOF
cat >checks/relative.smtpsh <<'EOF'
/source inner.smtpsh
EOF
cat >checks/self.smtpsh <<'EOF'
/echo again
/source checks/self.smtpsh
EOF

# nested: both files run, in order
start_fake simple.scn
run_smtpsh -D WHO=nested -c '/source checks/outer.smtpsh' -c '/echo top ends' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^outer begins$' '^inner runs with nested$' '^-> EHLO nested$' '^<- 250 ' \
	'^outer ends$' '^top ends$' '^-> QUIT$'
wait_fake
assert_log_line 'EHLO nested'

# a relative path inside a sourced file is taken from the current directory, not from the
# directory of the file: "inner.smtpsh" is not found from checks/relative.smtpsh ...
run_smtpsh -c '/source checks/relative.smtpsh' -c '/echo not reached'
assert_rc 2
assert_out_contains '!! cannot open inner.smtpsh: No such file or directory'
assert_out_contains '!! checks/relative.smtpsh:1: stopped here (exit code 2)'
assert_out_not_contains 'not reached'
# ... but it is from checks/ as the current directory
start_fake simple.scn
cd checks
run_smtpsh -D WHO=cwd -c '/source relative.smtpsh' -c QUIT "$FAKE_TARGET"
cd ..
assert_rc 0
assert_out_sequence '^inner runs with cwd$' '^-> EHLO cwd$' '^<- 250 ' '^-> QUIT$'
wait_fake

# a failure inside a sourced file: reported as FILE:LINE, and the whole run stops there
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c '/source checks/failing.smtpsh' -c '/echo top not reached' -c NOOP \
	"$FAKE_TARGET"
# (the failed /expect is on the EHLO reply: exit code 6)
assert_rc 6
assert_out_sequence '^failing begins$' '^!! expectation failed: wanted 550, got 250' \
	'^!! checks/failing\.smtpsh:4: stopped here \(exit code 6\)$'
assert_out_not_contains 'not reached'
assert_out_not_contains '-> NOOP'
assert_out_not_contains '-c line 2'
wait_fake
assert_log_not_contains 'NOOP'

# the same from a file given with -f
printf '/echo top file\n/source checks/failing.smtpsh\n/echo top not reached\n' >top.smtpsh
run_smtpsh -f top.smtpsh
assert_rc 1
assert_out_contains '!! checks/failing.smtpsh:4: stopped here (exit code 1)'
assert_out_not_contains 'not reached'

# a file sourcing itself stops at the nesting limit with a clear message
run_smtpsh -c '/source checks/self.smtpsh' -c '/echo not reached'
assert_rc 2
assert_out_matches '^!! /source: nested more than [0-9]+ deep \(a file sourcing itself\?\)$'
assert_out_contains '!! checks/self.smtpsh:2: stopped here (exit code 2)'
assert_out_not_contains 'not reached'
nagain=$(grep -cx 'again' "$OUT")
((nagain >= 2 && nagain <= 64)) || fail "the self-sourcing file ran $nagain times"

# a missing file: exit 2
run_smtpsh -c '/source checks/none.smtpsh'
assert_rc 2
assert_out_contains '!! cannot open checks/none.smtpsh: No such file or directory'
cd "$OLDPWD"

# ---------------------------------------------------------------- on-error

# stop (the default): the first failed /expect ends the run with its phase's code
start_fake simple.scn
run_smtpsh -c 'EHLO x' -c '/expect 550' -c 'MAIL FROM:<a@example.test>' "$FAKE_TARGET"
assert_rc 6
assert_out_contains '!! -c line 2: stopped here (exit code 6)'
assert_out_not_contains '-> MAIL'
wait_fake

# continue: every line runs; the exit code is the first failure's (EHLO: 6, not MAIL: 8)
start_fake simple.scn
run_smtpsh -c '/set on-error continue' -c 'EHLO x' -c '/expect 550' \
	-c 'MAIL FROM:<a@example.test>' -c '/expect 5xx' -c '/echo still going' -c '/set on-error' \
	-c QUIT "$FAKE_TARGET"
assert_rc 6
assert_out_sequence '^!! expectation failed: wanted 550, got 250' \
	'^!! -c line 3: failed, going on \(exit code 6\)$' '^-> MAIL FROM:<a@example.test>$' \
	'^!! expectation failed: wanted 5xx, got 250' '^!! -c line 5: failed, going on \(exit code 8\)$' \
	'^still going$' '^on-error continue$' '^-> QUIT$' '^<- 221 '
wait_fake
assert_log_line 'QUIT'

# back to stop in the middle of a run
run_smtpsh -c '/set on-error continue' -c '/expect 250' -c '/set on-error stop' -c '/expect 250' \
	-c '/echo not reached'
assert_rc 1
assert_out_contains '-c line 2: failed, going on (exit code 1)'
assert_out_contains '-c line 4: stopped here (exit code 1)'
assert_out_not_contains 'not reached'
run_smtpsh -c '/set on-error sometimes'
assert_rc 2
assert_out_contains '/set on-error: stop or continue'

# ---------------------------------------------------------------- /echo, /sleep

run_smtpsh -D WHAT=variables -c '/echo first' -c '/sleep 0.3' -c '/echo with ${WHAT}  and  spaces'
assert_rc 0
assert_elapsed_ge 0.3
assert_elapsed_lt 5
[[ $(<"$OUT") == 'first
with variables and spaces' ]] || fail "unexpected /echo output"
run_smtpsh -c '/sleep -1'
assert_rc 2

# ---------------------------------------------------------------- comments and blank lines

cat >"$SCRATCH/comments.smtpsh" <<'EOF'
# a comment line

   # an indented comment
EHLO client.example
	
MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
DATA
Subject: comments
# this is message text, not a comment

   # nor is this
.
# after the message: a comment again

QUIT
EOF
start_fake simple.scn
run_smtpsh -f "$SCRATCH/comments.smtpsh" "$FAKE_TARGET"
assert_rc 0
assert_out_not_contains 'a comment line'
assert_out_not_contains 'an indented comment'
assert_out_not_contains 'a comment again'
assert_out_contains '-> # this is message text, not a comment'
wait_fake
expected='EHLO client.example
MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
DATA
Subject: comments
# this is message text, not a comment

   # nor is this
.
QUIT
CLOSED'
[[ $(<"$FAKE_LOG") == "$expected" ]] || fail "the fake server's log differs; expected:
$expected"

pass

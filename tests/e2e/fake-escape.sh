#!/bin/bash
# Terminal escape sequences sent by the server (ESC[2J, OSC 52, C1 CSI, BEL) never reach
# the terminal raw: ESC is shown as the four characters \x1b, with or without colour.
source "$(dirname "$0")/lib.sh"

start_fake escape.scn --connections 2

run_smtpsh --color=never -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_no_esc
assert_no_ctrl
assert_out_contains '\x1b[2J screen cleared'
assert_out_contains '\x1b]52;c;aGFja2Vk'
assert_out_not_contains $'\xc2\x9b'
assert_out_contains '<- 250 BEL'
assert_out_contains '!! anomaly: control bytes'
assert_out_contains '<- 221'
assert_log_contains 'EHLO x'

# colour on: smtpsh's own escapes are allowed, the server's are not
run_smtpsh --color=always -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '\x1b[2J screen cleared'
assert_out_not_contains $'\x1b[2J'
assert_out_not_contains $'\x1b]52'
assert_out_not_contains $'\x07'
assert_out_not_contains $'\xc2\x9b'

pass

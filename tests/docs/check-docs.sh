#!/bin/bash
# check-docs.sh: fail when the man page or the shell completions no longer
# match the smtpsh binary.
#
#   bash tests/docs/check-docs.sh SMTPSH SOURCE_ROOT
#
# SMTPSH is the built binary, SOURCE_ROOT the top of the source tree. Output
# is TAP: one "ok"/"not ok" line per check, "# SKIP" for a check that could
# not run (zsh, fish or scdoc not installed), "#" lines naming what is
# missing. Exit status 0 when every check that ran passed, 1 otherwise, 2 on
# a usage error.
#
# What is checked:
#   - every option that `smtpsh --help` prints is in the OPTIONS section of
#     doc/smtpsh.1.scd and in the bash, zsh and fish completions;
#   - every long option named in the man page's OPTIONS section or in a
#     completion file is one the binary accepts;
#   - every /command of `smtpsh --list-commands` is in the man page's
#     COMMANDS section, and every command that section describes exists;
#   - every exit code named in --help is described under EXIT STATUS;
#   - the completion files parse (bash -n, zsh -n, fish -n), and the bash
#     and fish completions offer every /command after -c;
#   - scdoc renders the page without error.

set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 SMTPSH SOURCE_ROOT" >&2
	exit 2
fi
bin=$1
root=$2
man_src=$root/doc/smtpsh.1.scd
bash_comp=$root/completions/bash/smtpsh
zsh_comp=$root/completions/zsh/_smtpsh
fish_comp=$root/completions/fish/smtpsh.fish

export LC_ALL=C
n=0
failed=0
problems=()

# Record a problem for the check being run.
problem() {
	problems+=("$1")
}

# Report the check named $1, failing when problem() was called since the last one.
report() {
	n=$((n + 1))
	if [[ ${#problems[@]} -eq 0 ]]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '#   %s\n' "${problems[@]}"
		failed=1
	fi
	problems=()
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Fatal setup errors still produce valid TAP.
bail() {
	echo "Bail out! $1"
	exit 1
}

[[ -x $bin ]] || bail "$bin is not an executable"
for f in "$man_src" "$bash_comp" "$zsh_comp" "$fish_comp"; do
	[[ -f $f ]] || bail "missing file $f"
done

help=$("$bin" --help) || bail "$bin --help failed"
list=$("$bin" --list-commands) || bail "$bin --list-commands failed"

# The lines of section $1 ("OPTIONS") of the man page source, without its heading.
man_section() {
	awk -v want="# $1" '
		/^# / { on = ($0 == want); next }
		on { print }
	' "$man_src"
}

# Is $2 present in the text $1 as a whole option word (not a prefix of a longer one)?
has_word() {
	local re
	re=$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
	grep -Eq -- "(^|[^[:alnum:]_-])${re}([^[:alnum:]_-]|\$)" <<<"$1"
}

# --- options printed by --help -------------------------------------------------

# Only the option lines: those that start with blanks and a dash.
opt_lines=$(grep -E '^[[:space:]]+-' <<<"$help")
mapfile -t help_long < <(grep -oE -- '--[[:alnum:]][[:alnum:]-]*' <<<"$opt_lines" | sort -u)
mapfile -t help_short < <(grep -oE -- '(^|[[:space:],])-[[:alnum:]]([[:space:],]|$)' <<<"$opt_lines" |
	grep -oE -- '-[[:alnum:]]' | sort -u)
[[ ${#help_long[@]} -gt 0 ]] || bail "found no long option in '$bin --help'"
echo "# --help names ${#help_long[@]} long options: ${help_long[*]}"
echo "# --help names ${#help_short[@]} short options: ${help_short[*]}"

man_options=$(man_section OPTIONS)
[[ -n $man_options ]] || problem "doc/smtpsh.1.scd has no '# OPTIONS' section"
for o in "${help_long[@]}" "${help_short[@]}"; do
	has_word "$man_options" "$o" || problem "$o (printed by --help) is not in the OPTIONS section of doc/smtpsh.1.scd"
done
report "man page documents every option of --help"

bash_text=$(<"$bash_comp")
for o in "${help_long[@]}" "${help_short[@]}"; do
	has_word "$bash_text" "$o" || problem "$o (printed by --help) is missing from completions/bash/smtpsh"
done
report "bash completion knows every option of --help"

zsh_text=$(<"$zsh_comp")
for o in "${help_long[@]}" "${help_short[@]}"; do
	has_word "$zsh_text" "$o" || problem "$o (printed by --help) is missing from completions/zsh/_smtpsh"
done
report "zsh completion knows every option of --help"

# fish names options as "-l name" / "-s c" (or --long / --short).
fish_text=$(<"$fish_comp")
for o in "${help_long[@]}"; do
	name=${o#--}
	grep -Eq -- "(^|[[:space:]])(-l|--long|--long-option)[[:space:]=]+['\"]?${name}['\"]?([[:space:]]|\$)" <<<"$fish_text" ||
		problem "$o (printed by --help) is missing from completions/fish/smtpsh.fish (as -l $name)"
done
for o in "${help_short[@]}"; do
	name=${o#-}
	grep -Eq -- "(^|[[:space:]])(-s|--short|--short-option)[[:space:]=]+['\"]?${name}['\"]?([[:space:]]|\$)" <<<"$fish_text" ||
		problem "$o (printed by --help) is missing from completions/fish/smtpsh.fish (as -s $name)"
done
report "fish completion knows every option of --help"

# --- options the docs name must exist ------------------------------------------

# Does the binary accept long option $1? Its "=" form never connects anywhere
# and, with stdin from /dev/null, never waits for input.
accepts() {
	local err
	err=$(timeout 10 "$bin" "$1=" </dev/null 2>&1 >/dev/null)
	! grep -qi 'unrecognized option\|unrecognised option' <<<"$err"
}

declare -A seen=()
check_known() {
	local where=$1 o
	shift
	for o in "$@"; do
		if [[ -z ${seen[$o]+x} ]]; then
			if accepts "$o"; then seen[$o]=1; else seen[$o]=0; fi
		fi
		[[ ${seen[$o]} == 1 ]] || problem "$o (in $where) is not an option of $bin"
	done
}
mapfile -t l < <(grep -oE -- '--[[:alnum:]][[:alnum:]-]*' <<<"$man_options" | sort -u)
check_known "the OPTIONS section of doc/smtpsh.1.scd" "${l[@]}"
mapfile -t l < <(grep -oE -- '--[[:alnum:]][[:alnum:]-]*' <<<"$bash_text" | sort -u)
check_known "completions/bash/smtpsh" "${l[@]}"
mapfile -t l < <(grep -oE -- '--[[:alnum:]][[:alnum:]-]*' <<<"$zsh_text" | sort -u)
check_known "completions/zsh/_smtpsh" "${l[@]}"
mapfile -t l < <(grep -E '^[[:space:]]*complete[[:space:]]' <<<"$fish_text" |
	grep -oE -- "(^|[[:space:]])-l[[:space:]]+['\"]?[[:alnum:]][[:alnum:]-]*" |
	sed -E "s/.*-l[[:space:]]+['\"]?/--/" | sort -u)
check_known "completions/fish/smtpsh.fish" "${l[@]}"
report "every long option in the man page and the completions exists"

# --- local commands --------------------------------------------------------------

mapfile -t cmds < <(cut -f1 <<<"$list" | grep -E '^/[[:alnum:]]')
[[ ${#cmds[@]} -gt 0 ]] || bail "found no /command in '$bin --list-commands'"
echo "# --list-commands names ${#cmds[@]} commands: ${cmds[*]}"

man_commands=$(man_section COMMANDS)
[[ -n $man_commands ]] || problem "doc/smtpsh.1.scd has no '# COMMANDS' section"
for c in "${cmds[@]}"; do
	has_word "$man_commands" "$c" || problem "$c (from --list-commands) is not in the COMMANDS section of doc/smtpsh.1.scd"
done
# The other way round: each "*/name*" entry of the section is a real command.
mapfile -t documented < <(grep -oE '^\*/[[:alnum:]_-]+\*' <<<"$man_commands" | tr -d '*')
for c in "${documented[@]}"; do
	printf '%s\n' "${cmds[@]}" | grep -qxF -- "$c" ||
		problem "$c is described in the COMMANDS section of doc/smtpsh.1.scd but $bin has no such command"
done
report "man page documents every /command, and only those"

# --- exit codes -------------------------------------------------------------------

codes_text=$(tr '\n' ' ' <<<"$help" | sed -n 's/.*[Ee]xit codes\{0,1\}:\(.*\)/\1/p')
mapfile -t codes < <(grep -oE '(^|[[:space:],;])[0-9]+ [[:alpha:]]' <<<"$codes_text" | grep -oE '[0-9]+')
if [[ ${#codes[@]} -eq 0 ]]; then
	problem "--help names no exit codes (no 'Exit codes: N meaning, ...' text)"
fi
echo "# --help names exit codes: ${codes[*]}"
man_exit=$(man_section "EXIT STATUS")
[[ -n $man_exit ]] || problem "doc/smtpsh.1.scd has no '# EXIT STATUS' section"
for c in "${codes[@]}"; do
	grep -Eq "^[[:space:]]*\*?${c}\*?([[:space:]]|\$)" <<<"$man_exit" ||
		problem "exit code $c (named in --help) is not described under EXIT STATUS in doc/smtpsh.1.scd"
done
report "man page describes every exit code of --help"

# --- the completion files parse and work --------------------------------------

if out=$(bash -n "$bash_comp" 2>&1); then :; else problem "bash -n completions/bash/smtpsh: $out"; fi
report "bash -n completions/bash/smtpsh"

# Source the bash completion and ask it for -c candidates, as bash would.
out=$(bash --norc --noprofile -c '
	source "$1" || exit 1
	COMP_WORDS=("$2" -c "")
	COMP_CWORD=2
	COMPREPLY=()
	_smtpsh
	printf "%s\n" "${COMPREPLY[@]}"
' check "$bash_comp" "$bin" 2>&1)
for c in "${cmds[@]}" EHLO MAIL RCPT DATA QUIT; do
	grep -qxF -- "$c" <<<"$out" || problem "the bash completion does not offer $c after -c"
done
report "bash completion offers every /command after -c"

if command -v zsh >/dev/null 2>&1; then
	if out=$(zsh -n "$zsh_comp" 2>&1); then :; else problem "zsh -n completions/zsh/_smtpsh: $out"; fi
	report "zsh -n completions/zsh/_smtpsh"
else
	skip "zsh -n completions/zsh/_smtpsh" "zsh is not installed"
fi

if command -v fish >/dev/null 2>&1; then
	if out=$(fish -n "$fish_comp" 2>&1); then :; else problem "fish -n completions/fish/smtpsh.fish: $out"; fi
	report "fish -n completions/fish/smtpsh.fish"

	# fish picks completions by command name: call the binary under test "smtpsh".
	tmp=$(mktemp -d) || bail "mktemp failed"
	trap 'rm -rf "$tmp"' EXIT
	ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/smtpsh"
	out=$(PATH=$tmp:$PATH fish --no-config -c 'source $argv[1]; complete -C"smtpsh -c "' "$fish_comp" 2>&1 | cut -f1)
	for c in "${cmds[@]}" EHLO MAIL RCPT DATA QUIT; do
		grep -qxF -- "$c" <<<"$out" || problem "the fish completion does not offer $c after -c"
	done
	report "fish completion offers every /command after -c"
else
	skip "fish -n completions/fish/smtpsh.fish" "fish is not installed"
	skip "fish completion offers every /command after -c" "fish is not installed"
fi

# --- the man page renders ---------------------------------------------------------

if command -v scdoc >/dev/null 2>&1; then
	if out=$(scdoc <"$man_src" 2>&1 >/dev/null); then
		[[ -z $out ]] || problem "scdoc warned: $out"
	else
		problem "scdoc failed on doc/smtpsh.1.scd: $out"
	fi
	report "scdoc renders doc/smtpsh.1.scd"
else
	skip "scdoc renders doc/smtpsh.1.scd" "scdoc is not installed"
fi

echo "1..$n"
exit $failed

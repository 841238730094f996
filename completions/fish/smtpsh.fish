# fish completion for smtpsh(1)
#
# The local commands offered after -c/--command come from the binary itself
# (`smtpsh --list-commands`, "/name<TAB>summary" per line, which is fish's own
# candidate format), so this file does not go stale when they change.

function __smtpsh_lines --description 'Local commands and SMTP verbs for smtpsh -c'
    set -l bin (commandline -opc)[1]
    set bin (string replace -r -- '^~(?=/)' $HOME $bin)
    if not type -q -- $bin
        set bin smtpsh
    end
    command $bin --list-commands 2>/dev/null </dev/null | string match -r '^/.*'
    printf '%s\n' \
        EHLO\t'Greet the server and ask for its extensions' \
        HELO\t'Greet the server without extensions' \
        LHLO\t'Greet an LMTP server' \
        MAIL\t'Start a transaction with the envelope sender' \
        RCPT\t'Add an envelope recipient' \
        DATA\t'Start the message text' \
        RSET\t'Abort the current transaction' \
        NOOP\t'Do nothing' \
        QUIT\t'End the session' \
        VRFY\t'Verify a mailbox' \
        EXPN\t'Expand a mailing list' \
        HELP\t'Ask the server for help text' \
        STARTTLS\t'Upgrade the connection to TLS' \
        AUTH\t'Authenticate with a SASL mechanism' \
        BDAT\t'Send a chunk of the message' \
        ETRN\t'Ask the server to flush its queue'
end

function __smtpsh_targets --description 'TARGET forms and host names for smtpsh'
    set -l tok (commandline -ct)
    switch (string lower -- $tok)
        case 'unix:*'
            set -l prefix (string sub -l 5 -- $tok)
            __fish_complete_path (string sub -s 6 -- $tok) | string replace -r '^' -- $prefix
        case 'smtp://*' 'smtps://*' 'lmtp://*'
            set -l prefix (string replace -r '^([^:]*://).*' '$1' -- $tok)
            __fish_print_hostnames | string replace -r '^' -- $prefix
        case '*'
            printf '%s\n' smtp://\t'SMTP, port 25 by default' \
                lmtp://\t'LMTP, port 24 by default' unix:\t'Unix-domain socket'
            __fish_print_hostnames
    end
end

# No file names for the TARGET, except after unix:.
complete -c smtpsh -f
complete -c smtpsh -n 'not string match -q -- "-*" (commandline -ct)' -a '(__smtpsh_targets)'

complete -c smtpsh -s c -l command -x -a '(__smtpsh_lines)' -d 'Run LINE in batch mode (repeatable, in order)'
complete -c smtpsh -s f -l file -r -F -d 'Run the lines of FILE in batch mode (repeatable)'
complete -c smtpsh -s k -l keep-going -d 'In batch mode, go on after a failure'
complete -c smtpsh -s t -l timeout -x -d 'Connect and reply timeout in seconds (default 30)'
complete -c smtpsh -s 4 -d 'Connect over IPv4 only'
complete -c smtpsh -s 6 -d 'Connect over IPv6 only'
complete -c smtpsh -l explain -x -d 'Meaning under replies' \
    -a "errors\t'Under 4xx and 5xx replies (default)' all\t'Under every reply' off\t'Never'"
complete -c smtpsh -l color -x -d 'Colour the output' \
    -a "auto\t'On a terminal (default)' always never"
complete -c smtpsh -l colour -x -d 'Colour the output' \
    -a "auto\t'On a terminal (default)' always never"
complete -c smtpsh -l no-history -d 'Do not read or write the history file'
complete -c smtpsh -s h -l help -d 'Show the help'
complete -c smtpsh -s V -l version -d 'Show the version'

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
    # The verb table of /help.
    printf '%s\n' \
        ATRN\t'Authenticated TURN (On-Demand Mail Relay)' \
        AUTH\t'Authenticate with a SASL mechanism' \
        BDAT\t'Send a chunk of the message (CHUNKING)' \
        BURL\t'Add message content fetched from a URL' \
        DATA\t'Start the message text' \
        EHLO\t'Greet the server and ask for its extensions' \
        ETRN\t'Ask the server to flush its queue' \
        EXPN\t'Expand a mailing list' \
        HELO\t'Greet the server without extensions' \
        HELP\t'Ask the server for help text' \
        LHLO\t'Greet an LMTP server' \
        MAIL\t'Start a transaction with the envelope sender' \
        NOOP\t'Do nothing' \
        QUIT\t'End the session' \
        RCPT\t'Add an envelope recipient' \
        RSET\t'Abort the current transaction' \
        STARTTLS\t'Upgrade the connection to TLS' \
        TURN\t'Reverse roles (obsolete)' \
        VRFY\t'Verify a mailbox' \
        XCLIENT\t'Override client attributes (Postfix)' \
        XFORWARD\t'Forward client attributes for logging (Postfix)'
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
        case 'mx:*'
            set -l prefix (string sub -l 3 -- $tok)
            __fish_print_hostnames | string replace -r '^' -- $prefix
        case '*'
            printf '%s\n' smtp://\t'SMTP, port 25 by default' \
                smtps://\t'SMTP over implicit TLS, port 465' \
                lmtp://\t'LMTP, port 24 by default' unix:\t'Unix-domain socket' \
                mx:\t'The MX hosts of a domain, in delivery order'
            __fish_print_hostnames
    end
end

# No file names for the TARGET, except after unix:.
complete -c smtpsh -f
complete -c smtpsh -n 'not string match -q -- "-*" (commandline -ct)' -a '(__smtpsh_targets)'

# General
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
complete -c smtpsh -l no-config -d 'Do not read the configuration file'
complete -c smtpsh -l no-redact -d 'Show AUTH secrets in output and transcripts'
complete -c smtpsh -s h -l help -d 'Show the help'
complete -c smtpsh -s V -l version -d 'Show the version'

# Batch
complete -c smtpsh -s c -l command -x -a '(__smtpsh_lines)' -d 'Run LINE in batch mode (repeatable, in order)'
complete -c smtpsh -s f -l file -r -F -d 'Run the lines of FILE in batch mode (repeatable)'
complete -c smtpsh -s k -l keep-going -d 'In batch mode, go on after a failure'
complete -c smtpsh -s D -x -d 'Define ${NAME} for batch lines: NAME=VALUE'

# Transcript and replay
complete -c smtpsh -l transcript -r -F -d 'Record the session to FILE'
complete -c smtpsh -l transcript-format -x -d 'Format of the transcript' \
    -a "text\t'Timestamped marker lines (default)' jsonl\t'One JSON object per line'"
complete -c smtpsh -l replay -r -F -d 'Send the client side of a transcript again, compare reply codes'
complete -c smtpsh -l replay-message -r -F -d 'With --replay: the text of the messages sent with /send FILE'

# TLS
complete -c smtpsh -l tls -d 'Implicit TLS: handshake before the greeting'
complete -c smtpsh -l tls-verify -d 'End the session when certificate verification fails'
complete -c smtpsh -l ca-file -r -F -d 'Trust the CA certificates in FILE'
complete -c smtpsh -l ca-path -x -a '(__fish_complete_directories (commandline -ct))' \
    -d 'Trust the hashed CA directory DIR'
complete -c smtpsh -l tls-verify-name -x -a '(__fish_print_hostnames)' -d 'Check the certificate against NAME'
complete -c smtpsh -l sni -x -a '(__fish_print_hostnames)' -d 'Send NAME as SNI'
complete -c smtpsh -l no-sni -d 'Send no SNI'
complete -c smtpsh -l tls-min -x -a '1.0 1.1 1.2 1.3' -d 'Lowest TLS version (default 1.2)'
complete -c smtpsh -l tls-max -x -a '1.0 1.1 1.2 1.3' -d 'Highest TLS version'
complete -c smtpsh -l tls-ciphers -x -d 'TLS 1.2 cipher list (OpenSSL syntax)'
complete -c smtpsh -l tls-ciphersuites -x \
    -a 'TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA256' \
    -d 'TLS 1.3 cipher suites'
complete -c smtpsh -l cert -r -F -d 'Client certificate (PEM, with its chain)'
complete -c smtpsh -l key -r -F -d 'Private key of the client certificate'
complete -c smtpsh -l dane -d 'Verify with DNSSEC-secure TLSA records (RFC 7672)'

# DNS
complete -c smtpsh -l dns-server -x -d 'Ask this resolver (ADDR[:PORT]) instead of the system\'s'
complete -c smtpsh -l dns-timeout -x -d 'DNS query timeout in seconds (default 5)'
complete -c smtpsh -l dns-trust-anchor -r -F -d 'Validate DNSSEC locally from these DS/DNSKEY records'

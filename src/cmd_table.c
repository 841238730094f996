/* SPDX-License-Identifier: MIT */
/* The command table and the SMTP verb table: the data behind dispatch, help and completion. */
#include "cmd.h"

#include <string.h>
#include <strings.h>

/* Keep sorted by name: lookups and the table test rely on it. */
static const struct cmd commands[] = {
	{ "auth", "<mechanism> [user] [--authzid id] [--secret-env name] [--secret-file file]", 1, 8,
		CMD_F_CONN, cmd_auth,
		"Authenticate (PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER SCRAM-SHA-256)",
		"Runs the whole AUTH exchange: base64, 334 challenges shown decoded,\n"
		"the server signature checked for SCRAM. Interactively the password (or\n"
		"token) is asked without echo; batch mode never prompts: it takes\n"
		"$SMTPSH_SECRET, --secret-env NAME or the first line of --secret-file.\n"
		"Secrets appear as [redacted] on screen, in transcripts and never in history.\n"
		"Example: /auth SCRAM-SHA-256 alice" },
	{ "cert", "[index] [--pem]", 0, 2, CMD_F_CONN, cmd_cert,
		"Show one certificate of the server's chain",
		"INDEX counts from 0, the server's own certificate. Subject, issuer,\n"
		"SANs, validity, key, SHA-256 fingerprint; --pem adds the PEM text.\n"
		"Example: /cert 1 --pem" },
	{ "close", "", 0, 0, CMD_F_CONN, cmd_close,
		"Close the connection without QUIT",
		"Drops the TCP connection at once, as a client that vanishes would.\n"
		"Use QUIT to end the session politely.\n"
		"Example: /close" },
	{ "connect", "<target>", 1, 1, 0, cmd_connect,
		"Connect to a server",
		"TARGET is host, host:port, [v6addr]:port, smtp://host[:port],\n"
		"lmtp://host:port (LHLO) or unix:/path. The port defaults to 25.\n"
		"Every address of a name is tried in turn, each within --timeout.\n"
		"Example: /connect mx1.example.net:587" },
	{ "dane", "<host> [port]", 1, 2, 0, cmd_dane,
		"Show TLSA records and their match against the live chain",
		"Looks up _PORT._tcp.HOST (port 25 by default) with its DNSSEC status;\n"
		"records that are not DNSSEC-secure are unusable for DANE (RFC 7672).\n"
		"On a TLS connection each record is matched against the chain the\n"
		"server sent (DANE-EE: the leaf, DANE-TA: an issuer), with a verdict.\n"
		"Example: /dane mx1.example.net" },
	{ "echo", "[text...]", 0, -1, 0, cmd_echo,
		"Print a line of text",
		"Prints its arguments; handy in batch files to label the output.\n"
		"Example: /echo checking the relay" },
	{ "ehlo", "", 0, 0, 0, cmd_ehlo,
		"Show the capabilities from the last EHLO",
		"Lists each keyword the server advertised with its parameters,\n"
		"meaning and RFC. Capabilities learned before TLS are marked stale.\n"
		"Example: /ehlo" },
	{ "expect", "<code|2xx|x.y.z>...", 1, -1, 0, cmd_expect,
		"Assert the last reply's code",
		"Passes when the last complete reply matches any pattern: a code (250),\n"
		"a code with x wildcards (2xx, 25x) or an enhanced status code (5.7.1,\n"
		"5.x.x). In batch mode a failure stops the run with exit code 1.\n"
		"Example: /expect 250 251" },
	{ "explain", "<code|x.y.z>...", 1, -1, 0, cmd_explain,
		"Explain a reply code or enhanced status code",
		"Gives the meaning of a basic reply code (RFC 5321 and extensions) or\n"
		"of an enhanced status code (IANA registry, RFC 3463), with its RFC.\n"
		"Example: /explain 550 5.7.26" },
	{ "help", "[command|VERB]", 0, 1, 0, cmd_help,
		"List commands, or explain one",
		"Without an argument lists every local command and SMTP verb.\n"
		"With one: syntax, meaning, RFC and an example.\n"
		"Example: /help RCPT" },
	{ "history", "", 0, 0, CMD_F_INTERACTIVE, cmd_history,
		"Show the lines typed so far",
		"Lists the history (the history file plus this session). AUTH lines,\n"
		"answers to 334 challenges and message text are never kept in it.\n"
		"Example: /history" },
	{ "pipeline", "[end|cancel]", 0, 1, 0, cmd_pipeline,
		"Queue SMTP lines and send them pipelined",
		"After /pipeline, SMTP lines are queued instead of sent. /pipeline end\n"
		"sends them in one write per group (a command such as DATA or EHLO ends\n"
		"a group, RFC 2920) when PIPELINING is advertised, one at a time if not,\n"
		"and shows which command each reply answers. /pipeline cancel drops them.\n"
		"Example: /pipeline, MAIL FROM:<a@example.org>, RCPT TO:<b@example.net>, DATA, /pipeline end" },
	{ "quit", "", 0, 0, 0, cmd_quit,
		"Leave the shell",
		"Closes the connection (without QUIT) and exits. Send QUIT first to\n"
		"end the SMTP session politely; Ctrl-D does both.\n"
		"Example: /quit" },
	{ "send", "[file] [--bdat] [--chunk octets]", 0, 4, CMD_F_CONN, cmd_send,
		"Send a message file (or a test message)",
		"After MAIL and RCPT: DATA, then FILE with CRLF line endings and\n"
		"dot-stuffing, then \".\"; with --bdat, BDAT chunks (CHUNKING) of at most\n"
		"--chunk octets (default 1 MiB), the last marked LAST. Streams, so memory\n"
		"stays flat for a file of any size. Without FILE a short test message\n"
		"(Date, From, To, Subject, Message-ID) is generated from the envelope.\n"
		"Example: /send message.eml --bdat" },
	{ "set", "[name [value]]", 0, 2, 0, cmd_set,
		"Show or change a setting",
		"Settings: timeout SECONDS (connect and reply timeout);\n"
		"explain errors|all|off (meaning shown under replies);\n"
		"tls-verify on|off (a failed certificate verification ends the session);\n"
		"on-error stop|continue (what a batch run does after a failure);\n"
		"dns-server ADDR[:PORT]|system (the resolver for DNS questions).\n"
		"Without arguments lists the settings.\n"
		"Example: /set timeout 10" },
	{ "sleep", "<seconds>", 1, 1, 0, cmd_sleep,
		"Wait, still showing what the server sends",
		"Waits up to SECONDS (fractions allowed); server lines that arrive\n"
		"meanwhile are shown, as an idle-timeout 421 would be.\n"
		"Example: /sleep 1.5" },
	{ "source", "<file>", 1, 1, 0, cmd_source,
		"Run the lines of a file",
		"Runs FILE line by line as a batch file would: comments, ${NAME}\n"
		"variables, /expect. A failure stops the file (and, in batch mode,\n"
		"the run) unless on-error is continue. Files may source others.\n"
		"Example: /source checks/relay.smtpsh" },
	{ "starttls", "", 0, 0, CMD_F_CONN, cmd_starttls,
		"Send STARTTLS and start TLS on a 220",
		"The same as typing STARTTLS. On a 220 reply the TLS handshake runs;\n"
		"bytes the server sent after its 220 are reported as an injection and\n"
		"dropped. A failed handshake closes the connection.\n"
		"Example: /starttls" },
	{ "timing", "[on|off]", 0, 1, 0, cmd_timing,
		"Show each reply's latency",
		"With on, every reply is followed by the time it took since its\n"
		"command was sent. Without an argument, shows the setting.\n"
		"Example: /timing on" },
	{ "tls", "", 0, 0, CMD_F_CONN, cmd_tls,
		"Show the TLS session in detail",
		"Protocol, cipher, key exchange, server signature, SNI sent,\n"
		"verification result with the reason, name check, OCSP staple, and\n"
		"every certificate of the chain as the server sent it.\n"
		"Example: /tls" },
};

/* Keep sorted by name. */
static const struct smtp_verb verbs[] = {
	{ "ATRN", "ATRN [domain[,domain...]]", "Authenticated TURN: reverse the connection (On-Demand Mail Relay)",
		"RFC 2645", "ATRN example.org" },
	{ "AUTH", "AUTH <mechanism> [initial-response]", "Authenticate with a SASL mechanism; 334 asks for more",
		"RFC 4954", "AUTH PLAIN AGFsaWNlAHNlY3JldA==" },
	{ "BDAT", "BDAT <octets> [LAST]", "Send a chunk of the message (CHUNKING); no dot-stuffing",
		"RFC 3030", "BDAT 1024 LAST" },
	{ "BURL", "BURL <absolute-URI> [LAST]", "Add message content fetched from a URL (submission)",
		"RFC 4468", "BURL imap://user@host/INBOX;UIDVALIDITY=1/;UID=20 LAST" },
	{ "DATA", "DATA", "Start the message text; 354 asks for it, a lone \".\" ends it",
		"RFC 5321", "DATA" },
	{ "EHLO", "EHLO <domain|address-literal>", "Greet the server and ask for its extensions",
		"RFC 5321", "EHLO client.example.org" },
	{ "ETRN", "ETRN [@|#]<node>", "Ask the server to flush its queue for a domain",
		"RFC 1985", "ETRN @example.org" },
	{ "EXPN", "EXPN <list>", "Expand a mailing list (often disabled)",
		"RFC 5321", "EXPN staff" },
	{ "HELO", "HELO <domain>", "Greet the server without extensions (old SMTP)",
		"RFC 5321", "HELO client.example.org" },
	{ "HELP", "HELP [topic]", "Ask the server for help text (211/214)",
		"RFC 5321", "HELP RCPT" },
	{ "LHLO", "LHLO <domain>", "Greet an LMTP server and ask for its extensions",
		"RFC 2033", "LHLO client.example.org" },
	{ "MAIL", "MAIL FROM:<reverse-path> [parameters]", "Start a transaction with the envelope sender",
		"RFC 5321", "MAIL FROM:<alice@example.org> SIZE=1024" },
	{ "NOOP", "NOOP", "Do nothing; the server answers 250",
		"RFC 5321", "NOOP" },
	{ "QUIT", "QUIT", "End the session; the server answers 221 and closes",
		"RFC 5321", "QUIT" },
	{ "RCPT", "RCPT TO:<forward-path> [parameters]", "Add an envelope recipient",
		"RFC 5321", "RCPT TO:<bob@example.net> NOTIFY=FAILURE" },
	{ "RSET", "RSET", "Abort the current transaction",
		"RFC 5321", "RSET" },
	{ "STARTTLS", "STARTTLS", "Upgrade the connection to TLS; 220 means go ahead",
		"RFC 3207", "STARTTLS" },
	{ "TURN", "TURN", "Reverse roles (obsolete and insecure)",
		"RFC 821", "TURN" },
	{ "VRFY", "VRFY <user>", "Verify a mailbox (usually answered 252)",
		"RFC 5321", "VRFY postmaster" },
	{ "XCLIENT", "XCLIENT attr=value...", "Override client attributes (Postfix; trusted clients only)",
		"Postfix", "XCLIENT ADDR=192.0.2.1 NAME=client.example.org" },
	{ "XFORWARD", "XFORWARD attr=value...", "Forward client attributes for logging (Postfix)",
		"Postfix", "XFORWARD NAME=client.example.org ADDR=192.0.2.1" },
};

const struct cmd *cmd_table(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct smtp_verb *cmd_verbs(size_t *n)
{
	*n = sizeof(verbs) / sizeof(verbs[0]);
	return verbs;
}

const struct cmd *cmd_find(const char *name, bool *ambiguous)
{
	size_t i, n = sizeof(commands) / sizeof(commands[0]), len = strlen(name);
	const struct cmd *found = NULL;
	int matches = 0;

	*ambiguous = false;
	if (len == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strcasecmp(commands[i].name, name) == 0)
			return &commands[i];
		if (strncasecmp(commands[i].name, name, len) == 0) {
			found = &commands[i];
			matches++;
		}
	}
	if (matches > 1) {
		*ambiguous = true;
		return NULL;
	}
	return found;
}

const struct smtp_verb *cmd_verb_find(const char *name)
{
	size_t i, n = sizeof(verbs) / sizeof(verbs[0]);

	for (i = 0; i < n; i++)
		if (strcasecmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

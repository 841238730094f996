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
	{ "bl", "<address|domain> [zone...]", 1, -1, 0, cmd_bl,
		"Look an address or a domain up in DNS blocklists",
		"Asks every ZONE at once, for A and TXT: an address reversed (IPv4 octets,\n"
		"IPv6 nibbles) under the zone, a domain as DOMAIN.ZONE (RHSBL). Return codes\n"
		"are decoded (with Spamhaus's table for Spamhaus zones); 127.255.255.252/254/255\n"
		"and 127.0.1.255 are errors, not listings. NXDOMAIN: not listed; a failed\n"
		"lookup: unknown. Without ZONE: dnsbl-zones of the configuration, else\n"
		"zen.spamhaus.org bl.spamcop.net psbl.surriel.com (for a domain:\n"
		"dbl.spamhaus.org multi.surbl.org).\n"
		"Example: /bl 192.0.2.1 zen.spamhaus.org" },
	{ "cert", "[index] [--pem]", 0, 2, CMD_F_CONN, cmd_cert,
		"Show one certificate of the server's chain",
		"INDEX counts from 0, the server's own certificate. Subject, issuer,\n"
		"SANs, validity, key, SHA-256 fingerprint; --pem adds the PEM text.\n"
		"Example: /cert 1 --pem" },
	{ "check", "<domain>", 1, 1, 0, cmd_check,
		"Report a domain's mail health: MX, PTR, SPF, DMARC, MTA-STS, TLS-RPT, DANE",
		"One line per finding, each with a verdict: ok, warn or fail. MX hosts and\n"
		"their addresses, PTR and forward-confirmed reverse DNS per address, the\n"
		"DNSSEC status of the MX RRset, TLSA (DANE) per MX host, SPF with its\n"
		"include tree and lookup count, DMARC (with the RFC 9989 tree walk), the\n"
		"MTA-STS record and policy (fetched over HTTPS, matched against the MX\n"
		"hosts) and TLS-RPT. Every independent query is in flight at once, so the\n"
		"check takes about as long as its longest chain of dependent queries.\n"
		"Fails (exit code 1 in batch mode) when any line is a fail.\n"
		"Example: /check example.org" },
	{ "close", "", 0, 0, CMD_F_CONN, cmd_close,
		"Close the connection without QUIT",
		"Drops the TCP connection at once, as a client that vanishes would.\n"
		"Use QUIT to end the session politely.\n"
		"Example: /close" },
	{ "connect", "<target>", 1, 1, 0, cmd_connect,
		"Connect to a server",
		"TARGET is host, host:port, [v6addr]:port, smtp://host[:port],\n"
		"smtps://host[:port] (implicit TLS, port 465), lmtp://host:port (LHLO),\n"
		"unix:/path, or mx:DOMAIN[:PORT] (the best MX, as a sending MTA would;\n"
		"/next-mx moves on). The port defaults to 25. Every address of a name is\n"
		"tried in turn, each within --timeout.\n"
		"Example: /connect mx1.example.net:587" },
	{ "dane", "<host> [port]", 1, 2, 0, cmd_dane,
		"Show TLSA records and their match against the live chain",
		"Looks up _PORT._tcp.HOST (port 25 by default) with its DNSSEC status;\n"
		"records that are not DNSSEC-secure are unusable for DANE (RFC 7672).\n"
		"On a TLS connection each record is matched against the chain the\n"
		"server sent (DANE-EE: the leaf, DANE-TA: an issuer), with a verdict.\n"
		"Example: /dane mx1.example.net" },
	{ "dkim", "<selector> <domain>", 2, 2, 0, cmd_dkim,
		"Check a DKIM key record",
		"Looks up SELECTOR._domainkey.DOMAIN (following CNAMEs) and shows every\n"
		"tag (v k p h s t n), the key type and size (RSA bits from the key itself,\n"
		"Ed25519 256), the flags (t=y testing, t=s strict), a revoked key (empty\n"
		"p=) and weak keys (RSA under 1024 bits, RFC 8301). The selector comes\n"
		"from the s= tag of a DKIM-Signature header.\n"
		"Example: /dkim selector1 example.org" },
	{ "dmarc", "<domain>", 1, 1, 0, cmd_dmarc,
		"Find and explain a domain's DMARC policy",
		"Looks up _dmarc.DOMAIN and, when there is none, walks up the DNS tree as\n"
		"RFC 9989 does instead of RFC 7489's Public Suffix List (at most 8 names,\n"
		"all asked at once). Explains every tag (v p sp np adkim aspf pct rua ruf\n"
		"fo rf ri psd t), the policy for the domain, its subdomains and\n"
		"non-existent subdomains, alignment, p=none (monitoring only), pct and\n"
		"t=y, rua/ruf syntax and the authorisation of report addresses in other\n"
		"domains (RFC 7489 7.1). Several records at one name are an error.\n"
		"Example: /dmarc example.org" },
	{ "dns", "<type> <name>", 2, 2, 0, cmd_dns,
		"Ask the resolver for records of any type",
		"Shows the answer records (owner, TTL, type, data), the response code, the\n"
		"DNSSEC status (secure, insecure, bogus, indeterminate) and the CNAME chain.\n"
		"TYPE is a type name (A, AAAA, MX, TXT, TLSA, PTR, SRV, CAA ... or TYPEnnn);\n"
		"for PTR an address may stand for its reverse name.\n"
		"Example: /dns TXT _dmarc.example.org" },
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
	{ "mta-sts", "<domain>", 1, 1, 0, cmd_mtasts,
		"Check MTA-STS: the TXT record and the policy fetched over HTTPS",
		"Checks _mta-sts.DOMAIN (exactly one v=STSv1 record, id of 1 to 32 letters\n"
		"and digits), then fetches https://mta-sts.DOMAIN/.well-known/mta-sts.txt\n"
		"from the addresses DNS gives for mta-sts.DOMAIN, verifying the certificate\n"
		"for that name (--ca-file/--ca-path or the system's CAs). Redirects are\n"
		"reported, never followed; 200 and text/plain are required, 64 KiB at\n"
		"most. Shows the policy and checks it (version, mode, mx, max_age), then\n"
		"matches the domain's MX hosts, and the host connected to, against its mx\n"
		"patterns. Failures are named with RFC 8460 result types.\n"
		"SMTPSH_MTA_STS_PORT overrides port 443 (for tests and debugging).\n"
		"Example: /mta-sts example.org" },
	{ "mx", "<domain>", 1, 1, 0, cmd_mx,
		"Show where mail for a domain goes (MX records)",
		"The MX records by preference, each exchange with its addresses (looked up\n"
		"at once), the DNSSEC status, and what is wrong: implicit MX (no MX records,\n"
		"RFC 5321 5.1), null MX (RFC 7505), an exchange that is a CNAME, an IP address\n"
		"or without addresses, NXDOMAIN (a hard error) or SERVFAIL and timeouts\n"
		"(temporary). /connect mx:DOMAIN connects as a sending MTA would.\n"
		"Example: /mx example.org" },
	{ "next-mx", "", 0, 0, 0, cmd_next_mx,
		"Close, and connect to the next MX host",
		"After /connect mx:DOMAIN (or smtpsh mx:DOMAIN): closes the connection and\n"
		"connects to the next host of the MX list, in delivery order.\n"
		"Example: /next-mx" },
	{ "pipeline", "[end|cancel]", 0, 1, 0, cmd_pipeline,
		"Queue SMTP lines and send them pipelined",
		"After /pipeline, SMTP lines are queued instead of sent. /pipeline end\n"
		"sends them in one write per group (a command such as DATA or EHLO ends\n"
		"a group, RFC 2920) when PIPELINING is advertised, one at a time if not,\n"
		"and shows which command each reply answers. /pipeline cancel drops them.\n"
		"Example: /pipeline, MAIL FROM:<a@example.org>, RCPT TO:<b@example.net>, DATA, /pipeline end" },
	{ "ptr", "[address]", 0, 1, 0, cmd_ptr,
		"Reverse DNS, forward-confirmed (FCrDNS)",
		"The PTR names of ADDRESS (IPv4 or IPv6), each resolved back to see whether\n"
		"it gives the address again; generic-looking names are flagged. Without\n"
		"ADDRESS, on a connection: the server's address, compared with the banner's\n"
		"host name, the EHLO reply's and the name connected to.\n"
		"Example: /ptr 192.0.2.1" },
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
	{ "spf", "<domain> [ip] [sender]", 1, 3, 0, cmd_spf,
		"Explain a domain's SPF record, or evaluate it for an address",
		"Without IP: the record term by term, include and redirect followed as an\n"
		"indented tree (fetched concurrently), with the running count of DNS\n"
		"lookups against the limit of 10 and of void lookups against 2 (RFC 7208\n"
		"4.6.4), syntax errors, several records, include loops: the verdict is\n"
		"valid, none, temperror or permerror. With IP: check_host() as a\n"
		"receiver runs it, step by step, giving pass, fail, softfail, neutral,\n"
		"none, temperror or permerror and the term that decided. SENDER (default\n"
		"postmaster@DOMAIN) feeds the macros; every macro letter is expanded,\n"
		"%{p} and %{r} as \"unknown\".\n"
		"Example: /spf example.org 192.0.2.1" },
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
	{ "tls-rpt", "<domain>", 1, 1, 0, cmd_tlsrpt,
		"Check the TLS reporting record (TLS-RPT)",
		"Checks _smtp._tls.DOMAIN: exactly one record, v=TLSRPTv1 first, rua=\n"
		"present, each report URI a mailto: address or an https: URL (RFC 8460).\n"
		"Example: /tls-rpt example.org" },
	{ "transcript", "<file|off> [text|jsonl]", 1, 2, 0, cmd_transcript,
		"Record the session to a file, or stop",
		"Every line from now on goes to FILE as well, with a UTC timestamp and\n"
		"each reply's latency; the header names the version, target, both\n"
		"addresses and the options. Written line by line (mode 0600), so a\n"
		"killed session loses nothing. AUTH secrets appear as [redacted].\n"
		"smtpsh --replay FILE plays the client side back.\n"
		"Example: /transcript bug-1234.txt" },
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

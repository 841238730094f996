/* SPDX-License-Identifier: MIT */
/* Reference tables for decoding SMTP replies and EHLO keywords, kept as data. */
#include "codes.h"

#include <stdlib.h>
#include <strings.h>

#define CODES_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Basic reply codes, sorted by code. Within one code the RFC 5321 entry
 * comes first, because codes_reply_find() returns the first entry and the
 * base meaning is the right default when the command is not known.
 */
static const struct code_reply codes_replies[] = {
	{ 211, "System status, or system help reply", "RFC 5321", NULL },
	{ 214, "Help message", "RFC 5321",
		"reply to HELP; text meant for a human" },
	{ 220, "<domain> Service ready", "RFC 5321", "connection greeting" },
	{ 220, "Ready to start TLS", "RFC 3207",
		"reply to STARTTLS; the TLS handshake starts next" },
	{ 221, "<domain> Service closing transmission channel", "RFC 5321",
		"reply to QUIT" },
	{ 235, "Authentication succeeded", "RFC 4954",
		"reply to AUTH, with 2.7.0" },
	{ 250, "Requested mail action okay, completed", "RFC 5321", NULL },
	{ 250, "OK, queuing for node started", "RFC 1985", "reply to ETRN" },
	{ 250, "OK, now reversing the connection", "RFC 2645",
		"reply to ATRN" },
	{ 251, "User not local; will forward to <forward-path>", "RFC 5321",
		"reply to RCPT or VRFY" },
	{ 251, "OK, no messages waiting for node", "RFC 1985",
		"reply to ETRN" },
	{ 252, "Cannot VRFY user, but will accept message and attempt delivery",
		"RFC 5321", "reply to VRFY or EXPN" },
	{ 252, "OK, pending messages for node started", "RFC 1985",
		"reply to ETRN" },
	{ 253, "OK, <n> pending messages for node started", "RFC 1985",
		"reply to ETRN" },
	{ 334, "SASL continuation: base64 server challenge", "RFC 4954",
		"during AUTH; answer with base64, or \"*\" to cancel" },
	{ 354, "Start mail input; end with <CRLF>.<CRLF>", "RFC 5321",
		"reply to DATA" },
	{ 355, "Octet-offset is the transaction offset", "RFC 1845",
		"reply to MAIL with TRANSID= (CHECKPOINT restart)" },
	{ 421, "<domain> Service not available, closing transmission channel",
		"RFC 5321",
		"may answer any command, or arrive unprompted before a drop" },
	{ 422, "A password transition is needed", "RFC 5248",
		"only listed for X.7.12 in the registry; RFC 4954 uses 432" },
	{ 430, "Invalid command", "RFC 5248",
		"only listed for X.5.1 in the registry; rarely seen" },
	{ 432, "A password transition is needed", "RFC 4954",
		"reply to AUTH, with 4.7.12" },
	{ 450, "Requested mail action not taken: mailbox unavailable",
		"RFC 5321",
		"mailbox busy or temporarily blocked for policy (greylisting)" },
	{ 450, "ATRN request refused", "RFC 2645", "reply to ATRN" },
	{ 451, "Requested action aborted: local error in processing",
		"RFC 5321", NULL },
	{ 451, "Unable to process ATRN request now", "RFC 2645",
		"reply to ATRN" },
	{ 452, "Requested action not taken: insufficient system storage",
		"RFC 5321", "also \"too many recipients\" after RCPT" },
	{ 453, "You have no mail", "RFC 2645", "reply to ATRN" },
	{ 454, "TLS not available due to temporary reason", "RFC 3207",
		"reply to STARTTLS" },
	{ 454, "Temporary authentication failure", "RFC 4954",
		"reply to AUTH, with 4.7.0" },
	{ 455, "Server unable to accommodate parameters", "RFC 5321",
		"MAIL or RCPT parameters" },
	{ 458, "Unable to queue messages for node", "RFC 1985",
		"reply to ETRN" },
	{ 459, "Node not allowed: <reason>", "RFC 1985", "reply to ETRN" },
	{ 500, "Syntax error, command unrecognized", "RFC 5321",
		"also sent for a command line that is too long" },
	{ 500, "Authentication exchange line is too long", "RFC 4954",
		"during AUTH, with 5.5.6" },
	{ 501, "Syntax error in parameters or arguments", "RFC 5321", NULL },
	{ 501, "Syntax error (no parameters allowed)", "RFC 3207",
		"STARTTLS given arguments" },
	{ 501, "Authentication cancelled", "RFC 4954",
		"the client answered a 334 with \"*\"" },
	{ 502, "Command not implemented", "RFC 5321",
		"recognized but not implemented; unknown commands get 500" },
	{ 503, "Bad sequence of commands", "RFC 5321", NULL },
	{ 504, "Command parameter not implemented", "RFC 5321", NULL },
	{ 504, "Unrecognized authentication type", "RFC 4954",
		"reply to AUTH, with 5.5.4" },
	{ 521, "Host does not accept mail", "RFC 7504",
		"connection greeting of a host that never accepts mail" },
	{ 523, "Encryption needed", "RFC 5248",
		"only listed for X.7.10 in the registry; rarely seen" },
	{ 524, "Encryption required for requested authentication mechanism",
		"RFC 5248",
		"only listed for X.7.11 in the registry; RFC 4954 uses 538" },
	{ 525, "User account disabled", "RFC 5248",
		"only listed for X.7.13 in the registry; rarely seen" },
	{ 530, "Must issue a STARTTLS command first", "RFC 3207",
		"policy requires TLS before this command" },
	{ 530, "Authentication required", "RFC 4954",
		"policy requires AUTH before this command, with 5.7.0" },
	{ 533, "Delivery not authorized", "RFC 5248",
		"only listed for X.7.1 in the registry; rarely seen" },
	{ 534, "Authentication mechanism is too weak", "RFC 4954",
		"reply to AUTH, with 5.7.9" },
	{ 535, "Authentication credentials invalid", "RFC 4954",
		"reply to AUTH, with 5.7.8" },
	{ 538, "Encryption required for requested authentication mechanism",
		"RFC 4954", "reply to AUTH before STARTTLS, with 5.7.11" },
	{ 550, "Requested action not taken: mailbox unavailable", "RFC 5321",
		"not found, no access, or rejected for policy" },
	{ 551, "User not local; please try <forward-path>", "RFC 5321",
		"reply to RCPT or VRFY" },
	{ 552, "Requested mail action aborted: exceeded storage allocation",
		"RFC 5321", NULL },
	{ 552, "Message size exceeds fixed maximum message size", "RFC 1870",
		"SIZE extension, with 5.3.4" },
	{ 553, "Requested action not taken: mailbox name not allowed",
		"RFC 5321", "e.g. mailbox syntax incorrect" },
	{ 554, "Transaction failed", "RFC 5321",
		"after DATA, or any command when no more specific code fits" },
	{ 554, "No SMTP service here", "RFC 5321",
		"as the connection greeting" },
	{ 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
		"RFC 5321", NULL },
	{ 556, "Domain does not accept mail", "RFC 7504",
		"e.g. the recipient domain has a null MX (RFC 7505), with 5.1.10" },
};

/* Indexed by the first digit; SMTP uses 2 to 5 only. */
static const char *const codes_reply_classes[] = {
	[2] = "positive completion",
	[3] = "positive intermediate",
	[4] = "transient negative completion",
	[5] = "permanent negative completion",
};

/* Indexed by the second digit (RFC 5321 4.2.1). */
static const char *const codes_reply_categories[] = {
	[0] = "syntax",
	[1] = "information",
	[2] = "connections",
	[3] = "unspecified",
	[4] = "unspecified",
	[5] = "mail system",
};

/*
 * The IANA "SMTP Enhanced Status Codes" registry, sorted by subject then
 * detail so lookup can bsearch. Basic codes are the registry's associated
 * reply codes, not a rule: servers combine them freely.
 */
static const struct code_esc codes_escs[] = {
	{ 0, 0, "Other undefined status", "any", "RFC 3463" },

	{ 1, 0, "Other address status", "", "RFC 3463" },
	{ 1, 1, "Bad destination mailbox address", "451, 550", "RFC 3463" },
	{ 1, 2, "Bad destination system address", "", "RFC 3463" },
	{ 1, 3, "Bad destination mailbox address syntax", "501", "RFC 3463" },
	{ 1, 4, "Destination mailbox address ambiguous", "", "RFC 3463" },
	{ 1, 5, "Destination address valid", "250", "RFC 3463" },
	{ 1, 6, "Destination mailbox has moved, no forwarding address", "",
		"RFC 3463" },
	{ 1, 7, "Bad sender's mailbox address syntax", "", "RFC 3463" },
	{ 1, 8, "Bad sender's system address", "451, 501", "RFC 3463" },
	{ 1, 9, "Message relayed to non-compliant mailer", "", "RFC 3886" },
	{ 1, 10, "Recipient address has null MX", "556", "RFC 7505" },

	{ 2, 0, "Other or undefined mailbox status", "", "RFC 3463" },
	{ 2, 1, "Mailbox disabled, not accepting messages", "", "RFC 3463" },
	{ 2, 2, "Mailbox full", "552", "RFC 3463" },
	{ 2, 3, "Message length exceeds administrative limit", "552",
		"RFC 3463" },
	{ 2, 4, "Mailing list expansion problem", "450, 452", "RFC 3463" },

	{ 3, 0, "Other or undefined mail system status",
		"221, 250, 421, 451, 550, 554", "RFC 3463" },
	{ 3, 1, "Mail system full", "452", "RFC 3463" },
	{ 3, 2, "System not accepting network messages", "453, 521",
		"RFC 3463" },
	{ 3, 3, "System not capable of selected features", "", "RFC 3463" },
	{ 3, 4, "Message too big for system", "552, 554", "RFC 3463" },
	{ 3, 5, "System incorrectly configured", "", "RFC 3463" },
	{ 3, 6, "Requested priority was changed", "250", "RFC 6710" },

	{ 4, 0, "Other or undefined network or routing status", "",
		"RFC 3463" },
	{ 4, 1, "No answer from host", "451", "RFC 3463" },
	{ 4, 2, "Bad connection", "421", "RFC 3463" },
	{ 4, 3, "Directory server failure", "451, 550", "RFC 3463" },
	{ 4, 4, "Unable to route", "", "RFC 3463" },
	{ 4, 5, "Mail system congestion", "451", "RFC 3463" },
	{ 4, 6, "Routing loop detected", "", "RFC 3463" },
	{ 4, 7, "Delivery time expired", "", "RFC 3463" },

	{ 5, 0, "Other or undefined protocol status",
		"220, 250, 251, 252, 253, 451, 452, 454, 458, 459, 501, 502, 503, 554",
		"RFC 3463" },
	{ 5, 1, "Invalid command", "430, 500, 501, 503, 530, 550, 554, 555",
		"RFC 3463" },
	{ 5, 2, "Syntax error", "500, 501, 502, 550, 555", "RFC 3463" },
	{ 5, 3, "Too many recipients", "451 (452 in practice)", "RFC 3463" },
	{ 5, 4, "Invalid command arguments",
		"451, 501, 502, 503, 504, 550, 555", "RFC 3463" },
	{ 5, 5, "Wrong protocol version", "", "RFC 3463" },
	{ 5, 6, "Authentication exchange line is too long", "500",
		"RFC 4954" },

	{ 6, 0, "Other or undefined media error", "", "RFC 3463" },
	{ 6, 1, "Media not supported", "", "RFC 3463" },
	{ 6, 2, "Conversion required and prohibited", "", "RFC 3463" },
	{ 6, 3, "Conversion required but not supported", "554", "RFC 3463" },
	{ 6, 4, "Conversion with loss performed", "250", "RFC 3463" },
	{ 6, 5, "Conversion failed", "", "RFC 3463" },
	{ 6, 6, "Message content not available", "554", "RFC 4468" },
	{ 6, 7, "Non-ASCII addresses not permitted for that sender/recipient",
		"550, 553", "RFC 6531" },
	{ 6, 8, "UTF-8 string reply is required, but not permitted by the "
		"SMTP client", "252, 550, 553", "RFC 6531" },
	{ 6, 9, "UTF-8 header message cannot be transferred to one or more "
		"recipients, so the message must be rejected", "550",
		"RFC 6531" },
	{ 6, 10, "UTF-8 string reply is required (duplicate of X.6.8, "
		"deprecated)", "", "RFC 6531" },

	{ 7, 0, "Other or undefined security status",
		"220, 235, 450, 454, 500, 501, 503, 504, 530, 535, 550",
		"RFC 3463" },
	{ 7, 1, "Delivery not authorized, message refused",
		"451, 454, 502, 503, 533, 550, 551", "RFC 3463" },
	{ 7, 2, "Mailing list expansion prohibited", "550", "RFC 3463" },
	{ 7, 3, "Security conversion required but not possible", "",
		"RFC 3463" },
	{ 7, 4, "Security features not supported", "504", "RFC 3463" },
	{ 7, 5, "Cryptographic failure", "", "RFC 3463" },
	{ 7, 6, "Cryptographic algorithm not supported", "", "RFC 3463" },
	{ 7, 7, "Message integrity failure", "", "RFC 3463" },
	{ 7, 8, "Authentication credentials invalid", "535, 554",
		"RFC 4954" },
	{ 7, 9, "Authentication mechanism is too weak", "534", "RFC 4954" },
	{ 7, 10, "Encryption needed", "523", "RFC 5248" },
	{ 7, 11, "Encryption required for requested authentication mechanism",
		"524, 538", "RFC 4954" },
	{ 7, 12, "A password transition is needed", "422, 432", "RFC 4954" },
	{ 7, 13, "User account disabled", "525", "RFC 5248" },
	{ 7, 14, "Trust relationship required", "535, 554", "RFC 5248" },
	{ 7, 15, "Priority level is too low", "450, 550, 4XX, 5XX",
		"RFC 6710" },
	{ 7, 16, "Message is too big for the specified priority",
		"552, 4XX, 5XX", "RFC 6710" },
	{ 7, 17, "Mailbox owner has changed", "5XX", "RFC 7293" },
	{ 7, 18, "Domain owner has changed", "5XX", "RFC 7293" },
	{ 7, 19, "RRVS test cannot be completed", "5XX", "RFC 7293" },
	{ 7, 20, "No passing DKIM signature found", "550", "RFC 7372" },
	{ 7, 21, "No acceptable DKIM signature found", "550", "RFC 7372" },
	{ 7, 22, "No valid author-matched DKIM signature found", "550",
		"RFC 7372" },
	{ 7, 23, "SPF validation failed", "550", "RFC 7372" },
	{ 7, 24, "SPF validation error", "451, 550", "RFC 7372" },
	{ 7, 25, "Reverse DNS validation failed", "550", "RFC 7372" },
	{ 7, 26, "Multiple authentication checks failed", "550", "RFC 7372" },
	{ 7, 27, "Sender address has null MX", "550", "RFC 7505" },
	/* Registered by IANA on a draft, not an RFC. */
	{ 7, 28, "Mail flood detected", "", "draft-levine-mailbomb-header" },
	{ 7, 29, "ARC validation failure", "550", "RFC 8617" },
	{ 7, 30, "REQUIRETLS support required", "550", "RFC 8689" },
};

/* Indexed by the class digit; only 2, 4 and 5 exist. */
static const char *const codes_esc_classes[] = {
	[2] = "success",
	[4] = "persistent transient failure",
	[5] = "permanent failure",
};

static const char *const codes_esc_subjects[] = {
	[0] = "other or undefined status",
	[1] = "addressing status",
	[2] = "mailbox status",
	[3] = "mail system status",
	[4] = "network and routing status",
	[5] = "mail delivery protocol status",
	[6] = "message content or media status",
	[7] = "security or policy status",
};

/*
 * EHLO keywords, sorted by keyword (case-insensitively, which for letters,
 * digits and '-' is plain ASCII order) so codes_ehlo_find() can bsearch.
 * params is the syntax after the keyword on the EHLO line; mail_params,
 * rcpt_params and verbs are space-separated tokens for completion, where a
 * trailing '=' means the parameter takes a value.
 */
static const struct code_ehlo codes_ehlos[] = {
	{ "8BITMIME", "8-bit MIME transport", "RFC 6152",
		NULL, "BODY=", NULL, NULL },
	{ "ATRN", "Authenticated TURN: on-demand relay reverses the connection",
		"RFC 2645", NULL, NULL, NULL, "ATRN" },
	{ "AUTH", "SMTP authentication (SASL)", "RFC 4954",
		"mechanism [mechanism ...]", "AUTH=", NULL, "AUTH" },
	{ "BINARYMIME", "Binary MIME bodies (requires CHUNKING, BDAT only)",
		"RFC 3030", NULL, "BODY=", NULL, NULL },
	{ "BURL", "Message assembly from IMAP URLs (submission)", "RFC 4468",
		"[imap]", NULL, NULL, "BURL" },
	{ "CHECKPOINT", "Checkpoint/restart of interrupted transactions",
		"RFC 1845", NULL, "TRANSID=", NULL, NULL },
	{ "CHUNKING", "Message data in chunks with BDAT, no dot-stuffing",
		"RFC 3030", NULL, NULL, NULL, "BDAT" },
	{ "CONNEG", "Content negotiation: ask for the recipient's capabilities",
		"RFC 4141", NULL, NULL, "CONNEG", NULL },
	{ "CONPERM", "Content conversion permission", "RFC 4141",
		NULL, "CONPERM", NULL, NULL },
	{ "DELIVERBY", "Deliver by a deadline or return/notify", "RFC 2852",
		"[min-by-time]", "BY=", NULL, NULL },
	{ "DSN", "Delivery status notifications", "RFC 3461",
		NULL, "RET= ENVID=", "NOTIFY= ORCPT=", NULL },
	{ "ENHANCEDSTATUSCODES", "Enhanced status codes (x.y.z) in replies",
		"RFC 2034", NULL, NULL, NULL, NULL },
	{ "ETRN", "Remote message queue starting", "RFC 1985",
		NULL, NULL, NULL, "ETRN" },
	{ "EXPN", "Expand a mailing list", "RFC 5321",
		NULL, NULL, NULL, "EXPN" },
	{ "FUTURERELEASE", "Hold the message for later release (submission)",
		"RFC 4865", "max-future-release-interval max-future-release-date-time",
		"HOLDFOR= HOLDUNTIL=", NULL, NULL },
	{ "HELP", "Help for humans", "RFC 5321", NULL, NULL, NULL, "HELP" },
	{ "LIMITS", "Server limits the client should respect", "RFC 9422",
		"[RCPTMAX=n] [MAILMAX=n] [RCPTDOMAINMAX=n]", NULL, NULL, NULL },
	{ "MT-PRIORITY", "Message transfer priorities", "RFC 6710",
		"[MIXER|STANAG4406|NSEP]", "MT-PRIORITY=", NULL, NULL },
	{ "MTRK", "Message tracking (with DSN ENVID)", "RFC 3885",
		NULL, "MTRK=", NULL, NULL },
	{ "NO-SOLICITING", "Solicitation keywords the server refuses",
		"RFC 3865", "[keyword[,keyword...]]", "SOLICIT=", NULL, NULL },
	/* sendmail's extensions predate the rule that private ones start with X. */
	{ "ONEX", "One transaction only on this connection", "sendmail",
		NULL, NULL, NULL, "ONEX" },
	{ "PIPELINING", "Command pipelining", "RFC 2920",
		NULL, NULL, NULL, NULL },
	{ "REQUIRETLS", "Require TLS for the whole delivery path", "RFC 8689",
		NULL, "REQUIRETLS", NULL, NULL },
	{ "RRVS", "Require recipient valid since a date", "RFC 7293",
		NULL, NULL, "RRVS=", NULL },
	{ "SAML", "Send and mail (obsolete, removed in RFC 5321)", "RFC 821",
		NULL, NULL, NULL, "SAML" },
	{ "SEND", "Send to terminal (obsolete, removed in RFC 5321)", "RFC 821",
		NULL, NULL, NULL, "SEND" },
	{ "SIZE", "Message size declaration", "RFC 1870",
		"[max-octets]", "SIZE=", NULL, NULL },
	{ "SMTPUTF8", "Internationalized email (UTF-8 addresses and headers)",
		"RFC 6531", NULL, "SMTPUTF8", NULL, NULL },
	{ "SOML", "Send or mail (obsolete, removed in RFC 5321)", "RFC 821",
		NULL, NULL, NULL, "SOML" },
	{ "STARTTLS", "Upgrade the connection to TLS", "RFC 3207",
		NULL, NULL, NULL, "STARTTLS" },
	{ "TURN", "Reverse the roles (obsolete and insecure; use ETRN/ATRN)",
		"RFC 821", NULL, NULL, NULL, "TURN" },
	{ "UTF8SMTP", "Internationalized email, experimental (obsolete, "
		"replaced by SMTPUTF8)", "RFC 5336", NULL, NULL, NULL, NULL },
	{ "VERB", "Verbose mode", "sendmail", NULL, NULL, NULL, "VERB" },
	{ "VRFY", "Verify an address (an RFC 5321 verb; advertising it as a "
		"keyword is unregistered)", "RFC 5321",
		NULL, NULL, NULL, "VRFY" },
	{ "X-ANONYMOUSTLS", "Anonymous TLS between Exchange servers",
		"Microsoft Exchange", NULL, NULL, NULL, "X-ANONYMOUSTLS" },
	{ "X-EXPS", "Exchange authentication (GSSAPI, NTLM)",
		"Microsoft Exchange", "mechanism [mechanism ...]",
		NULL, NULL, "X-EXPS" },
	{ "X-LINK2STATE", "Exchange link state routing information",
		"Microsoft Exchange", NULL, NULL, NULL, "X-LINK2STATE" },
	{ "XCLIENT", "Override client connection attributes (for proxies and "
		"testing)", "Postfix",
		"attribute [attribute ...] (NAME ADDR PORT PROTO HELO LOGIN "
		"DESTADDR DESTPORT)", NULL, NULL, "XCLIENT" },
	{ "XEXCH50", "Exchange message properties transfer",
		"Microsoft Exchange", NULL, NULL, NULL, "XEXCH50" },
	{ "XFORWARD", "Forward original client attributes for logging",
		"Postfix",
		"attribute [attribute ...] (NAME ADDR PORT PROTO HELO IDENT "
		"SOURCE)", NULL, NULL, "XFORWARD" },
	{ "XOORG", "Originator organization of the message",
		"Microsoft Exchange", NULL, "XOORG=", NULL, NULL },
	{ "XRDST", "Exchange proxy redirection", "Microsoft Exchange",
		NULL, NULL, NULL, "XRDST" },
	{ "XUSR", "Initial user submission", "sendmail",
		NULL, NULL, NULL, "XUSR" },
	{ "XVERP", "Variable envelope return paths", "Postfix",
		NULL, "XVERP", NULL, NULL },
};

size_t codes_reply_count(void)
{
	return CODES_NELEM(codes_replies);
}

const struct code_reply *codes_reply_at(size_t i)
{
	if (i >= CODES_NELEM(codes_replies)) {
		return NULL;
	}
	return &codes_replies[i];
}

const struct code_reply *codes_reply_find(int code)
{
	size_t i;

	/* A linear scan keeps "first entry wins" trivial; the table is tiny. */
	for (i = 0; i < CODES_NELEM(codes_replies); i++) {
		if (codes_replies[i].code == code) {
			return &codes_replies[i];
		}
	}
	return NULL;
}

const struct code_reply *codes_reply_next(const struct code_reply *prev)
{
	const struct code_reply *end = codes_replies + CODES_NELEM(codes_replies);

	/* Entries of one code are adjacent, so the next one is the neighbour. */
	if (!prev || prev + 1 >= end) {
		return NULL;
	}
	if (prev[1].code != prev->code) {
		return NULL;
	}
	return prev + 1;
}

const char *codes_reply_class(int first_digit)
{
	if (first_digit < 0 || (size_t)first_digit >= CODES_NELEM(codes_reply_classes)) {
		return NULL;
	}
	return codes_reply_classes[first_digit];
}

const char *codes_reply_category(int second_digit)
{
	if (second_digit < 0 ||
	    (size_t)second_digit >= CODES_NELEM(codes_reply_categories)) {
		return NULL;
	}
	return codes_reply_categories[second_digit];
}

size_t codes_esc_count(void)
{
	return CODES_NELEM(codes_escs);
}

const struct code_esc *codes_esc_at(size_t i)
{
	if (i >= CODES_NELEM(codes_escs)) {
		return NULL;
	}
	return &codes_escs[i];
}

static int codes_esc_cmp(const void *a, const void *b)
{
	const struct code_esc *x = a, *y = b;

	if (x->subject != y->subject) {
		return x->subject < y->subject ? -1 : 1;
	}
	if (x->detail != y->detail) {
		return x->detail < y->detail ? -1 : 1;
	}
	return 0;
}

const struct code_esc *codes_esc_find(int subject, int detail)
{
	struct code_esc key = { .subject = subject, .detail = detail };

	return bsearch(&key, codes_escs, CODES_NELEM(codes_escs),
	    sizeof(codes_escs[0]), codes_esc_cmp);
}

const char *codes_esc_class(int cls)
{
	if (cls < 0 || (size_t)cls >= CODES_NELEM(codes_esc_classes)) {
		return NULL;
	}
	return codes_esc_classes[cls];
}

const char *codes_esc_subject(int subject)
{
	if (subject < 0 || (size_t)subject >= CODES_NELEM(codes_esc_subjects)) {
		return NULL;
	}
	return codes_esc_subjects[subject];
}

size_t codes_ehlo_count(void)
{
	return CODES_NELEM(codes_ehlos);
}

const struct code_ehlo *codes_ehlo_at(size_t i)
{
	if (i >= CODES_NELEM(codes_ehlos)) {
		return NULL;
	}
	return &codes_ehlos[i];
}

static int codes_ehlo_cmp(const void *key, const void *elem)
{
	const struct code_ehlo *e = elem;

	return strcasecmp(key, e->keyword);
}

const struct code_ehlo *codes_ehlo_find(const char *keyword)
{
	if (!keyword) {
		return NULL;
	}
	return bsearch(keyword, codes_ehlos, CODES_NELEM(codes_ehlos),
	    sizeof(codes_ehlos[0]), codes_ehlo_cmp);
}

/* SPDX-License-Identifier: MIT */
/*
 * Client side of SMTP AUTH (RFC 4954) as a pure state machine: the shell
 * sends what sasl_start() gives, feeds each 334 text to sasl_step() and
 * sends its answer, and asks sasl_finished_ok() after 235. No I/O, no
 * printing. Every line comes with a display form that never holds a
 * secret, for the terminal and transcripts.
 *
 * Mechanisms: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login),
 * CRAM-MD5 (RFC 2195), XOAUTH2 (Google), OAUTHBEARER (RFC 7628),
 * SCRAM-SHA-256 (RFC 5802, RFC 7677; no channel binding). SCRAM uses the
 * password bytes as given: no SASLprep, which only matters for non-ASCII.
 */
#ifndef SMTPSH_SASL_H
#define SMTPSH_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum sasl_mech {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_CRAM_MD5,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER,
	SASL_SCRAM_SHA_256,
	SASL_MECH_COUNT
};

/* SCRAM iteration counts outside this range are refused: below is weaker
 * than RFC 7677 allows, above would block the shell for many seconds. */
#define SASL_SCRAM_ITER_MIN 4096u
#define SASL_SCRAM_ITER_MAX 10000000u

/* Case-insensitive; false (and *out untouched) for an unsupported name. */
bool sasl_mech_from_name(const char *name, enum sasl_mech *out);
/* The canonical upper-case name, e.g. "CRAM-MD5"; NULL when out of range. */
const char *sasl_mech_name(enum sasl_mech m);

struct sasl;

/*
 * user: the authentication identity (may be NULL or empty only for
 * OAUTHBEARER). secret: the password, or the bearer token for XOAUTH2 and
 * OAUTHBEARER; never NULL. authzid: the authorization identity or NULL
 * (an empty string is the same as NULL); PLAIN, SCRAM and OAUTHBEARER carry
 * it (OAUTHBEARER sends a=authzid, else a=user), the others refuse it.
 * host/port: OAUTHBEARER's host= and port= (NULL / 0 leave them out).
 * Everything is copied; the copies are wiped by sasl_destroy().
 * Returns NULL with ERR_USAGE for arguments the mechanism cannot carry.
 */
struct sasl *sasl_create(enum sasl_mech m, const char *user, const char *secret,
	const char *authzid, const char *host, unsigned port, struct err *e);
/* Wipe every secret and derived key and free. Accepts NULL. */
void sasl_destroy(struct sasl *s);

/* Use nonce (printable ASCII, no ',') as SCRAM's client nonce instead of
 * 24 random bytes. For tests with published vectors; before sasl_start(). */
bool sasl_set_nonce_for_test(struct sasl *s, const char *nonce);

/*
 * The AUTH command to send first, without CRLF: "AUTH PLAIN <b64>" (an
 * initial response for PLAIN, XOAUTH2, OAUTHBEARER and SCRAM's client-first
 * message) or "AUTH LOGIN" / "AUTH CRAM-MD5". *display is the form to show:
 * "AUTH PLAIN [redacted]"; SCRAM's client-first holds no secret, so it shows
 * as "AUTH SCRAM-SHA-256 <b64> (decoded: n,,n=user,r=...)".
 * Both are the caller's to free; free *line with sasl_line_free().
 * Once only. Out-parameters are written only on success.
 */
bool sasl_start(struct sasl *s, char **line, char **display, struct err *e);

/*
 * Answer one 334 challenge: challenge_b64 is the text after "334 " (NULL
 * or "" for an empty challenge), strict base64, no trailing blanks.
 * On success *line is the answer to send (may be the empty string),
 * *display its safe form: "[redacted]" when it carries or derives from a
 * secret, "<b64> (decoded: user)" for LOGIN's user name step, the line
 * itself when it is a fixed value (XOAUTH2's empty line, OAUTHBEARER's AQ==).
 *
 * *decoded receives the decoded challenge whenever it was valid base64 -
 * also when the step then fails - so the shell can show what the server
 * said. NUL bytes in it become the text \x00; other bytes are raw and the
 * caller must sanitise them. Initialise it to NULL and free it when set.
 *
 * LOGIN answers the first challenge with the user and the second with the
 * password, whatever the prompts say. CRAM-MD5 answers "user hexdigest".
 * XOAUTH2/OAUTHBEARER: a 334 is the server's JSON error; the answer is the
 * empty line (XOAUTH2) or AQ== (OAUTHBEARER) so the server can send the
 * final failure. SCRAM checks the server-first message (our nonce
 * extended, salt, iteration count within SASL_SCRAM_ITER_MIN..MAX) and
 * sends the proof, then checks the server-final v= and answers it with
 * the empty line; a wrong server signature fails with a message saying so.
 *
 * Failure: ERR_PROTO for a challenge the mechanism does not allow (the
 * caller should answer "*" to cancel, RFC 4954), ERR_INTERNAL for a crypto
 * failure, ERR_USAGE when called out of order. After a failure every
 * later step fails too.
 */
bool sasl_step(struct sasl *s, const char *challenge_b64, char **line, char **display,
	char **decoded, struct err *e);

/*
 * After 235: true when the exchange completed as the mechanism defines.
 * SCRAM: only when the server's signature was verified. LOGIN/CRAM-MD5:
 * only when every challenge was answered. XOAUTH2/OAUTHBEARER: false when
 * the server sent an error challenge. False after any failure.
 */
bool sasl_finished_ok(const struct sasl *s);

/* Wipe and free a line from sasl_start()/sasl_step(). Accepts NULL. */
void sasl_line_free(char *line);

/* Standard base64 with padding. *out is NUL-terminated and the caller's to
 * free. False only when len is too large to encode. */
bool sasl_b64_encode(const void *data, size_t len, char **out);
/*
 * Strict RFC 4648 base64: length a multiple of 4, only the standard
 * alphabet, '=' only as final padding, unused bits zero, no whitespace.
 * "" decodes to zero bytes. *out gets *outlen bytes plus a NUL terminator
 * and is the caller's to free. Out-parameters are written only on success.
 */
bool sasl_b64_decode(const char *in, unsigned char **out, size_t *outlen);

#endif

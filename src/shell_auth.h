/* SPDX-License-Identifier: MIT */
/* AUTH through a SASL mechanism: the exchange of 334 challenges, with the
 * secret kept out of the screen, transcripts and history. */
#ifndef SMTPSH_SHELL_AUTH_H
#define SMTPSH_SHELL_AUTH_H

#include "shell.h"

struct shell_auth_req {
	const char *mech;          /* PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER, SCRAM-SHA-256 */
	const char *user;          /* may be NULL for OAUTHBEARER */
	const char *authzid;       /* may be NULL */
	const char *secret_env;    /* batch: environment variable holding the secret */
	const char *secret_file;   /* batch: file whose first line is the secret */
};

/* Run the whole AUTH exchange; the last reply (235 or the failure) is left for /expect. */
enum shell_status shell_auth(struct shell *sh, const struct shell_auth_req *req);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Context-aware completion: candidates for the word under the cursor, from
 * the command table, the SMTP verb table, the EHLO keyword table and the
 * session state (phase, capabilities, TLS, AUTH). Pure: knows nothing of
 * the line editor, never prints. cli.c asks it and shows the result.
 */
#ifndef SMTPSH_COMPLETE_H
#define SMTPSH_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

struct complete_ctx {
	const struct session *sess;     /* NULL when not connected */
	bool in_data;                   /* DATA mode: no completion at all */
	const char *const *addresses;   /* mail addresses used before and --from/--to
	                                   defaults, most recent first */
	size_t naddresses;
	const char *const *hosts;       /* hosts from the last /mx and from history */
	size_t nhosts;
	bool advertised_only;           /* verbs: only base verbs + those the last
	                                   EHLO advertised */
	const char *ehlo_name;          /* offered after EHLO/HELO/LHLO (ehlo-name in the config) */
};

/*
 * Candidates for the word that starts at byte start of line and ends at the
 * cursor end (words are separated by blanks only). Returns a NULL-terminated
 * array of malloc'd strings in the order to show them (free it with
 * complete_free()), or NULL when there is none. Matching is case-insensitive;
 * keywords and verbs come in upper case unless the word was typed in lower
 * case. *want_files (if want_files is not NULL) is set when the caller should
 * complete file names instead; NULL is returned then.
 */
char **complete_line(const struct complete_ctx *c, const char *line, size_t start, size_t end,
	bool *want_files);

/* Free what complete_line() returned; accepts NULL. */
void complete_free(char **list);

/*
 * The usage of the command being typed in line[0..end): "usage: /set [name [value]]"
 * for a local command, "usage: MAIL FROM:<reverse-path> [parameters]" for an SMTP
 * verb (its syntax from the verb table). NULL when the line names no known
 * command. The caller frees the string.
 */
char *complete_usage_dup(const char *line, size_t end);

/*
 * Whether a lone candidate is a finished word that should be followed by a
 * space. False for prefixes still waiting for their value: "FROM:<", "SIZE=",
 * "ORCPT=rfc822;", "smtp://", "unix:".
 */
bool complete_wants_space(const char *candidate);

#endif

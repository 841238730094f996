/* SPDX-License-Identifier: MIT */
/* Plain-language meaning of reply codes and enhanced status codes, from the code tables. */
#ifndef SMTPSH_EXPLAIN_H
#define SMTPSH_EXPLAIN_H

#include <stdbool.h>

#include "err.h"

/* One line for under a reply: "550 mailbox unavailable ...; 5.7.1 Delivery not
 * authorized ...". esc may be "" or NULL. Caller frees. */
char *explain_reply_dup(int code, const char *esc);

/*
 * The full answer to /explain ARG, where ARG is a basic code ("550"), an
 * enhanced status code ("5.7.26", "4.7.0"), or both ("550 5.7.1" as two
 * arguments joined by a space). Several lines separated by '\n', no final
 * newline. Returns NULL with ERR_USAGE when ARG is neither.
 */
char *explain_code_dup(const char *arg, struct err *e);

#endif

/* SPDX-License-Identifier: MIT */
/* Internals of the spf module shared by its files (spf*.c only). */
#ifndef SMTPSH_SPF_INT_H
#define SMTPSH_SPF_INT_H

#include <stdbool.h>

#include "spf.h"

#define SPF_LETTER(c) (1u << ((c) - 'a'))   /* a macro letter's bit in spf_term.macros */
#define SPF_MAX_DEPTH 10   /* include/redirect levels, in the tree and in check_host() */

/* Domain names equal but for case and one trailing dot. */
bool spf_same_name(const char *a, const char *b);

#endif

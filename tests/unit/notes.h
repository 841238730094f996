/* SPDX-License-Identifier: MIT */
/* Test helper: look for a finding of the mail policy parsers. */
#ifndef SMTPSH_TEST_NOTES_H
#define SMTPSH_TEST_NOTES_H

#include <stdio.h>
#include <string.h>

#include "dkim.h"

/* True when ns holds a note of level l containing want; otherwise prints them all. */
static inline bool has_note(const struct pol_notes *ns, enum pol_level l, const char *want)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (ns->v[i].level == l && strstr(ns->v[i].text, want))
			return true;
	for (i = 0; i < ns->n; i++)
		printf("#   note: %s: %s\n", pol_level_name(ns->v[i].level), ns->v[i].text);
	return false;
}

#endif

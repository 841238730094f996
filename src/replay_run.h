/* SPDX-License-Identifier: MIT */
/* smtpsh --replay: play the client side of a transcript against a server
 * and report every reply code that differs from the recorded one. */
#ifndef SMTPSH_REPLAY_RUN_H
#define SMTPSH_REPLAY_RUN_H

#include "shell.h"

/*
 * Load path (text or JSONL transcript), connect to target (or the one the
 * header names), send each recorded client line and compare each reply code.
 * Lines recorded as [redacted] are asked for in a terminal, or taken from
 * $SMTPSH_REDACTED_1, $SMTPSH_REDACTED_2 ... (in order) otherwise; never
 * guessed. Returns the exit code: 0 no difference, 1 differences, 2 usage or
 * unreadable transcript, 3 connection, 4 TLS.
 */
int replay_run(struct shell *sh, const char *path, const struct target *target);

#endif

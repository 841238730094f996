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
 * guessed.
 *
 * A message /send sent from a file is recorded without its text, and the file
 * the transcript names is never read (the transcript may be a stranger's). It
 * is sent as /send would send it, with DATA or BDAT as recorded, from
 * messages[k] for the k-th such message (counted from 0), or from messages[0]
 * for every one when nmessages is 1, or else as the generated test message,
 * with a warning; its final reply code is compared. A recorded test message is
 * sent as a test message again and takes no file. nmessages must be 0, 1 or
 * the number of messages sent from a file.
 *
 * Returns the exit code: 0 no difference, 1 differences, 2 usage or
 * unreadable transcript or message file, 3 connection, 4 TLS.
 */
int replay_run(struct shell *sh, const char *path, const struct target *target,
	const char *const *messages, size_t nmessages);

#endif

/* SPDX-License-Identifier: MIT */
/* interrupt: a Ctrl-C request that long operations of the core can notice.
 *
 * Only the front end handles the signal; its handler calls interrupt_raise().
 * Core code that blocks (waiting for a reply, streaming a message, a TLS
 * handshake, DNS queries, /sleep) checks interrupt_pending() whenever its
 * poll() returns or before it starts waiting, and gives up cleanly. The
 * request stays pending until the front end or the command dispatcher takes
 * it, so every wait of one command stops, not just the first. */
#ifndef SMTPSH_INTERRUPT_H
#define SMTPSH_INTERRUPT_H

#include <stdbool.h>

/* Async-signal-safe: only sets a flag. */
void interrupt_raise(void);
bool interrupt_pending(void);
/* True once per request, and clears it. */
bool interrupt_take(void);

#endif

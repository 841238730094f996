/* SPDX-License-Identifier: MIT */
/* TLS inside the shell core: STARTTLS with the response-injection guard, implicit TLS,
 * and what the handshake showed, as lines for the user. */
#ifndef SMTPSH_SHELL_TLS_H
#define SMTPSH_SHELL_TLS_H

#include "shell.h"

/*
 * Start TLS on the live connection. starttls: the server has just answered
 * 220 to STARTTLS, so any byte already buffered is an injected plaintext
 * reply (CVE-2011-0411 class): it is reported and dropped, never parsed.
 * A failed handshake closes the connection (never a silent plaintext
 * fallback) and returns SHELL_TLS.
 */
enum shell_status shell_tls_start(struct shell *sh, bool starttls);

/* After an EHLO inside TLS: say which capabilities changed across TLS. */
void shell_tls_caps_changed(struct shell *sh);

/* The /tls and /cert reports. */
enum shell_status shell_tls_show(struct shell *sh);
enum shell_status shell_tls_show_cert(struct shell *sh, int index, bool pem);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The configuration file, $XDG_CONFIG_HOME/smtpsh/config (else
 * ~/.config/smtpsh/config): defaults that the command line overrides.
 * Parsing never prints and never exits; bad lines become messages for the
 * caller to show, and every good line still applies.
 *
 * Syntax: "setting = value" lines; '#' starts a comment on a line of its own
 * or after a value when preceded by a space or tab; blank lines are ignored;
 * space around the setting and the value is trimmed; a value may be
 * double-quoted (then '#' and outer spaces are kept, \" and \\ are escapes).
 * A later line overrides an earlier one. CRLF line ends and a UTF-8 BOM are
 * accepted.
 */
#ifndef SMTPSH_CONFIG_H
#define SMTPSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Longest line accepted, in bytes, without its line end. */
#define CONFIG_LINE_MAX 4096
/* Largest file read, in bytes. */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * What the file set. Strings are owned (NULL: unset); ints are -1 when unset
 * unless noted. Paths (ca-file, ca-path, history) are absolute: "~/" is
 * expanded from $HOME when the file is read.
 */
struct config {
	char *ehlo_name;        /* ehlo-name = client.example.org */
	char *from;             /* from = alice@example.org; "" for the null sender "<>" */
	char *to;               /* to = postmaster@example.net */
	int color;              /* enum color_mode */
	char *dns_server;       /* ADDR, ADDR:PORT or [IPv6]:PORT, as written */
	int timeout_ms;         /* timeout = 30 (seconds, fractions allowed) */
	int dns_timeout_ms;     /* dns-timeout = 5 */
	int tls_verify;         /* 1 yes, 0 no */
	char *ca_file;
	char *ca_path;
	int tls_min;            /* 10 11 12 13 for TLS 1.0 ... 1.3; 0 unset */
	int tls_max;
	char **dnsbl_zones;     /* NULL unset; else NULL-terminated, possibly empty ("none") */
	size_t ndnsbl_zones;
	int explain;            /* enum explain_mode */
	char *history;          /* NULL: default file; "": no history; else the file */
	int complete_verbs;     /* 0 advertised, 1 all */
};

/* Everything unset. */
void config_init(struct config *c);
/* Free what c holds and leave it unset. Accepts NULL. */
void config_finish(struct config *c);

/* The file to read, for the caller to free: $XDG_CONFIG_HOME/smtpsh/config
 * when that is absolute (relative values are invalid and ignored), else
 * $HOME/.config/smtpsh/config; NULL when neither is usable. */
char *config_path_dup(void);

/*
 * Read and apply the file at path. A missing file is not an error (true,
 * nothing set). Each bad line is appended to *problems as "FILE:LINE:
 * message" (a NULL-terminated malloc'd array, created when *problems is NULL;
 * free it with config_problems_free); pass problems NULL to ignore them.
 * At most 50 problems of one file are listed, then one line counting the rest.
 * Returns false, with e filled, only when the file exists but cannot be read
 * (a directory, no permission, larger than CONFIG_FILE_MAX).
 */
bool config_load(struct config *c, const char *path, char ***problems, struct err *e);

/* Apply text as a file called name. Returns true when every line was good. */
bool config_parse_string(struct config *c, const char *name, const char *text, char ***problems);

void config_problems_free(char **p);

/* The i-th known setting (in file order), NULL past the end; *syntax
 * ("SECONDS", "yes|no") and *help (one line) are set when not NULL. */
const char *config_setting_info(size_t i, const char **syntax, const char **help);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * DKIM key records (RFC 6376 3.6.1, RFC 8301, RFC 8463), and the pieces the
 * other mail-policy checks share: findings with a severity, and DKIM's
 * tag=value list (RFC 6376 3.2), which DMARC, TLS-RPT and MTA-STS records
 * borrow. Pure functions over record text: no I/O, never prints.
 */
#ifndef SMTPSH_DKIM_H
#define SMTPSH_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* ------------------------------------------------------------ findings */

enum pol_level { POL_INFO, POL_WARN, POL_ERROR };

struct pol_note {
	enum pol_level level;
	char text[240];
};

struct pol_notes {
	struct pol_note *v;
	size_t n;
};

void pol_note_add(struct pol_notes *ns, enum pol_level level, const char *fmt, ...) PRINTF(3, 4);
void pol_notes_finish(struct pol_notes *ns);
/* Is there a note of this level (or worse)? */
bool pol_notes_has(const struct pol_notes *ns, enum pol_level level);
/* The first note of exactly this level, or NULL. */
const char *pol_notes_first(const struct pol_notes *ns, enum pol_level level);
const char *pol_level_name(enum pol_level level);   /* "info", "warn", "error" */

/* ------------------------------------------------------------ tag=value lists */

struct pol_tag {
	char name[32];
	char *value;      /* surrounding whitespace removed */
};

struct pol_tags {
	struct pol_tag *v;
	size_t n;
};

/*
 * Split "a=1; b = 2;" into tags. Syntax errors (a tag without "=", a bad tag
 * name, a duplicate tag) go to notes as errors, naming what: "DKIM", "DMARC"...
 * Returns false when there was one; the tags read are kept either way.
 */
bool pol_tags_parse(const char *s, size_t len, const char *what, struct pol_tags *out,
	struct pol_notes *notes);
void pol_tags_finish(struct pol_tags *t);
/* The value of a tag (names compare case-sensitively, as RFC 6376 says), or NULL. */
const char *pol_tags_get(const struct pol_tags *t, const char *name);

/* Printable copy of record text for messages: control and non-ASCII bytes
 * as \xNN, cut at max bytes with "..." (max 0: no cut). Caller frees. */
char *pol_printable(const char *s, size_t len, size_t max);

/* ------------------------------------------------------------ DKIM */

struct dkim_key {
	struct pol_tags tags;
	char k[16];              /* key type tag: "rsa" (the default), "ed25519" */
	char key_type[24];       /* what the key data is: "RSA", "Ed25519"; "" unknown */
	int bits;                /* key size; 0 unknown */
	bool revoked;            /* p= empty (RFC 6376 3.6.1) */
	bool testing;            /* t=y */
	bool strict;             /* t=s: i= must not be a subdomain of d= */
	bool valid;              /* usable: no error */
	unsigned char *key;      /* decoded p= */
	size_t keylen;
	struct pol_notes notes;
};

/* Parse a key record (the TXT strings concatenated). False when it is not a
 * usable key (the reasons are error notes). */
bool dkim_parse(const char *txt, size_t len, struct dkim_key *out);
void dkim_key_finish(struct dkim_key *k);
/* What a tag of a key record means, e.g. for "k": "key type". */
const char *dkim_tag_meaning(const char *tag);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * DMARC (RFC 7489, and RFC 9989 where they differ): the record parsed and
 * every tag explained (pure), policy discovery by the RFC 9989 DNS tree walk
 * (no Public Suffix List: the walk replaces it), all the walk's names queried
 * at once, and the external report destination check (RFC 7489 7.1).
 */
#ifndef SMTPSH_DMARC_H
#define SMTPSH_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim.h"
#include "dns.h"

#define DMARC_WALK_MAX 8   /* names one walk queries at most (RFC 9989 4.10) */

struct dmarc_record {
	struct pol_tags tags;
	char p[16], sp[16], np[16];   /* effective policies ("" when p is missing or bad) */
	char adkim, aspf;             /* 'r' or 's' */
	int pct;                      /* 0..100 */
	bool testing;                 /* t=y */
	char psd;                     /* 'y', 'n' or 'u' */
	bool valid;                   /* no error */
	struct pol_notes notes;
};

/* "v=DMARC1" first, then ";", blanks or the end. */
bool dmarc_is_record(const char *txt, size_t len);
bool dmarc_parse(const char *txt, size_t len, struct dmarc_record *out);
void dmarc_record_finish(struct dmarc_record *r);
/* What tag=value means, in a sentence, into buf. */
const char *dmarc_explain(const char *tag, const char *value, char *buf, size_t len);

/* Check a rua or ruf list: notes for problems; the domains of mailto:
 * addresses go to hosts (up to max). */
void dmarc_uris_check(const char *tag, const char *list, struct pol_notes *notes,
	char (*hosts)[256], size_t max, size_t *nhosts);

/* The names the RFC 9989 tree walk looks at for domain, most specific
 * first: the domain, then one label less each time (at most 7 labels after
 * the first step), down to the top-level label. Returns how many. */
size_t dmarc_walk(const char *domain, char (*names)[256], size_t max);

/* Every name of the walk queried concurrently (_dmarc.NAME TXT). */
struct dmarc_lookup {
	char names[DMARC_WALK_MAX][256];        /* the walk: domains, not _dmarc names */
	struct dns_answer ans[DMARC_WALK_MAX];
	bool answered[DMARC_WALK_MAX];
	size_t n;
};
bool dmarc_lookup_start(struct dmarc_lookup *l, struct dns *d, const char *domain, struct err *e);
void dmarc_lookup_finish(struct dmarc_lookup *l);

/* After dns_run: the first name of the walk with exactly one record. */
struct dmarc_found {
	int index;           /* into names; -1 none found */
	const char *txt;     /* the record (owned by the lookup) */
	size_t len;
	enum dns_sec sec;
	int duplicates;      /* names skipped because they hold several records */
	bool temperror;      /* a name before the one found gave no answer */
	char error[240];     /* the first problem met on the way */
};
void dmarc_lookup_result(const struct dmarc_lookup *l, struct dmarc_found *f);

#endif

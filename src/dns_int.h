/* SPDX-License-Identifier: MIT */
/* Internals of the dns module shared by its files (dns*.c only: ldns is here). */
#ifndef SMTPSH_DNS_INT_H
#define SMTPSH_DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "dns.h"

#define DNS_MAX_SERVERS 3
#define DNS_MAX_CHAIN 16

struct dns_server {
	struct sockaddr_storage ss;
	socklen_t len;
	char desc[64];
};

enum dns_qstate {
	DNS_Q_ACTIVE,      /* in d->active: sockets open, timers running */
	DNS_Q_JUDGED,      /* answered, held by its validation job */
	DNS_Q_DONE,        /* in d->done: the callback is due */
	DNS_Q_DEAD,        /* a finished sub-query in d->dead, freed after the loop */
};

enum dns_tcp_state {
	DNS_TCP_NONE, DNS_TCP_CONNECT, DNS_TCP_WRITE, DNS_TCP_READ_LEN, DNS_TCP_READ_BODY,
};

struct dns_val;

struct dns_query {
	struct dns_query *next;
	struct dns *d;
	enum dns_qstate state;
	dns_done_fn *cb;
	void *ctx;
	struct dns_val *feeds;     /* a validation sub-query: the job it fetches for */
	size_t slot;               /* ... and the fetch slot it fills */
	bool local;                /* judge the answer with the trust anchors */
	char *name;                /* absolute */
	ldns_rdf *qname;
	uint16_t type;
	bool cd;                   /* CD bit of the packet in flight */
	bool cd_pass;              /* the re-query with CD=1 after a SERVFAIL */
	struct dns_server srv[DNS_MAX_SERVERS];
	size_t nsrv;
	int timeout_ms;
	int64_t t_submit, retry_at, deadline;
	uint16_t id;
	uint8_t *wire;
	size_t wire_len;
	/* UDP: a socket per attempt; the retry goes to the next server, if any */
	int ufd[2];
	size_t usrv[2];
	bool ufailed[2];
	int nsent;
	char why[160];             /* the last socket error */
	/* TCP, after a truncated UDP answer */
	int tfd;
	size_t tsrv;
	enum dns_tcp_state tstate;
	int ttries;                /* TCP connections made (a busy server may close one) */
	uint8_t *tbuf;
	size_t tlen, toff;
	uint8_t tlenbuf[2];
	/* results */
	ldns_pkt *servfail;        /* the SERVFAIL kept across the CD re-query */
	ldns_pkt *trunc;           /* a truncated UDP answer, in case TCP fails */
	ldns_pkt *pkt;             /* the answer */
	size_t answered_by;
	bool via_tcp;
	struct dns_answer ans;
};

struct dns {
	char *server;              /* as given; NULL: resolv.conf */
	char *resolv_conf;
	char *anchor_file;
	int timeout_ms;
	bool ready;                /* srv[] known */
	struct dns_server srv[DNS_MAX_SERVERS];
	size_t nsrv;
	char desc[256];
	ldns_rr_list *anchors;
	struct dns_query *active, *done, *dead;
	uint8_t rbuf[65536];
};

/* dns_parse.c */

/* ldns_rdf2str, never NULL, for free(). */
char *dns_rdf_str(const ldns_rdf *rdf);
bool dns_same_name(const ldns_rdf *a, const ldns_rdf *b);
int dns_pkt_rcode(const ldns_pkt *pkt);
/* Records, flags and the CNAME chain of pkt as the answer to qname/qtype. */
void dns_answer_fill(struct dns_answer *a, ldns_pkt *pkt, const ldns_rdf *qname,
	uint16_t qtype);
/* "example.test" -> "example.test." as an ldns name; NULL when not a name. */
ldns_rdf *dns_name_rdf(const char *name, char **abs_out);

/* dns_engine.c */

struct dns_query *dns_q_new(struct dns *d, const char *name, uint16_t type, struct err *e);
/* (Re)start the query: a new packet and ID, fresh timers, the first UDP attempt. */
void dns_q_start(struct dns_query *q);
void dns_q_close_sockets(struct dns_query *q);
void dns_q_free(struct dns_query *q);
void dns_unlink(struct dns_query **head, struct dns_query *q);
/* Fill q->ans from pkt (may be NULL: no answer). */
void dns_q_build(struct dns_query *q, ldns_pkt *pkt, enum dns_sec sec, const char *why);
/* The answer is in q->ans: hand it to the callback at the next dns_process. */
void dns_q_deliver(struct dns_query *q);

/* dns_validate.c */

/* Judge the answer of q (taken, out of d->active) with the trust anchors; the
 * validation sends the queries it needs and delivers q when it is done. */
void dns_val_start(struct dns *d, struct dns_query *q);
/* A validation sub-query finished (q->pkt, or no answer: q->why). */
void dns_val_fed(struct dns_query *q);
void dns_val_free(struct dns_val *job);

/* dns_nsec.c: what the authority section of a packet proves */

/* Is there a zone cut at name? From the NSEC/NSEC3 of a (validated) DS denial. */
bool dns_val_is_cut(ldns_pkt *pkt, const ldns_rdf *name);
/* NODATA for name/qtype proven by one of the NSEC records in nsecs. */
bool dns_val_nsec_nodata(const ldns_rr_list *nsecs, const ldns_rdf *name, uint16_t qtype);
/* The wildcard expansion of owner (RRSIG labels) proven: no closer name exists. */
bool dns_val_wildcard_proven(ldns_pkt *pkt, const ldns_rdf *owner, uint8_t labels);
/* NS records but no SOA in the authority section. */
bool dns_val_is_referral(const ldns_pkt *pkt);

#endif

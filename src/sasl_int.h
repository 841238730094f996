/* SPDX-License-Identifier: MIT */
/*
 * Internals of the sasl module shared by its files (sasl*.c only): sasl.c
 * holds the state machine and the simple mechanisms, sasl_scram.c SCRAM,
 * sasl_buf.c the wiping buffer and the encodings both build messages with.
 */
#ifndef SMTPSH_SASL_INT_H
#define SMTPSH_SASL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "sasl.h"

#define SASL_SHA256_LEN 32

struct sasl {
	enum sasl_mech mech;
	char *user;             /* never NULL after create ("" when absent) */
	char *secret;
	char *authzid;          /* NULL when absent */
	char *host;             /* NULL when absent */
	unsigned port;
	unsigned steps;         /* 334 challenges answered */
	bool started;
	bool failed;
	bool oauth_error;       /* XOAUTH2/OAUTHBEARER: the server sent its error JSON */
	bool verified;          /* SCRAM: server signature checked */
	/* SCRAM */
	char *nonce;            /* client nonce */
	char *client_first_bare;
	unsigned char server_sig[SASL_SHA256_LEN];
};

/*
 * A growable buffer for material that may be secret: growing copies into a
 * fresh allocation and wipes the old one, so no stale copy is left behind
 * in freed memory (which realloc would do). Start it as { NULL, 0, 0 }.
 */
struct sasl_buf {
	char *p;
	size_t len, cap;
};

/* sasl_buf.c */

void sasl_buf_add(struct sasl_buf *b, const void *data, size_t n);
void sasl_buf_adds(struct sasl_buf *b, const char *s);
/* Append the base64 of data to b. */
void sasl_buf_add_b64(struct sasl_buf *b, const void *data, size_t len);
/* RFC 5802 saslname: ',' and '=' become =2C and =3D (also RFC 7628's gs2). */
void sasl_buf_add_saslname(struct sasl_buf *b, const char *s);
/* The GS2 header: "n,," or "n,a=<authzid>,". */
void sasl_buf_add_gs2_header(struct sasl_buf *b, const char *authzid);
/* Wipe and free the contents; the buffer is left empty. */
void sasl_buf_wipe(struct sasl_buf *b);
/* Hand over the contents (never NULL); the buffer is left empty. */
char *sasl_buf_steal(struct sasl_buf *b);
/* Wipe and free a string. Accepts NULL. */
void sasl_free_secret_str(char *p);

/* sasl_scram.c */

/* Build the client-first message into blob, making the nonce unless a test
 * set one, and keep its bare part for the proof. */
bool sasl_scram_client_first(struct sasl *s, struct sasl_buf *blob, struct err *e);
/* Answer the server-first message with the client-final message. */
bool sasl_scram_client_final(struct sasl *s, const char *msg, size_t len,
	struct sasl_buf *reply, struct err *e);
/* Check the server-final message: v= must be the server signature. */
bool sasl_scram_check_final(struct sasl *s, const char *msg, size_t len, struct err *e);

#endif

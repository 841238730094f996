/* SPDX-License-Identifier: MIT */
/*
 * The shell core: one live SMTP session (transport, reply parser, advisory
 * state) plus what the user sees of it, emitted as marked lines through a
 * callback. Front ends (cli.c interactive, script.c batch) drive it and
 * decide how lines reach the screen. Never prints, never exits.
 */
#ifndef SMTPSH_SHELL_H
#define SMTPSH_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "render.h"
#include "reply.h"
#include "session.h"
#include "target.h"
#include "transport.h"
#include "dns.h"
#include "transcript.h"

/* Outcome of running one input line; batch maps these to exit codes. */
enum shell_status {
	SHELL_OK = 0,
	SHELL_EXPECT,   /* an /expect failed */
	SHELL_USAGE,    /* bad local command or arguments */
	SHELL_CONN,     /* not connected, connection lost, no reply in time */
	SHELL_TLS,      /* handshake failed, verification failed when required, injection */
	SHELL_FAILED,   /* another local failure (a file, a setting) */
	SHELL_QUIT,     /* the user asked to leave */
	SHELL_INTERRUPTED, /* Ctrl-C stopped a wait or a transfer */
};

enum explain_mode { EXPLAIN_OFF, EXPLAIN_ERRORS, EXPLAIN_ALL };

struct shell_opts {
	int timeout_ms;                 /* connect and reply timeout */
	enum transport_family family;
	enum explain_mode explain;      /* plain-language line under replies */
	bool interactive;
	struct tlsc_opts tls;           /* handshake settings (CA, SNI, versions, client cert) */
	bool tls_verify;                /* a verification failure ends the session */
	bool implicit_tls;              /* --tls: handshake before the greeting */
	bool timing;                    /* show each reply's latency */
	bool complete_all;              /* complete every verb, not only the advertised ones */
	const char *ehlo_name;          /* defaults from the configuration file */
	const char *from;
	const char *to;
	bool keep_going;                /* batch: go on after a failure (/set on-error) */
	bool no_redact;                 /* show AUTH secrets in output and transcripts */
	const char *dns_server;         /* --dns-server; NULL: the system resolver */
	int dns_timeout_ms;
	const char *dns_anchor;         /* --dns-trust-anchor: validate locally */
	bool dane;                      /* --dane: verify TLS with DNSSEC-secure TLSA records */
	const char *const *dnsbl_zones; /* dnsbl-zones of the configuration for /bl; NULL: the
	                                   built-in zones */
	size_t ndnsbl_zones;
};

/* A script variable from -D NAME=VALUE (the environment is looked up too). */
struct shell_var {
	char *name;
	char *value;
};

typedef void shell_output_fn(void *ctx, enum render_kind kind, bool tls, int code,
	const char *text);

struct shell {
	struct shell_opts opts;
	struct session sess;
	struct transport *tr;
	struct target target;
	bool have_target;
	struct reply_parser parser;
	unsigned reply_anoms_shown;   /* anomaly kinds already reported for this reply */

	struct reply last;            /* last complete reply, for /expect */
	bool have_last;

	int awaiting;                 /* replies still expected */
	int abandoned;                /* replies no longer waited for (Ctrl-C, timeout) still to come */
	int64_t deadline;             /* when the awaited reply is overdue */
	bool lost;                    /* the connection went away while a reply was awaited */
	bool tls_fault;               /* injection seen, or a TLS failure to report as such */
	enum shell_status io_status;  /* a failure met while reading (TLS), for the waiter */

	shell_output_fn *out;
	void *out_ctx;
	/* The front end's history, for /history (NULL in batch mode). */
	void (*show_history)(struct shell *sh);
	/* Ask the user for a secret without echo; NULL in batch mode, which never
	 * prompts. Returns a malloc'd string or NULL when cancelled. */
	char *(*ask_secret)(struct shell *sh, const char *prompt);

	/* When each awaited reply's command was sent, oldest first, for latency. */
	int64_t sent_at[SESSION_MAX_PENDING];
	size_t nsent;
	int last_latency_ms;          /* of the last complete reply, -1 unknown */

	/* BDAT typed by hand: the octets of chunk data still to come, and the
	 * replies the BDAT command will get once they are sent. */
	long long bdat_left;
	int bdat_replies;

	/* /pipeline: lines queued until /pipeline end. */
	bool pipelining;
	char **queue;
	size_t nqueue;
	/* The queue ends inside message text (after a DATA, before its "."); set as
	 * each line is queued, meaningless while nqueue is 0, so code that empties the
	 * queue need not reset it. */
	bool queue_in_text;
	/* The text of each command awaiting its reply (for matching pipelined replies). */
	char *sent_line[SESSION_MAX_PENDING];
	bool show_answers;            /* name the command each reply answers */

	/* Envelope typed so far, for the quick test message. */
	char *env_from;
	char *env_to;

	struct dns *dns;              /* created at the first DNS question */

	/* --transcript: every line also goes there, with time and latency. */
	struct transcript *transcript;
	bool transcript_header_done;
	struct transcript_event *tx_early;  /* events before the connection, for after the header */
	size_t ntx_early;
	const char *options_desc;     /* options that change behaviour, for the header */

	/* Batch state. */
	struct shell_var *vars;
	size_t nvars;
	char failed_verb[16];         /* the verb whose reply failed an /expect */
	int batch_exit;               /* exit code of the first failure, 0 none */
	bool batch_stop;
	int source_depth;

	/* Mail DNS: the exchanges of the last /mx or mx: target (plain host names, for
	 * completion), and the hosts of an mx: connection in delivery order (/next-mx). */
	char **mx_hosts;
	size_t nmx_hosts;
	struct mx_route *mx_route;
};

/* Define (or redefine) a script variable. */
void shell_set_var(struct shell *sh, const char *name, const char *value);
const char *shell_get_var(const struct shell *sh, const char *name);

void shell_init(struct shell *sh, const struct shell_opts *opts, shell_output_fn *out, void *ctx);
void shell_finish(struct shell *sh);

/* Emit a line of a given kind; the text is shown as is (already safe). */
void shell_emit(struct shell *sh, enum render_kind kind, const char *fmt, ...) PRINTF(3, 4);
/* Emit bytes from elsewhere (server, files) after sanitising them. */
void shell_emit_raw(struct shell *sh, enum render_kind kind, int code, const char *s, size_t len);

/* Connect to t (closing any current connection) and wait for the greeting
 * to arrive through shell_io. */
enum shell_status shell_connect(struct shell *sh, const struct target *t);
/* Connected through mx:DOMAIN: close the connection and connect to the next MX host
 * of the list (/next-mx). */
enum shell_status shell_next_mx(struct shell *sh);
/* Close the connection (if any) with an event line saying why. */
void shell_close(struct shell *sh, const char *why);
bool shell_connected(const struct shell *sh);
/* The socket to poll, or -1. */
int shell_fd(const struct shell *sh);

/* Run one input line: a local command, an SMTP line, or message text in DATA. */
enum shell_status shell_exec_line(struct shell *sh, const char *line);
/* Send one SMTP line as typed, plus CRLF. */
enum shell_status shell_send_smtp(struct shell *sh, const char *line);
/* Send a line that holds a secret, showing display instead of it. */
enum shell_status shell_send_secret(struct shell *sh, const char *line, const char *display);
/* Send several lines in one write (PIPELINING); each is tracked as if typed. */
enum shell_status shell_send_group(struct shell *sh, char **lines, size_t n);
/* Message text is being typed: DATA mode, or queued after DATA in /pipeline. */
bool shell_in_text(const struct shell *sh);
/* shell_exec_line() would put line in the /pipeline queue rather than run it now. */
bool shell_queues_line(const struct shell *sh, const char *line);
/* Lines of chunk data are expected after a BDAT typed by hand. */
bool shell_in_chunk(const struct shell *sh);

/* The socket is readable: read, parse and emit what arrived. Returns
 * SHELL_CONN when the connection was lost while a reply was awaited. */
enum shell_status shell_io(struct shell *sh);

/* Milliseconds until the awaited reply is overdue, -1 when none is awaited. */
int shell_timeout_left(const struct shell *sh);
/* Call when shell_timeout_left() reached 0: reports and stops waiting. */
enum shell_status shell_timed_out(struct shell *sh);
/* Stop waiting for replies (Ctrl-C); the session stays open. */
void shell_cancel_wait(struct shell *sh);
bool shell_busy(const struct shell *sh);
bool shell_in_data(const struct shell *sh);

/* Block until every awaited reply arrived, the timeout passed or the
 * connection dropped (batch mode). */
enum shell_status shell_wait(struct shell *sh);
/* Read whatever already arrived without waiting (batch, between lines). */
enum shell_status shell_poll_now(struct shell *sh);

/* True when a line typed now may hold a secret (AUTH, an answer to 334):
 * it must not reach the history file. */
bool shell_line_sensitive(const struct shell *sh, const char *line);

/* "mx1.example.test ready" style state for the prompt; NULL host when closed. */
const char *shell_prompt_host(const struct shell *sh);
const char *shell_prompt_state(const struct shell *sh, char *buf, unsigned len);

#endif

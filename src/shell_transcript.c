/* SPDX-License-Identifier: MIT */
/* The session transcript in the shell core. */
#include "shell_transcript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "version.h"

/* Events before the connection wait for the header; past this many the
 * header is written without the addresses rather than holding more. */
#define EARLY_MAX 64

static void early_clear(struct shell *sh)
{
	size_t i;

	for (i = 0; i < sh->ntx_early; i++) {
		free((char *)sh->tx_early[i].text);
		free((char *)sh->tx_early[i].esc);
	}
	free(sh->tx_early);
	sh->tx_early = NULL;
	sh->ntx_early = 0;
}

static void report_write_error(struct shell *sh, const struct err *e)
{
	struct transcript *t = sh->transcript;

	/* Stop recording first: the message below must not try to write again. */
	sh->transcript = NULL;
	shell_emit(sh, RENDER_ERROR, "transcript %s: %s; recording stopped", transcript_path(t), e->msg);
	transcript_close(t);
	early_clear(sh);
}

static void write_header(struct shell *sh)
{
	struct transcript_header h;
	struct err e;
	char target[300];
	size_t i;

	memset(&h, 0, sizeof(h));
	err_clear(&e);
	h.version = SMTPSH_VERSION;
	if (sh->have_target)
		h.target = target_spec(&sh->target, target, sizeof(target));
	if (sh->tr && sh->target.kind != TARGET_UNIX) {
		h.local_addr = transport_local_addr(sh->tr);
		h.local_port = transport_local_port(sh->tr);
		h.remote_addr = transport_peer_addr(sh->tr);
		h.remote_port = transport_peer_port(sh->tr);
	}
	h.options = sh->options_desc;
	sh->transcript_header_done = true;
	if (!transcript_header(sh->transcript, &h, &e)) {
		report_write_error(sh, &e);
		return;
	}
	for (i = 0; i < sh->ntx_early; i++) {
		if (!transcript_write(sh->transcript, &sh->tx_early[i], &e)) {
			report_write_error(sh, &e);
			return;
		}
	}
	early_clear(sh);
}

bool shell_transcript_open(struct shell *sh, const char *path, enum transcript_format fmt,
	struct err *e)
{
	struct transcript *t = transcript_open(path, fmt, e);

	if (!t)
		return false;
	shell_transcript_close(sh);
	sh->transcript = t;
	sh->transcript_header_done = false;
	if (sh->tr)
		write_header(sh);
	return true;
}

void shell_transcript_close(struct shell *sh)
{
	if (!sh->transcript)
		return;
	/* A transcript that never saw a connection still gets its header. */
	if (!sh->transcript_header_done)
		write_header(sh);
	transcript_close(sh->transcript);
	sh->transcript = NULL;
	early_clear(sh);
}

void shell_transcript_event(struct shell *sh, const struct transcript_event *ev)
{
	struct err e;

	if (!sh->transcript)
		return;
	err_clear(&e);
	if (!sh->transcript_header_done) {
		if (sh->ntx_early < EARLY_MAX) {
			struct transcript_event *c;

			sh->tx_early = xrealloc(sh->tx_early, sizeof(*sh->tx_early) * (sh->ntx_early + 1));
			c = &sh->tx_early[sh->ntx_early++];
			*c = *ev;
			c->text = xstrdup(ev->text ? ev->text : "");
			c->esc = xstrdup(ev->esc ? ev->esc : "");
			return;
		}
		write_header(sh);
		if (!sh->transcript)
			return;
	}
	if (!transcript_write(sh->transcript, ev, &e))
		report_write_error(sh, &e);
}

void shell_transcript_connected(struct shell *sh)
{
	if (sh->transcript && !sh->transcript_header_done)
		write_header(sh);
}

/* SPDX-License-Identifier: MIT */
/*
 * Internals of the config module shared by its files (config*.c only):
 * config.c finds, reads and parses the file; config_settings.c holds the
 * table of settings and the check of each value.
 */
#ifndef SMTPSH_CONFIG_INT_H
#define SMTPSH_CONFIG_INT_H

#include <stddef.h>

#include "config.h"

struct choice;
struct config_setting;

/*
 * Apply a value (trimmed, unquoted, free of control bytes other than TAB,
 * non-empty unless CONFIG_SET_EMPTY_OK). Returns NULL when applied, else a
 * malloc'd reason; nothing changes then.
 */
typedef char *config_setter_fn(struct config *c, const struct config_setting *s,
	const char *v);

enum {
	CONFIG_SET_EMPTY_OK = 1 << 0,      /* an empty value means "none" */
	CONFIG_SET_NULL_SENDER = 1 << 1,   /* "<>" is allowed and stored as "" */
};

struct config_setting {
	const char *name;
	const char *syntax;
	config_setter_fn *set;
	size_t offset;              /* of the field in struct config */
	const struct choice *choices;
	unsigned flags;
	const char *help;
};

/* config_settings.c */

/* The setting called name (exactly), or NULL. */
const struct config_setting *config_setting_find(const char *name);
/* A value as it may appear in a message: control and non-ASCII bytes
 * escaped, cut after 60 bytes. Caller frees. */
char *config_show_dup(const char *s, size_t len);

#endif

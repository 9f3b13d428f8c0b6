/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCTL_H
#define SEALCTL_H

#include <stddef.h>
#include <stdio.h>

/* Commands of sealctl that live outside main.c.  Each returns the exit status. */

int cmd_search(int argc, char **argv);        /* search.c */
int cmd_tail(int argc, char **argv);          /* search.c */
int cmd_export(int argc, char **argv);        /* search.c */
int cmd_rebuild_index(int argc, char **argv); /* search.c */

struct sc_keyring;

/*
 * --decrypt-key FILE of command @p cmd (repeatable): load the key into
 * *kr, made on first use (free it with sc_keyring_free).  @return 0, or -1
 * after saying why on stderr.  main.c.
 */
int add_decrypt_key(struct sc_keyring **kr, const char *path, const char *cmd);

/*
 * @p n bytes of UTF-8 text (sc_text_render's SC_TEXT_UTF8) as a JSON
 * string, quotes included: '"' and '\\' escaped, control characters as
 * \u00XX.  What search and cat print as a record's text.  search.c.
 */
void put_json_str(FILE *o, const char *p, size_t n);

/* Usage lines of those commands, for sealctl's help. */
extern const char sealctl_search_usage[];

#endif

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCTL_H
#define SEALCTL_H

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

/* Usage lines of those commands, for sealctl's help. */
extern const char sealctl_search_usage[];

#endif

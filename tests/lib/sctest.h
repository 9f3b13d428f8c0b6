/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_SCTEST_H
#define SEALCAP_SCTEST_H

/*
 * Helpers shared by the Criterion suites: a private temporary directory
 * per test, its removal, and whole-file reads.  Failures abort the test
 * with a message (cr_assert), so callers need no error paths.
 */

#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>

/* Make a fresh directory $TMPDIR/sc-TAG-XXXXXX (or /tmp/...) into buf. */
void sct_tmpdir(char *buf, size_t len, const char *tag);
/* Remove a directory tree; a NULL or empty path is ignored. */
void sct_rmtree(const char *dir);
/* Read a whole file; NUL-terminated; *len (if not NULL) gets its size. */
char *sct_slurp(const char *path, size_t *len);
/*
 * Read a file another process may still be writing: a missing file reads
 * as "", and a file that shrinks or grows meanwhile gives what was there.
 */
char *sct_slurp_live(const char *path);

/*
 * Start argv (argv[0] a path) with stdout and stderr to the given files
 * and stdin from /dev/null.  The child dies with the test process
 * (PR_SET_PDEATHSIG) and is remembered for sct_kill_children().
 */
int sct_spawn(const char *const *argv, const char *outfile, const char *errfile);
/*
 * sct_spawn() inside network namespace @p ns (/run/netns/NS; NULL: this
 * one).  @p errfile may name @p outfile: both streams then share it.
 */
int sct_spawn_ns(const char *ns, const char *const *argv, const char *outfile,
		 const char *errfile);
/* Run fn(arg) in a child (in namespace @p ns unless NULL) that exits with its result; remembered. */
int sct_fork_ns(const char *ns, int (*fn)(void *), void *arg);
/* Wait up to @p ms for @p pid.  @return 1 (status in *st) when it exited, else 0. */
int sct_wait(int pid, int *st, unsigned ms);
/* SIGKILL and reap every child sct_spawn started that is still running. */
void sct_kill_children(void);
/* Monotonic milliseconds; sleep @p ms. */
int64_t sct_mono_ms(void);
void sct_sleep_ms(unsigned ms);

/*
 * Call @p fn for every record of the store at @p dir, in store order
 * (engine events included: check SC_REC_EVENT).  Asserts the store reads
 * whole.  @return blocks read.
 */
uint64_t sct_store_foreach(const char *dir, sc_record_fn fn, void *arg);

#endif

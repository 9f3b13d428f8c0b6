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

#endif

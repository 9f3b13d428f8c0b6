/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_TESTS_FUZZ_H
#define SC_TESTS_FUZZ_H

/*
 * One harness source, two builds:
 * - with -DSC_LIBFUZZER (clang -fsanitize=fuzzer): FUZZ_TARGET(name) is
 *   libFuzzer's entry point, one program per harness (meson suite "fuzz");
 * - without: it is sc_fuzz_<name>(), which tests/fuzz/replay.c calls on every
 *   seed and every saved crash input in the normal and sanitizer builds of
 *   the Criterion suites, so a crash once found stays a test.
 * A harness aborts (FZ_CHECK) when an invariant of the code under test
 * breaks, not only on memory errors: those are findings too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef SC_LIBFUZZER
#define FUZZ_TARGET(name)                                                  \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);      \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                            \
	int sc_fuzz_##name(const uint8_t *data, size_t size);        \
	int sc_fuzz_##name(const uint8_t *data, size_t size)
#endif

#define FZ_CHECK(cond)                                                                 \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

/*
 * A scratch copy of the golden store tests/data/golden/store-v3 (store.json,
 * keys, leaves, checkpoints, one segment), made once per process under
 * $TMPDIR (tmpfs when /dev/shm exists) and removed at exit.  @return its path.
 */
const char *fz_store(void);
/* Replace @p path (relative to the store) with @p len bytes.  Aborts on I/O errors. */
void fz_put(const char *rel, const void *p, size_t len);
/* Read a file of the golden store (malloc; *len set).  Aborts when missing. */
uint8_t *fz_golden(const char *rel, size_t *len);

/*
 * A keyring holding the golden encryption key (tests/data/golden/
 * golden-enc.key, published, protects nothing), loaded from an owner-only
 * copy in the scratch store (the loader refuses git's 0644).
 */
struct sc_keyring *fz_golden_keys(void);

#endif

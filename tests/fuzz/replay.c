/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Every fuzz harness (tests/fuzz/fuzz_*.c) run on its seed corpus
 * (tests/fuzz/seeds/NAME/) and on every input a fuzzer ever crashed it
 * with (tests/fuzz/regress/NAME/, one file per finding, named after what it
 * found).  Built with gcc in the normal and the sanitizer builds, so the
 * findings stay fixed without clang or libFuzzer.  A harness aborts when the
 * code under test misbehaves; each file runs in this process, in order, and
 * the file is named on the way.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fuzz.h"

#define HARNESSES(X) X(syslog) X(framer) X(net) X(text) X(block) X(store) X(index) X(checkpoint) X(proof)
#define DECLARE(n) int sc_fuzz_##n(const uint8_t *data, size_t size);
HARNESSES(DECLARE)

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Run @p fn on each file of SC_FUZZ_DIR/@p kind/@p name.  @return files run. */
static size_t
replay_dir(const char *kind, const char *name, int (*fn)(const uint8_t *, size_t))
{
	char dir[512], path[1024];
	struct dirent **ents;
	size_t runs = 0;
	int n;

	snprintf(dir, sizeof(dir), "%s/%s/%s", SC_FUZZ_DIR, kind, name);
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		FILE *f;
		uint8_t *buf;
		long len;

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		f = fopen(path, "rb");
		cr_assert(f != NULL, "%s: cannot open", path);
		cr_assert(fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0);
		rewind(f);
		buf = malloc((size_t)len + 1);
		cr_assert(buf != NULL);
		cr_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
		fclose(f);
		cr_log_info("%s", path);
		cr_assert_eq(fn(buf, (size_t)len), 0, "%s", path);
		free(buf);
		free(ents[i]);
		runs++;
	}
	free(ents);
	return runs;
}

#ifdef __SANITIZE_ADDRESS__
/*
 * As libFuzzer's -malloc_limit_mb: an allocation over 1 GiB fails (NULL)
 * instead of succeeding on overcommit, so an input that once made the code
 * allocate what a forged length said fails its harness again here.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "max_allocation_size_mb=1024:allocator_may_return_null=1";
}
#endif

TestSuite(fuzz, .timeout = 600);

#define REPLAY(n)                                                                      \
	Test(fuzz, n)                                                                  \
	{                                                                              \
		size_t seeds = replay_dir("seeds", #n, sc_fuzz_##n);                   \
		replay_dir("regress", #n, sc_fuzz_##n);                                \
		cr_expect_gt(seeds, 0, "no seed corpus in %s/seeds/%s", SC_FUZZ_DIR, #n); \
	}
HARNESSES(REPLAY)

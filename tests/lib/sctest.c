/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "sctest.h"

void
sct_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, len, "%s/sc-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	cr_assert(mkdtemp(buf) != NULL, "mkdtemp %s: %s", buf, strerror(errno));
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

void
sct_rmtree(const char *dir)
{
	if (dir != NULL && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
sct_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	cr_assert(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0, "%s: cannot size", path);
	rewind(f);
	p = malloc((size_t)n + 1);
	cr_assert(p != NULL);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n, "%s: short read", path);
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

char *
sct_slurp_live(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc(n > 0 ? (size_t)n + 1 : 1);
	cr_assert(p != NULL);
	n = n > 0 ? (long)fread(p, 1, (size_t)n, f) : 0;
	p[n] = '\0';
	fclose(f);
	return p;
}

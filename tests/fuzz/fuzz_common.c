/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealcap/crypt.h>

#include "fuzz.h"

static char store_dir[256];

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
rm_store(void)
{
	if (store_dir[0] != '\0')
		nftw(store_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *
fz_golden(const char *rel, size_t *len)
{
	char path[512];
	uint8_t *p;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/golden/store-v3/%s", SC_TEST_DATA, rel);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		abort();
	}
	p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return p;
}

void
fz_put(const char *rel, const void *p, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fz_store(), rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (len > 0 && write(fd, p, len) != (ssize_t)len) || close(fd) != 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		abort();
	}
}

static void
copy(const char *rel)
{
	size_t len;
	uint8_t *p = fz_golden(rel, &len);

	fz_put(rel, p, len);
	free(p);
}

const char *
fz_store(void)
{
	static const char *const dirs[] = { "", "/segments", "/keys", "/index" };
	const char *tmp = getenv("TMPDIR");
	char path[300];

	if (store_dir[0] != '\0')
		return store_dir;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(store_dir, sizeof(store_dir), "%s/sealcap-fuzz.XXXXXX", tmp);
	if (mkdtemp(store_dir) == NULL)
		abort();
	atexit(rm_store);
	for (size_t i = 1; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", store_dir, dirs[i]);
		if (mkdir(path, 0700) != 0)
			abort();
	}
	copy("store.json");
	copy("leaves");
	copy("checkpoints");
	copy("keys/epochs-2882602485ce3db2.pub");
	copy("segments/00000001.seg");
	return store_dir;
}

struct sc_keyring *
fz_golden_keys(void)
{
	char err[256], path[512];
	struct sc_keyring *k = sc_keyring_new();
	uint8_t *p;
	size_t len;

	p = fz_golden("../golden-enc.key", &len);
	fz_put("enc.key", p, len);
	free(p);
	snprintf(path, sizeof(path), "%s/enc.key", fz_store());
	if (k == NULL || sc_keyring_add_file(k, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, k ? err : "out of memory");
		abort();
	}
	return k;
}

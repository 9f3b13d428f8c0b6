/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Forward-secure signing keys (sealcap/keys.h): what keygen writes and with
 * which modes, that the published epoch keys are the ones the seed chain
 * derives, that the engine's key file refuses loose modes, and that after
 * an epoch change no file in the key directory holds the old seed, in any
 * encoding, nor the old epoch's private key.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sctest.h"

#include <sealcap/checkpoint.h>
#include <sealcap/keys.h>

static char tmp[256], kdir[300], skey[340];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "keys");
	snprintf(kdir, sizeof(kdir), "%s/k", tmp);
	snprintf(skey, sizeof(skey), "%s/sign.key", kdir);
}

static void
teardown(void)
{
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(keys, .init = setup, .fini = teardown, .timeout = 120);

static void
keygen(uint32_t epochs, uint32_t secs, int64_t start, char *vkey)
{
	struct sc_keygen_opts o = { .dir = kdir, .origin = "hosp/ward-7", .epochs = epochs,
				    .epoch_seconds = secs, .start = start };
	char err[512];

	cr_assert_eq(sc_keygen(&o, vkey, err, sizeof(err)), 0, "keygen: %s", err);
}

static mode_t
mode_of(const char *name)
{
	char p[400];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", kdir, name);
	cr_assert_eq(stat(p, &st), 0, "%s", p);
	return st.st_mode & 07777;
}

static struct sc_epoch_cert *
load_cert(void)
{
	char p[400], err[512], *t;
	size_t len;
	struct sc_epoch_cert *c;

	snprintf(p, sizeof(p), "%s/epochs.pub", kdir);
	t = sct_slurp(p, &len);
	c = sc_epoch_cert_parse(t, len, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	free(t);
	return c;
}

static void
read_seed(uint8_t seed[32], uint64_t *index)
{
	size_t len;
	uint8_t *b = (uint8_t *)sct_slurp(skey, &len);

	cr_assert_eq(len, SC_SIGNKEY_LEN);
	memcpy(seed, b + 72, 32);
	if (index) {
		*index = 0;
		for (int i = 7; i >= 0; i--)
			*index = *index << 8 | b[16 + i];
	}
	free(b);
}

Test(keys, keygen_writes_four_files_with_their_modes)
{
	char vkey[SC_VKEY_MAX], p[400], *pub;
	struct sc_epoch_cert *c;
	struct stat st;
	struct sc_vkey mk;

	keygen(24, 60, 1800000000, vkey);
	cr_assert_eq(stat(kdir, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700, "key directory %o", st.st_mode & 07777);
	cr_expect_eq(mode_of("master.key"), 0600);
	cr_expect_eq(mode_of("sign.key"), 0600);
	cr_expect_eq(mode_of("epochs.pub"), 0640);
	cr_expect_eq(mode_of("master.pub"), 0640);
	snprintf(p, sizeof(p), "%s/master.pub", kdir);
	pub = sct_slurp(p, NULL);
	cr_expect(strncmp(pub, vkey, strlen(vkey)) == 0 && pub[strlen(vkey)] == '\n', "%s", pub);
	free(pub);
	cr_assert_eq(sc_vkey_parse(vkey, strlen(vkey), &mk), 0);
	cr_expect_str_eq(mk.name, "hosp/ward-7/master");
	c = load_cert();
	cr_expect_str_eq(c->origin, "hosp/ward-7");
	cr_expect_eq(c->epochs, 24);
	cr_expect_eq(c->seconds, 60);
	cr_expect_eq(c->start, 1800000000);
	cr_expect(memcmp(c->master.pub, mk.pub, 32) == 0);
	cr_expect_eq(sc_epoch_at(c, 1800000000 - 1), -1);
	cr_expect_eq(sc_epoch_at(c, 1800000000 + 61), 1);
	cr_expect_eq(sc_epoch_cert_index(c, "hosp/ward-7/e23"), 23);
	cr_expect_eq(sc_epoch_cert_index(c, "hosp/ward-7/e24"), -1);
	cr_expect_eq(sc_epoch_cert_index(c, "hosp/ward-7/e05"), -1);
	cr_expect_eq(sc_epoch_cert_index(c, "hosp/ward-8/e5"), -1);
	/* master.key is a standard PKCS#8 Ed25519 key of the master's public key. */
	{
		FILE *f;
		EVP_PKEY *pk;
		uint8_t pubk[32];
		size_t pl = 32;

		snprintf(p, sizeof(p), "%s/master.key", kdir);
		f = fopen(p, "r");
		cr_assert_not_null(f);
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		cr_assert_not_null(pk);
		cr_assert_eq(EVP_PKEY_get_raw_public_key(pk, pubk, &pl), 1);
		cr_expect(memcmp(pubk, mk.pub, 32) == 0);
		EVP_PKEY_free(pk);
	}
	sc_epoch_cert_free(c);
	/* Never over existing keys. */
	{
		struct sc_keygen_opts o = { .dir = kdir };
		char err[512];

		cr_expect_eq(sc_keygen(&o, vkey, err, sizeof(err)), -EEXIST);
		cr_expect(strstr(err, "already exists") != NULL, "%s", err);
	}
}

/* Every published key is the one seed_i derives, and seed_{i+1} follows. */
Test(keys, published_epoch_keys_follow_the_seed_chain)
{
	char vkey[SC_VKEY_MAX];
	struct sc_epoch_cert *c;
	uint8_t seed[32], k[32];

	keygen(40, 60, 0, vkey);
	c = load_cert();
	read_seed(seed, NULL);
	for (uint32_t i = 0; i < c->epochs; i++) {
		char name[64];
		struct sc_signer *s;

		cr_assert_eq(sc_epoch_key_seed(seed, k), 0);
		snprintf(name, sizeof(name), "hosp/ward-7/e%u", i);
		s = sc_signer_new(name, k);
		cr_assert_not_null(s);
		cr_expect(memcmp(sc_signer_vkey(s)->pub, c->keys[i].pub, 32) == 0, "epoch %u", i);
		cr_expect(i == 0 || memcmp(c->keys[i].pub, c->keys[i - 1].pub, 32) != 0,
			  "epochs %u and %u share a key", i - 1, i);
		sc_signer_free(s);
		sc_epoch_seed_next(seed, seed);
	}
	sc_epoch_cert_free(c);
}

Test(keys, sign_key_with_loose_mode_or_a_link_is_refused)
{
	char vkey[SC_VKEY_MAX], err[512], link[400];
	struct sc_sign_key *k;

	keygen(4, 60, 0, vkey);
	cr_assert_eq(chmod(skey, 0644), 0);
	k = sc_sign_key_open(skey, err, sizeof(err));
	cr_expect_null(k);
	cr_expect(strstr(err, "mode 0644") != NULL && strstr(err, "must be 0600") != NULL, "%s", err);
	cr_assert_eq(chmod(skey, 0640), 0);
	cr_expect_null(sc_sign_key_open(skey, err, sizeof(err)));
	cr_assert_eq(chmod(skey, 0400), 0);
	cr_expect_null(sc_sign_key_open(skey, err, sizeof(err)));
	cr_expect(strstr(err, "0400") != NULL, "%s", err);
	cr_assert_eq(chmod(skey, 0600), 0);
	snprintf(link, sizeof(link), "%s/link.key", tmp);
	cr_assert_eq(symlink(skey, link), 0);
	cr_expect_null(sc_sign_key_open(link, err, sizeof(err)), "a symlink is not the file itself");
	snprintf(link, sizeof(link), "%s", kdir);
	cr_expect_null(sc_sign_key_open(link, err, sizeof(err)), "a directory");
	k = sc_sign_key_open(skey, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_expect_null(sc_sign_key_open(skey, err, sizeof(err)), "one engine per key");
	cr_expect(strstr(err, "in use") != NULL, "%s", err);
	sc_sign_key_close(k);
}

Test(keys, damaged_key_or_foreign_certificate_is_refused)
{
	char vkey[SC_VKEY_MAX], err[512], p[400], other[400];
	int fd;
	uint8_t c;

	keygen(4, 60, 0, vkey);
	fd = open(skey, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, &c, 1, 80), 1);
	c ^= 1;
	cr_assert_eq(pwrite(fd, &c, 1, 80), 1);
	cr_expect_null(sc_sign_key_open(skey, err, sizeof(err)));
	cr_expect(strstr(err, "damaged") != NULL, "%s", err);
	c ^= 1;
	cr_assert_eq(pwrite(fd, &c, 1, 80), 1);
	close(fd);
	/* epochs.pub of another keygen run next to this sign.key. */
	snprintf(other, sizeof(other), "%s/k2", tmp);
	{
		struct sc_keygen_opts o = { .dir = other, .origin = "hosp/ward-7", .epochs = 4,
					    .epoch_seconds = 60 };

		cr_assert_eq(sc_keygen(&o, vkey, err, sizeof(err)), 0);
	}
	snprintf(p, sizeof(p), "%s/epochs.pub", kdir);
	snprintf(other, sizeof(other), "%s/k2/epochs.pub", tmp);
	cr_assert_eq(rename(other, p), 0);
	cr_expect_null(sc_sign_key_open(skey, err, sizeof(err)));
	cr_expect(strstr(err, "does not belong") != NULL, "%s", err);
}

Test(keys, edited_certificate_fails_its_master_signature)
{
	char vkey[SC_VKEY_MAX], p[400], err[512], *t, *e;
	size_t len;

	keygen(6, 60, 0, vkey);
	snprintf(p, sizeof(p), "%s/epochs.pub", kdir);
	t = sct_slurp(p, &len);
	/* Epoch 3's key under epoch 2's name. */
	e = strstr(t, "hosp/ward-7/e3+");
	cr_assert_not_null(e);
	e[13] = '2';
	cr_expect_null(sc_epoch_cert_parse(t, len, err, sizeof(err)));
	e[13] = '3';
	{
		struct sc_epoch_cert *c = sc_epoch_cert_parse(t, len, err, sizeof(err));

		cr_assert_not_null(c, "restored: %s", err);
		sc_epoch_cert_free(c);
	}
	e = strstr(t, "\nseconds 60\n");
	cr_assert_not_null(e);
	e[10] = '1';  /* seconds 61: well-formed, but not what the master signed */
	cr_expect_null(sc_epoch_cert_parse(t, len, err, sizeof(err)));
	cr_expect(strstr(err, "not signed by its master") != NULL, "%s", err);
	free(t);
}

/* Does any file under @p dir contain @p needle? (names the file) */
static bool
dir_contains(const char *dir, const void *needle, size_t nlen, char *which, size_t wlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	cr_assert_not_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		char p[600];
		size_t len;
		char *b;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		cr_assert_eq(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			found = dir_contains(p, needle, nlen, which, wlen);
			continue;
		}
		b = sct_slurp(p, &len);
		if (memmem(b, len, needle, nlen) != NULL) {
			found = true;
			snprintf(which, wlen, "%s", p);
		}
		free(b);
	}
	closedir(d);
	return found;
}

/* Every encoding of @p secret a careless program might write: raw, hex, base64. */
static void
expect_gone(const uint8_t secret[32], const char *what)
{
	char hex[65], HEX[65], b64[64], which[600];

	for (int i = 0; i < 32; i++) {
		snprintf(hex + 2 * i, 3, "%02x", secret[i]);
		snprintf(HEX + 2 * i, 3, "%02X", secret[i]);
	}
	EVP_EncodeBlock((unsigned char *)b64, secret, 32);
	cr_expect(!dir_contains(kdir, secret, 32, which, sizeof(which)), "%s raw in %s", what, which);
	cr_expect(!dir_contains(kdir, hex, 64, which, sizeof(which)), "%s hex in %s", what, which);
	cr_expect(!dir_contains(kdir, HEX, 64, which, sizeof(which)), "%s HEX in %s", what, which);
	cr_expect(!dir_contains(kdir, b64, 43, which, sizeof(which)), "%s base64 in %s", what, which);
	/* A prefix, in case of a partial copy. */
	cr_expect(!dir_contains(kdir, secret, 12, which, sizeof(which)), "%s (12 bytes) in %s", what, which);
}

Test(keys, after_an_epoch_change_the_old_seed_is_nowhere_in_the_key_directory)
{
	char vkey[SC_VKEY_MAX], err[512];
	uint8_t seed0[32], key0[32], seed1[32], now[32];
	struct sc_sign_key *k;
	struct sc_signer *s;
	uint64_t idx;
	uint8_t sig[64];

	keygen(8, 60, 0, vkey);
	read_seed(seed0, &idx);
	cr_assert_eq(idx, 0);
	cr_assert_eq(sc_epoch_key_seed(seed0, key0), 0);
	k = sc_sign_key_open(skey, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	s = sc_sign_key_signer(k);
	cr_assert_not_null(s);
	cr_assert_eq(sc_signer_sign(s, "x", 1, sig), 0);
	cr_assert_eq(sc_sign_key_advance(k, 1), 0);
	cr_expect_eq(sc_sign_key_epoch(k), 1);
	read_seed(now, &idx);
	cr_expect_eq(idx, 1);
	sc_epoch_seed_next(seed0, seed1);
	cr_expect(memcmp(now, seed1, 32) == 0, "sign.key holds seed_1");
	expect_gone(seed0, "seed of epoch 0");
	expect_gone(key0, "private key of epoch 0");
	cr_expect_str_eq(sc_signer_vkey(sc_sign_key_signer(k))->name, "hosp/ward-7/e1");

	/* Several epochs at once (an engine that was down), then past the end. */
	cr_assert_eq(sc_sign_key_advance(k, 5), 0);
	expect_gone(seed1, "seed of epoch 1");
	cr_expect_eq(sc_sign_key_advance(k, 3), -EINVAL, "never backwards");
	cr_assert_eq(sc_sign_key_advance(k, 8), 0);
	cr_expect_null(sc_sign_key_signer(k), "exhausted after the last epoch");
	sc_sign_key_close(k);
	/* The file stays as advanced, across a reopen. */
	k = sc_sign_key_open(skey, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_expect_eq(sc_sign_key_epoch(k), 8);
	cr_expect_null(sc_sign_key_signer(k));
	sc_sign_key_close(k);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * make_golden: write the golden files of tests/data/golden/ from the fixed
 * inputs in golden_fixture.h, with the current engine code.
 *
 *     make_golden OUTDIR
 *
 * writes OUTDIR/record-v1.bin, OUTDIR/block-header-v1.bin, the store
 * OUTDIR/store-v1/ (store.json + segments), the signing keys OUTDIR/keys-v2/
 * (from the fixed seeds of golden_fixture.h) and the store OUTDIR/store-v2/
 * (the same blocks, with the log tree: leaves, two checkpoints, keys/), then
 * prints the SHA-256 of every file it wrote (the manifest pinned in
 * tests/unit/test_golden.c).
 *
 * Never run by the tests: the golden files are written once per format
 * version and committed.  Regenerating them means a format version bump
 * (tests/data/golden/README.md).
 *
 * The output is deterministic.  store.json is written here with fixed
 * content (the shape the store writer uses), and the one time-dependent
 * field the writer puts on disk, each segment header's creation time, is
 * replaced afterwards by a fixed value and the segment header hash
 * recomputed.  Everything else comes from sc_store_open / sc_block_* /
 * sc_store_append unchanged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/crypt.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/record.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#include "golden_fixture.h"

static struct sc_hasher *hs;

static int
fail(const char *what, const char *detail)
{
	fprintf(stderr, "make_golden: %s: %s\n", what, detail);
	return 1;
}

static int
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return fail(path, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return fail(path, "write failed");
	}
	close(fd);
	return 0;
}

static void
print_sha(const char *dir, const char *name)
{
	char path[4200], hex[2 * SC_HASH_LEN + 1];
	uint8_t h[SC_HASH_LEN], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		sc_sha256(hs, buf, (size_t)n, NULL, 0, h);
		sc_hash_hex(h, hex);
		printf("\t{ \"%s\", %ld, \"%s\" },\n", name, n, hex);
	}
	free(buf);
	fclose(f);
}

static int
make_record(const char *out)
{
	struct sc_record r;
	uint8_t *buf;
	char path[4200];
	size_t n;
	int rc;

	golden_single_record(&r);
	buf = malloc(sc_record_size(r.raw_len));
	if (buf == NULL)
		return fail("record", "out of memory");
	n = sc_record_encode(&r, buf);
	snprintf(path, sizeof(path), "%s/record-v1.bin", out);
	rc = write_file(path, buf, n, 0644);
	free(buf);
	return rc;
}

static int
make_header(const char *out)
{
	struct sc_block_hdr h;
	uint8_t enc[SC_BLOCK_HDR_LEN];
	char path[4200];

	golden_single_header(&h);
	sc_block_hdr_encode(&h, enc);
	sc_block_hash(hs, enc, h.block_hash);
	sc_block_hdr_encode(&h, enc);
	snprintf(path, sizeof(path), "%s/block-header-v1.bin", out);
	return write_file(path, enc, sizeof(enc), 0644);
}

/* Replace a segment's creation time by a fixed one; rehash its header. */
static int
fix_segment_time(const char *path, int64_t created)
{
	uint8_t hdr[SC_SEG_HDR_LEN];
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return fail(path, strerror(errno));
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		rc = fail(path, "short segment header");
		goto out;
	}
	for (int i = 0; i < 8; i++) /* offset 16: creation time, i64 LE */
		hdr[16 + i] = (uint8_t)((uint64_t)created >> (8 * i));
	sc_sha256(hs, hdr, 96, NULL, 0, hdr + 96);
	if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || fsync(fd) != 0)
		rc = fail(path, "cannot rewrite segment header");
out:
	close(fd);
	return rc;
}

static int
make_keys(const char *out)
{
	struct sc_keygen_opts o = {
		.origin = GOLDEN_KEY_ORIGIN, .epochs = GOLDEN_EPOCHS,
		.epoch_seconds = GOLDEN_EPOCH_SECONDS, .start = GOLDEN_T0 / 1000000000,
		.master_seed = golden_master_seed, .seed0 = golden_seed0,
	};
	char dir[4200], vkey[SC_VKEY_MAX], err[512];

	snprintf(dir, sizeof(dir), "%s/keys-v2", out);
	o.dir = dir;
	char path[4300];

	if (sc_keygen(&o, vkey, err, sizeof(err)) != 0)
		return fail(dir, err);
	/*
	 * master.key is a standard PKCS#8 file (openssl's); a private key
	 * file in the tree would only trip secret scanners.  The rest stays.
	 */
	snprintf(path, sizeof(path), "%s/master.key", dir);
	unlink(path);
	printf("keys-v2: master %s\n", vkey);
	return 0;
}

/*
 * store-v1 (format 1: no log tree), store-v2 signed with keys-v2, or
 * store-v3 (format 3): the same blocks encrypted with the golden key and
 * run salt (every golden block holds a message, the engine event of block 2
 * too, so all five are encrypted), signed after 3 and 5 blocks, then a
 * retention pass at GOLDEN_PRUNE_NS that removes segment 0 and seals its
 * event on lane 63, and a last checkpoint over that.
 */
static int
make_store(const char *out, int version)
{
	char dir[4200], path[4300], err[512] = "";
	struct sc_store_opts o = { .dir = dir, .fsync = SC_FSYNC_BLOCK };
	struct sc_block_builder *b[SC_STORE_MAX_LANES] = { 0 };
	struct sc_store *s = NULL;
	struct sc_sign_key *key = NULL;
	struct sc_enc_key *ek = NULL;
	struct sc_block_cipher *cipher[SC_STORE_MAX_LANES] = { 0 };
	uint8_t *noise = malloc(GOLDEN_NOISE_LEN), *stored = NULL;
	const char *json = version == 1 ? GOLDEN_STORE_JSON :
			   version == 2 ? GOLDEN_STORE_JSON_V2 : GOLDEN_STORE_JSON_V3;
	uint32_t nseg;
	int rc = 1;

	if (version == 3) {
		ek = sc_enc_key_from_bytes(golden_enc_key);
		if (ek == NULL) {
			free(noise);
			return fail("golden key", "out of memory");
		}
	}
	if (version >= 2) {
		snprintf(path, sizeof(path), "%s/keys-v2/sign.key", out);
		key = sc_sign_key_open(path, err, sizeof(err));
		if (key == NULL) {
			free(noise);
			return fail(path, err);
		}
	}
	snprintf(dir, sizeof(dir), "%s/store-v%d", out, version);
	snprintf(path, sizeof(path), "%s/segments", dir);
	if (noise == NULL)
		return fail("store", "out of memory");
	if (mkdir(dir, 0750) != 0 || mkdir(path, 0750) != 0) {
		free(noise);
		return fail(dir, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/store.json", dir);
	if (write_file(path, json, strlen(json), 0640) != 0)
		goto out;
	if ((rc = sc_store_open(&o, &s, err, sizeof(err))) != 0) {
		rc = fail(dir, err);
		goto out;
	}
	rc = 1;
	for (uint32_t k = 0; k < GOLDEN_NBLOCKS; k++) {
		const struct golden_block *gb = &golden_blocks[k];
		struct sc_block_hdr h;

		if (b[gb->lane] == NULL) {
			b[gb->lane] = sc_block_builder_new(gb->lane, GOLDEN_BLOCK_BYTES);
			if (b[gb->lane] == NULL) {
				fail("builder", strerror(errno));
				goto out;
			}
			if (stored == NULL)
				stored = malloc(sc_block_stored_max(b[gb->lane]));
			if (stored == NULL) {
				fail("store", "out of memory");
				goto out;
			}
			if (ek != NULL) {
				cipher[gb->lane] = sc_block_cipher_new(ek, golden_enc_salt, gb->lane);
				if (cipher[gb->lane] == NULL) {
					fail("cipher", "cannot set up AES-256-GCM");
					goto out;
				}
				sc_block_builder_set_cipher(b[gb->lane], cipher[gb->lane]);
			}
		}
		for (uint32_t i = gb->first_rec; i < gb->first_rec + gb->nrecs; i++) {
			struct sc_record r;

			if (!golden_record(i, noise, &r)) {
				fprintf(stderr, "make_golden: fixture record %u is invalid\n", i);
				goto out;
			}
			if (sc_block_add(b[gb->lane], &r) != 0) {
				fprintf(stderr, "make_golden: record %u does not fit\n", i);
				goto out;
			}
		}
		if (gb->rotate_before && sc_store_rotate(s) != 0) {
			fail(dir, "rotate failed");
			goto out;
		}
		if (sc_block_seal(b[gb->lane], &gb->clock, &h, stored) != 0 ||
		    sc_store_append(s, &h, stored) != 0) {
			fail(dir, "seal or append failed");
			goto out;
		}
		printf("block %u: lane %u seq %" PRIu64 " segment %u records %u codec %u "
		       "payload %u stored %u\n", k, h.lane, h.block_seq, h.segment, h.count,
		       h.codec, h.payload_len, h.stored_len);
		if (key != NULL && (k + 1 == GOLDEN_CKPT_AFTER || k + 1 == GOLDEN_NBLOCKS) &&
		    sc_store_checkpoint(s, sc_sign_key_signer(key), err, sizeof(err)) != 1) {
			fail(dir, err);
			goto out;
		}
	}
	if (version == 3) {
		/* Room for segment 1 only: segment 0 goes. */
		struct sc_retention p = { .max_bytes = 9170 + 1000 };
		struct sc_prune_result pr;

		if (sc_store_prune(s, &p, GOLDEN_PRUNE_NS, &pr, err, sizeof(err)) != 1) {
			fail(dir, err[0] ? err : "the retention pass removed nothing");
			goto out;
		}
		printf("retention: segments %u..%u, blocks %" PRIu64 ", event block %" PRIu64 "\n",
		       pr.first_segment, pr.last_segment, pr.blocks, pr.event_index);
		if (sc_store_checkpoint(s, sc_sign_key_signer(key), err, sizeof(err)) != 1) {
			fail(dir, err);
			goto out;
		}
	}
	if (key != NULL) {
		const struct sc_epoch_cert *c = sc_sign_key_cert(key);
		size_t len;
		const char *text = sc_sign_key_cert_text(key, &len);
		char name[64];

		/* The name the engine gives it. */
		snprintf(name, sizeof(name), "epochs-%02x%02x%02x%02x%02x%02x%02x%02x.pub", c->id[0],
			 c->id[1], c->id[2], c->id[3], c->id[4], c->id[5], c->id[6], c->id[7]);
		if (sc_store_put_key(s, name, text, len) != 0) {
			fail(dir, "cannot publish the epoch certificate");
			goto out;
		}
	}
	if (sc_store_close(s) != 0) {
		s = NULL;
		fail(dir, "close failed");
		goto out;
	}
	s = NULL;
	/* Format 1 has no log tree: the current writer adds one, not part of v1. */
	snprintf(path, sizeof(path), "%s/leaves", dir);
	if (version == 1 && unlink(path) != 0) {
		fail(path, strerror(errno));
		goto out;
	}
	for (nseg = 0; nseg < 16; nseg++) {
		snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", dir, nseg);
		/* store-v3 begins at segment 1 (retention). */
		if (access(path, F_OK) != 0) {
			if (version == 3 && nseg == 0)
				continue;
			break;
		}
		if (fix_segment_time(path, GOLDEN_T0 + (int64_t)nseg * 60000000000) != 0)
			goto out;
	}
	rc = 0;
out:
	sc_store_close(s);
	sc_sign_key_close(key);
	sc_enc_key_free(ek);
	for (int l = 0; l < SC_STORE_MAX_LANES; l++)
		sc_block_cipher_free(cipher[l]);
	for (int l = 0; l < SC_STORE_MAX_LANES; l++)
		sc_block_builder_free(b[l]);
	free(stored);
	free(noise);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sc_verify_result res;
	char dir[4200], err[512] = "";
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR  (see tests/data/golden/README.md)\n", argv[0]);
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST)
		return fail(argv[1], strerror(errno));
	hs = sc_hasher_new();
	if (hs == NULL)
		return fail("hasher", "out of memory");
	rc = make_record(argv[1]);
	if (rc == 0)
		rc = make_header(argv[1]);
	if (rc == 0)
		rc = make_store(argv[1], 1);
	if (rc == 0)
		rc = make_keys(argv[1]);
	if (rc == 0)
		rc = make_store(argv[1], 2);
	if (rc == 0)
		rc = make_store(argv[1], 3);
	if (rc == 0) {
		char text[SC_ENC_KEYFILE_MAX];
		int n = sc_enc_key_format(golden_enc_key, text, sizeof(text));

		snprintf(dir, sizeof(dir), "%s/golden-enc.key", argv[1]);
		rc = n > 0 ? write_file(dir, text, (size_t)n, 0600) : fail(dir, "cannot format");
	}
	if (rc == 0) {
		snprintf(dir, sizeof(dir), "%s/store-v1", argv[1]);
		rc = sc_verify(dir, &res, NULL, NULL, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "make_golden: the new store does not verify (%d) %s\n", rc, err);
		else
			printf("verify: %" PRIu64 " blocks, %" PRIu64 " records, %u segments, "
			       "%u lanes, %" PRIu64 " raw bytes, %" PRIu64 " stored bytes\n",
			       res.blocks, res.records, res.segments, res.lanes, res.raw_bytes,
			       res.stored_bytes);
	}
	if (rc == 0) {
		printf("manifest (tests/unit/test_golden.c):\n");
		print_sha(argv[1], "record-v1.bin");
		print_sha(argv[1], "block-header-v1.bin");
		print_sha(argv[1], "store-v1/store.json");
		for (uint32_t k = 0;; k++) {
			char name[64], path[4300];

			snprintf(name, sizeof(name), "store-v1/segments/%08" PRIu32 ".seg", k);
			snprintf(path, sizeof(path), "%s/%s", argv[1], name);
			if (access(path, F_OK) != 0)
				break;
			print_sha(argv[1], name);
		}
		print_sha(argv[1], "keys-v2/master.pub");
		print_sha(argv[1], "keys-v2/epochs.pub");
		print_sha(argv[1], "keys-v2/sign.key");
		print_sha(argv[1], "store-v2/store.json");
		for (uint32_t k = 0;; k++) {
			char name[64], path[4300];

			snprintf(name, sizeof(name), "store-v2/segments/%08" PRIu32 ".seg", k);
			snprintf(path, sizeof(path), "%s/%s", argv[1], name);
			if (access(path, F_OK) != 0)
				break;
			print_sha(argv[1], name);
		}
		print_sha(argv[1], "store-v2/leaves");
		print_sha(argv[1], "store-v2/checkpoints");
		print_sha(argv[1], "golden-enc.key");
		print_sha(argv[1], "store-v3/store.json");
		print_sha(argv[1], "store-v3/segments/00000001.seg");
		print_sha(argv[1], "store-v3/leaves");
		print_sha(argv[1], "store-v3/checkpoints");
		{
			char kd[4300];
			DIR *d;
			struct dirent *e;

			snprintf(kd, sizeof(kd), "%s/store-v2/keys", argv[1]);
			d = opendir(kd);
			while (d != NULL && (e = readdir(d)) != NULL)
				if (e->d_name[0] != '.') {
					char name[300];

					snprintf(name, sizeof(name), "store-v2/keys/%s", e->d_name);
					print_sha(argv[1], name);
				}
			if (d != NULL)
				closedir(d);
		}
	}
	sc_hasher_free(hs);
	return rc == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * sc_verify_ex (segment reader, block headers, payloads, records, lane
 * chains, the log tree in STORE/leaves) on a store the input rewrites: a
 * copy of the golden store (tests/data/golden/store-v3) where the first
 * input byte picks what the rest of the input becomes:
 *   0  the segment file, as is;
 *   1  the segment's blocks after the golden segment header, each given a
 *      right magic, segment number, stored length, payload digest and block
 *      hash (what someone editing the store can do: reach the record and
 *      chain checks, not stop at a digest);
 *   2  STORE/leaves;
 *   3  as 1, with STORE/leaves rewritten to the new block hashes (a
 *      forger's consistent store: verify's walk is reached whole).
 * Bit 2 of that byte gives verify the golden encryption key.  The store has
 * no checkpoints and no key certificate: their Ed25519 checks would take
 * most of each execution, and their parsers are fuzz_checkpoint's (the
 * same functions verify calls).
 * Checked: verify returns 0 (intact, no issue), 1 (damage, issues reported,
 * each with an error code and a terminated detail) or a negative errno with
 * a message; it never crashes,
 * hangs or allocates what the files cannot justify (libFuzzer's -rss_limit_mb
 * and -malloc_limit_mb catch that).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <sealcap/block.h>
#include <sealcap/crypt.h>
#include <sealcap/error.h>
#include <sealcap/hash.h>
#include <sealcap/store.h>

#include "fuzz.h"

static struct sc_hasher *hs;
static struct sc_keyring *keys;
static uint8_t *g_seg, *g_leaves;
static size_t g_seg_len, g_leaves_len;

static void
on_issue(const struct sc_verify_issue *i, void *arg)
{
	uint64_t *n = arg;

	FZ_CHECK(i != NULL && i->err != SC_E_OK);
	FZ_CHECK(sc_error_name(i->err) != NULL);
	FZ_CHECK(memchr(i->detail, '\0', sizeof(i->detail)) != NULL);
	(*n)++;
}

/*
 * Make the blocks of seg[SC_SEG_HDR_LEN..len) hash-consistent, in place;
 * @p leaves (room for len / SC_BLOCK_HDR_LEN hashes) receives their block
 * hashes.  @return how many.
 */
static size_t
fix_blocks(uint8_t *seg, size_t len, uint8_t (*leaves)[SC_HASH_LEN])
{
	size_t off = SC_SEG_HDR_LEN, n = 0;

	while (len - off >= SC_BLOCK_HDR_LEN) {
		uint8_t *p = seg + off;
		struct sc_block_hdr h;
		size_t room = len - off - SC_BLOCK_HDR_LEN;

		memcpy(p, "SBLK", 4);
		p[4] = SC_FORMAT_VERSION;
		p[5] = 0;
		p[6] = SC_BLOCK_HDR_LEN & 0xff;
		p[7] = SC_BLOCK_HDR_LEN >> 8;
		if (sc_block_hdr_decode(p, &h) != SC_E_OK)
			return n;
		h.segment = 1;
		if (h.stored_len > room)
			h.stored_len = (uint32_t)room;
		sc_sha256(hs, p + SC_BLOCK_HDR_LEN, h.stored_len, NULL, 0, h.payload_hash);
		sc_block_hdr_encode(&h, p);
		sc_block_hash(hs, p, h.block_hash);
		sc_block_hdr_encode(&h, p);
		memcpy(leaves[n++], h.block_hash, SC_HASH_LEN);
		off += SC_BLOCK_HDR_LEN + h.stored_len;
	}
	return n;
}

/*
 * Each of the two files the input can replace is either the golden one or
 * the input's; only what changed since the last input is written.
 */
enum { F_SEG, F_LEAVES, F_N };
static const char *const fname[F_N] = { "segments/00000001.seg", "leaves" };
static bool golden_now[F_N];

static void
set_file(int f, const uint8_t *p, size_t len)
{
	if (p == NULL) {
		if (golden_now[f])
			return;
		p = f == F_SEG ? g_seg : g_leaves;
		len = f == F_SEG ? g_seg_len : g_leaves_len;
		golden_now[f] = true;
	} else {
		golden_now[f] = false;
	}
	fz_put(fname[f], p, len);
}

FUZZ_TARGET(store)
{
	struct sc_verify_opts o = { .keys = NULL };
	struct sc_verify_result res;
	uint64_t issues = 0;
	char err[512];
	uint8_t *seg = NULL;
	int mode, rc;

	if (hs == NULL) {
		hs = sc_hasher_new();
		keys = fz_golden_keys();
		FZ_CHECK(hs != NULL);
		fz_store();
		g_seg = fz_golden("segments/00000001.seg", &g_seg_len);
		g_leaves = fz_golden("leaves", &g_leaves_len);
		for (int f = 0; f < F_N; f++)
			golden_now[f] = true;
		fz_put("checkpoints", "", 0);
		snprintf(err, sizeof(err), "%s/keys/epochs-2882602485ce3db2.pub", fz_store());
		FZ_CHECK(unlink(err) == 0);
	}
	if (size < 1)
		return 0;
	mode = data[0] & 3;
	set_file(F_SEG, mode == 0 ? data + 1 : NULL, size - 1);
	set_file(F_LEAVES, mode == 2 ? data + 1 : NULL, size - 1);
	if (mode == 1 || mode == 3) {
		uint8_t (*leaves)[SC_HASH_LEN] = malloc((size / SC_BLOCK_HDR_LEN + 1) * SC_HASH_LEN);
		size_t n;

		seg = malloc(SC_SEG_HDR_LEN + size - 1);
		FZ_CHECK(seg != NULL && leaves != NULL);
		memcpy(seg, g_seg, SC_SEG_HDR_LEN);
		memcpy(seg + SC_SEG_HDR_LEN, data + 1, size - 1);
		n = fix_blocks(seg, SC_SEG_HDR_LEN + size - 1, leaves);
		set_file(F_SEG, seg, SC_SEG_HDR_LEN + size - 1);
		if (mode == 3) {
			/* The golden leaves of the pruned segment 0, then these blocks. */
			size_t keep = g_leaves_len / SC_HASH_LEN >= 3 ? 3 : 0;
			uint8_t *l = malloc((keep + n) * SC_HASH_LEN + 1);

			FZ_CHECK(l != NULL);
			memcpy(l, g_leaves, keep * SC_HASH_LEN);
			memcpy(l + keep * SC_HASH_LEN, leaves, n * SC_HASH_LEN);
			set_file(F_LEAVES, l, (keep + n) * SC_HASH_LEN);
			free(l);
		}
		free(leaves);
		free(seg);
	}
	o.keys = data[0] & 4 ? keys : NULL;
	memset(&res, 0, sizeof(res));
	err[0] = '\0';
	rc = sc_verify_ex(fz_store(), &o, &res, on_issue, &issues, err, sizeof(err));
	FZ_CHECK(rc == 0 || rc == 1 || rc < 0);
	if (rc == 0)
		FZ_CHECK(issues == 0 && res.issues == 0);
	if (rc == 1)
		FZ_CHECK(issues > 0);
	if (rc < 0)
		FZ_CHECK(err[0] != '\0');
	/* Files this small never justify running out of memory (a forged length did). */
	FZ_CHECK(rc != -ENOMEM);
	return 0;
}

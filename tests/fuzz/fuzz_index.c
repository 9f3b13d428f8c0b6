/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The index sidecar reader (sc_index_load, what search trusts to skip
 * blocks) on any STORE/index/00000001.idx beside the golden store's
 * segment.  Input: one byte of mode, then the file.  Mode bit 0 gives the
 * header and every entry a right check value (anyone can compute them),
 * so the entry checks behind it are reached.  Checked: the state is one of
 * four; the usable entries are contiguous blocks from the segment's first
 * log index, inside the segment, and end where `covered` says; an index
 * that is not OK says why; the Bloom lookups take any entry.
 */
#include <string.h>

#include <sealcap/hash.h>
#include <sealcap/index.h>
#include <sealcap/store.h>

#include "fuzz.h"

static struct sc_hasher *hs;
static uint8_t store_id[SC_HASH_LEN];

static void
fix_check(uint8_t *p, size_t len)
{
	uint8_t d[SC_HASH_LEN];

	sc_sha256(hs, p, len - 16, NULL, 0, d);
	memcpy(p + len - 16, d, 16);
}

FUZZ_TARGET(index)
{
	struct sc_index_seg ix;
	uint8_t *buf;
	size_t len;
	uint64_t next;
	int rc;

	if (hs == NULL) {
		char err[256];
		struct sc_store_reader *r;

		hs = sc_hasher_new();
		FZ_CHECK(hs != NULL);
		r = sc_store_reader_open(fz_store(), err, sizeof(err));
		FZ_CHECK(r != NULL);
		memcpy(store_id, sc_store_reader_id(r), SC_HASH_LEN);
		sc_store_reader_close(r);
	}
	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	FZ_CHECK(buf != NULL);
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= SC_INDEX_HDR_LEN) {
		fix_check(buf, SC_INDEX_HDR_LEN);
		for (size_t off = SC_INDEX_HDR_LEN; len - off >= SC_INDEX_ENTRY_LEN;
		     off += SC_INDEX_ENTRY_LEN)
			fix_check(buf + off, SC_INDEX_ENTRY_LEN);
	}
	fz_put("index/00000001.idx", buf, len);
	free(buf);

	rc = sc_index_load(fz_store(), 1, store_id, &ix);
	FZ_CHECK(rc == 0);
	FZ_CHECK(ix.state <= SC_IX_BAD);
	FZ_CHECK(ix.segment == 1);
	if (ix.state != SC_IX_OK)
		FZ_CHECK(ix.why[0] != '\0');
	if (ix.state == SC_IX_BAD || ix.state == SC_IX_MISSING)
		FZ_CHECK(ix.n == 0);
	FZ_CHECK(len < SC_INDEX_HDR_LEN || ix.n <= (len - SC_INDEX_HDR_LEN) / SC_INDEX_ENTRY_LEN);
	next = SC_SEG_HDR_LEN;
	for (uint32_t i = 0; i < ix.n; i++) {
		const struct sc_index_entry *e = &ix.e[i];
		uint8_t addr[16] = { 0 };

		FZ_CHECK(e->log_index == ix.first_log + i);
		FZ_CHECK(e->offset == next);
		next = e->offset + SC_BLOCK_HDR_LEN + e->stored_len;
		FZ_CHECK(next <= ix.seg_size);
		(void)sc_index_host_maybe(e, "host-1", 6);
		(void)sc_index_app_maybe(e, "sshd", 4);
		addr[10] = addr[11] = 0xff;
		addr[12] = 10;
		(void)sc_index_src_maybe(e, addr, 104);
	}
	FZ_CHECK(ix.covered == next);
	sc_index_seg_release(&ix);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "store": the store writer, reader and verify (sealcap/store.h).
 *
 * Each test gets a fresh directory under /tmp (mkdtemp in .init, removed in
 * .fini); the store itself is created one level down so that the mode the
 * writer gives the store directory can be checked.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

static char tmpdir[64];
static char storedir[128];
static struct sc_hasher *hs;

static void
setup(void)
{
	sct_tmpdir(tmpdir, sizeof(tmpdir), "store");
	snprintf(storedir, sizeof(storedir), "%s/store", tmpdir);
	hs = sc_hasher_new();
	cr_assert_not_null(hs);
}

static void
teardown(void)
{
	sc_hasher_free(hs);
	sct_rmtree(tmpdir);
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 120);

static const struct sc_clock_info test_clock = {
	.source = SC_CLOCK_REALTIME, .sync = SC_SYNC_SYNCED, .max_err_us = 50, .est_err_us = 2,
};

/* ---- helpers ------------------------------------------------------------- */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The store identity, computed here from the file: SHA-256(store.json). */
static void
store_id(const char *dir, uint8_t id[SC_HASH_LEN])
{
	char path[256];
	size_t n;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/store.json", dir);
	b = slurp(path, &n);
	sc_sha256(hs, b, n, NULL, 0, id);
	free(b);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return st.st_size;
}

static char *
seg_path(uint32_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/segments/%08" PRIu32 ".seg", storedir, n);
	return buf;
}

static void
open_store(struct sc_store **s, uint64_t segment_bytes, enum sc_fsync fsync_mode)
{
	struct sc_store_opts o = {
		.dir = storedir, .origin = "test/ward-7", .segment_bytes = segment_bytes,
		.fsync = fsync_mode, .fsync_ms = 100,
	};
	char err[512] = "";
	int rc = sc_store_open(&o, s, err, sizeof(err));

	cr_assert_eq(rc, 0, "sc_store_open(%s): %d %s", storedir, rc, err);
	cr_assert_not_null(*s);
}

/* What the test appended, to compare with what is read back. */
#define MAX_BLOCKS 256
struct log {
	struct sc_block_hdr h[MAX_BLOCKS];
	uint8_t stored_hash[MAX_BLOCKS][SC_HASH_LEN];
	uint64_t n, records, raw, stored;
	int64_t first_ns, last_ns;
};

static struct log lg;

/*
 * Seal @p nrec messages in builder @p b and append the block.  With
 * @p noise the raw bytes are random (codec 0, predictable size).
 */
static struct sc_block_hdr *
append_block(struct sc_store *s, struct sc_block_builder *b, int nrec, int64_t t0,
	     uint32_t noise)
{
	static uint64_t rng = 0x5eed5eed;
	uint8_t *stored = malloc(sc_block_stored_max(b));
	struct sc_block_hdr *h;
	int rc;

	cr_assert_not_null(stored);
	cr_assert_lt(lg.n, MAX_BLOCKS);
	for (int i = 0; i < nrec; i++) {
		char raw[4096];
		struct sc_record r = { .pri = 134, .rx_ns = t0 + i, .transport = SC_TRANSPORT_UDP };
		int n;

		if (noise) {
			cr_assert_leq(noise, sizeof(raw));
			for (uint32_t k = 0; k < noise; k++) {
				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				raw[k] = (char)(rng >> 56);
			}
			n = (int)noise;
		} else {
			n = snprintf(raw, sizeof(raw),
				     "<134>Dec  4 16:50:%02d icu-monitor-%d vitals: bed %d HR 72 SpO2 98",
				     i % 60, i % 4, i);
		}
		r.raw = (const uint8_t *)raw;
		r.raw_len = (uint32_t)n;
		sc_record_set_ipv4(&r, 0x0100000a);
		cr_assert_eq(sc_block_add(b, &r), 0);
	}
	h = &lg.h[lg.n];
	cr_assert_eq(sc_block_seal(b, &test_clock, h, stored), 0);
	rc = sc_store_append(s, h, stored);
	cr_assert_eq(rc, 0, "sc_store_append: %d", rc);
	sc_sha256(hs, stored, h->stored_len, NULL, 0, lg.stored_hash[lg.n]);
	lg.n++;
	lg.records += h->count;
	lg.raw += h->raw_bytes;
	lg.stored += SC_BLOCK_HDR_LEN + h->stored_len;
	if (lg.first_ns == 0 || h->first_ns < lg.first_ns)
		lg.first_ns = h->first_ns;
	if (h->last_ns > lg.last_ns)
		lg.last_ns = h->last_ns;
	free(stored);
	return h;
}

/* What append filled in must be self-consistent. */
static void
expect_appended(const struct sc_block_hdr *h, uint64_t log_index, uint64_t block_seq,
		const uint8_t prev[SC_HASH_LEN], uint32_t segment)
{
	uint8_t enc[SC_BLOCK_HDR_LEN], hash[SC_HASH_LEN];

	cr_expect_eq(h->log_index, log_index, "log_index %" PRIu64 ", want %" PRIu64,
		     h->log_index, log_index);
	cr_expect_eq(h->block_seq, block_seq, "lane %u block_seq %" PRIu64 ", want %" PRIu64,
		     h->lane, h->block_seq, block_seq);
	cr_expect_eq(h->segment, segment, "segment %u, want %u", h->segment, segment);
	cr_expect(memcmp(h->prev_hash, prev, SC_HASH_LEN) == 0, "lane %u block %" PRIu64
		  ": prev_hash is not the lane's previous block hash", h->lane, h->block_seq);
	sc_block_hdr_encode(h, enc);
	sc_block_hash(hs, enc, hash);
	cr_expect(memcmp(hash, h->block_hash, SC_HASH_LEN) == 0, "block_hash not the header's hash");
}

static void
expect_hdr_same(const struct sc_block_hdr *a, const struct sc_block_hdr *b, uint64_t i)
{
	uint8_t ea[SC_BLOCK_HDR_LEN], eb[SC_BLOCK_HDR_LEN];

	sc_block_hdr_encode(a, ea);
	sc_block_hdr_encode(b, eb);
	cr_expect(memcmp(ea, eb, SC_BLOCK_HDR_LEN) == 0,
		  "block %" PRIu64 ": header read back differs from the one appended "
		  "(lane %u/%u seq %" PRIu64 "/%" PRIu64 ")", i, a->lane, b->lane, a->block_seq,
		  b->block_seq);
}

/* Read the store back and compare with the log; returns segments seen. */
static uint32_t
read_back(void)
{
	char err[512] = "";
	struct sc_store_reader *r = sc_store_reader_open(storedir, err, sizeof(err));
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	uint32_t seg = UINT32_MAX, nseg = 0;
	uint64_t off = 0, i = 0;
	uint8_t id[SC_HASH_LEN], digest[SC_HASH_LEN];
	int rc;

	cr_assert_not_null(r, "sc_store_reader_open: %s", err);
	store_id(storedir, id);
	cr_expect(memcmp(sc_store_reader_id(r), id, SC_HASH_LEN) == 0,
		  "reader id is not SHA-256(store.json)");
	cr_expect_str_eq(sc_store_reader_origin(r), "test/ward-7");
	while ((rc = sc_store_read(r, &h, &stored, &pos, &e)) == 1) {
		cr_assert_lt(i, lg.n, "more blocks than appended");
		if (pos.segment != seg) {
			cr_expect(seg == UINT32_MAX || pos.segment == seg + 1,
				  "segment %u after %u", pos.segment, seg);
			seg = pos.segment;
			off = SC_SEG_HDR_LEN;
			nseg++;
		}
		cr_expect_eq(pos.index, i, "pos.index %" PRIu64 ", want %" PRIu64, pos.index, i);
		cr_expect_eq(pos.offset, off, "block %" PRIu64 " at offset %" PRIu64 ", want %" PRIu64,
			     i, pos.offset, off);
		cr_expect_eq(pos.segment, lg.h[i].segment);
		expect_hdr_same(&lg.h[i], &h, i);
		sc_sha256(hs, stored, h.stored_len, NULL, 0, digest);
		cr_expect(memcmp(digest, lg.stored_hash[i], SC_HASH_LEN) == 0,
			  "block %" PRIu64 ": stored bytes differ", i);
		off += SC_BLOCK_HDR_LEN + h.stored_len;
		i++;
	}
	cr_expect_eq(rc, 0, "read ended with %d (%s) at segment %u offset %" PRIu64, rc,
		     sc_error_name(e), pos.segment, pos.offset);
	cr_expect_eq(i, lg.n, "read %" PRIu64 " blocks, appended %" PRIu64, i, lg.n);
	cr_expect_eq(sc_store_read(r, &h, &stored, &pos, &e), 0, "reading past the end");
	cr_expect_eq(sc_store_reader_segments(r), nseg);
	for (uint32_t k = 0; k < sc_store_reader_segments(r); k++)
		cr_expect_eq(sc_store_reader_segment_list(r)[k], k);
	sc_store_reader_close(r);
	return nseg;
}

static void
print_issue(const struct sc_verify_issue *i, void *arg)
{
	(void)arg;
	cr_log_error("verify: %s segment %u offset %" PRIu64 " block %" PRId64 " lane %u: %s",
		     sc_error_name(i->err), i->segment, i->offset, i->block, i->lane, i->detail);
}

static void
expect_verify_ok(uint32_t segments, uint32_t lanes)
{
	struct sc_verify_result res;
	char err[512] = "";
	int rc = sc_verify(storedir, &res, print_issue, NULL, err, sizeof(err));

	cr_expect_eq(rc, 0, "sc_verify: %d %s", rc, err);
	cr_expect_eq(res.issues, 0);
	cr_expect_eq(res.blocks, lg.n, "verify blocks %" PRIu64 ", want %" PRIu64, res.blocks, lg.n);
	cr_expect_eq(res.records, lg.records);
	cr_expect_eq(res.events, 0, "no engine events were appended");
	cr_expect_eq(res.raw_bytes, lg.raw);
	cr_expect_eq(res.stored_bytes, lg.stored);
	cr_expect_eq(res.segments, segments, "verify segments %u, want %u", res.segments, segments);
	cr_expect_eq(res.lanes, lanes, "verify lanes %u, want %u", res.lanes, lanes);
	cr_expect_eq(res.first_ns, lg.first_ns);
	cr_expect_eq(res.last_ns, lg.last_ns);
}

/* ---- lifecycle ------------------------------------------------------------ */

Test(store, append_close_reopen_append_read_verify)
{
	static const uint32_t lanes[] = { 0, 2, 63 };
	struct sc_block_builder *b[3];
	struct sc_store *s;
	uint8_t id[SC_HASH_LEN], last[3][SC_HASH_LEN];
	uint64_t nrec[3] = { 0 };
	char path[256];

	open_store(&s, 0, SC_FSYNC_NONE);
	store_id(storedir, id);
	for (int l = 0; l < 3; l++) {
		b[l] = sc_block_builder_new(lanes[l], 16384);
		cr_assert_not_null(b[l]);
		memcpy(last[l], id, SC_HASH_LEN);
	}
	/* Three rounds over three lanes: 9 blocks in segment 0. */
	for (int round = 0; round < 3; round++) {
		for (int l = 0; l < 3; l++) {
			int n = 1 + (round * 3 + l) % 5;
			struct sc_block_hdr *h = append_block(s, b[l], n, 1000000 * (round * 3 + l + 1), 0);

			expect_appended(h, lg.n - 1, (uint64_t)round, last[l], 0);
			cr_expect_eq(h->lane, lanes[l]);
			cr_expect_eq(h->first_seq, nrec[l]);
			memcpy(last[l], h->block_hash, SC_HASH_LEN);
			nrec[l] += (uint64_t)n;
			cr_expect_eq(sc_store_size(s), lg.n);
		}
	}
	cr_expect_eq((off_t)sc_store_bytes(s), file_size(seg_path(0, path, sizeof(path))),
		     "sc_store_bytes must count every byte written");
	cr_expect_eq(sc_store_close(s), 0);
	for (int l = 0; l < 3; l++)
		sc_block_builder_free(b[l]);

	/* Reopen: the lane chains come back from the headers. */
	open_store(&s, 0, SC_FSYNC_NONE);
	cr_expect_eq(sc_store_size(s), 9, "log size after reopen");
	for (int l = 0; l < 3; l++) {
		const struct sc_lane_state *ls = sc_store_lane(s, lanes[l]);

		cr_assert_not_null(ls);
		cr_expect_eq(ls->next_block_seq, 3, "lane %u next_block_seq %" PRIu64, lanes[l],
			     ls->next_block_seq);
		cr_expect_eq(ls->next_rec_seq, nrec[l], "lane %u next_rec_seq %" PRIu64 ", want %"
			     PRIu64, lanes[l], ls->next_rec_seq, nrec[l]);
		cr_expect(memcmp(ls->last_hash, last[l], SC_HASH_LEN) == 0,
			  "lane %u last_hash not restored", lanes[l]);
	}
	{
		const struct sc_lane_state *ls = sc_store_lane(s, 1);

		cr_assert_not_null(ls);
		cr_expect_eq(ls->next_block_seq, 0);
		cr_expect_eq(ls->next_rec_seq, 0);
		cr_expect(memcmp(ls->last_hash, id, SC_HASH_LEN) == 0,
			  "an unused lane's chain starts at the store identity");
		cr_expect_null(sc_store_lane(s, SC_STORE_MAX_LANES));
	}
	cr_expect_eq(file_size(seg_path(1, path, sizeof(path))), -1,
		     "open alone must not start a segment");

	/* Append more, with builders resumed from the lane state. */
	for (int l = 0; l < 3; l++) {
		b[l] = sc_block_builder_new(lanes[l], 16384);
		cr_assert_not_null(b[l]);
		sc_block_builder_resume(b[l], sc_store_lane(s, lanes[l])->next_rec_seq);
	}
	for (int round = 3; round < 5; round++) {
		for (int l = 0; l < 3; l++) {
			struct sc_block_hdr *h = append_block(s, b[l], 2, 1000000 * (round * 3 + l + 1), 0);

			expect_appended(h, lg.n - 1, (uint64_t)round, last[l], 1);
			cr_expect_eq(h->first_seq, nrec[l]);
			memcpy(last[l], h->block_hash, SC_HASH_LEN);
			nrec[l] += 2;
		}
	}
	cr_expect_eq(sc_store_close(s), 0);
	for (int l = 0; l < 3; l++)
		sc_block_builder_free(b[l]);
	cr_expect_gt(file_size(seg_path(1, path, sizeof(path))), SC_SEG_HDR_LEN,
		     "reopen must write to a new segment");

	cr_expect_eq(read_back(), 2);
	expect_verify_ok(2, 3);
}

Test(store, segment_header_fields)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	uint8_t id[SC_HASH_LEN], h[SC_HASH_LEN], *seg;
	char path[256];
	size_t n;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_BLOCK);
	append_block(s, b, 3, 5000, 0);
	append_block(s, b, 3, 6000, 0);
	sc_store_rotate(s);
	append_block(s, b, 3, 7000, 0);
	sc_store_close(s);
	store_id(storedir, id);
	for (uint32_t k = 0; k < 2; k++) {
		seg = slurp(seg_path(k, path, sizeof(path)), &n);
		cr_assert_geq(n, SC_SEG_HDR_LEN);
		cr_expect(memcmp(seg, "SCSEGMNT", 8) == 0);
		cr_expect_eq(seg[8] | seg[9] << 8, 1, "format version");
		cr_expect_eq(seg[10] | seg[11] << 8, SC_SEG_HDR_LEN);
		cr_expect_eq((uint32_t)seg[12] | (uint32_t)seg[13] << 8, k, "segment number");
		cr_expect(memcmp(seg + 24, id, SC_HASH_LEN) == 0, "segment must name the store");
		cr_expect_eq(seg[56], k == 0 ? 0 : 2, "first log index of segment %u", k);
		for (int i = 64; i < 96; i++)
			cr_expect_eq(seg[i], 0, "reserved byte %d", i);
		sc_sha256(hs, seg, 96, NULL, 0, h);
		cr_expect(memcmp(seg + 96, h, SC_HASH_LEN) == 0, "segment header hash");
		free(seg);
	}
	sc_block_builder_free(b);
	expect_verify_ok(2, 1);
}

Test(store, rotation_by_segment_bytes)
{
	struct sc_block_builder *b[2];
	struct sc_store *s;
	uint32_t segs, seg = 0;
	uint64_t seg_size = SC_SEG_HDR_LEN;
	uint64_t sizes[16] = { 0 };
	char path[256];

	for (int l = 0; l < 2; l++) {
		b[l] = sc_block_builder_new((uint32_t)l + 7, 16384);
		cr_assert_not_null(b[l]);
	}
	/*
	 * Blocks of one 1500-byte random record, about 1950 bytes on disk, into
	 * 8192-byte segments: a block goes into the open segment when it fits
	 * within segment_bytes, else a new segment starts (never an empty one).
	 */
	open_store(&s, 8192, SC_FSYNC_NONE);
	for (int i = 0; i < 20; i++) {
		struct sc_block_hdr *h = append_block(s, b[i & 1], 1, 1000 + i, 1500);
		uint64_t total = SC_BLOCK_HDR_LEN + h->stored_len;

		cr_assert_gt(h->stored_len, 1500, "random data does not compress");
		if (seg_size + total > 8192 && seg_size > SC_SEG_HDR_LEN) {
			sizes[seg] = seg_size;
			seg++;
			seg_size = SC_SEG_HDR_LEN;
		}
		seg_size += total;
		cr_expect_eq(h->segment, seg, "block %d in segment %u, want %u", i, h->segment, seg);
		cr_expect_eq(h->log_index, (uint64_t)i);
	}
	sizes[seg] = seg_size;
	sc_store_close(s);
	cr_expect_geq(seg, 4, "20 blocks of ~1950 bytes need 5 segments of 8192, got %u", seg + 1);
	for (uint32_t k = 0; k <= seg; k++) {
		off_t sz = file_size(seg_path(k, path, sizeof(path)));

		cr_expect_eq((uint64_t)sz, sizes[k], "segment %u size %lld", k, (long long)sz);
		cr_expect_leq(sz, 8192, "segment %u exceeds segment_bytes", k);
	}
	cr_expect_eq(file_size(seg_path(seg + 1, path, sizeof(path))), -1);

	/* A block larger than segment_bytes still goes into a segment of its own. */
	open_store(&s, 1024, SC_FSYNC_NONE);
	append_block(s, b[0], 1, 5000, 1500);
	append_block(s, b[0], 1, 5001, 1500);
	sc_store_close(s);
	cr_expect_eq(lg.h[20].segment, seg + 1);
	cr_expect_eq(lg.h[21].segment, seg + 2);
	cr_expect_eq(file_size(seg_path(seg + 1, path, sizeof(path))),
		     SC_SEG_HDR_LEN + SC_BLOCK_HDR_LEN + lg.h[20].stored_len);
	cr_expect_eq(file_size(seg_path(seg + 2, path, sizeof(path))),
		     SC_SEG_HDR_LEN + SC_BLOCK_HDR_LEN + lg.h[21].stored_len);

	segs = read_back();
	cr_expect_eq(segs, seg + 3);
	expect_verify_ok(seg + 3, 2);
	for (int l = 0; l < 2; l++)
		sc_block_builder_free(b[l]);
}

Test(store, explicit_rotate_and_empty_store)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	char path[256];
	struct sc_verify_result res;
	char err[256];

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	cr_expect_eq(sc_store_rotate(s), 0, "rotate with no open segment is a no-op");
	cr_expect_eq(sc_store_close(s), 0);
	cr_expect_eq(file_size(seg_path(0, path, sizeof(path))), -1, "no block, no segment");
	/* An empty store reads and verifies as empty. */
	cr_expect_eq(read_back(), 0);
	cr_expect_eq(sc_verify(storedir, &res, print_issue, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.blocks, 0);
	cr_expect_eq(res.segments, 0);

	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 2, 100, 0);
	cr_expect_eq(sc_store_rotate(s), 0);
	append_block(s, b, 2, 200, 0);
	cr_expect_eq(sc_store_rotate(s), 0);
	cr_expect_eq(sc_store_rotate(s), 0);
	append_block(s, b, 2, 300, 0);
	sc_store_close(s);
	cr_expect_eq(lg.h[0].segment, 0);
	cr_expect_eq(lg.h[1].segment, 1);
	cr_expect_eq(lg.h[2].segment, 2, "a second rotate must not leave an empty segment");
	cr_expect_eq(read_back(), 3);
	expect_verify_ok(3, 1);
	sc_block_builder_free(b);
	sc_store_close(NULL);
}

/* ---- fsync policies ---------------------------------------------------------- */

Test(store, fsync_policies)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_BLOCK);
	append_block(s, b, 1, 1, 0);
	cr_expect_eq(sc_store_synced(s), 1, "FSYNC_BLOCK syncs every block");
	append_block(s, b, 1, 2, 0);
	cr_expect_eq(sc_store_synced(s), 2);
	sc_store_close(s);

	open_store(&s, 0, SC_FSYNC_INTERVAL);
	cr_expect_eq(sc_store_synced(s), 2, "blocks found at open are on disk");
	append_block(s, b, 1, 3, 0);
	cr_expect_eq(sc_store_synced(s), 2);
	cr_expect_eq(sc_store_tick(s, 0), 0);
	cr_expect_eq(sc_store_synced(s), 2, "tick before fsync_ms must not sync");
	cr_expect_eq(sc_store_tick(s, INT64_MAX / 2), 0);
	cr_expect_eq(sc_store_synced(s), 3, "tick after fsync_ms must sync");
	sc_store_close(s);

	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 1, 4, 0);
	cr_expect_eq(sc_store_tick(s, INT64_MAX / 2), 0);
	cr_expect_eq(sc_store_synced(s), 3, "FSYNC_NONE leaves it to the kernel");
	cr_expect_eq(sc_store_sync(s), 0);
	cr_expect_eq(sc_store_synced(s), 4, "explicit sync");
	sc_store_close(s);
	sc_block_builder_free(b);
	expect_verify_ok(3, 1);
}

/* ---- creation --------------------------------------------------------------- */

/*
 * Directories 0750, files 0640, whatever the umask: a umask of 077 must not
 * lock the auditors' group out, one of 0 must not open the store to all.
 */
Test(store, created_with_restrictive_modes_whatever_the_umask)
{
	static const mode_t masks[] = { 022, 0, 077, 027 };

	for (size_t k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
		static const struct { const char *name; mode_t mode; } want[] = {
			{ "", 0750 }, { "/store.json", 0640 }, { "/segments", 0750 },
			{ "/segments/00000000.seg", 0640 }, { "/segments/00000001.seg", 0640 },
			{ "/leaves", 0640 }, { "/keys", 0750 }, { "/keys/epochs-x.pub", 0640 },
		};
		struct sc_block_builder *b = sc_block_builder_new(0, 16384);
		struct sc_store *s;
		struct stat st;
		char path[256];
		mode_t old = umask(masks[k]);

		cr_assert_not_null(b);
		sct_rmtree(storedir);
		open_store(&s, 0, SC_FSYNC_NONE);
		append_block(s, b, 1, 1, 0);
		cr_assert_eq(sc_store_rotate(s), 0);
		append_block(s, b, 1, 2, 0);
		cr_assert_eq(sc_store_put_key(s, "epochs-x.pub", "public\n", 7), 0);
		sc_store_close(s);
		umask(old);
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", storedir, want[i].name);
			cr_assert_eq(stat(path, &st), 0, "%s", path);
			cr_expect_eq(st.st_mode & 07777, want[i].mode, "umask %03o: %s mode %04o, want %04o",
				     masks[k], path, st.st_mode & 07777, want[i].mode);
		}
		snprintf(path, sizeof(path), "%s/store.json.tmp", storedir);
		cr_expect_neq(access(path, F_OK), 0, "temporary file left behind");
		sc_block_builder_free(b);
		lg.n = 0;
	}
}

Test(store, store_json_shape)
{
	struct sc_store *s;
	char path[256];
	size_t n;
	char *json;

	open_store(&s, 0, SC_FSYNC_NONE);
	sc_store_close(s);
	snprintf(path, sizeof(path), "%s/store.json", storedir);
	json = (char *)slurp(path, &n);
	json[n] = '\0';
	cr_expect_not_null(strstr(json, "\"format\": \"sealcap-store\""), "%s", json);
	cr_expect_not_null(strstr(json, "\"format_version\": 3,"), "%s", json);
	cr_expect_not_null(strstr(json, "\"origin\": \"test/ward-7\""), "%s", json);
	cr_expect_not_null(strstr(json, "\"instance\": \""), "%s", json);
	cr_expect_not_null(strstr(json, "\"created_ns\": "), "%s", json);
	free(json);
}

Test(store, two_stores_have_different_identities)
{
	struct sc_store *s;
	uint8_t a[SC_HASH_LEN], b[SC_HASH_LEN];
	char first[160];

	open_store(&s, 0, SC_FSYNC_NONE);
	sc_store_close(s);
	store_id(storedir, a);
	snprintf(first, sizeof(first), "%s", storedir);
	snprintf(storedir, sizeof(storedir), "%s/other", tmpdir);
	open_store(&s, 0, SC_FSYNC_NONE);
	sc_store_close(s);
	store_id(storedir, b);
	cr_expect(memcmp(a, b, SC_HASH_LEN) != 0,
		  "same origin, two stores: the random instance must tell them apart");
}

Test(store, non_store_directory_is_refused)
{
	struct sc_store_opts o = { .dir = storedir, .origin = "test/ward-7" };
	struct sc_store *s = (struct sc_store *)1;
	char err[512] = "", path[256];
	int rc;
	FILE *f;

	cr_assert_eq(mkdir(storedir, 0755), 0);
	snprintf(path, sizeof(path), "%s/patient-notes.txt", storedir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("not a store\n", f);
	fclose(f);

	rc = sc_store_open(&o, &s, err, sizeof(err));
	cr_expect_eq(rc, -EEXIST, "got %d (%s)", rc, err);
	cr_expect_null(s, "*out must be NULL on failure");
	cr_expect_not_null(strstr(err, storedir), "message must name the directory: '%s'", err);
	snprintf(path, sizeof(path), "%s/store.json", storedir);
	cr_expect_neq(access(path, F_OK), 0, "store.json written into a foreign directory");
	snprintf(path, sizeof(path), "%s/patient-notes.txt", storedir);
	cr_expect_eq(file_size(path), 12, "foreign file touched");
}

Test(store, empty_existing_directory_becomes_a_store)
{
	struct sc_store *s;

	cr_assert_eq(mkdir(storedir, 0700), 0);
	open_store(&s, 0, SC_FSYNC_NONE);
	sc_store_close(s);
	cr_expect_eq(read_back(), 0);
}

Test(store, path_that_is_a_file_is_enotdir)
{
	struct sc_store_opts o = { .dir = storedir, .origin = "test/ward-7" };
	struct sc_store *s = NULL;
	char err[512] = "";
	int fd, rc;

	fd = open(storedir, O_WRONLY | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	rc = sc_store_open(&o, &s, err, sizeof(err));
	cr_expect_eq(rc, -ENOTDIR, "a regular file as store dir: got %d (%s)", rc, err);
	cr_expect_null(s);
	cr_expect_not_null(strstr(err, storedir), "message must name the path: '%s'", err);
}

Test(store, bad_origin_is_refused)
{
	char long_origin[202];
	const char *bad[] = { "", "two words", "quote\"d", "back\\slash", "tab\there",
			      "del\x7f", "utf8-\xc3\xa9", long_origin };
	char err[512], path[256];

	memset(long_origin, 'a', 201);
	long_origin[201] = '\0';
	snprintf(path, sizeof(path), "%s/store.json", storedir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sc_store_opts o = { .dir = storedir, .origin = bad[i] };
		struct sc_store *s = NULL;
		int rc;

		err[0] = '\0';
		rc = sc_store_open(&o, &s, err, sizeof(err));
		cr_expect_eq(rc, -EINVAL, "origin #%zu '%s' accepted (%d)", i, bad[i], rc);
		cr_expect_null(s);
		cr_expect_not_null(strstr(err, "origin"), "message must say what: '%s'", err);
		cr_expect_neq(access(path, F_OK), 0, "store.json created for a bad origin");
		if (s)
			sc_store_close(s);
	}
	/* 200 characters is the limit, and allowed. */
	long_origin[200] = '\0';
	{
		struct sc_store_opts o = { .dir = storedir, .origin = long_origin };
		struct sc_store *s = NULL;
		struct sc_store_reader *r;

		err[0] = '\0';
		cr_expect_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
		sc_store_close(s);
		r = sc_store_reader_open(storedir, err, sizeof(err));
		cr_assert_not_null(r, "%s", err);
		cr_expect_str_eq(sc_store_reader_origin(r), long_origin);
		sc_store_reader_close(r);
	}
}

Test(store, default_origin_is_the_hostname)
{
	struct sc_store_opts o = { .dir = storedir };
	struct sc_store *s = NULL;
	struct sc_store_reader *r;
	char err[512] = "", host[256] = "", want[300];

	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	sc_store_close(s);
	gethostname(host, sizeof(host) - 1);
	snprintf(want, sizeof(want), "sealcap/%s", host);
	r = sc_store_reader_open(storedir, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_expect_str_eq(sc_store_reader_origin(r), want);
	sc_store_reader_close(r);
}

/* ---- refusals and damage ------------------------------------------------------ */

Test(store, append_rejects_bad_lane)
{
	struct sc_block_builder *b = sc_block_builder_new(SC_STORE_MAX_LANES, 16384);
	struct sc_store *s;
	struct sc_block_hdr h;
	struct sc_record r = { .pri = -1, .raw = (const uint8_t *)"" };
	uint8_t *stored;

	cr_assert_not_null(b);
	stored = malloc(sc_block_stored_max(b));
	cr_assert_not_null(stored);
	open_store(&s, 0, SC_FSYNC_NONE);
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_assert_eq(sc_block_seal(b, &test_clock, &h, stored), 0);
	cr_expect_eq(sc_store_append(s, &h, stored), -EINVAL);
	cr_expect_eq(sc_store_size(s), 0);
	cr_expect_eq(sc_store_bytes(s), 0, "nothing may be written for a refused block");
	sc_store_close(s);
	free(stored);
	sc_block_builder_free(b);
}

Test(store, reopen_refuses_damaged_tail)
{
	struct sc_block_builder *b = sc_block_builder_new(1, 16384);
	struct sc_store *s = NULL;
	struct sc_store_opts o = { .dir = storedir };
	struct sc_verify_result res;
	char err[512] = "", path[256];
	uint8_t byte;
	int fd, rc;
	off_t at;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 2, 10, 0);
	append_block(s, b, 2, 20, 0);
	sc_store_close(s);
	/* Flip one byte of the second block's lane field. */
	at = (off_t)(SC_SEG_HDR_LEN + SC_BLOCK_HDR_LEN + lg.h[0].stored_len + 8);
	fd = open(seg_path(0, path, sizeof(path)), O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &byte, 1, at), 1);
	byte ^= 0x01;
	cr_assert_eq(pwrite(fd, &byte, 1, at), 1);
	close(fd);

	s = NULL;
	rc = sc_store_open(&o, &s, err, sizeof(err));
	cr_expect_eq(rc, -EBADMSG, "opened a damaged store: %d", rc);
	cr_expect_null(s);
	cr_expect_not_null(strstr(err, storedir), "message must name the store: '%s'", err);
	cr_expect_eq(sc_verify(storedir, &res, NULL, NULL, err, sizeof(err)), 1);
	cr_expect_geq(res.issues, 1);
	cr_expect_eq(res.blocks, 1, "the intact first block still counts");
	sc_block_builder_free(b);
}

Test(store, reader_on_missing_store_fails_with_message)
{
	char err[512] = "";
	struct sc_store_reader *r;
	struct sc_verify_result res;

	errno = 0;
	r = sc_store_reader_open(storedir, err, sizeof(err));
	cr_expect_null(r);
	cr_expect_eq(errno, ENOENT);
	cr_expect_not_null(strstr(err, storedir), "'%s'", err);
	cr_expect_lt(sc_verify(storedir, &res, NULL, NULL, err, sizeof(err)), 0);
}

/* ---- failed writes -------------------------------------------------------------- */

/*
 * RLIMIT_FSIZE stands in for a full disk: a write past the limit is cut
 * short (or fails with EFBIG; SIGXFSZ is ignored).  Criterion runs each test
 * in its own process, so the limit stays within this test.
 */
static void
limit_file_size(rlim_t n)
{
	struct rlimit rl = { n, RLIM_INFINITY };

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit: %s", strerror(errno));
}

/* Seal one block in @p b and try to append it; returns sc_store_append's value. */
static int
try_append(struct sc_store *s, struct sc_block_builder *b, struct sc_block_hdr *h)
{
	uint8_t *stored = malloc(sc_block_stored_max(b));
	struct sc_record r = { .pri = 13, .rx_ns = 42 };
	char raw[600];
	int rc;

	cr_assert_not_null(stored);
	memset(raw, 'x', sizeof(raw));
	r.raw = (const uint8_t *)raw;
	r.raw_len = sizeof(raw);
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_assert_eq(sc_block_seal(b, &test_clock, h, stored), 0);
	rc = sc_store_append(s, h, stored);
	free(stored);
	return rc;
}

Test(store, failed_append_leaves_no_partial_block)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct sc_block_hdr h;
	char path[256];
	off_t before;
	int rc;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 2, 100, 0);
	before = file_size(seg_path(0, path, sizeof(path)));
	limit_file_size((rlim_t)before + 100);
	rc = try_append(s, b, &h);
	limit_file_size(RLIM_INFINITY);
	cr_expect_lt(rc, 0, "append past the size limit must fail");
	cr_expect_eq(file_size(path), before, "a partial block was left in the segment");
	cr_expect_eq(sc_store_size(s), 1);
	cr_expect_eq(sc_store_lane(s, 0)->next_block_seq, 1, "a failed block must not use a number");

	/* The next block takes the place of the failed one. */
	sc_block_builder_resume(b, sc_store_lane(s, 0)->next_rec_seq);
	append_block(s, b, 2, 200, 0);
	cr_expect_eq(lg.h[1].log_index, 1);
	cr_expect_eq(lg.h[1].block_seq, 1);
	sc_store_close(s);
	sc_block_builder_free(b);
	cr_expect_eq(read_back(), 1);
	expect_verify_ok(1, 1);
}

/*
 * The engine's lanes go on numbering records while the writer fails: the
 * next block written declares the records lost in between (h.lost), and
 * verify accepts exactly that skip, and reports it.
 */
Test(store, block_after_a_failed_append_declares_the_lost_records)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_verify_result res;
	struct sc_store *s;
	struct sc_block_hdr h;
	char err[512], path[256];
	off_t before;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 2, 100, 0);
	before = file_size(seg_path(0, path, sizeof(path)));
	limit_file_size((rlim_t)before + 100);
	cr_expect_lt(try_append(s, b, &h), 0);      /* 1 record sealed, not written */
	limit_file_size(RLIM_INFINITY);
	append_block(s, b, 3, 200, 0);              /* no resume: numbering went on */
	cr_expect_eq(lg.h[1].lost, 1, "lost %" PRIu64, lg.h[1].lost);
	cr_expect_eq(lg.h[1].first_seq, 3);
	sc_store_close(s);
	sc_block_builder_free(b);
	cr_expect_eq(sc_verify(storedir, &res, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.write_lost, 1);
}

Test(store, segment_without_blocks_after_failed_append_verifies)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct sc_block_hdr h;
	char path[256];
	int rc;

	cr_assert_not_null(b);
	/* Small segments: the second block starts segment 1, whose header is
	 * written but whose first block is not. */
	open_store(&s, 512, SC_FSYNC_NONE);
	append_block(s, b, 2, 100, 0);
	limit_file_size(200);
	rc = try_append(s, b, &h);
	limit_file_size(RLIM_INFINITY);
	cr_expect_lt(rc, 0);
	sc_store_close(s);
	cr_expect_eq(file_size(seg_path(1, path, sizeof(path))), SC_SEG_HDR_LEN,
		     "segment 1 should hold just its header");

	/* The next start writes segment 2; nothing is missing or damaged. */
	open_store(&s, 512, SC_FSYNC_NONE);
	sc_block_builder_resume(b, sc_store_lane(s, 0)->next_rec_seq);
	append_block(s, b, 2, 300, 0);
	sc_store_close(s);
	cr_expect_eq(lg.h[1].segment, 2);
	cr_expect_eq(lg.h[1].log_index, 1);
	sc_block_builder_free(b);
	expect_verify_ok(3, 1);
}

static void
count_issue(const struct sc_verify_issue *i, void *arg)
{
	unsigned *n = arg;

	n[i->err < SC_E__COUNT ? i->err : 0]++;
	/* Expected here: info only (any cr_log_warn/error makes Criterion exit 1). */
	cr_log_info("verify: %s segment %u: %s", sc_error_name(i->err), i->segment, i->detail);
}

Test(store, missing_segment_file_is_reported)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct sc_verify_result res;
	unsigned seen[SC_E__COUNT] = { 0 };
	char path[256], err[256];

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	for (int i = 0; i < 3; i++) {
		append_block(s, b, 2, 100 * (i + 1), 0);
		sc_store_rotate(s);
	}
	/* A fourth segment that holds only its header. */
	limit_file_size(SC_SEG_HDR_LEN + 10);
	{
		struct sc_block_hdr h;

		cr_expect_lt(try_append(s, b, &h), 0);
	}
	limit_file_size(RLIM_INFINITY);
	sc_store_close(s);
	cr_assert_eq(file_size(seg_path(3, path, sizeof(path))), SC_SEG_HDR_LEN);
	expect_verify_ok(4, 1);

	/* Delete segment 2, the one before the empty segment 3. */
	cr_assert_eq(unlink(seg_path(2, path, sizeof(path))), 0);
	cr_expect_eq(sc_verify(storedir, &res, count_issue, seen, err, sizeof(err)), 1,
		     "a store with a missing segment file verified");
	cr_expect_eq(seen[SC_E_SEG_NUMBER], 1, "SEG_NUMBER reported %u times", seen[SC_E_SEG_NUMBER]);
	sc_block_builder_free(b);
}

/*
 * The tail block's header rewritten with an impossible record count and a
 * recomputed block hash (nothing follows it in the chain): verify must
 * report the block, not fail to allocate leaves for 4 billion records.
 */
Test(store, verify_reports_impossible_record_count)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct sc_verify_result res;
	unsigned seen[SC_E__COUNT] = { 0 };
	uint8_t hdr[SC_BLOCK_HDR_LEN];
	char path[256], err[256] = "";
	off_t at;
	int fd, rc;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 3, 100, 0);
	append_block(s, b, 3, 200, 0);
	sc_store_close(s);
	at = (off_t)(SC_SEG_HDR_LEN + SC_BLOCK_HDR_LEN + lg.h[0].stored_len);
	fd = open(seg_path(0, path, sizeof(path)), O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, hdr, sizeof(hdr), at), (ssize_t)sizeof(hdr));
	hdr[40] = hdr[41] = hdr[42] = hdr[43] = 0xff; /* count */
	sc_block_hash(hs, hdr, hdr + SC_BLOCK_HASHED_LEN);
	cr_assert_eq(pwrite(fd, hdr, sizeof(hdr), at), (ssize_t)sizeof(hdr));
	close(fd);

	rc = sc_verify(storedir, &res, count_issue, seen, err, sizeof(err));
	cr_expect_eq(rc, 1, "verify returned %d (%s)", rc, err);
	cr_expect_eq(seen[SC_E_RECORD_COUNT], 1);
	cr_expect_eq(res.blocks, 2);
	cr_expect_eq(res.records, 3, "only the intact block's records count");
	sc_block_builder_free(b);
}

/* ---- the log tree's leaves ------------------------------------------------------ */

static uint8_t *
leaves_of(size_t *n)
{
	char path[256];
	size_t len;
	uint8_t *p;

	snprintf(path, sizeof(path), "%s/leaves", storedir);
	p = slurp(path, &len);
	cr_assert_eq(len % SC_HASH_LEN, 0, "leaves file of %zu bytes", len);
	*n = len / SC_HASH_LEN;
	return p;
}

Test(store, leaves_file_lists_every_block_hash_in_log_order)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct stat st;
	char path[256];
	uint8_t *lv, root[SC_HASH_LEN], want[SC_HASH_LEN];
	size_t n;

	cr_assert_not_null(b);
	open_store(&s, 4096, SC_FSYNC_BLOCK);
	for (int i = 0; i < 12; i++)
		append_block(s, b, 5 + i, 1000 * i, 0);
	sc_store_root(s, root);
	sc_store_close(s);
	lv = leaves_of(&n);
	cr_assert_eq(n, 12);
	for (size_t i = 0; i < n; i++)
		cr_expect(memcmp(lv + i * SC_HASH_LEN, lg.h[i].block_hash, SC_HASH_LEN) == 0,
			  "leaf %zu", i);
	sc_merkle_root(hs, (uint8_t (*)[SC_HASH_LEN])lv, n, want);
	cr_expect(memcmp(root, want, SC_HASH_LEN) == 0, "sc_store_root is the tree over the leaves");
	snprintf(path, sizeof(path), "%s/leaves", storedir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0640, "leaves mode %o", st.st_mode & 0777);
	free(lv);
	sc_block_builder_free(b);
}

/*
 * A crash between a block and its leaf leaves the file short; one between
 * a leaf and the block reaching the disk leaves it long.  The writer mends
 * both at open, and a leaf that differs from its block stops it.
 */
Test(store, open_mends_short_and_long_leaves_and_refuses_wrong_ones)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store *s;
	struct sc_store_opts o = { .dir = storedir, .origin = "test/ward-7", .fsync = SC_FSYNC_NONE };
	char path[256], err[512];
	uint8_t *lv, junk[SC_HASH_LEN * 2];
	size_t n;
	int fd;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	for (int i = 0; i < 6; i++)
		append_block(s, b, 3, 1000 * i, 0);
	sc_store_close(s);
	snprintf(path, sizeof(path), "%s/leaves", storedir);

	/* Short by two leaves and a half. */
	cr_assert_eq(truncate(path, 3 * SC_HASH_LEN + 7), 0);
	open_store(&s, 0, SC_FSYNC_NONE);
	cr_expect_eq(sc_store_size(s), 6);
	sc_store_close(s);
	lv = leaves_of(&n);
	cr_expect_eq(n, 6);
	cr_expect(memcmp(lv + 5 * SC_HASH_LEN, lg.h[5].block_hash, SC_HASH_LEN) == 0);
	free(lv);

	/* Two leaves of blocks that never reached the disk. */
	memset(junk, 0xab, sizeof(junk));
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 3, 9000, 0);
	sc_store_close(s);
	lv = leaves_of(&n);
	cr_expect_eq(n, 7);
	cr_expect(memcmp(lv + 6 * SC_HASH_LEN, lg.h[6].block_hash, SC_HASH_LEN) == 0);
	free(lv);

	/* A leaf that is not its block's hash: damage, not a crash. */
	fd = open(path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, junk, 1, 2 * SC_HASH_LEN), 1);
	close(fd);
	cr_expect_eq(sc_store_open(&o, &s, err, sizeof(err)), -EBADMSG);
	cr_expect(strstr(err, "leaf 2 differs from the hash of block 2") != NULL, "%s", err);
	sc_block_builder_free(b);
}

/* ---- crash recovery: a torn tail is cut at open -------------------------- */

/*
 * Three blocks in segment 0, then @p damage applied to the segment file;
 * reopen.  @return the store (open) or NULL, with its error in @p err.
 */
static struct sc_store *
reopen_after(void (*damage)(const char *path), char *err, size_t errlen)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store_opts o = { .dir = storedir, .fsync = SC_FSYNC_NONE };
	struct sc_store *s;
	char path[256];

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	for (int i = 0; i < 3; i++)
		append_block(s, b, 3, 100 * (i + 1), 0);
	sc_store_close(s);
	sc_block_builder_free(b);
	damage(seg_path(0, path, sizeof(path)));
	s = NULL;
	err[0] = '\0';
	if (sc_store_open(&o, &s, err, errlen) != 0)
		return NULL;
	return s;
}

/* Where block @p i of the test's log starts in segment 0. */
static off_t
block_off(uint64_t i)
{
	off_t at = SC_SEG_HDR_LEN;

	for (uint64_t k = 0; k < i; k++)
		at += (off_t)(SC_BLOCK_HDR_LEN + lg.h[k].stored_len);
	return at;
}

static void
cut_inside_third_block(const char *path)
{
	cr_assert_eq(truncate(path, block_off(2) + SC_BLOCK_HDR_LEN + 5), 0);
}

static void
zeros_after_last_block(const char *path)
{
	cr_assert_eq(truncate(path, block_off(3) + 4096), 0);
}

static void
zeros_over_third_payload(const char *path)
{
	int fd = open(path, O_RDWR);
	uint8_t *z = calloc(1, lg.h[2].stored_len);

	cr_assert(fd >= 0 && z != NULL);
	cr_assert_eq(pwrite(fd, z, lg.h[2].stored_len, block_off(2) + SC_BLOCK_HDR_LEN),
		     (ssize_t)lg.h[2].stored_len);
	close(fd);
	free(z);
}

static void
garbage_over_third_payload(const char *path)
{
	int fd = open(path, O_RDWR);
	uint8_t *g = malloc(lg.h[2].stored_len);

	cr_assert(fd >= 0 && g != NULL);
	memset(g, 0xa5, lg.h[2].stored_len);
	cr_assert_eq(pwrite(fd, g, lg.h[2].stored_len, block_off(2) + SC_BLOCK_HDR_LEN),
		     (ssize_t)lg.h[2].stored_len);
	close(fd);
	free(g);
}

static void
garbage_after_last_block(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "not zeros, not a block", 22), 22);
	close(fd);
}

static void
expect_recovered(struct sc_store *s, uint64_t blocks, off_t offset, enum sc_error reason)
{
	const struct sc_store_recovery *rec;
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	char path[256];

	cr_assert_not_null(s, "a torn tail must be cut, not refused");
	rec = sc_store_recovered(s);
	cr_assert_not_null(rec);
	cr_expect_eq(rec->segment, 0);
	cr_expect_eq(rec->offset, (uint64_t)offset, "cut at %" PRIu64 ", want %lld", rec->offset,
		     (long long)offset);
	cr_expect_eq(rec->reason, reason, "reason %s, want %s", sc_error_name(rec->reason),
		     sc_error_name(reason));
	cr_expect_gt(rec->cut_bytes, 0);
	cr_expect_eq(sc_store_size(s), blocks);
	cr_expect_eq(file_size(seg_path(0, path, sizeof(path))), offset, "segment not truncated");
	/* The chain goes on from the last whole block. */
	cr_assert_not_null(b);
	sc_block_builder_resume(b, sc_store_lane(s, 0)->next_rec_seq);
	for (; lg.n > blocks; lg.n--) {
		lg.records -= lg.h[lg.n - 1].count;
		lg.raw -= lg.h[lg.n - 1].raw_bytes;
		lg.stored -= SC_BLOCK_HDR_LEN + lg.h[lg.n - 1].stored_len;
	}
	append_block(s, b, 2, 900, 0);
	cr_expect_eq(lg.h[blocks].log_index, blocks);
	cr_expect_eq(lg.h[blocks].block_seq, blocks);
	sc_store_close(s);
	sc_block_builder_free(b);
	expect_verify_ok(2, 1);
}

Test(store, recovery_cuts_a_block_cut_short)
{
	char err[512];
	struct sc_store *s = reopen_after(cut_inside_third_block, err, sizeof(err));

	expect_recovered(s, 2, block_off(2), SC_E_BLK_TRUNCATED);
}

Test(store, recovery_cuts_zeros_the_filesystem_left)
{
	char err[512];
	struct sc_store *s = reopen_after(zeros_after_last_block, err, sizeof(err));

	expect_recovered(s, 3, block_off(3), SC_E_BLK_MAGIC);
}

Test(store, recovery_cuts_a_whole_header_over_a_zeroed_payload)
{
	char err[512];
	struct sc_store *s = reopen_after(zeros_over_third_payload, err, sizeof(err));

	expect_recovered(s, 2, block_off(2), SC_E_PAYLOAD_HASH);
}

/* Any payload under a whole newest header: its pages never reached the disk. */
Test(store, recovery_cuts_the_newest_block_whose_payload_is_wrong)
{
	char err[512];
	struct sc_store *s = reopen_after(garbage_over_third_payload, err, sizeof(err));

	expect_recovered(s, 2, block_off(2), SC_E_PAYLOAD_HASH);
}

Test(store, recovery_refuses_garbage_that_is_not_a_torn_write)
{
	char err[512];
	struct sc_store *s = reopen_after(garbage_after_last_block, err, sizeof(err));

	cr_expect_null(s, "non-zero bytes after the last block are damage, not a crash");
	cr_expect(strstr(err, "sealctl verify") != NULL, "%s", err);
}

Test(store, recovery_removes_a_segment_with_a_torn_header)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store_opts o = { .dir = storedir, .fsync = SC_FSYNC_NONE };
	const struct sc_store_recovery *rec;
	struct sc_store *s;
	char path[256], err[512] = "";
	int fd;

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 3, 100, 0);
	sc_store_close(s);
	/* A second segment whose header never got written whole. */
	fd = open(seg_path(1, path, sizeof(path)), O_WRONLY | O_CREAT | O_TRUNC, 0640);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "SCSEG", 5), 5);  /* SC_SEG_MAGIC cut short */
	close(fd);
	s = NULL;
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	rec = sc_store_recovered(s);
	cr_assert_not_null(rec);
	cr_expect_eq(rec->segment, 1);
	cr_expect_eq(rec->offset, 0);
	cr_expect_eq(rec->cut_bytes, 5);
	cr_expect_eq(access(path, F_OK), -1, "the torn segment is removed");
	cr_expect_eq(sc_store_size(s), 1);
	sc_store_close(s);
	sc_block_builder_free(b);
	expect_verify_ok(1, 1);
}

Test(store, recovery_never_cuts_inside_an_older_segment)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 16384);
	struct sc_store_opts o = { .dir = storedir, .fsync = SC_FSYNC_NONE };
	struct sc_store *s;
	char path[256], err[512] = "";

	cr_assert_not_null(b);
	open_store(&s, 0, SC_FSYNC_NONE);
	append_block(s, b, 3, 100, 0);
	append_block(s, b, 3, 200, 0);
	sc_store_close(s);
	open_store(&s, 0, SC_FSYNC_NONE);  /* segment 1 */
	sc_block_builder_resume(b, sc_store_lane(s, 0)->next_rec_seq);
	append_block(s, b, 3, 300, 0);
	sc_store_close(s);
	/* Segment 0 cut short: that is damage, not a crash of the last write. */
	cr_assert_eq(truncate(seg_path(0, path, sizeof(path)), block_off(1) + 7), 0);
	s = NULL;
	cr_expect_neq(sc_store_open(&o, &s, err, sizeof(err)), 0);
	cr_expect_null(s);
	cr_expect(strstr(err, "sealctl verify") != NULL, "%s", err);
	sc_block_builder_free(b);
}

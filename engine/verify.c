/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sealcap/store.h>

#include "store_priv.h"

struct lane_expect {
	bool seen;
	bool resync;  /* after skipped damage: take the next block as it comes */
	uint64_t next_block_seq;
	uint64_t next_rec_seq;
	uint8_t last_hash[SC_HASH_LEN];
};

struct vctx {
	sc_verify_fn fn;
	void *arg;
	struct sc_verify_result *res;
};

static bool
is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int
count_event(const struct sc_record *r, uint32_t index, void *arg)
{
	(void)index;
	if (r->flags & SC_REC_EVENT)
		++*(uint64_t *)arg;
	return 0;
}

static void
report(struct vctx *v, enum sc_error err, const struct sc_store_pos *pos,
       int64_t block, uint32_t lane, int64_t record, const char *fmt, ...)
{
	struct sc_verify_issue i = {
		.err = err, .segment = pos->segment, .offset = pos->offset,
		.block = block, .lane = lane, .record = record,
	};

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(i.detail, sizeof(i.detail), fmt, ap);
		va_end(ap);
	}
	v->res->issues++;
	if (v->fn)
		v->fn(&i, v->arg);
}

int
sc_verify(const char *dir, struct sc_verify_result *res, sc_verify_fn fn, void *arg,
	  char *errbuf, size_t errlen)
{
	struct sc_store_reader *r;
	struct lane_expect *lanes;
	struct sc_hasher *hs;
	struct vctx v = { fn, arg, res };
	uint8_t *payload = NULL;
	uint8_t (*leaves)[SC_HASH_LEN] = NULL;
	size_t pcap = 0, lcap = 0;
	uint64_t next_log = 0;
	bool log_resync = false;
	int rc;

	memset(res, 0, sizeof(*res));
	r = sc_store_reader_open(dir, errbuf, errlen);
	if (r == NULL)
		return -errno;
	hs = sc_hasher_new();
	lanes = calloc(SC_STORE_MAX_LANES, sizeof(*lanes));
	if (hs == NULL || lanes == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	res->segments = sc_store_reader_segments(r);
	/*
	 * Missing segment files show as gaps in the file names.  Checked on the
	 * list, not on the blocks read: a segment with no block (its first
	 * append failed, or the writer died right after creating it) is part of
	 * an intact store, and a gap beside it must still be found.
	 */
	for (uint32_t i = 1; i < res->segments; i++) {
		const uint32_t *segs = sc_store_reader_segment_list(r);
		struct sc_store_pos gap = { .segment = segs[i] };

		if (segs[i] != segs[i - 1] + 1)
			report(&v, SC_E_SEG_NUMBER, &gap, -1, 0, -1,
			       "segment %08" PRIu32 " follows %08" PRIu32 ": segment files missing",
			       segs[i], segs[i - 1]);
	}

	for (;;) {
		/* Zeroed: a read that stops inside a block header leaves it so. */
		struct sc_block_hdr h = { 0 };
		struct sc_store_pos pos = { 0 };
		const uint8_t *stored;
		enum sc_error err;
		struct lane_expect *l;
		uint32_t bad;

		rc = sc_store_read(r, &h, &stored, &pos, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			/*
			 * Name the block only from a header whose hash checked:
			 * the reader tests the hash before BLK_SEGMENT and before
			 * the payload length, while a file that ends inside the
			 * header leaves h zeroed.  A header failing its magic,
			 * codec or hash may say anything, log index and lane too.
			 */
			bool hdr = err == SC_E_BLK_SEGMENT ||
				   (err == SC_E_BLK_TRUNCATED && !is_zero(h.block_hash, SC_HASH_LEN));

			if (pos.offset == 0)
				report(&v, err, &pos, -1, 0, -1, "segment unreadable; its blocks are skipped");
			else if (hdr)
				report(&v, err, &pos, (int64_t)h.log_index, h.lane, -1,
				       "rest of the segment skipped");
			else if (!log_resync)
				report(&v, err, &pos, -1, 0, -1,
				       "block not known, log index %" PRIu64 " expected here; rest of the segment skipped",
				       next_log);
			else
				report(&v, err, &pos, -1, 0, -1,
				       "block not known; rest of the segment skipped");
			/*
			 * Whatever followed is unknown: re-anchor every lane on
			 * what comes next, also lanes not seen yet (their first
			 * blocks may be among the skipped ones).
			 */
			for (int i = 0; i < SC_STORE_MAX_LANES; i++)
				lanes[i].resync = true;
			log_resync = true;
			continue;
		}
		if (h.lane >= SC_STORE_MAX_LANES) {
			report(&v, SC_E_BLK_MAGIC, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " out of range", h.lane);
			continue;
		}
		res->blocks++;
		if (h.log_index != next_log && !log_resync)
			report(&v, SC_E_LOG_INDEX, &pos, (int64_t)h.log_index, h.lane, -1,
			       "expected log index %" PRIu64 ", found %" PRIu64,
			       next_log, h.log_index);
		log_resync = false;
		next_log = h.log_index + 1;

		l = &lanes[h.lane];
		if (!l->seen) {
			l->seen = true;
			res->lanes++;
			memcpy(l->last_hash, sc_store_reader_id(r), SC_HASH_LEN);
		}
		if (l->resync) {
			l->resync = false;
		} else {
			if (h.block_seq != l->next_block_seq)
				report(&v, SC_E_LANE_SEQ, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 ": expected block %" PRIu64 ", found %" PRIu64,
				       h.lane, l->next_block_seq, h.block_seq);
			else if (memcmp(h.prev_hash, l->last_hash, SC_HASH_LEN) != 0)
				report(&v, SC_E_CHAIN, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 " block %" PRIu64 " does not follow the previous block",
				       h.lane, h.block_seq);
			if (h.first_seq != l->next_rec_seq && h.block_seq == l->next_block_seq)
				report(&v, SC_E_RECORD_SEQ, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 ": expected record %" PRIu64 ", block starts at %" PRIu64,
				       h.lane, l->next_rec_seq, h.first_seq);
		}
		l->next_block_seq = h.block_seq + 1;
		l->next_rec_seq = h.first_seq + h.count;
		memcpy(l->last_hash, h.block_hash, SC_HASH_LEN);

		/*
		 * Every record takes at least its header: a count the payload
		 * cannot hold is damage (a rewritten tail header can carry a
		 * fresh hash), not a reason to allocate count leaves.
		 */
		if (h.count > h.payload_len / SC_REC_HDR_LEN) {
			report(&v, SC_E_RECORD_COUNT, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " block %" PRIu64 ": %" PRIu32 " records in %" PRIu32
			       " payload bytes", h.lane, h.block_seq, h.count, h.payload_len);
			continue;
		}
		if (h.payload_len > pcap) {
			free(payload);
			pcap = h.payload_len;
			payload = malloc(pcap ? pcap : 1);
		}
		if (h.count > lcap) {
			free(leaves);
			lcap = h.count;
			leaves = malloc(lcap * SC_HASH_LEN);
		}
		if ((pcap && payload == NULL) || (lcap && leaves == NULL)) {
			rc = -ENOMEM;
			goto out;
		}
		err = sc_block_open(hs, &h, stored, payload, pcap);
		if (err != SC_E_OK) {
			report(&v, err, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " block %" PRIu64, h.lane, h.block_seq);
			continue;
		}
		err = sc_block_check_records(hs, &h, payload, leaves, &bad);
		if (err != SC_E_OK) {
			report(&v, err, &pos, (int64_t)h.log_index, h.lane,
			       err == SC_E_RECORD_ROOT ? -1 : (int64_t)bad,
			       "lane %" PRIu32 " block %" PRIu64, h.lane, h.block_seq);
			continue;
		}
		res->records += h.count;
		if (h.flags & SC_BLK_EVENTS)
			sc_block_foreach(payload, h.payload_len, count_event, &res->events);
		res->raw_bytes += h.raw_bytes;
		res->stored_bytes += SC_BLOCK_HDR_LEN + h.stored_len;
		if (res->first_ns == 0 || h.first_ns < res->first_ns)
			res->first_ns = h.first_ns;
		if (h.last_ns > res->last_ns)
			res->last_ns = h.last_ns;
	}
	rc = res->issues ? 1 : 0;
out:
	free(payload);
	free(leaves);
	free(lanes);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return rc;
}

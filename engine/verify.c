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
	uint32_t prev_seg = 0;
	bool have_seg = false;
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

	for (;;) {
		struct sc_block_hdr h;
		struct sc_store_pos pos = { 0 };
		const uint8_t *stored;
		enum sc_error err;
		struct lane_expect *l;
		uint32_t bad;

		rc = sc_store_read(r, &h, &stored, &pos, &err);
		if (rc == 0)
			break;
		if (have_seg && pos.segment != prev_seg && pos.offset <= SC_SEG_HDR_LEN &&
		    pos.segment != prev_seg + 1)
			report(&v, SC_E_SEG_NUMBER, &pos, -1, 0, -1,
			       "segment %08" PRIu32 " follows %08" PRIu32 ": segment files missing",
			       pos.segment, prev_seg);
		have_seg = true;
		prev_seg = pos.segment;
		if (rc < 0) {
			bool hdr = err == SC_E_BLK_HASH || err == SC_E_BLK_SEGMENT ||
				   err == SC_E_BLK_TRUNCATED;

			report(&v, err, &pos, hdr ? (int64_t)h.log_index : -1,
			       hdr ? h.lane : 0, -1,
			       pos.offset == 0 ? "segment unreadable; its blocks are skipped" :
			       "rest of the segment skipped");
			/* Whatever followed is unknown: re-anchor on what comes next. */
			for (int i = 0; i < SC_STORE_MAX_LANES; i++)
				lanes[i].resync = lanes[i].seen;
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

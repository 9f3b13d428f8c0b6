/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Retention (retention.h; docs/FORMAT.md, "Retention").
 *
 * The order of a pass is what makes it safe: the event that names the
 * segments is sealed and synced before any file goes.  A crash in between
 * leaves files an event already names (verify: pending; the next pass
 * removes them again); it never leaves a hole no event explains.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <sealcap/block.h>
#include <sealcap/record.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#include "store_priv.h"

static void __attribute__((format(printf, 3, 4)))
errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}


static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* How many of the oldest segments are due, and why.  Never the newest. */
static uint32_t
choose(const struct sc_seg_info *cat, uint32_t n, const struct sc_retention *p, int64_t now_ns,
       const char **reason)
{
	uint64_t total = 0;
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		total += cat[i].bytes;
	*reason = NULL;
	while (k + 1 < n && k < SC_PRUNE_MAX_SEGMENTS) {
		const struct sc_seg_info *c = &cat[k];

		/*
		 * Age is when the segment was last written, not the receive
		 * times inside: a capture file replayed today is kept as long
		 * as live traffic, and one engine event stamped "now" among old
		 * records cannot hold back the whole prefix.
		 */
		if (p->max_bytes && total > p->max_bytes) {
			if (*reason == NULL)
				*reason = "max-store-bytes";
		} else if (p->max_age_s > 0 && (double)(now_ns - c->written_ns) / 1e9 > p->max_age_s) {
			if (*reason == NULL)
				*reason = "retention-days";
		} else {
			break;
		}
		total -= c->bytes;
		k++;
	}
	return k;
}

static const struct sc_clock_info engine_clock = {
	.source = SC_CLOCK_ENGINE, .sync = SC_SYNC_UNKNOWN,
	.max_err_us = UINT32_MAX, .est_err_us = UINT32_MAX,
};

/* Seal @p text as an event record into a block of the store's own lane. */
static int
seal_event(struct sc_store *s, const char *text, size_t len, int64_t now_ns, uint64_t *index)
{
	const struct sc_lane_state *st = sc_store_lane(s, SC_STORE_LANE);
	size_t bb = len + 4096 > 65536 ? len + 4096 : 65536;
	struct sc_block_builder *b = sc_block_builder_new(SC_STORE_LANE, bb);
	struct sc_record r;
	struct sc_block_hdr h;
	uint8_t *stored = NULL;
	int rc = -ENOMEM;

	if (b == NULL)
		return -ENOMEM;
	sc_block_builder_resume(b, st->next_rec_seq);
	memset(&r, 0, sizeof(r));
	r.rx_ns = now_ns;
	r.msg_ns = INT64_MIN;
	r.transport = SC_TRANSPORT_NONE;
	r.flags = SC_REC_EVENT;
	r.pri = -1;
	r.raw = (const uint8_t *)text;
	r.raw_len = (uint32_t)len;
	stored = malloc(sc_block_stored_max(b));
	if (stored != NULL && (rc = sc_block_add(b, &r)) == 0 &&
	    (rc = sc_block_seal(b, &engine_clock, &h, stored)) == 0 &&
	    (rc = sc_store_append(s, &h, stored)) == 0)
		*index = h.log_index;
	free(stored);
	sc_block_builder_free(b);
	return rc;
}

int
sc_store_prune(struct sc_store *s, const struct sc_retention *p, int64_t now_ns,
	       struct sc_prune_result *res, char *errbuf, size_t errlen)
{
	const struct sc_seg_info *cat;
	uint32_t n, k;
	bool open;
	json_t *doc, *segs, *lanes, *kept;
	char *text = NULL, buf[80];
	int64_t t0 = 0, t1 = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	cat = sc_store_catalog(s, &n, &open);
	k = choose(cat, n, p, now_ns, &res->reason);
	if (k == 0)
		return 0;
	res->segments = k;
	res->first_segment = cat[0].number;
	res->last_segment = cat[k - 1].number;
	res->first_index = cat[0].first_log;
	res->blocks = cat[k].first_log - cat[0].first_log;
	for (uint32_t i = 0; i < k; i++) {
		res->bytes += cat[i].bytes;
		if (cat[i].blocks && (t0 == 0 || cat[i].oldest_ns < t0))
			t0 = cat[i].oldest_ns;
		if (cat[i].newest_ns > t1)
			t1 = cat[i].newest_ns;
	}

	doc = json_object();
	json_object_set_new(doc, "event", json_string("retention"));
	json_object_set_new(doc, "reason", json_string(res->reason));
	segs = json_array();
	for (uint32_t i = 0; i < k; i++) {
		snprintf(buf, sizeof(buf), "%08" PRIu32, cat[i].number);
		json_array_append_new(segs, json_string(buf));
	}
	json_object_set_new(doc, "segments", segs);
	json_object_set_new(doc, "blocks", json_integer((json_int_t)res->blocks));
	if (res->blocks)
		snprintf(buf, sizeof(buf), "%" PRIu64 "..%" PRIu64, res->first_index,
			 res->first_index + res->blocks - 1);
	else
		buf[0] = '\0';
	json_object_set_new(doc, "log_index", json_string(buf));
	json_object_set_new(doc, "bytes", json_integer((json_int_t)res->bytes));
	if (res->blocks) {
		sc_time_utc(t0, buf, sizeof(buf));
		json_object_set_new(doc, "first_time", json_string(buf));
		sc_time_utc(t1, buf, sizeof(buf));
		json_object_set_new(doc, "last_time", json_string(buf));
	}
	kept = json_object();
	snprintf(buf, sizeof(buf), "%08" PRIu32, cat[k].number);
	json_object_set_new(kept, "segment", json_string(buf));
	json_object_set_new(kept, "log_index", json_integer((json_int_t)cat[k].first_log));
	json_object_set_new(doc, "kept_from", kept);
	/*
	 * Lanes whose newest block goes now (or went before): their chain
	 * state lives on here, for the engine's next start and for verify.
	 */
	lanes = json_array();
	for (uint32_t l = 0; l < SC_STORE_MAX_LANES; l++) {
		const struct sc_lane_state *st = sc_store_lane(s, l);
		uint64_t index;
		uint32_t seg;
		json_t *a;
		char h[2 * SC_HASH_LEN + 1];

		sc_store_lane_where(s, l, &index, &seg);
		if (st->next_block_seq == 0 || (seg != UINT32_MAX && seg > res->last_segment))
			continue;
		a = json_object();
		hex(st->last_hash, SC_HASH_LEN, h);
		json_object_set_new(a, "lane", json_integer(l));
		json_object_set_new(a, "block", json_integer((json_int_t)st->next_block_seq));
		json_object_set_new(a, "record", json_integer((json_int_t)st->next_rec_seq));
		json_object_set_new(a, "index", json_integer((json_int_t)index));
		json_object_set_new(a, "hash", json_string(h));
		json_array_append_new(lanes, a);
	}
	json_object_set_new(doc, "lanes", lanes);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL) {
		errf(errbuf, errlen, "retention: out of memory");
		return -ENOMEM;
	}

	/* The event first, on stable storage with its directory entry ... */
	rc = seal_event(s, text, strlen(text), now_ns, &res->event_index);
	free(text);
	if (rc == 0)
		rc = sc_store_sync(s);
	if (rc == 0) {
		char dir[4200];

		snprintf(dir, sizeof(dir), "%s/segments", sc_store_dir(s));
		rc = sc_fsync_dir(dir);
	}
	if (rc != 0) {
		errf(errbuf, errlen, "retention: cannot seal the retention event: %s; nothing removed",
		     strerror(-rc));
		return rc;
	}
	/* ... then the files. */
	rc = sc_store_drop_segments(s, k, errbuf, errlen);
	return rc == 0 ? 1 : rc;
}

/* ---- reading events ---------------------------------------------------------- */

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int
seg_number(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || strlen(s) != 8)
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
sc_retention_parse(const uint8_t *raw, size_t len, struct sc_retention_event *ev)
{
	json_t *doc = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *kept, *lanes, *a;
	size_t i;
	int rc = -EBADMSG;

	memset(ev, 0, sizeof(*ev));
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		return 0;
	}
	if (!json_is_string(json_object_get(doc, "event")) ||
	    strcmp(json_string_value(json_object_get(doc, "event")), "retention") != 0) {
		json_decref(doc);
		return 0;
	}
	kept = json_object_get(doc, "kept_from");
	lanes = json_object_get(doc, "lanes");
	if (!json_is_object(kept) || !json_is_integer(json_object_get(kept, "log_index")) ||
	    json_integer_value(json_object_get(kept, "log_index")) < 0 ||
	    seg_number(json_string_value(json_object_get(kept, "segment")), &ev->kept_segment) != 0 ||
	    !json_is_integer(json_object_get(doc, "blocks")) || !json_is_array(lanes) ||
	    json_array_size(lanes) > SC_STORE_MAX_LANES)
		goto out;
	ev->kept_index = (uint64_t)json_integer_value(json_object_get(kept, "log_index"));
	ev->blocks = (uint64_t)json_integer_value(json_object_get(doc, "blocks"));
	json_array_foreach(lanes, i, a) {
		struct sc_lane_anchor *an = &ev->lanes[ev->nlanes];
		json_t *lane = json_object_get(a, "lane"), *blk = json_object_get(a, "block");
		json_t *rec = json_object_get(a, "record"), *idx = json_object_get(a, "index");

		if (!json_is_integer(lane) || !json_is_integer(blk) || !json_is_integer(rec) ||
		    !json_is_integer(idx) || json_integer_value(lane) < 0 ||
		    json_integer_value(lane) >= SC_STORE_MAX_LANES || json_integer_value(blk) < 1 ||
		    json_integer_value(rec) < 0 || json_integer_value(idx) < 0 ||
		    unhex(json_string_value(json_object_get(a, "hash")), an->hash, SC_HASH_LEN) != 0)
			goto out;
		an->lane = (uint32_t)json_integer_value(lane);
		an->next_block_seq = (uint64_t)json_integer_value(blk);
		an->next_rec_seq = (uint64_t)json_integer_value(rec);
		an->index = (uint64_t)json_integer_value(idx);
		ev->nlanes++;
	}
	rc = 1;
out:
	json_decref(doc);
	if (rc != 1)
		memset(ev, 0, sizeof(*ev));
	return rc;
}

struct find_ctx {
	struct sc_retention_event *ev;
	int rc;
};

static int
find_event(const struct sc_record *r, uint32_t index, void *arg)
{
	struct find_ctx *c = arg;
	int rc;

	(void)index;
	if (!(r->flags & SC_REC_EVENT))
		return 0;
	rc = sc_retention_parse(r->raw, r->raw_len, c->ev);
	if (rc != 0)
		c->rc = rc;
	return 0;
}

int
sc_retention_read_event(const char *dir, uint32_t segment, uint64_t offset,
			struct sc_retention_event *ev)
{
	struct sc_store_reader *r = sc_store_reader_open(dir, NULL, 0);
	struct find_ctx c = { ev, 0 };
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored, *payload;
	enum sc_error e;
	int rc;

	if (r == NULL)
		return -errno;
	if (sc_store_reader_seek(r, segment, offset) != 0 ||
	    sc_store_read(r, &h, &stored, &pos, &e) != 1 ||
	    sc_store_reader_payload(r, &h, stored, &payload) != SC_E_OK)
		rc = -EBADMSG;
	else
		rc = sc_block_foreach(payload, h.payload_len, find_event, &c) == 0 ? c.rc : -EBADMSG;
	sc_store_reader_close(r);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "block": building, sealing, opening and checking blocks
 * (sealcap/block.h).
 *
 * Sealed payloads are copied into heap buffers of exactly stored_len /
 * payload_len bytes before they are opened or checked, so the sanitizer
 * build catches any read past what the header says is there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <lz4.h>
#include <rte_jhash.h>

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>

static struct sc_hasher *hs;

static void
setup(void)
{
	hs = sc_hasher_new();
	cr_assert_not_null(hs);
}

static void
teardown(void)
{
	sc_hasher_free(hs);
	hs = NULL;
}

TestSuite(block, .init = setup, .fini = teardown, .timeout = 120);

static const struct sc_clock_info test_clock = {
	.source = SC_CLOCK_PHC, .sync = SC_SYNC_SYNCED, .max_err_us = 120, .est_err_us = 7,
};

/* splitmix64, fixed seed per test. */
static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint8_t *
exact(const void *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	cr_assert_not_null(p);
	if (n)
		memcpy(p, src, n);
	return p;
}

static void
dump_hdr(const char *what, const struct sc_block_hdr *h)
{
	char root[2 * SC_HASH_LEN + 1];

	sc_hash_hex(h->root, root);
	cr_log_info("%s: lane=%u flags=%#x bseq=%llu log=%llu first_seq=%llu count=%u seg=%u "
		    "raw=%llu payload=%u stored=%u ns=[%lld,%lld] codec=%u sev=%#x fac=%#x root=%s",
		    what, h->lane, h->flags, (unsigned long long)h->block_seq,
		    (unsigned long long)h->log_index, (unsigned long long)h->first_seq, h->count,
		    h->segment, (unsigned long long)h->raw_bytes, h->payload_len, h->stored_len,
		    (long long)h->first_ns, (long long)h->last_ns, h->codec, h->severity_mask,
		    h->facility_mask, root);
}

/* One message: the text, with hostname and MSG spans found in it. */
struct msg {
	char raw[2048];
	struct sc_record r;
};

static void
make_msg(struct msg *m, int pri, const char *host, int64_t rx_ns, const char *body)
{
	int n;
	const char *hp;

	memset(m, 0, sizeof(*m));
	n = snprintf(m->raw, sizeof(m->raw), "<%d>1 2026-12-04T16:50:00Z %s app 42 - - %s",
		     pri, host, body);
	cr_assert(n > 0 && (size_t)n < sizeof(m->raw));
	m->r.rx_ns = rx_ns;
	m->r.msg_ns = 1796230200000000000;
	m->r.pri = (int16_t)pri;
	m->r.version = 1;
	m->r.format = 1;
	m->r.transport = SC_TRANSPORT_UDP;
	m->r.family = 4;
	m->r.raw = (const uint8_t *)m->raw;
	m->r.raw_len = (uint32_t)n;
	hp = strstr(m->raw + 26, host);
	cr_assert_not_null(hp);
	m->r.field[SC_F_HOSTNAME].off = (uint32_t)(hp - m->raw);
	m->r.field[SC_F_HOSTNAME].len = (uint32_t)strlen(host);
	m->r.field[SC_F_MSG].off = (uint32_t)(n - (int)strlen(body));
	m->r.field[SC_F_MSG].len = (uint32_t)strlen(body);
}

/* A sealed block with its stored bytes in an exact-size buffer. */
struct sealed {
	struct sc_block_hdr h;
	uint8_t *stored;
};

static void
seal(struct sc_block_builder *b, struct sealed *s)
{
	uint8_t *tmp = malloc(sc_block_stored_max(b));
	int rc;

	cr_assert_not_null(tmp);
	memset(&s->h, 0xcc, sizeof(s->h));
	rc = sc_block_seal(b, &test_clock, &s->h, tmp);
	cr_assert_eq(rc, 0, "sc_block_seal: %d", rc);
	s->stored = exact(tmp, s->h.stored_len);
	free(tmp);
}

/* Open into an exact-size payload buffer; asserts success. */
static uint8_t *
open_ok(const struct sc_block_hdr *h, const uint8_t *stored)
{
	uint8_t *p = malloc(h->payload_len ? h->payload_len : 1);
	enum sc_error e;

	cr_assert_not_null(p);
	e = sc_block_open(hs, h, stored, p, h->payload_len);
	if (e != SC_E_OK)
		dump_hdr("open failed", h);
	cr_assert_eq(e, SC_E_OK, "sc_block_open: %s", sc_error_name(e));
	return p;
}

static enum sc_error
check(const struct sc_block_hdr *h, const uint8_t *payload, uint32_t *bad)
{
	uint8_t (*leaves)[SC_HASH_LEN] = malloc((h->count ? h->count : 1) * SC_HASH_LEN);
	enum sc_error e;

	cr_assert_not_null(leaves);
	e = sc_block_check_records(hs, h, payload, leaves, bad);
	free(leaves);
	return e;
}

/* Fill a builder with @p n text messages, host "host<i%5>", PRI varying. */
static void
add_text(struct sc_block_builder *b, struct msg *m, int n, int64_t t0)
{
	for (int i = 0; i < n; i++) {
		char host[16], body[128];

		snprintf(host, sizeof(host), "host%d", i % 5);
		snprintf(body, sizeof(body), "pump %d infusion rate changed to %d ml/h by nurse", i,
			 i * 3);
		make_msg(&m[i], (i * 7) % 192, host, t0 + i * 1000, body);
		cr_assert_eq(sc_block_add(b, &m[i].r), 0, "add %d", i);
	}
}

/* Records a payload holds, via sc_block_foreach. */
struct collect {
	struct sc_record r[256];
	uint32_t n;
	uint32_t stop_at;
};

static int
collect_fn(const struct sc_record *r, uint32_t index, void *arg)
{
	struct collect *c = arg;

	cr_expect_eq(index, c->n, "foreach index %u, expected %u", index, c->n);
	if (c->n < 256)
		c->r[c->n] = *r;
	c->n++;
	return c->stop_at && c->n == c->stop_at ? 77 : 0;
}

/* ---- builder basics ---------------------------------------------------- */

Test(block, builder_new_checks_block_bytes)
{
	struct sc_block_builder *b;

	errno = 0;
	cr_expect_null(sc_block_builder_new(0, 1023), "block_bytes 1023 must be refused");
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_null(sc_block_builder_new(0, (256u << 20) + 1));
	cr_expect_eq(errno, EINVAL);
	b = sc_block_builder_new(0, 1024);
	cr_expect_not_null(b, "block_bytes 1024 is the minimum and allowed");
	cr_expect_eq(sc_block_count(b), 0);
	cr_expect_eq(sc_block_next_seq(b), 0);
	cr_expect(!sc_block_full(b));
	cr_expect_geq(sc_block_stored_max(b), sc_block_payload_max(1024),
		      "stored buffer smaller than the largest payload");
	sc_block_builder_free(b);
	sc_block_builder_free(NULL);
}

Test(block, seal_empty_is_enodata)
{
	struct sc_block_builder *b = sc_block_builder_new(1, 4096);
	struct sc_block_hdr h;
	uint8_t *stored;
	struct msg m[1];

	cr_assert_not_null(b);
	stored = malloc(sc_block_stored_max(b));
	cr_assert_not_null(stored);
	cr_expect_eq(sc_block_seal(b, &test_clock, &h, stored), -ENODATA);
	add_text(b, m, 1, 1000);
	cr_expect_eq(sc_block_seal(b, &test_clock, &h, stored), 0);
	cr_expect_eq(sc_block_count(b), 0, "builder must be empty after seal");
	cr_expect_eq(sc_block_seal(b, &test_clock, &h, stored), -ENODATA,
		     "second seal of the same block must fail");
	free(stored);
	sc_block_builder_free(b);
}

/* ---- round trips ---------------------------------------------------------- */

static void
expect_records_match(const uint8_t *payload, const struct sc_block_hdr *h, struct msg *m,
		     uint64_t first_seq)
{
	struct collect *c = calloc(1, sizeof(*c));

	cr_assert_not_null(c);
	cr_assert_eq(sc_block_foreach(payload, h->payload_len, collect_fn, c), 0);
	cr_assert_eq(c->n, h->count, "foreach saw %u records, header says %u", c->n, h->count);
	for (uint32_t i = 0; i < c->n && i < 256; i++) {
		const struct sc_record *r = &c->r[i];

		cr_expect_eq(r->seq, first_seq + i, "record %u seq %llu", i,
			     (unsigned long long)r->seq);
		cr_expect_eq(m[i].r.seq, first_seq + i, "add must assign seq to the caller's record");
		cr_expect_eq(r->raw_len, m[i].r.raw_len, "record %u raw_len", i);
		cr_expect(r->raw_len == m[i].r.raw_len &&
			  memcmp(r->raw, m[i].r.raw, r->raw_len) == 0, "record %u raw bytes", i);
		cr_expect_eq(r->rx_ns, m[i].r.rx_ns);
		cr_expect_eq(r->pri, m[i].r.pri);
		cr_expect_eq(r->field[SC_F_HOSTNAME].off, m[i].r.field[SC_F_HOSTNAME].off);
		cr_expect_eq(r->field[SC_F_HOSTNAME].len, m[i].r.field[SC_F_HOSTNAME].len);
		cr_expect_eq(r->field[SC_F_MSG].off, m[i].r.field[SC_F_MSG].off);
	}
	free(c);
}

/* Root computed from independent re-encoding of the records. */
static void
expected_root(struct msg *m, uint32_t n, uint8_t out[SC_HASH_LEN])
{
	uint8_t (*leaves)[SC_HASH_LEN] = malloc((n ? n : 1) * SC_HASH_LEN);

	cr_assert_not_null(leaves);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *enc = malloc(sc_record_size(m[i].r.raw_len));

		cr_assert_not_null(enc);
		sc_record_encode(&m[i].r, enc);
		sc_hash_leaf(hs, enc, sc_record_size(m[i].r.raw_len), leaves[i]);
		free(enc);
	}
	sc_merkle_root(hs, leaves, n, out);
	free(leaves);
}

Test(block, round_trip_lz4)
{
	enum { N = 60 };
	struct sc_block_builder *b = sc_block_builder_new(3, 64 * 1024);
	struct msg *m = calloc(N, sizeof(*m));
	struct sealed s;
	uint8_t *payload, root[SC_HASH_LEN], digest[SC_HASH_LEN], zero[SC_HASH_LEN] = { 0 };
	uint64_t raw = 0, size = 0;
	uint32_t bad = 99;

	cr_assert(b && m);
	add_text(b, m, N, 1796230200000000000);
	for (int i = 0; i < N; i++) {
		raw += m[i].r.raw_len;
		size += sc_record_size(m[i].r.raw_len);
	}
	cr_expect_eq(sc_block_count(b), N);
	seal(b, &s);
	dump_hdr("lz4 block", &s.h);
	cr_expect_eq(s.h.lane, 3);
	cr_expect_eq(s.h.count, N);
	cr_expect_eq(s.h.first_seq, 0);
	cr_expect_eq(s.h.raw_bytes, raw);
	cr_expect_eq(s.h.payload_len, size);
	cr_expect_eq(s.h.codec, SC_CODEC_LZ4, "text should compress");
	cr_expect_lt(s.h.stored_len, s.h.payload_len);
	cr_expect_eq(s.h.cipher, SC_CIPHER_NONE);
	cr_expect_eq(s.h.clock.source, test_clock.source);
	cr_expect_eq(s.h.clock.sync, test_clock.sync);
	cr_expect_eq(s.h.clock.max_err_us, test_clock.max_err_us);
	cr_expect_eq(s.h.clock.est_err_us, test_clock.est_err_us);
	cr_expect_eq(s.h.first_ns, 1796230200000000000);
	cr_expect_eq(s.h.last_ns, 1796230200000000000 + (N - 1) * 1000);
	/* Left for the writer. */
	cr_expect_eq(s.h.block_seq, 0);
	cr_expect_eq(s.h.log_index, 0);
	cr_expect_eq(s.h.segment, 0);
	cr_expect(memcmp(s.h.prev_hash, zero, SC_HASH_LEN) == 0);
	cr_expect(memcmp(s.h.block_hash, zero, SC_HASH_LEN) == 0);

	sc_sha256(hs, s.stored, s.h.stored_len, NULL, 0, digest);
	cr_expect(memcmp(digest, s.h.payload_hash, SC_HASH_LEN) == 0, "payload_hash != SHA-256(stored)");
	expected_root(m, N, root);
	cr_expect(memcmp(root, s.h.root, SC_HASH_LEN) == 0, "root is not MTH of the record leaves");

	payload = open_ok(&s.h, s.stored);
	cr_expect_eq(check(&s.h, payload, &bad), SC_E_OK);
	cr_expect_eq(bad, N, "bad must be the record count on success");
	expect_records_match(payload, &s.h, m, 0);

	/* A too-small payload buffer is refused, not overrun. */
	{
		uint8_t *small = malloc(s.h.payload_len - 1);

		cr_assert_not_null(small);
		cr_expect_eq(sc_block_open(hs, &s.h, s.stored, small, s.h.payload_len - 1),
			     SC_E_PAYLOAD_LEN);
		free(small);
	}
	free(payload);
	free(s.stored);
	free(m);
	sc_block_builder_free(b);
}

/*
 * A record of @p len random bytes with random header fields.  Large enough
 * that LZ4's literal-run overhead (one byte per 255) outweighs what it
 * saves on the header's zero bytes, so the block cannot shrink.
 */
static void
random_rec(struct sc_record *r, uint8_t *raw, uint32_t len)
{
	memset(r, 0, sizeof(*r));
	for (uint32_t k = 0; k < len; k++)
		raw[k] = (uint8_t)rnd();
	r->raw = raw;
	r->raw_len = len;
	r->pri = (int16_t)(rnd() % 192);
	r->rx_ns = (int64_t)(rnd() >> 2);
	r->msg_ns = (int64_t)rnd();
	for (int k = 0; k < 16; k++)
		r->addr[k] = (uint8_t)rnd();
	r->flags = (uint32_t)rnd();
	r->src_port = (uint16_t)rnd();
	r->dst_port = (uint16_t)rnd();
	r->version = (uint16_t)rnd();
	r->tz_min = (int16_t)rnd();
	r->transport = (uint8_t)rnd();
	r->family = (uint8_t)rnd();
	for (int f = 0; f < SC_F_COUNT; f++) {
		r->field[f].off = (uint32_t)(rnd() % (len / 2));
		r->field[f].len = (uint32_t)(rnd() % (len / 2));
	}
	r->field[SC_F_HOSTNAME].len = 0;
}

Test(block, incompressible_payload_is_stored_uncompressed)
{
	enum { N = 3, LEN = 20000 };
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg *m = calloc(N, sizeof(*m));
	uint8_t *raw = malloc(N * LEN);
	struct sealed s;
	uint8_t *payload;

	cr_assert(b && m && raw);
	rng_state = 0xb10c0001;
	for (int i = 0; i < N; i++) {
		random_rec(&m[i].r, raw + i * LEN, LEN);
		cr_assert_eq(sc_block_add(b, &m[i].r), 0);
	}
	seal(b, &s);
	cr_expect_eq(s.h.codec, SC_CODEC_NONE, "random data must fall back to codec 0");
	cr_expect_eq(s.h.stored_len, s.h.payload_len);
	payload = open_ok(&s.h, s.stored);
	cr_expect(memcmp(payload, s.stored, s.h.payload_len) == 0, "codec 0 stores the payload as is");
	cr_expect_eq(check(&s.h, payload, NULL), SC_E_OK);
	expect_records_match(payload, &s.h, m, 0);
	free(payload);
	free(s.stored);
	free(raw);
	free(m);
	sc_block_builder_free(b);
}

/* ---- thresholds and -E2BIG ------------------------------------------------ */

Test(block, full_at_block_bytes_of_raw_data)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 1024);
	static uint8_t raw[1024];
	struct sc_record r = { .pri = -1, .raw = raw };

	cr_assert_not_null(b);
	memset(raw, 'a', sizeof(raw));
	/* 500 raw bytes per record keep the payload (628 each) below 2048. */
	r.raw_len = 500;
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sc_block_add(b, &r), 0);
		cr_expect(!sc_block_full(b), "full after %d x 500 raw bytes (< 1024)", i + 1);
	}
	r.raw_len = 23; /* 1023 */
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_expect(!sc_block_full(b), "full at 1023 raw bytes");
	r.raw_len = 1; /* exactly 1024 */
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_expect(sc_block_full(b), "not full at exactly block_bytes");
	sc_block_builder_free(b);
}

Test(block, full_at_twice_block_bytes_of_payload)
{
	/* Empty messages: 128 payload bytes each, no raw bytes. */
	struct sc_block_builder *b = sc_block_builder_new(0, 1024);
	struct sc_record r = { .pri = -1, .raw = (const uint8_t *)"" };

	cr_assert_not_null(b);
	for (int i = 1; i <= 15; i++) {
		cr_assert_eq(sc_block_add(b, &r), 0);
		cr_expect(!sc_block_full(b), "full at %d empty records (%d payload bytes)", i, i * 128);
	}
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_expect(sc_block_full(b), "not full at 16 x 128 = 2 x block_bytes payload");
	sc_block_builder_free(b);
}

Test(block, add_too_big_is_e2big_and_changes_nothing)
{
	struct sc_block_builder *b = sc_block_builder_new(2, 1024);
	uint8_t *raw = calloc(1, SC_REC_RAW_MAX + 1);
	struct sc_record r = { .pri = -1 };
	struct sealed s;
	size_t cap = sc_block_payload_max(1024);

	cr_assert(b && raw);
	r.raw = raw;
	r.raw_len = SC_REC_RAW_MAX + 1;
	cr_expect_eq(sc_block_add(b, &r), -E2BIG, "raw above SC_REC_RAW_MAX must never fit");
	cr_expect_eq(sc_block_count(b), 0);
	cr_expect_eq(sc_block_next_seq(b), 0, "a refused record must not use a sequence number");

	/* While the block is not full, one more record of the largest size fits. */
	r.raw_len = 1000;
	cr_assert_eq(sc_block_add(b, &r), 0);
	cr_assert(!sc_block_full(b));
	r.raw_len = SC_REC_RAW_MAX;
	cr_expect_eq(sc_block_add(b, &r), 0, "a largest record must fit into a non-full block");
	cr_expect(sc_block_full(b));

	/* Payload is now 2 records; fill exactly up to the cap, then one byte more. */
	{
		size_t used = sc_record_size(1000) + sc_record_size(SC_REC_RAW_MAX);
		size_t left = cap - used;

		cr_assert_gt(left, SC_REC_HDR_LEN);
		r.raw_len = (uint32_t)(left - SC_REC_HDR_LEN + 1);
		cr_expect_eq(sc_block_add(b, &r), -E2BIG, "record one byte over the cap accepted");
		cr_expect_eq(sc_block_count(b), 2);
		cr_expect_eq(sc_block_next_seq(b), 2);
		r.raw_len = (uint32_t)(left - SC_REC_HDR_LEN);
		cr_expect_eq(sc_block_add(b, &r), 0, "record filling the cap exactly refused");
		cr_expect_eq(sc_block_count(b), 3);
		r.raw_len = 0;
		cr_expect_eq(sc_block_add(b, &r), -E2BIG, "nothing fits past the cap");
	}
	/* Seal, then the refused record fits and takes the next number. */
	seal(b, &s);
	cr_expect_eq(s.h.count, 3);
	cr_expect_eq(s.h.payload_len, cap);
	free(s.stored);
	r.raw_len = 10;
	cr_expect_eq(sc_block_add(b, &r), 0);
	cr_expect_eq(r.seq, 3);
	free(raw);
	sc_block_builder_free(b);
}

/* A span outside the raw bytes (a parser bug) costs the span, not the
 * record: the sealed record must stay readable to verify. */
Test(block, add_drops_spans_outside_raw)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg m[1];
	struct sealed s;
	uint8_t *p;
	struct collect *c = calloc(1, sizeof(*c));

	cr_assert(b && c);
	make_msg(&m[0], 13, "alpha", 1, "body");
	m[0].r.field[SC_F_APPNAME] = (struct sc_span){ m[0].r.raw_len, 1 };
	m[0].r.field[SC_F_MSGID] = (struct sc_span){ UINT32_MAX, 2 };
	cr_assert_eq(sc_block_add(b, &m[0].r), 0);
	seal(b, &s);
	p = open_ok(&s.h, s.stored);
	cr_expect_eq(check(&s.h, p, NULL), SC_E_OK, "record with a bad span must still check");
	cr_assert_eq(sc_block_foreach(p, s.h.payload_len, collect_fn, c), 0);
	cr_assert_eq(c->n, 1);
	cr_expect_eq(c->r[0].field[SC_F_APPNAME].len, 0, "bad span kept");
	cr_expect_eq(c->r[0].field[SC_F_MSGID].len, 0, "bad span kept");
	cr_expect_eq(c->r[0].field[SC_F_HOSTNAME].len, 5, "good spans must survive");
	cr_expect_eq(c->r[0].field[SC_F_MSG].len, 4);
	free(c);
	free(p);
	free(s.stored);
	sc_block_builder_free(b);
}

/* ---- sequence numbers ------------------------------------------------------ */

Test(block, record_seq_continues_across_blocks_and_resume)
{
	struct sc_block_builder *b = sc_block_builder_new(5, 64 * 1024);
	struct msg m[8];
	struct sealed s1, s2, s3;
	uint8_t *p;

	cr_assert_not_null(b);
	add_text(b, m, 5, 1000);
	cr_expect_eq(sc_block_next_seq(b), 5);
	seal(b, &s1);
	cr_expect_eq(s1.h.first_seq, 0);
	cr_expect_eq(s1.h.count, 5);

	add_text(b, m, 3, 2000);
	seal(b, &s2);
	cr_expect_eq(s2.h.first_seq, 5, "second block must continue the lane numbering");
	cr_expect_eq(s2.h.count, 3);
	p = open_ok(&s2.h, s2.stored);
	cr_expect_eq(check(&s2.h, p, NULL), SC_E_OK);
	expect_records_match(p, &s2.h, m, 5);
	free(p);

	sc_block_builder_resume(b, 1000000);
	cr_expect_eq(sc_block_next_seq(b), 1000000);
	add_text(b, m, 4, 3000);
	seal(b, &s3);
	cr_expect_eq(s3.h.first_seq, 1000000);
	p = open_ok(&s3.h, s3.stored);
	cr_expect_eq(check(&s3.h, p, NULL), SC_E_OK);
	expect_records_match(p, &s3.h, m, 1000000);
	cr_expect_eq(sc_block_next_seq(b), 1000004);
	free(p);
	free(s1.stored);
	free(s2.stored);
	free(s3.stored);
	sc_block_builder_free(b);
}

/* ---- summaries ------------------------------------------------------------- */

Test(block, summaries_masks_flags_and_times)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg m[6];
	struct sealed s;

	cr_assert_not_null(b);
	/* PRI 13 = user.notice (1,5); 34 = auth.crit (4,2); 191 = local7.debug (23,7). */
	make_msg(&m[0], 13, "alpha", 5000, "a");
	make_msg(&m[1], 34, "beta", 3000, "b");   /* earliest */
	make_msg(&m[2], 191, "alpha", 9000, "c"); /* latest */
	make_msg(&m[3], 0, "gamma", 6000, "d");   /* kern.emerg (0,0) */
	make_msg(&m[4], 13, "gamma", 4000, "e");
	m[4].r.pri = -1;                          /* no PRI: no mask bits */
	make_msg(&m[5], 13, "delta", 7000, "f");
	m[5].r.pri = 192;                         /* out of range: no mask bits */
	for (int i = 0; i < 6; i++)
		cr_assert_eq(sc_block_add(b, &m[i].r), 0);
	seal(b, &s);
	cr_expect_eq(s.h.severity_mask, (1u << 5) | (1u << 2) | (1u << 7) | (1u << 0),
		     "severity mask %#x", s.h.severity_mask);
	cr_expect_eq(s.h.facility_mask, (1u << 1) | (1u << 4) | (1u << 23) | (1u << 0),
		     "facility mask %#x", s.h.facility_mask);
	cr_expect_eq(s.h.first_ns, 3000, "first_ns is the earliest, not the first");
	cr_expect_eq(s.h.last_ns, 9000);
	cr_expect_eq(s.h.flags, 0, "no event records: flags %#x", s.h.flags);
	cr_expect(sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"alpha", 5));
	cr_expect(sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"beta", 4));
	cr_expect(sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"gamma", 5));
	cr_expect(sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"delta", 5));
	free(s.stored);

	/* An event record sets SC_BLK_EVENTS; the masks reset between blocks. */
	make_msg(&m[0], 13, "alpha", 100, "engine started");
	m[0].r.flags = SC_REC_EVENT;
	m[0].r.pri = -1;
	cr_assert_eq(sc_block_add(b, &m[0].r), 0);
	seal(b, &s);
	cr_expect_eq(s.h.flags, SC_BLK_EVENTS);
	cr_expect_eq(s.h.severity_mask, 0, "mask leaked from the previous block");
	cr_expect_eq(s.h.facility_mask, 0);
	cr_expect_eq(s.h.first_ns, 100);
	cr_expect_eq(s.h.last_ns, 100);
	free(s.stored);
	sc_block_builder_free(b);
}

Test(block, host_bloom_maybe_and_not)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg m[3];
	struct sealed s;
	uint8_t manual[32] = { 0 }, empty[32] = { 0 };
	int fp = 0, bits = 0;

	cr_assert_not_null(b);
	make_msg(&m[0], 13, "ct-scanner-01.radiology.example", 1, "x");
	make_msg(&m[1], 13, "pacs", 2, "y");
	make_msg(&m[2], 13, "pacs", 3, "z");
	m[2].r.field[SC_F_HOSTNAME].len = 0; /* no hostname: nothing added */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(sc_block_add(b, &m[i].r), 0);
	seal(b, &s);

	sc_block_bloom_add(manual, (const uint8_t *)"ct-scanner-01.radiology.example", 31);
	sc_block_bloom_add(manual, (const uint8_t *)"pacs", 4);
	cr_expect(memcmp(manual, s.h.host_bloom, 32) == 0,
		  "header Bloom must be exactly the hostnames' bits");
	for (int i = 0; i < 32; i++)
		bits += __builtin_popcount(manual[i]);
	cr_expect(bits >= 2 && bits <= 6, "%d bits set for 2 hosts x 3 probes", bits);

	cr_expect(sc_block_bloom_maybe(s.h.host_bloom,
				       (const uint8_t *)"ct-scanner-01.radiology.example", 31));
	cr_expect(sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"pacs", 4));
	cr_expect(!sc_block_bloom_maybe(empty, (const uint8_t *)"pacs", 4),
		  "an empty filter holds nothing");
	/* Names never added: with <= 6 of 256 bits set and 3 probes the false
	 * positive rate is below 2e-5, so 1000 names give ~0.02 expected hits. */
	for (int i = 0; i < 1000; i++) {
		char name[32];
		int n = snprintf(name, sizeof(name), "ward-%d.example", i);

		fp += sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)name, (size_t)n);
	}
	cr_expect_leq(fp, 3, "%d of 1000 absent hosts reported as maybe present", fp);
	/* Prefixes and case differ. */
	cr_expect(!sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"pac", 3) ||
		  !sc_block_bloom_maybe(s.h.host_bloom, (const uint8_t *)"PACS", 4));
	free(s.stored);
	sc_block_builder_free(b);
}

/*
 * The Bloom probes are part of the format: 3 bits from rte_jhash_2hashes()
 * with seeds 0x5ea1ca9 / 0x10c5 (engine/block.c; the golden store pins the
 * resulting bytes).  The reference here calls DPDK's function on an aligned
 * copy padded with spare bytes, where its whole-word loads are safe.
 */
static void
ref_bloom_add(uint8_t bloom[32], const uint8_t *s, size_t len)
{
	uint32_t *buf = calloc(len / 4 + 2, 4);
	uint32_t a = 0x5ea1ca9, b = 0x10c5;
	unsigned bit[3];

	cr_assert_not_null(buf);
	if (len)
		memcpy(buf, s, len);
	rte_jhash_2hashes(buf, (uint32_t)len, &a, &b);
	bit[0] = a & 255;
	bit[1] = b & 255;
	bit[2] = (a >> 8 ^ b >> 16) & 255;
	for (int i = 0; i < 3; i++)
		bloom[bit[i] >> 3] |= (uint8_t)(1u << (bit[i] & 7));
	free(buf);
}

Test(block, host_bloom_probes_are_rte_jhash)
{
	static const size_t lens[] = { 255, 256, 1000, 1547, 4096 };
	uint8_t key[4096];

	rng_state = 0xb10c0004;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rnd();
	for (size_t n = 0; n < 70 + sizeof(lens) / sizeof(lens[0]); n++) {
		size_t len = n < 70 ? n : lens[n - 70];

		for (size_t shift = 0; shift < 4; shift++) { /* any alignment */
			uint8_t want[32] = { 0 }, got[32] = { 0 };

			if (len + shift > sizeof(key))
				continue;
			ref_bloom_add(want, key + shift, len);
			sc_block_bloom_add(got, key + shift, len);
			cr_expect(memcmp(want, got, 32) == 0, "key length %zu at +%zu: other bits",
				  len, shift);
			cr_expect(sc_block_bloom_maybe(want, key + shift, len));
		}
	}
}

/* A key at the very end of its buffer: the hash may read only the key
 * (the sanitizer build turns an overread into a failure). */
Test(block, host_bloom_reads_only_the_key)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	uint8_t bloom[32] = { 0 };

	cr_assert_not_null(b);
	for (size_t len = 1; len <= 40; len++) {
		uint8_t *key = malloc(len);
		struct sc_record r = { .pri = 13, .rx_ns = (int64_t)len };
		struct sealed s;

		cr_assert_not_null(key);
		memset(key, 'h', len);
		sc_block_bloom_add(bloom, key, len);
		cr_expect(sc_block_bloom_maybe(bloom, key, len));
		/* Through the builder: a message that ends with its hostname. */
		r.raw = key;
		r.raw_len = (uint32_t)len;
		r.field[SC_F_HOSTNAME].off = 0;
		r.field[SC_F_HOSTNAME].len = (uint32_t)len;
		cr_assert_eq(sc_block_add(b, &r), 0);
		seal(b, &s);
		cr_expect(sc_block_bloom_maybe(s.h.host_bloom, key, len), "length %zu", len);
		free(s.stored);
		free(key);
	}
	sc_block_builder_free(b);
}

/* ---- header encoding --------------------------------------------------------- */

static uint64_t
h_lost_at_98(const uint8_t *enc)
{
	uint64_t v = 0;

	for (int i = 5; i >= 0; i--)
		v = v << 8 | enc[98 + i];
	return v;
}

static void
random_hdr(struct sc_block_hdr *h)
{
	uint8_t *p = (uint8_t *)h;

	for (size_t i = 0; i < sizeof(*h); i++)
		p[i] = (uint8_t)rnd();
	h->codec = (uint8_t)(rnd() & 1);
	h->lost &= 0xffffffffffffULL;   /* 48 bits on disk */
	h->cipher = (uint8_t)(rnd() & 1);
}

static void
expect_hdr_eq(const struct sc_block_hdr *a, const struct sc_block_hdr *b, int iter)
{
	cr_expect_eq(a->lane, b->lane, "iter %d lane", iter);
	cr_expect_eq(a->flags, b->flags, "iter %d flags", iter);
	cr_expect_eq(a->block_seq, b->block_seq, "iter %d block_seq", iter);
	cr_expect_eq(a->log_index, b->log_index, "iter %d log_index", iter);
	cr_expect_eq(a->first_seq, b->first_seq, "iter %d first_seq", iter);
	cr_expect_eq(a->count, b->count, "iter %d count", iter);
	cr_expect_eq(a->segment, b->segment, "iter %d segment", iter);
	cr_expect_eq(a->raw_bytes, b->raw_bytes, "iter %d raw_bytes", iter);
	cr_expect_eq(a->payload_len, b->payload_len, "iter %d payload_len", iter);
	cr_expect_eq(a->stored_len, b->stored_len, "iter %d stored_len", iter);
	cr_expect_eq(a->first_ns, b->first_ns, "iter %d first_ns", iter);
	cr_expect_eq(a->last_ns, b->last_ns, "iter %d last_ns", iter);
	cr_expect_eq(a->clock.source, b->clock.source, "iter %d clock.source", iter);
	cr_expect_eq(a->clock.sync, b->clock.sync, "iter %d clock.sync", iter);
	cr_expect_eq(a->clock.max_err_us, b->clock.max_err_us, "iter %d max_err", iter);
	cr_expect_eq(a->clock.est_err_us, b->clock.est_err_us, "iter %d est_err", iter);
	cr_expect_eq(a->codec, b->codec, "iter %d codec", iter);
	cr_expect_eq(a->cipher, b->cipher, "iter %d cipher", iter);
	cr_expect_eq(a->severity_mask, b->severity_mask, "iter %d severity", iter);
	cr_expect_eq(a->key_epoch, b->key_epoch, "iter %d key_epoch", iter);
	cr_expect_eq(a->facility_mask, b->facility_mask, "iter %d facility", iter);
	cr_expect(memcmp(a->nonce, b->nonce, 12) == 0, "iter %d nonce", iter);
	cr_expect(memcmp(a->tag, b->tag, 16) == 0, "iter %d tag", iter);
	cr_expect(memcmp(a->key_id, b->key_id, 8) == 0, "iter %d key id", iter);
	cr_expect(memcmp(a->salt, b->salt, 16) == 0, "iter %d salt", iter);
	cr_expect(memcmp(a->host_bloom, b->host_bloom, 32) == 0, "iter %d bloom", iter);
	cr_expect(memcmp(a->root, b->root, SC_HASH_LEN) == 0, "iter %d root", iter);
	cr_expect(memcmp(a->payload_hash, b->payload_hash, SC_HASH_LEN) == 0, "iter %d payhash", iter);
	cr_expect(memcmp(a->prev_hash, b->prev_hash, SC_HASH_LEN) == 0, "iter %d prev", iter);
	cr_expect_eq(a->lost, b->lost, "iter %d lost", iter);
	cr_expect(memcmp(a->block_hash, b->block_hash, SC_HASH_LEN) == 0, "iter %d hash", iter);
}

Test(block, header_encode_decode_round_trip)
{
	rng_state = 0xb10c0002;
	for (int iter = 0; iter < 500; iter++) {
		struct sc_block_hdr in, out;
		uint8_t enc[SC_BLOCK_HDR_LEN], again[SC_BLOCK_HDR_LEN];
		static const uint8_t zero[24];

		random_hdr(&in);
		memset(enc, 0xee, sizeof(enc));
		sc_block_hdr_encode(&in, enc);
		cr_assert_eq(enc[0], 'S');
		cr_assert_eq(enc[1], 'B');
		cr_assert_eq(enc[2], 'L');
		cr_assert_eq(enc[3], 'K');
		cr_expect_eq(h_lost_at_98(enc), in.lost & 0xffffffffffffULL, "lost at 98..103");
		cr_expect(memcmp(enc + 132, zero, 4) == 0, "reserved 132..135 not zero");
		/* 264..287: the encryption key id and run salt (format 3). */
		cr_expect(memcmp(enc + 264, in.key_id, 8) == 0, "key id at 264");
		cr_expect(memcmp(enc + 272, in.salt, 16) == 0, "run salt at 272");
		memset(&out, 0, sizeof(out));
		cr_assert_eq(sc_block_hdr_decode(enc, &out), SC_E_OK, "iter %d", iter);
		expect_hdr_eq(&in, &out, iter);
		sc_block_hdr_encode(&out, again);
		cr_expect(memcmp(enc, again, SC_BLOCK_HDR_LEN) == 0, "re-encoding differs");
	}
}

Test(block, header_decode_rejects_bad_shape)
{
	struct sc_block_hdr h = { .count = 1 }, out;
	uint8_t enc[SC_BLOCK_HDR_LEN], b[SC_BLOCK_HDR_LEN];

	sc_block_hdr_encode(&h, enc);
	cr_assert_eq(sc_block_hdr_decode(enc, &out), SC_E_OK);
	for (int i = 0; i < 8; i++) { /* magic, version, header length */
		memcpy(b, enc, sizeof(b));
		b[i] ^= 0x01;
		cr_expect_eq(sc_block_hdr_decode(b, &out), SC_E_BLK_MAGIC, "byte %d flipped", i);
	}
	memcpy(b, enc, sizeof(b));
	b[82] = 2; /* codec */
	cr_expect_eq(sc_block_hdr_decode(b, &out), SC_E_CODEC);
	memcpy(b, enc, sizeof(b));
	b[83] = 2; /* cipher */
	cr_expect_eq(sc_block_hdr_decode(b, &out), SC_E_CODEC);
}

Test(block, block_hash_covers_exactly_the_first_288_bytes)
{
	struct sc_block_builder *b = sc_block_builder_new(4, 64 * 1024);
	struct msg m[3];
	struct sealed s;
	uint8_t enc[SC_BLOCK_HDR_LEN], base[SC_HASH_LEN], got[SC_HASH_LEN];

	cr_assert_not_null(b);
	add_text(b, m, 3, 77);
	seal(b, &s);
	s.h.block_seq = 9;
	s.h.log_index = 1234;
	memset(s.h.prev_hash, 0x42, SC_HASH_LEN);
	sc_block_hdr_encode(&s.h, enc);
	sc_block_hash(hs, enc, base);
	sc_hash_leaf(hs, enc, SC_BLOCK_HASHED_LEN, got);
	cr_expect(memcmp(base, got, SC_HASH_LEN) == 0, "block_hash != leaf(header[0..288))");

	for (unsigned i = 0; i < SC_BLOCK_HDR_LEN; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			enc[i] ^= (uint8_t)(1u << bit);
			sc_block_hash(hs, enc, got);
			enc[i] ^= (uint8_t)(1u << bit);
			if (i < SC_BLOCK_HASHED_LEN)
				cr_expect(memcmp(base, got, SC_HASH_LEN) != 0,
					  "flipping bit %u of header byte %u kept the block hash", bit, i);
			else
				cr_expect(memcmp(base, got, SC_HASH_LEN) == 0,
					  "byte %u (the stored block hash) must not be hashed", i);
		}
	}
	free(s.stored);
	sc_block_builder_free(b);
}

/* ---- opening: stored bytes ---------------------------------------------------- */

static void
flip_each_stored_byte(const struct sealed *s)
{
	uint8_t *p = malloc(s->h.payload_len);

	cr_assert_not_null(p);
	for (uint32_t i = 0; i < s->h.stored_len; i++) {
		uint8_t *st = exact(s->stored, s->h.stored_len);
		enum sc_error e;

		st[i] ^= (uint8_t)(1u << (i % 8));
		e = sc_block_open(hs, &s->h, st, p, s->h.payload_len);
		cr_expect_eq(e, SC_E_PAYLOAD_HASH, "codec %u: flip at stored byte %u gave %s",
			     s->h.codec, i, sc_error_name(e));
		free(st);
	}
	free(p);
}

Test(block, open_detects_every_flipped_stored_byte)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg *m = calloc(20, sizeof(*m));
	struct sealed s;

	cr_assert(b && m);
	add_text(b, m, 20, 1);
	seal(b, &s);
	cr_assert_eq(s.h.codec, SC_CODEC_LZ4);
	flip_each_stored_byte(&s);
	free(s.stored);

	{
		uint8_t *raw = malloc(20000);

		cr_assert_not_null(raw);
		rng_state = 0xb10c0003;
		random_rec(&m[0].r, raw, 20000);
		cr_assert_eq(sc_block_add(b, &m[0].r), 0);
		seal(b, &s);
		free(raw);
	}
	cr_assert_eq(s.h.codec, SC_CODEC_NONE);
	flip_each_stored_byte(&s);
	free(s.stored);
	free(m);
	sc_block_builder_free(b);
}

Test(block, open_rejects_inconsistent_headers)
{
	struct sc_block_builder *b = sc_block_builder_new(0, 64 * 1024);
	struct msg *m = calloc(20, sizeof(*m));
	struct sealed s;
	struct sc_block_hdr h;
	uint8_t *p;
	enum sc_error e;

	cr_assert(b && m);
	add_text(b, m, 20, 1);
	seal(b, &s);
	cr_assert_eq(s.h.codec, SC_CODEC_LZ4);
	p = malloc(s.h.payload_len + 64);
	cr_assert_not_null(p);

	h = s.h;
	h.cipher = SC_CIPHER_AES256GCM; /* encrypted: needs a key (test_crypt.c) */
	cr_expect_eq(sc_block_open(hs, &h, s.stored, p, h.payload_len), SC_E_ENCRYPTED);
	h = s.h;
	h.cipher = 2; /* no such cipher */
	cr_expect_eq(sc_block_open(hs, &h, s.stored, p, h.payload_len), SC_E_CODEC);
	h = s.h;
	h.codec = 9;
	cr_expect_eq(sc_block_open(hs, &h, s.stored, p, h.payload_len), SC_E_CODEC);
	h = s.h;
	h.payload_len += 1; /* LZ4 yields fewer bytes than the header says */
	e = sc_block_open(hs, &h, s.stored, p, h.payload_len);
	cr_expect(e == SC_E_PAYLOAD_LEN || e == SC_E_DECOMPRESS, "got %s", sc_error_name(e));
	h = s.h;
	h.payload_len -= 1; /* output does not fit */
	e = sc_block_open(hs, &h, s.stored, p, h.payload_len);
	cr_expect(e == SC_E_PAYLOAD_LEN || e == SC_E_DECOMPRESS, "got %s", sc_error_name(e));
	h = s.h;
	h.codec = SC_CODEC_NONE; /* stored_len != payload_len */
	cr_expect_eq(sc_block_open(hs, &h, s.stored, p, h.payload_len), SC_E_PAYLOAD_LEN);

	/* Garbage LZ4 with a matching digest (an attacker recomputed it). */
	{
		uint8_t *st = exact(s.stored, s.h.stored_len);

		h = s.h;
		memset(st, 0xff, h.stored_len);
		sc_sha256(hs, st, h.stored_len, NULL, 0, h.payload_hash);
		e = sc_block_open(hs, &h, st, p, h.payload_len);
		cr_expect(e == SC_E_DECOMPRESS || e == SC_E_PAYLOAD_LEN, "got %s", sc_error_name(e));
		free(st);
	}
	free(p);
	free(s.stored);
	free(m);
	sc_block_builder_free(b);
}

/* ---- checking records ----------------------------------------------------------- */

/* An uncompressed block with @p n records whose raw bytes are text. */
static void
sealed_plain(struct sealed *s, struct msg *m, int n)
{
	struct sc_block_builder *b = sc_block_builder_new(6, 64 * 1024);
	uint8_t *tmp;

	cr_assert_not_null(b);
	add_text(b, m, n, 5000);
	tmp = malloc(sc_block_stored_max(b));
	cr_assert_not_null(tmp);
	cr_assert_eq(sc_block_seal(b, &test_clock, &s->h, tmp), 0);
	/* Whatever the codec, recover the payload and store it as codec 0. */
	s->stored = open_ok(&s->h, tmp);
	s->h.codec = SC_CODEC_NONE;
	s->h.stored_len = s->h.payload_len;
	sc_sha256(hs, s->stored, s->h.stored_len, NULL, 0, s->h.payload_hash);
	free(tmp);
	sc_block_builder_free(b);
}

/* Tamper with the payload as an attacker would: change bytes, recompute the
 * payload digest so sc_block_open passes, then check the records. */
static enum sc_error
tampered_check(const struct sealed *s, const struct sc_block_hdr *h, uint32_t at,
	       uint8_t xor, uint32_t *bad)
{
	uint8_t *st = exact(s->stored, s->h.stored_len);
	struct sc_block_hdr hh = *h;
	uint8_t *p;
	enum sc_error e;

	st[at] ^= xor;
	sc_sha256(hs, st, hh.stored_len, NULL, 0, hh.payload_hash);
	p = open_ok(&hh, st);
	e = check(&hh, p, bad);
	free(p);
	free(st);
	return e;
}

Test(block, check_records_detects_changed_record_despite_new_digest)
{
	enum { N = 7 };
	struct msg m[N];
	struct sealed s;
	uint32_t off = 0, bad;
	enum sc_error e;

	sealed_plain(&s, m, N);
	{
		uint8_t *p = open_ok(&s.h, s.stored);

		cr_assert_eq(check(&s.h, p, NULL), SC_E_OK, "untouched block must check");
		free(p);
	}
	/* Every byte of every record's raw part: only the root can tell. */
	for (int i = 0; i < N; i++) {
		off += SC_REC_HDR_LEN;
		for (uint32_t k = 0; k < m[i].r.raw_len; k++) {
			e = tampered_check(&s, &s.h, off + k, 0x20, &bad);
			cr_expect_eq(e, SC_E_RECORD_ROOT, "record %d raw byte %u: got %s", i, k,
				     sc_error_name(e));
		}
		off += m[i].r.raw_len;
	}
	cr_expect_eq(off, s.h.payload_len);
	/* Every byte of the payload, header parts included: never OK. */
	for (uint32_t k = 0; k < s.h.payload_len; k++) {
		e = tampered_check(&s, &s.h, k, 0x01, &bad);
		cr_expect_neq(e, SC_E_OK, "flip at payload byte %u went unnoticed", k);
		e = tampered_check(&s, &s.h, k, 0x80, &bad);
		cr_expect_neq(e, SC_E_OK, "flip (0x80) at payload byte %u went unnoticed", k);
	}
	free(s.stored);
}

Test(block, check_records_wrong_count)
{
	struct msg m[5];
	struct sealed s;
	struct sc_block_hdr h;
	uint8_t *p;
	uint32_t bad;

	sealed_plain(&s, m, 5);
	p = open_ok(&s.h, s.stored);
	h = s.h;
	h.count = 4;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_COUNT, "more records than the header says");
	cr_expect_eq(bad, 4);
	h.count = 6;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_COUNT, "fewer records than the header says");
	h.count = 0;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_COUNT);
	/* A payload cut at a record boundary: count and root both disagree. */
	h = s.h;
	h.payload_len -= SC_REC_HDR_LEN + m[4].r.raw_len;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_COUNT);
	/* Cut inside a record. */
	h = s.h;
	h.payload_len -= 3;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_FORMAT);
	cr_expect_eq(bad, 4, "bad record index %u", bad);
	free(p);
	free(s.stored);
}

Test(block, check_records_non_contiguous_seq)
{
	struct msg m[5];
	struct sealed s;
	struct sc_block_hdr h;
	uint8_t *p;
	uint32_t bad;
	uint32_t off;
	enum sc_error e;

	sealed_plain(&s, m, 5);
	p = open_ok(&s.h, s.stored);
	h = s.h;
	h.first_seq = 1;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_SEQ, "header first_seq moved");
	cr_expect_eq(bad, 0);
	free(p);

	/* Record 3's seq (u64 at offset 16) bumped by one, digest recomputed. */
	off = 0;
	for (int i = 0; i < 3; i++)
		off += SC_REC_HDR_LEN + m[i].r.raw_len;
	e = tampered_check(&s, &s.h, off + 16, 0x01, &bad);
	cr_expect_eq(e, SC_E_RECORD_SEQ, "got %s", sc_error_name(e));
	cr_expect_eq(bad, 3);
	free(s.stored);
}

Test(block, check_records_time_outside_range)
{
	struct msg m[5];
	struct sealed s;
	struct sc_block_hdr h;
	uint8_t *p;
	uint32_t bad;

	sealed_plain(&s, m, 5);
	p = open_ok(&s.h, s.stored);
	h = s.h;
	h.last_ns -= 1;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_TIME);
	cr_expect_eq(bad, 4);
	h = s.h;
	h.first_ns += 1;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_TIME);
	cr_expect_eq(bad, 0);
	h = s.h;
	h.root[0] ^= 1;
	cr_expect_eq(check(&h, p, &bad), SC_E_RECORD_ROOT);
	free(p);
	free(s.stored);
}

Test(block, foreach_stops_early_and_rejects_garbage)
{
	struct msg m[6];
	struct sealed s;
	struct collect *c = calloc(1, sizeof(*c));
	uint8_t *p;

	cr_assert_not_null(c);
	sealed_plain(&s, m, 6);
	p = open_ok(&s.h, s.stored);
	c->stop_at = 3;
	cr_expect_eq(sc_block_foreach(p, s.h.payload_len, collect_fn, c), 77,
		     "foreach must return the callback's value");
	cr_expect_eq(c->n, 3);
	memset(c, 0, sizeof(*c));
	cr_expect_eq(sc_block_foreach(p, s.h.payload_len - 1, collect_fn, c), -EBADMSG);
	cr_expect_eq(c->n, 5, "the five whole records come first");
	memset(c, 0, sizeof(*c));
	cr_expect_eq(sc_block_foreach(p, 0, collect_fn, c), 0);
	cr_expect_eq(c->n, 0);
	free(c);
	free(p);
	free(s.stored);
}

/*
 * sc_block_check_lengths: what LZ4 really produces at its best ratio
 * (runs of one byte, up to 4 MiB) passes; one byte more of payload than 255
 * per stored byte (plus 255) does not, nor unequal lengths stored in clear,
 * nor an unknown codec; a payload of 0 bytes is fine both ways.
 */
Test(block, check_lengths_bounds_what_lz4_can_expand)
{
	static const int sizes[] = { 1, 16, 4096, 65536, 1 << 20, 4 << 20 };
	struct sc_block_hdr h;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n = sizes[i], bound = LZ4_compressBound(n), c;
		char *src = calloc(1, (size_t)n), *dst = malloc((size_t)bound);

		cr_assert(src != NULL && dst != NULL);
		c = LZ4_compress_default(src, dst, n, bound);
		cr_assert_gt(c, 0);
		memset(&h, 0, sizeof(h));
		h.codec = SC_CODEC_LZ4;
		h.stored_len = (uint32_t)c;
		h.payload_len = (uint32_t)n;
		cr_expect_eq(sc_block_check_lengths(&h), SC_E_OK, "%d zero bytes in %d", n, c);
		h.payload_len = (uint32_t)c * 255u + 256u;
		cr_expect_eq(sc_block_check_lengths(&h), SC_E_PAYLOAD_LEN);
		free(src);
		free(dst);
	}
	memset(&h, 0, sizeof(h));
	h.codec = SC_CODEC_NONE;
	cr_expect_eq(sc_block_check_lengths(&h), SC_E_OK);
	h.codec = SC_CODEC_LZ4;
	cr_expect_eq(sc_block_check_lengths(&h), SC_E_OK);
	h.codec = SC_CODEC_NONE;
	h.stored_len = 10;
	h.payload_len = 11;
	cr_expect_eq(sc_block_check_lengths(&h), SC_E_PAYLOAD_LEN);
	h.codec = SC_CODEC_LZ4;
	h.stored_len = 100u << 20;
	h.payload_len = 0x7f000000u; /* within 255x, above LZ4's input limit */
	cr_expect_eq(sc_block_check_lengths(&h), SC_E_PAYLOAD_LEN);
	h.codec = 7;
	cr_expect_eq(sc_block_check_lengths(&h), SC_E_CODEC);
}

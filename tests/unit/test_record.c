/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "record": record encoding and decoding (sealcap/record.h).
 *
 * Every decode runs on a heap buffer of exactly the size handed to
 * sc_record_decode as @p avail, so in the sanitizer build a read past
 * avail is an ASan report, not a silent pass.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <sealcap/record.h>

TestSuite(record, .timeout = 60);

/* splitmix64: fixed-seed generator, identical on every platform. */
static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* Copy @p n bytes into a fresh heap block of exactly that size. */
static uint8_t *
exact(const void *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	cr_assert_not_null(p);
	if (n)
		memcpy(p, src, n);
	/* With n == 0 the block is 1 byte, but decode is told avail 0. */
	return p;
}

static void
dump_record(const char *what, const struct sc_record *r)
{
	cr_log_info("%s: seq=%llu rx=%lld msg=%lld tr=%u fam=%u flags=%#x sport=%u dport=%u "
		    "pri=%d ver=%u fmt=%u cs=%u tz=%d raw_len=%u",
		    what, (unsigned long long)r->seq, (long long)r->rx_ns, (long long)r->msg_ns,
		    r->transport, r->family, r->flags, r->src_port, r->dst_port, r->pri,
		    r->version, r->format, r->charset, r->tz_min, r->raw_len);
}

/* A random record whose spans are valid for its raw bytes (wire order). */
static void
random_record(struct sc_record *r, uint8_t *raw, uint32_t raw_len)
{
	uint32_t pos = 0;

	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < raw_len; i++)
		raw[i] = (uint8_t)rnd();
	r->seq = rnd();
	r->rx_ns = (int64_t)rnd();
	r->msg_ns = (rnd() & 3) == 0 ? INT64_MIN : (int64_t)rnd();
	for (int i = 0; i < 16; i++)
		r->addr[i] = (uint8_t)rnd();
	r->src_port = (uint16_t)rnd();
	r->dst_port = (uint16_t)rnd();
	r->transport = (uint8_t)rnd_below(4);
	r->family = (uint8_t)((const uint8_t[]){ 0, 4, 6 })[rnd_below(3)];
	r->flags = (uint32_t)rnd();
	r->pri = (int16_t)((int)rnd_below(193) - 1);
	r->version = (uint16_t)rnd();
	r->format = (uint8_t)rnd_below(3);
	r->charset = (uint8_t)rnd_below(4);
	r->tz_min = (int16_t)((int)rnd_below(1681) - 840);
	for (int f = 0; f < SC_F_COUNT; f++) {
		uint32_t off = pos + rnd_below(raw_len - pos + 1);
		uint32_t len = rnd_below(raw_len - off + 1);

		if (rnd_below(4) == 0)
			len = 0;
		r->field[f].off = off;
		r->field[f].len = len;
		pos = off + len;
	}
	r->raw_len = raw_len;
	r->raw = raw;
}

static void
expect_same(const struct sc_record *a, const struct sc_record *b, const char *ctx)
{
	int bad = 0;

	bad |= a->seq != b->seq;
	bad |= a->rx_ns != b->rx_ns;
	bad |= a->msg_ns != b->msg_ns;
	bad |= memcmp(a->addr, b->addr, 16) != 0;
	bad |= a->src_port != b->src_port || a->dst_port != b->dst_port;
	bad |= a->transport != b->transport || a->family != b->family;
	bad |= a->flags != b->flags || a->pri != b->pri || a->version != b->version;
	bad |= a->format != b->format || a->charset != b->charset || a->tz_min != b->tz_min;
	bad |= a->raw_len != b->raw_len;
	for (int f = 0; f < SC_F_COUNT; f++)
		bad |= a->field[f].off != b->field[f].off || a->field[f].len != b->field[f].len;
	if (!bad && a->raw_len)
		bad |= memcmp(a->raw, b->raw, a->raw_len) != 0;
	if (bad) {
		dump_record("want", a);
		dump_record("got ", b);
	}
	cr_expect(!bad, "%s: decoded record differs from the encoded one", ctx);
}

/* A small valid record used by the negative tests. */
static uint8_t sample_raw[] = "<34>1 2026-12-04T16:50:00Z mri-3 pacs - - - scan done";

static size_t
sample_encode(uint8_t **out)
{
	struct sc_record r = { 0 };
	size_t n;

	r.seq = 7;
	r.rx_ns = 1796230200000000000;
	r.msg_ns = 1796230200000000000;
	sc_record_set_ipv4(&r, htonl(0x0a000001));
	r.transport = SC_TRANSPORT_UDP;
	r.pri = 34;
	r.version = 1;
	r.format = 1;
	r.raw = sample_raw;
	r.raw_len = (uint32_t)strlen((const char *)sample_raw);
	r.field[SC_F_PRI] = (struct sc_span){ 0, 4 };
	r.field[SC_F_HOSTNAME] = (struct sc_span){ 27, 5 };
	r.field[SC_F_MSG] = (struct sc_span){ r.raw_len - 9, 9 };
	*out = malloc(sc_record_size(r.raw_len));
	cr_assert_not_null(*out);
	n = sc_record_encode(&r, *out);
	cr_assert_eq(n, sc_record_size(r.raw_len));
	return n;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Decode bytes [0, n) of @p src from an exact-size copy. */
static size_t
decode_exact(const uint8_t *src, size_t n, struct sc_record *r)
{
	uint8_t *b = exact(src, n);
	size_t got = sc_record_decode(b, n, r);

	if (got)
		cr_expect(r->raw == b + SC_REC_HDR_LEN, "raw must point into the source");
	free(b);
	return got;
}

/* ---- round trip ------------------------------------------------------------ */

Test(record, encode_decode_round_trip_random)
{
	rng_state = 0x5eed0001;
	for (int iter = 0; iter < 3000; iter++) {
		uint32_t raw_len = iter < 10 ? (uint32_t)iter : rnd_below(iter % 7 ? 600 : 70000);
		uint8_t *raw = malloc(raw_len ? raw_len : 1);
		struct sc_record in, out;
		size_t size = sc_record_size(raw_len);
		uint8_t *buf;
		size_t n;
		char ctx[48];

		cr_assert_not_null(raw);
		random_record(&in, raw, raw_len);
		buf = malloc(size);
		cr_assert_not_null(buf);
		n = sc_record_encode(&in, buf);
		cr_assert_eq(n, size, "encode wrote %zu bytes, want %zu", n, size);
		memset(&out, 0xa5, sizeof(out));
		n = sc_record_decode(buf, size, &out);
		snprintf(ctx, sizeof(ctx), "iteration %d, raw_len %u", iter, raw_len);
		cr_assert_eq(n, size, "%s: decode consumed %zu of %zu", ctx, n, size);
		cr_expect(out.raw == buf + SC_REC_HDR_LEN, "%s: raw not in place", ctx);
		expect_same(&in, &out, ctx);
		free(buf);
		free(raw);
	}
}

Test(record, decode_consumes_one_record_of_many)
{
	uint8_t *one;
	size_t n = sample_encode(&one);
	uint8_t *two = malloc(2 * n + 5);
	struct sc_record r;

	cr_assert_not_null(two);
	memcpy(two, one, n);
	memcpy(two + n, one, n);
	memset(two + 2 * n, 0xee, 5);
	cr_expect_eq(sc_record_decode(two, 2 * n + 5, &r), n, "must consume one record only");
	cr_expect_eq(r.seq, 7);
	cr_expect_eq(sc_record_decode(two + n, n + 5, &r), n);
	cr_expect_eq(sc_record_decode(two + 2 * n, 5, &r), 0, "5 trailing bytes are no record");
	free(one);
	free(two);
}

Test(record, pri_and_tz_keep_their_sign)
{
	struct sc_record in = { .raw = (const uint8_t *)"" }, out;
	uint8_t buf[SC_REC_HDR_LEN];

	in.pri = -1;
	in.tz_min = -570; /* UTC-09:30 */
	in.msg_ns = INT64_MIN;
	in.rx_ns = -1;
	cr_assert_eq(sc_record_encode(&in, buf), SC_REC_HDR_LEN);
	cr_assert_eq(sc_record_decode(buf, sizeof(buf), &out), SC_REC_HDR_LEN);
	cr_expect_eq(out.pri, -1);
	cr_expect_eq(out.tz_min, -570);
	cr_expect_eq(out.msg_ns, INT64_MIN);
	cr_expect_eq(out.rx_ns, -1);
	cr_expect_eq(out.raw_len, 0);
}

/* ---- addresses ------------------------------------------------------------ */

Test(record, ipv4_mapped_address)
{
	static const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					  192, 168, 10, 201 };
	struct sc_record r;
	char buf[64];

	memset(&r, 0x5a, sizeof(r)); /* stale bytes must all be overwritten */
	sc_record_set_ipv4(&r, htonl(0xc0a80ac9));
	cr_expect(memcmp(r.addr, want, 16) == 0, "not ::ffff:192.168.10.201");
	cr_expect_eq(r.family, 4);
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "192.168.10.201");
	cr_expect_eq(sc_record_addr_str(&r, buf, sizeof(buf)), buf, "must return buf");

	sc_record_set_ipv4(&r, htonl(0xffffffff));
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "255.255.255.255");
	sc_record_set_ipv4(&r, 0);
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "0.0.0.0");
}

Test(record, ipv6_and_event_address_text)
{
	struct sc_record r = { 0 };
	char buf[64];

	cr_assert_eq(inet_pton(AF_INET6, "2001:db8::5:1", r.addr), 1);
	r.family = 6;
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "2001:db8::5:1");
	/* A v4-mapped address labelled as IPv6 prints in IPv6 notation. */
	sc_record_set_ipv4(&r, htonl(0x7f000001));
	r.family = 6;
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "::ffff:127.0.0.1");
	/* Engine events have no address. */
	r.family = 0;
	cr_expect_str_eq(sc_record_addr_str(&r, buf, sizeof(buf)), "-");
}

Test(record, address_survives_round_trip)
{
	struct sc_record in = { .raw = (const uint8_t *)"" }, out;
	uint8_t buf[SC_REC_HDR_LEN];
	char a[64], b[64];

	sc_record_set_ipv4(&in, htonl(0xac100001));
	in.src_port = 514;
	in.dst_port = 6514;
	sc_record_encode(&in, buf);
	cr_assert_eq(sc_record_decode(buf, sizeof(buf), &out), SC_REC_HDR_LEN);
	cr_expect_str_eq(sc_record_addr_str(&out, b, sizeof(b)),
			 sc_record_addr_str(&in, a, sizeof(a)));
	cr_expect_str_eq(b, "172.16.0.1");
	cr_expect_eq(out.src_port, 514);
	cr_expect_eq(out.dst_port, 6514);
}

/* ---- hostile input ---------------------------------------------------------- */

Test(record, decode_rejects_every_truncation)
{
	uint8_t *enc;
	size_t n = sample_encode(&enc);
	struct sc_record r;

	for (size_t avail = 0; avail < n; avail++)
		cr_expect_eq(decode_exact(enc, avail, &r), 0,
			     "accepted a record cut to %zu of %zu bytes", avail, n);
	cr_expect_eq(decode_exact(enc, n, &r), n, "the whole record must decode");
	free(enc);
}

Test(record, decode_rejects_bad_header_length)
{
	static const uint16_t bad[] = { 0, 1, 64, 127, 129, 256, 0xffff };
	uint8_t *enc;
	size_t n = sample_encode(&enc);
	struct sc_record r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *b = exact(enc, n);

		b[4] = (uint8_t)bad[i];
		b[5] = (uint8_t)(bad[i] >> 8);
		cr_expect_eq(sc_record_decode(b, n, &r), 0, "accepted header length %u", bad[i]);
		free(b);
	}
	free(enc);
}

Test(record, decode_rejects_bad_record_length)
{
	uint8_t *enc;
	size_t n = sample_encode(&enc);
	struct sc_record r;
	const uint32_t bad[] = { 0, 1, SC_REC_HDR_LEN - 1, (uint32_t)n + 1, 0x7fffffff, UINT32_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *b = exact(enc, n);

		put32(b, bad[i]);
		cr_expect_eq(sc_record_decode(b, n, &r), 0, "accepted record length %u (avail %zu)",
			     bad[i], n);
		free(b);
	}
	free(enc);
}

Test(record, decode_rejects_spans_outside_raw)
{
	uint8_t *enc;
	size_t n = sample_encode(&enc);
	uint32_t raw_len = (uint32_t)(n - SC_REC_HDR_LEN);
	struct sc_record r;
	const struct sc_span bad[] = {
		{ raw_len + 1, 0 },            /* offset past the end */
		{ raw_len, 1 },                /* one byte past the end */
		{ 1, raw_len },                /* runs one past the end */
		{ 0, raw_len + 1 },
		{ UINT32_MAX, 2 },             /* off + len wraps */
		{ 2, UINT32_MAX },
		{ UINT32_MAX, UINT32_MAX },
	};
	const struct sc_span ok[] = { { raw_len, 0 }, { 0, raw_len }, { raw_len - 1, 1 } };

	for (int f = 0; f < SC_F_COUNT; f++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint8_t *b = exact(enc, n);

			put32(b + 64 + 8 * f, bad[i].off);
			put32(b + 64 + 8 * f + 4, bad[i].len);
			cr_expect_eq(sc_record_decode(b, n, &r), 0,
				     "field %d: accepted span off=%u len=%u for raw_len %u",
				     f, bad[i].off, bad[i].len, raw_len);
			free(b);
		}
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			uint8_t *b = exact(enc, n);

			put32(b + 64 + 8 * f, ok[i].off);
			put32(b + 64 + 8 * f + 4, ok[i].len);
			cr_expect_eq(sc_record_decode(b, n, &r), n,
				     "field %d: rejected valid span off=%u len=%u", f, ok[i].off,
				     ok[i].len);
			cr_expect_eq(r.field[f].off, ok[i].off);
			cr_expect_eq(r.field[f].len, ok[i].len);
			free(b);
		}
	}
	free(enc);
}

Test(record, decode_size_limits)
{
	/* Raw of exactly SC_REC_RAW_MAX is allowed; one more byte is not. */
	size_t big = SC_REC_HDR_LEN + SC_REC_RAW_MAX + 1;
	uint8_t *b = calloc(1, big);
	struct sc_record r;

	cr_assert_not_null(b);
	b[4] = SC_REC_HDR_LEN;
	put32(b, SC_REC_HDR_LEN + SC_REC_RAW_MAX);
	cr_expect_eq(sc_record_decode(b, big, &r), SC_REC_HDR_LEN + SC_REC_RAW_MAX,
		     "a record of SC_REC_RAW_MAX raw bytes must decode");
	cr_expect_eq(r.raw_len, SC_REC_RAW_MAX);
	put32(b, SC_REC_HDR_LEN + SC_REC_RAW_MAX + 1);
	cr_expect_eq(sc_record_decode(b, big, &r), 0, "accepted raw_len SC_REC_RAW_MAX + 1");
	free(b);
}

/* Random bytes and random damage: decode may accept or refuse, but what it
 * accepts must be self-consistent, and it must never read past avail. */
Test(record, decode_survives_garbage)
{
	uint8_t *enc;
	size_t n = sample_encode(&enc);

	rng_state = 0x5eed0002;
	for (int iter = 0; iter < 20000; iter++) {
		size_t avail;
		uint8_t *b;
		struct sc_record r;
		size_t got;

		if (iter & 1) {
			/* Mutate a valid record: 1..4 random bytes. */
			avail = n - rnd_below(3);
			b = exact(enc, avail);
			for (uint32_t k = rnd_below(4) + 1; k; k--)
				b[rnd_below((uint32_t)avail)] = (uint8_t)rnd();
		} else {
			uint8_t tmp[512];

			avail = rnd_below(sizeof(tmp));
			for (size_t i = 0; i < avail; i++)
				tmp[i] = (uint8_t)rnd();
			if (avail >= 8) {
				/* Often a plausible length and header length. */
				put32(tmp, (uint32_t)(SC_REC_HDR_LEN + rnd_below(400)));
				tmp[4] = SC_REC_HDR_LEN;
				tmp[5] = 0;
			}
			b = exact(tmp, avail);
		}
		got = sc_record_decode(b, avail, &r);
		if (got) {
			cr_expect(got >= SC_REC_HDR_LEN && got <= avail, "consumed %zu of %zu", got,
				  avail);
			cr_expect_eq(got, SC_REC_HDR_LEN + r.raw_len);
			for (int f = 0; f < SC_F_COUNT; f++)
				cr_expect((uint64_t)r.field[f].off + r.field[f].len <= r.raw_len,
					  "iter %d field %d outside raw", iter, f);
		}
		free(b);
	}
	free(enc);
}

/* sc_time_utc: RFC 3339 UTC with nanoseconds, the epoch, before it, a golden time. */
Test(record, time_utc)
{
	char b[40];

	sc_time_utc(0, b, sizeof(b));
	cr_expect_str_eq(b, "1970-01-01T00:00:00.000000000Z");
	sc_time_utc(-1, b, sizeof(b));
	cr_expect_str_eq(b, "1969-12-31T23:59:59.999999999Z");
	sc_time_utc(1796403000056013214LL, b, sizeof(b));
	cr_expect_str_eq(b, "2026-12-04T16:50:00.056013214Z");
}

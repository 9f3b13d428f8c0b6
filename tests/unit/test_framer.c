/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The RFC 6587 framer (sealcap/framer.h), driven alone:
 *
 * - both framings and the automatic choice, frame by frame and byte-exact;
 * - the same stream fed whole, byte by byte, and split at every position
 *   (and every pair of positions) gives the same frames, flags and counters;
 * - the go-syslog octet-counting and non-transparent tables and the RFC
 *   5424 examples framed both ways (tests/data/corpus);
 * - oversize frames, garbage and overflowing octet counts, NUL bytes,
 *   a stream ending mid-frame, and seeded random streams (no crash, same
 *   frames however they are cut; ASan/UBSan watch the memory).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <sealcap/framer.h>

#define CORPUS SC_TEST_DATA "/corpus/"

TestSuite(framer, .timeout = 60);

/* ---- collecting frames ------------------------------------------------------ */

struct frame {
	uint8_t *p;
	uint32_t len;
	uint32_t flags;
};

struct frames {
	struct frame *f;
	size_t n, cap;
	const uint8_t *in_lo, *in_hi; /* the bytes of the current feed */
	size_t zero_copy;             /* frames passed straight from them */
};

static void
collect(void *arg, const uint8_t *msg, uint32_t len, uint32_t flags)
{
	struct frames *v = arg;
	struct frame *f;

	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->f = realloc(v->f, v->cap * sizeof(*v->f));
		cr_assert(v->f != NULL);
	}
	f = &v->f[v->n++];
	f->p = malloc(len ? len : 1);
	cr_assert(f->p != NULL);
	memcpy(f->p, msg, len);
	f->len = len;
	f->flags = flags;
	if (v->in_lo && msg >= v->in_lo && msg + len <= v->in_hi)
		v->zero_copy++;
}

static void
frames_free(struct frames *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->f[i].p);
	free(v->f);
	memset(v, 0, sizeof(*v));
}

static void
dump(const char *what, const struct frames *v)
{
	fprintf(stderr, "%s: %zu frames\n", what, v->n);
	for (size_t i = 0; i < v->n && i < 20; i++)
		fprintf(stderr, "  [%zu] len %u flags 0x%x \"%.*s\"\n", i, v->f[i].len, v->f[i].flags,
			(int)(v->f[i].len < 80 ? v->f[i].len : 80), (const char *)v->f[i].p);
}

static struct sc_framer_config
cfg(uint32_t max_msg, uint8_t mode)
{
	struct sc_framer_config c = { .max_msg = max_msg, .len_limit = 0, .mode = mode,
				      .nul_trailer = false };

	return c;
}

/*
 * Feed @p s (@p n bytes) cut at the sorted positions @p cuts (k of them),
 * then finish.  Each piece is copied to its own heap buffer so a frame
 * that points into a previous piece after it is gone shows up under ASan.
 */
static void
run_cuts(const struct sc_framer_config *c, const void *s, size_t n, const size_t *cuts,
	 size_t k, struct frames *out, struct sc_framer_stats *st)
{
	struct sc_framer f;
	uint8_t *buf = malloc(c->max_msg > SC_FRAMER_MSG_MIN ? c->max_msg : SC_FRAMER_MSG_MIN);
	size_t at = 0;

	cr_assert(buf != NULL);
	memset(out, 0, sizeof(*out));
	sc_framer_init(&f, c);
	sc_framer_attach(&f, buf);
	for (size_t i = 0; i <= k; i++) {
		size_t end = i < k ? cuts[i] : n;
		size_t len = end - at;
		uint8_t *piece = malloc(len ? len : 1);

		cr_assert(piece != NULL);
		memcpy(piece, (const uint8_t *)s + at, len);
		out->in_lo = piece;
		out->in_hi = piece + len;
		sc_framer_feed(&f, piece, len, collect, out);
		out->in_lo = out->in_hi = NULL;
		free(piece);
		at = end;
	}
	sc_framer_finish(&f, collect, out);
	cr_assert(!sc_framer_holding(&f));
	cr_assert_eq(sc_framer_detach(&f), buf);
	if (st)
		*st = f.stats;
	free(buf);
}

static void
run(const struct sc_framer_config *c, const void *s, size_t n, struct frames *out,
    struct sc_framer_stats *st)
{
	run_cuts(c, s, n, NULL, 0, out, st);
}

static bool
same_frames(const struct frames *a, const struct frames *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->f[i].len != b->f[i].len || a->f[i].flags != b->f[i].flags ||
		    memcmp(a->f[i].p, b->f[i].p, a->f[i].len) != 0)
			return false;
	return true;
}

static bool
same_stats(const struct sc_framer_stats *a, const struct sc_framer_stats *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Frame @p i is @p s with @p flags. */
static void
expect_frame(const struct frames *v, size_t i, const char *s, size_t len, uint32_t flags)
{
	if (i >= v->n) {
		dump("got", v);
		cr_assert_fail("frame %zu missing (have %zu)", i, v->n);
	}
	if (v->f[i].len != len || memcmp(v->f[i].p, s, len) != 0 || v->f[i].flags != flags) {
		dump("got", v);
		cr_expect_fail("frame %zu: want len %zu flags 0x%x \"%.*s\"", i, len, flags,
			       (int)(len < 80 ? len : 80), s);
	}
}

#define EXPECT_FRAME(v, i, lit, fl) expect_frame(v, i, lit, sizeof(lit) - 1, fl)

/*
 * The stream cut every way (whole, every split point, every pair of split
 * points when short enough, byte by byte) gives the frames and counters of
 * the stream fed whole.
 */
static void
expect_cut_invariant(const struct sc_framer_config *c, const void *s, size_t n)
{
	struct frames whole, part;
	struct sc_framer_stats sw, sp;
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));

	cr_assert(cuts != NULL);
	run(c, s, n, &whole, &sw);
	for (size_t i = 0; i <= n; i++) {
		run_cuts(c, s, n, &i, 1, &part, &sp);
		if (!same_frames(&whole, &part) || !same_stats(&sw, &sp)) {
			dump("whole", &whole);
			dump("split", &part);
			cr_assert_fail("split at %zu of %zu differs", i, n);
		}
		frames_free(&part);
	}
	if (n <= 200)
		for (size_t i = 0; i <= n; i++)
			for (size_t j = i; j <= n; j++) {
				size_t two[2] = { i, j };

				run_cuts(c, s, n, two, 2, &part, &sp);
				if (!same_frames(&whole, &part) || !same_stats(&sw, &sp))
					cr_assert_fail("split at %zu and %zu of %zu differs", i, j, n);
				frames_free(&part);
			}
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	run_cuts(c, s, n, cuts, n ? n - 1 : 0, &part, &sp);
	if (!same_frames(&whole, &part) || !same_stats(&sw, &sp)) {
		dump("whole", &whole);
		dump("bytewise", &part);
		cr_assert_fail("byte-by-byte feeding differs");
	}
	frames_free(&part);
	frames_free(&whole);
	free(cuts);
}

/* ---- both framings ---------------------------------------------------------- */

Test(framer, octet_counting)
{
	static const char s[] = "16 <1>1 - - - - - -17 <2>12 A B C D E -"
				"5 a\nb c" "1 x";
	struct sc_framer_config c = cfg(8192, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 4);
	EXPECT_FRAME(&v, 0, "<1>1 - - - - - -", 0);
	EXPECT_FRAME(&v, 1, "<2>12 A B C D E -", 0);
	EXPECT_FRAME(&v, 2, "a\nb c", 0);   /* LF inside a counted frame is data */
	EXPECT_FRAME(&v, 3, "x", 0);
	cr_expect_eq(v.zero_copy, 4, "whole frames are passed without a copy");
	cr_expect_eq(st.frames, 4);
	cr_expect_eq(st.bytes, 16 + 17 + 5 + 1);
	cr_expect_eq(st.errors, 0);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);
}

Test(framer, non_transparent)
{
	static const char s[] = "<13>a\n<13>b\r\n\n<13>c  \n\r\n<14>d";
	struct sc_framer_config c = cfg(8192, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 5);
	EXPECT_FRAME(&v, 0, "<13>a", 0);
	EXPECT_FRAME(&v, 1, "<13>b\r", 0);     /* CR kept: raw bytes are evidence */
	EXPECT_FRAME(&v, 2, "<13>c  ", 0);     /* trailing spaces kept */
	EXPECT_FRAME(&v, 3, "\r", 0);
	EXPECT_FRAME(&v, 4, "<14>d", SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE);
	cr_expect_eq(st.empty, 1);
	cr_expect_eq(st.incomplete, 1);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);
}

Test(framer, auto_detection)
{
	struct sc_framer_config c = cfg(8192, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	/* A leading digit 1-9 means octet counting ... */
	run(&c, "3 abc", 5, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "abc", 0);
	frames_free(&v);
	/* ... 0 cannot start a MSG-LEN, so it is a non-transparent stream. */
	run(&c, "0 abc\n", 6, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "0 abc", 0);
	cr_expect_eq(st.errors, 0);
	frames_free(&v);
	/* Forced modes ignore the first byte. */
	c.mode = SC_FRAMING_LF;
	run(&c, "3 abc\n", 6, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "3 abc", 0);
	frames_free(&v);
	c.mode = SC_FRAMING_OCTET;
	run(&c, "<1>x\n", 5, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "<1>x", SC_FRAME_RESYNC);
	cr_expect_eq(st.errors, 1);
	frames_free(&v);
}

Test(framer, stray_newlines_between_counted_frames)
{
	static const char s[] = "3 abc\n3 def\r\n3 ghi";
	struct sc_framer_config c = cfg(64, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 3);
	EXPECT_FRAME(&v, 0, "abc", 0);
	EXPECT_FRAME(&v, 1, "def", 0);
	EXPECT_FRAME(&v, 2, "ghi", 0);
	cr_expect_eq(st.stray, 3);
	cr_expect_eq(st.errors, 0);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);
}

/* A stream of many frames of both kinds, cut at every position. */
Test(framer, splits_at_every_position)
{
	char oc[2048], lf[2048];
	size_t no = 0, nl = 0;
	struct sc_framer_config c = cfg(40, SC_FRAMING_AUTO);

	for (int i = 0; i < 12; i++) {
		char m[64];
		int k = snprintf(m, sizeof(m), "<%d>1 - host app %d - - msg %d", 8 + i, i * 7, i);

		if (i == 5)   /* one oversize frame in each stream */
			k = snprintf(m, sizeof(m), "<13>1 - host app - - - this one is longer than forty");
		no += (size_t)snprintf(oc + no, sizeof(oc) - no, "%d %s", k, m);
		nl += (size_t)snprintf(lf + nl, sizeof(lf) - nl, "%s%s", m, i % 3 ? "\n" : "\r\n");
	}
	/* ... and the last frame cut short by the end of the stream. */
	no += (size_t)snprintf(oc + no, sizeof(oc) - no, "30 <13>1 cut");
	nl += (size_t)snprintf(lf + nl, sizeof(lf) - nl, "<13>1 cut");
	expect_cut_invariant(&c, oc, no);
	expect_cut_invariant(&c, lf, nl);
}

/* ---- limits and hostile input ---------------------------------------------- */

Test(framer, oversize_octet_counted)
{
	static const char s[] = "20 0123456789abcdefghij3 xyz";
	struct sc_framer_config c = cfg(16, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 0, "0123456789abcdef", SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
	EXPECT_FRAME(&v, 1, "xyz", 0);  /* the rest of the big frame skipped exactly */
	cr_expect_eq(st.oversize, 1);
	cr_expect_eq(st.discarded, 4);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);
	/* Exactly max_msg is not oversize. */
	run(&c, "16 0123456789abcdef", 19, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "0123456789abcdef", 0);
	frames_free(&v);
}

Test(framer, oversize_non_transparent)
{
	static const char s[] = "<13>0123456789abcdefghij\n<13>ok\n<13>456789abcdef\n<13>end";
	struct sc_framer_config c = cfg(16, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 4);
	EXPECT_FRAME(&v, 0, "<13>0123456789ab", SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
	EXPECT_FRAME(&v, 1, "<13>ok", 0);
	EXPECT_FRAME(&v, 2, "<13>456789abcdef", 0);  /* exactly 16: whole */
	EXPECT_FRAME(&v, 3, "<13>end", SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE);
	cr_expect_eq(st.discarded, 8);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);
	/* An endless line: one cut frame, the rest discarded, nothing held. */
	{
		char big[5000];

		memset(big, 'x', sizeof(big));
		big[0] = '<';
		run(&c, big, sizeof(big), &v, &st);
		cr_assert_eq(v.n, 1);
		cr_expect_eq(v.f[0].len, 16);
		cr_expect_eq(v.f[0].flags, SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
		cr_expect_eq(st.discarded, sizeof(big) - 16);
		frames_free(&v);
	}
}

Test(framer, overflowing_and_garbage_lengths)
{
	/*
	 * rsyslog's imtcp-msg-truncation-on-number2 inputs, one stream
	 * (tcpflood adds the LF, which the count of 41 includes).
	 */
	static const char s[] =
		"41 <120> 2011-03-01T11:22:12Z host msgnum:1\n"
		"214000000000 <120> 2011-03-01T11:22:12Z host msgnum:1\n"
		"41 <120> 2011-03-01T11:22:12Z host msgnum:1\n";
	struct sc_framer_config c = cfg(128, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, s, sizeof(s) - 1, &v, &st);
	cr_assert_eq(v.n, 3);
	EXPECT_FRAME(&v, 0, "<120> 2011-03-01T11:22:12Z host msgnum:1\n", 0);
	/* The bad count and all after it, read as lines: nothing lost. */
	EXPECT_FRAME(&v, 1, "214000000000 <120> 2011-03-01T11:22:12Z host msgnum:1",
		     SC_FRAME_RESYNC);
	EXPECT_FRAME(&v, 2, "41 <120> 2011-03-01T11:22:12Z host msgnum:1", 0);
	cr_expect_eq(st.errors, 1);
	frames_free(&v);
	expect_cut_invariant(&c, s, sizeof(s) - 1);

	/* 10, 20 and 40 digits; above UINT32_MAX; no SP after the count. */
	{
		static const char *const bad[] = {
			"4294967296 x\n", "99999999999999999999 x\n",
			"1234567890123456789012345678901234567890 x\n", "16<1>1\n", "7\tabcdefg\n",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t n = strlen(bad[i]);

			run(&c, bad[i], n, &v, &st);
			cr_assert_eq(v.n, 1, "%s", bad[i]);
			expect_frame(&v, 0, bad[i], n - 1, SC_FRAME_RESYNC);
			cr_expect_eq(st.errors, 1);
			frames_free(&v);
			expect_cut_invariant(&c, bad[i], n);
		}
	}
	/* At len_limit a count is believed (and the frame skipped); above, not. */
	{
		char s2[200];
		size_t n;

		c.len_limit = 100;
		n = (size_t)snprintf(s2, sizeof(s2), "100 %0100d5 hello", 0);
		run(&c, s2, n, &v, &st);
		cr_assert_eq(v.n, 2);
		cr_expect_eq(v.f[0].len, 100);
		EXPECT_FRAME(&v, 1, "hello", 0);
		frames_free(&v);
		c.max_msg = 64;
		run(&c, s2, n, &v, &st);
		cr_assert_eq(v.n, 2);
		cr_expect_eq(v.f[0].len, 64);
		cr_expect_eq(v.f[0].flags, SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
		EXPECT_FRAME(&v, 1, "hello", 0);
		frames_free(&v);
		n = (size_t)snprintf(s2, sizeof(s2), "101 abc\n5 hello");
		run(&c, s2, n, &v, &st);
		cr_assert_eq(v.n, 2);
		EXPECT_FRAME(&v, 0, "101 abc", SC_FRAME_RESYNC);
		EXPECT_FRAME(&v, 1, "5 hello", SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE);
		frames_free(&v);
	}
}

Test(framer, nul_bytes)
{
	static const char oc[] = "7 a\0b\0c\0\0" "1 \0";
	static const char lf[] = "<1>a\0b\n\0\n";
	struct sc_framer_config c = cfg(64, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	run(&c, oc, sizeof(oc) - 1, &v, &st);
	cr_assert_eq(v.n, 2);
	expect_frame(&v, 0, "a\0b\0c\0\0", 7, 0);
	expect_frame(&v, 1, "\0", 1, 0);
	frames_free(&v);
	expect_cut_invariant(&c, oc, sizeof(oc) - 1);
	/* NUL is a byte like any other in a line ... */
	run(&c, lf, sizeof(lf) - 1, &v, &st);
	cr_assert_eq(v.n, 2);
	expect_frame(&v, 0, "<1>a\0b", 6, 0);
	expect_frame(&v, 1, "\0", 1, 0);
	frames_free(&v);
	/* ... unless it is declared a trailer too. */
	c.nul_trailer = true;
	run(&c, lf, sizeof(lf) - 1, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 0, "<1>a", 0);
	EXPECT_FRAME(&v, 1, "b", 0);
	cr_expect_eq(st.empty, 2);
	frames_free(&v);
	expect_cut_invariant(&c, lf, sizeof(lf) - 1);
	/* Counted frames do not care about the trailer setting. */
	run(&c, oc, sizeof(oc) - 1, &v, &st);
	cr_assert_eq(v.n, 2);
	expect_frame(&v, 0, "a\0b\0c\0\0", 7, 0);
	frames_free(&v);
}

Test(framer, end_of_stream_mid_frame)
{
	const uint32_t cut = SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE;
	struct sc_framer_config c = cfg(64, SC_FRAMING_AUTO);
	struct frames v;
	struct sc_framer_stats st;

	/* Counted frames may hold LF; a count of 5 takes "abc\n1". */
	run(&c, "5 abc\n10 <13>abc", 16, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 0, "abc\n1", 0);
	EXPECT_FRAME(&v, 1, "0 <13>abc", SC_FRAME_RESYNC | cut);
	frames_free(&v);
	/* Complete frames first, then the fragment, flagged. */
	run(&c, "4 abcd10 <13>abc", 16, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 0, "abcd", 0);
	EXPECT_FRAME(&v, 1, "<13>abc", cut);
	cr_expect_eq(st.incomplete, 1);
	frames_free(&v);
	/* Only digits: may be all the peer sent, kept. */
	run(&c, "4 abcd12", 8, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 1, "12", cut);
	frames_free(&v);
	/* A complete "LEN SP" and nothing after: framing only. */
	run(&c, "4 abcd12 ", 9, &v, &st);
	cr_assert_eq(v.n, 1);
	cr_expect_eq(st.incomplete, 1);
	frames_free(&v);
	/* A line without its LF. */
	run(&c, "<13>a\n<13>b", 11, &v, &st);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 1, "<13>b", cut);
	frames_free(&v);
	/* The rest of an oversize frame missing: already out, cut. */
	c.max_msg = 16;
	run(&c, "100 0123456789abcdefghij", 24, &v, &st);
	cr_assert_eq(v.n, 1);
	EXPECT_FRAME(&v, 0, "0123456789abcdef", SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
	cr_expect_eq(st.incomplete, 0);
	frames_free(&v);
}

Test(framer, finish_resets_for_a_new_stream)
{
	struct sc_framer_config c = cfg(64, SC_FRAMING_AUTO);
	struct frames v = { 0 };
	struct sc_framer f;
	uint8_t buf[64];

	sc_framer_init(&f, &c);
	sc_framer_attach(&f, buf);
	sc_framer_feed(&f, (const uint8_t *)"5 ab", 4, collect, &v);
	cr_expect(sc_framer_holding(&f));
	cr_expect_null(sc_framer_detach(&f), "a buffer holding a fragment stays");
	sc_framer_finish(&f, collect, &v);
	cr_expect(!sc_framer_holding(&f));
	/* The next stream decides its framing afresh. */
	sc_framer_feed(&f, (const uint8_t *)"<1>x\n", 5, collect, &v);
	cr_assert_eq(v.n, 2);
	EXPECT_FRAME(&v, 0, "ab", SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE);
	EXPECT_FRAME(&v, 1, "<1>x", 0);
	cr_expect_eq(sc_framer_detach(&f), buf);
	cr_expect_null(sc_framer_detach(&f));
	frames_free(&v);
}

Test(framer, config_is_clamped)
{
	struct sc_framer_config c = { .max_msg = 1, .len_limit = 2, .mode = 99 };
	struct sc_framer f;

	sc_framer_init(&f, &c);
	cr_expect_eq(f.cfg.max_msg, SC_FRAMER_MSG_MIN);
	cr_expect_eq(f.cfg.len_limit, SC_FRAMER_MSG_MIN);
	cr_expect_eq(f.cfg.mode, SC_FRAMING_AUTO);
	c.max_msg = UINT32_MAX;
	c.len_limit = 0;
	sc_framer_init(&f, &c);
	cr_expect_eq(f.cfg.max_msg, SC_REC_RAW_MAX);
	cr_expect_eq(f.cfg.len_limit, SC_FRAMER_LEN_LIMIT_DEFAULT);
}

/* Seeded random streams from a small alphabet that hits every state. */
Test(framer, random_streams_any_cut)
{
	static const char alpha[] = "0123456789 \n\r\0<>a";
	uint64_t x = 0x5ea1cafe;
	uint8_t s[600];

	for (int round = 0; round < 300; round++) {
		struct sc_framer_config c = cfg(16 + (uint32_t)(round % 50), SC_FRAMING_AUTO);
		struct frames whole, part;
		struct sc_framer_stats sw, sp;
		size_t n, cuts[8];

		c.nul_trailer = round & 1;
		c.len_limit = round % 3 ? 0 : 200;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (size_t)(x % sizeof(s));
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[i] = (uint8_t)alpha[x % (sizeof(alpha) - 1)];
		}
		run(&c, s, n, &whole, &sw);
		for (int k = 0; k < 8; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			cuts[k] = n ? (size_t)(x % (n + 1)) : 0;
		}
		for (int a = 0; a < 8; a++)  /* sort the cut points */
			for (int b = a + 1; b < 8; b++)
				if (cuts[b] < cuts[a]) {
					size_t t = cuts[a];

					cuts[a] = cuts[b];
					cuts[b] = t;
				}
		run_cuts(&c, s, n, cuts, 8, &part, &sp);
		cr_assert(same_frames(&whole, &part) && same_stats(&sw, &sp), "round %d differs", round);
		for (size_t i = 0; i < whole.n; i++)
			cr_assert_leq(whole.f[i].len, c.max_msg);
		cr_assert_leq(sw.bytes, n);
		frames_free(&whole);
		frames_free(&part);
	}
}

/* ---- corpus ------------------------------------------------------------------ */

/* A minimal JSON reader for the test tables (objects, arrays, strings, numbers). */
enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	double num;
	char *s;          /* J_STR: bytes (may hold NUL) */
	size_t slen;
	struct jv *items; /* J_ARR / J_OBJ values */
	char **keys;      /* J_OBJ */
	size_t n;
};

static void
jfree(struct jv *v)
{
	free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		jfree(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
}

static const char *
jws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void
put_utf8(char **o, unsigned cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xc0 | cp >> 6);
		*u++ = (unsigned char)(0x80 | (cp & 63));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xe0 | cp >> 12);
		*u++ = (unsigned char)(0x80 | (cp >> 6 & 63));
		*u++ = (unsigned char)(0x80 | (cp & 63));
	} else {
		*u++ = (unsigned char)(0xf0 | cp >> 18);
		*u++ = (unsigned char)(0x80 | (cp >> 12 & 63));
		*u++ = (unsigned char)(0x80 | (cp >> 6 & 63));
		*u++ = (unsigned char)(0x80 | (cp & 63));
	}
	*o = (char *)u;
}

static const char *jparse(const char *p, struct jv *v);

static const char *
jstring(const char *p, char **out, size_t *len)
{
	const char *q = p + 1;
	char *o, *b;

	/* Output is never longer than the input. */
	b = o = malloc(strlen(p) + 1);
	cr_assert(b != NULL);
	while (*q && *q != '"') {
		if (*q != '\\') {
			*o++ = *q++;
			continue;
		}
		q++;
		switch (*q) {
		case 'n': *o++ = '\n'; q++; break;
		case 't': *o++ = '\t'; q++; break;
		case 'r': *o++ = '\r'; q++; break;
		case 'b': *o++ = '\b'; q++; break;
		case 'f': *o++ = '\f'; q++; break;
		case 'u': {
			unsigned cp = (unsigned)strtoul((char[5]){ q[1], q[2], q[3], q[4], 0 }, NULL, 16);

			q += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && q[0] == '\\' && q[1] == 'u') {
				unsigned lo = (unsigned)strtoul((char[5]){ q[2], q[3], q[4], q[5], 0 },
								NULL, 16);

				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			put_utf8(&o, cp);
			break;
		}
		default: *o++ = *q++; break; /* \" \\ \/ */
		}
	}
	cr_assert_eq(*q, '"', "unterminated JSON string");
	*len = (size_t)(o - b);
	*o = '\0';
	*out = b;
	return q + 1;
}

static const char *
jparse(const char *p, struct jv *v)
{
	memset(v, 0, sizeof(*v));
	p = jws(p);
	if (*p == '"') {
		v->t = J_STR;
		return jstring(p, &v->s, &v->slen);
	}
	if (*p == '{' || *p == '[') {
		bool obj = *p == '{';
		size_t cap = 0;

		v->t = obj ? J_OBJ : J_ARR;
		p = jws(p + 1);
		while (*p != (obj ? '}' : ']')) {
			if (v->n == cap) {
				cap = cap ? 2 * cap : 8;
				v->items = realloc(v->items, cap * sizeof(*v->items));
				if (obj)
					v->keys = realloc(v->keys, cap * sizeof(*v->keys));
				cr_assert(v->items != NULL && (!obj || v->keys != NULL));
			}
			if (obj) {
				size_t kl;

				p = jstring(jws(p), &v->keys[v->n], &kl);
				p = jws(p);
				cr_assert_eq(*p, ':');
				p++;
			}
			p = jparse(p, &v->items[v->n++]);
			p = jws(p);
			if (*p == ',')
				p = jws(p + 1);
		}
		return p + 1;
	}
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0) {
		v->t = *p == 't' ? J_BOOL : J_NULL;
		v->num = *p == 't';
		return p + 4;
	}
	if (strncmp(p, "false", 5) == 0) {
		v->t = J_BOOL;
		return p + 5;
	}
	{
		char *e;

		v->t = J_NUM;
		v->num = strtod(p, &e);
		cr_assert(e != p, "bad JSON at \"%.20s\"", p);
		return e;
	}
}

static const struct jv *
jget(const struct jv *o, const char *key)
{
	if (o == NULL || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return &o->items[i];
	return NULL;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	cr_assert(p != NULL);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

/*
 * One go-syslog case: as many frames as go-syslog has results (none for
 * empty input); a result with a parsed message has a frame starting with
 * its "<PRI>" and ending with its MSG.  go-syslog parses as it frames, so
 * its errors are about the syslog fields; framing-wise every complete
 * frame must come out untruncated unless it exceeds max_message_length.
 */
static void
check_gosyslog_case(const struct jv *c, bool lf)
{
	const struct jv *in = jget(c, "input"), *res = jget(c, "results_best_effort");
	const struct jv *mx = jget(c, "max_message_length"), *tr = jget(c, "trailer");
	const struct jv *descr = jget(c, "descr");
	struct sc_framer_config fc = cfg(mx ? (uint32_t)mx->num : 8192,
					 lf ? SC_FRAMING_LF : SC_FRAMING_OCTET);
	struct frames v;
	struct sc_framer_stats st;
	size_t want;

	cr_assert(in && in->t == J_STR && res && res->t == J_ARR && descr);
	fc.nul_trailer = tr && tr->t == J_STR && strcmp(tr->s, "NUL") == 0;
	run(&fc, in->s, in->slen, &v, &st);
	want = in->slen ? res->n : 0;
	if (v.n != want) {
		dump(descr->s, &v);
		cr_expect_fail("go-syslog \"%s\": %zu frames, want %zu", descr->s, v.n, want);
		frames_free(&v);
		return;
	}
	for (size_t i = 0; i < v.n; i++) {
		const struct jv *m = jget(&res->items[i], "message");
		const struct jv *pri = jget(m, "priority"), *msg = jget(m, "message");
		char p[16];
		int pl;

		if (pri) {
			pl = snprintf(p, sizeof(p), "<%d>", (int)pri->num);
			cr_expect(v.f[i].len >= (uint32_t)pl && memcmp(v.f[i].p, p, (size_t)pl) == 0,
				  "go-syslog \"%s\" frame %zu does not start with %s", descr->s, i, p);
		}
		if (msg && msg->t == J_STR)
			cr_expect(v.f[i].len >= msg->slen &&
				  memcmp(v.f[i].p + v.f[i].len - msg->slen, msg->s, msg->slen) == 0,
				  "go-syslog \"%s\" frame %zu does not end with its MSG", descr->s, i);
		if (!jget(&res->items[i], "error"))
			cr_expect_eq(v.f[i].flags & SC_FRAME_TRUNCATED, 0,
				     "go-syslog \"%s\" frame %zu flagged 0x%x", descr->s, i, v.f[i].flags);
	}
	frames_free(&v);
	if (in->slen <= 300)
		expect_cut_invariant(&fc, in->s, in->slen);
}

static unsigned
check_gosyslog_file(const char *path, bool lf)
{
	char *text = slurp(path, NULL), *line = text, *nl;
	unsigned n = 0;

	for (; *line; line = nl + 1) {
		struct jv c;

		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line) - 1;
		if (*jws(line) != '{')
			continue;
		jparse(line, &c);
		check_gosyslog_case(&c, lf);
		jfree(&c);
		n++;
	}
	free(text);
	return n;
}

Test(framer, corpus_gosyslog_octet_counting)
{
	unsigned n = check_gosyslog_file(
		CORPUS "conformance/go-syslog/go-syslog_octetcounting_cases.jsonl", false);

	cr_expect_eq(n, 17, "cases read: %u", n);
}

Test(framer, corpus_gosyslog_non_transparent)
{
	unsigned n = check_gosyslog_file(
		CORPUS "conformance/go-syslog/go-syslog_nontransparent_cases.jsonl", true);

	cr_expect_eq(n, 9, "cases read: %u", n);
}

/* The corpus's "max message length" edge: exactly at, and one above. */
Test(framer, corpus_gosyslog_max_length_edges)
{
	char *text = slurp(CORPUS "conformance/go-syslog/go-syslog_octetcounting_cases.jsonl", NULL);
	char *line = strstr(text, "\"1st ok//longer-max\"");
	struct frames v;
	struct sc_framer_stats st;
	const struct jv *in;
	struct jv c;

	cr_assert(line != NULL);
	while (line > text && line[-1] != '\n')
		line--;
	jparse(line, &c);
	in = jget(&c, "input");
	cr_assert(in && in->slen == 65535);
	run(&(struct sc_framer_config){ .max_msg = 65529 }, in->s, in->slen, &v, &st);
	cr_assert_eq(v.n, 1);
	cr_expect_eq(v.f[0].len, 65529);
	cr_expect_eq(v.f[0].flags, 0);
	frames_free(&v);
	run(&(struct sc_framer_config){ .max_msg = 65528 }, in->s, in->slen, &v, &st);
	cr_assert_eq(v.n, 1);
	cr_expect_eq(v.f[0].len, 65528);
	cr_expect_eq(v.f[0].flags, SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE);
	cr_expect_eq(st.discarded, 1);
	frames_free(&v);
	jfree(&c);
	free(text);
}

Test(framer, corpus_rfc5424_examples_both_framings)
{
	size_t no, nl;
	char *oc = slurp(CORPUS "rfc-examples/rfc5424_examples.octet-counted.bin", &no);
	char *lf = slurp(CORPUS "rfc-examples/rfc5424_examples.lf-framed.bin", &nl);
	struct sc_framer_config c = cfg(8192, SC_FRAMING_AUTO);
	struct frames a, b;
	struct sc_framer_stats sa, sb;

	run(&c, oc, no, &a, &sa);
	run(&c, lf, nl, &b, &sb);
	cr_assert_eq(a.n, 4, "octet-counted file: %zu frames", a.n);
	cr_assert(same_frames(&a, &b), "the two framings of the same 4 messages differ");
	cr_expect_eq(sa.errors + sb.errors + sa.incomplete + sb.incomplete, 0);
	cr_expect(a.f[0].len > 4 && memcmp(a.f[0].p, "<34>1 ", 6) == 0);
	cr_expect(memmem(a.f[0].p, a.f[0].len, "\xef\xbb\xbf'su root'", 12) != NULL,
		  "the BOM is kept");
	/* Every frame is the bytes between the framing, exactly. */
	{
		size_t at = 0;

		for (size_t i = 0; i < b.n; i++) {
			cr_expect_eq(memcmp(lf + at, b.f[i].p, b.f[i].len), 0);
			at += b.f[i].len + 1;
		}
		cr_expect_eq(at, nl);
	}
	frames_free(&a);
	frames_free(&b);
	expect_cut_invariant(&c, oc, no);
	expect_cut_invariant(&c, lf, nl);
	free(oc);
	free(lf);
}

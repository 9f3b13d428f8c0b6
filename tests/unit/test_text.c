/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Text (sealcap/text.h): records rendered as UTF-8 and as terminal lines.
 * The Japanese corpus (tests/data/corpus/ja) holds the same lines in
 * Shift_JIS and in UTF-8: the Shift_JIS line rendered must be the UTF-8
 * line byte for byte.  Around that: cut and invalid bytes cost one byte
 * each, in both modes; ASCII passes unchanged; a terminal line holds no
 * control character; bad arguments are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/record.h>
#include <sealcap/syslog.h>
#include <sealcap/text.h>

#define JA SC_TEST_DATA "/corpus/ja/"

static struct sc_text *t;

static void
setup(void)
{
	t = sc_text_new();
	cr_assert_not_null(t, "sc_text_new: %s", strerror(errno));
}

static void
teardown(void)
{
	sc_text_free(t);
	t = NULL;
}

TestSuite(text, .init = setup, .fini = teardown, .timeout = 60);

static struct sc_record
rec(const void *p, size_t n, uint8_t charset)
{
	struct sc_record r;

	memset(&r, 0, sizeof(r));
	r.raw = p;
	r.raw_len = (uint32_t)n;
	r.charset = charset;
	return r;
}

/* Render and compare with @p want (@p wn bytes), printing both when they differ. */
static void
expect_render(const void *in, size_t n, uint8_t charset, enum sc_text_mode mode,
	      const char *want, size_t wn)
{
	struct sc_record r = rec(in, n, charset);
	size_t len = 12345;
	const char *s = sc_text_render(t, &r, mode, &len);

	cr_assert_not_null(s, "sc_text_render: %s", strerror(errno));
	cr_expect_eq(s[len], '\0', "not NUL-terminated");
	cr_expect(len == wn && memcmp(s, want, wn) == 0,
		  "charset %u mode %d: got %zu bytes '%.*s', want %zu bytes '%.*s'",
		  charset, (int)mode, len, (int)len, s, wn, (int)wn, want);
}

#define EXPECT(in, cs, mode, want) \
	expect_render(in, sizeof(in) - 1, cs, mode, want, sizeof(want) - 1)

/* Line @p i (from 0) of a file: its start, its length in @p len. */
static const char *
line_of(const char *text, size_t tlen, size_t i, size_t *len)
{
	const char *p = text, *end = text + tlen, *e;

	for (; i > 0; i--) {
		e = memchr(p, '\n', (size_t)(end - p));
		cr_assert_not_null(e, "no such line");
		p = e + 1;
	}
	e = memchr(p, '\n', (size_t)(end - p));
	*len = e ? (size_t)(e - p) : (size_t)(end - p);
	return p;
}

Test(text, sjis_corpus_is_the_utf8_corpus)
{
	size_t ulen, slen, lines = 0;
	char *u = sct_slurp(JA "utf8.txt", &ulen), *sj = sct_slurp(JA "sjis.txt", &slen);

	cr_assert(u && sj);
	for (const char *p = u; p < u + ulen; p++)
		lines += *p == '\n';
	cr_assert_geq(lines, 10);
	for (size_t i = 0; i < lines; i++) {
		size_t un, sn;
		const char *ul = line_of(u, ulen, i, &un), *sl = line_of(sj, slen, i, &sn);

		/* The corpus line really is Shift_JIS, not the UTF-8 bytes again... */
		if (sn == un && memcmp(sl, ul, un) == 0)
			continue;       /* an ASCII-only line: the same in both */
		cr_expect_eq(sc_syslog_charset((const uint8_t *)sl, sn), SC_CHARSET_SJIS,
			     "line %zu is not classified Shift_JIS", i + 1);
		/* ...and renders as the UTF-8 line, in both modes (no controls). */
		expect_render(sl, sn, SC_CHARSET_SJIS, SC_TEXT_UTF8, ul, un);
		expect_render(sl, sn, SC_CHARSET_SJIS, SC_TEXT_ESCAPED, ul, un);
		/* The UTF-8 line renders as itself. */
		expect_render(ul, un, SC_CHARSET_UTF8, SC_TEXT_UTF8, ul, un);
	}
	free(u);
	free(sj);
}

/* 医 is 0x88 0xe3 in Shift_JIS: its lead byte alone at the end is cut. */
Test(text, cut_lead_byte_at_the_end)
{
	EXPECT("role=\"\x88\xe3\x88", SC_CHARSET_SJIS, SC_TEXT_UTF8, "role=\"医\xef\xbf\xbd");
	EXPECT("role=\"\x88\xe3\x88", SC_CHARSET_SJIS, SC_TEXT_ESCAPED, "role=\"医\\x88");
	/* 医 in UTF-8 is e5 8c bb: two of its three bytes. */
	EXPECT("role=\"\xe5\x8c", SC_CHARSET_UTF8, SC_TEXT_UTF8,
	       "role=\"\xef\xbf\xbd\xef\xbf\xbd");
	EXPECT("role=\"\xe5\x8c", SC_CHARSET_UTF8, SC_TEXT_ESCAPED, "role=\"\\xe5\\x8c");
}

/* The corpus datagram cut inside 閲 (0x89 0x7b): line 1 up to action=", then \x89. */
Test(text, truncated_corpus_datagram)
{
	size_t n, ulen, un;
	char *sj = sct_slurp(JA "truncated-sjis.bin", &n), *u = sct_slurp(JA "utf8.txt", &ulen);
	const char *ul = line_of(u, ulen, 0, &un), *cut;
	char want[1024];
	size_t wn;

	cr_assert(sj && n > 1 && (uint8_t)sj[n - 1] == 0x89, "the corpus file changed");
	cut = memmem(ul, un, "action=\"", 8);
	cr_assert_not_null(cut);
	wn = (size_t)(cut + 8 - ul);
	cr_assert_lt(wn + 8, sizeof(want));
	memcpy(want, ul, wn);
	memcpy(want + wn, "\\x89", 4);
	expect_render(sj, n, SC_CHARSET_SJIS, SC_TEXT_ESCAPED, want, wn + 4);
	memcpy(want + wn, "\xef\xbf\xbd", 3);
	expect_render(sj, n, SC_CHARSET_SJIS, SC_TEXT_UTF8, want, wn + 3);
	free(sj);
	free(u);
}

Test(text, invalid_bytes_cost_one_byte_each)
{
	/* UTF-8: a stray continuation byte, 0xff, an overlong NUL (c0 80). */
	EXPECT("a\x80" "b\xff" "c\xc0\x80" "d", SC_CHARSET_UTF8, SC_TEXT_UTF8,
	       "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd" "d");
	EXPECT("a\x80" "b\xff" "c\xc0\x80" "d", SC_CHARSET_UTF8, SC_TEXT_ESCAPED,
	       "a\\x80b\\xffc\\xc0\\x80d");
	/* Binary records: decoded as UTF-8 as far as they are. */
	EXPECT("\xe5\x8c\xbb\xfe", SC_CHARSET_BINARY, SC_TEXT_UTF8, "医\xef\xbf\xbd");
	EXPECT("\xe5\x8c\xbb\xfe", SC_CHARSET_BINARY, SC_TEXT_ESCAPED, "医\\xfe");
	/*
	 * Shift_JIS: a lead byte before a byte no trail may be (0x20) is bad,
	 * the space after it is not; 0x80 and 0xa0 are no CP932 character.
	 */
	EXPECT("x\x88 y\x88\xe3", SC_CHARSET_SJIS, SC_TEXT_UTF8, "x\xef\xbf\xbd y医");
	EXPECT("x\x88 y\x88\xe3", SC_CHARSET_SJIS, SC_TEXT_ESCAPED, "x\\x88 y医");
	EXPECT("\x80" "a\xa0", SC_CHARSET_SJIS, SC_TEXT_ESCAPED, "\\x80a\\xa0");
	EXPECT("\x80" "a\xa0", SC_CHARSET_SJIS, SC_TEXT_UTF8, "\xef\xbf\xbd" "a\xef\xbf\xbd");
}

/*
 * Forms UTF-8 does not allow, each byte bad: above U+10FFFF (f4 90 80 80,
 * f5..), a surrogate (ed a0 80), an overlong 3-byte form (e0 80 80).
 * glibc's iconv UTF-8 decoder passes the first two (found by fuzz_text).
 */
Test(text, code_points_past_unicode_and_surrogates_are_bad)
{
	EXPECT("a\xf4\x90\x80\x80" "b\xf5\x9f\xa0\xa1" "c\xed\xa0\x80" "d\xe0\x80\x80" "e",
	       SC_CHARSET_BINARY, SC_TEXT_ESCAPED,
	       "a\\xf4\\x90\\x80\\x80b\\xf5\\x9f\\xa0\\xa1c\\xed\\xa0\\x80d\\xe0\\x80\\x80e");
	EXPECT("\xf4\x90\x80\x80" "\xf4\x8f\xbf\xbf", SC_CHARSET_UTF8, SC_TEXT_UTF8,
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "\xf4\x8f\xbf\xbf");
}

Test(text, ascii_unchanged)
{
	static const char line[] = "<134>1 2026-12-04T09:15:22Z host app 1 ID - plain ASCII ~!@#$%^&*()";

	for (uint8_t cs = SC_CHARSET_ASCII; cs <= SC_CHARSET_BINARY; cs++) {
		EXPECT(line, cs, SC_TEXT_UTF8, line);
		EXPECT(line, cs, SC_TEXT_ESCAPED, line);
	}
	/* Nothing at all. */
	expect_render("", 0, SC_CHARSET_ASCII, SC_TEXT_UTF8, "", 0);
	expect_render(NULL, 0, SC_CHARSET_SJIS, SC_TEXT_ESCAPED, "", 0);
}

Test(text, controls_escaped_for_a_terminal)
{
	/* NUL, tab, newline, ESC, DEL and a backslash; the NUL is text. */
	static const char in[] = "a\0b\tc\nd\x1b[2Je\x7f\\f";

	EXPECT(in, SC_CHARSET_ASCII, SC_TEXT_ESCAPED,
	       "a\\x00b\\x09c\\x0ad\\x1b[2Je\\x7f\\\\f");
	EXPECT(in, SC_CHARSET_SJIS, SC_TEXT_ESCAPED,
	       "a\\x00b\\x09c\\x0ad\\x1b[2Je\\x7f\\\\f");
	/* UTF-8 mode leaves them to the caller's escaping (JSON, CSV). */
	EXPECT(in, SC_CHARSET_ASCII, SC_TEXT_UTF8, "a\0b\tc\nd\x1b[2Je\x7f\\f");
	/* Multibyte text stays as it is in a terminal line. */
	EXPECT("\xe6\x82\xa3\xe8\x80\x85\tID", SC_CHARSET_UTF8, SC_TEXT_ESCAPED, "患者\\x09ID");
}

Test(text, buffer_reused_long_then_short)
{
	size_t n = 100000, len;
	char *big = malloc(n);
	struct sc_record r;
	const char *s;

	cr_assert_not_null(big);
	/* 0xff everywhere: 4 bytes out per byte in, in terminal mode. */
	memset(big, 0xff, n);
	r = rec(big, n, SC_CHARSET_SJIS);
	s = sc_text_render(t, &r, SC_TEXT_ESCAPED, &len);
	cr_assert_not_null(s);
	cr_expect_eq(len, 4 * n);
	cr_expect(strncmp(s, "\\xff\\xff", 8) == 0 && strcmp(s + len - 4, "\\xff") == 0);
	free(big);
	EXPECT("ok", SC_CHARSET_ASCII, SC_TEXT_ESCAPED, "ok");
}

Test(text, bad_arguments)
{
	struct sc_record r = rec("x", 1, SC_CHARSET_ASCII), nodata = rec(NULL, 5, SC_CHARSET_ASCII);
	size_t len;

	errno = 0;
	cr_expect_null(sc_text_render(NULL, &r, SC_TEXT_UTF8, &len));
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_null(sc_text_render(t, NULL, SC_TEXT_UTF8, &len));
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_null(sc_text_render(t, &r, SC_TEXT_UTF8, NULL));
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_null(sc_text_render(t, &r, (enum sc_text_mode)7, &len));
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_null(sc_text_render(t, &nodata, SC_TEXT_UTF8, &len));
	cr_expect_eq(errno, EINVAL);
	sc_text_free(NULL);
}

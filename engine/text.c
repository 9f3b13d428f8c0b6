/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Text (sealcap/text.h): a record's message as UTF-8 (Shift_JIS converted
 * with iconv(3), the rest checked as UTF-8) and rendered for JSON/CSV or
 * for a terminal line.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealcap/record.h>
#include <sealcap/syslog.h>
#include <sealcap/text.h>

#include "utf8.h"

struct textbuf {
	char *p;
	size_t len, cap;
};

struct sc_text {
	iconv_t sjis;
	struct textbuf out;      /* what sc_text_render returns */
	struct textbuf scratch;  /* iconv output */
};

static int
tb_reserve(struct textbuf *t, size_t extra)
{
	char *np;
	size_t want;

	if (t->len + extra + 1 <= t->cap)
		return 0;
	want = t->cap ? t->cap : 256;
	while (want < t->len + extra + 1)
		want *= 2;
	np = realloc(t->p, want);
	if (np == NULL)
		return -ENOMEM;
	t->p = np;
	t->cap = want;
	return 0;
}

/* Append converted UTF-8 bytes, escaped for a terminal line when asked. */
static int
tb_put(struct textbuf *t, const char *p, size_t n, enum sc_text_mode mode)
{
	static const char hex[] = "0123456789abcdef";

	if (mode == SC_TEXT_UTF8) {
		if (tb_reserve(t, n) != 0)
			return -ENOMEM;
		memcpy(t->p + t->len, p, n);
		t->len += n;
		return 0;
	}
	if (tb_reserve(t, 4 * n) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];

		if (c == '\\') {
			t->p[t->len++] = '\\';
			t->p[t->len++] = '\\';
		} else if (c < 0x20 || c == 0x7f) {
			t->p[t->len++] = '\\';
			t->p[t->len++] = 'x';
			t->p[t->len++] = hex[c >> 4];
			t->p[t->len++] = hex[c & 15];
		} else {
			t->p[t->len++] = (char)c;
		}
	}
	return 0;
}

/* A byte that does not decode. */
static int
tb_bad(struct textbuf *t, uint8_t c, enum sc_text_mode mode)
{
	static const char hex[] = "0123456789abcdef";

	if (tb_reserve(t, 4) != 0)
		return -ENOMEM;
	if (mode == SC_TEXT_UTF8) {
		memcpy(t->p + t->len, "\xef\xbf\xbd", 3);   /* U+FFFD */
		t->len += 3;
	} else {
		t->p[t->len++] = '\\';
		t->p[t->len++] = 'x';
		t->p[t->len++] = hex[c >> 4];
		t->p[t->len++] = hex[c & 15];
	}
	return 0;
}

/*
 * Convert with iconv(3), piece by piece: a byte iconv refuses (EILSEQ, or
 * EINVAL for a character cut at the end) is rendered as bad and the
 * conversion restarts after it, so one bad byte costs one byte.
 */
static int
convert(struct sc_text *t, iconv_t cd, const uint8_t *in, size_t n, enum sc_text_mode mode)
{
	/* iconv(3) takes char **: it reads the input, never writes it. */
	char *ip = (char *)(uintptr_t)in;
	size_t il = n;
	struct textbuf *out = &t->out;

	out->len = 0;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op;
		size_t ol, r;

		/* CP932 to UTF-8: at most 3 bytes out per byte in. */
		t->scratch.len = 0;
		if (tb_reserve(&t->scratch, 3 * il + 4) != 0)
			return -ENOMEM;
		op = t->scratch.p;
		ol = t->scratch.cap;
		r = iconv(cd, &ip, &il, &op, &ol);
		if (tb_put(out, t->scratch.p, (size_t)(op - t->scratch.p), mode) != 0)
			return -ENOMEM;
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (tb_bad(out, (uint8_t)*ip, mode) != 0)
			return -ENOMEM;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (tb_reserve(out, 0) != 0)
		return -ENOMEM;
	out->p[out->len] = '\0';
	return 0;
}

/*
 * UTF-8, ASCII and binary records: well-formed sequences pass as they are,
 * each byte of an ill-formed or cut one is bad.  Checked with the parser's
 * Unicode Table 3-7 test, not iconv: glibc's UTF-8 decoder lets code
 * points above U+10FFFF through (found by tests/fuzz/fuzz_text.c).
 */
static int
decode_utf8(struct sc_text *t, const uint8_t *in, size_t n, enum sc_text_mode mode)
{
	struct textbuf *out = &t->out;
	size_t i = 0, run = 0;

	out->len = 0;
	while (i < n) {
		int l = in[i] < 0x80 ? 1 : sc_utf8_seq(in, i, n);

		if (l > 0) {
			i += (size_t)l;
			continue;
		}
		if (tb_put(out, (const char *)in + run, i - run, mode) != 0 ||
		    tb_bad(out, in[i], mode) != 0)
			return -ENOMEM;
		run = ++i;
	}
	if (tb_put(out, (const char *)in + run, n - run, mode) != 0 || tb_reserve(out, 0) != 0)
		return -ENOMEM;
	out->p[out->len] = '\0';
	return 0;
}

struct sc_text *
sc_text_new(void)
{
	struct sc_text *t = calloc(1, sizeof(*t));
	int e;

	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* CP932: Shift_JIS as Windows and Japanese appliances use it. */
	t->sjis = iconv_open("UTF-8", "CP932");
	if (t->sjis == (iconv_t)-1) {
		e = errno == ENOMEM ? ENOMEM : ENOTSUP;
		sc_text_free(t);
		errno = e;
		return NULL;
	}
	return t;
}

void
sc_text_free(struct sc_text *t)
{
	if (t == NULL)
		return;
	if (t->sjis != (iconv_t)-1 && t->sjis != NULL)
		iconv_close(t->sjis);
	free(t->out.p);
	free(t->scratch.p);
	free(t);
}

const char *
sc_text_render(struct sc_text *t, const struct sc_record *r, enum sc_text_mode mode, size_t *len)
{
	if (t == NULL || r == NULL || len == NULL ||
	    (mode != SC_TEXT_UTF8 && mode != SC_TEXT_ESCAPED) || (r->raw == NULL && r->raw_len)) {
		errno = EINVAL;
		return NULL;
	}
	if ((r->charset == SC_CHARSET_SJIS ? convert(t, t->sjis, r->raw, r->raw_len, mode)
					   : decode_utf8(t, r->raw, r->raw_len, mode)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	*len = t->out.len;
	return t->out.p;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Message rendering (sc_text_render: what sealctl cat, search and tail
 * print, and what search matches in) on any bytes.  Input: one byte of
 * charset (low 2 bits) and mode (bit 2), then the message bytes.  Checked
 * against an independent strict UTF-8 decoder: the output is valid UTF-8
 * (no overlong forms, surrogates or code points past U+10FFFF) and
 * NUL-terminated at the length given; escaped mode has no control byte and
 * no NUL; printable ASCII without a backslash comes out unchanged in either
 * mode; the same record renders the same way twice (converter state is
 * reset between calls).
 */
#include <stdbool.h>
#include <string.h>

#include <sealcap/record.h>
#include <sealcap/syslog.h>
#include <sealcap/text.h>

#include "fuzz.h"

/* Strict UTF-8 (RFC 3629).  @return true when s[0..n) is valid. */
static bool
valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

FUZZ_TARGET(text)
{
	static struct sc_text *t;
	struct sc_record r;
	enum sc_text_mode mode;
	const char *out;
	char *first;
	size_t len, len2;
	bool plain = true;

	if (t == NULL) {
		t = sc_text_new();
		FZ_CHECK(t != NULL);
	}
	if (size < 1)
		return 0;
	memset(&r, 0, sizeof(r));
	r.charset = data[0] & 3;
	mode = data[0] & 4 ? SC_TEXT_ESCAPED : SC_TEXT_UTF8;
	r.raw = data + 1;
	r.raw_len = (uint32_t)(size - 1);
	out = sc_text_render(t, &r, mode, &len);
	FZ_CHECK(out != NULL);
	FZ_CHECK(out[len] == '\0');
	FZ_CHECK(valid_utf8((const uint8_t *)out, len));
	if (mode == SC_TEXT_ESCAPED) {
		FZ_CHECK(strlen(out) == len);
		for (size_t i = 0; i < len; i++)
			FZ_CHECK((uint8_t)out[i] >= 0x20 && (uint8_t)out[i] != 0x7f);
	}
	for (size_t i = 0; i < r.raw_len && plain; i++)
		plain = r.raw[i] >= 0x20 && r.raw[i] < 0x7f && r.raw[i] != '\\';
	if (plain)
		FZ_CHECK(len == r.raw_len && memcmp(out, r.raw, len) == 0);
	first = malloc(len + 1);
	FZ_CHECK(first != NULL);
	memcpy(first, out, len + 1);
	out = sc_text_render(t, &r, mode, &len2);
	FZ_CHECK(out != NULL && len2 == len && memcmp(out, first, len) == 0);
	free(first);
	return 0;
}

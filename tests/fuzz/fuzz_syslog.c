/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The syslog parser on any bytes.  Input: 8 bytes of receive time (it picks
 * the year of RFC 3164 stamps), then the message.  Checked beyond memory
 * safety: the documented span invariants (wire order, inside the message),
 * value ranges, the charset against sc_syslog_charset, flags within the
 * parser's 16 bits, and that a second parse gives the same result.
 */
#include <string.h>

#include <sealcap/syslog.h>

#include "fuzz.h"

static void
check(const struct sc_syslog *s, size_t len)
{
	uint32_t prev_end = 0;

	for (int f = 0; f < SC_F_COUNT; f++) {
		FZ_CHECK(s->field[f].off >= prev_end);
		FZ_CHECK((uint64_t)s->field[f].off + s->field[f].len <= len);
		prev_end = s->field[f].off + s->field[f].len;
	}
	FZ_CHECK(s->pri >= -1 && s->pri <= 191);
	FZ_CHECK(s->format <= SC_SYSLOG_RFC3164);
	FZ_CHECK(s->charset <= SC_CHARSET_BINARY);
	FZ_CHECK((s->flags & ~SC_SL_MASK) == 0);
	FZ_CHECK(s->ts_tz_min > -24 * 60 && s->ts_tz_min < 24 * 60);
	FZ_CHECK(((s->flags & SC_SL_EMPTY) != 0) == (len == 0));
}

FUZZ_TARGET(syslog)
{
	struct sc_syslog a, b;
	int64_t rx_ns = 1700000000LL * 1000000000LL;
	const uint8_t *msg = data;
	size_t len = size;
	int fa;

	if (size >= 8) {
		uint64_t v;

		memcpy(&v, data, 8);
		/* Receive times of the store's range (1678..2261). */
		rx_ns = (int64_t)(v % (uint64_t)INT64_MAX) - INT64_MAX / 2;
		msg = data + 8;
		len = size - 8;
	}
	fa = sc_syslog_parse(msg, len, rx_ns, &a);
	FZ_CHECK(fa == a.format);
	check(&a, len);
	FZ_CHECK(a.charset == sc_syslog_charset(msg, len));
	FZ_CHECK(((a.flags & SC_SL_NUL) != 0) == (len > 0 && memchr(msg, 0, len) != NULL));

	sc_syslog_parse(msg, len, rx_ns, &b);
	FZ_CHECK(memcmp(a.field, b.field, sizeof(a.field)) == 0);
	FZ_CHECK(a.ts_ns == b.ts_ns && a.ts_tz_min == b.ts_tz_min && a.pri == b.pri &&
		 a.version == b.version && a.flags == b.flags && a.format == b.format &&
		 a.charset == b.charset);
	return 0;
}

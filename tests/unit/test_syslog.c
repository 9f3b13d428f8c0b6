/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Tests of the syslog parser (engine/syslog.c) through its public header.
 *
 *  - shapes: one test per message shape, with exact spans, PRI, VERSION,
 *    timestamp and flags;
 *  - conformance: the tables of other parsers (converted at build time by
 *    tests/conformance/syslog_tables.py), with the disagreements we accept
 *    listed in tests/conformance/ACCEPTED.md; any other disagreement, or an
 *    accepted one that no longer happens, fails;
 *  - ja: the Japanese corpus (UTF-8, Shift_JIS, cut datagrams);
 *  - properties: 200k fixed-seed mutations of corpus messages keep every
 *    span in bounds and in wire order, and leave the input untouched.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "sealcap/syslog.h"

#ifndef SC_TEST_DATA
#error "SC_TEST_DATA must name tests/data"
#endif
#ifndef SC_BUILD_ROOT
#error "SC_BUILD_ROOT must name the build directory"
#endif

#define CASES_FILE SC_BUILD_ROOT "/tests/unit/syslog_cases.txt"
#define CORPUS     SC_TEST_DATA "/corpus"

#define NS      1000000000LL
/* Receive time for shape tests: 2026-06-15T00:00:00Z. */
#define RX_2026 (1781481600LL * NS)

static const char *const field_name[SC_F_COUNT] = {
	"PRI", "TIMESTAMP", "HOSTNAME", "APPNAME", "PROCID", "MSGID", "SD",
	"MSG",
};

/* ------------------------------------------------------------------ */
/* Helpers                                                            */

/* UTC ns of a civil time (test-side twin of the parser's arithmetic). */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	int64_t yy = y - (mo <= 2), era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return ((era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 +
		s) * NS;
}

/* Civil fields of a UTC second count. */
static void
civil(int64_t secs, int *mo, int *d, int *h, int *mi, int *s)
{
	int64_t z = (secs >= 0 ? secs : secs - 86399) / 86400;
	int64_t sod = secs - z * 86400, era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*h = (int)(sod / 3600);
	*mi = (int)(sod / 60 % 60);
	*s = (int)(sod % 60);
}

static struct sc_syslog
parse_rx(const char *m, int64_t rx)
{
	struct sc_syslog r;

	sc_syslog_parse((const uint8_t *)m, strlen(m), rx, &r);
	return r;
}

static struct sc_syslog
parse(const char *m)
{
	return parse_rx(m, RX_2026);
}

/* Printable copy of a field for messages (static buffer per slot). */
static const char *
fld(const struct sc_syslog *r, const char *m, int f)
{
	static char buf[SC_F_COUNT][160];
	unsigned n = r->field[f].len < 150 ? r->field[f].len : 150;

	memcpy(buf[f], m + r->field[f].off, n);
	buf[f][n] = '\0';
	return buf[f];
}

static bool
span_eq(const struct sc_syslog *r, const char *m, int f, const char *want)
{
	size_t n = strlen(want);

	return r->field[f].len == n &&
	       memcmp(m + r->field[f].off, want, n) == 0;
}

/* Exact text of a field; "" expects an absent/NIL field. */
#define EXPECT_FIELD(r, m, f, want)                                        \
	cr_expect(span_eq(&(r), (m), (f), (want)),                         \
		  "%s: want \"%s\", got \"%s\" (off %u len %u) in \"%s\"",  \
		  field_name[f], (want), fld(&(r), (m), (f)),               \
		  (r).field[f].off, (r).field[f].len, (m))

#define EXPECT_FLAGS(r, m, want)                                           \
	cr_expect_eq((r).flags, (want),                                    \
		     "flags: want %#x, got %#x in \"%s\"", (unsigned)(want), \
		     (unsigned)(r).flags, (m))

#define EXPECT_TS(r, m, want)                                              \
	cr_expect_eq((r).ts_ns, (int64_t)(want),                           \
		     "ts_ns: want %" PRId64 ", got %" PRId64 " in \"%s\"",  \
		     (int64_t)(want), (r).ts_ns, (m))

/* Every field of a message at once, NULL for "do not care". */
static void
expect_fields(const char *m, const struct sc_syslog *r, const char *ts,
	      const char *host, const char *app, const char *procid,
	      const char *msgid, const char *sd, const char *msg)
{
	const char *want[SC_F_COUNT] = {
		NULL, ts, host, app, procid, msgid, sd, msg
	};
	int f;

	for (f = SC_F_TIMESTAMP; f < SC_F_COUNT; f++)
		if (want[f] != NULL)
			EXPECT_FIELD(*r, m, f, want[f]);
}

/* Spans inside [0, len] and in wire order (empty ones included). */
static bool
spans_ok(const struct sc_syslog *r, size_t len, char *why, size_t whylen)
{
	int f;

	for (f = 0; f < SC_F_COUNT; f++) {
		if ((uint64_t)r->field[f].off + r->field[f].len > len) {
			snprintf(why, whylen, "%s %u+%u beyond len %zu",
				 field_name[f], r->field[f].off,
				 r->field[f].len, len);
			return false;
		}
		if (f > 0 && r->field[f - 1].off + r->field[f - 1].len >
			     r->field[f].off) {
			snprintf(why, whylen, "%s %u+%u overlaps/precedes "
				 "%s %u+%u", field_name[f - 1],
				 r->field[f - 1].off, r->field[f - 1].len,
				 field_name[f], r->field[f].off,
				 r->field[f].len);
			return false;
		}
	}
	if (r->field[SC_F_MSG].off + r->field[SC_F_MSG].len != len) {
		snprintf(why, whylen, "MSG %u+%u does not reach the end %zu",
			 r->field[SC_F_MSG].off, r->field[SC_F_MSG].len, len);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* RFC 5424                                                           */

Test(syslog, rfc5424_all_fields_bom)
{
	const char *m = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com"
			" su - ID47 - \xef\xbb\xbf'su root' failed";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_RFC5424);
	cr_expect_eq(r.pri, 34);
	cr_expect_eq(r.version, 1);
	EXPECT_TS(r, m, utc(2003, 10, 11, 22, 14, 15) + 3000000);
	cr_expect_eq(r.ts_tz_min, 0);
	EXPECT_FIELD(r, m, SC_F_PRI, "<34>");
	expect_fields(m, &r, "2003-10-11T22:14:15.003Z",
		      "mymachine.example.com", "su", "", "ID47", "",
		      "\xef\xbb\xbf'su root' failed");
	cr_expect_eq(r.field[SC_F_PROCID].off, 56, "NIL PROCID sits at '-'");
	cr_expect_eq(r.field[SC_F_SD].off, 63, "NIL SD sits at '-'");
	EXPECT_FLAGS(r, m, SC_SL_BOM);
	cr_expect_eq(r.charset, SC_CHARSET_UTF8);
}

Test(syslog, rfc5424_offset_fraction_sd)
{
	const char *m = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 "
			"myproc 8710 - [exampleSDID@32473 iut=\"3\" "
			"eventSource=\"Application\"][examplePriority@32473 "
			"class=\"high\"] %% It's time";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.pri, 165);
	EXPECT_TS(r, m, utc(2003, 8, 24, 12, 14, 15) + 3000);
	cr_expect_eq(r.ts_tz_min, -420);
	expect_fields(m, &r, "2003-08-24T05:14:15.000003-07:00", "192.0.2.1",
		      "myproc", "8710", "",
		      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application"
		      "\"][examplePriority@32473 class=\"high\"]",
		      "%% It's time");
	EXPECT_FLAGS(r, m, 0);
}

Test(syslog, rfc5424_sd_escapes)
{
	const char *m = "<29>2 2016-01-15T01:00:43Z h S p - [meta a=\"\\]\" "
			"b=\"\\\"x\\\\\" c=\"\"] some \"mex\"";
	struct sc_syslog r = parse(m);

	EXPECT_FIELD(r, m, SC_F_SD, "[meta a=\"\\]\" b=\"\\\"x\\\\\" c=\"\"]");
	EXPECT_FIELD(r, m, SC_F_MSG, "some \"mex\"");
	EXPECT_FLAGS(r, m, 0);
}

Test(syslog, rfc5424_nil_everywhere)
{
	const char *m = "<1>1 - - - - - -";
	struct sc_syslog r = parse(m);
	int f;

	cr_expect_eq(r.format, SC_SYSLOG_RFC5424);
	for (f = SC_F_TIMESTAMP; f < SC_F_COUNT; f++)
		cr_expect_eq(r.field[f].len, 0, "%s not empty", field_name[f]);
	cr_expect_eq(r.field[SC_F_HOSTNAME].off, 7);
	cr_expect_eq(r.field[SC_F_MSG].off, 16);
	cr_expect_eq(r.ts_ns, SC_TIME_NONE);
	EXPECT_FLAGS(r, m, SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME);
}

Test(syslog, rfc5424_max_lengths)
{
	static const struct {
		int field;
		unsigned max;
		const char *pre, *post;
	} c[] = {
		{ SC_F_HOSTNAME, 255, "<1>1 - ", " - - - -" },
		{ SC_F_APPNAME, 48, "<1>1 - - ", " - - -" },
		{ SC_F_PROCID, 128, "<1>1 - - - ", " - -" },
		{ SC_F_MSGID, 32, "<1>1 - - - - ", " -" },
	};
	char m[600];
	unsigned i, k;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (k = c[i].max; k <= c[i].max + 1; k++) {
			struct sc_syslog r;
			size_t n = (size_t)snprintf(m, sizeof(m), "%s%*s%s",
						    c[i].pre, (int)k, "",
						    c[i].post);

			memset(m + strlen(c[i].pre), 'x', k);
			sc_syslog_parse((const uint8_t *)m, n, RX_2026, &r);
			cr_expect_eq(r.field[c[i].field].len, k,
				     "%s of %u read as %u",
				     field_name[c[i].field], k,
				     r.field[c[i].field].len);
			cr_expect_eq(!!(r.flags & SC_SL_NONCOMPLIANT),
				     k > c[i].max, "%s of %u: flags %#x",
				     field_name[c[i].field], k, r.flags);
		}
	}
}

Test(syslog, pri_range_and_shape)
{
	static const struct {
		const char *m;
		int pri;
		unsigned flags;
		unsigned pri_len;
	} c[] = {
		{ "<0>1 - - - - - -", 0, 0, 3 },
		{ "<191>1 - - - - - -", 191, 0, 5 },
		{ "<192>1 - - - - - -", -1, SC_SL_BAD_PRI, 5 },
		{ "<00>1 - - - - - -", -1, SC_SL_BAD_PRI, 4 },
		{ "<012>1 - - - - - -", -1, SC_SL_BAD_PRI, 5 },
		{ "<>1 - - - - - -", -1, SC_SL_BAD_PRI, 2 },
		{ "<19000021>1 - - - - - -", -1, SC_SL_BAD_PRI, 10 },
		{ "<aaa>1 - - - - - -", -1, SC_SL_NO_PRI, 0 },
		{ "(190>1 - - - - - -", -1, SC_SL_NO_PRI, 0 },
		{ "<87]1 - - - - - -", -1, SC_SL_NO_PRI, 0 },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		cr_expect_eq(r.pri, c[i].pri, "%s: pri %d", c[i].m, r.pri);
		cr_expect_eq(r.flags & (SC_SL_BAD_PRI | SC_SL_NO_PRI),
			     c[i].flags, "%s: flags %#x", c[i].m, r.flags);
		cr_expect_eq(r.field[SC_F_PRI].len, c[i].pri_len,
			     "%s: PRI len %u", c[i].m, r.field[SC_F_PRI].len);
		cr_expect_eq(sc_syslog_severity(r.pri),
			     r.pri < 0 ? -1 : r.pri % 8);
		cr_expect_eq(sc_syslog_facility(r.pri),
			     r.pri < 0 ? -1 : r.pri / 8);
	}
}

Test(syslog, version)
{
	static const struct {
		const char *m;
		int format;
		unsigned version;
		bool nc;
	} c[] = {
		{ "<1>1 - - - - - -", SC_SYSLOG_RFC5424, 1, false },
		{ "<1>999 - - - - - -", SC_SYSLOG_RFC5424, 999, false },
		{ "<1>0 - - - - - -", SC_SYSLOG_RFC5424, 0, true },
		{ "<1>01 - - - - - -", SC_SYSLOG_RFC5424, 1, true },
		{ "<1>1000 - - - - - -", SC_SYSLOG_RFC3164, 0, false },
		{ "<190>1 packets dropped", SC_SYSLOG_RFC3164, 0, false },
		{ "1 2014-06-20T09:14:07+00:00 host app - - - msg",
		  SC_SYSLOG_RFC5424, 1, true },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		cr_expect_eq(r.format, c[i].format, "%s: format %u", c[i].m,
			     r.format);
		cr_expect_eq(r.version, c[i].version, "%s: version %u",
			     c[i].m, r.version);
		cr_expect_eq(!!(r.flags & SC_SL_NONCOMPLIANT), c[i].nc,
			     "%s: flags %#x", c[i].m, r.flags);
	}
}

Test(syslog, rfc5424_timestamps)
{
	static const struct {
		const char *ts;
		int64_t ns;     /* 0: SC_TIME_NONE */
		int tz;
		unsigned flags;
	} c[] = {
		{ "1985-04-12T23:20:50.52Z", 482196050520000000LL, 0, 0 },
		{ "1985-04-12T19:20:50.52-04:00", 482196050520000000LL,
		  -240, 0 },
		{ "2026-12-04T09:15:22.123456+09:00",
		  1796343322123456000LL, 540, 0 },
		{ "2026-12-04T09:15:22.1234567+09:00",
		  1796343322123456700LL, 540, SC_SL_NONCOMPLIANT },
		{ "2026-12-04t09:15:22Z", 1796375722000000000LL, 0,
		  SC_SL_NONCOMPLIANT },
		{ "2026-12-04T09:15:22", 1796375722000000000LL, 0,
		  SC_SL_NONCOMPLIANT },
		{ "2016-12-31T23:59:60Z", 1483228800000000000LL, 0,
		  SC_SL_NONCOMPLIANT },
		{ "2024-02-29T00:00:00Z", 1709164800000000000LL, 0, 0 },
		{ "2023-02-29T00:00:00Z", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-02-30T00:00:00Z", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-04-31T00:00:00Z", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-01-01T24:00:00Z", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-01-01T00:00:00+24:00", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-01-01T00:00:00.Z", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "2026-01-01", 0, 0, SC_SL_BAD_TIMESTAMP },
		{ "0001-01-01T00:00:00Z", 0, 0, SC_SL_BAD_TIMESTAMP },
	};
	char m[128];
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r;

		snprintf(m, sizeof(m), "<14>1 %s - - - - -", c[i].ts);
		r = parse(m);
		EXPECT_FIELD(r, m, SC_F_TIMESTAMP, c[i].ts);
		EXPECT_TS(r, m, c[i].ns ? c[i].ns : SC_TIME_NONE);
		cr_expect_eq(r.ts_tz_min, c[i].tz, "%s: tz %d", m,
			     r.ts_tz_min);
		EXPECT_FLAGS(r, m, c[i].flags | SC_SL_NO_HOSTNAME);
	}
}

Test(syslog, rfc5424_noncompliant_but_read)
{
	/* Two spaces, 8-bit APP-NAME: fields still read, flagged. */
	const char *m = "<11>1 2026-12-04T09:23:00+09:00  lab-sv01 "
			"\xe6\xa4\x9c\xe6\x9f\xbb 999 ERR - msg";
	struct sc_syslog r = parse(m);

	expect_fields(m, &r, "2026-12-04T09:23:00+09:00", "lab-sv01",
		      "\xe6\xa4\x9c\xe6\x9f\xbb", "999", "ERR", "", "msg");
	EXPECT_FLAGS(r, m, SC_SL_NONCOMPLIANT);

	/* Header cut after HOSTNAME. */
	m = "<11>1 - host";
	r = parse(m);
	expect_fields(m, &r, "", "host", "", "", "", "", "");
	EXPECT_FLAGS(r, m, SC_SL_NO_TIMESTAMP | SC_SL_NONCOMPLIANT);
}

Test(syslog, rfc5424_bad_sd)
{
	static const struct {
		const char *m, *sd, *msg;
		unsigned flags;
	} c[] = {
		/* unquoted value (logstash): resync at ']' */
		{ "<1>1 - - - - - [meta sequenceId=10] x",
		  "[meta sequenceId=10]", "x", SC_SL_BAD_SD },
		/* space after '=' (rsyslog test), next element still read */
		{ "<1>1 - - - - - [a@1 b= \"c\"][d@1 e=\"f\"] x",
		  "[a@1 b= \"c\"][d@1 e=\"f\"]", "x", SC_SL_BAD_SD },
		{ "<1>1 - - - - - [id1][id1]", "[id1][id1]", "",
		  SC_SL_BAD_SD },
		{ "<1>1 - - - - - [meta escape=\"]\"] x",
		  "[meta escape=\"]\"]", "x", SC_SL_BAD_SD },
		{ "<1>1 - - - - - [meta escape=\"\\n\"] x",
		  "[meta escape=\"\\n\"]", "x", SC_SL_BAD_SD },
		{ "<1>1 - - - - - [ id]", "[ id]", "", SC_SL_BAD_SD },
		/* cut inside a value: SD runs to the end */
		{ "<1>1 - - - - - [a b=\"xy", "[a b=\"xy", "", SC_SL_BAD_SD },
		/* neither NIL nor '[': the rest is MSG */
		{ "<1>1 - - - - - X y", "", "X y", SC_SL_BAD_SD },
		{ "<1>1 - - - - - [x@1]y", "[x@1]", "y",
		  SC_SL_NONCOMPLIANT },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		EXPECT_FIELD(r, c[i].m, SC_F_SD, c[i].sd);
		EXPECT_FIELD(r, c[i].m, SC_F_MSG, c[i].msg);
		EXPECT_FLAGS(r, c[i].m, c[i].flags | SC_SL_NO_TIMESTAMP |
			     SC_SL_NO_HOSTNAME);
	}
}

/* ------------------------------------------------------------------ */
/* RFC 3164 and what devices send                                     */

Test(syslog, rfc3164_basic)
{
	const char *m = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
	cr_expect_eq(r.pri, 34);
	cr_expect_eq(r.version, 0);
	/* Oct 11 received 2026-06-15: 2026 is nearer than 2025. */
	EXPECT_TS(r, m, utc(2026, 10, 11, 22, 14, 15));
	expect_fields(m, &r, "Oct 11 22:14:15", "mymachine", "su", "", "",
		      "", "'su root' failed");
	EXPECT_FLAGS(r, m, 0);
}

Test(syslog, rfc3164_day_and_month_forms)
{
	static const struct {
		const char *m, *ts;
		int mo, d;
	} c[] = {
		{ "<13>Aug  7 06:30:00 h a: x", "Aug  7 06:30:00", 8, 7 },
		{ "<13>Aug 7 06:30:00 h a: x", "Aug 7 06:30:00", 8, 7 },
		{ "<13>Aug 07 06:30:00 h a: x", "Aug 07 06:30:00", 8, 7 },
		{ "<13>AUG 17 06:30:00 h a: x", "AUG 17 06:30:00", 8, 17 },
		{ "<13>aug 17 06:30:00 h a: x", "aug 17 06:30:00", 8, 17 },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		expect_fields(c[i].m, &r, c[i].ts, "h", "a", "", "", "", "x");
		EXPECT_TS(r, c[i].m, utc(2026, c[i].mo, c[i].d, 6, 30, 0));
	}
}

Test(syslog, rfc3164_year_in_timestamp)
{
	static const struct {
		const char *m, *ts, *host, *app, *msg;
		int64_t ns;
	} c[] = {
		{ "<167>Mar 7 2008 19:06:53: example tag: testmessage",
		  "Mar 7 2008 19:06:53", "example", "tag", "testmessage",
		  0 },
		{ "<166>Aug 06 2016 20:39:42: %ASA-6-110002: Failed",
		  "Aug 06 2016 20:39:42", "", "%ASA-6-110002", "Failed", 0 },
		{ "<6>AUG 10 22:18:24 2009  netips-warden2-p [audit] u=1",
		  "AUG 10 22:18:24 2009", "netips-warden2-p", "",
		  "[audit] u=1", 0 },
		{ "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% x",
		  "Aug 24 05:34:00 CST 1987", "mymachine", "myproc", "%% x",
		  0 },
		{ "<189>: 2024 Jan  5 08:52:35 UTC: %ETH-5-IF_DOWN: down",
		  "", "", "", ": 2024 Jan  5 08:52:35 UTC: %ETH-5-IF_DOWN: "
		  "down", 0 },
	};
	int64_t want[] = {
		utc(2008, 3, 7, 19, 6, 53), utc(2016, 8, 6, 20, 39, 42),
		utc(2009, 8, 10, 22, 18, 24), utc(1987, 8, 24, 5, 34, 0),
		SC_TIME_NONE,
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		expect_fields(c[i].m, &r, c[i].ts, c[i].host, c[i].app, NULL,
			      NULL, NULL, c[i].msg);
		EXPECT_TS(r, c[i].m, want[i]);
	}
}

Test(syslog, rfc3164_year_nearest_to_receive_time)
{
	const char *dec31 = "<13>Dec 31 23:59:59 h a: x";
	const char *jan1 = "<13>Jan  1 00:00:01 h a: x";
	const char *feb29 = "<13>Feb 29 12:00:00 h a: x";
	struct sc_syslog r;

	/* Received just after New Year: last year's Dec 31. */
	r = parse_rx(dec31, utc(2026, 1, 1, 0, 0, 5));
	EXPECT_TS(r, dec31, utc(2025, 12, 31, 23, 59, 59));
	/* A sender whose clock runs ahead: next year's Jan 1. */
	r = parse_rx(jan1, utc(2025, 12, 31, 23, 59, 50));
	EXPECT_TS(r, jan1, utc(2026, 1, 1, 0, 0, 1));
	r = parse_rx(dec31, utc(2026, 6, 15, 0, 0, 0));
	EXPECT_TS(r, dec31, utc(2025, 12, 31, 23, 59, 59));
	/* Feb 29 lands in a leap year, or nowhere. */
	r = parse_rx(feb29, utc(2025, 3, 1, 0, 0, 0));
	EXPECT_TS(r, feb29, utc(2024, 2, 29, 12, 0, 0));
	r = parse_rx(feb29, utc(2026, 6, 15, 0, 0, 0));
	EXPECT_TS(r, feb29, SC_TIME_NONE);
	cr_expect(r.flags & SC_SL_BAD_TIMESTAMP, "flags %#x", r.flags);
	EXPECT_FIELD(r, feb29, SC_F_TIMESTAMP, "Feb 29 12:00:00");
	/* Invalid day for any year. */
	r = parse("<13>Apr 31 12:00:00 h a: x");
	cr_expect(r.flags & SC_SL_BAD_TIMESTAMP, "flags %#x", r.flags);
	cr_expect_eq(r.ts_ns, SC_TIME_NONE);
	/* Receive times at the ends of int64 do not overflow. */
	r = parse_rx(dec31, INT64_MIN);
	EXPECT_TS(r, dec31, utc(1678, 12, 31, 23, 59, 59));
	r = parse_rx(dec31, INT64_MAX);
	EXPECT_TS(r, dec31, utc(2261, 12, 31, 23, 59, 59));
}

Test(syslog, rfc3164_no_pri)
{
	const char *m = "Feb 18 16:01:59 serverX -- MARK --";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
	cr_expect_eq(r.pri, -1);
	expect_fields(m, &r, "Feb 18 16:01:59", "serverX", "", "", "", "",
		      "-- MARK --");
	EXPECT_FLAGS(r, m, SC_SL_NO_PRI);
}

Test(syslog, rfc3164_no_hostname)
{
	const char *m = "<133>Apr  5 12:56:51 robin: Hello, syslog!";
	struct sc_syslog r = parse(m);

	expect_fields(m, &r, "Apr  5 12:56:51", "", "robin", "", "", "",
		      "Hello, syslog!");
	EXPECT_FLAGS(r, m, SC_SL_NO_HOSTNAME);

	m = "<133>Jan 13 16:33:35 haproxy[73411]: Proxy sticky started.";
	r = parse(m);
	expect_fields(m, &r, "Jan 13 16:33:35", "", "haproxy", "73411", "",
		      "", "Proxy sticky started.");
	EXPECT_FLAGS(r, m, SC_SL_NO_HOSTNAME);
}

Test(syslog, rfc3164_iso_timestamp)
{
	const char *m = "<14>2017-05-21T00:00:01.123Z hostname.domain Hostd: "
			"verbose hostd[81480B70]";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
	EXPECT_TS(r, m, utc(2017, 5, 21, 0, 0, 1) + 123000000);
	expect_fields(m, &r, "2017-05-21T00:00:01.123Z", "hostname.domain",
		      "Hostd", "", "", "", "verbose hostd[81480B70]");
	EXPECT_FLAGS(r, m, 0);

	m = "<14>2026-12-04T09:15:22+0900 host app: x";
	r = parse(m);
	EXPECT_TS(r, m, utc(2026, 12, 4, 0, 15, 22));
	cr_expect_eq(r.ts_tz_min, 540);
	EXPECT_FIELD(r, m, SC_F_TIMESTAMP, "2026-12-04T09:15:22+0900");
}

Test(syslog, space_after_pri)
{
	const char *m = "<14> Mar  7 19:06:53 example tag: testmessage";
	struct sc_syslog r = parse(m);

	expect_fields(m, &r, "Mar  7 19:06:53", "example", "tag", "", "", "",
		      "testmessage");
	EXPECT_FLAGS(r, m, 0);

	/* Nothing header-like after the space: MSG keeps it. */
	m = "<14> 05/21/2017:00:00:00 GMT HOSTNAME 1-ABC-2 : default";
	r = parse(m);
	expect_fields(m, &r, "", "", "", "", "", "",
		      " 05/21/2017:00:00:00 GMT HOSTNAME 1-ABC-2 : default");
	EXPECT_FLAGS(r, m, SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME);
}

Test(syslog, cisco_sequence_prefix)
{
	const char *m = "<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: "
			"Configured from console by vty0";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.pri, 189);
	expect_fields(m, &r, "Mar  1 18:46:11.123", "", "%SYS-5-CONFIG_I", "",
		      "", "", "Configured from console by vty0");
	EXPECT_TS(r, m, utc(2026, 3, 1, 18, 46, 11) + 123000000);
	EXPECT_FLAGS(r, m, SC_SL_CISCO_SEQ | SC_SL_NO_HOSTNAME);

	m = "000123: .Mar  1 18:46:11 JST: %LINK-3-UPDOWN: down";
	r = parse(m);
	cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
	expect_fields(m, &r, "Mar  1 18:46:11 JST", "", "%LINK-3-UPDOWN", "",
		      "", "", "down");
	EXPECT_TS(r, m, utc(2026, 3, 1, 9, 46, 11));
	cr_expect_eq(r.ts_tz_min, 540);
	EXPECT_FLAGS(r, m, SC_SL_NO_PRI | SC_SL_CISCO_SEQ |
		     SC_SL_NO_HOSTNAME);

	/* No "service timestamps": seq, then the mnemonic. */
	m = "<189>52: %SYS-5-CONFIG_I: Configured";
	r = parse(m);
	expect_fields(m, &r, "", "", "%SYS-5-CONFIG_I", "", "", "",
		      "Configured");
	EXPECT_FLAGS(r, m, SC_SL_CISCO_SEQ | SC_SL_NO_TIMESTAMP |
		     SC_SL_NO_HOSTNAME);

	/* "logging origin-id": the host precedes the timestamp, so it is
	 * left out of the spans (they must stay in field order). */
	m = "<14>123456789: HOSTNAME: May 21 12:00:01.123 gmt: "
	    "%IOSXE-6-PLATFORM: F0: cpp_cp: QFP:0.0";
	r = parse(m);
	expect_fields(m, &r, "May 21 12:00:01.123 gmt", "",
		      "%IOSXE-6-PLATFORM", "", "", "", "F0: cpp_cp: QFP:0.0");
	EXPECT_FLAGS(r, m, SC_SL_CISCO_SEQ | SC_SL_NO_HOSTNAME);
}

Test(syslog, fortigate_key_value)
{
	const char *m = "<189>date=2026-12-04 time=09:17:33 devname=\"UTM-HQ\" "
			"devid=\"FGT60F\" logid=\"0000000013\" type=\"traffic\"";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
	cr_expect_eq(r.pri, 189);
	EXPECT_FIELD(r, m, SC_F_MSG, m + 5);
	EXPECT_FLAGS(r, m, SC_SL_KV | SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME);

	/* After a BSD header too. */
	m = "<189>Dec  4 09:17:33 fw01 date=2026-12-04 time=09:17:33 x=1";
	r = parse(m);
	expect_fields(m, &r, "Dec  4 09:17:33", "fw01", "", "", "", "",
		      "date=2026-12-04 time=09:17:33 x=1");
	EXPECT_FLAGS(r, m, SC_SL_KV);

	/* One pair is not a key=value body. */
	m = "<13>Jan  1 00:00:00 h app: user=root logged in";
	r = parse(m);
	cr_expect_eq(r.flags & SC_SL_KV, 0, "flags %#x", r.flags);
}

Test(syslog, yamaha_pri_then_text)
{
	static const char *const c[] = {
		"<189>[INSPECT] LAN2[out][101100] TCP 192.168.20.3:54874 > "
		"172.217.25.193:443 (2020/01/23 14:12:42)",
		"<190>[NAT(1000):LAN2] Released UDP 172.16.20.3.44249 <-> "
		"192.168.20.254.10708 ==> 172.16.20.1.53",
		"<190>PP[01] Rejected at IN(2000) filter: TCP 192.0.2.1:80",
		"<30>IP Tunnel[1] Up",
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i]);
		const char *after = strchr(c[i], '>') + 1;

		cr_expect_eq(r.format, SC_SYSLOG_RFC3164);
		expect_fields(c[i], &r, "", "", "", "", "", "", after);
		EXPECT_FLAGS(r, c[i], SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME);
	}
}

Test(syslog, tags)
{
	static const struct {
		const char *m, *host, *app, *procid, *msg;
	} c[] = {
		/* TAG[pid] without colon */
		{ "<175>Oct 16 2009 23:47:31 hostname tag[1234] This is",
		  "hostname", "tag", "1234", "This is" },
		/* bare word: MSG, not a guessed TAG */
		{ "<175>Oct 16 2009 23:47:31 hostname tag This is",
		  "hostname", "", "", "tag This is" },
		{ "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
		  "10.0.0.99", "", "", "Use the BFG!" },
		/* Snare: TAG then TAB */
		{ "<14>May 21 12:00:01 hostname MSWinEventLog\t1\tN/A",
		  "hostname", "MSWinEventLog", "", "1\tN/A" },
		/* no space after the colon */
		{ "<13>Jan  5 15:33:03 host root[8539]:syslog x",
		  "host", "root", "8539", "syslog x" },
		/* empty message after the tag */
		{ "<129>Mar 10 01:00:00 Hos@name4 tag4:",
		  "Hos@name4", "tag4", "", "" },
		/* two spaces after the colon: MSG keeps the second */
		{ "<129>Mar 10 01:00:00 h tag:  msgnum:2",
		  "h", "tag", "", " msgnum:2" },
		{ "<167>Mar 27 19:06:53 src sshd(pam_unix)[12750]: opened",
		  "src", "sshd(pam_unix)", "12750", "opened" },
		{ "<30>Apr  6 13:21:08 docker/6befb258da22[6128]: TOO LONG",
		  "", "docker/6befb258da22", "6128", "TOO LONG" },
		{ "<14>Aug 30 23:00:05 X4711", "X4711", "", "", "" },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r = parse(c[i].m);

		expect_fields(c[i].m, &r, NULL, c[i].host, c[i].app,
			      c[i].procid, "", "", c[i].msg);
	}
}

Test(syslog, hostnames)
{
	static const char *const hosts[] = {
		"2001:db8::1", "fe80::1%eth0", "192.0.2.1", "hostname1/hostname2",
		"Hostn@me2", "ehr-app01.example.jp", "10.321.1.123",
	};
	char m[128];
	unsigned i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct sc_syslog r;

		snprintf(m, sizeof(m), "<13>Dec 31 23:59:59 %s sshd[12]: hi",
			 hosts[i]);
		r = parse(m);
		expect_fields(m, &r, "Dec 31 23:59:59", hosts[i], "sshd", "12",
			      "", "", "hi");
		EXPECT_FLAGS(r, m, 0);
	}
}

Test(syslog, unknown_and_empty)
{
	const char *m = "This is a message!";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.format, SC_SYSLOG_UNKNOWN);
	EXPECT_FIELD(r, m, SC_F_MSG, m);
	EXPECT_FLAGS(r, m, SC_SL_NO_PRI | SC_SL_NO_TIMESTAMP |
		     SC_SL_NO_HOSTNAME);

	cr_expect_eq(sc_syslog_parse((const uint8_t *)"", 0, RX_2026, &r),
		     SC_SYSLOG_UNKNOWN);
	cr_expect_eq(r.flags, SC_SL_EMPTY | SC_SL_NO_PRI | SC_SL_NO_TIMESTAMP |
		     SC_SL_NO_HOSTNAME);
	cr_expect_eq(r.ts_ns, SC_TIME_NONE);
	cr_expect_eq(r.pri, -1);
}

Test(syslog, control_and_nul)
{
	const uint8_t m[] = "<133>Apr  5 12:56:51 robin: Hello, syslog!\0";
	const char *cr = "<167>Mar  6 16:57:54 h test: payload\r";
	const char *tab = "<167>Mar  6 16:57:54 h test: before\tafter";
	struct sc_syslog r;

	sc_syslog_parse(m, sizeof(m) - 1, RX_2026, &r);
	cr_expect_eq(r.flags, SC_SL_NUL | SC_SL_NO_HOSTNAME, "flags %#x",
		     r.flags);
	cr_expect_eq(r.field[SC_F_MSG].len, 15, "MSG keeps the NUL");
	r = parse(cr);
	EXPECT_FLAGS(r, cr, SC_SL_CTRL);
	EXPECT_FIELD(r, cr, SC_F_MSG, "payload\r");
	r = parse(tab);
	EXPECT_FLAGS(r, tab, 0);
}

Test(syslog, encodings)
{
	static const struct {
		const char *s;
		int charset;
		unsigned flags;
	} c[] = {
		{ "plain", SC_CHARSET_ASCII, 0 },
		{ "\xe9\x9b\xbb\xe5\xad\x90", SC_CHARSET_UTF8, 0 },
		/* cut inside the last character: still UTF-8, flagged */
		{ "\xe9\x9b\xbb\xe5\xad", SC_CHARSET_UTF8, SC_SL_BAD_UTF8 },
		/* Shift_JIS "電子カルテ" */
		{ "\x93\x64\x8e\x71\x83\x4a\x83\x8b\x83\x65", SC_CHARSET_SJIS,
		  SC_SL_BAD_UTF8 | SC_SL_SJIS },
		/* Shift_JIS with 0x5C trail ("ソ"), cut after a lead byte */
		{ "\x83\x5c\x83", SC_CHARSET_SJIS,
		  SC_SL_BAD_UTF8 | SC_SL_SJIS },
		/* overlong UTF-8 "/": not UTF-8, but two half-width
		 * katakana in Shift_JIS (detection is structural) */
		{ "\xc0\xaf", SC_CHARSET_SJIS, SC_SL_BAD_UTF8 | SC_SL_SJIS },
		/* surrogate, > U+10FFFF, stray continuation, 0x80 */
		{ "\x80\x80", SC_CHARSET_BINARY, SC_SL_BAD_UTF8 },
		{ "\xed\xa0\x80", SC_CHARSET_BINARY, SC_SL_BAD_UTF8 },
		{ "\xf4\x90\x80\x80", SC_CHARSET_BINARY, SC_SL_BAD_UTF8 },
		{ "a\x80", SC_CHARSET_BINARY, SC_SL_BAD_UTF8 },
		{ "\xff\xfe", SC_CHARSET_BINARY, SC_SL_BAD_UTF8 },
	};
	char m[128];
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sc_syslog r;

		cr_expect_eq(sc_syslog_charset((const uint8_t *)c[i].s,
					       strlen(c[i].s)), c[i].charset,
			     "case %u", i);
		snprintf(m, sizeof(m), "<13>Jan  1 00:00:00 h a: %s", c[i].s);
		r = parse(m);
		cr_expect_eq(r.charset, c[i].charset, "case %u: charset %u",
			     i, r.charset);
		cr_expect_eq(r.flags, c[i].flags, "case %u: flags %#x", i,
			     r.flags);
	}
	cr_expect_eq(sc_syslog_charset(NULL, 0), SC_CHARSET_ASCII);
}

Test(syslog, bom_requires_utf8_in_5424)
{
	const char *ok = "<1>1 - - - - - - \xef\xbb\xbf\xce\xba";
	const char *bad = "<1>1 - - - - - - \xef\xbb\xbf\x80";
	const char *nobom = "<1>1 - - - - - - f\xfc";
	struct sc_syslog r;

	r = parse(ok);
	EXPECT_FLAGS(r, ok, SC_SL_BOM | SC_SL_NO_TIMESTAMP |
		     SC_SL_NO_HOSTNAME);
	r = parse(bad);
	EXPECT_FLAGS(r, bad, SC_SL_BOM | SC_SL_BAD_UTF8 | SC_SL_NONCOMPLIANT |
		     SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME);
	/* Without a BOM any encoding is allowed. */
	r = parse(nobom);
	cr_expect_eq(r.flags & SC_SL_NONCOMPLIANT, 0, "flags %#x", r.flags);
}

Test(syslog, sjis_sd_trail_bytes)
{
	/* "ソ" (83 5C) right before the closing quote must not be taken
	 * as an escaped quote. */
	const char *m = "<134>1 - h a - - [x@1 k=\"\x83\x5c\"] rest";
	struct sc_syslog r = parse(m);

	cr_expect_eq(r.charset, SC_CHARSET_SJIS);
	EXPECT_FIELD(r, m, SC_F_SD, "[x@1 k=\"\x83\x5c\"]");
	EXPECT_FIELD(r, m, SC_F_MSG, "rest");
	cr_expect_eq(r.flags & SC_SL_BAD_SD, 0, "flags %#x", r.flags);
}

Test(syslog, never_reads_past_len)
{
	/* Every prefix of a message, each in an exactly sized heap buffer
	 * (AddressSanitizer reports a read past it). */
	static const char *const c[] = {
		"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710"
		" - [a@1 b=\"\\\"c\"] \xef\xbb\xbfmsg",
		"<189>123: *Mar  1 18:46:11.123 JST: %SYS-5-CONFIG_I: x",
		"<166>Aug 06 2016 20:39:42: %ASA-6-110002: F \x83\x5c",
		"<14>2017-05-21T00:00:01.123+09:00 h Hostd[12]: x",
		"<189>date=2026-12-04 time=09:17:33 devname=\"UTM\"",
	};
	unsigned i;
	size_t n, k;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = strlen(c[i]);
		for (k = 0; k <= n; k++) {
			uint8_t *b = malloc(k ? k : 1);
			struct sc_syslog r;
			char why[160];

			cr_assert_not_null(b);
			memcpy(b, c[i], k);
			sc_syslog_parse(b, k, RX_2026, &r);
			cr_expect(k == 0 || spans_ok(&r, k, why, sizeof(why)),
				  "prefix %zu of case %u: %s", k, i, why);
			free(b);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Conformance tables                                                 */

#define MAX_IN 70000

struct conf_case {
	char table[32], key[96];
	int64_t rx;
	uint8_t in[MAX_IN];
	size_t in_len;
	char ekey[24][16];      /* expectation name */
	char eval[24][MAX_IN / 4]; /* its value, still percent-encoded */
	unsigned nexp;
	char acc[256], acc_class[160];
};

struct conf_table {
	char name[32];
	unsigned cases, agree, accepted, failed, stale, skipped;
	char skip_why[1024];
};

static size_t
unpct(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s && *s != '\n' && n < cap) {
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			out[n++] = (uint8_t)v;
			s += 3;
		} else {
			out[n++] = (uint8_t)*s++;
		}
	}
	return n;
}

/* Printable rendering of bytes for diagnostics. */
static const char *
show(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 5 < cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", p[i]);
	}
	if (i < n && o + 4 < cap)
		o += (size_t)snprintf(buf + o, cap - o, "...");
	buf[o] = '\0';
	return buf;
}

static bool
bytes_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

#define ERROR_FLAGS (SC_SL_NO_PRI | SC_SL_BAD_PRI | SC_SL_BAD_TIMESTAMP | \
		     SC_SL_BAD_SD | SC_SL_NONCOMPLIANT)

/*
 * Compare one expectation.  @return true when it holds; otherwise *got
 * describes what we found.
 */
static bool
check_one(const struct conf_case *c, const struct sc_syslog *r,
	  const char *k, const char *v, char *got, size_t cap)
{
	static uint8_t want[MAX_IN];
	const uint8_t *in = c->in;
	size_t wn, n = c->in_len;
	char sb[400];
	int f = -1;

	got[0] = '\0';
	if (strcmp(k, "pri") == 0 || strcmp(k, "ver") == 0 ||
	    strcmp(k, "fmt") == 0 || strcmp(k, "sd") == 0 ||
	    strcmp(k, "bom") == 0 || strcmp(k, "valid") == 0) {
		long w = strtol(v, NULL, 10), g;

		if (strcmp(k, "pri") == 0)
			g = r->pri;
		else if (strcmp(k, "ver") == 0)
			g = r->version;
		else if (strcmp(k, "fmt") == 0)
			g = r->format;
		else if (strcmp(k, "sd") == 0)
			g = r->field[SC_F_SD].len != 0;
		else if (strcmp(k, "bom") == 0)
			g = !!(r->flags & SC_SL_BOM);
		else
			g = r->format == SC_SYSLOG_RFC5424 &&
			    !(r->flags & ERROR_FLAGS);
		snprintf(got, cap, "%ld (flags %#x fmt %u)", g, r->flags,
			 r->format);
		return g == w;
	}
	if (strcmp(k, "ts") == 0) {
		int64_t w, x;
		int tz, mo, d, h, mi, s, wm[5];

		snprintf(got, cap, "ts_ns %" PRId64 " tz %d flags %#x",
			 r->ts_ns, r->ts_tz_min, r->flags);
		if (strcmp(v, "none") == 0)
			return r->ts_ns == SC_TIME_NONE;
		if (r->ts_ns == SC_TIME_NONE)
			return false;
		if (sscanf(v, "ns %" SCNd64 " %d", &w, &tz) == 2)
			return r->ts_ns == w && r->ts_tz_min == tz;
		if (sscanf(v, "us %" SCNd64 " %d", &w, &tz) == 2)
			return r->ts_ns / 1000 == w / 1000 &&
			       r->ts_tz_min == tz;
		if (sscanf(v, "frac %" SCNd64, &w) == 1) {
			x = r->ts_ns % NS;
			return (x < 0 ? x + NS : x) == w;
		}
		if (sscanf(v, "mdhms %d %d %d %d %d", &wm[0], &wm[1], &wm[2],
			   &wm[3], &wm[4]) == 5) {
			/* wall clock as written: UTC + offset */
			x = r->ts_ns / NS - (r->ts_ns % NS < 0) +
			    r->ts_tz_min * 60;
			civil(x, &mo, &d, &h, &mi, &s);
			snprintf(got, cap, "%d-%d %02d:%02d:%02d", mo, d, h,
				 mi, s);
			return mo == wm[0] && d == wm[1] && h == wm[2] &&
			       mi == wm[3] && s == wm[4];
		}
		snprintf(got, cap, "bad expectation '%s'", v);
		return false;
	}
	if (strcmp(k, "sdfrag") == 0) {
		unsigned off;
		int valid;

		if (sscanf(v, "%u %d", &off, &valid) != 2)
			return false;
		snprintf(got, cap, "SD %u+%u flags %#x", r->field[SC_F_SD].off,
			 r->field[SC_F_SD].len, r->flags);
		return (r->field[SC_F_SD].off == off &&
			r->field[SC_F_SD].len == n - off &&
			!(r->flags & SC_SL_BAD_SD)) == !!valid;
	}

	wn = unpct(v, want, sizeof(want));
	if (strcmp(k, "host") == 0)
		f = SC_F_HOSTNAME;
	else if (strcmp(k, "app") == 0)
		f = SC_F_APPNAME;
	else if (strcmp(k, "procid") == 0)
		f = SC_F_PROCID;
	else if (strcmp(k, "msgid") == 0)
		f = SC_F_MSGID;
	else if (strcmp(k, "msg") == 0)
		f = SC_F_MSG;
	if (f >= 0) {
		const struct sc_span *sp = &r->field[f];

		snprintf(got, cap, "\"%s\"",
			 show(in + sp->off, sp->len, sb, sizeof(sb)));
		return bytes_eq(in + sp->off, sp->len, want, wn);
	}
	if (strcmp(k, "msgnb") == 0) {
		const struct sc_span *sp = &r->field[SC_F_MSG];
		size_t skip = (r->flags & SC_SL_BOM) ? 3 : 0;

		snprintf(got, cap, "\"%s\"",
			 show(in + sp->off, sp->len, sb, sizeof(sb)));
		return sp->len >= skip &&
		       bytes_eq(in + sp->off + skip, sp->len - skip, want, wn);
	}
	if (strcmp(k, "msgc") == 0) {
		/* from APPNAME (when there is one) to the end */
		size_t a = r->field[SC_F_APPNAME].len ?
			   r->field[SC_F_APPNAME].off : r->field[SC_F_MSG].off;

		snprintf(got, cap, "\"%s\"", show(in + a, n - a, sb,
						  sizeof(sb)));
		return bytes_eq(in + a, n - a, want, wn);
	}
	if (strcmp(k, "msgs") == 0) {
		/* rsyslog %msg%: leading spaces, then our MSG */
		const struct sc_span *sp = &r->field[SC_F_MSG];
		size_t i = 0;

		snprintf(got, cap, "\"%s\"",
			 show(in + sp->off, sp->len, sb, sizeof(sb)));
		while (i < wn && want[i] == ' ' && wn - i > sp->len)
			i++;
		return bytes_eq(in + sp->off, sp->len, want + i, wn - i);
	}
	if (strcmp(k, "tag") == 0) {
		/* rsyslog %syslogtag%: APPNAME [ '[' PROCID ']' ] [':'] */
		const struct sc_span *a = &r->field[SC_F_APPNAME];
		const struct sc_span *p = &r->field[SC_F_PROCID];
		size_t e;

		if (a->len == 0) {
			snprintf(got, cap, "\"\"");
			return wn == 0;
		}
		e = p->len ? p->off + p->len + 1 : a->off + a->len;
		if (e < n && in[e] == ':')
			e++;
		snprintf(got, cap, "\"%s\"", show(in + a->off, e - a->off, sb,
						  sizeof(sb)));
		return bytes_eq(in + a->off, e - a->off, want, wn);
	}
	snprintf(got, cap, "unknown expectation '%s'", k);
	return false;
}

static bool
field_listed(const char *list, const char *k)
{
	size_t kl = strlen(k);
	const char *p = list;

	while ((p = strstr(p, k)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[kl] == '\0' || p[kl] == ','))
			return true;
		p += kl;
	}
	return false;
}

static struct conf_table *
table_of(struct conf_table *t, unsigned *nt, const char *name)
{
	unsigned i;

	for (i = 0; i < *nt; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	cr_assert_lt(*nt, 32, "too many tables");
	memset(&t[*nt], 0, sizeof(t[*nt]));
	snprintf(t[*nt].name, sizeof(t[*nt].name), "%s", name);
	return &t[(*nt)++];
}

static void
run_case(const struct conf_case *c, struct conf_table *t, unsigned *shown)
{
	struct sc_syslog r;
	char got[600], mism[256] = "", sb[300], acc_stale[256] = "";
	bool fail = false, any = false;
	unsigned i;

	sc_syslog_parse(c->in, c->in_len, c->rx, &r);
	t->cases++;
	for (i = 0; i < c->nexp; i++) {
		const char *k = c->ekey[i], *v = c->eval[i];
		bool ok = check_one(c, &r, k, v, got, sizeof(got));
		bool acc = field_listed(c->acc, k);

		if (ok && acc)
			snprintf(acc_stale + strlen(acc_stale),
				 sizeof(acc_stale) - strlen(acc_stale), "%.15s ",
				 k);
		if (ok)
			continue;
		any = true;
		snprintf(mism + strlen(mism), sizeof(mism) - strlen(mism),
			 "%.15s ", k);
		if (!acc) {
			fail = true;
			if (*shown < 60) {
				(*shown)++;
				fprintf(stderr, "DISAGREE %s:%s field %s: want "
					"'%.200s' got %s\n    in \"%s\"\n",
					c->table, c->key, k, v, got,
					show(c->in, c->in_len, sb,
					     sizeof(sb)));
			}
		}
	}
	if (acc_stale[0]) {
		t->stale++;
		fprintf(stderr, "STALE %s:%s: fields '%s' accepted in "
			"ACCEPTED.md now agree; remove the entry\n", c->table,
			c->key, acc_stale);
	}
	if (fail)
		t->failed++;
	else if (any)
		t->accepted++;
	else
		t->agree++;
}

Test(syslog, conformance_tables, .timeout = 120)
{
	FILE *f = fopen(CASES_FILE, "r");
	static struct conf_case c;
	static char line[4 * MAX_IN];
	struct conf_table t[32];
	unsigned nt = 0, i, shown = 0, bad = 0, stale = 0;
	bool in_case = false;

	cr_assert_not_null(f, "cannot open %s (built by syslog_tables.py)",
			   CASES_FILE);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp, *v;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || line[0] == 'S')
			continue;
		sp = strchr(line, ' ');
		v = sp ? sp + 1 : line + strlen(line);
		if (sp)
			*sp = '\0';
		if (strcmp(line, "T") == 0) {
			char name[32], why[3072];
			unsigned sk = 0;
			struct conf_table *tt;

			why[0] = '\0';
			cr_assert_geq(sscanf(v, "%31s %u %3071s", name, &sk, why),
				      2, "bad table line");
			tt = table_of(t, &nt, name);
			tt->skipped = sk;
			unpct(why, (uint8_t *)tt->skip_why,
			      sizeof(tt->skip_why) - 1);
		} else if (strcmp(line, "C") == 0) {
			memset(&c.table, 0, sizeof(c.table));
			cr_assert_eq(sscanf(v, "%31s %95s", c.table, c.key), 2);
			c.rx = RX_2026;
			c.in_len = 0;
			c.nexp = 0;
			c.acc[0] = c.acc_class[0] = '\0';
			in_case = true;
		} else if (strcmp(line, "E") == 0) {
			cr_assert(in_case);
			run_case(&c, table_of(t, &nt, c.table), &shown);
			in_case = false;
		} else if (strcmp(line, "rx") == 0) {
			c.rx = strtoll(v, NULL, 10);
		} else if (strcmp(line, "in") == 0) {
			c.in_len = unpct(v, c.in, sizeof(c.in));
		} else if (strcmp(line, "acc") == 0) {
			sscanf(v, "%255s %159s", c.acc, c.acc_class);
		} else {
			cr_assert_lt(c.nexp, 24);
			snprintf(c.ekey[c.nexp], sizeof(c.ekey[0]), "%.15s",
				 line);
			snprintf(c.eval[c.nexp], sizeof(c.eval[0]), "%s", v);
			c.nexp++;
		}
	}
	fclose(f);

	for (i = 0; i < nt; i++) {
		fprintf(stderr, "conformance %-10s agree %u/%u (accepted %u, "
			"failing %u; %u skipped%s%s)\n", t[i].name,
			t[i].agree, t[i].cases, t[i].accepted, t[i].failed,
			t[i].skipped, t[i].skipped ? ": " : "",
			t[i].skip_why);
		cr_log_info("%s agree %u/%u", t[i].name, t[i].agree,
			    t[i].cases);
		bad += t[i].failed;
		stale += t[i].stale;
	}
	cr_expect_eq(bad, 0, "%u cases disagree and are not in "
		     "tests/conformance/ACCEPTED.md (see DISAGREE lines)", bad);
	cr_expect_eq(stale, 0, "%u accepted disagreements no longer happen "
		     "(see STALE lines)", stale);
}

/* ------------------------------------------------------------------ */
/* Japanese corpus                                                    */

static size_t
read_file(const char *path, uint8_t **buf)
{
	FILE *f = fopen(path, "rb");
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc((size_t)n + 1);
	cr_assert_not_null(*buf);
	cr_assert_eq(fread(*buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (size_t)n;
}

/* ja/utf8.txt and ja/sjis.txt hold the same 13 messages. */
static const struct ja_line {
	int format, pri;
	const char *host, *app, *procid, *msgid; /* NULL: non-ASCII */
	bool sd;
	unsigned flags;     /* besides the charset flags */
	int64_t ts;         /* received 2026-12-04 09:30 JST */
} ja_lines[] = {
	{ 1, 134, "ehr-app01", "EHR", "4321", "ACCESS", true, 0,
	  1796343322123456000LL },
	{ 1, 134, "ehr-app01", "EHR", "4321", "ACCESS", true, 0,
	  1796343323001000000LL },
	{ 1, 133, "ehr-db01", "postgres", "812", "AUDIT", false, 0,
	  1796375724000000000LL },
	{ 2, 38, "rececom01", "recept", "2211", "", false, 0,
	  1796375761000000000LL },
	{ 2, 38, "rececom01", "recept", "2211", "", false, 0,
	  1796375765000000000LL },
	{ 2, 189, "", "", "", "", false,
	  SC_SL_KV | SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME, 0 },
	{ 2, 30, "", "", "", "", false,
	  SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME, 0 },
	{ 2, 30, "", "", "", "", false,
	  SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME, 0 },
	{ 2, 14, "ap-3f-nurse", "hostapd", "", "", false, 0,
	  1796375984000000000LL },
	{ 2, 13, "pacs01", "dicomd", "77", "", false, 0,
	  1796376000000000000LL },
	{ 2, 86, "ehr-app02", "sudo", "", "", false, 0,
	  1796376070000000000LL },
	{ 1, 165, "core-sw01", "", "", "", false, 0,
	  1796343720500000000LL },
	/* Japanese APP-NAME: stored, flagged, not rejected */
	{ 1, 11, "lab-sv01", NULL, "999", "ERR", false, SC_SL_NONCOMPLIANT,
	  1796343780000000000LL },
};

static unsigned
ja_check(const uint8_t *m, size_t n, const struct ja_line *w, bool sjis,
	 unsigned lineno)
{
	struct sc_syslog r;
	unsigned want_flags = w->flags, miss = 0, f;
	bool ascii;
	const char *want[SC_F_COUNT] = {
		[SC_F_HOSTNAME] = w->host, [SC_F_APPNAME] = w->app,
		[SC_F_PROCID] = w->procid, [SC_F_MSGID] = w->msgid,
	};
	char why[160];

	/* The BSD lines carry no year: receive them on the day they say
	 * (2026-12-04 09:30 JST). */
	sc_syslog_parse(m, n, utc(2026, 12, 4, 0, 30, 0), &r);
	ascii = sc_syslog_charset(m, n) == SC_CHARSET_ASCII;
	if (!ascii && sjis) {
		want_flags |= SC_SL_BAD_UTF8 | SC_SL_SJIS;
		/* RFC 5424 wants UTF-8 in SD values */
		if (w->format == 1 && w->sd)
			want_flags |= SC_SL_NONCOMPLIANT;
	}
	if (w->format == 1 && w->app == NULL && sjis)
		want_flags |= SC_SL_NONCOMPLIANT;
	miss += r.format != w->format;
	miss += r.pri != w->pri;
	miss += r.flags != want_flags;
	miss += r.charset != (ascii ? SC_CHARSET_ASCII : sjis ?
			      SC_CHARSET_SJIS : SC_CHARSET_UTF8);
	miss += r.ts_ns != (w->ts ? w->ts : SC_TIME_NONE);
	miss += (r.field[SC_F_SD].len != 0) != w->sd;
	miss += !spans_ok(&r, n, why, sizeof(why));
	for (f = SC_F_HOSTNAME; f <= SC_F_MSGID; f++) {
		if (want[f] == NULL)
			miss += r.field[f].len == 0;
		else
			miss += !bytes_eq(m + r.field[f].off, r.field[f].len,
					  (const uint8_t *)want[f],
					  strlen(want[f]));
	}
	if (miss)
		fprintf(stderr, "ja %s line %u: fmt %u pri %d flags %#x "
			"charset %u ts %" PRId64 " host %u+%u app %u+%u\n",
			sjis ? "sjis" : "utf8", lineno, r.format, r.pri,
			r.flags, r.charset, r.ts_ns,
			r.field[SC_F_HOSTNAME].off, r.field[SC_F_HOSTNAME].len,
			r.field[SC_F_APPNAME].off, r.field[SC_F_APPNAME].len);
	return miss;
}

Test(syslog, ja_corpus)
{
	static const char *const files[] = { "utf8.txt", "sjis.txt" };
	char path[512];
	unsigned fi, agree, total;

	for (fi = 0; fi < 2; fi++) {
		uint8_t *b;
		size_t n, s = 0, i;
		unsigned ln = 0;

		snprintf(path, sizeof(path), "%s/ja/%s", CORPUS, files[fi]);
		n = read_file(path, &b);
		agree = total = 0;
		for (i = 0; i <= n; i++) {
			if (i < n && b[i] != '\n')
				continue;
			if (i > s) {
				cr_assert_lt(ln, sizeof(ja_lines) /
					     sizeof(ja_lines[0]));
				total++;
				agree += ja_check(b + s, i - s, &ja_lines[ln],
						  fi == 1, ln + 1) == 0;
				ln++;
			}
			s = i + 1;
		}
		fprintf(stderr, "conformance ja/%-8s agree %u/%u\n",
			files[fi], agree, total);
		cr_expect_eq(agree, total, "ja/%s: %u of %u lines differ",
			     files[fi], total - agree, total);
		free(b);
	}
}

Test(syslog, ja_truncated)
{
	static const struct {
		const char *file;
		int charset;
	} c[] = {
		{ "truncated-utf8.bin", SC_CHARSET_UTF8 },
		{ "truncated-sjis.bin", SC_CHARSET_SJIS },
	};
	char path[512], why[160];
	unsigned i;

	for (i = 0; i < 2; i++) {
		uint8_t *b;
		size_t n;
		struct sc_syslog r;

		snprintf(path, sizeof(path), "%s/ja/%s", CORPUS, c[i].file);
		n = read_file(path, &b);
		sc_syslog_parse(b, n, RX_2026, &r);
		cr_expect_eq(r.format, SC_SYSLOG_RFC5424);
		cr_expect_eq(r.charset, c[i].charset, "%s: charset %u",
			     c[i].file, r.charset);
		cr_expect(r.flags & SC_SL_BAD_UTF8, "%s: flags %#x",
			  c[i].file, r.flags);
		cr_expect(r.flags & SC_SL_BAD_SD, "%s: SD cut: flags %#x",
			  c[i].file, r.flags);
		cr_expect_eq(!!(r.flags & SC_SL_SJIS),
			     c[i].charset == SC_CHARSET_SJIS);
		/* SD runs to the cut; nothing is lost or invented. */
		cr_expect_eq(r.field[SC_F_SD].off + r.field[SC_F_SD].len, n);
		cr_expect_eq(r.field[SC_F_MSG].len, 0);
		cr_expect(spans_ok(&r, n, why, sizeof(why)), "%s", why);
		free(b);
	}
}

/* ------------------------------------------------------------------ */
/* Properties                                                         */

/* xorshift64*: fixed seed, same run everywhere. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

struct seeds {
	uint8_t **p;
	size_t *n;
	size_t count, cap;
};

static void
seed_add(struct seeds *s, const uint8_t *p, size_t n)
{
	if (s->count == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->p = realloc(s->p, s->cap * sizeof(*s->p));
		s->n = realloc(s->n, s->cap * sizeof(*s->n));
		cr_assert(s->p && s->n);
	}
	s->p[s->count] = malloc(n ? n : 1);
	cr_assert_not_null(s->p[s->count]);
	memcpy(s->p[s->count], p, n);
	s->n[s->count++] = n;
}

static void
seed_lines(struct seeds *s, const char *rel)
{
	char path[512];
	uint8_t *b;
	size_t n, i, st = 0;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, rel);
	n = read_file(path, &b);
	for (i = 0; i <= n; i++) {
		if (i < n && b[i] != '\n')
			continue;
		if (i > st)
			seed_add(s, b + st, i - st);
		st = i + 1;
	}
	free(b);
}

/* Every input of the conformance cases, and the extra seeds ("S"). */
static void
seed_cases(struct seeds *s)
{
	FILE *f = fopen(CASES_FILE, "r");
	static char line[4 * MAX_IN];
	static uint8_t buf[MAX_IN];

	cr_assert_not_null(f, "cannot open %s", CASES_FILE);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "in ", 3) == 0 || strncmp(line, "S ", 2) == 0)
			seed_add(s, buf, unpct(strchr(line, ' ') + 1, buf,
					       sizeof(buf)));
	fclose(f);
}

Test(syslog, property_mutations, .timeout = 300)
{
	/* Bytes that steer the parser: delimiters, digits, UTF-8/SJIS. */
	static const uint8_t hot[] = "<> []\"\\=:-.*%T Z+0912\t\r\n\x00\x80"
				     "\xbf\xc2\xe3\x81\x83\x5c\xef\xbb\xf4";
	struct seeds s = { 0 };
	uint64_t st = 0x5ea1cab0dULL;
	unsigned iter, bad = 0;
	size_t i;

	seed_cases(&s);
	seed_lines(&s, "ja/utf8.txt");
	seed_lines(&s, "ja/sjis.txt");
	seed_lines(&s, "vendor/sc4s/sc4s_vendor_samples_rendered.txt");
	cr_assert_gt(s.count, 1000, "only %zu seeds", s.count);

	for (iter = 0; iter < 200000; iter++) {
		size_t k = rnd(&st) % s.count, n = s.n[k], m, j;
		uint8_t *b, *copy;
		struct sc_syslog r, r2;
		char why[200];
		unsigned ops = 1 + rnd(&st) % 4;

		/* Work on an exactly sized buffer: ASan catches overreads. */
		m = n + 16;
		b = malloc(m);
		cr_assert_not_null(b);
		memcpy(b, s.p[k], n);
		while (ops--) {
			uint64_t x = rnd(&st);

			switch (x % 6) {
			case 0:         /* flip a bit */
				if (n)
					b[rnd(&st) % n] ^= (uint8_t)(1u <<
						(x >> 8 & 7));
				break;
			case 1:         /* random byte */
				if (n)
					b[rnd(&st) % n] = (uint8_t)(x >> 16);
				break;
			case 2:         /* steering byte */
				if (n)
					b[rnd(&st) % n] =
						hot[(x >> 16) % (sizeof(hot) - 1)];
				break;
			case 3:         /* truncate */
				n = n ? rnd(&st) % (n + 1) : 0;
				break;
			case 4:         /* delete a byte */
				if (n) {
					j = rnd(&st) % n;
					memmove(b + j, b + j + 1, n - j - 1);
					n--;
				}
				break;
			default:        /* insert a steering byte */
				if (n < m) {
					j = rnd(&st) % (n + 1);
					memmove(b + j + 1, b + j, n - j);
					b[j] = hot[(x >> 16) %
						   (sizeof(hot) - 1)];
					n++;
				}
				break;
			}
		}
		copy = malloc(n ? n : 1);
		cr_assert_not_null(copy);
		memcpy(copy, b, n);
		/* Shrink to exactly n bytes so any read past len traps. */
		{
			uint8_t *exact = malloc(n ? n : 1);

			cr_assert_not_null(exact);
			memcpy(exact, b, n);
			free(b);
			b = exact;
		}
		sc_syslog_parse(b, n, (int64_t)rnd(&st), &r);
		sc_syslog_parse(b, n, RX_2026, &r2);
		if (!spans_ok(&r, n, why, sizeof(why)) ||
		    !spans_ok(&r2, n, why, sizeof(why)) ||
		    (n && memcmp(b, copy, n) != 0) ||
		    r.pri < -1 || r.pri > 191 || r.format > 2 ||
		    r.charset > 3 ||
		    r.charset != sc_syslog_charset(b, n) ||
		    memcmp(r.field, r2.field, sizeof(r.field)) != 0 ||
		    r.pri != r2.pri || r.format != r2.format) {
			char sb[300];

			if (bad++ < 10)
				fprintf(stderr, "property failed (%s) on "
					"\"%s\"\n", why,
					show(b, n, sb, sizeof(sb)));
			why[0] = '\0';
		}
		free(copy);
		free(b);
	}
	cr_expect_eq(bad, 0, "%u of 200000 mutated messages broke an "
		     "invariant", bad);
	for (i = 0; i < s.count; i++)
		free(s.p[i]);
	free(s.p);
	free(s.n);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Syslog message parser (contract in include/sealcap/syslog.h).
 *
 * Shape of the work, per message:
 *   1. one pass over all bytes: NUL, control characters and the encoding
 *      (ASCII / UTF-8 / Shift_JIS / binary), 16 or 32 bytes a step (SSE2;
 *      8 with portable SWAR code) while they are plain printable ASCII;
 *   2. PRI at byte 0;
 *   3. "VERSION SP" after it selects RFC 5424, anything else goes to the
 *      BSD (RFC 3164 and real-world variants) path.
 *
 * Everything is bounds-checked against n: there is no NUL terminator to
 * rely on and the caller's buffer may end in the middle of a field.  Only
 * indices into the caller's bytes are produced; nothing is copied.
 *
 * Leniency policy: the store never rejects a message, so the parser never
 * gives up.  Where a strict reading fails but the intent is clear (two
 * spaces between header fields, seven fraction digits, a space after '='
 * in structured data) it takes the intent and raises a flag, so an auditor
 * can tell a clean message from a repaired reading.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sealcap/syslog.h"
#include "utf8.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

#define NS_PER_SEC  1000000000LL
#define SEC_PER_DAY 86400LL
#define HALF_YEAR_NS (183 * SEC_PER_DAY * NS_PER_SEC)
#define DAYS_1970_2100 47482    /* days from 1970-01-01 to 2100-01-01 */

/* RFC 5424 §6 field limits. */
#define HOSTNAME_MAX 255
#define APPNAME_MAX  48
#define PROCID_MAX   128
#define MSGID_MAX    32
#define SDNAME_MAX   32
/* BSD TAG: RFC 3164 says 32, real devices send longer (rsyslog keeps 40+);
 * beyond this a "word:" is more likely text than a program name. */
#define TAG_MAX      128
/* SD-IDs remembered for the duplicate check (RFC 5424 §6.3.2).  Messages
 * with more elements are checked on their first SD_IDS_MAX only. */
#define SD_IDS_MAX   16

/*
 * int64 nanoseconds since 1970 cover 1677-09-21 .. 2262-04-11.  Whole
 * years inside that range are accepted; dates outside cannot be represented
 * and count as a bad timestamp.
 */
#define YEAR_MIN 1678
#define YEAR_MAX 2261

/*
 * Byte classes, one table lookup per byte in the token loops.  Ranges do
 * not overlap (GNU range designators, no overriding).
 */
#define C_DIGIT 0x01u   /* 0-9 */
#define C_ALPHA 0x02u   /* A-Z a-z */
#define C_TAG   0x04u   /* BSD TAG/PROCID char: > SP, not : [ ] DEL */
#define C_HOST  0x08u   /* BSD HOSTNAME char: alnum . - _ : / @ %, 8-bit */
#define C_SDN   0x10u   /* RFC 5424 SD-NAME: PRINTUSASCII but = ] " */
#define C_KEY   0x20u   /* key of key=value: alnum _ . - */
#define C_PRINT 0x40u   /* RFC 5424 PRINTUSASCII: 33..126 */
#define C_COLON 0x80u   /* ':' */

#define C_P  (C_TAG | C_SDN | C_PRINT)          /* plain punctuation */
#define C_AN (C_HOST | C_KEY)                   /* with digits, letters */

static const uint8_t cls[256] = {
	[0x21] = C_P,                           /* ! */
	[0x22] = C_TAG | C_PRINT,               /* " */
	[0x23 ... 0x24] = C_P,                  /* # $ */
	[0x25] = C_P | C_HOST,                  /* % (IPv6 zone) */
	[0x26 ... 0x2c] = C_P,                  /* & ' ( ) * + , */
	[0x2d ... 0x2e] = C_P | C_HOST | C_KEY, /* - . */
	[0x2f] = C_P | C_HOST,                  /* / */
	[0x30 ... 0x39] = C_P | C_DIGIT | C_AN,
	[0x3a] = C_SDN | C_PRINT | C_HOST | C_COLON,    /* : */
	[0x3b ... 0x3c] = C_P,                  /* ; < */
	[0x3d] = C_TAG | C_PRINT,               /* = */
	[0x3e ... 0x3f] = C_P,                  /* > ? */
	[0x40] = C_P | C_HOST,                  /* @ */
	[0x41 ... 0x5a] = C_P | C_ALPHA | C_AN,
	[0x5b] = C_SDN | C_PRINT,               /* [ */
	[0x5c] = C_P,                           /* \ */
	[0x5d] = C_PRINT,                       /* ] */
	[0x5e] = C_P,                           /* ^ */
	[0x5f] = C_P | C_HOST | C_KEY,          /* _ */
	[0x60] = C_P,                           /* ` */
	[0x61 ... 0x7a] = C_P | C_ALPHA | C_AN,
	[0x7b ... 0x7e] = C_P,                  /* { | } ~ */
	[0x80 ... 0xff] = C_TAG | C_HOST,
};

static inline bool
is_digit(uint8_t c)
{
	return (uint8_t)(c - '0') < 10;
}

static inline bool
is_alpha(uint8_t c)
{
	return cls[c] & C_ALPHA;
}

#ifdef __SSE2__
static inline __m128i
load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Lanes of x in [lo, hi] (unsigned bytes, lo <= hi < 0x80). */
static inline __m128i
in_range(__m128i x, char lo, char hi)
{
	/* shift [lo, hi] to [-128, hi - lo - 128]; one signed compare */
	__m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(-128 - lo)));

	return _mm_cmplt_epi8(y, _mm_set1_epi8((char)(hi - lo - 127)));
}

static inline __m128i
eq8(__m128i x, char c)
{
	return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}
#endif

static inline size_t
skip_sp(const uint8_t *s, size_t i, size_t n)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* End of the token starting at i: first SP or n. */
static inline size_t
token_end(const uint8_t *s, size_t i, size_t n)
{
	const uint8_t *sp = memchr(s + i, ' ', n - i);

	return sp != NULL ? (size_t)(sp - s) : n;
}

static inline int
two_digits(const uint8_t *s, size_t i)
{
	if (!is_digit(s[i]) || !is_digit(s[i + 1]))
		return -1;
	return (s[i] - '0') * 10 + (s[i + 1] - '0');
}

static inline int
four_digits(const uint8_t *s, size_t i)
{
	int a = two_digits(s, i), b = two_digits(s, i + 2);

	return (a < 0 || b < 0) ? -1 : a * 100 + b;
}

/* ---------------------------------------------------------------------
 * Civil time.  Proleptic Gregorian, H. Hinnant's days_from_civil: pure
 * integer arithmetic, no tables, no libc time zone machinery.
 */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
year_from_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

static inline bool
is_leap(int64_t y)
{
	/* y % 100 != 0 <=> y % 25 != 0 once y % 4 == 0; saves divisions */
	return (y & 3) == 0 && (y % 25 != 0 || (y & 15) == 0);
}

/* Days before the first of each month in a common year. */
static const uint16_t cum_days[12] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
};

static unsigned
days_in_month(int64_t y, unsigned m)
{
	static const uint8_t dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* A broken-down timestamp as read from the wire. */
struct tm_wire {
	int year;       /* -1: not given (BSD) */
	int mon, mday;  /* 1..12, 1..31 */
	int hour, min, sec;
	int32_t frac_ns;
	int32_t tz_min;
	bool tz_given;  /* tz_min came from the message */
	bool strict;    /* reads as RFC 5424 TIMESTAMP without repairs */
};

/*
 * UTC nanoseconds of a validated wall-clock time.  Seconds = 60 (a leap
 * second, allowed by RFC 3339, forbidden by RFC 5424) rolls into the next
 * minute, as POSIX time does.
 */
static inline int64_t
day_time_ns(const struct tm_wire *t, int64_t days)
{
	int64_t secs;

	secs = days * SEC_PER_DAY + t->hour * 3600 + t->min * 60 + t->sec -
	       (int64_t)t->tz_min * 60;
	return secs * NS_PER_SEC + t->frac_ns;
}

/*
 * Days since 1970-01-01 of a valid date.  1970..2099 is the common case:
 * every 4th year is leap there, no century rule, no division by 100/400.
 */
static inline int64_t
days_of(int64_t y, unsigned m, unsigned d)
{
	if (y >= 1970 && y <= 2099)
		return 365 * (y - 1970) + (y - 1969) / 4 + cum_days[m - 1] +
		       (m > 2 && (y & 3) == 0) + d - 1;
	return days_from_civil(y, m, d);
}

static int64_t
wire_to_ns(const struct tm_wire *t, int64_t year)
{
	return day_time_ns(t, days_of(year, (unsigned)t->mon,
				      (unsigned)t->mday));
}

static bool
time_fields_ok(const struct tm_wire *t)
{
	return t->mon >= 1 && t->mon <= 12 && t->mday >= 1 &&
	       t->mday <= 31 && t->hour <= 23 && t->min <= 59 &&
	       t->sec <= 60;
}

/*
 * Resolve a wire time to UTC ns.  BSD timestamps carry no year: take the
 * one (of the receive year and its neighbours) that puts the message
 * nearest to its receive time, so "Dec 31 23:59:59" received on Jan 1 is
 * last year's and Feb 29 lands in a leap year or nowhere.
 * @return false when no valid date results.
 */
static bool
wire_resolve(const struct tm_wire *t, int64_t rx_ns, int64_t *ns)
{
	const int64_t lo = days_from_civil(YEAR_MIN, 1, 1) * SEC_PER_DAY *
			   NS_PER_SEC;
	const int64_t hi = days_from_civil(YEAR_MAX + 1, 1, 1) *
			   SEC_PER_DAY * NS_PER_SEC - 1;
	int64_t best = 0, best_d = INT64_MAX, y0, rx, rxd, jan1;
	bool found = false;
	int k;

	if (!time_fields_ok(t))
		return false;
	if (t->year >= 0) {
		if (t->year < YEAR_MIN || t->year > YEAR_MAX ||
		    (unsigned)t->mday > days_in_month(t->year, (unsigned)t->mon))
			return false;
		*ns = wire_to_ns(t, t->year);
		return true;
	}
	/* Clamp so that the distances below cannot overflow. */
	rx = rx_ns < lo ? lo : rx_ns > hi ? hi : rx_ns;
	rxd = rx / (SEC_PER_DAY * NS_PER_SEC) -
	      (rx % (SEC_PER_DAY * NS_PER_SEC) < 0);
	if (rxd >= 0 && rxd < DAYS_1970_2100) {
		/* 1970..2099: every 4th year is leap, the 1461-day cycle is
		 * exact and needs no century rules */
		y0 = 1970 + (4 * rxd + 2) / 1461;
		jan1 = 365 * (y0 - 1970) + (y0 - 1969) / 4;
	} else {
		y0 = year_from_days(rxd);
		jan1 = days_from_civil(y0, 1, 1);
	}
	/* The receive year first; its neighbours only when it is invalid
	 * (Feb 29) or more than half a year away. */
	for (k = 0; k < 3; k++) {
		int64_t y = y0, j1 = jan1, v, d;

		if (k == 1) {
			if (found && best_d <= HALF_YEAR_NS)
				break;
			y = y0 - 1;
			j1 = jan1 - 365 - is_leap(y);
		} else if (k == 2) {
			y = y0 + 1;
			j1 = jan1 + 365 + is_leap(y0);
		}
		if (y < YEAR_MIN || y > YEAR_MAX ||
		    (unsigned)t->mday > days_in_month(y, (unsigned)t->mon))
			continue;
		v = day_time_ns(t, j1 + cum_days[t->mon - 1] +
				(t->mon > 2 && is_leap(y)) + t->mday - 1);
		d = v > rx ? v - rx : rx - v;
		if (d < best_d) {
			best_d = d;
			best = v;
			found = true;
		}
	}
	if (found)
		*ns = best;
	return found;
}

/* ---------------------------------------------------------------------
 * Timestamp readers.  Each returns the index just past what it read, or 0
 * when the bytes at i do not have its shape (never an error: the caller
 * then treats them as something else).
 */

/* Optional ".d+" fraction; keeps 9 digits (ns), reads and ignores more. */
static size_t
read_frac(const uint8_t *s, size_t i, size_t n, struct tm_wire *t,
	  unsigned max_strict)
{
	size_t a;
	int32_t v = 0;
	unsigned nd = 0;

	static const int32_t scale[10] = {
		1000000000, 100000000, 10000000, 1000000, 100000, 10000,
		1000, 100, 10, 1
	};

	if (i >= n || s[i] != '.' || i + 1 >= n || !is_digit(s[i + 1]))
		return i;
	a = ++i;
	while (i < n && is_digit(s[i])) {
		if (nd < 9) {
			v = v * 10 + (s[i] - '0');
			nd++;
		}
		i++;
	}
	v *= scale[nd];
	if (i - a > max_strict)
		t->strict = false;
	t->frac_ns = v;
	return i;
}

/* "hh:mm:ss" at i (needs 8 bytes). */
static bool
read_hms(const uint8_t *s, size_t i, size_t n, struct tm_wire *t)
{
	if (i + 8 > n || s[i + 2] != ':' || s[i + 5] != ':')
		return false;
	t->hour = two_digits(s, i);
	t->min = two_digits(s, i + 3);
	t->sec = two_digits(s, i + 6);
	return t->hour >= 0 && t->min >= 0 && t->sec >= 0;
}

/*
 * RFC 3339 / ISO 8601: YYYY-MM-DD('T'|'t')hh:mm:ss[.f+][Z|z|+hh:mm|+hhmm].
 * Sets t->strict when it is exactly RFC 5424's TIMESTAMP (upper-case T and
 * Z, 1-6 fraction digits, mandatory offset with colon, no leap second).
 * Range checks are left to the caller (wire_resolve).
 */
static size_t
read_iso(const uint8_t *s, size_t i, size_t n, struct tm_wire *t)
{
	const uint8_t *p = s + i;
	int oh, om;
	bool digits;
#ifndef __SSE2__
	unsigned k;
#endif

	if (i + 19 > n || p[4] != '-' || p[7] != '-' ||
	    (p[10] | 0x20) != 't' || p[13] != ':' || p[16] != ':')
		return 0;
	/* digits at 0-3 5-6 8-9 11-12 14-15 17-18 */
#ifdef __SSE2__
	digits = ((unsigned)_mm_movemask_epi8(in_range(load16(p), '0', '9')) &
		  0xdb6fu) == 0xdb6fu && is_digit(p[17]) && is_digit(p[18]);
#else
	digits = true;
	for (k = 0; k < 19; k++)
		if ((0x6db6fu >> k & 1) && !is_digit(p[k]))
			digits = false;
#endif
	if (!digits)
		return 0;
#define D2(k) ((p[k] - '0') * 10 + (p[(k) + 1] - '0'))
	t->year = D2(0) * 100 + D2(2);
	t->mon = D2(5);
	t->mday = D2(8);
	t->hour = D2(11);
	t->min = D2(14);
	t->sec = D2(17);
#undef D2
	t->frac_ns = 0;
	t->tz_min = 0;
	t->tz_given = false;
	t->strict = p[10] == 'T';
	i = read_frac(s, i + 19, n, t, 6);
	if (i < n && s[i] == '.')
		return 0;                       /* "ss." without digits */
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		t->strict = t->strict && s[i] == 'Z';
		t->tz_given = true;
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;

		if (i + 3 > n || (oh = two_digits(s, i + 1)) < 0)
			return 0;
		if (i + 6 <= n && s[i + 3] == ':' &&
		    (om = two_digits(s, i + 4)) >= 0) {
			i += 6;
		} else if (i + 5 <= n && (om = two_digits(s, i + 3)) >= 0) {
			t->strict = false;      /* +hhmm: ISO 8601, not 3339 */
			i += 5;
		} else {
			return 0;
		}
		if (oh > 23 || om > 59)
			return 0;
		t->tz_min = sign * (oh * 60 + om);
		t->tz_given = true;
	} else {
		t->strict = false;              /* no offset: taken as UTC */
	}
	if (t->sec == 60)
		t->strict = false;
	return i;
}

/* "Jan".."Dec", any case.  @return 1..12 or 0. */
static int
month_of(const uint8_t *s)
{
	uint32_t k = (uint32_t)(s[0] | 0x20) << 16 |
		     (uint32_t)(s[1] | 0x20) << 8 | (s[2] | 0x20);

	switch (k) {
	case 0x6a616e: return 1;        /* jan */
	case 0x666562: return 2;        /* feb */
	case 0x6d6172: return 3;        /* mar */
	case 0x617072: return 4;        /* apr */
	case 0x6d6179: return 5;        /* may */
	case 0x6a756e: return 6;        /* jun */
	case 0x6a756c: return 7;        /* jul */
	case 0x617567: return 8;        /* aug */
	case 0x736570: return 9;        /* sep */
	case 0x6f6374: return 10;       /* oct */
	case 0x6e6f76: return 11;       /* nov */
	case 0x646563: return 12;       /* dec */
	default: return 0;
	}
}

/*
 * " YYYY" followed by SP or the end: a year written after the time.  Not
 * before ':', which is an IPv6 HOSTNAME ("2001:db8::1").
 */
static bool
year_follows(const uint8_t *s, size_t i, size_t n, int *year)
{
	if (i + 5 > n || s[i] != ' ' || (*year = four_digits(s, i + 1)) < 0)
		return false;
	return i + 5 == n || s[i + 5] == ' ';
}

/*
 * Zone abbreviations accepted after a BSD time, packed lower-case.  Only
 * the first ones carry an offset; the rest are consumed (so they do not
 * become the HOSTNAME) but leave the time read as UTC: CST, IST and BST
 * each name several zones.
 */
static const struct {
	uint32_t name;
	int16_t off_min;
	bool known;
} zones[] = {
	{ 0x757463, 0, true },          /* utc */
	{ 0x676d74, 0, true },          /* gmt */
	{ 0x6a7374, 540, true },        /* jst */
	{ 0x6b7374, 540, true },        /* kst */
	{ 0x657374, 0, false }, { 0x656474, 0, false },     /* est edt */
	{ 0x637374, 0, false }, { 0x636474, 0, false },     /* cst cdt */
	{ 0x6d7374, 0, false }, { 0x6d6474, 0, false },     /* mst mdt */
	{ 0x707374, 0, false }, { 0x706474, 0, false },     /* pst pdt */
	{ 0x636574, 0, false }, { 0x63657374, 0, false },   /* cet cest */
	{ 0x656574, 0, false }, { 0x65657374, 0, false },   /* eet eest */
	{ 0x687374, 0, false }, { 0x697374, 0, false },     /* hst ist */
	{ 0x627374, 0, false }, { 0x61657374, 0, false },   /* bst aest */
};

/*
 * A zone name after a BSD time: " UTC", " JST:" (Cisco "show-timezone"),
 * " CST 1987" (RFC 3164 §5.4 example 3).  Names from the table above are
 * taken; an unknown upper-case name only when a year follows.  Anything
 * else ("robin:") is left for the HOSTNAME/TAG readers.
 * @return index past the name, or i when there is none.
 */
static size_t
read_zone_name(const uint8_t *s, size_t i, size_t n, struct tm_wire *t)
{
	size_t a = i + 1, e = a, z;
	uint32_t k = 0;
	bool upper = true;
	int y;

	if (i >= n || s[i] != ' ')
		return i;
	while (e < n && e - a < 5 && is_alpha(s[e])) {
		upper = upper && s[e] <= 'Z';
		k = k << 8 | (s[e] | 0x20);
		e++;
	}
	if (e - a < 3 || (e < n && s[e] != ' ' && s[e] != ':'))
		return i;
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		if (zones[z].name != k)
			continue;
		if (zones[z].known) {
			t->tz_given = true;
			t->tz_min = zones[z].off_min;
		}
		return e;
	}
	if (upper && year_follows(s, e, n, &y))
		return e;
	return i;
}

/*
 * BSD timestamp: "Mmm dd hh:mm:ss" with the real-world extras: any-case
 * month, 1 or 2 spaces before a 1- or 2-digit day, a year before the time
 * (Cisco ASA "Aug 06 2016 20:39:42") or after it, a fraction (Cisco
 * "18:46:11.123"), a zone name.
 */
static size_t
read_bsd(const uint8_t *s, size_t i, size_t n, struct tm_wire *t)
{
	size_t j;
	int y;

	if (i + 3 > n)
		return 0;
	if ((t->mon = month_of(s + i)) == 0)
		return 0;
	t->year = -1;
	t->frac_ns = 0;
	t->tz_min = 0;
	t->tz_given = false;
	t->strict = false;
	j = i + 3;
	if (j >= n || s[j] != ' ')
		return 0;
	j = skip_sp(s, j, n);
	if (j >= n || !is_digit(s[j]))
		return 0;
	t->mday = s[j++] - '0';
	if (j < n && is_digit(s[j]))
		t->mday = t->mday * 10 + (s[j++] - '0');
	if (j >= n || s[j] != ' ')
		return 0;
	j++;
	if (j + 5 <= n && s[j + 4] == ' ' && (y = four_digits(s, j)) >= 0) {
		t->year = y;
		j += 5;
	}
	if (!read_hms(s, j, n, t))
		return 0;
	j = read_frac(s, j + 8, n, t, 9);
	j = read_zone_name(s, j, n, t);
	if (t->year < 0 && year_follows(s, j, n, &y)) {
		t->year = y;
		j += 5;
	}
	if (j < n && s[j] != ' ' && s[j] != ':')
		return 0;
	return j;
}

/* "YYYY Mmm dd hh:mm:ss" (NX-OS, RFC 3164 §5.4 example 4). */
static size_t
read_year_first(const uint8_t *s, size_t i, size_t n, struct tm_wire *t)
{
	int y;
	size_t j;

	if (i + 5 > n || s[i + 4] != ' ' || (y = four_digits(s, i)) < 0)
		return 0;
	j = read_bsd(s, i + 5, n, t);
	if (j == 0 || t->year >= 0)
		return 0;
	t->year = y;
	return j;
}

/*
 * A timestamp in a BSD header, after optional spaces and Cisco's clock
 * state mark ('*' unsynchronised, '.' sync lost).  *a receives where the
 * timestamp proper starts.  @return index past it, or 0.
 */
static size_t
read_header_ts(const uint8_t *s, size_t i, size_t n, struct tm_wire *t,
	       size_t *a)
{
	size_t j, e;

	j = skip_sp(s, i, n);
	if (j + 1 < n && (s[j] == '*' || s[j] == '.') && is_alpha(s[j + 1]))
		j++;
	if (j >= n)
		return 0;
	*a = j;
	if (is_alpha(s[j]))
		return read_bsd(s, j, n, t);
	if (!is_digit(s[j]))
		return 0;
	if ((e = read_iso(s, j, n, t)) != 0) {
		if (e < n && s[e] != ' ' && s[e] != ':')
			return 0;
		return e;
	}
	return read_year_first(s, j, n, t);
}

/* ---------------------------------------------------------------------
 * Encoding.
 */

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * High bit set in each byte lane that is < 0x20 or == 0x7f, and (high) >=
 * 0x80.  The "has less than" and "has zero" tricks can over-report lanes
 * above a true hit (borrows), never under-report, and never flag a lane
 * below the first true one.
 */
static inline uint64_t
word_special(uint64_t v, bool high)
{
	uint64_t lt = (v - ONES * 0x20) & ~v;
	uint64_t d = v ^ (ONES * 0x7f);

	return (lt | ((d - ONES) & ~d) | (high ? v : 0)) & HIGHS;
}

/*
 * End of a BSD word that has only HOSTNAME bytes, from i: the first byte
 * that is not one (SP included), or n.  *any gets the C_DIGIT/C_ALPHA/
 * C_COLON classes seen.
 */
static inline size_t
host_run(const uint8_t *s, size_t i, size_t n, unsigned *any)
{
	unsigned a = 0, x;

#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i v = load16(s + i), lower = _mm_or_si128(v,
				_mm_set1_epi8(0x20));
		__m128i dig = in_range(v, '0', '9');
		__m128i alpha = in_range(lower, 'a', 'z');
		__m128i col = eq8(v, ':');
		__m128i ok = _mm_or_si128(_mm_or_si128(dig, alpha),
			_mm_or_si128(_mm_or_si128(eq8(v, '.'), eq8(v, '-')),
				     _mm_or_si128(eq8(v, '_'), col)));
		unsigned bad, pre;

		ok = _mm_or_si128(ok, _mm_or_si128(
			_mm_or_si128(eq8(v, '/'), eq8(v, '@')),
			_mm_or_si128(eq8(v, '%'),
				     _mm_cmplt_epi8(v, _mm_setzero_si128()))));
		bad = ~(unsigned)_mm_movemask_epi8(ok) & 0xffff;
		pre = bad ? (1u << __builtin_ctz(bad)) - 1 : 0xffff;
		if ((unsigned)_mm_movemask_epi8(_mm_or_si128(dig, alpha)) & pre)
			a |= C_DIGIT;
		if ((unsigned)_mm_movemask_epi8(col) & pre)
			a |= C_COLON;
		if (bad) {
			*any = a;
			return i + (unsigned)__builtin_ctz(bad);
		}
		i += 16;
	}
#endif
	for (; i < n && ((x = cls[s[i]]) & C_HOST); i++)
		a |= x;
	*any = a;
	return i;
}

/* End of a BSD TAG name from i (bytes of class C_TAG), at most lim. */
static inline size_t
tag_run(const uint8_t *s, size_t i, size_t lim)
{
#ifdef __SSE2__
	while (i + 16 <= lim) {
		__m128i v = load16(s + i);
		/* not a TAG byte: 0x00..0x20, ':', '[', ']', DEL */
		__m128i bad = _mm_or_si128(
			in_range(v, 0x00, 0x20),
			_mm_or_si128(_mm_or_si128(eq8(v, ':'), eq8(v, '[')),
				     _mm_or_si128(eq8(v, ']'), eq8(v, 0x7f))));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);

		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < lim && (cls[s[i]] & C_TAG))
		i++;
	return i;
}

/*
 * End of a run of RFC 5424 PRINTUSASCII bytes (33..126) from i: the first
 * other byte (SP ends a header field), or n.  sdname: also stop at '=',
 * ']' and '"' (SD-NAME).
 */
static inline size_t
print_run(const uint8_t *s, size_t i, size_t n, bool sdname)
{
#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i v = load16(s + i);
		__m128i bad = _mm_xor_si128(in_range(v, 0x21, 0x7e),
					    _mm_set1_epi8(-1));
		unsigned m;

		if (sdname)
			bad = _mm_or_si128(bad, _mm_or_si128(eq8(v, '='),
					_mm_or_si128(eq8(v, ']'),
						     eq8(v, '"'))));
		m = (unsigned)_mm_movemask_epi8(bad);
		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && (cls[s[i]] & (sdname ? C_SDN : C_PRINT)))
		i++;
	return i;
}

/*
 * Next byte of a PARAM-VALUE that needs a look from i: '"', '\', ']', and
 * with sjis any byte >= 0x80 (a lead byte whose trail may be '\' or ']').
 */
static inline size_t
value_run(const uint8_t *s, size_t i, size_t n, bool sjis)
{
#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i v = load16(s + i);
		__m128i hit = _mm_or_si128(eq8(v, '"'),
				_mm_or_si128(eq8(v, '\\'), eq8(v, ']')));
		unsigned m;

		if (sjis)
			hit = _mm_or_si128(hit, _mm_cmplt_epi8(v,
						_mm_setzero_si128()));
		m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && s[i] != '"' && s[i] != '\\' && s[i] != ']' &&
	       !(sjis && s[i] >= 0x80))
		i++;
	return i;
}

/*
 * Length of the well-formed UTF-8 sequence at s[i] (lead >= 0x80), per
 * Unicode Table 3-7 (no overlongs, surrogates or > U+10FFFF).
 * @return length, 0 when ill-formed, -1 when well-formed so far but cut by
 *         the end of the buffer.
 */
static int
utf8_seq(const uint8_t *s, size_t i, size_t n)
{
	uint8_t c = s[i], lo = 0x80, hi = 0xbf;
	int len, k;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (k = 1; k < len; k++) {
		if (i + (size_t)k >= n)
			return -1;
		c = s[i + (size_t)k];
		if (c < lo || c > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

int
sc_utf8_seq(const uint8_t *s, size_t i, size_t n)
{
	return utf8_seq(s, i, n);
}

static bool
utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	int l;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((l = utf8_seq(s, i, n)) <= 0)
			return false;
		i += (size_t)l;
	}
	return true;
}

/*
 * Offset of the first byte in s[i..n) that is not printable ASCII (< 0x20,
 * DEL or >= 0x80), or n.  high == false: bytes >= 0x80 do not stop it
 * (once the text is known not to be UTF-8 only controls matter).  16 or 32
 * bytes a step with SSE2, else 8 with the SWAR tests; the tail is the last
 * 8 bytes shifted (or, below 8 bytes, a padded copy), so nothing past n is
 * ever read.
 */
static inline __attribute__((always_inline)) size_t
skip_plain(const uint8_t *s, size_t i, size_t n, bool high)
{
	uint64_t v, w;
	uint8_t pad[8];

#ifdef __SSE2__
	/*
	 * x + 0x60 maps printable ASCII 0x20..0x7e to -128..-34 (signed) and
	 * every other byte above -34: one add and one compare per 16 bytes.
	 */
	const __m128i bias = _mm_set1_epi8(0x60), lim = _mm_set1_epi8(-34);
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i neg1 = _mm_set1_epi8(-1);
	__m128i x, y;
	unsigned m;

	if (high) {
		while (i + 32 <= n) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i));
			y = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i + 16));
			x = _mm_or_si128(
				_mm_cmpgt_epi8(_mm_add_epi8(x, bias), lim),
				_mm_cmpgt_epi8(_mm_add_epi8(y, bias), lim));
			if (_mm_movemask_epi8(x) != 0)
				break;
			i += 32;
		}
		while (i + 16 <= n) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i));
			m = (unsigned)_mm_movemask_epi8(
				_mm_cmpgt_epi8(_mm_add_epi8(x, bias), lim));
			if (m != 0)
				return i + (unsigned)__builtin_ctz(m);
			i += 16;
		}
	} else {
		/* controls and DEL only: < 0x20 and >= 0 (signed) */
		while (i + 16 <= n) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
					    (s + i));
			y = _mm_and_si128(_mm_cmplt_epi8(x, sp),
					  _mm_cmpgt_epi8(x, neg1));
			m = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(y, _mm_cmpeq_epi8(x, del)));
			if (m != 0)
				return i + (unsigned)__builtin_ctz(m);
			i += 16;
		}
	}
#endif
	for (;;) {
		if (i + 8 <= n) {
			v = load64(s + i);
		} else if (i < n && n >= 8) {
			/* last 8 bytes, shifted so lane 0 is s[i]; the lanes
			 * shifted in are filled with 'a' */
			unsigned sh = (unsigned)(8 - (n - i)) * 8;

			v = load64(s + n - 8) >> sh |
			    (ONES * 'a') << (64 - sh);
		} else if (i < n) {
			memset(pad, 'a', sizeof(pad));
			memcpy(pad, s + i, n - i);
			v = load64(pad);
		} else {
			return n;
		}
		w = word_special(v, high);
		if (w != 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* the lowest flagged byte is exact (borrows only
			 * run towards higher bytes) */
			i += (unsigned)__builtin_ctzll(w) / 8;
#endif
			return i < n ? i : n;
		}
		i += 8;
	}
}

static inline bool
sjis_lead(uint8_t c)
{
	return (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
}

/*
 * Shift_JIS as Japanese appliances send it (CP932 ranges): lead 81-9F or
 * E0-FC with trail 40-7E/80-FC, or a half-width katakana A1-DF.  A lead
 * byte as the very last byte is accepted: a sender cut the datagram.
 */
static bool
sjis_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	uint8_t c, t;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i = skip_plain(s, i + 1, n, true);  /* ASCII run */
			continue;
		}
		if (c >= 0xa1 && c <= 0xdf) {
			i++;
			continue;
		}
		if (!sjis_lead(c))
			return false;
		if (i + 1 >= n)
			return true;
		t = s[i + 1];
		if (t < 0x40 || t == 0x7f || t > 0xfc)
			return false;
		i += 2;
	}
	return true;
}

/*
 * One pass over the message: NUL and control flags, and the charset.
 * Valid UTF-8 cut inside its last character still counts as UTF-8 (with
 * SC_SL_BAD_UTF8): a sender truncating a datagram at a byte limit must not
 * turn Japanese UTF-8 into "Shift_JIS", which it would often also parse as.
 */
static int
scan_bytes(const uint8_t *s, size_t n, unsigned *flags)
{
	size_t i = 0;
	unsigned fl = 0;
	bool high = false, utf8_ok = true, cut = false;
	int l;
	uint8_t c;

	while ((i = skip_plain(s, i, n, utf8_ok)) < n) {
		c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			i++;                    /* big-endian SWAR: word start */
			continue;
		}
		if (c < 0x80) {
			if (c == 0)
				fl |= SC_SL_NUL;
			else if (c != '\t')
				fl |= SC_SL_CTRL;
			i++;
			continue;
		}
		high = true;
		/* A run of multibyte characters (Japanese text): stay here,
		 * with a fast path for the 3-byte sequences of CJK. */
		do {
			c = s[i];
			if ((c & 0xf0) == 0xe0 && i + 2 < n &&
			    (s[i + 1] & 0xc0) == 0x80 &&
			    (s[i + 2] & 0xc0) == 0x80 &&
			    (c != 0xe0 || s[i + 1] >= 0xa0) &&
			    (c != 0xed || s[i + 1] < 0xa0)) {
				i += 3;
				continue;
			}
			l = utf8_seq(s, i, n);
			if (l <= 0) {
				utf8_ok = false;
				cut = l < 0;
				i++;
				break;
			}
			i += (size_t)l;
		} while (i < n && s[i] >= 0x80);
	}
	if (!high) {
		*flags |= fl;
		return SC_CHARSET_ASCII;
	}
	if (utf8_ok) {
		*flags |= fl;
		return SC_CHARSET_UTF8;
	}
	fl |= SC_SL_BAD_UTF8;
	*flags |= fl;
	if (cut)
		return SC_CHARSET_UTF8;
	if (sjis_valid(s, n)) {
		*flags |= SC_SL_SJIS;
		return SC_CHARSET_SJIS;
	}
	return SC_CHARSET_BINARY;
}

int
sc_syslog_charset(const uint8_t *p, size_t len)
{
	unsigned fl = 0;

	return scan_bytes(p, len, &fl);
}

/* ---------------------------------------------------------------------
 * Field helpers.
 */

static inline void
span_set(struct sc_syslog *out, enum sc_syslog_field f, size_t a, size_t b)
{
	out->field[f].off = (uint32_t)a;
	out->field[f].len = (uint32_t)(b - a);
}

/* "<n>" at byte 0.  @return index past '>', or 0 when there is no PRI. */
static size_t
read_pri(const uint8_t *s, size_t n, struct sc_syslog *out, unsigned *fl)
{
	size_t i = 1;
	int v = 0;

	if (n < 2 || s[0] != '<')
		return 0;
	/* Fast path: "<d>", "<dd>", "<ddd>" without a leading zero. */
	if (n > 2 && is_digit(s[1]) && s[1] != '0') {
		v = s[1] - '0';
		if (s[2] == '>') {
			i = 2;
			goto good;
		}
		if (n > 3 && is_digit(s[2])) {
			v = v * 10 + (s[2] - '0');
			if (s[3] == '>') {
				i = 3;
				goto good;
			}
			if (n > 4 && is_digit(s[3]) && s[4] == '>') {
				v = v * 10 + (s[3] - '0');
				if (v <= 191) {
					i = 4;
					goto good;
				}
			}
		}
		v = 0;
	}
	/* Up to 10 digits is still "a PRI, but bad" (<19000021>); anything
	 * else ('<' + text, "<test/>") is not a PRI at all. */
	while (i < n && i <= 11 && is_digit(s[i])) {
		if (v < 1000)
			v = v * 10 + (s[i] - '0');
		i++;
	}
	if (i >= n || s[i] != '>' || i > 11)
		return 0;
	span_set(out, SC_F_PRI, 0, i + 1);
	if (i == 1 || v > 191 || (s[1] == '0' && i > 2)) {
		*fl |= SC_SL_BAD_PRI;   /* "<>", "<192>", "<002>" */
		return i + 1;
	}
good:
	span_set(out, SC_F_PRI, 0, i + 1);
	out->pri = (int16_t)v;
	return i + 1;
}

/* ---------------------------------------------------------------------
 * RFC 5424.
 */

/*
 * STRUCTURED-DATA from s[i] == '['.  Structural faults raise SC_SL_BAD_SD
 * and resynchronise at the element's closing ']' so a single bad parameter
 * does not swallow the message; a message cut inside SD has SD up to its
 * end.  Inside PARAM-VALUE a Shift_JIS message is read pairwise: its trail
 * bytes include '\' (0x5C) and ']' (0x5D), which must not be taken as an
 * escape or a bracket.
 * @return index past the last element.
 */
static size_t
read_sd(const uint8_t *s, size_t i, size_t n, bool sjis, unsigned *fl)
{
	uint32_t id_off[SD_IDS_MAX];
	uint8_t id_len[SD_IDS_MAX];
	const uint8_t *rb;
	unsigned nids = 0, k;
	size_t e, a;
	bool ok;
	uint8_t c;

	while (i < n && s[i] == '[') {
		a = i + 1;
		e = print_run(s, a, n, true);
		ok = e > a && e - a <= SDNAME_MAX;
		if (ok) {
			for (k = 0; k < nids; k++)
				if (id_len[k] == e - a &&
				    memcmp(s + id_off[k], s + a, e - a) == 0)
					break;
			if (k < nids)
				*fl |= SC_SL_BAD_SD;    /* duplicate SD-ID */
			else if (nids < SD_IDS_MAX) {
				id_off[nids] = (uint32_t)a;
				id_len[nids++] = (uint8_t)(e - a);
			}
		}
		while (ok) {
			if (e >= n)
				goto cut;
			if (s[e] == ']') {
				e++;
				break;
			}
			if (s[e] != ' ') {
				ok = false;
				break;
			}
			a = ++e;
			e = print_run(s, a, n, true);
			if (e == a || e - a > SDNAME_MAX || e >= n ||
			    s[e] != '=') {
				ok = false;
				break;
			}
			e++;
			if (e >= n || s[e] != '"') {
				ok = false;             /* unquoted, "= \"" */
				break;
			}
			for (e++;; ) {
				e = value_run(s, e, n, sjis);
				if (e >= n)
					goto cut;
				c = s[e];
				if (c == '"') {
					e++;
					break;
				}
				if (c == '\\') {
					if (e + 1 >= n)
						goto cut;
					c = s[e + 1];
					/* RFC 5424 §6.3.3: any other escape
					 * is invalid, read as two chars. */
					if (c != '"' && c != '\\' && c != ']')
						*fl |= SC_SL_BAD_SD;
					e += 2;
					continue;
				}
				if (c == ']')
					*fl |= SC_SL_BAD_SD;    /* unescaped */
				if (sjis && sjis_lead(c) && e + 1 < n &&
				    s[e + 1] >= 0x40)
					e++;
				e++;
			}
		}
		if (!ok) {
			*fl |= SC_SL_BAD_SD;
			rb = memchr(s + e, ']', n - e);
			if (rb == NULL)
				return n;
			e = (size_t)(rb - s) + 1;
		}
		i = e;
	}
	return i;
cut:
	*fl |= SC_SL_BAD_SD;
	return n;
}

/*
 * RFC 5424 after "PRI VERSION SP", from i.  Header fields are single-SP
 * separated; a run of spaces or a missing field is read leniently and
 * marked SC_SL_NONCOMPLIANT.
 */
static void
parse_5424(const uint8_t *s, size_t n, size_t i, unsigned charset,
	   struct sc_syslog *out, unsigned *fl)
{
	static const uint16_t maxlen[SC_F_MSGID + 1] = {
		[SC_F_HOSTNAME] = HOSTNAME_MAX,
		[SC_F_APPNAME] = APPNAME_MAX, [SC_F_PROCID] = PROCID_MAX,
		[SC_F_MSGID] = MSGID_MAX,
	};
	unsigned f, nc = 0;
	size_t a, b, e;
	struct tm_wire t;
	int64_t ns;

	for (f = SC_F_TIMESTAMP; f <= SC_F_MSGID; f++) {
		if (i < n && s[i] == ' ') {
			nc = 1;                 /* "-  host": extra SP */
			i = skip_sp(s, i, n);
		}
		if (i >= n) {
			nc = 1;                 /* header cut short */
			if (f == SC_F_TIMESTAMP)
				*fl |= SC_SL_NO_TIMESTAMP;
			else if (f == SC_F_HOSTNAME)
				*fl |= SC_SL_NO_HOSTNAME;
			continue;
		}
		/* One pass: the PRINTUSASCII run normally ends at the SP. */
		a = i;
		b = print_run(s, a, n, false);
		if (b < n && s[b] != ' ') {
			nc = 1;                 /* charset (8-bit, control) */
			b = token_end(s, b, n);
		}
		i = b < n ? b + 1 : n;
		if (b - a == 1 && s[a] == '-') {
			out->field[f].off = (uint32_t)a;    /* NIL */
			if (f == SC_F_TIMESTAMP)
				*fl |= SC_SL_NO_TIMESTAMP;
			else if (f == SC_F_HOSTNAME)
				*fl |= SC_SL_NO_HOSTNAME;
			continue;
		}
		span_set(out, f, a, b);
		if (f == SC_F_TIMESTAMP) {
			e = read_iso(s, a, b, &t);
			if (e != b || !wire_resolve(&t, 0, &ns)) {
				*fl |= SC_SL_BAD_TIMESTAMP;
				continue;
			}
			nc |= !t.strict;
			out->ts_ns = ns;
			out->ts_tz_min = t.tz_min;
			continue;
		}
		if (b - a > maxlen[f])
			nc = 1;                 /* length */
	}

	/* STRUCTURED-DATA: NIL or elements, then SP MSG. */
	if (i < n && s[i] == ' ') {
		nc = 1;
		i = skip_sp(s, i, n);
	}
	if (i >= n) {
		nc = 1;                         /* SD missing */
		out->field[SC_F_SD].off = (uint32_t)n;
		out->field[SC_F_MSG].off = (uint32_t)n;
		goto done;
	}
	a = i;
	if (s[i] == '-' && (i + 1 == n || s[i + 1] == ' ')) {
		out->field[SC_F_SD].off = (uint32_t)i;
		i++;
	} else if (s[i] == '[') {
		i = read_sd(s, i, n, charset == SC_CHARSET_SJIS, fl);
		span_set(out, SC_F_SD, a, i);
		if ((*fl & SC_SL_BAD_UTF8) && !utf8_valid(s + a, i - a))
			nc = 1;                 /* PARAM-VALUE is UTF-8 */
	} else {
		/* Neither NIL nor '[': no SD; the rest is MSG as sent. */
		*fl |= SC_SL_BAD_SD;
		out->field[SC_F_SD].off = (uint32_t)i;
		span_set(out, SC_F_MSG, i, n);
		goto msg;
	}
	if (i < n) {
		if (s[i] == ' ')
			i++;
		else
			nc = 1;                 /* "[x]text": SP missing */
	}
	span_set(out, SC_F_MSG, i, n);
msg:
	if (n - out->field[SC_F_MSG].off >= 3 &&
	    memcmp(s + out->field[SC_F_MSG].off, "\xef\xbb\xbf", 3) == 0) {
		*fl |= SC_SL_BOM;
		/* §6.4: after a BOM, MSG MUST be UTF-8. */
		if ((*fl & SC_SL_BAD_UTF8) &&
		    !utf8_valid(s + out->field[SC_F_MSG].off,
				n - out->field[SC_F_MSG].off))
			nc = 1;
	}
done:
	if (nc)
		*fl |= SC_SL_NONCOMPLIANT;
}

/* ---------------------------------------------------------------------
 * BSD syslog (RFC 3164) and what devices send instead.
 */

/*
 * A BSD TAG at i: "name", "name:", "name[pid]", "name[pid]:", or "name"
 * followed by a TAB (Snare/NXLog "MSWinEventLog\t...").  A bare word
 * followed by SP is not taken: "host Use the BFG!" is MSG text (RFC 3164
 * §5.4, go-syslog), and nothing is lost by leaving it in MSG.
 * @param need_colon  only "...:" forms (no header before: Yamaha RTX sends
 *                    "PP[01] Rejected ..." which is text, not a tag)
 * @return true and fills APPNAME/PROCID/MSG when it is a tag.
 */
static bool
read_tag(const uint8_t *s, size_t i, size_t n, bool need_colon,
	 struct sc_syslog *out)
{
	size_t j = i, pa = 0, pb = 0, lim, ne;
	bool colon = false;

	lim = n - i > TAG_MAX ? i + TAG_MAX : n;
	j = tag_run(s, i, lim);
	if (j == i || (j == lim && lim < n))
		return false;
	if (j < n && s[j] == '[') {
		pa = j + 1;
		pb = pa;
		while (pb < n && pb - pa < PROCID_MAX && (cls[s[pb]] & C_TAG))
			pb++;
		if (pb == pa || pb >= n || s[pb] != ']')
			return false;
	}
	ne = j;
	if (pa)
		j = pb + 1;
	if (j < n && s[j] == ':') {
		colon = true;
		j++;
	}
	if (j < n && (s[j] == ' ' || s[j] == '\t')) {
		if (!colon && !pa && s[j] != '\t')
			return false;
		j++;
	} else if (j < n && !colon) {
		return false;                   /* "name]x", "name[1]x" */
	}
	if (need_colon && !colon)
		return false;
	if (!colon && !pa && j >= n)
		return false;                   /* bare word at the end */
	/* Spans are written only now: a failed attempt leaves none. */
	span_set(out, SC_F_APPNAME, i, ne);
	if (pa)
		span_set(out, SC_F_PROCID, pa, pb);
	span_set(out, SC_F_MSG, j, n);
	return true;
}

/*
 * A BSD HOSTNAME: name, IPv4, IPv6 (':', '%' zone), and the slashes and '@'
 * relays write (rsyslog's tests).  At least one letter or digit, so that
 * "--" of "-- MARK --" is not a host.
 */
static bool
hostname_ok(const uint8_t *s, size_t a, size_t b)
{
	unsigned any = 0, all = C_HOST;

	if (b - a > HOSTNAME_MAX)
		return false;
	for (; a < b; a++) {
		any |= cls[s[a]];
		all &= cls[s[a]];
	}
	return all && (any & (C_DIGIT | C_ALPHA));
}

/*
 * An IPv6 address as HOSTNAME ("2001:db8::1", "fe80::1%eth0"): two or more
 * colons and hex digits, so that "2001:" is not read as a TAG.
 */
static bool
looks_ipv6(const uint8_t *s, size_t a, size_t b)
{
	unsigned colons = 0;

	for (; a < b && s[a] != '%'; a++) {
		if (s[a] == ':')
			colons++;
		else if (!is_digit(s[a]) && s[a] != '.' &&
			 (uint8_t)((s[a] | 0x20) - 'a') >= 6)
			return false;
	}
	return colons >= 2;
}

/* Cisco "NNN: " sequence number.  @return index past it, or 0. */
static size_t
read_cisco_seq(const uint8_t *s, size_t i, size_t n)
{
	size_t j = i;

	while (j < n && j - i < 11 && is_digit(s[j]))
		j++;
	if (j == i || j - i > 10 || j + 1 >= n || s[j] != ':' ||
	    s[j + 1] != ' ')
		return 0;
	return j + 2;
}

/*
 * BSD header from i (just after PRI, or 0).  Order: [Cisco seq] [origin
 * host ':'] [timestamp [':']] [HOSTNAME] [TAG] MSG.  Without a timestamp
 * there is no HOSTNAME either (it cannot be told from text), and only a
 * "tag:" is split off: "<189>[INSPECT] ..." (Yamaha RTX) and
 * "<189>date=... time=..." (FortiGate) stay whole in MSG.
 * @return true when a timestamp was found.
 */
static bool
parse_bsd(const uint8_t *s, size_t n, size_t i, int64_t rx_ns,
	  struct sc_syslog *out, unsigned *fl)
{
	struct tm_wire t;
	size_t j = i, k, e, a = 0, hb;
	bool have_host = false, have_ts;
	int64_t ns;

	if ((k = read_cisco_seq(s, i, n)) != 0) {
		if (read_header_ts(s, k, n, &t, &a) != 0 ||
		    (k < n && s[k] == '%')) {
			*fl |= SC_SL_CISCO_SEQ;
			j = k;
		} else {
			/*
			 * IOS "logging origin-id": "NNN: host: *Mar ...".
			 * The host precedes the timestamp, and spans must
			 * stay in field order, so it is left unattributed
			 * (the record has the source address anyway).
			 */
			hb = token_end(s, k, n);
			if (hb > k + 1 && hb < n && s[hb - 1] == ':' &&
			    hostname_ok(s, k, hb - 1) &&
			    read_header_ts(s, hb + 1, n, &t, &a) != 0) {
				*fl |= SC_SL_CISCO_SEQ;
				have_host = true;
				j = hb + 1;
			}
		}
	}

	e = read_header_ts(s, j, n, &t, &a);
	have_ts = e != 0;
	if (!have_ts) {
		*fl |= SC_SL_NO_TIMESTAMP | SC_SL_NO_HOSTNAME;
		if (!read_tag(s, j, n, true, out))
			span_set(out, SC_F_MSG, j, n);
		return false;
	}
	span_set(out, SC_F_TIMESTAMP, a, e);
	if (wire_resolve(&t, rx_ns, &ns)) {
		out->ts_ns = ns;
		out->ts_tz_min = t.tz_min;
	} else {
		*fl |= SC_SL_BAD_TIMESTAMP;
	}
	j = e;
	if (j < n && s[j] == ':')
		j++;                            /* Cisco "...11.123: %SYS" */
	j = skip_sp(s, j, n);
	if (have_host)
		*fl |= SC_SL_NO_HOSTNAME;       /* origin-id, see above */
	if (j >= n) {
		*fl |= SC_SL_NO_HOSTNAME;
		out->field[SC_F_MSG].off = (uint32_t)n;
		return true;
	}
	if (!have_host) {
		/*
		 * One pass over the first word while it has HOSTNAME bytes
		 * (SP is not one).  Stopped early, or with a ':', it may be a
		 * TAG ("robin:", "haproxy[73411]:", "MSWinEventLog<TAB>").
		 */
		unsigned any;
		bool host;

		k = host_run(s, j, n, &any);
		host = (k == n || s[k] == ' ') && k - j <= HOSTNAME_MAX &&
		       (any & (C_DIGIT | C_ALPHA));
		if ((!host || ((any & C_COLON) && !looks_ipv6(s, j, k))) &&
		    read_tag(s, j, n, false, out)) {
			*fl |= SC_SL_NO_HOSTNAME;
			return true;
		}
		if (!host) {
			*fl |= SC_SL_NO_HOSTNAME;
			span_set(out, SC_F_MSG, j, n);
			return true;
		}
		span_set(out, SC_F_HOSTNAME, j, k);
		j = skip_sp(s, k, n);
		/* "HOSTNAME  text": two spaces leave the TAG empty. */
		if (j > k + 1) {
			span_set(out, SC_F_MSG, j, n);
			return true;
		}
	}
	if (j >= n || !read_tag(s, j, n, false, out))
		span_set(out, SC_F_MSG, j < n ? j : n, n);
	return true;
}

/* FortiGate and friends: MSG starts with at least two key=value pairs. */
static bool
looks_kv(const uint8_t *s, size_t i, size_t n)
{
	const uint8_t *q;
	unsigned pairs = 0;
	size_t k;

#ifdef __SSE2__
	/* Text bodies: no '=' before the first SP within 16 bytes. */
	if (i + 16 <= n) {
		__m128i v = load16(s + i);
		unsigned eq = (unsigned)_mm_movemask_epi8(eq8(v, '='));
		unsigned sp = (unsigned)_mm_movemask_epi8(eq8(v, ' '));

		if (eq == 0 || (sp && __builtin_ctz(sp) < __builtin_ctz(eq)))
			return false;
	}
#endif
	for (;;) {
		if (i >= n || !(is_alpha(s[i]) || s[i] == '_'))
			return false;
		for (k = i; k < n && k - i <= 64 && (cls[s[k]] & C_KEY); k++)
			;
		if (k >= n || s[k] != '=')
			return false;
		if (++pairs == 2)
			return true;
		k++;
		if (k < n && s[k] == '"') {
			q = memchr(s + k + 1, '"', n - k - 1);
			if (q == NULL)
				return false;
			k = (size_t)(q - s) + 1;
		} else {
			k = token_end(s, k, n);
		}
		if (k >= n || s[k] != ' ')
			return false;
		i = k + 1;
	}
}

/*
 * Spans of absent fields are empty and placed where the field would have
 * been (after the previous field), so that every span, empty or not, is in
 * wire order: field[f].off + field[f].len <= field[f + 1].off.  The readers
 * set fields in order; this only moves the empty ones still at 0.
 */
static inline void
order_spans(struct sc_syslog *out)
{
	uint32_t cur = 0, o;

#define ORDER_ONE(f) do {                                               \
		o = out->field[f].off;                                  \
		o = o < cur ? cur : o;                                  \
		out->field[f].off = o;                                  \
		cur = o + out->field[f].len;                            \
	} while (0)
	ORDER_ONE(SC_F_PRI);
	ORDER_ONE(SC_F_TIMESTAMP);
	ORDER_ONE(SC_F_HOSTNAME);
	ORDER_ONE(SC_F_APPNAME);
	ORDER_ONE(SC_F_PROCID);
	ORDER_ONE(SC_F_MSGID);
	ORDER_ONE(SC_F_SD);
	ORDER_ONE(SC_F_MSG);
#undef ORDER_ONE
}

/*
 * "VERSION SP" at i, 1-3 digits: RFC 5424.  After a PRI, a NIL or a digit
 * must follow ("<13>1 2003-..."; "<190>1 packets dropped" stays BSD).
 * Without a PRI the whole RFC 5424 TIMESTAMP (or NIL) must follow, since
 * a line starting with a number is common text.
 * @return index of the TIMESTAMP, or 0.
 */
static size_t
read_version(const uint8_t *s, size_t n, size_t i)
{
	struct tm_wire t;
	size_t j = i;

	while (j < n && j - i < 4 && is_digit(s[j]))
		j++;
	if (j == i || j - i > 3 || j + 1 >= n || s[j] != ' ')
		return 0;
	j++;
	if (s[j] == '-')
		return j + 1 == n || s[j + 1] == ' ' ? j : 0;
	if (i != 0)
		return is_digit(s[j]) ? j : 0;
	return read_iso(s, j, n, &t) != 0 ? j : 0;
}

int
sc_syslog_parse(const uint8_t *raw, size_t len, int64_t rx_ns,
		struct sc_syslog *out)
{
	unsigned fl = 0, charset, ver;
	size_t i, j, k;
	int fmt = SC_SYSLOG_RFC3164;

	memset(out, 0, sizeof(*out));
	out->ts_ns = SC_TIME_NONE;
	out->pri = -1;
	/* Spans are 32-bit; no transport delivers 4 GiB in one message. */
	if (unlikely(len > UINT32_MAX))
		len = UINT32_MAX;
	if (unlikely(len == 0)) {
		out->flags = SC_SL_EMPTY | SC_SL_NO_PRI | SC_SL_NO_TIMESTAMP |
			     SC_SL_NO_HOSTNAME;
		return out->format = SC_SYSLOG_UNKNOWN;
	}

	charset = (unsigned)scan_bytes(raw, len, &fl);
	out->charset = (uint8_t)charset;

	i = read_pri(raw, len, out, &fl);
	if (i == 0)
		fl |= SC_SL_NO_PRI;

	if ((j = read_version(raw, len, i)) != 0) {
		for (ver = 0, k = i; k < j - 1; k++)
			ver = ver * 10 + (raw[k] - '0');
		out->version = (uint16_t)ver;
		/* VERSION 1-999 without leading zero; PRI is mandatory. */
		if (ver == 0 || raw[i] == '0' || i == 0)
			fl |= SC_SL_NONCOMPLIANT;
		fmt = SC_SYSLOG_RFC5424;
		parse_5424(raw, len, j, charset, out, &fl);
	} else if (!parse_bsd(raw, len, i, rx_ns, out, &fl) && i == 0 &&
		   !(fl & SC_SL_CISCO_SEQ)) {
		/* No PRI, no timestamp: nothing says this is syslog. */
		fmt = SC_SYSLOG_UNKNOWN;
		memset(out->field, 0, sizeof(out->field));
		span_set(out, SC_F_MSG, 0, len);
	}

	j = out->field[SC_F_MSG].off;
	if (fmt != SC_SYSLOG_RFC5424 && len - j >= 3 &&
	    memcmp(raw + j, "\xef\xbb\xbf", 3) == 0)
		fl |= SC_SL_BOM;
	if (out->field[SC_F_MSG].len && looks_kv(raw, j, len))
		fl |= SC_SL_KV;
	order_spans(out);
	out->flags = (uint16_t)fl;
	out->format = (uint8_t)fmt;
	return fmt;
}

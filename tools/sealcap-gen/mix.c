/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * The hospital syslog mix; see mix.h for what it produces.
 *
 * How one message is made (gen_mix_next_at):
 *   1. a random stream is keyed by (seed, seq), so any seq can be made alone;
 *   2. a class is drawn by its share of messages, then one of its sources;
 *   3. a size target is drawn from a skewed distribution whose mean was
 *      calibrated at create time so that real lengths average --size;
 *   4. the class writes its core message, then realistic optional fields
 *      while it is shorter than the target, then the "seq=N" token where a
 *      non-digit always follows it.
 * Writers never pass buf + GEN_MSG_MAX: targets stop GEN_PAD_SLACK bytes
 * short of it and no core or suffix is that long.
 */
#include "mix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ja.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Room kept above the largest size target for cores and suffixes. */
#define GEN_PAD_SLACK	1024
#define SHAPE_N		1024	/* entries of the size distribution table */
#define NS		1000000000LL
#define JST_NS		(9 * 3600 * NS)
/* Permille of messages made malformed, independent of class. */
#define MALFORMED_PM	15

/* ------------------------------------------------------------------ */
/* Random numbers: SplitMix64 keyed per message.                       */

struct rng {
	uint64_t s;
};

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t
rnd(struct rng *r)
{
	return mix64(r->s += 0x9e3779b97f4a7c15ull);
}

/* Uniform in [0, n) by multiply-shift; the bias (< n / 2^32) is harmless. */
static inline uint32_t
below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * n) >> 32);
}

static inline int
chance(struct rng *r, uint32_t permille)
{
	return below(r, 1000) < permille;
}

/* ------------------------------------------------------------------ */
/* Bounded writer.                                                      */

struct w {
	char *p;
	char *end;
};

static void __attribute__((noinline))
put_slow(struct w *w, const void *s, size_t n)
{
	size_t room = (size_t)(w->end - w->p);

	memcpy(w->p, s, n < room ? n : room);
	w->p += n < room ? n : room;
}

/*
 * The test keeps n unchanged on the fast path, so a constant n (PUTS) lets
 * the compiler inline the copy instead of calling memcpy.
 */
static inline void
put(struct w *w, const void *s, size_t n)
{
	if (likely(n <= (size_t)(w->end - w->p))) {
		memcpy(w->p, s, n);
		w->p += n;
	} else {
		put_slow(w, s, n);
	}
}

/* String literals only: their length is known at compile time. */
#define PUTS(w, lit)	put((w), "" lit, sizeof(lit) - 1)

static inline void
putch(struct w *w, char c)
{
	if (likely(w->p < w->end))
		*w->p++ = c;
}

static inline void
put_str(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

static inline unsigned
ndigits(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

static void
put_u(struct w *w, uint64_t v)
{
	unsigned n = ndigits(v);
	char *q;

	if (unlikely((size_t)(w->end - w->p) < n)) {
		w->p = w->end;  /* only on a writer bug: cores never get here */
		return;
	}
	q = w->p + n;
	w->p = q;
	while (v >= 100) {
		q -= 2;
		memcpy(q, digits2 + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(q - 2, digits2 + v * 2, 2);
	else
		q[-1] = (char)('0' + v);
}

/* Zero-padded to @width digits (at most 20). */
static void
put_u0(struct w *w, uint64_t v, unsigned width)
{
	char tmp[20];

	for (unsigned i = width; i-- > 0;) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	put(w, tmp, width);
}

static inline void
put_2d(struct w *w, unsigned v)
{
	put(w, digits2 + (v % 100) * 2, 2);
}

static void
put_hex(struct w *w, uint64_t v, unsigned ndig, int upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];

	for (unsigned i = ndig; i-- > 0;) {
		tmp[i] = hx[v & 15];
		v >>= 4;
	}
	put(w, tmp, ndig);
}

static void
put_ip4(struct w *w, uint32_t a)
{
	put_u(w, a >> 24);
	putch(w, '.');
	put_u(w, (a >> 16) & 255);
	putch(w, '.');
	put_u(w, (a >> 8) & 255);
	putch(w, '.');
	put_u(w, a & 255);
}

/* 48-bit MAC from the low bits of @m, with separator @sep. */
static void
put_mac(struct w *w, uint64_t m, char sep)
{
	for (int i = 5; i >= 0; i--) {
		put_hex(w, m >> (8 * i), 2, 0);
		if (i)
			putch(w, sep);
	}
}

/* Cisco notation: 0200.5e12.3456 */
static void
put_mac_cisco(struct w *w, uint64_t m)
{
	put_hex(w, m >> 32, 4, 0);
	putch(w, '.');
	put_hex(w, m >> 16, 4, 0);
	putch(w, '.');
	put_hex(w, m, 4, 0);
}

static inline void
put_ja(struct w *w, enum gen_ja id, unsigned enc)
{
	put(w, gen_ja_text[id].s[enc], gen_ja_text[id].len[enc]);
}

static inline size_t
wlen(const struct w *w, const char *start)
{
	return (size_t)(w->p - start);
}

/* The token receivers count: never followed by a digit. */
static inline void
put_seq(struct w *w, uint64_t seq)
{
	PUTS(w, "seq=");
	put_u(w, seq);
}

/* Suffix of free-text formats: " (seq=N)". */
static inline void
put_seq_paren(struct w *w, uint64_t seq)
{
	PUTS(w, " (seq=");
	put_u(w, seq);
	putch(w, ')');
}

/* ------------------------------------------------------------------ */
/* Time.                                                                */

struct tmv {
	int year;
	unsigned mon, day, hour, min, sec; /* mon 1..12 */
	uint32_t nsec;
};

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Civil time of @ns since the epoch (H. Hinnant's days_from_civil inverse). */
static void
civil(int64_t ns, struct tmv *t)
{
	int64_t secs = ns / NS, rem = ns % NS, days, sod, z, era;
	unsigned doe, yoe, doy, mp;

	if (rem < 0) {
		rem += NS;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->day = doy - (153 * mp + 2) / 5 + 1;
	t->mon = mp < 10 ? mp + 3 : mp - 9;
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
	t->hour = (unsigned)(sod / 3600);
	t->min = (unsigned)(sod / 60 % 60);
	t->sec = (unsigned)(sod % 60);
	t->nsec = (uint32_t)rem;
}

static void
put_hms(struct w *w, const struct tmv *t)
{
	put_2d(w, t->hour);
	putch(w, ':');
	put_2d(w, t->min);
	putch(w, ':');
	put_2d(w, t->sec);
}

static void
put_ymd(struct w *w, const struct tmv *t, char sep)
{
	put_u0(w, (uint64_t)t->year, 4);
	putch(w, sep);
	put_2d(w, t->mon);
	putch(w, sep);
	put_2d(w, t->day);
}

/* "Jan  1 09:00:00": RFC 3164, day padded with a space. */
static void
put_bsd(struct w *w, const struct tmv *t)
{
	put(w, months[t->mon - 1], 3);
	putch(w, ' ');
	if (t->day < 10)
		putch(w, ' ');
	put_u(w, t->day);
	putch(w, ' ');
	put_hms(w, t);
}

static void
put_frac(struct w *w, uint32_t nsec, unsigned ndig)
{
	static const uint32_t div[10] = {
		1000000000, 100000000, 10000000, 1000000, 100000, 10000,
		1000, 100, 10, 1 };

	putch(w, '.');
	put_u0(w, nsec / div[ndig], ndig);
}

/* ------------------------------------------------------------------ */
/* The population.                                                      */

/* Per-device details that only the message text needs. */
struct device {
	uint8_t cls;
	uint8_t flavour;        /* vendor/config variant of the class */
	uint8_t ja;             /* 0: never Japanese, 1: UTF-8, 2: Shift_JIS */
	uint8_t utc;            /* clock shows UTC instead of JST */
	uint8_t bom;            /* RFC 5424 MSG starts with a BOM when UTF-8 */
	uint8_t frac;           /* fraction digits of its RFC 5424 timestamps */
	uint8_t host_len;
	uint8_t _pad;
	int32_t skew_ms;        /* clock error */
	uint32_t ord;           /* index among the sources of its class */
	uint32_t pid;
	uint32_t counter;       /* device message counter at start (IOS) */
	uint32_t uptime_s;      /* unsynchronised IOS clock: uptime at start */
	uint32_t serial;
	uint32_t inside;        /* its own inside address, in messages */
	uint64_t mac;           /* its own MAC (BSSID, management port) */
	const char *app;        /* its app-name/tag; NULL if it sends none */
	char host[GEN_HOST_MAX];
};

struct gen_mix {
	struct gen_mix_config cfg;
	uint64_t key;
	uint32_t nsrc;
	uint32_t nclass;                /* classes present */
	uint8_t class_of[GEN_CLASS_COUNT];
	uint32_t class_cum[GEN_CLASS_COUNT];
	uint32_t class_first[GEN_CLASS_COUNT];
	uint32_t class_n[GEN_CLASS_COUNT];
	uint32_t size_base;             /* calibrated mean size target */
	uint32_t size_avg;              /* mean message size it gives */
	uint16_t shape[SHAPE_N];        /* size multipliers, mean 256 */
	uint32_t *members;              /* source indexes grouped by class */
	struct gen_source *src;
	struct device *dev;
};

static const char *const class_names[GEN_CLASS_COUNT] = {
	"ehr", "receipt", "fortigate", "asa", "ios", "rtx", "ap", "switch",
};

/* Share of messages, permille. */
static const uint16_t class_msg_pm[GEN_CLASS_COUNT] = {
	220, 80, 240, 120, 60, 80, 120, 80,
};

/* How many devices of each class a hospital has, relative. */
static const uint8_t class_pop[GEN_CLASS_COUNT] = {
	10, 6, 2, 2, 8, 12, 35, 25,
};

/* Size of a class's messages relative to the mean, in 1/16. */
static const uint8_t class_size16[GEN_CLASS_COUNT] = {
	22, 12, 28, 8, 6, 6, 8, 6,
};

/* The first sources take one class each, most important first. */
static const uint8_t class_first_order[GEN_CLASS_COUNT] = {
	GEN_CLASS_EHR, GEN_CLASS_FORTIGATE, GEN_CLASS_RECEIPT, GEN_CLASS_ASA,
	GEN_CLASS_AP, GEN_CLASS_SWITCH, GEN_CLASS_IOS, GEN_CLASS_RTX,
};

/* VLAN of a class when --vlan does not set one. */
static const uint16_t class_vlan[GEN_CLASS_COUNT] = {
	110, 120, 10, 20, 30, 40, 200, 99,
};

/* TTL as sent: Linux 64, Windows 128, network gear 255. */
static const uint8_t class_ttl[GEN_CLASS_COUNT] = {
	64, 128, 255, 255, 255, 255, 64, 255,
};

/* Permille of devices that send from port 514 rather than an ephemeral one. */
static const uint16_t class_p514_pm[GEN_CLASS_COUNT] = {
	0, 0, 800, 1000, 300, 1000, 200, 600,
};

const char *
gen_class_name(unsigned cls)
{
	return cls < GEN_CLASS_COUNT ? class_names[cls] : "?";
}

/* ------------------------------------------------------------------ */
/* Vocabulary.                                                          */

static const char *const surnames[] = {
	"sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe",
	"yamamoto", "nakamura", "kobayashi", "kato", "yoshida", "yamada",
	"sasaki", "yamaguchi", "matsumoto", "inoue",
};

/* Kanji for the first eight surnames. */
static const uint8_t surname_ja[8] = {
	JA_NAME_SATO, JA_NAME_SUZUKI, JA_NAME_TAKAHASHI, JA_NAME_TANAKA,
	JA_NAME_ITO, JA_NAME_WATANABE, JA_NAME_YAMAMOTO, JA_NAME_NAKAMURA,
};

static const struct {
	const char *prefix, *role;
	uint8_t ja;
} roles[] = {
	{ "dr_", "doctor", JA_ROLE_DOCTOR },
	{ "ns_", "nurse", JA_ROLE_NURSE },
	{ "ph_", "pharmacist", JA_ROLE_PHARM },
	{ "mc_", "clerk", JA_ROLE_CLERK },
	{ "lt_", "labtech", JA_ROLE_LABTECH },
};

static const struct {
	const char *en, *past;
	uint8_t ja;
	uint16_t pm;    /* share, permille, cumulative */
} ehr_actions[] = {
	{ "view", "viewed", JA_ACT_VIEW, 700 },
	{ "edit", "edited", JA_ACT_EDIT, 900 },
	{ "print", "printed", JA_ACT_PRINT, 960 },
	{ "export", "exported", JA_ACT_EXPORT, 1000 },
};

static const struct {
	const char *en;
	uint8_t ja;
} depts[] = {
	{ "internal", JA_DEPT_INTERNAL }, { "surgery", JA_DEPT_SURGERY },
	{ "pediatrics", JA_DEPT_PEDIATRICS }, { "orthopedics", JA_DEPT_ORTHO },
	{ "radiology", JA_DEPT_RADIOLOGY }, { "emergency", JA_DEPT_ER },
};

static const char *const ehr_apps[] = { "EHR", "emr-audit", "hisd" };
static const char *const ehr_modules[] = {
	"chart", "order", "nursing", "pharmacy", "lab", "imaging", "discharge",
};

static const char *const fqdns[] = {
	"www.example.com", "portal.example.org", "cdn.example.net",
	"update.example.com", "mail.example.org", "api.example.net",
	"login.example.com", "files.example.org",
};

/* Filler vocabulary: ordinary log words, none containing "seq". */
static const char *const words[] = {
	"session", "request", "completed", "client", "server", "module",
	"status", "update", "index", "record", "cache", "policy", "rule",
	"interface", "queue", "timeout", "retry", "handler", "service",
	"config", "ok", "pending", "sync", "worker", "batch", "archive",
	"user", "audit", "check", "done", "store", "ward",
};

/* ------------------------------------------------------------------ */
/* Per-message context.                                                 */

struct ctx {
	const struct gen_mix *m;
	const struct device *d;
	struct rng r;
	uint64_t seq;
	uint64_t t_ns;          /* true (nominal) time */
	struct tmv lt;          /* the device's idea of it */
	char *start;
	size_t tgt;             /* size target */
};

static inline size_t
clen(const struct ctx *c, const struct w *w)
{
	return wlen(w, c->start);
}

static inline int
short_of(const struct ctx *c, const struct w *w, size_t reserve)
{
	return clen(c, w) + reserve < c->tgt;
}

static void
put_pri(struct w *w, unsigned fac, unsigned sev)
{
	putch(w, '<');
	put_u(w, fac * 8 + sev);
	putch(w, '>');
}

static void
put_host(struct w *w, const struct device *d)
{
	put(w, d->host, d->host_len);
}

/* An address in the inside networks (RFC 1918). */
static uint32_t
inside_ip(struct rng *r)
{
	return 0x0a000000u | (1 + below(r, 40)) << 16 | below(r, 8) << 8 |
	       (10 + below(r, 240));
}

/* An address outside (documentation ranges). */
static uint32_t
outside_ip(struct rng *r)
{
	static const uint32_t nets[3] = { 0xc0000200u, 0xc6336400u, 0xcb007100u };

	return nets[below(r, 3)] | (1 + below(r, 254));
}

static inline uint32_t
eph_port(struct rng *r)
{
	return 49152 + below(r, 16384);
}

static uint64_t
sta_mac(struct rng *r)
{
	/* Phones randomise their MAC: locally administered, unicast. */
	return (rnd(r) & 0xfcffffffffffull) | 0x020000000000ull;
}

static void
put_patient(struct w *w, struct rng *r)
{
	putch(w, 'P');
	put_u0(w, 1 + below(r, 400000), 8);
}

static void
put_terminal(struct w *w, struct rng *r)
{
	PUTS(w, "WS-");
	put_u(w, 1 + below(r, 9));
	PUTS(w, "F-");
	put_2d(w, 1 + below(r, 40));
}

static void
put_words(struct ctx *c, struct w *w, size_t reserve, char sep)
{
	while (short_of(c, w, reserve)) {
		put_str(w, words[below(&c->r, ARRAY_SIZE(words))]);
		putch(w, sep);
	}
}

/* Free-text filler: " word word ..." up to the target. */
static void
fill_text(struct ctx *c, struct w *w, size_t reserve)
{
	if (!short_of(c, w, reserve + 2))
		return;
	putch(w, ' ');
	put_words(c, w, reserve + 1, ' ');
	w->p--;         /* drop the last separator */
}

/* key=value filler: ` detail="word word ..."`, at least one word. */
static void
fill_kv(struct ctx *c, struct w *w, const char *key, size_t reserve)
{
	if (!short_of(c, w, reserve + 12))
		return;
	putch(w, ' ');
	put_str(w, key);
	PUTS(w, "=\"");
	do {
		put_str(w, words[below(&c->r, ARRAY_SIZE(words))]);
		putch(w, ' ');
	} while (short_of(c, w, reserve + 2));
	w->p[-1] = '"';
}

/* ------------------------------------------------------------------ */
/* Electronic medical record: RFC 5424 with structured data.            */

static void
gen_ehr(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned enc = d->ja ? d->ja - 1u : 0;
	int ja = d->ja && chance(r, 300);
	int login = chance(r, 150);
	unsigned a = 0, x = below(r, 1000), sn, ro, dep = below(r, ARRAY_SIZE(depts));
	unsigned sev;
	int fail = 0;

	while (ehr_actions[a].pm <= x)
		a++;
	if (login) {
		fail = chance(r, 120);
		sev = fail ? 4 : 6;
	} else {
		sev = a >= 2 ? 5 : 6;   /* print and export are notices */
	}
	put_pri(w, 16, sev);
	PUTS(w, "1 ");
	put_ymd(w, &c->lt, '-');
	putch(w, 'T');
	put_hms(w, &c->lt);
	if (d->frac)
		put_frac(w, c->lt.nsec, d->frac);
	if (d->utc)
		putch(w, 'Z');
	else
		PUTS(w, "+09:00");
	putch(w, ' ');
	put_host(w, d);
	putch(w, ' ');
	put_str(w, d->app);
	putch(w, ' ');
	put_u(w, d->pid);
	if (login)
		PUTS(w, " LOGIN [ehr@32473 user=\"");
	else
		PUTS(w, " ACCESS [ehr@32473 user=\"");

	/* The user: role prefix + surname, kept to name them in Japanese. */
	ro = below(r, ARRAY_SIZE(roles));
	sn = below(r, ja ? 8 : ARRAY_SIZE(surnames));
	put_str(w, roles[ro].prefix);
	put_str(w, surnames[sn]);
	PUTS(w, "\"");
	if (!login) {
		PUTS(w, " patient=\"");
		char *pid = w->p;
		put_patient(w, r);
		size_t pid_len = (size_t)(w->p - pid);
		PUTS(w, "\" action=\"");
		put_str(w, ehr_actions[a].en);
		PUTS(w, "\" terminal=\"");
		char *term = w->p;
		put_terminal(w, r);
		size_t term_len = (size_t)(w->p - term);
		putch(w, '"');
		if (ja || chance(r, 500)) {
			PUTS(w, " role=\"");
			if (ja)
				put_ja(w, roles[ro].ja, enc);
			else
				put_str(w, roles[ro].role);
			putch(w, '"');
		}
		PUTS(w, "] ");
		if (ja && enc == GEN_JA_UTF8 && d->bom)
			PUTS(w, "\xef\xbb\xbf");
		if (ja) {
			/* 電子カルテ閲覧 患者ID=P.. 利用者=佐藤 seq=N 端末=WS-.. */
			put_ja(w, JA_EMR, enc);
			put_ja(w, ehr_actions[a].ja, enc);
			putch(w, ' ');
			put_ja(w, JA_PATIENT_ID, enc);
			putch(w, '=');
			put(w, pid, pid_len);
			putch(w, ' ');
			put_ja(w, JA_USER, enc);
			putch(w, '=');
			put_ja(w, surname_ja[sn], enc);
			putch(w, ' ');
			put_seq(w, c->seq);
			putch(w, ' ');
			put_ja(w, JA_TERMINAL, enc);
			putch(w, '=');
			put(w, term, term_len);
			if (short_of(c, w, 0)) {
				putch(w, ' ');
				put_ja(w, JA_DEPT, enc);
				putch(w, '=');
				put_ja(w, depts[dep].ja, enc);
			}
		} else {
			PUTS(w, "record ");
			put_str(w, ehr_actions[a].past);
			PUTS(w, " patient=");
			put(w, pid, pid_len);
			PUTS(w, " module=");
			put_str(w, ehr_modules[below(r, ARRAY_SIZE(ehr_modules))]);
			putch(w, ' ');
			put_seq(w, c->seq);
			PUTS(w, " result=ok");
			if (short_of(c, w, 0)) {
				PUTS(w, " dept=");
				put_str(w, depts[dep].en);
			}
		}
	} else {
		PUTS(w, " terminal=\"");
		put_terminal(w, r);
		put_str(w, fail ? "\" result=\"failure\"] " : "\" result=\"success\"] ");
		put_str(w, fail ? "login failed " : "login ok ");
		put_seq(w, c->seq);
		put_str(w, fail ? " reason=bad-password" : " method=password");
	}

	/* What a verbose EHR audit trail adds, in its order. */
	for (unsigned i = 0; i < 6 && short_of(c, w, 0); i++) {
		switch (i) {
		case 0:
			PUTS(w, " client=");
			put_ip4(w, inside_ip(r));
			break;
		case 1:
			PUTS(w, " session=");
			put_hex(w, rnd(r), 16, 0);
			break;
		case 2:
			PUTS(w, " ward=");
			put_u(w, 1 + below(r, 9));
			PUTS(w, "F-");
			put_str(w, chance(r, 500) ? "East" : "West");
			break;
		case 3:
			PUTS(w, " order=ORD");
			put_u0(w, (uint64_t)c->lt.year * 10000 + c->lt.mon * 100 +
				  c->lt.day, 8);
			putch(w, '-');
			put_u0(w, below(r, 100000), 5);
			break;
		case 4:
			PUTS(w, " records=");
			put_u(w, 1 + below(r, 30));
			break;
		case 5:
			PUTS(w, " duration_ms=");
			put_u(w, 3 + below(r, 900));
			break;
		}
	}
	fill_kv(c, w, "detail", 0);
}

/* ------------------------------------------------------------------ */
/* Receipt/billing system: RFC 3164 logins, Japanese on Japanese boxes. */

static void
gen_receipt(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned enc = d->ja ? d->ja - 1u : 0;
	int ja = d->ja && chance(r, 600);
	unsigned ev = below(r, 100), user = 1 + below(r, 30);
	/* 0 login ok, 1 login failed, 2 logout, 3 claim batch, 4 payment */
	unsigned kind = ev < 45 ? 0 : ev < 58 ? 1 : ev < 83 ? 2 : ev < 88 ? 3 : 4;
	int locked = kind == 1 && chance(r, 150);

	if (kind <= 2)
		put_pri(w, 4, kind == 1 ? 5 : 6);       /* auth */
	else
		put_pri(w, 17, 6);                      /* local1 */
	put_bsd(w, &c->lt);
	putch(w, ' ');
	put_host(w, d);
	putch(w, ' ');
	put_str(w, d->app);
	putch(w, '[');
	put_u(w, d->pid);
	PUTS(w, "]: ");

	if (ja) {
		switch (kind) {
		case 0: put_ja(w, JA_LOGIN_OK, enc); break;
		case 1: put_ja(w, JA_LOGIN_NG, enc); break;
		case 2: put_ja(w, JA_LOGOUT, enc); break;
		case 3: put_ja(w, JA_CLAIM, enc); break;
		default: put_ja(w, JA_PAYMENT, enc); break;
		}
		putch(w, ' ');
		if (kind == 3) {
			put_ja(w, JA_KENSU, enc);
			putch(w, '=');
			put_u(w, 200 + below(r, 4000));
		} else if (kind == 4) {
			put_ja(w, JA_PATIENT_ID, enc);
			putch(w, '=');
			put_patient(w, r);
			putch(w, ' ');
			put_ja(w, JA_AMOUNT, enc);
			putch(w, '=');
			put_u(w, 10 * (30 + below(r, 3000)));
			put_ja(w, JA_YEN, enc);
		} else {
			put_ja(w, JA_RC_USER, enc);
			PUTS(w, "=jimu");
			put_2d(w, user);
		}
		putch(w, ' ');
		put_seq(w, c->seq);
		putch(w, ' ');
		put_ja(w, JA_TERMINAL, enc);
		putch(w, '=');
		put_terminal(w, r);
		if (kind == 1) {
			putch(w, ' ');
			put_ja(w, JA_REASON, enc);
			putch(w, '=');
			put_ja(w, locked ? JA_LOCKED : JA_BAD_PASSWORD, enc);
		}
	} else {
		switch (kind) {
		case 0: PUTS(w, "login succeeded user=jimu"); break;
		case 1: PUTS(w, "login failed user=jimu"); break;
		case 2: PUTS(w, "logout user=jimu"); break;
		case 3: PUTS(w, "claim batch created count="); break;
		default: PUTS(w, "payment posted patient="); break;
		}
		if (kind == 3) {
			put_u(w, 200 + below(r, 4000));
			PUTS(w, " month=");
			put_u0(w, (uint64_t)c->lt.year, 4);
			putch(w, '-');
			put_2d(w, c->lt.mon);
		} else if (kind == 4) {
			put_patient(w, r);
			PUTS(w, " amount=");
			put_u(w, 10 * (30 + below(r, 3000)));
		} else {
			put_2d(w, user);
		}
		putch(w, ' ');
		put_seq(w, c->seq);
		PUTS(w, " terminal=");
		put_terminal(w, r);
		if (kind == 1)
			put_str(w, locked ? " reason=account-locked"
				       : " reason=bad-password");
	}
	for (unsigned i = 0; i < 4 && short_of(c, w, 0); i++) {
		switch (i) {
		case 0:
			PUTS(w, " client=");
			put_ip4(w, inside_ip(r));
			break;
		case 1:
			PUTS(w, " session=");
			put_hex(w, rnd(r), 12, 1);
			break;
		case 2:
			PUTS(w, " app=ReceiptWin ver=8.");
			put_u(w, d->serial % 5);
			putch(w, '.');
			put_u(w, d->serial % 11);
			break;
		case 3:
			PUTS(w, " os=Windows");
			break;
		}
	}
	fill_kv(c, w, "note", 0);
}

/* ------------------------------------------------------------------ */
/* FortiGate: key=value, traffic, event and UTM logs.                   */

static void
fg_addr(struct w *w, const char *key, uint32_t ip, const char *pk,
	uint32_t port)
{
	putch(w, ' ');
	put_str(w, key);
	putch(w, '=');
	put_ip4(w, ip);
	putch(w, ' ');
	put_str(w, pk);
	putch(w, '=');
	put_u(w, port);
}

static void
gen_fortigate(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned ev = below(r, 100);
	/* 0 traffic, 1 admin event, 2 webfilter, 3 virus */
	unsigned kind = ev < 70 ? 0 : ev < 78 ? 1 : ev < 93 ? 2 : 3;
	static const char *const levels[4] = {
		"notice", "information", "warning", "warning" };
	static const uint8_t sevs[4] = { 5, 6, 4, 4 };
	static const char *const logids[4] = {
		"0000000013", "0100032001", "0316013056", "0211008192" };
	uint32_t sip = inside_ip(r), dip = outside_ip(r);
	uint32_t sport = eph_port(r);
	unsigned svc = below(r, 4);
	static const uint16_t svc_port[4] = { 443, 80, 53, 123 };
	static const char *const svc_name[4] = { "HTTPS", "HTTP", "DNS", "NTP" };
	int deny = kind == 0 && chance(r, 200);
	int ja = d->ja && chance(r, 300);
	unsigned fq = below(r, ARRAY_SIZE(fqdns));

	put_pri(w, 23, sevs[kind]);
	PUTS(w, "date=");
	put_ymd(w, &c->lt, '-');
	PUTS(w, " time=");
	put_hms(w, &c->lt);
	PUTS(w, " devname=\"");
	put_host(w, d);
	PUTS(w, "\" devid=\"FGT60FTK");
	put_u0(w, d->serial, 8);
	PUTS(w, "\" eventtime=");
	put_u(w, c->t_ns + (uint64_t)((int64_t)d->skew_ms * 1000000));
	put_str(w, d->utc ? " tz=\"+0000\" logid=\"" : " tz=\"+0900\" logid=\"");
	put_str(w, logids[kind]);
	switch (kind) {
	case 0: PUTS(w, "\" type=\"traffic\" subtype=\"forward\""); break;
	case 1: PUTS(w, "\" type=\"event\" subtype=\"system\""); break;
	case 2: PUTS(w, "\" type=\"utm\" subtype=\"webfilter\" eventtype=\"ftgd_blk\""); break;
	default: PUTS(w, "\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\""); break;
	}
	PUTS(w, " level=\"");
	put_str(w, levels[kind]);
	PUTS(w, "\" vd=\"root\" ");
	put_seq(w, c->seq);

	if (kind == 1) {
		uint32_t admin = 0x0a000005u + below(r, 4);

		PUTS(w, " logdesc=\"Admin login successful\" sn=\"");
		put_u(w, c->t_ns / NS);
		PUTS(w, "\" user=\"admin\" ui=\"https(");
		put_ip4(w, admin);
		PUTS(w, ")\" method=\"https\" srcip=");
		put_ip4(w, admin);
		PUTS(w, " dstip=");
		put_ip4(w, d->inside);
		PUTS(w, " action=\"login\" status=\"success\" reason=\"none\" "
			"profile=\"super_admin\" msg=\"");
		if (ja) {
			put_ja(w, JA_FG_ADMIN, 0);
		} else {
			PUTS(w, "Administrator admin logged in successfully from https(");
			put_ip4(w, admin);
			putch(w, ')');
		}
		putch(w, '"');
		fill_kv(c, w, "reason_detail", 0);
		return;
	}

	fg_addr(w, "srcip", sip, "srcport", sport);
	PUTS(w, " srcintf=\"port");
	put_u(w, 1 + below(r, 4));
	PUTS(w, "\" srcintfrole=\"lan\"");
	fg_addr(w, "dstip", dip, "dstport", svc_port[svc]);
	PUTS(w, " dstintf=\"wan1\" dstintfrole=\"wan\" sessionid=");
	put_u(w, d->serial * 7u + c->seq);
	put_str(w, svc >= 2 ? " proto=17" : " proto=6");
	if (kind == 0) {
		if (deny)
			PUTS(w, " action=\"deny\" policyid=0");
		else if (chance(r, 100))
			PUTS(w, " action=\"timeout\" policyid=5");
		else
			PUTS(w, " action=\"close\" policyid=5");
		if (deny && ja) {
			PUTS(w, " msg=\"");
			put_ja(w, JA_FG_DENY, 0);
			putch(w, '"');
		}
	} else {
		PUTS(w, " policyid=5 service=\"");
		put_str(w, svc_name[svc]);
		PUTS(w, "\" hostname=\"");
		put_str(w, fqdns[fq]);
		put_str(w, kind == 2 ? "\" action=\"blocked\" url=\"https://"
				  : "\" action=\"blocked\" url=\"http://");
		put_str(w, fqdns[fq]);
		put_str(w, kind == 2 ? "/\"" : "/download/eicar.com\"");
		if (kind == 2) {
			PUTS(w, " msg=\"URL belongs to a denied category in policy\""
				" cat=26 catdesc=\"Malicious Websites\"");
		} else {
			PUTS(w, " virus=\"EICAR_TEST_FILE\" dtype=\"Virus\" virusid=2172"
				" filename=\"eicar.com\" msg=\"");
			if (ja)
				put_ja(w, JA_FG_VIRUS, 0);
			else
				PUTS(w, "File is infected.");
			putch(w, '"');
		}
	}

	/* The rest of a full FortiOS traffic log, in its order. */
	for (unsigned i = 0; i < 16 && short_of(c, w, 0); i++) {
		switch (i) {
		case 0:
			PUTS(w, " policytype=\"policy\" poluuid=\"");
			put_hex(w, rnd(r), 8, 0);
			PUTS(w, "-6c3f-51ee-");
			put_hex(w, rnd(r), 4, 0);
			putch(w, '-');
			put_hex(w, rnd(r), 12, 0);
			putch(w, '"');
			break;
		case 1:
			PUTS(w, " policyname=\"LAN-to-WAN\"");
			break;
		case 2:
			PUTS(w, " service=\"");
			put_str(w, svc_name[svc]);
			putch(w, '"');
			break;
		case 3:
			PUTS(w, " srccountry=\"Reserved\" dstcountry=\"Reserved\"");
			break;
		case 4:
			PUTS(w, " trandisp=\"snat\" transip=198.51.100.2 transport=");
			put_u(w, eph_port(r));
			break;
		case 5:
			PUTS(w, " duration=");
			put_u(w, below(r, 600));
			break;
		case 6:
			PUTS(w, " sentbyte=");
			put_u(w, 60 + below(r, 200000));
			PUTS(w, " rcvdbyte=");
			put_u(w, deny ? 0 : 60 + below(r, 2000000));
			break;
		case 7:
			PUTS(w, " sentpkt=");
			put_u(w, 1 + below(r, 400));
			PUTS(w, " rcvdpkt=");
			put_u(w, deny ? 0 : 1 + below(r, 2000));
			break;
		case 8:
			PUTS(w, " appcat=\"unscanned\"");
			break;
		case 9:
			PUTS(w, " srcmac=\"");
			put_mac(w, sta_mac(r), ':');
			putch(w, '"');
			break;
		case 10:
			PUTS(w, " srcserver=0 osname=\"Windows\" devtype=\"Windows PC\"");
			break;
		case 11:
			PUTS(w, " srchwvendor=\"Dell\" srcfamily=\"Computer\"");
			break;
		case 12:
			PUTS(w, " dstosname=\"Linux\" mastersrcmac=\"");
			put_mac(w, sta_mac(r), ':');
			putch(w, '"');
			break;
		case 13:
			PUTS(w, " crscore=");
			put_u(w, 5 * below(r, 10));
			PUTS(w, " craction=");
			put_u(w, 1u << below(r, 20));
			break;
		case 14:
			PUTS(w, " crlevel=\"low\" utmaction=\"allow\"");
			break;
		case 15:
			PUTS(w, " countweb=");
			put_u(w, below(r, 3));
			PUTS(w, " countapp=");
			put_u(w, below(r, 3));
			break;
		}
	}
	fill_kv(c, w, "comment", 0);
}

/* ------------------------------------------------------------------ */
/* Cisco ASA.                                                           */

static void
asa_ep(struct w *w, const char *ifn, uint32_t ip, uint32_t port, int mapped)
{
	put_str(w, ifn);
	putch(w, ':');
	put_ip4(w, ip);
	putch(w, '/');
	put_u(w, port);
	if (mapped) {
		PUTS(w, " (");
		put_ip4(w, ip);
		putch(w, '/');
		put_u(w, port);
		putch(w, ')');
	}
}

static void
gen_asa(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned ev = below(r, 100);
	static const struct {
		const char *id;
		uint8_t sev, upto;
	} ids[] = {
		{ "302013", 6, 30 }, { "302014", 6, 58 }, { "302015", 6, 70 },
		{ "302016", 6, 80 }, { "106023", 4, 90 }, { "305011", 6, 96 },
		{ "113004", 6, 98 }, { "611103", 5, 100 },
	};
	static const char *const reasons[] = {
		"TCP FINs", "TCP Reset-I", "TCP Reset-O", "Conn-timeout",
		"SYN Timeout",
	};
	unsigned k = 0;
	uint32_t in = inside_ip(r), out = outside_ip(r);
	uint32_t eph = eph_port(r);
	uint32_t conn = d->serial + (uint32_t)c->seq * 3u;
	const char *inif = chance(r, 300) ? "dmz" : "inside";

	while (ids[k].upto <= ev)
		k++;
	put_pri(w, 20, ids[k].sev);
	if (d->flavour != 2) {
		put(w, months[c->lt.mon - 1], 3);
		putch(w, ' ');
		put_2d(w, c->lt.day);
		putch(w, ' ');
		put_u0(w, (uint64_t)c->lt.year, 4);
		putch(w, ' ');
		put_hms(w, &c->lt);
		if (d->flavour == 0) {
			putch(w, ' ');
			put_host(w, d);
			PUTS(w, " : ");
		} else {
			PUTS(w, ": ");
		}
	}
	PUTS(w, "%ASA-");
	put_u(w, ids[k].sev);
	putch(w, '-');
	put_str(w, ids[k].id);
	PUTS(w, ": ");
	switch (k) {
	case 0:
	case 2:
		PUTS(w, "Built outbound ");
		put_str(w, k == 0 ? "TCP" : "UDP");
		PUTS(w, " connection ");
		put_u(w, conn);
		PUTS(w, " for outside:");
		put_ip4(w, out);
		putch(w, '/');
		put_u(w, k == 0 ? 443 : 53);
		PUTS(w, " (");
		put_ip4(w, out);
		putch(w, '/');
		put_u(w, k == 0 ? 443 : 53);
		PUTS(w, ") to ");
		asa_ep(w, inif, in, eph, 0);
		PUTS(w, " (198.51.100.2/");
		put_u(w, eph);
		putch(w, ')');
		break;
	case 1:
	case 3:
		PUTS(w, "Teardown ");
		put_str(w, k == 1 ? "TCP" : "UDP");
		PUTS(w, " connection ");
		put_u(w, conn);
		PUTS(w, " for ");
		asa_ep(w, "outside", out, k == 1 ? 443 : 53, 0);
		PUTS(w, " to ");
		asa_ep(w, inif, in, eph, 0);
		PUTS(w, " duration ");
		put_u(w, below(r, 2));
		putch(w, ':');
		put_2d(w, below(r, 60));
		putch(w, ':');
		put_2d(w, below(r, 60));
		PUTS(w, " bytes ");
		put_u(w, below(r, 500000));
		if (k == 1) {
			putch(w, ' ');
			put_str(w, reasons[below(r, ARRAY_SIZE(reasons))]);
		}
		break;
	case 4:
		PUTS(w, "Deny tcp src outside:");
		put_ip4(w, out);
		putch(w, '/');
		put_u(w, eph);
		PUTS(w, " dst ");
		put_str(w, inif);
		putch(w, ':');
		put_ip4(w, in);
		putch(w, '/');
		put_u(w, chance(r, 500) ? 445 : 23);
		PUTS(w, " by access-group \"outside_access_in\" [0x0, 0x0]");
		break;
	case 5:
		PUTS(w, "Built dynamic TCP translation from ");
		asa_ep(w, inif, in, eph, 0);
		PUTS(w, " to outside:198.51.100.2/");
		put_u(w, eph);
		break;
	case 6:
		PUTS(w, "AAA user authentication Successful : server =  10.0.0.20 : user = admin");
		break;
	default:
		PUTS(w, "User logged out: Uname: admin");
		break;
	}
	fill_text(c, w, 9);
	put_seq_paren(w, c->seq);
}

/* ------------------------------------------------------------------ */
/* Cisco IOS routers and Catalyst switches share the header.            */

/*
 * "<189>123: *Mar  1 18:46:11.123: " (clock never set: time since boot on
 * 1 March 1993) or "<189>1234: Jan  1 09:00:00.123 JST: ".  The device's
 * message counter is its base plus seq: it only grows, with gaps, as on a
 * device that numbers buffered messages it does not send to syslog.
 */
static void
ios_header(struct ctx *c, struct w *w, unsigned fac, unsigned sev,
	   int unsynced, int with_host)
{
	const struct device *d = c->d;

	put_pri(w, fac, sev);
	put_u(w, d->counter + c->seq);
	PUTS(w, ": ");
	if (with_host) {
		put_host(w, d);
		PUTS(w, ": ");
	}
	if (unsynced) {
		uint64_t el = (c->t_ns - c->m->cfg.start_ns) / 1000000u +
			      (uint64_t)d->uptime_s * 1000u;
		uint64_t s = el / 1000;

		PUTS(w, "*Mar ");
		if (s / 86400 % 31 < 9)
			putch(w, ' ');
		put_u(w, 1 + s / 86400 % 31);
		putch(w, ' ');
		put_2d(w, (unsigned)(s / 3600 % 24));
		putch(w, ':');
		put_2d(w, (unsigned)(s / 60 % 60));
		putch(w, ':');
		put_2d(w, (unsigned)(s % 60));
		putch(w, '.');
		put_u0(w, el % 1000, 3);
	} else {
		put_bsd(w, &c->lt);
		put_frac(w, c->lt.nsec, 3);
		put_str(w, d->utc ? " UTC" : " JST");
	}
	PUTS(w, ": ");
}

static void
put_ifname(struct w *w, struct rng *r, int sw)
{
	if (sw) {
		PUTS(w, "GigabitEthernet");
		put_u(w, 1 + below(r, 2));
		PUTS(w, "/0/");
	} else {
		PUTS(w, "GigabitEthernet0/");
	}
	put_u(w, (sw ? 1 : 0) + below(r, sw ? 48 : 4));
}

static void
gen_ios(struct ctx *c, struct w *w)
{
	struct rng *r = &c->r;
	unsigned ev = below(r, 100), k;
	int unsynced = c->d->flavour == 0;
	int host = c->d->flavour == 2;

	if (ev < 15) {
		ios_header(c, w, 23, 5, unsynced, host);
		PUTS(w, "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (");
		put_ip4(w, 0x0a000005u + below(r, 4));
		putch(w, ')');
	} else if (ev < 30) {
		int up = chance(r, 500);

		ios_header(c, w, 23, 5, unsynced, host);
		PUTS(w, "%LINEPROTO-5-UPDOWN: Line protocol on Interface ");
		put_ifname(w, r, 0);
		put_str(w, up ? ", changed state to up" : ", changed state to down");
	} else if (ev < 40) {
		int up = chance(r, 500);

		ios_header(c, w, 23, 3, unsynced, host);
		PUTS(w, "%LINK-3-UPDOWN: Interface ");
		put_ifname(w, r, 0);
		put_str(w, up ? ", changed state to up" : ", changed state to down");
	} else if (ev < 50) {
		ios_header(c, w, 23, 5, unsynced, host);
		PUTS(w, "%OSPF-5-ADJCHG: Process 1, Nbr 10.255.0.");
		put_u(w, 1 + below(r, 8));
		PUTS(w, " on GigabitEthernet0/0 from LOADING to FULL, Loading Done");
	} else if (ev < 80) {
		ios_header(c, w, 23, 6, unsynced, host);
		PUTS(w, "%SEC-6-IPACCESSLOGP: list 101 denied tcp ");
		put_ip4(w, outside_ip(r));
		putch(w, '(');
		put_u(w, eph_port(r));
		PUTS(w, ") -> ");
		put_ip4(w, inside_ip(r));
		put_str(w, chance(r, 500) ? "(23), " : "(445), ");
		k = chance(r, 500) ? 1 : 2 + below(r, 20);
		put_u(w, k);
		put_str(w, k == 1 ? " packet" : " packets");
	} else if (ev < 90) {
		ios_header(c, w, 23, 5, unsynced, host);
		PUTS(w, "%SSH-5-SSH2_USERAUTH: User 'admin' authentication for SSH2 Session from ");
		put_ip4(w, 0x0a000005u + below(r, 4));
		PUTS(w, " (tty = 0) using crypto cipher 'aes256-ctr', hmac "
			"'hmac-sha2-256' Succeeded");
	} else if (ev < 96) {
		ios_header(c, w, 23, 5, unsynced, host);
		PUTS(w, "%BGP-5-ADJCHANGE: neighbor 192.0.2.");
		put_u(w, 1 + below(r, 4));
		put_str(w, chance(r, 500) ? " Up" : " Down BGP Notification sent");
	} else {
		ios_header(c, w, 23, 4, unsynced, host);
		PUTS(w, "%DHCPD-4-PING_CONFLICT: DHCP address conflict:  server pinged ");
		put_ip4(w, inside_ip(r));
		putch(w, '.');
	}
	fill_text(c, w, 9);
	put_seq_paren(w, c->seq);
}

/* ------------------------------------------------------------------ */
/* Yamaha RTX: "<PRI>" and the text, no timestamp, no hostname.         */

static void
gen_rtx(struct ctx *c, struct w *w)
{
	struct rng *r = &c->r;
	unsigned ev = below(r, 100);

	put_pri(w, c->d->flavour ? 3 : 23, 6);
	if (ev < 40) {
		int out = chance(r, 600);

		PUTS(w, "[INSPECT] LAN2[");
		put_str(w, out ? "out][1011" : "in][1010");
		put_2d(w, below(r, 100));
		put_str(w, chance(r, 800) ? "] TCP " : "] UDP ");
		if (out) {
			put_ip4(w, 0xc0a86400u | (2 + below(r, 200)));
			putch(w, ':');
			put_u(w, eph_port(r));
			PUTS(w, " > ");
			put_ip4(w, outside_ip(r));
			PUTS(w, ":443 (");
		} else {
			put_ip4(w, outside_ip(r));
			putch(w, ':');
			put_u(w, eph_port(r));
			PUTS(w, " > ");
			put_ip4(w, 0xc6336402u);
			PUTS(w, ":445 (");
		}
		put_ymd(w, &c->lt, '/');
		putch(w, ' ');
		put_hms(w, &c->lt);
		putch(w, ')');
	} else if (ev < 60) {
		PUTS(w, "LAN2 Rejected at IN(1010");
		put_2d(w, 50 + below(r, 20));
		PUTS(w, ") filter: TCP ");
		put_ip4(w, outside_ip(r));
		putch(w, ':');
		put_u(w, eph_port(r));
		PUTS(w, " > 198.51.100.2:");
		put_u(w, chance(r, 500) ? 23 : 3389);
	} else if (ev < 70) {
		PUTS(w, "IP Tunnel[");
		put_u(w, 1 + below(r, 4));
		put_str(w, chance(r, 700) ? "] Up" : "] Down");
	} else if (ev < 80) {
		PUTS(w, "[IKE] initiate ISAKMP phase to ");
		put_ip4(w, outside_ip(r));
	} else if (ev < 85) {
		put_str(w, chance(r, 500) ? "PP[01] PPPoE Connect"
				       : "PP[01] Disconnected, cause [remote]");
	} else if (ev < 95) {
		PUTS(w, "[DHCPD] LAN1(host) Allocates 192.168.100.");
		put_u(w, 2 + below(r, 200));
		PUTS(w, ": ");
		put_mac(w, sta_mac(r), ':');
	} else {
		PUTS(w, "Login succeeded as (noname) for TELNET: ");
		put_ip4(w, 0xc0a86400u | (2 + below(r, 8)));
	}
	fill_text(c, w, 9);
	put_seq_paren(w, c->seq);
}

/* ------------------------------------------------------------------ */
/* Wi-Fi access points: hostapd, or an Aruba-like controller format.    */

static void
gen_ap(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned ev = below(r, 100);
	uint64_t sta = sta_mac(r);

	if (d->flavour == 0) {
		static const char *const msgs[] = {
			"IEEE 802.11: associated (aid ",
			"IEEE 802.11: authenticated",
			"IEEE 802.11: disassociated",
			"IEEE 802.11: deauthenticated due to local deauth request",
			"WPA: pairwise key handshake completed (RSN)",
			"WPA: group key handshake completed (RSN)",
			"IEEE 802.1X: authenticated - EAP type: 25 (PEAP)",
			"IEEE 802.1X: authentication failed - EAP type: 0 (unknown)",
			"RADIUS: starting accounting session ",
		};
		static const uint8_t upto[] = { 20, 35, 47, 55, 75, 82, 92, 96, 100 };
		unsigned k = 0;

		while (upto[k] <= ev)
			k++;
		put_pri(w, 1, k == 7 ? 4 : 6);
		put_bsd(w, &c->lt);
		putch(w, ' ');
		put_host(w, d);
		PUTS(w, " hostapd: wlan");
		put_u(w, below(r, 2));
		PUTS(w, ": STA ");
		put_mac(w, sta, ':');
		putch(w, ' ');
		put_str(w, msgs[k]);
		if (k == 0) {
			put_u(w, 1 + below(r, 60));
			putch(w, ')');
		} else if (k == 8) {
			put_hex(w, rnd(r), 16, 1);
		}
	} else {
		static const struct {
			const char *id, *lvl, *text;
		} msgs[] = {
			{ "501109", "NOTI", "Auth request: " },
			{ "501093", "NOTI", "Auth success: " },
			{ "501095", "NOTI", "Assoc request @ " },
			{ "501102", "NOTI", "Disassoc from sta: " },
			{ "501080", "NOTI", "Deauth to sta: " },
		};
		unsigned k = ev / 20;

		put_pri(w, 17, 5);
		put_bsd(w, &c->lt);
		putch(w, ' ');
		put_host(w, d);
		PUTS(w, " stm[");
		put_u(w, d->pid);
		PUTS(w, "]: <");
		put_str(w, msgs[k].id);
		PUTS(w, "> <");
		put_str(w, msgs[k].lvl);
		PUTS(w, "> |AP ");
		put_host(w, d);
		putch(w, '@');
		put_ip4(w, d->inside);
		PUTS(w, " stm|  ");
		put_str(w, msgs[k].text);
		if (k == 2) {
			put_hms(w, &c->lt);
			put_frac(w, c->lt.nsec, 6);
			PUTS(w, ": ");
		}
		put_mac(w, sta, ':');
		PUTS(w, ": AP ");
		put_ip4(w, d->inside);
		putch(w, '-');
		put_mac(w, d->mac, ':');
		putch(w, '-');
		put_host(w, d);
	}
	fill_text(c, w, 9);
	put_seq_paren(w, c->seq);
}

/* ------------------------------------------------------------------ */
/* Switches: link up/down and friends.                                  */

static void
sw_text(struct ctx *c, struct w *w, unsigned ev, int up)
{
	struct rng *r = &c->r;

	if (ev < 40) {
		PUTS(w, "%LINK-3-UPDOWN: Interface ");
		put_ifname(w, r, 1);
		put_str(w, up ? ", changed state to up" : ", changed state to down");
	} else if (ev < 75) {
		PUTS(w, "%LINEPROTO-5-UPDOWN: Line protocol on Interface ");
		put_ifname(w, r, 1);
		put_str(w, up ? ", changed state to up" : ", changed state to down");
	} else if (ev < 85) {
		PUTS(w, "%ILPOWER-5-POWER_GRANTED: Interface Gi1/0/");
		put_u(w, 1 + below(r, 48));
		PUTS(w, ": Power granted");
	} else if (ev < 95) {
		uint64_t mac = sta_mac(r);

		PUTS(w, "%DOT1X-5-SUCCESS: Authentication successful for client (");
		put_mac_cisco(w, mac);
		PUTS(w, ") on Interface Gi1/0/");
		put_u(w, 1 + below(r, 48));
		PUTS(w, " AuditSessionID 0A0A0A0B");
		put_hex(w, rnd(r), 16, 1);
	} else {
		uint32_t p = 1 + below(r, 47);

		PUTS(w, "%SW_MATM-4-MACFLAP_NOTIF: Host ");
		put_mac_cisco(w, sta_mac(r));
		PUTS(w, " in vlan ");
		put_u(w, 10 * (1 + below(r, 20)));
		PUTS(w, " is flapping between port Gi1/0/");
		put_u(w, p);
		PUTS(w, " and port Gi1/0/");
		put_u(w, p + 1);
	}
}

static void
gen_switch(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned ev = below(r, 100);
	int up = chance(r, 500);
	unsigned sev = ev < 40 ? 3 : ev < 95 ? 5 : 4;

	switch (d->flavour) {
	case 0:         /* Catalyst, IOS header */
		ios_header(c, w, 23, sev, 0, 0);
		sw_text(c, w, ev, up);
		break;
	case 1:         /* RFC 5424 with nil fields */
		put_pri(w, 20, sev);
		PUTS(w, "1 ");
		put_ymd(w, &c->lt, '-');
		putch(w, 'T');
		put_hms(w, &c->lt);
		put_frac(w, c->lt.nsec, 1);
		put_str(w, d->utc ? "Z " : "+09:00 ");
		put_host(w, d);
		PUTS(w, " - - - - ");
		sw_text(c, w, ev, up);
		break;
	default:        /* RFC 3164, AlliedWare-like text */
		put_pri(w, 23, 5);
		put_bsd(w, &c->lt);
		putch(w, ' ');
		put_host(w, d);
		PUTS(w, " NSM[");
		put_u(w, d->pid);
		put_str(w, up ? "]: Port up notification received for port1.0."
			   : "]: Port down notification received for port1.0.");
		put_u(w, 1 + below(r, 28));
		break;
	}
	fill_text(c, w, 9);
	put_seq_paren(w, c->seq);
}

/* ------------------------------------------------------------------ */
/* Malformed messages.                                                  */

/* " host app[pid]: " or, for devices that send no tag, " host: ". */
static void
put_host_tag(struct w *w, const struct device *d)
{
	putch(w, ' ');
	put_host(w, d);
	if (d->app) {
		putch(w, ' ');
		put_str(w, d->app);
		putch(w, '[');
		put_u(w, d->pid);
		putch(w, ']');
	}
	PUTS(w, ": ");
}

static void
gen_malformed(struct ctx *c, struct w *w)
{
	const struct device *d = c->d;
	struct rng *r = &c->r;
	unsigned kind = below(r, 6);

	switch (kind) {
	case 0:         /* no PRI at all */
		put_bsd(w, &c->lt);
		put_host_tag(w, d);
		PUTS(w, "restart ");
		put_seq(w, c->seq);
		PUTS(w, " reason=watchdog");
		break;
	case 1: {       /* bad PRI */
		static const char *const bad[] = {
			"<999>", "<192>", "<>", "<13", "<0013>", "<-1>", "<1a>",
		};

		put_str(w, bad[below(r, ARRAY_SIZE(bad))]);
		put_bsd(w, &c->lt);
		put_host_tag(w, d);
		PUTS(w, "status ");
		put_seq(w, c->seq);
		PUTS(w, " state=degraded");
		break;
	}
	case 2: {       /* header cut short, the rest of the datagram lost */
		char hdr[96];
		struct w h = { hdr, hdr + sizeof(hdr) };
		size_t n;

		put_pri(&h, 16, 6);
		PUTS(&h, "1 ");
		put_ymd(&h, &c->lt, '-');
		putch(&h, 'T');
		put_hms(&h, &c->lt);
		PUTS(&h, ".123+09:00 ");
		put_host(&h, d);
		n = 3 + below(r, (uint32_t)(h.p - hdr) - 3);
		put(w, hdr, n);
		putch(w, ' ');
		put_seq(w, c->seq);
		putch(w, '\n');
		break;
	}
	case 3:         /* NUL bytes: inside the text and at the end */
		put_pri(w, 1, 6);
		put_bsd(w, &c->lt);
		put_host_tag(w, d);
		PUTS(w, "user=");
		putch(w, '\0');
		PUTS(w, "admin ");
		put_seq(w, c->seq);
		putch(w, '\0');
		break;
	case 4:         /* invalid UTF-8 after a BOM that promises UTF-8 */
		put_pri(w, 16, 6);
		PUTS(w, "1 ");
		put_ymd(w, &c->lt, '-');
		putch(w, 'T');
		put_hms(w, &c->lt);
		PUTS(w, "+09:00 ");
		put_host(w, d);
		putch(w, ' ');
		put_str(w, d->app ? d->app : "-");
		PUTS(w, " - - - \xef\xbb\xbf");
		put_seq(w, c->seq);
		PUTS(w, " bad \xc3\x28 overlong \xc0\xaf surrogate \xed\xa0\x80 "
			"ff \xff\xfe cut \xe6\x97");
		break;
	default: {      /* Japanese cut inside a multibyte character */
		unsigned enc = d->ja == 2 ? GEN_JA_SJIS : GEN_JA_UTF8;
		const struct gen_ja_text *t = &gen_ja_text[JA_BAD_PASSWORD];

		put_pri(w, 4, 5);
		put_bsd(w, &c->lt);
		put_host_tag(w, d);
		put_seq(w, c->seq);
		putch(w, ' ');
		put_ja(w, JA_REASON, enc);
		putch(w, '=');
		/* All but the last byte: the last character is cut. */
		put(w, t->s[enc], t->len[enc] - 1u);
		break;
	}
	}
}

/* ------------------------------------------------------------------ */

typedef void (*gen_class_fn)(struct ctx *c, struct w *w);

static const gen_class_fn class_fn[GEN_CLASS_COUNT] = {
	gen_ehr, gen_receipt, gen_fortigate, gen_asa, gen_ios, gen_rtx,
	gen_ap, gen_switch,
};

uint64_t
gen_mix_time(const struct gen_mix *m, uint64_t seq)
{
	uint64_t n = seq ? seq - 1 : 0, pps = m->cfg.pps;

	/* n * 1e9 / pps without overflowing for n up to 2^64 / 1e9 and more. */
	return m->cfg.start_ns + n / pps * (uint64_t)NS +
	       n % pps * (uint64_t)NS / pps;
}

size_t
gen_mix_next_at(const struct gen_mix *m, uint64_t seq, uint64_t time_ns,
		void *buf, size_t cap, uint32_t *source)
{
	struct ctx c;
	struct w w;
	uint32_t x, cls = 0, idx, tgt;
	int64_t lt;

	if (unlikely(cap < GEN_MSG_CAP_MIN))
		return 0;
	c.m = m;
	c.seq = seq;
	c.t_ns = time_ns;
	c.r.s = mix64(m->key ^ mix64(seq + 0x51a1c0deull));
	c.start = buf;
	w.p = buf;
	w.end = (char *)buf + GEN_MSG_MAX;

	x = below(&c.r, m->class_cum[m->nclass - 1]);
	while (m->class_cum[cls] <= x)
		cls++;
	cls = m->class_of[cls];
	idx = m->members[m->class_first[cls] + below(&c.r, m->class_n[cls])];
	c.d = &m->dev[idx];

	tgt = (uint32_t)((uint64_t)m->size_base * class_size16[cls] / 16 *
			 m->shape[below(&c.r, SHAPE_N)] / 256);
	c.tgt = tgt > GEN_MSG_MAX - GEN_PAD_SLACK ? GEN_MSG_MAX - GEN_PAD_SLACK
						  : tgt;

	lt = (int64_t)time_ns + (int64_t)c.d->skew_ms * 1000000 +
	     (c.d->utc ? 0 : JST_NS);
	civil(lt, &c.lt);

	if (unlikely(chance(&c.r, MALFORMED_PM)))
		gen_malformed(&c, &w);
	else
		class_fn[cls](&c, &w);
	*source = idx;
	return wlen(&w, buf);
}

size_t
gen_mix_next(const struct gen_mix *m, uint64_t seq, void *buf, size_t cap,
	     uint32_t *source)
{
	return gen_mix_next_at(m, seq, gen_mix_time(m, seq), buf, cap, source);
}

uint32_t
gen_mix_avg_size(const struct gen_mix *m)
{
	return m->size_avg;
}

uint32_t
gen_mix_sources(const struct gen_mix *m)
{
	return m->nsrc;
}

const struct gen_source *
gen_mix_source(const struct gen_mix *m, uint32_t idx)
{
	return idx < m->nsrc ? &m->src[idx] : NULL;
}

/* ------------------------------------------------------------------ */
/* Building the population.                                             */

static void
name_device(struct device *d)
{
	char buf[GEN_HOST_MAX];
	struct w w = { buf, buf + sizeof(buf) - 1 };
	unsigned n = d->ord + 1;

	switch (d->cls) {
	case GEN_CLASS_EHR:
		PUTS(&w, "ehr-app");
		break;
	case GEN_CLASS_RECEIPT:
		PUTS(&w, "rececom");
		break;
	case GEN_CLASS_FORTIGATE:
		if (d->ord == 0) {
			PUTS(&w, "UTM-HQ");
			n = 0;
		} else {
			PUTS(&w, "UTM-BR");
		}
		break;
	case GEN_CLASS_ASA:
		PUTS(&w, "asa-dmz");
		break;
	case GEN_CLASS_IOS:
		PUTS(&w, "rtr-");
		break;
	case GEN_CLASS_RTX:
		PUTS(&w, "rtx-clinic");
		break;
	case GEN_CLASS_AP:
		PUTS(&w, "ap-");
		put_u(&w, 1 + d->ord % 9);
		PUTS(&w, "f-");
		n = 1 + d->ord / 9;
		break;
	default:
		if (d->ord == 0) {
			PUTS(&w, "core-sw");
		} else {
			PUTS(&w, "sw-");
			put_u(&w, 1 + d->ord % 9);
			PUTS(&w, "f-");
			n = 1 + d->ord / 9;
		}
		break;
	}
	/* Two digits at least (ehr-app01), more when needed (ap-3f-123). */
	if (n < 10 && n)
		putch(&w, '0');
	if (n)
		put_u(&w, n);
	d->host_len = (uint8_t)(w.p - buf);
	memcpy(d->host, buf, d->host_len);
	d->host[d->host_len] = '\0';
}

static void
build_device(struct gen_mix *m, uint32_t i, unsigned cls, uint32_t ord,
	     int v6, int tagged, struct rng *r)
{
	struct device *d = &m->dev[i];
	struct gen_source *s = &m->src[i];
	uint32_t a4 = 0xc6120000u + (i / 254) * 256 + i % 254 + 1;
	uint32_t roll = below(r, 1000);

	d->cls = (uint8_t)cls;
	d->ord = ord;
	d->pid = 300 + below(r, 30000);
	d->serial = 10000000u + below(r, 89999999);
	d->counter = below(r, 100000);
	d->uptime_s = below(r, 20 * 86400);
	d->inside = 0x0a000000u | (1 + cls) << 16 | (ord / 250) << 8 |
		    (1 + ord % 250);
	d->mac = (rnd(r) & 0xfcffffffff00ull) | 0x020000000000ull | (ord & 0xff);
	/* Clocks: most close, some seconds off, a few hours off. */
	if (roll < 800)
		d->skew_ms = (int32_t)below(r, 1000) - 500;
	else if (roll < 970)
		d->skew_ms = (int32_t)below(r, 60000) - 30000;
	else
		d->skew_ms = (int32_t)below(r, 4 * 3600000) - 2 * 3600000;
	d->utc = chance(r, 150);
	d->frac = (uint8_t)(chance(r, 700) ? 3 : chance(r, 500) ? 6 : 0);
	d->bom = chance(r, 400);
	switch (cls) {
	case GEN_CLASS_EHR:
		d->flavour = (uint8_t)(ord % 3);
		d->ja = ord % 4 == 3 ? 2 : 1;
		d->app = ehr_apps[d->flavour];
		break;
	case GEN_CLASS_RECEIPT:
		d->flavour = (uint8_t)(ord & 1);
		d->ja = ord % 2 == 0 ? 2 : 1;
		d->app = d->flavour ? "rececom" : "recept";
		break;
	case GEN_CLASS_FORTIGATE:
		d->ja = ord % 2 == 0;
		break;
	case GEN_CLASS_ASA:
	case GEN_CLASS_IOS:
		d->flavour = (uint8_t)(ord % 3);
		break;
	case GEN_CLASS_SWITCH:
		d->flavour = (uint8_t)(ord % 3);
		d->app = d->flavour == 2 ? "NSM" : NULL;
		break;
	case GEN_CLASS_RTX:
		d->flavour = (uint8_t)(ord % 2);
		break;
	case GEN_CLASS_AP:
		d->flavour = (uint8_t)(ord % 2);
		d->app = d->flavour ? "stm" : "hostapd";
		break;
	}
	name_device(d);

	s->cls = (uint8_t)cls;
	s->family = v6 ? 6 : 4;
	s->ttl = (uint8_t)(class_ttl[cls] - below(r, 3));
	s->vlan = tagged ? (m->cfg.vlan_id ? m->cfg.vlan_id : class_vlan[cls]) : 0;
	/* Otherwise an ephemeral port from the sender's OS range. */
	if (chance(r, class_p514_pm[cls]))
		s->sport = 514;
	else if (class_ttl[cls] == 128)
		s->sport = (uint16_t)(49152 + below(r, 16384));  /* Windows */
	else
		s->sport = (uint16_t)(32768 + below(r, 28232));  /* Linux */
	s->ip_id = (uint16_t)rnd(r);
	s->flow_label = class_ttl[cls] == 64 ? 1 + below(r, 0xfffff) : 0;
	s->mac[0] = 0x02;
	s->mac[1] = 0x53;
	s->mac[2] = (uint8_t)(i >> 24);
	s->mac[3] = (uint8_t)(i >> 16);
	s->mac[4] = (uint8_t)(i >> 8);
	s->mac[5] = (uint8_t)i;
	memset(s->addr, 0, sizeof(s->addr));
	if (v6) {
		static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };

		memcpy(s->addr, pfx, 8);
		s->addr[12] = (uint8_t)((i + 1) >> 24);
		s->addr[13] = (uint8_t)((i + 1) >> 16);
		s->addr[14] = (uint8_t)((i + 1) >> 8);
		s->addr[15] = (uint8_t)(i + 1);
	} else {
		s->addr[0] = (uint8_t)(a4 >> 24);
		s->addr[1] = (uint8_t)(a4 >> 16);
		s->addr[2] = (uint8_t)(a4 >> 8);
		s->addr[3] = (uint8_t)a4;
	}
	memcpy(s->host, d->host, sizeof(s->host));
}

/*
 * Size multipliers: a bell around 1 with a long right tail, as syslog sizes
 * are (most lines short, a few very long).  Built from integers only so the
 * table is the same everywhere; normalised to a mean of exactly 256.
 */
static void
build_shape(struct gen_mix *m, struct rng *r)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < SHAPE_N; i++) {
		/* Sum of three uniforms: 0.55..1.45, in 1/256. */
		uint32_t v = 141 + below(r, 78) + below(r, 78) + below(r, 78);

		if (chance(r, 100))
			v = v * (256 + below(r, 512)) / 256;    /* tail, up to 3x */
		else if (chance(r, 150))
			v = v * 160 / 256;                      /* short lines */
		m->shape[i] = (uint16_t)v;
		sum += v;
	}
	for (unsigned i = 0; i < SHAPE_N; i++)
		m->shape[i] = (uint16_t)(m->shape[i] * 256u * SHAPE_N / sum);
}

/*
 * Choose the size base so that generated messages average cfg.size.  Cores
 * have a natural length the target cannot go below, so a few rounds of
 * proportional correction on a fixed sample are needed; the sample is the
 * same on every run, so calibration keeps the output deterministic.
 */
static int
calibrate(struct gen_mix *m)
{
	enum { SAMPLE = 4096, ROUNDS = 10 };
	char *buf = malloc(GEN_MSG_CAP_MIN);
	uint32_t src;

	if (!buf)
		return -ENOMEM;
	m->size_base = m->cfg.size;
	for (unsigned round = 0; round < ROUNDS; round++) {
		uint64_t total = 0, want = (uint64_t)m->cfg.size * SAMPLE;

		for (uint64_t k = 0; k < SAMPLE; k++)
			total += gen_mix_next_at(m, 1 + k * 7919, m->cfg.start_ns,
						 buf, GEN_MSG_CAP_MIN, &src);
		m->size_avg = (uint32_t)(total / SAMPLE);
		if (total * 1000 > want * 997 && total * 1000 < want * 1003)
			break;
		uint64_t nb = (uint64_t)m->size_base * want / total;
		if (nb < 1)
			nb = 1;
		if (nb > GEN_MSG_MAX)
			nb = GEN_MSG_MAX;
		if (nb == m->size_base)
			break;
		m->size_base = (uint32_t)nb;
	}
	free(buf);
	return 0;
}

struct gen_mix *
gen_mix_create(const struct gen_mix_config *cfg)
{
	struct gen_mix *m;
	struct rng r;
	uint32_t n = cfg->sources, counts[GEN_CLASS_COUNT] = { 0 };
	uint32_t want_v6, want_vlan, pop_total = 0, pos;
	uint8_t *cls_of = NULL;

	if (n < 1 || n > GEN_SOURCES_MAX || cfg->size < GEN_SIZE_MIN ||
	    cfg->size > GEN_SIZE_MAX || cfg->ipv6_share > 100 ||
	    cfg->vlan_share > 100 || cfg->vlan_id > 4094 || cfg->pps == 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->nsrc = n;
	m->key = mix64(cfg->seed ^ 0x5ea1ca9e5ea1ca9eull);
	m->src = calloc(n, sizeof(*m->src));
	m->dev = calloc(n, sizeof(*m->dev));
	m->members = calloc(n, sizeof(*m->members));
	cls_of = calloc(n, 1);
	if (!m->src || !m->dev || !m->members || !cls_of)
		goto nomem;

	r.s = m->key;
	for (unsigned c = 0; c < GEN_CLASS_COUNT; c++)
		pop_total += class_pop[c];
	for (uint32_t i = 0; i < n; i++) {
		unsigned c = 0;

		if (i < GEN_CLASS_COUNT) {
			c = class_first_order[i];
		} else {
			uint32_t x = below(&r, pop_total);

			while (x >= class_pop[c])
				x -= class_pop[c++];
		}
		cls_of[i] = (uint8_t)c;
	}

	/*
	 * Address family and tagging are properties of a device.  Selection
	 * sampling (Knuth's algorithm S) picks exactly round(n * share) of
	 * them, spread at random over the population.
	 */
	want_v6 = (uint32_t)(((uint64_t)n * cfg->ipv6_share + 50) / 100);
	want_vlan = (uint32_t)(((uint64_t)n * cfg->vlan_share + 50) / 100);
	for (uint32_t i = 0; i < n; i++) {
		int v6 = below(&r, n - i) < want_v6;
		int tag = below(&r, n - i) < want_vlan;

		want_v6 -= (uint32_t)v6;
		want_vlan -= (uint32_t)tag;
		build_device(m, i, cls_of[i], counts[cls_of[i]]++, v6, tag, &r);
	}

	pos = 0;
	for (unsigned c = 0; c < GEN_CLASS_COUNT; c++) {
		m->class_first[c] = pos;
		m->class_n[c] = counts[c];
		if (counts[c]) {
			m->class_of[m->nclass] = (uint8_t)c;
			m->class_cum[m->nclass] = class_msg_pm[c] +
				(m->nclass ? m->class_cum[m->nclass - 1] : 0);
			m->nclass++;
		}
		for (uint32_t i = 0; i < n; i++)
			if (cls_of[i] == c)
				m->members[pos++] = i;
	}
	free(cls_of);
	cls_of = NULL;

	build_shape(m, &r);
	if (calibrate(m) != 0)
		goto nomem;
	return m;
nomem:
	free(cls_of);
	gen_mix_free(m);
	errno = ENOMEM;
	return NULL;
}

void
gen_mix_free(struct gen_mix *m)
{
	if (!m)
		return;
	free(m->src);
	free(m->dev);
	free(m->members);
	free(m);
}

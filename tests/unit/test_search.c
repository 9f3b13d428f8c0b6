/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Search, through the programs as an auditor runs them:
 *
 *     sealcap-gen --out pcap:F --seed 11  ->  sealcap --driver pcap --lanes 3
 *         (4 KiB blocks, 256 KiB segments: ~1,300 blocks in ~11 segments)
 *     ->  sealctl search [filters] STORE
 *
 * Every answer is compared, record ID by record ID and in order, with a
 * brute-force scan done here through the public reader API (every block
 * read, every record matched by this file's own matcher, sorted by receive
 * time then ID).  Around that: the index really rules blocks out (--stats),
 * a missing, damaged, foreign or torn index changes nothing but speed and
 * rebuild-index restores the very bytes the writer wrote, damaged blocks
 * give exit status 3 with the rest still found, bad input is refused in
 * plain words, the Japanese corpus is found by UTF-8 --grep in both of its
 * encodings, and tail -f sees a live engine's records as they are sealed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <locale.h>
#include <inttypes.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"
#define JA SC_TEST_DATA "/corpus/ja/"

extern char **environ;

static char tmp[256];
static char store[320];
static pid_t kids[4];

static void
setup(void)
{
	/* Regular expressions over UTF-8 text, as sealctl matches them. */
	setlocale(LC_CTYPE, "C.UTF-8");
	sct_tmpdir(tmp, sizeof(tmp), "search");
	snprintf(store, sizeof(store), "%s/store", tmp);
}

static void
teardown(void)
{
	for (unsigned i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(search, .init = setup, .fini = teardown, .timeout = 240);

static char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- running programs ------------------------------------------------------ */

static char *out, *err;
static size_t out_len;
static const char *run_tz;     /* TZ for the next run (NULL: UTC) */

static char **
child_env(void)
{
	static char *env[256];
	static char tz[64];
	size_t n = 0;

	for (char **e = environ; *e && n < 250; e++)
		if (strncmp(*e, "TZ=", 3) != 0)
			env[n++] = *e;
	snprintf(tz, sizeof(tz), "TZ=%s", run_tz ? run_tz : "UTC");
	env[n++] = tz;
	env[n] = NULL;
	return env;
}

static pid_t
spawn_to(const char *const *argv, const char *ofile, const char *efile)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, ofile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, efile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv,
				 child_env()), 0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Run argv to its end; stdout and stderr land in out and err. */
static int
run(const char *const *argv)
{
	pid_t pid;
	int st;

	free(out);
	free(err);
	pid = spawn_to(argv, in_tmp("stdout"), in_tmp("stderr"));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	out = sct_slurp(in_tmp("stdout"), &out_len);
	err = sct_slurp(in_tmp("stderr"), NULL);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x); stderr:\n%s", argv[0], st, err);
	return WEXITSTATUS(st);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

/* ---- the store ------------------------------------------------------------- */

/* 20,000 generated messages over 1,000 s of capture time, 3 lanes. */
static void
build_store(void)
{
	char o[450];

	snprintf(o, sizeof(o), "pcap:%s", in_tmp("gen.pcap"));
	cr_assert_eq(RUN(GEN, "--out", o, "--count", "20000", "--sources", "64", "--seed", "11",
			 "--ipv6-share", "30", "--vlan-share", "10", "--pps", "20",
			 "--start", "2026-03-01T00:00:00Z"), 0, "sealcap-gen: %s", err);
	cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("gen.pcap"), "--store", store,
			 "--lanes", "3", "--block-bytes", "4K", "--segment-bytes", "256K",
			 "--fsync", "none"), 0, "sealcap: %s", err);
}

/* ---- the brute-force scan --------------------------------------------------- */

/* This file's own statement of the query (not the library's). */
struct oq {
	int64_t from, to;
	const char *host[4], *app[4];
	unsigned nhost, napp;
	uint8_t addr[4][16];
	unsigned bits[4], nsrc;
	uint8_t sev;            /* 0: any */
	uint32_t fac;           /* 0: any */
	const char *grep;
	bool icase;
	const char *regex;
	bool events;
};

struct orec {
	int64_t rx;
	uint64_t block;
	uint32_t idx;
};

struct scan {
	const struct oq *q;
	regex_t re;
	iconv_t cd;
	uint64_t block;
	struct orec *v;
	size_t n, cap;
};

static void
oq_init(struct oq *q)
{
	memset(q, 0, sizeof(*q));
	q->from = INT64_MIN;
	q->to = INT64_MAX;
}

static bool
span_is(const struct sc_record *r, int f, const char *v)
{
	const struct sc_span *s = &r->field[f];

	return s->len == strlen(v) && strncasecmp((const char *)r->raw + s->off, v, s->len) == 0;
}

static bool
addr_in(const uint8_t *a, const uint8_t *p, unsigned bits)
{
	for (unsigned i = 0; i < bits; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;

		if (((a[byte] >> bit) & 1) != ((p[byte] >> bit) & 1))
			return false;
	}
	return true;
}

/* CP932 to UTF-8, a byte that does not convert as U+FFFD. */
static char *
sjis_to_utf8(iconv_t cd, const uint8_t *p, size_t n, size_t *outn)
{
	size_t cap = 4 * n + 8, used = 0;
	char *o = malloc(cap), *ip = (char *)(uintptr_t)p;
	size_t il = n;

	cr_assert(o != NULL);
	iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op = o + used;
		size_t ol = cap - used;

		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1) {
			used = (size_t)(op - o);
			break;
		}
		used = (size_t)(op - o);
		memcpy(o + used, "\xef\xbf\xbd", 3);
		used += 3;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	*outn = used;
	return o;
}

static bool
has_text(const uint8_t *h, size_t n, const char *needle, bool icase)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if ((icase ? strncasecmp((const char *)h + i, needle, m)
			   : memcmp(h + i, needle, m)) == 0)
			return true;
	return m == 0;
}

static bool
o_match(struct scan *sc, const struct sc_record *r)
{
	const struct oq *q = sc->q;
	int sev = r->pri >= 0 && r->pri <= 191 ? r->pri % 8 : -1;
	int fac = r->pri >= 0 && r->pri <= 191 ? r->pri / 8 : -1;
	unsigned i;
	bool ok = true;

	if ((r->flags & SC_REC_EVENT) && !q->events)
		return false;
	if (r->rx_ns < q->from || r->rx_ns > q->to)
		return false;
	if (q->sev && (sev < 0 || !(q->sev & (1u << sev))))
		return false;
	if (q->fac && (fac < 0 || !(q->fac & (1u << fac))))
		return false;
	for (i = 0; i < q->nhost && !span_is(r, SC_F_HOSTNAME, q->host[i]); i++)
		;
	if (q->nhost && i == q->nhost)
		return false;
	for (i = 0; i < q->napp && !span_is(r, SC_F_APPNAME, q->app[i]); i++)
		;
	if (q->napp && i == q->napp)
		return false;
	if (q->nsrc) {
		if (r->family != 4 && r->family != 6)
			return false;
		for (i = 0; i < q->nsrc && !addr_in(r->addr, q->addr[i], q->bits[i]); i++)
			;
		if (i == q->nsrc)
			return false;
	}
	if (q->grep || q->regex) {
		char *conv = NULL;
		const uint8_t *t = r->raw;
		size_t n = r->raw_len;

		if (r->charset == SC_CHARSET_SJIS) {
			conv = sjis_to_utf8(sc->cd, r->raw, r->raw_len, &n);
			t = (const uint8_t *)conv;
		}
		if (q->grep && !has_text(t, n, q->grep, q->icase))
			ok = false;
		if (ok && q->regex) {
			regmatch_t pm = { 0, (regoff_t)n };
			char *z = malloc(n + 1);

			cr_assert(z != NULL);
			memcpy(z, t, n);
			z[n] = '\0';
			ok = regexec(&sc->re, z, 1, &pm, REG_STARTEND) == 0;
			free(z);
		}
		free(conv);
	}
	return ok;
}

static int
scan_rec(const struct sc_record *r, uint32_t idx, void *arg)
{
	struct scan *sc = arg;

	if (!o_match(sc, r))
		return 0;
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 1024;
		sc->v = realloc(sc->v, sc->cap * sizeof(*sc->v));
		cr_assert(sc->v != NULL);
	}
	sc->v[sc->n++] = (struct orec){ r->rx_ns, sc->block, idx };
	return 0;
}

static int
cmp_orec(const void *a, const void *b)
{
	const struct orec *x = a, *y = b;

	if (x->rx != y->rx)
		return x->rx < y->rx ? -1 : 1;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Block positions, when a test damaged a header (see scan_blocks). */
struct bpos {
	uint32_t segment;
	uint64_t offset;
};
static struct bpos *known;
static size_t nknown;

static void
scan_block(struct scan *sc, struct sc_hasher *hs, const struct sc_block_hdr *h,
	   const uint8_t *stored)
{
	uint8_t *payload = malloc(h->payload_len ? h->payload_len : 1);

	cr_assert(payload != NULL);
	if (sc_block_open(hs, h, stored, payload, h->payload_len) == SC_E_OK) {
		sc->block = h->log_index;
		cr_assert_eq(sc_block_foreach(payload, h->payload_len, scan_rec, sc), 0);
	}
	free(payload);
}

/*
 * Every record of every block that reads and checks, matched here, sorted
 * by receive time and ID.  Blocks are read front to back with the reader;
 * after a test damaged a block header (which hides where the next block
 * starts) they are read one by one at their remembered offsets instead.
 */
static size_t
brute(const struct oq *q, struct orec **res)
{
	struct scan sc = { .q = q };
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	int n;

	cr_assert(r != NULL && hs != NULL);
	sc.cd = iconv_open("UTF-8", "CP932");
	cr_assert(sc.cd != (iconv_t)-1);
	if (q->regex)
		cr_assert_eq(regcomp(&sc.re, q->regex, REG_EXTENDED | REG_NOSUB | (q->icase ? REG_ICASE : 0)), 0);
	if (known == NULL) {
		while ((n = sc_store_read(r, &h, &stored, &pos, &e)) != 0)
			if (n > 0)
				scan_block(&sc, hs, &h, stored);
	} else {
		for (size_t i = 0; i < nknown; i++)
			if (sc_store_seek(r, known[i].segment, known[i].offset, &e) == 0 &&
			    sc_store_read(r, &h, &stored, &pos, &e) == 1)
				scan_block(&sc, hs, &h, stored);
	}
	if (q->regex)
		regfree(&sc.re);
	iconv_close(sc.cd);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	if (sc.n > 1)
		qsort(sc.v, sc.n, sizeof(*sc.v), cmp_orec);
	*res = sc.v;
	return sc.n;
}

/* Where every block is (before a test damages one). */
static void
remember_blocks(void)
{
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;

	cr_assert(r != NULL);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		known = realloc(known, (nknown + 1) * sizeof(*known));
		cr_assert(known != NULL);
		known[nknown++] = (struct bpos){ pos.segment, pos.offset };
	}
	sc_store_reader_close(r);
}

/* ---- search through sealctl ---------------------------------------------------- */

/* IDs from `sealctl search --format text`: the first word of each line. */
static size_t
ids_of(const char *text, struct orec **res)
{
	size_t n = 0, cap = 1024;
	struct orec *v = malloc(cap * sizeof(*v));
	const char *p = text;

	cr_assert(v != NULL);
	while (*p) {
		unsigned long long b;
		unsigned i;

		cr_assert_eq(sscanf(p, "%llu.%u ", &b, &i), 2, "line without an ID: %.80s", p);
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = (struct orec){ 0, b, i };
		p = strchr(p, '\n');
		cr_assert(p != NULL);
		p++;
	}
	*res = v;
	return n;
}

/* sealctl search ARGS STORE (text); @return exit status, IDs in *res. */
static int
search(const char *const *args, struct orec **res, size_t *n)
{
	const char *argv[40] = { SEALCTL, "search" };
	size_t k = 2;

	while (*args)
		argv[k++] = *args++;
	argv[k++] = store;
	argv[k] = NULL;
	int rc = run(argv);

	*n = rc <= 1 ? ids_of(out, res) : 0;
	return rc;
}

static void
expect_same(const char *what, const struct orec *want, size_t nw, const struct orec *got,
	    size_t ng)
{
	size_t i;

	for (i = 0; i < nw && i < ng; i++)
		if (want[i].block != got[i].block || want[i].idx != got[i].idx)
			break;
	cr_expect(i == nw && i == ng,
		  "%s: search gave %zu record(s), the scan %zu; first difference at #%zu: "
		  "search %" PRIu64 ".%u, scan %" PRIu64 ".%u\nstderr:\n%s",
		  what, ng, nw, i, i < ng ? got[i].block : 0, i < ng ? got[i].idx : 0,
		  i < nw ? want[i].block : 0, i < nw ? want[i].idx : 0, err);
}

/* Run one query both ways and compare; @p min: fewest matches that make sense. */
static size_t
check(const char *what, const struct oq *q, const char *const *args, size_t min)
{
	struct orec *want, *got;
	size_t nw = brute(q, &want), ng = 0;
	int rc = search(args, &got, &ng);

	cr_assert(nw >= min, "%s: the scan found %zu record(s), the test wants at least %zu "
		  "to mean something", what, nw, min);
	cr_expect_eq(rc, nw ? 0 : 1, "%s: exit %d with %zu match(es); stderr:\n%s", what, rc, nw, err);
	expect_same(what, want, nw, got, ng);
	free(want);
	free(got);
	return nw;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The @p nth distinct value of a field (0: hostname, 1: app-name), from the store. */
struct pick {
	int f;
	unsigned nth;
	char vals[64][80];
	unsigned n;
	uint8_t addr[16];
	uint8_t family;
};

static int
pick_rec(const struct sc_record *r, uint32_t idx, void *arg)
{
	struct pick *p = arg;
	const struct sc_span *s;

	(void)idx;
	if (p->f < 0) {
		if (r->family == (p->nth ? 6 : 4) && p->family == 0) {
			memcpy(p->addr, r->addr, 16);
			p->family = r->family;
		}
		return 0;
	}
	s = &r->field[p->f];
	if (s->len == 0 || s->len >= 80 || p->n >= 64)
		return 0;
	for (unsigned i = 0; i < p->n; i++)
		if (strlen(p->vals[i]) == s->len && memcmp(p->vals[i], r->raw + s->off, s->len) == 0)
			return 0;
	memcpy(p->vals[p->n], r->raw + s->off, s->len);
	p->vals[p->n][s->len] = '\0';
	p->n++;
	return 0;
}

static void
pick_scan(struct pick *p)
{
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;

	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		uint8_t *payload = malloc(h.payload_len);

		cr_assert_eq(sc_block_open(hs, &h, stored, payload, h.payload_len), SC_E_OK);
		sc_block_foreach(payload, h.payload_len, pick_rec, p);
		free(payload);
	}
	sc_hasher_free(hs);
	sc_store_reader_close(r);
}

static const char *
pick_field(int f, unsigned nth)
{
	static struct pick p[2];
	struct pick *x = &p[f == SC_F_HOSTNAME ? 0 : 1];

	if (x->n == 0) {
		x->f = f;
		pick_scan(x);
	}
	cr_assert(nth < x->n, "only %u distinct values", x->n);
	return x->vals[nth];
}

static int64_t
ns_of(const char *rfc3339z)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert(strptime(rfc3339z, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL);
	return (int64_t)timegm(&tm) * 1000000000;
}

/* ---- each filter alone, and combined ---------------------------------------------- */

Test(search, each_filter_alone)
{
	struct oq q;
	const char *h, *app;
	char hup[80];

	build_store();
	h = pick_field(SC_F_HOSTNAME, 3);
	app = pick_field(SC_F_APPNAME, 2);

	oq_init(&q);
	check("no filter", &q, ARGS("--format", "text"), 20000);

	oq_init(&q);
	q.from = ns_of("2026-03-01T00:05:00Z");
	q.to = ns_of("2026-03-01T00:07:00Z") + 999999999;
	check("--from/--to RFC 3339", &q, ARGS("--from", "2026-03-01T00:05:00Z",
					       "--to", "2026-03-01T00:07:00Z"), 1000);
	q.to = ns_of("2026-03-01T00:07:00Z") + 59999999999;
	check("--to covers its minute", &q, ARGS("--from", "2026-03-01T09:05:00+09:00",
						 "--to", "2026-03-01 00:07"), 1000);
	run_tz = "JST-9";       /* POSIX form: needs no tzdata */
	check("local time from TZ", &q, ARGS("--from", "2026-03-01 09:05", "--to", "2026-03-01 09:07"),
	      1000);
	run_tz = NULL;
	q.to = ns_of("2026-03-01T00:07:00Z") + 999999999;
	check("--to covers its second", &q, ARGS("--from", "2026-03-01 00:05:00",
						 "--to", "2026-03-01T00:07:00Z"), 1000);
	q.from = ns_of("2026-03-01T00:00:00Z");
	q.to = ns_of("2026-03-02T00:00:00Z") - 1;
	check("--to covers its day", &q, ARGS("--from", "2026-03-01", "--to", "2026-03-01"), 19000);

	oq_init(&q);
	q.host[q.nhost++] = h;
	check("--host", &q, ARGS("--host", h), 10);
	snprintf(hup, sizeof(hup), "%s", h);
	for (char *c = hup; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	check("--host ignores case", &q, ARGS("--host", hup), 10);

	oq_init(&q);
	q.app[q.napp++] = app;
	check("--app", &q, ARGS("--app", app), 10);

	oq_init(&q);
	q.sev = 0x0f;
	check("--severity err", &q, ARGS("--severity", "err"), 10);
	q.sev = 0x1f;
	check("--severity warning..emerg", &q, ARGS("--severity", "warning..emerg"), 10);
	q.sev = 1u << 6;
	check("--severity 6-6", &q, ARGS("--severity", "info-info"), 10);

	oq_init(&q);
	q.fac = (1u << 16) | (1u << 4);
	check("--facility", &q, ARGS("--facility", "local0,auth"), 10);

	oq_init(&q);
	q.grep = "action=\"edit\"";
	check("--grep", &q, ARGS("--grep", "action=\"edit\""), 10);
	q.grep = "deny";
	q.icase = true;
	check("--grep -i", &q, ARGS("--grep", "DENY", "-i"), 10);

	oq_init(&q);
	q.regex = "user=\"(dr|ns)_[a-z]+\" .*action=\"(print|export)\"";
	check("--regex", &q, ARGS("--regex", q.regex), 10);

	oq_init(&q);
	q.events = true;
	check("--events", &q, ARGS("--events"), 20001);
}

Test(search, sources)
{
	struct pick p4 = { .f = -1, .nth = 0 }, p6 = { .f = -1, .nth = 1 };
	char a[64], arg[80];
	struct oq q;

	build_store();
	pick_scan(&p4);
	pick_scan(&p6);
	cr_assert(p4.family == 4 && p6.family == 6);

	oq_init(&q);
	inet_ntop(AF_INET, p4.addr + 12, a, sizeof(a));
	memcpy(q.addr[0], p4.addr, 16);
	q.bits[0] = 128;
	q.nsrc = 1;
	check("--source IPv4", &q, ARGS("--source", a), 10);
	q.bits[0] = 96 + 24;
	snprintf(arg, sizeof(arg), "%s/24", a);
	check("--source IPv4/24", &q, ARGS("--source", arg), 100);
	q.bits[0] = 96 + 20;
	snprintf(arg, sizeof(arg), "%s/20", a);
	check("--source IPv4/20", &q, ARGS("--source", arg), 100);
	q.bits[0] = 96 + 8;
	snprintf(arg, sizeof(arg), "%s/8", a);
	check("--source IPv4/8 (not indexed)", &q, ARGS("--source", arg), 100);

	oq_init(&q);
	inet_ntop(AF_INET6, p6.addr, a, sizeof(a));
	memcpy(q.addr[0], p6.addr, 16);
	q.bits[0] = 128;
	q.nsrc = 1;
	check("--source IPv6", &q, ARGS("--source", a), 10);
	q.bits[0] = 64;
	snprintf(arg, sizeof(arg), "%s/64", a);
	check("--source IPv6/64", &q, ARGS("--source", arg), 100);
	q.bits[0] = 0;
	check("--source ::/0 (every source)", &q, ARGS("--source", "::/0"), 19000);

	/* Two values of one filter are ORed. */
	memcpy(q.addr[0], p6.addr, 16);
	q.bits[0] = 128;
	memcpy(q.addr[1], p4.addr, 16);
	q.bits[1] = 128;
	q.nsrc = 2;
	inet_ntop(AF_INET, p4.addr + 12, arg, sizeof(arg));
	check("--source twice", &q, ARGS("--source", a, "--source", arg), 20);
}

Test(search, filters_combined)
{
	struct oq q;
	const char *h1, *h2, *app;

	build_store();
	h1 = pick_field(SC_F_HOSTNAME, 1);
	h2 = pick_field(SC_F_HOSTNAME, 5);
	app = pick_field(SC_F_APPNAME, 0);

	oq_init(&q);
	q.host[q.nhost++] = h1;
	q.from = ns_of("2026-03-01T00:02:00Z");
	q.to = ns_of("2026-03-01T00:12:00Z") + 999999999;
	check("--host + time", &q, ARGS("--host", h1, "--from", "2026-03-01T00:02:00Z",
					"--to", "2026-03-01T00:12:00Z"), 5);

	oq_init(&q);
	q.sev = 0xff >> 1;
	q.fac = 1u << 16;
	q.grep = "seq=1";
	check("--severity + --facility + --grep", &q,
	      ARGS("--severity", "0-6", "--facility", "16", "--grep", "seq=1"), 5);

	oq_init(&q);
	q.host[q.nhost++] = h1;
	q.host[q.nhost++] = h2;
	q.app[q.napp++] = app;
	check("two --host + --app", &q, ARGS("--host", h1, "--host", h2, "--app", app), 0);

	oq_init(&q);
	memcpy(q.addr[0], (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18 }, 16);
	q.bits[0] = 96 + 16;
	q.nsrc = 1;
	q.regex = "(login|logon)";
	q.icase = true;
	q.from = ns_of("2026-03-01T00:10:00Z");
	check("--source + --regex -i + --from", &q,
	      ARGS("--source", "198.18.0.0/16", "--regex", "(login|logon)", "-i",
		   "--from", "2026-03-01T00:10:00Z"), 5);

	/* Nothing: exit 1, no output. */
	oq_init(&q);
	q.host[q.nhost++] = "no-such-host.example";
	check("no match", &q, ARGS("--host", "no-such-host.example"), 0);
}

Test(search, limit_count_formats)
{
	struct oq q;
	struct orec *want, *got;
	size_t nw, ng;
	const char *h;

	build_store();
	h = pick_field(SC_F_HOSTNAME, 2);
	oq_init(&q);
	q.host[q.nhost++] = h;
	nw = brute(&q, &want);
	cr_assert(nw > 40);

	cr_assert_eq(search(ARGS("--host", h, "--limit", "40"), &got, &ng), 0, "%s", err);
	expect_same("--limit 40", want, 40, got, ng);
	free(got);

	cr_assert_eq(RUN(SEALCTL, "search", "--host", h, "--count", store), 0, "%s", err);
	cr_expect_eq(strtoull(out, NULL, 10), nw, "--count printed %s, the scan found %zu", out, nw);

	/* JSON Lines and CSV: one line per record (plus the CSV header), IDs first. */
	cr_assert_eq(RUN(SEALCTL, "search", "--host", h, "--format", "json", store), 0);
	{
		size_t lines = 0;

		for (const char *p = out; (p = strstr(p, "{\"id\":\"")) != NULL; p++, lines++) {
			char id[40];

			snprintf(id, sizeof(id), "{\"id\":\"%" PRIu64 ".%u\"", want[lines].block,
				 want[lines].idx);
			cr_expect(strncmp(p, id, strlen(id)) == 0, "json line %zu: %.60s, want %s", lines, p, id);
		}
		cr_expect_eq(lines, nw);
	}
	cr_assert_eq(RUN(SEALCTL, "search", "--host", h, "--format", "csv", store), 0);
	cr_expect(strncmp(out, "id,time,source,port,host,app,severity,facility,message\r\n", 56) == 0);
	/* raw: "ID LEN " then exactly LEN stored bytes and a newline. */
	cr_assert_eq(RUN(SEALCTL, "search", "--host", h, "--format", "raw", store), 0);
	{
		const char *p = out, *end = out + out_len;
		size_t k = 0;

		while (p < end) {
			unsigned long long b;
			unsigned i, len;
			int used;

			cr_assert_eq(sscanf(p, "%llu.%u %u %n", &b, &i, &len, &used), 3);
			cr_expect(b == want[k].block && i == want[k].idx);
			p += used + len;
			cr_assert(p < end && *p == '\n');
			p++;
			k++;
		}
		cr_expect_eq(k, nw);
	}
	free(want);
}

/* ---- the index -------------------------------------------------------------------- */

struct stats {
	unsigned long long blocks, indexed, time, mask, bloom, read;
	unsigned segs, segs_indexed;
};

static struct stats
stats_of(const char *text)
{
	struct stats s = { 0 };
	const char *p = strstr(text, "stats: ");

	cr_assert(p != NULL, "no stats line in:\n%s", text);
	cr_assert_eq(sscanf(p, "stats: %u segment(s), %u with an index; %llu block(s) considered, "
			    "%llu from the index; ruled out: %llu by time, %llu by masks, %llu by "
			    "Bloom filters; %llu read", &s.segs, &s.segs_indexed, &s.blocks, &s.indexed,
			    &s.time, &s.mask, &s.bloom, &s.read), 8, "stats line: %s", p);
	return s;
}

Test(search, index_rules_blocks_out)
{
	const char *h;
	struct stats s;

	build_store();
	h = pick_field(SC_F_HOSTNAME, 4);
	cr_assert_eq(RUN(SEALCTL, "search", "--host", h, "--stats", store), 0, "%s", err);
	s = stats_of(err);
	cr_expect(s.segs > 5 && s.segs_indexed == s.segs, "segments %u, indexed %u", s.segs,
		  s.segs_indexed);
	cr_expect(s.blocks > 1000 && s.indexed == s.blocks, "blocks %llu, from the index %llu",
		  s.blocks, s.indexed);
	cr_expect(s.bloom > s.blocks / 3 && s.read < s.blocks - s.bloom + 1,
		  "host query: %llu of %llu blocks ruled out by Bloom filters, %llu read", s.bloom,
		  s.blocks, s.read);

	cr_assert_eq(RUN(SEALCTL, "search", "--from", "2026-03-01T00:10:00Z", "--to",
			 "2026-03-01T00:10:59Z", "--stats", store), 0, "%s", err);
	s = stats_of(err);
	cr_expect(s.time > s.blocks * 8 / 10 && s.read < s.blocks / 10,
		  "one-minute query: %llu of %llu blocks ruled out by time, %llu read", s.time,
		  s.blocks, s.read);

	cr_assert_eq(RUN(SEALCTL, "search", "--severity", "emerg", "--stats", store), 1, "%s", err);
	s = stats_of(err);
	cr_expect(s.mask > 0, "severity emerg: no block ruled out by its mask");
}

static unsigned
index_files(char names[][400], unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 1000 && n < max; i++) {
		snprintf(names[n], 400, "%s/index/%08u.idx", store, i);
		if (access(names[n], F_OK) == 0)
			n++;
	}
	return n;
}

static void
flip(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	cr_assert_eq(fseek(f, off, SEEK_SET), 0);
	c = fgetc(f);
	cr_assert(c != EOF);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x40, f);
	fclose(f);
}

Test(search, index_damage_changes_nothing_but_speed)
{
	char idx[64][400];
	char *orig[64];
	size_t olen[64];
	unsigned n;
	struct oq q;
	const char *h;
	const char *const *a;

	build_store();
	h = pick_field(SC_F_HOSTNAME, 6);
	a = ARGS("--host", h, "--stats");
	n = index_files(idx, 64);
	cr_assert(n > 5, "%u index files", n);
	for (unsigned i = 0; i < n; i++)
		orig[i] = sct_slurp(idx[i], &olen[i]);
	oq_init(&q);
	q.host[q.nhost++] = h;
	check("intact index", &q, a, 10);

	/* Missing, damaged in the middle, another segment's, torn at the end. */
	cr_assert_eq(unlink(idx[1]), 0);
	flip(idx[2], 128 + 800 * 3 + 200);
	{
		FILE *f = fopen(idx[4], "wb");

		fwrite(orig[3], 1, olen[3], f);
		fclose(f);
	}
	cr_assert_eq(truncate(idx[5], (off_t)olen[5] - 100), 0);
	check("damaged indexes", &q, a, 10);
	cr_expect(strstr(err, "segment 00000001: no index") != NULL, "stderr:\n%s", err);
	cr_expect(strstr(err, "segment 00000002: entry 3 damaged") != NULL, "stderr:\n%s", err);
	cr_expect(strstr(err, "segment 00000004: index of another segment") != NULL, "stderr:\n%s", err);
	cr_expect(strstr(err, "segment 00000005:") != NULL, "torn index not reported:\n%s", err);
	cr_expect(stats_of(err).segs_indexed == n - 2, "stderr:\n%s", err);

	/* No index at all: the same answer from block headers. */
	for (unsigned i = 0; i < n; i++)
		unlink(idx[i]);
	check("no index at all", &q, a, 10);
	cr_expect(stats_of(err).segs_indexed == 0);

	/* rebuild-index gives back what the writer wrote, byte for byte. */
	cr_assert_eq(RUN(SEALCTL, "rebuild-index", store), 0, "%s%s", out, err);
	cr_expect(strstr(out, "rebuilt") != NULL, "%s", out);
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		char *now = sct_slurp(idx[i], &len);

		cr_expect(len == olen[i] && memcmp(now, orig[i], len) == 0,
			  "%s differs after rebuild-index (%zu bytes, the writer wrote %zu)", idx[i],
			  len, olen[i]);
		free(now);
		free(orig[i]);
	}
	check("rebuilt index", &q, a, 10);
	cr_expect(stats_of(err).segs_indexed == n);
}

/* ---- damage ------------------------------------------------------------------------- */

/* The block of log index @p log: its segment and offset. */
static struct bpos
block_at(uint64_t log)
{
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	struct bpos b = { 0, 0 };

	while (sc_store_read(r, &h, &stored, &pos, &e) == 1)
		if (h.log_index == log) {
			b = (struct bpos){ pos.segment, pos.offset };
			break;
		}
	sc_store_reader_close(r);
	cr_assert(b.offset != 0, "no block %" PRIu64, log);
	return b;
}

static const char *
seg_path(uint32_t seg)
{
	static char p[400];

	snprintf(p, sizeof(p), "%s/segments/%08u.seg", store, seg);
	return p;
}

Test(search, damaged_block_exit_3_rest_found)
{
	struct bpos b1, b2;
	struct oq q;
	struct orec *want, *got;
	size_t nw, ng;
	char line[200];
	int rc;

	build_store();
	remember_blocks();
	b1 = block_at(300);      /* payload byte changed */
	b2 = block_at(700);      /* header byte changed */
	flip(seg_path(b1.segment), (long)b1.offset + 320 + 40);
	flip(seg_path(b2.segment), (long)b2.offset + 64);

	oq_init(&q);
	nw = brute(&q, &want);
	cr_assert(nw > 19000 && nw < 20000, "scan: %zu", nw);
	rc = search(ARGS("--format", "text"), &got, &ng);
	cr_expect_eq(rc, 3, "exit %d, want 3 (damage met); stderr:\n%s", rc, err);
	ng = ids_of(out, &got);
	expect_same("damaged store", want, nw, got, ng);
	snprintf(line, sizeof(line), "DAMAGED segment %08u offset %" PRIu64 " block 300 lane ",
		 b1.segment, b1.offset);
	cr_expect(strstr(err, line) != NULL && strstr(err, "PAYLOAD_HASH") != NULL,
		  "want '%s... PAYLOAD_HASH' in:\n%s", line, err);
	snprintf(line, sizeof(line), "DAMAGED segment %08u offset %" PRIu64 " block 700: BLK_HASH",
		 b2.segment, b2.offset);
	cr_expect(strstr(err, line) != NULL, "want '%s' in:\n%s", line, err);
	free(want);
	free(got);

	/* A query that never needs the damaged blocks is not troubled by them. */
	cr_expect_eq(RUN(SEALCTL, "search", "--to", "2026-03-01T00:00:10Z", store), 0, "%s", err);
	free(known);
	known = NULL;
	nknown = 0;
}

/* ---- plain errors -------------------------------------------------------------------- */

static void
refused(const char *const *argv, const char *words)
{
	int rc = run(argv);

	cr_expect_eq(rc, 2, "%s %s: exit %d, want 2", argv[1], argv[2], rc);
	cr_expect(strstr(err, words) != NULL, "want \"%s\" in:\n%s", words, err);
	cr_expect_eq(out_len, 0, "output on a refused query:\n%s", out);
}

Test(search, plain_errors)
{
	build_store();
	refused(ARGS(SEALCTL, "search", "--from", "2026-13-01", store),
		"--from '2026-13-01': month 13 is not 1..12");
	refused(ARGS(SEALCTL, "search", "--to", "2026-02-29", store),
		"--to '2026-02-29': day 29: February 2026 has 28 days");
	refused(ARGS(SEALCTL, "search", "--from", "2026-03-01 24:00", store),
		"hour 24 is not 0..23");
	refused(ARGS(SEALCTL, "search", "--from", "yesterday", store),
		"expected RFC 3339 such as 2026-03-01T02:00:00+09:00, or local time");
	refused(ARGS(SEALCTL, "search", "--from", "2026-03-02", "--to", "2026-03-01", store),
		"empty time range: --from '2026-03-02' is after --to '2026-03-01'");
	refused(ARGS(SEALCTL, "search", "--severity", "loud", store),
		"--severity 'loud': expected a level");
	refused(ARGS(SEALCTL, "search", "--facility", "local9", store),
		"'local9' is not a facility");
	refused(ARGS(SEALCTL, "search", "--source", "10.0.0.300", store),
		"'10.0.0.300' is not an IPv4 or IPv6 address");
	refused(ARGS(SEALCTL, "search", "--source", "10.0.0.0/33", store),
		"an IPv4 prefix is at most /32");
	refused(ARGS(SEALCTL, "search", "--regex", "(unclosed", store), "--regex '(unclosed':");
	refused(ARGS(SEALCTL, "search", "--limit", "0", store), "--limit '0'");
	refused(ARGS(SEALCTL, "search", "--format", "xml", store), "expected text, json, csv or raw");
	refused(ARGS(SEALCTL, "search", tmp), "not a sealcap store");
	refused(ARGS(SEALCTL, "search", in_tmp("nowhere")), "not a sealcap store");
	run_tz = "CET-1CEST,M3.5.0,M10.5.0/3";  /* Berlin; clocks skip 02:00-03:00 on 29 March */
	refused(ARGS(SEALCTL, "search", "--from", "2026-03-29 02:30", store),
		"this local time does not exist in time zone CET-1CEST");
	run_tz = NULL;
}

/* ---- Japanese ------------------------------------------------------------------------- */

struct jmsg {
	uint8_t *p;
	size_t len;
};

static size_t
split_lines(const char *path, struct jmsg *v, size_t max)
{
	size_t len, n = 0;
	char *s = sct_slurp(path, &len), *p = s;

	while (p < s + len && n < max) {
		char *e = memchr(p, '\n', (size_t)(s + len - p));
		size_t l = e ? (size_t)(e - p) : (size_t)(s + len - p);

		v[n].p = malloc(l + 1);
		memcpy(v[n].p, p, l);
		v[n].p[l] = 0;
		v[n++].len = l;
		p += l + 1;
	}
	free(s);
	return n;
}

/* Ethernet / IPv4 / UDP frames to 514, one per message, 1 ms apart. */
static void
write_pcap(const char *path, const struct jmsg *m, size_t n)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(p, path);

	cr_assert(d != NULL, "%s: %s", path, pcap_geterr(p));
	for (size_t i = 0; i < n; i++) {
		uint8_t f[2048] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53,
				    0x02, 0x08, 0x00 };
		uint8_t *ip = f + 14, *udp = ip + 20;
		size_t ulen = 8 + m[i].len;
		uint32_t sum = 0;
		struct pcap_pkthdr h;

		cr_assert(14 + 20 + ulen <= sizeof(f));
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + ulen) >> 8);
		ip[3] = (uint8_t)(20 + ulen);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (const uint8_t[]){ 198, 51, 100, (uint8_t)(10 + i % 3) }, 4);
		memcpy(ip + 16, (const uint8_t[]){ 198, 19, 255, 254 }, 4);
		for (int k = 0; k < 20; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
		udp[0] = 0x02;          /* source port 514 */
		udp[1] = 0x02;
		udp[2] = 0x02;
		udp[3] = 0x02;
		udp[4] = (uint8_t)(ulen >> 8);
		udp[5] = (uint8_t)ulen;
		memcpy(udp + 8, m[i].p, m[i].len);   /* UDP checksum 0: none (IPv4) */
		h.ts.tv_sec = 1796354100 + (time_t)(i / 1000);   /* 2026-12-04T09:15:00+09:00 */
		h.ts.tv_usec = (suseconds_t)(i % 1000) * 1000;
		h.caplen = h.len = (bpf_u_int32)(14 + 20 + ulen);
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

/* Does a line of @p text hold both @p a and @p b? */
static bool
line_with(const char *text, const char *a, const char *b)
{
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (memmem(p, n, a, strlen(a)) && memmem(p, n, b, strlen(b)))
			return true;
		p += n + (e != NULL);
	}
	return false;
}

/* The first run of non-ASCII bytes (a Japanese word) of a UTF-8 line. */
static bool
first_japanese(const uint8_t *s, size_t n, char *word, size_t cap)
{
	size_t i = 0, j;

	while (i < n && s[i] < 0x80)
		i++;
	if (i == n)
		return false;
	for (j = i; j < n && s[j] >= 0x80; j++)
		;
	if (j - i >= cap)
		j = i + cap - 1;
	memcpy(word, s + i, j - i);
	word[j - i] = '\0';
	return true;
}

/*
 * The store of the Japanese corpus: each line in UTF-8 (u) then in
 * Shift_JIS (sj), then the two cut datagrams.  All records are in @p all
 * (free each).  @return how many; the corpus lines in *nu.
 */
static size_t
ja_store(struct jmsg u[32], struct jmsg sj[32], struct jmsg all[70], size_t *nu)
{
	size_t ns, n = 0;

	*nu = split_lines(JA "utf8.txt", u, 32);
	ns = split_lines(JA "sjis.txt", sj, 32);
	cr_assert(*nu >= 10 && *nu == ns, "%zu UTF-8 lines, %zu Shift_JIS lines", *nu, ns);
	for (size_t i = 0; i < *nu; i++) {
		all[n++] = u[i];
		all[n++] = sj[i];
	}
	all[n].p = (uint8_t *)sct_slurp(JA "truncated-utf8.bin", &all[n].len);
	n++;
	all[n].p = (uint8_t *)sct_slurp(JA "truncated-sjis.bin", &all[n].len);
	n++;
	write_pcap(in_tmp("ja.pcap"), all, n);
	cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("ja.pcap"), "--store", store,
			 "--fsync", "none"), 0, "sealcap: %s", err);
	return n;
}

Test(search, japanese_found_by_utf8_grep)
{
	struct jmsg u[32], sj[32], all[70];
	size_t nu, n = ja_store(u, sj, all, &nu);
	unsigned words = 0;

	for (size_t i = 0; i < nu; i++) {
		char word[128], want[4096];
		struct oq q;
		size_t len;

		if (!first_japanese(u[i].p, u[i].len, word, sizeof(word)))
			continue;       /* an ASCII-only line of the corpus */
		words++;
		oq_init(&q);
		q.grep = word;
		/* Found in both encodings, with the same IDs as the scan... */
		cr_assert(check(word, &q, ARGS("--grep", word), 2) >= 2);
		/* ...shown as the same UTF-8 text... */
		cr_assert_eq(RUN(SEALCTL, "search", "--grep", word, "--format", "json", store), 0);
		len = 0;
		for (size_t k = 0; k < u[i].len; k++) {
			if (u[i].p[k] == '"' || u[i].p[k] == '\\')
				want[len++] = '\\';
			want[len++] = (char)u[i].p[k];
		}
		memcpy(want + len, "\",\"raw_b64\"", 12);
		cr_expect(line_with(out, "\"charset\":\"shift_jis\"", want),
			  "line %zu: no Shift_JIS record shown as %s in:\n%s", i + 1, want, out);
		cr_expect(line_with(out, "\"charset\":\"utf-8\"", want),
			  "line %zu: no UTF-8 record shown as %s in:\n%s", i + 1, want, out);
		/* ...while raw gives the stored bytes. */
		cr_assert_eq(RUN(SEALCTL, "search", "--grep", word, "--format", "raw", store), 0);
		cr_expect(memmem(out, out_len, sj[i].p, sj[i].len) != NULL,
			  "line %zu: raw output lacks the Shift_JIS bytes", i + 1);
		cr_expect(memmem(out, out_len, u[i].p, u[i].len) != NULL,
			  "line %zu: raw output lacks the UTF-8 bytes", i + 1);
	}
	cr_expect(words >= 9, "only %u lines with Japanese", words);

	/*
	 * ASCII needles in Shift_JIS records: "jimu03" is there as ASCII;
	 * 't"' only in the raw bytes, as the trail byte of 師 (0x8e 0x74)
	 * and a quote, so the converted text does not hold it.
	 */
	{
		struct oq q;

		oq_init(&q);
		q.grep = "jimu03";
		cr_expect_eq(check("ASCII in Shift_JIS", &q, ARGS("--grep", "jimu03"), 4), 4);
		q.grep = "t\"";
		check("a trail byte is not a character", &q, ARGS("--grep", "t\""), 0);
		cr_assert_eq(RUN(SEALCTL, "search", "--grep", "t\"", "--format", "json", store), 1,
			     "'t\"' found in:\n%s", out);
	}

	/* Messages cut inside a character: found by the text before the cut. */
	{
		struct oq q;

		oq_init(&q);
		q.grep = "医師";
		cr_expect_eq(check("cut messages", &q, ARGS("--grep", "医師"), 4), 4);
		cr_assert_eq(RUN(SEALCTL, "search", "--grep", "医師", "--format", "text", store), 0);
		cr_expect(strstr(out, "action=\"\\x89\n") != NULL,
			  "the cut Shift_JIS lead byte is not shown as \\x89:\n%s", out);
		cr_expect(strstr(out, "action=\"\\xe9\n") != NULL,
			  "the cut UTF-8 lead byte is not shown as \\xe9:\n%s", out);
		cr_assert_eq(RUN(SEALCTL, "search", "--grep", "医師", "--format", "json", store), 0);
		cr_expect(strstr(out, "action=\\\"\xef\xbf\xbd\",\"raw_b64\"") != NULL,
			  "cut characters are not U+FFFD in JSON:\n%s", out);
	}
	for (size_t i = 0; i < n; i++)
		free(all[i].p);
}

/* The line of @p text that starts with @p id and a space, and its length. */
static const char *
line_of_id(const char *text, const char *id, size_t *len)
{
	size_t il = strlen(id);

	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > il && strncmp(p, id, il) == 0 && p[il] == ' ') {
			*len = n;
			return p;
		}
		p += n + (e != NULL);
	}
	return NULL;
}

/* After the third space of a text line (ID, time, source): the message. */
static const char *
text_message(const char *line, size_t n, size_t *mlen)
{
	const char *p = line;

	for (int k = 0; k < 3; k++) {
		p = memchr(p, ' ', n - (size_t)(p - line));
		cr_assert_not_null(p, "not a text line: %.*s", (int)n, line);
		p++;
	}
	*mlen = n - (size_t)(p - line);
	return p;
}

/* A JSON string value of a field on a JSON line, escapes kept: its length in @p vlen. */
static const char *
json_field(const char *line, size_t n, const char *name, size_t *vlen)
{
	char key[64];
	const char *p, *q;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = memmem(line, n, key, strlen(key));
	if (p == NULL)
		return NULL;
	p += strlen(key);
	for (q = p; q < line + n && *q != '"'; q++)
		if (*q == '\\')
			q++;
	*vlen = (size_t)(q - p);
	return p;
}

/*
 * sealctl cat shows a Shift_JIS record's message as search does: the
 * UTF-8 line in text (the message part of every line byte for byte as
 * search --format text prints it) and in JSON "text" (as search's
 * "message"), while "raw_b64" still gives the Shift_JIS bytes.
 */
Test(search, cat_shows_japanese_as_search_does)
{
	struct jmsg u[32], sj[32], all[70];
	size_t nu, n = ja_store(u, sj, all, &nu);
	char *cat_text, *search_text, *cat_json;
	unsigned compared = 0, japanese = 0;

	cr_assert_eq(RUN(SEALCTL, "cat", store), 0, "cat: %s", err);
	cat_text = out;
	out = NULL;
	cr_assert_eq(RUN(SEALCTL, "search", "--format", "text", store), 0, "search: %s", err);
	search_text = out;
	out = NULL;

	/* Every cat line's message is search's for the same record ID. */
	for (const char *p = cat_text; *p;) {
		const char *e = strchr(p, '\n'), *sl, *cm, *sm;
		size_t cn = e ? (size_t)(e - p) : strlen(p), sn, cml, sml;
		char id[48];

		cr_assert(sscanf(p, "%47s ", id) == 1);
		sl = line_of_id(search_text, id, &sn);
		cr_assert_not_null(sl, "record %s: cat shows it, search does not:\n%s", id,
				   search_text);
		cm = text_message(p, cn, &cml);
		sm = text_message(sl, sn, &sml);
		cr_expect(cml == sml && memcmp(cm, sm, cml) == 0,
			  "record %s: cat shows\n%.*s\nsearch shows\n%.*s", id, (int)cml, cm,
			  (int)sml, sm);
		compared++;
		p += cn + (e != NULL);
	}
	cr_expect_eq(compared, n, "cat printed %u records of %zu", compared, n);

	/* Each Shift_JIS line is shown as its UTF-8 line, twice (both records). */
	for (size_t i = 0; i < nu; i++) {
		char want[4096];
		unsigned seen = 0;

		if (u[i].len == sj[i].len && memcmp(u[i].p, sj[i].p, u[i].len) == 0)
			continue;       /* ASCII only */
		japanese++;
		cr_assert_lt(u[i].len + 3, sizeof(want));
		want[0] = ' ';
		memcpy(want + 1, u[i].p, u[i].len);
		memcpy(want + 1 + u[i].len, "\n", 2);
		for (const char *p = cat_text; (p = strstr(p, want)) != NULL; p++)
			seen++;
		cr_expect_eq(seen, 2, "line %zu shown %u times as UTF-8 by cat:\n%s", i + 1, seen,
			     cat_text);
	}
	cr_expect_geq(japanese, 9);
	cr_expect(strstr(cat_text, "action=\"\\x89\n") != NULL,
		  "the cut Shift_JIS lead byte is not shown as \\x89:\n%s", cat_text);

	/* JSON: "text" is search's "message"; "raw_b64" is the Shift_JIS bytes. */
	cr_assert_eq(RUN(SEALCTL, "cat", "--format", "json", store), 0, "cat: %s", err);
	cat_json = out;
	out = NULL;
	cr_assert_eq(RUN(SEALCTL, "search", "--format", "json", store), 0, "search: %s", err);
	compared = 0;
	for (size_t i = 0; i < nu; i++) {
		unsigned char b64[4096];
		uint8_t dec[4096];
		const char *cl = NULL, *sl = NULL, *v, *w, *ct, *id;
		size_t cn = 0, sn = 0, vl, wl, ctl, idl;
		char idkey[64];
		int dn;

		if (u[i].len == sj[i].len && memcmp(u[i].p, sj[i].p, u[i].len) == 0)
			continue;
		cr_assert_lt(4 * ((sj[i].len + 2) / 3) + 1, sizeof(b64));
		EVP_EncodeBlock(b64, sj[i].p, (int)sj[i].len);
		/* The cat line of the Shift_JIS record: found by its evidence bytes. */
		for (const char *p = cat_json; *p;) {
			const char *e = strchr(p, '\n');
			size_t ln = e ? (size_t)(e - p) : strlen(p);

			v = json_field(p, ln, "raw_b64", &vl);
			if (v && vl == strlen((char *)b64) && memcmp(v, b64, vl) == 0) {
				cl = p;
				cn = ln;
				break;
			}
			p += ln + (e != NULL);
		}
		cr_assert_not_null(cl, "line %zu: no cat record with the Shift_JIS bytes", i + 1);
		v = json_field(cl, cn, "raw_b64", &vl);
		dn = EVP_DecodeBlock(dec, (const unsigned char *)v, (int)vl);
		cr_assert(dn >= (int)sj[i].len && memcmp(dec, sj[i].p, sj[i].len) == 0,
			  "line %zu: raw_b64 does not decode to the Shift_JIS bytes", i + 1);
		/* "text" is the UTF-8 line, JSON-escaped as search escapes it. */
		ct = json_field(cl, cn, "text", &ctl);
		cr_assert_not_null(ct, "line %zu: no \"text\" in %.*s", i + 1, (int)cn, cl);
		id = json_field(cl, cn, "id", &idl);
		cr_assert_not_null(id);
		snprintf(idkey, sizeof(idkey), "{\"id\":\"%.*s\"", (int)idl, id);
		for (const char *p = out; *p;) {
			const char *e = strchr(p, '\n');
			size_t ln = e ? (size_t)(e - p) : strlen(p);

			if (strncmp(p, idkey, strlen(idkey)) == 0) {
				sl = p;
				sn = ln;
				break;
			}
			p += ln + (e != NULL);
		}
		cr_assert_not_null(sl, "line %zu: search has no record %s", i + 1, idkey);
		w = json_field(sl, sn, "message", &wl);
		cr_assert_not_null(w);
		cr_expect(ctl == wl && memcmp(ct, w, wl) == 0,
			  "line %zu: cat \"text\" %.*s\nsearch \"message\" %.*s", i + 1, (int)ctl,
			  ct, (int)wl, w);
		/* ...which is the UTF-8 line, quotes and backslashes escaped. */
		{
			char want[4096];
			size_t len = 0;

			for (size_t k = 0; k < u[i].len && len + 2 < sizeof(want); k++) {
				if (u[i].p[k] == '"' || u[i].p[k] == '\\')
					want[len++] = '\\';
				want[len++] = (char)u[i].p[k];
			}
			cr_expect(ctl == len && memcmp(ct, want, len) == 0,
				  "line %zu: \"text\" is %.*s", i + 1, (int)ctl, ct);
		}
		compared++;
	}
	cr_expect_geq(compared, 9);
	/* raw stays the stored bytes. */
	cr_assert_eq(RUN(SEALCTL, "cat", "--format", "raw", store), 0, "cat: %s", err);
	for (size_t i = 0; i < nu; i++)
		cr_expect(memmem(out, out_len, sj[i].p, sj[i].len) != NULL,
			  "line %zu: raw output lacks the Shift_JIS bytes", i + 1);
	free(cat_text);
	free(search_text);
	free(cat_json);
	for (size_t i = 0; i < n; i++)
		free(all[i].p);
}

/* ---- tail ------------------------------------------------------------------------------ */

static unsigned
count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static uint16_t
engine_start(void)
{
	const char *argv[] = { SEALCAP, "--driver", "socket", "--listen", "udp://127.0.0.1:0",
			       "--store", store, "--lanes", "2", "--flush-ms", "20", "--block-bytes",
			       "4K", "--segment-bytes", "64K", "--fsync", "none", NULL };
	char *e = NULL;
	const char *p;
	uint16_t port = 0;

	kids[0] = spawn_to(argv, in_tmp("engine.out"), in_tmp("engine.err"));
	/* Until it says where it listens (it exits on a failure). */
	while (port == 0) {
		int st;

		free(e);
		e = sct_slurp_live(in_tmp("engine.err"));
		p = strstr(e, "listening on udp://127.0.0.1:");
		if (p != NULL)
			port = (uint16_t)atoi(p + strlen("listening on udp://127.0.0.1:"));
		else if (waitpid(kids[0], &st, WNOHANG) == kids[0])
			cr_assert_fail("sealcap exited before listening:\n%s", e);
		else
			sleep_ms(10);
	}
	free(e);
	return port;
}

static void
send_udp(uint16_t port, const char *count, const char *seed)
{
	char url[64];

	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", port);
	cr_assert_eq(RUN(GEN, "--out", url, "--count", count, "--seed", seed, "--sources", "8",
			 "--rate", "5000"), 0, "sealcap-gen: %s", err);
}

/* Until `sealctl search --count` says the store holds @p n records. */
static void
wait_stored(unsigned long long n)
{
	for (;;) {
		unsigned long long c;

		RUN(SEALCTL, "search", "--count", store);
		c = strtoull(out, NULL, 10);
		cr_assert(c <= n, "store holds %llu records, more than the %llu sent", c, n);
		if (c == n)
			return;
		sleep_ms(50);
	}
}

static int
stop_kid(int k)
{
	int st;

	cr_assert_eq(kill(kids[k], SIGTERM), 0);
	cr_assert_eq(waitpid(kids[k], &st, 0), kids[k]);
	kids[k] = 0;
	cr_assert(WIFEXITED(st), "status 0x%x", st);
	return WEXITSTATUS(st);
}

Test(search, tail_follows_a_live_engine)
{
	const char *argv[] = { SEALCTL, "tail", "-f", "-n", "5", "--interval", "20", store, NULL };
	struct orec *all, *first;
	size_t nall, nfirst;
	char *t = NULL;
	uint16_t port = engine_start();

	/* Before tail starts: 200 records, of which it shows the last 5. */
	send_udp(port, "200", "1");
	wait_stored(200);
	cr_assert_eq(search(ARGS("--format", "text"), &first, &nfirst), 0);
	cr_assert_eq(nfirst, 200);
	kids[1] = spawn_to(argv, in_tmp("tail.out"), in_tmp("tail.err"));
	while (count_lines(t = sct_slurp_live(in_tmp("tail.out"))) < 5) {
		free(t);
		sleep_ms(20);
	}
	free(t);

	/* Then 600 more, with a segment rotation (SIGHUP) half-way. */
	send_udp(port, "300", "2");
	cr_assert_eq(kill(kids[0], SIGHUP), 0);
	send_udp(port, "300", "3");
	wait_stored(800);
	/* The engine still runs: tail must show all 605 by itself. */
	while (count_lines(t = sct_slurp_live(in_tmp("tail.out"))) < 605) {
		free(t);
		sleep_ms(20);
	}
	free(t);
	cr_expect_eq(stop_kid(1), 0, "tail -f exit status after SIGTERM");
	cr_expect_eq(stop_kid(0), 0, "engine exit status after SIGTERM");

	/* The first 5 lines are the last 5 of the 200, then every later record once. */
	free(out);
	out = sct_slurp(in_tmp("tail.out"), &out_len);
	{
		struct orec *got;
		size_t ng = ids_of(out, &got);
		char *tail_out = strdup(out);

		cr_assert_eq(search(ARGS("--format", "text"), &all, &nall), 0);
		cr_assert_eq(nall, 800);
		cr_expect_eq(ng, 605, "tail printed %zu lines:\n%s", ng, tail_out);
		expect_same("tail -n 5", first + 195, 5, got, 5);
		/* Followed records come block by block: compare as sets. */
		for (size_t i = 200; i < nall; i++) {
			size_t k;

			for (k = 5; k < ng; k++)
				if (got[k].block == all[i].block && got[k].idx == all[i].idx)
					break;
			cr_expect(k < ng, "record %" PRIu64 ".%u not shown by tail -f", all[i].block,
				  all[i].idx);
		}
		free(tail_out);
		free(got);
	}
	free(all);
	free(first);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * System tests: the built engine on the socket driver, fed live over
 * loopback by sealcap-gen and by syslog clients nobody here wrote
 * (util-linux logger, rsyslog's omfwd), then stopped with SIGTERM and its
 * store read back through the public reader API (sc_store_reader_*,
 * sc_block_open, sc_block_foreach) and checked with sealctl verify.
 *
 *   udp_2m_messages_at_rate      2,000,000 datagrams at a steady rate: every
 *                                seq=N stored exactly once
 *   tcp_1000_connections_...     500 octet-counted + 500 LF-framed connections,
 *                                1,000,000 messages: none lost, merged or split,
 *                                each byte for byte the generator's message
 *   sigterm_mid_run_...          SIGTERM while traffic flows: "received N"
 *                                equals the messages in the store
 *   logger_and_rsyslog_deliver   logger over UDP/TCP/octet counting, and
 *                                rsyslog forwarding with omfwd over TCP
 *
 * Traffic only goes to 127.0.0.0/8.  Every program is started here with
 * fork+exec under PR_SET_PDEATHSIG, remembered by PID, and killed by that
 * PID in .fini (and at exit) when a test fails half way; a Criterion
 * timeout that kills the test process takes its children with it.  The
 * tests take an exclusive lock (/tmp/sealcap-live.lock) so that two runs
 * never measure at the same time.
 *
 * Engine queues.  The load tests run the engine with its default RX queues
 * (2048 batches of 128 KiB, rings of 2048, adaptive batching): they prove
 * the defaults hold these rates.  An earlier engine handed a lane one batch
 * per receive burst and lost 0.2-4 % here whenever a lane lost the CPU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"
#include <criterion/logging.h>

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"


/* Test 1: 2,000,000 datagrams at this rate (SEALCAP_LIVE_UDP_RATE overrides). */
#define UDP_COUNT 2000000u
#define UDP_RATE 100000u
/* Test 2: two generators of 500 connections, 500,000 messages each, each at
 * this rate (SEALCAP_LIVE_TCP_RATE overrides): paced, because unpaced
 * senders outrun one sealer lane on 2 cores and the TCP path then drops. */
#define TCP_CONNS 500u
#define TCP_COUNT 500000u
#define TCP_RATE 50000u
/* Test 3: a steady UDP stream, stopped after ~2 s. */
#define TERM_RATE 20000u

static char tmp[256];
static int lock_fd = -1;

static void
setup(void)
{
	static bool registered;

	if (!registered) {
		atexit(sct_kill_children);
		registered = true;
	}
	signal(SIGPIPE, SIG_IGN);
	/* One live test at a time on this machine: they measure rates. */
	lock_fd = open("/tmp/sealcap-live.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_EX);
	sct_tmpdir(tmp, sizeof(tmp), "live");
}

static void
teardown(void)
{
	sct_kill_children();
	if (tmp[0])
		sct_rmtree(tmp);
	tmp[0] = '\0';
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

TestSuite(live, .init = setup, .fini = teardown, .timeout = 240);

static const char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

/* A program by name in PATH, then the sbin directories (rsyslogd). */
static const char *
find_prog(const char *name)
{
	static char path[8][512];
	static unsigned k;
	char *out = path[k++ % 8];
	const char *p = getenv("PATH");
	char dirs[2048];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", p ? p : "");
	for (char *s = dirs, *e; *s; s = e + (*e != '\0')) {
		e = strchr(s, ':');
		if (e == NULL)
			e = s + strlen(s);
		if (e > s) {
			snprintf(out, 512, "%.*s/%s", (int)(e - s), s, name);
			if (access(out, X_OK) == 0)
				return out;
		}
		if (*e == '\0')
			break;
	}
	return NULL;
}

/* Output of the last run(). */
static char *out, *err;

/* Run argv to the end (at most @p secs); stdout/stderr in out/err. */
static int
run(const char *const *argv, unsigned secs)
{
	const char *o = in_tmp("run.out"), *e = in_tmp("run.err");
	pid_t pid = sct_spawn(argv, o, e);
	int st = 0;

	free(out);
	free(err);
	out = err = NULL;
	if (!sct_wait(pid, &st, secs * 1000)) {
		kill(pid, SIGKILL);
		sct_wait(pid, &st, 10000);
		err = sct_slurp_live(e);
		cr_assert_fail("%s did not finish in %u s; stderr:\n%s", argv[0], secs, err);
	}
	out = sct_slurp_live(o);
	err = sct_slurp_live(e);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x); stderr:\n%s", argv[0], st, err);
	return WEXITSTATUS(st);
}

#define RUN(secs, ...) run((const char *const[]){ __VA_ARGS__, NULL }, secs)

/* N in "KEY N" (first occurrence), or -1. */
static int64_t
num_after(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;

	return p ? (int64_t)strtoll(p + strlen(key), NULL, 10) : -1;
}

/* ---- the engine --------------------------------------------------------------- */

static pid_t engine_pid;
static char store[300];

struct ports {
	uint16_t udp;
	uint16_t tcp[2];
};

/*
 * Start sealcap on the socket driver (store in the test directory) with
 * @p extra arguments, and wait for its @p nlisten "listening on" lines.
 */
static struct ports
engine_start(const char *const *extra, unsigned nlisten)
{
	const char *argv[64] = { SEALCAP, "--store", store, "--driver", "socket" };
	size_t n = 5;
	struct ports p = { 0 };
	char *e = NULL;
	int64_t end = sct_mono_ms() + 20000;

	snprintf(store, sizeof(store), "%s/store", tmp);
	while (*extra && n < 63)
		argv[n++] = *extra++;
	argv[n] = NULL;
	engine_pid = sct_spawn(argv, in_tmp("engine.out"), in_tmp("engine.err"));
	for (;;) {
		unsigned lines = 0;
		int st;

		free(e);
		e = sct_slurp_live(in_tmp("engine.err"));
		for (const char *q = e; (q = strstr(q, "listening on ")) != NULL; q++)
			lines++;
		if (lines >= nlisten)
			break;
		if (sct_wait(engine_pid, &st, 0)) {
			engine_pid = 0;
			cr_assert_fail("sealcap exited (status 0x%x) before listening:\n%s", st, e);
		}
		cr_assert(sct_mono_ms() < end, "sealcap not listening after 20 s:\n%s", e);
		sct_sleep_ms(10);
	}
	{
		const char *q = e;
		unsigned t = 0;

		p.udp = (uint16_t)num_after(e, "listening on udp://127.0.0.1:");
		while (t < 2 && (q = strstr(q, "listening on tcp://127.0.0.1:")) != NULL) {
			q += strlen("listening on tcp://127.0.0.1:");
			p.tcp[t++] = (uint16_t)atoi(q);
		}
	}
	free(e);
	return p;
}

/* "received N" from STORE/run/stats (published each second), or -1. */
static int64_t
engine_received(void)
{
	char path[400], *s;
	int64_t n;

	snprintf(path, sizeof(path), "%s/run/stats", store);
	s = sct_slurp_live(path);
	n = num_after(s, "\nreceived ");
	free(s);
	return n;
}

/* Wait (up to @p secs) until the running engine has received @p n messages. */
static void
wait_received(int64_t n, unsigned secs)
{
	int64_t end = sct_mono_ms() + (int64_t)secs * 1000, have = -1;

	while (sct_mono_ms() < end) {
		have = engine_received();
		if (have >= n)
			return;
		sct_sleep_ms(100);
	}
	cr_log_warn("engine received %" PRId64 " of %" PRId64 " after %u s; stopping it anyway", have,
		    n, secs);
}

/* SIGTERM: the engine drains, seals and exits 0.  @return its stderr. */
static char *
engine_stop(void)
{
	int st = 0;
	char *e;

	cr_assert(engine_pid > 0);
	cr_assert_eq(kill(engine_pid, SIGTERM), 0);
	if (!sct_wait(engine_pid, &st, 120000)) {
		e = sct_slurp_live(in_tmp("engine.err"));
		cr_assert_fail("sealcap still running 120 s after SIGTERM:\n%s", e);
	}
	engine_pid = 0;
	e = sct_slurp_live(in_tmp("engine.err"));
	cr_assert(WIFEXITED(st), "sealcap died after SIGTERM (status 0x%x):\n%s", st, e);
	cr_assert_eq(WEXITSTATUS(st), 0, "sealcap exit %d after SIGTERM:\n%s", WEXITSTATUS(st), e);
	return e;
}

/* The engine's final line ("sealcap: received N messages ..."). */
static const char *
final_line(const char *e)
{
	const char *p = strstr(e, "sealcap: received ");

	cr_assert(p != NULL, "no final \"received\" line:\n%s", e);
	return p;
}

/* ---- the store ------------------------------------------------------------------ */

typedef void (*msg_fn)(const struct sc_record *r, void *arg);

struct walk {
	msg_fn fn;
	void *arg;
	uint64_t msgs, events;
	int64_t stop_received; /* "received" of the engine's stop event, or -1 */
};

static int
walk_one(const struct sc_record *r, uint32_t i, void *a)
{
	struct walk *w = a;

	(void)i;
	if (r->flags & SC_REC_EVENT) {
		const uint8_t *p = memmem(r->raw, r->raw_len, "\"event\":\"stop\"", 14);

		w->events++;
		if (p != NULL) {
			char buf[512];
			size_t n = r->raw_len < sizeof(buf) - 1 ? r->raw_len : sizeof(buf) - 1;

			memcpy(buf, r->raw, n);
			buf[n] = '\0';
			w->stop_received = num_after(buf, "\"received\":");
		}
		return 0;
	}
	w->msgs++;
	if (w->fn)
		w->fn(r, w->arg);
	return 0;
}

/*
 * Every record of the store, read the public way: @p fn sees each received
 * message, engine events are counted.  @p strict: damage fails the test
 * (a finished store); otherwise what can be read is read (a running one).
 */
static void
walk_store(struct walk *w, bool strict)
{
	char e[512];
	struct sc_store_reader *r;
	struct sc_hasher *hs;
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;
	uint8_t *p = NULL;
	size_t cap = 0;

	w->msgs = w->events = 0;
	w->stop_received = -1;
	if (strict) {
		sct_store_foreach(store, walk_one, w);
		return;
	}
	/* A running store: blocks that do not open (yet) are skipped. */
	r = sc_store_reader_open(store, e, sizeof(e));
	if (r == NULL)
		return;
	hs = sc_hasher_new();
	cr_assert(hs != NULL);
	while (sc_store_read(r, &h, &stored, &pos, &er) == 1) {
		if (h.payload_len > cap) {
			cap = h.payload_len;
			p = realloc(p, cap);
			cr_assert(p != NULL);
		}
		if (sc_block_open(hs, &h, stored, p, h.payload_len) == SC_E_OK)
			sc_block_foreach(p, h.payload_len, walk_one, w);
	}
	free(p);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
}

/* sealctl verify: exit 0, "OK: @p msgs records". */
static void
expect_verify_ok(uint64_t msgs)
{
	char want[64];
	int rc = RUN(300, SEALCTL, "verify", store);

	snprintf(want, sizeof(want), "OK: %" PRIu64 " records", msgs);
	cr_expect_eq(rc, 0, "sealctl verify exit %d:\n%s%s", rc, out, err);
	cr_expect(strncmp(out, want, strlen(want)) == 0 &&
		  (out[strlen(want)] == ' ' || out[strlen(want)] == '\n'),
		  "want \"%s ...\", got:\n%s%s", want, out, err);
}

/*
 * The one "seq=N" of a generated message: @return how many "seq=" tokens
 * the bytes hold; *n receives N of the first (0 when not digits), *end
 * whether N ends the bytes (the generator always writes a non-digit after
 * it; only framing can take that byte away).
 */
static unsigned
seq_of(const uint8_t *raw, size_t len, uint64_t *n, bool *end)
{
	const uint8_t *s = memmem(raw, len, "seq=", 4), *q;
	unsigned k = 0;

	*n = 0;
	*end = false;
	for (q = s; q != NULL; q = memmem(q + 4, len - (size_t)(q + 4 - raw), "seq=", 4))
		k++;
	if (s == NULL)
		return 0;
	for (s += 4; s < raw + len && *s >= '0' && *s <= '9' && *n < UINT64_MAX / 10; s++)
		*n = *n * 10 + (uint64_t)(*s - '0');
	*end = s == raw + len;
	return k;
}

static void
bit_set(uint8_t *bm, uint64_t i)
{
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static bool
bit_get(const uint8_t *bm, uint64_t i)
{
	return bm[i >> 3] >> (i & 7) & 1;
}

/* ---- sealcap-gen -------------------------------------------------------------- */

static unsigned
env_rate(const char *name, unsigned def)
{
	const char *v = getenv(name);
	unsigned long r = v && *v ? strtoul(v, NULL, 10) : 0;

	return r > 0 && r <= 10000000 ? (unsigned)r : def;
}

/* The summary a generator wrote, checked: every message sent. */
static void
expect_gen_sent(const char *errfile, int st, uint64_t count)
{
	char *e = sct_slurp_live(errfile), want[64];

	snprintf(want, sizeof(want), "%" PRIu64 " messages sent, 0 failed, ", count);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sealcap-gen status 0x%x:\n%s", st, e);
	cr_assert(strstr(e, want) != NULL, "sealcap-gen: want \"%s\":\n%s", want, e);
	cr_log_info("%s", strstr(e, "sealcap-gen: ") ? strstr(e, "sealcap-gen: ") : e);
	free(e);
}

/* N of a generator's "N messages sent" summary, or -1. */
static int64_t
gen_sent(const char *text)
{
	const char *p = strstr(text, " messages sent, ");

	if (p == NULL)
		return -1;
	while (p > text && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return (int64_t)strtoll(p, NULL, 10);
}

/* ---- 1. UDP: 2,000,000 messages at a steady rate --------------------------------- */

struct udp_check {
	uint8_t *seen;
	uint64_t count, bad, dup, nonudp;
	uint16_t dport;
};

static void
udp_msg(const struct sc_record *r, void *arg)
{
	struct udp_check *c = arg;
	uint64_t n;
	bool end;

	if (r->transport != SC_TRANSPORT_UDP || r->dst_port != c->dport) {
		if (c->nonudp++ < 3)
			cr_expect_fail("record from transport %u to port %u", r->transport, r->dst_port);
		return;
	}
	if (seq_of(r->raw, r->raw_len, &n, &end) != 1 || n < 1 || n > c->count || end) {
		if (c->bad++ < 5)
			cr_expect_fail("not one generated message: \"%.*s\"",
				       (int)(r->raw_len < 100 ? r->raw_len : 100), (const char *)r->raw);
		return;
	}
	if (bit_get(c->seen, n)) {
		if (c->dup++ < 5)
			cr_expect_fail("seq=%" PRIu64 " stored twice", n);
		return;
	}
	bit_set(c->seen, n);
}

Test(live, udp_2m_messages_at_rate, .timeout = 300)
{
	unsigned rate = env_rate("SEALCAP_LIVE_UDP_RATE", UDP_RATE);
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--rcvbuf", "64M",
				     NULL };
	struct ports pt = engine_start(args, 1);
	struct udp_check c = { .count = UDP_COUNT, .dport = pt.udp };
	struct walk w = { .fn = udp_msg, .arg = &c };
	char dst[64], cnt[16], rt[16], *e;
	uint64_t missing = 0, first_missing = 0;
	int64_t t0;
	pid_t g;
	int st;

	cr_assert(pt.udp != 0);
	snprintf(dst, sizeof(dst), "udp://127.0.0.1:%u", pt.udp);
	snprintf(cnt, sizeof(cnt), "%u", UDP_COUNT);
	snprintf(rt, sizeof(rt), "%u", rate);
	t0 = sct_mono_ms();
	g = sct_spawn((const char *const[]){ GEN, "--out", dst, "--count", cnt, "--rate", rt, "--sources",
					 "50", "--seed", "1", NULL },
		  in_tmp("gen.out"), in_tmp("gen.err"));
	cr_assert(sct_wait(g, &st, (UDP_COUNT / rate + 60) * 1000), "sealcap-gen still sending after %u s",
		  UDP_COUNT / rate + 60);
	cr_log_info("udp: %u messages asked at %u msg/s, sent in %.1f s", UDP_COUNT, rate,
		    (double)(sct_mono_ms() - t0) / 1000);
	expect_gen_sent(in_tmp("gen.err"), st, UDP_COUNT);
	wait_received(UDP_COUNT, 30);
	e = engine_stop();
	cr_log_info("udp: %s", final_line(e));
	cr_expect(strstr(e, "kernel-drops=0 ") != NULL, "the kernel dropped datagrams:\n%s", e);
	cr_expect_eq(num_after(final_line(e), "sealcap: received "), (int64_t)UDP_COUNT, "%s", e);
	cr_expect_eq(num_after(final_line(e), " dropped "), 0, "%s", e);

	c.seen = calloc(UDP_COUNT / 8 + 1, 1);
	cr_assert(c.seen != NULL);
	walk_store(&w, true);
	for (uint64_t n = 1; n <= UDP_COUNT; n++)
		if (!bit_get(c.seen, n) && missing++ == 0)
			first_missing = n;
	cr_expect_eq(missing, 0, "%" PRIu64 " of %u seq numbers missing (first seq=%" PRIu64 ")",
		     missing, UDP_COUNT, first_missing);
	cr_expect_eq(c.bad + c.dup + c.nonudp, 0, "%" PRIu64 " malformed, %" PRIu64 " repeated, %" PRIu64
		     " mislabelled records", c.bad, c.dup, c.nonudp);
	cr_expect_eq(w.msgs, UDP_COUNT, "store holds %" PRIu64 " messages", w.msgs);
	free(c.seen);
	free(e);
	expect_verify_ok(UDP_COUNT);
}

/* ---- 2. TCP: 1000 connections, octet counting and LF ------------------------------- */

/*
 * The generator's reference: the same seed and sources into a capture file
 * (a message is a pure function of configuration and seq; live outputs
 * only stamp it with the wall clock instead of the capture's schedule).
 */
struct ref {
	uint8_t *map;
	size_t maplen;
	uint64_t *off;   /* seq -> message offset in map */
	uint32_t *len;   /* seq -> message length */
	uint16_t *src;   /* seq -> low 16 bits of the device address (its index) */
	uint64_t count;
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
ref_load(struct ref *rf, const char *path, uint64_t count)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	size_t o = 24;
	uint64_t got = 0;

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fd, &sb), 0);
	rf->maplen = (size_t)sb.st_size;
	rf->map = mmap(NULL, rf->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	cr_assert(rf->map != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	cr_assert(rf->maplen >= 24 && (le32(rf->map) == 0xa1b2c3d4u || le32(rf->map) == 0xa1b23c4du),
		  "%s: not a little-endian pcap file", path);
	rf->count = count;
	rf->off = calloc(count + 1, sizeof(*rf->off));
	rf->len = calloc(count + 1, sizeof(*rf->len));
	rf->src = calloc(count + 1, sizeof(*rf->src));
	cr_assert(rf->off && rf->len && rf->src);
	while (o + 16 <= rf->maplen) {
		uint32_t cl = le32(rf->map + o + 8);
		const uint8_t *f = rf->map + o + 16, *ip, *udp;
		size_t eo = 12;
		uint16_t type;
		uint64_t n;
		bool end;

		cr_assert(o + 16 + cl <= rf->maplen, "%s: record cut at %zu", path, o);
		o += 16 + cl;
		type = be16(f + eo);
		while (type == 0x8100 && eo + 6 <= cl) {
			eo += 4;
			type = be16(f + eo);
		}
		ip = f + eo + 2;
		cr_assert(type == 0x0800 && ip[9] == 17, "%s: frame is not IPv4/UDP", path);
		udp = ip + (ip[0] & 15) * 4;
		cr_assert((size_t)(udp - f) + be16(udp + 4) <= cl, "%s: UDP length", path);
		cr_assert(seq_of(udp + 8, be16(udp + 4) - 8u, &n, &end) == 1 && n >= 1 && n <= count &&
			  rf->len[n] == 0, "%s: bad or repeated seq", path);
		rf->off[n] = (uint64_t)(udp + 8 - rf->map);
		rf->len[n] = be16(udp + 4) - 8u;
		rf->src[n] = be16(ip + 14);
		got++;
	}
	cr_assert_eq(got, count, "%s holds %" PRIu64 " messages", path, got);
}

static void
ref_free(struct ref *rf)
{
	if (rf->map && rf->map != MAP_FAILED)
		munmap(rf->map, rf->maplen);
	free(rf->off);
	free(rf->len);
	free(rf->src);
	memset(rf, 0, sizeof(*rf));
}

/*
 * The same message, but for the clock: equal length, bytes equal except
 * where both are digits (times), or digit against space (a day of the month
 * padded "Dec  9" / "Dec 10").
 */
static bool
same_but_time(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool da = a[i] >= '0' && a[i] <= '9', db = b[i] >= '0' && b[i] <= '9';

		if (a[i] != b[i] && !((da || a[i] == ' ') && (db || b[i] == ' ')))
			return false;
	}
	return true;
}

struct tcp_gen {
	const char *framing;
	const char *seed;
	uint16_t port;
	struct ref ref;
	uint8_t *seen;
	int64_t *last;   /* device index -> last seq seen on its connection */
	uint64_t msgs;
};

struct tcp_check {
	struct tcp_gen g[2];
	uint64_t bad, dup, order, foreign, lf_ended;
};

static void
tcp_msg(const struct sc_record *r, void *arg)
{
	struct tcp_check *c = arg;
	struct tcp_gen *g;
	const uint8_t *want;
	uint32_t wlen;
	uint64_t n;
	bool end, lf = false;
	unsigned dev;

	g = r->dst_port == c->g[0].port ? &c->g[0] : r->dst_port == c->g[1].port ? &c->g[1] : NULL;
	if (g == NULL || r->transport != SC_TRANSPORT_TCP || r->family != 4) {
		if (c->foreign++ < 3)
			cr_expect_fail("record to port %u over transport %u", r->dst_port, r->transport);
		return;
	}
	g->msgs++;
	if (seq_of(r->raw, r->raw_len, &n, &end) != 1 || n < 1 || n > g->ref.count) {
		if (c->bad++ < 5)
			cr_expect_fail("%s: record is not one message (merged or split): \"%.*s\"",
				       g->framing, (int)(r->raw_len < 120 ? r->raw_len : 120),
				       (const char *)r->raw);
		return;
	}
	if (bit_get(g->seen, n)) {
		if (c->dup++ < 5)
			cr_expect_fail("%s: seq=%" PRIu64 " stored twice", g->framing, n);
		return;
	}
	bit_set(g->seen, n);
	want = g->ref.map + g->ref.off[n];
	wlen = g->ref.len[n];
	/* LF framing: a message that ends in LF is sent as is, its LF the frame's end. */
	if (g == &c->g[1] && wlen > 0 && want[wlen - 1] == '\n') {
		wlen--;
		lf = true;
	}
	dev = (unsigned)(g->ref.src[n] >> 8) * 254 + (g->ref.src[n] & 0xff) - 1;
	if (r->raw_len != wlen || !same_but_time(r->raw, want, wlen) || r->flags & SC_REC_TRUNCATED ||
	    r->addr[10] != 0xff || r->addr[12] != 127 || r->addr[13] != 0 ||
	    be16(r->addr + 14) != g->ref.src[n]) {
		if (c->bad++ < 5)
			cr_expect_fail("%s seq=%" PRIu64 ": stored %u bytes from 127.%u.%u.%u (flags 0x%x), "
				       "generated %u bytes from device %u:\nstored:    \"%.*s\"\ngenerated: \"%.*s\"",
				       g->framing, n, r->raw_len, r->addr[13], r->addr[14], r->addr[15],
				       r->flags, wlen, dev, (int)(r->raw_len < 200 ? r->raw_len : 200),
				       (const char *)r->raw, (int)(wlen < 200 ? wlen : 200),
				       (const char *)want);
		return;
	}
	c->lf_ended += lf;
	/* Device i writes on its own connection, in order. */
	if (dev < TCP_CONNS) {
		if ((int64_t)n <= g->last[dev] && c->order++ < 5)
			cr_expect_fail("%s: device %u: seq=%" PRIu64 " stored after seq=%" PRId64,
				       g->framing, dev, n, g->last[dev]);
		g->last[dev] = (int64_t)n;
	}
}

/* "YYYY-MM-DDTHH:MM:SSZ" of now, for the reference capture's --start. */
static void
now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

Test(live, tcp_1000_connections_octet_and_lf_none_lost_merged_or_split, .timeout = 300)
{
	unsigned rate = env_rate("SEALCAP_LIVE_TCP_RATE", TCP_RATE);
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", "--listen", "tcp://127.0.0.1:0",
				     NULL };
	struct tcp_check c = { .g = { { .framing = "octet", .seed = "11" },
				      { .framing = "lf", .seed = "22" } } };
	struct walk w = { .fn = tcp_msg, .arg = &c };
	struct rlimit rl;
	struct ports pt;
	char cnt[16], conns[16], rt[16], start[32], dst[2][64], pcap[2][400], gerr[2][400], *e;
	pid_t g[2];
	int st[2];
	int64_t t0;

	/* 1000 connections: the engine holds 1000 sockets, each generator 500. */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	cr_assert(rl.rlim_cur >= 2 * TCP_CONNS + 256,
		  "RLIMIT_NOFILE is %llu (hard %llu): 1000 connections need more open files "
		  "(raise it, e.g. ulimit -n 4096)", (unsigned long long)rl.rlim_cur,
		  (unsigned long long)rl.rlim_max);

	snprintf(cnt, sizeof(cnt), "%u", TCP_COUNT);
	snprintf(conns, sizeof(conns), "%u", TCP_CONNS);
	snprintf(rt, sizeof(rt), "%u", rate);
	now_rfc3339(start, sizeof(start));
	for (int i = 0; i < 2; i++) {
		char o[1024];

		snprintf(pcap[i], sizeof(pcap[i]), "%s/ref-%s.pcap", tmp, c.g[i].framing);
		snprintf(o, sizeof(o), "pcap:%s", pcap[i]);
		cr_assert_eq(RUN(120, GEN, "--out", o, "--count", cnt, "--sources", conns, "--seed",
				 c.g[i].seed, "--ipv6-share", "0", "--vlan-share", "0", "--start", start),
			     0, "sealcap-gen (reference): %s", err);
		ref_load(&c.g[i].ref, pcap[i], TCP_COUNT);
		remove(pcap[i]); /* the mapping stays */
		c.g[i].seen = calloc(TCP_COUNT / 8 + 1, 1);
		c.g[i].last = malloc(TCP_CONNS * sizeof(*c.g[i].last));
		cr_assert(c.g[i].seen && c.g[i].last);
		for (unsigned d = 0; d < TCP_CONNS; d++)
			c.g[i].last[d] = 0;
	}

	pt = engine_start(args, 2);
	cr_assert(pt.tcp[0] && pt.tcp[1] && pt.tcp[0] != pt.tcp[1]);
	t0 = sct_mono_ms();
	for (int i = 0; i < 2; i++) {
		c.g[i].port = pt.tcp[i];
		snprintf(dst[i], sizeof(dst[i]), "tcp://127.0.0.1:%u", pt.tcp[i]);
		snprintf(gerr[i], sizeof(gerr[i]), "%s/gen-%s.err", tmp, c.g[i].framing);
		g[i] = sct_spawn((const char *const[]){ GEN, "--out", dst[i], "--count", cnt, "--rate", rt,
						    "--sources", conns, "--connections", conns,
						    "--framing", c.g[i].framing, "--seed", c.g[i].seed,
						    NULL },
			     in_tmp("gen.out"), gerr[i]);
	}
	for (int i = 0; i < 2; i++)
		cr_assert(sct_wait(g[i], &st[i], 180000), "sealcap-gen (%s) still sending after 180 s",
			  c.g[i].framing);
	cr_log_info("tcp: 2 x %u connections, 2 x %u messages at 2 x %u msg/s, sent in %.1f s",
		    TCP_CONNS, TCP_COUNT, rate, (double)(sct_mono_ms() - t0) / 1000);
	for (int i = 0; i < 2; i++)
		expect_gen_sent(gerr[i], st[i], TCP_COUNT);
	wait_received(2 * TCP_COUNT, 30);
	e = engine_stop();
	cr_log_info("tcp: %s", final_line(e));
	cr_expect_eq(num_after(final_line(e), "sealcap: received "), 2 * TCP_COUNT, "%s", e);
	cr_expect_eq(num_after(final_line(e), " dropped "), 0, "%s", e);
	cr_expect(strstr(e, "conns-total=1000 ") != NULL, "driver stats line:\n%s", e);
	cr_expect(strstr(e, "octet-errors=0 ") != NULL, "driver stats line:\n%s", e);
	cr_expect(strstr(e, "(oversize=0 incomplete=0)") != NULL, "driver stats line:\n%s", e);
	cr_expect(strstr(e, "refused=0 ") != NULL, "driver stats line:\n%s", e);

	walk_store(&w, true);
	for (int i = 0; i < 2; i++) {
		uint64_t missing = 0, first = 0;

		for (uint64_t n = 1; n <= TCP_COUNT; n++)
			if (!bit_get(c.g[i].seen, n) && missing++ == 0)
				first = n;
		cr_expect_eq(missing, 0, "%s: %" PRIu64 " of %u messages lost (first seq=%" PRIu64 ")",
			     c.g[i].framing, missing, TCP_COUNT, first);
		cr_expect_eq(c.g[i].msgs, TCP_COUNT, "%s: %" PRIu64 " records to port %u",
			     c.g[i].framing, c.g[i].msgs, c.g[i].port);
	}
	cr_expect_eq(c.bad + c.dup + c.order + c.foreign, 0,
		     "%" PRIu64 " records not intact, %" PRIu64 " repeated, %" PRIu64
		     " out of order, %" PRIu64 " foreign", c.bad, c.dup, c.order, c.foreign);
	cr_expect_eq(w.msgs, 2 * TCP_COUNT);
	cr_log_info("tcp: %" PRIu64 " LF-framed messages ended in their own LF", c.lf_ended);
	for (int i = 0; i < 2; i++) {
		ref_free(&c.g[i].ref);
		free(c.g[i].seen);
		free(c.g[i].last);
	}
	free(e);
	expect_verify_ok(2 * TCP_COUNT);
}

/* ---- 3. SIGTERM while traffic flows ----------------------------------------------------- */

struct term_check {
	uint8_t *seen;
	uint64_t cap, bad, dup, max;
};

static void
term_msg(const struct sc_record *r, void *arg)
{
	struct term_check *c = arg;
	uint64_t n;
	bool end;

	if (seq_of(r->raw, r->raw_len, &n, &end) != 1 || n < 1 || n > c->cap || end ||
	    r->transport != SC_TRANSPORT_UDP) {
		if (c->bad++ < 5)
			cr_expect_fail("not one generated message: \"%.*s\"",
				       (int)(r->raw_len < 100 ? r->raw_len : 100), (const char *)r->raw);
		return;
	}
	if (bit_get(c->seen, n)) {
		c->dup++;
		return;
	}
	bit_set(c->seen, n);
	if (n > c->max)
		c->max = n;
}

Test(live, sigterm_mid_run_stores_every_received_message)
{
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--rcvbuf", "64M",
				     NULL };
	struct ports pt = engine_start(args, 1);
	struct term_check c = { .cap = 100000000 };
	struct walk w = { .fn = term_msg, .arg = &c };
	char dst[64], rt[16], *e, *ge;
	int64_t received, t0, sent;
	uint64_t holes = 0, last_hole = 0;
	pid_t g;
	int st;

	cr_assert(pt.udp != 0);
	snprintf(dst, sizeof(dst), "udp://127.0.0.1:%u", pt.udp);
	snprintf(rt, sizeof(rt), "%u", TERM_RATE);
	g = sct_spawn((const char *const[]){ GEN, "--out", dst, "--rate", rt, "--duration", "60",
					 "--sources", "50", "--seed", "3", NULL },
		  in_tmp("gen.out"), in_tmp("gen.err"));
	/* ~2 s of traffic, and the engine seen taking it. */
	t0 = sct_mono_ms();
	while (sct_mono_ms() - t0 < 2000 || engine_received() < TERM_RATE / 2) {
		cr_assert(!sct_wait(g, &st, 0), "sealcap-gen ended early:\n%s", sct_slurp_live(in_tmp("gen.err")));
		cr_assert(sct_mono_ms() - t0 < 30000, "the engine received nothing in 30 s");
		sct_sleep_ms(50);
	}
	cr_assert(!sct_wait(g, &st, 0), "traffic must still flow when SIGTERM comes");
	e = engine_stop();
	/* Now stop the generator (ours, by PID); it may already have seen the port close. */
	kill(g, SIGINT);
	cr_assert(sct_wait(g, &st, 30000), "sealcap-gen did not stop");
	ge = sct_slurp_live(in_tmp("gen.err"));
	sent = gen_sent(ge);
	cr_log_info("sigterm: after %.1f s; %s", (double)(sct_mono_ms() - t0) / 1000, final_line(e));
	cr_log_info("sigterm: %s", ge);

	received = num_after(final_line(e), "sealcap: received ");
	cr_assert(received > 0, "%s", e);
	cr_expect(sent > received, "the generator (%" PRId64 " sent) should outlast the engine (%" PRId64
		  " received)", sent, received);
	cr_expect_eq(num_after(final_line(e), " dropped "), 0, "%s", e);

	c.seen = calloc(c.cap / 8 + 1, 1);
	cr_assert(c.seen != NULL);
	walk_store(&w, true);
	cr_expect_eq(w.msgs, (uint64_t)received,
		     "the engine said \"received %" PRId64 "\", the store holds %" PRIu64 " messages",
		     received, w.msgs);
	cr_expect_eq(w.stop_received, received, "stop event says received %" PRId64,
		     w.stop_received);
	cr_expect_eq(c.bad + c.dup, 0, "%" PRIu64 " malformed, %" PRIu64 " repeated", c.bad, c.dup);
	/* Received in send order: a gap can only be the last datagrams in flight. */
	for (uint64_t n = 1; n <= c.max; n++)
		if (!bit_get(c.seen, n)) {
			holes++;
			last_hole = n;
		}
	cr_log_info("sigterm: highest seq stored %" PRIu64 ", %" PRIu64 " below it missing", c.max,
		    holes);
	cr_expect(holes == 0 || c.max - last_hole < 4096,
		  "%" PRIu64 " seq numbers missing, one as early as seq=%" PRIu64 " of %" PRIu64, holes,
		  last_hole, c.max);
	free(c.seen);
	free(ge);
	free(e);
	expect_verify_ok((uint64_t)received);
}

/* ---- 4. real clients: util-linux logger, rsyslog omfwd ------------------------------ */

struct text_find {
	const char *text[16];
	unsigned n;
	unsigned hits[16];
	struct {
		uint8_t transport;
		uint16_t dport;
		uint32_t flags;
		uint8_t addr[16];
		uint8_t raw[1024];
		uint32_t len;
	} at[16];
};

static void
find_msg(const struct sc_record *r, void *arg)
{
	struct text_find *f = arg;

	for (unsigned i = 0; i < f->n; i++) {
		if (memmem(r->raw, r->raw_len, f->text[i], strlen(f->text[i])) == NULL)
			continue;
		if (f->hits[i]++ == 0) {
			f->at[i].transport = r->transport;
			f->at[i].dport = r->dst_port;
			f->at[i].flags = r->flags;
			memcpy(f->at[i].addr, r->addr, 16);
			f->at[i].len = r->raw_len < 1024 ? r->raw_len : 1024;
			memcpy(f->at[i].raw, r->raw, f->at[i].len);
		}
	}
}

static bool
all_found(struct text_find *f)
{
	struct walk w = { .fn = find_msg, .arg = f };

	memset(f->hits, 0, sizeof(f->hits));
	walk_store(&w, false);
	for (unsigned i = 0; i < f->n; i++)
		if (f->hits[i] == 0)
			return false;
	return true;
}

static void
logger(const char *prog, const char *const *argv)
{
	const char *a[24] = { prog };
	size_t n = 1;
	int rc;

	while (*argv && n < 23)
		a[n++] = *argv++;
	a[n] = NULL;
	rc = run(a, 30);
	cr_assert_eq(rc, 0, "logger %s %s ... exit %d:\n%s", a[1], a[2], rc, err);
}

Test(live, logger_and_rsyslog_deliver)
{
	const char *lg = find_prog("logger"), *rs = find_prog("rsyslogd");
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--listen", "tcp://127.0.0.1:0",
				     "--flush-ms", "20", NULL };
	struct ports pt;
	struct text_find f = { 0 };
	char tok[64], up[8], tp[8], rp[16], txt[8][96], *e, *pf;
	pid_t rsp;
	int st;
	FILE *conf;
	int64_t end;

	cr_assert(lg != NULL, "logger (util-linux, Debian package bsdutils) is not installed; "
			      "the system tests need it");
	cr_assert(rs != NULL, "rsyslogd is not installed: apt-get install rsyslog "
			      "(tests/lib/deps.sh lists it); the system tests need it");
	pt = engine_start(args, 2);
	cr_assert(pt.udp && pt.tcp[0]);
	snprintf(up, sizeof(up), "%u", pt.udp);
	snprintf(tp, sizeof(tp), "%u", pt.tcp[0]);
	snprintf(tok, sizeof(tok), "sc-live-%d-%lld", (int)getpid(), (long long)sct_mono_ms());

	/* logger straight to the engine: UDP 5424, TCP 3164 (LF), TCP 5424 octet counted. */
	snprintf(txt[0], sizeof(txt[0]), "msg A %s udp", tok);
	snprintf(txt[1], sizeof(txt[1]), "msg B %s tcp", tok);
	snprintf(txt[2], sizeof(txt[2]), "msg C %s octet", tok);
	logger(lg, (const char *const[]){ "--server", "127.0.0.1", "--port", up, "--udp", "--rfc5424",
					  "-t", "sc-live", txt[0], NULL });
	logger(lg, (const char *const[]){ "--server", "127.0.0.1", "--port", tp, "--tcp", "--rfc3164",
					  "-t", "sc-live", txt[1], NULL });
	logger(lg, (const char *const[]){ "--server", "127.0.0.1", "--port", tp, "--tcp",
					  "--octet-count", "--rfc5424", "-t", "sc-live", txt[2],
					  NULL });

	/*
	 * rsyslog: its own config (no /etc/rsyslog.conf, no imuxsock, nothing
	 * but 127.0.0.1), an imtcp input on a port the kernel picks, and omfwd
	 * to the engine over TCP, octet counted.
	 */
	mkdir(in_tmp("rsyslog"), 0700);
	conf = fopen(in_tmp("rsyslog.conf"), "w");
	cr_assert(conf != NULL);
	fprintf(conf,
		"global(workDirectory=\"%s\" net.enableDNS=\"off\")\n"
		"module(load=\"imtcp\")\n"
		"ruleset(name=\"to-sealcap\") {\n"
		"  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"%u\" protocol=\"tcp\"\n"
		"         TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n"
		"}\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"%s\"\n"
		"      ruleset=\"to-sealcap\")\n",
		in_tmp("rsyslog"), pt.tcp[0], in_tmp("rsyslog.port"));
	fclose(conf);
	rsp = sct_spawn((const char *const[]){ rs, "-n", "-f", in_tmp("rsyslog.conf"), "-i",
					   in_tmp("rsyslog.pid"), NULL },
		    in_tmp("rsyslog.out"), in_tmp("rsyslog.err"));
	end = sct_mono_ms() + 20000;
	for (;;) {
		char *p = sct_slurp_live(in_tmp("rsyslog.port"));
		unsigned port = (unsigned)atoi(p);

		free(p);
		if (port > 0 && port < 65536) {
			snprintf(rp, sizeof(rp), "%u", port);
			break;
		}
		if (sct_wait(rsp, &st, 0))
			cr_assert_fail("rsyslogd exited (status 0x%x):\n%s", st,
				       sct_slurp_live(in_tmp("rsyslog.err")));
		cr_assert(sct_mono_ms() < end, "rsyslogd not listening after 20 s:\n%s",
			  sct_slurp_live(in_tmp("rsyslog.err")));
		sct_sleep_ms(20);
	}
	pf = sct_slurp_live(in_tmp("rsyslog.pid"));
	cr_expect(atoi(pf) == 0 || atoi(pf) == rsp, "rsyslog pidfile says %s, our child is %d", pf,
		  (int)rsp);
	free(pf);
	for (int i = 0; i < 5; i++) {
		snprintf(txt[3 + i], sizeof(txt[3 + i]), "via rsyslog %d %s", i, tok);
		if (i % 2 == 0)
			logger(lg, (const char *const[]){ "--server", "127.0.0.1", "--port", rp, "--tcp",
							  "--octet-count", "--rfc5424", "-t", "sc-live",
							  txt[3 + i], NULL });
		else
			logger(lg, (const char *const[]){ "--server", "127.0.0.1", "--port", rp, "--tcp",
							  "--rfc3164", "-t", "sc-live", txt[3 + i],
							  NULL });
	}

	for (unsigned i = 0; i < 8; i++)
		f.text[i] = txt[i];
	f.n = 8;
	end = sct_mono_ms() + 20000;
	while (!all_found(&f) && sct_mono_ms() < end)
		sct_sleep_ms(100);
	/* rsyslog first (it flushes its queue), then the engine. */
	cr_assert_eq(kill(rsp, SIGTERM), 0);
	cr_expect(sct_wait(rsp, &st, 20000), "rsyslogd did not stop on SIGTERM");
	e = engine_stop();

	/* The finished store, read strictly. */
	{
		struct walk w = { .fn = find_msg, .arg = &f };

		memset(f.hits, 0, sizeof(f.hits));
		walk_store(&w, true);
		cr_expect_eq(w.msgs, 8, "store holds %" PRIu64 " messages, 8 sent", w.msgs);
	}
	for (unsigned i = 0; i < f.n; i++) {
		const char *t = f.text[i];
		size_t tl = strlen(t);
		bool tcp = i > 0;

		cr_expect_eq(f.hits[i], 1, "\"%s\" stored %u times (rsyslog stderr:\n%s)", t, f.hits[i],
			     i >= 3 ? sct_slurp_live(in_tmp("rsyslog.err")) : "");
		if (f.hits[i] == 0)
			continue;
		cr_expect_eq(f.at[i].transport, tcp ? SC_TRANSPORT_TCP : SC_TRANSPORT_UDP, "\"%s\"", t);
		cr_expect_eq(f.at[i].dport, tcp ? pt.tcp[0] : pt.udp, "\"%s\": dst port", t);
		cr_expect_eq(f.at[i].flags & SC_REC_TRUNCATED, 0, "\"%s\" truncated", t);
		cr_expect_eq(f.at[i].raw[0], '<', "\"%s\": framing bytes before the PRI: \"%.*s\"", t,
			     (int)f.at[i].len, (const char *)f.at[i].raw);
		cr_expect(f.at[i].addr[10] == 0xff && f.at[i].addr[12] == 127, "\"%s\": not from loopback",
			  t);
		if (i < 3) {
			/* logger: the message ends the record (no LF, no count left). */
			cr_expect(f.at[i].len > tl && memcmp(f.at[i].raw + f.at[i].len - tl, t, tl) == 0,
				  "\"%s\": framing left bytes around it: \"%.*s\"", t, (int)f.at[i].len,
				  (const char *)f.at[i].raw);
		} else {
			/* rsyslog: an RFC 5424 frame, its template's LF inside the counted frame. */
			const uint8_t *gt = memchr(f.at[i].raw, '>', f.at[i].len);

			cr_expect(gt != NULL && gt + 3 <= f.at[i].raw + f.at[i].len &&
				  memcmp(gt, ">1 ", 3) == 0,
				  "\"%s\": not RFC 5424: \"%.*s\"", t, (int)f.at[i].len,
				  (const char *)f.at[i].raw);
		}
	}
	cr_log_info("logger/rsyslog: %s", final_line(e));
	cr_expect_eq(num_after(final_line(e), "sealcap: received "), 8, "%s", e);
	free(e);
	expect_verify_ok(8);
}

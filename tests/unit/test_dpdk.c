/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The dpdk driver and sealcap-gen's dpdk output, through the programs, on
 * DPDK virtual devices only (no NIC, no hugepages, no root needed except
 * for what the EAL itself wants):
 *
 *   pcap:     sealcap-gen --out pcap:F  ->  sealcap --driver dpdk
 *             --vdev=net_pcap0,rx_pcap=F: every datagram stored once, byte
 *             for byte, with the capture's (µs) time as receive time,
 *             SC_REC_NIC_TIME set, chained mbufs (frames > 2 KiB) included.
 *   queues:   two rx_pcap files = two RX queues = two workers.
 *   ports:    two net_pcap vdevs = two ports = two workers.
 *   memif:    sealcap --driver dpdk (net_memif server, -l 0) <- sealcap-gen
 *             --out dpdk (net_memif client, -l 1): MEMIF_COUNT messages,
 *             all stored, each seq once, each source in order, verified;
 *             and frames longer than one mbuf (chained) the same way.
 *   refusals: bad EAL arguments, no ports, too few mbufs, misplaced flags.
 *
 * net_pcap has no end of file: pcap_times gives --count N (sealcap stops at
 * the N-th message by itself); the others watch STORE/run/stats (published
 * every second) until every message is in, then stop sealcap with SIGTERM
 * (drain, seal, exit 0).
 * The EAL runs with --no-shconf, so parallel tests do not share state;
 * memif sockets are abstract and named after the test's pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* The issue asks 2,000,000; it runs in about 10 s here (2 cores). */
/*
 * The 2,000,000 in the normal build; under AddressSanitizer (every
 * memory access checked, several times slower) a quarter, so the suite
 * stays inside its timeout on a shared machine.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MEMIF_COUNT 500000
#else
#define MEMIF_COUNT 2000000
#endif
#define EAL_COMMON "--no-huge --no-shconf --no-pci --no-telemetry --log-level=error"

extern char **environ;

static char tmp[256];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "dpdk");
}

static void
teardown(void)
{
	sct_rmtree(tmp);
}

TestSuite(dpdk, .init = setup, .fini = teardown, .timeout = 180);

/* A path in the test's directory; up to 16 stay valid at once. */
static char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	cr_assert(p != NULL);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	return p;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start argv with stdout/stderr into files named @p tag.out / @p tag.err. */
static pid_t
start(const char *tag, const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	char o[64], e[64];
	pid_t pid;

	snprintf(o, sizeof(o), "%s.out", tag);
	snprintf(e, sizeof(e), "%s.err", tag);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, in_tmp(o), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, in_tmp(e), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ),
		     0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Wait for @p pid at most @p secs (then SIGKILL); @return exit status, or -1 if killed. */
static int
finish(pid_t pid, double secs)
{
	double end = now_s() + secs;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		cr_assert(r >= 0, "waitpid: %s", strerror(errno));
		if (r == pid)
			break;
		if (now_s() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
output(const char *tag, const char *which)
{
	char n[64];

	snprintf(n, sizeof(n), "%s.%s", tag, which);
	return slurp(in_tmp(n));
}

/* Run to completion; its stderr is returned in *err (caller frees). */
static int
run(const char *tag, char **err, const char *const *argv)
{
	int rc = finish(start(tag, argv), 120);

	*err = output(tag, "err");
	return rc;
}

#define RUN(tag, errp, ...) run(tag, errp, (const char *const[]){ __VA_ARGS__, NULL })
#define START(tag, ...) start(tag, (const char *const[]){ __VA_ARGS__, NULL })

/* Wait until @p path (a file) contains @p what; false after @p secs or when @p pid exits. */
static bool
wait_for_text(const char *path, const char *what, pid_t pid, double secs)
{
	double end = now_s() + secs;

	while (now_s() < end) {
		char *s = slurp(path);
		bool hit = strstr(s, what) != NULL;

		free(s);
		if (hit)
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		usleep(20000);
	}
	return false;
}

/* "received N" + every "drop_X N" from STORE/run/stats, or 0. */
static uint64_t
stats_seen(const char *store)
{
	char path[512], line[128];
	uint64_t n = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/run/stats", store);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char key[64];

		if (sscanf(line, "%63s %" SCNu64, key, &v) == 2 &&
		    (strcmp(key, "received") == 0 || strncmp(key, "drop_", 5) == 0))
			n += v;
	}
	fclose(f);
	return n;
}

/*
 * Stop a running sealcap once its store says @p count messages were
 * received or dropped (or after @p secs), unless it exits on its own first
 * (--count); @return its exit status, -1 if it did not exit normally.
 */
static int
stop_when_seen(pid_t pid, const char *store, uint64_t count, double secs)
{
	double end = now_s() + secs;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		cr_assert(r >= 0, "waitpid: %s", strerror(errno));
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (now_s() >= end || stats_seen(store) >= count)
			break;
		usleep(50000);
	}
	kill(pid, SIGTERM);
	return finish(pid, 60);
}

/* ---- store side --------------------------------------------------------------- */

struct rec {
	uint64_t seq;
	int64_t ns;
	uint32_t flags;
	uint8_t addr[16];
	uint16_t sport, dport;
	uint32_t len;
	uint8_t *raw;      /* kept only when asked */
	uint8_t clock;     /* block clock source */
};

struct recs {
	struct rec *r;
	size_t n, cap;
	uint64_t events, bad_seq;
	bool keep_raw;
	const struct sc_block_hdr *h;
};

/* N of the one "seq=N" in a message, or 0. */
static uint64_t
seq_of(const uint8_t *raw, size_t len)
{
	const uint8_t *s = memmem(raw, len, "seq=", 4);
	uint64_t n = 0;

	if (s == NULL || memmem(s + 4, len - (size_t)(s + 4 - raw), "seq=", 4) != NULL)
		return 0;
	for (s += 4; s < raw + len && *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

static int
take_record(const struct sc_record *r, uint32_t i, void *arg)
{
	struct recs *v = arg;
	struct rec *m;

	(void)i;
	if (r->flags & SC_REC_EVENT) {
		v->events++;
		return 0;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 4096;
		v->r = realloc(v->r, v->cap * sizeof(*v->r));
		cr_assert(v->r != NULL);
	}
	m = &v->r[v->n++];
	memset(m, 0, sizeof(*m));
	m->seq = seq_of(r->raw, r->raw_len);
	if (m->seq == 0)
		v->bad_seq++;
	m->ns = r->rx_ns;
	m->flags = r->flags;
	memcpy(m->addr, r->addr, 16);
	m->sport = r->src_port;
	m->dport = r->dst_port;
	m->len = r->raw_len;
	m->clock = v->h->clock.source;
	if (v->keep_raw) {
		m->raw = malloc(r->raw_len + 1);
		cr_assert(m->raw != NULL);
		memcpy(m->raw, r->raw, r->raw_len);
	}
	return 0;
}

/* Every record of the store, in store order, through the public reader. */
static void
read_store(const char *dir, struct recs *v)
{
	char e[512];
	struct sc_store_reader *r = sc_store_reader_open(dir, e, sizeof(e));
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;
	uint8_t *p = NULL;
	size_t pcap = 0;
	int rc;

	cr_assert(r != NULL, "%s", e);
	cr_assert(hs != NULL);
	v->h = &h;
	while ((rc = sc_store_read(r, &h, &stored, &pos, &er)) == 1) {
		if (h.payload_len > pcap) {
			pcap = h.payload_len;
			p = realloc(p, pcap);
			cr_assert(p != NULL);
		}
		cr_assert_eq(sc_block_open(hs, &h, stored, p, h.payload_len), SC_E_OK, "block %" PRIu64,
			     h.log_index);
		cr_assert_eq(sc_block_foreach(p, h.payload_len, take_record, v), 0);
	}
	cr_assert_eq(rc, 0, "store damaged at segment %u offset %" PRIu64 ": %s", pos.segment,
		     pos.offset, sc_error_name(er));
	free(p);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
}

static void
recs_free(struct recs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->r[i].raw);
	free(v->r);
	memset(v, 0, sizeof(*v));
}

static void
expect_verify_ok(const char *store)
{
	char *err, *out;
	int rc = RUN("verify", &err, SEALCTL, "verify", store);

	out = output("verify", "out");
	cr_expect_eq(rc, 0, "sealctl verify exit %d:\n%s%s", rc, out, err);
	cr_expect(strncmp(out, "OK: ", 4) == 0, "sealctl verify:\n%s", out);
	free(out);
	free(err);
}

/*
 * Each seq 1..count exactly @p copies times, and each source's (address,
 * port) seqs increasing in store order (one source hashes to one lane).
 */
static void
expect_each_seq(const struct recs *v, uint64_t count, unsigned copies)
{
	uint8_t *seen = calloc(count + 1, 1);
	struct src { uint8_t addr[16]; uint16_t port; uint64_t last; bool used; } *src;
	size_t nsrc = 1u << 16, missing = 0, extra = 0, disorder = 0;

	src = calloc(nsrc, sizeof(*src));
	cr_assert(seen && src);
	cr_expect_eq(v->bad_seq, 0, "%" PRIu64 " records without one seq=N", v->bad_seq);
	for (size_t i = 0; i < v->n; i++) {
		const struct rec *m = &v->r[i];
		uint32_t hsh = 2166136261u;
		size_t k;

		if (m->seq == 0 || m->seq > count || seen[m->seq] == copies) {
			extra++;
			continue;
		}
		seen[m->seq]++;
		for (k = 0; k < 16; k++)
			hsh = (hsh ^ m->addr[k]) * 16777619u;
		hsh = (hsh ^ m->sport) * 16777619u;
		for (k = hsh & (nsrc - 1); src[k].used; k = (k + 1) & (nsrc - 1))
			if (memcmp(src[k].addr, m->addr, 16) == 0 && src[k].port == m->sport)
				break;
		if (!src[k].used) {
			src[k].used = true;
			memcpy(src[k].addr, m->addr, 16);
			src[k].port = m->sport;
		} else if (copies == 1 && m->seq < src[k].last) {
			disorder++;
		}
		src[k].last = m->seq;
	}
	for (uint64_t s = 1; s <= count; s++)
		missing += seen[s] != copies;
	cr_expect_eq(v->n, count * copies, "store holds %zu messages, want %" PRIu64, v->n,
		     count * copies);
	cr_expect_eq(missing, 0, "%zu seqs not stored exactly %u time(s)", missing, copies);
	cr_expect_eq(extra, 0, "%zu records with a repeated or unknown seq", extra);
	cr_expect_eq(disorder, 0, "%zu records out of their source's order", disorder);
	free(seen);
	free(src);
}

/* ---- capture side ------------------------------------------------------------ */

struct capmsg {
	int64_t ns;
	uint32_t len;
	uint8_t *raw;
	uint8_t addr[16];
	uint16_t sport;
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/*
 * The capture's UDP syslog datagrams by seq (parsed here on their own:
 * Ethernet, 802.1Q, IPv4 or IPv6, UDP).  @return frames with a frame
 * longer than @p big in *nbig.
 */
static struct capmsg *
read_pcap(const char *path, uint64_t count, size_t big, uint64_t *nbig)
{
	char e[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, e);
	struct capmsg *c = calloc(count + 1, sizeof(*c));
	struct pcap_pkthdr *ph;
	const u_char *f;

	cr_assert(p != NULL, "%s: %s", path, e);
	cr_assert(c != NULL);
	*nbig = 0;
	while (pcap_next_ex(p, &ph, &f) == 1) {
		size_t o = 12, n = ph->caplen;
		uint16_t type;
		const uint8_t *udp;
		struct capmsg m = { 0 };
		uint64_t s;

		*nbig += n > big;
		type = be16(f + o);
		while (type == 0x8100 || type == 0x88a8) {
			o += 4;
			type = be16(f + o);
		}
		o += 2;
		if (type == 0x0800) {
			m.addr[10] = m.addr[11] = 0xff;
			memcpy(m.addr + 12, f + o + 12, 4);
			udp = f + o + (f[o] & 15) * 4;
		} else {
			cr_assert_eq(type, 0x86dd);
			memcpy(m.addr, f + o + 8, 16);
			udp = f + o + 40;
		}
		m.sport = be16(udp);
		m.len = (uint32_t)(be16(udp + 4) - 8);
		cr_assert((size_t)(udp + 8 - f) + m.len <= n);
		m.raw = malloc(m.len);
		cr_assert(m.raw != NULL);
		memcpy(m.raw, udp + 8, m.len);
		m.ns = (int64_t)ph->ts.tv_sec * 1000000000 + ph->ts.tv_usec;
		s = seq_of(m.raw, m.len);
		cr_assert(s >= 1 && s <= count && c[s].raw == NULL, "capture seq %" PRIu64, s);
		c[s] = m;
	}
	pcap_close(p);
	return c;
}

static void
capmsgs_free(struct capmsg *c, uint64_t count)
{
	for (uint64_t s = 0; s <= count; s++)
		free(c[s].raw);
	free(c);
}

static uint64_t
stat_field(const char *text, const char *key)
{
	const char *s = strstr(text, key);

	return s ? strtoull(s + strlen(key), NULL, 10) : UINT64_MAX;
}

/* N of sealcap-gen's "sealcap-gen: N messages sent" summary, or UINT64_MAX. */
static uint64_t
gen_sent(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		uint64_t n;

		if (sscanf(l, "sealcap-gen: %" SCNu64 " messages sent", &n) == 1)
			return n;
	}
	return UINT64_MAX;
}

/* ---- tests -------------------------------------------------------------------- */

/*
 * net_pcap: every datagram once, byte for byte, from its address and port,
 * stamped with the capture time (the PMD's µs timestamp dynfield), flagged
 * SC_REC_NIC_TIME, in blocks whose clock says "capture"; frames longer than
 * one mbuf (chained) included.
 */
Test(dpdk, pcap_times)
{
	const uint64_t count = 20000;
	char eal[1024], cnt[32], *err;
	const char *pcap = in_tmp("in.pcap"), *store = in_tmp("store");
	struct capmsg *cap;
	struct recs v = { .keep_raw = true };
	uint64_t nbig;
	size_t wrong_time = 0, wrong_bytes = 0, no_flag = 0, wrong_clock = 0;
	pid_t pid;
	int rc;

	snprintf(cnt, sizeof(cnt), "%" PRIu64, count);
	rc = RUN("gen", &err, GEN, "--out", strcat(strcpy(eal, "pcap:"), pcap), "--count", cnt,
		 "--sources", "64", "--ipv6-share", "30", "--vlan-share", "30", "--size", "1000",
		 "--seed", "11");
	cr_assert_eq(rc, 0, "sealcap-gen: %s", err);
	free(err);
	cap = read_pcap(pcap, count, 2048, &nbig);
	cr_assert_gt(nbig, 100, "only %" PRIu64 " frames need a chained mbuf", nbig);

	snprintf(eal, sizeof(eal), "-l 0 -m 128 " EAL_COMMON " --vdev=net_pcap0,rx_pcap=%s", pcap);
	pid = START("cap", SEALCAP, "--driver", "dpdk", "--dpdk-args", eal, "--store", store,
		    "--count", cnt, "--duration", "60", "--fsync", "none", "--lanes", "2");
	rc = stop_when_seen(pid, store, count, 60);
	err = output("cap", "err");
	cr_assert_eq(rc, 0, "sealcap exit %d:\n%s", rc, err);
	cr_expect(strstr(err, "sealcap: dpdk port 0 (driver net_pcap) rx-queues 1 ready") != NULL,
		  "no ready line:\n%s", err);
	cr_expect(strstr(err, "dropped 0") != NULL, "%s", err);
	cr_expect_eq(stat_field(err, " multiseg="), nbig, "%s", err);
	cr_expect_eq(stat_field(err, " nic-time="), count, "%s", err);
	free(err);

	read_store(store, &v);
	expect_each_seq(&v, count, 1);
	for (size_t i = 0; i < v.n; i++) {
		const struct rec *m = &v.r[i];
		const struct capmsg *c;

		if (m->seq == 0 || m->seq > count)
			continue;
		c = &cap[m->seq];
		wrong_time += m->ns != c->ns;
		wrong_bytes += m->len != c->len || memcmp(m->raw, c->raw, c->len) != 0 ||
			       memcmp(m->addr, c->addr, 16) != 0 || m->sport != c->sport ||
			       m->dport != 514;
		no_flag += !(m->flags & SC_REC_NIC_TIME);
		wrong_clock += m->clock != SC_CLOCK_CAPTURE;
	}
	cr_expect_eq(wrong_time, 0, "%zu receive times differ from the capture's", wrong_time);
	cr_expect_eq(wrong_bytes, 0, "%zu messages differ from the capture's", wrong_bytes);
	cr_expect_eq(no_flag, 0, "%zu records without SC_REC_NIC_TIME", no_flag);
	cr_expect_eq(wrong_clock, 0, "%zu records in blocks whose clock is not 'capture'",
		     wrong_clock);
	recs_free(&v);
	capmsgs_free(cap, count);
	expect_verify_ok(store);
}

/* Two rx_pcap files: two RX queues, two workers, each file's messages stored. */
Test(dpdk, two_queues)
{
	const uint64_t count = 5000;
	char eal[1200], *err;
	const char *pcap = in_tmp("q.pcap"), *store = in_tmp("store");
	struct recs v = { 0 };
	pid_t pid;
	int rc;

	rc = RUN("gen", &err, GEN, "--out", strcat(strcpy(eal, "pcap:"), pcap), "--count", "5000",
		 "--sources", "16", "--seed", "3");
	cr_assert_eq(rc, 0, "sealcap-gen: %s", err);
	free(err);
	/* Three lcores (two share CPU 1): each worker gets one, main keeps lcore 0. */
	snprintf(eal, sizeof(eal), "--lcores=0@0,1@1,2@1 -m 128 " EAL_COMMON
		 " --vdev=net_pcap0,rx_pcap=%s,rx_pcap=%s", pcap, pcap);
	pid = START("cap", SEALCAP, "--driver", "dpdk", "--dpdk-args", eal, "--rx-queues", "2",
		    "--store", store, "--duration", "60", "--fsync", "none");
	rc = stop_when_seen(pid, store, 2 * count, 60);
	err = output("cap", "err");
	cr_assert_eq(rc, 0, "sealcap exit %d:\n%s", rc, err);
	cr_expect(strstr(err, "rx-queues 2 ready") != NULL, "%s", err);
	cr_expect(strstr(err, "dpdk worker 0 (port 0 queue 0) pinned to lcore 1") != NULL, "%s", err);
	cr_expect(strstr(err, "dpdk worker 1 (port 0 queue 1) pinned to lcore 2") != NULL, "%s", err);
	free(err);
	read_store(store, &v);
	expect_each_seq(&v, count, 2);
	recs_free(&v);
	expect_verify_ok(store);
}

/*
 * Two processes over net_memif: sealcap (server, -l 0, lossless) and
 * sealcap-gen --out dpdk (client, -l 1) sending @p count messages of about
 * @p size bytes, @p devargs added to both memif vdevs.  Both exit 0,
 * everything sent is stored (each seq once, each source in order) and the
 * store verifies.  @return sealcap's stderr.
 */
static char *
memif_run(const char *store, uint64_t count, const char *size, const char *devargs,
	  const char *mtu, uint64_t *reassembled)
{
	char srv[512], cli[512], cnt[32], sock[128], *err, *gerr;
	int core = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;
	struct recs v = { 0 };
	double t0, t1;
	pid_t pid;
	int rc, grc;

	snprintf(sock, sizeof(sock), "/run/sealcap-test-%d.sock", (int)getpid());
	snprintf(cnt, sizeof(cnt), "%" PRIu64, count);
	snprintf(srv, sizeof(srv), "-l 0 -m 128 " EAL_COMMON " --vdev=net_memif0,role=server,socket=%s%s",
		 sock, devargs);
	snprintf(cli, sizeof(cli), "-l %d -m 64 " EAL_COMMON " --vdev=net_memif0,role=client,socket=%s%s",
		 core, sock, devargs);
	pid = START("cap", SEALCAP, "--driver", "dpdk", "--dpdk-args", srv, "--dpdk-lossless",
		    "--store", store, "--duration", "150", "--fsync", "none", "--stats-interval", "1");
	if (!wait_for_text(in_tmp("cap.err"), "rx-queues 1 ready", pid, 20)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		err = output("cap", "err");
		cr_assert_fail("sealcap never got ready:\n%s", err);
	}
	t0 = now_s();
	grc = RUN("gen", &gerr, GEN, "--out", "dpdk", "--dpdk-args", cli, "--count", cnt,
		  "--size", size, "--sources", "64", "--ipv6-share", "30", "--vlan-share", "30",
		  "--seed", "7", mtu ? "--mtu" : NULL, mtu);
	rc = stop_when_seen(pid, store, count, 60);
	t1 = now_s();
	err = output("cap", "err");
	unlink(sock);   /* abstract by default: normally no file */
	cr_assert_eq(grc, 0, "sealcap-gen exit %d:\n%s\nsealcap:\n%s", grc, gerr, err);
	cr_assert_eq(rc, 0, "sealcap exit %d:\n%s", rc, err);
	cr_expect(strstr(gerr, " messages sent, 0 failed") != NULL, "%s", gerr);
	cr_expect_eq(gen_sent(gerr), count, "%s", gerr);
	/* memif server port stats stay 0 in 22.11: the driver counts itself. */
	if (mtu == NULL) {
		cr_expect_eq(stat_field(err, " frames="), count, "%s", err);
		cr_expect_eq(stat_field(err, " syslog="), count, "%s", err);
	}
	cr_expect(strstr(err, "dropped 0") != NULL, "%s", err);
	/* Every syslog frame is lent to a lane (zero-copy), copied or reassembled. */
	cr_expect_eq(stat_field(err, " lent=") + stat_field(err, " copied=") +
		     (mtu ? stat_field(err, " reasm-syslog=") : 0), count, "%s", err);
	/* The figures for the record: the generator's summary has msg/s. */
	fprintf(stderr, "dpdk.memif: %" PRIu64 " messages, first sent to last stored %.2f s:\n%s%s",
		count, t1 - t0, gerr, getenv("SC_TEST_VERBOSE") ? err : "");
	free(gerr);

	read_store(store, &v);
	expect_each_seq(&v, count, 1);
	if (reassembled) {
		*reassembled = 0;
		for (size_t i = 0; i < v.n; i++)
			*reassembled += (v.r[i].flags & SC_REC_REASSEMBLED) != 0;
	}
	recs_free(&v);
	expect_verify_ok(store);
	return err;
}

/*
 * Both memif runs in one test, one after the other: two pairs of busy
 * pollers at once would share 2 cores four ways (DPDK-NOTES: one core per
 * polling process).
 *
 * First, frames longer than one mbuf (2 KiB): the generator sends chained
 * mbufs, sealcap gets chains and linearises them.  Both memif ends need
 * bsize above the largest frame: with the default 2048-byte memif buffers,
 * DPDK 22.11's memif copy-mode TX of chained mbufs splits and repeats
 * frames (20000 sent, ~38000 received, seen here), a PMD bug outside
 * sealcap.  Then the done-when: MEMIF_COUNT messages, none lost.
 */
Test(dpdk, memif)
{
	int core = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;
	char *err = memif_run(in_tmp("chained"), 20000, "3000", ",bsize=16384", NULL, NULL);
	uint64_t chained = stat_field(err, " multiseg=");

	cr_expect(chained > 1000 && chained != UINT64_MAX, "only %" PRIu64 " chained mbufs:\n%s",
		  chained, err);
	/* Chains are copied from the linearised buffer, never lent. */
	cr_expect_geq(stat_field(err, " copied="), chained, "%s", err);
	free(err);
	err = memif_run(in_tmp("store"), core ? MEMIF_COUNT : 200000, "250", "", NULL, NULL);
	/* Single-segment frames go to the lanes as mbufs (zero-copy). */
	cr_expect_gt(stat_field(err, " lent="), 0, "no mbuf was lent:\n%s", err);
	free(err);
}

/*
 * sealcap-gen --mtu 1500 over memif: datagrams longer than that arrive as
 * IPv4/IPv6 fragments and are reassembled by the driver (rte_ip_frag):
 * every message stored once, the reassembled ones flagged.  (At most 8
 * fragments per datagram, DPDK's limit: at MTU 1500 the mix's longest
 * messages, ~6.5 KB, take 5.)
 */
Test(dpdk, memif_fragments)
{
	uint64_t reassembled = 0;
	char *err = memif_run(in_tmp("frag"), 20000, "1200", "", "1500", &reassembled);
	uint64_t rs = stat_field(err, " reasm-syslog=");

	cr_expect_gt(rs, 2000, "only %" PRIu64 " datagrams reassembled:\n%s", rs, err);
	cr_expect_eq(reassembled, rs, "%" PRIu64 " records flagged REASSEMBLED:\n%s", reassembled,
		     err);
	cr_expect_eq(stat_field(err, " frag-dropped="), 0, "%s", err);
	free(err);
}

/* Two ports (two net_pcap vdevs): a worker each, both files stored. */
Test(dpdk, two_ports)
{
	const uint64_t count = 5000;
	char eal[1200], *err;
	const char *pcap = in_tmp("p.pcap"), *store = in_tmp("store");
	struct recs v = { 0 };
	pid_t pid;
	int rc;

	rc = RUN("gen", &err, GEN, "--out", strcat(strcpy(eal, "pcap:"), pcap), "--count", "5000",
		 "--sources", "16", "--seed", "4");
	cr_assert_eq(rc, 0, "sealcap-gen: %s", err);
	free(err);
	snprintf(eal, sizeof(eal), "-l 0 -m 128 " EAL_COMMON
		 " --vdev=net_pcap0,rx_pcap=%s --vdev=net_pcap1,rx_pcap=%s", pcap, pcap);
	pid = START("cap", SEALCAP, "--driver", "dpdk", "--dpdk-args", eal, "--dpdk-port", "1",
		    "--dpdk-port", "0", "--store", store, "--duration", "60", "--fsync", "none");
	rc = stop_when_seen(pid, store, 2 * count, 60);
	err = output("cap", "err");
	cr_assert_eq(rc, 0, "sealcap exit %d:\n%s", rc, err);
	cr_expect(strstr(err, "dpdk port 1 (driver net_pcap) rx-queues 1 ready") != NULL &&
		  strstr(err, "dpdk port 0 (driver net_pcap) rx-queues 1 ready") != NULL, "%s", err);
	free(err);
	read_store(store, &v);
	expect_each_seq(&v, count, 2);
	recs_free(&v);
	expect_verify_ok(store);
}

/* Start-up refusals: clear message, exit 1 (or 2 for a bad flag), nothing left running. */
Test(dpdk, refusals)
{
	char store[400], *err;
	int rc;

	/* Our own copy: in_tmp's buffers are reused by RUN. */
	snprintf(store, sizeof(store), "%s", in_tmp("store"));
	rc = RUN("a", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args", "-l 0 " EAL_COMMON,
		 "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "dpdk: no ports") != NULL, "%s", err);
	free(err);

	rc = RUN("b", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args",
		 "-l 0 " EAL_COMMON " --vdev=net_nosuch0", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "rte_eal_init") != NULL, "%s", err);
	free(err);

	rc = RUN("c", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args",
		 "-l 0 -m 16 " EAL_COMMON " --vdev=net_null0", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "does not fit in EAL memory") != NULL && strstr(err, "-m 50") != NULL,
		  "%s", err);
	free(err);

	rc = RUN("d", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args",
		 "-l 0 " EAL_COMMON " --vdev=net_null0", "--dpdk-mbufs", "1500", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "--dpdk-mbufs 1500 is too few") != NULL, "%s", err);
	free(err);

	rc = RUN("e", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args",
		 "-l 0 " EAL_COMMON " --vdev=net_null0", "--dpdk-port", "3", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "--dpdk-port 3: no such port") != NULL, "%s", err);
	free(err);

	/* net_null stamps nothing: --clock nic is refused after the port is up. */
	rc = RUN("n", &err, SEALCAP, "--driver", "dpdk", "--dpdk-args",
		 "-l 0 " EAL_COMMON " --vdev=net_null0", "--clock", "nic", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "--clock nic: this driver gives no per-packet") != NULL, "%s", err);
	free(err);

	rc = RUN("f", &err, SEALCAP, "--driver", "dpdk", "--rx-queues", "0", "--store", store);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--rx-queues '0'") != NULL, "%s", err);
	free(err);

	rc = RUN("g", &err, SEALCAP, "--driver", "dpdk", "--dpdk-syslog-ports", "0", "--store",
		 store);
	cr_expect_eq(rc, 2);
	free(err);

	rc = RUN("h", &err, GEN, "--out", "pcap:x.pcap", "--dpdk-port", "1");
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "apply to --out dpdk only") != NULL, "%s", err);
	free(err);

	/* The output is not memif-only: net_null takes every frame. */
	rc = RUN("i", &err, GEN, "--out", "dpdk", "--count", "10", "--dpdk-args",
		 "-l 0 " EAL_COMMON " --vdev=net_null0,no-rx=1");
	cr_expect_eq(rc, 0, "net_null takes everything: %s", err);
	cr_expect(strstr(err, "10 messages sent, 0 failed") != NULL, "%s", err);
	free(err);
}

/*
 * NIC clock ticks to UTC (drivers/dpdk/nicclock.h): no vdev here offers
 * the RX timestamp offload, so the conversion is checked against a
 * synthetic device clock: 1.5625 GHz, started at an arbitrary tick count,
 * and a system clock that runs 20 ppm fast of it.
 */
#include "../../drivers/dpdk/nicclock.h"

Test(dpdk, nic_clock_conversion)
{
	const double hz = 1.5625e9, drift = 1.0 + 20e-6;
	const uint64_t t0 = UINT64_C(123456789012345);
	const int64_t n0 = INT64_C(1780000000) * 1000000000;
	struct sc_nicclock c;

	memset(&c, 0, sizeof(c));
	sc_nicclock_start(&c, t0, n0);
	cr_expect_eq(sc_nicclock_to_ns(&c, t0 + 1000), 0, "no rate yet: no time");
	/* Neither clock moved: refused. */
	cr_expect(!sc_nicclock_update(&c, t0, n0 + 5));
	cr_expect(!sc_nicclock_update(&c, t0 + 5, n0));
	for (int s = 1; s <= 10; s++) {
		uint64_t t = t0 + (uint64_t)(s * hz);
		int64_t n = n0 + (int64_t)(s * 1e9 * drift);

		cr_assert(sc_nicclock_update(&c, t, n));
		/* At, before and after the new base: within 2 ns of the truth. */
		for (int k = -3; k <= 3; k++) {
			uint64_t tk = t + (uint64_t)(int64_t)(k * 1e8);
			int64_t want = n0 + (int64_t)((double)(int64_t)(tk - t0) / hz * 1e9 * drift);

			cr_expect(llabs(sc_nicclock_to_ns(&c, tk) - want) <= 2,
				  "second %d, offset %d: %" PRId64 " vs %" PRId64, s, k,
				  sc_nicclock_to_ns(&c, tk), want);
		}
	}
}


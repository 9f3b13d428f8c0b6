/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * End to end, through the programs as an operator runs them:
 *
 *     sealcap-gen --out pcap:F  ->  sealcap --driver pcap --pcap F --store S
 *                               ->  sealctl verify S
 *
 * then the capture is read back with libpcap (frames parsed here, on their
 * own, not with the engine's classifier) and the store through the public
 * reader API (sc_store_reader_*, sc_block_open, sc_block_foreach), and the
 * two must hold the same messages byte for byte, with the capture's times
 * as receive times.  Real-world captures from Zeek's test suite
 * (tests/data/pcap, BSD licence in COPYING there) ingest the same way, and
 * bad input is refused with a clear message and the documented exit code
 * without harming a store that already holds records.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#define ZEEK SC_TEST_DATA "/pcap/"

extern char **environ;

static char tmp[256];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "e2e");
}

static void
teardown(void)
{
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(e2e, .init = setup, .fini = teardown, .timeout = 120);

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

/* Program output of the last run(). */
static char *out, *err;

/* Run argv (NULL-terminated); stdout and stderr land in out and err. */
static int
run(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	char opath[300], epath[300];
	pid_t pid;
	int st;

	free(out);
	free(err);
	snprintf(opath, sizeof(opath), "%s/stdout", tmp);
	snprintf(epath, sizeof(epath), "%s/stderr", tmp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ),
		     0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	out = sct_slurp(opath, NULL);
	err = sct_slurp(epath, NULL);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x); stderr:\n%s", argv[0], st, err);
	return WEXITSTATUS(st);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static void
gen(const char *pcap, const char *count, const char *seed, const char *start)
{
	char o[450];

	snprintf(o, sizeof(o), "pcap:%s", pcap);
	cr_assert_eq(RUN(GEN, "--out", o, "--count", count, "--sources", "64", "--seed", seed,
			 "--ipv6-share", "30", "--vlan-share", "30", "--start", start),
		     0, "sealcap-gen: %s", err);
}

/* Ingest a capture: 2 lanes, 16 KiB blocks, 1 MiB segments. */
static int
ingest(const char *pcap, const char *store)
{
	return RUN(SEALCAP, "--driver", "pcap", "--pcap", pcap, "--store", store, "--lanes", "2",
		   "--block-bytes", "16K", "--segment-bytes", "1M", "--fsync", "none");
}

static unsigned
count_segments(const char *store)
{
	uint32_t n;
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);

	cr_assert(r != NULL, "%s: %s", store, strerror(errno));
	n = sc_store_reader_segments(r);
	sc_store_reader_close(r);
	return n;
}

/* ---- messages, from either side -------------------------------------------- */

struct msg {
	uint8_t addr[16];  /* IPv6, or IPv4-mapped as the store keeps it */
	uint8_t family;
	bool vlan;
	uint16_t sport, dport;
	int64_t ns;
	uint32_t len;
	uint8_t *raw;
	uint32_t lane;     /* store side */
	uint64_t block;    /* store side: log index */
};

struct msgs {
	struct msg *m;
	size_t n, cap;
	uint64_t frames, other; /* capture side: every frame / not UDP syslog */
	uint64_t events;        /* store side: engine event records (not in m) */
};

static struct msg *
msgs_add(struct msgs *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->m = realloc(v->m, v->cap * sizeof(*v->m));
		cr_assert(v->m != NULL);
	}
	memset(&v->m[v->n], 0, sizeof(v->m[0]));
	return &v->m[v->n++];
}

static void
msgs_free(struct msgs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->m[i].raw);
	free(v->m);
	memset(v, 0, sizeof(*v));
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/*
 * The capture's UDP datagrams to port 514, parsed here: Ethernet, 802.1Q
 * tags, IPv4 (any IHL, unfragmented) or IPv6 (UDP as next header), the UDP
 * length deciding the payload (Ethernet padding is not part of it).
 */
static void
read_pcap(const char *path, struct msgs *v)
{
	char e[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, e);
	struct pcap_pkthdr *ph;
	const u_char *f;

	cr_assert(p != NULL, "%s: %s", path, e);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &ph, &f) == 1) {
		size_t o = 12, n = ph->caplen;
		uint16_t type;
		const uint8_t *udp;
		struct msg m = { 0 };
		uint32_t ulen;

		v->frames++;
		cr_assert(n >= 14, "frame %" PRIu64 " shorter than Ethernet", v->frames);
		type = be16(f + o);
		while ((type == 0x8100 || type == 0x88a8) && o + 6 <= n) {
			m.vlan = true;
			o += 4;
			type = be16(f + o);
		}
		o += 2;
		if (type == 0x0800 && o + 20 <= n && f[o + 9] == 17 &&
		    (be16(f + o + 6) & 0x3fff) == 0) {
			m.family = 4;
			m.addr[10] = m.addr[11] = 0xff;
			memcpy(m.addr + 12, f + o + 12, 4);
			udp = f + o + (f[o] & 15) * 4;
		} else if (type == 0x86dd && o + 40 <= n && f[o + 6] == 17) {
			m.family = 6;
			memcpy(m.addr, f + o + 8, 16);
			udp = f + o + 40;
		} else {
			v->other++;
			continue;
		}
		cr_assert((size_t)(udp + 8 - f) <= n, "frame %" PRIu64 ": UDP header cut", v->frames);
		m.sport = be16(udp);
		m.dport = be16(udp + 2);
		if (m.dport != 514) {
			v->other++;
			continue;
		}
		ulen = be16(udp + 4);
		cr_assert(ulen >= 8 && (size_t)(udp - f) + ulen <= n, "bad UDP length");
		m.len = ulen - 8;
		m.raw = malloc(m.len + 1);
		cr_assert(m.raw != NULL);
		memcpy(m.raw, udp + 8, m.len);
		m.ns = (int64_t)ph->ts.tv_sec * 1000000000 + ph->ts.tv_usec;
		*msgs_add(v) = m;
	}
	pcap_close(p);
}

struct store_walk {
	struct msgs *v;
	const struct sc_block_hdr *h;
};

static int
take_record(const struct sc_record *r, uint32_t i, void *arg)
{
	struct store_walk *w = arg;
	struct msg *m;

	(void)i;
	if (r->flags & SC_REC_EVENT) {
		/* The engine's own records (start, stop, gaps): sealed alongside. */
		cr_expect_eq(r->transport, SC_TRANSPORT_NONE);
		cr_expect_eq(r->family, 0);
		cr_expect(r->raw_len > 10 && memcmp(r->raw, "{\"event\":\"", 10) == 0,
			  "event record: %.*s", (int)r->raw_len, (const char *)r->raw);
		w->v->events++;
		return 0;
	}
	m = msgs_add(w->v);
	memcpy(m->addr, r->addr, 16);
	m->family = r->family;
	m->sport = r->src_port;
	m->dport = r->dst_port;
	m->ns = r->rx_ns;
	m->len = r->raw_len;
	m->raw = malloc(r->raw_len + 1);
	cr_assert(m->raw != NULL);
	memcpy(m->raw, r->raw, r->raw_len);
	m->lane = w->h->lane;
	m->block = w->h->log_index;
	cr_expect_eq(r->transport, SC_TRANSPORT_UDP);
	return 0;
}

/*
 * Every record of the store in store order, read the public way; engine
 * event records are only counted.
 */
static void
read_store(const char *dir, struct msgs *v)
{
	char e[512];
	struct sc_store_reader *r = sc_store_reader_open(dir, e, sizeof(e));
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;
	int rc;

	cr_assert(r != NULL, "%s", e);
	cr_assert(hs != NULL);
	while ((rc = sc_store_read(r, &h, &stored, &pos, &er)) == 1) {
		struct store_walk w = { v, &h };
		uint8_t *p = malloc(h.payload_len ? h.payload_len : 1);

		cr_assert(p != NULL);
		cr_assert_eq(sc_block_open(hs, &h, stored, p, h.payload_len), SC_E_OK,
			     "block %" PRIu64, h.log_index);
		cr_assert_eq(sc_block_foreach(p, h.payload_len, take_record, &w), 0);
		free(p);
	}
	cr_assert_eq(rc, 0, "store damaged at segment %u offset %" PRIu64 ": %s", pos.segment,
		     pos.offset, sc_error_name(er));
	sc_hasher_free(hs);
	sc_store_reader_close(r);
}

/*
 * sealctl verify: exit 0 and "OK: N records", N being the store's @p msgs
 * messages (and the engine's event records beside them).  @return all
 * records, events included
 */
static uint64_t
expect_verify_ok(const char *store, uint64_t msgs)
{
	struct msgs st = { 0 };
	char want[128];
	uint64_t total;
	int rc;

	read_store(store, &st);
	cr_expect_eq(st.n, msgs, "%s holds %zu messages", store, st.n);
	total = st.n + st.events;
	msgs_free(&st);
	rc = RUN(SEALCTL, "verify", store);
	/* Engine events are counted apart when sealctl names them. */
	if (strstr(out, " engine event") != NULL)
		snprintf(want, sizeof(want), "OK: %" PRIu64 " records + %" PRIu64 " engine events in ",
			 msgs, total - msgs);
	else
		snprintf(want, sizeof(want), "OK: %" PRIu64 " records in ", total);
	cr_expect_eq(rc, 0, "sealctl verify exit %d:\n%s%s", rc, out, err);
	cr_expect(strncmp(out, want, strlen(want)) == 0, "want \"%s...\", got:\n%s", want, out);
	return total;
}

/* N of the one "seq=N" in a generated message, or 0. */
static uint64_t
seq_of(const struct msg *m)
{
	const uint8_t *s = memmem(m->raw, m->len, "seq=", 4);
	uint64_t n = 0;

	if (s == NULL || memmem(s + 4, m->len - (size_t)(s + 4 - m->raw), "seq=", 4) != NULL)
		return 0;
	for (s += 4; s < m->raw + m->len && *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

static bool
same_msg(const struct msg *a, const struct msg *b)
{
	return a->len == b->len && memcmp(a->raw, b->raw, a->len) == 0 && a->ns == b->ns &&
	       a->family == b->family && memcmp(a->addr, b->addr, 16) == 0 &&
	       a->sport == b->sport && a->dport == b->dport;
}

/*
 * The store holds exactly the capture's syslog datagrams: each seq=N once,
 * byte for byte, stamped with the capture time, from the same address and
 * port; each source's messages in capture order (a source hashes to one
 * lane; lanes may interleave).
 */
static void
expect_same_messages(const struct msgs *cap, const struct msgs *st, uint64_t count)
{
	size_t *at = calloc(count + 1, sizeof(*at));   /* seq -> capture index + 1 */
	bool *seen = calloc(count + 1, sizeof(*seen));
	struct src { uint8_t addr[16]; size_t last; uint32_t lane; } *src;
	size_t nsrc = 0, bad = 0;

	src = calloc(cap->n + 1, sizeof(*src));
	cr_assert(at && seen && src);
	cr_assert_eq(cap->n, count, "capture holds %zu syslog datagrams", cap->n);
	cr_assert_eq(st->n, count, "store holds %zu records, capture %zu", st->n, cap->n);
	for (size_t i = 0; i < cap->n; i++) {
		uint64_t s = seq_of(&cap->m[i]);

		cr_assert(s >= 1 && s <= count && at[s] == 0, "capture message %zu: seq %" PRIu64, i, s);
		at[s] = i + 1;
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct msg *r = &st->m[i];
		uint64_t s = seq_of(r);
		size_t ci, k;

		if (s < 1 || s > count || seen[s]) {
			cr_expect_fail("record %zu (block %" PRIu64 "): seq %" PRIu64 " bad or repeated",
				       i, r->block, s);
			bad++;
			continue;
		}
		seen[s] = true;
		ci = at[s] - 1;
		if (!same_msg(r, &cap->m[ci])) {
			if (bad++ < 5)
				cr_expect_fail("seq=%" PRIu64 ": record in block %" PRIu64 " differs from "
					       "capture frame %zu (len %u/%u, time %" PRId64 "/%" PRId64 ")",
					       s, r->block, ci, r->len, cap->m[ci].len, r->ns,
					       cap->m[ci].ns);
			continue;
		}
		for (k = 0; k < nsrc && memcmp(src[k].addr, r->addr, 16) != 0; k++)
			;
		if (k == nsrc) {
			memcpy(src[nsrc].addr, r->addr, 16);
			src[nsrc].lane = r->lane;
			nsrc++;
		} else {
			if (ci < src[k].last && bad++ < 5)
				cr_expect_fail("seq=%" PRIu64 " stored after a later message of its source", s);
			cr_expect_eq(r->lane, src[k].lane, "a source's messages went to two lanes");
		}
		src[k].last = ci;
	}
	cr_expect_eq(bad, 0, "%zu records differ from the capture", bad);
	free(at);
	free(seen);
	free(src);
}

/* ---- the round trip ------------------------------------------------------------ */

Test(e2e, capture_of_20000_messages_round_trips_byte_for_byte)
{
	struct msgs cap = { 0 }, st = { 0 };
	struct sc_verify_result res;
	char e[512], *summary;
	size_t v6 = 0, vlan = 0, lane_n[2] = { 0 };
	uint64_t total;
	const char *pcap = in_tmp("mix.pcap"), *store = in_tmp("store");

	gen(pcap, "20000", "20260101", "2026-01-01T00:00:00Z");
	cr_assert_eq(ingest(pcap, store), 0, "sealcap: %s", err);
	summary = strdup(err);
	cr_assert(summary != NULL);
	cr_expect(strstr(summary, "received 20000 messages") != NULL, "%s", summary);
	cr_expect(strstr(summary, "dropped 0") != NULL, "%s", summary);
	total = expect_verify_ok(store, 20000);
	cr_expect(strstr(out, "2 lane(s)") != NULL, "%s", out);
	/* What sealcap says it stored is what verify finds (with or without its events). */
	{
		const char *p = strstr(summary, ", stored ");
		unsigned long long n = 0;

		cr_expect(p != NULL && sscanf(p, ", stored %llu in ", &n) == 1 &&
			  (n == 20000 || n == total), "stored count in: %s", summary);
	}
	free(summary);

	cr_assert_eq(sc_verify(store, &res, NULL, NULL, e, sizeof(e)), 0, "%s", e);
	cr_expect_eq(res.records, total);
	cr_expect(res.blocks >= 100, "only %" PRIu64 " blocks: want many small ones", res.blocks);
	cr_expect(res.segments >= 3, "only %u segments", res.segments);
	cr_expect_eq(res.lanes, 2);

	read_pcap(pcap, &cap);
	read_store(store, &st);
	for (size_t i = 0; i < cap.n; i++) {
		v6 += cap.m[i].family == 6;
		vlan += cap.m[i].vlan;
	}
	for (size_t i = 0; i < st.n; i++)
		lane_n[st.m[i].lane & 1]++;
	cr_expect(v6 > 1000 && vlan > 1000, "capture should mix IPv6 (%zu) and VLAN (%zu)", v6, vlan);
	cr_expect(lane_n[0] > 1000 && lane_n[1] > 1000, "lanes %zu/%zu", lane_n[0], lane_n[1]);
	cr_expect_eq(cap.other, 0);
	expect_same_messages(&cap, &st, 20000);
	msgs_free(&cap);
	msgs_free(&st);
}

/* Lane heads: last block of each lane, from the block headers. */
struct heads {
	bool seen[SC_STORE_MAX_LANES];
	struct sc_block_hdr last[SC_STORE_MAX_LANES];
	struct sc_block_hdr first_after[SC_STORE_MAX_LANES]; /* first block in segment >= from */
	bool after[SC_STORE_MAX_LANES];
};

static void
lane_heads(const char *dir, uint32_t from_seg, struct heads *hd)
{
	struct sc_store_reader *r = sc_store_reader_open(dir, NULL, 0);
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;

	cr_assert(r != NULL);
	memset(hd, 0, sizeof(*hd));
	while (sc_store_read(r, &h, &stored, &pos, &er) == 1) {
		cr_assert(h.lane < SC_STORE_MAX_LANES);
		if (pos.segment >= from_seg && !hd->after[h.lane]) {
			hd->after[h.lane] = true;
			hd->first_after[h.lane] = h;
		}
		if (pos.segment < from_seg) {
			hd->seen[h.lane] = true;
			hd->last[h.lane] = h;
		}
	}
	sc_store_reader_close(r);
}

Test(e2e, second_run_appends_a_new_segment_and_the_chain_continues)
{
	struct msgs cap = { 0 }, st = { 0 };
	struct heads hd;
	const char *a = in_tmp("a.pcap"), *b = in_tmp("b.pcap"), *store = in_tmp("store");
	unsigned s1, s2, lanes = 0;

	gen(a, "3000", "1", "2026-01-01T00:00:00Z");
	gen(b, "2000", "2", "2026-01-02T00:00:00Z");
	cr_assert_eq(ingest(a, store), 0, "%s", err);
	expect_verify_ok(store, 3000);
	s1 = count_segments(store);
	cr_assert_eq(ingest(b, store), 0, "%s", err);
	s2 = count_segments(store);
	cr_expect_gt(s2, s1, "the second run should start a new segment");
	expect_verify_ok(store, 5000);

	/* Each lane's first block of the second run continues its chain. */
	lane_heads(store, s1, &hd);
	for (uint32_t l = 0; l < SC_STORE_MAX_LANES; l++) {
		if (!hd.after[l])
			continue;
		lanes++;
		cr_assert(hd.seen[l], "lane %u only in the second run", l);
		cr_expect_eq(hd.first_after[l].block_seq, hd.last[l].block_seq + 1, "lane %u", l);
		cr_expect_eq(hd.first_after[l].first_seq, hd.last[l].first_seq + hd.last[l].count,
			     "lane %u record numbering", l);
		cr_expect(memcmp(hd.first_after[l].prev_hash, hd.last[l].block_hash, SC_HASH_LEN) == 0,
			  "lane %u: the second run's first block does not chain to the first run's last",
			  l);
	}
	cr_expect_eq(lanes, 2);

	/* And the store holds both captures: run one's records, then run two's. */
	read_store(store, &st);
	cr_assert_eq(st.n, 5000);
	{
		struct msgs first = { .m = st.m, .n = 3000 }, second = { .m = st.m + 3000, .n = 2000 };

		read_pcap(a, &cap);
		expect_same_messages(&cap, &first, 3000);
		msgs_free(&cap);
		read_pcap(b, &cap);
		expect_same_messages(&cap, &second, 2000);
		msgs_free(&cap);
	}
	msgs_free(&st);
}

/* ---- real-world captures (Zeek's test suite) ------------------------------------ */

struct zeek_case {
	const char *file;
	const char *src;   /* IPv4-mapped source, as text */
	uint16_t sport;
	unsigned count;
	const char *payload;
	uint32_t len;
};

static void
expect_zeek(const struct zeek_case *z)
{
	struct msgs cap = { 0 }, st = { 0 };
	char path[400], store[400], want[64];

	snprintf(path, sizeof(path), ZEEK "%s", z->file);
	snprintf(store, sizeof(store), "%s/%s.store", tmp, z->file);
	cr_assert_eq(ingest(path, store), 0, "%s: %s", z->file, err);
	snprintf(want, sizeof(want), "received %u messages", z->count);
	cr_expect(strstr(err, want) != NULL, "%s: %s", z->file, err);
	expect_verify_ok(store, z->count);
	read_pcap(path, &cap);
	read_store(store, &st);
	cr_assert_eq(cap.n, z->count, "%s", z->file);
	cr_assert_eq(st.n, z->count, "%s", z->file);
	for (size_t i = 0; i < st.n; i++) {
		struct sc_record r = { 0 };
		char a[64];

		memcpy(r.addr, st.m[i].addr, 16);
		r.family = st.m[i].family;
		cr_expect_eq(st.m[i].len, z->len, "%s record %zu: %u bytes", z->file, i, st.m[i].len);
		cr_expect(st.m[i].len == z->len && memcmp(st.m[i].raw, z->payload, z->len) == 0,
			  "%s record %zu: payload differs", z->file, i);
		cr_expect_str_eq(sc_record_addr_str(&r, a, sizeof(a)), z->src);
		cr_expect_eq(st.m[i].sport, z->sport);
		/* One source: one lane, capture order, capture time. */
		cr_expect(same_msg(&st.m[i], &cap.m[i]), "%s record %zu", z->file, i);
	}
	msgs_free(&cap);
	msgs_free(&st);
}

Test(e2e, zeek_udp_captures_ingest_verbatim)
{
	static const struct zeek_case cases[] = {
		{ "syslog-single-udp.pcap", "127.0.0.1", 57067, 1,
		  "<133>Apr  5 12:56:51 robin: Hello, syslog!", 43 /* the NUL is kept */ },
		{ "syslog-missing-pri.pcap", "192.168.2.118", 60786, 1,
		  "This is not really a syslog message #173538 1552584410.781186", 61 },
		/* Five 1-byte datagrams in frames padded to the Ethernet minimum. */
		{ "fake-syslog-with-padding.pcap", "169.229.152.216", 39887, 5, "X", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_zeek(&cases[i]);
}

/*
 * tcp-syslog.pcap is raw IPv4 (link type 228): sealcap refuses it by name.
 * Its frames, wrapped in Ethernet and mixed with a UDP syslog frame, are
 * TCP (syslog over TCP, handshake and all), which the pcap driver does not
 * reassemble: each is counted as skipped, and the UDP message is stored.
 */
Test(e2e, zeek_tcp_frames_are_counted_as_skipped)
{
	char e[PCAP_ERRBUF_SIZE];
	const char *mixed = in_tmp("mixed.pcap"), *store = in_tmp("store");
	pcap_t *in, *dead;
	pcap_dumper_t *d;
	struct pcap_pkthdr *ph;
	const u_char *f;
	unsigned tcp = 0;
	int rc;

	rc = RUN(SEALCAP, "--driver", "pcap", "--pcap", ZEEK "tcp-syslog.pcap", "--store", store);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "tcp-syslog.pcap: link type IPV4 is not Ethernet") != NULL, "%s", err);

	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	d = pcap_dump_open(dead, mixed);
	cr_assert(d != NULL, "%s", pcap_geterr(dead));
	in = pcap_open_offline_with_tstamp_precision(ZEEK "tcp-syslog.pcap",
						     PCAP_TSTAMP_PRECISION_NANO, e);
	cr_assert(in != NULL, "%s", e);
	while (pcap_next_ex(in, &ph, &f) == 1) {
		uint8_t frame[2048] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
		struct pcap_pkthdr h = *ph;

		cr_assert(ph->caplen + 14 <= sizeof(frame));
		memcpy(frame + 14, f, ph->caplen);
		h.caplen += 14;
		h.len += 14;
		pcap_dump((u_char *)d, &h, frame);
		tcp++;
	}
	pcap_close(in);
	in = pcap_open_offline_with_tstamp_precision(ZEEK "syslog-single-udp.pcap",
						     PCAP_TSTAMP_PRECISION_NANO, e);
	cr_assert(in != NULL, "%s", e);
	cr_assert_eq(pcap_next_ex(in, &ph, &f), 1);
	pcap_dump((u_char *)d, ph, f);
	pcap_close(in);
	pcap_dump_close(d);
	pcap_close(dead);
	cr_assert_eq(tcp, 10);

	cr_assert_eq(ingest(mixed, store), 0, "%s", err);
	cr_expect(strstr(err, "received 1 messages") != NULL, "%s", err);
	cr_expect(strstr(err, "skipped 10 non-syslog frames") != NULL, "%s", err);
	expect_verify_ok(store, 1);
}

/* ---- bad input -------------------------------------------------------------------- */

Test(e2e, bad_input_is_refused_and_the_store_keeps_verifying)
{
	const char *pcap = in_tmp("ok.pcap"), *store = in_tmp("store"), *junk = in_tmp("junk.pcap");
	const char *other = in_tmp("not-a-store");
	char note[450];
	unsigned segs;
	int rc;
	FILE *f;

	gen(pcap, "500", "5", "2026-01-01T00:00:00Z");
	cr_assert_eq(ingest(pcap, store), 0, "%s", err);
	expect_verify_ok(store, 500);
	segs = count_segments(store);

	/* Runtime failures: exit 1, the file named, the store untouched. */
	f = fopen(junk, "w");
	cr_assert(f != NULL);
	fputs("<13>Jan  1 00:00:00 host: this is a text file, not a capture\n", f);
	fclose(f);
	rc = ingest(junk, store);
	cr_expect_eq(rc, 1, "non-pcap input: exit %d", rc);
	cr_expect(strstr(err, "sealcap: --pcap ") != NULL && strstr(err, "junk.pcap: ") != NULL,
		  "the message should name the file: %s", err);
	expect_verify_ok(store, 500);
	cr_expect_eq(count_segments(store), segs, "a failed run must not add a segment");

	rc = ingest(in_tmp("missing.pcap"), store);
	cr_expect_eq(rc, 1, "missing input: exit %d", rc);
	cr_expect(strstr(err, "missing.pcap") != NULL && strstr(err, "No such file") != NULL, "%s",
		  err);
	expect_verify_ok(store, 500);
	cr_expect_eq(count_segments(store), segs);

	/* A directory that holds something else is never taken over. */
	cr_assert_eq(mkdir(other, 0700), 0);
	snprintf(note, sizeof(note), "%s/notes.txt", other);
	f = fopen(note, "w");
	cr_assert(f != NULL);
	fputs("not a store\n", f);
	fclose(f);
	rc = ingest(pcap, other);
	cr_expect_eq(rc, 1, "non-store directory: exit %d", rc);
	cr_expect(strstr(err, "directory is not empty and holds no store.json") != NULL, "%s", err);
	snprintf(note, sizeof(note), "%s/store.json", other);
	cr_expect(access(note, F_OK) != 0, "store.json written into a foreign directory");
	cr_expect_eq(RUN(SEALCTL, "verify", other), 2);
	cr_expect(strstr(err, "store.json") != NULL, "%s", err);

	/* Flag errors: exit 2, the flag named, nothing read or written. */
	rc = RUN(SEALCAP, "--driver", "pcap", "--pcap", pcap, "--store", store, "--bogus");
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "unknown option --bogus") != NULL, "%s", err);
	rc = RUN(SEALCAP, "--pcap", pcap, "--store", store, "--lanes", "0");
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--lanes '0'") != NULL, "%s", err);
	rc = RUN(SEALCAP, "--pcap", pcap, "--store", store, "--block-bytes", "12Q");
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--block-bytes '12Q'") != NULL, "%s", err);
	rc = RUN(SEALCAP, "--pcap", pcap);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--store DIR is required") != NULL, "%s", err);
	rc = RUN(SEALCAP, "--driver", "nosuch", "--store", store);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--driver 'nosuch'") != NULL, "%s", err);
	rc = RUN(SEALCAP, "--store", store, "--pcap");
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "--pcap") != NULL, "%s", err);
	rc = RUN(SEALCTL, "verify");
	cr_expect_eq(rc, 2);
	rc = RUN(SEALCTL, "frobnicate", store);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "unknown command 'frobnicate'") != NULL, "%s", err);

	expect_verify_ok(store, 500);
	cr_expect_eq(count_segments(store), segs);
}

/* ---- signed checkpoints, forward-secure epochs ----------------------------------- */

/* Epochs of the first and the last checkpoint of @p store, in file order. */
static unsigned
checkpoint_epochs(const char *store, unsigned *first, unsigned *last)
{
	char path[400], *f, *p;
	unsigned notes = 0, prev = 0;

	snprintf(path, sizeof(path), "%s/checkpoints", store);
	f = sct_slurp(path, NULL);
	for (p = f; (p = strstr(p, "\xe2\x80\x94 e2e/ward/e")) != NULL; p++) {
		unsigned e;

		cr_assert_eq(sscanf(p + strlen("\xe2\x80\x94 e2e/ward/e"), "%u", &e), 1);
		cr_expect(e >= prev, "epoch %u after epoch %u", e, prev);
		if (notes++ == 0)
			*first = e;
		*last = prev = e;
	}
	free(f);
	return notes;
}

/*
 * The engine signs with --sign-key: a capture ingested in one epoch, then a
 * socket run of a few seconds with 1-second epochs, so the writer moves the
 * key on while it runs.  Verify with the pinned master passes, checkpoints
 * carry several epochs, seed 0 is gone from the key directory, and another
 * master's key is refused.
 */
Test(e2e, signed_capture_across_key_epochs_verifies_with_the_pinned_master)
{
	const char *pcap = in_tmp("mix.pcap"), *store = in_tmp("store"), *keys = in_tmp("keys");
	const char *skey = in_tmp("keys/sign.key"), *mpub = in_tmp("keys/master.pub");
	const char *other = in_tmp("other");
	uint8_t seed0[32];
	unsigned notes, e0 = 0, e1 = 0;
	char *kb, which[600];
	size_t len;

	cr_assert_eq(RUN(SEALCTL, "keygen", "--out", keys, "--origin", "e2e/ward", "--epochs", "600",
			 "--epoch-seconds", "1"), 0, "keygen: %s", err);
	cr_expect(strstr(out, "e2e/ward/master+") != NULL, "keygen prints the master key:\n%s", out);
	kb = sct_slurp(skey, &len);
	cr_assert_eq(len, 384);
	memcpy(seed0, kb + 72, 32);
	free(kb);

	gen(pcap, "20000", "7", "2026-01-01T00:00:00Z");
	/* Wrong --seal-epoch, and a key other users may read, are refused. */
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", pcap, "--store", store,
			 "--sign-key", skey, "--seal-epoch", "900"), 1);
	cr_expect(strstr(err, "--seal-epoch 900") != NULL, "%s", err);
	cr_assert_eq(chmod(skey, 0644), 0);
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", pcap, "--store", store,
			 "--sign-key", skey), 1);
	cr_expect(strstr(err, "mode 0644") != NULL, "%s", err);
	cr_assert_eq(chmod(skey, 0600), 0);

	cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", pcap, "--store", store, "--lanes", "2",
			 "--block-bytes", "16K", "--sign-key", skey, "--checkpoint-interval", "0.05",
			 "--seal-epoch", "1"), 0, "sealcap: %s", err);
	cr_assert_eq(RUN(SEALCAP, "--driver", "socket", "--listen", "udp://127.0.0.1:0", "--store",
			 store, "--sign-key", skey, "--checkpoint-interval", "0.2", "--duration", "3.5"),
		     0, "sealcap: %s", err);
	expect_verify_ok(store, 20000);
	cr_assert_eq(RUN(SEALCTL, "verify", "--pubkey", mpub, store), 0, "%s%s", out, err);
	cr_expect(strstr(out, "(a pinned key)") != NULL, "%s", out);
	cr_expect(strstr(out, "\n0 records in 0 blocks sealed but not yet signed\n") != NULL, "%s", out);
	/* The socket run lasted 3.5 epochs: its last checkpoint is 3 or more later. */
	notes = checkpoint_epochs(store, &e0, &e1);
	cr_expect(notes >= 3 && e1 >= e0 + 3, "%u checkpoints, epochs %u .. %u", notes, e0, e1);
	cr_log_info("%u checkpoints signed in epochs %u .. %u", notes, e0, e1);

	/* A record the engine stored, proved and checked by the auditor's tool. */
	cr_assert_eq(RUN(SEALCTL, "cat", store), 0);
	{
		char id[48], *proof = in_tmp("rec.json"), *edited, *p;
		const char *cert = in_tmp("keys/epochs.pub");
		size_t plen;

		cr_assert_eq(sscanf(out, "%47s ", id), 1);
		cr_assert_eq(RUN(SEALCTL, "prove", store, "--record", id, "--out", proof), 0, "%s", err);
		cr_expect_eq(RUN(SEALCTL, "check-proof", proof, "--pubkey", cert), 0, "%s%s", out, err);
		cr_expect(strncmp(out, "OK: record ", 11) == 0, "%s", out);
		/* One character of the message changed: refused. */
		edited = sct_slurp(proof, &plen);
		p = strstr(edited, "\"message\": \"<");
		cr_assert_not_null(p, "%s", edited);
		p[13]++;
		cr_assert_eq(unlink(proof), 0);
		{
			int fd = open(proof, O_WRONLY | O_CREAT, 0600);

			cr_assert(fd >= 0);
			cr_assert_eq(write(fd, edited, plen), (ssize_t)plen);
			close(fd);
		}
		free(edited);
		cr_expect_eq(RUN(SEALCTL, "check-proof", proof, "--pubkey", cert), 1, "%s", out);
		cr_expect(strncmp(out, "FAIL: ", 6) == 0, "%s", out);
	}

	/* The key directory (master.key moved away as documented) holds no seed 0. */
	{
		char moved[450];

		snprintf(moved, sizeof(moved), "%s/master.key", tmp);
		cr_assert_eq(rename(in_tmp("keys/master.key"), moved), 0);
	}
	{
		DIR *d = opendir(keys);
		struct dirent *e;

		cr_assert_not_null(d);
		while ((e = readdir(d)) != NULL) {
			char *b;

			if (e->d_name[0] == '.')
				continue;
			snprintf(which, sizeof(which), "%s/%s", keys, e->d_name);
			b = sct_slurp(which, &len);
			cr_expect(memmem(b, len, seed0, 32) == NULL, "seed 0 in %s", which);
			free(b);
		}
		closedir(d);
	}

	/* Pinned to another master: every checkpoint is refused. */
	cr_assert_eq(RUN(SEALCTL, "keygen", "--out", other, "--origin", "e2e/ward", "--epochs", "4"), 0);
	snprintf(which, sizeof(which), "%s/master.pub", other);
	cr_expect_eq(RUN(SEALCTL, "verify", "--pubkey", which, store), 1, "%s", out);
	cr_expect(strstr(out, "KEYS: ") != NULL && strstr(out, "CKPT_KEY: ") != NULL &&
		  strstr(out, "CKPT_MISSING: ") != NULL, "%s", out);
}

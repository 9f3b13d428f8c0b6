/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The dpdk driver on crafted frames, in process, on a ring-backed port
 * (DPDK-NOTES section 6): deterministic, no kernel, no root.  Nothing
 * depends on speed; one test sleeps past a 20 ms fragment timeout, which
 * only needs time to pass.
 *
 * Each test initialises the EAL in the suite's .init (Criterion forks per
 * test; the EAL runs with --no-shconf), makes a port with
 * rte_eth_from_rings and its own mbuf pool, and runs the real engine and
 * dpdk driver (linked whole, found with sc_driver_find) in embedded mode
 * on that port.  Frames are built
 * here byte by byte, with checksums from an RFC 1071 sum of this file's
 * own: Ethernet, 802.1Q and QinQ tags, IPv4 with options, IPv6 with
 * extension headers, UDP, and around them ARP, ICMP, TCP, DNS; correct and
 * wrong checksums; IPv4 and IPv6 fragments in order, reversed, shuffled,
 * interleaved, missing, duplicated; runts; a 9000-byte frame as a chain.
 * The frames go onto the port's RX ring, the test waits until the worker
 * has taken them all, stops the engine (drain, seal, sync) and then reads
 * the store back through the public reader: each expected message stored
 * exactly once with its bytes, capture flags, address and ports, nothing
 * else stored, and the driver's counters (its stats line) and the
 * engine's say what was skipped, reassembled or discarded.  Every capture
 * ends by taking every mbuf out of the test's pool: each must be there
 * exactly once, so a fragment the reassembly table kept and never gave
 * back, or one freed both by the table and with its burst, fails it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/driver.h>
#include <sealcap/engine.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#define POOL_MBUFS 2047
/* Data room of one test mbuf (RTE_MBUF_DEFAULT_DATAROOM). */
#define SEG 2048
#define BATCH_MAX 512
/* Mbufs held out of the pool while capturing (see expect_pool_whole). */
#define BALLAST 512
#define MSG_MAX 10000
/* Capture flags of a record (the low 16 bits are the parser's). */
#define CAPTURE_FLAGS 0xffff0000u

static char tmp[256], store[320];
static struct rte_mempool *pool;
static struct rte_ring *rxr, *txr;
static uint16_t port;

static void
setup(void)
{
	char *argv[] = { "test_dpdk_frames", "-l", "0", "--no-huge", "-m", "128", "--no-shconf",
			 "--no-pci", "--no-telemetry", "--log-level=error", NULL };
	int pid;

	sct_tmpdir(tmp, sizeof(tmp), "frames");
	snprintf(store, sizeof(store), "%s/store", tmp);
	cr_assert(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) >= 0,
		  "rte_eal_init: %s", rte_strerror(rte_errno));
	/* No cache: rte_mempool_avail_count is exact. */
	pool = rte_pktmbuf_pool_create("frames", POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool, "test pool: %s", rte_strerror(rte_errno));
	rxr = rte_ring_create("frames_rx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("frames_tx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(rxr != NULL && txr != NULL);
	pid = rte_eth_from_rings("net_frames0", &rxr, 1, &txr, 1, SOCKET_ID_ANY);
	cr_assert(pid >= 0, "rte_eth_from_rings: %s", rte_strerror(rte_errno));
	port = (uint16_t)pid;
}

static void
teardown(void)
{
	rte_eal_cleanup();
	sct_rmtree(tmp);
}

TestSuite(dpdk_frames, .init = setup, .fini = teardown, .timeout = 120);

/* ---- checksums (RFC 1071, independent of DPDK's) ------------------------------ */

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* ---- frames ------------------------------------------------------------------ */

enum { EXT_HBH = 0, EXT_RT = 43, EXT_FRAG = 44, EXT_DST = 60 };

/* One IP datagram to send, whole or as fragments. */
struct dg {
	int family;             /* 4 or 6 */
	uint16_t tags[2];       /* tag TPIDs, outermost first; 0 ends */
	uint8_t src[16], dst[16]; /* IPv4: the first 4 bytes */
	uint8_t proto;          /* 0: UDP; 6 TCP, 1 ICMP, 58 ICMPv6 */
	unsigned v4_opt;        /* IPv4 option bytes (NOPs, multiple of 4); first fragment only */
	uint8_t ext[3];         /* IPv6 headers before the upper layer (or the fragment header) */
	unsigned next;
	bool dst_after_frag;    /* IPv6 fragments: destination options as fragmentable data */
	uint16_t sport, dport;
	uint16_t id;            /* IPv4 identification / IPv6 fragment id */
	const uint8_t *msg;
	size_t msg_len;
	bool bad_udp_csum, zero_udp_csum;
	unsigned bad_ip_csum;   /* IPv4: fragment k-1 (1: the unfragmented frame) has a wrong header csum */
	unsigned frag;          /* payload bytes per fragment (multiple of 8); 0: whole */
	size_t seg;             /* mbuf segment size; 0: SEG */
};

struct batch {
	struct rte_mbuf *m[BATCH_MAX];
	unsigned n;
};

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0x77, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0x77, 0x01 };

/* Frame bytes -> an mbuf chain of @p seg-byte segments from the test pool. */
static struct rte_mbuf *
mk_mbuf(const uint8_t *p, size_t len, size_t seg)
{
	struct rte_mbuf *head = NULL;
	size_t off = 0;

	if (seg == 0 || seg > SEG)
		seg = SEG;
	do {
		size_t k = len - off < seg ? len - off : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *d;

		cr_assert_not_null(m, "test pool empty");
		d = rte_pktmbuf_append(m, (uint16_t)k);
		cr_assert(d != NULL, "append %zu", k);
		if (k != 0)
			memcpy(d, p + off, k);
		off += k;
		if (head == NULL)
			head = m;
		else
			cr_assert_eq(rte_pktmbuf_chain(head, m), 0);
	} while (off < len);
	return head;
}

static void
add(struct batch *b, const uint8_t *p, size_t len, size_t seg)
{
	cr_assert_lt(b->n, BATCH_MAX);
	b->m[b->n++] = mk_mbuf(p, len, seg);
}

static size_t
put_l2(const uint16_t tags[2], uint8_t *f, uint16_t ethertype)
{
	size_t o = 12;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	for (unsigned i = 0; i < 2 && tags[i] != 0; i++) {
		w16(f + o, tags[i]);
		w16(f + o + 2, (uint16_t)(100 + i));
		o += 4;
	}
	w16(f + o, ethertype);
	return o + 2;
}

static uint8_t
l4_proto(const struct dg *d)
{
	return d->proto != 0 ? d->proto : 17;
}

/*
 * The bytes after the IP header(s) that fragmentation splits: IPv6
 * destination options when asked, then UDP/TCP/ICMP and the message.
 */
static size_t
put_upper(const struct dg *d, uint8_t *u)
{
	uint8_t proto = l4_proto(d);
	size_t o = 0, l4;

	if (d->family == 6 && d->dst_after_frag) {
		memset(u, 0, 8);
		u[0] = proto;
		u[2] = 1; /* PadN, 4 bytes */
		u[3] = 4;
		o = 8;
	}
	l4 = o;
	switch (proto) {
	case 17:
		w16(u + o, d->sport);
		w16(u + o + 2, d->dport);
		w16(u + o + 4, (uint16_t)(8 + d->msg_len));
		w16(u + o + 6, 0);
		o += 8;
		break;
	case 6:
		memset(u + o, 0, 20);
		w16(u + o, d->sport);
		w16(u + o + 2, d->dport);
		u[o + 12] = 0x50;
		o += 20;
		break;
	default: /* ICMP / ICMPv6 echo request */
		memset(u + o, 0, 8);
		u[o] = proto == 58 ? 128 : 8;
		o += 8;
		break;
	}
	memcpy(u + o, d->msg, d->msg_len);
	o += d->msg_len;
	if (proto == 17 && !d->zero_udp_csum) {
		uint32_t s;
		uint16_t c;
		size_t ulen = o - l4;

		if (d->family == 4) {
			s = sum16(d->src, 4, 0);
			s = sum16(d->dst, 4, s);
			s += 17 + (uint32_t)ulen;
		} else {
			s = sum16(d->src, 16, 0);
			s = sum16(d->dst, 16, s);
			s += 17 + (uint32_t)ulen;
		}
		c = (uint16_t)~fold(sum16(u + l4, ulen, s));
		if (c == 0)
			c = 0xffff;
		if (d->bad_udp_csum)
			c = c == 0x1234 ? 0x4321 : 0x1234;
		w16(u + l4 + 6, c);
	}
	return o;
}

static size_t
put_ipv4(const struct dg *d, uint8_t *p, unsigned opt, size_t payload, uint16_t frag, bool bad)
{
	size_t hl = 20 + opt;
	uint16_t c;

	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = 0;
	w16(p + 2, (uint16_t)(hl + payload));
	w16(p + 4, d->id);
	w16(p + 6, frag);
	p[8] = 64;
	p[9] = l4_proto(d);
	w16(p + 10, 0);
	memcpy(p + 12, d->src, 4);
	memcpy(p + 16, d->dst, 4);
	memset(p + 20, 1, opt);
	c = (uint16_t)~fold(sum16(p, hl, 0));
	w16(p + 10, bad ? (uint16_t)(c ^ 0x00ff) : c);
	return hl;
}

/* IPv6 header and d->ext (each pointing at the next), last one naming @p last. */
static size_t
put_ipv6(const struct dg *d, uint8_t *p, size_t payload_after, uint8_t last)
{
	size_t o = 40;
	uint8_t *nh = p + 6;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, d->src, 16);
	memcpy(p + 24, d->dst, 16);
	for (unsigned i = 0; i < d->next; i++) {
		*nh = d->ext[i];
		nh = p + o;
		if (d->ext[i] == EXT_RT) { /* SRH, segments left 0 */
			memset(p + o, 0, 24);
			p[o + 1] = 2;
			p[o + 2] = 4;
			memcpy(p + o + 8, d->dst, 16);
			o += 24;
		} else { /* hop-by-hop / destination options: PadN */
			memset(p + o, 0, 8);
			p[o + 2] = 1;
			p[o + 3] = 4;
			o += 8;
		}
	}
	*nh = last;
	w16(p + 4, (uint16_t)(o - 40 + payload_after));
	return o;
}

/* Append @p d's frames (whole, or its fragments in order) to @p b; @return how many. */
static unsigned
emit(struct batch *b, const struct dg *d)
{
	static uint8_t u[70000], f[70000];
	size_t ulen = put_upper(d, u), o, ofs;
	unsigned k = 0;

	if (d->frag == 0) {
		o = put_l2(d->tags, f, d->family == 4 ? 0x0800 : 0x86dd);
		if (d->family == 4)
			o += put_ipv4(d, f + o, d->v4_opt, ulen, 0, d->bad_ip_csum == 1);
		else
			o += put_ipv6(d, f + o, ulen, d->dst_after_frag ? EXT_DST : l4_proto(d));
		memcpy(f + o, u, ulen);
		add(b, f, o + ulen, d->seg);
		return 1;
	}
	cr_assert_eq(d->frag % 8, 0);
	for (ofs = 0; ofs < ulen; ofs += d->frag, k++) {
		size_t n = ulen - ofs < d->frag ? ulen - ofs : d->frag;
		bool more = ofs + n < ulen;

		o = put_l2(d->tags, f, d->family == 4 ? 0x0800 : 0x86dd);
		if (d->family == 4) {
			o += put_ipv4(d, f + o, k == 0 ? d->v4_opt : 0, n,
				      (uint16_t)(ofs / 8 | (more ? 0x2000 : 0)), d->bad_ip_csum == k + 1);
		} else {
			o += put_ipv6(d, f + o, 8 + n, EXT_FRAG);
			f[o] = d->dst_after_frag ? EXT_DST : l4_proto(d);
			f[o + 1] = 0;
			w16(f + o + 2, (uint16_t)(ofs | (more ? 1 : 0)));
			w16(f + o + 4, 0);
			w16(f + o + 6, d->id);
			o += 8;
		}
		memcpy(f + o, u + ofs, n);
		add(b, f, o + n, d->seg);
	}
	return k;
}

/* A syslog message of exactly @p len bytes naming @p tag. */
static const uint8_t *
mkmsg(uint8_t *buf, size_t len, const char *tag)
{
	int n = snprintf((char *)buf, MSG_MAX, "<134>1 2026-05-01T10:00:00.000Z ehr-01 audit - - - tag=%s ",
			 tag);

	cr_assert(n > 0 && (size_t)n <= len && len <= MSG_MAX);
	for (size_t i = (size_t)n; i < len; i++)
		buf[i] = (uint8_t)('a' + (i * 7 + (size_t)tag[0]) % 26);
	return buf;
}

/* Addresses: 10.0.0.x / 2001:db8::x as the source, a fixed capture address. */
static void
addr4(struct dg *d, uint8_t host)
{
	static const uint8_t dst[4] = { 169, 254, 77, 2 };

	d->family = 4;
	memset(d->src, 0, 16);
	d->src[0] = 10;
	d->src[3] = host;
	memcpy(d->dst, dst, 4);
}

static void
addr6(struct dg *d, uint8_t host)
{
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x05, [15] = 0x14 };

	d->family = 6;
	memset(d->src, 0, 16);
	d->src[0] = 0x20;
	d->src[1] = 0x01;
	d->src[2] = 0x0d;
	d->src[3] = 0xb8;
	d->src[15] = host;
	memcpy(d->dst, dst, 16);
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Reorder b->m[from, from + n): reversed, or shuffled with @p seed. */
static void
reverse(struct batch *b, unsigned from, unsigned n)
{
	for (unsigned i = 0; i < n / 2; i++) {
		struct rte_mbuf *t = b->m[from + i];

		b->m[from + i] = b->m[from + n - 1 - i];
		b->m[from + n - 1 - i] = t;
	}
}

static void
shuffle(struct batch *b, unsigned from, unsigned n, uint64_t seed)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(xorshift(&seed) % i);
		struct rte_mbuf *t = b->m[from + i - 1];

		b->m[from + i - 1] = b->m[from + j];
		b->m[from + j] = t;
	}
}

/* Remove b->m[i] (freed: never sent). */
static void
drop_frame(struct batch *b, unsigned i)
{
	rte_pktmbuf_free(b->m[i]);
	memmove(b->m + i, b->m + i + 1, (b->n - i - 1) * sizeof(b->m[0]));
	b->n--;
}

/* Insert a copy of b->m[i] right after it (a duplicate on the wire). */
static void
dup_frame(struct batch *b, unsigned i)
{
	uint8_t buf[SEG];
	uint32_t len = rte_pktmbuf_pkt_len(b->m[i]);
	const uint8_t *p = rte_pktmbuf_read(b->m[i], 0, len, buf);
	struct rte_mbuf *copy;

	cr_assert(len <= SEG && p != NULL);
	add(b, p, len, 0);
	copy = b->m[b->n - 1];
	memmove(b->m + i + 2, b->m + i + 1, (b->n - 2 - i) * sizeof(b->m[0]));
	b->m[i + 1] = copy;
}

/* ---- capture ------------------------------------------------------------------ */

struct cap {
	struct sc_engine *e;
	const struct sc_driver_ops *ops;
	pthread_t t;
	FILE *statf;
	char *stat;
	size_t statlen;
	char err[1024];
	int rc;
	atomic_bool done;
	struct sc_engine_stats st;  /* at the end */
	void *ballast[BALLAST];
};

static void
set(const struct sc_driver_ops *o, const char *name, const char *val)
{
	char e[512];

	cr_assert_eq(o->set_opt(name, val, e, sizeof(e)), 0, "--%s %s: %s", name, val ? val : "", e);
}

static void *
cap_main(void *arg)
{
	struct cap *c = arg;

	c->rc = sc_engine_run(c->e, &c->ops, 1, c->statf, 0, c->err, sizeof(c->err));
	atomic_store(&c->done, true);
	return NULL;
}

/*
 * Run the engine with the dpdk driver on the ring port; @p opts: driver
 * option name/value pairs, NULL-terminated (or NULL).
 */
static void
cap_start(struct cap *c, const char *const *opts)
{
	struct sc_engine_config cfg;
	char num[16];

	memset(c, 0, sizeof(*c));
	cr_assert_eq(rte_mempool_get_bulk(pool, c->ballast, BALLAST), 0);
	c->ops = sc_driver_find("dpdk");
	cr_assert_not_null(c->ops, "the dpdk driver is not linked in");
	set(c->ops, "dpdk-embedded", NULL);
	snprintf(num, sizeof(num), "%u", port);
	set(c->ops, "dpdk-port", num);
	set(c->ops, "dpdk-mbufs", "4095");
	set(c->ops, "dpdk-ring", "256");
	set(c->ops, "dpdk-syslog-ports", "514,6514");
	for (; opts != NULL && opts[0] != NULL; opts += 2)
		set(c->ops, opts[0], opts[1]);
	sc_engine_config_default(&cfg);
	cfg.store.dir = store;
	cfg.store.origin = "test/frames";
	cfg.store.fsync = SC_FSYNC_NONE;
	cfg.ring_size = 64;
	cfg.batches = 64;
	c->e = sc_engine_create(&cfg, c->err, sizeof(c->err));
	cr_assert_not_null(c->e, "sc_engine_create: %s", c->err);
	c->statf = open_memstream(&c->stat, &c->statlen);
	cr_assert_not_null(c->statf);
	cr_assert_eq(pthread_create(&c->t, NULL, cap_main, c), 0);
}

/* Put @p b's frames on the RX ring and wait until the worker took them all. */
static void
cap_send(struct cap *c, struct batch *b)
{
	unsigned done = 0;

	while (done < b->n) {
		done += rte_ring_enqueue_burst(rxr, (void **)(b->m + done), b->n - done, NULL);
		cr_assert(!atomic_load(&c->done), "capture ended early (%d): %s", c->rc, c->err);
		if (done < b->n)
			usleep(1000);
	}
	b->n = 0;
	/* The worker handles a burst whole before it looks at the stop flag. */
	while (rte_ring_count(rxr) != 0) {
		cr_assert(!atomic_load(&c->done), "capture ended early (%d): %s", c->rc, c->err);
		usleep(1000);
	}
}

/* Wait until the engine has received @p n messages (a marker's way to say "processed"). */
static void
cap_wait_msgs(struct cap *c, uint64_t n)
{
	struct sc_engine_stats s;

	for (;;) {
		sc_engine_stats(c->e, &s);
		if (s.rx_msgs >= n)
			return;
		cr_assert(!atomic_load(&c->done), "capture ended early: %s", c->err);
		usleep(1000);
	}
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every mbuf is back in the test pool, once: taken out one by one, the
 * pool yields each of its objects (less the ballast, see cap_start)
 * exactly once.  A leak shows as fewer; a double free (a kept fragment
 * also freed with its burst) as the same object twice, or as a ballast
 * object.  rte_mempool_avail_count alone cannot show a double free: it is
 * capped at the pool size, and so is the pool's ring, which is why the
 * ballast keeps room in it for the extra frees to land.
 */
static void
expect_pool_whole(void *const *ballast)
{
	static void *obj[POOL_MBUFS + BALLAST];
	unsigned n = 0, dups = 0, foreign = 0;
	void *o;

	while (n < POOL_MBUFS + BALLAST && rte_mempool_get(pool, &o) == 0)
		obj[n++] = o;
	qsort(obj, n, sizeof(obj[0]), cmp_ptr);
	for (unsigned i = 0; i < n; i++) {
		dups += i > 0 && obj[i] == obj[i - 1];
		for (unsigned j = 0; j < BALLAST; j++)
			foreign += obj[i] == ballast[j];
	}
	cr_expect(dups == 0 && foreign == 0, "mbufs freed twice: %u (%u never sent)", dups + foreign,
		  foreign);
	cr_expect_eq(n, POOL_MBUFS - BALLAST, "%u mbufs back in the pool, want %u", n,
		     POOL_MBUFS - BALLAST);
	for (unsigned i = 0; i < n; i++)
		if (i == 0 || obj[i] != obj[i - 1])
			rte_mempool_put(pool, obj[i]);
	rte_mempool_put_bulk(pool, ballast, BALLAST);
}

/* Stop, drain, seal; every mbuf must be back in the test pool. */
static void
cap_stop(struct cap *c)
{
	sc_engine_stop(c->e);
	cr_assert_eq(pthread_join(c->t, NULL), 0);
	cr_assert_eq(c->rc, 0, "sc_engine_run: %s", c->err);
	sc_engine_stats(c->e, &c->st);
	fclose(c->statf);
	cr_assert_eq(sc_engine_destroy(c->e), 0);
	cr_log_info("%s", c->stat);
	expect_pool_whole(c->ballast);
}

static void
cap_free(struct cap *c)
{
	free(c->stat);
	c->stat = NULL;
}

/* A counter from the driver's stats line; the fragment ones read 0 when absent. */
static uint64_t
stat_of(const struct cap *c, const char *key)
{
	const char *line = strstr(c->stat, "sealcap: driver dpdk: "), *p, *end;
	size_t kl = strlen(key);

	cr_assert_not_null(line, "no driver stats line in:\n%s", c->stat);
	end = strchr(line, '\n');
	if (end == NULL)
		end = line + strlen(line);
	for (p = line; (p = strstr(p, key)) != NULL && p < end; p += kl)
		if (p[-1] == ' ' && p[kl] == '=')
			return strtoull(p + kl + 1, NULL, 10);
	cr_assert(strncmp(key, "frag-", 5) == 0 || strncmp(key, "reasm", 5) == 0,
		  "no %s= in %.*s", key, (int)(end - line), line);
	return 0;
}

#define EXPECT_STAT(c, key, want) do { \
	uint64_t v_ = stat_of((c), (key)); \
	cr_expect_eq(v_, (uint64_t)(want), "%s=%" PRIu64 ", want %" PRIu64, (key), v_, \
		     (uint64_t)(want)); \
} while (0)

/* ---- the store ---------------------------------------------------------------- */

struct rec {
	uint32_t flags;
	uint8_t family, transport;
	uint8_t addr[16];
	uint16_t sport, dport;
	uint32_t len;
	uint8_t *raw;
};

struct recs {
	struct rec *r;
	size_t n, cap;
	uint64_t events;
};

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
		v->cap = v->cap ? 2 * v->cap : 64;
		v->r = realloc(v->r, v->cap * sizeof(*v->r));
		cr_assert_not_null(v->r);
	}
	m = &v->r[v->n++];
	m->flags = r->flags;
	m->family = r->family;
	m->transport = r->transport;
	memcpy(m->addr, r->addr, 16);
	m->sport = r->src_port;
	m->dport = r->dst_port;
	m->len = r->raw_len;
	m->raw = malloc(r->raw_len + 1);
	cr_assert_not_null(m->raw);
	memcpy(m->raw, r->raw, r->raw_len);
	return 0;
}

/* Every record of the store, through the public reader. */
static void
read_store(struct recs *v)
{
	memset(v, 0, sizeof(*v));
	sct_store_foreach(store, take_record, v);
	/* The engine's own start and stop events at least. */
	cr_expect_geq(v->events, 2);
}

static void
recs_free(struct recs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->r[i].raw);
	free(v->r);
	memset(v, 0, sizeof(*v));
}

/*
 * @p d's message is stored @p copies times, each from d's source address
 * and ports, over UDP, with exactly the capture flags @p flags.
 */
static void
expect_stored(const struct recs *v, const struct dg *d, uint32_t flags, unsigned copies)
{
	uint8_t want[16] = { [10] = 0xff, [11] = 0xff };
	unsigned found = 0;

	if (d->family == 4)
		memcpy(want + 12, d->src, 4);
	else
		memcpy(want, d->src, 16);
	for (size_t i = 0; i < v->n; i++) {
		const struct rec *r = &v->r[i];

		if (r->len != d->msg_len || memcmp(r->raw, d->msg, d->msg_len) != 0)
			continue;
		found++;
		cr_expect_eq(r->flags & CAPTURE_FLAGS, flags, "%.60s...: capture flags %#x, want %#x",
			     (const char *)d->msg, r->flags & CAPTURE_FLAGS, flags);
		cr_expect_eq(r->family, d->family);
		cr_expect_eq(r->transport, SC_TRANSPORT_UDP);
		cr_expect_arr_eq(r->addr, want, 16, "%.60s...: source address", (const char *)d->msg);
		cr_expect_eq(r->sport, d->sport, "%.60s...: source port %u, want %u",
			     (const char *)d->msg, r->sport, d->sport);
		cr_expect_eq(r->dport, d->dport);
	}
	cr_expect_eq(found, copies, "%.60s... (%zu bytes) stored %u times, want %u",
		     (const char *)d->msg, d->msg_len, found, copies);
}

static void
expect_records(const struct recs *v, size_t n)
{
	cr_expect_eq(v->n, n, "%zu messages stored, want %zu", v->n, n);
}

/* ---- whole frames ------------------------------------------------------------- */

Test(dpdk_frames, syslog_frames)
{
	enum { N = 13 };
	static uint8_t msg[N][200];
	struct dg d[N];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	char tag[16];

	for (unsigned i = 0; i < N; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		if (i < 7)
			addr4(&d[i], (uint8_t)(i + 1));
		else
			addr6(&d[i], (uint8_t)(i + 1));
		d[i].sport = (uint16_t)(40000 + i);
		d[i].dport = 514;
		d[i].id = (uint16_t)(100 + i);
		snprintf(tag, sizeof(tag), "whole%u", i);
		d[i].msg = mkmsg(msg[i], 120 + i, tag);
		d[i].msg_len = 120 + i;
	}
	d[1].tags[0] = 0x8100;                          /* 802.1Q */
	d[2].tags[0] = 0x88a8, d[2].tags[1] = 0x8100;   /* QinQ */
	d[3].v4_opt = 40;                               /* largest IPv4 header */
	d[3].dport = 6514;
	d[4].bad_udp_csum = true;
	d[5].bad_ip_csum = 1;
	d[6].zero_udp_csum = true;                      /* IPv4: no checksum, fine */
	d[8].next = 2, d[8].ext[0] = EXT_HBH, d[8].ext[1] = EXT_DST;
	d[9].next = 1, d[9].ext[0] = EXT_RT, d[9].tags[0] = 0x8100;
	d[10].bad_udp_csum = true;
	d[11].zero_udp_csum = true;                     /* IPv6: RFC 8200 says invalid */
	d[12].tags[0] = 0x9100, d[12].tags[1] = 0x8100;

	cap_start(&c, NULL);
	for (unsigned i = 0; i < N; i++)
		emit(&b, &d[i]);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, N);
	for (unsigned i = 0; i < N; i++)
		expect_stored(&v, &d[i],
			      i == 4 || i == 5 || i == 10 || i == 11 ? SC_REC_BAD_CSUM : 0, 1);
	EXPECT_STAT(&c, "frames", N);
	EXPECT_STAT(&c, "syslog", N);
	EXPECT_STAT(&c, "other", 0);
	EXPECT_STAT(&c, "malformed", 0);
	EXPECT_STAT(&c, "fragments", 0);
	cr_expect_eq(c.st.rx_msgs, N);
	cr_expect_eq(c.st.skipped, 0);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, non_syslog_skipped)
{
	static uint8_t m1[100], m2[64];
	struct dg sys, d;
	struct batch b = { .n = 0 };
	uint8_t f[128];
	struct recs v;
	struct cap c;
	unsigned others = 0;
	size_t o;

	memset(&sys, 0, sizeof(sys));
	addr4(&sys, 9);
	sys.sport = 5140, sys.dport = 514;
	sys.msg = mkmsg(m1, 100, "kept"), sys.msg_len = 100;

	cap_start(&c, NULL);
	/* ARP request, padded to 60 bytes. */
	memset(f, 0, sizeof(f));
	o = put_l2(sys.tags, f, 0x0806);
	w16(f + o, 1), w16(f + o + 2, 0x0800), f[o + 4] = 6, f[o + 5] = 4, w16(f + o + 6, 1);
	add(&b, f, 60, 0), others++;
	/* LLDP: not IP at all. */
	o = put_l2(sys.tags, f, 0x88cc);
	add(&b, f, 60, 0), others++;
	/* ICMP echo, ICMPv6 echo, TCP to 514, UDP to 53, UDP to 515: all well formed. */
	d = sys;
	d.msg = mkmsg(m2, 64, "other");
	d.msg_len = 64;
	d.proto = 1;
	others += emit(&b, &d);
	addr6(&d, 9);
	d.proto = 58;
	others += emit(&b, &d);
	addr4(&d, 9);
	d.proto = 6;
	others += emit(&b, &d);
	d.proto = 0;
	d.dport = 53;
	others += emit(&b, &d);
	addr6(&d, 9);
	d.dport = 515;
	d.tags[0] = 0x8100;
	others += emit(&b, &d);
	emit(&b, &sys);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 1);
	expect_stored(&v, &sys, 0, 1);
	EXPECT_STAT(&c, "frames", others + 1);
	EXPECT_STAT(&c, "other", others);
	EXPECT_STAT(&c, "syslog", 1);
	EXPECT_STAT(&c, "malformed", 0);
	cr_expect_eq(c.st.skipped, others);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, runts_and_truncated_headers)
{
	static uint8_t m[80];
	struct dg d;
	struct batch b = { .n = 0 };
	uint8_t f[200], full[200];
	size_t flen, o;
	struct recs v;
	struct cap c;
	unsigned bad = 0;

	memset(&d, 0, sizeof(d));
	addr4(&d, 3);
	d.sport = 7000, d.dport = 514;
	d.msg = mkmsg(m, 80, "runt"), d.msg_len = 80;
	emit(&b, &d);
	flen = rte_pktmbuf_pkt_len(b.m[0]);
	memcpy(full, rte_pktmbuf_mtod(b.m[0], uint8_t *), flen);
	rte_pktmbuf_free(b.m[0]);
	b.n = 0;

	cap_start(&c, NULL);
	/* Runts: nothing, 1 byte, 13 bytes (< an Ethernet header), 14 (no IP). */
	add(&b, full, 0, 0), bad++;
	add(&b, full, 1, 0), bad++;
	add(&b, full, 13, 0), bad++;
	add(&b, full, 14, 0), bad++;
	/* Cut inside the IPv4 header, inside the UDP header, and in the payload. */
	add(&b, full, 14 + 10, 0), bad++;
	add(&b, full, 14 + 20 + 4, 0), bad++;
	add(&b, full, flen - 1, 0), bad++;
	/* IPv4 total length larger than the frame; UDP length disagreeing. */
	memcpy(f, full, flen);
	w16(f + 16, (uint16_t)(flen - 14 + 1));
	add(&b, f, flen, 0), bad++;
	memcpy(f, full, flen);
	w16(f + 14 + 20 + 4, (uint16_t)(8 + 80 + 1));
	add(&b, f, flen, 0), bad++;
	/* IHL below 5. */
	memcpy(f, full, flen);
	f[14] = 0x44;
	add(&b, f, flen, 0), bad++;
	/* IPv6: payload length past the end; a bare header. */
	addr6(&d, 3);
	emit(&b, &d);
	{
		struct rte_mbuf *m6 = b.m[--b.n];

		o = rte_pktmbuf_pkt_len(m6);
		memcpy(f, rte_pktmbuf_mtod(m6, uint8_t *), o);
		rte_pktmbuf_free(m6);
	}
	add(&b, f, o - 5, 0), bad++;
	add(&b, f, 14 + 39, 0), bad++;
	/* Tags with nothing after them. */
	w16(f + 12, 0x8100);
	add(&b, f, 16, 0), bad++;
	/* The intact frame still goes through. */
	add(&b, full, flen, 0);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 1);
	addr4(&d, 3);
	expect_stored(&v, &d, 0, 1);
	EXPECT_STAT(&c, "malformed", bad);
	EXPECT_STAT(&c, "syslog", 1);
	cr_expect_eq(c.st.skipped, bad);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, jumbo_frame_as_mbuf_chain)
{
	static uint8_t m4[9000], m6[8900];
	struct dg d4, d6;
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;

	memset(&d4, 0, sizeof(d4));
	addr4(&d4, 20);
	d4.sport = 601, d4.dport = 514;
	d4.msg = mkmsg(m4, sizeof(m4), "jumbo4"), d4.msg_len = sizeof(m4);
	d4.tags[0] = 0x8100;
	d6 = d4;
	addr6(&d6, 20);
	d6.msg = mkmsg(m6, sizeof(m6), "jumbo6"), d6.msg_len = sizeof(m6);
	d6.next = 1, d6.ext[0] = EXT_HBH;
	d6.seg = 1000; /* segment boundaries inside the headers too */

	cap_start(&c, NULL);
	emit(&b, &d4);
	emit(&b, &d6);
	cr_assert_eq(b.m[0]->nb_segs, 5);
	cr_assert_eq(b.m[1]->nb_segs, 9);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 2);
	expect_stored(&v, &d4, 0, 1);
	expect_stored(&v, &d6, 0, 1);
	EXPECT_STAT(&c, "multiseg", 2);
	EXPECT_STAT(&c, "syslog", 2);
	recs_free(&v);
	cap_free(&c);
}

/* ---- fragments ---------------------------------------------------------------- */

/*
 * @p n datagrams of 2000..5000 bytes from @p n sources, cut in fragments
 * of @p frag bytes; the header shapes vary with i % 4 (802.1Q and IPv4
 * options or IPv6 destination options after the fragment header; QinQ and
 * a 60-byte IPv4 header; plain).
 */
static void
make_dgs(struct dg *d, uint8_t (*msg)[MSG_MAX], unsigned n, int family, unsigned frag,
	 const char *what)
{
	char tag[32];

	for (unsigned i = 0; i < n; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		if (family == 4)
			addr4(&d[i], (uint8_t)(50 + i));
		else
			addr6(&d[i], (uint8_t)(50 + i));
		d[i].sport = (uint16_t)(30000 + i);
		d[i].dport = 514;
		d[i].id = (uint16_t)(0x4000 + i);
		d[i].frag = frag;
		snprintf(tag, sizeof(tag), "%s%u", what, i);
		d[i].msg_len = 2000 + 1000 * (i % 4) + i;
		d[i].msg = mkmsg(msg[i], d[i].msg_len, tag);
		switch (i % 4) {
		case 1:
			d[i].tags[0] = 0x8100;
			d[i].v4_opt = 12;
			d[i].dst_after_frag = true;
			break;
		case 2:
			d[i].tags[0] = 0x88a8, d[i].tags[1] = 0x8100;
			d[i].v4_opt = 40;
			break;
		default:
			break;
		}
	}
}

enum { IN_ORDER, REVERSED, SHUFFLED };

/*
 * make_dgs, then each datagram's fragments appended to @p b, kept
 * together and ordered by @p order; @return the frames.
 */
static unsigned
frag_batch(struct batch *b, struct dg *d, uint8_t (*msg)[MSG_MAX], unsigned n, int family,
	   unsigned frag, int order, const char *what)
{
	unsigned total = 0;

	make_dgs(d, msg, n, family, frag, what);
	for (unsigned i = 0; i < n; i++) {
		unsigned from = b->n, k = emit(b, &d[i]);

		cr_assert_geq(k, 2);
		if (order == REVERSED)
			reverse(b, from, k);
		else if (order == SHUFFLED)
			shuffle(b, from, k, 0x9e3779b97f4a7c15ull + i);
		total += k;
	}
	return total;
}

static void
fragments_case(int family, int order)
{
	enum { N = 8 };
	static uint8_t msg[N][MSG_MAX];
	struct dg d[N];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	unsigned frames;

	cap_start(&c, NULL);
	frames = frag_batch(&b, d, msg, N, family, 1232, order, family == 4 ? "v4frag" : "v6frag");
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, N);
	for (unsigned i = 0; i < N; i++)
		expect_stored(&v, &d[i], SC_REC_REASSEMBLED, 1);
	EXPECT_STAT(&c, "frames", frames);
	EXPECT_STAT(&c, "fragments", frames);
	EXPECT_STAT(&c, "frag-taken", frames);
	EXPECT_STAT(&c, "reassembled", N);
	EXPECT_STAT(&c, "reasm-syslog", N);
	EXPECT_STAT(&c, "frag-dropped", 0);
	EXPECT_STAT(&c, "frag-expired", 0);
	EXPECT_STAT(&c, "frag-at-stop", 0);
	cr_expect_eq(c.st.rx_msgs, N);
	cr_expect_eq(c.st.skipped, 0);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, ipv4_fragments_in_order) { fragments_case(4, IN_ORDER); }
Test(dpdk_frames, ipv4_fragments_reversed) { fragments_case(4, REVERSED); }
Test(dpdk_frames, ipv4_fragments_shuffled) { fragments_case(4, SHUFFLED); }
Test(dpdk_frames, ipv6_fragments_in_order) { fragments_case(6, IN_ORDER); }
Test(dpdk_frames, ipv6_fragments_reversed) { fragments_case(6, REVERSED); }
Test(dpdk_frames, ipv6_fragments_shuffled) { fragments_case(6, SHUFFLED); }

Test(dpdk_frames, fragments_interleaved_across_bursts)
{
	enum { N = 6 };
	static uint8_t msg[N][MSG_MAX];
	struct dg d[N];
	struct batch b = { .n = 0 };
	struct rte_mbuf *all[BATCH_MAX];
	unsigned n4, n6, n;
	struct recs v;
	struct cap c;

	/* Three IPv4 and three IPv6 datagrams, all frames shuffled together. */
	n4 = frag_batch(&b, d, msg, 3, 4, 600, IN_ORDER, "mix4-");
	n6 = frag_batch(&b, d + 3, msg + 3, 3, 6, 600, IN_ORDER, "mix6-");
	n = b.n;
	cr_assert_eq(n, n4 + n6);
	/* Same ids and addresses must not matter across the families. */
	shuffle(&b, 0, n, 42);
	memcpy(all, b.m, n * sizeof(all[0]));

	cap_start(&c, NULL);
	/* A few frames at a time: datagrams span many bursts. */
	for (unsigned i = 0; i < n; i += 5) {
		b.n = n - i < 5 ? n - i : 5;
		memcpy(b.m, all + i, b.n * sizeof(all[0]));
		cap_send(&c, &b);
	}
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, N);
	for (unsigned i = 0; i < N; i++)
		expect_stored(&v, &d[i], SC_REC_REASSEMBLED, 1);
	EXPECT_STAT(&c, "reassembled", N);
	EXPECT_STAT(&c, "frag-taken", n);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, fragment_checksums)
{
	static uint8_t msg[4][MSG_MAX];
	struct dg d[4];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;

	make_dgs(d, msg, 4, 4, 1480, "csum");
	/* 0 correct, 1 wrong UDP checksum, 2 wrong header in fragment 2, 3 (IPv6) wrong UDP. */
	d[1].bad_udp_csum = true;
	d[2].bad_ip_csum = 2;
	addr6(&d[3], 53);
	d[3].bad_udp_csum = true;

	cap_start(&c, NULL);
	for (unsigned i = 0; i < 4; i++)
		emit(&b, &d[i]);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 4);
	expect_stored(&v, &d[0], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[1], SC_REC_REASSEMBLED | SC_REC_BAD_CSUM, 1);
	expect_stored(&v, &d[2], SC_REC_REASSEMBLED | SC_REC_BAD_CSUM, 1);
	expect_stored(&v, &d[3], SC_REC_REASSEMBLED | SC_REC_BAD_CSUM, 1);
	EXPECT_STAT(&c, "frag-bad-ip-csum", 1);
	EXPECT_STAT(&c, "reassembled", 4);
	recs_free(&v);
	cap_free(&c);
}

/*
 * A datagram missing a fragment is never stored: the table discards it
 * after --frag-timeout-ms (expired), or at stop (at-stop).  Time only has
 * to pass, never to be short: the test sleeps well past the timeout.
 */
Test(dpdk_frames, missing_fragment_expires_or_counts_at_stop)
{
	static uint8_t msg[3][MSG_MAX], mk[2][100];
	struct dg d[3], mark[2];
	struct batch b = { .n = 0 };
	static const char *const opts[] = { "frag-timeout-ms", "20", NULL };
	struct recs v;
	struct cap c;
	unsigned k0, k1;

	make_dgs(d, msg, 3, 4, 1232, "lost");
	addr6(&d[1], 61);
	for (unsigned i = 0; i < 2; i++) {
		memset(&mark[i], 0, sizeof(mark[i]));
		addr4(&mark[i], 99);
		mark[i].sport = (uint16_t)(999 + i), mark[i].dport = 514;
		mark[i].msg = mkmsg(mk[i], 100, i ? "mark1" : "mark0"), mark[i].msg_len = 100;
	}

	cap_start(&c, opts);
	/* Datagram 0 without its second fragment, then a marker. */
	k0 = emit(&b, &d[0]);
	drop_frame(&b, 1);
	emit(&b, &mark[0]);
	cap_send(&c, &b);
	cap_wait_msgs(&c, 1); /* the marker is in: so are the fragments before it */
	usleep(200 * 1000);
	/* The next burst expires datagram 0; IPv6 datagram 1 loses its last fragment. */
	k1 = emit(&b, &d[1]);
	drop_frame(&b, b.n - 1);
	emit(&b, &mark[1]);
	emit(&b, &d[2]);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 3);
	expect_stored(&v, &mark[0], 0, 1);
	expect_stored(&v, &mark[1], 0, 1);
	expect_stored(&v, &d[2], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[0], 0, 0);
	expect_stored(&v, &d[1], 0, 0);
	EXPECT_STAT(&c, "frag-expired", k0 - 1);
	EXPECT_STAT(&c, "frag-at-stop", k1 - 1);
	EXPECT_STAT(&c, "frag-dropped", 0);
	EXPECT_STAT(&c, "reassembled", 1);
	/* Discarded fragments are skipped frames. */
	cr_expect_eq(c.st.skipped, (k0 - 1) + (k1 - 1));
	recs_free(&v);
	cap_free(&c);
}

/*
 * Duplicates.  A datagram repeated whole after it completed is a second
 * datagram and is stored again (as a socket would deliver it twice).  A
 * fragment repeated before its datagram completed makes rte_ip_frag
 * (22.11) discard the datagram: counted, not stored, nothing leaked.
 */
Test(dpdk_frames, duplicate_fragments)
{
	static uint8_t msg[3][MSG_MAX];
	struct dg d[3];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	unsigned k1, k2, from;

	make_dgs(d, msg, 3, 4, 1232, "dup");
	addr6(&d[2], 77);

	cap_start(&c, NULL);
	/* 0: whole datagram twice, one after the other. */
	emit(&b, &d[0]);
	emit(&b, &d[0]);
	cap_send(&c, &b);
	/* 1: second fragment repeated right after itself. */
	k1 = emit(&b, &d[1]);
	cr_assert_geq(k1, 3);
	dup_frame(&b, 1);
	/* 2 (IPv6): first fragment twice in a row, then the rest. */
	from = b.n;
	k2 = emit(&b, &d[2]);
	dup_frame(&b, from);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 2);
	expect_stored(&v, &d[0], SC_REC_REASSEMBLED, 2);
	expect_stored(&v, &d[1], 0, 0);
	expect_stored(&v, &d[2], 0, 0);
	EXPECT_STAT(&c, "reassembled", 2);
	/*
	 * 1: with the duplicate, the fragment sizes add up past the total
	 * when the last one comes: all its k1 + 1 fragments are discarded.
	 * 2: the second first fragment discards both; the rest start a new
	 * datagram that cannot complete (counted at stop).
	 */
	EXPECT_STAT(&c, "frag-dropped", (k1 + 1) + 2);
	EXPECT_STAT(&c, "frag-at-stop", k2 - 1);
	cr_expect_eq(c.st.skipped, (k1 + 1) + 2 + (k2 - 1));
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, table_full_refuses_new_datagrams)
{
	static uint8_t msg[3][MSG_MAX];
	struct dg d[3];
	struct batch b = { .n = 0 };
	struct rte_mbuf *rest[3][16];
	unsigned k[3];
	static const char *const opts[] = { "frag-flows", "2", NULL };
	struct recs v;
	struct cap c;

	make_dgs(d, msg, 3, 4, 1232, "full");

	cap_start(&c, opts);
	/* The first fragment of each: the third finds the table full. */
	for (unsigned i = 0; i < 3; i++) {
		struct batch t = { .n = 0 };

		k[i] = emit(&t, &d[i]);
		b.m[b.n++] = t.m[0];
		memcpy(rest[i], t.m + 1, (k[i] - 1) * sizeof(t.m[0]));
	}
	cap_send(&c, &b);
	/* The rest of each: 0 and 1 complete; 2's rest waits in vain. */
	for (unsigned i = 0; i < 3; i++) {
		memcpy(b.m + b.n, rest[i], (k[i] - 1) * sizeof(b.m[0]));
		b.n += k[i] - 1;
	}
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 2);
	expect_stored(&v, &d[0], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[1], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[2], 0, 0);
	EXPECT_STAT(&c, "frag-dropped", 1);
	EXPECT_STAT(&c, "frag-at-stop", k[2] - 1);
	EXPECT_STAT(&c, "reassembled", 2);
	recs_free(&v);
	cap_free(&c);
}

/*
 * DPDK's build allows 8 fragments per datagram: a ninth discards the
 * datagram; the last ones then start a new one that cannot complete.
 */
Test(dpdk_frames, too_many_fragments)
{
	static uint8_t msg[4][MSG_MAX];
	struct dg d[4];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	unsigned k, k3;

	make_dgs(d, msg, 4, 4, 1232, "many");
	d[3].frag = 504;
	d[3].msg_len = 8 * 504 - 8;  /* exactly 8 fragments: still fine */
	d[0].frag = 504;
	d[0].msg_len = 10 * 504 - 8;  /* 10 */
	mkmsg(msg[0], d[0].msg_len, "many0");
	mkmsg(msg[3], d[3].msg_len, "many3");

	cap_start(&c, NULL);
	k = emit(&b, &d[0]);
	k3 = emit(&b, &d[3]);
	cr_assert_eq(k, 10);
	cr_assert_eq(k3, 8);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 1);
	expect_stored(&v, &d[3], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[0], 0, 0);
	/* First + 6 in the middle held, the 7th in the middle refused: 8 discarded. */
	EXPECT_STAT(&c, "frag-dropped", 8);
	EXPECT_STAT(&c, "frag-at-stop", 2);
	EXPECT_STAT(&c, "reassembled", 1);
	recs_free(&v);
	cap_free(&c);
}

/*
 * A fragment flood: 4,000 first fragments of datagrams that never complete
 * (distinct IDs, as a scan or an attack sends them) against a 16-flow table.
 * The table fills, the rest are refused and counted, held ones expire; the
 * capture goes on: whole messages sent during the flood are stored, and
 * once the held fragments have expired, fragmented datagrams reassemble
 * again.  Every flood fragment is accounted for (dropped, expired or held
 * at stop) and every mbuf is back in the pool (cap_stop).
 */
Test(dpdk_frames, fragment_flood_fills_the_table_and_capture_goes_on)
{
	enum { FLOOD = 4000, BURST = 250 };
	static uint8_t fm[MSG_MAX], msg[2][MSG_MAX], mk[100];
	static const char *const opts[] = { "frag-flows", "16", "frag-timeout-ms", "50", NULL };
	struct dg f, d[2], mark;
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	uint64_t dropped, expired, at_stop;

	memset(&f, 0, sizeof(f));
	addr4(&f, 66);
	f.sport = 4444, f.dport = 514;
	f.frag = 1232;
	f.msg_len = 1300;
	f.msg = mkmsg(fm, f.msg_len, "flood");
	memset(&mark, 0, sizeof(mark));
	addr4(&mark, 98);
	mark.sport = 998, mark.dport = 514;
	mark.msg = mkmsg(mk, 100, "during"), mark.msg_len = 100;
	make_dgs(d, msg, 2, 4, 1232, "after");

	cap_start(&c, opts);
	for (unsigned i = 0; i < FLOOD; i++) {
		unsigned k;

		f.id = (uint16_t)(i + 1);
		k = emit(&b, &f);
		cr_assert_eq(k, 2);
		drop_frame(&b, b.n - 1); /* the second fragment never comes */
		if (i == FLOOD / 2)
			emit(&b, &mark);
		if (b.n >= BURST) {
			cap_send(&c, &b);
			b.n = 0;
		}
	}
	cap_send(&c, &b);
	b.n = 0;
	cap_wait_msgs(&c, 1); /* the whole message sent mid-flood */
	usleep(200 * 1000);   /* held fragments are past their timeout */
	emit(&b, &d[0]);
	emit(&b, &d[1]);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 3);
	expect_stored(&v, &mark, 0, 1);
	expect_stored(&v, &d[0], SC_REC_REASSEMBLED, 1);
	expect_stored(&v, &d[1], SC_REC_REASSEMBLED, 1);
	dropped = stat_of(&c, "frag-dropped");
	expired = stat_of(&c, "frag-expired");
	at_stop = stat_of(&c, "frag-at-stop");
	cr_expect_eq(dropped + expired + at_stop, FLOOD,
		     "flood fragments: %" PRIu64 " dropped + %" PRIu64 " expired + %" PRIu64
		     " at stop != %d", dropped, expired, at_stop, FLOOD);
	/* The table filled (how many expired meanwhile depends on the machine's pace). */
	cr_expect_gt(dropped, 0, "a 16-flow table took all %d", FLOOD);
	EXPECT_STAT(&c, "reassembled", 2);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, fragments_of_other_datagrams_skipped)
{
	static uint8_t msg[4][MSG_MAX];
	struct dg d[4];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	unsigned frames = 0;

	make_dgs(d, msg, 4, 4, 1232, "notsyslog");
	d[0].dport = 53;      /* DNS */
	d[1].proto = 1;       /* ICMP */
	addr6(&d[2], 90);
	d[2].proto = 6;       /* TCP */
	d[2].dst_after_frag = false;

	cap_start(&c, NULL);
	for (unsigned i = 0; i < 4; i++)
		frames += emit(&b, &d[i]);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 1);
	expect_stored(&v, &d[3], SC_REC_REASSEMBLED, 1);
	EXPECT_STAT(&c, "reassembled", 4);
	EXPECT_STAT(&c, "reasm-other", 3);
	EXPECT_STAT(&c, "reasm-syslog", 1);
	EXPECT_STAT(&c, "frag-taken", frames);
	/* One skip per datagram that was not syslog. */
	cr_expect_eq(c.st.skipped, 3);
	recs_free(&v);
	cap_free(&c);
}

/*
 * IPv6 fragments behind a hop-by-hop header: rte_ip_frag only takes a
 * fragment header right after the fixed header, so they are refused and
 * counted rather than rebuilt wrongly.  So are empty fragments.
 */
Test(dpdk_frames, refused_fragments)
{
	static uint8_t msg[2][MSG_MAX];
	struct dg d[2];
	struct batch b = { .n = 0 };
	struct recs v;
	struct cap c;
	unsigned k, k1;
	uint8_t f[128];
	size_t o;

	make_dgs(d, msg, 2, 6, 1232, "hbh");
	d[0].next = 1, d[0].ext[0] = EXT_HBH;

	cap_start(&c, NULL);
	k = emit(&b, &d[0]);
	k1 = emit(&b, &d[1]);
	/* An IPv4 fragment with a header and no payload (offset 8, MF). */
	memset(f, 0, sizeof(f));
	o = put_l2(d[0].tags, f, 0x0800);
	addr4(&d[0], 1);
	put_ipv4(&d[0], f + o, 0, 0, 0x2001, false);
	add(&b, f, 60, 0);
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 1);
	expect_stored(&v, &d[1], SC_REC_REASSEMBLED, 1);
	EXPECT_STAT(&c, "frag-refused-ext", k);
	EXPECT_STAT(&c, "frag-refused-len", 1);
	EXPECT_STAT(&c, "fragments", k + k1 + 1);
	EXPECT_STAT(&c, "frag-taken", k1);
	cr_expect_eq(c.st.skipped, k + 1);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, reassembly_off)
{
	static uint8_t msg[2][MSG_MAX];
	struct dg d[2];
	struct batch b = { .n = 0 };
	static const char *const opts[] = { "frag-flows", "0", NULL };
	struct recs v;
	struct cap c;
	unsigned frames;

	cap_start(&c, opts);
	frames = frag_batch(&b, d, msg, 2, 4, 1232, SHUFFLED, "off");
	cap_send(&c, &b);
	cap_stop(&c);

	read_store(&v);
	expect_records(&v, 0);
	EXPECT_STAT(&c, "fragments", frames);
	EXPECT_STAT(&c, "reassembled", 0);
	cr_expect_eq(c.st.skipped, frames);
	recs_free(&v);
	cap_free(&c);
}

Test(dpdk_frames, pool_too_small_for_fragment_table)
{
	static const char *const opts[] = { "frag-flows", "4096", NULL };
	struct cap c;

	cap_start(&c, opts);
	cr_assert_eq(pthread_join(c.t, NULL), 0);
	cr_expect_neq(c.rc, 0);
	cr_expect(strstr(c.err, "--frag-flows 4096") != NULL && strstr(c.err, "32768 held") != NULL,
		  "%s", c.err);
	rte_mempool_put_bulk(pool, c.ballast, BALLAST);
	fclose(c.statf);
	sc_engine_destroy(c.e);
	cap_free(&c);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_ring.h>

#include <sealcap/crypt.h>
#include <sealcap/engine.h>
#include <sealcap/keys.h>
#include <sealcap/retention.h>
#include <sealcap/syslog.h>

#include <sealcap/sources.h>

#include "clock.h"
#include "store_priv.h"

#define BURST 32
#define CACHE_LINE 64

/*
 * A batch: messages back to back, each an entry header then either the
 * bytes (sc_rx_push) or a reference to them (sc_rx_push_ref), 8-byte
 * aligned.  Batches circulate pool -> worker -> lane -> pool.
 */
struct batch {
	uint32_t count;
	uint32_t used;          /* bytes of data[] in use */
	uint32_t refs;          /* entries that hold a driver buffer */
	struct sc_rx *owner;    /* whose driver releases the references */
	int64_t opened_ns;      /* burst time of its first message */
	struct sc_clock_info clock;
	uint8_t data[] __attribute__((aligned(8)));  /* entries hold int64 */
};

struct entry {
	struct sc_pkt meta;     /* meta.rx_ns always set */
	uint32_t len;
	uint32_t is_ref;        /* 1: a struct entry_ref follows, not the bytes */
	uint8_t bytes[];
};

struct entry_ref {
	const uint8_t *data;
	void *ref;
};

#define ENTRY_SIZE(len) ((sizeof(struct entry) + (len) + 7) & ~(size_t)7)
#define ENTRY_REF_SIZE ENTRY_SIZE(sizeof(struct entry_ref))
/* References a batch may hold before it moves on (bounds driver buffers held). */
#define BATCH_REFS_MAX 256

static inline size_t
entry_size(const struct entry *en)
{
	return en->is_ref ? ENTRY_REF_SIZE : ENTRY_SIZE(en->len);
}

static inline const uint8_t *
entry_data(const struct entry *en)
{
	return en->is_ref ? ((const struct entry_ref *)(const void *)en->bytes)->data : en->bytes;
}

/* A sealed block on its way to the writer. */
struct sealed {
	struct sc_block_hdr hdr;
	struct lane *lane;
	uint8_t *stored;
};

struct sc_rx {
	struct sc_engine *e;
	unsigned id;
	unsigned local;                     /* worker number within its driver */
	const struct sc_driver_ops *drv;    /* NULL: the engine's event RX */
	void *drv_priv;
	bool lossless;
	struct sc_clock_info clock;
	bool own_clock;
	int clock_source;                   /* >= 0: overrides the engine clock's source */
	int64_t burst_ns;
	struct batch *open[SC_LANES_MAX];   /* batch being filled per lane */
	struct rte_ring *ring[SC_LANES_MAX];/* to each lane, SP/SC */
	/* counters: written by this worker only */
	uint64_t msgs, bytes, skipped;
	uint64_t drops[SC_DROP__COUNT];
	atomic_bool done;
} __attribute__((aligned(CACHE_LINE)));

struct lane {
	struct sc_engine *e;
	unsigned id;
	pthread_t thread;
	struct sc_block_builder *b;
	struct sc_block_cipher *cipher;     /* --encrypt-key: this lane's run cipher */
	struct sealed *spare;               /* buffer kept after a failed seal */
	atomic_uint_fast64_t enc_drops;     /* records lost to encryption failure */
	struct rte_ring *free_sealed;       /* writer -> lane, SP/SC */
	struct sealed *sealed;              /* the buffers, for free */
	struct sc_clock_info clock;         /* of the open block */
	int64_t opened_mono;                /* when the open block got its first record */
	uint64_t records;
	uint64_t write_drops;               /* records lost to write errors (writer-owned) */
	atomic_bool idle;                   /* napping on empty rings: send it anything */
	atomic_bool done;
} __attribute__((aligned(CACHE_LINE)));

struct sc_engine {
	struct sc_engine_config cfg;
	struct sc_store *store;
	char dir[4096];
	struct rte_ring *pool;              /* free batches, MP/MC */
	uint8_t *batch_mem;
	struct rte_ring *to_writer;         /* sealed blocks, MP/SC */
	struct lane lane[SC_LANES_MAX];
	/*
	 * nb_workers driver workers, then one more: the engine's own RX, used
	 * by the main thread to seal events (start, gaps, stop) through the
	 * same rings as received messages.
	 */
	struct sc_rx *rx;
	unsigned nb_workers;
	unsigned nb_rx;                     /* nb_workers + 1 */
	struct sc_sources *sources;
	uint64_t gap_seen[SC_DROP__COUNT];  /* drops already sealed as gaps */
	int64_t gap_since;                  /* start of the current gap window */
	const struct sc_driver_ops *drv[SC_DRIVERS_MAX];
	void *drv_priv[SC_DRIVERS_MAX];
	unsigned drv_nw[SC_DRIVERS_MAX];    /* workers of each driver */
	unsigned ndrv;
	pthread_t writer;
	atomic_bool stop;
	atomic_bool rotate;
	atomic_bool workers_done;
	atomic_bool lanes_done;
	atomic_uint_fast64_t admitted;      /* for max_count */
	/* writer counters */
	atomic_uint_fast64_t blocks, raw_bytes, stored_bytes, synced, wrecords;
	atomic_uint_fast64_t checkpoints, signed_blocks;
	atomic_int_fast64_t key_epoch;
	atomic_uint_fast64_t pruned_segments, pruned_bytes;
	int64_t next_prune;                 /* mono ns of the next retention pass (writer) */
	bool warned_prune;
	/* encryption: the key's id and this run's salt (public) */
	uint8_t enc_id[SC_ENC_KEYID_LEN];
	uint8_t enc_salt[SC_ENC_SALT_LEN];
	/* signing (writer thread only, after create) */
	struct sc_sign_key *key;
	int64_t next_ckpt;                  /* mono ns of the next checkpoint */
	bool warned_exhausted, warned_ckpt;
	/*
	 * Engine clock quality, refreshed by main once a second.  Two slots:
	 * main fills the one readers are not told about, then publishes its
	 * index (release; readers acquire).  A reader would have to stall for
	 * a whole refresh period between load and copy to see a torn value.
	 */
	struct sc_clock_info clock[2];
	atomic_uint clock_idx;
	struct sc_clock clk;                /* the burst clock */
};

static void
clock_refresh(struct sc_engine *e)
{
	unsigned next = atomic_load_explicit(&e->clock_idx, memory_order_relaxed) ^ 1;

	sc_clock_read(&e->clock[next], e->clk.source);
	atomic_store_explicit(&e->clock_idx, next, memory_order_release);
}

static inline const struct sc_clock_info *
clock_current(const struct sc_engine *e)
{
	return &e->clock[atomic_load_explicit(&e->clock_idx, memory_order_acquire)];
}

void
sc_engine_config_default(struct sc_engine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->store.segment_bytes = SC_SEGMENT_BYTES_DEFAULT;
	c->store.segment_seconds = SC_SEGMENT_SECONDS_DEFAULT;
	c->store.fsync = SC_FSYNC_INTERVAL;
	c->store.fsync_ms = 1000;
	c->lanes = 1;
	c->block_bytes = 1u << 20;
	c->flush_ms = 200;
	/*
	 * 2048 batches of 128 KiB (256 MiB, sized once at start): under a lane
	 * stall, held batches fill to half before they move, so 2048 ring
	 * slots absorb ~400,000 messages of ~250 bytes (4 s at 100k msgs/s).
	 */
	c->ring_size = 2048;
	c->batches = 2048;
	c->batch_bytes = 128u << 10;
	c->sealed_per_lane = 4;
	c->max_sources = 65536;
	c->clock = "auto";
	c->phc_offset_s = 37;
	c->checkpoint_interval_s = 10;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct rte_ring *
ring_new(const char *name, unsigned count, unsigned flags)
{
	ssize_t sz = rte_ring_get_memsize(count);
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = aligned_alloc(CACHE_LINE, ((size_t)sz + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1));
	if (r == NULL)
		return NULL;
	if (rte_ring_init(r, name, count, flags) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

static unsigned
pow2_at_least(unsigned n)
{
	unsigned p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void
nap(void)
{
	struct timespec ts = { 0, 100000 }; /* 100 us: idle back-off */

	nanosleep(&ts, NULL);
}

/* ---- RX side (driver.h) -------------------------------------------------- */

bool
sc_rx_stopping(const struct sc_rx *rx)
{
	return atomic_load_explicit(&rx->e->stop, memory_order_relaxed);
}

void
sc_rx_burst_begin(struct sc_rx *rx)
{
	rx->burst_ns = sc_clock_now(&rx->e->clk);
}

int64_t
sc_rx_burst_time(const struct sc_rx *rx)
{
	return rx->burst_ns;
}

void
sc_rx_set_clock(struct sc_rx *rx, const struct sc_clock_info *clock)
{
	rx->clock = *clock;
	rx->own_clock = true;
}

void
sc_rx_set_clock_source(struct sc_rx *rx, enum sc_clock_source source)
{
	rx->clock_source = (int)source;
}

void
sc_rx_drop(struct sc_rx *rx, enum sc_drop reason, uint64_t n)
{
	if ((unsigned)reason < SC_DROP__COUNT)
		rx->drops[reason] += n;
}

void
sc_rx_skip(struct sc_rx *rx, uint64_t n)
{
	rx->skipped += n;
}

/*
 * Charge a dropped batch to its sources (drop path only: one lookup per
 * run of messages from the same address).
 */
static void
drop_by_source(struct sc_engine *e, const struct batch *b)
{
	const struct entry *run = NULL;
	uint64_t n = 0;
	uint32_t off = 0;

	sc_sources_thread_online();
	for (uint32_t k = 0; k <= b->count; k++) {
		const struct entry *en = k < b->count ? (const struct entry *)(b->data + off) : NULL;

		if (run && (en == NULL || memcmp(en->meta.addr, run->meta.addr, 16) != 0)) {
			sc_sources_drop(e->sources, run->meta.addr, run->meta.family, n);
			n = 0;
		}
		if (en == NULL)
			break;
		if (n == 0)
			run = en;
		n++;
		off += (uint32_t)entry_size(en);
	}
	sc_sources_thread_offline();
}

/*
 * Give a batch's references back to their driver, in bulk (lane threads,
 * or the worker when it drops the batch).
 */
static void
batch_release(struct batch *b)
{
	void *refs[64];
	unsigned n = 0;
	uint32_t off = 0;

	if (b->refs == 0)
		return;
	for (uint32_t k = 0; k < b->count; k++) {
		const struct entry *en = (const struct entry *)(b->data + off);

		if (en->is_ref) {
			refs[n++] = ((const struct entry_ref *)(const void *)en->bytes)->ref;
			if (n == RTE_DIM(refs)) {
				b->owner->drv->release(b->owner->drv_priv, refs, n);
				n = 0;
			}
		}
		off += (uint32_t)entry_size(en);
	}
	if (n)
		b->owner->drv->release(b->owner->drv_priv, refs, n);
	b->refs = 0;
}

/* Hand a filled batch to its lane; lossless workers wait for room. */
static void
batch_send(struct sc_rx *rx, unsigned lane)
{
	struct batch *b = rx->open[lane];

	rx->open[lane] = NULL;
	if (b == NULL)
		return;
	if (b->count == 0) {
		rte_ring_mp_enqueue(rx->e->pool, b);
		return;
	}
	while (rte_ring_sp_enqueue(rx->ring[lane], b) != 0) {
		if (!rx->lossless) {
			rx->drops[SC_DROP_RING_FULL] += b->count;
			drop_by_source(rx->e, b);
			batch_release(b);
			b->count = 0;
			b->used = 0;
			rte_ring_mp_enqueue(rx->e->pool, b);
			return;
		}
		nap();
	}
}

static struct batch *
batch_get(struct sc_rx *rx)
{
	void *p;

	while (rte_ring_mc_dequeue(rx->e->pool, &p) != 0) {
		if (!rx->lossless)
			return NULL;
		/* Lossless: flush what we hold so lanes can return batches. */
		for (unsigned l = 0; l < rx->e->cfg.lanes; l++)
			batch_send(rx, l);
		nap();
	}
	return p;
}

static inline unsigned
lane_of(const struct sc_engine *e, const struct sc_pkt *m)
{
	if (e->cfg.lanes == 1)
		return 0;
	return rte_hash_crc(m->addr, 16, 0x5ea1) % e->cfg.lanes;
}

/*
 * Room for one entry of @p need bytes in the open batch of @p meta's lane,
 * counting the message as received.  @return the entry (meta and len
 * filled, is_ref 0), or NULL when it was dropped (counted).
 */
static inline struct entry *
entry_reserve(struct sc_rx *rx, const struct sc_pkt *meta, uint32_t len, size_t need,
	      struct batch **bp)
{
	struct sc_engine *e = rx->e;
	unsigned lane = lane_of(e, meta);
	struct batch *b = rx->open[lane];
	struct entry *en;

	/*
	 * --count: a file (lossless driver) stops at exactly N; live traffic
	 * already in hand is kept, so the run stops after at least N.
	 */
	if (unlikely(e->cfg.max_count) && !(meta->flags & SC_REC_EVENT)) {
		uint64_t nth = atomic_fetch_add_explicit(&e->admitted, 1, memory_order_relaxed) + 1;

		if (nth >= e->cfg.max_count)
			atomic_store(&e->stop, true);
		if (nth > e->cfg.max_count && rx->lossless)
			return NULL;
	}
	/*
	 * Accounting identity: received = stored + dropped inside the engine
	 * (oversize, pool_empty, ring_full, write_error).  Kernel and NIC
	 * drops happen before a message is received.
	 */
	rx->msgs++;
	rx->bytes += len;
	if (unlikely(ENTRY_SIZE(len) > e->cfg.batch_bytes - sizeof(struct batch) ||
		     len > SC_REC_RAW_MAX)) {
		rx->drops[SC_DROP_OVERSIZE]++;
		return NULL;
	}
	if (b != NULL && b->used + need > e->cfg.batch_bytes - sizeof(struct batch)) {
		batch_send(rx, lane);
		b = NULL;
	}
	if (b == NULL) {
		b = batch_get(rx);
		if (unlikely(b == NULL)) {
			rx->drops[SC_DROP_POOL_EMPTY]++;
			return NULL;
		}
		b->count = 0;
		b->used = 0;
		b->refs = 0;
		b->owner = rx;
		b->opened_ns = rx->burst_ns;
		b->clock = rx->own_clock ? rx->clock : *clock_current(e);
		if (rx->clock_source >= 0)
			b->clock.source = (uint8_t)rx->clock_source;
		rx->open[lane] = b;
	}
	en = (struct entry *)(b->data + b->used);
	en->meta = *meta;
	if (en->meta.rx_ns == 0)
		en->meta.rx_ns = rx->burst_ns;
	en->len = len;
	en->is_ref = 0;
	b->used += (uint32_t)need;
	b->count++;
	*bp = b;
	return en;
}

int
sc_rx_push(struct sc_rx *rx, const struct sc_pkt *meta, const void *data, uint32_t len)
{
	struct batch *b;
	struct entry *en = entry_reserve(rx, meta, len, ENTRY_SIZE(len), &b);

	if (unlikely(en == NULL))
		return -ENOBUFS;
	memcpy(en->bytes, data, len);
	return 0;
}

int
sc_rx_push_ref(struct sc_rx *rx, const struct sc_pkt *meta, const void *data, uint32_t len,
	       void *ref)
{
	struct batch *b;
	struct entry *en;
	struct entry_ref *r;

	/* A driver without release() cannot lend buffers: copy. */
	if (unlikely(rx->drv == NULL || rx->drv->release == NULL))
		return sc_rx_push(rx, meta, data, len);
	en = entry_reserve(rx, meta, len, ENTRY_REF_SIZE, &b);
	if (unlikely(en == NULL))
		return -ENOBUFS;
	r = (struct entry_ref *)(void *)en->bytes;
	r->data = data;
	r->ref = ref;
	en->is_ref = 1;
	b->refs++;
	return 0;
}

/*
 * Adaptive batching.  A batch goes to its lane at the end of a burst when
 * the lane is idle (napping, and its ring from us is empty: latency first;
 * a lane descheduled mid-nap must not be flooded with tiny batches), when
 * the batch is
 * half full, or when it has been held RX_HOLD_NS.  Otherwise it keeps
 * filling across bursts: under load, small bursts no longer each take a
 * whole batch and a ring slot.  Drivers call sc_rx_flush before they block.
 */
#define RX_HOLD_NS 5000000

void
sc_rx_burst_end(struct sc_rx *rx)
{
	struct sc_engine *e = rx->e;
	size_t half = (e->cfg.batch_bytes - sizeof(struct batch)) / 2;

	for (unsigned l = 0; l < e->cfg.lanes; l++) {
		struct batch *b = rx->open[l];

		if (b != NULL && (b->used >= half || b->refs >= BATCH_REFS_MAX ||
				  (atomic_load_explicit(&e->lane[l].idle, memory_order_relaxed) &&
				   rte_ring_empty(rx->ring[l])) ||
				  rx->burst_ns - b->opened_ns >= RX_HOLD_NS))
			batch_send(rx, l);
	}
}

void
sc_rx_flush(struct sc_rx *rx)
{
	for (unsigned l = 0; l < rx->e->cfg.lanes; l++)
		if (rx->open[l] != NULL)
			batch_send(rx, l);
}

bool
sc_rx_pending(const struct sc_rx *rx)
{
	for (unsigned l = 0; l < rx->e->cfg.lanes; l++)
		if (rx->open[l] != NULL)
			return true;
	return false;
}

/* ---- sealer lanes -------------------------------------------------------- */

/*
 * Encryption failed inside OpenSSL (it does not, short of memory
 * corruption): the records are never written in clear.  They are dropped
 * and counted (sealed later as a write_error gap), and the lane keeps the
 * buffer for its next block.
 */
static void __attribute__((noinline))
lane_seal_failed(struct lane *l, struct sealed *s)
{
	uint32_t n = sc_block_count(l->b);

	fprintf(stderr, "sealcap: lane %u: encryption failed: %u records dropped\n", l->id, n);
	atomic_fetch_add_explicit(&l->enc_drops, n, memory_order_relaxed);
	sc_block_builder_drop(l->b);
	l->spare = s;
}

static void
lane_seal(struct lane *l)
{
	struct sc_engine *e = l->e;
	struct sealed *s;
	void *p;

	if (sc_block_count(l->b) == 0)
		return;
	/* Backpressure: wait for the writer to hand a buffer back. */
	if (unlikely(l->spare != NULL)) {
		p = l->spare;
		l->spare = NULL;
	} else {
		while (rte_ring_sc_dequeue(l->free_sealed, &p) != 0)
			nap();
	}
	s = p;
	if (unlikely(sc_block_seal(l->b, &l->clock, &s->hdr, s->stored) != 0)) {
		lane_seal_failed(l, s);
		return;
	}
	l->records += s->hdr.count;
	while (rte_ring_mp_enqueue(e->to_writer, s) != 0)
		nap();
}

static void
lane_add(struct lane *l, const struct entry *en, const struct sc_clock_info *clk)
{
	const uint8_t *bytes = entry_data(en);
	struct sc_syslog sl;
	struct sc_record r;

	if (sc_block_count(l->b) == 0) {
		l->clock = *clk;
		l->opened_mono = mono_ns();
	} else if (memcmp(&l->clock, clk, sizeof(*clk)) != 0) {
		/* One block, one clock statement. */
		lane_seal(l);
		l->clock = *clk;
		l->opened_mono = mono_ns();
	}
	sc_syslog_parse(bytes, en->len, en->meta.rx_ns, &sl);
	memset(&r, 0, sizeof(r));
	r.rx_ns = en->meta.rx_ns;
	r.msg_ns = sl.ts_ns;
	memcpy(r.addr, en->meta.addr, 16);
	r.src_port = en->meta.src_port;
	r.dst_port = en->meta.dst_port;
	r.transport = en->meta.transport;
	r.family = en->meta.family;
	r.flags = (en->meta.flags & ~(uint32_t)SC_SL_MASK) | sl.flags;
	r.pri = sl.pri;
	r.version = sl.version;
	r.format = sl.format;
	r.charset = sl.charset;
	r.tz_min = (int16_t)sl.ts_tz_min;
	memcpy(r.field, sl.field, sizeof(r.field));
	r.raw = bytes;
	r.raw_len = en->len;
	/*
	 * Encrypted: engine events get blocks of their own, left in clear
	 * (verify reads retention and gap events without the key); one
	 * message in a block makes it secret.
	 */
	if (l->cipher != NULL && sc_block_count(l->b) != 0 &&
	    sc_block_events_only(l->b) != ((r.flags & SC_REC_EVENT) != 0)) {
		lane_seal(l);
		l->clock = *clk;
		l->opened_mono = mono_ns();
	}
	if (sc_block_add(l->b, &r) == -E2BIG) {
		lane_seal(l);
		l->clock = *clk;
		l->opened_mono = mono_ns();
		sc_block_add(l->b, &r);
	}
	if (!(r.flags & SC_REC_EVENT))
		sc_sources_record(l->e->sources, &r);
	if (sc_block_full(l->b))
		lane_seal(l);
}

static void *
lane_main(void *arg)
{
	struct lane *l = arg;
	struct sc_engine *e = l->e;
	int64_t flush_ns = (int64_t)e->cfg.flush_ms * 1000000;
	char name[16];

	snprintf(name, sizeof(name), "sc-lane%u", l->id);
	pthread_setname_np(pthread_self(), name);
	sc_sources_thread_register();
	for (;;) {
		unsigned got = 0;
		bool finishing = atomic_load_explicit(&e->workers_done, memory_order_acquire);

		for (unsigned w = 0; w < e->nb_rx; w++) {
			void *bs[BURST];
			unsigned n = rte_ring_sc_dequeue_burst(e->rx[w].ring[l->id], bs, BURST, NULL);

			for (unsigned i = 0; i < n; i++) {
				struct batch *b = bs[i];
				uint32_t off = 0;

				for (uint32_t k = 0; k < b->count; k++) {
					const struct entry *en = (const struct entry *)(b->data + off);

					lane_add(l, en, &b->clock);
					off += (uint32_t)entry_size(en);
				}
				/* The bytes are in the block now. */
				batch_release(b);
				rte_ring_mp_enqueue(e->pool, b);
			}
			got += n;
		}
		if (sc_block_count(l->b) && mono_ns() - l->opened_mono >= flush_ns)
			lane_seal(l);
		sc_sources_quiescent();
		if (got == 0) {
			/* workers_done was read before the rings were found empty. */
			if (finishing)
				break;
			sc_sources_thread_offline();
			atomic_store_explicit(&l->idle, true, memory_order_relaxed);
			nap();
			atomic_store_explicit(&l->idle, false, memory_order_relaxed);
			sc_sources_thread_online();
		}
	}
	sc_sources_thread_unregister();
	lane_seal(l);
	atomic_store_explicit(&l->done, true, memory_order_release);
	return NULL;
}

/* ---- writer ------------------------------------------------------------- */

/* Sign a checkpoint of everything written so far, if the tree grew. */
static void
writer_checkpoint(struct sc_engine *e)
{
	struct sc_signer *sg = sc_sign_key_signer(e->key);
	char err[512];
	int rc;

	if (sg == NULL) {
		if (!e->warned_exhausted)
			fprintf(stderr, "sealcap: signing key %s: every epoch of its schedule has ended "
				"(or it does not match epochs.pub): no more checkpoints; run sealctl "
				"keygen\n", e->cfg.sign_key);
		e->warned_exhausted = true;
		return;
	}
	rc = sc_store_checkpoint(e->store, sg, err, sizeof(err));
	if (rc < 0) {
		if (!e->warned_ckpt)
			fprintf(stderr, "sealcap: checkpoint: %s (retrying)\n", err);
		e->warned_ckpt = true;
		return;
	}
	e->warned_ckpt = false;
	if (rc > 0) {
		atomic_fetch_add(&e->checkpoints, 1);
		atomic_store(&e->signed_blocks, sc_store_signed(e->store));
	}
}

/*
 * Checkpoints and key epochs, from the writer loop.  An epoch that ends is
 * closed with a checkpoint under its own key; then the key moves on, and
 * the old seed is gone from the file and from memory before anything is
 * signed in the new epoch (sc_sign_key_advance).
 */
static void
writer_keys(struct sc_engine *e, int64_t mono, bool final)
{
	const struct sc_epoch_cert *c;
	int64_t ep;

	if (e->key == NULL)
		return;
	c = sc_sign_key_cert(e->key);
	ep = sc_epoch_at(c, sc_now_ns() / 1000000000);
	if (ep > (int64_t)sc_sign_key_epoch(e->key)) {
		int rc;

		writer_checkpoint(e);
		rc = sc_sign_key_advance(e->key, (uint64_t)(ep < c->epochs ? ep : c->epochs));
		if (rc != 0)
			fprintf(stderr, "sealcap: %s: cannot move to epoch %" PRId64 ": %s\n",
				e->cfg.sign_key, ep, strerror(-rc));
		atomic_store(&e->key_epoch, (int64_t)sc_sign_key_epoch(e->key));
	}
	if (final || mono >= e->next_ckpt) {
		writer_checkpoint(e);
		e->next_ckpt = mono + (int64_t)(e->cfg.checkpoint_interval_s * 1e9);
	}
}

/*
 * STORE/run/synced: the log size known to be on stable storage, rewritten
 * in place (fixed width, no fsync of its own) each time it grows, so a
 * test or a monitor can read what a crash cannot take away.
 */
static void
report_synced(struct sc_engine *e, int fd, uint64_t *last)
{
	uint64_t now = sc_store_synced(e->store);
	char line[32];
	int n;

	atomic_store(&e->synced, now);
	if (fd < 0 || now == *last)
		return;
	n = snprintf(line, sizeof(line), "%020" PRIu64 "\n", now);
	if (pwrite(fd, line, (size_t)n, 0) == n)
		*last = now;
}

/*
 * Retention, from the writer loop once a second: it owns the store, so the
 * catalog needs no sharing.  A pass seals its event before any file goes.
 */
static void
writer_retention(struct sc_engine *e, int64_t mono)
{
	struct sc_retention p = { e->cfg.retention_days * 86400.0, e->cfg.max_store_bytes };
	struct sc_prune_result r;
	char err[512];
	int rc;

	if ((p.max_age_s <= 0 && p.max_bytes == 0) || mono < e->next_prune)
		return;
	e->next_prune = mono + 1000000000;
	rc = sc_store_prune(e->store, &p, sc_now_ns(), &r, err, sizeof(err));
	if (rc < 0) {
		if (!e->warned_prune)
			fprintf(stderr, "sealcap: %s (retrying every second)\n", err);
		e->warned_prune = true;
		return;
	}
	e->warned_prune = false;
	if (rc == 0)
		return;
	atomic_fetch_add(&e->pruned_segments, r.segments);
	atomic_fetch_add(&e->pruned_bytes, r.bytes);
	atomic_fetch_add(&e->blocks, 1);
	atomic_store(&e->stored_bytes, sc_store_bytes(e->store));
	if (r.blocks)
		fprintf(stderr, "sealcap: retention (%s): removed segments %08" PRIu32 "..%08" PRIu32
			", log entries %" PRIu64 "..%" PRIu64 ", %" PRIu64 " bytes; event sealed as block %"
			PRIu64 "\n", r.reason, r.first_segment, r.last_segment, r.first_index,
			r.first_index + r.blocks - 1, r.bytes, r.event_index);
	else
		fprintf(stderr, "sealcap: retention (%s): removed empty segments %08" PRIu32 "..%08"
			PRIu32 "; event sealed as block %" PRIu64 "\n", r.reason, r.first_segment,
			r.last_segment, r.event_index);
}

static void *
writer_main(void *arg)
{
	struct sc_engine *e = arg;
	char path[4200];
	uint64_t reported = UINT64_MAX;
	int sfd;

	pthread_setname_np(pthread_self(), "sc-writer");
	snprintf(path, sizeof(path), "%s/run", e->dir);
	(void)sc_mkdir_mode(path, 0750);
	snprintf(path, sizeof(path), "%s/run/synced", e->dir);
	sfd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (sfd >= 0)
		(void)fchmod(sfd, 0640);   /* whatever the umask */
	report_synced(e, sfd, &reported);
	e->next_ckpt = mono_ns() + (int64_t)(e->cfg.checkpoint_interval_s * 1e9);
	for (;;) {
		void *ps[BURST];
		bool finishing = atomic_load_explicit(&e->lanes_done, memory_order_acquire);
		unsigned n = rte_ring_sc_dequeue_burst(e->to_writer, ps, BURST, NULL);

		if (atomic_exchange(&e->rotate, false))
			sc_store_rotate(e->store);
		for (unsigned i = 0; i < n; i++) {
			struct sealed *s = ps[i];
			int rc = sc_store_append(e->store, &s->hdr, s->stored);

			if (rc == 0) {
				atomic_fetch_add(&e->blocks, 1);
				atomic_fetch_add(&e->wrecords, s->hdr.count);
				atomic_fetch_add(&e->raw_bytes, s->hdr.raw_bytes);
				atomic_store(&e->stored_bytes, sc_store_bytes(e->store));
			} else {
				/* The lane's chain moves on without this block. */
				s->lane->write_drops += s->hdr.count;
			}
			rte_ring_sp_enqueue(s->lane->free_sealed, s);
		}
		sc_store_tick(e->store, sc_now_ns());
		writer_retention(e, mono_ns());
		writer_keys(e, mono_ns(), false);
		report_synced(e, sfd, &reported);
		if (n == 0) {
			if (finishing)
				break;
			nap();
		}
	}
	sc_store_sync(e->store);
	/* A last retention pass, so a run ends within its limits ... */
	e->next_prune = 0;
	writer_retention(e, mono_ns());
	/* ... and the last checkpoint covers everything this run wrote. */
	writer_keys(e, mono_ns(), true);
	report_synced(e, sfd, &reported);
	if (sfd >= 0)
		close(sfd);
	return NULL;
}

/*
 * --sign-key: open the key (mode checked), publish its certificate into
 * STORE/keys/, and move it to the epoch of now.
 */
static int
setup_signing(struct sc_engine *e, char *err, size_t errlen)
{
	const struct sc_epoch_cert *c;
	const char *text;
	char name[64];
	size_t len;
	int64_t ep;
	int rc;

	atomic_store(&e->key_epoch, -1);
	if (e->cfg.sign_key == NULL)
		return 0;
	if (!(e->cfg.checkpoint_interval_s > 0)) {
		snprintf(err, errlen, "--checkpoint-interval must be above 0");
		return -EINVAL;
	}
	e->key = sc_sign_key_open(e->cfg.sign_key, err, errlen);
	if (e->key == NULL)
		return -EINVAL;
	c = sc_sign_key_cert(e->key);
	if (e->cfg.seal_epoch_s && e->cfg.seal_epoch_s != c->seconds) {
		snprintf(err, errlen, "--seal-epoch %u: the key's epochs last %" PRIu32 " s, fixed when "
			 "it was made (sealctl keygen --epoch-seconds)", e->cfg.seal_epoch_s, c->seconds);
		return -EINVAL;
	}
	ep = sc_epoch_at(c, sc_now_ns() / 1000000000);
	if (ep >= (int64_t)c->epochs || sc_sign_key_epoch(e->key) >= c->epochs) {
		snprintf(err, errlen, "--sign-key %s: all %" PRIu32 " epochs of the key have ended: "
			 "make a new one with sealctl keygen", e->cfg.sign_key, c->epochs);
		return -EINVAL;
	}
	if (ep > (int64_t)sc_sign_key_epoch(e->key)) {
		rc = sc_sign_key_advance(e->key, (uint64_t)ep);
		if (rc != 0) {
			snprintf(err, errlen, "--sign-key %s: cannot move to epoch %" PRId64 ": %s",
				 e->cfg.sign_key, ep, strerror(-rc));
			return rc;
		}
	}
	if (sc_sign_key_signer(e->key) == NULL) {
		snprintf(err, errlen, "--sign-key %s: its key does not match epochs.pub", e->cfg.sign_key);
		return -EINVAL;
	}
	text = sc_sign_key_cert_text(e->key, &len);
	snprintf(name, sizeof(name), "epochs-%02x%02x%02x%02x%02x%02x%02x%02x.pub", c->id[0],
		 c->id[1], c->id[2], c->id[3], c->id[4], c->id[5], c->id[6], c->id[7]);
	rc = sc_store_put_key(e->store, name, text, len);
	if (rc != 0) {
		snprintf(err, errlen, "%s/keys/%s: %s", e->dir, name, strerror(-rc));
		return rc;
	}
	atomic_store(&e->key_epoch, (int64_t)sc_sign_key_epoch(e->key));
	atomic_store(&e->signed_blocks, sc_store_signed(e->store));
	return 0;
}

/* ---- life ---------------------------------------------------------------- */

/*
 * --encrypt-key: read the key (mode checked) and draw this run's salt.  The
 * lanes derive their run cipher from it; the key itself is freed (cleansed)
 * once they have, so the running engine holds only AES key schedules of
 * this run's key.
 */
static struct sc_enc_key *
setup_encryption(struct sc_engine *e, char *err, size_t errlen)
{
	struct sc_enc_key *k;
	char msg[400];

	if (e->cfg.encrypt_key == NULL)
		return NULL;
	if (sc_store_version(e->store) < 3) {
		snprintf(err, errlen, "--encrypt-key: %s is a store of format %d, made by an older "
			 "sealcap, whose readers know no encrypted blocks; start a new store for "
			 "encryption", e->dir, sc_store_version(e->store));
		errno = EINVAL;
		return NULL;
	}
	k = sc_enc_key_load(e->cfg.encrypt_key, msg, sizeof(msg));
	if (k == NULL) {
		snprintf(err, errlen, "--encrypt-key %s", msg);
		errno = EINVAL;
		return NULL;
	}
	if (sc_enc_run_salt(e->enc_salt) != 0) {
		snprintf(err, errlen, "--encrypt-key: no random salt from OpenSSL");
		sc_enc_key_free(k);
		errno = EIO;
		return NULL;
	}
	memcpy(e->enc_id, sc_enc_key_id(k), SC_ENC_KEYID_LEN);
	return k;
}

struct sc_engine *
sc_engine_create(const struct sc_engine_config *cfg, char *err, size_t errlen)
{
	struct sc_engine *e;
	struct sc_enc_key *ek = NULL;
	size_t nb;
	int rc;

	if (cfg->lanes < 1 || cfg->lanes > SC_LANES_MAX) {
		snprintf(err, errlen, "lanes: %u is outside 1..%d", cfg->lanes, SC_LANES_MAX);
		return NULL;
	}
	if (cfg->batch_bytes < (64u << 10) || cfg->batches < 4) {
		snprintf(err, errlen, "batch pool too small (need >= 4 batches of >= 64 KiB)");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	e->cfg.ring_size = pow2_at_least(cfg->ring_size < 4 ? 4 : cfg->ring_size);
	if (e->cfg.sealed_per_lane < 2)
		e->cfg.sealed_per_lane = 2;
	e->clk.fd = -1;
	e->clk.id = CLOCK_REALTIME;
	snprintf(e->dir, sizeof(e->dir), "%s", cfg->store.dir);
	e->cfg.store.dir = e->dir;
	clock_refresh(e);

	rc = sc_store_open(&e->cfg.store, &e->store, err, errlen);
	if (rc != 0)
		goto fail;
	if (setup_signing(e, err, errlen) != 0)
		goto fail;
	ek = setup_encryption(e, err, errlen);
	if (ek == NULL && cfg->encrypt_key != NULL)
		goto fail;
	if ((cfg->retention_days > 0 || cfg->max_store_bytes) && sc_store_version(e->store) < 3) {
		snprintf(err, errlen, "--retention-days/--max-store-bytes: %s is a store of format %d, "
			 "made by an older sealcap, whose verify would take removed segments for "
			 "damage; start a new store for retention", e->dir, sc_store_version(e->store));
		goto fail;
	}
	e->sources = sc_sources_new(cfg->max_sources ? cfg->max_sources : 65536);
	if (e->sources == NULL)
		goto nomem;

	e->pool = ring_new("pool", pow2_at_least(cfg->batches + 1), 0);
	nb = cfg->batch_bytes;
	e->batch_mem = malloc(nb * cfg->batches);
	e->to_writer = ring_new("writer", pow2_at_least(cfg->lanes * e->cfg.sealed_per_lane + 1),
				RING_F_SC_DEQ);
	if (e->pool == NULL || e->batch_mem == NULL || e->to_writer == NULL)
		goto nomem;
	for (unsigned i = 0; i < cfg->batches; i++)
		rte_ring_mp_enqueue(e->pool, e->batch_mem + i * nb);

	for (unsigned i = 0; i < cfg->lanes; i++) {
		struct lane *l = &e->lane[i];
		const struct sc_lane_state *st = sc_store_lane(e->store, i);
		size_t smax;

		l->e = e;
		l->id = i;
		l->b = sc_block_builder_new(i, cfg->block_bytes);
		if (l->b == NULL) {
			snprintf(err, errlen, "block-bytes %zu: %s", cfg->block_bytes, strerror(errno));
			goto fail;
		}
		sc_block_builder_resume(l->b, st->next_rec_seq);
		if (ek != NULL) {
			l->cipher = sc_block_cipher_new(ek, e->enc_salt, i);
			if (l->cipher == NULL) {
				snprintf(err, errlen, "--encrypt-key: cannot set up AES-256-GCM (OpenSSL)");
				goto fail;
			}
			sc_block_builder_set_cipher(l->b, l->cipher);
		}
		l->free_sealed = ring_new("sealed", pow2_at_least(e->cfg.sealed_per_lane + 1),
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
		l->sealed = calloc(e->cfg.sealed_per_lane, sizeof(*l->sealed));
		if (l->free_sealed == NULL || l->sealed == NULL)
			goto nomem;
		smax = sc_block_stored_max(l->b);
		for (unsigned k = 0; k < e->cfg.sealed_per_lane; k++) {
			l->sealed[k].lane = l;
			l->sealed[k].stored = malloc(smax);
			if (l->sealed[k].stored == NULL)
				goto nomem;
			rte_ring_sp_enqueue(l->free_sealed, &l->sealed[k]);
		}
	}
	sc_enc_key_free(ek);
	return e;
nomem:
	snprintf(err, errlen, "out of memory sizing pools (batches %u x %zu bytes, block-bytes %zu)",
		 cfg->batches, cfg->batch_bytes, cfg->block_bytes);
fail:
	sc_enc_key_free(ek);
	sc_engine_destroy(e);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct sc_rx *rx = arg;
	char name[16];

	snprintf(name, sizeof(name), "sc-rx%u", rx->id);
	pthread_setname_np(pthread_self(), name);
	/* Registered but offline: only the drop path reads the source table. */
	sc_sources_thread_register();
	sc_sources_thread_offline();
	rx->drv->run(rx->drv_priv, rx, rx->local);
	sc_rx_flush(rx);
	sc_sources_thread_online();
	sc_sources_thread_unregister();
	atomic_store_explicit(&rx->done, true, memory_order_release);
	return NULL;
}

void
sc_engine_stats(const struct sc_engine *e, struct sc_engine_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned w = 0; w < e->nb_workers; w++) {
		const struct sc_rx *rx = &e->rx[w];

		s->rx_msgs += rx->msgs;
		s->rx_bytes += rx->bytes;
		s->skipped += rx->skipped;
		for (int d = 0; d < SC_DROP__COUNT; d++)
			s->drops[d] += rx->drops[d];
		for (unsigned l = 0; l < e->cfg.lanes; l++) {
			unsigned pct = rte_ring_count(rx->ring[l]) * 100 / rte_ring_get_capacity(rx->ring[l]);

			if (pct > s->ring_fill_pct)
				s->ring_fill_pct = pct;
		}
	}
	for (unsigned l = 0; l < e->cfg.lanes; l++)
		s->drops[SC_DROP_WRITE_ERROR] += e->lane[l].write_drops +
			atomic_load_explicit(&e->lane[l].enc_drops, memory_order_relaxed);
	/* Engine events pass through the lanes too; count messages only. */
	{
		uint64_t rec = atomic_load(&e->wrecords);
		uint64_t ev = e->nb_rx > e->nb_workers ? e->rx[e->nb_workers].msgs : 0;

		s->records = rec > ev ? rec - ev : 0;
	}
	s->blocks = atomic_load(&e->blocks);
	s->raw_bytes = atomic_load(&e->raw_bytes);
	s->stored_bytes = atomic_load(&e->stored_bytes);
	s->synced_blocks = atomic_load(&e->synced);
	s->checkpoints = atomic_load(&e->checkpoints);
	s->signed_blocks = atomic_load(&e->signed_blocks);
	s->key_epoch = atomic_load(&e->key_epoch);
	s->pruned_segments = atomic_load(&e->pruned_segments);
	s->pruned_bytes = atomic_load(&e->pruned_bytes);
}

static void
print_stats(struct sc_engine *e, FILE *out, struct sc_engine_stats *prev, double dt)
{
	struct sc_engine_stats s;
	char drops[256] = "";
	size_t n = 0;

	sc_engine_stats(e, &s);
	for (int d = 0; d < SC_DROP__COUNT; d++)
		n += (size_t)snprintf(drops + n, sizeof(drops) - n, "%s%s=%" PRIu64,
				      d ? "," : "", sc_drop_name((enum sc_drop)d), s.drops[d]);
	fprintf(out, "rate=%.0f/s rx=%" PRIu64 " stored=%" PRIu64 " skipped=%" PRIu64
		" drops[%s] ring=%u%% written=%" PRIu64 "B ratio=%.2f\n",
		dt > 0 ? (double)(s.rx_msgs - prev->rx_msgs) / dt : 0.0, s.rx_msgs, s.records,
		s.skipped, drops, s.ring_fill_pct, s.stored_bytes,
		s.stored_bytes ? (double)s.raw_bytes / (double)s.stored_bytes : 0.0);
	fflush(out);
	*prev = s;
}

/* ---- engine events ------------------------------------------------------- */

static const char *const sync_names[] = { "unknown", "unsynchronised", "synchronised", "n/a" };


/*
 * Seal an engine event: a JSON object stored as a record flagged
 * SC_REC_EVENT (transport none, no address), pushed by the main thread
 * through its own RX into the same lanes, so events are sealed, chained
 * and verified like every message.  The engine RX is lossless: an event
 * is never dropped.
 */
static void __attribute__((format(printf, 2, 3)))
event(struct sc_engine *e, const char *fmt, ...)
{
	struct sc_rx *rx = &e->rx[e->nb_workers];
	struct sc_pkt m;
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memset(&m, 0, sizeof(m));
	m.transport = SC_TRANSPORT_NONE;
	m.flags = SC_REC_EVENT;
	sc_rx_burst_begin(rx);
	sc_rx_push(rx, &m, buf, (uint32_t)n);
	sc_rx_flush(rx);
}

/* Seal one gap event per drop reason that grew since the last call. */
static void
seal_gaps(struct sc_engine *e, int64_t now_ns)
{
	struct sc_engine_stats st;
	char from[48], to[48];

	sc_engine_stats(e, &st);
	for (int d = 0; d < SC_DROP__COUNT; d++) {
		uint64_t delta = st.drops[d] - e->gap_seen[d];

		if (delta == 0)
			continue;
		sc_time_utc(e->gap_since, from, sizeof(from));
		sc_time_utc(now_ns, to, sizeof(to));
		event(e, "{\"event\":\"gap\",\"reason\":\"%s\",\"count\":%" PRIu64
		      ",\"from\":\"%s\",\"to\":\"%s\"}",
		      sc_drop_name((enum sc_drop)d), delta, from, to);
		e->gap_seen[d] = st.drops[d];
	}
	e->gap_since = now_ns;
}

/*
 * A new run file, 0640 whatever the umask like the rest of the store (the
 * source table names every device that logs).
 */
static FILE *
open_run_file(const char *tmp)
{
	int fd;
	FILE *f;

	unlink(tmp);
	fd = sc_open_mode(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (f == NULL)
		close(fd);
	return f;
}

/* Publish STORE/run/sources and STORE/run/stats (atomic replace). */
static void
publish(struct sc_engine *e)
{
	char dir[4200], tmp[4300], path[4300];
	struct sc_engine_stats st;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/run", e->dir);
	if (sc_mkdir_mode(dir, 0750) != 0 && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s/sources.tmp", dir);
	snprintf(path, sizeof(path), "%s/sources", dir);
	f = open_run_file(tmp);
	if (f != NULL) {
		sc_sources_thread_online();
		sc_sources_write(e->sources, f);
		sc_sources_thread_offline();
		if (fclose(f) == 0)
			rename(tmp, path);
	}
	sc_engine_stats(e, &st);
	snprintf(tmp, sizeof(tmp), "%s/stats.tmp", dir);
	snprintf(path, sizeof(path), "%s/stats", dir);
	f = open_run_file(tmp);
	if (f != NULL) {
		fprintf(f, "pid %d\nupdated_ns %" PRId64 "\nreceived %" PRIu64 "\nbytes %" PRIu64
			"\nskipped %" PRIu64 "\nstored %" PRIu64 "\nblocks %" PRIu64
			"\nwritten_bytes %" PRIu64 "\nsynced_blocks %" PRIu64 "\nsources %u\n"
			"checkpoints %" PRIu64 "\nsigned_blocks %" PRIu64 "\nkey_epoch %" PRId64
			"\npruned_segments %" PRIu64 "\npruned_bytes %" PRIu64 "\n",
			(int)getpid(), sc_now_ns(), st.rx_msgs, st.rx_bytes, st.skipped, st.records,
			st.blocks, st.stored_bytes, st.synced_blocks, sc_sources_count(e->sources),
			st.checkpoints, st.signed_blocks, st.key_epoch, st.pruned_segments,
			st.pruned_bytes);
		for (int d = 0; d < SC_DROP__COUNT; d++)
			fprintf(f, "drop_%s %" PRIu64 "\n", sc_drop_name((enum sc_drop)d), st.drops[d]);
		if (fclose(f) == 0)
			rename(tmp, path);
	}
}

/* Workers of every driver in order, then the engine's event RX. */
static int
setup_rx(struct sc_engine *e, unsigned nw)
{
	unsigned w = 0;

	e->nb_rx = nw + 1;
	e->rx = aligned_alloc(CACHE_LINE, e->nb_rx * sizeof(*e->rx));
	if (e->rx == NULL)
		return -ENOMEM;
	memset(e->rx, 0, e->nb_rx * sizeof(*e->rx));
	e->nb_workers = nw;
	for (unsigned d = 0; d < e->ndrv; d++)
		for (unsigned k = 0; k < e->drv_nw[d]; k++, w++) {
			e->rx[w].drv = e->drv[d];
			e->rx[w].drv_priv = e->drv_priv[d];
			e->rx[w].local = k;
			e->rx[w].lossless = e->drv[d]->lossless;
		}
	e->rx[nw].lossless = true;
	for (w = 0; w < e->nb_rx; w++) {
		e->rx[w].e = e;
		e->rx[w].id = w;
		e->rx[w].clock_source = -1;
		for (unsigned l = 0; l < e->cfg.lanes; l++) {
			e->rx[w].ring[l] = ring_new("rx", e->cfg.ring_size,
						    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (e->rx[w].ring[l] == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

static void
close_drivers(struct sc_engine *e)
{
	for (unsigned d = e->ndrv; d-- > 0;) {
		e->drv[d]->close(e->drv_priv[d]);
		e->drv_priv[d] = NULL;
	}
	e->ndrv = 0;
}

/* Open the drivers in order.  @return total workers, or 0 (message in err). */
static unsigned
open_drivers(struct sc_engine *e, const struct sc_driver_ops *const *drv, unsigned ndrv,
	     char *err, size_t errlen)
{
	unsigned total = 0;

	for (unsigned d = 0; d < ndrv; d++) {
		unsigned nw = 0;

		for (unsigned k = 0; k < d; k++)
			if (drv[k] == drv[d]) {
				snprintf(err, errlen, "driver %s given twice", drv[d]->name);
				close_drivers(e);
				return 0;
			}
		e->drv[d] = drv[d];
		e->drv_priv[d] = drv[d]->open(e, &nw, err, errlen);
		if (e->drv_priv[d] == NULL) {
			close_drivers(e);
			return 0;
		}
		e->ndrv = d + 1;
		e->drv_nw[d] = nw;
		total += nw;
		if (nw < 1 || total > SC_WORKERS_MAX) {
			snprintf(err, errlen, "driver %s asked for %u workers (1..%d for all drivers "
				 "together)", drv[d]->name, nw, SC_WORKERS_MAX);
			close_drivers(e);
			return 0;
		}
	}
	return total;
}

int
sc_engine_run(struct sc_engine *e, const struct sc_driver_ops *const *drv, unsigned ndrv,
	      FILE *stats_out, double stats_interval_s, char *err, size_t errlen)
{
	struct sc_engine_stats prev = { 0 }, fin;
	int64_t start = mono_ns(), last_stats = start, last_tick = start;
	const struct sc_clock_info *clk;
	pthread_t wt[SC_WORKERS_MAX];
	char names[64] = "", enc[80] = "\"none\"";
	uint64_t dropped = 0;
	bool nic_time = false;
	unsigned nw = 0;
	uint8_t last_sync;
	int rc;

	if (ndrv < 1 || ndrv > SC_DRIVERS_MAX) {
		snprintf(err, errlen, "%u drivers given (1..%d)", ndrv, SC_DRIVERS_MAX);
		return -EINVAL;
	}
	nw = open_drivers(e, drv, ndrv, err, errlen);
	if (nw == 0)
		return -EINVAL;
	/* After open: a driver knows whether its ports stamp packets only then. */
	for (unsigned d = 0; d < ndrv; d++) {
		nic_time |= drv[d]->nic_time;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", d ? "+" : "",
			 drv[d]->name);
	}
	rc = sc_clock_setup(&e->clk, e->cfg.clock, nic_time,
			    (int64_t)e->cfg.phc_offset_s * 1000000000, err, errlen);
	if (rc != 0) {
		close_drivers(e);
		return rc;
	}
	clock_refresh(e);
	if (setup_rx(e, nw) != 0) {
		snprintf(err, errlen, "out of memory for %u rings of %u batches", e->cfg.lanes * (nw + 1),
			 e->cfg.ring_size);
		close_drivers(e);
		return -ENOMEM;
	}
	sc_sources_thread_register();
	sc_sources_thread_offline();

	{
		/* Made 0750 by us; an older or hand-made store may be wider. */
		struct stat sb;

		if (stats_out && stat(e->dir, &sb) == 0 && (sb.st_mode & 0027))
			fprintf(stats_out, "sealcap: warning: store directory %s has mode %04o: others "
				"can read or change it (sealcap makes stores 0750, files 0640; chmod "
				"-R o-rwx,g-w %s)\n", e->dir, (unsigned)(sb.st_mode & 07777), e->dir);
	}
	clk = clock_current(e);
	last_sync = clk->sync;
	if (clk->sync != SC_SYNC_SYNCED && stats_out)
		fprintf(stats_out, "sealcap: warning: the system clock is not synchronised "
			"(adjtimex: maximum error %u us); every block records that its times are "
			"unsynchronised\n", clk->max_err_us);

	rc = pthread_create(&e->writer, NULL, writer_main, e);
	for (unsigned l = 0; rc == 0 && l < e->cfg.lanes; l++)
		rc = pthread_create(&e->lane[l].thread, NULL, lane_main, &e->lane[l]);
	for (unsigned w = 0; rc == 0 && w < nw; w++)
		rc = pthread_create(&wt[w], NULL, worker_main, &e->rx[w]);
	if (rc != 0) {
		/* Start-up only: no half-started engine can be drained safely. */
		fprintf(stderr, "sealcap: pthread_create: %s\n", strerror(rc));
		abort();
	}
	e->gap_since = sc_now_ns();
	if (e->cfg.encrypt_key != NULL) {
		char id[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(e->enc_id, id);
		snprintf(enc, sizeof(enc), "\"aes-256-gcm\",\"key_id\":\"%s\"", id);
		if (stats_out)
			fprintf(stats_out, "sealcap: encrypting block payloads with AES-256-GCM, key id %s\n",
				id);
	}
	event(e, "{\"event\":\"start\",\"engine\":\"sealcap %s\",\"driver\":\"%s\","
	      "\"workers\":%u,\"lanes\":%u,\"clock\":\"%s\",\"sync\":\"%s\","
	      "\"max_error_us\":%u,\"est_error_us\":%u,\"log_size\":%" PRIu64 ",\"encryption\":%s}",
	      SC_VERSION_STRING, names, nw, e->cfg.lanes, e->clk.name, sync_names[clk->sync & 3],
	      clk->max_err_us, clk->est_err_us, sc_store_size(e->store), enc);
	/* What opening the store cut from a torn tail (a crash) goes on record. */
	{
		const struct sc_store_recovery *rec = sc_store_recovered(e->store);

		if (rec != NULL) {
			event(e, "{\"event\":\"recovery\",\"segment\":%" PRIu32 ",\"offset\":%" PRIu64
			      ",\"cut_bytes\":%" PRIu64 ",\"reason\":\"%s\",\"log_size\":%" PRIu64 "}",
			      rec->segment, rec->offset, rec->cut_bytes, sc_error_name(rec->reason),
			      sc_store_size(e->store));
			if (stats_out)
				fprintf(stats_out, "sealcap: recovered from a crash: cut %" PRIu64
					" bytes of a torn tail at segment %08" PRIu32 " offset %" PRIu64
					" (%s); %" PRIu64 " blocks kept; sealed as a recovery event\n",
					rec->cut_bytes, rec->segment, rec->offset,
					sc_error_text(rec->reason), sc_store_size(e->store));
		}
	}

	for (;;) {
		struct timespec ts = { 0, 10000000 };
		int64_t now;
		unsigned done = 0;

		nanosleep(&ts, NULL);
		now = mono_ns();
		for (unsigned w = 0; w < nw; w++)
			done += atomic_load_explicit(&e->rx[w].done, memory_order_acquire);
		if (done == nw)
			break;
		if (e->cfg.duration_s > 0 && (double)(now - start) / 1e9 >= e->cfg.duration_s)
			sc_engine_stop(e);
		if (now - last_tick >= 1000000000) {
			clock_refresh(e);
			clk = clock_current(e);
			if (clk->sync != last_sync) {
				event(e, "{\"event\":\"clock\",\"sync\":\"%s\",\"max_error_us\":%u,"
				      "\"est_error_us\":%u}", sync_names[clk->sync & 3],
				      clk->max_err_us, clk->est_err_us);
				last_sync = clk->sync;
			}
			seal_gaps(e, sc_now_ns());
			publish(e);
			last_tick = now;
		}
		if (stats_out && stats_interval_s > 0 &&
		    (double)(now - last_stats) / 1e9 >= stats_interval_s) {
			print_stats(e, stats_out, &prev, (double)(now - last_stats) / 1e9);
			last_stats = now;
		}
	}
	for (unsigned w = 0; w < nw; w++)
		pthread_join(wt[w], NULL);

	/* Workers are gone: counts are final.  Seal the last gaps and the stop. */
	seal_gaps(e, sc_now_ns());
	sc_engine_stats(e, &fin);
	for (int d = 0; d < SC_DROP__COUNT; d++)
		dropped += fin.drops[d];
	event(e, "{\"event\":\"stop\",\"received\":%" PRIu64 ",\"skipped\":%" PRIu64
	      ",\"dropped\":%" PRIu64 ",\"reason\":\"%s\"}", fin.rx_msgs, fin.skipped, dropped,
	      atomic_load(&e->stop) ? "stop requested" : "end of input");

	/* Drain: lanes empty their rings, then the writer its ring. */
	atomic_store_explicit(&e->workers_done, true, memory_order_release);
	for (unsigned l = 0; l < e->cfg.lanes; l++)
		pthread_join(e->lane[l].thread, NULL);
	atomic_store_explicit(&e->lanes_done, true, memory_order_release);
	pthread_join(e->writer, NULL);
	publish(e);
	for (unsigned d = 0; d < e->ndrv && stats_out; d++)
		if (e->drv[d]->stats) {
			char line[1024];

			e->drv[d]->stats(e->drv_priv[d], line, sizeof(line));
			fprintf(stats_out, "sealcap: driver %s: %s\n", e->drv[d]->name, line);
		}
	close_drivers(e);
	if (stats_out && stats_interval_s > 0)
		print_stats(e, stats_out, &prev, (double)(mono_ns() - last_stats) / 1e9);
	sc_sources_thread_online();
	sc_sources_thread_unregister();
	return 0;
}

void
sc_engine_stop(struct sc_engine *e)
{
	atomic_store(&e->stop, true);
}

void
sc_engine_rotate(struct sc_engine *e)
{
	atomic_store(&e->rotate, true);
}

size_t
sc_engine_max_msg(const struct sc_engine *e)
{
	size_t room = e->cfg.batch_bytes - sizeof(struct batch) - sizeof(struct entry) - 8;

	return room < SC_REC_RAW_MAX ? room : SC_REC_RAW_MAX;
}

const char *
sc_engine_store_dir(const struct sc_engine *e)
{
	return e->dir;
}

int
sc_engine_destroy(struct sc_engine *e)
{
	int rc;

	if (e == NULL)
		return 0;
	rc = sc_store_close(e->store);
	sc_sign_key_close(e->key);
	sc_sources_free(e->sources);
	sc_clock_close(&e->clk);
	for (unsigned l = 0; l < SC_LANES_MAX; l++) {
		struct lane *ln = &e->lane[l];

		sc_block_builder_free(ln->b);
		sc_block_cipher_free(ln->cipher);
		if (ln->sealed)
			for (unsigned k = 0; k < e->cfg.sealed_per_lane; k++)
				free(ln->sealed[k].stored);
		free(ln->sealed);
		free(ln->free_sealed);
	}
	if (e->rx)
		for (unsigned w = 0; w < e->nb_rx; w++)
			for (unsigned l = 0; l < e->cfg.lanes; l++)
				free(e->rx[w].ring[l]);
	free(e->rx);
	free(e->pool);
	free(e->batch_mem);
	free(e->to_writer);
	free(e);
	return rc;
}

static void
print_source(const struct sc_source_stats *st, void *arg)
{
	FILE *f = arg;
	char a[64] = "other";

	if (st->family == 4)
		inet_ntop(AF_INET, st->addr + 12, a, sizeof(a));
	else if (st->family == 6)
		inet_ntop(AF_INET6, st->addr, a, sizeof(a));
	fprintf(f, "%-40s %10" PRIu64 " %12" PRIu64 " %8" PRIu64 " %8" PRIu64 " %12.3f %12.3f\n", a,
		st->msgs, st->bytes, st->parse_errors, st->drops,
		st->skew_count ? (double)st->skew_last_ns / 1e9 : 0.0,
		st->skew_count ? (double)st->skew_sum_ms / 1e3 / (double)st->skew_count : 0.0);
}

void
sc_engine_print_sources(struct sc_engine *e, FILE *f)
{
	fprintf(f, "%-40s %10s %12s %8s %8s %12s %12s\n", "source", "messages", "bytes",
		"parse_er", "drops", "skew_last_s", "skew_mean_s");
	sc_sources_thread_register();
	sc_sources_foreach(e->sources, print_source, f);
	sc_sources_thread_unregister();
}

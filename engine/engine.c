/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_ring.h>

#include <sealcap/engine.h>
#include <sealcap/syslog.h>

#include "clock.h"
#include "store_priv.h"

#define BURST 32
#define CACHE_LINE 64

/*
 * A batch: messages copied back to back, each an entry header then the
 * bytes, 8-byte aligned.  Batches circulate pool -> worker -> lane -> pool.
 */
struct batch {
	uint32_t count;
	uint32_t used;          /* bytes of data[] in use */
	struct sc_clock_info clock;
	uint8_t data[];
};

struct entry {
	struct sc_pkt meta;     /* meta.rx_ns always set */
	uint32_t len;
	uint8_t bytes[];
};

#define ENTRY_SIZE(len) ((sizeof(struct entry) + (len) + 7) & ~(size_t)7)

/* A sealed block on its way to the writer. */
struct sealed {
	struct sc_block_hdr hdr;
	struct lane *lane;
	uint8_t *stored;
};

struct sc_rx {
	struct sc_engine *e;
	unsigned id;
	bool lossless;
	struct sc_clock_info clock;
	bool own_clock;
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
	struct rte_ring *free_sealed;       /* writer -> lane, SP/SC */
	struct sealed *sealed;              /* the buffers, for free */
	struct sc_clock_info clock;         /* of the open block */
	int64_t opened_mono;                /* when the open block got its first record */
	uint64_t records;
	uint64_t write_drops;               /* records lost to write errors (writer-owned) */
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
	struct sc_rx *rx;                   /* nb_workers entries */
	unsigned nb_workers;
	const struct sc_driver_ops *drv;
	void *drv_priv;
	pthread_t writer;
	atomic_bool stop;
	atomic_bool rotate;
	atomic_bool workers_done;
	atomic_bool lanes_done;
	atomic_uint_fast64_t admitted;      /* for max_count */
	/* writer counters */
	atomic_uint_fast64_t blocks, raw_bytes, stored_bytes, synced, wrecords;
	/*
	 * Engine clock quality, refreshed by main once a second.  Two slots:
	 * main fills the one readers are not told about, then publishes its
	 * index (release; readers acquire).  A reader would have to stall for
	 * a whole refresh period between load and copy to see a torn value.
	 */
	struct sc_clock_info clock[2];
	atomic_uint clock_idx;
};

static void
clock_refresh(struct sc_engine *e)
{
	unsigned next = atomic_load_explicit(&e->clock_idx, memory_order_relaxed) ^ 1;

	sc_clock_read(&e->clock[next], SC_CLOCK_REALTIME);
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
	c->ring_size = 256;
	c->batches = 512;
	c->batch_bytes = 256u << 10;
	c->sealed_per_lane = 4;
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
	rx->burst_ns = sc_now_ns();
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

int
sc_rx_push(struct sc_rx *rx, const struct sc_pkt *meta, const void *data, uint32_t len)
{
	struct sc_engine *e = rx->e;
	size_t need = ENTRY_SIZE(len);
	unsigned lane = lane_of(e, meta);
	struct batch *b = rx->open[lane];
	struct entry *en;

	if (unlikely(need > e->cfg.batch_bytes - sizeof(struct batch) || len > SC_REC_RAW_MAX)) {
		rx->drops[SC_DROP_OVERSIZE]++;
		return -ENOBUFS;
	}
	if (unlikely(e->cfg.max_count) &&
	    atomic_fetch_add_explicit(&e->admitted, 1, memory_order_relaxed) >= e->cfg.max_count) {
		atomic_store(&e->stop, true);
		return -ENOBUFS;
	}
	if (b != NULL && b->used + need > e->cfg.batch_bytes - sizeof(struct batch)) {
		batch_send(rx, lane);
		b = NULL;
	}
	if (b == NULL) {
		b = batch_get(rx);
		if (unlikely(b == NULL)) {
			rx->drops[SC_DROP_POOL_EMPTY]++;
			return -ENOBUFS;
		}
		b->count = 0;
		b->used = 0;
		b->clock = rx->own_clock ? rx->clock : *clock_current(e);
		rx->open[lane] = b;
	}
	en = (struct entry *)(b->data + b->used);
	en->meta = *meta;
	if (en->meta.rx_ns == 0)
		en->meta.rx_ns = rx->burst_ns;
	en->len = len;
	memcpy(en->bytes, data, len);
	b->used += (uint32_t)need;
	b->count++;
	rx->msgs++;
	rx->bytes += len;
	return 0;
}

void
sc_rx_burst_end(struct sc_rx *rx)
{
	for (unsigned l = 0; l < rx->e->cfg.lanes; l++)
		if (rx->open[l] != NULL)
			batch_send(rx, l);
}

/* ---- sealer lanes -------------------------------------------------------- */

static void
lane_seal(struct lane *l)
{
	struct sc_engine *e = l->e;
	struct sealed *s;
	void *p;

	if (sc_block_count(l->b) == 0)
		return;
	/* Backpressure: wait for the writer to hand a buffer back. */
	while (rte_ring_sc_dequeue(l->free_sealed, &p) != 0)
		nap();
	s = p;
	sc_block_seal(l->b, &l->clock, &s->hdr, s->stored);
	l->records += s->hdr.count;
	while (rte_ring_mp_enqueue(e->to_writer, s) != 0)
		nap();
}

static void
lane_add(struct lane *l, const struct entry *en, const struct sc_clock_info *clk)
{
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
	sc_syslog_parse(en->bytes, en->len, en->meta.rx_ns, &sl);
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
	r.raw = en->bytes;
	r.raw_len = en->len;
	if (sc_block_add(l->b, &r) == -E2BIG) {
		lane_seal(l);
		l->clock = *clk;
		l->opened_mono = mono_ns();
		sc_block_add(l->b, &r);
	}
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
	for (;;) {
		unsigned got = 0;
		bool finishing = atomic_load_explicit(&e->workers_done, memory_order_acquire);

		for (unsigned w = 0; w < e->nb_workers; w++) {
			void *bs[BURST];
			unsigned n = rte_ring_sc_dequeue_burst(e->rx[w].ring[l->id], bs, BURST, NULL);

			for (unsigned i = 0; i < n; i++) {
				struct batch *b = bs[i];
				uint32_t off = 0;

				for (uint32_t k = 0; k < b->count; k++) {
					const struct entry *en = (const struct entry *)(b->data + off);

					lane_add(l, en, &b->clock);
					off += (uint32_t)ENTRY_SIZE(en->len);
				}
				rte_ring_mp_enqueue(e->pool, b);
			}
			got += n;
		}
		if (sc_block_count(l->b) && mono_ns() - l->opened_mono >= flush_ns)
			lane_seal(l);
		if (got == 0) {
			/* workers_done was read before the rings were found empty. */
			if (finishing)
				break;
			nap();
		}
	}
	lane_seal(l);
	atomic_store_explicit(&l->done, true, memory_order_release);
	return NULL;
}

/* ---- writer -------------------------------------------------------------- */

static void *
writer_main(void *arg)
{
	struct sc_engine *e = arg;

	pthread_setname_np(pthread_self(), "sc-writer");
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
		atomic_store(&e->synced, sc_store_synced(e->store));
		if (n == 0) {
			if (finishing)
				break;
			nap();
		}
	}
	sc_store_sync(e->store);
	atomic_store(&e->synced, sc_store_synced(e->store));
	return NULL;
}

/* ---- life ---------------------------------------------------------------- */

struct sc_engine *
sc_engine_create(const struct sc_engine_config *cfg, char *err, size_t errlen)
{
	struct sc_engine *e;
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
	snprintf(e->dir, sizeof(e->dir), "%s", cfg->store.dir);
	e->cfg.store.dir = e->dir;
	clock_refresh(e);

	rc = sc_store_open(&e->cfg.store, &e->store, err, errlen);
	if (rc != 0)
		goto fail;

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
	return e;
nomem:
	snprintf(err, errlen, "out of memory sizing pools (batches %u x %zu bytes, block-bytes %zu)",
		 cfg->batches, cfg->batch_bytes, cfg->block_bytes);
fail:
	sc_engine_destroy(e);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct sc_rx *rx = arg;
	struct sc_engine *e = rx->e;
	char name[16];

	snprintf(name, sizeof(name), "sc-rx%u", rx->id);
	pthread_setname_np(pthread_self(), name);
	e->drv->run(e->drv_priv, rx, rx->id);
	sc_rx_burst_end(rx);
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
		s->drops[SC_DROP_WRITE_ERROR] += e->lane[l].write_drops;
	s->records = atomic_load(&e->wrecords);
	s->blocks = atomic_load(&e->blocks);
	s->raw_bytes = atomic_load(&e->raw_bytes);
	s->stored_bytes = atomic_load(&e->stored_bytes);
	s->synced_blocks = atomic_load(&e->synced);
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

int
sc_engine_run(struct sc_engine *e, const struct sc_driver_ops *drv, FILE *stats_out,
	      double stats_interval_s, char *err, size_t errlen)
{
	struct sc_engine_stats prev = { 0 };
	int64_t start = mono_ns(), last_stats = start, last_clock = start;
	unsigned nw = 0;
	int rc;

	e->drv = drv;
	e->drv_priv = drv->open(e, &nw, err, errlen);
	if (e->drv_priv == NULL)
		return -EINVAL;
	if (nw < 1 || nw > SC_WORKERS_MAX) {
		snprintf(err, errlen, "driver %s asked for %u workers (1..%d)", drv->name, nw,
			 SC_WORKERS_MAX);
		drv->close(e->drv_priv);
		return -EINVAL;
	}
	e->rx = aligned_alloc(CACHE_LINE, nw * sizeof(*e->rx));
	if (e->rx == NULL) {
		drv->close(e->drv_priv);
		return -ENOMEM;
	}
	memset(e->rx, 0, nw * sizeof(*e->rx));
	for (unsigned w = 0; w < nw; w++) {
		e->rx[w].e = e;
		e->rx[w].id = w;
		e->rx[w].lossless = drv->lossless;
		for (unsigned l = 0; l < e->cfg.lanes; l++) {
			e->rx[w].ring[l] = ring_new("rx", e->cfg.ring_size,
						    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (e->rx[w].ring[l] == NULL) {
				e->nb_workers = w + 1;
				drv->close(e->drv_priv);
				return -ENOMEM;
			}
		}
	}
	e->nb_workers = nw;

	rc = pthread_create(&e->writer, NULL, writer_main, e);
	for (unsigned l = 0; rc == 0 && l < e->cfg.lanes; l++)
		rc = pthread_create(&e->lane[l].thread, NULL, lane_main, &e->lane[l]);
	if (rc != 0) {
		/* Threads already started see the flags and leave. */
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		abort();
	}
	{
		pthread_t wt[SC_WORKERS_MAX];

		for (unsigned w = 0; w < nw; w++)
			if (pthread_create(&wt[w], NULL, worker_main, &e->rx[w]) != 0)
				abort();

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
			if (now - last_clock >= 1000000000) {
				clock_refresh(e);
				last_clock = now;
			}
			if (stats_out && stats_interval_s > 0 &&
			    (double)(now - last_stats) / 1e9 >= stats_interval_s) {
				print_stats(e, stats_out, &prev, (double)(now - last_stats) / 1e9);
				last_stats = now;
			}
		}
		for (unsigned w = 0; w < nw; w++)
			pthread_join(wt[w], NULL);
	}
	/* Drain: lanes empty their rings, then the writer its ring. */
	atomic_store_explicit(&e->workers_done, true, memory_order_release);
	for (unsigned l = 0; l < e->cfg.lanes; l++)
		pthread_join(e->lane[l].thread, NULL);
	atomic_store_explicit(&e->lanes_done, true, memory_order_release);
	pthread_join(e->writer, NULL);
	if (drv->stats && stats_out) {
		char line[512];

		drv->stats(e->drv_priv, line, sizeof(line));
		fprintf(stats_out, "sealcap: driver %s: %s\n", drv->name, line);
	}
	drv->close(e->drv_priv);
	e->drv_priv = NULL;
	if (stats_out && stats_interval_s > 0)
		print_stats(e, stats_out, &prev, (double)(mono_ns() - last_stats) / 1e9);
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
	for (unsigned l = 0; l < SC_LANES_MAX; l++) {
		struct lane *ln = &e->lane[l];

		sc_block_builder_free(ln->b);
		if (ln->sealed)
			for (unsigned k = 0; k < e->cfg.sealed_per_lane; k++)
				free(ln->sealed[k].stored);
		free(ln->sealed);
		free(ln->free_sealed);
	}
	if (e->rx)
		for (unsigned w = 0; w < e->nb_workers; w++)
			for (unsigned l = 0; l < e->cfg.lanes; l++)
				free(e->rx[w].ring[l]);
	free(e->rx);
	free(e->pool);
	free(e->batch_mem);
	free(e->to_writer);
	free(e);
	return rc;
}

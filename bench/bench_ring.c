/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * bench_ring: rte_ring pointer hand-off between two threads, set up the way
 * the engine does it (engine/engine.c ring_new): rte_ring_get_memsize, then
 * rte_ring_init on aligned_alloc memory, no EAL.
 *
 *     bench_ring [--items N] [--size N] [--reps N]
 *
 * One producer enqueues the numbers 1..N as pointers, one consumer dequeues
 * and checks they arrive in order; both spin (rte_pause) on a full or empty
 * ring.  Rows: SP/SC (the worker->lane rings) and MP/MC (the batch pool) at
 * burst 1, 8 and 32 on both sides; the engine's actual pattern (one batch
 * enqueued at a time, dequeued in bursts of 32); and the same pair squeezed
 * onto one core, yielding when blocked, as under `taskset -c 1`.  Prints
 * items/s; asserts nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_pause.h>
#include <rte_ring.h>

#define CACHE_LINE 64
#define BURST_MAX 64
#define REPS_MAX 101

enum mode { SPSC, MPMC };

struct cfg {
	const char *name;
	enum mode mode;
	unsigned enq_burst;
	unsigned deq_burst;
	int prod_cpu, cons_cpu;
	bool yield;           /* sched_yield instead of rte_pause when blocked */
};

struct run {
	const struct cfg *c;
	struct rte_ring *r;
	uint64_t items;
	atomic_int go;
	/* one writer each */
	uint64_t full_polls __attribute__((aligned(CACHE_LINE)));
	uint64_t empty_polls __attribute__((aligned(CACHE_LINE)));
	uint64_t misordered;
	int64_t end_ns;
};

static struct {
	uint64_t items;
	unsigned size;
	unsigned reps;
} opt = { 5000000, 256, 5 };

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Best effort: an unpinned run still measures something. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void
blocked(const struct cfg *c)
{
	if (c->yield)
		sched_yield();
	else
		rte_pause();
}

static void *
producer(void *arg)
{
	struct run *ru = arg;
	const struct cfg *c = ru->c;
	void *objs[BURST_MAX];
	uint64_t next = 1;

	pin(c->prod_cpu);
	while (!atomic_load_explicit(&ru->go, memory_order_acquire))
		rte_pause();
	while (next <= ru->items) {
		unsigned want = c->enq_burst, k;

		if (ru->items - next + 1 < want)
			want = (unsigned)(ru->items - next + 1);
		for (unsigned i = 0; i < want; i++)
			objs[i] = (void *)(uintptr_t)(next + i);
		if (want == 1)
			k = (c->mode == SPSC ? rte_ring_sp_enqueue(ru->r, objs[0])
					     : rte_ring_mp_enqueue(ru->r, objs[0])) == 0;
		else if (c->mode == SPSC)
			k = rte_ring_sp_enqueue_burst(ru->r, objs, want, NULL);
		else
			k = rte_ring_mp_enqueue_burst(ru->r, objs, want, NULL);
		next += k;
		if (k < want) {
			ru->full_polls++;
			blocked(c);
		}
	}
	return NULL;
}

static void *
consumer(void *arg)
{
	struct run *ru = arg;
	const struct cfg *c = ru->c;
	void *objs[BURST_MAX];
	uint64_t expect = 1;

	pin(c->cons_cpu);
	while (!atomic_load_explicit(&ru->go, memory_order_acquire))
		rte_pause();
	while (expect <= ru->items) {
		unsigned k;

		if (c->deq_burst == 1)
			k = (c->mode == SPSC ? rte_ring_sc_dequeue(ru->r, &objs[0])
					     : rte_ring_mc_dequeue(ru->r, &objs[0])) == 0;
		else if (c->mode == SPSC)
			k = rte_ring_sc_dequeue_burst(ru->r, objs, c->deq_burst, NULL);
		else
			k = rte_ring_mc_dequeue_burst(ru->r, objs, c->deq_burst, NULL);
		if (k == 0) {
			ru->empty_polls++;
			blocked(c);
			continue;
		}
		for (unsigned i = 0; i < k; i++)
			ru->misordered += (uintptr_t)objs[i] != expect + i;
		expect += k;
	}
	ru->end_ns = now_ns();
	return NULL;
}

static struct rte_ring *
ring_new(unsigned count, unsigned flags)
{
	ssize_t sz = rte_ring_get_memsize(count);
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = aligned_alloc(CACHE_LINE, ((size_t)sz + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1));
	if (r == NULL)
		return NULL;
	if (rte_ring_init(r, "bench", count, flags) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

/* One repetition; @return ns, or -1. */
static int64_t
run_once(const struct cfg *c, uint64_t *full, uint64_t *empty, uint64_t *bad)
{
	static struct run ru;
	pthread_t tp, tc;
	int64_t t0;

	memset(&ru, 0, sizeof(ru));
	ru.c = c;
	ru.items = opt.items;
	ru.r = ring_new(opt.size, c->mode == SPSC ? RING_F_SP_ENQ | RING_F_SC_DEQ : 0);
	if (ru.r == NULL) {
		fprintf(stderr, "bench_ring: cannot make a ring of %u (power of 2 needed)\n", opt.size);
		return -1;
	}
	if (pthread_create(&tc, NULL, consumer, &ru) != 0 ||
	    pthread_create(&tp, NULL, producer, &ru) != 0) {
		fprintf(stderr, "bench_ring: pthread_create failed\n");
		exit(1);
	}
	/* Let both threads reach their pinned CPUs and spin on go. */
	{
		struct timespec ts = { 0, 20000000 };

		nanosleep(&ts, NULL);
	}
	t0 = now_ns();
	atomic_store_explicit(&ru.go, 1, memory_order_release);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	*full += ru.full_polls;
	*empty += ru.empty_polls;
	*bad += ru.misordered;
	free(ru.r);
	return ru.end_ns - t0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const struct cfg cfgs[] = {
		{ "SP/SC burst 1", SPSC, 1, 1, 0, 1, false },
		{ "SP/SC burst 8", SPSC, 8, 8, 0, 1, false },
		{ "SP/SC burst 32", SPSC, 32, 32, 0, 1, false },
		{ "MP/MC burst 1", MPMC, 1, 1, 0, 1, false },
		{ "MP/MC burst 8", MPMC, 8, 8, 0, 1, false },
		{ "MP/MC burst 32", MPMC, 32, 32, 0, 1, false },
		{ "SP/SC enq 1, deq 32 (engine)", SPSC, 1, 32, 0, 1, false },
		{ "SP/SC burst 32, ONE core, yield", SPSC, 32, 32, 1, 1, true },
	};
	static const struct option lo[] = {
		{ "items", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': opt.items = strtoull(optarg, NULL, 10); break;
		case 's': opt.size = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': opt.reps = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h':
		default:
			fprintf(ch == 'h' ? stdout : stderr,
				"usage: bench_ring [--items N (5000000)] [--size N (256, power of 2)]"
				" [--reps N (5)]\n");
			return ch == 'h' ? 0 : 2;
		}
	}
	if (opt.items < 1 || opt.reps < 1 || opt.reps > REPS_MAX) {
		fprintf(stderr, "bench_ring: bad --items or --reps\n");
		return 2;
	}
	printf("bench_ring: rte_ring of %u slots (capacity %u) on aligned_alloc memory, no EAL; "
	       "%" PRIu64 " pointers per rep, %u reps after 1 warm-up\n",
	       opt.size, opt.size - 1, opt.items, opt.reps);
	printf("producer on CPU 0, consumer on CPU 1 unless noted; items/s from best and median rep\n\n");
	printf("%-34s %14s %14s %9s %12s %12s %s\n", "mode", "items/s best", "items/s med",
	       "ns/item", "full polls", "empty polls", "order");
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		const struct cfg *c = &cfgs[i];
		int64_t t[REPS_MAX];
		uint64_t full = 0, empty = 0, bad = 0, f0 = 0, e0 = 0, b0 = 0;

		if (run_once(c, &f0, &e0, &b0) < 0)
			return 1;
		for (unsigned k = 0; k < opt.reps; k++) {
			t[k] = run_once(c, &full, &empty, &bad);
			if (t[k] < 0)
				return 1;
		}
		qsort(t, opt.reps, sizeof(t[0]), cmp_i64);
		printf("%-34s %14.0f %14.0f %9.1f %12.0f %12.0f %s\n", c->name,
		       (double)opt.items / ((double)t[0] / 1e9),
		       (double)opt.items / ((double)t[opt.reps / 2] / 1e9),
		       (double)t[0] / (double)opt.items,
		       (double)full / opt.reps, (double)empty / opt.reps, bad ? "MISORDERED" : "ok");
	}
	printf("\nThe engine moves one batch pointer per pcap burst (64 messages) or per full\n"
	       "256 KiB batch, so divide ns/item by the messages per batch for the ring's\n"
	       "share of a message's cost.\n");
	return 0;
}

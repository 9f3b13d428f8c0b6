/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_DPDK_NICCLOCK_H
#define SC_DPDK_NICCLOCK_H

/*
 * NIC clock ticks to UTC.  A PMD with the RX timestamp offload stamps each
 * mbuf with its free-running device clock (rte_eth_read_clock units, not
 * nanoseconds).  We pair device clock readings with CLOCK_REALTIME: the
 * first pair is the origin, each later pair (once a second) moves the base
 * and refines the rate over the whole run since the origin, so the error
 * of the rate shrinks as the run gets longer while the base follows the
 * system clock (NTP/PTP-disciplined, whose quality the block records).
 *
 *   utc_ns(t) = base_ns + (t - base_ticks) * 1e9 / hz
 *
 * One writer (the port's queue-0 worker), many readers (its other
 * workers): two slots, the writer fills the one not published, then
 * publishes its index (release; readers acquire), as engine.c does for
 * the clock quality.  A reader would have to stall for a whole second
 * between load and copy to see a torn slot.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct sc_nicclock_slot {
	uint64_t base_ticks;
	int64_t base_ns;
	double ns_per_tick;
};

struct sc_nicclock {
	struct sc_nicclock_slot slot[2];
	atomic_uint idx;
	uint64_t origin_ticks;  /* first pair (writer only) */
	int64_t origin_ns;
	bool ready;             /* two pairs seen: the rate is known */
};

/* First pair: origin and base, rate not known yet. */
static inline void
sc_nicclock_start(struct sc_nicclock *c, uint64_t ticks, int64_t ns)
{
	c->origin_ticks = ticks;
	c->origin_ns = ns;
	c->ready = false;
	c->slot[0] = (struct sc_nicclock_slot){ ticks, ns, 0.0 };
	atomic_store_explicit(&c->idx, 0, memory_order_release);
}

/*
 * A later pair.  @return false (and nothing changes) when it cannot be
 * used: the device clock or the system clock did not move forward.
 */
static inline bool
sc_nicclock_update(struct sc_nicclock *c, uint64_t ticks, int64_t ns)
{
	unsigned next = atomic_load_explicit(&c->idx, memory_order_relaxed) ^ 1;

	if (ticks <= c->origin_ticks || ns <= c->origin_ns)
		return false;
	c->slot[next].base_ticks = ticks;
	c->slot[next].base_ns = ns;
	c->slot[next].ns_per_tick = (double)(ns - c->origin_ns) / (double)(ticks - c->origin_ticks);
	c->ready = true;
	atomic_store_explicit(&c->idx, next, memory_order_release);
	return true;
}

/* UTC ns of device time @p ticks (before or after the base); 0 if not ready. */
static inline int64_t
sc_nicclock_to_ns(const struct sc_nicclock *c, uint64_t ticks)
{
	const struct sc_nicclock_slot *s =
		&c->slot[atomic_load_explicit(&c->idx, memory_order_acquire)];

	if (s->ns_per_tick <= 0.0)
		return 0;
	return s->base_ns + (int64_t)((double)(int64_t)(ticks - s->base_ticks) * s->ns_per_tick);
}

#endif

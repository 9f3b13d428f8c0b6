/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_DRIVER_H
#define SEALCAP_DRIVER_H

/**
 * @file
 * The interface a capture driver implements, and the RX calls it makes.
 *
 * A driver fills a struct sc_driver_ops and registers it with
 * SC_DRIVER_REGISTER (as a PMD registers its eth_dev_ops).  The engine owns
 * the threads: it calls open() once, then run() on one RX worker thread per
 * worker the driver asked for.  Inside run() the driver loops:
 *
 *     while (!sc_rx_stopping(rx)) {
 *             n = receive a burst;
 *             sc_rx_burst_begin(rx);          // one timestamp per burst
 *             for each packet: sc_rx_push(rx, &meta, data, len);
 *             sc_rx_burst_end(rx);            // hand full batches to the lanes
 *             if (nothing received) { sc_rx_flush(rx); block in poll; }
 *     }
 *
 * sc_rx_push copies the message into a batch for the lane the source address
 * hashes to (so one sender's messages stay in order), never blocks unless the
 * driver declared itself lossless, never allocates, and counts every message
 * it cannot take by reason.  One struct sc_rx belongs to one worker thread.
 *
 * Zero-copy: a driver whose receive buffers can wait (DPDK mbufs) passes a
 * reference instead, sc_rx_push_ref: the batch carries the pointer, the
 * sealer lane copies the bytes straight into its block, then gives the
 * buffer back through the driver's release(), in bulk.  One copy instead
 * of two; the driver's buffer pool must be sized for what is in flight.
 *
 * Several drivers can run in one engine (--driver dpdk,socket): each gets
 * its own workers; everything they receive goes to the same lanes and store.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sc_engine;
struct sc_rx;

/** Why a message was not stored.  Every one is counted. */
#define SC_DROP_REASONS(X) \
	X(RING_FULL,   "ring_full")   \
	X(POOL_EMPTY,  "pool_empty")  \
	X(OVERSIZE,    "oversize")    \
	X(KERNEL,      "kernel")      \
	X(WRITE_ERROR, "write_error") \
	X(NIC,         "nic")

enum sc_drop {
#define SC_DROP_ENUM(n, s) SC_DROP_##n,
	SC_DROP_REASONS(SC_DROP_ENUM)
#undef SC_DROP_ENUM
	SC_DROP__COUNT
};

/** Short name of a drop reason ("ring_full"). */
const char *sc_drop_name(enum sc_drop d);

/** Receive metadata of one message. */
struct sc_pkt {
	int64_t rx_ns;      /**< per-packet time; 0: use the burst's time */
	uint8_t addr[16];   /**< IPv6 or IPv4-mapped source */
	uint8_t family;     /**< 4 or 6 */
	uint8_t transport;  /**< enum sc_transport */
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t flags;     /**< SC_REC_* capture flags */
};

/** A driver flag, shown in --help. */
struct sc_driver_opt {
	const char *name;   /**< long option without "--" */
	const char *arg;    /**< argument name, NULL for a switch */
	const char *help;
	const char *def;    /**< default shown in --help, or NULL */
};

struct sc_driver_ops {
	const char *name;
	const char *summary;
	const struct sc_driver_opt *opts; /**< terminated by a NULL name */
	/** true: input can wait (a file); sc_rx_push blocks instead of dropping */
	bool lossless;
	/**
	 * true: the driver sets per-packet receive times (--clock nic).  A
	 * driver may set it in open(); the engine reads it after.
	 */
	bool nic_time;
	/** Take one of opts.  @return 0 or -EINVAL with a message in err. */
	int (*set_opt)(const char *name, const char *value, char *err, size_t errlen);
	/**
	 * Prepare capture.  @return driver state (NULL + message on failure);
	 * *nb_workers receives how many RX workers to run.
	 */
	void *(*open)(struct sc_engine *e, unsigned *nb_workers, char *err, size_t errlen);
	/** Worker loop.  Returns when sc_rx_stopping() or when input ends. */
	int (*run)(void *priv, struct sc_rx *rx, unsigned worker);
	/**
	 * Give back buffers passed with sc_rx_push_ref.  Called from sealer
	 * lane threads (several at once) and from the worker on a drop; may
	 * be NULL for a driver that never passes references.
	 */
	void (*release)(void *priv, void **refs, unsigned n);
	/** Print driver counters for the stats line (may be NULL). */
	void (*stats)(void *priv, char *buf, size_t len);
	void (*close)(void *priv);
};

/** Make a driver known to the engine (called from a constructor). */
void sc_driver_register(const struct sc_driver_ops *ops);
/** Find a registered driver. @return ops or NULL */
const struct sc_driver_ops *sc_driver_find(const char *name);
/** Iterate registered drivers: i from 0 until NULL. */
const struct sc_driver_ops *sc_driver_at(unsigned i);

#define SC_DRIVER_REGISTER(ops) \
	__attribute__((constructor)) static void sc_driver_reg_##ops(void) \
	{ sc_driver_register(&ops); }

/* ---- RX calls (one worker thread each) ------------------------------------ */

/** True once the engine is stopping: leave run() soon. */
bool sc_rx_stopping(const struct sc_rx *rx);
/** Start a burst: takes the one timestamp its messages share. */
void sc_rx_burst_begin(struct sc_rx *rx);
/** The current burst's timestamp (UTC ns). */
int64_t sc_rx_burst_time(const struct sc_rx *rx);
/** Set the clock quality this worker's messages carry (default: engine clock). */
void sc_rx_set_clock(struct sc_rx *rx, const struct sc_clock_info *clock);
/**
 * Keep the engine clock's sync quality but state another source for this
 * worker's blocks (SC_CLOCK_NIC when the driver stamps packets from the NIC
 * clock, converted to UTC against the system clock).
 */
void sc_rx_set_clock_source(struct sc_rx *rx, enum sc_clock_source source);
/**
 * Copy one message into the engine.
 * @return 0, or -ENOBUFS when it was dropped (and counted).
 */
int sc_rx_push(struct sc_rx *rx, const struct sc_pkt *meta, const void *data,
	       uint32_t len);
/**
 * Hand one message over without copying it: @p data must stay valid and
 * unchanged until the engine passes @p ref to the driver's release().
 * @return 0 (the engine owns @p ref now), or -ENOBUFS when it was dropped
 * (counted; the caller still owns @p ref).
 */
int sc_rx_push_ref(struct sc_rx *rx, const struct sc_pkt *meta, const void *data,
		   uint32_t len, void *ref);
/**
 * End a burst.  Batches go to the lanes when a lane is idle, a batch is
 * half full, or it has waited 5 ms; otherwise they keep filling across
 * bursts (fewer, fuller batches under load).
 */
void sc_rx_burst_end(struct sc_rx *rx);
/**
 * Hand every held batch to the lanes now.  Call before blocking (poll,
 * epoll_wait, sleep) so nothing waits for the next packet to move on.
 */
void sc_rx_flush(struct sc_rx *rx);
/** True while this worker holds messages not yet handed to a lane. */
bool sc_rx_pending(const struct sc_rx *rx);
/** Count @p n messages lost before they reached the engine. */
void sc_rx_drop(struct sc_rx *rx, enum sc_drop reason, uint64_t n);
/** Count frames that were not syslog (skipped, not lost). */
void sc_rx_skip(struct sc_rx *rx, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_DRIVER_H */

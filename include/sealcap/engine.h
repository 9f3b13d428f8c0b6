/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_ENGINE_H
#define SEALCAP_ENGINE_H

/**
 * @file
 * The capture pipeline:
 *
 *     RX workers (driver) --rte_ring--> sealer lanes --rte_ring--> writer
 *
 * RX workers copy messages into fixed-size batches taken from a pool sized
 * at start; one SP/SC ring per (worker, lane) pair carries full batches to
 * the lane.  A sealer lane parses records into its open block and seals it
 * (Merkle root, LZ4, AES-256-GCM with encrypt_key, digest) at block_bytes or
 * flush_ms.  Sealed blocks go
 * through one MP/SC ring to the writer, which appends them to the store in
 * order and hands the buffers back.  Every queue is bounded; a full one
 * drops (counted) at the RX side, or waits when the driver is lossless.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sealcap/driver.h>
#include <sealcap/store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_LANES_MAX 16
#define SC_WORKERS_MAX 16
#define SC_DRIVERS_MAX 4

struct sc_engine_config {
	struct sc_store_opts store;
	unsigned lanes;          /**< sealer threads (1..SC_LANES_MAX) */
	size_t block_bytes;      /**< close a block at this much raw data */
	unsigned flush_ms;       /**< ... or when its first record is this old */
	unsigned ring_size;      /**< batches per worker->lane ring (power of 2) */
	unsigned batches;        /**< RX batch pool size */
	size_t batch_bytes;      /**< bytes per batch (>= 64 KiB) */
	unsigned sealed_per_lane;/**< sealed block buffers per lane */
	uint64_t max_count;      /**< stop after this many messages; 0: no limit */
	double duration_s;       /**< stop after this long; 0: no limit */
	unsigned max_sources;    /**< per-source table entries (0: 65536) */
	const char *clock;       /**< auto | realtime | nic | phc:/dev/ptpN */
	int phc_offset_s;        /**< PHC time minus UTC (TAI-UTC, 37 s since 2017) */
	const char *sign_key;    /**< sign.key of sealctl keygen; NULL: no checkpoints */
	double checkpoint_interval_s; /**< sign a checkpoint this often (and at exit) */
	unsigned seal_epoch_s;   /**< epoch length the key must have; 0: the key's */
	const char *encrypt_key; /**< key file of sealctl enc-keygen; NULL: blocks in clear */
	double retention_days;   /**< remove segments last written longer ago; 0: keep */
	uint64_t max_store_bytes;/**< remove the oldest segments while they take more; 0: no limit */
};

/** Defaults for every knob. */
void sc_engine_config_default(struct sc_engine_config *c);

/** Counters, summed over threads (each counter has one writer). */
struct sc_engine_stats {
	uint64_t rx_msgs;        /**< handed to the engine: records + engine drops */
	uint64_t rx_bytes;
	uint64_t skipped;        /**< frames that were not syslog */
	uint64_t drops[SC_DROP__COUNT];
	uint64_t records;        /**< sealed into blocks */
	uint64_t blocks;         /**< written to the store */
	uint64_t raw_bytes;      /**< raw message bytes written */
	uint64_t stored_bytes;   /**< bytes appended to segments */
	uint64_t synced_blocks;  /**< blocks on stable storage */
	uint64_t checkpoints;    /**< checkpoints signed by this run */
	uint64_t signed_blocks;  /**< tree size of the newest checkpoint */
	int64_t key_epoch;       /**< signing epoch, -1 without a key */
	uint64_t pruned_segments;/**< segment files removed by retention (this run) */
	uint64_t pruned_bytes;   /**< ... and their bytes */
	unsigned ring_fill_pct;  /**< fullest worker->lane ring, percent */
};

struct sc_engine;

/**
 * Create an engine: opens (or creates) the store and sizes every pool.
 * @return engine, or NULL with a message in @p err.
 */
struct sc_engine *sc_engine_create(const struct sc_engine_config *cfg, char *err,
				   size_t errlen);

/**
 * Run capture with the @p ndrv drivers @p drv (opened in that order, e.g.
 * dpdk before socket so the socket driver can listen on the address the
 * dpdk driver gives its exception TAP) until every worker returns (end of
 * input), stop is requested, or a configured limit is hit; then drain
 * every ring, seal open blocks, sync, and return.  Workers of all drivers
 * together: at most SC_WORKERS_MAX.
 * @return 0, or a negative errno when start-up failed (message in err).
 */
int sc_engine_run(struct sc_engine *e, const struct sc_driver_ops *const *drv, unsigned ndrv,
		  FILE *stats_out, double stats_interval_s, char *err, size_t errlen);

/** Ask a running engine to stop.  Async-signal-safe. */
void sc_engine_stop(struct sc_engine *e);
/** Ask the writer to start a new segment.  Async-signal-safe. */
void sc_engine_rotate(struct sc_engine *e);

/**
 * Print the per-source table (address, messages, bytes, parse errors,
 * drops, first/last seen, clock skew) to @p f.  Safe while capture runs,
 * from a thread that is not one of the engine's (e.g. main after run).
 */
void sc_engine_print_sources(struct sc_engine *e, FILE *f);

/** Snapshot of the counters (safe while running). */
void sc_engine_stats(const struct sc_engine *e, struct sc_engine_stats *s);

/**
 * Largest message sc_rx_push accepts (bounded by --batch-bytes and
 * SC_REC_RAW_MAX).  Drivers truncate longer frames to this and flag them.
 */
size_t sc_engine_max_msg(const struct sc_engine *e);

/** The store directory. */
const char *sc_engine_store_dir(const struct sc_engine *e);

/** Close the store and free everything; NULL accepted. @return 0 or -errno */
int sc_engine_destroy(struct sc_engine *e);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_ENGINE_H */

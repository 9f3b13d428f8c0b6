/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_SOURCES_H
#define SEALCAP_SOURCES_H

/**
 * @file
 * Per-source accounting: one entry per source address, in a liburcu
 * lock-free hash table (rculfhash, QSBR flavour) so that the sealer lanes
 * update it and housekeeping reads it without a lock on the packet path.
 *
 * Ownership and concurrency:
 *  - Entries come from a pool sized at creation (--max-sources); the packet
 *    path never allocates.  When the pool is used up, further new sources
 *    are counted in one overflow entry (address ::, family 0).
 *  - Entries are never removed while the table lives, so readers need no
 *    grace period to dereference them; they still hold the QSBR read lock
 *    across lookups and iteration as rculfhash requires.
 *  - sc_sources_record() is called by the lane that owns the source (a
 *    source always hashes to one lane), so each counter has one writer;
 *    readers see relaxed, individually consistent values.
 *    sc_sources_drop() may be called from any RX worker (atomic add).
 *  - Every thread that calls into this module must be registered
 *    (sc_sources_thread_register) and online; a registered thread that
 *    sleeps goes offline first, as QSBR requires.
 *
 * The engine publishes a text snapshot to STORE/run/sources (replaced
 * atomically); `sealctl stats` reads it.
 */

#include <stdint.h>
#include <stdio.h>

#include <sealcap/record.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Counters of one source, as published. */
struct sc_source_stats {
	uint8_t addr[16];
	uint8_t family;
	uint64_t msgs;
	uint64_t bytes;
	uint64_t parse_errors;  /**< records with no recognised header or a bad field */
	uint64_t drops;         /**< messages from it that could not be stored */
	int64_t first_ns, last_ns;
	uint64_t skew_count;    /**< records whose own timestamp could be read */
	int64_t skew_last_ns;   /**< message time - receive time, latest */
	int64_t skew_min_ns, skew_max_ns;
	int64_t skew_sum_ms;    /**< for the mean; ms so it does not overflow */
};

struct sc_sources;

/**
 * @param max_sources  entries in the pool (>= 1)
 * @return table or NULL with errno ENOMEM / EINVAL.
 */
struct sc_sources *sc_sources_new(unsigned max_sources);
/** Free; NULL accepted.  No thread may use the table any more. */
void sc_sources_free(struct sc_sources *s);

/** Register / unregister the calling thread with QSBR (it starts online). */
void sc_sources_thread_register(void);
void sc_sources_thread_unregister(void);
/** Leave / rejoin read-side use (around sleeps, or for a rare call). */
void sc_sources_thread_offline(void);
void sc_sources_thread_online(void);
/** Report a quiescent state (call once per loop pass of a registered thread). */
void sc_sources_quiescent(void);

/** Account one stored record (owner lane only). */
void sc_sources_record(struct sc_sources *s, const struct sc_record *r);
/** Account @p n messages of a source that were dropped (any thread). */
void sc_sources_drop(struct sc_sources *s, const uint8_t addr[16], uint8_t family,
		     uint64_t n);

/** Sources known, including the overflow entry if used. */
unsigned sc_sources_count(const struct sc_sources *s);

/** Visit every entry (caller registered).  @return entries visited. */
typedef void (*sc_source_fn)(const struct sc_source_stats *st, void *arg);
unsigned sc_sources_foreach(struct sc_sources *s, sc_source_fn fn, void *arg);

/**
 * Write the text snapshot: a header line, then one line per source:
 * "addr msgs bytes parse_errors drops first_ns last_ns skew_count
 *  skew_last_ns skew_min_ns skew_max_ns skew_mean_ms".
 * @return 0 or -errno
 */
int sc_sources_write(struct sc_sources *s, FILE *f);

/**
 * Parse one snapshot line back (for sealctl stats).
 * @return 0, or -EINVAL for a line that is not a source line.
 */
int sc_sources_parse_line(const char *line, struct sc_source_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_SOURCES_H */

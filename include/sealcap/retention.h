/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_RETENTION_H
#define SEALCAP_RETENTION_H

/**
 * @file
 * Retention (docs/FORMAT.md, "Retention"): the writer removes the oldest
 * whole segments when they were last written longer ago than a limit or the
 * segments take more than a limit, and seals a retention event that says so.
 *
 * Only a prefix of segments goes (the oldest first), never the newest
 * segment (the one being written).  STORE/leaves and STORE/checkpoints
 * stay whole, so the log tree and every checkpoint still verify: the leaf
 * of a removed block is kept, its bytes are not.  Before a file is removed,
 * the event is appended to the store on the store's own lane
 * (SC_STORE_LANE), in clear, and synced:
 *
 *     {"event":"retention","reason":"max-store-bytes",
 *      "segments":["00000000","00000001"],"blocks":42,"log_index":"0..41",
 *      "bytes":1048832,"first_time":"...","last_time":"...",
 *      "kept_from":{"segment":"00000002","log_index":42},
 *      "lanes":[{"lane":2,"block":17,"record":340,"index":38,"hash":"..."}]}
 *
 * "kept_from" is cumulative (everything before it is gone, by this event or
 * earlier ones), so the newest event alone describes the pruned prefix;
 * "lanes" carries the chain state of every lane whose newest block is in a
 * removed segment, so the lane chains continue after a restart and verify
 * can tie them to the leaves.  A crash after the event and before the
 * files go leaves files an event already names: verify reports them as
 * pending, the next pass removes them again.
 *
 * sc_store_prune belongs to the writer (like sc_store_append).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/hash.h>
#include <sealcap/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The lane of the store's own events (never an engine lane). */
#define SC_STORE_LANE 63
/** Segments removed by one pass at most (the rest go at the next one). */
#define SC_PRUNE_MAX_SEGMENTS 1000

/** What to keep.  A zero field is no limit. */
struct sc_retention {
	/**
	 * Remove a closed segment last written longer ago than this: its
	 * file's modification time, or the writer's clock at its last block.
	 */
	double max_age_s;
	uint64_t max_bytes;      /**< remove the oldest segments while they take more */
};

/** What a pass removed. */
struct sc_prune_result {
	uint32_t segments;           /**< files removed */
	uint32_t first_segment, last_segment;
	uint64_t blocks;             /**< blocks in them */
	uint64_t first_index;        /**< their log indexes: [first_index, first_index + blocks) */
	uint64_t bytes;              /**< file bytes freed */
	uint64_t event_index;        /**< log index of the block holding the event */
	const char *reason;          /**< "retention-days" or "max-store-bytes" */
};

/**
 * One retention pass at time @p now_ns (ns, UTC): choose the oldest
 * segments past the limits (a prefix, never the newest segment), seal the
 * retention event and sync it, then remove the files and sync the
 * directory.
 * @return 1 when segments were removed (@p res says which), 0 when nothing
 *         was due, or a negative errno (@p errbuf says what; files that
 *         the event names but that could not be removed stay, and the
 *         next pass tries again).
 */
int sc_store_prune(struct sc_store *s, const struct sc_retention *p, int64_t now_ns,
		   struct sc_prune_result *res, char *errbuf, size_t errlen);

/** A lane's chain where the removed segments end. */
struct sc_lane_anchor {
	uint32_t lane;
	uint64_t next_block_seq;     /**< its next block's sequence */
	uint64_t next_rec_seq;       /**< its next record's sequence */
	uint64_t index;              /**< log index of its newest block */
	uint8_t hash[SC_HASH_LEN];   /**< that block's hash (the leaf at index) */
};

/** A retention event, parsed. */
struct sc_retention_event {
	uint32_t kept_segment;       /**< segments below this one are gone */
	uint64_t kept_index;         /**< log entries below this one are gone */
	uint64_t blocks;             /**< removed by this event */
	unsigned nlanes;
	struct sc_lane_anchor lanes[SC_STORE_MAX_LANES];
};

/**
 * Parse the raw bytes of an engine event record.
 * @return 1 for a well-formed retention event, 0 for another event,
 *         -EBADMSG for a retention event that is malformed.
 */
int sc_retention_parse(const uint8_t *raw, size_t len, struct sc_retention_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_RETENTION_H */

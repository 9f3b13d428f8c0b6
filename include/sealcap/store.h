/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_STORE_H
#define SEALCAP_STORE_H

/**
 * @file
 * The store on disk, and the one library that writes and reads it.
 *
 *     STORE/store.json        identity (origin, format version, creation)
 *     STORE/segments/NNNNNNNN.seg
 *                             append-only: a 128-byte segment header, then
 *                             blocks (header + stored payload) back to back
 *
 * The store identity is SHA-256 of the bytes of store.json.  Every segment
 * header repeats it and every lane's chain starts from it, so an edited
 * store.json breaks them all.  Segment files are opened O_APPEND and never
 * rewritten.
 *
 * Writing (sc_store_open + sc_store_append) belongs to one writer thread.
 * Reading (sc_store_reader_*) is independent of any writer and may run while
 * the engine appends; it sees the blocks complete at the time of each read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>
#include <sealcap/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_SEG_HDR_LEN 128u
#define SC_SEG_MAGIC "SCSEGMNT"
#define SC_STORE_MAX_LANES 64
#define SC_SEGMENT_BYTES_DEFAULT (256ull << 20)
#define SC_SEGMENT_SECONDS_DEFAULT 3600

/** fsync policy of the writer. */
enum sc_fsync {
	SC_FSYNC_BLOCK = 0,    /**< fdatasync after every block */
	SC_FSYNC_INTERVAL = 1, /**< at most fsync_ms after a block is written */
	SC_FSYNC_NONE = 2,     /**< leave it to the kernel (and to shutdown) */
};

struct sc_store_opts {
	const char *dir;
	const char *origin;        /**< store name for new stores; NULL: hostname */
	uint64_t segment_bytes;    /**< rotate when a segment reaches this */
	uint32_t segment_seconds;  /**< rotate when a segment is this old; 0: never */
	enum sc_fsync fsync;
	uint32_t fsync_ms;
};

/** Where each lane's chain stands (restored from the store at open). */
struct sc_lane_state {
	uint64_t next_block_seq;
	uint64_t next_rec_seq;
	uint8_t last_hash[SC_HASH_LEN];
};

struct sc_store;

/**
 * Open a store for appending, creating it when @p o->dir holds none.
 * Reads every block header of an existing store to restore the lane chains
 * and the log index.  Refuses a damaged tail (verify it first).
 * @return 0, or a negative errno (-ENOTDIR, -EEXIST: a directory that is not
 *         a store and not empty, -EBADMSG: damaged store, -ENOMEM, I/O).
 *         On failure @p errbuf says what, naming the file.
 */
int sc_store_open(const struct sc_store_opts *o, struct sc_store **out,
		  char *errbuf, size_t errlen);

/** Lane chain state after open (lane < SC_STORE_MAX_LANES). */
const struct sc_lane_state *sc_store_lane(const struct sc_store *s, uint32_t lane);

/**
 * Append one sealed block.  Fills in h->block_seq, h->log_index, h->segment,
 * h->prev_hash and h->block_hash, then writes header and payload in one
 * write.  Rotates first when the segment is full or old.
 * @return 0 or a negative errno; on error nothing of the block remains in
 *         the segment (a partial write is truncated away).
 */
int sc_store_append(struct sc_store *s, struct sc_block_hdr *h,
		    const uint8_t *stored);

/** Close the current segment; the next append starts a new one. */
int sc_store_rotate(struct sc_store *s);

/** fdatasync the open segment if anything is unsynced. @return 0 / -errno */
int sc_store_sync(struct sc_store *s);

/** Run the interval fsync policy; call at least every fsync_ms. */
int sc_store_tick(struct sc_store *s, int64_t now_ns);

/** Blocks appended so far (the log size). */
uint64_t sc_store_size(const struct sc_store *s);
/** Blocks known to be on stable storage. */
uint64_t sc_store_synced(const struct sc_store *s);
/** Bytes written to segments by this writer. */
uint64_t sc_store_bytes(const struct sc_store *s);

/** Sync and close; NULL accepted.  @return 0 or the last error. */
int sc_store_close(struct sc_store *s);

/* ---- reading ------------------------------------------------------------ */

struct sc_store_reader;

/** Where a reader stands. */
struct sc_store_pos {
	uint32_t segment;  /**< segment number */
	uint64_t offset;   /**< byte offset of the block in the segment file */
	uint64_t index;    /**< blocks read so far, from 0 */
};

/**
 * Open a store for reading.
 * @return reader or NULL with errno set; @p errbuf says why.
 */
struct sc_store_reader *sc_store_reader_open(const char *dir, char *errbuf,
					     size_t errlen);
void sc_store_reader_close(struct sc_store_reader *r);

/** The store identity, SHA-256 of store.json. */
const uint8_t *sc_store_reader_id(const struct sc_store_reader *r);
/** The origin name from store.json. */
const char *sc_store_reader_origin(const struct sc_store_reader *r);
/** Number of segment files found. */
uint32_t sc_store_reader_segments(const struct sc_store_reader *r);

/**
 * Read the next block: header (shape and hash checked) and its stored
 * bytes.  @p stored stays valid until the next call.
 * @return 1 on a block, 0 at the end of the store, or -1 on damage, with
 *         @p err and @p pos saying what and where.  After damage inside a
 *         segment the reader moves on to the next segment.
 */
int sc_store_read(struct sc_store_reader *r, struct sc_block_hdr *h,
		  const uint8_t **stored, struct sc_store_pos *pos,
		  enum sc_error *err);

/** Segment numbers the reader found, in order (for verify). */
const uint32_t *sc_store_reader_segment_list(const struct sc_store_reader *r);

/**
 * Move to the block at byte @p offset of segment @p segment (an offset that
 * sc_store_read or an index gave; SC_SEG_HDR_LEN is the first block).  The
 * next sc_store_read reads that block and goes on through later segments.
 * Seeking again within the open segment re-reads its size, so a reader can
 * follow a segment the engine is still appending to.
 * @return 0; -ENOENT when the reader knows no such segment (see
 *         sc_store_reader_rescan); -EBADMSG or -EIO with @p err saying what
 *         is wrong with the segment (header damaged, unreadable).
 */
int sc_store_seek(struct sc_store_reader *r, uint32_t segment, uint64_t offset,
		  enum sc_error *err);

/**
 * List the segment files again (a live store starts new ones).  The reader
 * keeps its place.  @return 0 or a negative errno.
 */
int sc_store_reader_rescan(struct sc_store_reader *r);

/* ---- verification -------------------------------------------------------- */

/** One problem found by verify. */
struct sc_verify_issue {
	enum sc_error err;
	uint32_t segment;
	uint64_t offset;     /**< byte offset in the segment file */
	int64_t block;       /**< log index of the block, -1 if unknown */
	uint32_t lane;
	int64_t record;      /**< record index in the block, -1 if none */
	char detail[160];
};

struct sc_verify_result {
	uint64_t blocks;
	uint64_t records;     /**< all records, engine events included */
	uint64_t events;      /**< of which engine events (SC_REC_EVENT) */
	uint64_t raw_bytes;
	uint64_t stored_bytes;
	uint32_t segments;
	uint32_t lanes;
	uint64_t issues;
	int64_t first_ns, last_ns;
};

typedef void (*sc_verify_fn)(const struct sc_verify_issue *i, void *arg);

/**
 * Check a whole store: segment headers, every block header hash, payload
 * digests, decompression, every record and Merkle root, lane chains and
 * block sequence, the store log index.
 * @return 0 when intact, 1 when damaged (each problem passed to @p fn),
 *         or a negative errno when the store cannot be read at all.
 */
int sc_verify(const char *dir, struct sc_verify_result *res, sc_verify_fn fn,
	      void *arg, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_STORE_H */

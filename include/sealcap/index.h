/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_INDEX_H
#define SEALCAP_INDEX_H

/**
 * @file
 * Index sidecars: STORE/index/NNNNNNNN.idx, one per segment.
 *
 * An index file is a 128-byte header bound to one segment file (its number,
 * its header hash, the store identity), then one fixed-size entry per block
 * of that segment, in the order of the blocks.  An entry summarises its
 * block for search: where it is, its log index and lane, receive-time and
 * message-time range, severity, facility and charset masks, and Bloom
 * filters of the hostnames, app-names and source addresses of its records.
 * docs/FORMAT.md gives the bytes.
 *
 * The index is a cache.  It is never synced (everything in it can be
 * recomputed from the segment), verify never reads it, and search only
 * uses it to rule blocks out: a block the index cannot rule out is read
 * and every record is matched exactly.  A missing, torn, outdated or
 * foreign index is detected at load (sc_index_load) and the part that does
 * not check is not used; `sealctl rebuild-index` rewrites every sidecar.
 *
 * The writer side (sc_index_writer_*) is called by the store library after
 * each block it appends, from the writer thread; it decompresses the block
 * to summarise its records (one LZ4 pass per block, no per-record syscall
 * or allocation).  The same function builds the entries of a rebuild, so a
 * rebuilt index is byte-identical to one written live.
 *
 * Nothing here is thread-safe across threads sharing one object; distinct
 * objects may be used concurrently.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>
#include <sealcap/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_INDEX_MAGIC "SCSEGIDX"
#define SC_INDEX_VERSION 1
#define SC_INDEX_HDR_LEN 128u
#define SC_INDEX_ENTRY_LEN 800u

/* Bloom filter sizes (bits) and probes per key; fixed by SC_INDEX_VERSION. */
#define SC_INDEX_HOST_BITS 2048u
#define SC_INDEX_APP_BITS 1024u
#define SC_INDEX_SRC_BITS 2048u
#define SC_INDEX_PROBES 4u
/** Keys longer than this are hashed on their first SC_INDEX_KEY_MAX bytes. */
#define SC_INDEX_KEY_MAX 255u

/** Entry flags. */
#define SC_IXE_OPAQUE (1u << 0) /**< payload not summarised (encrypted or
				     unreadable): Blooms and charset mask are
				     all ones, so search always reads it */
#define SC_IXE_NOPRI  (1u << 1) /**< a record without a valid PRI */
#define SC_IXE_EVENTS (1u << 2) /**< engine event records */

/** One index entry, decoded. */
struct sc_index_entry {
	uint64_t log_index;
	uint64_t offset;          /**< of the block header in the segment file */
	uint32_t lane;
	uint32_t block_flags;     /**< the block header's flags */
	uint64_t block_seq;
	uint64_t first_seq;
	uint32_t count;
	uint32_t stored_len;
	uint32_t payload_len;
	uint32_t facility_mask;   /**< bit f: a record of facility f */
	uint8_t severity_mask;    /**< bit s: a record of severity s */
	uint8_t charset_mask;     /**< bit c: a record of charset c (syslog.h) */
	uint8_t flags;            /**< SC_IXE_* */
	uint8_t codec;
	int64_t first_ns;         /**< earliest receive time */
	int64_t last_ns;          /**< latest receive time */
	int64_t msg_first_ns;     /**< earliest message timestamp, or SC_TIME_NONE */
	int64_t msg_last_ns;      /**< latest message timestamp, or SC_TIME_NONE */
	uint8_t block_hash[SC_HASH_LEN];
	uint8_t host[SC_INDEX_HOST_BITS / 8];
	uint8_t app[SC_INDEX_APP_BITS / 8];
	uint8_t src[SC_INDEX_SRC_BITS / 8];
};

/* ---- entries ---------------------------------------------------------- */

struct sc_index_builder;

/** Scratch for building entries (a decompression buffer that grows).
 *  @return builder, or NULL with errno ENOMEM. */
struct sc_index_builder *sc_index_builder_new(void);
void sc_index_builder_free(struct sc_index_builder *b);

/**
 * Summarise one block.  Decompresses @p stored (the payload digest is not
 * checked: search reads a candidate block whole and checks it then) and
 * walks its records.  A block that cannot be read (encrypted, does not
 * decompress, malformed record) gets SC_IXE_OPAQUE, never an error:
 * search then always reads it and reports what is wrong.
 * @return 0, or -ENOMEM (e is then unusable).
 */
int sc_index_entry_make(struct sc_index_builder *b, const struct sc_block_hdr *h,
			uint64_t offset, const uint8_t *stored, struct sc_index_entry *e);

/** Serialize an entry, with its check value. */
void sc_index_entry_encode(struct sc_hasher *hs, const struct sc_index_entry *e,
			   uint8_t out[SC_INDEX_ENTRY_LEN]);
/** Decode an entry.  @return false when its check value does not match. */
bool sc_index_entry_decode(struct sc_hasher *hs, const uint8_t in[SC_INDEX_ENTRY_LEN],
			   struct sc_index_entry *e);

/*
 * Bloom probes: may a block hold a record with this hostname / app-name
 * (compared ASCII case-insensitively, as search matches them) or with a
 * source address inside addr/bits (addr IPv6, IPv4 as ::ffff:a.b.c.d with
 * bits = 96 + prefix)?  false: certainly not.  A prefix too short to be
 * indexed answers true.
 */
bool sc_index_host_maybe(const struct sc_index_entry *e, const char *s, size_t len);
bool sc_index_app_maybe(const struct sc_index_entry *e, const char *s, size_t len);
bool sc_index_src_maybe(const struct sc_index_entry *e, const uint8_t addr[16],
			unsigned bits);

/* ---- the writer's hook ------------------------------------------------ */

struct sc_index_writer;

/**
 * Index appender of a store's writer.  @p store_id is the store identity.
 * @return writer, or NULL with errno (ENOMEM).
 */
struct sc_index_writer *sc_index_writer_new(const char *dir,
					    const uint8_t store_id[SC_HASH_LEN]);

/**
 * Add the block just appended at @p offset of segment h->segment.  Opens
 * (truncating) the segment's index file when the block is the segment's
 * first.  Never fails the caller: on an error the segment's index stops
 * where it is (search reads the rest of the segment by its block headers)
 * and sc_index_writer_errors() counts it.
 */
void sc_index_writer_append(struct sc_index_writer *w, const struct sc_block_hdr *h,
			    uint64_t offset, const uint8_t *stored);

/** Errors met so far (index files left short). */
uint64_t sc_index_writer_errors(const struct sc_index_writer *w);

/** Close; NULL accepted. */
void sc_index_writer_free(struct sc_index_writer *w);

/**
 * Remove the index file of @p segment (retention removed the segment).
 * An index of a segment that is gone is never used, so a failure only
 * leaves a stale file for rebuild-index to clear.
 * @return 0 (also when there was none) or a negative errno.
 */
int sc_index_remove(const char *dir, uint32_t segment);

/* ---- loading ---------------------------------------------------------- */

/** What sc_index_load found. */
enum sc_index_state {
	SC_IX_OK = 0,     /**< every block of the segment is indexed */
	SC_IX_BEHIND,     /**< a valid prefix; blocks after it are not indexed */
	SC_IX_MISSING,    /**< no index file */
	SC_IX_BAD,        /**< index file of another segment, or damaged: unused */
};

/** One segment's usable index. */
struct sc_index_seg {
	uint32_t segment;
	enum sc_index_state state;
	uint64_t seg_size;      /**< size of the segment file at load */
	uint64_t first_log;     /**< log index of the segment's first block */
	uint64_t covered;       /**< end offset of the last usable entry's block
				     (SC_SEG_HDR_LEN when none) */
	uint32_t n;             /**< usable entries */
	struct sc_index_entry *e;
	char why[200];          /**< for SC_IX_BEHIND / SC_IX_BAD: what */
};

/**
 * Load and check the index of @p segment against the segment file: header
 * binding (store identity, segment number, segment header hash, first log
 * index), each entry's check value, contiguous log indexes and offsets,
 * entries within the file, and the last usable entry's block hash against
 * the block header on disk.  Entries after the first that fails are not
 * used.  A partial entry at the end (being written) is ignored silently.
 * @return 0 (see out->state), or a negative errno when the segment itself
 *         cannot be read (-ENOENT, -EBADMSG: bad segment header, -ENOMEM).
 */
int sc_index_load(const char *dir, uint32_t segment, const uint8_t store_id[SC_HASH_LEN],
		  struct sc_index_seg *out);

/** Free the entries of a loaded index (the struct itself is the caller's). */
void sc_index_seg_release(struct sc_index_seg *ix);

/* ---- rebuilding ------------------------------------------------------- */

struct sc_index_rebuild_result {
	uint32_t segments;      /**< index files written */
	uint64_t blocks;        /**< entries written */
	uint32_t damaged;       /**< segments whose index stops at damage */
	uint32_t removed;       /**< index files of absent segments removed */
};

/** Damage met while rebuilding: segment, offset and error. */
typedef void (*sc_index_damage_fn)(uint32_t segment, uint64_t offset, enum sc_error err,
				   void *arg);

/**
 * Rewrite STORE/index/ from the segments: each file is written whole under
 * a temporary name and renamed into place.  A segment with damage gets the
 * entries of its blocks before the damage.  Index files of segments that
 * no longer exist are removed.  Run it on a store no engine is writing:
 * an engine keeps appending to the old index of its open segment, which
 * the rename has unlinked (search then reads those blocks' headers).
 * @return 0, or a negative errno (@p errbuf says what).
 */
int sc_index_rebuild(const char *dir, struct sc_index_rebuild_result *res,
		     sc_index_damage_fn fn, void *arg, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_INDEX_H */

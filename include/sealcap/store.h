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
 *     STORE/leaves            the log tree's leaves: block i's hash at 32*i
 *     STORE/checkpoints       signed checkpoints (checkpoint.h), append-only
 *     STORE/keys/             public keys: epoch certificates (keys.h)
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

/**
 * store.json format_version: 1 = segments only; 2 = with the log tree
 * (leaves, checkpoints, keys/); 3 = may also hold encrypted blocks
 * (crypt.h: key id and run salt in the header) and may have been pruned by
 * retention (retention.h).  Block and segment encodings did not change
 * shape: their own version fields stay SC_FORMAT_VERSION (1).  A store
 * keeps the version it was created with; encryption and retention need 3.
 */
#define SC_STORE_VERSION 3
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
struct sc_signer;
struct sc_trust;
struct sc_keyring;

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
/** What opening the store cut from a torn tail (crash recovery). */
struct sc_store_recovery {
	bool happened;
	uint32_t segment;        /**< the newest segment, where the tail was torn */
	uint64_t offset;         /**< cut here (0: the segment was removed) */
	uint64_t cut_bytes;      /**< bytes cut */
	enum sc_error reason;    /**< why the tail was not a whole block */
};
/**
 * The torn tail sc_store_open cut after a crash, or NULL when the store
 * was whole.  The engine seals it as a "recovery" event.
 */
const struct sc_store_recovery *sc_store_recovered(const struct sc_store *s);
/** Bytes written to segments by this writer. */
uint64_t sc_store_bytes(const struct sc_store *s);

/** Tree size of the newest checkpoint (found at open, or written since). */
uint64_t sc_store_signed(const struct sc_store *s);
/** Checkpoints written by this writer. */
uint64_t sc_store_checkpoints(const struct sc_store *s);
/** Root of the log tree over every block appended so far. */
void sc_store_root(const struct sc_store *s, uint8_t out[SC_HASH_LEN]);
/** The store's origin (store.json), the first line of its checkpoints. */
const char *sc_store_origin(const struct sc_store *s);
/** store.json's format_version (1..SC_STORE_VERSION). */
int sc_store_version(const struct sc_store *s);
/** The store directory. */
const char *sc_store_dir(const struct sc_store *s);

/**
 * Sign a checkpoint of the whole log tree with @p sg and append it to
 * STORE/checkpoints, when the tree grew since the last one.  Blocks and
 * leaves are synced first and the checkpoint after, so no crash can leave a
 * checkpoint that covers blocks the disk does not have.
 * @return 1 written, 0 nothing new to sign, or a negative errno (@p errbuf).
 */
int sc_store_checkpoint(struct sc_store *s, struct sc_signer *sg, char *errbuf,
			size_t errlen);

/**
 * Publish a public key file as STORE/keys/@p name (0640, synced).
 * @return 0 (also when the same bytes are already there), -EEXIST when
 *         another file has that name, or -errno.
 */
int sc_store_put_key(struct sc_store *s, const char *name, const char *data, size_t len);

/** Sync and close; NULL accepted.  @return 0 or the last error. */
int sc_store_close(struct sc_store *s);

/**
 * Read STORE/leaves whole.  *out (free() it) gets *n leaves; *stray is the
 * number of bytes after the last whole leaf (a torn write, or damage).
 * @return 0, -ENOENT when there is no leaves file, or -errno.
 */
int sc_store_leaves_load(const char *dir, uint8_t (**out)[SC_HASH_LEN], uint64_t *n,
			 uint64_t *stray);

/** Read STORE/checkpoints whole (free() it).  @return 0, -ENOENT, -errno. */
int sc_store_checkpoints_load(const char *dir, char **buf, size_t *len);

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
/** store.json's format_version (1 or SC_STORE_VERSION). */
int sc_store_reader_version(const struct sc_store_reader *r);
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

/**
 * Keys to decrypt encrypted blocks with (crypt.h); NULL: none.  The reader
 * borrows @p keys: keep them until the reader is closed.
 */
void sc_store_reader_set_keys(struct sc_store_reader *r, struct sc_keyring *keys);

/**
 * The payload (serialized records) of the block sc_store_read just gave:
 * digest checked, decrypted with the reader's keys when encrypted,
 * decompressed.  @p payload points into the reader and stays valid until
 * the next call of either function.
 * @return SC_E_OK, or what sc_block_open_keys returns (SC_E_ENCRYPTED: no
 *         keys; SC_E_KEY_UNKNOWN: none of them is the block's key).
 */
enum sc_error sc_store_reader_payload(struct sc_store_reader *r, const struct sc_block_hdr *h,
				      const uint8_t *stored, const uint8_t **payload);

/* ---- verification -------------------------------------------------------- */

/** Which file a verify issue is in. */
enum sc_verify_file {
	SC_VF_SEGMENT = 0,   /**< segments/NNNNNNNN.seg (segment says which) */
	SC_VF_LEAVES,        /**< leaves */
	SC_VF_CHECKPOINTS,   /**< checkpoints */
	SC_VF_KEYS,          /**< keys/ (or the pinned keys) */
	SC_VF_STORE,         /**< the store as a whole */
};

/** One problem found by verify. */
struct sc_verify_issue {
	enum sc_error err;
	enum sc_verify_file file;
	uint32_t segment;
	uint64_t offset;     /**< byte offset in the file */
	int64_t block;       /**< log index of the block, -1 if unknown */
	uint32_t lane;
	int64_t record;      /**< record index in the block, -1 if none */
	char detail[160];
};

struct sc_verify_result {
	uint64_t blocks;
	uint64_t records;     /**< all records, engine events included */
	uint64_t events;      /**< of which engine events (SC_REC_EVENT) */
	uint64_t recoveries;  /**< of which "recovery" events (crash tails cut) */
	uint64_t write_lost;  /**< records lost to write errors, as blocks declare */
	uint64_t raw_bytes;
	uint64_t stored_bytes;
	uint32_t segments;
	uint32_t lanes;
	uint64_t issues;
	int64_t first_ns, last_ns;
	/* the log tree */
	int store_version;      /**< store.json format_version */
	uint64_t leaves;        /**< entries in STORE/leaves */
	uint64_t tree_size;     /**< leaves, plus blocks the file does not list yet */
	uint64_t checkpoints;   /**< checkpoints whose signature verified */
	uint64_t signed_size;   /**< tree size of the newest verified checkpoint */
	uint64_t unsigned_blocks;  /**< blocks after it: sealed, not yet signed */
	uint64_t unsigned_records;
	bool keys_pinned;       /**< signatures checked against caller's keys */
	char signer[256];       /**< key name on the newest verified checkpoint */
	/* encryption at rest */
	uint64_t encrypted_blocks;    /**< blocks whose payload is encrypted */
	uint64_t unread_blocks;       /**< of which not opened: no key given */
	uint64_t unread_records;      /**< their records (header counts) */
	uint64_t wrong_key_blocks;    /**< of which not opened: under another key */
	uint64_t wrong_key_records;
	uint8_t key_ids[4][8];        /**< key ids of the encrypted blocks (first 4) */
	unsigned nkey_ids;            /**< distinct key ids seen (up to 4 listed) */
	/* retention (retention.h) */
	uint64_t pruned_blocks;       /**< log entries 0..n-1 removed (their leaves stay) */
	uint32_t pruned_segments;     /**< segment files 0..n-1 removed */
	uint64_t retention_events;    /**< retention events read */
	char retention_first[48];     /**< record id "B.N" of the oldest one read */
	char retention_last[48];      /**< ... and of the newest */
	uint64_t pending_blocks;      /**< named removed by an event, still there (a pass cut short) */
};

/** Options of sc_verify_ex. */
struct sc_verify_opts {
	/**
	 * Keys to check checkpoints with (sc_trust_add_pubkey); NULL: the
	 * epoch certificates in STORE/keys/, which vouch only for themselves.
	 * Verify adds the store's certificates to it that a pinned master
	 * signed.
	 */
	struct sc_trust *trust;
	/**
	 * Keys to decrypt encrypted payloads with (crypt.h); NULL: none.
	 * Without the block's key, an encrypted block is checked up to its
	 * payload digest (header, chain, log tree, signatures) and counted in
	 * unread_blocks or wrong_key_blocks; that is not damage.  A tag that
	 * fails with the right key is (SC_E_DECRYPT).
	 */
	struct sc_keyring *keys;
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

/**
 * sc_verify, and the log tree: STORE/leaves against every block hash,
 * blocks the leaves list but no segment holds (cut from the end), every
 * checkpoint's signature (with @p o->trust when given), its origin, and its
 * root against the tree at its size.  sc_verify is this with no options.
 */
int sc_verify_ex(const char *dir, const struct sc_verify_opts *o,
		 struct sc_verify_result *res, sc_verify_fn fn, void *arg, char *errbuf,
		 size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_STORE_H */

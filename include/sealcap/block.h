/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_BLOCK_H
#define SEALCAP_BLOCK_H

/**
 * @file
 * Blocks: the unit of sealing.
 *
 * A block holds records of one lane.  Its payload is the records back to back
 * (record.h), compressed with LZ4 when that saves space.  The 320-byte header
 * (docs/FORMAT.md) carries the summaries search needs, the clock the records
 * were stamped with, the Merkle root of the records (RFC 9162), a SHA-256 of
 * the stored payload, the hash of the lane's previous block, and its own
 * hash, which is the block's leaf in the store-wide log tree:
 *
 *     block_hash = SHA-256(0x00 || header[0 .. 288))
 *
 * With encryption at rest (crypt.h) the stored payload is the LZ4 output
 * encrypted with AES-256-GCM; the header then also carries the key id, the
 * run salt, the nonce and the tag, and its digest is over the ciphertext.
 *
 * Building a block (sc_block_builder_*) belongs to one sealer lane; reading
 * one (sc_block_hdr_decode, sc_block_open) is pure and safe on hostile input.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/error.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_BLOCK_MAGIC 0x4b4c4253u /* "SBLK" little-endian */
#define SC_FORMAT_VERSION 1
#define SC_BLOCK_HDR_LEN 320u
#define SC_BLOCK_HASHED_LEN 288u   /* header bytes covered by block_hash */

/** Which clock stamped the records. */
enum sc_clock_source {
	SC_CLOCK_REALTIME = 0, /**< CLOCK_REALTIME, one reading per RX burst */
	SC_CLOCK_PHC = 1,      /**< PTP hardware clock /dev/ptpN */
	SC_CLOCK_NIC = 2,      /**< per-packet NIC receive timestamp */
	SC_CLOCK_CAPTURE = 3,  /**< times taken from a capture file */
	SC_CLOCK_ENGINE = 4,   /**< engine events: the engine's own clock */
};

/** What the kernel says of the clock's synchronisation (adjtimex). */
enum sc_clock_sync {
	SC_SYNC_UNKNOWN = 0,
	SC_SYNC_UNSYNCED = 1, /**< STA_UNSYNC or TIME_ERROR */
	SC_SYNC_SYNCED = 2,   /**< kernel clock disciplined (NTP/PTP daemon) */
	SC_SYNC_NA = 3,       /**< not applicable (capture file replay) */
};

enum sc_codec { SC_CODEC_NONE = 0, SC_CODEC_LZ4 = 1 };
enum sc_cipher { SC_CIPHER_NONE = 0, SC_CIPHER_AES256GCM = 1 };

/** Clock quality stamped into every block. */
struct sc_clock_info {
	uint8_t source;      /**< enum sc_clock_source */
	uint8_t sync;        /**< enum sc_clock_sync */
	uint32_t max_err_us; /**< adjtimex maxerror, UINT32_MAX if unknown */
	uint32_t est_err_us; /**< adjtimex esterror, UINT32_MAX if unknown */
};

/** A block header, decoded. */
struct sc_block_hdr {
	uint32_t lane;
	uint32_t flags;
	uint64_t block_seq;   /**< position in the lane, from 0 */
	uint64_t log_index;   /**< position in the store-wide log, from 0 */
	uint64_t first_seq;   /**< lane sequence number of the first record */
	/**
	 * Records of this lane lost to write errors just before this block
	 * (their sequence numbers are skipped; set by the store writer, which
	 * alone knows; sealed under the block hash like every field).
	 */
	uint64_t lost;
	uint32_t count;       /**< records */
	uint32_t segment;     /**< segment number the block is written in */
	uint64_t raw_bytes;   /**< sum of the records' raw message bytes */
	uint32_t payload_len; /**< serialized records, before compression */
	uint32_t stored_len;  /**< bytes that follow the header on disk */
	int64_t first_ns;     /**< earliest receive time */
	int64_t last_ns;      /**< latest receive time */
	struct sc_clock_info clock;
	uint8_t codec;
	uint8_t cipher;
	uint8_t severity_mask; /**< bit s: a record of severity s */
	uint8_t key_epoch;
	uint32_t facility_mask; /**< bit f: a record of facility f */
	uint8_t nonce[12];     /**< AES-GCM nonce (cipher 1) */
	uint8_t tag[16];       /**< AES-GCM tag (cipher 1) */
	uint8_t key_id[8];     /**< encryption key id (cipher 1) */
	uint8_t salt[16];      /**< run salt of the block's AES key (cipher 1) */
	uint8_t host_bloom[32]; /**< 256-bit Bloom filter of hostnames */
	uint8_t root[SC_HASH_LEN];
	uint8_t payload_hash[SC_HASH_LEN];
	uint8_t prev_hash[SC_HASH_LEN];
	uint8_t block_hash[SC_HASH_LEN];
};

/** Block flags. */
#define SC_BLK_EVENTS (1u << 0) /**< holds engine event records */

/** Serialize a header (block_hash copied as it is in @p h). */
void sc_block_hdr_encode(const struct sc_block_hdr *h, uint8_t out[SC_BLOCK_HDR_LEN]);

/**
 * Decode and check a header's shape: magic, version, length, codec.
 * Does not check block_hash (see sc_block_hash).
 * @return SC_E_OK, SC_E_BLK_MAGIC or SC_E_CODEC.
 */
enum sc_error sc_block_hdr_decode(const uint8_t in[SC_BLOCK_HDR_LEN],
				  struct sc_block_hdr *h);

/**
 * The AES-GCM associated data of an encrypted block: the first 288 header
 * bytes of @p h with the fields a sealer lane cannot know yet or that the
 * encryption produces set to zero (block sequence, log index, segment,
 * tag, payload digest, previous block hash: docs/FORMAT.md).  Those are
 * covered by the block hash instead.
 */
void sc_block_aad(const struct sc_block_hdr *h, uint8_t out[SC_BLOCK_HASHED_LEN]);

/** The block hash of a serialized header (RFC 9162 leaf of its first 288 bytes). */
void sc_block_hash(struct sc_hasher *hs, const uint8_t hdr[SC_BLOCK_HDR_LEN],
		   uint8_t out[SC_HASH_LEN]);

/** Host Bloom filter: add, and test whether a host may be present. */
void sc_block_bloom_add(uint8_t bloom[32], const uint8_t *s, size_t len);
bool sc_block_bloom_maybe(const uint8_t bloom[32], const uint8_t *s, size_t len);

/** Largest payload a block built with @p block_bytes may have. */
size_t sc_block_payload_max(size_t block_bytes);

/* ---- building (one sealer lane) --------------------------------------- */

struct sc_block_builder;
struct sc_block_cipher;
struct sc_keyring;

/**
 * @param lane         lane number stamped into the header
 * @param block_bytes  close the block once this much raw data is in it
 * @return builder, or NULL with errno ENOMEM / EINVAL.
 */
struct sc_block_builder *sc_block_builder_new(uint32_t lane, size_t block_bytes);
void sc_block_builder_free(struct sc_block_builder *b);

/**
 * Append a record (r->seq is assigned by the builder from its lane
 * sequence).  Copies r->raw.
 * @return 0, or -E2BIG when the record does not fit the open block: seal
 *         first, then add again (a raw_len above SC_REC_RAW_MAX never fits).
 */
int sc_block_add(struct sc_block_builder *b, struct sc_record *r);

/** True when the block has reached block_bytes and should be sealed. */
bool sc_block_full(const struct sc_block_builder *b);
/** Records in the open block. */
uint32_t sc_block_count(const struct sc_block_builder *b);
/** Next lane sequence number the builder will assign. */
uint64_t sc_block_next_seq(const struct sc_block_builder *b);
/** Continue the lane's record numbering after a restart. */
void sc_block_builder_resume(struct sc_block_builder *b, uint64_t next_rec_seq);

/**
 * Encrypt the blocks this builder seals with @p c (crypt.h; NULL: stop
 * encrypting).  Every block that holds a received message is encrypted; a
 * block of engine events only (SC_REC_EVENT records: counts, times, segment
 * numbers, never message bytes) is left in clear so that verify can read
 * retention and gap events without the key.  The builder does not own @p c.
 */
void sc_block_builder_set_cipher(struct sc_block_builder *b, struct sc_block_cipher *c);

/**
 * Throw the open block away (its records are lost; the caller counts them)
 * and give its record numbers out again, so the lane's numbering has no
 * hole.
 */
void sc_block_builder_drop(struct sc_block_builder *b);

/** True when the open block holds records and all of them are engine events. */
bool sc_block_events_only(const struct sc_block_builder *b);

/**
 * Close the open block: Merkle root, compression, encryption when a cipher
 * is set, payload digest.  Fills
 * @p h (all but block_seq, log_index, segment, prev_hash and block_hash:
 * the writer sets those, in the order it appends) and writes the stored payload to @p stored, which must hold
 * sc_block_stored_max() bytes.  The builder is then empty.
 * @return 0, -ENODATA when the block is empty, or -EIO when encryption
 *         failed (the builder keeps the block: seal again or drop it).
 */
int sc_block_seal(struct sc_block_builder *b, const struct sc_clock_info *clock,
		  struct sc_block_hdr *h, uint8_t *stored);

/** Size of the @p stored buffer sc_block_seal needs. */
size_t sc_block_stored_max(const struct sc_block_builder *b);

/* ---- reading ------------------------------------------------------------ */

/**
 * Whether the header's lengths can be true: stored in clear, payload and
 * stored lengths are equal; LZ4 expands at most 255 times (one byte of
 * match length adds 255 bytes of output) and within LZ4's input limit.
 * Readers call it before allocating payload_len bytes: a header that passes
 * its hash check can still be forged, and must not make an auditor's tools
 * allocate gigabytes.
 * @return SC_E_OK, SC_E_PAYLOAD_LEN or SC_E_CODEC.
 */
enum sc_error sc_block_check_lengths(const struct sc_block_hdr *h);

/**
 * Check a block's stored bytes against its header and recover the payload:
 * payload digest, decompression, payload length.  An encrypted block gives
 * SC_E_ENCRYPTED once its digest checked (use sc_block_open_keys).
 * @param payload  receives h->payload_len bytes; must hold that many
 * @return SC_E_OK, SC_E_PAYLOAD_HASH, SC_E_ENCRYPTED, SC_E_CODEC,
 *         SC_E_DECOMPRESS or SC_E_PAYLOAD_LEN.
 */
enum sc_error sc_block_open(struct sc_hasher *hs, const struct sc_block_hdr *h,
			    const uint8_t *stored, uint8_t *payload, size_t cap);

/**
 * sc_block_open with decryption keys (NULL: none).  The digest is checked
 * first, over the stored (encrypted) bytes.
 * @return as sc_block_open, and for an encrypted block: SC_E_ENCRYPTED
 *         without keys, SC_E_KEY_UNKNOWN when none of @p keys is the key
 *         it was encrypted with, SC_E_DECRYPT when its tag fails with the
 *         right key (sc_keyring_decrypt), SC_E_NOMEM.
 */
enum sc_error sc_block_open_keys(struct sc_hasher *hs, struct sc_keyring *keys,
				 const struct sc_block_hdr *h, const uint8_t *stored,
				 uint8_t *payload, size_t cap);

/**
 * Walk the records of an opened payload and check them against the header:
 * record shape, count, contiguous sequence numbers, times within range and
 * the Merkle root.  @p leaves is scratch for h->count hashes.  When @p bad
 * is not NULL it receives the index of the first bad record.
 */
enum sc_error sc_block_check_records(struct sc_hasher *hs, const struct sc_block_hdr *h,
				     const uint8_t *payload, uint8_t (*leaves)[SC_HASH_LEN],
				     uint32_t *bad);

/** Callback form of record iteration over an opened payload. */
typedef int (*sc_record_fn)(const struct sc_record *r, uint32_t index, void *arg);
/**
 * Call @p fn for each record; stops early when fn returns non-zero and
 * returns that value.  @return 0, fn's value, or -EBADMSG on a bad record.
 */
int sc_block_foreach(const uint8_t *payload, size_t len, sc_record_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_BLOCK_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_SEARCH_H
#define SEALCAP_SEARCH_H

/**
 * @file
 * Searching a store: the record iteration behind `sealctl search`, `tail`
 * (and evidence export, which takes the same hits).
 *
 * A search gathers candidate blocks first: each segment's index sidecar
 * (index.h) rules blocks out by receive-time range, severity, facility and
 * charset masks and the hostname, app-name and source-address Bloom
 * filters; blocks no index covers are judged by their header alone (time
 * range and masks).  Only candidates are read, checked (header hash,
 * payload digest, decompression, record shapes) and their records matched
 * exactly against the query: the index only rules out, it never decides a
 * match.
 *
 * Order: SC_ORDER_TIME delivers hits in receive-time order across lanes,
 * ties broken by record ID, exactly, whatever the lanes' clocks did: a block
 * is opened once no record of an unopened block can come earlier (its
 * first receive time, a lower bound from its header, is past the next
 * hit), so memory holds only the blocks whose time ranges overlap.
 * SC_ORDER_STORE is block order (fastest; for counting).
 *
 * Damage met on the way (a block whose header, payload or records do not
 * check, a segment whose header does not) is reported through the note
 * callback with its location and the search goes on; the records of a
 * damaged block are not delivered.  Index problems (missing, behind,
 * unusable) are notes too: the search is then slower, never different.
 *
 * Encrypted blocks (crypt.h) are read with the keys of the query's keyring.
 * One the search cannot open, because no key was given or none given is its
 * key, is not damage: it is noted as SC_NOTE_ENCRYPTED and counted in
 * sc_search_stats.encrypted, and the search goes on without its records
 * (the search is then incomplete).  A block whose tag fails with the right
 * key is damage.
 *
 * A struct sc_search is used by one thread at a time.
 */

#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>
#include <sealcap/error.h>
#include <sealcap/index.h>
#include <sealcap/record.h>
#include <sealcap/text.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Values one filter takes at most (they are ORed). */
#define SC_QUERY_MAX 16

struct sc_keyring;

/** An address prefix: IPv6, or IPv4 as ::ffff:a.b.c.d with bits = 96 + len. */
struct sc_prefix {
	uint8_t addr[16];
	uint8_t bits;
};

/**
 * What to find.  Filters are ANDed; the values of one filter are ORed.
 * Zeroed, with from_ns = INT64_MIN and to_ns = INT64_MAX, it matches every
 * received record (engine events only with @c events).
 */
struct sc_query {
	int64_t from_ns;          /**< receive time >= from_ns */
	int64_t to_ns;            /**< receive time <= to_ns */
	const char *host[SC_QUERY_MAX];  /**< HOSTNAME equal to one, ASCII case-insensitive */
	unsigned nhost;
	const char *app[SC_QUERY_MAX];   /**< APP-NAME (BSD TAG) equal to one, likewise */
	unsigned napp;
	struct sc_prefix src[SC_QUERY_MAX]; /**< source address inside one */
	unsigned nsrc;
	uint8_t severity;         /**< bit s: severity s wanted; 0: no filter */
	uint32_t facility;        /**< bit f: facility f wanted; 0: no filter */
	const char *grep;         /**< substring of the message text, or NULL */
	size_t grep_len;
	bool icase;               /**< grep ignores ASCII case */
	/**
	 * Regular expression matched against the message text, or NULL;
	 * compiled by the caller with REG_EXTENDED | REG_NOSUB (and
	 * REG_ICASE if wanted), in a UTF-8 LC_CTYPE.
	 */
	const regex_t *regex;
	bool events;              /**< also engine event records */
	/**
	 * Keys for encrypted blocks (crypt.h), or NULL: none (such blocks are
	 * then noted as SC_NOTE_ENCRYPTED, not read).  Borrowed: the caller
	 * keeps it, unchanged, until the search is closed, and uses it in no
	 * other thread meanwhile (a keyring is not thread-safe).
	 */
	struct sc_keyring *keys;
};

/*
 * "Message text" is the whole raw message: its bytes as stored for ASCII,
 * UTF-8 and binary records, converted from CP932 to UTF-8 for Shift_JIS
 * records, so a UTF-8 needle finds Japanese text in either encoding.
 */

enum sc_order {
	SC_ORDER_STORE = 0, /**< block order, records in block order */
	SC_ORDER_TIME,      /**< receive time, then record ID, ascending */
	SC_ORDER_TIME_DESC, /**< the same, descending (for "the last N") */
};

/** One record found. */
struct sc_hit {
	const struct sc_record *r;     /**< valid during the callback only */
	const struct sc_block_hdr *h;  /**< its block's header */
	uint64_t block;                /**< record ID: block log index ... */
	uint32_t index;                /**< ... and index in the block */
	uint32_t segment;              /**< where the block is */
	uint64_t offset;
	/**
	 * The block's whole checked payload (h->payload_len bytes), valid
	 * during the callback only: what a proof of the record needs (its
	 * block's record tree) without reading the block again.  NULL in a
	 * hit kept by a caller past its callback.
	 */
	const uint8_t *payload;
};

/** @return 0 to go on, anything else stops the search (returned by it). */
typedef int (*sc_hit_fn)(const struct sc_hit *hit, void *arg);

enum sc_note_kind {
	SC_NOTE_DAMAGE = 0,   /**< damaged block or segment: not searched */
	SC_NOTE_INCOMPLETE,   /**< newest segment ends inside a block (being
				   written, or cut by a crash): not searched */
	SC_NOTE_INDEX,        /**< a segment's index is missing, behind or
				   unusable: its blocks were judged by header */
	SC_NOTE_INDEX_STALE,  /**< an index entry does not describe the block at
				   its offset: blocks it ruled out may have
				   matched (rebuild the index) */
	SC_NOTE_ENCRYPTED,    /**< encrypted block not searched: err is
				   SC_E_ENCRYPTED (no keys given) or
				   SC_E_KEY_UNKNOWN (none of the keys given is
				   its key, whose id is in key_id) */
};

struct sc_search_note {
	enum sc_note_kind kind;
	enum sc_error err;           /**< DAMAGE, INCOMPLETE */
	enum sc_index_state ix;      /**< INDEX */
	uint32_t segment;
	uint64_t offset;             /**< byte offset in the segment, 0: whole segment */
	int64_t block;               /**< log index, -1 unknown */
	int64_t lane;                /**< -1 unknown */
	const char *detail;          /**< more words, or "" */
	uint8_t key_id[8];           /**< ENCRYPTED: the block's key id */
};

typedef void (*sc_search_note_fn)(const struct sc_search_note *n, void *arg);

struct sc_search_stats {
	uint32_t segments;        /**< segments looked at */
	uint32_t segments_indexed; /**< of which with a usable index (whole or part) */
	uint64_t blocks;          /**< blocks considered */
	uint64_t blocks_indexed;  /**< of which judged by an index entry */
	uint64_t skip_time;       /**< ruled out by receive-time range */
	uint64_t skip_mask;       /**< ... by severity, facility or charset mask */
	uint64_t skip_bloom;      /**< ... by a Bloom filter */
	uint64_t blocks_read;     /**< read, checked and decompressed */
	uint64_t bytes_read;      /**< stored bytes of those */
	uint64_t raw_bytes;       /**< raw message bytes of those */
	uint64_t records;         /**< records matched against the query */
	uint64_t matches;         /**< records that matched (delivered) */
	uint64_t damaged;         /**< damage notes */
	uint64_t index_notes;     /**< index notes */
	uint64_t encrypted;       /**< encrypted blocks not read (ENCRYPTED notes):
				       their records were not matched */
};

/** Where a search or a follow stands: the next block to read. */
struct sc_search_pos {
	uint32_t segment;
	uint64_t offset;
};

struct sc_search;

/**
 * Prepare a search of the store in @p dir.  The query is copied, but the
 * strings and the regex it points to must outlive the search.
 * @return search, or NULL with errno (ENOENT, EBADMSG: not a store;
 *         ENOMEM) and @p errbuf saying what.
 */
struct sc_search *sc_search_open(const char *dir, const struct sc_query *q,
				 char *errbuf, size_t errlen);
void sc_search_close(struct sc_search *s);

/** Where notes go (default: nowhere; stats still count them). */
void sc_search_on_note(struct sc_search *s, sc_search_note_fn fn, void *arg);

/**
 * Run the search: gather candidates over the store as it is now, then read
 * them in @p order and deliver each match to @p fn (NULL: only count).
 * @param limit  stop after this many hits (0: no limit)
 * @return 0 when done, the non-zero value @p fn returned, or a negative
 *         errno (-ENOMEM; -EIO when the segment list cannot be read).
 */
int sc_search_run(struct sc_search *s, enum sc_order order, uint64_t limit,
		  sc_hit_fn fn, void *arg);

/** Counters of the runs and follows so far. */
const struct sc_search_stats *sc_search_stats(const struct sc_search *s);

/**
 * The first block the last run did not consider: after the last complete
 * block of the newest segment it saw.  A follow started there misses and
 * repeats nothing.
 */
void sc_search_end(const struct sc_search *s, struct sc_search_pos *pos);

/**
 * Follow the store from @p pos: every @p poll_ms, read the blocks appended
 * since (through new segments as the engine rotates), and deliver their
 * matches, each block's in receive-time order.  A block still being
 * written is waited for.  @p pos is kept up to date.
 * @param stop  polled between reads; the follow returns 0 once it is set
 * @return 0, fn's non-zero value, or a negative errno.
 */
int sc_search_follow(struct sc_search *s, struct sc_search_pos *pos, unsigned poll_ms,
		     const volatile sig_atomic_t *stop, sc_hit_fn fn, void *arg);

/** Does one record match the query (the exact test every hit passed)? */
bool sc_search_match(struct sc_search *s, const struct sc_record *r);

/**
 * A record's message as UTF-8 text, rendered by sc_text_render (text.h)
 * with the search's own renderer: Shift_JIS (CP932) converted with
 * iconv(3), UTF-8 and ASCII checked, binary records decoded as UTF-8 as
 * far as they are.  The stored bytes are never changed.
 * @return the text (NUL-terminated; valid until the next call on @p s,
 *         sc_search_match included), its length in @p len; NULL when out
 *         of memory.
 */
const char *sc_search_text(struct sc_search *s, const struct sc_record *r,
			   enum sc_text_mode mode, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_SEARCH_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <rte_branch_prediction.h>
#include <rte_jhash.h>

#include <sealcap/block.h>
#include <sealcap/crypt.h>

#include "le.h"

/* Header byte layout; docs/FORMAT.md mirrors this table. */
enum {
	H_MAGIC = 0,      /* u32 "SBLK" */
	H_VERSION = 4,    /* u16 */
	H_HDRLEN = 6,     /* u16 320 */
	H_LANE = 8,       /* u32 */
	H_FLAGS = 12,     /* u32 */
	H_BLOCKSEQ = 16,  /* u64 */
	H_LOGINDEX = 24,  /* u64 */
	H_FIRSTSEQ = 32,  /* u64 */
	H_COUNT = 40,     /* u32 */
	H_SEGMENT = 44,   /* u32 */
	H_RAWBYTES = 48,  /* u64 */
	H_PAYLEN = 56,    /* u32 */
	H_STORED = 60,    /* u32 */
	H_FIRSTNS = 64,   /* i64 */
	H_LASTNS = 72,    /* i64 */
	H_CLKSRC = 80,    /* u8 */
	H_CLKSYNC = 81,   /* u8 */
	H_CODEC = 82,     /* u8 */
	H_CIPHER = 83,    /* u8 */
	H_MAXERR = 84,    /* u32 us */
	H_ESTERR = 88,    /* u32 us */
	H_FACMASK = 92,   /* u32 */
	H_SEVMASK = 96,   /* u8 */
	H_KEYEPOCH = 97,  /* u8 */
	H_LOST = 98,      /* u48 records of the lane lost to write errors before it */
	H_NONCE = 104,    /* 12 */
	H_TAG = 116,      /* 16 */
	/* 132..135 reserved, zero */
	H_BLOOM = 136,    /* 32 */
	H_ROOT = 168,     /* 32 */
	H_PAYHASH = 200,  /* 32 */
	H_PREV = 232,     /* 32 */
	H_KEYID = 264,    /* 8 encryption key id (cipher 1), else zero */
	H_SALT = 272,     /* 16 run salt (cipher 1), else zero */
	H_BLOCKHASH = 288 /* 32 */
};

_Static_assert(H_BLOCKHASH == SC_BLOCK_HASHED_LEN, "hashed part");
_Static_assert(H_BLOCKHASH + SC_HASH_LEN == SC_BLOCK_HDR_LEN, "header length");
_Static_assert(H_SALT + SC_ENC_SALT_LEN == H_BLOCKHASH, "encryption fields");

void
sc_block_hdr_encode(const struct sc_block_hdr *h, uint8_t o[SC_BLOCK_HDR_LEN])
{
	memset(o, 0, SC_BLOCK_HDR_LEN);
	put_u32(o + H_MAGIC, SC_BLOCK_MAGIC);
	put_u16(o + H_VERSION, SC_FORMAT_VERSION);
	put_u16(o + H_HDRLEN, SC_BLOCK_HDR_LEN);
	put_u32(o + H_LANE, h->lane);
	put_u32(o + H_FLAGS, h->flags);
	put_u64(o + H_BLOCKSEQ, h->block_seq);
	put_u64(o + H_LOGINDEX, h->log_index);
	put_u64(o + H_FIRSTSEQ, h->first_seq);
	put_u32(o + H_COUNT, h->count);
	put_u32(o + H_SEGMENT, h->segment);
	put_u64(o + H_RAWBYTES, h->raw_bytes);
	put_u32(o + H_PAYLEN, h->payload_len);
	put_u32(o + H_STORED, h->stored_len);
	put_u64(o + H_FIRSTNS, (uint64_t)h->first_ns);
	put_u64(o + H_LASTNS, (uint64_t)h->last_ns);
	o[H_CLKSRC] = h->clock.source;
	o[H_CLKSYNC] = h->clock.sync;
	o[H_CODEC] = h->codec;
	o[H_CIPHER] = h->cipher;
	put_u32(o + H_MAXERR, h->clock.max_err_us);
	put_u32(o + H_ESTERR, h->clock.est_err_us);
	put_u32(o + H_FACMASK, h->facility_mask);
	o[H_SEVMASK] = h->severity_mask;
	o[H_KEYEPOCH] = h->key_epoch;
	memcpy(o + H_NONCE, h->nonce, sizeof(h->nonce));
	memcpy(o + H_TAG, h->tag, sizeof(h->tag));
	memcpy(o + H_BLOOM, h->host_bloom, sizeof(h->host_bloom));
	memcpy(o + H_ROOT, h->root, SC_HASH_LEN);
	memcpy(o + H_PAYHASH, h->payload_hash, SC_HASH_LEN);
	memcpy(o + H_PREV, h->prev_hash, SC_HASH_LEN);
	memcpy(o + H_KEYID, h->key_id, sizeof(h->key_id));
	memcpy(o + H_SALT, h->salt, sizeof(h->salt));
	put_u48(o + H_LOST, h->lost);
	memcpy(o + H_BLOCKHASH, h->block_hash, SC_HASH_LEN);
}

void
sc_block_aad(const struct sc_block_hdr *h, uint8_t out[SC_BLOCK_HASHED_LEN])
{
	uint8_t o[SC_BLOCK_HDR_LEN];

	sc_block_hdr_encode(h, o);
	/* What the writer fills, and what encryption itself produces. */
	memset(o + H_BLOCKSEQ, 0, 8);
	memset(o + H_LOGINDEX, 0, 8);
	memset(o + H_SEGMENT, 0, 4);
	memset(o + H_TAG, 0, 16);
	memset(o + H_PAYHASH, 0, SC_HASH_LEN);
	memset(o + H_PREV, 0, SC_HASH_LEN);
	memcpy(out, o, SC_BLOCK_HASHED_LEN);
}

enum sc_error
sc_block_hdr_decode(const uint8_t in[SC_BLOCK_HDR_LEN], struct sc_block_hdr *h)
{
	if (get_u32(in + H_MAGIC) != SC_BLOCK_MAGIC ||
	    get_u16(in + H_VERSION) != SC_FORMAT_VERSION ||
	    get_u16(in + H_HDRLEN) != SC_BLOCK_HDR_LEN)
		return SC_E_BLK_MAGIC;
	h->lane = get_u32(in + H_LANE);
	h->flags = get_u32(in + H_FLAGS);
	h->block_seq = get_u64(in + H_BLOCKSEQ);
	h->log_index = get_u64(in + H_LOGINDEX);
	h->first_seq = get_u64(in + H_FIRSTSEQ);
	h->count = get_u32(in + H_COUNT);
	h->segment = get_u32(in + H_SEGMENT);
	h->raw_bytes = get_u64(in + H_RAWBYTES);
	h->payload_len = get_u32(in + H_PAYLEN);
	h->stored_len = get_u32(in + H_STORED);
	h->first_ns = (int64_t)get_u64(in + H_FIRSTNS);
	h->last_ns = (int64_t)get_u64(in + H_LASTNS);
	h->clock.source = in[H_CLKSRC];
	h->clock.sync = in[H_CLKSYNC];
	h->codec = in[H_CODEC];
	h->cipher = in[H_CIPHER];
	h->clock.max_err_us = get_u32(in + H_MAXERR);
	h->clock.est_err_us = get_u32(in + H_ESTERR);
	h->facility_mask = get_u32(in + H_FACMASK);
	h->severity_mask = in[H_SEVMASK];
	h->key_epoch = in[H_KEYEPOCH];
	memcpy(h->nonce, in + H_NONCE, sizeof(h->nonce));
	memcpy(h->tag, in + H_TAG, sizeof(h->tag));
	memcpy(h->host_bloom, in + H_BLOOM, sizeof(h->host_bloom));
	memcpy(h->root, in + H_ROOT, SC_HASH_LEN);
	memcpy(h->payload_hash, in + H_PAYHASH, SC_HASH_LEN);
	memcpy(h->prev_hash, in + H_PREV, SC_HASH_LEN);
	memcpy(h->key_id, in + H_KEYID, sizeof(h->key_id));
	memcpy(h->salt, in + H_SALT, sizeof(h->salt));
	h->lost = get_u48(in + H_LOST);
	memcpy(h->block_hash, in + H_BLOCKHASH, SC_HASH_LEN);
	if (h->codec > SC_CODEC_LZ4 || h->cipher > SC_CIPHER_AES256GCM)
		return SC_E_CODEC;
	return SC_E_OK;
}

void
sc_block_hash(struct sc_hasher *hs, const uint8_t hdr[SC_BLOCK_HDR_LEN], uint8_t out[SC_HASH_LEN])
{
	sc_hash_leaf(hs, hdr, SC_BLOCK_HASHED_LEN, out);
}

/*
 * rte_jhash_2hashes() loads the key as whole 32-bit words: unaligned on x86,
 * and up to 3 bytes past its end (then masked off).  A hostname can end at
 * the end of the caller's raw buffer, and bloom_maybe takes any string, so
 * this is the same hash with in-bounds loads: 12-byte rounds through memcpy
 * and the last round zero-padded, which is what the masks do.  The values
 * are those of rte_jhash_2hashes (test_block.c checks them against it).
 */
static void
jhash_2hashes(const uint8_t *k, uint32_t len, uint32_t *pc, uint32_t *pb)
{
	uint32_t a, b, c, w[3];

	a = b = c = RTE_JHASH_GOLDEN_RATIO + len + *pc;
	c += *pb;
	for (; len > 12; k += 12, len -= 12) {
		memcpy(w, k, 12);
		a += w[0];
		b += w[1];
		c += w[2];
		__rte_jhash_mix(a, b, c);
	}
	if (len > 0) {
		memset(w, 0, sizeof(w));
		memcpy(w, k, len);
		a += w[0];
		b += w[1];
		c += w[2];
		__rte_jhash_final(a, b, c);
	}
	*pc = c;
	*pb = b;
}

/* Two probes from one 64-bit jhash pair; k=3 suits ~20-50 hosts per block. */
static void
bloom_bits(const uint8_t *s, size_t len, unsigned bit[3])
{
	uint32_t a = 0x5ea1ca9, b = 0x10c5;

	jhash_2hashes(s, (uint32_t)len, &a, &b);
	bit[0] = a & 255;
	bit[1] = b & 255;
	bit[2] = (a >> 8 ^ b >> 16) & 255;
}

void
sc_block_bloom_add(uint8_t bloom[32], const uint8_t *s, size_t len)
{
	unsigned bit[3];

	bloom_bits(s, len, bit);
	for (int i = 0; i < 3; i++)
		bloom[bit[i] >> 3] |= (uint8_t)(1u << (bit[i] & 7));
}

bool
sc_block_bloom_maybe(const uint8_t bloom[32], const uint8_t *s, size_t len)
{
	unsigned bit[3];

	bloom_bits(s, len, bit);
	for (int i = 0; i < 3; i++)
		if (!(bloom[bit[i] >> 3] & (1u << (bit[i] & 7))))
			return false;
	return true;
}

/* ---- builder ------------------------------------------------------------- */

struct sc_block_builder {
	uint32_t lane;
	size_t block_bytes;   /* close threshold on raw bytes */
	size_t payload_cap;   /* hard cap on serialized bytes */
	size_t leaves_cap;
	struct sc_hasher *hs;
	void *lz4_state;
	uint8_t *payload;
	uint8_t (*leaves)[SC_HASH_LEN];
	struct sc_block_cipher *cipher;  /* NULL: blocks stay in clear */
	/* open block */
	struct sc_block_hdr h;
	size_t used;
	uint32_t events;        /* engine event records in it */
	uint64_t next_rec_seq;  /* lane record numbering */
};

/*
 * A block closes at block_bytes of raw data, or earlier when the serialized
 * payload (raw + 128 bytes per record) reaches twice that: tiny messages
 * would otherwise let headers grow the payload without bound.  One more
 * record of the largest size must always fit past the threshold.
 */
size_t
sc_block_payload_max(size_t block_bytes)
{
	return 2 * block_bytes + SC_REC_HDR_LEN + SC_REC_RAW_MAX;
}

struct sc_block_builder *
sc_block_builder_new(uint32_t lane, size_t block_bytes)
{
	struct sc_block_builder *b;

	if (block_bytes < 1024 || block_bytes > (256u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->lane = lane;
	b->block_bytes = block_bytes;
	b->payload_cap = sc_block_payload_max(block_bytes);
	b->leaves_cap = b->payload_cap / SC_REC_HDR_LEN + 1;
	b->hs = sc_hasher_new();
	b->lz4_state = malloc((size_t)LZ4_sizeofState());
	b->payload = malloc(b->payload_cap);
	b->leaves = malloc(b->leaves_cap * SC_HASH_LEN);
	if (b->hs == NULL || b->lz4_state == NULL || b->payload == NULL ||
	    b->leaves == NULL) {
		sc_block_builder_free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

void
sc_block_builder_free(struct sc_block_builder *b)
{
	if (b == NULL)
		return;
	sc_hasher_free(b->hs);
	free(b->lz4_state);
	free(b->payload);
	free(b->leaves);
	free(b);
}

size_t
sc_block_stored_max(const struct sc_block_builder *b)
{
	return (size_t)LZ4_compressBound((int)b->payload_cap);
}

int
sc_block_add(struct sc_block_builder *b, struct sc_record *r)
{
	struct sc_block_hdr *h = &b->h;
	size_t need = sc_record_size(r->raw_len);

	if (r->raw_len > SC_REC_RAW_MAX || b->used + need > b->payload_cap)
		return -E2BIG;
	/*
	 * Spans come from the parser.  One outside the raw bytes would make
	 * the stored record unreadable to verify, so a parser bug must cost a
	 * field offset, never the record: drop the span.
	 */
	for (int i = 0; i < SC_F_COUNT; i++)
		if (unlikely(r->field[i].off > r->raw_len ||
			     r->field[i].len > r->raw_len - r->field[i].off))
			r->field[i] = (struct sc_span){ 0, 0 };
	if (h->count == 0) {
		h->first_seq = b->next_rec_seq;
		h->first_ns = r->rx_ns;
		h->last_ns = r->rx_ns;
	}
	r->seq = b->next_rec_seq++;
	sc_record_encode(r, b->payload + b->used);
	sc_hash_leaf(b->hs, b->payload + b->used, need, b->leaves[h->count]);
	b->used += need;
	h->count++;
	h->raw_bytes += r->raw_len;
	if (r->rx_ns < h->first_ns)
		h->first_ns = r->rx_ns;
	if (r->rx_ns > h->last_ns)
		h->last_ns = r->rx_ns;
	if (r->pri >= 0 && r->pri <= 191) {
		h->severity_mask |= (uint8_t)(1u << (r->pri & 7));
		h->facility_mask |= 1u << (r->pri >> 3);
	}
	if (r->field[SC_F_HOSTNAME].len)
		sc_block_bloom_add(h->host_bloom, r->raw + r->field[SC_F_HOSTNAME].off,
				   r->field[SC_F_HOSTNAME].len);
	if (r->flags & SC_REC_EVENT) {
		h->flags |= SC_BLK_EVENTS;
		b->events++;
	}
	return 0;
}

bool
sc_block_full(const struct sc_block_builder *b)
{
	return b->h.raw_bytes >= b->block_bytes || b->used >= 2 * b->block_bytes;
}

uint32_t
sc_block_count(const struct sc_block_builder *b)
{
	return b->h.count;
}

uint64_t
sc_block_next_seq(const struct sc_block_builder *b)
{
	return b->next_rec_seq;
}

void
sc_block_builder_resume(struct sc_block_builder *b, uint64_t next_rec_seq)
{
	b->next_rec_seq = next_rec_seq;
}

void
sc_block_builder_set_cipher(struct sc_block_builder *b, struct sc_block_cipher *c)
{
	b->cipher = c;
}

void
sc_block_builder_drop(struct sc_block_builder *b)
{
	if (b->h.count)
		b->next_rec_seq = b->h.first_seq;
	memset(&b->h, 0, sizeof(b->h));
	b->used = 0;
	b->events = 0;
}

bool
sc_block_events_only(const struct sc_block_builder *b)
{
	return b->h.count > 0 && b->events == b->h.count;
}

int
sc_block_seal(struct sc_block_builder *b, const struct sc_clock_info *clock,
	      struct sc_block_hdr *out, uint8_t *stored)
{
	struct sc_block_hdr *h = &b->h;
	int clen;

	if (h->count == 0)
		return -ENODATA;
	h->lane = b->lane;
	h->payload_len = (uint32_t)b->used;
	h->clock = *clock;
	h->cipher = SC_CIPHER_NONE;
	sc_merkle_root(b->hs, b->leaves, h->count, h->root);

	clen = LZ4_compress_fast_extState(b->lz4_state, (const char *)b->payload,
					  (char *)stored, (int)b->used,
					  (int)sc_block_stored_max(b), 1);
	if (clen > 0 && (size_t)clen < b->used) {
		h->codec = SC_CODEC_LZ4;
		h->stored_len = (uint32_t)clen;
	} else {
		h->codec = SC_CODEC_NONE;
		h->stored_len = (uint32_t)b->used;
		memcpy(stored, b->payload, b->used);
	}
	/*
	 * Encrypt unless every record is an engine event: one received
	 * message in a block makes it secret.  The digest is over what is
	 * stored, so verify without the key still checks every byte.
	 */
	if (b->cipher != NULL && b->events != h->count &&
	    sc_block_cipher_seal(b->cipher, h, stored) != 0) {
		h->cipher = SC_CIPHER_NONE;
		return -EIO;
	}
	sc_sha256(b->hs, stored, h->stored_len, NULL, 0, h->payload_hash);

	*out = *h;
	memset(h, 0, sizeof(*h));
	b->used = 0;
	b->events = 0;
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

enum sc_error
sc_block_check_lengths(const struct sc_block_hdr *h)
{
	switch (h->codec) {
	case SC_CODEC_NONE:
		return h->stored_len == h->payload_len ? SC_E_OK : SC_E_PAYLOAD_LEN;
	case SC_CODEC_LZ4:
		if (h->payload_len > LZ4_MAX_INPUT_SIZE ||
		    (uint64_t)h->payload_len > (uint64_t)h->stored_len * 255 + 255)
			return SC_E_PAYLOAD_LEN;
		return SC_E_OK;
	default:
		return SC_E_CODEC;
	}
}

enum sc_error
sc_block_open(struct sc_hasher *hs, const struct sc_block_hdr *h,
	      const uint8_t *stored, uint8_t *payload, size_t cap)
{
	return sc_block_open_keys(hs, NULL, h, stored, payload, cap);
}

/* Decompress (or copy) a payload in clear into @p payload. */
static enum sc_error
block_decode(const struct sc_block_hdr *h, const uint8_t *stored, uint8_t *payload)
{
	switch (h->codec) {
	case SC_CODEC_NONE:
		if (h->stored_len != h->payload_len)
			return SC_E_PAYLOAD_LEN;
		/* An empty payload may come with no buffer: memcpy(NULL, ..., 0) is UB. */
		if (h->payload_len > 0 && stored != payload)
			memcpy(payload, stored, h->payload_len);
		return SC_E_OK;
	case SC_CODEC_LZ4: {
		int n = LZ4_decompress_safe((const char *)stored, (char *)payload,
					    (int)h->stored_len, (int)h->payload_len);
		if (n < 0)
			return SC_E_DECOMPRESS;
		if ((uint32_t)n != h->payload_len)
			return SC_E_PAYLOAD_LEN;
		return SC_E_OK;
	}
	default:
		return SC_E_CODEC;
	}
}

enum sc_error
sc_block_open_keys(struct sc_hasher *hs, struct sc_keyring *keys, const struct sc_block_hdr *h,
		   const uint8_t *stored, uint8_t *payload, size_t cap)
{
	uint8_t digest[SC_HASH_LEN];
	uint8_t *clear;
	enum sc_error e;

	sc_sha256(hs, stored, h->stored_len, NULL, 0, digest);
	if (memcmp(digest, h->payload_hash, SC_HASH_LEN) != 0)
		return SC_E_PAYLOAD_HASH;
	if (h->cipher != SC_CIPHER_NONE && h->cipher != SC_CIPHER_AES256GCM)
		return SC_E_CODEC;
	if (h->cipher != SC_CIPHER_NONE && keys == NULL)
		return SC_E_ENCRYPTED;
	e = sc_block_check_lengths(h);
	if (e != SC_E_OK)
		return e;
	if (h->payload_len > cap)
		return SC_E_PAYLOAD_LEN;
	if (h->cipher == SC_CIPHER_NONE)
		return block_decode(h, stored, payload);
	/* Stored in clear: decrypt straight into the payload. */
	if (h->codec == SC_CODEC_NONE)
		return sc_keyring_decrypt(keys, h, stored, payload);
	clear = malloc(h->stored_len ? h->stored_len : 1);
	if (clear == NULL)
		return SC_E_NOMEM;
	e = sc_keyring_decrypt(keys, h, stored, clear);
	if (e == SC_E_OK)
		e = block_decode(h, clear, payload);
	free(clear);
	return e;
}

enum sc_error
sc_block_check_records(struct sc_hasher *hs, const struct sc_block_hdr *h,
		       const uint8_t *payload, uint8_t (*leaves)[SC_HASH_LEN],
		       uint32_t *bad)
{
	uint8_t root[SC_HASH_LEN];
	size_t off = 0;
	uint32_t i = 0;
	enum sc_error err = SC_E_OK;

	while (off < h->payload_len) {
		struct sc_record r;
		size_t n = sc_record_decode(payload + off, h->payload_len - off, &r);

		if (n == 0) {
			err = SC_E_RECORD_FORMAT;
			goto out;
		}
		if (i >= h->count) {
			err = SC_E_RECORD_COUNT;
			goto out;
		}
		if (r.seq != h->first_seq + i) {
			err = SC_E_RECORD_SEQ;
			goto out;
		}
		if (r.rx_ns < h->first_ns || r.rx_ns > h->last_ns) {
			err = SC_E_RECORD_TIME;
			goto out;
		}
		sc_hash_leaf(hs, payload + off, n, leaves[i]);
		off += n;
		i++;
	}
	if (i != h->count) {
		err = SC_E_RECORD_COUNT;
		goto out;
	}
	sc_merkle_root(hs, leaves, h->count, root);
	if (memcmp(root, h->root, SC_HASH_LEN) != 0)
		err = SC_E_RECORD_ROOT;
out:
	if (bad != NULL)
		*bad = i;
	return err;
}

int
sc_block_foreach(const uint8_t *payload, size_t len, sc_record_fn fn, void *arg)
{
	size_t off = 0;
	uint32_t i = 0;

	while (off < len) {
		struct sc_record r;
		size_t n = sc_record_decode(payload + off, len - off, &r);
		int rc;

		if (n == 0)
			return -EBADMSG;
		rc = fn(&r, i++, arg);
		if (rc != 0)
			return rc;
		off += n;
	}
	return 0;
}

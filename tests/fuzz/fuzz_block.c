/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * One stored block, header and body, past its digests.  Input: 320 bytes of
 * header, then the stored bytes.  The harness gives the header the right
 * magic, stored length and payload digest (a forger can too: digests are
 * not secrets), so that decompression, decryption (the golden store's key
 * is loaded), record decoding, the record checks and the Merkle root are
 * reached by every input.  Checked: header decode/encode round trip, a
 * block whose lengths no codec can produce is refused before anything is
 * allocated for it (sc_block_check_lengths, by the opener too), record
 * decode/encode round trip, and sc_block_foreach agrees with
 * sc_block_check_records.
 */
#include <string.h>

#include <sealcap/block.h>
#include <sealcap/crypt.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>

#include "fuzz.h"

static struct sc_hasher *hs;
static struct sc_keyring *keys;

static void
check_record_codec(const uint8_t *p, size_t n)
{
	struct sc_record r, r2;
	size_t used = sc_record_decode(p, n, &r), len;
	uint8_t *a, *b;

	if (used == 0)
		return;
	FZ_CHECK(used == sc_record_size(r.raw_len) && used <= n);
	FZ_CHECK(r.raw == p + SC_REC_HDR_LEN);
	a = malloc(used);
	b = malloc(used);
	FZ_CHECK(a != NULL && b != NULL);
	len = sc_record_encode(&r, a);
	FZ_CHECK(len == used);
	FZ_CHECK(sc_record_decode(a, len, &r2) == len);
	FZ_CHECK(sc_record_encode(&r2, b) == len && memcmp(a, b, len) == 0);
	free(a);
	free(b);
}

static int
count_one(const struct sc_record *r, uint32_t index, void *arg)
{
	uint32_t *n = arg;

	FZ_CHECK(index == *n);
	FZ_CHECK(r->raw_len <= SC_REC_RAW_MAX);
	(*n)++;
	return 0;
}

FUZZ_TARGET(block)
{
	uint8_t hdr[SC_BLOCK_HDR_LEN], again[SC_BLOCK_HDR_LEN];
	struct sc_block_hdr h, h2;
	const uint8_t *stored = data + SC_BLOCK_HDR_LEN;
	size_t stored_len, cap;
	uint8_t *payload;
	enum sc_error e;

	if (hs == NULL) {
		hs = sc_hasher_new();
		keys = fz_golden_keys();
		FZ_CHECK(hs != NULL);
	}
	check_record_codec(data, size);
	if (size < SC_BLOCK_HDR_LEN)
		return 0;
	stored_len = size - SC_BLOCK_HDR_LEN;

	/* The header as given: any bytes decode or are refused, never crash. */
	memset(&h, 0, sizeof(h));
	if (sc_block_hdr_decode(data, &h) == SC_E_OK) {
		memset(&h2, 0, sizeof(h2));
		sc_block_hdr_encode(&h, again);
		FZ_CHECK(sc_block_hdr_decode(again, &h2) == SC_E_OK);
		FZ_CHECK(memcmp(&h, &h2, sizeof(h)) == 0);
	}

	/* The header a forger would write for these stored bytes. */
	memcpy(hdr, data, SC_BLOCK_HDR_LEN);
	memcpy(hdr, "SBLK", 4);
	hdr[4] = SC_FORMAT_VERSION;
	hdr[5] = 0;
	hdr[6] = SC_BLOCK_HDR_LEN & 0xff;
	hdr[7] = SC_BLOCK_HDR_LEN >> 8;
	memset(&h, 0, sizeof(h));
	if (sc_block_hdr_decode(hdr, &h) != SC_E_OK)
		return 0;
	h.stored_len = (uint32_t)stored_len;
	sc_sha256(hs, stored, stored_len, NULL, 0, h.payload_hash);

	/* Lengths first, as every reader does before allocating payload_len. */
	if (sc_block_check_lengths(&h) != SC_E_OK) {
		FZ_CHECK(sc_block_open_keys(hs, keys, &h, stored, NULL, 0) != SC_E_OK);
		return 0;
	}
	cap = h.payload_len;
	payload = malloc(cap ? cap : 1);
	FZ_CHECK(payload != NULL);
	e = sc_block_open_keys(hs, keys, &h, stored, payload, cap);
	if (e == SC_E_OK) {
		uint32_t n = 0, bad = UINT32_MAX;
		uint8_t (*leaves)[SC_HASH_LEN];
		enum sc_error rc;
		int fe;

		FZ_CHECK(h.payload_len <= cap);
		if (h.codec == SC_CODEC_NONE)
			FZ_CHECK(h.cipher != SC_CIPHER_NONE || memcmp(payload, stored, h.payload_len) == 0);
		check_record_codec(payload, h.payload_len);
		fe = sc_block_foreach(payload, h.payload_len, count_one, &n);
		if (h.count <= h.payload_len / SC_REC_HDR_LEN) {
			leaves = malloc(((size_t)h.count + 1) * SC_HASH_LEN);
			FZ_CHECK(leaves != NULL);
			rc = sc_block_check_records(hs, &h, payload, leaves, &bad);
			if (rc == SC_E_OK) {
				FZ_CHECK(fe == 0 && n == h.count);
			} else {
				FZ_CHECK(bad <= h.count);
			}
			free(leaves);
		}
	}
	free(payload);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "golden": the committed files of tests/data/golden/ pin format
 * version 1 byte for byte (docs/FORMAT.md).
 *
 *   record-v1.bin        one record, fixed fields
 *   block-header-v1.bin  one block header, fixed fields
 *   store-v1/            a complete store: 2 segments, 5 blocks, 2 lanes
 *   store-v2/, keys-v2/  format 2: the log tree, checkpoints, signing keys
 *   store-v3/, golden-enc.key
 *                        format 3: the blocks encrypted, segment 0 pruned
 *
 * The expected values below are written out by hand from FORMAT.md, not
 * taken from the engine or the fixture, so a change in the encoders, the
 * decoders, record serialization or Merkle hashing fails here.  The fixed
 * inputs (tests/golden/golden_fixture.h) are shared with the generator
 * (tests/golden/make_golden.c), which the tests never run; see
 * tests/data/golden/README.md.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <lz4.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/crypt.h>
#include <sealcap/error.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/log.h>
#include <sealcap/record.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#include "../golden/golden_fixture.h"

#ifndef SC_TEST_DATA
#error "SC_TEST_DATA must name tests/data"
#endif
#define GOLDEN SC_TEST_DATA "/golden"
#define STORE GOLDEN "/store-v1"

static struct sc_hasher *hs;

static void
setup(void)
{
	hs = sc_hasher_new();
	cr_assert_not_null(hs);
}

static void
teardown(void)
{
	sc_hasher_free(hs);
}

TestSuite(golden, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers --------------------------------------------------------------- */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert_not_null(f, "%s: cannot open (golden files missing?)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Little-endian reads straight from the bytes: the spec, not the engine. */
static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
unhex(const char *s, uint8_t out[SC_HASH_LEN])
{
	for (int i = 0; i < SC_HASH_LEN; i++) {
		unsigned v;

		cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
hexdump_diff(const char *what, const uint8_t *want, const uint8_t *got, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (want[i] != got[i]) {
			cr_log_error("%s: first difference at byte %zu: want %02x, got %02x", what, i,
				     want[i], got[i]);
			return;
		}
}

/* ---- manifest: the golden files themselves ------------------------------------ */

/*
 * SHA-256 and size of each golden file, as printed by make_golden.  A
 * regenerated file that differs must be a deliberate format change: update
 * this table together with the format version.
 */
static const struct {
	const char *name;
	size_t size;
	const char *sha256;
} manifest[] = {
	{ "record-v1.bin", 306, "b28a8dd9b346b8c336936e2e4027aa0a1c2a3693fd45be4ca27b248a7d4042e8" },
	{ "block-header-v1.bin", 320, "3a8f5d0590032c7bfce189eb482c4cb3b645ccb49db43a9def90043ab79fe058" },
	{ "store-v1/store.json", 209, "2467091e0c08a3dd080c8e0522635c6ad8b920cfeab72d8075c1b2df5100428e" },
	{ "store-v1/segments/00000000.seg", 2552, "64514be1fa672bae630e730bb7518f3acc3f87924b5de870021691a7e9ce013e" },
	{ "store-v1/segments/00000001.seg", 9170, "b02177e848b3017a127e4bf54aa421629f822c624915f27311d507d9c1c28ab8" },
	/* format 2: the log tree, checkpoints, keys */
	{ "keys-v2/master.pub", 76, "a5500cc1402914008e263c5ff78411481ade689c49a79720a60eb2c75fedff40" },
	{ "keys-v2/epochs.pub", 573, "2882602485ce3db240f496e74cb3abc40d2372ecbfd9f8eb8d7b7322421e3145" },
	{ "keys-v2/sign.key", 384, "b357a6e432d5c2b37b66a65f9bef9872df3a6d43ad3128a0ed266fae9dc1743b" },
	{ "store-v2/store.json", 209, "891beb2184f52bcb0d4cb6424d7d4c12908080a5909d590c0b0686c8263eea77" },
	{ "store-v2/segments/00000000.seg", 2552, "b9f9fe67f3bbf1002d7ff5590600eb27326858c9912d41988e257891aecd5c24" },
	{ "store-v2/segments/00000001.seg", 9170, "9953044552e3223e8e37649008a55eb896f94c82cc9d0f80410ac22b59c619cb" },
	{ "store-v2/leaves", 160, "7d57e914e77929edbb8b74edb0c20c08330110d02e112984be34a80b7139aa6c" },
	{ "store-v2/checkpoints", 358, "170ae564214068fa8069620c9d604284e167b6fb8766ee98f245f1b4ce5cdeb3" },
	{ "store-v2/keys/epochs-2882602485ce3db2.pub", 573, "2882602485ce3db240f496e74cb3abc40d2372ecbfd9f8eb8d7b7322421e3145" },
	/* format 3: encrypted blocks, a retention pass */
	{ "golden-enc.key", 95, "b536d2e7030aeddd7c54af4c089ca918e33fb73077c9877ecbc95791fce5c6e7" },
	{ "store-v3/store.json", 209, "982389db8c83ab873a83232ba40d59c2e818f24a7b2402560ec82ac4f076bf5a" },
	{ "store-v3/segments/00000001.seg", 9739, "a1ae638489aa0b235faa7f9d63e8fb39eba9b17515040bdd3f8a281dbc063522" },
	{ "store-v3/leaves", 192, "b66afc2acef629e71d26a949763d5dd32ff86b59da87f4ba7d20f34ef1b5ca4b" },
	{ "store-v3/checkpoints", 537, "59ed2121d047b7311bea117baed29ad6299544bdb51410f3c417763bbc775c0c" },
	{ "store-v3/keys/epochs-2882602485ce3db2.pub", 573, "2882602485ce3db240f496e74cb3abc40d2372ecbfd9f8eb8d7b7322421e3145" },
};

Test(golden, files_match_manifest)
{
	for (size_t i = 0; i < sizeof(manifest) / sizeof(manifest[0]); i++) {
		char path[512], got_hex[2 * SC_HASH_LEN + 1];
		uint8_t got[SC_HASH_LEN];
		size_t n;
		uint8_t *b;

		snprintf(path, sizeof(path), GOLDEN "/%s", manifest[i].name);
		b = slurp(path, &n);
		cr_expect_eq(n, manifest[i].size, "%s: %zu bytes, want %zu", manifest[i].name, n,
			     manifest[i].size);
		sc_sha256(hs, b, n, NULL, 0, got);
		sc_hash_hex(got, got_hex);
		cr_expect_str_eq(got_hex, manifest[i].sha256, "%s changed", manifest[i].name);
		free(b);
	}
}

/* ---- (1) record ------------------------------------------------------------------ */

static const struct sc_span want_spans[SC_F_COUNT] = {
	{ 0, 5 }, { 7, 24 }, { 32, 21 }, { 54, 8 }, { 63, 4 }, { 68, 4 }, { 73, 68 }, { 142, 36 },
};

Test(golden, record_bytes)
{
	static const uint8_t addr[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 20, 30, 40 };
	size_t n;
	uint8_t *file = slurp(GOLDEN "/record-v1.bin", &n);
	uint8_t *enc;
	struct sc_record r, fx;

	cr_assert_eq(n, 306);
	/* The layout of FORMAT.md "Record", read by hand. */
	cr_expect_eq(le(file + 0, 4), 306, "record length");
	cr_expect_eq(le(file + 4, 2), 128, "header length");
	cr_expect_eq(file[6], 1, "transport UDP");
	cr_expect_eq(file[7], 4, "family");
	cr_expect_eq(le(file + 8, 4), 0x104100, "flags BOM|KV|NIC_TIME");
	cr_expect_eq(le(file + 12, 2), 51514, "source port");
	cr_expect_eq(le(file + 14, 2), 514, "destination port");
	cr_expect_eq(le(file + 16, 8), UINT64_C(0x1122334455667788), "seq");
	cr_expect_eq(le(file + 24, 8), UINT64_C(1796403000123456789), "rx time");
	cr_expect_eq(le(file + 32, 8), UINT64_C(1065910455003000000), "message time");
	cr_expect(memcmp(file + 40, addr, 16) == 0, "address ::ffff:10.20.30.40");
	cr_expect_eq(le(file + 56, 2), 165, "PRI");
	cr_expect_eq(le(file + 58, 2), 1, "VERSION");
	cr_expect_eq(file[60], 1, "format RFC 5424");
	cr_expect_eq(file[61], 1, "charset UTF-8");
	cr_expect_eq(le(file + 62, 2), 0x10000 - 300, "tz -300 as u16");
	for (int f = 0; f < SC_F_COUNT; f++) {
		cr_expect_eq(le(file + 64 + 8 * f, 4), want_spans[f].off, "field %d offset", f);
		cr_expect_eq(le(file + 68 + 8 * f, 4), want_spans[f].len, "field %d length", f);
	}
	cr_expect(memcmp(file + 128, GOLDEN_RECORD_RAW, 178) == 0, "raw bytes as received");

	/* The encoder reproduces the file exactly. */
	golden_single_record(&fx);
	cr_assert_eq(sc_record_size(fx.raw_len), n);
	enc = malloc(n);
	cr_assert_not_null(enc);
	cr_expect_eq(sc_record_encode(&fx, enc), n);
	if (memcmp(enc, file, n) != 0)
		hexdump_diff("record-v1.bin", file, enc, n);
	cr_expect(memcmp(enc, file, n) == 0, "sc_record_encode no longer writes format v1");

	/* The decoder reads the file as the fields above. */
	cr_assert_eq(sc_record_decode(file, n, &r), n);
	cr_expect_eq(r.seq, UINT64_C(0x1122334455667788));
	cr_expect_eq(r.rx_ns, INT64_C(1796403000123456789));
	cr_expect_eq(r.msg_ns, INT64_C(1065910455003000000));
	cr_expect(memcmp(r.addr, addr, 16) == 0);
	cr_expect_eq(r.src_port, 51514);
	cr_expect_eq(r.dst_port, 514);
	cr_expect_eq(r.transport, SC_TRANSPORT_UDP);
	cr_expect_eq(r.family, 4);
	cr_expect_eq(r.flags, SC_SL_BOM | SC_SL_KV | SC_REC_NIC_TIME);
	cr_expect_eq(r.pri, 165);
	cr_expect_eq(r.version, 1);
	cr_expect_eq(r.format, SC_SYSLOG_RFC5424);
	cr_expect_eq(r.charset, SC_CHARSET_UTF8);
	cr_expect_eq(r.tz_min, -300);
	cr_expect_eq(r.raw_len, 178);
	cr_expect(r.raw == file + 128);
	for (int f = 0; f < SC_F_COUNT; f++) {
		cr_expect_eq(r.field[f].off, want_spans[f].off, "field %d", f);
		cr_expect_eq(r.field[f].len, want_spans[f].len, "field %d", f);
	}
	cr_expect(memcmp(r.raw + r.field[SC_F_HOSTNAME].off, "mymachine.example.com", 21) == 0);
	free(enc);
	free(file);
}

/* ---- (2) block header ---------------------------------------------------------------- */

Test(golden, block_header_bytes)
{
	size_t n;
	uint8_t *file = slurp(GOLDEN "/block-header-v1.bin", &n);
	uint8_t enc[SC_BLOCK_HDR_LEN], hash[SC_HASH_LEN];
	struct sc_block_hdr h, fx;

	cr_assert_eq(n, SC_BLOCK_HDR_LEN);
	/* FORMAT.md "Block", read by hand. */
	cr_expect(memcmp(file, "SBLK", 4) == 0, "magic");
	cr_expect_eq(le(file + 4, 2), 1, "version");
	cr_expect_eq(le(file + 6, 2), 320, "header length");
	cr_expect_eq(le(file + 8, 4), 7, "lane");
	cr_expect_eq(le(file + 12, 4), 1, "flags");
	cr_expect_eq(le(file + 16, 8), UINT64_C(0x0102030405060708), "block seq");
	cr_expect_eq(le(file + 24, 8), UINT64_C(0x1112131415161718), "log index");
	cr_expect_eq(le(file + 32, 8), UINT64_C(0x2122232425262728), "first seq");
	cr_expect_eq(le(file + 40, 4), 0x31323334, "count");
	cr_expect_eq(le(file + 44, 4), 0x41424344, "segment");
	cr_expect_eq(le(file + 48, 8), UINT64_C(0x5152535455565758), "raw bytes");
	cr_expect_eq(le(file + 56, 4), 0x61626364, "payload length");
	cr_expect_eq(le(file + 60, 4), 0x71727374, "stored length");
	cr_expect_eq(le(file + 64, 8), UINT64_C(1796403000000000000), "first ns");
	cr_expect_eq(le(file + 72, 8), UINT64_C(1796403060000000000), "last ns");
	cr_expect_eq(file[80], 1, "clock source PHC");
	cr_expect_eq(file[81], 2, "clock synchronised");
	cr_expect_eq(file[82], 1, "codec LZ4");
	cr_expect_eq(file[83], 0, "cipher none");
	cr_expect_eq(le(file + 84, 4), 0x81828384, "max error");
	cr_expect_eq(le(file + 88, 4), 0x91929394, "est error");
	cr_expect_eq(le(file + 92, 4), 0x00a1a2a3, "facility mask");
	cr_expect_eq(file[96], 0xb1, "severity mask");
	cr_expect_eq(file[97], 0xc1, "key epoch");
	for (int i = 98; i < 104; i++)
		cr_expect_eq(file[i], 0, "reserved byte %d", i);
	for (int i = 0; i < 12; i++)
		cr_expect_eq(file[104 + i], 0xd0 + i, "nonce byte %d", i);
	for (int i = 0; i < 16; i++)
		cr_expect_eq(file[116 + i], 0xe0 + i, "tag byte %d", i);
	for (int i = 132; i < 136; i++)
		cr_expect_eq(file[i], 0, "reserved byte %d", i);
	for (int i = 0; i < 32; i++) {
		cr_expect_eq(file[136 + i], i, "bloom byte %d", i);
		cr_expect_eq(file[168 + i], 0x20 + i, "root byte %d", i);
		cr_expect_eq(file[200 + i], 0x40 + i, "payload hash byte %d", i);
		cr_expect_eq(file[232 + i], 0x60 + i, "prev hash byte %d", i);
	}
	for (int i = 264; i < 288; i++)
		cr_expect_eq(file[i], 0, "reserved byte %d", i);
	/* block_hash = SHA-256(0x00 || header[0..288)), computed independently. */
	{
		uint8_t pre[1 + SC_BLOCK_HASHED_LEN];

		pre[0] = 0;
		memcpy(pre + 1, file, SC_BLOCK_HASHED_LEN);
		sc_sha256(hs, pre, sizeof(pre), NULL, 0, hash);
		cr_expect(memcmp(hash, file + 288, SC_HASH_LEN) == 0, "stored block hash");
	}
	sc_block_hash(hs, file, hash);
	cr_expect(memcmp(hash, file + 288, SC_HASH_LEN) == 0, "sc_block_hash disagrees");

	/* Encoder reproduces the bytes; decoder reads them back. */
	golden_single_header(&fx);
	memcpy(fx.block_hash, file + 288, SC_HASH_LEN);
	sc_block_hdr_encode(&fx, enc);
	if (memcmp(enc, file, n) != 0)
		hexdump_diff("block-header-v1.bin", file, enc, n);
	cr_expect(memcmp(enc, file, n) == 0, "sc_block_hdr_encode no longer writes format v1");

	cr_assert_eq(sc_block_hdr_decode(file, &h), SC_E_OK);
	cr_expect_eq(h.lane, 7);
	cr_expect_eq(h.flags, SC_BLK_EVENTS);
	cr_expect_eq(h.block_seq, UINT64_C(0x0102030405060708));
	cr_expect_eq(h.log_index, UINT64_C(0x1112131415161718));
	cr_expect_eq(h.first_seq, UINT64_C(0x2122232425262728));
	cr_expect_eq(h.count, 0x31323334);
	cr_expect_eq(h.segment, 0x41424344);
	cr_expect_eq(h.raw_bytes, UINT64_C(0x5152535455565758));
	cr_expect_eq(h.payload_len, 0x61626364);
	cr_expect_eq(h.stored_len, 0x71727374);
	cr_expect_eq(h.first_ns, INT64_C(1796403000000000000));
	cr_expect_eq(h.last_ns, INT64_C(1796403060000000000));
	cr_expect_eq(h.clock.source, SC_CLOCK_PHC);
	cr_expect_eq(h.clock.sync, SC_SYNC_SYNCED);
	cr_expect_eq(h.clock.max_err_us, 0x81828384);
	cr_expect_eq(h.clock.est_err_us, 0x91929394);
	cr_expect_eq(h.codec, SC_CODEC_LZ4);
	cr_expect_eq(h.cipher, SC_CIPHER_NONE);
	cr_expect_eq(h.facility_mask, 0x00a1a2a3);
	cr_expect_eq(h.severity_mask, 0xb1);
	cr_expect_eq(h.key_epoch, 0xc1);
	cr_expect(memcmp(h.nonce, file + 104, 12) == 0);
	cr_expect(memcmp(h.tag, file + 116, 16) == 0);
	cr_expect(memcmp(h.host_bloom, file + 136, 32) == 0);
	cr_expect(memcmp(h.root, file + 168, 32) == 0);
	cr_expect(memcmp(h.payload_hash, file + 200, 32) == 0);
	cr_expect(memcmp(h.prev_hash, file + 232, 32) == 0);
	cr_expect(memcmp(h.block_hash, file + 288, 32) == 0);
	free(file);
}

/* ---- (3) store ----------------------------------------------------------------------- */

/* What each block of store-v1 holds, from FORMAT.md and the fixture's design. */
#define T(s) (INT64_C(1796403000000000000) + INT64_C(1000000000) * (s))
static const struct {
	uint32_t lane;
	uint64_t block_seq;
	uint32_t segment;
	uint64_t offset;
	uint64_t first_seq;
	uint32_t count;
	uint8_t codec;
	uint32_t flags;
	int64_t first_ns, last_ns;
	uint64_t raw_bytes;
	uint32_t payload_len;
	uint8_t severity_mask;
	uint32_t facility_mask;
	struct sc_clock_info clock;
	int prev;                /* index of the lane's previous block, -1: store id */
	const char *hosts[3];
} want_blocks[] = {
	{ 0, 0, 0, 128, 0, 4, SC_CODEC_LZ4, 0, T(0), T(3), 488, 1000, 0x60,
	  (1u << 20) | (1u << 10) | (1u << 4), { 0, 2, 1500, 250 }, -1,
	  { "mri-3.radiology.example", "pacs-01" } },
	{ 3, 0, 0, 1087, 0, 3, SC_CODEC_LZ4, 0, T(4), T(6), 190, 574, 0x60,
	  (1u << 16) | (1u << 1), { 0, 2, 1500, 250 }, -1,
	  { "infusion-7", "nurse-station-2", "lab-analyzer-9" } },
	{ 0, 1, 0, 1852, 4, 3, SC_CODEC_LZ4, SC_BLK_EVENTS, T(7), T(9), 188, 572, 0x20,
	  1u << 20, { 0, 1, 16000000, 16000000 }, 0,
	  { "mri-3.radiology.example", "ups-2" } },
	{ 3, 1, 1, 128, 3, 1, SC_CODEC_NONE, 0, T(10), T(10), 8000, 8128, 0, 0,
	  { 1, 2, 2, 1 }, 1, { NULL } },
	{ 0, 2, 1, 8576, 7, 2, SC_CODEC_LZ4, 0, T(11), T(12), 165, 421, 0x48, 1u << 3,
	  { 2, 2, 3, 1 }, 2, { "dicom-gw-1" } },
};
#undef T
#define NBLOCKS (sizeof(want_blocks) / sizeof(want_blocks[0]))

static void
print_issue(const struct sc_verify_issue *i, void *arg)
{
	(void)arg;
	cr_log_error("verify: %s segment %u offset %" PRIu64 " block %" PRId64 ": %s",
		     sc_error_name(i->err), i->segment, i->offset, i->block, i->detail);
}

Test(golden, store_verifies_with_expected_counts)
{
	struct sc_verify_result res;
	char err[512] = "";
	int rc = sc_verify(STORE, &res, print_issue, NULL, err, sizeof(err));

	cr_expect_eq(rc, 0, "golden store does not verify: %d %s", rc, err);
	cr_expect_eq(res.issues, 0);
	cr_expect_eq(res.blocks, 5);
	cr_expect_eq(res.records, 13);
	cr_expect_eq(res.events, 1, "one engine event record (block 2)");
	cr_expect_eq(res.segments, 2);
	cr_expect_eq(res.lanes, 2);
	cr_expect_eq(res.raw_bytes, 9031);
	cr_expect_eq(res.stored_bytes, 11466, "5 x 320 header bytes + stored payloads");
	cr_expect_eq(res.first_ns, INT64_C(1796403000000000000));
	cr_expect_eq(res.last_ns, INT64_C(1796403012000000000));
}

Test(golden, store_identity_and_segment_headers)
{
	static const char id_hex[] =
		"2467091e0c08a3dd080c8e0522635c6ad8b920cfeab72d8075c1b2df5100428e";
	uint8_t id[SC_HASH_LEN], h[SC_HASH_LEN];
	char err[512] = "";
	struct sc_store_reader *r = sc_store_reader_open(STORE, err, sizeof(err));
	size_t n;
	uint8_t *json = slurp(STORE "/store.json", &n);

	cr_assert_not_null(r, "%s", err);
	unhex(id_hex, id);
	cr_expect(memcmp(sc_store_reader_id(r), id, SC_HASH_LEN) == 0,
		  "store identity is not SHA-256(store.json)");
	cr_expect_str_eq(sc_store_reader_origin(r), "sealcap/golden");
	cr_expect_eq(sc_store_reader_segments(r), 2);
	cr_expect(n == strlen(GOLDEN_STORE_JSON) && memcmp(json, GOLDEN_STORE_JSON, n) == 0,
		  "store.json is not the fixture's");
	free(json);
	sc_store_reader_close(r);

	for (uint32_t k = 0; k < 2; k++) {
		char path[512];
		uint8_t *seg;

		snprintf(path, sizeof(path), STORE "/segments/%08" PRIu32 ".seg", k);
		seg = slurp(path, &n);
		cr_assert_geq(n, SC_SEG_HDR_LEN);
		cr_expect(memcmp(seg, "SCSEGMNT", 8) == 0, "segment %u magic", k);
		cr_expect_eq(le(seg + 8, 2), 1, "segment %u version", k);
		cr_expect_eq(le(seg + 10, 2), 128, "segment %u header length", k);
		cr_expect_eq(le(seg + 12, 4), k, "segment number");
		cr_expect_eq(le(seg + 16, 8), UINT64_C(1796403000000000000) + k * UINT64_C(60000000000),
			     "segment %u creation time (fixed by make_golden)", k);
		cr_expect(memcmp(seg + 24, id, SC_HASH_LEN) == 0, "segment %u store identity", k);
		cr_expect_eq(le(seg + 56, 8), k == 0 ? 0 : 3, "segment %u first log index", k);
		for (int i = 64; i < 96; i++)
			cr_expect_eq(seg[i], 0, "segment %u reserved byte %d", k, i);
		sc_sha256(hs, seg, 96, NULL, 0, h);
		cr_expect(memcmp(seg + 96, h, SC_HASH_LEN) == 0, "segment %u header hash", k);
		/* The first block starts right after the header. */
		cr_expect(memcmp(seg + 128, "SBLK", 4) == 0, "segment %u: no block at 128", k);
		free(seg);
	}
}

Test(golden, store_block_headers_decode_to_expected_fields)
{
	char err[512] = "";
	struct sc_store_reader *r = sc_store_reader_open(STORE, err, sizeof(err));
	uint8_t hashes[NBLOCKS][SC_HASH_LEN];
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	size_t i = 0;
	int rc;

	cr_assert_not_null(r, "%s", err);
	while ((rc = sc_store_read(r, &h, &stored, &pos, &e)) == 1) {
		uint8_t digest[SC_HASH_LEN];

		cr_assert_lt(i, NBLOCKS, "more blocks than expected");
		cr_expect_eq(pos.index, i);
		cr_expect_eq(pos.segment, want_blocks[i].segment, "block %zu segment", i);
		cr_expect_eq(pos.offset, want_blocks[i].offset, "block %zu offset %" PRIu64, i,
			     pos.offset);
		cr_expect_eq(h.log_index, i, "block %zu log index", i);
		cr_expect_eq(h.segment, want_blocks[i].segment);
		cr_expect_eq(h.lane, want_blocks[i].lane, "block %zu lane", i);
		cr_expect_eq(h.block_seq, want_blocks[i].block_seq, "block %zu block seq", i);
		cr_expect_eq(h.first_seq, want_blocks[i].first_seq, "block %zu first seq", i);
		cr_expect_eq(h.count, want_blocks[i].count, "block %zu count", i);
		cr_expect_eq(h.codec, want_blocks[i].codec, "block %zu codec", i);
		cr_expect_eq(h.cipher, SC_CIPHER_NONE);
		cr_expect_eq(h.key_epoch, 0);
		cr_expect_eq(h.flags, want_blocks[i].flags, "block %zu flags", i);
		cr_expect_eq(h.first_ns, want_blocks[i].first_ns, "block %zu first_ns", i);
		cr_expect_eq(h.last_ns, want_blocks[i].last_ns, "block %zu last_ns", i);
		cr_expect_eq(h.raw_bytes, want_blocks[i].raw_bytes, "block %zu raw bytes", i);
		cr_expect_eq(h.payload_len, want_blocks[i].payload_len, "block %zu payload", i);
		cr_expect_eq(h.severity_mask, want_blocks[i].severity_mask, "block %zu sev %#x", i,
			     h.severity_mask);
		cr_expect_eq(h.facility_mask, want_blocks[i].facility_mask, "block %zu fac %#x", i,
			     h.facility_mask);
		cr_expect_eq(h.clock.source, want_blocks[i].clock.source, "block %zu clock", i);
		cr_expect_eq(h.clock.sync, want_blocks[i].clock.sync, "block %zu sync", i);
		cr_expect_eq(h.clock.max_err_us, want_blocks[i].clock.max_err_us);
		cr_expect_eq(h.clock.est_err_us, want_blocks[i].clock.est_err_us);
		if (h.codec == SC_CODEC_NONE)
			cr_expect_eq(h.stored_len, h.payload_len);
		else
			cr_expect_lt(h.stored_len, h.payload_len);
		for (int k = 0; k < 3 && want_blocks[i].hosts[k]; k++)
			cr_expect(sc_block_bloom_maybe(h.host_bloom,
						       (const uint8_t *)want_blocks[i].hosts[k],
						       strlen(want_blocks[i].hosts[k])),
				  "block %zu: host %s not in the Bloom filter", i,
				  want_blocks[i].hosts[k]);
		{
			/* 3 probes per host; block 3's one "hostname" is a span of noise. */
			int hosts = 0, bits = 0;

			while (hosts < 3 && want_blocks[i].hosts[hosts])
				hosts++;
			for (int k = 0; k < 32; k++)
				bits += __builtin_popcount(h.host_bloom[k]);
			cr_expect(bits >= 1 && bits <= 3 * (hosts ? hosts : 1),
				  "block %zu: %d Bloom bits for %d hosts", i, bits, hosts);
		}
		/* Lane chains: block 0 of a lane follows the store identity. */
		if (want_blocks[i].prev < 0)
			cr_expect(memcmp(h.prev_hash, sc_store_reader_id(r), SC_HASH_LEN) == 0,
				  "block %zu must chain from the store identity", i);
		else
			cr_expect(memcmp(h.prev_hash, hashes[want_blocks[i].prev], SC_HASH_LEN) == 0,
				  "block %zu must chain from block %d", i, want_blocks[i].prev);
		memcpy(hashes[i], h.block_hash, SC_HASH_LEN);
		sc_sha256(hs, stored, h.stored_len, NULL, 0, digest);
		cr_expect(memcmp(digest, h.payload_hash, SC_HASH_LEN) == 0, "block %zu digest", i);
		i++;
	}
	cr_expect_eq(rc, 0, "reader stopped with %s", sc_error_name(e));
	cr_expect_eq(i, NBLOCKS);
	sc_store_reader_close(r);
}

/*
 * Seal the fixture's records again with the current code: the record roots
 * and the payload bytes must be those of the golden blocks.  Compressed
 * bytes are compared only for codec 0: LZ4 output is not guaranteed to stay
 * the same across liblz4 versions, and the format only requires that it
 * decompress to the payload.
 */
Test(golden, resealing_fixed_records_reproduces_golden_blocks)
{
	char err[512] = "";
	struct sc_store_reader *r = sc_store_reader_open(STORE, err, sizeof(err));
	uint8_t *noise = malloc(GOLDEN_NOISE_LEN);
	struct sc_block_hdr gh;
	struct sc_store_pos pos;
	const uint8_t *gstored;
	enum sc_error e;
	char a[2 * SC_HASH_LEN + 1], b[2 * SC_HASH_LEN + 1];

	cr_assert_not_null(r, "%s", err);
	cr_assert_not_null(noise);
	cr_assert_eq(GOLDEN_NBLOCKS, NBLOCKS);
	for (size_t k = 0; k < GOLDEN_NBLOCKS; k++) {
		const struct golden_block *gb = &golden_blocks[k];
		struct sc_block_builder *bld = sc_block_builder_new(gb->lane, GOLDEN_BLOCK_BYTES);
		struct sc_block_hdr nh;
		uint8_t *nstored, *gpay, *npay;
		uint8_t (*leaves)[SC_HASH_LEN];
		uint32_t bad;

		cr_assert_not_null(bld);
		cr_assert_eq(sc_store_read(r, &gh, &gstored, &pos, &e), 1, "golden block %zu: %s", k,
			     sc_error_name(e));
		sc_block_builder_resume(bld, want_blocks[k].first_seq);
		for (uint32_t i = gb->first_rec; i < gb->first_rec + gb->nrecs; i++) {
			struct sc_record rec;

			cr_assert(golden_record(i, noise, &rec), "fixture record %u", i);
			cr_assert_eq(sc_block_add(bld, &rec), 0);
		}
		nstored = malloc(sc_block_stored_max(bld));
		cr_assert_not_null(nstored);
		cr_assert_eq(sc_block_seal(bld, &gb->clock, &nh, nstored), 0);

		cr_expect(memcmp(nh.root, gh.root, SC_HASH_LEN) == 0,
			  "block %zu: record root %s, golden %s", k, (sc_hash_hex(nh.root, a), a),
			  (sc_hash_hex(gh.root, b), b));
		cr_expect_eq(nh.lane, gh.lane);
		cr_expect_eq(nh.count, gh.count, "block %zu count", k);
		cr_expect_eq(nh.first_seq, gh.first_seq, "block %zu first_seq", k);
		cr_expect_eq(nh.payload_len, gh.payload_len, "block %zu payload_len", k);
		cr_expect_eq(nh.raw_bytes, gh.raw_bytes);
		cr_expect_eq(nh.first_ns, gh.first_ns);
		cr_expect_eq(nh.last_ns, gh.last_ns);
		cr_expect_eq(nh.flags, gh.flags);
		cr_expect_eq(nh.severity_mask, gh.severity_mask);
		cr_expect_eq(nh.facility_mask, gh.facility_mask);
		cr_expect(memcmp(nh.host_bloom, gh.host_bloom, 32) == 0, "block %zu Bloom", k);
		cr_expect_eq(nh.codec, gh.codec, "block %zu codec", k);

		/* Payload bytes: the golden block opened, against the new one opened. */
		cr_assert_eq(nh.payload_len, gh.payload_len);
		gpay = malloc(gh.payload_len);
		npay = malloc(nh.payload_len);
		leaves = malloc(gh.count * SC_HASH_LEN);
		cr_assert(gpay && npay && leaves);
		cr_assert_eq(sc_block_open(hs, &gh, gstored, gpay, gh.payload_len), SC_E_OK);
		cr_assert_eq(sc_block_open(hs, &nh, nstored, npay, nh.payload_len), SC_E_OK);
		if (memcmp(gpay, npay, gh.payload_len) != 0)
			hexdump_diff("payload", gpay, npay, gh.payload_len);
		cr_expect(memcmp(gpay, npay, gh.payload_len) == 0,
			  "block %zu: serialized records differ from the golden payload", k);
		cr_expect_eq(sc_block_check_records(hs, &gh, gpay, leaves, &bad), SC_E_OK,
			     "golden block %zu records (bad %u)", k, bad);
		if (gh.codec == SC_CODEC_NONE) {
			cr_expect_eq(nh.stored_len, gh.stored_len);
			cr_expect(memcmp(nstored, gstored, gh.stored_len) == 0, "block %zu stored", k);
			cr_expect(memcmp(nh.payload_hash, gh.payload_hash, SC_HASH_LEN) == 0);
		} else if (nh.stored_len != gh.stored_len ||
			   memcmp(nstored, gstored, gh.stored_len) != 0) {
			/* Info, not warn: Criterion exits 1 on any warning. */
			cr_log_info("block %zu: LZ4 output differs from the golden bytes (another "
				    "liblz4?); payload and root still match", k);
		}
		free(leaves);
		free(gpay);
		free(npay);
		free(nstored);
		sc_block_builder_free(bld);
	}
	cr_expect_eq(sc_store_read(r, &gh, &gstored, &pos, &e), 0, "extra golden block");
	free(noise);
	sc_store_reader_close(r);
}

/* The golden records decode to the fixture's values (spot checks by hand). */
Test(golden, store_records_read_back)
{
	char err[512] = "";
	struct sc_store_reader *r = sc_store_reader_open(STORE, err, sizeof(err));
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	uint32_t total = 0;

	cr_assert_not_null(r, "%s", err);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		uint8_t *p = malloc(h.payload_len);
		size_t off = 0;

		cr_assert_not_null(p);
		cr_assert_eq(sc_block_open(hs, &h, stored, p, h.payload_len), SC_E_OK);
		for (uint32_t i = 0; i < h.count; i++, total++) {
			struct sc_record rec;
			size_t n = sc_record_decode(p + off, h.payload_len - off, &rec);
			char addr[64];

			cr_assert_gt(n, 0, "record %u of block %" PRIu64, i, h.log_index);
			off += n;
			cr_expect_eq(rec.seq, h.first_seq + i);
			cr_expect_eq(rec.rx_ns, INT64_C(1796403000000000000) + total * INT64_C(1000000000),
				     "record %u rx time", total);
			sc_record_addr_str(&rec, addr, sizeof(addr));
			switch (total) {
			case 0:
				cr_expect_str_eq(addr, "10.20.30.40");
				cr_expect_eq(rec.pri, 165);
				cr_expect(rec.field[SC_F_HOSTNAME].len == 23 &&
					  memcmp(rec.raw + rec.field[SC_F_HOSTNAME].off,
						 "mri-3.radiology.example", 23) == 0);
				break;
			case 4:
				cr_expect_str_eq(addr, "2001:db8:10::5");
				cr_expect_eq(rec.transport, SC_TRANSPORT_TLS);
				cr_expect_eq(rec.tz_min, 540);
				cr_expect_eq(rec.msg_ns, rec.rx_ns - INT64_C(32400000000000));
				break;
			case 6:
				cr_expect_eq(rec.raw_len, 55, "the NUL byte is kept");
				cr_expect_eq(rec.raw[48], 0);
				cr_expect_eq(rec.flags, SC_SL_NUL | SC_SL_KV | SC_REC_BAD_CSUM);
				break;
			case 7:
				cr_expect_str_eq(addr, "-");
				cr_expect_eq(rec.flags, SC_REC_EVENT);
				cr_expect_eq(rec.msg_ns, SC_TIME_NONE);
				cr_expect_eq(rec.pri, -1);
				break;
			case 10:
				cr_expect_str_eq(addr, "2001:db8:5ea1:ca9::17");
				cr_expect_eq(rec.raw_len, 8000);
				cr_expect_eq(rec.charset, SC_CHARSET_BINARY);
				break;
			default:
				break;
			}
		}
		cr_expect_eq(off, h.payload_len);
		free(p);
	}
	cr_expect_eq(total, 13);
	sc_store_reader_close(r);
}

/* ---- (6) format 2: the log tree, checkpoints and keys ------------------------ */

#define STORE2 GOLDEN "/store-v2"
#define KEYS2 GOLDEN "/keys-v2"

static void
expect_v2_verifies(const char *pin)
{
	struct sc_verify_result res;
	struct sc_verify_opts vo;
	char err[512] = "";
	int rc;

	vo.trust = sc_trust_new();
	cr_assert_not_null(vo.trust);
	cr_assert_eq(sc_trust_add_pubkey(vo.trust, pin, err, sizeof(err)), 0, "%s", err);
	rc = sc_verify_ex(STORE2, &vo, &res, print_issue, NULL, err, sizeof(err));
	cr_expect_eq(rc, 0, "golden store v2 does not verify with %s: %d %s", pin, rc, err);
	cr_expect_eq(res.store_version, 2);
	cr_expect_eq(res.blocks, 5);
	cr_expect_eq(res.records, 13);
	cr_expect_eq(res.raw_bytes, 9031);
	cr_expect_eq(res.leaves, 5);
	cr_expect_eq(res.tree_size, 5);
	cr_expect_eq(res.checkpoints, 2);
	cr_expect_eq(res.signed_size, 5);
	cr_expect_eq(res.unsigned_blocks, 0);
	cr_expect(res.keys_pinned);
	cr_expect_str_eq(res.signer, "sealcap/golden/e0");
	sc_trust_free(vo.trust);
}

Test(golden, store_v2_verifies_with_the_pinned_golden_keys)
{
	expect_v2_verifies(KEYS2 "/master.pub");
	expect_v2_verifies(KEYS2 "/epochs.pub");
}

/* leaves: block i's hash at 32*i; checkpoints: the tree at 3 and at 5. */
Test(golden, store_v2_leaves_and_checkpoints)
{
	struct sc_store_reader *r = sc_store_reader_open(STORE2, NULL, 0);
	uint8_t (*leaves)[SC_HASH_LEN], root[SC_HASH_LEN];
	uint64_t n, stray, i = 0;
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	char *buf, want[256], b64[64];
	size_t len, a, b, next;

	cr_assert_not_null(r);
	cr_assert_eq(sc_store_leaves_load(STORE2, &leaves, &n, &stray), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(stray, 0);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		cr_expect(memcmp(leaves[i], h.block_hash, SC_HASH_LEN) == 0, "leaf %" PRIu64, i);
		i++;
	}
	cr_expect_eq(i, 5);
	sc_store_reader_close(r);

	cr_assert_eq(sc_store_checkpoints_load(STORE2, &buf, &len), 0);
	for (uint64_t k = 0, off = 0, size = GOLDEN_CKPT_AFTER; k < 2; k++, size = 5) {
		cr_assert_eq(sc_checkpoints_next(buf, len, off, &a, &b, &next), 1);
		sc_log_root(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, 0, size, root);
		EVP_EncodeBlock((unsigned char *)b64, root, SC_HASH_LEN);
		snprintf(want, sizeof(want), "sealcap/golden\n%" PRIu64 "\n%s\n\n\xe2\x80\x94 sealcap/golden/e0 ",
			 size, b64);
		cr_expect(strncmp(buf + a, want, strlen(want)) == 0, "checkpoint %" PRIu64 ":\n%.*s", k,
			  (int)(b - a), buf + a);
		cr_expect_eq(buf[b], '\n', "an empty line ends each note");
		off = next;
	}
	cr_expect_eq(sc_checkpoints_next(buf, len, next, &a, &b, &next), 0);
	free(buf);
	free(leaves);
}

/* sign.key, byte by byte as docs/FORMAT.md lays it out. */
Test(golden, sign_key_bytes)
{
	size_t n, cn;
	uint8_t *k = slurp(KEYS2 "/sign.key", &n), *cert = slurp(KEYS2 "/epochs.pub", &cn);
	uint8_t d[SC_HASH_LEN];

	cr_assert_eq(n, 384);
	cr_expect(memcmp(k, "SCSIGNK1", 8) == 0);
	cr_expect_eq(le(k + 8, 2), 1, "version");
	cr_expect_eq(le(k + 10, 2), 384, "length");
	cr_expect_eq(le(k + 12, 4), GOLDEN_EPOCHS);
	cr_expect_eq(le(k + 16, 8), 0, "current epoch");
	cr_expect_eq(le(k + 24, 8), (uint64_t)(GOLDEN_T0 / 1000000000), "start");
	cr_expect_eq(le(k + 32, 4), GOLDEN_EPOCH_SECONDS);
	cr_expect_eq(le(k + 36, 4), 0, "reserved");
	sc_sha256(hs, cert, cn, NULL, 0, d);
	cr_expect(memcmp(k + 40, d, 32) == 0, "SHA-256 of epochs.pub");
	cr_expect(memcmp(k + 72, golden_seed0, 32) == 0, "seed of epoch 0");
	cr_expect_eq(k[104], strlen(GOLDEN_KEY_ORIGIN));
	cr_expect(memcmp(k + 105, GOLDEN_KEY_ORIGIN, strlen(GOLDEN_KEY_ORIGIN)) == 0);
	for (size_t i = 105 + strlen(GOLDEN_KEY_ORIGIN); i < 352; i++)
		cr_expect_eq(k[i], 0, "byte %zu must be zero", i);
	sc_sha256(hs, k, 352, NULL, 0, d);
	cr_expect(memcmp(k + 352, d, 32) == 0, "checksum");
	free(k);
	free(cert);
}

/* epochs.pub: its lines, and every key the one its seed derives. */
Test(golden, epoch_certificate)
{
	size_t n;
	char *text = (char *)slurp(KEYS2 "/epochs.pub", &n), err[256], vk[SC_VKEY_MAX], want[512];
	struct sc_epoch_cert *c;
	struct sc_signer *m = sc_signer_new(GOLDEN_KEY_ORIGIN "/master", golden_master_seed);
	uint8_t seed[32], key[32];

	cr_assert_not_null(m);
	c = sc_epoch_cert_parse(text, n, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	sc_vkey_format(sc_signer_vkey(m), vk, sizeof(vk));
	snprintf(want, sizeof(want), "sealcap epoch keys v1\norigin %s\nmaster %s\nstart %" PRId64
		 "\nseconds %d\nepochs %d\n", GOLDEN_KEY_ORIGIN, vk, GOLDEN_T0 / 1000000000,
		 GOLDEN_EPOCH_SECONDS, GOLDEN_EPOCHS);
	cr_expect(strncmp(text, want, strlen(want)) == 0, "epochs.pub starts:\n%s", want);
	memcpy(seed, golden_seed0, 32);
	for (int i = 0; i < GOLDEN_EPOCHS; i++) {
		char name[64];
		struct sc_signer *s;

		cr_assert_eq(sc_epoch_key_seed(seed, key), 0);
		snprintf(name, sizeof(name), GOLDEN_KEY_ORIGIN "/e%d", i);
		s = sc_signer_new(name, key);
		sc_vkey_format(sc_signer_vkey(s), vk, sizeof(vk));
		cr_expect(strstr(text, vk) != NULL, "epoch %d key %s", i, vk);
		sc_signer_free(s);
		sc_epoch_seed_next(seed, seed);
	}
	sc_vkey_format(sc_signer_vkey(m), vk, sizeof(vk));
	{
		size_t mn;
		char *mp = (char *)slurp(KEYS2 "/master.pub", &mn);

		cr_expect_eq(mn, strlen(vk) + 1);
		cr_expect(strncmp(mp, vk, strlen(vk)) == 0);
		free(mp);
	}
	sc_signer_free(m);
	sc_epoch_cert_free(c);
	free(text);
}

/* ---- format 3: encryption and retention (store-v3) ----------------------------------- */

#define STORE3 GOLDEN "/store-v3"

static struct sc_keyring *
golden_ring(void)
{
	struct sc_keyring *r = sc_keyring_new();

	cr_assert_not_null(r);
	cr_assert_eq(sc_keyring_add(r, sc_enc_key_from_bytes(golden_enc_key)), 0);
	return r;
}

/*
 * Segment 0 (blocks 0..2) was removed by a retention pass; blocks 3 and 4
 * are encrypted, block 5 is the retention event in clear; three
 * checkpoints (3, 5, 6 blocks) still verify, the one at 3 over removed
 * blocks only.
 */
Test(golden, store_v3_verifies_without_and_with_the_key)
{
	struct sc_verify_result res;
	struct sc_verify_opts vo = { NULL };
	char err[512] = "";

	vo.trust = sc_trust_new();
	cr_assert_not_null(vo.trust);
	cr_assert_eq(sc_trust_add_pubkey(vo.trust, KEYS2 "/master.pub", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(sc_verify_ex(STORE3, &vo, &res, print_issue, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.store_version, 3);
	cr_expect_eq(res.blocks, 3);
	cr_expect_eq(res.encrypted_blocks, 2);
	cr_expect_eq(res.unread_blocks, 2);
	cr_expect_eq(res.unread_records, 3);
	cr_expect_eq(res.records, 1, "the retention event is read without the key");
	cr_expect_eq(res.events, 1);
	cr_expect_eq(res.pruned_blocks, 3);
	cr_expect_eq(res.pruned_segments, 1);
	cr_expect_eq(res.retention_events, 1);
	cr_expect_str_eq(res.retention_last, "5.0");
	cr_expect_eq(res.leaves, 6);
	cr_expect_eq(res.checkpoints, 3);
	cr_expect_eq(res.signed_size, 6);
	cr_expect_eq(res.nkey_ids, 1);
	vo.keys = golden_ring();
	cr_expect_eq(sc_verify_ex(STORE3, &vo, &res, print_issue, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.records, 4);
	cr_expect_eq(res.unread_blocks + res.wrong_key_blocks, 0);
	sc_keyring_free(vo.keys);
	sc_trust_free(vo.trust);
}

/* golden-enc.key, byte by byte from FORMAT.md ("Encryption"). */
static void
key_id_by_hand(uint8_t id[8])
{
	static const char label[] = "sealcap encryption key id v1";
	uint8_t d[SC_HASH_LEN];

	sc_sha256(hs, label, sizeof(label) - 1, golden_enc_key, 32, d);
	memcpy(id, d, 8);
}

Test(golden, encryption_key_file_bytes)
{
	size_t n;
	char *text = (char *)slurp(GOLDEN "/golden-enc.key", &n), want[200];
	unsigned char b64[64];
	uint8_t id[8];

	key_id_by_hand(id);
	EVP_EncodeBlock(b64, golden_enc_key, 32);
	snprintf(want, sizeof(want), "sealcap encryption key v1\nid %02x%02x%02x%02x%02x%02x%02x%02x\n"
		 "key %s\n", id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], b64);
	cr_expect_eq(n, strlen(want));
	cr_expect(memcmp(text, want, n) == 0, "golden-enc.key:\n%s\nwant:\n%s", text, want);
	free(text);
}

/*
 * The encrypted blocks, decrypted with OpenSSL directly from what FORMAT.md
 * says (run key by HKDF, nonce, associated data, tag), not with crypt.c:
 * a change in any of them fails here.
 */
Test(golden, encrypted_blocks_decrypt_by_hand)
{
	static const struct { uint64_t off; uint32_t lane; uint64_t counter; } blk[] = {
		{ 128, 3, 1 },               /* block 3: lane 3's 2nd block of the run */
		{ 128 + 320 + 8128, 0, 2 },  /* block 4: lane 0's 3rd */
	};
	size_t n;
	uint8_t *seg = slurp(STORE3 "/segments/00000001.seg", &n), id[8], rk[32];
	struct sc_keyring *ring = golden_ring();
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[5];
	char info[] = "sealcap block key v1";

	cr_assert(kdf && kc);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)golden_enc_key, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)golden_enc_salt, 16);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info) - 1);
	p[4] = OSSL_PARAM_construct_end();
	cr_assert_eq(EVP_KDF_derive(kc, rk, 32, p), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	key_id_by_hand(id);

	for (size_t k = 0; k < sizeof(blk) / sizeof(blk[0]); k++) {
		const uint8_t *h = seg + blk[k].off, *ct = h + 320;
		uint32_t stored_len = (uint32_t)le(h + 60, 4), payload_len = (uint32_t)le(h + 56, 4);
		uint8_t aad[288], d[SC_HASH_LEN], *clear = malloc(stored_len), *payload = malloc(payload_len);
		uint8_t (*leaves)[SC_HASH_LEN] = malloc(8 * SC_HASH_LEN);
		const uint8_t *via_reader;
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		struct sc_block_hdr hd;
		int len, fin;

		cr_assert(clear && payload && leaves && c);
		cr_assert_leq(blk[k].off + 320 + stored_len, n);
		cr_expect_eq(h[83], 1, "cipher AES-256-GCM");
		cr_expect_eq(le(h + 104, 4), blk[k].lane, "nonce: lane");
		cr_expect_eq(le(h + 108, 8), blk[k].counter, "nonce: the lane's block counter");
		cr_expect(memcmp(h + 264, id, 8) == 0, "key id at 264");
		cr_expect(memcmp(h + 272, golden_enc_salt, 16) == 0, "run salt at 272");
		sc_sha256(hs, ct, stored_len, NULL, 0, d);
		cr_expect(memcmp(h + 200, d, SC_HASH_LEN) == 0, "digest over the ciphertext");
		/* Associated data: bytes 0..287 with the writer's fields, tag and digest zero. */
		memcpy(aad, h, 288);
		memset(aad + 16, 0, 16);    /* block sequence, log index */
		memset(aad + 44, 0, 4);     /* segment */
		memset(aad + 116, 0, 16);   /* tag */
		memset(aad + 200, 0, 64);   /* payload digest, previous block hash */
		cr_assert_eq(EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), rk, h + 104, NULL), 1);
		cr_assert_eq(EVP_DecryptUpdate(c, NULL, &len, aad, 288), 1);
		cr_assert_eq(EVP_DecryptUpdate(c, clear, &len, ct, (int)stored_len), 1);
		{
			uint8_t tag[16];

			memcpy(tag, h + 116, 16);
			cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag), 1);
		}
		cr_expect_eq(EVP_DecryptFinal_ex(c, clear + len, &fin), 1, "block at %" PRIu64 ": tag", blk[k].off);
		EVP_CIPHER_CTX_free(c);
		if (h[82] == SC_CODEC_LZ4)
			cr_assert_eq(LZ4_decompress_safe((const char *)clear, (char *)payload, (int)stored_len,
							 (int)payload_len), (int)payload_len);
		else
			memcpy(payload, clear, payload_len);
		/* The same as the library reads, and the records check against the root. */
		cr_assert_eq(sc_block_hdr_decode(h, &hd), SC_E_OK);
		{
			uint8_t *lib = malloc(payload_len);

			cr_assert_not_null(lib);
			cr_assert_eq(sc_block_open_keys(hs, ring, &hd, ct, lib, payload_len), SC_E_OK);
			via_reader = lib;
			cr_expect(memcmp(via_reader, payload, payload_len) == 0, "library and hand differ");
			free(lib);
		}
		cr_expect_eq(sc_block_check_records(hs, &hd, payload, leaves, NULL), SC_E_OK);
		free(clear);
		free(payload);
		free(leaves);
	}
	sc_keyring_free(ring);
	free(seg);
}

/* The retention event: its block and its exact bytes (FORMAT.md, "Retention"). */
Test(golden, retention_event_bytes)
{
	static const char want[] =
		"{\"event\":\"retention\",\"reason\":\"max-store-bytes\",\"segments\":[\"00000000\"],"
		"\"blocks\":3,\"log_index\":\"0..2\",\"bytes\":2552,"
		"\"first_time\":\"2026-12-04T16:50:00.000000000Z\","
		"\"last_time\":\"2026-12-04T16:50:09.000000000Z\","
		"\"kept_from\":{\"segment\":\"00000001\",\"log_index\":3},\"lanes\":[]}";
	struct sc_store_reader *r = sc_store_reader_open(STORE3, NULL, 0);
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored, *payload;
	struct sc_record rec;
	enum sc_error e;
	struct sc_retention_event ev;
	uint64_t n = 0;

	cr_assert_not_null(r);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1 && h.log_index != 5)
		n++;
	cr_assert_eq(h.log_index, 5);
	cr_expect_eq(n, 2, "blocks 3 and 4 before it");
	cr_expect_eq(h.lane, SC_STORE_LANE);
	cr_expect_eq(h.block_seq, 0);
	cr_expect_eq(h.flags, SC_BLK_EVENTS);
	cr_expect_eq(h.cipher, SC_CIPHER_NONE);
	cr_expect_eq(h.clock.source, SC_CLOCK_ENGINE);
	cr_expect_eq(h.count, 1);
	cr_assert_eq(sc_store_reader_payload(r, &h, stored, &payload), SC_E_OK);
	cr_assert_gt(sc_record_decode(payload, h.payload_len, &rec), 0);
	cr_expect_eq(rec.rx_ns, GOLDEN_PRUNE_NS);
	cr_expect(rec.flags & SC_REC_EVENT);
	cr_expect_eq(rec.raw_len, strlen(want));
	cr_expect(memcmp(rec.raw, want, rec.raw_len) == 0, "%.*s", (int)rec.raw_len, rec.raw);
	cr_expect_eq(sc_retention_parse(rec.raw, rec.raw_len, &ev), 1);
	cr_expect_eq(ev.kept_index, 3);
	cr_expect_eq(ev.kept_segment, 1);
	sc_store_reader_close(r);
}

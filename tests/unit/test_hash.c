/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "hash": SHA-256 and RFC 9162 Merkle tree hashing (sealcap/hash.h).
 *
 * The reference Merkle Tree Hash below is written straight from RFC 9162
 * 2.1.1 (recursive, split at the largest power of two below n) and hashes
 * with OpenSSL's one-shot EVP_Digest, so it shares no code with
 * engine/hash.c.  Fixed roots were computed with python3 hashlib (see
 * fixed_roots).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include <sealcap/hash.h>

static struct sc_hasher *hs;

static void
setup(void)
{
	hs = sc_hasher_new();
	cr_assert_not_null(hs, "sc_hasher_new");
}

static void
teardown(void)
{
	sc_hasher_free(hs);
	hs = NULL;
}

TestSuite(hash, .init = setup, .fini = teardown, .timeout = 60);

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	cr_assert_eq(strlen(s), 2 * n, "hex string '%s' is not %zu bytes", s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1, "bad hex '%s'", s);
		out[i] = (uint8_t)v;
	}
}

static char *
hex(const uint8_t h[SC_HASH_LEN], char buf[2 * SC_HASH_LEN + 1])
{
	sc_hash_hex(h, buf);
	return buf;
}

#define expect_hash(got, want_hex, ...) do { \
	uint8_t want_[SC_HASH_LEN]; \
	char g_[2 * SC_HASH_LEN + 1]; \
	unhex((want_hex), want_, SC_HASH_LEN); \
	cr_expect(memcmp((got), want_, SC_HASH_LEN) == 0, \
		  "%s: got %s, want %s", (__VA_ARGS__), hex((got), g_), (want_hex)); \
} while (0)

/* ---- independent reference (OpenSSL one-shot, RFC 9162 recursion) ------ */

static void
ref_sha(const void *a, size_t alen, const void *b, size_t blen, const void *c,
	size_t clen, uint8_t out[SC_HASH_LEN])
{
	uint8_t *buf = malloc(alen + blen + clen + 1);
	unsigned int n = 0;

	cr_assert_not_null(buf);
	if (alen)
		memcpy(buf, a, alen);
	if (blen)
		memcpy(buf + alen, b, blen);
	if (clen)
		memcpy(buf + alen + blen, c, clen);
	cr_assert_eq(EVP_Digest(buf, alen + blen + clen, out, &n, EVP_sha256(), NULL), 1);
	cr_assert_eq(n, SC_HASH_LEN);
	free(buf);
}

static void
ref_leaf(const void *d, size_t len, uint8_t out[SC_HASH_LEN])
{
	static const uint8_t zero = 0;

	ref_sha(&zero, 1, d, len, NULL, 0, out);
}

static void
ref_node(const uint8_t l[SC_HASH_LEN], const uint8_t r[SC_HASH_LEN], uint8_t out[SC_HASH_LEN])
{
	static const uint8_t one = 1;

	ref_sha(&one, 1, l, SC_HASH_LEN, r, SC_HASH_LEN, out);
}

/* RFC 9162 2.1.1: MTH({}) = SHA-256(), MTH({d0}) = leaf, else split at k,
 * the largest power of two smaller than n.  Takes leaf hashes. */
static void
ref_mth(const uint8_t (*leaves)[SC_HASH_LEN], size_t n, uint8_t out[SC_HASH_LEN])
{
	uint8_t l[SC_HASH_LEN], r[SC_HASH_LEN];
	size_t k = 1;

	if (n == 0) {
		ref_sha(NULL, 0, NULL, 0, NULL, 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], SC_HASH_LEN);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	ref_mth(leaves, k, l);
	ref_mth(leaves + k, n - k, r);
	ref_node(l, r, out);
}

/* Leaf i = leaf(u32le(i)); the python snippet in fixed_roots uses the same. */
static uint8_t (*make_leaves(size_t n))[SC_HASH_LEN]
{
	uint8_t (*v)[SC_HASH_LEN] = malloc((n ? n : 1) * SC_HASH_LEN);

	cr_assert_not_null(v);
	for (size_t i = 0; i < n; i++) {
		uint8_t le[4] = { (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16),
				  (uint8_t)(i >> 24) };

		ref_leaf(le, sizeof(le), v[i]);
	}
	return v;
}

static void
check_root_against_ref(size_t n)
{
	uint8_t (*leaves)[SC_HASH_LEN] = make_leaves(n);
	uint8_t (*scratch)[SC_HASH_LEN] = malloc((n ? n : 1) * SC_HASH_LEN);
	uint8_t want[SC_HASH_LEN], got[SC_HASH_LEN];
	char a[2 * SC_HASH_LEN + 1], b[2 * SC_HASH_LEN + 1];

	cr_assert_not_null(scratch);
	memcpy(scratch, leaves, n * SC_HASH_LEN);
	ref_mth((const uint8_t (*)[SC_HASH_LEN])leaves, n, want);
	sc_merkle_root(hs, scratch, n, got);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0,
		  "n=%zu: sc_merkle_root %s, RFC 9162 reference %s", n, hex(got, a), hex(want, b));
	free(leaves);
	free(scratch);
}

/* ---- SHA-256 -------------------------------------------------------------- */

Test(hash, sha256_known_answers)
{
	uint8_t out[SC_HASH_LEN];

	sc_sha256(hs, NULL, 0, NULL, 0, out);
	expect_hash(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		    "SHA-256 of empty input");
	sc_sha256(hs, "abc", 3, NULL, 0, out);
	expect_hash(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		    "SHA-256(\"abc\")");
	/* FIPS 180-2 two-block message. */
	sc_sha256(hs, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, NULL, 0, out);
	expect_hash(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		    "SHA-256 of the 448-bit FIPS message");
}

Test(hash, sha256_two_parts_equal_concatenation)
{
	static const char msg[] = "The quick brown fox jumps over the lazy dog, twice over.";
	size_t len = sizeof(msg) - 1;
	uint8_t whole[SC_HASH_LEN], split[SC_HASH_LEN];

	ref_sha(msg, len, NULL, 0, NULL, 0, whole);
	for (size_t cut = 0; cut <= len; cut++) {
		sc_sha256(hs, msg, cut, msg + cut, len - cut, split);
		cr_expect(memcmp(whole, split, SC_HASH_LEN) == 0, "split at %zu differs", cut);
	}
}

Test(hash, hasher_is_reusable)
{
	uint8_t a[SC_HASH_LEN], b[SC_HASH_LEN];

	sc_sha256(hs, "abc", 3, NULL, 0, a);
	sc_sha256(hs, "something else entirely", 23, NULL, 0, b);
	sc_sha256(hs, "abc", 3, NULL, 0, b);
	cr_expect(memcmp(a, b, SC_HASH_LEN) == 0, "state leaked between digests");
	sc_hasher_free(NULL); /* documented to accept NULL */
}

Test(hash, hex_is_lower_case_and_terminated)
{
	uint8_t h[SC_HASH_LEN];
	char out[2 * SC_HASH_LEN + 2];

	for (int i = 0; i < SC_HASH_LEN; i++)
		h[i] = (uint8_t)(i * 0x11 + 0x0f);
	memset(out, 'X', sizeof(out));
	sc_hash_hex(h, out);
	/* python3 -c "print(bytes([(i*0x11+0x0f)&255 for i in range(32)]).hex())" */
	cr_expect_str_eq(out, "0f2031425364758697a8b9cadbecfd0e1f30415263748596a7b8c9daebfc0d1e");
	cr_expect_eq(out[64], '\0');
	cr_expect_eq(out[65], 'X', "wrote past the terminator");
}

/* ---- RFC 9162 domain separation ----------------------------------------- */

Test(hash, leaf_and_node_domain_separation)
{
	uint8_t l[SC_HASH_LEN], r[SC_HASH_LEN], want[SC_HASH_LEN], got[SC_HASH_LEN];
	uint8_t cat[2 * SC_HASH_LEN], plain[SC_HASH_LEN];

	/* RFC 6962 / CT test vector: leaf of the empty string. */
	sc_hash_leaf(hs, "", 0, got);
	expect_hash(got, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		    "leaf(\"\")");

	sc_hash_leaf(hs, "abc", 3, got);
	ref_leaf("abc", 3, want);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0, "leaf is SHA-256(0x00 || data)");
	sc_sha256(hs, "abc", 3, NULL, 0, plain);
	cr_expect(memcmp(got, plain, SC_HASH_LEN) != 0, "leaf must differ from plain SHA-256");

	sc_hash_leaf(hs, "left", 4, l);
	sc_hash_leaf(hs, "right", 5, r);
	sc_hash_node(hs, l, r, got);
	ref_node(l, r, want);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0, "node is SHA-256(0x01 || l || r)");

	/* A leaf whose data is l || r must not collide with node(l, r). */
	memcpy(cat, l, SC_HASH_LEN);
	memcpy(cat + SC_HASH_LEN, r, SC_HASH_LEN);
	sc_hash_leaf(hs, cat, sizeof(cat), want);
	cr_expect(memcmp(got, want, SC_HASH_LEN) != 0, "node(l,r) == leaf(l||r): no separation");
	sc_sha256(hs, cat, sizeof(cat), NULL, 0, want);
	cr_expect(memcmp(got, want, SC_HASH_LEN) != 0, "node(l,r) == SHA-256(l||r)");

	/* Order matters. */
	sc_hash_node(hs, r, l, want);
	cr_expect(memcmp(got, want, SC_HASH_LEN) != 0, "node(l,r) == node(r,l)");
}

/* ---- Merkle Tree Hash ---------------------------------------------------- */

Test(hash, merkle_root_small_cases)
{
	uint8_t leaves[2][SC_HASH_LEN], got[SC_HASH_LEN], want[SC_HASH_LEN];

	sc_merkle_root(hs, leaves, 0, got);
	expect_hash(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		    "MTH of the empty tree is SHA-256()");

	ref_leaf("x", 1, leaves[0]);
	memcpy(want, leaves[0], SC_HASH_LEN);
	sc_merkle_root(hs, leaves, 1, got);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0, "MTH of one leaf is the leaf");

	ref_leaf("a", 1, leaves[0]);
	ref_leaf("b", 1, leaves[1]);
	ref_node(leaves[0], leaves[1], want);
	sc_merkle_root(hs, leaves, 2, got);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0, "MTH of two leaves is their node");
}

Test(hash, merkle_root_matches_rfc9162_reference_0_to_300)
{
	for (size_t n = 0; n <= 300; n++)
		check_root_against_ref(n);
}

Test(hash, merkle_root_matches_rfc9162_reference_large)
{
	static const size_t sizes[] = { 511, 512, 513, 1000, 4095, 4096, 4097, 10007, 65537 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_root_against_ref(sizes[i]);
}

/*
 * Fixed roots, computed once with python3 hashlib (Python 3.11):
 *
 *   import hashlib, struct
 *   leaf = lambda d: hashlib.sha256(b'\x00' + d).digest()
 *   node = lambda l, r: hashlib.sha256(b'\x01' + l + r).digest()
 *   def mth(v):
 *       if not v: return hashlib.sha256(b'').digest()
 *       if len(v) == 1: return v[0]
 *       k = 1
 *       while 2 * k < len(v): k *= 2
 *       return node(mth(v[:k]), mth(v[k:]))
 *   ct = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
 *         b"\x50\x51\x52\x53\x54\x55\x56\x57", bytes(range(0x60, 0x70))]
 *   print([mth([leaf(x) for x in ct[:n]]).hex() for n in range(1, 9)])
 *   print([mth([leaf(struct.pack('<I', i)) for i in range(n)]).hex()
 *          for n in (1000, 1024, 1025)])
 *
 * The first eight are also the Certificate Transparency (RFC 6962) test
 * vectors for the same leaves.
 */
static const uint8_t *const ct_leaf_data[8] = {
	(const uint8_t *)"", (const uint8_t *)"\x00", (const uint8_t *)"\x10",
	(const uint8_t *)"\x20\x21", (const uint8_t *)"\x30\x31",
	(const uint8_t *)"\x40\x41\x42\x43",
	(const uint8_t *)"\x50\x51\x52\x53\x54\x55\x56\x57",
	(const uint8_t *)"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
};
static const size_t ct_leaf_len[8] = { 0, 1, 1, 2, 2, 4, 8, 16 };
static const char *const ct_roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

Test(hash, fixed_roots)
{
	static const struct { size_t n; const char *root; } big[] = {
		{ 1000, "092174a4201b998bd263ae09fea0f0306b4d6434565b19350513ce5fae499dbe" },
		{ 1024, "1b97a16c23317fb0c39ba58432b6c0890736a2787e3abf6e0f0a1ce2d9f90887" },
		{ 1025, "86f05fe0de935b2a6840fef2f6e4f7315a769a78b31c9674e58ac50caed23754" },
	};
	uint8_t leaves[8][SC_HASH_LEN], got[SC_HASH_LEN];

	for (size_t n = 1; n <= 8; n++) {
		char what[32];

		for (size_t i = 0; i < n; i++)
			sc_hash_leaf(hs, ct_leaf_data[i], ct_leaf_len[i], leaves[i]);
		sc_merkle_root(hs, leaves, n, got);
		snprintf(what, sizeof(what), "CT vector, %zu leaves", n);
		expect_hash(got, ct_roots[n - 1], what);
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		uint8_t (*v)[SC_HASH_LEN] = malloc(big[i].n * SC_HASH_LEN);
		char what[32];

		cr_assert_not_null(v);
		for (size_t j = 0; j < big[i].n; j++) {
			uint8_t le[4] = { (uint8_t)j, (uint8_t)(j >> 8), 0, 0 };

			sc_hash_leaf(hs, le, 4, v[j]);
		}
		sc_merkle_root(hs, v, big[i].n, got);
		snprintf(what, sizeof(what), "u32le leaves, n=%zu", big[i].n);
		expect_hash(got, big[i].root, what);
		free(v);
	}
}

Test(hash, merkle_root_sensitive_to_every_leaf_and_order)
{
	enum { N = 37 };
	uint8_t (*base)[SC_HASH_LEN] = make_leaves(N);
	uint8_t (*v)[SC_HASH_LEN] = malloc(N * SC_HASH_LEN);
	uint8_t root[SC_HASH_LEN], got[SC_HASH_LEN];

	cr_assert_not_null(v);
	memcpy(v, base, N * SC_HASH_LEN);
	sc_merkle_root(hs, v, N, root);
	for (int i = 0; i < N; i++) {
		memcpy(v, base, N * SC_HASH_LEN);
		v[i][i % SC_HASH_LEN] ^= 0x01;
		sc_merkle_root(hs, v, N, got);
		cr_expect(memcmp(root, got, SC_HASH_LEN) != 0, "flipping leaf %d kept the root", i);
	}
	for (int i = 0; i + 1 < N; i++) {
		memcpy(v, base, N * SC_HASH_LEN);
		memcpy(v[i], base[i + 1], SC_HASH_LEN);
		memcpy(v[i + 1], base[i], SC_HASH_LEN);
		sc_merkle_root(hs, v, N, got);
		cr_expect(memcmp(root, got, SC_HASH_LEN) != 0, "swapping leaves %d,%d kept the root",
			  i, i + 1);
	}
	/* A tree of N-1 leaves has another root than N leaves. */
	memcpy(v, base, N * SC_HASH_LEN);
	sc_merkle_root(hs, v, N - 1, got);
	cr_expect(memcmp(root, got, SC_HASH_LEN) != 0, "dropping the last leaf kept the root");
	free(base);
	free(v);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The log tree (sealcap/log.h): RFC 9162 roots, inclusion and consistency
 * proofs.  Known answers are the Certificate Transparency reference vectors
 * (the 8 leaf inputs every RFC 6962 implementation tests with); beyond them,
 * every proof of every tree of 1..64 leaves is built, checked against the
 * root sc_merkle_root computes bottom-up (a different algorithm, itself
 * pinned to an RFC reference in test_hash.c), and then mutated: a flipped
 * bit, a missing, extra or reordered hash, another index, size or root must
 * each make the check fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <sealcap/hash.h>
#include <sealcap/log.h>

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

TestSuite(log, .init = setup, .fini = teardown, .timeout = 120);

static void
unhex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned v;

		cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* The CT test leaves (certificate-transparency merkle tree tests). */
static const char *const ct_leaf_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_root_hex[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
ct_leaves(uint8_t leaves[8][SC_HASH_LEN])
{
	for (int i = 0; i < 8; i++) {
		uint8_t d[16];

		unhex(ct_leaf_hex[i], d);
		sc_hash_leaf(hs, d, strlen(ct_leaf_hex[i]) / 2, leaves[i]);
	}
}

static void
expect_hash(const uint8_t *got, const char *hex, const char *what)
{
	uint8_t want[SC_HASH_LEN];
	char g[2 * SC_HASH_LEN + 1];

	unhex(hex, want);
	sc_hash_hex(got, g);
	cr_expect(memcmp(got, want, SC_HASH_LEN) == 0, "%s: got %s want %s", what, g, hex);
}

Test(log, ct_vectors_roots)
{
	uint8_t leaves[8][SC_HASH_LEN], root[SC_HASH_LEN];
	struct sc_log_frontier f;

	ct_leaves(leaves);
	sc_log_frontier_init(&f);
	for (int n = 0; n <= 8; n++) {
		char what[64];

		sc_log_root(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, 0, (uint64_t)n, root);
		snprintf(what, sizeof(what), "sc_log_root of %d leaves", n);
		expect_hash(root, ct_root_hex[n], what);
		sc_log_frontier_root(hs, &f, root);
		snprintf(what, sizeof(what), "frontier of %d leaves", n);
		expect_hash(root, ct_root_hex[n], what);
		if (n < 8)
			sc_log_frontier_push(hs, &f, leaves[n]);
	}
}

Test(log, ct_vectors_inclusion)
{
	static const struct {
		uint64_t index, size;
		const char *path[3];
	} v[] = {
		{ 0, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 5, 8, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	};
	uint8_t leaves[8][SC_HASH_LEN], path[SC_LOG_PROOF_MAX][SC_HASH_LEN], root[SC_HASH_LEN];

	ct_leaves(leaves);
	unhex(ct_root_hex[8], root);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		int n = sc_log_inclusion_proof(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, v[k].size,
					       v[k].index, path);

		cr_assert_eq(n, 3);
		for (int i = 0; i < 3; i++)
			expect_hash(path[i], v[k].path[i], "inclusion path");
		cr_expect(sc_log_inclusion_check(hs, v[k].index, v[k].size, leaves[v[k].index],
						 (const uint8_t (*)[SC_HASH_LEN])path, 3, root));
	}
}

Test(log, ct_vectors_consistency)
{
	static const struct {
		uint64_t m, n;
		int len;
		const char *path[3];
	} v[] = {
		{ 1, 1, 0, { NULL } },
		{ 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 5, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	};
	uint8_t leaves[8][SC_HASH_LEN], path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	uint8_t r1[SC_HASH_LEN], r2[SC_HASH_LEN];

	ct_leaves(leaves);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		int n = sc_log_consistency_proof(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, v[k].m,
						 v[k].n, path);

		cr_assert_eq(n, v[k].len, "PROOF(%lu, D[%lu]): %d hashes", (unsigned long)v[k].m,
			     (unsigned long)v[k].n, n);
		for (int i = 0; i < n; i++)
			expect_hash(path[i], v[k].path[i], "consistency path");
		unhex(ct_root_hex[v[k].m], r1);
		unhex(ct_root_hex[v[k].n], r2);
		cr_expect(sc_log_consistency_check(hs, v[k].m, v[k].n, r1, r2,
						   (const uint8_t (*)[SC_HASH_LEN])path, (size_t)n));
	}
}

/* Leaves 0..63: hashes of distinct inputs. */
static void
make_leaves(uint8_t leaves[64][SC_HASH_LEN])
{
	for (int i = 0; i < 64; i++) {
		char in[16];

		snprintf(in, sizeof(in), "leaf-%d", i);
		sc_hash_leaf(hs, in, strlen(in), leaves[i]);
	}
}

static void
root_of(uint8_t leaves[64][SC_HASH_LEN], uint64_t n, uint8_t out[SC_HASH_LEN])
{
	uint8_t tmp[64][SC_HASH_LEN];

	memcpy(tmp, leaves, sizeof(tmp));
	sc_merkle_root(hs, tmp, n, out);
}

#define P(x) ((const uint8_t (*)[SC_HASH_LEN])(x))

Test(log, every_inclusion_proof_up_to_64_leaves_and_its_mutations)
{
	uint8_t leaves[64][SC_HASH_LEN], roots[65][SC_HASH_LEN];
	unsigned proofs = 0, mutants = 0;

	make_leaves(leaves);
	for (uint64_t n = 1; n <= 64; n++)
		root_of(leaves, n, roots[n]);
	for (uint64_t n = 1; n <= 64; n++) {
		for (uint64_t m = 0; m < n; m++) {
			uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN], bad[SC_LOG_PROOF_MAX + 1][SC_HASH_LEN];
			int len = sc_log_inclusion_proof(hs, P(leaves), n, m, path);

			cr_assert(len >= 0 && len <= 6, "n %lu m %lu len %d", (unsigned long)n,
				  (unsigned long)m, len);
			cr_assert(sc_log_inclusion_check(hs, m, n, leaves[m], P(path), (size_t)len, roots[n]),
				  "proof of leaf %lu in %lu does not check", (unsigned long)m, (unsigned long)n);
			proofs++;
			/* Every bit of every hash. */
			for (int i = 0; i < len; i++)
				for (int bit = 0; bit < 256; bit += 37) {
					memcpy(bad, path, sizeof(path));
					bad[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
					cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[m], P(bad),
									  (size_t)len, roots[n]));
					mutants++;
				}
			/* A hash missing, one too many, two swapped. */
			if (len > 0)
				cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[m], P(path), (size_t)len - 1,
								  roots[n]));
			memcpy(bad, path, sizeof(path));
			memcpy(bad[len], leaves[m], SC_HASH_LEN);
			cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[m], P(bad), (size_t)len + 1,
							  roots[n]));
			if (len > 1 && memcmp(path[0], path[1], SC_HASH_LEN)) {
				memcpy(bad, path, sizeof(path));
				memcpy(bad[0], path[1], SC_HASH_LEN);
				memcpy(bad[1], path[0], SC_HASH_LEN);
				cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[m], P(bad), (size_t)len,
								  roots[n]));
			}
			/* Another leaf, index, size or root. */
			cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[(m + 1) % 64], P(path),
							  (size_t)len, roots[n]));
			if (n > 1)
				cr_assert(!sc_log_inclusion_check(hs, (m + 1) % n, n, leaves[m], P(path),
								  (size_t)len, roots[n]));
			if (n < 64)
				cr_assert(!sc_log_inclusion_check(hs, m, n + 1, leaves[m], P(path),
								  (size_t)len, roots[n + 1]));
			cr_assert(!sc_log_inclusion_check(hs, m, n, leaves[m], P(path), (size_t)len,
							  roots[n == 1 ? 2 : n - 1]));
			mutants += 6;
		}
	}
	cr_log_info("%u inclusion proofs, %u mutants rejected", proofs, mutants);
}

Test(log, every_consistency_proof_up_to_64_leaves_and_its_mutations)
{
	uint8_t leaves[64][SC_HASH_LEN], roots[65][SC_HASH_LEN];
	unsigned proofs = 0;

	make_leaves(leaves);
	for (uint64_t n = 1; n <= 64; n++)
		root_of(leaves, n, roots[n]);
	for (uint64_t n = 1; n <= 64; n++) {
		for (uint64_t m = 1; m <= n; m++) {
			uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN], bad[SC_LOG_PROOF_MAX + 1][SC_HASH_LEN];
			int len = sc_log_consistency_proof(hs, P(leaves), m, n, path);

			cr_assert(len >= 0 && len <= 12);
			cr_assert(sc_log_consistency_check(hs, m, n, roots[m], roots[n], P(path),
							   (size_t)len),
				  "PROOF(%lu, D[%lu]) does not check", (unsigned long)m, (unsigned long)n);
			proofs++;
			for (int i = 0; i < len; i++) {
				memcpy(bad, path, sizeof(path));
				bad[i][i % 32] ^= 0x10;
				cr_assert(!sc_log_consistency_check(hs, m, n, roots[m], roots[n], P(bad),
								    (size_t)len));
			}
			if (len > 0)
				cr_assert(!sc_log_consistency_check(hs, m, n, roots[m], roots[n], P(path),
								    (size_t)len - 1));
			memcpy(bad, path, sizeof(path));
			memcpy(bad[len], roots[m], SC_HASH_LEN);
			cr_assert(!sc_log_consistency_check(hs, m, n, roots[m], roots[n], P(bad),
							    (size_t)len + 1));
			/* A rewritten history: another old root, another new root. */
			if (m > 1)
				cr_assert(!sc_log_consistency_check(hs, m, n, roots[m - 1], roots[n], P(path),
								    (size_t)len));
			if (n > 1)
				cr_assert(!sc_log_consistency_check(hs, m, n, roots[m], roots[n - 1], P(path),
								    (size_t)len));
			/* The same proof claimed for other sizes. */
			if (m < n)
				cr_assert(!sc_log_consistency_check(hs, m + 1, n, roots[m + 1], roots[n],
								    P(path), (size_t)len) || len == 0);
		}
	}
	cr_log_info("%u consistency proofs checked", proofs);
}

Test(log, frontier_matches_bottom_up_root_to_1000_leaves)
{
	uint8_t (*leaves)[SC_HASH_LEN] = malloc(1000 * SC_HASH_LEN);
	uint8_t (*tmp)[SC_HASH_LEN] = malloc(1000 * SC_HASH_LEN);
	struct sc_log_frontier f;

	cr_assert(leaves != NULL && tmp != NULL);
	sc_log_frontier_init(&f);
	for (int i = 0; i < 1000; i++) {
		uint8_t a[SC_HASH_LEN], b[SC_HASH_LEN], c[SC_HASH_LEN];

		sc_hash_leaf(hs, &i, sizeof(i), leaves[i]);
		sc_log_frontier_push(hs, &f, leaves[i]);
		memcpy(tmp, leaves, (size_t)(i + 1) * SC_HASH_LEN);
		sc_merkle_root(hs, tmp, (size_t)i + 1, a);
		sc_log_frontier_root(hs, &f, b);
		sc_log_root(hs, P(leaves), 0, (uint64_t)i + 1, c);
		cr_assert(memcmp(a, b, SC_HASH_LEN) == 0 && memcmp(a, c, SC_HASH_LEN) == 0,
			  "size %d", i + 1);
		cr_assert_eq(f.n, (unsigned)__builtin_popcount((unsigned)i + 1));
	}
	free(leaves);
	free(tmp);
}

Test(log, hostile_sizes_and_lengths_fail_cleanly)
{
	uint8_t leaves[64][SC_HASH_LEN], path[SC_LOG_PROOF_MAX][SC_HASH_LEN], r[SC_HASH_LEN];

	make_leaves(leaves);
	memset(path, 0, sizeof(path));
	root_of(leaves, 8, r);
	cr_expect_eq(sc_log_inclusion_proof(hs, P(leaves), 8, 8, path), -EINVAL);
	cr_expect_eq(sc_log_consistency_proof(hs, P(leaves), 0, 8, path), -EINVAL);
	cr_expect_eq(sc_log_consistency_proof(hs, P(leaves), 9, 8, path), -EINVAL);
	cr_expect(!sc_log_inclusion_check(hs, 8, 8, leaves[0], P(path), 3, r));
	cr_expect(!sc_log_inclusion_check(hs, 0, 0, leaves[0], P(path), 0, r));
	cr_expect(!sc_log_inclusion_check(hs, 0, UINT64_MAX, leaves[0], P(path), SC_LOG_PROOF_MAX, r));
	cr_expect(!sc_log_inclusion_check(hs, 0, 8, leaves[0], P(path), SC_LOG_PROOF_MAX + 1, r));
	cr_expect(!sc_log_consistency_check(hs, 0, 8, r, r, P(path), 0));
	cr_expect(!sc_log_consistency_check(hs, 9, 8, r, r, P(path), 3));
	cr_expect(!sc_log_consistency_check(hs, 3, UINT64_MAX, r, r, P(path), SC_LOG_PROOF_MAX));
	cr_expect(!sc_log_consistency_check(hs, 3, 8, r, r, P(path), 0), "empty proof for m < n");
	cr_expect(sc_log_consistency_check(hs, 8, 8, r, r, P(path), 0));
	cr_expect(!sc_log_consistency_check(hs, 8, 8, r, leaves[0], P(path), 0));
	/* A single-leaf tree: the leaf is the root, the path empty. */
	cr_expect_eq(sc_log_inclusion_proof(hs, P(leaves), 1, 0, path), 0);
	cr_expect(sc_log_inclusion_check(hs, 0, 1, leaves[0], P(path), 0, leaves[0]));
}

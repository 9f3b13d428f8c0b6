/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_LOG_H
#define SEALCAP_LOG_H

/**
 * @file
 * The store-wide log tree: RFC 9162 (Certificate Transparency v2) Merkle
 * tree over the block hashes, in the order the writer appends blocks.
 *
 * Leaf i of the tree is the block hash of the block with log index i, which
 * is already an RFC 9162 leaf hash (SHA-256(0x00 || header[0..288))), so the
 * tree's leaf hashes are the block hashes themselves; interior nodes are
 * SHA-256(0x01 || left || right).  STORE/leaves keeps them, 32 bytes each.
 *
 * Everything here is one implementation of the RFC 9162 algorithms (2.1.1
 * Merkle Tree Hash, 2.1.3 inclusion proofs, 2.1.4 consistency proofs) that
 * the writer, verify, sealctl and the tests share.  Functions that build
 * proofs take the leaf hashes as an array; functions that check proofs take
 * only hashes and sizes, so an auditor needs no store.
 *
 * All functions are pure (no I/O, no allocation) and thread-safe as long as
 * each thread passes its own hasher.  Proof checkers are safe on hostile
 * input: any size, index or path length is accepted and simply fails.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest proof: a tree of 2^64 leaves has depth 64. */
#define SC_LOG_PROOF_MAX 64

/**
 * The right edge of a growing tree: the roots of the perfect subtrees that
 * make up a tree of @c size leaves, one per set bit of size, largest (left)
 * first.  Appending costs at most log2(size) node hashes and the root of the
 * whole tree log2(size) more, so the writer keeps one of these instead of
 * rereading the leaves at every checkpoint.
 */
struct sc_log_frontier {
	uint64_t size;
	unsigned n;                          /**< subtrees (popcount of size) */
	uint8_t node[SC_LOG_PROOF_MAX][SC_HASH_LEN];
};

/** An empty tree. */
void sc_log_frontier_init(struct sc_log_frontier *f);

/** Append one leaf hash. */
void sc_log_frontier_push(struct sc_hasher *hs, struct sc_log_frontier *f,
			  const uint8_t leaf[SC_HASH_LEN]);

/** Root of the tree so far (SHA-256("") for the empty tree). */
void sc_log_frontier_root(struct sc_hasher *hs, const struct sc_log_frontier *f,
			  uint8_t out[SC_HASH_LEN]);

/**
 * Merkle Tree Hash of leaves [@p begin, @p end) (RFC 9162 2.1.1), leaving
 * @p leaves untouched (unlike sc_merkle_root).  end - begin hashes; no
 * allocation (recursion depth at most 64).
 */
void sc_log_root(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN],
		 uint64_t begin, uint64_t end, uint8_t out[SC_HASH_LEN]);

/**
 * Inclusion proof of leaf @p index in the tree of the first @p size leaves
 * (RFC 9162 2.1.3.1, PATH(m, D[n])).
 * @param path  receives up to SC_LOG_PROOF_MAX hashes, leaf side first
 * @return number of hashes in the path, or -EINVAL when index >= size.
 */
int sc_log_inclusion_proof(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN],
			   uint64_t size, uint64_t index,
			   uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN]);

/**
 * Check an inclusion proof (RFC 9162 2.1.3.2): does @p leaf sit at
 * @p index of the tree of @p size leaves whose root is @p root?
 */
bool sc_log_inclusion_check(struct sc_hasher *hs, uint64_t index, uint64_t size,
			    const uint8_t leaf[SC_HASH_LEN],
			    const uint8_t (*path)[SC_HASH_LEN], size_t len,
			    const uint8_t root[SC_HASH_LEN]);

/**
 * Root implied by an inclusion proof, or false when the path has the wrong
 * length for (index, size).  sc_log_inclusion_check compares it.
 */
bool sc_log_inclusion_root(struct sc_hasher *hs, uint64_t index, uint64_t size,
			   const uint8_t leaf[SC_HASH_LEN],
			   const uint8_t (*path)[SC_HASH_LEN], size_t len,
			   uint8_t out[SC_HASH_LEN]);

/**
 * Consistency proof between the tree of the first @p m leaves and the tree
 * of the first @p n (RFC 9162 2.1.4.1, PROOF(m, D[n])).
 * @return number of hashes, or -EINVAL unless 0 < m <= n.  (m == n gives
 *         an empty proof.)
 */
int sc_log_consistency_proof(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN],
			     uint64_t m, uint64_t n,
			     uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN]);

/**
 * Check a consistency proof (RFC 9162 2.1.4.2): is the tree of size @p n
 * with root @p new_root an append-only extension of the tree of size @p m
 * with root @p old_root?
 */
bool sc_log_consistency_check(struct sc_hasher *hs, uint64_t m, uint64_t n,
			      const uint8_t old_root[SC_HASH_LEN],
			      const uint8_t new_root[SC_HASH_LEN],
			      const uint8_t (*path)[SC_HASH_LEN], size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_LOG_H */

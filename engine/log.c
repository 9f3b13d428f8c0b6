/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * RFC 9162 section 2.1 over leaf hashes.  Proof generation follows the
 * recursive definitions of 2.1.3.1 and 2.1.4.1 literally (each subtree hash
 * is an MTH over a slice); checking follows the iterative algorithms of
 * 2.1.3.2 and 2.1.4.2, which need no tree.
 */
#include <errno.h>
#include <string.h>

#include <sealcap/log.h>

/* Largest power of two strictly below n (n >= 2): RFC 9162's split k. */
static inline uint64_t
split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

void
sc_log_frontier_init(struct sc_log_frontier *f)
{
	f->size = 0;
	f->n = 0;
}

void
sc_log_frontier_push(struct sc_hasher *hs, struct sc_log_frontier *f,
		     const uint8_t leaf[SC_HASH_LEN])
{
	/*
	 * The subtrees mirror the bits of size: appending a leaf carries
	 * through the trailing one bits, each carry merging the two rightmost
	 * subtrees, which then have equal height.
	 */
	uint64_t s = f->size;

	memcpy(f->node[f->n++], leaf, SC_HASH_LEN);
	while (s & 1) {
		sc_hash_node(hs, f->node[f->n - 2], f->node[f->n - 1], f->node[f->n - 2]);
		f->n--;
		s >>= 1;
	}
	f->size++;
}

void
sc_log_frontier_root(struct sc_hasher *hs, const struct sc_log_frontier *f,
		     uint8_t out[SC_HASH_LEN])
{
	uint8_t acc[SC_HASH_LEN];

	if (f->n == 0) {
		sc_sha256(hs, NULL, 0, NULL, 0, out);
		return;
	}
	/* Left-balanced: fold from the right edge inwards. */
	memcpy(acc, f->node[f->n - 1], SC_HASH_LEN);
	for (unsigned i = f->n - 1; i-- > 0;)
		sc_hash_node(hs, f->node[i], acc, acc);
	memcpy(out, acc, SC_HASH_LEN);
}

void
sc_log_root(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN], uint64_t begin,
	    uint64_t end, uint8_t out[SC_HASH_LEN])
{
	uint8_t l[SC_HASH_LEN], r[SC_HASH_LEN];
	uint64_t n = end - begin, k;

	if (n == 0) {
		sc_sha256(hs, NULL, 0, NULL, 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[begin], SC_HASH_LEN);
		return;
	}
	k = split(n);
	sc_log_root(hs, leaves, begin, begin + k, l);
	sc_log_root(hs, leaves, begin + k, end, r);
	sc_hash_node(hs, l, r, out);
}

/* PATH(m, D[begin:end]), appended at path[*len]. */
static void
path_of(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN], uint64_t m,
	uint64_t begin, uint64_t end, uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN], int *len)
{
	uint64_t n = end - begin, k;

	if (n <= 1)
		return;
	k = split(n);
	if (m < k) {
		path_of(hs, leaves, m, begin, begin + k, path, len);
		sc_log_root(hs, leaves, begin + k, end, path[(*len)++]);
	} else {
		path_of(hs, leaves, m - k, begin + k, end, path, len);
		sc_log_root(hs, leaves, begin, begin + k, path[(*len)++]);
	}
}

int
sc_log_inclusion_proof(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN],
		       uint64_t size, uint64_t index,
		       uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN])
{
	int len = 0;

	if (index >= size)
		return -EINVAL;
	path_of(hs, leaves, index, 0, size, path, &len);
	return len;
}

bool
sc_log_inclusion_root(struct sc_hasher *hs, uint64_t index, uint64_t size,
		      const uint8_t leaf[SC_HASH_LEN], const uint8_t (*path)[SC_HASH_LEN],
		      size_t len, uint8_t out[SC_HASH_LEN])
{
	uint64_t fn = index, sn;
	uint8_t r[SC_HASH_LEN];

	if (index >= size || len > SC_LOG_PROOF_MAX)
		return false;
	sn = size - 1;
	memcpy(r, leaf, SC_HASH_LEN);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			sc_hash_node(hs, path[i], r, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			sc_hash_node(hs, r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return false;
	memcpy(out, r, SC_HASH_LEN);
	return true;
}

bool
sc_log_inclusion_check(struct sc_hasher *hs, uint64_t index, uint64_t size,
		       const uint8_t leaf[SC_HASH_LEN], const uint8_t (*path)[SC_HASH_LEN],
		       size_t len, const uint8_t root[SC_HASH_LEN])
{
	uint8_t r[SC_HASH_LEN];

	return sc_log_inclusion_root(hs, index, size, leaf, path, len, r) &&
	       memcmp(r, root, SC_HASH_LEN) == 0;
}

/* SUBPROOF(m, D[begin:end], b), appended at path[*len]. */
static void
subproof(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN], uint64_t m,
	 uint64_t begin, uint64_t end, bool b, uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN],
	 int *len)
{
	uint64_t n = end - begin, k;

	if (m == n) {
		if (!b)
			sc_log_root(hs, leaves, begin, end, path[(*len)++]);
		return;
	}
	k = split(n);
	if (m <= k) {
		subproof(hs, leaves, m, begin, begin + k, b, path, len);
		sc_log_root(hs, leaves, begin + k, end, path[(*len)++]);
	} else {
		subproof(hs, leaves, m - k, begin + k, end, false, path, len);
		sc_log_root(hs, leaves, begin, begin + k, path[(*len)++]);
	}
}

int
sc_log_consistency_proof(struct sc_hasher *hs, const uint8_t (*leaves)[SC_HASH_LEN],
			 uint64_t m, uint64_t n, uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN])
{
	int len = 0;

	if (m == 0 || m > n)
		return -EINVAL;
	subproof(hs, leaves, m, 0, n, true, path, &len);
	return len;
}

bool
sc_log_consistency_check(struct sc_hasher *hs, uint64_t m, uint64_t n,
			 const uint8_t old_root[SC_HASH_LEN], const uint8_t new_root[SC_HASH_LEN],
			 const uint8_t (*path)[SC_HASH_LEN], size_t len)
{
	uint8_t fr[SC_HASH_LEN], sr[SC_HASH_LEN];
	uint64_t fn, sn;
	size_t i = 0;

	if (m == 0 || m > n || len > SC_LOG_PROOF_MAX)
		return false;
	if (m == n)
		return len == 0 && memcmp(old_root, new_root, SC_HASH_LEN) == 0;
	if (len == 0)
		return false;
	/*
	 * When m is a power of two the old tree is a complete subtree of the
	 * new one and the proof leaves it out: it starts from old_root.
	 */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, old_root, SC_HASH_LEN);
	} else {
		memcpy(fr, path[0], SC_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, SC_HASH_LEN);
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			sc_hash_node(hs, path[i], fr, fr);
			sc_hash_node(hs, path[i], sr, sr);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			sc_hash_node(hs, sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, old_root, SC_HASH_LEN) == 0 &&
	       memcmp(sr, new_root, SC_HASH_LEN) == 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_HASH_H
#define SEALCAP_HASH_H

/**
 * @file
 * SHA-256 and RFC 9162 Merkle tree hashing, through OpenSSL's libcrypto.
 *
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), and the
 * tree over n leaves is the left-balanced Merkle Tree Hash of RFC 9162 2.1.1
 * (the same shape as Certificate Transparency).  A hasher owns one reusable
 * EVP context, so hashing a record costs no allocation; a hasher is not
 * thread-safe: each thread owns its own.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_HASH_LEN 32

struct sc_hasher;

/** @return a hasher, or NULL with errno ENOMEM. */
struct sc_hasher *sc_hasher_new(void);
/** Free a hasher; NULL is accepted. */
void sc_hasher_free(struct sc_hasher *h);

/** SHA-256 over the concatenation of two buffers (b may be NULL, blen 0). */
void sc_sha256(struct sc_hasher *h, const void *a, size_t alen,
	       const void *b, size_t blen, uint8_t out[SC_HASH_LEN]);
/** RFC 9162 leaf hash: SHA-256(0x00 || data). */
void sc_hash_leaf(struct sc_hasher *h, const void *data, size_t len,
		  uint8_t out[SC_HASH_LEN]);
/** RFC 9162 interior node: SHA-256(0x01 || left || right). */
void sc_hash_node(struct sc_hasher *h, const uint8_t left[SC_HASH_LEN],
		  const uint8_t right[SC_HASH_LEN], uint8_t out[SC_HASH_LEN]);

/**
 * Merkle Tree Hash of n leaf hashes (RFC 9162 2.1.1).  The empty tree is
 * SHA-256 of the empty string.  @p leaves is used as scratch and is
 * overwritten: pass a copy if the leaves are needed afterwards.
 */
void sc_merkle_root(struct sc_hasher *h, uint8_t (*leaves)[SC_HASH_LEN],
		    size_t n, uint8_t out[SC_HASH_LEN]);

/** Lower-case hex of a hash into @p out (2*SC_HASH_LEN+1 bytes). */
void sc_hash_hex(const uint8_t hash[SC_HASH_LEN], char out[2 * SC_HASH_LEN + 1]);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_HASH_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * OpenSSL's SHA256_Init/Update/Final: the EVP interface allocates and
 * cleanses provider state on every digest (measured: malloc, free and
 * OPENSSL_cleanse in the sealer's profile, ~25% of hashing time for
 * 400-byte records).  The low-level calls are deprecated in OpenSSL 3 but
 * present and use the same SHA-NI/AVX2 code; asking for the 1.1.1 API
 * keeps them visible without deprecation warnings.  Hashing is still done
 * by libcrypto, never by hand.
 */
#define OPENSSL_API_COMPAT 0x10101000L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include <sealcap/hash.h>

struct sc_hasher {
	SHA256_CTX ctx;
};

struct sc_hasher *
sc_hasher_new(void)
{
	return calloc(1, sizeof(struct sc_hasher));
}

void
sc_hasher_free(struct sc_hasher *h)
{
	free(h);
}

/* Three-part digest; the SHA256_* calls cannot fail on a valid context. */
static void
digest3(struct sc_hasher *h, const void *a, size_t alen, const void *b,
	size_t blen, const void *c, size_t clen, uint8_t out[SC_HASH_LEN])
{
	SHA256_Init(&h->ctx);
	if (alen)
		SHA256_Update(&h->ctx, a, alen);
	if (blen)
		SHA256_Update(&h->ctx, b, blen);
	if (clen)
		SHA256_Update(&h->ctx, c, clen);
	SHA256_Final(out, &h->ctx);
}

void
sc_sha256(struct sc_hasher *h, const void *a, size_t alen, const void *b,
	  size_t blen, uint8_t out[SC_HASH_LEN])
{
	digest3(h, a, alen, b, blen, NULL, 0, out);
}

void
sc_hash_leaf(struct sc_hasher *h, const void *data, size_t len,
	     uint8_t out[SC_HASH_LEN])
{
	static const uint8_t zero = 0x00;

	digest3(h, &zero, 1, data, len, NULL, 0, out);
}

void
sc_hash_node(struct sc_hasher *h, const uint8_t left[SC_HASH_LEN],
	     const uint8_t right[SC_HASH_LEN], uint8_t out[SC_HASH_LEN])
{
	static const uint8_t one = 0x01;

	digest3(h, &one, 1, left, SC_HASH_LEN, right, SC_HASH_LEN, out);
}

/*
 * Bottom-up reduction: pair neighbours, carry an odd last node up unchanged.
 * This yields exactly RFC 9162's MTH, whose split point k is the largest
 * power of two below n: the left subtree is always complete, so carried
 * nodes only ever sit at the right edge.
 */
void
sc_merkle_root(struct sc_hasher *h, uint8_t (*leaves)[SC_HASH_LEN], size_t n,
	       uint8_t out[SC_HASH_LEN])
{
	if (n == 0) {
		digest3(h, NULL, 0, NULL, 0, NULL, 0, out);
		return;
	}
	while (n > 1) {
		size_t w = 0;

		for (size_t i = 0; i + 1 < n; i += 2)
			sc_hash_node(h, leaves[i], leaves[i + 1], leaves[w++]);
		if (n & 1)
			memmove(leaves[w++], leaves[n - 1], SC_HASH_LEN);
		n = w;
	}
	memcpy(out, leaves[0], SC_HASH_LEN);
}

void
sc_hash_hex(const uint8_t hash[SC_HASH_LEN], char out[2 * SC_HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SC_HASH_LEN; i++) {
		out[2 * i] = digits[hash[i] >> 4];
		out[2 * i + 1] = digits[hash[i] & 15];
	}
	out[2 * SC_HASH_LEN] = '\0';
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_PROOF_H
#define SEALCAP_PROOF_H

/**
 * @file
 * Proofs an auditor can check without the store (docs/FORMAT.md, "Proofs").
 *
 * An inclusion proof says: this record (its exact bytes) is record N of the
 * block with log index B, that block is leaf B of the log tree of size S,
 * and a trusted key signed the checkpoint of that tree.  It is a JSON
 * document holding the record bytes, the 320-byte block header, the record's
 * Merkle path in the block, the block's path in the log tree, and the
 * signed checkpoint.
 *
 * A consistency proof says: the tree of a newer signed checkpoint is an
 * append-only extension of the tree of an older one (RFC 9162 2.1.4), so
 * nothing the older one covered was changed, removed or reordered.
 *
 * An evidence package holds the records a search found, the one signed
 * checkpoint they are all checked against, each block once (header and log
 * path) and each record's path in its block.
 *
 * Building reads the store; checking reads only the document and the keys.
 * Checkers are safe on hostile documents.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/checkpoint.h>
#include <sealcap/record.h>
#include <sealcap/search.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a checked proof says (for printing). */
struct sc_proof_info {
	char type[16];                /**< "inclusion", "consistency" or "package" */
	char id[48];                  /**< record "B.N" (inclusion) */
	uint64_t block, index;        /**< B and N */
	char origin[SC_KEYNAME_MAX + 1];
	uint64_t size;                /**< tree size of the (newer) checkpoint */
	uint64_t old_size;            /**< consistency: the older one */
	char signer[SC_KEYNAME_MAX + 1];
	int64_t rx_ns;                /**< the record's receive time */
	char source[64];              /**< its source address */
	uint16_t port;
	uint64_t records;             /**< package: records checked */
	uint64_t blocks;              /**< package: blocks they sit in */
};

/** What an export put in its package. */
struct sc_export_info {
	uint64_t records;             /**< records in the package */
	uint64_t blocks;              /**< blocks they sit in */
	uint64_t unsigned_hits;       /**< matches left out: after the checkpoint */
	uint64_t size;                /**< tree size of the checkpoint */
	char signer[SC_KEYNAME_MAX + 1];
};

/**
 * Inclusion proof of record @p block.@p index, against the newest
 * checkpoint that covers the block and verifies with @p trust (NULL: the
 * store's own keys/).
 * @param json  receives the document (malloc; free() it)
 * @return 0, -ENOENT (no such record), -EAGAIN (no checkpoint covers the
 *         block yet: sealed, not yet signed), -EBADMSG (the store does not
 *         agree with itself: run verify), or another -errno; @p err says.
 */
int sc_proof_record(const char *dir, uint64_t block, uint32_t index, struct sc_trust *trust,
		    char **json, char *err, size_t errlen);

struct sc_keyring;

/**
 * sc_proof_record for a store with encrypted blocks: @p keys decrypt the
 * block (crypt.h; NULL: none).  The proof holds the record in clear and
 * the block header; its record path is over the records in clear, so
 * checking it needs no key.
 * @return as sc_proof_record, and -EACCES when the block is encrypted and
 *         no key given is its key (@p err names the key id).
 */
int sc_proof_record_keys(const char *dir, uint64_t block, uint32_t index, struct sc_trust *trust,
			 struct sc_keyring *keys, char **json, char *err, size_t errlen);

/**
 * Consistency proof from the signed checkpoint @p old (a note, as kept by
 * an auditor) to the newest checkpoint of the store that verifies.
 * @param json  receives the document (malloc), also when the proof fails
 *              to hold as far as one could be built; NULL when none
 * @return 0 when the store extends @p old, 1 when it does not (@p err says
 *         how: rolled back, rewritten, not signed by a trusted key...), or
 *         a negative errno when the store cannot be read.
 */
int sc_proof_consistency(const char *dir, const char *old, size_t len, struct sc_trust *trust,
			 char **json, struct sc_proof_info *info, char *err, size_t errlen);

/**
 * Evidence package of every record of @p dir matching @p q, in receive-time
 * order, against the newest checkpoint that verifies with @p trust (NULL:
 * the store's own keys/).  Matches in blocks that checkpoint does not cover
 * (sealed but not yet signed) are left out and counted in @p info.
 * @param args  the filter as given on the command line (@p nargs strings),
 *              recorded in the package for the reader; may be NULL
 * Encrypted blocks are read with @p q->keys (the records and their record
 * paths are over the clear payload, so checking the package needs no key).
 * @param json  receives the document (malloc; free() it)
 * @return 0; -ENOENT when no signed record matches (@p info says whether
 *         unsigned ones did); -EAGAIN when the store has no checkpoint;
 *         -EBADMSG when a damaged block was met or the store does not agree
 *         with itself (run verify); -EACCES when an encrypted block that may
 *         hold matches cannot be read (no keys, or none is its key: @p err
 *         names the key id and --decrypt-key); another -errno.  @p err says.
 */
int sc_proof_export(const char *dir, const struct sc_query *q, const char *const *args, int nargs,
		    struct sc_trust *trust, char **json, struct sc_export_info *info, char *err,
		    size_t errlen);

/**
 * Check a proof document (any type: inclusion, consistency, package) with the keys in @p trust.
 * @return 0 when it holds, 1 when it does not (@p err says which part
 *         failed), -EINVAL when it is not a proof document.
 */
int sc_proof_check(const char *json, size_t len, struct sc_trust *trust,
		   struct sc_proof_info *info, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_PROOF_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_ERROR_H
#define SEALCAP_ERROR_H

/**
 * @file
 * What can be wrong with a store: one X-macro list gives the enum, the
 * stable name (for scripts) and the sentence (for people).  Verify reports
 * each with the segment, byte offset, block and record where it was found.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define SC_ERRORS(X) \
	X(OK,              "no error") \
	X(IO,              "cannot read or write the file") \
	X(STORE_JSON,      "store.json is missing or not a sealcap store") \
	X(STORE_ID,        "segment belongs to another store (store.json changed?)") \
	X(SEG_MAGIC,       "not a segment file (bad magic or version)") \
	X(SEG_HASH,        "segment header hash mismatch") \
	X(SEG_NUMBER,      "segment number does not match its file name or order") \
	X(SEG_EMPTY,       "segment ends before its first block") \
	X(BLK_MAGIC,       "no block header here (bad magic, version or length)") \
	X(BLK_HASH,        "block header hash mismatch (header changed)") \
	X(BLK_TRUNCATED,   "block cut short: file ends inside it") \
	X(BLK_SEGMENT,     "block says it belongs to another segment") \
	X(PAYLOAD_HASH,    "payload digest mismatch (stored bytes changed)") \
	X(DECOMPRESS,      "payload does not decompress") \
	X(PAYLOAD_LEN,     "payload length differs from the header") \
	X(CODEC,           "unknown codec or cipher") \
	X(ENCRYPTED,       "payload is encrypted: no decryption key given") \
	X(KEY_UNKNOWN,     "payload encrypted with another key than the one(s) given") \
	X(DECRYPT,         "payload fails its AES-GCM tag with the right key (ciphertext or header changed, digests recomputed)") \
	X(RECORD_FORMAT,   "malformed record") \
	X(RECORD_COUNT,    "record count differs from the header") \
	X(RECORD_ROOT,     "record Merkle root mismatch") \
	X(RECORD_SEQ,      "record sequence numbers not contiguous") \
	X(RECORD_TIME,     "record time outside the block's time range") \
	X(CHAIN,           "previous-block hash mismatch: lane chain broken") \
	X(LANE_SEQ,        "block sequence gap, duplicate or reorder in lane") \
	X(LOG_INDEX,       "store log index gap, duplicate or reorder") \
	X(LEAVES_MISSING,  "the leaves file of the log tree is missing") \
	X(LEAVES_PARTIAL,  "the leaves file ends inside a leaf") \
	X(LEAF,            "log tree leaf differs from the block hash") \
	X(BLOCK_MISSING,   "blocks listed in the log tree are missing from the segments") \
	X(PRUNED,          "blocks or segments removed that no retention event accounts for") \
	X(CKPT_FORMAT,     "checkpoint is not a well-formed signed note") \
	X(CKPT_KEY,        "checkpoint not signed by any trusted key") \
	X(CKPT_SIGNATURE,  "checkpoint signature does not verify (checkpoint edited?)") \
	X(CKPT_ORIGIN,     "checkpoint names another log") \
	X(CKPT_ROOT,       "checkpoint root differs from the log tree at its size") \
	X(CKPT_SIZE,       "checkpoint covers more blocks than the log tree holds") \
	X(CKPT_ORDER,      "checkpoint older than one before it (size or epoch went back)") \
	X(CKPT_MISSING,    "no valid checkpoint in a store that is signed") \
	X(KEYS,            "public key file damaged or not signed by the pinned key") \
	X(NOMEM,           "out of memory")

enum sc_error {
#define SC_ERR_ENUM(name, text) SC_E_##name,
	SC_ERRORS(SC_ERR_ENUM)
#undef SC_ERR_ENUM
	SC_E__COUNT
};

/** Stable upper-case name of an error ("PAYLOAD_HASH"). */
const char *sc_error_name(enum sc_error e);
/** One-line description of an error. */
const char *sc_error_text(enum sc_error e);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_ERROR_H */

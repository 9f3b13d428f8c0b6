/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_CHECKPOINT_H
#define SEALCAP_CHECKPOINT_H

/**
 * @file
 * Signed checkpoints: C2SP signed notes (c2sp.org/signed-note) carrying a
 * C2SP checkpoint body (c2sp.org/tlog-checkpoint), signed with Ed25519
 * through OpenSSL's EVP interface.
 *
 *     <origin>\n<tree size>\n<base64 root>\n
 *     \n
 *     — <key name> <base64(key hash (4 bytes, big-endian) || signature (64))>\n
 *
 * The signature covers the body including its last newline.  The key hash
 * is SHA-256(key name || 0x0A || 0x01 || public key)[0..4], and a verifier
 * key is written "<name>+<8 hex digits of the key hash>+<base64(0x01 ||
 * public key)>", the form Go's golang.org/x/mod/sumdb/note and the other
 * transparency-log tools read.
 *
 * A trust set (sc_trust) is what a verifier believes: plain verifier keys,
 * and epoch certificates (keys.h) whose master key it pins or takes from
 * the store.  Parsers here are safe on hostile input and never allocate
 * per signature line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_KEYNAME_MAX 240       /**< longest key name, bytes */
#define SC_VKEY_MAX 320          /**< longest verifier key string, with NUL */
#define SC_ED25519_LEN 32
#define SC_SIG_LEN 64
#define SC_NOTE_SIGS_MAX 100     /**< as Go's note.Open */
#define SC_CHECKPOINT_MAX 4096   /**< longest checkpoint note we write or read */

/** A signed-note verifier key (Ed25519 only). */
struct sc_vkey {
	char name[SC_KEYNAME_MAX + 1];
	uint32_t hash;
	uint8_t pub[SC_ED25519_LEN];
};

/** Key names: non-empty, at most SC_KEYNAME_MAX bytes, no space, '+' or control byte. */
bool sc_keyname_valid(const char *name);

/** Key hash of an Ed25519 key: SHA-256(name || '\n' || 0x01 || pub)[0..4], big-endian. */
uint32_t sc_key_hash(const char *name, const uint8_t pub[SC_ED25519_LEN]);

/**
 * Parse "<name>+<hash>+<base64>".  Checks the hash against name and key.
 * @return 0, or -EINVAL (malformed, unknown algorithm, wrong hash).
 */
int sc_vkey_parse(const char *s, size_t len, struct sc_vkey *k);
/** Format a verifier key into @p out (SC_VKEY_MAX bytes are always enough). */
void sc_vkey_format(const struct sc_vkey *k, char *out, size_t len);

/* ---- signing ------------------------------------------------------------- */

struct sc_signer;

/**
 * An Ed25519 signer from a 32-byte private seed (RFC 8032), named @p name.
 * The seed is copied into OpenSSL's key object, which clears it when freed;
 * the caller cleanses its own copy.
 * @return signer, or NULL with errno EINVAL (bad name) or ENOMEM.
 */
struct sc_signer *sc_signer_new(const char *name, const uint8_t seed[SC_ED25519_LEN]);
/** Free (and cleanse) a signer; NULL accepted. */
void sc_signer_free(struct sc_signer *s);
/** The signer's verifier key. */
const struct sc_vkey *sc_signer_vkey(const struct sc_signer *s);
/** Raw Ed25519 signature of @p msg.  @return 0 or -EIO. */
int sc_signer_sign(struct sc_signer *s, const void *msg, size_t len,
		   uint8_t sig[SC_SIG_LEN]);
/** Check a raw Ed25519 signature. */
bool sc_ed25519_verify(const uint8_t pub[SC_ED25519_LEN], const void *msg, size_t len,
		       const uint8_t sig[SC_SIG_LEN]);

/**
 * Sign a note: @p text (ending in '\n', no empty line, UTF-8 without
 * control characters other than '\n') followed by a blank line and one
 * signature line per signer.
 * @return length written (without the NUL that is also written), or
 *         -EINVAL (bad text), -ENOSPC (@p cap too small), -EIO.
 */
int sc_note_sign(struct sc_signer *const *signers, size_t nsigners, const char *text,
		 size_t tlen, char *out, size_t cap);

/* ---- opening a note ------------------------------------------------------- */

/** Outcome of sc_note_open, as Go's note.Open decides it. */
enum sc_note_status {
	SC_NOTE_OK = 0,          /**< at least one known key signed it, all known keys verify */
	SC_NOTE_MALFORMED,       /**< not a signed note */
	SC_NOTE_BAD_SIGNATURE,   /**< a known key's signature does not verify */
	SC_NOTE_UNKNOWN_KEY,     /**< well-formed, but no signature from a known key */
};

const char *sc_note_status_text(enum sc_note_status s);

/** Where the parts of a note are. */
struct sc_note {
	size_t text_len;          /**< the signed text is msg[0 .. text_len) */
	unsigned nsigs;           /**< signature lines */
	unsigned verified;        /**< of which verified by a known key */
	char first_name[SC_KEYNAME_MAX + 1]; /**< name on the first verified (else first) line */
	uint32_t first_hash;
};

/** Look up a verifier key by name and hash; NULL when unknown. */
typedef const struct sc_vkey *(*sc_vkey_lookup_fn)(void *arg, const char *name,
						   uint32_t hash);

/**
 * Parse @p msg as a signed note and verify every signature whose key
 * @p lookup knows.  Unknown keys are skipped; a known key that fails
 * rejects the note (as Go's note.Open).
 */
enum sc_note_status sc_note_open(const char *msg, size_t len, sc_vkey_lookup_fn lookup,
				 void *arg, struct sc_note *out);

/* ---- checkpoints ---------------------------------------------------------- */

/** A checkpoint body. */
struct sc_checkpoint {
	char origin[SC_KEYNAME_MAX + 1];
	uint64_t size;
	uint8_t root[32];
};

/**
 * Parse a checkpoint body (the note text): origin line, decimal size (no
 * leading zeros), base64 root of 32 bytes, then any extension lines.
 * @return 0 or -EINVAL.
 */
int sc_checkpoint_parse(const char *text, size_t len, struct sc_checkpoint *c);
/** Write the body; @return length or -ENOSPC. */
int sc_checkpoint_format(const struct sc_checkpoint *c, char *out, size_t cap);

/**
 * Split a checkpoints file: the next note starting at @p off.  A note is
 * its text lines, one empty line, its signature lines, and one more empty
 * line that ends it (docs/FORMAT.md).
 * @return 1 with [*start, *end) the note (the ending empty line excluded)
 *         and *next the offset after it; 0 at the end; -1 when the bytes at
 *         @p off are not a complete note (*end is where it stops making sense).
 */
int sc_checkpoints_next(const char *buf, size_t len, size_t off, size_t *start,
			size_t *end, size_t *next);

/* ---- trust ----------------------------------------------------------------- */

struct sc_trust;
struct sc_epoch_cert;

/** An empty trust set.  @return NULL with errno ENOMEM. */
struct sc_trust *sc_trust_new(void);
void sc_trust_free(struct sc_trust *t);

/**
 * Add what a verifier pins: the contents of a --pubkey file, either an
 * epoch certificate (keys.h, epochs.pub) or one or more verifier key lines.
 * A verifier key named "<origin>/master" pins the master of epoch
 * certificates; any other is trusted to sign checkpoints directly.
 * @return 0, or -EINVAL with @p err saying why.
 */
int sc_trust_add_text(struct sc_trust *t, const char *text, size_t len, char *err,
		      size_t errlen);
/** sc_trust_add_text on a file, or on the argument itself when it is a key string. */
int sc_trust_add_pubkey(struct sc_trust *t, const char *path_or_key, char *err, size_t errlen);

/**
 * Add the epoch certificates found in STORE/keys/.  When the set pins a
 * master, only certificates signed by a pinned master count; others are
 * reported in @p err and skipped.  Without pins every valid certificate is
 * taken (the store vouches for itself).
 * @return number of certificates added, or a negative errno.
 */
int sc_trust_add_store_keys(struct sc_trust *t, const char *dir, char *err, size_t errlen);

/** True when the set holds keys given by the caller, not only the store's. */
bool sc_trust_pinned(const struct sc_trust *t);
/** Any key at all? */
bool sc_trust_empty(const struct sc_trust *t);
/**
 * Epoch index of the key @p name / @p hash in one of the set's epoch
 * certificates, and which certificate (@p cert, an index into the set), or
 * -1 for a key no certificate lists.  Epochs compare only within one
 * certificate: a later keygen restarts at e0, and may have been made
 * before the old schedule's last epoch was used.
 */
int64_t sc_trust_epoch(const struct sc_trust *t, const char *name, uint32_t hash, size_t *cert);
/** Lookup for sc_note_open. */
const struct sc_vkey *sc_trust_lookup(void *t, const char *name, uint32_t hash);

/**
 * Open a signed checkpoint against the set and parse its body.
 * @return SC_NOTE_OK with @p c and @p n filled, or the failure.
 */
enum sc_note_status sc_trust_open_checkpoint(struct sc_trust *t, const char *msg, size_t len,
					     struct sc_checkpoint *c, struct sc_note *n);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_CHECKPOINT_H */

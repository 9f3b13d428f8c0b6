/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_KEYS_H
#define SEALCAP_KEYS_H

/**
 * @file
 * Forward-secure signing keys (docs/FORMAT.md, "Keys").
 *
 * sc_keygen makes, in one directory:
 *
 *   master.key   Ed25519 private key (PKCS#8 PEM), mode 0600.  Signs the
 *                epoch certificate once; then it belongs OFF the server.
 *   master.pub   the master's verifier key line, for auditors to pin.
 *   epochs.pub   the epoch certificate: a signed note, signed by the master,
 *                listing the schedule (start, epoch length, count) and the
 *                verifier key of every epoch.
 *   sign.key     the evolving secret, mode 0600: the current epoch index
 *                and its seed, nothing else.
 *
 * Epoch i lasts [start + i*seconds, start + (i+1)*seconds).  Seeds form a
 * one-way chain, seed_{i+1} = SHA-256("sealcap epoch" || seed_i), and epoch
 * i signs with the Ed25519 key whose RFC 8032 private seed is
 * HKDF-SHA256(ikm = seed_i, salt = "", info = "sealcap epoch key").  keygen
 * walks the chain once to publish every public key, then keeps only seed_0.
 * The engine moves sign.key forward epoch by epoch, overwriting the file in
 * place and cleansing the previous seed from memory before it signs with the
 * next one: whoever takes sign.key at epoch k can sign as epochs >= k only.
 *
 * Key names: "<origin>/master" and "<origin>/e<i>" (signed-note names).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/checkpoint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_SIGNKEY_LEN 384
#define SC_EPOCHS_DEFAULT 35040          /**< one year of 15-minute epochs */
#define SC_EPOCH_SECONDS_DEFAULT 900
#define SC_EPOCHS_MAX (1u << 24)

struct sc_keygen_opts {
	const char *dir;        /**< created (0700) or empty */
	const char *origin;     /**< key name prefix; NULL: "sealcap/<hostname>" */
	uint32_t epochs;        /**< 0: SC_EPOCHS_DEFAULT */
	uint32_t epoch_seconds; /**< 0: SC_EPOCH_SECONDS_DEFAULT */
	int64_t start;          /**< Unix seconds of epoch 0; 0: now */
	/**
	 * Fixed secrets instead of random ones, for golden files and tests
	 * only (tests/golden/make_golden.c): a key made from a published seed
	 * protects nothing.  NULL: OpenSSL's generator (always in sealctl).
	 */
	const uint8_t *master_seed;  /**< 32-byte RFC 8032 seed of the master */
	const uint8_t *seed0;        /**< 32-byte seed of epoch 0 */
};

/**
 * Make a master key, an epoch schedule and its certificate, and sign.key.
 * Refuses a directory that already holds any of the four files.
 * @param master_vkey  receives the master's verifier key (SC_VKEY_MAX)
 * @return 0 or a negative errno, with @p err saying what.
 */
int sc_keygen(const struct sc_keygen_opts *o, char *master_vkey, char *err, size_t errlen);

/* ---- the epoch certificate (public) ----------------------------------------- */

/** A parsed, master-verified epochs.pub. */
struct sc_epoch_cert {
	char origin[SC_KEYNAME_MAX + 1];
	struct sc_vkey master;
	int64_t start;
	uint32_t seconds;
	uint32_t epochs;
	struct sc_vkey *keys;    /**< epochs entries, key i named "<origin>/e<i>" */
	uint8_t id[32];          /**< SHA-256 of the whole file */
};

/**
 * Parse an epoch certificate and check the master's signature on it with
 * the master key it names (pin that key to trust it: sc_trust).
 * @return certificate, or NULL with @p err saying why (errno EINVAL/ENOMEM).
 */
struct sc_epoch_cert *sc_epoch_cert_parse(const char *text, size_t len, char *err,
					  size_t errlen);
void sc_epoch_cert_free(struct sc_epoch_cert *c);

/** Epoch of a time (seconds), or -1 before start; may be >= epochs. */
int64_t sc_epoch_at(const struct sc_epoch_cert *c, int64_t unix_s);

/**
 * The epoch a key name "<origin>/e<i>" names in this certificate, or -1.
 */
int64_t sc_epoch_cert_index(const struct sc_epoch_cert *c, const char *name);

/* ---- the evolving secret (engine side) ----------------------------------- */

struct sc_sign_key;

/**
 * Open sign.key for signing.  Refuses a file that is not a regular file of
 * mode 0600 or 0400 (owner only), one that is damaged, or one whose
 * epochs.pub (read from the same directory) does not match.
 * @return key, or NULL with @p err saying why.
 */
struct sc_sign_key *sc_sign_key_open(const char *path, char *err, size_t errlen);

/** The public certificate that goes with the key. */
const struct sc_epoch_cert *sc_sign_key_cert(const struct sc_sign_key *k);
/** The raw bytes of epochs.pub (to publish into STORE/keys/). */
const char *sc_sign_key_cert_text(const struct sc_sign_key *k, size_t *len);
/** Current epoch index. */
uint64_t sc_sign_key_epoch(const struct sc_sign_key *k);

/**
 * Move to epoch @p target (>= the current one): each step derives the next
 * seed, overwrites sign.key in place with (seed_{i+1}, i+1), fdatasyncs it,
 * then cleanses seed_i and frees epoch i's signer.  After the last epoch
 * the key is exhausted and signs nothing.
 * @return 0, -EINVAL (target behind), or an I/O errno (the key then stays
 *         at the last epoch written).
 */
int sc_sign_key_advance(struct sc_sign_key *k, uint64_t target);

/**
 * The signer of the current epoch (derived on first use), or NULL when the
 * key is exhausted.  Owned by the key; invalid after advance or close.
 */
struct sc_signer *sc_sign_key_signer(struct sc_sign_key *k);

/** Cleanse and free; NULL accepted. */
void sc_sign_key_close(struct sc_sign_key *k);

/**
 * The seed chain step and the epoch key derivation, exposed for tests:
 * next = SHA-256("sealcap epoch" || seed); key = HKDF(seed).
 */
void sc_epoch_seed_next(const uint8_t seed[32], uint8_t next[32]);
int sc_epoch_key_seed(const uint8_t seed[32], uint8_t key[32]);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_KEYS_H */

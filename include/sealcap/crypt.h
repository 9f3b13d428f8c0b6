/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_CRYPT_H
#define SEALCAP_CRYPT_H

/**
 * @file
 * Encryption at rest (docs/FORMAT.md, "Encryption"): AES-256-GCM over each
 * block's stored payload, through OpenSSL's EVP interface.
 *
 * The key is 32 random bytes in a small text file (sc_enc_keygen, mode
 * 0600).  It never encrypts anything itself.  Each engine run draws a
 * 16-byte random **run salt** and derives its own AES key from it:
 *
 *     run_key = HKDF-SHA256(ikm = key, salt = run_salt,
 *                           info = "sealcap block key v1", L = 32)
 *
 * and under that run key the 12-byte GCM nonce of a block is
 *
 *     nonce = lane (u32 LE) || blocks this lane has encrypted in this run (u64 LE)
 *
 * so within one run key no nonce repeats (each lane counts its own blocks
 * from 0), and two runs (a restart, a crash, another store sharing the key,
 * two engines at once) use different run keys unless two random 128-bit
 * salts collide.  The salt, the nonce and a key id (8 bytes of SHA-256 of
 * the key, so a wrong key is told apart from damage) are written into the
 * block header; the header with the fields the writer fills later, the
 * payload digest and the tag set to zero is the GCM associated data
 * (sc_block_aad).  The payload digest in the header is over the ciphertext,
 * so verify without the key still checks every stored byte.
 *
 * Sealing (sc_block_cipher) belongs to one sealer lane; reading
 * (sc_keyring) to one reader thread.  Neither is thread-safe.  Decryption is
 * safe on hostile input: a block fails its tag, never decrypts past its
 * length.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/block.h>
#include <sealcap/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_ENC_KEY_LEN 32
#define SC_ENC_KEYID_LEN 8
#define SC_ENC_SALT_LEN 16
#define SC_ENC_NONCE_LEN 12
#define SC_ENC_TAG_LEN 16
/** The key file's first line. */
#define SC_ENC_KEY_MAGIC "sealcap encryption key v1"
/** Longest key file (the text is about 100 bytes). */
#define SC_ENC_KEYFILE_MAX 256

/* ---- the key file -------------------------------------------------------- */

struct sc_enc_key;

/**
 * Make a new key (OpenSSL RAND_priv_bytes) and write it to @p path: a new
 * file (an existing one is never overwritten), mode 0600 whatever the
 * umask, synced with its directory.
 * @param id  receives the key id
 * @return 0, or a negative errno (-EEXIST, I/O), with @p err saying what.
 */
int sc_enc_keygen(const char *path, uint8_t id[SC_ENC_KEYID_LEN], char *err, size_t errlen);

/**
 * Read a key file.  Refuses a file that is not a regular file (symbolic
 * links too), one that group or others may read or write (mode must be
 * 0600 or 0400), one that is not a key file, or one whose id line does not
 * match its key (damage, a typing error when it was copied back).
 * @return key, or NULL with @p err saying why (errno EINVAL, EACCES, ENOMEM).
 */
struct sc_enc_key *sc_enc_key_load(const char *path, char *err, size_t errlen);

/**
 * A key from its 32 bytes, for golden files and tests: a key in source
 * code protects nothing.  @return key, or NULL (ENOMEM).
 */
struct sc_enc_key *sc_enc_key_from_bytes(const uint8_t key[SC_ENC_KEY_LEN]);

/** Cleanse and free; NULL accepted. */
void sc_enc_key_free(struct sc_enc_key *k);

/** The key id: SHA-256("sealcap encryption key id v1" || key), first 8 bytes. */
const uint8_t *sc_enc_key_id(const struct sc_enc_key *k);

/** Lower-case hex of a key id into @p out (17 bytes). */
void sc_enc_key_id_hex(const uint8_t id[SC_ENC_KEYID_LEN], char out[2 * SC_ENC_KEYID_LEN + 1]);

/**
 * The key file's text for @p key (what sc_enc_keygen writes).
 * @return its length, or -ENOSPC when @p len is too small.
 */
int sc_enc_key_format(const uint8_t key[SC_ENC_KEY_LEN], char *out, size_t len);

/**
 * The run key of @p k for @p salt (HKDF above), for tests that look for
 * secrets where none may be.  @return 0 or -EIO.
 */
int sc_enc_run_key(const struct sc_enc_key *k, const uint8_t salt[SC_ENC_SALT_LEN],
		   uint8_t out[SC_ENC_KEY_LEN]);

/** A fresh run salt from OpenSSL's generator.  @return 0 or -EIO. */
int sc_enc_run_salt(uint8_t salt[SC_ENC_SALT_LEN]);

/* ---- sealing: one per lane -------------------------------------------------- */

struct sc_block_cipher;

/**
 * The cipher of one lane for one run: derives the run key of @p k and
 * @p salt (every lane of a run gets the same salt) and keeps only its AES
 * key schedule; @p k may be freed afterwards.
 * @return cipher, or NULL with errno ENOMEM or EIO.
 */
struct sc_block_cipher *sc_block_cipher_new(const struct sc_enc_key *k,
					    const uint8_t salt[SC_ENC_SALT_LEN], uint32_t lane);

/** Cleanse and free; NULL accepted. */
void sc_block_cipher_free(struct sc_block_cipher *c);

/** Blocks encrypted so far (the next nonce's counter). */
uint64_t sc_block_cipher_count(const struct sc_block_cipher *c);

/**
 * Encrypt @p h->stored_len bytes of @p stored in place: sets h->cipher,
 * key_id, salt and nonce, takes the associated data from @p h
 * (sc_block_aad: every field that is already final must be), and writes
 * h->tag.  The caller computes the payload digest afterwards.  Called by
 * sc_block_seal for a builder with a cipher (sc_block_builder_set_cipher).
 * @return 0, or -EIO (OpenSSL failed; the bytes are then undefined).
 */
int sc_block_cipher_seal(struct sc_block_cipher *c, struct sc_block_hdr *h, uint8_t *stored);

/* ---- reading: keys for decryption --------------------------------------------- */

struct sc_keyring;

/** An empty keyring.  @return keyring, or NULL (ENOMEM). */
struct sc_keyring *sc_keyring_new(void);

/** Cleanse and free, with its keys; NULL accepted. */
void sc_keyring_free(struct sc_keyring *r);

/**
 * Add a key; the keyring owns it from now on (also when this fails).
 * @return 0, -EEXIST (a key with that id is there already: @p k is freed),
 *         -ENOMEM.
 */
int sc_keyring_add(struct sc_keyring *r, struct sc_enc_key *k);

/** sc_enc_key_load + sc_keyring_add.  @return 0 or -errno (@p err says). */
int sc_keyring_add_file(struct sc_keyring *r, const char *path, char *err, size_t errlen);

/** Keys held. */
size_t sc_keyring_count(const struct sc_keyring *r);
/** Id of key @p i (< count). */
const uint8_t *sc_keyring_key_id(const struct sc_keyring *r, size_t i);

/**
 * Decrypt the stored bytes of an encrypted block into @p out (h->stored_len
 * bytes).  The payload digest must have been checked already.
 * @return SC_E_OK; SC_E_KEY_UNKNOWN when no key of the ring has the
 *         block's key id (a wrong key, not damage); SC_E_DECRYPT when the
 *         tag fails with the right key (ciphertext, nonce or header changed
 *         and the digests recomputed); SC_E_CODEC for an unknown cipher;
 *         SC_E_NOMEM.
 */
enum sc_error sc_keyring_decrypt(struct sc_keyring *r, const struct sc_block_hdr *h,
				 const uint8_t *stored, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_CRYPT_H */

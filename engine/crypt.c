/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Encryption at rest (crypt.h; formats in docs/FORMAT.md, "Encryption").
 *
 * Everything cryptographic is OpenSSL's: AES-256-GCM through EVP_CIPHER,
 * HKDF through EVP_KDF, SHA-256 through EVP_MD, randomness from
 * RAND_priv_bytes, base64 from EVP_EncodeBlock.  This file only decides
 * which bytes go where, and wipes secrets (OPENSSL_cleanse) on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <sealcap/crypt.h>

#include "le.h"

static void __attribute__((format(printf, 3, 4)))
errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Fetched once: fetching an implementation costs more than using it. */
static EVP_KDF *hkdf;
static EVP_CIPHER *gcm;
static EVP_MD *sha256_md;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void
fetch(void)
{
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static bool
fetched(void)
{
	pthread_once(&fetch_once, fetch);
	return hkdf != NULL && gcm != NULL && sha256_md != NULL;
}

/* ---- keys ------------------------------------------------------------------ */

struct sc_enc_key {
	uint8_t key[SC_ENC_KEY_LEN];
	uint8_t id[SC_ENC_KEYID_LEN];
};

static int
key_id(const uint8_t key[SC_ENC_KEY_LEN], uint8_t id[SC_ENC_KEYID_LEN])
{
	static const char label[] = "sealcap encryption key id v1";
	EVP_MD_CTX *m = fetched() ? EVP_MD_CTX_new() : NULL;
	uint8_t d[32];
	unsigned int dl;
	int rc = -EIO;

	if (m != NULL && EVP_DigestInit_ex(m, sha256_md, NULL) == 1 &&
	    EVP_DigestUpdate(m, label, sizeof(label) - 1) == 1 &&
	    EVP_DigestUpdate(m, key, SC_ENC_KEY_LEN) == 1 && EVP_DigestFinal_ex(m, d, &dl) == 1) {
		memcpy(id, d, SC_ENC_KEYID_LEN);
		rc = 0;
	}
	EVP_MD_CTX_free(m);
	return rc;
}

struct sc_enc_key *
sc_enc_key_from_bytes(const uint8_t key[SC_ENC_KEY_LEN])
{
	struct sc_enc_key *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	memcpy(k->key, key, SC_ENC_KEY_LEN);
	if (key_id(k->key, k->id) != 0) {
		sc_enc_key_free(k);
		errno = EIO;
		return NULL;
	}
	return k;
}

void
sc_enc_key_free(struct sc_enc_key *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

const uint8_t *
sc_enc_key_id(const struct sc_enc_key *k)
{
	return k->id;
}

void
sc_enc_key_id_hex(const uint8_t id[SC_ENC_KEYID_LEN], char out[2 * SC_ENC_KEYID_LEN + 1])
{
	for (int i = 0; i < SC_ENC_KEYID_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

int
sc_enc_key_format(const uint8_t key[SC_ENC_KEY_LEN], char *out, size_t len)
{
	uint8_t id[SC_ENC_KEYID_LEN];
	char idhex[2 * SC_ENC_KEYID_LEN + 1];
	unsigned char b64[48];
	int n;

	if (key_id(key, id) != 0)
		return -EIO;
	sc_enc_key_id_hex(id, idhex);
	EVP_EncodeBlock(b64, key, SC_ENC_KEY_LEN);
	n = snprintf(out, len, SC_ENC_KEY_MAGIC "\nid %s\nkey %s\n", idhex, b64);
	OPENSSL_cleanse(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= len) {
		if (len)
			OPENSSL_cleanse(out, len);
		return -ENOSPC;
	}
	return n;
}

/*
 * The key file, exactly:
 *
 *     sealcap encryption key v1\n
 *     id <16 hex digits>\n
 *     key <44 characters: standard base64 of the 32 bytes>\n
 *
 * The id line is a check, not data: a file whose id does not match its key
 * was damaged or mistyped, and would otherwise decrypt nothing with a
 * message blaming the store.
 */
static int
key_parse(const char *text, size_t len, uint8_t key[SC_ENC_KEY_LEN])
{
	const size_t ml = strlen(SC_ENC_KEY_MAGIC) + 1;
	const char *idl = text + ml, *kl = idl + 20;   /* "id " 16 hex "\n" */
	char want[SC_ENC_KEYFILE_MAX];
	unsigned char raw[36];
	int n, rc = -EINVAL;

	if (len != ml + 20 + 4 + 44 + 1 || memcmp(text, SC_ENC_KEY_MAGIC "\n", ml) != 0 ||
	    memcmp(idl, "id ", 3) != 0 || idl[19] != '\n' || memcmp(kl, "key ", 4) != 0 ||
	    kl[4 + 43] != '=' || kl[4 + 42] == '=' || text[len - 1] != '\n')
		return -EINVAL;
	/* 44 base64 characters ending in one '=' decode to 33 bytes, the last 0. */
	n = EVP_DecodeBlock(raw, (const unsigned char *)kl + 4, 44);
	if (n == 33) {
		memcpy(key, raw, SC_ENC_KEY_LEN);
		n = sc_enc_key_format(key, want, sizeof(want));
		/* Canonical and whole: the file must be what keygen writes. */
		if (n == (int)len && memcmp(want, text, len) == 0)
			rc = 0;
		else if (n == (int)len && memcmp(want + (kl - text), kl, 49) == 0)
			rc = -EBADMSG; /* the key is well formed, its id line is not its id */
		OPENSSL_cleanse(want, sizeof(want));
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc != 0)
		OPENSSL_cleanse(key, SC_ENC_KEY_LEN);
	return rc;
}

struct sc_enc_key *
sc_enc_key_load(const char *path, char *err, size_t errlen)
{
	char buf[SC_ENC_KEYFILE_MAX + 1];
	uint8_t key[SC_ENC_KEY_LEN];
	struct sc_enc_key *k = NULL;
	struct stat st;
	ssize_t n;
	int fd, rc;

	/* O_NOFOLLOW: the file itself must be what its mode says. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		errf(err, errlen, "%s: %s", path, errno == ELOOP ? "a symbolic link: give the key file itself" :
		     strerror(errno));
		errno = errno == ELOOP ? EINVAL : errno;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if ((st.st_mode & 07777) != 0600 && (st.st_mode & 07777) != 0400) {
		errf(err, errlen, "%s: mode %04o lets others read or change the key; it must be 0600 "
		     "(chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		errno = EACCES;
		return NULL;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > SC_ENC_KEYFILE_MAX) {
		errf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "too long for a key file");
		OPENSSL_cleanse(buf, sizeof(buf));
		errno = EINVAL;
		return NULL;
	}
	if ((size_t)n < strlen(SC_ENC_KEY_MAGIC) + 1 ||
	    memcmp(buf, SC_ENC_KEY_MAGIC "\n", strlen(SC_ENC_KEY_MAGIC) + 1) != 0) {
		errf(err, errlen, "%s: not a sealcap encryption key (make one with sealctl enc-keygen)",
		     path);
		OPENSSL_cleanse(buf, sizeof(buf));
		errno = EINVAL;
		return NULL;
	}
	rc = key_parse(buf, (size_t)n, key);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc == 0)
		k = sc_enc_key_from_bytes(key);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0) {
		errf(err, errlen, "%s: %s", path, rc == -EBADMSG ?
		     "the id line does not match the key (damaged or mistyped)" :
		     "damaged encryption key file");
		errno = EINVAL;
		return NULL;
	}
	if (k == NULL)
		errf(err, errlen, "%s: out of memory", path);
	return k;
}

int
sc_enc_keygen(const char *path, uint8_t id[SC_ENC_KEYID_LEN], char *err, size_t errlen)
{
	uint8_t key[SC_ENC_KEY_LEN];
	char text[SC_ENC_KEYFILE_MAX], dir[4096];
	int fd, n, rc = 0;

	if (RAND_priv_bytes(key, sizeof(key)) != 1 || key_id(key, id) != 0) {
		errf(err, errlen, "cannot generate a key (OpenSSL)");
		return -EIO;
	}
	n = sc_enc_key_format(key, text, sizeof(text));
	OPENSSL_cleanse(key, sizeof(key));
	if (n < 0) {
		errf(err, errlen, "cannot format the key");
		return -EIO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		errf(err, errlen, "%s: %s%s", path, strerror(errno),
		     errno == EEXIST ? ": a key is never overwritten" : "");
		OPENSSL_cleanse(text, sizeof(text));
		return rc;
	}
	/* 0600 whatever the umask (it can only have taken bits away). */
	if (fchmod(fd, 0600) != 0 || write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
		rc = errno ? -errno : -EIO;
		errf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	close(fd);
	OPENSSL_cleanse(text, sizeof(text));
	if (rc != 0) {
		unlink(path);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
sc_enc_run_key(const struct sc_enc_key *k, const uint8_t salt[SC_ENC_SALT_LEN],
	       uint8_t out[SC_ENC_KEY_LEN])
{
	static char info[] = "sealcap block key v1";
	EVP_KDF_CTX *kc;
	OSSL_PARAM p[5];
	int rc;

	if (!fetched())
		return -EIO;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)k->key,
						 SC_ENC_KEY_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt,
						 SC_ENC_SALT_LEN);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info) - 1);
	p[4] = OSSL_PARAM_construct_end();
	kc = EVP_KDF_CTX_new(hkdf);
	rc = kc != NULL && EVP_KDF_derive(kc, out, SC_ENC_KEY_LEN, p) == 1 ? 0 : -EIO;
	EVP_KDF_CTX_free(kc);
	return rc;
}

int
sc_enc_run_salt(uint8_t salt[SC_ENC_SALT_LEN])
{
	return RAND_bytes(salt, SC_ENC_SALT_LEN) == 1 ? 0 : -EIO;
}

static void
nonce_of(uint32_t lane, uint64_t count, uint8_t nonce[SC_ENC_NONCE_LEN])
{
	put_u32(nonce, lane);
	put_u64(nonce + 4, count);
}

/* ---- sealing ----------------------------------------------------------------- */

struct sc_block_cipher {
	EVP_CIPHER_CTX *ctx;     /* holds the run key's schedule, nothing else secret */
	uint32_t lane;
	uint64_t count;          /* blocks encrypted: the next nonce */
	uint8_t id[SC_ENC_KEYID_LEN];
	uint8_t salt[SC_ENC_SALT_LEN];
};

struct sc_block_cipher *
sc_block_cipher_new(const struct sc_enc_key *k, const uint8_t salt[SC_ENC_SALT_LEN], uint32_t lane)
{
	struct sc_block_cipher *c = calloc(1, sizeof(*c));
	uint8_t rk[SC_ENC_KEY_LEN];
	int ok;

	if (c == NULL)
		return NULL;
	c->lane = lane;
	memcpy(c->id, k->id, sizeof(c->id));
	memcpy(c->salt, salt, sizeof(c->salt));
	c->ctx = fetched() ? EVP_CIPHER_CTX_new() : NULL;
	ok = c->ctx != NULL && sc_enc_run_key(k, salt, rk) == 0 &&
	     EVP_EncryptInit_ex2(c->ctx, gcm, rk, NULL, NULL) == 1;
	OPENSSL_cleanse(rk, sizeof(rk));
	if (!ok) {
		sc_block_cipher_free(c);
		errno = EIO;
		return NULL;
	}
	return c;
}

void
sc_block_cipher_free(struct sc_block_cipher *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx); /* cleanses the key schedule */
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

uint64_t
sc_block_cipher_count(const struct sc_block_cipher *c)
{
	return c->count;
}

int
sc_block_cipher_seal(struct sc_block_cipher *c, struct sc_block_hdr *h, uint8_t *stored)
{
	uint8_t aad[SC_BLOCK_HASHED_LEN];
	int n, fin;

	/* 2^64 blocks would take longer than AES-GCM should live anyway. */
	if (c->count == UINT64_MAX)
		return -EIO;
	h->cipher = SC_CIPHER_AES256GCM;
	memcpy(h->key_id, c->id, sizeof(h->key_id));
	memcpy(h->salt, c->salt, sizeof(h->salt));
	nonce_of(c->lane, c->count, h->nonce);
	memset(h->tag, 0, sizeof(h->tag));
	memset(h->payload_hash, 0, sizeof(h->payload_hash));
	sc_block_aad(h, aad);
	/*
	 * The nonce is used up whether or not this succeeds: a failure half
	 * way must never lead to the same nonce over other bytes.
	 */
	c->count++;
	if (EVP_EncryptInit_ex2(c->ctx, NULL, NULL, h->nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(c->ctx, NULL, &n, aad, (int)sizeof(aad)) != 1 ||
	    EVP_EncryptUpdate(c->ctx, stored, &n, stored, (int)h->stored_len) != 1 ||
	    EVP_EncryptFinal_ex(c->ctx, stored + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_GET_TAG, SC_ENC_TAG_LEN, h->tag) != 1)
		return -EIO;
	return 0;
}

/* ---- reading ----------------------------------------------------------------- */

#define RUNKEY_CACHE 8

struct runkey {
	bool used;
	size_t key;                       /* index into keys */
	uint8_t salt[SC_ENC_SALT_LEN];
	uint8_t rk[SC_ENC_KEY_LEN];
};

struct sc_keyring {
	struct sc_enc_key **keys;
	size_t n;
	EVP_CIPHER_CTX *ctx;
	/* Derived run keys: blocks of one run share one, so a few suffice. */
	struct runkey cache[RUNKEY_CACHE];
	unsigned next;
};

struct sc_keyring *
sc_keyring_new(void)
{
	struct sc_keyring *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->ctx = fetched() ? EVP_CIPHER_CTX_new() : NULL;
	if (r->ctx == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void
sc_keyring_free(struct sc_keyring *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		sc_enc_key_free(r->keys[i]);
	free(r->keys);
	EVP_CIPHER_CTX_free(r->ctx);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

int
sc_keyring_add(struct sc_keyring *r, struct sc_enc_key *k)
{
	struct sc_enc_key **nk;

	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->keys[i]->id, k->id, SC_ENC_KEYID_LEN) == 0) {
			sc_enc_key_free(k);
			return -EEXIST;
		}
	nk = realloc(r->keys, (r->n + 1) * sizeof(*nk));
	if (nk == NULL) {
		sc_enc_key_free(k);
		return -ENOMEM;
	}
	r->keys = nk;
	r->keys[r->n++] = k;
	return 0;
}

int
sc_keyring_add_file(struct sc_keyring *r, const char *path, char *err, size_t errlen)
{
	struct sc_enc_key *k = sc_enc_key_load(path, err, errlen);
	int rc;

	if (k == NULL)
		return -errno;
	rc = sc_keyring_add(r, k);
	if (rc == -EEXIST)
		errf(err, errlen, "%s: the same key was given twice", path);
	else if (rc != 0)
		errf(err, errlen, "%s: out of memory", path);
	return rc;
}

size_t
sc_keyring_count(const struct sc_keyring *r)
{
	return r->n;
}

const uint8_t *
sc_keyring_key_id(const struct sc_keyring *r, size_t i)
{
	return i < r->n ? r->keys[i]->id : NULL;
}

/* The run key for (key @p ki, @p salt), derived once per run. */
static const uint8_t *
run_key(struct sc_keyring *r, size_t ki, const uint8_t salt[SC_ENC_SALT_LEN])
{
	struct runkey *c;

	for (unsigned i = 0; i < RUNKEY_CACHE; i++)
		if (r->cache[i].used && r->cache[i].key == ki &&
		    memcmp(r->cache[i].salt, salt, SC_ENC_SALT_LEN) == 0)
			return r->cache[i].rk;
	c = &r->cache[r->next++ % RUNKEY_CACHE];
	c->used = false;
	if (sc_enc_run_key(r->keys[ki], salt, c->rk) != 0)
		return NULL;
	c->used = true;
	c->key = ki;
	memcpy(c->salt, salt, SC_ENC_SALT_LEN);
	return c->rk;
}

enum sc_error
sc_keyring_decrypt(struct sc_keyring *r, const struct sc_block_hdr *h, const uint8_t *stored,
		   uint8_t *out)
{
	uint8_t aad[SC_BLOCK_HASHED_LEN], tag[SC_ENC_TAG_LEN];
	const uint8_t *rk;
	size_t ki;
	int n, fin;

	if (h->cipher != SC_CIPHER_AES256GCM)
		return SC_E_CODEC;
	for (ki = 0; ki < r->n; ki++)
		if (memcmp(r->keys[ki]->id, h->key_id, SC_ENC_KEYID_LEN) == 0)
			break;
	if (ki == r->n)
		return SC_E_KEY_UNKNOWN;
	rk = run_key(r, ki, h->salt);
	if (rk == NULL)
		return SC_E_NOMEM;
	sc_block_aad(h, aad);
	memcpy(tag, h->tag, sizeof(tag));
	if (h->stored_len > INT32_MAX ||
	    EVP_DecryptInit_ex2(r->ctx, gcm, rk, h->nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(r->ctx, NULL, &n, aad, (int)sizeof(aad)) != 1 ||
	    EVP_DecryptUpdate(r->ctx, out, &n, stored, (int)h->stored_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG, SC_ENC_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(r->ctx, out + n, &fin) != 1) {
		/* Nothing unauthenticated may leave this function. */
		memset(out, 0, h->stored_len);
		return SC_E_DECRYPT;
	}
	return SC_E_OK;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Forward-secure epoch keys (keys.h; formats in docs/FORMAT.md, "Keys").
 *
 * The secret that evolves is a 32-byte seed; each epoch's Ed25519 key is
 * derived from its seed with HKDF (OpenSSL EVP_KDF), and the next seed
 * from the current one with SHA-256, so neither direction of the chain
 * reveals an earlier seed.  sign.key is rewritten in place (same inode,
 * same blocks on ext4/xfs) and synced before the old seed is cleansed from
 * memory: after an epoch ends, neither the file nor the process holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <sealcap/keys.h>

#include "checkpoint_priv.h"
#include "le.h"
#include "store_priv.h"

#define SIGNKEY_MAGIC "SCSIGNK1"

/* sign.key layout (docs/FORMAT.md). */
enum {
	K_MAGIC = 0,      /* 8 "SCSIGNK1" */
	K_VERSION = 8,    /* u16 1 */
	K_LEN = 10,       /* u16 384 */
	K_EPOCHS = 12,    /* u32 */
	K_INDEX = 16,     /* u64 current epoch */
	K_START = 24,     /* i64 Unix seconds of epoch 0 */
	K_SECONDS = 32,   /* u32 */
	/* 36..39 reserved */
	K_CERT = 40,      /* 32 SHA-256 of epochs.pub */
	K_SEED = 72,      /* 32 seed of the current epoch */
	K_ORIGLEN = 104,  /* u8 */
	K_ORIGIN = 105,   /* 200 */
	/* 305..351 reserved */
	K_SUM = 352,      /* 32 SHA-256 of bytes 0..351 */
};
_Static_assert(K_SUM + 32 == SC_SIGNKEY_LEN, "sign.key length");

/* SHA-256 of a || b; out may overlap either input. */
static void
sha256(const void *a, size_t al, const void *b, size_t bl, uint8_t out[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t d[32];
	unsigned int dl;

	/* Only fails on allocation: leave a recognisable zero digest. */
	memset(d, 0, sizeof(d));
	if (m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(m, a, al) == 1 && (bl == 0 || EVP_DigestUpdate(m, b, bl) == 1))
		EVP_DigestFinal_ex(m, d, &dl);
	EVP_MD_CTX_free(m);
	memcpy(out, d, 32);
	OPENSSL_cleanse(d, sizeof(d));
}

void
sc_epoch_seed_next(const uint8_t seed[32], uint8_t next[32])
{
	static const char label[] = "sealcap epoch";

	sha256(label, sizeof(label) - 1, seed, 32, next);
}

/* The HKDF implementation, fetched once (fetching costs more than deriving). */
static EVP_KDF *hkdf;
static pthread_once_t hkdf_once = PTHREAD_ONCE_INIT;

static void
hkdf_fetch(void)
{
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
}

int
sc_epoch_key_seed(const uint8_t seed[32], uint8_t key[32])
{
	static char info[] = "sealcap epoch key";
	EVP_KDF_CTX *kc;
	OSSL_PARAM p[4];
	int rc;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)seed, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info) - 1);
	p[3] = OSSL_PARAM_construct_end();
	pthread_once(&hkdf_once, hkdf_fetch);
	kc = hkdf ? EVP_KDF_CTX_new(hkdf) : NULL;
	rc = kc != NULL && EVP_KDF_derive(kc, key, 32, p) == 1 ? 0 : -EIO;
	EVP_KDF_CTX_free(kc);
	return rc;
}

static struct sc_signer *
epoch_signer(const char *origin, uint64_t i, const uint8_t seed[32])
{
	char name[SC_KEYNAME_MAX + 32];
	uint8_t k[32];
	struct sc_signer *s = NULL;

	snprintf(name, sizeof(name), "%s/e%" PRIu64, origin, i);
	if (sc_epoch_key_seed(seed, k) == 0)
		s = sc_signer_new(name, k);
	OPENSSL_cleanse(k, sizeof(k));
	return s;
}

/* ---- keygen -------------------------------------------------------------------- */

static int
write_new(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[4200];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* umask may have narrowed it further; never wider than asked. */
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

static void
signkey_encode(uint8_t out[SC_SIGNKEY_LEN], uint32_t epochs, uint64_t index, int64_t start,
	       uint32_t seconds, const uint8_t cert[32], const uint8_t seed[32], const char *origin)
{
	size_t ol = strlen(origin);

	memset(out, 0, SC_SIGNKEY_LEN);
	memcpy(out + K_MAGIC, SIGNKEY_MAGIC, 8);
	put_u16(out + K_VERSION, 1);
	put_u16(out + K_LEN, SC_SIGNKEY_LEN);
	put_u32(out + K_EPOCHS, epochs);
	put_u64(out + K_INDEX, index);
	put_u64(out + K_START, (uint64_t)start);
	put_u32(out + K_SECONDS, seconds);
	memcpy(out + K_CERT, cert, 32);
	memcpy(out + K_SEED, seed, 32);
	out[K_ORIGLEN] = (uint8_t)ol;
	memcpy(out + K_ORIGIN, origin, ol);
	sha256(out, K_SUM, NULL, 0, out + K_SUM);
}

int
sc_keygen(const struct sc_keygen_opts *o, char *master_vkey, char *err, size_t errlen)
{
	static const char *const files[] = { "master.key", "master.pub", "epochs.pub", "sign.key" };
	uint32_t epochs = o->epochs ? o->epochs : SC_EPOCHS_DEFAULT;
	uint32_t secs = o->epoch_seconds ? o->epoch_seconds : SC_EPOCH_SECONDS_DEFAULT;
	int64_t start = o->start ? o->start : (int64_t)time(NULL);
	char origin[256], host[200] = "localhost", name[300], line[SC_VKEY_MAX + 8];
	uint8_t mseed[32], seed[32], next[32], cert_id[32], skey[SC_SIGNKEY_LEN];
	struct sc_signer *master = NULL;
	EVP_PKEY *mpk = NULL;
	char *text = NULL, *note = NULL;
	size_t tl = 0, tcap, mlen = 32;
	int rc = 0, n;

	if (o->origin == NULL) {
		gethostname(host, sizeof(host) - 1);
		snprintf(origin, sizeof(origin), "sealcap/%s", host);
	} else {
		snprintf(origin, sizeof(origin), "%s", o->origin);
	}
	snprintf(name, sizeof(name), "%s/e%u", origin, epochs);
	if (strlen(origin) > 200 || !sc_keyname_valid(origin) || !sc_keyname_valid(name)) {
		sc_errf(err, errlen, "origin '%s': use 1-200 printable ASCII characters, no space or '+'",
			origin);
		return -EINVAL;
	}
	if (epochs > SC_EPOCHS_MAX || secs < 1) {
		sc_errf(err, errlen, "epochs must be 1..%u and epoch seconds at least 1", SC_EPOCHS_MAX);
		return -EINVAL;
	}
	if (sc_mkdir_mode(o->dir, 0700) != 0 && errno != EEXIST) {
		sc_errf(err, errlen, "%s: %s", o->dir, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < 4; i++) {
		char p[4200];

		snprintf(p, sizeof(p), "%s/%s", o->dir, files[i]);
		if (access(p, F_OK) == 0) {
			sc_errf(err, errlen, "%s already exists: keygen never overwrites keys", p);
			return -EEXIST;
		}
	}

	/* Master: a fresh Ed25519 key from OpenSSL's generator. */
	mpk = o->master_seed ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, o->master_seed, 32) :
			       EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (o->seed0)
		memcpy(seed, o->seed0, sizeof(seed));
	if (mpk == NULL || EVP_PKEY_get_raw_private_key(mpk, mseed, &mlen) != 1 || mlen != 32 ||
	    (o->seed0 == NULL && RAND_priv_bytes(seed, sizeof(seed)) != 1)) {
		sc_errf(err, errlen, "cannot generate keys (OpenSSL)");
		rc = -EIO;
		goto out;
	}
	snprintf(name, sizeof(name), "%s/master", origin);
	master = sc_signer_new(name, mseed);
	if (master == NULL) {
		rc = -ENOMEM;
		goto out;
	}

	/* The certificate: schedule and every epoch's verifier key. */
	tcap = 512 + (size_t)epochs * (SC_VKEY_MAX + 1);
	text = malloc(tcap);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	sc_vkey_format(sc_signer_vkey(master), master_vkey, SC_VKEY_MAX);
	tl = (size_t)snprintf(text, tcap, "%s\norigin %s\nmaster %s\nstart %" PRId64
			      "\nseconds %" PRIu32 "\nepochs %" PRIu32 "\n",
			      SC_EPOCH_CERT_MAGIC, origin, master_vkey, start, secs, epochs);
	memcpy(next, seed, 32);
	for (uint32_t i = 0; i < epochs; i++) {
		struct sc_signer *s = epoch_signer(origin, i, next);

		if (s == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		sc_vkey_format(sc_signer_vkey(s), text + tl, tcap - tl);
		tl += strlen(text + tl);
		text[tl++] = '\n';
		sc_signer_free(s);
		sc_epoch_seed_next(next, next);
	}
	OPENSSL_cleanse(next, sizeof(next));
	note = malloc(tl + 512);
	if (note == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = sc_note_sign(&master, 1, text, tl, note, tl + 512);
	if (n < 0) {
		rc = n;
		goto out;
	}
	sha256(note, (size_t)n, NULL, 0, cert_id);
	signkey_encode(skey, epochs, 0, start, secs, cert_id, seed, origin);

	/* Public parts first: a failure leaves no secret behind. */
	snprintf(line, sizeof(line), "%s\n", master_vkey);
	if ((rc = write_new(o->dir, "epochs.pub", note, (size_t)n, 0640)) != 0 ||
	    (rc = write_new(o->dir, "master.pub", line, strlen(line), 0640)) != 0) {
		sc_errf(err, errlen, "%s: writing public keys: %s", o->dir, strerror(-rc));
		goto out;
	}
	{
		char p[4200];
		int fd;
		FILE *f;

		snprintf(p, sizeof(p), "%s/master.key", o->dir);
		fd = sc_open_mode(p, O_WRONLY | O_EXCL | O_CLOEXEC, 0600);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (f == NULL || PEM_write_PrivateKey(f, mpk, NULL, NULL, 0, NULL, NULL) != 1 ||
		    fflush(f) != 0 || fsync(fd) != 0) {
			rc = -EIO;
			sc_errf(err, errlen, "%s: cannot write", p);
		}
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		if (rc != 0)
			goto out;
	}
	if ((rc = write_new(o->dir, "sign.key", skey, sizeof(skey), 0600)) != 0) {
		sc_errf(err, errlen, "%s/sign.key: %s", o->dir, strerror(-rc));
		goto out;
	}
	{
		int fd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
out:
	OPENSSL_cleanse(mseed, sizeof(mseed));
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(skey, sizeof(skey));
	sc_signer_free(master);
	EVP_PKEY_free(mpk);
	free(text);
	free(note);
	return rc;
}

/* ---- the certificate ------------------------------------------------------------ */

static const char *
line_after(const char *p, const char *end, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);
	const char *nl;

	if ((size_t)(end - p) < kl + 1 || memcmp(p, key, kl) != 0 || p[kl] != ' ')
		return NULL;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return NULL;
	*vlen = (size_t)(nl - p) - kl - 1;
	return p + kl + 1;
}

static bool
parse_i64(const char *s, size_t len, int64_t *v, int64_t lo, int64_t hi)
{
	char buf[32], *e;
	long long x;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	x = strtoll(buf, &e, 10);
	if (errno || *e || x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

static const struct sc_vkey *
master_lookup(void *arg, const char *name, uint32_t hash)
{
	const struct sc_vkey *m = arg;

	return m->hash == hash && strcmp(m->name, name) == 0 ? m : NULL;
}

struct sc_epoch_cert *
sc_epoch_cert_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct sc_epoch_cert *c = calloc(1, sizeof(*c));
	struct sc_note n;
	const char *p, *end, *v;
	size_t vl;
	int64_t x;
	char want[SC_KEYNAME_MAX + 32];

	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	errno = EINVAL;
	if (sc_note_open(text, len, NULL, NULL, &n) != SC_NOTE_UNKNOWN_KEY) {
		sc_errf(err, errlen, "epoch certificate: not a well-formed signed note");
		goto bad;
	}
	p = text;
	end = text + n.text_len;
	if ((size_t)(end - p) < sizeof(SC_EPOCH_CERT_MAGIC) ||
	    memcmp(p, SC_EPOCH_CERT_MAGIC "\n", sizeof(SC_EPOCH_CERT_MAGIC)) != 0) {
		sc_errf(err, errlen, "epoch certificate: first line is not '%s'", SC_EPOCH_CERT_MAGIC);
		goto bad;
	}
	p += sizeof(SC_EPOCH_CERT_MAGIC);
#define FIELD(key) \
	do { \
		v = line_after(p, end, key, &vl); \
		if (v == NULL) { \
			sc_errf(err, errlen, "epoch certificate: line '%s ...' missing or out of order", key); \
			goto bad; \
		} \
		p = v + vl + 1; \
	} while (0)
	FIELD("origin");
	if (vl == 0 || vl > 200) {
		sc_errf(err, errlen, "epoch certificate: bad origin");
		goto bad;
	}
	memcpy(c->origin, v, vl);
	FIELD("master");
	snprintf(want, sizeof(want), "%s/master", c->origin);
	if (sc_vkey_parse(v, vl, &c->master) != 0 || strcmp(c->master.name, want) != 0) {
		sc_errf(err, errlen, "epoch certificate: master is not a verifier key named %s", want);
		goto bad;
	}
	FIELD("start");
	if (!parse_i64(v, vl, &c->start, INT32_MIN * 1000LL, INT32_MAX * 1000LL))
		goto badnum;
	FIELD("seconds");
	if (!parse_i64(v, vl, &x, 1, UINT32_MAX))
		goto badnum;
	c->seconds = (uint32_t)x;
	FIELD("epochs");
	if (!parse_i64(v, vl, &x, 1, SC_EPOCHS_MAX))
		goto badnum;
	c->epochs = (uint32_t)x;
#undef FIELD
	c->keys = calloc(c->epochs, sizeof(*c->keys));
	if (c->keys == NULL) {
		errno = ENOMEM;
		goto bad;
	}
	for (uint32_t i = 0; i < c->epochs; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		snprintf(want, sizeof(want), "%s/e%" PRIu32, c->origin, i);
		if (nl == NULL || sc_vkey_parse(p, (size_t)(nl - p), &c->keys[i]) != 0 ||
		    strcmp(c->keys[i].name, want) != 0) {
			sc_errf(err, errlen, "epoch certificate: key %u is not a verifier key named %s",
				i, want);
			goto bad;
		}
		p = nl + 1;
	}
	if (p != end) {
		sc_errf(err, errlen, "epoch certificate: more keys than its %u epochs", c->epochs);
		goto bad;
	}
	if (sc_note_open(text, len, master_lookup, &c->master, &n) != SC_NOTE_OK) {
		sc_errf(err, errlen, "epoch certificate: not signed by its master key %s",
			c->master.name);
		goto bad;
	}
	sha256(text, len, NULL, 0, c->id);
	return c;
badnum:
	sc_errf(err, errlen, "epoch certificate: bad number in its schedule");
bad:
	sc_epoch_cert_free(c);
	return NULL;
}

void
sc_epoch_cert_free(struct sc_epoch_cert *c)
{
	if (c == NULL)
		return;
	free(c->keys);
	free(c);
}

int64_t
sc_epoch_at(const struct sc_epoch_cert *c, int64_t t)
{
	if (t < c->start)
		return -1;
	return (t - c->start) / c->seconds;
}

int64_t
sc_epoch_cert_index(const struct sc_epoch_cert *c, const char *name)
{
	size_t ol = strlen(c->origin);
	const char *d;
	uint64_t v = 0;

	if (strncmp(name, c->origin, ol) != 0 || name[ol] != '/' || name[ol + 1] != 'e')
		return -1;
	d = name + ol + 2;
	if (*d == '\0' || (d[0] == '0' && d[1] != '\0'))
		return -1;
	for (; *d; d++) {
		if (*d < '0' || *d > '9' || v > SC_EPOCHS_MAX)
			return -1;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	return v < c->epochs ? (int64_t)v : -1;
}

/* ---- sign.key --------------------------------------------------------------------- */

struct sc_sign_key {
	int fd;
	char path[4096];
	uint8_t seed[32];
	uint64_t index;
	bool exhausted;
	struct sc_signer *signer;
	struct sc_epoch_cert *cert;
	char *cert_text;
	size_t cert_len;
};

struct sc_sign_key *
sc_sign_key_open(const char *path, char *err, size_t errlen)
{
	struct sc_sign_key *k = calloc(1, sizeof(*k));
	uint8_t b[SC_SIGNKEY_LEN], sum[32];
	char dir[4096], cpath[4200], origin[256];
	struct stat st;
	ssize_t n;

	if (k == NULL)
		return NULL;
	k->fd = -1;
	snprintf(k->path, sizeof(k->path), "%s", path);
	/* O_NOFOLLOW: the file itself must be what its mode says. */
	k->fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (k->fd < 0) {
		sc_errf(err, errlen, "--sign-key %s: %s", path, strerror(errno));
		goto bad;
	}
	if (fstat(k->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sc_errf(err, errlen, "--sign-key %s: not a regular file", path);
		goto bad;
	}
	if ((st.st_mode & 07777) != 0600 && (st.st_mode & 07777) != 0400) {
		sc_errf(err, errlen, "--sign-key %s: mode %04o lets others read the secret; "
			"it must be 0600 (chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		goto bad;
	}
	if ((st.st_mode & 07777) == 0400) {
		sc_errf(err, errlen, "--sign-key %s: mode 0400: the engine must rewrite the key at "
			"every epoch (chmod 600 %s)", path, path);
		goto bad;
	}
	if (flock(k->fd, LOCK_EX | LOCK_NB) != 0) {
		sc_errf(err, errlen, "--sign-key %s: in use by another engine", path);
		goto bad;
	}
	n = pread(k->fd, b, sizeof(b), 0);
	sha256(b, K_SUM, NULL, 0, sum);
	if (n != (ssize_t)sizeof(b) || memcmp(b, SIGNKEY_MAGIC, 8) != 0 ||
	    get_u16(b + K_VERSION) != 1 || get_u16(b + K_LEN) != SC_SIGNKEY_LEN ||
	    memcmp(sum, b + K_SUM, 32) != 0 || b[K_ORIGLEN] == 0 || b[K_ORIGLEN] > 200) {
		sc_errf(err, errlen, "--sign-key %s: not a sealcap signing key, or damaged", path);
		goto bad_wipe;
	}
	memcpy(k->seed, b + K_SEED, 32);
	k->index = get_u64(b + K_INDEX);
	memcpy(origin, b + K_ORIGIN, b[K_ORIGLEN]);
	origin[b[K_ORIGLEN]] = '\0';

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(cpath, sizeof(cpath), "%s/epochs.pub", dirname(dir));
	if (sc_read_file(cpath, &k->cert_text, &k->cert_len, 256u << 20) != 0) {
		sc_errf(err, errlen, "%s: cannot read the epoch certificate that goes with %s",
			cpath, path);
		goto bad_wipe;
	}
	k->cert = sc_epoch_cert_parse(k->cert_text, k->cert_len, err, errlen);
	sha256(k->cert_text, k->cert_len, NULL, 0, sum);
	if (k->cert == NULL || memcmp(sum, b + K_CERT, 32) != 0 ||
	    strcmp(k->cert->origin, origin) != 0 || k->cert->epochs != get_u32(b + K_EPOCHS) ||
	    k->cert->seconds != get_u32(b + K_SECONDS) ||
	    k->cert->start != (int64_t)get_u64(b + K_START)) {
		if (k->cert != NULL)
			sc_errf(err, errlen, "%s does not belong to %s (another keygen run?)", cpath, path);
		goto bad_wipe;
	}
	k->exhausted = k->index >= k->cert->epochs;
	OPENSSL_cleanse(b, sizeof(b));
	return k;
bad_wipe:
	OPENSSL_cleanse(b, sizeof(b));
bad:
	sc_sign_key_close(k);
	return NULL;
}

const struct sc_epoch_cert *
sc_sign_key_cert(const struct sc_sign_key *k)
{
	return k->cert;
}

const char *
sc_sign_key_cert_text(const struct sc_sign_key *k, size_t *len)
{
	*len = k->cert_len;
	return k->cert_text;
}

uint64_t
sc_sign_key_epoch(const struct sc_sign_key *k)
{
	return k->index;
}

struct sc_signer *
sc_sign_key_signer(struct sc_sign_key *k)
{
	if (k->exhausted)
		return NULL;
	if (k->signer == NULL) {
		k->signer = epoch_signer(k->cert->origin, k->index, k->seed);
		/* The derived key must be the one the certificate published. */
		if (k->signer != NULL &&
		    memcmp(sc_signer_vkey(k->signer)->pub, k->cert->keys[k->index].pub, 32) != 0) {
			sc_signer_free(k->signer);
			k->signer = NULL;
		}
	}
	return k->signer;
}

int
sc_sign_key_advance(struct sc_sign_key *k, uint64_t target)
{
	uint8_t b[SC_SIGNKEY_LEN], next[32];

	if (target < k->index)
		return -EINVAL;
	while (k->index < target && !k->exhausted) {
		sc_epoch_seed_next(k->seed, next);
		signkey_encode(b, k->cert->epochs, k->index + 1, k->cert->start, k->cert->seconds,
			       k->cert->id, next, k->cert->origin);
		/* The file first: the old seed must not outlive a crash on disk. */
		if (pwrite(k->fd, b, sizeof(b), 0) != (ssize_t)sizeof(b) || fdatasync(k->fd) != 0) {
			int rc = errno ? -errno : -EIO;

			OPENSSL_cleanse(b, sizeof(b));
			OPENSSL_cleanse(next, sizeof(next));
			return rc;
		}
		OPENSSL_cleanse(b, sizeof(b));
		/* Then memory: the seed, and the signer derived from it. */
		sc_signer_free(k->signer);
		k->signer = NULL;
		memcpy(k->seed, next, 32);
		OPENSSL_cleanse(next, sizeof(next));
		k->index++;
		k->exhausted = k->index >= k->cert->epochs;
	}
	return 0;
}

void
sc_sign_key_close(struct sc_sign_key *k)
{
	if (k == NULL)
		return;
	if (k->fd >= 0)
		close(k->fd);
	sc_signer_free(k->signer);
	sc_epoch_cert_free(k->cert);
	free(k->cert_text);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

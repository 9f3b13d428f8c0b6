/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Signed notes, checkpoints and trust sets.  Ed25519 and SHA-256 are
 * OpenSSL's (EVP_DigestSign with no digest, as RFC 8032 pure Ed25519
 * requires); base64 is OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, wrapped
 * so that only the canonical encoding is accepted (a note whose signature
 * can be spelled two ways could be edited without breaking it).
 *
 * Notes are restricted to ASCII text (plus the em dash that starts each
 * signature line): everything sealcap writes is ASCII, and refusing the rest
 * keeps the parser small.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sealcap/checkpoint.h>
#include <sealcap/keys.h>

#include "checkpoint_priv.h"

static const char dash[] = "\xe2\x80\x94 "; /* U+2014 EM DASH, space */
#define DASH_LEN 4

void
sc_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ---- base64 --------------------------------------------------------------- */

size_t
sc_b64_encode(const uint8_t *in, size_t len, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

int
sc_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t pad = 0, n;
	uint8_t *tmp;
	char *check;
	int rc = -1;

	if (len == 0 || len % 4 != 0 || len > (1u << 30))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '=') {
			if (i < len - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	n = len / 4 * 3 - pad;
	if (n > cap)
		return -1;
	/* EVP_DecodeBlock writes the padding as zero bytes: decode aside. */
	tmp = malloc(len / 4 * 3);
	check = malloc(len + 1);
	if (tmp != NULL && check != NULL &&
	    EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len) == (int)(len / 4 * 3)) {
		memcpy(out, tmp, n);
		/* Canonical only: no stray bits in the last group. */
		sc_b64_encode(out, n, check);
		if (memcmp(check, in, len) == 0)
			rc = (int)n;
	}
	free(tmp);
	free(check);
	return rc;
}

/* ---- keys ------------------------------------------------------------------ */

/*
 * A name as it stands in a key string or a signature line (@p n bytes, not
 * a C string): a NUL in it must not end it early, or "name\0junk" would be
 * read as "name" (found by fuzz_checkpoint).
 */
static bool
keyname_ok(const char *name, size_t n)
{
	if (n == 0 || n > SC_KEYNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f || name[i] == '+')
			return false;
	return true;
}

bool
sc_keyname_valid(const char *name)
{
	return keyname_ok(name, strlen(name));
}

uint32_t
sc_key_hash(const char *name, const uint8_t pub[SC_ED25519_LEN])
{
	uint8_t d[32];
	static const uint8_t sep[2] = { '\n', 0x01 };
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int dl = 0;

	if (m == NULL || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(m, name, strlen(name)) != 1 || EVP_DigestUpdate(m, sep, 2) != 1 ||
	    EVP_DigestUpdate(m, pub, SC_ED25519_LEN) != 1 || EVP_DigestFinal_ex(m, d, &dl) != 1) {
		EVP_MD_CTX_free(m);
		return 0;
	}
	EVP_MD_CTX_free(m);
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

int
sc_vkey_parse(const char *s, size_t len, struct sc_vkey *k)
{
	const char *p1, *p2, *end = s + len;
	uint8_t raw[40];
	char hex[9];
	char *e;
	unsigned long h;
	size_t nl;

	p1 = memchr(s, '+', len);
	if (p1 == NULL)
		return -EINVAL;
	p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1));
	if (p2 == NULL || p2 - p1 - 1 != 8)
		return -EINVAL;
	nl = (size_t)(p1 - s);
	if (!keyname_ok(s, nl))
		return -EINVAL;
	memcpy(k->name, s, nl);
	k->name[nl] = '\0';
	memcpy(hex, p1 + 1, 8);
	hex[8] = '\0';
	for (int i = 0; i < 8; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -EINVAL;
	h = strtoul(hex, &e, 16);
	if (*e != '\0')
		return -EINVAL;
	if (sc_b64_decode(p2 + 1, (size_t)(end - p2 - 1), raw, sizeof(raw)) != 33 || raw[0] != 0x01)
		return -EINVAL;
	memcpy(k->pub, raw + 1, SC_ED25519_LEN);
	k->hash = (uint32_t)h;
	if (sc_key_hash(k->name, k->pub) != k->hash)
		return -EINVAL;
	return 0;
}

void
sc_vkey_format(const struct sc_vkey *k, char *out, size_t len)
{
	uint8_t raw[33];
	char b64[64];

	raw[0] = 0x01;
	memcpy(raw + 1, k->pub, SC_ED25519_LEN);
	sc_b64_encode(raw, sizeof(raw), b64);
	snprintf(out, len, "%s+%08" PRIx32 "+%s", k->name, k->hash, b64);
}

/* ---- signing ----------------------------------------------------------------- */

struct sc_signer {
	EVP_PKEY *pk;
	EVP_MD_CTX *md;
	struct sc_vkey vk;
};

struct sc_signer *
sc_signer_new(const char *name, const uint8_t seed[SC_ED25519_LEN])
{
	struct sc_signer *s;
	size_t pl = SC_ED25519_LEN;

	if (!sc_keyname_valid(name)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SC_ED25519_LEN);
	s->md = EVP_MD_CTX_new();
	if (s->pk == NULL || s->md == NULL ||
	    EVP_PKEY_get_raw_public_key(s->pk, s->vk.pub, &pl) != 1 || pl != SC_ED25519_LEN) {
		sc_signer_free(s);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(s->vk.name, sizeof(s->vk.name), "%s", name);
	s->vk.hash = sc_key_hash(name, s->vk.pub);
	return s;
}

void
sc_signer_free(struct sc_signer *s)
{
	if (s == NULL)
		return;
	/* OpenSSL clears the private key of an ED25519 EVP_PKEY when it frees it. */
	EVP_PKEY_free(s->pk);
	EVP_MD_CTX_free(s->md);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const struct sc_vkey *
sc_signer_vkey(const struct sc_signer *s)
{
	return &s->vk;
}

int
sc_signer_sign(struct sc_signer *s, const void *msg, size_t len, uint8_t sig[SC_SIG_LEN])
{
	size_t sl = SC_SIG_LEN;

	if (EVP_MD_CTX_reset(s->md) != 1 ||
	    EVP_DigestSignInit(s->md, NULL, NULL, NULL, s->pk) != 1 ||
	    EVP_DigestSign(s->md, sig, &sl, msg, len) != 1 || sl != SC_SIG_LEN)
		return -EIO;
	return 0;
}

bool
sc_ed25519_verify(const uint8_t pub[SC_ED25519_LEN], const void *msg, size_t len,
		  const uint8_t sig[SC_SIG_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SC_ED25519_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = pk != NULL && md != NULL &&
		  EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
		  EVP_DigestVerify(md, sig, SC_SIG_LEN, msg, len) == 1;

	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	return ok;
}

/* Note text: ASCII, no control byte but '\n', ends in '\n', no empty line. */
static bool
text_ok(const char *t, size_t n)
{
	if (n == 0 || t[n - 1] != '\n' || t[0] == '\n')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if ((c < 0x20 && c != '\n') || c >= 0x7f)
			return false;
		if (c == '\n' && i + 1 < n && t[i + 1] == '\n')
			return false;
	}
	return true;
}

int
sc_note_sign(struct sc_signer *const *signers, size_t nsigners, const char *text, size_t tlen,
	     char *out, size_t cap)
{
	size_t o;

	if (!text_ok(text, tlen) || nsigners == 0 || nsigners > SC_NOTE_SIGS_MAX)
		return -EINVAL;
	if (tlen + 1 >= cap)
		return -ENOSPC;
	memcpy(out, text, tlen);
	o = tlen;
	out[o++] = '\n';
	for (size_t i = 0; i < nsigners; i++) {
		const struct sc_vkey *vk = &signers[i]->vk;
		uint8_t raw[4 + SC_SIG_LEN];
		size_t need = DASH_LEN + strlen(vk->name) + 1 + 4 * ((sizeof(raw) + 2) / 3) + 1;

		if (o + need + 1 > cap)
			return -ENOSPC;
		raw[0] = (uint8_t)(vk->hash >> 24);
		raw[1] = (uint8_t)(vk->hash >> 16);
		raw[2] = (uint8_t)(vk->hash >> 8);
		raw[3] = (uint8_t)vk->hash;
		if (sc_signer_sign(signers[i], text, tlen, raw + 4) != 0)
			return -EIO;
		memcpy(out + o, dash, DASH_LEN);
		o += DASH_LEN;
		o += (size_t)sprintf(out + o, "%s ", vk->name);
		o += sc_b64_encode(raw, sizeof(raw), out + o);
		out[o++] = '\n';
	}
	out[o] = '\0';
	return (int)o;
}

/* ---- opening ----------------------------------------------------------------- */

const char *
sc_note_status_text(enum sc_note_status s)
{
	switch (s) {
	case SC_NOTE_OK: return "signature verified";
	case SC_NOTE_MALFORMED: return "not a well-formed signed note";
	case SC_NOTE_BAD_SIGNATURE: return "signature does not verify";
	case SC_NOTE_UNKNOWN_KEY: return "not signed by any trusted key";
	}
	return "?";
}

enum sc_note_status
sc_note_open(const char *msg, size_t len, sc_vkey_lookup_fn lookup, void *arg,
	     struct sc_note *out)
{
	size_t split = SIZE_MAX, p;

	memset(out, 0, sizeof(*out));
	/* ASCII except the em dash of signature lines (checked below). */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 && c != '\n')
			return SC_NOTE_MALFORMED;
		if (c >= 0x7f && !(i + DASH_LEN <= len && memcmp(msg + i, dash, DASH_LEN) == 0 &&
				   i > 0 && msg[i - 1] == '\n'))
			return SC_NOTE_MALFORMED;
		if (c >= 0x7f)
			i += DASH_LEN - 1;
	}
	/* As Go's note.Open: the signatures follow the LAST blank line. */
	for (size_t i = len; i-- > 1;)
		if (msg[i] == '\n' && msg[i - 1] == '\n') {
			split = i - 1;
			break;
		}
	if (split == SIZE_MAX || split == 0 || len == 0 || msg[len - 1] != '\n' ||
	    split + 2 >= len)
		return SC_NOTE_MALFORMED;
	out->text_len = split + 1;
	if (!text_ok(msg, out->text_len))
		return SC_NOTE_MALFORMED;
	for (p = split + 2; p < len;) {
		const char *line = msg + p, *nl = memchr(line, '\n', len - p), *sp;
		size_t ll = (size_t)(nl - line), nlen;
		uint8_t raw[4 + 4 * SC_SIG_LEN];
		char name[SC_KEYNAME_MAX + 1];
		const struct sc_vkey *vk;
		uint32_t hash;
		int n;

		p += ll + 1;
		if (ll < DASH_LEN || memcmp(line, dash, DASH_LEN) != 0)
			return SC_NOTE_MALFORMED;
		line += DASH_LEN;
		ll -= DASH_LEN;
		sp = memchr(line, ' ', ll);
		if (sp == NULL)
			return SC_NOTE_MALFORMED;
		nlen = (size_t)(sp - line);
		if (!keyname_ok(line, nlen))
			return SC_NOTE_MALFORMED;
		memcpy(name, line, nlen);
		name[nlen] = '\0';
		n = sc_b64_decode(sp + 1, ll - nlen - 1, raw, sizeof(raw));
		if (n < 5)
			return SC_NOTE_MALFORMED;
		if (++out->nsigs > SC_NOTE_SIGS_MAX)
			return SC_NOTE_MALFORMED;
		hash = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
		if (out->nsigs == 1) {
			snprintf(out->first_name, sizeof(out->first_name), "%s", name);
			out->first_hash = hash;
		}
		vk = lookup ? lookup(arg, name, hash) : NULL;
		if (vk == NULL)
			continue;
		if (n != 4 + SC_SIG_LEN || !sc_ed25519_verify(vk->pub, msg, out->text_len, raw + 4)) {
			snprintf(out->first_name, sizeof(out->first_name), "%s", name);
			out->first_hash = hash;
			return SC_NOTE_BAD_SIGNATURE;
		}
		if (out->verified++ == 0) {
			snprintf(out->first_name, sizeof(out->first_name), "%s", name);
			out->first_hash = hash;
		}
	}
	return out->verified ? SC_NOTE_OK : SC_NOTE_UNKNOWN_KEY;
}

/* ---- checkpoints --------------------------------------------------------------- */

int
sc_checkpoint_parse(const char *text, size_t len, struct sc_checkpoint *c)
{
	const char *l1, *l2, *l3, *e;
	size_t n;
	uint64_t size = 0;
	uint8_t root[33];

	memset(c, 0, sizeof(*c));
	l1 = memchr(text, '\n', len);
	if (l1 == NULL)
		return -EINVAL;
	n = (size_t)(l1 - text);
	if (n == 0 || n > SC_KEYNAME_MAX)
		return -EINVAL;
	memcpy(c->origin, text, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f)
			return -EINVAL;
	l2 = memchr(l1 + 1, '\n', len - n - 1);
	if (l2 == NULL || l2 == l1 + 1 || l2 - l1 - 1 > 20)
		return -EINVAL;
	if (l1[1] == '0' && l2 != l1 + 2)
		return -EINVAL; /* no leading zeros: one spelling per size */
	for (e = l1 + 1; e < l2; e++) {
		if (*e < '0' || *e > '9' || size > (UINT64_MAX - (uint64_t)(*e - '0')) / 10)
			return -EINVAL;
		size = size * 10 + (uint64_t)(*e - '0');
	}
	l3 = memchr(l2 + 1, '\n', (size_t)(text + len - l2 - 1));
	if (l3 == NULL || sc_b64_decode(l2 + 1, (size_t)(l3 - l2 - 1), root, sizeof(root)) != 32)
		return -EINVAL;
	/* Extension lines may follow: non-empty, ASCII. */
	for (e = l3 + 1; e < text + len;) {
		const char *nl = memchr(e, '\n', (size_t)(text + len - e));

		if (nl == NULL || nl == e)
			return -EINVAL;
		e = nl + 1;
	}
	if (text[len - 1] != '\n')
		return -EINVAL;
	c->size = size;
	memcpy(c->root, root, 32);
	return 0;
}

int
sc_checkpoint_format(const struct sc_checkpoint *c, char *out, size_t cap)
{
	char b64[48];
	int n;

	sc_b64_encode(c->root, 32, b64);
	n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, b64);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
sc_checkpoints_next(const char *buf, size_t len, size_t off, size_t *start, size_t *end,
		    size_t *next)
{
	size_t p = off, sigs;

	*start = off;
	*end = off;
	if (off >= len)
		return 0;
	/* Text: lines up to the first empty line. */
	for (;;) {
		const char *nl = memchr(buf + p, '\n', len - p);

		if (nl == NULL || nl == buf + p) {
			*end = nl == NULL ? len : p;
			return -1;
		}
		p = (size_t)(nl - buf) + 1;
		if (p < len && buf[p] == '\n')
			break;
		if (p >= len) {
			*end = len;
			return -1;
		}
	}
	p++;
	sigs = p;
	/* Signature lines up to the empty line that ends the note. */
	for (;;) {
		const char *nl;

		if (p >= len) {
			*end = len;
			return -1;
		}
		if (buf[p] == '\n') {
			if (p == sigs) {
				*end = p;
				return -1;
			}
			*end = p;
			*next = p + 1;
			return 1;
		}
		nl = memchr(buf + p, '\n', len - p);
		if (nl == NULL) {
			*end = len;
			return -1;
		}
		p = (size_t)(nl - buf) + 1;
	}
}

/* ---- trust --------------------------------------------------------------------- */

struct sc_trust {
	struct sc_vkey *plain;
	size_t nplain;
	struct sc_vkey *masters;
	size_t nmasters;
	struct sc_epoch_cert **certs;
	size_t ncerts;
	bool pinned;
};

struct sc_trust *
sc_trust_new(void)
{
	return calloc(1, sizeof(struct sc_trust));
}

void
sc_trust_free(struct sc_trust *t)
{
	if (t == NULL)
		return;
	free(t->plain);
	free(t->masters);
	for (size_t i = 0; i < t->ncerts; i++)
		sc_epoch_cert_free(t->certs[i]);
	free(t->certs);
	free(t);
}

static int
push_key(struct sc_vkey **v, size_t *n, const struct sc_vkey *k)
{
	struct sc_vkey *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	nv[(*n)++] = *k;
	*v = nv;
	return 0;
}

static bool
same_key(const struct sc_vkey *a, const struct sc_vkey *b)
{
	return a->hash == b->hash && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->pub, b->pub, SC_ED25519_LEN) == 0;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

int
sc_trust_add_cert(struct sc_trust *t, const char *text, size_t len, bool pin, char *err,
		  size_t errlen)
{
	struct sc_epoch_cert *c = sc_epoch_cert_parse(text, len, err, errlen);
	struct sc_epoch_cert **nv;
	bool master_ok = false;

	if (c == NULL)
		return -EINVAL;
	for (size_t i = 0; i < t->ncerts; i++)
		if (memcmp(t->certs[i]->id, c->id, 32) == 0) {
			sc_epoch_cert_free(c);
			return 0;
		}
	for (size_t i = 0; i < t->nmasters; i++)
		master_ok |= same_key(&t->masters[i], &c->master);
	if (!pin && t->pinned && !master_ok) {
		char vk[SC_VKEY_MAX];

		sc_vkey_format(&c->master, vk, sizeof(vk));
		sc_errf(err, errlen, "epoch certificate signed by %s, which is not a pinned key", vk);
		sc_epoch_cert_free(c);
		return 1;
	}
	nv = realloc(t->certs, (t->ncerts + 1) * sizeof(*nv));
	if (nv == NULL || (pin && !master_ok && push_key(&t->masters, &t->nmasters, &c->master))) {
		if (nv)
			t->certs = nv;
		sc_epoch_cert_free(c);
		return -ENOMEM;
	}
	t->certs = nv;
	t->certs[t->ncerts++] = c;
	if (pin)
		t->pinned = true;
	return 0;
}

int
sc_trust_add_text(struct sc_trust *t, const char *text, size_t len, char *err, size_t errlen)
{
	static const char cert_magic[] = SC_EPOCH_CERT_MAGIC "\n";
	size_t p = 0, keys = 0;

	if (len >= sizeof(cert_magic) - 1 && memcmp(text, cert_magic, sizeof(cert_magic) - 1) == 0)
		return sc_trust_add_cert(t, text, len, true, err, errlen) == 0 ? 0 : -EINVAL;
	while (p < len) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t ll = nl ? (size_t)(nl - text) - p : len - p;
		struct sc_vkey k;

		while (ll && (text[p + ll - 1] == '\r' || text[p + ll - 1] == ' '))
			ll--;
		if (ll) {
			if (sc_vkey_parse(text + p, ll, &k) != 0) {
				sc_errf(err, errlen, "not a verifier key (name+hash+base64): '%.*s'",
					(int)(ll > 80 ? 80 : ll), text + p);
				return -EINVAL;
			}
			if (push_key(has_suffix(k.name, "/master") ? &t->masters : &t->plain,
				     has_suffix(k.name, "/master") ? &t->nmasters : &t->nplain, &k))
				return -ENOMEM;
			keys++;
		}
		p += ll + 1;
		while (p < len && text[p - 1] != '\n')
			p++;
	}
	if (keys == 0) {
		sc_errf(err, errlen, "no verifier key or epoch certificate found");
		return -EINVAL;
	}
	t->pinned = true;
	return 0;
}

int
sc_read_file(const char *path, char **out, size_t *len, size_t max)
{
	struct stat st;
	char *b;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	*out = b;
	*len = got;
	return 0;
}

int
sc_trust_add_pubkey(struct sc_trust *t, const char *arg, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = sc_read_file(arg, &buf, &len, 256u << 20);

	if (rc == -ENOENT && strchr(arg, '+') != NULL && strchr(arg, '/') != NULL)
		return sc_trust_add_text(t, arg, strlen(arg), err, errlen);
	if (rc != 0) {
		sc_errf(err, errlen, "%s: %s", arg, strerror(-rc));
		return rc;
	}
	rc = sc_trust_add_text(t, buf, len, err, errlen);
	if (rc != 0) {
		char e2[400];

		snprintf(e2, sizeof(e2), "%s", err ? err : "");
		sc_errf(err, errlen, "%s: %s", arg, e2);
	}
	free(buf);
	return rc;
}

int
sc_trust_add_store_keys(struct sc_trust *t, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	int added = 0;

	/* Pinned plain keys only: the store's certificates are not wanted. */
	if (t->pinned && t->nmasters == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/keys", dir);
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL) {
		char *buf;
		size_t len;

		if (!has_suffix(e->d_name, ".pub"))
			continue;
		snprintf(path, sizeof(path), "%s/keys/%s", dir, e->d_name);
		if (sc_read_file(path, &buf, &len, 256u << 20) != 0)
			continue;
		if (sc_trust_add_cert(t, buf, len, false, err, errlen) == 0)
			added++;
		free(buf);
	}
	closedir(d);
	return added;
}

bool
sc_trust_pinned(const struct sc_trust *t)
{
	return t->pinned;
}

bool
sc_trust_empty(const struct sc_trust *t)
{
	return t->nplain == 0 && t->ncerts == 0;
}

int64_t
sc_trust_epoch(const struct sc_trust *t, const char *name, uint32_t hash, size_t *cert)
{
	for (size_t i = 0; i < t->ncerts; i++) {
		int64_t e = sc_epoch_cert_index(t->certs[i], name);

		if (e >= 0 && t->certs[i]->keys[e].hash == hash) {
			*cert = i;
			return e;
		}
	}
	return -1;
}

const struct sc_vkey *
sc_trust_lookup(void *arg, const char *name, uint32_t hash)
{
	struct sc_trust *t = arg;

	for (size_t i = 0; i < t->ncerts; i++) {
		int64_t e = sc_epoch_cert_index(t->certs[i], name);

		if (e >= 0 && t->certs[i]->keys[e].hash == hash)
			return &t->certs[i]->keys[e];
	}
	for (size_t i = 0; i < t->nplain; i++)
		if (t->plain[i].hash == hash && strcmp(t->plain[i].name, name) == 0)
			return &t->plain[i];
	return NULL;
}

enum sc_note_status
sc_trust_open_checkpoint(struct sc_trust *t, const char *msg, size_t len,
			 struct sc_checkpoint *c, struct sc_note *n)
{
	enum sc_note_status st = sc_note_open(msg, len, sc_trust_lookup, t, n);

	if (st == SC_NOTE_MALFORMED)
		return st;
	if (sc_checkpoint_parse(msg, n->text_len, c) != 0)
		return SC_NOTE_MALFORMED;
	return st;
}

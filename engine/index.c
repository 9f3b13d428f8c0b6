/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Index sidecars (sealcap/index.h; bytes in docs/FORMAT.md).  Entries are
 * built from a block's header and its stored payload only, by the writer
 * as it appends and by a rebuild alike, so both give the same bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>
/* Inlined (xxhash.h's own option): keys are 5-255 bytes, calls would dominate. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <sealcap/index.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#include "le.h"
#include "store_priv.h"

/* Index file header layout. */
enum {
	X_MAGIC = 0,      /* 8 "SCSEGIDX" */
	X_VERSION = 8,    /* u16 */
	X_HDRLEN = 10,    /* u16 128 */
	X_ENTLEN = 12,    /* u32 800 */
	X_SEGMENT = 16,   /* u32 */
	/* 20..23 reserved, zero */
	X_FIRSTLOG = 24,  /* u64 */
	X_STOREID = 32,   /* 32 */
	X_SEGHASH = 64,   /* 32: bytes 96..127 of the segment header */
	/* 96..111 reserved, zero */
	X_CHECK = 112,    /* 16: SHA-256(bytes 0..111), first 16 bytes */
};
_Static_assert(X_CHECK + 16 == SC_INDEX_HDR_LEN, "index header");

/* Entry layout. */
enum {
	E_LOGINDEX = 0,   /* u64 */
	E_OFFSET = 8,     /* u64 */
	E_LANE = 16,      /* u32 */
	E_BFLAGS = 20,    /* u32 */
	E_BLOCKSEQ = 24,  /* u64 */
	E_FIRSTSEQ = 32,  /* u64 */
	E_COUNT = 40,     /* u32 */
	E_STORED = 44,    /* u32 */
	E_PAYLEN = 48,    /* u32 */
	E_FACMASK = 52,   /* u32 */
	E_SEVMASK = 56,   /* u8 */
	E_CSMASK = 57,    /* u8 */
	E_FLAGS = 58,     /* u8 */
	E_CODEC = 59,     /* u8 */
	/* 60..63 reserved, zero */
	E_FIRSTNS = 64,   /* i64 */
	E_LASTNS = 72,    /* i64 */
	E_MSGFIRST = 80,  /* i64 */
	E_MSGLAST = 88,   /* i64 */
	E_BLOCKHASH = 96, /* 32 */
	E_HOST = 128,     /* 256 */
	E_APP = 384,      /* 128 */
	E_SRC = 512,      /* 256 */
	/* 768..783 reserved, zero */
	E_CHECK = 784,    /* 16: SHA-256(bytes 0..783), first 16 bytes */
};
_Static_assert(E_APP - E_HOST == SC_INDEX_HOST_BITS / 8, "host bloom");
_Static_assert(E_SRC - E_APP == SC_INDEX_APP_BITS / 8, "app bloom");
_Static_assert(E_SRC + SC_INDEX_SRC_BITS / 8 + 16 == E_CHECK, "src bloom");
_Static_assert(E_CHECK + 16 == SC_INDEX_ENTRY_LEN, "index entry");

#define CHECK_LEN 16

/* ---- Bloom filters -------------------------------------------------------- */

/*
 * Keys are hashed with XXH3-64 (libxxhash), seeded per filter; the hash's
 * low and high 32 bits are a and b, and probe i sets bit
 * (a + i * (b | 1)) mod m (Kirsch-Mitzenmacher double hashing).
 * Hostnames and app-names are folded to lower case into a key buffer
 * first; a source key is its prefix length and masked address.
 */
enum { SEED_HOST = 0x686f7374, SEED_APP = 0x61707021, SEED_SRC = 0x73726321 };

struct bkey {
	uint8_t b[SC_INDEX_KEY_MAX + 1];
	uint32_t len;
};

static void
key_fold(struct bkey *k, const uint8_t *s, size_t len)
{
	if (len > SC_INDEX_KEY_MAX)
		len = SC_INDEX_KEY_MAX;
	for (size_t i = 0; i < len; i++)
		k->b[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (uint8_t)(s[i] + 32) : s[i];
	k->len = (uint32_t)len;
}

/* Source keys: prefix length, then the address masked to it. */
static void
key_src(struct bkey *k, const uint8_t addr[16], unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	k->b[0] = (uint8_t)bits;
	memcpy(k->b + 1, addr, 16);
	if (whole < 16) {
		k->b[1 + whole] &= (uint8_t)(0xff00u >> rest);
		memset(k->b + 2 + whole, 0, 15 - whole);
	}
	k->len = 17;
}

static void
bloom_add(uint8_t *f, unsigned mbits, uint32_t seed, const struct bkey *k)
{
	uint64_t h = XXH3_64bits_withSeed(k->b, k->len, seed);
	uint32_t a = (uint32_t)h, b = (uint32_t)(h >> 32) | 1;

	for (unsigned i = 0; i < SC_INDEX_PROBES; i++) {
		uint32_t bit = (a + i * b) & (mbits - 1);

		f[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	}
}

static bool
bloom_has(const uint8_t *f, unsigned mbits, uint32_t seed, const struct bkey *k)
{
	uint64_t h = XXH3_64bits_withSeed(k->b, k->len, seed);
	uint32_t a = (uint32_t)h, b = (uint32_t)(h >> 32) | 1;

	for (unsigned i = 0; i < SC_INDEX_PROBES; i++) {
		uint32_t bit = (a + i * b) & (mbits - 1);

		if (!(f[bit >> 3] & (1u << (bit & 7))))
			return false;
	}
	return true;
}

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool
is_v4mapped(const uint8_t a[16])
{
	return memcmp(a, v4_prefix, 12) == 0;
}

/* Do the first @p bits of a and b agree? */
static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xff00u >> rest)) == 0;
}

/*
 * Indexed prefix lengths (of the 128-bit form): an IPv4 source adds its
 * /32, /24 and /16, an IPv6 source its /128, /64 and /48.  A query for a
 * prefix probes the longest indexed length not longer than it.
 */
static const unsigned v4_lens[3] = { 128, 120, 112 };
static const unsigned v6_lens[3] = { 128, 64, 48 };

static void
src_add(uint8_t *f, const uint8_t addr[16])
{
	const unsigned *lens = is_v4mapped(addr) ? v4_lens : v6_lens;
	struct bkey k;

	for (int i = 0; i < 3; i++) {
		key_src(&k, addr, lens[i]);
		bloom_add(f, SC_INDEX_SRC_BITS, SEED_SRC, &k);
	}
}

bool
sc_index_src_maybe(const struct sc_index_entry *e, const uint8_t addr[16], unsigned bits)
{
	const unsigned *lens;
	struct bkey k;

	if (bits > 128)
		bits = 128;
	/* A prefix that holds IPv4 and IPv6 sources alike: no single length. */
	if (bits < 96 && prefix_eq(addr, v4_prefix, bits))
		return true;
	lens = bits >= 96 && is_v4mapped(addr) ? v4_lens : v6_lens;
	for (int i = 0; i < 3; i++)
		if (bits >= lens[i]) {
			key_src(&k, addr, lens[i]);
			return bloom_has(e->src, SC_INDEX_SRC_BITS, SEED_SRC, &k);
		}
	return true;
}

bool
sc_index_host_maybe(const struct sc_index_entry *e, const char *s, size_t len)
{
	struct bkey k;

	key_fold(&k, (const uint8_t *)s, len);
	return bloom_has(e->host, SC_INDEX_HOST_BITS, SEED_HOST, &k);
}

bool
sc_index_app_maybe(const struct sc_index_entry *e, const char *s, size_t len)
{
	struct bkey k;

	key_fold(&k, (const uint8_t *)s, len);
	return bloom_has(e->app, SC_INDEX_APP_BITS, SEED_APP, &k);
}

/* ---- entries -------------------------------------------------------------- */

struct sc_index_builder {
	uint8_t *buf;
	size_t cap;
};

struct sc_index_builder *
sc_index_builder_new(void)
{
	return calloc(1, sizeof(struct sc_index_builder));
}

void
sc_index_builder_free(struct sc_index_builder *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b);
}

static void
make_opaque(struct sc_index_entry *e)
{
	e->flags |= SC_IXE_OPAQUE;
	e->charset_mask = 0xff;
	e->msg_first_ns = e->msg_last_ns = SC_TIME_NONE;
	memset(e->host, 0xff, sizeof(e->host));
	memset(e->app, 0xff, sizeof(e->app));
	memset(e->src, 0xff, sizeof(e->src));
}

int
sc_index_entry_make(struct sc_index_builder *b, const struct sc_block_hdr *h,
		    uint64_t offset, const uint8_t *stored, struct sc_index_entry *e)
{
	const uint8_t *payload = stored;
	size_t off = 0;
	uint32_t n = 0;

	memset(e, 0, sizeof(*e));
	e->log_index = h->log_index;
	e->offset = offset;
	e->lane = h->lane;
	e->block_flags = h->flags;
	e->block_seq = h->block_seq;
	e->first_seq = h->first_seq;
	e->count = h->count;
	e->stored_len = h->stored_len;
	e->payload_len = h->payload_len;
	e->facility_mask = h->facility_mask;
	e->severity_mask = h->severity_mask;
	e->codec = h->codec;
	e->first_ns = h->first_ns;
	e->last_ns = h->last_ns;
	e->msg_first_ns = e->msg_last_ns = SC_TIME_NONE;
	memcpy(e->block_hash, h->block_hash, SC_HASH_LEN);
	if (h->flags & SC_BLK_EVENTS)
		e->flags |= SC_IXE_EVENTS;

	if (h->cipher != SC_CIPHER_NONE)
		goto opaque;
	if (sc_block_check_lengths(h) != SC_E_OK)
		goto opaque;
	if (h->codec == SC_CODEC_LZ4) {
		int got;

		if (h->payload_len > b->cap) {
			uint8_t *nb = realloc(b->buf, h->payload_len);

			if (nb == NULL)
				return -ENOMEM;
			b->buf = nb;
			b->cap = h->payload_len;
		}
		got = LZ4_decompress_safe((const char *)stored, (char *)b->buf,
					  (int)h->stored_len, (int)h->payload_len);
		if (got < 0 || (uint32_t)got != h->payload_len)
			goto opaque;
		payload = b->buf;
	} else if (h->codec != SC_CODEC_NONE || h->stored_len != h->payload_len) {
		goto opaque;
	}

	while (off < h->payload_len) {
		struct sc_record r;
		size_t len = sc_record_decode(payload + off, h->payload_len - off, &r);
		struct bkey k;

		if (len == 0)
			goto opaque;
		off += len;
		n++;
		e->charset_mask |= (uint8_t)(1u << (r.charset & 7));
		if (r.pri < 0 || r.pri > 191)
			e->flags |= SC_IXE_NOPRI;
		if (r.msg_ns != SC_TIME_NONE) {
			if (e->msg_first_ns == SC_TIME_NONE || r.msg_ns < e->msg_first_ns)
				e->msg_first_ns = r.msg_ns;
			if (e->msg_last_ns == SC_TIME_NONE || r.msg_ns > e->msg_last_ns)
				e->msg_last_ns = r.msg_ns;
		}
		if (r.field[SC_F_HOSTNAME].len) {
			key_fold(&k, r.raw + r.field[SC_F_HOSTNAME].off, r.field[SC_F_HOSTNAME].len);
			bloom_add(e->host, SC_INDEX_HOST_BITS, SEED_HOST, &k);
		}
		if (r.field[SC_F_APPNAME].len) {
			key_fold(&k, r.raw + r.field[SC_F_APPNAME].off, r.field[SC_F_APPNAME].len);
			bloom_add(e->app, SC_INDEX_APP_BITS, SEED_APP, &k);
		}
		if (r.family == 4 || r.family == 6)
			src_add(e->src, r.addr);
	}
	if (n != h->count)
		goto opaque;
	return 0;
opaque:
	make_opaque(e);
	return 0;
}

static void
check16(struct sc_hasher *hs, const uint8_t *p, size_t len, uint8_t out[CHECK_LEN])
{
	uint8_t d[SC_HASH_LEN];

	sc_sha256(hs, p, len, NULL, 0, d);
	memcpy(out, d, CHECK_LEN);
}

void
sc_index_entry_encode(struct sc_hasher *hs, const struct sc_index_entry *e,
		      uint8_t o[SC_INDEX_ENTRY_LEN])
{
	memset(o, 0, SC_INDEX_ENTRY_LEN);
	put_u64(o + E_LOGINDEX, e->log_index);
	put_u64(o + E_OFFSET, e->offset);
	put_u32(o + E_LANE, e->lane);
	put_u32(o + E_BFLAGS, e->block_flags);
	put_u64(o + E_BLOCKSEQ, e->block_seq);
	put_u64(o + E_FIRSTSEQ, e->first_seq);
	put_u32(o + E_COUNT, e->count);
	put_u32(o + E_STORED, e->stored_len);
	put_u32(o + E_PAYLEN, e->payload_len);
	put_u32(o + E_FACMASK, e->facility_mask);
	o[E_SEVMASK] = e->severity_mask;
	o[E_CSMASK] = e->charset_mask;
	o[E_FLAGS] = e->flags;
	o[E_CODEC] = e->codec;
	put_u64(o + E_FIRSTNS, (uint64_t)e->first_ns);
	put_u64(o + E_LASTNS, (uint64_t)e->last_ns);
	put_u64(o + E_MSGFIRST, (uint64_t)e->msg_first_ns);
	put_u64(o + E_MSGLAST, (uint64_t)e->msg_last_ns);
	memcpy(o + E_BLOCKHASH, e->block_hash, SC_HASH_LEN);
	memcpy(o + E_HOST, e->host, sizeof(e->host));
	memcpy(o + E_APP, e->app, sizeof(e->app));
	memcpy(o + E_SRC, e->src, sizeof(e->src));
	check16(hs, o, E_CHECK, o + E_CHECK);
}

bool
sc_index_entry_decode(struct sc_hasher *hs, const uint8_t in[SC_INDEX_ENTRY_LEN],
		      struct sc_index_entry *e)
{
	uint8_t c[CHECK_LEN];

	check16(hs, in, E_CHECK, c);
	if (memcmp(c, in + E_CHECK, CHECK_LEN) != 0)
		return false;
	e->log_index = get_u64(in + E_LOGINDEX);
	e->offset = get_u64(in + E_OFFSET);
	e->lane = get_u32(in + E_LANE);
	e->block_flags = get_u32(in + E_BFLAGS);
	e->block_seq = get_u64(in + E_BLOCKSEQ);
	e->first_seq = get_u64(in + E_FIRSTSEQ);
	e->count = get_u32(in + E_COUNT);
	e->stored_len = get_u32(in + E_STORED);
	e->payload_len = get_u32(in + E_PAYLEN);
	e->facility_mask = get_u32(in + E_FACMASK);
	e->severity_mask = in[E_SEVMASK];
	e->charset_mask = in[E_CSMASK];
	e->flags = in[E_FLAGS];
	e->codec = in[E_CODEC];
	e->first_ns = (int64_t)get_u64(in + E_FIRSTNS);
	e->last_ns = (int64_t)get_u64(in + E_LASTNS);
	e->msg_first_ns = (int64_t)get_u64(in + E_MSGFIRST);
	e->msg_last_ns = (int64_t)get_u64(in + E_MSGLAST);
	memcpy(e->block_hash, in + E_BLOCKHASH, SC_HASH_LEN);
	memcpy(e->host, in + E_HOST, sizeof(e->host));
	memcpy(e->app, in + E_APP, sizeof(e->app));
	memcpy(e->src, in + E_SRC, sizeof(e->src));
	return true;
}

/* ---- files ---------------------------------------------------------------- */

static void
index_path(const char *dir, uint32_t segment, const char *suffix, char *out, size_t len)
{
	snprintf(out, len, "%s/index/%08" PRIu32 ".idx%s", dir, segment, suffix);
}

int
sc_index_remove(const char *dir, uint32_t segment)
{
	char path[4200];

	index_path(dir, segment, "", path, sizeof(path));
	return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

/* The segment header's identity: its number, first log index and hash. */
struct seg_id {
	uint64_t size;
	uint64_t first_log;
	uint8_t hash[SC_HASH_LEN];
};

static int
read_full(int fd, void *p, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)p + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

/* Open segment @p n, check its header; the fd is returned open in *fdp. */
static int
seg_open(struct sc_hasher *hs, const char *dir, uint32_t n,
	 const uint8_t store_id[SC_HASH_LEN], struct seg_id *id, int *fdp)
{
	char path[4200];
	uint8_t hdr[SC_SEG_HDR_LEN], sid[SC_HASH_LEN];
	uint32_t number;
	struct stat st;
	int fd, rc;

	sc_segment_path(dir, n, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = read_full(fd, hdr, sizeof(hdr), 0);
	if (rc != 0)
		goto fail;
	if (sc_segment_hdr_check(hs, hdr, &number, &id->first_log, sid) != SC_E_OK ||
	    number != n || memcmp(sid, store_id, SC_HASH_LEN) != 0) {
		rc = -EBADMSG;
		goto fail;
	}
	id->size = (uint64_t)st.st_size;
	memcpy(id->hash, hdr + SC_SEG_HDR_LEN - SC_HASH_LEN, SC_HASH_LEN);
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static void
hdr_encode(struct sc_hasher *hs, uint32_t segment, const uint8_t store_id[SC_HASH_LEN],
	   const struct seg_id *id, uint8_t o[SC_INDEX_HDR_LEN])
{
	memset(o, 0, SC_INDEX_HDR_LEN);
	memcpy(o + X_MAGIC, SC_INDEX_MAGIC, 8);
	put_u16(o + X_VERSION, SC_INDEX_VERSION);
	put_u16(o + X_HDRLEN, SC_INDEX_HDR_LEN);
	put_u32(o + X_ENTLEN, SC_INDEX_ENTRY_LEN);
	put_u32(o + X_SEGMENT, segment);
	put_u64(o + X_FIRSTLOG, id->first_log);
	memcpy(o + X_STOREID, store_id, SC_HASH_LEN);
	memcpy(o + X_SEGHASH, id->hash, SC_HASH_LEN);
	check16(hs, o, X_CHECK, o + X_CHECK);
}

static int
mkdir_index(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/index", dir);
	if (sc_mkdir_mode(path, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* ---- the writer's hook ---------------------------------------------------- */

struct sc_index_writer {
	char dir[4096];
	uint8_t store_id[SC_HASH_LEN];
	struct sc_hasher *hs;
	struct sc_index_builder *b;
	int fd;                 /* index file of `segment`, -1 when none */
	uint32_t segment;
	bool dead;              /* this segment's index stopped after an error */
	uint64_t next_off;      /* offset the next block must have */
	uint64_t errors;
	struct sc_index_entry e;
	uint8_t enc[SC_INDEX_ENTRY_LEN];
};

struct sc_index_writer *
sc_index_writer_new(const char *dir, const uint8_t store_id[SC_HASH_LEN])
{
	struct sc_index_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	memcpy(w->store_id, store_id, SC_HASH_LEN);
	w->fd = -1;
	w->segment = UINT32_MAX;
	w->hs = sc_hasher_new();
	w->b = sc_index_builder_new();
	if (w->hs == NULL || w->b == NULL) {
		sc_index_writer_free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

static void
writer_stop(struct sc_index_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->dead = true;
	w->errors++;
}

static void
writer_open(struct sc_index_writer *w, uint32_t segment, uint64_t offset)
{
	char path[4200];
	uint8_t hdr[SC_INDEX_HDR_LEN];
	struct seg_id id;
	int sfd;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->segment = segment;
	w->dead = false;
	/* Only a segment indexed from its first block has a usable index. */
	if (offset != SC_SEG_HDR_LEN || mkdir_index(w->dir) != 0 ||
	    seg_open(w->hs, w->dir, segment, w->store_id, &id, &sfd) != 0) {
		writer_stop(w);
		return;
	}
	close(sfd);
	index_path(w->dir, segment, "", path, sizeof(path));
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	/* 0640 whatever the umask, as every store file. */
	if (w->fd >= 0 && fchmod(w->fd, 0640) != 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->fd < 0) {
		writer_stop(w);
		return;
	}
	hdr_encode(w->hs, segment, w->store_id, &id, hdr);
	if (write(w->fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		writer_stop(w);
		return;
	}
	w->next_off = SC_SEG_HDR_LEN;
}

void
sc_index_writer_append(struct sc_index_writer *w, const struct sc_block_hdr *h,
		       uint64_t offset, const uint8_t *stored)
{
	ssize_t n;

	if (w == NULL)
		return;
	if (h->segment != w->segment)
		writer_open(w, h->segment, offset);
	if (w->dead)
		return;
	if (offset != w->next_off || sc_index_entry_make(w->b, h, offset, stored, &w->e) != 0) {
		writer_stop(w);
		return;
	}
	sc_index_entry_encode(w->hs, &w->e, w->enc);
	n = write(w->fd, w->enc, sizeof(w->enc));
	if (n != (ssize_t)sizeof(w->enc)) {
		/* A torn entry would be ignored by readers anyway; stop here. */
		writer_stop(w);
		return;
	}
	w->next_off = offset + SC_BLOCK_HDR_LEN + h->stored_len;
}

uint64_t
sc_index_writer_errors(const struct sc_index_writer *w)
{
	return w ? w->errors : 0;
}

void
sc_index_writer_free(struct sc_index_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	sc_hasher_free(w->hs);
	sc_index_builder_free(w->b);
	free(w);
}

/* ---- loading -------------------------------------------------------------- */

static int
slurp(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	p = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (p == NULL) {
		close(fd);
		return -ENOMEM;
	}
	rc = read_full(fd, p, (size_t)st.st_size, 0);
	close(fd);
	if (rc != 0) {
		free(p);
		/* Shrunk while we read: treat as what it is now, a bad file. */
		return rc == -ENODATA ? -EBADMSG : rc;
	}
	*out = p;
	*len = (size_t)st.st_size;
	return 0;
}

static const char *
hdr_problem(struct sc_hasher *hs, const uint8_t *h, uint32_t segment,
	    const uint8_t store_id[SC_HASH_LEN], const struct seg_id *id)
{
	uint8_t c[CHECK_LEN];

	if (memcmp(h + X_MAGIC, SC_INDEX_MAGIC, 8) != 0)
		return "not an index file";
	if (get_u16(h + X_VERSION) != SC_INDEX_VERSION || get_u16(h + X_HDRLEN) != SC_INDEX_HDR_LEN ||
	    get_u32(h + X_ENTLEN) != SC_INDEX_ENTRY_LEN)
		return "index format version not known";
	check16(hs, h, X_CHECK, c);
	if (memcmp(c, h + X_CHECK, CHECK_LEN) != 0)
		return "index header damaged";
	if (get_u32(h + X_SEGMENT) != segment)
		return "index of another segment";
	if (memcmp(h + X_STOREID, store_id, SC_HASH_LEN) != 0)
		return "index of another store";
	if (memcmp(h + X_SEGHASH, id->hash, SC_HASH_LEN) != 0 ||
	    get_u64(h + X_FIRSTLOG) != id->first_log)
		return "index of an earlier segment file with this number";
	return NULL;
}

int
sc_index_load(const char *dir, uint32_t segment, const uint8_t store_id[SC_HASH_LEN],
	      struct sc_index_seg *out)
{
	char path[4200];
	struct sc_hasher *hs = sc_hasher_new();
	struct seg_id id;
	uint8_t *buf = NULL, bh[SC_BLOCK_HDR_LEN];
	size_t len = 0, nent;
	uint64_t next;
	const char *why;
	int sfd = -1, rc;

	memset(out, 0, sizeof(*out));
	out->segment = segment;
	out->covered = SC_SEG_HDR_LEN;
	if (hs == NULL)
		return -ENOMEM;
	rc = seg_open(hs, dir, segment, store_id, &id, &sfd);
	if (rc != 0)
		goto done;
	out->seg_size = id.size;
	out->first_log = id.first_log;
	index_path(dir, segment, "", path, sizeof(path));
	rc = slurp(path, &buf, &len);
	if (rc == -ENOENT) {
		/* A segment with no block needs no index. */
		out->state = id.size <= SC_SEG_HDR_LEN ? SC_IX_OK : SC_IX_MISSING;
		rc = 0;
		goto done;
	}
	if (rc != 0) {
		if (rc == -ENOMEM)
			goto done;
		out->state = SC_IX_BAD;
		snprintf(out->why, sizeof(out->why), "index file unreadable: %s", strerror(-rc));
		rc = 0;
		goto done;
	}
	if (len < SC_INDEX_HDR_LEN) {
		why = "index file shorter than its header";
		goto bad;
	}
	why = hdr_problem(hs, buf, segment, store_id, &id);
	if (why != NULL)
		goto bad;
	nent = (len - SC_INDEX_HDR_LEN) / SC_INDEX_ENTRY_LEN;
	out->e = malloc((nent ? nent : 1) * sizeof(*out->e));
	if (out->e == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	next = SC_SEG_HDR_LEN;
	out->state = SC_IX_OK;
	for (size_t i = 0; i < nent; i++) {
		struct sc_index_entry *e = &out->e[out->n];
		const uint8_t *p = buf + SC_INDEX_HDR_LEN + i * SC_INDEX_ENTRY_LEN;
		uint64_t end;

		if (!sc_index_entry_decode(hs, p, e)) {
			snprintf(out->why, sizeof(out->why), "entry %zu damaged", i);
			out->state = SC_IX_BEHIND;
			break;
		}
		end = e->offset + SC_BLOCK_HDR_LEN + e->stored_len;
		if (e->log_index != id.first_log + i || e->offset != next) {
			snprintf(out->why, sizeof(out->why),
				 "entry %zu is not the block that follows (log index %" PRIu64
				 ", offset %" PRIu64 ")", i, e->log_index, e->offset);
			out->state = SC_IX_BEHIND;
			break;
		}
		if (end > id.size) {
			snprintf(out->why, sizeof(out->why),
				 "entry %zu names a block past the end of the segment", i);
			out->state = SC_IX_BEHIND;
			break;
		}
		next = end;
		out->n++;
	}
	/*
	 * Bound to this file's contents, not only its header: the last
	 * usable entry's block must be the block on disk (a segment cut and
	 * written again would otherwise pass).
	 */
	while (out->n > 0) {
		struct sc_index_entry *l = &out->e[out->n - 1];
		struct sc_block_hdr h;

		if (read_full(sfd, bh, sizeof(bh), l->offset) == 0 &&
		    sc_block_hdr_decode(bh, &h) == SC_E_OK &&
		    memcmp(bh + SC_BLOCK_HASHED_LEN, l->block_hash, SC_HASH_LEN) == 0)
			break;
		snprintf(out->why, sizeof(out->why),
			 "entries do not match the blocks on disk (block at offset %" PRIu64 ")",
			 l->offset);
		out->state = SC_IX_BAD;
		out->n = 0;
		next = SC_SEG_HDR_LEN;
	}
	out->covered = next;
	if (out->state == SC_IX_OK && next < id.size) {
		snprintf(out->why, sizeof(out->why), "%" PRIu32 " block(s) indexed, the segment has more",
			 out->n);
		out->state = SC_IX_BEHIND;
	}
	rc = 0;
	goto done;
bad:
	out->state = SC_IX_BAD;
	snprintf(out->why, sizeof(out->why), "%s", why);
	rc = 0;
done:
	if (sfd >= 0)
		close(sfd);
	free(buf);
	sc_hasher_free(hs);
	if (rc != 0)
		sc_index_seg_release(out);
	return rc;
}

void
sc_index_seg_release(struct sc_index_seg *ix)
{
	if (ix == NULL)
		return;
	free(ix->e);
	ix->e = NULL;
	ix->n = 0;
}

/* ---- rebuilding ----------------------------------------------------------- */

struct rebuild {
	const char *dir;
	const uint8_t *store_id;
	struct sc_hasher *hs;
	struct sc_index_builder *b;
	FILE *f;
	uint32_t segment;
	char tmp[4200];
	uint8_t *done;          /* per segment list position: an index written */
};

static int
rb_finish(struct rebuild *rb)
{
	char path[4200];
	int rc = 0;

	if (rb->f == NULL)
		return 0;
	if (fflush(rb->f) != 0 || ferror(rb->f))
		rc = -(errno ? errno : EIO);
	if (fclose(rb->f) != 0 && rc == 0)
		rc = -errno;
	rb->f = NULL;
	index_path(rb->dir, rb->segment, "", path, sizeof(path));
	if (rc == 0 && rename(rb->tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(rb->tmp);
	return rc;
}

static int
rb_start(struct rebuild *rb, uint32_t segment)
{
	uint8_t hdr[SC_INDEX_HDR_LEN];
	struct seg_id id;
	int sfd, rc;

	rb->segment = segment;
	rc = seg_open(rb->hs, rb->dir, segment, rb->store_id, &id, &sfd);
	if (rc != 0)
		return rc;
	close(sfd);
	index_path(rb->dir, segment, ".tmp", rb->tmp, sizeof(rb->tmp));
	rb->f = fopen(rb->tmp, "we");
	if (rb->f == NULL)
		return -errno;
	hdr_encode(rb->hs, segment, rb->store_id, &id, hdr);
	if (fwrite(hdr, 1, sizeof(hdr), rb->f) != sizeof(hdr))
		return -EIO;
	return 0;
}

/* Remove index files (and stray temporaries) of segments not indexed now. */
static uint32_t
rb_sweep(const char *dir, const uint32_t *segs, const uint8_t *done, uint32_t nsegs)
{
	char path[4200];
	DIR *d;
	struct dirent *de;
	uint32_t removed = 0;

	snprintf(path, sizeof(path), "%s/index", dir);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long num;
		bool keep = false;
		uint32_t lo = 0, hi = nsegs;

		/* NNNNNNNN.idx or NNNNNNNN.idx.tmp; anything else is not ours. */
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		num = strtoul(de->d_name, &end, 10);
		if (end != de->d_name + 8 || (strcmp(end, ".idx") != 0 && strcmp(end, ".idx.tmp") != 0))
			continue;
		if (strcmp(end, ".idx") == 0) {
			while (lo < hi) {
				uint32_t mid = (lo + hi) / 2;

				if (segs[mid] < num)
					lo = mid + 1;
				else
					hi = mid;
			}
			keep = lo < nsegs && segs[lo] == num && done[lo];
		}
		if (!keep) {
			snprintf(path, sizeof(path), "%s/index/%s", dir, de->d_name);
			if (unlink(path) == 0)
				removed++;
		}
	}
	closedir(d);
	return removed;
}

int
sc_index_rebuild(const char *dir, struct sc_index_rebuild_result *res,
		 sc_index_damage_fn fn, void *arg, char *errbuf, size_t errlen)
{
	struct rebuild rb = { .dir = dir };
	struct sc_store_reader *r;
	struct sc_index_entry e;
	uint8_t enc[SC_INDEX_ENTRY_LEN];
	const uint32_t *segs;
	uint32_t nsegs, pos_i = 0;
	bool cur_bad = false;
	int rc = 0, n;

	memset(res, 0, sizeof(*res));
	r = sc_store_reader_open(dir, errbuf, errlen);
	if (r == NULL)
		return -errno;
	rb.store_id = sc_store_reader_id(r);
	segs = sc_store_reader_segment_list(r);
	nsegs = sc_store_reader_segments(r);
	rb.hs = sc_hasher_new();
	rb.b = sc_index_builder_new();
	rb.done = calloc(nsegs ? nsegs : 1, 1);
	rb.segment = UINT32_MAX;
	if (rb.hs == NULL || rb.b == NULL || rb.done == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = mkdir_index(dir);
	if (rc != 0) {
		snprintf(errbuf, errlen, "%s/index: %s", dir, strerror(-rc));
		goto out;
	}
	for (;;) {
		struct sc_block_hdr h;
		struct sc_store_pos pos;
		const uint8_t *stored;
		enum sc_error err;

		n = sc_store_read(r, &h, &stored, &pos, &err);
		if (n == 0)
			break;
		if (pos.segment != rb.segment) {
			rc = rb_finish(&rb);
			if (rc != 0)
				goto io;
			cur_bad = false;
			while (pos_i < nsegs && segs[pos_i] < pos.segment)
				pos_i++;
			if (n > 0) {
				rc = rb_start(&rb, pos.segment);
				if (rc != 0)
					goto io;
				res->segments++;
				if (pos_i < nsegs && segs[pos_i] == pos.segment)
					rb.done[pos_i] = 1;
			} else {
				rb.segment = pos.segment;
			}
		}
		if (n < 0) {
			if (fn)
				fn(pos.segment, pos.offset, err, arg);
			if (!cur_bad)
				res->damaged++;
			cur_bad = true;
			/* The reader goes on with the next segment. */
			rc = rb_finish(&rb);
			if (rc != 0)
				goto io;
			continue;
		}
		if (rb.f == NULL)
			continue;
		rc = sc_index_entry_make(rb.b, &h, pos.offset, stored, &e);
		if (rc != 0)
			goto out;
		sc_index_entry_encode(rb.hs, &e, enc);
		if (fwrite(enc, 1, sizeof(enc), rb.f) != sizeof(enc)) {
			rc = -EIO;
			goto io;
		}
		res->blocks++;
	}
	rc = rb_finish(&rb);
	if (rc != 0)
		goto io;
	res->removed = rb_sweep(dir, segs, rb.done, nsegs);
	goto out;
io:
	snprintf(errbuf, errlen, "%s/index: segment %08" PRIu32 ": %s", dir, rb.segment,
		 strerror(-rc));
out:
	if (rb.f != NULL) {
		fclose(rb.f);
		unlink(rb.tmp);
	}
	if (rc == -ENOMEM)
		snprintf(errbuf, errlen, "out of memory");
	free(rb.done);
	sc_index_builder_free(rb.b);
	sc_hasher_free(rb.hs);
	sc_store_reader_close(r);
	return rc;
}

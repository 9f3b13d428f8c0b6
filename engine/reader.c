/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealcap/store.h>

#include "store_priv.h"

/*
 * Sequential reader over all segments.  Segments are read with pread into
 * one buffer that grows to the largest block; a block is only handed out
 * once its header hash checks, so callers never act on a header an attacker
 * or a bit flip has changed without noticing.
 */
struct sc_store_reader {
	char dir[4096];
	struct sc_hasher *hs;
	uint8_t id[SC_HASH_LEN];
	char origin[256];
	uint32_t *segs;
	uint32_t nsegs;
	uint32_t cur;        /* index into segs of the open segment */
	int fd;
	uint64_t off;        /* next read offset in the open segment */
	uint64_t size;       /* its size */
	uint64_t index;      /* blocks handed out */
	uint8_t *buf;
	size_t cap;
	bool headers_only;
	int version;         /* store.json format_version */
	struct sc_keyring *keys;  /* borrowed: decryption keys */
	uint8_t *payload;    /* sc_store_reader_payload's buffer */
	size_t pcap;
};

struct sc_store_reader *
sc_store_reader_open(const char *dir, char *errbuf, size_t errlen)
{
	struct sc_store_reader *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return NULL;
	r->fd = -1;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->hs = sc_hasher_new();
	if (r->hs == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	rc = sc_store_json_read(dir, r->hs, r->id, r->origin, sizeof(r->origin),
				&r->version, errbuf, errlen);
	if (rc == 0) {
		rc = sc_segment_list(dir, &r->segs, &r->nsegs);
		if (rc != 0 && errbuf)
			snprintf(errbuf, errlen, "%s/segments: %s", dir, strerror(-rc));
	}
	if (rc != 0) {
		sc_store_reader_close(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

void
sc_store_reader_close(struct sc_store_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	sc_hasher_free(r->hs);
	free(r->segs);
	free(r->buf);
	free(r->payload);
	free(r);
}

void
sc_store_reader_set_keys(struct sc_store_reader *r, struct sc_keyring *keys)
{
	r->keys = keys;
}

enum sc_error
sc_store_reader_payload(struct sc_store_reader *r, const struct sc_block_hdr *h,
			const uint8_t *stored, const uint8_t **payload)
{
	enum sc_error e = sc_block_check_lengths(h);

	if (e != SC_E_OK)
		return e;
	if (h->payload_len > r->pcap || r->payload == NULL) {
		uint8_t *np = realloc(r->payload, h->payload_len ? h->payload_len : 1);

		if (np == NULL)
			return SC_E_NOMEM;
		r->payload = np;
		r->pcap = h->payload_len;
	}
	*payload = r->payload;
	return sc_block_open_keys(r->hs, r->keys, h, stored, r->payload, r->pcap);
}

void sc_store_reader_headers_only(struct sc_store_reader *r, bool on) { r->headers_only = on; }
const uint8_t *sc_store_reader_id(const struct sc_store_reader *r) { return r->id; }
const char *sc_store_reader_origin(const struct sc_store_reader *r) { return r->origin; }
int sc_store_reader_version(const struct sc_store_reader *r) { return r->version; }
uint32_t sc_store_reader_segments(const struct sc_store_reader *r) { return r->nsegs; }
const uint32_t *sc_store_reader_segment_list(const struct sc_store_reader *r) { return r->segs; }

static int
grow(struct sc_store_reader *r, size_t need)
{
	uint8_t *nb;

	if (need <= r->cap)
		return 0;
	nb = realloc(r->buf, need);
	if (nb == NULL)
		return -ENOMEM;
	r->buf = nb;
	r->cap = need;
	return 0;
}

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

static void
close_segment(struct sc_store_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->cur++;
}

/* Open segment r->cur and check its header. */
static enum sc_error
open_segment(struct sc_store_reader *r, struct sc_store_pos *pos)
{
	char path[4200];
	uint8_t hdr[SC_SEG_HDR_LEN], sid[SC_HASH_LEN];
	uint32_t number;
	uint64_t first_log;
	struct stat st;
	enum sc_error err;

	pos->segment = r->segs[r->cur];
	pos->offset = 0;
	sc_segment_path(r->dir, r->segs[r->cur], path, sizeof(path));
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0)
		return SC_E_IO;
	r->size = (uint64_t)st.st_size;
	r->off = SC_SEG_HDR_LEN;
	if (r->size < SC_SEG_HDR_LEN)
		return SC_E_SEG_EMPTY;
	if (read_full(r->fd, hdr, sizeof(hdr), 0) != 0)
		return SC_E_IO;
	err = sc_segment_hdr_check(r->hs, hdr, &number, &first_log, sid);
	if (err != SC_E_OK)
		return err;
	if (memcmp(sid, r->id, SC_HASH_LEN) != 0)
		return SC_E_STORE_ID;
	if (number != r->segs[r->cur])
		return SC_E_SEG_NUMBER;
	return SC_E_OK;
}

int
sc_store_reader_seek(struct sc_store_reader *r, uint32_t segment, uint64_t offset)
{
	struct sc_store_pos pos;
	uint32_t i;

	for (i = 0; i < r->nsegs && r->segs[i] != segment; i++)
		;
	if (i == r->nsegs)
		return -ENOENT;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->cur = i;
	if (open_segment(r, &pos) != SC_E_OK) {
		close_segment(r);
		return -EBADMSG;
	}
	r->off = offset;
	return 0;
}

int
sc_store_read(struct sc_store_reader *r, struct sc_block_hdr *h,
	      const uint8_t **stored, struct sc_store_pos *pos, enum sc_error *err)
{
	uint8_t hash[SC_HASH_LEN];

	*err = SC_E_OK;
	for (;;) {
		if (r->fd < 0) {
			if (r->cur >= r->nsegs)
				return 0;
			*err = open_segment(r, pos);
			if (*err != SC_E_OK) {
				close_segment(r);
				return -1;
			}
		}
		if (r->off < r->size)
			break;
		close_segment(r);
	}
	pos->segment = r->segs[r->cur];
	pos->offset = r->off;
	pos->index = r->index;
	if (grow(r, SC_BLOCK_HDR_LEN) != 0) {
		*err = SC_E_NOMEM;
		return -1;
	}
	if (r->size - r->off < SC_BLOCK_HDR_LEN) {
		*err = SC_E_BLK_TRUNCATED;
		goto bad;
	}
	if (read_full(r->fd, r->buf, SC_BLOCK_HDR_LEN, r->off) != 0) {
		*err = SC_E_IO;
		goto bad;
	}
	*err = sc_block_hdr_decode(r->buf, h);
	if (*err != SC_E_OK)
		goto bad;
	sc_block_hash(r->hs, r->buf, hash);
	if (memcmp(hash, h->block_hash, SC_HASH_LEN) != 0) {
		*err = SC_E_BLK_HASH;
		goto bad;
	}
	if (h->segment != pos->segment) {
		*err = SC_E_BLK_SEGMENT;
		goto bad;
	}
	if (r->size - r->off - SC_BLOCK_HDR_LEN < h->stored_len) {
		*err = SC_E_BLK_TRUNCATED;
		goto bad;
	}
	if (!r->headers_only) {
		if (grow(r, SC_BLOCK_HDR_LEN + (size_t)h->stored_len) != 0) {
			*err = SC_E_NOMEM;
			return -1;
		}
		if (read_full(r->fd, r->buf + SC_BLOCK_HDR_LEN, h->stored_len,
			      r->off + SC_BLOCK_HDR_LEN) != 0) {
			*err = SC_E_IO;
			goto bad;
		}
	}
	*stored = r->buf + SC_BLOCK_HDR_LEN;
	r->off += SC_BLOCK_HDR_LEN + h->stored_len;
	r->index++;
	return 1;
bad:
	/* Past a bad header the next block's offset is unknown. */
	close_segment(r);
	return -1;
}

/* Position in segs of the first segment number >= n. */
static uint32_t
seg_lower_bound(const uint32_t *segs, uint32_t nsegs, uint32_t n)
{
	uint32_t lo = 0, hi = nsegs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (segs[mid] < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
sc_store_reader_rescan(struct sc_store_reader *r)
{
	uint32_t *segs, n, cur;
	int rc = sc_segment_list(r->dir, &segs, &n);

	if (rc != 0)
		return rc;
	/* Keep standing on the same segment number (or the next one). */
	if (r->cur < r->nsegs)
		cur = seg_lower_bound(segs, n, r->segs[r->cur]);
	else
		cur = r->nsegs ? seg_lower_bound(segs, n, r->segs[r->nsegs - 1] + 1) : 0;
	if (r->fd >= 0 && (cur >= n || segs[cur] != r->segs[r->cur])) {
		/* The open segment was removed meanwhile: go on after it. */
		close(r->fd);
		r->fd = -1;
	}
	free(r->segs);
	r->segs = segs;
	r->nsegs = n;
	r->cur = cur;
	return 0;
}

int
sc_store_seek(struct sc_store_reader *r, uint32_t segment, uint64_t offset,
	      enum sc_error *err)
{
	uint32_t i = seg_lower_bound(r->segs, r->nsegs, segment);
	struct sc_store_pos pos;
	struct stat st;

	*err = SC_E_OK;
	if (i >= r->nsegs || r->segs[i] != segment)
		return -ENOENT;
	if (r->fd >= 0 && r->cur == i) {
		/* Same file: only its size may have changed (a live store). */
		if (fstat(r->fd, &st) != 0) {
			*err = SC_E_IO;
			close_segment(r);
			return -EIO;
		}
		r->size = (uint64_t)st.st_size;
	} else {
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		r->cur = i;
		*err = open_segment(r, &pos);
		if (*err != SC_E_OK) {
			close_segment(r);
			return -EBADMSG;
		}
	}
	r->off = offset < SC_SEG_HDR_LEN ? SC_SEG_HDR_LEN : offset;
	return 0;
}

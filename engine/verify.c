/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include <sealcap/checkpoint.h>
#include <sealcap/crypt.h>
#include <sealcap/log.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#include "checkpoint_priv.h"
#include "store_priv.h"

struct lane_expect {
	bool seen;
	bool resync;  /* after skipped damage: take the next block as it comes */
	uint64_t next_block_seq;
	uint64_t next_rec_seq;
	uint8_t last_hash[SC_HASH_LEN];
};

struct vctx {
	sc_verify_fn fn;
	void *arg;
	struct sc_verify_result *res;
};

static bool
is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Sizes and times of a block whose header checked, read or not. */
static void
count_block(struct sc_verify_result *res, const struct sc_block_hdr *h)
{
	res->raw_bytes += h->raw_bytes;
	res->stored_bytes += SC_BLOCK_HDR_LEN + h->stored_len;
	if (res->first_ns == 0 || h->first_ns < res->first_ns)
		res->first_ns = h->first_ns;
	if (h->last_ns > res->last_ns)
		res->last_ns = h->last_ns;
}

/* Remember the key ids encrypted blocks name (a few, for the report). */
static void
note_key_id(struct sc_verify_result *res, const uint8_t id[SC_ENC_KEYID_LEN])
{
	for (unsigned i = 0; i < res->nkey_ids && i < 4; i++)
		if (memcmp(res->key_ids[i], id, SC_ENC_KEYID_LEN) == 0)
			return;
	if (res->nkey_ids < 4)
		memcpy(res->key_ids[res->nkey_ids], id, SC_ENC_KEYID_LEN);
	res->nkey_ids++;
}

/* Engine events of a block: counted, and retention events read. */
struct events_ctx {
	struct sc_verify_result *res;
	uint64_t block;
	struct sc_retention_event *newest;  /* the one that keeps the most */
	struct vctx *v;
	const struct sc_store_pos *pos;
	uint32_t lane;
};

static void report(struct vctx *v, enum sc_error err, const struct sc_store_pos *pos,
		   int64_t block, uint32_t lane, int64_t record, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int
count_event(const struct sc_record *r, uint32_t index, void *arg)
{
	static const char recovery[] = "{\"event\":\"recovery\"";
	struct events_ctx *c = arg;
	struct sc_retention_event ev;
	int rc;

	if (!(r->flags & SC_REC_EVENT))
		return 0;
	c->res->events++;
	if (r->raw_len >= sizeof(recovery) - 1 &&
	    memcmp(r->raw, recovery, sizeof(recovery) - 1) == 0) {
		c->res->recoveries++;
		return 0;
	}
	rc = sc_retention_parse(r->raw, r->raw_len, &ev);
	if (rc < 0) {
		report(c->v, SC_E_PRUNED, c->pos, (int64_t)c->block, c->lane, index,
		       "a retention event that does not say what it removed");
		return 0;
	}
	if (rc == 0)
		return 0;
	snprintf(c->res->retention_last, sizeof(c->res->retention_last), "%" PRIu64 ".%" PRIu32,
		 c->block, index);
	if (c->res->retention_events++ == 0)
		memcpy(c->res->retention_first, c->res->retention_last, sizeof(c->res->retention_first));
	if (ev.kept_index >= c->newest->kept_index)
		*c->newest = ev;
	return 0;
}

static int
cmp_leaf(const void *a, const void *b, void *arg)
{
	const uint8_t (*t)[SC_HASH_LEN] = arg;

	return memcmp(t[*(const uint64_t *)a], t[*(const uint64_t *)b], SC_HASH_LEN);
}

/*
 * Is @p hash the leaf of a removed block (log index below @p n)?  The
 * first call sorts their indexes by hash (only a pruned store needs it).
 */
static bool
removed_leaf(uint8_t (*tree)[SC_HASH_LEN], uint64_t n, uint64_t **idx, const uint8_t *hash)
{
	uint64_t lo = 0, hi = n;

	if (n == 0)
		return false;
	if (*idx == NULL) {
		*idx = malloc(n * sizeof(**idx));
		if (*idx == NULL)
			return false;
		for (uint64_t i = 0; i < n; i++)
			(*idx)[i] = i;
		qsort_r(*idx, n, sizeof(**idx), cmp_leaf, tree);
	}
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c = memcmp(tree[(*idx)[mid]], hash, SC_HASH_LEN);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void __attribute__((format(printf, 7, 8)))
report_file(struct vctx *v, enum sc_error err, enum sc_verify_file file, uint64_t offset,
	    int64_t block, uint32_t lane, const char *fmt, ...)
{
	struct sc_verify_issue i = {
		.err = err, .file = file, .offset = offset, .block = block, .lane = lane,
		.record = -1,
	};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(i.detail, sizeof(i.detail), fmt, ap);
	va_end(ap);
	v->res->issues++;
	if (v->fn)
		v->fn(&i, v->arg);
}

static void
report(struct vctx *v, enum sc_error err, const struct sc_store_pos *pos,
       int64_t block, uint32_t lane, int64_t record, const char *fmt, ...)
{
	struct sc_verify_issue i = {
		.err = err, .segment = pos->segment, .offset = pos->offset,
		.block = block, .lane = lane, .record = record,
	};

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(i.detail, sizeof(i.detail), fmt, ap);
		va_end(ap);
	}
	v->res->issues++;
	if (v->fn)
		v->fn(&i, v->arg);
}

/* A checkpoint whose signature verified. */
struct ckpt {
	uint64_t off;
	uint64_t size;
	uint8_t root[SC_HASH_LEN];
};

static int
cmp_ckpt(const void *a, const void *b)
{
	const struct ckpt *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size ? 1 : (x->off > y->off) - (x->off < y->off);
}

/*
 * The epoch certificates of STORE/keys/ into the trust set; damaged ones,
 * or ones no pinned master signed, are issues.  @return files found.
 */
static unsigned
load_store_keys(struct vctx *v, struct sc_trust *t, const char *dir)
{
	char path[4200], err[300];
	struct dirent *e;
	unsigned files = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/keys", dir);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name), len;
		char *buf;
		int rc;

		if (nl < 5 || strcmp(e->d_name + nl - 4, ".pub") != 0)
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/keys/%s", dir, e->d_name);
		err[0] = '\0';
		rc = sc_read_file(path, &buf, &len, (size_t)256 << 20);
		if (rc != 0) {
			report_file(v, SC_E_KEYS, SC_VF_KEYS, 0, -1, 0, "keys/%s: %s", e->d_name,
				    strerror(-rc));
			continue;
		}
		rc = sc_trust_add_cert(t, buf, len, false, err, sizeof(err));
		if (rc != 0)
			report_file(v, SC_E_KEYS, SC_VF_KEYS, 0, -1, 0, "keys/%s: %s", e->d_name, err);
		free(buf);
	}
	closedir(d);
	return files;
}

/*
 * Open every checkpoint; keep those whose signature verified.
 * @return 0, or -ENOMEM.
 */
static int
load_checkpoints(struct vctx *v, struct sc_trust *t, const char *dir, const char *origin,
		 struct ckpt **out, size_t *nout, bool *file_exists)
{
	char *buf;
	size_t len, off = 0, a, b, next, n = 0;
	uint64_t max_size = 0;
	int64_t max_epoch[64];          /* newest epoch seen, per certificate */
	struct ckpt *list = NULL;
	int k, rc = sc_store_checkpoints_load(dir, &buf, &len);

	*out = NULL;
	*nout = 0;
	*file_exists = rc != -ENOENT;
	for (int i = 0; i < 64; i++)
		max_epoch[i] = -1;
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		report_file(v, SC_E_IO, SC_VF_CHECKPOINTS, 0, -1, 0, "%s", strerror(-rc));
		return 0;
	}
	while ((k = sc_checkpoints_next(buf, len, off, &a, &b, &next)) == 1) {
		struct sc_checkpoint c;
		struct sc_note note;
		enum sc_note_status st = sc_trust_open_checkpoint(t, buf + a, b - a, &c, &note);
		int64_t epoch;
		size_t cert = 0;

		off = next;
		switch (st) {
		case SC_NOTE_OK:
			break;
		case SC_NOTE_MALFORMED:
			report_file(v, SC_E_CKPT_FORMAT, SC_VF_CHECKPOINTS, a, -1, 0,
				    "not a signed checkpoint");
			continue;
		case SC_NOTE_BAD_SIGNATURE:
			report_file(v, SC_E_CKPT_SIGNATURE, SC_VF_CHECKPOINTS, a, -1, 0,
				    "size %" PRIu64 ", key %s+%08" PRIx32, c.size, note.first_name,
				    note.first_hash);
			continue;
		case SC_NOTE_UNKNOWN_KEY:
			report_file(v, SC_E_CKPT_KEY, SC_VF_CHECKPOINTS, a, -1, 0,
				    "size %" PRIu64 ", signed by %s+%08" PRIx32 "%s", c.size,
				    note.first_name, note.first_hash,
				    sc_trust_pinned(t) ? ", not a pinned key" : ", a key not in keys/");
			continue;
		}
		if (strcmp(c.origin, origin) != 0) {
			report_file(v, SC_E_CKPT_ORIGIN, SC_VF_CHECKPOINTS, a, -1, 0,
				    "origin '%.60s', the store is '%.60s'", c.origin, origin);
			continue;
		}
		epoch = sc_trust_epoch(t, note.first_name, note.first_hash, &cert);
		if (cert >= 64)
			epoch = -1;
		if (c.size < max_size || (epoch >= 0 && epoch < max_epoch[cert]))
			report_file(v, SC_E_CKPT_ORDER, SC_VF_CHECKPOINTS, a, -1, 0,
				    "size %" PRIu64 " (key %s) after size %" PRIu64 " or a later epoch",
				    c.size, note.first_name, max_size);
		if (c.size > max_size)
			max_size = c.size;
		if (epoch > max_epoch[cert])
			max_epoch[cert] = epoch;
		if ((n & (n - 1)) == 0 || n == 0) {
			struct ckpt *nl = realloc(list, (n ? 2 * n : 1) * sizeof(*list));

			if (nl == NULL) {
				free(list);
				free(buf);
				return -ENOMEM;
			}
			list = nl;
		}
		list[n].off = a;
		list[n].size = c.size;
		memcpy(list[n].root, c.root, SC_HASH_LEN);
		n++;
		v->res->checkpoints++;
		if (c.size >= v->res->signed_size) {
			v->res->signed_size = c.size;
			snprintf(v->res->signer, sizeof(v->res->signer), "%s", note.first_name);
		}
	}
	if (k < 0)
		report_file(v, SC_E_CKPT_FORMAT, SC_VF_CHECKPOINTS, off, -1, 0,
			    "%zu bytes from here are not a complete note", len - off);
	free(buf);
	*out = list;
	*nout = n;
	return 0;
}

int
sc_verify(const char *dir, struct sc_verify_result *res, sc_verify_fn fn, void *arg,
	  char *errbuf, size_t errlen)
{
	return sc_verify_ex(dir, NULL, res, fn, arg, errbuf, errlen);
}

int
sc_verify_ex(const char *dir, const struct sc_verify_opts *o, struct sc_verify_result *res,
	     sc_verify_fn fn, void *arg, char *errbuf, size_t errlen)
{
	struct sc_store_reader *r;
	struct sc_trust *own = NULL, *trust;
	uint8_t (*tree)[SC_HASH_LEN] = NULL;
	uint8_t *seen = NULL;
	uint64_t nl = 0, stray = 0, next_ext = 0, ext_cap = 0;
	int64_t max_index = -1;
	bool have_leaves, ckpt_file;
	struct ckpt *ck = NULL;
	size_t nck = 0;
	unsigned key_files;
	struct lane_expect *lanes;
	struct sc_hasher *hs;
	struct vctx v = { fn, arg, res };
	uint8_t *payload = NULL;
	uint8_t (*leaves)[SC_HASH_LEN] = NULL;
	size_t pcap = 0, lcap = 0;
	uint64_t next_log = 0;
	bool log_resync = false;
	/* retention: log entries below kept_from and segments below the first are gone */
	uint64_t kept_from = 0, *leaf_idx = NULL;
	bool pruned = false;
	struct sc_retention_event *newest = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	r = sc_store_reader_open(dir, errbuf, errlen);
	if (r == NULL)
		return -errno;
	hs = sc_hasher_new();
	lanes = calloc(SC_STORE_MAX_LANES, sizeof(*lanes));
	trust = o && o->trust ? o->trust : (own = sc_trust_new());
	if (hs == NULL || lanes == NULL || trust == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	res->segments = sc_store_reader_segments(r);
	res->store_version = sc_store_reader_version(r);
	res->keys_pinned = sc_trust_pinned(trust);

	/*
	 * The log tree: the leaves file, then the checkpoints (signatures
	 * first, so the walk below can count what no checkpoint covers yet).
	 */
	rc = sc_store_leaves_load(dir, &tree, &nl, &stray);
	have_leaves = rc == 0;
	if (rc != 0 && rc != -ENOENT) {
		snprintf(errbuf, errlen, "%s/leaves: %s", dir, strerror(-rc));
		goto out;
	}
	res->leaves = nl;
	ext_cap = nl;
	seen = calloc(nl ? nl : 1, 1);
	if (seen == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (stray)
		report_file(&v, SC_E_LEAVES_PARTIAL, SC_VF_LEAVES, nl * SC_HASH_LEN, -1, 0,
			    "%" PRIu64 " stray bytes after leaf %" PRIu64, stray, nl);
	key_files = load_store_keys(&v, trust, dir);
	rc = load_checkpoints(&v, trust, dir, sc_store_reader_origin(r), &ck, &nck, &ckpt_file);
	if (rc != 0)
		goto out;
	/*
	 * Missing segment files show as gaps in the file names.  Checked on the
	 * list, not on the blocks read: a segment with no block (its first
	 * append failed, or the writer died right after creating it) is part of
	 * an intact store, and a gap beside it must still be found.
	 */
	newest = calloc(1, sizeof(*newest));
	if (newest == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (res->segments > 0) {
		const uint32_t *segs = sc_store_reader_segment_list(r);

		/* A damaged first header: the walk reports it, from index 0. */
		if (sc_segment_header(dir, segs[0], &kept_from, NULL) != 0)
			kept_from = 0;
		pruned = segs[0] > 0 || kept_from > 0;
		next_log = kept_from;
	}
	for (uint32_t i = 1; i < res->segments; i++) {
		const uint32_t *segs = sc_store_reader_segment_list(r);
		struct sc_store_pos gap = { .segment = segs[i] };

		if (segs[i] != segs[i - 1] + 1)
			report(&v, SC_E_SEG_NUMBER, &gap, -1, 0, -1,
			       "segment %08" PRIu32 " follows %08" PRIu32 ": segment files missing",
			       segs[i], segs[i - 1]);
	}

	for (;;) {
		/* Zeroed: a read that stops inside a block header leaves it so. */
		struct sc_block_hdr h = { 0 };
		struct sc_store_pos pos = { 0 };
		const uint8_t *stored;
		enum sc_error err;
		struct lane_expect *l;
		uint32_t bad;

		rc = sc_store_read(r, &h, &stored, &pos, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			/*
			 * Name the block only from a header whose hash checked:
			 * the reader tests the hash before BLK_SEGMENT and before
			 * the payload length, while a file that ends inside the
			 * header leaves h zeroed.  A header failing its magic,
			 * codec or hash may say anything, log index and lane too.
			 */
			bool hdr = err == SC_E_BLK_SEGMENT ||
				   (err == SC_E_BLK_TRUNCATED && !is_zero(h.block_hash, SC_HASH_LEN));

			if (pos.offset == 0)
				report(&v, err, &pos, -1, 0, -1, "segment unreadable; its blocks are skipped");
			else if (hdr)
				report(&v, err, &pos, (int64_t)h.log_index, h.lane, -1,
				       "rest of the segment skipped");
			else if (!log_resync)
				report(&v, err, &pos, -1, 0, -1,
				       "block not known, log index %" PRIu64 " expected here; rest of the segment skipped",
				       next_log);
			else
				report(&v, err, &pos, -1, 0, -1,
				       "block not known; rest of the segment skipped");
			/*
			 * Whatever followed is unknown: re-anchor every lane on
			 * what comes next, also lanes not seen yet (their first
			 * blocks may be among the skipped ones).
			 */
			for (int i = 0; i < SC_STORE_MAX_LANES; i++)
				lanes[i].resync = true;
			log_resync = true;
			continue;
		}
		if (h.lane >= SC_STORE_MAX_LANES) {
			report(&v, SC_E_BLK_MAGIC, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " out of range", h.lane);
			continue;
		}
		res->blocks++;
		if (h.log_index != next_log && !log_resync)
			report(&v, SC_E_LOG_INDEX, &pos, (int64_t)h.log_index, h.lane, -1,
			       "expected log index %" PRIu64 ", found %" PRIu64,
			       next_log, h.log_index);
		log_resync = false;
		next_log = h.log_index + 1;

		/* The block against its leaf; blocks past the file extend the tree. */
		if (h.log_index < nl) {
			if (!seen[h.log_index] &&
			    memcmp(tree[h.log_index], h.block_hash, SC_HASH_LEN) != 0)
				report_file(&v, SC_E_LEAF, SC_VF_LEAVES, h.log_index * SC_HASH_LEN,
					    (int64_t)h.log_index, h.lane,
					    "segment %08" PRIu32 " offset %" PRIu64 " holds another block %"
					    PRIu64 " than the log tree lists", pos.segment, pos.offset,
					    h.log_index);
			seen[h.log_index] = 1;
		} else if (h.log_index == nl + next_ext) {
			if (nl + next_ext == ext_cap) {
				uint8_t (*nt)[SC_HASH_LEN] = realloc(tree, (ext_cap = ext_cap ? 2 * ext_cap :
									     1024) * SC_HASH_LEN);

				if (nt == NULL) {
					rc = -ENOMEM;
					goto out;
				}
				tree = nt;
			}
			memcpy(tree[nl + next_ext++], h.block_hash, SC_HASH_LEN);
		}
		if ((int64_t)h.log_index > max_index)
			max_index = (int64_t)h.log_index;
		if (h.log_index >= res->signed_size) {
			res->unsigned_blocks++;
			res->unsigned_records += h.count;
		}

		l = &lanes[h.lane];
		if (!l->seen) {
			l->seen = true;
			res->lanes++;
			memcpy(l->last_hash, sc_store_reader_id(r), SC_HASH_LEN);
			/*
			 * Retention took the start of this lane: its first block
			 * left must follow a removed block, whose leaf stays.
			 */
			if (pruned && h.block_seq > 0 && !l->resync) {
				if (!removed_leaf(tree, kept_from < nl ? kept_from : nl, &leaf_idx,
						  h.prev_hash))
					report(&v, SC_E_CHAIN, &pos, (int64_t)h.log_index, h.lane, -1,
					       "lane %" PRIu32 " block %" PRIu64 ": its first block left after "
					       "retention follows no removed block of the log tree", h.lane,
					       h.block_seq);
				l->resync = true;
			}
		}
		if (l->resync) {
			l->resync = false;
		} else {
			if (h.block_seq != l->next_block_seq)
				report(&v, SC_E_LANE_SEQ, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 ": expected block %" PRIu64 ", found %" PRIu64,
				       h.lane, l->next_block_seq, h.block_seq);
			else if (memcmp(h.prev_hash, l->last_hash, SC_HASH_LEN) != 0)
				report(&v, SC_E_CHAIN, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 " block %" PRIu64 " does not follow the previous block",
				       h.lane, h.block_seq);
			/* Records lost to write errors are declared by the next block. */
			if (h.first_seq != l->next_rec_seq + h.lost && h.block_seq == l->next_block_seq)
				report(&v, SC_E_RECORD_SEQ, &pos, (int64_t)h.log_index, h.lane, -1,
				       "lane %" PRIu32 ": expected record %" PRIu64 ", block starts at %" PRIu64,
				       h.lane, l->next_rec_seq + h.lost, h.first_seq);
			res->write_lost += h.lost;
		}
		l->next_block_seq = h.block_seq + 1;
		l->next_rec_seq = h.first_seq + h.count;
		memcpy(l->last_hash, h.block_hash, SC_HASH_LEN);

		/*
		 * Every record takes at least its header: a count the payload
		 * cannot hold is damage (a rewritten tail header can carry a
		 * fresh hash), not a reason to allocate count leaves.
		 */
		if (h.count > h.payload_len / SC_REC_HDR_LEN) {
			report(&v, SC_E_RECORD_COUNT, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " block %" PRIu64 ": %" PRIu32 " records in %" PRIu32
			       " payload bytes", h.lane, h.block_seq, h.count, h.payload_len);
			continue;
		}
		/* Nor lengths no codec can produce (before allocating them). */
		err = sc_block_check_lengths(&h);
		if (err != SC_E_OK) {
			report(&v, err, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " block %" PRIu64 ": payload of %" PRIu32
			       " bytes from %" PRIu32 " stored", h.lane, h.block_seq, h.payload_len,
			       h.stored_len);
			continue;
		}
		if (h.payload_len > pcap || payload == NULL) {
			free(payload);
			pcap = h.payload_len;
			payload = malloc(pcap ? pcap : 1);
		}
		if (h.count > lcap) {
			free(leaves);
			lcap = h.count;
			leaves = malloc(lcap * SC_HASH_LEN);
		}
		if ((pcap && payload == NULL) || (lcap && leaves == NULL)) {
			rc = -ENOMEM;
			goto out;
		}
		if (h.cipher != SC_CIPHER_NONE) {
			res->encrypted_blocks++;
			note_key_id(res, h.key_id);
		}
		err = sc_block_open_keys(hs, o ? o->keys : NULL, &h, stored, payload, pcap);
		/*
		 * Without the block's key its payload digest is as far as
		 * verify can go (it checked): not damage, but said plainly.
		 */
		if (err == SC_E_ENCRYPTED || err == SC_E_KEY_UNKNOWN) {
			if (err == SC_E_ENCRYPTED) {
				res->unread_blocks++;
				res->unread_records += h.count;
			} else {
				res->wrong_key_blocks++;
				res->wrong_key_records += h.count;
			}
			count_block(res, &h);
			continue;
		}
		if (err != SC_E_OK) {
			report(&v, err, &pos, (int64_t)h.log_index, h.lane, -1,
			       "lane %" PRIu32 " block %" PRIu64, h.lane, h.block_seq);
			continue;
		}
		err = sc_block_check_records(hs, &h, payload, leaves, &bad);
		if (err != SC_E_OK) {
			report(&v, err, &pos, (int64_t)h.log_index, h.lane,
			       err == SC_E_RECORD_ROOT ? -1 : (int64_t)bad,
			       "lane %" PRIu32 " block %" PRIu64, h.lane, h.block_seq);
			continue;
		}
		res->records += h.count;
		if (h.flags & SC_BLK_EVENTS) {
			struct events_ctx ec = { res, h.log_index, newest, &v, &pos, h.lane };

			sc_block_foreach(payload, h.payload_len, count_event, &ec);
		}
		count_block(res, &h);
	}

	/*
	 * Blocks the tree lists but no segment holds, at the end: a cut tail
	 * or a deleted newest segment.  (Missing blocks elsewhere, and a tail
	 * that ends in damage, are reported where the walk found them.)
	 */
	if (!log_resync && (uint64_t)(max_index + 1) < nl)
		report_file(&v, SC_E_BLOCK_MISSING, SC_VF_LEAVES, (uint64_t)(max_index + 1) * SC_HASH_LEN,
			    max_index + 1, 0, "blocks %" PRId64 "..%" PRIu64 " (%" PRIu64
			    ") are in the log tree but in no segment", max_index + 1, nl - 1,
			    nl - (uint64_t)(max_index + 1));
	if (!have_leaves && res->store_version >= 2 && res->blocks > 0)
		report_file(&v, SC_E_LEAVES_MISSING, SC_VF_LEAVES, 0, -1, 0,
			    "store format %d keeps one; the tree is taken from the blocks",
			    res->store_version);
	res->tree_size = nl + next_ext;

	/*
	 * Retention: what is gone must be what the newest retention event
	 * says went (it is cumulative), and its lane anchors must be leaves.
	 */
	if (pruned) {
		const uint32_t first_seg = sc_store_reader_segment_list(r)[0];
		struct sc_store_pos at = { .segment = first_seg };

		res->pruned_blocks = kept_from;
		res->pruned_segments = first_seg;
		if (res->retention_events == 0 && kept_from > 0)
			report(&v, SC_E_PRUNED, &at, -1, 0, -1,
			       "log entries 0..%" PRIu64 " and segments before %08" PRIu32 " are gone "
			       "and no retention event records their removal", kept_from - 1, first_seg);
		else if (res->retention_events == 0)
			report(&v, SC_E_PRUNED, &at, -1, 0, -1,
			       "segments before %08" PRIu32 " are gone and no retention event records "
			       "their removal", first_seg);
		else if (kept_from > newest->kept_index || first_seg > newest->kept_segment)
			report(&v, SC_E_PRUNED, &at, -1, 0, -1,
			       "log entries below %" PRIu64 " (segments before %08" PRIu32 ") are gone; "
			       "the newest retention event (%s) removed only those below %" PRIu64
			       " (segments before %08" PRIu32 ")", kept_from, first_seg,
			       res->retention_last, newest->kept_index, newest->kept_segment);
		if (nl < kept_from)
			report_file(&v, SC_E_LEAVES_PARTIAL, SC_VF_LEAVES, nl * SC_HASH_LEN, -1, 0,
				    "%" PRIu64 " leaves: the leaves of removed blocks 0..%" PRIu64
				    " must stay", nl, kept_from - 1);
	}
	if (res->retention_events) {
		for (unsigned i = 0; i < newest->nlanes; i++) {
			const struct sc_lane_anchor *a = &newest->lanes[i];

			if (a->index >= res->tree_size ||
			    memcmp(tree[a->index], a->hash, SC_HASH_LEN) != 0)
				report_file(&v, SC_E_PRUNED, SC_VF_LEAVES, a->index * SC_HASH_LEN,
					    (int64_t)a->index, a->lane,
					    "the retention event %s says lane %" PRIu32 " ends at this leaf; "
					    "it does not", res->retention_last, a->lane);
		}
		if (newest->kept_index > kept_from)
			res->pending_blocks = newest->kept_index - kept_from;
	}

	/* Each verified checkpoint's root against the tree at its size. */
	if (nck) {
		struct sc_log_frontier *f = malloc(sizeof(*f));
		uint8_t root[SC_HASH_LEN];

		if (f == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		sc_log_frontier_init(f);
		qsort(ck, nck, sizeof(*ck), cmp_ckpt);
		for (size_t i = 0; i < nck; i++) {
			if (ck[i].size > res->tree_size) {
				report_file(&v, SC_E_CKPT_SIZE, SC_VF_CHECKPOINTS, ck[i].off, -1, 0,
					    "signed size %" PRIu64 ", the log tree holds %" PRIu64
					    ": blocks removed or the store rolled back", ck[i].size,
					    res->tree_size);
				continue;
			}
			while (f->size < ck[i].size)
				sc_log_frontier_push(hs, f, tree[f->size]);
			sc_log_frontier_root(hs, f, root);
			if (memcmp(root, ck[i].root, SC_HASH_LEN) != 0)
				report_file(&v, SC_E_CKPT_ROOT, SC_VF_CHECKPOINTS, ck[i].off, -1, 0,
					    "size %" PRIu64 ": the blocks or leaves it covers changed",
					    ck[i].size);
		}
		free(f);
	}
	if (res->checkpoints == 0 && res->tree_size > 0 &&
	    (sc_trust_pinned(trust) || key_files > 0 || ckpt_file))
		report_file(&v, SC_E_CKPT_MISSING, SC_VF_CHECKPOINTS, 0, -1, 0, "%s",
			    sc_trust_pinned(trust) ? "none signed by the pinned key" :
			    key_files ? "keys/ holds signing keys but no checkpoint verifies" :
			    "the checkpoints file holds no valid checkpoint");
	rc = res->issues ? 1 : 0;
out:
	/* Every failure says what: those above that set no message (memory). */
	if (rc < 0 && errbuf != NULL && errlen > 0 && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "%s: %s", dir, strerror(-rc));
	free(newest);
	free(leaf_idx);
	free(payload);
	free(leaves);
	free(lanes);
	free(tree);
	free(seen);
	free(ck);
	sc_trust_free(own);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return rc;
}

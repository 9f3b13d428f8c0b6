/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Inclusion and consistency proofs as JSON documents (proof.h; layout in
 * docs/FORMAT.md, "Proofs").  JSON is read and written by jansson; hashes
 * by the store library's RFC 9162 code (log.h) -- the same paths verify
 * walks, so a proof holds exactly when verify would agree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/crypt.h>
#include <sealcap/log.h>
#include <sealcap/proof.h>
#include <sealcap/search.h>
#include <sealcap/store.h>

#include "checkpoint_priv.h"
#include "store_priv.h"

#define PROOF_FORMAT "sealcap-proof"
#define PROOF_VERSION 1


static json_t *
b64_json(const uint8_t *p, size_t n)
{
	char *b = malloc(4 * ((n + 2) / 3) + 1);
	json_t *j;

	if (b == NULL)
		return NULL;
	sc_b64_encode(p, n, b);
	j = json_string(b);
	free(b);
	return j;
}

static json_t *
path_json(const uint8_t (*path)[SC_HASH_LEN], int n)
{
	json_t *a = json_array();

	for (int i = 0; a && i < n; i++) {
		char hex[2 * SC_HASH_LEN + 1];

		sc_hash_hex(path[i], hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

/* A JSON array of 64-digit lower-case hex hashes.  @return count or -1. */
static int
path_parse(const json_t *a, uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN])
{
	size_t n = json_array_size(a);

	if (!json_is_array(a) || n > SC_LOG_PROOF_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (s == NULL || strlen(s) != 2 * SC_HASH_LEN)
			return -1;
		for (size_t k = 0; k < SC_HASH_LEN; k++) {
			unsigned v = 0;

			for (int d = 0; d < 2; d++) {
				char c = s[2 * k + (size_t)d];

				v <<= 4;
				if (c >= '0' && c <= '9')
					v |= (unsigned)(c - '0');
				else if (c >= 'a' && c <= 'f')
					v |= (unsigned)(c - 'a' + 10);
				else
					return -1;
			}
			path[i][k] = (uint8_t)v;
		}
	}
	return (int)n;
}

/* base64 member @p key of @p o, decoded (malloc).  @return length or -1. */
static int
b64_member(const json_t *o, const char *key, uint8_t **out, size_t max)
{
	const char *s = json_string_value(json_object_get(o, key));
	uint8_t *b;
	int n;

	*out = NULL;
	if (s == NULL || strlen(s) > 4 * ((max + 2) / 3))
		return -1;
	b = malloc(max + 1);
	if (b == NULL)
		return -1;
	n = sc_b64_decode(s, strlen(s), b, max);
	if (n < 0) {
		free(b);
		return -1;
	}
	*out = b;
	return n;
}

/* ---- the store side --------------------------------------------------------- */

/* The newest checkpoint of @p dir that verifies, covers @p min_size and is
 * of @p origin.  @return 0, -EAGAIN (none), -errno. */
static int
newest_checkpoint(const char *dir, struct sc_trust *t, const char *origin, uint64_t min_size,
		  char **note, struct sc_checkpoint *best)
{
	char *buf;
	size_t len, off = 0, a, b, next, ba = 0, bb = 0;
	bool found = false;
	int rc = sc_store_checkpoints_load(dir, &buf, &len);

	*note = NULL;
	if (rc == -ENOENT)
		return -EAGAIN;
	if (rc != 0)
		return rc;
	while (sc_checkpoints_next(buf, len, off, &a, &b, &next) == 1) {
		struct sc_checkpoint c;
		struct sc_note n;

		off = next;
		if (sc_trust_open_checkpoint(t, buf + a, b - a, &c, &n) != SC_NOTE_OK ||
		    strcmp(c.origin, origin) != 0 || c.size < min_size)
			continue;
		if (!found || c.size > best->size) {
			*best = c;
			ba = a;
			bb = b;
			found = true;
		}
	}
	if (found) {
		*note = strndup(buf + ba, bb - ba);
		rc = *note ? 0 : -ENOMEM;
	} else {
		rc = -EAGAIN;
	}
	free(buf);
	return rc;
}

/* Trust for building: the caller's, or the store's own keys. */
static struct sc_trust *
build_trust(const char *dir, struct sc_trust *t, struct sc_trust **own)
{
	*own = NULL;
	if (t == NULL) {
		*own = t = sc_trust_new();
		if (t == NULL)
			return NULL;
	}
	sc_trust_add_store_keys(t, dir, NULL, 0);
	return t;
}

/* Leaves of the tree, checked to give @p c's root. */
static int
tree_for(const char *dir, struct sc_hasher *hs, const struct sc_checkpoint *c,
	 uint8_t (**leaves)[SC_HASH_LEN], uint64_t *n, char *err, size_t errlen)
{
	uint8_t root[SC_HASH_LEN];
	uint64_t stray;
	int rc = sc_store_leaves_load(dir, leaves, n, &stray);

	if (rc != 0) {
		sc_errf(err, errlen, "%s/leaves: %s", dir, strerror(-rc));
		return rc;
	}
	if (c->size > *n) {
		sc_errf(err, errlen, "the checkpoint covers %" PRIu64 " blocks, the log tree holds %" PRIu64
			": run sealctl verify", c->size, *n);
		return -EBADMSG;
	}
	sc_log_root(hs, (const uint8_t (*)[SC_HASH_LEN])*leaves, 0, c->size, root);
	if (memcmp(root, c->root, SC_HASH_LEN) != 0) {
		sc_errf(err, errlen, "the log tree at size %" PRIu64 " does not give the checkpoint's root: "
			"run sealctl verify", c->size);
		return -EBADMSG;
	}
	return 0;
}

struct located {
	struct sc_block_hdr h;
	uint8_t hdr[SC_BLOCK_HDR_LEN];
	uint8_t *payload;
	uint8_t (*rleaves)[SC_HASH_LEN];
};

/* Find block @p block and check it all the way (payload, records, root). */
static int
locate(const char *dir, struct sc_hasher *hs, struct sc_keyring *keys, uint64_t block,
       struct located *L, char *err, size_t errlen)
{
	struct sc_store_reader *r = sc_store_reader_open(dir, err, errlen);
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	bool found = false;
	int rc;

	memset(L, 0, sizeof(*L));
	if (r == NULL)
		return -errno;
	sc_store_reader_headers_only(r, true);
	while ((rc = sc_store_read(r, &L->h, &stored, &pos, &e)) != 0)
		if (rc == 1 && L->h.log_index == block) {
			found = true;
			break;
		}
	if (!found) {
		uint32_t nsegs = sc_store_reader_segments(r);
		uint64_t kept = 0;

		/* Removed by retention: its leaf stays, its bytes are gone. */
		if (nsegs > 0 &&
		    sc_segment_header(dir, sc_store_reader_segment_list(r)[0], &kept, NULL) == 0 &&
		    block < kept) {
			sc_store_reader_close(r);
			sc_errf(err, errlen, "block %" PRIu64 " was pruned by retention (log entries 0..%"
				PRIu64 " are removed; their leaves still check in the log tree, but "
				"the records are gone): no inclusion proof of its records can be made",
				block, kept - 1);
			return -ENOENT;
		}
		sc_store_reader_close(r);
		sc_errf(err, errlen, "no block %" PRIu64 " in %s", block, dir);
		return -ENOENT;
	}
	sc_store_reader_headers_only(r, false);
	if (sc_store_reader_seek(r, pos.segment, pos.offset) != 0 ||
	    sc_store_read(r, &L->h, &stored, &pos, &e) != 1 || L->h.log_index != block) {
		sc_store_reader_close(r);
		sc_errf(err, errlen, "block %" PRIu64 ": cannot read it again", block);
		return -EIO;
	}
	sc_block_hdr_encode(&L->h, L->hdr);
	if (sc_block_check_lengths(&L->h) != SC_E_OK) {
		sc_store_reader_close(r);
		sc_errf(err, errlen, "block %" PRIu64 ": impossible payload length (run verify)", block);
		return -EBADMSG;
	}
	L->payload = malloc(L->h.payload_len ? L->h.payload_len : 1);
	L->rleaves = malloc(((size_t)L->h.count + 1) * SC_HASH_LEN);
	if (L->payload == NULL || L->rleaves == NULL || L->h.count > L->h.payload_len / SC_REC_HDR_LEN) {
		sc_store_reader_close(r);
		sc_errf(err, errlen, "block %" PRIu64 ": out of memory or impossible count", block);
		return -ENOMEM;
	}
	e = sc_block_open_keys(hs, keys, &L->h, stored, L->payload, L->h.payload_len);
	if (e == SC_E_OK)
		e = sc_block_check_records(hs, &L->h, L->payload, L->rleaves, NULL);
	sc_store_reader_close(r);
	if (e == SC_E_ENCRYPTED || e == SC_E_KEY_UNKNOWN) {
		char id[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(L->h.key_id, id);
		sc_errf(err, errlen, "block %" PRIu64 " is encrypted with key id %s: %s", block, id,
			e == SC_E_ENCRYPTED ? "give its key (--decrypt-key)" :
			"the key(s) given are other keys");
		return -EACCES;
	}
	if (e != SC_E_OK) {
		sc_errf(err, errlen, "block %" PRIu64 ": %s: run sealctl verify", block, sc_error_text(e));
		return -EBADMSG;
	}
	/* The check used the leaves as scratch for the root: hash them again. */
	for (size_t off = 0, i = 0; i < L->h.count; i++) {
		struct sc_record rec;
		size_t n = sc_record_decode(L->payload + off, L->h.payload_len - off, &rec);

		sc_hash_leaf(hs, L->payload + off, n, L->rleaves[i]);
		off += n;
	}
	return 0;
}

static json_t *
record_json(const char *id, const uint8_t *bytes, size_t n, const struct sc_record *r)
{
	static const char *const transports[] = { "event", "udp", "tcp", "tls" };
	json_t *o = json_object();
	char t[64], a[64];

	sc_time_utc(r->rx_ns, t, sizeof(t));
	sc_record_addr_str(r, a, sizeof(a));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "bytes", b64_json(bytes, n));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "source", json_string(a));
	json_object_set_new(o, "port", json_integer(r->src_port));
	json_object_set_new(o, "transport", json_string(transports[r->transport & 3]));
	json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
	/*
	 * The message as text when it is UTF-8 (jansson refuses anything else)
	 * without NUL (jansson writes it as \u0000 but refuses to read it).
	 */
	if (r->raw_len == 0 || memchr(r->raw, 0, r->raw_len) == NULL) {
		json_t *m = json_stringn(r->raw ? (const char *)r->raw : "", r->raw_len);

		if (m != NULL)
			json_object_set_new(o, "message", m);
	}
	return o;
}

int
sc_proof_record(const char *dir, uint64_t block, uint32_t index, struct sc_trust *trust,
		char **json, char *err, size_t errlen)
{
	return sc_proof_record_keys(dir, block, index, trust, NULL, json, err, errlen);
}

int
sc_proof_record_keys(const char *dir, uint64_t block, uint32_t index, struct sc_trust *trust,
		     struct sc_keyring *keys, char **json, char *err, size_t errlen)
{
	struct sc_store_reader *rd;
	struct sc_trust *own = NULL, *t;
	struct sc_hasher *hs = sc_hasher_new();
	struct located L = { 0 };
	struct sc_checkpoint c;
	struct sc_record rec;
	char *note = NULL, origin[256], id[48], t0[64], t1[64];
	uint8_t (*leaves)[SC_HASH_LEN] = NULL, path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	uint64_t nleaves;
	size_t off = 0, rn = 0;
	json_t *doc = NULL, *o;
	int rc, plen;

	*json = NULL;
	t = build_trust(dir, trust, &own);
	if (hs == NULL || t == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rd = sc_store_reader_open(dir, err, errlen);
	if (rd == NULL) {
		rc = -errno;
		goto out;
	}
	snprintf(origin, sizeof(origin), "%s", sc_store_reader_origin(rd));
	sc_store_reader_close(rd);

	rc = locate(dir, hs, keys, block, &L, err, errlen);
	if (rc != 0)
		goto out;
	if (index >= L.h.count) {
		sc_errf(err, errlen, "block %" PRIu64 " has %" PRIu32 " records: no record %" PRIu64 ".%" PRIu32,
			block, L.h.count, block, index);
		rc = -ENOENT;
		goto out;
	}
	for (uint32_t i = 0; i <= index; i++) {
		rn = sc_record_decode(L.payload + off, L.h.payload_len - off, &rec);
		if (i < index)
			off += rn;
	}
	rc = newest_checkpoint(dir, t, origin, block + 1, &note, &c);
	if (rc == -EAGAIN) {
		sc_errf(err, errlen, "block %" PRIu64 " is sealed but not yet signed: no checkpoint %s"
			"covers it yet (the engine signs every --checkpoint-interval)", block,
			trust ? "signed by the given key " : "");
		goto out;
	}
	if (rc != 0) {
		sc_errf(err, errlen, "%s/checkpoints: %s", dir, strerror(-rc));
		goto out;
	}
	rc = tree_for(dir, hs, &c, &leaves, &nleaves, err, errlen);
	if (rc != 0)
		goto out;
	if (memcmp(leaves[block], L.h.block_hash, SC_HASH_LEN) != 0) {
		sc_errf(err, errlen, "block %" PRIu64 " differs from its leaf: run sealctl verify", block);
		rc = -EBADMSG;
		goto out;
	}

	snprintf(id, sizeof(id), "%" PRIu64 ".%" PRIu32, block, index);
	doc = json_object();
	json_object_set_new(doc, "format", json_string(PROOF_FORMAT));
	json_object_set_new(doc, "version", json_integer(PROOF_VERSION));
	json_object_set_new(doc, "type", json_string("inclusion"));
	json_object_set_new(doc, "record", record_json(id, L.payload + off, rn, &rec));
	o = json_object();
	sc_time_utc(L.h.first_ns, t0, sizeof(t0));
	sc_time_utc(L.h.last_ns, t1, sizeof(t1));
	json_object_set_new(o, "header", b64_json(L.hdr, SC_BLOCK_HDR_LEN));
	json_object_set_new(o, "log_index", json_integer((json_int_t)block));
	json_object_set_new(o, "lane", json_integer(L.h.lane));
	json_object_set_new(o, "records", json_integer(L.h.count));
	json_object_set_new(o, "first_time", json_string(t0));
	json_object_set_new(o, "last_time", json_string(t1));
	json_object_set_new(doc, "block", o);
	plen = sc_log_inclusion_proof(hs, (const uint8_t (*)[SC_HASH_LEN])L.rleaves, L.h.count, index, path);
	json_object_set_new(doc, "record_path", path_json((const uint8_t (*)[SC_HASH_LEN])path, plen));
	plen = sc_log_inclusion_proof(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, c.size, block, path);
	o = json_object();
	json_object_set_new(o, "index", json_integer((json_int_t)block));
	json_object_set_new(o, "size", json_integer((json_int_t)c.size));
	json_object_set_new(o, "path", path_json((const uint8_t (*)[SC_HASH_LEN])path, plen));
	json_object_set_new(doc, "log", o);
	json_object_set_new(doc, "checkpoint", json_string(note));
	*json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	rc = *json ? 0 : -ENOMEM;
out:
	json_decref(doc);
	free(note);
	free(leaves);
	free(L.payload);
	free(L.rleaves);
	sc_hasher_free(hs);
	sc_trust_free(own);
	return rc;
}

int
sc_proof_consistency(const char *dir, const char *old, size_t len, struct sc_trust *trust,
		     char **json, struct sc_proof_info *info, char *err, size_t errlen)
{
	struct sc_store_reader *rd;
	struct sc_trust *own = NULL, *t;
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_checkpoint oc, nc;
	struct sc_note on;
	enum sc_note_status st;
	char *note = NULL, origin[256];
	uint8_t (*leaves)[SC_HASH_LEN] = NULL, path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	uint64_t nleaves = 0, stray;
	size_t olen = len;
	json_t *doc = NULL;
	int rc, plen;

	*json = NULL;
	memset(info, 0, sizeof(*info));
	snprintf(info->type, sizeof(info->type), "consistency");
	t = build_trust(dir, trust, &own);
	if (hs == NULL || t == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rd = sc_store_reader_open(dir, err, errlen);
	if (rd == NULL) {
		rc = -errno;
		goto out;
	}
	snprintf(origin, sizeof(origin), "%s", sc_store_reader_origin(rd));
	sc_store_reader_close(rd);

	/* The auditor's note: one signed checkpoint (a blank line after it is fine). */
	while (olen >= 2 && old[olen - 1] == '\n' && old[olen - 2] == '\n')
		olen--;
	st = sc_trust_open_checkpoint(t, old, olen, &oc, &on);
	if (st == SC_NOTE_UNKNOWN_KEY) {
		sc_errf(err, errlen, "the old checkpoint is signed by %s+%08" PRIx32 ", which no trusted key "
			"names: pass its epoch certificate (epochs.pub) with --pubkey (the store's keys/ "
			"does not certify it: replaced?)", on.first_name, on.first_hash);
		rc = 1;
		goto out;
	}
	if (st != SC_NOTE_OK) {
		sc_errf(err, errlen, "the old checkpoint: %s", sc_note_status_text(st));
		rc = 1;
		goto out;
	}
	info->old_size = oc.size;
	snprintf(info->origin, sizeof(info->origin), "%s", oc.origin);
	if (strcmp(oc.origin, origin) != 0) {
		sc_errf(err, errlen, "the old checkpoint is of '%s', this store is '%s'", oc.origin, origin);
		rc = 1;
		goto out;
	}
	rc = newest_checkpoint(dir, t, origin, 0, &note, &nc);
	if (rc != 0) {
		sc_errf(err, errlen, "the store holds no checkpoint signed by a trusted key%s",
			rc == -EAGAIN ? "" : " (cannot read it)");
		rc = rc == -EAGAIN ? 1 : rc;
		goto out;
	}
	info->size = nc.size;
	if (oc.size > nc.size) {
		sc_errf(err, errlen, "the store's newest checkpoint covers %" PRIu64 " blocks, the old one %"
			PRIu64 ": the store was rolled back or cut", nc.size, oc.size);
		rc = 1;
		goto out;
	}
	rc = sc_store_leaves_load(dir, &leaves, &nleaves, &stray);
	if (rc != 0 || nleaves < nc.size) {
		sc_errf(err, errlen, "%s/leaves: %s", dir, rc ? strerror(-rc) : "shorter than its checkpoint");
		rc = 1;
		goto out;
	}
	if (oc.size == 0) {
		plen = 0;
	} else {
		plen = sc_log_consistency_proof(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, oc.size, nc.size,
						path);
		if (plen < 0) {
			rc = plen;
			goto out;
		}
	}
	doc = json_object();
	json_object_set_new(doc, "format", json_string(PROOF_FORMAT));
	json_object_set_new(doc, "version", json_integer(PROOF_VERSION));
	json_object_set_new(doc, "type", json_string("consistency"));
	json_object_set_new(doc, "old", json_stringn(old, olen));
	json_object_set_new(doc, "new", json_string(note));
	json_object_set_new(doc, "path", path_json((const uint8_t (*)[SC_HASH_LEN])path, plen));
	*json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	/* The proof is built from the store's leaves: it holds only if they
	 * still give the old root and the new one. */
	rc = sc_proof_check(*json, strlen(*json), t, info, err, errlen);
	if (rc == 1) {
		uint8_t r[SC_HASH_LEN];

		sc_log_root(hs, (const uint8_t (*)[SC_HASH_LEN])leaves, 0, oc.size, r);
		if (memcmp(r, oc.root, SC_HASH_LEN) != 0)
			sc_errf(err, errlen, "the store's first %" PRIu64 " blocks are not the ones the old "
				"checkpoint signed: history was rewritten", oc.size);
	}
out:
	json_decref(doc);
	free(note);
	free(leaves);
	sc_hasher_free(hs);
	sc_trust_free(own);
	return rc;
}

/* ---- evidence packages ------------------------------------------------------- */

/* A block with hits: its header and record leaves, hashed once. */
struct exp_block {
	struct sc_block_hdr h;
	uint8_t (*rleaves)[SC_HASH_LEN];
};

struct exp_ctx {
	struct sc_hasher *hs;
	const struct sc_checkpoint *c;
	const uint8_t (*leaves)[SC_HASH_LEN];
	struct exp_block *b;
	size_t nb, cap;
	json_t *recs;
	uint64_t unsigned_hits;
	bool locked;             /* an encrypted block could not be read */
	char *err;
	size_t errlen;
};

/* The block of @p hit, hashed on first sight (hits of one block come close
 * together in time order, so look from the newest entry back). */
static struct exp_block *
exp_block_of(struct exp_ctx *x, const struct sc_hit *hit)
{
	const struct sc_block_hdr *h = hit->h;
	struct exp_block *e;

	for (size_t i = x->nb; i-- > 0;)
		if (x->b[i].h.log_index == hit->block)
			return &x->b[i];
	if (memcmp(x->leaves[hit->block], h->block_hash, SC_HASH_LEN) != 0) {
		sc_errf(x->err, x->errlen, "block %" PRIu64 " differs from its leaf: run sealctl verify",
			hit->block);
		return NULL;
	}
	if (x->nb == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		struct exp_block *nb = realloc(x->b, cap * sizeof(*nb));

		if (nb == NULL)
			return NULL;
		x->b = nb;
		x->cap = cap;
	}
	e = &x->b[x->nb];
	e->h = *h;
	e->rleaves = malloc(((size_t)h->count + 1) * SC_HASH_LEN);
	if (e->rleaves == NULL)
		return NULL;
	for (size_t off = 0, i = 0; i < h->count; i++) {
		struct sc_record rec;
		size_t n = sc_record_decode(hit->payload + off, h->payload_len - off, &rec);

		sc_hash_leaf(x->hs, hit->payload + off, n, e->rleaves[i]);
		off += n;
	}
	x->nb++;
	return e;
}

static int
exp_hit(const struct sc_hit *hit, void *arg)
{
	struct exp_ctx *x = arg;
	uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	struct exp_block *e;
	struct sc_record rec;
	size_t off = 0, n = 0;
	char id[48];
	json_t *o;
	int plen;

	if (hit->block >= x->c->size) {
		x->unsigned_hits++;
		return 0;
	}
	e = exp_block_of(x, hit);
	if (e == NULL)
		return x->err[0] ? -EBADMSG : -ENOMEM;
	/* The record's stored bytes: walk the block's payload to it. */
	for (uint32_t i = 0; i <= hit->index; i++) {
		n = sc_record_decode(hit->payload + off, e->h.payload_len - off, &rec);
		if (i < hit->index)
			off += n;
	}
	snprintf(id, sizeof(id), "%" PRIu64 ".%" PRIu32, hit->block, hit->index);
	o = record_json(id, hit->payload + off, n, &rec);
	plen = sc_log_inclusion_proof(x->hs, (const uint8_t (*)[SC_HASH_LEN])e->rleaves, e->h.count,
				      hit->index, path);
	if (o == NULL || plen < 0 ||
	    json_object_set_new(o, "record_path", path_json((const uint8_t (*)[SC_HASH_LEN])path,
							    plen)) != 0 ||
	    json_array_append_new(x->recs, o) != 0)
		return -ENOMEM;
	return 0;
}

static int
exp_block_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct exp_block *)a)->h.log_index;
	uint64_t y = ((const struct exp_block *)b)->h.log_index;

	return x < y ? -1 : x > y;
}

static void
exp_damage(const struct sc_search_note *n, void *arg)
{
	struct exp_ctx *x = arg;

	if (x->err[0] != '\0')
		return;
	if (n->kind == SC_NOTE_DAMAGE) {
		sc_errf(x->err, x->errlen, "damaged block or segment met (segment %08" PRIu32 " offset %"
			PRIu64 ": %s): run sealctl verify; no package written", n->segment, n->offset,
			sc_error_text(n->err));
	} else if (n->kind == SC_NOTE_ENCRYPTED) {
		/* A package holds every match: one left unread would make it a partial answer. */
		char hex[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(n->key_id, hex);
		x->locked = true;
		sc_errf(x->err, x->errlen, "encrypted block %" PRId64 " (segment %08" PRIu32 " offset %"
			PRIu64 ", key id %s) cannot be read: %s; no package written", n->block,
			n->segment, n->offset, hex, n->err == SC_E_ENCRYPTED ?
			"give its key with --decrypt-key FILE" :
			"its key is not among the --decrypt-key given");
	}
}

int
sc_proof_export(const char *dir, const struct sc_query *q, const char *const *args, int nargs,
		struct sc_trust *trust, char **json, struct sc_export_info *info, char *err,
		size_t errlen)
{
	struct sc_store_reader *rd;
	struct sc_trust *own = NULL, *t;
	struct sc_search *s = NULL;
	struct sc_checkpoint c;
	struct exp_ctx x = { .err = err, .errlen = errlen };
	char *note = NULL, origin[256];
	uint8_t (*leaves)[SC_HASH_LEN] = NULL, path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	uint64_t nleaves;
	json_t *doc = NULL, *filter, *a, *blocks;
	int rc;

	*json = NULL;
	memset(info, 0, sizeof(*info));
	err[0] = '\0';
	x.hs = sc_hasher_new();
	t = build_trust(dir, trust, &own);
	x.recs = json_array();
	if (x.hs == NULL || t == NULL || x.recs == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rd = sc_store_reader_open(dir, err, errlen);
	if (rd == NULL) {
		rc = -errno;
		goto out;
	}
	snprintf(origin, sizeof(origin), "%s", sc_store_reader_origin(rd));
	sc_store_reader_close(rd);
	/* One checkpoint for all: the newest, whose tree the store still gives. */
	rc = newest_checkpoint(dir, t, origin, 0, &note, &c);
	if (rc == -EAGAIN) {
		sc_errf(err, errlen, "%s holds no checkpoint %s: nothing is signed yet (the engine signs "
			"every --checkpoint-interval)", dir, trust ? "signed by the given key" : "that verifies");
		goto out;
	}
	if (rc != 0) {
		sc_errf(err, errlen, "%s/checkpoints: %s", dir, strerror(-rc));
		goto out;
	}
	info->size = c.size;
	rc = tree_for(dir, x.hs, &c, &leaves, &nleaves, err, errlen);
	if (rc != 0)
		goto out;
	x.c = &c;
	x.leaves = (const uint8_t (*)[SC_HASH_LEN])leaves;

	s = sc_search_open(dir, q, err, errlen);
	if (s == NULL) {
		rc = -errno;
		goto out;
	}
	sc_search_on_note(s, exp_damage, &x);
	rc = sc_search_run(s, SC_ORDER_TIME, 0, exp_hit, &x);
	info->unsigned_hits = x.unsigned_hits;
	if (rc == 0 && err[0] != '\0')
		rc = x.locked ? -EACCES : -EBADMSG;
	if (rc != 0) {
		if (err[0] == '\0')
			sc_errf(err, errlen, "searching %s: %s", dir, strerror(rc < 0 ? -rc : EIO));
		rc = rc < 0 ? rc : -EIO;
		goto out;
	}
	if (json_array_size(x.recs) == 0) {
		if (x.unsigned_hits)
			sc_errf(err, errlen, "%" PRIu64 " record(s) match, all sealed but not yet signed: "
				"no checkpoint covers them yet (the newest covers %" PRIu64 " blocks)",
				x.unsigned_hits, c.size);
		else
			sc_errf(err, errlen, "no record matches the filter");
		rc = -ENOENT;
		goto out;
	}

	/* Each block once, in log order, with its path to the checkpoint's root. */
	qsort(x.b, x.nb, sizeof(*x.b), exp_block_cmp);
	blocks = json_array();
	for (size_t i = 0; blocks && i < x.nb; i++) {
		struct exp_block *e = &x.b[i];
		uint8_t hdr[SC_BLOCK_HDR_LEN];
		char t0[64], t1[64];
		json_t *o = json_object();
		int plen;

		sc_block_hdr_encode(&e->h, hdr);
		sc_time_utc(e->h.first_ns, t0, sizeof(t0));
		sc_time_utc(e->h.last_ns, t1, sizeof(t1));
		json_object_set_new(o, "header", b64_json(hdr, SC_BLOCK_HDR_LEN));
		json_object_set_new(o, "log_index", json_integer((json_int_t)e->h.log_index));
		json_object_set_new(o, "lane", json_integer(e->h.lane));
		json_object_set_new(o, "records", json_integer(e->h.count));
		json_object_set_new(o, "first_time", json_string(t0));
		json_object_set_new(o, "last_time", json_string(t1));
		plen = sc_log_inclusion_proof(x.hs, x.leaves, c.size, e->h.log_index, path);
		json_object_set_new(o, "log_path", path_json((const uint8_t (*)[SC_HASH_LEN])path, plen));
		json_array_append_new(blocks, o);
	}
	filter = json_object();
	a = json_array();
	for (int i = 0; a && i < nargs; i++)
		json_array_append_new(a, json_string(args[i]));
	json_object_set_new(filter, "args", a);
	json_object_set_new(filter, "from_ns", json_integer(q->from_ns));
	json_object_set_new(filter, "to_ns", json_integer(q->to_ns));

	doc = json_object();
	json_object_set_new(doc, "format", json_string(PROOF_FORMAT));
	json_object_set_new(doc, "version", json_integer(PROOF_VERSION));
	json_object_set_new(doc, "type", json_string("package"));
	json_object_set_new(doc, "origin", json_string(origin));
	json_object_set_new(doc, "filter", filter);
	json_object_set_new(doc, "checkpoint", json_string(note));
	json_object_set_new(doc, "blocks", blocks);
	json_object_set_new(doc, "records", json_incref(x.recs));
	info->records = json_array_size(x.recs);
	info->blocks = x.nb;
	{
		struct sc_note nn;

		if (sc_trust_open_checkpoint(t, note, strlen(note), &c, &nn) == SC_NOTE_OK)
			snprintf(info->signer, sizeof(info->signer), "%s", nn.first_name);
	}
	/* Indented: a reader (and diff) can follow it; checking ignores layout. */
	*json = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	rc = *json ? 0 : -ENOMEM;
out:
	json_decref(doc);
	json_decref(x.recs);
	for (size_t i = 0; i < x.nb; i++)
		free(x.b[i].rleaves);
	free(x.b);
	sc_search_close(s);
	free(note);
	free(leaves);
	sc_hasher_free(x.hs);
	sc_trust_free(own);
	return rc;
}

/* ---- checking ----------------------------------------------------------------- */

/*
 * The document's shape is fixed: each object has exactly its members (only
 * "message" may be absent), so no byte of a proof can change without the
 * check noticing, readable fields included.
 */
static bool
members_are(const json_t *o, const char *const *names, const char *optional)
{
	const char *key;
	json_t *v;
	size_t want = 0;

	if (!json_is_object(o))
		return false;
	for (const char *const *n = names; *n; n++, want++)
		if (json_object_get(o, *n) == NULL)
			return false;
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		bool known = optional && strcmp(key, optional) == 0;

		for (const char *const *n = names; !known && *n; n++)
			known = strcmp(key, *n) == 0;
		if (!known)
			return false;
	}
	return json_object_size(o) == want + (optional && json_object_get(o, optional) ? 1 : 0);
}

static bool
int_is(const json_t *o, const char *key, uint64_t v)
{
	const json_t *j = json_object_get(o, key);

	return json_is_integer(j) && json_integer_value(j) >= 0 && (uint64_t)json_integer_value(j) == v;
}

static bool
str_is(const json_t *o, const char *key, const char *v)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && strcmp(s, v) == 0;
}

/* Why a checkpoint did not open, naming the key it wants. */
static void
note_error(char *err, size_t errlen, const char *which, enum sc_note_status st,
	   const struct sc_note *n)
{
	if (st == SC_NOTE_UNKNOWN_KEY)
		sc_errf(err, errlen, "%s is signed by %s+%08" PRIx32 ", which is not among the given keys: "
			"pass its verifier key, or the epoch certificate (epochs.pub) that lists it",
			which, n->first_name, n->first_hash);
	else
		sc_errf(err, errlen, "%s: %s", which, sc_note_status_text(st));
}

/*
 * A block object: its header decoded, its own hash right, its readable
 * members what the header says.  @return 0, or 1 with @p err set.
 */
static int
check_block_obj(struct sc_hasher *hs, const json_t *blk, struct sc_block_hdr *h, char *err,
		size_t errlen)
{
	uint8_t *hdr = NULL, bh[SC_HASH_LEN];
	char t0[64], t1[64];
	int rc = 1;

	if (b64_member(blk, "header", &hdr, SC_BLOCK_HDR_LEN) != SC_BLOCK_HDR_LEN) {
		sc_errf(err, errlen, "the block header is not base64 of %d bytes", SC_BLOCK_HDR_LEN);
		goto out;
	}
	if (sc_block_hdr_decode(hdr, h) != SC_E_OK) {
		sc_errf(err, errlen, "the block header is not a block header");
		goto out;
	}
	sc_block_hash(hs, hdr, bh);
	if (memcmp(bh, h->block_hash, SC_HASH_LEN) != 0) {
		sc_errf(err, errlen, "the block header does not match its own hash (header changed)");
		goto out;
	}
	sc_time_utc(h->first_ns, t0, sizeof(t0));
	sc_time_utc(h->last_ns, t1, sizeof(t1));
	if (!int_is(blk, "log_index", h->log_index) || !int_is(blk, "lane", h->lane) ||
	    !int_is(blk, "records", h->count) || !str_is(blk, "first_time", t0) ||
	    !str_is(blk, "last_time", t1)) {
		sc_errf(err, errlen, "block %" PRIu64 ": the readable fields differ from the header bytes",
			h->log_index);
		goto out;
	}
	rc = 0;
out:
	free(hdr);
	return rc;
}

/*
 * A record object (already known to be record @p B.@p N) and its Merkle
 * path @p rpath in the block of header @p h: one whole record, where the
 * header says, in the header's record tree, its readable members what the
 * bytes say.  Fills the record part of @p info.  @return 0, or 1.
 */
static int
check_record_obj(struct sc_hasher *hs, const json_t *rec, const json_t *rpath,
		 const struct sc_block_hdr *h, uint64_t B, uint64_t N, struct sc_proof_info *info,
		 char *err, size_t errlen)
{
	static const char *const transports[] = { "event", "udp", "tcp", "tls" };
	uint8_t *bytes = NULL, leaf[SC_HASH_LEN], path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	struct sc_record r;
	char id[48], when[64];
	const json_t *jm = json_object_get(rec, "message");
	int nb, np, rc = 1;

	snprintf(id, sizeof(id), "%" PRIu64 ".%" PRIu64, B, N);
	nb = b64_member(rec, "bytes", &bytes, (size_t)SC_REC_HDR_LEN + SC_REC_RAW_MAX);
	if (nb < 0) {
		sc_errf(err, errlen, "record %s: the record bytes are not base64 of a record", id);
		goto out;
	}
	if (sc_record_decode(bytes, (size_t)nb, &r) != (size_t)nb) {
		sc_errf(err, errlen, "record %s: the record bytes are not one record", id);
		goto out;
	}
	info->rx_ns = r.rx_ns;
	info->port = r.src_port;
	sc_record_addr_str(&r, info->source, sizeof(info->source));
	if (h->log_index != B || N >= h->count || r.seq != h->first_seq + N ||
	    r.rx_ns < h->first_ns || r.rx_ns > h->last_ns) {
		sc_errf(err, errlen, "record %s is not where the block header says (index, sequence or time)",
			id);
		goto out;
	}
	np = path_parse(rpath, path);
	sc_hash_leaf(hs, bytes, (size_t)nb, leaf);
	if (np < 0 || !sc_log_inclusion_check(hs, N, h->count, leaf, (const uint8_t (*)[SC_HASH_LEN])path,
					      (size_t)np, h->root)) {
		sc_errf(err, errlen, "record %s is not in the block: record path does not lead to the "
			"block's record root", id);
		goto out;
	}
	/* What the document shows for people must be what the bytes say. */
	sc_time_utc(r.rx_ns, when, sizeof(when));
	if (!str_is(rec, "id", id) || !str_is(rec, "time", when) ||
	    !str_is(rec, "source", info->source) || !int_is(rec, "port", r.src_port) ||
	    !str_is(rec, "transport", transports[r.transport & 3]) || !int_is(rec, "seq", r.seq) ||
	    (jm && (!json_is_string(jm) || json_string_length(jm) != r.raw_len ||
		    memcmp(json_string_value(jm), r.raw, r.raw_len) != 0))) {
		sc_errf(err, errlen, "record %s: the readable fields differ from the record bytes", id);
		goto out;
	}
	rc = 0;
out:
	free(bytes);
	return rc;
}

/* "B.N" exactly (no sign, no trailing bytes, canonical decimal). */
static bool
parse_id(const char *id, uint64_t *B, uint64_t *N)
{
	unsigned long long b, n;
	char tail, again[48];

	if (id == NULL || id[0] < '0' || id[0] > '9' || sscanf(id, "%llu.%llu%c", &b, &n, &tail) != 2)
		return false;
	snprintf(again, sizeof(again), "%llu.%llu", b, n);
	if (strcmp(again, id) != 0)
		return false;
	*B = b;
	*N = n;
	return true;
}

static int
check_inclusion(struct sc_hasher *hs, json_t *doc, struct sc_trust *t, struct sc_proof_info *info,
		char *err, size_t errlen)
{
	json_t *rec = json_object_get(doc, "record"), *blk = json_object_get(doc, "block");
	json_t *log = json_object_get(doc, "log");
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *note = json_string_value(json_object_get(doc, "checkpoint"));
	uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	struct sc_block_hdr h;
	struct sc_checkpoint c;
	struct sc_note n;
	enum sc_note_status st;
	uint64_t B, N;
	int np;

	static const char *const doc_m[] = { "format", "version", "type", "record", "block",
					     "record_path", "log", "checkpoint", NULL };
	static const char *const rec_m[] = { "id", "bytes", "time", "source", "port", "transport",
					     "seq", NULL };
	static const char *const blk_m[] = { "header", "log_index", "lane", "records", "first_time",
					     "last_time", NULL };
	static const char *const log_m[] = { "index", "size", "path", NULL };

	if (!members_are(doc, doc_m, NULL) || !members_are(rec, rec_m, "message") ||
	    !members_are(blk, blk_m, NULL) || !members_are(log, log_m, NULL) ||
	    !parse_id(id, &B, &N) || note == NULL) {
		sc_errf(err, errlen, "not an inclusion proof: members missing, unknown or misnamed");
		return -EINVAL;
	}
	snprintf(info->id, sizeof(info->id), "%s", id);
	info->block = B;
	info->index = N;
	/* The block header, then the record in it. */
	if (check_block_obj(hs, blk, &h, err, errlen) != 0 ||
	    check_record_obj(hs, rec, json_object_get(doc, "record_path"), &h, B, N, info, err,
			     errlen) != 0)
		return 1;
	/* The checkpoint: signed by a trusted key. */
	st = sc_trust_open_checkpoint(t, note, strlen(note), &c, &n);
	if (st != SC_NOTE_OK) {
		note_error(err, errlen, "the checkpoint", st, &n);
		return 1;
	}
	snprintf(info->origin, sizeof(info->origin), "%s", c.origin);
	snprintf(info->signer, sizeof(info->signer), "%s", n.first_name);
	info->size = c.size;
	/* The block in the log: its path to the checkpoint's root. */
	np = path_parse(json_object_get(log, "path"), path);
	if (np < 0 || !int_is(log, "index", B) || !int_is(log, "size", c.size) ||
	    !sc_log_inclusion_check(hs, B, c.size, h.block_hash, (const uint8_t (*)[SC_HASH_LEN])path,
				    (size_t)np, c.root)) {
		sc_errf(err, errlen, "the block is not in the signed log: log path does not lead to the "
			"checkpoint's root");
		return 1;
	}
	return 0;
}

/*
 * A package: one checkpoint, the blocks (each once, ascending log index,
 * each with its log path), the records (receive-time order, then ID,
 * strictly ascending, each naming a listed block; every block named).  The
 * filter's time range must hold every record.
 */
static int
check_package(struct sc_hasher *hs, json_t *doc, struct sc_trust *t, struct sc_proof_info *info,
	      char *err, size_t errlen)
{
	const char *note = json_string_value(json_object_get(doc, "checkpoint"));
	json_t *filter = json_object_get(doc, "filter"), *blocks = json_object_get(doc, "blocks");
	json_t *recs = json_object_get(doc, "records"), *args = json_object_get(filter, "args");
	const json_t *jf = json_object_get(filter, "from_ns"), *jt = json_object_get(filter, "to_ns");
	uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	struct sc_block_hdr *hs_blk = NULL;
	bool *used = NULL;
	struct sc_checkpoint c;
	struct sc_note n;
	enum sc_note_status st;
	size_t nblk = json_array_size(blocks), nrec = json_array_size(recs);
	int64_t prev_ns = INT64_MIN;
	uint64_t prevB = 0, prevN = 0;
	int rc = 1;

	static const char *const doc_m[] = { "format", "version", "type", "origin", "filter",
					     "checkpoint", "blocks", "records", NULL };
	static const char *const flt_m[] = { "args", "from_ns", "to_ns", NULL };
	static const char *const blk_m[] = { "header", "log_index", "lane", "records", "first_time",
					     "last_time", "log_path", NULL };
	static const char *const rec_m[] = { "id", "bytes", "time", "source", "port", "transport",
					     "seq", "record_path", NULL };

	if (!members_are(doc, doc_m, NULL) || !members_are(filter, flt_m, NULL) || note == NULL ||
	    !json_is_string(json_object_get(doc, "origin")) || !json_is_array(args) ||
	    !json_is_integer(jf) || !json_is_integer(jt) || !json_is_array(blocks) ||
	    !json_is_array(recs)) {
		sc_errf(err, errlen, "not an evidence package: members missing, unknown or misnamed");
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(args); i++)
		if (!json_is_string(json_array_get(args, i))) {
			sc_errf(err, errlen, "not an evidence package: filter arguments are not strings");
			return -EINVAL;
		}
	/* The checkpoint: signed by a trusted key, of the package's origin. */
	st = sc_trust_open_checkpoint(t, note, strlen(note), &c, &n);
	if (st != SC_NOTE_OK) {
		note_error(err, errlen, "the checkpoint", st, &n);
		return 1;
	}
	snprintf(info->origin, sizeof(info->origin), "%s", c.origin);
	snprintf(info->signer, sizeof(info->signer), "%s", n.first_name);
	info->size = c.size;
	if (!str_is(doc, "origin", c.origin)) {
		sc_errf(err, errlen, "the package names origin '%s', its checkpoint '%s'",
			json_string_value(json_object_get(doc, "origin")), c.origin);
		return 1;
	}
	if (nrec == 0 || nblk == 0 || nblk > nrec) {
		sc_errf(err, errlen, "the package holds %zu records in %zu blocks: nothing to check, or "
			"blocks no record is in", nrec, nblk);
		return 1;
	}
	hs_blk = calloc(nblk, sizeof(*hs_blk));
	used = calloc(nblk, sizeof(*used));
	if (hs_blk == NULL || used == NULL) {
		sc_errf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	/* Each block once: header, then its path to the checkpoint's root. */
	for (size_t i = 0; i < nblk; i++) {
		const json_t *b = json_array_get(blocks, i);
		int np;

		if (!members_are(b, blk_m, NULL)) {
			sc_errf(err, errlen, "block #%zu of the package: members missing, unknown or "
				"misnamed", i);
			goto out;
		}
		if (check_block_obj(hs, b, &hs_blk[i], err, errlen) != 0)
			goto out;
		if (i > 0 && hs_blk[i].log_index <= hs_blk[i - 1].log_index) {
			sc_errf(err, errlen, "block %" PRIu64 ": blocks are not in ascending log order",
				hs_blk[i].log_index);
			goto out;
		}
		np = path_parse(json_object_get(b, "log_path"), path);
		if (np < 0 || hs_blk[i].log_index >= c.size ||
		    !sc_log_inclusion_check(hs, hs_blk[i].log_index, c.size, hs_blk[i].block_hash,
					    (const uint8_t (*)[SC_HASH_LEN])path, (size_t)np, c.root)) {
			sc_errf(err, errlen, "block %" PRIu64 " is not in the signed log: its log path "
				"does not lead to the checkpoint's root", hs_blk[i].log_index);
			goto out;
		}
	}
	/* Each record: in its block, in order, inside the filter's time range. */
	for (size_t i = 0; i < nrec; i++) {
		const json_t *r = json_array_get(recs, i);
		const char *id = json_string_value(json_object_get(r, "id"));
		size_t lo = 0, hi = nblk;
		uint64_t B, N;

		if (!members_are(r, rec_m, "message") || !parse_id(id, &B, &N)) {
			sc_errf(err, errlen, "record #%zu of the package: members missing, unknown or "
				"misnamed", i);
			goto out;
		}
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (hs_blk[mid].log_index < B)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nblk || hs_blk[lo].log_index != B) {
			sc_errf(err, errlen, "record %s: its block %" PRIu64 " is not in the package", id, B);
			goto out;
		}
		if (check_record_obj(hs, r, json_object_get(r, "record_path"), &hs_blk[lo], B, N, info,
				     err, errlen) != 0)
			goto out;
		used[lo] = true;
		if (i > 0 && (info->rx_ns < prev_ns ||
			      (info->rx_ns == prev_ns && (B < prevB || (B == prevB && N <= prevN))))) {
			sc_errf(err, errlen, "record %s: records are not in receive-time order (or one is "
				"listed twice)", id);
			goto out;
		}
		if (info->rx_ns < json_integer_value(jf) || info->rx_ns > json_integer_value(jt)) {
			sc_errf(err, errlen, "record %s: received outside the filter's time range", id);
			goto out;
		}
		prev_ns = info->rx_ns;
		prevB = B;
		prevN = N;
	}
	for (size_t i = 0; i < nblk; i++)
		if (!used[i]) {
			sc_errf(err, errlen, "block %" PRIu64 ": no record of the package is in it",
				hs_blk[i].log_index);
			goto out;
		}
	info->records = nrec;
	info->blocks = nblk;
	rc = 0;
out:
	free(hs_blk);
	free(used);
	return rc;
}

static int
check_consistency(struct sc_hasher *hs, json_t *doc, struct sc_trust *t, struct sc_proof_info *info,
		  char *err, size_t errlen)
{
	const char *on = json_string_value(json_object_get(doc, "old"));
	const char *nn = json_string_value(json_object_get(doc, "new"));
	uint8_t path[SC_LOG_PROOF_MAX][SC_HASH_LEN];
	struct sc_checkpoint oc, nc;
	struct sc_note n;
	enum sc_note_status st;
	int np;

	static const char *const doc_m[] = { "format", "version", "type", "old", "new", "path", NULL };

	if (!members_are(doc, doc_m, NULL) || on == NULL || nn == NULL) {
		sc_errf(err, errlen, "not a consistency proof: members missing, unknown or misnamed");
		return -EINVAL;
	}
	st = sc_trust_open_checkpoint(t, on, strlen(on), &oc, &n);
	if (st != SC_NOTE_OK) {
		note_error(err, errlen, "the old checkpoint", st, &n);
		return 1;
	}
	st = sc_trust_open_checkpoint(t, nn, strlen(nn), &nc, &n);
	if (st != SC_NOTE_OK) {
		note_error(err, errlen, "the new checkpoint", st, &n);
		return 1;
	}
	info->old_size = oc.size;
	info->size = nc.size;
	snprintf(info->origin, sizeof(info->origin), "%s", nc.origin);
	snprintf(info->signer, sizeof(info->signer), "%s", n.first_name);
	if (strcmp(oc.origin, nc.origin) != 0) {
		sc_errf(err, errlen, "the checkpoints are of two logs ('%s', '%s')", oc.origin, nc.origin);
		return 1;
	}
	if (oc.size > nc.size) {
		sc_errf(err, errlen, "the new checkpoint (%" PRIu64 " blocks) is smaller than the old one (%"
			PRIu64 "): rolled back", nc.size, oc.size);
		return 1;
	}
	np = path_parse(json_object_get(doc, "path"), path);
	if (np < 0 || (oc.size == 0 ? np != 0 :
		       !sc_log_consistency_check(hs, oc.size, nc.size, oc.root, nc.root,
						 (const uint8_t (*)[SC_HASH_LEN])path, (size_t)np))) {
		sc_errf(err, errlen, "the tree of %" PRIu64 " blocks is not an extension of the tree of %"
			PRIu64 " blocks: the proof does not hold", nc.size, oc.size);
		return 1;
	}
	return 0;
}

int
sc_proof_check(const char *json, size_t len, struct sc_trust *t, struct sc_proof_info *info,
	       char *err, size_t errlen)
{
	struct sc_hasher *hs;
	json_error_t je;
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	const char *type;
	int rc;

	memset(info, 0, sizeof(*info));
	if (doc == NULL) {
		sc_errf(err, errlen, "not JSON: %s (line %d)", je.text, je.line);
		return -EINVAL;
	}
	type = json_string_value(json_object_get(doc, "type"));
	if (!json_is_object(doc) ||
	    json_string_value(json_object_get(doc, "format")) == NULL ||
	    strcmp(json_string_value(json_object_get(doc, "format")), PROOF_FORMAT) != 0 ||
	    json_integer_value(json_object_get(doc, "version")) != PROOF_VERSION || type == NULL) {
		sc_errf(err, errlen, "not a %s version %d document", PROOF_FORMAT, PROOF_VERSION);
		json_decref(doc);
		return -EINVAL;
	}
	snprintf(info->type, sizeof(info->type), "%s", type);
	hs = sc_hasher_new();
	if (hs == NULL)
		rc = -ENOMEM;
	else if (strcmp(type, "inclusion") == 0)
		rc = check_inclusion(hs, doc, t, info, err, errlen);
	else if (strcmp(type, "consistency") == 0)
		rc = check_consistency(hs, doc, t, info, err, errlen);
	else if (strcmp(type, "package") == 0)
		rc = check_package(hs, doc, t, info, err, errlen);
	else {
		sc_errf(err, errlen, "unknown proof type '%s'", type);
		rc = -EINVAL;
	}
	sc_hasher_free(hs);
	json_decref(doc);
	return rc;
}

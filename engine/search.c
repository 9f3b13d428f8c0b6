/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Search (sealcap/search.h): gather candidate blocks from the index
 * sidecars and block headers, read them, match records exactly, and merge
 * the lanes by receive time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sealcap/search.h>
#include <sealcap/store.h>

#include "store_priv.h"

/* A block that may hold matches. */
struct cand {
	int64_t first_ns, last_ns;
	uint64_t log_index;
	uint64_t offset;
	uint32_t segment;
	bool from_index;
	uint8_t hash8[8];        /* first bytes of the indexed block hash */
};

/* A matching record of an open block. */
struct match {
	int64_t rx_ns;
	uint32_t idx;            /* index in the block */
	uint32_t off;            /* offset in the payload */
};

/* A block read, checked, and matched; open while its matches are merged. */
struct oblk {
	struct sc_block_hdr h;
	uint32_t segment;
	uint64_t offset;
	uint8_t *payload;
	size_t cap;
	struct match *m;
	uint32_t nm, capm, cur;
	bool time_sorted;        /* m[] is in receive-time order */
	struct oblk *next_free;
};

struct sc_search {
	char dir[4096];
	struct sc_query q;
	uint8_t *lneedle;        /* grep needle folded to lower case (icase) */
	bool needle_high;        /* grep needle has bytes >= 0x80 */
	struct sc_store_reader *r;
	struct sc_hasher *hs;
	/*
	 * Message text for matching and for sc_search_text (one buffer: a
	 * text is valid until the next call on the search).
	 */
	struct sc_text *text;
	char *cstr;              /* a raw message NUL-terminated for regexec */
	size_t cstr_cap;
	sc_search_note_fn note;
	void *note_arg;
	struct sc_search_stats st;
	struct cand *c;
	size_t nc, capc;
	struct oblk *free_blocks;
	struct oblk **heap;
	size_t nheap, capheap;
	bool desc;
	struct sc_search_pos end;
};

/* ---- notes ---------------------------------------------------------------- */

static void
note(struct sc_search *s, enum sc_note_kind kind, enum sc_error err, uint32_t segment,
     uint64_t offset, int64_t block, int64_t lane, const char *detail)
{
	struct sc_search_note n = {
		.kind = kind, .err = err, .segment = segment, .offset = offset,
		.block = block, .lane = lane, .detail = detail ? detail : "",
	};

	if (kind == SC_NOTE_DAMAGE)
		s->st.damaged++;
	else if (kind != SC_NOTE_INCOMPLETE)
		s->st.index_notes++;
	if (s->note)
		s->note(&n, s->note_arg);
}

/* ---- text ----------------------------------------------------------------- */

const char *
sc_search_text(struct sc_search *s, const struct sc_record *r, enum sc_text_mode mode,
	       size_t *len)
{
	return sc_text_render(s->text, r, mode, len);
}

/*
 * @p n bytes at @p p, NUL-terminated, in s->cstr: for regexec(3), which
 * not every C library (nor ASan's interceptor of it) bounds by REG_STARTEND.
 */
static const char *
cstr(struct sc_search *s, const uint8_t *p, size_t n)
{
	if (n + 1 > s->cstr_cap) {
		size_t want = s->cstr_cap ? s->cstr_cap : 256;
		char *np;

		while (want < n + 1)
			want *= 2;
		np = realloc(s->cstr, want);
		if (np == NULL)
			return NULL;
		s->cstr = np;
		s->cstr_cap = want;
	}
	memcpy(s->cstr, p, n);
	s->cstr[n] = '\0';
	return s->cstr;
}

/* ---- matching ------------------------------------------------------------- */

static inline uint8_t
fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Equal, ASCII case-insensitively (as the index folds its keys). */
static bool
eq_fold(const uint8_t *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (fold(a[i]) != fold((uint8_t)b[i]))
			return false;
	return i == alen && b[i] == '\0';
}

/*
 * Substring search ignoring ASCII case.  glibc has no length-bounded
 * case-insensitive search (strcasestr stops at a NUL, and records may hold
 * NULs), so this is a plain scan for the folded first byte.
 */
static bool
find_fold(const uint8_t *h, size_t n, const uint8_t *needle, size_t m)
{
	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k;

		if (fold(h[i]) != needle[0])
			continue;
		for (k = 1; k < m && fold(h[i + k]) == needle[k]; k++)
			;
		if (k == m)
			return true;
	}
	return false;
}

static bool
in_prefix(const uint8_t a[16], const struct sc_prefix *p)
{
	unsigned whole = p->bits / 8, rest = p->bits % 8;

	if (memcmp(a, p->addr, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ p->addr[whole]) & (0xff00u >> rest)) == 0;
}

static bool
field_in(const struct sc_record *r, int f, const char *const *vals, unsigned n)
{
	const struct sc_span *sp = &r->field[f];

	if (sp->len == 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (eq_fold(r->raw + sp->off, sp->len, vals[i]))
			return true;
	return false;
}

/*
 * @p raw_hit: whether the grep needle occurs in the record's raw bytes, when
 * the caller already knows (load_block searches a whole payload at once):
 * 1 yes, 0 no, -1 unknown.
 */
static bool
match_rec(struct sc_search *s, const struct sc_record *r, int raw_hit)
{
	const struct sc_query *q = &s->q;

	if ((r->flags & SC_REC_EVENT) && !q->events)
		return false;
	if (r->rx_ns < q->from_ns || r->rx_ns > q->to_ns)
		return false;
	if (q->severity || q->facility) {
		if (r->pri < 0 || r->pri > 191)
			return false;
		if (q->severity && !(q->severity & (1u << (r->pri & 7))))
			return false;
		if (q->facility && !(q->facility & (1u << (r->pri >> 3))))
			return false;
	}
	if (q->nhost && !field_in(r, SC_F_HOSTNAME, q->host, q->nhost))
		return false;
	if (q->napp && !field_in(r, SC_F_APPNAME, q->app, q->napp))
		return false;
	if (q->nsrc) {
		unsigned i;

		if (r->family != 4 && r->family != 6)
			return false;
		for (i = 0; i < q->nsrc && !in_prefix(r->addr, &q->src[i]); i++)
			;
		if (i == q->nsrc)
			return false;
	}
	if (q->grep || q->regex) {
		const uint8_t *t = r->raw;
		size_t n = r->raw_len;

		/*
		 * CP932 maps bytes 0x00-0x7f to the same ASCII characters and
		 * everything else to non-ASCII UTF-8, so an ASCII needle found
		 * in the converted text is in the raw bytes too: where it is
		 * not, no conversion is needed to say no.
		 */
		if (q->grep && raw_hit == 0 && (r->charset != SC_CHARSET_SJIS || !s->needle_high))
			return false;
		if (r->charset == SC_CHARSET_SJIS) {
			t = (const uint8_t *)sc_text_render(s->text, r, SC_TEXT_UTF8, &n);
			if (t == NULL)
				return false;
			raw_hit = -1;
		}
		if (q->grep && raw_hit != 1) {
			if (q->icase ? !find_fold(t, n, s->lneedle, q->grep_len)
				     : (q->grep_len && memmem(t, n, q->grep, q->grep_len) == NULL))
				return false;
		}
		if (q->regex) {
			regmatch_t pm[1] = { { .rm_so = 0, .rm_eo = (regoff_t)n } };

			/*
			 * REG_STARTEND: the bounds are given, so NULs are text.
			 * Still NUL-terminated, since not every regexec (nor
			 * ASan's interceptor of it) honours the bounds.
			 */
			if (t == r->raw) {
				t = (const uint8_t *)cstr(s, t, n);
				if (t == NULL)
					return false;
			}
			if (regexec(q->regex, (const char *)t, 1, pm, REG_STARTEND) != 0)
				return false;
		}
	}
	return true;
}

bool
sc_search_match(struct sc_search *s, const struct sc_record *r)
{
	return match_rec(s, r, -1);
}

/* ---- candidates ----------------------------------------------------------- */

static bool
time_out(const struct sc_query *q, int64_t first, int64_t last)
{
	return last < q->from_ns || first > q->to_ns;
}

static bool
mask_out(const struct sc_search *s, uint8_t sev, uint32_t fac, uint8_t charsets)
{
	const struct sc_query *q = &s->q;

	if (q->severity && !(sev & q->severity))
		return true;
	if (q->facility && !(fac & q->facility))
		return true;
	/* A needle with a byte >= 0x80 cannot be in an ASCII-only block. */
	if (s->needle_high && !(charsets & ~(1u << SC_CHARSET_ASCII)))
		return true;
	return false;
}

static int
cand_push(struct sc_search *s, int64_t first, int64_t last, uint64_t log_index,
	  uint32_t segment, uint64_t offset, const uint8_t *hash)
{
	struct cand *c;

	if (s->nc == s->capc) {
		size_t nc = s->capc ? 2 * s->capc : 1024;
		struct cand *nv = realloc(s->c, nc * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		s->c = nv;
		s->capc = nc;
	}
	c = &s->c[s->nc++];
	c->first_ns = first;
	c->last_ns = last;
	c->log_index = log_index;
	c->segment = segment;
	c->offset = offset;
	c->from_index = hash != NULL;
	if (hash)
		memcpy(c->hash8, hash, sizeof(c->hash8));
	return 0;
}

static int
consider_entry(struct sc_search *s, const struct sc_index_entry *e, uint32_t segment)
{
	const struct sc_query *q = &s->q;
	unsigned i;

	s->st.blocks++;
	s->st.blocks_indexed++;
	if (time_out(q, e->first_ns, e->last_ns)) {
		s->st.skip_time++;
		return 0;
	}
	if (mask_out(s, e->severity_mask, e->facility_mask, e->charset_mask)) {
		s->st.skip_mask++;
		return 0;
	}
	for (i = 0; i < q->nhost && !sc_index_host_maybe(e, q->host[i], strlen(q->host[i])); i++)
		;
	if (q->nhost && i == q->nhost)
		goto bloom;
	for (i = 0; i < q->napp && !sc_index_app_maybe(e, q->app[i], strlen(q->app[i])); i++)
		;
	if (q->napp && i == q->napp)
		goto bloom;
	for (i = 0; i < q->nsrc && !sc_index_src_maybe(e, q->src[i].addr, q->src[i].bits); i++)
		;
	if (q->nsrc && i == q->nsrc)
		goto bloom;
	return cand_push(s, e->first_ns, e->last_ns, e->log_index, segment, e->offset,
			 e->block_hash);
bloom:
	s->st.skip_bloom++;
	return 0;
}

static int
consider_header(struct sc_search *s, const struct sc_block_hdr *h, uint32_t segment,
		uint64_t offset)
{
	s->st.blocks++;
	if (time_out(&s->q, h->first_ns, h->last_ns)) {
		s->st.skip_time++;
		return 0;
	}
	/* The header has no charset mask: 0xff rules nothing out. */
	if (mask_out(s, h->severity_mask, h->facility_mask, 0xff)) {
		s->st.skip_mask++;
		return 0;
	}
	return cand_push(s, h->first_ns, h->last_ns, h->log_index, segment, offset, NULL);
}

/*
 * Blocks of @p seg that no index entry covers, from @p from on: judged by
 * their headers.  Returns the end of the last complete block.
 */
static int
walk_headers(struct sc_search *s, uint32_t seg, uint64_t from, bool newest, uint64_t *end)
{
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error err;
	int rc, n;

	*end = from;
	rc = sc_store_seek(s->r, seg, from, &err);
	if (rc == -ENOENT)
		return 0;       /* removed since it was listed (retention) */
	if (rc < 0) {
		if (newest && err == SC_E_SEG_EMPTY)
			note(s, SC_NOTE_INCOMPLETE, err, seg, 0, -1, -1, "segment being created");
		else
			note(s, SC_NOTE_DAMAGE, err, seg, 0, -1, -1, "whole segment not searched");
		return 0;
	}
	sc_store_reader_headers_only(s->r, true);
	for (;;) {
		n = sc_store_read(s->r, &h, &stored, &pos, &err);
		if (n == 0 || pos.segment != seg)
			break;          /* the end, or the reader went on to the next */
		if (n < 0) {
			if (newest && err == SC_E_BLK_TRUNCATED)
				note(s, SC_NOTE_INCOMPLETE, err, seg, pos.offset, -1, -1,
				     "the block at the end is not whole (still being written?)");
			else
				note(s, SC_NOTE_DAMAGE, err, seg, pos.offset, -1, -1,
				     "rest of the segment not searched");
			break;
		}
		rc = consider_header(s, &h, seg, pos.offset);
		if (rc != 0)
			break;
		*end = pos.offset + SC_BLOCK_HDR_LEN + h.stored_len;
	}
	sc_store_reader_headers_only(s->r, false);
	return rc < 0 ? rc : 0;
}

static const char *const ix_words[] = {
	[SC_IX_OK] = "ok",
	[SC_IX_BEHIND] = "index is behind the segment",
	[SC_IX_MISSING] = "no index",
	[SC_IX_BAD] = "index not usable",
};

static int
gather(struct sc_search *s)
{
	const uint32_t *segs;
	uint32_t nsegs;
	int rc;

	s->nc = 0;
	rc = sc_store_reader_rescan(s->r);
	if (rc != 0)
		return rc;
	segs = sc_store_reader_segment_list(s->r);
	nsegs = sc_store_reader_segments(s->r);
	s->end.segment = nsegs ? segs[nsegs - 1] : 0;
	s->end.offset = SC_SEG_HDR_LEN;
	for (uint32_t i = 0; i < nsegs; i++) {
		uint32_t seg = segs[i];
		bool newest = i + 1 == nsegs;
		struct sc_index_seg ix;
		uint64_t from = SC_SEG_HDR_LEN, end;

		s->st.segments++;
		rc = sc_index_load(s->dir, seg, sc_store_reader_id(s->r), &ix);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0) {
			struct sc_search_note n = { 0 };

			if (ix.n)
				s->st.segments_indexed++;
			for (uint32_t k = 0; k < ix.n && rc == 0; k++)
				rc = consider_entry(s, &ix.e[k], seg);
			from = ix.covered;
			/* The open segment's index lags its blocks by moments. */
			if (ix.state == SC_IX_MISSING || ix.state == SC_IX_BAD ||
			    (ix.state == SC_IX_BEHIND && !newest)) {
				n.kind = SC_NOTE_INDEX;
				n.ix = ix.state;
				n.segment = seg;
				n.block = -1;
				n.lane = -1;
				n.detail = ix.why[0] ? ix.why : ix_words[ix.state];
				s->st.index_notes++;
				if (s->note)
					s->note(&n, s->note_arg);
			}
			sc_index_seg_release(&ix);
			if (rc != 0)
				return rc;
		}
		/* A segment that cannot be opened is reported by the walk. */
		rc = walk_headers(s, seg, from, newest, &end);
		if (rc != 0)
			return rc;
		if (newest) {
			s->end.segment = seg;
			s->end.offset = end;
		}
	}
	return 0;
}

/* ---- reading blocks ------------------------------------------------------- */

static struct oblk *
oblk_get(struct sc_search *s)
{
	struct oblk *b = s->free_blocks;

	if (b) {
		s->free_blocks = b->next_free;
		b->nm = b->cur = 0;
		return b;
	}
	return calloc(1, sizeof(*b));
}

static void
oblk_put(struct sc_search *s, struct oblk *b)
{
	if (b == NULL)
		return;
	b->next_free = s->free_blocks;
	s->free_blocks = b;
}

static int
cmp_match(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->rx_ns != y->rx_ns)
		return x->rx_ns < y->rx_ns ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Check and decompress a block that was read, match its records.
 * *out: the block with its matches in receive-time order, or NULL when
 * none (or when it is damaged, which is noted).
 */
static int
load_block(struct sc_search *s, const struct sc_block_hdr *h, const uint8_t *stored,
	   uint32_t segment, uint64_t offset, struct oblk **out)
{
	struct oblk *b;
	enum sc_error err;
	size_t off = 0, hit = 0;
	uint32_t idx = 0;
	bool sorted = true;
	/* A case-sensitive --grep: search the payload, not each record. */
	bool scan = s->q.grep && !s->q.icase && s->q.grep_len > 0;

	*out = NULL;
	b = oblk_get(s);
	if (b == NULL)
		return -ENOMEM;
	err = sc_block_check_lengths(h);
	if (err != SC_E_OK) {
		note(s, SC_NOTE_DAMAGE, err, segment, offset, (int64_t)h->log_index, h->lane,
		     "block not searched");
		oblk_put(s, b);
		return 0;
	}
	if (h->payload_len > b->cap) {
		uint8_t *np = realloc(b->payload, h->payload_len);

		if (np == NULL) {
			oblk_put(s, b);
			return -ENOMEM;
		}
		b->payload = np;
		b->cap = h->payload_len;
	}
	err = sc_block_open_keys(s->hs, s->q.keys, h, stored, b->payload, b->cap);
	if (err == SC_E_ENCRYPTED || err == SC_E_KEY_UNKNOWN) {
		/* Locked, not damaged: the digest over the ciphertext held. */
		struct sc_search_note n = {
			.kind = SC_NOTE_ENCRYPTED, .err = err, .segment = segment,
			.offset = offset, .block = (int64_t)h->log_index, .lane = h->lane,
			.detail = err == SC_E_ENCRYPTED ? "no decryption key given" :
				  "encrypted with a key not among the keys given",
		};

		memcpy(n.key_id, h->key_id, sizeof(n.key_id));
		s->st.encrypted++;
		if (s->note)
			s->note(&n, s->note_arg);
		oblk_put(s, b);
		return 0;
	}
	if (err == SC_E_NOMEM) {
		oblk_put(s, b);
		return -ENOMEM;
	}
	if (err != SC_E_OK) {
		note(s, SC_NOTE_DAMAGE, err, segment, offset, (int64_t)h->log_index, h->lane,
		     "block not searched");
		oblk_put(s, b);
		return 0;
	}
	b->h = *h;
	b->segment = segment;
	b->offset = offset;
	s->st.blocks_read++;
	s->st.bytes_read += h->stored_len;
	s->st.raw_bytes += h->raw_bytes;
	while (off < h->payload_len) {
		struct sc_record r;
		size_t n = sc_record_decode(b->payload + off, h->payload_len - off, &r);
		int raw_hit = -1;

		if (n != 0 && scan) {
			/*
			 * One memmem over the payload instead of one per record:
			 * hit is the first occurrence at or after this record's
			 * raw bytes; it counts for the record if it ends inside
			 * them (an occurrence running into the next record's
			 * header does not).
			 */
			size_t rs = off + SC_REC_HDR_LEN;

			if (hit != SIZE_MAX && hit < rs) {
				const uint8_t *p = memmem(b->payload + rs, h->payload_len - rs,
							  s->q.grep, s->q.grep_len);

				hit = p ? (size_t)(p - b->payload) : SIZE_MAX;
			}
			raw_hit = hit != SIZE_MAX && hit + s->q.grep_len <= off + n;
		}
		if (n == 0) {
			/* The digest held, so the writer wrote this: still damage. */
			note(s, SC_NOTE_DAMAGE, SC_E_RECORD_FORMAT, segment, offset,
			     (int64_t)h->log_index, h->lane, "records after it not searched");
			break;
		}
		s->st.records++;
		if (match_rec(s, &r, raw_hit)) {
			if (b->nm == b->capm) {
				uint32_t nc = b->capm ? 2 * b->capm : 256;
				struct match *nm = realloc(b->m, nc * sizeof(*nm));

				if (nm == NULL) {
					oblk_put(s, b);
					return -ENOMEM;
				}
				b->m = nm;
				b->capm = nc;
			}
			if (b->nm && r.rx_ns < b->m[b->nm - 1].rx_ns)
				sorted = false;
			b->m[b->nm++] = (struct match){ r.rx_ns, idx, (uint32_t)off };
		}
		off += n;
		idx++;
	}
	if (b->nm == 0) {
		oblk_put(s, b);
		return 0;
	}
	b->time_sorted = sorted;
	*out = b;
	return 0;
}

/* Matches in receive-time order (m[] is in record order until then). */
static void
time_sort(struct oblk *b)
{
	/* Records of a lane are nearly in time order; sort when they are not. */
	if (!b->time_sorted)
		qsort(b->m, b->nm, sizeof(*b->m), cmp_match);
	b->time_sorted = true;
}

/* Read candidate @p c. */
static int
open_cand(struct sc_search *s, const struct cand *c, struct oblk **out)
{
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error err;
	int n;

	*out = NULL;
	n = sc_store_seek(s->r, c->segment, c->offset, &err);
	if (n < 0) {
		note(s, SC_NOTE_DAMAGE, n == -ENOENT ? SC_E_IO : err, c->segment, 0, -1, -1,
		     n == -ENOENT ? "segment removed while searching" : "whole segment not searched");
		return 0;
	}
	n = sc_store_read(s->r, &h, &stored, &pos, &err);
	if (n <= 0 || pos.segment != c->segment) {
		note(s, SC_NOTE_DAMAGE, n == 0 ? SC_E_BLK_TRUNCATED : err, c->segment, c->offset,
		     (int64_t)c->log_index, -1, "block not searched");
		return 0;
	}
	if (c->from_index && (h.log_index != c->log_index ||
			      memcmp(h.block_hash, c->hash8, sizeof(c->hash8)) != 0))
		note(s, SC_NOTE_INDEX_STALE, SC_E_OK, c->segment, c->offset, (int64_t)h.log_index,
		     h.lane, "index entry names another block: rebuild the index "
		     "(blocks it ruled out were not searched)");
	return load_block(s, &h, stored, c->segment, c->offset, out);
}

static int
emit(struct sc_search *s, struct oblk *b, uint32_t k, sc_hit_fn fn, void *arg)
{
	struct sc_record r;
	struct sc_hit hit;

	s->st.matches++;
	if (fn == NULL)
		return 0;
	sc_record_decode(b->payload + b->m[k].off, b->h.payload_len - b->m[k].off, &r);
	hit.r = &r;
	hit.h = &b->h;
	hit.block = b->h.log_index;
	hit.index = b->m[k].idx;
	hit.segment = b->segment;
	hit.offset = b->offset;
	hit.payload = b->payload;
	return fn(&hit, arg);
}

/* ---- merging -------------------------------------------------------------- */

/* Is a's next match before b's (after, when descending)? */
static bool
before(const struct sc_search *s, const struct oblk *a, const struct oblk *b)
{
	const struct match *x = &a->m[a->cur], *y = &b->m[b->cur];
	int c;

	if (x->rx_ns != y->rx_ns)
		c = x->rx_ns < y->rx_ns ? -1 : 1;
	else if (a->h.log_index != b->h.log_index)
		c = a->h.log_index < b->h.log_index ? -1 : 1;
	else
		c = x->idx < y->idx ? -1 : 1;
	return s->desc ? c > 0 : c < 0;
}

static void
sift_down(struct sc_search *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct oblk *t;

		if (l < s->nheap && before(s, s->heap[l], s->heap[m]))
			m = l;
		if (r < s->nheap && before(s, s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

static int
heap_push(struct sc_search *s, struct oblk *b)
{
	size_t i;

	if (s->nheap == s->capheap) {
		size_t nc = s->capheap ? 2 * s->capheap : 64;
		struct oblk **nh = realloc(s->heap, nc * sizeof(*nh));

		if (nh == NULL)
			return -ENOMEM;
		s->heap = nh;
		s->capheap = nc;
	}
	i = s->nheap++;
	s->heap[i] = b;
	while (i > 0 && before(s, s->heap[i], s->heap[(i - 1) / 2])) {
		struct oblk *t = s->heap[i];

		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return 0;
}

static void
heap_pop(struct sc_search *s)
{
	oblk_put(s, s->heap[0]);
	s->heap[0] = s->heap[--s->nheap];
	if (s->nheap)
		sift_down(s, 0);
}

static int
cmp_cand_asc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x->log_index < y->log_index ? -1 : x->log_index > y->log_index;
}

static int
cmp_cand_desc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->last_ns != y->last_ns)
		return x->last_ns > y->last_ns ? -1 : 1;
	return x->log_index > y->log_index ? -1 : x->log_index < y->log_index;
}

/*
 * May candidate c hold a record that comes no later than the heap's next?
 * Then it must be opened first.  Its first (last, descending) receive time
 * bounds all its records, so once this is false for the next candidate in
 * order it is false for all after it.
 */
static bool
cand_due(const struct sc_search *s, const struct cand *c)
{
	const struct oblk *t;

	if (s->nheap == 0)
		return true;
	t = s->heap[0];
	return s->desc ? c->last_ns >= t->m[t->cur].rx_ns : c->first_ns <= t->m[t->cur].rx_ns;
}

static int
run_ordered(struct sc_search *s, uint64_t limit, sc_hit_fn fn, void *arg)
{
	size_t ci = 0;
	uint64_t done = 0;
	int rc = 0;

	if (s->nc > 1)
		qsort(s->c, s->nc, sizeof(*s->c), s->desc ? cmp_cand_desc : cmp_cand_asc);
	for (;;) {
		struct oblk *t;

		while (ci < s->nc && cand_due(s, &s->c[ci])) {
			struct oblk *b;

			rc = open_cand(s, &s->c[ci++], &b);
			if (rc == 0 && b != NULL) {
				time_sort(b);
				b->cur = s->desc ? b->nm - 1 : 0;
				rc = heap_push(s, b);
				if (rc != 0)
					oblk_put(s, b);
			}
			if (rc != 0)
				goto out;
		}
		if (s->nheap == 0)
			break;
		t = s->heap[0];
		rc = emit(s, t, t->cur, fn, arg);
		if (s->desc ? t->cur-- == 0 : ++t->cur == t->nm)
			heap_pop(s);
		else
			sift_down(s, 0);
		if (rc != 0 || (limit && ++done >= limit))
			break;
	}
out:
	while (s->nheap)
		heap_pop(s);
	return rc;
}

static int
run_store_order(struct sc_search *s, uint64_t limit, sc_hit_fn fn, void *arg)
{
	uint64_t done = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nc; i++) {
		struct oblk *b;

		rc = open_cand(s, &s->c[i], &b);
		if (rc != 0)
			break;
		for (uint32_t k = 0; b != NULL && k < b->nm; k++) {
			rc = emit(s, b, k, fn, arg);
			if (rc != 0 || (limit && ++done >= limit))
				break;
		}
		oblk_put(s, b);
		if (rc != 0 || (limit && done >= limit))
			break;
	}
	return rc;
}

int
sc_search_run(struct sc_search *s, enum sc_order order, uint64_t limit, sc_hit_fn fn,
	      void *arg)
{
	int rc = gather(s);

	if (rc != 0)
		return rc;
	if (order == SC_ORDER_STORE)
		return run_store_order(s, limit, fn, arg);
	s->desc = order == SC_ORDER_TIME_DESC;
	return run_ordered(s, limit, fn, arg);
}

void
sc_search_end(const struct sc_search *s, struct sc_search_pos *pos)
{
	*pos = s->end;
}

const struct sc_search_stats *
sc_search_stats(const struct sc_search *s)
{
	return &s->st;
}

/* ---- following ------------------------------------------------------------ */

static void
nap_ms(unsigned ms, const volatile sig_atomic_t *stop)
{
	/* In slices, so a stop request is seen soon. */
	while (ms > 0 && !*stop) {
		unsigned step = ms < 50 ? ms : 50;
		struct timespec ts = { 0, (long)step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

int
sc_search_follow(struct sc_search *s, struct sc_search_pos *pos, unsigned poll_ms,
		 const volatile sig_atomic_t *stop, sc_hit_fn fn, void *arg)
{
	while (!*stop) {
		const uint32_t *segs;
		uint32_t nsegs, i, newest;
		enum sc_error err;
		bool progress = false;
		int rc = sc_store_reader_rescan(s->r);

		if (rc != 0)
			return rc;
		segs = sc_store_reader_segment_list(s->r);
		nsegs = sc_store_reader_segments(s->r);
		for (i = 0; i < nsegs && segs[i] < pos->segment; i++)
			;
		if (i == nsegs) {
			nap_ms(poll_ms, stop);
			continue;
		}
		newest = segs[nsegs - 1];
		if (segs[i] != pos->segment) {
			/* Ours went away (retention): on with the next one. */
			pos->segment = segs[i];
			pos->offset = SC_SEG_HDR_LEN;
		}
		rc = sc_store_seek(s->r, pos->segment, pos->offset, &err);
		if (rc < 0) {
			if (pos->segment == newest && (err == SC_E_SEG_EMPTY || err == SC_E_IO)) {
				nap_ms(poll_ms, stop);
				continue;
			}
			note(s, SC_NOTE_DAMAGE, err, pos->segment, 0, -1, -1,
			     "whole segment not searched");
			pos->segment++;
			pos->offset = SC_SEG_HDR_LEN;
			continue;
		}
		while (!*stop) {
			struct sc_block_hdr h;
			struct sc_store_pos p;
			const uint8_t *stored;
			struct oblk *b;
			int n = sc_store_read(s->r, &h, &stored, &p, &err);

			if (n == 0)
				break;
			if (n < 0) {
				if (p.segment == newest &&
				    (err == SC_E_BLK_TRUNCATED || err == SC_E_SEG_EMPTY))
					break;  /* being written: wait for the rest */
				note(s, SC_NOTE_DAMAGE, err, p.segment, p.offset, -1, -1,
				     "rest of the segment not searched");
				pos->segment = p.segment + 1;
				pos->offset = SC_SEG_HDR_LEN;
				progress = true;
				break;
			}
			progress = true;
			pos->segment = p.segment;
			pos->offset = p.offset + SC_BLOCK_HDR_LEN + h.stored_len;
			s->st.blocks++;
			if (time_out(&s->q, h.first_ns, h.last_ns)) {
				s->st.skip_time++;
				continue;
			}
			if (mask_out(s, h.severity_mask, h.facility_mask, 0xff)) {
				s->st.skip_mask++;
				continue;
			}
			rc = load_block(s, &h, stored, p.segment, p.offset, &b);
			if (rc != 0)
				return rc;
			if (b != NULL)
				time_sort(b);
			for (uint32_t k = 0; b != NULL && k < b->nm && rc == 0; k++)
				rc = emit(s, b, k, fn, arg);
			oblk_put(s, b);
			if (rc != 0)
				return rc;
		}
		if (!progress)
			nap_ms(poll_ms, stop);
	}
	return 0;
}

/* ---- life ----------------------------------------------------------------- */

void
sc_search_on_note(struct sc_search *s, sc_search_note_fn fn, void *arg)
{
	s->note = fn;
	s->note_arg = arg;
}

struct sc_search *
sc_search_open(const char *dir, const struct sc_query *q, char *errbuf, size_t errlen)
{
	struct sc_search *s = calloc(1, sizeof(*s));
	int e;

	if (s == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->q = *q;
	s->r = sc_store_reader_open(dir, errbuf, errlen);
	if (s->r == NULL) {
		e = errno;
		goto fail;
	}
	s->hs = sc_hasher_new();
	if (q->grep && q->icase) {
		s->lneedle = malloc(q->grep_len + 1);
		if (s->lneedle)
			for (size_t i = 0; i < q->grep_len; i++)
				s->lneedle[i] = fold((uint8_t)q->grep[i]);
	}
	for (size_t i = 0; q->grep && i < q->grep_len; i++)
		if ((uint8_t)q->grep[i] >= 0x80)
			s->needle_high = true;
	if (s->hs == NULL || (q->grep && q->icase && s->lneedle == NULL)) {
		snprintf(errbuf, errlen, "out of memory");
		e = ENOMEM;
		goto fail;
	}
	s->text = sc_text_new();
	if (s->text == NULL) {
		e = errno;
		if (e == ENOMEM)
			snprintf(errbuf, errlen, "out of memory");
		else
			snprintf(errbuf, errlen, "iconv: no CP932 or UTF-8 converter (glibc gconv "
				 "modules missing?)");
		goto fail;
	}
	return s;
fail:
	sc_search_close(s);
	errno = e;
	return NULL;
}

void
sc_search_close(struct sc_search *s)
{
	struct oblk *b;

	if (s == NULL)
		return;
	while (s->nheap)
		heap_pop(s);
	while ((b = s->free_blocks) != NULL) {
		s->free_blocks = b->next_free;
		free(b->payload);
		free(b->m);
		free(b);
	}
	sc_text_free(s->text);
	sc_store_reader_close(s->r);
	sc_hasher_free(s->hs);
	free(s->lneedle);
	free(s->cstr);
	free(s->c);
	free(s->heap);
	free(s);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * RFC 6587 framing as a state machine (see sealcap/framer.h for the rules).
 *
 * Invariants:
 *   used <= cfg.max_msg, and used > 0 only in ST_BODY and ST_LINE;
 *   nhdr > 0 only in ST_LEN, and then left is the value of hdr[0..nhdr);
 *   left <= cfg.len_limit <= UINT32_MAX, so left * 10 + 9 cannot overflow.
 */
#include <string.h>

#include <sealcap/framer.h>

enum {
	ST_START,   /* octet counting (or auto): at a frame boundary */
	ST_LEN,     /* octet counting: reading MSG-LEN digits */
	ST_BODY,    /* octet counting: reading MSG, left bytes to come */
	ST_SKIP,    /* octet counting: discarding an oversize frame's tail */
	ST_LINE,    /* non-transparent: reading a frame */
	ST_DISCARD, /* non-transparent: discarding up to the next trailer */
};

static void
reset(struct sc_framer *f)
{
	f->mode = f->cfg.mode;
	f->state = f->mode == SC_FRAMING_LF ? ST_LINE : ST_START;
	f->nhdr = 0;
	f->flags = 0;
	f->used = 0;
	f->left = 0;
}

void
sc_framer_init(struct sc_framer *f, const struct sc_framer_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (f->cfg.max_msg < SC_FRAMER_MSG_MIN)
		f->cfg.max_msg = SC_FRAMER_MSG_MIN;
	if (f->cfg.max_msg > SC_REC_RAW_MAX)
		f->cfg.max_msg = SC_REC_RAW_MAX;
	if (f->cfg.len_limit == 0)
		f->cfg.len_limit = SC_FRAMER_LEN_LIMIT_DEFAULT;
	if (f->cfg.len_limit < f->cfg.max_msg)
		f->cfg.len_limit = f->cfg.max_msg;
	if (f->cfg.mode > SC_FRAMING_LF)
		f->cfg.mode = SC_FRAMING_AUTO;
	reset(f);
}

void
sc_framer_attach(struct sc_framer *f, uint8_t *buf)
{
	if (f->buf == NULL)
		f->buf = buf;
}

bool
sc_framer_holding(const struct sc_framer *f)
{
	return f->used > 0;
}

uint8_t *
sc_framer_detach(struct sc_framer *f)
{
	uint8_t *b = f->buf;

	if (f->used > 0)
		return NULL;
	f->buf = NULL;
	return b;
}

static inline void
emit(struct sc_framer *f, sc_frame_fn fn, void *arg, const uint8_t *p, uint32_t n,
     uint32_t flags)
{
	flags |= f->flags;
	f->flags = 0;
	f->stats.frames++;
	f->stats.bytes += n;
	if (flags & SC_FRAME_OVERSIZE)
		f->stats.oversize++;
	fn(arg, p, n, flags);
}

/*
 * Not an octet count after all: count it and read the rest of the stream
 * as non-transparent, starting with the digits already taken (nothing that
 * was received is dropped).  The current byte is not consumed.
 */
static void
octet_error(struct sc_framer *f)
{
	f->stats.errors++;
	f->mode = SC_FRAMING_LF;
	f->state = ST_LINE;
	f->flags |= SC_FRAME_RESYNC;
	memcpy(f->buf, f->hdr, f->nhdr); /* nhdr <= 10 < SC_FRAMER_MSG_MIN <= max_msg */
	f->used = f->nhdr;
	f->nhdr = 0;
	f->left = 0;
}

static const uint8_t *
body(struct sc_framer *f, const uint8_t *p, const uint8_t *end, sc_frame_fn fn, void *arg)
{
	const uint32_t max = f->cfg.max_msg;
	size_t avail = (size_t)(end - p);
	uint64_t n;

	if (f->used == 0) {
		uint64_t want = f->left < max ? f->left : max;

		if (avail >= want) {
			/* The frame (or all of it we keep) is here: no copy. */
			emit(f, fn, arg, p, (uint32_t)want,
			     f->left > max ? SC_FRAME_OVERSIZE | SC_FRAME_TRUNCATED : 0);
			f->left -= want;
			f->state = f->left ? ST_SKIP : ST_START;
			return p + want;
		}
	}
	n = max - f->used;
	if (n > f->left)
		n = f->left;
	if (n > avail)
		n = avail;
	memcpy(f->buf + f->used, p, (size_t)n);
	f->used += (uint32_t)n;
	f->left -= n;
	if (f->left == 0) {
		emit(f, fn, arg, f->buf, f->used, 0);
		f->used = 0;
		f->state = ST_START;
	} else if (f->used == max) {
		emit(f, fn, arg, f->buf, f->used, SC_FRAME_OVERSIZE | SC_FRAME_TRUNCATED);
		f->used = 0;
		f->state = ST_SKIP;
	}
	return p + n;
}

static const uint8_t *
find_trailer(const struct sc_framer *f, const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = memchr(p, '\n', (size_t)(end - p));

	if (f->cfg.nul_trailer) {
		const uint8_t *z = memchr(p, '\0', (size_t)((q ? q : end) - p));

		if (z != NULL)
			q = z;
	}
	return q;
}

static const uint8_t *
line(struct sc_framer *f, const uint8_t *p, const uint8_t *end, sc_frame_fn fn, void *arg)
{
	const uint32_t max = f->cfg.max_msg;
	const uint8_t *q = find_trailer(f, p, end);
	size_t seg = (size_t)((q ? q : end) - p);
	size_t room;

	if (f->used == 0 && (q != NULL || seg > max)) {
		/* Whole frame, or all of it we keep, is here: no copy. */
		if (seg > max) {
			emit(f, fn, arg, p, max, SC_FRAME_OVERSIZE | SC_FRAME_TRUNCATED);
			f->stats.discarded += seg - max;
			if (q == NULL) {
				f->state = ST_DISCARD;
				return end;
			}
		} else if (seg == 0) {
			f->stats.empty++;
		} else {
			emit(f, fn, arg, p, (uint32_t)seg, 0);
		}
		return q + 1;
	}
	room = max - f->used;
	if (seg <= room) {
		memcpy(f->buf + f->used, p, seg);
		f->used += (uint32_t)seg;
		if (q == NULL)
			return end;
		emit(f, fn, arg, f->buf, f->used, 0);
		f->used = 0;
		return q + 1;
	}
	memcpy(f->buf + f->used, p, room);
	emit(f, fn, arg, f->buf, max, SC_FRAME_OVERSIZE | SC_FRAME_TRUNCATED);
	f->used = 0;
	f->stats.discarded += seg - room;
	if (q == NULL) {
		f->state = ST_DISCARD;
		return end;
	}
	return q + 1;
}

void
sc_framer_feed(struct sc_framer *f, const uint8_t *data, size_t len, sc_frame_fn fn, void *arg)
{
	const uint8_t *p = data, *end = data + len;
	const uint8_t *q;
	size_t n;

	while (p < end) {
		uint8_t c = *p;

		switch (f->state) {
		case ST_START:
			if (f->mode == SC_FRAMING_AUTO) {
				f->mode = c >= '1' && c <= '9' ? SC_FRAMING_OCTET : SC_FRAMING_LF;
				if (f->mode == SC_FRAMING_LF)
					f->state = ST_LINE;
				break;
			}
			if (c == '\n' || c == '\r') {
				f->stats.stray++;
				p++;
			} else if (c >= '1' && c <= '9') {
				f->hdr[0] = c;
				f->nhdr = 1;
				f->left = (uint64_t)(c - '0');
				f->state = ST_LEN;
				p++;
			} else {
				octet_error(f);
			}
			break;
		case ST_LEN:
			if (c >= '0' && c <= '9') {
				f->left = f->left * 10 + (uint64_t)(c - '0');
				if (f->left > f->cfg.len_limit) {
					octet_error(f);
					break;
				}
				f->hdr[f->nhdr++] = c;
				p++;
			} else if (c == ' ') {
				f->nhdr = 0;
				f->used = 0;
				f->state = ST_BODY;
				p++;
			} else {
				octet_error(f);
			}
			break;
		case ST_BODY:
			p = body(f, p, end, fn, arg);
			break;
		case ST_SKIP:
			n = (size_t)(end - p);
			if (n > f->left)
				n = (size_t)f->left;
			p += n;
			f->left -= n;
			f->stats.discarded += n;
			if (f->left == 0)
				f->state = ST_START;
			break;
		case ST_LINE:
			p = line(f, p, end, fn, arg);
			break;
		case ST_DISCARD:
			q = find_trailer(f, p, end);
			f->stats.discarded += (size_t)((q ? q : end) - p);
			if (q == NULL)
				return;
			f->state = ST_LINE;
			p = q + 1;
			break;
		default:
			reset(f);
			break;
		}
	}
}

void
sc_framer_finish(struct sc_framer *f, sc_frame_fn fn, void *arg)
{
	const uint32_t cut = SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE;

	switch (f->state) {
	case ST_LEN:
		f->stats.incomplete++;
		emit(f, fn, arg, f->hdr, f->nhdr, cut);
		break;
	case ST_BODY:
		f->stats.incomplete++;
		if (f->used > 0)
			emit(f, fn, arg, f->buf, f->used, cut);
		break;
	case ST_LINE:
		if (f->used > 0) {
			f->stats.incomplete++;
			emit(f, fn, arg, f->buf, f->used, cut);
		}
		break;
	default:
		/* ST_SKIP / ST_DISCARD: the frame went out already, cut. */
		break;
	}
	reset(f);
}

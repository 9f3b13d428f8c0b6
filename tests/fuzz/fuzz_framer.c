/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The RFC 6587 framer on any stream.  Input: 4 bytes of configuration
 * (framing mode and NUL trailer, max_msg, len_limit, how to cut the stream),
 * then the stream.  The stream is framed twice: fed whole, and fed in pieces
 * cut where a generator seeded by the input says, with the partial-frame
 * buffer detached and re-attached between reads whenever the framer allows
 * it (as the TCP driver does).  Both must give the same frames, flags and
 * counters; no frame is longer than max_msg; the counters add up.  The
 * buffer is exactly max_msg bytes of its own allocation, so ASan sees any
 * write past it.
 */
#include <string.h>

#include <sealcap/framer.h>

#include "fuzz.h"

struct digest {
	uint64_t h;      /* FNV-1a over (len, flags, bytes) of every frame */
	uint64_t frames, bytes;
	uint32_t max_msg;
};

static void
mix(struct digest *d, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		d->h = (d->h ^ b[i]) * 0x100000001b3ull;
}

static void
on_frame(void *arg, const uint8_t *msg, uint32_t len, uint32_t flags)
{
	struct digest *d = arg;

	FZ_CHECK(len <= d->max_msg);
	mix(d, &len, sizeof(len));
	mix(d, &flags, sizeof(flags));
	mix(d, msg, len);
	d->frames++;
	d->bytes += len;
}

static void
run(const struct sc_framer_config *cfg, const uint8_t *s, size_t n, uint32_t cut_seed,
    struct digest *d, struct sc_framer_stats *st)
{
	struct sc_framer f;
	uint8_t *buf;
	size_t off = 0;
	uint32_t x = cut_seed | 1;

	sc_framer_init(&f, cfg);
	d->h = 0xcbf29ce484222325ull;
	d->frames = d->bytes = 0;
	d->max_msg = f.cfg.max_msg;
	buf = malloc(f.cfg.max_msg);
	FZ_CHECK(buf != NULL);
	sc_framer_attach(&f, buf);
	while (off < n) {
		size_t piece = n - off;

		if (cut_seed != 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			piece = 1 + x % (x & 0x100 ? 4 : 64);
			if (piece > n - off)
				piece = n - off;
		}
		sc_framer_feed(&f, s + off, piece, on_frame, d);
		off += piece;
		if (!sc_framer_holding(&f)) {
			uint8_t *back = sc_framer_detach(&f);

			FZ_CHECK(back == buf);
			sc_framer_attach(&f, buf);
		}
	}
	sc_framer_finish(&f, on_frame, d);
	FZ_CHECK(!sc_framer_holding(&f));
	*st = f.stats;
	FZ_CHECK(st->frames == d->frames && st->bytes == d->bytes);
	FZ_CHECK(st->oversize <= st->frames && st->incomplete <= st->frames + 1);
	free(sc_framer_detach(&f));
}

FUZZ_TARGET(framer)
{
	struct sc_framer_config cfg;
	struct sc_framer_stats sw, sp;
	struct digest dw, dp;
	uint32_t seed;

	if (size < 4)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = data[0] % 3;
	cfg.nul_trailer = (data[0] & 4) != 0;
	/* Small limits, so that oversize and garbage lengths are reached. */
	cfg.max_msg = 8u + data[1] * 4u;
	cfg.len_limit = data[2] & 0x80 ? 0 : data[2] * 8u;
	seed = data[3] ? data[3] * 2654435761u : 0;
	if (seed == 0)
		seed = 1;
	run(&cfg, data + 4, size - 4, 0, &dw, &sw);
	run(&cfg, data + 4, size - 4, seed, &dp, &sp);
	FZ_CHECK(dw.h == dp.h && dw.frames == dp.frames && dw.bytes == dp.bytes);
	FZ_CHECK(memcmp(&sw, &sp, sizeof(sw)) == 0);
	/* Nothing is invented: frames and discarded bytes come from the stream. */
	FZ_CHECK(sw.bytes + sw.discarded <= size - 4);
	return 0;
}

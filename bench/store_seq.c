/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * store_seq [--expect N] DIR
 *
 * Helper of bench_live.sh: counts which of sealcap-gen's "seq=N" tokens a
 * store holds, through the reader API (what `sealctl cat --format raw DIR |
 * grep -o 'seq=[0-9]*' | sort -u | wc -l` would give, without the pipe and
 * the sort).  Each block is opened (payload digest checked, decompressed);
 * the whole-store check is `sealctl verify`'s job, not this one's.
 *
 * Prints one key=value line on stdout:
 *   records (messages, engine events left out), events, distinct seq,
 *   dups (a seq seen again), missing (1..N not seen; with --expect),
 *   out_of_range (seq 0 or > N), noseq (no token), raw_bytes (of messages),
 *   blocks, bad_blocks, first_ns and last_ns (earliest and latest receive
 *   time of a message, UTC ns; 0 when there is none: bench_dpdk.sh takes
 *   the receive span from them).
 * Exit status 0, or 1 when a block could not be read.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

struct acc {
	uint8_t *bitmap;
	uint64_t nbits;      /* bitmap covers seq 1..nbits-1 */
	bool fixed;          /* --expect given: do not grow */
	uint64_t expect;
	uint64_t records, events, distinct, dups, oor, noseq, raw_bytes;
	int64_t first_ns, last_ns;   /* receive times of messages */
};

static uint64_t
find_seq(const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n;

	while ((q = memchr(q, 's', (size_t)(end - q))) != NULL) {
		if (end - q > 4 && q[1] == 'e' && q[2] == 'q' && q[3] == '=' &&
		    q[4] >= '0' && q[4] <= '9') {
			uint64_t v = 0;

			for (q += 4; q < end && *q >= '0' && *q <= '9'; q++)
				v = v * 10 + (uint64_t)(*q - '0');
			return v;
		}
		q++;
	}
	return 0;
}

static int
on_record(const struct sc_record *r, uint32_t index, void *arg)
{
	struct acc *a = arg;
	uint64_t s;

	(void)index;
	if (r->flags & SC_REC_EVENT) {
		a->events++;
		return 0;
	}
	a->records++;
	a->raw_bytes += r->raw_len;
	/* Lanes interleave in the store: take the extremes, not the ends. */
	if (a->first_ns == 0 || r->rx_ns < a->first_ns)
		a->first_ns = r->rx_ns;
	if (r->rx_ns > a->last_ns)
		a->last_ns = r->rx_ns;
	s = find_seq(r->raw, r->raw_len);
	if (s == 0) {
		a->noseq++;
		return 0;
	}
	if (a->fixed && s > a->expect) {
		a->oor++;
		return 0;
	}
	if (s >= a->nbits) {
		uint64_t nb = a->nbits ? a->nbits : 1u << 20;
		uint8_t *m;

		if (a->fixed || s > (1ull << 36)) {
			a->oor++;
			return 0;
		}
		while (nb <= s)
			nb *= 2;
		m = realloc(a->bitmap, (size_t)(nb / 8));
		if (m == NULL)
			return -1;
		memset(m + a->nbits / 8, 0, (size_t)((nb - a->nbits) / 8));
		a->bitmap = m;
		a->nbits = nb;
	}
	if (a->bitmap[s >> 3] & (1u << (s & 7))) {
		a->dups++;
	} else {
		a->bitmap[s >> 3] |= (uint8_t)(1u << (s & 7));
		a->distinct++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct acc a;
	struct sc_store_reader *r;
	struct sc_hasher *hs;
	uint8_t *payload = NULL;
	size_t pcap = 0;
	uint64_t expect = 0, blocks = 0, bad = 0;
	char err[512];
	int opt;

	memset(&a, 0, sizeof(a));
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt != 'e')
			goto usage;
		expect = strtoull(optarg, NULL, 10);
		a.fixed = true;
		a.expect = expect;
	}
	if (optind + 1 != argc)
		goto usage;
	if (a.fixed) {
		a.nbits = (expect + 8) & ~(uint64_t)7;
		a.bitmap = calloc((size_t)(a.nbits / 8), 1);
		if (a.bitmap == NULL) {
			fprintf(stderr, "store_seq: out of memory\n");
			return 2;
		}
	}
	r = sc_store_reader_open(argv[optind], err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "store_seq: %s\n", err);
		return 2;
	}
	hs = sc_hasher_new();
	for (;;) {
		struct sc_block_hdr h;
		struct sc_store_pos pos;
		const uint8_t *stored;
		enum sc_error e;
		int n = sc_store_read(r, &h, &stored, &pos, &e);

		if (n == 0)
			break;
		if (n < 0) {
			bad++;
			continue;
		}
		if (h.payload_len > pcap) {
			free(payload);
			pcap = h.payload_len;
			payload = malloc(pcap);
			if (payload == NULL) {
				fprintf(stderr, "store_seq: out of memory\n");
				return 2;
			}
		}
		if (sc_block_open(hs, &h, stored, payload, pcap) != SC_E_OK ||
		    sc_block_foreach(payload, h.payload_len, on_record, &a) != 0) {
			bad++;
			continue;
		}
		blocks++;
	}
	printf("store_seq records=%" PRIu64 " events=%" PRIu64 " distinct=%" PRIu64 " dups=%" PRIu64
	       " missing=%" PRIu64 " out_of_range=%" PRIu64 " noseq=%" PRIu64 " raw_bytes=%" PRIu64
	       " blocks=%" PRIu64 " bad_blocks=%" PRIu64 " first_ns=%" PRId64 " last_ns=%" PRId64 "\n",
	       a.records, a.events, a.distinct, a.dups,
	       a.fixed && expect > a.distinct ? expect - a.distinct : 0, a.oor, a.noseq, a.raw_bytes,
	       blocks, bad, a.first_ns, a.last_ns);
	free(payload);
	free(a.bitmap);
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return bad ? 1 : 0;

usage:
	fprintf(stderr, "usage: store_seq [--expect N] DIR\n");
	return 2;
}

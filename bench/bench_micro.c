/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * bench_micro: the cost of each step a sealer lane takes per message and per
 * block, over a corpus of real-looking syslog messages.
 *
 *     bench_micro [--reps N] [--max N] [--block-bytes N] [--syslog-ports L] FILE
 *
 * FILE is a capture (pcap/pcapng, e.g. from sealcap-gen) or a text file
 * with one message per line.  Every figure is printed, nothing is asserted:
 * a bench is not a test.  Each step runs once to warm up, then --reps times
 * (default 5); the best (fastest) and the median repetition are reported.
 * MB is 10^6 bytes.  Message rates count raw message bytes (what was
 * received), block rates the bytes the step actually reads.
 */
/* The reference rows call OpenSSL's low-level SHA256_*, deprecated in 3.0. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <openssl/sha.h>
#include <rte_hash_crc.h>

#include <sealcap/block.h>
#include <sealcap/crypt.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/sources.h>
#include <sealcap/syslog.h>

#include "corpus.h"

#define REPS_MAX 101
#define MiB (1u << 20)

static const struct sc_clock_info capture_clock = {
	.source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA,
	.max_err_us = UINT32_MAX, .est_err_us = UINT32_MAX,
};

static struct {
	unsigned reps;
	uint32_t max;
	size_t block_bytes;
	const char *ports;
	const char *file;
} opt = { 5, 100000, MiB, "514", NULL };

/* Defeats dead-code elimination of results nobody reads. */
static volatile uint64_t sink;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One measured step. */
struct result {
	const char *name;
	const char *unit;   /* what one "op" is: msg, block, 1MiB */
	double ops;         /* ops per repetition */
	double msgs;        /* messages per repetition (for msgs/s) */
	double bytes;       /* bytes per repetition (for MB/s) */
	int64_t best_ns, median_ns;
};

/*
 * A step: fn runs one repetition and returns the nanoseconds to count (it
 * may time only part of its work, e.g. not the block filling before a
 * seal).
 */
typedef int64_t (*step_fn)(void *arg);

static void
measure(struct result *r, step_fn fn, void *arg)
{
	int64_t t[REPS_MAX];

	(void)fn(arg); /* warm-up: caches, page faults, branch predictors */
	for (unsigned i = 0; i < opt.reps; i++)
		t[i] = fn(arg);
	qsort(t, opt.reps, sizeof(t[0]), cmp_i64);
	r->best_ns = t[0];
	r->median_ns = t[opt.reps / 2];
}

static void
print_header(void)
{
	printf("%-34s %8s %12s %12s %12s %10s %10s\n", "step", "per", "best", "median",
	       "msgs/s(best)", "MB/s best", "MB/s med");
}

static void
fmt_time(char *buf, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e4)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ns", ns);
}

static void
print_result(const struct result *r)
{
	char best[32], med[32], rate[32];
	double bs = (double)r->best_ns / 1e9, ms = (double)r->median_ns / 1e9;

	fmt_time(best, sizeof(best), (double)r->best_ns / r->ops);
	fmt_time(med, sizeof(med), (double)r->median_ns / r->ops);
	if (r->msgs > 0)
		snprintf(rate, sizeof(rate), "%.0f", r->msgs / bs);
	else
		snprintf(rate, sizeof(rate), "-");
	printf("%-34s %8s %12s %12s %12s %10.1f %10.1f\n", r->name, r->unit, best, med, rate,
	       r->bytes / bs / 1e6, r->bytes / ms / 1e6);
}

enum {
	R_PARSE, R_ENC, R_LEAF, R_ADD, R_SOURCES, R_MERKLE, R_LZ4_PAY, R_LZ4_RAW, R_SHA, R_SEAL,
	R_SEAL_ENC,
	R_LEAF_LL, R_MERKLE_LL, R_LZ4_COL, R__COUNT
};

/* Measure one step and print its row. */
static void
run(struct result *r, const char *name, const char *unit, double ops, double msgs,
    double bytes, step_fn fn, void *arg)
{
	*r = (struct result){ name, unit, ops, msgs, bytes, 0, 0 };
	measure(r, fn, arg);
	print_result(r);
	fflush(stdout);
}

/* ---- the corpus, parsed and encoded once (untimed) ---------------------- */

struct ctx {
	struct corpus c;
	struct sc_record *rec;     /* parsed records, raw -> corpus */
	uint8_t *enc;              /* all records serialized back to back */
	size_t enc_len;
	size_t *enc_off;
	uint8_t *raw1m;            /* 1 MiB of raw messages back to back */
	size_t raw1m_len;
	uint8_t *pay1m;            /* 1 MiB of serialized records (a payload) */
	size_t pay1m_len;
	uint8_t *col1m;            /* the same records, all headers then all raws */
	uint8_t *dst;              /* LZ4 output / stored buffer */
	size_t dst_cap;
	void *lz4_state;
	struct sc_hasher *hs;
	uint8_t (*leaves)[SC_HASH_LEN];   /* leaf hashes of one block */
	uint8_t (*scratch)[SC_HASH_LEN];  /* sc_merkle_root overwrites */
	uint32_t block_n;          /* records in a full block */
	size_t block_raw;          /* raw bytes in that block */
	size_t block_payload;      /* serialized bytes in that block */
	size_t block_stored;       /* stored (compressed) bytes */
	struct sc_block_builder *b;
	struct sc_block_builder *benc;   /* the same, encrypting */
	struct sc_block_cipher *cipher;
	struct sc_sources *src;
	uint8_t *stored;
	uint32_t cursor;           /* next corpus record for the block steps */
	unsigned fmt[4];
};

static void
parse_all(struct ctx *x)
{
	const struct corpus *c = &x->c;

	x->rec = calloc(c->n, sizeof(*x->rec));
	x->enc_off = calloc(c->n, sizeof(*x->enc_off));
	x->enc = malloc(c->bytes + (size_t)c->n * SC_REC_HDR_LEN);
	if (x->rec == NULL || x->enc_off == NULL || x->enc == NULL) {
		fprintf(stderr, "bench_micro: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < c->n; i++) {
		struct sc_record *r = &x->rec[i];
		const struct sc_pkt *m = &c->meta[i];
		struct sc_syslog sl;

		/* As lane_add in engine/engine.c builds it. */
		sc_syslog_parse(c->data + c->off[i], c->len[i], m->rx_ns, &sl);
		x->fmt[sl.format & 3]++;
		r->rx_ns = m->rx_ns;
		r->msg_ns = sl.ts_ns;
		memcpy(r->addr, m->addr, 16);
		r->src_port = m->src_port;
		r->dst_port = m->dst_port;
		r->transport = m->transport;
		r->family = m->family;
		r->flags = (m->flags & ~(uint32_t)SC_SL_MASK) | sl.flags;
		r->pri = sl.pri;
		r->version = sl.version;
		r->format = sl.format;
		r->charset = sl.charset;
		r->tz_min = (int16_t)sl.ts_tz_min;
		memcpy(r->field, sl.field, sizeof(r->field));
		r->raw = c->data + c->off[i];
		r->raw_len = c->len[i];
		r->seq = i;
		x->enc_off[i] = x->enc_len;
		x->enc_len += sc_record_encode(r, x->enc + x->enc_len);
	}
}

/* Fill a buffer with whole items from a source, cycling, up to @p cap. */
static size_t
fill_1m(uint8_t *dst, size_t cap, const uint8_t *src, const size_t *offs, const uint32_t *lens,
	uint32_t n, size_t extra)
{
	size_t used = 0;

	for (uint32_t i = 0; ; i = (i + 1) % n) {
		size_t l = lens[i] + extra;

		if (used + l > cap)
			return used;
		memcpy(dst + used, src + offs[i], l);
		used += l;
	}
}

/* ---- steps --------------------------------------------------------------- */

static int64_t
step_parse(void *arg)
{
	struct ctx *x = arg;
	const struct corpus *c = &x->c;
	uint64_t acc = 0;
	int64_t t0 = now_ns();

	for (uint32_t i = 0; i < c->n; i++) {
		struct sc_syslog sl;

		sc_syslog_parse(c->data + c->off[i], c->len[i], c->meta[i].rx_ns, &sl);
		acc += sl.flags + sl.field[SC_F_MSG].off;
	}
	sink += acc;
	return now_ns() - t0;
}

static int64_t
step_encode(void *arg)
{
	struct ctx *x = arg;
	size_t used = 0;
	int64_t t0 = now_ns();

	/* Into a block-sized window, as sc_block_add writes its payload. */
	for (uint32_t i = 0; i < x->c.n; i++) {
		if (used + sc_record_size(x->rec[i].raw_len) > x->dst_cap)
			used = 0;
		used += sc_record_encode(&x->rec[i], x->dst + used);
	}
	sink += used;
	return now_ns() - t0;
}

static int64_t
step_leaf(void *arg)
{
	struct ctx *x = arg;
	uint8_t out[SC_HASH_LEN];
	int64_t t0 = now_ns();

	for (uint32_t i = 0; i < x->c.n; i++) {
		sc_hash_leaf(x->hs, x->enc + x->enc_off[i], sc_record_size(x->rec[i].raw_len), out);
		sink += out[0];
	}
	return now_ns() - t0;
}

/* sc_block_add over the whole corpus; the seals in between are not timed. */
static int64_t
step_add(void *arg)
{
	struct ctx *x = arg;
	struct sc_block_hdr h;
	int64_t t = 0, t0 = now_ns();

	for (uint32_t i = 0; i < x->c.n; i++) {
		if (sc_block_add(x->b, &x->rec[i]) != 0) {
			/* Did not fit: seal (untimed) and add again, as lane_add does. */
			t += now_ns() - t0;
			sc_block_seal(x->b, &capture_clock, &h, x->stored);
			t0 = now_ns();
			sc_block_add(x->b, &x->rec[i]);
		}
		if (sc_block_full(x->b)) {
			t += now_ns() - t0;
			sc_block_seal(x->b, &capture_clock, &h, x->stored);
			sink += h.count;
			t0 = now_ns();
		}
	}
	t += now_ns() - t0;
	sc_block_seal(x->b, &capture_clock, &h, x->stored);
	return t;
}

/* Per-source accounting, as lane_add calls it for every received record. */
static int64_t
step_sources(void *arg)
{
	struct ctx *x = arg;
	int64_t t0 = now_ns();

	for (uint32_t i = 0; i < x->c.n; i++)
		sc_sources_record(x->src, &x->rec[i]);
	sc_sources_quiescent();
	return now_ns() - t0;
}

#define ROOTS_PER_REP 16

static int64_t
step_merkle(void *arg)
{
	struct ctx *x = arg;
	uint8_t root[SC_HASH_LEN];
	int64_t t = 0;

	for (int k = 0; k < ROOTS_PER_REP; k++) {
		int64_t t0;

		memcpy(x->scratch, x->leaves, (size_t)x->block_n * SC_HASH_LEN);
		t0 = now_ns();
		sc_merkle_root(x->hs, x->scratch, x->block_n, root);
		t += now_ns() - t0;
		sink += root[0];
	}
	return t;
}

#define MIB_PER_REP 32

static int64_t
lz4_loop(struct ctx *x, const uint8_t *src, size_t len)
{
	int64_t t0 = now_ns();

	for (int k = 0; k < MIB_PER_REP; k++)
		sink += (uint64_t)LZ4_compress_fast_extState(x->lz4_state, (const char *)src,
							     (char *)x->dst, (int)len,
							     (int)x->dst_cap, 1);
	return now_ns() - t0;
}

static int64_t
step_lz4_payload(void *arg)
{
	struct ctx *x = arg;

	return lz4_loop(x, x->pay1m, x->pay1m_len);
}

static int64_t
step_lz4_raw(void *arg)
{
	struct ctx *x = arg;

	return lz4_loop(x, x->raw1m, x->raw1m_len);
}

static int64_t
step_lz4_columnar(void *arg)
{
	struct ctx *x = arg;

	return lz4_loop(x, x->col1m, x->pay1m_len);
}

static int
lz4_size(struct ctx *x, const uint8_t *src, size_t len)
{
	return LZ4_compress_fast_extState(x->lz4_state, (const char *)src, (char *)x->dst,
					  (int)len, (int)x->dst_cap, 1);
}

static int64_t
step_sha256(void *arg)
{
	struct ctx *x = arg;
	uint8_t out[SC_HASH_LEN];
	int64_t t0 = now_ns();

	for (int k = 0; k < MIB_PER_REP; k++) {
		sc_sha256(x->hs, x->pay1m, x->pay1m_len, NULL, 0, out);
		sink += out[0];
	}
	return now_ns() - t0;
}

#define SEALS_PER_REP 8

/* Fill the builder from the corpus (untimed), then time sc_block_seal. */
static int64_t
step_seal(void *arg)
{
	struct ctx *x = arg;
	struct sc_block_hdr h;
	int64_t t = 0;

	for (int k = 0; k < SEALS_PER_REP; k++) {
		int64_t t0;

		for (;;) {
			struct sc_record *r = &x->rec[x->cursor];

			if (sc_block_add(x->b, r) != 0)
				break;
			x->cursor = (x->cursor + 1) % x->c.n;
			if (sc_block_full(x->b))
				break;
		}
		t0 = now_ns();
		sc_block_seal(x->b, &capture_clock, &h, x->stored);
		t += now_ns() - t0;
		sink += h.stored_len;
	}
	return t;
}

/*
 * The same with --encrypt-key: a second builder whose blocks the lane's
 * AES-256-GCM cipher encrypts (a fixed key; what it costs, not what it is).
 */
static int64_t
step_seal_enc(void *arg)
{
	struct ctx *x = arg;
	struct sc_block_builder *b = x->b;
	int64_t t;

	x->b = x->benc;
	t = step_seal(arg);
	x->b = b;
	return t;
}

/*
 * ---- reference: the same digests by direct SHA256_* calls -----------------
 * engine/hash.c moved from EVP to these calls (EVP allocated and cleansed
 * provider state per digest); these rows show what is left between
 * sc_hash_leaf / sc_merkle_root and the bare library calls.
 */

static void
ll_leaf(const void *p, size_t len, uint8_t out[SC_HASH_LEN])
{
	static const uint8_t zero = 0x00;
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, &zero, 1);
	SHA256_Update(&c, p, len);
	SHA256_Final(out, &c);
}

static int64_t
step_leaf_ll(void *arg)
{
	struct ctx *x = arg;
	uint8_t out[SC_HASH_LEN];
	int64_t t0 = now_ns();

	for (uint32_t i = 0; i < x->c.n; i++) {
		ll_leaf(x->enc + x->enc_off[i], sc_record_size(x->rec[i].raw_len), out);
		sink += out[0];
	}
	return now_ns() - t0;
}

/* sc_merkle_root's reduction with SHA256_* for the node hashes. */
static void
ll_merkle(uint8_t (*l)[SC_HASH_LEN], size_t n, uint8_t out[SC_HASH_LEN])
{
	static const uint8_t one = 0x01;

	while (n > 1) {
		size_t w = 0;

		for (size_t i = 0; i + 1 < n; i += 2) {
			SHA256_CTX c;

			SHA256_Init(&c);
			SHA256_Update(&c, &one, 1);
			SHA256_Update(&c, l[i], 2 * SC_HASH_LEN);
			SHA256_Final(l[w++], &c);
		}
		if (n & 1)
			memmove(l[w++], l[n - 1], SC_HASH_LEN);
		n = w;
	}
	memcpy(out, l[0], SC_HASH_LEN);
}

static int64_t
step_merkle_ll(void *arg)
{
	struct ctx *x = arg;
	uint8_t root[SC_HASH_LEN], ref[SC_HASH_LEN];
	int64_t t = 0;

	memcpy(x->scratch, x->leaves, (size_t)x->block_n * SC_HASH_LEN);
	sc_merkle_root(x->hs, x->scratch, x->block_n, ref);
	for (int k = 0; k < ROOTS_PER_REP; k++) {
		int64_t t0;

		memcpy(x->scratch, x->leaves, (size_t)x->block_n * SC_HASH_LEN);
		t0 = now_ns();
		ll_merkle(x->scratch, x->block_n, root);
		t += now_ns() - t0;
		if (memcmp(root, ref, SC_HASH_LEN) != 0) {
			fprintf(stderr, "bench_micro: what-if merkle root differs from sc_merkle_root\n");
			exit(1);
		}
	}
	return t;
}

/* ---- main ---------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bench_micro [--reps N] [--max N] [--block-bytes N] [--syslog-ports LIST] FILE\n"
		"  FILE: a capture (pcap/pcapng, e.g. from sealcap-gen) or text, one message a line\n"
		"  --reps N          timed repetitions per step (default 5; best and median shown)\n"
		"  --max N           messages to load (default 100000)\n"
		"  --block-bytes N   block size as the engine's --block-bytes (default 1048576)\n"
		"  --syslog-ports L  UDP ports that carry syslog in a capture (default 514)\n");
}

static void
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "max", required_argument, NULL, 'm' },
		{ "block-bytes", required_argument, NULL, 'b' },
		{ "syslog-ports", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt.reps = (unsigned)strtoul(optarg, NULL, 10);
			if (opt.reps < 1 || opt.reps > REPS_MAX) {
				fprintf(stderr, "bench_micro: --reps: 1..%d\n", REPS_MAX);
				exit(2);
			}
			break;
		case 'm':
			opt.max = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			opt.block_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			opt.ports = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind + 1 != argc || opt.max < 1) {
		usage(stderr);
		exit(2);
	}
	opt.file = argv[optind];
}

int
main(int argc, char **argv)
{
	static struct ctx x;
	struct result r[R__COUNT];
	struct sc_block_hdr h;
	double n, block_msgs;
	size_t payload_cap;

	parse_args(argc, argv);
	if (corpus_load(&x.c, opt.file, opt.max, opt.ports) != 0)
		return 1;
	x.hs = sc_hasher_new();
	x.lz4_state = malloc((size_t)LZ4_sizeofState());
	x.b = sc_block_builder_new(0, opt.block_bytes);
	x.benc = sc_block_builder_new(0, opt.block_bytes);
	{
		static const uint8_t key[32] = "bench_micro: no secret at all!";
		static const uint8_t salt[16] = "bench_micro run";
		struct sc_enc_key *k = sc_enc_key_from_bytes(key);

		x.cipher = k ? sc_block_cipher_new(k, salt, 0) : NULL;
		sc_enc_key_free(k);
		if (x.cipher == NULL || x.benc == NULL) {
			fprintf(stderr, "bench_micro: setup: AES-256-GCM\n");
			return 1;
		}
		sc_block_builder_set_cipher(x.benc, x.cipher);
	}
	x.src = sc_sources_new(65536);   /* the engine's default --max-sources */
	sc_sources_thread_register();
	if (x.hs == NULL || x.lz4_state == NULL || x.b == NULL || x.src == NULL) {
		fprintf(stderr, "bench_micro: setup: %s\n", strerror(errno));
		return 1;
	}
	payload_cap = sc_block_payload_max(opt.block_bytes);
	x.dst_cap = sc_block_stored_max(x.b);
	x.dst = malloc(x.dst_cap);
	x.stored = malloc(x.dst_cap);
	x.raw1m = malloc(MiB);
	x.pay1m = malloc(MiB);
	x.leaves = malloc((payload_cap / SC_REC_HDR_LEN + 1) * SC_HASH_LEN);
	x.scratch = malloc((payload_cap / SC_REC_HDR_LEN + 1) * SC_HASH_LEN);
	if (x.dst == NULL || x.stored == NULL || x.raw1m == NULL || x.pay1m == NULL ||
	    x.leaves == NULL || x.scratch == NULL) {
		fprintf(stderr, "bench_micro: out of memory\n");
		return 1;
	}
	parse_all(&x);
	{
		/* The 1 MiB buffers hold whole messages / whole records. */
		size_t *roff = malloc(x.c.n * sizeof(*roff));

		for (uint32_t i = 0; i < x.c.n; i++)
			roff[i] = x.c.off[i];
		x.raw1m_len = fill_1m(x.raw1m, MiB, x.c.data, roff, x.c.len, x.c.n, 0);
		x.pay1m_len = fill_1m(x.pay1m, MiB, x.enc, x.enc_off, x.c.len, x.c.n, SC_REC_HDR_LEN);
		free(roff);
	}
	{
		/* Same records as pay1m, headers first, then the raw bytes. */
		size_t used = 0, nh = 0, rawpos;
		uint32_t i;

		x.col1m = malloc(MiB);
		if (x.col1m == NULL)
			return 1;
		for (i = 0; used + sc_record_size(x.c.len[i % x.c.n]) <= x.pay1m_len; i++) {
			used += sc_record_size(x.c.len[i % x.c.n]);
			nh++;
		}
		rawpos = nh * SC_REC_HDR_LEN;
		for (i = 0; i < nh; i++) {
			uint32_t k = i % x.c.n;

			memcpy(x.col1m + (size_t)i * SC_REC_HDR_LEN, x.enc + x.enc_off[k], SC_REC_HDR_LEN);
			memcpy(x.col1m + rawpos, x.enc + x.enc_off[k] + SC_REC_HDR_LEN, x.c.len[k]);
			rawpos += x.c.len[k];
		}
	}
	/* One real block from the start of the corpus: its size and leaves. */
	for (uint32_t i = 0; ; i = (i + 1) % x.c.n) {
		if (sc_block_add(x.b, &x.rec[i]) != 0)
			break;
		sc_hash_leaf(x.hs, x.enc + x.enc_off[i], sc_record_size(x.rec[i].raw_len),
			     x.leaves[x.block_n]);
		x.block_n++;
		x.block_raw += x.rec[i].raw_len;
		if (sc_block_full(x.b))
			break;
	}
	sc_block_seal(x.b, &capture_clock, &h, x.stored);
	x.block_payload = h.payload_len;
	x.block_stored = h.stored_len;

	n = x.c.n;
	block_msgs = x.block_n;
	printf("bench_micro: corpus %s (%s): %u messages, %zu bytes, avg %.1f B/msg; "
	       "formats: rfc5424 %u, rfc3164 %u, unknown %u\n",
	       opt.file, x.c.source, x.c.n, x.c.bytes, (double)x.c.bytes / n,
	       x.fmt[SC_SYSLOG_RFC5424], x.fmt[SC_SYSLOG_RFC3164], x.fmt[SC_SYSLOG_UNKNOWN]);
	{
		/* engine.c lane_of: rte_hash_crc(source address) % lanes */
		uint32_t two[2] = { 0, 0 };

		for (uint32_t i = 0; i < x.c.n; i++)
			two[rte_hash_crc(x.c.meta[i].addr, 16, 0x5ea1) % 2]++;
		printf("bench_micro: with --lanes 2 the engine would send %.1f%% / %.1f%% of these "
		       "messages to lane 0 / lane 1\n", 100.0 * two[0] / n, 100.0 * two[1] / n);
	}
	printf("bench_micro: block-bytes %zu: a block holds %u records, %zu raw B, payload %zu B, "
	       "stored %zu B (LZ4 ratio %.2f)\n",
	       opt.block_bytes, x.block_n, x.block_raw, x.block_payload, x.block_stored,
	       (double)x.block_payload / (double)x.block_stored);
	printf("bench_micro: %u reps after 1 warm-up; MB = 1e6 B; msgs/s and MB/s from the best rep\n\n",
	       opt.reps);
	print_header();

	run(&r[R_PARSE], "sc_syslog_parse", "msg", n, n, (double)x.c.bytes, step_parse, &x);
	run(&r[R_ENC], "sc_record_encode (only)", "msg", n, n, (double)x.c.bytes, step_encode, &x);
	run(&r[R_LEAF], "sc_hash_leaf of record (only)", "msg", n, n, (double)x.c.bytes,
	    step_leaf, &x);
	run(&r[R_ADD], "sc_block_add (encode+leaf+summ)", "msg", n, n, (double)x.c.bytes,
	    step_add, &x);
	run(&r[R_SOURCES], "sc_sources_record (per-source)", "msg", n, n, (double)x.c.bytes,
	    step_sources, &x);
	run(&r[R_MERKLE], "sc_merkle_root", "block", ROOTS_PER_REP, ROOTS_PER_REP * block_msgs,
	    ROOTS_PER_REP * (double)x.block_raw, step_merkle, &x);
	run(&r[R_LZ4_PAY], "LZ4 fast a=1, 1MiB record payload", "1MiB", MIB_PER_REP, 0,
	    MIB_PER_REP * (double)x.pay1m_len, step_lz4_payload, &x);
	run(&r[R_LZ4_RAW], "LZ4 fast a=1, 1MiB raw messages", "1MiB", MIB_PER_REP, 0,
	    MIB_PER_REP * (double)x.raw1m_len, step_lz4_raw, &x);
	run(&r[R_SHA], "sc_sha256, 1MiB payload", "1MiB", MIB_PER_REP, 0,
	    MIB_PER_REP * (double)x.pay1m_len, step_sha256, &x);
	run(&r[R_SEAL], "sc_block_seal (full block)", "block", SEALS_PER_REP,
	    SEALS_PER_REP * block_msgs, SEALS_PER_REP * (double)x.block_raw, step_seal, &x);
	run(&r[R_SEAL_ENC], "sc_block_seal + AES-256-GCM", "block", SEALS_PER_REP,
	    SEALS_PER_REP * block_msgs, SEALS_PER_REP * (double)x.block_raw, step_seal_enc, &x);
	printf("\nreference and what-if rows, not engine code:\n");
	run(&r[R_LEAF_LL], "leaf hash, SHA256_* called directly", "msg", n, n, (double)x.c.bytes,
	    step_leaf_ll, &x);
	run(&r[R_MERKLE_LL], "merkle root, SHA256_* directly", "block", ROOTS_PER_REP,
	    ROOTS_PER_REP * block_msgs, ROOTS_PER_REP * (double)x.block_raw, step_merkle_ll, &x);
	run(&r[R_LZ4_COL], "LZ4 a=1, 1MiB hdrs-then-raws", "1MiB", MIB_PER_REP, 0,
	    MIB_PER_REP * (double)x.pay1m_len, step_lz4_columnar, &x);
	printf("LZ4 ratios of the 1MiB inputs: record payload %.2f, raw messages %.2f, "
	       "hdrs-then-raws layout %.2f\n",
	       (double)x.pay1m_len / lz4_size(&x, x.pay1m, x.pay1m_len),
	       (double)x.raw1m_len / lz4_size(&x, x.raw1m, x.raw1m_len),
	       (double)x.pay1m_len / lz4_size(&x, x.col1m, x.pay1m_len));

	{
		/* Per-message budget of one sealer lane, from the best reps. */
		double parse = (double)r[R_PARSE].best_ns / r[R_PARSE].ops;
		double enc = (double)r[R_ENC].best_ns / r[R_ENC].ops;
		double leaf = (double)r[R_LEAF].best_ns / r[R_LEAF].ops;
		double addm = (double)r[R_ADD].best_ns / r[R_ADD].ops;
		double srcm = (double)r[R_SOURCES].best_ns / r[R_SOURCES].ops;
		double merkle = (double)r[R_MERKLE].best_ns / r[R_MERKLE].ops / block_msgs;
		double seal = (double)r[R_SEAL].best_ns / r[R_SEAL].ops / block_msgs;
		double lz4_raw_bps = r[R_LZ4_RAW].bytes / ((double)r[R_LZ4_RAW].best_ns / 1e9);
		double lz4_pay_bps = r[R_LZ4_PAY].bytes / ((double)r[R_LZ4_PAY].best_ns / 1e9);
		double sha_bps = r[R_SHA].bytes / ((double)r[R_SHA].best_ns / 1e9);
		double avg = (double)x.c.bytes / n;
		double rec = avg + SC_REC_HDR_LEN;
		double total = parse + addm + srcm + seal;
		double lz4_seal = (double)x.block_payload / lz4_pay_bps * 1e9 / block_msgs;
		double sha_seal = (double)x.block_stored / sha_bps * 1e9 / block_msgs;
		double base = avg / lz4_raw_bps * 1e9 + avg / sha_bps * 1e9;
		double sha_leaf = (rec + 1) / sha_bps * 1e9;

		printf("\nper-message budget of one sealer lane (best reps; avg message %.1f B, "
		       "record %.1f B):\n", avg, rec);
		printf("  parse                %8.1f ns  %5.1f%%\n", parse, 100 * parse / total);
		printf("  block_add            %8.1f ns  %5.1f%%   (encode alone %.1f ns, leaf hash alone %.1f ns)\n",
		       addm, 100 * addm / total, enc, leaf);
		printf("  sources_record       %8.1f ns  %5.1f%%\n", srcm, 100 * srcm / total);
		printf("  seal / msg           %8.1f ns  %5.1f%%   (merkle %.1f, lz4 of payload ~%.1f, sha256 of stored ~%.1f)\n",
		       seal, 100 * seal / total, merkle, lz4_seal, sha_seal);
		printf("  total                %8.1f ns  -> %.0f msgs/s, %.1f MB/s of raw message bytes per lane-core\n",
		       total, 1e9 / total, avg * 1e9 / total / 1e6);
		printf("  in-process baseline: LZ4 a=1 + SHA-256 (libcrypto) of the raw bytes = %.1f ns/msg\n",
		       base);
		printf("  ratio lane budget / baseline = %.2f  (the pipeline aims for <= 2.0 against lz4 -1 + sha256sum)\n",
		       total / base);
		printf("  SHA-256 per message: 1 leaf + ~1 Merkle node.  A record streamed at the bulk rate "
		       "would take %.1f ns; sc_hash_leaf takes %.1f ns: %.0f ns fixed per digest\n",
		       sha_leaf, leaf, leaf - sha_leaf);
		printf("  merkle node: %.1f ns each (65 B hashed = 2 SHA-256 blocks)\n", merkle);
		{
			double seal_enc = (double)r[R_SEAL_ENC].best_ns / r[R_SEAL_ENC].ops / block_msgs;

			printf("  --encrypt-key: seal %.1f ns/msg instead of %.1f (+%.1f ns, AES-256-GCM over "
			       "%zu stored B per block): lane budget x %.3f\n", seal_enc, seal,
			       seal_enc - seal, x.block_stored, (total - seal + seal_enc) / total);
		}
		{
			double leaf_ll = (double)r[R_LEAF_LL].best_ns / r[R_LEAF_LL].ops;
			double merkle_ll = (double)r[R_MERKLE_LL].best_ns / r[R_MERKLE_LL].ops / block_msgs;

			printf("  direct SHA256_* reference: leaf %.1f ns (engine %+.1f), merkle %.1f ns/msg "
			       "(engine %+.1f)\n", leaf_ll, leaf - leaf_ll, merkle_ll, merkle - merkle_ll);
		}
	}
	printf("(sink %" PRIu64 ")\n", (uint64_t)sink);

	sc_block_builder_free(x.b);
	sc_block_builder_free(x.benc);
	sc_block_cipher_free(x.cipher);
	sc_sources_thread_unregister();
	sc_sources_free(x.src);
	sc_hasher_free(x.hs);
	free(x.lz4_state);
	free(x.dst);
	free(x.stored);
	free(x.raw1m);
	free(x.pay1m);
	free(x.col1m);
	free(x.leaves);
	free(x.scratch);
	free(x.rec);
	free(x.enc);
	free(x.enc_off);
	corpus_free(&x.c);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Tamper evidence ("Guarantees the tests prove", DESIGN.md): every changed,
 * deleted, duplicated, reordered, truncated or swapped byte, block or segment
 * is reported by verify with its location, and verify fails.
 *
 * Each test builds a real store in its own temporary directory through the
 * public writer API, exactly as the engine's lanes and writer do
 * (sc_syslog_parse, sc_block_builder_*, sc_block_seal, sc_store_append): 2 or
 * 3 lanes appending in a seeded random order, small segments so there are
 * many, some blocks LZ4-compressed and some stored raw.  The test then
 * damages the files the way a disk or an attacker would and checks both
 * sc_verify (the issue list: error, segment, byte offset, log index, lane,
 * record) and the auditor's program, `sealctl verify` (exit status 1 and the
 * DAMAGED line).  The layout every expectation is computed from is read from
 * the pristine files before tampering.
 *
 * The store also keeps the log tree (STORE/leaves: every block hash in log
 * order), so a rehashed block differs from its leaf and blocks cut from the
 * end are still listed.  Tests named limit_* pin what verify can NOT see
 * from the store alone: they assert that verify says OK, so the day a check
 * catches them, the tests fail and must be turned around.  What needs a
 * signed checkpoint is in part h at the end of this file: stores signed as
 * the engine signs them (a checkpoint every 10 blocks and at each close),
 * checked by verify pinned to the master key, and by `sealctl consistency`
 * against a checkpoint an auditor kept: a store re-sealed with another key,
 * the tail after a checkpoint replaced by self-consistent blocks, a
 * rollback to an older copy, the newest segment deleted (with its leaves,
 * with its checkpoints), an edited checkpoint, a deleted checkpoints file.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/proof.h>
#include <sealcap/record.h>
#include <sealcap/store.h>
#include <sealcap/syslog.h>

#ifndef SC_SEALCTL
#define SC_SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#endif

extern char **environ;

/* 2026-01-01T00:00:00Z */
#define T0_NS 1767225600000000000LL

static char tmp[256];   /* per-test scratch directory */
static char store[300]; /* the store inside it */

/* ---- files ---------------------------------------------------------------- */

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert(fstat(fd, &st) == 0);
	p = malloc((size_t)st.st_size + 1);
	cr_assert(p != NULL);
	cr_assert(read(fd, p, (size_t)st.st_size) == st.st_size, "read %s", path);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void
spit(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert(write(fd, p, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

static void
seg_path(uint32_t n, char *out, size_t len)
{
	snprintf(out, len, "%s/segments/%08" PRIu32 ".seg", store, n);
}

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "tamper");
	snprintf(store, sizeof(store), "%s/store", tmp);
}

static struct sc_sign_key *skey;  /* signed stores: the engine's key */
static char mpub[440];             /* ... and the master verifier key file */

static void
teardown(void)
{
	sc_sign_key_close(skey);
	skey = NULL;
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(tamper, .init = setup, .fini = teardown, .timeout = 60);

/* ---- building a store ------------------------------------------------------ */

struct build_cfg {
	unsigned lanes;
	unsigned blocks;         /* appended with small segments ... */
	uint64_t segment_bytes;
	unsigned tail_blocks;    /* ... then these after a restart, in one segment */
	uint32_t seed;
	unsigned ckpt_every;     /* signed: a checkpoint every N blocks and at each close */
	const char *snapshot;    /* copy the store here at the restart (an old backup) */
};

static int run(char *const argv[], char **out, char **err);

static void
make_key(void)
{
	struct sc_keygen_opts o = { .origin = "sealcap/tamper-test", .epochs = 4,
				    .epoch_seconds = 86400 };
	char dir[300], path[420], err[512], vkey[SC_VKEY_MAX];

	snprintf(dir, sizeof(dir), "%s/keys", tmp);
	o.dir = dir;
	cr_assert_eq(sc_keygen(&o, vkey, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/sign.key", dir);
	skey = sc_sign_key_open(path, err, sizeof(err));
	cr_assert_not_null(skey, "%s", err);
	snprintf(mpub, sizeof(mpub), "%s/master.pub", dir);
}

static void
sign_now(struct sc_store *s)
{
	char err[512];
	size_t len;
	const char *cert = sc_sign_key_cert_text(skey, &len);

	cr_assert(sc_store_checkpoint(s, sc_sign_key_signer(skey), err, sizeof(err)) >= 0, "%s", err);
	cr_assert_eq(sc_store_put_key(s, "epochs-tamper.pub", cert, len), 0);
}

static uint32_t
xs32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/*
 * Append cfg->blocks blocks, lanes picked at random, then close the store,
 * open it again (as the engine does at a restart: the lane chains are
 * restored from the files and a new segment begins) with large segments
 * and append cfg->tail_blocks more: the newest segment then holds several
 * blocks.  Every fourth block carries random text and compresses poorly.
 * @return records written.
 */
static uint64_t
build_store(const struct build_cfg *cfg)
{
	static const struct sc_clock_info clk = {
		.source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA,
		.max_err_us = UINT32_MAX, .est_err_us = UINT32_MAX,
	};
	struct sc_store_opts o = {
		.dir = store, .origin = "sealcap/tamper-test",
		.segment_bytes = cfg->segment_bytes, .fsync = SC_FSYNC_NONE,
	};
	struct sc_block_builder *b[4];
	struct sc_store *s;
	uint8_t *stored;
	char err[512];
	uint32_t rnd = cfg->seed;
	uint64_t n = 0;

	cr_assert(cfg->lanes >= 2 && cfg->lanes <= 4);
	if (cfg->ckpt_every && skey == NULL)
		make_key();
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	for (unsigned l = 0; l < cfg->lanes; l++) {
		b[l] = sc_block_builder_new(l, 1024);
		cr_assert(b[l] != NULL);
	}
	stored = malloc(sc_block_stored_max(b[0]));
	cr_assert(stored != NULL);
	for (unsigned i = 0; i < cfg->blocks + cfg->tail_blocks; i++) {
		/* The first blocks open every lane in turn, then at random. */
		unsigned l = i < cfg->lanes ? i : xs32(&rnd) % cfg->lanes;
		bool noise = i % 4 == 3;
		struct sc_block_hdr h;

		while (!sc_block_full(b[l])) {
			char msg[400];
			struct sc_record r;
			struct sc_syslog sl;
			int len = snprintf(msg, sizeof(msg),
					   "<%u>1 2026-01-01T00:00:00Z dev%u.ward%u ehr 42 access - "
					   "user=nurse%02u action=view patient=%06u seq=%" PRIu64 " ",
					   134 + l, l, l + 3, (unsigned)(n % 17),
					   (unsigned)(xs32(&rnd) % 1000000), n + 1);
			int want = 100 + (int)(xs32(&rnd) % 60);

			for (; len < want; len++)
				msg[len] = noise ? (char)(0x21 + xs32(&rnd) % 94) : "abcd efgh "[len % 10];
			sc_syslog_parse((const uint8_t *)msg, (size_t)len, T0_NS, &sl);
			memset(&r, 0, sizeof(r));
			r.rx_ns = T0_NS + (int64_t)n * 1000000;
			r.msg_ns = sl.ts_ns;
			sc_record_set_ipv4(&r, htonl(0xc6120000u + l)); /* 198.18.0.l */
			r.src_port = (uint16_t)(40000 + l);
			r.dst_port = 514;
			r.transport = SC_TRANSPORT_UDP;
			r.flags = sl.flags;
			r.pri = sl.pri;
			r.version = sl.version;
			r.format = sl.format;
			r.charset = sl.charset;
			r.tz_min = (int16_t)sl.ts_tz_min;
			memcpy(r.field, sl.field, sizeof(r.field));
			r.raw = (const uint8_t *)msg;
			r.raw_len = (uint32_t)len;
			cr_assert_eq(sc_block_add(b[l], &r), 0);
			n++;
		}
		cr_assert_eq(sc_block_seal(b[l], &clk, &h, stored), 0);
		cr_assert_eq(sc_store_append(s, &h, stored), 0);
		if (cfg->ckpt_every && (i + 1) % cfg->ckpt_every == 0)
			sign_now(s);
		if (i + 1 == cfg->blocks && cfg->tail_blocks) {
			if (cfg->ckpt_every)
				sign_now(s);
			cr_assert_eq(sc_store_close(s), 0);
			if (cfg->snapshot) {
				char snap[400];
				char *argv[] = { (char *)"/bin/cp", (char *)"-a", store, snap, NULL };
				char *out, *e2;

				snprintf(snap, sizeof(snap), "%s", cfg->snapshot);
				cr_assert_eq(run(argv, &out, &e2), 0, "cp: %s", e2);
				free(out);
				free(e2);
			}
			o.segment_bytes = 1u << 20;
			cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
		}
	}
	free(stored);
	for (unsigned l = 0; l < cfg->lanes; l++)
		sc_block_builder_free(b[l]);
	if (cfg->ckpt_every)
		sign_now(s);
	cr_assert_eq(sc_store_close(s), 0);
	return n;
}

/* ---- the layout, read from the pristine files -------------------------------- */

struct blk {
	uint32_t seg;
	uint64_t off;   /* byte offset in the segment file */
	uint64_t size;  /* header + stored payload */
	struct sc_block_hdr h;
};

struct seg {
	uint32_t num;
	uint64_t size;
	unsigned first;  /* index into blk */
	unsigned n;
};

struct layout {
	struct seg seg[256];
	unsigned nseg;
	struct blk blk[1024];
	unsigned nblk;
	uint64_t records;
};

static struct layout L;

static void
scan_layout(void)
{
	memset(&L, 0, sizeof(L));
	for (uint32_t n = 0;; n++) {
		char path[400];
		struct seg *sg;
		uint8_t *p;
		size_t len, off = SC_SEG_HDR_LEN;

		seg_path(n, path, sizeof(path));
		if (access(path, F_OK) != 0)
			break;
		cr_assert(L.nseg < 256);
		p = slurp(path, &len);
		cr_assert(len >= SC_SEG_HDR_LEN && memcmp(p, SC_SEG_MAGIC, 8) == 0);
		sg = &L.seg[L.nseg++];
		sg->num = n;
		sg->size = len;
		sg->first = L.nblk;
		while (off < len) {
			struct blk *b = &L.blk[L.nblk++];

			cr_assert(L.nblk <= 1024);
			cr_assert_eq(sc_block_hdr_decode(p + off, &b->h), SC_E_OK);
			b->seg = n;
			b->off = off;
			b->size = SC_BLOCK_HDR_LEN + b->h.stored_len;
			cr_assert_eq(b->h.log_index, L.nblk - 1, "layout: blocks out of order");
			L.records += b->h.count;
			sg->n++;
			off += b->size;
		}
		cr_assert_eq(off, len);
		free(p);
	}
	cr_assert(L.nseg >= 3, "need several segments, got %u", L.nseg);
}

static const struct blk *
last_of_lane(uint32_t lane)
{
	for (unsigned i = L.nblk; i-- > 0;)
		if (L.blk[i].h.lane == lane)
			return &L.blk[i];
	return NULL;
}

/* Next block of the same lane after block index i, or NULL. */
static const struct blk *
next_in_lane(unsigned i)
{
	for (unsigned k = i + 1; k < L.nblk; k++)
		if (L.blk[k].h.lane == L.blk[i].h.lane)
			return &L.blk[k];
	return NULL;
}

/* ---- verify through the library and through sealctl -------------------------- */

struct issues {
	struct sc_verify_issue v[512];
	unsigned n;
	int rc;
	struct sc_verify_result res;
	char err[512];
};

static void
collect(const struct sc_verify_issue *i, void *arg)
{
	struct issues *is = arg;

	if (is->n < 512)
		is->v[is->n] = *i;
	is->n++;
}

static void
dump_issues(const struct issues *is)
{
	fprintf(stderr, "verify rc=%d, %u issue(s):\n", is->rc, is->n);
	for (unsigned k = 0; k < is->n && k < 512; k++) {
		const struct sc_verify_issue *i = &is->v[k];

		fprintf(stderr, "  [%u] %s file %d segment %" PRIu32 " offset %" PRIu64 " block %" PRId64
			" lane %" PRIu32 " record %" PRId64 " (%s)\n", k, sc_error_name(i->err), i->file,
			i->segment, i->offset, i->block, i->lane, i->record, i->detail);
	}
}

static void
verify(struct issues *is)
{
	memset(is, 0, sizeof(*is));
	is->rc = sc_verify(store, &is->res, collect, is, is->err, sizeof(is->err));
}

/* One issue verify must report; lane is only checked when block >= 0. */
struct want {
	enum sc_error err;
	uint32_t seg;
	uint64_t off;
	int64_t block;
	uint32_t lane;
	int64_t record;
	enum sc_verify_file file;  /* segment unless set */
};

#define W(e, s, o, b, l) ((struct want){ SC_E_##e, (s), (o), (b), (l), -1, SC_VF_SEGMENT })
/* At a block whose header is not authentic: the block is not named. */
#define WH(e, s, o) ((struct want){ SC_E_##e, (s), (o), -1, 0, -1, SC_VF_SEGMENT })
/* At a block found in the layout. */
#define WB(e, b) ((struct want){ SC_E_##e, (b)->seg, (b)->off, (int64_t)(b)->h.log_index, (b)->h.lane, -1, SC_VF_SEGMENT })
/* In STORE/leaves, at the leaf of block @p b (whose header is authentic). */
#define WL(e, b) ((struct want){ SC_E_##e, 0, (b)->h.log_index * SC_HASH_LEN, (int64_t)(b)->h.log_index, \
				 (b)->h.lane, -1, SC_VF_LEAVES })
/* In another file than a segment, no block named. */
#define WF(e, f, o) ((struct want){ SC_E_##e, 0, (o), -1, 0, -1, SC_VF_##f })
/* In another file, naming a block but no lane. */
#define WFB(e, f, o, b) ((struct want){ SC_E_##e, 0, (o), (b), 0, -1, SC_VF_##f })

static bool
issue_is(const struct sc_verify_issue *i, const struct want *w)
{
	return i->err == w->err && i->file == w->file && i->segment == w->seg &&
	       i->offset == w->off && i->block == w->block &&
	       (w->block < 0 || w->file != SC_VF_SEGMENT || i->lane == w->lane) &&
	       (w->file != SC_VF_LEAVES || w->err != SC_E_LEAF || i->lane == w->lane) &&
	       i->record == w->record;
}

/* The issue list must be exactly @p w, in this order; verify returns 1. */
static bool
expect_issues(const struct issues *is, const struct want *w, unsigned n)
{
	bool ok = is->rc == 1 && is->n == n && is->res.issues == n;

	for (unsigned k = 0; ok && k < n; k++)
		ok = issue_is(&is->v[k], &w[k]);
	if (!ok) {
		fprintf(stderr, "expected %u issue(s):\n", n);
		for (unsigned k = 0; k < n; k++)
			fprintf(stderr, "  [%u] %s file %d segment %" PRIu32 " offset %" PRIu64 " block %"
				PRId64 " lane %" PRIu32 " record %" PRId64 "\n", k, sc_error_name(w[k].err),
				w[k].file, w[k].seg, w[k].off, w[k].block, w[k].lane, w[k].record);
		dump_issues(is);
	}
	return ok;
}

#define EXPECT_ISSUES(is, ...) do { \
		const struct want w_[] = { __VA_ARGS__ }; \
		cr_expect(expect_issues((is), w_, sizeof(w_) / sizeof(w_[0])), \
			  "verify issues differ (list on stderr)"); \
	} while (0)

/* Run a program, stdout and stderr to files in tmp.  @return exit status */
static int
run(char *const argv[], char **out, char **err)
{
	char opath[300], epath[300];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;
	size_t len;

	snprintf(opath, sizeof(opath), "%s/stdout", tmp);
	snprintf(epath, sizeof(epath), "%s/stderr", tmp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0,
		     "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x)", argv[0], st);
	*out = (char *)slurp(opath, &len);
	(*out)[len] = '\0';
	*err = (char *)slurp(epath, &len);
	(*err)[len] = '\0';
	return WEXITSTATUS(st);
}

/* sealctl verify: exit 1 and one DAMAGED line per expected issue. */
static void
expect_sealctl_damaged(const struct want *w, unsigned n)
{
	char *argv[] = { (char *)SC_SEALCTL, (char *)"verify", store, NULL };
	char *out, *err, line[256];
	unsigned lines = 0;
	int rc = run(argv, &out, &err);

	cr_expect_eq(rc, 1, "sealctl verify exit %d, want 1; stdout:\n%s\nstderr:\n%s", rc, out, err);
	for (const char *p = out; (p = strstr(p, "DAMAGED ")) != NULL; p++)
		lines++;
	cr_expect_eq(lines, n, "sealctl printed %u DAMAGED lines, want %u:\n%s", lines, n, out);
	for (unsigned k = 0; k < n; k++) {
		static const char *const files[] = { "segment", "leaves", "checkpoints", "keys", "store" };
		int m = w[k].file == SC_VF_SEGMENT ?
			snprintf(line, sizeof(line), "DAMAGED segment %08" PRIu32 " offset %" PRIu64,
				 w[k].seg, w[k].off) :
			snprintf(line, sizeof(line), "DAMAGED %s offset %" PRIu64, files[w[k].file],
				 w[k].off);

		if (w[k].block >= 0)
			m += snprintf(line + m, sizeof(line) - (size_t)m,
				      " block %" PRId64 " lane %" PRIu32, w[k].block, w[k].lane);
		if (w[k].record >= 0)
			m += snprintf(line + m, sizeof(line) - (size_t)m, " record %" PRId64, w[k].record);
		snprintf(line + m, sizeof(line) - (size_t)m, ": %s: ", sc_error_name(w[k].err));
		cr_expect(strstr(out, line) != NULL, "sealctl output lacks \"%s\":\n%s", line, out);
	}
	cr_expect(strstr(out, "FAILED: ") != NULL, "no FAILED summary:\n%s", out);
	free(out);
	free(err);
}

#define EXPECT_SEALCTL(...) do { \
		const struct want w_[] = { __VA_ARGS__ }; \
		expect_sealctl_damaged(w_, sizeof(w_) / sizeof(w_[0])); \
	} while (0)

/* Both at once: the library's issue list and sealctl's report. */
#define EXPECT_DAMAGE(is, ...) do { \
		verify(is); \
		EXPECT_ISSUES(is, __VA_ARGS__); \
		EXPECT_SEALCTL(__VA_ARGS__); \
	} while (0)

static void
fmt_time(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", (long)(ns % 1000000000));
}

/* sealctl verify says OK with these totals (the limit_* tests). */
static void
expect_sealctl_ok(uint64_t records, uint64_t blocks, int64_t last_ns)
{
	char *argv[] = { (char *)SC_SEALCTL, (char *)"verify", store, NULL };
	char *out, *err, want[256], t[64];
	int rc = run(argv, &out, &err);

	cr_expect_eq(rc, 0, "sealctl verify exit %d, want 0:\n%s%s", rc, out, err);
	snprintf(want, sizeof(want), "OK: %" PRIu64 " records ", records);
	cr_expect(strncmp(out, want, strlen(want)) == 0, "want \"%s\", got:\n%s", want, out);
	snprintf(want, sizeof(want), " in %" PRIu64 " blocks,", blocks);
	cr_expect(strstr(out, want) != NULL, "want \"%s\", got:\n%s", want, out);
	fmt_time(last_ns, t, sizeof(t));
	snprintf(want, sizeof(want), " .. %s\n", t);
	cr_expect(strstr(out, want) != NULL, "time range should end at %s:\n%s", t, out);
	snprintf(want, sizeof(want), "\n%" PRIu64 " records in %" PRIu64
		 " blocks sealed but not yet signed\n", records, blocks);
	cr_expect(strstr(out, "signed: no checkpoint\n") != NULL && strstr(out, want) != NULL,
		  "want \"%s\" (nothing of this store is signed):\n%s", want + 1, out);
	cr_expect(strstr(out, "DAMAGED") == NULL, "%s", out);
	free(out);
	free(err);
}

/* ---- stores used below -------------------------------------------------------- */

/* ~100 KB: 3 lanes, 88 blocks, 14 segments of 2-4 blocks and a newest one of 8. */
static const struct build_cfg std_cfg = { .lanes = 3, .blocks = 80, .segment_bytes = 6000,
					  .tail_blocks = 8, .seed = 0x5eed };
/* Tiny: 2 lanes, 9 blocks in 3 segments of about 3.5 KB; every byte is flipped. */
static const struct build_cfg small_cfg = { .lanes = 2, .blocks = 9, .segment_bytes = 4000,
					    .seed = 7 };

static void
build_std(void)
{
	struct issues is;
	uint64_t n = build_store(&std_cfg);

	scan_layout();
	cr_assert_eq(L.records, n);
	cr_assert_eq(L.nblk, std_cfg.blocks + std_cfg.tail_blocks);
	cr_assert(L.seg[L.nseg - 1].n >= std_cfg.tail_blocks);
	/* The pristine store verifies: every issue below comes from the tamper. */
	verify(&is);
	if (is.rc != 0)
		dump_issues(&is);
	cr_assert_eq(is.rc, 0, "pristine store does not verify: %s", is.err);
	cr_assert_eq(is.res.records, n);
	cr_assert_eq(is.res.blocks, L.nblk);
	cr_assert_eq(is.res.segments, L.nseg);
	cr_assert_eq(is.res.lanes, std_cfg.lanes);
}

/* ---- a. every byte is covered by a hash ------------------------------------------ */

/*
 * What a changed byte at @p off of segment @p sg must produce: the segment
 * header fails its magic or hash; a block header its magic, codec or hash
 * (and, not being authentic, names no block); a payload its digest.
 */
static struct want
flip_expect(const struct seg *sg, uint64_t off, uint8_t orig, uint8_t mask)
{
	if (off < SC_SEG_HDR_LEN)
		return off < 12 ? WH(SEG_MAGIC, sg->num, 0) : WH(SEG_HASH, sg->num, 0);
	for (unsigned k = sg->first; k < sg->first + sg->n; k++) {
		const struct blk *b = &L.blk[k];
		uint64_t rel = off - b->off;
		uint8_t v = orig ^ mask;

		if (off < b->off || rel >= b->size)
			continue;
		if (rel < 8)
			return WH(BLK_MAGIC, sg->num, b->off);
		if ((rel == 82 || rel == 83) && v > 1)
			return WH(CODEC, sg->num, b->off);
		if (rel < SC_BLOCK_HDR_LEN)
			return WH(BLK_HASH, sg->num, b->off);
		return WB(PAYLOAD_HASH, b);
	}
	cr_assert_fail("offset %" PRIu64 " outside every block of segment %u", off, sg->num);
	return WH(OK, 0, 0);
}

/*
 * Flip the byte at @p off (xor @p mask), check, put it back.  @return
 * whether verify reported exactly the expected issue.
 */
static bool
flip_one(const struct seg *sg, int fd, uint64_t off, uint8_t mask, bool with_sealctl)
{
	static struct issues is;
	uint8_t orig, v;
	struct want w;
	bool ok;

	cr_assert_eq(pread(fd, &orig, 1, (off_t)off), 1);
	v = orig ^ mask;
	cr_assert_eq(pwrite(fd, &v, 1, (off_t)off), 1);
	w = flip_expect(sg, off, orig, mask);
	verify(&is);
	ok = expect_issues(&is, &w, 1);
	if (!ok)
		fprintf(stderr, "^ segment %u offset %" PRIu64 " xor 0x%02x\n", sg->num, off, mask);
	if (with_sealctl)
		expect_sealctl_damaged(&w, 1);
	cr_assert_eq(pwrite(fd, &orig, 1, (off_t)off), 1);
	return ok;
}

Test(tamper, every_byte_of_a_segment_flipped_is_detected)
{
	struct issues is;
	const struct seg *sg;
	char path[400];
	unsigned missed = 0, lanes = 0;
	uint32_t rnd = 99;
	int fd;

	build_store(&small_cfg);
	scan_layout();
	/* The middle segment: damage there must not spill into the next one. */
	sg = &L.seg[1];
	for (unsigned k = sg->first; k < sg->first + sg->n; k++)
		lanes |= 1u << L.blk[k].h.lane;
	cr_assert(sg->n >= 2 && lanes == 3, "segment 1 should hold blocks of both lanes (%u blocks, lanes 0x%x)",
		  sg->n, lanes);
	seg_path(sg->num, path, sizeof(path));
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	for (uint64_t off = 0; off < sg->size; off++) {
		uint8_t mask = (uint8_t)(xs32(&rnd) % 255 + 1);
		/* sealctl on a sample: every region's first and last byte, and every 101st. */
		bool sc = off == 0 || off == SC_SEG_HDR_LEN - 1 || off % 101 == 0;

		for (unsigned k = sg->first; k < sg->first + sg->n; k++) {
			const struct blk *b = &L.blk[k];

			if (off == b->off || off == b->off + SC_BLOCK_HDR_LEN - 1 ||
			    off == b->off + SC_BLOCK_HDR_LEN || off == b->off + b->size - 1)
				sc = true;
		}
		if (!flip_one(sg, fd, off, mask, sc))
			missed++;
	}
	close(fd);
	cr_expect_eq(missed, 0, "%u of %" PRIu64 " byte flips not reported as expected", missed,
		     sg->size);
	cr_log_info("flipped each of the %" PRIu64 " bytes of segment %u (%u blocks; store: %u segments, %u blocks)",
		    sg->size, sg->num, sg->n, L.nseg, L.nblk);
	/* Every byte was put back: the store is whole again. */
	verify(&is);
	cr_expect_eq(is.rc, 0);
}

Test(tamper, sampled_byte_flips_across_a_larger_store_are_detected)
{
	struct issues is;
	unsigned missed = 0;
	uint32_t rnd = 12345;

	build_std();
	for (unsigned i = 0; i < 600; i++) {
		const struct seg *sg = &L.seg[xs32(&rnd) % L.nseg];
		uint64_t off = xs32(&rnd) % sg->size;
		uint8_t mask = (uint8_t)(1u << (xs32(&rnd) % 8)); /* single bit: bit rot */
		char path[400];
		int fd;

		if (i % 2)
			mask = (uint8_t)(xs32(&rnd) % 255 + 1);
		seg_path(sg->num, path, sizeof(path));
		fd = open(path, O_RDWR);
		cr_assert(fd >= 0);
		if (!flip_one(sg, fd, off, mask, i % 60 == 0))
			missed++;
		close(fd);
	}
	cr_expect_eq(missed, 0, "%u of 600 sampled flips not reported as expected", missed);
	cr_log_info("600 flips over %u segments, %u blocks, %" PRIu64 " records", L.nseg, L.nblk,
		    L.records);
	verify(&is);
	cr_expect_eq(is.rc, 0);
}

/* ---- b. truncation ----------------------------------------------------------------- */

static void
truncate_seg(uint32_t seg, uint64_t len)
{
	char path[400];

	seg_path(seg, path, sizeof(path));
	cr_assert_eq(truncate(path, (off_t)len), 0, "truncate %s: %s", path, strerror(errno));
}

Test(tamper, truncated_inside_a_block_payload)
{
	struct issues is;
	const struct seg *last;
	const struct blk *b;
	uint64_t lost = 0;

	build_std();
	/* The newest segment, cut inside its second block's payload. */
	last = &L.seg[L.nseg - 1];
	cr_assert(last->n >= 3);
	b = &L.blk[last->first + 1];
	for (unsigned k = last->first + 1; k < L.nblk; k++)
		lost += L.blk[k].h.count;
	truncate_seg(last->num, b->off + SC_BLOCK_HDR_LEN + b->h.stored_len / 2);
	/* The header is whole and authentic: the block is named. */
	EXPECT_DAMAGE(&is, WB(BLK_TRUNCATED, b));
	cr_expect_eq(is.res.records, L.records - lost, "records before the cut still count");
}

Test(tamper, truncated_inside_a_block_header)
{
	struct issues is;
	const struct seg *sg, *last;
	const struct blk *b, *lb;

	build_std();
	last = &L.seg[L.nseg - 1];
	lb = &L.blk[last->first + last->n - 1];
	/* 100 of the last block's 320 header bytes remain: it cannot be named. */
	truncate_seg(last->num, lb->off + 100);
	EXPECT_DAMAGE(&is, WH(BLK_TRUNCATED, last->num, lb->off));

	/* A middle segment cut inside a block header: the rest still checks. */
	sg = &L.seg[3];
	b = &L.blk[sg->first + 1];
	truncate_seg(sg->num, b->off + SC_BLOCK_HDR_LEN - 1);
	EXPECT_DAMAGE(&is, WH(BLK_TRUNCATED, sg->num, b->off),
		      WH(BLK_TRUNCATED, last->num, lb->off));
}

Test(tamper, truncated_inside_the_segment_header)
{
	struct issues is;

	build_std();
	truncate_seg(2, 64);
	EXPECT_DAMAGE(&is, WH(SEG_EMPTY, 2, 0));
	truncate_seg(5, 0);
	EXPECT_DAMAGE(&is, WH(SEG_EMPTY, 2, 0), WH(SEG_EMPTY, 5, 0));
}

Test(tamper, garbage_appended_to_the_newest_segment)
{
	struct issues is;
	const struct seg *sg;
	char path[400];
	uint8_t junk[400];
	int fd;

	build_std();
	sg = &L.seg[L.nseg - 1];
	seg_path(sg->num, path, sizeof(path));
	memset(junk, 0, sizeof(junk));
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	/* Shorter than a block header: a cut-off block. */
	cr_assert_eq(write(fd, junk, 100), 100);
	EXPECT_DAMAGE(&is, WH(BLK_TRUNCATED, sg->num, sg->size));
	/* Longer: no block header there. */
	cr_assert_eq(write(fd, junk, 300), 300);
	close(fd);
	EXPECT_DAMAGE(&is, WH(BLK_MAGIC, sg->num, sg->size));
}

/* ---- c. deleted, duplicated, reordered blocks -------------------------------------- */

/* Replace bytes [a, a+dlen) of segment @p seg with @p ins (ilen bytes). */
static void
splice_seg(uint32_t seg, uint64_t a, uint64_t dlen, const uint8_t *ins, size_t ilen)
{
	char path[400];
	size_t len;
	uint8_t *p, *q;

	seg_path(seg, path, sizeof(path));
	p = slurp(path, &len);
	cr_assert(a + dlen <= len);
	q = malloc(len - dlen + ilen);
	cr_assert(q != NULL);
	memcpy(q, p, a);
	if (ilen)
		memcpy(q + a, ins, ilen);
	memcpy(q + a + ilen, p + a + dlen, len - a - dlen);
	spit(path, q, len - dlen + ilen);
	free(p);
	free(q);
}

static uint8_t *
block_bytes(const struct blk *b)
{
	char path[400];
	size_t len;
	uint8_t *p, *q;

	seg_path(b->seg, path, sizeof(path));
	p = slurp(path, &len);
	q = malloc(b->size);
	cr_assert(q != NULL);
	memcpy(q, p + b->off, b->size);
	free(p);
	return q;
}

/*
 * First block index i for which @p pred holds for the pair (i, i+1), both in
 * the middle of one segment (blocks i-1 and i+2 there too) and of their
 * lanes.
 */
static unsigned
find_pair(bool (*pred)(const struct blk *, const struct blk *))
{
	for (unsigned i = 1; i + 2 < L.nblk; i++)
		if (L.blk[i - 1].seg == L.blk[i].seg && L.blk[i + 2].seg == L.blk[i].seg &&
		    L.blk[i].h.block_seq > 0 && next_in_lane(i + 1) != NULL &&
		    pred(&L.blk[i], &L.blk[i + 1]))
			return i;
	cr_assert_fail("no suitable pair of blocks in this store");
	return 0;
}

static bool same_lane(const struct blk *a, const struct blk *b) { return a->h.lane == b->h.lane; }
static bool other_lane(const struct blk *a, const struct blk *b) { return a->h.lane != b->h.lane; }

Test(tamper, block_deleted_next_block_same_lane)
{
	struct issues is;
	unsigned i;
	const struct blk *b, *n;

	build_std();
	i = find_pair(same_lane);
	b = &L.blk[i];
	n = &L.blk[i + 1];
	splice_seg(b->seg, b->off, b->size, NULL, 0);
	/* The follower now sits where the deleted block was. */
	EXPECT_DAMAGE(&is, W(LOG_INDEX, b->seg, b->off, (int64_t)n->h.log_index, n->h.lane),
		      W(LANE_SEQ, b->seg, b->off, (int64_t)n->h.log_index, n->h.lane));
	cr_expect_eq(is.res.records, L.records - b->h.count);
}

Test(tamper, block_deleted_next_block_other_lane)
{
	struct issues is;
	unsigned i;
	const struct blk *b, *n, *m;

	build_std();
	i = find_pair(other_lane);
	b = &L.blk[i];
	n = &L.blk[i + 1];
	m = next_in_lane(i);
	cr_assert(m != NULL);
	splice_seg(b->seg, b->off, b->size, NULL, 0);
	/* The log index gap shows at once, the lane gap at the lane's next block
	 * (which moved up by the deleted block's size if it shares the segment). */
	EXPECT_DAMAGE(&is, W(LOG_INDEX, b->seg, b->off, (int64_t)n->h.log_index, n->h.lane),
		      W(LANE_SEQ, m->seg, m->seg == b->seg ? m->off - b->size : m->off,
			(int64_t)m->h.log_index, m->h.lane));
}

Test(tamper, block_duplicated)
{
	struct issues is;
	unsigned i;
	const struct blk *b;
	uint8_t *copy;

	build_std();
	i = find_pair(other_lane);
	b = &L.blk[i];
	copy = block_bytes(b);
	splice_seg(b->seg, b->off + b->size, 0, copy, b->size);
	free(copy);
	/* The copy is found right after the original; what follows is fine. */
	EXPECT_DAMAGE(&is, W(LOG_INDEX, b->seg, b->off + b->size, (int64_t)b->h.log_index, b->h.lane),
		      W(LANE_SEQ, b->seg, b->off + b->size, (int64_t)b->h.log_index, b->h.lane));
}

/* Swap blocks i and i+1 (adjacent, one segment). */
static void
swap_pair(unsigned i)
{
	const struct blk *a = &L.blk[i], *b = &L.blk[i + 1];
	uint8_t *ab = block_bytes(a), *bb = block_bytes(b), *both;

	both = malloc(a->size + b->size);
	cr_assert(both != NULL);
	memcpy(both, bb, b->size);
	memcpy(both + b->size, ab, a->size);
	splice_seg(a->seg, a->off, a->size + b->size, both, a->size + b->size);
	free(ab);
	free(bb);
	free(both);
}

Test(tamper, blocks_of_one_lane_reordered)
{
	struct issues is;
	unsigned i;
	const struct blk *a, *b, *c, *m;

	build_std();
	i = find_pair(same_lane);
	a = &L.blk[i];
	b = &L.blk[i + 1];
	c = &L.blk[i + 2];
	m = next_in_lane(i + 1);
	cr_assert(c->seg == a->seg && c->h.lane != a->h.lane,
		  "the block after the pair should be of another lane in the same segment");
	swap_pair(i);
	/*
	 * Found: b (expected a), then a (expected after b), then c, whose log
	 * index follows a's; the lane then resumes from a, so its next block
	 * (b's successor) is out of sequence too.
	 */
	EXPECT_DAMAGE(&is,
		      W(LOG_INDEX, a->seg, a->off, (int64_t)b->h.log_index, b->h.lane),
		      W(LANE_SEQ, a->seg, a->off, (int64_t)b->h.log_index, b->h.lane),
		      W(LOG_INDEX, a->seg, a->off + b->size, (int64_t)a->h.log_index, a->h.lane),
		      W(LANE_SEQ, a->seg, a->off + b->size, (int64_t)a->h.log_index, a->h.lane),
		      W(LOG_INDEX, c->seg, c->off, (int64_t)c->h.log_index, c->h.lane),
		      WB(LANE_SEQ, m));
}

Test(tamper, blocks_of_two_lanes_reordered)
{
	struct issues is;
	unsigned i;
	const struct blk *a, *b, *c;

	build_std();
	i = find_pair(other_lane);
	a = &L.blk[i];
	b = &L.blk[i + 1];
	c = &L.blk[i + 2];
	cr_assert(c->seg == a->seg);
	swap_pair(i);
	/* Each lane's chain is intact: only the store's log order shows it. */
	EXPECT_DAMAGE(&is,
		      W(LOG_INDEX, a->seg, a->off, (int64_t)b->h.log_index, b->h.lane),
		      W(LOG_INDEX, a->seg, a->off + b->size, (int64_t)a->h.log_index, a->h.lane),
		      W(LOG_INDEX, c->seg, c->off, (int64_t)c->h.log_index, c->h.lane));
}

Test(tamper, block_moved_to_another_segment)
{
	struct issues is;
	const struct seg *sg;
	const struct blk *b;
	uint8_t *copy;

	build_std();
	/* The first block of segment 4 cut out and appended to segment 3. */
	sg = &L.seg[4];
	b = &L.blk[sg->first];
	copy = block_bytes(b);
	splice_seg(sg->num, b->off, b->size, NULL, 0);
	splice_seg(3, L.seg[3].size, 0, copy, b->size);
	free(copy);
	/* Its header is intact, so it is named; segment 4 then resumes anew. */
	EXPECT_DAMAGE(&is, W(BLK_SEGMENT, 3, L.seg[3].size, (int64_t)b->h.log_index, b->h.lane));
}

/* ---- d. segment files ------------------------------------------------------------------ */

Test(tamper, segment_files_swapped)
{
	struct issues is;
	char a[400], b[400], t[400];

	build_std();
	seg_path(4, a, sizeof(a));
	seg_path(5, b, sizeof(b));
	snprintf(t, sizeof(t), "%s/segments/swap", store);
	cr_assert_eq(rename(a, t), 0);
	cr_assert_eq(rename(b, a), 0);
	cr_assert_eq(rename(t, b), 0);
	EXPECT_DAMAGE(&is, WH(SEG_NUMBER, 4, 0), WH(SEG_NUMBER, 5, 0));
}

/*
 * What deleting segment file @p k must produce: at the next segment, the log
 * index gap, and each lane that lost blocks breaks at its next block.
 * @return number of issues put in @p w.
 */
static unsigned
expect_segment_gone(unsigned k, struct want *w, unsigned n)
{
	const struct seg *gone = &L.seg[k], *after = &L.seg[k + 1];
	bool lane_hit[4] = { false };

	w[n++] = WB(LOG_INDEX, &L.blk[after->first]);
	for (unsigned i = gone->first; i < gone->first + gone->n; i++)
		lane_hit[L.blk[i].h.lane] = true;
	for (unsigned i = after->first; i < L.nblk; i++)
		if (lane_hit[L.blk[i].h.lane]) {
			lane_hit[L.blk[i].h.lane] = false;
			w[n++] = WB(LANE_SEQ, &L.blk[i]);
		}
	return n;
}

static void
unlink_seg(uint32_t n)
{
	char path[400];

	seg_path(n, path, sizeof(path));
	cr_assert_eq(unlink(path), 0, "%s: %s", path, strerror(errno));
}

Test(tamper, middle_segment_file_deleted)
{
	struct issues is;
	struct want w[16];
	unsigned n = 0;

	build_std();
	unlink_seg(6);
	/* Reported as missing at the next segment file, from the file names ... */
	w[n++] = WH(SEG_NUMBER, 7, 0);
	/* ... then where its blocks are missed. */
	n = expect_segment_gone(6, w, n);
	verify(&is);
	cr_expect(expect_issues(&is, w, n));
	cr_expect(strstr(is.v[0].detail, "segment 00000007 follows 00000005: segment files missing") != NULL,
		  "%s", is.v[0].detail);
	expect_sealctl_damaged(w, n);
}

Test(tamper, first_segment_file_deleted)
{
	struct issues is;
	struct want w[16];
	unsigned n;

	build_std();
	unlink_seg(0);
	/*
	 * No number before it to miss it by, and since retention (format 3)
	 * a store may legitimately begin later: but only with a retention
	 * event that says so.  This one has none.
	 */
	n = 0;
	w[n++] = WH(PRUNED, 1, 0);
	verify(&is);
	cr_expect(strstr(is.v[0].detail, "no retention event records their removal") != NULL, "%s",
		  is.v[0].detail);
	cr_expect(expect_issues(&is, w, n));
	expect_sealctl_damaged(w, n);
}

/* ---- e. store.json ------------------------------------------------------------------- */

static void
expect_store_id_everywhere(void)
{
	struct issues is;
	struct want w[256];

	for (unsigned k = 0; k < L.nseg; k++)
		w[k] = WH(STORE_ID, L.seg[k].num, 0);
	verify(&is);
	cr_expect(expect_issues(&is, w, L.nseg));
	cr_expect_eq(is.res.records, 0);
	expect_sealctl_damaged(w, L.nseg);
}

Test(tamper, store_json_origin_edited)
{
	char path[400];
	size_t len;
	uint8_t *p;
	char *o;

	build_std();
	snprintf(path, sizeof(path), "%s/store.json", store);
	p = slurp(path, &len);
	p[len] = '\0';
	o = strstr((char *)p, "sealcap/tamper-test");
	cr_assert(o != NULL);
	o[8] = 'T'; /* sealcap/Tamper-test: still a well-formed store.json */
	spit(path, p, len);
	free(p);
	expect_store_id_everywhere();
}

Test(tamper, store_json_whitespace_edited)
{
	char path[400];
	size_t len;
	uint8_t *p;

	build_std();
	snprintf(path, sizeof(path), "%s/store.json", store);
	p = slurp(path, &len);
	p[len] = '\n'; /* one more newline at the end */
	spit(path, p, len + 1);
	free(p);
	expect_store_id_everywhere();
}

Test(tamper, store_json_removed)
{
	struct issues is;
	char path[400], *argv[] = { (char *)SC_SEALCTL, (char *)"verify", store, NULL };
	char *out, *err;

	build_std();
	snprintf(path, sizeof(path), "%s/store.json", store);
	cr_assert_eq(unlink(path), 0);
	verify(&is);
	cr_expect(is.rc < 0, "rc %d", is.rc);
	cr_expect(strstr(is.err, "store.json") != NULL, "%s", is.err);
	cr_expect_eq(run(argv, &out, &err), 2);
	cr_expect(strstr(err, "store.json") != NULL, "%s", err);
	free(out);
	free(err);
}

/* ---- f. an attacker who rehashes one block -------------------------------------------- */

static void
put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

enum forge { FORGE_TEXT, FORGE_TIME };

/*
 * Rewrite block @p b as an attacker holding the library would: change one
 * record (its text, or its receive time to outside the block's range),
 * optionally recompute the record Merkle root, then the payload digest and
 * the block hash, and write it back (stored raw, codec 0).  Only the lane
 * chain, which the next block of the lane holds, still remembers the
 * original.  @return the forged message text (static).
 */
static const char *
forge_block(const struct blk *b, uint32_t rec, enum forge what, bool fix_root)
{
	static char text[512];
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h = b->h;
	uint8_t *orig = block_bytes(b), *payload, *nb, (*leaves)[SC_HASH_LEN];
	size_t off = 0;

	cr_assert(hs != NULL && rec < h.count);
	payload = malloc(h.payload_len);
	leaves = malloc(h.count * SC_HASH_LEN);
	cr_assert(payload != NULL && leaves != NULL);
	cr_assert_eq(sc_block_open(hs, &h, orig + SC_BLOCK_HDR_LEN, payload, h.payload_len),
		     SC_E_OK);
	for (uint32_t i = 0; i < h.count; i++) {
		struct sc_record r;
		size_t n = sc_record_decode(payload + off, h.payload_len - off, &r);

		cr_assert(n > 0);
		if (i == rec) {
			uint8_t *raw = payload + off + SC_REC_HDR_LEN;
			uint8_t *s = memmem(raw, r.raw_len, "patient=", 8);

			if (what == FORGE_TEXT) {
				/* Another patient's record was viewed. */
				cr_assert(s != NULL);
				s[8] = s[8] == '9' ? '1' : (uint8_t)(s[8] + 1);
			} else {
				put_le64(payload + off + 24, (uint64_t)(h.last_ns + 1000000000));
			}
			snprintf(text, sizeof(text), "%.*s", (int)r.raw_len, (const char *)raw);
		}
		sc_hash_leaf(hs, payload + off, n, leaves[i]);
		off += n;
	}
	if (fix_root)
		sc_merkle_root(hs, leaves, h.count, h.root);
	h.codec = SC_CODEC_NONE;
	h.stored_len = h.payload_len;
	sc_sha256(hs, payload, h.payload_len, NULL, 0, h.payload_hash);
	nb = malloc(SC_BLOCK_HDR_LEN + h.payload_len);
	cr_assert(nb != NULL);
	sc_block_hdr_encode(&h, nb);
	sc_block_hash(hs, nb, h.block_hash);
	sc_block_hdr_encode(&h, nb);
	memcpy(nb + SC_BLOCK_HDR_LEN, payload, h.payload_len);
	splice_seg(b->seg, b->off, b->size, nb, SC_BLOCK_HDR_LEN + h.payload_len);
	free(nb);
	free(orig);
	free(payload);
	free(leaves);
	sc_hasher_free(hs);
	return text;
}

/* Where block @p m sits once block @p b (before it) was rewritten raw. */
static uint64_t
off_after_forge(const struct blk *b, const struct blk *m)
{
	if (m->seg != b->seg)
		return m->off;
	return m->off - b->size + SC_BLOCK_HDR_LEN + b->h.payload_len;
}

Test(tamper, rehashed_block_caught_by_the_lane_chain)
{
	struct issues is;
	const struct blk *b, *m;

	build_std();
	/* A block in the middle of the store and of its lane. */
	b = &L.blk[L.nblk / 2];
	m = next_in_lane(L.nblk / 2);
	cr_assert(m != NULL);
	forge_block(b, 2, FORGE_TEXT, true);
	/*
	 * The forged block itself is consistent; its leaf in the log tree and
	 * its successor in the lane are not.
	 */
	EXPECT_DAMAGE(&is, WL(LEAF, b),
		      W(CHAIN, m->seg, off_after_forge(b, m), (int64_t)m->h.log_index, m->h.lane));
}

Test(tamper, rehashed_block_with_record_time_moved_names_the_record)
{
	struct issues is;
	const struct blk *b, *m;

	build_std();
	b = &L.blk[20];
	m = next_in_lane(20);
	cr_assert(m != NULL && b->h.count > 3);
	forge_block(b, 3, FORGE_TIME, false);
	/* Receive times are checked record by record, before the root. */
	EXPECT_DAMAGE(&is, WL(LEAF, b), ((struct want){ SC_E_RECORD_TIME, b->seg, b->off,
					   (int64_t)b->h.log_index, b->h.lane, 3, SC_VF_SEGMENT }),
		      W(CHAIN, m->seg, off_after_forge(b, m), (int64_t)m->h.log_index, m->h.lane));
}

Test(tamper, rehashed_block_with_root_left_alone)
{
	struct issues is;
	const struct blk *b, *m;

	build_std();
	b = &L.blk[30];
	m = next_in_lane(30);
	cr_assert(m != NULL);
	forge_block(b, 0, FORGE_TEXT, false);
	EXPECT_DAMAGE(&is, WL(LEAF, b), WB(RECORD_ROOT, b),
		      W(CHAIN, m->seg, off_after_forge(b, m), (int64_t)m->h.log_index, m->h.lane));
}

/*
 * A header rehashed to claim a payload no codec can produce from its stored
 * bytes (4 GiB from a few KiB): verify names the block and goes on, and never
 * allocates the claimed size; the check runs in a child limited to 512 MiB
 * of address space (not under ASan, whose shadow memory needs far more).
 */
Test(tamper, rehashed_header_claims_a_4gib_payload)
{
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct issues is;
	const struct blk *b, *m;
	uint8_t hdr[SC_BLOCK_HDR_LEN];
	char path[400];
	int fd;

	build_std();
	b = &L.blk[L.nblk / 3];
	m = next_in_lane(L.nblk / 3);
	cr_assert(hs != NULL && m != NULL);
	h = b->h;
	h.payload_len = 0xfffffff0u;
	sc_block_hdr_encode(&h, hdr);
	sc_block_hash(hs, hdr, h.block_hash);
	sc_block_hdr_encode(&h, hdr);
	sc_hasher_free(hs);
	seg_path(b->seg, path, sizeof(path));
	fd = open(path, O_WRONLY);
	cr_assert(fd >= 0 && pwrite(fd, hdr, sizeof(hdr), (off_t)b->off) == (ssize_t)sizeof(hdr));
	close(fd);
	EXPECT_DAMAGE(&is, WL(LEAF, b), WB(PAYLOAD_LEN, b),
		      W(CHAIN, m->seg, m->off, (int64_t)m->h.log_index, m->h.lane));
#ifndef __SANITIZE_ADDRESS__
	{
		pid_t pid = fork();
		int st;

		cr_assert(pid >= 0);
		if (pid == 0) {
			struct rlimit rl = { 512u << 20, 512u << 20 };
			struct sc_verify_result res;
			char err[256];

			setrlimit(RLIMIT_AS, &rl);
			_exit(sc_verify(store, &res, NULL, NULL, err, sizeof(err)) == 1 ? 0 : 1);
		}
		cr_assert(waitpid(pid, &st, 0) == pid);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			  "verify under a 512 MiB address space limit did not report damage");
	}
#endif
}

/* Does any record of the store contain @p text? (reads the public way) */
static int
has_text(const struct sc_record *r, uint32_t i, void *arg)
{
	(void)i;
	return r->raw_len == strlen(arg) && memcmp(r->raw, arg, r->raw_len) == 0;
}

static bool
store_has_record(const char *text)
{
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	bool found = false;

	cr_assert(r != NULL && hs != NULL);
	while (!found && sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		uint8_t *p = malloc(h.payload_len);

		cr_assert(p != NULL);
		if (sc_block_open(hs, &h, stored, p, h.payload_len) == SC_E_OK)
			found = sc_block_foreach(p, h.payload_len, has_text, (void *)(uintptr_t)text) == 1;
		free(p);
	}
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return found;
}

/*
 * Nothing chains to the newest block of a lane, so the lane chain cannot see
 * it rewritten and rehashed: the lane of the store's last block, and just as
 * much a lane idle since (its last block may sit anywhere in the store).
 * Its leaf in the log tree still holds the original hash.
 */
Test(tamper, rehashed_last_block_of_a_lane_caught_by_its_leaf)
{
	struct issues is;
	const struct blk *tail, *idle = NULL;
	const char *forged;

	build_std();
	tail = &L.blk[L.nblk - 1];
	for (uint32_t l = 0; l < std_cfg.lanes; l++) {
		const struct blk *b = last_of_lane(l);

		if (b != tail && (idle == NULL || b->h.log_index < idle->h.log_index))
			idle = b;
	}
	cr_assert(idle != NULL);
	forged = forge_block(idle, 1, FORGE_TEXT, true);
	cr_assert(store_has_record(forged), "the forgery should be in the store");
	EXPECT_DAMAGE(&is, WL(LEAF, idle));

	/* The very last block of the store: the same. */
	scan_layout();
	tail = &L.blk[L.nblk - 1];
	idle = &L.blk[idle->h.log_index];
	forged = forge_block(tail, 0, FORGE_TEXT, true);
	cr_assert(store_has_record(forged));
	EXPECT_DAMAGE(&is, WL(LEAF, idle), WL(LEAF, tail));
}

/* Write STORE/leaves again from the blocks as they are now (an attacker's move). */
static void
rewrite_leaves(void)
{
	char path[400];
	uint8_t *p = malloc((size_t)L.nblk * SC_HASH_LEN + 1);

	cr_assert(p != NULL);
	for (unsigned i = 0; i < L.nblk; i++)
		memcpy(p + (size_t)i * SC_HASH_LEN, L.blk[i].h.block_hash, SC_HASH_LEN);
	snprintf(path, sizeof(path), "%s/leaves", store);
	spit(path, p, (size_t)L.nblk * SC_HASH_LEN);
	free(p);
}

/*
 * THE DOCUMENTED LIMIT of an unsigned store: whoever rewrites the last block
 * of a lane and the leaves file with it leaves a consistent store.  Only a
 * checkpoint signed before the rewrite catches it (checkpoint part below).
 */
Test(tamper, limit_rehashed_lane_head_with_leaves_rewritten_unsigned)
{
	struct issues is;
	const struct blk *tail;
	const char *forged;

	build_std();
	tail = &L.blk[L.nblk - 1];
	forged = forge_block(tail, 0, FORGE_TEXT, true);
	scan_layout();
	rewrite_leaves();
	cr_assert(store_has_record(forged));
	verify(&is);
	if (is.rc != 0)
		dump_issues(&is);
	cr_expect_eq(is.rc, 0, "verify now catches this without a checkpoint: turn this test around");
	cr_expect_eq(is.res.unsigned_blocks, L.nblk, "every block is reported as not yet signed");
	expect_sealctl_ok(L.records, L.nblk, L.blk[L.nblk - 1].h.last_ns);
}

/*
 * THE DOCUMENTED LIMIT: the segment header's hash covers only the header
 * itself, and nothing else refers to its creation time (the log tree's
 * leaves are block headers, not segment headers), so a header rewritten
 * with a new time and a recomputed hash verifies.  (Its number, first log
 * index and store identity are cross-checked against the file name, the
 * blocks and store.json.)  The time is informational: every record's
 * receive time sits in a block header, which the tree covers.
 */
Test(tamper, limit_rehashed_segment_header_time_not_detected)
{
	struct issues is;
	struct sc_hasher *hs = sc_hasher_new();
	char path[400];
	size_t len;
	uint8_t *p;

	build_std();
	seg_path(3, path, sizeof(path));
	p = slurp(path, &len);
	put_le64(p + 16, (uint64_t)T0_NS - 86400000000000LL); /* a day earlier */
	sc_sha256(hs, p, 96, NULL, 0, p + 96);
	spit(path, p, len);
	free(p);
	sc_hasher_free(hs);
	verify(&is);
	if (is.rc != 0)
		dump_issues(&is);
	cr_expect_eq(is.rc, 0, "verify now catches a rehashed segment header: turn this test around");
	expect_sealctl_ok(L.records, L.nblk, L.blk[L.nblk - 1].h.last_ns);
}

/* ---- g. blocks removed from the end ------------------------------------------------------ */

/*
 * Whole blocks cut from the very end of the newest segment leave the lane
 * chains and the log index intact, but the log tree still lists them.
 */
Test(tamper, tail_blocks_removed_caught_by_the_leaves)
{
	struct issues is;
	const struct seg *sg;
	const struct blk *keep;
	uint64_t lost = 0;

	build_std();
	sg = &L.seg[L.nseg - 1];
	cr_assert(sg->n >= 3);
	for (unsigned k = sg->first + sg->n - 2; k < L.nblk; k++)
		lost += L.blk[k].h.count;
	keep = &L.blk[sg->first + sg->n - 3];
	truncate_seg(sg->num, keep->off + keep->size);
	EXPECT_DAMAGE(&is, WFB(BLOCK_MISSING, LEAVES, (L.nblk - 2) * SC_HASH_LEN, L.nblk - 2));
	cr_expect_eq(is.res.records, L.records - lost);
	cr_expect_eq(is.res.blocks, L.nblk - 2);
	cr_expect(strstr(is.v[0].detail, "(2) are in the log tree but in no segment") != NULL,
		  "%s", is.v[0].detail);
}

/* The same, a whole newest segment file at a time. */
Test(tamper, newest_segment_deleted_caught_by_the_leaves)
{
	struct issues is;
	const struct seg *sg;

	build_std();
	sg = &L.seg[L.nseg - 1];
	unlink_seg(sg->num);
	EXPECT_DAMAGE(&is, WFB(BLOCK_MISSING, LEAVES, sg->first * SC_HASH_LEN, sg->first));
}

static void
truncate_leaves(uint64_t n)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/leaves", store);
	cr_assert_eq(truncate(path, (off_t)(n * SC_HASH_LEN)), 0);
}

/*
 * THE DOCUMENTED LIMIT of an unsigned store: blocks cut from the end
 * together with their leaves leave an intact, shorter store.  Verify says
 * OK and how much of it no checkpoint covers; a checkpoint signed before
 * the cut catches it (checkpoint part below).
 */
Test(tamper, limit_tail_cut_with_its_leaves_unsigned)
{
	struct issues is;
	const struct seg *sg;
	uint64_t lost = 0;
	int64_t last = 0;

	build_std();
	sg = &L.seg[L.nseg - 1];
	for (unsigned k = sg->first; k < L.nblk; k++)
		lost += L.blk[k].h.count;
	for (unsigned k = 0; k < sg->first; k++)
		if (L.blk[k].h.last_ns > last)
			last = L.blk[k].h.last_ns;
	unlink_seg(sg->num);
	truncate_leaves(sg->first);
	verify(&is);
	if (is.rc != 0)
		dump_issues(&is);
	cr_expect_eq(is.rc, 0, "verify now catches an unsigned cut tail: turn this test around");
	cr_expect_eq(is.res.records, L.records - lost);
	cr_expect_eq(is.res.unsigned_blocks, sg->first);
	expect_sealctl_ok(L.records - lost, sg->first, last);
}

/* A damaged leaves file: a flipped byte, and a torn last leaf. */
Test(tamper, leaves_file_damaged)
{
	struct issues is;
	char path[400];
	int fd;
	uint8_t c;

	build_std();
	snprintf(path, sizeof(path), "%s/leaves", store);
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, &c, 1, 7 * SC_HASH_LEN + 5), 1);
	c ^= 0x40;
	cr_assert_eq(pwrite(fd, &c, 1, 7 * SC_HASH_LEN + 5), 1);
	close(fd);
	EXPECT_DAMAGE(&is, WL(LEAF, &L.blk[7]));
	truncate_leaves(L.nblk);
	cr_assert_eq(truncate(path, (off_t)(L.nblk * SC_HASH_LEN - 3)), 0);
	/* The last leaf is torn: the block it belonged to extends the tree again. */
	EXPECT_DAMAGE(&is, WF(LEAVES_PARTIAL, LEAVES, (L.nblk - 1) * SC_HASH_LEN),
		      WL(LEAF, &L.blk[7]));
	cr_assert_eq(unlink(path), 0);
	EXPECT_DAMAGE(&is, WF(LEAVES_MISSING, LEAVES, 0));
}

/* ---- h. signed stores: what checkpoints catch ------------------------------------------ */

/* ~100 KB as std, a checkpoint every 10 blocks, at the restart and at the end. */
static const struct build_cfg signed_cfg = { .lanes = 3, .blocks = 80, .segment_bytes = 6000,
					     .tail_blocks = 8, .seed = 0x5eed, .ckpt_every = 10 };

/* The notes of STORE/checkpoints: offset, size, text. */
struct notes {
	unsigned n;
	uint64_t off[64], size[64];
	char *text[64];
};

static void
read_notes(struct notes *nt)
{
	char *buf;
	size_t len, off = 0, a, b, next;

	memset(nt, 0, sizeof(*nt));
	cr_assert_eq(sc_store_checkpoints_load(store, &buf, &len), 0);
	while (nt->n < 64 && sc_checkpoints_next(buf, len, off, &a, &b, &next) == 1) {
		struct sc_checkpoint c;
		struct sc_note n;

		cr_assert_neq(sc_note_open(buf + a, b - a, NULL, NULL, &n), SC_NOTE_MALFORMED);
		cr_assert_eq(sc_checkpoint_parse(buf + a, n.text_len, &c), 0);
		nt->off[nt->n] = a;
		nt->size[nt->n] = c.size;
		nt->text[nt->n] = strndup(buf + a, b - a);
		nt->n++;
		off = next;
	}
	free(buf);
}

static void
free_notes(struct notes *nt)
{
	for (unsigned i = 0; i < nt->n; i++)
		free(nt->text[i]);
}

/* Keep only the first @p k notes of STORE/checkpoints. */
static void
keep_notes(const struct notes *nt, unsigned k)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/checkpoints", store);
	cr_assert_eq(truncate(path, k < nt->n ? (off_t)nt->off[k] : (off_t)1 << 40), 0);
}

static void
verify_pinned(struct issues *is, const char *pub)
{
	struct sc_verify_opts vo;
	char err[512];

	vo.trust = sc_trust_new();
	cr_assert_not_null(vo.trust);
	cr_assert_eq(sc_trust_add_pubkey(vo.trust, pub, err, sizeof(err)), 0, "%s", err);
	memset(is, 0, sizeof(*is));
	is->rc = sc_verify_ex(store, &vo, &is->res, collect, is, is->err, sizeof(is->err));
	sc_trust_free(vo.trust);
}

/* sealctl consistency STORE --old NOTE --pubkey PUB: exit @p want and a line. */
static void
expect_consistency_pub(const char *note, const char *pub, int want, const char *needle)
{
	char path[400], *out, *err;
	char *argv[] = { (char *)SC_SEALCTL, (char *)"consistency", store, (char *)"--old", path,
			 (char *)"--pubkey", (char *)(uintptr_t)pub, NULL };
	int rc;

	snprintf(path, sizeof(path), "%s/auditor.ckpt", tmp);
	spit(path, (const uint8_t *)note, strlen(note));
	rc = run(argv, &out, &err);
	cr_expect_eq(rc, want, "sealctl consistency exit %d, want %d:\n%s%s", rc, want, out, err);
	cr_expect(strstr(out, needle) != NULL, "want \"%s\":\n%s%s", needle, out, err);
	free(out);
	free(err);
}

/* The same, pinned to the master. */
static void
expect_consistency(const char *note, int want, const char *needle)
{
	expect_consistency_pub(note, mpub, want, needle);
}

static void
build_signed(const struct build_cfg *cfg, struct notes *nt)
{
	struct issues is;
	uint64_t n = build_store(cfg);

	scan_layout();
	cr_assert_eq(L.records, n);
	verify_pinned(&is, mpub);
	if (is.rc != 0)
		dump_issues(&is);
	cr_assert_eq(is.rc, 0, "pristine signed store does not verify: %s", is.err);
	cr_assert_eq(is.res.signed_size, L.nblk);
	cr_assert_eq(is.res.unsigned_blocks, 0);
	read_notes(nt);
	cr_assert_eq(nt->size[nt->n - 1], L.nblk);
}

Test(tamper, signed_store_verifies_and_an_edited_checkpoint_does_not)
{
	struct issues is;
	struct notes nt;
	char path[400];
	size_t len;
	uint8_t *p;

	build_signed(&signed_cfg, &nt);
	cr_assert_geq(nt.n, 9);
	snprintf(path, sizeof(path), "%s/checkpoints", store);
	/* Its size: 20 -> 21 blocks.  Its root: one base64 digit.  Its signature: one digit. */
	p = slurp(path, &len);
	cr_assert(memcmp(p + nt.off[1] + strlen("sealcap/tamper-test\n"), "20\n", 3) == 0);
	p[nt.off[1] + strlen("sealcap/tamper-test\n") + 1] = '1';
	{
		/* Another base64 digit, never an invalid one. */
		uint8_t *c = &p[nt.off[3] + strlen("sealcap/tamper-test\n40\n") + 5];

		*c = *c == 'A' ? 'B' : 'A';
	}
	p[nt.off[5] + strlen(nt.text[5]) - 10] = p[nt.off[5] + strlen(nt.text[5]) - 10] == 'A' ? 'B' : 'A';
	spit(path, p, len);
	free(p);
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WF(CKPT_SIGNATURE, CHECKPOINTS, nt.off[1]),
		      WF(CKPT_SIGNATURE, CHECKPOINTS, nt.off[3]),
		      WF(CKPT_SIGNATURE, CHECKPOINTS, nt.off[5]));
	free_notes(&nt);
}

/*
 * An attacker with the library and a key of their own re-seals the store:
 * rewrites a block and everything after it, the leaves, and signs new
 * checkpoints with their key, which they also put in keys/.  The store
 * then vouches for itself; the pinned master does not.
 */
Test(tamper, store_resealed_with_another_key)
{
	struct issues is;
	struct notes nt;
	char path[440], mine[400], err[512], vkey[SC_VKEY_MAX];
	struct sc_sign_key *k2;
	struct sc_store *s;
	struct sc_store_opts o = { .dir = store, .fsync = SC_FSYNC_NONE };
	const struct blk *tail;
	const char *forged;

	build_signed(&signed_cfg, &nt);
	tail = &L.blk[L.nblk - 1];
	forged = forge_block(tail, 0, FORGE_TEXT, true);
	scan_layout();
	rewrite_leaves();
	{
		struct sc_keygen_opts ko = { .origin = "sealcap/tamper-test", .epochs = 4,
					     .epoch_seconds = 86400 };

		snprintf(mine, sizeof(mine), "%s/attacker", tmp);
		ko.dir = mine;
		cr_assert_eq(sc_keygen(&ko, vkey, err, sizeof(err)), 0, "%s", err);
		snprintf(path, sizeof(path), "%s/sign.key", mine);
		k2 = sc_sign_key_open(path, err, sizeof(err));
		cr_assert_not_null(k2);
	}
	snprintf(path, sizeof(path), "%s/checkpoints", store);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/keys/epochs-tamper.pub", store);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	{
		size_t len;
		const char *cert = sc_sign_key_cert_text(k2, &len);

		cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(k2), err, sizeof(err)), 1);
		cr_assert_eq(sc_store_put_key(s, "epochs-attacker.pub", cert, len), 0);
	}
	sc_store_close(s);
	sc_sign_key_close(k2);
	cr_assert(store_has_record(forged));

	/* Unpinned, the store's own keys vouch for it: the documented reason to pin. */
	verify(&is);
	cr_expect_eq(is.rc, 0, "unpinned verify trusts keys/");
	cr_expect(!is.res.keys_pinned);
	/* Pinned to the real master: the foreign certificate and every checkpoint fail. */
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WF(KEYS, KEYS, 0), WF(CKPT_KEY, CHECKPOINTS, 0),
		      WF(CKPT_MISSING, CHECKPOINTS, 0));
	/*
	 * The auditor's checkpoint from before: with only the master pinned,
	 * its epoch key is unknown (the store's certificate is gone); with the
	 * epoch certificate, the re-signed store holds nothing to extend it.
	 */
	expect_consistency(nt.text[nt.n - 2], 1, "pass its epoch certificate (epochs.pub)");
	snprintf(path, sizeof(path), "%s/keys/epochs.pub", tmp);
	expect_consistency_pub(nt.text[nt.n - 2], path, 1,
			       "FAIL: the store holds no checkpoint signed by a trusted key");
	free_notes(&nt);
}

/*
 * The blocks after a checkpoint replaced by different, self-consistent
 * ones (rehashed, leaves rewritten): the newer checkpoint that covered them
 * no longer matches.  Dropping that checkpoint too leaves a store that
 * verifies with an unsigned tail, and the auditor's copy of it fails
 * consistency; so does a tail re-signed with the key stolen at that time.
 */
Test(tamper, tail_after_a_checkpoint_replaced_by_self_consistent_blocks)
{
	struct issues is;
	struct notes nt;
	const struct blk *tail;
	unsigned last;
	struct sc_store *s;
	struct sc_store_opts o = { .dir = store, .fsync = SC_FSYNC_NONE };
	char err[512];

	build_signed(&signed_cfg, &nt);
	last = nt.n - 1;
	tail = &L.blk[L.nblk - 1];
	forge_block(tail, 1, FORGE_TEXT, true);
	scan_layout();
	rewrite_leaves();
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WF(CKPT_ROOT, CHECKPOINTS, nt.off[last]));
	EXPECT_SEALCTL(WF(CKPT_ROOT, CHECKPOINTS, nt.off[last]));

	/* Without the checkpoint that covered the tail. */
	keep_notes(&nt, last);
	verify_pinned(&is, mpub);
	cr_expect_eq(is.rc, 0);
	cr_expect_eq(is.res.unsigned_blocks, L.nblk - nt.size[last - 1]);
	expect_consistency(nt.text[last], 1, "rolled back or cut");
	expect_consistency(nt.text[last - 1], 0, "OK: ");

	/* Re-signed with the (stolen) current key: a checkpoint of the same size, another tree. */
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(skey), err, sizeof(err)), 1);
	sc_store_close(s);
	verify_pinned(&is, mpub);
	cr_expect_eq(is.rc, 0, "a thief of the current key can sign a rewritten tail");
	expect_consistency(nt.text[last], 1, "FAIL: the store's first 88 blocks are not the ones the old "
			   "checkpoint signed: history was rewritten");
	expect_consistency(nt.text[last - 1], 0, "OK: ");
	free_notes(&nt);
}

/* An old backup put back: intact, but behind the auditor's newer checkpoint. */
Test(tamper, store_rolled_back_to_an_older_copy)
{
	struct issues is;
	struct notes nt;
	struct build_cfg cfg = signed_cfg;
	char snap[400], *out, *err;
	unsigned old_last;

	snprintf(snap, sizeof(snap), "%s/backup", tmp);
	cfg.snapshot = snap;
	build_signed(&cfg, &nt);
	/* The backup is the store before the restart: 80 blocks, signed at 80. */
	{
		char *argv[] = { (char *)"/bin/rm", (char *)"-rf", store, NULL };

		cr_assert_eq(run(argv, &out, &err), 0);
		free(out);
		free(err);
	}
	cr_assert_eq(rename(snap, store), 0);
	verify_pinned(&is, mpub);
	cr_expect_eq(is.rc, 0, "the old copy is intact in itself");
	cr_expect_eq(is.res.signed_size, 80);
	old_last = nt.n - 1;
	cr_assert_eq(nt.size[old_last], 88);
	expect_consistency(nt.text[old_last], 1, "covers 80 blocks, the old one 88: the store was rolled back");
	expect_consistency(nt.text[3], 0, "OK: ");
	free_notes(&nt);
}

/* The newest segment deleted, with its leaves, and with its checkpoints. */
Test(tamper, newest_segment_deleted_from_a_signed_store)
{
	struct issues is;
	struct notes nt;
	const struct seg *sg;
	unsigned keep = 0;

	build_signed(&signed_cfg, &nt);
	sg = &L.seg[L.nseg - 1];
	unlink_seg(sg->num);
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WFB(BLOCK_MISSING, LEAVES, sg->first * SC_HASH_LEN, sg->first));
	/* Leaves cut too: the checkpoints that covered the segment are beyond the tree. */
	truncate_leaves(sg->first);
	verify_pinned(&is, mpub);
	{
		struct want w[8];
		unsigned n = 0;

		for (unsigned i = 0; i < nt.n; i++)
			if (nt.size[i] > sg->first)
				w[n++] = WF(CKPT_SIZE, CHECKPOINTS, nt.off[i]);
			else
				keep = i + 1;
		cr_assert_geq(n, 1);
		cr_expect(expect_issues(&is, w, n));
		expect_sealctl_damaged(w, n);
	}
	/* Those checkpoints removed too: only the auditor's copy shows it. */
	keep_notes(&nt, keep);
	verify_pinned(&is, mpub);
	cr_expect_eq(is.rc, 0);
	expect_consistency(nt.text[nt.n - 1], 1, "rolled back or cut");
	free_notes(&nt);
}

/* The signed versions of the limit_* tests above. */
Test(tamper, rehashed_lane_head_with_leaves_rewritten_caught_by_the_checkpoint)
{
	struct issues is;
	struct notes nt;

	build_signed(&signed_cfg, &nt);
	forge_block(&L.blk[L.nblk - 1], 0, FORGE_TEXT, true);
	scan_layout();
	rewrite_leaves();
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WF(CKPT_ROOT, CHECKPOINTS, nt.off[nt.n - 1]));
	free_notes(&nt);
}

Test(tamper, checkpoints_file_deleted_from_a_signed_store)
{
	struct issues is;
	struct notes nt;
	char path[400];

	build_signed(&signed_cfg, &nt);
	snprintf(path, sizeof(path), "%s/checkpoints", store);
	cr_assert_eq(unlink(path), 0);
	/* keys/ says the store was signed: without --pubkey as well. */
	verify(&is);
	EXPECT_ISSUES(&is, WF(CKPT_MISSING, CHECKPOINTS, 0));
	EXPECT_SEALCTL(WF(CKPT_MISSING, CHECKPOINTS, 0));
	free_notes(&nt);
}

/* An older checkpoint appended again after newer ones (a replay): out of order. */
Test(tamper, replayed_older_checkpoint_is_out_of_order)
{
	struct issues is;
	struct notes nt;
	char path[400], *note;
	int fd;
	size_t len;

	build_signed(&signed_cfg, &nt);
	snprintf(path, sizeof(path), "%s/checkpoints", store);
	len = strlen(nt.text[2]);
	note = malloc(len + 2);
	cr_assert_not_null(note);
	memcpy(note, nt.text[2], len);
	note[len++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, note, len), (ssize_t)len);
	close(fd);
	free(note);
	verify_pinned(&is, mpub);
	EXPECT_ISSUES(&is, WF(CKPT_ORDER, CHECKPOINTS, nt.off[nt.n - 1] + strlen(nt.text[nt.n - 1]) + 1));
	free_notes(&nt);
}

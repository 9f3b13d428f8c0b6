/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Retention (retention.h, docs/FORMAT.md "Retention").
 *
 * Stores are built through the writer API with small segments (3 lanes,
 * one of which goes quiet so its newest block is removed), pruned by size
 * and by age, and checked: only a prefix of whole segments goes and never
 * the newest, the event is sealed before the files go and says what went,
 * verify stays green and reports the pruned range, the lane chains go on
 * after a restart, checkpoints signed before and after still verify and
 * an old checkpoint is still consistent, kept records still prove and a
 * pruned one says it was pruned.  Tampering is still found: a segment
 * removed in the middle, an oldest segment removed beyond what an event
 * says, one removed from a store that never pruned.  Then the engine with
 * --max-store-bytes and --retention-days.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/proof.h>
#include <sealcap/record.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"

extern char **environ;

static char tmp[256], st[300];
static struct sc_sign_key *skey;
static char epub[400];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "retention");
	snprintf(st, sizeof(st), "%s/store", tmp);
}

static void
teardown(void)
{
	sc_sign_key_close(skey);
	skey = NULL;
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(retention, .init = setup, .fini = teardown, .timeout = 240);

static char *out, *err;

static int
run(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	char opath[300], epath[300];
	pid_t pid;
	int status;

	free(out);
	free(err);
	snprintf(opath, sizeof(opath), "%s/stdout", tmp);
	snprintf(epath, sizeof(epath), "%s/stderr", tmp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ),
		     0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	out = sct_slurp(opath, NULL);
	err = sct_slurp(epath, NULL);
	cr_assert(WIFEXITED(status), "%s died (status 0x%x); stderr:\n%s", argv[0], status, err);
	return WEXITSTATUS(status);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

/* ---- building -------------------------------------------------------------------- */

#define NOW_NS 1796403000000000000LL  /* 2026-12-04T16:50:00Z: "now" for the passes */
#define DAY_NS 86400000000000LL

static const struct sc_clock_info clk = {
	.source = SC_CLOCK_REALTIME, .sync = SC_SYNC_SYNCED, .max_err_us = 10, .est_err_us = 5,
};

struct builder {
	struct sc_store *s;
	struct sc_block_builder *b[3];
	uint8_t *stored;
	unsigned blocks;
};

static void
open_store(struct builder *w, uint64_t segment_bytes)
{
	struct sc_store_opts o = { .dir = st, .origin = "sealcap/retention-test",
				   .segment_bytes = segment_bytes, .fsync = SC_FSYNC_NONE };
	char e[512];

	memset(w, 0, sizeof(*w));
	cr_assert_eq(sc_store_open(&o, &w->s, e, sizeof(e)), 0, "%s", e);
	for (uint32_t l = 0; l < 3; l++) {
		w->b[l] = sc_block_builder_new(l, 16384);
		cr_assert_not_null(w->b[l]);
		sc_block_builder_resume(w->b[l], sc_store_lane(w->s, l)->next_rec_seq);
	}
	w->stored = malloc(sc_block_stored_max(w->b[0]));
	cr_assert_not_null(w->stored);
}

/* One block of 12 records on @p lane, received at @p t_ns. */
static void
append(struct builder *w, uint32_t lane, int64_t t_ns)
{
	struct sc_block_hdr h;

	for (int i = 0; i < 12; i++) {
		char raw[200];
		struct sc_record r = { .pri = 85, .rx_ns = t_ns + i, .transport = SC_TRANSPORT_UDP };
		int n = snprintf(raw, sizeof(raw), "<85>Dec  4 16:50:%02d ward-7-ap%u hostapd: "
				 "wlan0: STA 02:00:00:%02x:%02x:%02x IEEE 802.11: authenticated", i,
				 lane, lane, w->blocks & 0xff, i);

		r.raw = (const uint8_t *)raw;
		r.raw_len = (uint32_t)n;
		sc_record_set_ipv4(&r, 0x0a000001 + lane);
		cr_assert_eq(sc_block_add(w->b[lane], &r), 0);
	}
	cr_assert_eq(sc_block_seal(w->b[lane], &clk, &h, w->stored), 0);
	cr_assert_eq(sc_store_append(w->s, &h, w->stored), 0);
	w->blocks++;
}

static void
close_store(struct builder *w)
{
	cr_assert_eq(sc_store_close(w->s), 0);
	for (int l = 0; l < 3; l++)
		sc_block_builder_free(w->b[l]);
	free(w->stored);
	memset(w, 0, sizeof(*w));
}

static void
make_signing_key(void)
{
	struct sc_keygen_opts o = { .origin = "sealcap/retention-test", .epochs = 4,
				    .epoch_seconds = 86400 };
	char dir[320], path[420], e[512], vkey[SC_VKEY_MAX];

	snprintf(dir, sizeof(dir), "%s/keys", tmp);
	o.dir = dir;
	cr_assert_eq(sc_keygen(&o, vkey, e, sizeof(e)), 0, "%s", e);
	snprintf(path, sizeof(path), "%s/sign.key", dir);
	skey = sc_sign_key_open(path, e, sizeof(e));
	cr_assert_not_null(skey, "%s", e);
	snprintf(epub, sizeof(epub), "%s/epochs.pub", dir);
}

static void
sign(struct builder *w)
{
	char e[512];
	size_t len;
	const char *cert = sc_sign_key_cert_text(skey, &len);

	cr_assert(sc_store_checkpoint(w->s, sc_sign_key_signer(skey), e, sizeof(e)) >= 0, "%s", e);
	cr_assert_eq(sc_store_put_key(w->s, "epochs-test.pub", cert, len), 0);
}

/*
 * 36 blocks over 3 lanes in ~6 segments (8 KiB each), 30..20 days old;
 * lane 2 writes only in the first 12 blocks, so its newest block ends up
 * in a removed segment.  Then 12 blocks of lanes 0 and 1, 1 day old.
 */
static void
build(struct builder *w, bool signed_store)
{
	open_store(w, 8192);
	for (unsigned i = 0; i < 36; i++) {
		uint32_t lane = i < 12 ? i % 3 : i % 2;

		append(w, lane, NOW_NS - (30 - (int64_t)i / 4) * DAY_NS);
		if (signed_store && i == 17)
			sign(w);
	}
	for (unsigned i = 0; i < 12; i++)
		append(w, i % 2, NOW_NS - DAY_NS + i);
	if (signed_store)
		sign(w);
}

static int64_t
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned segment_files(uint32_t *first);

/*
 * Age is the time a segment was last written (its mtime at open): close
 * the store, make every segment but the newest @p fresh ones older than
 * @p days (the oldest the oldest), open it again.  @return segments.
 */
static unsigned
age_segments(struct builder *w, unsigned fresh, double days)
{
	uint32_t first, n;

	close_store(w);
	n = segment_files(&first);
	cr_assert_gt(n, fresh);
	for (uint32_t i = 0; i < n - fresh; i++) {
		char path[400];
		int64_t t = real_now() - (int64_t)((days + (n - i)) * 86400e9);
		struct timespec ts[2] = { { t / 1000000000, t % 1000000000 },
					  { t / 1000000000, t % 1000000000 } };

		snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", st, first + i);
		cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "%s: %s", path, strerror(errno));
	}
	open_store(w, 8192);
	return n;
}

static unsigned
segment_files(uint32_t *first)
{
	struct sc_store_reader *r = sc_store_reader_open(st, NULL, 0);
	unsigned n;

	cr_assert_not_null(r);
	n = sc_store_reader_segments(r);
	if (first)
		*first = n ? sc_store_reader_segment_list(r)[0] : 0;
	sc_store_reader_close(r);
	return n;
}

struct issues {
	unsigned n;
	struct sc_verify_issue v[32];
};

static void
collect(const struct sc_verify_issue *i, void *arg)
{
	struct issues *is = arg;

	if (is->n < 32)
		is->v[is->n] = *i;
	is->n++;
}

static int
verify(struct sc_verify_result *res, struct issues *is)
{
	char e[512] = "";
	int rc;

	memset(is, 0, sizeof(*is));
	rc = sc_verify(st, res, collect, is, e, sizeof(e));
	cr_assert_geq(rc, 0, "verify: %s", e);
	for (unsigned i = 0; i < is->n && i < 32; i++)
		cr_log_info("issue %u: %s segment %u block %" PRId64 ": %s", i,
			    sc_error_name(is->v[i].err), is->v[i].segment, is->v[i].block,
			    is->v[i].detail);
	return rc;
}

/* The newest retention event in the store. */
static struct sc_retention_event
newest_event(uint64_t *where)
{
	struct sc_store_reader *r = sc_store_reader_open(st, NULL, 0);
	struct sc_retention_event ev = { 0 }, e1;
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored, *payload;
	enum sc_error e;
	bool found = false;

	cr_assert_not_null(r);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		struct sc_record rec;

		if (h.lane != SC_STORE_LANE)
			continue;
		cr_expect(h.flags & SC_BLK_EVENTS);
		cr_expect_eq(h.cipher, SC_CIPHER_NONE);
		cr_assert_eq(sc_store_reader_payload(r, &h, stored, &payload), SC_E_OK);
		cr_assert_eq(h.count, 1);
		cr_assert(sc_record_decode(payload, h.payload_len, &rec) > 0);
		cr_expect(rec.flags & SC_REC_EVENT);
		cr_assert_eq(sc_retention_parse(rec.raw, rec.raw_len, &e1), 1, "%.*s",
			     (int)rec.raw_len, rec.raw);
		ev = e1;
		found = true;
		if (where)
			*where = h.log_index;
	}
	sc_store_reader_close(r);
	cr_assert(found, "no retention event in the store");
	return ev;
}

/* ---- passes ----------------------------------------------------------------------- */

Test(retention, size_limit_removes_the_oldest_whole_segments_and_seals_an_event_first)
{
	struct builder w;
	struct sc_retention p = { 0 };
	struct sc_prune_result r;
	struct sc_verify_result res;
	struct issues is;
	struct sc_retention_event ev;
	uint32_t nseg, first;
	uint64_t total = 0, where;
	char e[512];

	build(&w, false);
	nseg = segment_files(NULL);
	cr_assert_geq(nseg, 5, "only %u segments", nseg);
	for (uint32_t i = 0; i < nseg; i++) {
		char path[400];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", st, i);
		cr_assert_eq(stat(path, &sb), 0);
		total += (uint64_t)sb.st_size;
	}
	/* Room for about half of them. */
	p.max_bytes = total / 2;
	cr_assert_eq(sc_store_prune(w.s, &p, NOW_NS, &r, e, sizeof(e)), 1, "%s", e);
	cr_expect_str_eq(r.reason, "max-store-bytes");
	cr_expect_eq(r.first_segment, 0);
	cr_expect_eq(r.first_index, 0);
	cr_expect_gt(r.blocks, 0);
	cr_expect_lt(r.segments, nseg);
	cr_expect_leq(total - r.bytes, p.max_bytes, "still over the limit");
	/* Nothing more is due. */
	{
		struct sc_prune_result r2;

		cr_expect_eq(sc_store_prune(w.s, &p, NOW_NS, &r2, e, sizeof(e)), 0);
	}
	close_store(&w);

	segment_files(&first);
	cr_expect_eq(first, r.last_segment + 1);
	/* Index sidecars go with their segments; the kept ones stay. */
	for (uint32_t i = 0; i < nseg; i++) {
		char path[400];

		snprintf(path, sizeof(path), "%s/index/%08" PRIu32 ".idx", st, i);
		if (i <= r.last_segment)
			cr_expect_neq(access(path, F_OK), 0, "%s left behind", path);
		else
			cr_expect_eq(access(path, F_OK), 0, "%s missing", path);
	}
	ev = newest_event(&where);
	cr_expect_eq(ev.kept_segment, r.last_segment + 1);
	cr_expect_eq(ev.kept_index, r.blocks);
	cr_expect_eq(ev.blocks, r.blocks);
	cr_expect_eq(where, r.event_index);
	{
		bool lane2 = false;

		for (unsigned i = 0; i < ev.nlanes; i++)
			lane2 |= ev.lanes[i].lane == 2;
		cr_expect(lane2, "lane 2's newest block was removed: its chain must be in the event");
	}
	cr_expect_eq(verify(&res, &is), 0);
	cr_expect_eq(res.pruned_blocks, r.blocks);
	cr_expect_eq(res.pruned_segments, r.last_segment + 1);
	cr_expect_eq(res.retention_events, 1);
	cr_expect_eq(res.leaves, res.tree_size, "every leaf stays");
	cr_expect_eq(res.blocks + r.blocks, res.tree_size);

	cr_expect_eq(RUN(SEALCTL, "verify", st), 0, "%s", out);
	{
		char want[160];

		snprintf(want, sizeof(want), "log entries 0..%" PRIu64 " pruned by retention (segments "
			 "00000000..%08" PRIu32 "; events at %" PRIu64 ".0)", r.blocks - 1,
			 r.last_segment, r.event_index);
		cr_expect_not_null(strstr(out, want), "want '%s' in:\n%s", want, out);
	}
}

Test(retention, never_the_newest_segment_and_only_a_prefix)
{
	struct builder w;
	struct sc_retention p = { .max_bytes = 1 };
	struct sc_prune_result r;
	uint32_t first, n;
	char e[512];

	build(&w, false);
	cr_assert_eq(sc_store_prune(w.s, &p, NOW_NS, &r, e, sizeof(e)), 1, "%s", e);
	close_store(&w);
	cr_expect_eq(segment_files(&first), 1, "the newest segment always stays");
	/* Age: only the old ones, oldest first. */
	sct_rmtree(st);
	build(&w, false);
	n = age_segments(&w, 2, 20);
	p.max_bytes = 0;
	p.max_age_s = 60 * 86400.0;
	cr_expect_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 0, "nothing is 60 days old");
	p.max_age_s = 10 * 86400.0;
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	cr_expect_str_eq(r.reason, "retention-days");
	cr_expect_eq(r.segments, n - 2, "%u of %u segments removed", r.segments, n);
	close_store(&w);
	/* A young segment stops the prefix: an older one after it stays. */
	sct_rmtree(st);
	build(&w, false);
	n = age_segments(&w, 2, 20);
	close_store(&w);
	{
		char path[400];

		snprintf(path, sizeof(path), "%s/segments/00000001.seg", st);
		cr_assert_eq(utimensat(AT_FDCWD, path, NULL, 0), 0);
	}
	open_store(&w, 8192);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	cr_expect_eq(r.segments, 1, "only segment 0 goes before the young segment 1");
	close_store(&w);
}

Test(retention, chains_continue_after_a_restart_and_signatures_and_proofs_hold)
{
	struct builder w;
	struct sc_retention p = { .max_age_s = 10 * 86400.0 };
	struct sc_prune_result r;
	struct sc_verify_result res;
	struct issues is;
	char e[512], old_ckpt[400], *json = NULL;
	struct sc_trust *t;
	struct sc_proof_info info;

	make_signing_key();
	build(&w, true);
	/* An auditor keeps the checkpoint made before anything was pruned. */
	{
		char *c = sct_slurp(strcat(strcpy(old_ckpt, st), "/checkpoints"), NULL);
		/* The first note: text, empty line, signature, empty line. */
		size_t n = strstr(strstr(c, "\n\n") + 2, "\n\n") - c + 2;

		snprintf(old_ckpt, sizeof(old_ckpt), "%s/monday.ckpt", tmp);
		{
			FILE *f = fopen(old_ckpt, "w");

			cr_assert_not_null(f);
			fwrite(c, 1, n, f);
			fclose(f);
		}
		free(c);
	}
	age_segments(&w, 2, 20);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	sign(&w);
	close_store(&w);

	/* Restart: every lane, lane 2 too (all its blocks are gone), goes on. */
	open_store(&w, 8192);
	cr_expect_eq(sc_store_lane(w.s, 2)->next_block_seq, 4, "lane 2 resumes after its 4 blocks");
	cr_expect_eq(sc_store_lane(w.s, 2)->next_rec_seq, 48);
	for (unsigned i = 0; i < 6; i++)
		append(&w, i % 3, NOW_NS + i);
	sign(&w);
	close_store(&w);
	cr_expect_eq(verify(&res, &is), 0);
	cr_expect_eq(res.pruned_blocks, r.blocks);
	cr_expect_eq(res.checkpoints, 4, "checkpoints before and after the pass all verify");

	/* Pinned, and against the checkpoint from before the pass. */
	cr_expect_eq(RUN(SEALCTL, "verify", "--pubkey", epub, st), 0, "%s", out);
	cr_expect_eq(RUN(SEALCTL, "consistency", st, "--old", old_ckpt, "--pubkey", epub), 0,
		     "%s%s", out, err);

	/* A kept record proves; a pruned one says it was pruned. */
	t = sc_trust_new();
	cr_assert_not_null(t);
	cr_assert_eq(sc_trust_add_pubkey(t, epub, e, sizeof(e)), 0, "%s", e);
	cr_assert_eq(sc_proof_record(st, r.blocks + 1, 3, t, &json, e, sizeof(e)), 0, "%s", e);
	cr_expect_eq(sc_proof_check(json, strlen(json), t, &info, e, sizeof(e)), 0, "%s", e);
	free(json);
	json = NULL;
	cr_expect_eq(sc_proof_record(st, 2, 0, t, &json, e, sizeof(e)), -ENOENT);
	cr_expect_not_null(strstr(e, "pruned by retention"), "%s", e);
	cr_expect_null(json);
	sc_trust_free(t);
	cr_expect_eq(RUN(SEALCTL, "prove", st, "--record", "2.0"), 2);
	cr_expect_not_null(strstr(err, "block 2 was pruned by retention"), "%s", err);
}

Test(retention, a_pass_cut_short_after_its_event_is_pending_and_finished_later)
{
	struct builder w;
	struct sc_retention p = { .max_age_s = 10 * 86400.0 };
	struct sc_prune_result r;
	struct sc_verify_result res;
	struct issues is;
	char e[512], cmd[1000];

	build(&w, false);
	age_segments(&w, 2, 20);
	close_store(&w);
	/* Keep the segments aside, prune, put them back: a crash before unlink. */
	snprintf(cmd, sizeof(cmd), "cp -a %s/segments %s/saved", st, tmp);
	cr_assert_eq(system(cmd), 0);
	open_store(&w, 8192);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	close_store(&w);
	for (uint32_t i = r.first_segment; i <= r.last_segment; i++) {
		snprintf(cmd, sizeof(cmd), "cp -a %s/saved/%08" PRIu32 ".seg %s/segments/", tmp, i, st);
		cr_assert_eq(system(cmd), 0);
	}
	cr_expect_eq(verify(&res, &is), 0, "a pass cut short is not damage");
	cr_expect_eq(res.pending_blocks, r.blocks);
	cr_expect_eq(RUN(SEALCTL, "verify", st), 0);
	cr_expect_not_null(strstr(out, "retention event removed are still there"), "%s", out);
	/* The next pass removes them again (cp -a kept their age). */
	open_store(&w, 8192);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	close_store(&w);
	cr_expect_eq(verify(&res, &is), 0);
	cr_expect_eq(res.pending_blocks, 0);
	cr_expect_eq(res.retention_events, 2);
}

/* ---- tampering is still found ----------------------------------------------------- */

static void
unlink_seg(uint32_t n)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", st, n);
	cr_assert_eq(unlink(path), 0, "%s: %s", path, strerror(errno));
}

static bool
has(const struct issues *is, enum sc_error e, const char *text)
{
	for (unsigned i = 0; i < is->n && i < 32; i++)
		if (is->v[i].err == e && (text == NULL || strstr(is->v[i].detail, text)))
			return true;
	return false;
}

Test(retention, a_segment_removed_in_the_middle_of_a_pruned_store_is_damage)
{
	struct builder w;
	struct sc_retention p = { .max_age_s = 10 * 86400.0 };
	struct sc_prune_result r;
	struct sc_verify_result res;
	struct issues is;
	uint32_t first, n;
	char e[512];

	build(&w, false);
	age_segments(&w, 3, 20);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	close_store(&w);
	n = segment_files(&first);
	cr_assert_geq(n, 3);
	unlink_seg(first + 1);
	cr_expect_eq(verify(&res, &is), 1);
	cr_expect(has(&is, SC_E_SEG_NUMBER, "segment files missing"));
	cr_expect(has(&is, SC_E_LOG_INDEX, NULL));
	cr_expect_eq(RUN(SEALCTL, "verify", st), 1);
}

Test(retention, the_oldest_segment_removed_beyond_the_retention_event_is_damage)
{
	struct builder w;
	struct sc_retention p = { .max_age_s = 10 * 86400.0 };
	struct sc_prune_result r;
	struct sc_verify_result res;
	struct issues is;
	uint32_t first;
	char e[512];

	build(&w, false);
	age_segments(&w, 3, 20);
	cr_assert_eq(sc_store_prune(w.s, &p, real_now(), &r, e, sizeof(e)), 1, "%s", e);
	close_store(&w);
	segment_files(&first);
	unlink_seg(first);
	cr_expect_eq(verify(&res, &is), 1);
	cr_expect(has(&is, SC_E_PRUNED, "removed only those below"), "issues: %u", is.n);
	cr_expect_eq(RUN(SEALCTL, "verify", st), 1);
	cr_expect_not_null(strstr(out, "PRUNED"), "%s", out);
	/* The writer will not carry on from it either. */
	{
		struct sc_store_opts o = { .dir = st, .fsync = SC_FSYNC_NONE };
		struct sc_store *s = NULL;

		cr_expect_eq(sc_store_open(&o, &s, e, sizeof(e)), -EBADMSG);
		cr_expect_not_null(strstr(e, "beyond the newest retention event"), "%s", e);
	}
}

Test(retention, the_first_segment_removed_from_a_store_that_never_pruned_is_damage)
{
	struct builder w;
	struct sc_verify_result res;
	struct issues is;
	char e[512];
	struct sc_store_opts o = { .dir = st, .fsync = SC_FSYNC_NONE };
	struct sc_store *s = NULL;

	build(&w, false);
	close_store(&w);
	unlink_seg(0);
	cr_expect_eq(verify(&res, &is), 1);
	cr_expect(has(&is, SC_E_PRUNED, "no retention event records their removal"));
	cr_expect_eq(RUN(SEALCTL, "verify", st), 1);
	cr_expect_not_null(strstr(out, "no retention event records their removal"), "%s", out);
	/* And the writer refuses to carry on as if it were pruned. */
	cr_expect_eq(sc_store_open(&o, &s, e, sizeof(e)), -EBADMSG);
	cr_expect_not_null(strstr(e, "no retention event says so"), "%s", e);
}

/* ---- the engine --------------------------------------------------------------------- */

static void
gen(const char *pcap, const char *count, const char *seed)
{
	char o[450];

	snprintf(o, sizeof(o), "pcap:%s", pcap);
	/* Captured in 2020: older than any retention limit below. */
	cr_assert_eq(RUN(GEN, "--out", o, "--count", count, "--sources", "32", "--seed", seed,
			 "--start", "2020-01-01T00:00:00Z"), 0, "sealcap-gen: %s", err);
}

static char *
in_tmp(const char *name)
{
	static char buf[8][400];
	static unsigned n;
	char *p = buf[n++ % 8];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

Test(retention, engine_max_store_bytes_over_restarts_keeps_verify_green)
{
	uint64_t total;
	uint32_t first;

	gen(in_tmp("a.pcap"), "8000", "1");
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store", st,
				 "--lanes", "2", "--block-bytes", "8K", "--segment-bytes", "64K",
				 "--max-store-bytes", "512K", "--fsync", "none"),
			     0, "run %d: %s", k, err);
		cr_expect_not_null(strstr(err, "sealcap: retention (max-store-bytes): removed segments"),
				   "run %d: %s", k, err);
		cr_expect_eq(RUN(SEALCTL, "verify", st), 0, "run %d: %s", k, out);
		cr_expect_not_null(strstr(out, "pruned by retention"), "%s", out);
	}
	total = 0;
	for (uint32_t i = 0, n = segment_files(&first); i < n; i++) {
		char path[400];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", st, first + i);
		cr_assert_eq(stat(path, &sb), 0, "%s", path);
		total += (uint64_t)sb.st_size;
	}
	cr_expect_leq(total, 512 * 1024, "segments take %" PRIu64 " bytes", total);
	cr_expect_gt(first, 10);
	{
		char *stats = sct_slurp(in_tmp("store/run/stats"), NULL);

		cr_expect_not_null(strstr(stats, "pruned_segments "), "%s", stats);
		free(stats);
	}
}

Test(retention, engine_retention_days_removes_old_records_and_refuses_what_it_cannot_do)
{
	struct sc_verify_result res;
	struct issues is;
	uint32_t first;
	char cmd[1000];

	uint32_t n1, first1;
	uint64_t blocks1;

	/* A first run, written (as far as the files say) a month ago ... */
	gen(in_tmp("a.pcap"), "4000", "2");
	cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store", st,
			 "--block-bytes", "8K", "--segment-bytes", "64K", "--fsync", "none"), 0,
		     "%s", err);
	cr_expect_eq(verify(&res, &is), 0);
	blocks1 = res.blocks;
	n1 = segment_files(&first1);
	cr_assert_gt(n1, 3);
	for (uint32_t i = 0; i < n1; i++) {
		char path[400];
		struct timespec ts[2] = { { real_now() / 1000000000 - 31 * 86400, 0 },
					  { real_now() / 1000000000 - 31 * 86400, 0 } };

		snprintf(path, sizeof(path), "%s/segments/%08" PRIu32 ".seg", st, i);
		cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	/* ... then one that keeps 30 days (0.5 would do as well: decimals work). */
	cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store", st,
			 "--block-bytes", "8K", "--segment-bytes", "64K", "--retention-days", "30",
			 "--fsync", "none"), 0, "%s", err);
	cr_expect_not_null(strstr(err, "sealcap: retention (retention-days)"), "%s", err);
	segment_files(&first);
	cr_expect_eq(first, n1, "every segment of the first run went, none of the second");
	cr_expect_eq(verify(&res, &is), 0);
	cr_expect_eq(res.pruned_blocks, blocks1);
	cr_expect_eq(RUN(SEALCTL, "verify", st), 0, "%s", out);
	cr_expect_not_null(strstr(out, "pruned by retention"), "%s", out);

	/* Refused: a limit below two segments, a store of format 2. */
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store",
			 in_tmp("s2"), "--segment-bytes", "1M", "--max-store-bytes", "1M"), 2);
	cr_expect_not_null(strstr(err, "below twice --segment-bytes"), "%s", err);
	snprintf(cmd, sizeof(cmd), "cp -r %s/golden/store-v2 %s", SC_TEST_DATA, in_tmp("v2"));
	cr_assert_eq(system(cmd), 0);
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store",
			 in_tmp("v2"), "--retention-days", "30"), 1);
	cr_expect_not_null(strstr(err, "store of format 2"), "%s", err);
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store",
			 in_tmp("s3"), "--retention-days", "-1"), 2);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * Crash recovery under SIGKILL (issue 7).  KILLS times: the engine takes
 * live UDP syslog from sealcap-gen on loopback (--fsync block, --flush-ms
 * FLUSH_MS) and is killed with SIGKILL at a random moment.  Each time:
 *
 *   - STORE/run/synced (the writer's last synced log size) is read;
 *   - a short second run opens the store (cutting a torn tail, if any)
 *     and stops; sealctl verify must say OK and the store must hold at
 *     least every block the writer had reported synced;
 *   - later, over the whole store: each sender's messages of each kill
 *     round are stored in order, the last one stored was received at most
 *     LOSS_BOUND_MS before the kill, and the messages missing below the
 *     highest sequence number stored are at most what RATE brings in
 *     LOSS_BOUND_MS: what a kill loses is what the pipeline held (the open
 *     blocks, at most FLUSH_MS old, and the batches and blocks on their way
 *     to the writer), never anything already written.
 *
 * The kill moments come from a seed printed at the start (SC_CRASH_SEED
 * repeats a run).  The figures (time from the last stored message to the
 * kill, per round) are printed for the record.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/record.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"

#define KILLS 50
#define RATE 5000          /* msgs/s from the generator */
#define SOURCES 4
#define FLUSH_MS 50
/* The open block (FLUSH_MS) plus batching and scheduling on a shared machine. */
#define LOSS_BOUND_MS 1000

static char tmp[256], store[512];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "crash");
	snprintf(store, sizeof(store), "%s/store", tmp);
}

static void
teardown(void)
{
	char mnt[300];

	sct_kill_children();
	/* disk_full mounts a tmpfs here; a failed test must not leave it. */
	snprintf(mnt, sizeof(mnt), "%s/small", tmp);
	(void)umount2(mnt, MNT_DETACH);
	sct_rmtree(tmp);
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 600);

static const char *
in_tmp(const char *name)
{
	static char buf[4][400];
	static unsigned n;
	char *p = buf[n++ % 4];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

static int64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Start the engine on the store; @return its pid, *port its UDP port. */
/* stderr of the engine engine_start started last. */
static char last_err[600];

static int
engine_start(uint16_t *port, const char *const *extra)
{
	static unsigned runs;
	char errf[64];
	const char *argv[24] = { SEALCAP, "--store", store, "--driver", "socket",
				 "--listen", "udp://127.0.0.1:0", "--fsync", "block",
				 "--flush-ms", "50", "--lanes", "2" };
	size_t n = 13;
	int pid, st;

	while (extra && *extra)
		argv[n++] = *extra++;
	argv[n] = NULL;
	/* A file per run: the previous run's "listening on" must not be read. */
	snprintf(errf, sizeof(errf), "eng%u.err", runs++);
	snprintf(last_err, sizeof(last_err), "%s", in_tmp(errf));
	pid = sct_spawn(argv, in_tmp("eng.out"), in_tmp(errf));
	for (int i = 0; i < 1000; i++) {
		char *err = sct_slurp_live(in_tmp(errf));
		const char *p = strstr(err, "listening on udp://127.0.0.1:");

		if (p != NULL) {
			*port = (uint16_t)atoi(p + strlen("listening on udp://127.0.0.1:"));
			free(err);
			return pid;
		}
		if (sct_wait(pid, &st, 0))
			cr_assert_fail("sealcap exited (0x%x) before listening:\n%s", st, err);
		free(err);
		sct_sleep_ms(5);
	}
	cr_assert_fail("sealcap never listened");
	return -1;
}

static uint64_t
synced_blocks(void)
{
	char path[600], *text;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/run/synced", store);
	text = sct_slurp_live(path);
	v = strtoull(text, NULL, 10);
	free(text);
	return v;
}

/* sealctl verify: must be OK; @return the block count it printed. */
static uint64_t
verify_blocks(void)
{
	const char *argv[] = { SEALCTL, "verify", store, NULL };
	char *out, *err;
	const char *p;
	uint64_t blocks = 0;
	int pid = sct_spawn(argv, in_tmp("v.out"), in_tmp("v.err")), st;

	cr_assert(sct_wait(pid, &st, 60000), "sealctl verify hangs");
	out = sct_slurp(in_tmp("v.out"), NULL);
	err = sct_slurp(in_tmp("v.err"), NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "verify after a crash failed:\n%s%s", out,
		  err);
	p = strstr(out, " engine events in ");
	cr_assert_not_null(p, "%s", out);
	blocks = strtoull(p + strlen(" engine events in "), NULL, 10);
	free(out);
	free(err);
	return blocks;
}

struct round {
	int64_t from_ns, kill_ns, to_ns;   /* engine start, SIGKILL, next start */
	int64_t last_ns;                   /* newest stored message */
	int64_t last_seq[SOURCES + 1];     /* per source port, in order */
	uint16_t port[SOURCES + 1];
	uint64_t stored, disorder;
	int64_t max_seq;
};

static struct round rounds[KILLS];

static int
take(const struct sc_record *r, uint32_t i, void *arg)
{
	const char *q;
	int64_t seq;
	(void)i;
	(void)arg;

	if (r->flags & SC_REC_EVENT)
		return 0;
	q = memmem(r->raw, r->raw_len, "seq=", 4);
	if (q == NULL)
		return 0;
	seq = strtoll(q + 4, NULL, 10);
	for (int k = 0; k < KILLS; k++) {
		struct round *w = &rounds[k];
		int s;

		if (r->rx_ns < w->from_ns || r->rx_ns >= w->to_ns)
			continue;
		w->stored++;
		if (seq > w->max_seq)
			w->max_seq = seq;
		if (r->rx_ns > w->last_ns)
			w->last_ns = r->rx_ns;
		/* One slot per sending socket (source port). */
		for (s = 0; s < SOURCES + 1 && w->port[s] && w->port[s] != r->src_port; s++)
			;
		if (s == SOURCES + 1)
			return 0;
		w->port[s] = r->src_port;
		if (w->last_seq[s] && seq <= w->last_seq[s])
			w->disorder++;
		/* Seqs are global across sources: a source's next is a later one. */
		w->last_seq[s] = seq;
		break;
	}
	return 0;
}

Test(crash, sigkill_during_ingest)
{
	const char *seed_env = getenv("SC_CRASH_SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)getpid();
	uint64_t sent_total = 0, missing_total = 0;
	int64_t worst_ms = 0;
	char count[32];

	fprintf(stderr, "crash: seed %u (SC_CRASH_SEED=%u repeats it)\n", seed, seed);
	srand(seed);
	snprintf(count, sizeof(count), "%d", RATE * 10);
	for (int k = 0; k < KILLS; k++) {
		const char *const stop_args[] = { "--duration", "0.2", NULL };
		unsigned delay = 200 + (unsigned)(rand() % 600);
		uint16_t port;
		char url[64];
		uint64_t synced, blocks;
		int eng, gen, st;

		rounds[k].from_ns = real_ns();
		eng = engine_start(&port, NULL);
		snprintf(url, sizeof(url), "udp://127.0.0.1:%u", port);
		gen = sct_spawn((const char *const[]){ GEN, "--out", url, "--rate", "5000",
						       "--count", count, "--sources", "4",
						       "--seed", "7", NULL },
				in_tmp("gen.out"), in_tmp("gen.err"));
		sct_sleep_ms(delay);
		rounds[k].kill_ns = real_ns();
		cr_assert_eq(kill(eng, SIGKILL), 0);
		cr_assert(sct_wait(eng, &st, 10000));
		cr_assert(WIFSIGNALED(st), "sealcap ended before the kill (0x%x)", st);
		kill(gen, SIGKILL);
		sct_wait(gen, &st, 10000);
		sent_total += (uint64_t)delay * RATE / 1000;
		synced = synced_blocks();

		/* Restart: the store opens (a torn tail cut), runs briefly, stops. */
		rounds[k].to_ns = real_ns();
		eng = engine_start(&port, stop_args);
		cr_assert(sct_wait(eng, &st, 30000), "restarted sealcap did not stop");
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "restart after kill %d failed: 0x%x",
			  k, st);
		blocks = verify_blocks();
		cr_assert_geq(blocks, synced, "kill %d: %" PRIu64 " blocks reported synced, %" PRIu64
			      " in the store after restart", k, synced, blocks);
	}

	sct_store_foreach(store, take, NULL);
	for (int k = 0; k < KILLS; k++) {
		const struct round *w = &rounds[k];
		int64_t lag_ms = w->last_ns ? (w->kill_ns - w->last_ns) / 1000000 : -1;
		int64_t missing = w->max_seq - (int64_t)w->stored;

		if (lag_ms > worst_ms)
			worst_ms = lag_ms;
		cr_expect_gt(w->stored, 0, "round %d: nothing stored", k);
		cr_expect_eq(w->disorder, 0, "round %d: a sender's messages out of order", k);
		cr_expect_leq(lag_ms, LOSS_BOUND_MS, "round %d: the last stored message came %" PRId64
			      " ms before the kill (bound %d ms)", k, lag_ms, LOSS_BOUND_MS);
		cr_expect(missing >= 0 && missing <= RATE * LOSS_BOUND_MS / 1000,
			  "round %d: %" PRId64 " messages missing below seq %" PRId64, k, missing,
			  w->max_seq);
		missing_total += missing > 0 ? (uint64_t)missing : 0;
	}
	fprintf(stderr, "crash: %d kills, ~%" PRIu64 " messages offered, %" PRIu64 " missing below "
		"the highest stored seq of their round; worst time from the last stored message to "
		"the kill %" PRId64 " ms (bound %d ms, --flush-ms %d, --fsync block)\n",
		KILLS, sent_total, missing_total, worst_ms, LOSS_BOUND_MS, FLUSH_MS);
}

/* Run argv to its end; @return its stdout (stderr appended to *err when given). */
static char *
run_out(const char *const *argv, int want, char **err)
{
	int pid = sct_spawn(argv, in_tmp("r.out"), in_tmp("r.err")), st;
	char *out, *e;

	cr_assert(sct_wait(pid, &st, 120000), "%s hangs", argv[0]);
	out = sct_slurp(in_tmp("r.out"), NULL);
	e = sct_slurp(in_tmp("r.err"), NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == want, "%s %s: exit 0x%x, want %d:\n%s%s",
		  argv[0], argv[1], st, want, out, e);
	if (err)
		*err = e;
	else
		free(e);
	return out;
}

/*
 * A power cut tears the newest block (the file ends inside it): the next
 * start cuts it, says so, seals a "recovery" event, and verify shows it.
 */
Test(crash, torn_tail_is_cut_and_sealed_as_an_event)
{
	char pcap[400], seg[600], *out, *err;
	struct stat st;

	snprintf(pcap, sizeof(pcap), "%s", in_tmp("in.pcap"));
	free(run_out((const char *const[]){ GEN, "--out", strcat(strcpy(seg, "pcap:"), pcap),
					    "--count", "20000", "--seed", "3", NULL }, 0, NULL));
	free(run_out((const char *const[]){ SEALCAP, "--store", store, "--driver", "pcap",
					    "--pcap", pcap, "--block-bytes", "64K", NULL }, 0, NULL));
	/* Tear the newest segment's last block. */
	snprintf(seg, sizeof(seg), "%s/segments/00000000.seg", store);
	cr_assert_eq(stat(seg, &st), 0);
	cr_assert_eq(truncate(seg, st.st_size - 100), 0);
	free(run_out((const char *const[]){ SEALCTL, "verify", store, NULL }, 1, NULL));

	free(run_out((const char *const[]){ SEALCAP, "--store", store, "--driver", "pcap",
					    "--pcap", pcap, "--count", "10", NULL }, 0, &err));
	cr_expect(strstr(err, "sealcap: recovered from a crash: cut ") != NULL, "%s", err);
	cr_expect(strstr(err, "(block cut short: file ends inside it)") != NULL, "%s", err);
	free(err);
	out = run_out((const char *const[]){ SEALCTL, "verify", store, NULL }, 0, NULL);
	cr_expect(strstr(out, "recovered: 1 crash recovery event(s)") != NULL, "%s", out);
	free(out);
	out = run_out((const char *const[]){ SEALCTL, "cat", "--events", store, NULL }, 0, NULL);
	cr_expect(strstr(out, "\"event\":\"recovery\",\"segment\":0,\"offset\":") != NULL, "%s",
		  "no recovery event in sealctl cat --events");
	cr_expect(strstr(out, "\"reason\":\"BLK_TRUNCATED\"") != NULL, "no reason in the event");
	free(out);
}

/*
 * Send @p n UDP datagrams "<13>full seq=K" (K from @p first) to
 * 127.0.0.1:@p port, from 127.0.0.@p src (0: any).
 */
static void
send_udp_from(uint16_t port, int first, int n, uint8_t src)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(0x7f000000u | src) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	static uint64_t rng = 0x5eed;
	char m[600];

	cr_assert_geq(fd, 0);
	if (src)
		cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	for (int i = 0; i < n; i++) {
		int len = snprintf(m, sizeof(m), "<13>Dec  4 20:00:00 host app: full seq=%d ",
				   first + i);

		/* Letters LZ4 cannot shrink much: the disk must fill. */
		for (int k = 0; k < 400; k++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			m[len++] = (char)('a' + (rng >> 59));
		}

		cr_assert_eq(sendto(fd, m, (size_t)len, 0, (struct sockaddr *)&a, sizeof(a)), len);
		if (i % 200 == 199)
			sct_sleep_ms(5);   /* no kernel drops: only the disk may lose */
	}
	close(fd);
}

static void
send_udp(uint16_t port, int first, int n)
{
	send_udp_from(port, first, n, 0);
}

static int
count_full(const struct sc_record *r, uint32_t i, void *arg)
{
	(void)i;
	if (!(r->flags & SC_REC_EVENT) && memmem(r->raw, r->raw_len, "full seq=", 9))
		++*(uint64_t *)arg;
	return 0;
}

static int64_t
stat_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/*
 * The disk fills up: capture goes on, what cannot be written is counted as
 * write_error drops, no half block is left, and once space is back the
 * store takes messages again, seals the gap as an event and verifies.
 * A small tmpfs the test mounts (root; CI runs as root).
 */
Test(crash, disk_full_then_space_again)
{
	char mnt[300], filler[400], *err, *out, stats[600];
	uint64_t stored = 0;
	uint16_t port;
	int eng, st, fd;
	char *buf = calloc(1, 1 << 20);

	cr_assert_not_null(buf);
	snprintf(mnt, sizeof(mnt), "%s/small", tmp);
	cr_assert_eq(mkdir(mnt, 0750), 0);
	cr_assert_eq(system(NULL) != 0, 1);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=4m sc-crash-test %s", mnt);
		cr_assert_eq(system(cmd), 0, "cannot mount a tmpfs (needs root): %s", cmd);
	}
	snprintf(store, sizeof(store), "%s/store", mnt);
	/* Most of the space taken by a file we remove later. */
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(write(fd, buf, 1 << 20), 1 << 20);
	close(fd);

	eng = engine_start(&port, (const char *const[]){ "--block-bytes", "64K",
							  "--segment-bytes", "256K", NULL });
	/* ~3000 x 450 bytes: more than the ~1 MB left. */
	send_udp(port, 0, 3000);
	sct_sleep_ms(1500);
	/* (STORE/run/stats is on the full disk too: the exit line says the drops.) */
	snprintf(stats, sizeof(stats), "%s", last_err);
	cr_assert(!sct_wait(eng, &st, 0), "the engine stopped on a full disk");
	/* Space again: later messages are stored. */
	cr_assert_eq(unlink(filler), 0);
	sct_sleep_ms(300);
	send_udp(port, 100000, 500);
	sct_sleep_ms(1500);
	cr_assert_eq(kill(eng, SIGTERM), 0);
	cr_assert(sct_wait(eng, &st, 30000));
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit 0x%x", st);

	out = run_out((const char *const[]){ SEALCTL, "verify", store, NULL }, 0, NULL);
	free(out);
	out = run_out((const char *const[]){ SEALCTL, "cat", "--events", store, NULL }, 0, &err);
	cr_expect(strstr(out, "\"event\":\"gap\",\"reason\":\"write_error\"") != NULL,
		  "no write_error gap event:\n%.2000s", out);
	free(out);
	free(err);
	sct_store_foreach(store, count_full, &stored);
	out = sct_slurp_live(stats);
	cr_expect_gt(stat_value(out, " write_error="), 0, "the full disk lost nothing?\n%s", out);
	/* Everything received is stored or counted as a write error. */
	cr_expect_eq((int64_t)stored + stat_value(out, " write_error="), 3500,
		     "stored %" PRIu64 " + write errors != 3500:\n%s", stored, out);
	cr_expect_geq(stored, 500, "the messages after the space came back: %" PRIu64, stored);
	free(out);
	free(buf);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "umount %s", mnt);
		cr_expect_eq(system(cmd), 0);
	}
}

/*
 * One source floods (sealcap-gen flat out) while five others send 300
 * messages each at a steady pace: every message is accounted for (stored,
 * or dropped and counted by reason), and the per-source table shows the
 * flood's share next to each quiet source's count.  Fairness is per
 * address in the engine (a lane per source hash, drops charged to their
 * source); the kernel's socket buffer is shared, so drops there are
 * counted but cannot be charged to a source.
 */
Test(crash, one_source_floods_others_keep_sending)
{
	const char *const extra[] = { "--print-sources", NULL };
	char url[64], *out, *err, stats[600];
	uint16_t port;
	int eng, gen, st;
	int64_t received, stored, dropped = 0;
	unsigned quiet_rows = 0;

	eng = engine_start(&port, extra);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", port);
	gen = sct_spawn((const char *const[]){ GEN, "--out", url, "--count", "400000",
					       "--sources", "1", "--seed", "9", NULL },
			in_tmp("flood.out"), in_tmp("flood.err"));
	for (int s = 0; s < 5; s++)
		send_udp_from(port, 1000000 * (s + 1), 300, (uint8_t)(201 + s));
	cr_assert(sct_wait(gen, &st, 120000), "the flood did not end");
	sct_sleep_ms(1500);
	snprintf(stats, sizeof(stats), "%s/run/stats", store);
	cr_assert_eq(kill(eng, SIGTERM), 0);
	cr_assert(sct_wait(eng, &st, 60000));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	out = sct_slurp(in_tmp("eng.out"), NULL);
	err = sct_slurp_live(stats);
	received = stat_value(err, "received ");
	stored = stat_value(err, "stored ");
	dropped = stat_value(err, "drop_ring_full ") + stat_value(err, "drop_pool_empty ") +
		  stat_value(err, "drop_oversize ") + stat_value(err, "drop_write_error ");
	cr_expect_eq(received, stored + dropped, "received != stored + engine drops:\n%s", err);
	/* A row per quiet source (127.0.0.201..205), each with its 300. */
	for (int s = 0; s < 5; s++) {
		char addr[32];
		const char *row;

		snprintf(addr, sizeof(addr), "127.0.0.%d ", 201 + s);
		row = strstr(out, addr);
		if (row == NULL)
			continue;
		quiet_rows++;
		/* The kernel may drop some of theirs too when the flood fills the
		 * socket buffer (counted as kernel drops, not per source). */
		cr_expect(strtoll(row + strlen(addr), NULL, 10) > 0 &&
			  strtoll(row + strlen(addr), NULL, 10) <= 300, "quiet source %s:\n%s", addr,
			  out);
	}
	cr_expect_eq(quiet_rows, 5, "quiet sources missing from the table:\n%s", out);
	fprintf(stderr, "crash: flood: received %" PRId64 ", stored %" PRId64 ", engine drops %"
		PRId64 ", kernel drops %" PRId64 "\n%s", received, stored, dropped,
		stat_value(err, "drop_kernel "), out);
	free(out);
	free(err);
}

/* Sum the "count" of every gap event of @p reason in `sealctl cat --events` output. */
struct gap_sum {
	int64_t count;
	unsigned events;
	bool spans_ok;
};

static struct gap_sum
gap_events(const char *json, const char *reason)
{
	struct gap_sum g = { 0, 0, true };
	char key[64];

	snprintf(key, sizeof(key), "\"event\":\"gap\",\"reason\":\"%s\"", reason);
	for (const char *p = strstr(json, key); p != NULL; p = strstr(p + 1, key)) {
		const char *c = strstr(p, "\"count\":"), *f = strstr(p, "\"from\":\""),
			   *t = strstr(p, "\"to\":\"");

		if (c == NULL || f == NULL || t == NULL) {
			g.spans_ok = false;
			break;
		}
		g.count += strtoll(c + strlen("\"count\":"), NULL, 10);
		g.events++;
		/* RFC 3339 UTC of one width: from <= to compares as text. */
		f += strlen("\"from\":\"");
		t += strlen("\"to\":\"");
		if (strncmp(f, t, 20) > 0)
			g.spans_ok = false;
	}
	return g;
}

/*
 * Overload: an engine given a tiny RX pool and ring and a block sync per
 * 4 KiB (a slow disk) is flooded.  Drops happen and are counted by reason;
 * each reason's drops are sealed in gap events whose counts add up to the
 * engine's counters exactly and whose from/to span is in order; received =
 * stored + dropped; the store verifies.
 */
Test(crash, overload_drops_are_counted_by_reason_and_sealed_as_gaps)
{
	/* Every reason is sealed; kernel and nic drops were never received. */
	static const char *const reasons[] = { "ring_full", "pool_empty", "oversize", "write_error",
					       "kernel", "nic" };
	char url[64], *out, *err, *line;
	uint16_t port;
	int eng, gen, st;
	int64_t received, stored, dropped, by_reason = 0;

	eng = engine_start(&port, (const char *const[]){ "--block-bytes", "4K", "--batches", "4",
							  "--ring-size", "4", "--batch-bytes", "64K",
							  NULL });
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", port);
	gen = sct_spawn((const char *const[]){ GEN, "--out", url, "--count", "300000",
					       "--sources", "8", "--seed", "11", NULL },
			in_tmp("flood.out"), in_tmp("flood.err"));
	cr_assert(sct_wait(gen, &st, 120000), "the flood did not end");
	sct_sleep_ms(500);
	cr_assert_eq(kill(eng, SIGTERM), 0);
	cr_assert(sct_wait(eng, &st, 60000));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit 0x%x", st);
	err = sct_slurp(last_err, NULL);
	line = strstr(err, "sealcap: received ");
	cr_assert(line != NULL, "no exit line:\n%s", err);
	received = stat_value(line, "sealcap: received ");
	stored = stat_value(line, "stored ");
	dropped = stat_value(line, "dropped ");
	cr_expect_gt(dropped, 0, "no drops: the engine kept up with the flood?\n%s", line);

	out = run_out((const char *const[]){ SEALCTL, "verify", store, NULL }, 0, NULL);
	free(out);
	out = run_out((const char *const[]){ SEALCTL, "cat", "--events", store, NULL }, 0, NULL);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		char key[32];
		int64_t n;
		struct gap_sum g = gap_events(out, reasons[i]);

		snprintf(key, sizeof(key), " %s=", reasons[i]);
		n = stat_value(line, key);
		if (n < 0)
			n = 0;
		cr_expect_eq(g.count, n, "%s: gap events say %" PRId64 ", the engine %" PRId64,
			     reasons[i], g.count, n);
		cr_expect(g.spans_ok, "%s: a gap event without an ordered from/to span", reasons[i]);
		if (n > 0)
			cr_expect_gt(g.events, 0);
		if (i < 4)
			by_reason += n;
	}
	cr_expect_eq(received, stored + by_reason, "received != stored + engine drops:\n%s", line);
	fprintf(stderr, "crash: overload: %s", line);
	free(out);
	free(err);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The socket driver through the real program, as a syslog sender sees it:
 *
 *     sealcap --driver socket --listen udp://127.0.0.1:0 --listen tcp://...
 *
 * (port 0: the kernel picks free ports, read back from the "listening on"
 * lines, so parallel test runs never collide).  The test sends with plain
 * sockets, to loopback only, stops the engine with SIGTERM (exit 0), and
 * reads the store through the public reader API (sc_store_reader_*,
 * sc_block_open, sc_block_foreach): every message must be there exactly
 * once, byte for byte, with its transport, source address and port,
 * destination port, receive time and truncation flag.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"

extern char **environ;

static char tmp[256];
static char store[300];
static pid_t engine_pid;

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "socket");
	snprintf(store, sizeof(store), "%s/store", tmp);
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	/* A failed assertion may leave our engine running: end it, by PID. */
	if (engine_pid > 0) {
		kill(engine_pid, SIGKILL);
		waitpid(engine_pid, NULL, 0);
		engine_pid = 0;
	}
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(socket, .init = setup, .fini = teardown, .timeout = 60);

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static const char *
in_tmp(const char *name)
{
	static char buf[8][400];
	static unsigned n;
	char *p = buf[n++ % 8];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

/* ---- the engine -------------------------------------------------------------- */

struct ports {
	uint16_t udp4, udp6, tcp4, tcp6;
};

static pid_t
spawn(const char *const *argv, const char *errfile)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, in_tmp("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ),
		     0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

static uint16_t
port_after(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	return p ? (uint16_t)atoi(p + strlen(prefix)) : 0;
}

/*
 * Start sealcap on the socket driver with @p extra arguments (NULL
 * terminated) and wait for its @p nlisten "listening on" lines.
 */
static struct ports
start(const char *const *extra, unsigned nlisten)
{
	const char *argv[64] = { SEALCAP, "--store", store, "--driver", "socket", "--flush-ms", "20",
				 "--fsync", "none" };
	size_t n = 9;
	struct ports p = { 0 };
	char *err = NULL;

	while (*extra && n < 63)
		argv[n++] = *extra++;
	argv[n] = NULL;
	engine_pid = spawn(argv, in_tmp("stderr"));
	for (int i = 0; i < 500; i++) {
		unsigned lines = 0;
		int st;

		free(err);
		err = sct_slurp(in_tmp("stderr"), NULL);
		for (const char *q = err; (q = strstr(q, "listening on ")) != NULL; q++)
			lines++;
		if (lines >= nlisten)
			break;
		if (waitpid(engine_pid, &st, WNOHANG) == engine_pid) {
			engine_pid = 0;
			cr_assert_fail("sealcap exited (status 0x%x) before listening:\n%s", st, err);
		}
		sleep_ms(10);
	}
	p.udp4 = port_after(err, "listening on udp://127.0.0.1:");
	p.udp6 = port_after(err, "listening on udp://[::1]:");
	p.tcp4 = port_after(err, "listening on tcp://127.0.0.1:");
	p.tcp6 = port_after(err, "listening on tcp://[::1]:");
	cr_assert(p.udp4 || p.udp6 || p.tcp4 || p.tcp6, "no listening line:\n%s", err);
	free(err);
	return p;
}

/* SIGTERM: the engine drains, seals and exits 0.  @return its stderr. */
static char *
stop(void)
{
	int st = 0;
	char *err;

	cr_assert(engine_pid > 0);
	cr_assert_eq(kill(engine_pid, SIGTERM), 0);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(engine_pid, &st, WNOHANG) == engine_pid)
			break;
		sleep_ms(10);
	}
	err = sct_slurp(in_tmp("stderr"), NULL);
	cr_assert(WIFEXITED(st), "sealcap did not exit after SIGTERM (status 0x%x):\n%s", st, err);
	engine_pid = 0;
	cr_assert_eq(WEXITSTATUS(st), 0, "sealcap exit %d:\n%s", WEXITSTATUS(st), err);
	return err;
}

/* ---- the store --------------------------------------------------------------- */

struct rec {
	uint8_t *raw;
	uint32_t len;
	uint32_t flags;
	uint8_t transport, family;
	uint8_t addr[16];
	uint16_t sport, dport;
	int64_t rx_ns;
	bool used;
};

struct recs {
	struct rec *r;
	size_t n, cap;
};

static int
take(const struct sc_record *r, uint32_t i, void *arg)
{
	struct recs *v = arg;
	struct rec *m;

	(void)i;
	if (r->flags & SC_REC_EVENT)
		return 0;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 256;
		v->r = realloc(v->r, v->cap * sizeof(*v->r));
		cr_assert(v->r != NULL);
	}
	m = &v->r[v->n++];
	memset(m, 0, sizeof(*m));
	m->raw = malloc(r->raw_len + 1);
	cr_assert(m->raw != NULL);
	memcpy(m->raw, r->raw, r->raw_len);
	m->raw[r->raw_len] = '\0';
	m->len = r->raw_len;
	m->flags = r->flags;
	m->transport = r->transport;
	m->family = r->family;
	memcpy(m->addr, r->addr, 16);
	m->sport = r->src_port;
	m->dport = r->dst_port;
	m->rx_ns = r->rx_ns;
	return 0;
}

static void
recs_free(struct recs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->r[i].raw);
	free(v->r);
	memset(v, 0, sizeof(*v));
}

/* Every received message of the store, in store order. */
static void
read_store(struct recs *v)
{
	memset(v, 0, sizeof(*v));
	sct_store_foreach(store, take, v);
}

static int
count_one(const struct sc_record *r, uint32_t i, void *arg)
{
	(void)i;
	if (!(r->flags & SC_REC_EVENT))
		++*(size_t *)arg;
	return 0;
}

/* Messages stored so far by the running engine (blocks complete now). */
static size_t
count_stored(void)
{
	struct sc_store_reader *r = sc_store_reader_open(store, NULL, 0);
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;
	size_t n = 0;

	cr_assert(hs != NULL);
	while (r != NULL && sc_store_read(r, &h, &stored, &pos, &er) == 1) {
		uint8_t *p = malloc(h.payload_len ? h.payload_len : 1);

		cr_assert(p != NULL);
		if (sc_block_open(hs, &h, stored, p, h.payload_len) == SC_E_OK)
			sc_block_foreach(p, h.payload_len, count_one, &n);
		free(p);
	}
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return n;
}

/* Wait (up to 15 s) until the running engine has stored @p n messages. */
static void
wait_records(size_t n)
{
	size_t have = 0;

	for (int i = 0; i < 300; i++) {
		if (access(in_tmp("store/store.json"), F_OK) == 0) {
			have = count_stored();
			if (have >= n)
				return;
		}
		sleep_ms(50);
	}
	cr_log_warn("only %zu of %zu messages stored after 15 s; stopping anyway", have, n);
}

/* What a message must look like in the store. */
struct want {
	const uint8_t *p;
	uint32_t len;
	uint8_t transport;
	uint8_t family;      /* 4 or 6 */
	uint16_t sport, dport;
	uint32_t trunc;      /* SC_REC_TRUNCATED or 0 */
};

struct wants {
	struct want *w;
	size_t n, cap;
	uint8_t *bytes[4096];
	size_t nbytes;
};

static void
want_add(struct wants *v, const void *p, size_t len, uint8_t transport, uint8_t family,
	 uint16_t sport, uint16_t dport, uint32_t trunc)
{
	struct want *w;
	uint8_t *copy = malloc(len ? len : 1);

	cr_assert(copy != NULL && v->nbytes < 4096);
	memcpy(copy, p, len);
	v->bytes[v->nbytes++] = copy;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->w = realloc(v->w, v->cap * sizeof(*v->w));
		cr_assert(v->w != NULL);
	}
	w = &v->w[v->n++];
	w->p = copy;
	w->len = (uint32_t)len;
	w->transport = transport;
	w->family = family;
	w->sport = sport;
	w->dport = dport;
	w->trunc = trunc;
}

static void
wants_free(struct wants *v)
{
	for (size_t i = 0; i < v->nbytes; i++)
		free(v->bytes[i]);
	free(v->w);
	memset(v, 0, sizeof(*v));
}

static const uint8_t loop4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };
static const uint8_t loop6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

/*
 * The store holds exactly the wanted messages (in any order), each once,
 * byte for byte, with the right metadata, received between @p t0 and @p t1.
 */
static void
expect_exactly(struct recs *got, const struct wants *want, int64_t t0, int64_t t1)
{
	size_t bad = 0;

	for (size_t i = 0; i < want->n; i++) {
		const struct want *w = &want->w[i];
		size_t hits = 0, at = 0;

		for (size_t k = 0; k < got->n; k++) {
			struct rec *r = &got->r[k];

			if (r->len == w->len && r->sport == w->sport && r->transport == w->transport &&
			    memcmp(r->raw, w->p, w->len) == 0) {
				hits++;
				at = k;
			}
		}
		if (hits != 1) {
			if (bad++ < 8)
				cr_expect_fail("message %zu (len %u, %s, from port %u, \"%.*s\") stored %zu times",
					       i, w->len, w->transport == SC_TRANSPORT_UDP ? "udp" : "tcp",
					       w->sport, (int)(w->len < 60 ? w->len : 60), (const char *)w->p,
					       hits);
			continue;
		}
		{
			struct rec *r = &got->r[at];

			r->used = true;
			cr_expect_eq(r->family, w->family, "message %zu: family %u", i, r->family);
			cr_expect_eq(memcmp(r->addr, w->family == 4 ? loop4 : loop6, 16), 0,
				     "message %zu: wrong source address", i);
			cr_expect_eq(r->dport, w->dport, "message %zu: dst port %u, want %u", i, r->dport,
				     w->dport);
			cr_expect_eq(r->flags & SC_REC_TRUNCATED, w->trunc,
				     "message %zu (len %u): flags 0x%x", i, w->len, r->flags);
			cr_expect(r->rx_ns >= t0 - 1000000 && r->rx_ns <= t1,
				  "message %zu: receive time %" PRId64 " outside [%" PRId64 ", %" PRId64 "]",
				  i, r->rx_ns, t0, t1);
		}
	}
	for (size_t k = 0; k < got->n; k++)
		if (!got->r[k].used && bad++ < 16)
			cr_expect_fail("unexpected record %zu: len %u flags 0x%x \"%.*s\"", k, got->r[k].len,
				       got->r[k].flags, (int)(got->r[k].len < 60 ? got->r[k].len : 60),
				       (const char *)got->r[k].raw);
	cr_expect_eq(got->n, want->n, "store holds %zu messages, %zu sent", got->n, want->n);
}

/* ---- senders ----------------------------------------------------------------- */

static int
sock_to(int family, int type, uint16_t port, struct sockaddr_storage *ss, socklen_t *sl)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		s->sin6_addr = in6addr_loopback;
		*sl = sizeof(*s);
	}
	return fd;
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A UDP socket connected to loopback @p port. */
static int
udp_to(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = sock_to(family, SOCK_DGRAM, port, &ss, &sl);
	int big = 1 << 20;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, sl), 0, "connect: %s", strerror(errno));
	return fd;
}

static int
tcp_to(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = sock_to(family, SOCK_STREAM, port, &ss, &sl);
	struct timeval tv = { 5, 0 };  /* a test reads only to see the engine close */
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, sl), 0, "connect: %s", strerror(errno));
	return fd;
}

#define SEND_LIT(fd, lit) send_all(fd, lit, sizeof(lit) - 1)

static void
send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t r = send(fd, b, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		cr_assert(r > 0, "send: %s", strerror(errno));
		b += r;
		n -= (size_t)r;
	}
}

/*
 * Send in pieces of odd sizes with short pauses (TCP_NODELAY is on), so
 * the engine reads frames cut at odd places.
 */
static void
send_choppy(int fd, const void *p, size_t n, unsigned seed)
{
	static const size_t sizes[] = { 1, 2, 3, 5, 7, 11, 13, 17, 29, 64, 97 };
	const uint8_t *b = p;

	for (unsigned i = seed; n > 0; i++) {
		size_t k = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];

		if (k > n)
			k = n;
		send_all(fd, b, k);
		b += k;
		n -= k;
		if (i % 3 == 0)
			sleep_ms(1);
	}
}

/* ---- UDP --------------------------------------------------------------------- */

Test(socket, udp_datagrams)
{
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--listen", "udp://[::1]:0",
				     "--rx-workers", "2", NULL };
	struct ports pt = start(args, 2);
	struct wants want = { 0 };
	struct recs got;
	int64_t t0 = now_ns(), t1;
	int fd4[4], fd6;
	uint8_t *big = malloc(65507);
	char m[256], *err;

	cr_assert(big != NULL);
	cr_assert(pt.udp4 && pt.udp6);
	for (int s = 0; s < 4; s++)
		fd4[s] = udp_to(AF_INET, pt.udp4);
	fd6 = udp_to(AF_INET6, pt.udp6);
	/* Several source ports: SO_REUSEPORT spreads them over both workers. */
	for (int i = 0; i < 200; i++) {
		int s = i % 4;
		int n = snprintf(m, sizeof(m), "<134>1 2026-01-01T00:00:00Z host app - - - udp4 seq=%d %.*s",
				 i, i % 90, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		cr_assert_eq(send(fd4[s], m, (size_t)n, 0), n);
		want_add(&want, m, (size_t)n, SC_TRANSPORT_UDP, 4, local_port(fd4[s]), pt.udp4, 0);
	}
	for (int i = 0; i < 20; i++) {
		int n = snprintf(m, sizeof(m), "<13>Jan  1 00:00:00 host6 app: udp6 seq=%d", i);

		cr_assert_eq(send(fd6, m, (size_t)n, 0), n);
		want_add(&want, m, (size_t)n, SC_TRANSPORT_UDP, 6, local_port(fd6), pt.udp6, 0);
	}
	/* 65000 bytes, the largest IPv4 datagram, and an empty one: never cut. */
	for (size_t i = 0; i < 65507; i++)
		big[i] = (uint8_t)("<14>big datagram "[i % 17] + (i / 17) % 7);
	cr_assert_eq(send(fd4[0], big, 65000, 0), 65000, "send: %s", strerror(errno));
	want_add(&want, big, 65000, SC_TRANSPORT_UDP, 4, local_port(fd4[0]), pt.udp4, 0);
	big[0] = '>';
	cr_assert_eq(send(fd4[1], big, 65507, 0), 65507, "send: %s", strerror(errno));
	want_add(&want, big, 65507, SC_TRANSPORT_UDP, 4, local_port(fd4[1]), pt.udp4, 0);
	cr_assert_eq(send(fd4[2], "", 0, 0), 0);
	want_add(&want, "", 0, SC_TRANSPORT_UDP, 4, local_port(fd4[2]), pt.udp4, 0);
	big[1] = '6';
	cr_assert_eq(send(fd6, big, 60000, 0), 60000, "send: %s", strerror(errno));
	want_add(&want, big, 60000, SC_TRANSPORT_UDP, 6, local_port(fd6), pt.udp6, 0);

	wait_records(want.n);
	err = stop();
	t1 = now_ns();
	read_store(&got);
	expect_exactly(&got, &want, t0, t1);
	/* One sender's datagrams stay in order (one worker, one lane). */
	for (int s = 0; s < 4; s++) {
		int last = -1;
		uint16_t sp = local_port(fd4[s]);

		for (size_t k = 0; k < got.n; k++) {
			const char *q;

			q = memmem(got.r[k].raw, got.r[k].len, "udp4 seq=", 9);
			if (got.r[k].sport != sp || q == NULL)
				continue;
			q += 5;
			cr_expect_gt(atoi(q + 4), last, "source port %u out of order", sp);
			last = atoi(q + 4);
		}
	}
	cr_expect(strstr(err, "(2 workers, rcvbuf ") != NULL, "listening line:\n%s", err);
	cr_expect(strstr(err, "udp rx=224 ") != NULL, "driver stats line:\n%s", err);
	cr_expect(strstr(err, "kernel-drops=0") != NULL, "%s", err);
	free(err);
	recs_free(&got);
	wants_free(&want);
	for (int s = 0; s < 4; s++)
		close(fd4[s]);
	close(fd6);
	free(big);
}

/*
 * Two drivers, one store (--driver socket --driver pcap): the pcap driver's
 * worker replays a capture and ends, the socket driver keeps listening;
 * both feed the same lanes, and the engine runs until stopped.
 */
Test(socket, two_drivers_one_store)
{
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--driver", "pcap",
				     "--pcap", SC_TEST_DATA "/pcap/fake-syslog-with-padding.pcap", NULL };
	struct ports pt = start(args, 1);
	struct recs got;
	size_t from_pcap = 0, from_udp = 0;
	char m[128], *err;
	int fd = udp_to(AF_INET, pt.udp4);

	for (int i = 0; i < 20; i++) {
		int n = snprintf(m, sizeof(m), "<134>1 2026-01-01T00:00:00Z host app - - - two seq=%d", i);

		cr_assert_eq(send(fd, m, (size_t)n, 0), n);
	}
	/* The capture holds five 1-byte datagrams. */
	wait_records(25);
	err = stop();
	read_store(&got);
	for (size_t k = 0; k < got.n; k++) {
		if (got.r[k].dport == pt.udp4 && memmem(got.r[k].raw, got.r[k].len, "two seq=", 8))
			from_udp++;
		else if (got.r[k].len == 1 && got.r[k].transport == SC_TRANSPORT_UDP)
			from_pcap++;
	}
	cr_expect_eq(from_udp, 20, "%zu of 20 UDP messages stored:\n%s", from_udp, err);
	cr_expect_eq(from_pcap, 5, "%zu of 5 capture messages stored:\n%s", from_pcap, err);
	cr_expect_eq(got.n, 25, "%zu records:\n%s", got.n, err);
	cr_expect(strstr(err, "sealcap: driver socket: ") != NULL, "%s", err);
	cr_expect(strstr(err, "sealcap: driver pcap: ") != NULL, "%s", err);
	free(err);
	recs_free(&got);
	close(fd);
}

Test(socket, same_driver_twice_is_refused)
{
	const char *argv[] = { SEALCAP, "--store", store, "--driver", "socket,socket", NULL };
	int st;
	char *err;
	pid_t pid = spawn(argv, in_tmp("twice.err"));

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	err = sct_slurp(in_tmp("twice.err"), NULL);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status 0x%x:\n%s", st, err);
	cr_expect(strstr(err, "--driver 'socket' given twice") != NULL, "%s", err);
	free(err);
}

/* ---- TCP --------------------------------------------------------------------- */

Test(socket, tcp_framing)
{
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", "--listen", "tcp://[::1]:0",
				     "--max-msg", "1K", NULL };
	const uint32_t T = SC_REC_TRUNCATED;
	struct ports pt = start(args, 2);
	struct wants want = { 0 };
	struct recs got;
	int64_t t0 = now_ns(), t1;
	char stream[16384], m[4096], *err;
	size_t n;
	int fd;

	cr_assert(pt.tcp4 && pt.tcp6);
	/* Octet counting, frames cut at odd places; LF inside a frame is data. */
	fd = tcp_to(AF_INET, pt.tcp4);
	n = 0;
	for (int i = 0; i < 30; i++) {
		int k = snprintf(m, sizeof(m), "<165>1 2026-01-01T00:00:00Z host app - - - octet %d%s%.*s", i,
				 i % 5 == 0 ? "\nsecond line" : "", i * 3, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");

		n += (size_t)snprintf(stream + n, sizeof(stream) - n, "%d %s", k, m);
		want_add(&want, m, (size_t)k, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	}
	send_choppy(fd, stream, n, 0);
	close(fd);

	/* Non-transparent, LF and CR LF: the CR stays (raw bytes are evidence). */
	fd = tcp_to(AF_INET, pt.tcp4);
	n = 0;
	for (int i = 0; i < 30; i++) {
		int k = snprintf(m, sizeof(m), "<13>Jan  1 00:00:00 host app: lf %d%s", i, i % 2 ? "\r" : "");

		n += (size_t)snprintf(stream + n, sizeof(stream) - n, "%s\n", m);
		want_add(&want, m, (size_t)k, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	}
	send_choppy(fd, stream, n, 5);
	close(fd);

	/* Oversize: counted frame of 3000 bytes kept as 1024, flagged; next intact. */
	fd = tcp_to(AF_INET, pt.tcp4);
	memset(m, 'o', 3000);
	memcpy(m, "<13>oversize ", 13);
	n = (size_t)snprintf(stream, sizeof(stream), "3000 %.3000s", m);
	n += (size_t)snprintf(stream + n, sizeof(stream) - n, "9 <13>after");
	send_choppy(fd, stream, n, 2);
	want_add(&want, m, 1024, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, T);
	want_add(&want, "<13>after", 9, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	close(fd);
	/* ... and a 2000-byte line: cut at 1024, the rest up to LF discarded. */
	fd = tcp_to(AF_INET, pt.tcp4);
	m[1] = '4';
	n = (size_t)snprintf(stream, sizeof(stream), "%.2000s\n<13>next line\n", m);
	send_choppy(fd, stream, n, 7);
	want_add(&want, m, 1024, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, T);
	want_add(&want, "<13>next line", 13, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	close(fd);

	/* Closed mid-frame: what was complete is whole, the tail kept, flagged. */
	fd = tcp_to(AF_INET, pt.tcp4);
	SEND_LIT(fd, "12 <13>completeff 100 <13>partial");
	want_add(&want, "<13>complete", 12, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	/* "ff" is not a count: read as a line from there on. */
	want_add(&want, "ff 100 <13>partial", 18, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, T);
	close(fd);
	fd = tcp_to(AF_INET, pt.tcp4);
	SEND_LIT(fd, "30 <13>count says 30, sends 27");
	want_add(&want, "<13>count says 30, sends 27", 27, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4,
		 T);
	close(fd);
	fd = tcp_to(AF_INET, pt.tcp4);
	SEND_LIT(fd, "<13>line one\n<13>no newline");
	want_add(&want, "<13>line one", 12, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	want_add(&want, "<13>no newline", 14, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, T);
	close(fd);

	/* IPv6, and NUL bytes inside a counted frame. */
	fd = tcp_to(AF_INET6, pt.tcp6);
	send_choppy(fd, "9 <13>a\0b\0c6 <13>v6", sizeof("9 <13>a\0b\0c6 <13>v6") - 1, 1);
	want_add(&want, "<13>a\0b\0c", 9, SC_TRANSPORT_TCP, 6, local_port(fd), pt.tcp6, 0);
	want_add(&want, "<13>v6", 6, SC_TRANSPORT_TCP, 6, local_port(fd), pt.tcp6, 0);
	close(fd);

	wait_records(want.n);
	err = stop();
	t1 = now_ns();
	read_store(&got);
	expect_exactly(&got, &want, t0, t1);
	cr_expect(strstr(err, "max-msg 1024") != NULL, "listening line:\n%s", err);
	cr_expect(strstr(err, "octet-errors=1 ") != NULL, "driver stats line:\n%s", err);
	cr_expect(strstr(err, "(oversize=2 incomplete=3)") != NULL, "driver stats line:\n%s", err);
	free(err);
	recs_free(&got);
	wants_free(&want);
}

/* 200 connections at once, half octet-counted, half LF, 50 messages each. */
Test(socket, tcp_200_concurrent_connections)
{
	enum { CONNS = 200, MSGS = 50 };
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", NULL };
	struct ports pt = start(args, 1);
	static int fd[CONNS];
	static uint16_t sport[CONNS];
	static int last_seq[CONNS];
	static bool seen[CONNS][MSGS];
	struct recs got;
	size_t bad = 0;
	char m[512], f[600], *err;

	cr_assert(pt.tcp4);
	for (int c = 0; c < CONNS; c++) {
		fd[c] = tcp_to(AF_INET, pt.tcp4);
		sport[c] = local_port(fd[c]);
		last_seq[c] = -1;
	}
	/* Interleaved: every connection has frames in flight at once. */
	for (int s = 0; s < MSGS; s++)
		for (int c = 0; c < CONNS; c++) {
			int k = snprintf(m, sizeof(m), "<13>1 - host app - - - conn=%03d seq=%02d %.*s", c, s,
					 (c * 7 + s * 13) % 200,
					 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
					 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
			int n = c % 2 ? snprintf(f, sizeof(f), "%d %s", k, m) : snprintf(f, sizeof(f), "%s\n", m);

			send_all(fd[c], f, (size_t)n);
		}
	for (int c = 0; c < CONNS; c++)
		close(fd[c]);
	wait_records(CONNS * MSGS);
	err = stop();
	read_store(&got);
	cr_expect_eq(got.n, CONNS * MSGS, "stored %zu of %d; engine said:\n%s", got.n, CONNS * MSGS, err);
	for (size_t k = 0; k < got.n; k++) {
		const struct rec *r = &got.r[k];
		int c = -1, s = -1, len;

		if (sscanf((const char *)r->raw, "<13>1 - host app - - - conn=%d seq=%d", &c, &s) != 2 ||
		    c < 0 || c >= CONNS || s < 0 || s >= MSGS) {
			if (bad++ < 5)
				cr_expect_fail("record %zu is not one message: \"%.*s\"", k,
					       (int)(r->len < 80 ? r->len : 80), (const char *)r->raw);
			continue;
		}
		len = snprintf(m, sizeof(m), "<13>1 - host app - - - conn=%03d seq=%02d %.*s", c, s,
			       (c * 7 + s * 13) % 200,
			       "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
			       "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
		if ((int)r->len != len || memcmp(r->raw, m, (size_t)len) != 0 || seen[c][s] ||
		    r->sport != sport[c] || r->transport != SC_TRANSPORT_TCP || r->flags & SC_REC_TRUNCATED) {
			if (bad++ < 5)
				cr_expect_fail("conn %d seq %d: merged, split, repeated or mislabelled "
					       "(len %u want %d, port %u want %u, flags 0x%x)",
					       c, s, r->len, len, r->sport, sport[c], r->flags);
			continue;
		}
		seen[c][s] = true;
		cr_expect_gt(s, last_seq[c], "conn %d: seq %d after %d", c, s, last_seq[c]);
		last_seq[c] = s;
	}
	cr_expect_eq(bad, 0, "%zu bad records", bad);
	cr_expect(strstr(err, "conns-total=200 ") != NULL, "driver stats line:\n%s", err);
	cr_expect(strstr(err, "conns-open=0 ") != NULL, "driver stats line:\n%s", err);
	free(err);
	recs_free(&got);
}

Test(socket, tcp_idle_timeout_and_max_conns)
{
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", "--idle-timeout", "1",
				     "--max-conns", "3", NULL };
	struct ports pt = start(args, 1);
	struct recs got;
	int fd[5];
	char buf[16], *err;
	ssize_t r;

	/* Three served; two more accepted and closed at once (counted). */
	for (int c = 0; c < 5; c++) {
		fd[c] = tcp_to(AF_INET, pt.tcp4);
		sleep_ms(20);
	}
	send_all(fd[0], "<13>idle fragment", 17);
	for (int c = 3; c < 5; c++) {
		r = recv(fd[c], buf, sizeof(buf), 0);
		cr_expect(r == 0 || (r < 0 && errno == ECONNRESET),
			  "connection %d over --max-conns was not closed", c);
	}
	/* The idle one is closed by the engine, its fragment kept, flagged. */
	wait_records(1);
	r = recv(fd[0], buf, sizeof(buf), 0);
	cr_expect(r == 0 || (r < 0 && errno == ECONNRESET), "idle connection still open");
	err = stop();
	read_store(&got);
	cr_assert_eq(got.n, 1);
	cr_expect_eq(got.r[0].len, 17);
	cr_expect_eq(memcmp(got.r[0].raw, "<13>idle fragment", 17), 0);
	cr_expect_eq(got.r[0].flags & SC_REC_TRUNCATED, SC_REC_TRUNCATED);
	cr_expect(strstr(err, "refused=2 ") != NULL, "driver stats line:\n%s", err);
	cr_expect(strstr(err, "idle-closed=3 ") != NULL, "driver stats line:\n%s", err);
	free(err);
	recs_free(&got);
	for (int c = 0; c < 5; c++)
		close(fd[c]);
}

/* ---- refusals ---------------------------------------------------------------- */

static int
run_engine(const char *const *extra, char **err)
{
	const char *argv[32] = { SEALCAP, "--store", store, "--driver", "socket" };
	size_t n = 5;
	pid_t pid;
	int st;

	while (*extra && n < 31)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = spawn(argv, in_tmp("stderr"));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	*err = sct_slurp(in_tmp("stderr"), NULL);
	cr_assert(WIFEXITED(st), "sealcap died (0x%x): %s", st, *err);
	return WEXITSTATUS(st);
}

Test(socket, bad_listen_values_exit_2)
{
	static const char *const bad[] = {
		"127.0.0.1:5514", "udp://127.0.0.1", "udp://127.0.0.1:", "udp://127.0.0.1:65536",
		"udp://127.0.0.1:-1", "udp://127.0.0.1:51x", "tcp://::1:5514", "tcp://[::1:5514",
		"udp://localhost:5514", "udp://[127.0.0.1]:5514", "udp://300.0.0.1:5514",
		"sctp://127.0.0.1:5514", "udp://:5514", "",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const a[] = { "--listen", bad[i], NULL };
		char *err;
		int rc = run_engine(a, &err);

		cr_expect_eq(rc, 2, "--listen '%s': exit %d", bad[i], rc);
		cr_expect(strstr(err, "--listen") != NULL && strstr(err, bad[i]) != NULL,
			  "--listen '%s': message: %s", bad[i], err);
		free(err);
	}
	{
		const char *const a[] = { "--listen", "udp://127.0.0.1:0", "--rx-workers", "0", NULL };
		char *err;

		cr_expect_eq(run_engine(a, &err), 2, "--rx-workers 0");
		free(err);
	}
	{
		const char *const a[] = { NULL };
		char *err;
		int rc = run_engine(a, &err);

		cr_expect_neq(rc, 0);
		cr_expect(strstr(err, "--listen") != NULL, "no --listen: %s", err);
		free(err);
	}
}

Test(socket, port_in_use_is_refused)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = sock_to(AF_INET, SOCK_DGRAM, 0, &ss, &sl);
	char a1[64], *err;
	int rc;

	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, sl), 0);
	snprintf(a1, sizeof(a1), "udp://127.0.0.1:%u", local_port(fd));
	{
		const char *const a[] = { "--listen", a1, NULL };

		rc = run_engine(a, &err);
	}
	cr_expect_neq(rc, 0);
	cr_expect(strstr(err, "in use") != NULL, "%s", err);
	free(err);
	close(fd);
}

/* ---- a real sender: util-linux logger ------------------------------------ */

static const char *
find_logger(void)
{
	static char path[512];
	const char *p = getenv("PATH");

	if (p == NULL)
		p = "/usr/bin:/bin";
	while (*p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		snprintf(path, sizeof(path), "%.*s/logger", (int)n, p);
		if (access(path, X_OK) == 0)
			return path;
		p += n + (e != NULL);
	}
	return NULL;
}

Test(socket, logger_delivers)
{
	const char *logger = find_logger();
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--listen", "tcp://127.0.0.1:0",
				     NULL };
	struct ports pt;
	struct recs got;
	char up[8], tp[8], *err;
	static const char *const tags[] = { "sc-udp-5424", "sc-tcp-3164", "sc-tcp-octet" };
	int rc;

	if (logger == NULL)
		cr_skip_test("logger (util-linux) is not installed");
	pt = start(args, 2);
	snprintf(up, sizeof(up), "%u", pt.udp4);
	snprintf(tp, sizeof(tp), "%u", pt.tcp4);
	{
		const char *const a[] = { logger, "--server", "127.0.0.1", "--port", up, "--udp",
					  "--rfc5424", "-t", tags[0], "hello over udp", NULL };
		const char *const b[] = { logger, "--server", "127.0.0.1", "--port", tp, "--tcp",
					  "--rfc3164", "-t", tags[1], "hello over tcp", NULL };
		const char *const c[] = { logger, "--server", "127.0.0.1", "--port", tp, "--tcp",
					  "--octet-count", "-t", tags[2], "hello counted", NULL };
		const char *const *all[] = { a, b, c };

		for (int i = 0; i < 3; i++) {
			pid_t pid = spawn(all[i], in_tmp("logger.err"));
			int st;

			cr_assert_eq(waitpid(pid, &st, 0), pid);
			cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "logger %s failed", tags[i]);
		}
	}
	wait_records(3);
	err = stop();
	read_store(&got);
	cr_assert_eq(got.n, 3, "stored %zu", got.n);
	for (int i = 0; i < 3; i++) {
		const char *msg = i == 0 ? "hello over udp" : i == 1 ? "hello over tcp" : "hello counted";
		size_t k;

		for (k = 0; k < got.n; k++)
			if (memmem(got.r[k].raw, got.r[k].len, tags[i], strlen(tags[i])) != NULL)
				break;
		cr_assert(k < got.n, "%s not stored", tags[i]);
		rc = got.r[k].transport == (i == 0 ? SC_TRANSPORT_UDP : SC_TRANSPORT_TCP);
		cr_expect(rc, "%s: transport %u", tags[i], got.r[k].transport);
		cr_expect(got.r[k].len > strlen(msg) &&
			  memcmp(got.r[k].raw + got.r[k].len - strlen(msg), msg, strlen(msg)) == 0,
			  "%s: framing left bytes around the message: \"%.*s\"", tags[i],
			  (int)got.r[k].len, (const char *)got.r[k].raw);
		cr_expect_eq(got.r[k].raw[0], '<');
		cr_expect_eq(got.r[k].flags & SC_REC_TRUNCATED, 0);
	}
	free(err);
	recs_free(&got);
}

/*
 * --count N on live traffic: the engine stops by itself once the N-th
 * message is in (regression: it used to wait for message N+1).
 */
Test(socket, count_stops_after_exactly_n)
{
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", "--count", "100", NULL };
	struct ports pt = start(args, 1);
	int fd = udp_to(AF_INET, pt.udp4), st = 0;
	bool exited = false;
	char m[64], *err;

	for (int i = 0; i < 100; i++) {
		int n = snprintf(m, sizeof(m), "<13>count test seq=%d", i);

		cr_assert_eq(send(fd, m, (size_t)n, 0), n);
	}
	close(fd);
	for (int i = 0; i < 1000 && !exited; i++) {
		exited = waitpid(engine_pid, &st, WNOHANG) == engine_pid;
		if (!exited)
			sleep_ms(10);
	}
	err = sct_slurp(in_tmp("stderr"), NULL);
	cr_assert(exited, "sealcap still running 10 s after its 100th message:\n%s", err);
	engine_pid = 0;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x:\n%s", st, err);
	cr_expect(strstr(err, "received 100 messages") != NULL, "%s", err);
	cr_expect_eq(count_stored(), 100);
	free(err);
}

/* ---- hostile input (issue 7): stored as sent, nothing crashes --------------- */

/*
 * Datagrams no parser expects: NUL bytes, invalid UTF-8, a PRI that
 * overflows, structured data repeated to the size limit, bytes 0..255.
 * Each is stored exactly as sent (the raw bytes are the evidence) and the
 * engine goes on.
 */
Test(socket, hostile_datagrams_are_stored_as_sent)
{
	const char *const args[] = { "--listen", "udp://127.0.0.1:0", NULL };
	struct ports pt = start(args, 1);
	struct wants want = { 0 };
	struct recs got;
	static uint8_t sd[65507]; /* the largest IPv4 UDP payload */
	uint8_t all[256];
	int64_t t0 = now_ns(), t1;
	char *err;
	size_t n = 0;
	int fd = udp_to(AF_INET, pt.udp4);

#define HOSTILE(lit) do { \
		cr_assert_eq(send(fd, lit, sizeof(lit) - 1, 0), (ssize_t)(sizeof(lit) - 1)); \
		want_add(&want, lit, sizeof(lit) - 1, SC_TRANSPORT_UDP, 4, local_port(fd), pt.udp4, 0); \
	} while (0)
	HOSTILE("<13>nul\0inside\0\0the message");
	HOSTILE("\0\0\0\0");
	HOSTILE("<13>bad utf-8 \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc \xed\xa0\x80 overlong \xc0\xaf");
	HOSTILE("<99999999999999999999>1 2026-01-01T00:00:00Z h a - - - PRI overflow");
	HOSTILE("<-1>negative PRI");
	HOSTILE("<192>PRI one past the largest");
	HOSTILE("<13>1 9999-99-99T99:99:99.999999999+99:99 h a p m - impossible time");
	HOSTILE("<13>1 2026-01-01T00:00:00Z " "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh a - - - hostname beyond 255");
	HOSTILE("<13>1 2026-01-01T00:00:00Z h a - - [unterminated x=\"1");
	HOSTILE("<13>1 2026-01-01T00:00:00Z h a - - [x a=\"\\\\\\\"\\]\"] escapes");
#undef HOSTILE
	/* [x a="1"] repeated to the largest datagram (65,507 bytes). */
	n = (size_t)snprintf((char *)sd, sizeof(sd), "<13>1 2026-01-01T00:00:00Z h a - - ");
	while (n + 9 + 4 <= sizeof(sd)) {
		memcpy(sd + n, "[x a=\"1\"]", 9);
		n += 9;
	}
	while (n + 4 < sizeof(sd))
		sd[n++] = 'm';
	memcpy(sd + n, " end", 4);
	n += 4;
	cr_assert_eq(n, sizeof(sd));
	cr_assert_eq(send(fd, sd, n, 0), (ssize_t)n);
	want_add(&want, sd, n, SC_TRANSPORT_UDP, 4, local_port(fd), pt.udp4, 0);
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	cr_assert_eq(send(fd, all, sizeof(all), 0), (ssize_t)sizeof(all));
	want_add(&want, all, sizeof(all), SC_TRANSPORT_UDP, 4, local_port(fd), pt.udp4, 0);

	wait_records(want.n);
	err = stop();
	t1 = now_ns();
	read_store(&got);
	expect_exactly(&got, &want, t0, t1);
	free(err);
	recs_free(&got);
	wants_free(&want);
	close(fd);
}

/*
 * A 1 MiB octet-counted frame is kept cut to --max-msg and flagged; the
 * frames after it on the same connection are whole.
 */
Test(socket, hostile_one_mib_tcp_frame)
{
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", NULL };
	struct ports pt = start(args, 1);
	struct wants want = { 0 };
	struct recs got;
	size_t big = 1u << 20, n;
	char *buf = malloc(big + 64), *err;
	int64_t t0 = now_ns(), t1;
	int fd = tcp_to(AF_INET, pt.tcp4);

	cr_assert_not_null(buf);
	n = (size_t)snprintf(buf, 64, "%zu ", big);
	memset(buf + n, 'm', big);
	memcpy(buf + n, "<13>huge", 8);
	send_all(fd, buf, n + big);
	want_add(&want, buf + n, 65536, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4,
		 SC_REC_TRUNCATED);
	SEND_LIT(fd, "9 <13>after");
	want_add(&want, "<13>after", 9, SC_TRANSPORT_TCP, 4, local_port(fd), pt.tcp4, 0);
	close(fd);
	wait_records(want.n);
	err = stop();
	t1 = now_ns();
	read_store(&got);
	expect_exactly(&got, &want, t0, t1);
	free(err);
	free(buf);
	recs_free(&got);
	wants_free(&want);
}

/*
 * A client that sends one byte every 200 ms, and 300 connections left
 * half-way through a frame: neither holds up a normal client, whose
 * messages are stored while they hang on; at stop the slow client's
 * bytes and each unfinished frame are kept, flagged truncated.
 */
Test(socket, hostile_slow_and_half_open_clients)
{
	enum { HALF = 300 };
	const char *const args[] = { "--listen", "tcp://127.0.0.1:0", "--flush-ms", "20", NULL };
	struct ports pt = start(args, 1);
	static int half[HALF];
	const char slow_msg[] = "<13>slow client";
	struct recs got;
	size_t normal = 0, partial = 0, slow = 0;
	char *err, m[64];
	int slowfd = tcp_to(AF_INET, pt.tcp4), fd;

	for (int i = 0; i < HALF; i++) {
		half[i] = tcp_to(AF_INET, pt.tcp4);
		SEND_LIT(half[i], "100 <13>never finished");
	}
	fd = tcp_to(AF_INET, pt.tcp4);
	for (size_t i = 0; i < 8; i++) {
		/* One byte of the slow frame, then ten normal messages. */
		send_all(slowfd, slow_msg + i, 1);
		for (int k = 0; k < 10; k++) {
			int len = snprintf(m, sizeof(m), "<13>normal %zu", i * 10 + (size_t)k);

			dprintf(fd, "%d %s", len, m);
		}
		sleep_ms(200);
	}
	/* The normal client's 80 messages are in while the others still hang. */
	wait_records(80);
	cr_expect_geq(count_stored(), 80);
	err = stop();
	read_store(&got);
	for (size_t k = 0; k < got.n; k++) {
		if (memmem(got.r[k].raw, got.r[k].len, "<13>normal ", 11))
			normal++;
		else if (got.r[k].len == 18 && memcmp(got.r[k].raw, "<13>never finished", 18) == 0 &&
			 (got.r[k].flags & SC_REC_TRUNCATED))
			partial++;
		else if (got.r[k].len == 8 && memcmp(got.r[k].raw, slow_msg, 8) == 0 &&
			 (got.r[k].flags & SC_REC_TRUNCATED))
			slow++;
	}
	cr_expect_eq(normal, 80);
	cr_expect_eq(partial, HALF, "%zu of %d unfinished frames kept:\n%s", partial, HALF, err);
	cr_expect_eq(slow, 1, "the slow client's 8 bytes");
	free(err);
	recs_free(&got);
	for (int i = 0; i < HALF; i++)
		close(half[i]);
	close(fd);
	close(slowfd);
}

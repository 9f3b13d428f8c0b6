/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * AF_XDP capture in network namespaces this test creates: the built sealcap
 * with --af-xdp IFACE on the server end of a veth pair (default single
 * queue), the server keeping its own kernel networking on that interface,
 * and senders in a client namespace.
 *
 *   steers_syslog_kernel_keeps_the_rest
 *       sealcap --driver dpdk,socket: UDP syslog to 514 and to 1514 (which
 *       only reaches DPDK if the driver wrote --dpdk-syslog-ports into the
 *       program's map: else the kernel answers port unreachable and
 *       sealcap-gen stops), 802.1Q and QinQ frames with IPv4 options (built
 *       with AF_PACKET: kernels without CONFIG_VLAN_8021Q have no VLAN
 *       devices), IPv6 with and without a hop-by-hop header: all stored
 *       exactly once.  Fragmented syslog datagrams (IPv4, and IPv6 behind a
 *       hop-by-hop header) reach DPDK with every fragment.  The kernel
 *       answers ARP, ND and ping (also fragmented ping), gets a fragmented
 *       UDP datagram to a non-syslog port whole on its socket, and takes
 *       TCP syslog on port 514 for the socket driver, into the same store.
 *       The XDP counters match what was sent; the program is detached after
 *       SIGTERM; sealctl verify passes.
 *   refuses_an_interface_running_xdp
 *       after SIGKILL the program stays attached: the next start is refused
 *       with the command that removes it; after that command it starts.
 *   bad_arguments_are_refused_clearly
 *       a missing interface, a missing program file, a file that is not
 *       BPF, more queues than the veth has.
 *
 * Needs root (namespaces, XDP): without it the tests fail saying so (CI
 * runs as root).  Names carry this process's PID; addresses are link-local
 * (169.254.88-90.x, fe80::88:x); children are ended by PID and the
 * namespaces deleted (with the veth) in .fini, or at once when setup fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/hash.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"

/* Messages per stream, and the pace: low enough for a shared 2-core CI. */
#define N_MAIN 10000u
#define N_SIDE 1000u
#define N_V6 500u
#define N_TCP 2000u
#define RATE "5000"
/* A UDP payload that needs three IPv4 or IPv6 fragments at MTU 1500. */
#define BIG_LEN 3500u
/* Non-syslog UDP port served by a kernel socket in the server namespace. */
#define KERNEL_UDP_PORT 5140

static const char eal_args[] =
	"-l 0 --no-huge -m 128 --no-shconf --no-pci --no-telemetry --log-level=error";

static char tmp[256];
static char ns_s[32], ns_c[32];           /* namespaces */
static char if_s[16], if_c[16];           /* the veth pair */
static bool made_ns;
static int lock_fd = -1;
static char store[300];

static const char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

/* A program in PATH or the sbin directories. */
static const char *
find_prog(const char *name)
{
	static char path[8][512];
	static unsigned k;
	char *out = path[k++ % 8];
	const char *p = getenv("PATH");
	char dirs[2048];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", p ? p : "");
	for (char *s = dirs, *e; *s; s = e + (*e != '\0')) {
		e = strchr(s, ':');
		if (e == NULL)
			e = s + strlen(s);
		if (e > s) {
			snprintf(out, 512, "%.*s/%s", (int)(e - s), s, name);
			if (access(out, X_OK) == 0)
				return out;
		}
		if (*e == '\0')
			break;
	}
	return NULL;
}

/* Output of the last run(). */
static char *out, *err;

/* Run argv to its end (at most @p secs); @return its exit status. */
static int
run(const char *const *argv, unsigned secs)
{
	const char *o = in_tmp("run.out"), *e = in_tmp("run.err");
	pid_t pid = sct_spawn(argv, o, e);
	int st = 0;

	free(out);
	free(err);
	out = err = NULL;
	if (!sct_wait(pid, &st, secs * 1000)) {
		kill(pid, SIGKILL);
		sct_wait(pid, &st, 10000);
		err = sct_slurp_live(e);
		cr_assert_fail("%s did not finish in %u s; stderr:\n%s", argv[0], secs, err);
	}
	out = sct_slurp_live(o);
	err = sct_slurp_live(e);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x); stderr:\n%s", argv[0], st, err);
	return WEXITSTATUS(st);
}

#define RUN(secs, ...) run((const char *const[]){ __VA_ARGS__, NULL }, secs)

/* A shell command line (names here are ours, no quoting needed). */
static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return RUN(60, "/bin/sh", "-c", cmd);
}

/* sh() that must succeed. */
#define SH(...) \
	do { \
		int rc_ = sh(__VA_ARGS__); \
		cr_assert_eq(rc_, 0, "exit %d: %s%s", rc_, out, err); \
	} while (0)

/* N in "KEY N" (first occurrence), or -1. */
static int64_t
num_after(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;

	return p ? (int64_t)strtoll(p + strlen(key), NULL, 10) : -1;
}

static int
wait_child(pid_t pid, unsigned secs)
{
	int st = 0;

	cr_assert(sct_wait(pid, &st, secs * 1000), "child %d still running after %u s", (int)pid,
		  secs);
	cr_assert(WIFEXITED(st), "child died (status 0x%x)", st);
	return WEXITSTATUS(st);
}

/* ---- the namespaces -------------------------------------------------------------- */

static void teardown(void);

/*
 * sh() during setup: on failure the namespaces made so far are removed
 * before the test fails (Criterion runs no .fini after a failed .init).
 */
#define SETUP_SH(...) \
	do { \
		int rc_ = sh(__VA_ARGS__); \
		if (rc_ != 0) { \
			char msg_[2048]; \
			snprintf(msg_, sizeof(msg_), "setup: exit %d: %s%s", rc_, out, err); \
			teardown(); \
			cr_assert_fail("%s", msg_); \
		} \
	} while (0)

static char mac_s[20];                    /* the server veth's MAC */

static void
setup(void)
{
	static bool registered;
	int pid = (int)getpid();
	const char *p;

	if (!registered) {
		atexit(sct_kill_children);
		registered = true;
	}
	signal(SIGPIPE, SIG_IGN);
	cr_assert(geteuid() == 0,
		  "the AF_XDP namespace tests need root (network namespaces, XDP programs, "
		  "AF_XDP sockets); run them as root, as CI does");
	cr_assert(find_prog("ip") != NULL, "no 'ip' program (Debian: iproute2)");
	cr_assert(find_prog("ping") != NULL, "no 'ping' program (Debian: iputils-ping)");
	cr_assert(access(SC_XDP_OBJ, R_OK) == 0,
		  "%s is missing: the build has no XDP program (needs clang and libbpf-dev)", SC_XDP_OBJ);
	/*
	 * Under ASan, leaks inside DPDK's af_xdp PMD are known and not ours
	 * (lsan-af_xdp.supp); full stacks so that only those are matched.
	 */
	{
		const char *a = getenv("ASAN_OPTIONS");
		char buf[512];

		snprintf(buf, sizeof(buf), "%s%sfast_unwind_on_malloc=0", a ? a : "", a && *a ? ":" : "");
		setenv("ASAN_OPTIONS", buf, 1);
		setenv("LSAN_OPTIONS", "suppressions=" SC_TEST_SRC "/lsan-af_xdp.supp", 1);
	}
	/* Shares the live suite's lock: one system test at a time on this machine. */
	lock_fd = open("/tmp/sealcap-live.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_EX);
	sct_tmpdir(tmp, sizeof(tmp), "netns");
	snprintf(store, sizeof(store), "%s/store", tmp);
	snprintf(ns_s, sizeof(ns_s), "sc-xdp-s-%d", pid);
	snprintf(ns_c, sizeof(ns_c), "sc-xdp-c-%d", pid);
	snprintf(if_s, sizeof(if_s), "s%d", pid);
	snprintf(if_c, sizeof(if_c), "c%d", pid);

	if (sh("ip netns add %s", ns_s) != 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s%s", out, err);
		teardown();
		cr_assert_fail("cannot create a network namespace (a container without CAP_SYS_ADMIN?): %s",
			       msg);
	}
	made_ns = true;
	SETUP_SH("ip netns add %s", ns_c);
	/* The veth keeps its default single queue (DPDK-NOTES section 4). */
	SETUP_SH("ip link add %s netns %s type veth peer name %s netns %s", if_s, ns_s, if_c, ns_c);
	SETUP_SH("ip -n %s link set lo up && ip -n %s link set lo up", ns_s, ns_c);
	/* Both ends have addresses: the server keeps its kernel networking. */
	SETUP_SH("ip -n %s addr add 169.254.88.2/24 dev %s && "
		 "ip -n %s addr add fe80::88:2/64 dev %s nodad && ip -n %s link set %s up",
		 ns_s, if_s, ns_s, if_s, ns_s, if_s);
	SETUP_SH("ip -n %s addr add 169.254.88.1/24 dev %s && "
		 "ip -n %s addr add fe80::88:1/64 dev %s nodad && ip -n %s link set %s up",
		 ns_c, if_c, ns_c, if_c, ns_c, if_c);
	SETUP_SH("ip -n %s link show dev %s", ns_s, if_s);
	p = strstr(out, "link/ether ");
	if (p == NULL || sscanf(p + strlen("link/ether "), "%17s", mac_s) != 1) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "no MAC address in: %s", out);
		teardown();
		cr_assert_fail("%s", msg);
	}
}

static void
teardown(void)
{
	sct_kill_children();
	if (made_ns) {
		/* Deleting the server namespace removes the veth pair with it. */
		sh("ip netns del %s; ip netns del %s", ns_s, ns_c);
		made_ns = false;
	}
	free(out);
	free(err);
	out = err = NULL;
	if (tmp[0])
		sct_rmtree(tmp);
	tmp[0] = '\0';
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

TestSuite(af_xdp, .init = setup, .fini = teardown, .timeout = 300);

/* ---- the engine -------------------------------------------------------------------- */

static pid_t engine_pid;

/*
 * Start sealcap in the server namespace with --af-xdp on the veth (and
 * @p extra), and wait for its af_xdp ready line and @p nlisten socket lines.
 * @return its stderr so far.
 */
static char *
engine_start(const char *const *extra, unsigned nlisten)
{
	const char *argv[64] = { find_prog("ip"), "netns", "exec", ns_s, SEALCAP, "--store", store,
				 "--af-xdp", if_s, "--dpdk-args", eal_args, "--idle-sleep-us", "20" };
	size_t n = 13;
	char *e = NULL;
	int64_t end = sct_mono_ms() + 60000;

	while (*extra && n < 63)
		argv[n++] = *extra++;
	argv[n] = NULL;
	/* A previous run's lines must not pass for this one's. */
	unlink(in_tmp("engine.err"));
	engine_pid = sct_spawn(argv, in_tmp("engine.out"), in_tmp("engine.err"));
	for (;;) {
		unsigned lines = 0;
		int st;

		free(e);
		e = sct_slurp_live(in_tmp("engine.err"));
		for (const char *q = e; (q = strstr(q, "listening on ")) != NULL; q++)
			lines++;
		if (strstr(e, "sealcap: af_xdp on ") != NULL && lines >= nlisten)
			return e;
		if (sct_wait(engine_pid, &st, 0)) {
			engine_pid = 0;
			cr_assert_fail("sealcap exited (status 0x%x) before it was ready:\n%s", st, e);
		}
		cr_assert(sct_mono_ms() < end, "sealcap not ready after 60 s:\n%s", e);
		sct_sleep_ms(20);
	}
}

/* SIGTERM by PID: drains, seals, exits 0.  @return its stderr. */
static char *
engine_stop(void)
{
	int st = 0;
	char *e;

	cr_assert(engine_pid > 0);
	cr_assert_eq(kill(engine_pid, SIGTERM), 0);
	if (!sct_wait(engine_pid, &st, 120000)) {
		e = sct_slurp_live(in_tmp("engine.err"));
		cr_assert_fail("sealcap still running 120 s after SIGTERM:\n%s", e);
	}
	engine_pid = 0;
	e = sct_slurp_live(in_tmp("engine.err"));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sealcap status 0x%x after SIGTERM:\n%s", st,
		  e);
	return e;
}

/* Does the server's veth have an XDP program attached? */
static bool
xdp_attached(void)
{
	SH("ip -n %s link show dev %s", ns_s, if_s);
	return strstr(out, " xdp") != NULL || strstr(out, "prog/xdp") != NULL;
}

/* ---- senders and receivers in the namespaces --------------------------------------- */

/* ping from the client until it answers (first ARP/ND may be lost), at most 20 s. */
static void
expect_ping(const char *what, const char *const *args)
{
	const char *argv[16] = { find_prog("ip"), "netns", "exec", ns_c, find_prog("ping"), "-c", "2",
				 "-i", "0.2", "-W", "1" };
	size_t n = 11;
	int64_t end = sct_mono_ms() + 20000;
	int rc;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	do {
		rc = run(argv, 60);
		if (rc == 0)
			break;
		sct_sleep_ms(200);
	} while (sct_mono_ms() < end);
	cr_expect_eq(rc, 0, "ping %s: no answer from the server's kernel:\n%s%s", what, out, err);
	if (rc == 0)
		cr_log_info("ping %s: %s", what, strstr(out, "packets transmitted") ?
			    strstr(out, "packets transmitted") : out);
}

/* sealcap-gen from the client to @p url (+ @p extra, NULL-terminated): every message sent. */
static void
gen(const char *url, unsigned count, const char *const *extra)
{
	const char *argv[24] = { find_prog("ip"), "netns", "exec", ns_c, GEN, "--out", url,
				 "--allow-nonlocal", "--count", NULL, "--rate", RATE, "--sources", "4" };
	size_t n = 14;
	const char *line;
	char c[16];
	int rc;

	snprintf(c, sizeof(c), "%u", count);
	argv[9] = c;
	while (extra && *extra && n < 23)
		argv[n++] = *extra++;
	argv[n] = NULL;
	rc = run(argv, 300);
	cr_assert_eq(rc, 0, "sealcap-gen --out %s exit %d:\n%s", url, rc, err);
	line = strstr(err, "sealcap-gen: ") ? strstr(err, "sealcap-gen: ") : err;
	while (strstr(line + 1, "sealcap-gen: ") != NULL)
		line = strstr(line + 1, "sealcap-gen: ");
	cr_log_info("%s", line);
}

/* IPv6 UDP syslog from fe80::88:1, half with a hop-by-hop header, + one big datagram. */
static int
send_v6(void *arg)
{
	/* Hop-by-hop: next header (kernel fills), length 0, PadN of 4 bytes. */
	static const uint8_t hbh[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(514) };
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	int plain = socket(AF_INET6, SOCK_DGRAM, 0), opt = socket(AF_INET6, SOCK_DGRAM, 0);
	char msg[BIG_LEN + 1];

	(void)arg;
	inet_pton(AF_INET6, "fe80::88:2", &dst.sin6_addr);
	dst.sin6_scope_id = if_nametoindex(if_c);
	src.sin6_scope_id = dst.sin6_scope_id;
	inet_pton(AF_INET6, "fe80::88:1", &src.sin6_addr);
	if (plain < 0 || opt < 0 || dst.sin6_scope_id == 0 ||
	    bind(plain, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    bind(opt, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    setsockopt(opt, IPPROTO_IPV6, IPV6_HOPOPTS, hbh, sizeof(hbh)) != 0) {
		fprintf(stderr, "v6 sockets: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned i = 1; i <= N_V6; i++) {
		int len = snprintf(msg, sizeof(msg), "<14>1 2026-01-01T00:00:00Z client6 xdptest - - - "
				   "v6 seq=%u hbh=%u", i, i & 1);

		if (sendto(i & 1 ? opt : plain, msg, (size_t)len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != len) {
			fprintf(stderr, "v6 sendto: %s\n", strerror(errno));
			return 1;
		}
		if (i % 50 == 0)
			sct_sleep_ms(10);
	}
	/* Fragments behind a hop-by-hop header. */
	memset(msg, 'v', sizeof(msg));
	memcpy(msg, "<14>bigfrag6 ", 13);
	if (sendto(opt, msg, BIG_LEN, 0, (struct sockaddr *)&dst, sizeof(dst)) != BIG_LEN) {
		fprintf(stderr, "v6 big sendto: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* One UDP datagram of BIG_LEN bytes (three IPv4 fragments) to 169.254.88.2:PORT. */
static int
send_big4(void *arg)
{
	unsigned port = (unsigned)(uintptr_t)arg;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	char msg[BIG_LEN];

	inet_pton(AF_INET, "169.254.88.2", &dst.sin_addr);
	memset(msg, 'x', sizeof(msg));
	memcpy(msg, port == 514 ? "<14>bigfrag4 " : "<14>notsyslog", 13);
	if (s < 0 || sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&dst, sizeof(dst)) != BIG_LEN) {
		fprintf(stderr, "big sendto: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * Frames with VLAN tags, written whole with AF_PACKET: this kernel may
 * have no 802.1Q support (CONFIG_VLAN_8021Q), and the XDP program must see
 * the tags in the frame either way.  IPv4 with an options field when
 * @p ip_opts, UDP checksum 0 (none, RFC 768).
 */
struct tagged {
	const char *src;       /* IPv4 source */
	uint16_t dport;
	unsigned ntags;
	uint16_t tpid[2], vid[2];
	bool ip_opts;
	unsigned count;        /* messages seq=1..count */
};

static uint16_t
ip_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int
send_tagged(void *arg)
{
	const struct tagged *t = arg;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	unsigned m[6];
	uint8_t f[600];
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	ll.sll_ifindex = (int)if_nametoindex(if_c);
	if (s < 0 || ll.sll_ifindex == 0 ||
	    sscanf(mac_s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "packet socket: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 6; i++)
		ll.sll_addr[i] = (uint8_t)m[i];
	for (unsigned n = 1; n <= t->count; n++) {
		size_t off = 12, ip, hl = t->ip_opts ? 24 : 20;
		int plen;
		uint16_t v;

		memcpy(f, ll.sll_addr, 6);
		memcpy(f + 6, "\x02\x00\x00\x00\x88\x01", 6);
		for (unsigned k = 0; k < t->ntags; k++) {
			f[off++] = (uint8_t)(t->tpid[k] >> 8);
			f[off++] = (uint8_t)t->tpid[k];
			f[off++] = (uint8_t)(t->vid[k] >> 8);
			f[off++] = (uint8_t)t->vid[k];
		}
		f[off++] = 0x08;
		f[off++] = 0x00;
		ip = off;
		plen = snprintf((char *)f + ip + hl + 8, sizeof(f) - ip - hl - 8,
				"<14>1 2026-01-01T00:00:00Z tagged xdptest - - - vlan %u seq=%u",
				t->vid[t->ntags - 1], n);
		memset(f + ip, 0, hl + 8);
		f[ip] = (uint8_t)(0x40 | hl / 4);
		v = (uint16_t)(hl + 8 + (size_t)plen);
		f[ip + 2] = (uint8_t)(v >> 8);
		f[ip + 3] = (uint8_t)v;
		f[ip + 4] = (uint8_t)(n >> 8);
		f[ip + 5] = (uint8_t)n;
		f[ip + 8] = 64;
		f[ip + 9] = IPPROTO_UDP;
		inet_pton(AF_INET, t->src, f + ip + 12);
		inet_pton(AF_INET, "169.254.88.2", f + ip + 16);
		if (t->ip_opts)
			memset(f + ip + 20, 1, 4);      /* four NOP options */
		v = ip_csum(f + ip, hl);
		f[ip + 10] = (uint8_t)(v >> 8);
		f[ip + 11] = (uint8_t)v;
		f[ip + hl] = 0x30;                      /* source port 12345 */
		f[ip + hl + 1] = 0x39;
		f[ip + hl + 2] = (uint8_t)(t->dport >> 8);
		f[ip + hl + 3] = (uint8_t)t->dport;
		v = (uint16_t)(8 + plen);
		f[ip + hl + 4] = (uint8_t)(v >> 8);
		f[ip + hl + 5] = (uint8_t)v;
		if (sendto(s, f, ip + hl + 8 + (size_t)plen, 0, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
			fprintf(stderr, "packet sendto: %s\n", strerror(errno));
			return 1;
		}
		if (n % 50 == 0)
			sct_sleep_ms(10);
	}
	return 0;
}

/* Kernel UDP socket on the server: receive one BIG_LEN datagram, whole. */
static int ready_pipe[2];

static int
recv_kernel_udp(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(KERNEL_UDP_PORT) };
	struct timeval tv = { 30, 0 };
	char buf[BIG_LEN + 100];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n;

	(void)arg;
	inet_pton(AF_INET, "169.254.88.2", &a.sin_addr);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		return 2;
	if (write(ready_pipe[1], "r", 1) != 1)
		return 2;
	n = recv(s, buf, sizeof(buf), 0);
	if (n < 0)
		return 3;       /* nothing arrived */
	return n == BIG_LEN && memcmp(buf, "<14>notsyslog", 13) == 0 ? 0 : 4;
}

/* ---- the store ------------------------------------------------------------------------ */

/* A group of records: transport, destination port, source address. */
struct stream {
	const char *name;
	uint8_t transport;
	uint16_t dport;
	uint8_t addr[16];
	uint64_t count;        /* seq 1..count expected, once each */
	uint8_t *seen;
	uint64_t stored, dup, bad;
};

struct tally {
	struct stream *st;
	unsigned nst;
	uint64_t big4, big6, stray, events;
};

static void
v4mapped(uint8_t a[16], const char *dotted)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	cr_assert_eq(inet_pton(AF_INET, dotted, a + 12), 1);
}

/* The one "seq=N" of a message, or 0. */
static uint64_t
seq_of(const uint8_t *raw, size_t len)
{
	const uint8_t *s = memmem(raw, len, "seq=", 4);
	uint64_t n = 0;

	if (s == NULL || memmem(s + 4, len - (size_t)(s + 4 - raw), "seq=", 4) != NULL)
		return 0;
	for (s += 4; s < raw + len && *s >= '0' && *s <= '9' && n < UINT64_MAX / 10; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

static int
tally_one(const struct sc_record *r, uint32_t i, void *a)
{
	struct tally *t = a;
	uint64_t n;

	(void)i;
	if (r->flags & SC_REC_EVENT) {
		t->events++;
		return 0;
	}
	if (r->raw_len >= 12 && memcmp(r->raw, "<14>bigfrag4", 12) == 0) {
		t->big4++;
		return 0;
	}
	if (r->raw_len >= 12 && memcmp(r->raw, "<14>bigfrag6", 12) == 0) {
		t->big6++;
		return 0;
	}
	for (unsigned k = 0; k < t->nst; k++) {
		struct stream *s = &t->st[k];

		if (s->transport != r->transport || s->dport != r->dst_port ||
		    memcmp(s->addr, r->addr, 16) != 0)
			continue;
		s->stored++;
		n = seq_of(r->raw, r->raw_len);
		if (n < 1 || n > s->count) {
			if (s->bad++ < 3)
				cr_expect_fail("%s: not one generated message: \"%.*s\"", s->name,
					       (int)(r->raw_len < 100 ? r->raw_len : 100),
					       (const char *)r->raw);
		} else if (s->seen[n >> 3] >> (n & 7) & 1) {
			if (s->dup++ < 3)
				cr_expect_fail("%s: seq=%" PRIu64 " stored twice", s->name, n);
		} else {
			s->seen[n >> 3] |= (uint8_t)(1u << (n & 7));
		}
		return 0;
	}
	if (t->stray++ < 5) {
		char src[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, r->addr, src, sizeof(src));
		cr_expect_fail("record from %s port %u to port %u (transport %u) belongs to no stream: "
			       "\"%.*s\"", src, r->src_port, r->dst_port, r->transport,
			       (int)(r->raw_len < 80 ? r->raw_len : 80), (const char *)r->raw);
	}
	return 0;
}

/* Every record of the finished store, read through the public reader API. */
static void
walk_store(struct tally *t)
{
	sct_store_foreach(store, tally_one, t);
}

/* ---- the tests ------------------------------------------------------------------------ */

Test(af_xdp, steers_syslog_kernel_keeps_the_rest)
{
	const char *const extra[] = { "--driver", "dpdk,socket", "--dpdk-syslog-ports", "514,1514",
				      "--listen", "tcp://169.254.88.2:514", NULL };
	struct stream st[] = {
		{ "udp 514", SC_TRANSPORT_UDP, 514, { 0 }, N_MAIN, NULL, 0, 0, 0 },
		{ "udp 1514", SC_TRANSPORT_UDP, 1514, { 0 }, N_SIDE, NULL, 0, 0, 0 },
		{ "udp 514 over 802.1Q", SC_TRANSPORT_UDP, 514, { 0 }, N_SIDE, NULL, 0, 0, 0 },
		{ "udp 514 over QinQ, IPv4 options", SC_TRANSPORT_UDP, 514, { 0 }, N_SIDE, NULL, 0, 0,
		  0 },
		{ "udp 514 over IPv6", SC_TRANSPORT_UDP, 514, { 0 }, N_V6, NULL, 0, 0, 0 },
		{ "tcp 514 via the kernel", SC_TRANSPORT_TCP, 514, { 0 }, N_TCP, NULL, 0, 0, 0 },
	};
	struct tally t = { .st = st, .nst = sizeof(st) / sizeof(st[0]) };
	uint64_t total = 0, want_dpdk;
	struct tagged vlan = { "169.254.89.1", 514, 1, { 0x8100 }, { 42 }, false, N_SIDE };
	struct tagged qinq = { "169.254.90.1", 514, 2, { 0x88a8, 0x8100 }, { 100, 43 }, true, N_SIDE };
	struct tagged other = { "169.254.89.1", KERNEL_UDP_PORT, 1, { 0x8100 }, { 42 }, false, 10 };
	char *e, want[64], six[64];
	const char *d;
	pid_t rx;
	char c;

	v4mapped(st[0].addr, "169.254.88.1");
	v4mapped(st[1].addr, "169.254.88.1");
	v4mapped(st[2].addr, "169.254.89.1");
	v4mapped(st[3].addr, "169.254.90.1");
	inet_pton(AF_INET6, "fe80::88:1", st[4].addr);
	v4mapped(st[5].addr, "169.254.88.1");
	for (unsigned k = 0; k < t.nst; k++) {
		st[k].seen = calloc(st[k].count / 8 + 1, 1);
		cr_assert(st[k].seen != NULL);
	}

	e = engine_start(extra, 1);
	cr_assert(strstr(e, "UDP ports 514,1514 to DPDK, everything else to the kernel") != NULL,
		  "no af_xdp ready line:\n%s", e);
	cr_assert(xdp_attached(), "no XDP program on %s while sealcap runs:\n%s", if_s, out);
	cr_expect(strstr(out, "sc_xdp_steer") != NULL, "not sealcap's program:\n%s", out);
	free(e);

	/* The kernel answers ARP/ND and ping on the capture interface. */
	snprintf(six, sizeof(six), "fe80::88:2%%%s", if_c);
	expect_ping("169.254.88.2", (const char *const[]){ "169.254.88.2", NULL });
	expect_ping("169.254.88.2 with 3000-byte fragments",
		    (const char *const[]){ "-s", "3000", "169.254.88.2", NULL });
	expect_ping("fe80::88:2", (const char *const[]){ "-6", six, NULL });

	/* UDP syslog: to DPDK.  sealcap-gen stops on ICMP port unreachable, i.e. if the kernel got it. */
	gen("udp://169.254.88.2:514", N_MAIN, NULL);
	gen("udp://169.254.88.2:1514", N_SIDE, NULL);
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_tagged, &vlan), 60), 0, "802.1Q sender failed");
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_tagged, &qinq), 60), 0, "QinQ sender failed");
	/* Tagged, not syslog: to the kernel (which has no VLAN 42 and drops it). */
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_tagged, &other), 60), 0, "sender failed");
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_v6, NULL), 60), 0, "IPv6 sender failed");
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_big4, (void *)(uintptr_t)514), 60), 0,
		     "fragmented syslog sender failed");

	/* UDP to another port, in fragments: the kernel reassembles it for its socket. */
	cr_assert_eq(pipe(ready_pipe), 0);
	rx = sct_fork_ns(ns_s, recv_kernel_udp, NULL);
	cr_assert_eq(read(ready_pipe[0], &c, 1), 1, "kernel UDP receiver did not start");
	cr_assert_eq(wait_child(sct_fork_ns(ns_c, send_big4, (void *)(uintptr_t)KERNEL_UDP_PORT), 60), 0,
		     "non-syslog sender failed");
	cr_expect_eq(wait_child(rx, 60), 0,
		     "a kernel socket on UDP %u did not get the fragmented datagram whole (3: nothing, "
		     "4: wrong bytes)", KERNEL_UDP_PORT);
	close(ready_pipe[0]);
	close(ready_pipe[1]);

	/* TCP syslog to 514: the kernel's, through the socket driver. */
	gen("tcp://169.254.88.2:514", N_TCP, (const char *const[]){ "--connections", "2", NULL });

	sct_sleep_ms(500);
	e = engine_stop();
	d = strstr(e, "sealcap: driver dpdk: ");
	cr_assert(d != NULL, "no dpdk stats line:\n%s", e);
	cr_log_info("%.*s", (int)(strchr(d, '\n') ? strchr(d, '\n') - d : (long)strlen(d)), d);

	/* Counters of the XDP program: exactly the syslog frames went to DPDK. */
	want_dpdk = N_MAIN + 3 * N_SIDE + N_V6 + 3 + 3;
	cr_expect_eq(num_after(d, "to-dpdk="), (int64_t)want_dpdk, "XDP to-dpdk, want %" PRIu64 ":\n%s",
		     want_dpdk, d);
	cr_expect_eq(num_after(d, "no-socket="), 0, "%s", d);
	cr_expect_eq(num_after(d, "frag-dpdk="), 6, "fragments of the two big syslog datagrams:\n%s", d);
	cr_expect_eq(num_after(d, "frag-kernel="), 3, "fragments of the non-syslog datagram:\n%s", d);
	cr_expect_gt(num_after(d, "to-kernel="), 20, "ARP, ND, ping, TCP went to the kernel:\n%s", d);
	/* Every frame sent to DPDK was received or counted lost (xsk ring full, imissed). */
	cr_expect_eq(num_after(d, "to-dpdk="), num_after(d, "ipackets=") + num_after(d, "imissed=") +
		     num_after(d, "ring-full="), "%s", d);
	cr_expect_eq(num_after(d, "ring-full="), 0, "frames lost at the AF_XDP socket:\n%s", d);
	cr_expect_eq(num_after(d, "imissed="), 0, "%s", d);
	cr_expect(!xdp_attached(), "XDP program still on %s after a clean exit:\n%s", if_s, out);
	cr_expect(strstr(out, "PROMISC") == NULL, "sealcap left %s promiscuous:\n%s", if_s, out);

	walk_store(&t);
	for (unsigned k = 0; k < t.nst; k++) {
		struct stream *s = &st[k];
		uint64_t missing = 0, first = 0;

		for (uint64_t n = 1; n <= s->count; n++)
			if (!(s->seen[n >> 3] >> (n & 7) & 1) && missing++ == 0)
				first = n;
		cr_expect_eq(missing, 0, "%s: %" PRIu64 " of %" PRIu64 " messages missing (first seq=%"
			     PRIu64 ")", s->name, missing, s->count, first);
		cr_expect_eq(s->dup + s->bad, 0, "%s: %" PRIu64 " twice, %" PRIu64 " malformed", s->name,
			     s->dup, s->bad);
		cr_log_info("%s: %" PRIu64 " of %" PRIu64 " stored", s->name, s->stored, s->count);
		total += s->stored;
		free(s->seen);
	}
	cr_expect_eq(t.stray, 0, "%" PRIu64 " records of no stream", t.stray);
	/* Fragments reach DPDK whole (frag-dpdk above); stored once reassembled, never twice. */
	cr_expect(t.big4 <= 1 && t.big6 <= 1, "a fragmented datagram stored %" PRIu64 "/%" PRIu64
		  " times", t.big4, t.big6);
	cr_log_info("fragmented syslog datagrams stored: IPv4 %" PRIu64 ", IPv6 %" PRIu64
		    " (0 while the dpdk driver skips fragments)", t.big4, t.big6);
	total += t.big4 + t.big6;
	cr_expect_eq(num_after(strstr(e, "sealcap: received "), "sealcap: received "), (int64_t)total,
		     "%s", e);
	free(e);

	cr_expect_eq(RUN(300, SEALCTL, "verify", store), 0, "sealctl verify:\n%s%s", out, err);
	snprintf(want, sizeof(want), "OK: %" PRIu64 " records", total);
	cr_expect(strncmp(out, want, strlen(want)) == 0, "want \"%s ...\", got:\n%s%s", want, out, err);
}

Test(af_xdp, refuses_an_interface_running_xdp)
{
	const char *const dpdk[] = { "--driver", "dpdk", NULL };
	char *e;
	int st;

	free(engine_start(dpdk, 0));
	cr_assert(xdp_attached());
	/* SIGKILL: nothing detaches the program. */
	kill(engine_pid, SIGKILL);
	cr_assert(sct_wait(engine_pid, &st, 30000));
	engine_pid = 0;
	cr_assert(xdp_attached(), "the program went away with SIGKILL? %s", out);

	cr_assert_neq(RUN(120, find_prog("ip"), "netns", "exec", ns_s, SEALCAP, "--store", store,
			  "--driver", "dpdk", "--af-xdp", if_s, "--dpdk-args", eal_args), 0,
		      "started on an interface that runs an XDP program:\n%s", err);
	cr_expect(strstr(err, "already runs XDP program") != NULL &&
		  strstr(err, "'sc_xdp_steer'") != NULL, "%s", err);
	e = strstr(err, "ip link set dev ");
	cr_assert(e != NULL, "no command to remove it:\n%s", err);
	cr_expect(strncmp(e + strlen("ip link set dev "), if_s, strlen(if_s)) == 0, "%s", err);
	cr_log_info("%s", strstr(err, "sealcap: ") ? strstr(err, "sealcap: ") : err);

	SH("ip -n %s link set dev %s xdp off", ns_s, if_s);
	free(engine_start(dpdk, 0));
	free(engine_stop());
	cr_expect(!xdp_attached(), "%s", out);
}

Test(af_xdp, bad_arguments_are_refused_clearly)
{
	const char *ip = find_prog("ip");

	cr_assert_neq(RUN(60, ip, "netns", "exec", ns_s, SEALCAP, "--store", store, "--driver", "dpdk",
			  "--dpdk-args", eal_args, "--af-xdp", "nosuch0"), 0);
	cr_expect(strstr(err, "--af-xdp nosuch0: no such interface in this network namespace") != NULL,
		  "%s", err);

	cr_assert_neq(RUN(60, ip, "netns", "exec", ns_s, SEALCAP, "--store", store, "--driver", "dpdk",
			  "--dpdk-args", eal_args, "--af-xdp", if_s, "--af-xdp-prog", "/nonexistent.o"),
		      0);
	cr_expect(strstr(err, "XDP program /nonexistent.o: No such file or directory") != NULL, "%s",
		  err);

	/* An ELF object, but for x86, not BPF. */
	cr_assert_neq(RUN(60, ip, "netns", "exec", ns_s, SEALCAP, "--store", store, "--driver", "dpdk",
			  "--dpdk-args", eal_args, "--af-xdp", if_s, "--af-xdp-prog", SEALCAP), 0);
	cr_expect(strstr(err, "is not a BPF object libbpf can open") != NULL, "%s", err);

	/* The veth has one queue. */
	cr_assert_neq(RUN(120, ip, "netns", "exec", ns_s, SEALCAP, "--store", store, "--driver", "dpdk",
			  "--dpdk-args", eal_args, "--af-xdp", if_s, "--rx-queues", "2"), 0);
	cr_expect(strstr(err, "the af_xdp PMD did not take the interface") != NULL, "%s", err);
	cr_expect(!xdp_attached(), "a failed start left an XDP program on %s:\n%s", if_s, out);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The dpdk driver's kernel exception path (drivers/dpdk/exception.c) on a
 * veth pair between two network namespaces this test creates:
 *
 *   netns A (sender)                 netns B (sealcap)
 *   vethA 169.254.77.1/24  <------>  vethB, no address, net_af_packet
 *                                    TAP 169.254.77.2/24, fe80::77:2/64
 *
 *   arp_ping_udp_tcp   sealcap --driver dpdk,socket --exception-tap ...:
 *                      A resolves 169.254.77.2 by ARP and pings it (IPv4,
 *                      and fe80::77:2 through neighbour discovery): the
 *                      answers come from the TAP's MAC, with no duplicates;
 *                      UDP syslog to :514 goes through DPDK, TCP syslog to
 *                      :6514 through the TAP, the kernel and the socket
 *                      driver; after SIGTERM every message is in the store
 *                      exactly once with its transport, the store verifies,
 *                      the exception counters moved and the TAP is gone.
 *   refusals           bad exception options get a clear message.
 *
 * DPDK-NOTES §5: with af_packet the kernel in B also sees every frame of
 * vethB, so the TAP gets a MAC of its own and vethB arp_ignore=8 (else B
 * answers twice).  vethA sends with TX checksum offload off (ethtool):
 * over a veth the kernel leaves TCP/UDP checksums partial, which a packet
 * socket passes on as they are and the kernel behind the TAP would reject;
 * a real NIC delivers complete checksums.
 *
 * Needs root (namespaces, veth, TAP) and iproute2, iputils-ping, ethtool;
 * it fails with a message saying so otherwise.  Every process is started
 * here, remembered by PID and killed by that PID; the namespaces (names
 * carry the test's PID) are deleted in .fini, and by a watchdog child if
 * the test process dies first (a Criterion timeout).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

#define UDP_COUNT 3000u
#define UDP_RATE "3000"
#define TCP_COUNT 3000u
#define TAP_MAC "02:00:00:00:77:02"
#define VETHB_MAC "02:00:00:00:77:0b"
/* Waiting for things that must happen; a slow shared machine only makes them later. */
#define DEADLINE_MS 60000

static char tmp[256];
static char ns_a[32], ns_b[32], veth_a[16], veth_b[16], tap[16];
static pid_t engine_pid, watchdog_pid;

static const char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

/* A program by name in PATH, then the sbin directories; NULL when missing. */
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

/* ---- processes: started here, ended here, by PID ------------------------------- */

/* Start argv (argv[0] a path) in namespace @p ns (NULL: this one), output in TMP/@p tag.log. */
static pid_t
spawn_in(const char *ns, const char *tag, const char *const *argv)
{
	char log[64];

	snprintf(log, sizeof(log), "%s.log", tag);
	return sct_spawn_ns(ns, argv, in_tmp(log), in_tmp(log));
}

/* Wait up to @p ms for @p pid; then SIGKILL it.  @return exit status, -1 if it did not exit. */
static int
wait_pid(pid_t pid, unsigned ms)
{
	int st;

	if (!sct_wait(pid, &st, ms)) {
		kill(pid, SIGKILL);
		cr_assert(sct_wait(pid, &st, 600000), "%d survives SIGKILL", (int)pid);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
log_of(const char *tag)
{
	char log[64];

	snprintf(log, sizeof(log), "%s.log", tag);
	return sct_slurp_live(in_tmp(log));
}

/* Run to the end in @p ns; its output (stdout + stderr) in *out (caller frees). */
static int
run_in(const char *ns, const char *tag, char **out, const char *const *argv)
{
	int rc = wait_pid(spawn_in(ns, tag, argv), DEADLINE_MS);

	*out = log_of(tag);
	return rc;
}

#define RUN_IN(ns, tag, outp, ...) run_in(ns, tag, outp, (const char *const[]){ __VA_ARGS__, NULL })

/* `ip ARGS...` in this namespace; the test stops with ip's message if it fails. */
#define IP(...) ip_ok((const char *const[]){ ip_prog(), __VA_ARGS__, NULL })

static const char *
ip_prog(void)
{
	static const char *ip;

	if (ip == NULL)
		ip = find_prog("ip");
	cr_assert(ip != NULL, "iproute2's ip is not installed (tests/lib/deps.sh)");
	return ip;
}

static void
ip_ok(const char *const *argv)
{
	char cmd[512] = "", *out;
	int rc;

	for (unsigned i = 0; argv[i]; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "", argv[i]);
	rc = run_in(NULL, "ip", &out, argv);
	cr_assert_eq(rc, 0, "'%s' failed (exit %d): %s", cmd, rc, out);
	free(out);
}

/* ---- namespaces ---------------------------------------------------------------- */

static void
netns_del(const char *ns)
{
	const char *ip = find_prog("ip");
	pid_t pid;

	if (ns[0] == '\0' || ip == NULL)
		return;
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execl(ip, ip, "netns", "del", ns, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * A child that deletes the namespaces when this test process dies without
 * its .fini (killed at a timeout).  It waits for SIGTERM (sent by the
 * kernel at the parent's death, PR_SET_PDEATHSIG); .fini kills it by PID.
 */
static void
start_watchdog(void)
{
	pid_t parent = getpid();
	sigset_t term;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	fflush(NULL);
	watchdog_pid = fork();
	cr_assert(watchdog_pid >= 0, "fork: %s", strerror(errno));
	if (watchdog_pid == 0) {
		int sig;

		sigprocmask(SIG_BLOCK, &term, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == parent)
			sigwait(&term, &sig);
		netns_del(ns_a);
		netns_del(ns_b);
		sct_rmtree(tmp);
		_exit(0);
	}
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	sct_tmpdir(tmp, sizeof(tmp), "tap");
}

static void
teardown(void)
{
	/* The engine and anything else spawned, before its namespace goes. */
	sct_kill_children();
	engine_pid = 0;
	/* Deleting a namespace removes its veth end (and so the pair). */
	netns_del(ns_a);
	netns_del(ns_b);
	ns_a[0] = ns_b[0] = '\0';
	if (watchdog_pid > 0) {
		kill(watchdog_pid, SIGKILL);
		waitpid(watchdog_pid, NULL, 0);
		watchdog_pid = 0;
	}
	if (tmp[0])
		sct_rmtree(tmp);
	tmp[0] = '\0';
}

TestSuite(tap, .init = setup, .fini = teardown, .timeout = 300);

/* Stop with a message saying what is missing, instead of failing obscurely. */
static void
need_root_and_tools(void)
{
	cr_assert(geteuid() == 0, "test_tap needs root: it creates network namespaces, a veth pair "
		  "and a TAP (CAP_NET_ADMIN); run the system suite as root, as CI does");
	cr_assert(find_prog("ping") != NULL, "ping is not installed (iputils-ping, tests/lib/deps.sh)");
	cr_assert(find_prog("ethtool") != NULL, "ethtool is not installed (tests/lib/deps.sh)");
	cr_assert(access("/dev/net/tun", R_OK | W_OK) == 0,
		  "/dev/net/tun is not usable (%s): the TAP exception path needs it", strerror(errno));
	ip_prog();
}

/*
 * Write @p value to /proc/sys/DIR/IFACE/KEY as seen from namespace @p ns
 * (net sysctls belong to the namespace of the process that opens them).
 */
static void
sysctl_in(const char *ns, const char *dir, const char *iface, const char *key, const char *value)
{
	char nsfile[64], path[256];
	pid_t pid;
	int st;

	snprintf(nsfile, sizeof(nsfile), "/run/netns/%s", ns);
	snprintf(path, sizeof(path), "/proc/sys/%s/%s/%s", dir, iface, key);
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(nsfile, O_RDONLY | O_CLOEXEC), out;

		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
			_exit(1);
		out = open(path, O_WRONLY | O_CLOEXEC);
		if (out < 0 || write(out, value, strlen(value)) != (ssize_t)strlen(value))
			_exit(2);
		_exit(close(out) == 0 ? 0 : 3);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s = %s in namespace %s failed (step %d)",
		  path, value, ns, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* A, B and the veth pair between them, as in the file comment. */
static void
make_namespaces(void)
{
	int pid = (int)getpid();
	char *out;
	int rc;

	snprintf(ns_a, sizeof(ns_a), "sctapA%d", pid);
	snprintf(ns_b, sizeof(ns_b), "sctapB%d", pid);
	snprintf(veth_a, sizeof(veth_a), "sctA%d", pid);
	snprintf(veth_b, sizeof(veth_b), "sctB%d", pid);
	snprintf(tap, sizeof(tap), "sctT%d", pid);
	start_watchdog();
	rc = RUN_IN(NULL, "ip", &out, ip_prog(), "netns", "add", ns_a);
	cr_assert_eq(rc, 0, "network namespaces are not available here ('ip netns add' exit %d): %s",
		     rc, out);
	free(out);
	IP("netns", "add", ns_b);
	IP("link", "add", veth_a, "netns", ns_a, "type", "veth", "peer", "name", veth_b, "netns", ns_b);
	IP("-n", ns_a, "addr", "add", "169.254.77.1/24", "dev", veth_a);
	IP("-n", ns_a, "link", "set", "lo", "up");
	IP("-n", ns_a, "link", "set", veth_a, "up");
	IP("-n", ns_b, "link", "set", veth_b, "address", VETHB_MAC);
	IP("-n", ns_b, "link", "set", "lo", "up");
	IP("-n", ns_b, "link", "set", veth_b, "up");
	/* B's own stack must not answer ARP on vethB: only the TAP does (DPDK-NOTES §5). */
	sysctl_in(ns_b, "net/ipv4/conf", veth_b, "arp_ignore", "8");
	/* Complete checksums from A (see the file comment). */
	rc = RUN_IN(ns_a, "ethtool", &out, find_prog("ethtool"), "-K", veth_a, "tx", "off");
	cr_assert_eq(rc, 0, "ethtool -K %s tx off: %s", veth_a, out);
	free(out);
}

/* ---- the store ----------------------------------------------------------------- */

struct seen {
	uint8_t *udp, *tcp;   /* copies of seq=N, 1..count */
	uint64_t udp_n, tcp_n, other, bad_seq, bad_csum, wrong_port, events;
};

/* N of the one "seq=N" in a message, or 0. */
static uint64_t
seq_of(const uint8_t *raw, size_t len)
{
	const uint8_t *s = memmem(raw, len, "seq=", 4);
	uint64_t n = 0;

	if (s == NULL || memmem(s + 4, len - (size_t)(s + 4 - raw), "seq=", 4) != NULL)
		return 0;
	for (s += 4; s < raw + len && *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

static int
take_record(const struct sc_record *r, uint32_t i, void *arg)
{
	struct seen *v = arg;
	uint64_t seq;

	(void)i;
	if (r->flags & SC_REC_EVENT) {
		v->events++;
		return 0;
	}
	seq = seq_of(r->raw, r->raw_len);
	if (r->transport == SC_TRANSPORT_UDP) {
		v->udp_n++;
		v->wrong_port += r->dst_port != 514;
		v->bad_csum += (r->flags & SC_REC_BAD_CSUM) != 0;
		if (seq >= 1 && seq <= UDP_COUNT)
			v->udp[seq] += v->udp[seq] < 255;
		else
			v->bad_seq++;
	} else if (r->transport == SC_TRANSPORT_TCP) {
		v->tcp_n++;
		v->wrong_port += r->dst_port != 6514;
		if (seq >= 1 && seq <= TCP_COUNT)
			v->tcp[seq] += v->tcp[seq] < 255;
		else
			v->bad_seq++;
	} else {
		v->other++;
	}
	return 0;
}

/* Every record of @p dir through the public reader. */
static void
read_store(const char *dir, struct seen *v)
{
	sct_store_foreach(dir, take_record, v);
}

static uint64_t
count_not_once(const uint8_t *copies, uint64_t count, uint64_t *missing, uint64_t *dup)
{
	*missing = *dup = 0;
	for (uint64_t s = 1; s <= count; s++) {
		*missing += copies[s] == 0;
		*dup += copies[s] > 1;
	}
	return *missing + *dup;
}

/* N in "KEY=N" in @p text, or -1. */
static int64_t
num_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? (int64_t)strtoll(p + strlen(key), NULL, 10) : -1;
}

/* ---- tests --------------------------------------------------------------------- */

/* Ping @p addr from A until one answer comes back (the first frames after start may be lost). */
static void
ping_until_answered(const char *addr, bool v6)
{
	int64_t end = sct_mono_ms() + DEADLINE_MS;
	char *out = NULL;
	int rc;

	for (;;) {
		free(out);
		rc = RUN_IN(ns_a, "ping", &out, find_prog("ping"), v6 ? "-6" : "-4", "-n", "-c", "1", "-W",
			    "1", addr);
		if (rc == 0 || sct_mono_ms() >= end)
			break;
		sct_sleep_ms(200);
	}
	cr_assert_eq(rc, 0, "%s never answered a ping through the exception path: %s\nsealcap:\n%s",
		     addr, out, log_of("sealcap"));
	free(out);
}

/* Three more pings: all answered once, none twice. */
static void
ping_clean(const char *addr, bool v6)
{
	char *out;
	int rc = RUN_IN(ns_a, "ping", &out, find_prog("ping"), v6 ? "-6" : "-4", "-n", "-c", "3", "-i",
			"0.2", "-W", "2", addr);

	cr_expect_eq(rc, 0, "ping %s: exit %d:\n%s", addr, rc, out);
	cr_expect(strstr(out, "DUP!") == NULL && strstr(out, "duplicates") == NULL,
		  "ping %s got duplicate replies (B's own stack answered too?):\n%s", addr, out);
	cr_log_info("ping %s: %s", addr, strstr(out, "---") ? strstr(out, "---") : out);
	free(out);
}

/*
 * The whole path with @p queues RX queues (af_packet qpairs, one worker
 * each, so as many TAP queue pairs and port TX queues).
 */
static void
exception_path(unsigned queues)
{
	char eal[256], store[300], listen[64], exp[160], a6[64], nq[8], *out, *err;
	int64_t end;
	struct seen v = { 0 };
	uint64_t missing, dup;
	int rc;

	need_root_and_tools();
	make_namespaces();
	snprintf(store, sizeof(store), "%s/store", tmp);
	/*
	 * The af_packet ring is made deeper than its default (framecnt=512),
	 * so a worker descheduled for a while on a busy machine loses nothing.
	 */
	snprintf(eal, sizeof(eal), "-l 0 --no-huge -m 128 --no-shconf --no-pci --no-telemetry "
		 "--log-level=error --vdev=net_af_packet0,iface=%s,framecnt=4096,qpairs=%u", veth_b,
		 queues);
	snprintf(listen, sizeof(listen), "tcp://169.254.77.2:6514");
	snprintf(nq, sizeof(nq), "%u", queues);
	engine_pid = spawn_in(ns_b, "sealcap", (const char *const[]){
		SEALCAP, "--driver", "dpdk,socket", "--dpdk-args", eal, "--rx-queues", nq,
		"--exception-tap", tap, "--exception-addr", "169.254.77.2/24", "--exception-addr",
		"fe80::77:2/64", "--exception-mac", TAP_MAC, "--listen", listen, "--store", store, NULL });

	/* Ready: the TAP is up with its addresses, and the socket driver listens on it. */
	snprintf(exp, sizeof(exp), "exception path: TAP %s (169.254.77.2/24, fe80::77:2/64), mac "
		 TAP_MAC " (--exception-mac), mtu 1500, %u queue", tap, queues);
	end = sct_mono_ms() + DEADLINE_MS;
	for (;;) {
		char *s = log_of("sealcap");
		bool ready = strstr(s, exp) && strstr(s, "listening on tcp://169.254.77.2:6514");

		cr_assert(ready || !sct_wait(engine_pid, NULL, 0),
			  "sealcap exited before it was ready:\n%s", s);
		cr_assert(ready || sct_mono_ms() < end, "sealcap not ready (no '%s'):\n%s", exp, s);
		free(s);
		if (ready)
			break;
		sct_sleep_ms(50);
	}

	/* ARP (and ND) answered through the exception path, by the TAP's MAC. */
	ping_until_answered("169.254.77.2", false);
	ping_clean("169.254.77.2", false);
	rc = RUN_IN(NULL, "neigh", &out, ip_prog(), "-n", ns_a, "neigh", "show", "169.254.77.2", "dev",
		    veth_a);
	cr_expect_eq(rc, 0, "ip neigh: %s", out);
	cr_expect(strstr(out, "lladdr " TAP_MAC) != NULL &&
		  (strstr(out, "REACHABLE") || strstr(out, "STALE") || strstr(out, "DELAY")),
		  "A's neighbour entry for 169.254.77.2 is not the TAP's MAC " TAP_MAC ", resolved: '%s'",
		  out);
	free(out);
	/* IPv6: neighbour discovery for a link-local address on the TAP (scoped to vethA). */
	snprintf(a6, sizeof(a6), "fe80::77:2%%%s", veth_a);
	ping_until_answered(a6, true);
	ping_clean(a6, true);

	/* UDP syslog through DPDK, then TCP syslog through the TAP and the kernel. */
	rc = RUN_IN(ns_a, "gen-udp", &out, GEN, "--out", "udp://169.254.77.2:514", "--allow-nonlocal",
		    "--count", "3000", "--rate", UDP_RATE, "--sources", "8", "--seed", "1");
	cr_assert_eq(rc, 0, "sealcap-gen udp: exit %d:\n%s", rc, out);
	free(out);
	rc = RUN_IN(ns_a, "gen-tcp", &out, GEN, "--out", "tcp://169.254.77.2:6514", "--allow-nonlocal",
		    "--count", "3000", "--sources", "4", "--connections", "2", "--framing", "octet",
		    "--seed", "2");
	cr_assert_eq(rc, 0, "sealcap-gen tcp through the exception path: exit %d:\n%s\nsealcap:\n%s",
		     rc, out, log_of("sealcap"));
	free(out);

	/* SIGTERM: drain, seal, exit 0.  The TAP goes with the process. */
	kill(engine_pid, SIGTERM);
	rc = wait_pid(engine_pid, DEADLINE_MS);
	engine_pid = 0;
	err = log_of("sealcap");
	cr_assert_eq(rc, 0, "sealcap exit %d after SIGTERM:\n%s", rc, err);
	cr_log_info("sealcap:\n%s", err);
	rc = RUN_IN(NULL, "tapgone", &out, ip_prog(), "-n", ns_b, "link", "show", tap);
	cr_expect_neq(rc, 0, "TAP %s still exists after sealcap exited: %s", tap, out);
	free(out);

	/* The exception path carried traffic both ways and lost none of it. */
	cr_expect_gt(num_after(err, " to-kernel="), 0, "no frame went to the kernel:\n%s", err);
	cr_expect_gt(num_after(err, " from-kernel="), 0, "no frame came from the kernel:\n%s", err);
	cr_expect_eq(num_after(err, " to-kernel-dropped="), 0, "%s", err);
	cr_expect_eq(num_after(err, " from-kernel-dropped="), 0, "%s", err);

	rc = RUN_IN(NULL, "verify", &out, SEALCTL, "verify", store);
	cr_expect_eq(rc, 0, "sealctl verify exit %d:\n%s", rc, out);
	cr_expect(strncmp(out, "OK: ", 4) == 0, "sealctl verify:\n%s", out);
	free(out);

	v.udp = calloc(UDP_COUNT + 1, 1);
	v.tcp = calloc(TCP_COUNT + 1, 1);
	cr_assert(v.udp && v.tcp);
	read_store(store, &v);
	cr_expect_eq(count_not_once(v.udp, UDP_COUNT, &missing, &dup), 0,
		     "UDP (via DPDK): %" PRIu64 " of %u seqs missing, %" PRIu64 " stored twice or more",
		     missing, UDP_COUNT, dup);
	cr_expect_eq(v.udp_n, UDP_COUNT, "UDP records: %" PRIu64 ", sent %u", v.udp_n, UDP_COUNT);
	cr_expect_eq(count_not_once(v.tcp, TCP_COUNT, &missing, &dup), 0,
		     "TCP (via TAP and kernel): %" PRIu64 " of %u seqs missing, %" PRIu64
		     " stored twice or more", missing, TCP_COUNT, dup);
	cr_expect_eq(v.tcp_n, TCP_COUNT, "TCP records: %" PRIu64 ", sent %u", v.tcp_n, TCP_COUNT);
	cr_expect_eq(v.bad_seq + v.other + v.wrong_port, 0,
		     "%" PRIu64 " records without a seq in range, %" PRIu64 " of another transport, %"
		     PRIu64 " to an unexpected port", v.bad_seq, v.other, v.wrong_port);
	cr_expect_eq(v.bad_csum, 0, "%" PRIu64 " UDP records flagged with a bad checksum", v.bad_csum);
	cr_log_info("store: %" PRIu64 " UDP + %" PRIu64 " TCP records, %" PRIu64 " engine events",
		    v.udp_n, v.tcp_n, v.events);
	free(v.udp);
	free(v.tcp);
	free(err);
}

Test(tap, arp_ping_udp_tcp)
{
	exception_path(1);
}

/* Two workers: each its own TAP queue pair and port TX queue. */
Test(tap, two_queues)
{
	exception_path(2);
}

/* Exception options that cannot work are refused before anything starts. */
Test(tap, refusals)
{
	static const struct {
		const char *args[6];
		const char *says;
	} cases[] = {
		{ { "--exception-tap", "x", "--exception-addr", "169.254.77.2" }, "expected ADDR/LEN" },
		{ { "--exception-tap", "x", "--exception-addr", "169.254.300.2/24" },
		  "not a numeric IPv4 or IPv6 address" },
		{ { "--exception-tap", "x", "--exception-addr", "169.254.77.2/33" }, "prefix length" },
		{ { "--exception-tap", "x", "--exception-addr", "fe80::1/129" }, "prefix length" },
		{ { "--exception-tap", "x", "--exception-mac", "01:00:5e:00:00:01" }, "unicast MAC" },
		{ { "--exception-tap", "x", "--exception-mac", "02:00:00:00:00" }, "unicast MAC" },
		{ { "--exception-tap", "a,iface=b" }, "interface name" },
		{ { "--exception-tap", "abcdefghijklmnop" }, "interface name" },
		{ { "--exception-addr", "169.254.77.2/24" }, "needs --exception-tap" },
		{ { "--exception-mac", "02:00:00:00:77:02" }, "needs --exception-tap" },
		{ { "--exception-tap", "x", "--exception-addr", "169.254.77.2/24@y" }, "no TAP y" },
		{ { "--exception-tap", "lo" }, "already exists" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[16] = { SEALCAP, "--driver", "dpdk", "--store", in_tmp("s") };
		size_t n = 5;
		char tag[16], *out;
		int rc;

		for (size_t k = 0; cases[i].args[k]; k++)
			argv[n++] = cases[i].args[k];
		argv[n] = NULL;
		snprintf(tag, sizeof(tag), "ref%zu", i);
		rc = run_in(NULL, tag, &out, argv);
		cr_expect(rc == 1 || rc == 2, "case %zu (%s %s): exit %d, want 1 or 2:\n%s", i,
			  cases[i].args[0], cases[i].args[1], rc, out);
		cr_expect(strstr(out, cases[i].says) != NULL, "case %zu (%s %s): no '%s' in:\n%s", i,
			  cases[i].args[0], cases[i].args[1], cases[i].says, out);
		cr_expect(strstr(out, "rte_eal_init") == NULL && strstr(out, "EAL:") == NULL,
			  "case %zu: the EAL started before the refusal:\n%s", i, out);
		free(out);
	}
}

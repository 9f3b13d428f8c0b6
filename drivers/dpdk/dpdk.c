/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * dpdk driver: syslog over UDP straight from DPDK ports (a NIC bound to a
 * PMD, or a virtual device: net_pcap, net_memif, net_af_packet, ...).
 *
 *   --dpdk-args "EAL ARGS"   split on spaces (no quoting), rte_eal_init once
 *   --dpdk-port N            repeatable, default 0
 *   --rx-queues N            RX queues per port; one RX worker per queue
 *
 * open() initialises the EAL, creates one mbuf pool (--dpdk-mbufs, shared
 * by every port; a pool that does not fit in the EAL's memory is refused
 * with the -m it needs), and configures each port with --rx-queues RX
 * queues (--dpdk-ring descriptors each) and one TX queue (one per RX queue
 * with the kernel exception path, --exception-tap: exception.c), then
 * prints one ready line per port:
 * "sealcap: dpdk port P (driver NAME) rx-queues N ready: ...".  With more than one queue,
 * RSS on the IP addresses is asked for when the PMD offers it, so one
 * sender stays on one queue and in order; otherwise the PMD (or the peer,
 * for memif) decides, and the ready line says so.
 *
 * Workers: ports x queues, worker w polling port w / queues, queue
 * w % queues, in bursts of 32.  Per frame: sc_net_classify (a chained mbuf
 * is first copied into a per-worker buffer); UDP to a syslog port is handed
 * to the engine without a copy (sc_rx_push_ref): the batch carries a pointer
 * into the mbuf, the sealer lane copies the payload straight into its block
 * and gives the mbuf back (release(): rte_pktmbuf_free_bulk from the lane).
 * Chained mbufs are copied (sc_rx_push) from the linearised buffer.  Lent
 * mbufs are bounded: while more than the pool can spare are out (the pool
 * minus descriptors, caches and TX rings) a worker copies instead, so the
 * NIC never starves for mbufs because lanes hold them; --dpdk-copy always
 * copies (for comparison).  Every frame not lent (or kept by the reassembly
 * table or the exception path) is freed with the burst
 * (rte_pktmbuf_free_bulk skips the NULL slots of kept ones).  Every frame
 * that is not UDP syslog is skipped; with --exception-tap those go to the
 * kernel through a TAP (exception.c: held like lent mbufs, sent to the TAP
 * after the burst; every loop pass also reads the TAP and sends what the
 * kernel emits out of the port).
 *
 * IP fragments (reasm.c): each worker owns an rte_ip_frag table of
 * --frag-flows datagrams in progress, discarded after --frag-timeout-ms.
 * A completed datagram is linearised, classified again and, when it is UDP
 * syslog, pushed (copied) flagged SC_REC_REASSEMBLED (and SC_REC_BAD_CSUM
 * when an IPv4 fragment header or the UDP checksum was wrong), with the
 * receive time of the burst (or the fragment) that completed it.  Fragments
 * the table discards (timeout, duplicate, overlap, table full) and datagrams
 * that are not syslog are counted and skipped; what is still waiting at
 * stop is counted too.  The held fragments are mbufs of the RX pool, so the
 * pool check reserves 8 per flow and worker.  --frag-flows 0 turns
 * reassembly off (fragments are counted and skipped).  An empty
 * poll hands held batches on (sc_rx_flush) and, after DPDK_EMPTY_SPIN in a
 * row, sleeps --idle-sleep-us.  At stop, what the queue already holds is
 * still read (at most one ring).  Receive time: one reading per burst, or
 * per packet from the timestamp dynfield, flagged SC_REC_NIC_TIME: net_pcap
 * fills it in microseconds (capture time for rx_pcap, kernel time for
 * iface=); a PMD that offers the RX timestamp offload fills it with device
 * clock ticks, which are converted to UTC against CLOCK_REALTIME
 * (rte_eth_read_clock pairs, nicclock.h), and that port's blocks then state
 * clock source nic.  A PMD whose ticks cannot be read back (no
 * rte_eth_read_clock) keeps per-burst times, and the ready line says so.
 *
 * Threads: the engine runs run() on its own pthreads, not EAL lcores.
 * rte_eth_rx_burst is fine there; each worker registers itself with
 * rte_thread_register() so the mempool's per-lcore cache serves it.  If
 * that fails (no lcore left) the worker still runs, with every mbuf
 * alloc/free going to the pool's ring (slower; the stats line says so).
 * The EAL pins the calling thread to the main lcore of -l; right after
 * rte_eal_init the main thread's CPU set becomes every CPU of -l, and the
 * engine's workers, lanes and writer (created from it later) inherit that:
 * sealcap stays on the cores given to the EAL (-l 0: core 0 only, leaving
 * the others to a peer such as a memif generator on -l 1).  With more
 * lcores than workers (-l 0-4 and 4 queues), each RX worker is pinned to a
 * worker lcore of its own and everything else (lanes, writer, main) keeps
 * the rest: the main lcore polls nothing then.  With fewer, nothing is
 * pinned and the workers share the -l cores with the lanes (-l 0: the main
 * lcore's core does everything).
 *
 * Losses: port counters imissed, ierrors and rx_nombuf are folded into
 * SC_DROP_NIC every 100 ms by each port's queue-0 worker.  --dpdk-lossless
 * makes the engine wait instead of dropping when its rings are full: a
 * memif peer or a pcap file is then held back instead; a NIC drops in
 * hardware instead (counted as nic).
 *
 * Embedding: a process that initialised the EAL itself and made its own
 * ports (rte_eth_from_rings, as tests/unit/test_dpdk_frames.c does) sets
 * the option "dpdk-embedded" through set_opt (not a command-line flag) and
 * names its ports with "dpdk-port".  open() then neither initialises nor
 * cleans up the EAL and leaves the other ports alone; it still configures,
 * starts and stops the ports it captures from, and creates and frees its
 * own pool and fragment tables, so it can run again in the same process.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include <sealcap/driver.h>
#include <sealcap/engine.h>
#include <sealcap/net.h>
#include <sealcap/opt.h>
#include <sealcap/record.h>

#include "nicclock.h"
#include "reasm.h"
#include "xdp.h"
#include "exception.h"

#define DPDK_PORTS_MAX 8
_Static_assert(DPDK_PORTS_MAX <= DPDK_EXC_TAPS_MAX, "a TAP per port");
#define DPDK_BURST 32
#define DPDK_EAL_ARGS_MAX 64
#define DPDK_TX_DESC 512
#define DPDK_CACHE 256
/* Largest frame a chained mbuf is linearised up to (a whole UDP datagram). */
#define DPDK_LIN_MAX (65536 + 128)
/* Empty polls in a row before --idle-sleep-us applies. */
#define DPDK_EMPTY_SPIN 16
/* Port counters are folded into the engine's drops this often. */
#define DPDK_STATS_MS 100
#define DPDK_CACHE_LINE 64

/* One burst's discarded fragments must fit the reassembly death row. */
_Static_assert(DPDK_BURST <= SC_DPDK_REASM_BURST_MAX, "burst larger than the death row");

static struct {
	const char *eal_args;
	uint16_t port[DPDK_PORTS_MAX];
	unsigned nports;
	unsigned rx_queues;
	unsigned mbufs;
	unsigned ring;
	const char *syslog_ports;
	unsigned idle_sleep_us;
	unsigned frag_flows;
	unsigned frag_timeout_ms;
	bool lossless;
	bool copy;
	bool embedded;       /* the process owns the EAL (see the file comment) */
} conf = {
	.rx_queues = 1,
	.mbufs = 8191,
	.ring = 1024,
	.syslog_ports = "514",
	.idle_sleep_us = 100,
	.frag_flows = 256,
	.frag_timeout_ms = 2000,
};

static struct sc_driver_ops dpdk_ops;

/* rte_eal_init runs once per process, even after rte_eal_cleanup. */
static bool eal_used;

static const struct sc_driver_opt dpdk_opts[] = {
	{ "dpdk-args", "\"ARGS\"", "EAL arguments, split on spaces (e.g. \"-l 0 --vdev=net_pcap0,rx_pcap=F\")",
	  "\"-l 0 --no-huge -m 64 --no-shconf --no-pci --no-telemetry --log-level=error\"" },
	{ "dpdk-port", "N", "DPDK port to capture from (repeatable)", "0" },
	{ "rx-queues", "N", "RX queues per port, one RX worker each (ports x queues <= 16)", "1" },
	{ "dpdk-mbufs", "N", "mbufs in the RX pool (with --no-huge: -m >= 4 MB per 1024 + 2 MB)", "8191" },
	{ "dpdk-ring", "N", "RX descriptors per queue", "1024" },
	{ "dpdk-syslog-ports", "LIST", "UDP destination ports that carry syslog", "514" },
	{ "idle-sleep-us", "US", "sleep this long after 16 empty polls in a row (0: busy-poll)", "100" },
	{ "frag-flows", "N", "IP datagrams reassembled at once per RX queue, 8 mbufs each at most "
	  "(0: fragments are skipped)", "256" },
	{ "frag-timeout-ms", "MS", "discard a datagram whose fragments are not all in after this long",
	  "2000" },
	{ "dpdk-lossless", NULL, "wait for the engine instead of dropping (memif/pcap peers are held back)",
	  NULL },
	{ "dpdk-copy", NULL, "copy payloads at RX instead of lending mbufs to the sealer lanes", NULL },
	SC_XDP_OPTS, /* --af-xdp (xdp.c) */
	DPDK_EXC_OPTS,
	{ NULL, NULL, NULL, NULL },
};

/* A counter with one writer (its worker), read by stats(). */
struct dpdk_wstats {
	uint64_t bursts, frames, syslog, other, fragments, malformed;
	uint64_t multiseg;   /* chained mbufs linearised */
	uint64_t cut;        /* frames longer than DPDK_LIN_MAX */
	uint64_t truncated;  /* payloads cut to the engine's largest message */
	uint64_t nic_time;   /* messages stamped from the timestamp dynfield */
	uint64_t rejected;   /* sc_rx_push refused (counted by the engine too) */
	uint64_t lent;       /* mbufs handed over without a copy */
	uint64_t copied;     /* syslog payloads copied (chained, or over the lending budget) */
	/* Reassembled datagrams, classified again (frames counted as fragments). */
	uint64_t reasm_syslog, reasm_other, reasm_malformed;
};

struct dpdk_port {
	uint16_t id;
	char driver[64];
	char rss[96];
	bool started;
	bool ts_us;          /* timestamp dynfield holds µs since the epoch */
	bool capture_clock;  /* ... taken from a capture file (net_pcap rx_pcap) */
	bool ts_offload;     /* RX timestamp offload enabled: dynfield holds ticks */
	bool ts_ticks;       /* ... and they convert to UTC (rte_eth_read_clock works) */
	struct sc_nicclock nclk;
	uint64_t nic_folded; /* imissed + ierrors + rx_nombuf already counted */
};

struct dpdk_worker {
	struct dpdk_wstats st;
	uint8_t *lin;        /* DPDK_LIN_MAX bytes for chained mbufs */
	struct sc_dpdk_reasm *reasm; /* NULL with --frag-flows 0 */
	struct dpdk_exc_q *exc; /* kernel exception path (exception.c), or NULL */
	unsigned port;       /* index into dpdk_drv::port */
	uint16_t queue;
	int lcore;           /* pinned to this EAL lcore, or -1 */
	bool registered;     /* rte_thread_register succeeded */
} __attribute__((aligned(DPDK_CACHE_LINE)));

struct dpdk_drv {
	struct sc_portset syslog_ports;
	struct rte_mempool *pool;
	struct dpdk_port port[DPDK_PORTS_MAX];
	unsigned nports;
	struct dpdk_worker *w;
	unsigned nw;
	uint32_t max_msg;
	int ts_off;          /* timestamp dynfield offset, or -1 */
	uint64_t ts_flag;    /* its RX flag, or 0 */
	bool eal;            /* we initialised the EAL */
	struct dpdk_exc *exc; /* --exception-tap (exception.c), or NULL */
	uint64_t lend_max;   /* mbufs the lanes may hold at once */
	/* Lent minus returned is what the lanes hold (own cache lines: lanes write one). */
	alignas(DPDK_CACHE_LINE) atomic_uint_fast64_t lent;
	alignas(DPDK_CACHE_LINE) atomic_uint_fast64_t returned;
};

/* ---- options ---------------------------------------------------------------- */

static int
opt_uint(const char *name, const char *value, uint64_t min, uint64_t max, unsigned *out,
	 char *err, size_t errlen)
{
	uint64_t v;

	if (sc_opt_u64(value, &v) != 0 || v < min || v > max) {
		snprintf(err, errlen, "--%s '%s': expected %" PRIu64 "..%" PRIu64, name, value, min,
			 max);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int
drv_set_opt(const char *name, const char *value, char *err, size_t errlen)
{
	unsigned v;

	if (strcmp(name, "dpdk-args") == 0) {
		conf.eal_args = value;
		return 0;
	}
	if (strcmp(name, "dpdk-port") == 0) {
		if (opt_uint(name, value, 0, RTE_MAX_ETHPORTS - 1, &v, err, errlen) != 0)
			return -EINVAL;
		for (unsigned i = 0; i < conf.nports; i++)
			if (conf.port[i] == v) {
				snprintf(err, errlen, "--dpdk-port %u given twice", v);
				return -EINVAL;
			}
		if (conf.nports == DPDK_PORTS_MAX) {
			snprintf(err, errlen, "--dpdk-port '%s': at most %d ports", value, DPDK_PORTS_MAX);
			return -EINVAL;
		}
		conf.port[conf.nports++] = (uint16_t)v;
		return 0;
	}
	if (strcmp(name, "rx-queues") == 0)
		return opt_uint(name, value, 1, SC_WORKERS_MAX, &conf.rx_queues, err, errlen);
	if (strcmp(name, "dpdk-mbufs") == 0)
		return opt_uint(name, value, 1023, 1u << 24, &conf.mbufs, err, errlen);
	if (strcmp(name, "dpdk-ring") == 0)
		return opt_uint(name, value, 64, 32768, &conf.ring, err, errlen);
	if (strcmp(name, "idle-sleep-us") == 0)
		return opt_uint(name, value, 0, 1000000, &conf.idle_sleep_us, err, errlen);
	if (strcmp(name, "frag-flows") == 0)
		return opt_uint(name, value, 0, 65536, &conf.frag_flows, err, errlen);
	if (strcmp(name, "frag-timeout-ms") == 0)
		return opt_uint(name, value, 1, 3600000, &conf.frag_timeout_ms, err, errlen);
	if (strcmp(name, "dpdk-embedded") == 0) {
		conf.embedded = true;
		return 0;
	}
	if (strcmp(name, "dpdk-syslog-ports") == 0) {
		struct sc_portset s;

		if (sc_portset_parse(&s, value) != 0) {
			snprintf(err, errlen,
				 "--dpdk-syslog-ports '%s': expected a comma-separated list of ports 1..65535",
				 value);
			return -EINVAL;
		}
		conf.syslog_ports = value;
		return 0;
	}
	if (strcmp(name, "dpdk-copy") == 0) {
		conf.copy = true;
		return 0;
	}
	if (strcmp(name, "dpdk-lossless") == 0) {
		/* The engine reads ops.lossless after open(). */
		conf.lossless = true;
		dpdk_ops.lossless = true;
		return 0;
	}
	if (sc_xdp_is_opt(name))
		return sc_xdp_set_opt(name, value, err, errlen);
	if (dpdk_exc_is_opt(name))
		return dpdk_exc_set_opt(name, value, err, errlen);
	snprintf(err, errlen, "dpdk driver has no option --%s", name);
	return -EINVAL;
}

/* ---- open ------------------------------------------------------------------- */

static const char default_eal_args[] =
	"-l 0 --no-huge -m 64 --no-shconf --no-pci --no-telemetry --log-level=error";

/*
 * rte_eal_init with "sealcap" + the words of @p args (+ the exception
 * path's TAP vdevs, when @p exc), then widen the main thread's CPU set to
 * every lcore of -l (see the file comment).
 * @return 0 or -errno with a message.
 */
static int
eal_init(const char *args, struct dpdk_exc *exc, char *err, size_t errlen)
{
	char *copy = strdup(args), *save = NULL, *tok;
	char *argv[DPDK_EAL_ARGS_MAX + 2];
	cpu_set_t cpus;
	unsigned lc;
	int argc = 0, rc;

	if (copy == NULL) {
		snprintf(err, errlen, "dpdk: out of memory");
		return -ENOMEM;
	}
	argv[argc++] = (char *)(uintptr_t)"sealcap";
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == DPDK_EAL_ARGS_MAX + 1) {
			snprintf(err, errlen, "--dpdk-args: more than %d words", DPDK_EAL_ARGS_MAX);
			free(copy);
			return -EINVAL;
		}
		argv[argc++] = tok;
	}
	if (exc != NULL) {
		int k = dpdk_exc_eal_args(exc, argv + argc, (unsigned)(DPDK_EAL_ARGS_MAX + 1 - argc));

		if (k < 0) {
			snprintf(err, errlen, "--dpdk-args: more than %d words with the exception TAPs",
				 DPDK_EAL_ARGS_MAX);
			free(copy);
			return -EINVAL;
		}
		argc += k;
	}
	argv[argc] = NULL;
	eal_used = true;
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		int e = rte_errno;

		snprintf(err, errlen, "dpdk: rte_eal_init(%s) failed: %s%s", args, rte_strerror(e),
			 e == EALREADY ? " (the EAL initialises once per process)" :
			 e == ENODEV ? " (an unknown --vdev driver name?)" : "");
		free(copy);
		return -(e ? e : EINVAL);
	}
	if (rc < argc - 1) {
		snprintf(err, errlen, "--dpdk-args: '%s' is not an EAL argument", argv[rc + 1]);
		free(copy);
		rte_eal_cleanup();
		return -EINVAL;
	}
	free(copy);
	/*
	 * The EAL pinned this thread to the main lcore alone; the engine's
	 * threads (created from it) get every CPU of -l instead.
	 */
	CPU_ZERO(&cpus);
	RTE_LCORE_FOREACH(lc) {
		rte_cpuset_t c = rte_lcore_cpuset(lc);

		CPU_OR(&cpus, &cpus, &c);
	}
	if (CPU_COUNT(&cpus) > 0)
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	return 0;
}

/* Smallest -m (MB) for @p n mbufs of the default size at 4 KiB pages (DPDK-NOTES). */
static unsigned
mem_mb_for(unsigned n)
{
	return (n + 255) / 256 + 2 + n / 65536;
}

/*
 * One (device clock, CLOCK_REALTIME) pair: the system clock read between
 * two device readings, paired with their midpoint.  @return 0 or -errno.
 */
static int
nic_clock_pair(uint16_t port, uint64_t *ticks, int64_t *ns)
{
	uint64_t t0, t1;
	struct timespec ts;
	int rc;

	rc = rte_eth_read_clock(port, &t0);
	if (rc != 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	rc = rte_eth_read_clock(port, &t1);
	if (rc != 0)
		return rc;
	*ticks = t0 + (t1 - t0) / 2;
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return 0;
}

/* Calibrate the device clock at start: two pairs 20 ms apart. */
static void
nic_clock_start(struct dpdk_port *p)
{
	struct timespec gap = { 0, 20000000 };
	uint64_t t;
	int64_t ns;

	if (nic_clock_pair(p->id, &t, &ns) != 0)
		return;
	sc_nicclock_start(&p->nclk, t, ns);
	nanosleep(&gap, NULL);
	if (nic_clock_pair(p->id, &t, &ns) == 0 && sc_nicclock_update(&p->nclk, t, ns))
		p->ts_ticks = true;
}

static int
port_setup(struct dpdk_drv *d, struct dpdk_port *p, char *err, size_t errlen)
{
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxc;
	const struct rte_devargs *da;
	uint16_t nrxd = (uint16_t)conf.ring, ntxd = DPDK_TX_DESC;
	/* The exception path gives each worker a TX queue; otherwise one (memif peers match counts). */
	uint16_t ntx = d->exc ? (uint16_t)conf.rx_queues : 1;
	int rc, sock = rte_eth_dev_socket_id(p->id);

	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk port %u: rte_eth_dev_info_get: %s", p->id, rte_strerror(-rc));
		return rc;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name ? info.driver_name : "?");
	if (conf.rx_queues > info.max_rx_queues) {
		snprintf(err, errlen, "dpdk port %u (driver %s): --rx-queues %u, but it has at most %u RX queues",
			 p->id, p->driver, conf.rx_queues, info.max_rx_queues);
		return -EINVAL;
	}
	if (info.max_tx_queues < ntx) {
		snprintf(err, errlen, "dpdk port %u (driver %s): has %u TX queues, %u needed%s", p->id,
			 p->driver, info.max_tx_queues, ntx,
			 d->exc ? " (--exception-tap: one per RX queue)" : "");
		return -EINVAL;
	}
	memset(&pc, 0, sizeof(pc));
	if (conf.rx_queues == 1) {
		snprintf(p->rss, sizeof(p->rss), "rss not needed (1 queue)");
	} else if (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) {
		pc.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & RTE_ETH_RSS_IP;
		snprintf(p->rss, sizeof(p->rss), "rss on IP addresses (rss_hf 0x%" PRIx64 ")",
			 pc.rx_adv_conf.rss_conf.rss_hf);
	} else {
		snprintf(p->rss, sizeof(p->rss),
			 "rss none (the PMD offers no IP RSS: the PMD or peer picks the queue)");
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		pc.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
		pc.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
		p->ts_offload = true;
	}
	/* The kernel's jumbo frames come from the TAP as chains. */
	if (d->exc)
		pc.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(p->id, (uint16_t)conf.rx_queues, ntx, &pc);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk port %u (driver %s): configure %u RX + %u TX queues: %s", p->id,
			 p->driver, conf.rx_queues, ntx, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nrxd, &ntxd);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk port %u (driver %s): descriptors: %s", p->id, p->driver,
			 rte_strerror(-rc));
		return rc;
	}
	rxc = info.default_rxconf;
	rxc.offloads = pc.rxmode.offloads;
	for (unsigned q = 0; q < conf.rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->id, (uint16_t)q, nrxd,
					    sock < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)sock, &rxc,
					    d->pool);
		if (rc != 0) {
			snprintf(err, errlen, "dpdk port %u (driver %s): RX queue %u (%u descriptors): %s",
				 p->id, p->driver, q, nrxd, rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < ntx; q++) {
		rc = rte_eth_tx_queue_setup(p->id, q, ntxd,
					    sock < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)sock, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "dpdk port %u (driver %s): TX queue %u: %s", p->id, p->driver,
				 q, rte_strerror(-rc));
			return rc;
		}
	}
	/*
	 * Mirrored (SPAN) traffic is not addressed to us; vdevs may refuse.
	 * Not on af_xdp: the kernel shares that interface, and the PMD would
	 * leave it promiscuous after we exit.
	 */
	if (strcmp(p->driver, "net_af_xdp") != 0)
		(void)rte_eth_promiscuous_enable(p->id);
	rc = rte_eth_dev_start(p->id);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk port %u (driver %s): start: %s", p->id, p->driver,
			 rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	if (p->ts_offload)
		nic_clock_start(p);
	/* net_pcap stamps µs (capture time for rx_pcap, kernel time for iface). */
	if (strcmp(p->driver, "net_pcap") == 0) {
		p->ts_us = true;
		da = info.device ? rte_dev_devargs(info.device) : NULL;
		p->capture_clock = da && da->args && strstr(da->args, "rx_pcap=") != NULL;
	}
	return 0;
}

/*
 * Pinning: with more lcores than workers, worker i gets the i-th worker
 * lcore of -l to itself, and this thread (so the lanes and writer created
 * from it later) keeps the main lcore and any lcores left over.
 */
static void
pin_plan(struct dpdk_drv *d)
{
	cpu_set_t rest;
	unsigned lc, i = 0;

	for (unsigned k = 0; k < d->nw; k++)
		d->w[k].lcore = -1;
	if (rte_lcore_count() < d->nw + 1)
		return;
	CPU_ZERO(&rest);
	RTE_LCORE_FOREACH(lc) {
		rte_cpuset_t c = rte_lcore_cpuset(lc);

		if (lc != rte_get_main_lcore() && i < d->nw)
			d->w[i++].lcore = (int)lc;
		else
			CPU_OR(&rest, &rest, &c);
	}
	if (CPU_COUNT(&rest) > 0)
		pthread_setaffinity_np(pthread_self(), sizeof(rest), &rest);
}

static void drv_close(void *priv);

static void *
drv_open(struct sc_engine *e, unsigned *nb_workers, char *err, size_t errlen)
{
	struct dpdk_drv *d;
	unsigned need, held, nq, cache, nports;
	char *eal_args;
	int bit, rc;

	if (eal_used && !conf.embedded) {
		snprintf(err, errlen, "dpdk: the EAL was already initialised in this process");
		return NULL;
	}
	if (conf.embedded && conf.eal_args) {
		snprintf(err, errlen, "dpdk: --dpdk-args with dpdk-embedded: the process owns the EAL");
		return NULL;
	}
	/* --af-xdp ports follow the --dpdk-port ones (port 0 only without either). */
	if (conf.nports == 0 && sc_xdp_count() == 0)
		conf.port[conf.nports++] = 0;
	nports = conf.nports + sc_xdp_count();
	if (nports > DPDK_PORTS_MAX) {
		snprintf(err, errlen, "dpdk: %u --dpdk-port + %u --af-xdp ports, at most %d", conf.nports,
			 sc_xdp_count(), DPDK_PORTS_MAX);
		return NULL;
	}
	nq = nports * conf.rx_queues;
	if (nq > SC_WORKERS_MAX) {
		snprintf(err, errlen, "dpdk: %u ports x --rx-queues %u = %u workers, at most %d",
			 nports, conf.rx_queues, nq, SC_WORKERS_MAX);
		return NULL;
	}
	d = aligned_alloc(DPDK_CACHE_LINE, (sizeof(*d) + DPDK_CACHE_LINE - 1) &
				       ~(size_t)(DPDK_CACHE_LINE - 1));
	if (d == NULL) {
		snprintf(err, errlen, "dpdk: out of memory");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	d->ts_off = -1;
	sc_portset_parse(&d->syslog_ports, conf.syslog_ports);
	d->max_msg = (uint32_t)sc_engine_max_msg(e);
	d->nw = nq;
	d->w = aligned_alloc(DPDK_CACHE_LINE, nq * sizeof(*d->w));
	if (d->w == NULL)
		goto nomem;
	memset(d->w, 0, nq * sizeof(*d->w));
	for (unsigned i = 0; i < nq; i++) {
		d->w[i].port = i / conf.rx_queues;
		d->w[i].queue = (uint16_t)(i % conf.rx_queues);
		d->w[i].lin = malloc(DPDK_LIN_MAX);
		if (d->w[i].lin == NULL)
			goto nomem;
	}
	/* --exception-tap: checked now, its TAP vdevs join the EAL arguments. */
	d->exc = dpdk_exc_create(conf.nports, conf.rx_queues, err, errlen);
	if (d->exc == NULL && err[0] != '\0')
		goto fail;

	if (!conf.embedded) {
		/*
		 * --af-xdp adds its --vdev arguments (xdp.c), --exception-tap
		 * its TAPs (eal_init, exception.c).
		 */
		eal_args = sc_xdp_eal_args(conf.eal_args ? conf.eal_args : default_eal_args,
					   conf.rx_queues, err, errlen);
		rc = eal_args ? eal_init(eal_args, d->exc, err, errlen) : -EINVAL;
		free(eal_args);
		if (rc != 0) {
			drv_close(d);
			return NULL;
		}
		d->eal = true;
	}
	if (d->exc && dpdk_exc_probe(d->exc, err, errlen) != 0)
		goto fail;
	/* Ports of --af-xdp (xdp.c) first: their failure says more than "no ports". */
	for (unsigned i = 0; i < sc_xdp_count(); i++) {
		uint16_t id;

		if (sc_xdp_port_id(i, &id, err, errlen) != 0)
			goto fail;
		for (unsigned k = 0; k < conf.nports; k++)
			if (conf.port[k] == id) {
				snprintf(err, errlen, "--dpdk-port %u is also an --af-xdp port", id);
				goto fail;
			}
		d->port[conf.nports + i].id = id;
	}
	if (rte_eth_dev_count_avail() == dpdk_exc_nports(d->exc)) {
		snprintf(err, errlen, "dpdk: no ports (EAL found no device: check --vdev=... in --dpdk-args, "
			 "the PCI binding, or an earlier 'vdev_probe(): failed to initialize' log line)");
		goto fail;
	}
	for (unsigned i = 0; i < conf.nports; i++) {
		if (!rte_eth_dev_is_valid_port(conf.port[i]) || dpdk_exc_owns(d->exc, conf.port[i])) {
			snprintf(err, errlen, "--dpdk-port %u: no such port (%u available)", conf.port[i],
				 rte_eth_dev_count_avail() - dpdk_exc_nports(d->exc));
			goto fail;
		}
		d->port[i].id = conf.port[i];
	}
	d->nports = nports;

	/*
	 * Mbufs the pool must hold beyond what is in flight: every RX
	 * descriptor, a TX ring per port, a burst and a cache per worker,
	 * and the fragments each worker's reassembly table may hold.
	 */
	cache = conf.mbufs / 2 < DPDK_CACHE ? conf.mbufs / 2 : DPDK_CACHE;
	need = nq * (conf.ring + DPDK_BURST + cache + cache / 2) + d->nports * DPDK_TX_DESC;
	/* The af_xdp PMD keeps its fill ring stocked, whatever --dpdk-ring says. */
	if (conf.ring < SC_XDP_FILL_MBUFS)
		need += sc_xdp_count() * conf.rx_queues * (SC_XDP_FILL_MBUFS - conf.ring);
	held = nq * conf.frag_flows * SC_DPDK_REASM_FRAGS_MAX;
	if (conf.mbufs < need + held) {
		snprintf(err, errlen, "--dpdk-mbufs %u is too few for %u queues of %u descriptors "
			 "(+ per-worker caches and TX rings) and %u held fragments (--frag-flows %u x %d "
			 "per queue): give at least %u (and EAL -m >= %u MB with --no-huge), "
			 "or lower --frag-flows",
			 conf.mbufs, nq, conf.ring, held, conf.frag_flows, SC_DPDK_REASM_FRAGS_MAX,
			 need + held, mem_mb_for(need + held));
		goto fail;
	}
	d->lend_max = conf.copy ? 0 : conf.mbufs - need;
	/* af_xdp registers the pool's memory with the kernel: a pool of its own shape (xdp.c). */
	if (sc_xdp_count())
		d->pool = sc_xdp_pool_create("sc_rx_pool", conf.mbufs, cache, (int)rte_socket_id());
	else
		d->pool = rte_pktmbuf_pool_create("sc_rx_pool", conf.mbufs, cache, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (d->pool == NULL) {
		int e2 = rte_errno;

		if (e2 == ENOMEM)
			snprintf(err, errlen, "dpdk: mbuf pool of %u mbufs does not fit in EAL memory: "
				 "with --no-huge it needs about %u MB, so give EAL -m %u or more in --dpdk-args "
				 "(or lower --dpdk-mbufs)", conf.mbufs, mem_mb_for(conf.mbufs),
				 mem_mb_for(conf.mbufs) + 16);
		else
			snprintf(err, errlen, "dpdk: mbuf pool of %u mbufs (cache %u): %s", conf.mbufs, cache,
				 rte_strerror(e2));
		goto fail;
	}
	for (unsigned i = 0; i < d->nports; i++)
		if (port_setup(d, &d->port[i], err, errlen) != 0)
			goto fail;
	for (unsigned i = 0; conf.frag_flows && i < nq; i++) {
		d->w[i].reasm = sc_dpdk_reasm_create(conf.frag_flows, conf.frag_timeout_ms,
						     rte_eth_dev_socket_id(d->port[d->w[i].port].id),
						     err, errlen);
		if (d->w[i].reasm == NULL)
			goto fail;
	}
	/* Registered by a PMD at start (net_pcap does); the flag says it is set. */
	d->ts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	d->ts_flag = d->ts_off >= 0 && bit >= 0 ? UINT64_C(1) << bit : 0;
	pin_plan(d);
	for (unsigned i = 0; i < d->nports; i++) {
		struct dpdk_port *p = &d->port[i];

		if (d->ts_flag == 0)
			p->ts_us = p->ts_ticks = false;
		if (p->ts_ticks || (p->ts_us && !p->capture_clock))
			dpdk_ops.nic_time = true;
		fprintf(stderr, "sealcap: dpdk port %u (driver %s) rx-queues %u ready: %s, %u mbufs "
			"(%" PRIu64 " lendable to the lanes), %u descriptors, times %s%s\n", p->id,
			p->driver, conf.rx_queues, p->rss, conf.mbufs, d->lend_max, conf.ring,
			p->ts_ticks ? "per packet from the NIC clock (RX timestamp offload, converted "
				      "to UTC against the system clock)" :
			p->ts_offload ? "per burst (software clock: the NIC stamps packets but its "
					"clock cannot be read back to convert them)" :
			p->ts_us ? (p->capture_clock ? "per packet from the capture file (us)" :
				    "per packet from the kernel (us)") : "per burst (software clock)",
			conf.lossless ? ", lossless" : "");
	}
	for (unsigned i = 0; i < nq; i++)
		if (d->w[i].lcore >= 0)
			fprintf(stderr, "sealcap: dpdk worker %u (port %u queue %u) pinned to lcore %d\n",
				i, d->port[d->w[i].port].id, d->w[i].queue, d->w[i].lcore);
	/* The PMD attached the program at RX queue setup: now give it the ports. */
	for (unsigned i = 0; i < sc_xdp_count(); i++)
		if (sc_xdp_start(i, &d->syslog_ports, conf.syslog_ports, err, errlen) != 0)
			goto fail;
	if (d->exc) {
		uint16_t ids[DPDK_PORTS_MAX];

		for (unsigned i = 0; i < d->nports; i++)
			ids[i] = d->port[i].id;
		if (dpdk_exc_start(d->exc, ids, err, errlen) != 0)
			goto fail;
		for (unsigned i = 0; i < nq; i++)
			d->w[i].exc = dpdk_exc_queue(d->exc, i);
	}
	*nb_workers = nq;
	return d;

nomem:
	snprintf(err, errlen, "dpdk: out of memory");
fail:
	drv_close(d);
	return NULL;
}

/* ---- run -------------------------------------------------------------------- */

static const struct sc_clock_info capture_clock = {
	.source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA,
	.max_err_us = UINT32_MAX, .est_err_us = UINT32_MAX,
};

/* Fold the port's loss counters into the engine's drops (queue-0 worker). */
static void
fold_port_drops(struct dpdk_port *p, struct sc_rx *rx)
{
	struct rte_eth_stats s;
	uint64_t lost;

	if (rte_eth_stats_get(p->id, &s) != 0)
		return;
	lost = s.imissed + s.ierrors + s.rx_nombuf + sc_xdp_port_lost(p->id);
	if (lost > p->nic_folded) {
		sc_rx_drop(rx, SC_DROP_NIC, lost - p->nic_folded);
		p->nic_folded = lost;
	}
}

/*
 * An IP fragment (sc_net_classify gave its L2/L3 lengths) goes to the
 * worker's reassembly table; a datagram it completes is classified again
 * and pushed when it is UDP syslog.
 * @return true when the table took @p m (the caller must not free it).
 */
static __rte_noinline bool
take_fragment(struct dpdk_drv *d, struct dpdk_worker *w, const struct dpdk_port *p,
	      struct sc_rx *rx, struct rte_mbuf *m, uint32_t l2_len, uint32_t l3_len)
{
	const uint8_t *frame, *payload;
	struct rte_mbuf *whole;
	uint32_t len, plen, flags = 0;
	struct sc_pkt meta;
	int64_t ts = 0;

	w->st.fragments++;
	if (w->reasm == NULL) {
		sc_rx_skip(rx, 1);
		return false;
	}
	/* The datagram is received when its last fragment is. */
	if (p->ts_us && (m->ol_flags & d->ts_flag))
		ts = (int64_t)*RTE_MBUF_DYNFIELD(m, d->ts_off, rte_mbuf_timestamp_t *) * 1000;
	switch (sc_dpdk_reasm_take(w->reasm, m, l2_len, l3_len, &whole, &flags)) {
	case SC_DPDK_REASM_HELD:
		return true;
	case SC_DPDK_REASM_DONE:
		break;
	default:
		sc_rx_skip(rx, 1);
		return false;
	}
	/* At most 65535 bytes of IP datagram plus tags: fits the buffer. */
	len = rte_pktmbuf_pkt_len(whole);
	if (unlikely(len > DPDK_LIN_MAX))
		len = DPDK_LIN_MAX;
	frame = rte_pktmbuf_read(whole, 0, len, w->lin);
	memset(&meta, 0, sizeof(meta));
	switch (frame == NULL ? SC_NET_MALFORMED :
		sc_net_classify(frame, len, &d->syslog_ports, &meta, &payload, &plen)) {
	case SC_NET_SYSLOG:
		w->st.reasm_syslog++;
		meta.flags |= flags;
		if (ts != 0) {
			meta.rx_ns = ts;
			meta.flags |= SC_REC_NIC_TIME;
			w->st.nic_time++;
		}
		if (unlikely(plen > d->max_msg)) {
			plen = d->max_msg;
			meta.flags |= SC_REC_TRUNCATED;
			w->st.truncated++;
		}
		if (unlikely(sc_rx_push(rx, &meta, payload, plen) != 0))
			w->st.rejected++;
		break;
	case SC_NET_OTHER:
		w->st.reasm_other++;
		sc_rx_skip(rx, 1);
		break;
	default:
		/* Also a fragment inside a fragment: not reassembled twice. */
		w->st.reasm_malformed++;
		sc_rx_skip(rx, 1);
		break;
	}
	rte_pktmbuf_free(whole);
	return true;
}

/*
 * Classify one frame and hand syslog to the engine.  @return true when the
 * mbuf was kept (lent to the engine, or held by the reassembly table): the
 * caller must not free it.  *lend is the worker's remaining lending budget.
 */
static inline bool
take_frame(struct dpdk_drv *d, struct dpdk_worker *w, const struct dpdk_port *p,
	   struct sc_rx *rx, struct rte_mbuf *m, unsigned *lend)
{
	const uint8_t *frame, *payload;
	uint32_t len, plen;
	struct sc_pkt meta;

	w->st.frames++;
	if (likely(m->nb_segs == 1)) {
		len = rte_pktmbuf_data_len(m);
		frame = rte_pktmbuf_mtod(m, const uint8_t *);
	} else {
		w->st.multiseg++;
		len = rte_pktmbuf_pkt_len(m);
		if (unlikely(len > DPDK_LIN_MAX)) {
			w->st.cut++;
			len = DPDK_LIN_MAX;
		}
		frame = rte_pktmbuf_read(m, 0, len, w->lin);
		if (unlikely(frame == NULL)) {
			w->st.malformed++;
			sc_rx_skip(rx, 1);
			return false;
		}
	}
	memset(&meta, 0, sizeof(meta));
	switch (sc_net_classify(frame, len, &d->syslog_ports, &meta, &payload, &plen)) {
	case SC_NET_SYSLOG:
		w->st.syslog++;
		if (m->ol_flags & d->ts_flag) {
			rte_mbuf_timestamp_t t = *RTE_MBUF_DYNFIELD(m, d->ts_off, rte_mbuf_timestamp_t *);

			if (p->ts_us)
				meta.rx_ns = (int64_t)t * 1000;
			else if (p->ts_ticks)
				meta.rx_ns = sc_nicclock_to_ns(&p->nclk, t);
			if (meta.rx_ns != 0) {
				meta.flags |= SC_REC_NIC_TIME;
				w->st.nic_time++;
			}
		}
		if (unlikely(plen > d->max_msg)) {
			plen = d->max_msg;
			meta.flags |= SC_REC_TRUNCATED;
			w->st.truncated++;
		}
		if (likely(m->nb_segs == 1 && *lend > 0)) {
			if (unlikely(sc_rx_push_ref(rx, &meta, payload, plen, m) != 0)) {
				w->st.rejected++;
				return false;
			}
			(*lend)--;
			w->st.lent++;
			return true;
		}
		w->st.copied++;
		if (unlikely(sc_rx_push(rx, &meta, payload, plen) != 0))
			w->st.rejected++;
		break;
	case SC_NET_OTHER:
		w->st.other++;
		sc_rx_skip(rx, 1);
		/* Kernel exception path: it keeps the mbuf, or leaves it to be freed. */
		if (w->exc != NULL && dpdk_exc_hold(w->exc, m, frame))
			return true;
		break;
	case SC_NET_FRAGMENT:
		/* payload: the IP header, plen: the L3 length (net.h). */
		return take_fragment(d, w, p, rx, m, (uint32_t)(payload - frame), plen);
	default:
		w->st.malformed++;
		sc_rx_skip(rx, 1);
		break;
	}
	return false;
}

/* Around each burst: expire old datagrams; free what the table discarded. */
static inline void
frag_begin(struct dpdk_worker *w)
{
	if (w->reasm != NULL)
		sc_dpdk_reasm_begin(w->reasm, rte_rdtsc());
}

static inline void
frag_end(struct dpdk_worker *w, struct sc_rx *rx)
{
	if (w->reasm != NULL) {
		uint64_t n = sc_dpdk_reasm_end(w->reasm);

		if (n != 0)
			sc_rx_skip(rx, n);
	}
}

/*
 * One burst: classify, lend, copy or hold fragments, free the rest.  The lending
 * budget is read once per burst (two loads) and charged once (one atomic).
 */
static void
take_burst(struct dpdk_drv *d, struct dpdk_worker *w, const struct dpdk_port *p,
	   struct sc_rx *rx, struct rte_mbuf **pkts, uint16_t n)
{
	/* Signed: a lane may return mbufs before their lending is charged. */
	int64_t out = (int64_t)(atomic_load_explicit(&d->lent, memory_order_relaxed) -
				atomic_load_explicit(&d->returned, memory_order_relaxed));
	uint64_t room = out <= 0 ? d->lend_max :
			(uint64_t)out < d->lend_max ? d->lend_max - (uint64_t)out : 0;
	unsigned lend = (unsigned)RTE_MIN(room, (uint64_t)n);
	unsigned budget = lend;

	w->st.bursts++;
	sc_rx_burst_begin(rx);
	frag_begin(w);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (take_frame(d, w, p, rx, pkts[i], &lend))
			pkts[i] = NULL;
	}
	if (budget != lend)
		atomic_fetch_add_explicit(&d->lent, budget - lend, memory_order_relaxed);
	rte_pktmbuf_free_bulk(pkts, n);
	frag_end(w, rx);
	if (w->exc != NULL)
		dpdk_exc_to_kernel(w->exc);
	sc_rx_burst_end(rx);
}

/* Lanes give lent mbufs back (any thread; the pool's ring is multi-producer). */
static void
drv_release(void *priv, void **refs, unsigned n)
{
	struct dpdk_drv *d = priv;

	rte_pktmbuf_free_bulk((struct rte_mbuf **)refs, n);
	atomic_fetch_add_explicit(&d->returned, n, memory_order_relaxed);
}

static void
idle_sleep(unsigned us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int
drv_run(void *priv, struct sc_rx *rx, unsigned worker)
{
	struct dpdk_drv *d = priv;
	struct dpdk_worker *w = &d->w[worker];
	struct dpdk_port *p = &d->port[w->port];
	struct rte_mbuf *pkts[DPDK_BURST];
	const uint64_t period = rte_get_tsc_hz() / (1000 / DPDK_STATS_MS);
	uint64_t next_fold = rte_rdtsc() + period;
	unsigned empty = 0, drain, folds_done = 0;
	bool folds = w->queue == 0;

	if (w->lcore >= 0) {
		rte_cpuset_t c = rte_lcore_cpuset((unsigned)w->lcore);

		pthread_setaffinity_np(pthread_self(), sizeof(c), &c);
	}
	w->registered = rte_thread_register() == 0;
	if (p->capture_clock)
		sc_rx_set_clock(rx, &capture_clock);
	else if (p->ts_ticks)
		sc_rx_set_clock_source(rx, SC_CLOCK_NIC);
	while (!sc_rx_stopping(rx)) {
		uint16_t n = rte_eth_rx_burst(p->id, w->queue, pkts, DPDK_BURST);
		/* Exception path: what the kernel sent goes out of the port, every pass. */
		uint16_t k = w->exc != NULL ? dpdk_exc_from_kernel(w->exc) : 0;

		if (n == 0) {
			if (sc_rx_pending(rx))
				sc_rx_flush(rx);
			if (k != 0)
				empty = 0;
			else if (conf.idle_sleep_us && ++empty >= DPDK_EMPTY_SPIN)
				idle_sleep(conf.idle_sleep_us);
		} else {
			empty = 0;
			take_burst(d, w, p, rx, pkts, n);
		}
		if (unlikely(folds && rte_rdtsc() >= next_fold)) {
			fold_port_drops(p, rx);
			/* Once a second: a new device/system clock pair. */
			if (p->ts_ticks && ++folds_done % (1000 / DPDK_STATS_MS) == 0) {
				uint64_t t;
				int64_t ns;

				if (nic_clock_pair(p->id, &t, &ns) == 0)
					sc_nicclock_update(&p->nclk, t, ns);
			}
			next_fold = rte_rdtsc() + period;
		}
	}
	/* Stopping: keep what the port already holds (at most one ring). */
	for (drain = conf.ring / DPDK_BURST + 1; drain > 0; drain--) {
		uint16_t n = rte_eth_rx_burst(p->id, w->queue, pkts, DPDK_BURST);

		if (n == 0)
			break;
		take_burst(d, w, p, rx, pkts, n);
	}
	/* Datagrams still incomplete will not be: count them, free their mbufs. */
	if (w->reasm != NULL)
		sc_rx_skip(rx, sc_dpdk_reasm_flush(w->reasm));
	if (folds)
		fold_port_drops(p, rx);
	sc_rx_flush(rx);
	if (w->registered)
		rte_thread_unregister();
	return 0;
}

/* ---- stats / close ---------------------------------------------------------- */

static void
drv_stats(void *priv, char *buf, size_t len)
{
	struct dpdk_drv *d = priv;
	struct dpdk_wstats t = { 0 };
	struct sc_dpdk_reasm_stats f = { 0 };
	unsigned unregistered = 0;
	size_t n = 0;

	for (unsigned i = 0; i < d->nw; i++) {
		const struct dpdk_wstats *s = &d->w[i].st;

		t.bursts += s->bursts;
		t.frames += s->frames;
		t.syslog += s->syslog;
		t.other += s->other;
		t.fragments += s->fragments;
		t.malformed += s->malformed;
		t.multiseg += s->multiseg;
		t.cut += s->cut;
		t.truncated += s->truncated;
		t.nic_time += s->nic_time;
		t.rejected += s->rejected;
		t.lent += s->lent;
		t.copied += s->copied;
		t.reasm_syslog += s->reasm_syslog;
		t.reasm_other += s->reasm_other;
		t.reasm_malformed += s->reasm_malformed;
		unregistered += !d->w[i].registered;
		if (d->w[i].reasm != NULL) {
			const struct sc_dpdk_reasm_stats *r = sc_dpdk_reasm_stats(d->w[i].reasm);

			f.taken += r->taken;
			f.reassembled += r->reassembled;
			f.dropped += r->dropped;
			f.expired += r->expired;
			f.at_stop += r->at_stop;
			f.refused_ext += r->refused_ext;
			f.refused_len += r->refused_len;
			f.bad_hdr_csum += r->bad_hdr_csum;
		}
	}
	n += (size_t)snprintf(buf + n, len - n,
			      "frames=%" PRIu64 " syslog=%" PRIu64 " other=%" PRIu64 " fragments=%" PRIu64
			      " malformed=%" PRIu64 " multiseg=%" PRIu64 " cut=%" PRIu64
			      " truncated=%" PRIu64 " nic-time=%" PRIu64 " rejected=%" PRIu64
			      " lent=%" PRIu64 " copied=%" PRIu64 " bursts=%" PRIu64,
			      t.frames, t.syslog, t.other, t.fragments, t.malformed, t.multiseg, t.cut,
			      t.truncated, t.nic_time, t.rejected, t.lent, t.copied, t.bursts);
	/* Fragments: taken = in datagrams + dropped + expired + at-stop + still held. */
	if (t.fragments != 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n,
				      "; reassembled=%" PRIu64 " reasm-syslog=%" PRIu64 " reasm-other=%" PRIu64
				      " reasm-malformed=%" PRIu64 " frag-taken=%" PRIu64 " frag-dropped=%" PRIu64
				      " frag-expired=%" PRIu64 " frag-at-stop=%" PRIu64
				      " frag-refused-ext=%" PRIu64 " frag-refused-len=%" PRIu64
				      " frag-bad-ip-csum=%" PRIu64,
				      f.reassembled, t.reasm_syslog, t.reasm_other, t.reasm_malformed,
				      f.taken, f.dropped, f.expired, f.at_stop, f.refused_ext,
				      f.refused_len, f.bad_hdr_csum);
	for (unsigned i = 0; i < d->nports && n < len; i++) {
		struct rte_eth_stats s;

		if (rte_eth_stats_get(d->port[i].id, &s) != 0)
			continue;
		n += (size_t)snprintf(buf + n, len - n,
				      "; port %u: ipackets=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64
				      " rx_nombuf=%" PRIu64, d->port[i].id, s.ipackets, s.imissed,
				      s.ierrors, s.rx_nombuf);
	}
	if (n < len)
		n += sc_xdp_stats(buf + n, len - n);
	if (n < len)
		n += dpdk_exc_stats(d->exc, buf + n, len - n);
	if (unregistered && n < len)
		snprintf(buf + n, len - n, "; %u worker(s) without an lcore id (no mempool cache)",
			 unregistered);
}

static void
drv_close(void *priv)
{
	struct dpdk_drv *d = priv;

	if (d == NULL)
		return;
	/* Held fragments go back to the pool while it exists. */
	for (unsigned i = 0; d->w && i < d->nw; i++)
		sc_dpdk_reasm_destroy(d->w[i].reasm);
	dpdk_exc_stop(d->exc);
	for (unsigned i = 0; i < d->nports; i++) {
		if (d->port[i].started)
			rte_eth_dev_stop(d->port[i].id);
	}
	if (d->eal) {
		/* Close every port the EAL probed, ours or not (frees vdevs' sockets). */
		uint16_t pid;

		RTE_ETH_FOREACH_DEV(pid)
			rte_eth_dev_close(pid);
	}
	sc_xdp_close();
	/* Before the RX pool: frames it may still hold came from there. */
	dpdk_exc_free(d->exc);
	rte_mempool_free(d->pool);
	if (d->eal)
		rte_eal_cleanup();
	for (unsigned i = 0; d->w && i < d->nw; i++)
		free(d->w[i].lin);
	free(d->w);
	free(d);
}

static struct sc_driver_ops dpdk_ops = {
	.name = "dpdk",
	.summary = "syslog over UDP from DPDK ports (NIC or vdev: net_pcap, net_memif, ...)",
	.opts = dpdk_opts,
	.lossless = false,
	/* Set in open() when a port stamps packets live (see the file comment). */
	.nic_time = false,
	.set_opt = drv_set_opt,
	.open = drv_open,
	.run = drv_run,
	.release = drv_release,
	.stats = drv_stats,
	.close = drv_close,
};

SC_DRIVER_REGISTER(dpdk_ops)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_DPDK_EXCEPTION_H
#define SEALCAP_DPDK_EXCEPTION_H

/**
 * @file
 * The dpdk driver's kernel exception path (private to drivers/dpdk).
 *
 * With --exception-tap NAME every capture port gets a net_tap vdev, added
 * to the EAL arguments by the driver: the first --dpdk-port's TAP is NAME,
 * the k-th further one NAME<k> (NAME1, NAME2, ...).  Frames a worker does
 * not store (sc_net_classify SC_NET_OTHER: ARP, ICMP/ICMPv6 with neighbour
 * discovery, TCP, DHCP, UDP to other ports) go to the kernel through the
 * TAP; what the kernel sends on the TAP goes out of the port.  So the host
 * keeps answering ARP and ping on the capture address, and the socket
 * driver (--driver dpdk,socket: opened after dpdk) can listen for TCP
 * syslog on the TAP's address, into the same store.
 *
 * Queues: the TAP has one RX/TX queue pair per RX worker of its port, and
 * the port one TX queue per worker (only with the exception path; without
 * it the port keeps a single TX queue, as a memif peer must match queue
 * counts).  Worker (port P, queue Q) alone uses TAP P queue Q and port P TX
 * queue Q: no locks.
 *
 * Only frames the kernel would accept reach it: broadcast, multicast, and
 * unicast to the TAP's MAC (a promiscuous or SPAN port sees everyone's
 * traffic; the kernel would drop the rest after a copy and a syscall each).
 * Malformed frames never reach this path (the driver counts them).
 *
 * Ownership: dpdk_exc_hold() takes the mbuf (true) or leaves it to the
 * caller (false, not for us); dpdk_exc_to_kernel() passes the held mbufs
 * to the TAP's tx_burst, frees what it refuses and counts them.  Mbufs read
 * from the TAP come from the exception path's own small pool, so kernel
 * traffic can never starve the capture pool; what the port refuses to send
 * is freed and counted.
 *
 * Threads: options and open/close run on the main thread; dpdk_exc_hold,
 * dpdk_exc_to_kernel and dpdk_exc_from_kernel on the queue's one worker;
 * dpdk_exc_stats from any thread (counters have one writer each).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <sealcap/driver.h>

/** Capture ports (and so TAPs) at most. */
#define DPDK_EXC_TAPS_MAX 8
/** Frames held for the TAP between flushes (one RX burst). */
#define DPDK_EXC_HELD 32

/** Option table entries for the dpdk driver's opts[]. */
#define DPDK_EXC_OPTS \
	{ "exception-tap", "NAME", \
	  "kernel exception path: frames that are not UDP syslog (ARP, ICMP, TCP, ...) go to TAP NAME " \
	  "(NAME1, NAME2, ... for further --dpdk-port), what the kernel sends goes out the port", NULL }, \
	{ "exception-addr", "ADDR/LEN[@TAP]", \
	  "IPv4 or IPv6 address set on the TAP (default: the first port's), which is then brought up " \
	  "(repeatable)", NULL }, \
	{ "exception-mac", "MAC[@TAP]", \
	  "TAP MAC; the port's own MAC suits a dedicated NIC; af_packet on a host interface needs another " \
	  "(and arp_ignore=8 on it: the kernel sees those frames too)", "the port's MAC" }

struct dpdk_exc;

/** Per worker counters (one writer: the worker). */
struct dpdk_exc_stats {
	uint64_t to_kernel;         /**< frames the TAP took */
	uint64_t to_kernel_dropped; /**< frames the TAP refused (freed) */
	uint64_t not_ours;          /**< unicast to another MAC: not forwarded */
	uint64_t from_kernel;       /**< frames sent out of the port */
	uint64_t from_kernel_dropped; /**< frames the port refused (freed) */
};

/** One worker's queue pair. */
struct dpdk_exc_q {
	struct rte_mbuf *held[DPDK_EXC_HELD];
	uint16_t nheld;
	uint16_t tap;               /**< TAP port id */
	uint16_t port;              /**< capture port id */
	uint16_t queue;             /**< queue on both */
	struct rte_ether_addr mac;  /**< the TAP's MAC */
	struct dpdk_exc_stats st;
} __rte_cache_aligned;

/* ---- options (main thread, before open) ------------------------------------ */

/** True for the option names this module takes. */
bool dpdk_exc_is_opt(const char *name);
/** Take one option.  @return 0 or -EINVAL with a message in @p err. */
int dpdk_exc_set_opt(const char *name, const char *value, char *err, size_t errlen);

/* ---- open / close (main thread) -------------------------------------------- */

/**
 * Check the options for @p nports capture ports of @p queues RX queues
 * each.  @return NULL with nothing to do (no --exception-tap; *err empty),
 * or the state; NULL with a message in @p err when the options are wrong.
 */
struct dpdk_exc *dpdk_exc_create(unsigned nports, unsigned queues, char *err, size_t errlen);
/**
 * Append the TAPs' "--vdev=net_tap..." words to an EAL argv at argv[0..room).
 * Vdevs probe in argument order after the buses' devices, so the user's own
 * ports keep their ids.  @return words added, or -E2BIG when room is short.
 */
int dpdk_exc_eal_args(struct dpdk_exc *x, char **argv, unsigned room);
/** After rte_eal_init: find the TAP ports.  @return 0 or -ENODEV + message. */
int dpdk_exc_probe(struct dpdk_exc *x, char *err, size_t errlen);
/** How many ethdev ports are ours (TAPs): they are not capture ports. */
unsigned dpdk_exc_nports(const struct dpdk_exc *x);
/** True when @p port_id is one of the TAPs. */
bool dpdk_exc_owns(const struct dpdk_exc *x, uint16_t port_id);
/**
 * Configure, start, address and bring up TAP i for capture port
 * @p ports[i], every i; prints one ready line per TAP.  The capture ports
 * must be started (their MAC and MTU are read).  @return 0 or -errno + message.
 */
int dpdk_exc_start(struct dpdk_exc *x, const uint16_t *ports, char *err, size_t errlen);
/** The queue pair of worker @p w (port w / queues, queue w % queues). */
struct dpdk_exc_q *dpdk_exc_queue(struct dpdk_exc *x, unsigned w);
/** Append "; exception: ..." counters to @p buf.  @return chars written. */
size_t dpdk_exc_stats(const struct dpdk_exc *x, char *buf, size_t len);
/** Stop the TAP ports (before the EAL closes every port).  NULL is fine. */
void dpdk_exc_stop(struct dpdk_exc *x);
/** Free the state and the pool (after the ports are closed).  NULL is fine. */
void dpdk_exc_free(struct dpdk_exc *x);

/* ---- worker ---------------------------------------------------------------- */

/** Send the held frames to the TAP; refused ones are freed and counted. */
void dpdk_exc_to_kernel(struct dpdk_exc_q *q);
/**
 * Read the TAP, send what the kernel emitted out of the port (refused
 * frames are freed and counted).  Cheap when there is nothing: net_tap
 * only reads its fd after the kernel signalled data (SIGIO), so call it
 * on every loop pass.  @return frames read.
 */
uint16_t dpdk_exc_from_kernel(struct dpdk_exc_q *q);

/**
 * Hold a frame the engine does not store, for dpdk_exc_to_kernel().
 * @p frame is its first bytes (>= 14, as classified).  @return true when the
 * path took @p m (the caller must not touch it), false when it is not for
 * the kernel (caller frees it).
 */
static inline bool
dpdk_exc_hold(struct dpdk_exc_q *q, struct rte_mbuf *m, const uint8_t *frame)
{
	/* Group bit: broadcast and multicast (ARP requests, ND, ...). */
	if (!(frame[0] & 1) && memcmp(frame, q->mac.addr_bytes, RTE_ETHER_ADDR_LEN) != 0) {
		q->st.not_ours++;
		return false;
	}
	if (unlikely(q->nheld == DPDK_EXC_HELD))
		dpdk_exc_to_kernel(q);
	q->held[q->nheld++] = m;
	return true;
}

#endif /* SEALCAP_DPDK_EXCEPTION_H */

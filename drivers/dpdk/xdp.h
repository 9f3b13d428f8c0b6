/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_DRV_DPDK_XDP_H
#define SEALCAP_DRV_DPDK_XDP_H

/*
 * AF_XDP capture for the dpdk driver (--af-xdp IFACE): the kernel keeps the
 * interface, and sealcap's XDP program (xdp/sc_xdp.bpf.c) steers only UDP
 * to the syslog ports into the af_xdp PMD's sockets.
 *
 * The dpdk driver calls, in this order:
 *   sc_xdp_set_opt        for each of SC_XDP_OPTS
 *   sc_xdp_eal_args       before rte_eal_init: checks every interface and
 *                         the program, returns the EAL arguments with one
 *                         --vdev=net_af_xdpN,iface=..,xdp_prog=.. per interface
 *   sc_xdp_port_id        after rte_eal_init: the ethdev port of each one
 *   sc_xdp_start          after the port started (the PMD attached the
 *                         program while setting up its RX queues): writes
 *                         the syslog ports into the program's sc_ports map
 *                         and prints the ready line
 *   sc_xdp_port_lost      with the port's loss counters (every 100 ms)
 *   sc_xdp_stats          for the driver's stats line
 *   sc_xdp_close          after the ports are closed (the PMD detaches)
 * All of it is start-up, stats or shutdown code: nothing on the packet path.
 * Not thread-safe; the driver calls it from one thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/net.h>

struct rte_mempool;

#define SC_XDP_OPTS \
	{ "af-xdp", "IFACE", "capture UDP syslog from IFACE through AF_XDP with sealcap's XDP program; " \
	  "everything else stays with the kernel (repeatable; adds its --vdev itself)", NULL }, \
	{ "af-xdp-prog", "PATH", "XDP program object for --af-xdp", "sc_xdp.o of this build or install" }

/*
 * Mbufs the af_xdp PMD (DPDK 22.11) holds per queue in its fill ring
 * (ETH_AF_XDP_DFLT_NUM_DESCS = XSK_RING_CONS__DEFAULT_NUM_DESCS): it stocks
 * that many at queue setup and refills what each burst took.
 */
#define SC_XDP_FILL_MBUFS 2048

/** True when @p name is one of SC_XDP_OPTS. */
bool sc_xdp_is_opt(const char *name);

/**
 * Take one of SC_XDP_OPTS.
 * @return 0, or -EINVAL with a message in @p err (bad name, too many).
 */
int sc_xdp_set_opt(const char *name, const char *value, char *err, size_t errlen);

/** How many --af-xdp interfaces were given. */
unsigned sc_xdp_count(void);

/**
 * @p base followed by one --vdev per --af-xdp interface, with
 * queue_count=@p rx_queues.  Checks first that the program object exists
 * and has the maps the PMD and the driver need, that each interface exists
 * in this network namespace, and that none has an XDP program attached.
 * @return a malloc'd string (the caller frees it), or NULL with a message.
 */
char *sc_xdp_eal_args(const char *base, unsigned rx_queues, char *err, size_t errlen);

/**
 * The mbuf pool for a run with --af-xdp ports: as rte_pktmbuf_pool_create
 * (default data room, no private area) but with its objects packed back to
 * back in one chunk of memory.  The af_xdp PMD (22.11) registers the pool
 * with the kernel as one UMEM of (objects x object size) bytes from the
 * first chunk's start; a default pool pads objects so none crosses a page
 * (with --no-huge: 4 KiB per 2.3 KiB mbuf), so the UMEM would end ~40 %
 * short of the pool, and RX stops the first time the PMD hands the kernel
 * an mbuf beyond it (seen here as a stall after 4736 packets once mbufs
 * were lent to the lanes).  Objects may cross 4 KiB pages: the kernel's
 * copy mode does not mind; zero-copy on physically scattered 4 KiB pages
 * would (hugepages are physically contiguous within a page).
 * @return the pool, or NULL with rte_errno set (ENOMEM: it did not fit in
 * one chunk).
 */
struct rte_mempool *sc_xdp_pool_create(const char *name, unsigned n, unsigned cache, int socket);

/**
 * The ethdev port of the @p i-th --af-xdp interface (after rte_eal_init).
 * @return 0, or -ENODEV with a message when the PMD did not probe it.
 */
int sc_xdp_port_id(unsigned i, uint16_t *port, char *err, size_t errlen);

/**
 * After the @p i-th interface's port started: find the program attached to
 * the interface, check it is sealcap's, copy @p ports into its sc_ports map
 * and print "sealcap: af_xdp on IFACE with sealcap XDP program: UDP ports
 * @p ports_str to DPDK, everything else to the kernel" on stderr.
 * @return 0, or a negative errno with a message.
 */
int sc_xdp_start(unsigned i, const struct sc_portset *ports, const char *ports_str, char *err,
		 size_t errlen);

/**
 * Frames the kernel dropped because an AF_XDP socket's RX ring was full
 * (the af_xdp PMD of DPDK 22.11 leaves them out of imissed), summed over
 * every --af-xdp socket and reported for the first --af-xdp port only
 * (the sockets cannot be told apart by interface); 0 for other ports.
 * A few getsockopt calls: for the periodic loss fold, not per packet.
 * Safe from any thread after sc_xdp_start, until sc_xdp_close.
 */
uint64_t sc_xdp_port_lost(uint16_t port);

/**
 * Append "; xdp IFACE: to-dpdk=N to-kernel=N ..." for each started
 * interface (the program's per-CPU counters, summed).
 * @return the characters written (at most @p len - 1).
 */
size_t sc_xdp_stats(char *buf, size_t len);

/** Close the map descriptors sc_xdp_start opened.  Safe to call always. */
void sc_xdp_close(void);

#endif /* SEALCAP_DRV_DPDK_XDP_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_SC_XDP_H
#define SEALCAP_SC_XDP_H

/*
 * What the XDP program (sc_xdp.bpf.c, BPF target) and the dpdk driver
 * (xdp.c, host) share: map names, the layout of the port-set value and the
 * counters.  Only <linux/types.h> types, so both compilers read it alike.
 */

#include <linux/types.h>

/* The program's name as the kernel reports it (BPF names keep 15 chars). */
#define SC_XDP_PROG_NAME "sc_xdp_steer"
/* The af_xdp PMD inserts each queue's AF_XDP socket under this name. */
#define SC_XDP_XSKS_MAP "xsks_map"
#define SC_XDP_PORTS_MAP "sc_ports"
#define SC_XDP_STATS_MAP "sc_xdp_stats"

/* Used while sc_ports has not been written (set == 0). */
#define SC_XDP_DEFAULT_PORT 514
/* Queues the xsks_map covers (rx_queue_index below this). */
#define SC_XDP_QUEUES_MAX 256
/* UDP datagrams in flight as fragments that the program remembers. */
#define SC_XDP_FRAGS_MAX 4096

/*
 * The one value of sc_ports (an ARRAY of one entry): bit p of the bitmap is
 * set when UDP destination port p carries syslog.  Same layout as
 * struct sc_portset (sealcap/net.h), so the driver copies its set in.
 */
struct sc_xdp_ports {
	__u64 bits[65536 / 64];
	__u32 set;      /* non-zero once the driver wrote the map */
	__u32 pad;
};

/* Per-CPU counters, one sc_xdp_stats entry each. */
enum sc_xdp_stat {
	SC_XDP_TO_DPDK = 0,     /* frames redirected to the AF_XDP socket */
	SC_XDP_TO_KERNEL,       /* frames passed to the kernel stack */
	SC_XDP_NO_SOCKET,       /* syslog, but no socket on that queue: kernel */
	SC_XDP_FRAG_DPDK,       /* UDP fragments redirected (part of TO_DPDK) */
	SC_XDP_FRAG_KERNEL,     /* UDP fragments passed (part of TO_KERNEL) */
	SC_XDP_STAT__COUNT
};

#endif /* SEALCAP_SC_XDP_H */

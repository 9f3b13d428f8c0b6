/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_NET_H
#define SEALCAP_NET_H

/**
 * @file
 * Frame classification for drivers that see whole frames (pcap, DPDK):
 * Ethernet, 802.1Q / 802.1ad (QinQ) tags, IPv4 with options, IPv6 with
 * extension headers, UDP to one of the syslog ports.  Reads only inside
 * [frame, frame + len); safe on any bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/driver.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Set of UDP destination ports that carry syslog. */
struct sc_portset {
	uint64_t bits[65536 / 64];
};

void sc_portset_clear(struct sc_portset *s);
void sc_portset_add(struct sc_portset *s, uint16_t port);
static inline bool
sc_portset_has(const struct sc_portset *s, uint16_t port)
{
	return (s->bits[port >> 6] >> (port & 63)) & 1;
}
/**
 * Parse "514,6514,1514" into @p s.
 * @return 0 or -EINVAL.
 */
int sc_portset_parse(struct sc_portset *s, const char *list);

enum sc_net_class {
	SC_NET_SYSLOG = 0,   /**< UDP to a syslog port: payload found */
	SC_NET_OTHER,        /**< well-formed, not UDP syslog (ARP, TCP, ...) */
	SC_NET_FRAGMENT,     /**< an IP fragment of something */
	SC_NET_MALFORMED,    /**< truncated or inconsistent headers */
};

/**
 * Classify an Ethernet frame.  On SC_NET_SYSLOG fills @p meta (addresses,
 * ports, transport, SC_REC_BAD_CSUM when a checksum is wrong) and points
 * @p payload / @p plen at the UDP payload.
 *
 * On SC_NET_FRAGMENT, for reassembly: @p payload points at the IP header
 * (so payload - frame is the L2 length, tags included), @p plen is the L3
 * length (IPv4: IHL * 4; IPv6: up to and including the fragment header,
 * extension headers before it included) and meta->family is 4 or 6; the
 * rest of @p meta is not set.  The IPv4 header checksum of a fragment is
 * not checked here.  Both lengths lie inside the frame.
 */
enum sc_net_class sc_net_classify(const uint8_t *frame, size_t len,
				  const struct sc_portset *ports, struct sc_pkt *meta,
				  const uint8_t **payload, uint32_t *plen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_NET_H */

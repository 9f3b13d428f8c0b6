/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_GEN_FRAME_H
#define SEALCAP_GEN_FRAME_H

/**
 * @file
 * Ethernet frames around a UDP payload: Ethernet II, an optional 802.1Q tag,
 * IPv4 (no options, checksum filled in) or IPv6 (no extension headers), UDP
 * with its checksum.
 *
 * The headers of one flow are built once into a template; per packet only
 * the lengths, the IPv4 identification and the checksums change, and the
 * checksum sums only the payload, the rest being precomputed.  The payload
 * is not copied: the caller writes it at GEN_FRAME_HDR_MAX bytes into its
 * buffer (the "headroom", as in a DPDK mbuf) and gen_frame_finish() writes
 * the headers right in front of it, so an Ethernet frame starts at
 * payload - gen_frame_tmpl::len.  Nothing here allocates or keeps state;
 * templates are read-only after gen_frame_tmpl_init(), so threads may share
 * them.
 *
 * Frames are not fragmented: a payload of up to 65507 (IPv4) or 65527
 * (IPv6) bytes gives one frame longer than the Ethernet MTU.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest header: Ethernet 14 + 802.1Q 4 + IPv6 40 + UDP 8. */
#define GEN_FRAME_HDR_MAX 66
/** Largest UDP payload (IPv4 total length limit; IPv6 allows 20 more). */
#define GEN_FRAME_PAYLOAD_MAX 65507

/** One UDP flow, from one source to the collector. */
struct gen_flow {
	uint8_t family;         /**< 4 or 6 */
	uint8_t ttl;            /**< TTL or hop limit */
	uint16_t vlan;          /**< 1..4094 for a tag, 0 for none */
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t flow_label;    /**< IPv6 only, 20 bits */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint8_t src_ip[16];     /**< IPv4 in the first 4 bytes */
	uint8_t dst_ip[16];
};

/** Precomputed headers of one flow; fill with gen_frame_tmpl_init(). */
struct gen_frame_tmpl {
	uint8_t hdr[GEN_FRAME_HDR_MAX]; /**< headers, lengths and sums zero */
	uint8_t len;            /**< header length, 42..66 */
	uint8_t l3_off;         /**< offset of the IP header */
	uint8_t l4_off;         /**< offset of the UDP header */
	uint8_t family;
	uint32_t ip_sum;        /**< unfolded sum of the IPv4 header as in hdr */
	uint32_t udp_sum;       /**< unfolded sum of pseudo-header addresses,
				     protocol and ports */
};

/**
 * Build the template of @p flow.
 * @return 0, or -EINVAL if the family or the VLAN id is invalid.
 */
int gen_frame_tmpl_init(struct gen_frame_tmpl *t, const struct gen_flow *flow);

/**
 * Write the headers of one frame in front of its payload.
 *
 * @param t        template of the flow.
 * @param payload  the UDP payload, already in place; t->len bytes before it
 *                 must be writable (the frame starts at payload - t->len).
 * @param len      payload length, at most GEN_FRAME_PAYLOAD_MAX.
 * @param ip_id    IPv4 identification (ignored for IPv6).
 * @return the frame length, t->len + len.
 */
size_t gen_frame_finish(const struct gen_frame_tmpl *t, uint8_t *payload,
			size_t len, uint16_t ip_id);

/**
 * Copying variant: write the frame of @p payload into @p buf.
 * @return the frame length, or 0 if it does not fit in @p cap.
 */
size_t gen_frame_build(const struct gen_frame_tmpl *t, const void *payload,
		       size_t len, uint16_t ip_id, uint8_t *buf, size_t cap);

/**
 * Internet checksum (RFC 1071) helpers.  gen_csum_add() adds @p len bytes to
 * a running sum and returns it partly folded (at most 0xffff, so a few more
 * 16-bit words may be added by hand); @p len must be even except for the
 * last block of a sum.
 * Bytes are summed as they lie in memory, which gives the right checksum on
 * either byte order when it is stored back with memcpy().
 */
/**
 * Split the IP packet of @p frame (as gen_frame_finish built it from @p t)
 * into IP fragments whose IP packets are at most @p mtu bytes: IPv4 with
 * the fragment fields (RFC 791), IPv6 with a Fragment header (RFC 8200
 * 4.5, identification @p id).  Each fragment gets the frame's Ethernet and
 * VLAN header; the fragments go back to back into @p out, their lengths
 * into @p lens.
 * @return how many fragments (>= 2), 0 when the packet fits in @p mtu
 * (nothing written), or -1 when @p cap or @p maxfrags is too small or
 * @p mtu leaves no room for data.
 */
int gen_frame_fragment(const struct gen_frame_tmpl *t, const uint8_t *frame, size_t len,
		       unsigned mtu, uint32_t id, uint8_t *out, size_t cap, uint32_t *lens,
		       unsigned maxfrags);

uint32_t gen_csum_add(uint32_t sum, const void *data, size_t len);
/** Fold an unfolded sum and complement it: the checksum to store. */
uint16_t gen_csum_fold(uint32_t sum);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_GEN_FRAME_H */

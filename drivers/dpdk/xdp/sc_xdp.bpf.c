/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * sealcap's XDP program for the af_xdp PMD (loaded through its xdp_prog=
 * devarg): UDP to a syslog port goes to the AF_XDP socket of the queue it
 * arrived on, everything else to the kernel stack.  So a NIC shared with
 * the kernel keeps ARP, ping, SSH, TCP syslog and management traffic, and
 * only the datagrams sealcap seals are taken from it.
 *
 * Parsing: Ethernet, up to SC_VLAN_MAX 802.1Q / 802.1ad tags, IPv4 (IHL
 * options), IPv6 with up to SC_EXT_MAX hop-by-hop / routing / destination
 * options headers, then UDP.  Anything else, and anything too short to hold
 * the headers it announces, is XDP_PASS: the kernel is the one to judge
 * (and drop) it.  Checksums and lengths are checked by the engine's
 * classifier (engine/net.c), not here.
 *
 * Ports: sc_ports holds a 65536-bit set that the driver writes after the
 * port starts (from --dpdk-syslog-ports).  Until it does (set == 0) port
 * SC_XDP_DEFAULT_PORT (514) is used.
 *
 * Fragments: only the first fragment of a datagram carries the UDP ports.
 * A first fragment to a syslog port is redirected and its datagram
 * (addresses + IP identification) remembered in sc_frags, an LRU table of
 * SC_XDP_FRAGS_MAX entries; a later fragment goes where its datagram's
 * first fragment went: to DPDK when remembered, else to the kernel.  So
 * non-syslog fragmented traffic (large DNS answers, fragmented ping) stays
 * with the kernel, and the engine gets every fragment of a syslog datagram
 * to reassemble, with two limits: a later fragment that arrives before its
 * first one goes to the kernel (which discards the incomplete datagram),
 * and with more than SC_XDP_FRAGS_MAX syslog datagrams in flight at once
 * the oldest are forgotten.  Both lose that datagram; on one LAN segment
 * fragments arrive in order.  Only fragments whose IP protocol (IPv4) or
 * Fragment header next-header (IPv6) is UDP are considered at all.
 *
 * Queue: bpf_redirect_map's XDP_PASS fallback sends a syslog frame to the
 * kernel when no socket is bound on that queue (counted as no_socket): e.g.
 * before the PMD has inserted its socket, or on a queue outside
 * start_queue..start_queue+queue_count.
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sc_xdp.h"

/* Same bounds as the engine's classifier (engine/net.c). */
#define SC_VLAN_MAX 4
#define SC_EXT_MAX 8

#define SC_IP_MF 0x2000
#define SC_IP_OFFSET 0x1fff
#define SC_IP6_OFFSET 0xfff8

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SC_XDP_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_xdp_ports);
} sc_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_XDP_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sc_xdp_stats SEC(".maps");

/* A datagram in fragments: IPv4 addresses sit in the first 4 bytes. */
struct sc_frag_key {
	__u32 id;
	__u8 family;
	__u8 pad[3];
	__u8 src[16];
	__u8 dst[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SC_XDP_FRAGS_MAX);
	__type(key, struct sc_frag_key);
	__type(value, __u8);
} sc_frags SEC(".maps");

struct sc_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct sc_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

static __always_inline void
count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&sc_xdp_stats, &which);

	if (c)
		*c += 1;
}

static __always_inline int
to_kernel(bool frag)
{
	count(SC_XDP_TO_KERNEL);
	if (frag)
		count(SC_XDP_FRAG_KERNEL);
	return XDP_PASS;
}

static __always_inline int
to_dpdk(struct xdp_md *ctx, bool frag)
{
	long act = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);

	if (act != XDP_REDIRECT) {
		count(SC_XDP_NO_SOCKET);
		return to_kernel(frag);
	}
	count(SC_XDP_TO_DPDK);
	if (frag)
		count(SC_XDP_FRAG_DPDK);
	return XDP_REDIRECT;
}

static __always_inline bool
is_syslog(__u16 port)
{
	__u32 k = 0;
	const struct sc_xdp_ports *p = bpf_map_lookup_elem(&sc_ports, &k);

	if (p == NULL || !p->set)
		return port == SC_XDP_DEFAULT_PORT;
	return (p->bits[(port >> 6) & 1023] >> (port & 63)) & 1;
}

/*
 * UDP header at @p udp (not yet bounds-checked).  @p key: NULL for a whole
 * datagram, else the first fragment's datagram, remembered when it goes to
 * DPDK.
 */
static __always_inline int
udp_first(struct xdp_md *ctx, const struct udphdr *udp, const void *end,
	  const struct sc_frag_key *key)
{
	__u8 one = 1;

	if ((const void *)(udp + 1) > end)
		return to_kernel(key != NULL);
	if (!is_syslog(bpf_ntohs(udp->dest)))
		return to_kernel(key != NULL);
	if (key)
		bpf_map_update_elem(&sc_frags, key, &one, BPF_ANY);
	return to_dpdk(ctx, key != NULL);
}

/* A later fragment follows its datagram's first fragment. */
static __always_inline int
udp_later(struct xdp_md *ctx, const struct sc_frag_key *key)
{
	if (bpf_map_lookup_elem(&sc_frags, key))
		return to_dpdk(ctx, true);
	return to_kernel(true);
}

static __always_inline int
ipv4(struct xdp_md *ctx, const void *data, const void *end, __u32 off)
{
	const struct iphdr *ip;
	struct sc_frag_key key;
	__u32 hlen;
	__u16 frag;

	if (off > 64)
		return to_kernel(false);
	ip = data + off;
	if ((const void *)(ip + 1) > end)
		return to_kernel(false);
	if (ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP)
		return to_kernel(false);
	hlen = (__u32)ip->ihl * 4;
	frag = bpf_ntohs(ip->frag_off);
	if (!(frag & (SC_IP_MF | SC_IP_OFFSET)))
		return udp_first(ctx, data + off + hlen, end, NULL);

	__builtin_memset(&key, 0, sizeof(key));
	key.family = 4;
	key.id = ip->id;
	__builtin_memcpy(key.src, &ip->saddr, 4);
	__builtin_memcpy(key.dst, &ip->daddr, 4);
	if (frag & SC_IP_OFFSET)
		return udp_later(ctx, &key);
	return udp_first(ctx, data + off + hlen, end, &key);
}

static __always_inline int
ipv6(struct xdp_md *ctx, const void *data, const void *end, __u32 off)
{
	const struct ipv6hdr *ip6;
	struct sc_frag_key key;
	__u8 next;

	if (off > 64)
		return to_kernel(false);
	ip6 = data + off;
	if ((const void *)(ip6 + 1) > end || ip6->version != 6)
		return to_kernel(false);
	next = ip6->nexthdr;
	off += sizeof(*ip6);

#pragma unroll
	for (int i = 0; i < SC_EXT_MAX; i++) {
		const struct ipv6_opt_hdr *h;

		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS)
			break;
		/* 64 + 40 + 8 headers of at most 2048 bytes: keeps the verifier's bounds small. */
		if (off > 64 + 40 + SC_EXT_MAX * 2048)
			return to_kernel(false);
		h = data + off;
		if ((const void *)(h + 1) > end)
			return to_kernel(false);
		next = h->nexthdr;
		off += ((__u32)h->hdrlen + 1) * 8;
	}
	if (off > 64 + 40 + SC_EXT_MAX * 2048 + 2048)
		return to_kernel(false);
	if (next == IPPROTO_UDP)
		return udp_first(ctx, data + off, end, NULL);
	if (next == IPPROTO_FRAGMENT) {
		const struct sc_ip6_frag *f = data + off;

		if ((const void *)(f + 1) > end || f->nexthdr != IPPROTO_UDP)
			return to_kernel(false);
		__builtin_memset(&key, 0, sizeof(key));
		key.family = 6;
		key.id = f->id;
		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		if (bpf_ntohs(f->frag_off) & SC_IP6_OFFSET)
			return udp_later(ctx, &key);
		/* A first fragment with UDP right after the Fragment header. */
		return udp_first(ctx, (const void *)(f + 1), end, &key);
	}
	/* TCP, ICMPv6, AH, ESP, no next header, too many extension headers. */
	return to_kernel(false);
}

SEC("xdp")
int
sc_xdp_steer(struct xdp_md *ctx)
{
	const void *data = (const void *)(long)ctx->data;
	const void *end = (const void *)(long)ctx->data_end;
	const struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;

	if ((const void *)(eth + 1) > end)
		return to_kernel(false);
	proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < SC_VLAN_MAX; i++) {
		const struct sc_vlan_hdr *v;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD) &&
		    proto != bpf_htons(0x9100))
			break;
		v = data + off;
		if ((const void *)(v + 1) > end)
			return to_kernel(false);
		proto = v->proto;
		off += sizeof(*v);
	}
	if (proto == bpf_htons(ETH_P_IP))
		return ipv4(ctx, data, end, off);
	if (proto == bpf_htons(ETH_P_IPV6))
		return ipv6(ctx, data, end, off);
	return to_kernel(false);
}

/* No GPL-only helper is called; the project's licence. */
char LICENSE[] SEC("license") = "BSD";

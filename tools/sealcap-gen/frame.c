/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * Ethernet/802.1Q/IPv4/IPv6/UDP framing with checksums; see frame.h.
 */
#include "frame.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define IPPROTO_UDP_	17
#define IPPROTO_FRAG6_	44

static inline void
put16(uint8_t *p, uint16_t host)
{
	uint16_t be = htons(host);

	memcpy(p, &be, 2);
}

static inline void
put32(uint8_t *p, uint32_t host)
{
	uint32_t be = htonl(host);

	memcpy(p, &be, 4);
}

uint32_t
gen_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	uint32_t w;

	/*
	 * 32-bit words into a 64-bit accumulator: 2^32 words before it could
	 * overflow, far more than one datagram.  Folding the 32-bit sum later
	 * gives the same ones' complement result as summing 16-bit words.
	 */
	while (len >= 16) {
		uint32_t a, b, c, d;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		acc += (uint64_t)a + b + c + d;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* Odd tail: pad with a zero byte, in memory order. */
		uint8_t b[2] = { p[0], 0 };
		uint16_t h;

		memcpy(&h, b, 2);
		acc += h;
	}
	/* Partly folded, at most 0xffff: callers may add a few words more. */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t
gen_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
gen_frame_tmpl_init(struct gen_frame_tmpl *t, const struct gen_flow *f)
{
	uint8_t *h = t->hdr;
	size_t off = 0, alen;
	uint16_t proto;

	if (f->family != 4 && f->family != 6)
		return -EINVAL;
	if (f->vlan > 4094)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->family = f->family;

	memcpy(h, f->dst_mac, 6);
	memcpy(h + 6, f->src_mac, 6);
	off = 12;
	if (f->vlan) {
		put16(h + off, ETH_P_8021Q);
		put16(h + off + 2, f->vlan);    /* PCP 0, DEI 0 */
		off += 4;
	}
	put16(h + off, f->family == 4 ? ETH_P_IPV4 : ETH_P_IPV6);
	off += 2;
	t->l3_off = (uint8_t)off;

	if (f->family == 4) {
		h[off] = 0x45;                  /* version 4, 20-byte header */
		h[off + 1] = 0;                 /* DSCP 0: syslog is best effort */
		/* total length, identification: per packet */
		put16(h + off + 6, 0);          /* no DF: senders let UDP fragment */
		h[off + 8] = f->ttl;
		h[off + 9] = IPPROTO_UDP_;
		memcpy(h + off + 12, f->src_ip, 4);
		memcpy(h + off + 16, f->dst_ip, 4);
		t->ip_sum = gen_csum_add(0, h + off, 20);
		off += 20;
		alen = 4;
	} else {
		put32(h + off, 6u << 28 | (f->flow_label & 0xfffff));
		/* payload length: per packet */
		h[off + 6] = IPPROTO_UDP_;
		h[off + 7] = f->ttl;
		memcpy(h + off + 8, f->src_ip, 16);
		memcpy(h + off + 24, f->dst_ip, 16);
		off += 40;
		alen = 16;
	}
	t->l4_off = (uint8_t)off;
	put16(h + off, f->src_port);
	put16(h + off + 2, f->dst_port);
	off += 8;
	t->len = (uint8_t)off;

	/*
	 * Pseudo-header without the length: addresses and protocol (RFC 768,
	 * RFC 8200 section 8.1), plus the UDP ports, which never change.
	 */
	proto = htons(IPPROTO_UDP_);
	t->udp_sum = gen_csum_add(0, h + t->l3_off + (f->family == 4 ? 12 : 8),
				  2 * alen);
	t->udp_sum = gen_csum_add(t->udp_sum, &proto, 2);
	t->udp_sum = gen_csum_add(t->udp_sum, h + t->l4_off, 4);
	return 0;
}

size_t
gen_frame_finish(const struct gen_frame_tmpl *t, uint8_t *payload,
		 size_t len, uint16_t ip_id)
{
	uint8_t *f = payload - t->len;
	uint8_t *ip = f + t->l3_off;
	uint8_t *udp = f + t->l4_off;
	uint16_t ulen = (uint16_t)(8 + len);
	uint16_t be_ulen = htons(ulen), csum;
	uint32_t sum;

	memcpy(f, t->hdr, t->len);
	if (t->family == 4) {
		uint16_t be_tot = htons((uint16_t)(20 + 8 + len));
		uint16_t be_id = htons(ip_id);

		memcpy(ip + 2, &be_tot, 2);
		memcpy(ip + 4, &be_id, 2);
		sum = t->ip_sum + be_tot + be_id;
		csum = gen_csum_fold(sum);
		memcpy(ip + 10, &csum, 2);
	} else {
		memcpy(ip + 4, &be_ulen, 2);
	}
	memcpy(udp + 4, &be_ulen, 2);
	/* The length counts twice: once in the pseudo-header, once in UDP. */
	sum = gen_csum_add(t->udp_sum, payload, len);
	sum = gen_csum_add(sum, &be_ulen, 2);
	sum = gen_csum_add(sum, &be_ulen, 2);
	csum = gen_csum_fold(sum);
	/* 0 means "no checksum" in UDP over IPv4; send its other form. */
	if (csum == 0)
		csum = 0xffff;
	memcpy(udp + 6, &csum, 2);
	return t->len + len;
}

size_t
gen_frame_build(const struct gen_frame_tmpl *t, const void *payload,
		size_t len, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	if (len > GEN_FRAME_PAYLOAD_MAX || cap < t->len + len)
		return 0;
	memmove(buf + t->len, payload, len);
	return gen_frame_finish(t, buf + t->len, len, ip_id);
}

int
gen_frame_fragment(const struct gen_frame_tmpl *t, const uint8_t *frame, size_t len,
		   unsigned mtu, uint32_t id, uint8_t *out, size_t cap, uint32_t *lens,
		   unsigned maxfrags)
{
	size_t iph = t->family == 4 ? 20 : 40;
	size_t fragh = t->family == 4 ? 0 : 8;   /* IPv6 Fragment header */
	const uint8_t *data = frame + t->l3_off + iph;  /* UDP header onwards */
	size_t dlen = len - t->l3_off - iph, chunk, off = 0, used = 0;
	unsigned n = 0;

	if (len - t->l3_off <= mtu)
		return 0;
	if (mtu < iph + fragh + 8)
		return -1;
	/* Every fragment but the last carries a multiple of 8 bytes. */
	chunk = (mtu - iph - fragh) & ~(size_t)7;
	while (off < dlen) {
		size_t k = dlen - off < chunk ? dlen - off : chunk;
		size_t flen = t->l3_off + iph + fragh + k;
		int more = off + k < dlen;
		uint8_t *f = out + used, *ip;

		if (n == maxfrags || used + flen > cap)
			return -1;
		memcpy(f, frame, t->l3_off + iph);
		ip = f + t->l3_off;
		if (t->family == 4) {
			uint16_t csum;

			put16(ip + 2, (uint16_t)(iph + k));
			put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
			put16(ip + 10, 0);
			csum = gen_csum_fold(gen_csum_add(0, ip, 20));
			memcpy(ip + 10, &csum, 2);
		} else {
			uint8_t *fh = ip + 40;

			put16(ip + 4, (uint16_t)(fragh + k));
			ip[6] = IPPROTO_FRAG6_;
			fh[0] = IPPROTO_UDP_;
			fh[1] = 0;
			put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));  /* offset in 8s, << 3 */
			put32(fh + 4, id);
		}
		memcpy(f + t->l3_off + iph + fragh, data + off, k);
		lens[n++] = (uint32_t)flen;
		used += flen;
		off += k;
	}
	return (int)n;
}

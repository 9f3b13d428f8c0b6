/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * sc_net_classify and sc_portset_*.  Frames come from two sources: a builder
 * below (Ethernet, tags, IPv4 + options, IPv6 + extension headers, UDP) that
 * computes checksums with its own RFC 1071 sum (cross-checked against DPDK),
 * and golden frames produced by scapy 2.5.0, an independent oracle for the
 * checksums and the SRv6 pseudo-header.  Every frame is classified from a
 * heap copy of exactly its length, so ASan catches any read past the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rte_ip.h>

#include <sealcap/net.h>
#include <sealcap/record.h>

/* Bounds in engine/net.c (not in net.h). */
#define TAGS_MAX 4
#define EXT_MAX 8

#define MSG "<34>1 2026-01-01T00:00:00Z host app - - - hello"

static struct sc_portset ports;

static void
setup(void)
{
	cr_assert_eq(sc_portset_parse(&ports, "514,6514"), 0);
}

TestSuite(net, .init = setup, .timeout = 120);

/* ---- golden frames (scapy 2.5.0; see the comment above each) ------------- */

/*
 * Ether()/IP(src="10.1.2.3",dst="10.9.9.9",id=1)/UDP(sport=40000,dport=514)/MSG
 */
static const uint8_t gold_v4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x4b, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x5b, 0x8c, 0x0a, 0x01, 0x02, 0x03, 0x0a, 0x09, 0x09, 0x09, 0x9c, 0x40,
	0x02, 0x02, 0x00, 0x37, 0xed, 0xbc, 0x3c, 0x33, 0x34, 0x3e, 0x31, 0x20,
	0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30,
	0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x5a, 0x20, 0x68, 0x6f, 0x73,
	0x74, 0x20, 0x61, 0x70, 0x70, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20,
	0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* IP(src="192.168.7.42",..., options=[NOP, NOP, NOP, EOL])/UDP(40001, 514) */
static const uint8_t gold_v4_opts[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x4f, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11,
	0x9c, 0xb7, 0xc0, 0xa8, 0x07, 0x2a, 0x0a, 0x09, 0x09, 0x09, 0x01, 0x01,
	0x01, 0x00, 0x9c, 0x41, 0x02, 0x02, 0x00, 0x37, 0x31, 0xed, 0x3c, 0x33,
	0x34, 0x3e, 0x31, 0x20, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31, 0x2d,
	0x30, 0x31, 0x54, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x5a,
	0x20, 0x68, 0x6f, 0x73, 0x74, 0x20, 0x61, 0x70, 0x70, 0x20, 0x2d, 0x20,
	0x2d, 0x20, 0x2d, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* Ether(type=0x88a8)/Dot1AD(vlan=100)/Dot1Q(vlan=200)/IP(src="172.16.0.9")/UDP(514, 514) */
static const uint8_t gold_qinq[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x4b, 0x00, 0x03, 0x00, 0x00, 0x40, 0x11, 0xbb, 0x74, 0xac, 0x10,
	0x00, 0x09, 0x0a, 0x09, 0x09, 0x09, 0x02, 0x02, 0x02, 0x02, 0x00, 0x37,
	0xe7, 0xe5, 0x3c, 0x33, 0x34, 0x3e, 0x31, 0x20, 0x32, 0x30, 0x32, 0x36,
	0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30, 0x30, 0x3a, 0x30, 0x30,
	0x3a, 0x30, 0x30, 0x5a, 0x20, 0x68, 0x6f, 0x73, 0x74, 0x20, 0x61, 0x70,
	0x70, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x68, 0x65, 0x6c, 0x6c,
	0x6f,
};
/*
 * IPv6(src="2001:db8::1",dst="2001:db8::514")/IPv6ExtHdrHopByHop(PadN 4)/
 * IPv6ExtHdrDestOpt(PadN 4)/UDP(50000, 514)/MSG
 */
static const uint8_t gold_v6_ext[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x47, 0x00, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x05, 0x14, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x11, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0xc3, 0x50,
	0x02, 0x02, 0x00, 0x37, 0x85, 0x3b, 0x3c, 0x33, 0x34, 0x3e, 0x31, 0x20,
	0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30,
	0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x5a, 0x20, 0x68, 0x6f, 0x73,
	0x74, 0x20, 0x61, 0x70, 0x70, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20,
	0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/*
 * In transit through SRv6: IPv6(src="2001:db8::2",dst="2001:db8::aa")/
 * IPv6ExtHdrSegmentRouting(addresses=["2001:db8::514","2001:db8::aa"],
 * segleft=1)/UDP(50001, 514)/MSG.  The UDP checksum covers the final
 * destination 2001:db8::514 (Segment List[0]), not the header's.
 */
static const uint8_t gold_v6_srh[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x2b, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x11, 0x04, 0x04, 0x01, 0x01, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x05, 0x14, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xc3, 0x51,
	0x02, 0x02, 0x00, 0x37, 0x85, 0x39, 0x3c, 0x33, 0x34, 0x3e, 0x31, 0x20,
	0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30,
	0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x5a, 0x20, 0x68, 0x6f, 0x73,
	0x74, 0x20, 0x61, 0x70, 0x70, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20,
	0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* ---- frame builder -------------------------------------------------------- */

enum { EXT_HBH = 0, EXT_RT = 43, EXT_FRAG = 44, EXT_DST = 60 };

struct spec {
	uint16_t tpid[8];     /* tag TPIDs, outermost first; 0 ends */
	uint16_t ethertype;   /* 0: from family */
	int family;           /* 4 or 6 */
	uint8_t proto;        /* L4 protocol; 0: UDP */
	unsigned v4_opt;      /* IPv4 option bytes, multiple of 4, <= 40 */
	uint16_t v4_frag;     /* IPv4 flags + fragment offset */
	uint8_t ext[16];      /* IPv6 extension header chain */
	unsigned next;        /* entries in ext */
	uint16_t sport, dport;
	const char *msg;      /* NULL: MSG */
	size_t msg_len;       /* 0: strlen(msg) */
	size_t min_len;       /* pad the frame to this many bytes */
	uint8_t pad_byte;
	bool csum_zero;       /* send UDP checksum 0 */
};

struct frame {
	uint8_t b[2048];
	size_t len;     /* frame bytes */
	size_t l3;      /* IP header */
	size_t l4;      /* UDP (or other L4) header */
	size_t ip_end;  /* end of the IP datagram */
	size_t msg;     /* UDP payload */
	size_t msg_len;
};

static const uint8_t v4_src[4] = { 10, 1, 2, 3 };
static const uint8_t v4_dst[4] = { 10, 0, 0, 1 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x05, [15] = 0x14 };

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071, written independently of DPDK so the two can disagree. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum the frame should carry (never 0: RFC 768). */
static uint16_t
udp_csum(const struct frame *f, int family)
{
	const uint8_t *ip = f->b + f->l3;
	const uint8_t *udp = f->b + f->l4;
	size_t ulen = f->ip_end - f->l4;
	uint8_t ph[40] = { 0 };
	uint32_t s;
	uint16_t c;

	if (family == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = 17;
		w16(ph + 10, (uint16_t)ulen);
		s = sum16(ph, 12, 0);
	} else {
		memcpy(ph, ip + 8, 32);
		s = sum16(ph, 32, 0);
		s += (uint32_t)ulen + 17;
	}
	s = sum16(udp, 6, s);                   /* skip the checksum field */
	s = sum16(udp + 8, ulen - 8, s);
	c = (uint16_t)~fold(s);
	return c == 0 ? 0xffff : c;
}

static void
fix_v4_hdr_csum(struct frame *f)
{
	uint8_t *ip = f->b + f->l3;
	size_t hl = (size_t)(ip[0] & 15) * 4;

	w16(ip + 10, 0);
	w16(ip + 10, (uint16_t)~fold(sum16(ip, hl, 0)));
}

static void
fix_udp_csum(struct frame *f, int family)
{
	w16(f->b + f->l4 + 6, udp_csum(f, family));
}

static void
build(const struct spec *s, struct frame *f)
{
	const char *msg = s->msg != NULL ? s->msg : MSG;
	size_t mlen = s->msg_len != 0 ? s->msg_len : strlen(msg);
	uint8_t proto = s->proto != 0 ? s->proto : 17;
	uint8_t *b = f->b;
	size_t o = 12, l4hl;
	unsigned i;

	memset(f, 0, sizeof(*f));
	memcpy(b, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb", 12);
	for (i = 0; i < 8 && s->tpid[i] != 0; i++) {
		w16(b + o, s->tpid[i]);
		w16(b + o + 2, (uint16_t)(100 + i)); /* PCP 0, VID */
		o += 4;
	}
	w16(b + o, s->ethertype != 0 ? s->ethertype : s->family == 4 ? 0x0800 : 0x86dd);
	o += 2;
	f->l3 = o;

	if (s->family == 4) {
		b[o] = (uint8_t)(0x40 | (5 + s->v4_opt / 4));
		b[o + 1] = 0;
		w16(b + o + 4, 0x1234);
		w16(b + o + 6, s->v4_frag);
		b[o + 8] = 64;
		b[o + 9] = proto;
		memcpy(b + o + 12, v4_src, 4);
		memcpy(b + o + 16, v4_dst, 4);
		o += 20;
		for (i = 0; i < s->v4_opt; i++)
			b[o++] = 1; /* NOP */
	} else {
		uint8_t *nh;

		b[o] = 0x60;
		b[o + 7] = 64;
		memcpy(b + o + 8, v6_src, 16);
		memcpy(b + o + 24, v6_dst, 16);
		nh = b + o + 6;
		o += 40;
		for (i = 0; i < s->next; i++) {
			*nh = s->ext[i];
			nh = b + o;
			switch (s->ext[i]) {
			case EXT_RT: /* SRH, segments left 0: at its destination */
				b[o + 1] = 2;
				b[o + 2] = 4;
				b[o + 3] = 0;
				memcpy(b + o + 8, v6_dst, 16);
				o += 24;
				break;
			case EXT_FRAG:
				w16(b + o + 2, 0x0001); /* offset 0, M */
				w16(b + o + 6, 0x4242);
				o += 8;
				break;
			default: /* hop-by-hop / dest options: PadN(4) */
				b[o + 1] = 0;
				b[o + 2] = 1;
				b[o + 3] = 4;
				o += 8;
				break;
			}
		}
		*nh = proto;
	}

	f->l4 = o;
	l4hl = proto == 6 ? 20 : 8;
	w16(b + o, s->sport != 0 ? s->sport : 40000);
	w16(b + o + 2, s->dport != 0 ? s->dport : 514);
	if (proto == 6)
		b[o + 12] = 0x50; /* TCP data offset 5 */
	o += l4hl;
	f->msg = o;
	f->msg_len = mlen;
	memcpy(b + o, msg, mlen);
	o += mlen;
	f->ip_end = o;

	if (s->family == 4)
		w16(b + f->l3 + 2, (uint16_t)(o - f->l3));
	else
		w16(b + f->l3 + 4, (uint16_t)(o - f->l3 - 40));
	if (proto == 17)
		w16(b + f->l4 + 4, (uint16_t)(o - f->l4));
	if (s->family == 4)
		fix_v4_hdr_csum(f);
	if (proto == 17 && !s->csum_zero)
		fix_udp_csum(f, s->family);

	while (o < s->min_len)
		b[o++] = s->pad_byte;
	f->len = o;
}

static void
frame_from(struct frame *f, const uint8_t *b, size_t len, size_t l3, size_t l4)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, b, len);
	f->len = len;
	f->l3 = l3;
	f->l4 = l4;
	f->ip_end = len;
	f->msg = l4 + 8;
	f->msg_len = len - f->msg;
}

/* ---- running the classifier ------------------------------------------------ */

struct res {
	enum sc_net_class c;
	struct sc_pkt meta;
	size_t poff;     /* payload - frame */
	uint32_t plen;
};

static const char *
cname(enum sc_net_class c)
{
	switch (c) {
	case SC_NET_SYSLOG: return "SYSLOG";
	case SC_NET_OTHER: return "OTHER";
	case SC_NET_FRAGMENT: return "FRAGMENT";
	case SC_NET_MALFORMED: return "MALFORMED";
	}
	return "?";
}

/*
 * Classify @p len bytes from an exact-size heap copy at offset @p skew (an
 * odd skew checks unaligned access under UBSan); ASan sees any overread.
 */
static struct res
run_at(const uint8_t *b, size_t len, size_t skew)
{
	uint8_t *buf = malloc(len + skew + (len + skew == 0));
	const uint8_t *pl = NULL;
	struct res r;

	cr_assert_not_null(buf);
	if (len != 0)
		memcpy(buf + skew, b, len);
	memset(&r, 0, sizeof(r));
	memset(&r.meta, 0xa5, sizeof(r.meta));
	r.plen = 0xdeadbeef;
	r.c = sc_net_classify(buf + skew, len, &ports, &r.meta, &pl, &r.plen);
	if (r.c == SC_NET_SYSLOG) {
		cr_assert(pl >= buf + skew && pl <= buf + skew + len &&
			  r.plen <= (size_t)(buf + skew + len - pl),
			  "payload outside the frame: off %td plen %u len %zu",
			  pl - (buf + skew), r.plen, len);
		r.poff = (size_t)(pl - (buf + skew));
	}
	if (r.c == SC_NET_FRAGMENT) {
		/* payload: the IP header; plen: the L3 length, inside the frame. */
		cr_assert(pl >= buf + skew && pl <= buf + skew + len &&
			  r.plen <= (size_t)(buf + skew + len - pl),
			  "fragment headers outside the frame: off %td l3 %u len %zu",
			  pl - (buf + skew), r.plen, len);
		r.poff = (size_t)(pl - (buf + skew));
	}
	free(buf);
	return r;
}

static struct res
run(const uint8_t *b, size_t len)
{
	return run_at(b, len, 0);
}

static void
dump(const uint8_t *b, size_t len)
{
	char line[80];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x ", b[i]);
		if (i % 16 == 15 || i + 1 == len) {
			cr_log_info("%04zx: %s", i & ~(size_t)15, line);
			n = 0;
		}
	}
}

#define expect_class(f, want) do { \
	struct res r_ = run((f)->b, (f)->len); \
	cr_expect_eq(r_.c, (want), "%s:%d got %s want %s", __FILE__, __LINE__, \
		     cname(r_.c), cname(want)); \
	if (r_.c != (want)) dump((f)->b, (f)->len); \
} while (0)

/* Expect SYSLOG with @p f's payload; return the result for meta checks. */
static struct res
expect_syslog(const struct frame *f, uint32_t flags)
{
	struct res r = run(f->b, f->len);

	if (r.c != SC_NET_SYSLOG)
		dump(f->b, f->len);
	cr_assert_eq(r.c, SC_NET_SYSLOG, "got %s", cname(r.c));
	cr_expect_eq(r.poff, f->msg, "payload offset %zu want %zu", r.poff, f->msg);
	cr_expect_eq(r.plen, f->msg_len, "plen %u want %zu", r.plen, f->msg_len);
	cr_expect_arr_eq(f->b + r.poff, f->b + f->msg, f->msg_len);
	cr_expect_eq(r.meta.flags, flags, "flags %#x want %#x", r.meta.flags, flags);
	cr_expect_eq(r.meta.transport, SC_TRANSPORT_UDP);
	cr_expect_eq(r.meta.rx_ns, 0);
	return r;
}

static void
expect_v4_addr(const struct res *r, const uint8_t a[4])
{
	uint8_t want[16] = { [10] = 0xff, [11] = 0xff };

	memcpy(want + 12, a, 4);
	cr_expect_eq(r->meta.family, 4);
	cr_expect_arr_eq(r->meta.addr, want, 16, "not ::ffff:%u.%u.%u.%u",
			 a[0], a[1], a[2], a[3]);
}

static void
expect_v6_addr(const struct res *r, const uint8_t a[16])
{
	cr_expect_eq(r->meta.family, 6);
	cr_expect_arr_eq(r->meta.addr, a, 16);
}

/* ---- the builder agrees with DPDK and scapy ------------------------------- */

Test(net, builder_matches_dpdk_and_scapy)
{
	struct spec s4 = { .family = 4, .sport = 40000 };
	struct spec s6 = { .family = 6 };
	struct frame f, g;
	struct rte_ipv4_hdr ip4;
	struct rte_ipv6_hdr ip6;
	uint8_t udp[1600];
	size_t ul;

	/* Same packet as gold_v4, built here: byte-identical, scapy computed it. */
	build(&s4, &f);
	f.b[f.l3 + 16 + 1] = 9; f.b[f.l3 + 16 + 2] = 9; f.b[f.l3 + 16 + 3] = 9;
	f.b[f.l3 + 4] = 0; f.b[f.l3 + 5] = 1; /* id 1 */
	f.b[f.l3 + 6] = 0; f.b[f.l3 + 7] = 0;
	fix_v4_hdr_csum(&f);
	fix_udp_csum(&f, 4);
	cr_assert_eq(f.len, sizeof(gold_v4));
	cr_expect_arr_eq(f.b, gold_v4, sizeof(gold_v4));

	/* And DPDK's generators agree with the builder. */
	build(&s4, &f);
	memcpy(&ip4, f.b + f.l3, sizeof(ip4));
	ip4.hdr_checksum = 0;
	cr_expect_eq(rte_be_to_cpu_16(rte_ipv4_cksum(&ip4)), r16(f.b + f.l3 + 10));
	ul = f.ip_end - f.l4;
	memcpy(udp, f.b + f.l4, ul);
	udp[6] = udp[7] = 0;
	cr_expect_eq(rte_be_to_cpu_16(rte_ipv4_udptcp_cksum(&ip4, udp)),
		     r16(f.b + f.l4 + 6));

	build(&s6, &g);
	memcpy(&ip6, g.b + g.l3, sizeof(ip6));
	ul = g.ip_end - g.l4;
	memcpy(udp, g.b + g.l4, ul);
	udp[6] = udp[7] = 0;
	cr_expect_eq(rte_be_to_cpu_16(rte_ipv6_udptcp_cksum(&ip6, udp)),
		     r16(g.b + g.l4 + 6));
}

/* ---- found -------------------------------------------------------------- */

Test(net, ipv4_syslog)
{
	struct spec s = { .family = 4, .sport = 40000, .dport = 514 };
	struct frame f;
	struct res r;

	build(&s, &f);
	r = expect_syslog(&f, 0);
	expect_v4_addr(&r, v4_src);
	cr_expect_eq(r.meta.src_port, 40000);
	cr_expect_eq(r.meta.dst_port, 514);

	/* DF alone is not a fragment. */
	s.v4_frag = 0x4000;
	build(&s, &f);
	expect_syslog(&f, 0);

	/* The other port of the set. */
	s.dport = 6514;
	build(&s, &f);
	r = expect_syslog(&f, 0);
	cr_expect_eq(r.meta.dst_port, 6514);
}

Test(net, ipv4_unaligned)
{
	struct spec s = { .family = 4 };
	struct frame f;
	size_t skew;

	build(&s, &f);
	for (skew = 0; skew < 8; skew++) {
		struct res r = run_at(f.b, f.len, skew);

		cr_expect_eq(r.c, SC_NET_SYSLOG, "skew %zu", skew);
		cr_expect_eq(r.meta.flags, 0, "skew %zu", skew);
		cr_expect_eq(r.poff, f.msg);
	}
}

Test(net, ipv6_syslog)
{
	struct spec s = { .family = 6, .sport = 50514, .dport = 6514 };
	struct frame f;
	struct res r;

	build(&s, &f);
	r = expect_syslog(&f, 0);
	expect_v6_addr(&r, v6_src);
	cr_expect_eq(r.meta.src_port, 50514);
	cr_expect_eq(r.meta.dst_port, 6514);
}

Test(net, golden_frames)
{
	static const uint8_t a_qinq[4] = { 172, 16, 0, 9 };
	static const uint8_t a_opts[4] = { 192, 168, 7, 42 };
	static const uint8_t a6_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t a6_2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct frame f;
	struct res r;

	frame_from(&f, gold_v4, sizeof(gold_v4), 14, 34);
	r = expect_syslog(&f, 0);
	expect_v4_addr(&r, v4_src);
	cr_expect_eq(r.meta.src_port, 40000);
	cr_expect_eq(r.plen, strlen(MSG));
	cr_expect_arr_eq(f.b + r.poff, MSG, strlen(MSG));

	frame_from(&f, gold_v4_opts, sizeof(gold_v4_opts), 14, 38);
	r = expect_syslog(&f, 0);
	expect_v4_addr(&r, a_opts);
	cr_expect_eq(r.meta.src_port, 40001);

	frame_from(&f, gold_qinq, sizeof(gold_qinq), 22, 42);
	r = expect_syslog(&f, 0);
	expect_v4_addr(&r, a_qinq);
	cr_expect_eq(r.meta.src_port, 514);

	frame_from(&f, gold_v6_ext, sizeof(gold_v6_ext), 14, 70);
	r = expect_syslog(&f, 0);
	expect_v6_addr(&r, a6_1);
	cr_expect_eq(r.meta.src_port, 50000);

	frame_from(&f, gold_v6_srh, sizeof(gold_v6_srh), 14, 94);
	r = expect_syslog(&f, 0);
	expect_v6_addr(&r, a6_2);
	cr_expect_eq(r.meta.src_port, 50001);

	/* Segments left 0: the header's destination is the pseudo one: wrong. */
	f.b[54 + 3] = 0;
	expect_syslog(&f, SC_REC_BAD_CSUM);
}

Test(net, vlan_and_qinq)
{
	static const uint16_t stacks[][8] = {
		{ 0x8100 },
		{ 0x88a8, 0x8100 },
		{ 0x9100, 0x8100 },
		{ 0x88a8, 0x88a8, 0x8100 },
		{ 0x9100, 0x88a8, 0x8100, 0x8100 }, /* TAGS_MAX */
	};
	struct frame f;
	size_t i;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
			struct spec s = { .family = fam };
			struct res r;

			memcpy(s.tpid, stacks[i], sizeof(s.tpid));
			build(&s, &f);
			r = expect_syslog(&f, 0);
			if (fam == 4)
				expect_v4_addr(&r, v4_src);
			else
				expect_v6_addr(&r, v6_src);
		}
	}

	/* One tag beyond the bound: refused, not guessed at. */
	{
		struct spec s = { .family = 4,
				  .tpid = { 0x88a8, 0x8100, 0x8100, 0x8100, 0x8100 } };

		cr_assert_eq(TAGS_MAX, 4);
		build(&s, &f);
		expect_class(&f, SC_NET_MALFORMED);
	}
}

Test(net, ipv4_options)
{
	unsigned opt;

	for (opt = 4; opt <= 40; opt += 4) {
		struct spec s = { .family = 4, .v4_opt = opt, .tpid = { 0x8100 } };
		struct frame f;
		struct res r;

		build(&s, &f);
		cr_expect_eq(f.b[f.l3] & 15, 5 + opt / 4);
		r = expect_syslog(&f, 0);
		expect_v4_addr(&r, v4_src);
	}
}

Test(net, ipv6_extension_headers)
{
	static const struct { uint8_t ext[EXT_MAX]; unsigned n; } chains[] = {
		{ { EXT_HBH }, 1 },
		{ { EXT_DST }, 1 },
		{ { EXT_HBH, EXT_DST }, 2 },
		{ { EXT_HBH, EXT_DST, EXT_RT, EXT_DST }, 4 },
		{ { EXT_RT }, 1 },
		{ { EXT_HBH, EXT_DST, EXT_DST, EXT_DST, EXT_DST, EXT_DST, EXT_DST,
		    EXT_DST }, EXT_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		struct spec s = { .family = 6, .next = chains[i].n, .tpid = { 0x8100 } };
		struct frame f;
		struct res r;

		memcpy(s.ext, chains[i].ext, sizeof(chains[i].ext));
		build(&s, &f);
		r = expect_syslog(&f, 0); /* checksum verified through the ext headers */
		expect_v6_addr(&r, v6_src);
	}
}

Test(net, ipv6_extension_headers_refused)
{
	struct frame f;
	unsigned i;

	/* Hop-by-hop anywhere but first (RFC 8200 4.1). */
	{
		struct spec s = { .family = 6, .next = 2, .ext = { EXT_DST, EXT_HBH } };

		build(&s, &f);
		expect_class(&f, SC_NET_MALFORMED);
	}
	/* One more than EXT_MAX. */
	{
		struct spec s = { .family = 6, .next = EXT_MAX + 1 };

		for (i = 0; i < EXT_MAX + 1; i++)
			s.ext[i] = EXT_DST;
		build(&s, &f);
		expect_class(&f, SC_NET_MALFORMED);
	}
	/* An extension header longer than the payload. */
	{
		struct spec s = { .family = 6, .next = 1, .ext = { EXT_DST } };

		build(&s, &f);
		f.b[f.l3 + 40 + 1] = 200;
		expect_class(&f, SC_NET_MALFORMED);
	}
}

/* ---- not syslog --------------------------------------------------------- */

Test(net, other_ports_and_protocols)
{
	struct frame f;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct spec udp53 = { .family = fam, .dport = 53 };
		struct spec udp515 = { .family = fam, .dport = 515, .sport = 514 };
		struct spec tcp = { .family = fam, .proto = 6, .dport = 514 };
		struct spec icmp = { .family = fam, .proto = fam == 4 ? 1 : 58 };
		struct spec esp = { .family = fam, .proto = 50 };

		build(&udp53, &f);
		expect_class(&f, SC_NET_OTHER);
		build(&udp515, &f); /* source port 514 does not count */
		expect_class(&f, SC_NET_OTHER);
		build(&tcp, &f);
		expect_class(&f, SC_NET_OTHER);
		build(&icmp, &f);
		expect_class(&f, SC_NET_OTHER);
		build(&esp, &f);
		expect_class(&f, SC_NET_OTHER);
	}
	/* IPv6 no next header, after a destination option. */
	{
		struct spec s = { .family = 6, .proto = 59, .next = 1, .ext = { EXT_DST } };

		build(&s, &f);
		expect_class(&f, SC_NET_OTHER);
	}
	/* UDP to another port is OTHER even with a bad checksum. */
	{
		struct spec s = { .family = 4, .dport = 53 };

		build(&s, &f);
		f.b[f.l4 + 6] ^= 0xff;
		f.b[f.l3 + 10] ^= 0xff;
		expect_class(&f, SC_NET_OTHER);
	}
}

Test(net, other_ethertypes)
{
	/* ARP request, 42 bytes (no padding) and 60 bytes (padded). */
	static const uint8_t arp[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 10, 1, 2, 3,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
	};
	static const uint16_t types[] = {
		0x0806, /* ARP */
		0x88cc, /* LLDP */
		0x8847, /* MPLS */
		0x0026, /* 802.3 length field (LLC) */
		0x9200, /* old QinQ TPID we do not treat as a tag */
		0x0001, /* 802.3 length 1 */
	};
	struct frame f;
	size_t i;

	cr_expect_eq(run(arp, 42).c, SC_NET_OTHER);
	cr_expect_eq(run(arp, 60).c, SC_NET_OTHER);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct spec s = { .family = 4, .ethertype = types[i] };

		build(&s, &f);
		expect_class(&f, SC_NET_OTHER);
		/* Behind a tag too. */
		s.tpid[0] = 0x8100;
		build(&s, &f);
		expect_class(&f, SC_NET_OTHER);
	}
	/* Bare Ethernet header, nothing after it. */
	cr_expect_eq(run(arp, 14).c, SC_NET_OTHER);
}

/* ---- fragments ---------------------------------------------------------- */

/* A fragment, with the L2/L3 lengths reassembly needs. */
static void
expect_fragment(const struct frame *f, int family, size_t l3_len)
{
	struct res r = run(f->b, f->len);

	if (r.c != SC_NET_FRAGMENT)
		dump(f->b, f->len);
	cr_assert_eq(r.c, SC_NET_FRAGMENT, "got %s", cname(r.c));
	cr_expect_eq(r.poff, f->l3, "IP header at %zu want %zu", r.poff, f->l3);
	cr_expect_eq(r.plen, l3_len, "L3 length %u want %zu", r.plen, l3_len);
	cr_expect_eq(r.meta.family, family);
}

Test(net, fragment_header_lengths)
{
	struct frame f;

	{
		struct spec s = { .family = 4, .v4_frag = 0x2000 };

		build(&s, &f);
		expect_fragment(&f, 4, 20);
		s.v4_opt = 12;
		s.tpid[0] = 0x8100;
		build(&s, &f);
		expect_fragment(&f, 4, 32);
		s.tpid[0] = 0x88a8;
		s.tpid[1] = 0x8100;
		s.v4_opt = 40;
		s.v4_frag = 0x0010; /* last fragment, offset 128 */
		build(&s, &f);
		expect_fragment(&f, 4, 60);
		cr_expect_eq(f.l3, 22);
	}
	{
		struct spec s = { .family = 6, .next = 1, .ext = { EXT_FRAG } };

		build(&s, &f);
		expect_fragment(&f, 6, 48);
		/* Extension headers before the fragment header count in L3. */
		s.next = 3;
		s.ext[0] = EXT_HBH;
		s.ext[1] = EXT_DST;
		s.ext[2] = EXT_FRAG;
		s.tpid[0] = 0x8100;
		build(&s, &f);
		expect_fragment(&f, 6, 64);
		/* ... those after it do not: they are fragment payload. */
		s.next = 2;
		s.ext[0] = EXT_FRAG;
		s.ext[1] = EXT_DST;
		build(&s, &f);
		expect_fragment(&f, 6, 48);
	}
}

Test(net, fragments)
{
	static const uint16_t v4frag[] = {
		0x2000,          /* MF, offset 0: first fragment */
		0x0001,          /* last fragment, offset 8 */
		0x2100,          /* MF and offset */
		0x6000,          /* DF and MF (odd, still a fragment) */
		0x1fff,          /* largest offset */
	};
	struct frame f;
	size_t i;

	for (i = 0; i < sizeof(v4frag) / sizeof(v4frag[0]); i++) {
		struct spec s = { .family = 4, .v4_frag = v4frag[i] };

		build(&s, &f);
		expect_class(&f, SC_NET_FRAGMENT);
		s.proto = 6; /* whatever it carries */
		build(&s, &f);
		expect_class(&f, SC_NET_FRAGMENT);
	}
	{
		struct spec s = { .family = 6, .next = 1, .ext = { EXT_FRAG } };

		build(&s, &f);
		expect_class(&f, SC_NET_FRAGMENT);
		/* After hop-by-hop and a destination option. */
		s.next = 3;
		s.ext[0] = EXT_HBH;
		s.ext[1] = EXT_DST;
		s.ext[2] = EXT_FRAG;
		build(&s, &f);
		expect_class(&f, SC_NET_FRAGMENT);
		/* A fragment header cut short by the payload length. */
		s.next = 1;
		s.ext[0] = EXT_FRAG;
		s.msg = "";
		s.msg_len = 0;
		build(&s, &f);
		w16(f.b + f.l3 + 4, 4);
		f.len = f.l3 + 44;
		expect_class(&f, SC_NET_MALFORMED);
	}
}

/* ---- checksums ---------------------------------------------------------- */

Test(net, bad_ipv4_header_checksum)
{
	struct spec s = { .family = 4 };
	struct frame f;
	struct res r;

	build(&s, &f);
	f.b[f.l3 + 10] ^= 0x01;
	r = expect_syslog(&f, SC_REC_BAD_CSUM);
	expect_v4_addr(&r, v4_src);

	/* A header byte changed, checksum left: TTL rewritten. */
	build(&s, &f);
	f.b[f.l3 + 8] = 63;
	expect_syslog(&f, SC_REC_BAD_CSUM);
}

Test(net, bad_udp_checksum)
{
	struct frame f;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct spec s = { .family = fam };

		build(&s, &f);
		f.b[f.l4 + 7] ^= 0x10;
		expect_syslog(&f, SC_REC_BAD_CSUM);

		/* One payload byte changed in flight. */
		build(&s, &f);
		f.b[f.msg + 5] ^= 0x20;
		expect_syslog(&f, SC_REC_BAD_CSUM);

		/* Source address changed (NAT without a checksum update). */
		build(&s, &f);
		f.b[f.l3 + (fam == 4 ? 15 : 23)] ^= 1;
		if (fam == 4)
			fix_v4_hdr_csum(&f);
		expect_syslog(&f, SC_REC_BAD_CSUM);

		/* Through extension headers. */
		if (fam == 6) {
			s.next = 2;
			s.ext[0] = EXT_HBH;
			s.ext[1] = EXT_DST;
			build(&s, &f);
			f.b[f.msg] ^= 1;
			expect_syslog(&f, SC_REC_BAD_CSUM);
		}
	}
}

Test(net, zero_udp_checksum)
{
	struct spec s4 = { .family = 4, .csum_zero = true };
	struct spec s6 = { .family = 6, .csum_zero = true };
	struct frame f;

	build(&s4, &f);
	cr_assert_eq(r16(f.b + f.l4 + 6), 0);
	expect_syslog(&f, 0); /* IPv4: no checksum, fine */

	build(&s6, &f);
	cr_assert_eq(r16(f.b + f.l4 + 6), 0);
	expect_syslog(&f, SC_REC_BAD_CSUM); /* IPv6: RFC 8200 says invalid */
}

/*
 * A datagram whose checksum computes to 0 is sent as 0xffff (RFC 768):
 * choose one payload word so the sum comes out that way.
 */
Test(net, checksum_ffff_is_valid)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct spec s = { .family = fam, .msg = "<13>hi XX", .msg_len = 9 };
		struct frame f;
		uint16_t c;
		size_t w;

		build(&s, &f);
		/* an even offset from the UDP header, so the word is aligned in the sum */
		w = f.msg + 6 + ((f.msg + 6 - f.l4) & 1);
		w16(f.b + w, 0);
		/* checksum c with the word 0 means sum = ~c; word = c makes it 0xffff */
		c = udp_csum(&f, fam);
		w16(f.b + w, c);
		cr_assert_eq(udp_csum(&f, fam), 0xffff);
		fix_udp_csum(&f, fam);
		cr_assert_eq(r16(f.b + f.l4 + 6), 0xffff);
		expect_syslog(&f, 0);
	}
}

/* ---- lengths ------------------------------------------------------------ */

Test(net, ethernet_padding_ignored)
{
	struct frame f;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct spec s = { .family = fam, .msg = "<13>x", .min_len = 60 };
		struct res r;

		build(&s, &f);
		if (fam == 4)
			cr_assert_eq(f.len, 60);
		cr_assert_gt(f.len, 0);
		r = expect_syslog(&f, 0);
		cr_expect_eq(r.plen, 5);

		/* Non-zero padding, and a trailing FCS-sized tail. */
		s.pad_byte = 0xee;
		s.min_len = f.ip_end + 4;
		build(&s, &f);
		expect_syslog(&f, 0);

		/* Padded behind QinQ, as a switch would. */
		s.tpid[0] = 0x88a8;
		s.tpid[1] = 0x8100;
		s.min_len = 64;
		build(&s, &f);
		expect_syslog(&f, 0);
	}
}

Test(net, inconsistent_lengths)
{
	struct frame f;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct spec s = { .family = fam, .min_len = 120 };
		size_t lenf = fam == 4 ? 2 : 4;      /* IP length field offset */
		uint16_t iplen;

		/* UDP length larger than the IP payload. */
		build(&s, &f);
		w16(f.b + f.l4 + 4, (uint16_t)(r16(f.b + f.l4 + 4) + 1));
		expect_class(&f, SC_NET_MALFORMED);

		/* UDP length smaller than the IP payload. */
		build(&s, &f);
		w16(f.b + f.l4 + 4, (uint16_t)(r16(f.b + f.l4 + 4) - 1));
		expect_class(&f, SC_NET_MALFORMED);

		/* UDP length below the header. */
		build(&s, &f);
		w16(f.b + f.l4 + 4, 7);
		expect_class(&f, SC_NET_MALFORMED);

		/* IP length beyond the frame (len cut to the datagram). */
		build(&s, &f);
		f.len = f.ip_end;
		iplen = r16(f.b + f.l3 + lenf);
		w16(f.b + f.l3 + lenf, (uint16_t)(iplen + 1));
		expect_class(&f, SC_NET_MALFORMED);

		/* IP length one short: UDP length now disagrees. */
		build(&s, &f);
		w16(f.b + f.l3 + lenf, (uint16_t)(r16(f.b + f.l3 + lenf) - 1));
		if (fam == 4)
			fix_v4_hdr_csum(&f);
		expect_class(&f, SC_NET_MALFORMED);

		/* IP payload too short for a UDP header. */
		build(&s, &f);
		w16(f.b + f.l3 + lenf, (uint16_t)((fam == 4 ? 20 : 0) + 4));
		if (fam == 4)
			fix_v4_hdr_csum(&f);
		expect_class(&f, SC_NET_MALFORMED);

		/* Wrong IP version for the EtherType. */
		build(&s, &f);
		f.b[f.l3] = (uint8_t)((f.b[f.l3] & 0x0f) | (fam == 4 ? 0x60 : 0x40));
		expect_class(&f, SC_NET_MALFORMED);
	}
	{
		struct spec s = { .family = 4 };

		/* IHL below 5. */
		build(&s, &f);
		f.b[f.l3] = 0x44;
		expect_class(&f, SC_NET_MALFORMED);
		/* Total length below the header (IHL 6, total 20). */
		s.v4_opt = 4;
		build(&s, &f);
		w16(f.b + f.l3 + 2, 20);
		expect_class(&f, SC_NET_MALFORMED);
		/* IHL beyond the total length. */
		s.v4_opt = 0;
		build(&s, &f);
		f.b[f.l3] = 0x4f;
		w16(f.b + f.l3 + 2, 40);
		expect_class(&f, SC_NET_MALFORMED);
	}
	{
		/* IPv6 payload length 0 (a jumbogram cannot be in a frame). */
		struct spec s = { .family = 6 };

		build(&s, &f);
		w16(f.b + f.l3 + 4, 0);
		expect_class(&f, SC_NET_MALFORMED);
	}
}

/*
 * Every prefix of a frame.  A prefix that ends before the IP datagram does is
 * MALFORMED: each layer states how much follows (EtherType/tag -> a header,
 * IP length -> the datagram), and no shorter prefix is a complete, different
 * packet.  A prefix that keeps the whole datagram and drops only padding is
 * the same SYSLOG.  Frames whose class does not look past the EtherType
 * (ARP) stay OTHER once the Ethernet header is complete.
 */
static void
check_prefixes(const struct frame *f, enum sc_net_class full)
{
	size_t l;

	for (l = 0; l < f->len; l++) {
		struct res r = run(f->b, l);
		enum sc_net_class want = l < f->ip_end ? SC_NET_MALFORMED : full;

		cr_assert_eq(r.c, want, "prefix %zu of %zu (ip_end %zu): got %s want %s",
			     l, f->len, f->ip_end, cname(r.c), cname(want));
		if (r.c == SC_NET_SYSLOG) {
			cr_assert_eq(r.poff, f->msg);
			cr_assert_eq(r.plen, f->msg_len);
		}
	}
	cr_assert_eq(run(f->b, f->len).c, full);
}

Test(net, every_truncation)
{
	static const struct spec specs[] = {
		{ .family = 4 },
		{ .family = 4, .v4_opt = 12, .tpid = { 0x8100 } },
		{ .family = 4, .tpid = { 0x88a8, 0x8100 }, .msg = "<1>", .min_len = 64 },
		{ .family = 6 },
		{ .family = 6, .next = 3, .ext = { EXT_HBH, EXT_RT, EXT_DST },
		  .tpid = { 0x9100, 0x8100 } },
		{ .family = 6, .msg = "x", .min_len = 80, .pad_byte = 0x11 },
	};
	static const struct spec others[] = {
		{ .family = 4, .proto = 6 },
		{ .family = 6, .dport = 53 },
		{ .family = 6, .proto = 58, .next = 1, .ext = { EXT_HBH } },
	};
	static const struct spec frags[] = {
		{ .family = 4, .v4_frag = 0x2000 },
		{ .family = 6, .next = 2, .ext = { EXT_HBH, EXT_FRAG } },
	};
	static const struct { const uint8_t *b; size_t len, l3, l4; } golds[] = {
		{ gold_v4, sizeof(gold_v4), 14, 34 },
		{ gold_v4_opts, sizeof(gold_v4_opts), 14, 38 },
		{ gold_qinq, sizeof(gold_qinq), 22, 42 },
		{ gold_v6_ext, sizeof(gold_v6_ext), 14, 70 },
		{ gold_v6_srh, sizeof(gold_v6_srh), 14, 94 },
	};
	struct frame f;
	size_t i, l;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		build(&specs[i], &f);
		check_prefixes(&f, SC_NET_SYSLOG);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		build(&others[i], &f);
		check_prefixes(&f, SC_NET_OTHER);
	}
	for (i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		build(&frags[i], &f);
		check_prefixes(&f, SC_NET_FRAGMENT);
	}
	for (i = 0; i < sizeof(golds) / sizeof(golds[0]); i++) {
		frame_from(&f, golds[i].b, golds[i].len, golds[i].l3, golds[i].l4);
		check_prefixes(&f, SC_NET_SYSLOG);
	}
	/* ARP is not parsed past its EtherType. */
	{
		struct spec s = { .family = 4, .ethertype = 0x0806, .min_len = 60 };

		build(&s, &f);
		for (l = 0; l < f.len; l++)
			cr_assert_eq(run(f.b, l).c, l < 14 ? SC_NET_MALFORMED : SC_NET_OTHER,
				     "ARP prefix %zu", l);
	}
	/* NULL with length 0 is just an empty frame. */
	{
		struct sc_pkt m;
		const uint8_t *p;
		uint32_t n;

		cr_expect_eq(sc_net_classify(NULL, 0, &ports, &m, &p, &n), SC_NET_MALFORMED);
	}
}

/* ---- random input ------------------------------------------------------- */

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
check_syslog_result(const struct res *r, const uint8_t *b, size_t len)
{
	(void)b;
	cr_assert(r->meta.family == 4 || r->meta.family == 6);
	cr_assert_eq(r->meta.transport, SC_TRANSPORT_UDP);
	cr_assert(sc_portset_has(&ports, r->meta.dst_port));
	cr_assert_eq(r->meta.flags & ~SC_REC_BAD_CSUM, 0);
	cr_assert_leq(r->poff + r->plen, len);
}

Test(net, random_garbage)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x0806 };
	uint64_t seed = 0x5ea1ca9u;
	unsigned counts[4] = { 0 };
	uint8_t b[1600];
	unsigned i;
	size_t j;

	for (i = 0; i < 100000; i++) {
		size_t len = xorshift(&seed) % sizeof(b);
		struct res r;

		for (j = 0; j < len; j++)
			b[j] = (uint8_t)xorshift(&seed);
		/* Steer most frames past the EtherType so the IP code runs. */
		if (len >= 15 && (i & 3) != 0) {
			uint16_t t = types[xorshift(&seed) % 6];

			w16(b + 12, t);
			b[14] = (uint8_t)(t == 0x86dd ? 0x60 : 0x45 + (b[14] & 3));
		}
		r = run(b, len);
		cr_assert(r.c <= SC_NET_MALFORMED);
		counts[r.c]++;
		if (r.c == SC_NET_SYSLOG)
			check_syslog_result(&r, b, len);
	}
	cr_log_info("garbage: syslog %u other %u fragment %u malformed %u",
		    counts[0], counts[1], counts[2], counts[3]);
}

/* Byte flips, cuts and extensions of valid frames reach the deep paths. */
Test(net, random_mutations)
{
	static const struct spec specs[] = {
		{ .family = 4 },
		{ .family = 4, .v4_opt = 8, .tpid = { 0x88a8, 0x8100 }, .min_len = 60 },
		{ .family = 6 },
		{ .family = 6, .next = 3, .ext = { EXT_HBH, EXT_RT, EXT_DST } },
		{ .family = 6, .next = 2, .ext = { EXT_DST, EXT_FRAG } },
	};
	uint64_t seed = 20260101;
	unsigned counts[4] = { 0 };
	struct frame f;
	unsigned i, k;

	for (i = 0; i < 100000; i++) {
		const struct spec *s = &specs[i % 5];
		unsigned flips = 1 + (unsigned)(xorshift(&seed) % 4);
		size_t len;
		struct res r;

		build(s, &f);
		len = f.len;
		for (k = 0; k < flips; k++) {
			size_t at = xorshift(&seed) % len;

			f.b[at] = (uint8_t)xorshift(&seed);
		}
		switch (xorshift(&seed) % 4) {
		case 0: len = xorshift(&seed) % (len + 1); break;
		case 1: len += xorshift(&seed) % 64; break; /* trailing zeros */
		default: break;
		}
		r = run(f.b, len);
		counts[r.c]++;
		if (r.c == SC_NET_SYSLOG)
			check_syslog_result(&r, f.b, len);
	}
	cr_log_info("mutations: syslog %u other %u fragment %u malformed %u",
		    counts[0], counts[1], counts[2], counts[3]);
	cr_expect_gt(counts[SC_NET_SYSLOG], 1000);
	cr_expect_gt(counts[SC_NET_MALFORMED], 1000);
}

/* ---- port sets ---------------------------------------------------------- */

Test(net, portset_basic)
{
	struct sc_portset s;
	unsigned p;

	sc_portset_clear(&s);
	for (p = 0; p < 65536; p++)
		cr_assert(!sc_portset_has(&s, (uint16_t)p));
	sc_portset_add(&s, 0);
	sc_portset_add(&s, 63);
	sc_portset_add(&s, 64);
	sc_portset_add(&s, 65535);
	for (p = 0; p < 65536; p++)
		cr_assert_eq(sc_portset_has(&s, (uint16_t)p),
			     p == 0 || p == 63 || p == 64 || p == 65535, "port %u", p);
}

Test(net, portset_parse_ok)
{
	static const struct { const char *in; uint16_t want[4]; unsigned n; } ok[] = {
		{ "514", { 514 }, 1 },
		{ "514,6514", { 514, 6514 }, 2 },
		{ "514,6514,1514", { 514, 1514, 6514 }, 3 },
		{ "1,65535", { 1, 65535 }, 2 },
		{ "514,514", { 514 }, 1 },
		{ "0514", { 514 }, 1 },
	};
	struct sc_portset s;
	size_t i;
	unsigned p, k, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sc_portset_clear(&s);
		sc_portset_add(&s, 9999); /* parse replaces what was there */
		cr_assert_eq(sc_portset_parse(&s, ok[i].in), 0, "\"%s\"", ok[i].in);
		for (p = 0, n = 0; p < 65536; p++) {
			bool want = false;

			for (k = 0; k < ok[i].n; k++)
				want |= ok[i].want[k] == p;
			cr_assert_eq(sc_portset_has(&s, (uint16_t)p), want, "\"%s\" port %u",
				     ok[i].in, p);
			n += want;
		}
		cr_expect_eq(n, ok[i].n);
	}
}

Test(net, portset_parse_rejects)
{
	static const char *const bad[] = {
		"", ",", "514,", ",514", "514,,6514", "abc", "514a", "-1", "+514",
		" 514", "514 ", "514, 6514", "0", "514,0", "65536", "70000",
		"99999999999999999999", "1.5", "0x202", "514;6514",
	};
	struct sc_portset s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_portset_clear(&s);
		sc_portset_add(&s, 1234);
		cr_expect_eq(sc_portset_parse(&s, bad[i]), -EINVAL, "\"%s\"", bad[i]);
		/* A rejected list leaves the set as it was. */
		cr_expect(sc_portset_has(&s, 1234), "\"%s\" changed the set", bad[i]);
		cr_expect(!sc_portset_has(&s, 514), "\"%s\" changed the set", bad[i]);
	}
	cr_expect_eq(sc_portset_parse(&s, NULL), -EINVAL);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The XDP program of --af-xdp (drivers/dpdk/xdp/sc_xdp.bpf.c), loaded from
 * the build with libbpf and run on crafted frames with BPF_PROG_TEST_RUN:
 * no interface, no namespace.  With xsks_map empty, bpf_redirect_map falls
 * back to XDP_PASS, so a frame the program picks for DPDK shows as
 * "no-socket" in its counters and any other as plain "to-kernel"; the
 * tests read the counters after each frame.
 *
 * Covered: the default port and the sc_ports map, VLAN / QinQ / 4 tags
 * (and a 5th refused), IPv4 options and bad IHL, IPv6 extension headers up
 * to the bound, AH, fragments of both families (first decides, later ones
 * follow, unknown later ones and non-syslog ones to the kernel), TCP, ARP,
 * and frames cut at every length: a cut frame never goes to DPDK.
 *
 * Loading a BPF program needs root (CAP_BPF): without it the suite fails
 * saying so; CI runs as root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "sc_xdp.h"

#define XDP_OBJ SC_BUILD_ROOT "/drivers/dpdk/sc_xdp.o"

static struct bpf_object *obj;
static int prog_fd = -1, ports_fd = -1, stats_fd = -1;
static int ncpu;

static void
setup(void)
{
	struct bpf_program *p;
	struct bpf_map *m;

	cr_assert(geteuid() == 0, "loading the XDP program needs root (CAP_BPF); CI runs as root");
	obj = bpf_object__open_file(XDP_OBJ, NULL);
	cr_assert(obj != NULL, "%s: %s", XDP_OBJ, strerror(errno));
	cr_assert_eq(bpf_object__load(obj), 0, "%s does not load (verifier?)", XDP_OBJ);
	p = bpf_object__find_program_by_name(obj, SC_XDP_PROG_NAME);
	cr_assert(p != NULL);
	prog_fd = bpf_program__fd(p);
	m = bpf_object__find_map_by_name(obj, SC_XDP_PORTS_MAP);
	cr_assert(m != NULL);
	ports_fd = bpf_map__fd(m);
	m = bpf_object__find_map_by_name(obj, SC_XDP_STATS_MAP);
	cr_assert(m != NULL);
	stats_fd = bpf_map__fd(m);
	cr_assert(bpf_object__find_map_by_name(obj, SC_XDP_XSKS_MAP) != NULL);
	ncpu = libbpf_num_possible_cpus();
	cr_assert(ncpu > 0);
}

static void
teardown(void)
{
	bpf_object__close(obj);
	obj = NULL;
}

TestSuite(xdp, .init = setup, .fini = teardown);

static uint64_t
counter(uint32_t k)
{
	uint64_t *per = calloc((size_t)ncpu, sizeof(*per)), sum = 0;

	cr_assert(per != NULL);
	cr_assert_eq(bpf_map_lookup_elem(stats_fd, &k, per), 0);
	for (int c = 0; c < ncpu; c++)
		sum += per[c];
	free(per);
	return sum;
}

enum verdict { TO_KERNEL, TO_DPDK };

/* Run the program on one frame: where did it send it, fragment or not? */
static enum verdict
run(const uint8_t *frame, size_t len, bool *frag)
{
	uint64_t nosock = counter(SC_XDP_NO_SOCKET), kern = counter(SC_XDP_TO_KERNEL);
	uint64_t fd = counter(SC_XDP_FRAG_DPDK), fk = counter(SC_XDP_FRAG_KERNEL);
	uint8_t out[2048];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	bool to_dpdk;

	cr_assert_eq(bpf_prog_test_run_opts(prog_fd, &o), 0, "test run: %s", strerror(errno));
	/* Empty xsks_map: the redirect falls back to XDP_PASS either way. */
	cr_assert_eq(o.retval, XDP_PASS);
	cr_assert_eq(counter(SC_XDP_TO_KERNEL), kern + 1, "every frame ends in the kernel here");
	to_dpdk = counter(SC_XDP_NO_SOCKET) == nosock + 1;
	if (frag)
		*frag = counter(SC_XDP_FRAG_DPDK) + counter(SC_XDP_FRAG_KERNEL) == fd + fk + 1;
	/* No socket: even a fragment picked for DPDK is counted as passed. */
	cr_assert_eq(counter(SC_XDP_FRAG_DPDK), fd);
	return to_dpdk ? TO_DPDK : TO_KERNEL;
}

static void
set_ports(const uint16_t *p, unsigned n)
{
	struct sc_xdp_ports *v = calloc(1, sizeof(*v));
	uint32_t k = 0;

	cr_assert(v != NULL);
	for (unsigned i = 0; i < n; i++)
		v->bits[p[i] >> 6] |= UINT64_C(1) << (p[i] & 63);
	v->set = 1;
	cr_assert_eq(bpf_map_update_elem(ports_fd, &k, v, BPF_ANY), 0);
	free(v);
}

/* ---- frames ------------------------------------------------------------------ */

struct frame {
	uint8_t b[1600];
	size_t n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
	cr_assert(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void
eth(struct frame *f, const uint16_t *tpids, unsigned ntags, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	f->n = 0;
	put(f, macs, sizeof(macs));
	for (unsigned i = 0; i < ntags; i++) {
		put16(f, tpids[i]);
		put16(f, (uint16_t)(10 + i));
	}
	put16(f, type);
}

static void
udp(struct frame *f, uint16_t dport)
{
	put16(f, 40000);
	put16(f, dport);
	put16(f, 8 + 5);
	put16(f, 0);
	put(f, "<14>x", 5);
}

/* IPv4 header with @p optlen bytes of NOP options; frag: flags+offset field. */
static void
ipv4(struct frame *f, uint8_t proto, unsigned optlen, uint16_t frag, uint16_t id)
{
	uint8_t h[20] = { (uint8_t)(0x40 | (20 + optlen) / 4), 0, 0, 0, (uint8_t)(id >> 8),
			  (uint8_t)id, (uint8_t)(frag >> 8), (uint8_t)frag, 64, proto, 0, 0,
			  169, 254, 1, 1, 169, 254, 1, 2 };
	uint8_t opts[40];

	put(f, h, sizeof(h));
	memset(opts, 1, sizeof(opts));
	put(f, opts, optlen);
}

static void
ipv6(struct frame *f, uint8_t next)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 100, next, 64 };

	h[8] = 0xfe;
	h[9] = 0x80;
	h[23] = 1;
	h[24] = 0xfe;
	h[25] = 0x80;
	h[39] = 2;
	put(f, h, sizeof(h));
}

/* An 8-byte hop-by-hop / destination options / routing header. */
static void
ext8(struct frame *f, uint8_t next)
{
	uint8_t h[8] = { next, 0, 1, 4, 0, 0, 0, 0 };

	put(f, h, sizeof(h));
}

static void
frag6(struct frame *f, uint8_t next, uint16_t off_m, uint32_t id)
{
	uint8_t h[8] = { next, 0, (uint8_t)(off_m >> 8), (uint8_t)off_m, (uint8_t)(id >> 24),
			 (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };

	put(f, h, sizeof(h));
}

static enum verdict
v4udp(uint16_t dport)
{
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	udp(&f, dport);
	return run(f.b, f.n, NULL);
}

/* ---- tests -------------------------------------------------------------------- */

Test(xdp, default_port_until_the_map_is_written)
{
	uint16_t p[] = { 1514, 6514 };

	cr_expect_eq(v4udp(514), TO_DPDK);
	cr_expect_eq(v4udp(1514), TO_KERNEL);
	set_ports(p, 2);
	cr_expect_eq(v4udp(514), TO_KERNEL, "514 is no longer in the set");
	cr_expect_eq(v4udp(1514), TO_DPDK);
	cr_expect_eq(v4udp(6514), TO_DPDK);
	cr_expect_eq(v4udp(65535), TO_KERNEL);
}

Test(xdp, not_udp_goes_to_the_kernel)
{
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0, 0, 1);
	udp(&f, 514);                   /* the same bytes as a TCP "header" */
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "TCP to 514");
	eth(&f, NULL, 0, 0x0806);
	put(&f, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "ARP");
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 58);
	put(&f, "\x80\x00\x00\x00\x00\x01\x00\x01", 8);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "ICMPv6 echo");
}

Test(xdp, vlan_tags_up_to_four)
{
	static const uint16_t q[] = { 0x8100 }, qinq[] = { 0x88a8, 0x8100 },
			      four[] = { 0x88a8, 0x9100, 0x8100, 0x8100 },
			      five[] = { 0x88a8, 0x9100, 0x8100, 0x8100, 0x8100 };
	struct frame f;

	eth(&f, q, 1, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "802.1Q");
	eth(&f, qinq, 2, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "QinQ");
	eth(&f, four, 4, 0x86dd);
	ipv6(&f, IPPROTO_UDP);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "4 tags, IPv6");
	eth(&f, five, 5, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "5 tags: beyond the bound (as engine/net.c)");
}

Test(xdp, ipv4_options_and_bad_headers)
{
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 40, 0, 1);        /* IHL 15 */
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "IHL 15");
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	f.b[14] = 0x44;                         /* IHL 4: invalid */
	/* Read 16 bytes in, the "destination port" would be 514. */
	f.b[14 + 18] = 2;
	f.b[14 + 19] = 2;
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "IHL 4");
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0, 1);
	f.b[14] = 0x65;                         /* version 6 in an IPv4 frame */
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "version 6 in ethertype 0x0800");
}

Test(xdp, ipv6_extension_headers_up_to_eight)
{
	struct frame f;

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_UDP);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "plain");

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_HOPOPTS);
	ext8(&f, IPPROTO_ROUTING);
	ext8(&f, IPPROTO_DSTOPTS);
	for (int i = 0; i < 4; i++)
		ext8(&f, IPPROTO_DSTOPTS);
	ext8(&f, IPPROTO_UDP);                  /* 8 headers */
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_DPDK, "8 extension headers");

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_DSTOPTS);
	for (int i = 0; i < 8; i++)
		ext8(&f, IPPROTO_DSTOPTS);
	ext8(&f, IPPROTO_UDP);                  /* 9 headers */
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "9 extension headers: beyond the bound");

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 51);                           /* AH */
	ext8(&f, IPPROTO_UDP);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, NULL), TO_KERNEL, "AH (as engine/net.c)");
}

Test(xdp, ipv4_fragments_follow_their_first)
{
	struct frame f;
	bool frag;

	/* First fragment (MF) to 514, then a later one of the same datagram. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0x2000, 77);
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, &frag), TO_DPDK);
	cr_expect(frag);
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 185, 77);      /* offset 1480, last */
	put(&f, "tail of the datagram", 20);
	cr_expect_eq(run(f.b, f.n, &frag), TO_DPDK, "a later fragment follows its first");
	cr_expect(frag);

	/* A later fragment of a datagram never seen: kernel. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 185, 78);
	put(&f, "orphan", 6);
	cr_expect_eq(run(f.b, f.n, &frag), TO_KERNEL);
	cr_expect(frag);

	/* A datagram to another port: first and later fragments to the kernel. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 0x2000, 79);
	udp(&f, 53);
	cr_expect_eq(run(f.b, f.n, &frag), TO_KERNEL);
	cr_expect(frag);
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 0, 185, 79);
	put(&f, "dns tail", 8);
	cr_expect_eq(run(f.b, f.n, &frag), TO_KERNEL);

	/* Fragmented ICMP is not looked at as a fragment at all. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_ICMP, 0, 185, 77);
	put(&f, "icmp tail", 9);
	cr_expect_eq(run(f.b, f.n, &frag), TO_KERNEL);
	cr_expect(!frag);
}

Test(xdp, ipv6_fragments_follow_their_first)
{
	struct frame f;
	bool frag;

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_HOPOPTS);
	ext8(&f, IPPROTO_FRAGMENT);
	frag6(&f, IPPROTO_UDP, 0x0001, 0xabcdef01);     /* offset 0, M */
	udp(&f, 514);
	cr_expect_eq(run(f.b, f.n, &frag), TO_DPDK, "first fragment behind hop-by-hop");
	cr_expect(frag);
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_HOPOPTS);
	ext8(&f, IPPROTO_FRAGMENT);
	frag6(&f, IPPROTO_UDP, 1448, 0xabcdef01);       /* offset 1448, last */
	put(&f, "tail", 4);
	cr_expect_eq(run(f.b, f.n, &frag), TO_DPDK);
	cr_expect(frag);
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, IPPROTO_FRAGMENT);
	frag6(&f, IPPROTO_UDP, 1448, 0x12345678);
	put(&f, "orphan", 6);
	cr_expect_eq(run(f.b, f.n, &frag), TO_KERNEL);
	cr_expect(frag);
}

Test(xdp, a_cut_frame_never_goes_to_dpdk)
{
	static const uint16_t qinq[] = { 0x88a8, 0x8100 };
	struct frame v4, v6, q;

	eth(&v4, NULL, 0, 0x0800);
	ipv4(&v4, IPPROTO_UDP, 8, 0, 1);
	udp(&v4, 514);
	eth(&v6, NULL, 0, 0x86dd);
	ipv6(&v6, IPPROTO_DSTOPTS);
	ext8(&v6, IPPROTO_UDP);
	udp(&v6, 514);
	eth(&q, qinq, 2, 0x0800);
	ipv4(&q, IPPROTO_UDP, 0, 0, 1);
	udp(&q, 514);
	/* Whole: DPDK.  Cut anywhere inside the headers: kernel.  (The
	 * kernel's test run wants at least an Ethernet header.) */
	cr_assert_eq(run(v4.b, v4.n, NULL), TO_DPDK);
	cr_assert_eq(run(v6.b, v6.n, NULL), TO_DPDK);
	cr_assert_eq(run(q.b, q.n, NULL), TO_DPDK);
	for (size_t n = 14; n < v4.n - 5; n++)
		cr_expect_eq(run(v4.b, n, NULL), TO_KERNEL, "IPv4 cut at %zu of %zu", n, v4.n);
	for (size_t n = 14; n < v6.n - 5; n++)
		cr_expect_eq(run(v6.b, n, NULL), TO_KERNEL, "IPv6 cut at %zu of %zu", n, v6.n);
	for (size_t n = 14; n < q.n - 5; n++)
		cr_expect_eq(run(q.b, n, NULL), TO_KERNEL, "QinQ cut at %zu of %zu", n, q.n);
}

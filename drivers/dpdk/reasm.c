/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Fragment reassembly for the dpdk driver (reasm.h): a thin owner of one
 * rte_ip_frag table and death row per RX worker, with the checks 22.11's
 * library leaves to its caller and the accounting it does not keep (its
 * own statistics are compiled out: RTE_LIBRTE_IP_FRAG_TBL_STAT).
 *
 * Accounting: the library reports a discard only by putting mbufs on the
 * death row, so every call that can discard (take, expiry) is bracketed by
 * a look at dr.cnt.  The death row holds fragment heads (whole mbuf
 * chains), so its count is a count of fragments.
 *
 * Timeouts: the library only notices an old datagram when a new fragment
 * hashes next to it.  begin() expires every old one at the burst's TSC time
 * first, with that same time then given to the burst's fragments, so a
 * stale entry is never met inside take() (where its discard would look like
 * a drop, not a timeout).
 *
 * Checksums: rte_ip_frag zeroes the reassembled IPv4 header checksum.  Each
 * IPv4 fragment's own header checksum is checked on the way in and the
 * verdict kept in the fragment's mbuf (RTE_MBUF_F_RX_IP_CKSUM_BAD/GOOD;
 * reassembly chains the fragments without touching their ol_flags), then
 * the reassembled header gets a correct checksum so the classifier's check
 * of it is meaningful again; the UDP checksum covers the whole datagram and
 * is checked by the classifier as for any frame.
 */

/* rte_ip_frag_table_del_expired_entries is __rte_experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include <sealcap/record.h>

#include "reasm.h"

/* Entries per hash bucket (the library probes two buckets per key). */
#define REASM_BUCKET_ENTRIES 4
/* Death-row mbufs to prefetch while freeing (as DPDK's examples). */
#define REASM_PREFETCH 3
#define REASM_FLOWS_MAX (1u << 20)

struct sc_dpdk_reasm {
	struct rte_ip_frag_tbl *tbl;
	uint64_t now;          /* this burst's TSC time */
	uint64_t released;     /* fragments discarded since begin() */
	struct sc_dpdk_reasm_stats st;
	struct rte_ip_frag_death_row dr;
};

struct sc_dpdk_reasm *
sc_dpdk_reasm_create(unsigned flows, unsigned timeout_ms, int socket, char *err, size_t errlen)
{
	struct sc_dpdk_reasm *r;
	uint32_t buckets;
	uint64_t cycles;

	if (flows == 0 || flows > REASM_FLOWS_MAX || timeout_ms == 0) {
		snprintf(err, errlen, "fragment table: %u flows, timeout %u ms: expected 1..%u flows "
			 "and a timeout of at least 1 ms", flows, timeout_ms, REASM_FLOWS_MAX);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "fragment table: out of memory");
		return NULL;
	}
	/*
	 * The table has buckets x REASM_BUCKET_ENTRIES x 2 slots (a key may
	 * sit in either of two buckets).  Twice as many slots as flows, so a
	 * new datagram is rarely refused for want of a slot in its bucket
	 * pair before max_entries (flows) datagrams are in progress.
	 */
	buckets = rte_align32pow2(flows) / REASM_BUCKET_ENTRIES;
	if (buckets == 0)
		buckets = 1;
	cycles = rte_get_tsc_hz() / 1000 * timeout_ms;
	r->tbl = rte_ip_frag_table_create(buckets, REASM_BUCKET_ENTRIES, flows, cycles, socket);
	if (r->tbl == NULL) {
		/* A slot is 256 bytes with 8 fragments per datagram (22.11, x86-64). */
		snprintf(err, errlen, "fragment table for --frag-flows %u does not fit in EAL memory "
			 "(about %u KB): give EAL more -m in --dpdk-args or lower --frag-flows",
			 flows, (unsigned)((uint64_t)buckets * REASM_BUCKET_ENTRIES * 2 * 256 / 1024));
		free(r);
		return NULL;
	}
	return r;
}

void
sc_dpdk_reasm_destroy(struct sc_dpdk_reasm *r)
{
	if (r == NULL)
		return;
	rte_ip_frag_free_death_row(&r->dr, 0);
	/* Frees the fragments of every datagram still in progress. */
	rte_ip_frag_table_destroy(r->tbl);
	free(r);
}

/* Discard datagrams older than the timeout at @p tms; @return fragments freed. */
static uint64_t
expire(struct sc_dpdk_reasm *r, uint64_t tms)
{
	uint64_t n = 0;

	/*
	 * The library stops when the death row is full; empty it and go on
	 * until nothing more is old.
	 */
	for (;;) {
		uint32_t before = r->dr.cnt;

		rte_ip_frag_table_del_expired_entries(r->tbl, &r->dr, tms);
		if (r->dr.cnt == before)
			break;
		n += r->dr.cnt - before;
		rte_ip_frag_free_death_row(&r->dr, REASM_PREFETCH);
	}
	return n;
}

void
sc_dpdk_reasm_begin(struct sc_dpdk_reasm *r, uint64_t now)
{
	uint64_t n;

	r->now = now;
	n = expire(r, now);
	r->st.expired += n;
	r->released += n;
}

/* Record the fragment's IPv4 header checksum verdict in its mbuf (see top). */
static inline void
mark_csum(struct rte_mbuf *m, bool bad)
{
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next)
		s->ol_flags &= ~RTE_MBUF_F_RX_IP_CKSUM_MASK;
	m->ol_flags |= bad ? RTE_MBUF_F_RX_IP_CKSUM_BAD : RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

enum sc_dpdk_reasm_res
sc_dpdk_reasm_take(struct sc_dpdk_reasm *r, struct rte_mbuf *m, uint32_t l2_len,
		   uint32_t l3_len, struct rte_mbuf **whole, uint32_t *flags)
{
	struct rte_mbuf *out, *s;
	uint8_t *ip;
	uint32_t before, ofs, len;
	bool v4;

	/*
	 * The library reads and rewrites the headers in the first segment
	 * and strips l2_len + l3_len from it (rte_pktmbuf_adj), so they must
	 * be there; l2_len/l3_len are 7- and 9-bit fields.
	 */
	if (unlikely(l2_len + l3_len > m->data_len || l2_len > 127 || l3_len > 511)) {
		r->st.refused_len++;
		return SC_DPDK_REASM_REFUSED;
	}
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2_len);
	v4 = (ip[0] >> 4) == 4;
	if (v4) {
		const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;

		ofs = (uint32_t)(rte_be_to_cpu_16(h->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) *
		      RTE_IPV4_HDR_OFFSET_UNITS;
		len = rte_be_to_cpu_16(h->total_length) - l3_len;
	} else {
		const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)ip;
		const struct rte_ipv6_fragment_ext *fh;

		/* Only a fragment header right after the fixed header (see reasm.h). */
		if (l3_len != sizeof(*h) + sizeof(*fh) || h->proto != IPPROTO_FRAGMENT) {
			r->st.refused_ext++;
			return SC_DPDK_REASM_REFUSED;
		}
		fh = (const struct rte_ipv6_fragment_ext *)(h + 1);
		ofs = (uint32_t)(rte_be_to_cpu_16(fh->frag_data) & ~7u);
		len = rte_be_to_cpu_16(h->payload_len) - (uint32_t)sizeof(*fh);
	}
	/*
	 * Empty fragments and ones reaching past what a 16-bit length can
	 * say are not passed on (newer DPDK drops them itself; 22.11 would
	 * build a datagram whose length field wrapped).
	 */
	if (unlikely(len == 0 || ofs + len + (v4 ? l3_len : 0) > UINT16_MAX)) {
		r->st.refused_len++;
		return SC_DPDK_REASM_REFUSED;
	}
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	before = r->dr.cnt;
	if (v4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
		bool bad = rte_raw_cksum(h, l3_len) != 0xffff;

		r->st.bad_hdr_csum += bad;
		mark_csum(m, bad);
		out = rte_ipv4_frag_reassemble_packet(r->tbl, &r->dr, m, r->now, h);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		mark_csum(m, false);
		out = rte_ipv6_frag_reassemble_packet(r->tbl, &r->dr, m, r->now, h,
						      rte_ipv6_frag_get_ipv6_fragment_header(h));
	}
	r->st.taken++;
	if (r->dr.cnt != before) {
		r->st.dropped += r->dr.cnt - before;
		r->released += r->dr.cnt - before;
	}
	if (out == NULL)
		return SC_DPDK_REASM_HELD;

	r->st.reassembled++;
	*flags = SC_REC_REASSEMBLED;
	for (s = out; s != NULL; s = s->next)
		if ((s->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
			*flags |= SC_REC_BAD_CSUM;
	if (v4) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod_offset(out, struct rte_ipv4_hdr *,
								 out->l2_len);

		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	*whole = out;
	return SC_DPDK_REASM_DONE;
}

uint64_t
sc_dpdk_reasm_end(struct sc_dpdk_reasm *r)
{
	uint64_t n = r->released;

	if (r->dr.cnt != 0)
		rte_ip_frag_free_death_row(&r->dr, REASM_PREFETCH);
	r->released = 0;
	return n;
}

uint64_t
sc_dpdk_reasm_flush(struct sc_dpdk_reasm *r)
{
	uint64_t n;

	rte_ip_frag_free_death_row(&r->dr, REASM_PREFETCH);
	/* Every entry is older than the end of time. */
	n = expire(r, UINT64_MAX);
	r->st.at_stop += n;
	r->released = 0;
	return n;
}

const struct sc_dpdk_reasm_stats *
sc_dpdk_reasm_stats(const struct sc_dpdk_reasm *r)
{
	return &r->st;
}

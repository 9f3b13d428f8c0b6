/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_DPDK_REASM_H
#define SEALCAP_DPDK_REASM_H

/**
 * @file
 * IPv4 and IPv6 fragment reassembly for one DPDK RX worker, on DPDK's
 * rte_ip_frag: a bounded table of datagrams in progress (--frag-flows)
 * with a timeout (--frag-timeout-ms), and a death row of the fragments it
 * gives up on.  Private to the dpdk driver.
 *
 * One object per RX worker, used by that worker's thread only (no locks,
 * no allocation after create).  Per burst:
 *
 *     sc_dpdk_reasm_begin(r, rte_rdtsc());   // expire old datagrams
 *     for each fragment: sc_dpdk_reasm_take(r, m, ...);
 *     skipped = sc_dpdk_reasm_end(r);        // free the death row
 *
 * Ownership: sc_dpdk_reasm_take keeps every fragment it accepts (HELD or
 * DONE): the caller must not touch or free it any more.  The mbufs of a
 * datagram that cannot complete go to the death row and are freed by the
 * next sc_dpdk_reasm_end; the table frees what it still holds at
 * sc_dpdk_reasm_destroy.  A DONE datagram belongs to the caller.
 *
 * What rte_ip_frag (DPDK 22.11) does with hostile input, as counted here:
 * a duplicate or overlapping fragment, or more than
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG (8 in Debian's build) fragments, discards the
 * whole datagram (dropped); a datagram not complete within the timeout is
 * discarded (expired); a new datagram when every slot of its hash bucket
 * pair holds a live one is refused (dropped).  The table never fails open:
 * every fragment is either part of a returned datagram or counted.
 *
 * Refused before the table (the caller keeps the mbuf): IPv6 fragments with
 * extension headers before the fragment header (rte_ip_frag only handles
 * the fragment header right after the fixed header, and 22.11 would
 * rebuild such a datagram wrongly), fragments whose headers are not in
 * the first segment, fragments with no payload or reaching beyond 65535
 * bytes of datagram.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_ip_frag.h>

struct rte_mbuf;
struct sc_dpdk_reasm;

/** Fragments per burst at most: the death row holds one burst's failures. */
#define SC_DPDK_REASM_BURST_MAX RTE_IP_FRAG_DEATH_ROW_LEN
/** Fragments one datagram may have (DPDK's build-time limit). */
#define SC_DPDK_REASM_FRAGS_MAX RTE_LIBRTE_IP_FRAG_MAX_FRAG

/** Counters; one writer (the worker), read by the driver's stats. */
struct sc_dpdk_reasm_stats {
	uint64_t taken;        /**< fragments accepted into the table */
	uint64_t reassembled;  /**< datagrams completed (DONE) */
	uint64_t dropped;      /**< fragments discarded: duplicate, overlap, too many, table full */
	uint64_t expired;      /**< fragments discarded after --frag-timeout-ms */
	uint64_t at_stop;      /**< fragments still waiting when capture stopped */
	uint64_t refused_ext;  /**< IPv6: extension headers before the fragment header */
	uint64_t refused_len;  /**< no payload, beyond 65535 bytes, headers not in one segment */
	uint64_t bad_hdr_csum; /**< IPv4 fragments with a wrong header checksum */
};

enum sc_dpdk_reasm_res {
	SC_DPDK_REASM_HELD,    /**< kept, waiting for more fragments (or dropped) */
	SC_DPDK_REASM_DONE,    /**< kept; *whole is the complete datagram */
	SC_DPDK_REASM_REFUSED, /**< not taken: the mbuf is still the caller's */
};

/**
 * Create a table for @p flows datagrams in progress, each discarded after
 * @p timeout_ms, in @p socket's memory (EAL heap, rte_zmalloc).
 * @return the object, or NULL with a message in @p err (EAL memory short,
 *         bad sizes).
 */
struct sc_dpdk_reasm *sc_dpdk_reasm_create(unsigned flows, unsigned timeout_ms, int socket,
					   char *err, size_t errlen);

/** Free the table and every fragment it still holds; NULL accepted. */
void sc_dpdk_reasm_destroy(struct sc_dpdk_reasm *r);

/**
 * Start a burst at TSC time @p now: datagrams older than the timeout are
 * discarded (counted as expired).  Fragments of this burst use @p now as
 * their arrival time.
 */
void sc_dpdk_reasm_begin(struct sc_dpdk_reasm *r, uint64_t now);

/**
 * Hand one fragment to the table.  @p m is the whole frame; @p l2_len and
 * @p l3_len as sc_net_classify reports them for SC_NET_FRAGMENT.  At most
 * SC_DPDK_REASM_BURST_MAX calls between begin and end.
 *
 * @return SC_DPDK_REASM_HELD: @p m is the table's now.
 *         SC_DPDK_REASM_DONE: @p m is the table's; @p *whole is the
 *         reassembled datagram (an mbuf chain with the first fragment's L2
 *         header, an IPv4 header checksum that is correct again), the
 *         caller's to free; @p *flags gets SC_REC_REASSEMBLED, plus
 *         SC_REC_BAD_CSUM when an IPv4 fragment's header checksum was wrong.
 *         SC_DPDK_REASM_REFUSED: not taken (see the file comment).
 */
enum sc_dpdk_reasm_res sc_dpdk_reasm_take(struct sc_dpdk_reasm *r, struct rte_mbuf *m,
					  uint32_t l2_len, uint32_t l3_len,
					  struct rte_mbuf **whole, uint32_t *flags);

/**
 * End a burst: free the fragments discarded since begin.
 * @return how many (dropped + expired), for the engine's skip count.
 */
uint64_t sc_dpdk_reasm_end(struct sc_dpdk_reasm *r);

/**
 * Capture is stopping: discard every datagram still waiting (counted as
 * at_stop) and free its fragments.  @return how many fragments.
 */
uint64_t sc_dpdk_reasm_flush(struct sc_dpdk_reasm *r);

/** The counters (the worker's own; other threads read them racily, as stats). */
const struct sc_dpdk_reasm_stats *sc_dpdk_reasm_stats(const struct sc_dpdk_reasm *r);

#endif /* SEALCAP_DPDK_REASM_H */

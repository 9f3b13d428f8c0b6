/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_GEN_OUT_H
#define SEALCAP_GEN_OUT_H

/**
 * @file
 * Outputs of sealcap-gen, as a small ops table.
 *
 * An output is chosen by the scheme of --out: "pcap:FILE" writes a capture
 * file; "udp://HOST:PORT" and "tcp://HOST:PORT" send live to a receiver
 * (loopback only unless gen_out_params::allow_nonlocal).  main() builds
 * packets in bursts and hands each burst to send_burst().  A packet carries
 * both the whole Ethernet frame (for pcap) and the syslog message inside it
 * (for sockets); an output whose ops lack GEN_OUT_F_FRAMES gets
 * frame == NULL.
 *
 * Accounting: every packet send_burst() takes is either sent (counted in
 * gen_out_stats::pkts) or failed (gen_out_stats::failed); nothing is dropped
 * uncounted.  "Sent" means written whole to the file or handed whole to the
 * kernel's socket; what a UDP receiver then drops is the receiver's count.
 *
 * Calls on one output come from one thread.  Nothing in a burst is owned by
 * the output: it copies what it keeps before send_burst() returns.
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One packet of a burst. */
struct gen_pkt {
	const uint8_t *frame;   /**< Ethernet frame, or NULL */
	const uint8_t *msg;     /**< syslog message (the UDP payload) */
	uint32_t frame_len;
	uint32_t msg_len;
	uint64_t time_ns;       /**< capture time, ns since the epoch (UTC) */
	uint64_t seq;
	uint32_t source;        /**< index into the mix's sources */
	/*
	 * --mtu: the frame as IP fragments, back to back in frags, their
	 * lengths in frag_lens; nfrags 0: send frame whole.  Only outputs
	 * with GEN_OUT_F_FRAMES see fragments.
	 */
	uint32_t nfrags;
	const uint8_t *frags;
	const uint32_t *frag_lens;
};

/** TCP framing (RFC 6587). */
enum gen_framing {
	GEN_FRAMING_OCTET = 0,  /**< "LEN SP MSG", octet counting (3.4.1) */
	GEN_FRAMING_LF,         /**< "MSG LF", non-transparent (3.4.2) */
};

/** Settings every output receives at open; each uses what applies to it. */
struct gen_out_params {
	uint32_t snaplen;       /**< longest frame main() will send */
	uint64_t pps;           /**< nominal packet rate */
	uint32_t sources;       /**< sources of the mix; gen_pkt::source < this */
	uint32_t connections;   /**< TCP connections, 1..sources */
	enum gen_framing framing; /**< TCP framing */
	int allow_nonlocal;     /**< permit a destination outside loopback */
	/** Set by main()'s signal handler: an output blocked on a slow
	 *  receiver gives up (and counts what it gave up as failed). */
	const volatile sig_atomic_t *stop;
	const char *dpdk_args;  /**< dpdk: EAL arguments (NULL: defaults) */
	uint32_t dpdk_port;     /**< dpdk: port id */
};

/** Totals reported at close. */
struct gen_out_stats {
	uint64_t pkts;          /**< packets sent (written or handed to the kernel whole) */
	uint64_t failed;        /**< packets taken but not sent */
	uint64_t bytes;         /**< bytes the output wrote (file size, wire
				     bytes including TCP framing) */
};

struct gen_out;

/** The output wants Ethernet frames built (pcap, DPDK). */
#define GEN_OUT_F_FRAMES 0x1u
/** The output sends now: messages carry the wall-clock time, not the
 *  nominal --start/--pps schedule. */
#define GEN_OUT_F_LIVE 0x2u

struct gen_out_ops {
	const char *scheme;     /**< "pcap": matches "pcap:..." */
	const char *usage;      /**< for --help, e.g. "pcap:FILE" */
	unsigned flags;         /**< GEN_OUT_F_* */
	unsigned burst;         /**< largest burst it wants; 0: main()'s default */
	/**
	 * Open the output named by @p target (the part after "scheme:").
	 * @return 0, or a negative errno with a message in @p err:
	 *   -EINVAL only when the spec itself is wrong or not allowed (a
	 *   non-loopback host without allow_nonlocal): main() exits 2;
	 *   -ECONNREFUSED, -ETIMEDOUT, -EMFILE, -ENOMEM, ... otherwise.
	 */
	int (*open)(struct gen_out **out, const char *target,
		    const struct gen_out_params *params,
		    char *err, size_t errlen);
	/**
	 * Send up to @p n packets.  A live output returns only when each
	 * packet taken is sent or counted as failed.
	 * @return how many were taken (sent or failed); fewer means the output
	 *   has stopped (file error, receiver gone, interrupted) and close()
	 *   says why.
	 */
	uint32_t (*send_burst)(struct gen_out *out, const struct gen_pkt *pkts,
			       uint32_t n);
	/**
	 * Flush and release everything; @p out may be NULL.
	 * @return 0, or a negative errno with a message in @p err (a write
	 *   error seen during the run is reported here).
	 */
	int (*close)(struct gen_out *out, struct gen_out_stats *stats,
		     char *err, size_t errlen);
};

/**
 * Find the output for @p spec ("pcap:FILE").
 * @return its ops with @p target set to the part after the scheme's ':',
 *   or NULL if no output has that scheme.
 */
const struct gen_out_ops *gen_out_find(const char *spec, const char **target);

/** All outputs, NULL-terminated (for --help). */
extern const struct gen_out_ops *const gen_outputs[];

/* The outputs themselves. */
extern const struct gen_out_ops gen_out_pcap;
extern const struct gen_out_ops gen_out_udp;
extern const struct gen_out_ops gen_out_tcp;
extern const struct gen_out_ops gen_out_dpdk;   /* built with DPDK only */

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_GEN_OUT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_GEN_MIX_H
#define SEALCAP_GEN_MIX_H

/**
 * @file
 * The hospital syslog mix of sealcap-gen.
 *
 * A mix is a fixed population of devices ("sources"), each one device of one
 * class with one address, port, hostname, app-name and clock, and a rule that
 * turns a sequence number into one message: which source sends it and the
 * exact bytes.  Classes and their share of messages:
 *
 *   class        share  shape
 *   ehr           22 %  RFC 5424 + SD (user, patient, action, terminal)
 *   receipt        8 %  RFC 3164 logins of the receipt/billing system
 *   fortigate     24 %  FortiGate key=value (traffic, event, utm)
 *   asa           12 %  Cisco ASA "%ASA-6-302013: ..."
 *   ios            6 %  Cisco IOS "<189>123: *Mar  1 18:46:11.123: %SYS-..."
 *   rtx            8 %  Yamaha RTX "<190>[INSPECT] ..." (no header)
 *   ap            12 %  Wi-Fi AP association/authentication
 *   switch         8 %  link up/down (IOS style, RFC 5424, RFC 3164)
 *
 * About 12 % of messages carry Japanese text (EHR, receipt, FortiGate), in
 * UTF-8 or in Shift_JIS (CP932) depending on the device, and 1.5 % are
 * malformed (no PRI, bad PRI, truncated header, NUL bytes, invalid UTF-8,
 * a multibyte character cut at the end), from any source.
 *
 * Sizes: each message gets a size target from a skewed distribution (most
 * lines near the mean, a tail up to 3x) scaled per class (a FortiGate line
 * is longer than a Yamaha one); a shorter core grows by the optional fields
 * its device would log, then by filler words.  The mean is calibrated at
 * create time; it cannot go below the mix's natural minimum of about 220
 * bytes (gen_mix_avg_size() tells what was reached).
 *
 * Every message, malformed ones included, contains the ASCII token "seq=N"
 * exactly once, N in decimal without leading zeros, always followed by a
 * non-digit byte, so a receiver can count loss, duplicates and reordering.
 *
 * A message is a pure function of (configuration, seq): gen_mix_next() reads
 * the mix and writes only to the caller's buffer.  The same seed and
 * configuration give the same bytes on every run, any seq can be generated
 * in any order, and several threads may share one mix without locking.
 * Only integer arithmetic is used after gen_mix_create(), so the output does
 * not depend on the C library's libm either.
 *
 * Addresses are from the benchmark and documentation ranges: sources in
 * 198.18.0.0/15 and 2001:db8:1::/64, message bodies in 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 and RFC 1918 space.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest message gen_mix_next() writes, in bytes. */
#define GEN_MSG_MAX 8192
/** Smallest @c cap gen_mix_next() accepts. */
#define GEN_MSG_CAP_MIN GEN_MSG_MAX
/** Limits of gen_mix_config::size. */
#define GEN_SIZE_MIN 64
#define GEN_SIZE_MAX 4096
/** Limit of gen_mix_config::sources (fits 198.18.0.0/15 with .1 to .254 hosts). */
#define GEN_SOURCES_MAX 100000
/** Hostnames are shorter than this, NUL included. */
#define GEN_HOST_MAX 24

/** Device classes. */
enum gen_class {
	GEN_CLASS_EHR = 0,
	GEN_CLASS_RECEIPT,
	GEN_CLASS_FORTIGATE,
	GEN_CLASS_ASA,
	GEN_CLASS_IOS,
	GEN_CLASS_RTX,
	GEN_CLASS_AP,
	GEN_CLASS_SWITCH,
	GEN_CLASS_COUNT
};

/** What a mix is made of.  Zero is not a valid value for any field. */
struct gen_mix_config {
	uint64_t seed;
	uint32_t size;          /**< target average message size, bytes */
	uint32_t sources;       /**< number of devices, 1..GEN_SOURCES_MAX */
	uint32_t ipv6_share;    /**< percent of sources that speak IPv6 (0..100) */
	uint32_t vlan_share;    /**< percent of sources whose frames are tagged (0..100) */
	uint16_t vlan_id;       /**< tag of tagged sources; 0: one VLAN per class */
	uint64_t start_ns;      /**< UTC time of seq 1, ns since the epoch */
	uint64_t pps;           /**< seq advances at this rate (nominal time) */
};

/** The network identity of one source (one device). */
struct gen_source {
	uint8_t family;         /**< 4 or 6 */
	uint8_t cls;            /**< enum gen_class */
	uint8_t ttl;            /**< TTL or hop limit as seen by the collector */
	uint8_t _pad;
	uint16_t vlan;          /**< 802.1Q VLAN id, 0 when untagged */
	uint16_t sport;         /**< UDP source port: 514 or ephemeral */
	uint16_t ip_id;         /**< first IPv4 identification */
	uint32_t flow_label;    /**< IPv6 flow label (20 bits) */
	uint8_t mac[6];         /**< Ethernet source address */
	uint8_t addr[16];       /**< IPv4 in the first 4 bytes, or IPv6 */
	char host[GEN_HOST_MAX]; /**< hostname, NUL-terminated */
};

struct gen_mix;

/**
 * Build a mix: lay out the sources and calibrate message sizes so that the
 * average message length is close to @p cfg->size.
 *
 * @return the mix, or NULL with errno EINVAL (a field out of range) or
 *   ENOMEM.  Free it with gen_mix_free().
 */
struct gen_mix *gen_mix_create(const struct gen_mix_config *cfg);

/** Free a mix; NULL is accepted. */
void gen_mix_free(struct gen_mix *mix);

/**
 * Write message @p seq into @p buf.
 *
 * @param mix      the mix; only read, so threads may share it.
 * @param seq      sequence number, from 1.
 * @param buf      where the message goes; not NUL-terminated (messages may
 *                 contain NUL bytes).
 * @param cap      size of @p buf, at least GEN_MSG_CAP_MIN.
 * @param source   set to the index of the sending source.
 * @return the message length, 1..GEN_MSG_MAX; 0 if @p cap is too small.
 *
 * Does not allocate, lock or make system calls.  The header timestamp is the
 * nominal time of @p seq (gen_mix_time()) as seen by the device's clock.
 */
size_t gen_mix_next(const struct gen_mix *mix, uint64_t seq, void *buf,
		    size_t cap, uint32_t *source);

/**
 * As gen_mix_next(), at a time the caller chooses (live outputs stamp
 * messages with the wall clock instead of the nominal schedule).
 */
size_t gen_mix_next_at(const struct gen_mix *mix, uint64_t seq,
		       uint64_t time_ns, void *buf, size_t cap,
		       uint32_t *source);

/** Nominal time of @p seq: start + (seq - 1) / pps, in ns since the epoch. */
uint64_t gen_mix_time(const struct gen_mix *mix, uint64_t seq);

/**
 * Average message size the calibration reached.  It misses
 * gen_mix_config::size when that is below the shortest messages the
 * devices send (about 220 bytes): the mix does not cut messages to fit.
 */
uint32_t gen_mix_avg_size(const struct gen_mix *mix);

/** Number of sources of the mix. */
uint32_t gen_mix_sources(const struct gen_mix *mix);

/** Source @p idx (< gen_mix_sources()); the mix owns it. */
const struct gen_source *gen_mix_source(const struct gen_mix *mix,
					uint32_t idx);

/** Name of a class ("ehr", "fortigate", ...). */
const char *gen_class_name(unsigned cls);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_GEN_MIX_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_RECORD_H
#define SEALCAP_RECORD_H

/**
 * @file
 * One stored syslog message: receive metadata, parsed field offsets and the
 * raw bytes exactly as received.
 *
 * On disk (inside a block's payload, before compression) a record is a fixed
 * 128-byte little-endian header followed by the raw bytes; docs/FORMAT.md
 * gives the byte layout.  The record's Merkle leaf is
 * SHA-256(0x00 || header || raw), so every stored byte is covered.
 */

#include <stddef.h>
#include <stdint.h>

#include <sealcap/syslog.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_REC_HDR_LEN 128u
/** Largest raw message a record holds (TCP frames above it are truncated). */
#define SC_REC_RAW_MAX (1u << 20)

/** Transport a message arrived on. */
enum sc_transport {
	SC_TRANSPORT_NONE = 0, /**< engine event (gap, start, stop, ...) */
	SC_TRANSPORT_UDP = 1,
	SC_TRANSPORT_TCP = 2,
	SC_TRANSPORT_TLS = 3,
};

/*
 * Record flags: the low 16 bits are the parser's SC_SL_* flags (syslog.h),
 * the high 16 bits say how the message was captured.
 */
#define SC_REC_TRUNCATED  (1u << 16) /**< raw bytes cut at the size limit */
#define SC_REC_REASSEMBLED (1u << 17) /**< rebuilt from IP fragments */
#define SC_REC_BAD_CSUM   (1u << 18) /**< IP or UDP checksum was wrong */
#define SC_REC_EVENT      (1u << 19) /**< written by the engine, not received */
#define SC_REC_NIC_TIME   (1u << 20) /**< per-packet hardware receive time */

/** A record, decoded.  raw points into the block payload it came from. */
struct sc_record {
	uint64_t seq;       /**< lane sequence number, from 0 */
	int64_t rx_ns;      /**< receive time, UTC ns */
	int64_t msg_ns;     /**< timestamp in the message, or SC_TIME_NONE */
	uint8_t addr[16];   /**< source: IPv6, or IPv4-mapped (::ffff:a.b.c.d) */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t transport;  /**< enum sc_transport */
	uint8_t family;     /**< 4, 6, or 0 for events */
	uint32_t flags;     /**< SC_SL_* | SC_REC_* */
	int16_t pri;
	uint16_t version;
	uint8_t format;
	uint8_t charset;
	int16_t tz_min;
	struct sc_span field[SC_F_COUNT];
	uint32_t raw_len;
	const uint8_t *raw;
};

/** Bytes a record with @p raw_len raw bytes takes in a payload. */
static inline size_t sc_record_size(uint32_t raw_len) { return SC_REC_HDR_LEN + raw_len; }

/**
 * Serialize @p r (including r->raw) to @p dst, which must have room for
 * sc_record_size(r->raw_len) bytes.  @return bytes written.
 */
size_t sc_record_encode(const struct sc_record *r, uint8_t *dst);

/**
 * Decode the record at @p src (at most @p avail bytes).  r->raw points into
 * @p src.  Safe on hostile input.
 * @return bytes consumed, or 0 when the bytes are not a well-formed record
 *         (short, bad header length, spans outside the raw bytes).
 */
size_t sc_record_decode(const uint8_t *src, size_t avail, struct sc_record *r);

/**
 * Write a time in UTC ns (a receive time, an event time) as RFC 3339 with
 * nanoseconds, "2026-12-04T22:33:52.056013214Z"; times before 1970 too.
 * @p len: 32 bytes are enough.
 */
void sc_time_utc(int64_t ns, char *buf, size_t len);

/** Fill address fields from an IPv4 address in network byte order. */
void sc_record_set_ipv4(struct sc_record *r, uint32_t be_addr);

/**
 * Format the source address as text (IPv4 dotted or IPv6).
 * @return @p buf
 */
char *sc_record_addr_str(const struct sc_record *r, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_RECORD_H */

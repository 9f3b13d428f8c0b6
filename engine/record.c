/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sealcap/record.h>

#include "le.h"

/*
 * Byte layout of the 128-byte record header (little-endian).  Kept as
 * explicit offsets rather than a packed struct so the format does not depend
 * on the compiler, and documented in docs/FORMAT.md.
 */
enum {
	R_LEN = 0,       /* u32 total record bytes (header + raw) */
	R_HDRLEN = 4,    /* u16 header length, 128 */
	R_TRANSPORT = 6, /* u8 */
	R_FAMILY = 7,    /* u8 */
	R_FLAGS = 8,     /* u32 */
	R_SPORT = 12,    /* u16 */
	R_DPORT = 14,    /* u16 */
	R_SEQ = 16,      /* u64 */
	R_RXNS = 24,     /* i64 */
	R_MSGNS = 32,    /* i64 */
	R_ADDR = 40,     /* 16 bytes */
	R_PRI = 56,      /* i16 */
	R_VERSION = 58,  /* u16 */
	R_FORMAT = 60,   /* u8 */
	R_CHARSET = 61,  /* u8 */
	R_TZ = 62,       /* i16 */
	R_FIELDS = 64,   /* 8 x (u32 off, u32 len) */
};

_Static_assert(R_FIELDS + SC_F_COUNT * 8 == SC_REC_HDR_LEN, "record header");

size_t
sc_record_encode(const struct sc_record *r, uint8_t *d)
{
	put_u32(d + R_LEN, SC_REC_HDR_LEN + r->raw_len);
	put_u16(d + R_HDRLEN, SC_REC_HDR_LEN);
	d[R_TRANSPORT] = r->transport;
	d[R_FAMILY] = r->family;
	put_u32(d + R_FLAGS, r->flags);
	put_u16(d + R_SPORT, r->src_port);
	put_u16(d + R_DPORT, r->dst_port);
	put_u64(d + R_SEQ, r->seq);
	put_u64(d + R_RXNS, (uint64_t)r->rx_ns);
	put_u64(d + R_MSGNS, (uint64_t)r->msg_ns);
	memcpy(d + R_ADDR, r->addr, 16);
	put_u16(d + R_PRI, (uint16_t)r->pri);
	put_u16(d + R_VERSION, r->version);
	d[R_FORMAT] = r->format;
	d[R_CHARSET] = r->charset;
	put_u16(d + R_TZ, (uint16_t)r->tz_min);
	for (int i = 0; i < SC_F_COUNT; i++) {
		put_u32(d + R_FIELDS + 8 * i, r->field[i].off);
		put_u32(d + R_FIELDS + 8 * i + 4, r->field[i].len);
	}
	if (r->raw_len)
		memcpy(d + SC_REC_HDR_LEN, r->raw, r->raw_len);
	return SC_REC_HDR_LEN + r->raw_len;
}

size_t
sc_record_decode(const uint8_t *s, size_t avail, struct sc_record *r)
{
	uint32_t len;

	if (avail < SC_REC_HDR_LEN)
		return 0;
	len = get_u32(s + R_LEN);
	if (get_u16(s + R_HDRLEN) != SC_REC_HDR_LEN || len < SC_REC_HDR_LEN ||
	    len > avail || len - SC_REC_HDR_LEN > SC_REC_RAW_MAX)
		return 0;
	r->raw_len = len - SC_REC_HDR_LEN;
	r->raw = s + SC_REC_HDR_LEN;
	r->transport = s[R_TRANSPORT];
	r->family = s[R_FAMILY];
	r->flags = get_u32(s + R_FLAGS);
	r->src_port = get_u16(s + R_SPORT);
	r->dst_port = get_u16(s + R_DPORT);
	r->seq = get_u64(s + R_SEQ);
	r->rx_ns = (int64_t)get_u64(s + R_RXNS);
	r->msg_ns = (int64_t)get_u64(s + R_MSGNS);
	memcpy(r->addr, s + R_ADDR, 16);
	r->pri = (int16_t)get_u16(s + R_PRI);
	r->version = get_u16(s + R_VERSION);
	r->format = s[R_FORMAT];
	r->charset = s[R_CHARSET];
	r->tz_min = (int16_t)get_u16(s + R_TZ);
	for (int i = 0; i < SC_F_COUNT; i++) {
		uint32_t off = get_u32(s + R_FIELDS + 8 * i);
		uint32_t flen = get_u32(s + R_FIELDS + 8 * i + 4);

		/* Spans come from our own parser; anything else is damage. */
		if (off > r->raw_len || flen > r->raw_len - off)
			return 0;
		r->field[i].off = off;
		r->field[i].len = flen;
	}
	return len;
}

void
sc_record_set_ipv4(struct sc_record *r, uint32_t be_addr)
{
	memset(r->addr, 0, 10);
	r->addr[10] = 0xff;
	r->addr[11] = 0xff;
	memcpy(r->addr + 12, &be_addr, 4);
	r->family = 4;
}

char *
sc_record_addr_str(const struct sc_record *r, char *buf, size_t len)
{
	if (r->family == 4)
		inet_ntop(AF_INET, r->addr + 12, buf, (socklen_t)len);
	else if (r->family == 6)
		inet_ntop(AF_INET6, r->addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

void
sc_time_utc(int64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", frac);
}

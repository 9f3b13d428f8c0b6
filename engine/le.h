/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_LE_H
#define SC_ENGINE_LE_H

/*
 * Little-endian loads and stores for the on-disk formats.  memcpy keeps them
 * alignment-safe; on x86 and little-endian ARM they compile to one move.
 */
#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline void put_u16(uint8_t *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static inline void put_u32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void put_u64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
/* 48-bit little-endian (the low six bytes of a u64). */
static inline void put_u48(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 6); }
static inline uint64_t get_u48(const uint8_t *p)
{
	uint64_t v = 0;

	memcpy(&v, p, 6);
	return le64toh(v);
}
static inline uint16_t get_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static inline uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static inline uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

#endif

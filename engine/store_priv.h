/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_STORE_PRIV_H
#define SC_ENGINE_STORE_PRIV_H

/* Store internals shared by the writer (store.c), reader and verify. */

#include <stdbool.h>
#include <stdint.h>

#include <sealcap/hash.h>
#include <sealcap/store.h>

int64_t sc_now_ns(void);
void sc_segment_path(const char *dir, uint32_t n, char *out, size_t len);
void sc_segment_hdr_encode(struct sc_hasher *hs, uint32_t number, int64_t created,
			   const uint8_t store_id[SC_HASH_LEN], uint64_t first_log,
			   uint8_t out[SC_SEG_HDR_LEN]);
enum sc_error sc_segment_hdr_check(struct sc_hasher *hs, const uint8_t in[SC_SEG_HDR_LEN],
				   uint32_t *number, uint64_t *first_log,
				   uint8_t store_id[SC_HASH_LEN]);
int sc_segment_list(const char *dir, uint32_t **out, uint32_t *count);
int sc_store_json_read(const char *dir, struct sc_hasher *hs, uint8_t id[SC_HASH_LEN],
		       char *origin, size_t olen, int *version, char *errbuf, size_t errlen);
/* Skip reading payloads (the writer's scan only needs headers). */
void sc_store_reader_headers_only(struct sc_store_reader *r, bool on);
/* Next read at @p offset of segment @p segment.  @return 0, -ENOENT, -EBADMSG */
int sc_store_reader_seek(struct sc_store_reader *r, uint32_t segment, uint64_t offset);

#endif

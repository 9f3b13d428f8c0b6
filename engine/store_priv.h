/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_STORE_PRIV_H
#define SC_ENGINE_STORE_PRIV_H

/* Store internals shared by the writer (store.c), reader and verify. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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
/* fsync a directory.  @return 0 or -errno */
int sc_fsync_dir(const char *dir);
/*
 * Modes whatever the umask (the umask can only take bits away, and a
 * store's group of auditors must keep theirs): open @p path, and a file
 * this call creates gets exactly @p mode.  With O_EXCL in @p flags an
 * existing file is an error, as with open(2).  @return fd, or -1 (errno).
 */
int sc_open_mode(const char *path, int flags, mode_t mode);
/* mkdir with exactly @p mode; an existing one is left alone (errno EEXIST). */
int sc_mkdir_mode(const char *path, mode_t mode);
/*
 * A segment's header fields (checked: magic, hash, number).  @return 0,
 * -errno, or -EBADMSG.
 */
int sc_segment_header(const char *dir, uint32_t number, uint64_t *first_log, int64_t *created);

/* ---- the writer's segment catalog (retention.c) ---------------------------- */

struct sc_seg_info {
	uint32_t number;
	uint64_t first_log;       /* log index of its first block */
	uint64_t blocks;
	uint64_t bytes;           /* file size */
	int64_t created_ns;       /* segment header */
	int64_t written_ns;       /* last written: the file's mtime, or this writer's clock */
	int64_t oldest_ns;        /* receive times of its records; 0: no block */
	int64_t newest_ns;
};

/* Segments on disk, oldest first; *open: the last one is being written. */
const struct sc_seg_info *sc_store_catalog(const struct sc_store *s, uint32_t *n, bool *open);
/* Log entries below this were removed by retention (0: none). */
uint64_t sc_store_kept_from(const struct sc_store *s);
/*
 * Where lane @p lane's newest block is: its log index, and the segment
 * holding it (UINT32_MAX: a removed segment, or no block yet).
 */
void sc_store_lane_where(const struct sc_store *s, uint32_t lane, uint64_t *index,
			 uint32_t *segment);
/*
 * Remove the @p n oldest segment files (never the newest), sync the
 * directory, forget them.  @return 0 or -errno (those removed stay removed).
 */
int sc_store_drop_segments(struct sc_store *s, uint32_t n, char *errbuf, size_t errlen);
/*
 * The anchors of the retention event in the block at @p segment/@p offset
 * (the newest block of SC_STORE_LANE).  @return 1, 0 (no retention event
 * there), or -errno.
 */
struct sc_retention_event;
int sc_retention_read_event(const char *dir, uint32_t segment, uint64_t offset,
			    struct sc_retention_event *ev);

#endif

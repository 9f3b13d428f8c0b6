/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <sealcap/checkpoint.h>
#include <sealcap/log.h>
#include <sealcap/index.h>
#include <sealcap/retention.h>
#include <sealcap/store.h>

#include "checkpoint_priv.h"
#include "le.h"
#include "store_priv.h"

/* Segment header layout (docs/FORMAT.md). */
enum {
	S_MAGIC = 0,      /* 8 bytes "SCSEGMNT" */
	S_VERSION = 8,    /* u16 */
	S_HDRLEN = 10,    /* u16 128 */
	S_NUMBER = 12,    /* u32 */
	S_CREATED = 16,   /* i64 ns */
	S_STOREID = 24,   /* 32 */
	S_FIRSTLOG = 56,  /* u64 log index of the first block */
	/* 64..95 reserved, zero */
	S_HASH = 96,      /* SHA-256 of bytes 0..95 */
};
_Static_assert(S_HASH + SC_HASH_LEN == SC_SEG_HDR_LEN, "segment header");

int64_t
sc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void __attribute__((format(printf, 3, 4)))
errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void
sc_segment_path(const char *dir, uint32_t n, char *out, size_t len)
{
	snprintf(out, len, "%s/segments/%08" PRIu32 ".seg", dir, n);
}

void
sc_segment_hdr_encode(struct sc_hasher *hs, uint32_t number, int64_t created,
		      const uint8_t store_id[SC_HASH_LEN], uint64_t first_log,
		      uint8_t out[SC_SEG_HDR_LEN])
{
	memset(out, 0, SC_SEG_HDR_LEN);
	memcpy(out + S_MAGIC, SC_SEG_MAGIC, 8);
	put_u16(out + S_VERSION, SC_FORMAT_VERSION);
	put_u16(out + S_HDRLEN, SC_SEG_HDR_LEN);
	put_u32(out + S_NUMBER, number);
	put_u64(out + S_CREATED, (uint64_t)created);
	memcpy(out + S_STOREID, store_id, SC_HASH_LEN);
	put_u64(out + S_FIRSTLOG, first_log);
	sc_sha256(hs, out, S_HASH, NULL, 0, out + S_HASH);
}

enum sc_error
sc_segment_hdr_check(struct sc_hasher *hs, const uint8_t in[SC_SEG_HDR_LEN],
		     uint32_t *number, uint64_t *first_log, uint8_t store_id[SC_HASH_LEN])
{
	uint8_t h[SC_HASH_LEN];

	if (memcmp(in + S_MAGIC, SC_SEG_MAGIC, 8) != 0 ||
	    get_u16(in + S_VERSION) != SC_FORMAT_VERSION ||
	    get_u16(in + S_HDRLEN) != SC_SEG_HDR_LEN)
		return SC_E_SEG_MAGIC;
	sc_sha256(hs, in, S_HASH, NULL, 0, h);
	if (memcmp(h, in + S_HASH, SC_HASH_LEN) != 0)
		return SC_E_SEG_HASH;
	*number = get_u32(in + S_NUMBER);
	*first_log = get_u64(in + S_FIRSTLOG);
	memcpy(store_id, in + S_STOREID, SC_HASH_LEN);
	return SC_E_OK;
}

int
sc_segment_header(const char *dir, uint32_t number, uint64_t *first_log, int64_t *created)
{
	char path[4200];
	uint8_t hdr[SC_SEG_HDR_LEN], sid[SC_HASH_LEN];
	struct sc_hasher *hs;
	uint32_t num = 0;
	ssize_t n;
	int fd, rc = 0;

	sc_segment_path(dir, number, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	hs = sc_hasher_new();
	if (hs == NULL)
		return -ENOMEM;
	if (n != (ssize_t)sizeof(hdr) ||
	    sc_segment_hdr_check(hs, hdr, &num, first_log, sid) != SC_E_OK || num != number)
		rc = -EBADMSG;
	else if (created != NULL)
		*created = (int64_t)get_u64(hdr + S_CREATED);
	sc_hasher_free(hs);
	return rc;
}

/* ---- store.json ---------------------------------------------------------- */

/*
 * store.json is written once, by us, in a fixed shape.  Its identity is the
 * hash of its bytes; the only field read back is "origin", found by its key
 * (the value is restricted at creation to characters that need no escaping).
 */
static int
origin_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == '"' || *s == '\\' ||
		    (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
sc_store_json_read(const char *dir, struct sc_hasher *hs, uint8_t id[SC_HASH_LEN],
		   char *origin, size_t olen, int *version, char *errbuf, size_t errlen)
{
	char path[4096], buf[4096];
	const char *key = "\"origin\": \"", *p, *e;
	const char *vkey = "\"format_version\": ";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/store.json", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errf(errbuf, errlen, "%s: %s (not a sealcap store?)", path, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errf(errbuf, errlen, "%s: empty or unreadable", path);
		return -EBADMSG;
	}
	buf[n] = '\0';
	sc_sha256(hs, buf, (size_t)n, NULL, 0, id);
	if (strstr(buf, "\"format\": \"sealcap-store\"") == NULL ||
	    (p = strstr(buf, key)) == NULL ||
	    (e = strchr(p + strlen(key), '"')) == NULL) {
		errf(errbuf, errlen, "%s: not a sealcap store description", path);
		return -EBADMSG;
	}
	p += strlen(key);
	snprintf(origin, olen, "%.*s", (int)(e - p), p);
	p = strstr(buf, vkey);
	*version = p ? atoi(p + strlen(vkey)) : 0;
	if (*version < 1 || *version > SC_STORE_VERSION) {
		errf(errbuf, errlen, "%s: store format version %d: this sealcap reads 1..%d",
		     path, *version, SC_STORE_VERSION);
		return -EBADMSG;
	}
	return 0;
}

static int
write_file_sync(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp); /* a crash's leftover: the new file gets our mode */
	fd = sc_open_mode(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
sc_open_mode(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags | O_CREAT | O_EXCL, mode);

	if (fd >= 0) {
		if (fchmod(fd, mode) != 0) {
			int e = errno;

			close(fd);
			unlink(path);
			errno = e;
			return -1;
		}
		return fd;
	}
	if (errno != EEXIST || (flags & O_EXCL))
		return -1;
	return open(path, flags & ~O_CREAT, mode);
}

int
sc_mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0)
		return -1;
	return chmod(path, mode);
}

int
sc_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static int
store_create(const char *dir, const char *origin, char *errbuf, size_t errlen)
{
	char path[4096], json[1024], host[256] = "localhost", org[300], when[64];
	uint8_t rnd[16];
	char rhex[33];
	int64_t now = sc_now_ns();
	time_t secs = (time_t)(now / 1000000000);
	struct tm tm;
	struct stat st;
	int rc;

	if (sc_mkdir_mode(dir, 0750) != 0 && errno != EEXIST) {
		errf(errbuf, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -errno;
	}
	/* EEXIST from mkdir may be a file: that is -ENOTDIR, not "not empty". */
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		errf(errbuf, errlen, "%s: %s", dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (!dir_is_empty(dir)) {
		errf(errbuf, errlen, "%s: directory is not empty and holds no store.json", dir);
		return -EEXIST;
	}
	if (origin == NULL) {
		gethostname(host, sizeof(host) - 1);
		snprintf(org, sizeof(org), "sealcap/%s", host);
		origin = org;
	}
	if (!origin_ok(origin)) {
		errf(errbuf, errlen, "origin '%s': use 1-200 printable ASCII characters, no space, quote or backslash",
		     origin);
		return -EINVAL;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		errf(errbuf, errlen, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	for (int i = 0; i < 16; i++)
		snprintf(rhex + 2 * i, 3, "%02x", rnd[i]);
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(json, sizeof(json),
		 "{\n"
		 "  \"format\": \"sealcap-store\",\n"
		 "  \"format_version\": %d,\n"
		 "  \"origin\": \"%s\",\n"
		 "  \"instance\": \"%s\",\n"
		 "  \"created\": \"%s\",\n"
		 "  \"created_ns\": %" PRId64 "\n"
		 "}\n",
		 SC_STORE_VERSION, origin, rhex, when, now);
	snprintf(path, sizeof(path), "%s/segments", dir);
	if (sc_mkdir_mode(path, 0750) != 0 && errno != EEXIST) {
		errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/store.json", dir);
	rc = write_file_sync(path, json, strlen(json), 0640);
	if (rc == 0)
		rc = sc_fsync_dir(dir);
	if (rc != 0)
		errf(errbuf, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

/* Segment numbers present in DIR/segments, sorted. */
static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
sc_segment_list(const char *dir, uint32_t **out, uint32_t *count)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	uint32_t *v = NULL, n = 0, cap = 0;

	snprintf(path, sizeof(path), "%s/segments", dir);
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long num;

		if (strlen(e->d_name) != 12 || strcmp(e->d_name + 8, ".seg") != 0)
			continue;
		num = strtoul(e->d_name, &end, 10);
		if (end != e->d_name + 8 || num > UINT32_MAX)
			continue;
		if (n == cap) {
			uint32_t *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (nv == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (uint32_t)num;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_u32);
	*out = v;
	*count = n;
	return 0;
}

/* ---- leaves and checkpoints (shared with verify) --------------------------- */

int
sc_store_leaves_load(const char *dir, uint8_t (**out)[SC_HASH_LEN], uint64_t *n,
		     uint64_t *stray)
{
	char path[4200], *buf;
	size_t len;
	int rc;

	*out = NULL;
	*n = 0;
	*stray = 0;
	snprintf(path, sizeof(path), "%s/leaves", dir);
	rc = sc_read_file(path, &buf, &len, (size_t)1 << 40);
	if (rc != 0)
		return rc;
	*n = len / SC_HASH_LEN;
	*stray = len % SC_HASH_LEN;
	*out = (uint8_t (*)[SC_HASH_LEN])buf;
	return 0;
}

int
sc_store_checkpoints_load(const char *dir, char **buf, size_t *len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/checkpoints", dir);
	return sc_read_file(path, buf, len, (size_t)1 << 40);
}

/* ---- writer ------------------------------------------------------------- */

struct sc_store {
	struct sc_store_opts o;
	char dir[4096];
	char origin[256];
	int version;            /* store.json format_version */
	struct sc_hasher *hs;
	uint8_t id[SC_HASH_LEN];
	struct sc_lane_state lane[SC_STORE_MAX_LANES];
	uint64_t log_size;
	uint64_t synced;
	uint64_t bytes;
	uint32_t next_segment;
	int fd;                 /* open segment, -1 when none */
	uint32_t segment;
	uint64_t seg_size;
	int64_t seg_created;
	int64_t dirty_since;    /* first unsynced write, 0 when clean */
	uint64_t written;       /* blocks written (== log_size), for synced */
	/* the log tree */
	int leaves_fd;          /* STORE/leaves, O_APPEND; leaf i at 32*i */
	struct sc_log_frontier tree;
	bool leaves_dirty;
	int ckpt_fd;            /* STORE/checkpoints, opened at the first checkpoint */
	uint64_t signed_size;   /* tree size of the last checkpoint */
	uint64_t checkpoints;   /* written by this writer */
	struct sc_store_recovery recovery;  /* what open cut from a torn tail */
	struct sc_index_writer *ix; /* index sidecars: a cache, NULL without */
	/* retention: segments on disk, oldest first; where each lane's newest block is */
	struct sc_seg_info *cat;
	uint32_t ncat, catcap;
	uint64_t kept_from;     /* log entries below were removed by retention */
	struct {
		uint64_t index;
		uint32_t segment;   /* UINT32_MAX: none, or in a removed segment */
		uint64_t offset;
	} where[SC_STORE_MAX_LANES];
};

/* True when every byte of @p path from @p off to its end is zero. */
static bool
zeros_to_end(const char *path, uint64_t off)
{
	uint8_t buf[65536];
	bool zero = true;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (zero && (n = pread(fd, buf, sizeof(buf), (off_t)off)) > 0) {
		for (ssize_t i = 0; i < n && zero; i++)
			zero = buf[i] == 0;
		off += (uint64_t)n;
	}
	close(fd);
	return zero;
}

/*
 * True when the bytes of @p path at @p off (as many as there are, up to
 * strlen(@p magic)) equal the start of @p magic.
 */
static bool
starts_like(const char *path, uint64_t off, const char *magic)
{
	char buf[16];
	size_t want = strlen(magic);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = pread(fd, buf, want, (off_t)off);
	close(fd);
	return n > 0 && memcmp(buf, magic, (size_t)n) == 0;
}

/*
 * Crash recovery.  The writer appends each block (header and payload) in
 * one write() to the newest segment, so a crash can leave only that
 * segment's tail torn: a block cut short, a segment header cut short, a
 * size the filesystem extended over zeros, or the newest block's payload
 * pages missing (its header whole, its digest wrong).  Anything else is
 * damage and opening fails.  A torn tail is cut (the segment truncated to its last
 * whole block, or a segment with no whole header removed) and described
 * in s->recovery; the engine seals that as a "recovery" event.  Blocks a
 * checkpoint covers are never cut silently: leaves_attach refuses then.
 * @return 1 when something was cut (scan again), 0 when nothing is torn,
 * -1 when the error is not a torn tail.
 */
static int
cut_torn_tail(struct sc_store *s, const struct sc_store_pos *pos, uint32_t last_seg,
	      enum sc_error err, uint64_t block_len)
{
	char path[4200];
	struct stat st;
	bool torn;

	if (pos->segment != last_seg)
		return -1;
	sc_segment_path(s->dir, pos->segment, path, sizeof(path));
	if (stat(path, &st) != 0 || (uint64_t)st.st_size <= pos->offset)
		return -1;
	/*
	 * A prefix of what the writer writes there (a block, or at offset 0
	 * a segment header) starts with its magic; zeros are a size the
	 * filesystem extended before the data reached the disk.
	 */
	torn = zeros_to_end(path, pos->offset + block_len) ||
	       ((err == SC_E_BLK_TRUNCATED || err == SC_E_SEG_EMPTY) &&
		starts_like(path, pos->offset, pos->offset == 0 ? SC_SEG_MAGIC : "SBLK")) ||
	       /* The newest block, its header whole: its data pages missed the disk. */
	       (err == SC_E_PAYLOAD_HASH && block_len == SC_BLOCK_HDR_LEN);
	if (!torn)
		return -1;
	s->recovery.happened = true;
	s->recovery.segment = pos->segment;
	s->recovery.offset = pos->offset;
	s->recovery.cut_bytes = (uint64_t)st.st_size - pos->offset;
	s->recovery.reason = err;
	if (pos->offset == 0) {
		/* Not even a whole segment header: nothing in it was ever a block. */
		if (unlink(path) != 0)
			return -1;
	} else if (truncate(path, (off_t)pos->offset) != 0) {
		return -1;
	}
	return 1;
}

/*
 * The newest block's payload, checked at open: its header can be whole
 * while the filesystem kept zeros for the payload (size extended, data
 * never written).  @return its SC_E_* code.
 */
static enum sc_error
check_last_payload(struct sc_store *s, const struct sc_store_pos *pos,
		   const struct sc_block_hdr *h)
{
	char path[4200];
	uint8_t *buf, digest[SC_HASH_LEN];
	enum sc_error err = SC_E_OK;
	int fd;

	sc_segment_path(s->dir, pos->segment, path, sizeof(path));
	buf = malloc(h->stored_len ? h->stored_len : 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (buf == NULL || fd < 0 ||
	    pread(fd, buf, h->stored_len, (off_t)(pos->offset + SC_BLOCK_HDR_LEN)) !=
		    (ssize_t)h->stored_len) {
		err = SC_E_IO;
	} else {
		sc_sha256(s->hs, buf, h->stored_len, NULL, 0, digest);
		if (memcmp(digest, h->payload_hash, SC_HASH_LEN) != 0)
			err = SC_E_PAYLOAD_HASH;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static struct sc_seg_info *
catalog_push(struct sc_store *s, uint32_t number, uint64_t first_log, uint64_t bytes,
	     int64_t created)
{
	struct sc_seg_info *c;

	if (s->ncat == s->catcap) {
		uint32_t cap = s->catcap ? 2 * s->catcap : 64;
		struct sc_seg_info *nc = realloc(s->cat, cap * sizeof(*nc));

		if (nc == NULL)
			return NULL;
		s->cat = nc;
		s->catcap = cap;
	}
	c = &s->cat[s->ncat++];
	memset(c, 0, sizeof(*c));
	c->number = number;
	c->first_log = first_log;
	c->bytes = bytes;
	c->created_ns = created;
	c->written_ns = created;
	return c;
}

/* A block of @p h, @p total bytes, went into catalog entry @p c. */
static void
catalog_count(struct sc_seg_info *c, const struct sc_block_hdr *h)
{
	c->blocks++;
	if (c->oldest_ns == 0 || h->first_ns < c->oldest_ns)
		c->oldest_ns = h->first_ns;
	if (h->last_ns > c->newest_ns)
		c->newest_ns = h->last_ns;
}

/*
 * The catalog from the segment headers and sizes; blocks and times are
 * counted by the scan.  A store whose first segment does not start at log
 * index 0 was pruned by retention: log entries below it are gone.
 */
static int
catalog_build(struct sc_store *s, char *errbuf, size_t errlen)
{
	uint32_t *segs = NULL, n = 0;
	int rc = sc_segment_list(s->dir, &segs, &n);

	if (rc != 0) {
		errf(errbuf, errlen, "%s/segments: %s", s->dir, strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		char path[4200];
		struct stat st;
		uint64_t first = 0;
		int64_t created = 0;

		sc_segment_path(s->dir, segs[i], path, sizeof(path));
		if (stat(path, &st) != 0)
			st.st_size = 0;
		/* A damaged header is the scan's to report; count the file anyway. */
		if (sc_segment_header(s->dir, segs[i], &first, &created) != 0)
			first = i ? s->cat[i - 1].first_log : 0;
		if (catalog_push(s, segs[i], first, (uint64_t)st.st_size, created) == NULL) {
			free(segs);
			errf(errbuf, errlen, "out of memory reading %s", s->dir);
			return -ENOMEM;
		}
		s->cat[s->ncat - 1].written_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
						 st.st_mtim.tv_nsec;
	}
	free(segs);
	s->kept_from = n ? s->cat[0].first_log : 0;
	return 0;
}

/*
 * A pruned store: lanes whose newest block went with a removed segment
 * continue from the chain state the newest retention event recorded (in
 * the newest block of the store's own lane, which no pass can have
 * removed: each pass writes a newer one first).
 */
static int
restore_anchors(struct sc_store *s, const bool seen[SC_STORE_MAX_LANES], char *errbuf,
		size_t errlen)
{
	struct sc_retention_event *ev;
	int rc;

	if (s->where[SC_STORE_LANE].segment == UINT32_MAX) {
		errf(errbuf, errlen, "%s: log entries below %" PRIu64 " are gone but no retention event "
		     "says so; run 'sealctl verify %s'", s->dir, s->kept_from, s->dir);
		return -EBADMSG;
	}
	ev = malloc(sizeof(*ev));
	if (ev == NULL)
		return -ENOMEM;
	rc = sc_retention_read_event(s->dir, s->where[SC_STORE_LANE].segment,
				     s->where[SC_STORE_LANE].offset, ev);
	if (rc != 1) {
		errf(errbuf, errlen, "%s: the newest retention event (segment %08" PRIu32 " offset %"
		     PRIu64 ") cannot be read: %s; run 'sealctl verify %s'", s->dir,
		     s->where[SC_STORE_LANE].segment, s->where[SC_STORE_LANE].offset,
		     rc == 0 ? "not a retention event" : strerror(-rc), s->dir);
		free(ev);
		return -EBADMSG;
	}
	if (s->kept_from > ev->kept_index) {
		errf(errbuf, errlen, "%s: log entries below %" PRIu64 " are gone, beyond the newest "
		     "retention event (which removed those below %" PRIu64 "); run 'sealctl verify %s'",
		     s->dir, s->kept_from, ev->kept_index, s->dir);
		free(ev);
		return -EBADMSG;
	}
	for (unsigned i = 0; i < ev->nlanes; i++) {
		const struct sc_lane_anchor *a = &ev->lanes[i];
		struct sc_lane_state *l;

		if (a->lane >= SC_STORE_MAX_LANES || seen[a->lane])
			continue;
		l = &s->lane[a->lane];
		l->next_block_seq = a->next_block_seq;
		l->next_rec_seq = a->next_rec_seq;
		memcpy(l->last_hash, a->hash, SC_HASH_LEN);
		s->where[a->lane].index = a->index;
		s->where[a->lane].segment = UINT32_MAX;
	}
	free(ev);
	return 0;
}

/*
 * Restore lane chains and the log size from every block header, and
 * collect the block hashes (the log tree's leaves) into *hashes, from log
 * index kept_from on.
 * @return 0, -EAGAIN when a torn tail was cut (scan again), or -errno.
 */
static int
store_scan(struct sc_store *s, uint8_t (**hashes)[SC_HASH_LEN], char *errbuf, size_t errlen)
{
	struct sc_store_reader *r;
	struct sc_block_hdr h, last_h;
	struct sc_store_pos pos, last_pos = { 0 };
	const uint8_t *stored;
	enum sc_error err;
	uint64_t cap = 0;
	uint32_t last_seg = 0, ci = 0;
	bool seen[SC_STORE_MAX_LANES] = { false };
	int rc;

	*hashes = NULL;
	s->ncat = 0;    /* scanned again after a torn tail was cut */
	for (int i = 0; i < SC_STORE_MAX_LANES; i++) {
		memcpy(s->lane[i].last_hash, s->id, SC_HASH_LEN);
		s->where[i].segment = UINT32_MAX;
	}
	rc = catalog_build(s, errbuf, errlen);
	if (rc != 0)
		return rc;
	/* A pruned store's log starts where its first segment does. */
	s->log_size = s->kept_from;
	r = sc_store_reader_open(s->dir, errbuf, errlen);
	if (r == NULL)
		return -errno;
	sc_store_reader_headers_only(r, true);
	while ((rc = sc_store_read(r, &h, &stored, &pos, &err)) == 1) {
		struct sc_lane_state *l;

		/*
		 * After retention a lane's first block left may continue a chain
		 * whose start was removed: its predecessor is a kept leaf, and
		 * verify ties the two together.
		 */
		if (h.lane < SC_STORE_MAX_LANES && s->kept_from > 0 && !seen[h.lane])
			s->lane[h.lane].next_block_seq = h.block_seq;
		if (h.lane >= SC_STORE_MAX_LANES || h.log_index != s->log_size ||
		    h.block_seq != s->lane[h.lane].next_block_seq) {
			err = h.lane >= SC_STORE_MAX_LANES ? SC_E_BLK_MAGIC :
			      h.log_index != s->log_size ? SC_E_LOG_INDEX : SC_E_LANE_SEQ;
			rc = -1;
			break;
		}
		if (s->log_size - s->kept_from == cap) {
			uint8_t (*nh)[SC_HASH_LEN] = realloc(*hashes, (cap = cap ? 2 * cap : 1024) *
							     SC_HASH_LEN);

			if (nh == NULL) {
				sc_store_reader_close(r);
				errf(errbuf, errlen, "out of memory reading %s", s->dir);
				return -ENOMEM;
			}
			*hashes = nh;
		}
		memcpy((*hashes)[s->log_size - s->kept_from], h.block_hash, SC_HASH_LEN);
		l = &s->lane[h.lane];
		l->next_block_seq = h.block_seq + 1;
		l->next_rec_seq = h.first_seq + h.count;
		memcpy(l->last_hash, h.block_hash, SC_HASH_LEN);
		seen[h.lane] = true;
		s->where[h.lane].index = h.log_index;
		s->where[h.lane].segment = pos.segment;
		s->where[h.lane].offset = pos.offset;
		while (ci + 1 < s->ncat && s->cat[ci].number < pos.segment)
			ci++;
		if (ci < s->ncat && s->cat[ci].number == pos.segment)
			catalog_count(&s->cat[ci], &h);
		s->log_size++;
		s->next_segment = pos.segment + 1;
		last_pos = pos;
		last_h = h;
	}
	{
		uint32_t nseg = sc_store_reader_segments(r);

		if (nseg > 0) {
			uint32_t last = sc_store_reader_segment_list(r)[nseg - 1];

			last_seg = last;
			if (last + 1 > s->next_segment)
				s->next_segment = last + 1;
		}
	}
	sc_store_reader_close(r);
	/* A whole newest block over zeros is torn too: cut it, scan again. */
	if (rc == 0 && s->log_size > s->kept_from && last_pos.segment == last_seg &&
	    (err = check_last_payload(s, &last_pos, &last_h)) != SC_E_OK &&
	    cut_torn_tail(s, &last_pos, last_seg, err, SC_BLOCK_HDR_LEN) == 1)
		return -EAGAIN;
	if (rc < 0 && cut_torn_tail(s, &pos, last_seg, err, 0) == 1)
		return -EAGAIN;
	if (rc < 0) {
		errf(errbuf, errlen,
		     "%s: segment %08" PRIu32 " offset %" PRIu64 ": %s; run 'sealctl verify %s'",
		     s->dir, pos.segment, pos.offset, sc_error_text(err), s->dir);
		return -EBADMSG;
	}
	s->synced = s->log_size;
	if (s->kept_from > 0)
		return restore_anchors(s, seen, errbuf, errlen);
	return 0;
}

/*
 * Size of the last complete checkpoint in STORE/checkpoints (its signature
 * is verify's business), cutting off a note the writer was still writing
 * when it stopped: one that never got its ending empty line was never
 * synced, so never handed to anyone.
 */
static int
checkpoints_scan(struct sc_store *s, char *errbuf, size_t errlen)
{
	char path[4200], *buf;
	size_t len, off = 0, a, b, next, good = 0;
	int rc = sc_store_checkpoints_load(s->dir, &buf, &len), k;

	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		errf(errbuf, errlen, "%s/checkpoints: %s", s->dir, strerror(-rc));
		return rc;
	}
	while ((k = sc_checkpoints_next(buf, len, off, &a, &b, &next)) == 1) {
		struct sc_note n;
		struct sc_checkpoint c;

		if (sc_note_open(buf + a, b - a, NULL, NULL, &n) != SC_NOTE_MALFORMED &&
		    sc_checkpoint_parse(buf + a, n.text_len, &c) == 0 && c.size > s->signed_size)
			s->signed_size = c.size;
		off = good = next;
	}
	/*
	 * A torn write is one note cut short: the file just runs out.  Bytes
	 * that are wrong in shape, or longer than a note, are left for verify.
	 */
	if (k < 0 && b == len && len - good < SC_CHECKPOINT_MAX) {
		snprintf(path, sizeof(path), "%s/checkpoints", s->dir);
		if (truncate(path, (off_t)good) != 0) {
			rc = -errno;
			errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		}
	}
	free(buf);
	return rc;
}

/*
 * Bring STORE/leaves in line with the blocks: the writer appends a block,
 * then its leaf, so after a crash the file may lack the last leaves (added
 * here from the block headers) or keep leaves of blocks that never reached
 * the disk (cut, unless a checkpoint covers them: then blocks that were
 * signed are gone and only verify can say more).  A leaf that differs from
 * its block is damage.
 */
static int
leaves_attach(struct sc_store *s, uint8_t (*hashes)[SC_HASH_LEN], char *errbuf, size_t errlen)
{
	char path[4200];
	uint8_t leaf[SC_HASH_LEN];
	struct stat st;
	uint64_t nl;
	int rc;

	snprintf(path, sizeof(path), "%s/leaves", s->dir);
	s->leaves_fd = sc_open_mode(path, O_RDWR | O_APPEND | O_CLOEXEC, 0640);
	if (s->leaves_fd < 0 || fstat(s->leaves_fd, &st) != 0) {
		errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	nl = (uint64_t)st.st_size / SC_HASH_LEN;
	/* Removed blocks live on as leaves only: those must all be there. */
	if (nl < s->kept_from) {
		errf(errbuf, errlen, "%s: %" PRIu64 " leaves, but log entries up to %" PRIu64 " were "
		     "removed by retention and only their leaves remain; run 'sealctl verify %s'",
		     path, nl, s->kept_from, s->dir);
		return -EBADMSG;
	}
	for (uint64_t i = s->kept_from; i < nl && i < s->log_size; i++) {
		if (pread(s->leaves_fd, leaf, SC_HASH_LEN, (off_t)(i * SC_HASH_LEN)) != SC_HASH_LEN) {
			errf(errbuf, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
			return -EIO;
		}
		if (memcmp(leaf, hashes[i - s->kept_from], SC_HASH_LEN) != 0) {
			errf(errbuf, errlen, "%s: leaf %" PRIu64 " differs from the hash of block %" PRIu64
			     "; run 'sealctl verify %s'", path, i, i, s->dir);
			return -EBADMSG;
		}
	}
	if (s->signed_size > s->log_size) {
		errf(errbuf, errlen, "%s: a checkpoint covers %" PRIu64 " blocks but the segments hold %"
		     PRIu64 ": signed blocks are missing; run 'sealctl verify %s'",
		     s->dir, s->signed_size, s->log_size, s->dir);
		return -EBADMSG;
	}
	if (nl > s->log_size || (uint64_t)st.st_size % SC_HASH_LEN) {
		nl = nl < s->log_size ? nl : s->log_size;
		if (ftruncate(s->leaves_fd, (off_t)(nl * SC_HASH_LEN)) != 0) {
			errf(errbuf, errlen, "%s: %s", path, strerror(errno));
			return -errno;
		}
	}
	if (nl < s->log_size) {
		size_t len = (size_t)(s->log_size - nl) * SC_HASH_LEN;

		if (write(s->leaves_fd, hashes[nl - s->kept_from], len) != (ssize_t)len ||
		    fdatasync(s->leaves_fd) != 0) {
			rc = errno ? -errno : -ENOSPC;
			errf(errbuf, errlen, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	if (st.st_size == 0 && s->log_size == 0)
		sc_fsync_dir(s->dir);
	sc_log_frontier_init(&s->tree);
	for (uint64_t i = 0; i < s->kept_from; i++) {
		if (pread(s->leaves_fd, leaf, SC_HASH_LEN, (off_t)(i * SC_HASH_LEN)) != SC_HASH_LEN) {
			errf(errbuf, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
			return -EIO;
		}
		sc_log_frontier_push(s->hs, &s->tree, leaf);
	}
	for (uint64_t i = s->kept_from; i < s->log_size; i++)
		sc_log_frontier_push(s->hs, &s->tree, hashes[i - s->kept_from]);
	return 0;
}

int
sc_store_open(const struct sc_store_opts *o, struct sc_store **out, char *errbuf,
	      size_t errlen)
{
	struct sc_store *s;
	uint8_t (*hashes)[SC_HASH_LEN] = NULL;
	char path[4200];
	struct stat st;
	int rc, version;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/store.json", o->dir);
	if (stat(path, &st) != 0) {
		rc = store_create(o->dir, o->origin, errbuf, errlen);
		if (rc != 0)
			return rc;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->o = *o;
	s->fd = -1;
	s->leaves_fd = -1;
	s->ckpt_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", o->dir);
	s->o.dir = s->dir;
	if (s->o.segment_bytes == 0)
		s->o.segment_bytes = SC_SEGMENT_BYTES_DEFAULT;
	s->hs = sc_hasher_new();
	if (s->hs == NULL) {
		free(s);
		return -ENOMEM;
	}
	rc = sc_store_json_read(s->dir, s->hs, s->id, s->origin, sizeof(s->origin), &version,
				errbuf, errlen);
	s->version = version;
	/* A torn tail is cut and the store scanned again (twice at most: a torn
	 * block, then the zeros a filesystem left before it). */
	for (int tries = 0; rc == 0 && tries < 3; tries++) {
		struct sc_store_recovery seen = s->recovery;

		free(hashes);
		hashes = NULL;
		memset(s->lane, 0, sizeof(s->lane));
		s->log_size = 0;
		s->next_segment = 0;
		rc = store_scan(s, &hashes, errbuf, errlen);
		if (rc != -EAGAIN)
			break;
		if (seen.happened) {
			/* Report the whole cut: from the earliest offset to the old end. */
			s->recovery.cut_bytes += seen.cut_bytes;
		}
		rc = 0;
	}
	if (rc == -EAGAIN) {
		errf(errbuf, errlen, "%s: the tail keeps failing after cutting torn blocks; run "
		     "'sealctl verify %s'", s->dir, s->dir);
		rc = -EBADMSG;
	}
	if (rc == 0)
		rc = checkpoints_scan(s, errbuf, errlen);
	if (rc == 0)
		rc = leaves_attach(s, hashes, errbuf, errlen);
	free(hashes);
	if (rc != 0) {
		if (s->leaves_fd >= 0)
			close(s->leaves_fd);
		sc_hasher_free(s->hs);
		free(s->cat);
		free(s);
		return rc;
	}
	/* Without memory for it the store works on, unindexed. */
	s->ix = sc_index_writer_new(s->dir, s->id);
	*out = s;
	return 0;
}

const struct sc_lane_state *
sc_store_lane(const struct sc_store *s, uint32_t lane)
{
	return lane < SC_STORE_MAX_LANES ? &s->lane[lane] : NULL;
}

static int
segment_start(struct sc_store *s)
{
	char path[4200];
	uint8_t hdr[SC_SEG_HDR_LEN];
	int fd;

	sc_segment_path(s->dir, s->next_segment, path, sizeof(path));
	fd = sc_open_mode(path, O_WRONLY | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	s->seg_created = sc_now_ns();
	sc_segment_hdr_encode(s->hs, s->next_segment, s->seg_created, s->id,
			      s->log_size, hdr);
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		int rc = errno ? -errno : -ENOSPC;

		close(fd);
		unlink(path);
		return rc;
	}
	/* The new name must survive a crash before any block is synced. */
	snprintf(path, sizeof(path), "%s/segments", s->dir);
	if (s->o.fsync != SC_FSYNC_NONE) {
		fdatasync(fd);
		sc_fsync_dir(path);
	}
	if (catalog_push(s, s->next_segment, s->log_size, SC_SEG_HDR_LEN, s->seg_created) == NULL) {
		close(fd);
		sc_segment_path(s->dir, s->next_segment, path, sizeof(path));
		unlink(path);
		return -ENOMEM;
	}
	s->fd = fd;
	s->segment = s->next_segment++;
	s->seg_size = SC_SEG_HDR_LEN;
	s->bytes += SC_SEG_HDR_LEN;
	return 0;
}

int
sc_store_rotate(struct sc_store *s)
{
	int rc = 0;

	if (s->fd < 0)
		return 0;
	rc = sc_store_sync(s);
	close(s->fd);
	s->fd = -1;
	return rc;
}

int
sc_store_sync(struct sc_store *s)
{
	if (s->synced == s->log_size)
		return 0;
	/* Blocks before their leaves: a synced leaf always has its block. */
	if (s->fd >= 0 && fdatasync(s->fd) != 0)
		return -errno;
	if (s->leaves_dirty && fdatasync(s->leaves_fd) != 0)
		return -errno;
	s->leaves_dirty = false;
	s->synced = s->log_size;
	s->dirty_since = 0;
	return 0;
}

int
sc_store_tick(struct sc_store *s, int64_t now)
{
	if (s->o.fsync == SC_FSYNC_INTERVAL && s->dirty_since &&
	    now - s->dirty_since >= (int64_t)s->o.fsync_ms * 1000000)
		return sc_store_sync(s);
	return 0;
}

int
sc_store_append(struct sc_store *s, struct sc_block_hdr *h, const uint8_t *stored)
{
	uint8_t hdr[SC_BLOCK_HDR_LEN];
	struct sc_lane_state *l;
	struct iovec iov[2];
	size_t total = SC_BLOCK_HDR_LEN + h->stored_len;
	ssize_t n;
	int rc;

	if (h->lane >= SC_STORE_MAX_LANES)
		return -EINVAL;
	l = &s->lane[h->lane];
	if (s->fd >= 0 &&
	    (s->seg_size + total > s->o.segment_bytes ||
	     (s->o.segment_seconds &&
	      sc_now_ns() - s->seg_created >= (int64_t)s->o.segment_seconds * 1000000000)) &&
	    s->seg_size > SC_SEG_HDR_LEN) {
		rc = sc_store_rotate(s);
		if (rc != 0)
			return rc;
	}
	if (s->fd < 0 && (rc = segment_start(s)) != 0)
		return rc;

	/* The writer numbers blocks as it appends, so a block lost to a write
	 * error leaves no hole in the lane's block sequence or chain. */
	h->block_seq = l->next_block_seq;
	h->log_index = s->log_size;
	/* Blocks this lane sealed but could not write: their record numbers are gone. */
	if (h->first_seq < l->next_rec_seq)
		return -EINVAL;
	h->lost = h->first_seq - l->next_rec_seq;
	h->segment = s->segment;
	memcpy(h->prev_hash, l->last_hash, SC_HASH_LEN);
	memset(h->block_hash, 0, SC_HASH_LEN);
	sc_block_hdr_encode(h, hdr);
	sc_block_hash(s->hs, hdr, h->block_hash);
	memcpy(hdr + SC_BLOCK_HASHED_LEN, h->block_hash, SC_HASH_LEN);

	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)stored;
	iov[1].iov_len = h->stored_len;
	n = writev(s->fd, iov, 2);
	if (n != (ssize_t)total) {
		rc = n < 0 ? -errno : -ENOSPC;
		/* Leave no half block behind: cut back to the last whole one. */
		if (n > 0 && ftruncate(s->fd, (off_t)s->seg_size) != 0)
			rc = -errno;
		return rc;
	}
	/*
	 * Its leaf: leaf i lives at 32*i, so a leaf that cannot be written
	 * takes its block back out, or every later leaf would sit one off.
	 */
	n = write(s->leaves_fd, h->block_hash, SC_HASH_LEN);
	if (n != SC_HASH_LEN) {
		rc = n < 0 ? -errno : -ENOSPC;
		if (n > 0 && ftruncate(s->leaves_fd, (off_t)(s->log_size * SC_HASH_LEN)) != 0)
			rc = -errno;
		if (ftruncate(s->fd, (off_t)s->seg_size) != 0)
			rc = -errno;
		return rc;
	}
	s->leaves_dirty = true;
	sc_log_frontier_push(s->hs, &s->tree, h->block_hash);
	s->where[h->lane].index = h->log_index;
	s->where[h->lane].segment = s->segment;
	s->where[h->lane].offset = s->seg_size;
	catalog_count(&s->cat[s->ncat - 1], h);
	s->cat[s->ncat - 1].bytes += total;
	s->cat[s->ncat - 1].written_ns = sc_now_ns();
	s->seg_size += total;
	s->bytes += total;
	s->log_size++;
	l->next_block_seq++;
	l->next_rec_seq = h->first_seq + h->count;
	memcpy(l->last_hash, h->block_hash, SC_HASH_LEN);
	/* The block is whole on disk: summarise it for search (index.h). */
	sc_index_writer_append(s->ix, h, s->seg_size - total, stored);

	switch (s->o.fsync) {
	case SC_FSYNC_BLOCK:
		return sc_store_sync(s);
	case SC_FSYNC_INTERVAL:
		if (s->dirty_since == 0)
			s->dirty_since = sc_now_ns();
		return 0;
	default:
		return 0;
	}
}

uint64_t sc_store_size(const struct sc_store *s) { return s->log_size; }
uint64_t sc_store_synced(const struct sc_store *s) { return s->synced; }

const struct sc_store_recovery *
sc_store_recovered(const struct sc_store *s)
{
	return s->recovery.happened ? &s->recovery : NULL;
}
uint64_t sc_store_bytes(const struct sc_store *s) { return s->bytes; }
uint64_t sc_store_signed(const struct sc_store *s) { return s->signed_size; }
uint64_t sc_store_checkpoints(const struct sc_store *s) { return s->checkpoints; }
const char *sc_store_origin(const struct sc_store *s) { return s->origin; }
int sc_store_version(const struct sc_store *s) { return s->version; }
uint64_t sc_store_kept_from(const struct sc_store *s) { return s->kept_from; }

const struct sc_seg_info *
sc_store_catalog(const struct sc_store *s, uint32_t *n, bool *open)
{
	*n = s->ncat;
	*open = s->fd >= 0;
	return s->cat;
}

void
sc_store_lane_where(const struct sc_store *s, uint32_t lane, uint64_t *index, uint32_t *segment)
{
	*index = s->where[lane].index;
	*segment = s->where[lane].segment;
}

int
sc_store_drop_segments(struct sc_store *s, uint32_t n, char *errbuf, size_t errlen)
{
	char path[4200];
	uint32_t k;
	int rc = 0;

	if (n >= s->ncat)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		sc_segment_path(s->dir, s->cat[k].number, path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = -errno;
			errf(errbuf, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		/* Its index sidecar goes too (a stale one is harmless: best effort). */
		(void)sc_index_remove(s->dir, s->cat[k].number);
	}
	snprintf(path, sizeof(path), "%s/segments", s->dir);
	if (k > 0) {
		int frc = sc_fsync_dir(path);

		if (rc == 0 && frc != 0) {
			rc = frc;
			errf(errbuf, errlen, "%s: %s", path, strerror(-frc));
		}
		memmove(s->cat, s->cat + k, (s->ncat - k) * sizeof(*s->cat));
		s->ncat -= k;
		s->kept_from = s->cat[0].first_log;
		for (int l = 0; l < SC_STORE_MAX_LANES; l++)
			if (s->where[l].segment != UINT32_MAX && s->where[l].segment < s->cat[0].number)
				s->where[l].segment = UINT32_MAX;
	}
	return rc;
}
const char *sc_store_dir(const struct sc_store *s) { return s->dir; }

void
sc_store_root(const struct sc_store *s, uint8_t out[SC_HASH_LEN])
{
	sc_log_frontier_root(s->hs, &s->tree, out);
}

int
sc_store_checkpoint(struct sc_store *s, struct sc_signer *sg, char *errbuf, size_t errlen)
{
	struct sc_checkpoint c;
	char body[SC_CHECKPOINT_MAX], note[SC_CHECKPOINT_MAX + 1];
	int n, rc;

	if (s->log_size == 0 || s->log_size == s->signed_size)
		return 0;
	/*
	 * Never sign what a crash could take back: blocks and leaves are on
	 * stable storage before the checkpoint that covers them is written.
	 */
	rc = sc_store_sync(s);
	if (rc != 0) {
		errf(errbuf, errlen, "%s: sync before checkpoint: %s", s->dir, strerror(-rc));
		return rc;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%.*s", SC_KEYNAME_MAX, s->origin);
	c.size = s->log_size;
	sc_log_frontier_root(s->hs, &s->tree, c.root);
	n = sc_checkpoint_format(&c, body, sizeof(body));
	if (n > 0)
		n = sc_note_sign(&sg, 1, body, (size_t)n, note, sizeof(note) - 1);
	if (n < 0) {
		errf(errbuf, errlen, "%s: signing checkpoint: %s", s->dir, strerror(-n));
		return n;
	}
	note[n++] = '\n'; /* the empty line that ends a note in the file */
	if (s->ckpt_fd < 0) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/checkpoints", s->dir);
		s->ckpt_fd = sc_open_mode(path, O_WRONLY | O_APPEND | O_CLOEXEC, 0640);
		if (s->ckpt_fd < 0) {
			rc = -errno;
			errf(errbuf, errlen, "%s: %s", path, strerror(errno));
			return rc;
		}
		sc_fsync_dir(s->dir);
	}
	if (write(s->ckpt_fd, note, (size_t)n) != n || fdatasync(s->ckpt_fd) != 0) {
		rc = errno ? -errno : -ENOSPC;
		errf(errbuf, errlen, "%s/checkpoints: %s", s->dir, strerror(-rc));
		return rc;
	}
	s->signed_size = s->log_size;
	s->checkpoints++;
	return 1;
}

int
sc_store_put_key(struct sc_store *s, const char *name, const char *data, size_t len)
{
	char path[4200], *old;
	size_t olen;
	int rc;

	snprintf(path, sizeof(path), "%s/keys", s->dir);
	if (sc_mkdir_mode(path, 0750) != 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/keys/%s", s->dir, name);
	rc = sc_read_file(path, &old, &olen, (size_t)1 << 30);
	if (rc == 0) {
		rc = olen == len && memcmp(old, data, len) == 0 ? 0 : -EEXIST;
		free(old);
		return rc;
	}
	rc = write_file_sync(path, data, len, 0640);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/keys", s->dir);
		rc = sc_fsync_dir(path);
	}
	return rc;
}

int
sc_store_close(struct sc_store *s)
{
	int rc;

	if (s == NULL)
		return 0;
	rc = sc_store_rotate(s);
	if (rc == 0)
		rc = sc_store_sync(s);
	if (s->leaves_fd >= 0)
		close(s->leaves_fd);
	if (s->ckpt_fd >= 0)
		close(s->ckpt_fd);
	sc_index_writer_free(s->ix);
	sc_hasher_free(s->hs);
	free(s->cat);
	free(s);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <rte_hash_crc.h>

#include <sealcap/sources.h>

/* liburcu's caa_container_of() casts its const temporary to char *: clang says so. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wcast-qual"
#endif

struct entry {
	struct cds_lfht_node node;
	uint8_t addr[16];
	uint8_t family;
	/* One writer (the owner lane); relaxed atomics for the readers. */
	_Atomic uint64_t msgs, bytes, parse_errors, drops, skew_count;
	_Atomic int64_t first_ns, last_ns, skew_last, skew_min, skew_max, skew_sum_ms;
};

struct sc_sources {
	struct cds_lfht *ht;
	struct entry *pool;
	unsigned max;
	atomic_uint used;
	struct entry overflow;   /* counts sources beyond the pool */
	atomic_bool overflow_used;
};

#define PARSE_ERRORS (SC_SL_BAD_PRI | SC_SL_BAD_TIMESTAMP | SC_SL_BAD_SD | SC_SL_NONCOMPLIANT)

static inline unsigned long
hash_addr(const uint8_t addr[16])
{
	return rte_hash_crc(addr, 16, 0x50c);
}

static int
match(struct cds_lfht_node *node, const void *key)
{
	const struct entry *e = caa_container_of(node, struct entry, node);

	return memcmp(e->addr, key, 16) == 0;
}

struct sc_sources *
sc_sources_new(unsigned max_sources)
{
	struct sc_sources *s;
	unsigned long buckets = 1;

	if (max_sources == 0 || max_sources > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->pool = calloc(max_sources, sizeof(*s->pool));
	while (buckets < max_sources)
		buckets <<= 1;
	/*
	 * Fixed size, no auto-resize: the pool bounds the entries, so the
	 * table never needs to grow, and no call_rcu worker is involved.
	 */
	s->ht = cds_lfht_new_flavor(buckets, buckets, buckets, 0, &urcu_qsbr_flavor, NULL);
	if (s->pool == NULL || s->ht == NULL) {
		sc_sources_free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->max = max_sources;
	atomic_init(&s->overflow.skew_min, INT64_MAX);
	atomic_init(&s->overflow.skew_max, INT64_MIN);
	return s;
}

void
sc_sources_free(struct sc_sources *s)
{
	if (s == NULL)
		return;
	if (s->ht != NULL) {
		struct cds_lfht_iter it;
		struct entry *e;

		/*
		 * cds_lfht_destroy refuses a table that still holds nodes.  The
		 * entries live in our pool, so unlinking them is all it takes;
		 * no reader can remain (the caller's contract), so no grace
		 * period is needed before the pool goes.
		 */
		urcu_qsbr_register_thread();
		urcu_qsbr_read_lock();
		cds_lfht_for_each_entry(s->ht, &it, e, node)
			cds_lfht_del(s->ht, &e->node);
		urcu_qsbr_read_unlock();
		urcu_qsbr_unregister_thread();
		cds_lfht_destroy(s->ht, NULL);
	}
	free(s->pool);
	free(s);
}

void sc_sources_thread_register(void) { urcu_qsbr_register_thread(); }
void sc_sources_thread_unregister(void) { urcu_qsbr_unregister_thread(); }
void sc_sources_thread_online(void) { urcu_qsbr_thread_online(); }
void sc_sources_thread_offline(void) { urcu_qsbr_thread_offline(); }
void sc_sources_quiescent(void) { urcu_qsbr_quiescent_state(); }

/* Find or insert the entry of an address.  Caller holds the read lock. */
static struct entry *
find(struct sc_sources *s, const uint8_t addr[16], uint8_t family, bool create)
{
	unsigned long h = hash_addr(addr);
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct entry *e;
	unsigned idx;

	cds_lfht_lookup(s->ht, h, match, addr, &it);
	n = cds_lfht_iter_get_node(&it);
	if (n != NULL)
		return caa_container_of(n, struct entry, node);
	if (!create)
		return NULL;
	idx = atomic_fetch_add_explicit(&s->used, 1, memory_order_relaxed);
	if (idx >= s->max) {
		atomic_store_explicit(&s->used, s->max, memory_order_relaxed);
		atomic_store_explicit(&s->overflow_used, true, memory_order_relaxed);
		return &s->overflow;
	}
	e = &s->pool[idx];
	memcpy(e->addr, addr, 16);
	e->family = family;
	atomic_init(&e->skew_min, INT64_MAX);
	atomic_init(&e->skew_max, INT64_MIN);
	cds_lfht_node_init(&e->node);
	n = cds_lfht_add_unique(s->ht, h, match, addr, &e->node);
	/*
	 * Another thread added the same address first (only drops can race
	 * with the owner lane): use theirs; our pool slot stays unused, which
	 * is bounded by the number of racing sources.
	 */
	return caa_container_of(n, struct entry, node);
}

#define RLX memory_order_relaxed

void
sc_sources_record(struct sc_sources *s, const struct sc_record *r)
{
	struct entry *e;

	urcu_qsbr_read_lock();
	e = find(s, r->addr, r->family, true);
	if (atomic_load_explicit(&e->msgs, RLX) == 0)
		atomic_store_explicit(&e->first_ns, r->rx_ns, RLX);
	atomic_store_explicit(&e->msgs, atomic_load_explicit(&e->msgs, RLX) + 1, RLX);
	atomic_store_explicit(&e->bytes, atomic_load_explicit(&e->bytes, RLX) + r->raw_len, RLX);
	atomic_store_explicit(&e->last_ns, r->rx_ns, RLX);
	if (r->format == SC_SYSLOG_UNKNOWN || (r->flags & PARSE_ERRORS))
		atomic_store_explicit(&e->parse_errors,
				      atomic_load_explicit(&e->parse_errors, RLX) + 1, RLX);
	if (r->msg_ns != SC_TIME_NONE) {
		int64_t skew = r->msg_ns - r->rx_ns;

		atomic_store_explicit(&e->skew_count, atomic_load_explicit(&e->skew_count, RLX) + 1, RLX);
		atomic_store_explicit(&e->skew_last, skew, RLX);
		atomic_store_explicit(&e->skew_sum_ms,
				      atomic_load_explicit(&e->skew_sum_ms, RLX) + skew / 1000000, RLX);
		if (skew < atomic_load_explicit(&e->skew_min, RLX))
			atomic_store_explicit(&e->skew_min, skew, RLX);
		if (skew > atomic_load_explicit(&e->skew_max, RLX))
			atomic_store_explicit(&e->skew_max, skew, RLX);
	}
	urcu_qsbr_read_unlock();
}

void
sc_sources_drop(struct sc_sources *s, const uint8_t addr[16], uint8_t family, uint64_t n)
{
	struct entry *e;

	urcu_qsbr_read_lock();
	e = find(s, addr, family, true);
	atomic_fetch_add_explicit(&e->drops, n, RLX);
	urcu_qsbr_read_unlock();
}

unsigned
sc_sources_count(const struct sc_sources *s)
{
	unsigned n = atomic_load_explicit(&s->used, RLX);

	return (n > s->max ? s->max : n) + atomic_load_explicit(&s->overflow_used, RLX);
}

static void
snap(const struct entry *e, struct sc_source_stats *st)
{
	memcpy(st->addr, e->addr, 16);
	st->family = e->family;
	st->msgs = atomic_load_explicit(&e->msgs, RLX);
	st->bytes = atomic_load_explicit(&e->bytes, RLX);
	st->parse_errors = atomic_load_explicit(&e->parse_errors, RLX);
	st->drops = atomic_load_explicit(&e->drops, RLX);
	st->first_ns = atomic_load_explicit(&e->first_ns, RLX);
	st->last_ns = atomic_load_explicit(&e->last_ns, RLX);
	st->skew_count = atomic_load_explicit(&e->skew_count, RLX);
	st->skew_last_ns = atomic_load_explicit(&e->skew_last, RLX);
	st->skew_min_ns = st->skew_count ? atomic_load_explicit(&e->skew_min, RLX) : 0;
	st->skew_max_ns = st->skew_count ? atomic_load_explicit(&e->skew_max, RLX) : 0;
	st->skew_sum_ms = atomic_load_explicit(&e->skew_sum_ms, RLX);
}

unsigned
sc_sources_foreach(struct sc_sources *s, sc_source_fn fn, void *arg)
{
	struct cds_lfht_iter it;
	struct entry *e;
	struct sc_source_stats st;
	unsigned n = 0;

	urcu_qsbr_read_lock();
	cds_lfht_for_each_entry(s->ht, &it, e, node) {
		snap(e, &st);
		fn(&st, arg);
		n++;
	}
	urcu_qsbr_read_unlock();
	if (atomic_load_explicit(&s->overflow_used, RLX)) {
		snap(&s->overflow, &st);
		fn(&st, arg);
		n++;
	}
	return n;
}

static void
addr_str(const struct sc_source_stats *st, char *buf, size_t len)
{
	if (st->family == 4)
		inet_ntop(AF_INET, st->addr + 12, buf, (socklen_t)len);
	else if (st->family == 6)
		inet_ntop(AF_INET6, st->addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "other");
}

static void
write_one(const struct sc_source_stats *st, void *arg)
{
	FILE *f = arg;
	char a[64];

	addr_str(st, a, sizeof(a));
	fprintf(f, "%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64
		" %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n",
		a, st->msgs, st->bytes, st->parse_errors, st->drops, st->first_ns, st->last_ns,
		st->skew_count, st->skew_last_ns, st->skew_min_ns, st->skew_max_ns,
		st->skew_count ? st->skew_sum_ms / (int64_t)st->skew_count : 0);
}

int
sc_sources_write(struct sc_sources *s, FILE *f)
{
	fprintf(f, "# addr msgs bytes parse_errors drops first_ns last_ns skew_count "
		   "skew_last_ns skew_min_ns skew_max_ns skew_mean_ms\n");
	sc_sources_foreach(s, write_one, f);
	return ferror(f) ? -EIO : 0;
}

int
sc_sources_parse_line(const char *line, struct sc_source_stats *st)
{
	char a[64];
	int64_t mean;

	memset(st, 0, sizeof(*st));
	if (line[0] == '#' ||
	    sscanf(line, "%63s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64
		   " %" SCNu64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64,
		   a, &st->msgs, &st->bytes, &st->parse_errors, &st->drops, &st->first_ns,
		   &st->last_ns, &st->skew_count, &st->skew_last_ns, &st->skew_min_ns,
		   &st->skew_max_ns, &mean) != 12)
		return -EINVAL;
	st->skew_sum_ms = mean * (int64_t)st->skew_count;
	if (inet_pton(AF_INET, a, st->addr + 12) == 1) {
		st->addr[10] = st->addr[11] = 0xff;
		st->family = 4;
	} else if (inet_pton(AF_INET6, a, st->addr) == 1) {
		st->family = 6;
	} else if (strcmp(a, "other") != 0) {
		return -EINVAL;
	}
	return 0;
}

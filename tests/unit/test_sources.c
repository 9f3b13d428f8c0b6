/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * Suite "sources": the per-source table (sealcap/sources.h): accounting,
 * the pool bound and its overflow entry, concurrent lanes and readers, and
 * the snapshot text round trip that `sealctl stats` relies on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <sealcap/sources.h>

static struct sc_sources *s;

static void
setup(void)
{
	sc_sources_thread_register();
}

static void
teardown(void)
{
	sc_sources_thread_unregister();
	sc_sources_free(s);
	s = NULL;
}

TestSuite(sources, .init = setup, .fini = teardown);

static struct sc_record
rec4(const char *ip, int64_t rx, int64_t msg, uint32_t len, uint32_t flags, uint8_t format)
{
	struct sc_record r;
	uint32_t a;

	memset(&r, 0, sizeof(r));
	inet_pton(AF_INET, ip, &a);
	sc_record_set_ipv4(&r, a);
	r.rx_ns = rx;
	r.msg_ns = msg;
	r.raw_len = len;
	r.flags = flags;
	r.format = format;
	return r;
}

struct found {
	struct sc_source_stats st[64];
	unsigned n;
};

static void
collect(const struct sc_source_stats *st, void *arg)
{
	struct found *f = arg;

	if (f->n < 64)
		f->st[f->n++] = *st;
}

static const struct sc_source_stats *
by_addr(const struct found *f, const char *ip)
{
	uint8_t a[16] = { 0 };

	a[10] = a[11] = 0xff;
	inet_pton(AF_INET, ip, a + 12);
	for (unsigned i = 0; i < f->n; i++)
		if (memcmp(f->st[i].addr, a, 16) == 0)
			return &f->st[i];
	return NULL;
}

Test(sources, counts_bytes_times_and_skew)
{
	struct found f = { .n = 0 };
	struct sc_record r;
	const struct sc_source_stats *st;

	s = sc_sources_new(16);
	cr_assert_not_null(s);
	r = rec4("198.18.0.1", 1000, 1000 + 2000000000, 100, 0, SC_SYSLOG_RFC5424);
	sc_sources_record(s, &r);
	r = rec4("198.18.0.1", 5000, 5000 - 1000000000, 50, SC_SL_BAD_PRI, SC_SYSLOG_RFC3164);
	sc_sources_record(s, &r);
	r = rec4("198.18.0.1", 9000, SC_TIME_NONE, 7, 0, SC_SYSLOG_UNKNOWN);
	sc_sources_record(s, &r);
	r = rec4("198.18.0.2", 3000, SC_TIME_NONE, 10, 0, SC_SYSLOG_RFC3164);
	sc_sources_record(s, &r);

	cr_expect_eq(sc_sources_count(s), 2);
	cr_assert_eq(sc_sources_foreach(s, collect, &f), 2);
	st = by_addr(&f, "198.18.0.1");
	cr_assert_not_null(st);
	cr_expect_eq(st->msgs, 3);
	cr_expect_eq(st->bytes, 157);
	cr_expect_eq(st->parse_errors, 2, "BAD_PRI and an unknown format: %lu",
		     (unsigned long)st->parse_errors);
	cr_expect_eq(st->first_ns, 1000);
	cr_expect_eq(st->last_ns, 9000);
	cr_expect_eq(st->skew_count, 2);
	cr_expect_eq(st->skew_last_ns, -1000000000LL);
	cr_expect_eq(st->skew_min_ns, -1000000000LL);
	cr_expect_eq(st->skew_max_ns, 2000000000LL);
	cr_expect_eq(st->skew_sum_ms, 1000);
	st = by_addr(&f, "198.18.0.2");
	cr_assert_not_null(st);
	cr_expect_eq(st->msgs, 1);
	cr_expect_eq(st->skew_count, 0);
}

Test(sources, drops_create_or_add)
{
	struct found f = { .n = 0 };
	struct sc_record r = rec4("198.18.0.9", 1, SC_TIME_NONE, 1, 0, SC_SYSLOG_RFC3164);

	s = sc_sources_new(4);
	cr_assert_not_null(s);
	sc_sources_drop(s, r.addr, 4, 5);
	sc_sources_record(s, &r);
	sc_sources_drop(s, r.addr, 4, 2);
	sc_sources_foreach(s, collect, &f);
	cr_assert_eq(f.n, 1);
	cr_expect_eq(f.st[0].drops, 7);
	cr_expect_eq(f.st[0].msgs, 1);
}

Test(sources, pool_overflow_goes_to_other)
{
	struct found f = { .n = 0 };
	char ip[32];
	unsigned other = 0;

	s = sc_sources_new(3);
	cr_assert_not_null(s);
	for (int i = 1; i <= 10; i++) {
		struct sc_record r;

		snprintf(ip, sizeof(ip), "198.18.1.%d", i);
		r = rec4(ip, i, SC_TIME_NONE, 10, 0, SC_SYSLOG_RFC3164);
		sc_sources_record(s, &r);
	}
	cr_expect_eq(sc_sources_count(s), 4, "3 entries + other, got %u", sc_sources_count(s));
	sc_sources_foreach(s, collect, &f);
	cr_assert_eq(f.n, 4);
	for (unsigned i = 0; i < f.n; i++)
		if (f.st[i].family == 0) {
			other++;
			cr_expect_eq(f.st[i].msgs, 7, "7 sources past the pool: %lu",
				     (unsigned long)f.st[i].msgs);
		}
	cr_expect_eq(other, 1);
}

Test(sources, snapshot_round_trip)
{
	struct sc_record r = rec4("198.18.0.7", 123456789, 123456789 + 3000000, 42,
				  0, SC_SYSLOG_RFC5424);
	struct sc_source_stats back;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;
	int lines = 0;

	s = sc_sources_new(8);
	cr_assert_not_null(s);
	sc_sources_record(s, &r);
	memset(&r, 0, sizeof(r));
	r.family = 6;
	inet_pton(AF_INET6, "2001:db8::1", r.addr);
	r.raw_len = 9;
	r.msg_ns = SC_TIME_NONE;
	sc_sources_record(s, &r);
	f = open_memstream(&buf, &len);
	cr_assert_eq(sc_sources_write(s, f), 0);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		cr_assert_eq(sc_sources_parse_line(line, &back), 0, "line: %s", line);
		lines++;
		if (back.family == 4) {
			cr_expect_eq(back.msgs, 1);
			cr_expect_eq(back.bytes, 42);
			cr_expect_eq(back.first_ns, 123456789);
			cr_expect_eq(back.skew_last_ns, 3000000);
			cr_expect_eq(back.addr[15], 7);
		} else {
			cr_expect_eq(back.family, 6, "line: %s", line);
			cr_expect_eq(back.bytes, 9);
		}
	}
	cr_expect_eq(lines, 2);
	cr_expect_eq(sc_sources_parse_line("garbage here", &back), -EINVAL);
	cr_expect_eq(sc_sources_parse_line("# header", &back), -EINVAL);
	free(buf);
}

Test(sources, bad_size_refused)
{
	cr_expect_null(sc_sources_new(0));
	cr_expect_eq(errno, EINVAL);
}

/* Two "lanes" own disjoint sources while a reader iterates. */
struct lane_arg {
	int base;
	int n;
};

static void *
lane(void *p)
{
	struct lane_arg *a = p;
	char ip[32];

	sc_sources_thread_register();
	for (int k = 0; k < a->n; k++) {
		struct sc_record r;

		snprintf(ip, sizeof(ip), "198.18.%d.%d", a->base, k % 50 + 1);
		r = rec4(ip, k, SC_TIME_NONE, 1, 0, SC_SYSLOG_RFC3164);
		sc_sources_record(s, &r);
		if ((k & 255) == 0)
			sc_sources_quiescent();
	}
	sc_sources_thread_unregister();
	return NULL;
}

static void
sum(const struct sc_source_stats *st, void *arg)
{
	*(uint64_t *)arg += st->msgs;
}

Test(sources, concurrent_lanes_and_reader)
{
	struct lane_arg a = { 2, 100000 }, b = { 3, 100000 };
	pthread_t ta, tb;
	uint64_t total = 0;

	s = sc_sources_new(1024);
	cr_assert_not_null(s);
	pthread_create(&ta, NULL, lane, &a);
	pthread_create(&tb, NULL, lane, &b);
	for (int i = 0; i < 200; i++) {
		uint64_t partial = 0;

		sc_sources_foreach(s, sum, &partial);
		cr_assert_leq(partial, 200000);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	sc_sources_foreach(s, sum, &total);
	cr_expect_eq(total, 200000);
	cr_expect_eq(sc_sources_count(s), 100);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * sealcap-gen, driven as a program: run it into a temporary directory and
 * read the capture back with libpcap.  Checksums are verified with a plain
 * byte-wise implementation here, independent of the generator's own.
 *
 * The live outputs (udp://, tcp://) are run against a receiver this file
 * opens on loopback in a thread: a UDP socket with a large receive buffer,
 * or a TCP listener that accepts every connection and keeps each stream,
 * parsed here with a small RFC 6587 parser of its own.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GEN_BIN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"

extern char **environ;

static char tmpdir[] = "/tmp/sc-test-gen-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(gen, .init = setup, .fini = teardown, .timeout = 120);

static char *
path_in_tmp(const char *name)
{
	static char buf[4][512];
	static unsigned n;
	char *p = buf[n++ % 4];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

/*
 * Start the generator with @args (NULL-terminated, without argv[0]), its
 * stderr into the test's stderr.txt.  Returns its pid.
 */
static pid_t
spawn_gen(const char *const *args)
{
	const char *argv[64];
	const char *errfile = path_in_tmp("stderr.txt");
	posix_spawn_file_actions_t fa;
	unsigned n = 0;
	pid_t pid;
	int rc;

	argv[n++] = GEN_BIN;
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errfile,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawn(&pid, GEN_BIN, &fa, NULL, (char *const *)(uintptr_t)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "spawn %s: %s", GEN_BIN, strerror(rc));
	return pid;
}

/* Wait for @pid; its stderr goes to @err_out.  Exit status or -1. */
static int
wait_gen(pid_t pid, char *err_out, size_t errlen)
{
	int st;
	FILE *f;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (err_out && errlen) {
		size_t got = 0;

		err_out[0] = '\0';
		f = fopen(path_in_tmp("stderr.txt"), "r");
		if (f) {
			got = fread(err_out, 1, errlen - 1, f);
			fclose(f);
		}
		err_out[got] = '\0';
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Run the generator with @args (NULL-terminated, without argv[0]); its
 * stderr goes to @err_out (a buffer of @errlen bytes).  Returns the exit
 * status, or -1 if it did not exit normally.
 */
static int
run_gen(const char *const *args, char *err_out, size_t errlen)
{
	return wait_gen(spawn_gen(args), err_out, errlen);
}

/* ------------------------------------------------------------------ */
/* Reading the capture back.                                           */

struct pkt {
	struct timeval ts;
	int vlan;               /* -1 when untagged */
	int family;             /* 4 or 6 */
	uint8_t src[16];
	uint16_t sport, dport;
	int ip_csum_ok;         /* IPv4 header checksum (1 for IPv6) */
	int udp_csum_ok;
	int lengths_ok;
	uint8_t *msg;
	size_t len;
};

struct cap {
	struct pkt *p;
	size_t n;
	int nano;
};

static uint32_t
sum_be(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
parse_frame(struct pkt *k, const uint8_t *f, size_t caplen)
{
	size_t off = 14, l4, iplen, ulen;
	uint16_t et;
	uint32_t s;

	cr_assert_geq(caplen, 42, "frame too short: %zu", caplen);
	et = be16(f + 12);
	k->vlan = -1;
	if (et == 0x8100) {
		k->vlan = be16(f + 14) & 0xfff;
		et = be16(f + 16);
		off = 18;
	}
	if (et == 0x0800) {
		k->family = 4;
		cr_assert_eq(f[off], 0x45, "IPv4 header with options");
		cr_assert_eq(f[off + 9], 17, "not UDP");
		memcpy(k->src, f + off + 12, 4);
		k->ip_csum_ok = fold(sum_be(f + off, 20, 0)) == 0xffff;
		iplen = be16(f + off + 2);
		k->lengths_ok = off + iplen == caplen;
		l4 = off + 20;
		/* Pseudo-header: addresses, protocol, UDP length. */
		s = sum_be(f + off + 12, 8, 0) + 17;
	} else {
		cr_assert_eq(et, 0x86dd, "ethertype 0x%04x", et);
		k->family = 6;
		cr_assert_eq(f[off + 6], 17, "not UDP");
		memcpy(k->src, f + off + 8, 16);
		k->ip_csum_ok = 1;
		iplen = be16(f + off + 4);
		k->lengths_ok = off + 40 + iplen == caplen;
		l4 = off + 40;
		s = sum_be(f + off + 8, 32, 0) + 17;
	}
	ulen = be16(f + l4 + 4);
	k->lengths_ok = k->lengths_ok && l4 + ulen == caplen;
	k->sport = be16(f + l4);
	k->dport = be16(f + l4 + 2);
	s += (uint32_t)ulen;
	s = sum_be(f + l4, caplen - l4, s);
	/* A zero checksum field means "none" in IPv4 and is invalid in IPv6. */
	k->udp_csum_ok = be16(f + l4 + 6) != 0 && fold(s) == 0xffff;
	k->len = caplen - l4 - 8;
	k->msg = malloc(k->len ? k->len : 1);
	cr_assert_not_null(k->msg);
	memcpy(k->msg, f + l4 + 8, k->len);
}

static void
cap_read(struct cap *c, const char *file)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t cap_n = 1024;
	pcap_t *p;
	int rc;

	p = pcap_open_offline_with_tstamp_precision(file,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	cr_assert_not_null(p, "pcap_open_offline %s: %s", file, errbuf);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	c->n = 0;
	c->p = calloc(cap_n, sizeof(*c->p));
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (c->n == cap_n) {
			cap_n *= 2;
			c->p = realloc(c->p, cap_n * sizeof(*c->p));
			cr_assert_not_null(c->p);
		}
		cr_assert_eq(h->caplen, h->len, "packet %zu truncated", c->n);
		c->p[c->n].ts = h->ts;
		parse_frame(&c->p[c->n], data, h->caplen);
		c->n++;
	}
	cr_assert_eq(rc, PCAP_ERROR_BREAK, "pcap read: %s", pcap_geterr(p));
	pcap_close(p);
}

static void
cap_free(struct cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i].msg);
	free(c->p);
	c->p = NULL;
	c->n = 0;
}

/* Generate into @name with extra @args and read it back. */
static void
gen_cap(struct cap *c, const char *name, const char *const *args)
{
	const char *argv[48];
	char out[600], err[2048];
	unsigned n = 0;
	int rc;

	snprintf(out, sizeof(out), "pcap:%s", path_in_tmp(name));
	argv[n++] = "--out";
	argv[n++] = out;
	while (*args && n < 47)
		argv[n++] = *args++;
	argv[n] = NULL;
	rc = run_gen(argv, err, sizeof(err));
	cr_assert_eq(rc, 0, "sealcap-gen exited %d: %s", rc, err);
	cap_read(c, path_in_tmp(name));
}

/*
 * The value of the one "seq=N" token of @m, N followed by a non-digit;
 * -1 if there is none, -2 if there are several or one is unterminated.
 */
static int64_t
find_seq(const uint8_t *m, size_t n)
{
	int64_t val = -1;
	unsigned found = 0;

	for (size_t i = 0; i + 4 < n; i++) {
		size_t j;
		int64_t v = 0;

		if (memcmp(m + i, "seq=", 4) != 0 || m[i + 4] < '0' || m[i + 4] > '9')
			continue;
		for (j = i + 4; j < n && m[j] >= '0' && m[j] <= '9'; j++)
			v = v * 10 + (m[j] - '0');
		if (j == n)
			return -2;      /* not followed by a non-digit */
		found++;
		val = v;
	}
	return found > 1 ? -2 : val;
}

static int
valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + k >= n)
			return 0;       /* cut inside a character */
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += k + 1;
	}
	return 1;
}

/* ------------------------------------------------------------------ */

Test(gen, count_and_seq_in_order)
{
	struct cap c;
	size_t bad = 0, first_bad = 0;

	gen_cap(&c, "seq.pcap", (const char *[]){ "--count", "5000",
		"--sources", "40", "--seed", "11", NULL });
	cr_assert_eq(c.n, 5000, "packets: %zu", c.n);
	for (size_t i = 0; i < c.n; i++) {
		if (find_seq(c.p[i].msg, c.p[i].len) != (int64_t)(i + 1)) {
			if (!bad++)
				first_bad = i;
		}
	}
	cr_expect_eq(bad, 0, "%zu packets without exactly one seq=%zu; first: "
		     "%.*s", bad, first_bad + 1, (int)c.p[first_bad].len,
		     (const char *)c.p[first_bad].msg);
	cap_free(&c);
}

Test(gen, distinct_sources_and_device_consistency)
{
	struct cap c;
	struct {
		uint8_t addr[16];
		int family, vlan;
		uint16_t sport;
	} seen[64];
	size_t nseen = 0, inconsistent = 0;

	gen_cap(&c, "src.pcap", (const char *[]){ "--count", "8000",
		"--sources", "40", "--seed", "5", NULL });
	for (size_t i = 0; i < c.n; i++) {
		const struct pkt *k = &c.p[i];
		size_t j;

		for (j = 0; j < nseen; j++)
			if (seen[j].family == k->family &&
			    !memcmp(seen[j].addr, k->src, k->family == 4 ? 4 : 16))
				break;
		if (j == nseen) {
			cr_assert_lt(nseen, 64, "more sources than --sources");
			memcpy(seen[j].addr, k->src, 16);
			seen[j].family = k->family;
			seen[j].vlan = k->vlan;
			seen[j].sport = k->sport;
			nseen++;
			/* Benchmark and documentation ranges only. */
			if (k->family == 4)
				cr_expect(k->src[0] == 198 && (k->src[1] & 0xfe) == 18,
					  "IPv4 source %u.%u.%u.%u outside 198.18.0.0/15",
					  k->src[0], k->src[1], k->src[2], k->src[3]);
			else
				cr_expect(k->src[0] == 0x20 && k->src[1] == 0x01 &&
					  k->src[2] == 0x0d && k->src[3] == 0xb8,
					  "IPv6 source outside 2001:db8::/32");
		} else if (seen[j].vlan != k->vlan || seen[j].sport != k->sport) {
			inconsistent++;
		}
		cr_expect_eq(k->dport, 514);
		cr_expect(k->sport == 514 || k->sport >= 1024,
			  "source port %u", k->sport);
	}
	cr_expect_eq(nseen, 40, "distinct sources: %zu", nseen);
	cr_expect_eq(inconsistent, 0, "%zu packets changed a device's VLAN or port",
		     inconsistent);
	cap_free(&c);

	gen_cap(&c, "one.pcap", (const char *[]){ "--count", "200",
		"--sources", "1", NULL });
	for (size_t i = 1; i < c.n; i++)
		cr_assert(!memcmp(c.p[i].src, c.p[0].src, 16),
			  "--sources 1 sent from two addresses");
	cap_free(&c);
}

Test(gen, checksums_ipv4_and_ipv6)
{
	struct cap c;
	size_t v4 = 0, v6 = 0, bad_ip = 0, bad_udp = 0, bad_len = 0;

	gen_cap(&c, "csum.pcap", (const char *[]){ "--count", "6000",
		"--sources", "60", "--ipv6-share", "50", "--vlan-share", "30",
		"--size", "300", NULL });
	for (size_t i = 0; i < c.n; i++) {
		const struct pkt *k = &c.p[i];

		if (k->family == 4)
			v4++;
		else
			v6++;
		bad_ip += !k->ip_csum_ok;
		bad_udp += !k->udp_csum_ok;
		bad_len += !k->lengths_ok;
	}
	cr_expect_gt(v4, 1000, "IPv4 packets: %zu", v4);
	cr_expect_gt(v6, 1000, "IPv6 packets: %zu", v6);
	cr_expect_eq(bad_ip, 0, "%zu bad IPv4 header checksums", bad_ip);
	cr_expect_eq(bad_udp, 0, "%zu bad UDP checksums", bad_udp);
	cr_expect_eq(bad_len, 0, "%zu bad IP/UDP lengths", bad_len);
	cap_free(&c);
}

Test(gen, ipv6_share_default_and_zero)
{
	struct cap c;
	size_t v6 = 0;

	gen_cap(&c, "v6.pcap", (const char *[]){ "--count", "4000",
		"--sources", "100", NULL });
	for (size_t i = 0; i < c.n; i++)
		v6 += c.p[i].family == 6;
	/* 10 % of the devices; their share of messages varies by class. */
	cr_expect(v6 > c.n / 50 && v6 < c.n / 4, "IPv6 packets %zu of %zu",
		  v6, c.n);
	cap_free(&c);

	gen_cap(&c, "v4.pcap", (const char *[]){ "--count", "1000",
		"--ipv6-share", "0", NULL });
	for (size_t i = 0; i < c.n; i++)
		cr_assert_eq(c.p[i].family, 4);
	cap_free(&c);
}

Test(gen, vlan_tags)
{
	struct cap c;
	size_t tagged = 0;

	gen_cap(&c, "vdef.pcap", (const char *[]){ "--count", "5000",
		"--sources", "100", "--seed", "3", NULL });
	for (size_t i = 0; i < c.n; i++) {
		if (c.p[i].vlan >= 0) {
			tagged++;
			cr_expect(c.p[i].vlan >= 1 && c.p[i].vlan <= 4094);
		}
	}
	cr_expect(tagged > 0 && tagged < c.n / 4,
		  "default: %zu of %zu tagged, want a small share", tagged, c.n);
	cap_free(&c);

	gen_cap(&c, "v42.pcap", (const char *[]){ "--count", "500",
		"--vlan", "42", NULL });
	for (size_t i = 0; i < c.n; i++)
		cr_assert_eq(c.p[i].vlan, 42, "packet %zu: vlan %d", i, c.p[i].vlan);
	cap_free(&c);

	gen_cap(&c, "v0.pcap", (const char *[]){ "--count", "500",
		"--vlan-share", "0", NULL });
	for (size_t i = 0; i < c.n; i++)
		cr_assert_eq(c.p[i].vlan, -1);
	cap_free(&c);
}

static void
read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*data = malloc((size_t)n + 1);
	*len = fread(*data, 1, (size_t)n, f);
	fclose(f);
	cr_assert_eq(*len, (size_t)n);
}

Test(gen, deterministic_by_seed)
{
	const char *a[] = { "--out", NULL, "--count", "3000", "--sources", "30",
			    "--seed", NULL, NULL };
	char out[3][600];
	const char *seeds[3] = { "42", "42", "43" };
	uint8_t *d[3];
	size_t len[3];
	char err[1024];

	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "det%d.pcap", i);
		snprintf(out[i], sizeof(out[i]), "pcap:%s", path_in_tmp(name));
		a[1] = out[i];
		a[7] = seeds[i];
		cr_assert_eq(run_gen(a, err, sizeof(err)), 0, "%s", err);
		read_file(out[i] + 5, &d[i], &len[i]);
	}
	cr_expect(len[0] == len[1] && !memcmp(d[0], d[1], len[0]),
		  "same seed gave different files");
	cr_expect(len[0] != len[2] || memcmp(d[0], d[2], len[0]),
		  "different seeds gave the same file");
	for (int i = 0; i < 3; i++)
		free(d[i]);
}

Test(gen, average_size_near_target)
{
	static const char *const sizes[] = { "250", "600", "1500" };

	for (unsigned s = 0; s < 3; s++) {
		struct cap c;
		uint64_t total = 0;
		size_t min = SIZE_MAX, max = 0;
		double want = atof(sizes[s]), avg;

		gen_cap(&c, "size.pcap", (const char *[]){ "--count", "4000",
			"--size", sizes[s], "--seed", "9", NULL });
		for (size_t i = 0; i < c.n; i++) {
			total += c.p[i].len;
			if (c.p[i].len < min)
				min = c.p[i].len;
			if (c.p[i].len > max)
				max = c.p[i].len;
		}
		avg = (double)total / (double)c.n;
		cr_expect(avg > want * 0.9 && avg < want * 1.1,
			  "--size %s: average %.1f", sizes[s], avg);
		/* Realistic, not constant: a wide spread around the mean. */
		cr_expect(max > 2 * min, "--size %s: sizes %zu..%zu", sizes[s],
			  min, max);
		cap_free(&c);
	}
}

Test(gen, timestamps_follow_start_and_pps)
{
	struct cap c;

	gen_cap(&c, "ts.pcap", (const char *[]){ "--count", "100",
		"--start", "2026-04-01T09:00:00+09:00", "--pps", "1000",
		"--dst-port", "10514", NULL });
	cr_assert_eq(c.n, 100);
	for (size_t i = 0; i < c.n; i++) {
		/* Read with nanosecond precision: tv_usec holds ns. */
		int64_t ns = (int64_t)c.p[i].ts.tv_sec * 1000000000 +
			     c.p[i].ts.tv_usec;

		cr_expect_eq(ns, 1775001600LL * 1000000000 + (int64_t)i * 1000000,
			     "packet %zu at %lld", i, (long long)ns);
		cr_expect_eq(c.p[i].dport, 10514);
	}
	cap_free(&c);
}

Test(gen, mix_has_japanese_and_malformed)
{
	struct cap c;
	size_t utf8_ja = 0, not_utf8 = 0, sjis = 0, no_pri = 0, nul = 0;
	size_t ehr5424 = 0, fortigate = 0, asa = 0, ios = 0, rtx = 0;

	gen_cap(&c, "mix.pcap", (const char *[]){ "--count", "10000",
		"--sources", "80", "--seed", "2", NULL });
	for (size_t i = 0; i < c.n; i++) {
		const uint8_t *m = c.p[i].msg;
		size_t n = c.p[i].len, k = 0;
		unsigned pri = 0;
		int ascii = 1;

		for (size_t j = 0; j < n; j++)
			ascii &= m[j] < 0x80;
		if (!ascii && valid_utf8(m, n))
			utf8_ja++;
		if (!valid_utf8(m, n)) {
			not_utf8++;
			/* Shift_JIS: lead bytes 0x81-0x9f then a trail byte. */
			for (size_t j = 0; j + 1 < n; j++)
				if (m[j] >= 0x81 && m[j] <= 0x9f && m[j + 1] >= 0x40) {
					sjis++;
					break;
				}
		}
		nul += memchr(m, 0, n) != NULL;
		if (n && m[0] == '<')
			for (k = 1; k < n && k < 5 && m[k] >= '0' && m[k] <= '9'; k++)
				pri = pri * 10 + (m[k] - '0');
		if (!n || m[0] != '<' || k < 2 || k >= n || m[k] != '>' || pri > 191)
			no_pri++;
		ehr5424 += n > 40 && !!memmem(m, n, "[ehr@32473 user=\"", 17);
		fortigate += !!memmem(m, n, "devid=\"FGT", 10);
		asa += !!memmem(m, n, "%ASA-6-302013:", 14);
		ios += !!memmem(m, n, "%SYS-5-CONFIG_I:", 16);
		rtx += !!memmem(m, n, ">[INSPECT] LAN2[", 16);
	}
	cr_expect_gt(utf8_ja, c.n / 50, "Japanese UTF-8 messages: %zu", utf8_ja);
	cr_expect_gt(sjis, c.n / 200, "Shift_JIS messages: %zu", sjis);
	cr_expect(no_pri > 0 && no_pri < c.n / 20, "no/bad PRI: %zu", no_pri);
	cr_expect(nul > 0 && nul < c.n / 50, "with NUL: %zu", nul);
	cr_expect_gt(not_utf8, sjis, "invalid UTF-8 beyond Shift_JIS: %zu", not_utf8);
	cr_expect_gt(ehr5424, c.n / 10, "EHR: %zu", ehr5424);
	cr_expect_gt(fortigate, c.n / 10, "FortiGate: %zu", fortigate);
	cr_expect_gt(asa, 0);
	cr_expect_gt(ios, 0);
	cr_expect_gt(rtx, 0);
	cap_free(&c);
}

Test(gen, bad_flags_exit_2)
{
	const char *const *const cases[] = {
		(const char *[]){ "--out", "pcap:x.pcap", "--count", "abc", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--bogus", NULL },
		(const char *[]){ "--count", "10", NULL },
		(const char *[]){ "--out", "nosuch:x", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--size", "3", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--ipv6-share", "101", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--vlan", "4095", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--start", "yesterday", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--sources", "0", NULL },
		(const char *[]){ "--out", "pcap:x.pcap", "--pps", "-5", NULL },
	};
	char err[2048];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_gen(cases[i], err, sizeof(err));

		cr_expect_eq(rc, 2, "case %u (%s %s ...): exit %d", i,
			     cases[i][0], cases[i][1], rc);
		cr_expect(strstr(err, "sealcap-gen") != NULL && strlen(err) > 20,
			  "case %u: no clear message: '%s'", i, err);
	}
	cr_expect_eq(access("x.pcap", F_OK), -1, "a bad run wrote a file");
}

Test(gen, help_and_summary)
{
	char err[2048];
	char out[600];
	int rc;

	rc = run_gen((const char *[]){ "--help", NULL }, err, sizeof(err));
	cr_expect_eq(rc, 0);
	snprintf(out, sizeof(out), "pcap:%s", path_in_tmp("sum.pcap"));
	rc = run_gen((const char *[]){ "--out", out, "--count", "300",
		"--sources", "7", NULL }, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(strstr(err, "300 messages") != NULL, "summary: %s", err);
	cr_expect(strstr(err, "7 distinct sources") != NULL, "summary: %s", err);
	cr_expect(strstr(err, "bytes") != NULL, "summary: %s", err);
	/* Written under a temporary name and renamed only when complete. */
	cr_expect_eq(access(path_in_tmp("sum.pcap.tmp"), F_OK), -1);
}

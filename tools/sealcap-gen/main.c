/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * sealcap-gen: the bundled traffic generator.  Makes the hospital syslog mix
 * (mix.h), frames it (frame.h) and hands it to an output (out.h) in bursts,
 * flat out or paced by a token bucket (--rate).
 * Only main() exits: 2 on bad flags, 1 when a message was not sent or the
 * output failed, 130 when interrupted, 0 when every message was sent.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "mix.h"
#include "out.h"

#define PROG            "sealcap-gen"
#define BURST           32      /* default burst; an output may ask more */
#define NS              1000000000ull
/* Each packet buffer: headroom for the headers, then the message. */
#define PKT_BUF         (GEN_FRAME_HDR_MAX + GEN_MSG_CAP_MIN)
/* --mtu: smallest (IPv4 hosts must take 576), and fragments per datagram. */
#define GEN_MTU_MIN     576
#define FRAGS_MAX       128
/* One message's fragments: its frame plus a header and Fragment header each. */
#define FRAG_BUF        (PKT_BUF + FRAGS_MAX * (GEN_FRAME_HDR_MAX + 8))

/* The collector, in the same documentation/benchmark ranges as the sources. */
static const uint8_t collector_mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t collector_ip4[4] = { 198, 19, 255, 254 };
static const uint8_t collector_ip6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x14 };

static volatile sig_atomic_t stop;

struct opts {
	const char *out;
	uint64_t count;
	uint64_t seed;
	uint64_t pps;
	uint64_t start_ns;
	uint64_t rate;          /* msgs/s; 0: flat out */
	uint64_t duration_ns;   /* 0: no limit */
	uint32_t size;
	uint32_t sources;
	uint32_t ipv6_share;
	uint32_t vlan_share;
	uint32_t vlan_id;
	uint32_t dst_port;
	uint32_t connections;
	enum gen_framing framing;
	int allow_nonlocal;
	int vlan_share_set;
	int count_set;
	int tcp_only_set;       /* --connections or --framing given */
	uint32_t mtu;           /* --mtu: fragment IP packets above this; 0: never */
	const char *dpdk_args;  /* --dpdk-args */
	uint32_t dpdk_port;     /* --dpdk-port */
	int dpdk_set;           /* either given */
};

/*
 * Token bucket for --rate, kept as counts so that no rounding accumulates:
 * by time t, allowed(t) = floor((t - base) * rate / 1 s) + 1 tokens have
 * been issued (message 1 is due at base, message k at base + (k - 1) / rate);
 * consumed counts those spent or dropped.  The bucket starts empty and holds
 * at most depth tokens: a generator that fell behind (descheduled on a busy
 * machine, a TCP receiver pushing back) sends what is overdue at once, up to
 * depth messages, so a stall shorter than BUCKET_DEPTH_NS costs no messages
 * and the rate over the run stays the asked one.  Tokens beyond depth are
 * dropped and counted: asked more than it can do, the generator runs at its
 * maximum and says so.
 */
struct bucket {
	uint64_t rate;
	uint64_t base;          /* CLOCK_MONOTONIC ns of message 1 */
	uint64_t consumed;
	uint64_t depth;
	uint64_t dropped;
};

/* The longest stall the bucket makes up for (and at least a burst). */
#define BUCKET_DEPTH_NS NS

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Sleep until CLOCK_MONOTONIC @p t; a signal cuts it short. */
static void
sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / NS),
			       .tv_nsec = (long)(t % NS) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static uint64_t
bucket_allowed(const struct bucket *b, uint64_t t)
{
	return (uint64_t)((unsigned __int128)(t - b->base) * b->rate / NS) + 1;
}

/* When the next token is issued: the time of message consumed + 1. */
static uint64_t
bucket_due(const struct bucket *b)
{
	unsigned __int128 x = (unsigned __int128)b->consumed * NS + b->rate - 1;

	return b->base + (uint64_t)(x / b->rate);
}

/* Tokens available at @p now, counting only messages due before @p end. */
static uint64_t
bucket_tokens(struct bucket *b, uint64_t now, uint64_t end)
{
	uint64_t allowed = bucket_allowed(b, now), last;

	if (allowed - b->consumed > b->depth) {
		b->dropped += allowed - b->consumed - b->depth;
		b->consumed = allowed - b->depth;
	}
	if (end != UINT64_MAX) {
		last = bucket_allowed(b, end - 1);
		if (allowed > last)
			allowed = last;
	}
	return allowed > b->consumed ? allowed - b->consumed : 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --out OUTPUT [options]\n"
"Generate a realistic hospital syslog mix (EHR access logs, receipt system\n"
"logins, FortiGate, Cisco ASA/IOS, Yamaha RTX, Wi-Fi APs, switches, some\n"
"Japanese in UTF-8 and Shift_JIS, some malformed), into a capture file or\n"
"live over UDP or TCP.  Every message carries \"seq=N\" (N = 1..count)\n"
"exactly once.\n"
"\n"
"Outputs:\n");
	for (unsigned i = 0; gen_outputs[i]; i++)
		fprintf(f, "  %s\n", gen_outputs[i]->usage);
	fprintf(f,
"\n"
"Options:\n"
"  -o, --out OUTPUT        where the messages go (required)\n"
"  -n, --count N           messages to generate (default 1000, or no limit\n"
"                          when only --duration is given)\n"
"      --duration SECS     stop after this long (decimals allowed); with\n"
"                          --count, whichever comes first\n"
"      --rate R            messages per second, paced by a token bucket that\n"
"                          makes up for stalls of up to 1 s (default: as fast\n"
"                          as the output takes them)\n"
"  -s, --size BYTES        target average message size, %d..%d (default 250)\n"
"      --sources N         distinct sending devices, 1..%d (default 50);\n"
"                          pcap: IPv4 198.18.0.0/15, IPv6 2001:db8:1::/64;\n"
"                          udp/tcp: device i sends from 127.0.0.i, beyond .254\n"
"                          from 127.0.1.x and on; over [::1] (one address)\n"
"                          devices differ by source port\n"
"      --seed S            random seed; same seed and flags, same bytes (default 1)\n"
"\n"
"TCP (tcp://):\n"
"      --framing octet|lf  RFC 6587 octet counting \"LEN MSG\" (default) or\n"
"                          LF-terminated \"MSG\\n\"\n"
"      --connections N     connections, 1..--sources (default 1); device i\n"
"                          writes on connection i %% N, in order; connection c\n"
"                          binds device c's address\n"
"\n"
"Live outputs (udp://, tcp://) send to loopback only: 127.0.0.0/8, [::1] or\n"
"localhost; any other HOST is refused and names are not resolved.\n"
"      --allow-nonlocal    lift that rule, for a real deployment (off by\n"
"                          default); sources then differ by port only\n"
"\n"
"Capture file (pcap:):\n"
"      --start TIME        time of the first packet, RFC 3339\n"
"                          (default 2026-01-01T00:00:00Z)\n"
"      --pps N             packets per second of capture time (default 10000)\n"
"      --dst-port PORT     collector UDP port (default 514)\n"
"      --ipv6-share PCT    percent of sources using IPv6 (default 10)\n"
"      --vlan ID           802.1Q VLAN id of tagged sources, 1..4094; alone it\n"
"                          tags every source (default: a VLAN per device class)\n"
"      --vlan-share PCT    percent of sources whose frames are tagged (default 5)\n"
"      --mtu BYTES         IP packets longer than this go as IP fragments\n"
"                          (IPv4 fragment fields, IPv6 Fragment header),\n"
"                          also for --out dpdk; %u..65535 (default: never)\n"
"\n"
"DPDK (dpdk, when built with DPDK):\n"
"      --dpdk-args \"ARGS\"  EAL arguments, split on spaces (default \"-l 0\n"
"                          --no-huge -m 64 --no-shconf --no-pci\n"
"                          --no-telemetry --log-level=error\")\n"
"      --dpdk-port N       port to send on (default 0); 1 RX + 1 TX queue\n"
"  -h, --help              this help\n"
"\n"
"At the end a summary goes to stderr: messages sent and failed, bytes,\n"
"elapsed time, achieved msg/s and MB/s.  Exit status: 0 when every message\n"
"was sent, 1 when one was not (or the output failed, e.g. connection\n"
"refused), 2 on bad flags, 130 when interrupted.\n"
"\n"
"Examples:\n"
"  " PROG " --out pcap:mix.pcap --count 100000 --sources 200 --seed 7\n"
"  " PROG " --out udp://127.0.0.1:5514 --rate 20000 --duration 10 --sources 50\n"
"  " PROG " --out tcp://[::1]:6514 --framing lf --connections 8 --sources 8\n",
		GEN_SIZE_MIN, GEN_SIZE_MAX, GEN_SOURCES_MAX, GEN_MTU_MIN);
}

static _Noreturn void __attribute__((format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
	exit(2);
}

static uint64_t
parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s >= '0' && *s <= '9') {
		v = strtoull(s, &end, 10);
		if (!errno && !*end && v >= min && v <= max)
			return v;
	}
	bad_usage("%s: '%s' is not a whole number in %" PRIu64 "..%" PRIu64,
		  flag, s, min, max);
}

/* Seconds with up to 9 decimals, > 0 and at most @p max_s, into ns. */
static uint64_t
parse_seconds(const char *flag, const char *s, uint64_t max_s)
{
	uint64_t whole = 0, frac = 0, scale = NS / 10;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && whole <= max_s)
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	if (*p == '.' && p > s) {
		for (p++; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
			frac += (uint64_t)(*p - '0') * scale;
		if (p[-1] == '.')
			p = s;  /* "5." is not a number */
	}
	if (p == s || *p || whole > max_s || (whole == 0 && frac == 0) ||
	    (whole == max_s && frac))
		bad_usage("%s: '%s' is not a number of seconds in (0, %" PRIu64
			  "], such as 10 or 0.5", flag, s, max_s);
	return whole * NS + frac;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 date-time: 2026-01-01T00:00:00[.frac](Z|+hh:mm|-hh:mm). */
static int
parse_rfc3339(const char *s, uint64_t *ns_out)
{
	static const uint8_t mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, oh, om;
	uint64_t frac = 0, scale = 100000000;
	int64_t secs, off = 0;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			frac += (uint64_t)(*s - '0') * scale;
			scale /= 10;
		}
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		off = 0;
	} else if ((*s == '+' || *s == '-') && strlen(s) == 6 &&
		   !digits(s + 1, 2, &oh) && s[3] == ':' &&
		   !digits(s + 4, 2, &om) && oh < 24 && om < 60) {
		off = (int64_t)(oh * 60 + om) * 60 * (*s == '+' ? 1 : -1);
	} else {
		return -1;
	}
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	       (sec > 59 ? 59 : sec) - off;
	if (secs < 0)
		return -1;
	*ns_out = (uint64_t)secs * 1000000000u + frac;
	return 0;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		OPT_SOURCES = 256, OPT_SEED, OPT_START, OPT_PPS, OPT_DST_PORT,
		OPT_IPV6_SHARE, OPT_VLAN, OPT_VLAN_SHARE, OPT_RATE, OPT_DURATION,
		OPT_CONNECTIONS, OPT_FRAMING, OPT_ALLOW_NONLOCAL,
		OPT_DPDK_ARGS, OPT_DPDK_PORT, OPT_MTU,
	};
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, OPT_SOURCES },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "start", required_argument, NULL, OPT_START },
		{ "pps", required_argument, NULL, OPT_PPS },
		{ "dst-port", required_argument, NULL, OPT_DST_PORT },
		{ "ipv6-share", required_argument, NULL, OPT_IPV6_SHARE },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "vlan-share", required_argument, NULL, OPT_VLAN_SHARE },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "connections", required_argument, NULL, OPT_CONNECTIONS },
		{ "framing", required_argument, NULL, OPT_FRAMING },
		{ "allow-nonlocal", no_argument, NULL, OPT_ALLOW_NONLOCAL },
		{ "dpdk-args", required_argument, NULL, OPT_DPDK_ARGS },
		{ "dpdk-port", required_argument, NULL, OPT_DPDK_PORT },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){
		.count = 1000, .seed = 1, .pps = 10000, .size = 250,
		.sources = 50, .ipv6_share = 10, .vlan_share = 5,
		.dst_port = 514, .connections = 1, .framing = GEN_FRAMING_OCTET,
	};
	parse_rfc3339("2026-01-01T00:00:00Z", &o->start_ns);

	while ((c = getopt_long(argc, argv, "o:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'n':
			o->count = parse_u64("--count", optarg, 0, UINT64_MAX / 2);
			o->count_set = 1;
			break;
		case 's':
			o->size = (uint32_t)parse_u64("--size", optarg,
						      GEN_SIZE_MIN, GEN_SIZE_MAX);
			break;
		case OPT_SOURCES:
			o->sources = (uint32_t)parse_u64("--sources", optarg, 1,
							 GEN_SOURCES_MAX);
			break;
		case OPT_SEED:
			o->seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case OPT_START:
			if (parse_rfc3339(optarg, &o->start_ns) != 0)
				bad_usage("--start: '%s' is not an RFC 3339 time "
					  "such as 2026-01-01T00:00:00Z", optarg);
			break;
		case OPT_PPS:
			o->pps = parse_u64("--pps", optarg, 1, 1000000000);
			break;
		case OPT_DST_PORT:
			o->dst_port = (uint32_t)parse_u64("--dst-port", optarg, 1,
							  65535);
			break;
		case OPT_IPV6_SHARE:
			o->ipv6_share = (uint32_t)parse_u64("--ipv6-share", optarg,
							    0, 100);
			break;
		case OPT_VLAN:
			o->vlan_id = (uint32_t)parse_u64("--vlan", optarg, 1, 4094);
			break;
		case OPT_VLAN_SHARE:
			o->vlan_share = (uint32_t)parse_u64("--vlan-share", optarg,
							    0, 100);
			o->vlan_share_set = 1;
			break;
		case OPT_RATE:
			o->rate = parse_u64("--rate", optarg, 1, 1000000000);
			break;
		case OPT_DURATION:
			/* A year: far enough, and ns still fit in 64 bits. */
			o->duration_ns = parse_seconds("--duration", optarg,
						       366 * 86400);
			break;
		case OPT_CONNECTIONS:
			o->connections = (uint32_t)parse_u64("--connections",
							     optarg, 1,
							     GEN_SOURCES_MAX);
			o->tcp_only_set = 1;
			break;
		case OPT_FRAMING:
			if (strcmp(optarg, "octet") == 0)
				o->framing = GEN_FRAMING_OCTET;
			else if (strcmp(optarg, "lf") == 0)
				o->framing = GEN_FRAMING_LF;
			else
				bad_usage("--framing: '%s' is neither 'octet' "
					  "(RFC 6587 octet counting) nor 'lf'",
					  optarg);
			o->tcp_only_set = 1;
			break;
		case OPT_ALLOW_NONLOCAL:
			o->allow_nonlocal = 1;
			break;
		case OPT_DPDK_ARGS:
			o->dpdk_args = optarg;
			o->dpdk_set = 1;
			break;
		case OPT_DPDK_PORT:
			o->dpdk_port = (uint32_t)parse_u64("--dpdk-port", optarg,
							   0, 65535);
			o->dpdk_set = 1;
			break;
		case OPT_MTU:
			o->mtu = (uint32_t)parse_u64("--mtu", optarg, GEN_MTU_MIN, 65535);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			/* getopt_long has said what was wrong. */
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			exit(2);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!o->out)
		bad_usage("--out is required (e.g. --out pcap:FILE)");
	if (o->vlan_id && !o->vlan_share_set)
		o->vlan_share = 100;
	if (o->duration_ns && !o->count_set)
		o->count = UINT64_MAX / 2;      /* the duration decides */
	if (o->connections > o->sources)
		bad_usage("--connections %u is more than --sources %u: each "
			  "source writes on one connection, so the rest would "
			  "stay idle", o->connections, o->sources);
}

/*
 * The summary line.  "N messages sent" and "S s" are what a test reads to
 * check the rate: keep their shape.
 */
static void
summary(const struct opts *o, uint64_t sent, uint64_t failed,
	uint64_t msg_bytes, uint64_t out_bytes, uint64_t nsrc, double secs)
{
	char asked[48] = "";

	if (o->rate)
		snprintf(asked, sizeof(asked), " (asked %" PRIu64 " msg/s)",
			 o->rate);
	fprintf(stderr, PROG ": %" PRIu64 " messages sent, %" PRIu64 " failed, "
		"%" PRIu64 " bytes of syslog (avg %.1f), %" PRIu64 " bytes "
		"written to %s, %" PRIu64 " distinct sources, %.6f s, "
		"%.1f msg/s, %.2f MB/s%s%s\n",
		sent, failed, msg_bytes,
		sent + failed ? (double)msg_bytes / (double)(sent + failed) : 0.0,
		out_bytes, o->out, nsrc, secs,
		secs > 0 ? (double)sent / secs : 0.0,
		secs > 0 ? (double)out_bytes / secs / 1e6 : 0.0, asked,
		stop ? " (interrupted)" : "");
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct gen_mix *mix = NULL;
	const struct gen_out_ops *ops;
	struct gen_out *out = NULL;
	struct gen_frame_tmpl *tmpl = NULL;
	struct gen_out_stats st = { 0 };
	struct gen_pkt *pkts = NULL;
	struct bucket tb = { 0 };
	struct sigaction sa;
	uint8_t *bufs = NULL, *seen = NULL, *fbufs = NULL;
	uint32_t *flens = NULL;
	uint16_t *ip_id = NULL;
	uint64_t seq = 1, msg_bytes = 0, nsrc_seen = 0, taken = 0, t0, t1, deadline;
	const char *target;
	char err[512] = "";
	double secs;
	int rc = 1, frames, live, last_burst = 0;
	uint32_t n, bmax;

	parse_opts(argc, argv, &o);
	ops = gen_out_find(o.out, &target);
	if (!ops)
		bad_usage("--out: unknown output '%s' (try pcap:FILE, "
			  "udp://127.0.0.1:PORT or tcp://127.0.0.1:PORT)", o.out);
	if (o.tcp_only_set && ops != &gen_out_tcp)
		bad_usage("--connections and --framing apply to tcp:// only");
	if (o.dpdk_set && strcmp(ops->scheme, "dpdk") != 0)
		bad_usage("--dpdk-args and --dpdk-port apply to --out dpdk only");
	if (o.mtu && !(ops->flags & GEN_OUT_F_FRAMES))
		bad_usage("--mtu applies to outputs that build frames (pcap, dpdk); "
			  "the kernel fragments udp:// itself");
	frames = (ops->flags & GEN_OUT_F_FRAMES) != 0;
	live = (ops->flags & GEN_OUT_F_LIVE) != 0;
	bmax = ops->burst ? ops->burst : BURST;

	mix = gen_mix_create(&(struct gen_mix_config){
		.seed = o.seed, .size = o.size, .sources = o.sources,
		.ipv6_share = o.ipv6_share, .vlan_share = o.vlan_share,
		.vlan_id = (uint16_t)o.vlan_id, .start_ns = o.start_ns,
		.pps = o.pps,
	});
	if (!mix) {
		fprintf(stderr, PROG ": cannot build the mix: %s\n",
			strerror(errno));
		goto out;
	}
	n = gen_mix_sources(mix);
	if (gen_mix_avg_size(mix) * 10 > o.size * 11 ||
	    gen_mix_avg_size(mix) * 10 < o.size * 9)
		fprintf(stderr, PROG ": warning: messages will average about %u "
			"bytes, not --size %u: this mix does not cut its "
			"messages shorter\n", gen_mix_avg_size(mix), o.size);
	tmpl = calloc(n, sizeof(*tmpl));
	ip_id = calloc(n, sizeof(*ip_id));
	seen = calloc(n, 1);
	pkts = calloc(bmax, sizeof(*pkts));
	bufs = malloc((size_t)bmax * PKT_BUF);
	if (o.mtu) {
		fbufs = malloc((size_t)bmax * FRAG_BUF);
		flens = malloc((size_t)bmax * FRAGS_MAX * sizeof(*flens));
	}
	if (!tmpl || !ip_id || !seen || !pkts || !bufs || (o.mtu && (!fbufs || !flens))) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	for (uint32_t i = 0; frames && i < n; i++) {
		const struct gen_source *s = gen_mix_source(mix, i);
		struct gen_flow f = {
			.family = s->family, .ttl = s->ttl, .vlan = s->vlan,
			.src_port = s->sport, .dst_port = (uint16_t)o.dst_port,
			.flow_label = s->flow_label,
		};

		memcpy(f.src_mac, s->mac, 6);
		memcpy(f.dst_mac, collector_mac, 6);
		memcpy(f.src_ip, s->addr, 16);
		if (s->family == 4)
			memcpy(f.dst_ip, collector_ip4, 4);
		else
			memcpy(f.dst_ip, collector_ip6, 16);
		if (gen_frame_tmpl_init(&tmpl[i], &f) != 0) {
			fprintf(stderr, PROG ": source %u: bad flow\n", i);
			goto out;
		}
		ip_id[i] = s->ip_id;
	}

	/* No SA_RESTART: a signal cuts a sleep or a wait for a slow
	 * receiver short, and the loop sees the flag. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = ops->open(&out, target, &(struct gen_out_params){
			.snaplen = GEN_FRAME_HDR_MAX + GEN_MSG_MAX,
			.pps = o.pps, .sources = n, .connections = o.connections,
			.framing = o.framing, .allow_nonlocal = o.allow_nonlocal,
			.stop = &stop, .dpdk_args = o.dpdk_args,
			.dpdk_port = o.dpdk_port }, err, sizeof(err));
	if (rc == -EINVAL)
		bad_usage("--out: %s", err);    /* the spec itself is wrong */
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 1;
		goto out;
	}

	t0 = clock_ns(CLOCK_MONOTONIC);
	deadline = o.duration_ns ? t0 + o.duration_ns : UINT64_MAX;
	if (o.rate) {
		tb.rate = o.rate;
		tb.base = t0;
		tb.depth = (uint64_t)((unsigned __int128)o.rate *
				      BUCKET_DEPTH_NS / NS);
		if (tb.depth < BURST)
			tb.depth = BURST;
	}
	while (seq <= o.count && !stop) {
		uint64_t left = o.count - seq + 1, now_rt = 0;
		uint32_t burst = left < bmax ? (uint32_t)left : bmax, took;

		if (o.rate) {
			uint64_t now = clock_ns(CLOCK_MONOTONIC), tok;

			/* Woken late at the end of --duration: one last burst
			 * of what was due before it, no more. */
			if (now >= deadline && last_burst++)
				break;
			tok = bucket_tokens(&tb, now, deadline);
			if (!tok) {
				uint64_t due = bucket_due(&tb);

				if (due >= deadline) {
					/* Nothing more is due in the window. */
					sleep_until(deadline);
					break;
				}
				sleep_until(due);
				continue;
			}
			if (burst > tok)
				burst = (uint32_t)tok;
		} else if (deadline != UINT64_MAX &&
			   clock_ns(CLOCK_MONOTONIC) >= deadline) {
			break;
		}
		/* One wall-clock reading per burst stamps live messages. */
		if (live)
			now_rt = clock_ns(CLOCK_REALTIME);
		for (uint32_t i = 0; i < burst; i++, seq++) {
			uint8_t *msg = bufs + (size_t)i * PKT_BUF + GEN_FRAME_HDR_MAX;
			struct gen_pkt *p = &pkts[i];
			uint32_t src;
			size_t len = live ?
				gen_mix_next_at(mix, seq, now_rt, msg,
						GEN_MSG_CAP_MIN, &src) :
				gen_mix_next(mix, seq, msg, GEN_MSG_CAP_MIN, &src);

			p->msg = msg;
			p->msg_len = (uint32_t)len;
			p->seq = seq;
			p->source = src;
			p->time_ns = live ? now_rt : gen_mix_time(mix, seq);
			p->nfrags = 0;
			if (frames) {
				uint16_t id = ip_id[src]++;

				p->frame_len = (uint32_t)gen_frame_finish(
					&tmpl[src], msg, len, id);
				p->frame = msg - tmpl[src].len;
				if (o.mtu) {
					int nf = gen_frame_fragment(
						&tmpl[src], p->frame, p->frame_len, o.mtu,
						(uint32_t)seq, fbufs + (size_t)i * FRAG_BUF,
						FRAG_BUF, flens + (size_t)i * FRAGS_MAX,
						FRAGS_MAX);

					/* FRAG_BUF/FRAGS_MAX fit any datagram at GEN_MTU_MIN. */
					if (nf > 0) {
						p->nfrags = (uint32_t)nf;
						p->frags = fbufs + (size_t)i * FRAG_BUF;
						p->frag_lens = flens + (size_t)i * FRAGS_MAX;
					}
				}
			} else {
				p->frame = NULL;
				p->frame_len = 0;
			}
		}
		took = ops->send_burst(out, pkts, burst);
		for (uint32_t i = 0; i < took; i++) {
			msg_bytes += pkts[i].msg_len;
			nsrc_seen += !seen[pkts[i].source];
			seen[pkts[i].source] = 1;
		}
		taken += took;
		if (o.rate)
			tb.consumed += burst;
		if (took < burst)
			break;  /* stopped: close() says why */
	}
	/* Paced: the last message owns its interval, so N messages at R/s
	 * take N/R s and the measured rate is R when the generator kept up. */
	if (o.rate && seq > o.count && !stop) {
		uint64_t end = bucket_due(&tb);

		sleep_until(end < deadline ? end : deadline);
	}
	t1 = clock_ns(CLOCK_MONOTONIC);
	secs = (double)(t1 - t0) / 1e9;

	rc = ops->close(out, &st, err, sizeof(err));
	out = NULL;
	/* The output counted each message it took as sent or failed (a
	 * burst it did not take, once stopped, was never offered). */
	summary(&o, st.pkts, taken - st.pkts, msg_bytes, st.bytes, nsrc_seen,
		secs);
	if (o.rate && !stop && secs > 0 && taken == seq - 1 &&
	    (double)st.pkts < 0.98 * (double)o.rate * secs)
		fprintf(stderr, PROG ": note: %.1f msg/s is short of --rate %"
			PRIu64 ": the most this machine, output and receiver "
			"did%s\n", (double)st.pkts / secs, o.rate,
			tb.dropped ? ", with stalls beyond what the bucket "
				     "makes up for (1 s)" : "");
	if (rc != 0 || st.pkts != taken || taken != seq - 1) {
		if (rc != 0 || !stop)
			fprintf(stderr, PROG ": %s\n", err[0] ? err :
				"output stopped taking messages");
		rc = 1;
	}
	if (stop)
		rc = 130;       /* whole so far, but shorter than asked */
out:
	if (out)
		ops->close(out, NULL, err, sizeof(err));
	free(bufs);
	free(fbufs);
	free(flens);
	free(pkts);
	free(seen);
	free(ip_id);
	free(tmpl);
	gen_mix_free(mix);
	return rc;
}

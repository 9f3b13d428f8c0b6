/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * recv_sink: the kernel UDP path's ceiling, with nothing of the engine.
 *
 *   recv_sink --listen 127.0.0.1:PORT [--rcvbuf SIZE] [--count N]
 *             [--idle-ms MS] [--no-timestamp] [--max-msg SIZE]
 *             [--coalesce-us US]
 *
 * One UDP socket, set up as the socket driver sets up its own
 * (drivers/socket/udp.c): SO_RXQ_OVFL, SO_TIMESTAMPNS (unless
 * --no-timestamp), SO_RCVBUFFORCE (SO_RCVBUF when that is refused), bound
 * to ADDR:PORT.  The loop is the driver's too: recvmmsg(MSG_DONTWAIT)
 * bursts of 64 into preallocated 64 KiB buffers while there is data,
 * poll() when there is none.  Per datagram it only reads the control
 * messages and looks for "seq=N" (sealcap-gen puts it in every message
 * exactly once), so the cost measured is the kernel's plus a scan of the
 * bytes: what any receiver must pay before it does real work.
 * --coalesce-us is a what-if, not the driver's behaviour: after a short
 * burst, sleep that long before reading again, so datagrams gather.
 *
 * seq accounting: a bitmap of --count bits (--expect N to size it apart
 * from --count); distinct seq seen, duplicates, missing = expected minus
 * distinct, out_of_range (seq 0 or beyond the bitmap), noseq (no token).
 *
 * Ends on SIGTERM/SIGINT, after --count datagrams, or when --idle-ms pass
 * without a datagram once the first one came.  Then prints one line on
 * stdout, key=value pairs (see the end of main()).  On start it prints
 * "recv_sink: listening on ADDR:PORT rcvbuf=..." on stderr once bound.
 *
 * Loopback only, like sealcap-gen: ADDR must be in 127.0.0.0/8.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BURST 64
#define CTRL 128

static volatile sig_atomic_t stop_sig;

static void
on_stop(int sig)
{
	stop_sig = sig;
}

static int64_t
now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* The socket's drop counter as /proc/net/udp shows it (by inode); -1 if not found. */
static int64_t
proc_drops(int fd)
{
	struct stat st;
	char line[512];
	FILE *f;
	int64_t drops = -1;

	if (fstat(fd, &st) != 0 || (f = fopen("/proc/net/udp", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long inode;
		long long d;

		/* sl local rem st tx:rx tr:when retr uid timeout inode ref ptr drops */
		if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %lld", &inode, &d) == 2 &&
		    inode == (unsigned long)st.st_ino) {
			drops = d;
			break;
		}
	}
	fclose(f);
	return drops;
}

/* The value after the first "seq=" in p[0..n), or 0 when there is none. */
static uint64_t
find_seq(const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n;

	while ((q = memchr(q, 's', (size_t)(end - q))) != NULL) {
		if (end - q > 4 && q[1] == 'e' && q[2] == 'q' && q[3] == '=' &&
		    q[4] >= '0' && q[4] <= '9') {
			uint64_t v = 0;

			for (q += 4; q < end && *q >= '0' && *q <= '9'; q++)
				v = v * 10 + (uint64_t)(*q - '0');
			return v;
		}
		q++;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: recv_sink --listen 127.0.0.1:PORT [options]\n"
		"  --listen ADDR:PORT   loopback IPv4 address and port to bind (required)\n"
		"  --rcvbuf SIZE        SO_RCVBUFFORCE (SO_RCVBUF if refused), e.g. 32M [default: 32M]\n"
		"  --count N            exit after N datagrams; sizes the seq bitmap (0: no limit)\n"
		"  --expect N           size the seq bitmap for seq 1..N (default: --count)\n"
		"  --idle-ms MS         exit MS after the last datagram, once one came (0: never) [default: 0]\n"
		"  --no-timestamp       do not ask for SO_TIMESTAMPNS (the engine does)\n"
		"  --max-msg SIZE       receive buffer per datagram [default: 64K]\n"
		"  --coalesce-us US     after a short burst, sleep US before reading again instead of\n"
		"                       reading at once (a what-if for the driver; 0: off) [default: 0]\n"
		"Prints one key=value line on stdout at exit.\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "no-timestamp", no_argument, NULL, 'T' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "coalesce-us", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t rcvbuf = 32u << 20, count = 0, expect = 0, idle_ms = 0, max_msg = 64u << 10;
	uint64_t coalesce_us = 0;
	bool tstamp = true, have_expect = false;
	const char *listen_arg = NULL;
	struct sockaddr_in sin;
	struct sigaction sa;
	struct rusage ru;
	struct mmsghdr *msg;
	struct iovec *iov;
	struct sockaddr_storage *from;
	union {
		uint8_t b[CTRL];
		struct cmsghdr align;
	} *ctrl;
	uint8_t *data, *bitmap = NULL;
	uint64_t msgs = 0, bytes = 0, distinct = 0, dups = 0, noseq = 0, oor = 0, trunc = 0;
	uint64_t bursts = 0, errors = 0;
	uint32_t ovfl = 0;
	int64_t first_mono = 0, last_mono = 0, first_rt = 0, last_rt = 0, start_mono;
	int64_t pdrops;
	const char *why = "signal";
	int opt, fd, v, got;
	socklen_t vl;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 'r':
			if (parse_size(optarg, &rcvbuf) != 0 || rcvbuf < 4096 || rcvbuf > (1u << 30)) {
				fprintf(stderr, "recv_sink: --rcvbuf '%s': expected 4K..1G\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (parse_size(optarg, &count) != 0) {
				fprintf(stderr, "recv_sink: --count '%s': expected a number\n", optarg);
				return 2;
			}
			break;
		case 'e':
			if (parse_size(optarg, &expect) != 0) {
				fprintf(stderr, "recv_sink: --expect '%s': expected a number\n", optarg);
				return 2;
			}
			have_expect = true;
			break;
		case 'i':
			if (parse_size(optarg, &idle_ms) != 0) {
				fprintf(stderr, "recv_sink: --idle-ms '%s': expected a number\n", optarg);
				return 2;
			}
			break;
		case 'T': tstamp = false; break;
		case 'm':
			if (parse_size(optarg, &max_msg) != 0 || max_msg < 64 || max_msg > 65536) {
				fprintf(stderr, "recv_sink: --max-msg '%s': expected 64..64K\n", optarg);
				return 2;
			}
			break;
		case 'C':
			if (parse_size(optarg, &coalesce_us) != 0 || coalesce_us > 1000000) {
				fprintf(stderr, "recv_sink: --coalesce-us '%s': expected 0..1000000\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (listen_arg == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!have_expect)
		expect = count;
	{
		char host[64];
		const char *colon = strrchr(listen_arg, ':');
		uint64_t port;
		size_t hl;

		if (strncmp(listen_arg, "udp://", 6) == 0)
			listen_arg += 6;
		colon = strrchr(listen_arg, ':');
		hl = colon ? (size_t)(colon - listen_arg) : 0;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		if (colon == NULL || hl == 0 || hl >= sizeof(host) || parse_size(colon + 1, &port) != 0 ||
		    port > 65535) {
			fprintf(stderr, "recv_sink: --listen '%s': expected ADDR:PORT\n", listen_arg);
			return 2;
		}
		memcpy(host, listen_arg, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
		    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "recv_sink: --listen '%s': only numeric 127.0.0.0/8 addresses\n",
				listen_arg);
			return 2;
		}
		sin.sin_port = htons((uint16_t)port);
	}

	/* Everything the loop touches, allocated and touched before the first datagram. */
	msg = calloc(BURST, sizeof(*msg));
	iov = calloc(BURST, sizeof(*iov));
	ctrl = calloc(BURST, sizeof(*ctrl));
	from = calloc(BURST, sizeof(*from));
	data = malloc((size_t)BURST * max_msg);
	if (expect)
		bitmap = calloc((size_t)(expect / 8 + 1), 1);
	if (msg == NULL || iov == NULL || ctrl == NULL || from == NULL || data == NULL || (expect && bitmap == NULL)) {
		fprintf(stderr, "recv_sink: out of memory\n");
		return 1;
	}
	memset(data, 0, (size_t)BURST * max_msg);
	for (unsigned i = 0; i < BURST; i++) {
		iov[i].iov_base = data + (size_t)i * max_msg;
		iov[i].iov_len = max_msg;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_control = ctrl[i].b;
	}

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("recv_sink: socket");
		return 1;
	}
	v = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &v, sizeof(v)) != 0 ||
	    (tstamp && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &v, sizeof(v)) != 0)) {
		perror("recv_sink: setsockopt");
		return 1;
	}
	v = (int)rcvbuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	vl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &vl) != 0)
		v = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		fprintf(stderr, "recv_sink: bind %s: %s\n", listen_arg, strerror(errno));
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;     /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* v is what the kernel charges against: twice what was set. */
	fprintf(stderr, "recv_sink: listening on %s rcvbuf=%" PRIu64 " (kernel sk_rcvbuf %d) count=%" PRIu64
		" expect=%" PRIu64 " idle_ms=%" PRIu64 " timestamps=%s\n",
		listen_arg, rcvbuf, v, count, expect, idle_ms, tstamp ? "on" : "off");
	start_mono = now_ns(CLOCK_MONOTONIC);

	while (!stop_sig) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int timeout = 100;

		for (unsigned i = 0; i < BURST; i++) {
			/* The source address too, as the driver asks for it. */
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msg[i].msg_hdr.msg_controllen = CTRL;
			msg[i].msg_hdr.msg_flags = 0;
		}
		got = recvmmsg(fd, msg, BURST, MSG_DONTWAIT, NULL);
		if (got > 0) {
			int64_t t = now_ns(CLOCK_MONOTONIC);

			if (msgs == 0) {
				first_mono = t;
				first_rt = now_ns(CLOCK_REALTIME);
			}
			last_mono = t;
			bursts++;
			for (int i = 0; i < got; i++) {
				struct msghdr *h = &msg[i].msg_hdr;
				uint32_t len = msg[i].msg_len;
				uint64_t seq;

				if (h->msg_flags & MSG_TRUNC) {
					trunc++;
					if (len > max_msg)
						len = (uint32_t)max_msg;
				}
				for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c))
					if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
					    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t)))
						memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
				bytes += len;
				seq = find_seq(iov[i].iov_base, len);
				if (seq == 0)
					noseq++;
				else if (seq > expect)
					oor++;
				else if (bitmap[seq >> 3] & (1u << (seq & 7)))
					dups++;
				else {
					bitmap[seq >> 3] |= (uint8_t)(1u << (seq & 7));
					distinct++;
				}
			}
			msgs += (uint64_t)got;
			if (count && msgs >= count) {
				why = "count";
				break;
			}
			if (got == BURST)
				continue;
			/* A short burst: the queue was empty a moment ago, fall through to poll. */
		} else if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			errors++;
		}
		if (msgs && idle_ms) {
			int64_t left = (int64_t)idle_ms * 1000000 - (now_ns(CLOCK_MONOTONIC) - last_mono);

			if (left <= 0) {
				why = "idle";
				break;
			}
			if (left / 1000000 + 1 < timeout)
				timeout = (int)(left / 1000000 + 1);
		}
		if (got > 0) {
			/*
			 * A short burst: the driver reads again at once.  With
			 * --coalesce-us, let more datagrams gather first.
			 */
			if (coalesce_us) {
				struct timespec ts = { (time_t)(coalesce_us / 1000000),
						       (long)(coalesce_us % 1000000) * 1000 };

				nanosleep(&ts, NULL);
			}
			continue;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			errors++;
	}
	last_rt = first_rt + (last_mono - first_mono);
	/* The file is read in pieces: a socket closing meanwhile can hide a line. */
	for (int k = 0; k < 5 && (pdrops = proc_drops(fd)) < 0; k++)
		usleep(20000);
	getrusage(RUSAGE_SELF, &ru);
	{
		double span = msgs > 1 ? (double)(last_mono - first_mono) / 1e9 : 0.0;
		double cpu_u = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
		double cpu_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;

		printf("recv_sink msgs=%" PRIu64 " bytes=%" PRIu64 " distinct=%" PRIu64 " dups=%" PRIu64
		       " missing=%" PRIu64 " noseq=%" PRIu64 " out_of_range=%" PRIu64
		       " kernel_drops=%" PRIu32 " proc_drops=%" PRId64 " truncated=%" PRIu64
		       " bursts=%" PRIu64 " errors=%" PRIu64 " first_rt_ns=%" PRId64 " last_rt_ns=%" PRId64
		       " span_s=%.6f rate=%.0f wait_s=%.3f cpu_user_s=%.3f cpu_sys_s=%.3f nvcsw=%ld nivcsw=%ld sk_rcvbuf=%d"
		       " exit=%s\n",
		       msgs, bytes, distinct, dups, expect > distinct ? expect - distinct : 0, noseq, oor,
		       ovfl, pdrops, trunc, bursts, errors, first_rt, last_rt, span,
		       span > 0 ? (double)(msgs - 1) / span : 0.0,
		       msgs ? (double)(first_mono - start_mono) / 1e9 : 0.0, cpu_u, cpu_s, ru.ru_nvcsw,
		       ru.ru_nivcsw, v, why);
	}
	fflush(stdout);
	close(fd);
	free(bitmap);
	free(data);
	free(ctrl);
	free(from);
	free(iov);
	free(msg);
	return 0;
}

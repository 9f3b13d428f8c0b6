/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * socket driver: syslog from the kernel's UDP and TCP stacks.
 *
 *   --listen udp://ADDR:PORT   (repeatable; IPv6 as udp://[::1]:5514)
 *   --listen tcp://ADDR:PORT
 *
 * UDP (udp.c): --rx-workers workers, each with its own SO_REUSEPORT socket
 * per UDP address (the kernel spreads senders by 4-tuple hash, so one
 * sender's datagrams stay with one worker and in order), recvmmsg bursts,
 * per-datagram kernel receive time (SO_TIMESTAMPNS) and the kernel's drop
 * counter (SO_RXQ_OVFL) turned into counted drops.
 *
 * TCP (tcp.c): one worker, the last, runs an epoll loop over every TCP
 * listener and connection and cuts the streams into messages with the RFC
 * 6587 framer (sealcap/framer.h, where the framing rules are written down).
 *
 * Addresses are numeric only (no name lookups at start-up).  IPv6 sockets
 * are IPV6_V6ONLY: listen on udp://0.0.0.0:514 and udp://[::]:514 for both.
 * Port 0 takes any free port; the "listening on" line shows the one taken.
 *
 * The driver is not lossless: what the engine cannot take is dropped and
 * counted (a UDP sender cannot be made to wait).  The TCP worker stops
 * reading while the engine's rings are half full, so TCP senders are held
 * back by their windows rather than dropped (tcp.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sealcap/opt.h>

#include "sock.h"

struct sock_conf sock_conf = {
	.rx_workers = 1,
	.rcvbuf = 32u << 20,
	.max_msg = 64u << 10,
	.max_conns = 4096,
	.idle_timeout_s = 300,
};

static const struct sc_driver_opt sock_opts[] = {
	{ "listen", "URL", "udp://ADDR:PORT or tcp://ADDR:PORT, IPv6 as [ADDR] (repeatable)", NULL },
	{ "rx-workers", "N", "UDP receive workers (one SO_REUSEPORT socket each per address)", "1" },
	{ "rcvbuf", "SIZE", "UDP socket receive buffer (SO_RCVBUFFORCE as root)", "32M" },
	{ "max-msg", "SIZE", "longest TCP frame kept; longer ones are cut and flagged", "64K" },
	{ "max-conns", "N", "concurrent TCP connections", "4096" },
	{ "idle-timeout", "S", "close a TCP connection idle this long (0: never)", "300" },
	{ "tcp-nul-trailer", NULL, "TCP non-transparent framing: NUL ends a frame as LF does", NULL },
	{ NULL, NULL, NULL, NULL },
};

/* ---- helpers shared with udp.c and tcp.c ---------------------------------- */

void
sock_addr_text(enum sock_proto proto, const struct sockaddr *sa, char *buf, size_t len)
{
	const char *scheme = proto == SOCK_UDP ? "udp" : "tcp";
	char host[INET6_ADDRSTRLEN + 16], serv[8];

	if (getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						       : sizeof(struct sockaddr_in),
			host, sizeof(host), serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "%s://?", scheme);
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "%s://[%s]:%s", scheme, host, serv);
	else
		snprintf(buf, len, "%s://%s:%s", scheme, host, serv);
}

void
sock_pkt_addr(struct sc_pkt *m, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		/* IPv4-mapped, as sc_record_set_ipv4 stores it. */
		memset(m->addr, 0, 10);
		m->addr[10] = 0xff;
		m->addr[11] = 0xff;
		memcpy(m->addr + 12, &s4->sin_addr, 4);
		m->family = 4;
		m->src_port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(m->addr, &s6->sin6_addr, 16);
		m->family = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ? 4 : 6;
		m->src_port = ntohs(s6->sin6_port);
	} else {
		memset(m->addr, 0, 16);
		m->family = 0;
		m->src_port = 0;
	}
}

uint16_t
sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

/* ---- options ---------------------------------------------------------------- */

/*
 * udp://ADDR:PORT or tcp://ADDR:PORT; ADDR numeric IPv4, or IPv6 in
 * brackets (a zone as in [fe80::1%eth0] is accepted); PORT 0..65535.
 */
static int
parse_listen(const char *v, struct sock_listen *l, char *err, size_t errlen)
{
	static const char usage[] = "expected udp://ADDR:PORT or tcp://ADDR:PORT (IPv6 as [ADDR])";
	struct addrinfo hints, *ai = NULL;
	char host[80];
	const char *rest, *hend, *port;
	uint64_t pv;
	bool v6 = false;
	int rc;

	memset(l, 0, sizeof(*l));
	if (strncmp(v, "udp://", 6) == 0)
		l->proto = SOCK_UDP;
	else if (strncmp(v, "tcp://", 6) == 0)
		l->proto = SOCK_TCP;
	else
		goto bad_usage;
	rest = v + 6;
	if (*rest == '[') {
		v6 = true;
		rest++;
		hend = strchr(rest, ']');
		if (hend == NULL) {
			snprintf(err, errlen, "--listen '%s': missing ']' after the IPv6 address", v);
			return -EINVAL;
		}
		port = hend + 1;
	} else {
		hend = strrchr(rest, ':');
		if (hend == NULL) {
			snprintf(err, errlen, "--listen '%s': missing :PORT", v);
			return -EINVAL;
		}
		if (memchr(rest, ':', (size_t)(hend - rest)) != NULL) {
			snprintf(err, errlen, "--listen '%s': put an IPv6 address in brackets, as udp://[::1]:5514",
				 v);
			return -EINVAL;
		}
		port = hend;
	}
	if (hend == rest || (size_t)(hend - rest) >= sizeof(host))
		goto bad_usage;
	if (*port != ':' || port[1] == '\0') {
		snprintf(err, errlen, "--listen '%s': missing :PORT", v);
		return -EINVAL;
	}
	port++;
	if (sc_opt_u64(port, &pv) != 0 || pv > 65535) {
		snprintf(err, errlen, "--listen '%s': port '%s' is not 0..65535", v, port);
		return -EINVAL;
	}
	memcpy(host, rest, (size_t)(hend - rest));
	host[hend - rest] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_family = v6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = l->proto == SOCK_UDP ? SOCK_DGRAM : SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc != 0 || ai == NULL || ai->ai_addrlen > sizeof(l->ss)) {
		snprintf(err, errlen, "--listen '%s': '%s' is not a numeric %s address", v, host,
			 v6 ? "IPv6" : "IPv4");
		if (ai)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(&l->ss, ai->ai_addr, ai->ai_addrlen);
	l->sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	set_port(&l->ss, (uint16_t)pv);
	snprintf(l->text, sizeof(l->text), "%s", v);
	return 0;

bad_usage:
	snprintf(err, errlen, "--listen '%s': %s", v, usage);
	return -EINVAL;
}

static int
drv_set_opt(const char *name, const char *value, char *err, size_t errlen)
{
	struct sock_conf *c = &sock_conf;
	uint64_t v;

	if (strcmp(name, "listen") == 0) {
		struct sock_listen l;

		if (parse_listen(value, &l, err, errlen) != 0)
			return -EINVAL;
		if (c->nl == SOCK_LISTEN_MAX) {
			snprintf(err, errlen, "--listen '%s': at most %d listen addresses", value,
				 SOCK_LISTEN_MAX);
			return -EINVAL;
		}
		c->l[c->nl++] = l;
		return 0;
	}
	if (strcmp(name, "rx-workers") == 0) {
		if (sc_opt_u64(value, &v) != 0 || v < 1 || v > SC_WORKERS_MAX) {
			snprintf(err, errlen, "--rx-workers '%s': expected 1..%d", value, SC_WORKERS_MAX);
			return -EINVAL;
		}
		c->rx_workers = (unsigned)v;
		return 0;
	}
	if (strcmp(name, "rcvbuf") == 0) {
		/* The kernel doubles the value into an int: stay below 1G. */
		if (sc_opt_size(value, &v) != 0 || v < 4096 || v > (1u << 30)) {
			snprintf(err, errlen, "--rcvbuf '%s': expected a size from 4K to 1G", value);
			return -EINVAL;
		}
		c->rcvbuf = v;
		return 0;
	}
	if (strcmp(name, "max-msg") == 0) {
		if (sc_opt_size(value, &v) != 0 || v < SC_FRAMER_MSG_MIN || v > SC_REC_RAW_MAX) {
			snprintf(err, errlen, "--max-msg '%s': expected a size from %u to %u", value,
				 SC_FRAMER_MSG_MIN, SC_REC_RAW_MAX);
			return -EINVAL;
		}
		c->max_msg = v;
		return 0;
	}
	if (strcmp(name, "max-conns") == 0) {
		if (sc_opt_u64(value, &v) != 0 || v < 1 || v > (1u << 20)) {
			snprintf(err, errlen, "--max-conns '%s': expected 1..1048576", value);
			return -EINVAL;
		}
		c->max_conns = (unsigned)v;
		return 0;
	}
	if (strcmp(name, "idle-timeout") == 0) {
		if (sc_opt_u64(value, &v) != 0 || v > 30u * 86400) {
			snprintf(err, errlen, "--idle-timeout '%s': expected seconds, 0..2592000", value);
			return -EINVAL;
		}
		c->idle_timeout_s = (unsigned)v;
		return 0;
	}
	if (strcmp(name, "tcp-nul-trailer") == 0) {
		c->nul_trailer = true;
		return 0;
	}
	snprintf(err, errlen, "socket driver has no option --%s", name);
	return -EINVAL;
}

/* ---- open / run / stats / close -------------------------------------------- */

/*
 * Raise the open-file limit to @p need when allowed (the soft limit up to
 * the hard one; as root the hard one too).  @return the limit now in force.
 */
static uint64_t
raise_nofile(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			struct rlimit both = { need, need };

			if (setrlimit(RLIMIT_NOFILE, &both) == 0)
				return need;
		}
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 1024;
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
}

static void drv_close(void *priv);

static void *
drv_open(struct sc_engine *e, unsigned *nb_workers, char *err, size_t errlen)
{
	const struct sock_conf *c = &sock_conf;
	unsigned nudp = 0, ntcp = 0, max_conns = c->max_conns;
	struct sock_drv *d;
	char text[160];

	for (unsigned i = 0; i < c->nl; i++) {
		if (c->l[i].proto == SOCK_UDP)
			nudp++;
		else
			ntcp++;
	}
	if (nudp + ntcp == 0) {
		snprintf(err, errlen, "driver socket needs --listen udp://ADDR:PORT or tcp://ADDR:PORT");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "socket driver: out of memory");
		return NULL;
	}
	d->e = e;
	d->nb_udp = nudp ? c->rx_workers : 0;
	d->tcp = ntcp > 0;
	if (d->nb_udp + d->tcp > SC_WORKERS_MAX) {
		snprintf(err, errlen, "--rx-workers %u: with the TCP worker that makes %u, at most %d",
			 c->rx_workers, d->nb_udp + 1, SC_WORKERS_MAX);
		goto fail;
	}

	if (d->tcp) {
		/* Sockets we hold besides connections, plus room for the store. */
		uint64_t other = (uint64_t)d->nb_udp * nudp + ntcp + 64;
		uint64_t have = raise_nofile(other + max_conns);

		if (have < other + max_conns) {
			if (have <= other) {
				snprintf(err, errlen, "open-file limit (RLIMIT_NOFILE) %" PRIu64
					 " leaves no room for TCP connections", have);
				goto fail;
			}
			max_conns = (unsigned)(have - other);
			fprintf(stderr, "sealcap: socket: open-file limit (RLIMIT_NOFILE) is %" PRIu64
				", --max-conns %u needs %" PRIu64 ": accepting at most %u connections\n",
				have, c->max_conns, other + c->max_conns, max_conns);
		}
	}

	if (d->nb_udp) {
		d->udp = calloc(d->nb_udp, sizeof(*d->udp));
		if (d->udp == NULL) {
			snprintf(err, errlen, "socket driver: out of memory");
			goto fail;
		}
		for (unsigned w = 0; w < d->nb_udp; w++) {
			d->udp[w] = udp_worker_new(e, w, err, errlen);
			if (d->udp[w] == NULL)
				goto fail;
		}
		for (unsigned i = 0; i < c->nl; i++) {
			struct sockaddr_storage ss;
			uint64_t got;
			uint16_t port;

			if (c->l[i].proto != SOCK_UDP)
				continue;
			if (udp_listen(d->udp, d->nb_udp, &c->l[i], c->rcvbuf, &got, &port, err,
				       errlen) != 0)
				goto fail;
			ss = c->l[i].ss;
			set_port(&ss, port);
			sock_addr_text(SOCK_UDP, (struct sockaddr *)&ss, text, sizeof(text));
			/* The kernel caps a socket buffer at INT_MAX / 2 whatever is asked. */
			if (got < c->rcvbuf && got < (uint64_t)INT_MAX / 2)
				fprintf(stderr, "sealcap: listening on %s (%u worker%s, rcvbuf %" PRIu64
					", asked %" PRIu64 ": raise net.core.rmem_max or run as root)\n",
					text, d->nb_udp, d->nb_udp == 1 ? "" : "s", got, c->rcvbuf);
			else
				fprintf(stderr, "sealcap: listening on %s (%u worker%s, rcvbuf %" PRIu64 ")\n",
					text, d->nb_udp, d->nb_udp == 1 ? "" : "s", got);
		}
	}

	if (d->tcp) {
		size_t emax = sc_engine_max_msg(e);
		uint32_t max_msg = (uint32_t)(c->max_msg < emax ? c->max_msg : emax);

		if (max_msg < c->max_msg)
			fprintf(stderr, "sealcap: socket: --max-msg %" PRIu64 " is above what the engine takes"
				" (--batch-bytes): TCP frames are cut at %u\n", c->max_msg, max_msg);
		d->tw = tcp_worker_new(e, max_conns, max_msg, err, errlen);
		if (d->tw == NULL)
			goto fail;
		for (unsigned i = 0; i < c->nl; i++) {
			struct sockaddr_storage ss;
			uint16_t port;

			if (c->l[i].proto != SOCK_TCP)
				continue;
			if (tcp_listen(d->tw, &c->l[i], &port, err, errlen) != 0)
				goto fail;
			ss = c->l[i].ss;
			set_port(&ss, port);
			sock_addr_text(SOCK_TCP, (struct sockaddr *)&ss, text, sizeof(text));
			fprintf(stderr, "sealcap: listening on %s (max-conns %u, max-msg %u, idle-timeout %us%s)\n",
				text, max_conns, max_msg, c->idle_timeout_s,
				c->nul_trailer ? ", NUL trailer" : "");
		}
	}
	*nb_workers = d->nb_udp + d->tcp;
	return d;

fail:
	drv_close(d);
	return NULL;
}

static int
drv_run(void *priv, struct sc_rx *rx, unsigned worker)
{
	struct sock_drv *d = priv;

	if (worker < d->nb_udp)
		return udp_run(d->udp[worker], rx);
	return tcp_run(d->tw, rx);
}

static void
drv_stats(void *priv, char *buf, size_t len)
{
	struct sock_drv *d = priv;
	struct udp_stats u;
	size_t n = 0;

	memset(&u, 0, sizeof(u));
	for (unsigned w = 0; w < d->nb_udp; w++)
		udp_stats(d->udp[w], &u);
	if (d->nb_udp)
		n += (size_t)snprintf(buf + n, len - n,
				      "udp rx=%" PRIu64 " bytes=%" PRIu64 " kernel-drops=%" PRIu64
				      " truncated=%" PRIu64 " errors=%" PRIu64,
				      ctr_get(&u.msgs), ctr_get(&u.bytes), ctr_get(&u.kernel_drops),
				      ctr_get(&u.truncated), ctr_get(&u.errors));
	if (d->tcp && n < len) {
		struct tcp_stats *t = tcp_worker_stats(d->tw);

		snprintf(buf + n, len - n,
			 "%stcp rx=%" PRIu64 " bytes=%" PRIu64 " conns-open=%" PRIu64
			 " conns-total=%" PRIu64 " truncated=%" PRIu64 " (oversize=%" PRIu64
			 " incomplete=%" PRIu64 ") octet-errors=%" PRIu64 " discarded-bytes=%" PRIu64
			 " refused=%" PRIu64 " idle-closed=%" PRIu64 " paused-ms=%" PRIu64
			 " errors=%" PRIu64,
			 n ? "; " : "", ctr_get(&t->frames), ctr_get(&t->bytes),
			 ctr_get(&t->conns_open), ctr_get(&t->conns_total), ctr_get(&t->truncated),
			 ctr_get(&t->oversize), ctr_get(&t->incomplete), ctr_get(&t->octet_errors),
			 ctr_get(&t->discarded), ctr_get(&t->refused), ctr_get(&t->idle_closed),
			 ctr_get(&t->paused_ms), ctr_get(&t->errors));
	}
}

static void
drv_close(void *priv)
{
	struct sock_drv *d = priv;

	if (d == NULL)
		return;
	if (d->udp)
		for (unsigned w = 0; w < d->nb_udp; w++)
			udp_worker_free(d->udp[w]);
	free(d->udp);
	tcp_worker_free(d->tw);
	free(d);
}

static const struct sc_driver_ops sock_ops = {
	.name = "socket",
	.summary = "kernel UDP (recvmmsg, SO_REUSEPORT) and TCP (RFC 6587) sockets",
	.opts = sock_opts,
	.lossless = false,
	.set_opt = drv_set_opt,
	.open = drv_open,
	.run = drv_run,
	.stats = drv_stats,
	.close = drv_close,
};

SC_DRIVER_REGISTER(sock_ops)

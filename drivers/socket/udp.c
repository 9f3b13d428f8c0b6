/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * UDP receive: one worker owns one SO_REUSEPORT socket per UDP listen
 * address and all its receive memory, sized at open:
 *
 *   UDP_BURST datagram buffers of 64 KiB (no datagram is ever cut: the
 *   largest UDP payload is 65507 bytes over IPv4, 65527 over IPv6),
 *   their iovecs, source addresses and control buffers.
 *
 * The loop takes bursts with recvmmsg(MSG_DONTWAIT) from each socket in
 * turn while any has data, and sleeps in poll() (at most SOCK_POLL_MS) only
 * when all are empty: under load it costs one syscall per burst, idle it
 * wakes 10 times a second to see sc_rx_stopping.  No allocation and no other
 * syscall per datagram.
 *
 * Per datagram: the kernel receive time (SO_TIMESTAMPNS, CLOCK_REALTIME at
 * the socket layer) becomes meta.rx_ns; the socket's cumulative drop
 * counter (SO_RXQ_OVFL, sent along when non-zero) becomes counted
 * SC_DROP_KERNEL drops by its growth since the last datagram.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"

#define UDP_BURST 64
#define UDP_BUF (64u << 10)
/* SCM_TIMESTAMPNS (struct timespec) + SO_RXQ_OVFL (u32), with room. */
#define UDP_CTRL 128
/* Bursts from one socket before turning to the next (fairness). */
#define UDP_PASS_BURSTS 8
/* Bursts per socket read at shutdown: what the kernel already holds. */
#define UDP_DRAIN_BURSTS 1024
/* Pause after a short burst, so the next recvmmsg takes more than one. */
#define UDP_COALESCE_NS 100000

struct udp_sock {
	int fd;
	uint16_t port;       /* local port: the records' dst_port */
	uint32_t ovfl;       /* last SO_RXQ_OVFL value seen */
};

struct udp_worker {
	unsigned id;
	uint32_t max_msg;
	unsigned nsock;
	struct udp_sock sock[SOCK_LISTEN_MAX];
	struct pollfd pfd[SOCK_LISTEN_MAX];
	uint8_t *data;                              /* UDP_BURST * UDP_BUF */
	struct mmsghdr msg[UDP_BURST];
	struct iovec iov[UDP_BURST];
	struct sockaddr_storage from[UDP_BURST];
	union {
		uint8_t b[UDP_CTRL];
		struct cmsghdr align;
	} ctrl[UDP_BURST];
	struct udp_stats st __attribute__((aligned(SOCK_CACHE_LINE)));
};

struct udp_worker *
udp_worker_new(struct sc_engine *e, unsigned id, char *err, size_t errlen)
{
	size_t sz = (sizeof(struct udp_worker) + SOCK_CACHE_LINE - 1) & ~(size_t)(SOCK_CACHE_LINE - 1);
	struct udp_worker *w = aligned_alloc(SOCK_CACHE_LINE, sz);
	size_t emax = sc_engine_max_msg(e);

	if (w == NULL) {
		snprintf(err, errlen, "socket udp worker %u: out of memory", id);
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->max_msg = (uint32_t)(emax < UDP_BUF ? emax : UDP_BUF);
	w->data = malloc((size_t)UDP_BURST * UDP_BUF);
	if (w->data == NULL) {
		free(w);
		snprintf(err, errlen, "socket udp worker %u: out of memory for %u x %u byte buffers", id,
			 UDP_BURST, UDP_BUF);
		return NULL;
	}
	for (unsigned i = 0; i < UDP_BURST; i++) {
		struct msghdr *h = &w->msg[i].msg_hdr;

		w->iov[i].iov_base = w->data + (size_t)i * UDP_BUF;
		w->iov[i].iov_len = UDP_BUF;
		h->msg_name = &w->from[i];
		h->msg_iov = &w->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = w->ctrl[i].b;
	}
	return w;
}

void
udp_worker_free(struct udp_worker *w)
{
	if (w == NULL)
		return;
	for (unsigned i = 0; i < w->nsock; i++)
		close(w->sock[i].fd);
	free(w->data);
	free(w);
}

void
udp_stats(struct udp_worker *w, struct udp_stats *sum)
{
	ctr_add(&sum->msgs, ctr_get(&w->st.msgs));
	ctr_add(&sum->bytes, ctr_get(&w->st.bytes));
	ctr_add(&sum->kernel_drops, ctr_get(&w->st.kernel_drops));
	ctr_add(&sum->truncated, ctr_get(&w->st.truncated));
	ctr_add(&sum->errors, ctr_get(&w->st.errors));
}

static int
sockopt_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

int
udp_listen(struct udp_worker **w, unsigned nw, const struct sock_listen *l, uint64_t rcvbuf,
	   uint64_t *obtained, uint16_t *port_out, char *err, size_t errlen)
{
	struct sockaddr_storage ss = l->ss;
	int family = ss.ss_family;
	uint16_t port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	uint64_t got_min = UINT64_MAX;

	/*
	 * SO_REUSEPORT would let us join a group another process of ours
	 * already holds and silently share its traffic: first make sure the
	 * port is free with a plain socket.
	 */
	if (port != 0) {
		int probe = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int rc;

		if (probe < 0) {
			snprintf(err, errlen, "--listen %s: socket: %s", l->text, strerror(errno));
			return -errno;
		}
		if (family == AF_INET6)
			sockopt_int(probe, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		rc = bind(probe, (struct sockaddr *)&ss, l->sslen);
		if (rc != 0) {
			int e = errno;

			close(probe);
			snprintf(err, errlen, "--listen %s: %s%s", l->text, strerror(e),
				 e == EADDRINUSE ? " (another program listens there)" : "");
			return -e;
		}
		close(probe);
	}
	for (unsigned i = 0; i < nw; i++) {
		struct udp_worker *wk = w[i];
		int fd, v = (int)rcvbuf;
		socklen_t vl = sizeof(v);

		if (wk->nsock == SOCK_LISTEN_MAX) {
			snprintf(err, errlen, "--listen %s: too many UDP addresses", l->text);
			return -EINVAL;
		}
		fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "--listen %s: socket: %s", l->text, strerror(errno));
			return -errno;
		}
		/* Registered at once so udp_worker_free closes it on any failure. */
		wk->sock[wk->nsock].fd = fd;
		wk->sock[wk->nsock].port = port;
		wk->sock[wk->nsock].ovfl = 0;
		wk->pfd[wk->nsock].fd = fd;
		wk->pfd[wk->nsock].events = POLLIN;
		wk->nsock++;
		if (sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) != 0 ||
		    (family == AF_INET6 && sockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0) ||
		    sockopt_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1) != 0 ||
		    sockopt_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) != 0) {
			snprintf(err, errlen, "--listen %s: setsockopt: %s", l->text, strerror(errno));
			return -errno;
		}
		/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; else capped. */
		if (sockopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, v) != 0)
			sockopt_int(fd, SOL_SOCKET, SO_RCVBUF, v);
		/* The kernel reports twice the size set (its bookkeeping share). */
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &vl) == 0 && (uint64_t)v / 2 < got_min)
			got_min = (uint64_t)v / 2;
		if (family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, l->sslen) != 0) {
			snprintf(err, errlen, "--listen %s: %s", l->text, strerror(errno));
			return -errno;
		}
		if (port == 0) {
			/* Port 0: the first socket picks, the group follows it. */
			port = sock_local_port(fd);
			wk->sock[wk->nsock - 1].port = port;
		}
	}
	*obtained = got_min == UINT64_MAX ? 0 : got_min;
	*port_out = port;
	return 0;
}

/* One recvmmsg burst of @p n datagrams from @p s into the engine. */
static void
udp_burst(struct udp_worker *w, struct sc_rx *rx, struct udp_sock *s, int n)
{
	uint64_t bytes = 0, trunc = 0, drops = 0;

	sc_rx_burst_begin(rx);
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &w->msg[i].msg_hdr;
		uint32_t len = w->msg[i].msg_len;
		struct sc_pkt m;

		m.rx_ns = 0;
		m.flags = 0;
		if ((h->msg_flags & MSG_TRUNC) || len > w->max_msg) {
			if (len > w->max_msg)
				len = w->max_msg;
			m.flags = SC_REC_TRUNCATED;
			trunc++;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				m.rx_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			} else if (c->cmsg_type == SO_RXQ_OVFL &&
				   c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
				uint32_t total;

				memcpy(&total, CMSG_DATA(c), sizeof(total));
				drops += (uint32_t)(total - s->ovfl); /* wraps modulo 2^32 */
				s->ovfl = total;
			}
		}
		sock_pkt_addr(&m, (const struct sockaddr *)h->msg_name);
		m.transport = SC_TRANSPORT_UDP;
		m.dst_port = s->port;
		sc_rx_push(rx, &m, w->iov[i].iov_base, len);
		bytes += len;
	}
	sc_rx_burst_end(rx);
	if (drops) {
		sc_rx_drop(rx, SC_DROP_KERNEL, drops);
		ctr_add(&w->st.kernel_drops, drops);
	}
	ctr_add(&w->st.msgs, (uint64_t)n);
	ctr_add(&w->st.bytes, bytes);
	if (trunc)
		ctr_add(&w->st.truncated, trunc);
}

/*
 * Up to @p max_bursts bursts from @p s.  @return true if any datagram came;
 * *full says the last burst filled the array (a backlog is waiting).
 */
static bool
udp_drain(struct udp_worker *w, struct sc_rx *rx, struct udp_sock *s, unsigned max_bursts,
	  bool *full)
{
	bool got = false;

	*full = false;
	for (unsigned k = 0; k < max_bursts; k++) {
		int n;

		/* recvmmsg writes these back: reset the whole array each time. */
		for (unsigned i = 0; i < UDP_BURST; i++) {
			w->msg[i].msg_hdr.msg_namelen = sizeof(w->from[i]);
			w->msg[i].msg_hdr.msg_controllen = UDP_CTRL;
			w->msg[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(s->fd, w->msg, UDP_BURST, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				ctr_add(&w->st.errors, 1);
			break;
		}
		got = true;
		udp_burst(w, rx, s, n);
		*full = n == UDP_BURST;
		if (!*full)
			break;
	}
	return got;
}

int
udp_run(struct udp_worker *w, struct sc_rx *rx)
{
	while (!sc_rx_stopping(rx)) {
		bool got = false, backlog = false;

		for (unsigned s = 0; s < w->nsock; s++) {
			bool full;

			got |= udp_drain(w, rx, &w->sock[s], UDP_PASS_BURSTS, &full);
			backlog |= full;
		}
		if (got) {
			/*
			 * Short bursts: let datagrams gather for a moment instead of
			 * waking per datagram (measured in recv_sink at 100k/s: CPU per
			 * message 3.1 -> 1.6 us, context switches 112k -> 28k/s).  A
			 * full burst means a backlog: read on at once.
			 */
			if (!backlog) {
				struct timespec ts = { 0, UDP_COALESCE_NS };

				nanosleep(&ts, NULL);
			}
			continue;
		}
		/* About to block: nothing may wait in a held batch meanwhile. */
		sc_rx_flush(rx);
		if (poll(w->pfd, w->nsock, SOCK_POLL_MS) < 0 && errno != EINTR)
			ctr_add(&w->st.errors, 1);
	}
	/*
	 * Stopping.  Connect each socket to its own address first: from then
	 * on the kernel delivers it nothing new (senders get port-unreachable,
	 * as after close), while what is already queued stays readable.  So
	 * nothing is lost uncounted between this last read and close().
	 */
	for (unsigned s = 0; s < w->nsock; s++) {
		struct sockaddr_storage self;
		socklen_t sl = sizeof(self);
		bool full;

		if (getsockname(w->pfd[s].fd, (struct sockaddr *)&self, &sl) == 0)
			connect(w->pfd[s].fd, (struct sockaddr *)&self, sl);
		udp_drain(w, rx, &w->sock[s], UDP_DRAIN_BURSTS, &full);
	}
	return 0;
}

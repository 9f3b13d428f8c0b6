/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * tcp://HOST:PORT output: syslog over TCP (RFC 6587), octet-counted
 * ("LEN SP MSG", the default) or LF-terminated ("MSG LF").
 *
 * Connections.  --connections C (1..--sources) connections are opened at
 * start, non-blocking, all at once, and waited for with epoll; connection c
 * binds the loopback address of source c (out_net.h) first, so with C equal
 * to --sources every device has its own connection and address, as real
 * devices do.  Source s always writes on connection s % C, so each source's
 * messages stay in order on one connection.
 *
 * Writing.  A burst is split by connection and written with sendmsg()
 * straight from the caller's buffers (an iovec pair per message: prefix and
 * message, or message and LF), non-blocking.  A short write leaves the rest
 * for when epoll says the socket is writable again (edge-triggered), so a
 * slow connection does not hold back the others; send_burst() returns when
 * every message of the burst is written whole or counted as failed.
 * "Sent" means written whole into the socket.  A write error (reset,
 * broken pipe) fails the messages not yet written on that connection and
 * stops the output; so does a receiver that takes nothing for STALL_MS, or
 * an interrupt while waiting for one.
 *
 * Closing.  Each connection is shut down for writing and given
 * CLOSE_WAIT_MS for the receiver's TCP to acknowledge every byte
 * (SIOCOUTQ drops to 0, the FIN included); bytes written but never
 * acknowledged, or lost to a reset, are reported and make close() fail.
 *
 * LF framing cannot carry a message that contains LF.  A message that ends
 * in LF (some malformed ones of the mix) is sent as it is: its own LF ends
 * the frame and no second one is added.  An LF anywhere else would split
 * the message; the mix writes none, and any is counted and warned about.
 */
#include "out.h"
#include "out_net.h"

#include <errno.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_BURST 1024
#define CONNECT_TIMEOUT_MS 10000
#define STALL_MS 30000
#define CLOSE_WAIT_MS 5000
#define PFX_MAX 12              /* "8192 " and a NUL, with room */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

struct conn {
	int fd;
	int connected;
	int dead;               /* errno that ended it; 0 while alive */
	uint32_t idx;
	char local[80];         /* "127.0.0.3:40112" */
	uint64_t sent;          /* messages written whole */
	uint64_t bytes;
	uint64_t unacked;       /* at close: bytes never acknowledged */
	/* This burst's iovecs: o->iov[first, end), written up to pos. */
	uint32_t nmsg;
	uint32_t first, pos, end;
};

struct gen_out {
	struct gen_net_dst dst;
	struct conn *c;
	uint32_t nconn;
	enum gen_framing framing;
	int ep;
	const volatile sig_atomic_t *stop;
	uint32_t touched[TCP_BURST];    /* connections of this burst */
	uint32_t pending;               /* of them, still with bytes to write */
	struct iovec iov[2 * TCP_BURST];
	char pfx[TCP_BURST][PFX_MAX];
	uint64_t sent, failed, bytes, inner_lf;
	int stopped;
	int why_err;            /* errno of the first failure */
	char why[320];          /* and its story */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
release(struct gen_out *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; o->c && i < o->nconn; i++)
		if (o->c[i].fd >= 0)
			close(o->c[i].fd);
	if (o->ep >= 0)
		close(o->ep);
	free(o->c);
	free(o);
}

static int
connect_one(struct gen_out *o, struct conn *c, char *err, size_t errlen)
{
	static const int one = 1;
	struct sockaddr_storage src;
	socklen_t sl;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET, .data.ptr = c };
	int rc;

	c->fd = socket(o->dst.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "tcp: connection %u: socket: %s", c->idx,
			 strerror(errno));
		return rc;
	}
	/* Many connections from one address: let connect() pick the port
	 * per 4-tuple instead of reserving one at bind(). */
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	/* A device writes each message as it comes: no Nagle delay. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (gen_net_src(&o->dst, c->idx, &src, &sl) != 0) {
		snprintf(err, errlen, "tcp: connection %u: no loopback address "
			 "left", c->idx);
		return -ERANGE;
	}
	gen_net_addr_str((struct sockaddr *)&src, c->local, sizeof(c->local));
	if (bind(c->fd, (struct sockaddr *)&src, sl) != 0) {
		rc = errno == EINVAL ? -EIO : -errno;
		snprintf(err, errlen, "tcp: connection %u: bind %s: %s", c->idx,
			 c->local, strerror(errno));
		return rc;
	}
	if (epoll_ctl(o->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		rc = -errno;
		snprintf(err, errlen, "tcp: epoll_ctl: %s", strerror(errno));
		return rc;
	}
	if (connect(c->fd, (struct sockaddr *)&o->dst.addr, o->dst.addrlen) == 0) {
		c->connected = 1;
		return 0;
	}
	if (errno == EINPROGRESS)
		return 0;
	rc = errno == EINVAL ? -EIO : -errno;
	if (rc == -ECONNREFUSED)
		snprintf(err, errlen, "tcp: %s: connection refused (is a receiver "
			 "listening there?)", o->dst.name);
	else
		snprintf(err, errlen, "tcp: connection %u from %s to %s: %s",
			 c->idx, c->local, o->dst.name, strerror(errno));
	return rc;
}

/* Wait until every connection is up; the first failure fails all. */
static int
connect_wait(struct gen_out *o, char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
	uint32_t up = 0;
	struct epoll_event ev[64];

	for (uint32_t i = 0; i < o->nconn; i++)
		up += o->c[i].connected;
	while (up < o->nconn) {
		uint64_t now = now_ms();
		int n;

		if (now >= deadline) {
			snprintf(err, errlen, "tcp: %s: %u of %u connections not "
				 "established after %d s", o->dst.name,
				 o->nconn - up, o->nconn, CONNECT_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		n = epoll_wait(o->ep, ev, 64, (int)(deadline - now));
		if (n < 0) {
			if (errno == EINTR) {
				if (o->stop && *o->stop) {
					snprintf(err, errlen, "tcp: %s: interrupted "
						 "while connecting", o->dst.name);
					return -EINTR;
				}
				continue;
			}
			snprintf(err, errlen, "tcp: epoll_wait: %s", strerror(errno));
			return -EIO;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			int e = 0;
			socklen_t el = sizeof(e);
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);

			if (c->connected)
				continue;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
				e = errno;
			if (e == ECONNREFUSED) {
				snprintf(err, errlen, "tcp: %s: connection refused "
					 "(is a receiver listening there?)",
					 o->dst.name);
				return -ECONNREFUSED;
			}
			if (e) {
				snprintf(err, errlen, "tcp: connection %u from %s "
					 "to %s: %s", c->idx, c->local,
					 o->dst.name, strerror(e));
				return e == EINVAL ? -EIO : -e;
			}
			c->connected = 1;
			up++;
			if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
				gen_net_addr_str((struct sockaddr *)&ss, c->local,
						 sizeof(c->local));
		}
	}
	return 0;
}

static int
tcp_out_open(struct gen_out **outp, const char *target,
	     const struct gen_out_params *params, char *err, size_t errlen)
{
	struct gen_out *o;
	uint32_t n = params->connections ? params->connections : 1;
	int rc;

	*outp = NULL;
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "tcp: out of memory");
		return -ENOMEM;
	}
	o->ep = -1;
	o->framing = params->framing;
	o->stop = params->stop;
	rc = gen_net_parse("tcp", target, params->allow_nonlocal, &o->dst, err,
			   errlen);
	if (rc)
		goto fail;
	if (params->sources && n > params->sources)
		n = params->sources;    /* an idle connection carries nothing */
	o->nconn = n;
	o->c = calloc(n, sizeof(*o->c));
	if (!o->c) {
		rc = -ENOMEM;
		snprintf(err, errlen, "tcp: out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		o->c[i].fd = -1;
		o->c[i].idx = i;
	}
	rc = gen_net_reserve_fds((uint64_t)n + 1, "tcp: one socket per connection",
				 err, errlen);
	if (rc)
		goto fail;
	o->ep = epoll_create1(EPOLL_CLOEXEC);
	if (o->ep < 0) {
		rc = -errno;
		snprintf(err, errlen, "tcp: epoll_create1: %s", strerror(errno));
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		rc = connect_one(o, &o->c[i], err, errlen);
		if (rc)
			goto fail;
	}
	rc = connect_wait(o, err, errlen);
	if (rc)
		goto fail;
	if (n > 1 && !gen_net_src_distinct(&o->dst))
		fprintf(stderr, "sealcap-gen: note: %s: the %u connections share "
			"one source address (%s) and are told apart by source "
			"port\n", o->dst.name, n, o->dst.family == AF_INET6 &&
			o->dst.loopback ? "::1, the only IPv6 loopback address" :
			"the route's, as the destination is not loopback");
	*outp = o;
	return 0;
fail:
	release(o);
	return rc;
}

/* Messages of @p c's burst not yet written whole. */
static uint32_t
unwritten(const struct conn *c)
{
	/* Two iovecs per message; pos odd means one is half way. */
	return (c->end - c->pos + 1) / 2;
}

/* Stop the output, failing what @p c has left; the first cause is kept. */
static void
conn_fail(struct gen_out *o, struct conn *c, int e, const char *what)
{
	o->failed += unwritten(c);
	c->pos = c->end;
	if (e && !c->dead)
		c->dead = e;
	if (!o->why_err) {
		o->why_err = e ? e : EIO;
		snprintf(o->why, sizeof(o->why), "tcp: connection %u (%s -> %s): "
			 "%s after %llu messages on it", c->idx, c->local,
			 o->dst.name, what, (unsigned long long)c->sent);
	}
	o->stopped = 1;
}

/* Account @p w bytes written on @p c: advance its iovecs, count messages
 * completed (a message is done when its second iovec is). */
static void
advance(struct gen_out *o, struct conn *c, size_t w)
{
	while (c->pos < c->end && (w || !o->iov[c->pos].iov_len)) {
		struct iovec *v = &o->iov[c->pos];

		if (w < v->iov_len) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= w;
			return;
		}
		w -= v->iov_len;
		v->iov_len = 0;
		if ((++c->pos - c->first) % 2 == 0) {
			c->sent++;
			o->sent++;
		}
	}
}

/* Write what @p c has; 1 if some is left for later, 0 if not. */
static int
write_some(struct gen_out *o, struct conn *c)
{
	while (c->pos < c->end) {
		uint32_t cnt = c->end - c->pos;
		struct msghdr mh = {
			.msg_iov = &o->iov[c->pos],
			.msg_iovlen = cnt > IOV_MAX ? IOV_MAX : cnt,
		};
		ssize_t w = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			conn_fail(o, c, errno, strerror(errno));
			return 0;
		}
		c->bytes += (size_t)w;
		o->bytes += (size_t)w;
		advance(o, c, (size_t)w);
	}
	return 0;
}

static void
fail_pending(struct gen_out *o, uint32_t nt, int e, const char *what)
{
	for (uint32_t t = 0; t < nt; t++) {
		struct conn *c = &o->c[o->touched[t]];

		if (c->pos < c->end)
			conn_fail(o, c, e, what);
	}
	o->pending = 0;
}

/* Write until every connection of the burst is done or failed. */
static void
wait_writable(struct gen_out *o, uint32_t nt)
{
	struct epoll_event ev[64];
	uint64_t last = now_ms();

	while (o->pending) {
		int n;

		if (o->stop && *o->stop) {
			fail_pending(o, nt, EINTR, "interrupted while waiting "
				     "for the receiver to read");
			return;
		}
		n = epoll_wait(o->ep, ev, 64, 1000);
		if (n < 0 && errno != EINTR) {
			fail_pending(o, nt, errno, "epoll_wait failed");
			return;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			uint64_t before = c->bytes;

			if (c->pos == c->end)
				continue;       /* an old edge */
			if (!write_some(o, c))
				o->pending--;
			if (c->bytes != before)
				last = now_ms();
		}
		if (o->pending && now_ms() - last >= STALL_MS) {
			char what[80];

			snprintf(what, sizeof(what), "receiver took nothing for "
				 "%d s", STALL_MS / 1000);
			fail_pending(o, nt, ETIMEDOUT, what);
			return;
		}
	}
}

/* One chunk of at most TCP_BURST packets. */
static void
send_chunk(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	uint32_t nt = 0, off = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct conn *c = &o->c[pkts[i].source % o->nconn];

		if (!c->nmsg++)
			o->touched[nt++] = (uint32_t)(c - o->c);
	}
	for (uint32_t t = 0; t < nt; t++) {
		struct conn *c = &o->c[o->touched[t]];

		c->first = c->pos = c->end = off;
		off += 2 * c->nmsg;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct gen_pkt *p = &pkts[i];
		struct conn *c = &o->c[p->source % o->nconn];
		struct iovec *v = &o->iov[c->end];

		c->end += 2;
		if (o->framing == GEN_FRAMING_OCTET) {
			int k = snprintf(o->pfx[i], PFX_MAX, "%u ", p->msg_len);

			v[0].iov_base = o->pfx[i];
			v[0].iov_len = (size_t)k;
			v[1].iov_base = (void *)(uintptr_t)p->msg;
			v[1].iov_len = p->msg_len;
		} else {
			int ends_lf = p->msg_len && p->msg[p->msg_len - 1] == '\n';

			v[0].iov_base = (void *)(uintptr_t)p->msg;
			v[0].iov_len = p->msg_len;
			v[1].iov_base = (void *)(uintptr_t)"\n";
			v[1].iov_len = ends_lf ? 0 : 1;
			if (p->msg_len > 1 &&
			    memchr(p->msg, '\n', p->msg_len - 1))
				o->inner_lf++;
		}
	}
	o->pending = 0;
	for (uint32_t t = 0; t < nt; t++)
		o->pending += (uint32_t)write_some(o, &o->c[o->touched[t]]);
	wait_writable(o, nt);
	for (uint32_t t = 0; t < nt; t++)
		o->c[o->touched[t]].nmsg = 0;
}

static uint32_t
tcp_out_send_burst(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	uint32_t done = 0;

	while (done < n && !o->stopped) {
		uint32_t k = n - done < TCP_BURST ? n - done : TCP_BURST;

		send_chunk(o, pkts + done, k);
		done += k;
	}
	/* A chunk that stopped the output was taken whole, what it could not
	 * write counted as failed; the next call takes nothing. */
	return done;
}

/* Shut down for writing and wait for the receiver to acknowledge all. */
static void
drain(struct gen_out *o)
{
	/* Interrupted: a short look, not the full wait. */
	uint64_t deadline = now_ms() + (o->stop && *o->stop ? 200 : CLOSE_WAIT_MS);
	uint32_t left = 0;

	for (uint32_t i = 0; i < o->nconn; i++) {
		struct conn *c = &o->c[i];

		if (c->fd >= 0 && c->connected && !c->dead &&
		    shutdown(c->fd, SHUT_WR) == 0)
			left++;
		else
			c->connected = 0;       /* nothing to wait for */
	}
	while (left) {
		int last_round = now_ms() >= deadline;

		for (uint32_t i = 0; i < o->nconn; i++) {
			struct conn *c = &o->c[i];
			struct tcp_info ti;
			socklen_t tl = sizeof(ti);
			int outq = 0;

			if (!c->connected)
				continue;
			if (ioctl(c->fd, SIOCOUTQ, &outq) != 0)
				outq = 0;
			if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0)
				ti.tcpi_state = 0;
			if (outq > 0 && ti.tcpi_state != TCP_CLOSE && !last_round)
				continue;
			/* Our FIN takes one sequence number of its own: only
			 * what is beyond it is data. */
			if (outq > 1) {
				c->unacked = (uint64_t)outq - 1;
				if (ti.tcpi_state == TCP_CLOSE)
					c->dead = ECONNRESET;
			}
			c->connected = 0;
			left--;
		}
		if (left) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
	}
}

static int
tcp_out_close(struct gen_out *o, struct gen_out_stats *st, char *err,
	      size_t errlen)
{
	uint64_t unacked = 0;
	uint32_t bad = 0, first_bad = 0;
	int rc = 0;

	if (!o)
		return 0;
	drain(o);
	for (uint32_t i = 0; i < o->nconn; i++) {
		if (o->c[i].unacked) {
			if (!bad++)
				first_bad = i;
			unacked += o->c[i].unacked;
		}
	}
	if (st) {
		st->pkts = o->sent;
		st->failed = o->failed;
		st->bytes = o->bytes;
	}
	if (o->inner_lf)
		fprintf(stderr, "sealcap-gen: warning: %llu messages contain an LF "
			"that --framing lf turns into a frame boundary\n",
			(unsigned long long)o->inner_lf);
	if (o->why_err) {
		snprintf(err, errlen, "%s", o->why);
		rc = -o->why_err;
	} else if (bad) {
		const struct conn *c = &o->c[first_bad];

		snprintf(err, errlen, "tcp: %llu bytes on %u connection(s) were "
			 "written but never acknowledged by %s (first: "
			 "connection %u from %s, %s): the last messages on them "
			 "may be lost", (unsigned long long)unacked, bad,
			 o->dst.name, c->idx, c->local,
			 c->dead ? "reset by the receiver" :
			 o->stop && *o->stop ? "interrupted before the "
					       "acknowledgement" :
				   "no acknowledgement within 5 s");
		rc = -EIO;
	}
	release(o);
	return rc;
}

const struct gen_out_ops gen_out_tcp = {
	.scheme = "tcp",
	.usage = "tcp://HOST:PORT  syslog over TCP (RFC 6587), see --framing and\n"
		 "                   --connections; HOST as for udp://",
	.flags = GEN_OUT_F_LIVE,
	.burst = TCP_BURST,
	.open = tcp_out_open,
	.send_burst = tcp_out_send_burst,
	.close = tcp_out_close,
};

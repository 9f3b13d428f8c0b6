/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * udp://HOST:PORT output: one datagram per message, as a device sends
 * RFC 5426 syslog.
 *
 * Each source of the mix has its own socket, bound before sending to its
 * own loopback address (out_net.h) and connected to the collector, so the
 * receiver sees as many senders as --sources and a device's messages always
 * come from the same address and port.  A burst is split by source, keeping
 * each source's order, and each source's share goes out in one sendmmsg().
 *
 * "Sent" is "handed to the kernel": UDP has no acknowledgement, so what a
 * receiver with a full socket buffer drops is its own count.  A connected
 * socket does learn of ICMP port unreachable: the next send on it fails
 * with ECONNREFUSED.  That means nothing is listening, so the output stops
 * there (exit 1) instead of sending into the void.
 */
#include "out.h"
#include "out_net.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_BURST 256           /* largest burst we ask main() for */
#define NONE UINT16_MAX         /* end of a per-source list */
/* Retries of a send the kernel could not queue for lack of memory. */
#define NOBUFS_RETRIES 1000

struct gen_out {
	struct gen_net_dst dst;
	int *fd;                /* one socket per source */
	uint32_t nsrc;
	/* Splitting a burst by source: per source the epoch of the burst it
	 * was last seen in and its first/last packet there; per packet the
	 * next packet of the same source. */
	uint32_t *epoch;
	uint16_t *head, *tail;
	uint16_t next[UDP_BURST];
	uint32_t order[UDP_BURST];      /* sources in order of first packet */
	uint32_t cur;
	struct mmsghdr mv[UDP_BURST];
	struct iovec iov[UDP_BURST];
	uint64_t sent, failed, bytes;
	int stopped;
	int err;                /* first errno that failed a packet */
	uint32_t err_src;
	uint64_t nerr;
};

static void
release(struct gen_out *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; o->fd && i < o->nsrc; i++)
		if (o->fd[i] >= 0)
			close(o->fd[i]);
	free(o->fd);
	free(o->epoch);
	free(o->head);
	free(o->tail);
	free(o);
}

static int
udp_out_open(struct gen_out **outp, const char *target,
	     const struct gen_out_params *params, char *err, size_t errlen)
{
	struct gen_out *o;
	uint32_t n = params->sources ? params->sources : 1;
	int rc;

	*outp = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		goto nomem;
	rc = gen_net_parse("udp", target, params->allow_nonlocal, &o->dst, err,
			   errlen);
	if (rc)
		goto fail;
	o->nsrc = n;
	o->fd = malloc(n * sizeof(*o->fd));
	o->epoch = calloc(n, sizeof(*o->epoch));
	o->head = malloc(n * sizeof(*o->head));
	o->tail = malloc(n * sizeof(*o->tail));
	if (!o->fd || !o->epoch || !o->head || !o->tail)
		goto nomem;
	for (uint32_t i = 0; i < n; i++)
		o->fd[i] = -1;
	rc = gen_net_reserve_fds(n, "udp: one socket per source", err, errlen);
	if (rc)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		struct sockaddr_storage src;
		socklen_t sl;
		char name[80];

		o->fd[i] = socket(o->dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (o->fd[i] < 0) {
			rc = -errno;
			snprintf(err, errlen, "udp: source %u: socket: %s", i,
				 strerror(errno));
			goto fail;
		}
		if (gen_net_src(&o->dst, i, &src, &sl) != 0) {
			rc = -ERANGE;
			snprintf(err, errlen, "udp: source %u: no loopback "
				 "address left", i);
			goto fail;
		}
		if (bind(o->fd[i], (struct sockaddr *)&src, sl) != 0 ||
		    connect(o->fd[i], (struct sockaddr *)&o->dst.addr,
			    o->dst.addrlen) != 0) {
			rc = -errno;
			gen_net_addr_str((struct sockaddr *)&src, name,
					 sizeof(name));
			snprintf(err, errlen, "udp: source %u (%s) to %s: %s", i,
				 name, o->dst.name, strerror(errno));
			if (rc == -EINVAL)
				rc = -EIO;      /* not the spec's fault */
			goto fail;
		}
	}
	if (n > 1 && !gen_net_src_distinct(&o->dst))
		fprintf(stderr, "sealcap-gen: note: %s: the %u sources share "
			"one source address (%s) and are told apart by source "
			"port\n", o->dst.name, n, o->dst.family == AF_INET6 &&
			o->dst.loopback ? "::1, the only IPv6 loopback address" :
			"the route's, as the destination is not loopback");
	for (unsigned i = 0; i < UDP_BURST; i++) {
		o->mv[i].msg_hdr.msg_iov = &o->iov[i];
		o->mv[i].msg_hdr.msg_iovlen = 1;
	}
	*outp = o;
	return 0;
nomem:
	rc = -ENOMEM;
	snprintf(err, errlen, "udp: out of memory");
fail:
	release(o);
	return rc;
}

/* A packet of source @p s failed with @p e. */
static void
count_error(struct gen_out *o, uint32_t s, int e)
{
	if (!o->nerr++) {
		o->err = e;
		o->err_src = s;
	}
	o->failed++;
}

/* Send the @p k packets listed from @p first, all of source @p s. */
static void
send_source(struct gen_out *o, const struct gen_pkt *pkts, uint32_t s,
	    uint16_t first, uint32_t k)
{
	uint32_t done = 0, retries = 0;
	uint16_t i = first;

	for (uint32_t j = 0; j < k; j++, i = o->next[i]) {
		o->iov[j].iov_base = (void *)(uintptr_t)pkts[i].msg;
		o->iov[j].iov_len = pkts[i].msg_len;
	}
	while (done < k) {
		int r;

		if (o->stopped) {
			o->failed += k - done;
			return;
		}
		r = sendmmsg(o->fd[s], o->mv + done, k - done, 0);
		if (r > 0) {
			for (uint32_t j = done; j < done + (uint32_t)r; j++)
				o->bytes += o->iov[j].iov_len;
			o->sent += (uint32_t)r;
			done += (uint32_t)r;
			retries = 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == EAGAIN) &&
		    retries++ < NOBUFS_RETRIES) {
			poll(NULL, 0, 1);
			continue;
		}
		/* mv[done] failed and was not sent. */
		count_error(o, s, errno);
		if (errno == ECONNREFUSED)
			o->stopped = 1;
		done++;
	}
}

/* One chunk of at most UDP_BURST packets. */
static void
send_chunk(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	uint32_t nsrc = 0;

	if (++o->cur == 0) {    /* epoch wrapped: forget the old marks */
		memset(o->epoch, 0, o->nsrc * sizeof(*o->epoch));
		o->cur = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = pkts[i].source;

		o->next[i] = NONE;
		if (o->epoch[s] != o->cur) {
			o->epoch[s] = o->cur;
			o->head[s] = (uint16_t)i;
			o->order[nsrc++] = s;
		} else {
			o->next[o->tail[s]] = (uint16_t)i;
		}
		o->tail[s] = (uint16_t)i;
	}
	for (uint32_t g = 0; g < nsrc; g++) {
		uint32_t s = o->order[g], k = 0;

		for (uint16_t i = o->head[s]; i != NONE; i = o->next[i])
			k++;
		send_source(o, pkts, s, o->head[s], k);
	}
}

static uint32_t
udp_out_send_burst(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	uint32_t done = 0;

	while (done < n && !o->stopped) {
		uint32_t k = n - done < UDP_BURST ? n - done : UDP_BURST;

		send_chunk(o, pkts + done, k);
		done += k;
	}
	/* A chunk that stopped the output was taken whole, its rest counted
	 * as failed; the next call takes nothing. */
	return done;
}

static int
udp_out_close(struct gen_out *o, struct gen_out_stats *st, char *err,
	      size_t errlen)
{
	int rc = 0;

	if (!o)
		return 0;
	if (st) {
		st->pkts = o->sent;
		st->failed = o->failed;
		st->bytes = o->bytes;
	}
	if (o->nerr) {
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		char name[80] = "?";

		if (getsockname(o->fd[o->err_src], (struct sockaddr *)&src,
				&sl) == 0)
			gen_net_addr_str((struct sockaddr *)&src, name,
					 sizeof(name));
		if (o->err == ECONNREFUSED)
			snprintf(err, errlen, "udp: %s: connection refused (ICMP "
				 "port unreachable to source %u, %s): nothing is "
				 "listening there; stopped after %llu messages",
				 o->dst.name, o->err_src, name,
				 (unsigned long long)o->sent);
		else
			snprintf(err, errlen, "udp: %s: %llu messages failed; "
				 "first from source %u (%s): %s", o->dst.name,
				 (unsigned long long)o->nerr, o->err_src, name,
				 strerror(o->err));
		rc = o->err == ECONNREFUSED ? -ECONNREFUSED : -EIO;
	}
	release(o);
	return rc;
}

const struct gen_out_ops gen_out_udp = {
	.scheme = "udp",
	.usage = "udp://HOST:PORT  datagrams (RFC 5426), one socket per source;\n"
		 "                   HOST 127.x.x.x, [::1] or localhost",
	.flags = GEN_OUT_F_LIVE,
	.burst = UDP_BURST,
	.open = udp_out_open,
	.send_burst = udp_out_send_burst,
	.close = udp_out_close,
};

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * TCP receive: one worker, one level-triggered epoll set holding every TCP
 * listener and connection.  Each pass takes up to TCP_EVENTS ready sockets,
 * reads once from each into one shared TCP_RBUF buffer (fair to many
 * senders), and feeds the bytes to the connection's RFC 6587 framer
 * (sealcap/framer.h), which pushes complete frames straight from that
 * buffer.  An RX burst is the passes made while sockets stay ready, up to
 * TCP_BURST_NS: its frames share the burst's receive time (a TCP read has
 * no per-message kernel timestamp to offer).
 *
 * Memory, all sized at open:
 *   - max_conns connection slots (a free list; the framer lives inside),
 *   - max_conns frame buffers of max_msg bytes in one MAP_NORESERVE
 *     mapping.  A connection holds one only while a frame is split across
 *     reads (taken before a read, given back after it when the framer is not
 *     holding), from a LIFO free stack, so the memory actually touched is
 *     what the most concurrently split frames needed; the bound is
 *     max_conns * max_msg.  Never an allocation per read or per frame.
 *
 * Connections sit on a list in order of last activity, so the idle scan
 * (once a second) looks only at the ones that timed out.  A connection
 * ends (peer close, error, idle timeout, shutdown) through conn_close,
 * which hands the framer's unfinished frame to the engine flagged
 * truncated: evidence is kept.  At shutdown the listeners' accept queues
 * and every connection's received bytes are read before closing.
 *
 * When max_conns connections are open a new one is accepted and closed at
 * once (counted as refused; the sender retries), so the backlog never
 * fills with connections that will not be served.
 *
 * Backpressure: the engine drops what its rings cannot take (the driver is
 * not lossless, for UDP's sake), so this worker watches the ring fill level
 * and pauses reading while the lanes catch up (TCP_PAUSE_PCT).  The engine
 * has no per-worker lossless mode yet; this uses only sc_engine_stats.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"

/* Ready sockets per epoll pass. */
#define TCP_EVENTS 256
/*
 * A burst goes on with non-blocking passes while sockets are ready, for at
 * most this long.  Every burst end hands each lane a batch, however few
 * frames it holds: one pass per burst with many connections trickling
 * meant thousands of near-empty batches a second and ring_full drops
 * whenever a lane lost the CPU for a few ms (seen at 200 and 3000
 * connections).  Bounded bursts cap that at 1000 batches/s, and the
 * frames' shared receive time is at most this much before their read.
 */
#define TCP_BURST_NS 1000000
/*
 * TCP can wait where UDP cannot: while the engine's fullest worker->lane
 * ring is at least this full (sc_engine_stats), the worker stops reading,
 * so the kernel's receive windows hold the senders back instead of the
 * engine dropping with ring_full.  A pause lasts at most TCP_PAUSE_MAX_NS,
 * then one burst is read anyway, so an overload elsewhere (a UDP flood)
 * slows TCP without starving it.
 */
#define TCP_PAUSE_PCT 50
#define TCP_PAUSE_STEP_NS 1000000
#define TCP_PAUSE_MAX_NS 500000000
/* At shutdown, wait at most this long in all for room before draining. */
#define TCP_DRAIN_WAIT_NS 2000000000
#define TCP_RBUF (256u << 10)
#define TCP_BACKLOG 4096
/* Accepts per listener readiness (the rest on the next pass). */
#define TCP_ACCEPT_BATCH 64
/* Bytes read from one connection at shutdown before it is closed. */
#define TCP_DRAIN_MAX (4u << 20)

enum { K_LISTEN = 1, K_CONN = 2 };

struct tcp_listener {
	int kind;                /* K_LISTEN: first, as in struct conn */
	int fd;
	uint16_t port;
};

struct conn {
	int kind;                /* K_CONN */
	int fd;
	struct tcp_worker *t;
	struct conn *prev, *next; /* activity list while open; next: free list */
	int64_t last_ns;         /* monotonic time of the last read */
	struct sc_pkt meta;      /* peer address and ports, transport TCP */
	struct sc_framer fr;
};

struct tcp_worker {
	struct sc_engine *e;
	struct sc_rx *rx;        /* during tcp_run */
	int ep;
	int spare_fd;            /* given up to accept-and-close at EMFILE */
	unsigned max_conns;
	uint32_t max_msg;
	int64_t idle_ns;
	struct tcp_listener lis[SOCK_LISTEN_MAX];
	unsigned nlis;
	struct conn *conns;      /* max_conns slots */
	struct conn *free_conns;
	struct conn active;      /* sentinel: next oldest, prev newest */
	uint8_t *bufmem;         /* max_conns * max_msg, MAP_NORESERVE */
	size_t bufmem_len;
	uint8_t **bufs;          /* free frame buffers (stack) */
	unsigned nbufs;
	uint8_t *rbuf;           /* TCP_RBUF */
	struct sc_framer_config fcfg;
	bool warned_full;
	struct tcp_stats st __attribute__((aligned(SOCK_CACHE_LINE)));
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct tcp_worker *
tcp_worker_new(struct sc_engine *e, unsigned max_conns, uint32_t max_msg, char *err,
	       size_t errlen)
{
	size_t sz = (sizeof(struct tcp_worker) + SOCK_CACHE_LINE - 1) & ~(size_t)(SOCK_CACHE_LINE - 1);
	struct tcp_worker *t = aligned_alloc(SOCK_CACHE_LINE, sz);

	if (t == NULL)
		goto nomem;
	memset(t, 0, sizeof(*t));
	t->e = e;
	t->ep = -1;
	t->spare_fd = -1;
	t->max_conns = max_conns;
	t->max_msg = max_msg;
	t->idle_ns = (int64_t)sock_conf.idle_timeout_s * 1000000000;
	t->active.next = t->active.prev = &t->active;
	t->fcfg.max_msg = max_msg;
	t->fcfg.len_limit = 0;   /* SC_FRAMER_LEN_LIMIT_DEFAULT */
	t->fcfg.mode = SC_FRAMING_AUTO;
	t->fcfg.nul_trailer = sock_conf.nul_trailer;
	t->conns = calloc(max_conns, sizeof(*t->conns));
	t->bufs = calloc(max_conns, sizeof(*t->bufs));
	t->rbuf = malloc(TCP_RBUF);
	if (t->conns == NULL || t->bufs == NULL || t->rbuf == NULL)
		goto nomem;
	t->bufmem_len = (size_t)max_conns * max_msg;
	t->bufmem = mmap(NULL, t->bufmem_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->bufmem == MAP_FAILED) {
		t->bufmem = NULL;
		snprintf(err, errlen, "socket tcp: cannot map %u x %u bytes of frame buffers: %s",
			 max_conns, max_msg, strerror(errno));
		goto fail;
	}
	for (unsigned i = max_conns; i-- > 0;) {
		t->bufs[t->nbufs++] = t->bufmem + (size_t)i * max_msg;
		t->conns[i].kind = K_CONN;
		t->conns[i].fd = -1;
		t->conns[i].t = t;
		t->conns[i].next = t->free_conns;
		t->free_conns = &t->conns[i];
	}
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0) {
		snprintf(err, errlen, "socket tcp: epoll_create1: %s", strerror(errno));
		goto fail;
	}
	t->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return t;

nomem:
	snprintf(err, errlen, "socket tcp: out of memory for %u connections", max_conns);
fail:
	tcp_worker_free(t);
	return NULL;
}

void
tcp_worker_free(struct tcp_worker *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->nlis; i++)
		close(t->lis[i].fd);
	/* Open connections are closed by tcp_run; these are left by a failed open. */
	if (t->conns)
		for (unsigned i = 0; i < t->max_conns; i++)
			if (t->conns[i].fd >= 0)
				close(t->conns[i].fd);
	if (t->ep >= 0)
		close(t->ep);
	if (t->spare_fd >= 0)
		close(t->spare_fd);
	if (t->bufmem)
		munmap(t->bufmem, t->bufmem_len);
	free(t->conns);
	free(t->bufs);
	free(t->rbuf);
	free(t);
}

struct tcp_stats *
tcp_worker_stats(struct tcp_worker *t)
{
	return &t->st;
}

int
tcp_listen(struct tcp_worker *t, const struct sock_listen *l, uint16_t *port, char *err,
	   size_t errlen)
{
	struct tcp_listener *tl;
	struct epoll_event ev;
	int fd, one = 1;

	if (t->nlis == SOCK_LISTEN_MAX) {
		snprintf(err, errlen, "--listen %s: too many TCP addresses", l->text);
		return -EINVAL;
	}
	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--listen %s: socket: %s", l->text, strerror(errno));
		return -errno;
	}
	tl = &t->lis[t->nlis++];
	tl->kind = K_LISTEN;
	tl->fd = fd;
	/* SO_REUSEADDR: restart while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&l->ss, l->sslen) != 0 || listen(fd, TCP_BACKLOG) != 0) {
		int e = errno;

		snprintf(err, errlen, "--listen %s: %s%s", l->text, strerror(e),
			 e == EADDRINUSE ? " (another program listens there)" : "");
		return -e;
	}
	tl->port = sock_local_port(fd);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = tl;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		snprintf(err, errlen, "--listen %s: epoll_ctl: %s", l->text, strerror(errno));
		return -errno;
	}
	*port = tl->port;
	return 0;
}

/* ---- connections ------------------------------------------------------------ */

static void
on_frame(void *arg, const uint8_t *msg, uint32_t len, uint32_t flags)
{
	struct conn *c = arg;
	struct tcp_worker *t = c->t;

	c->meta.flags = flags & SC_REC_TRUNCATED;
	sc_rx_push(t->rx, &c->meta, msg, len);
	ctr_add(&t->st.frames, 1);
	ctr_add(&t->st.bytes, len);
	if (flags & SC_REC_TRUNCATED)
		ctr_add(&t->st.truncated, 1);
}

static void
active_unlink(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
}

static void
active_append(struct tcp_worker *t, struct conn *c, int64_t now)
{
	c->last_ns = now;
	c->prev = t->active.prev;
	c->next = &t->active;
	t->active.prev->next = c;
	t->active.prev = c;
}

/* Feed bytes read from @p c to its framer, lending it a buffer meanwhile. */
static void
conn_feed(struct tcp_worker *t, struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t *b;

	if (c->fr.buf == NULL)
		sc_framer_attach(&c->fr, t->bufs[--t->nbufs]); /* never empty: one per slot */
	sc_framer_feed(&c->fr, p, n, on_frame, c);
	b = sc_framer_detach(&c->fr);
	if (b != NULL)
		t->bufs[t->nbufs++] = b;
}

static void
conn_close(struct tcp_worker *t, struct conn *c)
{
	const struct sc_framer_stats *fs = &c->fr.stats;
	uint8_t *b;

	sc_framer_finish(&c->fr, on_frame, c);
	b = sc_framer_detach(&c->fr);
	if (b != NULL)
		t->bufs[t->nbufs++] = b;
	ctr_add(&t->st.oversize, fs->oversize);
	ctr_add(&t->st.incomplete, fs->incomplete);
	ctr_add(&t->st.octet_errors, fs->errors);
	ctr_add(&t->st.discarded, fs->discarded);
	close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	active_unlink(c);
	c->next = t->free_conns;
	t->free_conns = c;
	ctr_add(&t->st.conns_open, (uint64_t)-1);
}

static void
conn_open(struct tcp_worker *t, const struct tcp_listener *tl, int fd,
	  const struct sockaddr *peer, int64_t now)
{
	struct conn *c = t->free_conns;
	struct epoll_event ev;

	if (c == NULL) {
		close(fd);
		ctr_add(&t->st.refused, 1);
		if (!t->warned_full) {
			fprintf(stderr, "sealcap: socket: %u TCP connections open (--max-conns):"
				" refusing new ones until some close\n", t->max_conns);
			t->warned_full = true;
		}
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		ctr_add(&t->st.errors, 1);
		return;
	}
	t->free_conns = c->next;
	c->fd = fd;
	memset(&c->meta, 0, sizeof(c->meta));
	sock_pkt_addr(&c->meta, peer);
	c->meta.transport = SC_TRANSPORT_TCP;
	c->meta.dst_port = tl->port;
	sc_framer_init(&c->fr, &t->fcfg);
	active_append(t, c, now);
	ctr_add(&t->st.conns_open, 1);
	ctr_add(&t->st.conns_total, 1);
}

/* One read from @p c; closes it at end of stream or on error. */
static void
conn_read(struct tcp_worker *t, struct conn *c, int64_t now)
{
	ssize_t r = recv(c->fd, t->rbuf, TCP_RBUF, 0);

	if (r > 0) {
		conn_feed(t, c, t->rbuf, (size_t)r);
		active_unlink(c);
		active_append(t, c, now);
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r < 0 && errno != ECONNRESET)
		ctr_add(&t->st.errors, 1);
	conn_close(t, c);
}

/* Accept what is queued on @p tl (up to @p max).  @return accepted count. */
static unsigned
do_accept(struct tcp_worker *t, const struct tcp_listener *tl, unsigned max, int64_t now)
{
	unsigned n = 0;

	while (n < max) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(tl->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && t->spare_fd >= 0) {
				/* Out of descriptors: take it off the queue and close it. */
				close(t->spare_fd);
				fd = accept(tl->fd, NULL, NULL);
				if (fd >= 0)
					close(fd);
				t->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				ctr_add(&t->st.refused, 1);
				n++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctr_add(&t->st.errors, 1);
			break;
		}
		conn_open(t, tl, fd, (struct sockaddr *)&ss, now);
		n++;
	}
	return n;
}

static void
idle_scan(struct tcp_worker *t, int64_t now)
{
	while (t->active.next != &t->active && now - t->active.next->last_ns >= t->idle_ns) {
		ctr_add(&t->st.idle_closed, 1);
		conn_close(t, t->active.next);
	}
}

static bool
congested(struct tcp_worker *t)
{
	struct sc_engine_stats s;

	sc_engine_stats(t->e, &s);
	return s.ring_fill_pct >= TCP_PAUSE_PCT;
}

static void
nap_ns(int64_t ns)
{
	struct timespec ts = { 0, (long)ns };

	nanosleep(&ts, NULL);
}

/* Shutdown: accept the queued, read what every connection has, close all. */
static void
tcp_drain(struct tcp_worker *t, int64_t now)
{
	int64_t waited = 0;

	for (unsigned i = 0; i < t->nlis; i++)
		while (do_accept(t, &t->lis[i], TCP_ACCEPT_BATCH, now) > 0 && t->free_conns != NULL)
			;
	while (t->active.next != &t->active) {
		struct conn *c = t->active.next;
		size_t total = 0;

		/* The lanes run until the workers end: give them time to make room. */
		if (waited < TCP_DRAIN_WAIT_NS && congested(t)) {
			sc_rx_flush(t->rx);
			do {
				nap_ns(TCP_PAUSE_STEP_NS);
				waited += TCP_PAUSE_STEP_NS;
			} while (waited < TCP_DRAIN_WAIT_NS && congested(t));
			sc_rx_burst_begin(t->rx);
		}
		while (total < TCP_DRAIN_MAX) {
			ssize_t r = recv(c->fd, t->rbuf, TCP_RBUF, MSG_DONTWAIT);

			if (r > 0) {
				conn_feed(t, c, t->rbuf, (size_t)r);
				total += (size_t)r;
			} else if (r < 0 && errno == EINTR) {
				continue;
			} else {
				break;
			}
		}
		conn_close(t, c);
	}
}

static void
pass(struct tcp_worker *t, const struct epoll_event *ev, int n, int64_t now)
{
	for (int i = 0; i < n; i++) {
		int kind = *(const int *)ev[i].data.ptr;

		if (kind == K_LISTEN)
			do_accept(t, ev[i].data.ptr, TCP_ACCEPT_BATCH, now);
		else
			conn_read(t, ev[i].data.ptr, now);
	}
}

int
tcp_run(struct tcp_worker *t, struct sc_rx *rx)
{
	struct epoll_event ev[TCP_EVENTS];
	int64_t last_scan = mono_ns(), paused = 0;

	t->rx = rx;
	while (!sc_rx_stopping(rx)) {
		int n;
		int64_t start, now;

		/* (With no connection open there is nothing to hold back.) */
		if (t->active.next != &t->active && paused < TCP_PAUSE_MAX_NS && congested(t)) {
			sc_rx_flush(rx);
			nap_ns(TCP_PAUSE_STEP_NS);
			paused += TCP_PAUSE_STEP_NS;
			ctr_add(&t->st.paused_ms, 1);
			continue;
		}
		paused = 0;
		n = epoll_wait(t->ep, ev, TCP_EVENTS, 0);
		if (n == 0) {
			/* About to block: hand over what is held first. */
			sc_rx_flush(rx);
			n = epoll_wait(t->ep, ev, TCP_EVENTS, SOCK_POLL_MS);
		}
		start = now = mono_ns();
		if (n < 0 && errno != EINTR)
			ctr_add(&t->st.errors, 1);
		if (n <= 0 && (t->idle_ns == 0 || now - last_scan < 1000000000))
			continue;
		sc_rx_burst_begin(rx);
		while (n > 0) {
			pass(t, ev, n, now);
			now = mono_ns();
			if (now - start >= TCP_BURST_NS || sc_rx_stopping(rx) || congested(t))
				break;
			n = epoll_wait(t->ep, ev, TCP_EVENTS, 0);
		}
		if (t->idle_ns > 0 && now - last_scan >= 1000000000) {
			idle_scan(t, now);
			last_scan = now;
		}
		sc_rx_burst_end(rx);
	}
	sc_rx_burst_begin(rx);
	tcp_drain(t, mono_ns());
	sc_rx_flush(rx);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_DRV_SOCK_H
#define SC_DRV_SOCK_H

/*
 * Private to the socket driver: configuration, per-worker state and the
 * entry points of udp.c and tcp.c.
 *
 * Workers: UDP workers 0 .. nb_udp-1 (one SO_REUSEPORT socket per UDP
 * listen address each), then one TCP worker (the last index) running an
 * epoll loop over every TCP listener and connection.
 *
 * Counters: each has one writer (its worker) and is read by stats(); they
 * are C11 atomics written with relaxed load+store (a plain mov on x86), so
 * the reader never sees a torn value and the writer pays no locked op.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <sealcap/driver.h>
#include <sealcap/engine.h>
#include <sealcap/framer.h>

#define SOCK_LISTEN_MAX 32
#define SOCK_CACHE_LINE 64
/* Waits never exceed this, so sc_rx_stopping is seen within 100 ms. */
#define SOCK_POLL_MS 100

enum sock_proto { SOCK_UDP = 0, SOCK_TCP = 1 };

struct sock_listen {
	enum sock_proto proto;
	struct sockaddr_storage ss;  /* port as asked (0: any) */
	socklen_t sslen;
	char text[128];              /* the --listen value */
};

struct sock_conf {
	struct sock_listen l[SOCK_LISTEN_MAX];
	unsigned nl;
	unsigned rx_workers;
	uint64_t rcvbuf;
	uint64_t max_msg;
	unsigned max_conns;
	unsigned idle_timeout_s;     /* 0: never */
	bool nul_trailer;
};

extern struct sock_conf sock_conf;

/* A counter with one writer. */
typedef _Atomic uint64_t sock_ctr;

static inline void
ctr_add(sock_ctr *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t
ctr_get(sock_ctr *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct udp_stats {
	sock_ctr msgs, bytes, kernel_drops, truncated, errors;
};

struct tcp_stats {
	sock_ctr frames, bytes, truncated, oversize, incomplete, octet_errors, discarded;
	sock_ctr conns_open, conns_total, refused, idle_closed, errors;
	sock_ctr paused_ms;          /* reading paused for engine backpressure */
};

struct udp_worker;
struct tcp_worker;

struct sock_drv {
	struct sc_engine *e;
	unsigned nb_udp;             /* UDP workers (0 when no UDP listener) */
	bool tcp;                    /* a TCP worker runs at index nb_udp */
	struct udp_worker **udp;     /* nb_udp */
	struct tcp_worker *tw;
};

/* Fill sockaddr text "udp://[::1]:514" for messages. */
void sock_addr_text(enum sock_proto proto, const struct sockaddr *sa, char *buf, size_t len);
/* Source address of a peer into sc_pkt fields (IPv4 mapped, family 4/6). */
void sock_pkt_addr(struct sc_pkt *m, const struct sockaddr *sa);
/* Port of a bound socket, host order. */
uint16_t sock_local_port(int fd);

/* udp.c */
struct udp_worker *udp_worker_new(struct sc_engine *e, unsigned id, char *err, size_t errlen);
/* Create every worker's socket of listen address @p l (REUSEPORT group). */
int udp_listen(struct udp_worker **w, unsigned nw, const struct sock_listen *l,
	       uint64_t rcvbuf, uint64_t *obtained, uint16_t *port, char *err, size_t errlen);
int udp_run(struct udp_worker *w, struct sc_rx *rx);
void udp_stats(struct udp_worker *w, struct udp_stats *sum);
void udp_worker_free(struct udp_worker *w);

/* tcp.c */
struct tcp_worker *tcp_worker_new(struct sc_engine *e, unsigned max_conns, uint32_t max_msg,
				  char *err, size_t errlen);
int tcp_listen(struct tcp_worker *t, const struct sock_listen *l, uint16_t *port, char *err,
	       size_t errlen);
int tcp_run(struct tcp_worker *t, struct sc_rx *rx);
struct tcp_stats *tcp_worker_stats(struct tcp_worker *t);
void tcp_worker_free(struct tcp_worker *t);

#endif /* SC_DRV_SOCK_H */

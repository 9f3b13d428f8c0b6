/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * dpdk output: Ethernet frames (frame.h) sent with rte_eth_tx_burst on one
 * DPDK port, e.g. a net_memif client facing `sealcap --driver dpdk`:
 *
 *   sealcap-gen --out dpdk --dpdk-port 0 \
 *     --dpdk-args "-l 1 --no-huge -m 64 --no-shconf --no-pci --no-telemetry \
 *                  --log-level=error --vdev=net_memif0,role=client,socket=/run/x.sock"
 *
 * open() initialises the EAL (once per process), creates a small mbuf pool,
 * configures the port with one RX and one TX queue (a memif peer must have
 * the same counts) and waits up to GEN_DPDK_LINK_S for the link: a memif
 * client is up once the server accepted it.  Each packet is copied into an
 * mbuf (a chain when the frame is longer than one mbuf's data room).
 *
 * net_memif: a frame longer than the memif buffer (bsize, default 2048)
 * spans chained descriptors, and DPDK 22.11's memif copy-mode TX then
 * splits and repeats frames (seen: 20000 frames of ~3 KB sent, ~38000
 * received); the first such frame prints a warning.  With bsize=16384 on
 * both ends every frame of the mix fits one buffer and all arrive whole.
 *
 * Nothing is lost silently: tx_burst may take fewer than offered (a full
 * ring, a peer that reads slower), so the rest is offered again until taken;
 * only a stop signal, or no progress for GEN_DPDK_STALL_S, ends the output,
 * and what was not taken is freed and counted as failed.  "Sent" means
 * taken by the PMD.  At close the output lingers (up to GEN_DPDK_LINGER_MS,
 * less if the link goes down) before stopping the port: a memif server reads
 * from the client's memory, and a NIC still has frames in its TX ring.
 */
#include "out.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define GEN_DPDK_BURST 32
#define GEN_DPDK_MBUFS 4095
#define GEN_DPDK_CACHE 256
#define GEN_DPDK_ARGS_MAX 64
#define GEN_DPDK_LINK_S 10
#define GEN_DPDK_STALL_S 10
#define GEN_DPDK_LINGER_MS 1000
#define GEN_DPDK_SEGS_MAX 40    /* 65 KiB frames in 2 KiB mbufs */

struct gen_out {
	uint16_t port;
	char driver[64];
	struct rte_mempool *pool;
	uint16_t seg_room;      /* data room of one mbuf */
	uint32_t memif_bsize;   /* net_memif buffer size (bsize=), else 0 */
	bool warned;
	bool started;
	bool stopped;           /* gave up: the rest counts as failed */
	char why[200];          /* ... and why */
	const volatile sig_atomic_t *stop;
	uint64_t sent, failed, bytes;
};

static bool eal_used;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static int
eal_init(const char *args, char *err, size_t errlen)
{
	char *copy = strdup(args), *save = NULL, *tok;
	char *argv[GEN_DPDK_ARGS_MAX + 2];
	int argc = 0, rc;

	if (!copy) {
		snprintf(err, errlen, "dpdk: out of memory");
		return -ENOMEM;
	}
	argv[argc++] = (char *)(uintptr_t)"sealcap-gen";
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == GEN_DPDK_ARGS_MAX + 1) {
			snprintf(err, errlen, "--dpdk-args: more than %d words",
				 GEN_DPDK_ARGS_MAX);
			free(copy);
			return -EINVAL;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	eal_used = true;
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		int e = rte_errno;

		snprintf(err, errlen, "dpdk: rte_eal_init(%s) failed: %s", args,
			 rte_strerror(e));
		free(copy);
		return e == EINVAL || e == ENODEV ? -EINVAL : -(e ? e : EIO);
	}
	if (rc < argc - 1) {
		snprintf(err, errlen, "--dpdk-args: '%s' is not an EAL argument",
			 argv[rc + 1]);
		free(copy);
		rte_eal_cleanup();
		return -EINVAL;
	}
	free(copy);
	return 0;
}

static void
release(struct gen_out *o)
{
	uint16_t pid;

	if (o->started)
		rte_eth_dev_stop(o->port);
	RTE_ETH_FOREACH_DEV(pid)
		rte_eth_dev_close(pid);
	rte_mempool_free(o->pool);
	rte_eal_cleanup();
	free(o);
}

static int
dpdk_out_open(struct gen_out **outp, const char *target,
	      const struct gen_out_params *params, char *err, size_t errlen)
{
	static const char def_args[] = "-l 0 --no-huge -m 64 --no-shconf "
		"--no-pci --no-telemetry --log-level=error";
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	struct gen_out *o;
	uint16_t nrxd = 256, ntxd = 1024;
	uint64_t t0;
	int rc;

	*outp = NULL;
	if (*target) {
		snprintf(err, errlen, "dpdk: takes no target ('%s'): use "
			 "--out dpdk with --dpdk-port and --dpdk-args", target);
		return -EINVAL;
	}
	if (eal_used) {
		snprintf(err, errlen, "dpdk: the EAL runs once per process");
		return -EALREADY;
	}
	rc = eal_init(params->dpdk_args ? params->dpdk_args : def_args, err,
		      errlen);
	if (rc)
		return rc;
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "dpdk: out of memory");
		rte_eal_cleanup();
		return -ENOMEM;
	}
	o->port = (uint16_t)params->dpdk_port;
	o->stop = params->stop;
	if (rte_eth_dev_count_avail() == 0 ||
	    !rte_eth_dev_is_valid_port(o->port)) {
		snprintf(err, errlen, "dpdk: no port %u (%u available: check "
			 "--vdev=... in --dpdk-args)", o->port,
			 rte_eth_dev_count_avail());
		rc = -ENODEV;
		goto fail;
	}
	rc = rte_eth_dev_info_get(o->port, &info);
	if (rc) {
		snprintf(err, errlen, "dpdk port %u: %s", o->port,
			 rte_strerror(-rc));
		goto fail;
	}
	snprintf(o->driver, sizeof(o->driver), "%s",
		 info.driver_name ? info.driver_name : "?");
	if (strcmp(o->driver, "net_memif") == 0) {
		const struct rte_devargs *da = info.device ?
			rte_dev_devargs(info.device) : NULL;
		const char *b = da && da->args ? strstr(da->args, "bsize=") : NULL;

		o->memif_bsize = b ? (uint32_t)strtoul(b + 6, NULL, 0) : 2048;
	}
	o->pool = rte_pktmbuf_pool_create("gen_tx_pool", GEN_DPDK_MBUFS,
					  GEN_DPDK_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!o->pool) {
		snprintf(err, errlen, "dpdk: mbuf pool of %u: %s%s",
			 GEN_DPDK_MBUFS, rte_strerror(rte_errno),
			 rte_errno == ENOMEM ? " (give EAL -m 24 or more)" : "");
		rc = -ENOMEM;
		goto fail;
	}
	o->seg_room = (uint16_t)(rte_pktmbuf_data_room_size(o->pool) -
				 RTE_PKTMBUF_HEADROOM);
	memset(&pc, 0, sizeof(pc));
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		pc.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(o->port, 1, 1, &pc);
	if (!rc)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(o->port, &nrxd, &ntxd);
	if (!rc)
		rc = rte_eth_rx_queue_setup(o->port, 0, nrxd, SOCKET_ID_ANY,
					    NULL, o->pool);
	if (!rc)
		rc = rte_eth_tx_queue_setup(o->port, 0, ntxd, SOCKET_ID_ANY,
					    NULL);
	if (!rc)
		rc = rte_eth_dev_start(o->port);
	if (rc) {
		snprintf(err, errlen, "dpdk port %u (driver %s): setup: %s",
			 o->port, o->driver, rte_strerror(-rc));
		goto fail;
	}
	o->started = true;
	t0 = mono_ms();
	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(o->port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			break;
		if (*o->stop || mono_ms() - t0 >= GEN_DPDK_LINK_S * 1000) {
			snprintf(err, errlen, "dpdk port %u (driver %s): link "
				 "still down after %d s (memif: is the server up, "
				 "on the same socket, with 1 RX and 1 TX queue?)",
				 o->port, o->driver, GEN_DPDK_LINK_S);
			rc = -ETIMEDOUT;
			goto fail;
		}
		nap_us(10000);
	}
	fprintf(stderr, "sealcap-gen: dpdk port %u (driver %s) link up, "
		"sending\n", o->port, o->driver);
	*outp = o;
	return 0;
fail:
	release(o);
	return rc;
}

/*
 * Copy @p p's frame into a chain of mbufs.
 * @return the head, or NULL when the pool is empty (nothing kept).
 */
static struct rte_mbuf *
fill_frame(struct gen_out *o, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(o->pool), *tail = head;
	uint32_t off = 0;

	if (!head)
		return NULL;
	if (len > o->memif_bsize && o->memif_bsize && !o->warned) {
		o->warned = true;
		fprintf(stderr, "sealcap-gen: warning: a %u-byte frame spans "
			"several %u-byte memif buffers; DPDK 22.11's memif TX "
			"splits and repeats such frames: give both memif ends "
			"bsize=16384\n", len, o->memif_bsize);
	}
	for (;;) {
		uint32_t k = len - off;

		if (k > o->seg_room)
			k = o->seg_room;
		rte_memcpy(rte_pktmbuf_mtod(tail, uint8_t *), frame + off, k);
		tail->data_len = (uint16_t)k;
		off += k;
		if (off == len)
			break;
		tail->next = rte_pktmbuf_alloc(o->pool);
		if (!tail->next) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		tail = tail->next;
		head->nb_segs++;
	}
	head->pkt_len = len;
	return head;
}

static struct rte_mbuf *
fill(struct gen_out *o, const struct gen_pkt *p)
{
	return fill_frame(o, p->frame, p->frame_len);
}

/* Offer @p m[0..k) until taken; @return how many were taken. */
static uint32_t
tx_all(struct gen_out *o, struct rte_mbuf **m, uint32_t k)
{
	uint32_t done = 0, idle = 0;
	uint64_t last = 0;

	while (done < k) {
		uint16_t r = rte_eth_tx_burst(o->port, 0, m + done,
					      (uint16_t)(k - done));

		if (r) {
			done += r;
			idle = 0;
			continue;
		}
		if (*o->stop) {
			snprintf(o->why, sizeof(o->why), "interrupted");
			break;
		}
		/* Full ring: spin briefly, then nap (2 cores are shared). */
		if (++idle < 256) {
			rte_pause();
			continue;
		}
		if (idle == 256)
			last = mono_ms();
		else if (mono_ms() - last >= GEN_DPDK_STALL_S * 1000) {
			snprintf(o->why, sizeof(o->why), "dpdk port %u (driver "
				 "%s): no frame taken for %d s (peer gone or link "
				 "down)", o->port, o->driver, GEN_DPDK_STALL_S);
			break;
		}
		nap_us(20);
	}
	return done;
}

/*
 * --mtu: one message as its IP fragments, each its own mbuf, all offered
 * until taken.  @return 1 when every fragment was taken, 0 when stopped
 * (the message counts as failed; fragments not taken are freed).
 */
static uint32_t
send_fragments(struct gen_out *o, const struct gen_pkt *p)
{
	struct rte_mbuf *m[GEN_DPDK_BURST];
	const uint8_t *f = p->frags;
	uint32_t built = 0, i = 0, taken;
	uint64_t t = 0;

	while (i < p->nfrags || built) {
		struct rte_mbuf *x = NULL;

		if (i < p->nfrags && built < GEN_DPDK_BURST) {
			x = fill_frame(o, f, p->frag_lens[i]);
			if (x) {
				m[built++] = x;
				o->bytes += p->frag_lens[i];
				f += p->frag_lens[i++];
				t = 0;
				continue;
			}
		}
		/* Batch full, pool empty or all built: send (mbufs come back). */
		if (built) {
			taken = tx_all(o, m, built);
			if (taken < built) {
				rte_pktmbuf_free_bulk(m + taken, built - taken);
				return 0;
			}
			built = 0;
			continue;
		}
		if (!t)
			t = mono_ms();
		if (*o->stop || mono_ms() - t >= GEN_DPDK_STALL_S * 1000) {
			snprintf(o->why, sizeof(o->why), *o->stop ? "interrupted" :
				 "dpdk: mbuf pool empty for %d s", GEN_DPDK_STALL_S);
			return 0;
		}
		nap_us(20);
	}
	return 1;
}

static uint32_t
dpdk_out_send_burst(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	struct rte_mbuf *m[GEN_DPDK_BURST];
	uint32_t done = 0;

	while (done < n && !o->stopped) {
		uint32_t k = n - done < GEN_DPDK_BURST ? n - done : GEN_DPDK_BURST;
		uint32_t built = 0, taken;
		uint64_t t = 0;

		if (pkts[done].nfrags) {
			if (send_fragments(o, &pkts[done])) {
				o->sent++;
				done++;
				continue;
			}
			o->failed += n - done;
			o->stopped = true;
			return n;
		}
		/* Whole frames up to the next fragmented message. */
		for (uint32_t j = 1; j < k; j++)
			if (pkts[done + j].nfrags) {
				k = j;
				break;
			}
		while (built < k) {
			m[built] = fill(o, &pkts[done + built]);
			if (m[built]) {
				built++;
				continue;
			}
			if (built)
				break;  /* send these; the PMD frees mbufs */
			/* Pool empty: the mbufs wait in the TX ring. */
			if (!t)
				t = mono_ms();
			if (*o->stop || mono_ms() - t >= GEN_DPDK_STALL_S * 1000) {
				snprintf(o->why, sizeof(o->why), *o->stop ?
					 "interrupted" : "dpdk: mbuf pool empty "
					 "for %d s", GEN_DPDK_STALL_S);
				break;
			}
			nap_us(20);
		}
		taken = built ? tx_all(o, m, built) : 0;
		for (uint32_t i = 0; i < taken; i++)
			o->bytes += pkts[done + i].frame_len;
		o->sent += taken;
		if (built == 0 || taken < built) {
			/* Stopped: free what the PMD did not take, count the
			 * rest of this chunk as failed, take nothing more. */
			if (built > taken)
				rte_pktmbuf_free_bulk(m + taken, built - taken);
			o->failed += k - taken;
			o->stopped = true;
			return done + k;
		}
		done += built;
	}
	return done;
}

static int
dpdk_out_close(struct gen_out *o, struct gen_out_stats *st, char *err,
	       size_t errlen)
{
	struct rte_eth_link link;
	uint64_t t0;
	int rc = 0;

	if (!o)
		return 0;
	/* Let the peer read what is still in the ring. */
	t0 = mono_ms();
	while (!*o->stop && o->sent && mono_ms() - t0 < GEN_DPDK_LINGER_MS) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(o->port, &link) == 0 &&
		    link.link_status != RTE_ETH_LINK_UP)
			break;
		nap_us(10000);
	}
	if (st) {
		st->pkts = o->sent;
		st->failed = o->failed;
		st->bytes = o->bytes;
	}
	if (o->failed) {
		snprintf(err, errlen, "%s; %llu frames not sent", o->why,
			 (unsigned long long)o->failed);
		rc = -EIO;
	}
	release(o);
	return rc;
}

const struct gen_out_ops gen_out_dpdk = {
	.scheme = "dpdk",
	.usage = "dpdk           frames via DPDK port --dpdk-port (default 0),\n"
		 "                   EAL from --dpdk-args (e.g. a net_memif client)",
	.flags = GEN_OUT_F_FRAMES | GEN_OUT_F_LIVE,
	.burst = GEN_DPDK_BURST,
	.open = dpdk_out_open,
	.send_burst = dpdk_out_send_burst,
	.close = dpdk_out_close,
};

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * pcap driver: replays a capture file (libpcap) through the live pipeline.
 * Frames are classified like the DPDK path does (sealcap/net.h); UDP to a
 * syslog port is pushed with the capture's own per-packet time, everything
 * else is counted and skipped.  A file can wait, so the driver is lossless:
 * the engine applies backpressure instead of dropping.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <sealcap/driver.h>
#include <sealcap/net.h>

#define PCAP_BURST 64

static struct {
	const char *file;
	const char *ports;
} conf = { NULL, "514" };

struct pcap_drv {
	pcap_t *p;
	int linktype;
	struct sc_portset ports;
	/* counters: the single worker writes, stats() reads */
	uint64_t frames, syslog, other, fragments, malformed, truncated;
};

static const struct sc_driver_opt pcap_opts[] = {
	{ "pcap", "FILE", "capture file to replay (pcap or pcapng)", NULL },
	{ "syslog-ports", "LIST", "UDP destination ports that carry syslog", "514" },
	{ NULL, NULL, NULL, NULL },
};

static int
drv_set_opt(const char *name, const char *value, char *err, size_t errlen)
{
	if (strcmp(name, "pcap") == 0) {
		conf.file = value;
		return 0;
	}
	if (strcmp(name, "syslog-ports") == 0) {
		struct sc_portset s;

		if (sc_portset_parse(&s, value) != 0) {
			snprintf(err, errlen, "--syslog-ports '%s': expected a comma-separated list of ports 1..65535",
				 value);
			return -EINVAL;
		}
		conf.ports = value;
		return 0;
	}
	snprintf(err, errlen, "pcap driver has no option --%s", name);
	return -EINVAL;
}

static void *
drv_open(struct sc_engine *e, unsigned *nb_workers, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_drv *d;

	(void)e;
	if (conf.file == NULL) {
		snprintf(err, errlen, "driver pcap needs --pcap FILE");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sc_portset_parse(&d->ports, conf.ports);
	d->p = pcap_open_offline_with_tstamp_precision(conf.file, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (d->p == NULL) {
		snprintf(err, errlen, "--pcap %s: %s", conf.file, perr);
		free(d);
		return NULL;
	}
	d->linktype = pcap_datalink(d->p);
	if (d->linktype != DLT_EN10MB) {
		snprintf(err, errlen, "--pcap %s: link type %s is not Ethernet",
			 conf.file, pcap_datalink_val_to_name(d->linktype));
		pcap_close(d->p);
		free(d);
		return NULL;
	}
	*nb_workers = 1;
	return d;
}

static int
drv_run(void *priv, struct sc_rx *rx, unsigned worker)
{
	static const struct sc_clock_info capture_clock = {
		.source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA,
		.max_err_us = UINT32_MAX, .est_err_us = UINT32_MAX,
	};
	struct pcap_drv *d = priv;
	int rc = 1;

	(void)worker;
	sc_rx_set_clock(rx, &capture_clock);
	while (rc == 1 && !sc_rx_stopping(rx)) {
		sc_rx_burst_begin(rx);
		for (int i = 0; i < PCAP_BURST; i++) {
			struct pcap_pkthdr *ph;
			const u_char *frame;
			const uint8_t *payload;
			uint32_t plen;
			struct sc_pkt m;

			rc = pcap_next_ex(d->p, &ph, &frame);
			if (rc != 1)
				break;
			d->frames++;
			memset(&m, 0, sizeof(m));
			switch (sc_net_classify(frame, ph->caplen, &d->ports, &m, &payload, &plen)) {
			case SC_NET_SYSLOG:
				d->syslog++;
				/* pcap times are UTC; nanosecond precision was asked for. */
				m.rx_ns = (int64_t)ph->ts.tv_sec * 1000000000 + ph->ts.tv_usec;
				sc_rx_push(rx, &m, payload, plen);
				break;
			case SC_NET_OTHER:
				d->other++;
				sc_rx_skip(rx, 1);
				break;
			case SC_NET_FRAGMENT:
				d->fragments++;
				sc_rx_skip(rx, 1);
				break;
			default:
				if (ph->caplen < ph->len)
					d->truncated++;
				else
					d->malformed++;
				sc_rx_skip(rx, 1);
				break;
			}
		}
		sc_rx_burst_end(rx);
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "sealcap: --pcap %s: %s (stopped reading here)\n", conf.file,
			pcap_geterr(d->p));
	return 0;
}

static void
drv_stats(void *priv, char *buf, size_t len)
{
	struct pcap_drv *d = priv;

	snprintf(buf, len,
		 "frames=%" PRIu64 " syslog=%" PRIu64 " other=%" PRIu64 " fragments=%" PRIu64
		 " malformed=%" PRIu64 " snaplen-truncated=%" PRIu64,
		 d->frames, d->syslog, d->other, d->fragments, d->malformed, d->truncated);
}

static void
drv_close(void *priv)
{
	struct pcap_drv *d = priv;

	if (d == NULL)
		return;
	pcap_close(d->p);
	free(d);
}

static const struct sc_driver_ops pcap_ops = {
	.name = "pcap",
	.summary = "replay a capture file of syslog over UDP (offline ingest)",
	.opts = pcap_opts,
	.lossless = true,
	.set_opt = drv_set_opt,
	.open = drv_open,
	.run = drv_run,
	.stats = drv_stats,
	.close = drv_close,
};

SC_DRIVER_REGISTER(pcap_ops)

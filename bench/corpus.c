/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <sealcap/net.h>
#include <sealcap/record.h>

#include "corpus.h"

/* 2026-01-01T00:00:00Z, the generator's default start. */
#define TEXT_BASE_NS 1767225600000000000LL

static void
grow(struct corpus *c, size_t more)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->off = realloc(c->off, c->cap * sizeof(*c->off));
		c->len = realloc(c->len, c->cap * sizeof(*c->len));
		c->meta = realloc(c->meta, c->cap * sizeof(*c->meta));
	}
	if (c->bytes + more > c->data_cap) {
		while (c->bytes + more > c->data_cap)
			c->data_cap = c->data_cap ? c->data_cap * 2 : (1u << 20);
		c->data = realloc(c->data, c->data_cap);
	}
	if (c->off == NULL || c->len == NULL || c->meta == NULL || c->data == NULL) {
		fprintf(stderr, "corpus: out of memory\n");
		exit(1);
	}
}

static void
add(struct corpus *c, const struct sc_pkt *m, const uint8_t *p, uint32_t len)
{
	grow(c, len);
	c->off[c->n] = (uint32_t)c->bytes;
	c->len[c->n] = len;
	c->meta[c->n] = *m;
	memcpy(c->data + c->bytes, p, len);
	c->bytes += len;
	c->n++;
}

static int
load_pcap(struct corpus *c, const char *path, uint32_t max, const char *ports)
{
	char err[PCAP_ERRBUF_SIZE];
	struct sc_portset ps;
	struct pcap_pkthdr *ph;
	const u_char *frame;
	pcap_t *p;
	int rc;

	if (sc_portset_parse(&ps, ports) != 0) {
		fprintf(stderr, "corpus: bad port list '%s'\n", ports);
		return -1;
	}
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (p == NULL) {
		fprintf(stderr, "corpus: %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "corpus: %s: not Ethernet\n", path);
		pcap_close(p);
		return -1;
	}
	c->source = "pcap";
	while (c->n < max && (rc = pcap_next_ex(p, &ph, &frame)) == 1) {
		const uint8_t *payload;
		uint32_t plen;
		struct sc_pkt m;

		memset(&m, 0, sizeof(m));
		if (sc_net_classify(frame, ph->caplen, &ps, &m, &payload, &plen) != SC_NET_SYSLOG)
			continue;
		if (plen > SC_REC_RAW_MAX)
			continue;
		m.rx_ns = (int64_t)ph->ts.tv_sec * 1000000000 + ph->ts.tv_usec;
		add(c, &m, payload, plen);
	}
	pcap_close(p);
	return 0;
}

static int
load_text(struct corpus *c, const char *path, uint32_t max)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		fprintf(stderr, "corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	c->source = "text";
	while (c->n < max && (n = getline(&line, &cap, f)) >= 0) {
		struct sc_pkt m;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || (size_t)n > SC_REC_RAW_MAX)
			continue;
		/* Synthetic receive metadata: 50 IPv4 sources, 10k msg/s. */
		memset(&m, 0, sizeof(m));
		m.rx_ns = TEXT_BASE_NS + (int64_t)c->n * 100000;
		m.addr[10] = 0xff;
		m.addr[11] = 0xff;
		m.addr[12] = 198;
		m.addr[13] = 18;
		m.addr[15] = (uint8_t)(1 + c->n % 50);
		m.family = 4;
		m.transport = SC_TRANSPORT_UDP;
		m.src_port = 514;
		m.dst_port = 514;
		add(c, &m, (const uint8_t *)line, (uint32_t)n);
	}
	free(line);
	fclose(f);
	return 0;
}

int
corpus_load(struct corpus *c, const char *path, uint32_t max, const char *ports)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
					   0x0a0d0d0a };
	uint32_t magic = 0;
	bool is_pcap = false;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(&magic, 1, 4, f) != 4)
		magic = 0;
	fclose(f);
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (magic == magics[i])
			is_pcap = true;
	if ((is_pcap ? load_pcap(c, path, max, ports) : load_text(c, path, max)) != 0)
		return -1;
	if (c->n == 0) {
		fprintf(stderr, "corpus: %s: no messages\n", path);
		return -1;
	}
	return 0;
}

void
corpus_free(struct corpus *c)
{
	free(c->data);
	free(c->off);
	free(c->len);
	free(c->meta);
	memset(c, 0, sizeof(*c));
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_BENCH_CORPUS_H
#define SC_BENCH_CORPUS_H

/*
 * Message corpus for the benches: syslog messages loaded into one arena,
 * from a capture file (the UDP payloads the pcap driver would push, found
 * with the engine's own sc_net_classify) or from a text file with one
 * message per line.  Bench-only code: it allocates freely and exits on
 * error.
 */
#include <stddef.h>
#include <stdint.h>

#include <sealcap/driver.h>

struct corpus {
	uint8_t *data;        /* messages back to back */
	size_t bytes;         /* sum of message lengths */
	uint32_t n;
	uint32_t cap;
	size_t data_cap;
	uint32_t *off;
	uint32_t *len;
	struct sc_pkt *meta;  /* rx_ns, address, ports */
	const char *source;   /* "pcap" or "text" */
};

/*
 * Load at most @p max messages from @p path (pcap/pcapng detected by magic,
 * anything else is text, one message per line).  @p ports: syslog ports
 * for captures ("514").  @return 0, or -1 with a message on stderr.
 */
int corpus_load(struct corpus *c, const char *path, uint32_t max, const char *ports);
void corpus_free(struct corpus *c);

#endif

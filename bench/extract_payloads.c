/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * extract_payloads: write the syslog messages of a capture back to back into
 * one flat file, so that baselines (lz4, sha256sum) read exactly the message
 * bytes the engine stores.  Frames are classified with the engine's own
 * sc_net_classify, as the pcap driver does.
 *
 *     extract_payloads IN.pcap OUT.bin [PORTS]
 *
 * Prints "messages=N bytes=B" on stdout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <sealcap/net.h>

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct sc_portset ps;
	struct pcap_pkthdr *ph;
	const u_char *frame;
	uint64_t n = 0, bytes = 0, other = 0;
	static char buf[1 << 20];
	pcap_t *p;
	FILE *out;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: extract_payloads IN.pcap OUT.bin [PORTS (514)]\n");
		return 2;
	}
	if (sc_portset_parse(&ps, argc == 4 ? argv[3] : "514") != 0) {
		fprintf(stderr, "extract_payloads: bad port list\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "extract_payloads: %s: %s\n", argv[1], err);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (out == NULL) {
		fprintf(stderr, "extract_payloads: %s: %s\n", argv[2], strerror(errno));
		pcap_close(p);
		return 1;
	}
	setvbuf(out, buf, _IOFBF, sizeof(buf));
	while ((rc = pcap_next_ex(p, &ph, &frame)) == 1) {
		const uint8_t *payload;
		uint32_t plen;
		struct sc_pkt m;

		memset(&m, 0, sizeof(m));
		if (sc_net_classify(frame, ph->caplen, &ps, &m, &payload, &plen) != SC_NET_SYSLOG) {
			other++;
			continue;
		}
		if (fwrite(payload, 1, plen, out) != plen) {
			fprintf(stderr, "extract_payloads: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		n++;
		bytes += plen;
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "extract_payloads: %s: %s\n", argv[1], pcap_geterr(p));
	pcap_close(p);
	if (fclose(out) != 0) {
		fprintf(stderr, "extract_payloads: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("messages=%" PRIu64 " bytes=%" PRIu64 " skipped=%" PRIu64 "\n", n, bytes, other);
	return rc == PCAP_ERROR;
}

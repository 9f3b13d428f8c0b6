/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The packet classifier (what DPDK and AF_XDP workers call on every frame)
 * on any Ethernet frame.  Input: the frame.  Checked: the class is one of
 * four; a syslog payload and a fragment's header lie inside the frame with
 * the lengths the header says (net.h); the source family is 4 or 6 and the
 * destination port is one of the syslog ports; the same frame classifies
 * the same way twice.
 */
#include <string.h>

#include <sealcap/driver.h>
#include <sealcap/net.h>

#include "fuzz.h"

static struct sc_portset ports;

FUZZ_TARGET(net)
{
	static int ready;
	struct sc_pkt m, m2;
	const uint8_t *pl = NULL, *pl2 = NULL;
	uint32_t plen = 0, plen2 = 0;
	enum sc_net_class c, c2;

	if (!ready) {
		sc_portset_clear(&ports);
		sc_portset_add(&ports, 514);
		sc_portset_add(&ports, 1514);
		sc_portset_add(&ports, 6514);
		ready = 1;
	}
	memset(&m, 0, sizeof(m));
	memset(&m2, 0, sizeof(m2));
	c = sc_net_classify(data, size, &ports, &m, &pl, &plen);
	FZ_CHECK(c <= SC_NET_MALFORMED);
	if (c == SC_NET_SYSLOG || c == SC_NET_FRAGMENT) {
		FZ_CHECK(pl != NULL && pl >= data && pl <= data + size);
		FZ_CHECK((size_t)(pl - data) + plen <= size);
		FZ_CHECK(m.family == 4 || m.family == 6);
	}
	if (c == SC_NET_SYSLOG) {
		FZ_CHECK(m.dst_port == 514 || m.dst_port == 1514 || m.dst_port == 6514);
		if (m.family == 4) /* IPv4-mapped */
			FZ_CHECK(m.addr[10] == 0xff && m.addr[11] == 0xff);
	}
	c2 = sc_net_classify(data, size, &ports, &m2, &pl2, &plen2);
	FZ_CHECK(c == c2);
	if (c == SC_NET_SYSLOG)
		FZ_CHECK(pl == pl2 && plen == plen2 && memcmp(&m, &m2, sizeof(m)) == 0);
	return 0;
}

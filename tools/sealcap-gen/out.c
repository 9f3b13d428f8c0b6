/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * Output registry: one table, looked up by the scheme of --out ("pcap:F",
 * "udp://H:P": the scheme is what precedes the first ':'; a spec without
 * ':', such as "dpdk", is a scheme with an empty target).
 */
#include "out.h"

#include <string.h>

const struct gen_out_ops *const gen_outputs[] = {
	&gen_out_pcap,
	&gen_out_udp,
	&gen_out_tcp,
#ifdef SC_GEN_DPDK
	&gen_out_dpdk,
#endif
	NULL,
};

const struct gen_out_ops *
gen_out_find(const char *spec, const char **target)
{
	const char *colon = strchr(spec, ':');
	size_t n;

	if (!colon)
		colon = spec + strlen(spec);
	n = (size_t)(colon - spec);
	for (unsigned i = 0; gen_outputs[i]; i++) {
		const struct gen_out_ops *o = gen_outputs[i];

		if (strlen(o->scheme) == n && !memcmp(o->scheme, spec, n)) {
			*target = *colon ? colon + 1 : colon;
			return o;
		}
	}
	return NULL;
}

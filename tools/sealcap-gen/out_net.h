/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_GEN_OUT_NET_H
#define SEALCAP_GEN_OUT_NET_H

/**
 * @file
 * What the socket outputs (udp://, tcp://) share: the destination in --out,
 * the loopback rule, and the source address of each sending device.
 *
 * Loopback rule.  Test traffic of this project goes to loopback only
 * (127.0.0.0/8, ::1) or into network namespaces the tests create.  A
 * destination outside loopback is refused unless the caller passes
 * allow_nonlocal (sealcap-gen --allow-nonlocal, for real deployments).
 * Without it, HOST must be a numeric address or "localhost" (taken as
 * 127.0.0.1 without asking any resolver): no DNS query leaves the host.
 *
 * Sources.  Device i of the mix (0-based) sends from its own loopback
 * address: 127.0.0.1 .. 127.0.0.254, then 127.0.1.1 .. 127.0.1.254 and so on
 * (hosts .0 and .255 skipped), with an ephemeral port.  IPv6 loopback has
 * one address, ::1, so there the devices differ by source port only; so do
 * they toward a non-loopback destination (a 127/8 source cannot reach it).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed "//HOST:PORT". */
struct gen_net_dst {
	struct sockaddr_storage addr;   /**< destination, port set */
	socklen_t addrlen;
	int family;                     /**< AF_INET or AF_INET6 */
	int loopback;                   /**< addr is 127/8 or ::1 */
	char name[80];                  /**< "127.0.0.1:514", "[::1]:514" */
};

/**
 * Parse the target of "udp://HOST:PORT" or "tcp://HOST:PORT" (the part after
 * "scheme:", so starting with "//") and apply the loopback rule.
 *
 * @param scheme          "udp" or "tcp", for messages.
 * @param target          "//127.0.0.1:514", "//[::1]:6514", "//localhost:514".
 * @param allow_nonlocal  accept any address and resolve names.
 * @return 0; -EINVAL with a message in @p err when the target is malformed,
 *   not loopback (and not allowed), or does not resolve.
 */
int gen_net_parse(const char *scheme, const char *target, int allow_nonlocal,
		  struct gen_net_dst *dst, char *err, size_t errlen);

/**
 * The address device @p idx binds before sending to @p dst: its own
 * 127.x.y.z toward an IPv4 loopback destination, otherwise the wildcard or
 * ::1 (port 0 in all cases: the kernel picks an ephemeral port).
 * @return 0, or -ERANGE if @p idx is beyond 127/8 (not with the mix's limit).
 */
int gen_net_src(const struct gen_net_dst *dst, uint32_t idx,
		struct sockaddr_storage *src, socklen_t *len);

/** Nonzero when distinct devices get distinct source addresses. */
int gen_net_src_distinct(const struct gen_net_dst *dst);

/** "127.0.0.5:40001" or "[::1]:40001" into @p buf. */
void gen_net_addr_str(const struct sockaddr *sa, char *buf, size_t n);

/**
 * Make room for @p need more file descriptors, raising the soft
 * RLIMIT_NOFILE up to the hard limit when needed.
 * @return 0, or -EMFILE with a message in @p err.
 */
int gen_net_reserve_fds(uint64_t need, const char *what, char *err,
			size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_GEN_OUT_NET_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * Destination parsing, the loopback rule and source addresses shared by the
 * udp:// and tcp:// outputs (out_net.h).
 */
#include "out_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* Descriptors beyond the sockets: stdio, epoll, libc. */
#define FD_SLACK 64

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	}
	return 0;
}

static void
set_v4(struct gen_net_dst *d, struct in_addr a, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)&d->addr;

	memset(&d->addr, 0, sizeof(d->addr));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	s->sin_addr = a;
	d->addrlen = sizeof(*s);
	d->family = AF_INET;
}

static void
set_v6(struct gen_net_dst *d, const struct in6_addr *a, uint16_t port)
{
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&d->addr;

	/* An IPv4-mapped address is the IPv4 address: send over IPv4. */
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct in_addr v4;

		memcpy(&v4, &a->s6_addr[12], 4);
		set_v4(d, v4, port);
		return;
	}
	memset(&d->addr, 0, sizeof(d->addr));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	s->sin6_addr = *a;
	d->addrlen = sizeof(*s);
	d->family = AF_INET6;
}

/* Names only with allow_nonlocal: the first address the resolver gives. */
static int
resolve(struct gen_net_dst *d, const char *scheme, const char *host,
	uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = strcmp(scheme, "tcp") ? SOCK_DGRAM : SOCK_STREAM,
		.ai_flags = AI_ADDRCONFIG,
	}, *res = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc != 0 || !res) {
		snprintf(err, errlen, "%s: cannot resolve '%s': %s", scheme, host,
			 rc ? gai_strerror(rc) : "no address");
		return -EINVAL;
	}
	if (res->ai_family == AF_INET)
		set_v4(d, ((const struct sockaddr_in *)(void *)res->ai_addr)->sin_addr,
		       port);
	else
		set_v6(d, &((const struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr,
		       port);
	freeaddrinfo(res);
	return 0;
}

int
gen_net_parse(const char *scheme, const char *target, int allow_nonlocal,
	      struct gen_net_dst *d, char *err, size_t errlen)
{
	const char *h, *hend, *p;
	char host[256];
	unsigned long port = 0;
	struct in_addr a4;
	struct in6_addr a6;
	size_t hl;

	memset(d, 0, sizeof(*d));
	if (strncmp(target, "//", 2) != 0) {
		snprintf(err, errlen, "%s: '%s:%s' is not %s://HOST:PORT", scheme,
			 scheme, target, scheme);
		return -EINVAL;
	}
	h = target + 2;
	if (*h == '[') {
		hend = strchr(++h, ']');
		if (!hend) {
			snprintf(err, errlen, "%s: '%s:%s': missing ']' after the "
				 "IPv6 address", scheme, scheme, target);
			return -EINVAL;
		}
		p = hend + 1;
	} else {
		hend = strrchr(h, ':');
		if (hend && memchr(h, ':', (size_t)(hend - h))) {
			snprintf(err, errlen, "%s: '%s:%s': put an IPv6 address in "
				 "brackets, as %s://[::1]:514", scheme, scheme,
				 target, scheme);
			return -EINVAL;
		}
		p = hend ? hend : h + strlen(h);
	}
	hl = (size_t)(hend ? hend - h : 0);
	if (*p != ':' || !hl || hl >= sizeof(host)) {
		snprintf(err, errlen, "%s: '%s:%s' is not %s://HOST:PORT (host "
			 "and port are both required)", scheme, scheme, target,
			 scheme);
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	for (p++; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (unsigned long)(*p - '0');
	if (*p || port < 1 || port > 65535 || p[-1] == ':') {
		snprintf(err, errlen, "%s: '%s:%s': the port must be a number in "
			 "1..65535", scheme, scheme, target);
		return -EINVAL;
	}

	if (target[2] != '[' && inet_pton(AF_INET, host, &a4) == 1) {
		set_v4(d, a4, (uint16_t)port);
	} else if (target[2] == '[' && inet_pton(AF_INET6, host, &a6) == 1) {
		set_v6(d, &a6, (uint16_t)port);
	} else if (target[2] == '[') {
		snprintf(err, errlen, "%s: '[%s]' is not an IPv6 address", scheme,
			 host);
		return -EINVAL;
	} else if (strcasecmp(host, "localhost") == 0) {
		a4.s_addr = htonl(INADDR_LOOPBACK);
		set_v4(d, a4, (uint16_t)port);
	} else if (allow_nonlocal) {
		int rc = resolve(d, scheme, host, (uint16_t)port, err, errlen);

		if (rc)
			return rc;
	} else {
		snprintf(err, errlen, "%s: refusing '%s': not a loopback address. "
			 "Test traffic goes to loopback only (127.0.0.0/8, [::1], "
			 "localhost), and names are not resolved; pass "
			 "--allow-nonlocal to send to a real collector", scheme,
			 host);
		return -EINVAL;
	}
	d->loopback = is_loopback(&d->addr);
	gen_net_addr_str((const struct sockaddr *)&d->addr, d->name,
			 sizeof(d->name));
	if (!d->loopback && !allow_nonlocal) {
		snprintf(err, errlen, "%s: refusing %s: not a loopback address. "
			 "Test traffic goes to loopback only (127.0.0.0/8, [::1]); "
			 "pass --allow-nonlocal to send to a real collector",
			 scheme, d->name);
		return -EINVAL;
	}
	return 0;
}

int
gen_net_src_distinct(const struct gen_net_dst *d)
{
	return d->loopback && d->family == AF_INET;
}

int
gen_net_src(const struct gen_net_dst *d, uint32_t idx,
	    struct sockaddr_storage *src, socklen_t *len)
{
	memset(src, 0, sizeof(*src));
	if (d->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)src;
		uint32_t net = idx / 254, host = idx % 254 + 1;

		s->sin_family = AF_INET;
		*len = sizeof(*s);
		if (!d->loopback) {
			s->sin_addr.s_addr = htonl(INADDR_ANY);
			return 0;
		}
		if (net > 0xffff)
			return -ERANGE;
		/* 127.(net / 256).(net % 256).host */
		s->sin_addr.s_addr = htonl(127u << 24 | net << 8 | host);
		return 0;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)src;

	s6->sin6_family = AF_INET6;
	s6->sin6_addr = d->loopback ? in6addr_loopback : in6addr_any;
	*len = sizeof(*s6);
	return 0;
}

void
gen_net_addr_str(const struct sockaddr *sa, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(s->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(s->sin6_port));
	} else {
		snprintf(buf, n, "(family %d)", sa->sa_family);
	}
}

int
gen_net_reserve_fds(uint64_t need, const char *what, char *err, size_t errlen)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;       /* let socket() say EMFILE */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need + FD_SLACK)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need + FD_SLACK) {
		snprintf(err, errlen, "%s needs %llu sockets, but the open-file "
			 "limit is %llu (hard); raise it (ulimit -Hn) or use "
			 "fewer --sources/--connections", what,
			 (unsigned long long)need,
			 (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	rl.rlim_cur = need + FD_SLACK;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		snprintf(err, errlen, "%s needs %llu sockets; raising the "
			 "open-file limit failed: %s", what,
			 (unsigned long long)need, strerror(errno));
		return -EMFILE;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * dpdk driver: the kernel exception path through TAPs (see exception.h for
 * the shape; this comment is about the choices).
 *
 *   --exception-tap NAME              TAP NAME for the first --dpdk-port,
 *                                     NAME1, NAME2, ... for the further ones
 *   --exception-addr ADDR/LEN[@TAP]   repeatable, IPv4 or IPv6; without @TAP
 *                                     the first port's TAP
 *   --exception-mac MAC[@TAP]         default: the capture port's own MAC
 *
 * TAPs are net_tap vdevs named net_tap_sc<i> (never a name a user's own
 * --vdev=net_tapN takes), appended to the EAL arguments: vdevs probe after
 * the PCI bus and in argument order, so the user's ports keep their ids.
 * An interface that already carries NAME is refused: a multi-queue TUNSETIFF
 * on another process's TAP would quietly join it.
 *
 * The MAC.  On a dedicated NIC the TAP takes the NIC's MAC: peers resolve
 * the capture address to the NIC, and the kernel's replies leave with the
 * NIC's address.  With net_af_packet on a host interface (a veth in the
 * tests) the kernel also receives every frame of that interface itself; if
 * the TAP had the same MAC the kernel would answer twice (DPDK-NOTES §5).
 * There give the TAP another MAC (--exception-mac) and set
 * net.ipv4.conf.<iface>.arp_ignore=8 so the interface itself stays silent.
 *
 * Addresses go on with rtnetlink RTM_NEWADDR (several per TAP, both
 * families, and IFA_F_NODAD so an IPv6 address is usable at once: the
 * socket driver, opened next, binds it), then SIOCSIFFLAGS brings the TAP
 * up.  The TAP's MTU follows the port's.
 *
 * Pool.  Frames the kernel emits are read into mbufs of a pool of their
 * own (sc_exc_pool), sized for every TAP RX queue's buffers, a port TX ring
 * and a burst per worker, so neither path can starve the other.  The
 * net_tap PMD keeps one chain of nb_rx_desc mbufs per queue to read one
 * frame into (one segment each): EXC_TAP_RXD segments cover a 9000-byte
 * MTU with the default 2 KiB mbufs.
 *
 * Cost.  net_tap does one write(2) per frame to the kernel, and reads its
 * fd only after the kernel signalled data (its SIGIO handler bumps a
 * counter): an empty poll is a compare, about 24 ns here, no syscall.  So
 * the worker polls its TAP on every loop pass, busy or idle, and the
 * kernel's replies wait at most one pass (or --idle-sleep-us when idle).
 * The SIGIO handler is net_tap's, process-wide (SA_RESTART); the engine's
 * blocking calls already retry on EINTR.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <sealcap/opt.h>

#include "exception.h"

#define EXC_ADDRS_MAX 32
#define EXC_TAP_RXD 8
#define EXC_TXD_DEFAULT 512
#define EXC_CACHE 32
#define EXC_BURST DPDK_EXC_HELD

struct exc_addr {
	int family;            /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
	char tap[IFNAMSIZ];    /* "" = the first port's TAP */
	const char *text;      /* as given, for messages */
};

struct exc_mac {
	struct rte_ether_addr mac;
	char tap[IFNAMSIZ];
	const char *text;
};

/* Options, set before open. */
static struct {
	char name[IFNAMSIZ];
	struct exc_addr addr[EXC_ADDRS_MAX];
	unsigned naddr;
	struct exc_mac mac[DPDK_EXC_TAPS_MAX];
	unsigned nmac;
} conf;

struct exc_tap {
	char ifname[IFNAMSIZ];
	char vdev[32];         /* "net_tap_sc0" */
	char devarg[96];       /* "--vdev=net_tap_sc0,iface=NAME" */
	uint16_t id;           /* its ethdev port */
	bool probed, started;
	struct rte_ether_addr mac;
	char addrs[256];       /* for the ready line */
};

struct dpdk_exc {
	struct exc_tap tap[DPDK_EXC_TAPS_MAX];
	unsigned ntap;
	unsigned queues;       /* per TAP = RX workers of its port */
	struct rte_mempool *pool;
	struct dpdk_exc_q *q;  /* ntap x queues */
};

/* ---- options ---------------------------------------------------------------- */

bool
dpdk_exc_is_opt(const char *name)
{
	return strcmp(name, "exception-tap") == 0 || strcmp(name, "exception-addr") == 0 ||
	       strcmp(name, "exception-mac") == 0;
}

/* An interface name we are willing to pass through devargs: no ',' or '='. */
static bool
ifname_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Split "VALUE@TAP": copies TAP into @p tap ("" when absent), cuts @p v. */
static int
split_tap(const char *opt, const char *value, char *v, size_t vlen, char *tap, char *err,
	  size_t errlen)
{
	const char *at = strrchr(value, '@');
	size_t n = at ? (size_t)(at - value) : strlen(value);

	tap[0] = '\0';
	if (n >= vlen) {
		snprintf(err, errlen, "--%s '%s': too long", opt, value);
		return -EINVAL;
	}
	memcpy(v, value, n);
	v[n] = '\0';
	if (at != NULL) {
		if (!ifname_ok(at + 1, IFNAMSIZ - 1)) {
			snprintf(err, errlen, "--%s '%s': '%s' is not an interface name", opt, value,
				 at + 1);
			return -EINVAL;
		}
		snprintf(tap, IFNAMSIZ, "%s", at + 1);
	}
	return 0;
}

static int
parse_addr(const char *value, struct exc_addr *a, char *err, size_t errlen)
{
	char v[INET6_ADDRSTRLEN + 8], *slash;
	uint64_t prefix;

	if (split_tap("exception-addr", value, v, sizeof(v), a->tap, err, errlen) != 0)
		return -EINVAL;
	slash = strchr(v, '/');
	if (slash == NULL) {
		snprintf(err, errlen, "--exception-addr '%s': expected ADDR/LEN, e.g. 192.0.2.10/24 or "
			 "2001:db8::10/64", value);
		return -EINVAL;
	}
	*slash = '\0';
	if (inet_pton(AF_INET, v, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, v, a->addr) == 1)
		a->family = AF_INET6;
	else {
		snprintf(err, errlen, "--exception-addr '%s': '%s' is not a numeric IPv4 or IPv6 address",
			 value, v);
		return -EINVAL;
	}
	if (sc_opt_u64(slash + 1, &prefix) != 0 || prefix > (a->family == AF_INET ? 32u : 128u)) {
		snprintf(err, errlen, "--exception-addr '%s': prefix length '%s' is not 0..%u", value,
			 slash + 1, a->family == AF_INET ? 32u : 128u);
		return -EINVAL;
	}
	a->prefix = (unsigned)prefix;
	a->text = value;
	return 0;
}

int
dpdk_exc_set_opt(const char *name, const char *value, char *err, size_t errlen)
{
	if (strcmp(name, "exception-tap") == 0) {
		if (!ifname_ok(value, IFNAMSIZ - 1)) {
			snprintf(err, errlen, "--exception-tap '%s': expected an interface name of 1..%d "
				 "letters, digits, '_', '-' or '.'", value, IFNAMSIZ - 1);
			return -EINVAL;
		}
		snprintf(conf.name, sizeof(conf.name), "%s", value);
		return 0;
	}
	if (strcmp(name, "exception-addr") == 0) {
		if (conf.naddr == EXC_ADDRS_MAX) {
			snprintf(err, errlen, "--exception-addr '%s': at most %d addresses", value,
				 EXC_ADDRS_MAX);
			return -EINVAL;
		}
		if (parse_addr(value, &conf.addr[conf.naddr], err, errlen) != 0)
			return -EINVAL;
		conf.naddr++;
		return 0;
	}
	if (strcmp(name, "exception-mac") == 0) {
		struct exc_mac *m = &conf.mac[conf.nmac];
		char v[64];

		if (conf.nmac == DPDK_EXC_TAPS_MAX) {
			snprintf(err, errlen, "--exception-mac '%s': at most %d", value, DPDK_EXC_TAPS_MAX);
			return -EINVAL;
		}
		if (split_tap(name, value, v, sizeof(v), m->tap, err, errlen) != 0)
			return -EINVAL;
		if (rte_ether_unformat_addr(v, &m->mac) != 0 || !rte_is_valid_assigned_ether_addr(&m->mac)) {
			snprintf(err, errlen, "--exception-mac '%s': expected a unicast MAC such as "
				 "02:00:00:00:00:01", value);
			return -EINVAL;
		}
		m->text = value;
		conf.nmac++;
		return 0;
	}
	snprintf(err, errlen, "dpdk driver has no option --%s", name);
	return -EINVAL;
}

/* ---- open / close ----------------------------------------------------------- */

/* Index of the TAP called @p name ("" = the first), or -1. */
static int
tap_index(const struct dpdk_exc *x, const char *name)
{
	if (name[0] == '\0')
		return 0;
	for (unsigned i = 0; i < x->ntap; i++)
		if (strcmp(x->tap[i].ifname, name) == 0)
			return (int)i;
	return -1;
}

/* "dtap0, dtap1" for messages. */
static const char *
tap_names(const struct dpdk_exc *x)
{
	static char s[DPDK_EXC_TAPS_MAX * (IFNAMSIZ + 2)];
	size_t n = 0;

	s[0] = '\0';
	for (unsigned i = 0; i < x->ntap; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", i ? ", " : "", x->tap[i].ifname);
	return s;
}

struct dpdk_exc *
dpdk_exc_create(unsigned nports, unsigned queues, char *err, size_t errlen)
{
	struct dpdk_exc *x;

	err[0] = '\0';
	if (conf.name[0] == '\0') {
		if (conf.naddr || conf.nmac)
			snprintf(err, errlen, "--exception-%s needs --exception-tap NAME",
				 conf.naddr ? "addr" : "mac");
		return NULL;
	}
	if (nports > DPDK_EXC_TAPS_MAX || nports == 0) {
		snprintf(err, errlen, "--exception-tap: %u ports (1..%d)", nports, DPDK_EXC_TAPS_MAX);
		return NULL;
	}
	if (nports > 1 && strlen(conf.name) > IFNAMSIZ - 2) {
		snprintf(err, errlen, "--exception-tap '%s': with %u ports the TAPs are %s, %s1, ...: "
			 "give a name of at most %d characters", conf.name, nports, conf.name, conf.name,
			 IFNAMSIZ - 2);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "dpdk: out of memory");
		return NULL;
	}
	x->ntap = nports;
	x->queues = queues;
	for (unsigned i = 0; i < nports; i++) {
		struct exc_tap *t = &x->tap[i];
		char ifn[IFNAMSIZ + 12];

		/* Fits: the length was checked above. */
		if (i == 0)
			snprintf(ifn, sizeof(ifn), "%s", conf.name);
		else
			snprintf(ifn, sizeof(ifn), "%s%u", conf.name, i);
		snprintf(t->ifname, sizeof(t->ifname), "%.*s", IFNAMSIZ - 1, ifn);
		snprintf(t->vdev, sizeof(t->vdev), "net_tap_sc%u", i);
		snprintf(t->devarg, sizeof(t->devarg), "--vdev=net_tap_sc%u,iface=%s", i, ifn);
		if (if_nametoindex(t->ifname) != 0) {
			snprintf(err, errlen, "--exception-tap: an interface %s already exists (another "
				 "sealcap? a leftover persistent TAP?): pick another name or remove it",
				 t->ifname);
			goto fail;
		}
	}
	for (unsigned i = 0; i < conf.naddr; i++)
		if (tap_index(x, conf.addr[i].tap) < 0) {
			snprintf(err, errlen, "--exception-addr '%s': no TAP %s (the TAPs are: %s)",
				 conf.addr[i].text, conf.addr[i].tap, tap_names(x));
			goto fail;
		}
	for (unsigned i = 0; i < conf.nmac; i++) {
		int k = tap_index(x, conf.mac[i].tap);

		if (k < 0) {
			snprintf(err, errlen, "--exception-mac '%s': no TAP %s (the TAPs are: %s)",
				 conf.mac[i].text, conf.mac[i].tap, tap_names(x));
			goto fail;
		}
		for (unsigned j = 0; j < i; j++)
			if (tap_index(x, conf.mac[j].tap) == k) {
				snprintf(err, errlen, "--exception-mac '%s': TAP %s has a MAC already ('%s')",
					 conf.mac[i].text, x->tap[k].ifname, conf.mac[j].text);
				goto fail;
			}
	}
	x->q = aligned_alloc(RTE_CACHE_LINE_SIZE, nports * queues * sizeof(*x->q));
	if (x->q == NULL) {
		snprintf(err, errlen, "dpdk: out of memory");
		goto fail;
	}
	memset(x->q, 0, nports * queues * sizeof(*x->q));
	return x;
fail:
	dpdk_exc_free(x);
	return NULL;
}

int
dpdk_exc_eal_args(struct dpdk_exc *x, char **argv, unsigned room)
{
	if (x->ntap > room)
		return -E2BIG;
	for (unsigned i = 0; i < x->ntap; i++)
		argv[i] = x->tap[i].devarg;
	return (int)x->ntap;
}

int
dpdk_exc_probe(struct dpdk_exc *x, char *err, size_t errlen)
{
	for (unsigned i = 0; i < x->ntap; i++) {
		struct exc_tap *t = &x->tap[i];

		if (rte_eth_dev_get_port_by_name(t->vdev, &t->id) != 0) {
			snprintf(err, errlen, "--exception-tap: TAP %s was not created (net_tap needs "
				 "CAP_NET_ADMIN and /dev/net/tun; see the EAL's log line above)", t->ifname);
			return -ENODEV;
		}
		t->probed = true;
	}
	return 0;
}

unsigned
dpdk_exc_nports(const struct dpdk_exc *x)
{
	unsigned n = 0;

	for (unsigned i = 0; x && i < x->ntap; i++)
		n += x->tap[i].probed;
	return n;
}

bool
dpdk_exc_owns(const struct dpdk_exc *x, uint16_t port_id)
{
	for (unsigned i = 0; x && i < x->ntap; i++)
		if (x->tap[i].probed && x->tap[i].id == port_id)
			return true;
	return false;
}

/* rtnetlink RTM_NEWADDR of @p a on @p ifindex, waiting for the kernel's answer. */
static int
addr_add(int ifindex, const struct exc_addr *a)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		uint8_t attrs[2 * RTA_SPACE(16)];
	} req;
	union {
		struct nlmsghdr nh;
		uint8_t buf[4096];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t alen = a->family == AF_INET ? 4 : 16;
	unsigned short types[2] = { IFA_LOCAL, IFA_ADDRESS };
	int fd, rc = -EIO;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = (uint8_t)a->family;
	req.ifa.ifa_prefixlen = (uint8_t)a->prefix;
	/* No duplicate address detection: usable at once (the socket driver binds it). */
	req.ifa.ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = (unsigned)ifindex;
	for (unsigned i = 0; i < 2; i++) {
		struct rtattr *ra = (struct rtattr *)((uint8_t *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));

		ra->rta_type = types[i];
		ra->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(ra), a->addr, alen);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(ra->rta_len);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		rc = -errno;
		goto out;
	}
	/* The answer to an NLM_F_ACK request is one NLMSG_ERROR (error 0: done). */
	for (;;) {
		n = recv(fd, &ans, sizeof(ans), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = &ans.nh; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != req.nh.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				goto out;
			rc = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* SIOCSIFFLAGS |= IFF_UP on @p ifname. */
static int
link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		rc = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

/* mbufs for every TAP RX chain, a port TX ring and two bursts per queue, plus caches. */
static unsigned
pool_size(const struct dpdk_exc *x, const uint16_t *ports)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < x->ntap; i++)
		for (unsigned q = 0; q < x->queues; q++) {
			struct rte_eth_txq_info ti;
			uint64_t txd = EXC_TXD_DEFAULT;

			if (rte_eth_tx_queue_info_get(ports[i], (uint16_t)q, &ti) == 0 && ti.nb_desc)
				txd = ti.nb_desc;
			n += EXC_TAP_RXD + txd + 2 * EXC_BURST + EXC_CACHE * 3 / 2;
		}
	/* A power of two minus one suits the mempool's ring. */
	return (unsigned)(rte_align64pow2(n + 1) - 1);
}

static int
tap_start(struct dpdk_exc *x, struct exc_tap *t, unsigned idx, uint16_t port, char *err,
	  size_t errlen)
{
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxc;
	struct rte_ether_addr mac;
	char macs[RTE_ETHER_ADDR_FMT_SIZE];
	const char *mac_note = "the port's";
	uint16_t nrxd = EXC_TAP_RXD, ntxd = EXC_TXD_DEFAULT, mtu = 0, tap_mtu = 0;
	size_t an = 0;
	int rc, ifindex, sock = rte_eth_dev_socket_id(t->id);
	unsigned s = sock < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)sock;

	rc = rte_eth_dev_info_get(t->id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "exception TAP %s: rte_eth_dev_info_get: %s", t->ifname,
			 rte_strerror(-rc));
		return rc;
	}
	if (x->queues > info.max_rx_queues || x->queues > info.max_tx_queues) {
		snprintf(err, errlen, "exception TAP %s: --rx-queues %u, but a TAP has at most %u queues",
			 t->ifname, x->queues, RTE_MIN(info.max_rx_queues, info.max_tx_queues));
		return -EINVAL;
	}
	memset(&pc, 0, sizeof(pc));
	/* Jumbo frames both ways: chains of mbufs. */
	pc.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
	pc.txmode.offloads = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(t->id, (uint16_t)x->queues, (uint16_t)x->queues, &pc);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(t->id, &nrxd, &ntxd);
	if (rc != 0) {
		snprintf(err, errlen, "exception TAP %s: configure %u queues: %s", t->ifname, x->queues,
			 rte_strerror(-rc));
		return rc;
	}
	rxc = info.default_rxconf;
	rxc.offloads = pc.rxmode.offloads;
	for (unsigned q = 0; q < x->queues; q++) {
		rc = rte_eth_rx_queue_setup(t->id, (uint16_t)q, nrxd, s, &rxc, x->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(t->id, (uint16_t)q, ntxd, s, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "exception TAP %s: queue %u: %s", t->ifname, q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	/* Its MAC: --exception-mac, else the port's (so peers address the NIC). */
	memset(&mac, 0, sizeof(mac));
	for (unsigned i = 0; i < conf.nmac; i++)
		if (tap_index(x, conf.mac[i].tap) == (int)idx) {
			mac = conf.mac[i].mac;
			mac_note = "--exception-mac";
		}
	if (rte_is_zero_ether_addr(&mac) && rte_eth_macaddr_get(port, &mac) == 0 &&
	    !rte_is_valid_assigned_ether_addr(&mac)) {
		memset(&mac, 0, sizeof(mac));
		mac_note = "the TAP's own (the port has none)";
	}
	if (!rte_is_zero_ether_addr(&mac)) {
		rc = rte_eth_dev_default_mac_addr_set(t->id, &mac);
		if (rc != 0) {
			rte_ether_format_addr(macs, sizeof(macs), &mac);
			snprintf(err, errlen, "exception TAP %s: set MAC %s: %s", t->ifname, macs,
				 rte_strerror(-rc));
			return rc;
		}
	}
	/* The kernel's frames must fit the port. */
	if (rte_eth_dev_get_mtu(port, &mtu) == 0 && rte_eth_dev_get_mtu(t->id, &tap_mtu) == 0 &&
	    mtu != tap_mtu && rte_eth_dev_set_mtu(t->id, mtu) != 0)
		fprintf(stderr, "sealcap: warning: exception TAP %s: could not set MTU %u (port %u's); "
			"it stays %u\n", t->ifname, mtu, port, tap_mtu);
	rc = rte_eth_dev_start(t->id);
	if (rc != 0) {
		snprintf(err, errlen, "exception TAP %s: start: %s", t->ifname, rte_strerror(-rc));
		return rc;
	}
	t->started = true;
	rte_eth_macaddr_get(t->id, &t->mac);
	ifindex = (int)if_nametoindex(t->ifname);
	if (ifindex == 0) {
		snprintf(err, errlen, "exception TAP %s: no such interface after start: %s", t->ifname,
			 strerror(errno));
		return -ENODEV;
	}
	for (unsigned i = 0; i < conf.naddr; i++) {
		const struct exc_addr *a = &conf.addr[i];
		char txt[INET6_ADDRSTRLEN];

		if (tap_index(x, a->tap) != (int)idx)
			continue;
		rc = addr_add(ifindex, a);
		if (rc != 0) {
			snprintf(err, errlen, "exception TAP %s: add address %s: %s%s", t->ifname, a->text,
				 strerror(-rc), rc == -EACCES && a->family == AF_INET6 ?
				 " (IPv6 disabled on it? net.ipv6.conf.default.disable_ipv6)" : "");
			return rc;
		}
		inet_ntop(a->family, a->addr, txt, sizeof(txt));
		an += (size_t)snprintf(t->addrs + an, sizeof(t->addrs) - an, "%s%s/%u",
				       an ? ", " : "", txt, a->prefix);
		if (an >= sizeof(t->addrs))
			an = sizeof(t->addrs) - 1;
	}
	if (an == 0)
		snprintf(t->addrs, sizeof(t->addrs), "no address");
	rc = link_up(t->ifname);
	if (rc != 0) {
		snprintf(err, errlen, "exception TAP %s: bring up: %s", t->ifname, strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_mtu(t->id, &tap_mtu);
	rte_ether_format_addr(macs, sizeof(macs), &t->mac);
	fprintf(stderr, "sealcap: dpdk port %u exception path: TAP %s (%s), mac %s (%s), mtu %u, "
		"%u queue%s\n", port, t->ifname, t->addrs, macs, mac_note, tap_mtu, x->queues,
		x->queues == 1 ? "" : "s");
	return 0;
}

int
dpdk_exc_start(struct dpdk_exc *x, const uint16_t *ports, char *err, size_t errlen)
{
	unsigned n = pool_size(x, ports);
	unsigned cache = EXC_CACHE;

	x->pool = rte_pktmbuf_pool_create("sc_exc_pool", n, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (x->pool == NULL) {
		int e = rte_errno;

		snprintf(err, errlen, "dpdk: exception path pool of %u mbufs: %s%s", n, rte_strerror(e),
			 e == ENOMEM ? " (with --no-huge give EAL -m about 4 MB per 1024 mbufs more)" : "");
		return -(e ? e : ENOMEM);
	}
	for (unsigned i = 0; i < x->ntap; i++) {
		int rc = tap_start(x, &x->tap[i], i, ports[i], err, errlen);

		if (rc != 0)
			return rc;
		for (unsigned q = 0; q < x->queues; q++) {
			struct dpdk_exc_q *eq = &x->q[i * x->queues + q];

			eq->tap = x->tap[i].id;
			eq->port = ports[i];
			eq->queue = (uint16_t)q;
			eq->mac = x->tap[i].mac;
		}
	}
	return 0;
}

struct dpdk_exc_q *
dpdk_exc_queue(struct dpdk_exc *x, unsigned w)
{
	return x && w < x->ntap * x->queues ? &x->q[w] : NULL;
}

size_t
dpdk_exc_stats(const struct dpdk_exc *x, char *buf, size_t len)
{
	struct dpdk_exc_stats t = { 0 };
	int n;

	if (x == NULL || len == 0)
		return 0;
	for (unsigned i = 0; i < x->ntap * x->queues; i++) {
		const struct dpdk_exc_stats *s = &x->q[i].st;

		t.to_kernel += s->to_kernel;
		t.to_kernel_dropped += s->to_kernel_dropped;
		t.not_ours += s->not_ours;
		t.from_kernel += s->from_kernel;
		t.from_kernel_dropped += s->from_kernel_dropped;
	}
	n = snprintf(buf, len, "; exception: to-kernel=%" PRIu64 " to-kernel-dropped=%" PRIu64
		     " not-ours=%" PRIu64 " from-kernel=%" PRIu64 " from-kernel-dropped=%" PRIu64,
		     t.to_kernel, t.to_kernel_dropped, t.not_ours, t.from_kernel,
		     t.from_kernel_dropped);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void
dpdk_exc_stop(struct dpdk_exc *x)
{
	for (unsigned i = 0; x && i < x->ntap; i++)
		if (x->tap[i].started) {
			rte_eth_dev_stop(x->tap[i].id);
			x->tap[i].started = false;
		}
}

void
dpdk_exc_free(struct dpdk_exc *x)
{
	if (x == NULL)
		return;
	/* Held frames only outlive a worker that stopped mid-burst: none, but be safe. */
	for (unsigned i = 0; x->q && i < x->ntap * x->queues; i++)
		rte_pktmbuf_free_bulk(x->q[i].held, x->q[i].nheld);
	rte_mempool_free(x->pool);
	free(x->q);
	free(x);
}

/* ---- worker ----------------------------------------------------------------- */

void
dpdk_exc_to_kernel(struct dpdk_exc_q *q)
{
	uint16_t n = q->nheld, sent;

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(q->tap, q->queue, q->held, n);
	q->st.to_kernel += sent;
	if (unlikely(sent < n)) {
		q->st.to_kernel_dropped += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(q->held + sent, (unsigned)(n - sent));
	}
	q->nheld = 0;
}

uint16_t
dpdk_exc_from_kernel(struct dpdk_exc_q *q)
{
	struct rte_mbuf *pkts[EXC_BURST];
	uint16_t n = rte_eth_rx_burst(q->tap, q->queue, pkts, EXC_BURST), sent;

	if (n == 0)
		return 0;
	sent = rte_eth_tx_burst(q->port, q->queue, pkts, n);
	q->st.from_kernel += sent;
	if (unlikely(sent < n)) {
		q->st.from_kernel_dropped += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, (unsigned)(n - sent));
	}
	return n;
}

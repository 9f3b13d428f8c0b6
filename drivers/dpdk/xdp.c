/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * --af-xdp IFACE for the dpdk driver (see xdp.h for the call order).
 *
 * The af_xdp PMD does the AF_XDP work: given xdp_prog=PATH it loads that
 * object with libbpf while setting up its RX queues, attaches it to the
 * interface (native mode where the driver has it) and inserts each queue's
 * socket into the object's "xsks_map" under the queue index.  This file
 * writes the devargs so users need not know them, checks beforehand what
 * would otherwise fail deep inside the PMD with a vaguer message, and after
 * the start finds the program again by interface (bpf_xdp_query_id ->
 * program info -> its map ids -> map names) to write the syslog ports into
 * sc_ports and to read the counters: the PMD keeps its bpf_object to itself.
 *
 * The program and the port: the PMD attaches with XDP_FLAGS_UPDATE_IF_NOEXIST,
 * so an interface that already runs an XDP program (another capture, or a
 * sealcap killed with SIGKILL: only a clean exit detaches) is refused here
 * with the command that removes it, rather than detached behind anyone's back.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "xdp.h"

#ifdef SC_HAVE_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp/sc_xdp.h"
#endif

#define XDP_IFACES_MAX 8
/* Maps of our program are four; the kernel may add none, but leave room. */
#define XDP_MAP_IDS_MAX 16

struct xdp_iface {
	const char *name;
	unsigned ifindex;
	char vdev[32];        /* net_af_xdpN */
	uint16_t port;
	int ports_fd;         /* sc_ports, after sc_xdp_start */
	int stats_fd;         /* sc_xdp_stats */
};

/* AF_XDP sockets of this process (the PMD's: one per queue). */
#define XDP_XSK_MAX 64

static struct {
	struct xdp_iface ifc[XDP_IFACES_MAX];
	unsigned n;
	const char *prog;     /* --af-xdp-prog */
	int xsk[XDP_XSK_MAX];
	unsigned nxsk;
} xs;

bool
sc_xdp_is_opt(const char *name)
{
	return strcmp(name, "af-xdp") == 0 || strcmp(name, "af-xdp-prog") == 0;
}

unsigned
sc_xdp_count(void)
{
	return xs.n;
}

int
sc_xdp_set_opt(const char *name, const char *value, char *err, size_t errlen)
{
#ifndef SC_HAVE_LIBBPF
	(void)value;
	snprintf(err, errlen, "--%s: this sealcap was built without libbpf (Debian: libbpf-dev), "
		 "so it has no AF_XDP mode", name);
	return -EINVAL;
#else
	if (strcmp(name, "af-xdp-prog") == 0) {
		xs.prog = value;
		return 0;
	}
	if (value[0] == '\0' || strlen(value) >= IF_NAMESIZE) {
		snprintf(err, errlen, "--af-xdp '%s': not an interface name", value);
		return -EINVAL;
	}
	for (unsigned i = 0; i < xs.n; i++)
		if (strcmp(xs.ifc[i].name, value) == 0) {
			snprintf(err, errlen, "--af-xdp %s given twice", value);
			return -EINVAL;
		}
	if (xs.n == XDP_IFACES_MAX) {
		snprintf(err, errlen, "--af-xdp %s: at most %d interfaces", value, XDP_IFACES_MAX);
		return -EINVAL;
	}
	xs.ifc[xs.n].name = value;
	xs.ifc[xs.n].ports_fd = -1;
	xs.ifc[xs.n].stats_fd = -1;
	xs.n++;
	return 0;
#endif
}

struct rte_mempool *
sc_xdp_pool_create(const char *name, unsigned n, unsigned cache, int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      cache, sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	/* The PMD's UMEM starts at the first chunk and spans the whole pool. */
	if (mp->nb_mem_chunks != 1) {
		rc = -ENOMEM;
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;

fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

#ifdef SC_HAVE_LIBBPF

/* The program object: --af-xdp-prog, else this build's, else the installed one. */
static const char *
prog_path(char *err, size_t errlen)
{
	if (xs.prog)
		return xs.prog;
#ifdef SC_XDP_OBJ_BUILD
	(void)err;
	(void)errlen;
	if (access(SC_XDP_OBJ_BUILD, R_OK) == 0)
		return SC_XDP_OBJ_BUILD;
	return SC_XDP_OBJ_INSTALL;
#else
	snprintf(err, errlen, "--af-xdp: this sealcap was built without its XDP program (clang or "
		 "libbpf's headers were missing when meson configured it: install clang and "
		 "libbpf-dev and reconfigure), or give --af-xdp-prog PATH");
	return NULL;
#endif
}

/* Open (not load) the object: it must be readable and hold what we use. */
static int
check_prog(const char *path, char *err, size_t errlen)
{
	struct bpf_object *obj;
	const char *missing = NULL;
	long rc;

	if (access(path, R_OK) != 0) {
		rc = -errno;
		snprintf(err, errlen, "--af-xdp: XDP program %s: %s%s", path, strerror(errno),
			 xs.prog ? "" : " (build the project, install it, or give --af-xdp-prog PATH)");
		return (int)rc;
	}
	/* Devargs are split on ',' and the EAL arguments on blanks. */
	if (strpbrk(path, ", \t") != NULL) {
		snprintf(err, errlen, "--af-xdp: XDP program path '%s' holds a comma or a blank, "
			 "which the EAL arguments cannot carry", path);
		return -EINVAL;
	}
	obj = bpf_object__open_file(path, NULL);
	if (obj == NULL) {
		rc = -errno;
		snprintf(err, errlen, "--af-xdp: %s is not a BPF object libbpf can open: %s", path,
			 strerror((int)-rc));
		return (int)rc;
	}
	if (bpf_object__find_program_by_name(obj, SC_XDP_PROG_NAME) == NULL)
		missing = "program " SC_XDP_PROG_NAME;
	else if (bpf_object__find_map_by_name(obj, SC_XDP_XSKS_MAP) == NULL)
		missing = "map " SC_XDP_XSKS_MAP;
	else if (bpf_object__find_map_by_name(obj, SC_XDP_PORTS_MAP) == NULL)
		missing = "map " SC_XDP_PORTS_MAP;
	bpf_object__close(obj);
	if (missing) {
		snprintf(err, errlen, "--af-xdp: %s is not sealcap's XDP program (no %s)", path, missing);
		return -EINVAL;
	}
	return 0;
}

/* Name of the program with @p id, or "?". */
static void
prog_name(uint32_t id, char *name, size_t len)
{
	struct bpf_prog_info info;
	uint32_t ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, len, "?");
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0)
		snprintf(name, len, "%s", info.name);
	close(fd);
}

static int
check_iface(struct xdp_iface *f, char *err, size_t errlen)
{
	uint32_t id = 0;
	char name[BPF_OBJ_NAME_LEN + 1];
	int rc;

	f->ifindex = if_nametoindex(f->name);
	if (f->ifindex == 0) {
		snprintf(err, errlen, "--af-xdp %s: no such interface in this network namespace (%s)",
			 f->name, strerror(errno));
		return -ENODEV;
	}
	rc = bpf_xdp_query_id((int)f->ifindex, 0, &id);
	if (rc != 0) {
		snprintf(err, errlen, "--af-xdp %s: cannot query its XDP program: %s", f->name,
			 strerror(-rc));
		return rc;
	}
	if (id != 0) {
		prog_name(id, name, sizeof(name));
		snprintf(err, errlen, "--af-xdp %s: the interface already runs XDP program %u ('%s'): "
			 "another capture, or one killed before it could detach; if it is unused, "
			 "remove it with: ip link set dev %s xdp off", f->name, id, name, f->name);
		return -EBUSY;
	}
	return 0;
}

char *
sc_xdp_eal_args(const char *base, unsigned rx_queues, char *err, size_t errlen)
{
	const char *path;
	size_t len;
	char *out;
	unsigned next = 0;

	if (xs.n == 0)
		return strdup(base);
	path = prog_path(err, errlen);
	if (path == NULL || check_prog(path, err, errlen) != 0)
		return NULL;
	len = strlen(base) + 1;
	for (unsigned i = 0; i < xs.n; i++) {
		struct xdp_iface *f = &xs.ifc[i];

		if (check_iface(f, err, errlen) != 0)
			return NULL;
		/* A name the user's own --vdev arguments do not use. */
		for (;; next++) {
			const char *p;
			size_t nl;

			snprintf(f->vdev, sizeof(f->vdev), "net_af_xdp%u", next);
			nl = strlen(f->vdev);
			for (p = strstr(base, f->vdev); p; p = strstr(p + 1, f->vdev))
				if (p[nl] == ',' || p[nl] == ' ' || p[nl] == '\t' || p[nl] == '\0')
					break;
			if (p == NULL)
				break;
		}
		next++;
		len += strlen(" --vdev=,iface=,xdp_prog=,start_queue=0,queue_count=4294967295") +
		       strlen(f->vdev) + strlen(f->name) + strlen(path);
	}
	out = malloc(len);
	if (out == NULL) {
		snprintf(err, errlen, "--af-xdp: out of memory");
		return NULL;
	}
	snprintf(out, len, "%s", base);
	for (unsigned i = 0; i < xs.n; i++) {
		size_t n = strlen(out);

		snprintf(out + n, len - n, " --vdev=%s,iface=%s,xdp_prog=%s,start_queue=0,queue_count=%u",
			 xs.ifc[i].vdev, xs.ifc[i].name, path, rx_queues);
	}
	return out;
}

int
sc_xdp_port_id(unsigned i, uint16_t *port, char *err, size_t errlen)
{
	struct xdp_iface *f = &xs.ifc[i];

	if (rte_eth_dev_get_port_by_name(f->vdev, port) != 0) {
		snprintf(err, errlen, "--af-xdp %s: the af_xdp PMD did not take the interface (see its "
			 "log lines above: --rx-queues larger than the interface's queues? not root?)",
			 f->name);
		return -ENODEV;
	}
	f->port = *port;
	return 0;
}

/* Find our maps among those of the program attached to @p f. */
static int
find_maps(struct xdp_iface *f, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	uint32_t id = 0, ids[XDP_MAP_IDS_MAX], ilen = sizeof(info), n;
	int rc, pfd;

	rc = bpf_xdp_query_id((int)f->ifindex, 0, &id);
	if (rc != 0 || id == 0) {
		snprintf(err, errlen, "af_xdp on %s: no XDP program attached after the port started%s%s",
			 f->name, rc ? ": " : "", rc ? strerror(-rc) : "");
		return rc ? rc : -ENOENT;
	}
	pfd = bpf_prog_get_fd_by_id(id);
	if (pfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "af_xdp on %s: XDP program %u: %s", f->name, id, strerror(errno));
		return rc;
	}
	memset(&info, 0, sizeof(info));
	rc = bpf_obj_get_info_by_fd(pfd, &info, &ilen);
	if (rc == 0 && strcmp(info.name, SC_XDP_PROG_NAME) != 0) {
		snprintf(err, errlen, "af_xdp on %s: the interface runs XDP program '%s', not sealcap's '%s'",
			 f->name, info.name, SC_XDP_PROG_NAME);
		close(pfd);
		return -EINVAL;
	}
	n = info.nr_map_ids < XDP_MAP_IDS_MAX ? info.nr_map_ids : XDP_MAP_IDS_MAX;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	ilen = sizeof(info);
	if (rc == 0)
		rc = bpf_obj_get_info_by_fd(pfd, &info, &ilen);
	close(pfd);
	if (rc != 0) {
		snprintf(err, errlen, "af_xdp on %s: XDP program %u info: %s", f->name, id, strerror(-rc));
		return rc;
	}
	for (uint32_t k = 0; k < n; k++) {
		struct bpf_map_info mi;
		uint32_t mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[k]);

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0) {
			if (f->ports_fd < 0 && strcmp(mi.name, SC_XDP_PORTS_MAP) == 0 &&
			    mi.value_size == sizeof(struct sc_xdp_ports)) {
				f->ports_fd = mfd;
				continue;
			}
			if (f->stats_fd < 0 && strcmp(mi.name, SC_XDP_STATS_MAP) == 0 &&
			    mi.value_size == sizeof(uint64_t)) {
				f->stats_fd = mfd;
				continue;
			}
		}
		close(mfd);
	}
	if (f->ports_fd < 0) {
		snprintf(err, errlen, "af_xdp on %s: XDP program %u has no %s map of this sealcap's layout",
			 f->name, id, SC_XDP_PORTS_MAP);
		return -ENOENT;
	}
	return 0;
}

/*
 * The PMD keeps its AF_XDP sockets to itself, and 22.11 counts only their
 * rx_dropped (no fill-ring buffer) as imissed, not rx_ring_full (the
 * socket's RX ring was full: the worker fell behind), which the kernel
 * drops just as silently.  Every AF_XDP socket of this process is the
 * PMD's, so they are found by address family once all ports started, and
 * read with XDP_STATISTICS.  They cannot be told apart by interface (no
 * getsockname, and sock_diag for AF_XDP is an optional kernel feature).
 */
static void
find_xsks(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	xs.nxsk = 0;
	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && xs.nxsk < XDP_XSK_MAX) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		int dom = 0;
		socklen_t len = sizeof(dom);

		if (*end != '\0' || end == de->d_name || fd == dirfd(dir))
			continue;
		if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 && dom == AF_XDP)
			xs.xsk[xs.nxsk++] = (int)fd;
	}
	closedir(dir);
}

/* XDP_STATISTICS summed over the PMD's sockets. */
static void
xsk_stats(struct xdp_statistics *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned k = 0; k < xs.nxsk; k++) {
		struct xdp_statistics st;
		socklen_t len = sizeof(st);

		memset(&st, 0, sizeof(st));
		if (getsockopt(xs.xsk[k], SOL_XDP, XDP_STATISTICS, &st, &len) != 0)
			continue;
		sum->rx_dropped += st.rx_dropped;
		sum->rx_invalid_descs += st.rx_invalid_descs;
		sum->rx_ring_full += st.rx_ring_full;
		sum->rx_fill_ring_empty_descs += st.rx_fill_ring_empty_descs;
	}
}

uint64_t
sc_xdp_port_lost(uint16_t port)
{
	struct xdp_statistics st;

	/* All sockets' losses go to the first --af-xdp port (see find_xsks). */
	if (xs.n == 0 || xs.nxsk == 0 || port != xs.ifc[0].port)
		return 0;
	xsk_stats(&st);
	return st.rx_ring_full;
}

int
sc_xdp_start(unsigned i, const struct sc_portset *ports, const char *ports_str, char *err,
	     size_t errlen)
{
	struct xdp_iface *f = &xs.ifc[i];
	struct sc_xdp_ports *v;
	uint32_t key = 0;
	int rc;

	_Static_assert(sizeof(v->bits) == sizeof(ports->bits), "port bitmap layouts differ");
	rc = find_maps(f, err, errlen);
	if (rc != 0)
		return rc;
	/* Called for each interface after all ports started: the sockets exist. */
	if (i == 0)
		find_xsks();
	/* 8 KiB: off the stack. */
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		snprintf(err, errlen, "af_xdp on %s: out of memory", f->name);
		return -ENOMEM;
	}
	memcpy(v->bits, ports->bits, sizeof(v->bits));
	v->set = 1;
	rc = bpf_map_update_elem(f->ports_fd, &key, v, BPF_ANY);
	free(v);
	if (rc != 0) {
		snprintf(err, errlen, "af_xdp on %s: writing the syslog ports into %s: %s", f->name,
			 SC_XDP_PORTS_MAP, strerror(-rc));
		return rc;
	}
	fprintf(stderr, "sealcap: af_xdp on %s (dpdk port %u, %s) with sealcap XDP program: "
		"UDP ports %s to DPDK, everything else to the kernel\n", f->name, f->port, f->vdev,
		ports_str);
	return 0;
}

size_t
sc_xdp_stats(char *buf, size_t len)
{
	static const char *const names[SC_XDP_STAT__COUNT] = {
		[SC_XDP_TO_DPDK] = "to-dpdk",
		[SC_XDP_TO_KERNEL] = "to-kernel",
		[SC_XDP_NO_SOCKET] = "no-socket",
		[SC_XDP_FRAG_DPDK] = "frag-dpdk",
		[SC_XDP_FRAG_KERNEL] = "frag-kernel",
	};
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *per = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*per)) : NULL;
	size_t n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < xs.n && per != NULL && n + 1 < len; i++) {
		struct xdp_iface *f = &xs.ifc[i];

		if (f->stats_fd < 0)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "; xdp %s:", f->name);
		for (uint32_t k = 0; k < SC_XDP_STAT__COUNT && n + 1 < len; k++) {
			uint64_t sum = 0;

			if (bpf_map_lookup_elem(f->stats_fd, &k, per) == 0)
				for (int c = 0; c < ncpu; c++)
					sum += per[c];
			n += (size_t)snprintf(buf + n, len - n, " %s=%" PRIu64, names[k], sum);
		}
	}
	free(per);
	if (xs.nxsk && n + 1 < len) {
		struct xdp_statistics st;

		xsk_stats(&st);
		n += (size_t)snprintf(buf + n, len - n, "; xsk (%u): ring-full=%" PRIu64 " fill-empty=%"
				      PRIu64 " invalid=%" PRIu64, xs.nxsk, (uint64_t)st.rx_ring_full,
				      (uint64_t)st.rx_fill_ring_empty_descs,
				      (uint64_t)st.rx_invalid_descs);
	}
	return n < len ? n : len - 1;
}

void
sc_xdp_close(void)
{
	/* The PMD closes the sockets themselves. */
	xs.nxsk = 0;
	for (unsigned i = 0; i < xs.n; i++) {
		if (xs.ifc[i].ports_fd >= 0)
			close(xs.ifc[i].ports_fd);
		if (xs.ifc[i].stats_fd >= 0)
			close(xs.ifc[i].stats_fd);
		xs.ifc[i].ports_fd = xs.ifc[i].stats_fd = -1;
	}
}

#else /* !SC_HAVE_LIBBPF: sc_xdp_set_opt refuses, so nothing below is reached. */

char *
sc_xdp_eal_args(const char *base, unsigned rx_queues, char *err, size_t errlen)
{
	(void)rx_queues;
	(void)err;
	(void)errlen;
	return strdup(base);
}

int
sc_xdp_port_id(unsigned i, uint16_t *port, char *err, size_t errlen)
{
	(void)i;
	(void)port;
	snprintf(err, errlen, "--af-xdp: built without libbpf");
	return -ENOTSUP;
}

int
sc_xdp_start(unsigned i, const struct sc_portset *ports, const char *ports_str, char *err,
	     size_t errlen)
{
	(void)i;
	(void)ports;
	(void)ports_str;
	snprintf(err, errlen, "--af-xdp: built without libbpf");
	return -ENOTSUP;
}

uint64_t
sc_xdp_port_lost(uint16_t port)
{
	(void)port;
	return 0;
}

size_t
sc_xdp_stats(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	return 0;
}

void
sc_xdp_close(void)
{
}

#endif

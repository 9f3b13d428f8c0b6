/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "clock.h"

/* Dynamic POSIX clock of a character device (linux/posix-timers.h). */
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | 3))

void
sc_clock_read(struct sc_clock_info *ci, enum sc_clock_source source)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	memset(ci, 0, sizeof(*ci));
	ci->source = (uint8_t)source;
	state = adjtimex(&tx);
	if (state < 0) {
		ci->sync = SC_SYNC_UNKNOWN;
		ci->max_err_us = UINT32_MAX;
		ci->est_err_us = UINT32_MAX;
		return;
	}
	/* TIME_ERROR or STA_UNSYNC: nobody disciplines this clock. */
	ci->sync = (state == TIME_ERROR || (tx.status & STA_UNSYNC)) ?
		   SC_SYNC_UNSYNCED : SC_SYNC_SYNCED;
	ci->max_err_us = tx.maxerror < 0 ? UINT32_MAX :
			 tx.maxerror > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)tx.maxerror;
	ci->est_err_us = tx.esterror < 0 ? UINT32_MAX :
			 tx.esterror > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)tx.esterror;
}

static int
phc_open(struct sc_clock *c, const char *dev, int64_t offset, char *err, size_t errlen)
{
	struct timespec ts;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "--clock phc:%s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	if (clock_gettime(FD_TO_CLOCKID(fd), &ts) != 0) {
		snprintf(err, errlen, "--clock phc:%s: not a PTP hardware clock (%s)", dev,
			 strerror(errno));
		close(fd);
		return -ENODEV;
	}
	c->source = SC_CLOCK_PHC;
	c->fd = fd;
	c->id = FD_TO_CLOCKID(fd);
	c->phc_offset_ns = offset;
	snprintf(c->name, sizeof(c->name), "phc:%s", dev);
	return 0;
}

int
sc_clock_setup(struct sc_clock *c, const char *spec, bool driver_nic, int64_t phc_offset_ns,
	       char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->id = CLOCK_REALTIME;
	c->source = SC_CLOCK_REALTIME;
	snprintf(c->name, sizeof(c->name), "realtime");
	if (spec == NULL || strcmp(spec, "realtime") == 0)
		return 0;
	if (strncmp(spec, "phc:", 4) == 0)
		return phc_open(c, spec + 4, phc_offset_ns, err, errlen);
	if (strcmp(spec, "nic") == 0) {
		if (!driver_nic) {
			snprintf(err, errlen, "--clock nic: this driver gives no per-packet NIC "
				 "timestamps (use --clock auto)");
			return -EINVAL;
		}
		snprintf(c->name, sizeof(c->name), "nic");
		return 0;
	}
	if (strcmp(spec, "auto") == 0) {
		if (driver_nic) {
			snprintf(c->name, sizeof(c->name), "nic");
			return 0;
		}
		/*
		 * A PHC is only better than the system clock when something
		 * disciplines it; one that agrees with CLOCK_REALTIME within a
		 * second (after the TAI offset) is taken as disciplined.
		 */
		for (int i = 0; i < 8; i++) {
			char dev[32], e2[128];
			struct sc_clock p;

			snprintf(dev, sizeof(dev), "/dev/ptp%d", i);
			if (access(dev, R_OK) != 0)
				continue;
			memset(&p, 0, sizeof(p));
			if (phc_open(&p, dev, phc_offset_ns, e2, sizeof(e2)) == 0) {
				struct timespec rt;
				int64_t d;

				clock_gettime(CLOCK_REALTIME, &rt);
				d = sc_clock_now(&p) - ((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec);
				if (llabs(d) < 1000000000) {
					*c = p;
					return 0;
				}
				close(p.fd);
			}
		}
		return 0;
	}
	snprintf(err, errlen, "--clock '%s': expected auto, realtime, nic or phc:/dev/ptpN", spec);
	return -EINVAL;
}

void
sc_clock_close(struct sc_clock *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

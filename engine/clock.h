/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_CLOCK_H
#define SC_ENGINE_CLOCK_H

/*
 * The engine's receive clock: one reading per RX burst from the best clock
 * present (NIC time is per packet and comes from the driver).
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <sealcap/block.h>

struct sc_clock {
	enum sc_clock_source source;  /* REALTIME or PHC */
	clockid_t id;                 /* CLOCK_REALTIME or the PHC's dynamic clock */
	int fd;                       /* PHC device, -1 otherwise */
	int64_t phc_offset_ns;        /* subtracted from PHC time (TAI - UTC) */
	char name[64];
};

/*
 * Set up from a --clock value: "realtime", "phc:/dev/ptpN", "auto" (a PHC
 * that agrees with the system clock within a second, else realtime) or
 * "nic" (accepted when @p driver_nic says the driver stamps packets; the
 * burst clock is then realtime for the driver's fallback).
 * @return 0, or -EINVAL / -ENODEV with a message in @p err.
 */
int sc_clock_setup(struct sc_clock *c, const char *spec, bool driver_nic,
		   int64_t phc_offset_ns, char *err, size_t errlen);
void sc_clock_close(struct sc_clock *c);

/* Current time of the clock, UTC ns (one reading per burst). */
static inline int64_t
sc_clock_now(const struct sc_clock *c)
{
	struct timespec ts;

	clock_gettime(c->id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - c->phc_offset_ns;
}

/*
 * Read the kernel's view of clock quality (adjtimex(2), modes = 0: read
 * only, allowed to any user) into @p ci for a clock of @p source.
 */
void sc_clock_read(struct sc_clock_info *ci, enum sc_clock_source source);

#endif

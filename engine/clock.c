/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <stdint.h>
#include <string.h>
#include <sys/timex.h>

#include "clock.h"

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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_CLOCK_H
#define SC_ENGINE_CLOCK_H

#include <sealcap/block.h>

/*
 * Read the kernel's view of clock quality (adjtimex(2), modes = 0: read
 * only, allowed to any user) into @p ci for a clock of @p source.
 */
void sc_clock_read(struct sc_clock_info *ci, enum sc_clock_source source);

#endif

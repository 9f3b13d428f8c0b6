/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <string.h>

#include <sealcap/driver.h>

#define MAX_DRIVERS 8

/* Filled by constructors before main(); read-only afterwards. */
static const struct sc_driver_ops *drivers[MAX_DRIVERS];
static unsigned nb_drivers;

static const char *const drop_names[] = {
#define SC_DROP_NAME(n, s) s,
	SC_DROP_REASONS(SC_DROP_NAME)
#undef SC_DROP_NAME
};

const char *
sc_drop_name(enum sc_drop d)
{
	return (unsigned)d < SC_DROP__COUNT ? drop_names[d] : "unknown";
}

void
sc_driver_register(const struct sc_driver_ops *ops)
{
	if (nb_drivers < MAX_DRIVERS)
		drivers[nb_drivers++] = ops;
}

const struct sc_driver_ops *
sc_driver_find(const char *name)
{
	for (unsigned i = 0; i < nb_drivers; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

const struct sc_driver_ops *
sc_driver_at(unsigned i)
{
	return i < nb_drivers ? drivers[i] : NULL;
}

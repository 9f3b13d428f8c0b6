/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_OPT_H
#define SEALCAP_OPT_H

/**
 * @file
 * Command-line value parsing shared by sealcap, sealctl and sealcap-gen:
 * strict (the whole string must parse), so "10x" or "" is refused.
 */

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Unsigned decimal.  @return 0 or -EINVAL */
int sc_opt_u64(const char *s, uint64_t *out);
/** Size with an optional K, M or G suffix (powers of 1024). @return 0 or -EINVAL */
int sc_opt_size(const char *s, uint64_t *out);
/** Finite decimal number.  @return 0 or -EINVAL */
int sc_opt_double(const char *s, double *out);
/** One aligned --help line. */
void sc_opt_help(FILE *f, const char *name, const char *arg, const char *help,
		 const char *def);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_OPT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_CHECKPOINT_PRIV_H
#define SC_ENGINE_CHECKPOINT_PRIV_H

/* Helpers shared by checkpoint.c, keys.c, store.c, verify.c and proof.c. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/checkpoint.h>

/* First line of an epoch certificate (keys.c). */
#define SC_EPOCH_CERT_MAGIC "sealcap epoch keys v1"

void sc_errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Standard base64 with padding; out must hold 4*ceil(len/3)+1 bytes. */
size_t sc_b64_encode(const uint8_t *in, size_t len, char *out);
/* Canonical standard base64 only.  @return bytes decoded or -1. */
int sc_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* Whole regular file, NUL-terminated.  @return 0 or -errno (-EFBIG over max). */
int sc_read_file(const char *path, char **out, size_t *len, size_t max);

/*
 * Add an epoch certificate.  pin: the caller vouches for it (its master
 * becomes pinned); otherwise it is taken only when its master is pinned or
 * nothing is pinned.  @return 0 added (or already there), 1 skipped (master
 * not pinned; err says so), -EINVAL bad certificate (err says why), -ENOMEM.
 */
int sc_trust_add_cert(struct sc_trust *t, const char *text, size_t len, bool pin,
		      char *err, size_t errlen);

#endif

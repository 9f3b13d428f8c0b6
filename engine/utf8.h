/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SC_ENGINE_UTF8_H
#define SC_ENGINE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the well-formed UTF-8 sequence at s[i] (s[i] >= 0x80), per
 * Unicode Table 3-7: no overlong forms, surrogates or code points above
 * U+10FFFF.  The syslog parser's own check (syslog.c), shared with the
 * text renderer.
 * @return its length, 0 when ill-formed, -1 when well-formed so far but
 *         cut by the end of the buffer.
 */
int sc_utf8_seq(const uint8_t *s, size_t i, size_t n);

#endif

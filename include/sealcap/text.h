/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_TEXT_H
#define SEALCAP_TEXT_H

/**
 * @file
 * A record's message as text for people and for matching: what `sealctl
 * search`, `tail` and `cat` print, and what search matches a needle in.
 *
 * Shift_JIS records (SC_CHARSET_SJIS) are converted from CP932, the
 * Shift_JIS of Windows and of Japanese appliances, to UTF-8 with iconv(3);
 * UTF-8, ASCII and binary records are checked as UTF-8.  A byte that does
 * not decode (invalid, or a character cut at the end of the message) costs
 * one byte: it is rendered as bad (see enum sc_text_mode) and decoding
 * goes on after it.  The stored bytes are evidence and are never changed:
 * the text is a rendering, kept in the object's own buffer.
 *
 * A struct sc_text is used by one thread at a time.  Rendering is a cold
 * path (tools, search): it may grow its buffers.
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sc_record;

/** How sc_text_render renders bytes that are not text. */
enum sc_text_mode {
	/**
	 * Valid UTF-8; each byte that does not decode becomes U+FFFD.  Control
	 * characters are left for the caller's own escaping (JSON, CSV).
	 */
	SC_TEXT_UTF8 = 0,
	/**
	 * One line for a terminal: a byte that does not decode, a control
	 * character (C0, DEL) and NUL become \xNN, a backslash \\.
	 */
	SC_TEXT_ESCAPED,
};

struct sc_text;

/** Free a renderer (NULL is fine). */
void sc_text_free(struct sc_text *t);

/**
 * A renderer: an iconv(3) descriptor (CP932 to UTF-8) and its buffers.
 * @return the renderer, or NULL with errno ENOMEM, or ENOTSUP when the C
 *         library has no CP932 converter (glibc's gconv modules
 *         missing).
 */
struct sc_text *sc_text_new(void);

/**
 * The message of @p r (r->raw, r->raw_len, decoded by r->charset) as UTF-8
 * text rendered in @p mode.  Any bytes are safe input: the output is valid
 * UTF-8 (SC_TEXT_UTF8) or, in addition, free of control characters
 * (SC_TEXT_ESCAPED).
 * @param len  set to the text's length in bytes (NULs included in
 *             SC_TEXT_UTF8, where a NUL byte of the message stays one)
 * @return the text, NUL-terminated, owned by @p t and valid until the next
 *         call on @p t; NULL with errno ENOMEM, or EINVAL when @p t, @p r
 *         or @p len is NULL or @p mode unknown.  The record is not changed.
 */
const char *sc_text_render(struct sc_text *t, const struct sc_record *r, enum sc_text_mode mode,
			   size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_TEXT_H */

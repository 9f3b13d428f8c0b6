/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Checkpoints, signed notes, verifier keys and key files: everything an
 * auditor's copy of STORE/checkpoints or a --pubkey file feeds the parsers.
 * Input: one byte of mode, then text.
 *   even  the text as a checkpoints file: split into notes, each opened
 *         against the golden store's keys and a harness key; also read as
 *         a --pubkey file and as one verifier key;
 *   odd   the text as a checkpoint body, signed here with the harness key
 *         (so the body parser is reached past the signature) and opened.
 * Checked: the splitter moves forward and stays inside the buffer; a note
 * that opens OK was signed by a key the trust set holds and its signed text
 * lies inside it; a body that parses formats back to what parses to the
 * same checkpoint; a verifier key that parses formats back to itself; a
 * note we signed opens OK exactly when its body was valid note text.
 */
#include <errno.h>
#include <string.h>

#include <sealcap/checkpoint.h>

#include "fuzz.h"

static struct sc_trust *trust;
static struct sc_signer *signer;

static void
check_body(const char *text, size_t len)
{
	struct sc_checkpoint c, c2;
	char out[SC_CHECKPOINT_MAX];
	int n;

	memset(&c, 0, sizeof(c));
	if (sc_checkpoint_parse(text, len, &c) != 0)
		return;
	n = sc_checkpoint_format(&c, out, sizeof(out));
	FZ_CHECK(n > 0 && (size_t)n < sizeof(out));
	memset(&c2, 0, sizeof(c2));
	FZ_CHECK(sc_checkpoint_parse(out, (size_t)n, &c2) == 0);
	FZ_CHECK(memcmp(&c, &c2, sizeof(c)) == 0);
}

static void
open_note(const char *msg, size_t len)
{
	struct sc_checkpoint c;
	struct sc_note n;
	enum sc_note_status st;

	memset(&n, 0, sizeof(n));
	st = sc_note_open(msg, len, sc_trust_lookup, trust, &n);
	FZ_CHECK(st <= SC_NOTE_UNKNOWN_KEY);
	FZ_CHECK(sc_note_status_text(st) != NULL);
	if (st == SC_NOTE_OK) {
		FZ_CHECK(n.verified > 0 && n.verified <= n.nsigs && n.nsigs <= SC_NOTE_SIGS_MAX);
		FZ_CHECK(n.text_len < len);
		check_body(msg, n.text_len);
	}
	memset(&n, 0, sizeof(n));
	st = sc_trust_open_checkpoint(trust, msg, len, &c, &n);
	FZ_CHECK(st <= SC_NOTE_UNKNOWN_KEY);
}

FUZZ_TARGET(checkpoint)
{
	const char *s = (const char *)data + 1;
	size_t len;

	if (trust == NULL) {
		static const uint8_t seed[SC_ED25519_LEN] = { 7, 7, 7 };
		char err[256], vk[SC_VKEY_MAX];

		trust = sc_trust_new();
		signer = sc_signer_new("fuzz/harness", seed);
		FZ_CHECK(trust != NULL && signer != NULL);
		FZ_CHECK(sc_trust_add_store_keys(trust, fz_store(), err, sizeof(err)) > 0);
		sc_vkey_format(sc_signer_vkey(signer), vk, sizeof(vk));
		FZ_CHECK(sc_trust_add_text(trust, vk, strlen(vk), err, sizeof(err)) == 0);
	}
	if (size < 1)
		return 0;
	len = size - 1;

	if (data[0] & 1) {
		char note[SC_CHECKPOINT_MAX + 512];
		int n = sc_note_sign(&signer, 1, s, len, note, sizeof(note));

		FZ_CHECK(n >= 0 || n == -EINVAL || n == -ENOSPC);
		if (n > 0) {
			struct sc_note nt;

			FZ_CHECK(sc_note_open(note, (size_t)n, sc_trust_lookup, trust, &nt) ==
				 SC_NOTE_OK);
			FZ_CHECK(nt.text_len == len && memcmp(note, s, len) == 0);
			open_note(note, (size_t)n);
		}
		check_body(s, len);
		return 0;
	}

	/* A checkpoints file. */
	for (size_t off = 0, start, end, next; off < len; off = next) {
		int r = sc_checkpoints_next(s, len, off, &start, &end, &next);

		FZ_CHECK(r >= -1 && r <= 1);
		if (r <= 0)
			break;
		FZ_CHECK(off <= start && start <= end && end <= next && next <= len);
		FZ_CHECK(next > off);
		open_note(s + start, end - start);
	}
	open_note(s, len);

	/* A --pubkey file, and a single key. */
	{
		struct sc_trust *t = sc_trust_new();
		struct sc_vkey k, k2;
		char err[256], out[SC_VKEY_MAX];

		FZ_CHECK(t != NULL);
		if (sc_trust_add_text(t, s, len, err, sizeof(err)) != 0)
			FZ_CHECK(err[0] != '\0');
		sc_trust_free(t);
		memset(&k, 0, sizeof(k));
		if (sc_vkey_parse(s, len, &k) == 0) {
			sc_vkey_format(&k, out, sizeof(out));
			FZ_CHECK(strlen(out) == len && memcmp(out, s, len) == 0);
			memset(&k2, 0, sizeof(k2));
			FZ_CHECK(sc_vkey_parse(out, strlen(out), &k2) == 0);
			FZ_CHECK(memcmp(&k, &k2, sizeof(k)) == 0);
		}
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Proofs (sealcap/proof.h): an inclusion proof for every record of a store
 * round-trips and checks without the store; any byte of a proof document
 * changed so that it still parses as a different document, and any byte of
 * the record it carries, makes the check fail; a consistency proof holds
 * from every older checkpoint and fails against a rolled-back store.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/keys.h>
#include <sealcap/proof.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

static char tmp[256], keys[300], st[300];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "proof");
	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
}

static void
teardown(void)
{
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(proof, .init = setup, .fini = teardown, .timeout = 900);

static struct sc_sign_key *key;
static struct sc_store *store;
static uint64_t seq;

static void
open_all(void)
{
	struct sc_store_opts o = { .dir = st, .origin = "test/proof", .fsync = SC_FSYNC_NONE };
	char err[512], path[400];
	size_t tl;
	const char *cert;

	if (key == NULL) {
		struct sc_keygen_opts ko = { .dir = keys, .origin = "test/proof", .epochs = 8,
					     .epoch_seconds = 3600 };
		char vkey[SC_VKEY_MAX];

		cr_assert_eq(sc_keygen(&ko, vkey, err, sizeof(err)), 0, "%s", err);
		snprintf(path, sizeof(path), "%s/sign.key", keys);
		key = sc_sign_key_open(path, err, sizeof(err));
		cr_assert_not_null(key, "%s", err);
	}
	cr_assert_eq(sc_store_open(&o, &store, err, sizeof(err)), 0, "%s", err);
	cert = sc_sign_key_cert_text(key, &tl);
	cr_assert_eq(sc_store_put_key(store, "epochs-test.pub", cert, tl), 0);
}

static void
close_all(void)
{
	cr_assert_eq(sc_store_close(store), 0);
	store = NULL;
}

/* @p n blocks of 2 lanes, 1..9 records each (one non-UTF-8), then a checkpoint. */
static void
grow(unsigned n, bool sign)
{
	static const struct sc_clock_info clk = { .source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA };
	struct sc_block_builder *b[2];
	uint8_t *stored;
	char err[512];

	for (int l = 0; l < 2; l++) {
		b[l] = sc_block_builder_new((uint32_t)l, 4096);
		cr_assert_not_null(b[l]);
		sc_block_builder_resume(b[l], sc_store_lane(store, (uint32_t)l)->next_rec_seq);
	}
	stored = malloc(sc_block_stored_max(b[0]));
	cr_assert_not_null(stored);
	for (unsigned i = 0; i < n; i++) {
		struct sc_block_hdr h;
		unsigned l = i & 1, recs = 1 + (unsigned)(seq % 9);

		for (unsigned k = 0; k < recs; k++) {
			char msg[160];
			struct sc_record r = { .rx_ns = 1767225600000000000LL + (int64_t)seq * 1000,
					       .pri = 134, .transport = SC_TRANSPORT_UDP,
					       .src_port = (uint16_t)(40000 + l), .dst_port = 514 };
			int len = snprintf(msg, sizeof(msg), "<134>1 2026-01-01T00:00:00Z ward%u ehr - - - "
					   "user=nurse%u patient=%06" PRIu64 "%s", l, k, seq * 7,
					   seq % 11 == 3 ? " \x82\xa0" : "");

			sc_record_set_ipv4(&r, 0xc6120001u + l);
			r.raw = (const uint8_t *)msg;
			r.raw_len = (uint32_t)len;
			cr_assert_eq(sc_block_add(b[l], &r), 0);
			seq++;
		}
		cr_assert_eq(sc_block_seal(b[l], &clk, &h, stored), 0);
		cr_assert_eq(sc_store_append(store, &h, stored), 0);
	}
	if (sign)
		cr_assert_eq(sc_store_checkpoint(store, sc_sign_key_signer(key), err, sizeof(err)), 1,
			     "%s", err);
	free(stored);
	sc_block_builder_free(b[0]);
	sc_block_builder_free(b[1]);
}

static struct sc_trust *
pinned(const char *file)
{
	struct sc_trust *t = sc_trust_new();
	char path[400], err[512];

	cr_assert_not_null(t);
	snprintf(path, sizeof(path), "%s/%s", keys, file);
	cr_assert_eq(sc_trust_add_pubkey(t, path, err, sizeof(err)), 0, "%s", err);
	return t;
}

static void
finish(void)
{
	sc_sign_key_close(key);
	key = NULL;
}

Test(proof, every_record_proves_and_checks_without_the_store)
{
	struct sc_trust *t;
	struct sc_proof_info info;
	char err[512], *json;
	unsigned proofs = 0;

	open_all();
	grow(9, true);
	grow(14, true);
	close_all();
	t = pinned("epochs.pub");
	for (uint64_t b = 0; b < 23; b++)
		for (uint32_t i = 0;; i++) {
			int rc = sc_proof_record(st, b, i, t, &json, err, sizeof(err));

			if (rc == -ENOENT)
				break;
			cr_assert_eq(rc, 0, "prove %" PRIu64 ".%u: %s", b, i, err);
			rc = sc_proof_check(json, strlen(json), t, &info, err, sizeof(err));
			cr_assert_eq(rc, 0, "check %" PRIu64 ".%u: %s\n%s", b, i, err, json);
			cr_expect_eq(info.block, b);
			cr_expect_eq(info.index, i);
			cr_expect_eq(info.size, 23, "against the newest checkpoint");
			cr_expect_str_eq(info.signer, "test/proof/e0");
			free(json);
			proofs++;
		}
	cr_log_info("%u inclusion proofs", proofs);
	cr_expect(proofs > 60);
	sc_trust_free(t);
	finish();
}

Test(proof, record_not_yet_signed_or_missing_is_refused_with_a_reason)
{
	char err[512], *json;

	open_all();
	grow(5, true);
	grow(3, false);
	close_all();
	cr_expect_eq(sc_proof_record(st, 6, 0, NULL, &json, err, sizeof(err)), -EAGAIN);
	cr_expect(strstr(err, "sealed but not yet signed") != NULL, "%s", err);
	cr_expect_eq(sc_proof_record(st, 99, 0, NULL, &json, err, sizeof(err)), -ENOENT);
	cr_expect_eq(sc_proof_record(st, 2, 400, NULL, &json, err, sizeof(err)), -ENOENT);
	cr_expect_eq(sc_proof_record(st, 2, 0, NULL, &json, err, sizeof(err)), 0, "%s", err);
	free(json);
	finish();
}

/* Every byte of a document, changed: it fails, unless it still reads as the same JSON. */
static unsigned
flip_all(const char *json, struct sc_trust *t, unsigned *tried)
{
	size_t len = strlen(json);
	char *m = strdup(json), err[512];
	json_t *orig = json_loads(json, 0, NULL);
	unsigned accepted = 0;

	cr_assert(m != NULL && orig != NULL);
	*tried = 0;
	for (size_t i = 0; i < len; i++)
		for (int k = 0; k < 3; k++) {
			static const uint8_t masks[3] = { 0x01, 0x20, 0x42 };
			struct sc_proof_info info;
			json_t *j;

			m[i] = (char)(json[i] ^ masks[k]);
			j = json_loadb(m, len, 0, NULL);
			if (j == NULL || !json_equal(j, orig)) {
				(*tried)++;
				if (sc_proof_check(m, len, t, &info, err, sizeof(err)) == 0) {
					accepted++;
					fprintf(stderr, "accepted: byte %zu ^ 0x%02x ('%c' -> '%c')\n", i,
						masks[k], json[i], m[i]);
				}
			}
			json_decref(j);
			m[i] = json[i];
		}
	json_decref(orig);
	free(m);
	return accepted;
}

Test(proof, any_changed_byte_of_an_inclusion_proof_fails)
{
	struct sc_trust *t;
	struct sc_proof_info info;
	char err[512], *json;
	unsigned tried, bad;

	open_all();
	grow(11, true);
	close_all();
	t = pinned("epochs.pub");
	/* A record with Shift_JIS bytes: no readable "message", bytes only. */
	json = NULL;
	for (uint64_t b = 0; b < 11 && json == NULL; b++)
		for (uint32_t i = 0; json == NULL && sc_proof_record(st, b, i, t, &json, err, sizeof(err)) == 0;
		     i++)
			if (strstr(json, "\"message\"") != NULL) {
				free(json);
				json = NULL;
			}
	cr_assert_not_null(json, "no record without a readable message");
	cr_assert_eq(sc_proof_check(json, strlen(json), t, &info, err, sizeof(err)), 0, "%s", err);
	bad = flip_all(json, t, &tried);
	cr_expect_eq(bad, 0, "%u of %u changed documents accepted", bad, tried);
	cr_log_info("%u changed documents, all refused", tried);
	free(json);
	sc_trust_free(t);
	finish();
}

/* The record itself: any bit of its bytes, re-encoded validly. */
Test(proof, any_changed_bit_of_the_record_fails)
{
	struct sc_trust *t;
	struct sc_proof_info info;
	char err[512], *json, *b64;
	json_t *doc, *rec;
	uint8_t raw[2048], orig[2048];
	int n;
	unsigned accepted = 0;

	open_all();
	grow(4, true);
	close_all();
	t = pinned("epochs.pub");
	cr_assert_eq(sc_proof_record(st, 3, 1, t, &json, err, sizeof(err)), 0, "%s", err);
	doc = json_loads(json, 0, NULL);
	rec = json_object_get(doc, "record");
	{
		const char *enc = json_string_value(json_object_get(rec, "bytes"));
		size_t len = strlen(enc);

		n = EVP_DecodeBlock(orig, (const unsigned char *)enc, (int)len);
		while (len && enc[len - 1] == '=')
			len--, n--;
	}
	cr_assert(n > 128);
	b64 = malloc(4 * (size_t)n);
	cr_assert_not_null(b64);
	for (int i = 0; i < 8 * n; i += 3) {
		json_t *d2 = json_deep_copy(doc);
		char *s;

		memcpy(raw, orig, (size_t)n);
		raw[i / 8] ^= (uint8_t)(1u << (i % 8));
		EVP_EncodeBlock((unsigned char *)b64, raw, n);
		json_object_set_new(json_object_get(d2, "record"), "bytes", json_string(b64));
		s = json_dumps(d2, 0);
		if (sc_proof_check(s, strlen(s), t, &info, err, sizeof(err)) == 0)
			accepted++;
		free(s);
		json_decref(d2);
	}
	cr_expect_eq(accepted, 0, "%u of %d one-bit record changes accepted", accepted, 8 * n / 3);
	free(b64);
	json_decref(doc);
	free(json);
	sc_trust_free(t);
	finish();
}

Test(proof, checker_needs_a_trusted_key)
{
	struct sc_trust *t, *other = sc_trust_new();
	struct sc_proof_info info;
	char err[512], *json, vkey[SC_VKEY_MAX], path[400];

	open_all();
	grow(3, true);
	close_all();
	cr_assert_eq(sc_proof_record(st, 1, 0, NULL, &json, err, sizeof(err)), 0, "%s", err);
	/* The master alone does not list epoch keys; the certificate or the epoch key does. */
	t = pinned("master.pub");
	cr_expect_eq(sc_proof_check(json, strlen(json), t, &info, err, sizeof(err)), 1);
	cr_expect(strstr(err, "test/proof/e0+") != NULL && strstr(err, "epochs.pub") != NULL, "%s", err);
	sc_trust_free(t);
	{
		struct sc_epoch_cert *c;
		char *text;
		size_t len;

		snprintf(path, sizeof(path), "%s/epochs.pub", keys);
		text = sct_slurp(path, &len);
		c = sc_epoch_cert_parse(text, len, err, sizeof(err));
		cr_assert_not_null(c);
		sc_vkey_format(&c->keys[0], vkey, sizeof(vkey));
		sc_epoch_cert_free(c);
		free(text);
	}
	t = sc_trust_new();
	cr_assert_eq(sc_trust_add_pubkey(t, vkey, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(sc_proof_check(json, strlen(json), t, &info, err, sizeof(err)), 0, "%s", err);
	sc_trust_free(t);
	/* Another keygen's certificate. */
	{
		struct sc_keygen_opts ko = { .origin = "test/proof", .epochs = 8, .epoch_seconds = 3600 };

		snprintf(path, sizeof(path), "%s/other", tmp);
		ko.dir = path;
		cr_assert_eq(sc_keygen(&ko, vkey, err, sizeof(err)), 0);
		snprintf(path, sizeof(path), "%s/other/epochs.pub", tmp);
		cr_assert_eq(sc_trust_add_pubkey(other, path, err, sizeof(err)), 0);
	}
	cr_expect_eq(sc_proof_check(json, strlen(json), other, &info, err, sizeof(err)), 1);
	cr_expect_eq(sc_proof_check("{}", 2, other, &info, err, sizeof(err)), -EINVAL);
	cr_expect_eq(sc_proof_check("nope", 4, other, &info, err, sizeof(err)), -EINVAL);
	sc_trust_free(other);
	free(json);
	finish();
}

/* The checkpoint notes of the store, in file order (malloc'd copies). */
static unsigned
notes_of(char *out[16])
{
	char *buf;
	size_t len, off = 0, a, b, next;
	unsigned n = 0;

	cr_assert_eq(sc_store_checkpoints_load(st, &buf, &len), 0);
	while (n < 16 && sc_checkpoints_next(buf, len, off, &a, &b, &next) == 1) {
		out[n++] = strndup(buf + a, b - a);
		off = next;
	}
	free(buf);
	return n;
}

Test(proof, consistency_from_every_older_checkpoint)
{
	struct sc_trust *t;
	struct sc_proof_info info;
	char err[512], *json, *notes[16];
	unsigned n, tried, bad;

	open_all();
	for (int i = 0; i < 6; i++)
		grow(1 + (unsigned)i * 3, true);
	close_all();
	t = pinned("master.pub");
	n = notes_of(notes);
	cr_assert_eq(n, 6);
	for (unsigned i = 0; i < n; i++) {
		int rc = sc_proof_consistency(st, notes[i], strlen(notes[i]), t, &json, &info, err,
					      sizeof(err));

		cr_expect_eq(rc, 0, "from checkpoint %u: %s", i, err);
		cr_expect_eq(info.size, 1 + 4 + 7 + 10 + 13 + 16);
		if (i == 2) {
			struct sc_trust *c = pinned("epochs.pub");

			cr_expect_eq(sc_proof_check(json, strlen(json), c, &info, err, sizeof(err)), 0,
				     "%s", err);
			bad = flip_all(json, c, &tried);
			cr_expect_eq(bad, 0, "%u of %u changed consistency proofs accepted", bad, tried);
			sc_trust_free(c);
		}
		free(json);
		free(notes[i]);
	}
	sc_trust_free(t);
	finish();
}

/* ---- evidence packages ------------------------------------------------------ */

#define T0 1767225600000000000LL

/* Records seq first..first+n-1 (grow gives record seq s the time T0 + s us). */
static struct sc_query
range_query(uint64_t first, uint64_t n)
{
	struct sc_query q = { .from_ns = T0 + (int64_t)first * 1000,
			      .to_ns = T0 + (int64_t)(first + n - 1) * 1000 };

	return q;
}

static const char *const pkg_args[] = { "--from", "2026-01-01T00:00:00.0005Z", "--to",
					"2026-01-01T00:00:00.001499Z" };

static int
check(const char *json, struct sc_trust *t, char *err)
{
	struct sc_proof_info info;

	return sc_proof_check(json, strlen(json), t, &info, err, 512);
}

/* Dump a changed package and check it. */
static int
check_changed(json_t *doc, struct sc_trust *t, char *err)
{
	char *m = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int rc;

	cr_assert_not_null(m);
	rc = check(m, t, err);
	free(m);
	return rc;
}

/* Flip one byte of a base64 member's decoded bytes, re-encoded canonically. */
static void
flip_b64(json_t *o, const char *member, size_t at)
{
	const char *s = json_string_value(json_object_get(o, member));
	size_t n = strlen(s);
	unsigned char *raw = malloc(n), *enc = malloc(n + 8);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)s, (int)n);

	cr_assert(raw && enc && len > 0);
	len -= (s[n - 1] == '=') + (s[n - 2] == '=');
	raw[at % (size_t)len] ^= 0x01;
	EVP_EncodeBlock(enc, raw, len);
	json_object_set_new(o, member, json_string((const char *)enc));
	free(raw);
	free(enc);
}

/* 200 checks of a 1 MB package: slow under ASan on a shared machine. */
Test(proof, package_of_1000_records_checks_whole_and_fails_on_any_changed_byte)
{
	struct sc_query q = range_query(500, 1000);
	struct sc_export_info xi;
	struct sc_proof_info info;
	struct sc_trust *t;
	char err[512], *json;
	json_t *orig, *d, *r, *b;
	size_t len;
	unsigned tried = 0, accepted = 0;

	open_all();
	grow(400, true);          /* about 2,000 records */
	close_all();
	cr_assert_geq(seq, 1500);
	t = pinned("epochs.pub");
	cr_assert_eq(sc_proof_export(st, &q, pkg_args, 4, t, &json, &xi, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(xi.records, 1000);
	cr_expect_eq(xi.unsigned_hits, 0);
	len = strlen(json);
	cr_assert_eq(sc_proof_check(json, len, t, &info, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(info.type, "package");
	cr_expect_eq(info.records, 1000);
	cr_expect_eq(info.blocks, xi.blocks);
	cr_expect_eq(info.size, 400);
	cr_log_info("package: %zu bytes, %" PRIu64 " records in %" PRIu64 " blocks", len, xi.records,
		    xi.blocks);

	/* 200 positions spread over the whole document, masks in turn. */
	orig = json_loads(json, 0, NULL);
	cr_assert_not_null(orig);
	{
		char *m = strdup(json);
		const char *fa = strstr(json, "\"filter\""), *fb = strstr(json, "\"checkpoint\"");

		cr_assert(m && fa && fb && fa < fb);
		for (size_t p = 0; p < 200; p++) {
			size_t i = p * (len - 1) / 199;

			/* The filter is the exporter's statement (docs/FORMAT.md): tested below. */
			if (json + i >= fa && json + i < fb)
				i = (size_t)(fb - json) + p;
			for (int k = (int)(p % 3); k == (int)(p % 3); k++) {
				static const uint8_t masks[3] = { 0x01, 0x20, 0x42 };
				json_t *j;

				m[i] = (char)(json[i] ^ masks[k]);
				j = json_loadb(m, len, 0, NULL);
				if (j == NULL || !json_equal(j, orig)) {
					tried++;
					if (sc_proof_check(m, len, t, &info, err, sizeof(err)) == 0) {
						accepted++;
						fprintf(stderr, "accepted: byte %zu ^ 0x%02x\n", i, masks[k]);
					}
				}
				json_decref(j);
				m[i] = json[i];
			}
		}
		free(m);
	}
	cr_expect_eq(accepted, 0, "%u of %u changed packages accepted", accepted, tried);
	cr_expect_geq(tried, 150, "only %u changes differ as JSON", tried);
	cr_log_info("%u changed packages, all refused", tried);

	/* Targeted: one byte of a record, re-encoded as valid base64. */
	d = json_deep_copy(orig);
	r = json_array_get(json_object_get(d, "records"), 517);
	flip_b64(r, "bytes", 200);
	cr_expect_eq(check_changed(d, t, err), 1);
	cr_expect(strstr(err, json_string_value(json_object_get(r, "id"))) != NULL,
		  "the bad record is not named: %s", err);
	json_decref(d);
	/* A record path hash. */
	d = json_deep_copy(orig);
	r = json_array_get(json_object_get(d, "records"), 3);
	{
		json_t *p = json_object_get(r, "record_path");
		char h[65];

		cr_assert_gt(json_array_size(p), 0);
		snprintf(h, sizeof(h), "%s", json_string_value(json_array_get(p, 0)));
		h[10] = h[10] == '0' ? '1' : '0';
		json_array_set_new(p, 0, json_string(h));
	}
	cr_expect_eq(check_changed(d, t, err), 1);
	json_decref(d);
	/* A block's log path hash, and its header. */
	d = json_deep_copy(orig);
	b = json_array_get(json_object_get(d, "blocks"), 7);
	{
		json_t *p = json_object_get(b, "log_path");
		char h[65];

		snprintf(h, sizeof(h), "%s", json_string_value(json_array_get(p, 1)));
		h[63] = h[63] == 'a' ? 'b' : 'a';
		json_array_set_new(p, 1, json_string(h));
	}
	cr_expect_eq(check_changed(d, t, err), 1);
	json_decref(d);
	d = json_deep_copy(orig);
	flip_b64(json_array_get(json_object_get(d, "blocks"), 7), "header", 100);
	cr_expect_eq(check_changed(d, t, err), 1);
	json_decref(d);
	/* The checkpoint's root (line 3 of the note) and its signature (last line). */
	for (int which = 0; which < 2; which++) {
		char *note = strdup(json_string_value(json_object_get(orig, "checkpoint")));
		char *p = note;

		cr_assert_not_null(note);
		if (which == 0) {
			p = strchr(strchr(note, '\n') + 1, '\n') + 1;   /* the root */
		} else {
			p = note + strlen(note) - 1;
			while (p > note && p[-1] != ' ')
				p--;                                 /* the signature */
		}
		p[2] = p[2] == 'A' ? 'B' : 'A';
		d = json_deep_copy(orig);
		json_object_set_new(d, "checkpoint", json_string(note));
		cr_expect_eq(check_changed(d, t, err), 1, "%s changed, accepted",
			     which ? "signature" : "root");
		json_decref(d);
		free(note);
	}
	/* A record dropped, duplicated or moved; a block dropped. */
	d = json_deep_copy(orig);
	json_array_insert(json_object_get(d, "records"), 10,
			  json_array_get(json_object_get(d, "records"), 12));
	cr_expect_eq(check_changed(d, t, err), 1);
	json_decref(d);
	d = json_deep_copy(orig);
	json_array_remove(json_object_get(d, "blocks"), 0);
	cr_expect_eq(check_changed(d, t, err), 1);
	json_decref(d);
	/* The filter's range narrowed below a record it holds. */
	d = json_deep_copy(orig);
	json_object_set_new(json_object_get(d, "filter"), "from_ns", json_integer(q.from_ns + 1));
	cr_expect_eq(check_changed(d, t, err), 1);
	cr_expect(strstr(err, "outside the filter") != NULL, "%s", err);
	json_decref(d);

	json_decref(orig);
	free(json);
	sc_trust_free(t);
	finish();
}

Test(proof, package_checked_with_the_wrong_key_fails)
{
	struct sc_query q = range_query(0, 100);
	struct sc_export_info xi;
	struct sc_trust *other = sc_trust_new();
	struct sc_keygen_opts ko = { .origin = "test/proof", .epochs = 8, .epoch_seconds = 3600 };
	char err[512], *json, vkey[SC_VKEY_MAX], path[400];

	open_all();
	grow(40, true);
	close_all();
	cr_assert_eq(sc_proof_export(st, &q, NULL, 0, NULL, &json, &xi, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/other", tmp);
	ko.dir = path;
	cr_assert_eq(sc_keygen(&ko, vkey, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/other/epochs.pub", tmp);
	cr_assert_eq(sc_trust_add_pubkey(other, path, err, sizeof(err)), 0);
	cr_expect_eq(check(json, other, err), 1);
	cr_expect(strstr(err, "not among the given keys") != NULL, "%s", err);
	sc_trust_free(other);
	free(json);
	finish();
}

Test(proof, package_with_no_match_or_only_unsigned_matches_is_refused)
{
	struct sc_query none = range_query(100000, 10), q;
	struct sc_export_info xi;
	struct sc_trust *t;
	struct sc_proof_info info;
	char err[512], *json = NULL;
	uint64_t signed_recs;

	open_all();
	grow(20, true);
	signed_recs = seq;
	grow(10, false);          /* sealed, not yet signed */
	close_all();
	t = pinned("epochs.pub");
	cr_expect_eq(sc_proof_export(st, &none, NULL, 0, t, &json, &xi, err, sizeof(err)), -ENOENT);
	cr_expect_null(json);
	cr_expect(strstr(err, "no record matches") != NULL, "%s", err);
	/* Only records after the checkpoint: refused, saying why. */
	q = range_query(signed_recs, seq - signed_recs);
	cr_expect_eq(sc_proof_export(st, &q, NULL, 0, t, &json, &xi, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "not yet signed") != NULL, "%s", err);
	cr_expect_eq(xi.unsigned_hits, seq - signed_recs);
	/* Both: the signed ones go in, the rest are counted as left out. */
	q = range_query(0, seq);
	cr_assert_eq(sc_proof_export(st, &q, NULL, 0, t, &json, &xi, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(xi.records, signed_recs);
	cr_expect_eq(xi.unsigned_hits, seq - signed_recs);
	cr_expect_eq(sc_proof_check(json, strlen(json), t, &info, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(info.records, signed_recs);
	free(json);
	sc_trust_free(t);
	finish();
}

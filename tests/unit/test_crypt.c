/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Encryption at rest (crypt.h, docs/FORMAT.md "Encryption").
 *
 * Key files: made 0600 whatever the umask, refused when others may read
 * them, when damaged or when they are no key.  Blocks: sealed with a cipher
 * they round-trip to the same records and root as in clear, only the right
 * key opens them, a flipped ciphertext byte fails the digest and, digests
 * recomputed, the GCM tag; every header field the associated data covers
 * is bound.  Stores: verify without the key checks all but the payloads
 * and says so, with the key everything, with another key reports a wrong
 * key (exit 2), not damage.  The engine: a 4-lane run, restarted, never
 * uses one (run key, nonce) twice; events stay in clear; cat, prove and
 * check-proof work with the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "sctest.h"

#include <sealcap/block.h>
#include <sealcap/crypt.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/log.h>
#include <sealcap/record.h>
#include <sealcap/search.h>
#include <sealcap/store.h>

#define SEALCAP SC_BUILD_ROOT "/sealcap"
#define SEALCTL SC_BUILD_ROOT "/tools/sealctl/sealctl"
#define GEN SC_BUILD_ROOT "/tools/sealcap-gen/sealcap-gen"

extern char **environ;

static char tmp[256];
static struct sc_hasher *hs;

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "crypt");
	hs = sc_hasher_new();
	cr_assert_not_null(hs);
}

static void
teardown(void)
{
	sc_hasher_free(hs);
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(crypt, .init = setup, .fini = teardown, .timeout = 240);

/* A path in the test's directory; up to 16 stay valid at once. */
static char *
in_tmp(const char *name)
{
	static char buf[16][400];
	static unsigned n;
	char *p = buf[n++ % 16];

	snprintf(p, 400, "%s/%s", tmp, name);
	return p;
}

/* Program output of the last run() (raw output may hold NUL bytes). */
static char *out, *err;
static size_t out_len;

static int
run(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	char opath[300], epath[300];
	pid_t pid;
	int st;

	free(out);
	free(err);
	snprintf(opath, sizeof(opath), "%s/stdout", tmp);
	snprintf(epath, sizeof(epath), "%s/stderr", tmp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ),
		     0, "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	out = sct_slurp(opath, &out_len);
	err = sct_slurp(epath, NULL);
	cr_assert(WIFEXITED(st), "%s died (status 0x%x); stderr:\n%s", argv[0], st, err);
	return WEXITSTATUS(st);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

/* ---- key files ------------------------------------------------------------------ */

static void
keygen(const char *path, uint8_t id[SC_ENC_KEYID_LEN])
{
	char e[512];

	cr_assert_eq(sc_enc_keygen(path, id, e, sizeof(e)), 0, "%s", e);
}

static struct sc_enc_key *
load(const char *path)
{
	char e[512];
	struct sc_enc_key *k = sc_enc_key_load(path, e, sizeof(e));

	cr_assert_not_null(k, "%s", e);
	return k;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

Test(crypt, keygen_writes_a_0600_key_file_whatever_the_umask)
{
	static const mode_t masks[] = { 0, 022, 077 };
	uint8_t id[SC_ENC_KEYID_LEN], id2[SC_ENC_KEYID_LEN];
	char hex[17], want[64], *text, e[512];
	size_t len;

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		char name[32];
		mode_t old = umask(masks[i]);
		struct sc_enc_key *k;

		snprintf(name, sizeof(name), "k%zu", i);
		keygen(in_tmp(name), id);
		umask(old);
		cr_expect_eq(mode_of(in_tmp(name)), 0600, "umask %03o: mode %04o", masks[i],
			     mode_of(in_tmp(name)));
		text = sct_slurp(in_tmp(name), &len);
		sc_enc_key_id_hex(id, hex);
		snprintf(want, sizeof(want), SC_ENC_KEY_MAGIC "\nid %s\nkey ", hex);
		cr_expect_eq(len, 95, "a key file is 95 bytes, not %zu:\n%s", len, text);
		cr_expect(strncmp(text, want, strlen(want)) == 0, "%s", text);
		free(text);
		k = load(in_tmp(name));
		cr_expect(memcmp(sc_enc_key_id(k), id, SC_ENC_KEYID_LEN) == 0, "the id keygen reported");
		sc_enc_key_free(k);
	}
	/* Two keys are two keys; an existing file is never overwritten. */
	keygen(in_tmp("other"), id2);
	cr_expect(memcmp(id, id2, SC_ENC_KEYID_LEN) != 0);
	text = sct_slurp(in_tmp("k0"), &len);
	cr_expect_eq(sc_enc_keygen(in_tmp("k0"), id2, e, sizeof(e)), -EEXIST);
	cr_expect_not_null(strstr(e, "never overwritten"), "%s", e);
	{
		char *again = sct_slurp(in_tmp("k0"), NULL);

		cr_expect_str_eq(again, text, "the existing key was changed");
		free(again);
	}
	free(text);
}

Test(crypt, key_file_that_others_may_read_is_refused)
{
	static const mode_t bad[] = { 0640, 0644, 0604, 0660, 0606, 0700, 0666 };
	uint8_t id[SC_ENC_KEYID_LEN];
	char e[512];
	struct sc_enc_key *k;

	keygen(in_tmp("k"), id);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[32];

		cr_assert_eq(chmod(in_tmp("k"), bad[i]), 0);
		e[0] = '\0';
		errno = 0;
		k = sc_enc_key_load(in_tmp("k"), e, sizeof(e));
		cr_expect_null(k, "mode %04o accepted", bad[i]);
		sc_enc_key_free(k);
		snprintf(want, sizeof(want), "mode %04o", bad[i]);
		cr_expect_not_null(strstr(e, want), "%s", e);
		cr_expect_not_null(strstr(e, "chmod 600"), "%s", e);
	}
	/* Owner read-only is tighter still: fine for a key nobody rewrites. */
	cr_assert_eq(chmod(in_tmp("k"), 0400), 0);
	sc_enc_key_free(load(in_tmp("k")));
	/* The file itself, not a link to it (whose mode says nothing). */
	cr_assert_eq(chmod(in_tmp("k"), 0600), 0);
	cr_assert_eq(symlink(in_tmp("k"), in_tmp("link")), 0);
	k = sc_enc_key_load(in_tmp("link"), e, sizeof(e));
	cr_expect_null(k);
	sc_enc_key_free(k);
	cr_expect_not_null(strstr(e, "symbolic link"), "%s", e);
}

static void
put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

Test(crypt, damaged_or_foreign_key_files_are_refused_with_the_reason)
{
	uint8_t id[SC_ENC_KEYID_LEN];
	char *good, bad[256], e[512];
	size_t len;
	struct {
		const char *what;
		int pos;          /* byte to change, or -1: see text */
		const char *text; /* whole file instead */
		const char *msg;
	} cases[] = {
		{ "id line digit changed", 30, NULL, "id line does not match" },
		{ "key character changed", 60, NULL, "id line does not match" },
		{ "magic changed", 3, NULL, "not a sealcap encryption key" },
		{ "extra line", -1, NULL, "damaged" },
		{ "cut short", -2, NULL, "damaged" },
		{ "a sign.key", -3, "SCSIGNK1\x01\x00\x80\x01", "not a sealcap encryption key" },
		{ "empty", -3, "", "not a sealcap encryption key" },
		{ "raw 32 bytes", -3, "0123456789abcdef0123456789abcdef", "not a sealcap encryption key" },
	};

	keygen(in_tmp("k"), id);
	good = sct_slurp(in_tmp("k"), &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sc_enc_key *k;

		if (cases[i].text != NULL) {
			snprintf(bad, sizeof(bad), "%s", cases[i].text);
		} else {
			snprintf(bad, sizeof(bad), "%s", good);
			if (cases[i].pos >= 0)
				bad[cases[i].pos] = bad[cases[i].pos] == 'A' ? 'B' : 'A';
			else if (cases[i].pos == -1)
				strcat(bad, "more\n");
			else
				bad[len - 10] = '\0';
		}
		put(in_tmp("bad"), bad);
		e[0] = '\0';
		k = sc_enc_key_load(in_tmp("bad"), e, sizeof(e));
		cr_expect_null(k, "%s: accepted", cases[i].what);
		sc_enc_key_free(k);
		cr_expect_not_null(strstr(e, cases[i].msg), "%s: '%s'", cases[i].what, e);
	}
	free(good);
}

/* ---- blocks -------------------------------------------------------------------------- */

static const struct sc_clock_info clk = {
	.source = SC_CLOCK_REALTIME, .sync = SC_SYNC_UNSYNCED,
	.max_err_us = 16000000, .est_err_us = 16000000,
};

#define T0 1767225600000000000LL

/* @p n records into @p b; noisy ones do not compress (codec 0).  Same
 * arguments, same records. */
static void
fill(struct sc_block_builder *b, int n, int64_t t0, bool noisy, bool event)
{
	uint64_t rng = 0xc0ffee ^ (uint64_t)t0;

	for (int i = 0; i < n; i++) {
		static char raw[30000];
		struct sc_record r = { .pri = 86, .rx_ns = t0 + i, .transport = SC_TRANSPORT_UDP };
		int len;

		/* LZ4 adds ~1 byte per 255 to random bytes: more than it saves. */
		if (noisy) {
			len = (int)sizeof(raw);
			for (int k = 0; k < len; k++) {
				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				raw[k] = (char)(rng >> 56);
			}
		} else {
			len = snprintf(raw, sizeof(raw), "<86>Jan  1 09:00:%02d ehr-app01 sshd[%d]: "
				       "Accepted password for dr_sato from 10.1.2.%d port 5%04d", i % 60,
				       1000 + i, i % 250, i);
		}
		if (event) {
			r.transport = SC_TRANSPORT_NONE;
			r.flags = SC_REC_EVENT;
			r.pri = -1;
			len = snprintf(raw, sizeof(raw), "{\"event\":\"gap\",\"count\":%d}", i);
		} else {
			sc_record_set_ipv4(&r, 0x0a01020a);
		}
		r.raw = (const uint8_t *)raw;
		r.raw_len = (uint32_t)len;
		cr_assert_eq(sc_block_add(b, &r), 0);
	}
}

struct sealed_blk {
	struct sc_block_hdr h;
	uint8_t *stored;
};

static void
seal(struct sc_block_builder *b, struct sealed_blk *s)
{
	s->stored = malloc(sc_block_stored_max(b));
	cr_assert_not_null(s->stored);
	cr_assert_eq(sc_block_seal(b, &clk, &s->h, s->stored), 0);
}

static const uint8_t key_a[32] = "golden key A, published: no use";
static const uint8_t key_b[32] = "another key B, also published!!";
static const uint8_t salt1[16] = "run salt one....";
static const uint8_t salt2[16] = "run salt two....";

static struct sc_keyring *
ring_of(const uint8_t *key)
{
	struct sc_keyring *r = sc_keyring_new();

	cr_assert_not_null(r);
	cr_assert_eq(sc_keyring_add(r, sc_enc_key_from_bytes(key)), 0);
	return r;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

Test(crypt, sealed_block_round_trips_and_only_its_key_opens_it)
{
	struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);
	struct sc_keyring *ra = ring_of(key_a), *rb = ring_of(key_b);

	cr_assert_not_null(ka);
	for (int noisy = 0; noisy <= 1; noisy++) {
		struct sc_block_builder *plain = sc_block_builder_new(3, 65536);
		struct sc_block_builder *enc = sc_block_builder_new(3, 65536);
		struct sc_block_cipher *c = sc_block_cipher_new(ka, salt1, 3);
		struct sealed_blk p, x;
		uint8_t digest[SC_HASH_LEN], nonce[12] = { 3, 0, 0, 0 };
		uint8_t *pay_p, *pay_x, (*leaves)[SC_HASH_LEN];
		uint32_t bad;

		cr_assert(plain && enc && c);
		sc_block_builder_set_cipher(enc, c);
		/* One record of 30000 random bytes does not compress: codec 0. */
		fill(plain, noisy ? 1 : 40, T0, noisy, false);
		fill(enc, noisy ? 1 : 40, T0, noisy, false);
		seal(plain, &p);
		seal(enc, &x);

		/* Same records, same root; what is stored differs. */
		cr_expect_eq(x.h.codec, noisy ? SC_CODEC_NONE : SC_CODEC_LZ4, "codec %u", x.h.codec);
		cr_expect_eq(x.h.codec, p.h.codec);
		cr_expect_eq(x.h.stored_len, p.h.stored_len, "GCM adds no bytes to the payload");
		cr_expect(memcmp(x.h.root, p.h.root, SC_HASH_LEN) == 0, "record root over clear records");
		cr_expect(memcmp(x.stored, p.stored, p.h.stored_len) != 0, "payload left in clear");
		cr_expect_eq(p.h.cipher, SC_CIPHER_NONE);
		cr_expect(all_zero(p.h.key_id, 8) && all_zero(p.h.salt, 16) && all_zero(p.h.nonce, 12) &&
			  all_zero(p.h.tag, 16), "clear block with encryption fields");
		cr_expect_eq(x.h.cipher, SC_CIPHER_AES256GCM);
		cr_expect(memcmp(x.h.key_id, sc_enc_key_id(ka), 8) == 0, "key id");
		cr_expect(memcmp(x.h.salt, salt1, 16) == 0, "run salt");
		cr_expect(memcmp(x.h.nonce, nonce, 12) == 0, "nonce: lane 3, block 0 of the run");
		cr_expect(!all_zero(x.h.tag, 16), "tag");
		sc_sha256(hs, x.stored, x.h.stored_len, NULL, 0, digest);
		cr_expect(memcmp(digest, x.h.payload_hash, SC_HASH_LEN) == 0,
			  "digest over the stored (encrypted) bytes");

		pay_p = malloc(p.h.payload_len);
		pay_x = malloc(x.h.payload_len);
		leaves = malloc(x.h.count * SC_HASH_LEN);
		cr_assert(pay_p && pay_x && leaves);
		cr_assert_eq(sc_block_open(hs, &p.h, p.stored, pay_p, p.h.payload_len), SC_E_OK);
		cr_expect_eq(sc_block_open(hs, &x.h, x.stored, pay_x, x.h.payload_len), SC_E_ENCRYPTED);
		cr_expect_eq(sc_block_open_keys(hs, rb, &x.h, x.stored, pay_x, x.h.payload_len),
			     SC_E_KEY_UNKNOWN);
		cr_assert_eq(sc_block_open_keys(hs, ra, &x.h, x.stored, pay_x, x.h.payload_len), SC_E_OK);
		cr_expect(memcmp(pay_p, pay_x, p.h.payload_len) == 0, "decrypted records differ");
		cr_expect_eq(sc_block_check_records(hs, &x.h, pay_x, leaves, &bad), SC_E_OK, "record %u", bad);
		/* A keyring holding both keys picks the block's. */
		cr_assert_eq(sc_keyring_add(rb, sc_enc_key_from_bytes(key_a)), 0);
		cr_expect_eq(sc_block_open_keys(hs, rb, &x.h, x.stored, pay_x, x.h.payload_len), SC_E_OK);
		sc_keyring_free(rb);
		rb = ring_of(key_b);

		free(pay_p);
		free(pay_x);
		free(leaves);
		free(p.stored);
		free(x.stored);
		sc_block_builder_free(plain);
		sc_block_builder_free(enc);
		sc_block_cipher_free(c);
	}
	sc_keyring_free(ra);
	sc_keyring_free(rb);
	sc_enc_key_free(ka);
}

/* Encrypt one block of @p noisy records on lane 1 with key A, salt 1. */
static void
one_block(bool noisy, struct sealed_blk *x)
{
	struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);
	struct sc_block_builder *b = sc_block_builder_new(1, 65536);
	struct sc_block_cipher *c = sc_block_cipher_new(ka, salt1, 1);

	cr_assert(ka && b && c);
	sc_block_builder_set_cipher(b, c);
	fill(b, noisy ? 1 : 30, T0, noisy, false);
	seal(b, x);
	cr_assert_eq(x->h.codec, noisy ? SC_CODEC_NONE : SC_CODEC_LZ4);
	sc_block_builder_free(b);
	sc_block_cipher_free(c);
	sc_enc_key_free(ka);
}

static enum sc_error
open_with(struct sc_keyring *r, const struct sc_block_hdr *h, const uint8_t *stored)
{
	uint8_t *p = malloc(h->payload_len ? h->payload_len : 1);
	enum sc_error e;

	cr_assert_not_null(p);
	e = sc_block_open_keys(hs, r, h, stored, p, h->payload_len);
	free(p);
	return e;
}

Test(crypt, flipped_ciphertext_fails_the_digest_and_with_digests_recomputed_the_tag)
{
	struct sc_keyring *ra = ring_of(key_a);

	for (int noisy = 0; noisy <= 1; noisy++) {
		struct sealed_blk x;
		size_t step;

		one_block(noisy, &x);
		step = x.h.stored_len / 37 + 1;
		for (size_t i = 0; i < x.h.stored_len; i += step) {
			struct sc_block_hdr h = x.h;

			x.stored[i] ^= 0x20;
			cr_expect_eq(open_with(NULL, &h, x.stored), SC_E_PAYLOAD_HASH, "byte %zu", i);
			cr_expect_eq(open_with(ra, &h, x.stored), SC_E_PAYLOAD_HASH, "byte %zu", i);
			/* Someone who recomputes the digest meets the tag. */
			sc_sha256(hs, x.stored, h.stored_len, NULL, 0, h.payload_hash);
			cr_expect_eq(open_with(NULL, &h, x.stored), SC_E_ENCRYPTED, "byte %zu", i);
			cr_expect_eq(open_with(ra, &h, x.stored), SC_E_DECRYPT, "byte %zu", i);
			x.stored[i] ^= 0x20;
		}
		/* The tag itself. */
		x.h.tag[5] ^= 1;
		cr_expect_eq(open_with(ra, &x.h, x.stored), SC_E_DECRYPT);
		x.h.tag[5] ^= 1;
		cr_expect_eq(open_with(ra, &x.h, x.stored), SC_E_OK);
		free(x.stored);
	}
	sc_keyring_free(ra);
}

Test(crypt, header_fields_are_bound_by_the_tag_or_by_the_block_hash)
{
	struct sc_keyring *ra = ring_of(key_a);
	struct sealed_blk x;
	struct sc_block_hdr h;

	one_block(false, &x);
	cr_assert_eq(open_with(ra, &x.h, x.stored), SC_E_OK);
#define BOUND(stmt, what) do { h = x.h; stmt; \
		cr_expect_eq(open_with(ra, &h, x.stored), SC_E_DECRYPT, "%s not bound", what); } while (0)
	BOUND(h.lane ^= 2, "lane");
	BOUND(h.flags ^= 1, "flags");
	BOUND(h.first_seq++, "first record sequence");
	BOUND(h.count--, "record count");
	BOUND(h.raw_bytes++, "raw bytes");
	BOUND(h.first_ns--, "first time");
	BOUND(h.last_ns++, "last time");
	BOUND(h.clock.sync = SC_SYNC_SYNCED, "clock sync");
	BOUND(h.clock.max_err_us = 5, "clock error");
	BOUND(h.severity_mask ^= 1, "severity mask");
	BOUND(h.facility_mask ^= 1, "facility mask");
	BOUND(h.key_epoch = 1, "key epoch");
	BOUND(h.host_bloom[7] ^= 1, "host Bloom filter");
	BOUND(h.root[0] ^= 1, "record root");
	BOUND(h.nonce[11] ^= 1, "nonce");
	BOUND(h.salt[0] ^= 1, "run salt (another run key)");
	/* Changing the codec or the length fails before or inside the tag. */
	h = x.h;
	h.payload_len++;
	cr_expect_neq(open_with(ra, &h, x.stored), SC_E_OK, "payload length not bound");
#undef BOUND
	/*
	 * What the writer fills in after sealing is outside the associated
	 * data: the block hash (and through it the chain and the log tree)
	 * binds it instead.
	 */
	h = x.h;
	h.block_seq = 17;
	h.log_index = 99;
	h.segment = 4;
	memset(h.prev_hash, 0xab, SC_HASH_LEN);
	cr_expect_eq(open_with(ra, &h, x.stored), SC_E_OK);
	free(x.stored);
	sc_keyring_free(ra);
}

Test(crypt, engine_events_stay_in_clear_and_one_message_makes_a_block_secret)
{
	struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);
	struct sc_block_builder *b = sc_block_builder_new(0, 65536);
	struct sc_block_cipher *c = sc_block_cipher_new(ka, salt1, 0);
	struct sealed_blk ev, mixed;

	cr_assert(ka && b && c);
	sc_block_builder_set_cipher(b, c);
	fill(b, 3, T0, false, true);
	cr_expect(sc_block_events_only(b));
	seal(b, &ev);
	cr_expect_eq(ev.h.cipher, SC_CIPHER_NONE);
	cr_expect(ev.h.flags & SC_BLK_EVENTS);
	cr_expect_eq(open_with(NULL, &ev.h, ev.stored), SC_E_OK, "event block needs no key");
	cr_expect_eq(sc_block_cipher_count(c), 0, "no nonce spent on a clear block");
	fill(b, 3, T0 + 10, false, true);
	fill(b, 1, T0 + 20, false, false);
	cr_expect(!sc_block_events_only(b));
	seal(b, &mixed);
	cr_expect_eq(mixed.h.cipher, SC_CIPHER_AES256GCM);
	cr_expect_eq(sc_block_cipher_count(c), 1);
	free(ev.stored);
	free(mixed.stored);
	sc_block_builder_free(b);
	sc_block_cipher_free(c);
	sc_enc_key_free(ka);
}

Test(crypt, nonces_count_the_blocks_of_each_lane_under_each_run_key)
{
	struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);
	struct sc_block_cipher *c[3];
	uint8_t rk1[32], rk2[32];

	cr_assert_not_null(ka);
	c[0] = sc_block_cipher_new(ka, salt1, 0);
	c[1] = sc_block_cipher_new(ka, salt1, 7);
	c[2] = sc_block_cipher_new(ka, salt2, 0);
	for (int k = 0; k < 3; k++) {
		struct sc_block_builder *b = sc_block_builder_new(k == 1 ? 7 : 0, 65536);

		cr_assert(b && c[k]);
		sc_block_builder_set_cipher(b, c[k]);
		for (uint64_t n = 0; n < 5; n++) {
			struct sealed_blk x;
			uint8_t want[12] = { 0 };

			fill(b, 2, T0, false, false);
			seal(b, &x);
			want[0] = k == 1 ? 7 : 0;
			want[4] = (uint8_t)n;
			cr_expect(memcmp(x.h.nonce, want, 12) == 0, "cipher %d block %" PRIu64, k, n);
			cr_expect(memcmp(x.h.salt, k == 2 ? salt2 : salt1, 16) == 0);
			free(x.stored);
		}
		cr_expect_eq(sc_block_cipher_count(c[k]), 5);
		sc_block_builder_free(b);
	}
	/* Same nonces as cipher 0 under salt 2, but under another AES key. */
	cr_assert_eq(sc_enc_run_key(ka, salt1, rk1), 0);
	cr_assert_eq(sc_enc_run_key(ka, salt2, rk2), 0);
	cr_expect(memcmp(rk1, rk2, 32) != 0);
	cr_expect(memcmp(rk1, key_a, 32) != 0, "the key itself encrypts nothing");
	for (int k = 0; k < 3; k++)
		sc_block_cipher_free(c[k]);
	sc_enc_key_free(ka);
}

/* ---- stores ------------------------------------------------------------------------ */

/*
 * A store of 3 lanes: @p nblk blocks, encrypted with key A except one of
 * engine events (which stays in clear), and (@p mixed) two blocks sealed
 * before the key was turned on.
 */
static void
build_store_ex(const char *dir, unsigned nblk, bool mixed, bool encrypt, struct sc_sign_key *sk)
{
	struct sc_store_opts o = { .dir = dir, .origin = "sealcap/crypt-test",
				   .segment_bytes = 64 << 20, .fsync = SC_FSYNC_NONE };
	struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);
	struct sc_block_builder *b[3];
	struct sc_block_cipher *c[3];
	struct sc_store *s;
	char e[512];

	cr_assert_eq(sc_store_open(&o, &s, e, sizeof(e)), 0, "%s", e);
	for (int l = 0; l < 3; l++) {
		b[l] = sc_block_builder_new((uint32_t)l, 65536);
		c[l] = sc_block_cipher_new(ka, salt1, (uint32_t)l);
		cr_assert(b[l] && c[l]);
	}
	for (unsigned i = 0; i < nblk + (mixed ? 2 : 0); i++) {
		struct sealed_blk x;
		int l = (int)(i % 3);

		sc_block_builder_set_cipher(b[l], !encrypt || (mixed && i < 2) ? NULL : c[l]);
		fill(b[l], i % 4 == 3 ? 2 : 20, T0 + 1000 * i, i % 4 == 3, i == 4);
		seal(b[l], &x);
		cr_assert_eq(sc_store_append(s, &x.h, x.stored), 0);
		free(x.stored);
	}
	if (sk) {
		size_t tl;
		const char *cert = sc_sign_key_cert_text(sk, &tl);

		cr_assert_eq(sc_store_put_key(s, "epochs-test.pub", cert, tl), 0);
		cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(sk), e, sizeof(e)), 1, "%s", e);
	}
	cr_assert_eq(sc_store_close(s), 0);
	for (int l = 0; l < 3; l++) {
		sc_block_builder_free(b[l]);
		sc_block_cipher_free(c[l]);
	}
	sc_enc_key_free(ka);
}

/* build_store_ex: encrypted (but for the event block), not signed. */
static void
build_store(const char *dir, unsigned nblk, bool mixed)
{
	build_store_ex(dir, nblk, mixed, true, NULL);
}

static void
key_file(const char *name, const uint8_t *key)
{
	char text[SC_ENC_KEYFILE_MAX];
	int n = sc_enc_key_format(key, text, sizeof(text));

	cr_assert(n > 0);
	text[n] = '\0';
	put(in_tmp(name), text);
}

Test(crypt, verify_without_with_and_with_a_wrong_key)
{
	const char *st = in_tmp("store");
	struct sc_verify_result res;
	struct sc_verify_opts vo = { .trust = NULL };
	char e[512], ida[17];

	build_store(st, 12, true);
	/* Without a key: intact, and it says what it could not read. */
	cr_assert_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, e, sizeof(e)), 0, "%s", e);
	cr_expect_eq(res.blocks, 14);
	cr_expect_eq(res.encrypted_blocks, 11, "12 encrypted, 1 of events in clear");
	cr_expect_eq(res.unread_blocks, 11);
	cr_expect_eq(res.unread_records, 166);
	cr_expect_eq(res.records, 60, "2 clear blocks and the event block are read");
	cr_expect_eq(res.events, 20);
	cr_expect_eq(res.nkey_ids, 1);
	/* With it: everything. */
	vo.keys = ring_of(key_a);
	cr_assert_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, e, sizeof(e)), 0, "%s", e);
	cr_expect_eq(res.records, 226);
	cr_expect_eq(res.unread_blocks + res.wrong_key_blocks, 0);
	sc_keyring_free(vo.keys);
	/* Another key: not damage, counted apart. */
	vo.keys = ring_of(key_b);
	cr_assert_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, e, sizeof(e)), 0, "%s", e);
	cr_expect_eq(res.wrong_key_blocks, 11);
	cr_expect_eq(res.issues, 0);
	sc_keyring_free(vo.keys);

	/* The auditor's program. */
	key_file("a.key", key_a);
	key_file("b.key", key_b);
	sc_enc_key_id_hex(res.key_ids[0], ida);
	cr_expect_eq(RUN(SEALCTL, "verify", st), 0, "%s%s", out, err);
	cr_expect_not_null(strstr(out, "11 blocks encrypted: payloads not checked without --decrypt-key"),
			   "%s", out);
	cr_expect_not_null(strstr(out, ida), "key id named: %s", out);
	cr_expect_eq(RUN(SEALCTL, "verify", "--decrypt-key", in_tmp("a.key"), st), 0, "%s%s", out, err);
	cr_expect_not_null(strstr(out, "OK: 206 records + 20 engine events"), "%s", out);
	cr_expect_not_null(strstr(out, "11 blocks encrypted (AES-256-GCM): decrypted and checked"), "%s",
			   out);
	cr_expect_eq(RUN(SEALCTL, "verify", "--decrypt-key", in_tmp("b.key"), st), 2, "%s%s", out, err);
	cr_expect_not_null(strstr(out, "WRONG KEY: 11 blocks (166 records) are encrypted with key id"),
			   "%s", out);
	cr_expect_null(strstr(out, "DAMAGED"), "%s", out);
	/* Both keys: the right one is used. */
	cr_expect_eq(RUN(SEALCTL, "verify", "--decrypt-key", in_tmp("b.key"), "--decrypt-key",
			 in_tmp("a.key"), st), 0, "%s%s", out, err);
	/* A key file others can read is refused before anything is read. */
	cr_assert_eq(chmod(in_tmp("a.key"), 0644), 0);
	cr_expect_eq(RUN(SEALCTL, "verify", "--decrypt-key", in_tmp("a.key"), st), 2);
	cr_expect_not_null(strstr(err, "mode 0644"), "%s", err);
}

/* ---- search, tail and export ------------------------------------------------------ */

/* Every hit as text (ID, receive time, raw bytes), and the notes, of one search. */
struct found {
	char *text;
	size_t len;
	FILE *f;
	unsigned encrypted, key_unknown, damaged;
	uint8_t key_id[SC_ENC_KEYID_LEN];
};

static int
found_hit(const struct sc_hit *hit, void *arg)
{
	struct found *fd = arg;

	fprintf(fd->f, "%" PRIu64 ".%" PRIu32 " %" PRId64 " %" PRIu32 ":", hit->block, hit->index,
		hit->r->rx_ns, hit->r->raw_len);
	fwrite(hit->r->raw, 1, hit->r->raw_len, fd->f);
	fputc('\n', fd->f);
	return 0;
}

static void
found_note(const struct sc_search_note *n, void *arg)
{
	struct found *fd = arg;

	if (n->kind == SC_NOTE_DAMAGE)
		fd->damaged++;
	if (n->kind != SC_NOTE_ENCRYPTED)
		return;
	cr_expect(n->block >= 0 && n->lane >= 0, "the note names the block");
	if (n->err == SC_E_ENCRYPTED)
		fd->encrypted++;
	else if (n->err == SC_E_KEY_UNKNOWN)
		fd->key_unknown++;
	else
		cr_expect(false, "encrypted note with %s", sc_error_name(n->err));
	memcpy(fd->key_id, n->key_id, SC_ENC_KEYID_LEN);
}

/* Search @p dir for @p q with @p keys (NULL: none); stats in @p st. */
static void
search_store(const char *dir, const struct sc_query *q0, struct sc_keyring *keys,
	     enum sc_order order, struct found *fd, struct sc_search_stats *st)
{
	struct sc_query q = *q0;
	struct sc_search *s;
	char e[512];

	memset(fd, 0, sizeof(*fd));
	fd->f = open_memstream(&fd->text, &fd->len);
	cr_assert_not_null(fd->f);
	q.keys = keys;
	s = sc_search_open(dir, &q, e, sizeof(e));
	cr_assert_not_null(s, "%s", e);
	sc_search_on_note(s, found_note, fd);
	cr_assert_eq(sc_search_run(s, order, 0, found_hit, fd), 0);
	*st = *sc_search_stats(s);
	sc_search_close(s);
	cr_assert_eq(fclose(fd->f), 0);
}

static const struct sc_query q_all = { .from_ns = INT64_MIN, .to_ns = INT64_MAX };

Test(crypt, search_with_the_key_finds_what_the_clear_store_holds)
{
	const char *enc = in_tmp("enc"), *clear = in_tmp("clear");
	struct sc_keyring *ra = ring_of(key_a), *rb = ring_of(key_b);
	struct sc_query qs[3] = { q_all, q_all, q_all };
	struct sc_search_stats st, stc;
	struct found f, fc;
	uint8_t ida[SC_ENC_KEYID_LEN];

	{
		struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);

		memcpy(ida, sc_enc_key_id(ka), sizeof(ida));
		sc_enc_key_free(ka);
	}
	build_store_ex(enc, 12, false, true, NULL);
	build_store_ex(clear, 12, false, false, NULL);
	qs[1].grep = "dr_sato from 10.1.2.1";
	qs[1].grep_len = strlen(qs[1].grep);
	qs[2].events = true;
	qs[2].from_ns = T0 + 2000;
	qs[2].to_ns = T0 + 7010;
	for (int k = 0; k < 3; k++) {
		for (int o = SC_ORDER_STORE; o <= SC_ORDER_TIME_DESC; o++) {
			search_store(clear, &qs[k], NULL, (enum sc_order)o, &fc, &stc);
			search_store(enc, &qs[k], ra, (enum sc_order)o, &f, &st);
			cr_expect(fc.len > 0, "query %d finds something in the clear store", k);
			cr_expect(f.len == fc.len && memcmp(f.text, fc.text, f.len) == 0,
				  "query %d order %d: with the key:\n%s\nin clear:\n%s", k, o, f.text,
				  fc.text);
			cr_expect_eq(st.matches, stc.matches);
			cr_expect_eq(st.encrypted, 0);
			cr_expect_eq(f.encrypted + f.key_unknown + f.damaged, 0);
			free(f.text);
			free(fc.text);
		}
	}

	/* No key: no hit, every encrypted candidate noted, none of it damage. */
	search_store(enc, &q_all, NULL, SC_ORDER_TIME, &f, &st);
	cr_expect_eq(f.len, 0, "%s", f.text);
	cr_expect_eq(st.matches, 0);
	cr_expect_eq(st.encrypted, 11, "12 blocks, the event block in clear: %" PRIu64, st.encrypted);
	cr_expect_eq(f.encrypted, 11);
	cr_expect_eq(f.key_unknown, 0);
	cr_expect_eq(st.damaged, 0);
	cr_expect_eq(f.damaged, 0);
	cr_expect(memcmp(f.key_id, ida, sizeof(ida)) == 0, "the note holds the block's key id");
	free(f.text);
	/* The event block is in clear and still found. */
	search_store(enc, &qs[2], NULL, SC_ORDER_TIME, &f, &st);
	cr_expect_eq(st.matches, 20, "the 20 events: %" PRIu64, st.matches);
	cr_expect(st.encrypted > 0);
	free(f.text);

	/* Another key: KEY_UNKNOWN, not damage. */
	search_store(enc, &q_all, rb, SC_ORDER_STORE, &f, &st);
	cr_expect_eq(st.matches, 0);
	cr_expect_eq(st.encrypted, 11);
	cr_expect_eq(f.key_unknown, 11);
	cr_expect_eq(f.encrypted, 0);
	cr_expect_eq(st.damaged, 0);
	cr_expect(memcmp(f.key_id, ida, sizeof(ida)) == 0);
	free(f.text);
	sc_keyring_free(ra);
	sc_keyring_free(rb);
}

/* Signing keys for the export test, made once per test in tmp/keys. */
static struct sc_sign_key *
sign_key(void)
{
	struct sc_keygen_opts ko = { .dir = in_tmp("keys"), .origin = "sealcap/crypt-test",
				     .epochs = 4, .epoch_seconds = 86400 };
	char vkey[SC_VKEY_MAX], e[512];
	struct sc_sign_key *k;

	cr_assert_eq(sc_keygen(&ko, vkey, e, sizeof(e)), 0, "%s", e);
	k = sc_sign_key_open(in_tmp("keys/sign.key"), e, sizeof(e));
	cr_assert_not_null(k, "%s", e);
	return k;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

Test(crypt, sealctl_search_tail_export_take_decrypt_key)
{
	struct sc_sign_key *sk = sign_key();
	char enc[400], clear[400];      /* in_tmp's buffers are reused */
	char ida[2 * SC_ENC_KEYID_LEN + 1], *clear_out;

	snprintf(enc, sizeof(enc), "%s", in_tmp("enc"));
	snprintf(clear, sizeof(clear), "%s", in_tmp("clear"));
	build_store_ex(enc, 12, false, true, sk);
	build_store_ex(clear, 12, false, false, sk);
	sc_sign_key_close(sk);
	key_file("a.key", key_a);
	key_file("b.key", key_b);
	cr_assert_eq(chmod(in_tmp("a.key"), 0600), 0);
	cr_assert_eq(chmod(in_tmp("b.key"), 0600), 0);
	{
		struct sc_enc_key *ka = sc_enc_key_from_bytes(key_a);

		sc_enc_key_id_hex(sc_enc_key_id(ka), ida);
		sc_enc_key_free(ka);
	}

	/* search: with the key exactly the clear store's lines. */
	cr_assert_eq(RUN(SEALCTL, "search", "--grep", "port 5", clear), 0, "%s", err);
	clear_out = strdup(out);
	cr_assert(strlen(clear_out) > 0);
	cr_expect_eq(RUN(SEALCTL, "search", "--decrypt-key", in_tmp("a.key"), "--grep", "port 5",
			 enc), 0, "%s", err);
	cr_expect_str_eq(out, clear_out);
	cr_expect_null(strstr(err, "encrypted"), "%s", err);
	/* Both keys, wrong first: the right one is used. */
	cr_expect_eq(RUN(SEALCTL, "search", "--decrypt-key", in_tmp("b.key"), "--decrypt-key",
			 in_tmp("a.key"), "--grep", "port 5", enc), 0, "%s", err);
	cr_expect_str_eq(out, clear_out);
	free(clear_out);

	/* Without the key: nothing found, but not "none" (exit 1): incomplete, exit 3. */
	cr_expect_eq(RUN(SEALCTL, "search", "--grep", "port 5", enc), 3, "%s", err);
	cr_expect_str_eq(out, "");
	cr_expect_not_null(strstr(err, "search: 11 encrypted block(s) not searched: no --decrypt-key "
				  "given"), "%s", err);
	cr_expect_not_null(strstr(err, ida), "key id named: %s", err);
	cr_expect_not_null(strstr(err, "search incomplete"), "%s", err);
	cr_expect_null(strstr(err, "DAMAGED"), "not damage: %s", err);
	/* Once per run, not once per block. */
	cr_expect_null(strstr(strstr(err, "not searched") + 1, "not searched"), "%s", err);
	cr_expect_eq(RUN(SEALCTL, "search", "--count", enc), 3, "%s", err);
	cr_expect_str_eq(out, "0\n");
	cr_expect_eq(RUN(SEALCTL, "search", "--stats", enc), 3, "%s", err);
	cr_expect_not_null(strstr(err, "0 damaged; 11 encrypted not read"), "%s", err);
	/* A wrong key: named, not damage. */
	cr_expect_eq(RUN(SEALCTL, "search", "--decrypt-key", in_tmp("b.key"), enc), 3, "%s", err);
	{
		char want[200];

		snprintf(want, sizeof(want), "11 encrypted block(s) not searched: under key id %s, "
			 "not among the keys given", ida);
		cr_expect_not_null(strstr(err, want), "%s", err);
	}
	cr_expect_null(strstr(err, "DAMAGED"), "%s", err);
	/* A key file that does not load: said once, usage exit. */
	cr_assert_eq(chmod(in_tmp("b.key"), 0644), 0);
	cr_expect_eq(RUN(SEALCTL, "search", "--decrypt-key", in_tmp("b.key"), enc), 2);
	cr_expect_not_null(strstr(err, "--decrypt-key"), "%s", err);
	cr_expect_not_null(strstr(err, "mode 0644"), "%s", err);
	cr_expect_null(strstr(err, "Try 'sealctl --help'"), "one message: %s", err);

	/* tail -n: the same last records as in clear. */
	cr_assert_eq(RUN(SEALCTL, "tail", "-n", "7", clear), 0, "%s", err);
	clear_out = strdup(out);
	cr_expect_eq(RUN(SEALCTL, "tail", "-n", "7", "--decrypt-key", in_tmp("a.key"), enc), 0,
		     "%s", err);
	cr_expect_str_eq(out, clear_out);
	free(clear_out);
	cr_expect_eq(RUN(SEALCTL, "tail", "-n", "7", enc), 3, "%s", err);
	cr_expect_not_null(strstr(err, "encrypted block(s) not searched: no --decrypt-key given"),
			   "%s", err);

	/* export: refused without the key (no package), checked with it. */
	cr_expect_eq(RUN(SEALCTL, "export", "--grep", "port 5", "--out", in_tmp("p0.json"), enc), 3,
		     "%s%s", out, err);
	cr_expect_not_null(strstr(err, "--decrypt-key"), "%s", err);
	cr_expect_not_null(strstr(err, ida), "%s", err);
	cr_expect_not_null(strstr(err, "no package written"), "%s", err);
	cr_expect(!exists(in_tmp("p0.json")));
	cr_assert_eq(RUN(SEALCTL, "export", "--grep", "port 5", "--out", in_tmp("pc.json"), clear), 0,
		     "%s", err);
	clear_out = strdup(out);
	cr_assert_eq(RUN(SEALCTL, "export", "--grep", "port 5", "--decrypt-key", in_tmp("a.key"),
			 "--out", in_tmp("pe.json"), enc), 0, "%s", err);
	/* Same records and blocks ("exported N record(s) in M block(s)"). */
	cr_expect_eq(strncmp(out, clear_out, strcspn(clear_out, "/")), 0, "%s vs %s", out, clear_out);
	free(clear_out);
	cr_expect_eq(RUN(SEALCTL, "check-proof", in_tmp("pe.json"), "--pubkey",
			 in_tmp("keys/epochs.pub")), 0, "%s%s", out, err);
	cr_expect_not_null(strstr(out, "OK"), "%s", out);
	{
		size_t n;
		char *pkg = sct_slurp(in_tmp("pe.json"), &n);

		cr_assert_not_null(pkg);
		cr_expect_null(strstr(pkg, "a.key"), "the key file is not part of the filter");
		cr_expect_not_null(strstr(pkg, "dr_sato"), "records in clear");
		/* The record checks hold for encrypted blocks: one changed letter fails. */
		{
			char *p = strstr(pkg, "dr_sato");
			FILE *f;

			cr_assert_not_null(p);
			p[3] = 'S';
			f = fopen(in_tmp("bad.json"), "w");
			cr_assert_not_null(f);
			fwrite(pkg, 1, n, f);
			cr_assert_eq(fclose(f), 0);
			cr_expect_eq(RUN(SEALCTL, "check-proof", in_tmp("bad.json"), "--pubkey",
					 in_tmp("keys/epochs.pub")), 1, "%s%s", out, err);
		}
		free(pkg);
	}
}

/* Byte offset of the last block in the only segment, and its header. */
static uint64_t
last_block(const char *st, struct sc_block_hdr *h)
{
	struct sc_store_reader *r = sc_store_reader_open(st, NULL, 0);
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;
	uint64_t off = 0;

	cr_assert_not_null(r);
	while (sc_store_read(r, h, &stored, &pos, &e) == 1)
		off = pos.offset;
	sc_store_reader_close(r);
	return off;
}

/*
 * The newest block rewritten with another ciphertext and every hash
 * recomputed, its leaf too (an unsigned store: nothing else pins it).  No
 * check without the key can see it; the tag can.
 */
Test(crypt, rehashed_newest_block_is_caught_by_the_tag_only_with_the_key)
{
	const char *st = in_tmp("store");
	struct sc_verify_result res;
	struct sc_verify_opts vo = { .trust = NULL };
	struct sc_block_hdr h;
	uint8_t hdr[SC_BLOCK_HDR_LEN], *seg;
	char segp[450], leafp[450], e[512];
	size_t len;
	uint64_t off;
	int fd;

	build_store(st, 9, false);
	off = last_block(st, &h);
	cr_assert_eq(h.cipher, SC_CIPHER_AES256GCM);
	snprintf(segp, sizeof(segp), "%s/segments/00000000.seg", st);
	seg = (uint8_t *)sct_slurp(segp, &len);
	cr_assert_eq(off + SC_BLOCK_HDR_LEN + h.stored_len, len, "the last block ends the file");
	seg[off + SC_BLOCK_HDR_LEN + h.stored_len / 2] ^= 0x01;
	sc_sha256(hs, seg + off + SC_BLOCK_HDR_LEN, h.stored_len, NULL, 0, h.payload_hash);
	memset(h.block_hash, 0, SC_HASH_LEN);
	sc_block_hdr_encode(&h, hdr);
	sc_block_hash(hs, hdr, h.block_hash);
	sc_block_hdr_encode(&h, seg + off);
	fd = open(segp, O_WRONLY | O_TRUNC);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, seg, len), (ssize_t)len);
	close(fd);
	snprintf(leafp, sizeof(leafp), "%s/leaves", st);
	fd = open(leafp, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, h.block_hash, SC_HASH_LEN, (off_t)(h.log_index * SC_HASH_LEN)),
		     SC_HASH_LEN);
	close(fd);
	free(seg);

	cr_expect_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, e, sizeof(e)), 0,
		     "without the key this rewrite is invisible (no checkpoint pins it)");
	vo.keys = ring_of(key_a);
	cr_expect_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, e, sizeof(e)), 1);
	cr_expect_eq(res.issues, 1);
	sc_keyring_free(vo.keys);
	key_file("a.key", key_a);
	cr_expect_eq(RUN(SEALCTL, "verify", "--decrypt-key", in_tmp("a.key"), st), 1);
	cr_expect_not_null(strstr(out, "DECRYPT: payload fails its AES-GCM tag with the right key"),
			   "%s", out);
}

/* ---- the engine ---------------------------------------------------------------- */

static void
gen(const char *pcap, const char *count, const char *seed)
{
	char o[450];

	snprintf(o, sizeof(o), "pcap:%s", pcap);
	cr_assert_eq(RUN(GEN, "--out", o, "--count", count, "--sources", "64", "--seed", seed), 0,
		     "sealcap-gen: %s", err);
}

struct nonce_use {
	uint8_t salt[16];
	uint8_t nonce[12];
};

static int
cmp_use(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct nonce_use));
}

Test(crypt, engine_four_lanes_restarted_never_reuses_a_nonce_under_a_run_key)
{
	const char *st = in_tmp("store"), *kd = in_tmp("keys");
	char sk[450], mp[450], id[2 * SC_ENC_KEYID_LEN + 1], salts[2][16];
	uint8_t kid[SC_ENC_KEYID_LEN];
	struct nonce_use *use = NULL;
	size_t n = 0, cap = 0, nsalts = 0, clear_events = 0;
	struct sc_store_reader *r;
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error e;

	keygen(in_tmp("enc.key"), kid);
	sc_enc_key_id_hex(kid, id);
	{
		struct sc_keygen_opts ko = { .dir = kd, .origin = "sealcap/crypt-test", .epochs = 4,
					     .epoch_seconds = 86400 };
		char vkey[SC_VKEY_MAX], ke[512];

		cr_assert_eq(sc_keygen(&ko, vkey, ke, sizeof(ke)), 0, "%s", ke);
	}
	snprintf(sk, sizeof(sk), "%s/sign.key", kd);
	snprintf(mp, sizeof(mp), "%s/master.pub", kd);
	gen(in_tmp("a.pcap"), "6000", "1");
	gen(in_tmp("b.pcap"), "6000", "2");
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp(k ? "b.pcap" : "a.pcap"),
				 "--store", st, "--lanes", "4", "--block-bytes", "4K", "--fsync", "none",
				 "--encrypt-key", in_tmp("enc.key"), "--sign-key", sk),
			     0, "run %d: %s", k, err);
		cr_expect_not_null(strstr(err, id), "the key id is reported: %s", err);
	}

	r = sc_store_reader_open(st, NULL, 0);
	cr_assert_not_null(r);
	while (sc_store_read(r, &h, &stored, &pos, &e) == 1) {
		uint32_t lane;

		if (h.flags & SC_BLK_EVENTS) {
			cr_expect_eq(h.cipher, SC_CIPHER_NONE, "block %" PRIu64 ": events in clear",
				     h.log_index);
			clear_events++;
			continue;
		}
		cr_expect_eq(h.cipher, SC_CIPHER_AES256GCM, "block %" PRIu64 " in clear", h.log_index);
		cr_expect(memcmp(h.key_id, kid, 8) == 0);
		memcpy(&lane, h.nonce, 4); /* little-endian host */
		cr_expect_eq(lane, h.lane, "nonce names lane %u, block is lane %u", lane, h.lane);
		if (n == cap) {
			use = realloc(use, (cap = cap ? 2 * cap : 256) * sizeof(*use));
			cr_assert_not_null(use);
		}
		memcpy(use[n].salt, h.salt, 16);
		memcpy(use[n].nonce, h.nonce, 12);
		n++;
		if (nsalts == 0 || (memcmp(salts[nsalts - 1], h.salt, 16) != 0 &&
				    (nsalts < 2 || memcmp(salts[0], h.salt, 16) != 0))) {
			cr_assert_lt(nsalts, 2, "more than one salt per run");
			memcpy(salts[nsalts++], h.salt, 16);
		}
	}
	sc_store_reader_close(r);
	cr_expect_eq(nsalts, 2, "one salt per run, a new one at the restart");
	cr_expect_geq(clear_events, 2, "start and stop events of two runs");
	cr_assert_gt(n, 200, "only %zu encrypted blocks: lanes and restart not exercised", n);
	qsort(use, n, sizeof(*use), cmp_use);
	for (size_t i = 1; i < n; i++)
		cr_expect(memcmp(&use[i - 1], &use[i], sizeof(*use)) != 0,
			  "(run salt, nonce) used twice: %zu and %zu of %zu", i - 1, i, n);
	free(use);

	/* Verify: without the key, with it, pinned to the master key. */
	cr_expect_eq(RUN(SEALCTL, "verify", "--pubkey", mp, st), 0, "%s%s", out, err);
	cr_expect_not_null(strstr(out, "blocks encrypted: payloads not checked without --decrypt-key"),
			   "%s", out);
	cr_expect_eq(RUN(SEALCTL, "verify", "--pubkey", mp, "--decrypt-key", in_tmp("enc.key"), st), 0,
		     "%s%s", out, err);
	cr_expect_not_null(strstr(out, "OK: 12000 records + 4 engine events"), "%s", out);

	/* cat: nothing without the key, every record with it. */
	cr_expect_eq(RUN(SEALCTL, "cat", st), 2);
	cr_expect_not_null(strstr(err, "give the key with --decrypt-key FILE"), "%s", err);
	cr_expect_eq(RUN(SEALCTL, "cat", "--decrypt-key", in_tmp("enc.key"), st), 0, "%s", err);
	{
		size_t lines = 0;

		for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		cr_expect_eq(lines, 12000, "cat printed %zu records", lines);
	}

	/* A proof from an encrypted block checks without the key. */
	{
		char rec[64];
		const char *first = out;

		snprintf(rec, sizeof(rec), "%.*s", (int)strcspn(first, " "), first);
		cr_expect_eq(RUN(SEALCTL, "prove", st, "--record", rec), 2);
		cr_expect_not_null(strstr(err, "is encrypted with key id"), "%s", err);
		cr_assert_eq(RUN(SEALCTL, "prove", st, "--record", rec, "--decrypt-key",
				 in_tmp("enc.key"), "--out", in_tmp("proof.json")), 0, "%s", err);
		snprintf(sk, sizeof(sk), "%s/epochs.pub", kd);
		cr_expect_eq(RUN(SEALCTL, "check-proof", in_tmp("proof.json"), "--pubkey", sk), 0,
			     "%s%s", out, err);
		cr_expect_not_null(strstr(out, "OK: record"), "%s", out);
	}
}

Test(crypt, engine_refuses_a_loose_key_and_a_store_of_an_older_format)
{
	uint8_t kid[SC_ENC_KEYID_LEN];
	char cmd[1200];

	keygen(in_tmp("enc.key"), kid);
	gen(in_tmp("a.pcap"), "100", "1");
	cr_assert_eq(chmod(in_tmp("enc.key"), 0640), 0);
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store",
			 in_tmp("s1"), "--encrypt-key", in_tmp("enc.key")), 1);
	cr_expect_not_null(strstr(err, "mode 0640"), "%s", err);
	cr_assert_eq(chmod(in_tmp("enc.key"), 0600), 0);
	/* A format 2 store (the golden one): its readers know no encryption. */
	snprintf(cmd, sizeof(cmd), "cp -r %s/golden/store-v2 %s", SC_TEST_DATA, in_tmp("v2"));
	cr_assert_eq(system(cmd), 0);
	cr_expect_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store",
			 in_tmp("v2"), "--encrypt-key", in_tmp("enc.key")), 1);
	cr_expect_not_null(strstr(err, "store of format 2"), "%s", err);
	cr_expect_eq(RUN(SEALCTL, "verify", in_tmp("v2")), 0, "the refused store is untouched: %s", out);
}

/* ---- permissions and secrets ------------------------------------------------------ */

/* Every file under a tree, checked for modes and searched for secrets. */
static struct {
	const char *root;
	unsigned files, dirs;
	unsigned bad_modes;
	const uint8_t *needle[16];
	size_t needle_len[16];
	const char *needle_name[16];
	unsigned nneedles;
	unsigned hits;
} walk;

static void
add_needle(const char *name, const void *p, size_t n)
{
	cr_assert_lt(walk.nneedles, 16);
	walk.needle[walk.nneedles] = p;
	walk.needle_len[walk.nneedles] = n;
	walk.needle_name[walk.nneedles] = name;
	walk.nneedles++;
}

static void
search(const char *what, const uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < walk.nneedles; i++)
		if (len >= walk.needle_len[i] && memmem(buf, len, walk.needle[i], walk.needle_len[i])) {
			cr_log_info("%s holds %s", what, walk.needle_name[i]);
			walk.hits++;
		}
}

static int
visit(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DP) {
		walk.dirs++;
		if ((sb->st_mode & 07777) != 0750) {
			cr_log_error("%s: directory mode %04o, want 0750", path, sb->st_mode & 07777);
			walk.bad_modes++;
		}
		return 0;
	}
	if (flag != FTW_F)
		return 0;
	walk.files++;
	if ((sb->st_mode & 07777) != 0640) {
		cr_log_error("%s: file mode %04o, want 0640", path, sb->st_mode & 07777);
		walk.bad_modes++;
	}
	{
		size_t len;
		char *b = sct_slurp(path, &len);

		search(path, (const uint8_t *)b, len);
		free(b);
	}
	return 0;
}

/* Raw, hex (both cases) and base64 of a secret. */
static void
needles_of(const char *name, const uint8_t *secret, size_t n, char (*store)[3][100])
{
	static char names[16][64];
	static unsigned k;
	unsigned char b64[100];

	add_needle(name, secret, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(store[0][0] + 2 * i, 3, "%02x", secret[i]);
		snprintf(store[0][1] + 2 * i, 3, "%02X", secret[i]);
	}
	EVP_EncodeBlock(b64, secret, (int)n);
	snprintf(store[0][2], 100, "%s", (char *)b64);
	for (int j = 0; j < 3; j++) {
		snprintf(names[k % 16], 64, "%s (%s)", name, j == 0 ? "hex" : j == 1 ? "HEX" : "base64");
		add_needle(names[k % 16], store[0][j], strlen(store[0][j]));
		k++;
	}
}

/*
 * A signed, encrypted engine run under umask 0 and under 077: the key
 * files keep 0600 (0700 for keygen's directory), the store 0750/0640, and
 * no file of the store, nothing the engine prints, no stats or run file and
 * no engine event holds the encryption key, the run key, the signing seed
 * or the epoch's private key, raw, in hex or in base64.
 */
Test(crypt, engine_modes_hold_whatever_the_umask_and_no_secret_is_written_anywhere)
{
	static const mode_t masks[] = { 0, 077 };

	for (size_t m = 0; m < 2; m++) {
		char kd[400], sk[450], st[400], ek[400], *sign_raw, *ekey;
		uint8_t kid[SC_ENC_KEYID_LEN], key[32], seed[32], epriv[32], rk[32];
		char txt[8][3][100];
		struct sc_block_hdr h;
		struct sc_store_pos pos;
		const uint8_t *stored;
		enum sc_error e;
		struct sc_store_reader *r;
		mode_t old = umask(masks[m]);
		size_t len;

		snprintf(kd, sizeof(kd), "%s/keys%zu", tmp, m);
		snprintf(st, sizeof(st), "%s/store%zu", tmp, m);
		snprintf(ek, sizeof(ek), "%s/enc%zu.key", tmp, m);
		snprintf(sk, sizeof(sk), "%s/sign.key", kd);
		keygen(ek, kid);
		{
			struct sc_keygen_opts ko = { .dir = kd, .origin = "sealcap/secrets", .epochs = 4,
						     .epoch_seconds = 86400 };
			char vkey[SC_VKEY_MAX], ke[512];

			cr_assert_eq(sc_keygen(&ko, vkey, ke, sizeof(ke)), 0, "%s", ke);
		}
		if (m == 0)
			gen(in_tmp("a.pcap"), "3000", "7");
		/* The secrets as they are before the run (the seed may move on). */
		sign_raw = sct_slurp(sk, &len);
		cr_assert_eq(len, 384);
		memcpy(seed, sign_raw + 72, 32);
		free(sign_raw);
		cr_assert_eq(sc_epoch_key_seed(seed, epriv), 0);
		ekey = sct_slurp(ek, NULL);
		{
			uint8_t dec[36];

			cr_assert_eq(EVP_DecodeBlock(dec, (const unsigned char *)strstr(ekey, "\nkey ") + 5,
						     44), 33);
			memcpy(key, dec, 32);
		}
		free(ekey);

		cr_assert_eq(RUN(SEALCAP, "--driver", "pcap", "--pcap", in_tmp("a.pcap"), "--store", st,
				 "--lanes", "2", "--block-bytes", "4K", "--encrypt-key", ek, "--sign-key",
				 sk, "--stats-interval", "0.1", "--print-sources"), 0, "%s", err);
		umask(old);

		/* Modes: the key files ... */
		cr_expect_eq(mode_of(ek), 0600, "umask %03o: %s", masks[m], ek);
		cr_expect_eq(mode_of(kd), 0700, "umask %03o: %s", masks[m], kd);
		cr_expect_eq(mode_of(sk), 0600);
		snprintf(sk, sizeof(sk), "%s/master.key", kd);
		cr_expect_eq(mode_of(sk), 0600);
		snprintf(sk, sizeof(sk), "%s/epochs.pub", kd);
		cr_expect_eq(mode_of(sk), 0640);

		/* ... and the secrets. */
		memset(&walk, 0, sizeof(walk));
		needles_of("the encryption key", key, 32, &txt[0]);
		needles_of("the signing seed", seed, 32, &txt[1]);
		needles_of("the epoch private key", epriv, 32, &txt[2]);
		r = sc_store_reader_open(st, NULL, 0);
		cr_assert_not_null(r);
		while (sc_store_read(r, &h, &stored, &pos, &e) == 1)
			if (h.cipher == SC_CIPHER_AES256GCM)
				break;
		sc_store_reader_close(r);
		cr_assert_eq(h.cipher, SC_CIPHER_AES256GCM);
		{
			struct sc_enc_key *k = sc_enc_key_from_bytes(key);

			cr_assert_eq(sc_enc_run_key(k, h.salt, rk), 0);
			sc_enc_key_free(k);
		}
		needles_of("the run key", rk, 32, &txt[3]);
		/* The search finds a secret where one is: the key file itself. */
		{
			size_t kl;
			char *kt = sct_slurp(ek, &kl);

			search("(control) the key file", (const uint8_t *)kt, kl);
			cr_assert_eq(walk.hits, 1, "the search misses the key in its own file");
			walk.hits = 0;
			free(kt);
		}

		/* ... the store, with modes ... */
		walk.root = st;
		cr_assert_eq(nftw(st, visit, 16, FTW_PHYS), 0);
		cr_expect_gt(walk.files, 5);
		cr_expect_geq(walk.dirs, 4, "store, segments, keys, run");
		cr_expect_eq(walk.bad_modes, 0, "umask %03o: %u paths with other modes", masks[m],
			     walk.bad_modes);
		/* ... what the engine printed ... */
		search("sealcap's stderr", (const uint8_t *)err, strlen(err));
		search("sealcap's stdout", (const uint8_t *)out, strlen(out));
		/* ... and every engine event, read back with the key. */
		cr_assert_eq(RUN(SEALCTL, "cat", "--events", "--format", "raw", "--decrypt-key", ek, st),
			     0, "%s", err);
		cr_expect_not_null(memmem(out, out_len, "\"event\":\"start\"", 15));
		search("the engine events", (const uint8_t *)out, out_len);
		cr_expect_eq(walk.hits, 0, "umask %03o: %u secrets found written", masks[m], walk.hits);
	}
}

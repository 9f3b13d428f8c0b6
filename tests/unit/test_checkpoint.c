/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * Signed notes and checkpoints (sealcap/checkpoint.h), and the checkpoints
 * the store writes (sc_store_checkpoint).
 *
 * The signed-note format is pinned by the known answers of Go's reference
 * implementation (golang.org/x/mod/sumdb/note, note_test.go): the
 * PeterNeumann key, its verifier key string, and the exact signed note its
 * Sign produces (Ed25519 is deterministic, so ours must be byte-identical).
 * When Go and x/mod are installed (tests/lib/deps.sh), tests/interop/
 * notecheck.go also opens our checkpoints with Go's note.Open.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
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
#include <sealcap/checkpoint.h>
#include <sealcap/hash.h>
#include <sealcap/keys.h>
#include <sealcap/log.h>
#include <sealcap/record.h>
#include <sealcap/store.h>

extern char **environ;

static char tmp[256];

static void
setup(void)
{
	sct_tmpdir(tmp, sizeof(tmp), "ckpt");
}

static void
teardown(void)
{
	if (tmp[0])
		sct_rmtree(tmp);
}

TestSuite(checkpoint, .init = setup, .fini = teardown, .timeout = 120);

/* ---- Go's known answers -------------------------------------------------------- */

static const char peter_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/* PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz */
static const char peter_skey_b64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char quote[] = "If you think cryptography is the answer to your problem,\n"
			    "then you don't know what your problem is.\n";
static const char peter_sig[] = "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] = "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* Standard base64 (test side: OpenSSL directly).  @return bytes, padding removed. */
static int
b64dec(const char *in, uint8_t *out)
{
	size_t len = strlen(in);
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);

	cr_assert(n >= 0, "base64 %s", in);
	while (len && in[--len] == '=')
		n--;
	return n;
}

static struct sc_signer *
peter_signer(void)
{
	uint8_t raw[48];
	struct sc_signer *s;

	cr_assert_eq(b64dec(peter_skey_b64, raw), 33);
	cr_assert_eq(raw[0], 0x01);
	s = sc_signer_new("PeterNeumann", raw + 1);
	cr_assert_not_null(s);
	return s;
}

static const struct sc_vkey *
one_key(void *arg, const char *name, uint32_t hash)
{
	const struct sc_vkey *k = arg;

	return k->hash == hash && strcmp(k->name, name) == 0 ? k : NULL;
}

Test(checkpoint, go_known_answer_sign_and_vkey)
{
	struct sc_signer *s = peter_signer();
	char out[1024], vk[SC_VKEY_MAX], want[1024];
	int n;

	sc_vkey_format(sc_signer_vkey(s), vk, sizeof(vk));
	cr_expect_str_eq(vk, peter_vkey);
	cr_expect_eq(sc_signer_vkey(s)->hash, 0xc74f20a3u);
	n = sc_note_sign(&s, 1, quote, strlen(quote), out, sizeof(out));
	snprintf(want, sizeof(want), "%s\n%s", quote, peter_sig);
	cr_assert(n > 0);
	cr_expect_eq((size_t)n, strlen(want));
	cr_expect_str_eq(out, want, "Go's note.Sign output differs:\n%s", out);
	/* Too small a buffer, or text that is not a note text. */
	cr_expect_eq(sc_note_sign(&s, 1, quote, strlen(quote), out, 100), -ENOSPC);
	cr_expect_eq(sc_note_sign(&s, 1, "abc", 3, out, sizeof(out)), -EINVAL);
	cr_expect_eq(sc_note_sign(&s, 1, "a\n\nb\n", 5, out, sizeof(out)), -EINVAL);
	cr_expect_eq(sc_note_sign(&s, 1, "a\tb\n", 4, out, sizeof(out)), -EINVAL);
	sc_signer_free(s);
}

Test(checkpoint, go_known_answer_open)
{
	struct sc_vkey peter, enoch;
	struct sc_note n;
	char msg[2048];

	cr_assert_eq(sc_vkey_parse(peter_vkey, strlen(peter_vkey), &peter), 0);
	cr_assert_eq(sc_vkey_parse(enoch_vkey, strlen(enoch_vkey), &enoch), 0);
	snprintf(msg, sizeof(msg), "%s\n%s%s", quote, peter_sig, enoch_sig);
	/* One signature known and verified, one unknown. */
	cr_expect_eq(sc_note_open(msg, strlen(msg), one_key, &peter, &n), SC_NOTE_OK);
	cr_expect_eq(n.text_len, strlen(quote));
	cr_expect_eq(n.nsigs, 2);
	cr_expect_eq(n.verified, 1);
	cr_expect_str_eq(n.first_name, "PeterNeumann");
	cr_expect_eq(sc_note_open(msg, strlen(msg), one_key, &enoch, &n), SC_NOTE_OK);
	cr_expect_str_eq(n.first_name, "EnochRoot");
	cr_expect_eq(sc_note_open(msg, strlen(msg), NULL, NULL, &n), SC_NOTE_UNKNOWN_KEY);
	/* Go's "invalid signature": 4 bytes inserted into the base64. */
	snprintf(msg, sizeof(msg), "%s\n%.60sABCD%s", quote, peter_sig, peter_sig + 60);
	cr_expect_eq(sc_note_open(msg, strlen(msg), one_key, &peter, &n), SC_NOTE_BAD_SIGNATURE);
	/* Go's malformed notes. */
	{
		char bad[7][1024];

		snprintf(bad[0], 1024, "%s", quote);
		snprintf(bad[1], 1024, "%s\n", quote);
		snprintf(bad[2], 1024, "%s\n%.*s", quote, (int)strlen(peter_sig) - 1, peter_sig);
		snprintf(bad[3], 1024, "\x01%s\n%s", quote, peter_sig);
		snprintf(bad[4], 1024, "\xff%s\n%s", quote, peter_sig);
		snprintf(bad[5], 1024, "%s\n\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=", quote);
		snprintf(bad[6], 1024, "%s\n%sUnexpected line.\n", quote, peter_sig);
		for (int i = 0; i < 7; i++)
			cr_expect_eq(sc_note_open(bad[i], strlen(bad[i]), one_key, &peter, &n),
				     SC_NOTE_MALFORMED, "bad message %d accepted", i);
	}
	/* More than 100 signatures. */
	{
		size_t o = (size_t)snprintf(msg, sizeof(msg), "%s\n", quote);
		char *big = malloc(o + 101 * strlen(peter_sig) + 1);

		cr_assert_not_null(big);
		memcpy(big, msg, o);
		for (int i = 0; i < 101; i++, o += strlen(peter_sig))
			memcpy(big + o, peter_sig, strlen(peter_sig));
		cr_expect_eq(sc_note_open(big, o, one_key, &peter, &n), SC_NOTE_MALFORMED);
		free(big);
	}
}

/* Go's TestNewVerifier: every proper substring and every byte+1 is refused. */
Test(checkpoint, vkey_manglings_are_refused)
{
	char b[sizeof(peter_vkey)];
	struct sc_vkey k;
	size_t len = strlen(peter_vkey);
	unsigned accepted = 0;

	memcpy(b, peter_vkey, sizeof(b));
	for (size_t i = 0; i <= len; i++)
		for (size_t j = i + 1; j <= len; j++)
			if ((i != 0 || j != len) && sc_vkey_parse(b + i, j - i, &k) == 0)
				accepted++;
	for (size_t i = 0; i < len; i++) {
		b[i]++;
		if (sc_vkey_parse(b, len, &k) == 0)
			accepted++;
		b[i]--;
	}
	cr_expect_eq(accepted, 0, "%u manglings accepted", accepted);
	/* Wrong key length and unknown algorithm, with adjusted key hashes (Go's). */
	cr_expect_neq(sc_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", 74, &k), 0);
	cr_expect_neq(sc_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", 66, &k), 0);
	cr_expect_eq(sc_vkey_parse(peter_vkey, len, &k), 0);
	cr_expect(!sc_keyname_valid("a+b"));
	cr_expect(!sc_keyname_valid("a b"));
	cr_expect(!sc_keyname_valid(""));
	cr_expect(sc_keyname_valid("sealcap/ward-7/e12"));
}

/*
 * A NUL inside a name (found by fuzz_checkpoint): "PeterNeumann\0+hash+key"
 * and a signature line "— PeterNeumann\0 sig" are not PeterNeumann's key
 * and signature; read as C strings they were.
 */
Test(checkpoint, nul_inside_a_key_name_is_refused)
{
	struct sc_vkey peter, k;
	struct sc_note n;
	const char *plus = strchr(peter_vkey, '+'), *sp = strchr(peter_sig, ' ');
	char b[512], msg[2048];
	size_t nl = (size_t)(plus - peter_vkey), len, o;

	cr_assert_eq(sc_vkey_parse(peter_vkey, strlen(peter_vkey), &peter), 0);
	/* The key string with a NUL after the name. */
	memcpy(b, peter_vkey, nl);
	b[nl] = '\0';
	len = nl + 1 + (size_t)snprintf(b + nl + 1, sizeof(b) - nl - 1, "%s", plus);
	cr_expect_neq(sc_vkey_parse(b, len, &k), 0, "a key name with a NUL was accepted");
	/* The signature line with a NUL after the name. */
	o = (size_t)snprintf(msg, sizeof(msg), "%s\n%.*s", quote, (int)(sp - peter_sig), peter_sig);
	msg[o++] = '\0';
	o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s", sp);
	cr_expect_eq(sc_note_open(msg, o, one_key, &peter, &n), SC_NOTE_MALFORMED);
	/* Unchanged, both are fine. */
	snprintf(msg, sizeof(msg), "%s\n%s", quote, peter_sig);
	cr_expect_eq(sc_note_open(msg, strlen(msg), one_key, &peter, &n), SC_NOTE_OK);
}

/* ---- checkpoint bodies ------------------------------------------------------------- */

Test(checkpoint, body_round_trip_and_refusals)
{
	struct sc_checkpoint c = { .size = 1234567 }, d;
	char buf[512];
	int n;

	snprintf(c.origin, sizeof(c.origin), "sealcap/ward-7");
	for (int i = 0; i < 32; i++)
		c.root[i] = (uint8_t)(i * 7);
	n = sc_checkpoint_format(&c, buf, sizeof(buf));
	cr_assert(n > 0);
	cr_expect_str_eq(buf, "sealcap/ward-7\n1234567\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n");
	cr_assert_eq(sc_checkpoint_parse(buf, (size_t)n, &d), 0);
	cr_expect_str_eq(d.origin, c.origin);
	cr_expect_eq(d.size, c.size);
	cr_expect(memcmp(d.root, c.root, 32) == 0);
	/* Extension lines are allowed. */
	strcat(buf, "ext line\n");
	cr_expect_eq(sc_checkpoint_parse(buf, strlen(buf), &d), 0);
	{
		static const char *const bad[] = {
			"o\n01\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n",   /* leading zero */
			"o\n-1\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n",
			"o\n18446744073709551616\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n",
			"o\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tl=\n",     /* non-canonical */
			"o\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0t==\n",
			"o\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL\n",        /* short root */
			"\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n",
			"o\n\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n",
			"o\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=",
			"o\n5\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n\n",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			cr_expect_neq(sc_checkpoint_parse(bad[i], strlen(bad[i]), &d), 0, "accepted [%zu]", i);
	}
	{
		const char *max = "o\n18446744073709551615\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n";

		cr_expect_eq(sc_checkpoint_parse(max, strlen(max), &d), 0);
	}
	cr_expect_eq(d.size, UINT64_MAX);
}

/* A signed checkpoint, every byte changed in turn: never accepted. */
Test(checkpoint, every_edit_of_a_signed_checkpoint_is_refused)
{
	struct sc_signer *s = peter_signer();
	struct sc_checkpoint c = { .size = 42 }, d;
	struct sc_note n;
	char body[256], note[1024];
	unsigned ok = 0;
	int bl, nl;

	snprintf(c.origin, sizeof(c.origin), "sealcap/ward-7");
	memset(c.root, 0x5a, 32);
	bl = sc_checkpoint_format(&c, body, sizeof(body));
	struct sc_vkey vk = *sc_signer_vkey(s);

	nl = sc_note_sign(&s, 1, body, (size_t)bl, note, sizeof(note));
	cr_assert(nl > 0);
	cr_assert_eq(sc_note_open(note, (size_t)nl, one_key, &vk, &n), SC_NOTE_OK);
	for (int i = 0; i < nl; i++)
		for (int bit = 0; bit < 8; bit++) {
			note[i] ^= (char)(1 << bit);
			if (sc_note_open(note, (size_t)nl, one_key, &vk, &n) == SC_NOTE_OK &&
			    sc_checkpoint_parse(note, n.text_len, &d) == 0)
				ok++;
			note[i] ^= (char)(1 << bit);
		}
	cr_expect_eq(ok, 0, "%u of %d single-bit edits still verify", ok, nl * 8);
	sc_signer_free(s);
}

Test(checkpoint, checkpoints_file_framing)
{
	const char *f = "a\n1\nX=\n\n\xe2\x80\x94 k AAAA\n\nb\n2\nY=\n\n\xe2\x80\x94 k AAAA\n\xe2\x80\x94 j BBBB\n\n";
	size_t len = strlen(f), a, b, next, off = 0;
	int k, notes = 0;

	while ((k = sc_checkpoints_next(f, len, off, &a, &b, &next)) == 1) {
		cr_expect_eq(f[b - 1], '\n');
		cr_expect_eq(f[b], '\n');
		notes++;
		off = next;
	}
	cr_expect_eq(k, 0);
	cr_expect_eq(notes, 2);
	cr_expect_eq(off, len);
	/* Cut anywhere inside the last note: incomplete, up to the end. */
	for (size_t cut = 24; cut < len; cut++) {
		off = 0;
		while ((k = sc_checkpoints_next(f, cut, off, &a, &b, &next)) == 1)
			off = next;
		if (cut == 22)
			continue;
		cr_expect(k == -1 && b == cut, "cut %zu: k %d b %zu", cut, k, b);
	}
	/* An empty line where text should be, or no signature line. */
	cr_expect_eq(sc_checkpoints_next("\na\n\n", 4, 0, &a, &b, &next), -1);
	cr_expect_eq(sc_checkpoints_next("a\n\n\nb\n", 6, 0, &a, &b, &next), -1);
	cr_expect_eq(b, 3);
}

/* ---- the store's checkpoints ----------------------------------------------------- */

static void
run_keygen(const char *dir, const char *origin, uint32_t epochs, uint32_t secs, char *vkey)
{
	struct sc_keygen_opts o = { .dir = dir, .origin = origin, .epochs = epochs,
				    .epoch_seconds = secs };
	char err[512];

	cr_assert_eq(sc_keygen(&o, vkey, err, sizeof(err)), 0, "keygen: %s", err);
}

static void
append_blocks(struct sc_store *s, unsigned n, uint64_t *seq)
{
	static const struct sc_clock_info clk = { .source = SC_CLOCK_CAPTURE, .sync = SC_SYNC_NA };
	struct sc_block_builder *b = sc_block_builder_new(0, 4096);
	uint8_t *stored;

	cr_assert_not_null(b);
	stored = malloc(sc_block_stored_max(b));
	cr_assert_not_null(stored);
	sc_block_builder_resume(b, sc_store_lane(s, 0)->next_rec_seq);
	for (unsigned i = 0; i < n; i++) {
		struct sc_block_hdr h;

		for (int k = 0; k < 5; k++) {
			char msg[128];
			struct sc_record r = { .rx_ns = (int64_t)(*seq) * 1000, .pri = 134,
					       .transport = SC_TRANSPORT_UDP };

			r.raw_len = (uint32_t)snprintf(msg, sizeof(msg), "<134>1 - host app - - - event %" PRIu64,
						       (*seq)++);
			r.raw = (const uint8_t *)msg;
			cr_assert_eq(sc_block_add(b, &r), 0);
		}
		cr_assert_eq(sc_block_seal(b, &clk, &h, stored), 0);
		cr_assert_eq(sc_store_append(s, &h, stored), 0);
	}
	free(stored);
	sc_block_builder_free(b);
}

Test(checkpoint, store_signs_its_tree_and_verify_checks_it)
{
	mode_t um = umask(022);

	char keys[300], st[300], vkey[SC_VKEY_MAX], err[512], *buf;
	struct sc_store_opts o = { .origin = "test/ckpt", .fsync = SC_FSYNC_NONE };
	struct sc_sign_key *k;
	struct sc_store *s;
	struct sc_verify_result res;
	struct sc_verify_opts vo;
	struct sc_trust *t;
	uint8_t root[SC_HASH_LEN];
	uint64_t seq = 0;
	size_t len, a, b, next;
	struct sc_checkpoint c;
	struct sc_note n;

	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
	o.dir = st;
	run_keygen(keys, "test/ckpt", 10, 3600, vkey);
	snprintf(err, sizeof(err), "%s/sign.key", keys);
	k = sc_sign_key_open(err, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 0,
		     "nothing to sign in an empty store");
	append_blocks(s, 7, &seq);
	cr_expect_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 1, "%s", err);
	cr_expect_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 0,
		     "the tree did not grow");
	append_blocks(s, 5, &seq);
	cr_expect_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 1, "%s", err);
	cr_expect_eq(sc_store_signed(s), 12);
	sc_store_root(s, root);
	{
		size_t tl;
		const char *cert = sc_sign_key_cert_text(k, &tl);

		cr_assert_eq(sc_store_put_key(s, "epochs-test.pub", cert, tl), 0);
		cr_expect_eq(sc_store_put_key(s, "epochs-test.pub", cert, tl), 0, "same bytes again");
		cr_expect_eq(sc_store_put_key(s, "epochs-test.pub", "x", 1), -EEXIST);
	}
	sc_store_close(s);

	/* The file: two notes, the second one the whole tree. */
	cr_assert_eq(sc_store_checkpoints_load(st, &buf, &len), 0);
	cr_assert_eq(sc_checkpoints_next(buf, len, 0, &a, &b, &next), 1);
	cr_assert_eq(sc_checkpoints_next(buf, len, next, &a, &b, &next), 1);
	cr_expect_eq(next, len);
	t = sc_trust_new();
	cr_assert_eq(sc_trust_add_text(t, vkey, strlen(vkey), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sc_trust_add_store_keys(t, st, err, sizeof(err)), 1, "%s", err);
	cr_expect_eq(sc_trust_open_checkpoint(t, buf + a, b - a, &c, &n), SC_NOTE_OK);
	cr_expect_eq(c.size, 12);
	cr_expect(memcmp(c.root, root, SC_HASH_LEN) == 0);
	cr_expect_str_eq(c.origin, "test/ckpt");
	cr_expect_str_eq(n.first_name, "test/ckpt/e0");
	free(buf);

	vo.trust = t;
	cr_expect_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.checkpoints, 2);
	cr_expect_eq(res.signed_size, 12);
	cr_expect_eq(res.unsigned_blocks, 0);
	cr_expect(res.keys_pinned);
	sc_trust_free(t);

	/* Unsigned blocks after the last checkpoint are counted. */
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(sc_store_signed(s), 12, "found at open");
	append_blocks(s, 3, &seq);
	sc_store_close(s);
	cr_expect_eq(sc_verify(st, &res, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.unsigned_blocks, 3);
	cr_expect_eq(res.unsigned_records, 15);
	cr_expect(!res.keys_pinned);
	umask(um);
	/* What the log tree adds keeps the store's modes. */
	{
		static const struct { const char *name; mode_t mode; } m[] = {
			{ "leaves", 0640 }, { "checkpoints", 0640 }, { "keys", 0750 },
			{ "keys/epochs-test.pub", 0640 },
		};
		struct stat sb;

		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			snprintf(err, sizeof(err), "%s/%s", st, m[i].name);
			cr_assert_eq(stat(err, &sb), 0, "%s", err);
			cr_expect_eq(sb.st_mode & 07777, m[i].mode, "%s: mode %o", m[i].name,
				     sb.st_mode & 07777);
		}
	}
	sc_sign_key_close(k);
}

/* A note the writer did not finish (no ending empty line) is cut at open. */
Test(checkpoint, torn_last_checkpoint_is_cut_at_open)
{
	char keys[300], st[300], vkey[SC_VKEY_MAX], err[512], path[400], *buf;
	struct sc_store_opts o = { .origin = "test/ckpt", .fsync = SC_FSYNC_NONE };
	struct sc_sign_key *k;
	struct sc_store *s;
	struct sc_verify_result res;
	uint64_t seq = 0;
	size_t len, full;
	int fd;

	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
	o.dir = st;
	run_keygen(keys, "test/ckpt", 10, 3600, vkey);
	snprintf(path, sizeof(path), "%s/sign.key", keys);
	k = sc_sign_key_open(path, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	append_blocks(s, 4, &seq);
	cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 1);
	sc_store_close(s);
	cr_assert_eq(sc_store_checkpoints_load(st, &buf, &len), 0);
	full = len;
	snprintf(path, sizeof(path), "%s/checkpoints", st);
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, buf, len - 30), (ssize_t)(len - 30));
	close(fd);
	free(buf);
	cr_expect_eq(sc_verify(st, &res, NULL, NULL, err, sizeof(err)), 1, "a torn note is damage to verify");
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	sc_store_close(s);
	cr_assert_eq(sc_store_checkpoints_load(st, &buf, &len), 0);
	cr_expect_eq(len, full, "the torn note is cut");
	free(buf);
	cr_expect_eq(sc_verify(st, &res, NULL, NULL, err, sizeof(err)), 1,
		     "no keys/ in this store: its checkpoint is signed by an unknown key");
	cr_expect_eq(res.issues, 2, "CKPT_KEY, and so CKPT_MISSING");
	sc_sign_key_close(k);
}

/* ---- interop: Go's note.Open and tlog (tests/interop/notecheck.go) -------------- */

static int
run_cmd(char *const argv[], const char *outpath)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(checkpoint, go_reference_implementation_opens_our_checkpoints)
{
	char keys[300], st[300], vkey[SC_VKEY_MAX], err[512], path[400], out[400], bin[400];
	char gocache[400], gopath[400];
	struct sc_store_opts o = { .origin = "test/interop", .fsync = SC_FSYNC_NONE };
	struct sc_sign_key *k;
	struct sc_store *s;
	struct stat sb;
	uint64_t seq = 0;
	int rc;

	if (stat("/usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go", &sb) != 0) {
		cr_skip_test("golang-golang-x-mod-dev not installed (tests/lib/deps.sh installs it)");
		return;
	}
	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
	o.dir = st;
	run_keygen(keys, "test/interop", 4, 3600, vkey);
	snprintf(path, sizeof(path), "%s/sign.key", keys);
	k = sc_sign_key_open(path, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 3; i++) {
		append_blocks(s, 3 + i, &seq);
		cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 1);
	}
	{
		size_t tl;
		const char *cert = sc_sign_key_cert_text(k, &tl);

		cr_assert_eq(sc_store_put_key(s, "epochs-test.pub", cert, tl), 0);
	}
	sc_store_close(s);
	sc_sign_key_close(k);

	/* Build the checker in GOPATH mode against Debian's x/mod. */
	snprintf(gocache, sizeof(gocache), "GOCACHE=%s/gocache", tmp);
	snprintf(gopath, sizeof(gopath), "GOPATH=/usr/share/gocode");
	putenv(gocache);
	putenv(gopath);
	putenv((char *)"GO111MODULE=off");  /* GOPATH mode: Debian's x/mod, no network */
	unsetenv("GOFLAGS");
	snprintf(bin, sizeof(bin), "%s/notecheck", tmp);
	snprintf(out, sizeof(out), "%s/go.txt", tmp);
	{
		char *argv[] = { (char *)"go", (char *)"build", (char *)"-o", bin,
				 (char *)SC_TEST_DATA "/../interop/notecheck.go", NULL };

		rc = run_cmd(argv, out);
		if (rc != 0) {
			char *log = sct_slurp(out, NULL);

			cr_assert_fail("go build failed (%d):\n%s", rc, log);
		}
	}
	snprintf(path, sizeof(path), "%s/master.pub", keys);
	{
		char *argv[] = { bin, path, st, NULL };
		char *log;

		rc = run_cmd(argv, out);
		log = sct_slurp(out, NULL);
		cr_expect_eq(rc, 0, "Go's checker refused our store:\n%s", log);
		cr_expect(strstr(log, "3 checkpoints verified by golang.org/x/mod/sumdb/note") != NULL, "%s", log);
		cr_log_info("%s", log);
		free(log);
	}
}

/* A second keygen (next year's keys) restarts at e0: not an epoch going back. */
Test(checkpoint, two_key_generations_in_one_store)
{
	char k1[300], k2[300], st[300], v1[SC_VKEY_MAX], v2[SC_VKEY_MAX], err[512], path[400];
	struct sc_store_opts o = { .origin = "test/ckpt", .fsync = SC_FSYNC_NONE };
	struct sc_sign_key *a, *b;
	struct sc_store *s;
	struct sc_verify_result res;
	struct sc_verify_opts vo;
	uint64_t seq = 0;
	size_t len;
	const char *cert;

	snprintf(k1, sizeof(k1), "%s/k1", tmp);
	snprintf(k2, sizeof(k2), "%s/k2", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
	o.dir = st;
	/* Next year's keys made now, used after the old key's epoch 5. */
	run_keygen(k1, "test/ckpt", 10, 60, v1);
	run_keygen(k2, "test/ckpt", 10, 60, v2);
	snprintf(path, sizeof(path), "%s/sign.key", k1);
	a = sc_sign_key_open(path, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/sign.key", k2);
	b = sc_sign_key_open(path, err, sizeof(err));
	cr_assert(a != NULL && b != NULL, "%s", err);
	cr_assert_eq(sc_sign_key_advance(a, 5), 0, "the old key late in its schedule");
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	append_blocks(s, 3, &seq);
	cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(a), err, sizeof(err)), 1);
	cert = sc_sign_key_cert_text(a, &len);
	cr_assert_eq(sc_store_put_key(s, "epochs-a.pub", cert, len), 0);
	append_blocks(s, 2, &seq);
	cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(b), err, sizeof(err)), 1);
	cert = sc_sign_key_cert_text(b, &len);
	cr_assert_eq(sc_store_put_key(s, "epochs-b.pub", cert, len), 0);
	sc_store_close(s);
	vo.trust = sc_trust_new();
	cr_assert_eq(sc_trust_add_text(vo.trust, v1, strlen(v1), err, sizeof(err)), 0);
	cr_assert_eq(sc_trust_add_text(vo.trust, v2, strlen(v2), err, sizeof(err)), 0);
	cr_expect_eq(sc_verify_ex(st, &vo, &res, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.checkpoints, 2);
	cr_expect_eq(res.signed_size, 5);
	sc_trust_free(vo.trust);
	sc_sign_key_close(a);
	sc_sign_key_close(b);
}

/* Within one certificate, a checkpoint of an earlier epoch after a later one. */
Test(checkpoint, epoch_going_back_is_out_of_order)
{
	char keys[300], st[300], vkey[SC_VKEY_MAX], err[512], path[400], body[512], note[1024];
	struct sc_store_opts o = { .origin = "test/ckpt", .fsync = SC_FSYNC_NONE };
	struct sc_sign_key *k;
	struct sc_store *s;
	struct sc_verify_result res;
	struct sc_checkpoint c = { .size = 4 };
	struct sc_signer *e1;
	uint8_t seed[32], key[32], *kb;
	uint64_t seq = 0;
	size_t len;
	int n, fd;
	const char *cert;

	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	snprintf(st, sizeof(st), "%s/store", tmp);
	o.dir = st;
	run_keygen(keys, "test/ckpt", 10, 60, vkey);
	snprintf(path, sizeof(path), "%s/sign.key", keys);
	kb = (uint8_t *)sct_slurp(path, &len);
	memcpy(seed, kb + 72, 32);
	free(kb);
	k = sc_sign_key_open(path, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_assert_eq(sc_sign_key_advance(k, 3), 0);
	cr_assert_eq(sc_store_open(&o, &s, err, sizeof(err)), 0, "%s", err);
	append_blocks(s, 4, &seq);
	cr_assert_eq(sc_store_checkpoint(s, sc_sign_key_signer(k), err, sizeof(err)), 1);
	cert = sc_sign_key_cert_text(k, &len);
	cr_assert_eq(sc_store_put_key(s, "epochs-test.pub", cert, len), 0);
	snprintf(c.origin, sizeof(c.origin), "test/ckpt");
	sc_store_root(s, c.root);
	sc_store_close(s);
	cr_expect_eq(sc_verify(st, &res, NULL, NULL, err, sizeof(err)), 0, "%s", err);

	/* The same tree, signed as epoch 1 (whoever kept its seed), appended after. */
	sc_epoch_seed_next(seed, seed);
	cr_assert_eq(sc_epoch_key_seed(seed, key), 0);
	e1 = sc_signer_new("test/ckpt/e1", key);
	cr_assert_not_null(e1);
	n = sc_checkpoint_format(&c, body, sizeof(body));
	n = sc_note_sign(&e1, 1, body, (size_t)n, note, sizeof(note) - 1);
	cr_assert(n > 0);
	note[n++] = '\n';
	snprintf(path, sizeof(path), "%s/checkpoints", st);
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, note, (size_t)n), n);
	close(fd);
	cr_expect_eq(sc_verify(st, &res, NULL, NULL, err, sizeof(err)), 1);
	cr_expect_eq(res.issues, 1, "CKPT_ORDER only");
	sc_signer_free(e1);
	sc_sign_key_close(k);
}

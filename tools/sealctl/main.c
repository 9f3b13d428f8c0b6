/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * sealctl: the auditor's tool.  It reads a store only through the store
 * library the engine writes with (sealcap/store.h).
 *
 *   sealctl verify DIR         check everything; exit 0 only when intact
 *   sealctl cat DIR            print records in store order
 *   sealctl stats DIR          counters and per-source table of the engine
 *   sealctl keygen --out DIR   forward-secure signing keys
 *   sealctl enc-keygen FILE    an encryption key (sealcap --encrypt-key)
 *   sealctl prove, check-proof, consistency
 *                              proofs for auditors (proof.h)
 *   sealctl search / tail / rebuild-index   (search.c)
 *
 * Exit status: 0 success, 1 damage found, 2 usage error or unreadable store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <sealcap/block.h>
#include <sealcap/checkpoint.h>
#include <sealcap/crypt.h>
#include <sealcap/keys.h>
#include <sealcap/proof.h>
#include <sealcap/sources.h>
#include <sealcap/store.h>
#include <sealcap/text.h>

#include "sealctl.h"


/* Whole file, NUL-terminated (free() it).  @return 0 or -errno. */
static int
sc_read_whole(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	if (f == NULL)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb = realloc(b, cap = cap ? 2 * cap : 65536);

			if (nb == NULL) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* ---- encryption keys ---------------------------------------------------------- */

/* --decrypt-key FILE (repeatable) into a keyring (sealctl.h).  @return 0, or -1 (said). */
int
add_decrypt_key(struct sc_keyring **kr, const char *path, const char *cmd)
{
	char err[512];

	if (*kr == NULL && (*kr = sc_keyring_new()) == NULL) {
		fprintf(stderr, "sealctl %s: out of memory\n", cmd);
		return -1;
	}
	if (sc_keyring_add_file(*kr, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "sealctl %s: --decrypt-key %s\n", cmd, err);
		return -1;
	}
	return 0;
}

/* "a, b" of the ids in @p ids not held by @p kr (all when kr is NULL). */
static void
ids_text(const uint8_t (*ids)[8], unsigned n, const struct sc_keyring *kr, bool held, char *out,
	 size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && i < 4; i++) {
		char hex[2 * SC_ENC_KEYID_LEN + 1];
		bool in = false;

		for (size_t k = 0; kr && k < sc_keyring_count(kr); k++)
			in |= memcmp(sc_keyring_key_id(kr, k), ids[i], SC_ENC_KEYID_LEN) == 0;
		if (in != held)
			continue;
		sc_enc_key_id_hex(ids[i], hex);
		o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? ", " : "", hex);
	}
	if (n > 4 && o < len)
		snprintf(out + o, len - o, ", ...");
}

static int
cmd_enc_keygen(int argc, char **argv)
{
	uint8_t id[SC_ENC_KEYID_LEN];
	char hex[2 * SC_ENC_KEYID_LEN + 1], err[512];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: sealctl enc-keygen FILE\n");
		return 2;
	}
	if (sc_enc_keygen(argv[1], id, err, sizeof(err)) != 0) {
		fprintf(stderr, "sealctl enc-keygen: %s\n", err);
		return 2;
	}
	sc_enc_key_id_hex(id, hex);
	printf("encryption key id %s written to %s (mode 0600)\n"
	       "sealcap --encrypt-key %s encrypts block payloads with it; sealctl verify, cat and\n"
	       "prove read them with --decrypt-key %s.\n"
	       "Keep a copy OFF this server (offline, or in a vault): without it nobody, you\n"
	       "included, can read the encrypted records again.  Never keep it with the backups\n"
	       "of the store it protects.\n", hex, argv[1], argv[1], argv[1]);
	return 0;
}

/* ---- verify -------------------------------------------------------------- */

static const char *const vf_names[] = { "segment", "leaves", "checkpoints", "keys", "store" };

static void
print_issue(const struct sc_verify_issue *i, void *arg)
{
	(void)arg;
	if (i->file == SC_VF_SEGMENT)
		printf("DAMAGED segment %08" PRIu32 " offset %" PRIu64, i->segment, i->offset);
	else
		printf("DAMAGED %s offset %" PRIu64, vf_names[i->file % 5], i->offset);
	if (i->block >= 0)
		printf(" block %" PRId64 " lane %" PRIu32, i->block, i->lane);
	if (i->record >= 0)
		printf(" record %" PRId64, i->record);
	printf(": %s: %s", sc_error_name(i->err), sc_error_text(i->err));
	if (i->detail[0])
		printf(" (%s)", i->detail);
	putchar('\n');
}

/* What retention removed, as verify found it accounted for. */
static void
print_retention(const struct sc_verify_result *res)
{
	if (res->pruned_blocks || res->pruned_segments) {
		if (res->pruned_blocks)
			printf("log entries 0..%" PRIu64 " pruned by retention", res->pruned_blocks - 1);
		else
			printf("no log entries pruned");
		printf(" (segments 00000000..%08" PRIu32 "; events at %s", res->pruned_segments - 1,
		       res->retention_first);
		if (res->retention_events > 1)
			printf(" .. %s, %" PRIu64 " events", res->retention_last, res->retention_events);
		printf("): their leaves still check against the log tree and the checkpoints; "
		       "every block from %" PRIu64 " on is checked whole\n", res->pruned_blocks);
	} else if (res->retention_events) {
		printf("%" PRIu64 " retention event(s) (newest at %s)\n", res->retention_events,
		       res->retention_last);
	}
	if (res->pending_blocks)
		printf("note: %" PRIu64 " blocks that a retention event removed are still there (the "
		       "pass was cut short; the engine removes them at its next pass)\n",
		       res->pending_blocks);
}

/*
 * What verify could and could not open.  @return true when keys were given
 * and some blocks are under other keys: a wrong key, not damage.
 */
static bool
print_encryption(const struct sc_verify_result *res, const struct sc_keyring *kr)
{
	char ids[128], given[128];
	uint64_t opened = res->encrypted_blocks - res->unread_blocks - res->wrong_key_blocks;

	if (res->encrypted_blocks == 0)
		return false;
	ids_text(res->key_ids, res->nkey_ids, NULL, false, ids, sizeof(ids));
	if (opened)
		printf("%" PRIu64 " blocks encrypted (AES-256-GCM): decrypted and checked with --decrypt-key\n",
		       opened);
	if (res->unread_blocks)
		printf("%" PRIu64 " blocks encrypted: payloads not checked without --decrypt-key (%" PRIu64
		       " records, key id %s); their headers, digests, lane chains, log tree and "
		       "signatures were\n", res->unread_blocks, res->unread_records, ids);
	if (res->wrong_key_blocks == 0)
		return false;
	ids_text(res->key_ids, res->nkey_ids, kr, false, ids, sizeof(ids));
	given[0] = '\0';
	for (size_t k = 0; k < sc_keyring_count(kr); k++) {
		char hex[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(sc_keyring_key_id(kr, k), hex);
		snprintf(given + strlen(given), sizeof(given) - strlen(given), "%s%s", k ? ", " : "", hex);
	}
	printf("WRONG KEY: %" PRIu64 " blocks (%" PRIu64 " records) are encrypted with key id %s, "
	       "not with the --decrypt-key given (key id %s): their payloads were not checked; "
	       "the store is not damaged by this\n", res->wrong_key_blocks, res->wrong_key_records,
	       ids, given);
	return true;
}

static int
cmd_verify(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ "decrypt-key", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_verify_result res;
	struct sc_verify_opts vo = { .trust = NULL };
	char err[512], t0[64], t1[64];
	const char *dir;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'd') {
			if (add_decrypt_key(&vo.keys, optarg, "verify") != 0) {
				sc_trust_free(vo.trust);
				sc_keyring_free(vo.keys);
				return 2;
			}
			continue;
		}
		if (opt != 'k') {
			sc_trust_free(vo.trust);
			sc_keyring_free(vo.keys);
			return 2;
		}
		if (vo.trust == NULL && (vo.trust = sc_trust_new()) == NULL)
			return 2;
		if (sc_trust_add_pubkey(vo.trust, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "sealctl verify: --pubkey %s\n", err);
			sc_trust_free(vo.trust);
			sc_keyring_free(vo.keys);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: sealctl verify [--pubkey KEY]... [--decrypt-key FILE]... DIR\n");
		sc_trust_free(vo.trust);
		sc_keyring_free(vo.keys);
		return 2;
	}
	dir = argv[optind];
	rc = sc_verify_ex(dir, &vo, &res, print_issue, NULL, err, sizeof(err));
	sc_trust_free(vo.trust);
	if (rc < 0) {
		fprintf(stderr, "sealctl verify: %s\n", err);
		sc_keyring_free(vo.keys);
		return 2;
	}
	if (rc > 0) {
		printf("FAILED: %" PRIu64 " problem(s) in %s; %" PRIu64 " record(s) in blocks that checked "
		       "intact\n", res.issues, dir, res.records);
		print_encryption(&res, vo.keys);
		sc_keyring_free(vo.keys);
		return 1;
	}
	sc_time_utc(res.first_ns, t0, sizeof(t0));
	sc_time_utc(res.last_ns, t1, sizeof(t1));
	printf("OK: %" PRIu64 " records + %" PRIu64 " engine events in %" PRIu64 " blocks, %" PRIu32
	       " segment(s), %" PRIu32 " lane(s); raw %" PRIu64 " bytes, stored %" PRIu64
	       " bytes (ratio %.2f)\n",
	       res.records - res.events, res.events, res.blocks, res.segments, res.lanes, res.raw_bytes, res.stored_bytes,
	       res.stored_bytes ? (double)res.raw_bytes / (double)res.stored_bytes : 0.0);
	if (res.unread_records + res.wrong_key_records)
		printf("and %" PRIu64 " records in encrypted blocks whose payloads were not read\n",
		       res.unread_records + res.wrong_key_records);
	if (res.blocks)
		printf("time range %s .. %s\n", t0, t1);
	if (res.write_lost)
		printf("write errors: %" PRIu64 " record(s) were sealed but could not be written (disk "
		       "full or I/O error); the blocks after them declare it, and gap events "
		       "(write_error) say when\n", res.write_lost);
	if (res.recoveries)
		printf("recovered: %" PRIu64 " crash recovery event(s): the engine cut a torn tail "
		       "after a crash (sealctl cat --events shows what it cut)\n", res.recoveries);
	if (res.checkpoints)
		printf("signed: %" PRIu64 " checkpoint(s); the newest covers %" PRIu64 " of %" PRIu64
		       " blocks, signed by %s (%s)\n", res.checkpoints, res.signed_size, res.tree_size,
		       res.signer, res.keys_pinned ? "a pinned key" :
		       "keys/ of the store itself: pin with --pubkey to tell a re-signed store");
	else
		printf("signed: no checkpoint%s\n", res.store_version < 2 ?
		       " (store format 1: no log tree)" : "");
	printf("%" PRIu64 " records in %" PRIu64 " blocks sealed but not yet signed\n",
	       res.unsigned_records, res.unsigned_blocks);
	print_retention(&res);
	if (res.unsigned_blocks)
		printf("note: blocks after the newest checkpoint can be cut from the end along with "
		       "their leaves without a trace in the store; an auditor's newer checkpoint "
		       "(sealctl consistency) shows it\n");
	rc = print_encryption(&res, vo.keys) ? 2 : 0;
	sc_keyring_free(vo.keys);
	return rc;
}

/* ---- cat ----------------------------------------------------------------- */

enum fmt { FMT_TEXT, FMT_JSON, FMT_RAW };

struct cat_ctx {
	enum fmt fmt;
	bool events;     /* also print engine events */
	uint64_t block;
	FILE *out;
	struct sc_text *text;  /* the message as search and tail show it */
	bool nomem;            /* a record could not be rendered */
};

static const char *const transports[] = { "event", "udp", "tcp", "tls" };

/* JSON string body: valid UTF-8 passes, anything else is \u00XX per byte. */
static void
put_json(FILE *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		size_t len = 0;

		if (c == '"' || c == '\\') {
			fputc('\\', o);
			fputc(c, o);
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(o, "\\u%04x", c);
			continue;
		}
		if (c < 0x80) {
			fputc(c, o);
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		if (len && i + len <= n) {
			size_t k = 1;

			while (k < len && (p[i + k] & 0xc0) == 0x80)
				k++;
			if (k == len) {
				fwrite(p + i, 1, len, o);
				i += len - 1;
				continue;
			}
		}
		fprintf(o, "\\u%04x", c);
	}
}

static int
cat_record(const struct sc_record *r, uint32_t index, void *arg)
{
	struct cat_ctx *c = arg;
	char t[64], addr[64];
	const char *txt;
	size_t n;

	if ((r->flags & SC_REC_EVENT) && !c->events)
		return 0;
	if (c->fmt == FMT_RAW) {
		fwrite(r->raw, 1, r->raw_len, c->out);
		fputc('\n', c->out);
		return 0;
	}
	sc_time_utc(r->rx_ns, t, sizeof(t));
	sc_record_addr_str(r, addr, sizeof(addr));
	if (c->fmt == FMT_TEXT) {
		/* As search --format text shows it: Shift_JIS converted, escaped. */
		txt = sc_text_render(c->text, r, SC_TEXT_ESCAPED, &n);
		if (txt == NULL) {
			c->nomem = true;
			return -1;
		}
		fprintf(c->out, "%" PRIu64 ".%" PRIu32 " %s %s%s%s:%u ", c->block, index, t,
			r->family == 6 ? "[" : "", addr, r->family == 6 ? "]" : "", r->src_port);
		fwrite(txt, 1, n, c->out);
		fputc('\n', c->out);
		return 0;
	}
	{
		unsigned char *b64 = malloc(4 * ((r->raw_len + 2) / 3) + 1);

		if (b64 == NULL) {
			c->nomem = true;
			return -1;
		}
		txt = sc_text_render(c->text, r, SC_TEXT_UTF8, &n);
		if (txt == NULL) {
			free(b64);
			c->nomem = true;
			return -1;
		}
		EVP_EncodeBlock(b64, r->raw, (int)r->raw_len);
		fprintf(c->out,
			"{\"id\":\"%" PRIu64 ".%" PRIu32 "\",\"time\":\"%s\",\"source\":\"%s\","
			"\"port\":%u,\"dst_port\":%u,\"transport\":\"%s\",\"seq\":%" PRIu64
			",\"flags\":%" PRIu32 ",\"pri\":%d,\"raw\":\"",
			c->block, index, t, addr, r->src_port, r->dst_port,
			transports[r->transport & 3], r->seq, r->flags, r->pri);
		put_json(c->out, r->raw, r->raw_len);
		fprintf(c->out, "\",\"raw_b64\":\"%s\",\"text\":", b64);
		put_json_str(c->out, txt, n);
		fputs("}\n", c->out);
		free(b64);
	}
	return 0;
}

static int
cmd_cat(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "events", no_argument, NULL, 'e' },
		{ "decrypt-key", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct cat_ctx c = { FMT_TEXT, false, 0, stdout, NULL, false };
	struct sc_store_reader *r;
	struct sc_keyring *kr = NULL;
	uint64_t locked = 0;
	uint8_t locked_id[SC_ENC_KEYID_LEN] = { 0 };
	bool wrong = false;
	char err[512];
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'e') {
			c.events = true;
			continue;
		}
		if (opt == 'd') {
			if (add_decrypt_key(&kr, optarg, "cat") != 0) {
				sc_keyring_free(kr);
				return 2;
			}
			continue;
		}
		if (opt != 'f') {
			sc_keyring_free(kr);
			return 2;
		}
		if (strcmp(optarg, "text") == 0)
			c.fmt = FMT_TEXT;
		else if (strcmp(optarg, "json") == 0)
			c.fmt = FMT_JSON;
		else if (strcmp(optarg, "raw") == 0)
			c.fmt = FMT_RAW;
		else {
			fprintf(stderr, "sealctl cat: --format '%s': expected text, json or raw\n", optarg);
			sc_keyring_free(kr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: sealctl cat [--format text|json|raw] [--events] "
			"[--decrypt-key FILE]... DIR\n");
		sc_keyring_free(kr);
		return 2;
	}
	c.text = sc_text_new();
	if (c.text == NULL) {
		fprintf(stderr, "sealctl cat: %s\n", errno == ENOMEM ? "out of memory" :
			"iconv: no CP932 or UTF-8 converter (glibc gconv modules missing?)");
		sc_keyring_free(kr);
		return 2;
	}
	r = sc_store_reader_open(argv[optind], err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "sealctl cat: %s\n", err);
		sc_text_free(c.text);
		sc_keyring_free(kr);
		return 2;
	}
	sc_store_reader_set_keys(r, kr);
	for (;;) {
		struct sc_block_hdr h;
		struct sc_store_pos pos;
		const uint8_t *stored, *payload;
		enum sc_error e;
		int n = sc_store_read(r, &h, &stored, &pos, &e);

		if (n == 0)
			break;
		if (n < 0) {
			fprintf(stderr, "sealctl cat: segment %08" PRIu32 " offset %" PRIu64
				": %s; skipping the rest of the segment\n",
				pos.segment, pos.offset, sc_error_text(e));
			rc = 1;
			continue;
		}
		e = sc_store_reader_payload(r, &h, stored, &payload);
		if (e == SC_E_ENCRYPTED || e == SC_E_KEY_UNKNOWN) {
			/* Not damage: said once at the end, with the key id. */
			if (locked++ == 0)
				memcpy(locked_id, h.key_id, sizeof(locked_id));
			wrong |= e == SC_E_KEY_UNKNOWN;
			continue;
		}
		if (e == SC_E_NOMEM) {
			fprintf(stderr, "sealctl cat: out of memory\n");
			rc = 2;
			break;
		}
		if (e != SC_E_OK) {
			fprintf(stderr, "sealctl cat: segment %08" PRIu32 " block %" PRIu64
				": %s; block skipped\n", pos.segment, h.log_index, sc_error_text(e));
			rc = 1;
			continue;
		}
		c.block = h.log_index;
		if (sc_block_foreach(payload, h.payload_len, cat_record, &c) != 0) {
			if (c.nomem) {
				fprintf(stderr, "sealctl cat: out of memory\n");
				rc = 2;
				break;
			}
			fprintf(stderr, "sealctl cat: block %" PRIu64 ": malformed record\n", h.log_index);
			rc = 1;
		}
	}
	sc_store_reader_close(r);
	sc_text_free(c.text);
	sc_keyring_free(kr);
	if (fflush(stdout) != 0)
		rc = 2;
	if (locked) {
		char hex[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(locked_id, hex);
		fprintf(stderr, "sealctl cat: %" PRIu64 " encrypted block(s) not printed: %s (key id %s%s)\n",
			locked, wrong ? "encrypted with another key than --decrypt-key" :
			"give the key with --decrypt-key FILE", hex, locked > 1 ? ", first block" : "");
		if (rc == 0)
			rc = 2;
	}
	return rc;
}

/* ---- stats --------------------------------------------------------------- */

static void
print_src(const struct sc_source_stats *st)
{
	char a[64] = "other", t0[64] = "-", t1[64] = "-";

	if (st->family == 4)
		inet_ntop(AF_INET, st->addr + 12, a, sizeof(a));
	else if (st->family == 6)
		inet_ntop(AF_INET6, st->addr, a, sizeof(a));
	if (st->msgs) {
		sc_time_utc(st->first_ns, t0, sizeof(t0));
		sc_time_utc(st->last_ns, t1, sizeof(t1));
	}
	printf("%-28s %10" PRIu64 " %12" PRIu64 " %8" PRIu64 " %8" PRIu64 " %12.3f %12.3f  %s .. %s\n",
	       a, st->msgs, st->bytes, st->parse_errors, st->drops,
	       st->skew_count ? (double)st->skew_last_ns / 1e9 : 0.0,
	       st->skew_count ? (double)st->skew_sum_ms / 1e3 / (double)st->skew_count : 0.0, t0, t1);
}

/*
 * The engine publishes STORE/run/stats and STORE/run/sources every second
 * while it runs, and once more at exit; print them.
 */
static int
cmd_stats(int argc, char **argv)
{
	char path[4200], line[512];
	FILE *f;
	int64_t updated = 0;
	int pid = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: sealctl stats DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/run/stats", argv[1]);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "sealctl stats: %s: %s (has an engine run on this store?)\n", path,
			strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		long long v;

		if (sscanf(line, "%63s %lld", key, &v) != 2)
			continue;
		if (strcmp(key, "pid") == 0)
			pid = (int)v;
		else if (strcmp(key, "updated_ns") == 0)
			updated = v;
		else
			printf("%-20s %lld\n", key, v);
	}
	fclose(f);
	if (updated) {
		char t[64];
		bool live = pid > 0 && kill(pid, 0) == 0;

		sc_time_utc(updated, t, sizeof(t));
		printf("%-20s %s (engine pid %d %s)\n", "snapshot", t, pid,
		       live ? "running" : "not running: final figures of its last run");
	}
	snprintf(path, sizeof(path), "%s/run/sources", argv[1]);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	printf("\n%-28s %10s %12s %8s %8s %12s %12s  %s\n", "source", "messages", "bytes",
	       "parse_er", "drops", "skew_last_s", "skew_mean_s", "first .. last seen");
	while (fgets(line, sizeof(line), f)) {
		struct sc_source_stats st;

		if (sc_sources_parse_line(line, &st) == 0)
			print_src(&st);
	}
	fclose(f);
	return 0;
}

/* ---- proofs ---------------------------------------------------------------- */

/* --pubkey options into a trust set (NULL when none given). */
static int
add_pubkey(struct sc_trust **t, const char *arg, const char *cmd)
{
	char err[512];

	if (*t == NULL && (*t = sc_trust_new()) == NULL)
		return -1;
	if (sc_trust_add_pubkey(*t, arg, err, sizeof(err)) != 0) {
		fprintf(stderr, "sealctl %s: --pubkey %s\n", cmd, err);
		return -1;
	}
	return 0;
}

static int
write_out(const char *path, const char *text, const char *cmd)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (f == NULL) {
		fprintf(stderr, "sealctl %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	fputs(text, f);
	fputc('\n', f);
	if ((path ? fclose(f) : fflush(f)) != 0) {
		fprintf(stderr, "sealctl %s: %s: write failed\n", cmd, path ? path : "stdout");
		return -1;
	}
	return 0;
}

static int
cmd_prove(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "record", required_argument, NULL, 'r' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "decrypt-key", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_trust *t = NULL;
	struct sc_keyring *kr = NULL;
	const char *id = NULL, *outp = NULL;
	unsigned long long b, n;
	char err[512], tail, *json;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'r')
			id = optarg;
		else if (opt == 'o')
			outp = optarg;
		else if (opt == 'd') {
			if (add_decrypt_key(&kr, optarg, "prove") != 0) {
				sc_trust_free(t);
				sc_keyring_free(kr);
				return 2;
			}
		} else if (opt != 'k' || add_pubkey(&t, optarg, "prove") != 0)
			goto usage;
	}
	if (optind + 1 != argc || id == NULL)
		goto usage;
	if (sscanf(id, "%llu.%llu%c", &b, &n, &tail) != 2 || n > UINT32_MAX) {
		fprintf(stderr, "sealctl prove: --record '%s': expected B.N as sealctl cat prints it\n", id);
		goto usage;
	}
	rc = sc_proof_record_keys(argv[optind], b, (uint32_t)n, t, kr, &json, err, sizeof(err));
	sc_trust_free(t);
	sc_keyring_free(kr);
	if (rc != 0) {
		fprintf(stderr, "sealctl prove: %s\n", err);
		return rc == -EBADMSG ? 1 : 2;
	}
	rc = write_out(outp, json, "prove") == 0 ? 0 : 2;
	free(json);
	return rc;
usage:
	sc_trust_free(t);
	sc_keyring_free(kr);
	fprintf(stderr, "usage: sealctl prove DIR --record B.N [--pubkey KEY] [--decrypt-key FILE] "
		"[--out FILE]\n");
	return 2;
}

static void
print_info(const struct sc_proof_info *i)
{
	char t[64];

	if (strcmp(i->type, "package") == 0) {
		printf("OK: %" PRIu64 " records, checkpoint size %" PRIu64 " signed by %s (log of %s; %"
		       PRIu64 " blocks)\n", i->records, i->size, i->signer, i->origin, i->blocks);
	} else if (strcmp(i->type, "inclusion") == 0) {
		sc_time_utc(i->rx_ns, t, sizeof(t));
		printf("OK: record %s (received %s from %s port %u) is record %" PRIu64 " of block %" PRIu64
		       ", in the log of %s of %" PRIu64 " blocks signed by %s\n", i->id, t, i->source,
		       i->port, i->index, i->block, i->origin, i->size, i->signer);
	} else {
		printf("OK: the log of %s at %" PRIu64 " blocks (signed by %s) extends its checkpoint at %"
		       PRIu64 " blocks: nothing signed then was changed, removed or reordered\n", i->origin,
		       i->size, i->signer, i->old_size);
	}
}

static int
cmd_check_proof(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_trust *t = NULL;
	struct sc_proof_info info;
	char err[512], *json;
	size_t len;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (opt != 'k' || add_pubkey(&t, optarg, "check-proof") != 0)
			goto usage;
	if (optind + 1 != argc || t == NULL)
		goto usage;
	rc = sc_read_whole(argv[optind], &json, &len);
	if (rc != 0) {
		fprintf(stderr, "sealctl check-proof: %s: %s\n", argv[optind], strerror(-rc));
		sc_trust_free(t);
		return 2;
	}
	rc = sc_proof_check(json, len, t, &info, err, sizeof(err));
	free(json);
	sc_trust_free(t);
	if (rc < 0) {
		fprintf(stderr, "sealctl check-proof: %s: %s\n", argv[optind], err);
		return 2;
	}
	if (rc > 0) {
		printf("FAIL: %s\n", err);
		return 1;
	}
	print_info(&info);
	return 0;
usage:
	sc_trust_free(t);
	fprintf(stderr, "usage: sealctl check-proof FILE --pubkey KEY  (KEY: master.pub, epochs.pub or "
		"a verifier key; the signer must be pinned)\n");
	return 2;
}

static int
cmd_consistency(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "old", required_argument, NULL, 'c' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_trust *t = NULL;
	struct sc_proof_info info;
	const char *oldp = NULL, *outp = NULL;
	char err[512], *old, *json = NULL;
	size_t len;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'c')
			oldp = optarg;
		else if (opt == 'o')
			outp = optarg;
		else if (opt != 'k' || add_pubkey(&t, optarg, "consistency") != 0)
			goto usage;
	}
	if (optind + 1 != argc || oldp == NULL)
		goto usage;
	rc = sc_read_whole(oldp, &old, &len);
	if (rc != 0) {
		fprintf(stderr, "sealctl consistency: %s: %s\n", oldp, strerror(-rc));
		sc_trust_free(t);
		return 2;
	}
	err[0] = '\0';
	rc = sc_proof_consistency(argv[optind], old, len, t, &json, &info, err, sizeof(err));
	free(old);
	sc_trust_free(t);
	if (rc < 0) {
		fprintf(stderr, "sealctl consistency: %s\n", err);
		free(json);
		return 2;
	}
	if (json != NULL) {
		if (outp != NULL && write_out(outp, json, "consistency") != 0)
			rc = 2;
		/* The proof for people: the two trees and the hashes between them. */
		{
			json_t *doc = json_loads(json, 0, NULL);
			json_t *p = doc ? json_object_get(doc, "path") : NULL;

			printf("old: %" PRIu64 " blocks; new: %" PRIu64 " blocks; proof: %zu hashes\n",
			       info.old_size, info.size, json_array_size(p));
			for (size_t i = 0; i < json_array_size(p); i++)
				printf("  %s\n", json_string_value(json_array_get(p, i)));
			json_decref(doc);
		}
		free(json);
	}
	if (rc == 0)
		print_info(&info);
	else if (rc == 1)
		printf("FAIL: %s\n", err);
	return rc;
usage:
	sc_trust_free(t);
	fprintf(stderr, "usage: sealctl consistency DIR --old CHECKPOINT [--pubkey KEY] [--out FILE]\n");
	return 2;
}

/* ---- keygen -------------------------------------------------------------- */

static int
cmd_keygen(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "origin", required_argument, NULL, 'n' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "epoch-seconds", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_keygen_opts o = { 0 };
	char vkey[SC_VKEY_MAX], err[512], t0[64], t1[64], *end;
	unsigned long long v;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'o': o.dir = optarg; break;
		case 'n': o.origin = optarg; break;
		case 'e':
		case 's':
		case 't':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > (opt == 't' ? INT64_MAX : UINT32_MAX)) {
				fprintf(stderr, "sealctl keygen: '%s': expected a positive number\n", optarg);
				return 2;
			}
			if (opt == 'e')
				o.epochs = (uint32_t)v;
			else if (opt == 's')
				o.epoch_seconds = (uint32_t)v;
			else
				o.start = (int64_t)v;
			break;
		default:
			return 2;
		}
	}
	if (o.dir == NULL || optind != argc) {
		fprintf(stderr, "usage: sealctl keygen --out DIR [--origin NAME] [--epochs N] "
			"[--epoch-seconds S] [--start UNIX-SECONDS]\n");
		return 2;
	}
	rc = sc_keygen(&o, vkey, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "sealctl keygen: %s\n", err);
		return 2;
	}
	{
		uint32_t n = o.epochs ? o.epochs : SC_EPOCHS_DEFAULT;
		uint32_t secs = o.epoch_seconds ? o.epoch_seconds : SC_EPOCH_SECONDS_DEFAULT;
		char path[4200], *cert = NULL;
		size_t len = 0;
		struct sc_epoch_cert *c;

		snprintf(path, sizeof(path), "%s/epochs.pub", o.dir);
		if (sc_read_whole(path, &cert, &len) == 0 &&
		    (c = sc_epoch_cert_parse(cert, len, err, sizeof(err))) != NULL) {
			sc_time_utc(c->start * 1000000000, t0, sizeof(t0));
			sc_time_utc((c->start + (int64_t)n * secs) * 1000000000, t1, sizeof(t1));
			sc_epoch_cert_free(c);
		} else {
			snprintf(t0, sizeof(t0), "?");
			snprintf(t1, sizeof(t1), "?");
		}
		free(cert);
		printf("master verifier key (pin it: sealctl verify --pubkey, check-proof --pubkey):\n%s\n\n",
		       vkey);
		printf("%s/master.pub   the line above\n"
		       "%s/epochs.pub   %" PRIu32 " epoch verifier keys (signed-note form, one per line, "
		       "named <origin>/e<i>), certified by the master key; epochs of %" PRIu32 " s from %s "
		       "to %s\n"
		       "%s/sign.key     the engine's evolving secret (sealcap --sign-key; mode 0600)\n"
		       "%s/master.key   the master secret: move it OFF this server now; it is needed only "
		       "to certify keys again\n",
		       o.dir, o.dir, n, secs, t0, t1, o.dir, o.dir);
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: sealctl COMMAND [options] DIR\n\n"
		   "  verify DIR                       check the whole store; exit 0 only when intact\n"
		   "  cat [--format text|json|raw] [--events] DIR\n"
		   "                                   print every record in store order (--events:\n"
		   "                                   also the engine's start/stop/gap events)\n"
		   "  stats DIR                        capture counters and the per-source table\n"
		   "                                   (live while the engine runs)\n"
		   "  verify [--pubkey KEY] DIR        also checks every checkpoint; KEY: master.pub,\n"
		   "                                   epochs.pub or a verifier key line (pins the signer)\n"
		   "  verify|cat|prove --decrypt-key FILE ...\n"
		   "                                   read encrypted blocks (repeatable: several keys)\n"
		   "  enc-keygen FILE                  a new encryption key (sealcap --encrypt-key), 0600\n"
		   "  keygen --out DIR [--origin NAME] [--epochs N] [--epoch-seconds S]\n"
		   "                                   master key, epoch certificate and sign.key\n"
		   "  prove DIR --record B.N [--pubkey KEY] [--out FILE]\n"
		   "                                   inclusion proof of a record (JSON), against the\n"
		   "                                   newest checkpoint that covers it\n"
		   "  check-proof FILE --pubkey KEY    check a proof or an evidence package (export)\n"
		   "                                   without the store\n"
		   "  consistency DIR --old CHECKPOINT [--pubkey KEY] [--out FILE]\n"
		   "                                   prove the store extends an older checkpoint\n"
		   "%s", sealctl_search_usage);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "cat") == 0)
		return cmd_cat(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "enc-keygen") == 0)
		return cmd_enc_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "prove") == 0)
		return cmd_prove(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-proof") == 0)
		return cmd_check_proof(argc - 1, argv + 1);
	if (strcmp(argv[1], "consistency") == 0)
		return cmd_consistency(argc - 1, argv + 1);
	if (strcmp(argv[1], "search") == 0)
		return cmd_search(argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "tail") == 0)
		return cmd_tail(argc - 1, argv + 1);
	if (strcmp(argv[1], "rebuild-index") == 0)
		return cmd_rebuild_index(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "sealctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

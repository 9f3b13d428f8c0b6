/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * sealcap: the capture engine.  Every knob is a flag with a default shown
 * in --help; a bad flag or value is refused with a message and exit 2.
 * Drivers register themselves; their flags are added to the table here, so
 * this file never includes a driver header.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sealcap/engine.h>

#include <sealcap/opt.h>

static struct sc_engine *the_engine;

static void
on_stop(int sig)
{
	(void)sig;
	if (the_engine)
		sc_engine_stop(the_engine);
}

static void
on_hup(int sig)
{
	(void)sig;
	if (the_engine)
		sc_engine_rotate(the_engine);
}

enum {
	O_DRIVER = 256, O_STORE, O_ORIGIN, O_LANES, O_BLOCK_BYTES, O_FLUSH_MS,
	O_SEGMENT_BYTES, O_SEGMENT_SECONDS, O_FSYNC, O_FSYNC_MS, O_RING_SIZE,
	O_BATCHES, O_BATCH_BYTES, O_COUNT, O_DURATION, O_STATS_INTERVAL,
	O_MAX_SOURCES, O_PRINT_SOURCES, O_CLOCK, O_PHC_OFFSET, O_SIGN_KEY, O_CKPT_INTERVAL,
	O_SEAL_EPOCH, O_ENCRYPT_KEY, O_RETENTION_DAYS, O_MAX_STORE_BYTES, O_HELP, O_VERSION,
	O_DRIVER_OPT,
};

static const struct {
	const char *name;
	int id;
	const char *arg;
	const char *help;
	const char *def;
} engine_opts[] = {
	{ "driver", O_DRIVER, "NAME[,NAME]", "capture driver(s), one store (see below)", "pcap" },
	{ "store", O_STORE, "DIR", "store directory (created if missing)", NULL },
	{ "origin", O_ORIGIN, "NAME", "store name when creating a store", "sealcap/<hostname>" },
	{ "lanes", O_LANES, "N", "sealer threads", "1" },
	{ "block-bytes", O_BLOCK_BYTES, "SIZE", "close a block at this much raw data", "1M" },
	{ "flush-ms", O_FLUSH_MS, "MS", "... or when its oldest record is this old", "200" },
	{ "segment-bytes", O_SEGMENT_BYTES, "SIZE", "start a new segment file at this size", "256M" },
	{ "segment-seconds", O_SEGMENT_SECONDS, "S", "... or at this age (0: never)", "3600" },
	{ "fsync", O_FSYNC, "POLICY", "block | interval | none", "interval" },
	{ "fsync-ms", O_FSYNC_MS, "MS", "interval policy: sync at most this long after a write", "1000" },
	{ "ring-size", O_RING_SIZE, "N", "batches per RX worker -> lane ring", "2048" },
	{ "batches", O_BATCHES, "N", "RX batch pool size", "2048" },
	{ "batch-bytes", O_BATCH_BYTES, "SIZE", "bytes per RX batch (largest message ~ this minus 64)", "128K" },
	{ "count", O_COUNT, "N", "stop after N messages (0: no limit)", "0" },
	{ "duration", O_DURATION, "S", "stop after S seconds (0: no limit)", "0" },
	{ "stats-interval", O_STATS_INTERVAL, "S", "print a stats line every S seconds (0: off)", "0" },
	{ "clock", O_CLOCK, "CLOCK", "receive clock: auto | realtime | nic | phc:/dev/ptpN", "auto" },
	{ "phc-offset", O_PHC_OFFSET, "S", "PHC time minus UTC in seconds (TAI-UTC)", "37" },
	{ "max-sources", O_MAX_SOURCES, "N", "per-source table size (more are counted as 'other')", "65536" },
	{ "print-sources", O_PRINT_SOURCES, NULL, "print the per-source table on exit", NULL },
	{ "sign-key", O_SIGN_KEY, "FILE", "sign checkpoints with sign.key of sealctl keygen (mode 0600)", "none" },
	{ "checkpoint-interval", O_CKPT_INTERVAL, "S", "sign a checkpoint this often when the store grew, and at exit", "10" },
	{ "seal-epoch", O_SEAL_EPOCH, "S", "signing key epoch length; must match the key's", "the key's (keygen: 900)" },
	{ "encrypt-key", O_ENCRYPT_KEY, "FILE", "encrypt block payloads (AES-256-GCM) with the key of sealctl enc-keygen (mode 0600)", "none" },
	{ "retention-days", O_RETENTION_DAYS, "N", "remove closed segments last written more than N days ago (decimals allowed; 0: keep all)", "0" },
	{ "max-store-bytes", O_MAX_STORE_BYTES, "SIZE", "remove the oldest whole segments while the segments take more (0: no limit)", "0" },
	{ "help", O_HELP, NULL, "show this help", NULL },
	{ "version", O_VERSION, NULL, "show the version", NULL },
};
#define N_ENGINE_OPTS (sizeof(engine_opts) / sizeof(engine_opts[0]))

static void
usage(FILE *f)
{
	const struct sc_driver_ops *d;

	fprintf(f, "usage: sealcap --store DIR [--driver NAME[,NAME]] [options]\n\n"
		   "Capture syslog into a sealed, tamper-evident store.  Several drivers can\n"
		   "feed one store (--driver dpdk,socket: UDP from the DPDK port, TCP from the\n"
		   "kernel); they are opened in the order given.\n\nEngine options:\n");
	for (size_t i = 0; i < N_ENGINE_OPTS; i++)
		sc_opt_help(f, engine_opts[i].name, engine_opts[i].arg, engine_opts[i].help,
			    engine_opts[i].def);
	for (unsigned i = 0; (d = sc_driver_at(i)) != NULL; i++) {
		fprintf(f, "\nDriver '%s': %s\n", d->name, d->summary);
		for (const struct sc_driver_opt *o = d->opts; o && o->name; o++)
			sc_opt_help(f, o->name, o->arg, o->help, o->def);
	}
	fprintf(f, "\nSignals: SIGTERM/SIGINT drain, seal and exit 0; SIGHUP starts a new segment.\n");
}

static int
bad(const char *flag, const char *val, const char *why)
{
	fprintf(stderr, "sealcap: --%s '%s': %s (see --help)\n", flag, val, why);
	return 2;
}

int
main(int argc, char **argv)
{
	struct sc_engine_config cfg;
	struct option lopts[N_ENGINE_OPTS + 64];
	const struct sc_driver_opt *dopt[64];
	const struct sc_driver_ops *drv_of[64];
	const struct sc_driver_ops *drv[SC_DRIVERS_MAX], *d;
	char drivers[256] = "";
	unsigned ndrv = 0;
	double stats_interval = 0;
	bool print_sources = false;
	char err[512];
	size_t n = 0, nd = 0;
	uint64_t v;
	int c, idx, rc;

	sc_engine_config_default(&cfg);
	for (size_t i = 0; i < N_ENGINE_OPTS; i++)
		lopts[n++] = (struct option){ engine_opts[i].name,
					      engine_opts[i].arg ? required_argument : no_argument,
					      NULL, engine_opts[i].id };
	for (unsigned i = 0; (d = sc_driver_at(i)) != NULL; i++)
		for (const struct sc_driver_opt *o = d->opts; o && o->name && nd < 64; o++) {
			dopt[nd] = o;
			drv_of[nd] = d;
			lopts[n++] = (struct option){ o->name,
						      o->arg ? required_argument : no_argument,
						      NULL, O_DRIVER_OPT + (int)nd };
			nd++;
		}
	lopts[n] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lopts, &idx)) != -1) {
		const char *name = c >= O_DRIVER && c != '?' && c != ':' ? lopts[idx].name : NULL;

		switch (c) {
		case O_DRIVER:
			/* Repeatable; each may be a comma-separated list. */
			if (strlen(drivers) + strlen(optarg) + 2 > sizeof(drivers))
				return bad(name, optarg, "too many drivers");
			snprintf(drivers + strlen(drivers), sizeof(drivers) - strlen(drivers), "%s%s",
				 drivers[0] ? "," : "", optarg);
			break;
		case O_STORE: cfg.store.dir = optarg; break;
		case O_ORIGIN: cfg.store.origin = optarg; break;
		case O_LANES:
			if (sc_opt_u64(optarg, &v) || v < 1 || v > SC_LANES_MAX)
				return bad(name, optarg, "expected 1..16");
			cfg.lanes = (unsigned)v;
			break;
		case O_BLOCK_BYTES:
			if (sc_opt_size(optarg, &v) || v < 4096 || v > (64u << 20))
				return bad(name, optarg, "expected a size from 4K to 64M");
			cfg.block_bytes = v;
			break;
		case O_FLUSH_MS:
			if (sc_opt_u64(optarg, &v) || v < 1 || v > 3600000)
				return bad(name, optarg, "expected 1..3600000 ms");
			cfg.flush_ms = (unsigned)v;
			break;
		case O_SEGMENT_BYTES:
			if (sc_opt_size(optarg, &v) || v < (64u << 10))
				return bad(name, optarg, "expected a size of at least 64K");
			cfg.store.segment_bytes = v;
			break;
		case O_SEGMENT_SECONDS:
			if (sc_opt_u64(optarg, &v) || v > UINT32_MAX)
				return bad(name, optarg, "expected seconds");
			cfg.store.segment_seconds = (uint32_t)v;
			break;
		case O_FSYNC:
			if (strcmp(optarg, "block") == 0)
				cfg.store.fsync = SC_FSYNC_BLOCK;
			else if (strcmp(optarg, "interval") == 0)
				cfg.store.fsync = SC_FSYNC_INTERVAL;
			else if (strcmp(optarg, "none") == 0)
				cfg.store.fsync = SC_FSYNC_NONE;
			else
				return bad(name, optarg, "expected block, interval or none");
			break;
		case O_FSYNC_MS:
			if (sc_opt_u64(optarg, &v) || v < 1 || v > 3600000)
				return bad(name, optarg, "expected 1..3600000 ms");
			cfg.store.fsync_ms = (uint32_t)v;
			break;
		case O_RING_SIZE:
			if (sc_opt_u64(optarg, &v) || v < 4 || v > (1u << 20))
				return bad(name, optarg, "expected 4..1048576");
			cfg.ring_size = (unsigned)v;
			break;
		case O_BATCHES:
			if (sc_opt_u64(optarg, &v) || v < 4 || v > (1u << 20))
				return bad(name, optarg, "expected 4..1048576");
			cfg.batches = (unsigned)v;
			break;
		case O_BATCH_BYTES:
			if (sc_opt_size(optarg, &v) || v < (64u << 10) || v > (64u << 20))
				return bad(name, optarg, "expected a size from 64K to 64M");
			cfg.batch_bytes = v;
			break;
		case O_COUNT:
			if (sc_opt_u64(optarg, &v))
				return bad(name, optarg, "expected a count");
			cfg.max_count = v;
			break;
		case O_DURATION:
			if (sc_opt_double(optarg, &cfg.duration_s) || cfg.duration_s < 0)
				return bad(name, optarg, "expected seconds >= 0");
			break;
		case O_STATS_INTERVAL:
			if (sc_opt_double(optarg, &stats_interval) || stats_interval < 0)
				return bad(name, optarg, "expected seconds >= 0");
			break;
		case O_CLOCK:
			if (strcmp(optarg, "auto") && strcmp(optarg, "realtime") &&
			    strcmp(optarg, "nic") && strncmp(optarg, "phc:", 4))
				return bad(name, optarg, "expected auto, realtime, nic or phc:/dev/ptpN");
			cfg.clock = optarg;
			break;
		case O_PHC_OFFSET:
			if (sc_opt_u64(optarg, &v) || v > 3600)
				return bad(name, optarg, "expected 0..3600 seconds");
			cfg.phc_offset_s = (int)v;
			break;
		case O_MAX_SOURCES:
			if (sc_opt_u64(optarg, &v) || v < 1 || v > (1u << 24))
				return bad(name, optarg, "expected 1..16777216");
			cfg.max_sources = (unsigned)v;
			break;
		case O_PRINT_SOURCES:
			print_sources = true;
			break;
		case O_SIGN_KEY:
			cfg.sign_key = optarg;
			break;
		case O_CKPT_INTERVAL:
			if (sc_opt_double(optarg, &cfg.checkpoint_interval_s) ||
			    !(cfg.checkpoint_interval_s >= 0.01) || cfg.checkpoint_interval_s > 86400)
				return bad(name, optarg, "expected 0.01..86400 seconds");
			break;
		case O_ENCRYPT_KEY:
			cfg.encrypt_key = optarg;
			break;
		case O_RETENTION_DAYS:
			if (sc_opt_double(optarg, &cfg.retention_days) || !(cfg.retention_days >= 0) ||
			    cfg.retention_days > 365000)
				return bad(name, optarg, "expected days >= 0 (e.g. 1825, or 0.5)");
			break;
		case O_MAX_STORE_BYTES:
			if (sc_opt_size(optarg, &v))
				return bad(name, optarg, "expected a size (e.g. 500G)");
			cfg.max_store_bytes = v;
			break;
		case O_SEAL_EPOCH:
			if (sc_opt_u64(optarg, &v) || v < 1 || v > UINT32_MAX)
				return bad(name, optarg, "expected seconds >= 1");
			cfg.seal_epoch_s = (unsigned)v;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		case O_VERSION:
			printf("sealcap %s\n", SC_VERSION_STRING);
			return 0;
		case '?':
			if (optopt)
				fprintf(stderr, "sealcap: option needs a value or is unknown: %s (see --help)\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "sealcap: unknown option %s (see --help)\n",
					argv[optind - 1]);
			return 2;
		default:
			if (c >= O_DRIVER_OPT && c < O_DRIVER_OPT + (int)nd) {
				const struct sc_driver_opt *o = dopt[c - O_DRIVER_OPT];

				if (drv_of[c - O_DRIVER_OPT]->set_opt(o->name, optarg ? optarg : "",
								      err, sizeof(err)) != 0) {
					fprintf(stderr, "sealcap: %s (see --help)\n", err);
					return 2;
				}
				break;
			}
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sealcap: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (cfg.store.dir == NULL) {
		fprintf(stderr, "sealcap: --store DIR is required (see --help)\n");
		return 2;
	}
	/* Only closed segments go: the limit must leave room for the one being written. */
	if (cfg.max_store_bytes && cfg.max_store_bytes < 2 * cfg.store.segment_bytes) {
		fprintf(stderr, "sealcap: --max-store-bytes %" PRIu64 " is below twice --segment-bytes "
			"(%" PRIu64 "): retention removes whole closed segments only (see --help)\n",
			cfg.max_store_bytes, cfg.store.segment_bytes);
		return 2;
	}
	if (cfg.seal_epoch_s && cfg.sign_key == NULL) {
		fprintf(stderr, "sealcap: --seal-epoch needs --sign-key (see --help)\n");
		return 2;
	}
	{
		char *save = NULL, *tok;

		if (drivers[0] == '\0')
			snprintf(drivers, sizeof(drivers), "pcap");
		for (tok = strtok_r(drivers, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			d = sc_driver_find(tok);
			if (d == NULL) {
				fprintf(stderr, "sealcap: --driver '%s': no such driver in this build (have:",
					tok);
				for (unsigned i = 0; (d = sc_driver_at(i)) != NULL; i++)
					fprintf(stderr, " %s", d->name);
				fprintf(stderr, ")\n");
				return 2;
			}
			for (unsigned i = 0; i < ndrv; i++)
				if (drv[i] == d) {
					fprintf(stderr, "sealcap: --driver '%s' given twice\n", tok);
					return 2;
				}
			if (ndrv == SC_DRIVERS_MAX) {
				fprintf(stderr, "sealcap: --driver: at most %d drivers\n", SC_DRIVERS_MAX);
				return 2;
			}
			drv[ndrv++] = d;
		}
	}

	the_engine = sc_engine_create(&cfg, err, sizeof(err));
	if (the_engine == NULL) {
		fprintf(stderr, "sealcap: %s\n", err);
		return 1;
	}
	{
		struct sigaction sa = { 0 };

		sa.sa_handler = on_stop;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sa.sa_handler = on_hup;
		sigaction(SIGHUP, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	rc = sc_engine_run(the_engine, drv, ndrv, stderr, stats_interval, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "sealcap: %s\n", err);
		sc_engine_destroy(the_engine);
		return 1;
	}
	{
		struct sc_engine_stats s;
		uint64_t dropped = 0;

		sc_engine_stats(the_engine, &s);
		for (int i = 0; i < SC_DROP__COUNT; i++)
			dropped += s.drops[i];
		fprintf(stderr,
			"sealcap: received %" PRIu64 " messages (%" PRIu64 " bytes), stored %" PRIu64
			" in %" PRIu64 " blocks (%" PRIu64 " bytes on disk), skipped %" PRIu64
			" non-syslog frames, dropped %" PRIu64,
			s.rx_msgs, s.rx_bytes, s.records, s.blocks, s.stored_bytes, s.skipped, dropped);
		for (int i = 0; i < SC_DROP__COUNT; i++)
			if (s.drops[i])
				fprintf(stderr, " %s=%" PRIu64, sc_drop_name((enum sc_drop)i), s.drops[i]);
		fprintf(stderr, "\n");
	}
	if (print_sources)
		sc_engine_print_sources(the_engine, stdout);
	rc = sc_engine_destroy(the_engine);
	if (rc != 0) {
		fprintf(stderr, "sealcap: closing the store: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

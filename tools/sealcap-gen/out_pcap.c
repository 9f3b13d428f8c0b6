/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 *
 * pcap:FILE output: Ethernet frames into a capture file written by libpcap
 * (pcap_open_dead + pcap_dump), so the file format is libpcap's, not ours.
 *
 * The file is written as FILE.tmp and renamed at close, so a capture that
 * exists under its name is complete; "pcap:-" writes to standard output.
 * Timestamps have microsecond precision (the classic format every tool
 * reads) unless the packet rate exceeds 1 000 000/s, where microseconds would
 * collapse distinct packets onto one time; then the file is nanosecond pcap.
 */
#include "out.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Large stdio buffer: one write(2) per MiB instead of per 4 KiB. */
#define PCAP_OUT_BUF (1u << 20)

struct gen_out {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	FILE *fp;
	char *buf;
	char *path;             /* final name; NULL for stdout */
	char *tmp;              /* name while writing */
	int nano;
	uint64_t pkts;
	uint64_t bytes;         /* file header + record headers + frames */
};

/* Free everything; a temporary file still named so is removed. */
static void
release(struct gen_out *o)
{
	if (o->dumper)
		pcap_dump_close(o->dumper);     /* closes o->fp */
	else if (o->fp && o->fp != stdout)
		fclose(o->fp);
	if (o->pcap)
		pcap_close(o->pcap);
	if (o->tmp)
		unlink(o->tmp);
	free(o->buf);
	free(o->path);
	free(o->tmp);
	free(o);
}

static int
pcap_out_open(struct gen_out **outp, const char *target,
	      const struct gen_out_params *params, char *err, size_t errlen)
{
	struct gen_out *o;
	int rc;

	*outp = NULL;
	if (!*target) {
		snprintf(err, errlen, "pcap: missing file name (pcap:FILE)");
		return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		goto nomem;
	o->nano = params->pps > 1000000;
	o->buf = malloc(PCAP_OUT_BUF);
	if (!o->buf)
		goto nomem;
	if (strcmp(target, "-") == 0) {
		o->fp = stdout;
	} else {
		size_t n = strlen(target);

		o->path = strdup(target);
		o->tmp = malloc(n + sizeof(".tmp"));
		if (!o->path || !o->tmp)
			goto nomem;
		memcpy(o->tmp, target, n);
		memcpy(o->tmp + n, ".tmp", sizeof(".tmp"));
		o->fp = fopen(o->tmp, "wb");
		if (!o->fp) {
			rc = -errno;
			snprintf(err, errlen, "pcap: %s: %s", o->tmp,
				 strerror(errno));
			free(o->tmp);
			o->tmp = NULL;  /* nothing to unlink */
			release(o);
			return rc;
		}
	}
	setvbuf(o->fp, o->buf, _IOFBF, PCAP_OUT_BUF);
	o->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
			params->snaplen > 65535 ? (int)params->snaplen : 65535,
			o->nano ? PCAP_TSTAMP_PRECISION_NANO
				: PCAP_TSTAMP_PRECISION_MICRO);
	if (!o->pcap)
		goto nomem;
	o->dumper = pcap_dump_fopen(o->pcap, o->fp);
	if (!o->dumper) {
		snprintf(err, errlen, "pcap: %s: %s",
			 o->path ? o->path : "stdout", pcap_geterr(o->pcap));
		release(o);
		return -EIO;
	}
	o->bytes = 24;          /* the pcap file header */
	*outp = o;
	return 0;
nomem:
	snprintf(err, errlen, "pcap: out of memory");
	if (o)
		release(o);
	return -ENOMEM;
}

static uint32_t
pcap_out_send_burst(struct gen_out *o, const struct gen_pkt *pkts, uint32_t n)
{
	uint32_t div = o->nano ? 1 : 1000;

	for (uint32_t i = 0; i < n; i++) {
		const struct gen_pkt *p = &pkts[i];
		struct pcap_pkthdr h;

		h.ts.tv_sec = (time_t)(p->time_ns / 1000000000u);
		/* tv_usec holds nanoseconds in a nanosecond-precision dump. */
		h.ts.tv_usec = (suseconds_t)(p->time_ns % 1000000000u / div);
		if (p->nfrags) {
			/* --mtu: the fragments, in order, at the message's time. */
			const uint8_t *f = p->frags;

			for (uint32_t k = 0; k < p->nfrags; k++) {
				h.caplen = h.len = p->frag_lens[k];
				pcap_dump((u_char *)o->dumper, &h, f);
				o->bytes += 16 + p->frag_lens[k];
				f += p->frag_lens[k];
			}
			continue;
		}
		h.caplen = p->frame_len;
		h.len = p->frame_len;
		pcap_dump((u_char *)o->dumper, &h, p->frame);
		o->bytes += 16 + p->frame_len;  /* record header + frame */
	}
	o->pkts += n;
	return n;
}

static int
pcap_out_close(struct gen_out *o, struct gen_out_stats *st, char *err,
	       size_t errlen)
{
	const char *name;
	int rc = 0;

	if (!o)
		return 0;
	name = o->path ? o->path : "stdout";
	if (st) {
		st->pkts = o->pkts;
		st->failed = 0;
		st->bytes = o->bytes;   /* counted: a pipe has no offset */
	}
	/* pcap_dump() drops stdio errors; they surface here. */
	if (pcap_dump_flush(o->dumper) != 0 || ferror(o->fp)) {
		rc = -EIO;
		snprintf(err, errlen, "pcap: %s: write error", name);
		goto out;
	}
	if (o->path && rename(o->tmp, o->path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "pcap: rename %s to %s: %s", o->tmp,
			 o->path, strerror(errno));
		goto out;
	}
	free(o->tmp);
	o->tmp = NULL;          /* renamed: keep it */
out:
	if (rc && st) {         /* no capture file: nothing counts as sent */
		st->failed = st->pkts;
		st->pkts = 0;
	}
	release(o);
	return rc;
}

const struct gen_out_ops gen_out_pcap = {
	.scheme = "pcap",
	.usage = "pcap:FILE      capture file (libpcap, Ethernet); - for stdout",
	.flags = GEN_OUT_F_FRAMES,
	.open = pcap_out_open,
	.send_burst = pcap_out_send_burst,
	.close = pcap_out_close,
};

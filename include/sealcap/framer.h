/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#ifndef SEALCAP_FRAMER_H
#define SEALCAP_FRAMER_H

/**
 * @file
 * Syslog over a byte stream (RFC 6587): cut a TCP connection's bytes into
 * messages.  A pure state machine: it is fed bytes and calls back with
 * frames; it knows nothing of sockets, so tests and fuzzers drive it alone.
 *
 * Framings
 *
 * - Octet counting (RFC 6587 3.4.1, RFC 5425 4.3): `MSG-LEN SP MSG`, where
 *   MSG-LEN is NONZERO-DIGIT *DIGIT.  The frame is MSG exactly; the length
 *   and its space are framing and are not part of it.  CR and LF bytes
 *   between frames (senders that end every frame with a newline anyway) are
 *   skipped and counted (stats.stray).
 * - Non-transparent (RFC 6587 3.4.2): a frame ends at LF (and at NUL too,
 *   when cfg.nul_trailer).  The trailer is framing and is not part of the
 *   frame; everything before it is, including a CR of a CR LF ending (raw
 *   bytes are evidence: the framer never trims or rewrites them).  Empty
 *   frames (two trailers in a row) carry nothing and are skipped (counted).
 * - Automatic (the default): chosen once per stream from its first byte, as
 *   rsyslog and syslog-ng do: '1'..'9' means octet counting, anything else
 *   non-transparent.
 *
 * Limits and hostile input
 *
 * - A frame longer than cfg.max_msg is cut: its first max_msg bytes are
 *   emitted flagged SC_FRAME_TRUNCATED | SC_FRAME_OVERSIZE, the rest is
 *   discarded (stats.discarded): for octet counting exactly the declared
 *   length is skipped, so the next frame is found; non-transparent frames
 *   are discarded up to the next trailer.
 * - An octet-counting error - a frame that does not start with '1'..'9', a
 *   length not followed by SP, or a length above cfg.len_limit (such as
 *   "214000000000 <120>...") - is counted (stats.errors) and switches the
 *   stream to non-transparent framing for good, from the first byte of the
 *   bad frame: the digits already read become part of the next frame, which
 *   is flagged SC_FRAME_RESYNC.  Nothing received is dropped and a garbage
 *   length cannot make the framer swallow gigabytes of later frames.
 * - NUL bytes are ordinary bytes (unless nul_trailer).  No input makes the
 *   framer read or write outside the caller's buffers.
 * - sc_framer_finish() at end of stream emits a frame that was begun but
 *   not completed flagged SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE (a peer
 *   that closes mid-frame loses nothing it sent; the record says it is a
 *   fragment).  Digits that may be the start of an octet count are
 *   emitted the same way (they may be all the peer sent); a complete
 *   `MSG-LEN SP` with no MSG byte after it is framing only and is not
 *   emitted (still counted in stats.incomplete).
 *
 * Memory
 *
 * Frames that lie whole inside the bytes of one sc_framer_feed() call are
 * passed to the callback straight from the caller's bytes (no copy).  Only
 * the part of a frame that spans calls is copied, into a buffer of
 * cfg.max_msg bytes the caller attaches (sc_framer_attach) before feeding and
 * may take back whenever sc_framer_holding() is false: a connection only
 * needs a buffer while a frame is split across reads.  The framer never
 * allocates.
 *
 * Thread-safety: one framer belongs to one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealcap/record.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How a stream is framed. */
enum sc_framing {
	SC_FRAMING_AUTO = 0,  /**< decided by the first byte of the stream */
	SC_FRAMING_OCTET = 1, /**< RFC 6587 octet counting */
	SC_FRAMING_LF = 2,    /**< RFC 6587 non-transparent, LF trailer */
};

/** Smallest cfg.max_msg (an octet count's digits must fit the buffer). */
#define SC_FRAMER_MSG_MIN 16u
/** Default cfg.len_limit: octet counts above it are treated as garbage. */
#define SC_FRAMER_LEN_LIMIT_DEFAULT (16u << 20)

/* Frame flags passed to the callback. */
#define SC_FRAME_OVERSIZE   (1u << 0) /**< cut at max_msg, rest discarded */
#define SC_FRAME_INCOMPLETE (1u << 1) /**< stream ended inside the frame */
#define SC_FRAME_RESYNC     (1u << 2) /**< first frame after an octet-count error */
/** Set with OVERSIZE and INCOMPLETE: the record's SC_REC_TRUNCATED bit. */
#define SC_FRAME_TRUNCATED  SC_REC_TRUNCATED

struct sc_framer_config {
	uint32_t max_msg;   /**< longest frame kept (SC_FRAMER_MSG_MIN..SC_REC_RAW_MAX) */
	uint32_t len_limit; /**< octet counts above this are an error; 0: default */
	uint8_t mode;       /**< enum sc_framing */
	bool nul_trailer;   /**< non-transparent: NUL ends a frame as LF does */
};

/** Counters of one framer (one writer: the framer's thread). */
struct sc_framer_stats {
	uint64_t frames;     /**< frames emitted */
	uint64_t bytes;      /**< bytes emitted in frames */
	uint64_t oversize;   /**< frames cut at max_msg */
	uint64_t incomplete; /**< frames the stream ended inside */
	uint64_t errors;     /**< octet-counting errors (stream switched to LF) */
	uint64_t discarded;  /**< bytes of oversize frames beyond max_msg */
	uint64_t stray;      /**< CR/LF bytes skipped between octet-counted frames */
	uint64_t empty;      /**< empty non-transparent frames skipped */
};

/**
 * A frame.  @p msg is valid only during the call (it points into the
 * caller's input or the framer's buffer); @p flags is SC_FRAME_*.
 */
typedef void (*sc_frame_fn)(void *arg, const uint8_t *msg, uint32_t len, uint32_t flags);

/** Framer state: embed it (e.g. in a connection); fields are private. */
struct sc_framer {
	struct sc_framer_config cfg;
	uint8_t mode;       /* SC_FRAMING_OCTET or _LF once decided */
	uint8_t state;
	uint8_t nhdr;       /* octet count digits read so far */
	uint8_t hdr[11];
	uint32_t flags;     /* flags the frame being read will carry */
	uint32_t used;      /* bytes of the current frame in buf */
	uint64_t left;      /* octet counting: bytes of the frame still to come */
	uint8_t *buf;       /* cfg.max_msg bytes, attached by the caller */
	struct sc_framer_stats stats;
};

/**
 * Prepare @p f for a new stream.  max_msg is clamped to
 * SC_FRAMER_MSG_MIN..SC_REC_RAW_MAX, len_limit to at least max_msg.
 * No buffer is attached; the counters start at zero.
 */
void sc_framer_init(struct sc_framer *f, const struct sc_framer_config *cfg);

/**
 * Attach @p buf (at least cfg.max_msg bytes, owned by the caller) as the
 * place partial frames are kept.  Only allowed while no buffer is attached
 * (and so, while !sc_framer_holding()).
 */
void sc_framer_attach(struct sc_framer *f, uint8_t *buf);

/**
 * True while the attached buffer holds part of a frame: it must stay
 * attached until a later feed completes the frame or finish() emits it.
 */
bool sc_framer_holding(const struct sc_framer *f);

/**
 * Take the attached buffer back (NULL if none).  Only when !holding;
 * returns NULL and keeps the buffer otherwise.
 */
uint8_t *sc_framer_detach(struct sc_framer *f);

/**
 * Consume @p len bytes of the stream, calling @p fn for every frame they
 * complete, in stream order.  All bytes are always consumed.  A buffer must
 * be attached (sc_framer_attach) unless @p len is 0.
 */
void sc_framer_feed(struct sc_framer *f, const uint8_t *data, size_t len, sc_frame_fn fn,
		    void *arg);

/**
 * End of stream: emit the frame in progress, if it has any byte, flagged
 * SC_FRAME_TRUNCATED | SC_FRAME_INCOMPLETE, then reset to the state of
 * sc_framer_init (counters and attached buffer are kept).
 */
void sc_framer_finish(struct sc_framer *f, sc_frame_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SEALCAP_FRAMER_H */

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_pipeline.sh BUILD_DIR [COUNT]
#
# The whole pipeline against the cost of just compressing and hashing the
# same bytes, measured in one run so the ratio survives a noisy machine:
#
#   1. sealcap-gen makes a capture of COUNT (default 1000000) ~250-byte
#      messages; extract_payloads writes the same messages back to back.
#   2. Each repetition (REPS, default 3; interleaved, so drift hits every
#      row alike) times, with the page cache warm:
#        sealcap --driver pcap --fsync none        pinned to one core (CORE)
#        sealcap --lanes 2                         on both cores
#        sealcap with no syslog port               pcap read + classify only
#        lz4 -1 -c, sha256sum, openssl dgst -sha256 over the flat file, pinned
#        sealctl verify of the 1-core store        pinned
#   3. Prints best and median wall / CPU time, rates, and the ratio
#      pipeline_time / (lz4_time + sha256_time) (the aim is <= 2.0).
#
# Prints figures; asserts nothing.  Data lives in a mktemp dir under TMPDIR
# (default /tmp), removed on exit.  Environment: REPS, CORE (default 1),
# CORES2 (default 0,1), TMPDIR.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [COUNT]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
BUILD=$(cd "$1" && pwd) || usage
COUNT=${2:-1000000}
REPS=${REPS:-3}
CORE=${CORE:-1}
CORES2=${CORES2:-0,1}

SEALCAP=$BUILD/sealcap
SEALCTL=$BUILD/tools/sealctl/sealctl
[ -x "$SEALCTL" ] || SEALCTL=$BUILD/tools/sealctl   # before tools/sealctl/ had its own meson.build
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
EXTRACT=$BUILD/bench/extract_payloads
for b in "$SEALCAP" "$SEALCTL" "$GEN" "$EXTRACT"; do
	[ -x "$b" ] || { echo "bench_pipeline: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done
for t in lz4 sha256sum openssl taskset awk; do
	command -v "$t" >/dev/null || { echo "bench_pipeline: needs $t" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
CAP=$WORK/cap.pcap
MSGS=$WORK/msgs.bin

# timed NAME STDOUT_FILE CMD...: append "wall user sys" (s) to $WORK/NAME.res
timed() {
	local name=$1 out=$2 rc=0 TIMEFORMAT='%3R %3U %3S'
	shift 2
	{ time "$@" >"$out" 2>"$WORK/$name.err" || rc=$?; } 2>>"$WORK/$name.res"
	if [ "$rc" -ne 0 ]; then
		echo "bench_pipeline: $name failed (exit $rc): $*" >&2
		cat "$WORK/$name.err" >&2
		exit 1
	fi
}

# best_med NAME FIELD(1 wall, 2 cpu) -> "best median" over the reps
best_med() {
	awk -v f="$2" '{ v = (f == 1) ? $1 : $2 + $3; print v }' "$WORK/$1.res" |
		sort -g | awk '{ a[NR] = $1 } END { printf "%.3f %.3f\n", a[1], a[int((NR + 1) / 2)] }'
}

stored_count() { sed -n 's/.*stored \([0-9]*\) in.*/\1/p' "$WORK/$1.err" | tail -1; }

echo "bench_pipeline: $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p')"
echo "bench_pipeline: load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (2 vCPUs shared: compare ratios, not absolutes)"
echo "bench_pipeline: COUNT=$COUNT REPS=$REPS, one-core runs on CPU $CORE, two-core runs on CPUs $CORES2, data in $WORK"

# ---- 1. data ---------------------------------------------------------------
TIMEFORMAT='%3R'
{ time "$GEN" --out "pcap:$CAP" --count "$COUNT" --size 250 --seed 1 >"$WORK/gen.out" 2>&1; } 2>"$WORK/gen.time" ||
	{ cat "$WORK/gen.out" >&2; exit 1; }
echo "generate: $(tail -1 "$WORK/gen.out")"
"$EXTRACT" "$CAP" "$MSGS" >"$WORK/extract.out"
read -r NMSG RAWB <<<"$(sed -n 's/^messages=\([0-9]*\) bytes=\([0-9]*\).*/\1 \2/p' "$WORK/extract.out")"
PCAPB=$(stat -c %s "$CAP")
echo "extract:  $NMSG messages, $RAWB message bytes (avg $(awk -v b="$RAWB" -v n="$NMSG" 'BEGIN{printf "%.1f", b/n}') B) from a $PCAPB-byte capture"
[ "$NMSG" -eq "$COUNT" ] || echo "bench_pipeline: warning: capture holds $NMSG syslog messages, not $COUNT"
LZ4B=$(lz4 -1 -c "$MSGS" | wc -c)

# ---- 2. measure ------------------------------------------------------------
for ((rep = 1; rep <= REPS; rep++)); do
	cat "$CAP" "$MSGS" >/dev/null   # warm the page cache

	rm -rf "$WORK/st1"
	timed sealcap1 /dev/null taskset -c "$CORE" "$SEALCAP" --driver pcap --pcap "$CAP" \
		--store "$WORK/st1" --fsync none
	timed verify "$WORK/verify.out" taskset -c "$CORE" "$SEALCTL" verify "$WORK/st1"
	if [ "$rep" -eq 1 ]; then
		DISKB=$(du -sb "$WORK/st1" | cut -f1)
		SEGB=$(cat "$WORK"/st1/segments/*.seg | wc -c)
		NSEG=$(ls "$WORK"/st1/segments | wc -l)
		VERIFY_LINE=$(head -1 "$WORK/verify.out")
	fi
	S1=$(stored_count sealcap1)
	rm -rf "$WORK/st1"   # dirty pages dropped, not written back during later runs

	rm -rf "$WORK/st2"
	timed sealcap2 /dev/null taskset -c "$CORES2" "$SEALCAP" --driver pcap --pcap "$CAP" \
		--store "$WORK/st2" --fsync none --lanes 2
	S2=$(stored_count sealcap2)
	rm -rf "$WORK/st2"

	# No port matches: every frame is read and classified, then skipped.
	rm -rf "$WORK/st0"
	timed readonly /dev/null taskset -c "$CORE" "$SEALCAP" --driver pcap --pcap "$CAP" \
		--store "$WORK/st0" --fsync none --syslog-ports 9
	rm -rf "$WORK/st0"

	timed lz4 /dev/null taskset -c "$CORE" lz4 -1 -c "$MSGS"
	timed sha256sum /dev/null taskset -c "$CORE" sha256sum "$MSGS"
	timed openssl /dev/null taskset -c "$CORE" openssl dgst -sha256 "$MSGS"

	echo "rep $rep/$REPS: sealcap 1-core $(tail -1 "$WORK/sealcap1.res" | cut -d' ' -f1)s" \
		"(stored $S1), 2-lane $(tail -1 "$WORK/sealcap2.res" | cut -d' ' -f1)s (stored $S2)," \
		"read-only $(tail -1 "$WORK/readonly.res" | cut -d' ' -f1)s," \
		"lz4 $(tail -1 "$WORK/lz4.res" | cut -d' ' -f1)s, sha256sum $(tail -1 "$WORK/sha256sum.res" | cut -d' ' -f1)s," \
		"openssl $(tail -1 "$WORK/openssl.res" | cut -d' ' -f1)s, verify $(tail -1 "$WORK/verify.res" | cut -d' ' -f1)s"
	[ "$S1" = "$NMSG" ] && [ "$S2" = "$NMSG" ] ||
		echo "bench_pipeline: warning: a pipeline run stored fewer than $NMSG messages"
done

# Per-repetition sums and ratios (same repetition = same machine weather).
paste -d' ' "$WORK/lz4.res" "$WORK/sha256sum.res" |
	awk '{ printf "%.3f %.3f %.3f\n", $1 + $4, $2 + $5, $3 + $6 }' >"$WORK/base.res"
paste -d' ' "$WORK/lz4.res" "$WORK/openssl.res" |
	awk '{ printf "%.3f %.3f %.3f\n", $1 + $4, $2 + $5, $3 + $6 }' >"$WORK/baseossl.res"

# ---- 3. report -------------------------------------------------------------
row() { # NAME LABEL
	local w c
	w=$(best_med "$1" 1)
	c=$(best_med "$1" 2)
	awk -v l="$2" -v w="$w" -v c="$c" -v n="$NMSG" -v b="$RAWB" 'BEGIN {
		split(w, W, " "); split(c, C, " ");
		printf "%-36s %8.3f %8.3f %8.3f %8.3f %11.0f %11.0f %8.1f %8.1f\n", l,
			W[1], W[2], C[1], C[2], n / W[1], n / W[2], b / W[1] / 1e6, b / W[2] / 1e6 }'
}

ratio() { # NUM DEN LABEL [FIELD]: best/best, median/median, and each repetition's own ratio
	local nb nm db dm per f=${4:-1}
	read -r nb nm <<<"$(best_med "$1" "$f")"
	read -r db dm <<<"$(best_med "$2" "$f")"
	per=$(paste -d' ' "$WORK/$1.res" "$WORK/$2.res" |
		awk -v f="$f" '{ n = f == 1 ? $1 : $2 + $3; d = f == 1 ? $4 : $5 + $6
			printf "%s%.2f", (NR > 1 ? " " : ""), n / d }')
	awk -v l="$3" -v nb="$nb" -v nm="$nm" -v db="$db" -v dm="$dm" -v per="$per" 'BEGIN {
		printf "%-52s best %5.2f  median %5.2f  per rep [%s]\n", l, nb / db, nm / dm, per }'
}

echo
echo "== pipeline vs baselines: $NMSG messages, $RAWB raw message bytes ($(awk -v b="$RAWB" 'BEGIN{printf "%.1f", b/1e6}') MB), best and median of $REPS =="
printf "%-36s %8s %8s %8s %8s %11s %11s %8s %8s\n" "measurement" "wall b" "wall m" "cpu b" "cpu m" \
	"msgs/s b" "msgs/s m" "MB/s b" "MB/s m"
row sealcap1 "sealcap, 1 lane, 1 core"
row sealcap2 "sealcap --lanes 2, 2 cores"
row readonly "sealcap pcap read+classify only"
row lz4 "lz4 -1 (same bytes, 1 core)"
row sha256sum "sha256sum (coreutils, 1 core)"
row openssl "openssl dgst -sha256 (1 core)"
row base "lz4 -1 + sha256sum"
row baseossl "lz4 -1 + openssl sha256"
row verify "sealctl verify (1 core)"
echo "(seconds; cpu = user + sys; msgs/s and MB/s of raw message bytes from wall time)"

echo
echo "== ratios (wall time unless noted) =="
ratio sealcap1 base "sealcap 1 core / (lz4 -1 + sha256sum)  [aim <= 2.0]"
ratio sealcap1 base "  the same, CPU time (user+sys)" 2
ratio sealcap1 baseossl "sealcap 1 core / (lz4 -1 + openssl sha256)"
ratio sealcap1 baseossl "  the same, CPU time (user+sys)" 2
ratio sealcap2 base "sealcap 2 lanes / (lz4 -1 + sha256sum)"
ratio readonly sealcap1 "pcap read+classify share of the 1-core run"
ratio verify sealcap1 "sealctl verify / sealcap 1 core"

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== store =="
echo "segments: $NSEG, segment bytes $SEGB, du -sb $DISKB"
awk -v raw="$RAWB" -v seg="$SEGB" -v lz="$LZ4B" -v pc="$PCAPB" 'BEGIN {
	printf "raw message bytes / segment bytes = %.2f (lz4 -1 alone on the raw bytes: %.2f; %.1f B on disk per message incl. record header)\n",
		raw / seg, raw / lz, seg / '"$NMSG"'
	printf "store is %.1f%% of the pcap size\n", 100 * seg / pc }'
echo "verify: $VERIFY_LINE"

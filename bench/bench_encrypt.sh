#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_encrypt.sh BUILD_DIR [COUNT]
#
# What encryption at rest costs the pipeline: the same capture ingested,
# interleaved REPS times (default 5, the order alternating) on one pinned
# core (CORE, default 1), with the default fsync policy and block size, by
#
#   plain      sealcap
#   encrypted  sealcap --encrypt-key K      (AES-256-GCM over every block's LZ4 output)
#
# and, next to it, `openssl speed -evp aes-256-gcm` on the same core at the
# stored size of an average block (what the sealer lane encrypts at once)
# and at 16 KiB.  Prints best and median wall and CPU (user + sys) time,
# rates, the encrypted run's time over plain (per repetition too), and what
# the openssl figure predicts: the stored bytes of a run divided by
# openssl's rate, as a share of the plain run's CPU time.  On a shared
# machine compare CPU ratios: wall time swings with the neighbours.  The
# encrypted store is verified with and without the key once.  Prints
# figures; asserts nothing.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 BUILD_DIR [COUNT]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
COUNT=${2:-1000000}
REPS=${REPS:-5}
CORE=${CORE:-1}
SEALCAP=$BUILD/sealcap
SEALCTL=$BUILD/tools/sealctl/sealctl
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
for b in "$SEALCAP" "$SEALCTL" "$GEN"; do
	[ -x "$b" ] || { echo "bench_encrypt: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done
command -v openssl >/dev/null || { echo "bench_encrypt: openssl (the command) missing" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-bench-enc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
CAP=$WORK/cap.pcap
KEY=$WORK/enc.key

echo "bench_encrypt: $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench_encrypt: COUNT=$COUNT REPS=$REPS on CPU $CORE, data in $WORK ($(df -T "$WORK" | awk 'NR==2{print $2}'))"
echo "bench_encrypt: $(openssl version)"
"$GEN" --out "pcap:$CAP" --count "$COUNT" --size 250 --seed 1 >/dev/null 2>&1
"$SEALCTL" enc-keygen "$KEY" >/dev/null

timed() { # NAME ARGS...: ingest into a fresh store, append "wall user sys" to NAME.res
	local name=$1 TIMEFORMAT='%3R %3U %3S'
	shift
	rm -rf "$WORK/st-$name"
	{ time taskset -c "$CORE" "$SEALCAP" --driver pcap --pcap "$CAP" --store "$WORK/st-$name" "$@" \
		2>"$WORK/$name.err"; } 2>>"$WORK/$name.res" || { cat "$WORK/$name.err" >&2; exit 1; }
}

STORED=0 BLOCKS=0
for ((rep = 1; rep <= REPS; rep++)); do
	cat "$CAP" >/dev/null
	# Alternate the order: the second run of a pair meets the first one's writeback.
	if ((rep % 2)); then
		timed plain
		timed enc --encrypt-key "$KEY"
	else
		timed enc --encrypt-key "$KEY"
		timed plain
	fi
	if [ "$rep" -eq 1 ]; then
		"$SEALCTL" verify "$WORK/st-enc" >"$WORK/enc.v0" || { cat "$WORK/enc.v0"; exit 1; }
		"$SEALCTL" verify --decrypt-key "$KEY" "$WORK/st-enc" >"$WORK/enc.v1" ||
			{ cat "$WORK/enc.v1"; exit 1; }
		echo "verify without the key: $(grep 'blocks encrypted:' "$WORK/enc.v0" | cut -d'(' -f1)"
		echo "verify with the key:    $(head -1 "$WORK/enc.v1")"
		# Stored bytes and blocks: what the lanes encrypt.
		read -r BLOCKS STORED <<<"$(sed -n 's/^OK: .* in \([0-9]*\) blocks.*stored \([0-9]*\) bytes.*/\1 \2/p' \
			"$WORK/enc.v1")"
	fi
	w() { tail -1 "$WORK/$1.res" | cut -d' ' -f1; }
	echo "rep $rep/$REPS: wall plain $(w plain)s encrypted $(w enc)s"
	rm -rf "$WORK"/st-*
done

# The payload a lane encrypts at once: a block's stored bytes (LZ4 output).
AVG=$(( (STORED - BLOCKS * 320) / (BLOCKS > 0 ? BLOCKS : 1) ))
[ "$AVG" -gt 0 ] || AVG=524288
speed() { # BYTES: AES-256-GCM bytes/s on the bench core
	taskset -c "$CORE" openssl speed -evp aes-256-gcm -bytes "$1" -seconds 3 -mr 2>/dev/null |
		awk -F: '/^\+F:/ { print $4 }'
}
SPEED_BLK=$(speed "$AVG")
SPEED_16K=$(speed 16384)

best_med() { # NAME FIELD (1 wall, 2 cpu): "best median"
	awk -v f="$2" '{ print (f == 1) ? $1 : $2 + $3 }' "$WORK/$1.res" | sort -g |
		awk '{ a[NR] = $1 } END { printf "%.3f %.3f", a[1], a[int((NR + 1) / 2)] }'
}
echo
printf "%-40s %8s %8s %8s %8s %11s %9s\n" "variant ($COUNT messages, 1 core)" "wall b" "wall m" \
	"cpu b" "cpu m" "msgs/s m" "MB/s m"
RAW=$(( COUNT * 250 ))
for v in plain enc; do
	read -r b m <<<"$(best_med $v 1)"
	read -r cb cm <<<"$(best_med $v 2)"
	l="plain"; [ $v = enc ] && l="--encrypt-key (AES-256-GCM)"
	awk -v l="$l" -v b="$b" -v m="$m" -v cb="$cb" -v cm="$cm" -v n="$COUNT" -v raw="$RAW" \
		'BEGIN { printf "%-40s %8.3f %8.3f %8.3f %8.3f %11.0f %9.1f\n", l, b, m, cb, cm, n / m, raw / m / 1e6 }'
done
echo
for f in 1 2; do
	per=$(paste -d' ' "$WORK/enc.res" "$WORK/plain.res" | awk -v f=$f '{
		printf "%s%.3f", (NR > 1 ? " " : ""), f == 1 ? $1 / $4 : ($2 + $3) / ($5 + $6) }')
	read -r vb vm <<<"$(best_med enc $f)"
	read -r pb pm <<<"$(best_med plain $f)"
	awk -v l="encrypted / plain, $([ $f = 1 ] && echo wall || echo cpu)" -v vb="$vb" -v vm="$vm" \
		-v pb="$pb" -v pm="$pm" -v per="$per" 'BEGIN {
		printf "%-26s best %.3f median %.3f per rep [%s]\n", l, vb / pb, vm / pm, per }'
done
read -r pcb pcm <<<"$(best_med plain 2)"
echo
awk -v s="$SPEED_BLK" -v s16="$SPEED_16K" -v avg="$AVG" -v st="$STORED" -v bl="$BLOCKS" \
	-v pcb="$pcb" -v core="$CORE" 'BEGIN {
	printf "openssl speed -evp aes-256-gcm, CPU %s: %.0f MB/s at %d bytes (an average stored block), %.0f MB/s at 16384\n", \
		core, s / 1e6, avg, s16 / 1e6
	printf "a run stores %d bytes in %d blocks: AES-256-GCM over them at that rate takes %.3f s,\n", st, bl, st / s
	printf "  %.1f%% of the plain run best CPU time (%.3f s): the cost openssl predicts, ratio %.3f\n", \
		100 * st / s / pcb, pcb, 1 + st / s / pcb
}'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

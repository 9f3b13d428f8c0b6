#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_sign.sh BUILD_DIR [COUNT]
#
# What signing costs the pipeline: the same capture ingested, interleaved
# REPS times (default 5) on one pinned core (CORE, default 1), with the
# default fsync policy (interval), by
#
#   plain      sealcap                                      (log tree leaves only)
#   signed     sealcap --sign-key K                         (default 10 s checkpoints)
#   ckpt-0.1s  sealcap --sign-key K --checkpoint-interval 0.1
#   epoch-1s   sealcap --sign-key K1 --seal-epoch 1         (the key evolves every second:
#                                                           checkpoint, rewrite + fdatasync
#                                                           of sign.key, every second)
#
# and prints best and median wall and CPU (user + sys) time, rates, and each
# signed variant's time over plain, per repetition too (the aim is <= 1.05).
# On a shared machine compare CPU ratios: wall time swings with the
# neighbours.  Every store is verified with the pinned master once.  Prints
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
	[ -x "$b" ] || { echo "bench_sign: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-bench-sign.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
CAP=$WORK/cap.pcap

echo "bench_sign: $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench_sign: COUNT=$COUNT REPS=$REPS on CPU $CORE, data in $WORK ($(df -T "$WORK" | awk 'NR==2{print $2}'))"
"$GEN" --out "pcap:$CAP" --count "$COUNT" --size 250 --seed 1 >/dev/null 2>&1
# One key per variant: a run moves its key forward, runs must not share one.
"$SEALCTL" keygen --out "$WORK/k" --origin bench/sign --epochs 1000 --epoch-seconds 3600 >/dev/null
"$SEALCTL" keygen --out "$WORK/k1" --origin bench/sign --epochs 7200 --epoch-seconds 1 >/dev/null

timed() { # NAME ARGS...: ingest into a fresh store, append "wall user sys" to NAME.res
	local name=$1 TIMEFORMAT='%3R %3U %3S'
	shift
	rm -rf "$WORK/st-$name"
	{ time taskset -c "$CORE" "$SEALCAP" --driver pcap --pcap "$CAP" --store "$WORK/st-$name" "$@" \
		2>"$WORK/$name.err"; } 2>>"$WORK/$name.res" || { cat "$WORK/$name.err" >&2; exit 1; }
}

for ((rep = 1; rep <= REPS; rep++)); do
	cat "$CAP" >/dev/null
	timed plain
	timed signed --sign-key "$WORK/k/sign.key"
	timed ckpt01 --sign-key "$WORK/k/sign.key" --checkpoint-interval 0.1
	timed epoch1 --sign-key "$WORK/k1/sign.key" --seal-epoch 1
	if [ "$rep" -eq 1 ]; then
		for v in signed ckpt01 epoch1; do
			k=$WORK/k; [ $v = epoch1 ] && k=$WORK/k1
			"$SEALCTL" verify --pubkey "$k/master.pub" "$WORK/st-$v" >"$WORK/$v.verify" ||
				{ cat "$WORK/$v.verify"; exit 1; }
			echo "verify $v: $(sed -n 's/^signed: //p' "$WORK/$v.verify")"
		done
	fi
	w() { tail -1 "$WORK/$1.res" | cut -d' ' -f1; }
	echo "rep $rep/$REPS: wall plain $(w plain)s signed $(w signed)s ckpt-0.1s $(w ckpt01)s" \
		"epoch-1s $(w epoch1)s ($(grep -c . "$WORK/st-ckpt01/checkpoints" | awk '{print int($1/5)}')" \
		"checkpoints at 0.1 s)"
	rm -rf "$WORK"/st-*
done

# best_med NAME FIELD (1 wall, 2 cpu): "best median"
best_med() {
	awk -v f="$2" '{ print (f == 1) ? $1 : $2 + $3 }' "$WORK/$1.res" | sort -g |
		awk '{ a[NR] = $1 } END { printf "%.3f %.3f", a[1], a[int((NR + 1) / 2)] }'
}
echo
printf "%-44s %8s %8s %8s %8s %11s\n" "variant ($COUNT messages, 1 core)" "wall b" "wall m" "cpu b" \
	"cpu m" "msgs/s m"
for v in plain signed ckpt01 epoch1; do
	read -r b m <<<"$(best_med $v 1)"
	read -r cb cm <<<"$(best_med $v 2)"
	case $v in
	plain) l="plain (leaves, no signing)";; signed) l="--sign-key, 10 s checkpoints";;
	ckpt01) l="--sign-key, --checkpoint-interval 0.1";; epoch1) l="--sign-key, 1 s epochs";;
	esac
	awk -v l="$l" -v b="$b" -v m="$m" -v cb="$cb" -v cm="$cm" -v n="$COUNT" \
		'BEGIN { printf "%-44s %8.3f %8.3f %8.3f %8.3f %11.0f\n", l, b, m, cb, cm, n / m }'
done
echo
for f in 1 2; do
	for v in signed ckpt01 epoch1; do
		per=$(paste -d' ' "$WORK/$v.res" "$WORK/plain.res" | awk -v f=$f '{
			printf "%s%.3f", (NR > 1 ? " " : ""), f == 1 ? $1 / $4 : ($2 + $3) / ($5 + $6) }')
		read -r vb vm <<<"$(best_med $v $f)"
		read -r pb pm <<<"$(best_med plain $f)"
		awk -v l="$v / plain, $([ $f = 1 ] && echo wall || echo cpu)" -v vb="$vb" -v vm="$vm" \
			-v pb="$pb" -v pm="$pm" -v per="$per" 'BEGIN {
			printf "%-24s best %.3f median %.3f per rep [%s]  [aim <= 1.05]\n", l, vb / pb, vm / pm, per }'
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_search.sh BUILD_DIR [COUNT]
#
# Search on a big store, against the plain way of searching the same logs:
#
#   1. Builds a store of COUNT (default 50,000,000) generated records in
#      chunks of CHUNK (default 5,000,000): each chunk is a sealcap-gen
#      capture (SOURCES devices, PPS packets per second of capture time, so
#      50M span 69 hours at the default 200) ingested by
#      `sealcap --driver pcap --lanes LANES --fsync none`, then deleted.
#      The same messages, one per line, go to an LZ4 file (`lz4 -1`).
#   2. Index cost: `sealctl rebuild-index` (the very function the writer
#      runs per block) timed over the whole store.
#   3. One host, one hour: `sealctl search --host H --from T --to T+59:59`
#      latency, REPS times (best and median), with --stats.
#   4. Full scan, REPS times interleaved: `sealctl search --grep NEEDLE
#      --count` (every block read, payload digest checked, decompressed,
#      every record matched) next to `lz4 -d -c FILE | grep -F -c NEEDLE` on
#      the LZ4 file, for an absent needle and a rare one.  Throughput is raw
#      message MB (10^6 bytes) per CPU second (user + sys of all processes):
#      "per core".
#
# Prints figures; asserts nothing (beyond both scans counting alike).  The
# data lives in a mktemp dir under TMPDIR (default /tmp) on the local disk,
# removed on exit.  Needs about COUNT * 250 bytes of free space (12.5 GB at
# 50M; checked first).  Environment: CHUNK, REPS (3), PPS (200), SOURCES
# (200), LANES (2), TMPDIR, KEEP=1 (keep the data, e.g. to profile).
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [COUNT]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
BUILD=$(cd "$1" && pwd) || usage
COUNT=${2:-50000000}
CHUNK=${CHUNK:-5000000}
REPS=${REPS:-3}
PPS=${PPS:-200}
SOURCES=${SOURCES:-200}
LANES=${LANES:-2}
T0=1767225600               # 2026-01-01T00:00:00Z, the first capture time

SEALCAP=$BUILD/sealcap
SEALCTL=$BUILD/tools/sealctl/sealctl
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
for b in "$SEALCAP" "$SEALCTL" "$GEN"; do
	[ -x "$b" ] || { echo "bench_search: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done
for t in lz4 grep awk df date; do
	command -v "$t" >/dev/null || { echo "bench_search: needs $t" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-bench-search.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	trap 'echo "bench_search: kept $WORK (KEEP=1): remove it when done"' EXIT
else
	trap 'rm -rf "$WORK"' EXIT
fi
trap 'exit 130' INT TERM
S=$WORK/store
LZ=$WORK/msgs.lz4

need_kb=$((COUNT / 1000 * 250))        # store ~110, LZ4 ~70, one chunk ~60 bytes/record
avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
echo "bench_search: $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p')"
echo "bench_search: load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (shared vCPUs: other builds run too)"
echo "bench_search: COUNT=$COUNT CHUNK=$CHUNK PPS=$PPS SOURCES=$SOURCES LANES=$LANES REPS=$REPS"
echo "bench_search: data in $WORK; free space:"
df -h "$WORK" | sed 's/^/    /'
if [ "$avail_kb" -lt "$need_kb" ]; then
	echo "bench_search: needs about $((need_kb / 1000000)) GB free there, has $((avail_kb / 1000000)) GB" >&2
	exit 1
fi

# timed NAME CMD...: run, append "wall user sys" (s) to $WORK/NAME.res, stdout to $WORK/NAME.out
timed() {
	local name=$1 rc=0 TIMEFORMAT='%3R %3U %3S'
	shift
	{ time "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?; } 2>>"$WORK/$name.res"
	# grep -c and sealctl search exit 1 when nothing matched
	if [ "$rc" -gt 1 ]; then
		echo "bench_search: $name failed (exit $rc): $*" >&2
		cat "$WORK/$name.err" >&2
		exit 1
	fi
}

# best_med NAME FIELD(1 wall, 2 cpu) -> "best median"
best_med() {
	awk -v f="$2" '{ v = (f == 1) ? $1 : $2 + $3; print v }' "$WORK/$1.res" |
		sort -g | awk '{ a[NR] = $1 } END { printf "%.3f %.3f\n", a[1], a[int((NR + 1) / 2)] }'
}

# ---- 1. the store ------------------------------------------------------------
echo
echo "== building the store: $COUNT records in chunks of $CHUNK"
done_n=0
i=0
gen_s=0
ingest_s=0
while [ "$done_n" -lt "$COUNT" ]; do
	n=$((COUNT - done_n < CHUNK ? COUNT - done_n : CHUNK))
	start=$(date -u -d "@$((T0 + done_n / PPS))" +%FT%TZ)
	cap=$WORK/chunk.pcap
	t=$(date +%s.%N)
	"$GEN" --out "pcap:$cap" --count "$n" --seed $((i + 1)) --sources "$SOURCES" --pps "$PPS" \
		--start "$start" >"$WORK/gen.log" 2>&1 || { cat "$WORK/gen.log" >&2; exit 1; }
	t2=$(date +%s.%N)
	"$SEALCAP" --driver pcap --pcap "$cap" --store "$S" --lanes "$LANES" --fsync none \
		>"$WORK/ingest.log" 2>&1 || { cat "$WORK/ingest.log" >&2; exit 1; }
	t3=$(date +%s.%N)
	rm -f "$cap"
	gen_s=$(awk -v a="$gen_s" -v b="$t" -v c="$t2" 'BEGIN { print a + c - b }')
	ingest_s=$(awk -v a="$ingest_s" -v b="$t2" -v c="$t3" 'BEGIN { print a + c - b }')
	done_n=$((done_n + n))
	i=$((i + 1))
	printf '    chunk %d: %d records from %s, ingest %.1f s (%.0f msg/s)\n' "$i" "$n" "$start" \
		"$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')" \
		"$(awk -v n="$n" -v a="$t2" -v b="$t3" 'BEGIN { print n / (b - a) }')"
done
printf '    generated in %.0f s, ingested in %.0f s: %.0f msg/s (wall, %d lanes)\n' "$gen_s" "$ingest_s" \
	"$(awk -v n="$COUNT" -v s="$ingest_s" 'BEGIN { print n / s }')" "$LANES"
timed verify "$SEALCTL" verify "$S"
sed -n '1,2p' "$WORK/verify.out" | sed 's/^/    /'
echo "    store: $(du -sh "$S/segments" | cut -f1) in $(ls "$S/segments" | wc -l) segment(s), index $(du -sh "$S/index" | cut -f1)"
echo "    verify: $(awk '{ printf "%.1f s wall, %.1f s CPU", $1, $2 + $3 }' "$WORK/verify.res")"

"$SEALCTL" cat --format raw "$S" | lz4 -1 -q >"$LZ"
echo "    same messages one per line, lz4 -1: $(du -sh "$LZ" | cut -f1)"
df -h "$WORK" | sed -n '2s/^/    free space now: /p'

# ---- 2. the index's cost --------------------------------------------------------
timed rebuild "$SEALCTL" rebuild-index "$S"
awk -v n="$COUNT" '{ printf "    rebuild-index: %.1f s wall, %.1f s CPU = %.0f ns CPU per record (the writer pays this as it appends)\n", $1, $2 + $3, ($2 + $3) * 1e9 / n }' "$WORK/rebuild.res"

# ---- 3. one host, one hour --------------------------------------------------------
mid=$((T0 + COUNT / PPS / 2))
from=$(date -u -d "@$mid" +%FT%TZ)
to=$(date -u -d "@$((mid + 3599))" +%FT%TZ)
"$SEALCTL" search --from "$from" --limit 1000 --format csv "$S" >"$WORK/pick.csv"
host=$(awk -F, 'NR > 1 && $5 != "\"\"" { gsub(/"/, "", $5); print $5; exit }' "$WORK/pick.csv")
echo
echo "== one host, one hour: --host $host --from $from --to $to"
for r in $(seq "$REPS"); do
	timed hour "$SEALCTL" search --host "$host" --from "$from" --to "$to" --stats "$S"
done
read -r hb hm < <(best_med hour 1)
read -r hcb hcm < <(best_med hour 2)
echo "    latency: best $hb s, median $hm s wall (CPU best $hcb s, median $hcm s; page cache warm); $(wc -l <"$WORK/hour.out") record(s)"
sed -n 's/.*stats: /    /p' "$WORK/hour.err" | tail -1

# ---- 4. full scan ---------------------------------------------------------------------
"$SEALCTL" search --count --stats --grep sealcap-bench-absent-needle "$S" >/dev/null 2>"$WORK/raw.err" || true
raw=$(sed -n 's/.*read ([0-9]* bytes stored, \([0-9]*\) raw).*/\1/p' "$WORK/raw.err")
"$SEALCTL" search --from "$from" --limit 1 --format csv --regex 'patient="P[0-9]{8}"' "$S" >"$WORK/pick.csv"
rare=$(sed -n '2s/.*patient=""\(P[0-9]*\)"".*/\1/p' "$WORK/pick.csv")
echo
echo "== full scan over $(awk -v r="$raw" 'BEGIN { printf "%.0f", r / 1e6 }') MB of raw messages"
for needle in sealcap-bench-absent-needle "$rare"; do
	rm -f "$WORK/scan.res" "$WORK/lz4grep.res"
	for r in $(seq "$REPS"); do
		timed scan "$SEALCTL" search --count --grep "$needle" "$S"
		timed lz4grep bash -c "lz4 -d -c '$LZ' | grep -F -c -- '$needle'"
	done
	read -r sb sm < <(best_med scan 2)
	read -r lb lm < <(best_med lz4grep 2)
	read -r swb swm < <(best_med scan 1)
	read -r lwb lwm < <(best_med lz4grep 1)
	echo "  needle '$needle': sealctl counted $(cat "$WORK/scan.out"), lz4 | grep $(cat "$WORK/lz4grep.out")"
	awk -v r="$raw" -v sb="$sb" -v sm="$sm" -v lb="$lb" -v lm="$lm" -v swb="$swb" -v lwb="$lwb" 'BEGIN {
		printf "    sealctl search --count --grep:  CPU best %.2f s, median %.2f s -> %.0f MB/s per core (best), wall best %.2f s\n", sb, sm, r / 1e6 / sb, swb
		printf "    lz4 -d | grep -F -c:            CPU best %.2f s, median %.2f s -> %.0f MB/s per core (best), wall best %.2f s\n", lb, lm, r / 1e6 / lb, lwb
		printf "    ratio (lz4|grep CPU / sealctl CPU, best): %.2f (>= 1: the scan is no slower)\n", lb / sb
	}'
done

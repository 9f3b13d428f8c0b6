#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Overload soak (issue 7): sealcap --driver socket on loopback is offered
# more than it can seal, for DURATION seconds (default 600), and every
# SAMPLE seconds the engine's memory (VmRSS, VmHWM from /proc) and its
# counters (received, stored, drops by reason) are printed, so a growing
# heap or an unbounded queue shows as a rising column.  At the end: peak
# RSS, RSS at the first and last sample, drops by reason, the gap events
# the store sealed, and sealctl verify.
#
#   bench/soak.sh BUILD [DURATION] [RATE]
#
# RATE (default 400000 msgs/s) should exceed what the engine seals on this
# machine (bench_live.sh: ~270k msgs/s here), so drops happen and are
# counted.  The store grows by ~40 bytes per stored message: mind the disk
# (STORE_DIR, default a directory under /tmp, removed at the end unless
# KEEP=1).
set -u
build=${1:?usage: bench/soak.sh BUILD [DURATION] [RATE]}
duration=${2:-600}
rate=${3:-400000}
sample=${SAMPLE:-10}
dir=${STORE_DIR:-$(mktemp -d /tmp/sealcap-soak.XXXXXX)}
store=$dir/store
sealcap=$build/sealcap
gen=$build/tools/sealcap-gen/sealcap-gen
sealctl=$build/tools/sealctl/sealctl
eng=; genpid=
cleanup() {
	[ -n "$genpid" ] && kill "$genpid" 2>/dev/null
	[ -n "$eng" ] && kill "$eng" 2>/dev/null
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT

echo "soak: $duration s at $rate msgs/s offered, sample every $sample s; store $store"
echo "caveat: 2 shared vCPUs; engine and generator each taskset to one core"
df -h "$dir" | tail -1
taskset -c 0 "$sealcap" --store "$store" --driver socket --listen udp://127.0.0.1:0 \
	--fsync interval 2>"$dir/eng.err" &
eng=$!
for _ in $(seq 200); do
	port=$(grep -o 'listening on udp://127.0.0.1:[0-9]*' "$dir/eng.err" | grep -o '[0-9]*$')
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "${port:-}" ] || { echo "sealcap did not start:"; cat "$dir/eng.err"; exit 1; }
taskset -c 1 "$gen" --out "udp://127.0.0.1:$port" --rate "$rate" --duration "$duration" \
	--size 120 --sources 200 2>"$dir/gen.err" &
genpid=$!

field() { awk -v k="$1" '$1 == k { print $2 }' "$store/run/stats" 2>/dev/null; }
printf '%6s %10s %10s %12s %12s %10s %10s %10s\n' t_s rss_kb hwm_kb received stored ring_full pool_empty kernel
peak=0; first=; last=
t0=$(date +%s)
while kill -0 "$genpid" 2>/dev/null; do
	sleep "$sample"
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$eng/status)
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$eng/status)
	[ -z "$first" ] && first=$rss
	last=$rss
	[ "$hwm" -gt "$peak" ] && peak=$hwm
	printf '%6d %10s %10s %12s %12s %10s %10s %10s\n' $(( $(date +%s) - t0 )) "$rss" "$hwm" \
		"$(field received)" "$(field stored)" "$(field drop_ring_full)" \
		"$(field drop_pool_empty)" "$(field drop_kernel)"
done
wait "$genpid"; genpid=
kill -TERM "$eng"; wait "$eng"; eng=
echo "peak RSS (VmHWM) ${peak} kB; RSS first sample ${first} kB, last ${last} kB"
tail -2 "$dir/eng.err"
tail -1 "$dir/gen.err"
echo "gap events sealed: $("$sealctl" cat --events "$store" 2>/dev/null | grep -c '"event":"gap"')"
"$sealctl" verify "$store" | head -2

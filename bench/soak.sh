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
# RATE (default 400000 msgs/s) is what the generator is asked for; on two
# shared vCPUs it reaches 120k-330k msgs/s, about what the engine seals, so
# the default run shows memory under a full load.  To see overload (drops
# by reason, gap events), make the engine's work heavier than the offered
# load with real flags, e.g. a sync per small block:
#   ENGINE_ARGS="--fsync block --block-bytes 64K" bench/soak.sh BUILD 600
# The store grows by ~40 bytes per stored message: mind the disk
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
	${ENGINE_ARGS:---fsync interval} 2>"$dir/eng.err" &
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
# pool_kb: resident part of the largest mapping, the RX batch pool (--batches
# x --batch-bytes, touched as batches are first filled): RSS minus it is the
# rest of the engine.
printf '%6s %10s %10s %10s %12s %12s %10s %10s %10s\n' t_s rss_kb hwm_kb pool_kb received stored \
	ring_full pool_empty kernel
peak=0; first=; last=
t0=$(date +%s)
while kill -0 "$genpid" 2>/dev/null; do
	sleep "$sample"
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$eng/status)
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$eng/status)
	[ -z "$first" ] && first=$rss
	last=$rss
	[ "$hwm" -gt "$peak" ] && peak=$hwm
	pool=$(awk '/^Size:/ { size = $2 } /^Rss:/ { if (size > max) { max = size; r = $2 } }
		    END { print r }' /proc/$eng/smaps)
	printf '%6d %10s %10s %10s %12s %12s %10s %10s %10s\n' $(( $(date +%s) - t0 )) "$rss" "$hwm" "$pool" \
		"$(field received)" "$(field stored)" "$(field drop_ring_full)" \
		"$(field drop_pool_empty)" "$(field drop_kernel)"
done
wait "$genpid"; genpid=
kill -TERM "$eng"; wait "$eng"; eng=
echo "peak RSS (VmHWM) ${peak} kB; RSS first sample ${first} kB, last ${last} kB"
tail -2 "$dir/eng.err"
tail -1 "$dir/gen.err"
# Gap events by reason: how many, messages they account for, first from, last to.
"$sealctl" cat --events "$store" 2>/dev/null | grep -o '{"event":"gap"[^}]*}' |
	awk -F'"' '{ r = $8; c = $11; gsub(/[:,]/, "", c); n[r]++; s[r] += c;
		     if (!(r in f)) f[r] = $14; t[r] = $18 }
		   END { for (r in n) printf "gap events %s: %d, %d messages, %s .. %s\n", r, n[r], s[r], f[r], t[r];
			 if (length(n) == 0) print "gap events: none" }'
"$sealctl" verify "$store" | head -2

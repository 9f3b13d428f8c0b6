#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_live.sh BUILD_DIR [RATES...]
#
# Live UDP capture over loopback: the engine's socket driver against the
# bare kernel path (recv_sink), in one run so the ratios survive a noisy
# machine.  Receivers run on CPU CORE (default 1), sealcap-gen on CPU
# GEN_CORE (default 0), this script's own helpers on GEN_CORE too.
#
#   1. Rates.  For each offered rate (default 25k 50k 100k 150k 200k msgs/s;
#      "max" means flat out), for SECS seconds (default 5; count = rate x
#      SECS, "max" sends MAX_COUNT), first recv_sink then
#        sealcap --driver socket --listen udp://127.0.0.1:P --store D --fsync interval
#      receive `sealcap-gen --rate R --count N --sources 50 --seed SEED`.
#      Once the kernel queue is empty sealcap gets SIGTERM.  Reported per
#      rate: sent, stored (distinct seq=N in the store, bench/store_seq), loss,
#      duplicates, drops by reason, CPU seconds, bytes on disk, compression
#      ratio (sealctl verify).  Then the highest loss-free rate of each and
#      the engine's as a fraction of the sink's.
#   2. Capacity.  The generator (one core, also doing the kernel's delivery
#      work) cannot offer more than ~150-250k msgs/s, so the receivers are
#      measured on a backlog instead: the receiver starts with a --rcvbuf of
#      CAP_RCVBUF (default 1G; net.core.rmem_max is raised for the run and
#      restored), is SIGSTOPped, CAP_COUNT (default 1000000) datagrams are sent
#      flat out, /proc/net/udp says how many queued and their kernel size,
#      then SIGCONT and the time until everything queued is received (sink) or
#      stored and the engine has exited (sealcap, --count).  Rows: recv_sink,
#      sealcap as configured by default, sealcap with deep rings (what-if),
#      and sealcap --driver pcap on the same messages (no socket: the sealing
#      ceiling on one core).
#   3. Profile (PERF=1, default when perf exists): perf record -e cpu-clock of
#      the engine during a capacity drain and during a live run at PERF_RATE.
#   4. What-if: recv_sink at PERF_RATE reading again at once after a short
#      burst (as the driver does) vs sleeping COALESCE_US first.
#
# Prints figures; asserts nothing.  Environment: SECS, MAX_COUNT, REPS
# (default 1), SEED (1), SOURCES (50), CORE (1), GEN_CORE (0), RCVBUF
# (engine default 32M for the rate runs), CAP_REPS (2), ENGINE_ARGS (more sealcap flags for
# the rate runs, e.g. "--ring-size 8192 --batches 8192 --batch-bytes 64K"), CAP_COUNT, CAP_RCVBUF, CAP=0 (skip
# capacity), PERF=0 (skip profile), PERF_RATE (100000), PORT (first port
# tried; default random in 20000-29999), COALESCE_US (100; 0 skips part 4),
# TMPDIR, KEEP=1 (keep the work dir).
# Runs as root for SO_RCVBUFFORCE and the sysctl; traffic stays on 127.0.0.1.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [RATE...]   (RATE: 50000, 50k or max)" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(25k 50k 100k 150k 200k)
SECS=${SECS:-5}
MAX_COUNT=${MAX_COUNT:-1000000}
REPS=${REPS:-1}
SEED=${SEED:-1}
SOURCES=${SOURCES:-50}
CORE=${CORE:-1}
GEN_CORE=${GEN_CORE:-0}
RCVBUF=${RCVBUF:-32M}
CAP=${CAP:-1}
CAP_COUNT=${CAP_COUNT:-1000000}
CAP_RCVBUF=${CAP_RCVBUF:-1G}
CAP_REPS=${CAP_REPS:-2}
PERF=${PERF:-1}
PERF_RATE=${PERF_RATE:-100000}

SEALCAP=$BUILD/sealcap
SEALCTL=$BUILD/tools/sealctl/sealctl
[ -x "$SEALCTL" ] || SEALCTL=$BUILD/tools/sealctl
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
SINK=$BUILD/bench/recv_sink
SEQ=$BUILD/bench/store_seq
for b in "$SEALCAP" "$SEALCTL" "$GEN" "$SINK" "$SEQ"; do
	[ -x "$b" ] || { echo "bench_live: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done
for t in taskset awk ss sysctl /usr/bin/time pgrep; do
	command -v "$t" >/dev/null || { echo "bench_live: needs $t" >&2; exit 1; }
done
command -v perf >/dev/null || PERF=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-live.XXXXXX")
RMEM_OLD=
PIDS=()          # every process we started that may still run

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill -CONT "$p" 2>/dev/null || true
			kill -TERM "$p" 2>/dev/null || true
		fi
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$RMEM_OLD" ]; then
		sysctl -qw net.core.rmem_max="$RMEM_OLD" &&
			echo "bench_live: net.core.rmem_max restored to $RMEM_OLD" >&2
	fi
	if [ "${KEEP:-0}" = 1 ]; then echo "bench_live: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# This shell and its helpers stay off the receivers' core.
taskset -cp "$GEN_CORE" $$ >/dev/null

rate_num() { # 50k -> 50000, 1.5M -> 1500000, max -> max
	case $1 in
	max) echo max ;;
	*[kK]) awk -v v="${1%[kK]}" 'BEGIN { printf "%d\n", v * 1000 }' ;;
	*[mM]) awk -v v="${1%[mM]}" 'BEGIN { printf "%d\n", v * 1000000 }' ;;
	*) echo "$1" ;;
	esac
}

NEXT_PORT=${PORT:-$((20000 + RANDOM % 10000))}
pick_port() { # a UDP port nobody has bound on this host
	local p=$NEXT_PORT
	while [ -n "$(ss -Hlun "sport = :$p")" ]; do p=$((p + 1)); done
	NEXT_PORT=$((p + 1))
	echo "$p"
}

# udp_q PORT -> "rx_queue_bytes drops" of the socket bound to 127.0.0.1:PORT
udp_q() {
	awk -v a="0100007F:$(printf '%04X' "$1")" '
		function hex(s,  i, v) { v = 0; s = toupper(s)
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
			return v }
		$2 == a { split($5, q, ":"); printf "%.0f %d\n", hex(q[2]), $13; found = 1; exit }
		END { if (!found) print "0 0" }' /proc/net/udp
}

# start_rx NAME CMD...: start CMD pinned to CORE under /usr/bin/time; sets
# TPID (time) and RPID (the receiver itself); waits for "listening on".
start_rx() {
	local name=$1 i
	shift
	taskset -c "$CORE" /usr/bin/time -o "$WORK/$name.time" -f '%e %U %S' "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	TPID=$!
	PIDS+=("$TPID")
	RPID=
	for ((i = 0; i < 500; i++)); do
		[ -n "$RPID" ] || RPID=$(pgrep -P "$TPID" || true)
		if [ -n "$RPID" ] && grep -q "listening on" "$WORK/$name.err"; then
			PIDS+=("$RPID")
			return 0
		fi
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.01
	done
	echo "bench_live: $name did not start: $*" >&2
	cat "$WORK/$name.err" >&2
	exit 1
}

# gen NAME PORT RATE COUNT: sealcap-gen on GEN_CORE (RATE "max": flat out)
gen() {
	local name=$1 port=$2 rate=$3 count=$4 ra=()
	[ "$rate" = max ] || ra=(--rate "$rate")
	taskset -c "$GEN_CORE" "$GEN" --out "udp://127.0.0.1:$port" "${ra[@]}" --count "$count" \
		--sources "$SOURCES" --seed "$SEED" >"$WORK/$name.gen" 2>&1 || true
	# "sealcap-gen: N messages sent, F failed, ..., T s, R msg/s, ..."
	read -r G_SENT G_FAILED _ G_RATE <<<"$(sed -n \
		's/^sealcap-gen: \([0-9]*\) messages sent, \([0-9]*\) failed.*, \([0-9.]*\) s, \([0-9.]*\) msg\/s.*/\1 \2 \3 \4/p' \
		"$WORK/$name.gen" | tail -1)"
	if [ -z "${G_SENT:-}" ]; then
		echo "bench_live: sealcap-gen failed:" >&2
		cat "$WORK/$name.gen" >&2
		exit 1
	fi
}

# wait_queue_empty PORT PID [TIMEOUT_S]: until the kernel holds nothing for PORT
wait_queue_empty() {
	local i q
	for ((i = 0; i < ${3:-30} * 100; i++)); do
		read -r q _ <<<"$(udp_q "$1")"
		[ "$q" -eq 0 ] && return 0
		kill -0 "$2" 2>/dev/null || return 0
		sleep 0.01
	done
	echo "bench_live: warning: kernel queue of port $1 not empty after ${3:-30} s" >&2
}

# forget PID...: drop ended processes from the cleanup list
forget() {
	local keep=() p q drop
	for p in "${PIDS[@]}"; do
		drop=0
		for q in "$@"; do [ "$p" = "$q" ] && drop=1; done
		[ "$drop" = 1 ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# finish: wait for the receiver (TPID/RPID of start_rx) to end
finish() {
	wait "$TPID" 2>/dev/null || true
	forget "$TPID" "$RPID"
}

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2" | tail -1; }
cpu_of() { awk '{ printf "%.2f", $2 + $3 }' "$WORK/$1.time"; }
# engine summary line -> "received stored ring_full kernel"
eng_counts() {
	local f=$WORK/$1.err
	echo "$(sed -n 's/^sealcap: received \([0-9]*\) messages.*/\1/p' "$f" | tail -1) \
$(sed -n 's/^sealcap: received .*, stored \([0-9]*\) in.*/\1/p' "$f" | tail -1) \
$(sed -n 's/^sealcap: received .* ring_full=\([0-9]*\).*/\1/p' "$f" | tail -1) \
$(sed -n 's/^sealcap: driver socket: .*kernel-drops=\([0-9]*\).*/\1/p' "$f" | tail -1)" |
		awk '{ for (i = 1; i <= 4; i++) if ($i == "") $i = 0; print }'
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
neighbours() { # the busiest processes that are not ours
	ps -eo pid=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '$1 != me && $2 > 5 { printf "%s(%s%%) ", $3, $2 }' | head -c 300 || true
	echo
}

echo "bench_live: $(date -u +%FT%TZ) $(uname -r), $(nproc --all) CPUs: $(lscpu | sed -n 's/^Model name: *//p')"
echo "bench_live: load average at start: $(load) (2 vCPUs shared: compare ratios, not absolutes)"
echo "bench_live: busy neighbours now: $(neighbours)"
echo "bench_live: receivers on CPU $CORE, sealcap-gen on CPU $GEN_CORE; --sources $SOURCES --seed $SEED;" \
	"rate runs $SECS s each (max: $MAX_COUNT msgs), REPS=$REPS; work dir $WORK"
echo "bench_live: net.core.rmem_max=$(sysctl -n net.core.rmem_max) net.ipv4.udp_mem=\"$(sysctl -n net.ipv4.udp_mem | tr '\t' ' ')\"" \
	"net.core.netdev_max_backlog=$(sysctl -n net.core.netdev_max_backlog)"

# ---- 1. rates -----------------------------------------------------------------
printf '%s\n' "rcv asked offered sent stored loss_pct dups kern_drop ring_full cpu_s cpu_us_msg disk_b ratio note" \
	>"$WORK/rates.tab"

run_rate() { # REP RATE
	local rep=$1 rate=$2 count port name st note q
	if [ "$rate" = max ]; then count=$MAX_COUNT; else count=$((rate * SECS)); fi

	# -- recv_sink
	name=sink_${rate}_$rep
	port=$(pick_port)
	start_rx "$name" "$SINK" --listen "127.0.0.1:$port" --rcvbuf "$RCVBUF" --count "$count"
	gen "$name" "$port" "$rate" "$count"
	# Ends by itself at --count; else stopped as sealcap is, once the kernel queue is empty.
	wait_queue_empty "$port" "$RPID"
	sleep 0.3
	kill -TERM "$RPID" 2>/dev/null || true
	finish
	note=
	[ "$G_FAILED" -eq 0 ] || note="gen_failed=$G_FAILED"
	awk -v rcv=recv_sink -v asked="$rate" -v off="$G_RATE" -v sent="$G_SENT" \
		-v st="$(kv distinct "$WORK/$name.out")" -v dups="$(kv dups "$WORK/$name.out")" \
		-v kd="$(kv kernel_drops "$WORK/$name.out")" -v pd="$(kv proc_drops "$WORK/$name.out")" \
		-v cpu="$(cpu_of "$name")" -v note="$note" -v bursts="$(kv bursts "$WORK/$name.out")" 'BEGIN {
		if (pd > kd) kd = pd
		if (bursts > 0) note = sprintf("msgs/recvmmsg=%.1f %s", st / bursts, note)
		printf "%s %s %.0f %d %d %.3f %d %d - %.2f %.2f - - %s\n", rcv, asked, off, sent, st,
			sent ? 100 * (sent - st) / sent : 0, dups, kd, cpu, st ? cpu * 1e6 / st : 0, note }' \
		>>"$WORK/rates.tab"

	# -- sealcap
	name=eng_${rate}_$rep
	st=$WORK/st_${rate}_$rep
	port=$(pick_port)
	# shellcheck disable=SC2086 # ENGINE_ARGS: words on purpose
	start_rx "$name" "$SEALCAP" --driver socket --listen "udp://127.0.0.1:$port" --store "$st" \
		--fsync interval --rcvbuf "$RCVBUF" ${ENGINE_ARGS:-}
	gen "$name" "$port" "$rate" "$count"
	wait_queue_empty "$port" "$RPID"
	sleep 0.3
	kill -TERM "$RPID"
	finish
	"$SEQ" --expect "$count" "$st" >"$WORK/$name.seq" || true
	"$SEALCTL" verify "$st" >"$WORK/$name.verify" || true
	read -r _ _ ringf kern <<<"$(eng_counts "$name")"
	note=
	[ "$G_FAILED" -eq 0 ] || note="gen_failed=$G_FAILED"
	grep -q '^OK:' "$WORK/$name.verify" || note="$note verify:$(head -1 "$WORK/$name.verify" | cut -c1-40)"
	awk -v rcv=sealcap -v asked="$rate" -v off="$G_RATE" -v sent="$G_SENT" \
		-v st="$(kv distinct "$WORK/$name.seq")" -v dups="$(kv dups "$WORK/$name.seq")" \
		-v kd="$kern" -v rf="$ringf" -v cpu="$(cpu_of "$name")" \
		-v disk="$(cat "$st"/segments/* 2>/dev/null | wc -c)" \
		-v ratio="$(sed -n 's/.*(ratio \([0-9.]*\)).*/\1/p' "$WORK/$name.verify")" \
		-v note="$note" 'BEGIN {
		printf "%s %s %.0f %d %d %.3f %d %d %d %.2f %.2f %d %s %s\n", rcv, asked, off, sent, st,
			sent ? 100 * (sent - st) / sent : 0, dups, kd, rf, cpu, st ? cpu * 1e6 / st : 0,
			disk, ratio == "" ? "-" : ratio, note }' >>"$WORK/rates.tab"
	rm -rf "$st"
	tail -2 "$WORK/rates.tab" | awk '{ printf "  %-9s asked %-7s offered %7s/s sent %8s stored %8s loss %6s%%\n",
		$1, $2, $3, $4, $5, $6 }'
}

# idle NAME CMD...: CPU share and wake-ups of a receiver that gets no traffic for 3 s
idle() {
	local name=$1 a b ca cb hz
	shift
	start_rx "$name" "$@"
	sleep 1
	hz=$(getconf CLK_TCK)
	a=$(awk '{ print $14 + $15 }' "/proc/$RPID/stat")
	ca=$(cat /proc/"$RPID"/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }')
	sleep 3
	b=$(awk '{ print $14 + $15 }' "/proc/$RPID/stat")
	cb=$(cat /proc/"$RPID"/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }')
	kill -TERM "$RPID"
	finish
	awk -v n="$name" -v a="$a" -v b="$b" -v hz="$hz" -v ca="$ca" -v cb="$cb" 'BEGIN {
		printf "idle %-9s: %5.1f%% of a core, %6.0f voluntary context switches/s (all threads)\n",
			n, 100 * (b - a) / hz / 3, (cb - ca) / 3 }'
}

echo
echo "== 0. idle: no traffic for 3 s =="
port=$(pick_port)
idle recv_sink "$SINK" --listen "127.0.0.1:$port"
port=$(pick_port)
idle sealcap "$SEALCAP" --driver socket --listen "udp://127.0.0.1:$port" --store "$WORK/st_idle" --fsync interval
rm -rf "$WORK/st_idle"

echo
echo "== 1. offered rates: recv_sink then sealcap, $SECS s per rate =="
for ((rep = 1; rep <= REPS; rep++)); do
	for r in "${RATES[@]}"; do
		run_rate "$rep" "$(rate_num "$r")"
	done
done
echo "load average after the rate runs: $(load)"

echo
echo "== live capture: loopback UDP, receiver pinned to CPU $CORE, sealcap-gen to CPU $GEN_CORE =="
printf "%-9s %7s %9s %9s %9s %8s %5s %9s %9s %7s %7s %11s %6s %s\n" receiver asked offered/s sent stored \
	loss% dups kern_drop ring_full cpu_s us/msg disk_bytes ratio note
sort -k2,2g -k1,1 -s "$WORK/rates.tab" | awk '$1 != "rcv" {
	printf "%-9s %7s %9s %9s %9s %8s %5s %9s %9s %7s %7s %11s %6s %s\n",
		$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }'

# Highest loss-free rate: a rate counts when every repetition stored every
# message sent.  Compared by asked rate (both receivers got the same
# generator settings); the offered (achieved) rates are shown next to it.
awk 'NR > 1 && $2 != "max" {
	key = $1 SUBSEP $2
	if (!(key in bad)) bad[key] = 0
	if ($5 != $4 || $4 == 0) bad[key] = 1
	if (!(key in off) || $3 < off[key]) off[key] = $3     # the lowest offered rate of the reps
	rcv[$1] = 1
}
END {
	for (k in bad) {
		split(k, p, SUBSEP)
		if (!bad[k] && p[2] + 0 > best[p[1]] + 0) { best[p[1]] = p[2]; boff[p[1]] = off[k] }
		if (bad[k] && (!(p[1] in firstbad) || p[2] + 0 < firstbad[p[1]] + 0)) { firstbad[p[1]] = p[2]; foff[p[1]] = off[k] }
	}
	for (r in rcv) {
		printf "highest loss-free rate, %-9s: ", r
		if (r in best) printf "asked %s msgs/s (offered %.0f)", best[r], boff[r]
		else printf "none"
		if (r in firstbad) printf "; lost messages at asked %s (offered %.0f)\n", firstbad[r], foff[r]
		else printf "; lost nothing at any rate tried\n"
		if ((r in best) && boff[r] < 0.95 * best[r])
			printf "  (the generator fell more than 5%% short of that rate)\n"
	}
	if (("sealcap" in best) && ("recv_sink" in best)) {
		printf "sealcap / recv_sink highest loss-free rate = %.2f", best["sealcap"] / best["recv_sink"]
		if (!("recv_sink" in firstbad))
			printf " (an upper bound: recv_sink lost nothing, its ceiling is above the highest rate tried)"
		printf "\n"
	} else if ("recv_sink" in best)
		print "sealcap / recv_sink highest loss-free rate = 0 (sealcap lost messages at every rate tried)"
}' "$WORK/rates.tab"
echo "(offered = what sealcap-gen achieved; stored = distinct seq=N in the store / received by the sink;"
echo " loss = (sent - stored) / sent; cpu_s = user+sys of the receiver's whole life, start and shutdown included)"

# ---- 2. capacity ---------------------------------------------------------------
cap_run() { # NAME KIND(sink|engine) [extra engine args...]: one backlog drain
	local name=$1 kind=$2 port st q drops tcont tempty="" tend qd i
	shift 2
	port=$(pick_port)
	st=$WORK/cst_$name
	if [ "$kind" = sink ]; then
		start_rx "$name" "$SINK" --listen "127.0.0.1:$port" --rcvbuf "$CAP_RCVBUF" \
			--count "$CAP_COUNT" --idle-ms 2000
	else
		# --count N-1: the engine stops on the message after its count
		# (see README), so N queued end it.
		start_rx "$name" "$SEALCAP" --driver socket --listen "udp://127.0.0.1:$port" --store "$st" \
			--fsync interval --rcvbuf "$CAP_RCVBUF" --count $((CAP_COUNT - 1)) "$@"
	fi
	kill -STOP "$RPID"
	gen "$name" "$port" max "$CAP_COUNT"
	sleep 0.2
	read -r q drops <<<"$(udp_q "$port")"
	if [ -n "${PERF_ON:-}" ]; then
		perf record -q -e cpu-clock -F 1999 -g -p "$RPID" -o "$WORK/$name.perf" \
			>/dev/null 2>"$WORK/$name.perf.err" &
		PERF_PID=$!
		PIDS+=("$PERF_PID")
		sleep 1
	fi
	tcont=$(date +%s%N)
	kill -CONT "$RPID"
	for ((i = 0; i < 12000; i++)); do
		kill -0 "$RPID" 2>/dev/null || break
		if [ -z "$tempty" ]; then
			read -r qd _ <<<"$(udp_q "$port")"
			[ "$qd" -eq 0 ] && tempty=$(date +%s%N)
		fi
		sleep 0.005
	done
	tend=$(date +%s%N)
	if kill -0 "$RPID" 2>/dev/null; then
		echo "bench_live: $name still running 60 s after SIGCONT: SIGTERM" >&2
		kill -TERM "$RPID"
	fi
	finish
	[ -z "${PERF_PID:-}" ] || { wait "$PERF_PID" 2>/dev/null || true; forget "$PERF_PID"; PERF_PID=; }
	[ -n "$tempty" ] || tempty=$tend
	local queued=$((G_SENT - drops)) got stored cpu secs rate extra
	cpu=$(cpu_of "$name")
	if [ "$kind" = sink ]; then
		got=$(kv msgs "$WORK/$name.out")
		stored=$(kv distinct "$WORK/$name.out")
		# drained when the last datagram was read (the sink's own clock)
		secs=$(awk -v a="$tcont" -v b="$(kv last_rt_ns "$WORK/$name.out")" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		extra="-"
	else
		read -r got stored ringf _ <<<"$(eng_counts "$name")"
		stored=$("$SEQ" --expect "$CAP_COUNT" "$st" | sed -n 's/.* distinct=\([0-9]*\).*/\1/p')
		# done when the engine has sealed, written, synced and exited
		secs=$(awk -v a="$tcont" -v b="$tend" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		extra=$ringf
		CAP_DISK=$(cat "$st"/segments/* | wc -c)
		rm -rf "$st"
	fi
	printf '%s %s %d %d %d %d %d %s %s %.3f %s %s\n' "$name" "$CAP_REP" "$G_SENT" "$queued" "$q" "$got" "$stored" \
		"$extra" "$secs" "$(awk -v a="$tcont" -v b="$tempty" 'BEGIN { print (b - a) / 1e9 }')" "$cpu" \
		"$G_RATE" >>"$WORK/cap.tab"
}

if [ "$CAP" = 1 ]; then
	echo
	echo "== 2. capacity: a backlog of $CAP_COUNT datagrams queued while the receiver is stopped, $CAP_REPS repetition(s) =="
	RMEM_OLD=$(sysctl -n net.core.rmem_max)
	sysctl -qw net.core.rmem_max=2147483647
	echo "net.core.rmem_max $RMEM_OLD -> 2147483647 for this part (restored at exit); receivers ask --rcvbuf $CAP_RCVBUF"
	: >"$WORK/cap.tab"
	# The same messages from a capture file, for the engine without the socket.
	"$GEN" --out "pcap:$WORK/cap.pcap" --count "$CAP_COUNT" --sources "$SOURCES" --seed "$SEED" \
		>"$WORK/pcapgen.out" 2>&1
	for ((CAP_REP = 1; CAP_REP <= CAP_REPS; CAP_REP++)); do
		cap_run recv_sink sink
		cap_run sealcap engine
		[ "$CAP_REP" -ne 1 ] || CAP_DISK_DEF=$CAP_DISK
		cap_run sealcap_deep engine --ring-size 32768 --batches 32768 --batch-bytes 64K
		cat "$WORK/cap.pcap" >/dev/null
		taskset -c "$CORE" /usr/bin/time -o "$WORK/pcap.time" -f '%e %U %S' "$SEALCAP" --driver pcap \
			--pcap "$WORK/cap.pcap" --store "$WORK/cst_pcap" --fsync interval >/dev/null 2>"$WORK/pcap.err"
		read -r _ pstored _ _ <<<"$(eng_counts pcap)"
		rm -rf "$WORK/cst_pcap"
		echo "pcap $CAP_REP $CAP_COUNT - - - $pstored - $(cut -d' ' -f1 "$WORK/pcap.time") - $(cpu_of pcap) -" \
			>>"$WORK/cap.tab"
		echo "  rep $CAP_REP/$CAP_REPS done, load $(load)"
	done
	rm -f "$WORK/cap.pcap"
	sysctl -qw net.core.rmem_max="$RMEM_OLD"
	RMEM_OLD=

	echo
	echo "load average after the capacity runs: $(load)"
	echo "== capacity: drain a queued backlog on one core (CPU $CORE) =="
	printf "%-36s %8s %8s %7s %8s %8s %9s %8s %8s %6s %5s %9s %9s\n" receiver sent queued B/dgram received \
		stored ring_full drain_s kq_empty cpu_s core% stored/s per_cpu_s
	awk '{
		label = $1 == "recv_sink" ? "recv_sink" : $1 == "sealcap" ? "sealcap (defaults)" \
			: $1 == "sealcap_deep" ? "sealcap --ring-size/--batches 32768" : "sealcap --driver pcap (same msgs)"
		printf "%-36s %8d %8s %7s %8s %8d %9s %8.3f %8s %6.2f %5.0f %9.0f %9.0f\n", label " #" $2, $3, $4,
			($4 == "-" ? "-" : sprintf("%.0f", $5 / $4)), $6, $7, $8, $9, $10, $11,
			($9 + 0 > 0 ? 100 * $11 / $9 : 0), ($9 + 0 > 0 ? $7 / $9 : 0), ($11 + 0 > 0 ? $7 / $11 : 0)
	}' "$WORK/cap.tab"
	echo "(queued = sent - the socket's drops in /proc/net/udp before SIGCONT; B/dgram = kernel rx_queue bytes"
	echo " per queued datagram (skb truesize); drain_s = SIGCONT to the last datagram read (recv_sink) or to"
	echo " engine exit with everything sealed, written and synced (sealcap), or the whole run (pcap);"
	echo " kq_empty = SIGCONT until /proc/net/udp showed an empty queue; core% = cpu_s / drain_s, well under"
	echo " 100 means something else ran on the core; stored/s = stored / drain_s; per_cpu_s = stored / cpu_s,"
	echo " the rate with the core to itself; #N = repetition)"
	awk '$2 ~ /^[0-9]+$/ {
		r = $9 + 0 > 0 ? $7 / $9 : 0
		rate[$1, $2] = r
		if (r > best[$1]) best[$1] = r
		c = $11 + 0 > 0 ? $7 / $11 : 0
		crate[$1, $2] = c
		if (c > cbest[$1]) cbest[$1] = c
		if ($4 != "-" && $4 < $3) short = short sprintf(" %s#%s: %d of %d", $1, $2, $4, $3)
		if ($1 == "sealcap" && $3 > 0) lost[$2] = ($3 - $7) / $3
		reps[$2] = 1
	}
	END {
		sink = best["recv_sink"]; eng = best["sealcap"]; deep = best["sealcap_deep"]; pc = best["pcap"]
		if (short != "") printf "not every datagram could be queued:%s (the rest were dropped by the kernel)\n", short
		else print "every datagram queued without a kernel drop"
		printf "best of the repetitions: recv_sink drains %.0f msgs/s; sealcap stores %.0f msgs/s (%.2f of the sink);\n",
			sink, eng, sink ? eng / sink : 0
		printf "  deep rings %.0f msgs/s (%.2f of the sink); from a capture file %.0f msgs/s (%.2f of the sink)\n",
			deep, sink ? deep / sink : 0, pc, sink ? pc / sink : 0
		printf "per repetition, sealcap / recv_sink:"
		for (k = 1; k in reps; k++)
			printf " #%d %.2f (sealcap lost %.1f%%)", k, rate["recv_sink", k] ? rate["sealcap", k] / rate["recv_sink", k] : 0,
				100 * lost[k]
		printf "\n"
		printf "per CPU second (best): recv_sink %.0f, sealcap %.0f (%.2f), deep rings %.0f (%.2f), pcap %.0f (%.2f) msgs\n",
			cbest["recv_sink"], cbest["sealcap"], cbest["recv_sink"] ? cbest["sealcap"] / cbest["recv_sink"] : 0,
			cbest["sealcap_deep"], cbest["recv_sink"] ? cbest["sealcap_deep"] / cbest["recv_sink"] : 0,
			cbest["pcap"], cbest["recv_sink"] ? cbest["pcap"] / cbest["recv_sink"] : 0
		printf "per repetition, per CPU second, sealcap / recv_sink:"
		for (k = 1; k in reps; k++)
			printf " #%d %.2f", k, crate["recv_sink", k] ? crate["sealcap", k] / crate["recv_sink", k] : 0
		printf "\n"
		printf "vs the issue (tuned rsyslog ~600000 msgs/s plain text on one core; aim 1200000 sealed):\n"
		printf "  wall:     sealcap (defaults) %.2fx rsyslog, %.2f of the aim; deep rings %.2fx, %.2f; pcap %.2fx, %.2f; recv_sink alone %.2fx, %.2f\n",
			eng / 6e5, eng / 1.2e6, deep / 6e5, deep / 1.2e6, pc / 6e5, pc / 1.2e6, sink / 6e5, sink / 1.2e6
		printf "  per CPU s: sealcap (defaults) %.2fx rsyslog, %.2f of the aim; deep rings %.2fx, %.2f; pcap %.2fx, %.2f; recv_sink alone %.2fx, %.2f\n",
			cbest["sealcap"] / 6e5, cbest["sealcap"] / 1.2e6, cbest["sealcap_deep"] / 6e5, cbest["sealcap_deep"] / 1.2e6,
			cbest["pcap"] / 6e5, cbest["pcap"] / 1.2e6, cbest["recv_sink"] / 6e5, cbest["recv_sink"] / 1.2e6
	}' "$WORK/cap.tab"
	echo "store: $CAP_DISK_DEF segment bytes for sealcap (defaults) #1"
fi

# ---- 3. profile ----------------------------------------------------------------
perf_top() { # FILE TITLE
	echo
	echo "-- $2: share by thread and object --"
	perf report -i "$1" --no-children -g none --sort comm,dso 2>/dev/null | awk '/^ *[0-9]/ && $1 + 0 >= 0.5' | head -20 || true
	echo "-- $2: top symbols --"
	perf report -i "$1" --no-children -g none --sort comm,sym 2>/dev/null | awk '/^ *[0-9]/' | head -30 || true
}

if [ "$PERF" = 1 ]; then
	echo
	echo "== 3. profile: perf record -e cpu-clock of the engine (software clock, ~2 kHz) =="
	if [ "$CAP" = 1 ]; then
		RMEM_OLD=$(sysctl -n net.core.rmem_max)
		sysctl -qw net.core.rmem_max=2147483647
		CAP_REP=perf PERF_ON=1 cap_run sealcap_perf engine
		sysctl -qw net.core.rmem_max="$RMEM_OLD"
		RMEM_OLD=
		perf_top "$WORK/sealcap_perf.perf" "capacity drain, default config"
	fi
	port=$(pick_port)
	start_rx eng_perf "$SEALCAP" --driver socket --listen "udp://127.0.0.1:$port" --store "$WORK/st_perf" \
		--fsync interval --rcvbuf "$RCVBUF"
	taskset -c "$GEN_CORE" "$GEN" --out "udp://127.0.0.1:$port" --rate "$PERF_RATE" \
		--count $((PERF_RATE * 5)) --sources "$SOURCES" --seed "$SEED" >"$WORK/eng_perf.gen" 2>&1 &
	GPID=$!
	PIDS+=("$GPID")
	sleep 1
	perf record -q -e cpu-clock -F 1999 -g -p "$RPID" -o "$WORK/live.perf" -- sleep 3 \
		>/dev/null 2>"$WORK/live.perf.err" || true
	wait "$GPID" || true
	wait_queue_empty "$port" "$RPID"
	kill -TERM "$RPID"
	finish
	forget "$GPID"
	perf_top "$WORK/live.perf" "live at $PERF_RATE msgs/s, 3 s"
	echo "engine: $(grep '^sealcap: received' "$WORK/eng_perf.err")"
	rm -rf "$WORK/st_perf"
fi

# ---- 4. what-if: fewer wake-ups ------------------------------------------------
# The driver reads again at once after a short burst and sleeps in poll()
# when the socket is empty, so at live rates it wakes every few datagrams.
# recv_sink --coalesce-us sleeps a little after a short burst instead.
if [ "${COALESCE_US:-100}" != 0 ]; then
	echo
	echo "== 4. what-if: recv_sink at $PERF_RATE msgs/s for 5 s, reading at once vs sleeping ${COALESCE_US:-100} us after a short burst =="
	for c in 0 "${COALESCE_US:-100}"; do
		port=$(pick_port)
		start_rx "coal_$c" "$SINK" --listen "127.0.0.1:$port" --rcvbuf "$RCVBUF" \
			--count $((PERF_RATE * 5)) --coalesce-us "$c"
		gen "coal_$c" "$port" "$PERF_RATE" $((PERF_RATE * 5))
		wait_queue_empty "$port" "$RPID"
		sleep 0.3
		kill -TERM "$RPID" 2>/dev/null || true
		finish
		awk -v c="$c" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			cpu = v["cpu_user_s"] + v["cpu_sys_s"]
			printf "coalesce %4s us: received %d, kernel drops %s, %.1f msgs/recvmmsg, cpu %.2f s (%.2f us/msg), %d voluntary context switches\n",
				c, v["msgs"], v["kernel_drops"], v["bursts"] ? v["msgs"] / v["bursts"] : 0, cpu,
				v["msgs"] ? cpu * 1e6 / v["msgs"] : 0, v["nvcsw"] }' "$WORK/coal_$c.out"
	done
fi
echo
echo "load average at end: $(load)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# bench_dpdk.sh BUILD_DIR [RATES...]
#
# The DPDK path next to the socket path, in one run so the ratios survive a
# noisy machine.  The engine runs on CPU ENG_CORE (default 0), sealcap-gen
# on CPU GEN_CORE (default 1), this script's own helpers on GEN_CORE too.
#
#   dpdk    sealcap --driver dpdk, net_memif server, EAL -l ENG_CORE
#           <- sealcap-gen --out dpdk, net_memif client, EAL -l GEN_CORE
#           (both memif ends bsize=16384, --no-huge --no-shconf)
#   socket  sealcap --driver socket --listen udp://127.0.0.1:P, taskset ENG_CORE
#           <- sealcap-gen --out udp://127.0.0.1:P, taskset GEN_CORE
#
#   0. Idle (IDLE_SECS, default 2; 0 skips): each engine's CPU share and
#      wake-ups with no traffic.
#   1. Ladder.  For each rate (default 50k 100k 200k 400k 800k max; "max" is
#      flat out), dpdk then socket, `sealcap-gen --rate R --count N --sources
#      50 --size 250 --seed 1` with N = rate x SECS (default 3) capped at
#      MAX_COUNT (1000000), or FLAT_COUNT (2000000) flat out.  The engine
#      gets --count N and stops by itself once the N-th message is in and
#      sealed; if messages were lost it is stopped with SIGTERM once its
#      STORE/run/stats stop moving.  Then the dpdk path once more flat out
#      with --dpdk-lossless (LOSSLESS=0 skips it).  REPS (default 1)
#      repeats the whole ladder; a rate is loss-free only when every
#      repetition stored everything.
#   2. Per run: sent (generator), stored (distinct seq=N in the store,
#      bench/store_seq), drops by reason (the engine's final line), receive
#      span and rates, CPU per message of the engine (user+sys after its
#      ready line, /proc/PID/stat and /usr/bin/time) and of the generator
#      (after "link up" for dpdk), sealctl verify of every store.
#   3. Summary: loss-free rate (the highest offered rate up the ladder
#      before the first asked rate that lost anything), flat-out capacity,
#      CPU per message, and the dpdk/socket ratios; the table also goes to
#      RESULTS as markdown.
#
# Prints figures; asserts nothing; not part of the test suite.  Environment:
# SECS, MAX_COUNT, FLAT_COUNT, REPS, SEED, SOURCES, SIZE, ENG_CORE, GEN_CORE,
# IDLE_SECS, LOSSLESS, ENGINE_ARGS (more sealcap flags for every engine run),
# MEM (EAL -m, default 256), RESULTS (markdown file; default
# $TMPDIR/sealcap-bench-dpdk-<UTC time>.md), PORT (first UDP port tried),
# TMPDIR, KEEP=1 (keep the work dir).  Traffic: memif (abstract unix socket)
# and 127.0.0.1 only.  Root is not needed (the socket engine's 32M rcvbuf is
# capped by net.core.rmem_max without it).
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [RATE...]   (RATE: 50000, 50k or max)" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(50k 100k 200k 400k 800k max)
SECS=${SECS:-3}
MAX_COUNT=${MAX_COUNT:-1000000}
FLAT_COUNT=${FLAT_COUNT:-2000000}
SEED=${SEED:-1}
SOURCES=${SOURCES:-50}
SIZE=${SIZE:-250}
ENG_CORE=${ENG_CORE:-0}
GEN_CORE=${GEN_CORE:-1}
IDLE_SECS=${IDLE_SECS:-2}
LOSSLESS=${LOSSLESS:-1}
REPS=${REPS:-1}
MEM=${MEM:-256}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${RESULTS:-${TMPDIR:-/tmp}/sealcap-bench-dpdk-$STAMP.md}
EAL_COMMON="--no-huge --no-shconf --no-pci --no-telemetry --log-level=error"
# bsize above the largest frame: DPDK 22.11's memif copy-mode TX splits and
# repeats chained frames with the default 2048-byte buffers (see tests/unit/test_dpdk.c).
MEMIF_ARGS=",bsize=16384"

SEALCAP=$BUILD/sealcap
SEALCTL=$BUILD/tools/sealctl/sealctl
[ -x "$SEALCTL" ] || SEALCTL=$BUILD/tools/sealctl
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
SEQ=$BUILD/bench/store_seq
for b in "$SEALCAP" "$SEALCTL" "$GEN" "$SEQ"; do
	[ -x "$b" ] || { echo "bench_dpdk: $b missing (ninja -C $BUILD)" >&2; exit 1; }
done
for t in taskset awk ss /usr/bin/time pgrep getconf; do
	command -v "$t" >/dev/null || { echo "bench_dpdk: needs $t" >&2; exit 1; }
done
"$SEALCAP" --help 2>&1 | grep -q "^Driver 'dpdk'" ||
	{ echo "bench_dpdk: $SEALCAP was built without DPDK (meson -Ddpdk=enabled, libdpdk-dev)" >&2; exit 1; }
[ "$ENG_CORE" != "$GEN_CORE" ] ||
	echo "bench_dpdk: warning: ENG_CORE = GEN_CORE: two busy pollers on one core crawl (DPDK-NOTES 1)" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-dpdk.XXXXXX")
PIDS=()          # every process we started that may still run
HZ=$(getconf CLK_TCK)

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench_dpdk: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# This shell and its helpers stay off the engine's core.
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

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
vcsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
neighbours() { # the busiest processes that are not ours
	ps -eo pid=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '$1 != me && $2 > 5 { printf "%s(%s%%) ", $3, $2 }' | head -c 300 || true
	echo
}

NSOCK=0
# eng_cmd PATH STORE COUNT [lossless]: sets ENG (the engine's argv) and READY
eng_cmd() {
	local path=$1 store=$2 count=$3 lossless=${4:-}
	ENG=("$SEALCAP" --store "$store" --fsync interval)
	[ "$count" = 0 ] || ENG+=(--count "$count")
	if [ "$path" = dpdk ]; then
		NSOCK=$((NSOCK + 1))
		SOCK=/run/sealcap-bench-$$-$NSOCK.sock    # abstract: no file, unique per run
		ENG+=(--driver dpdk --dpdk-args "-l $ENG_CORE -m $MEM $EAL_COMMON --vdev=net_memif0,role=server,socket=$SOCK$MEMIF_ARGS")
		[ -z "$lossless" ] || ENG+=(--dpdk-lossless)
		READY="rx-queues 1 ready"
	else
		PORTNUM=$(pick_port)
		ENG+=(--driver socket --listen "udp://127.0.0.1:$PORTNUM")
		READY="listening on"
	fi
	# shellcheck disable=SC2206 # ENGINE_ARGS: words on purpose
	ENG+=(${ENGINE_ARGS:-})
}

# start_eng NAME: start ENG pinned to ENG_CORE under /usr/bin/time; sets
# TPID (time), RPID (the engine), C0 (its CPU ticks at the ready line).
start_eng() {
	local name=$1 i
	taskset -c "$ENG_CORE" /usr/bin/time -o "$WORK/$name.time" -f '%e %U %S' "${ENG[@]}" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	TPID=$!
	PIDS+=("$TPID")
	RPID=
	for ((i = 0; i < 1500; i++)); do
		[ -n "$RPID" ] || RPID=$(pgrep -P "$TPID" || true)
		if [ -n "$RPID" ] && grep -q "$READY" "$WORK/$name.err"; then
			PIDS+=("$RPID")
			C0=$(ticks "$RPID")
			return 0
		fi
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.01
	done
	echo "bench_dpdk: $name did not start: ${ENG[*]}" >&2
	cat "$WORK/$name.err" >&2
	exit 1
}

# gen_start NAME PATH RATE COUNT: sealcap-gen on GEN_CORE in the background;
# sets GTPID (time) and, for dpdk, G0 = its CPU ticks at "link up, sending".
gen_start() {
	local name=$1 path=$2 rate=$3 count=$4 ra=() out gpid i
	[ "$rate" = max ] || ra=(--rate "$rate")
	if [ "$path" = dpdk ]; then
		out=(--out dpdk --dpdk-args "-l $GEN_CORE -m $MEM $EAL_COMMON --vdev=net_memif0,role=client,socket=$SOCK$MEMIF_ARGS")
	else
		out=(--out "udp://127.0.0.1:$PORTNUM")
	fi
	taskset -c "$GEN_CORE" /usr/bin/time -o "$WORK/$name.gtime" -f '%e %U %S' "$GEN" "${out[@]}" \
		"${ra[@]}" --count "$count" --sources "$SOURCES" --size "$SIZE" --seed "$SEED" \
		>"$WORK/$name.gen" 2>&1 &
	GTPID=$!
	PIDS+=("$GTPID")
	G0=0
	[ "$path" = dpdk ] || return 0
	# The EAL start (PMD loading, memory) is not per-message work.
	gpid=
	for ((i = 0; i < 3000; i++)); do
		[ -n "$gpid" ] || gpid=$(pgrep -P "$GTPID" || true)
		if [ -n "$gpid" ] && grep -q "link up, sending" "$WORK/$name.gen"; then
			G0=$(ticks "$gpid")
			return 0
		fi
		kill -0 "$GTPID" 2>/dev/null || return 0
		sleep 0.01
	done
}

# gen_wait NAME: sets G_SENT G_FAILED G_SECS (sending time) G_RATE G_CPU (s, after G0)
gen_wait() {
	local name=$1
	wait "$GTPID" || true
	forget "$GTPID"
	# "sealcap-gen: N messages sent, F failed, ..., T s, R msg/s, ..."
	read -r G_SENT G_FAILED G_SECS G_RATE <<<"$(sed -n \
		's/^sealcap-gen: \([0-9]*\) messages sent, \([0-9]*\) failed.*, \([0-9.]*\) s, \([0-9.]*\) msg\/s.*/\1 \2 \3 \4/p' \
		"$WORK/$name.gen" | tail -1)"
	if [ -z "${G_SENT:-}" ]; then
		echo "bench_dpdk: sealcap-gen failed:" >&2
		cat "$WORK/$name.gen" >&2
		G_SENT=0 G_FAILED=0 G_SECS=0 G_RATE=0
	fi
	G_CPU=$(awk -v g0="$G0" -v hz="$HZ" '{ printf "%.3f", $2 + $3 - g0 / hz }' "$WORK/$name.gtime")
}

# received STORE: messages the engine took in (drops inside it included),
# from STORE/run/stats (published each second while it runs)
received() { awk '$1 == "received" { n = $2 } END { print n + 0 }' "$1/run/stats" 2>/dev/null || echo 0; }

# watch_stall STORE COUNT FLAG: the engine (RPID) stops by itself once it
# has taken in COUNT messages.  If it has not and its count stops moving for
# 3 s, messages were lost before it (socket buffer, NIC): SIGTERM it (it
# drains, seals and exits) and touch FLAG.  SIGTERM in any case after 120 s.
watch_stall() {
	local store=$1 count=$2 flag=$3 last=-1 n since=$SECONDS start=$SECONDS
	while kill -0 "$RPID" 2>/dev/null; do
		n=$(received "$store")
		if [ "$n" != "$last" ]; then
			last=$n
			since=$SECONDS
		fi
		if { [ "$n" -lt "$count" ] && [ $((SECONDS - since)) -ge 3 ]; } ||
			[ $((SECONDS - start)) -ge 120 ]; then
			: >"$flag"
			kill -TERM "$RPID" 2>/dev/null || true
			return 0
		fi
		sleep 0.25
	done
}

# run_one PATH MODE RATE REP: one engine and one generator; appends a row to rates.tab
run_one() {
	local path=$1 mode=$2 rate=$3 rep=$4 count name st lossless='' wpid t_exit stopped ecpu drops
	local seq_line ver ratio note=
	if [ "$rate" = max ]; then count=$FLAT_COUNT; else count=$((rate * SECS)); fi
	[ "$rate" = max ] || [ "$count" -le "$MAX_COUNT" ] || count=$MAX_COUNT
	[ "$mode" = lossless ] && lossless=1
	name=${path}_${mode}_${rate}_$rep
	st=$WORK/st_$name
	eng_cmd "$path" "$st" "$count" $lossless
	start_eng "$name"
	gen_start "$name" "$path" "$rate" "$count"
	gen_wait "$name"
	watch_stall "$st" "$count" "$WORK/$name.stalled" &
	wpid=$!
	PIDS+=("$wpid")
	wait "$TPID" 2>/dev/null || true
	t_exit=$(date +%s%N)
	wait "$wpid" 2>/dev/null || true
	forget "$TPID" "$RPID" "$wpid"
	stopped=self
	[ ! -e "$WORK/$name.stalled" ] || stopped=sigterm

	"$SEQ" --expect "$count" "$st" >"$WORK/$name.seq" 2>&1 || true
	"$SEALCTL" verify "$st" >"$WORK/$name.verify" 2>&1 || true
	seq_line=$(tail -1 "$WORK/$name.seq")
	if grep -q '^OK:' "$WORK/$name.verify"; then ver=OK; else ver=FAILED; note="verify:$(head -1 "$WORK/$name.verify" | cut -c1-40 | tr ' ' _)"; fi
	ratio=$(sed -n 's/^OK: .*(ratio \([0-9.]*\)).*/\1/p' "$WORK/$name.verify")
	[ "$G_FAILED" -eq 0 ] || note="$note gen_failed=$G_FAILED"
	[ "$stopped" = self ] || note="$note stopped_by_sigterm"
	grep -q '^sealcap: received' "$WORK/$name.err" || note="$note no_engine_summary"
	ecpu=$(awk -v c0="$C0" -v hz="$HZ" '{ printf "%.3f", $2 + $3 - c0 / hz }' "$WORK/$name.time")
	# "... dropped N ring_full=3 kernel=5" -> "ring_full=3,kernel=5" or 0
	drops=$(sed -n 's/^sealcap: received .* dropped \([0-9]*\)\(.*\)$/\1\2/p' "$WORK/$name.err" | tail -1 |
		awk '{ if ($1 == 0 || NF == 1) print ($1 == "" ? "?" : $1); else { s = $2; for (i = 3; i <= NF; i++) s = s "," $i; print s } }')
	[ -n "$drops" ] || drops="?"
	awk -v path="$path" -v mode="$mode" -v asked="$rate" -v off="$G_RATE" -v sent="$G_SENT" \
		-v seq="$seq_line" -v drops="$drops" -v texit="$t_exit" -v stopped="$stopped" \
		-v ecpu="$ecpu" -v gcpu="$G_CPU" -v gsecs="$G_SECS" -v rep="$rep" -v ver="$ver" -v ratio="${ratio:--}" -v note="$note" 'BEGIN {
		n = split(seq, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
		st = v["distinct"] + 0; dups = v["dups"] + 0
		span = (v["last_ns"] - v["first_ns"]) / 1e9
		rx = span > 0 ? st / span : 0
		# sealed/s: first receive to the engine exiting with all sealed, written and synced
		sealed = (stopped == "self" && v["first_ns"] > 0) ? st / ((texit - v["first_ns"]) / 1e9) : -1
		eus = st ? ecpu * 1e6 / st : 0
		gus = sent ? gcpu * 1e6 / sent : 0
		# share of a core: the engine from its first receive to its exit, the generator while sending
		ebusy = (stopped == "self" && v["first_ns"] > 0) ? sprintf("%.0f", 100 * ecpu / ((texit - v["first_ns"]) / 1e9)) : "-"
		gbusy = gsecs > 0 ? sprintf("%.0f", 100 * gcpu / gsecs) : "-"
		gsub(/^ +/, "", note); gsub(/ +/, ",", note)
		printf "%s %s %s %.0f %d %d %.3f %d %s %.3f %.0f %s %.2f %.2f %s %.2f %.2f %s %.2f %s %s %s %d\n",
			path, mode, asked, off, sent, st, sent ? 100 * (sent - st) / sent : 0, dups, drops,
			span, rx, sealed < 0 ? "-" : sprintf("%.0f", sealed), ecpu, eus, ebusy, gcpu, gus, gbusy,
			eus + gus, ver, ratio, note == "" ? "-" : note, rep }' >>"$WORK/rates.tab"
	[ "${KEEP:-0}" = 1 ] || rm -rf "$st"
	tail -1 "$WORK/rates.tab" | awk '{ printf "  %-6s %-8s asked %-7s offered %8s/s sent %8s stored %8s loss %6s%% drops %s, engine %s us/msg (%s%% of a core), gen %s us/msg (%s%%), verify %s\n",
		$1, $2, $3, $4, $5, $6, $7, $9, $14, $15, $17, $18, $20 }'
}

# idle PATH: CPU share and wake-ups of an engine with no traffic for IDLE_SECS
idle() {
	local path=$1 a b ca cb
	eng_cmd "$path" "$WORK/st_idle_$path" 0
	start_eng "idle_$path"
	sleep 0.5
	a=$(ticks "$RPID")
	ca=$(vcsw "$RPID")
	sleep "$IDLE_SECS"
	b=$(ticks "$RPID")
	cb=$(vcsw "$RPID")
	kill -TERM "$RPID"
	wait "$TPID" 2>/dev/null || true
	forget "$TPID" "$RPID"
	rm -rf "$WORK/st_idle_$path"
	awk -v n="$path" -v a="$a" -v b="$b" -v hz="$HZ" -v ca="$ca" -v cb="$cb" -v s="$IDLE_SECS" 'BEGIN {
		printf "idle %-6s engine: %5.1f%% of a core, %6.0f voluntary context switches/s (all threads)\n",
			n, 100 * (b - a) / hz / s, (cb - ca) / s }' | tee -a "$WORK/idle.txt"
}

CPU_MODEL=$(lscpu | sed -n 's/^Model name: *//p')
echo "bench_dpdk: $(date -u +%FT%TZ) $(uname -r), $(nproc --all) CPUs: $CPU_MODEL"
echo "bench_dpdk: load average at start: $(load)"
echo "bench_dpdk: CAVEAT: $(nproc --all) shared vCPUs, other people's builds run on them: compare the ratios of this run, not absolutes"
echo "bench_dpdk: busy neighbours now: $(neighbours)"
echo "bench_dpdk: engine on CPU $ENG_CORE, sealcap-gen on CPU $GEN_CORE; --sources $SOURCES --size $SIZE --seed $SEED;" \
	"$SECS s per rate (at most $MAX_COUNT msgs), flat out $FLAT_COUNT msgs, REPS=$REPS; work dir $WORK"
echo "bench_dpdk: dpdk = net_memif (copy mode, 1 queue, bsize=16384), EAL $EAL_COMMON -m $MEM; socket = UDP on 127.0.0.1"
START_LOAD=$(load)

# ---- 0. idle ------------------------------------------------------------------
: >"$WORK/idle.txt"
if [ "$IDLE_SECS" != 0 ]; then
	echo
	echo "== 0. idle: no traffic for $IDLE_SECS s =="
	idle dpdk
	idle socket
fi

# ---- 1. ladder ----------------------------------------------------------------
echo
echo "== 1. offered rates: dpdk then socket at each rate; then dpdk --dpdk-lossless flat out =="
: >"$WORK/rates.tab"
for ((rep = 1; rep <= REPS; rep++)); do
	[ "$REPS" = 1 ] || echo " repetition $rep/$REPS, load $(load)"
	for r in "${RATES[@]}"; do
		r=$(rate_num "$r")
		run_one dpdk drop "$r" "$rep"
		run_one socket drop "$r" "$rep"
	done
	[ "$LOSSLESS" = 0 ] || run_one dpdk lossless max "$rep"
done
END_LOAD=$(load)
echo "load average after the runs: $END_LOAD"

# ---- 2. report ----------------------------------------------------------------
# rates.tab: 1 path 2 mode 3 asked 4 offered 5 sent 6 stored 7 loss% 8 dups
# 9 drops 10 span_s 11 rx/s 12 sealed/s 13 eng_cpu 14 eng_us 15 eng% 16 gen_cpu
# 17 gen_us 18 gen% 19 sum_us 20 verify 21 ratio 22 note 23 rep
HDR="path mode asked offered/s sent stored loss% dups drops rx_span_s rx/s sealed/s eng_cpu_s eng_us/msg eng% gen_cpu_s gen_us/msg gen% sum_us/msg verify ratio note rep"
echo
echo "== DPDK (memif) vs socket (UDP loopback): engine on CPU $ENG_CORE, generator on CPU $GEN_CORE =="
{ echo "$HDR"; cat "$WORK/rates.tab"; } | column -t
cat <<'EOF'
(mode drop: the engine drops when its rings are full (the default); lossless: --dpdk-lossless, the memif
 peer is held back instead.  offered = what sealcap-gen achieved; stored = distinct seq=N in the store;
 loss = (sent - stored) / sent; drops = the engine's own count by reason (socket: kernel = socket buffer
 full); rx_span_s = first to last receive time in the store; rx/s = stored / rx_span_s; sealed/s = stored /
 (first receive -> engine exit with everything sealed, written and synced), "-" when it had to be stopped;
 eng_cpu_s = the engine's user+sys after its ready line (EAL/socket set-up left out; idle waits and the
 final seal included); gen_cpu_s = the generator's user+sys (dpdk: after "link up"); us/msg = cpu / stored
 (engine) or / sent (generator); sum = both; eng% = eng_cpu_s / (first receive -> exit), gen% = gen_cpu_s /
 its sending time: near 100 marks the side that set the pace.  On loopback the kernel's UDP receive work
 runs on the sender's core, so the socket generator's CPU includes it: compare sum_us/msg across paths.)
EOF

SUMMARY=$(awk '
function lbl(a) { return a == "max" ? "max" : sprintf("%dk", a / 1000) }
function num(a) { return a == "max" ? 1e18 : a + 0 }
# rate of a flat-out row: sealed/s, or rx/s when the engine had to be stopped
function caprate() { return $12 == "-" ? $11 : $12 }
{ reps[$23] = 1 }
$2 == "drop" {
	p = $1; a = $3; k = p SUBSEP a
	rates[a] = 1
	if (!(k in ok)) { ok[k] = 1; off[k] = $4; eus[k] = $14 }
	if ($4 + 0 < off[k] + 0) off[k] = $4          # the lowest offered rate of the repetitions
	if ($14 + 0 < eus[k] + 0) eus[k] = $14        # the least disturbed repetition
	if (!($5 > 0 && $6 == $5 && $8 == 0 && $20 == "OK" && $22 !~ /gen_failed/)) {
		ok[k] = 0
		lossy[p] = lossy[p] sprintf(" %s%s (%.3f%% lost, drops %s)", lbl(a), NR_REPS > 1 ? "#" $23 : "", $7, $9)
	}
	if (a == "max") {
		c = caprate()
		capr[p, $23] = c
		if (c + 0 > cap[p] + 0) {
			cap[p] = c; capk[p] = ($12 == "-" ? "rx/s" : "sealed/s"); fe[p] = $14; fg[p] = $17; fs[p] = $19
			foff[p] = $4; fgb[p] = $18; feb[p] = $15
		}
	}
}
$2 == "lossless" {
	c = caprate()
	llr[$23] = c
	if (c + 0 > ll + 0) { ll = c; llk = ($12 == "-" ? "rx/s" : "sealed/s"); lle = $14; llg = $17; lloff = $4; lleb = $15; llgb = $18 }
	if ($7 + 0 > llmax + 0) llmax = $7
}
END {
	for (r in reps) nreps++
	for (a in rates) order[n++] = a
	for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
		if (num(order[j]) < num(order[i])) { t = order[i]; order[i] = order[j]; order[j] = t }
	# Loss-free: up the ladder until the first rate that lost anything.
	for (i = 0; i < 2; i++) {
		p = i ? "socket" : "dpdk"
		for (j = 0; j < n; j++) {
			k = p SUBSEP order[j]
			if (!(k in ok)) continue
			if (!ok[k]) break
			if (off[k] + 0 > best[p] + 0) { best[p] = off[k]; bask[p] = order[j] }
		}
	}
	for (i = 0; i < 2; i++) {
		p = i ? "socket" : "dpdk"
		printf "loss-free rate, %-6s: ", p
		if (p in best) printf "%.0f msgs/s (asked %s)", best[p], lbl(bask[p]); else printf "none"
		if (p in lossy) printf "; lost at%s\n", lossy[p]; else printf "; nothing lost at any rate tried\n"
	}
	if (("dpdk" in best) && ("socket" in best))
		printf "loss-free rate dpdk / socket = %.2f\n", best["dpdk"] / best["socket"]
	for (i = 0; i < 2; i++) {
		p = i ? "socket" : "dpdk"
		if (bask[p] == "max")
			printf "  %s lost nothing even flat out: its loss-free rate is what the slower side reached\n", p
	}
	if (("dpdk" in cap) && ("socket" in cap)) {
		printf "flat-out capacity%s: dpdk %.0f msgs/s (%s, offered %.0f; engine %s%%, generator %s%% of a core), socket %.0f msgs/s (%s, offered %.0f; engine %s%%, generator %s%%); dpdk / socket = %.2f\n",
			(nreps > 1 ? " (best repetition)" : ""),
			cap["dpdk"], capk["dpdk"], foff["dpdk"], feb["dpdk"], fgb["dpdk"],
			cap["socket"], capk["socket"], foff["socket"], feb["socket"], fgb["socket"],
			cap["socket"] ? cap["dpdk"] / cap["socket"] : 0
		if (nreps > 1) {
			printf "  per repetition, flat-out capacity dpdk / socket:"
			for (r = 1; r <= nreps; r++)
				if ((("dpdk", r) in capr) && capr["socket", r] > 0) printf " #%d %.2f", r, capr["dpdk", r] / capr["socket", r]
			printf "\n"
		}
		printf "flat-out CPU per message: engine dpdk %.2f us, socket %.2f us (dpdk / socket = %.2f); generator dpdk %.2f us, socket %.2f us (%.2f); both dpdk %.2f us, socket %.2f us (%.2f)\n",
			fe["dpdk"], fe["socket"], fe["socket"] ? fe["dpdk"] / fe["socket"] : 0,
			fg["dpdk"], fg["socket"], fg["socket"] ? fg["dpdk"] / fg["socket"] : 0,
			fs["dpdk"], fs["socket"], fs["socket"] ? fs["dpdk"] / fs["socket"] : 0
	}
	printf "engine us/msg dpdk / socket at each asked rate%s:", (nreps > 1 ? " (least of the repetitions)" : "")
	for (i = 0; i < n; i++) {
		a = order[i]
		if ((("dpdk", a) in eus) && (("socket", a) in eus) && eus["socket", a] > 0)
			printf " %s %.2f", lbl(a), eus["dpdk", a] / eus["socket", a]
	}
	printf "\n"
	if (ll != "") {
		printf "dpdk --dpdk-lossless flat out%s: %.0f msgs/s (%s, offered %.0f), %.3f%% lost, engine %.2f us/msg (%s%% of a core), generator %.2f us/msg (%s%%)",
			(nreps > 1 ? " (best repetition)" : ""), ll, llk, lloff, llmax, lle, lleb, llg, llgb
		if (("dpdk" in cap) && cap["dpdk"] > 0) printf "; lossless / drop mode capacity = %.2f", ll / cap["dpdk"]
		printf "\n"
		if (nreps > 1) {
			printf "  per repetition, lossless / drop mode flat-out capacity:"
			for (r = 1; r <= nreps; r++)
				if ((r in llr) && capr["dpdk", r] > 0) printf " #%d %.2f", r, llr[r] / capr["dpdk", r]
			printf "\n"
		}
	}
}' NR_REPS="$REPS" "$WORK/rates.tab")
echo
echo "$SUMMARY"
cat "$WORK/idle.txt"

# ---- 3. results file ----------------------------------------------------------
{
	echo "## bench_dpdk.sh, $(date -u +%FT%TZ)"
	echo
	echo "$(uname -r), $(nproc --all) vCPUs ($CPU_MODEL), load average $START_LOAD at start, $END_LOAD at end."
	echo "**Caveat:** $(nproc --all) shared vCPUs with other people's builds on them; compare the ratios of this run, not absolutes."
	echo "Engine on CPU $ENG_CORE, sealcap-gen on CPU $GEN_CORE; --sources $SOURCES --size $SIZE --seed $SEED;" \
		"$SECS s per rate (at most $MAX_COUNT msgs), flat out $FLAT_COUNT msgs, REPS=$REPS; --fsync interval.${ENGINE_ARGS:+ ENGINE_ARGS: $ENGINE_ARGS.}"
	echo "dpdk: net_memif copy mode, 1 queue, bsize=16384, EAL \`$EAL_COMMON -m $MEM\`; socket: UDP on 127.0.0.1."
	echo
	echo "| ${HDR// / | } |"
	echo "|$(echo "$HDR" | awk '{ for (i = 1; i <= NF; i++) printf "---|" }')"
	sed 's/ / | /g; s/^/| /; s/$/ |/' "$WORK/rates.tab"
	echo
	awk '{ if (sub(/^  /, "")) print "  - " $0; else print "- " $0 }' <<<"$SUMMARY"
	sed 's/^/- /' "$WORK/idle.txt"
} >"$RESULTS"
echo
echo "results (markdown): $RESULTS"

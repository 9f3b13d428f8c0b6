#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job, from a fresh Debian 12 machine: install, build, start the
# capture engine on loopback (UDP and TCP syslog), drive it with sealcap-gen
# (a realistic hospital mix from 50 devices), stop it with SIGTERM, verify
# the sealed store and its signed checkpoints with the pinned master key,
# prove one record and check the proof as an auditor would, and show what
# was captured.
#
# Usage: tools/demo.sh [COUNT] [WORKDIR]     (COUNT messages per transport)
set -eu
cd "$(dirname "$0")/.."
. tests/lib/deps.sh
sc_install_deps

count=${1:-200000}
work=${2:-$(mktemp -d /tmp/sealcap-demo.XXXXXX)}
port=${SEALCAP_DEMO_PORT:-5514}
mkdir -p "$work"
rm -rf "$work/store" "$work/keys"

if [ ! -f build/build.ninja ]; then
	meson setup build -Dtests=false >/dev/null
fi
ninja -C build >/dev/null
bin=build
gen=$bin/tools/sealcap-gen/sealcap-gen
ctl=$bin/tools/sealctl/sealctl

echo "== 0. signing keys: a master key and a year of 15-minute epoch keys"
$ctl keygen --out "$work/keys" --origin sealcap.example/demo
# master.key would now go off the server; the demo keeps it in $work/keys.

echo "== 1. start sealcap on udp://127.0.0.1:$port and tcp://127.0.0.1:$port (store $work/store)"
$bin/sealcap --driver socket --listen "udp://127.0.0.1:$port" --listen "tcp://127.0.0.1:$port" \
	--store "$work/store" --origin sealcap.example/demo --stats-interval 2 \
	--sign-key "$work/keys/sign.key" 2> "$work/sealcap.log" &
engine=$!
trap 'kill "$engine" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	grep -q "listening on tcp" "$work/sealcap.log" 2>/dev/null && break
	sleep 0.1
done
grep "listening" "$work/sealcap.log"

echo "== 2. send $count messages over UDP at 50,000/s from 50 devices (127.0.0.1-50)"
$gen --out "udp://127.0.0.1:$port" --count "$count" --rate 50000 --sources 50 --seed 1
echo "== 3. send $count messages over TCP (RFC 6587 octet counting, 10 connections)"
$gen --out "tcp://127.0.0.1:$port" --count "$count" --sources 50 --connections 10 --seed 2

echo "== 4. stop the engine (SIGTERM: drain, seal, sync)"
sleep 1
kill -TERM "$engine"
wait "$engine"
trap - EXIT
tail -n 3 "$work/sealcap.log"

echo "== 5. verify the sealed store and its checkpoints, pinned to the master key"
$ctl verify --pubkey "$work/keys/master.pub" "$work/store"

echo "== 5b. prove one record; check the proof without the store"
id=$($ctl cat "$work/store" | sed -n '1000s/ .*//p')
$ctl prove "$work/store" --record "$id" --out "$work/record.json"
$ctl check-proof "$work/record.json" --pubkey "$work/keys/epochs.pub"

echo "== 6. per-source statistics (first lines)"
$ctl stats "$work/store" | head -n 24

echo "== 7. first records"
$ctl cat "$work/store" | head -n 6
echo "messages in store: $($ctl cat --format raw "$work/store" | grep -c 'seq=') (sent $((2 * count)))"
echo "store: $work/store, $(du -sh "$work/store" | cut -f1) on disk"

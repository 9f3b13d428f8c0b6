#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job, from a fresh Debian 12 machine: install, build, generate a
# realistic hospital syslog capture with sealcap-gen, capture it into a
# sealed store with sealcap, verify the store with sealctl and show a few
# records.  Usage: tools/demo.sh [COUNT] [WORKDIR]
set -eu
cd "$(dirname "$0")/.."
. tests/lib/deps.sh
sc_install_deps

count=${1:-1000000}
work=${2:-$(mktemp -d /tmp/sealcap-demo.XXXXXX)}
mkdir -p "$work"

if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release -Dtests=false >/dev/null
fi
ninja -C build >/dev/null

echo "== 1. generate $count messages (hospital mix) into $work/capture.pcap"
build/tools/sealcap-gen/sealcap-gen --out "pcap:$work/capture.pcap" \
	--count "$count" --size 250 --sources 200 --seed 1

echo "== 2. capture into the sealed store $work/store"
rm -rf "$work/store"
time build/sealcap --driver pcap --pcap "$work/capture.pcap" --store "$work/store" \
	--origin sealcap.example/demo

echo "== 3. verify"
build/tools/sealctl/sealctl verify "$work/store"

echo "== 4. first records (sealctl cat)"
build/tools/sealctl/sealctl cat "$work/store" | head -n 8
echo "records in store: $(build/tools/sealctl/sealctl cat --format json "$work/store" | wc -l)"
echo "store: $work/store ($(du -sh "$work/store" | cut -f1) on disk, capture $(du -sh "$work/capture.pcap" | cut -f1))"

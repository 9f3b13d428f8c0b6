#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
#
# run_all.sh BUILD_DIR [micro|ring|pipeline|all] [COUNT]
#
# Runs the benches one after the other (what `ninja -C BUILD bench` does).
# bench_micro reads a 100000-message capture from sealcap-gen, or, when the
# generator is not built, the text corpus in SC_BENCH_TEXT (one message a
# line).  COUNT goes to bench_pipeline.sh (default 1000000).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [micro|ring|pipeline|all] [COUNT]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
WHAT=${2:-all}
COUNT=${3:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
CORE=${CORE:-1}
GEN=$BUILD/tools/sealcap-gen/sealcap-gen
TEXT=${SC_BENCH_TEXT:-/work/shared/corpus/vendor/sc4s/sc4s_vendor_samples_rendered.txt}

run_micro() {
	local tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-micro.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	if [ -x "$GEN" ] && "$GEN" --out "pcap:$tmp/micro.pcap" --count 100000 --size 250 --seed 1 \
		>"$tmp/gen.out" 2>&1; then
		taskset -c "$CORE" "$BUILD/bench/bench_micro" "$tmp/micro.pcap"
	else
		echo "run_all: sealcap-gen unavailable, using the text corpus $TEXT"
		taskset -c "$CORE" "$BUILD/bench/bench_micro" "$TEXT"
	fi
}

case $WHAT in
micro) run_micro ;;
ring) "$BUILD/bench/bench_ring" ;;
pipeline) "$HERE/bench_pipeline.sh" "$BUILD" "$COUNT" ;;
all)
	echo "==== bench_ring ===="; "$BUILD/bench/bench_ring"; echo
	echo "==== bench_micro ===="; run_micro; echo
	echo "==== bench_pipeline ===="; "$HERE/bench_pipeline.sh" "$BUILD" "$COUNT"
	;;
*) echo "run_all: unknown bench '$WHAT'" >&2; exit 2 ;;
esac

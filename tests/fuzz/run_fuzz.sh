#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run_fuzz.sh PROGRAM SEEDS SECONDS
#
# Fuzz one libFuzzer harness for SECONDS (SEALCAP_FUZZ_SECONDS overrides it;
# SEALCAP_FUZZ_RUNS=N stops after N executions instead), starting from the
# seed corpus SEEDS (read only: new inputs go to a scratch corpus).  Limits:
# 2 GB RSS, 1 GB per allocation, 20 s per input; a breach is a finding.
# A crashing input is kept in ./fuzz-artifacts/NAME/ (the build directory
# under meson test) to be added to tests/fuzz/regress/NAME/ once fixed.
# Ends with one line: executions, rate, coverage, corpus size.
set -u
# UB is a finding even where the build recovers from it.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1
exe=$1 seeds=$2 secs=${SEALCAP_FUZZ_SECONDS:-$3}
name=$(basename "$exe")
art="$PWD/fuzz-artifacts/$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/sealcap-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$art" "$work/corpus"
limit=(-max_total_time="$secs")
[ -n "${SEALCAP_FUZZ_RUNS:-}" ] && limit=(-runs="$SEALCAP_FUZZ_RUNS")
"$exe" "${limit[@]}" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 \
	-print_final_stats=1 -artifact_prefix="$art/" "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?
grep -E 'ERROR|SUMMARY|invariant|Test unit written|^stat::|DONE|#[0-9]+ *(INITED|DONE)' "$work/log" | tail -n 40
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$work/log"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/log" | tail -n 1)
echo "fuzz $name: ${execs:-?} executions, ${rate:-?} exec/s, $cov, exit $rc"
exit "$rc"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs, builds three times and ends with one line "N passed, N failed":
#   release  every unit suite, then the system suite (live traffic, crash
#            recovery, namespaces);
#   asan     the same, under AddressSanitizer + UBSan (the engine and tools
#            the system suite starts are sanitized too: a leak or UB report
#            fails their exit status);
#   fuzz     clang + libFuzzer: each harness of tests/fuzz fuzzed for
#            SEALCAP_FUZZ_SECONDS (default 20) from its seed corpus; a crash
#            fails the run (its input is kept in build-fuzz/fuzz-artifacts/).
# Criterion's summaries count tests; each fuzz harness counts as one.
#
# Environment: SEALCAP_NO_APT=1 skips apt-get (packages already present);
# SEALCAP_FUZZ_SECONDS=N fuzzes each harness N seconds (long campaigns:
# bench/README.md).
set -u
cd "$(dirname "$0")/.."
. tests/lib/deps.sh
sc_install_deps || exit 1

log=$(mktemp -d /tmp/sealcap-tests.XXXXXX)
trap 'rm -rf "$log"' EXIT
status=0

run_build() { # NAME MESON-ARGS...
	local name=$1; shift
	echo "=== build $name"
	if [ ! -f "build-$name/build.ninja" ]; then
		meson setup "build-$name" "$@" >"$log/setup-$name.txt" 2>&1 ||
			{ cat "$log/setup-$name.txt"; return 1; }
	fi
	ninja -C "build-$name" >"$log/ninja-$name.txt" 2>&1 ||
		{ tail -n 60 "$log/ninja-$name.txt"; return 1; }
	echo "=== tests $name"
	# -v streams each Criterion run, its summary included.
	meson test -C "build-$name" --suite unit --num-processes 2 -v \
		2>&1 | tee "$log/test-$name.txt"
	return "${PIPESTATUS[0]}"
}

# The system suite (tests/system: live loopback traffic from sealcap-gen,
# util-linux logger, rsyslog, SIGKILL recovery, namespaces), after the unit
# suites of the same build.
run_system() { # NAME
	echo "=== system tests $1"
	meson test -C "build-$1" --suite system --num-processes 1 -v \
		2>&1 | tee "$log/test-$1-system.txt"
	return "${PIPESTATUS[0]}"
}

# The fuzz build: clang, libFuzzer, ASan + UBSan; only the library and the
# harnesses (no DPDK driver, no Criterion suites).
run_fuzz() {
	echo "=== build fuzz"
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Ddpdk=disabled \
			-Db_sanitize=address,undefined -Db_lundef=false -Doptimization=2 \
			>"$log/setup-fuzz.txt" 2>&1 || { cat "$log/setup-fuzz.txt"; return 1; }
	fi
	ninja -C build-fuzz >"$log/ninja-fuzz.txt" 2>&1 || { tail -n 60 "$log/ninja-fuzz.txt"; return 1; }
	echo "=== fuzz (${SEALCAP_FUZZ_SECONDS:-20} s per harness)"
	SEALCAP_FUZZ_SECONDS=${SEALCAP_FUZZ_SECONDS:-20} \
		meson test -C build-fuzz --suite fuzz --num-processes 1 -v 2>&1 | tee "$log/fuzz.txt"
	return "${PIPESTATUS[0]}"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_build release || status=1
run_system release || status=1
run_build asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false || status=1
# Sanitized code runs 2-3x slower: the live tests' paced rates are halved
# there (they check memory and accounting under ASan, not capacity).
SEALCAP_LIVE_UDP_RATE=50000 SEALCAP_LIVE_TCP_RATE=25000 run_system asan || status=1
run_fuzz || status=1

# Totals over every Criterion summary ("Synthesis: Tested: N | Passing: N |
# Failing: N | Crashing: N"), both builds.
passed=0; failed=0
while read -r p f c; do
	passed=$((passed + p)); failed=$((failed + f + c))
done < <(cat "$log"/test-*.txt 2>/dev/null | sed -n 's/.*Synthesis: Tested: [0-9]* | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2 \3/p')
# Each fuzz harness: one test (meson's "N/9 NAME  OK|FAIL|TIMEOUT" lines;
# a failure is listed again in meson's closing summary: counted once).
fz_ok=$(grep -E '^ *[0-9]+/[0-9]+ .* OK ' "$log/fuzz.txt" 2>/dev/null | sort -u | wc -l)
fz_bad=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT)' "$log/fuzz.txt" 2>/dev/null | sort -u | wc -l)
passed=$((passed + ${fz_ok:-0})); failed=$((failed + ${fz_bad:-0}))
# A suite that died before its summary counts as a failure.
dead=$(cat "$log"/test-*.txt "$log"/fuzz.txt 2>/dev/null | grep -cE '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT)' || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$((dead > 0 ? dead : 1)); fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]

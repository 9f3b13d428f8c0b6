# SPDX-License-Identifier: BSD-3-Clause
# Debian 12 packages the build, the tests and the main job need.  rsyslog:
# the system tests run their own rsyslogd (own config, loopback only) as a
# real omfwd sender; the package's own service is not needed.  clang and
# libbpf-dev build the XDP program of --af-xdp (drivers/dpdk/xdp); ping is
# for the namespace tests (tests/system/test_netns.c, test_tap.c); ethtool
# turns off a veth's checksum offload in test_tap.c.  golang-go and
# golang-golang-x-mod-dev: test_checkpoint checks our signed checkpoints with
# Go's reference signed-note and transparency-log code (tests/interop).
# libclang-rt-14-dev: libFuzzer and clang's sanitizer runtimes (tests/fuzz,
# the third build of tests/run.sh).
SC_DEB_PACKAGES="build-essential meson ninja-build pkg-config python3
 dpdk-dev libdpdk-dev liburcu-dev liblz4-dev libxxhash-dev libcriterion-dev libssl-dev libpcap-dev
 libjansson-dev
 lz4 iproute2 rsyslog
 clang libclang-rt-14-dev libbpf-dev iputils-ping ethtool
 golang-go golang-golang-x-mod-dev"

sc_install_deps() {
	if [ "${SEALCAP_NO_APT:-0}" = 1 ]; then return 0; fi
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! $sudo apt-get update -qq >/dev/null 2>&1 ||
	   ! $sudo apt-get install -y -qq --no-install-recommends $SC_DEB_PACKAGES >/dev/null 2>&1; then
		echo "apt-get could not install: $SC_DEB_PACKAGES" >&2
		return 1
	fi
}

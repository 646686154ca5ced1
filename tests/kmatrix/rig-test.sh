#!/bin/bash
# rig-test.sh - the kernel matrix live (CTest label vmrig): boot KERNEL in
# scripts/vmrig, record the probe sets with OVS traffic
# (scripts/make-kernel-testdata), check that `ovsperf-probe install -n` gives
# on that kernel the kprobe definitions of expected/probes-KERNEL.txt (the
# offsets read from its BTF; uprobe lines, which depend on the ovs-vswitchd
# build, are left out), and check every report on the recording
# (check-kernel.sh).  The recording and its kallsyms stay in WORKDIR, from
# where tests/kmatrix/make-testdata.sh makes testdata/kernel-KERNEL.*.
# Usage: rig-test.sh ANALYZE PROBE KERNEL WORKDIR     (exit 77: skipped)
set -u
analyze=$(readlink -f "$1") probe=$(readlink -f "$2") kernel=$3 work=$4
here=$(dirname "$(readlink -f "$0")")
top=$(cd "$here/../.." && pwd)
rig=$top/scripts/vmrig
[ "$(id -u)" = 0 ] || { echo "SKIP: the vmrig needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null && command -v ovs-vswitchd >/dev/null ||
	{ echo "SKIP: vmrig not set up (run $rig/setup.sh)"; exit 77; }
case $kernel in
6.1) ls /boot/vmlinuz-6.1* >/dev/null 2>&1 || { echo "SKIP: no /boot/vmlinuz-6.1* (run $rig/setup.sh)"; exit 77; } ;;
*) "$rig/setup.sh" --kernel-dir "$kernel" >/dev/null ||
	{ echo "SKIP: kernel $kernel not set up (run $rig/setup.sh --kernel $kernel)"; exit 77; } ;;
esac
# (make-kernel-testdata boots the guest once more when its kernel panics:
# vm-run.sh --retry-panic.)
rm -rf "$work"
if ! OVSPERF_PROBE=$probe "$top/scripts/make-kernel-testdata" "$kernel" "$work" >"$work.log" 2>&1; then
	echo "FAIL: recording in the $kernel guest: $(tail -5 "$work.log")"
	exit 1
fi
rc=0
echo "kernel $(cat "$work/uname.txt"): $(cat "$work/install.txt" | cut -c1-60)..."
kp() { grep -v '^#' "$1" | grep -v ' /'; }
if ! diff <(kp "$here/expected/probes-$kernel.txt") <(kp "$work/probes.txt"); then
	echo "FAIL: ovsperf-probe install -n on $kernel differs from expected/probes-$kernel.txt"
	rc=1
fi
"$here/check-kernel.sh" "$analyze" "$work/kernel.data" || rc=1
[ $rc = 0 ] && echo "kmatrix $kernel: all passed"
exit $rc

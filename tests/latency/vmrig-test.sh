#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vmrig-test.sh - record OVS kernel-datapath traffic with kprobes in a fresh
# scripts/vmrig guest (vmrig-record.sh) and check `ovsperf-analyze latency`
# on it against perf script (check_latency.py): the ovs-dp and backlog
# presets, chosen by name and automatically, with and without LOST events.
#
# Usage: vmrig-test.sh ANALYZE WORKDIR
# Exit 77 (skip) when the vmrig or its setup is missing or we are not root.
set -u

analyze=$1
work=$2
here=$(dirname "$(readlink -f "$0")")
vmrig=$(readlink -f "${VMRIG_DIR:-$here/../../scripts/vmrig}")

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the vmrig needs root"
	exit 77
fi
if [ ! -x "$vmrig/vm-run.sh" ] || ! command -v qemu-system-x86_64 >/dev/null ||
   ! ls /boot/vmlinuz-6.1* >/dev/null 2>&1; then
	echo "SKIP: $vmrig (vm-run.sh, qemu-system-x86_64, /boot/vmlinuz-6.1*) is not set up"
	exit 77
fi

rm -rf "$work"
mkdir -p "$work"
work=$(readlink -f "$work")
# The guest writes into the share; the scripts are seen through the host root.
# --see: the scripts stay visible when the tree lives under /tmp (the guest's
# /tmp is its own tmpfs).
if ! "$vmrig/vm-run.sh" --retry-panic --share "$work" --see "$(cd "$here/../.." && pwd)" \
	--env VMRIG_DIR="$vmrig" --timeout 900 -- \
	"$here/vmrig-record.sh" "$work"; then
	echo "FAIL: recording in the vmrig failed"
	exit 1
fi
rc=0
for f in vmrig-ovs vmrig-ovs-lost; do
	for c in ovs-dp backlog3 auto-ovs-dp auto-backlog; do
		python3 "$here/check_latency.py" "$analyze" "$work/$f.data" "$c" || rc=1
	done
done
exit $rc

#!/usr/bin/env bash
# make-testdata-root.sh: runs scripts/make-testdata for the usdt and net
# recordings into a scratch directory (label root), then checks them with
# test_perfscript.py --testdata and checks that nothing was left behind
# (network namespaces, uprobes of the script's groups).  Exit 77 = skip.
# Usage: make-testdata-root.sh SCRATCH_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scratch=$1

if [ "$(id -u)" != 0 ] || ! command -v perf >/dev/null || ! command -v ip >/dev/null; then
	echo "SKIP: needs root, perf and iproute2"
	exit 77
fi
if [ ! -w /sys/kernel/tracing/uprobe_events ]; then
	echo "SKIP: no uprobe_events in tracefs"
	exit 77
fi
if ip netns list | grep -q '^ovsperf-ns[12]\b'; then
	echo "SKIP: ovsperf-ns1/ovsperf-ns2 exist (make-testdata running?)"
	exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch/out"
"$top/scripts/make-testdata" -b "$scratch/progs" -o "$scratch/out" usdt net
python3 "$here/test_perfscript.py" --live --testdata "$scratch/out"
for f in usdt.data usdt.z.data usdt.pipe.data net.data net.z.data net.g.data net.pipe.data; do
	[ -s "$scratch/out/$f" ] || { echo "FAIL: $f not made"; exit 1; }
done
if ip netns list | grep -q '^ovsperf-ns[12]\b'; then
	echo "FAIL: network namespaces left behind"
	exit 1
fi
if grep -E '^[pr]:(sdt_main|sdt_dpif_recv|sdt_udpif_revalidator|ovsperf_test)/' \
	/sys/kernel/tracing/uprobe_events; then
	echo "FAIL: uprobes left behind"
	exit 1
fi
echo "make-testdata: usdt and net made and checked"

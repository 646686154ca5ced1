#!/bin/bash
# check-kernel.sh - every report that the kernel matrix recordings feed, checked
# against an independent computation from `perf script` output:
#   latency  spans ovs-dp and backlog of the ovsperf-probe sets
#            (tests/latency/check_latency.py, cases k-ovs-dp and k-backlog)
#   kernel-delay of the ovs-vswitchd the report finds by itself
#            (tests/kdelay/kdelay_check.py)
#   parity   `ovsperf-analyze script` against `perf script` (tests/parity)
#   journey  by skb and by head (tests/journey/check_journey.py)
#   drops    with the boot's kallsyms when given (tests/drops/check_drops.py)
#   blame    of the backlog span, when the recording has sched events
#            (tests/latency/check_blame.py --kmatrix; --rt on PREEMPT_RT)
#   upcall-cost, upcalls, bridge-loop when the recording has the USDT events
#            (tests/upcall/uc_real_check.py, uc_ref_check.py,
#            upcalls_perf_check.py, tests/bridgeloop/bloop_check.py)
# Usage: check-kernel.sh ANALYZE DATA [KALLSYMS]
set -u
analyze=$1 data=$2 ksyms=${3:-}
t=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
rc=0
for c in k-ovs-dp k-backlog; do
	python3 "$t/latency/check_latency.py" "$analyze" "$data" "$c" $ksyms || rc=1
done
python3 "$t/kdelay/kdelay_check.py" "$analyze" "$data" --comm ovs-vswitchd --default-pid || rc=1
python3 "$t/parity/parity.py" --ovsperf "$analyze" "$data" | tail -1
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
for key in skb head; do
	python3 "$t/journey/check_journey.py" "$analyze" "$data" $key | tail -1
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
done
python3 "$t/drops/check_drops.py" "$analyze" "$data" ${ksyms:+--kallsyms "$ksyms" --resolve-hex "$ksyms"} | tail -1
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
if "$analyze" info "$data" 2>/dev/null | grep -q 'sched:sched_switch'; then
	rt=
	"$analyze" info "$data" 2>/dev/null | grep -q 'os release:.*-rt-' && rt=--rt
	python3 "$t/latency/check_blame.py" "$analyze" "$data" --kmatrix $rt | tail -1
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
fi
if "$analyze" info "$data" 2>/dev/null | grep -q 'recv_upcall'; then
	for c in "$t/upcall/uc_real_check.py" "$t/upcall/uc_ref_check.py" \
		 "$t/upcall/upcalls_perf_check.py" "$t/bridgeloop/bloop_check.py"; do
		python3 "$c" "$analyze" "$data" | tail -2
		[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: $(basename "$c")"; rc=1; }
	done
fi
exit $rc

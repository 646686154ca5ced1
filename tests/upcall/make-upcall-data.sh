#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/upcall/make-upcall-data.sh: a real upcall-cost (and bridge-loop)
# recording for testdata/, made inside scripts/vmrig: Debian 6.1 kernel with
# kprobes and openvswitch.ko, and an ovs-vswitchd built with USDT probes by
# scripts/vmrig/build-ovs-usdt.sh.  Run on the host as root:
#
#   tests/upcall/make-upcall-data.sh OVS_VSWITCHD_BINARY [OUT]   # default testdata/upcall.data
#
# In the guest: the ovs-lab bridge (br0, veth ports to ns1/ns2), UDP + ping
# traffic with distinct packets, datapath flows flushed every 0.25 s (4 s of traffic) to force
# upcalls, recorded with plain perf (zstd):
#   openvswitch:ovs_dp_upcall                      tracepoint
#   sdt_dpif_recv:recv_upcall                      USDT (arg1..arg6)
#   sdt_dpif_netlink_operate__:op_flow_put/execute USDT
#   probe:ovs_packet_cmd_execute                   kprobe
#   sdt_main:run_start, sdt_main:poll_block        USDT (bridge-loop)
#   probe:ovs_dp_upcall__return                    kretprobe, arg1 = result
#   raw_syscalls:sys_enter/sys_exit                of the main thread (kernel-delay)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rig=${VMRIG:-$top/scripts/vmrig}
bin=${1:?usage: make-upcall-data.sh OVS_VSWITCHD_BINARY [OUT]}
out=${2:-$top/testdata/upcall.data}
[ -x "$rig/vm-run.sh" ] || { echo "make-upcall-data: no vmrig at $rig" >&2; exit 77; }

if [ "${OVSPERF_IN_GUEST:-0}" != 1 ]; then
	exec "$rig/vm-run.sh" --share "$top" --see "$rig" --see "$(dirname "$bin")" \
		--env OVSPERF_IN_GUEST=1 --env VMRIG="$rig" --timeout 900 -- \
		bash "$top/tests/upcall/make-upcall-data.sh" "$bin" "$out"
fi

# --- in the guest ---
. "$rig/ovs-lab.sh"
OVS_LAB_BIN=$bin ovs_lab_up
vsd=/usr/sbin/ovs-vswitchd
perf buildid-cache --add "$vsd"
for p in sdt_dpif_recv:recv_upcall sdt_dpif_netlink_operate__:op_flow_put \
	 sdt_dpif_netlink_operate__:op_flow_execute sdt_main:run_start sdt_main:poll_block; do
	perf probe -q -x "$vsd" --add "$p"
done
perf probe -q -m openvswitch --add 'ovs_packet_cmd_execute skb=%di:x64'
perf probe -q -m openvswitch --add 'ovs_dp_upcall%return $retval'
vpid=$(pidof ovs-vswitchd)
work=$(mktemp -d)
mkfifo "$work/ctl" "$work/ack"
perf record -a -z -D -1 --control "fifo:$work/ctl,$work/ack" -m 64 \
	-e openvswitch:ovs_dp_upcall -e sdt_dpif_recv:recv_upcall \
	-e sdt_dpif_netlink_operate__:op_flow_put -e sdt_dpif_netlink_operate__:op_flow_execute \
	-e probe:ovs_packet_cmd_execute -e sdt_main:run_start -e sdt_main:poll_block \
	-e probe:ovs_dp_upcall__return \
	-e raw_syscalls:sys_enter --filter "common_pid == $vpid" \
	-e raw_syscalls:sys_exit --filter "common_pid == $vpid" \
	-o "$work/rec.data" >"$work/perf.log" 2>&1 &
perfpid=$!
exec 3>"$work/ctl" 4<"$work/ack"
echo ping >&3; read -r _ <&4
echo enable >&3; read -r _ <&4
UDP_SEQ=1 ovs_lab_traffic 4 10.11.0.2 0.25 >/dev/null 2>&1 || true
echo disable >&3; read -r _ <&4
kill -INT $perfpid; wait $perfpid || true
cp "$work/rec.data" "$out"
perf probe -q -d 'sdt_*:*' || true
perf probe -q -d 'probe:*' || true
ovs_lab_down || true

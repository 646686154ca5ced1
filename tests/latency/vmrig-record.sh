#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vmrig-record.sh - make the OVS kernel-datapath recordings of the latency
# tests.  Runs INSIDE a scripts/vmrig guest (kprobes, openvswitch.ko):
#
#   scripts/vmrig/vm-run.sh --share "$PWD" -- tests/latency/vmrig-record.sh OUTDIR
#
# An OVS bridge br0 with veth ports to two namespaces and an internal port
# (ovs-lab.sh), RPS on br0 and veth1, kprobes on the OVS datapath
# (ovs_vport_receive, do_output, ovs_dp_upcall) and on the backlog
# (enqueue_to_backlog, __netif_receive_skb, ip_rcv), plus skb:kfree_skb and
# skb:consume_skb.  Packets pass the backlog twice with the same skb (veth1,
# then veth2's peer), flows are flushed every second so packets go up as
# upcalls.  Writes:
#
#   OUTDIR/vmrig-ovs.data       ping + UDP to ns2 and to br0's address
#   OUTDIR/vmrig-ovs-lost.data  a flood with a one-page ring buffer (LOST),
#                               zstd-compressed (perf record -z)
set -euo pipefail

out=$(readlink -f "${1:?usage: vmrig-record.sh OUTDIR}")
vmrig=${VMRIG_DIR:-$(dirname "$(readlink -f "$0")")/../../scripts/vmrig}
# shellcheck source=/dev/null
. "$vmrig/ovs-lab.sh"

ovs_lab_up
ovs_lab_rps 3
perf probe -q -m openvswitch --add 'ovs_vport_receive skb=%si:x64' \
	--add 'do_output skb=%si:x64' --add 'ovs_dp_upcall skb=%si:x64'
perf probe -q --add 'enqueue_to_backlog skb=%di:x64' --add '__netif_receive_skb skb=%di:x64' \
	--add 'ip_rcv skb=%di:x64'
events=(-e probe:ovs_vport_receive -e probe:do_output -e probe:ovs_dp_upcall
	-e probe:enqueue_to_backlog -e probe:__netif_receive_skb -e probe:ip_rcv
	-e skb:kfree_skb -e skb:consume_skb)

# perf record needs 8-15 s to set up under TCG: start it disabled, wait for
# its ack, then enable it around the traffic.
record()
{
	local file=$1 secs=$2
	shift 2
	rm -f /tmp/lat-ctl /tmp/lat-ack
	mkfifo /tmp/lat-ctl /tmp/lat-ack
	perf record -N -q -a --synth=no "$@" "${events[@]}" -o "$file" -D -1 \
		--control fifo:/tmp/lat-ctl,/tmp/lat-ack >/dev/null 2>&1 &
	local pid=$! ack
	exec 3>/tmp/lat-ctl 4</tmp/lat-ack
	echo enable >&3
	read -r ack <&4
	ovs_lab_traffic "$secs" 10.11.0.2 1 2>/dev/null &
	ip netns exec ns1 ping -q -c 10 -i 0.1 10.11.0.254 >/dev/null 2>&1 || true
	wait %2 2>/dev/null || true
	echo disable >&3
	read -r ack <&4
	exec 3>&- 4<&-
	kill -INT $pid
	wait $pid || true
}

UDP_FLOWS=1 UDP_GAP=0.02 record "$out/vmrig-ovs.data" 2
UDP_FLOWS=4 UDP_GAP=0.001 record "$out/vmrig-ovs-lost.data" 1 -m 1 -z
ls -l "$out"/vmrig-ovs*.data

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# record-real.sh - record a real, busy perf.data on this machine for the
# benchmark: UDP and ping traffic over a veth pair between two network
# namespaces created (and deleted) here, with the net, skb, sched, irq and
# raw_syscalls tracepoints system-wide.
#
# Usage: bench/record-real.sh OUT.data [SECONDS [all|packets]]   (root)
# "packets" records only the net, skb and sched tracepoints (a packet-dense
# recording, the timeline export's benchmark); "all" (default) adds the
# raw_syscalls and irq ones.
# Writes OUT.data and OUT.data.pid (the PID of the UDP sender, the process
# the kernel-delay benchmark looks at).
#
# Traffic only flows between the namespaces ovsb-a (10.199.0.1) and
# ovsb-b (10.199.0.2); nothing leaves the machine.
set -euo pipefail

out=${1:?usage: record-real.sh OUT.data [SECONDS]}
secs=${2:-4}
kind=${3:-all}
case "$kind" in
all) extra=(-e raw_syscalls:sys_enter -e raw_syscalls:sys_exit
	    -e irq:irq_handler_entry -e irq:irq_handler_exit
	    -e irq:softirq_entry -e irq:softirq_exit) ;;
packets) extra=() ;;
*) echo "record-real.sh: all or packets, not '$kind'" >&2; exit 1 ;;
esac
nsa=ovsb-a
nsb=ovsb-b
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del $nsa 2>/dev/null || true
	ip netns del $nsb 2>/dev/null || true
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "record-real.sh: needs root" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

ip netns add $nsa
ip netns add $nsb
ip link add vb-a netns $nsa type veth peer name vb-b netns $nsb
ip -n $nsa addr add 10.199.0.1/24 dev vb-a
ip -n $nsb addr add 10.199.0.2/24 dev vb-b
ip -n $nsa link set vb-a up
ip -n $nsb link set vb-b up
ip -n $nsa link set lo up
ip -n $nsb link set lo up

# A UDP sink in B and a UDP source in A (both bounded by $secs + 2 s).
ip netns exec $nsb timeout $((secs + 3)) python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.199.0.2", 9999))
while True:
    s.recv(2048)
' &
pids+=($!)
sleep 0.5
ip netns exec $nsa timeout $((secs + 2)) python3 -c '
import os, socket, sys
open(sys.argv[1], "w").write("%d\n" % os.getpid())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = b"x" * 64
while True:
    try:
        s.sendto(b, ("10.199.0.2", 9999))
    except OSError:
        pass
' "$out.pid" &
pids+=($!)
ip netns exec $nsa timeout $((secs + 2)) ping -q -f 10.199.0.2 >/dev/null &
pids+=($!)
sleep 0.5

perf record -q -a -m 64M -o "$out" \
	-e net:netif_rx -e net:netif_receive_skb -e skb:consume_skb -e skb:kfree_skb \
	-e sched:sched_switch -e sched:sched_wakeup -e sched:sched_wakeup_new \
	"${extra[@]}" \
	-- sleep "$secs"

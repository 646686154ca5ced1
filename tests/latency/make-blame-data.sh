#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# make-blame-data.sh - record testdata/latency-blame.data on this machine
# (root, tracefs, perf, at least 2 CPUs): where the latency of packets went.
#
#   UDP between two namespaces made by this script over a veth pair; the
#   receiving veth steers every packet to CPU 1 by RPS (enqueue_to_backlog on
#   the sender's CPU 0, received from CPU 1's backlog); net.core.netdev_budget
#   is made small so that NET_RX work is deferred to ksoftirqd/1; a SCHED_FIFO
#   busy loop ("blame-hog") pinned to CPU 1 runs 4 ms at a time every 20 ms,
#   so packets queued on CPU 1 meanwhile wait for it.
#   Events (perf record -a): net:*, skb:*, sched:sched_switch,
#   sched:sched_wakeup, irq:softirq_entry/exit, irq:irq_handler_entry/exit.
#   The recording is cut to one run of the busy loop (scripts/perfdata-cut --time).
#
# Usage: tests/latency/make-blame-data.sh UDP_SEND_BINARY [OUTDIR]
# Traffic stays inside the namespaces ovsperf-blm1/ovsperf-blm2
# (10.197.0.0/24); namespaces, the busy loop and netdev_budget are restored on
# exit.
set -euo pipefail

udp_send=$(readlink -f "$1")
out=$(readlink -f "${2:-$(dirname "$0")/../../testdata}")
top=$(cd "$(dirname "$0")/../.." && pwd)
events=(-e 'net:*' -e 'skb:*' -e sched:sched_switch -e sched:sched_wakeup
	-e irq:softirq_entry -e irq:softirq_exit -e irq:irq_handler_entry -e irq:irq_handler_exit)
budget=$(cat /proc/sys/net/core/netdev_budget)
weight=$(cat /proc/sys/net/core/dev_weight)
hog=
tmp=$(mktemp -d /tmp/make-blame-data.XXXXXX)

cleanup()
{
	[ -z "$hog" ] || kill "$hog" 2>/dev/null || true
	echo "$budget" >/proc/sys/net/core/netdev_budget
	echo "$weight" >/proc/sys/net/core/dev_weight
	ip netns del ovsperf-blm1 2>/dev/null || true
	ip netns del ovsperf-blm2 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns del ovsperf-blm1 2>/dev/null || true
ip netns del ovsperf-blm2 2>/dev/null || true
ip netns add ovsperf-blm1
ip netns add ovsperf-blm2
ip link add ovsb-veth1 netns ovsperf-blm1 type veth peer name ovsb-veth2 netns ovsperf-blm2
ip -n ovsperf-blm1 addr add 10.197.0.1/24 dev ovsb-veth1
ip -n ovsperf-blm2 addr add 10.197.0.2/24 dev ovsb-veth2
ip -n ovsperf-blm1 link set ovsb-veth1 up
ip -n ovsperf-blm2 link set ovsb-veth2 up
ip netns exec ovsperf-blm2 sh -c 'echo 2 > /sys/class/net/ovsb-veth2/queues/rx-0/rps_cpus'
ip netns exec ovsperf-blm1 ping -q -c 1 -W 1 10.197.0.2 >/dev/null
# One packet per backlog poll, two polls per NET_RX run: a queue of more
# than 20 packets (after the softirq's restarts) is left to ksoftirqd/1.
echo 1 >/proc/sys/net/core/dev_weight
echo 2 >/proc/sys/net/core/netdev_budget
# 400 u32 filters that match nothing on the receiver's ingress: each packet
# costs CPU 1 more than it costs the sender, so its backlog queue grows.
ip netns exec ovsperf-blm2 tc qdisc add dev ovsb-veth2 ingress
for i in $(seq 1 400); do
	echo "filter add dev ovsb-veth2 parent ffff: prio $i protocol ip u32 match ip tos $((i % 255 + 1)) 0xff"
done >"$tmp/filters"
ip netns exec ovsperf-blm2 tc -batch "$tmp/filters"

# The busy loop: SCHED_FIFO on CPU 1, 4 ms busy, 16 ms asleep.
chrt -f 10 taskset -c 1 python3 -c '
import time
open("/proc/self/comm", "w").write("blame-hog")
while True:
    t = time.monotonic()
    while time.monotonic() - t < 0.004:
        pass
    time.sleep(0.016)
' &
hog=$!
sleep 0.2

workload()
{
	ip netns exec ovsperf-blm2 taskset -c 0 "$udp_send" recv 9000 300 >/dev/null &
	sleep 0.1
	# 1000 datagrams from CPU 0, 20 us apart (more than two runs of the loop).
	ip netns exec ovsperf-blm1 taskset -c 0 "$udp_send" send 10.197.0.2 9000 1000 64 20
	wait
}
export -f workload
export udp_send

# One run of the busy loop during which ksoftirqd/1 was woken (packets wait
# for it), from 1 ms before the loop is switched in on CPU 1 to 1 ms after
# it leaves; recorded again (at most 5 times) until there is one.
for try in 1 2 3 4 5; do
	perf record -N -q --synth=no -a "${events[@]}" -o "$tmp/full.data" -- \
		bash -c workload >/dev/null
	win=$(perf script -i "$tmp/full.data" -F cpu,time,event,trace 2>/dev/null | awk '
		$1 != "[001]" { next }
		/sched_switch:/ && /next_comm=blame-hog/ { t0 = $2 + 0; woke = 0 }
		t0 && /sched_wakeup:/ && /comm=ksoftirqd\/1 / { woke = 1 }
		t0 && /sched_switch:/ && /prev_comm=blame-hog/ {
			if (woke) { printf "%.6f,%.6f\n", t0 - 0.001, $2 + 0.001; exit }
			t0 = 0
		}') || true
	[ -z "$win" ] || break
done
[ -n "$win" ] || { echo "make-blame-data: packets never waited for the busy loop" >&2; exit 1; }
[ -z "${KEEP_FULL:-}" ] || cp "$tmp/full.data" "$KEEP_FULL"
python3 "$top/scripts/perfdata-cut" --time "$win" "$tmp/full.data" "$out/latency-blame.data"
ls -l "$tmp/full.data" "$out/latency-blame.data"; perf script -i "$tmp/full.data" 2>/dev/null | wc -l

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
#   Events (perf record -a -k mono: CLOCK_DATA, wall-clock time): net:*, skb:*, sched:sched_switch,
#   sched:sched_wakeup, irq:softirq_entry/exit, irq:irq_handler_entry/exit.
#   The recording is cut around its slowest packet (scripts/perfdata-cut --time).
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

# The slowest packet (netif_rx -> netif_receive_skb of its skb) received by
# ksoftirqd/1 that spent nine tenths of its wait with the busy loop on CPU 1
# (other load on the machine may delay packets too), from 1 ms before it was
# queued (or the busy loop started) to 1 ms after it was received: recorded again (at most 8 times) until one waited
# 1 ms or more.
for try in 1 2 3 4 5 6 7 8; do
	perf record -N -q --synth=no -k mono -a "${events[@]}" -o "$tmp/full.data" -- \
		bash -c workload >/dev/null
	win=$(perf script -i "$tmp/full.data" --ns -F tid,cpu,time,event,trace 2>/dev/null | python3 -c '
import re, sys
start, pkts, runs, hog_in, ksoftirqd = {}, [], [], None, -1
for line in sys.stdin:
    m = re.match(r"\s*(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\S+):\s(.*)", line)
    if not m:
        continue
    tid, cpu, t, ev, rest = int(m.group(1)), int(m.group(2)), float(m.group(3)), m.group(4), m.group(5)
    if ev == "sched:sched_switch" and "next_comm=ksoftirqd/1 " in rest:
        ksoftirqd = int(re.search(r"next_pid=(\d+)", rest).group(1))
    if ev == "sched:sched_switch" and cpu == 1:
        if "next_comm=blame-hog " in rest:
            hog_in = t
        elif "prev_comm=blame-hog " in rest and hog_in is not None:
            runs.append((hog_in, t))
            hog_in = None
    skb = re.search(r"skbaddr=(0x[0-9a-f]+)", rest)
    if ev == "net:netif_rx" and skb:
        start[skb.group(1)] = t
    elif ev == "net:netif_receive_skb" and skb and skb.group(1) in start:
        pkts.append((start.pop(skb.group(1)), t, tid == ksoftirqd))
best = None
for t0, t1, by_ksoftirqd in pkts:
    hog = sum(max(0.0, min(t1, hi) - max(t0, lo)) for lo, hi in runs)
    if t1 - t0 >= 0.001 and hog >= 0.9 * (t1 - t0) and by_ksoftirqd and \
       (not best or t1 - t0 > best[1] - best[0]):
        best = (min([t0] + [lo for lo, hi in runs if lo < t1 and hi > t0]), t1)
if best:
    print("%.9f,%.9f" % (best[0] - 0.001, best[1] + 0.001))') || true
	[ -z "$win" ] || break
done
[ -n "$win" ] || { echo "make-blame-data: no packet waited 1 ms for the busy loop" >&2; exit 1; }
[ -z "${KEEP_FULL:-}" ] || cp "$tmp/full.data" "$KEEP_FULL"
python3 "$top/scripts/perfdata-cut" --time "$win" "$tmp/full.data" "$out/latency-blame.data"
ls -l "$tmp/full.data" "$out/latency-blame.data"; perf script -i "$tmp/full.data" 2>/dev/null | wc -l

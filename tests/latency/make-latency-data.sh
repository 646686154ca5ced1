#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# make-latency-data.sh - record the real test recordings of the latency
# report on this machine (root, tracefs, perf):
#
#   testdata/latency-rps.data   net:net_dev_queue, net:net_dev_xmit, net:netif_rx,
#                               net:netif_receive_skb, skb:kfree_skb, skb:consume_skb of
#                               veth traffic between two namespaces made by
#                               this script, RPS on so packets are queued on
#                               one CPU and received on the other; UDP to an
#                               open and a closed port, ping, bursts
#   testdata/latency-lost.data  the same flood with a one-page ring buffer:
#                               PERF_RECORD_LOST windows
#   testdata/latency-g.data     -g (kernel call chains) for threshold mode,
#     + latency-g.kallsyms      with the kallsyms lines its stacks need
#
# Usage: tests/latency/make-latency-data.sh UDP_SEND_BINARY [OUTDIR]
# Traffic stays inside the namespaces ovsperf-lat1/ovsperf-lat2 (10.198.0.0/24),
# deleted on exit.
set -euo pipefail

udp_send=$(readlink -f "$1")
out=$(readlink -f "${2:-$(dirname "$0")/../../testdata}")
events=(-e net:net_dev_queue -e net:net_dev_xmit -e net:netif_rx -e net:netif_receive_skb -e skb:kfree_skb -e skb:consume_skb)

cleanup()
{
	ip netns del ovsperf-lat1 2>/dev/null || true
	ip netns del ovsperf-lat2 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add ovsperf-lat1
ip netns add ovsperf-lat2
ip link add ovsl-veth1 netns ovsperf-lat1 type veth peer name ovsl-veth2 netns ovsperf-lat2
ip -n ovsperf-lat1 addr add 10.198.0.1/24 dev ovsl-veth1
ip -n ovsperf-lat2 addr add 10.198.0.2/24 dev ovsl-veth2
ip -n ovsperf-lat1 link set ovsl-veth1 up
ip -n ovsperf-lat2 link set ovsl-veth2 up
# RPS over both CPUs on both sides: enqueue CPU and receive CPU differ often.
ip netns exec ovsperf-lat2 sh -c 'echo 3 > /sys/class/net/ovsl-veth2/queues/rx-0/rps_cpus'
ip netns exec ovsperf-lat1 sh -c 'echo 3 > /sys/class/net/ovsl-veth1/queues/rx-0/rps_cpus'
ip netns exec ovsperf-lat1 ping -q -c 1 -W 1 10.198.0.2 >/dev/null

workload()
{
	local n=$1 gap=$2
	ip netns exec ovsperf-lat2 "$udp_send" recv 9000 300 >/dev/null &
	sleep 0.1
	# To an open port, to a closed one (dropped after receive), pings, and a
	# burst with no gap from both sides at once (buffers interleave).
	ip netns exec ovsperf-lat1 "$udp_send" send 10.198.0.2 9000 "$n" 200 "$gap"
	ip netns exec ovsperf-lat1 "$udp_send" send 10.198.0.2 9001 $((n / 4)) 64 "$gap"
	ip netns exec ovsperf-lat1 ping -q -c 20 -i 0.01 10.198.0.2 >/dev/null || true
	ip netns exec ovsperf-lat1 "$udp_send" send 10.198.0.2 9000 $((n / 2)) 64 0 &
	ip netns exec ovsperf-lat2 "$udp_send" send 10.198.0.1 9002 $((n / 2)) 64 0
	wait
}

export -f workload
export udp_send

perf record -N -q --synth=no -a "${events[@]}" -o "$out/latency-rps.data" -- \
	bash -c 'workload 160 300' >/dev/null
perf record -N -q --synth=no -a -m 1 "${events[@]}" -o "$out/latency-lost.data" -- \
	bash -c 'workload 250 0' >/dev/null
perf record -N -q --synth=no -a -g "${events[@]}" -o "$out/latency-g.data" -- \
	bash -c 'workload 60 500' >/dev/null

# The kallsyms lines the -g stacks need: for every kernel address, the
# symbol at or below it and the next one (which bounds its size), and _text,
# which shows the analyzer that the lines are of the recorded boot.
perf script -i "$out/latency-g.data" -F ip 2>/dev/null | awk '{print $1}' | sort -u |
	python3 -c '
import sys, bisect
syms = []
for line in open("/proc/kallsyms"):
    p = line.split()
    if len(p) >= 3:
        syms.append((int(p[0], 16), line))
syms.sort(key=lambda s: s[0])
addrs = [s[0] for s in syms]
keep = set(i for i, s in enumerate(syms) if s[1].split()[1:3] in (["T", "_text"], ["t", "_text"]))
for w in sys.stdin:
    try:
        ip = int(w.strip(), 16)
    except ValueError:
        continue
    i = bisect.bisect_right(addrs, ip) - 1
    if i < 0:
        continue
    while i > 0 and syms[i][1].split()[1] not in "tTwW":
        i -= 1
    keep.add(i)
    j = i + 1
    while j < len(syms) and syms[j][0] == syms[i][0]:
        j += 1
    if j < len(syms):
        keep.add(j)
sys.stdout.write("".join(syms[i][1] for i in sorted(keep)))
' >"$out/latency-g.kallsyms"
rm -f "$out"/latency-*.data.old
ls -l "$out"/latency-*

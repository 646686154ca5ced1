#!/bin/bash
# perf612.sh - recordings written by perf 6.12 (scripts/build-perf-6.12, cached
# outside the clone) on this machine, read by `ovsperf-analyze script` line for
# line as that perf's `perf script` prints them (tests/parity/parity.py).
#
# Two network namespaces joined by a veth pair (made and removed here), pings
# and UDP between them, recorded system-wide with the tracepoints
# net:netif_rx, net:netif_receive_skb, net:net_dev_queue, net:net_dev_xmit,
# skb:kfree_skb, skb:consume_skb, sched:sched_switch, sched:sched_wakeup in
# five ways: plain, -z (zstd), -g (frame pointers), --call-graph dwarf (net
# events only: 4 KB of stack per sample), pipe (-o -); --synth=task (COMM
# and FORK of the running tasks, no MMAP2), sched events filtered to the
# workload's tasks.  perf 6.12 prints the
# sched events through libtraceevent's plugins, so those lines are compared up
# to the event name (parity.py --plugin-events sched:, which counts them);
# every other line must be identical.  `ovsperf-analyze latency` (span
# netif_rx -> netif_receive_skb, RPS on) must give what check_latency.py
# computes from that perf's `perf script`; `ovsperf-analyze info` must name
# perf 6.12.
#
# Usage: perf612.sh ANALYZE PERF612 WORKDIR [KEEPDIR]
#   KEEPDIR: also keep the recordings there (to refresh testdata/perf-6.12/).
# Exit 77 (skip) when perf 6.12 is not built or we are not root.
set -u
analyze=$1 perf=$2 work=$3 keep=${4:-}
here=$(dirname "$(readlink -f "$0")")
top=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: perf612 needs root (system-wide tracepoints, namespaces)"; exit 77; }
[ -x "$perf" ] && "$perf" --version 2>/dev/null | grep -q '^perf version 6\.12' ||
	{ echo "SKIP: no perf 6.12 at $perf (build it with scripts/build-perf-6.12, ~10 min)"; exit 77; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
[ -d /sys/kernel/tracing/events/net/netif_rx ] ||
	{ echo "SKIP: no net tracepoints in this kernel"; exit 77; }

rm -rf "$work"; mkdir -p "$work"
work=$(readlink -f "$work")
n1=ovsp612-$$-1 n2=ovsp612-$$-2
cleanup() { ip netns del "$n1" 2>/dev/null; ip netns del "$n2" 2>/dev/null; }
trap cleanup EXIT
ip netns add "$n1" && ip netns add "$n2" &&
ip link add v612a netns "$n1" type veth peer name v612b netns "$n2" &&
ip -n "$n1" addr add 10.212.0.1/24 dev v612a && ip -n "$n2" addr add 10.212.0.2/24 dev v612b &&
ip -n "$n1" link set v612a up && ip -n "$n2" link set v612b up &&
ip -n "$n1" link set lo up && ip -n "$n2" link set lo up || { echo "FAIL: namespace set-up"; exit 1; }
# RPS on both receive queues: a packet sent on one CPU may be received on the other.
for ns in "$n1:v612a" "$n2:v612b"; do
	ip netns exec "${ns%%:*}" sh -c "echo 3 > /sys/class/net/${ns#*:}/queues/rx-0/rps_cpus" 2>/dev/null
done
ip netns exec "$n1" ping -c 1 -W 2 10.212.0.2 >/dev/null 2>&1	# ARP

# A niced busy loop on every CPU meanwhile, as scripts/make-testdata's make_net
# does: on this VM perf record -a loses the samples of events raised in
# interrupt context on an idle CPU, here the RPS side of the traffic, and
# check_latency.py's backlog case needs some packets received on another
# CPU than the one that queued them (cross_cpu >= 1).  Their comm (sh) is
# not among the sched filters' tasks.
load="spin=; for c in \$(seq 0 $(($(nproc) - 1))); do \
timeout 5 nice -n 19 taskset -c \$c sh -c 'while :; do :; done' & spin=\"\$spin \$!\"; done; \
ip netns exec $n1 ping -q -c 20 -i 0.005 10.212.0.2; \
ip netns exec $n1 bash -c 'for i in \$(seq 10); do echo x > /dev/udp/10.212.0.2/9; done'; \
kill \$spin; wait"
net=(-e net:netif_rx -e net:netif_receive_skb -e net:net_dev_queue -e net:net_dev_xmit
     -e skb:kfree_skb -e skb:consume_skb)
# sched events of the workload's tasks only (the machine may be busy)
sched=(-e sched:sched_switch --filter 'prev_comm == "ping" || next_comm == "ping" || prev_comm == "bash" || next_comm == "bash"'
       -e sched:sched_wakeup --filter 'comm == "ping" || comm == "bash"')
rec() {	# NAME perf-record-options...
	local name=$1; shift
	if ! "$perf" record -q -N -a --synth=task "$@" -- bash -c "$load" >/dev/null 2>"$work/$name.err"; then
		echo "FAIL: perf 6.12 record $name: $(tail -2 "$work/$name.err")"; return 1
	fi
}
rc=0
rec plain -o "$work/plain.data" "${net[@]}" "${sched[@]}" || rc=1
rec z -z -o "$work/z.data" "${net[@]}" "${sched[@]}" || rc=1
rec g -g -o "$work/g.data" "${net[@]}" "${sched[@]}" || rc=1
rec dwarf --call-graph dwarf,4096 -o "$work/dwarf.data" "${net[@]}" || rc=1
"$perf" record -q -N -a --synth=task -o - "${net[@]}" "${sched[@]}" -- bash -c "$load" \
	>"$work/pipe.data" 2>"$work/pipe.err" || { echo "FAIL: perf 6.12 record pipe"; rc=1; }

mkdir -p "$work/bin" && ln -sf "$(readlink -f "$perf")" "$work/bin/perf"
for f in plain z g dwarf pipe; do
	[ -s "$work/$f.data" ] || continue
	python3 "$top/tests/parity/parity.py" --perf "$perf" --ovsperf "$analyze" \
		--plugin-events sched: --unknown-comm "$work/$f.data" || { echo "FAIL: parity of $f.data"; rc=1; }
	# The latency report against a computation from this perf's perf script
	# (net events only: no plugin there).
	PATH="$work/bin:$PATH" python3 "$top/tests/latency/check_latency.py" "$analyze" \
		"$work/$f.data" backlog || { echo "FAIL: latency of $f.data"; rc=1; }
	"$analyze" info "$work/$f.data" >"$work/$f.info" 2>"$work/$f.info.err" ||
		{ echo "FAIL: info $f.data: $(cat "$work/$f.info.err")"; rc=1; continue; }
	grep -q '^perf version: *6\.12\.' "$work/$f.info" ||
		{ echo "FAIL: info $f.data does not show perf 6.12: $(grep -i version "$work/$f.info")"; rc=1; }
done
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	for f in plain z g dwarf pipe; do cp "$work/$f.data" "$keep/"; done
fi
[ $rc = 0 ] && echo "perf612: all passed"
exit $rc

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vmrig-flood.sh - journey on a real recording with skb->head (CTest label
# vmrig): OVS's kernel datapath floods a broadcast to several ports, cloning
# the skb for every output but the last (skb_clone: the clones share the
# head), which only kprobes can see, so it runs in the qemu guest of
# scripts/vmrig (Debian 6.1, kprobes, openvswitch.ko).
#
# In the guest: the OVS lab (br0, veth1/ns1, veth2/ns2) plus veth3/ns3;
# `ovsperf-probe record ovs-dp` (ovs_vport_receive, do_output, ovs_dp_upcall
# with skb and head, fetched through BTF) with skb:kfree_skb, skb:consume_skb
# and net:netif_receive_skb, around its workload: ns1 sending N UDP
# broadcasts.  Then, still in the
# guest (perf script must symbolize with the guest's kallsyms):
#   - check_journey.py --key head --expect-clones: the packets and their
#     parents equal those computed from perf script (head, skb) as retis;
#   - check_journey.py --key skb: the same recording by skb address;
#   - flooded broadcasts (at least one) have 2 or more clones linked to
#     them (the datapath's events run in softirq context, where perf record
#     -a may miss samples: how many of the N the file holds is not fixed);
#   - check_drops.py: drop and free counts per reason equal perf script's
#     (perf script prints raw locations here: resolved with the guest's
#     /proc/kallsyms, the boot the recording stored its kallsyms from).
#
# Usage: vmrig-flood.sh OVSPERF_ANALYZE OVSPERF_PROBE WORKDIR
# Exit 77 (skip) without root or without the vmrig and its setup.
set -u

analyze=$1
probe=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# Physical path: the guest sees the rig at its real place, not through a
# symlinked ../shared.
rig=$(readlink -f "${VMRIG:-$root/scripts/vmrig}")
N=12

skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$rig/vm-run.sh" ] || skip "no vmrig at $rig"
ls /boot/vmlinuz-6.1* >/dev/null 2>&1 || skip "vmrig not set up (no /boot/vmlinuz-6.1*: run $rig/setup.sh)"
command -v qemu-system-x86_64 >/dev/null || skip "vmrig not set up (no qemu-system-x86_64)"
command -v ovs-vswitchd >/dev/null || skip "vmrig not set up (no openvswitch-switch)"
[ -x "$probe" ] || skip "$probe not built"
mkdir -p "$work"
rm -f "$work"/flood.data "$work"/guest.log

# The guest side: runs as root in the VM, with $work shared read-write.
cat > "$work/guest.sh" <<EOF
set -u
. "$rig/ovs-lab.sh" || { echo "FAIL: the guest cannot read $rig/ovs-lab.sh"; exit 1; }
ovs_lab_up >/dev/null || exit 77
ip netns add ns3
ip link add veth3 type veth peer name veth3p
ip link set veth3p netns ns3
ovs-vsctl add-port br0 veth3
ip link set veth3 up
ip netns exec ns3 ip addr add 10.11.0.3/24 dev veth3p
ip netns exec ns3 ip link set veth3p up
# The sender is record's workload (-- CMD, system-wide with -a): it starts
# once the events are open, however long the guest takes to install them,
# and the recording ends when it exits (it waits a second for the frees).
"$probe" record ovs-dp -e skb:kfree_skb -e skb:consume_skb -e net:netif_receive_skb \\
	-a -q -o "$work/flood.data" -- ip netns exec ns1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for i in range($N):
    s.sendto(b'flood %d' % i, ('10.11.0.255', 9))
    time.sleep(0.2)
time.sleep(1)
" || { echo "FAIL: ovsperf-probe record failed"; exit 1; }
fail=0
python3 "$here/check_journey.py" "$analyze" "$work/flood.data" head --expect-clones || fail=1
python3 "$here/check_journey.py" "$analyze" "$work/flood.data" skb || fail=1
python3 "$here/../drops/check_drops.py" "$analyze" "$work/flood.data" \\
	--resolve-hex /proc/kallsyms || fail=1
# Broadcasts from ns1 (their first do_output) with >= 2 clones linked to them:
# at least one (check_journey.py has compared every link with perf script's).
"$analyze" journey --json -q --key head "$work/flood.data" > "$work/flood.jsonl"
python3 -c "
import json, sys
pk = []
for line in open('$work/flood.jsonl'):
    if not line.startswith('{\"id\"'):
        break
    pk.append(json.loads(line))
kids = {}
for p in pk:
    if p['parent']:
        kids[p['parent']] = kids.get(p['parent'], 0) + 1
flooded = sum(1 for n in kids.values() if n >= 2)
print('%d packets, %d clones, %d packets with >= 2 clones' % (len(pk), sum(kids.values()), flooded))
sys.exit(0 if flooded >= 1 else 1)
" || { echo "FAIL: no flooded packet with 2 clones"; fail=1; }
exit \$fail
EOF

# The guest's /tmp is its own: the source tree and the binaries (a clone
# under /tmp) must be seen explicitly.
"$rig/vm-run.sh" --retry-panic --timeout 900 --share "$work" --see "$root" --see "$(dirname "$analyze")" \
	--see "$(dirname "$probe")" -- bash "$work/guest.sh"
rc=$?
[ $rc = 0 ] && echo "vmrig-flood: ok"
exit $rc

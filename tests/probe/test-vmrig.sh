#!/bin/bash
# test-vmrig.sh - the kprobe sets installed for real in vmrig's Debian 6.1
# kernel (kprobes, openvswitch.ko, BTF): what dynamic_events shows must be
# exactly the dry-run text (kretprobes are listed as "r10:"), and with
# Debian 6.1's sk_buff layout the exact lines of expected/vmrig-6.1.txt; an
# idempotent re-install; the IPv4 flow fields of real pings between two
# network namespaces; upcall-cost's kprobe; remove --all leaves nothing; the
# one-line errors for a missing function and an unloaded module; the ovs-dp
# set's device (skb->dev) and Ethernet flow fields on traffic through an OVS
# bridge, as latency's per-device groups, --dev and flows.
# Usage: test-vmrig.sh OVSPERF_PROBE EXPECTED_DIR          (exit 77: skipped)
set -u
P=$(realpath "$1")
EXP=$(realpath "$2")
SETDIR=$(realpath "$(dirname "$0")/../../probes/sets")
RIG=$(realpath -m "${VMRIG:-$(dirname "$0")/../../scripts/vmrig}")
[ -x "$RIG/vm-run.sh" ] || { echo "SKIP: no vmrig at $RIG"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: vmrig needs root"; exit 77; }
ls /boot/vmlinuz-6.1* >/dev/null 2>&1 && command -v qemu-system-x86_64 >/dev/null ||
	{ echo "SKIP: vmrig is not set up (run $RIG/setup.sh)"; exit 77; }

# The guest part: prints FAIL lines, exits with the number of failures.
read -r -d '' GUEST <<'GEOF'
P=$1; EXP=$2; SETDIR=$3; RIG=$4; T=/sys/kernel/tracing; fail=0
die() { echo "FAIL: $*"; fail=$((fail + 1)); }
export OVSPERF_TRACEFS=
modprobe openvswitch || die "modprobe openvswitch"
SETS="ovs-dp backlog kernel-delay"
$P install -n $SETS > /tmp/dry 2>/tmp/dry.err || die "dry run: $(cat /tmp/dry.err)"
out=$($P install $SETS 2>&1) || die "install: $out"
[[ $out == "18 events ready (7 created): "* ]] || die "install output: $out"
grep '^[pr][0-9]*:ovsperf/' $T/dynamic_events | sed 's/^r[0-9]*:/r:/' > /tmp/got
diff /tmp/dry /tmp/got > /tmp/diff || die "dynamic_events differs from the dry run: $(cat /tmp/diff)"
case $(uname -r) in
6.1.0-*) diff "$EXP/vmrig-6.1.txt" /tmp/got > /tmp/diff ||
		die "dynamic_events differs from vmrig-6.1.txt: $(cat /tmp/diff)" ;;
esac
for e in ovs_vport_receive do_output ovs_dp_upcall enqueue_to_backlog __netif_receive_skb ip_rcv ovs_dp_upcall__return; do
	[ -d $T/events/ovsperf/$e ] || die "no event directory for $e"
done
out=$($P install $SETS 2>&1) || die "re-install: $out"
[[ $out == "18 events ready (0 created): "* ]] || die "re-install: $out"
out=$($P install k:no_such_function_xyz 2>&1) && die "missing function accepted"
[[ $out == *"function no_such_function_xyz is missing or inlined"*available_filter_functions* ]] ||
	die "missing function message: $out"
# The flow field (nh, the network header's bytes) reads real IPv4 and IPv6
# headers: pings between two namespaces over a veth pair go
# enqueue_to_backlog -> __netif_receive_skb -> ip_rcv (ipv6_rcv for IPv6).
ip netns add vmr1 && ip netns add vmr2 &&
ip link add vmr1a netns vmr1 type veth peer name vmr2a netns vmr2 &&
ip -n vmr1 addr add 10.11.0.1/24 dev vmr1a && ip -n vmr2 addr add 10.11.0.2/24 dev vmr2a &&
ip -n vmr1 addr add fd11::1/64 dev vmr1a nodad && ip -n vmr2 addr add fd11::2/64 dev vmr2a nodad &&
ip -n vmr1 link set vmr1a up && ip -n vmr2 link set vmr2a up || die "netns setup"
ip netns exec vmr1 ping -6 -c 1 -W 3 fd11::2 >/dev/null 2>&1	# neighbour discovery
perf record -q -a -e ovsperf:enqueue_to_backlog -e ovsperf:__netif_receive_skb \
	-e ovsperf:ip_rcv -e skb:kfree_skb -e skb:consume_skb -o /tmp/flow.data -- \
	bash -c 'ip netns exec vmr1 ping -c 3 -i 0.3 10.11.0.2; ip netns exec vmr1 ping -6 -c 3 -i 0.3 fd11::2' \
	>/dev/null 2>&1 || die "perf record"
perf script -i /tmp/flow.data -F event,trace > /tmp/flow.txt 2>/dev/null
# 10.11.0.1 -> 10.11.0.2, ICMP: version 4 / 20-byte header, protocol 1.
# The kprobes fire in softirq context, where perf record -a may miss samples
# (scripts/make-testdata, make_net): the checks ask for some samples with the
# right bytes (at least one), not for every ping.
want="nh={0x45,[^}]*,0x1,0x[0-9a-f]*,0x[0-9a-f]*,0xa,0xb,0x0,0x1,0xa,0xb,0x0,0x2,"
n=$(grep -c "ovsperf:ip_rcv:.*$want" /tmp/flow.txt)
[ "$n" -ge 1 ] || die "ip_rcv flow bytes ($n matches of '$want'): $(head -3 /tmp/flow.txt)"
n=$(grep -c "ovsperf:enqueue_to_backlog:.*$want" /tmp/flow.txt)
[ "$n" -ge 1 ] || die "enqueue_to_backlog flow bytes ($n): $(head -3 /tmp/flow.txt)"
n=$(grep -c "ovsperf:enqueue_to_backlog:.*nh={0x60," /tmp/flow.txt)
[ "$n" -ge 1 ] || die "enqueue_to_backlog IPv6 headers ($n): $(grep -m2 enqueue /tmp/flow.txt)"
# skb and head are kernel pointers.
grep -q "ovsperf:ip_rcv:.* skb=0xff[0-9a-f]* head=0xff[0-9a-f]* " /tmp/flow.txt ||
	die "skb/head fields: $(grep -m1 ip_rcv /tmp/flow.txt)"
# The analyzer's flows: IPv4 pings as 10.11.0.1 -> 10.11.0.2 proto 1, IPv6
# ones (ICMPv6 58) as fd11::1 -> fd11::2 (and the replies back); every
# packet of the span (enqueue_to_backlog -> __netif_receive_skb, which IPv6
# passes too) has one of them, none a made-up address.
A=$(dirname "$P")/ovsperf-analyze
SPAN=enqueue_to_backlog-\>__netif_receive_skb
$A latency --span "$SPAN" --json -q /tmp/flow.data > /tmp/flow.json 2>/tmp/flow.err ||
	die "latency: $(cat /tmp/flow.err)"
python3 - /tmp/flow.json <<'PYEOF' || die "analyzer flows: $(head -c 600 /tmp/flow.json)"
import json, sys
d = json.load(open(sys.argv[1]))
spans = d['reports']['latency']['spans']
seen = set()
for sp in spans:
    for lst in ('best', 'worst'):
        for p in sp.get(lst, []):
            f = p.get('flow', {})
            seen.add((f.get('src_ip'), f.get('dst_ip'), f.get('protocol')))
want = {('10.11.0.1', '10.11.0.2', 1), ('10.11.0.2', '10.11.0.1', 1),
        ('fd11::1', 'fd11::2', 58), ('fd11::2', 'fd11::1', 58)}
# Neighbour discovery and MLD (ICMPv6 from/to link-local or multicast) too;
# ARP has no flow at all.
nd = lambda s: s[2] == 58 and any(a and a.split(':')[0] in ('fe80', 'ff02', '') for a in s[:2])
bad = [s for s in seen if s not in want and not nd(s) and s != (None, None, None)]
print('flows seen:', sorted(map(str, seen)))
v4, v6 = sorted(want)[:2], sorted(want)[2:]
sys.exit(1 if bad or not set(v4) & seen or not set(v6) & seen else 0)
PYEOF
# --src-ip with IPv6 addresses: the echo requests and the replies (some of
# each: see above; the flows of every best/worst packet were checked).
for a in fd11::1 fd11::2; do
	m=$($A latency --span "$SPAN" --src-ip $a --protocol 58 --json -q /tmp/flow.data |
		python3 -c 'import json,sys; print(sum(s["count"] for s in json.load(sys.stdin)["reports"]["latency"]["spans"]))' 2>&1)
	[ "$m" -ge 1 ] 2>/dev/null || die "--src-ip $a: $m packets"
done
ip netns del vmr1; ip netns del vmr2

# upcall-cost's kprobe (nested derefs through BTF, a byte array) and tracepoint.
k=$(grep '^k:openvswitch:ovs_packet_cmd_execute' "$SETDIR/upcall-cost.probes")
out=$($P install "$k" t:openvswitch:ovs_dp_upcall 2>&1) || die "upcall-cost kprobe: $out"
grep -q '^p:ovsperf/ovs_packet_cmd_execute openvswitch:ovs_packet_cmd_execute nlskb=%di:x64 pkt=+4(+8(+[0-9]*(%si))):x8\[64\] pkt_len=' $T/dynamic_events ||
	die "ovs_packet_cmd_execute: $(grep cmd_execute $T/dynamic_events)"

# ovs_dp_upcall's kprobe (the ovs-dp and upcall-cost sets) against the
# openvswitch:ovs_dp_upcall tracepoint at the same point, on real upcalls
# through an OVS bridge: the same skb, length and command; its in-port is
# the datapath port of the tracepoint's device (ovs-dpctl show); its bytes
# are the Ethernet frame of the lab's IPv4 traffic (10.11.0.0/24).
. "$RIG/ovs-lab.sh"
if ovs_lab_up >/tmp/lab.log 2>&1; then
	ovs-dpctl show > /tmp/dpctl.txt
	perf record -q -a -e ovsperf:ovs_dp_upcall -e openvswitch:ovs_dp_upcall -o /tmp/up.data -- \
		bash -c ". $RIG/ovs-lab.sh; ovs_lab_traffic 2 10.11.0.2 0.5" >/dev/null 2>&1 ||
		die "perf record of upcalls"
	perf script -i /tmp/up.data -F tid,event,trace > /tmp/up.txt 2>/dev/null
	python3 - /tmp/up.txt /tmp/dpctl.txt <<'PYEOF' || die "ovs_dp_upcall kprobe fields"
import re, sys
ports = dict((m[1], int(m[0])) for m in re.findall(r'port (\d+): (\S+)', open(sys.argv[2]).read()))
kp, n, bad = {}, 0, []
for ln in open(sys.argv[1]):
    f = dict(re.findall(r'(\w+)=(\{[^}]*\}|\S+)', ln))
    if 'ovsperf:ovs_dp_upcall' in ln:
        kp[(ln.split()[0], f['skb'])] = f
    elif 'openvswitch:ovs_dp_upcall' in ln:
        k = kp.pop((ln.split()[0], f['skbaddr']), None)
        if k is None:
            bad.append('no kprobe sample before ' + ln.strip()); continue
        pkt = [int(x, 16) for x in k['pkt'].strip('{}').split(',')]
        n += 1
        if (k['len'], k['upcall_cmd'], k['data_len']) != (f['len'], f['upcall_cmd'], f['data_len']):
            bad.append('len/cmd/data_len differ: %s / %s' % (k, f))
        if int(k['in_port']) != ports.get(f['dev']):
            bad.append('in_port %s for %s (port %s)' % (k['in_port'], f['dev'], ports.get(f['dev'])))
        if len(pkt) != 64 or (pkt[12] << 8 | pkt[13]) == 0x0800 and pkt[26:29] != [10, 11, 0]:
            bad.append('pkt is not the lab frame: %s' % pkt[:34])
print('\n'.join(bad[:5]))
print(n, 'upcalls compared,', len(bad), 'differences')
sys.exit(1 if bad or n < 1 else 0)	# (some upcalls: see above)
PYEOF
	# The ovs-dp set's device and flow fields on real traffic through the
	# bridge: ovs_vport_receive names the receiving port (skb->dev), so
	# latency groups packets by veth1 (ns1's pings and UDP) and veth2
	# (the replies) and --dev picks them; the flows are read from the
	# Ethernet frame (field eth): the lab's 10.11.0.0/24 addresses.
	A=$(dirname "$P")/ovsperf-analyze
	perf record -q -a -e ovsperf:ovs_vport_receive -e ovsperf:do_output -e ovsperf:ovs_dp_upcall \
		-e skb:kfree_skb -e skb:consume_skb -o /tmp/dp.data -- \
		bash -c ". $RIG/ovs-lab.sh; ovs_lab_traffic 2 10.11.0.2" >/dev/null 2>&1 ||
		die "perf record of the ovs-dp set"
	perf script -i /tmp/dp.data -F event,trace 2>/dev/null | grep -m1 'ovs_vport_receive:.* dev="veth[12]" eth={' >/dev/null ||
		die "ovs_vport_receive dev/eth fields: $(perf script -i /tmp/dp.data -F event,trace 2>/dev/null | grep -m1 ovs_vport_receive)"
	$A latency --preset ovs-dp --json -q /tmp/dp.data > /tmp/dp.json 2>/tmp/dp.err || die "latency ovs-dp: $(cat /tmp/dp.err)"
	python3 - /tmp/dp.json <<'PYEOF' || die "ovs-dp devices and flows: $(head -c 600 /tmp/dp.json)"
import json, sys
sp = json.load(open(sys.argv[1]))['reports']['latency']['spans'][0]
devs = dict((g['dev'], g['count']) for g in sp['by_dev'])
flows = set((p.get('flow') or {}).get('src_ip') for lst in ('best', 'worst') for p in sp[lst])
print('devices', devs, 'sources', sorted(map(str, flows)))
ok = devs.get('veth1', 0) > 0 and devs.get('veth2', 0) > 0 and sum(devs.values()) == sp['count']
# Besides the lab's pings the veths carry what the kernel sends by itself
# (IPv6 neighbour and router solicitations from fe80::, ARP without an IP
# flow), and which of those land among the best and worst packets depends
# on timing: every source must be a lab or link-local address, and the
# lab's IPv4 traffic must be there.
import ipaddress
lab = [ipaddress.ip_network(n) for n in ('10.11.0.0/24', 'fd11::/64', 'fe80::/10')]
ips = [ipaddress.ip_address(f) for f in flows if f]
ok = ok and any(f.startswith('10.11.0.') for f in flows if f)
ok = ok and all(any(a in n for n in lab if n.version == a.version) for a in ips)
sys.exit(0 if ok else 1)
PYEOF
	n=$($A latency --preset ovs-dp --dev veth1 --json -q /tmp/dp.data |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["reports"]["latency"]["spans"][0]["count"])')
	m=$(python3 -c 'import json,sys; print([g["count"] for g in json.load(open(sys.argv[1]))["reports"]["latency"]["spans"][0]["by_dev"] if g["dev"] == "veth1"][0])' /tmp/dp.json)
	[ "$n" = "$m" ] || die "--dev veth1: $n packets, by_dev says $m"
	$A latency --preset ovs-dp --dev nosuch0 -q /tmp/dp.data >/dev/null 2>&1 && die "--dev nosuch0 accepted"
	ovs_lab_down >/dev/null 2>&1
	ovs-dpctl del-dp ovs-system >/dev/null 2>&1
else
	die "ovs_lab_up: $(tail -3 /tmp/lab.log)"
fi

out=$($P remove --all) || die "remove --all: $out"
[ "$out" = "8 events removed" ] || die "remove output: $out"
grep -q ovsperf/ $T/dynamic_events && die "left after remove --all: $(cat $T/dynamic_events)"
rmmod openvswitch || die "rmmod openvswitch"
out=$($P install ovs-dp 2>&1) && die "ovs-dp installed without its module"
[[ $out == *"module openvswitch is not loaded (modprobe openvswitch)"* ]] || die "module message: $out"
grep -q ovsperf/ $T/dynamic_events && die "failed install left events"
exit $fail
GEOF

cd "$(dirname "$P")" || exit 1
# The source tree is seen read-only in the guest even when it lives under
# /tmp (the guest's /tmp is its own tmpfs).
"$RIG/vm-run.sh" --retry-panic --timeout 500 --see "$(cd "$(dirname "$0")/../.." && pwd)" -- \
	bash -c "$GUEST" guest "$P" "$EXP" "$SETDIR" "$RIG"
rc=$?
case $rc in
0) echo "vmrig: all passed" ;;
124|125) echo "FAIL: the VM did not finish (exit $rc)" ;;
*) echo "FAIL: $rc checks failed in the guest" ;;
esac
exit $rc

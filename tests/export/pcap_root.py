#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Root test of `ovsperf-analyze export --pcap` on a real recording.

upcall-pkt fires the USDT probe dpif_recv:recv_upcall (OVS's arguments) for
real Ethernet/IPv4 frames (UDP, ICMP, TCP; some longer than 128 bytes).
ovsperf-probe records it with the recv_upcall definition of the upcall-cost
probe set (its packet-bytes fetch args); the export must give a pcapng in
which tshark finds every packet, in order, with the protocol and length
upcall-pkt printed, the captured length min(length, 128), good checksums and
a comment naming the event and the thread.  The Perfetto export of the same
recording has one recv_upcall slice per packet on the thread's track.

usage: pcap_root.py OVSPERF_ANALYZE OVSPERF_PROBE UPCALL_PKT PROBE_SET WORK_DIR
Exit 77 (skip) when not root, without uprobes or without tshark.
"""
import json
import os
import shutil
import subprocess
import sys

SKIP = 77


def skip(msg):
    print('SKIP:', msg)
    sys.exit(SKIP)


def main():
    analyze, probe, prog, set_file, work = sys.argv[1:6]
    if os.geteuid() != 0:
        skip('needs root (uprobes, perf events)')
    if not shutil.which('tshark'):
        skip('tshark is not installed (apt-get install tshark)')
    if not os.path.exists('/sys/kernel/tracing/uprobe_events'):
        subprocess.run(['mount', '-t', 'tracefs', 'nodev', '/sys/kernel/tracing'])
        if not os.path.exists('/sys/kernel/tracing/uprobe_events'):
            skip('no tracefs with uprobe_events')

    # The set's own recv_upcall line (the kernel events of the set need the
    # openvswitch module and kprobes, which this machine does not have).
    lines = [ln for ln in open(set_file) if ln.startswith('u:dpif_recv:recv_upcall')]
    if len(lines) != 1 or 'pkt=' not in lines[0]:
        print('FAIL: the upcall-cost set has no recv_upcall line with packet bytes')
        return 1
    probes = os.path.join(work, 'recv-upcall.probes')
    with open(probes, 'w') as f:
        f.write('description recv_upcall of the upcall-cost set\n' + lines[0])
    data = os.path.join(work, 'upcall-pkt.data')
    pcap = os.path.join(work, 'upcall-pkt.pcapng')
    n = 15

    # upcall-pkt is record's workload (-- CMD): it starts once the probe is
    # installed and the event enabled, so every packet it fires is recorded
    # however long record takes to get there (a program started beside
    # record, firing after a fixed delay, lost its first packets on a
    # loaded machine).  Its lines come out on record's stdout.
    rec = subprocess.run([probe, 'record', probes, '--binary', prog, '-q', '-o', data,
                          '--', prog, str(n), '0'], capture_output=True, text=True,
                         timeout=60)
    out = rec.stdout
    if rec.returncode:
        print('FAIL: ovsperf-probe record:', rec.stderr)
        return 1
    sent = [ln.split() for ln in out.splitlines()]
    assert len(sent) == n, out

    subprocess.run([analyze, 'export', '-q', '--pcap', pcap, '--perfetto',
                    os.path.join(work, 'upcall-pkt.json'), data], check=True)
    fields = ['frame.number', 'frame.len', 'frame.cap_len', '_ws.col.Protocol',
              'frame.comment', 'ip.checksum.status', 'frame.interface_name']
    ts = subprocess.run(['tshark', '-r', pcap, '-o', 'ip.check_checksum:TRUE', '-T', 'fields',
                         *sum((['-e', f] for f in fields), [])],
                        capture_output=True, text=True, check=True).stdout
    got = [ln.split('\t') for ln in ts.splitlines()]
    fails = 0

    def check(cond, msg):
        nonlocal fails
        if not cond:
            fails += 1
            print('FAIL:', msg)

    check(len(got) == n, f'tshark lists {len(got)} packets, upcall-pkt sent {n}')
    for (idx, proto, length), row in zip(sent, got):
        num, flen, caplen, wproto, comment, ipck, ifname = row
        length = int(length)
        check(int(flen) == length, f'packet {idx}: length {flen}, sent {length}')
        check(int(caplen) == min(length, 128), f'packet {idx}: captured {caplen}')
        check(wproto == proto, f'packet {idx}: tshark says {wproto}, sent {proto}')
        check(ipck == '1', f'packet {idx}: IPv4 header checksum good')
        check('event=' in comment and 'recv_upcall' in comment and
              'thread=upcall-pkt/' in comment, f'packet {idx}: comment "{comment}"')
        check(ifname == 'system@ovs-system', f'packet {idx}: interface {ifname}')
    check(any(int(s[2]) > 128 for s in sent), 'some packets are truncated')

    # Flow filters read the packet's own headers.
    for filt, want in ((['--protocol', 'udp'], 'UDP'), (['--dst-port', '80'], 'TCP'),
                       (['--protocol', 'icmp', '--src-ip', '10.199.0.1'], 'ICMP')):
        fp = os.path.join(work, 'filtered.pcapng')
        subprocess.run([analyze, 'export', '-q', '--pcap', fp, *filt, data], check=True)
        rows = subprocess.run(['tshark', '-r', fp, '-T', 'fields', '-e', '_ws.col.Protocol'],
                              capture_output=True, text=True, check=True).stdout.split()
        nwant = sum(1 for s in sent if s[1] == want)
        check(rows == [want] * nwant, f'{" ".join(filt)}: {rows}, want {nwant} x {want}')

    doc = json.load(open(os.path.join(work, 'upcall-pkt.json')))
    recv = [e for e in doc['traceEvents'] if e.get('name') == 'recv_upcall']
    check(len(recv) == n, f'perfetto: {len(recv)} recv_upcall slices, want {n}')
    names = {e['args']['name'] for e in doc['traceEvents']
             if e['ph'] == 'M' and e['name'] == 'thread_name'}
    check('upcall-pkt' in names, f'perfetto: thread upcall-pkt named ({names})')
    print(f'{len(got)} packets checked')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())

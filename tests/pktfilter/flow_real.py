#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
flow_real.py - flows of a real recording made here, IPv4 and IPv6: TCP
connections to closed ports of ::1 and 127.0.0.1 make the kernel send resets
(tcp:tcp_send_reset, whose saddr/daddr are a struct sockaddr_in6 or
sockaddr_in, and skbaddr).  For each flow filter (IPv6 and IPv4 addresses,
ports, a made-up 0.0.0.0) the packets `ovsperf-analyze journey --json`
keeps must be exactly the resets perf script shows with that flow (an
independent decoding: perf prints the sockaddrs itself as [::1]:9).

Usage: flow_real.py ANALYZER      (root: perf record -a; exit 77 skipped)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CONNECT = r'''
import socket
for fam, addr in ((socket.AF_INET6, '::1'), (socket.AF_INET, '127.0.0.1')):
    for port in (9, 19, 19):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.connect((addr, port))
        except OSError:
            pass
        s.close()
'''
RST = re.compile(r'^\s*(\d+)\.(\d{9}):\s+tcp:tcp_send_reset:.* src=\[?([0-9a-f.:]+?)\]?:(\d+) '
                 r'dest=\[?([0-9a-f.:]+?)\]?:(\d+) ')


def main():
    analyzer = sys.argv[1]
    if os.geteuid() != 0 or not shutil.which('perf'):
        print('SKIP: needs root and perf')
        return 77
    if not os.path.exists('/sys/kernel/tracing/events/tcp/tcp_send_reset'):
        print('SKIP: no tcp:tcp_send_reset tracepoint')
        return 77
    work = tempfile.mkdtemp()
    data = os.path.join(work, 'rst.data')
    r = subprocess.run(['perf', 'record', '-q', '-a', '-e', 'tcp:tcp_send_reset', '-e',
                        'skb:kfree_skb', '-e', 'skb:consume_skb', '-o', data, '--',
                        sys.executable, '-c', CONNECT], capture_output=True, text=True)
    if r.returncode:
        print('SKIP: perf record failed:', r.stderr[:200])
        return 77
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F', 'time,event,trace'],
                         check=True, capture_output=True, text=True).stdout
    resets = []
    for ln in out.splitlines():
        m = RST.match(ln)
        if m:
            resets.append({'t': int(m[1]) * 10**9 + int(m[2]), 'src': m[3], 'sport': int(m[4]),
                           'dst': m[5], 'dport': int(m[6])})
    if sum(r['src'] == '::1' for r in resets) < 3 or \
            sum(r['src'] == '127.0.0.1' for r in resets) < 3:
        print(f'SKIP: not the resets expected: {resets}')
        return 77
    cases = [(['--src-ip', '::1'], lambda r: r['src'] == '::1'),
             (['--dst-ip', '0:0::1'], lambda r: r['dst'] == '::1'),
             (['--src-ip', '127.0.0.1'], lambda r: r['src'] == '127.0.0.1'),
             (['--src-ip', '::1', '--src-port', '19'],
              lambda r: r['src'] == '::1' and r['sport'] == 19),
             (['--src-port', '9'], lambda r: r['sport'] == 9),
             (['--src-ip', '0.0.0.0'], lambda r: False),
             (['--src-ip', '::'], lambda r: False)]
    errors = []
    for args, pred in cases:
        want = sorted(r['t'] for r in resets if pred(r))
        res = subprocess.run([analyzer, 'journey', '--json', '-q'] + args + [data],
                             capture_output=True, text=True)
        got = []
        for ln in res.stdout.splitlines():
            p = json.loads(ln)
            for e in p.get('events', []):
                if e['event'] == 'tcp:tcp_send_reset':
                    got.append(e['time_ns'])
        got.sort()
        if got != want:
            errors.append(f'{" ".join(args)}: resets {got}, expected {want} '
                          f'(exit {res.returncode}: {res.stderr.strip()[:200]})')
        else:
            print(f'{" ".join(args)}: {len(got)} resets')
    shutil.rmtree(work)
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {len(resets)} resets, every filter keeps exactly its flows')
    return 0


if __name__ == '__main__':
    sys.exit(main())

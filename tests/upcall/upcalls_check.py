#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
upcalls_check.py - `ovsperf-analyze upcalls` on a real recording (CTest label
root): tests/progs/upcall-fire fires the USDT dpif_recv:recv_upcall with
ovs-vswitchd's argument layout over crafted packets and netlink flow keys,
`ovsperf-probe record upcall-monitor` records it through uprobes, and the
report's output is checked line by line against what the program says it
fired, decoded here independently:

  - the header line and one line per upcall: CPU and time as perf script
    shows them, comm handler7, the thread id, dpif name, type, packet and
    key lengths, result 0;
  - --flow-key-decode nlraw: "Flow key size N bytes, size captured C bytes."
    and upcall_monitor.py's "nla_len L, nla_type NAME[T], data: .." lines,
    WARN lines for damaged keys;
  - --packet-decode: "K: Receive dp_port P, packet size N bytes, size
    captured C bytes." and the one-line summary;
  - -k hex / -d hex: hex dumps; -f/-s: fewer bytes shown;
  - --json: one object per upcall with the same values and attributes;
  - --result error: refused with one error line (no return probe here).

Usage: upcalls_check.py OVSPERF_PROBE OVSPERF_ANALYZE UPCALL_FIRE WORKDIR
Exit 77 without root, uprobes or perf.
"""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time

ATTRS = ["UNSPEC", "ENCAP", "PRIORITY", "IN_PORT", "ETHERNET", "VLAN", "ETHERTYPE", "IPV4",
         "IPV6", "TCP", "UDP", "ICMP", "ICMPV6", "ARP", "ND", "SKB_MARK", "TUNNEL", "SCTP",
         "TCP_FLAGS", "DP_HASH", "RECIRC_ID", "MPLS", "CT_STATE", "CT_ZONE", "CT_MARK",
         "CT_LABELS", "CT_ORIG_TUPLE_IPV4", "CT_ORIG_TUPLE_IPV6", "NSH", "PACKET_TYPE",
         "ND_EXTENSIONS", "TUNNEL_INFO", "IPV6_EXTHDRS"]
WALL = None      # the first line of the text (CLOCK_DATA)
CAPTURE = 128    # bytes the upcall-monitor set fetches of the key and the packet


def attr_name(t):
    return 'OVS_KEY_ATTR_' + ATTRS[t] if t < len(ATTRS) else '<UNKNOWN>'


def nla_walk(key):
    """(attrs, status): attrs = [(len, type, data, truncated)]."""
    out, off = [], 0
    while off < len(key):
        left = len(key) - off
        if left < 4:
            return out, 'short'
        ln = int.from_bytes(key[off:off + 2], 'little')
        ty = int.from_bytes(key[off + 2:off + 4], 'little')
        if ln < 4:
            return out, 'badlen'
        trunc = ln > left
        out.append((ln, ty, key[off + 4:off + min(ln, left)], trunc))
        if trunc:
            return out, 'end'
        off += (ln + 3) & ~3
    return out, 'end'


def key_lines(key):
    attrs, st = nla_walk(key)
    lines = []
    for ln, ty, data, trunc in attrs:
        d = ''.join(f' {b:02x}' for b in data)
        lines.append(f'    nla_len {ln}, nla_type {attr_name(ty)}[{ty}], data:{d}'
                     + (' ...' if trunc else ''))
        if trunc:
            lines.append(f'    WARN: decode truncated; nla_len > msg_len[{len(data) + 4}]')
    if st == 'short':
        lines.append("    WARN: decode truncated; can't read header")
    elif st == 'badlen':
        lines.append('    WARN: decode truncated; nla_len < 4')
    return lines


def in_port(key):
    for ln, ty, data, trunc in nla_walk(key)[0]:
        if ty & 0x3fff == 3 and not trunc and len(data) == 4:
            return int.from_bytes(data, 'little')
    return None


def mac(b):
    return ':'.join(f'{x:02x}' for x in b)


def summary(p):
    """The one-line packet summary, from the format in ovsperf-analyze(1)."""
    if len(p) < 14:
        return f'Ethernet truncated ({len(p)} bytes)'
    s = [f'Ethernet {mac(p[6:12])} > {mac(p[0:6])}']
    off = 12
    et = int.from_bytes(p[off:off + 2], 'big')
    while et in (0x8100, 0x88a8):
        if off + 6 > len(p):
            return ', '.join(s + ['VLAN truncated'])
        tci = int.from_bytes(p[off + 2:off + 4], 'big')
        s.append(f'VLAN {tci & 0xfff} pcp {tci >> 13}')
        off += 4
        et = int.from_bytes(p[off:off + 2], 'big')
    q = p[off + 2:]
    if et == 0x0800:
        s += ipv4(q)
    elif et == 0x86dd:
        s += ipv6(q)
    elif et == 0x0806:
        s += arp(q)
    else:
        s.append(f'EtherType 0x{et:04x}')
    return ', '.join(s)


def l4(proto, q, v6):
    if proto == 6:
        if len(q) < 14:
            return ['TCP truncated']
        fl = ''.join(c for bit, c in ((1, 'F'), (2, 'S'), (4, 'R'), (8, 'P'), (16, '.'),
                                      (32, 'U'), (64, 'E'), (128, 'W')) if q[13] & bit)
        t = (f'TCP {int.from_bytes(q[0:2], "big")} > {int.from_bytes(q[2:4], "big")} '
             f'flags [{fl}] seq {int.from_bytes(q[4:8], "big")}')
        if q[13] & 16:
            t += f' ack {int.from_bytes(q[8:12], "big")}'
        return [t]
    if proto == 17:
        if len(q) < 8:
            return ['UDP truncated']
        return [f'UDP {int.from_bytes(q[0:2], "big")} > {int.from_bytes(q[2:4], "big")} '
                f'len {int.from_bytes(q[4:6], "big")}']
    if (proto == 1 and not v6) or (proto == 58 and v6):
        name = 'ICMPv6' if v6 else 'ICMP'
        if len(q) < 4:
            return [f'{name} truncated']
        names = ({128: 'echo-request', 129: 'echo-reply', 133: 'router-solicit',
                  134: 'router-advert', 135: 'neighbor-solicit', 136: 'neighbor-advert'}
                 if v6 else {0: 'echo-reply', 8: 'echo-request', 3: 'dest-unreach',
                             11: 'time-exceeded'})
        if q[0] not in names:
            return [f'{name} type {q[0]} code {q[1]}']
        t = f'{name} {names[q[0]]}'
        if q[0] in ((128, 129) if v6 else (0, 8)) and len(q) >= 8:
            t += f' id 0x{int.from_bytes(q[4:6], "big"):04x} seq {int.from_bytes(q[6:8], "big")}'
        return [t]
    return [f'proto {proto}']


def ipv4(q):
    if len(q) < 20:
        return ['IPv4 truncated']
    if q[0] >> 4 != 4 or q[0] & 15 < 5:
        return ['IPv4 bad header']
    ihl = (q[0] & 15) * 4
    frag = int.from_bytes(q[6:8], 'big')
    t = (f'IPv4 {ipaddress.IPv4Address(q[12:16])} > {ipaddress.IPv4Address(q[16:20])} '
         f'ttl {q[8]} len {int.from_bytes(q[2:4], "big")}')
    if frag & 0x3fff:
        t += f' frag offset {(frag & 0x1fff) * 8}' + (' MF' if frag & 0x2000 else '')
    if frag & 0x1fff:
        return [t + f' proto {q[9]}']
    if len(q) < ihl:
        return [t, 'IPv4 options truncated']
    return [t] + l4(q[9], q[ihl:], False)


def ipv6(q):
    if len(q) < 40:
        return ['IPv6 truncated']
    t = (f'IPv6 {ipaddress.IPv6Address(q[8:24])} > {ipaddress.IPv6Address(q[24:40])} '
         f'hlim {q[7]} plen {int.from_bytes(q[4:6], "big")}')
    return [t] + l4(q[6], q[40:], True)


def arp(q):
    if len(q) < 28:
        return ['ARP truncated']
    op = int.from_bytes(q[6:8], 'big')
    if q[0:6] != b'\x00\x01\x08\x00\x06\x04' or op not in (1, 2):
        return [f'ARP op {op}']
    spa, tpa = ipaddress.IPv4Address(q[14:18]), ipaddress.IPv4Address(q[24:28])
    if op == 1:
        return [f'ARP request who-has {tpa} tell {spa}']
    return [f'ARP reply {spa} is-at {mac(q[8:14])}']


def hexdump(b):
    out = []
    for i in range(0, len(b), 16):
        chunk = b[i:i + 16]
        hx = ''.join(f'{x:02X} ' for x in chunk).ljust(48)
        asc = ''.join(chr(x) if 0x20 <= x < 0x7f else '.' for x in chunk)
        out.append(f'    {i:04x}  {hx} {asc}')
    return out


def expected_text(fired, samples, key_mode, pkt_mode, key_size=None, pkt_size=None):
    lines = [WALL, 'TIME               CPU  COMM             PID        DPIF_NAME                      '
             '          TYPE PKT_LEN    FLOW_KEY_LEN RESULT']
    n = 0
    for u, (t, cpu) in zip(fired, samples):
        key = bytes.fromhex(u['key'])[:CAPTURE]
        pkt = bytes.fromhex(u['pkt'])[:CAPTURE]
        shown_key = key[:key_size] if key_size else key
        shown_pkt = pkt[:pkt_size] if pkt_size else pkt
        lines.append(f'{t:<18} {cpu:<4} {"handler7":<16} {u["tid"]:<10} {u["dpif"]:<40} '
                     f'{u["type"]:<4} {u["pkt_len"]:<10} {u["key_len"]:<12} 0')
        if key_mode != 'none' and u['key_len']:
            lines.append(f'  Flow key size {u["key_len"]} bytes, size captured '
                         f'{len(shown_key)} bytes.')
            lines += hexdump(shown_key) if key_mode == 'hex' else key_lines(shown_key)
        if pkt_mode != 'none' and u['pkt_len']:
            n += 1
            port = in_port(shown_key)
            lines.append(f'  {n}: Receive dp_port {"?" if port is None else port}, packet '
                         f'size {u["pkt_len"]} bytes, size captured {len(shown_pkt)} bytes.')
            lines += hexdump(shown_pkt) if pkt_mode == 'hex' else ['    ' + summary(shown_pkt)]
    lines += ['', f'{len(fired)} upcalls shown: {len(fired)} received by handlers '
              '(failed upcalls not recorded).']
    return lines


def diff(name, want, got, errors):
    if want == got:
        return
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            errors.append(f'{name}: line {i + 1}:\n  want {w!r}\n  got  {g!r}')
            return
    errors.append(f'{name}: {len(want)} lines expected, {len(got)} printed')


def main():
    probe, analyze, fire, work = sys.argv[1:5]
    if os.geteuid() != 0:
        print('SKIP: needs root')
        return 77
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    if not os.access('/sys/kernel/tracing/uprobe_events', os.W_OK):
        print('SKIP: no uprobe_events')
        return 77
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, 'upcalls.data')
    fired_path = os.path.join(work, 'fired.jsonl')
    if os.path.exists(data):
        os.unlink(data)
    with open(fired_path, 'w') as out:
        prog = subprocess.Popen([fire, 'wait'], stdin=subprocess.PIPE, stdout=out)
    # record -p follows the threads the process has when it starts: wait for
    # the handler thread (a fixed sleep could be too short on a loaded machine).
    for _ in range(600):
        if len(os.listdir(f'/proc/{prog.pid}/task')) >= 2:
            break
        time.sleep(0.05)
    rec = subprocess.Popen([probe, 'record', 'upcall-monitor', '-p', str(prog.pid),
                            '--binary', fire, '-o', data], stderr=subprocess.PIPE, text=True)
    # The program fires once record says it is recording (its "Recording"
    # line comes after the probes are installed and the events enabled): with
    # a fixed sleep, on a loaded machine, the upcalls fired before the probes
    # were there would be missing from the recording.
    head = ''
    while 'Recording' not in head:
        line = rec.stderr.readline()
        if not line:
            break
        head += line
    prog.stdin.close()
    prog.wait()
    time.sleep(0.3)
    rec.send_signal(2)
    err = head + rec.communicate()[1]
    if rec.returncode:
        print(f'FAIL: record exited {rec.returncode}: {err}')
        return 1
    fired = [json.loads(x) for x in open(fired_path)]
    # Time and CPU of each sample, as perf sees them.
    ps = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F', 'cpu,time'],
                        capture_output=True, text=True, check=True).stdout
    samples = [(m[2], int(m[1])) for m in re.finditer(r'\[(\d+)\]\s+(\d+\.\d{9}):', ps)]
    errors = []
    # The CLOCK_DATA reference point, as info shows it, is the first line.
    global WALL
    info = subprocess.run([analyze, 'info', data], capture_output=True, text=True).stdout
    m = re.search(r'clock data:\s+tod (\d+) ns at clock (\d+) ns', info)
    if not m:
        print('FAIL: the recording has no CLOCK_DATA')
        return 1
    tod, clk = int(m[1]), int(m[2])
    WALL = (f'Wall clock: recording time {clk // 10**9}.{clk % 10**9:09d} is '
            + time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(tod // 10**9))
            + f'.{tod % 10**9 // 1000:06d} UTC')
    if len(samples) != len(fired):
        print(f'FAIL: {len(fired)} upcalls fired, {len(samples)} recorded')
        return 1

    def run(*args):
        p = subprocess.run([analyze, 'upcalls', '-q'] + list(args) + [data],
                           capture_output=True, text=True)
        if p.returncode:
            errors.append(f'upcalls {args}: exit {p.returncode}: {p.stderr.strip()}')
        return p.stdout.splitlines()

    cases = [((), 'none', 'none', None, None),
             (('--flow-key-decode', 'nlraw', '--packet-decode'), 'nlraw', 'decode', None, None),
             (('-k', 'nlraw', '-d', 'decode', '-f', '40', '-s', '30'), 'nlraw', 'decode', 40, 30),
             (('-k', 'hex', '-d', 'hex'), 'hex', 'hex', None, None),
             (('--result', 'ok', '--packet-decode=decode'), 'none', 'decode', None, None)]
    for args, km, pm, ks, pks in cases:
        diff(' '.join(args) or '(no option)', expected_text(fired, samples, km, pm, ks, pks),
             run(*args), errors)

    got = [json.loads(x) for x in run('--json')]
    objs, doc = got[:-1], got[-1]
    if len(objs) != len(fired):
        errors.append(f'--json: {len(objs)} objects for {len(fired)} upcalls')
    for i, (u, o, (t, cpu)) in enumerate(zip(fired, objs, samples)):
        key = bytes.fromhex(u['key'])[:CAPTURE]
        pkt = bytes.fromhex(u['pkt'])[:CAPTURE]
        attrs, st = nla_walk(key)
        want = {'time_ns': int(t.replace('.', '')), 'cpu': cpu, 'comm': 'handler7',
                'pid': prog.pid, 'tid': u['tid'], 'dpif': u['dpif'], 'type': u['type'],
                'pkt_len': u['pkt_len'], 'key_len': u['key_len'], 'result': 0,
                'key_captured': len(key), 'pkt_captured': len(pkt), 'packet': summary(pkt),
                'key': [dict({'nla_len': ln, 'nla_type': ty, 'name': attr_name(ty),
                              'data': d.hex()}, **({'truncated': True} if tr else {}))
                        for ln, ty, d, tr in attrs] + ([{'damaged': True}]
                                                        if st != 'end' else [])}
        if in_port(key) is not None:
            want['in_port'] = in_port(key)
        # The recording has CLOCK_DATA (checked against perf in record.habits).
        if not re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC',
                            o.pop('wall_clock', '')):
            errors.append(f'--json upcall {i}: no wall_clock')
        if o != want:
            errors.append(f'--json upcall {i}:\n  want {want}\n  got  {o}')
    if doc.get('reports', {}).get('upcalls', {}).get('shown') != len(fired):
        errors.append(f'--json summary: {doc.get("reports")}')

    p = subprocess.run([analyze, 'upcalls', '--result', 'error', data], capture_output=True,
                       text=True)
    if p.returncode == 0 or len(p.stderr.strip().splitlines()) != 1 or 'upcall-monitor' \
            not in p.stderr:
        errors.append(f'--result error without a return probe: exit {p.returncode}, '
                      f'{p.stderr!r}')
    names = {a for u in fired for a in
             (attr_name(x[1]) for x in nla_walk(bytes.fromhex(u['key'])[:CAPTURE])[0])}
    if len(names) < len(ATTRS) + 1:
        errors.append(f'only {len(names)} attribute names exercised')
    if errors:
        print('\n'.join(errors[:20]))
        print(f'FAIL: {len(errors)} problems')
        return 1
    print(f'OK: {len(fired)} upcalls, {len(cases)} text forms and JSON match')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
uc_ref_check.py - an independent computation of upcall_cost.py's event sets
and cost sections from `perf script` output, compared with
`ovsperf-analyze upcall-cost --json`.

This is upcall_cost.py's algorithm as written there (per-thread batching, then
for each kernel upcall a scan of the remaining recv_upcalls for the first later
one of the same length), quadratic and list-based, by length, and by
packet bytes when both events carry them (field pkt: the kprobe of the
upcall-cost set and recv_upcall), the checksum exception included.

Usage: uc_ref_check.py ANALYZER PERF_DATA
"""
import json
import re
import shutil
import subprocess
import sys

LINE = re.compile(r'^\s*(?P<comm>.*?)\s+(?P<tid>\d+)\s+(?P<s>\d+)\.(?P<ns>\d{9}):\s+'
                  r'(?P<ev>[\w-]+:[\w-]+):\s?(?P<trace>.*)$')


def kv(trace):
    return dict(re.findall(r'(\w+)=(\S+)', trace))


def pkt_bytes(f):
    """The pkt={0x..,...} field as bytes, None without one."""
    v = f.get('pkt')
    return bytes(int(x, 16) for x in v.strip('{}').split(',')) if v else None


def same_bytes(a, b, length):
    """Packet bytes equal on what both captured (any side without bytes: equal),
    an IPv4 TCP/UDP checksum left out when more than 56 bytes are compared
    (upcall_cost.py's exception; the recordings have no VLAN or IPv6 upcalls)."""
    if a is None or b is None:
        return True
    n = min(len(a), len(b), length)	# past the packet: whatever followed it
    a, b = bytearray(a[:n]), bytearray(b[:n])
    if n > 56 and a[12:14] == b'\x08\x00':
        l4 = 14 + (a[14] & 0xf) * 4
        off = {6: 16, 17: 6}.get(a[23])
        if off is not None:
            for x in (a, b):
                x[l4 + off:l4 + off + 2] = b'\0\0'
    return a == b


def parse(data):
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F',
                          'comm,tid,time,event,trace'], check=True, capture_output=True,
                         text=True).stdout
    events = []
    # A recording with the upcall-cost set's kprobe on ovs_dp_upcall and the
    # openvswitch:ovs_dp_upcall tracepoint at the same point: the report
    # takes the kprobe, so the tracepoint's samples are not kernel upcalls here.
    kprobe = any(m and m['ev'].split(':')[1] == 'ovs_dp_upcall' and
                 m['ev'].split(':')[0] != 'openvswitch'
                 for m in map(LINE.match, out.splitlines()))
    for ln in out.splitlines():
        m = LINE.match(ln)
        if not m:
            continue
        name = m['ev'].split(':')[1]
        if kprobe and m['ev'] == 'openvswitch:ovs_dp_upcall':
            continue
        f = kv(m['trace'])
        t = int(m['s']) * 10**9 + int(m['ns'])
        e = {'ts': t, 'tid': int(m['tid']), 'comm': m['comm']}
        if name == 'ovs_dp_upcall':
            if int(f.get('upcall_cmd', f.get('cmd', 1))) != 1 or int(f['len']) == 0:
                continue
            e.update(type='dp', len=int(f['len']), pkt=pkt_bytes(f))
        elif name == 'recv_upcall':
            typ = int(f.get('arg2', f.get('type', 0)))
            ln_ = int(f.get('arg4', f.get('len', 0)))
            if typ != 0 or ln_ == 0 or int(f.get('arg6', 1)) == 0:
                continue
            e.update(type='recv', len=ln_, pkt=pkt_bytes(f))
        elif name == 'op_flow_put':
            e.update(type='put')
        elif name == 'op_flow_execute':
            ln_ = int(f.get('arg4', f.get('len', 0)))
            if ln_ == 0:
                continue
            e.update(type='exec', len=ln_)
        elif name == 'ovs_packet_cmd_execute':
            e.update(type='pexec')
        else:
            continue
        events.append(e)
    return events


def collect(events):
    threads = {}
    for idx, e in enumerate(events):
        if e['type'] != 'dp':
            threads.setdefault(e['tid'], []).append((idx, e))
    extras = {}        # recv idx -> {type: event}
    batches = []
    for tid, items in threads.items():
        st = {'batch': [], 'batching': True, 'coll': 0, 'put': False, 'exec': False,
              'pexec': []}

        def next_batch():
            if st['batch']:
                for r in st['batch']:
                    if not st['pexec']:
                        break
                    if 'exec' in extras[r]:
                        extras[r]['pexec'] = st['pexec'].pop(0)
                batches.append((tid, len(st['batch'])))
            st.update(batch=[], batching=True, coll=0, put=False, exec=False, pexec=[])

        def next_set():
            st.update(put=False, exec=False)
            st['coll'] += 1

        for idx, e in items:
            if st['batching']:
                if e['type'] == 'recv':
                    st['batch'].append(idx)
                    extras[idx] = {}
                    continue
                if not st['batch']:
                    continue
                st['batching'] = False
                st['coll'] = 0
            if e['type'] == 'recv':
                next_batch()
                st['batch'].append(idx)
                extras[idx] = {}
                continue
            b = st['batch']
            if e['type'] == 'put':
                if st['put']:
                    next_set()
                    if st['coll'] >= len(b):
                        next_batch()
                        continue
                extras[b[st['coll']]]['put'] = e
                st['put'] = True
            elif e['type'] == 'exec':
                if st['exec']:
                    next_set()
                    if st['coll'] >= len(b):
                        next_batch()
                        continue
                if e['len'] == events[b[st['coll']]]['len']:
                    extras[b[st['coll']]]['exec'] = e
                    st['put'] = st['exec'] = True
                else:
                    nxt = st['coll'] + 1
                    while True:
                        if nxt >= len(b):
                            next_batch()
                            break
                        if e['len'] == events[b[nxt]]['len']:
                            extras[b[nxt]] = extras[b[st['coll']]]
                            extras[b[st['coll']]] = {}
                            st['coll'] = nxt
                            extras[b[nxt]]['exec'] = e
                            st['put'] = st['exec'] = True
                            break
                        nxt += 1
            elif e['type'] == 'pexec':
                st['pexec'].append(e)
                continue
            if st['coll'] >= len(st['batch']):
                next_batch()
        next_batch()
    recvs = [(i, e) for i, e in enumerate(events) if e['type'] == 'recv']
    sets = []
    for i, dp in enumerate(events):
        if dp['type'] != 'dp':
            continue
        remove = []
        for k, (ri, r) in enumerate(recvs):
            if ri < i:
                remove.append(k)
                continue
            if r['len'] == dp['len'] and same_bytes(dp.get('pkt'), r.get('pkt'), dp['len']):
                sets.append(dict(extras[ri], dp=dp, recv=r))
                remove.append(k)
                break
        for k in reversed(remove):
            del recvs[k]
    return sets, batches


def compare(analyzer, data, sets, batches, handler, errors):
    """The report (with --handler-filter @handler unless None) against @sets."""
    what = handler or 'all handlers'
    if handler:
        others = len(sets) - len([s for s in sets if s['recv']['comm'] == handler])
        sets = [s for s in sets if s['recv']['comm'] == handler]
        tids = {s['recv']['tid'] for s in sets}
        batches = [b for b in batches if b[0] in tids]
    batches = [b[1] for b in batches]
    k2v = [s['recv']['ts'] - s['dp']['ts'] for s in sets]
    v2k = [s['pexec']['ts'] - s['exec']['ts'] for s in sets if 'exec' in s and 'pexec' in s]
    k2k = [s['pexec']['ts'] - s['dp']['ts'] for s in sets if 'pexec' in s]
    ovh = [(s['pexec']['ts'] - s['dp']['ts']) - (s['put']['ts'] - s['recv']['ts'])
           for s in sets if 'put' in s and 'pexec' in s]
    extra = ['--handler-filter', handler] if handler else []
    got = json.loads(subprocess.run([analyzer, 'upcall-cost', '--json', '-q'] + extra +
                                    [data], check=True, capture_output=True,
                                    text=True).stdout)['reports']['upcall_cost']
    if got['sets'] != len(sets):
        errors.append(f'{what}: {got["sets"]} sets, expected {len(sets)}')
    if handler and got['uncorrelated'].get('other_handlers') != others:
        errors.append(f'{what}: {got["uncorrelated"].get("other_handlers")} sets of other '
                      f'handlers, expected {others}')
    names = {t['name'] for t in got['threads']}
    if handler and names - {handler}:
        errors.append(f'{what}: threads {names} reported')
    for name, vals in (('kernel_to_vswitchd', k2v), ('vswitchd_to_kernel', v2k),
                       ('overhead', ovh), ('kernel_to_kernel_exec', k2k)):
        g = got[name]
        w = {'count': len(vals), 'total_ns': sum(vals), 'min_ns': min(vals, default=0),
             'max_ns': max(vals, default=0)}
        if {k: g[k] for k in w} != w:
            errors.append(f'{what}: {name}: {({k: g[k] for k in w})}, expected {w}')
    gb = sorted((b['size'], b['count']) for b in got['batch_histogram']['buckets'])
    wb = sorted((k, batches.count(k)) for k in set(batches) if k <= 64)
    if gb != wb:
        errors.append(f'{what}: batches {gb}, expected {wb}')
    if not sets:
        errors.append(f'{what}: nothing to compare: no set')
    print(f'{what}: {len(sets)} sets, kernel->vswitchd max {max(k2v, default=0)} ns')


def main():
    analyzer, data = sys.argv[1:3]
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    events = parse(data)
    sets, batches = collect(events)
    errors = []
    compare(analyzer, data, sets, batches, None, errors)
    handlers = sorted({s['recv']['comm'] for s in sets})
    if len(handlers) < 2:
        errors.append(f'handlers {handlers}: the filter needs two to be tested')
    for h in handlers:
        compare(analyzer, data, sets, batches, h, errors)
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {len(sets)} sets and all sections match the reference algorithm, '
          f'with and without --handler-filter')
    return 0


if __name__ == '__main__':
    sys.exit(main())

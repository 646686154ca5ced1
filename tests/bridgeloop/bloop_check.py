#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
bloop_check.py - check `ovsperf-analyze bridge-loop` (JSON and --list text)
against an independent computation from `perf script` output.

bridge_loop.bt's rules, re-implemented here: per thread, run time is
run_start -> next poll_block, poll_block wait is poll_block -> next run_start;
linear histograms of the value in us (integer division), [0, 1000000) step
1000 for the run time and [0, 30000000) step 30000 for the wait; p99 is the
nearest-rank percentile.

Usage: bloop_check.py ANALYZER PERF_DATA
Exit 0 when everything matches, 1 otherwise, 77 if perf is missing.
"""
import json
import math
import re
import shutil
import subprocess
import sys

LINE = re.compile(r'^\s*(?P<comm>.*?)\s+(?P<tid>\d+)\s+(?P<secs>\d+)\.(?P<ns>\d{9}):\s+'
                  r'(?P<event>[\w-]+:[\w-]+):')


def expected(data):
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F', 'comm,tid,time,event'],
                         check=True, capture_output=True, text=True).stdout
    rs, pb, res, order = {}, {}, {}, []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        ev = m['event'].split(':')[1]
        if ev not in ('run_start', 'poll_block'):
            continue
        tid, t = int(m['tid']), int(m['secs']) * 10**9 + int(m['ns'])
        r = res.setdefault(tid, {'name': m['comm'], 'run': [], 'wait': []})
        if ev == 'poll_block':
            if tid in rs:
                r['run'].append(t - rs.pop(tid))
                order.append((tid, True, r['run'][-1]))
            pb[tid] = t
        else:
            if tid in pb:
                r['wait'].append(t - pb.pop(tid))
                order.append((tid, False, r['wait'][-1]))
            rs[tid] = t
    return res, order


def lhist(values, hi, step):
    b = {}
    for v in values:
        us = v // 1000
        k = (hi, None) if us >= hi else (us // step * step, us // step * step + step)
        b[k] = b.get(k, 0) + 1
    return b


def check_series(name, vals, got, hi, step, errors):
    n = len(vals)
    if got['count'] != n:
        errors.append(f'{name}: count {got["count"]}, expected {n}')
        return
    if not n:
        return
    s = sorted(vals)
    want = {'min_ns': s[0], 'max_ns': s[-1], 'p99_ns': s[max(1, math.ceil(0.99 * n)) - 1],
            'total_ns': sum(s)}
    for k, v in want.items():
        if got[k] != v:
            errors.append(f'{name}: {k} {got[k]}, expected {v}')
    if abs(got['mean_ns'] - sum(s) / n) > 1e-6 * max(1, sum(s) / n):
        errors.append(f'{name}: mean {got["mean_ns"]}, expected {sum(s) / n}')
    gb = {}
    for b in got['histogram']:
        key = (b['lo_us'], None) if b['lo_us'] == hi else (b['lo_us'], b['hi_us'])
        gb[key] = b['count']
    wb = lhist(vals, hi, step)
    if gb != wb:
        errors.append(f'{name}: histogram {gb}, expected {wb}')


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    analyzer, data = sys.argv[1], sys.argv[2]
    res, order = expected(data)
    doc = json.loads(subprocess.run([analyzer, 'bridge-loop', '--json', '-q', data], check=True,
                                    capture_output=True, text=True).stdout)
    errors = []
    got = {t['tid']: t for t in doc['reports']['bridge_loop']['threads']}
    if set(got) != set(res):
        errors.append(f'threads {sorted(got)}, expected {sorted(res)}')
    for tid, r in res.items():
        if tid not in got:
            continue
        if got[tid]['name'] != r['name']:
            errors.append(f'tid {tid}: name {got[tid]["name"]}, expected {r["name"]}')
        check_series(f'tid {tid} run', r['run'], got[tid]['run'], 1000000, 1000, errors)
        check_series(f'tid {tid} wait', r['wait'], got[tid]['poll_wait'], 30000000, 30000,
                     errors)
    # --list: one line per interval, in time order, with the seed's format.
    text = subprocess.run([analyzer, 'bridge-loop', '--list', '-q', data], check=True,
                          capture_output=True, text=True).stdout
    lines = [ln for ln in text.splitlines() if ln.startswith('- [')]
    want = []
    for tid, run, ns in order:
        what = 'bridge run loop time ' if run else 'poll_block() wait time'
        want.append(f'- [{tid}@{res[tid]["name"]}] {what}: {ns // 3600000000000}:'
                    f'{ns // 60000000000 % 60:02}:{ns // 1000000000 % 60:02}.{ns % 10**9:09}')
    if lines != want:
        errors.append(f'--list: {len(lines)} lines, expected {len(want)}, or they differ')
    if not order:
        errors.append('nothing to compare: no run_start/poll_block pair')
    if errors:
        print('\n'.join(errors[:40]))
        print(f'FAIL: {len(errors)} differences')
        return 1
    print(f'OK: {len(res)} threads, {len(order)} intervals match')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
bloop_pid_check.py - `ovsperf-analyze bridge-loop --pid PID` keeps the threads
of that process only.

gen-bloop writes a recording of two ovs-vswitchd processes (PIDs 700 and 800,
three main-loop threads each, their samples interleaved in time) and the
answer: per thread its process, name and intervals.  Checked against it:
without --pid every thread; with --pid of each process exactly its threads,
their statistics and histograms (JSON) and their --list lines; a --pid no
process of the recording has, and the thread id of a thread that is not a
process's main thread, match nothing (exit status 1, one error line naming
the recording's processes, nothing on standard output).  When perf is
installed, perf script must read the generated file the same way.

Usage: bloop_pid_check.py ANALYZER GEN_BLOOP WORKDIR
Exit 0 when everything matches, 1 otherwise.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bloop_check import check_series, expected  # noqa: E402

LIST = re.compile(r'^- \[(\d+)@(.*?)\] (bridge run loop time |poll_block\(\) wait time): '
                  r'(\d+):(\d\d):(\d\d)\.(\d{9})$')


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True)


def check_report(analyzer, data, want, pid, errors):
    """The JSON and --list of bridge-loop [--pid PID] against the answer."""
    opt = ['--pid', str(pid)] if pid is not None else []
    label = f'--pid {pid}' if pid is not None else 'no --pid'
    p = run([analyzer, 'bridge-loop', '--json', '-q'] + opt + [data])
    if p.returncode:
        errors.append(f'{label}: exit status {p.returncode}: {p.stderr.strip()}')
        return
    got = {t['tid']: t for t in json.loads(p.stdout)['reports']['bridge_loop']['threads']}
    if sorted(got) != sorted(want):
        errors.append(f'{label}: threads {sorted(got)}, expected {sorted(want)}')
    for tid, w in want.items():
        if tid not in got:
            continue
        if got[tid]['name'] != w['name']:
            errors.append(f'{label}: tid {tid}: name {got[tid]["name"]}, expected {w["name"]}')
        check_series(f'{label}: tid {tid} run', w['run'], got[tid]['run'], 1000000, 1000,
                     errors)
        check_series(f'{label}: tid {tid} wait', w['wait'], got[tid]['poll_wait'], 30000000,
                     30000, errors)
    p = run([analyzer, 'bridge-loop', '--list', '-q'] + opt + [data])
    if p.returncode:
        errors.append(f'{label} --list: exit status {p.returncode}')
        return
    lists = {}
    for line in p.stdout.splitlines():
        if not line.startswith('- ['):
            continue
        m = LIST.match(line)
        if not m:
            errors.append(f'{label} --list: unexpected line {line!r}')
            continue
        ns = ((int(m[4]) * 60 + int(m[5])) * 60 + int(m[6])) * 10**9 + int(m[7])
        t = lists.setdefault(int(m[1]), {'name': m[2], 'run': [], 'wait': []})
        t['run' if m[3].startswith('bridge') else 'wait'].append(ns)
    if lists != {tid: {'name': w['name'], 'run': w['run'], 'wait': w['wait']}
                 for tid, w in want.items()}:
        errors.append(f'{label} --list: threads {sorted(lists)} or their intervals differ '
                      f'from the answer (threads {sorted(want)})')


def check_nothing(analyzer, data, pid, errors):
    """A --pid that matches nothing: exit status 1, one error line, no report."""
    p = run([analyzer, 'bridge-loop', '-q', '--pid', str(pid), data])
    lines = p.stderr.splitlines()
    if p.returncode != 1:
        errors.append(f'--pid {pid}: exit status {p.returncode}, expected 1')
    if p.stdout:
        errors.append(f'--pid {pid}: a report was printed: {p.stdout[:80]!r}')
    if len(lines) != 1 or f'--pid {pid} matches nothing in the recording' not in lines[0] \
            or 'ovs-vswitchd 700' not in lines[0] or 'ovs-vswitchd 800' not in lines[0]:
        errors.append(f'--pid {pid}: error {p.stderr!r}, expected one line saying it matches '
                      f'nothing and naming ovs-vswitchd 700 and 800')


def main():
    analyzer, gen, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    data, answer = os.path.join(work, 'two-procs.data'), os.path.join(work, 'two-procs.json')
    subprocess.run([gen, data, answer, '2', '3'], check=True)
    with open(answer) as f:
        threads = {t['tid']: t for t in json.load(f)['threads']}
    errors = []
    pids = sorted({t['pid'] for t in threads.values()})
    if pids != [700, 800] or len(threads) != 6:
        errors.append(f'generator: processes {pids}, {len(threads)} threads')
    if shutil.which('perf'):
        res, _ = expected(data)
        if {tid: (r['name'], r['run'], r['wait']) for tid, r in res.items()} != \
                {tid: (t['name'], t['run'], t['wait']) for tid, t in threads.items()}:
            errors.append('perf script reads the generated recording differently from the '
                          'answer')
    check_report(analyzer, data, threads, None, errors)
    for pid in pids:
        check_report(analyzer, data, {tid: t for tid, t in threads.items() if t['pid'] == pid},
                     pid, errors)
    check_nothing(analyzer, data, 999, errors)
    check_nothing(analyzer, data, 701, errors)
    if errors:
        print('\n'.join(errors[:40]))
        print(f'FAIL: {len(errors)} differences')
        return 1
    print(f'OK: processes {pids}: --pid keeps each one\'s {len(threads) // len(pids)} threads; '
          f'--pid 999 and --pid 701 match nothing')
    return 0


if __name__ == '__main__':
    sys.exit(main())

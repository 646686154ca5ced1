#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
kd_options_check.py - kernel_delay.py's option syntax on `ovsperf-analyze
kernel-delay`, and OVS master's LONG POLL form (--long-poll all).

1. Every spelling kernel_delay.py accepts gives the same JSON report as the
   canonical "--opt=value" spelling: "-s 50000", "-s50000", "FILE -s 50000",
   "-s" (no value) before FILE, "-p PID", "--sample-time 0.5", "-D", "-D 3",
   "--buffer-page-count 1024", and the trigger prefixes (t:/trace:).
   "-s 50000" must also differ from "-s" where the recording has syscalls
   shorter than 50 us, so that the value is really taken.
2. --long-poll all: every interval from the return of poll() to the next
   poll() call of each thread, computed here from `perf script`, must match
   the report's count/total/min/max, and the text shows the AVERAGE ns,
   MIN ns and MAX ns columns.

Usage: kd_options_check.py ANALYZER PERF_DATA
Exit 0 on success, 1 on a difference, 77 without perf.
"""
import json
import re
import shutil
import subprocess
import sys

LINE = re.compile(r'^\s*(?P<comm>.*?)\s+(?P<pid>-?\d+)/(?P<tid>-?\d+)\s+\[\d+\]\s+'
                  r'(?P<secs>\d+)\.(?P<ns>\d{9}):\s+raw_syscalls:(?P<ev>sys_enter|sys_exit):'
                  r'\s+NR (?P<nr>-?\d+)')


def run(analyzer, args):
    p = subprocess.run([analyzer, 'kernel-delay', '--json', '-q'] + args, capture_output=True,
                       text=True)
    if p.returncode:
        raise SystemExit(f'FAIL: {args}: exit {p.returncode}: {p.stderr.strip()}')
    return json.loads(p.stdout)['reports']['kernel_delay']


def long_polls(data, pid, poll_nr=7):
    """Per tid: the poll() exit -> next poll() entry intervals."""
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F',
                          'comm,pid,tid,cpu,time,event,trace'],
                         check=True, capture_output=True, text=True).stdout
    last_exit, got = {}, {}
    for line in out.splitlines():
        m = LINE.match(line)
        if not m or int(m['pid']) != pid or int(m['nr']) != poll_nr:
            continue
        t = int(m['secs']) * 10**9 + int(m['ns'])
        tid = int(m['tid'])
        if m['ev'] == 'sys_exit':
            last_exit[tid] = t
        elif tid in last_exit:
            got.setdefault(tid, []).append(t - last_exit.pop(tid))
    return {tid: {'count': len(v), 'total_ns': sum(v), 'min_ns': min(v), 'max_ns': max(v)}
            for tid, v in got.items()}


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    analyzer, data = sys.argv[1], sys.argv[2]
    errors = []
    base = run(analyzer, [data])
    pid = str(base['pid'])
    forms = [
        (['--syscall-events=50000', data],
         [['-s', '50000', data], ['-s50000', data], [data, '-s', '50000'],
          ['--syscall-events', '50000', data], ['-s=50000', data]]),
        (['--syscall-events', data], [['-s', data], [data, '-s']]),
        ([f'--pid={pid}', data], [['-p', pid, data], [f'-p{pid}', data], ['--pid', pid, data]]),
        (['--sample-time=0.5', '--sample-count=0', data],
         [['--sample-time', '0.5', '--sample-count', '0', data]]),
        (['--sample-time=0.5', '--sample-interval=0.25', '--sample-count=2', data],
         [['--sample-time', '0.5', '--sample-interval', '0.25', '--sample-count', '2', data]]),
        ([data], [['-D', data], ['-D', '3', data], ['--debug', data], [data, '-D'],
                  ['--buffer-page-count', '1024', data]]),
        (['--start-trigger=raw_syscalls:sys_enter', '--stop-trigger=raw_syscalls:sys_exit',
          '--sample-count=3', data],
         [['--start-trigger', 't:raw_syscalls:sys_enter', '--stop-trigger',
           'trace:raw_syscalls:sys_exit', '--sample-count', '3', data]]),
    ]
    for canon, alts in forms:
        want = run(analyzer, canon)
        for alt in alts:
            if run(analyzer, alt) != want:
                errors.append(f'{alt} differs from {canon}')
    with_min = run(analyzer, ['-s', '50000', data])['samples'][0].get('syscall_events', [])
    every = run(analyzer, ['-s', data])['samples'][0].get('syscall_events', [])
    if not with_min or len(with_min) >= len(every):
        errors.append(f'-s 50000 kept {len(with_min)} of {len(every)} syscall events')
    if any(e['exit_ns'] - e['entry_ns'] <= 50000 for e in with_min):
        errors.append('-s 50000 kept a syscall of 50000 ns or less')

    want = long_polls(data, int(pid))
    doc = run(analyzer, ['--long-poll', 'all', data])
    got = {t['tid']: t['long_poll'] for t in doc['samples'][0]['threads']
           if t['long_poll']['count']}
    if not want:
        errors.append('nothing to compare: no poll() interval in the recording')
    if got != want:
        errors.append(f'--long-poll all: expected {want}, got {got}')
    text = subprocess.run([analyzer, 'kernel-delay', '-q', '--long-poll', 'all', data],
                          capture_output=True, text=True, check=True).stdout
    if not re.search(r'COUNT\s+AVERAGE ns\s+MIN ns\s+MAX ns', text):
        errors.append('--long-poll all: no COUNT AVERAGE ns MIN ns MAX ns header')
    for tid, w in want.items():
        avg = f'{w["total_ns"] // w["count"]:,}'
        if not re.search(rf'\s{w["count"]}\s+{avg}\s+{w["min_ns"]:,}\s+{w["max_ns"]:,}', text):
            errors.append(f'--long-poll all: tid {tid} line with {w} not in the text')
    if errors:
        print('\n'.join(errors))
        print(f'FAIL: {len(errors)} problems')
        return 1
    print(f'OK: {sum(len(a) for _, a in forms)} spellings, long polls of {len(want)} threads')
    return 0


if __name__ == '__main__':
    sys.exit(main())

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
   MIN ns and MAX ns columns; --long-poll T (default 1s, 0.002, 10ms): the
   intervals from a poll() or ppoll() return to the next such call longer
   than T, with the columns COUNT, TOTAL ns and MAX ns.

3. The list of syscall events (-s) and the syscall table: with
   --skip-syscall-poll-events the list is the same without its poll()
   calls; each thread's "TOTAL( - poll):" line sums the count and total of
   every system call but poll() (from the JSON's syscalls); with
   --stack-trace-size 0 the list has no frames (JSON "frames", text frame
   lines), with another size the same report as without.  --stacks-pid-of
   COMM: only this part, on the process whose main thread is COMM (its pid
   from `ovsperf-analyze script --json`), and the recording must have call
   chains.
4. The text marks a window shorter than --trigger-delta ("# Sample dump
   skipped, delta N ns"; it does not count against --sample-count) and the
   window the recording ends in ("(end of the recording)").

Usage: kd_options_check.py ANALYZER PERF_DATA [--stacks-pid-of COMM]
Exit 0 on success, 1 on a difference, 77 without perf.
"""
import functools
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


@functools.lru_cache(maxsize=None)
def syscall_lines(data):
    """perf script's raw_syscalls lines of @data (read once)."""
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F',
                          'comm,pid,tid,cpu,time,event,trace'],
                         check=True, capture_output=True, text=True).stdout
    return tuple(ln for ln in out.splitlines() if ' raw_syscalls:sys_e' in ln)


def long_polls(data, pid, poll_nr=7):
    """Per tid: the poll() exit -> next poll() entry intervals."""
    last_exit, got = {}, {}
    for line in syscall_lines(data):
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


def long_polls_over(data, pid, thr_ns, poll_nrs=(7, 271)):
    """Per tid: the intervals from the return of a poll() or ppoll() whose
    entry was seen to the next poll() or ppoll() call, longer than thr_ns."""
    in_call, last_exit, got = set(), {}, {}
    for line in syscall_lines(data):
        m = LINE.match(line)
        if not m or int(m['pid']) != pid:
            continue
        t, tid, nr = int(m['secs']) * 10**9 + int(m['ns']), int(m['tid']), int(m['nr'])
        if m['ev'] == 'sys_enter':
            in_call.add(tid)
            if nr in poll_nrs and tid in last_exit:
                gap = t - last_exit.pop(tid)
                if gap > thr_ns:
                    got.setdefault(tid, []).append(gap)
        elif tid in in_call:
            in_call.discard(tid)
            if nr in poll_nrs:
                last_exit[tid] = t
    return {tid: {'count': len(v), 'total_ns': sum(v), 'max_ns': max(v)}
            for tid, v in got.items()}


def syscall_checks(analyzer, data, pid_args, need_stacks):
    """Part 3: --skip-syscall-poll-events, TOTAL( - poll), --stack-trace-size."""
    errors = []
    every = run(analyzer, pid_args + ['-s', data])['samples'][0].get('syscall_events', [])
    nopoll = run(analyzer, pid_args + ['-s', '--skip-syscall-poll-events', data])
    nopoll = nopoll['samples'][0].get('syscall_events', [])
    if not any(e['name'] == 'poll' for e in every):
        errors.append('nothing to compare: no poll() among the syscall events')
    if nopoll != [e for e in every if e['name'] != 'poll']:
        errors.append(f'--skip-syscall-poll-events: {len(nopoll)} events, want the '
                      f'{sum(e["name"] != "poll" for e in every)} of -s that are not poll()')
    doc = run(analyzer, pid_args + [data])
    want = sorted((sum(c['count'] for c in t['syscalls'] if c['name'] != 'poll'),
                   sum(c['total_ns'] for c in t['syscalls'] if c['name'] != 'poll'))
                  for s in doc['samples'] for t in s['threads']
                  if any(c['name'] != 'poll' for c in t['syscalls']))
    text = subprocess.run([analyzer, 'kernel-delay', '-q'] + pid_args + [data],
                          capture_output=True, text=True, check=True).stdout
    got = sorted((int(c.replace(',', '')), int(n.replace(',', ''))) for c, n in
                 re.findall(r'TOTAL\( - poll\):\s+([\d,]+)\s+([\d,]+)$', text, re.M))
    if not want or got != want:
        errors.append(f'TOTAL( - poll) lines {got}, want {want}')
    with_frames = sum(1 for e in every if e.get('frames'))
    if need_stacks and not with_frames:
        errors.append('nothing to compare: no syscall event with frames')
    if with_frames:
        args = pid_args + ['-s', '1000000']
        full = run(analyzer, args + [data])
        bare = run(analyzer, args + ['--stack-trace-size', '0', data])
        evs = bare['samples'][0].get('syscall_events', [])
        if not evs or any(e.get('frames') for e in evs):
            errors.append('--stack-trace-size 0: frames in the syscall events')
        if run(analyzer, args + ['--stack-trace-size', '3', data]) != full:
            errors.append('--stack-trace-size 3 differs from the default')
        frame = re.compile(r'^ {10}\S.*\[', re.M)
        for extra, want_frames in (([], True), (['--stack-trace-size', '0'], False)):
            t = subprocess.run([analyzer, 'kernel-delay', '-q'] + args + extra + [data],
                               capture_output=True, text=True, check=True).stdout
            if bool(frame.search(t)) != want_frames:
                errors.append(f'{extra}: frame lines in the text: {not want_frames}')
    return errors


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    analyzer, data = sys.argv[1], sys.argv[2]
    if '--stacks-pid-of' in sys.argv:
        comm = sys.argv[sys.argv.index('--stacks-pid-of') + 1]
        out = subprocess.run([analyzer, 'script', '--json', data], capture_output=True,
                             text=True, check=True).stdout
        pids = {o['pid'] for o in map(json.loads, out.splitlines())
                if o['comm'] == comm and o['pid'] == o['tid']}
        if len(pids) != 1:
            print(f'FAIL: {len(pids)} processes named {comm}')
            return 1
        errors = syscall_checks(analyzer, data, ['--pid', str(pids.pop())], True)
        print('\n'.join(errors + [f'FAIL: {len(errors)} problems' if errors else
                                   'OK: poll-less list, TOTAL( - poll), stacks']))
        return 1 if errors else 0
    errors = syscall_checks(analyzer, data, [], False)
    # Windows in the text: one shorter than --trigger-delta is "Sample dump
    # skipped" (and does not count against --sample-count); the one the
    # recording ends in is marked.
    for args in (['--start-trigger', 'raw_syscalls:sys_enter', '--stop-trigger',
                  'raw_syscalls:sys_exit', '--trigger-delta', '100000', '--sample-count', '2'],
                 ['--sample-time', '4', '--sample-count', '0']):
        wins = run(analyzer, args + [data])['samples']
        text = subprocess.run([analyzer, 'kernel-delay', '-q'] + args + [data],
                              capture_output=True, text=True, check=True).stdout
        skipped = len(re.findall(r'^# Sample dump skipped, delta [\d,]+ ns$', text, re.M))
        cut = len(re.findall(r'^# Stop sampling @[\d.]+ \(end of the recording\)$', text, re.M))
        want = (sum(w['skipped'] for w in wins), sum(w['partial'] for w in wins))
        if (skipped, cut) != want or not any(want) or \
                len(wins) - want[0] != (2 if '--trigger-delta' in args else len(wins)):
            errors.append(f'{args}: {skipped} skipped and {cut} cut short in the text, '
                          f'want {want} of {len(wins)} windows')
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

    # --long-poll T (default 1s): the poll()/ppoll() return to next call
    # intervals longer than T, columns COUNT, TOTAL ns, MAX ns.
    counted = 0
    for extra, thr in (([], 10**9), (['--long-poll', '0.002'], 2 * 10**6),
                       (['--long-poll', '10ms'], 10**7)):
        want = long_polls_over(data, int(pid), thr)
        got = {t['tid']: t['long_poll'] for t in run(analyzer, extra + [data])['samples'][0]
               ['threads'] if t['long_poll']['count']}
        counted += sum(w['count'] for w in want.values())
        if got != want:
            errors.append(f'{extra or "default"}: long polls {got}, expected {want}')
        text = subprocess.run([analyzer, 'kernel-delay', '-q'] + extra + [data],
                              capture_output=True, text=True, check=True).stdout
        if want and not re.search(r'\[LONG POLL STATISTICS\]\n\s+COUNT\s+TOTAL ns\s+MAX ns\n',
                                  text):
            errors.append(f'{extra}: no LONG POLL section with COUNT, TOTAL ns, MAX ns')
    if not counted:
        errors.append('nothing to compare: no poll() interval longer than 2 ms')

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

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
dwarf_check.py - record kdelay-load with `perf record --call-graph dwarf`
(root) and check the user frames kernel-delay unwinds for its syscall events.

Ground truth is the workload's source: each kd-* thread makes its working
syscalls from its body function (kd-pipe-w: write and clock_nanosleep from
pipe_writer, kd-pipe-r: read from pipe_reader, kd-poll: poll from poller,
kd-io: pwrite64/fdatasync/clock_nanosleep from io_writer, kd-sleepy:
clock_nanosleep from sleepy), so every such event's stack must hold that
function, below the libc wrapper.

Usage: dwarf_check.py ANALYZER KDELAY_LOAD WORKDIR
Exit 0 on success, 1 on a wrong stack, 77 when not root or perf is missing.
"""
import os
import re
import shutil
import subprocess
import sys

BODY = {
    'kd-pipe-w': ('pipe_writer', {'write', 'clock_nanosleep'}),
    'kd-pipe-r': ('pipe_reader', {'read'}),
    'kd-poll': ('poller', {'poll'}),
    'kd-io': ('io_writer', {'pwrite64', 'fdatasync', 'clock_nanosleep'}),
    'kd-sleepy': ('sleepy', {'clock_nanosleep'}),
}


def main():
    analyzer, load, work = sys.argv[1:4]
    if os.geteuid() != 0 or not shutil.which('perf'):
        print('SKIP: needs root and perf')
        return 77
    # The workload runs 40 ms: on a loaded machine its threads may not get
    # to their working syscalls in a run; record again (up to 3 runs, each
    # longer) before calling the recording too poor.  A wrong stack fails at
    # once.
    for attempt, ms in enumerate((40, 150, 400)):
        ret = check_once(analyzer, load, work, ms, last=attempt == 2)
        if ret is not None:
            return ret
    return 1


def check_once(analyzer, load, work, ms, last):
    data = os.path.join(work, 'kd-dwarf.data')
    rec = subprocess.run(['perf', 'record', '-q', '-o', data, '-e', 'raw_syscalls:sys_enter',
                          '-e', 'raw_syscalls:sys_exit/call-graph=dwarf,stack-size=4096/',
                          '--', load, str(ms)], capture_output=True, text=True)
    if rec.returncode:
        print(f'SKIP: perf record failed: {rec.stderr.strip()[:200]}')
        return 77
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'comm,pid'], check=True,
                         capture_output=True, text=True).stdout
    pid = next(ln.split()[1] for ln in out.splitlines() if ln.split()[0] == 'kdelay-load')
    text = subprocess.run([analyzer, 'kernel-delay', '-q', '--pid', pid, '--syscall-events',
                           data], check=True, capture_output=True, text=True).stdout
    events, cur = [], None
    for ln in text[text.index('# SYSCALL EVENTS:'):].splitlines()[3:]:
        m = re.match(r'^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+[\d,]+\s+(\S+)$', ln)
        if m:
            cur = {'comm': m[4], 'name': m[5], 'frames': []}
            events.append(cur)
        elif cur and ln.startswith('          '):
            cur['frames'].append(ln.strip())
    checked, bad = 0, []
    for e in events:
        if e['comm'] not in BODY or e['name'] not in BODY[e['comm']][1]:
            continue
        fn = BODY[e['comm']][0]
        checked += 1
        user = [f for f in e['frames'] if '[kernel]' not in f and '0xffffffff' not in f]
        if not any(f.startswith(fn + '+') for f in user):
            bad.append(f'{e["comm"]} {e["name"]}: no {fn} in {user}')
    if checked < 20:
        print(f'{"FAIL" if last else "retry"}: only {checked} working syscalls found among '
              f'{len(events)} events')
        return 1 if last else None
    if bad:
        print('\n'.join(bad[:10]))
        print(f'FAIL: {len(bad)} of {checked} stacks lack the thread body')
        return 1
    print(f'OK: {checked} syscall stacks unwound through their thread body')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
kdupcall_check.py - run gen-kdupcall (ovs_dp_upcall kretprobe results with
their answer) and compare kernel-delay's upcall statistics (JSON) and its
text section with the answer, and the thread no COMM record names
(<unknown:500/501>, sorted by name before ovs-vswitchd); with two
ovs-vswitchd, kernel-delay needs --pid (an error without it; skipped in the
run without a command).

Usage: kdupcall_check.py GEN ANALYZER WORKDIR
"""
import json
import os
import re
import subprocess
import sys


def two_vswitchd(gen, analyzer, work):
    """Two ovs-vswitchd in the COMM records: kernel-delay without --pid is an
    error (one line naming both PIDs, exit 2), the run without a command
    skips the report with that message (JSON: only "skipped"), --pid works."""
    errors = []
    data, answer = os.path.join(work, 'kdupcall2.data'), os.path.join(work, 'kdupcall2.json')
    subprocess.run([gen, data, answer, 'two-vswitchd'], check=True)
    msg = 'several ovs-vswitchd processes in the recording (PIDs 500, 600); ' \
          'choose one with --pid PID'
    p = subprocess.run([analyzer, 'kernel-delay', data], capture_output=True, text=True)
    if p.returncode != 2 or p.stdout or \
            p.stderr != f'ovsperf-analyze: {data}: kernel-delay: {msg}\n':
        errors.append(f'two ovs-vswitchd: exit {p.returncode}, stdout {p.stdout[:80]!r}, '
                      f'stderr {p.stderr!r}; want exit 2 and one line {msg!r}')
    p = subprocess.run([analyzer, '--json', '-q', data], capture_output=True, text=True)
    kd = json.loads(p.stdout or '{}').get('reports', {}).get('kernel_delay')
    if p.returncode or list(kd or {}) != ['skipped'] or kd['skipped'] != msg:
        errors.append(f'two ovs-vswitchd, no command: exit {p.returncode}, kernel_delay {kd}')
    p = subprocess.run([analyzer, '-q', data], capture_output=True, text=True)
    if p.returncode or f'# kernel-delay skipped: {msg}\n' not in p.stdout:
        errors.append(f'two ovs-vswitchd, no command, text: exit {p.returncode}, {p.stdout!r}')
    doc = json.loads(subprocess.run([analyzer, 'kernel-delay', '--json', '-q', '--pid', '600',
                                     data], check=True, capture_output=True, text=True).stdout)
    if doc['reports']['kernel_delay']['pid'] != 600:
        errors.append('two ovs-vswitchd: --pid 600 did not choose 600')
    return errors


def main():
    gen, analyzer, work = sys.argv[1:4]
    data, answer = os.path.join(work, 'kdupcall.data'), os.path.join(work, 'kdupcall.json')
    subprocess.run([gen, data, answer], check=True)
    want = json.load(open(answer))
    doc = json.loads(subprocess.run([analyzer, 'kernel-delay', '--json', '-q', data],
                                    check=True, capture_output=True, text=True).stdout)
    s = doc['reports']['kernel_delay']['samples']
    errors = []
    if len(s) != 1 or 'upcalls' not in s[0]:
        print(f'FAIL: expected one sample with upcalls, got {s}')
        return 1
    u = s[0]['upcalls']
    got = {'count': u['count'], 'errors': u['errors'],
           'per_cpu': {str(c['cpu']): c['count'] for c in u['per_cpu']},
           'per_error': {str(e['error']): e['count'] for e in u['per_error']}}
    want['per_error'] = {k: v for k, v in want['per_error'].items() if v}
    if got != want:
        errors.append(f'upcalls {got}, expected {want}')
    if doc['reports']['kernel_delay']['pid'] != 500:
        errors.append('the ovs-vswitchd of the COMM record was not chosen')
    # Threads sorted by name; one without a COMM record is <unknown:PID/TID>.
    names = [(t['tid'], t['name']) for t in s[0]['threads']]
    if names != [(501, '<unknown:500/501>'), (500, 'ovs-vswitchd')]:
        errors.append(f'threads {names}, want 501 <unknown:500/501> then 500 ovs-vswitchd')
    text = subprocess.run([analyzer, 'kernel-delay', '-q', data], check=True,
                          capture_output=True, text=True).stdout
    if f'Total upcalls       : {want["count"]} [errors {want["errors"]}]' not in text:
        errors.append('text: no or wrong "Total upcalls" line')
    if not re.search(r'^501 +<unknown:500/501> \[SYSCALL STATISTICS\]\n(.*\n)+'
                     r'500 +ovs-vswitchd +\[SYSCALL STATISTICS\]$', text, re.M):
        errors.append('text: no <unknown:500/501> thread before ovs-vswitchd')
    errors += two_vswitchd(gen, analyzer, work)
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {want["count"]} upcalls, {want["errors"]} errors')
    return 0


if __name__ == '__main__':
    sys.exit(main())

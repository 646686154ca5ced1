#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
uc_check.py - run gen-upcall (a recording plus the answers of its ground
truth), check that perf itself reads the recording with the expected event
counts, then compare `ovsperf-analyze upcall-cost --json` (all handlers, and
--handler-filter handler2) with the answers; without packet bytes in the
kernel events one warning says so, and the text ends with what was compared.

With --handler-filter, a line of the text counts the upcalls other
handlers received.

In the "both" form (the probe set's kernel upcall with its bytes and the
openvswitch tracepoint too) the probe is preferred: the answers are those
of its bytes, and the report names it.

Usage: uc_check.py GEN_UPCALL ANALYZER bytes|set|length|both WORKDIR
Exit 0 when everything matches, 1 otherwise.
"""
import json
import os
import re
import shutil
import subprocess
import sys


def compare(want, got, what, errors):
    ev = {e['type']: e for e in got['events']}
    for name, w in want['events'].items():
        g = ev.get(name)
        if not g or g['usable'] != w['usable'] or g['total'] != w['total']:
            errors.append(f'{what}: events {name}: got {g}, expected {w}')
    if got['sets'] != want['sets']:
        errors.append(f'{what}: {got["sets"]} sets, expected {want["sets"]}')
    th = {str(t['tid']): t['upcalls'] for t in got['threads']}
    if th != want['threads']:
        errors.append(f'{what}: threads {th}, expected {want["threads"]}')
    bh = got['batch_histogram']
    bk = {str(b['size']): b['count'] for b in bh['buckets']}
    if bk != want['batches'] or bh['over_64'] != want['over_64'] or \
            bh['min'] != want['batch_min'] or bh['max'] != want['batch_max']:
        errors.append(f'{what}: batches {bk} >64 {bh["over_64"]} min {bh["min"]} max '
                      f'{bh["max"]}, expected {want["batches"]} >64 {want["over_64"]} min '
                      f'{want["batch_min"]} max {want["batch_max"]}')
    for sec in ('kernel_to_vswitchd', 'vswitchd_to_kernel', 'overhead',
                'kernel_to_kernel_exec'):
        g = {k: got[sec][k] for k in want[sec]}
        if g != want[sec]:
            errors.append(f'{what}: {sec} {g}, expected {want[sec]}')
    for k, w in want['uncorrelated'].items():
        if got['uncorrelated'][k] != w:
            errors.append(f'{what}: uncorrelated {k} {got["uncorrelated"][k]}, expected {w}')


def check_other_handlers(analyzer, data, want, errors):
    other = want['handler2']['uncorrelated']['other_handlers']
    out = subprocess.run([analyzer, 'upcall-cost', '-q', '--handler-filter', 'handler2', data],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r'^  upcalls received by other handlers\s+:\s+(\d+)\s+\(--handler-filter\)$',
                  out, re.M)
    if not other or not m or int(m[1]) != other:
        errors.append(f'text --handler-filter: other handlers line {m and m[0]!r}, '
                      f'expected {other}')


def main():
    gen, analyzer, mode, work = sys.argv[1:5]
    data = os.path.join(work, f'upcall-{mode}.data')
    answers = os.path.join(work, f'upcall-{mode}.json')
    subprocess.run([gen, mode, data, answers], check=True)
    want = json.load(open(answers))
    errors = []
    if shutil.which('perf'):
        out = subprocess.run(['perf', 'script', '-i', data, '-F', 'event'], check=True,
                             capture_output=True, text=True).stdout
        n = sum(1 for line in out.splitlines() if line.strip())
        total = sum(e['total'] for e in want['all']['events'].values())
        if mode == 'both':	# the tracepoint's twin of each kernel upcall
            total += want['all']['events']['openvswitch__dp_upcall']['total']
        if n != total:
            errors.append(f'perf script reads {n} events, the generator wrote {total}')
    for what, extra in (('all', []), ('handler2', ['--handler-filter', 'handler2'])):
        got = json.loads(subprocess.run([analyzer, 'upcall-cost', '--json', '-q'] + extra +
                                        [data], check=True, capture_output=True,
                                        text=True).stdout)['reports']['upcall_cost']
        compare(want[what], got, what, errors)
        dp = next(e['event'] for e in got['events'] if e['type'] == 'openvswitch__dp_upcall')
        if mode == 'both' and dp != 'ovsperf:ovs_dp_upcall':
            errors.append(f'{what}: kernel upcalls from {dp}, not the probe with the bytes')
    check_other_handlers(analyzer, data, want, errors)
    if want['all']['sets'] == 0:
        errors.append('nothing to compare: no upcall set')
    # Without packet bytes in the kernel events: one warning naming the probe
    # set to record; the text ends with what was compared.
    p = subprocess.run([analyzer, 'upcall-cost', data], capture_output=True, text=True)
    by_len = want['all']['uncorrelated']['matched_by_length_only']
    warn = [ln for ln in p.stderr.splitlines() if 'carry no packet bytes' in ln]
    if p.returncode or len(warn) != by_len or \
            (by_len and 'record the upcall-cost probe set' not in warn[0]):
        errors.append(f'stderr {p.stderr!r}: want {int(by_len)} warning(s) about packet bytes')
    last = p.stdout.rstrip('\n').rsplit('\n', 1)[-1]
    want_last = ('=> Paired by: in-port no (not recorded on both sides), length, packet bytes '
                 'no (the kernel events carry none)') if by_len else \
        '=> Paired by: in-port yes, length, packet bytes yes ('
    if not last.startswith(want_last):
        errors.append(f'last line {last!r}, want {want_last!r}...')
    if errors:
        print('\n'.join(errors))
        print(f'FAIL: {len(errors)} differences')
        return 1
    print(f'OK: {want["all"]["sets"]} upcall sets, all sections match')
    return 0


if __name__ == '__main__':
    sys.exit(main())

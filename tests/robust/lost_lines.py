#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""lost_lines.py - every report ends with a LOST: line for each kind of loss
in the recording, per event where known (ovsperf-analyze(1), LOST EVENTS AND
DAMAGED FILES), on testdata recordings made with lost events.

The lines expected come from `info` (its JSON lost_detail, its per-event
LOST and LOST-SMPL columns), not from the reports:

  LOST: E events lost in R PERF_RECORD_LOST records (ring buffer overflow)
  LOST: S samples lost (PERF_RECORD_LOST_SAMPLES)
  LOST:   EVENT: e events, s samples          (each event with a loss)

and they are the last lines of the default run and of every report command
that reads the recording (latency, journey, drops); a recording without
losses has no LOST: line.

Usage: lost_lines.py ANALYZER TESTDATA
"""
import json
import os
import re
import subprocess
import sys


def expected(analyze, data):
    info = subprocess.run([analyze, 'info', '-q', '--json', data], capture_output=True,
                          text=True, check=True)
    d = json.loads(info.stdout)['recording']['lost_detail']
    want = []
    if d['records']:
        want.append(f'LOST: {d["events"]} events lost in {d["records"]} PERF_RECORD_LOST '
                    'records (ring buffer overflow)')
    if d['samples']:
        want.append(f'LOST: {d["samples"]} samples lost (PERF_RECORD_LOST_SAMPLES)')
    text = subprocess.run([analyze, 'info', '-q', data], capture_output=True, text=True,
                          check=True).stdout
    table = text[text.index('\nEVENT '):text.index('\ntotal ')]
    for m in re.finditer(r'^(\S+)\s+\d+\s+(\d+)\s+(\d+)\s', table, re.M):
        if int(m[2]) or int(m[3]):
            want.append(f'LOST:   {m[1]}: {m[2]} events, {m[3]} samples')
    return want


def main():
    analyze, td = sys.argv[1:3]
    errors = []
    checked = 0
    for name in ('latency-lost.data', 'latency-vmrig-ovs-lost.data', 'net.data'):
        data = os.path.join(td, name)
        want = expected(analyze, data)
        if (name == 'net.data') != (not want):
            errors.append(f'{name}: info shows losses {want}: not the recording expected')
        for cmd in ([], ['latency'], ['journey'], ['drops']):
            p = subprocess.run([analyze] + cmd + ['-q', data], capture_output=True, text=True)
            what = f'{name} {" ".join(cmd) or "(default run)"}'
            if p.returncode:
                errors.append(f'{what}: exit {p.returncode}: {p.stderr.strip()[:200]}')
                continue
            lines = p.stdout.rstrip('\n').splitlines()
            got = [ln for ln in lines if ln.startswith('LOST:')]
            if got != want:
                errors.append(f'{what}: LOST lines {got}, expected {want}')
            elif want and lines[-len(want):] != want:
                errors.append(f'{what}: the LOST lines are not the last ones')
            checked += 1
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {checked} reports end with the LOST lines of info')
    return 0


if __name__ == '__main__':
    sys.exit(main())

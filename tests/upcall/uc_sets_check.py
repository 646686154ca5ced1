#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
uc_sets_check.py - upcall_cost.py's --sets and --stop on `ovsperf-analyze
upcall-cost`, and the stored sets (--write-sets / --read-sets):

  1. --write-sets FILE then --read-sets FILE (no recording) gives the same
     text report and the same JSON report as the recording;
  2. --sets prints, before each cost histogram, its data set: the values
     computed here from the stored sets (kernel upcall -> recv_upcall,
     op_flow_execute -> packet execute, total minus lookup, kernel upcall
     -> packet execute, in set order, us as Python prints floats); the
     JSON's event_sets are the stored sets;
  3. --stop N: the events counted per type are those of the first N events
     of the five types in time order (perf script), and -s N is the same;
  4. a file that is not a sets file, or a damaged set, is one error line
     and exit 2; --read-sets with a recording named too is a usage error
     (exit 1).

Usage: uc_sets_check.py ANALYZER PERF_DATA WORKDIR
       uc_sets_check.py ANALYZER --gen GEN_UPCALL MODE WORKDIR
(the second form checks a recording gen-upcall writes in MODE)
Exit 77 without perf.
"""
import json
import os
import re
import shutil
import subprocess
import sys

TYPES = ('ovs_dp_upcall', 'recv_upcall', 'op_flow_put', 'op_flow_execute',
         'ovs_packet_cmd_execute')


def run(analyzer, *args, check=True):
    return subprocess.run([analyzer, 'upcall-cost', '-q'] + list(args), capture_output=True,
                          text=True, check=check)


def pyfloat(ns):
    return repr(ns / 1000)


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    if sys.argv[2] == '--gen':
        analyzer, gen, mode, work = sys.argv[1], sys.argv[3], sys.argv[4], sys.argv[5]
        os.makedirs(work, exist_ok=True)
        data = os.path.join(work, f'sets-{mode}.data')
        subprocess.run([gen, mode, data, data + '.json'], check=True)
    else:
        analyzer, data, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    sets_file = os.path.join(work, 'sets.json')
    errors = []

    text = run(analyzer, '--write-sets', sets_file, data).stdout
    again = run(analyzer, '--read-sets', sets_file).stdout
    if text != again:
        errors.append('--read-sets: the text report differs from the recording\'s')
    j1 = json.loads(run(analyzer, '--json', data).stdout)['reports']['upcall_cost']
    j2 = json.loads(run(analyzer, '--json', '--read-sets', sets_file).stdout)
    if j2['recording'] is not None:
        errors.append('--read-sets --json: recording is not null')
    j2 = j2['reports']['upcall_cost']
    if j2.pop('read_sets', None) != sets_file or j1 != j2:
        errors.append('--read-sets: the JSON report differs from the recording\'s')

    stored = json.load(open(sets_file))
    k2v, v2k, ovh, k2k = [], [], [], []
    for s in stored['sets']:
        k2v.append(s['recv_upcall_ns'] - s['dp_upcall_ns'])
        if s['pkt_execute_ns'] is None:
            continue
        if s['op_flow_put_ns'] is not None:
            ovh.append((s['pkt_execute_ns'] - s['dp_upcall_ns']) -
                       (s['op_flow_put_ns'] - s['recv_upcall_ns']))
        if s['op_flow_execute_ns'] is not None:
            v2k.append(s['pkt_execute_ns'] - s['op_flow_execute_ns'])
        k2k.append(s['pkt_execute_ns'] - s['dp_upcall_ns'])
    want = ['[' + ', '.join(pyfloat(v) for v in vals) + ']' for vals in (k2v, v2k, ovh, k2k)]
    out = run(analyzer, '--sets', data).stdout.splitlines()
    got = [out[i + 1] for i, x in enumerate(out) if x.startswith('=> ') and 'microseconds' in x]
    if got != want:
        errors.append(f'--sets data sets: got {[g[:60] for g in got]}, '
                      f'want {[w[:60] for w in want]}')
    if not ovh:
        errors.append('no set with a flow put: the overhead section is not exercised')
    js = json.loads(run(analyzer, '--sets', '--json', data).stdout)['reports']['upcall_cost']
    if js['event_sets'] != stored['sets']:
        errors.append('--sets --json: event_sets differ from the stored sets')

    ps = subprocess.run(['perf', 'script', '-i', data, '-F', 'event'], capture_output=True,
                        text=True, check=True).stdout.split()
    evs = [e.rstrip(':').split(':')[-1] for e in ps]
    evs = [e for e in evs if e in TYPES]
    for n in (1, 100, 250):
        want = [evs[:n].count(t) for t in TYPES]
        for opt in (['--stop', str(n)], ['-s', str(n)]):
            doc = json.loads(run(analyzer, '--json', *opt, data).stdout)
            got = [e['total'] for e in doc['reports']['upcall_cost']['events']]
            if got != want:
                errors.append(f'{opt}: totals {got}, first {n} events give {want}')

    # --read-sets reads no recording: naming one too is a usage error.
    p = run(analyzer, '--read-sets', sets_file, data, check=False)
    if p.returncode != 1 or p.stdout or len(p.stderr.splitlines()) != 1 or \
            'no recording is read with these options' not in p.stderr:
        errors.append(f'--read-sets with a recording: exit {p.returncode}, {p.stderr!r}')
    bad = os.path.join(work, 'bad-sets.json')
    for content in ('{"format": "x"}', 'not json',
                    json.dumps(dict(stored, sets=[{'tid': 1, 'pkt_len': 60}]))):
        open(bad, 'w').write(content)
        p = run(analyzer, '--read-sets', bad, check=False)
        if p.returncode != 2 or len(p.stderr.splitlines()) != 1 or p.stdout:
            errors.append(f'bad sets file {content[:20]!r}: exit {p.returncode}, '
                          f'{p.stderr!r}')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {len(stored["sets"])} sets, {len(ovh)} with an overhead value')
    return 0


if __name__ == '__main__':
    sys.exit(main())

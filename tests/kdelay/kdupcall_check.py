#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
kdupcall_check.py - run gen-kdupcall (ovs_dp_upcall kretprobe results with
their answer) and compare kernel-delay's upcall statistics (JSON) and its
text section with the answer.

Usage: kdupcall_check.py GEN ANALYZER WORKDIR
"""
import json
import os
import subprocess
import sys


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
    text = subprocess.run([analyzer, 'kernel-delay', '-q', data], check=True,
                          capture_output=True, text=True).stdout
    if f'Total upcalls       : {want["count"]} [errors {want["errors"]}]' not in text:
        errors.append('text: no or wrong "Total upcalls" line')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {want["count"]} upcalls, {want["errors"]} errors')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
upcalls_fail_check.py - run gen-upcall-fail (kernel upcalls and the results
of ovs_dp_upcall, some failed, on four interleaved CPUs) and check that
`ovsperf-analyze upcalls --result error` lists exactly the failed ones with
their tracepoint's time, CPU, thread, datapath, device, command, length and
result (JSON and text), that --result ok lists none, and the summary counts.

Usage: upcalls_fail_check.py GEN ANALYZER WORKDIR
"""
import json
import os
import subprocess
import sys


def main():
    gen, analyze, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    data, answer = os.path.join(work, 'upfail.data'), os.path.join(work, 'upfail.jsonl')
    subprocess.run([gen, data, answer], check=True)
    want = sorted((json.loads(x) for x in open(answer)), key=lambda w: w['time_ns'])
    errors = []

    def run(*args):
        return subprocess.run([analyze, 'upcalls', '-q'] + list(args) + [data],
                              capture_output=True, text=True, check=True).stdout.splitlines()

    got = [json.loads(x) for x in run('--json', '--result', 'error')]
    doc, objs = got[-1], got[:-1]
    keys = ('time_ns', 'cpu', 'tid', 'comm', 'dpif', 'dev', 'type', 'pkt_len', 'result')
    # Lines come out when the return is seen: order by time like the answer.
    objs.sort(key=lambda o: o['time_ns'])
    if [{k: o.get(k) for k in keys} for o in objs] != want:
        errors.append(f'--result error JSON: {len(objs)} objects, {len(want)} expected; '
                      f'first {objs[:1]} vs {want[:1]}')
    if any(o['key_len'] != 0 for o in objs):
        errors.append('a failed upcall has a key length')
    s = doc['reports']['upcalls']
    if (s['shown'], s['received'], s['failed'], s['unpaired_kernel_events']) != \
            (len(want), 0, len(want), 0):
        errors.append(f'summary {s}')
    text = run('--result', 'error')
    lines = sorted(text[1:-2])
    exp = sorted(f'{w["time_ns"] // 10**9}.{w["time_ns"] % 10**9:09d}'.ljust(18) + ' ' +
                 f'{w["cpu"]:<4} {w["comm"]:<16} {w["tid"]:<10} '
                 f'{w["dev"] + " (" + w["dpif"] + ")":<40} {w["type"]:<4} {w["pkt_len"]:<10} '
                 f'{0:<12} {w["result"]}' for w in want)
    if lines != exp:
        errors.append(f'text: {lines[:2]} vs {exp[:2]}')
    if text[-1] != f'{len(want)} upcalls shown: 0 received by handlers, {len(want)} failed ' \
                   'in the kernel.':
        errors.append(f'text summary {text[-1]!r}')
    ok = run('--result', 'ok')
    if len(ok) != 3 or not ok[-1].startswith(f'0 upcalls shown: 0 received by handlers, '
                                              f'{len(want)} failed in the kernel, '
                                              f'{len(want)} filtered out'):
        errors.append(f'--result ok: {ok}')
    if len(want) < 20:
        errors.append(f'only {len(want)} failed upcalls generated')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {len(want)} failed upcalls')
    return 0


if __name__ == '__main__':
    sys.exit(main())

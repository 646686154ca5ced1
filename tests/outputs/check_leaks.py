#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every recording of testdata/ through every command, with --json (and
--html for the default run), under the sanitizer build with leak detection
forced on: no LeakSanitizer/AddressSanitizer/UBSan report, no signal, an
exit status the man page documents (0, 1, 2).  A leak in a report's JSON
writer (kernel-delay's once) fails here.

usage: check_leaks.py OVSPERF_ANALYZE TESTDATA WORKDIR
"""
import glob
import os
import shutil
import subprocess
import sys

COMMANDS = ([], ['latency'], ['kernel-delay'], ['bridge-loop'], ['upcall-cost'],
            ['journey'], ['drops'], ['script'], ['info'])


def main():
    A, td, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ)
    # Whatever the caller set, leaks are looked for here.
    env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '') + ':detect_leaks=1').lstrip(':')
    fails, runs = [], 0
    for rec in sorted(glob.glob(f'{td}/*.data')):
        for cmd in COMMANDS:
            variants = [['--json']]
            if not cmd:
                variants.append(['--html', f'{work}/page.html'])
            if cmd == ['info']:
                variants.append(['--json', '--html', f'{work}/page.html'])
            for extra in variants:
                argv = [A] + cmd + extra + [rec, '-q']
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=env, timeout=300)
                runs += 1
                err = p.stderr.decode(errors='replace')
                what = ' '.join(argv[1:])
                if 'Sanitizer' in err or 'runtime error' in err:
                    fails.append(f'{what}: sanitizer report:\n{err[:3000]}')
                elif p.returncode not in (0, 1, 2):
                    fails.append(f'{what}: exit status {p.returncode}: {err[:500]}')
    # merge: its option paths, and documents of two recordings.
    docs = []
    for rec in ('net.data', 'kdelay.data'):
        doc = f'{work}/{rec}.json'
        with open(doc, 'wb') as out:
            subprocess.run([A, '--json', f'{td}/{rec}', '-q'], stdout=out, env=env,
                           stderr=subprocess.DEVNULL)
        docs.append(doc)
    for extra in ([], ['--help'], ['--bad-option'], docs, ['--text'] + docs,
                  ['--html', f'{work}/merged.html'] + docs):
        argv = [A, 'merge'] + extra
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env, timeout=300)
        runs += 1
        err = p.stderr.decode(errors='replace')
        if 'Sanitizer' in err or p.returncode not in (0, 1, 2):
            fails.append(f'{" ".join(argv[1:])}: exit status {p.returncode}:\n{err[:3000]}')
    for f in fails:
        print('FAIL:', f)
    shutil.rmtree(work, ignore_errors=True)
    print(f'{runs} runs, {len(fails)} failure(s)')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTML pages of every report kind, checked in a real browser.

usage: run_browser.py OVSPERF_ANALYZE TESTDATA_DIR WORK_DIR

Writes one page per report kind from testdata/ (latency, kernel-delay,
bridge-loop, upcall-cost, drops, latency with blame and --interval, and a
merge of two hosts), installs
playwright-core from the npm registry into WORK_DIR/npm with `npm ci`
(pinned by package-lock.json; it drives Debian's chromium, nothing else is
downloaded), and runs first-screen.mjs on them: no console error, every
report's numbers on the 1400x900 first screen, every chart drawn, and a
screenshot per page in WORK_DIR/shots/ (kept as artifacts).
Exit 77 (skip) when chromium or node is not installed; a failing npm is an
error, said in one line.
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    analyze, tdir, work = sys.argv[1:4]
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    node, npm = shutil.which('node'), shutil.which('npm')
    if not chromium or not node or not npm:
        print('SKIP: chromium, node or npm is not installed (scripts/bootstrap installs them)')
        return 77
    npmdir = os.path.join(work, 'npm')
    os.makedirs(npmdir, exist_ok=True)
    for f in ('package.json', 'package-lock.json', 'first-screen.mjs'):
        shutil.copy(os.path.join(HERE, f), npmdir)
    if not os.path.isdir(os.path.join(npmdir, 'node_modules', 'playwright-core')):
        r = subprocess.run([npm, 'ci', '--no-audit', '--no-fund', '--loglevel=error'],
                           cwd=npmdir, capture_output=True, text=True)
        if r.returncode:
            print('FAIL: npm ci (playwright-core from the npm registry) failed: ' +
                  (r.stderr.strip().splitlines() or ['?'])[-1])
            return 1
    pages = os.path.join(work, 'pages')
    shots = os.path.join(work, 'shots')
    os.makedirs(pages, exist_ok=True)
    os.makedirs(shots, exist_ok=True)
    lab = ['--kallsyms', f'{tdir}/ovs-lab.kallsyms.zst']
    kinds = [
        ('latency', ['latency', *lab, f'{tdir}/ovs-lab.data']),
        ('kernel-delay', ['kernel-delay', '--pid', '18674', f'{tdir}/vswitchd-kdelay.data']),
        ('bridge-loop', ['bridge-loop', f'{tdir}/vswitchd-kdelay.data']),
        ('upcall-cost', ['upcall-cost', f'{tdir}/upcall.data']),
        ('drops', ['drops', f'{tdir}/net.data']),
        ('latency-blame', ['latency', '--interval', '0.001', f'{tdir}/latency-blame.data']),
    ]
    specs = []
    for name, args in kinds:
        out = os.path.join(pages, name + '.html')
        subprocess.run([analyze, args[0], '-q', *args[1:], '--html', out], check=True,
                       stdout=subprocess.DEVNULL)
        specs.append(f'{name}={out}')
    # A merge of two hosts' latency documents.
    docs = []
    for name, args in (('vm', ['latency', f'{tdir}/net.data']),
                       ('vmrig', ['latency', *lab, f'{tdir}/ovs-lab.data'])):
        path = os.path.join(pages, name + '.json')
        with open(path, 'w') as f:
            subprocess.run([analyze, args[0], '-q', *args[1:], '--json'], check=True, stdout=f)
        docs.append(path)
    out = os.path.join(pages, 'merge.html')
    subprocess.run([analyze, 'merge', *docs, '--html', out], check=True,
                   stdout=subprocess.DEVNULL)
    specs.append(f'merge={out}')
    r = subprocess.run([node, os.path.join(npmdir, 'first-screen.mjs'), chromium, shots,
                        *specs])
    return r.returncode


if __name__ == '__main__':
    sys.exit(main())

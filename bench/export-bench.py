#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# export-bench.py - size and speed of `ovsperf-analyze export --perfetto`
# (Perfetto protobuf, the default) against the `latency` report on the same
# file and against the Trace Event JSON .gz export.
#
#   sudo bench/export-bench.py [--analyze BIN] [--gen-synth BIN] [--runs N]
#                              [--input NAME=PATH ...]
#
# Inputs (in bench/out/, made when missing):
#   synth-1m.data, synth-4m.data  gen-synth, 1 M and 4 M events (net/skb/sched)
#   real-pkt.data                 bench/record-real.sh OUT 8 packets: veth
#                                 traffic with the net, skb and sched events
#   real.data                     bench/record-real.sh OUT 4 (all): also
#                                 raw_syscalls and irq events
# --input NAME=PATH (repeatable) measures those files instead, e.g. a
# syscall-dense recording kept outside the repository:
#   sudo bench/record-real.sh /work/bench-data/real-sys.data 3 all
#   bench/export-bench.py --input real-sys=/work/bench-data/real-sys.data
# For each: CPU time (user + sys) of `export --perfetto OUT.pftrace` and of
# `latency`, paired A B A B ... by farm-bench (medians, and the median of the
# pairwise ratios), peak RSS, and the sizes of the .pftrace and of the
# .json.gz the JSON writer makes of the same file.  Writes
# bench/out/export-results.md.  A benchmark, not a test.
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'bench', 'out')


def farm(cmd_a, cmd_b, runs):
    """farm-bench A vs B: {key: median} for 'A cpu s', 'B cpu s', 'A/B cpu', ..."""
    args = ['farm-bench', '-n', str(runs), '--timeout', '1200']
    if cmd_b:
        args += ['--vs', cmd_b]
    r = subprocess.run(args + ['--'] + cmd_a, capture_output=True, text=True, check=True)
    res = {}
    for line in r.stdout.splitlines() + r.stderr.splitlines():
        m = re.match(r'\s*(A/B \w+|[AB] \w+ \w+|[AB] \w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)',
                     line)
        if m:
            res[m.group(1).strip()] = float(m.group(3))
    return res


def samples(analyze, path):
    out = subprocess.run([analyze, 'info', path], capture_output=True, text=True).stdout
    n, on = 0, False
    for line in out.splitlines():
        if line.startswith('EVENT'):
            on = True
            continue
        f = line.split()
        if on and len(f) >= 5 and f[1].isdigit():
            n += int(f[1])
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--analyze', default=os.path.join(ROOT, 'build', 'ovsperf-analyze'))
    ap.add_argument('--gen-synth', default=os.path.join(ROOT, 'build', 'gen-synth'))
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--input', action='append', default=[], metavar='NAME=PATH')
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    inputs = [tuple(i.split('=', 1)) for i in a.input]
    for name, n in (('synth-1m', 1000000), ('synth-4m', 4000000)) if not inputs else ():
        path = os.path.join(OUT, name + '.data')
        if not os.path.exists(path):
            subprocess.run([a.gen_synth, '-o', path, '-n', str(n)], check=True,
                           stdout=subprocess.DEVNULL)
        inputs.append((name, path))
    for name, kind, secs in (('real-pkt', 'packets', '8'), ('real', 'all', '4')) \
            if not a.input else ():
        path = os.path.join(OUT, name + '.data')
        if not os.path.exists(path):
            subprocess.run([os.path.join(ROOT, 'bench', 'record-real.sh'), path, secs, kind],
                           check=True)
        inputs.append((name, path))

    rows = []
    for name, path in inputs:
        pf = f'/tmp/export-bench-{name}.pftrace'
        js = f'/tmp/export-bench-{name}.json.gz'
        print(f'== {name}', file=sys.stderr, flush=True)
        m = farm(['sh', '-c', f'exec {a.analyze} export -q --perfetto {pf} {path}'],
                 f'{a.analyze} latency -q {path}', a.runs)
        j = farm(['sh', '-c', f'exec {a.analyze} export -q --perfetto {js} {path}'], None,
                 max(1, a.runs // 2))
        rows.append((name, samples(a.analyze, path), os.path.getsize(path), m, j,
                     os.path.getsize(pf), os.path.getsize(js)))
        os.unlink(pf)
        os.unlink(js)

    lines = ['| file | events | export CPU s | latency CPU s | export / latency (CPU, paired) '
             '| export peak RSS MiB | .pftrace MB | JSON export CPU s | .json.gz MB '
             '| .json.gz / .pftrace |',
             '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for name, ev, size, m, j, pfs, jss in rows:
        lines.append(f'| {name} | {ev} | {m.get("A cpu s", 0):.3f} | {m.get("B cpu s", 0):.3f} '
                     f'| {m.get("A/B cpu", 0):.2f}x | {m.get("A peak MiB", 0):.1f} '
                     f'| {pfs / 1e6:.2f} | {j.get("A cpu s", 0):.3f} | {jss / 1e6:.2f} '
                     f'| {jss / pfs:.2f}x |')
    text = '\n'.join(lines) + '\n'
    open(os.path.join(OUT, 'export-results.md'), 'w').write(text)
    print(text)


if __name__ == '__main__':
    main()

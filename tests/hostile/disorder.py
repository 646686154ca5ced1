#!/usr/bin/env python3
"""disorder.py: a record that arrives out of time order is delivered late,
counted and warned about, as perf does ("out of order events recorded").

The recording (a real one from testdata/, file mode, with FINISHED_ROUND
records) is copied, and one sample is moved back in time: the first sample of
EVENT after two rounds that held samples (FINISHED_ROUND records closing
them) gets a time 1 ns before the recording's first sample: when it is read,
the first of those rounds has been delivered.  The
choice is fixed by the file, so the verdict is the same on every machine.

Checked on the copy:
  - `info`: "out of order:" 1, JSON reports.info.out_of_order == 1;
  - every command below exits 0 and prints on stderr exactly one warning that
    names the count (its other output is checked by the rest of the suite:
    here it must not crash, hang or stay silent);
  - `script` prints what `perf script` prints for the same copy, so the late
    record comes out where perf puts it (when perf is installed);
  - the untouched original warns of nothing.

Usage: disorder.py --analyze BIN [--perf PERF] --work DIR DATA EVENT
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

PERF_RECORD_SAMPLE = 9
PERF_RECORD_FINISHED_ROUND = 68
SAMPLE_IDENTIFIER = 1 << 16
SAMPLE_IP = 1 << 0
SAMPLE_TID = 1 << 1
SAMPLE_TIME = 1 << 2
WARNING = 'arrived out of time order'


def attrs(path):
    """(data offset, data size, {sample id: (config, sample_type)}) of a file."""
    with open(path, 'rb') as f:
        h = f.read(104)
        if h[:8] != b'PERFILE2':
            sys.exit(f'{path}: not a file-mode perf.data')
        attr_size, a_off, a_size, d_off, d_size = struct.unpack_from('<QQQQQ', h, 16)
        f.seek(a_off)
        raw = f.read(a_size)
        ids = {}
        for i in range(0, a_size, attr_size):
            config = struct.unpack_from('<Q', raw, i + 8)[0]
            st = struct.unpack_from('<Q', raw, i + 24)[0]
            if not st & SAMPLE_IDENTIFIER or not st & SAMPLE_TIME:
                sys.exit(f'{path}: samples without IDENTIFIER and TIME')
            id_off, id_size = struct.unpack_from('<QQ', raw, i + attr_size - 16)
            f.seek(id_off)
            for k in range(id_size // 8):
                ids[struct.unpack('<Q', f.read(8))[0]] = (config, st)
    return d_off, d_size, ids


def mutate(src, dst, config):
    """Copy src to dst with one sample of tracepoint @config moved back in time."""
    d_off, d_size, ids = attrs(src)
    buf = bytearray(open(src, 'rb').read())
    # rounds: FINISHED_ROUND records that closed a round with samples in it
    pos, end, rounds, in_round, first, target = d_off, d_off + d_size, 0, 0, None, None
    while pos + 8 <= end:
        typ, _misc, size = struct.unpack_from('<IHH', buf, pos)
        if size < 8:
            sys.exit(f'{src}: bad record size at {pos}')
        if typ == PERF_RECORD_FINISHED_ROUND:
            rounds += in_round > 0
            in_round = 0
        elif typ == PERF_RECORD_SAMPLE:
            sid = struct.unpack_from('<Q', buf, pos + 8)[0]
            cfg, st = ids[sid]
            t_off = 8 + 8 + 8 * bool(st & SAMPLE_IP) + 8 * bool(st & SAMPLE_TID)
            t = struct.unpack_from('<Q', buf, pos + t_off)[0]
            first = t if first is None else min(first, t)
            in_round += 1
            if rounds >= 2 and target is None and cfg == config:
                target, target_off = pos, t_off
        pos += size
    if target is None:
        sys.exit(f'{src}: no sample of config {config} after two rounds of samples')
    struct.pack_into('<Q', buf, target + target_off, first - 1)
    open(dst, 'wb').write(buf)
    return target


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--analyze', required=True)
    ap.add_argument('--perf')
    ap.add_argument('--work', required=True)
    ap.add_argument('data')
    ap.add_argument('event')
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    info = json.loads(run([a.analyze, 'info', '--json', '-q', a.data]).stdout)
    config = next(e['config'] for e in info['reports']['info']['events']
                  if e['name'] == a.event)
    bad = os.path.join(a.work, 'disorder.data')
    at = mutate(a.data, bad, config)
    errors = []

    info = run([a.analyze, 'info', '--json', bad])
    n = json.loads(info.stdout)['reports']['info']['out_of_order']
    if n != 1:
        errors.append(f'info: out_of_order {n}, expected 1')
    if 'out of order:    1 ' not in run([a.analyze, 'info', bad]).stdout:
        errors.append('info: no "out of order: 1" line')
    cmds = [['info'], ['script'], ['latency'], ['journey'], ['drops'], ['kernel-delay'],
            ['latency', '--json'], ['export', '--perfetto', os.path.join(a.work, 'trace.pftrace')], []]
    for c in cmds:
        r = run([a.analyze] + c + [bad])
        warns = [l for l in r.stderr.splitlines() if WARNING in l]
        if r.returncode != 0 or len(warns) != 1 or ': 1 record arrived' not in warns[0]:
            errors.append(f'{" ".join(c) or "(default run)"}: exit {r.returncode}, '
                          f'warnings {warns}, stderr {r.stderr[-300:]!r}')
        q = run([a.analyze] + c + ['-q', bad]) if c[:1] != ['export'] else None
        if q and WARNING in q.stderr:
            errors.append(f'{" ".join(c)} -q: warned anyway')
    r = run([a.analyze, 'latency', a.data])
    if WARNING in r.stderr:
        errors.append('the original recording: warned of disorder')
    perf = a.perf or shutil.which('perf')
    compared = 'perf not installed: script not compared with perf script'
    if perf:
        parity = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'parity',
                              'parity.py')
        p = run([sys.executable, parity, '--ovsperf', a.analyze, bad])
        if p.returncode != 0:
            errors.append(f'script differs from perf script: {p.stdout[-600:]}')
        compared = 'script equals perf script'
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: the {a.event} sample at byte {at} moved back: counted, warned once by '
          f'{len(cmds)} commands; {compared}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
usdt_list_check.py - `ovsperf-probe list --usdt BINARY` against
`readelf -n BINARY`: the same probes in the same order, each with
readelf's provider:name, Location (the binaries here are not prelinked:
Base is .stapsdt.base's address), Semaphore ("-" for 0) and Arguments.
A file without USDT notes and a missing file give one error line, no
output and exit 2.

Usage: usdt_list_check.py OVSPERF_PROBE BINARY... -- NO_USDT_FILE
Exit 77 without readelf.
"""
import re
import shutil
import subprocess
import sys


def readelf(path):
    out = subprocess.run(['readelf', '-n', path], capture_output=True, text=True,
                         check=True).stdout
    probes = []
    for m in re.finditer(r'Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: (0x[0-9a-f]+), '
                         r'Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)\n\s+Arguments: ?(.*)',
                         out):
        sema = '-' if int(m[4], 16) == 0 else f'0x{int(m[4], 16):016x}'
        probes.append(f'{m[1] + ":" + m[2]:<30} 0x{int(m[3], 16):016x} {sema:<18}'
                      + (f' {m[5]}' if m[5] else ''))
    return probes


def main():
    if not shutil.which('readelf'):
        print('SKIP: no readelf')
        return 77
    args = sys.argv[1:]
    probe, bins, bad = args[0], args[1:args.index('--')], args[args.index('--') + 1]
    errors, total = [], 0
    for b in bins:
        want = readelf(b)
        p = subprocess.run([probe, 'list', '--usdt', b], capture_output=True, text=True)
        got = p.stdout.splitlines()
        if p.returncode or not got or not got[0].startswith('PROBE ') or got[1:] != want:
            errors.append(f'{b}: exit {p.returncode}\n  want {want}\n  got  {got[1:]}')
        if not want:
            errors.append(f'{b}: readelf shows no USDT probe')
        total += len(want)
    for f in (bad, bad + '.does-not-exist'):
        p = subprocess.run([probe, 'list', '-u', f], capture_output=True, text=True)
        if p.returncode != 2 or p.stdout or len(p.stderr.splitlines()) != 1:
            errors.append(f'{f}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {total} probes in {len(bins)} binaries')
    return 0


if __name__ == '__main__':
    sys.exit(main())

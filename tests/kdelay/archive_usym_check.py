#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
archive_usym_check.py - user stacks of kernel-delay come from the archive
when the recording is read from one (root).

kdelay-load runs with a private copy of libc (LD_LIBRARY_PATH) and is
recorded with `perf record -g`: its syscalls' user frames are in that copy
(the frame-pointer chain does not get past libc's wrappers).
`ovsperf-probe archive --binary COPY` packs the recording with the copy's
symbol table and PT_LOAD segments.  Then:
  A = kernel-delay --syscall-events on the recording, the copy present;
  the copy is deleted (the analysing machine no longer has the binary);
  B = the same on the plain recording: the copy's frames are now unknown;
  C = the same with -r ARCHIVE: every frame equals A's again.
Usage: archive_usym_check.py ANALYZER PROBE KDELAY_LOAD WORKDIR
Exit 0 on success, 1 on failure, 77 when not root or perf is missing.
"""
import os
import re
import shutil
import subprocess
import sys


def frames(analyzer, args):
    """The user-space frames of the syscall events (kernel frames differ on
    purpose: the archive also brings the recorded boot's kallsyms)."""
    out = subprocess.run([analyzer, 'kernel-delay', '-q', '--syscall-events'] + args,
                         check=True, capture_output=True, text=True).stdout
    return [ln.strip() for ln in out.splitlines() if ln.startswith('          ') and
            '[kernel]' not in ln and '0xffffffff' not in ln]


def main():
    analyzer, probe, load, work = sys.argv[1:5]
    if os.geteuid() != 0 or not shutil.which('perf'):
        print('SKIP: needs root and perf')
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    libc = next((p for p in ('/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6')
                 if os.path.exists(p)), None)
    if not libc:
        print('SKIP: no x86_64 libc.so.6 to copy')
        return 77
    copy = os.path.join(work, 'libc.so.6')
    shutil.copy(libc, copy)
    data = os.path.join(work, 'kd-g.data')
    rec = subprocess.run(['perf', 'record', '-q', '-g', '-o', data, '-e', 'raw_syscalls:sys_enter',
                          '-e', 'raw_syscalls:sys_exit', '--', 'env', f'LD_LIBRARY_PATH={work}',
                          load, '30'], capture_output=True, text=True)
    if rec.returncode:
        print(f'SKIP: perf record failed: {rec.stderr.strip()[:200]}')
        return 77
    arch = data + '.tar.zst'
    subprocess.run([probe, 'archive', data, '-o', arch, '--binary', copy], check=True,
                   capture_output=True)
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'comm,pid'], check=True,
                         capture_output=True, text=True).stdout
    pid = next(ln.split()[1] for ln in out.splitlines() if ln.split()[0] == 'kdelay-load')
    args = ['--pid', pid]
    a = frames(analyzer, args + [data])
    os.unlink(copy)
    b = frames(analyzer, args + [data])
    c = frames(analyzer, args + ['-r', arch])
    base = os.path.basename(copy)

    def known(f):
        return f'[{base}]' in f and not f.startswith('[unknown]')

    ours = [f for f in a if known(f)]
    if not ours:
        print('FAIL: no symbolized frame of the libc copy in the first place')
        return 1
    if sum(map(known, b)) >= len(ours):
        print('FAIL: frames stayed symbolized when the binary was deleted (test is blind)')
        return 1
    if len(c) != len(a):
        print(f'FAIL: {len(c)} user frames from the archive, {len(a)} from the binary')
        return 1
    # Same place in the same function: aliases at one address (pipe/__pipe)
    # may be named either way, so compare "+OFFSET [FILE]" of symbolized frames.
    bad = [(x, y) for x, y in zip(a, c)
           if known(x) and (not known(y) or x.split('+')[-1] != y.split('+')[-1])]
    if bad:
        print(f'FAIL: frames from the archive differ from the binary: {bad[:5]}')
        return 1
    print(f'PASS: {sum(map(known, c))} frames symbolized from the archive '
          f'({len(ours)} from the binary, {sum(map(known, b))} once it was deleted)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

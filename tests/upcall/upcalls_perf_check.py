#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
upcalls_perf_check.py - `ovsperf-analyze upcalls` on a recording made by
plain perf (testdata/upcall.data: sdt_dpif_recv:recv_upcall with arg1..arg6
only, openvswitch:ovs_dp_upcall and its kretprobe): one line per
recv_upcall sample with perf script's time, CPU, comm, tid, arg2 (type),
arg4 (packet length) and arg6 (key length), dpif "-" (the name was not
fetched); failed upcalls are the ovs_dp_upcall returns with a non-zero
arg1, and --result error shows exactly those.

Usage: upcalls_perf_check.py OVSPERF_ANALYZE PERF_DATA [--min N]  (N: fewest recv_upcalls, 10)
Exit 77 without perf.
"""
import collections
import re
import shutil
import subprocess
import sys


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    analyze, data = sys.argv[1:3]
    # --min N: the fewest recv_upcall samples the recording must have (10)
    least = int(sys.argv[sys.argv.index('--min') + 1]) if '--min' in sys.argv else 10
    ps = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F',
                         'comm,tid,cpu,time,event,trace'], capture_output=True, text=True,
                        check=True).stdout
    want = ['TIME               CPU  COMM             PID        DPIF_NAME                      '
            '          TYPE PKT_LEN    FLOW_KEY_LEN RESULT']
    failed = 0
    for line in ps.splitlines():
        m = re.match(r'\s*(.*?)\s+(\d+)\s+\[(\d+)\]\s+(\d+\.\d{9}):\s+(\S+):(.*)$', line)
        if not m:
            continue
        if m[5].endswith(':ovs_dp_upcall__return'):
            a = dict(re.findall(r'(\w+)=(\S+)', m[6]))
            failed += int(a.get('ret', a.get('arg1', '0')), 0) != 0
        if not m[5].endswith(':recv_upcall'):
            continue
        a = dict(re.findall(r'(\w+)=(\S+)', m[6]))
        # the datapath name: fetched by ovsperf-probe's set (dpif="..."), not by
        # a plain `perf probe %sdt_dpif_recv:recv_upcall`
        dpif = a.get('dpif', '-').strip('"')
        want.append(f'{m[4]:<18} {int(m[3]):<4} {m[1]:<16} {m[2]:<10} {dpif:<40} {a["arg2"]:<4} '
                    f'{a["arg4"]:<10} {a["arg6"]:<12} 0')
    n = len(want) - 1
    want += ['', f'{n} upcalls shown: {n} received by handlers, {failed} failed in the '
             'kernel.']
    got = subprocess.run([analyze, 'upcalls', '-q', data], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    errors = []
    if got != want:
        bad = next((i for i, (w, g) in enumerate(zip(want, got)) if w != g), None)
        errors.append(f'line {bad}: want {want[bad]!r} got {got[bad]!r}' if bad is not None
                      else f'{len(want)} lines expected, {len(got)} printed')
    err = subprocess.run([analyze, 'upcalls', '-q', '--result', 'error', data],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(err) != 1 + failed + 2 or not err[-1].startswith(f'{failed} upcalls shown: '):
        errors.append(f'--result error: {err[-3:]}')
    # -r names the recording here as in every command (perf's habit), not --result
    by_r = subprocess.run([analyze, 'upcalls', '-q', '-r', data], capture_output=True,
                          text=True, check=True).stdout.splitlines()
    if by_r != got:
        errors.append('upcalls -r FILE differs from upcalls FILE')
    # --pid: only the upcalls of that process (the handlers' pid, from
    # perf script's pid/tid); a process with no upcall shows none and counts
    # them filtered out; a PID the recording does not have (a handler's tid
    # is not a process) is one error line, exit 1 and no report, not even
    # the header.
    pids = collections.Counter(re.findall(r'^\s*(\d+)/\d+\s+\S+:recv_upcall:', subprocess.run(
        ['perf', 'script', '-i', data, '-F', 'pid,tid,event'], capture_output=True, text=True,
        check=True).stdout, re.M))
    if len(pids) != 1 or pids.most_common(1)[0][1] != n:
        errors.append(f'recv_upcall pids {dict(pids)}: the check needs one process')
    else:
        pid = pids.most_common(1)[0][0]
        for opt in ('--pid', '-p'):
            p = subprocess.run([analyze, 'upcalls', '-q', opt, pid, data],
                               capture_output=True, text=True)
            if p.returncode or p.stdout.splitlines() != got:
                errors.append(f'upcalls {opt} {pid}: exit {p.returncode}, not the same lines')
        other = next(ln.split()[3] for ln in got[1:n + 1] if ln.split()[3] != pid)
        p = subprocess.run([analyze, 'upcalls', '-q', '--pid', other, data],
                           capture_output=True, text=True)
        if p.returncode != 1 or p.stdout or len(p.stderr.splitlines()) != 1 or \
                f'--pid {other} matches nothing in the recording' not in p.stderr:
            errors.append(f'upcalls --pid {other} (a thread): exit {p.returncode}, stdout '
                          f'{p.stdout[:80]!r}, stderr {p.stderr!r}')
        # a process the recording knows (init's COMM record) without upcalls
        p = subprocess.run([analyze, 'upcalls', '-q', '--pid', '1', data],
                           capture_output=True, text=True)
        last = p.stdout.splitlines()[-1] if p.stdout else ''
        if p.returncode or len(p.stdout.splitlines()) != 3 or \
                last != f'0 upcalls shown: {n} received by handlers, {failed} failed in the ' \
                        f'kernel, {n} filtered out.':
            errors.append(f'upcalls --pid 1: exit {p.returncode}, {p.stdout[-200:]!r}')
    # Not a report of the default run (it lists, it does not summarise).
    p = subprocess.run([analyze, '-q', data], capture_output=True, text=True)
    if '=== upcalls' in p.stdout or 'DPIF_NAME' in p.stdout:
        errors.append('the default run shows the upcalls list')
    if n < least:
        errors.append(f'only {n} recv_upcall samples')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {n} upcalls, {failed} failed')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# The number options of the kernel-delay, bridge-loop and upcall-cost reports
# go through ovp_parse_uint_opt(): a bad value is refused before the
# recording is read, with one line that names the option as it was spelled
# and its range, and exit status 1; a good value is taken.
#
# With an upcall-cost recording too, the text of upcall-cost --sets is the
# same whether --html is written or not (the text comes from the model,
# made once: the data sets are listed in the order the sets were matched).
#
#   number_opts_check.py OVSPERF_ANALYZE RECORDING [UPCALL_RECORDING WORKDIR]
import os
import subprocess
import sys

analyze, rec = sys.argv[1], sys.argv[2]

BAD = [
    (['kernel-delay', '-p', 'x'], "-p: expected a whole number from 0 to 2147483647, not 'x'"),
    (['kernel-delay', '--pid', '4294967296'],
     "--pid: expected a whole number from 0 to 2147483647, not '4294967296'"),
    (['kernel-delay', '--sample-count', '-1'],
     "--sample-count: expected a whole number of at least 0, not '-1'"),
    (['kernel-delay', '--stack-trace-size', '1k'],
     "--stack-trace-size: expected a whole number of at least 0, not '1k'"),
    (['kernel-delay', '--debug=x'], "--debug: expected a whole number of at least 0, not 'x'"),
    (['kernel-delay', '--buffer-page-count', ' 8'],
     "--buffer-page-count: expected a whole number of at least 0, not ' 8'"),
    (['bridge-loop', '-p', '-3'], "-p: expected a whole number from 0 to 2147483647, not '-3'"),
    (['bridge-loop', '--pid', '1.5'],
     "--pid: expected a whole number from 0 to 2147483647, not '1.5'"),
    (['upcall-cost', '-b', '0'], "-b: expected a whole number from 1 to 1000, not '0'"),
    (['upcall-cost', '--histogram-buckets', '1001'],
     "--histogram-buckets: expected a whole number from 1 to 1000, not '1001'"),
    (['upcall-cost', '--stop', '0'], "--stop: expected a whole number of at least 1, not '0'"),
    (['upcall-cost', '-s', '99999999999999999999'],
     "-s: expected a whole number of at least 1, not '99999999999999999999'"),
]
# Values at the ends of the ranges are taken (the report may still fail for
# its own reasons, never with a number error).
GOOD = [
    ['kernel-delay', '-p', '2147483647'],
    ['kernel-delay', '--sample-count', '0', '--stack-trace-size', '0', '-D', '0'],
    ['kernel-delay', '--trigger-delta', '5ms', '--syscall-events=20us'],
    ['bridge-loop', '--pid', '0'],
    ['upcall-cost', '-b', '1000', '--stop', '1'],
]

errors = []
for args, want in BAD:
    p = subprocess.run([analyze] + args + [rec], capture_output=True, text=True)
    lines = p.stderr.splitlines()
    if p.returncode != 1 or not lines or lines[0] != f'ovsperf-analyze: {want}' or p.stdout:
        errors.append(f'{args}: exit {p.returncode}, stdout {len(p.stdout)} bytes, '
                      f'stderr {p.stderr!r}; wanted {want!r}')
for args in GOOD:
    p = subprocess.run([analyze, args[0], '-q'] + args[1:] + [rec], capture_output=True,
                       text=True)
    if 'expected a whole number' in p.stderr or p.returncode not in (0, 1, 2):
        errors.append(f'{args}: refused: {p.stderr.strip()}')
if len(sys.argv) > 4:
    os.makedirs(sys.argv[4], exist_ok=True)
    html = os.path.join(sys.argv[4], 'sets.html')
    runs = [subprocess.run([analyze, 'upcall-cost', '-q', '--sets'] + extra + [sys.argv[3]],
                           capture_output=True, text=True) for extra in ([], ['--html', html])]
    if runs[0].returncode or runs[1].returncode or '[' not in runs[0].stdout:
        errors.append(f'upcall-cost --sets: exit {runs[0].returncode}/{runs[1].returncode}')
    elif runs[0].stdout != runs[1].stdout:
        errors.append('upcall-cost --sets: the text differs with --html')
if errors:
    print('\n'.join(errors))
    print(f'FAIL: {len(errors)} problems')
    sys.exit(1)
print(f'ok: {len(BAD)} bad values refused with their option named, {len(GOOD)} good ones taken')

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
record_sigkill_check.py - `ovsperf-probe record` killed by SIGKILL leaves a
recording the analyzer's reports can read (root: real tracepoints).

A workload sends UDP datagrams to 127.0.0.1 (loopback only) with short
sleeps; `record -p WORKLOAD` records its syscalls and scheduling into NAME,
where a file "earlier" was.  Once the header counts records, record is
SIGKILLed.  Then:
  - NAME.old is the earlier file, byte for byte; no temporary is left;
  - NAME's header counts whole records on disk (data size > 0, within the
    file): it was kept current at each flush;
  - `ovsperf-analyze kernel-delay --pid WORKLOAD NAME` (text and JSON) exits
    2 with exactly one warning (the recorder did not finish), and its
    partial results count the workload's sendto calls and the recorded
    events (non-zero);
  - a second, finished record over NAME moves the killed file to NAME.old
    and reads back with exit 0 and no warning.

Usage: record_sigkill_check.py OVSPERF_PROBE OVSPERF_ANALYZE WORKDIR
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

EVENTS = ['raw_syscalls:sys_enter', 'raw_syscalls:sys_exit', 'sched:sched_switch',
          'sched:sched_wakeup']
WORKLOAD = r'''
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 60
while time.time() < end:
    s.sendto(b"x" * 64, ("127.0.0.1", 9))
    time.sleep(0.002)
'''

failures = 0


def check(cond, what):
    global failures
    if not cond:
        print(f'FAIL: {what}')
        failures += 1
    return cond


def header(path):
    """(data offset, data size, file size) of a file-mode perf.data."""
    with open(path, 'rb') as f:
        h = f.read(104)
    if len(h) < 104 or h[:8] != b'PERFILE2':
        return None
    off, size = struct.unpack_from('<QQ', h, 40)
    return off, size, os.path.getsize(path)


def one_warning(err, what):
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) == 1 and ': warning: ' in lines[0] and 'did not finish' in lines[0],
          f'{what}: expected one warning that the recorder did not finish, got: {lines}')


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    probe, analyze, work = sys.argv[1:]
    if os.geteuid() != 0:
        print('SKIP: needs root (perf_event_open of tracepoints)')
        return 77
    tracefs = os.environ.get('OVSPERF_TRACEFS', '/sys/kernel/tracing')
    if not all(os.path.isdir(f'{tracefs}/events/{e.replace(":", "/")}') for e in EVENTS):
        print(f'SKIP: no {EVENTS} in {tracefs}')
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    name = os.path.join(work, 'k.data')
    with open(name, 'w') as f:
        f.write('earlier\n')

    wl = subprocess.Popen([sys.executable, '-c', WORKLOAD])
    rec = None
    try:
        time.sleep(0.2)
        rec = subprocess.Popen([probe, 'record', '-p', str(wl.pid), '-o', name, '-q'] +
                               [a for e in EVENTS for a in ('-e', e)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Until the header counts the formats and some records (at most 30 s).
        first = None
        deadline = time.time() + 30
        while time.time() < deadline and rec.poll() is None:
            h = header(name)
            if h and h[1] and first is None:
                first = h[1]
            if h and first is not None and h[1] > first + 32768:
                break
            time.sleep(0.05)
        check(rec.poll() is None, f'record ended by itself: {rec.poll()} '
              f'{rec.stderr.read().decode() if rec.poll() is not None else ""}')
        rec.send_signal(signal.SIGKILL)
        rc = rec.wait()
        check(rc == -signal.SIGKILL, f'record was not killed by SIGKILL: {rc}')

        # The earlier file is NAME.old; nothing else beside NAME.
        with open(name + '.old') as f:
            check(f.read() == 'earlier\n', 'NAME.old is not the earlier file')
        left = sorted(os.listdir(work))
        check(left == ['k.data', 'k.data.old'], f'files left: {left}')
        h = header(name)
        check(h is not None and h[1] > 0 and h[0] + h[1] <= h[2],
              f'header of the killed recording does not count its records: {h}')
        print(f'killed recording: {h[2] if h else "?"} bytes, header counts {h[1] if h else "?"}')

        # The report reads it: partial results, one warning, exit 2.
        p = subprocess.run([analyze, 'kernel-delay', '--pid', str(wl.pid), name],
                           capture_output=True, text=True)
        check(p.returncode == 2, f'kernel-delay text: exit {p.returncode}, expected 2')
        one_warning(p.stderr, 'kernel-delay text')
        sendto = [l.split() for l in p.stdout.splitlines() if l.split()[:1] == ['sendto']]
        check(sendto and int(sendto[0][2].replace(',', '')) > 0,
              f'kernel-delay text: no sendto count: {p.stdout[:2000]}')

        p = subprocess.run([analyze, 'kernel-delay', '--json', '--pid', str(wl.pid), name],
                           capture_output=True, text=True)
        check(p.returncode == 2, f'kernel-delay --json: exit {p.returncode}, expected 2')
        one_warning(p.stderr, 'kernel-delay --json')
        doc = json.loads(p.stdout)
        recd = doc['recording']
        check(recd['truncated'] is True, 'JSON recording.truncated is not true')
        for e in EVENTS[:3]:
            check(recd['event_counts'].get(e, 0) > 0, f'no {e} counted: {recd["event_counts"]}')
        threads = doc['reports']['kernel_delay']['samples'][0]['threads']
        check(any(t for t in threads), f'kernel-delay --json: no thread: {threads}')
        print(f'partial counts: {recd["event_counts"]}')
        killed_size = h[2] if h else None

        # A finished recording over it: the killed one becomes NAME.old.
        p = subprocess.run([probe, 'record', '-p', str(wl.pid), '-o', name, '-q', '-d', '0.5'] +
                           [a for e in EVENTS for a in ('-e', e)], capture_output=True, text=True)
        check(p.returncode == 0, f'second record: exit {p.returncode}: {p.stderr}')
        check(os.path.getsize(name + '.old') == killed_size,
              'NAME.old is not the killed recording after a second record')
        p = subprocess.run([analyze, 'kernel-delay', '--pid', str(wl.pid), name],
                           capture_output=True, text=True)
        check(p.returncode == 0 and not p.stderr.strip(),
              f'finished recording: exit {p.returncode}, stderr {p.stderr!r}')
    finally:
        if rec and rec.poll() is None:
            rec.kill()
            rec.wait()
        wl.kill()
        wl.wait()
    if failures:
        print(f'{failures} check(s) failed')
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())

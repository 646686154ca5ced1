#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
wallclock_check.py - wall-clock times in ovsperf-analyze's reports of a
recording with CLOCK_DATA (CTest label root).  `ovsperf-probe record`
records loopback UDP (net:netif_rx -> net:netif_receive_skb, udp-send) and
the kernel-delay tracepoints of the fake ovs-vswitchd, both as workloads.
perf script -F tod (TZ=UTC) is the reference for the time of each sample:

  - the "Wall clock: FIRST to LAST" line before the reports and the JSON
    recording.wall_clock_first/last are the tod of the first and last
    samples;
  - each latency threshold event's "Wall clock:" is the tod of its first
    stage's sample (its first "Timestamps:" value);
  - kernel-delay's "# Start sampling @T (DATE)" and "# Stop sampling" lines
    carry the tod of T.

Usage: wallclock_check.py OVSPERF_PROBE OVSPERF_ANALYZE UDP_SEND FAKE_VSWITCHD WORKDIR
Exit 77 without root or perf.
"""
import json
import os
import re
import shutil
import subprocess
import sys

ENV = dict(os.environ, TZ='UTC')


def tods(path):
    """{sample time 'secs.nsecs': tod to the microsecond} from perf script
    --ns (whose tod has nanoseconds: cut to microseconds as ovsperf prints)."""
    out = subprocess.run(['perf', 'script', '--ns', '-i', path, '-F', 'tod,time'], env=ENV,
                         capture_output=True, text=True, check=True).stdout
    m = re.findall(r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\d{3}\s+(\d+\.\d{9}):', out)
    return {t: d + ' UTC' for d, t in m}, [d + ' UTC' for d, _ in m]


def usec(t):
    """Sample times are compared to the nanosecond."""
    return t


def main():
    probe, analyze, udp, vswitchd, work = sys.argv[1:6]
    if os.geteuid() != 0:
        print('SKIP: needs root')
        return 77
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    os.makedirs(work, exist_ok=True)
    errors = []

    lat = os.path.join(work, 'wall-lat.data')
    subprocess.run([probe, 'record', '-q', '-a', '-e', 'net:netif_rx', '-e',
                    'net:netif_receive_skb', '-o', lat, '--', udp, 'send', '127.0.0.1', '9999',
                    '30', '64', '200'], check=True, capture_output=True)
    by_time, ordered = tods(lat)
    text = subprocess.run([analyze, 'latency', '-q', '--threshold-us', '1', lat], env=ENV,
                          capture_output=True, text=True, check=True).stdout
    m = re.match(r'Wall clock: (.*) to (.*) \(recording times', text)
    if not m or (m[1], m[2]) != (ordered[0], ordered[-1]):
        errors.append(f'header {text.splitlines()[0]!r}, perf: {ordered[0]} .. {ordered[-1]}')
    doc = json.loads(subprocess.run([analyze, 'latency', '-q', '--json', lat], env=ENV,
                                    capture_output=True, text=True, check=True).stdout)
    rec = doc['recording']
    if (rec['wall_clock_first'], rec['wall_clock_last']) != (ordered[0], ordered[-1]):
        errors.append(f'JSON {rec["wall_clock_first"]} .. {rec["wall_clock_last"]}')
    events = re.findall(r'Timestamps: (\S+) .*\n  Wall clock: (.*)\n', text)
    if len(events) < 10:
        errors.append(f'only {len(events)} threshold events with a wall clock')
    for t, w in events:
        if by_time.get(usec(t)) != w:
            errors.append(f'threshold event at {t}: {w}, perf {by_time.get(usec(t))}')
            break

    kd = os.path.join(work, 'wall-kd.data')
    ev = []
    for e in ('raw_syscalls:sys_enter', 'raw_syscalls:sys_exit', 'sched:sched_switch',
              'sched:sched_wakeup'):
        ev += ['-e', e]
    # Only the workload's tasks: system-wide, a loaded machine can lose the
    # COMM record of its exec (ring overflow), and with it its name.
    subprocess.run([probe, 'record', '-q', '-m', '1024'] + ev + ['-o', kd, '--', vswitchd,
                                                                 '200'],
                   check=True, capture_output=True)
    by_time, ordered = tods(kd)
    text = subprocess.run([analyze, 'kernel-delay', '-q', '--sample-time', '0.05',
                           '--sample-count', '2', kd], env=ENV, capture_output=True,
                          text=True, check=True).stdout
    marks = re.findall(r'# (?:Start|Stop) sampling @(\S+) \((.*)\)', text)
    if len(marks) < 4:
        errors.append(f'kernel-delay: {len(marks)} start/stop lines with a date')
    for t, w in marks:
        # A window's bounds are sample times or the start plus --sample-time:
        # check those that are samples, and that all share the date format.
        if usec(t) in by_time and by_time[usec(t)] != w:
            errors.append(f'kernel-delay {t}: {w}, perf {by_time[usec(t)]}')
        if not re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC', w):
            errors.append(f'kernel-delay date {w!r}')
    if not any(usec(t) in by_time for t, _ in marks):
        errors.append('kernel-delay: no window bound is a sample time to compare')
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {len(events)} threshold events, {len(marks)} kernel-delay marks')
    return 0


if __name__ == '__main__':
    sys.exit(main())

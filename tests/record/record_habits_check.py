#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
record_habits_check.py - perf record's habits in `ovsperf-probe record`
(CTest label root):

 1. "record SET... -- CMD ARGS" runs CMD and records it until it exits:
    the upcall-monitor set on tests/progs/upcall-fire (its USDT binary is
    the command's, no --binary) records exactly the upcalls the program
    fired; "-e EV -- sleep 0.3" records only the sleep process (from its
    exec on) and takes "sleep" for no probe set; a command that does not
    exist is one error line, exit 2, no file.
 2. The size printed is the file's size.
 3. The recording carries CLOCKID and CLOCK_DATA and samples
    CLOCK_MONOTONIC: perf script -F tod gives today's wall-clock time
    (within a minute of this test), ovsperf-analyze info shows it, and the
    pcapng export's packet times equal perf's tod of the same samples (to
    the microsecond perf prints).
 4. "-o -" writes a pipe-mode stream on stdout: ovsperf-analyze reads it
    live from the pipe to the same upcall lines as the file recording;
    perf script reads it from a pipe, with dates (CLOCK_DATA).

Usage: record_habits_check.py OVSPERF_PROBE OVSPERF_ANALYZE UPCALL_FIRE WORKDIR
Exit 77 without root, perf or uprobes.
"""
import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import time


def perf_script(path, fields):
    return subprocess.run(['perf', 'script', '-i', path, '-F', fields], capture_output=True,
                          text=True, check=True).stdout


def pcapng_times(path):
    """Timestamps (ns) of the Enhanced Packet Blocks, tsresol 9 assumed
    checked from the IDB option."""
    data = open(path, 'rb').read()
    off, out, resol = 0, [], []
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from('<II', data, off)
        if btype == 1:      # IDB: options after 8 bytes of fields
            o = off + 16
            while o < off + blen - 4:
                code, ln = struct.unpack_from('<HH', data, o)
                if code == 0:
                    break
                if code == 9:
                    resol.append(data[o + 4])
                o += 4 + (ln + 3) // 4 * 4
        elif btype == 6:
            _, hi, lo = struct.unpack_from('<III', data, off + 8)
            out.append(hi << 32 | lo)
        off += blen
    return out, resol


def main():
    probe, analyze, fire, work = sys.argv[1:5]
    if os.geteuid() != 0:
        print('SKIP: needs root')
        return 77
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    if not os.access('/sys/kernel/tracing/uprobe_events', os.W_OK):
        print('SKIP: no uprobe_events')
        return 77
    os.makedirs(work, exist_ok=True)
    errors = []

    # 1. A workload with a probe set on its own binary.
    f1 = os.path.join(work, 'habits-upcalls.data')
    p = subprocess.run([probe, 'record', 'upcall-monitor', '-o', f1, '--', fire],
                       capture_output=True, text=True)
    fired = p.stdout.splitlines()
    if p.returncode:
        print(f'FAIL: record -- upcall-fire: exit {p.returncode}: {p.stderr}')
        return 1
    got = perf_script(f1, 'comm,event').split('\n')
    n = sum(1 for x in got if 'recv_upcall' in x)
    if n != len(fired) or n < 40:
        errors.append(f'-- upcall-fire: {n} recv_upcall samples, {len(fired)} fired')
    m = re.search(r'wrote ([\d.]+) MB to (\S+) \((\d+) samples\)', p.stderr)
    if not m or abs(float(m[1]) - os.path.getsize(f1) / 1048576) > 0.0005:
        errors.append(f'size printed {m[1] if m else None} MB, file '
                      f'{os.path.getsize(f1) / 1048576:.3f} MB')

    # "sleep" is the command, not a probe set; only its samples, from exec on.
    f2 = os.path.join(work, 'habits-sleep.data')
    p = subprocess.run([probe, 'record', '-q', '-e', 'raw_syscalls:sys_enter', '-o', f2, '--',
                        'sleep', '0.3'], capture_output=True, text=True)
    if p.returncode:
        errors.append(f'-- sleep 0.3: exit {p.returncode}: {p.stderr.strip()}')
    else:
        comms = set(perf_script(f2, 'comm').split())
        if comms != {'sleep'}:
            errors.append(f'-- sleep 0.3: samples of {comms}')
    f3 = os.path.join(work, 'habits-none.data')
    p = subprocess.run([probe, 'record', '-q', '-e', 'raw_syscalls:sys_enter', '-o', f3, '--',
                        'no-such-command-here'], capture_output=True, text=True)
    if p.returncode != 2 or len(p.stderr.splitlines()) != 1 or os.path.exists(f3):
        errors.append(f'missing command: exit {p.returncode}, {p.stderr!r}')

    # 3. Wall clock: perf's tod, ovsperf's info, the pcapng.
    now = time.time()
    tods = re.findall(r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\s+(\d+\.\d+):',
                      perf_script(f1, 'tod,time'))
    if not tods:
        errors.append('perf script -F tod shows no wall-clock time (no CLOCK_DATA?)')
    else:
        first = datetime.datetime.strptime(tods[0][0], '%Y-%m-%d %H:%M:%S.%f')
        first = first.replace(tzinfo=datetime.timezone.utc)
        # perf prints tod in local time; this test runs in UTC or compares
        # through the offset it knows.
        offs = datetime.datetime.now().astimezone().utcoffset().total_seconds()
        if abs(first.timestamp() - offs - now) > 60:
            errors.append(f'tod {tods[0][0]} is not within a minute of now')
    info = subprocess.run([analyze, 'info', f1], capture_output=True, text=True).stdout
    if 'CLOCK_DATA' not in info or 'CLOCKID' not in info:
        errors.append('info: no CLOCK_DATA/CLOCKID feature')
    pcap = os.path.join(work, 'habits.pcapng')
    subprocess.run([analyze, 'export', '-q', '--pcap', pcap, f1], check=True)
    ptimes, resol = pcapng_times(pcap)
    if resol != [9] * len(resol) or len(ptimes) != len(tods):
        errors.append(f'pcapng: {len(ptimes)} packets (tsresol {set(resol)}), '
                      f'{len(tods)} samples')
    else:
        offs = datetime.datetime.now().astimezone().utcoffset().total_seconds()
        for t, (tod, _) in zip(ptimes, tods):
            d = datetime.datetime.strptime(tod, '%Y-%m-%d %H:%M:%S.%f')
            want_us = round((d.replace(tzinfo=datetime.timezone.utc).timestamp() - offs) * 1e6)
            if t // 1000 != want_us:
                errors.append(f'pcapng time {t} ns, perf tod {tod}')
                break
        if abs(ptimes[0] / 1e9 - now) > 60:
            errors.append(f'pcapng first packet at {ptimes[0] / 1e9}, now {now}')

    # 4. -o -: a pipe-mode stream, read live through real pipes (perf cannot
    # seek in them) by ovsperf-analyze, and by perf script.
    f4 = os.path.join(work, 'habits-pipe.data')
    rec = subprocess.Popen([probe, 'record', '-q', 'upcall-monitor', '-o', '-', '--', fire],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tee = subprocess.Popen(['tee', f4], stdin=rec.stdout, stdout=subprocess.PIPE)
    rec.stdout.close()
    up = subprocess.run([analyze, 'upcalls', '-q', '-k', 'nlraw', '-d', '-'], stdin=tee.stdout,
                        capture_output=True, text=True)
    tee.wait()
    rec_err = rec.stderr.read().decode()
    rec.wait()
    if rec.returncode:
        errors.append(f'-o -: exit {rec.returncode}: {rec_err}')
    else:
        hdr = open(f4, 'rb').read(16)
        if hdr[:8] != b'PERFILE2' or struct.unpack('<Q', hdr[8:16])[0] != 16:
            errors.append(f'-o -: not a pipe-mode header: {hdr!r}')
        ps = subprocess.run(f"cat '{f4}' | perf script -i - -F event,tod", shell=True,
                            capture_output=True, text=True)
        lines = [x for x in ps.stdout.splitlines() if 'recv_upcall' in x]
        if len(lines) != len(fired):
            errors.append(f'-o -: perf script read {len(lines)} recv_upcall samples from a '
                          f'pipe, expected {len(fired)}: {ps.stderr[-300:]}')
        if not all(re.search(r'\d{4}-\d\d-\d\d \d\d:', x) for x in lines):
            errors.append('-o -: perf script -F tod shows no date (no CLOCK_DATA?)')
        ref = subprocess.run([analyze, 'upcalls', '-q', '-k', 'nlraw', '-d', f1],
                             capture_output=True, text=True)
        strip = lambda s: [re.sub(r'^\d+\.\d{9}\s+\d+\s+\S+\s+\d+', '', x)
                           for x in s.splitlines() if not x.startswith('Wall clock: ')]
        if not up.stdout.startswith('Wall clock: recording time '):
            errors.append('-o -: upcalls from the pipe show no wall clock (CLOCK_DATA)')
        if up.returncode or strip(up.stdout) != strip(ref.stdout):
            errors.append(f'-o -: upcalls read live from the pipe differ from the file: '
                          f'{up.stderr[-300:]}')
    if errors:
        print('\n'.join(errors))
        print(f'FAIL: {len(errors)} problems')
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())

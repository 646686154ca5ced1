#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
pid_record_check.py - `ovsperf-probe record -p PID kernel-delay` against a
system-wide recording of the same workload made at the same time.

kdelay-load (tests/progs) starts its threads and waits on stdin.  Two
recordings start: A = `ovsperf-probe record -p PID kernel-delay`, and
B = `perf record -a` of the kernel-delay tracepoints, the scheduler and irq
events unfiltered (syscalls filtered to the workload's threads, which is all
the syscall figures use, to keep the file small).  When both are recording
(A says so, B acknowledges its enable), the workload runs its 300 ms and
exits, and both recordings are stopped (SIGINT).

The comparison window is the workload's whole active life, [go, end]: go is
the wakeup of its main thread by the test's write to its stdin, end the last
switch-out of its last thread as it dies (prev_state X or Z).  Before go every
thread is blocked (in read() or on a barrier) and after end none exists, so
no workload event lies outside the window, and a recording that holds the
window holds all of the workload.  The test checks in B (system-wide, started
a second before go and stopped over a second after end) that the workload's
first event is that wakeup and that every thread's last event is its death,
and that A holds exactly B's sequence: otherwise it fails, saying which edge
is missing.

Then, independently of the analyzer, the workload's events (syscalls and irqs
in its threads, sched_switch from or to them, wakeups of them) must be the
same in A and B, per thread, field for field (as multisets: an interrupt
arriving between the two recordings' copies of one event orders them
differently in the two files).  Two recordings stamp
each event separately, so their times differ a little: s = t_B - t_A per event.

Finally `ovsperf-analyze kernel-delay --pid PID --json` on A and on B: for
every workload thread the same rows (syscall names and numbers, run, ready,
stopped, hard irq names, soft irq vectors) with equal counts; each total may
differ by no more than the sum of |s| over that thread's events of that kind
(each interval's two ends move by their own skew), and each maximum by no
more than twice the largest |s|.

Usage: pid_record_check.py OVSPERF_PROBE ANALYZER KDELAY_LOAD WORKDIR
(root: perf record -a; exit 77 when it cannot run here)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SCHED = ['sched:sched_switch', 'sched:sched_wakeup', 'sched:sched_wakeup_new']
IRQ = ['irq:irq_handler_entry', 'irq:irq_handler_exit', 'irq:softirq_entry',
       'irq:softirq_exit']
LINE = re.compile(r'^\s*(?P<tid>-?\d+)\s+(?P<s>\d+)\.(?P<ns>\d{9}):\s+(?P<ev>[\w-]+:[\w-]+):'
                  r'\s?(?P<trace>.*)$')


def events_of(data, tids):
    """The workload's events per thread: [(time, kind, text)], and all times."""
    out = subprocess.run(['perf', 'script', '-i', data, '--ns', '-F', 'tid,time,event,trace'],
                         check=True, capture_output=True, text=True).stdout
    per, first, last = {t: [] for t in tids}, None, None
    for ln in out.splitlines():
        m = LINE.match(ln)
        if not m:
            continue
        t = int(m['s']) * 10**9 + int(m['ns'])
        first = t if first is None else min(first, t)
        last = t if last is None else max(last, t)
        ev, tr, tid = m['ev'], m['trace'], int(m['tid'])
        who = set()
        if ev == 'sched:sched_switch':
            f = dict(re.findall(r'(\w+)=(\S+)', tr))
            who = {int(f['prev_pid']), int(f['next_pid'])}
            kind = 'sched'
        elif ev.startswith('sched:sched_wakeup'):
            who = {int(re.search(r'\bpid=(\d+)', tr)[1])}
            kind = 'sched'
        elif ev.startswith('raw_syscalls:'):
            who, kind = {tid}, 'syscall'
        elif ev.startswith('irq:'):
            who, kind = {tid}, 'softirq' if 'softirq' in ev else 'hardirq'
        else:
            continue
        for w in who & set(tids):
            per[w].append((t, kind, ev + ' ' + tr))
    return per, first, last


def report(analyzer, data, pid):
    r = subprocess.run([analyzer, 'kernel-delay', '--pid', str(pid), '--json', '-q', data],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f'kernel-delay on {data}: exit {r.returncode}: {r.stderr}')
    doc = json.loads(r.stdout)
    if doc['recording'].get('lost'):
        raise RuntimeError(f'{data}: {doc["recording"]["lost"]} events lost')
    return {t['tid']: t for t in doc['reports']['kernel_delay']['samples'][0]['threads']}


def rows(th):
    """Statistic name -> (count, total, max, kind) of one thread row."""
    out = {}
    for s in th.get('syscalls', []):
        out[f'syscall {s["name"]}'] = (s['count'], s['total_ns'], s['max_ns'], 'syscall')
    for k in ('run', 'ready', 'stopped'):
        v = th.get(k) or {}
        out[k] = (v.get('count', 0), v.get('total_ns', 0), v.get('max_ns', 0), 'sched')
    for s in th.get('hardirq', []):
        out[f'hardirq {s["name"]}'] = (s['count'], s['total_ns'], s['max_ns'], 'hardirq')
    for s in th.get('softirq', []):
        out[f'softirq {s["vec"]}'] = (s['count'], s['total_ns'], s['max_ns'], 'softirq')
    return out


def run_once(probe, analyzer, load, work):
    a_data, b_data = os.path.join(work, 'pid.data'), os.path.join(work, 'all.data')
    wl = subprocess.Popen([load, '300', 'wait'], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        pid = wl.pid
        tids = sorted(int(t) for t in os.listdir(f'/proc/{pid}/task'))
        if len(tids) < 9:
            raise RuntimeError(f'kdelay-load has {len(tids)} threads, expected 9')
        filt = ' || '.join(f'common_pid == {t}' for t in tids)
        # Both recorders are recording before the workload goes: A says so on
        # stderr; B (perf) starts disabled and is enabled through its control
        # fifo, which acknowledges.  Under load either may take seconds.
        ctl, ack = os.path.join(work, 'ctl'), os.path.join(work, 'ack')
        for f in (ctl, ack):
            if os.path.exists(f):
                os.unlink(f)
            os.mkfifo(f)
        a = subprocess.Popen([probe, 'record', 'kernel-delay', '-p', str(pid), '-d', '30',
                              '-m', '512', '-o', a_data], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        b_cmd = ['perf', 'record', '-q', '-a', '-m', '2048', '-D', '-1', '--control',
                 f'fifo:{ctl},{ack}', '-o', b_data]
        for ev in ('raw_syscalls:sys_enter', 'raw_syscalls:sys_exit'):
            b_cmd += ['-e', ev, '--filter', filt]
        for ev in SCHED + IRQ:
            b_cmd += ['-e', ev]
        # perf's workload ends when the test closes its stdin.
        b = subprocess.Popen(b_cmd + ['--', 'cat'], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        a_err = ''
        while 'Recording' not in a_err:
            line = a.stderr.readline()
            if not line:
                raise RuntimeError(f'ovsperf-probe record -p ended: {a_err}')
            a_err += line
        with open(ctl, 'w') as c, open(ack, 'r') as k:
            c.write('enable\n')
            c.flush()
            k.readline()
        time.sleep(0.2)
        wl.stdin.write(b'g')
        wl.stdin.close()
        wl.wait(timeout=60)
        time.sleep(0.2)
        a.send_signal(signal.SIGINT)
        b.stdin.close()
        b.stdin = None
        a_out, a_rest = a.communicate(timeout=60)
        a_err += a_rest
        b_out, b_err = b.communicate(timeout=60)
    finally:
        if wl.poll() is None:
            wl.kill()
        for p in ('a', 'b'):
            proc = locals().get(p)
            if proc and proc.poll() is None:
                proc.kill()
    if a.returncode:
        raise RuntimeError(f'ovsperf-probe record -p: exit {a.returncode}: {a_err}')
    if 'filtered to the 9 threads' not in a_err:
        raise RuntimeError(f'ovsperf-probe record -p did not filter system-wide: {a_err}')
    if b.returncode:
        raise RuntimeError(f'perf record -a: exit {b.returncode}: {b_err}')

    ev_a, fa, la = events_of(a_data, tids)
    ev_b, fb, lb = events_of(b_data, tids)
    errors = []
    skew = {}
    first = min((e for t in tids for e in ev_b[t]), default=None)
    if not first or not re.match(rf'sched:sched_wakeup .*\bpid={pid} ', first[2]) or \
            first[0] <= fb:
        errors.append(f'B: the workload\'s first event is not the go wakeup of {pid} inside '
                      f'the recording (first sample {fb}): {first}')
    for t in tids:
        last = ev_b[t][-1] if ev_b[t] else None
        if not last or not re.match(rf'sched:sched_switch .*prev_pid={t} .*prev_state=[XZ]',
                                    last[2]) or last[0] >= lb:
            errors.append(f'B: thread {t} does not end dying inside the recording (last '
                          f'sample {lb}): {last}')
    for t in tids:
        # The same events, field for field.  Their order may differ where an
        # interrupt came between the two recordings' copies of one event
        # (B's copy, the irq's events in both, then A's copy): compare them
        # as multisets, and pair the k-th copy of each event text.
        sa = sorted((k, txt) for _, k, txt in ev_a[t])
        sb = sorted((k, txt) for _, k, txt in ev_b[t])
        if sa != sb:
            only_a = [x for x in sa if x not in sb][:2]
            only_b = [x for x in sb if x not in sa][:2]
            errors.append(f'thread {t}: {len(sa)} events in A, {len(sb)} in B; only in A '
                          f'{only_a}, only in B {only_b}')
            continue
        times_b = {}
        for tb, k, txt in ev_b[t]:
            times_b.setdefault(txt, []).append(tb)
        seen, sk = {}, {}
        for ta, k, txt in ev_a[t]:
            i = seen.get(txt, 0)
            seen[txt] = i + 1
            d = abs(times_b[txt][i] - ta)
            tot, mx = sk.get(k, (0, 0))
            sk[k] = (tot + d, max(mx, d))
        skew[t] = sk
    if errors:
        return errors, None
    ra, rb = report(analyzer, a_data, pid), report(analyzer, b_data, pid)
    worst = 0
    for t in tids:
        if t not in ra or t not in rb:
            errors.append(f'thread {t}: row in A {t in ra}, in B {t in rb}')
            continue
        xa, xb = rows(ra[t]), rows(rb[t])
        if set(xa) != set(xb):
            errors.append(f'thread {t}: statistics {sorted(xa)} / {sorted(xb)}')
            continue
        for name in xa:
            (ca, ta_, ma, kind), (cb, tb_, mb, _) = xa[name], xb[name]
            tot, mx = skew[t].get(kind, (0, 0))
            if kind == 'sched':
                # run and ready end at switches and wakeups of this thread
                tot, mx = skew[t].get('sched', (0, 0))
            if ca != cb or abs(ta_ - tb_) > tot or abs(ma - mb) > 2 * mx:
                errors.append(f'thread {t} {ra[t]["name"]} {name}: A count {ca} total {ta_} '
                              f'max {ma}, B count {cb} total {tb_} max {mb} (skew sum {tot}, '
                              f'max {mx})')
            worst = max(worst, abs(ta_ - tb_))
    summary = (f'{len(tids)} threads, {sum(len(ev_a[t]) for t in tids)} workload events '
               f'identical in both; largest total difference {worst} ns')
    return errors, summary


def main():
    probe, analyzer, load, work = sys.argv[1:5]
    if os.geteuid() != 0 or not shutil.which('perf'):
        print('SKIP: needs root and perf')
        return 77
    os.makedirs(work, exist_ok=True)
    last = None
    for attempt in range(3):
        try:
            errors, summary = run_once(probe, analyzer, load, work)
        except RuntimeError as e:
            # Lost events or a busy machine: try again, then fail.
            last = [str(e)]
            print(f'attempt {attempt + 1}: {e}')
            continue
        if not errors:
            print(f'OK: {summary}')
            return 0
        last = errors
        break
    print('\n'.join(last or ['no result']))
    return 1


if __name__ == '__main__':
    sys.exit(main())

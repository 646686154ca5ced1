#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
kdelay_check.py - check `ovsperf-analyze kernel-delay --json` against an
independent computation from `perf script` output.

The expected numbers are computed here from the text perf prints for every
sample (raw_syscalls, sched and irq tracepoints), with kernel_delay.py's
rules re-implemented from its source (kernel_delay.py): per-thread start stamps
that are forgotten when a window closes, only intervals that start and end in
a window, ready time from wakeup or preemption to switch-in, run time from
switch-in to switch-out, stopped time from a switch-out in T state to the
wakeup, IRQs charged to the interrupted thread (IRQ_NONE not counted).

Usage: kdelay_check.py ANALYZER PERF_DATA [--comm NAME] [--syscall-events NS]
                       [-- extra kernel-delay options]
--comm NAME   the monitored process is the one whose main thread is NAME
              (found in the perf script output) and is passed as --pid.
--any-thread  NAME may be any thread of the process (a cut recording in
              which the main thread has no sample)
--default-pid do not pass --pid: the report must find that process itself
              (it looks for ovs-vswitchd).
Window options after "--" are understood by both sides: --sample-time S,
--sample-count N, --sample-interval S, --start-trigger EV, --stop-trigger EV
(full perf event names), --trigger-delta NS.
Exit 0 when every number matches, 1 with a diff otherwise, 77 if perf is
missing.
"""
import json
import re
import shutil
import subprocess
import sys

LINE = re.compile(r'^\s*(?P<comm>.*?)\s+(?P<pid>-?\d+)/(?P<tid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+'
                  r'(?P<secs>\d+)\.(?P<ns>\d{9}):\s+(?P<event>[\w-]+:[\w-]+):\s?(?P<trace>.*)$')


def parse(path):
    """Yield (time, cpu, pid, tid, comm, event, trace) from perf script."""
    out = subprocess.run(['perf', 'script', '-i', path, '--ns', '-F',
                          'comm,pid,tid,cpu,time,event,trace'],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        yield (int(m['secs']) * 10**9 + int(m['ns']), int(m['cpu']), int(m['pid']),
               int(m['tid']), m['comm'], m['event'], m['trace'])


def kv(trace):
    return dict(re.findall(r'(\w+)=(\S+)', trace))


class Acc:
    def __init__(self):
        self.count = self.total = self.max = 0
        self.min = None

    def add(self, d):
        self.count += 1
        self.total += d
        self.max = max(self.max, d)
        self.min = d if self.min is None else min(self.min, d)


class Thread:
    def __init__(self):
        self.sys_start = self.run_start = self.ready_start = self.stop_start = None
        self.irq = None      # (start, name)
        self.softirq = None  # (start, vec)
        self.sys = {}
        self.run, self.ready, self.stopped = Acc(), Acc(), Acc()
        self.hardirq = {}
        self.soft = {}

    def active(self):
        return bool(self.sys or self.run.count or self.ready.count or self.stopped.count or
                    self.hardirq or self.soft)


def expected(events, pid, opts, sys_events_min):
    tid_pid = {}
    for e in events:
        if e[3] > 0:
            tid_pid[e[3]] = e[2]
    sample_time = int(float(opts.get('--sample-time', 0)) * 1e9 + 0.5)
    interval = int(float(opts.get('--sample-interval', 0)) * 1e9 + 0.5)
    start_trig = opts.get('--start-trigger')
    stop_trig = opts.get('--stop-trigger')
    delta_min = int(opts.get('--trigger-delta', 0))
    triggers = bool(start_trig or stop_trig)
    if start_trig and not stop_trig and not sample_time:
        sample_time = 500000000
    if '--sample-count' in opts:
        count = int(opts['--sample-count'])
    else:
        count = 1 if (triggers or '--sample-time' in opts or '--sample-interval' in opts) else 0

    threads = {}
    sysev = []
    samples = []
    upcalls = {'count': 0, 'cpu': {}, 'err': {}}
    state = {'open': False, 'start': 0, 'trig': None, 'next': None, 'done': 0,
             'finished': False}

    def th(tid):
        return threads.setdefault(tid, Thread())

    def reset():
        threads.clear()
        sysev.clear()
        upcalls.update(count=0, cpu={}, err={})

    def close(t, stop_trigger, partial=False):
        state['open'] = False
        state['next'] = t + interval
        s = {'start_ns': state['start'], 'end_ns': t, 'start_trigger_ns': state['trig'],
             'stop_trigger_ns': stop_trigger, 'partial': partial, 'skipped': False}
        if start_trig and stop_trig and state['trig'] is not None and stop_trigger is not None \
                and stop_trigger - state['trig'] < delta_min:
            s['skipped'] = True
            s['threads'] = {}
            samples.append(s)
            reset()
            return
        state['done'] += 1
        if count and state['done'] >= count:
            state['finished'] = True
        s['threads'] = {tid: t_ for tid, t_ in threads.items()
                        if t_.active() and tid_pid.get(tid) == pid}
        s['events'] = [ev for ev in sysev if tid_pid.get(ev[2]) == pid]
        s['upcalls'] = dict(count=upcalls['count'], cpu=dict(upcalls['cpu']),
                            err=dict(upcalls['err']))
        samples.append(s)
        reset()

    def advance(t):
        if state['next'] is None:
            state['next'] = t
        while not state['finished']:
            if state['open']:
                if stop_trig or not sample_time:
                    return
                end = state['start'] + sample_time
                if t < end:
                    return
                close(end, None)
                continue
            if start_trig or t < state['next']:
                return
            state['open'], state['start'], state['trig'] = True, state['next'], None
            reset()

    last = 0
    for (t, cpu, cpid, tid, comm, ev, trace) in events:
        last = t
        advance(t)
        if state['finished']:
            break
        if ev == stop_trig and state['open']:
            close(t, t)
            if state['finished']:
                break
            advance(t)
        if ev == start_trig:
            if not state['open'] and t >= state['next']:
                state['open'], state['start'], state['trig'] = True, t, t
                reset()
        if not state['open']:
            continue
        mine = cpid == pid
        if ev.endswith(':ovs_dp_upcall__return'):
            f = kv(trace)
            r = int(f.get('ret', f.get('arg1', '0')), 0) & 0xffffffff
            r = r - (1 << 32) if r >= 1 << 31 else r
            upcalls['count'] += 1
            upcalls['cpu'][cpu] = upcalls['cpu'].get(cpu, 0) + 1
            if r:
                upcalls['err'][r] = upcalls['err'].get(r, 0) + 1
            continue
        if ev == 'raw_syscalls:sys_enter':
            if mine:
                th(tid).sys_start = t
        elif ev == 'raw_syscalls:sys_exit':
            if not mine or tid not in threads or threads[tid].sys_start is None:
                continue
            x = threads[tid]
            nr = int(re.match(r'NR (-?\d+)', trace).group(1))
            x.sys.setdefault(nr, Acc()).add(t - x.sys_start)
            if sys_events_min is not None and (sys_events_min == 0 or
                                               t - x.sys_start > sys_events_min):
                sysev.append((x.sys_start, t, tid, nr))
            x.sys_start = None
        elif ev == 'sched:sched_switch':
            f = kv(trace)
            prev, nxt, st = int(f['prev_pid']), int(f['next_pid']), f['prev_state']
            if prev and tid_pid.get(prev) == pid:
                x = th(prev)
                if st in ('R', 'R+'):
                    x.ready_start = t
                if 'T' in st:
                    x.stop_start = t
                if x.run_start is not None:
                    x.run.add(t - x.run_start)
                x.run_start = None
            if nxt and tid_pid.get(nxt) == pid:
                x = th(nxt)
                if x.ready_start is not None:
                    x.ready.add(t - x.ready_start)
                x.ready_start = None
                x.run_start = t
        elif ev in ('sched:sched_wakeup', 'sched:sched_wakeup_new'):
            w = int(kv(trace)['pid'])
            if w and tid_pid.get(w) == pid:
                x = th(w)
                x.ready_start = t
                if x.stop_start is not None:
                    x.stopped.add(t - x.stop_start)
                x.stop_start = None
        elif ev == 'irq:irq_handler_entry':
            if mine and tid:
                th(tid).irq = (t, kv(trace)['name'][:31])
        elif ev == 'irq:irq_handler_exit':
            if mine and tid in threads and threads[tid].irq:
                x = threads[tid]
                if kv(trace)['ret'] != 'unhandled':
                    x.hardirq.setdefault(x.irq[1], Acc()).add(t - x.irq[0])
                x.irq = None
        elif ev == 'irq:softirq_entry':
            if mine and tid:
                th(tid).softirq = (t, int(kv(trace)['vec']))
        elif ev == 'irq:softirq_exit':
            if mine and tid in threads and threads[tid].softirq:
                x = threads[tid]
                x.soft.setdefault(x.softirq[1], Acc()).add(t - x.softirq[0])
                x.softirq = None
    if state['open'] and not state['finished']:
        close(last, None, partial=bool(stop_trig or sample_time))
    return samples


def acc_eq(name, want, got, with_min, errors):
    w = {'count': want.count, 'total_ns': want.total, 'max_ns': want.max}
    if with_min:
        w['min_ns'] = want.min or 0
    g = {k: got[k] for k in w}
    if w != g:
        errors.append(f'{name}: expected {w}, got {g}')


def compare(samples, doc, errors):
    got = doc['reports']['kernel_delay']['samples']
    if len(got) != len(samples):
        errors.append(f'{len(samples)} samples expected, {len(got)} reported')
        return
    for i, (w, g) in enumerate(zip(samples, got)):
        for k in ('start_ns', 'end_ns', 'start_trigger_ns', 'stop_trigger_ns', 'skipped',
                  'partial'):
            if w[k] != g[k]:
                errors.append(f'sample {i}: {k} expected {w[k]}, got {g[k]}')
        gt = {t['tid']: t for t in g['threads']}
        if set(gt) != set(w['threads']):
            errors.append(f'sample {i}: threads expected {sorted(w["threads"])}, '
                          f'got {sorted(gt)}')
            continue
        for tid, x in w['threads'].items():
            y = gt[tid]
            p = f'sample {i} tid {tid}'
            ys = {s['nr']: s for s in y['syscalls']}
            if set(ys) != set(x.sys):
                errors.append(f'{p}: syscalls expected {sorted(x.sys)}, got {sorted(ys)}')
            for nr, a in x.sys.items():
                if nr in ys:
                    acc_eq(f'{p} syscall {nr}', a, ys[nr], False, errors)
            tot = [s['total_ns'] for s in y['syscalls']]
            if tot != sorted(tot, reverse=True):
                errors.append(f'{p}: syscalls not sorted by total')
            acc_eq(f'{p} run', x.run, y['run'], True, errors)
            acc_eq(f'{p} ready', x.ready, y['ready'], False, errors)
            acc_eq(f'{p} stopped', x.stopped, y['stopped'], False, errors)
            yh = {h['name']: h for h in y['hardirq']}
            if set(yh) != set(x.hardirq):
                errors.append(f'{p}: hardirqs expected {sorted(x.hardirq)}, got {sorted(yh)}')
            for n, a in x.hardirq.items():
                if n in yh:
                    acc_eq(f'{p} hardirq {n}', a, yh[n], False, errors)
            ysi = {s['vec']: s for s in y['softirq']}
            if set(ysi) != set(x.soft):
                errors.append(f'{p}: softirqs expected {sorted(x.soft)}, got {sorted(ysi)}')
            for v, a in x.soft.items():
                if v in ysi:
                    acc_eq(f'{p} softirq {v}', a, ysi[v], False, errors)
        if 'upcalls' in g:
            gu = g['upcalls']
            got_u = (gu['count'], {c['cpu']: c['count'] for c in gu['per_cpu']},
                     {e['error']: e['count'] for e in gu['per_error']})
            want_u = (w['upcalls']['count'], w['upcalls']['cpu'], w['upcalls']['err'])
            if got_u != want_u:
                errors.append(f'sample {i}: upcalls {got_u}, expected {want_u}')
        elif w.get('upcalls', {}).get('count'):
            errors.append(f'sample {i}: no upcall statistics reported')
        if 'events' in w and 'syscall_events' in g:
            we = [list(e) for e in w['events']]
            ge = [[e['entry_ns'], e['exit_ns'], e['tid'], e['nr']] for e in g['syscall_events']]
            if sorted(we) != sorted(ge):
                errors.append(f'sample {i}: {len(we)} syscall events expected, {len(ge)} '
                              f'reported, or they differ')


def trigger_name(spec, names):
    parts = spec.split(':')
    if parts[0] in ('t', 'trace') and len(parts) == 3:
        return f'{parts[1]}:{parts[2]}'
    if parts[0] in ('up', 'uprobe', 'k', 'kprobe') and len(parts) == 2:
        want = ':' + parts[1]
    elif parts[0] in ('upr', 'ur', 'uretprobe', 'kr', 'kretprobe') and len(parts) == 2:
        want = ':' + parts[1] + '__return'
    else:
        return spec
    found = [n for n in names if n.endswith(want)]
    return found[0] if found else spec


def doc_pid_check(analyzer, data, pids):
    """With --default-pid, the report's 'pid' must be the one found here."""
    out = subprocess.run([analyzer, 'kernel-delay', '--json', '-q', data], capture_output=True,
                         text=True)
    if out.returncode:
        print(f'FAIL: {out.stderr.strip()}')
        return True
    got = json.loads(out.stdout)['reports']['kernel_delay']['pid']
    if [got] != sorted(pids):
        print(f'FAIL: report chose pid {got}, expected {sorted(pids)}')
        return True
    return False


def main():
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    args = sys.argv[1:]
    extra = []
    if '--' in args:
        extra = args[args.index('--') + 1:]
        args = args[:args.index('--')]
    analyzer, data = args[0], args[1]
    comm = 'kdelay-load'
    sys_events_min = None
    if '--comm' in args:
        comm = args[args.index('--comm') + 1]
    if '--syscall-events' in args:
        sys_events_min = int(args[args.index('--syscall-events') + 1])
    opts = {}
    it = iter(extra)
    for a in it:
        opts[a] = next(it)
    events = list(parse(data))
    # kernel_delay's trigger syntax (up:FUNC, upr:FUNC, t:SYS:EV) goes to the
    # analyzer as given; this side needs the recorded event's full name.
    names = {e[5] for e in events}
    for k in ('--start-trigger', '--stop-trigger'):
        if k in opts:
            opts[k] = trigger_name(opts[k], names)
    pids = {e[2] for e in events
            if e[4] == comm and (e[2] == e[3] or '--any-thread' in args)}
    if '--default-pid' in args and doc_pid_check(analyzer, data, pids):
        return 1
    if len(pids) != 1:
        print(f'FAIL: {len(pids)} processes named {comm} in {data}')
        return 1
    pid = pids.pop()
    cmd = [analyzer, 'kernel-delay', '--json', '-q']
    if '--default-pid' not in args:
        cmd += ['--pid', str(pid)]
    cmd += extra
    if sys_events_min is not None:
        cmd.append(f'--syscall-events={sys_events_min}')
    cmd.append(data)
    doc = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    samples = expected(events, pid, opts, sys_events_min)
    errors = []
    compare(samples, doc, errors)
    nthreads = sum(len(s['threads']) for s in samples)
    if not nthreads:
        errors.append('nothing to compare: no thread had any statistic')
    if errors:
        print('\n'.join(errors[:50]))
        print(f'FAIL: {len(errors)} differences')
        return 1
    print(f'OK: {len(samples)} samples, {nthreads} thread reports match')
    return 0


if __name__ == '__main__':
    sys.exit(main())

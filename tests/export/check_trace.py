#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Golden checks of `ovsperf-analyze export --perfetto` on testdata/.

For each recording the exported trace must be a valid Trace Event Format
document (validate() below: every B has its E on the same track, timestamps
never go back on a track, async and flow ids unique and paired, every used
process and thread named) and its slice counts must equal the counts of the
reports on the same recording (kernel-delay per thread: syscalls, run, ready,
hard and soft IRQs; bridge-loop per thread: runs and poll waits; latency per
span: completed packets; upcall-cost: one flow per matched set), with and
without --time/--pid/--cpu filters, and on every testdata recording that has
the events (check_engines_all()).

usage: check_trace.py OVSPERF_ANALYZE TESTDATA_DIR WORK_DIR [GEN_FLOWS [GEN_UPCALL]]
"""
import collections
import gzip
import json
import os
import shutil
import subprocess
import sys

import pftrace

FAILS = []
# The file format under test: json (Trace Event Format) or proto (Perfetto's
# protobuf, decoded and rebuilt as the same document by pftrace.py).
FORMAT = 'json'


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print('FAIL:', msg)


def load(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt') as f:
        return json.load(f)


def ts_ns(ev, key='ts'):
    # "ts":1234.567 (us with three decimals) -> integer ns, exactly.
    return round(ev[key] * 1000)


PSEUDO_PIDS = {0x7ffffff0, 0x7ffffff1, pftrace.CPU_PID}


def validate(doc, what):
    """Structural validity; returns the per-track complete slices."""
    evs = doc['traceEvents']
    check(isinstance(evs, list) and evs, f'{what}: traceEvents is a non-empty list')
    pnames, tnames = {}, {}
    for e in evs:
        if e['ph'] == 'M' and e['name'] == 'process_name':
            pnames[e['pid']] = e['args']['name']
        if e['ph'] == 'M' and e['name'] == 'thread_name':
            tnames[(e['pid'], e['tid'])] = e['args']['name']
    stacks = collections.defaultdict(list)
    last_ts = {}
    slices = collections.defaultdict(list)   # (pid, tid) -> [(cat, name, b_args, e_args)]
    asyncs = {}
    async_done = set()
    flows = collections.defaultdict(dict)
    for e in evs:
        ph = e['ph']
        if ph == 'M':
            continue
        check(e['pid'] in pnames, f'{what}: pid {e["pid"]} has a process_name')
        if ph in 'BEX':
            track = (e['pid'], e['tid'])
            check(track in tnames, f'{what}: track {track} has a thread_name')
            t = ts_ns(e)
            # B/E pairs nest in time order on their track; complete (X)
            # events may come in any order (the Trace Event Format does not
            # ask for sorted events): the upcall instants are written at the
            # end, once the upcall-cost engine has matched them.
            if ph in 'BE':
                check(t >= last_ts.get(track, 0), f'{what}: time goes back on track {track} at {t}')
                last_ts[track] = t
            if ph == 'B':
                stacks[track].append(e)
            elif ph == 'E':
                check(stacks[track], f'{what}: E without B on {track} at {t}')
                if stacks[track]:
                    b = stacks[track].pop()
                    check(ts_ns(b) <= t, f'{what}: slice ends before it begins on {track}')
                    slices[track].append((b['cat'], b['name'], b.get('args', {}),
                                          e.get('args', {}), t - ts_ns(b)))
            else:
                check(e['dur'] >= 0, f'{what}: negative duration on {track}')
                slices[track].append((e['cat'], e['name'], e.get('args', {}), {},
                                      ts_ns(e, 'dur')))
        elif ph in 'bne':
            key = e['id']
            if ph == 'b':
                check(key not in asyncs and key not in async_done,
                      f'{what}: async id {key} unique')
                asyncs[key] = [e]
            else:
                check(key in asyncs, f'{what}: async {ph} of id {key} after its b')
                if key not in asyncs:
                    continue
                check(ts_ns(e) >= ts_ns(asyncs[key][-1]), f'{what}: async {key} goes back')
                asyncs[key].append(e)
                if ph == 'e':
                    check(e['name'] == asyncs[key][0]['name'], f'{what}: async {key} name')
                    slices[('async', e['name'])].append(asyncs.pop(key))
                    async_done.add(key)
        elif ph in 'sf':
            check(ph not in flows[e['id']], f'{what}: flow {e["id"]} has one {ph}')
            flows[e['id']][ph] = e
        elif ph == 'C':
            check(all(isinstance(v, int) for v in e['args'].values()),
                  f'{what}: counter values are integers')
    for track, st in stacks.items():
        check(not st, f'{what}: {len(st)} B without E on {track}')
    check(not asyncs, f'{what}: {len(asyncs)} async slices without e')
    for fid, f in flows.items():
        check('s' in f and 'f' in f, f'{what}: flow {fid} has s and f')
        if 's' in f and 'f' in f:
            check(ts_ns(f['s']) <= ts_ns(f['f']), f'{what}: flow {fid} goes forward')
    return slices, pnames, tnames


def analyze(binary, *args):
    out = subprocess.run([binary, *args, '--json', '-q'], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def export(binary, out, *args):
    if FORMAT == 'proto':
        out = out.replace('.json.gz', '.json').replace('.json', '.pftrace')
    subprocess.run([binary, 'export', '--perfetto', out, '-q', *args], check=True)
    if FORMAT == 'json':
        return load(out)
    packets, stats = pftrace.decode(out)
    check(stats['compressed'] > 0 and not stats['plain'], f'{out}: compressed packets {stats}')
    doc = pftrace.to_trace_events(packets)
    check(not doc['problems'], f'{out}: {doc["problems"][:3]}')
    return doc


def complete(sl):
    return not sl[3].get('incomplete')


def thread_counts(slices, pid, durations=False):
    """Per tid: syscalls, run, ready, handled hard IRQs, soft IRQs, loop runs/waits
    (counts, or with @durations the sums of their durations in ns)."""
    c = collections.defaultdict(collections.Counter)
    for (p, tid), lst in slices.items():
        if p != pid:
            continue
        real = tid - 0x40000000 if tid >= 0x40000000 else tid
        for sl in filter(complete, lst):
            cat, name = sl[0], sl[1]
            v = sl[4] if durations else 1
            if cat == 'irq':
                if sl[3].get('ret', 1) != 0:
                    c[real]['irq'] += v
            elif cat == 'sched':
                c[real][name] += v
            elif cat == 'loop':
                c[real]['loop_run' if name == 'main loop run' else 'loop_wait'] += v
            else:
                c[real][cat] += v
    return c


def pid_named(pnames, name):
    pids = [p for p, n in pnames.items() if n == name]
    check(pids, f'process {name} named in the trace')
    return pids[0] if pids else -1


def check_kdelay(binary, data, work, proc, extra=()):
    what = f'{data} ({proc})'
    doc = export(binary, f'{work}/kd.json', *extra, data)
    slices, pnames, tnames = validate(doc, what)
    pid = pid_named(pnames, proc)
    got = thread_counts(slices, pid)
    rep = analyze(binary, 'kernel-delay', '--pid', str(pid), *extra, data)
    threads = rep['reports']['kernel_delay']['samples'][0]['threads']
    check(threads, f'{what}: kernel-delay has threads')
    dur = thread_counts(slices, pid, durations=True)
    for t in threads:
        tid = t['tid']
        # Durations to the nanosecond (the ready slices are clipped, see the man page).
        want = {
            'syscall': sum(s['total_ns'] for s in t['syscalls']),
            'run': t['run']['total_ns'],
            'irq': sum(h['total_ns'] for h in t['hardirq']),
            'softirq': sum(s['total_ns'] for s in t['softirq']),
        }
        for k, v in want.items():
            check(dur[tid][k] == v, f'{what}: tid {tid} {k} time: trace {dur[tid][k]}, '
                  f'kernel-delay {v}')
        want = {
            'syscall': sum(s['count'] for s in t['syscalls']),
            'run': t['run']['count'],
            'ready': t['ready']['count'],
            'irq': sum(h['count'] for h in t['hardirq']),
            'softirq': sum(s['count'] for s in t['softirq']),
        }
        for k, v in want.items():
            check(got[tid][k] == v, f'{what}: tid {tid} {k}: trace {got[tid][k]}, '
                  f'kernel-delay {v}')
        check((pid, tid) in tnames and tnames[(pid, tid)] == t['name'],
              f'{what}: thread {tid} named {t["name"]}')
    print(f'{what}: {len(threads)} threads match kernel-delay')
    return doc, slices, pid, got, dur


def check_bloop(binary, data, got, dur):
    rep = analyze(binary, 'bridge-loop', data)
    threads = rep['reports']['bridge_loop']['threads']
    check(threads, f'{data}: bridge-loop has threads')
    for t in threads:
        check(got[t['tid']]['loop_run'] == t['run']['count'],
              f'{data}: tid {t["tid"]} loop runs {got[t["tid"]]["loop_run"]} vs '
              f'{t["run"]["count"]}')
        check(got[t['tid']]['loop_wait'] == t['poll_wait']['count'],
              f'{data}: tid {t["tid"]} poll waits {got[t["tid"]]["loop_wait"]} vs '
              f'{t["poll_wait"]["count"]}')
        check(dur[t['tid']]['loop_run'] == t['run']['total_ns'],
              f'{data}: tid {t["tid"]} loop run time {dur[t["tid"]]["loop_run"]} vs '
              f'{t["run"]["total_ns"]}')
    print(f'{data}: {len(threads)} threads match bridge-loop')


def check_latency(binary, data, work, extra=(), filt=()):
    what = f'{data} {" ".join(filt)}'
    doc = export(binary, f'{work}/lat.json.gz', *extra, *filt, data)
    slices, _, _ = validate(doc, what)
    rep = analyze(binary, 'latency', *extra, *filt, data)
    spans = rep['reports']['latency']['spans']
    check(spans, f'{what}: latency has spans')
    for sp in spans:
        # Packets overlapping a LOST window are marked; latency leaves them out.
        n = len([a for a in slices.get(('async', sp['name']), [])
                 if not a[-1].get('args', {}).get('lost_window')])
        check(n == sp['count'], f'{what}: span {sp["name"]}: trace {n} packets, '
              f'latency {sp["count"]}')
        check(n > 0 or filt, f'{what}: span {sp["name"]} has packets')
        for a in slices.get(('async', sp['name']), []):
            stages = [e for e in a if e['ph'] == 'n']
            check(len(stages) == len(sp['stages']), f'{what}: one instant per stage')
        if FORMAT == 'proto' and len(sp['stages']) > 2:
            # One flow through the hops of each packet: nst - 1 slices.
            chains = doc['hop_flows']
            check(chains and set(chains.values()) == {len(sp['stages']) - 1},
                  f'{what}: span {sp["name"]}: hop flows {collections.Counter(chains.values())}')
            check(a[0]['args']['skb'].startswith('0x'), f'{what}: skb arg')
        print(f'{what}: span {sp["name"]}: {n} packets match latency')
    return doc


def event_names(binary, data, extra=()):
    return set(analyze(binary, 'info', *extra, data)['recording']['event_counts'])


def check_engines_all(binary, tdir, work):
    """Every testdata recording: the slices and flows of the export equal the
    counts of the reports whose engines make them (kernel-delay: syscalls,
    run, ready, hard and soft IRQs per thread, for the three processes with
    the most slices; bridge-loop: main-loop runs and waits per thread;
    upcall-cost: one flow per matched set)."""
    checked = collections.Counter()
    for name in sorted(os.listdir(tdir)):
        if not name.endswith('.data'):
            continue
        data = f'{tdir}/{name}'
        extra = (['--kallsyms', f'{tdir}/ovs-lab.kallsyms.zst']
                 if name.startswith('ovs-lab') else [])
        evs = event_names(binary, data, extra)
        kd = any(e.startswith(('raw_syscalls:', 'sched:sched_switch', 'irq:')) for e in evs)
        bl = any(e.endswith(':run_start') for e in evs) and \
            any(e.endswith(':poll_block') for e in evs)
        up = any(e.endswith('ovs_dp_upcall') for e in evs) and \
            any(e.endswith('recv_upcall') for e in evs)
        if not (kd or bl or up):
            continue
        doc = export(binary, f'{work}/eng-{name}.json', *extra, data)
        slices, pnames, _ = validate(doc, f'engines {name}')
        pids = [p for p in pnames if p not in PSEUDO_PIDS and p > 0]
        if kd:
            per_pid = collections.Counter()
            for (p, _), lst in slices.items():
                if p in pids:
                    per_pid[p] += len(lst)
            for pid, _ in per_pid.most_common(3):
                got = thread_counts(slices, pid)
                rep = analyze(binary, 'kernel-delay', '--pid', str(pid), *extra, data)
                want = {}
                for sm in rep['reports']['kernel_delay']['samples']:
                    for t in sm['threads']:
                        want[t['tid']] = {
                            'syscall': sum(x['count'] for x in t['syscalls']),
                            'run': t['run']['count'], 'ready': t['ready']['count'],
                            'irq': sum(h['count'] for h in t['hardirq']),
                            'softirq': sum(x['count'] for x in t['softirq'])}
                kinds = ('syscall', 'run', 'ready', 'irq', 'softirq')
                tids = set(want) | {t for t, c in got.items() if any(c[k] for k in kinds)}
                for tid in sorted(tids):
                    w = want.get(tid, {})
                    for k in kinds:
                        check(got[tid][k] == w.get(k, 0),
                              f'{name} pid {pid} tid {tid} {k}: trace {got[tid][k]}, '
                              f'kernel-delay {w.get(k, 0)}')
                checked['kernel-delay'] += 1
        if bl:
            rep = analyze(binary, 'bridge-loop', *extra, data)
            per = [thread_counts(slices, p) for p in pids]
            for t in rep['reports']['bridge_loop']['threads']:
                n_run = sum(c[t['tid']]['loop_run'] for c in per)
                n_wait = sum(c[t['tid']]['loop_wait'] for c in per)
                check(n_run == t['run']['count'] and n_wait == t['poll_wait']['count'],
                      f'{name} tid {t["tid"]}: loop runs/waits {n_run}/{n_wait}, bridge-loop '
                      f'{t["run"]["count"]}/{t["poll_wait"]["count"]}')
            checked['bridge-loop'] += 1
        if up:
            r = subprocess.run([binary, 'upcall-cost', '--json', '-q', *extra, data],
                               capture_output=True, text=True)
            if r.returncode == 0:
                sets = json.loads(r.stdout)['reports']['upcall_cost']['sets']
                fl = [e for e in doc['traceEvents'] if e['ph'] == 'f']
                check(len(fl) == sets, f'{name}: {len(fl)} upcall flows, upcall-cost {sets} sets')
                checked['upcall-cost'] += 1
    print(f'engines: export counts equal the reports ({dict(checked)} recordings or processes)')
    check(checked['kernel-delay'] >= 10 and checked['bridge-loop'] >= 2 and
          checked['upcall-cost'] >= 1, f'engines: enough recordings compared {dict(checked)}')


def time_range(doc, lo_frac, hi_frac):
    ts = [ts_ns(e) for e in doc['traceEvents'] if 'ts' in e]
    a, b = min(ts), max(ts)
    lo, hi = a + int((b - a) * lo_frac), a + int((b - a) * hi_frac)
    return lo, hi, f'{lo // 10**9}.{lo % 10**9:09d},{hi // 10**9}.{hi % 10**9:09d}'


def main():
    global FORMAT
    for FORMAT in ('json', 'proto'):
        print(f'== format {FORMAT}')
        check_all()
    if FAILS:
        print(f'{len(FAILS)} failures')
        sys.exit(1)


def check_cpu_tracks(doc, slices, what):
    """Every CPU track slice is a task with its IRQs and soft IRQs nested."""
    cpu = {k: v for k, v in slices.items() if k[0] == pftrace.CPU_PID}
    check(cpu, f'{what}: CPU tracks')
    cats = collections.Counter(sl[0] for lst in cpu.values() for sl in lst)
    check(cats['task'] > 0 and set(cats) <= {'task', 'irq', 'softirq'},
          f'{what}: CPU track slices {dict(cats)}')
    return cats


def check_proto(binary, data, work, doc):
    """Proto only: CPU tracks agree with the thread tracks; --level 0 (plain
    packets) holds the same events as the compressed file."""
    slices, _, _ = validate(doc, 'proto')
    cats = check_cpu_tracks(doc, slices, data)
    thr = collections.Counter(sl[0] for k, lst in slices.items() if k[0] != pftrace.CPU_PID
                              for sl in lst)
    # IRQs on the thread tracks are the same as on the CPU tracks.
    for c in ('irq', 'softirq'):
        check(cats[c] == thr[c], f'{data}: {c} slices: CPU tracks {cats[c]}, threads {thr[c]}')
    out = f'{work}/plain.pftrace'
    subprocess.run([binary, 'export', '--perfetto', out, '--level', '0', '-q', data],
                   check=True)
    packets, stats = pftrace.decode(out)
    check(stats['plain'] > 0 and not stats['compressed'], f'--level 0: plain packets {stats}')
    plain = pftrace.to_trace_events(packets)
    check(plain['traceEvents'] == doc['traceEvents'], '--level 0: same events')
    # Timestamps: sequence 1 (events in time order) all deltas of its
    # incremental clock; sequence 2 (events dated in the past: run/ready
    # begins) deltas of its own clock while in order, else absolute on
    # BOOTTIME.  Both kinds occur here, and the durations check_kdelay()
    # compared with kernel-delay to the nanosecond come from them.
    clocks = plain['clocks']
    check(set(clocks) == {(1, 64), (2, 64), (2, 6)},
          f'{data}: timestamps per (sequence, clock) {dict(clocks)}')
    r = subprocess.run([binary, 'export', '--perfetto', out, '--level', '13', data],
                       capture_output=True, text=True)
    check(r.returncode != 0 and '--level' in r.stderr, f'--level 13: {r.stderr.strip()}')
    print(f'{data}: CPU tracks {dict(cats)}; --level 0 same events; clocks {dict(clocks)}')


def idb_linktypes(path):
    """The link type of each interface description block of a pcapng file."""
    import struct
    b = open(path, 'rb').read()
    off, types = 0, []
    while off + 12 <= len(b):
        btype, blen = struct.unpack_from('<II', b, off)
        if btype == 1:
            types.append(struct.unpack_from('<H', b, off + 8)[0])
        if blen < 12:
            break
        off += blen
    return types


def check_cli(binary, tdir, work):
    """The output names and options (ovsperf-analyze(1), export): --format
    over the name's suffix, '-' for standard output, --level's default (1),
    and one summary line per output file on stderr, none with --quiet."""
    kd = f'{tdir}/kdelay.data'

    def ex(*args):
        return subprocess.run([binary, 'export', *args, kd], capture_output=True, check=True)
    p = ex('--perfetto', f'{work}/cli.json')
    doc = load(f'{work}/cli.json')
    n = len(doc['traceEvents'])
    lines = p.stderr.decode().splitlines()
    check(len(lines) == 1 and lines[0].startswith(f'{work}/cli.json: {n} trace events: '),
          f'export summary line: {lines}, expected "{work}/cli.json: {n} trace events: ..."')
    check(not ex('-q', '--perfetto', f'{work}/cli-q.json').stderr, 'export -q: stderr')
    # --format json on a .pftrace name, proto on a .json name.
    ex('-q', '--format', 'json', '--perfetto', f'{work}/cli-json.pftrace')
    check(load(f'{work}/cli-json.pftrace') == doc, '--format json: not the .json document')
    ex('-q', '--format', 'proto', '--perfetto', f'{work}/cli-proto.json')
    packets, stats = pftrace.decode(f'{work}/cli-proto.json')
    check(packets and stats['compressed'] > 0, f'--format proto on a .json name: {stats}')
    ex('-q', '--perfetto', f'{work}/cli.pftrace')
    check(pftrace.to_trace_events(packets)['traceEvents'] ==
          pftrace.to_trace_events(pftrace.decode(f'{work}/cli.pftrace')[0])['traceEvents'],
          '--format proto: not the .pftrace trace')
    # '-': the JSON document on standard output.
    out = ex('-q', '--perfetto', '-').stdout
    check(json.loads(out) == doc, "--perfetto -: not the .json document")
    # --level: 1 by default; 12 compresses more.
    ex('-q', '--level', '1', '--perfetto', f'{work}/cli-1.pftrace')
    ex('-q', '--level', '12', '--perfetto', f'{work}/cli-12.pftrace')
    d, l1, l12 = (open(f'{work}/{f}', 'rb').read() for f in
                  ('cli.pftrace', 'cli-1.pftrace', 'cli-12.pftrace'))
    check(d == l1 and len(l12) < len(l1), f'--level: default {len(d)} bytes, --level 1 '
          f'{len(l1)} ({"same" if d == l1 else "different"}), --level 12 {len(l12)}')
    if len(sys.argv) > 5:
        # Both outputs: one line each, the pcapng's with its packets.
        up = f'{work}/cli-up.data'
        subprocess.run([sys.argv[5], 'bytes', up, up + '.json'], check=True)
        p = subprocess.run([binary, 'export', '--perfetto', f'{work}/cli-up.json', '--pcap',
                            f'{work}/cli-up.pcapng', up], capture_output=True, text=True,
                           check=True)
        lines = p.stderr.splitlines()
        nt = len(load(f'{work}/cli-up.json')['traceEvents'])
        ok = len(lines) == 2 and lines[0].startswith(f'{work}/cli-up.json: {nt} trace events')
        if ok and shutil.which('tshark'):
            np = len(subprocess.run(['tshark', '-r', f'{work}/cli-up.pcapng'],
                                    capture_output=True, text=True,
                                    check=True).stdout.splitlines())
            ok = lines[1] == f'{work}/cli-up.pcapng: {np} packets'
        else:
            ok = ok and lines[1].startswith(f'{work}/cli-up.pcapng: ')
        check(ok, f'export summary lines of two outputs: {lines}')
    print('export: names, --format, -, --level and the summary lines checked')


def check_all():
    binary, tdir, work = sys.argv[1:4]
    if FORMAT == 'json':
        check_engines_all(binary, tdir, work)
        check_cli(binary, tdir, work)
    if FORMAT == 'proto':
        # Every recording of testdata/ (pipe, compressed, lost events, USDT,
        # OVS) exports to a trace that decodes and is structurally valid.
        for name in sorted(os.listdir(tdir)):
            if not name.endswith('.data'):
                continue
            extra = (['--kallsyms', f'{tdir}/ovs-lab.kallsyms.zst']
                     if name.startswith('ovs-lab') else [])
            doc = export(binary, f'{work}/all-{name}.json', *extra, f'{tdir}/{name}')
            validate(doc, f'proto {name}')
        print('proto: every testdata recording exports to a valid trace')
    kd = f'{tdir}/kdelay.data'
    doc, slices, pid, got, _ = check_kdelay(binary, kd, work, 'kdelay-load')

    # --pid: only that process's tracks, with the same slices.
    fdoc = export(binary, f'{work}/kd-pid.json', '--pid', str(pid), kd)
    fsl, _, _ = validate(fdoc, 'kdelay --pid')
    check(all(e['pid'] in (pid,) or e['pid'] in PSEUDO_PIDS for e in fdoc['traceEvents']
              if e['ph'] != 'M'), 'kdelay --pid: only that process')
    check(thread_counts(fsl, pid) == got, 'kdelay --pid: same slices as unfiltered')

    # --time: every slice begins in the range; fewer than in the whole trace.
    lo, hi, spec = time_range(doc, 0.3, 0.6)
    tdoc = export(binary, f'{work}/kd-time.json', '--time', spec, kd)
    tsl, _, _ = validate(tdoc, 'kdelay --time')
    begins = [ts_ns(e) for e in tdoc['traceEvents'] if e['ph'] in 'BXb']
    check(begins and all(lo <= t <= hi for t in begins), 'kdelay --time: begins in range')
    check(0 < sum(map(len, tsl.values())) < sum(map(len, slices.values())),
          'kdelay --time: a part of the slices')

    # --cpu: every thread slice begins on CPU 1.
    cdoc = export(binary, f'{work}/kd-cpu.json', '--cpu', '1', kd)
    validate(cdoc, 'kdelay --cpu 1')
    if FORMAT == 'json':
        cpus = {e['args']['cpu'] for e in cdoc['traceEvents'] if e['ph'] == 'B'}
    else:
        # The thread slices leave their CPU to the CPU tracks.
        cpus = {e['tid'] for e in cdoc['traceEvents']
                if e['ph'] == 'B' and e['pid'] == pftrace.CPU_PID}
    check(cpus == {1}, f'kdelay --cpu 1: B events on CPUs {cpus}')

    if FORMAT == 'json':
        # gzip output is the same document.
        gdoc = export(binary, f'{work}/kd.json.gz', kd)
        check(gdoc == doc, 'gzip output equals plain output')
    else:
        check_proto(binary, kd, work, doc)

    # vswitchd: kernel-delay and bridge-loop on one recording.
    vs = f'{tdir}/vswitchd-kdelay.data'
    _, _, _, got, dur = check_kdelay(binary, vs, work, 'ovs-vswitchd')
    check_bloop(binary, vs, got, dur)

    # Packets: veth traffic (backlog span) and the real OVS datapath; with
    # --span-timeout, the spans that expire make no slice, as latency
    # counts them (10 us: 15 of 45 packets complete).
    check_latency(binary, f'{tdir}/net.data', work)
    check_latency(binary, f'{tdir}/net.data', work, ('--span-timeout', '0.00001'))
    lab = (f'--kallsyms', f'{tdir}/ovs-lab.kallsyms.zst')
    ldoc = check_latency(binary, f'{tdir}/ovs-lab.data', work, lab)
    # Three stages: the packet's hops (and, in the proto format, their flow).
    check_latency(binary, f'{tdir}/ovs-lab.data', work, lab + (
        '--span', 'probe:enqueue_to_backlog->probe:__netif_receive_skb->probe:ip_rcv'))
    _, _, spec = time_range(ldoc, 0.2, 0.7)
    check_latency(binary, f'{tdir}/ovs-lab.data', work, lab, ('--time', spec))
    check_latency(binary, f'{tdir}/ovs-lab.data', work, lab, ('--cpu', '1'))
    # ovs-lab also has sched, syscalls and IRQs of every process: valid tracks.
    counters = [e for e in ldoc['traceEvents'] if e['ph'] == 'C']
    check(counters, 'ovs-lab: event counters')
    total = sum(sum(e['args'].values()) for e in counters if e['name'] == 'events per ms')
    rec = analyze(binary, 'info', *lab, f'{tdir}/ovs-lab.data')['recording']['events']
    check(total == rec, f'ovs-lab: events per ms sum to the recording\'s events ({total} vs {rec})')

    # Flow and device filters on a written recording with flow fields and a
    # LOST record (tests/latency/gen-flows).
    if len(sys.argv) > 4:
        flows = f'{work}/flows.data'
        subprocess.run([sys.argv[4], flows, f'{work}/flows.kallsyms', '600'], check=True)
        fdoc = check_latency(binary, flows, work)
        marked = [e for e in fdoc['traceEvents'] if e['ph'] == 'e' and
                  e['args'].get('lost_window')]
        check(marked, 'gen-flows: packets in the LOST window are marked')
        lost = [e['args']['lost'] for e in fdoc['traceEvents']
                if e['ph'] == 'C' and e['name'] == 'lost events']
        info = analyze(binary, 'info', flows)['recording']['lost']
        check(lost and lost[-1] == info and lost == sorted(lost),
              f'gen-flows: lost events counter {lost}, recording lost {info}')
        for filt in (('--src-ip', '10.11.0.2'), ('--dst-port', '9001'),
                     ('--protocol', 'tcp'), ('--dev', 'veth2'), ('--interface', 'veth2'),
                     ('--src-ip', '10.11.0.1', '--dst-ip', '10.11.0.2', '--src-port', '20000')):
            check_latency(binary, flows, work, (), filt)
        r = subprocess.run([binary, 'export', '-q', '--perfetto', f'{work}/x.json',
                            '--protocol', 'tcp', f'{tdir}/kdelay.data'], capture_output=True,
                           text=True)
        check(r.returncode != 0 and 'packet' in r.stderr,
              f'a flow filter without packet events is an error ({r.stderr.strip()})')

    # Upcall flows on written upcall-cost recordings with known pairs
    # (tests/upcall/gen-upcall: kernel upcall -> recv_upcall ground truth).
    if len(sys.argv) > 5:
        for mode in ('set', 'length', 'bytes'):
            data, ans = f'{work}/up-{mode}.data', f'{work}/up-{mode}.json'
            subprocess.run([sys.argv[5], mode, data, ans], check=True)
            want = json.load(open(ans))['all']['kernel_to_vswitchd']
            doc = export(binary, f'{work}/up-{mode}.trace.json', data)
            validate(doc, f'upcall {mode}')
            flows = {}
            for e in doc['traceEvents']:
                if e['ph'] in 'sf':
                    flows.setdefault(e['id'], {})[e['ph']] = ts_ns(e)
            d = [f['f'] - f['s'] for f in flows.values() if 's' in f and 'f' in f]
            got = {'count': len(d), 'max_ns': max(d, default=0), 'min_ns': min(d, default=0),
                   'total_ns': sum(d)}
            check(got == want, f'upcall {mode}: flows {got}, ground truth {want}')
            print(f'upcall {mode}: {len(d)} flows match the ground truth')
        # pcapng of the bytes form: one packet per sample of each event with
        # packet bytes (gen-upcall: the kernel upcall and recv_upcall at least).
        data = f'{work}/up-bytes.data'
        pcap = f'{work}/up-bytes.pcapng'
        subprocess.run([binary, 'export', '-q', '--pcap', pcap, data], check=True)
        if shutil.which('tshark'):
            rows = subprocess.run(['tshark', '-r', pcap, '-T', 'fields', '-e',
                                   'frame.interface_description', '-e', 'frame.len', '-e',
                                   'frame.cap_len'], capture_output=True, text=True,
                                  check=True).stdout.splitlines()
            per = collections.Counter(r.split('\t')[0] for r in rows)
            counts = analyze(binary, 'info', data)['recording']['event_counts']
            check({'ovsperf:ovs_dp_upcall', 'ovsperf:recv_upcall'} <= set(per),
                  f'pcapng interfaces {set(per)}')
            for ev, n in per.items():
                check(counts.get(ev) == n, f'pcapng: {n} packets of {ev}, {counts.get(ev)} samples')
            check(all(int(r.split('\t')[2]) <= min(64, int(r.split('\t')[1])) for r in rows),
                  'pcapng: captured lengths within the 64 bytes fetched and the packet')
            print(f'upcall bytes: tshark reads {len(rows)} packets')
            # --cpu on the pcapng: the packets of that CPU, no other (the
            # comment names each packet's CPU).
            def cpus_of(path):
                return [c.split(' cpu=')[1].split()[0] for c in subprocess.run(
                    ['tshark', '-r', path, '-T', 'fields', '-e', 'frame.comment'],
                    capture_output=True, text=True, check=True).stdout.splitlines()]
            all_cpus = cpus_of(pcap)
            subprocess.run([binary, 'export', '-q', '--pcap', f'{work}/cpu1.pcapng', '--cpu',
                            '1', data], check=True)
            got = cpus_of(f'{work}/cpu1.pcapng')
            check(got and set(got) == {'1'} and len(got) == all_cpus.count('1') < len(all_cpus),
                  f'pcapng --cpu 1: {len(got)} packets, {all_cpus.count("1")} on CPU 1')
        else:
            print('tshark not installed: pcapng not read back here')
        # --linktype: every interface block Ethernet (1) by default, raw IP
        # (101) with --linktype raw.
        subprocess.run([binary, 'export', '-q', '--pcap', f'{work}/raw.pcapng', '--linktype',
                        'raw', data], check=True)
        for path, want in ((pcap, 1), (f'{work}/raw.pcapng', 101)):
            types = idb_linktypes(path)
            check(types and set(types) == {want}, f'{path}: interface link types {types}')
        # gen-upcall's frames are not IPv4 (ethertype 0x0c0d): a flow filter
        # passes none of them, in either link type; without one all pass.
        for filt in ((), ('--protocol', 'udp'), ('--linktype', 'raw', '--src-ip', '0.0.0.0')):
            r = subprocess.run([binary, 'export', '--pcap', f'{work}/flt.pcapng', *filt, data],
                               capture_output=True, text=True, check=True)
            n = int(r.stderr.split(': ')[1].split()[0])
            check((n > 0) == (not filt), f'pcapng {" ".join(filt)}: {n} packets')

    # A real upcall-cost recording of a USDT ovs-vswitchd (vmrig, plain perf:
    # no packet bytes): flows as many as upcall-cost's sets, ending on handler
    # threads; main-loop slices as bridge-loop counts them.
    real = f'{tdir}/upcall.data'
    if os.path.exists(real):
        doc = export(binary, f'{work}/upcall-real.json', real)
        slices, pnames, tnames = validate(doc, 'upcall.data')
        sets = analyze(binary, 'upcall-cost', real)['reports']['upcall_cost']['sets']
        fl = [e for e in doc['traceEvents'] if e['ph'] == 'f']
        check(len(fl) == sets and sets > 0, f'upcall.data: {len(fl)} flows, {sets} sets')
        check(all(tnames.get((e['pid'], e['tid']), '').startswith('handler') for e in fl),
              'upcall.data: flows end on handler threads')
        pid = pid_named(pnames, 'ovs-vswitchd')
        check_bloop(binary, real, thread_counts(slices, pid),
                    thread_counts(slices, pid, durations=True))

    # --pcap on a recording without packet bytes: an error, and no file.
    out = f'{work}/none.pcapng'
    r = subprocess.run([binary, 'export', '-q', '--pcap', out, f'{tdir}/net.data'],
                       capture_output=True, text=True)
    check(r.returncode == 2 and 'packet bytes' in r.stderr and not os.path.exists(out),
          f'--pcap without packet bytes: exit {r.returncode}, {r.stderr.strip()}')

    # Bad filter values: a usage error naming the option, and no file.
    for args, what in ((('--cpu', 'x'), '--cpu:'), (('--time', '3'), '--time:'),
                       (('--src-ip', '1.2.3'), '--src-ip:'), (('--src-port', '70000'), 'port'),
                       (('--dst-port', 'abc'), '--dst-port:'),
                       (('--protocol', 'xyz'), '--protocol:')):
        out = f'{work}/bad.json'
        r = subprocess.run([binary, 'export', '-q', '--perfetto', out, *args, f'{tdir}/net.data'],
                           capture_output=True, text=True)
        check(r.returncode == 1 and what in r.stderr and not os.path.exists(out),
              f'export {" ".join(args)}: exit {r.returncode}, {r.stderr.strip()}')

    if FAILS:
        print(f'{len(FAILS)} checks failed')
        return 1
    print('all export checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_export_caps.py - the caps of `ovsperf-analyze export` on its tables
# keyed by the recording (ovsperf-analyze(1), LIMITS), each on generated
# recordings just past it and just below it:
#
# Threads (65,536 followed at once): gen-synth -m live starts a named thread
# per slot that never exits.  Past the cap: exit 2, one warning naming the
# table and the cap, a valid trace in which at most 65,536 threads have run
# slices, and every thread of the recording cut below the cap has exactly
# the run slices it has there (which gives no warning and exit 0).
#
# Packet attributes (65,536 distinct device and flow pairs): make-clone-data
# flows writes complete packets, each with a flow of its own.  Past the cap:
# exit 2, one warning; every packet is written, the first 65,536 with their
# device, the others with none; the packets of the recording cut below the
# cap are written as there (no warning, exit 0).
#
# Interned strings of the protobuf writer (1,024 a table, then the sequence
# starts again: nothing lost, no warning): 2,400 live threads make 2,400
# distinct CPU task names; the trace, decoded with protoc
# (tests/export/pftrace.py), clears its sequences' state more than at its
# start, names every CPU task slice after its thread, and holds every slice
# the JSON trace holds.
#
# Interned strings of packets: gen-synth -m devs puts each packet on a device
# of its own, so the debug-string table fills and both sequences start again
# while packets are written; the writer knows a packet's CPUs, device, blame
# and span and stage names by key or id (out/pftrace.c), and must forget
# those after each start: every packet's begin (span name, time, skb, gen,
# cpus, device) and end (time, blame) decode as the JSON trace has them.
#
# Usage: check_export_caps.py GEN_SYNTH MAKE_CLONE_DATA OVSPERF_ANALYZE TRACEFS_COPY TMPDIR
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'export'))
import check_trace  # noqa: E402
import pftrace  # noqa: E402

gen, clone, analyze, tracefs, tmp = sys.argv[1:6]
THREAD_CAP = ATTR_CAP = 65536
THREAD_WARNING = 'export: more than %d threads at once' % THREAD_CAP
ATTR_WARNING = 'export: more than %d distinct packet attributes' % ATTR_CAP
SPAN = ['--span', 'ovsperf:recv->ovsperf:xmit']
failures = 0


def fail(msg):
    global failures
    print('FAIL: ' + msg)
    failures += 1


def path(name):
    return os.path.join(tmp, name)


def run(args):
    """ovsperf-analyze export --no-blame ARGS: (exit status, warning lines)."""
    p = subprocess.run([analyze, 'export', '--no-blame'] + args, capture_output=True, text=True)
    return p.returncode, [l for l in p.stderr.splitlines() if 'warning' in l]


def expect(what, args, rc, warning):
    got, warnings = run(args)
    want = [warning] if warning else []
    if got != rc or len(warnings) != len(want) or any(w not in l for w, l in zip(want, warnings)):
        fail('%s: exit %d, warnings %r (expected exit %d, %s)' %
             (what, got, warnings, rc, 'one warning: ' + warning if warning else 'none'))
    print('%s: exit %d, %d warning(s)' % (what, got, len(warnings)))


def load_valid(out, what, valid=True):
    """The trace events of OUT, checked as check_trace.py does when @valid."""
    doc = check_trace.load(out)
    if not valid:
        return doc['traceEvents']
    check_trace.validate(doc, what)
    if check_trace.FAILS:
        fail('%s: not a valid trace: %s' % (what, check_trace.FAILS[:3]))
        del check_trace.FAILS[:]
    return doc['traceEvents']


os.makedirs(tmp, exist_ok=True)

# Threads: ~3 events a thread (COMM, switch in, switch out).
many, few = path('xcaps-live.data'), path('xcaps-live-few.data')
for f, n in ((many, 210000), (few, 180000)):
    subprocess.run([gen, '-t', tracefs, '-m', 'live', '-n', str(n), '-o', f], check=True,
                   stdout=subprocess.DEVNULL)
out = path('xcaps.json')
runs = {}
for f, rc, warning in ((many, 2, THREAD_WARNING), (few, 0, None)):
    expect('threads: export ' + os.path.basename(f), ['--perfetto', out, f], rc, warning)
    r = collections.defaultdict(list)
    for e in load_valid(out, f, f == many):
        if e['ph'] == 'X' and e['name'] == 'run' and e['tid'] - 0x40000000 >= 100000:
            r[e['tid']].append((e['ts'], e['dur']))
    runs[f] = r
print('threads with run slices: %d past the cap, %d below' % (len(runs[many]), len(runs[few])))
if not 60000 <= len(runs[few]) or not len(runs[few]) <= len(runs[many]) <= THREAD_CAP:
    fail('threads: %d and %d threads drawn (the cap is %d)' %
         (len(runs[many]), len(runs[few]), THREAD_CAP))
changed = [t for t in runs[few] if runs[many].get(t) != runs[few][t]]
if changed:
    fail('threads: %d threads below the cap drawn differently past it (tid %d)' %
         (len(changed), changed[0] - 0x40000000))
expect('threads: export --format proto', ['--perfetto', path('xcaps.pftrace'), many], 2,
       THREAD_WARNING)

# Packet attributes: two events a packet.
many, few = path('xcaps-flows.data'), path('xcaps-flows-few.data')
for f, n in ((many, 70000), (few, 60000)):
    subprocess.run([clone, f, str(n), 'flows'], check=True, stdout=subprocess.DEVNULL)
pkts = {}
for f, rc, warning in ((many, 2, ATTR_WARNING), (few, 0, None)):
    expect('attributes: export ' + os.path.basename(f), SPAN + ['--perfetto', out, f], rc,
           warning)
    pkts[f] = [(e['ts'], e['args']) for e in load_valid(out, f, f == many) if e['ph'] == 'b']
devs = collections.Counter(a.get('device') for _, a in pkts[many])
print('attributes: %d packets, devices %s' % (len(pkts[many]), dict(devs)))
if len(pkts[many]) != 70000 or devs['in0'] != ATTR_CAP or devs[''] != 70000 - ATTR_CAP:
    fail('attributes: past the cap, %d packets with devices %r (expected 70000, %d with in0)'
         % (len(pkts[many]), dict(devs), ATTR_CAP))
if pkts[many][:60000] != pkts[few]:
    fail('attributes: the packets below the cap are not written as without it')
expect('attributes: export --format proto',
       SPAN + ['--perfetto', path('xcaps.pftrace'), many], 2, ATTR_WARNING)
expect('attributes: export --src-port 5', SPAN + ['--src-port', '5', '--perfetto', out, many],
       2, ATTR_WARNING)

# Interned strings of the protobuf writer: 2,400 task names.
small = path('xcaps-names.data')
subprocess.run([gen, '-t', tracefs, '-m', 'live', '-n', '7200', '-o', small], check=True,
               stdout=subprocess.DEVNULL)
pf = path('xcaps.pftrace')
expect('interned strings: export proto', ['--perfetto', pf, small], 0, None)
expect('interned strings: export json', ['--perfetto', out, small], 0, None)
packets, _ = pftrace.decode(pf)
clears = sum(1 for p in packets if pftrace.one(p, 'sequence_flags', 0) & 1)
doc = pftrace.to_trace_events(packets)
if doc['problems']:
    fail('interned strings: the trace decodes with problems: %s' % doc['problems'][:3])
tasks = [e for e in doc['traceEvents'] if e['ph'] == 'B' and e['pid'] == pftrace.CPU_PID and
         e['args'].get('tid', 0) >= 100000]
named = sum(1 for e in tasks if e['name'] == 't%d' % e['args']['tid'])
print('interned strings: %d state clears, %d task slices, %d named after their thread' %
      (clears, len(tasks), named))
if clears < 4 or len(tasks) < 2400 or named != len(tasks):
    fail('interned strings: %d clears (expected 2 more than at the start), %d task '
         'slices, %d named after their thread' % (clears, len(tasks), named))


def slices(evs):
    return collections.Counter((e.get('name'), round(e['ts'] * 1000)) for e in evs
                               if e['ph'] in 'BX')


missing = slices(load_valid(out, 'json')) - slices(doc['traceEvents'])
if missing:
    fail('interned strings: %d slices of the JSON trace not in the protobuf one: %s' %
         (sum(missing.values()), list(missing)[:3]))

# Interned strings of packets: 6,800 packets, each on a device of its own.
devs = path('xcaps-devs.data')
subprocess.run([gen, '-t', tracefs, '-m', 'devs', '-n', '20000', '-o', devs], check=True,
               stdout=subprocess.DEVNULL)
for fmt, f in (('proto', pf), ('json', out)):
    p = subprocess.run([analyze, 'export', '--perfetto', f, devs], capture_output=True,
                       text=True)
    if p.returncode:
        fail('packet strings: export %s: exit %d: %s' % (fmt, p.returncode, p.stderr))
packets, _ = pftrace.decode(pf)
clears = sum(1 for p in packets if pftrace.one(p, 'sequence_flags', 0) & 1)
doc = pftrace.to_trace_events(packets)
if doc['problems']:
    fail('packet strings: the trace decodes with problems: %s' % doc['problems'][:3])


def packet_events(evs):
    """Begins and ends of the packets (their span's name, time and arguments),
    without ids (they differ) nor the JSON form's own latency_ns."""
    c = collections.Counter()
    for e in evs:
        if e.get('cat') != 'packet' or e['ph'] not in 'be':
            continue
        args = {k: v for k, v in e.get('args', {}).items() if k != 'latency_ns'}
        c[(e['ph'], round(e['ts'] * 1000), e['name'], json.dumps(args, sort_keys=True))] += 1
    return c


got, want = packet_events(doc['traceEvents']), packet_events(load_valid(out, 'json'))
begins = sum(n for k, n in got.items() if k[0] == 'b')
devices = len({json.loads(k[3]).get('device') for k in got if k[0] == 'b'})
print('packet strings: %d state clears, %d packets on %d devices, %d events differ' %
      (clears, begins, devices, sum(((got - want) + (want - got)).values())))
if clears < 4 or begins < 6000 or devices < 6000 or got != want:
    fail('packet strings: %d clears, %d packets, %d devices; in the protobuf trace only: '
         '%s; in the JSON trace only: %s' % (clears, begins, devices, list(got - want)[:3],
                                             list(want - got)[:3]))

for f in os.listdir(tmp):
    if f.startswith('xcaps'):
        os.unlink(path(f))
print('PASS' if not failures else '%d failure(s)' % failures)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_pftrace_tracks.py - the protobuf writer's tracks remembered as
# described (ovsperf-analyze(1), LIMITS: 65,536; beyond, a track is
# described again where it is used: nothing is lost, no warning), on the
# trace test-pftrace-tracks writes: CPU tracks 1024 .. 1024 + N - 1, each
# used by a slice "first", then each by a slice "second".
#
# Expected, with N = 65,536 + 1,000: the writer exits 0 with nothing on
# stderr; the tracks of the first 65,536 CPUs are described once, those of
# the 1,000 others twice (once at each use), each time as "CPU n"; the trace
# decodes without problems (tests/export/pftrace.py, protoc) and every CPU
# track holds its two slices, at their times, named after their pass.
#
# Usage: check_pftrace_tracks.py TEST_PFTRACE_TRACKS TMPDIR
import collections
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pftrace  # noqa: E402

tool, tmp = sys.argv[1:3]
CAP, PAST, BASE = 65536, 1000, 1024
N = CAP + PAST
U_CPU = 4
failures = 0


def fail(msg):
    global failures
    print('FAIL: ' + msg)
    failures += 1


if not shutil.which('protoc'):
    print('SKIP: no protoc')
    sys.exit(77)
os.makedirs(tmp, exist_ok=True)
out = os.path.join(tmp, 'tracks.pftrace')
p = subprocess.run([tool, out, str(N)], capture_output=True, text=True)
if p.returncode or p.stderr:
    fail('test-pftrace-tracks: exit %d, stderr %r (expected 0, nothing)' % (p.returncode, p.stderr))
packets, _ = pftrace.decode(out)

described = collections.Counter()
names = {}
for pk in packets:
    for td in pk.get('track_descriptor', []):
        uuid = pftrace.one(td, 'uuid')
        if uuid & 7 == U_CPU:
            cpu = uuid >> 3
            described[cpu] += 1
            if pftrace.one(td, 'name') != 'CPU %d' % cpu:
                names[cpu] = pftrace.one(td, 'name')
want = {BASE + c: 1 if c < CAP else 2 for c in range(N)}
print('CPU tracks described: %s (times: tracks)' %
      dict(collections.Counter(described.values())))
if described != want:
    bad = sorted(c for c in set(want) | set(described) if want.get(c) != described.get(c))
    fail('%d CPU tracks described a wrong number of times, e.g. CPU %d: %d (expected %d)' %
         (len(bad), bad[0], described.get(bad[0], 0), want.get(bad[0], 0)))
if names:
    fail('%d CPU tracks misnamed, e.g. %r' % (len(names), list(names.items())[0]))

doc = pftrace.to_trace_events(packets)
if doc['problems']:
    fail('the trace decodes with problems: %s' % doc['problems'][:3])
slices = collections.defaultdict(list)
for e in doc['traceEvents']:
    if e['pid'] == pftrace.CPU_PID and e['ph'] in 'BE':
        slices[e['tid']].append((e['ph'], e.get('name'), round(e['ts'] * 1000)))
bad = []
for c in range(N):
    t1, t2 = 1000000000 + c * 1000, 1000000000 + (N + c) * 1000
    w = [('B', 'first', t1), ('E', None, t1 + 500), ('B', 'second', t2), ('E', None, t2 + 500)]
    if slices.get(BASE + c) != w:
        bad.append(BASE + c)
print('CPU tracks with both slices right: %d of %d' % (N - len(bad), N))
if bad:
    fail('%d CPU tracks lack slices, e.g. CPU %d: %r' % (len(bad), bad[0], slices.get(bad[0])))
os.unlink(out)
print('PASS' if not failures else '%d failure(s)' % failures)
sys.exit(1 if failures else 0)

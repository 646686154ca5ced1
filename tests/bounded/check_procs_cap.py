#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_procs_cap.py - the export's named processes (ovsperf-analyze(1),
# LIMITS: 65,536; beyond, a process is named again with each new thread
# track of it: the trace is larger, nothing is lost, no warning, exit 0), on
# `gen-procs OUT 66536 65000`: 66,536 short-lived processes (pid 1000000 +
# 2k, named p<pid>), those from k = 65,000 on with a second thread (tid
# pid + 1, named p<pid>.1), never more threads alive at once than the
# timeline's cap.
#
# Expected, from that layout: exit 0 and no warning, in both formats; in the
# JSON trace, processes k < 65,536 named once and the 1,000 after them twice
# (one name per thread track), always p<pid>; every thread named, under its
# process, and its one run slice at 1000 s + k * 100 us + 1 us, 5 us long;
# in the protobuf trace (decoded with protoc), the same number of process
# descriptors per process.
#
# Usage: check_procs_cap.py GEN_PROCS OVSPERF_ANALYZE TMPDIR
import collections
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'export'))
import pftrace  # noqa: E402

gen, analyze, tmp = sys.argv[1:4]
CAP, PAST, ONE = 65536, 1000, 65000
N = CAP + PAST
failures = 0


def fail(msg):
    global failures
    print('FAIL: ' + msg)
    failures += 1


def export(data, out):
    p = subprocess.run([analyze, 'export', '--no-blame', '--perfetto', out, data],
                       capture_output=True, text=True)
    warnings = [l for l in p.stderr.splitlines() if 'warning' in l]
    if p.returncode or warnings:
        fail('export %s: exit %d, warnings %r (expected 0, none)' %
             (os.path.basename(out), p.returncode, warnings))


os.makedirs(tmp, exist_ok=True)
data, js, pf = (os.path.join(tmp, f) for f in ('procs.data', 'procs.json', 'procs.pftrace'))
subprocess.run([gen, data, str(N), str(ONE)], check=True)
pid = lambda k: 1000000 + 2 * k  # noqa: E731
want_names = {pid(k): 1 if k < CAP else 2 for k in range(N)}
threads = {pid(k) + t: (pid(k), 'p%d%s' % (pid(k), '.1' if t else ''), k)
           for k in range(N) for t in range(2 if k >= ONE else 1)}

export(data, js)
named = collections.Counter()
misnamed, thread_names, runs = [], {}, collections.defaultdict(list)
for e in json.load(open(js))['traceEvents']:
    if e['ph'] == 'M' and e['name'] == 'process_name' and e['pid'] >= 1000000 and \
            e['pid'] < 0x7ff00000:
        named[e['pid']] += 1
        if e['args']['name'] != 'p%d' % e['pid']:
            misnamed.append((e['pid'], e['args']['name']))
    elif e['ph'] == 'M' and e['name'] == 'thread_name' and e['tid'] < 0x20000000:
        thread_names[e['tid']] = (e['pid'], e['args']['name'])
    elif e['ph'] == 'X' and e['name'] == 'run':
        runs[e['tid'] - 0x40000000].append((round(e['ts'] * 1000), round(e['dur'] * 1000)))
print('JSON: processes named %s (times: processes)' % dict(collections.Counter(named.values())))
if named != want_names:
    bad = sorted(p for p in want_names if named.get(p) != want_names[p])
    fail('JSON: %d processes named a wrong number of times, e.g. pid %d: %d (expected %d)' %
         (len(bad), bad[0], named.get(bad[0], 0), want_names[bad[0]]))
if misnamed:
    fail('JSON: %d process names wrong, e.g. %r' % (len(misnamed), misnamed[0]))
want_threads = {tid: (p, name) for tid, (p, name, _) in threads.items()}
if thread_names != want_threads:
    bad = sorted(t for t in want_threads if thread_names.get(t) != want_threads[t])
    fail('JSON: %d threads named wrong or not at all, e.g. %d: %r' %
         (len(bad), bad[0], thread_names.get(bad[0])))
bad = [tid for tid, (_, _, k) in threads.items()
       if runs.get(tid) != [(1000000000000 + k * 100000 + 1000, 5000)]]
print('JSON: %d threads, %d with their run slice right' % (len(threads), len(threads) - len(bad)))
if bad or len(runs) != len(threads):
    fail('JSON: %d threads without their run slice, %d run tracks (expected %d)' %
         (len(bad), len(runs), len(threads)))

export(data, pf)
if shutil.which('protoc'):
    packets, _ = pftrace.decode(pf)
    described = collections.Counter()
    for p in packets:
        for td in p.get('track_descriptor', []):
            for pr in td.get('process', []):
                if 1000000 <= pftrace.one(pr, 'pid') < 0x7ff00000:
                    described[pftrace.one(pr, 'pid')] += 1
    print('protobuf: processes described %s (times: processes)' %
          dict(collections.Counter(described.values())))
    if described != want_names:
        fail('protobuf: process descriptors per process differ from the names expected')
else:
    print('note: no protoc, the protobuf trace is not decoded')
for f in (data, js, pf):
    os.unlink(f)
print('PASS' if not failures else '%d failure(s)' % failures)
sys.exit(1 if failures else 0)

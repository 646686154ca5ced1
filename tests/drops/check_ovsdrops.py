#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_ovsdrops.py - drops counted from the probes named
# ovs_kfree_skb_reason and ovs_drop (ovsperf-analyze(1), drops), on
# recordings of gen-ovsdrops, whose layout (see gen-ovsdrops.c) gives the
# expected report: packet i is seen on device vp<i % 3> at
# 1000 s + i * 10 us, and 2 us later meets fate i % 6:
#   0 kfree_skb NO_SOCKET (5)      1 kfree_skb CONSUMED (a normal free)
#   2 ovs_kfree_skb_reason 0x30003 (OVS_DROP_EXPLICIT)
#   3 ovs_kfree_skb_reason 0x30005 (OVS_DROP_METER)
#   4 mine:ovs_drop (no reason: OVS_DROP)   5 consume_skb (a normal free)
# Checked: the drop events listed (not ovsperf:ovs_drop_stats), the total,
# each reason's value, count, first and last time and device, the devices,
# the normal frees; then the same with no skb:* event in the file at all
# (the probes alone make the report applicable); then with "both", where
# skb:kfree_skb also sees each drop of an OVS probe on the same CPU (before
# or after it, as kfree_skb_reason() called by ovs_kfree_skb_reason() does):
# the same report, each such drop counted once (text: "Counted once: 32
# drops ..."), and fate 0's skb address reused from packet i - 4 still a
# drop of its own.
#
# Usage: check_ovsdrops.py GEN_OVSDROPS OVSPERF_ANALYZE TMPDIR
import json
import os
import subprocess
import sys

gen, analyze, tmp = sys.argv[1:4]
N = 64
REASONS = {0: ('NO_SOCKET', 5), 2: ('OVS_DROP_EXPLICIT', 0x30003),
           3: ('OVS_DROP_METER', 0x30005), 4: ('OVS_DROP', None)}
failures = 0


def fail(msg):
    global failures
    print('FAIL: ' + msg)
    failures += 1


def expected(ovs_only):
    fates = {f: [i for i in range(N) if i % 6 == f] for f in range(6)}
    if ovs_only:
        fates[0] = fates[1] = fates[5] = []
    t = lambda i: 1000000000000 + i * 10000 + 2000  # noqa: E731
    reasons, devs = {}, {}
    for f, (name, value) in REASONS.items():
        if fates[f]:
            dev = 'vp%d' % (f % 3)
            reasons[name] = {'value': value, 'count': len(fates[f]), 'first_ns': t(fates[f][0]),
                             'last_ns': t(fates[f][-1]), 'devices': {dev: len(fates[f])}}
            devs[dev] = devs.get(dev, 0) + len(fates[f])
    drops = [i for f in REASONS for i in fates[f]]
    return {
        'events': (['ovsperf:ovs_kfree_skb_reason', 'mine:ovs_drop'] if ovs_only else
                   ['skb:kfree_skb', 'ovsperf:ovs_kfree_skb_reason', 'mine:ovs_drop']),
        'drops': len(drops), 'first_ns': t(min(drops)), 'last_ns': t(max(drops)),
        'reasons': reasons, 'devices': devs,
        'normal_frees': {'count': len(fates[1]) + len(fates[5]), 'consume_skb': len(fates[5]),
                         'kfree_skb_consumed': len(fates[1])},
    }


def got(rep):
    return {
        'events': rep['events'], 'drops': rep['drops'], 'first_ns': rep['first_ns'],
        'last_ns': rep['last_ns'],
        'reasons': {r['reason']: {'value': r['value'], 'count': r['count'],
                                  'first_ns': r['first_ns'], 'last_ns': r['last_ns'],
                                  'devices': {d['device']: d['count'] for d in r['devices']}}
                    for r in rep['reasons']},
        'devices': {d['device']: d['count'] for d in rep.get('devices', [])},
        'normal_frees': {k: rep['normal_frees'][k]
                         for k in ('count', 'consume_skb', 'kfree_skb_consumed')},
    }


os.makedirs(tmp, exist_ok=True)
data = os.path.join(tmp, 'ovsdrops.data')
for mode in ([], ['ovs-only'], ['both']):
    what = 'gen-ovsdrops %d %s' % (N, ' '.join(mode) or '(with skb:kfree_skb)')
    subprocess.run([gen, data, str(N)] + mode, check=True)
    p = subprocess.run([analyze, 'drops', '-q', '--json', data], capture_output=True, text=True)
    if p.returncode or p.stderr:
        fail('%s: exit %d, stderr %r' % (what, p.returncode, p.stderr))
        continue
    g, want = got(json.loads(p.stdout)['reports']['drops']), expected(mode == ['ovs-only'])
    if mode == ['both']:
        want['events'] = ['skb:kfree_skb', 'ovsperf:ovs_kfree_skb_reason', 'mine:ovs_drop']
    for k in want:
        if g[k] != want[k]:
            fail('%s: %s is %r, expected %r' % (what, k, g[k], want[k]))
    print('%s: %d drops, reasons %s' % (what, g['drops'],
                                        {r: v['count'] for r, v in g['reasons'].items()}))
    # The text report too: exit 0, each reason's line with its count.
    p = subprocess.run([analyze, 'drops', '-q', data], capture_output=True, text=True)
    lines = p.stdout.splitlines()
    for name, r in want['reasons'].items():
        if not any(l.split()[:2] == [name, str(r['count'])] for l in lines if l.strip()):
            fail('%s: text report: no line "%s %d"' % (what, name, r['count']))
    if p.returncode:
        fail('%s: text report: exit %d' % (what, p.returncode))
    twice = len([i for i in range(N) if i % 6 in (2, 3, 4)]) if mode == ['both'] else 0
    line = 'Counted once: %d drops seen both by an Open vSwitch drop probe and by skb:kfree_skb' \
        % twice
    if (line in lines) != bool(twice) or any(l.startswith('Counted once') and l != line
                                             for l in lines):
        fail('%s: text report: expected %s' % (what, repr(line) if twice else 'no "Counted once"'))
os.unlink(data)
print('PASS' if not failures else '%d failure(s)' % failures)
sys.exit(1 if failures else 0)

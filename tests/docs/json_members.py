#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
json_members.py - man/ovsperf-json.7 against the JSON ovsperf-analyze writes.

Runs ovsperf-analyze --json (and merge) over testdata recordings with the
options that add members, and checks, section by section of the page
(RECORDING, REPORTS.INFO, reports.latency, ..., MERGED DOCUMENTS):
  1. every member name the JSON has (at any depth under that section's
     object, and in the JSON Lines objects of journey and upcalls) is a
     bold word of that section;
  2. every member the section documents - the bold names that head a .TP
     entry and those in a {a, b, c} list - is a member of that JSON, unless
     NOT_MEMBERS lists it with the reason;
  3. the rules of DESCRIPTION hold in every document and line: integer
     nanoseconds in keys ending in _ns (but the means, deviations and
     medians), integer counts, hexadecimal skb/head/address strings and
     packet keys, schema_version 1, histograms of non-empty buckets in
     ascending order, log2 ones [0, 2) or [2^k, 2^(k+1)) (merged ones too);
  4. RECORDING's facts of five recordings: hostname, os_release, arch,
     perf_version, cmdline, nr_cpus(_avail) as perf report --header-only
     shows them (when perf is installed), pipe_mode, compressed, and
     kallsyms_stored/kallsyms_source without and with --kallsyms; drops'
     lost_events is the recording's lost.

Usage: json_members.py OVSPERF_ANALYZE OVSPERF_PROBE GEN_KDUPCALL GEN_FLOWS MAN_PAGE
                       TESTDATA WORKDIR
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

# Bold words of a section that head an entry or sit in a {...} list but are
# not member names of that section's JSON (values, options, other sections'
# members), or members the test data cannot produce.  Each with its reason.
NOT_MEMBERS = {
    'DESCRIPTION': {
        'lo_ns': 'histogram buckets, checked in the sections of the reports',
        'hi_ns': 'histogram buckets, checked in the sections of the reports',
        'count': 'histogram buckets, checked in the sections of the reports',
    },
    'RECORDING': {
        'recording': 'a value of kallsyms_source',
    },
    'REPORTS.INFO': {},
    'reports.latency': {
        'percentile_resolution': 'only past 16 MB of latency values (tests/streaming)',
    },
    'reports.kernel_delay': {},
    'reports.bridge_loop': {},
    'reports.upcall_cost': {},
    'reports.upcalls': {
        'damaged': 'a flow key with a damaged attribute (tests/upcall/upcalls_check.py)',
        'truncated': 'a flow key cut by the capture (tests/upcall/upcalls_check.py)',
    },
    'reports.journey': {},
    'reports.drops': {},
    'MERGED DOCUMENTS': {
        'recording': 'the merged facts: checked under RECORDING',
        'reports': 'the merged reports: checked in their sections',
    },
}


# Names in the merge rules that no report writes (merge.c's list of integers
# kept when equal has them too).
RULE_ONLY = {'idx', 'handler', 'port'}


def troff_args(rest):
    """Arguments of a troff macro line, with shell-like double quotes."""
    try:
        return shlex.split(rest.replace("'", "\\'"), posix=True)
    except ValueError:
        return rest.split()


def clean(s):
    s = s.replace('\\-', '-').replace('\\(dq', '"').replace('\\e', '\\')
    s = s.replace('\\(lq', "'").replace('\\(rq', "'")
    return re.sub(r'\\f[BIRP]', '', s)


def bold_parts(line):
    """The bold text of one troff line."""
    parts = []
    m = re.match(r'^\.(B|BR|RB|BI|IB)\s+(.*)$', line)
    if m:
        macro, args = m.group(1), troff_args(clean(m.group(2)))
        if macro == 'B':
            parts.append(' '.join(args))
        else:
            first = 0 if macro in ('BR', 'BI') else 1
            parts += args[first::2]
    for b in re.findall(r'\\fB(.*?)\\f[PRI]', line):
        parts.append(b)
    return [clean(p) for p in parts]


def names(text):
    """Member-like words: not parts of hyphenated words or options."""
    return set(re.findall(r'(?<![-\w.])[a-z_][a-z0-9_]*(?![-\w])', text))


# Member names the merge rules (the bullet list of MERGED DOCUMENTS) name.
rule_names = set()


def sections(page):
    """{section: (all bold names, documented member names)}"""
    out = {}
    cur = None
    prev_tp = False
    depth = 0
    rules = False
    for line in open(page, encoding='utf-8'):
        line = line.rstrip('\n')
        m = re.match(r'^\.S[HS] "?(.*?)"?$', line)
        if m:
            title = m.group(1)
            cur = title if title != 'REPORTS' else None
            if cur in ('NAME', 'SEE ALSO'):
                cur = None
            if cur is not None:
                out.setdefault(cur, (set(), set()))
            rules = False
            prev_tp = False
            continue
        if cur is None:
            continue
        if line.startswith('.IP \\(bu'):
            rules = True
        bold, members = out[cur]
        parts = bold_parts(line)
        if rules:
            for p in parts:
                rule_names.update(names(p))
            continue
        for p in parts:
            bold |= names(p)
        if prev_tp:
            for p in parts:
                members |= names(p)
        # {a, b, c} lists, which may go on over lines.
        c = re.sub(r"'[^']*'", '', clean(line))
        if depth > 0 or '{' in c:
            for p in parts:
                members |= names(p)
        depth = max(0, depth + c.count('{') - c.count('}'))
        prev_tp = line.startswith('.TP')
    return out


# Objects whose keys are data (event names, record types, stage labels).
MAPS = {'event_counts', 'records', 'unfinished_by_stage', 'reused_by_stage',
        'dropped_by_stage', 'expired_by_stage', 'events_by_stage'}


def keys(node, acc):
    if isinstance(node, dict):
        for k, v in node.items():
            acc.add(k)
            if k in MAPS and isinstance(v, dict):
                for x in v.values():
                    keys(x, acc)
            else:
                keys(v, acc)
    elif isinstance(node, list):
        for v in node:
            keys(v, acc)
    return acc


# Keys ending in _ns whose values have a fraction (the page says which).
FRACTION_NS = {'mean_ns', 'stddev_ns', 'median_ns'}
HEX = re.compile(r'0x[0-9a-f]+$')


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def formats(node, path, errors):
    """The rules of DESCRIPTION: times are integer nanoseconds in keys ending
    in _ns; histograms are non-empty buckets, ascending, lo < hi, log2 ones
    [0, 2) or [2^k, 2^(k+1)); skb pointers and addresses are hex strings;
    counts are integers."""
    if isinstance(node, list):
        for v in node:
            formats(v, path + '[]', errors)
        return
    if not isinstance(node, dict):
        return
    for k, v in node.items():
        where = f'{path}.{k}'
        if k.endswith('_ns') and not (v is None or is_int(v) or
                                      (isinstance(v, list) and all(map(is_int, v))) or
                                      (k in FRACTION_NS and isinstance(v, (int, float)))):
            errors.add(f'{where}: {v!r} is not integer nanoseconds')
        if k == 'count' and not (v is None or is_int(v)):
            errors.add(f'{where}: count {v!r} is not an integer')
        if k in ('skb', 'head', 'address') and v is not None and not HEX.match(str(v)):
            errors.add(f'{where}: {v!r} is not a hexadecimal string')
        if k == 'key' and 'latency_ns' in node and not HEX.match(str(v)):
            errors.add(f'{where}: packet key {v!r} is not a hexadecimal string')
        if k == 'schema_version' and v != 1:
            errors.add(f'{where}: {v!r}')
        if (isinstance(v, list) and v and isinstance(v[0], dict) and 'count' in v[0] and
                any(b in v[0] for b in ('lo_ns', 'lo_us', 'lo'))):
            lo = next(b for b in ('lo_ns', 'lo_us', 'lo') if b in v[0])
            hi = 'hi' + lo[2:]
            los = [b[lo] for b in v]
            if los != sorted(set(los)):
                errors.add(f'{where}: buckets not ascending: {los}')
            if any(not b['count'] for b in v):
                errors.add(f'{where}: an empty bucket')
            log2 = lo == 'lo_ns' or k in ('log2_histogram', 'depth_histogram')
            for b in v:
                if not b[lo] < b[hi]:
                    errors.add(f'{where}: bucket [{b[lo]}, {b[hi]})')
                elif log2 and not ((b[lo], b[hi]) == (0, 2) or
                                   (b[lo] >= 2 and b[hi] == 2 * b[lo] and not b[lo] & (b[lo] - 1))):
                    errors.add(f'{where}: [{b[lo]}, {b[hi]}) is not a log2 bucket')
        formats(v, where, errors)


def run(argv, ok=(0, 2)):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode not in ok:
        raise SystemExit(f'FAIL: {" ".join(argv)}: exit {p.returncode}: {p.stderr[-500:]}')
    return p.stdout


def main():
    analyze, probe, gen_kdupcall, gen_flows, page, td, work = sys.argv[1:8]
    os.makedirs(work, exist_ok=True)
    T = lambda f: os.path.join(td, f)
    W = lambda f: os.path.join(work, f)

    # Which report (or the recording) each run's JSON is filed under.
    got = {s: set() for s in NOT_MEMBERS}
    errors = set()

    def doc(d):
        formats(d, '', errors)
        drops = (d.get('reports') or {}).get('drops')
        if drops and 'merged_from' not in d and drops['lost_events'] != d['recording']['lost']:
            errors.add(f'drops.lost_events {drops["lost_events"]} is not recording.lost '
                       f'{d["recording"]["lost"]}')
        for k in d:
            sec = 'MERGED DOCUMENTS' if k in ('merged_from', 'percentiles') else 'DESCRIPTION'
            got[sec].add(k)
        keys(d.get('merged_from', []), got['MERGED DOCUMENTS'])
        keys(d.get('recording', {}), got['RECORDING'])
        for name, rep in (d.get('reports') or {}).items():
            sec = 'REPORTS.INFO' if name == 'info' else 'reports.' + name
            if sec not in got:
                raise SystemExit(f'FAIL: report {name} has no section in {page}')
            keys(rep, got[sec])

    def one(argv, save=None):
        out = run([analyze] + argv)
        d = json.loads(out)
        doc(d)
        if save:
            with open(W(save), 'w') as f:
                f.write(out)

    def lines(argv, sec):
        out = run([analyze] + argv).splitlines()
        for ln in out[:-1]:
            keys(json.loads(ln), got[sec])
            formats(json.loads(ln), sec, errors)
        doc(json.loads(out[-1]))

    # The archive member of the recording: an archive of a recording.
    run([probe, 'archive', T('usdt.data'), '-o', W('usdt.tar.zst')], ok=(0,))
    one(['info', '--json', W('usdt.tar.zst')], 'info.json')
    for f in ('usdt.data', 'net.pipe.data', 'net.z.data', 'ovs-lab.data'):
        one(['info', '--json', T(f)])
    one(['--json', '-q', T('mixed.data')])
    one(['latency', '--json', '-q', '--interval', '0.05', '--table', '--limit', '3',
         '--threshold-us', '20', T('latency-blame.data')], 'lat1.json')
    one(['latency', '--json', '-q', '--span-timeout', '0.0001', T('latency-rps.data')], 'lat2.json')
    one(['latency', '--json', '-q', T('latency-lost.data')])
    one(['latency', '--json', '-q', '--threshold-us', '1', T('latency-g.data')])
    one(['latency', '--json', '-q', '--interval', '0.05', T('ovs-lab.data')])
    pid = next(str(s['pid']) for s in map(json.loads, run([analyze, 'script', '--json',
                                                           T('kdelay.g.data')]).splitlines())
               if s['comm'] == 'kdelay-load')
    one(['kernel-delay', '--json', '-q', '--pid', pid, '--long-poll', 'all',
         '--syscall-events', '20', T('kdelay.g.data')], 'kd.json')
    one(['kernel-delay', '--json', '-q', T('mixed.data')])
    one(['kernel-delay', '--json', '-q', '--pid', '18595', T('vswitchd-kdelay.data')])
    # kernel-delay's upcalls: a generated recording of ovs_dp_upcall returns.
    run([gen_kdupcall, W('kdupcall.data'), W('kdupcall.json')], ok=(0,))
    one(['kernel-delay', '--json', '-q', W('kdupcall.data')])
    one(['bridge-loop', '--json', '-q', T('usdt.data')], 'bl.json')
    one(['upcall-cost', '--json', '-q', '--sets', '--write-sets', W('u.sets'), T('upcall.data')],
        'uc.json')
    one(['upcall-cost', '--json', '-q', '--read-sets', W('u.sets')])
    lines(['upcalls', '--json', '-q', '-k', 'hex', '-d', 'hex', T('upcall.data')], 'reports.upcalls')
    lines(['upcalls', '--json', '-q', T('kernel-6.12.data')], 'reports.upcalls')
    lines(['journey', '--json', '-q', T('net.g.data')], 'reports.journey')
    lines(['journey', '--json', '-q', T('latency-blame.data')], 'reports.journey')
    one(['drops', '--json', '-q', T('net.g.data')], 'dr.json')
    one(['drops', '--json', '-q', T('kernel-6.12.data')])
    one(['drops', '--json', '-q', T('latency-lost.data')])
    # Drops with flow fields: every dropped packet on a flow of its own.
    run([gen_flows, W('flows.data'), W('flows.kallsyms'), '20', 'drops'], ok=(0,))
    one(['drops', '--json', '-q', W('flows.data')])
    # kernel_delay's busiest_tids: the default run, no ovs-vswitchd.
    one(['--json', '-q', T('kdelay.data')])
    one(['merge', '--json', W('lat1.json'), W('lat2.json')])
    one(['merge', '--json', W('kd.json'), W('kd.json')])
    one(['merge', '--json', W('bl.json'), W('uc.json'), W('dr.json'), W('info.json')])

    # RECORDING's facts: from the header features (as perf report
    # --header-only shows them, when perf is here), and how it was written.
    perf = shutil.which('perf')
    for f in ('usdt.data', 'usdt.pipe.data', 'usdt.z.data', 'ovs-lab.data', 'latency-g.data'):
        r = json.loads(run([analyze, 'info', '--json', T(f)]))['recording']
        hdr = {}
        if perf:
            for ln in run([perf, 'report', '--header-only', '-i', T(f)], ok=(0,)).splitlines():
                m = re.match(r'# ([a-z ]+?) : (.*)$', ln)
                if m:
                    hdr.setdefault(m[1], m[2].rstrip())
        want = {'hostname': hdr.get('hostname'), 'os_release': hdr.get('os release'),
                'arch': hdr.get('arch'), 'perf_version': hdr.get('perf version'),
                'cmdline': hdr.get('cmdline'), 'nr_cpus': hdr.get('nrcpus online'),
                'nr_cpus_avail': hdr.get('nrcpus avail')}
        for k, v in want.items():
            if perf and str(r[k]) != v:
                errors.add(f'{f}: recording.{k} {r[k]!r}, perf says {v!r}')
        for k, v in (('pipe_mode', f.endswith('.pipe.data')),
                     ('compressed', ' -z ' in r['cmdline']),
                     ('kallsyms_stored', False), ('kallsyms_source', None)):
            if r[k] != v:
                errors.add(f'{f}: recording.{k} is {r[k]!r}, not {v!r}')
    ks = T('ovs-lab.kallsyms.zst')
    r = json.loads(run([analyze, 'info', '--json', '--kallsyms', ks, T('ovs-lab.data')]))['recording']
    if (r['kallsyms_stored'], r['kallsyms_source']) != (True, ks):
        errors.add(f'--kallsyms: kallsyms_stored {r["kallsyms_stored"]}, source {r["kallsyms_source"]}')

    secs = sections(page)
    errors = sorted(errors)
    for sec, want in NOT_MEMBERS.items():
        if sec not in secs:
            errors.append(f'{page} has no section {sec}')
            continue
        bold, members = secs[sec]
        if sec == 'DESCRIPTION':	# the example document names them
            bold = bold | set(re.findall(r'"([a-z_]+)":', open(page).read()))
        for k in sorted(got[sec]):
            if k not in bold:
                errors.append(f'{sec}: member {k!r} is in the JSON but not documented there')
        for k in sorted(members):
            if k not in got[sec] and k not in want:
                errors.append(f'{sec}: {k!r} is documented but no run wrote it')
        for k in sorted(want):
            if k in got[sec]:
                errors.append(f'{sec}: {k!r} is in NOT_MEMBERS but the JSON has it')
    every = set().union(*got.values())
    for k in sorted(rule_names):
        if k.startswith('_') or k.endswith('_') or len(k) == 1 or k in RULE_ONLY:
            continue		# lo_*, p N _ns: patterns
        if k not in every:
            errors.append(f'MERGED DOCUMENTS: the merge rules name {k!r}, which no run wrote')
    if errors:
        print('\n'.join(errors))
        return 1
    print('OK: ' + ', '.join(f'{s} {len(got[s])}' for s in NOT_MEMBERS) + ' members documented')
    return 0


if __name__ == '__main__':
    sys.exit(main())

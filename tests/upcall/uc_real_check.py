#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
uc_real_check.py - checks of `ovsperf-analyze upcall-cost --json` on a real
recording (testdata/upcall.data, made in scripts/vmrig with a USDT build of
ovs-vswitchd), whose exact answers nobody knows: the per-type totals must be
perf script's event counts, the per-thread upcalls must add up to the usable
recv_upcalls, the batch sizes too, every set must come from a usable kernel
upcall and recv_upcall, and every cost must be consistent (non-negative,
min <= max, overhead below the kernel-to-kernel total); the text's cost
histograms have --histogram-buckets slots (default 20) of equal width from
the minimum to the maximum, holding every value.

Usage: uc_real_check.py ANALYZER PERF_DATA
"""
import json
import re
import shutil
import subprocess
import sys

SUFFIX = {
    'openvswitch__dp_upcall': 'ovs_dp_upcall',
    'dpif_recv__recv_upcall': 'recv_upcall',
    'dpif_netlink_operate__op_flow_put': 'op_flow_put',
    'dpif_netlink_operate__op_flow_execute': 'op_flow_execute',
    'ktrace__ovs_packet_cmd_execute': 'ovs_packet_cmd_execute',
}


def hist_checks(analyzer, data, doc):
    """The text's cost histograms: --histogram-buckets N (default 20) slots
    of equal width from the minimum to the maximum, holding every value."""
    errors = []
    secs = [k for k in ('kernel_to_vswitchd', 'vswitchd_to_kernel', 'overhead',
                        'kernel_to_kernel_exec') if doc[k]['count'] > 1]
    if not secs:
        errors.append('no cost with two values: the histograms test nothing')
    for extra, n in (([], 20), (['--histogram-buckets', '7'], 7),
                     (['--histogram-buckets', '1'], 1)):
        text = subprocess.run([analyzer, 'upcall-cost', '-q'] + extra + [data], check=True,
                              capture_output=True, text=True).stdout
        blocks = re.findall(r'^=> [^\n]*\(microseconds\):\n# NumSamples = (\d+);[^\n]*\n'
                            r'(?:#[^\n]*\n)*((?: *[\d.]+ - +[\d.]+ \[ *\d+\]:[^\n]*\n)+)',
                            text, re.M)
        if len(blocks) != 4:
            errors.append(f'{extra}: {len(blocks)} cost histograms in the text, want 4')
            continue
        for sec, (ns, rows) in zip(('kernel_to_vswitchd', 'vswitchd_to_kernel', 'overhead',
                                    'kernel_to_kernel_exec'), blocks):
            if sec not in secs:
                continue
            c = doc[sec]
            slots = [(float(a), float(b), int(k)) for a, b, k in
                     re.findall(r'([\d.]+) - +([\d.]+) \[ *(\d+)\]', rows)]
            widths = {round(b - a, 3) for a, b, _ in slots}
            if int(ns) != c['count'] or len(slots) != n or \
                    sum(k for _, _, k in slots) != c['count'] or \
                    abs(slots[0][0] - c['min_ns'] / 1000) > 1e-3 or \
                    abs(slots[-1][1] - c['max_ns'] / 1000) > 1e-3 or \
                    max(widths) - min(widths) > 2e-3 or \
                    any(slots[i][1] != slots[i + 1][0] for i in range(len(slots) - 1)):
                errors.append(f'{extra} {sec}: {len(slots)} slots {slots[:2]}..{slots[-1:]} '
                              f'of {ns} values, want {n} from {c["min_ns"] / 1000} to '
                              f'{c["max_ns"] / 1000} holding {c["count"]}')
    return errors


def main():
    analyzer, data = sys.argv[1:3]
    if not shutil.which('perf'):
        print('SKIP: perf is not installed')
        return 77
    doc = json.loads(subprocess.run([analyzer, 'upcall-cost', '--json', '-q', data],
                                    check=True, capture_output=True,
                                    text=True).stdout)['reports']['upcall_cost']
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'event'], check=True,
                         capture_output=True, text=True).stdout
    counts = {}
    for ln in out.split():
        counts[ln.rstrip(':')] = counts.get(ln.rstrip(':'), 0) + 1
    errors = []
    for e in doc['events']:
        if e['event'] is None:
            continue
        n = counts.get(e['event'], 0)
        if e['total'] != n:
            errors.append(f'{e["type"]}: total {e["total"]}, perf script has {n}')
        if e['usable'] > e['total']:
            errors.append(f'{e["type"]}: more usable than total')
    ev = {e['type']: e for e in doc['events']}
    recv = ev['dpif_recv__recv_upcall']['usable']
    if sum(t['upcalls'] for t in doc['threads']) != recv:
        errors.append('per-thread upcalls do not add up to the usable recv_upcalls')
    bh = doc['batch_histogram']
    if sum(b['size'] * b['count'] for b in bh['buckets']) > recv:
        errors.append('batches hold more upcalls than were received')
    u = doc['uncorrelated']
    if doc['sets'] + u['dp_upcall_no_recv'] != ev['openvswitch__dp_upcall']['usable']:
        errors.append('sets + unreceived kernel upcalls != usable kernel upcalls')
    if doc['sets'] + u['recv_no_dp_upcall'] != recv:
        errors.append('sets + unmatched recv_upcalls != usable recv_upcalls')
    for sec in ('kernel_to_vswitchd', 'vswitchd_to_kernel', 'overhead',
                'kernel_to_kernel_exec'):
        s = doc[sec]
        if s['count'] and not 0 <= s['min_ns'] <= s['max_ns']:
            errors.append(f'{sec}: min/max inconsistent')
        if s['count'] > doc['sets']:
            errors.append(f'{sec}: more values than sets')
    if doc['sets'] == 0:
        errors.append('no upcall correlated in a recording made to have them')
    errors += hist_checks(analyzer, data, doc)
    if errors:
        print('\n'.join(errors))
        return 1
    print(f'OK: {doc["sets"]} sets; totals match perf script')
    return 0


if __name__ == '__main__':
    sys.exit(main())

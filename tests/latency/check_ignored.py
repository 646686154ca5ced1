#!/usr/bin/env python3
"""check_ignored.py: one probe point recorded as two events (a kprobe and the
openvswitch:ovs_dp_upcall tracepoint, or kprobes of two groups): the ovs-dp
span uses the first recorded and names the others in its report instead of
counting each packet twice.

Expected from `info --json` alone: of the recording's events called
*:ovs_dp_upcall, in recording order, the first is in the span's last stage
and each other is listed in ignored_events as {event, used: the first}; the
backlog span lists none.  The text report has one "Not used:" line per event
left out (the first 8, then one line counting the others), and nothing about
it goes to stderr (a choice, not a fault).

Usage: check_ignored.py ANALYZE DATA...
"""
import json
import subprocess
import sys


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=True, timeout=300)


def check(analyze, data):
    errors = []
    info = json.loads(run(analyze, 'info', '--json', '-q', data).stdout)
    names = [e['name'] for e in info['reports']['info']['events']]
    same = [n for n in names if n.split(':', 1)[1] == 'ovs_dp_upcall']
    if len(same) < 2:
        return [f'{data}: {same}: needs two events of one point']
    want = [{'event': n, 'used': same[0]} for n in same[1:]]
    # The report names the first 8 and counts the rest (ovsperf-json(7)).
    more = len(want) - min(len(want), 8)
    r = run(analyze, 'latency', '--json', data)
    spans = {s['name']: s for s in json.loads(r.stdout)['reports']['latency']['spans']}
    got = spans['ovs-dp']['ignored_events']
    if got != want[:8]:
        errors.append(f'{data}: ignored_events {got}, expected {want}')
    if same[0] not in spans['ovs-dp']['stages'][-1] or \
       any(w['event'] in st for w in want for st in spans['ovs-dp']['stages']):
        errors.append(f'{data}: stages {spans["ovs-dp"]["stages"]}')
    if 'backlog' in spans and spans['backlog']['ignored_events'] != []:
        errors.append(f'{data}: backlog ignored_events {spans["backlog"]["ignored_events"]}')
    t = run(analyze, 'latency', data)
    lines = [l for l in t.stdout.splitlines() if l.startswith('Not used: ')]
    wl = [f'Not used: {w["event"]} ({w["used"]} is used for the same point: each packet '
          'would be seen twice)' for w in want[:8]]
    if more:
        wl.append(f'Not used: {more} more event{"s" if more > 1 else ""}')
    if lines != wl:
        errors.append(f'{data}: text {lines}, expected {wl}')
    for err in (r.stderr, t.stderr):
        if 'ovs_dp_upcall' in err:
            errors.append(f'{data}: stderr names the choice: {err.strip()!r}')
    if not errors:
        print(f'{data}: {len(want)} left out for {same[0]}: ok')
    return errors


def main():
    analyze = sys.argv[1]
    errors = [e for d in sys.argv[2:] for e in check(analyze, d)]
    print('\n'.join(errors) or 'OK')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())

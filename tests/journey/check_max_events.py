#!/usr/bin/env python3
"""check_max_events.py - journey's --max-events (default 256) on the "long"
recording of make-clone-data: three packets of 300, 256 and 257 events
(event i of packet j at 7 s + i us + j * 300 ns on CPU j, the last one a
skb:consume_skb, the others ovsperf:xmit).

What ovsperf-analyze(1) says (journey, --max-events N): "Events kept per
packet (default 256); more are counted in the block and the summary."
Checked for the default and for explicit values, in the text and in the
JSON Lines (ovsperf-json(7), reports.journey): each packet keeps its first
N events, nr_events counts them all, events_not_kept the others; the text
block says "N events" (all of them), lists the kept ones and, when some
were not kept, ends with "[... K more events not kept; --max-events]"; the
summary's events_not_kept is the sum, and the text's summary says "Events
not kept (--max-events N): K" only when K is not 0.

Usage: check_max_events.py OVSPERF_ANALYZE DATA
"""
import json
import re
import subprocess
import sys

# The generator's layout: events per packet, in the order of their first event.
NR = (300, 256, 257)
T0 = 7 * 10**9


def times(j):
    return [T0 + i * 1000 + j * 300 for i in range(NR[j])]


def expect(max_ev):
    """(kept, not kept) per packet id 1..3."""
    return {j + 1: (min(n, max_ev), max(0, n - max_ev)) for j, n in enumerate(NR)}


def check(binary, data, max_ev, explicit):
    fails = []
    opt = ["--max-events", str(max_ev)] if explicit else []
    label = " ".join(opt) or "(default)"
    exp = expect(max_ev)
    total_over = sum(v[1] for v in exp.values())

    # JSON Lines: packet objects, then the summary document.
    run = subprocess.run([binary, "journey", "--json", "-q"] + opt + [data],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return ["%s: --json exits %d: %s" % (label, run.returncode, run.stderr.strip())]
    objs = [json.loads(l) for l in run.stdout.splitlines() if l]
    pkts = {o["id"]: o for o in objs[:-1]}
    summ = objs[-1]["reports"]["journey"]
    if sorted(pkts) != [1, 2, 3]:
        fails.append("%s: JSON packets %s, expected 1, 2, 3" % (label, sorted(pkts)))
    for pid, (kept, over) in exp.items():
        p = pkts.get(pid)
        if not p:
            continue
        got = (p["nr_events"], p["events_not_kept"], len(p["events"]))
        if got != (NR[pid - 1], over, kept):
            fails.append("%s: JSON packet %d: nr_events, events_not_kept, events kept %s, "
                         "expected %s" % (label, pid, got, (NR[pid - 1], over, kept)))
        # The first N events are the ones kept.
        if [e["time_ns"] for e in p["events"]] != times(pid - 1)[:kept]:
            fails.append("%s: JSON packet %d: the events kept are not its first %d" % (
                label, pid, kept))
    if summ.get("events_not_kept") != total_over or summ.get("events_total") != sum(NR):
        fails.append("%s: JSON summary events_not_kept %r, events_total %r; expected %d, %d" % (
            label, summ.get("events_not_kept"), summ.get("events_total"), total_over, sum(NR)))

    # Text: one block per packet, then the summary.
    run = subprocess.run([binary, "journey"] + opt + [data], capture_output=True, text=True)
    if run.returncode != 0 or run.stderr:
        return fails + ["%s: text exits %d, stderr %r" % (label, run.returncode, run.stderr)]
    blocks = {}
    cur = None
    for ln in run.stdout.splitlines():
        m = re.match(r"packet (\d+)  skb 0x[0-9a-f]+  head 0x[0-9a-f]+  (\d+) events  ", ln)
        if m:
            cur = blocks.setdefault(int(m.group(1)), {"n": int(m.group(2)), "rows": 0,
                                                      "more": []})
        elif cur is not None and ln.startswith("  ") and ("ovsperf:xmit" in ln or
                                                            "skb:consume_skb" in ln):
            cur["rows"] += 1
        elif cur is not None and ln.startswith("  [..."):
            cur["more"].append(ln)
        elif not ln:
            cur = None
    for pid, (kept, over) in exp.items():
        b = blocks.get(pid)
        if not b:
            fails.append("%s: text: no block for packet %d" % (label, pid))
            continue
        want_more = ["  [... %d more event%s not kept; --max-events]" %
                     (over, "" if over == 1 else "s")] if over else []
        if (b["n"], b["rows"], b["more"]) != (NR[pid - 1], kept, want_more):
            fails.append("%s: text packet %d: %d events, %d rows, %s; expected %d, %d, %s" % (
                label, pid, b["n"], b["rows"], b["more"], NR[pid - 1], kept, want_more))
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("Events not kept")]
    want = ["Events not kept (--max-events %d): %d" % (max_ev, total_over)] if total_over else []
    if lines != want:
        fails.append("%s: text summary %s, expected %s" % (label, lines, want))
    return fails


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, data = sys.argv[1:3]
    fails = []
    # Default (256): 300 -> 44 not kept, 256 -> all kept, 257 -> 1 not kept.
    fails += check(binary, data, 256, False)
    # Explicit values: the same as the default, below it, at the largest
    # packet (nothing left out), and the smallest allowed.
    for n in (256, 100, 257, 300, 1):
        fails += check(binary, data, n, True)
    # --max-events 0 is refused: one error line, non-zero exit.
    run = subprocess.run([binary, "journey", "--max-events", "0", data],
                         capture_output=True, text=True)
    if run.returncode == 0 or run.stdout or len(run.stderr.splitlines()) != 1 or \
            "--max-events" not in run.stderr:
        fails.append("--max-events 0: exit %d, stdout %d bytes, stderr %r" % (
            run.returncode, len(run.stdout), run.stderr))
    for f in fails[:40]:
        print("FAIL:", f)
    print("journey --max-events on %s: %s" % (data, "FAILED (%d)" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_journey_blame.py - golden test of journey's per-packet blame (man
ovsperf-analyze(1), JOURNEY, Blame) on a real recording with sched and irq
events: every packet's blame computed independently from `perf script`
output and compared with `ovsperf-analyze journey --json`.

The packets come from check_journey.py's model of packet identity (skb
address, free events as boundaries); the blame of each interval between two
consecutive events of a packet (all of them, kept or not), charged on the
CPU of the later one, from check_blame.py's naive replay of that CPU's
sched/irq events (the latency report's policy).

Usage: check_journey_blame.py ANALYZE DATA [--synthetic]
Checks: per packet (also with --max-events 2: blame covers the events not
kept) the parts add up to duration_ns, come largest first, and equal the
model's (kind, name, tid/vec/irq, pid, ns, runnable_ns); some packet's
largest part is the busy loop "blame-hog" with its handler runnable; the
text output has one "blame:" line per packet with parts; --no-blame and
a recording without sched/irq events have no blame at all.  --synthetic (a
gen-synth -k file: nested hard irqs, wakeups, no busy loop): parts of every
kind, no busy-loop check.
Exit 0 when all match, 1 with differences, 77 (skip) without perf.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "latency"))
sys.path.insert(0, HERE)
import perfscript  # noqa: E402
from check_blame import timelines, blame, items_of, json_items, compare  # noqa: E402
from check_journey import expected_packets  # noqa: E402


def journey(analyze, data, extra):
    out = subprocess.run([analyze, "journey", "--json", "-q", "--key", "skb"] + extra + [data],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit("analyzer failed (%d): %s" % (out.returncode, out.stderr))
    return [json.loads(line) for line in out.stdout.split("\n") if line][:-1]


def main():
    analyze, data = sys.argv[1], sys.argv[2]
    synthetic = "--synthetic" in sys.argv[3:]
    if not shutil.which("perf"):
        print("perf not found: skipped")
        return 77
    recs = perfscript.run(data)
    cpus, wins, pids = timelines(recs)
    exp, _ = expected_packets(recs, False)
    model = {}
    for p in exp:
        evs = p["events"]
        parts = {}
        for a, e in zip(evs, evs[1:]):
            blame(cpus, wins, a.time_ns, e.time_ns, e.cpu, parts)
        model[(evs[0].time_ns, p["skb"])] = parts
    errs = []
    for extra in ([], ["--max-events", "2"]):
        got = journey(analyze, data, extra)
        if len(got) != len(exp):
            errs.append("%s: %d packets, expected %d" % (extra, len(got), len(exp)))
        hog = False
        for g in got:
            key = (g["first_ns"], int(g["skb"], 16))
            what = "%s packet %d" % (extra, g["id"])
            if key not in model:
                errs.append("%s: not in the model" % what)
                continue
            if "blame" not in g:
                errs.append("%s: no blame" % what)
                continue
            ns = [it["ns"] for it in g["blame"]]
            if sum(ns) != g["duration_ns"]:
                errs.append("%s: parts add up to %d, duration %d" % (what, sum(ns),
                                                                     g["duration_ns"]))
            if ns != sorted(ns, reverse=True):
                errs.append("%s: parts not largest first" % what)
            compare(errs, what, json_items(g["blame"]), items_of(model[key], pids))
            b = g["blame"]
            hog |= bool(b) and b[0]["name"] == "blame-hog" and b[0]["runnable_ns"] > 0
        if not hog and not synthetic:
            errs.append("%s: no packet whose largest part is the busy loop with its "
                        "handler runnable" % extra)
    # Text: one compact line per packet with parts.
    text = subprocess.run([analyze, "journey", "--key", "skb", data], capture_output=True,
                          text=True).stdout
    lines = [line for line in text.split("\n") if line.startswith("  blame: ")]
    nonempty = sum(1 for parts in model.values() if any(v[0] for v in parts.values()))
    if len(lines) != nonempty:
        errs.append("text: %d blame lines, expected %d" % (len(lines), nonempty))
    kinds = {k[0] for parts in model.values() for k in parts}
    if synthetic and not {"hardirq", "softirq", "task"} <= kinds:
        errs.append("synthetic recording: parts of kinds %s only" % sorted(kinds))
    if not synthetic and not any("blame-hog (tid " in line for line in lines):
        errs.append("text: no blame line names the busy loop")
    if any("blame" in g for g in journey(analyze, data, ["--no-blame"])):
        errs.append("--no-blame: packets still have blame")
    for e in errs[:40]:
        print(e)
    if not errs:
        print("journey blame: %d packets, %d CPUs: ok" % (len(exp), len(cpus)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_blame.py - golden test of the latency report's blame (man
ovsperf-analyze(1), LATENCY, Blame) on a real recording with sched and irq
events: every packet's blame, and the tail's, computed here independently
from `perf script` output and compared with `ovsperf-analyze latency --json`.

The spans come from check_latency.py's model of the span policy.  Blame is
computed naively: per CPU, the list of its sched_switch/softirq/irq events;
for an interval (a, e] charged on CPU c, a replay of c's events from the
start of the recording, with the state (hard irq stack, softirq stack,
current task) after each, clipped to (a, e].  The handler is the task running
on c at e; its runnable windows run from a sched_wakeup while it was not
running, or from a switch-out in state R/R+, to its next switch-in on c.

Usage: check_blame.py ANALYZE DATA [--synthetic]
Checks: parts add up to each packet's latency, equal the model's (kind,
name, tid, pid, ns, runnable_ns) for every packet (--table), the worst
packets' largest part is the busy loop's task "blame-hog" with the handler
runnable all that time, and the tail over the p99 and over --threshold-us
1000.  --synthetic (a gen-synth -k file: nested hard irqs, no busy loop):
no busy-loop check, --threshold-us 100.
Exit 0 when all match, 1 with differences, 77 (skip) without perf.
"""
import bisect
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perfscript  # noqa: E402
from check_latency import parse, run_model, pct  # noqa: E402

SCHED_IRQ = {"sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new",
             "irq:softirq_entry", "irq:softirq_exit", "irq:irq_handler_entry",
             "irq:irq_handler_exit"}


class Cpu:
    """One CPU's state changes: (time, what, tid) after each of its events."""

    def __init__(self):
        self.times, self.states = [], []


def timelines(recs):
    """Per CPU the states in force from each event on; per (tid, cpu) the
    handler's runnable windows (since, switch-in); pid of each tid."""
    cpus, wins, pids = {}, {}, {}
    since, running = {}, set()
    ctx = {}
    for r in recs:
        if r.event not in SCHED_IRQ:
            continue
        if r.event.startswith("sched:sched_wakeup"):
            tid = r.num("pid")
            if tid not in running and tid not in since:
                since[tid] = r.time_ns
            continue
        c = ctx.setdefault(r.cpu, {"hard": [], "soft": [], "task": ("unknown", "unknown", None)})
        if r.event == "sched:sched_switch":
            prev, nxt = r.num("prev_pid"), r.num("next_pid")
            if prev:
                pids[prev] = r.pid
                running.discard(prev)
                since.pop(prev, None)
                if r.fields["prev_state"] in ("R", "R+"):
                    since[prev] = r.time_ns
            if nxt:
                running.add(nxt)
                if nxt in since:
                    wins.setdefault((nxt, r.cpu), []).append((since.pop(nxt), r.time_ns))
                c["task"] = ("task", r.fields["next_comm"], nxt)
            else:
                c["task"] = ("idle", "idle", 0)
            c["hard"], c["soft"] = [], []
        elif r.event == "irq:softirq_entry":
            c["soft"].append(("softirq", r.fields["action"], r.num("vec")))
        elif r.event == "irq:softirq_exit":
            if c["soft"]:
                c["soft"].pop()
        elif r.event == "irq:irq_handler_entry":
            c["hard"].append(("hardirq", r.fields["name"], r.num("irq")))
        elif r.event == "irq:irq_handler_exit":
            if c["hard"]:
                c["hard"].pop()
        what = c["hard"][-1] if c["hard"] else c["soft"][-1] if c["soft"] else c["task"]
        cp = cpus.setdefault(r.cpu, Cpu())
        cp.times.append(r.time_ns)
        cp.states.append((what, c["task"][2]))
    return cpus, wins, pids


def blame(cpus, wins, a, e, cpu, out):
    """Adds the parts of (a, e] on @cpu to @out {(kind, name, num): [ns, runnable]}."""
    cp = cpus.get(cpu)
    if e <= a:
        return
    unknown = ("unknown", "unknown", None)
    if not cp:
        out.setdefault(unknown, [0, 0])[0] += e - a
        return
    # The task running at e on that CPU: the last state at or before e.
    j = bisect.bisect_right(cp.times, e) - 1
    handler = cp.states[j][1] if j >= 0 else None
    hw = []
    if handler:
        hw = [(max(lo, a), hi) for lo, hi in wins.get((handler, cpu), []) if a < hi <= e]
    bounds = [a] + [t for t in cp.times if a < t < e] + [e]
    for lo, hi in zip(bounds, bounds[1:]):
        if hi <= lo:
            continue
        i = bisect.bisect_right(cp.times, lo) - 1
        what, tid = cp.states[i] if i >= 0 else (unknown, None)
        key = what
        d = out.setdefault(key, [0, 0])
        d[0] += hi - lo
        if what[0] == "task" and tid != handler:
            d[1] += sum(max(0, min(hi, h) - max(lo, l)) for l, h in hw)


def items_of(parts, pids):
    res = {}
    for (kind, name, num), (ns, run) in parts.items():
        if not ns:
            continue
        key = (kind, name, num if kind in ("task", "softirq", "hardirq") else None)
        res[key] = {"ns": ns, "runnable_ns": run if kind == "task" else None,
                    "pid": pids.get(num) if kind == "task" else None}
    return res


def json_items(lst):
    res = {}
    for it in lst:
        num = it.get("tid", it.get("vec", it.get("irq")))
        key = (it["kind"], it["name"], num)
        res[key] = {"ns": it["ns"], "runnable_ns": it.get("runnable_ns"), "pid": it.get("pid")}
    return res


def compare(errs, what, got, want):
    if set(got) != set(want):
        errs.append("%s: parts %s, expected %s" % (what, sorted(got), sorted(want)))
        return
    for k, w in want.items():
        g = got[k]
        if g["ns"] != w["ns"] or g["runnable_ns"] != w["runnable_ns"]:
            errs.append("%s: %s: %s, expected %s" % (what, k, g, w))
        if k[0] == "task" and g["pid"] is not None and g["pid"] != w["pid"]:
            errs.append("%s: %s: pid %s, expected %s" % (what, k, g["pid"], w["pid"]))


def main():
    analyze, data = sys.argv[1], sys.argv[2]
    synthetic = "--synthetic" in sys.argv[3:]
    if not shutil.which("perf"):
        print("perf not found: skipped")
        return 77
    recs = perfscript.run(data)
    cpus, wins, pids = timelines(recs)
    stages = [["net:netif_rx"], ["net:netif_receive_skb"]]
    spans, _, _ = run_model(parse(data, False), stages)
    spans = [s for s in spans if not s["lost"]]
    model = {}
    for s in spans:
        parts = {}
        for k in range(1, len(s["t"])):
            blame(cpus, wins, s["t"][k - 1], s["t"][k], s["cpu"][k], parts)
        model[(s["t"][0], s["skb"])] = parts
    errs = []
    lats = sorted(s["t"][-1] - s["t"][0] for s in spans)
    kinds = {k[0] for parts in model.values() for k in parts}
    if synthetic and not {"hardirq", "softirq", "task"} <= kinds:
        errs.append("synthetic recording: parts of kinds %s only" % sorted(kinds))
    if not synthetic and (len(lats) < 40 or lats[-1] < 1000000):
        errs.append("recording: %d spans, max %d ns: not what the test needs" %
                    (len(lats), lats[-1] if lats else 0))
    thr_us = 100 if synthetic else 1000
    for args in (["--table", "--top", "3"], ["--threshold-us", str(thr_us)]):
        out = subprocess.run([analyze, "latency", "--json", "-q", "--preset", "backlog"] + args +
                             [data], capture_output=True, text=True)
        if out.returncode:
            print("analyzer failed (%d): %s" % (out.returncode, out.stderr))
            return 1
        sp = json.loads(out.stdout)["reports"]["latency"]["spans"][0]
        rows = sp.get("packets", []) + sp["worst"] + sp["best"] + sp.get("over_threshold", [])
        if args[0] == "--table" and len(sp["packets"]) != len(spans):
            errs.append("%d packets, expected %d" % (len(sp["packets"]), len(spans)))
        for row in rows:
            key = (row["times_ns"][0], int(row["key"], 16))
            what = "packet %#x at %d" % (key[1], key[0])
            if key not in model:
                errs.append("%s: not in the model" % what)
                continue
            total = sum(it["ns"] for it in row["blame"])
            if total != row["latency_ns"]:
                errs.append("%s: parts add up to %d, latency %d" % (what, total, row["latency_ns"]))
            if [it["ns"] for it in row["blame"]] != sorted((it["ns"] for it in row["blame"]),
                                                            reverse=True):
                errs.append("%s: parts not largest first" % what)
            compare(errs, what, json_items(row["blame"]), items_of(model[key], pids))
        for w in ([] if synthetic else sp["worst"][:3]):
            top = w["blame"][0]
            if top["name"] != "blame-hog" or top["runnable_ns"] != top["ns"] or \
               top["ns"] * 10 < w["latency_ns"] * 9:
                errs.append("worst packet %s: largest part %s, not the busy loop with its "
                            "handler runnable" % (w["key"], top))
        # The tail: spans at or above --threshold-us, else the p99.
        thr = thr_us * 1000 if args[0] == "--threshold-us" else pct(lats, 990)
        tail = {}
        n = 0
        for s in spans:
            if s["t"][-1] - s["t"][0] < thr:
                continue
            n += 1
            for k, (ns, run) in model[(s["t"][0], s["skb"])].items():
                d = tail.setdefault(k, [0, 0])
                d[0] += ns
                d[1] += run
        bl = sp["blame"]
        if bl["threshold_ns"] != thr or bl["spans"] != n or not bl["exact"]:
            errs.append("tail %s: threshold %d spans %d exact %s, expected %d %d" %
                        (args, bl["threshold_ns"], bl["spans"], bl["exact"], thr, n))
        compare(errs, "tail %s" % args, json_items(bl["items"]), items_of(tail, pids))
    for e in errs[:40]:
        print(e)
    if not errs:
        print("blame: %d packets, %d CPUs: ok" % (len(spans), len(cpus)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

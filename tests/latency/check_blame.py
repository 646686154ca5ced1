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

Usage: check_blame.py ANALYZE DATA [--synthetic | --kmatrix [--rt]]
Checks: parts add up to each packet's latency, equal the model's (kind,
name, tid, pid, ns, runnable_ns) for every packet (--table), the worst
packets' largest part is nine tenths the busy loop's task "blame-hog", some
packet waited 1 ms for it with its handler (ksoftirqd/1) runnable, the
tail over the p99 and over --threshold-us 1000, each packet's backlog depth
at enqueue (dequeues on its dequeue CPU strictly between its enqueue and its
dequeue) and their count, mean and max, and --interval 0.0005.  --synthetic (a gen-synth -k file: nested hard irqs, no busy loop):
no busy-loop check, --threshold-us 100.  --kmatrix (a kernel matrix
recording, tests/kmatrix: the backlog set's probes, packet identity by
head): the span ovsperf:enqueue_to_backlog -> __netif_receive_skb ->
ip_rcv, no busy-loop check, --threshold-us 100; with --rt (PREEMPT_RT, where
NET_RX runs in threads) the tail must name the thread that ran it
(backlog_napi/N or ksoftirqd/N) as a task.
Exit 0 when all match, 1 with differences, 77 (skip) without perf.
"""
import bisect
import json
import os
import re
import shutil
import subprocess
import sys
import time

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


def clock_data(analyze, data):
    """(tod_ns, clk_ns) of the recording's CLOCK_DATA, or None (from `info`:
    the header's two numbers, not what is under test)."""
    out = subprocess.run([analyze, "info", data], capture_output=True, text=True).stdout
    m = re.search(r"clock data:\s+tod (\d+) ns at clock (\d+) ns", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def check_interval(analyze, data, recs, events, spans, errs, stages):
    """--interval: buckets from the first sample (aligned on the wall clock),
    spans by completion time: count, nearest-rank p50/p99, max; drops: a free
    event of a pending span.  Stamps: UTC from CLOCK_DATA."""
    width = 500000
    first = min(r.time_ns for r in recs)
    cd = clock_data(analyze, data)
    origin = first
    if cd and first >= cd[1]:
        origin -= (cd[0] + first - cd[1]) % width
    want = {}
    for s in spans:
        want.setdefault((s["t"][-1] - origin) // width, [[], 0])[0].append(s["t"][-1] - s["t"][0])
    pending = set()
    for e in events:
        if e["ev"] in stages[0]:
            pending.add(e["skb"])
        elif e["ev"] in stages[-1]:
            pending.discard(e["skb"])
        elif e["ev"] in ("skb:kfree_skb", "skb:consume_skb") and e["skb"] in pending:
            pending.discard(e["skb"])
            want.setdefault((e["t"] - origin) // width, [[], 0])[1] += 1
    out = subprocess.run([analyze, "latency", "--json", "-q", "--preset", "backlog",
                          "--interval", "0.0005", data], capture_output=True, text=True)
    tl = json.loads(out.stdout)["reports"]["latency"]["spans"][0]["timeline"]
    if len(tl) != max(want) + 1:
        errs.append("--interval: %d buckets, expected %d" % (len(tl), max(want) + 1))
    for i, b in enumerate(tl):
        vals, drops = want.get(i, [[], 0])
        vals = sorted(vals)
        exp = {"start_ns": origin + i * width, "count": len(vals), "drops": drops,
               "p50_ns": pct(vals, 500) if vals else None,
               "p99_ns": pct(vals, 990) if vals else None, "max_ns": vals[-1] if vals else None}
        got = {k: b[k] for k in exp}
        if got != exp:
            errs.append("--interval bucket %d: %s, expected %s" % (i, got, exp))
        if cd:
            tod = cd[0] + origin + i * width - cd[1]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(tod // 10**9)) + \
                ".%06d" % (tod % 10**9 // 1000)
            if b.get("start_utc") != stamp:
                errs.append("--interval bucket %d: start_utc %s, expected %s" %
                            (i, b.get("start_utc"), stamp))
    return cd is not None


def kinds_names(model):
    """The (kind, name) of every part of every packet."""
    return {k[:2] for parts in model.values() for k in parts}


def main():
    analyze, data = sys.argv[1], sys.argv[2]
    kmatrix = "--kmatrix" in sys.argv[3:]
    rt = "--rt" in sys.argv[3:]
    # Neither kind has the busy loop: the same relaxed checks.
    synthetic = "--synthetic" in sys.argv[3:] or kmatrix
    if not shutil.which("perf"):
        print("perf not found: skipped")
        return 77
    recs = perfscript.run(data)
    cpus, wins, pids = timelines(recs)
    stages = [["net:netif_rx"], ["net:netif_receive_skb"]]
    if kmatrix:
        stages = [["ovsperf:enqueue_to_backlog"], ["ovsperf:__netif_receive_skb"],
                  ["ovsperf:ip_rcv"]]
    events = parse(data, False)
    spans, hops, _ = run_model(events, stages, head_identity=kmatrix)
    # Backlog depth at enqueue: dequeues (stage-1 events that advanced a
    # packet, whether or not it completed a later stage) on the packet's
    # dequeue CPU strictly between its enqueue and its dequeue.
    deq = {}
    for h in hops:
        if h["k"] == 1:
            deq.setdefault(h["cpu1"], []).append(h["t1"])
    for v in deq.values():
        v.sort()
    for s in spans:
        v = deq[s["cpu"][1]]
        s["depth"] = bisect.bisect_left(v, s["t"][1]) - bisect.bisect_right(v, s["t"][0])
    spans = [s for s in spans if not s["lost"]]
    depth_of = {(s["t"][0], s["skb"]): s["depth"] for s in spans}
    model = {}
    for s in spans:
        parts = {}
        for k in range(1, len(s["t"])):
            blame(cpus, wins, s["t"][k - 1], s["t"][k], s["cpu"][k], parts)
        model[(s["t"][0], s["skb"])] = parts
    errs = []
    lats = sorted(s["t"][-1] - s["t"][0] for s in spans)
    kinds = {k[0] for parts in model.values() for k in parts}
    if kmatrix and not {"softirq", "task"} <= kinds:
        errs.append("kernel recording: parts of kinds %s only" % sorted(kinds))
    if rt and not any(k[0] == "task" and re.match(r"(backlog_napi|ksoftirqd)/\d+$", k[1])
                      for k in kinds_names(model)):
        errs.append("PREEMPT_RT recording: no part names a NET_RX thread")
    if not kmatrix and synthetic and not {"hardirq", "softirq", "task"} <= kinds:
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
            if row.get("backlog_depth") != depth_of[key]:
                errs.append("%s: backlog depth %s, expected %d" %
                            (what, row.get("backlog_depth"), depth_of[key]))
        for w in ([] if synthetic else sp["worst"][:3]):
            top = w["blame"][0]
            if top["name"] != "blame-hog" or top["ns"] * 10 < w["latency_ns"] * 9:
                errs.append("worst packet %s: largest part %s, not nine tenths the busy loop" %
                            (w["key"], top))
        # A packet received by ksoftirqd/1 waited for it while the loop ran.
        if args[0] == "--table" and not synthetic and not any(
                it["name"] == "blame-hog" and it["ns"] >= 1000000 and
                it["runnable_ns"] * 10 >= it["ns"] * 9
                for row in sp["packets"] for it in row["blame"]):
            errs.append("no packet waited 1 ms for the busy loop with its handler runnable")
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
        depths = [s["depth"] for s in spans]
        bd = sp["backlog_depth"]
        if (bd["count"], bd["max"], bd["saturated"]) != (len(depths), max(depths), 0) or \
           abs(bd["mean"] - sum(depths) / len(depths)) > 1e-9:
            errs.append("backlog_depth %s, expected count %d max %d mean %f" %
                        ({k: bd[k] for k in ("count", "max", "mean", "saturated")}, len(depths),
                         max(depths), sum(depths) / len(depths)))
        if not synthetic and max(depths) < 5:
            errs.append("recording: backlog depth never above %d" % max(depths))
        bl = sp["blame"]
        if bl["threshold_ns"] != thr or bl["spans"] != n or not bl["exact"]:
            errs.append("tail %s: threshold %d spans %d exact %s, expected %d %d" %
                        (args, bl["threshold_ns"], bl["spans"], bl["exact"], thr, n))
        compare(errs, "tail %s" % args, json_items(bl["items"]), items_of(tail, pids))
    wall = check_interval(analyze, data, recs, events, spans, errs, stages)
    if not synthetic and not wall:
        errs.append("recording: no CLOCK_DATA (perf record -k mono): wall-clock stamps untested")
    for e in errs[:40]:
        print(e)
    if not errs:
        print("blame: %d packets, %d CPUs: ok" % (len(spans), len(cpus)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_blame_args.py - the blame of the packet slices of `ovsperf-analyze
export --perfetto` (both formats) on a recording with sched and irq events:
each packet slice's end carries "blame<i>" / "blame<i>_ns" for its largest
parts (man ovsperf-analyze(1), EXPORT; no "blame1_ns" when one part took the
whole latency_ns), which must be the latency report's
per-packet blame of the same span (`latency --table`, itself checked against
a model from perf script output by tests/latency/check_blame.py), in the
same order; a recording without sched/irq events, and --no-blame, have no
blame args.

usage: check_blame_args.py OVSPERF_ANALYZE BLAME_DATA PLAIN_DATA WORK_DIR [--synthetic]
(--synthetic: a gen-synth -k file, no busy loop to find in the slices)
"""
import json
import os
import subprocess
import sys

import pftrace

MAX = 3


def what(it):
    if it["kind"] == "task":
        return "task %s (tid %d)" % (it["name"], it["tid"])
    if it["kind"] == "hardirq":
        return "hardirq %s (irq %d)" % (it["name"], it["irq"])
    if it["kind"] == "softirq":
        return "softirq " + it["name"]
    return it["kind"]


def packets(analyze, data, out, extra=()):
    subprocess.run([analyze, "export", "-q", *extra, "--perfetto", out, data], check=True)
    if out.endswith(".json"):
        doc = json.load(open(out))
    else:
        pk, _ = pftrace.decode(out)
        doc = pftrace.to_trace_events(pk)
        if doc["problems"]:
            raise SystemExit("%s: %s" % (out, doc["problems"][:3]))
    begins, res = {}, []
    for e in doc["traceEvents"]:
        if e["ph"] == "b" and e.get("cat") == "packet":
            begins[e["id"]] = e
        elif e["ph"] == "e" and e.get("cat") == "packet":
            b = begins.pop(e["id"])
            res.append((b["name"], round(b["ts"] * 1000), int(b["args"]["skb"], 16), e["args"]))
    return res


def main():
    analyze, data, plain, work = sys.argv[1:5]
    synthetic = "--synthetic" in sys.argv[5:]
    errs = []
    lat = json.loads(subprocess.run([analyze, "latency", "--json", "-q", "--table", data],
                                    check=True, capture_output=True, text=True).stdout)
    want = {}
    for sp in lat["reports"]["latency"]["spans"]:
        for row in sp["packets"]:
            want[(sp["name"], row["times_ns"][0], int(row["key"], 16))] = \
                (row["blame"], row["times_ns"][-1] - row["times_ns"][0])
    for fmt in ("json", "pftrace"):
        got = packets(analyze, data, os.path.join(work, "blame-args." + fmt))
        n = named = 0
        for span, t0, skb, args in got:
            if args.get("lost_window"):
                continue
            n += 1
            w = want.get((span, t0, skb))
            if w is None:
                errs.append("%s: packet %#x at %d not in latency's table" % (fmt, skb, t0))
                continue
            exp = {}
            w, latency = w
            for i, it in enumerate(w[:MAX]):
                exp["blame%d" % (i + 1)] = what(it)
                # one part that took the whole latency: its time is latency_ns
                if len(w) > 1 or it["ns"] != latency:
                    exp["blame%d_ns" % (i + 1)] = it["ns"]
            have = {k: v for k, v in args.items() if k.startswith("blame")}
            # (the protobuf slice has no latency_ns: its duration is the latency)
            if fmt == "json" and args.get("latency_ns") != latency:
                errs.append("%s: packet %#x at %d: latency_ns %s, expected %d" %
                            (fmt, skb, t0, args.get("latency_ns"), latency))
            if have != exp:
                errs.append("%s: packet %#x at %d: %s, expected %s" % (fmt, skb, t0, have, exp))
            named += any("blame-hog" in str(v) for v in have.values())
        if n != len(want):
            errs.append("%s: %d packets, latency %d" % (fmt, n, len(want)))
        if not named and not synthetic:
            errs.append("%s: no packet slice names the busy loop" % fmt)
        print("%s: %d packet slices, %d name the busy loop" % (fmt, n, named))
    for fmt in ("json", "pftrace"):
        got = packets(analyze, plain, os.path.join(work, "plain-args." + fmt))
        if not got or any(k.startswith("blame") for *_, a in got for k in a):
            errs.append("%s: %s: %d packets, blame args without sched/irq events" %
                        (fmt, plain, len(got)))
        got = packets(analyze, data, os.path.join(work, "no-blame." + fmt), ["--no-blame"])
        if len(got) != len(want) or any(k.startswith("blame") for *_, a in got for k in a):
            errs.append("%s: --no-blame: %d packets, %d in latency, or blame args" %
                        (fmt, len(got), len(want)))
    for e in errs[:40]:
        print("FAIL:", e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The default run on a recording without ovs-vswitchd (kdelay.data): kernel
delay of the busiest threads.

usage: busiest_check.py ANALYZE RECORDING

- text: a title line, the five busiest threads named, how to choose others;
- JSON: busiest_tids lists 5 threads; the window shows exactly those;
- each of them has the figures `kernel-delay --pid PID` gives for it (same
  engine, one process at a time), and no thread of any process of the
  recording scores higher (time on a CPU plus in system calls) than the
  least busy one shown.
"""
import json
import subprocess
import sys

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        print("FAIL: %s: exit %d: %s" % (args, r.returncode, r.stderr[-300:]))
        sys.exit(1)
    return r.stdout


def score(t):
    return t["run"]["total_ns"] + sum(s["total_ns"] for s in t["syscalls"])


def main():
    analyze, rec = sys.argv[1:3]
    text = run(analyze, "-q", rec)
    check("=== kernel-delay: " in text, "no kernel-delay title line")
    check("# No ovs-vswitchd in the recording: the 5 busiest threads" in text,
          "no busiest-threads line")
    check("# Others: ovsperf-analyze kernel-delay --pid PID FILE" in text, "no hint")
    kd = json.loads(run(analyze, "-q", "--json", rec))["reports"]["kernel_delay"]
    tids = kd.get("busiest_tids", [])
    check(len(tids) == 5, "busiest_tids: %s" % tids)
    shown = {t["tid"]: t for s in kd["samples"] for t in s["threads"]}
    check(sorted(shown) == sorted(tids), "threads shown %s, busiest %s" % (sorted(shown), tids))
    check([score(shown[t]) for t in tids] == sorted((score(shown[t]) for t in tids), reverse=True),
          "busiest_tids not in decreasing order")
    least = min(score(t) for t in shown.values())
    pids = sorted({t["pid"] for t in shown.values()})
    others = 0
    for pid in pids:
        one = json.loads(run(analyze, "kernel-delay", "-q", "--json", "--pid", str(pid), rec))
        for s in one["reports"]["kernel_delay"]["samples"]:
            for t in s["threads"]:
                if t["tid"] in shown:
                    check(t == shown[t["tid"]], "tid %d: figures differ from --pid %d" % (
                        t["tid"], pid))
                else:
                    others += 1
                    check(score(t) <= least, "tid %d (%d ns) busier than one shown (%d ns)" % (
                        t["tid"], score(t), least))
    print("busiest %s of process(es) %s; %d other thread(s) of them less busy" % (
        tids, pids, others))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

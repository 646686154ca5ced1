#!/usr/bin/env python3
"""lost.py - lost events are always reported, with perf's numbers.

Records raw_syscalls:sys_enter system-wide into a 1-page ring buffer
(perf record -m 1) while dd makes a few hundred thousand syscalls, until the
recording holds PERF_RECORD_LOST records, then compares ovsperf with perf:

  info --json  recording.lost_detail.records  == perf report --stats "LOST events"
               recording.lost_detail.events   == sum of PERF_RECORD_LOST.lost
                                                 (perf script --show-lost-events)
               recording.lost_detail.samples  == perf report "Total Lost Samples"
               recording.lost                 == the samples perf says were lost:
                                                 "Total Lost Samples" (LOST_SAMPLES,
                                                 kernel >= 6.0), else the LOST sum;
                                                 the two count the same drops and
                                                 must not be added up
  script --show-lost-events: one "LOST N events!" line per PERF_RECORD_LOST,
               same numbers, same order as perf script's
  info's text report has them on its "lost:" line; script warns on stderr.

Usage: lost.py --analyze BIN [--perf PERF] [--work DIR] [--keep]
Exit: 0 good, 1 a mismatch, 77 skip (not root, no tracefs, no loss obtained).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def sh(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def record(perf, path, count):
    r = sh([perf, "record", "-q", "-m", "1", "-a", "-e", "raw_syscalls:sys_enter", "-o", path,
            "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=%d" % count])
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--perf", default="perf")
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not shutil.which(a.perf):
        print("lost: SKIP: %s not found" % a.perf)
        return 77
    if os.geteuid() != 0 or not os.path.isdir("/sys/kernel/tracing/events/raw_syscalls"):
        print("lost: SKIP: needs root and tracefs (raw_syscalls)")
        return 77
    work = a.work or tempfile.mkdtemp(prefix="ovsperf-lost-")
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "lost.data")

    perf_lost = []
    for count in (100000, 300000, 1000000):
        if not record(a.perf, path, count):
            print("lost: SKIP: perf record failed")
            return 77
        out = sh([a.perf, "script", "--show-lost-events", "-i", path]).stdout.decode(
            "utf-8", "replace")
        perf_lost = [int(m.group(1)) for m in re.finditer(r"PERF_RECORD_LOST lost (\d+)", out)]
        if perf_lost:
            break
    if not perf_lost:
        print("lost: SKIP: no PERF_RECORD_LOST obtained with a 1-page buffer")
        return 77
    stats = sh([a.perf, "report", "--stats", "-i", path]).stdout.decode("utf-8", "replace")
    m = re.search(r"^\s*LOST events:\s+(\d+)", stats, re.M)
    perf_records = int(m.group(1)) if m else 0
    hdr = sh([a.perf, "report", "--stdio", "--sort", "comm", "-i", path]).stdout.decode(
        "utf-8", "replace")
    m = re.search(r"Total Lost Samples: (\d+)", hdr)
    perf_lost_samples = int(m.group(1)) if m else 0
    want_lost = perf_lost_samples or sum(perf_lost)
    print("perf: %d LOST records, %d events lost in them, %d lost samples (LOST_SAMPLES)"
          % (perf_records, sum(perf_lost), perf_lost_samples))

    bad = []
    r = sh([a.analyze, "info", "--json", path])
    if r.returncode != 0:
        bad.append("info --json: exit %d: %s" % (r.returncode, r.stderr.decode()[-300:]))
    else:
        rec = json.loads(r.stdout)["recording"]
        det = rec.get("lost_detail", {})
        print("ovsperf info: lost %s, detail %s" % (rec.get("lost"), det))
        for key, want in (("records", perf_records), ("events", sum(perf_lost)),
                          ("samples", perf_lost_samples)):
            if det.get(key) != want:
                bad.append("recording.lost_detail.%s is %s, perf says %d" % (key, det.get(key),
                                                                              want))
        if rec.get("lost") != want_lost:
            bad.append("recording.lost is %s, perf says %d lost samples" % (rec.get("lost"),
                                                                           want_lost))
    r = sh([a.analyze, "info", path])
    m = re.search(rb"^lost: +(\d+) events in (\d+) LOST records, (\d+) samples", r.stdout, re.M)
    if not m or [int(x) for x in m.groups()] != [sum(perf_lost), perf_records, perf_lost_samples]:
        bad.append("info: the 'lost:' line does not give perf's numbers: %r" % (
            m.group(0) if m else r.stdout[-400:]))

    r = sh([a.analyze, "script", "--show-lost-events", path])
    ours = [int(x) for x in re.findall(rb"^LOST (\d+) events!$", r.stdout, re.M)]
    if r.returncode != 0:
        bad.append("script: exit %d" % r.returncode)
    if ours != perf_lost:
        bad.append("script --show-lost-events: %d LOST lines (sum %d), perf script: %d (sum %d)"
                   % (len(ours), sum(ours), len(perf_lost), sum(perf_lost)))
    if b"were lost" not in r.stderr:
        bad.append("script: no warning about lost events on stderr: %r" % r.stderr[-300:])

    for b in bad:
        print("FAIL: " + b)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)	# the recording is tens of MB
    if bad:
        return 1
    print("lost: ovsperf reports the losses perf reports")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
uc_caps_check.py - the cap on the events upcall-cost keeps to match
(1,000,000, ovsperf-analyze(1), LIMITS), on recordings written by
`gen-upcall flood:N`: gen-upcall's rounds with known answers, then N kernel
upcalls that no handler receives.

- Below the cap (N = 900,000): every answer as the generator computed it,
  no warning, exit 0.
- Past it (N = 1,100,000): exit 2, one warning naming the cap and the JSON
  document's recording.partial true (false below); everything
  before the cap as the answers say (sets, threads, batches, sections, the
  events counted), only the kernel upcalls not kept are missing from the
  "no recv_upcall" count.
- Memory is flat past the cap: N = 2,200,000 peaks no higher than
  N = 1,100,000 plus 16 MB (peak RSS from the kernel, wait4; no timing).

Usage: uc_caps_check.py GEN_UPCALL ANALYZER WORKDIR
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import peakrss  # noqa: E402

from uc_check import compare

CAP = 1000000
WARNING = "upcall-cost: more than %d upcall events to match" % CAP
SLACK_KB = 16 * 1024



def run(analyzer, args, work):
    """ovsperf-analyze ARGS: (exit status, stdout, stderr, peak RSS in KB)."""
    return peakrss.run([analyzer] + args, work, tag="uc-caps")


def flood(gen, analyzer, work, n, args=("--json",)):
    """Write flood:N, run upcall-cost on it; (answers, exit, report or None, stderr, RSS)."""
    data = os.path.join(work, "uc-flood.data")
    answers = os.path.join(work, "uc-flood.json")
    subprocess.run([gen, "flood:%d" % n, data, answers], check=True)
    want = json.load(open(answers))["all"]
    rc, out, err, rss = run(analyzer, ["upcall-cost"] + list(args) + [data], work)
    os.unlink(data)
    os.unlink(answers)
    doc = json.loads(out) if out.startswith("{") else None
    got = doc["reports"]["upcall_cost"] if doc else None
    if got is not None:
        got["_partial"] = doc["recording"]["partial"]
    return want, rc, got, err, rss


def main():
    gen, analyzer, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    errors = []

    want, rc, got, err, _ = flood(gen, analyzer, work, 900000)
    print("below the cap: exit %d, stderr %r" % (rc, err))
    if rc != 0 or WARNING in err or got is None:
        errors.append("below the cap: exit %d, no cap warning expected: %s" % (rc, err))
    else:
        compare(want, got, "below the cap", errors)
        if got["_partial"] is not False:
            errors.append("below the cap: recording.partial %r" % got["_partial"])

    want, rc, got, err, rss = flood(gen, analyzer, work, 1100000)
    lines = [l for l in err.splitlines() if WARNING in l]
    print("past the cap: exit %d, %d cap warning(s), peak %d KB" % (rc, len(lines), rss))
    if rc != 2:
        errors.append("past the cap: exit %d, expected 2" % rc)
    if len(lines) != 1 or len(err.splitlines()) != 1:
        errors.append("past the cap: expected one warning naming it, got %r" % err)
    if got is None:
        errors.append("past the cap: no report")
    else:
        # Usable events past the cap are counted, not kept: each was a kernel
        # upcall nobody received, now missing from that count only.
        refused = sum(e["usable"] for e in want["events"].values()) - CAP
        want["uncorrelated"]["dp_upcall_no_recv"] -= refused
        compare(want, got, "past the cap", errors)
        if got["_partial"] is not True:
            errors.append("past the cap: recording.partial %r, expected true" % got["_partial"])
    _, rc2, _, _, rss2 = flood(gen, analyzer, work, 2200000, args=("-q",))
    print("twice past the cap: exit %d, peak %d KB" % (rc2, rss2))
    if rc2 != 2:
        errors.append("twice past the cap: exit %d, expected 2" % rc2)
    if rss2 > rss + SLACK_KB:
        errors.append("memory grows past the cap: %d KB for 2,200,000 upcalls, %d KB for "
                      "1,100,000" % (rss2, rss))
    if errors:
        print("\n".join(errors))
        print("FAIL: %d differences" % len(errors))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

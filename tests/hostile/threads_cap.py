#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# threads_cap.py - the cap on the reader's table of threads (1,048,576 named
# by COMM or FORK records, ovsperf-analyze(1) LIMITS), on recordings of
# `gen-bomb comms N`: N COMM records each naming a thread of its own, then a
# sample of thread 5 and one of the last thread.
#
# - 1,000,000 threads (below the cap): `script` names both, no warning, exit 0.
# - 1,100,000 (past it): exit 2 and one warning naming the cap; thread 5
#   keeps its name, the last has none (":TID", as for a thread without COMM).
# - 2,200,000: peak memory no higher than for 1,100,000 plus 24 MB (the table
#   stops growing; uncapped it grows ~60 MB a million threads).  Peak RSS from
#   the kernel (wait4), no timing.
#
# Usage: threads_cap.py GEN_BOMB OVSPERF_ANALYZE WORKDIR
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import peakrss  # noqa: E402

gen, analyze, work = sys.argv[1:4]
CAP = 1048576
WARNING = "more than %d threads named by COMM or FORK records" % CAP
SLACK_KB = 24 * 1024
failures = 0



def fail(msg):
    global failures
    print("FAIL: " + msg)
    failures += 1


def script(n):
    """`script` on gen-bomb comms N: (exit status, stdout lines, stderr, peak RSS KB)."""
    data = os.path.join(work, "comms.data")
    subprocess.run([gen, "comms", data, str(n)], check=True)
    rc, out, err, kb = peakrss.run([analyze, "script", data], work, tag="comms")
    os.unlink(data)
    return rc, [l.split()[:2] for l in out.splitlines()], err, kb


os.makedirs(work, exist_ok=True)
n = 1000000
rc, lines, err, _ = script(n)
if rc != 0 or err or lines != [["t5", "100005"], ["t%d" % (n - 1), str(100000 + n - 1)]]:
    fail("below the cap: exit %d, %r, stderr %r" % (rc, lines, err))

n = 1100000
rc, lines, err, rss = script(n)
print("past the cap: exit %d, peak %d KB, stderr %r" % (rc, rss, err))
last = str(100000 + n - 1)
if rc != 2:
    fail("past the cap: exit %d, expected 2" % rc)
if len(err.splitlines()) != 1 or WARNING not in err:
    fail("past the cap: expected one warning naming the cap, got %r" % err)
if lines != [["t5", "100005"], [":" + last, last]]:
    fail("past the cap: %r, expected thread 5 named and the last not" % lines)

rc, _, err, rss2 = script(2 * n)
print("twice past the cap: exit %d, peak %d KB" % (rc, rss2))
if rc != 2 or len(err.splitlines()) != 1:
    fail("twice past the cap: exit %d, stderr %r" % (rc, err))
if rss2 > rss + SLACK_KB:
    fail("memory grows past the cap: %d KB for %d threads, %d KB for %d" %
         (rss2, 2 * n, rss, n))
print("PASS" if not failures else "%d failure(s)" % failures)
sys.exit(1 if failures else 0)

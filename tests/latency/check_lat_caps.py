#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_lat_caps.py - the caps on latency's device names (4,096) and (device,
# flow) attributes (262,144), ovsperf-analyze(1) LIMITS, on recordings
# written by `gen-flows ... distinct`: every packet on a device and a flow of
# its own, sent 500 ns after it is received.
#
# - 4,000 packets (below both caps): no warning, exit 0.
# - 300,000 packets (past both): exit 2 with exactly the two warnings, the
#   JSON document's recording.partial true (false below the caps); every
#   span is counted; devices d0..d4095 have their rows, the first 4,000 the
#   same as below the caps, the rest count under no device; --dev and a flow
#   filter still find a packet below the caps, not one past them.
# - 600,000 packets: peak memory no higher than for 300,000 plus 16 MB (the
#   tables stop growing at the caps; the kernel's peak RSS, no timing).
#
# Usage: check_lat_caps.py GEN_FLOWS OVSPERF_ANALYZE TMPDIR
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import peakrss  # noqa: E402

gen, analyze, tmp = sys.argv[1:4]
DEVS, ATTRS = 4096, 262144
WARN_DEV = "latency: more than %d distinct device names" % DEVS
WARN_ATTR = "latency: more than %d distinct (device, flow) attributes" % ATTRS
SLACK_KB = 16 * 1024
failures = 0



def fail(msg):
    global failures
    print("FAIL: " + msg)
    failures += 1


def generate(n):
    path = os.path.join(tmp, "latcaps-%d.data" % n)
    subprocess.run([gen, path, path + ".kallsyms", str(n), "distinct"], check=True)
    return path


def run(args):
    """ovsperf-analyze ARGS: (exit status, stdout, stderr, peak RSS in KB)."""
    return peakrss.run([analyze] + args, tmp, tag="latcaps")


def span(out):
    return json.loads(out)["reports"]["latency"]["spans"][0]


def partial(out):
    return json.loads(out)["recording"]["partial"]


os.makedirs(tmp, exist_ok=True)
few = generate(4000)
rc, out, err, _ = run(["latency", "--json", few])
if rc != 0 or err:
    fail("below the caps: exit %d, stderr %r (expected 0, nothing)" % (rc, err))
below = span(out)
if partial(out) is not False:
    fail("below the caps: recording.partial %r, expected false" % partial(out))
if below["count"] != 4000 or len(below["by_dev"]) != 4000:
    fail("below the caps: %d spans on %d devices, expected 4000 on 4000" %
         (below["count"], len(below["by_dev"])))

many = generate(300000)
rc, out, err, rss = run(["latency", "--json", many])
print("past the caps: exit %d, peak %d KB, stderr %r" % (rc, rss, err))
lines = err.splitlines()
if rc != 2:
    fail("past the caps: exit %d, expected 2" % rc)
if len(lines) != 2 or WARN_DEV not in lines[0] or WARN_ATTR not in lines[1]:
    fail("past the caps: expected the two cap warnings, got %r" % err)
past = span(out)
if partial(out) is not True:
    fail("past the caps: recording.partial %r, expected true" % partial(out))
by_dev = {d["dev"]: d for d in past["by_dev"]}
if past["count"] != 300000:
    fail("past the caps: %d spans, expected 300000" % past["count"])
named = [d for d in by_dev if d]
if sorted(named) != sorted("d%d" % i for i in range(DEVS)):
    fail("past the caps: %d named devices, expected d0..d%d" % (len(named), DEVS - 1))
if by_dev.get(None, {}).get("count") != 300000 - DEVS:
    fail("past the caps: %r spans without device, expected %d" %
         (by_dev.get(None, {}).get("count"), 300000 - DEVS))
for d in below["by_dev"]:
    if by_dev.get(d["dev"]) != d:
        fail("device %s: %r past the caps, %r below them" % (d["dev"], by_dev.get(d["dev"]), d))
        break
# Filters: a device and a flow below the caps are found, past them not.
for args, want in ((["--dev", "d7"], 1), (["--src-ip", "10.0.0.9"], 1),
                   (["--src-ip", "10.4.0.0"], 0)):
    rc, out, err, _ = run(["latency", "--json", "-q"] + args + [many])
    got = span(out)["count"] if out.startswith("{") else None
    if rc != 2 or got != want:
        fail("%s past the caps: exit %d, %r spans (expected exit 2, %d)" %
             (" ".join(args), rc, got, want))

more = generate(600000)
rc, _, err, rss2 = run(["latency", "--json", "-q", more])
print("twice as many: exit %d, peak %d KB" % (rc, rss2))
if rc != 2:
    fail("600000 packets: exit %d, expected 2" % rc)
if rss2 > rss + SLACK_KB:
    fail("memory grows past the caps: %d KB for 600000 packets, %d KB for 300000" %
         (rss2, rss))

for f in (few, many, more):
    for p in (f, f + ".kallsyms"):
        os.unlink(p)
print("PASS" if not failures else "%d failure(s)" % failures)
sys.exit(1 if failures else 0)

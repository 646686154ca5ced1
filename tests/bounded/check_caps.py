#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_caps.py - the caps on tables keyed by something from the recording
# (ovsperf-analyze(1), LIMITS), each on a generated recording that goes past
# it: the command reads to the end, prints exactly one warning naming the cap
# and exits 2 (partial results), and its peak memory stays under a bound; the
# same recording cut below the cap gives no such warning and exits 0.
#
# Devices (65,536 distinct names, decode/devtab.h): gen-synth -m devs puts
# each packet on a device of its own name; journey, drops and export intern
# device names.
#
# Packet identities (1,000,000 in flight, latency --key head): make-clone-data
# noend writes 1,050,000 packets that never end, each one ovsperf:recv on an
# skb and a head of its own; below the cap, 900,000.  (The open-span cap of
# 65,536 warns too, as check_bounds.py tests.)
#
# Per-CPU rows of latency (1,024 CPU numbers): gen-synth -m cpus gives each
# sample in turn a CPU number of 0 .. 2047; past the cap the table has 1,024
# rows and every packet is still counted in the span.
#
# The blame engine's tasks (65,536 named, 65,536 followed): gen-synth -m live
# switches to a new thread of its own at every turn (it has no packets);
# past the caps both warnings and exit 2, below them neither.
#
# Usage: check_caps.py GEN_SYNTH OVSPERF_ANALYZE TRACEFS_COPY TMPDIR MAKE_CLONE_DATA
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import peakrss  # noqa: E402

gen, analyze, tracefs, tmp, clone = sys.argv[1:6]
DEV_CAP = 65536
DEV_WARNING = "more than %d distinct device names" % DEV_CAP
PEAK_KB = 160 * 1024	# every command here peaks near 60 MB (ASan build: more)
ID_CAP = 1000000
ID_WARNING = "latency --key head: more than %d packets were in flight" % ID_CAP
ID_PEAK_KB = 400 * 1024	# ~72 + 40 bytes an identity, open spans capped: ~160 MB
failures = 0


def fail(msg):
    global failures
    print("FAIL: " + msg)
    failures += 1


def generate(mode, n, name):
    path = os.path.join(tmp, name)
    subprocess.run([gen, "-t", tracefs, "-m", mode, "-n", str(n), "-o", path], check=True,
                   stdout=subprocess.DEVNULL)
    return path


env = peakrss.ENV


def run(args):
    """Run ovsperf-analyze ARGS; return (exit status, stderr, peak RSS in KB)."""
    rc, _, err, kb = peakrss.run([analyze] + args, tmp, tag="caps", stdout=False)
    return rc, err, kb


os.makedirs(tmp, exist_ok=True)
# ~3 events a packet: 260,000 events are ~86,000 packets, so ~86,000 devices;
# 120,000 events stay below the cap.
many = generate("devs", 260000, "caps-devs.data")
few = generate("devs", 120000, "caps-devs-few.data")
trace = os.path.join(tmp, "caps.pftrace")
for cmd in (["journey"], ["drops"], ["export", "--perfetto", trace]):
    rc, err, rss = run(cmd + [many])
    lines = [l for l in err.splitlines() if DEV_WARNING in l]
    print("%s: exit %d, %d cap warning(s), peak %d KB" % (cmd[0], rc, len(lines), rss))
    if rc != 2:
        fail("%s past the device cap: exit %d, expected 2: %s" % (cmd[0], rc, err))
    if len(lines) != 1:
        fail("%s past the device cap: expected one warning naming it, got %r" % (cmd[0], err))
    if rss > PEAK_KB:
        fail("%s past the device cap peaks at %d KB (bound %d KB)" % (cmd[0], rss, PEAK_KB))
    rc, err, _ = run(cmd + [few])
    if rc != 0 or DEV_WARNING in err:
        fail("%s below the device cap: exit %d, no cap warning expected: %s" %
             (cmd[0], rc, err))

# Per-CPU rows of latency: past the cap on -m cpus, below it on the same
# number of normal events (4 CPUs).
CPU_WARNING = "more than 1024 CPU numbers in the samples"
for mode, past in (("cpus", True), ("normal", False)):
    path = generate(mode, 60000, "caps-cpus.data")
    out = subprocess.run([analyze, "latency", "--json", "--no-blame", path], capture_output=True,
                         text=True, env=env)
    sp = json.loads(out.stdout)["reports"]["latency"]["spans"][0]
    rows = sp["by_cpu"]
    in_rows = sum(r["count"] for r in rows)
    lines = [l for l in out.stderr.splitlines() if CPU_WARNING in l]
    print("latency, -m %s: exit %d, %d cap warning(s), %d rows, %d of %d packets in them" %
          (mode, out.returncode, len(lines), len(rows), in_rows, sp["count"]))
    if past and (out.returncode != 2 or len(lines) != 1 or len(rows) != 1024 or
                 not 0 < in_rows < sp["count"] or sp["count"] < 20000 or
                 "leaves out the %d packets" % (sp["count"] - in_rows) not in lines[0] or
                 not json.loads(out.stdout)["recording"]["partial"]):
        fail("latency past the per-CPU cap: exit %d, rows %d, stderr %r" %
             (out.returncode, len(rows), out.stderr))
    if not past and (out.returncode != 0 or out.stderr or in_rows != sp["count"]):
        fail("latency below the per-CPU cap: exit %d, rows %d, stderr %r" %
             (out.returncode, len(rows), out.stderr))
    os.unlink(path)

# The blame engine's tasks.
BLAME_WARNINGS = ("blame: more than 65536 tasks and interrupts named",
                  "blame: more than 65536 tasks followed")
for n, past in ((300000, True), (100000, False)):
    path = generate("live", n, "caps-live.data")
    out = subprocess.run([analyze, "latency", "--json", "--table", path], capture_output=True,
                         text=True, env=env)
    ref = subprocess.run([analyze, "latency", "--json", "--no-blame", path],
                         capture_output=True, text=True, env=env)
    doc = json.loads(out.stdout)
    sp = doc["reports"]["latency"]["spans"][0]
    want = json.loads(ref.stdout)["reports"]["latency"]["spans"][0]
    said = [w for w in BLAME_WARNINGS if sum(w in l for l in out.stderr.splitlines()) == 1]
    bad_sum = [p for p in sp["packets"] if sum(i["ns"] for i in p["blame"]) != p["latency_ns"]]
    print("latency, %d events of -m live: exit %d, %d of the 2 blame cap warnings, %d packets, "
          "%d whose blame does not add up" % (n, out.returncode, len(said), sp["count"],
                                              len(bad_sum)))
    if sp["count"] != want["count"] or bad_sum:
        fail("latency -m live: %d packets (%d without blame), %d blames not adding up" %
             (sp["count"], want["count"], len(bad_sum)))
    if past and (out.returncode != 2 or len(said) != 2 or not doc["recording"]["partial"]):
        fail("latency past the blame caps: exit %d, stderr %r" % (out.returncode, out.stderr))
    if not past and (out.returncode != 0 and ref.returncode == 0 or
                     any(w in out.stderr for w in BLAME_WARNINGS)):
        fail("latency below the blame caps: exit %d, stderr %r" % (out.returncode, out.stderr))
    os.unlink(path)

# Packet identities.
ids = os.path.join(tmp, "caps-ids.data")
ids_few = os.path.join(tmp, "caps-ids-few.data")
subprocess.run([clone, ids, "1050000", "noend"], check=True)
subprocess.run([clone, ids_few, "900000", "noend"], check=True)
lat = ["latency", "--span", "ovsperf:recv->ovsperf:xmit", "--key", "head", "--no-blame"]
rc, err, rss = run(lat + [ids])
lines = [l for l in err.splitlines() if ID_WARNING in l]
print("latency --key head: exit %d, %d cap warning(s), peak %d KB" % (rc, len(lines), rss))
if rc != 2:
    fail("latency --key head past the identity cap: exit %d, expected 2: %s" % (rc, err))
if len(lines) != 1:
    fail("latency --key head past the identity cap: expected one warning naming it, got %r"
         % err)
if rss > ID_PEAK_KB:
    fail("latency --key head past the identity cap peaks at %d KB (bound %d KB)" %
         (rss, ID_PEAK_KB))
# Below the identity cap, the cap of open spans is still reached (900,000
# never end): exit 2 with that warning alone.
rc, err, _ = run(lat + [ids_few])
if rc != 2 or ID_WARNING in err or len(err.splitlines()) != 1 or "65536" not in err:
    fail("latency --key head below the identity cap: exit %d (expected 2), only the "
         "open-span cap's warning expected: %s" % (rc, err))

for f in (many, few, trace, ids, ids_few, ids + ".kallsyms", ids_few + ".kallsyms"):
    if os.path.exists(f):
        os.unlink(f)
print("PASS" if not failures else "%d failure(s)" % failures)
sys.exit(1 if failures else 0)

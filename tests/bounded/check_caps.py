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
# Usage: check_caps.py GEN_SYNTH OVSPERF_ANALYZE TRACEFS_COPY TMPDIR MAKE_CLONE_DATA
import os
import subprocess
import sys

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


env = dict(os.environ)
env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"


def run(args):
    """Run ovsperf-analyze ARGS; return (exit status, stderr, peak RSS in KB)."""
    err = os.path.join(tmp, "caps-err")
    with open(err, "w") as e:
        p = subprocess.Popen([analyze] + args, stdout=subprocess.DEVNULL, stderr=e, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    with open(err) as e:
        return os.waitstatus_to_exitcode(status), e.read(), ru.ru_maxrss


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

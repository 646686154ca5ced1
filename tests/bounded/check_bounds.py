#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_bounds.py - memory stays bounded when packets never complete: on a
# generated recording of 600,000 packets whose end events never come
# (gen-synth -m noend, each on a new skb address), `latency` and `export`
# peak no higher than on a normal recording of the same size plus the
# documented caps (65,536 open spans of ~128 bytes; export: 262,144 skb
# generations of 16 bytes, table half full), and report what they
# dropped: every span unfinished, all but 65,536 expired at the cap, one
# warning, exit 2 (partial results).  With --span-timeout 0.001 spans expire
# by time instead (no warning, exit 0).  Peak RSS is the kernel's for each
# child (wait4), not a timing.
#
# Usage: check_bounds.py GEN_SYNTH OVSPERF_ANALYZE TRACEFS_COPY TMPDIR
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import peakrss  # noqa: E402

gen, analyze, tracefs, tmp = sys.argv[1:5]
CAP = 65536
SLACK_KB = 16 * 1024	# the cap's spans (~8 MB) and their table, with room
EXPORT_SLACK_KB = 24 * 1024	# and export's skb generations (262,144: 8 MB)
failures = 0


def fail(msg):
    global failures
    print("FAIL: " + msg)
    failures += 1


def generate(mode, n):
    path = os.path.join(tmp, "bounds-%s.data" % mode)
    subprocess.run([gen, "-t", tracefs, "-m", mode, "-n", str(n), "-o", path], check=True,
                   stdout=subprocess.DEVNULL)
    return path


# In a sanitizer build, freed blocks wait in ASan's quarantine (256 MB by
# default) instead of returning to the heap: the tool's memory, not the
# program's.  A small quarantine keeps the comparison about the program.


def run(args):
    """Run ovsperf-analyze ARGS; return (exit status, stdout, stderr, peak RSS in KB)."""
    return peakrss.run([analyze] + args, tmp)


os.makedirs(tmp, exist_ok=True)
noend = generate("noend", 600000)
normal = generate("normal", 600000)

# latency: counters and peak memory.
rc, out, err, rss_noend = run(["latency", "--no-blame", "--json", noend])
if rc != 2:
    fail("latency on the never-ending recording (past the cap): exit %d, expected 2: %s" %
         (rc, err))
if out:
    sp = json.loads(out)["reports"]["latency"]["spans"][0]
    started = sp["started"]
    print("latency: started %d, unfinished %d, expired %d (cap %d), peak %d KB" %
          (started, sp["unfinished"], sp.get("expired", 0), sp.get("expired_cap", 0), rss_noend))
    if sp["completed"] != 0 or sp["unfinished"] != started:
        fail("every span must be unfinished: %d started, %d unfinished, %d completed" %
             (started, sp["unfinished"], sp["completed"]))
    if sp.get("expired") != started - CAP or sp.get("expired_cap") != started - CAP:
        fail("expired %s, expired_cap %s: expected %d (all but %d open at once)" %
             (sp.get("expired"), sp.get("expired_cap"), started - CAP, CAP))
    if sp.get("span_timeout_ns") != 5000000000:
        fail("span_timeout_ns %s, expected the default 5 s" % sp.get("span_timeout_ns"))
    warnings = [l for l in err.splitlines() if "warning" in l]
    if len(warnings) != 1 or str(CAP) not in warnings[0]:
        fail("expected one warning naming the cap, got: %r" % warnings)
rc, out, err, rss_normal = run(["latency", "--no-blame", "--json", normal])
rss_latency_normal = rss_normal
print("latency: normal recording, peak %d KB" % rss_normal)
if rc != 0:
    fail("latency on the normal recording: exit %d: %s" % (rc, err))
elif "expired" in json.loads(out)["reports"]["latency"]["spans"][0]:
    fail("nothing may expire on the normal recording")
if rss_noend > rss_normal + SLACK_KB:
    fail("latency peaks at %d KB on never-ending spans, %d KB on complete ones: more than "
         "the cap's %d KB apart" % (rss_noend, rss_normal, SLACK_KB))

# --span-timeout: spans expire by time, before the cap; no warning.
rc, out, err, _ = run(["latency", "--no-blame", "--json", "--span-timeout", "0.001", noend])
if rc != 0:
    fail("latency --span-timeout 0.001: exit %d: %s" % (rc, err))
else:
    sp = json.loads(out)["reports"]["latency"]["spans"][0]
    if sp.get("expired_cap") != 0 or sp.get("expired", 0) < sp["started"] // 2 or \
       sp.get("span_timeout_ns") != 1000000:
        fail("--span-timeout 0.001: expired %s, expired_cap %s of %d started" %
             (sp.get("expired"), sp.get("expired_cap"), sp["started"]))
    if "warning" in err:
        fail("--span-timeout 0.001: no cap reached, no warning expected: %s" % err)
rc, out, err, _ = run(["latency", "--span-timeout", "soon", noend])
if rc == 0 or "--span-timeout" not in err:
    fail("--span-timeout soon must be refused: exit %d, %s" % (rc, err))

# export: the same bound.
# The JSON form: the protobuf writer keeps a set of every track it described.
trace = os.path.join(tmp, "bounds.json")
# Past the caps of open spans and skb generations: exit 2, also with -q.
rc, _, err, rss_noend = run(["export", "-q", "--perfetto", trace, noend])
if rc != 2 or err:
    fail("export -q on the never-ending recording: exit %d (expected 2), stderr %r" %
         (rc, err))
# Without -q: one warning for each cap, naming the table and the cap
# (the 600,000 addresses pass 262,144 twice: the generations restart from
# 0 twice).
rc, _, err, _ = run(["export", "--no-blame", "--perfetto", trace, noend])
warns = [ln for ln in err.splitlines() if "warning" in ln]
if rc != 2 or len(warns) != 2 or \
        "more than %d packets were in flight at once" % CAP not in warns[0] or \
        "more than 262144 skb addresses: packet generations (gen) counted again from 0, " \
        "2 time(s)" not in warns[1]:
    fail("export on the never-ending recording: exit %d, warnings %r" % (rc, warns))
rc, _, err, rss_normal = run(["export", "-q", "--perfetto", trace, normal])
print("export: peak %d KB never-ending, %d KB normal" % (rss_noend, rss_normal))
if rc != 0:
    fail("export on the normal recording: exit %d: %s" % (rc, err))
if rss_noend > rss_normal + EXPORT_SLACK_KB:
    fail("export peaks at %d KB on never-ending spans, %d KB on complete ones" %
         (rss_noend, rss_normal))

# kernel-delay: 200,000 short-lived threads (switched in and out, then their
# EXIT record) of a process other than the monitored one are freed once
# exited (at most 8,192 wait, ~2 KB each): the peak stays within that of the
# latency report on a recording of the same size; the worker's figures stay.
threads = generate("threads", 600000)
rc, out, err, rss = run(["kernel-delay", "--pid", "2000", "--json", threads])
print("kernel-delay: 200,000 exiting threads, peak %d KB" % rss)
if rc != 0:
    fail("kernel-delay on the threads recording: exit %d: %s" % (rc, err))
elif [t["tid"] for t in
      json.loads(out)["reports"]["kernel_delay"]["samples"][0]["threads"]] != [2000]:
    fail("kernel-delay --pid 2000: the worker thread 2000 alone must be reported")
if rss > rss_latency_normal + EXPORT_SLACK_KB:
    fail("kernel-delay peaks at %d KB on exiting threads, latency at %d KB on a file of the "
         "same size" % (rss, rss_latency_normal))
# export's thread tracks go too, a horizon after the exit (at most 8,192 wait).
# --no-blame: the blame engine's task table keeps one entry per task (uncapped,
# as for latency --no-blame above; ovsperf-analyze(1), LIMITS).
rc, _, err, rss = run(["export", "-q", "--no-blame", "--perfetto", trace, threads])
print("export: 200,000 exiting threads, peak %d KB" % rss)
if rc != 0:
    fail("export on the threads recording: exit %d: %s" % (rc, err))
if rss > rss_latency_normal + SLACK_KB:
    fail("export peaks at %d KB on exiting threads, latency at %d KB on a file of the same "
         "size" % (rss, rss_latency_normal))

for f in (noend, normal, trace, threads):
    os.unlink(f)
print("PASS" if not failures else "%d failure(s)" % failures)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_bench_equiv.py - the benchmark compares like with like: on a small
# gen-synth recording,
#   - read-bench delivers every sample gen-synth wrote, in time order;
#   - perf script reads the file and prints one line per sample, times never
#     going back;
#   - `ovsperf-analyze latency` and `perf script -s bench/latency.py` print
#     the same statistics (count, min, mean, stddev, p50, p90, p99, p99.9,
#     max) for the span, each CPU and each device.
#
# Usage: check_bench_equiv.py GEN_SYNTH READ_BENCH OVSPERF_ANALYZE LATENCY_PY TMPDIR
# Exit 77 (skip) without root, tracefs or perf with Python scripting.
import os
import re
import shutil
import subprocess
import sys

gen, rbench, analyze, lat_py, tmp = sys.argv[1:6]


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


if os.geteuid() != 0:
    skip("needs root (tracefs formats)")
if not os.path.exists("/sys/kernel/tracing/events/net/netif_rx/format"):
    skip("no tracefs with net:netif_rx")
if not shutil.which("perf"):
    skip("perf is not installed")

os.makedirs(tmp, exist_ok=True)
data = os.path.join(tmp, "bench-equiv.data")
written = int(subprocess.run([gen, "-o", data, "-n", "60000", "-c", "3", "-w", "1000"],
                             check=True, capture_output=True, text=True).stdout)
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        print("FAIL: " + msg)
        failures += 1


out = subprocess.run([rbench, data], check=True, capture_output=True, text=True).stdout
m = re.search(r"events (\d+) .* out_of_order (\d+)", out)
check(m and int(m.group(1)) == written, "read-bench events %s != written %d" % (
    m and m.group(1), written))
check(m and int(m.group(2)) == 0, "read-bench saw time go back")

p = subprocess.run(["perf", "script", "-i", data, "-F", "time"], capture_output=True,
                   text=True)
if p.returncode != 0:
    print(p.stderr)
check(p.returncode == 0, "perf script failed on the gen-synth file")
times = [float(x.strip().rstrip(":")) for x in p.stdout.split()]
check(len(times) == written, "perf script printed %d samples, written %d" % (
    len(times), written))
check(all(a <= b for a, b in zip(times, times[1:])), "perf script times go back")

p = subprocess.run(["perf", "script", "-i", data, "-s", lat_py], capture_output=True,
                   text=True)
if "Python" in p.stderr and p.returncode != 0:
    skip("perf has no Python scripting")
check(p.returncode == 0, "perf script -s latency.py failed: " + p.stderr[-500:])
ours = subprocess.run([analyze, "latency", "-q", data], check=True, capture_output=True,
                      text=True).stdout

NUM = r"((?:\s+[0-9.]+){9})"


def rows(text, pattern):
    got = {}
    for line in text.splitlines():
        mm = re.match(r"^\s+" + pattern + NUM, line)
        if mm:
            got.setdefault(mm.group(1), [float(x) for x in mm.group(2).split()])
    return got


# The span row: "span net:netif_rx->net:netif_receive_skb" (ours), "span" (Python).
ours_span = rows(ours, r"(span) net:netif_rx->net:netif_receive_skb")
py_span = rows(p.stdout, r"(span)")
check(ours_span.get("span") and ours_span.get("span") == py_span.get("span"),
      "span row: ovsperf %s, python %s" % (ours_span.get("span"), py_span.get("span")))
check(ours_span.get("span") and ours_span["span"][0] > 10000, "too few packets correlated")
ours_cpu, py_cpu = rows(ours, r"(cpu \d+)"), rows(p.stdout, r"(cpu \d+)")
check(len(ours_cpu) == 3 and ours_cpu == py_cpu, "per-CPU rows differ: %s vs %s" % (
    ours_cpu, py_cpu))
devs = r"(vnet0|vnet1|eth0|ovs-p1)"
ours_dev, py_dev = rows(ours, devs), rows(p.stdout, devs)
check(len(ours_dev) == 4 and ours_dev == py_dev, "per-device rows differ: %s vs %s" % (
    ours_dev, py_dev))
os.unlink(data)
if failures:
    sys.exit(1)
print("ok: %d samples; span, %d CPU and %d device rows equal" % (
    written, len(ours_cpu), len(ours_dev)))

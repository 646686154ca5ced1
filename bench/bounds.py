#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# bounds.py - memory and time of ovsperf-analyze on hostile recordings, one
# binary against another (before/after a change):
#
#   bench/bounds.py --gen build/gen-synth --before OLD/ovsperf-analyze \
#                   --after build/ovsperf-analyze [--out bench/out] [--farm]
#
# Inputs, written with gen-synth (needs tracefs formats: root):
#   noend-2m    2 M packets whose end events never come (net:netif_rx only,
#               each on a new skb address)
#   collide-80k 80,000 such packets on addresses that all fall in one bucket
#               of the former span-table hash (hash flooding)
#   threads-1m  1 M short-lived threads: switched in, out, EXIT record
#   synth-2m    the normal synthetic recording (packets complete)
#   noend-1m/4m the never-ending one at 1 M and 4 M (after only: linear time,
#               flat memory)
# Each command runs once per binary (peak RSS and CPU from wait4, so the
# figures are the kernel's); the slowest former cases take ~30 s.  With
# --farm, farm-bench times the latency report on a 10 M-event synthetic
# recording, after vs before, paired, 15 runs each (quote the median ratio).
import argparse
import os
import resource
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--gen", required=True)
ap.add_argument("--before", required=True)
ap.add_argument("--after", required=True)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
ap.add_argument("--farm", action="store_true")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)


def data(name, mode, n):
    path = os.path.join(args.out, name + ".data")
    if not os.path.exists(path):
        subprocess.run([args.gen, "-m", mode, "-n", str(n), "-o", path], check=True,
                       stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:	# in the page cache, as every run will see it
        while f.read(1 << 24):
            pass
    return path


def measure(binary, cmd):
    p = subprocess.Popen([binary] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


inputs = {
    "noend-2m": data("noend-2m", "noend", 2000000),
    "collide-80k": data("collide-80k", "collide", 80000),
    "threads-1m": data("threads-1m", "threads", 3000000),
    "synth-2m": data("synth-2m", "normal", 2000000),
}
cases = [
    ("latency, 2 M never-ending spans", ["latency", "-q", inputs["noend-2m"]]),
    ("latency, 80 k colliding skb addresses", ["latency", "-q", inputs["collide-80k"]]),
    ("export, 2 M never-ending spans", ["export", "-q", "--perfetto", "/dev/null",
                                        inputs["noend-2m"]]),
    ("export, 2 M synthetic events", ["export", "-q", "--perfetto", "/dev/null",
                                      inputs["synth-2m"]]),
    ("kernel-delay --pid 2000, 1 M exiting threads", ["kernel-delay", "-q", "--pid", "2000",
                                                      inputs["threads-1m"]]),
    ("export, 1 M exiting threads", ["export", "-q", "--perfetto", "/dev/null",
                                     inputs["threads-1m"]]),
    ("latency, 2 M synthetic events", ["latency", "-q", inputs["synth-2m"]]),
]
print("| case | before: CPU s, peak MB | after: CPU s, peak MB |")
print("|---|---|---|")
for name, cmd in cases:
    b = measure(args.before, cmd)
    a = measure(args.after, cmd)
    print("| %s | %.2f s, %.0f MB | %.2f s, %.0f MB |" % (name, b[0], b[1], a[0], a[1]))
    sys.stdout.flush()

print("\nafter, never-ending spans at three sizes (linear time, flat memory):\n")
print("| packets | CPU s | peak MB |")
print("|---|---|---|")
for n, label in ((1000000, "1 M"), (2000000, "2 M"), (4000000, "4 M")):
    path = data("noend-%d" % n, "noend", n)
    a = measure(args.after, ["latency", "-q", path])
    print("| %s | %.2f | %.0f |" % (label, a[0], a[1]))
    sys.stdout.flush()

if args.farm:
    synth = data("synth-10m", "normal", 10000000)
    print("\nfarm-bench, latency on the 10 M-event synthetic recording, after (A) vs before (B):")
    sys.stdout.flush()
    subprocess.run(["farm-bench", "-n", "15", "--warmup", "2", "--timeout", "600", "--vs",
                    "%s latency -q %s" % (args.before, synth), "--",
                    args.after, "latency", "-q", synth])

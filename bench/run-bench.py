#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# run-bench.py - the speed benchmark of ovsperf-analyze against perf script.
#
#   sudo bench/run-bench.py [--build DIR] [--reps N] [--quick]
#
# In one run:
#  1. builds ovsperf-analyze, gen-synth and read-bench (RelWithDebInfo, the
#     default build type: -O2 -g) in DIR
#     (default build-bench);
#  2. records a real recording (bench/record-real.sh: veth traffic between two
#     namespaces, net/skb/sched/irq/raw_syscalls tracepoints, >= 1 M events),
#     and writes a 10 M-event synthetic one with gen-synth (the project's
#     perf.data writer, 4 interleaved CPUs, FINISHED_ROUND every ~4096
#     records);
#  3. times, each --reps times (median reported), with /usr/bin/time -v:
#     `ovsperf-analyze latency` vs `perf script -s bench/latency.py` vs plain
#     `perf script`, and `ovsperf-analyze kernel-delay` vs `perf script -s
#     bench/kernel-delay.py` (real recording only: the synthetic one has no
#     syscalls);
#  4. scaling: the latency report and the bare reader on 1x, 4x and 16x
#     synthetic files (1 M, 4 M, 16 M events; the 16x one is > 1 GB and is
#     deleted afterwards);
#  5. prints events/s, ratios and peak RSS, and writes them to
#     bench/out/results.md.
#
# Page cache: before its timings each input is written back, evicted from the
# page cache and read once sequentially (settle()), so that every command and
# every run sees it cached the same way, as after copying a recording.  How a
# file's pages came into the cache changes the kernel's share a lot: mapping
# the same 942 MB file cost 0.01-0.04 s of system time once settled and
# 0.08-0.23 s in the state an older copy had drifted into (small folios).
#
# Times: wall clock and CPU (user + sys) of the process.  This machine is
# shared, so the CPU time is the steadier figure; both are reported.  Big files
# live in bench/out/ (git-ignored).  It is a benchmark, not a test.
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, env=None):
    """Run cmd under /usr/bin/time -v; stdout discarded.  Returns (wall, cpu, rss_kb)."""
    full = ["/usr/bin/time", "-v"] + cmd
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e,
                       text=True)
    err = p.stderr
    if p.returncode != 0:
        log(err[-2000:])
        raise SystemExit("failed: %s" % " ".join(cmd))

    def field(name):
        m = re.search(re.escape(name) + r":\s*(\S+)", err)
        return m.group(1) if m else None
    wall_s = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(x) for x in wall_s.split(":")]
    wall = 0.0
    for x in parts:
        wall = wall * 60 + x
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)"))
    return wall, cpu, rss


def measure(name, cmd, reps, env=None):
    walls, cpus, rsss = [], [], []
    for i in range(reps):
        w, c, r = timed(cmd, env)
        walls.append(w)
        cpus.append(c)
        rsss.append(r)
        log("  %-34s run %d: wall %7.2f s  cpu %7.2f s  rss %7.1f MB" % (name, i + 1, w, c,
                                                                         r / 1024))
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "rss": max(rsss), "reps": reps}


def settle(path):
    """Write back, evict and re-read @path: a defined page cache state."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        while os.read(fd, 1 << 20):
            pass
    finally:
        os.close(fd)


def nr_samples(read_bench, path):
    out = subprocess.run([read_bench, path], check=True, capture_output=True,
                         text=True).stdout
    return int(re.search(r"events (\d+)", out).group(1))


def file_mb(path):
    return os.path.getsize(path) / 1e6


def main():
    ap = argparse.ArgumentParser(description="ovsperf-analyze vs perf script benchmark")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--reps", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--py-reps", type=int, default=None,
                    help="runs of the perf-script Python measurements (default --reps)")
    ap.add_argument("--seconds", type=int, default=4, help="length of the real recording")
    ap.add_argument("--rerecord", action="store_true", help="record the real file again")
    ap.add_argument("--quick", action="store_true",
                    help="1 run each, no scaling files (a smoke run)")
    a = ap.parse_args()
    reps = 1 if a.quick else a.reps
    py_reps = 1 if a.quick else (a.py_reps or reps)
    os.makedirs(OUT, exist_ok=True)
    build = a.build

    log("== build (%s)" % build)
    # -O2 raises warnings -O0 does not (clobbered by longjmp, maybe
    # uninitialized) in files of the tree; they must not stop a benchmark.
    run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
         "-DCMAKE_C_FLAGS=" + " ".join("-Wno-error=" + w for w in (
             "clobbered", "maybe-uninitialized", "uninitialized", "stringop-truncation",
             "stringop-overflow", "format-truncation", "format-overflow", "array-bounds",
             "restrict"))],
        stdout=subprocess.DEVNULL)
    run(["cmake", "--build", build, "-j2", "--target", "ovsperf-analyze", "gen-synth",
         "read-bench"], stdout=subprocess.DEVNULL)
    analyze = os.path.join(build, "ovsperf-analyze")
    gen = os.path.join(build, "gen-synth")
    rbench = os.path.join(build, "read-bench")
    lat_py = os.path.join(ROOT, "bench", "latency.py")
    kd_py = os.path.join(ROOT, "bench", "kernel-delay.py")

    real = os.path.join(OUT, "real.data")
    if a.rerecord or not os.path.exists(real) or not os.path.exists(real + ".pid"):
        log("== recording real traffic (%d s)" % a.seconds)
        run([os.path.join(ROOT, "bench", "record-real.sh"), real, str(a.seconds)])
    synth = os.path.join(OUT, "synth-10m.data")
    if not os.path.exists(synth):
        log("== generating 10 M synthetic events")
        run([gen, "-o", synth, "-n", "10000000"], stdout=subprocess.DEVNULL)
    pid = open(real + ".pid").read().strip()

    results = []    # (file, events, MB, {name: measurement})
    for path, kd in ((real, True), (synth, False)):
        settle(path)
        ev = nr_samples(rbench, path)
        log("== %s: %d samples, %.0f MB" % (os.path.basename(path), ev, file_mb(path)))
        m = {}
        m["ovsperf latency"] = measure("ovsperf-analyze latency",
                                       [analyze, "latency", "-q", path], reps)
        m["perf script -s latency.py"] = measure("perf script -s latency.py",
                                                 ["perf", "script", "-i", path, "-s", lat_py],
                                                 py_reps)
        m["perf script"] = measure("perf script", ["perf", "script", "-i", path], reps)
        m["reader alone"] = measure("read-bench (reader alone)", [rbench, path], reps)
        if kd:
            m["ovsperf kernel-delay"] = measure("ovsperf-analyze kernel-delay",
                                                [analyze, "kernel-delay", "-q", "--pid", pid,
                                                 path], reps)
            m["perf script -s kernel-delay.py"] = measure(
                "perf script -s kernel-delay.py", ["perf", "script", "-i", path, "-s", kd_py],
                py_reps, env={"KD_PID": pid})
        results.append((os.path.basename(path), ev, file_mb(path), m))

    scaling = []
    if not a.quick:
        for mult in (1, 4, 16):
            path = os.path.join(OUT, "scale-%dx.data" % mult)
            log("== scaling %dx" % mult)
            run([gen, "-o", path, "-n", str(mult * 1000000)], stdout=subprocess.DEVNULL)
            settle(path)
            ev = nr_samples(rbench, path)
            lat = measure("ovsperf-analyze latency %dx" % mult,
                          [analyze, "latency", "-q", path], reps)
            rd = measure("read-bench %dx" % mult, [rbench, path], reps)
            scaling.append((mult, ev, file_mb(path), lat, rd))
            if mult > 1:
                os.unlink(path)

    lines = []
    lines.append("Machine: %s, %d CPUs, kernel %s; %s; %s" % (
        os.uname().nodename, os.cpu_count(), os.uname().release,
        subprocess.run(["perf", "version"], capture_output=True, text=True).stdout.strip(),
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    lines.append("Medians of %d runs (perf-script Python: %d); CPU = user + sys; "
                 "events/s = samples / CPU time; RSS = peak." % (reps, py_reps))
    for name, ev, mb, m in results:
        lines.append("")
        lines.append("### %s: %d samples, %.0f MB" % (name, ev, mb))
        lines.append("")
        lines.append("| command | wall s | CPU s | M events/s (CPU) | peak RSS MB |")
        lines.append("|---|---:|---:|---:|---:|")
        for k, v in m.items():
            lines.append("| %s | %.2f | %.2f | %.2f | %.1f |" % (
                k, v["wall"], v["cpu"], ev / v["cpu"] / 1e6 if v["cpu"] else 0,
                v["rss"] / 1024))
        lines.append("")
        base = m["ovsperf latency"]
        for other in ("perf script -s latency.py", "perf script"):
            o = m[other]
            lines.append("- latency vs %s: %.1fx faster (CPU), %.1fx (wall)" % (
                other, o["cpu"] / base["cpu"], o["wall"] / base["wall"]))
        if "ovsperf kernel-delay" in m:
            b, o = m["ovsperf kernel-delay"], m["perf script -s kernel-delay.py"]
            lines.append("- kernel-delay vs perf script -s kernel-delay.py: %.1fx faster (CPU), "
                         "%.1fx (wall)" % (o["cpu"] / b["cpu"], o["wall"] / b["wall"]))
    if scaling:
        lines.append("")
        lines.append("### Scaling (synthetic, gen-synth)")
        lines.append("")
        lines.append("| size | samples | MB | latency CPU s | ns/event | peak RSS MB | "
                     "reader CPU s | reader ns/event | reader RSS MB |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for mult, ev, mb, lat, rd in scaling:
            lines.append("| %dx | %d | %.0f | %.2f | %.0f | %.1f | %.2f | %.0f | %.1f |" % (
                mult, ev, mb, lat["cpu"], lat["cpu"] / ev * 1e9, lat["rss"] / 1024,
                rd["cpu"], rd["cpu"] / ev * 1e9, rd["rss"] / 1024))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""slowmut.py - seeded mutations of a file-mode recording aimed at what the
reader loops over (record types and sizes, the feature section table, the
tracing data: its counts, sizes and format text), each run timed.

Each mutant overwrites 1 to 4 bytes (seeded random generator) in one of:
  rectype   the type field of a record of the data section;
  recsize   the size field of a record;
  feattab   the feature section table after the data (offsets and sizes);
  tracing   the TRACING_DATA feature section (counts, sizes, format text).
`ovsperf-analyze script` and `info` run on each under a timeout; every run
must end within --budget seconds (default 10; the intact file takes a few
hundredths), exit 0 or 2 and not die by a signal.  The slowest runs are
printed, so a loop whose count comes from the file shows up as a time, not
only as a timeout.

Usage: slowmut.py --analyze BIN --work DIR [--n N] [--seed S] [--budget SEC] RECORDING
Exit: 0 good, 1 a check failed.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import time

FEAT_TRACING_DATA = 1


def layout(buf):
    """Record (offset, size) list, the feature table span, the TRACING_DATA span."""
    doff, dsize = struct.unpack_from("<QQ", buf, 40)
    recs, off = [], doff
    while off + 8 <= doff + dsize:
        _t, _m, size = struct.unpack_from("<IHH", buf, off)
        if size < 8:
            break
        recs.append(off)
        off += size
    feats = struct.unpack_from("<4Q", buf, 72)
    nfeat = sum(bin(f).count("1") for f in feats)
    table = (doff + dsize, nfeat * 16)
    td = None
    if feats[0] & (1 << FEAT_TRACING_DATA):
        # TRACING_DATA is the first feature bit set after bit 0.
        pos = doff + dsize
        for bit in range(1, 256):
            if feats[bit // 64] & (1 << (bit % 64)):
                if bit == FEAT_TRACING_DATA:
                    td = struct.unpack_from("<QQ", buf, pos)
                    break
                pos += 16
    return recs, table, td


def mutate(buf, rng, region, recs, table, td):
    b = bytearray(buf)
    for _ in range(rng.randint(1, 4)):
        if region == "rectype":
            pos = rng.choice(recs) + rng.randrange(4)
        elif region == "recsize":
            pos = rng.choice(recs) + 6 + rng.randrange(2)
        elif region == "feattab":
            pos = table[0] + rng.randrange(table[1])
        else:
            pos = td[0] + rng.randrange(td[1])
        kind = rng.randrange(3)
        b[pos] = rng.randrange(256) if kind == 0 else (0xFF if kind == 1 else b[pos] ^ (1 << rng.randrange(8)))
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=10)
    ap.add_argument("recording")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    buf = open(a.recording, "rb").read()
    recs, table, td = layout(buf)
    regions = ["rectype", "recsize", "feattab"] + (["tracing"] if td else [])
    rng = random.Random(a.seed)
    muts = []
    for i in range(a.n):
        region = regions[i % len(regions)]
        muts.append((i, region, mutate(buf, rng, region, recs, table, td)))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0")

    def one(m):
        i, region, data = m
        path = os.path.join(a.work, "mut%04d.%s" % (i, region))
        with open(path, "wb") as f:
            f.write(data)
        res = []
        for cmd in ("script", "info"):
            t0 = time.time()
            try:
                p = subprocess.run([a.analyze, cmd, path], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=a.budget, env=env)
                rc, err = p.returncode, p.stderr
            except subprocess.TimeoutExpired:
                rc, err = None, b""
            res.append((time.time() - t0, cmd, rc, err, path))
        return res

    failures, times = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for res in pool.map(one, muts):
            keep = False
            for dt, cmd, rc, err, path in res:
                times.append((dt, cmd, os.path.basename(path)))
                what = "%s [%s]" % (os.path.basename(path), cmd)
                if rc is None:
                    failures.append("%s: still running after %.0f s" % (what, a.budget))
                elif rc < 0 or rc not in (0, 2):
                    failures.append("%s: exit %d: %s" % (what, rc, err.decode()[-300:]))
                elif b"Sanitizer" in err or b"runtime error:" in err:
                    failures.append("%s: sanitizer report: %s" % (what, err.decode()[-1500:]))
                else:
                    continue
                keep = True
            if not keep:
                os.unlink(res[0][4])
    times.sort(reverse=True)
    print("slowmut: %d mutants x 2 commands of %s; slowest: %s" % (
        a.n, os.path.basename(a.recording),
        ", ".join("%s %s %.2f s" % (n, c, t) for t, c, n in times[:5])))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

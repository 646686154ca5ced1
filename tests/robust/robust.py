#!/usr/bin/env python3
"""robust.py - deterministic corruption tests of the perf.data reader.

For each recording given, builds damaged copies (truncation at every record
boundary and inside records, corrupted header fields, sizes and offsets,
feature sections out of range, absurd counts in the tracing data, bad record
sizes), plus a zero-length file, a directory and a missing file, and runs
`ovsperf-analyze script` and `ovsperf-analyze info` on each under a timeout.

Every run must:
  - end by itself (no timeout) and not by a signal (exit code < 128),
  - exit 0 or 2 (never 1, which means bad usage, nor a sanitizer's code),
  - write to stderr only lines starting with "ovsperf-analyze: ", at most one
    of which is not a warning ("ovsperf-analyze: warning: ..."): the fatal
    error, last, naming the file ("ovsperf-analyze: FILE: what is wrong"),
  - print no sanitizer report.
Cases that must be refused (bad magic, truncations of a file-mode recording,
...) must exit 2 with a message; a truncated recording must print the samples
of every whole record before the cut (its "partial result").  Hostile print
formats (%n, %Z, %$ in place of the first conversion of each of the first
formats) are no damage: exit 0, as many script lines as the intact file.

--mutations N adds the experiment of the project brief: N copies of the
first recording with a few random bytes overwritten (fixed seed); ovsperf
must survive all of them.  Bad usage must exit 1.  With --perf, `perf script` runs on the same copies and
the number of its deaths by a signal is printed (information, not a check).

Usage: robust.py --analyze BIN [--perf PERF] [--mutations N] [--work DIR]
                 [--record-dir DIR] RECORDING...
Exit: 0 all good, 1 a check failed, 77 nothing to test (skip).
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

PROG = "ovsperf-analyze: "
HDR_FMT = "<8sQQQQQQQQ4Q"		# magic, size, attr_size, attrs, data, event_types, features
HDR_SIZE = struct.calcsize(HDR_FMT)	# 104
PIPE_HDR = 16
REC_SAMPLE = 9
REC_TRACING_DATA = 66
REC_AUXTRACE = 71
REC_COMPRESSED = (81, 83)
FEAT_TRACING_DATA = 1
TIMEOUT = 20
MID_CUTS = 3	# cuts inside each record: middle, after 4 bytes, last byte
# Leaks inside libtraceevent are not ours (a sanitized build reports them).
LSAN_SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "lsan.supp")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


class Recording:
    """A perf.data file (file or pipe mode) and the offsets of its records."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.buf = f.read()
        b = self.buf
        if len(b) < PIPE_HDR or b[:8] != b"PERFILE2":
            raise ValueError("%s: not a perf.data file" % path)
        self.pipe = struct.unpack_from("<Q", b, 8)[0] == PIPE_HDR
        if self.pipe:
            self.data_off, self.data_end = PIPE_HDR, len(b)
        else:
            h = struct.unpack_from(HDR_FMT, b, 0)
            self.attr_size = h[2]
            self.attrs_off, self.attrs_size = h[3], h[4]
            self.data_off, self.data_size = h[5], h[6]
            self.data_end = self.data_off + self.data_size
            self.features = h[9:13]
        self.records = []	# (offset, size incl. trailing payload, type)
        off = self.data_off
        while off + 8 <= self.data_end:
            rtype, _misc, size = struct.unpack_from("<IHH", b, off)
            if size < 8:
                break
            total = size
            if rtype == REC_TRACING_DATA and self.pipe:
                total += struct.unpack_from("<I", b, off + 8)[0]
            elif rtype == REC_AUXTRACE:
                total += struct.unpack_from("<Q", b, off + 8)[0]
            if off + total > self.data_end:
                break
            self.records.append((off, total, rtype))
            off += total
        self.compressed = any(r[2] in REC_COMPRESSED for r in self.records)

    def samples_before(self, off):
        """Sample records wholly before file offset @off."""
        return sum(1 for r in self.records if r[2] == REC_SAMPLE and r[0] + r[1] <= off)

    def feature_table(self):
        """[(bit, offset of its perf_file_section in the file)]."""
        out, pos = [], self.data_end
        for bit in range(256):
            if self.features[bit // 64] & (1 << (bit % 64)):
                out.append((bit, pos))
                pos += 16
        return out


def put(buf, off, fmt, val):
    b = bytearray(buf)
    struct.pack_into(fmt, b, off, val)
    return bytes(b)


def tracing_data_cases(rec):
    """Absurd counts and sizes inside the TRACING_DATA feature section."""
    cases = []
    tbl = dict(rec.feature_table()) if not rec.pipe else {}
    if FEAT_TRACING_DATA not in tbl:
        return cases
    sec_off, sec_size = struct.unpack_from("<QQ", rec.buf, tbl[FEAT_TRACING_DATA])
    b = rec.buf
    p = sec_off + 10	# magic
    p = b.index(b"\0", p) + 1	# version
    p += 2 + 4		# endian, long size, page size
    for what in ("header_page", "header_event"):
        p = b.index(b"\0", p) + 1
        cases.append(("td-%s-size-huge" % what, put(b, p, "<Q", 1 << 62), "any"))
        cases.append(("td-%s-size-past" % what, put(b, p, "<Q", sec_size), "any"))
        p += 8 + struct.unpack_from("<Q", b, p)[0]
    cases.append(("td-ftrace-count-absurd", put(b, p, "<I", 0xFFFFFFFF), "any"))
    n = struct.unpack_from("<I", b, p)[0]
    p += 4
    for _ in range(n):
        p += 8 + struct.unpack_from("<Q", b, p)[0]
    cases.append(("td-system-count-absurd", put(b, p, "<I", 0x7FFFFFFF), "any"))
    nsys = struct.unpack_from("<I", b, p)[0]
    p += 4
    if nsys:
        p = b.index(b"\0", p) + 1
        cases.append(("td-event-count-absurd", put(b, p, "<I", 0xFFFFFFFF), "any"))
        if struct.unpack_from("<I", b, p)[0]:
            cases.append(("td-event-size-huge", put(b, p + 4, "<Q", (1 << 64) - 1), "any"))
            cases.append(("td-event-size-zero", put(b, p + 4, "<Q", 0), "any"))
    cases.append(("td-section-size-0", put(b, tbl[FEAT_TRACING_DATA] + 8, "<Q", 0), "any"))
    cases.append(("td-section-cut-half", put(b, tbl[FEAT_TRACING_DATA] + 8, "<Q", sec_size // 2),
                  "any"))
    return cases


def cases_for(rec):
    """[(name, bytes, expectation)]; expectation: "fail" (exit 2), "any" (0 or 2),
    or ("partial", nsamples): exit 2 and exactly nsamples samples printed."""
    b, cases = rec.buf, []
    uncompressed = not rec.compressed

    # Truncation at every record boundary and inside records.
    for i, (off, size, rtype) in enumerate(rec.records):
        if i == 0 and rec.pipe:
            continue
        exp = ("partial", rec.samples_before(off)) if uncompressed else "fail"
        if rec.pipe:
            exp = "any" if not uncompressed else ("partial-any", rec.samples_before(off))
        cases.append(("cut-at-rec%d" % i, b[:off], exp))
        for cut in sorted(set([size // 2, 4, size - 1][:MID_CUTS])):
            if 0 < cut < size:
                e = ("partial", rec.samples_before(off)) if uncompressed else "fail"
                cases.append(("cut-in-rec%d+%d" % (i, cut), b[:off + cut], e))
    if rec.records:
        last = rec.records[-1]
        end = last[0] + last[1]
        cases.append(("cut-after-data", b[:end], "any" if rec.pipe else "fail"))
    for cut in (8, 15, 16, 17, 64, 103, 104):
        if cut < rec.data_off:
            cases.append(("cut-header-%d" % cut, b[:cut], "fail" if not rec.pipe else "any"))

    # Magic.
    cases.append(("magic-flipped", put(b, 0, "<B", b[0] ^ 0xFF), "fail"))
    cases.append(("magic-v1", b"PERFFILE" + b[8:], "fail"))
    cases.append(("magic-swapped", b"2ELIFREP" + b[8:], "fail"))
    cases.append(("magic-only", b[:8], "fail"))

    # Record sizes 0, 4, odd, huge (first, a middle and the last record).
    picks = sorted({0, len(rec.records) // 2, len(rec.records) - 1}) if rec.records else []
    for i in picks:
        off = rec.records[i][0]
        for sz in (0, 4, 7, 9, 0xFFFF):
            exp = "fail" if sz < 8 else "any"
            cases.append(("rec%d-size-%d" % (i, sz), put(b, off + 6, "<H", sz), exp))
        cases.append(("rec%d-type-huge" % i, put(b, off, "<I", 0xFFFFFFFF), "any"))

    if rec.pipe:
        for off, size, rtype in rec.records:
            if rtype == REC_TRACING_DATA:
                cases.append(("pipe-td-size-huge", put(b, off + 8, "<I", 0xFFFFFFF0), "fail"))
                cases.append(("pipe-td-size-0", put(b, off + 8, "<I", 0), "any"))
            if rtype == 64:	# HEADER_ATTR: the attr's size field
                cases.append(("pipe-attr-size-huge", put(b, off + 8 + 4, "<I", 0xFFFF), "fail"))
                cases.append(("pipe-attr-size-tiny", put(b, off + 8 + 4, "<I", 8), "fail"))
                break
        cases.append(("pipe-hdr-size-17", put(b, 8, "<Q", 17), "fail"))
        return cases

    # File header fields.
    for v in (0, 15, 17, 4097, 1 << 63):
        cases.append(("hdr-size-%d" % v, put(b, 8, "<Q", v), "fail"))
    for v in (0, 8, 1 << 40, rec.attr_size + 8, (1 << 64) - 1):
        cases.append(("attr-size-%d" % v, put(b, 16, "<Q", v), "fail"))
    cases.append(("attrs-off-past-eof", put(b, 24, "<Q", len(b) + 100), "fail"))
    cases.append(("attrs-size-huge", put(b, 32, "<Q", 1 << 62), "fail"))
    cases.append(("attrs-size-0", put(b, 32, "<Q", 0), "fail"))
    cases.append(("attrs-size-odd", put(b, 32, "<Q", rec.attrs_size + 1), "fail"))
    cases.append(("data-off-past-eof", put(b, 40, "<Q", len(b) + 4096), "fail"))
    cases.append(("data-off-0", put(b, 40, "<Q", 0), "fail"))
    cases.append(("data-off-odd", put(b, 40, "<Q", rec.data_off + 3), "any"))
    cases.append(("data-size-past-eof", put(b, 48, "<Q", 1 << 62), "fail"))
    cases.append(("data-size-wrap", put(b, 48, "<Q", (1 << 64) - rec.data_off + 8), "fail"))
    cases.append(("data-size-0", put(b, 48, "<Q", 0), "fail"))
    cases.append(("features-all-set", b[:72] + b"\xff" * 32 + b[104:], "any"))
    # The ids section of the first attribute.
    ids = rec.attrs_off + rec.attr_size - 16
    cases.append(("attr-ids-off-past-eof", put(b, ids, "<Q", len(b) + 1), "fail"))
    cases.append(("attr-ids-size-huge", put(b, ids + 8, "<Q", 1 << 62), "fail"))
    cases.append(("attr-ids-size-odd", put(b, ids + 8, "<Q", 3), "fail"))
    # An attr whose sample_type claims every field.
    cases.append(("attr-sample-type-all", put(b, rec.attrs_off + 24, "<Q", (1 << 25) - 1), "any"))

    # Feature sections out of range.
    for bit, pos in rec.feature_table():
        cases.append(("feat%d-off-past-eof" % bit, put(b, pos, "<Q", len(b) + 1), "any"))
        cases.append(("feat%d-size-huge" % bit, put(b, pos + 8, "<Q", 1 << 63), "any"))
        cases.append(("feat%d-off-in-header" % bit, put(b, pos, "<Q", 0), "any"))
    cases += tracing_data_cases(rec)
    return cases


def run(argv, timeout=TIMEOUT):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
               LSAN_OPTIONS="print_suppressions=0:suppressions=" + LSAN_SUPP)
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, b"", b""
    return p.returncode, p.stdout, p.stderr


def check_run(name, cmd, path, rc, out, err, exp):
    """Checks one run of ovsperf-analyze; returns a failure message or None."""
    what = "%s [%s]" % (name, cmd)
    if rc is None:
        return "%s: timeout after %ds" % (what, TIMEOUT)
    if rc < 0:
        return "%s: killed by signal %s" % (what, signal.Signals(-rc).name)
    text = err.decode("utf-8", "replace")
    if "Sanitizer" in text or "runtime error:" in text:
        return "%s: sanitizer report:\n%s" % (what, text[-3000:])
    if rc not in (0, 2):
        return "%s: exit %d (want 0 or 2); stderr: %s" % (what, rc, text[-500:])
    lines = [ln for ln in text.split("\n") if ln and not ln.startswith("\r")]
    lines = [ln.split("\r")[-1] for ln in lines]
    for ln in lines:
        if not ln.startswith(PROG):
            return "%s: stderr line without the '%s' prefix: %r" % (what, PROG, ln)
    fatal = [ln for ln in lines if not ln.startswith(PROG + "warning: ")]
    if len(fatal) > 1:
        return "%s: %d error lines (want at most one): %r" % (what, len(fatal), fatal)
    if fatal and lines[-1] != fatal[0]:
        return "%s: the error line is not the last: %r" % (what, lines)
    if rc == 2 and not lines:
        return "%s: exit 2 without a message" % what
    if fatal and not fatal[0].startswith(PROG + path + ": "):
        return "%s: error line does not name the file: %r" % (what, fatal[0])
    if rc == 0 and fatal:
        return "%s: exit 0 with an error line: %r" % (what, fatal[0])
    kind = exp[0] if isinstance(exp, tuple) else exp
    if kind == "format":
        if rc != 0:
            return "%s: exit %d, want 0 (an odd print format is no damage)" % (what, rc)
        n = sum(1 for ln in out.split(b"\n") if ln)
        if cmd == "script" and n != exp[1]:
            return "%s: printed %d lines, want %d as from the intact recording" % (what, n, exp[1])
        return None
    if kind in ("fail", "partial") and rc != 2:
        return "%s: exit %d, want 2 (damaged input must be reported)" % (what, rc)
    if kind in ("partial", "partial-any") and cmd == "script":
        n = sum(1 for ln in out.split(b"\n") if ln)
        if n != exp[1]:
            return "%s: printed %d samples, want the %d whole ones before the cut" % (
                what, n, exp[1])
    return None


def run_case(analyze, work, name, data, exp):
    path = os.path.join(work, name)
    if data is not None:
        with open(path, "wb") as f:
            f.write(data)
    msgs = []
    for cmd in ("script", "info"):
        rc, out, err = run([analyze, cmd, path])
        m = check_run(name, cmd, path, rc, out, err, exp)
        if m:
            msgs.append(m)
    if not msgs and data is not None:
        os.unlink(path)
    return msgs


def format_cases(rec, max_formats=12):
    """Hostile print formats, the same kinds on every machine: the first
    conversion of each of the first @max_formats formats of the tracing data
    turned into %n (writes memory through printf), %Z (undefined; ASan's
    printf interceptor rejects it), %$ (positional), each of the same length
    so nothing else in the file moves.  The formats are vouched for before
    libtraceevent prints with them: the file is intact otherwise, so every
    run must exit 0 and script must print as many lines as on the intact
    recording."""
    out = []
    pos = 0
    nfmt = 0
    while nfmt < max_formats:
        i = rec.buf.find(b'print fmt: "', pos)
        if i < 0:
            break
        pos = i + 12
        end = rec.buf.find(b'"', pos)
        j = rec.buf.find(b"%", pos, end if end > 0 else pos)
        while j >= 0 and rec.buf[j + 1:j + 2] == b"%":
            j = rec.buf.find(b"%", j + 2, end)
        if j < 0 or j + 1 >= len(rec.buf):
            continue
        for name, ch in (("n", b"n"), ("Z", b"Z"), ("dollar", b"$")):
            out.append(("fmt%d-%s" % (nfmt, name), rec.buf[:j + 1] + ch + rec.buf[j + 2:]))
        nfmt += 1
    return out


def mutate(buf, rng):
    b = bytearray(buf)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(b))
        kind = rng.randrange(4)
        if kind == 0:
            b[pos] = rng.randrange(256)
        elif kind == 1:
            b[pos] ^= 1 << rng.randrange(8)
        elif kind == 2:
            b[pos] = 0xFF
        else:
            b[pos] = 0
    return bytes(b)


def mutation_experiment(analyze, perf, work, rec, n, seed, pool):
    rng = random.Random(seed)
    bufs = [mutate(rec.buf, rng) for _ in range(n)]
    base = os.path.basename(rec.path)

    def one(i):
        path = os.path.join(work, "%s.mut%03d" % (base, i))
        with open(path, "wb") as f:
            f.write(bufs[i])
        msgs = []
        for cmd in ("script", "info"):
            rc, out, err = run([analyze, cmd, path])
            m = check_run("mutation %d of %s" % (i, base), cmd, path, rc, out, err, "any")
            if m:
                msgs.append(m)
        perf_sig = None
        if perf:
            rc, _o, _e = run([perf, "script", "-i", path], timeout=60)
            perf_sig = "hang" if rc is None else signal.Signals(-rc).name if rc < 0 else None
        if not msgs:
            os.unlink(path)
        return msgs, perf_sig

    perf_died = {}
    for i, (msgs, sig) in enumerate(pool.map(one, range(n))):
        for m in msgs:
            fail(m)
        if sig:
            perf_died[sig] = perf_died.get(sig, 0) + 1
    mine = [f for f in failures if f.startswith("mutation ")]
    died = sum(1 for f in mine if "signal" in f or "timeout" in f or "sanitizer" in f)
    print("mutations of %s: %d, ovsperf survived %d (no signal, hang or sanitizer report); "
          "%d run(s) broke another rule (exit code, error line)" % (base, n, n - died,
                                                                    len(mine) - died))
    if perf:
        total = sum(perf_died.values())
        print("  perf script died by a signal (or hung) on %d of %d (%.1f%%): %s" % (
            total, n, 100.0 * total / n,
            ", ".join("%s %d" % kv for kv in sorted(perf_died.items())) or "none"))


def make_recordings(perf, d):
    """Small recordings of this machine (root, tracefs): plain, -z, -g, pipe."""
    # Few records (a few hundred): every boundary is cut, twice per record.
    events = ["-e", "sched:sched_switch", "-e", "sched:sched_process_exec", "-e",
              "syscalls:sys_enter_openat"]
    load = ["sh", "-c", "for i in 1 2 3; do cat /etc/hostname >/dev/null; sleep 0.01; done"]
    out = []
    for name, extra in (("plain.data", []), ("z.data", ["-z"]), ("g.data", ["-g"])):
        p = os.path.join(d, name)
        r = subprocess.run([perf, "record", "-q", "-o", p] + extra + events + ["--"] + load,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            print("robust: perf record failed: %s" % r.stderr.decode()[-300:])
            return []
        out.append(p)
    p = os.path.join(d, "pipe.data")
    with open(p, "wb") as f:
        r = subprocess.run([perf, "record", "-q", "-o", "-"] + events + ["--"] + load, stdout=f,
                           stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--perf")
    ap.add_argument("--mutations", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work")
    ap.add_argument("--record", action="store_true",
                    help="make small recordings with perf record (root) and test them")
    ap.add_argument("--max-cases", type=int, default=0,
                    help="test at most this many generated cases per recording (0: all)")
    ap.add_argument("--mid-cuts", type=int, default=3,
                    help="cuts inside each record (1: its middle only, 3: also +4 and last byte)")
    ap.add_argument("recordings", nargs="*")
    a = ap.parse_args()
    global MID_CUTS
    MID_CUTS = a.mid_cuts

    work = a.work or tempfile.mkdtemp(prefix="ovsperf-robust-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    paths = [p for p in a.recordings if os.path.exists(p)]
    if a.record:
        if os.geteuid() != 0 or not os.path.isdir("/sys/kernel/tracing/events"):
            print("robust: SKIP: --record needs root and tracefs")
            return 77
        paths += make_recordings(a.perf or "perf", work)
    if not paths:
        print("robust: SKIP: no recording to test")
        return 77

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    # Inputs that are no perf.data at all.
    empty = os.path.join(work, "empty.data")
    open(empty, "wb").close()
    os.makedirs(os.path.join(work, "dir.data"), exist_ok=True)
    special = [("empty.data", None, "fail"), ("dir.data", None, "fail"),
               ("missing.data", None, "fail")]
    jobs = [pool.submit(run_case, a.analyze, work, n, d, e) for n, d, e in special]
    ncases = len(special)
    for p in paths:
        rec = Recording(p)
        base = os.path.basename(p)
        cases = cases_for(rec)
        if a.max_cases and len(cases) > a.max_cases:
            step = len(cases) / a.max_cases
            cases = [cases[int(i * step)] for i in range(a.max_cases)]
        # The intact recording first: it must be read cleanly.
        rc, out, err = run([a.analyze, "script", p])
        if rc != 0:
            fail("%s: intact recording: exit %s: %s" % (base, rc, err.decode()[-300:]))
        nlines = sum(1 for ln in out.split(b"\n") if ln)
        cases += [(n, d, ("format", nlines)) for n, d in format_cases(rec)]
        print("%s: %s mode%s, %d records, %d samples, %d damaged copies" % (
            base, "pipe" if rec.pipe else "file", ", zstd" if rec.compressed else "",
            len(rec.records), rec.samples_before(len(rec.buf)), len(cases)), flush=True)
        ncases += len(cases)
        for n, d, e in cases:
            jobs.append(pool.submit(run_case, a.analyze, work, base + "." + n, d, e))
    for j in jobs:
        for m in j.result():
            fail(m)
    print("damaged inputs: %d, failures: %d" % (ncases, len(failures)), flush=True)
    # Bad usage is exit 1, not 2.
    for argv in (["script", "--no-such-option", paths[0]], ["info", paths[0], paths[0]],
                 ["script", "--bogus"]):
        rc, _out, err = run([a.analyze] + argv)
        if rc != 1:
            fail("%s: exit %s (want 1, bad usage), stderr %r" % (" ".join(argv), rc, err[-200:]))
    if a.mutations:
        mutation_experiment(a.analyze, a.perf, work, Recording(paths[0]), a.mutations, a.seed,
                            pool)
    pool.shutdown()
    if failures:
        print("robust: %d check(s) failed; damaged inputs kept in %s" % (len(failures), work))
        return 1
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    print("robust: all runs survived with the right exit code and one-line errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""partial.py - every command on a truncated or damaged recording prints what
it computed up to the damage, one warning, and exits 2.

For each real recording given, two damaged copies are made (a seeded random
generator picks the record, in the middle half of the data):
  badsize  one record's size field set to 4 (impossible: the reader cannot
           find the next record, so the data after it is unreadable);
  cut      the file cut in the middle of that record.
Pipe-mode recordings are also fed through a real pipe (stdin).

Every command that succeeds on the intact recording (exit 0) is run on the
copies, and must:
  - exit 2;
  - print on stderr the lines of the intact run plus exactly one warning
    saying where the data stops, and no error line;
  - print a report: with --json, recording.partial is true and
    recording.events equals the SAMPLE records wholly before the damage
    (counted here from the file); script prints exactly those samples.
A file-mode recording cut in its data loses the feature sections stored
after the data (event names and formats): reports must then say so in one
error line after the warning (exit 2); script and info still print what is
left.

Usage: partial.py --analyze BIN --work DIR [--seed N] RECORDING...
Exit: 0 all good, 1 a check failed.
"""
import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys

PROG = "ovsperf-analyze: "
REPORTS = ["", "latency", "kernel-delay", "bridge-loop", "upcall-cost", "journey", "drops"]
COMMANDS = REPORTS + ["info", "script", "export"]
REC_SAMPLE = 9
REC_TRACING_DATA = 66
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def records(buf):
    """(pipe?, [(offset, size, type)]) of a perf.data image."""
    pipe = struct.unpack_from("<Q", buf, 8)[0] == 16
    if pipe:
        off, end = 16, len(buf)
    else:
        off, size = struct.unpack_from("<QQ", buf, 40)
        end = off + size
    out = []
    while off + 8 <= end:
        rtype, _misc, size = struct.unpack_from("<IHH", buf, off)
        if size < 8:
            break
        total = size
        if rtype == REC_TRACING_DATA and pipe:
            total += struct.unpack_from("<I", buf, off + 8)[0]
        out.append((off, total, rtype))
        off += total
    return pipe, out


def run(analyze, cmd, path, extra, work, stdin_path=None):
    argv = [analyze] + ([cmd] if cmd else []) + extra
    if cmd == "export":
        argv += ["--perfetto", os.path.join(work, "export.json")]
    argv.append("-" if stdin_path else path)
    feeder = None
    stdin = subprocess.DEVNULL
    if stdin_path:	# a real pipe, not a file on stdin (which would be mapped)
        feeder = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE)
        stdin = feeder.stdout
    try:
        p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
    finally:
        if feeder:
            feeder.stdout.close()
            feeder.wait()
    err = [ln for ln in p.stderr.decode("utf-8", "replace").split("\n") if ln]
    # export reports its own counts on stderr ("FILE: N trace events ...").
    err = [ln for ln in err if ln.startswith(PROG)]
    return p.returncode, p.stdout, err


def normalise(lines, path):
    if path == "-":
        return [ln.replace(": -:", ": FILE:") for ln in lines]
    return [ln.replace(path, "FILE") for ln in lines]


def check_command(analyze, work, name, cmd, intact, damaged, nbefore, features_lost, via_pipe):
    what = "%s [%s]%s" % (name, cmd or "default", " (stdin)" if via_pipe else "")
    extra = ["--json"] if cmd not in ("export",) else []
    rc0, out0, err0 = run(analyze, cmd, intact, extra, work, intact if via_pipe else None)
    if rc0 != 0:
        return 0	# the command does not apply to this recording
    rc, out, err = run(analyze, cmd, damaged, extra, work, damaged if via_pipe else None)
    if rc != 2:
        fail("%s: exit %d, want 2; stderr %r" % (what, rc, err))
        return 1
    base = normalise(err0, intact if not via_pipe else "-")
    got = normalise(err, damaged if not via_pipe else "-")
    new = list(got)
    for ln in base:
        if ln in new:
            new.remove(ln)
    warnings = [ln for ln in new if ln.startswith(PROG + "warning: ")]
    errors = [ln for ln in new if not ln.startswith(PROG + "warning: ")]
    if features_lost and cmd in REPORTS:
        if len(warnings) != 1 or len(errors) != 1 or "names and formats" not in errors[0]:
            fail("%s: want one warning and one error about the lost formats, got %r" % (what, new))
        return 1
    if len(warnings) != 1 or errors:
        fail("%s: want exactly one new warning and no error line, got %r" % (what, new))
    elif not any(w in warnings[0] for w in ("truncated", "cannot be read")):
        fail("%s: the warning does not say the data is damaged: %r" % (what, warnings[0]))
    if cmd == "script":
        n = sum(1 for ln in out.split(b"\n") if ln.strip())
        if n != nbefore:
            fail("%s: %d samples printed, want the %d before the damage" % (what, n, nbefore))
        return 1
    if cmd == "export":
        p = os.path.join(work, "export.json")
        if not os.path.exists(p) or os.path.getsize(p) == 0:
            fail("%s: no partial export written" % what)
        return 1
    try:
        # JSON Lines reports (journey) end with the document.
        try:
            doc = json.loads(out)
        except ValueError:
            doc = json.loads([ln for ln in out.split(b"\n") if ln.strip()][-1])
    except (ValueError, IndexError) as e:
        fail("%s: no JSON report printed (%s): %r" % (what, e, out[:200]))
        return 1
    rec = doc.get("recording", {})
    if rec.get("partial") is not True or rec.get("truncated") is not True:
        fail("%s: recording.partial/truncated not true: %r" % (
            what, {k: rec.get(k) for k in ("partial", "truncated")}))
    if rec.get("events") != nbefore:
        fail("%s: recording.events %r, want the %d samples before the damage" % (
            what, rec.get("events"), nbefore))
    if not doc.get("reports"):
        fail("%s: no report in the JSON document" % what)
    # The text output says it too.
    rc, out, err = run(analyze, cmd, damaged, [], work, damaged if via_pipe else None)
    if cmd != "info" and b"results are partial" not in out:
        fail("%s: text report does not say it is partial" % what)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("recordings", nargs="+")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    rng = random.Random(a.seed)
    nruns = 0
    for path in a.recordings:
        with open(path, "rb") as f:
            buf = f.read()
        pipe, recs = records(buf)
        lo, hi = len(recs) // 4, 3 * len(recs) // 4
        i = rng.randrange(lo, hi)
        off, size, _t = recs[i]
        nbefore = sum(1 for r in recs[:i] if r[2] == REC_SAMPLE)
        base = os.path.basename(path)
        bad = bytearray(buf)
        struct.pack_into("<H", bad, off + 6, 4)
        variants = [("badsize", bytes(bad), False),
                    ("cut", buf[:off + max(1, size // 2)], not pipe)]
        for vname, data, lost in variants:
            dpath = os.path.join(a.work, "%s.%s" % (base, vname))
            with open(dpath, "wb") as f:
                f.write(data)
            for cmd in COMMANDS:
                for via_pipe in ([False, True] if pipe else [False]):
                    nruns += check_command(a.analyze, a.work, "%s.%s (record %d)" % (
                        base, vname, i), cmd, path, dpath, nbefore, lost, via_pipe)
    print("partial: %d checked runs, %d failure(s)" % (nruns, len(failures)))
    if nruns < 10:
        fail("too few commands applied to the recordings (%d)" % nruns)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

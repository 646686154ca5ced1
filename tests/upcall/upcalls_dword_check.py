#!/usr/bin/env python3
"""upcalls_dword_check.py - the word after upcalls' -d / --packet-decode.

ovsperf-analyze(1), upcalls, -d [MODE]: "A word after -d is its value only
when it is one of the modes" (decode, hex, none); any other word is not
taken by -d (the recording, here), and -d alone means decode.

On a recording whose recv_upcall has no packet bytes (testdata/upcall.data,
a plain perf recording of the USDT), which mode -d took shows on standard
error: decode and hex warn once that there is no packet to decode, none
(like no -d at all) does not; the lines on standard output are those
without -d.  Which file was read shows in a directory where perf.data and
files named after the modes are different recordings: WRONG (usdt.data,
whose recv_upcall upcalls refuses) where the word must not be read, and
upcall.data where it must.

Usage: upcalls_dword_check.py OVSPERF_ANALYZE UPCALL_DATA WRONG_DATA
"""
import os
import subprocess
import sys
import tempfile

WARN = "ovsperf-analyze: warning: the recording's recv_upcall has no packet bytes " \
       "(fields pkt, pkt2, ...): no packet to decode"


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    binary, good, wrong = (os.path.abspath(a) for a in sys.argv[1:4])
    for f in (good, wrong):
        if not os.path.exists(f):
            print("SKIP: %s is missing" % f)
            return 77
    fails = []

    def run(args, cwd=None):
        return subprocess.run([binary, "upcalls"] + args, capture_output=True, text=True,
                              cwd=cwd)

    base = run([good])
    if base.returncode != 0 or base.stderr or len(base.stdout.splitlines()) < 10:
        print("FAIL: upcalls %s: exit %d, stderr %r, %d lines" % (
            good, base.returncode, base.stderr, len(base.stdout.splitlines())))
        return 1
    # The recording that must not be read is refused by upcalls.
    r = run([wrong])
    if r.returncode == 0:
        print("FAIL: upcalls %s succeeds: the test could not tell the files apart" % wrong)
        return 1

    def expect(args, warned, cwd=None):
        r = run(args, cwd)
        want_err = WARN + "\n" if warned else ""
        if (r.returncode, r.stdout == base.stdout, r.stderr) != (0, True, want_err):
            fails.append("upcalls %s%s: exit %d, stdout %s, stderr %r; expected exit 0, the "
                         "lines without -d, stderr %r" % (
                             " ".join(args), " (in a directory of symlinks to the recordings)" if cwd
                             else "", r.returncode, "same" if r.stdout == base.stdout
                             else "different", r.stderr, want_err))

    # A mode after -d is its value.
    for opt in ("-d", "--packet-decode"):
        expect([opt, "decode", good], True)
        expect([opt, "hex", good], True)
        expect([opt, "none", good], False)
        # The word is the recording, not a mode: -d alone, decode.
        expect([opt, good], True)
    expect([good, "-d"], True)
    expect(["-dnone", good], False)
    expect(["--packet-decode=none", good], False)

    with tempfile.TemporaryDirectory() as d:
        # Mode-named files are the wrong recording, perf.data the right one:
        # "-d MODE" takes the mode and reads perf.data.
        for name in ("decode", "hex", "none"):
            os.symlink(wrong, os.path.join(d, name))
        os.symlink(good, os.path.join(d, "perf.data"))
        for opt in ("-d", "--packet-decode"):
            expect([opt, "decode"], True, d)
            expect([opt, "hex"], True, d)
            expect([opt, "none"], False, d)
    with tempfile.TemporaryDirectory() as d:
        # perf.data is the wrong recording, "rec" the right one: "-d rec"
        # reads rec.
        os.symlink(wrong, os.path.join(d, "perf.data"))
        os.symlink(good, os.path.join(d, "rec"))
        for opt in ("-d", "--packet-decode"):
            expect([opt, "rec"], True, d)

    # A word that is neither a mode nor the only file: a second input file,
    # one error line, nothing on standard output.
    r = run(["-d", "bogus", good])
    if r.returncode == 0 or r.stdout or \
            r.stderr != "ovsperf-analyze: more than one input file given\n":
        fails.append("upcalls -d bogus FILE: exit %d, stdout %d bytes, stderr %r" % (
            r.returncode, len(r.stdout), r.stderr))

    for f in fails[:40]:
        print("FAIL:", f)
    print("upcalls -d WORD on %s: %s" % (os.path.basename(good),
                                         "FAILED (%d)" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

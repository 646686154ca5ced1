#!/usr/bin/env python3
"""namedfiles.py - files named by a recording or by a user that are not
regular files (a FIFO, a character device, a directory) or are too large
are never read without end and never block.

1. kernel-delay -s on testdata/kdelay.g.data, whose MMAP2 records name
   /usr/lib/x86_64-linux-gnu/libc.so.6 (resolved on this machine: its frames
   print as "func+0x.. [libc.so.6]"), with that name rewritten to a FIFO, to
   /dev/zero and to a directory: the report comes out at once (exit 0), the
   libc frames stay raw.
2. --kallsyms FIFO|/dev/zero|a plain file of 128 MiB + 1 byte, `merge` of a FIFO|/dev/zero, `ovsperf-probe
   install` of a FIFO|/dev/zero|an over-large probe set: one error line
   saying what the file is, no block, no endless read.

Every command runs under a 20 s timeout (a FIFO open without O_NONBLOCK
blocks forever).
Usage: namedfiles.py --analyze BIN --probe BIN --testdata DIR --work DIR
Exit: 0 good, 1 a check failed, 77 libc.so.6 not on this machine (skip).
"""
import argparse
import os
import shutil
import subprocess
import sys

LIBC = b"/usr/lib/x86_64-linux-gnu/libc.so.6"
PID = "15759"	# the kdelay-load process of kdelay.g.data
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def run(argv, timeout=20):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b""
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    if not os.path.exists(LIBC.decode()):
        print("namedfiles: SKIP: %s is not on this machine" % LIBC.decode())
        return 77
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    # Short names under /tmp: they replace the 35-byte libc path in place.
    tmp = "/tmp/ovsperf-nf-%d" % os.getpid()
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    try:
        src = os.path.join(a.testdata, "kdelay.g.data")
        buf = open(src, "rb").read()
        rc, out, err = run([a.analyze, "kernel-delay", "-s", "--pid", PID, src])
        if rc != 0 or b"[libc.so.6]" not in out:
            fail("intact kdelay.g.data: exit %r, libc frames resolved: %s" % (
                rc, b"[libc.so.6]" in out))
        for what, name in (("FIFO", fifo), ("character device", "/dev/zero"),
                           ("directory", tmp)):
            new = name.encode()
            assert len(new) <= len(LIBC)
            data = buf.replace(LIBC, new + b"\0" * (len(LIBC) - len(new)))
            path = os.path.join(a.work, "kdelay.g.%s.data" % what.replace(" ", "-"))
            open(path, "wb").write(data)
            rc, out, err = run([a.analyze, "kernel-delay", "-s", "--pid", PID, path])
            if rc is None:
                fail("kernel-delay -s, MMAP2 names a %s: still running after 20 s" % what)
                continue
            if rc != 0 or b"kdelay-load" not in out:
                fail("kernel-delay -s, MMAP2 names a %s: exit %d, stderr %r" % (
                    what, rc, err[-300:]))
            if b"[libc.so.6]" in out:
                fail("kernel-delay -s, MMAP2 names a %s: libc frames resolved from it" % what)

        big = os.path.join(a.work, "big.probes")
        with open(big, "w") as f:
            f.write("# comment line to make a probe set larger than its limit\n" * 20000)
        huge = os.path.join(tmp, "huge.kallsyms")   # sparse: takes no disk
        with open(huge, "wb") as f:
            f.truncate(128 * 1024 * 1024 + 1)
        cases = [
            ("--kallsyms of 128 MiB + 1 byte", [a.analyze, "latency", "--kallsyms", huge,
                                                os.path.join(a.testdata, "ovs-lab.data")],
             "larger than 134217728 bytes (134217729)"),
            ("--kallsyms FIFO", [a.analyze, "latency", "--kallsyms", fifo,
                                 os.path.join(a.testdata, "ovs-lab.data")], "a FIFO"),
            ("--kallsyms /dev/zero", [a.analyze, "latency", "--kallsyms", "/dev/zero",
                                      os.path.join(a.testdata, "ovs-lab.data")],
             "a character device"),
            ("merge FIFO", [a.analyze, "merge", fifo], "a FIFO"),
            ("merge /dev/zero", [a.analyze, "merge", "/dev/zero"], "a character device"),
            ("install FIFO", [a.probe, "install", fifo], "a FIFO"),
            ("install /dev/zero", [a.probe, "install", "/dev/zero"], "a character device"),
            ("install a directory", [a.probe, "install", tmp + "/"], "a directory"),
            ("install a 1.1 MB probe set", [a.probe, "install", big], "larger than"),
        ]
        for name, argv, want in cases:
            rc, out, err = run(argv)
            lines = [ln for ln in err.decode().split("\n") if ln]
            if rc is None:
                fail("%s: still running after 20 s" % name)
            elif rc != 2 or len(lines) != 1 or want not in lines[0]:
                fail("%s: exit %d, want 2 and one line saying %r: %r" % (name, rc, want, lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("namedfiles: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

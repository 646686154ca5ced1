#!/usr/bin/env python3
"""parity.py: `ovsperf-analyze script FILE` must print what
`perf script -i FILE --ns -F comm,tid,cpu,time,event,trace` prints.

Lines are compared after collapsing runs of blanks (perf pads comm and
event names to widths that depend on its version).  On a difference the first
differing lines are printed with their line numbers; exit 1.  Exit 77 (ctest
SKIP) when perf is not installed.

Kernel symbols: print formats with %pS/%ps (skb:kfree_skb location=,
timer:hrtimer_expire_entry function=, ...) need the symbols of the recorded
boot.  When the recording's kernel text address ([kernel.kallsyms]_text mmap)
and os release match this machine's /proc/kallsyms and `uname -r`, the
recording is from this boot (or one with the same layout): both tools get
`--kallsyms /proc/kallsyms` and the symbols must match too.  Otherwise those
fields are masked on both sides (`location=SYM`), and the rest must match.
perf 6.1 prints those fields as raw addresses when it reads a pipe-mode file;
there an ovsperf `SYM+0xOFF` is accepted for perf's `0xADDR` when
/proc/kallsyms puts SYM at ADDR - OFF.

Usage: parity.py --perf PERF --ovsperf OVSPERF_ANALYZE FILE
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import perfscript  # noqa: E402

SKIP = 77
SYM_KEYS = ("location", "function", "call_site")
_SYM_FIELD = re.compile(r"\b(%s)=\S+" % "|".join(SYM_KEYS))
_KTEXT = re.compile(r"PERF_RECORD_MMAP.*@ (0x[0-9a-f]+)\]: x \[kernel\.kallsyms\]_text")


def run(cmd, stdin_path=None):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if stdin_path:
            stdin.close()
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def recorded_kernel(perf, path):
    """(os release, kernel _text address) of the recording, None when unknown."""
    cmd, stdin_path = perfscript.script_cmd(path, perf, "comm", ["--show-mmap-events"])
    _, out, _ = run(cmd, stdin_path)
    m = _KTEXT.search(out)
    ktext = int(m.group(1), 16) if m else None
    # perf report reads the header of pipe-mode files from the path as well.
    _, out, _ = run([perf, "report", "--header-only", "-i", path])
    m = re.search(r"^# os release : (\S+)", out, re.M)
    return (m.group(1) if m else None), ktext


def running_ktext():
    try:
        with open("/proc/kallsyms") as f:
            for line in f:
                addr, _, name = line.split()[:3]
                if name == "_text":
                    return int(addr, 16)
    except OSError:
        pass
    return None


def load_kallsyms():
    """name -> list of addresses, from /proc/kallsyms."""
    syms = {}
    with open("/proc/kallsyms") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                syms.setdefault(parts[2], []).append(int(parts[0], 16))
    return syms


_SYM_PAIR = re.compile(r"\b(%s)=(\S+)" % "|".join(SYM_KEYS))
_SYM_OFF = re.compile(r"^([^+\s]+)\+0x([0-9a-f]+)$")


def same_symbols(perf_line, ovs_line, ksyms):
    """True when the lines differ only in symbol fields where perf printed a raw
    address and ovsperf printed SYM+0xOFF at that address."""
    pv = _SYM_PAIR.findall(perf_line)
    ov = _SYM_PAIR.findall(ovs_line)
    if (not pv or len(pv) != len(ov)
            or _SYM_PAIR.sub("=", perf_line) != _SYM_PAIR.sub("=", ovs_line)):
        return False
    for (pk, pval), (ok, oval) in zip(pv, ov):
        if pk != ok:
            return False
        if pval == oval:
            continue
        m = _SYM_OFF.match(oval)
        if not pval.startswith("0x") or not m:
            return False
        addr = int(pval, 16)
        if not any(a + int(m.group(2), 16) == addr for a in ksyms.get(m.group(1), ())):
            return False
    return True


def normalise(text, mask_syms):
    lines = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if mask_syms:
            line = _SYM_FIELD.sub(lambda m: m.group(1) + "=SYM", line)
        if line:
            lines.append(line)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--perf", default="perf")
    ap.add_argument("--ovsperf", required=True)
    ap.add_argument("--max-diffs", type=int, default=5)
    ap.add_argument("file")
    args = ap.parse_args()

    perf = shutil.which(args.perf)
    if not perf:
        print("SKIP: perf not found")
        return SKIP
    osrel, ktext = recorded_kernel(perf, args.file)
    same_boot = (ktext is not None and ktext == running_ktext()
                 and osrel == platform.release())
    ksym_args = ["--kallsyms", "/proc/kallsyms"] if same_boot else []
    print("%s: recorded on %s, kernel text %s: %s" % (
        args.file, osrel, hex(ktext) if ktext is not None else "?",
        "this boot, comparing symbols" if same_boot else "another boot, symbols masked"))

    cmd, stdin_path = perfscript.script_cmd(args.file, perf,
                                            "comm,tid,cpu,time,event,trace", ksym_args)
    rc, perf_out, perf_err = run(cmd, stdin_path)
    if rc:
        print("perf script failed (%d): %s" % (rc, perf_err.strip()))
        return 1
    cmd = [args.ovsperf, "script"] + ksym_args + [args.file]
    rc, ovs_out, ovs_err = run(cmd)
    if rc:
        print("%s failed (%d): %s" % (" ".join(cmd), rc, ovs_err.strip()))
        return 1

    want = normalise(perf_out, not same_boot)
    got = normalise(ovs_out, not same_boot)
    if not want:
        print("perf script printed nothing: a broken recording?")
        return 1
    ksyms = load_kallsyms() if same_boot and perfscript.is_pipe_file(args.file) else None
    diffs = 0
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "<end of output>"
        g = got[i] if i < len(got) else "<end of output>"
        if w != g and not (ksyms and same_symbols(w, g, ksyms)):
            diffs += 1
            if diffs <= args.max_diffs:
                print("line %d differs:\n  perf:    %s\n  ovsperf: %s" % (i + 1, w, g))
    if diffs:
        print("%d of %d lines differ (perf %d lines, ovsperf %d lines)" % (
            diffs, max(len(want), len(got)), len(want), len(got)))
        return 1
    print("%d lines identical" % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main())

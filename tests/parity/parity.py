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

Events whose trace text perf prints through libtraceevent's plugins (perf
6.12 linked with the system libtraceevent prints sched:sched_switch as
`perf:8369 [120] D ==> migration/0:18 [0]`, not with the event's print
format): --plugin-events PREFIX (repeatable, e.g. "sched:") compares only the
line up to the event name for events starting with PREFIX, and says how many
lines were compared so.

--unknown-comm: perf 6.12 forgets a thread at its EXIT record and prints the
comm of later samples of that thread (the exiting task's last sched_switch)
as ":TID"; ovsperf keeps the name.  With this option such a line matches
when all but the comm is identical, and those lines are counted.

--kallsyms FILE: the kallsyms of the recorded boot (testdata/kernel-*.kallsyms):
both tools get it and the symbol fields are compared.

--expected TEXT: compare with a stored `perf script` output (the same -F
fields) instead of running perf, e.g. that of a perf that is not installed
(testdata/perf-6.12/; TEXT may be zstd-compressed, .zst); symbol fields
are then always masked.

Usage: parity.py --perf PERF --ovsperf OVSPERF_ANALYZE [--plugin-events PREFIX]...
                 [--expected TEXT] FILE
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


# "comm tid [cpu] secs.ns: system:event:" of a normalised line
_EVENT = re.compile(r"^(.*? \[\d+\] \d+\.\d+: )([\w-]+:[\w-]+):")


# perf 6.12's ":TID TID [cpu]" start of a line of a thread it no longer knows
_UNKNOWN_COMM = re.compile(r"^:(\d+) \1 \[")


# libtraceevent's sched plugin and the print formats, field by field
_PLUGIN = {
    "sched:sched_switch": (
        re.compile(r"^(.*):(\d+) \[(-?\d+)\] \S+ ==> (.*):(\d+) \[(-?\d+)\]$"),
        re.compile(r"^prev_comm=(.*) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=\S+ ==> "
                   r"next_comm=(.*) next_pid=(\d+) next_prio=(-?\d+)$")),
    "sched:sched_wakeup": (
        re.compile(r"^(.*):(\d+) \[(-?\d+)\] CPU:(\d+)$"),
        re.compile(r"^comm=(.*) pid=(\d+) prio=(-?\d+) target_cpu=(\d+)$")),
}
_PLUGIN["sched:sched_wakeup_new"] = _PLUGIN["sched:sched_wakeup"]
_PLUGIN["sched:sched_waking"] = _PLUGIN["sched:sched_wakeup"]


def plugin_fields(event, perf_trace, ovs_trace):
    """None: no field parser for @event; True/False: the fields are equal."""
    rx = _PLUGIN.get(event)
    if rx is None:
        return None
    mp, mo = rx[0].match(perf_trace), rx[1].match(ovs_trace)
    return bool(mp and mo and mp.groups() == mo.groups())


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
    ap.add_argument("--plugin-events", action="append", default=[])
    ap.add_argument("--expected")
    ap.add_argument("--unknown-comm", action="store_true")
    ap.add_argument("--kallsyms", help="the recorded boot's kallsyms: both tools get it "
                    "and symbol fields are compared")
    ap.add_argument("file")
    args = ap.parse_args()

    if args.expected:
        if args.expected.endswith(".zst"):
            rc, perf_out, err = run(["zstd", "-q", "-dc", args.expected])
            if rc:
                print("zstd -dc %s: %s" % (args.expected, err.strip()))
                return 1
        else:
            with open(args.expected, encoding="utf-8", errors="replace") as f:
                perf_out = f.read()
        perf, osrel, ktext, same_boot = None, "?", None, False
    else:
        perf = shutil.which(args.perf)
        if not perf:
            print("SKIP: perf not found (%s)" % args.perf)
            return SKIP
        osrel, ktext = recorded_kernel(perf, args.file)
        same_boot = (ktext is not None and ktext == running_ktext()
                     and osrel == platform.release())
    ksym_args = ["--kallsyms", "/proc/kallsyms"] if same_boot else []
    if args.kallsyms:
        same_boot, ksym_args = True, ["--kallsyms", args.kallsyms]
    print("%s: recorded on %s, kernel text %s: %s" % (
        args.file, osrel, hex(ktext) if ktext is not None else "?",
        "this boot, comparing symbols" if same_boot else "another boot, symbols masked"))

    if not args.expected:
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
    diffs = plugin = unknown = plugin_checked = 0
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "<end of output>"
        g = got[i] if i < len(got) else "<end of output>"
        if args.unknown_comm and w != g:
            m = _UNKNOWN_COMM.match(w)
            if m and g.split(" ", 1)[-1].startswith(m.group(1) + " "):
                parts = g.split(" ")
                # the comm may have blanks: drop words up to the tid
                k = parts.index(m.group(1), 1) if m.group(1) in parts[1:] else -1
                if k > 0:
                    g = ":%s %s" % (m.group(1), " ".join(parts[k:]))
                    unknown += 1
        if args.plugin_events:
            mw, mg = _EVENT.match(w), _EVENT.match(g)
            if (mw and mg and mw.group(2).startswith(tuple(args.plugin_events))
                    and mw.group(0) == mg.group(0)):
                pf = plugin_fields(mw.group(2), w[mw.end():].strip(), g[mg.end():].strip())
                if pf is None:
                    plugin += 1
                    continue
                if pf:
                    plugin_checked += 1
                    continue
        if w != g and not (ksyms and same_symbols(w, g, ksyms)):
            diffs += 1
            if diffs <= args.max_diffs:
                print("line %d differs:\n  perf:    %s\n  ovsperf: %s" % (i + 1, w, g))
    if diffs:
        print("%d of %d lines differ (perf %d lines, ovsperf %d lines)" % (
            diffs, max(len(want), len(got)), len(want), len(got)))
        return 1
    if unknown:
        print("%d lines with perf's \":TID\" comm of a thread after its EXIT record" % unknown)
    if plugin or plugin_checked:
        print("%d lines: %d identical, %d printed by perf through libtraceevent plugins "
              "(%s) with the same fields (sched_switch's prev_state letter not compared), "
              "%d of those compared up to the event name only" % (
                  len(want), len(want) - plugin - plugin_checked, plugin + plugin_checked,
                  " ".join(args.plugin_events), plugin))
        return 0
    print("%d lines identical" % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""signals.py - SIGINT and SIGTERM while ovsperf-analyze reads.

1. A file (a synthetic recording written by gen-synth, 2 M events): SIGINT,
   then SIGTERM, sent while the report is being computed.  The report of
   what was read is printed, marked partial (text: a WARNING line;
   JSON: recording.interrupted and recording.partial true, fewer events than
   the file holds), one warning on stderr, exit 130 (SIGINT) or 143
   (SIGTERM).
2. A live stream whose writer never closes it: the first SIGINT does not
   stop the reading (the writer got it too, and perf flushes on its way
   out); the second stops at once: exit 130, partial.
3. A live stream whose writer, like perf record, flushes the rest of its
   data and closes the stream when SIGINT reaches the process group: every
   event is reported, not partial, exit 0.
4. (--perf) The same with a real `perf record -o - | tee -i FILE |
   ovsperf-analyze latency --json -` pipeline and loopback traffic, SIGINT
   to the whole process group as a terminal sends it: the analyzer reports
   exactly what perf wrote (the tee'd stream analysed afterwards).

Usage: signals.py --analyze BIN --gen-synth BIN --work DIR [--perf PERF]
Exit: 0 good, 1 a check failed, 77 skipped (no tracefs for gen-synth).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def last_doc(out):
    """The JSON document: the whole output, or the last line of JSON Lines."""
    try:
        return json.loads(out)
    except ValueError:
        lines = [ln for ln in out.split(b"\n") if ln.strip()]
        return json.loads(lines[-1]) if lines else {}


def events_of(analyze, path):
    p = subprocess.run([analyze, "info", "--json", "-q", path], stdout=subprocess.PIPE)
    return json.loads(p.stdout)["recording"]["events"]


def wait_reading(pid, path):
    """Until process pid has the file mapped (it then catches the signals
    and is reading), then a little more: a fixed delay alone could send the
    signal before the analyzer started on a loaded machine."""
    for _ in range(600):
        try:
            if os.path.realpath(path) in open("/proc/%d/maps" % pid).read():
                break
        except OSError:
            return
        time.sleep(0.05)
    time.sleep(0.3)


def wait_drained(pid):
    """Until process pid has read everything written to its stdin pipe so
    far (FIONREAD of the pipe, opened through /proc, is 0)."""
    import fcntl
    import struct
    import termios
    try:
        fd = os.open("/proc/%d/fd/0" % pid, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        for _ in range(600):
            left = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
            if left == 0:
                break
            time.sleep(0.05)
    finally:
        os.close(fd)


def file_case(analyze, path, total, sig, work):
    name = signal.Signals(sig).name
    out = open(os.path.join(work, "file-%s.out" % name), "wb+")
    # --no-blame: the file's sched_switch events alone would add blame's
    # warning about the events it lacks; the signal's is the one counted.
    p = subprocess.Popen([analyze, "journey", "--json", "--no-blame", path], stdout=out,
                         stderr=subprocess.PIPE)
    wait_reading(p.pid, path)
    p.send_signal(sig)
    _o, err = p.communicate(timeout=120)
    out.seek(0)
    doc = last_doc(out.read())
    rec = doc.get("recording", {})
    check(p.returncode == 128 + sig, "file, %s: exit %d, want %d" % (name, p.returncode,
                                                                      128 + sig))
    check(rec.get("interrupted") is True and rec.get("partial") is True,
          "file, %s: recording.interrupted/partial not true: %r" % (
              name, {k: rec.get(k) for k in ("interrupted", "partial", "truncated")}))
    check(rec.get("truncated") is False, "file, %s: an interruption is not damage" % name)
    check(isinstance(rec.get("events"), int) and 0 < rec["events"] < total,
          "file, %s: %r events reported, want some of the %d" % (name, rec.get("events"), total))
    lines = [ln for ln in err.decode().split("\n") if ln and "no kernel symbols" not in ln]
    check(len(lines) == 1 and lines[0].startswith("ovsperf-analyze: warning: ") and name in lines[0],
          "file, %s: want one warning naming the signal, got %r" % (name, lines))
    # The text report says it is partial.
    out.seek(0)
    out.truncate()
    p = subprocess.Popen([analyze, "journey", path], stdout=out, stderr=subprocess.DEVNULL)
    wait_reading(p.pid, path)
    p.send_signal(sig)
    p.communicate(timeout=120)
    out.seek(0)
    o = out.read()
    if p.returncode == 128 + sig:
        check(b"interrupted by a signal; results are partial" in o,
              "file, %s: the text report does not say it is partial" % name)
    else:	# finished before the signal: nothing to check (informative)
        fail("file, %s: journey (text) exit %d, want %d" % (name, p.returncode, 128 + sig))


WRITER = r'''
import os, signal, sys, time
data = open(sys.argv[1], "rb").read()
half = int(sys.argv[2])
mode = sys.argv[3]
def flush_and_exit(sig, frm):
    os.write(1, data[half:])
    os._exit(0)
if mode == "flush":
    signal.signal(signal.SIGINT, flush_and_exit)
else:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
os.write(1, data[:half])
open(sys.argv[4], "w").close()	# first half written
while True:
    time.sleep(1)
'''


def half_of_samples(buf):
    """The pipe-mode record boundary after half of the SAMPLE records."""
    import struct
    recs, off = [], 16
    while off + 8 <= len(buf):
        rtype, _m, size = struct.unpack_from("<IHH", buf, off)
        recs.append((off, rtype))
        off += size + (struct.unpack_from("<I", buf, off + 8)[0] if rtype == 66 else 0)
    samples = [o for o, t in recs if t == 9]
    return samples[len(samples) // 2]


def stream_case(analyze, stream, mode, work):
    """mode "flush": the writer sends the rest on SIGINT and exits;
    "hold": it ignores SIGINT and never closes the stream."""
    with open(stream, "rb") as f:
        buf = f.read()
    half = half_of_samples(buf)
    mark = os.path.join(work, "half-written")
    if os.path.exists(mark):
        os.unlink(mark)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, stream, str(half), mode, mark],
                              stdout=subprocess.PIPE, preexec_fn=lambda: os.setpgid(0, 0))
    pgid = writer.pid
    an = subprocess.Popen([analyze, "latency", "--json", "-"], stdin=writer.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          preexec_fn=lambda: os.setpgid(0, pgid))
    writer.stdout.close()
    for _ in range(100):
        if os.path.exists(mark):
            break
        time.sleep(0.05)
    wait_drained(an.pid)	# the analyzer has read the first half
    time.sleep(0.3)
    os.killpg(pgid, signal.SIGINT)	# as a terminal does: the whole group
    total = events_of(analyze, stream)
    try:
        if mode == "flush":
            o, e = an.communicate(timeout=30)
            rec = last_doc(o).get("recording", {})
            check(an.returncode == 0, "stream, writer flushes: exit %d, want 0: %s" % (
                an.returncode, e.decode()[-300:]))
            check(rec.get("events") == total and rec.get("partial") is False,
                  "stream, writer flushes: %r events (partial %r), want all %d" % (
                      rec.get("events"), rec.get("partial"), total))
        else:
            time.sleep(1.0)
            check(an.poll() is None, "stream: the first SIGINT stopped the reading")
            t0 = time.time()
            an.send_signal(signal.SIGINT)
            o, e = an.communicate(timeout=10)
            rec = last_doc(o).get("recording", {})
            check(time.time() - t0 < 5, "stream: the second SIGINT did not stop at once")
            check(an.returncode == 130, "stream, second SIGINT: exit %d, want 130" % an.returncode)
            check(rec.get("interrupted") is True and rec.get("partial") is True and
                  0 < rec.get("events", 0) < total,
                  "stream, second SIGINT: %r events, interrupted %r, partial %r (of %d)" % (
                      rec.get("events"), rec.get("interrupted"), rec.get("partial"), total))
    finally:
        for p in (an, writer):
            if p.poll() is None:
                p.kill()
            p.wait()


def perf_case(analyze, perf, work):
    stream = os.path.join(work, "perf-stream.data")
    # Loopback traffic: netif_rx and netif_receive_skb for each packet (the
    # backlog preset of latency).
    ping = subprocess.Popen(["ping", "-q", "-i", "0.01", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rec = subprocess.Popen([perf, "record", "-q", "-a", "-e", "net:netif_rx", "-e",
                            "net:netif_receive_skb", "-o", "-"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, preexec_fn=lambda: os.setpgid(0, 0))
    pgid = rec.pid
    group = lambda: os.setpgid(0, pgid)
    # -i: Ctrl-C does not stop tee; -p: it keeps saving when its reader
    # goes away (so a reader that stops early shows up as a difference).
    tee = subprocess.Popen(["tee", "-i", "-p", stream], stdin=rec.stdout, stdout=subprocess.PIPE,
                           preexec_fn=group)
    rec.stdout.close()
    an = subprocess.Popen([analyze, "latency", "--json", "-"], stdin=tee.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=group)
    tee.stdout.close()
    time.sleep(3)
    os.killpg(pgid, signal.SIGINT)	# Ctrl-C: the whole pipeline
    try:
        o, e = an.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        fail("perf pipeline: the analyzer did not end after SIGINT")
        os.killpg(pgid, signal.SIGKILL)
        o, e = an.communicate()
    rec.wait()
    tee.wait()
    ping.terminate()
    ping.wait()
    check(an.returncode == 0, "perf pipeline: analyzer exit %d, want 0: %s" % (
        an.returncode, e.decode()[-300:]))
    live = json.loads(o)
    p = subprocess.run([analyze, "latency", "--json", stream], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    after = json.loads(p.stdout)
    ev_live, ev_after = live["recording"]["events"], after["recording"]["events"]
    check(ev_live == ev_after and ev_live > 0,
          "perf pipeline: %d events read live, %d in what perf wrote" % (ev_live, ev_after))
    check(live["reports"] == after["reports"],
          "perf pipeline: the live report differs from the report of the saved stream")
    print("perf pipeline: %d events live, %d in the saved stream" % (ev_live, ev_after))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--gen-synth", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--perf")
    a = ap.parse_args()
    if os.geteuid() != 0 or not os.path.isdir("/sys/kernel/tracing/events/net"):
        print("signals: SKIP: needs root and tracefs (gen-synth, perf record)")
        return 77
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    synth = os.path.join(a.work, "synth.data")
    subprocess.run([a.gen_synth, "-o", synth, "-n", "2000000"], check=True,
                   stdout=subprocess.DEVNULL)
    total = events_of(a.analyze, synth)
    for sig in (signal.SIGINT, signal.SIGTERM):
        file_case(a.analyze, synth, total, sig, a.work)
    os.unlink(synth)

    # A pipe-mode stream for the live cases: the synthetic file's packets
    # are too many to hold in a pipe writer, so use a small pipe recording.
    here = os.path.dirname(os.path.abspath(__file__))
    stream = os.path.join(here, "..", "..", "testdata", "net.pipe.data")
    stream_case(a.analyze, stream, "flush", a.work)
    stream_case(a.analyze, stream, "hold", a.work)
    if a.perf:
        perf_case(a.analyze, a.perf, a.work)
    print("signals: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

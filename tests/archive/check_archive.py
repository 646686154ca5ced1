#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ovsperf-analyze reading ovsperf archives (tar + zstd) directly.

usage: check_archive.py ANALYZE PROBE TESTDATA OUTDIR TEST-ARCHIVE

- archives made with GNU tar (gnu and pax formats) from a testdata
  recording and its kallsyms give the same reports (text and JSON) as the
  recording with --kallsyms;
- the archive's kallsyms is the one used: an archive whose kallsyms renames
  a symbol shows the new name in the drops locations (not the name from the
  recording's stored kallsyms or from this machine), and --kallsyms still
  overrides it;
- archives written by `ovsperf-probe archive` of testdata recordings (made
  on another boot: no kallsyms stored, one warning) give the same `script`
  output as the recordings, also for callchains and zstd-compressed
  records;
- `ovsperf-probe archive --kallsyms` stores a zstd-compressed kallsyms of
  the recorded boot and refuses one of another boot (exit 2, the earlier
  output file kept);
- errors: an archive on a pipe, a damaged archive, a zstd file that is no
  tar: exit 2 with a message naming the problem.
"""
import json
import os
import shutil
import subprocess
import sys

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, **kw)


def out(args):
    r = run(args)
    assert r.returncode == 0, "%s: rc %d: %s" % (args, r.returncode, r.stderr.decode())
    return r.stdout


def make_tar(outdir, name, members, fmt="gnu"):
    """members: {archive name: source path}; written with GNU tar --zstd."""
    d = os.path.join(outdir, name + ".d")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for m, src in members.items():
        shutil.copy(src, os.path.join(d, m))
    path = os.path.join(outdir, name)
    subprocess.run(["tar", "--zstd", "--format=" + fmt, "-cf", path, "-C", d] + list(members),
                   check=True)
    shutil.rmtree(d)
    return path


def main():
    analyze, probe, testdata, outdir, tool = sys.argv[1:6]
    os.makedirs(outdir, exist_ok=True)
    if not shutil.which("tar") or not shutil.which("zstd"):
        print("SKIP: tar and zstd are needed to build test archives")
        return 77
    rec = os.path.join(testdata, "ovs-lab.data")
    kz = os.path.join(testdata, "ovs-lab.kallsyms.zst")
    kallsyms = os.path.join(outdir, "ovs-lab.kallsyms")
    subprocess.run(["zstd", "-qdf", kz, "-o", kallsyms], check=True)

    want_text = out([analyze, "-q", "-r", rec, "--kallsyms", kz])
    want_json = json.loads(out([analyze, "-q", "--json", "-r", rec, "--kallsyms", kz]))
    for fmt in ("gnu", "pax", "ustar"):
        arch = make_tar(outdir, "ovs-lab-%s.tar.zst" % fmt,
                        {"perf.data": rec, "kallsyms": kallsyms}, fmt)
        check(out([analyze, "-q", "-r", arch]) == want_text, "%s archive: text differs" % fmt)
        got = json.loads(out([analyze, "-q", "--json", "-r", arch]))
        check(got["reports"] == want_json["reports"], "%s archive: JSON reports differ" % fmt)
        rg, rw = dict(got["recording"]), dict(want_json["recording"])
        check(rg.pop("path") == arch, "recording.path is the archive")
        rw.pop("path")
        check(rg.pop("kallsyms_source") == "archive" and rw.pop("kallsyms_source") == kz,
              "%s archive: kallsyms_source" % fmt)
        ar = rg.pop("archive", None)
        check(ar and ar["members"] == ["perf.data", "kallsyms"] and ar["format"] is None,
              "%s archive: recording.archive %s" % (fmt, ar))
        check("archive" not in rw, "recording.archive for a plain perf.data")
        check(rg == rw, "%s archive: recording facts differ" % fmt)

    # ovsperf-probe archive --kallsyms: a zstd-compressed copy of the recorded
    # boot's is stored (decompressed) as the kallsyms member; one of another
    # boot (_text elsewhere than the recording's kernel MMAP) is refused,
    # exit 2, and the earlier output file stays as it was.
    pa = os.path.join(outdir, "probe-kallsyms.tar.zst")
    out([probe, "archive", rec, "--kallsyms", kz, "-o", pa])
    r = run(["tar", "--zstd", "-xOf", pa, "kallsyms"])
    check(r.returncode == 0 and r.stdout == open(kallsyms, "rb").read(),
          "archive --kallsyms FILE.zst: the kallsyms member is not the file's text")
    check(out([analyze, "-q", "-r", pa]) == want_text, "archive --kallsyms: text differs")
    with open(pa, "wb") as f:
        f.write(b"earlier file")
    other = os.path.join(testdata, "kernel-6.12.kallsyms")
    r = run([probe, "archive", rec, "--kallsyms", other, "-o", pa])
    check(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and
          b"is not the kallsyms of the boot that made" in r.stderr,
          "archive --kallsyms of another boot: rc %d %s" % (r.returncode, r.stderr))
    check(open(pa, "rb").read() == b"earlier file", "a refused archive changed its output file")

    # The archive's kallsyms wins over the recording's stored one.
    renamed = os.path.join(outdir, "renamed.kallsyms")
    with open(kallsyms) as f, open(renamed, "w") as g:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "icmp_rcv":
                line = line.replace(" icmp_rcv", " archived_icmp_rcv", 1)
            g.write(line)
    arch = make_tar(outdir, "renamed.tar.zst", {"perf.data": rec, "kallsyms": renamed})
    drops = json.loads(out([analyze, "drops", "-q", "--json", "-r", arch]))["reports"]["drops"]
    locs = [l["location"] for l in drops["locations"]]
    check(any(l.startswith("archived_icmp_rcv+") for l in locs),
          "archive kallsyms not used: %s" % locs)
    check(not any(l.startswith("icmp_rcv+") for l in locs), "stored kallsyms used: %s" % locs)
    drops = json.loads(out([analyze, "drops", "-q", "--json", "-r", arch, "--kallsyms", kz]))
    locs = [l["location"] for l in drops["reports"]["drops"]["locations"]]
    check(any(l.startswith("icmp_rcv+") for l in locs), "--kallsyms does not override: %s" % locs)

    # Archives written by ovsperf-probe archive.
    if os.access("/proc/kallsyms", os.R_OK):
        for name in ("usdt.data", "net.z.data", "sched.g.data", "kdelay.g.data"):
            src = os.path.join(testdata, name)
            arch = os.path.join(outdir, name + ".tar.zst")
            r = run([probe, "archive", src, "-o", arch])
            check(r.returncode == 0, "ovsperf-probe archive %s: %s" % (name, r.stderr.decode()))
            check(b"was not recorded on this machine's running boot" in r.stderr,
                  "%s: no warning about kallsyms: %s" % (name, r.stderr.decode()))
            if r.returncode:
                continue
            a = out([analyze, "script", "-q", "-r", arch])
            b = out([analyze, "script", "-q", "-r", src])
            check(a == b and a, "%s: script differs between archive and recording" % name)
            a = out([analyze, "info", "-q", "--json", "-r", arch])
            b = out([analyze, "info", "-q", "--json", "-r", src])
            ja, jb = json.loads(a), json.loads(b)
            check(ja["reports"] == jb["reports"], "%s: info differs" % name)
            ar = ja["recording"].get("archive") or {}
            check(ar.get("format") == 1 and ar.get("source") == src and
                  ar.get("hostname") == os.uname().nodename and
                  ar.get("members", [None])[0] == "perf.data" and "MANIFEST" in ar["members"] and
                  "kallsyms" not in ar["members"], "%s: recording.archive %s" % (name, ar))
        # The stored symbol tables, found by binary path and parsed by the
        # reader, are the writer's lines (tar extracts the member).
        arch = os.path.join(outdir, "true.tar.zst")
        r = run([probe, "archive", os.path.join(testdata, "usdt.data"), "-o", arch,
                 "--binary", "/bin/true"])
        check(r.returncode == 0, "archive --binary /bin/true: %s" % r.stderr.decode())
        if r.returncode == 0:
            want = subprocess.run(["tar", "--zstd", "-xOf", arch, "symbols/bin_true.syms"],
                                  capture_output=True).stdout.decode()
            if not want:
                real = os.path.realpath("/bin/true").lstrip("/").replace("/", "_")
                want = subprocess.run(["tar", "--zstd", "-xOf", arch, "symbols/%s.syms" % real],
                                      capture_output=True).stdout.decode()
            path = next((l[8:] for l in want.splitlines() if l.startswith("# path: ")), None)
            got = out([tool, arch, path or "/bin/true"]).decode()
            want_syms = [l for l in want.splitlines() if l and not l.startswith("#")]
            check(path and got.splitlines() == want_syms and want_syms,
                  "symbols of /bin/true: %d parsed, %d stored" % (len(got.splitlines()), len(want_syms)))
        html = os.path.join(outdir, "usdt.html")
        out([analyze, "-q", "-r", os.path.join(outdir, "usdt.data.tar.zst"), "--html", html])
        check("<svg" in open(html).read() or "<table" in open(html).read(), "HTML from an archive")
    else:
        print("note: /proc/kallsyms unreadable; ovsperf-probe archive cases not run")

    # Errors.
    arch = os.path.join(outdir, "ovs-lab-gnu.tar.zst")
    # stdin redirected from the file is a regular file and works; a pipe not.
    with open(arch, "rb") as f:
        r = run([analyze, "info", "-q", "-r", "-"], stdin=f)
    check(r.returncode == 0, "archive as stdin file: rc %d %s" % (r.returncode, r.stderr))
    r = run([analyze, "info", "-q", "-r", "-"], input=open(arch, "rb").read())
    check(r.returncode == 2 and b"archive by its file name" in r.stderr,
          "archive on a pipe: rc %d %s" % (r.returncode, r.stderr))
    data = open(arch, "rb").read()
    cut = os.path.join(outdir, "cut.tar.zst")
    open(cut, "wb").write(data[:len(data) // 2])
    r = run([analyze, "info", "-q", "-r", cut])
    check(r.returncode == 2 and b"truncated archive" in r.stderr and cut.encode() in r.stderr,
          "truncated archive: rc %d %s" % (r.returncode, r.stderr))
    bad = bytearray(data)
    for i in range(len(bad) // 3, len(bad) // 3 + 64):
        bad[i] ^= 0x5a
    badf = os.path.join(outdir, "bad.tar.zst")
    open(badf, "wb").write(bytes(bad))
    r = run([analyze, "info", "-q", "-r", badf])
    check(r.returncode == 2 and b"archive" in r.stderr, "damaged archive: rc %d %s"
          % (r.returncode, r.stderr))
    plain = os.path.join(outdir, "plain.data.zst")
    subprocess.run(["zstd", "-qf", rec, "-o", plain], check=True)
    r = run([analyze, "info", "-q", "-r", plain])
    check(r.returncode == 2 and b"not a tar" in r.stderr, "zstd perf.data: rc %d %s"
          % (r.returncode, r.stderr))
    nop = make_tar(outdir, "noperf.tar.zst", {"kallsyms": kallsyms})
    r = run([analyze, "info", "-q", "-r", nop])
    check(r.returncode == 2 and b"no perf.data" in r.stderr, "no perf.data: rc %d %s"
          % (r.returncode, r.stderr))

    # Damaged tar headers (recompressed, so zstd itself is fine): never a
    # crash, always exit 0 or 2 (the writer's headers are at known offsets).
    import random
    rnd = random.Random(1)
    tar = subprocess.run(["zstd", "-qdc", arch], capture_output=True, check=True).stdout
    heads = [i for i in range(0, len(tar) - 512, 512)
             if tar[i + 257:i + 262] == b"ustar"]
    mut = os.path.join(outdir, "mut.tar.zst")
    refused = 0
    for n in range(60):
        b = bytearray(tar)
        h = rnd.choice(heads)
        for _ in range(rnd.randint(1, 4)):
            off = h + rnd.choice([rnd.randrange(512), 124 + rnd.randrange(12),
                                  148 + rnd.randrange(8), 156, 345 + rnd.randrange(10)])
            b[off] = rnd.randrange(256)
        if n % 2:
            # A valid checksum, so the fields themselves are parsed.
            hb = b[h:h + 512]
            hb[148:156] = b" " * 8
            b[h + 148:h + 156] = b"%06o\0 " % sum(hb)
        if n % 3 == 0:
            b = b[:rnd.randrange(len(b))]
        subprocess.run(["zstd", "-qf", "-o", mut], input=bytes(b), check=True)
        r = run([analyze, "info", "-q", "-r", mut])
        check(r.returncode in (0, 2) and b"Sanitizer" not in r.stderr,
              "mutated archive %d: rc %d %s" % (n, r.returncode, r.stderr[-300:]))
        refused += r.returncode == 2
    check(10 < refused < 60, "%d of 60 damaged archives refused" % refused)
    print("damaged archives: %d of 60 refused, none crashed" % refused)

    print("archive: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""kallsyms-cut.py - the part of a kallsyms file that a recording needs, for
testdata/: every symbol that contains a kernel address of the recording
(sample ips, and the location=/call_site=/function= fields perf script prints
raw for another boot), each followed by the next symbol, so that an address
resolves to the same SYM+OFF as with the whole file and an address beyond a
kept symbol's end is never charged to it; plus _text, _stext, _etext.

Usage: kallsyms-cut.py KALLSYMS(.zst) PERF_DATA OUT
"""
import re
import subprocess
import sys


def main():
    src, data, out = sys.argv[1:4]
    raw = (subprocess.run(["zstd", "-q", "-dc", src], stdout=subprocess.PIPE, check=True).stdout
           if src.endswith(".zst") else open(src, "rb").read()).decode()
    syms = []
    for line in raw.splitlines():
        p = line.split()
        if len(p) >= 3:
            syms.append((int(p[0], 16), line))
    syms.sort(key=lambda s: s[0])
    text = subprocess.run(["perf", "script", "-i", data, "-F", "ip,trace"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    addrs = {int(a, 16) for a in re.findall(r"\b(0xffff[0-9a-f]{12}|ffff[0-9a-f]{12})\b", text)}
    keep = set()
    import bisect
    starts = [s[0] for s in syms]
    for a in addrs:
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0:
            keep.update(range(i, min(i + 2, len(syms))))
    for i, (_, line) in enumerate(syms):
        if line.split()[2] in ("_text", "_stext", "_etext"):
            keep.add(i)
    with open(out, "w") as f:
        for i in sorted(keep):
            f.write(syms[i][1] + "\n")
    print("%s: %d of %d symbols for %d addresses" % (out, len(keep), len(syms), len(addrs)))


if __name__ == "__main__":
    main()

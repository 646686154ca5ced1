#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""script_json.py: `ovsperf-analyze script --json FILE` (JSON Lines) against
`ovsperf-analyze script FILE` (the text parity.py checks against perf script):

- one object per sample line, in the same order, with comm, pid, tid, cpu,
  time_ns, event and fields; comm, tid, cpu, time and event as the text's;
- every field decoded: a field the text prints as NAME=VALUE has that value
  (numbers equal, hexadecimal strings for pointers: the same address);
  no JSON integer is 2^63 or more (such values are hexadecimal strings);
- arrays as lists of bytes: raw_syscalls:sys_enter's args are 48 bytes
  whose six little-endian words are the text's "(a, b, ...)";
- callchain (hexadecimal addresses) exactly when the recording has call
  chains (-g): on every sample of WITH_G, on none of FILE.

Usage: script_json.py OVSPERF_ANALYZE FILE WITH_G
"""
import json
import re
import subprocess
import sys

LINE = re.compile(r"^\s*(?P<comm>.*?)\s+(?P<tid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+"
                  r"(?P<secs>\d+)\.(?P<ns>\d{9}):\s+(?P<event>[\w-]+:[\w-]+):\s?(?P<trace>.*)$")
KV = re.compile(r"(?:^|\s)([A-Za-z_]\w*)=(\S+)")
HEX = re.compile(r"^0x[0-9a-f]+$")
errors = []


def lines(analyze, args):
    return subprocess.run([analyze, "script", "-q"] + args, check=True, capture_output=True,
                          text=True).stdout.splitlines()


def check(analyze, path, want_chain):
    text = lines(analyze, [path])
    objs = [json.loads(ln) for ln in lines(analyze, ["--json", path])]
    if len(text) != len(objs) or not objs:
        errors.append(f"{path}: {len(objs)} objects for {len(text)} lines")
        return 0, 0
    nfields = nargs = 0
    for ln, o in zip(text, objs):
        m = LINE.match(ln)
        if not m:
            errors.append(f"{path}: unparsed text line {ln!r}")
            continue
        if sorted(o) != sorted(["comm", "pid", "tid", "cpu", "time_ns", "event", "fields"] +
                               (["callchain"] if want_chain else [])):
            errors.append(f"{path}: keys {sorted(o)} at {ln!r}")
        got = (o.get("comm"), o.get("tid"), o.get("cpu"), o.get("time_ns"), o.get("event"))
        want = (m["comm"], int(m["tid"]), int(m["cpu"]),
                int(m["secs"]) * 10**9 + int(m["ns"]), m["event"])
        if m["comm"].startswith(":"):
            want = (o.get("comm"),) + want[1:]  # never named: the text shows :TID
        if got != want:
            errors.append(f"{path}: {got} for {ln!r}")
        chain = o.get("callchain")
        if want_chain and (not chain or not all(HEX.match(a) for a in chain)):
            errors.append(f"{path}: callchain {chain!r} at {ln!r}")
        fields = o.get("fields", {})
        for k, v in fields.items():
            if isinstance(v, int) and not -2**63 <= v < 2**63:
                errors.append(f"{path}: {k}={v} is a JSON number of 2^63 or more")
        for k, tv in KV.findall(m["trace"]):
            if k not in fields:
                continue
            v = fields[k]
            if isinstance(v, str) and HEX.match(v) and HEX.match(tv):
                ok = int(v, 16) == int(tv, 16)
            elif isinstance(v, int) and re.match(r"^-?\d+$", tv):
                ok = v == int(tv)
            else:
                continue
            nfields += 1
            if not ok:
                errors.append(f"{path}: {k} {v!r}, the text {tv!r}, at {ln!r}")
        if o.get("event") == "raw_syscalls:sys_enter":
            a = fields.get("args")
            words = re.search(r"NR -?\d+ \(([0-9a-f, ]*)\)", m["trace"])
            if not isinstance(a, list) or len(a) != 48 or not words or \
                    [int.from_bytes(bytes(a[i:i + 8]), "little") for i in range(0, 48, 8)] != \
                    [int(w, 16) for w in words.group(1).split(", ")]:
                errors.append(f"{path}: args {a!r} for {ln!r}")
            nargs += 1
    return nfields, nargs


def main():
    analyze, path, with_g = sys.argv[1:4]
    n1, a1 = check(analyze, path, False)
    n2, a2 = check(analyze, with_g, True)
    if not n1 or not n2 or not a1:
        errors.append(f"nothing compared: {n1}+{n2} fields, {a1} sys_enter args")
    for e in errors[:20]:
        print("FAIL: " + e)
    if errors:
        return 1
    print(f"OK: {n1 + n2} fields, {a1 + a2} sys_enter args, call chains on {with_g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

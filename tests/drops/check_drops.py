#!/usr/bin/env python3
"""check_drops.py - check `ovsperf-analyze drops --json` on a recording
against counts computed independently from `perf script` output.

Usage: check_drops.py OVSPERF_ANALYZE DATA [--kallsyms FILE] [--expect REASON ...]
       [--callchains] [--resolve-hex KALLSYMS]

From perf script (its own reason names and symbolized locations):
  - every skb:kfree_skb whose reason is not CONSUMED / NOT_DROPPED_YET is a
    drop, counted by reason (exactly the name perf script prints), with its
    first and last time and its locations;
  - skb:consume_skb and kfree_skb CONSUMED are normal frees, counted apart;
  - the device of a drop is the last device (dev= or name=) seen on its skb
    since that skb was last freed (by skb address), "(unknown)" when none;
  - its flow is the first flow (saddr= daddr= sport= dport= protocol= of a
    probe: bytes in network order, printed as numbers) seen on its skb since
    that skb was last freed.
--kallsyms FILE is given to ovsperf-analyze so that both symbolize with the
same table.  --expect REASON fails unless that reason was dropped at least
once (so a recording that lost its drops cannot pass).  --callchains checks
that every drop has a kernel callchain (recorded with -g) and that the most
frequent chain of each reason starts at the same function as perf script's.
Also --time (from the quarter to the three quarters of the drops): the drops
by reason, with their first and last time, and the normal frees within it.
--resolve-hex KALLSYMS resolves the raw addresses perf script prints for a
recording whose symbols perf does not use (the synthetic one) with a
symbolizer of its own: the highest symbol at or below the address.
Exit 77 when perf or the recording is missing.
"""
import collections
import json
import socket
import struct
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import perfscript  # noqa: E402

NORMAL = ("CONSUMED", "NOT_DROPPED_YET")


import bisect
import functools

SYMS = []
ADDRS = []


def load_syms(path):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                SYMS.append((int(parts[0], 16), parts[2]))
    SYMS.sort()
    ADDRS.extend(a for a, _ in SYMS)


@functools.lru_cache(maxsize=None)
def loc_name(s):
    """'func+0x1a/0x80 [mod]' or 'func+0x1a' -> 'func+0x1a'; hex stays hex
    unless --resolve-hex gave symbols (then: the highest symbol at or below
    the address, not past the last one)."""
    s = re.sub(r"/0x[0-9a-f]+$", "", s.split(" ")[0])
    if SYMS and re.match(r"^0x[0-9a-f]+$", s):
        a = int(s, 16)
        i = bisect.bisect_right(ADDRS, a) - 1
        if 0 <= i < len(SYMS) - 1:
            s = "%s+0x%x" % (SYMS[i][1], a - SYMS[i][0])
    return s


def flow_of(f):
    """The flow string of a probe event's fields, as ovsperf prints it."""
    def ip(k):
        return socket.inet_ntoa(struct.pack("<I", int(f[k], 0))) if k in f else "?"

    def port(k):
        v = int(f[k], 0) if k in f else 0
        return ((v & 0xff) << 8) | (v >> 8)
    return "%s:%d -> %s:%d proto %d" % (ip("saddr"), port("sport"), ip("daddr"),
                                        port("dport"), int(f.get("protocol", "0"), 0))


def flow_of_bytes(f):
    """The flow of a probe's packet bytes: eth (an Ethernet frame, up to two
    VLAN tags) or nh (an IP header), as ovsperf prints it; None when the
    bytes are no IPv4/IPv6 packet (ARP, cut short)."""
    key = "eth" if "eth" in f else "nh"
    try:
        b = [int(x, 16) for x in f[key].strip("{}").split(",")]
    except (KeyError, ValueError):
        return None
    off = 0
    if key == "eth":
        if len(b) < 14:
            return None
        t, off = b[12] << 8 | b[13], 12
        for _ in range(2):
            if t not in (0x8100, 0x88a8):
                break
            off += 4
            if off + 2 > len(b):
                return None
            t = b[off] << 8 | b[off + 1]
        off += 2
        if t not in (0x0800, 0x86dd):
            return None
        if (t == 0x0800) != (off < len(b) and b[off] >> 4 == 4):
            return None
    if off >= len(b):
        return None
    ports = None
    if b[off] >> 4 == 4:
        ihl = (b[off] & 15) * 4
        if ihl < 20 or off + ihl > len(b):
            return None
        proto = b[off + 9]
        src = socket.inet_ntop(socket.AF_INET, bytes(b[off + 12:off + 16]))
        dst = socket.inet_ntop(socket.AF_INET, bytes(b[off + 16:off + 20]))
        frag = (b[off + 6] & 0x1f) << 8 | b[off + 7]
        l4 = off + ihl
        if frag == 0 and proto in (6, 17, 132) and l4 + 4 <= len(b):
            ports = (b[l4] << 8 | b[l4 + 1], b[l4 + 2] << 8 | b[l4 + 3])
    elif b[off] >> 4 == 6:
        if off + 40 > len(b):
            return None
        proto = b[off + 6]
        src = "[%s]" % socket.inet_ntop(socket.AF_INET6, bytes(b[off + 8:off + 24]))
        dst = "[%s]" % socket.inet_ntop(socket.AF_INET6, bytes(b[off + 24:off + 40]))
        p, later = off + 40, False
        while proto in (0, 43, 60, 44, 51) and p + 8 <= len(b):
            if proto == 44:
                later = later or ((b[p + 2] << 8 | b[p + 3]) >> 3) != 0
                n = 8
            elif proto == 51:
                n = (b[p + 1] + 2) * 4
            else:
                n = (b[p + 1] + 1) * 8
            proto, p = b[p], p + n
        if proto in (0, 43, 60, 44, 51):
            ports = None
        elif not later and proto in (6, 17, 132) and p + 4 <= len(b):
            ports = (b[p] << 8 | b[p + 1], b[p + 2] << 8 | b[p + 3])
    else:
        return None
    sp, dp = ports or (0, 0)
    return "%s:%d -> %s:%d proto %d" % (src, sp, dst, dp, proto)


def expected(recs):
    flows = collections.Counter()
    first_flow = {}
    drops = collections.OrderedDict()
    normal = {"consume_skb": 0, "kfree_skb_consumed": 0, "locations": collections.Counter()}
    last_dev = {}
    for r in recs:
        f = r.fields
        skb = f.get("skbaddr") or f.get("skb")
        dev = f.get("dev") or f.get("name")
        # A probe's string field is quoted by perf script (dev="veth1").
        if dev and len(dev) >= 2 and dev[0] == dev[-1] == '"':
            dev = dev[1:-1]
        if r.event == "skb:consume_skb":
            normal["consume_skb"] += 1
            normal["locations"][loc_name(f.get("location", "(none)"))] += 1
            last_dev.pop(skb, None)
            first_flow.pop(skb, None)
            continue
        if r.event != "skb:kfree_skb":
            if skb and dev:
                last_dev[skb] = dev
            if skb and "saddr" in f and skb not in first_flow:
                first_flow[skb] = flow_of(f)
            elif skb and ("eth" in f or "nh" in f) and skb not in first_flow:
                fl = flow_of_bytes(f)
                if fl:
                    first_flow[skb] = fl
            if r.event.endswith(":kfree_skbmem"):
                last_dev.pop(skb, None)
                first_flow.pop(skb, None)
            continue
        reason = f.get("reason", "(no reason recorded)")
        if reason in NORMAL:
            normal["kfree_skb_consumed"] += 1
            normal["locations"][loc_name(f.get("location", "(none)"))] += 1
            last_dev.pop(skb, None)
            first_flow.pop(skb, None)
            continue
        d = drops.setdefault(reason, {"count": 0, "first": r.time_ns, "last": r.time_ns,
                                      "locations": collections.Counter(),
                                      "devices": collections.Counter()})
        d["count"] += 1
        d["last"] = r.time_ns
        d["locations"][loc_name(f.get("location", "(none)"))] += 1
        d["devices"][last_dev.pop(skb, None)] += 1
        fl = first_flow.pop(skb, None)
        if fl:
            flows[fl] += 1
    return drops, normal, flows


def top_chain_funcs(data, kallsyms):
    """Per reason, the first function of the most frequent kernel callchain
    (perf script -F event,trace,ip,sym)."""
    cmd, stdin_path = perfscript.script_cmd(data, fields="event,trace,ip,sym")
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    out = subprocess.run(cmd + (["--kallsyms", kallsyms] if kallsyms else []), stdin=stdin,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    chains = collections.defaultdict(collections.Counter)
    reason, frames = None, []

    def flush():
        if reason and frames:
            chains[reason][tuple(frames)] += 1

    for line in out.splitlines():
        m = re.match(r"^\s*(\S+):\s+(.*)$", line)
        if m and not re.match(r"^\s+[0-9a-f]+ ", line):
            flush()
            reason, frames = None, []
            if m.group(1) == "skb:kfree_skb":
                rm = re.search(r"reason: (\S+)", m.group(2))
                reason = rm.group(1) if rm else "(no reason recorded)"
                if reason in NORMAL:
                    reason = None
            continue
        fm = re.match(r"^\s+([0-9a-f]+) (\S+)", line)
        # Kernel frames only (ovsperf keeps the kernel part of a chain).
        if fm and reason is not None and int(fm.group(1), 16) >= 0xffff800000000000:
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", fm.group(2)))
    flush()
    return {r: c.most_common(1)[0] for r, c in chains.items()}


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    binary, data = args[0], args[1]
    kallsyms, expect, callchains = None, [], False
    i = 2
    while i < len(args):
        if args[i] == "--kallsyms":
            kallsyms = args[i + 1]
            i += 2
        elif args[i] == "--expect":
            expect.append(args[i + 1])
            i += 2
        elif args[i] == "--resolve-hex":
            load_syms(args[i + 1])
            i += 2
        elif args[i] == "--callchains":
            callchains = True
            i += 1
        else:
            print("unknown argument", args[i])
            return 2
    if not shutil.which("perf"):
        print("SKIP: perf is not installed")
        return 77
    if not os.path.exists(data):
        print("SKIP: %s is missing" % data)
        return 77

    extra = []
    if kallsyms:
        extra = ["--kallsyms", kallsyms]
    recs = perfscript.run(data, extra=extra)
    exp, normal, flows = expected(recs)
    out = subprocess.run([binary, "drops", "--json", "-q", "--top", "1000"] + extra + [data],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    rep = json.loads(out)["reports"]["drops"]

    fails = []
    got = {r["reason"]: r for r in rep["reasons"]}
    if set(got) != set(exp):
        fails.append("reasons %s, expected %s" % (sorted(got), sorted(exp)))
    for reason, e in exp.items():
        g = got.get(reason)
        if not g:
            continue
        if g["count"] != e["count"]:
            fails.append("%s: count %d, expected %d" % (reason, g["count"], e["count"]))
        if g["first_ns"] != e["first"] or g["last_ns"] != e["last"]:
            fails.append("%s: first/last %d/%d, expected %d/%d" % (
                reason, g["first_ns"], g["last_ns"], e["first"], e["last"]))
        gl = collections.Counter()
        for loc in g["locations"]:
            gl[loc_name(loc["location"])] += loc["count"]
        if gl != e["locations"]:
            fails.append("%s: locations %s, expected %s" % (reason, dict(gl),
                                                          dict(e["locations"])))
        gd = collections.Counter({d["device"]: d["count"] for d in g.get("devices", [])})
        ed = collections.Counter({k: v for k, v in e["devices"].items()})
        if "devices" in g and gd != ed:
            fails.append("%s: devices %s, expected %s" % (reason, dict(gd), dict(ed)))
        if "devices" not in g and any(k is not None for k in ed):
            fails.append("%s: no devices reported, expected %s" % (reason, dict(ed)))
    gf = collections.Counter({x["flow"]: x["count"] for x in rep.get("flows", [])})
    if gf != flows:
        fails.append("flows %s, expected %s" % (dict(gf), dict(flows)))
    total = sum(e["count"] for e in exp.values())
    if rep["drops"] != total:
        fails.append("drops %d, expected %d" % (rep["drops"], total))
    n = rep["normal_frees"]
    if n["consume_skb"] != normal["consume_skb"] or \
            n["kfree_skb_consumed"] != normal["kfree_skb_consumed"]:
        fails.append("normal frees %d/%d, expected %d/%d" % (
            n["consume_skb"], n["kfree_skb_consumed"], normal["consume_skb"],
            normal["kfree_skb_consumed"]))
    gl = collections.Counter()
    for loc in n["locations"]:
        gl[loc_name(loc["location"])] += loc["count"]
    if gl != normal["locations"]:
        fails.append("normal free locations %s, expected %s" % (dict(gl),
                                                              dict(normal["locations"])))
    for reason in expect:
        if reason not in exp:
            fails.append("perf script shows no %s drop: the recording does not test it" %
                         reason)
    if callchains:
        tops = top_chain_funcs(data, kallsyms)
        for reason, g in got.items():
            chains = g.get("callchains", [])
            if sum(c["count"] for c in chains) != g["count"]:
                fails.append("%s: callchains cover %d drops of %d" % (
                    reason, sum(c["count"] for c in chains), g["count"]))
            top = tops.get(reason)
            if not chains or not top:
                fails.append("%s: no callchain (ovsperf %d, perf %s)" % (
                    reason, len(chains), top))
                continue
            g_funcs = [re.sub(r"\+0x.*$", "", f) for f in chains[0]["frames"]]
            if chains[0]["count"] != top[1] or g_funcs[0] != top[0][0]:
                fails.append("%s: top chain %d x %s, perf script %d x %s" % (
                    reason, chains[0]["count"], g_funcs[:3], top[1], list(top[0][:3])))

    # --time START,END: the drops and normal frees within it (from the
    # quarter to the three quarters of the drops), by reason with their
    # first and last time.
    dtimes = sorted(r.time_ns for r in recs if r.event == "skb:kfree_skb" and
                    r.fields.get("reason") not in NORMAL)
    # (Not on a recording with fewer than 4 distinct drop times: no such window.)
    if len(set(dtimes)) >= 4:
        lo, hi = dtimes[len(dtimes) // 4], dtimes[3 * len(dtimes) // 4]
        win = collections.OrderedDict()
        wnormal = collections.Counter()
        for r in recs:
            if not lo <= r.time_ns <= hi:
                continue
            if r.event == "skb:consume_skb":
                wnormal["consume_skb"] += 1
            elif r.event == "skb:kfree_skb":
                reason = r.fields.get("reason", "(no reason recorded)")
                if reason in NORMAL:
                    wnormal["kfree_skb_consumed"] += 1
                    continue
                w = win.setdefault(reason, [0, r.time_ns, r.time_ns])
                w[0] += 1
                w[2] = r.time_ns
        spec = "%d.%09d,%d.%09d" % (lo // 10**9, lo % 10**9, hi // 10**9, hi % 10**9)
        wrep = json.loads(subprocess.run([binary, "drops", "--json", "-q", "--time", spec] + extra +
                                         [data], stdout=subprocess.PIPE, check=True).stdout)
        wrep = wrep["reports"]["drops"]
        got_w = {r["reason"]: [r["count"], r["first_ns"], r["last_ns"]] for r in wrep["reasons"]}
        if got_w != dict(win) or wrep["drops"] != sum(w[0] for w in win.values()):
            fails.append("--time %s: drops %s, expected %s" % (spec, got_w, dict(win)))
        wn = wrep["normal_frees"]
        if (wn["consume_skb"], wn["kfree_skb_consumed"]) != \
                (wnormal["consume_skb"], wnormal["kfree_skb_consumed"]):
            fails.append("--time %s: normal frees %d/%d, expected %d/%d" % (
                spec, wn["consume_skb"], wn["kfree_skb_consumed"], wnormal["consume_skb"],
                wnormal["kfree_skb_consumed"]))
        if not win or sum(w[0] for w in win.values()) == total:
            fails.append("--time %s: %d of %d drops in the window: the check proves nothing" % (
                spec, sum(w[0] for w in win.values()), total))

    for f in fails[:40]:
        print("FAIL:", f)
    print("%s: %d drops (%s), %d normal frees: %s" % (
        os.path.basename(data), total,
        ", ".join("%s %d" % (r, e["count"]) for r, e in exp.items()),
        normal["consume_skb"] + normal["kfree_skb_consumed"],
        "FAILED (%d)" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

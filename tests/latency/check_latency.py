#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_latency.py - golden test of `ovsperf-analyze latency` on a real
recording: the expected numbers are computed here, independently, from
`perf script` output, with the span policy of the man page (LATENCY), and
compared with the analyzer's --json (or text) output.

Identity (--key): by default spans are keyed by the skb address; cases with
"identity": "head" key them by packet identity, computed here with the policy
of analyzer/engine/pktid.h ((head, skb) as retis) re-implemented naively (class
PktId), and a clone's first event at a later stage forks its parent's
pending span.

Usage: check_latency.py ANALYZE DATA CASE [KALLSYMS]

CASE names the span and the options (see CASES below).  Exit 0 when every
figure matches, 1 with a list of differences otherwise, 77 (skip) when perf
is missing.
"""
import json
import math
import re
import shutil
import socket
import struct
import subprocess
import sys

FREE_EVENTS = {"skb:kfree_skb", "skb:consume_skb", "kfree_skbmem"}
CLONE_SPAN = [["ovsperf:recv"], ["ovsperf:xmit"]]
CLONE_ARGS = ["--span", "ovsperf:recv->ovsperf:xmit"]


def is_free(ev):
    """A free event: by full name, kfree_skbmem in any group (a probe)."""
    return ev in FREE_EVENTS or ev.split(":", 1)[-1] == "kfree_skbmem"


def free_kind(ev):
    if ev in ("skb:kfree_skb", "skb:consume_skb"):
        return "free"
    return "free_mem" if ev.split(":", 1)[-1] == "kfree_skbmem" else "seen"

# name: (analyzer args, stages (lists of event names), python filter options,
#        minimums the recording must reach so the case tests something)
CASES = {
    "backlog": ([], [["net:netif_rx"], ["net:netif_receive_skb"]], {},
                {"count": 20, "cross_cpu": 1}),
    "backlog-preset": (["--preset", "backlog"], [["net:netif_rx"], ["net:netif_receive_skb"]],
                       {}, {"count": 50}),
    "three": (["--span", "net:net_dev_queue->net:netif_rx->net:netif_receive_skb"],
              [["net:net_dev_queue"], ["net:netif_rx"], ["net:netif_receive_skb"]], {},
              {"count": 50}),
    "four": (["--span", "net_dev_queue->netif_rx->net_dev_xmit->netif_receive_skb"],
             [["net:net_dev_queue"], ["net:netif_rx"], ["net:net_dev_xmit"],
              ["net:netif_receive_skb"]], {}, {"count": 50}),
    "egress": (["--span", "net:net_dev_queue->net:netif_receive_skb,net:net_dev_xmit"],
               [["net:net_dev_queue"], ["net:netif_receive_skb", "net:net_dev_xmit"]], {},
               {"count": 50}),
    "filters": (["--cpu", "1", "--dev", "ovsl-veth2", "--top", "3"],
                [["net:netif_rx"], ["net:netif_receive_skb"]],
                {"cpu": {1}, "dev": "ovsl-veth2", "top": 3}, {"count": 5}),
    "time": (["--time", "@MID", "--top", "7"],
             [["net:netif_rx"], ["net:netif_receive_skb"]], {"time": True, "top": 7},
             {"count": 5}),
    "table": (["--span", "net:net_dev_queue->net:netif_receive_skb,net:net_dev_xmit"],
              [["net:net_dev_queue"], ["net:netif_receive_skb", "net:net_dev_xmit"]],
              {"table": True}, {"count": 30}),
    # OVS kernel datapath recordings made in scripts/vmrig (kprobes).
    "ovs-dp": (["--preset", "ovs-dp"],
               [["probe:ovs_vport_receive"], ["probe:do_output", "probe:ovs_dp_upcall"]], {},
               {"count": 20}),
    "backlog3": (["--preset", "backlog"],
                 [["probe:enqueue_to_backlog"], ["probe:__netif_receive_skb"], ["probe:ip_rcv"]],
                 {}, {"count": 20, "reused": 1}),
    "auto-ovs-dp": ([], [["probe:ovs_vport_receive"], ["probe:do_output", "probe:ovs_dp_upcall"]],
                    {"span": "ovs-dp", "nr_spans": 2}, {"count": 20}),
    "auto-backlog": ([], [["probe:enqueue_to_backlog"], ["probe:__netif_receive_skb"],
                          ["probe:ip_rcv"]], {"span": "backlog", "nr_spans": 2}, {"count": 20}),
    # The same spans on the events of ovsperf-probe's sets (group ovsperf):
    # the kernel matrix recordings (scripts/make-kernel-testdata).
    "k-ovs-dp": (["--preset", "ovs-dp"],
                 [["ovsperf:ovs_vport_receive"], ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
                 {"identity": "head"}, {"count": 20}),
    "k-backlog": (["--preset", "backlog"],
                  [["ovsperf:enqueue_to_backlog"], ["ovsperf:__netif_receive_skb"],
                   ["ovsperf:ip_rcv"]], {"identity": "head"}, {"count": 20}),
    # The synthetic recording of gen-flows.c.
    "flows": ([], [["ovsperf:ovs_vport_receive"], ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
              {}, {"count": 100, "reused": 1, "orphan_ends": 1}),
    "flows-src": (["--src-ip", "10.11.0.2", "--interface", "veth2"],
                  [["ovsperf:ovs_vport_receive"], ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
                  {"flow": {"saddr": "10.11.0.2"}, "dev": "veth2"}, {"count": 10}),
    "flows-dst": (["--dst-ip", "10.11.0.2", "--dst-port", "9001", "--cpu", "0"],
                  [["ovsperf:ovs_vport_receive"], ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
                  {"flow": {"daddr": "10.11.0.2", "dport": 9001}, "cpu": {0}}, {"count": 10}),
    "flows-proto": (["--protocol", "tcp", "--src-port", "45678"],
                    [["ovsperf:ovs_vport_receive"],
                     ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
                    {"flow": {"ip_proto": 6, "sport": 45678}}, {"count": 10}),
    "flows-threshold": (["--threshold-us", "@THR"],
                        [["ovsperf:ovs_vport_receive"],
                         ["ovsperf:do_output", "ovsperf:ovs_dp_upcall"]],
                        {"threshold": True}, {"count": 100}),
    "threshold": (["--threshold-us", "@THR", "--kallsyms", "@KALLSYMS"],
                  [["net:netif_rx"], ["net:netif_receive_skb"]], {"threshold": True},
                  {"count": 20}),
    # Packet identity (make-clone-data FILE N recv: every event carries
    # skb->head; flooded packets send two clones before the original).
    "clone-head": (CLONE_ARGS + ["--key", "head"], CLONE_SPAN,
                   {"identity": "head", "requested": "head"}, {"count": 20, "forks": 2}),
    "clone-auto": (CLONE_ARGS, CLONE_SPAN, {"identity": "head", "requested": "auto"},
                   {"count": 20, "forks": 2}),
    "clone-skb": (CLONE_ARGS + ["--key", "skb"], CLONE_SPAN,
                  {"identity": "skb", "requested": "skb"}, {"count": 20, "orphan_ends": 2}),
    "clone-head-flow": (CLONE_ARGS + ["--key", "head", "--src-ip", "10.199.0.2",
                                      "--dst-port", "9998"], CLONE_SPAN,
                        {"identity": "head", "flow": {"saddr": "10.199.0.2", "dport": 9998}},
                        {"count": 3}),
    # The vmrig OVS kprobes carry no skb->head: head falls back to the skb.
    "ovs-dp-head": (["--preset", "ovs-dp", "--key", "head"],
                    [["probe:ovs_vport_receive"], ["probe:do_output", "probe:ovs_dp_upcall"]],
                    {"identity": "skb", "requested": "head"}, {"count": 20}),
    "backlog3-auto": (["--preset", "backlog", "--key", "auto"],
                      [["probe:enqueue_to_backlog"], ["probe:__netif_receive_skb"],
                       ["probe:ip_rcv"]], {"identity": "skb", "requested": "auto"},
                      {"count": 20, "reused": 1}),
}

LINE = re.compile(r"^\s*\[(\d+)\]\s+(\d+)\.(\d{9}):\s+(\S+?):?\s(.*)$")
SKB = re.compile(r"\bskb(?:addr)?=(0x[0-9a-f]+|\(nil\))")
HEAD = re.compile(r"\bhead=(0x[0-9a-f]+)")
# a tracepoint's dev=veth1, a probe's string field dev="veth1" (ovsperf-probe sets)
DEV = re.compile(r"dev=\"?([^\s\"]+)")
FLOW = re.compile(r"\b(saddr|daddr|sport|dport|ip_proto)=(0x[0-9a-f]+|\d+)")
VIHL = re.compile(r"\bip_vihl=(0x[0-9a-f]+|\d+)")


def flow_of(rest):
    """Flow fields of a trace line, as the man page says they are read:
    addresses are packet bytes (perf script prints the native u32), ports of
    dynamic probes (lines starting with the probe address) network order;
    with ip_vihl, only version 4 is a flow, and its ports only with a 20-byte
    header (the probe read them at +20)."""
    f = {}
    vihl = VIHL.search(rest)
    if vihl:
        vihl = int(vihl.group(1), 0)
        if vihl >> 4 != 4 or vihl & 15 < 5:
            return f
    for k, v in FLOW.findall(rest):
        if vihl and vihl & 15 != 5 and k in ("sport", "dport"):
            continue
        v = int(v, 0)
        if k in ("saddr", "daddr"):
            v = socket.inet_ntoa(struct.pack("<I", v))
        elif k in ("sport", "dport") and rest.startswith("("):
            v = socket.ntohs(v)
        f[k] = v
    return f


def parse(data, with_stacks):
    """Events as dicts {cpu, t, ev, skb, dev, stack} and LOST records."""
    fields = "cpu,time,event,trace" + (",ip" if with_stacks else "")
    out = subprocess.run(["perf", "script", "-i", data, "--ns", "--show-lost-events",
                          "-F", fields], capture_output=True, text=True, check=True).stdout
    events = []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            s = line.strip()
            if with_stacks and events and re.fullmatch(r"[0-9a-f]+", s):
                events[-1]["stack"].append(int(s, 16))
            continue
        cpu, t = int(m.group(1)), int(m.group(2)) * 10**9 + int(m.group(3))
        ev, rest = m.group(4), m.group(5)
        if ev.startswith("PERF_RECORD_LOST"):
            # A LOST record of 0 events (perf 6.1 writes some) opens no window.
            n = re.search(r"lost (\d+)", line)
            if not n or int(n.group(1)):
                events.append({"cpu": cpu, "t": t, "ev": "LOST", "stack": []})
            continue
        s = SKB.search(rest)
        d = DEV.search(rest)
        skb = 0 if not s or s.group(1) == "(nil)" else int(s.group(1), 16)
        h = HEAD.search(rest)
        events.append({"cpu": cpu, "t": t, "ev": ev, "skb": skb,
                       "head": int(h.group(1), 16) if h else 0,
                       "dev": d.group(1) if d else None, "flow": flow_of(rest), "stack": []})
    return events


class PktId:
    """Packet identity as pktid.h describes it: a live skb continues its
    identity (a new head moves it to that head); an unknown skb whose head a
    live identity has is a clone of the first identity of that head; anything
    else is a new identity; a free ends the skb's identity after its event,
    and a kfree_skbmem right after that free is a follow-up of it."""

    def __init__(self):
        self.live, self.groups, self.graves, self.next_id = {}, {}, {}, 1
        self.ending = None

    def _leave(self, n):
        if n["head"]:
            g = self.groups[n["head"]]
            g[1] -= 1
            if not g[1]:
                del self.groups[n["head"]]
        n["head"] = 0

    def _join(self, n, head):
        g = self.groups.setdefault(head, [n["id"], 0])
        g[1] += 1
        n["head"] = head

    def event(self, skb, head, kind):
        """-> (result, id, parent)"""
        if self.ending:
            n, self.ending = self.ending, None
            del self.live[n["skb"]]
            self._leave(n)
            self.graves[n["skb"]] = n
        n = self.live.get(skb)
        if n:
            res = "cont"
            if head and n["head"] != head:
                self._leave(n)
                g = self.groups.get(head)
                if g and not n["parent"] and g[0] != n["id"]:
                    n["parent"] = g[0]
                self._join(n, head)
        elif kind == "free_mem" and skb in self.graves:
            n = self.graves.pop(skb)
            return "followup", n["id"], n["parent"]
        else:
            n = {"skb": skb, "id": self.next_id, "parent": 0, "head": 0}
            self.next_id += 1
            res = "new"
            if head:
                if head in self.groups:
                    n["parent"] = self.groups[head][0]
                    res = "clone"
                self._join(n, head)
            self.live[skb] = n
            self.graves.pop(skb, None)
        if kind != "seen":
            self.ending = n
        return res, n["id"], n["parent"]


def run_model(events, stages, head_identity=False):
    """The span policy, written from the man page, naively; with
    @head_identity the keys are packet identities (PktId)."""
    n = len(stages)
    role = {}
    for k, alts in enumerate(stages):
        for a, name in enumerate(alts):
            role[name] = (k, a)
    pending = {}            # key -> dict(stage, t[], cpu[], alt[], dev, stack)
    recs, hops, windows = [], [], []
    c = {"started": 0, "completed": 0, "orphan_mids": 0, "orphan_ends": 0, "forks": 0,
         "reused": [0] * n, "dropped": [0] * n, "unfinished": [0] * n}
    last = {}
    ids = PktId()

    def key_of(e, kind):
        if not head_identity or not e["skb"]:
            return "cont", e["skb"], 0
        return ids.event(e["skb"], e["head"], kind)

    for e in events:
        if e["ev"] == "LOST":
            windows.append((last.get(e["cpu"], 0), e["t"]))
            continue
        last[e["cpu"]] = e["t"]
        if is_free(e["ev"]):
            res, key, _ = key_of(e, free_kind(e["ev"]))
            p = pending.pop(key, None) if res != "followup" else None
            if p:
                c["dropped"][p["stage"]] += 1
            continue
        if e["ev"] not in role:
            continue
        k, a = role[e["ev"]]
        res, skb, parent = key_of(e, "seen")
        if res == "clone" and k > 0 and skb not in pending and parent in pending:
            # A clone between two stages goes on from its parent's span.
            fork = dict(pending[parent], t=list(pending[parent]["t"]),
                        cpu=list(pending[parent]["cpu"]), alt=list(pending[parent]["alt"]))
            fork["skb"], fork["parent"] = e["skb"], parent
            pending[skb] = fork
            c["forks"] += 1
        p = pending.get(skb)
        if k == 0:
            c["started"] += 1
            if p:
                c["reused"][p["stage"]] += 1
            pending[skb] = {"stage": 0, "t": [e["t"]], "cpu": [e["cpu"]], "alt": [a],
                            "dev": e["dev"], "flow": e["flow"], "skb": e["skb"], "parent": 0}
            continue
        if not p or p["stage"] != k - 1:
            c["orphan_ends" if k == n - 1 else "orphan_mids"] += 1
            continue
        p["stage"] = k
        p["t"].append(e["t"])
        p["cpu"].append(e["cpu"])
        p["alt"].append(a)
        if p["dev"] is None and not p["flow"]:
            p["dev"], p["flow"] = e["dev"], e["flow"]
        hops.append({"k": k, "t0": p["t"][k - 1], "t1": e["t"], "cpu0": p["cpu"][k - 1],
                     "cpu1": e["cpu"], "dev": p["dev"], "flow": p["flow"]})
        if k == n - 1:
            c["completed"] += 1
            p["stack"] = e["stack"]
            p["parent"] = parent
            recs.append(p)
            del pending[skb]
    for p in pending.values():
        c["unfinished"][p["stage"]] += 1

    def crosses(t0, t1):
        return any(t0 < hi and t1 > lo for lo, hi in windows)

    c["lost_windows"] = 0
    for r in recs:
        r["lost"] = crosses(r["t"][0], r["t"][-1])
        c["lost_windows"] += r["lost"]
    for h in hops:
        h["lost"] = crosses(h["t0"], h["t1"])
    c["nr_windows"] = len(windows)
    return recs, hops, c


def pct(vals, tenths):
    """Nearest rank on sorted values; p given in tenths of a percent."""
    n = len(vals)
    rank = max(1, min(n, -(-tenths * n // 1000)))
    return vals[rank - 1]


def log2_hist(vals):
    slots = {}
    for v in vals:
        i = 0 if v < 2 else v.bit_length() - 1
        slots[i] = slots.get(i, 0) + 1
    return [{"lo_ns": 0 if i == 0 else 1 << i, "hi_ns": 1 << (i + 1), "count": slots[i]}
            for i in sorted(slots)]


def stats(vals, cross, top):
    s = sorted(vals)
    d = {"count": len(s), "cross_cpu": cross, "histogram": log2_hist(s)}
    if s:
        d.update(min_ns=s[0], max_ns=s[-1], p50_ns=pct(s, 500), p90_ns=pct(s, 900),
                 p99_ns=pct(s, 990), p999_ns=pct(s, 999), mean_ns=sum(s) / len(s),
                 worst_ns=s[::-1][:top], best_ns=s[:top])
    return d


class Diff:
    def __init__(self):
        self.errors = []

    def eq(self, what, got, exp):
        if isinstance(exp, float):
            ok = got is not None and math.isclose(got, exp, rel_tol=1e-9, abs_tol=1e-6)
        else:
            ok = got == exp
        if not ok:
            self.errors.append(f"{what}: analyzer {got!r}, expected {exp!r}")


def symbolize(kallsyms):
    syms = []
    for line in open(kallsyms):
        p = line.split()
        if len(p) < 3:
            continue
        syms.append((int(p[0], 16), p[1], p[2], p[3][1:-1] if len(p) > 3 else None))
    syms.sort(key=lambda s: s[0])
    text = []
    for i, (addr, typ, name, mod) in enumerate(syms):
        if typ not in "tTwW":
            continue
        if text and text[-1][0] == addr:
            continue                # aliases: the first one wins
        nxt = next((s[0] for s in syms[i + 1:] if s[0] > addr and s[1] not in "aA"), addr)
        text.append((addr, nxt - addr, name, mod))

    def fmt(ip):
        best = None
        for addr, size, name, mod in text:
            if addr <= ip and (ip < addr + size or ip == addr):
                best = (addr, size, name, mod)
        if not best:
            return f"{ip:#x}"
        addr, size, name, mod = best
        s = f"{name}+{ip - addr:#x}/{size:#x}"
        return s + (f" [{mod}]" if mod else "")
    return fmt


# Bad invocations: (arguments, exit code, message fragment).
ERRORS = [
    (["--src-ip", "10.0.0.1"], 2, "--src-ip: the events of span backlog have no field saddr"),
    (["--protocol", "udp"], 2, "--protocol: the events of span backlog have no field ip_proto"),
    (["--span", "net:netif_rx->sched:nothing"], 2, "no event of stage 2"),
    (["--span", "net:netif_rx"], 2, "needs at least two stages"),
    (["--span", "net:netif_rx->skb:kfree_skb"], 2, "frees skbs"),
    (["--span", "net:netif_rx->net:netif_receive_skb", "--key", "nokey"], 2,
     "has no field nokey"),
    (["--preset", "ovs-dp"], 2, "span ovs-dp: no event of stage 1"),
    (["--preset", "nope"], 1, "unknown preset"),
    (["--hist", "cubic"], 1, "--hist"),
    (["--cpu", "x"], 1, "--cpu"),
    # Number options: ovp_parse_uint_opt()'s message, with the option's name.
    (["--limit", "x"], 1, "--limit: expected a whole number from 0 to 9223372036854775807, not 'x'"),
    (["--top", "-1"], 1, "--top: expected a whole number from 0 to 9223372036854775807, not '-1'"),
    (["--hist", "linear:0"], 1, "--hist linear: expected a whole number from 1 to "
     "9223372036854775807, not '0'"),
    (["--threshold-us", "0"], 1, "--threshold-us: expected a whole number from 1 to "
     "18446744073709551, not '0'"),
    # Past it the threshold in ns would not fit 64 bits.
    (["--threshold-us", "18446744073709552"], 1, "--threshold-us: expected a whole number"),
    # --interval: 1e-6 to 1e6 seconds, fractions allowed.
    (["--interval", "0.0000009"], 1,
     "--interval: '0.0000009' is not a number of seconds (1e-6 to 1e6)"),
    (["--interval", "1000001"], 1,
     "--interval: '1000001' is not a number of seconds (1e-6 to 1e6)"),
]


def check_errors(analyze, data):
    bad = []
    for args, code, msg in ERRORS:
        out = subprocess.run([analyze, "latency", "-q"] + args + [data],
                             capture_output=True, text=True)
        if out.returncode != code or msg not in out.stderr:
            bad.append(f"{args}: exit {out.returncode} (want {code}), stderr {out.stderr!r} "
                       f"(want {msg!r})")
    for b in bad:
        print("  " + b)
    print(f"errors on {data}: {len(ERRORS) - len(bad)}/{len(ERRORS)} as expected")
    return 1 if bad else 0


def check_options(analyze, data):
    """The options of latency(1) that change what is shown, against the
    report's own JSON: --top (default 5), --limit (0: all), --hist linear
    (default width a twentieth of the maximum, in whole us, plus 1),
    --interval's range (the bounds are accepted), --time with one side
    empty, --key head on events
    without skb->head (one warning, keyed by skb address), -q (no warning),
    blame without its events and --no-blame."""
    bad = []

    def run(args, code=0):
        p = subprocess.run([analyze, "latency"] + args + [data], capture_output=True,
                           text=True)
        if p.returncode != code:
            bad.append(f"{args}: exit {p.returncode}, want {code}: {p.stderr.strip()}")
        return p

    def span(args):
        doc = json.loads(run(["-q", "--json"] + args).stdout or "{}")
        return doc.get("reports", {}).get("latency", {}).get("spans", [{}])[0]

    sp = span([])
    n = sp.get("completed", 0)
    if n < 30:
        bad.append(f"{n} completed spans: too few to test the options")
    for args, want in (([], 5), (["--top", "2"], 2), (["--top", "0"], 0)):
        got = span(args)
        for k in ("best", "worst", "best_ns", "worst_ns"):
            if len(got.get(k, [])) != want:
                bad.append(f"{args}: {len(got.get(k, []))} {k}, want {want}")
    row = re.compile(r"^\d{3} 0x[0-9a-f]{16} ", re.M)
    for args, want in (([], n), (["--limit", "0"], n), (["--limit", "3"], 3),
                       (["--limit", str(n + 10)], n)):
        got = len(row.findall(run(["-q", "--table"] + args).stdout))
        if got != want:
            bad.append(f"--table {args}: {got} rows, want {want}")
    # --time START,END with either side empty: the packets whose whole span
    # lies within (every stage's time in the --table row).
    def table(args):
        out = run(["-q", "--table"] + args).stdout
        return [(r[1], tuple(re.findall(r"\d+\.\d{9}", r[2])))
                for r in re.findall(r"^(\d{3}) (0x[0-9a-f]{16}) +\d+\.\d\d +(.*)$", out, re.M)]
    def ns(t):
        return int(t.replace(".", ""))
    rows = table([])
    # The middle of a span near the middle of the recording: that span is
    # kept by neither side.
    mid = sorted((ns(ts[0]) + ns(ts[-1])) // 2 for _, ts in rows)[len(rows) // 2] if rows else 0
    for tm, keep in ((f"{mid // 10**9}.{mid % 10**9:09d},", lambda ts: ns(min(ts)) >= mid),
                     (f",{mid // 10**9}.{mid % 10**9:09d}", lambda ts: ns(max(ts)) <= mid)):
        want = [r for r in rows if keep(r[1])]
        got = table(["--time", tm])
        if not 0 < len(want) < len(rows) or got != want:
            bad.append(f"--time {tm}: {len(got)} rows, want {len(want)} of {len(rows)}")
    max_us = sp.get("max_ns", 0) // 1000
    for args, width in ((["--hist", "linear"], max_us // 20 + 1), (["--hist", "linear:7"], 7)):
        txt = run(["-q"] + args).stdout
        m = re.search(r"Latency distribution \(us, linear, width (\d+)\):\n((?:\[.*\n)+)", txt)
        if not m:
            bad.append(f"{args}: no linear histogram in the text")
            continue
        if int(m.group(1)) != width:
            bad.append(f"{args}: width {m.group(1)}, want {width}")
        slots = re.findall(r"^\[(\d+), (\d+)\) +(\d+) \|", m.group(2), re.M)
        if sum(int(c) for _, _, c in slots) != n:
            bad.append(f"{args}: the slots count {sum(int(c) for _, _, c in slots)}, want {n}")
        # Slots of the width from 0, printed from the first to the last
        # non-empty one (bpftrace's lhist); the last holds the maximum.
        if not slots or any(int(hi) - int(lo) != width or int(lo) % width
                            for lo, hi, _ in slots) or \
                any(int(slots[i][1]) != int(slots[i + 1][0]) for i in range(len(slots) - 1)) or \
                slots[0][2] == "0" or slots[-1][2] == "0" or \
                not int(slots[-1][0]) <= max_us < int(slots[-1][1]):
            bad.append(f"{args}: slots {slots[:3]}...{slots[-1:]} are not steps of {width} "
                       f"from a multiple of it, non-empty at both ends, up to {max_us}")
    for v in ("0.000001", "1e6"):
        run(["-q", "--interval", v])
    warn = "--key head: no stage event carries skb->head; keyed by skb address"
    p = run(["--key", "head"])
    lines = p.stderr.splitlines()
    if len([ln for ln in lines if warn in ln]) != 1:
        bad.append(f"--key head: want one warning {warn!r}, stderr {p.stderr!r}")
    if not re.search(r"^Identity: skb address .*--key head asked", p.stdout, re.M):
        bad.append("--key head: the Identity line does not say the key was asked for")
    got = span(["--key", "head"])
    if (got.get("identity"), got.get("identity_requested")) != ("skb", "head"):
        bad.append(f"--key head: identity {got.get('identity')}, requested "
                   f"{got.get('identity_requested')}, want skb, head")
    p = run(["-q", "--key", "head"])
    if p.stderr:
        bad.append(f"-q --key head: stderr {p.stderr!r}, want nothing")
    # Blame: without any of its events the text says what to record (no
    # warning) and the JSON blame is null; --no-blame: none, and no warning
    # about missing blame events.
    p = run([])
    ask = ("Where the time went: record sched:sched_switch, sched:sched_wakeup, "
           "irq:softirq_entry, irq:softirq_exit, irq:irq_handler_entry, "
           "irq:irq_handler_exit to know\n")
    if sp.get("blame", 0) is None and (ask not in p.stdout or "blame without" in p.stderr):
        bad.append(f"no blame events: the text does not say what to record, or stderr "
                   f"{p.stderr!r}")
    if sp.get("blame") is not None and ("Where the time went (" not in p.stdout or
                                        ask in p.stdout):
        bad.append("blame events: no 'Where the time went (' section")
    p = run(["--no-blame"])
    if "Where the time went" in p.stdout or "blame without" in p.stderr or \
            span(["--no-blame"]).get("blame", 0) is not None:
        bad.append(f"--no-blame: blame shown, computed or warned about: {p.stderr!r}")
    for b in bad:
        print("  " + b)
    print(f"options on {data}: {'FAIL' if bad else 'OK'} ({n} spans)")
    return 1 if bad else 0


def main():
    analyze, data, case = sys.argv[1], sys.argv[2], sys.argv[3]
    if case == "errors":
        return check_errors(analyze, data)
    if case == "options":
        return check_options(analyze, data)
    kallsyms = sys.argv[4] if len(sys.argv) > 4 else None
    if not shutil.which("perf"):
        print("perf not installed: skipped")
        return 77
    args, stages, flt, minimum = CASES[case]
    events = parse(data, flt.get("threshold"))
    recs, hops, c = run_model(events, stages, flt.get("identity") == "head")
    n = len(stages)
    top = flt.get("top", 5)

    # Options whose values come from the recording itself.
    times = sorted(r["t"][0] for r in recs)
    tstart, tend = 0, 1 << 64
    if flt.get("time"):
        tstart, tend = times[len(times) // 4], times[3 * len(times) // 4]
    lats = sorted(r["t"][-1] - r["t"][0] for r in recs if not r["lost"])
    thr_us = (lats[len(lats) * 9 // 10] // 1000) if lats else 1
    sub = {"@MID": f"{tstart // 10**9}.{tstart % 10**9:09d},{tend // 10**9}.{tend % 10**9:09d}",
           "@THR": str(max(thr_us, 1)), "@KALLSYMS": kallsyms or ""}
    args = [sub.get(a, a) for a in args]

    def keep(cpus, dev, flow, t0, t1):
        if "cpu" in flt and not (set(cpus) & flt["cpu"]):
            return False
        if "dev" in flt and dev != flt["dev"]:
            return False
        for k, v in flt.get("flow", {}).items():
            if flow.get(k) != v:
                return False
        return t0 >= tstart and t1 <= tend

    kept = [r for r in recs if not r["lost"] and
            keep(r["cpu"], r["dev"], r["flow"], r["t"][0], r["t"][-1])]
    kept_hops = [h for h in hops if not h["lost"] and
                 keep([h["cpu0"], h["cpu1"]], h["dev"], h["flow"], h["t0"], h["t1"])]

    out = subprocess.run([analyze, "latency", "--json", "-q"] + args + [data],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"ovsperf-analyze failed ({out.returncode}): {out.stderr}")
        return 1
    doc = json.loads(out.stdout)
    spans = doc["reports"]["latency"]["spans"]
    d = Diff()
    d.eq("number of spans", len(spans), flt.get("nr_spans", 1))
    sp = spans[0]
    if "span" in flt:
        sp = next((x for x in spans if x["name"] == flt["span"]), sp)
        d.eq("span name", sp["name"], flt["span"])
    d.eq("stages", sp["stages"], stages)

    full = stats([r["t"][-1] - r["t"][0] for r in kept],
                 sum(r["cpu"][0] != r["cpu"][1] for r in kept), top)
    for k, v in full.items():
        d.eq(f"span {k}", sp.get(k), v)
    for k in ("orphan_mids", "orphan_ends", "lost_windows", "started", "completed", "forks"):
        d.eq(k, sp.get(k), c[k])
    if "identity" in flt:
        head = flt["identity"] == "head"
        d.eq("identity", sp.get("identity"), flt["identity"])
        d.eq("key", sp.get("key"), "head" if head else "skb")
        if "requested" in flt:
            d.eq("identity_requested", sp.get("identity_requested"), flt["requested"])
    else:
        head = False
        d.eq("identity", sp.get("identity"), "skb")
    nev = [sum(1 for e in events if e["ev"] in st) for st in stages]
    d.eq("events_by_stage", list(sp["events_by_stage"].values()), nev)
    for k in ("unfinished", "reused", "dropped"):
        d.eq(k, sp[k], sum(c[k]))
        d.eq(f"{k}_by_stage", list(sp[f"{k}_by_stage"].values()), c[k][:n - 1])

    for k in range(1, n):
        name = f"{','.join(stages[k - 1])}->{','.join(stages[k])}"
        hp = stats([h["t1"] - h["t0"] for h in kept_hops if h["k"] == k],
                   sum(h["cpu0"] != h["cpu1"] for h in kept_hops if h["k"] == k), top)
        got = sp["hops"][k - 1]
        d.eq(f"hop {k} name", got["name"], name)
        for key in ("count", "min_ns", "max_ns", "p50_ns", "p90_ns", "p99_ns", "mean_ns",
                    "worst_ns", "cross_cpu", "histogram"):
            d.eq(f"hop {name} {key}", got.get(key), hp.get(key))
        if n > 2:
            iv = stats([r["t"][k] - r["t"][k - 1] for r in kept],
                       sum(r["cpu"][k] != r["cpu"][k - 1] for r in kept), top)
            got = sp["intervals"][k - 1]
            d.eq(f"interval {k} name", got["name"], name)
            for key in ("count", "min_ns", "max_ns", "p50_ns", "p90_ns", "p99_ns", "mean_ns",
                        "worst_ns", "cross_cpu", "histogram"):
                d.eq(f"interval {name} {key}", got.get(key), iv.get(key))

    # Per egress, per first-stage CPU and per device: counts and maxima.
    groupings = [("by_egress", "event", lambda r: stages[-1][r["alt"][-1]]),
                 ("by_cpu", "cpu", lambda r: r["cpu"][0])]
    if "by_dev" in sp:
        groupings.append(("by_dev", "dev", lambda r: r["dev"]))
    for key, field, group in groupings:
        exp = {}
        for r in kept:
            g = exp.setdefault(group(r), [])
            g.append(r["t"][-1] - r["t"][0])
        got = {g.get(field): g for g in sp[key]}
        d.eq(f"{key} groups", sorted(got, key=str), sorted(exp, key=str))
        for gk, vals in exp.items():
            if gk in got:
                d.eq(f"{key} {gk} count", got[gk]["count"], len(vals))
                d.eq(f"{key} {gk} max", got[gk]["max_ns"], max(vals))

    # Best and worst packets, with their keys (ties broken by start time).
    order = sorted(kept, key=lambda r: (r["t"][-1] - r["t"][0], r["t"][0]))
    d.eq("best keys", [b["key"] for b in sp["best"]], [f"{r['skb']:#x}" for r in order[:top]])
    d.eq("worst latencies", [b["latency_ns"] for b in sp["worst"]],
         [r["t"][-1] - r["t"][0] for r in order[::-1][:top]])
    d.eq("worst cpus", [b["cpus"] for b in sp["worst"]], [r["cpu"] for r in order[::-1][:top]])
    if head:
        # Clones are linked to the packet they were forked from.
        d.eq("worst parents", [b.get("parent") or 0 for b in sp["worst"]],
             [r["parent"] for r in order[::-1][:top]])
        d.eq("spans of clones", sum(1 for r in recs if r["parent"]), c["forks"])

    if flt.get("threshold"):
        fmt = symbolize(kallsyms)
        thr = int(sub["@THR"]) * 1000
        over = [r for r in kept if r["t"][-1] - r["t"][0] > thr]
        got = sp.get("over_threshold", [])
        d.eq("threshold events", len(got), len(over))
        with_stack = 0
        for g, r in zip(got, over):
            d.eq("threshold key", g["key"], f"{r['skb']:#x}")
            kstack = [fmt(ip) for ip in r["stack"] if ip >= 0xffff800000000000]
            with_stack += bool(kstack)
            d.eq(f"stack of {g['key']}", g.get("stack"), kstack)
            if r["flow"]:
                f = r["flow"]
                names = {"saddr": "src_ip", "daddr": "dst_ip", "sport": "src_port",
                         "dport": "dst_port", "ip_proto": "protocol"}
                d.eq(f"flow of {g['key']}", g.get("flow"),
                     {names[k]: v for k, v in f.items()})
            if r["dev"]:
                d.eq(f"dev of {g['key']}", g.get("dev"), r["dev"])
        if not with_stack:
            d.errors.append("no threshold event with a stack: the case tests nothing")

    got_min = {"count": sp["count"], "cross_cpu": sp["cross_cpu"],
               "orphan_ends": sp["orphan_ends"], "reused": sp["reused"],
               "forks": sp.get("forks", 0)}
    for k, v in minimum.items():
        if got_min[k] < v:
            d.errors.append(f"recording too poor for this case: {k} = {got_min[k]} < {v}")

    if flt.get("table"):
        # The seed-000 table (text): CPU, skb, latency(us), one column per
        # stage event, in completion order, --limit rows.
        txt = subprocess.run([analyze, "latency", "-q", "--table", "--limit", "30"] + args +
                             [data], capture_output=True, text=True).stdout
        rows = re.findall(r"^(\d{3}) (0x[0-9a-f]{16}) +(\d+\.\d\d) +(.*)$", txt, re.M)
        alts = [a for st in stages for a in st]
        exp_rows = []
        for r in kept[:30]:
            cols = [""] * len(alts)
            for k in range(n):
                cols[alts.index(stages[k][r["alt"][k]])] = \
                    f"{r['t'][k] // 10**9}.{r['t'][k] % 10**9:09d}"
            exp_rows.append((f"{r['cpu'][0]:03d}", f"{r['skb']:#018x}",
                             f"{(r['t'][-1] - r['t'][0]) / 1000:.2f}", cols))
        d.eq("table rows", len(rows), len(exp_rows))
        head = re.search(r"^CPU skb +latency\(us\) +(.*)$", txt, re.M)
        d.eq("table header", head.group(1).split() if head else None, alts)
        # A column starts where its event's name does in the header and is
        # as wide as the name or a timestamp; empty for another event of the stage.
        hline = head.group(0) if head else ""
        pos, start = [], 0
        for a in alts:
            start = hline.find(a, start)
            pos.append((start, max(18, len(a))))
            start += len(a)
        lines = [ln for ln in txt.splitlines() if re.match(r"^\d{3} 0x[0-9a-f]{16} ", ln)]
        for got, ln, exp in zip(rows, lines, exp_rows):
            gcols = [ln[p:p + w].strip() for p, w in pos]
            d.eq(f"table row {exp[1]}", (got[0], got[1], got[2], gcols), exp)

    if d.errors:
        print(f"{case} on {data}: {len(d.errors)} difference(s)")
        for e in d.errors[:40]:
            print("  " + e)
        return 1
    print(f"{case} on {data}: {sp['count']} spans, {sum(h['count'] for h in sp['hops'])} hops, "
          f"reused {sp['reused']}, orphans {sp['orphan_mids']}+{sp['orphan_ends']}, "
          f"dropped {sp['dropped']}, unfinished {sp['unfinished']}, "
          f"lost windows {sp['lost_windows']}: all match")
    return 0


if __name__ == "__main__":
    sys.exit(main())

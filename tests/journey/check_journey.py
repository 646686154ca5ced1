#!/usr/bin/env python3
"""check_journey.py - check `ovsperf-analyze journey --json` on a recording
against the packets computed independently from `perf script` output.

Usage: check_journey.py OVSPERF_ANALYZE DATA KEY [--expect-clones] [EXTRA_ARGS...]

EXTRA_ARGS go to journey; the checker applies --min-events N, --through
EVENT (full name, or the event part), --time START,END ("auto": the middle
third of the recording), --cpu LIST (a packet with an event on one of the
CPUs), --dev NAME (a packet with an event on the device) and the flow
filters --src-ip A, --dst-ip A, --src-port N, --dst-port N, --protocol N (on
the first value of each field on the packet; probe fields are bytes in
network order printed as numbers) to its own packets too, checks --limit N
(the first N packets shown, the others counted over the limit) and
--max-events N (the first N events of each packet kept, the others counted
in the packet and the summary), and --max-inflight N by its invariants.
The text report names the identity used; --key head on a recording without
skb->head falls back to skb with one warning.

KEY is the identity to ask for and to compute: "skb" (skb address, free
events as boundaries) or "head" ((head, skb) as retis: a new skb sharing a
live head is a clone of the head's first packet).  The rules, written here
from the man page (JOURNEY), not from the C code:

  - every event with an skb (skbaddr= or skb=) belongs to one packet;
  - a live skb continues its packet; with head identity a live skb seen with
    another head moves to that head (data reallocated);
  - an unknown skb starts a packet, a clone if its head is live;
  - skb:kfree_skb and skb:consume_skb end the packet of their skb after
    being added to it; so does *:kfree_skbmem, except that right after a
    free of the same skb (no new packet at that address in between) it is
    folded into the packet that just ended and shown nowhere.

The check: the same packets (same (time, event) lists), the same parents,
the same devices, CPUs, threads, lengths, reasons and deltas per event, the
same summary counts.  Exit 77 when perf is missing.
"""
import collections
import json
import os
import socket
import struct
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import perfscript  # noqa: E402

FREES = ("skb:kfree_skb", "skb:consume_skb")


# The device fields, first found wins (net:* dev/name, probes' dev, the
# openvswitch tracepoints' dev_name).
DEV_FIELDS = ("dev", "name", "devname", "ifname", "dev_name")


def unquote(v):
    if v and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    return v


def expected_packets(recs, use_head):
    live = {}          # skb -> packet
    heads = {}         # head -> {"first": packet id, "members": set of skbs}
    freed = {}         # skb -> packet ended by a free (for kfree_skbmem)
    packets = []
    followups = 0

    def leave(p):
        h = p.get("cur_head")
        if h is None:
            return
        g = heads[h]
        g["members"].discard(p["skb"])
        if not g["members"]:
            del heads[h]
        p["cur_head"] = None

    def join(p, h):
        g = heads.setdefault(h, {"first": p["id"], "members": set()})
        g["members"].add(p["skb"])
        p["cur_head"] = h
        return g

    for r in recs:
        f = r.fields
        if "skbaddr" in f:
            skb = r.num("skbaddr")
        elif "skb" in f:
            skb = r.num("skb")
        else:
            continue
        if skb == 0:
            continue
        head = r.num("head") if use_head and "head" in f else 0
        is_free = r.event in FREES
        is_mem = r.event.endswith(":kfree_skbmem")
        p = live.get(skb)
        if p is not None:
            if head and p.get("cur_head") != head:
                leave(p)
                g = heads.get(head)
                if g is not None and p["parent"] is None and g["first"] != p["id"]:
                    p["parent"] = g["first"]
                join(p, head)
        elif is_mem and skb in freed:
            del freed[skb]
            followups += 1
            continue
        else:
            p = {"id": len(packets) + 1, "skb": skb, "parent": None, "events": [],
                 "cur_head": None}
            packets.append(p)
            live[skb] = p
            freed.pop(skb, None)
            if head:
                if head in heads:
                    p["parent"] = heads[head]["first"]
                join(p, head)
        p["events"].append(r)
        if is_free or is_mem:
            del live[skb]
            leave(p)
            freed[skb] = p
            p["freed"] = True
    return packets, followups


def check_evicted(recs, exp, followups, got, summ, limit):
    """With a small --max-inflight packets are cut short, so the grouping
    differs; what must hold: every skb event is shown exactly once (or folded
    as a kfree_skbmem follow-up), evictions happened and were counted, and
    never more than the limit were in flight."""
    fails = []
    want = sorted((r.time_ns, r.event) for p in exp for r in p["events"])
    have = sorted((e["time_ns"], e["event"]) for g in got for e in g["events"])
    if len(want) + followups != len(have) + summ["kfree_skbmem_followups"]:
        fails.append("%d events + %d follow-ups shown, expected %d + %d" % (
            len(have), summ["kfree_skbmem_followups"], len(want), followups))
    # (time, event) pairs can repeat (one free recorded twice in a
    # nanosecond): each is shown at most as often as it was recorded.
    recorded = collections.Counter((r.time_ns, r.event) for r in recs)
    if any(recorded[k] == 0 for k in have):
        fails.append("events shown that are not in the recording")
    if any(n > recorded[k] for k, n in collections.Counter(have).items()):
        fails.append("an event is shown more often than it was recorded")
    nr_evicted = sum(1 for g in got if g["end"] == "evicted")
    if not nr_evicted or summ["evicted"] != nr_evicted:
        fails.append("evicted: %d packets marked, summary %d" % (nr_evicted, summ["evicted"]))
    if summ["max_in_flight_seen"] > limit:
        fails.append("%d in flight, limit %d" % (summ["max_in_flight_seen"], limit))
    for f in fails:
        print("FAIL:", f)
    print("--max-inflight %d: %d packets, %d evicted: %s" % (
        limit, len(got), nr_evicted, "FAILED" if fails else "ok"))
    return 1 if fails else 0


def first_field(p, key):
    """First value of probe field @key on packet @p, decoded, or None."""
    for r in p["events"]:
        if key in r.fields:
            v = r.num(key)
            if key in ("saddr", "daddr"):
                return socket.inet_ntoa(struct.pack("<I", v))
            if key in ("sport", "dport"):
                return ((v & 0xff) << 8) | (v >> 8)
            return v
    return None


FLOW_OPTS = {"--src-ip": ("saddr", str), "--dst-ip": ("daddr", str),
             "--src-port": ("sport", int), "--dst-port": ("dport", int),
             "--protocol": ("protocol", lambda v: {"tcp": 6, "udp": 17, "icmp": 1,
                                                   "sctp": 132}.get(v) or int(v))}


def ev_key(time_ns, event):
    return (time_ns, event)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    binary, data, key = sys.argv[1:4]
    rest = sys.argv[4:]
    expect_clones = "--expect-clones" in rest
    extra = [a for a in rest if a != "--expect-clones"]
    if not shutil.which("perf"):
        print("SKIP: perf is not installed")
        return 77
    if not os.path.exists(data):
        print("SKIP: %s is missing" % data)
        return 77

    recs = perfscript.run(data)
    exp, followups = expected_packets(recs, key == "head")
    # "--time auto": the middle third of the recording, as perf script times.
    if "--time" in extra and extra[extra.index("--time") + 1] == "auto":
        t0, t1 = recs[0].time_ns, recs[-1].time_ns
        lo, hi = t0 + (t1 - t0) // 3, t0 + 2 * (t1 - t0) // 3
        extra[extra.index("--time") + 1] = "%d.%09d,%d.%09d" % (
            lo // 10**9, lo % 10**9, hi // 10**9, hi % 10**9)
    run = subprocess.run([binary, "journey", "--json", "-q", "--key", key] + extra + [data],
                         stdout=subprocess.PIPE)
    # A --max-inflight that evicts reaches a cap: partial results, exit 2
    # (check_evicted() requires evictions); otherwise exit 0.
    want_rc = 2 if "--max-inflight" in extra else 0
    if run.returncode != want_rc:
        print("FAIL: journey exits %d, expected %d" % (run.returncode, want_rc))
        return 1
    out = run.stdout.decode()
    lines = [l for l in out.split("\n") if l]
    # JSON Lines: one packet per line, then the summary document on the
    # last line; every line must be a JSON object.
    objs = [json.loads(l) for l in lines]
    assert objs and "schema_version" in objs[-1], "last line is not the summary document"
    got = objs[:-1]
    doc = objs[-1]
    summ = doc["reports"]["journey"]

    if "--max-inflight" in extra:
        limit = int(extra[extra.index("--max-inflight") + 1])
        # The text: one warning naming the cap, the evicted blocks marked.
        text = subprocess.run([binary, "journey", "--key", key] + extra + [data],
                              capture_output=True, text=True)
        warn = [ln for ln in text.stderr.splitlines() if "in flight at once" in ln]
        marked = sum(1 for ln in text.stdout.splitlines()
                     if ln.startswith("packet ") and ln.endswith("  evicted"))
        if text.returncode != 2 or len(warn) != 1 or \
                "journey: more than %d packets were in flight at once" % limit not in warn[0] or \
                marked != summ["evicted"]:
            print("FAIL: text: exit %d, warnings %s, %d blocks marked evicted of %d" % (
                text.returncode, warn, marked, summ["evicted"]))
            return 1
        return check_evicted(recs, exp, followups, got, summ, limit)

    # Filters the checker understands: --min-events N, --through EVENT (full name).
    shown = exp
    for opt, val in zip(extra, extra[1:]):
        if opt == "--min-events":
            shown = [p for p in shown if len(p["events"]) >= int(val)]
        elif opt == "--through":
            shown = [p for p in shown if any(r.event == val or (":" not in val and
                                                               r.event.split(":")[-1] == val)
                                             for r in p["events"])]
        elif opt == "--cpu":
            cpus = set()
            for part in val.split(","):
                lo, _, hi = part.partition("-")
                cpus |= set(range(int(lo), int(hi or lo) + 1))
            shown = [p for p in shown if any(r.cpu in cpus for r in p["events"])]
        elif opt == "--dev":
            shown = [p for p in shown if any(unquote(next((r.fields[f] for f in DEV_FIELDS
                                                            if r.fields.get(f)), None)) == val
                                             for r in p["events"])]
        elif opt in FLOW_OPTS:
            field, conv = FLOW_OPTS[opt]
            shown = [p for p in shown if first_field(p, field) == conv(val)]
        elif opt == "--time":
            lo, hi = (int(x.split(".")[0]) * 10**9 + int(x.split(".")[1])
                      for x in val.split(","))
            shown = [p for p in shown if p["events"][0].time_ns >= lo and
                     p["events"][-1].time_ns <= hi]

    limit = int(extra[extra.index("--limit") + 1]) if "--limit" in extra else 0
    max_ev = int(extra[extra.index("--max-events") + 1]) if "--max-events" in extra else 256
    fails = []
    # Packets by their (time, event) lists (the events kept); two packets can
    # share one (the same skb freed twice in one nanosecond, as a TCG guest's
    # clock allows), so each list keeps its packets in order and a packet is
    # matched once.
    by_key = {}
    for p in shown:
        by_key.setdefault(tuple(ev_key(r.time_ns, r.event) for r in p["events"][:max_ev]),
                          []).append(p)
    for g in got:
        k = tuple(ev_key(e["time_ns"], e["event"]) for e in g["events"])
        cands = by_key.get(k)
        if not cands:
            fails.append("unexpected packet %d: %s" % (g["id"], k))
            continue
        p = next((c for c in cands if c["id"] == g["id"]), cands[0])
        cands.remove(p)
        # Both number packets by their first event: ids and parents compare as is.
        if g["id"] != p["id"] or g["parent"] != p["parent"]:
            fails.append("packet %d (parent %s): expected id %d, parent %s" % (
                g["id"], g["parent"], p["id"], p["parent"]))
        prev = None
        for e, r in zip(g["events"], p["events"]):
            want = {
                "cpu": r.cpu, "tid": r.tid,
                # A probe's string field is quoted by perf script
                # (dev="veth1", the sets' skb->dev->name), a tracepoint's not;
                # the openvswitch tracepoints name theirs dev_name.
                "dev": unquote(next((r.fields[f] for f in DEV_FIELDS if r.fields.get(f)),
                                    None)),
                "delta_ns": 0 if prev is None else r.time_ns - prev,
                "since_first_ns": r.time_ns - p["events"][0].time_ns,
            }
            if "len" in r.fields:
                want["len"] = r.num("len")
            if "reason" in r.fields:
                want["reason"] = r.fields["reason"]
            for name, val in want.items():
                if e.get(name) != val:
                    fails.append("packet %d event %s at %d: %s = %r, expected %r" % (
                        g["id"], e["event"], e["time_ns"], name, e.get(name), val))
            prev = r.time_ns
        n = len(p["events"])
        if (g["nr_events"], g["events_not_kept"], len(g["events"])) != \
                (n, max(0, n - max_ev), min(n, max_ev)):
            fails.append("packet %d: %d events, %d not kept, %d shown; expected %d, %d, %d" % (
                g["id"], g["nr_events"], g["events_not_kept"], len(g["events"]), n,
                max(0, n - max_ev), min(n, max_ev)))
        want_end = "freed" if p.get("freed") else "in_flight"
        if g["end"] != want_end:
            fails.append("packet %d: end %s, expected %s" % (g["id"], g["end"], want_end))
    left = [(k, p) for k, ps in by_key.items() for p in ps]
    if limit:
        # --limit N: the first N packets are shown, the others counted.
        if len(got) != min(limit, len(shown)):
            fails.append("--limit %d: %d packets shown of %d" % (limit, len(got), len(shown)))
        if summ.get("packets_over_limit") != len(left):
            fails.append("--limit %d: %r over the limit, expected %d" % (
                limit, summ.get("packets_over_limit"), len(left)))
    else:
        for k, p in left:
            fails.append("missing packet (expected id %d): %s" % (p["id"], k))

    nr_clones = sum(1 for p in exp if p["parent"])
    nr_events = sum(len(p["events"]) for p in exp)
    checks = {
        "packets": len(exp), "packets_shown": min(limit, len(shown)) if limit else len(shown),
        "packets_filtered": len(exp) - len(shown), "events_total": nr_events,
        "clones": nr_clones, "kfree_skbmem_followups": followups,
        "events_not_kept": sum(max(0, len(p["events"]) - max_ev) for p in shown),
        "freed": sum(1 for p in exp if p.get("freed")),
        "in_flight_at_end": sum(1 for p in exp if not p.get("freed")),
        # --key head falls back to skb when no event carries a head.
        "identity": "head" if key == "head" and any("head" in r.fields for r in recs)
                    else "skb",
    }
    for name, val in checks.items():
        if summ.get(name) != val:
            fails.append("summary %s = %r, expected %r" % (name, summ.get(name), val))
    filtering = [o for o in extra[0::2] if o not in ("--limit", "--max-events")]
    if not shown or (filtering and len(shown) == len(exp)) or \
            (limit and limit >= len(shown)) or \
            ("--max-events" in extra and not checks["events_not_kept"]):
        fails.append("%d of %d packets shown in %s: the test would prove nothing" % (
            len(shown), len(exp), data))
    # The text names the identity used; --key head without skb->head falls
    # back to skb with one warning.
    text = subprocess.run([binary, "journey", "--key", key, data], capture_output=True,
                          text=True)
    ident = [ln for ln in text.stdout.splitlines() if ln.startswith("Identity: ")]
    warn = [ln for ln in text.stderr.splitlines() if "--key head: no event carries" in ln]
    # By skb: because it was asked for while events carry the head, or
    # because none does.
    have_head = any("head" in r.fields for r in recs)
    want_ident = "Identity: (skb->head, skb)" if checks["identity"] == "head" else \
        "Identity: skb address, free events as boundaries (" + \
        ("--key skb" if have_head else "no event carries skb->head") + ": clones are not linked)"
    fell_back = key == "head" and checks["identity"] == "skb"
    if len(ident) != 1 or not ident[0].startswith(want_ident) or \
            ident[0].endswith("[--key head asked]") != fell_back:
        fails.append("text: identity line %s, expected %r%s" % (
            ident, want_ident, " [--key head asked]" if fell_back else ""))
    if len(warn) != (1 if fell_back else 0):
        fails.append("text: %d warnings of the fallback to skb: %s" % (len(warn), warn))
    if expect_clones and not nr_clones:
        fails.append("no clone expected in %s with --key %s" % (data, key))
    if not expect_clones and key == "skb" and nr_clones:
        fails.append("clones computed under skb identity")

    for f in fails[:40]:
        print("FAIL:", f)
    print("%s --key %s %s: %d shown, %d packets, %d events, %d clones, %d kfree_skbmem follow-ups: %s" % (
        os.path.basename(data), key, " ".join(extra), len(shown), len(exp), nr_events, nr_clones, followups,
        "FAILED (%d)" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ovsperf-analyze merge on the --json documents of real recordings.

usage: check_merge.py ANALYZE TESTDATA OUTDIR

The inputs' own exact statistics are the oracle: merged counts and
histogram buckets are their sums, min/max the extremes, means the weighted
means; a merged percentile R of two inputs with exact percentiles pA <= pB
must satisfy pA <= R (R is an upper bound of the true merged percentile,
which lies in [pA, pB]) and R < 2 * pB + 2 (the log2 bucket holding it);
merging one document must give, for every percentile, exactly the upper end
(hi_ns - 1, capped at max_ns) of the bucket holding its exact value.
"""
import json
import math
import os
import subprocess
import sys

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def analyze_json(analyze, rec, outdir, extra=()):
    path = os.path.join(outdir, os.path.basename(rec) + ".json")
    r = run([analyze, "-q", "--json", "-r", rec] + list(extra))
    assert r.returncode == 0, r.stderr
    open(path, "w").write(r.stdout)
    return path, json.loads(r.stdout)


def merge(analyze, files, *opts):
    r = run([analyze, "merge"] + list(files) + list(opts))
    assert r.returncode == 0, "merge %s: rc %d: %s" % (files, r.returncode, r.stderr)
    return r.stdout


PCTS = {"p50_ns": 50, "p90_ns": 90, "p99_ns": 99, "p999_ns": 99.9}


def hist_sum(*hists):
    out = {}
    for h in hists:
        for b in h:
            out[b["lo_ns"]] = out.get(b["lo_ns"], 0) + b["count"]
    return out


def bucket_upper(v, maxv):
    """The documented rule: hi_ns - 1 of v's log2 bucket, capped at max."""
    hi = 2 if v < 2 else 1 << (v.bit_length())
    return min(hi - 1, maxv)


def check_stats(where, m, parts):
    """m: merged stats object; parts: the inputs' objects with the same key."""
    for key in ("started", "completed", "unfinished", "orphan_ends", "reused", "cross_cpu"):
        if key in m:
            check(m[key] == sum(p[key] for p in parts), "%s: %s %s is not the sum of %s"
                  % (where, key, m[key], [p[key] for p in parts]))
    n = sum(p["count"] for p in parts)
    check(m["count"] == n, "%s: count %d, inputs sum %d" % (where, m["count"], n))
    check(m["min_ns"] == min(p["min_ns"] for p in parts), "%s: min_ns" % where)
    check(m["max_ns"] == max(p["max_ns"] for p in parts), "%s: max_ns" % where)
    mean = sum(p["count"] * p["mean_ns"] for p in parts) / n
    check(abs(m["mean_ns"] - mean) <= 1e-6 * mean + 1e-6, "%s: mean %s vs %s" % (where, m["mean_ns"], mean))
    check(hist_sum(m["histogram"]) == hist_sum(*[p["histogram"] for p in parts]),
          "%s: histogram is not the sum of the inputs'" % where)
    check(sum(b["count"] for b in m["histogram"]) == n, "%s: histogram total" % where)
    los = [b["lo_ns"] for b in m["histogram"]]
    check(los == sorted(los), "%s: buckets not ascending" % where)
    worst = sorted([w for p in parts for w in p["worst_ns"]], reverse=True)
    check(m["worst_ns"] == worst[:max(len(p["worst_ns"]) for p in parts)], "%s: worst_ns" % where)
    if len(parts) == 1:
        p = parts[0]
        check(abs(m["stddev_ns"] - p["stddev_ns"]) <= 1e-6 * p["stddev_ns"] + 1e-6,
              "%s: stddev of one input changed" % where)
    for k, pct in PCTS.items():
        r = m[k]
        lo = min(p[k] for p in parts)
        hi = max(p[k] for p in parts)
        if len(parts) == 1:
            check(r == bucket_upper(lo, m["max_ns"]),
                  "%s: %s = %s, want the bucket upper end %d of exact %d"
                  % (where, k, r, bucket_upper(lo, m["max_ns"]), lo))
        check(lo <= r < 2 * hi + 2 and r <= m["max_ns"],
              "%s: %s = %s outside [%d, %d) (inputs' exact values %s)"
              % (where, k, r, lo, 2 * hi + 2, [p[k] for p in parts]))


def spans(doc):
    return {s["name"]: s for s in doc["reports"].get("latency", {}).get("spans", [])}


def main():
    analyze, testdata, outdir = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    fa, a = analyze_json(analyze, os.path.join(testdata, "net.data"), outdir)
    fb, b = analyze_json(analyze, os.path.join(testdata, "latency-rps.data"), outdir)
    fc, c = analyze_json(analyze, os.path.join(testdata, "ovs-lab.data"), outdir,
                         ["--kallsyms", os.path.join(testdata, "ovs-lab.kallsyms.zst")])
    fk, k = analyze_json(analyze, os.path.join(testdata, "mixed.data"), outdir)

    # One input: percentiles become bucket bounds, the rest is kept.
    one = json.loads(merge(analyze, [fa]))
    check(len(one["merged_from"]) == 1 and one["merged_from"][0]["file"] == fa, "merged_from of one")
    for name, s in spans(a).items():
        check_stats("one/" + name, spans(one)[name], [s])
        for grp in ("by_cpu", "by_egress"):
            for g in s.get(grp, []):
                m = [x for x in spans(one)[name][grp] if x == x and
                     all(x.get(key) == g.get(key) for key in ("cpu", "event") if key in g)]
                check(len(m) == 1, "one/%s/%s: group not found once" % (name, grp))
                if m:
                    check_stats("one/%s/%s" % (name, grp), m[0], [g])

    # Two hosts' documents.
    ab = json.loads(merge(analyze, [fa, fb]))
    check([x["file"] for x in ab["merged_from"]] == [fa, fb], "merged_from files")
    check([x["events"] for x in ab["merged_from"]] ==
          [a["recording"]["events"], b["recording"]["events"]], "merged_from events")
    check(ab["recording"]["events"] == a["recording"]["events"] + b["recording"]["events"],
          "recording.events is not the sum")
    for ev in set(a["recording"]["event_counts"]) | set(b["recording"]["event_counts"]):
        want = a["recording"]["event_counts"].get(ev, 0) + b["recording"]["event_counts"].get(ev, 0)
        check(ab["recording"]["event_counts"].get(ev) == want, "event_counts[%s]" % ev)
    check(ab["recording"]["first_ns"] is None, "first_ns of two hosts' clocks must be null")
    common = set(spans(a)) & set(spans(b))
    check(common, "net.data and latency-rps.data share no span name")
    for name in common:
        check_stats("ab/" + name, spans(ab)[name], [spans(a)[name], spans(b)[name]])
        cpus = {}
        for s in (spans(a)[name], spans(b)[name]):
            for g in s["by_cpu"]:
                cpus.setdefault(g["cpu"], []).append(g)
        got = {g["cpu"]: g for g in spans(ab)[name]["by_cpu"]}
        check(sorted(got) == sorted(cpus), "ab/%s: by_cpu cpus %s vs %s" % (name, sorted(got), sorted(cpus)))
        for cpu, parts in cpus.items():
            if cpu in got:
                check_stats("ab/%s/cpu%s" % (name, cpu), got[cpu], parts)
    # drops: reasons matched by name, counts added.
    ra = {r["reason"]: r["count"] for r in a["reports"].get("drops", {}).get("reasons", [])}
    rb = {r["reason"]: r["count"] for r in b["reports"].get("drops", {}).get("reasons", [])}
    rm = {r["reason"]: r["count"] for r in ab["reports"].get("drops", {}).get("reasons", [])}
    check(rm == {x: ra.get(x, 0) + rb.get(x, 0) for x in set(ra) | set(rb)},
          "drops reasons %s vs %s + %s" % (rm, ra, rb))
    check(ab["reports"]["drops"]["drops"] == a["reports"]["drops"]["drops"] + b["reports"]["drops"]["drops"],
          "drops total")

    # Histograms of {lo, hi, count} (the backlog span's depth_histogram)
    # add by bucket too, not element by element: two recordings whose
    # buckets differ.
    fd, d = analyze_json(analyze, os.path.join(testdata, "latency-blame.data"), outdir)
    bd = json.loads(merge(analyze, [fb, fd]))
    parts = [spans(x)["backlog"]["backlog_depth"] for x in (b, d)]
    got = spans(bd)["backlog"]["backlog_depth"]
    check([(x["lo"], x["hi"]) for x in parts[0]["depth_histogram"]] !=
          [(x["lo"], x["hi"]) for x in parts[1]["depth_histogram"]],
          "latency-rps and latency-blame have the same backlog depth buckets")
    want = {}
    for p in parts:
        for x in p["depth_histogram"]:
            want[(x["lo"], x["hi"])] = want.get((x["lo"], x["hi"]), 0) + x["count"]
    check([(x["lo"], x["hi"], x["count"]) for x in got["depth_histogram"]] ==
          [(lo, hi, n) for (lo, hi), n in sorted(want.items())],
          "backlog depth_histogram %s is not the sum of %s" % (got["depth_histogram"],
                                                               [p["depth_histogram"] for p in parts]))
    check(got["count"] == sum(p["count"] for p in parts) and
          got["max"] == max(p["max"] for p in parts), "backlog_depth count/max")

    # Associativity: merge(merge(a, b), c) == merge(a, b, c).
    fab = os.path.join(outdir, "ab.json")
    open(fab, "w").write(json.dumps(ab))
    abc1 = json.loads(merge(analyze, [fab, fc]))
    abc2 = json.loads(merge(analyze, [fa, fb, fc]))
    check([x["file"] for x in abc1["merged_from"]] == [fa, fb, fc], "nested merged_from flattened")
    check(abc1["reports"] == abc2["reports"], "merge is not associative on reports")
    check(abc1["recording"] == abc2["recording"], "merge is not associative on recording")

    # kernel-delay: threads matched by name, counts doubled.
    kk = json.loads(merge(analyze, [fk, fk]))
    t1 = {t["name"]: t for t in k["reports"]["kernel_delay"]["samples"][0]["threads"]}
    t2 = {t["name"]: t for t in kk["reports"]["kernel_delay"]["samples"][0]["threads"]}
    check(sorted(t1) == sorted(t2), "kernel-delay thread names")
    for n, t in t1.items():
        for sc in t["syscalls"]:
            m = [x for x in t2[n]["syscalls"] if x["name"] == sc["name"]]
            check(len(m) == 1 and m[0]["count"] == 2 * sc["count"] and
                  m[0]["total_ns"] == 2 * sc["total_ns"] and m[0]["max_ns"] == sc["max_ns"],
                  "kernel-delay %s/%s not doubled" % (n, sc["name"]))
        check(t2[n]["tid"] == t["tid"], "same tid kept")

    # merged_from: one object per input with its recording's facts; the
    # clocks of several hosts: last_ns null too; one input keeps its times.
    for x, d, f in zip(ab["merged_from"], (a, b), (fa, fb)):
        r = d["recording"]
        want = {"file": f, "hostname": r["hostname"], "path": r["path"], "events": r["events"],
                "duration_ns": r["duration_ns"], "lost": r["lost"], "truncated": r["truncated"],
                "os_release": r["os_release"], "ovsperf_version": d["ovsperf_version"]}
        check(x == want, "merged_from %s: %s, expected %s" % (f, x, want))
    check(ab["recording"]["last_ns"] is None, "last_ns of two hosts' clocks must be null")
    check((one["recording"]["first_ns"], one["recording"]["last_ns"]) ==
          (a["recording"]["first_ns"], a["recording"]["last_ns"]),
          "one input: first_ns/last_ns changed")
    # "-": one document from standard input.
    r = subprocess.run([analyze, "merge", fa, "-"], stdin=open(fb), capture_output=True,
                       text=True)
    dash = json.loads(r.stdout) if r.returncode == 0 else {}
    check(dash.get("reports") == ab["reports"] and
          [x["file"] for x in dash.get("merged_from", [])] == [fa, "-"],
          "merge A - < B: rc %d, not merge A B (%s)" % (r.returncode, r.stderr.strip()))

    # upcall-cost's cost summaries have a log2 histogram: one input's
    # percentiles become its bucket bounds; an object without a log2
    # histogram gets null percentiles.
    fu, u = analyze_json(analyze, os.path.join(testdata, "upcall.data"), outdir)
    uc = u["reports"]["upcall_cost"]
    secs = ("kernel_to_vswitchd", "vswitchd_to_kernel", "overhead", "kernel_to_kernel_exec")
    mu = json.loads(merge(analyze, [fu]))["reports"]["upcall_cost"]
    for sec in secs:
        for k, pct in (("median_ns", 50), ("p99_ns", 99)):
            # The nearest-rank bucket's hi_ns - 1, capped at max_ns.
            rank, seen, want = math.ceil(pct / 100 * uc[sec]["count"]), 0, None
            for bk in uc[sec]["histogram"]:
                seen += bk["count"]
                if seen >= rank:
                    want = min(bk["hi_ns"] - 1, uc[sec]["max_ns"])
                    break
            check(mu[sec][k] == want and uc[sec][k] <= want,
                  "upcall-cost %s %s: %s, want the bucket upper end %s above the exact %s" % (
                      sec, k, mu[sec][k], want, uc[sec][k]))
    check(uc["kernel_to_vswitchd"]["count"] > 0 and uc["kernel_to_vswitchd"]["median_ns"] !=
          mu["kernel_to_vswitchd"]["median_ns"], "upcall-cost: no median changed by the merge")
    for sec in secs:
        del u["reports"]["upcall_cost"][sec]["histogram"]
    nohist = os.path.join(outdir, "nohist.json")
    json.dump(u, open(nohist, "w"))
    mn = json.loads(merge(analyze, [nohist]))["reports"]["upcall_cost"]
    check(all(mn[sec]["median_ns"] is None and mn[sec]["p99_ns"] is None and
              mn[sec]["count"] == uc[sec]["count"] for sec in secs),
          "without a log2 histogram: percentiles %s" % [(mn[s]["median_ns"], mn[s]["p99_ns"])
                                                        for s in secs])

    # Text and HTML outputs.
    text = merge(analyze, [fa, fb], "--text")
    check("Merged 2 documents" in text and fa in text and "backlog" in text, "text output")
    for name in common:
        s = spans(ab)[name]
        check("count: %d\n" % s["count"] in text and "p99_ns: %d\n" % s["p99_ns"] in text,
              "text output lacks %s's count or p99" % name)
        check("- [%s]" % ", ".join(s["stages"][0]) in text, "text output lacks the stages")
    html = os.path.join(outdir, "merged.html")
    out = merge(analyze, [fa, fb, fc], "--html", html)
    check(json.loads(out)["reports"] == abc2["reports"], "--html changes the JSON")
    page = open(html).read()
    # Scripts only inline (the chart library and its charts), never loaded.
    check(page.count('data-hist="1"') >= 3 and "Merged from" in page and
          "<script src" not in page and 'class="host"' in page, "merged HTML")

    # Errors: exit 2 with the file name; no input: usage (1).
    bad = os.path.join(outdir, "v99.json")
    doc = dict(a)
    doc["schema_version"] = 99
    open(bad, "w").write(json.dumps(doc))
    r = run([analyze, "merge", fa, bad])
    check(r.returncode == 2 and "v99.json" in r.stderr and "schema_version 99" in r.stderr,
          "schema mismatch: rc %d %s" % (r.returncode, r.stderr))
    notjson = os.path.join(outdir, "not.json")
    open(notjson, "w").write("perf.data?")
    r = run([analyze, "merge", notjson])
    check(r.returncode == 2 and "not.json" in r.stderr, "not JSON: rc %d %s" % (r.returncode, r.stderr))
    r = run([analyze, "merge"])
    check(r.returncode == 1, "no input: rc %d" % r.returncode)

    # Damaged documents (members replaced by values of other types, huge
    # numbers): exit 0 or 2, never a crash; the HTML writer too.
    import random
    rnd = random.Random(5)
    vals = [None, True, 0, -1, 2**62, 2**63 - 1, -2**63, 1e300, 1.5, "x", [], {},
            [{"lo_ns": 1, "hi_ns": 2, "count": "a"}], [1, "a", None], {"count": -5, "mean_ns": "z"}]

    def mutate(o):
        items = list(o.items()) if isinstance(o, dict) else list(enumerate(o)) \
            if isinstance(o, list) else []
        for k, v in items:
            if rnd.random() < 0.03:
                o[k] = rnd.choice(vals)
            else:
                mutate(v)
    ma, mb, mh = (os.path.join(outdir, n) for n in ("mut-a.json", "mut-b.json", "mut.html"))
    for n in range(60):
        x, y = json.loads(json.dumps(rnd.choice([a, b, c, k]))), json.loads(json.dumps(rnd.choice([a, b, c, k])))
        mutate(x)
        mutate(y)
        json.dump(x, open(ma, "w"))
        json.dump(y, open(mb, "w"))
        r = run([analyze, "merge", ma, mb, "--html", mh])
        check(r.returncode in (0, 2), "damaged documents %d: rc %d %s" % (n, r.returncode, r.stderr[-300:]))

    print("merge: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

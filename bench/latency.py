# SPDX-License-Identifier: Apache-2.0
#
# latency.py - the perf-script Python equivalent of `ovsperf-analyze latency
# --preset backlog` for the benchmark (bench/run-bench.sh):
#
#   perf script -i perf.data -s bench/latency.py
#
# Correlates net:netif_rx -> net:netif_receive_skb by skb address (a free by
# skb:consume_skb / skb:kfree_skb forgets a pending packet, a second netif_rx
# on a pending skb restarts it), then prints count, min, mean, stddev,
# percentiles and max of the span, the same per CPU and per device, a log2
# histogram and the 5 best and worst packets: the work the C report does.
import math

pending = {}        # skbaddr -> (time ns, cpu, dev)
lat = []            # (latency ns, skb, cpu0, cpu1, t0, t1)
by_cpu = {}
by_dev = {}
counters = {"started": 0, "completed": 0, "reused": 0, "freed": 0, "orphan": 0}


def trace_begin():
    pass


def net__netif_rx(event_name, context, common_cpu, common_secs, common_nsecs,
                  common_pid, common_comm, common_callchain, skbaddr, len, name,
                  perf_sample_dict=None):
    t = common_secs * 1000000000 + common_nsecs
    if skbaddr in pending:
        counters["reused"] += 1
    pending[skbaddr] = (t, common_cpu, name)
    counters["started"] += 1


def net__netif_receive_skb(event_name, context, common_cpu, common_secs,
                           common_nsecs, common_pid, common_comm,
                           common_callchain, skbaddr, len, name,
                           perf_sample_dict=None):
    t = common_secs * 1000000000 + common_nsecs
    p = pending.pop(skbaddr, None)
    if p is None:
        counters["orphan"] += 1
        return
    d = t - p[0]
    lat.append((d, skbaddr, p[1], common_cpu, p[0], t))
    by_cpu.setdefault(p[1], []).append(d)
    by_dev.setdefault(p[2], []).append(d)
    counters["completed"] += 1


def skb__consume_skb(event_name, context, common_cpu, common_secs, common_nsecs,
                     common_pid, common_comm, common_callchain, skbaddr,
                     location, *rest):
    if pending.pop(skbaddr, None) is not None:
        counters["freed"] += 1


def skb__kfree_skb(event_name, context, common_cpu, common_secs, common_nsecs,
                   common_pid, common_comm, common_callchain, skbaddr,
                   location, *rest):
    if pending.pop(skbaddr, None) is not None:
        counters["freed"] += 1


def trace_unhandled(event_name, context, event_fields_dict, perf_sample_dict=None):
    pass


def stats(vals):
    v = sorted(vals)
    n = len(v)
    mean = sum(v) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / n)

    def pct(p):
        return v[min(n - 1, int(math.ceil(p / 100.0 * n)) - 1)] / 1000.0
    return "%10d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f" % (
        n, v[0] / 1000.0, mean / 1000.0, sd / 1000.0, pct(50), pct(90), pct(99),
        pct(99.9), v[-1] / 1000.0)


def trace_end():
    print("Latency span backlog: net:netif_rx -> net:netif_receive_skb")
    if not lat:
        print("no packets")
        return
    srt = sorted(lat)
    print("\nBest cases:")
    for d, skb, c0, c1, t0, t1 in srt[:5]:
        print("  %12.2f us  skb 0x%x  cpu %d>%d  at %d.%09d" % (d / 1000.0, skb, c0, c1,
                                                              t0 // 10**9, t0 % 10**9))
    print("Worst cases:")
    for d, skb, c0, c1, t0, t1 in reversed(srt[-5:]):
        print("  %12.2f us  skb 0x%x  cpu %d>%d  at %d.%09d" % (d / 1000.0, skb, c0, c1,
                                                              t0 // 10**9, t0 % 10**9))
    print("\nLatency (us):%37s %9s %9s %9s %9s %9s %9s %9s %9s" %
          ("count", "min", "mean", "stddev", "p50", "p90", "p99", "p99.9", "max"))
    print("  %-38s %s" % ("span", stats([x[0] for x in lat])))
    for c in sorted(by_cpu):
        print("  %-38s %s" % ("cpu %d" % c, stats(by_cpu[c])))
    for d in sorted(by_dev):
        print("  %-38s %s" % (d, stats(by_dev[d])))
    hist = {}
    for x in lat:
        b = max(0, int(x[0] // 1000).bit_length())
        hist[b] = hist.get(b, 0) + 1
    print("\n     us          : count")
    for b in range(0, max(hist) + 1):
        lo = 0 if b == 0 else 1 << (b - 1)
        print("  %8d -> %-8d : %d" % (lo, (1 << b) - 1, hist.get(b, 0)))
    print("\nPacket counters:")
    for k in ("started", "completed", "reused", "freed", "orphan"):
        print("  %-10s %d" % (k + ":", counters[k]))
    print("  unfinished %d" % len(pending))

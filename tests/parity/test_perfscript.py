#!/usr/bin/env python3
"""Tests of tests/lib/perfscript.py.

Without arguments: unit tests on perf script lines taken from the testdata
recordings (one per trace format family).  With --testdata DIR: parses perf
script output of the recordings and checks facts the workloads guarantee
(so both the parser and the recordings are checked); exit 77 without perf.
With --live too, for recordings just made: what the receive side raises in
softirq context is checked to be there, not counted.
"""
import argparse
import os
import shutil
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import perfscript  # noqa: E402

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: %s" % what)


def unit():
    r = perfscript.parse_line(
        "     kdelay-load  6002/6002  [000]   481.246705090:       sched:sched_switch: "
        "prev_comm=kdelay-load prev_pid=6002 prev_prio=120 prev_state=R ==> "
        "next_comm=kd-spin1 next_pid=6004 next_prio=120")
    check(r is not None, "sched_switch line parses")
    check(r.comm == "kdelay-load" and r.pid == 6002 and r.tid == 6002 and r.cpu == 0,
          "comm/pid/tid/cpu")
    check(r.time_ns == 481246705090, "time_ns %d" % r.time_ns)
    check(r.event == "sched:sched_switch", "event %s" % r.event)
    check(r.fields["prev_state"] == "R" and r.num("next_pid") == 6004
          and r.fields["next_comm"] == "kd-spin1", "sched_switch fields %s" % r.fields)

    # No pid field, comm with a blank, skb drop reason.
    r = perfscript.parse_line(
        "     Web Content  5905 [001]   749.539786135:         skb:kfree_skb: "
        "skbaddr=0xffff88814fe64200 rx_sk=(nil) protocol=2048 location=ping_rcv+0xab "
        "reason: NO_SOCKET")
    check(r is not None and r.comm == "Web Content" and r.pid == -1 and r.tid == 5905,
          "comm with a blank, no pid")
    check(r.num("skbaddr") == 0xffff88814fe64200 and r.fields["rx_sk"] == "(nil)"
          and r.fields["location"] == "ping_rcv+0xab" and r.fields["reason"] == "NO_SOCKET",
          "kfree_skb fields %s" % r.fields)

    r = perfscript.parse_line(
        "        ping  5905/5905  [001]   749.539774417:     irq:softirq_entry: "
        "vec=3 [action=NET_RX]")
    check(r.fields == {"vec": "3", "action": "NET_RX"}, "softirq fields %s" % r.fields)

    r = perfscript.parse_line(
        "    kd-pipe-w  5308/5308  [001]   525.489534000: raw_syscalls:sys_enter: "
        "NR 1 (4, 7ffd3a0c, 1, 0, 0, 0)")
    check(r.fields["id"] == "1" and r.fields["args"] == ["4", "7ffd3a0c", "1", "0", "0", "0"],
          "sys_enter fields %s" % r.fields)
    r = perfscript.parse_line(
        "    kd-pipe-w  5308/5308  [001]   525.489536000:  raw_syscalls:sys_exit: NR 1 = -11")
    check(r.fields == {"id": "1", "ret": "-11"}, "sys_exit fields %s" % r.fields)

    # uprobe/uretprobe: the (ip) or (ip <- ret) prefix is not a field.
    r = perfscript.parse_line(
        "  revalidator2 13269/13269 [001]   552.483142618: probe_ovs:spin_ns__return: "
        "(55ee1ae09410 <- 55ee1ae094cb) arg1=0x80a2a52ed8")
    check(r.event == "probe_ovs:spin_ns__return" and r.fields == {"arg1": "0x80a2a52ed8"},
          "uretprobe %s %s" % (r.event, r.fields))
    r = perfscript.parse_line(
        "  ovs-vswitchd 13221/13221 [001]   552.483157260: sdt_main:run_start: (55ee1ae09229)")
    check(r.event == "sdt_main:run_start" and r.fields == {}, "uprobe without args")

    # Microsecond timestamps (no --ns) and non-sample lines.
    r = perfscript.parse_line("  swapper     0 [000]   749.581183:  irq:softirq_exit: vec=3")
    check(r is not None and r.time_ns == 749581183000 and r.tid == 0, "usec time")
    check(perfscript.parse_line("") is None, "empty line")
    check(perfscript.parse_line("LOST 3 samples!") is None, "LOST line")
    check(len(perfscript.parse("a 1 [000] 1.000000001: x:y: k=v\nnot a sample\n")) == 1,
          "parse() of a string")


def testdata(tdir, perf, live=False):
    """Checks the recordings of scripts/make-testdata found in @tdir (all of
    them in testdata/; the root test makes only some)."""
    def recs(name):
        return perfscript.run(os.path.join(tdir, name), perf=perf)

    names = sorted(n for n in os.listdir(tdir) if n.endswith(".data"))
    check(names, "no recordings in %s" % tdir)
    for name in names:
        rs = recs(name)
        check(len(rs) > 0, "%s: no records parsed" % name)
        check(all(a.time_ns <= b.time_ns for a, b in zip(rs, rs[1:])),
              "%s: timestamps go back" % name)
    if "usdt.data" in names:
        usdt(recs("usdt.data"))
    if "net.data" in names:
        net(recs("net.data"), live)
    if "kdelay.data" in names:
        kdelay(recs("kdelay.data"))


def usdt(rs):
    ev = Counter(r.event for r in rs)
    check(ev["sdt_main:run_start"] > 10, "usdt: run_start count %d" % ev["sdt_main:run_start"])
    check(ev["sdt_main:run_start"] == ev["sdt_main:poll_block"],
          "usdt: run_start/poll_block counts %s" % ev)
    main_loop = [r for r in rs if r.event.startswith("sdt_main:")]
    check(all(r.comm == "ovs-vswitchd" for r in main_loop), "usdt: main loop comm")
    check(all(a.event != b.event for a, b in zip(main_loop, main_loop[1:])),
          "usdt: run_start and poll_block alternate")
    up = [r for r in rs if r.event == "sdt_dpif_recv:recv_upcall"]
    # arg3 is the read() length (8-byte messages), arg4 the sequence number.
    check(up and all(r.comm == "handler1" and r.num("arg3") == 8 for r in up),
          "usdt: recv_upcall comm and length")
    check([r.num("arg4") for r in up] == list(range(1, len(up) + 1)),
          "usdt: recv_upcall sequence numbers")


def net(rs, live=False):
    # perf record -a on a virtual machine can miss samples of events raised in
    # softirq context on a CPU that was idle (perf stat counts them; the niced
    # spinners of make-testdata make it rare, not impossible, on a loaded
    # machine).  So what the receiving side raises (netif_receive_skb after
    # RPS, kfree_skb in the UDP receive path) is checked to be there, not
    # counted exactly; what the senders raise in process context is counted.
    reasons = Counter(r.fields.get("reason") for r in rs if r.event == "skb:kfree_skb")
    check(reasons["NO_SOCKET"] >= 1 and reasons["UDP_CSUM"] >= 1, "net: drop reasons %s" % reasons)
    check(live or (reasons["NO_SOCKET"] >= 5 and reasons["UDP_CSUM"] >= 5),
          "net: drop reasons %s (5 of each sent)" % reasons)
    rx = [r for r in rs if r.event == "net:netif_rx" and r.fields["dev"].startswith("ovsp-")]
    rcv = [r for r in rs if r.event == "net:netif_receive_skb"
           and r.fields["dev"].startswith("ovsp-")]
    # 30 UDP datagrams and 5 echo requests leave their senders' process context.
    check(len(rx) >= 35, "net: %d netif_rx on ovsp-* (35 sent from process context)" % len(rx))
    check(2 * len(rcv) >= len(rx), "net: netif_rx %d vs netif_receive_skb %d (RPS side missing)"
          % (len(rx), len(rcv)))
    # The committed recordings were checked complete when they were made.
    check(live or len(rx) == len(rcv), "net: netif_rx %d vs netif_receive_skb %d"
          % (len(rx), len(rcv)))
    # Each received packet was queued to the backlog first: a netif_receive_skb
    # whose skb went through netif_rx earlier in the recording, on the same device.
    queued, paired = {}, 0
    for r in rs:
        if not r.event.startswith("net:netif_") or not r.fields["dev"].startswith("ovsp-"):
            continue
        if r.event == "net:netif_rx":
            queued[r.num("skbaddr")] = r.fields["dev"]
        elif r.event == "net:netif_receive_skb":
            paired += queued.pop(r.num("skbaddr"), None) == r.fields["dev"]
    check(paired >= 1, "net: no netif_receive_skb follows a netif_rx of its skb")


def kdelay(rs):
    enters = Counter(r.tid for r in rs if r.event == "raw_syscalls:sys_enter")
    exits = Counter(r.tid for r in rs if r.event == "raw_syscalls:sys_exit")
    comms = {r.comm for r in rs if r.event == "raw_syscalls:sys_enter"}
    check({"kd-pipe-w", "kd-pipe-r", "kd-poll", "kd-spin1", "kd-io"} <= comms,
          "kdelay: syscall comms %s" % comms)
    check(all(abs(enters[t] - exits[t]) <= 1 for t in enters), "kdelay: enter/exit per tid")
    check(any(r.event == "sched:sched_switch" and r.fields["prev_comm"].startswith("kd-spin")
              and r.fields["prev_state"] == "R" for r in rs), "kdelay: a spinner is preempted")
    check(any(r.event == "irq:irq_handler_entry" and r.comm.startswith("kd-") for r in rs),
          "kdelay: a hard irq hits a workload thread")
    # Complete for kernel-delay: a workload thread that went to sleep is woken
    # (sched_wakeup) before it is switched in again.
    slept, missing = set(), 0
    for r in rs:
        if r.event == "sched:sched_switch":
            if r.num("prev_pid") in enters:
                if r.fields["prev_state"].startswith("R"):
                    slept.discard(r.num("prev_pid"))
                else:
                    slept.add(r.num("prev_pid"))
            if r.num("next_pid") in slept:
                missing += 1
        elif r.event == "sched:sched_wakeup":
            slept.discard(r.num("pid"))
    check(missing == 0, "kdelay: %d switch-ins without a wakeup" % missing)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--testdata")
    ap.add_argument("--perf", default="perf")
    ap.add_argument("--live", action="store_true",
                    help="recordings just made: the receive side may miss samples")
    args = ap.parse_args()
    if args.testdata:
        perf = shutil.which(args.perf)
        if not perf:
            print("SKIP: perf not found")
            return 77
        testdata(args.testdata, perf, args.live)
    else:
        unit()
    print("%s" % ("FAILED: %d checks" % failures if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
#
# kernel-delay.py - the perf-script Python equivalent of `ovsperf-analyze
# kernel-delay --pid PID` for the benchmark (bench/run-bench.sh):
#
#   KD_PID=PID perf script -i perf.data -s bench/kernel-delay.py
#
# Per thread of process PID, as kernel_delay.py counts them: syscalls
# (raw_syscalls:sys_enter/sys_exit: count, total, max by syscall number), run
# time (sched_switch in -> out), ready time (sched_wakeup -> switch in), hard
# IRQs and soft IRQs that ran while the thread was on the CPU.
import os

PID = int(os.environ.get("KD_PID", "-1"))

threads = {}        # tid -> per-thread state and statistics
cpu_cur = {}        # cpu -> tid running (from sched_switch)
t_first = None
t_last = 0


class Thread:
    def __init__(self, comm):
        self.comm = comm
        self.sys_start = None
        self.sys_id = None
        self.syscalls = {}      # id -> [count, total, max]
        self.run_start = None
        self.run = [0, 0, None, 0]      # count, total, min, max
        self.wake = None
        self.ready = [0, 0, 0]          # count, total, max
        self.irq = {}                   # name -> [count, total, max]
        self.softirq = {}               # vec -> [count, total, max]


irq_start = {}      # cpu -> (time, name, tid)
softirq_start = {}  # cpu -> (time, vec, tid)


def now(secs, nsecs):
    global t_first, t_last
    t = secs * 1000000000 + nsecs
    if t_first is None:
        t_first = t
    t_last = t
    return t


def mine(d):
    return d is not None and d["sample"]["pid"] == PID


def thread(tid, comm):
    t = threads.get(tid)
    if t is None:
        t = threads[tid] = Thread(comm)
    return t


def acc(table, key, d):
    s = table.get(key)
    if s is None:
        table[key] = [1, d, d]
    else:
        s[0] += 1
        s[1] += d
        if d > s[2]:
            s[2] = d


def trace_begin():
    pass


def raw_syscalls__sys_enter(event_name, context, common_cpu, common_secs,
                            common_nsecs, common_pid, common_comm,
                            common_callchain, id, args, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    if not mine(perf_sample_dict):
        return
    th = thread(common_pid, common_comm)
    th.sys_start = t
    th.sys_id = id


def raw_syscalls__sys_exit(event_name, context, common_cpu, common_secs,
                           common_nsecs, common_pid, common_comm,
                           common_callchain, id, ret, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    if not mine(perf_sample_dict):
        return
    th = thread(common_pid, common_comm)
    if th.sys_start is not None and th.sys_id == id:
        acc(th.syscalls, id, t - th.sys_start)
    th.sys_start = None


def sched__sched_switch(event_name, context, common_cpu, common_secs,
                        common_nsecs, common_pid, common_comm,
                        common_callchain, prev_comm, prev_pid, prev_prio,
                        prev_state, next_comm, next_pid, next_prio,
                        perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    cpu_cur[common_cpu] = next_pid
    th = threads.get(prev_pid)
    if th is not None and th.run_start is not None:
        d = t - th.run_start
        r = th.run
        r[0] += 1
        r[1] += d
        r[2] = d if r[2] is None or d < r[2] else r[2]
        r[3] = max(r[3], d)
        th.run_start = None
        if prev_state == 0:     # preempted: ready again at once
            th.wake = t
    th = threads.get(next_pid)
    if th is not None:
        th.run_start = t
        if th.wake is not None:
            d = t - th.wake
            th.ready[0] += 1
            th.ready[1] += d
            th.ready[2] = max(th.ready[2], d)
            th.wake = None


def sched__sched_wakeup(event_name, context, common_cpu, common_secs,
                        common_nsecs, common_pid, common_comm,
                        common_callchain, comm, pid, prio, target_cpu,
                        perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    th = threads.get(pid)
    if th is not None:
        th.wake = t


def irq__irq_handler_entry(event_name, context, common_cpu, common_secs,
                           common_nsecs, common_pid, common_comm,
                           common_callchain, irq, name, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    if mine(perf_sample_dict):
        irq_start[common_cpu] = (t, name, common_pid)


def irq__irq_handler_exit(event_name, context, common_cpu, common_secs,
                          common_nsecs, common_pid, common_comm,
                          common_callchain, irq, ret, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    s = irq_start.pop(common_cpu, None)
    if s is not None and s[2] == common_pid:
        acc(thread(common_pid, common_comm).irq, s[1], t - s[0])


def irq__softirq_entry(event_name, context, common_cpu, common_secs,
                       common_nsecs, common_pid, common_comm,
                       common_callchain, vec, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    if mine(perf_sample_dict):
        softirq_start[common_cpu] = (t, vec, common_pid)


def irq__softirq_exit(event_name, context, common_cpu, common_secs,
                      common_nsecs, common_pid, common_comm,
                      common_callchain, vec, perf_sample_dict=None):
    t = now(common_secs, common_nsecs)
    s = softirq_start.pop(common_cpu, None)
    if s is not None and s[2] == common_pid and s[1] == vec:
        acc(thread(common_pid, common_comm).softirq, vec, t - s[0])


def trace_unhandled(event_name, context, event_fields_dict, perf_sample_dict=None):
    if "common_s" in event_fields_dict:
        now(event_fields_dict["common_s"], event_fields_dict["common_ns"])


def trace_end():
    print("# Sample dump (%d ns)" % ((t_last - (t_first or 0))))
    print("TID        THREAD           <RESOURCE SPECIFIC>")
    for tid in sorted(threads):
        th = threads[tid]
        print("%-10d %-16s [SYSCALL STATISTICS]" % (tid, th.comm))
        print("%28s%-20s %6s %11s %17s %17s" % ("", "NAME", "NUMBER", "COUNT", "TOTAL ns", "MAX ns"))
        for sid in sorted(th.syscalls, key=lambda k: -th.syscalls[k][1]):
            c, tot, mx = th.syscalls[sid]
            print("%28s%-20s %6d %11d %17d %17d" % ("", "sys_%d" % sid, sid, c, tot, mx))
        r = th.run
        print("\n%28s[THREAD RUN STATISTICS]" % "")
        print("%28s%9d %19d %17d %17d" % ("", r[0], r[1], r[2] or 0, r[3]))
        print("\n%28s[THREAD READY STATISTICS]" % "")
        print("%28s%9d %19d %17d" % ("", th.ready[0], th.ready[1], th.ready[2]))
        if th.irq:
            print("\n%28s[HARD IRQ STATISTICS]" % "")
            for n, (c, tot, mx) in sorted(th.irq.items()):
                print("%28s%-20s %11d %17d %17d" % ("", n, c, tot, mx))
        if th.softirq:
            print("\n%28s[SOFT IRQ STATISTICS]" % "")
            for v, (c, tot, mx) in sorted(th.softirq.items()):
                print("%28s%-20s %11d %17d %17d" % ("", "vec %d" % v, c, tot, mx))

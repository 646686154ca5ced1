"""perfscript: parse `perf script` text output into records, so that tests can
compute expected report numbers independently of ovsperf.

Expected input: `perf script --ns -F comm,pid,tid,cpu,time,event,trace` (the
pid field is optional, so -F comm,tid,cpu,time,event,trace parses too):

        ping  5905/5905  [001]   749.539786135:  skb:kfree_skb: skbaddr=0x... reason: NO_SOCKET

Each line becomes a Record(comm, pid, tid, cpu, time_ns, event, trace, fields).
fields holds the `key=value` pairs of the trace part as strings (brackets
around a pair, as in `[action=NET_RX]`, are dropped), plus:
  - `reason` for the `reason: X` tail of skb:kfree_skb,
  - `id` and `args` (list) for raw_syscalls:sys_enter `NR 7 (a, b, ...)`,
  - `id` and `ret` for raw_syscalls:sys_exit `NR 7 = 16`.
Use Record.num(key) to read a field as an int (decimal or 0x hex).

Usage:
    import perfscript
    recs = perfscript.run("testdata/kdelay.data")      # runs perf script
    recs = perfscript.parse(open("out.txt"))            # or parse saved text
"""
import re
import subprocess
from dataclasses import dataclass, field

FIELDS = "comm,pid,tid,cpu,time,event,trace"

_LINE = re.compile(
    r"^\s*(?P<comm>.*?)\s+(?:(?P<pid>-?\d+)/)?(?P<tid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+"
    r"(?P<secs>\d+)\.(?P<frac>\d+):\s+(?P<event>\S+):(?:\s(?P<trace>.*))?$")
_PAIR = re.compile(r"(?:(?<=\s)|^)\[?(?P<key>[A-Za-z_][\w.]*)=(?P<val>\S*)")
_SYS_ENTER = re.compile(r"^NR (?P<id>-?\d+) \((?P<args>[^)]*)\)")
_SYS_EXIT = re.compile(r"^NR (?P<id>-?\d+) = (?P<ret>-?\d+)")
_REASON = re.compile(r"\breason: (?P<reason>\S+)")


@dataclass
class Record:
    """One perf script line."""
    comm: str
    pid: int            # -1 when the line has no pid field
    tid: int
    cpu: int
    time_ns: int        # timestamp in nanoseconds
    event: str          # "sched:sched_switch"
    trace: str          # the raw trace text after "EVENT: "
    fields: dict = field(default_factory=dict)

    def num(self, key):
        """Field @key as an int: decimal, or hex with a 0x prefix."""
        return int(self.fields[key], 0)


def parse_trace(trace):
    """Returns the fields dict of one trace text (see the module comment)."""
    fields = {}
    m = _SYS_ENTER.match(trace)
    if m:
        fields["id"] = m.group("id")
        fields["args"] = [a.strip() for a in m.group("args").split(",") if a.strip()]
        return fields
    m = _SYS_EXIT.match(trace)
    if m:
        fields["id"] = m.group("id")
        fields["ret"] = m.group("ret")
        return fields
    for m in _PAIR.finditer(trace):
        val = m.group("val")
        if m.group(0).startswith("[") and val.endswith("]"):
            val = val[:-1]
        fields.setdefault(m.group("key"), val)
    m = _REASON.search(trace)
    if m:
        fields["reason"] = m.group("reason")
    return fields


def parse_line(line):
    """Parses one output line; returns a Record, or None for other lines."""
    m = _LINE.match(line.rstrip("\n"))
    if not m:
        return None
    frac = m.group("frac")
    # --ns gives 9 digits; without it perf prints microseconds (6 digits).
    time_ns = int(m.group("secs")) * 1000000000 + int(frac.ljust(9, "0")[:9])
    trace = (m.group("trace") or "").strip()
    return Record(comm=m.group("comm"), pid=int(m.group("pid") or -1), tid=int(m.group("tid")),
                  cpu=int(m.group("cpu")), time_ns=time_ns, event=m.group("event"),
                  trace=trace, fields=parse_trace(trace))


def parse(lines):
    """Parses an iterable of lines (or one string); skips lines that are not samples."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    return [r for r in map(parse_line, lines) if r is not None]


def is_pipe_file(path):
    """True when @path is a pipe-mode perf.data (header size 16)."""
    with open(path, "rb") as f:
        head = f.read(16)
    return head[:8] == b"PERFILE2" and int.from_bytes(head[8:16], "little") == 16


def script_cmd(path, perf="perf", fields=FIELDS, extra=()):
    """The perf script command line for @path and the stdin file to give it
    (pipe-mode files are read from stdin, as `perf script -i - < file`)."""
    src = "-" if is_pipe_file(path) else path
    cmd = [perf, "script", "-i", src, "--ns", "-F", fields] + list(extra)
    return cmd, (path if src == "-" else None)


def run(path, perf="perf", fields=FIELDS, extra=()):
    """Runs perf script on @path and returns its records."""
    cmd, stdin_path = script_cmd(path, perf, fields, extra)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        out = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout
    finally:
        if stdin_path:
            stdin.close()
    return parse(out.decode("utf-8", "replace"))

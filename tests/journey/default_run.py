#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The default run (`ovsperf-analyze FILE`, no command) on recordings with
only net/skb tracepoints: net.pipe.data (pipe mode: the events are known
from the stream's first records) and net.data.

usage: default_run.py ANALYZE RECORDING...

- exit 0; the reports are latency (the backlog span net:netif_rx ->
  net:netif_receive_skb), journey and drops, each starting with its title
  line ("=== NAME: ... ===");
- JSON: one document whose latency and drops reports equal those of the
  commands run by name, and whose journey summary counts the same packets
  as `journey` (the default run lists the first 10 in text only);
- text: the journey's first 10 blocks, and a line saying how many more.
"""
import json
import subprocess
import sys

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (args, r.returncode, r.stderr[-300:]))
    return r.stdout


def main():
    analyze = sys.argv[1]
    for rec in sys.argv[2:]:
        name = rec.rsplit("/", 1)[-1]
        text = run(analyze, "-q", rec)
        titles = [ln.split(":")[0][4:] for ln in text.splitlines() if ln.startswith("=== ")]
        check(titles == ["latency", "journey", "drops"], "%s: reports %s" % (name, titles))
        check(text.startswith("=== latency: "), "%s: no title line first" % name)
        for sect in text.split("\n=== ")[1:]:
            check(sect.splitlines()[0].endswith(" ==="), "%s: title %r" % (name, sect[:60]))
        check("Latency span backlog: net:netif_rx -> net:netif_receive_skb" in text,
              "%s: no backlog span" % name)
        doc = json.loads(run(analyze, "-q", "--json", rec))
        rep = doc["reports"]
        check(sorted(rep) == ["drops", "journey", "latency"], "%s: JSON reports %s" % (
            name, sorted(rep)))
        for cmd in ("latency", "drops"):
            one = json.loads(run(analyze, cmd, "-q", "--json", rec))["reports"][cmd]
            check(rep.get(cmd) == one, "%s: %s differs from the command's" % (name, cmd))
        lines = run(analyze, "journey", "-q", "--json", rec).splitlines()
        j = json.loads(lines[-1])["reports"]["journey"]
        check(len(lines) - 1 == j["packets_shown"], "%s: journey lines" % name)
        got = rep.get("journey", {})
        check(got.get("packets") == j["packets"] and got.get("events_total") == j["events_total"],
              "%s: journey summary %s vs %s" % (name, got.get("packets"), j["packets"]))
        check(got.get("packets_shown", 0) + got.get("packets_over_limit", 0) == j["packets_shown"],
              "%s: journey shown + over limit" % name)
        # The first 10 packets, and how many more there are.
        shown = min(10, j["packets_shown"])
        check(got.get("packets_shown") == shown, "%s: default run's JSON shows %s packets, "
              "expected %d" % (name, got.get("packets_shown"), shown))
        sect = text.split("\n=== journey")[1].split("\n=== ")[0].splitlines()
        blocks = [ln for ln in sect if ln.startswith("packet ")]
        more = j["packets_shown"] - shown
        want = "Packets: %d shown, %d more (all of them: ovsperf-analyze journey FILE) (of %d;" % (
            shown, more, j["packets"])
        check(len(blocks) == shown and more > 0 and any(ln.startswith(want) for ln in sect),
              "%s: default run: %d journey blocks, no line %r" % (name, len(blocks), want))
        print("%s: latency, journey (%d packets), drops" % (name, j["packets"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

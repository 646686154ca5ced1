#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_cuts.py - long lists in the --html page are cut with a note, the
JSON has all: `latency --table` on RPS_DATA (every packet in
spans[0].packets) and `kernel-delay -s` on UPCALL_DATA (every syscall in
samples[0].syscall_events) give a table of 100 rows followed by
"first 100 of N rows (see --json)", N the length of the JSON list (more
than 100).

usage: check_cuts.py ANALYZE RPS_DATA UPCALL_DATA OUTDIR
"""
import json
import os
import re
import subprocess
import sys


def main():
    analyze, rps, upc, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    errors = []
    for cmd, data, path in ((["latency", "--table"], rps, ("latency", "spans", 0, "packets")),
                            (["kernel-delay", "-s"], upc,
                             ("kernel_delay", "samples", 0, "syscall_events"))):
        page_path = os.path.join(outdir, cmd[0] + ".html")
        doc = json.loads(subprocess.run([analyze] + cmd + ["-q", "--json", "--html", page_path,
                                                           data],
                                        check=True, capture_output=True, text=True).stdout)
        lst = doc["reports"]
        for k in path:
            lst = lst[k]
        page = open(page_path, encoding="utf-8").read()
        notes = re.findall(r"<table>((?:(?!</table>).)*)</table>\n"
                           r"<p class=\"note\">first (\d+) of (\d+) rows \(see --json\)</p>",
                           page, re.S)
        rows = [len(re.findall(r"<tr><td", t)) for t, _, _ in notes]
        if len(lst) <= 100 or [(r, int(a), int(b)) for r, (_, a, b) in zip(rows, notes)] != \
                [(100, 100, len(lst))]:
            errors.append(f"{' '.join(cmd)}: {len(lst)} in the JSON; tables cut with a note: "
                          f"{[(r, a, b) for r, (_, a, b) in zip(rows, notes)]}, want "
                          f"one of 100 rows, 'first 100 of {len(lst)}'")
    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print("OK: both lists cut at 100 rows with their note")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
